/* wabiz-quick-reply.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A saved answer the composer inserts when the user types "/" and its
 * shortcut, with placeholders filled from the lead ({name}, …). The
 * owner creates, edits, orders and deletes them (data/sql/019); every
 * change is announced as changed::quick_replies by a trigger.
 */

#define G_LOG_DOMAIN "wabiz-quick-reply"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-phone.h"
#include "wabiz-quick-reply.h"

#include <glib/gi18n-lib.h>

#include <string.h>

struct _WabizQuickReply
{
  GObject  parent_instance;

  char    *id;        /* (owned) (nullable) */
  char    *shortcut;  /* (owned) */
  char    *body;      /* (owned) */
};

G_DEFINE_FINAL_TYPE (WabizQuickReply, wabiz_quick_reply, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_SHORTCUT,
  PROP_BODY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The placeholders a text may hold, as typed */
static const char * const placeholders[] = { "{name}", "{first_name}", "{phone}", NULL };

#define ORDER_BY " ORDER BY position NULLS LAST, lower(shortcut), id"

static void
wabiz_quick_reply_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WabizQuickReply *self = WABIZ_QUICK_REPLY (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
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

  g_free (self->id);
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

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
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
wabiz_quick_reply_get_id (WabizQuickReply *self)
{
  g_return_val_if_fail (WABIZ_IS_QUICK_REPLY (self), NULL);
  return self->id;
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

/* checks */

char *
wabiz_quick_reply_check_shortcut (const char  *shortcut,
                                  GError     **error)
{
  g_autofree char *word = NULL;
  glong length;

  word = g_strstrip (g_strdup (shortcut != NULL ? shortcut : ""));
  if (word[0] == '/')
    memmove (word, word + 1, strlen (word));

  if (*word == '\0')
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("Give the quick reply a shortcut, one word such as “hours”"));
      return NULL;
    }
  length = g_utf8_strlen (word, -1);
  if (!g_utf8_validate (word, -1, NULL) || length > WABIZ_QUICK_REPLY_MAX_SHORTCUT)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("The shortcut is too long: use at most %d letters"), WABIZ_QUICK_REPLY_MAX_SHORTCUT);
      return NULL;
    }
  for (const char *p = word; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_isalnum (c) && c != '-' && c != '_')
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       _("The shortcut is one word of letters, digits, - or _, without spaces, such as "
                         "“opening-hours”"));
          return NULL;
        }
    }
  return g_steal_pointer (&word);
}

gboolean
wabiz_quick_reply_check_body (const char  *body,
                              GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (body != NULL ? body : ""));
  const char *p;

  if (*stripped == '\0')
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("Write the text the quick reply inserts"));
      return FALSE;
    }
  if (!g_utf8_validate (body, -1, NULL) || g_utf8_strlen (body, -1) > WABIZ_QUICK_REPLY_MAX_BODY)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("The text is too long: WhatsApp takes at most %d characters"), WABIZ_QUICK_REPLY_MAX_BODY);
      return FALSE;
    }

  /* a word in braces that is not one of ours would go out as typed */
  for (p = strchr (body, '{'); p != NULL; p = strchr (p + 1, '{'))
    {
      const char *end = strchr (p, '}');
      gboolean known = FALSE;
      g_autofree char *token = NULL;

      if (end == NULL)
        break;
      token = g_strndup (p, end - p + 1);
      if (strchr (token + 1, '{') != NULL || strpbrk (token, " \n\t") != NULL)
        continue;
      for (guint i = 0; placeholders[i] != NULL; i++)
        known |= g_str_equal (token, placeholders[i]);
      if (!known)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       /* Translators: %s is what the user typed in braces, such as {nome}; keep
                        * {name}, {first_name} and {phone} as they are */
                       _("“%s” is not a placeholder WaBiz can fill: use {name}, {first_name} or {phone}"),
                       token);
          return FALSE;
        }
    }
  return TRUE;
}

/* Drops @placeholder from @text with the spaces before it */
static void
drop_placeholder (GString    *text,
                  const char *placeholder)
{
  gsize len = strlen (placeholder);
  const char *found;

  while ((found = strstr (text->str, placeholder)) != NULL)
    {
      gssize at = found - text->str;
      gssize from = at;

      while (from > 0 && (text->str[from - 1] == ' ' || text->str[from - 1] == '\t'))
        from--;
      /* at the start of a line, the space after it goes instead */
      if (from == 0 || text->str[from - 1] == '\n')
        {
          gsize to = at + len;

          while (to < text->len && (text->str[to] == ' ' || text->str[to] == ','))
            to++;
          g_string_erase (text, from, to - from);
        }
      else
        g_string_erase (text, from, at + len - from);
    }
}

