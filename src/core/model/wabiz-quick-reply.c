/* wabiz-quick-reply.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A saved answer the composer inserts when the user types "/" and its
 * shortcut.
 */

#define G_LOG_DOMAIN "wabiz-quick-reply"

#include "config.h"

#include "wabiz-quick-reply.h"

struct _WabizQuickReply
{
  GObject  parent_instance;

  char    *shortcut;  /* (owned) */
  char    *body;      /* (owned) */
};

G_DEFINE_FINAL_TYPE (WabizQuickReply, wabiz_quick_reply, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SHORTCUT,
  PROP_BODY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
wabiz_quick_reply_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WabizQuickReply *self = WABIZ_QUICK_REPLY (object);

  switch (prop_id)
    {
    case PROP_SHORTCUT: g_value_set_string (value, self->shortcut); break;
    case PROP_BODY: g_value_set_string (value, self->body); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_quick_reply_finalize (GObject *object)
{
  WabizQuickReply *self = WABIZ_QUICK_REPLY (object);

  g_free (self->shortcut);
  g_free (self->body);

  G_OBJECT_CLASS (wabiz_quick_reply_parent_class)->finalize (object);
}

static void
wabiz_quick_reply_class_init (WabizQuickReplyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = wabiz_quick_reply_get_property;
  object_class->finalize = wabiz_quick_reply_finalize;

  properties[PROP_SHORTCUT] = g_param_spec_string ("shortcut", NULL, NULL, NULL, flags);
  properties[PROP_BODY] = g_param_spec_string ("body", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_quick_reply_init (WabizQuickReply *self)
{
}

WabizQuickReply *
wabiz_quick_reply_new (const char *shortcut,
                       const char *body)
{
  WabizQuickReply *self;

  g_return_val_if_fail (shortcut != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_QUICK_REPLY, NULL);
  self->shortcut = g_strdup (shortcut);
  self->body = g_strdup (body);
  return self;
}

const char *
wabiz_quick_reply_get_shortcut (WabizQuickReply *self)
{
  g_return_val_if_fail (WABIZ_IS_QUICK_REPLY (self), NULL);
  return self->shortcut;
}

const char *
wabiz_quick_reply_get_body (WabizQuickReply *self)
{
  g_return_val_if_fail (WABIZ_IS_QUICK_REPLY (self), NULL);
  return self->body;
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  GListStore *store;
  GError *error = NULL;
  guint n;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  store = g_list_store_new (WABIZ_TYPE_QUICK_REPLY);
  n = wabiz_db_result_get_n_rows (res);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WabizQuickReply) reply =
        wabiz_quick_reply_new (wabiz_db_result_get (res, i, "shortcut"),
                               wabiz_db_result_get (res, i, "body"));

      g_list_store_append (store, reply);
    }
  g_task_return_pointer (task, store, g_object_unref);
}

void
wabiz_quick_reply_search_async (WabizDb             *db,
                                const char          *prefix,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *limit_text = NULL;
  const char *params[2];

  g_return_if_fail (WABIZ_IS_DB (db));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_quick_reply_search_async);

  limit_text = g_strdup_printf ("%u", limit > 0 ? limit : 20);
  params[0] = prefix != NULL ? prefix : "";
  params[1] = limit_text;
  /* starts_with: no LIKE wildcards to escape */
  wabiz_db_query_async (db,
                        "SELECT shortcut, body FROM quick_replies"
                        " WHERE starts_with (lower(shortcut), lower($1))"
                        " ORDER BY shortcut LIMIT $2::int",
                        2, params, cancellable, search_cb, g_steal_pointer (&task));
}

GListModel *
wabiz_quick_reply_search_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_quick_reply_search_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