char *
wabiz_quick_reply_fill (const char *body,
                        const char *name,
                        const char *phone)
{
  g_autoptr(GString) text = NULL;
  g_autofree char *first = NULL;
  g_autofree char *display = NULL;

  g_return_val_if_fail (body != NULL, NULL);

  text = g_string_new (body);
  if (name != NULL)
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (name));

      if (*trimmed != '\0')
        {
          const char *space = strpbrk (trimmed, " \t");

          first = space != NULL ? g_strndup (trimmed, space - trimmed) : g_strdup (trimmed);
          g_string_replace (text, "{name}", trimmed, 0);
          g_string_replace (text, "{first_name}", first, 0);
        }
    }
  if (first == NULL)
    {
      drop_placeholder (text, "{name}");
      drop_placeholder (text, "{first_name}");
    }
  if (phone != NULL)
    display = wabiz_phone_format_display (phone);
  if (display != NULL || phone != NULL)
    g_string_replace (text, "{phone}", display != NULL ? display : phone, 0);
  else
    drop_placeholder (text, "{phone}");

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* reading */

static GListModel *
store_from_result (WabizDbResult *res)
{
  GListStore *store = g_list_store_new (WABIZ_TYPE_QUICK_REPLY);
  guint n = wabiz_db_result_get_n_rows (res);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WabizQuickReply) reply =
        wabiz_quick_reply_new (wabiz_db_result_get (res, i, "shortcut"),
                               wabiz_db_result_get (res, i, "body"));

      reply->id = g_strdup (wabiz_db_result_get (res, i, "id"));
      g_list_store_append (store, reply);
    }
  return G_LIST_MODEL (store);
}

static void
return_replies (GTask         *task,
                WabizDbResult *res)
{
  g_task_return_pointer (task, store_from_result (res), g_object_unref);
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
  wabiz_db_query_for_task (db,
                           "SELECT id::text AS id, shortcut, body FROM quick_replies"
                           " WHERE starts_with (lower(shortcut), lower($1))"
                           ORDER_BY " LIMIT $2::int",
                           2, params, g_steal_pointer (&task), return_replies);
}

GListModel *
wabiz_quick_reply_search_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_quick_reply_search_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_quick_reply_list_async (WabizDb             *db,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (db));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_quick_reply_list_async);
  wabiz_db_query_for_task (db, "SELECT id::text AS id, shortcut, body FROM quick_replies" ORDER_BY,
                           0, NULL, g_steal_pointer (&task), return_replies);
}

GListModel *
wabiz_quick_reply_list_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_quick_reply_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* writing */

typedef struct
{
  char  *id;         /* (owned) (nullable) */
  char  *shortcut;   /* (owned) (nullable) */
  char  *body;       /* (owned) (nullable) */
  guint  position;
  char  *saved_id;   /* (owned) (nullable) out */
} Write;

static void
write_free (Write *w)
{
  g_free (w->id);
  g_free (w->shortcut);
  g_free (w->body);
  g_free (w->saved_id);
  g_free (w);
}

static void
not_found (GError **error)
{
  g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND,
               _("This quick reply was deleted meanwhile, on this computer or another; add it again"));
}

static void
return_not_found (GTask *task)
{
  GError *error = NULL;

  not_found (&error);
  g_task_return_error (task, error);
}

/* A task of @source_tag about the quick reply @id; %NULL once it
 * answered that @id cannot name one. */
static GTask *
new_task_for_id (WabizDb             *db,
                 const char          *id,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (db, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (!g_uuid_string_is_valid (id))
    {
      return_not_found (task);
      return NULL;
    }
  return g_steal_pointer (&task);
}

static gboolean
save_on_conn (WabizDbConn  *conn,
              gpointer      data,
              GError      **error)
{
  Write *w = data;
  g_autoptr(WabizDbResult) taken = NULL;
  g_autoptr(WabizDbResult) res = NULL;

  /* one writer of the list at a time, so that two new ones do not both
   * take the last place, nor the same shortcut */
  if (!wabiz_db_conn_take_turn (conn, "wabiz-quick-replies", error))
    return FALSE;

  {
    const char *p[] = { w->shortcut, w->id };

    taken = wabiz_db_conn_exec (conn,
                                "SELECT shortcut FROM quick_replies WHERE lower(shortcut) = lower($1)"
                                " AND id IS DISTINCT FROM $2::uuid LIMIT 1",
                                2, p, error);
    if (taken == NULL)
      return FALSE;
    if (wabiz_db_result_get_n_rows (taken) > 0)
      {
        g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                     _("There is a quick reply /%s already: choose another shortcut, or edit that one"),
                     wabiz_db_result_get (taken, 0, "shortcut"));
        return FALSE;
      }
  }

  if (w->id == NULL)
    {
      const char *p[] = { w->shortcut, w->body };
      g_autoptr(WabizDbResult) placed = NULL;

      /* rows written by other tools have no place yet: they keep the one
       * they are shown at, before the new one */
      placed = wabiz_db_conn_exec (conn,
                                   "UPDATE quick_replies q SET position = o.n - 1 + o.base"
                                   " FROM (SELECT id, row_number () OVER (ORDER BY lower(shortcut), id) AS n,"
                                   "         (SELECT coalesce (max (position) + 1, 0) FROM quick_replies) AS base"
                                   "       FROM quick_replies WHERE position IS NULL) o"
                                   " WHERE q.id = o.id",
                                   0, NULL, error);
      if (placed == NULL)
        return FALSE;

      res = wabiz_db_conn_exec (conn,
                                "INSERT INTO quick_replies (shortcut, body, position)"
                                " VALUES ($1, $2, (SELECT coalesce (max (position) + 1, 0) FROM quick_replies))"
                                " RETURNING id::text AS id",
                                2, p, error);
    }
  else
    {
      const char *p[] = { w->id, w->shortcut, w->body };

      res = wabiz_db_conn_exec (conn,
                                "UPDATE quick_replies SET shortcut = $2, body = $3, updated_at = now()"
                                " WHERE id = $1::uuid RETURNING id::text AS id",
                                3, p, error);
    }
  if (res == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_rows (res) == 0)
    {
      not_found (error);
      return FALSE;
    }
  w->saved_id = g_strdup (wabiz_db_result_get (res, 0, "id"));
  return TRUE;
}

static void
save_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  Write *w = task_data;
  GError *error = NULL;

  if (!wabiz_db_conn_transaction (conn, save_on_conn, w, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&w->saved_id), g_free);
}

void
wabiz_quick_reply_save_async (WabizDb             *db,
                              const char          *id,
                              const char          *shortcut,
                              const char          *body,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *word = NULL;
  GError *error = NULL;
  Write *w;

  g_return_if_fail (WABIZ_IS_DB (db));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_quick_reply_save_async);

  word = wabiz_quick_reply_check_shortcut (shortcut, &error);
  if (word == NULL || !wabiz_quick_reply_check_body (body, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (id != NULL && !g_uuid_string_is_valid (id))
    {
      return_not_found (task);
      return;
    }

  w = g_new0 (Write, 1);
  w->id = g_strdup (id);
  w->shortcut = g_steal_pointer (&word);
  w->body = g_strdup (body);
  g_task_set_task_data (task, w, (GDestroyNotify) write_free);
  wabiz_db_run_in_thread (db, task, save_job);
}

char *
wabiz_quick_reply_save_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_quick_reply_save_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
return_deleted (GTask         *task,
                WabizDbResult *res)
{
  if (wabiz_db_result_get_n_rows (res) == 0)
    return_not_found (task);
  else
    g_task_return_boolean (task, TRUE);
}

void
wabiz_quick_reply_delete_async (WabizDb             *db,
                                const char          *id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *p[1] = { id };

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (id != NULL);

  task = new_task_for_id (db, id, wabiz_quick_reply_delete_async, cancellable, callback, user_data);
  if (task == NULL)
    return;
  wabiz_db_query_for_task (db, "DELETE FROM quick_replies WHERE id = $1::uuid RETURNING id", 1, p,
                           g_steal_pointer (&task), return_deleted);
}

gboolean
wabiz_quick_reply_delete_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_quick_reply_delete_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
move_on_conn (WabizDbConn  *conn,
              gpointer      data,
              GError      **error)
{
  Write *w = data;
  g_autoptr(WabizDbResult) rows = NULL;
  g_autoptr(WabizDbResult) done = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GString) ids = g_string_new ("{");
  const char *moved = NULL;
  guint n;

  if (!wabiz_db_conn_take_turn (conn, "wabiz-quick-replies", error))
    return FALSE;
  rows = wabiz_db_conn_exec (conn, "SELECT id::text AS id FROM quick_replies" ORDER_BY, 0, NULL, error);
  if (rows == NULL)
    return FALSE;

  /* the order without it, then it at its place */
  n = wabiz_db_result_get_n_rows (rows);
  for (guint i = 0; i < n; i++)
    {
      const char *id = wabiz_db_result_get (rows, i, "id");

      if (g_ascii_strcasecmp (id, w->id) == 0)
        moved = id;
      else
        g_ptr_array_add (order, (gpointer) id);
    }
  if (moved == NULL)
    {
      not_found (error);
      return FALSE;
    }
  g_ptr_array_insert (order, MIN (w->position, order->len), (gpointer) moved);

  for (guint i = 0; i < order->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? "," : "", (const char *) g_ptr_array_index (order, i));
  g_string_append_c (ids, '}');

  {
    const char *p[] = { ids->str };

    done = wabiz_db_conn_exec (conn,
                               "UPDATE quick_replies q SET position = o.n - 1, updated_at = now()"
                               " FROM unnest ($1::uuid[]) WITH ORDINALITY AS o (id, n)"
                               " WHERE q.id = o.id AND q.position IS DISTINCT FROM o.n - 1",
                               1, p, error);
  }
  return done != NULL;
}

static void
move_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  GError *error = NULL;

  if (!wabiz_db_conn_transaction (conn, move_on_conn, task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
wabiz_quick_reply_move_async (WabizDb             *db,
                              const char          *id,
                              guint                position,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Write *w;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (id != NULL);

  task = new_task_for_id (db, id, wabiz_quick_reply_move_async, cancellable, callback, user_data);
  if (task == NULL)
    return;
  w = g_new0 (Write, 1);
  w->id = g_strdup (id);
  w->position = position;
  g_task_set_task_data (task, w, (GDestroyNotify) write_free);
  wabiz_db_run_in_thread (db, task, move_job);
}

gboolean
wabiz_quick_reply_move_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_quick_reply_move_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
