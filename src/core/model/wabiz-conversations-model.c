/* wabiz-conversations-model.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The conversation list as a paged model (see wabiz-paged-model.c):
 * newest last message first, paged by keyset (last_message_time DESC
 * NULLS LAST, id), so that no query ever reads more than a page. A search
 * matches every message ever stored through the full-text index, plus the
 * lead's name and number. A change re-reads only the conversation it
 * names and moves it to its place with exact items-changed signals; the
 * conversations named while a re-read was on its way are re-read
 * together, in one query.
 */

#define G_LOG_DOMAIN "wabiz-conversations-model"

#include "config.h"

#include "wabiz-conversations-model.h"
#include "wabiz-error.h"
#include "wabiz-store.h"

#include <string.h>

/* conversations re-read by one query at most */
#define MAX_REFRESH 200

struct _WabizConversationsModel
{
  WabizPagedModel  parent_instance;

  char            *search;       /* (owned) (nullable) */
  char            *tsquery;      /* (owned) (nullable) */
  char            *like;         /* (owned) (nullable) */
  char            *digits;       /* (owned) (nullable) */
  GHashTable      *pending;      /* (owned) phones to refresh */
  gboolean         refresh_all;  /* a change named no conversation */
};

G_DEFINE_FINAL_TYPE (WabizConversationsModel, wabiz_conversations_model, WABIZ_TYPE_PAGED_MODEL)

enum {
  PROP_0,
  PROP_SEARCH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void refresh_next (WabizConversationsModel *self);

static char *
add_param (GPtrArray  *params,
           const char *value)
{
  g_ptr_array_add (params, g_strdup (value));
  return g_strdup_printf ("$%u", params->len);
}

/* "Invoice 45" → "invoice:* & 45:*": every word, as a prefix, in any
 * order. Only letters and digits reach to_tsquery(), so no input can
 * make it fail. */
static char *
build_tsquery (const char *text)
{
  GString *query = g_string_new (NULL);
  GString *word = g_string_new (NULL);
  const char *p = text;

  for (;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && g_unichar_isalnum (c))
        {
          g_string_append_unichar (word, g_unichar_tolower (c));
          continue;
        }
      if (word->len > 0)
        {
          if (query->len > 0)
            g_string_append (query, " & ");
          g_string_append_printf (query, "%s:*", word->str);
          g_string_truncate (word, 0);
        }
      if (c == 0)
        break;
    }

  g_string_free (word, TRUE);
  if (query->len == 0)
    {
      g_string_free (query, TRUE);
      return NULL;
    }
  return g_string_free (query, FALSE);
}

static char *
extract_digits (const char *text)
{
  GString *digits = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);

  if (digits->len < 3)
    {
      g_string_free (digits, TRUE);
      return NULL;
    }
  return g_string_free (digits, FALSE);
}

typedef struct
{
  char      *sql;
  GPtrArray *params;  /* (element-type utf8) */
  guint      generation;
  guint      limit;
  char      *phone;   /* (nullable) for a lookup */
  GPtrArray *phones;  /* (element-type utf8) (nullable) for a refresh */
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_free (data->sql);
  g_ptr_array_unref (data->params);
  g_free (data->phone);
  g_clear_pointer (&data->phones, g_ptr_array_unref);
  g_free (data);
}

/* The page after @after (NULL: the first), or the rows of @phones, a
 * PostgreSQL array literal; its parameters go to @params. */
static char *
build_sql (WabizConversationsModel *self,
           WabizConversation       *after,
           const char              *phones,
           guint                    limit,
           GPtrArray               *params)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GString) where = g_string_new (" WHERE TRUE");
  gboolean searching = self->tsquery != NULL || self->like != NULL;

  if (self->tsquery != NULL)
    {
      g_autofree char *q = add_param (params, self->tsquery);
      g_autofree char *p = phones != NULL ? add_param (params, phones) : NULL;

      /* the newest matching message of each conversation */
      g_string_append_printf (sql,
                              "WITH h AS (SELECT DISTINCT ON (m.phone) m.phone,"
                              "   coalesce(nullif(m.message, ''), m.caption) AS match"
                              " FROM messages m WHERE m.search @@ to_tsquery('simple', %s)%s%s%s"
                              " ORDER BY m.phone, m.\"timestamp\" DESC, m.id DESC) ",
                              q, p != NULL ? " AND m.phone = ANY (" : "", p != NULL ? p : "",
                              p != NULL ? "::text[])" : "");
    }

  g_string_append (sql, "SELECT " WABIZ_CONVERSATION_COLUMNS);
  if (self->tsquery != NULL)
    g_string_append (sql, ", h.match");
  g_string_append (sql, " FROM conversations c LEFT JOIN leads l ON l.phone = c.phone");
  if (self->tsquery != NULL)
    g_string_append (sql, " LEFT JOIN h ON h.phone = c.phone");

  if (searching)
    {
      g_string_append (where, " AND (FALSE");
      if (self->tsquery != NULL)
        g_string_append (where, " OR h.phone IS NOT NULL");
      if (self->like != NULL)
        {
          g_autofree char *l = add_param (params, self->like);

          g_string_append_printf (where, " OR l.name ILIKE %s OR l.profile_name ILIKE %s", l, l);
        }
      if (self->digits != NULL)
        {
          g_autofree char *d = add_param (params, self->digits);

          g_string_append_printf (where, " OR strpos(c.phone, %s) > 0", d);
        }
      g_string_append (where, ")");
    }

  if (phones != NULL)
    {
      g_autofree char *p = add_param (params, phones);

      g_string_append_printf (where, " AND c.phone = ANY (%s::text[])", p);
    }
  else if (after != NULL)
    {
      g_autofree char *id = add_param (params, wabiz_conversation_get_id (after));
      const char *ts_key = wabiz_conversation_get_timestamp_key (after);

      if (ts_key != NULL)
        {
          g_autofree char *t = add_param (params, ts_key);

          g_string_append_printf (where,
                                  " AND (c.last_message_time < %s::timestamptz"
                                  "      OR (c.last_message_time = %s::timestamptz AND c.id > %s::uuid)"
                                  "      OR c.last_message_time IS NULL)",
                                  t, t, id);
        }
      else
        g_string_append_printf (where, " AND c.last_message_time IS NULL AND c.id > %s::uuid", id);
    }

  g_string_append (sql, where->str);
  g_string_append_printf (sql, " ORDER BY c.last_message_time DESC NULLS LAST, c.id LIMIT %u", limit);

  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* The first @limit conversations, or the rows of @phones (taken). */
static QueryData *
build_query (WabizConversationsModel *self,
             GPtrArray               *phones,
             guint                    limit)
{
  QueryData *data = g_new0 (QueryData, 1);
  g_autofree char *array = NULL;

  if (phones != NULL)
    array = wabiz_db_text_array ((const char * const *) phones->pdata, phones->len);

  data->params = g_ptr_array_new_with_free_func (g_free);
  data->generation = wabiz_paged_model_get_generation (WABIZ_PAGED_MODEL (self));
  data->limit = limit;
  data->phones = phones;
  data->sql = build_sql (self, NULL, array, limit, data->params);
  return data;
}

static void
run_query (WabizConversationsModel *self,
           QueryData               *data,
           GCancellable            *cancellable,
           GAsyncReadyCallback      callback,
           GTask                   *task)
{
  g_task_set_task_data (task, data, (GDestroyNotify) query_data_free);
  wabiz_db_query_async (wabiz_paged_model_get_db (WABIZ_PAGED_MODEL (self)), data->sql,
                        (int) data->params->len, (const char * const *) data->params->pdata,
                        cancellable, callback, task);
}

/* Position where @item belongs among the loaded items, counted without
 * the one at @skip (G_MAXUINT: none); the end means after the last. */
static guint
find_sorted_position (WabizConversationsModel *self,
                      WabizConversation       *item,
                      guint                    skip)
{
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  guint lo = 0, hi = g_list_model_get_n_items (G_LIST_MODEL (self));

  if (skip != G_MAXUINT)
    hi--;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      guint index = skip != G_MAXUINT && mid >= skip ? mid + 1 : mid;

      if (wabiz_conversation_compare (wabiz_paged_model_peek_item (model, index), item) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* A fresh copy of one conversation (NULL: it no longer matches). */
static void
apply_row (WabizConversationsModel *self,
           const char              *phone,
           WabizConversation       *fresh)
{
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  gboolean has_more = wabiz_paged_model_get_has_more (model);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self));
  WabizConversation *item;
  guint old_pos;
  guint new_pos;

  item = wabiz_paged_model_lookup (model, phone, &old_pos);
  if (fresh == NULL)
    {
      if (item != NULL)
        wabiz_paged_model_remove (model, old_pos);
      return;
    }

  if (item == NULL)
    {
      new_pos = find_sorted_position (self, fresh, G_MAXUINT);
      /* beyond what is loaded: the next page brings it */
      if (new_pos == n && has_more)
        return;
      wabiz_paged_model_insert (model, new_pos, fresh);
      return;
    }

  /* same place: the row's bindings follow the notifies */
  wabiz_conversation_update_from (item, fresh);
  new_pos = find_sorted_position (self, item, old_pos);
  if (new_pos == old_pos)
    return;

  /* beyond what is loaded: the next page brings it back */
  if (new_pos == n - 1 && has_more)
    wabiz_paged_model_remove (model, old_pos);
  else
    wabiz_paged_model_move (model, old_pos, new_pos);
}

/* Replaces the items with @fresh (a re-read of the loaded range, or a
 * new search's first page), keeping the objects of the rows that stay
 * at the start and the end, and emitting one items-changed for the part
 * in between. */
static void
replace_items (WabizConversationsModel *self,
               GPtrArray               *fresh)
{
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  guint old_n = g_list_model_get_n_items (G_LIST_MODEL (self));
  guint prefix = 0, suffix = 0;

  while (prefix < old_n && prefix < fresh->len &&
         g_str_equal (wabiz_conversation_get_phone (wabiz_paged_model_peek_item (model, prefix)),
                      wabiz_conversation_get_phone (g_ptr_array_index (fresh, prefix))))
    {
      wabiz_conversation_update_from (wabiz_paged_model_peek_item (model, prefix),
                                      g_ptr_array_index (fresh, prefix));
      prefix++;
    }
  while (suffix < old_n - prefix && suffix < fresh->len - prefix &&
         g_str_equal (wabiz_conversation_get_phone (wabiz_paged_model_peek_item (model, old_n - 1 - suffix)),
                      wabiz_conversation_get_phone (g_ptr_array_index (fresh, fresh->len - 1 - suffix))))
    {
      wabiz_conversation_update_from (wabiz_paged_model_peek_item (model, old_n - 1 - suffix),
                                      g_ptr_array_index (fresh, fresh->len - 1 - suffix));
      suffix++;
    }

  wabiz_paged_model_splice (model, prefix, old_n - prefix - suffix, fresh->pdata + prefix,
                            fresh->len - prefix - suffix);
}

static GPtrArray *
rows_to_items (WabizDbResult *res)
{
  guint n = wabiz_db_result_get_n_rows (res);
  GPtrArray *items = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, wabiz_conversation_new_from_row (res, i));
  return items;
}

/* search and reload */

static void
reload_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizConversationsModel *self = g_task_get_source_object (task);
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  QueryData *data = g_task_get_task_data (task);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (data->generation != wabiz_paged_model_get_generation (model))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The search changed");
      return;
    }
  wabiz_paged_model_set_loading (model, FALSE);
  if (res == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  fresh = rows_to_items (res);
  replace_items (self, fresh);
  wabiz_paged_model_set_has_more (model, fresh->len == data->limit);
  g_task_return_boolean (task, TRUE);
}

/* Reads the first @limit conversations again, in place of what is loaded. */
static void
start_reload (WabizConversationsModel *self,
              guint                    limit,
              GCancellable            *cancellable,
              GAsyncReadyCallback      callback,
              gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, wabiz_conversations_model_reload_async);
  wabiz_paged_model_set_loading (WABIZ_PAGED_MODEL (self), TRUE);
  run_query (self, build_query (self, NULL, limit), cancellable, reload_cb, g_steal_pointer (&task));
}

/* What is loaded, at least a page. */
static guint
loaded_range (WabizConversationsModel *self)
{
  return MAX (wabiz_paged_model_get_page_size (WABIZ_PAGED_MODEL (self)),
              g_list_model_get_n_items (G_LIST_MODEL (self)));
}

/* changes */

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizConversationsModel *self = g_task_get_source_object (task);
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  QueryData *data = g_task_get_task_data (task);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || wabiz_paged_model_get_db (model) == NULL)
    {
      wabiz_paged_model_set_refreshing (model, FALSE);
      return;
    }

  if (res == NULL)
    {
      g_log (G_LOG_DOMAIN, wabiz_db_error_log_level (error), "Cannot refresh a conversation: %s",
             error->message);
    }
  else if (data->generation == wabiz_paged_model_get_generation (model))
    {
      g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      guint n = wabiz_db_result_get_n_rows (res);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(WabizConversation) fresh = wabiz_conversation_new_from_row (res, i);

          g_hash_table_add (found, g_strdup (wabiz_conversation_get_phone (fresh)));
          apply_row (self, wabiz_conversation_get_phone (fresh), fresh);
        }
      /* those without a row no longer match */
      for (guint k = 0; k < data->phones->len; k++)
        if (!g_hash_table_contains (found, g_ptr_array_index (data->phones, k)))
          apply_row (self, g_ptr_array_index (data->phones, k), NULL);
    }

  refresh_next (self);
}

static void
refresh_all_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  WabizConversationsModel *self = WABIZ_CONVERSATIONS_MODEL (object);
  g_autoptr(GError) error = NULL;

  if (!wabiz_conversations_model_reload_finish (self, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          wabiz_paged_model_set_refreshing (WABIZ_PAGED_MODEL (self), FALSE);
          return;
        }
      g_log (G_LOG_DOMAIN, wabiz_db_error_log_level (error), "Cannot reload the conversations: %s",
             error->message);
    }

  refresh_next (self);
}

static void
refresh_next (WabizConversationsModel *self)
{
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  GCancellable *cancellable = wabiz_paged_model_get_cancellable (model);
  GHashTableIter iter;
  char *phone;

  if (self->refresh_all)
    {
      self->refresh_all = FALSE;
      g_hash_table_remove_all (self->pending);
      wabiz_paged_model_set_refreshing (model, TRUE);
      start_reload (self, loaded_range (self), cancellable, refresh_all_cb, NULL);
      return;
    }

  if (g_hash_table_size (self->pending) == 0)
    {
      wabiz_paged_model_set_refreshing (model, FALSE);
      return;
    }

  /* every conversation named since the last re-read, in one query: one
   * at a time, with many customers writing, the last named waited for
   * a round trip per conversation before it */
  {
    g_autoptr(GTask) task = g_task_new (self, cancellable, NULL, NULL);
    GPtrArray *phones = g_ptr_array_new_with_free_func (g_free);
    QueryData *data;

    g_hash_table_iter_init (&iter, self->pending);
    while (phones->len < MAX_REFRESH && g_hash_table_iter_next (&iter, (gpointer *) &phone, NULL))
      {
        g_ptr_array_add (phones, g_strdup (phone));
        g_hash_table_iter_remove (&iter);
      }
    data = build_query (self, phones, phones->len);
    wabiz_paged_model_set_refreshing (model, TRUE);
    run_query (self, data, cancellable, refresh_cb, g_steal_pointer (&task));
  }
}

/* paged model */

static const char *
get_item_key (gpointer item)
{
  return wabiz_conversation_get_phone (item);
}

static gpointer
decode_row (WabizDbResult *result,
            guint          row)
{
  return wabiz_conversation_new_from_row (result, row);
}

static char *
wabiz_conversations_model_build_page_query (WabizPagedModel *model,
                                            gpointer         edge,
                                            guint            limit,
                                            GPtrArray       *params)
{
  return build_sql (WABIZ_CONVERSATIONS_MODEL (model), edge, NULL, limit, params);
}

static void
wabiz_conversations_model_changed (WabizPagedModel *model,
                                   const char      *table,
                                   const char      *phone,
                                   const char      *id)
{
  wabiz_conversations_model_notification (WABIZ_CONVERSATIONS_MODEL (model), table, phone, id);
}

static void
wabiz_conversations_model_reconnected (WabizPagedModel *model)
{
  /* what is loaded, read again */
  wabiz_conversations_model_notification (WABIZ_CONVERSATIONS_MODEL (model), NULL, NULL, NULL);
}

/* GObject */

static void
wabiz_conversations_model_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  WabizConversationsModel *self = WABIZ_CONVERSATIONS_MODEL (object);

  switch (prop_id)
    {
    case PROP_SEARCH: g_value_set_string (value, self->search); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_conversations_model_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  WabizConversationsModel *self = WABIZ_CONVERSATIONS_MODEL (object);

  switch (prop_id)
    {
    case PROP_SEARCH:
      wabiz_conversations_model_set_search (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_conversations_model_finalize (GObject *object)
{
  WabizConversationsModel *self = WABIZ_CONVERSATIONS_MODEL (object);

  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_free (self->search);
  g_free (self->tsquery);
  g_free (self->like);
  g_free (self->digits);

  G_OBJECT_CLASS (wabiz_conversations_model_parent_class)->finalize (object);
}

static void
wabiz_conversations_model_class_init (WabizConversationsModelClass *klass)
{
  /* "drafts": a draft was saved, or cleared once its text went */
  static const char * const tables[] = { "conversations", "messages", "leads", "drafts", NULL };
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  WabizPagedModelClass *paged_class = WABIZ_PAGED_MODEL_CLASS (klass);

  object_class->get_property = wabiz_conversations_model_get_property;
  object_class->set_property = wabiz_conversations_model_set_property;
  object_class->finalize = wabiz_conversations_model_finalize;

  paged_class->item_type = WABIZ_TYPE_CONVERSATION;
  paged_class->fail_when_busy = TRUE;
  paged_class->tables = tables;
  paged_class->get_item_key = get_item_key;
  paged_class->decode_row = decode_row;
  paged_class->build_page_query = wabiz_conversations_model_build_page_query;
  paged_class->changed = wabiz_conversations_model_changed;
  paged_class->reconnected = wabiz_conversations_model_reconnected;

  properties[PROP_SEARCH] = g_param_spec_string ("search", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_conversations_model_init (WabizConversationsModel *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

WabizConversationsModel *
wabiz_conversations_model_new (WabizDb *db)
{
  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);

  return g_object_new (WABIZ_TYPE_CONVERSATIONS_MODEL, "db", db, NULL);
}

WabizDb *
wabiz_conversations_model_get_db (WabizConversationsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), NULL);
  return wabiz_paged_model_get_db (WABIZ_PAGED_MODEL (self));
}

void
wabiz_conversations_model_set_page_size (WabizConversationsModel *self,
                                         guint                    page_size)
{
  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));
  wabiz_paged_model_set_page_size (WABIZ_PAGED_MODEL (self), page_size);
}

const char *
wabiz_conversations_model_get_search (WabizConversationsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), NULL);
  return self->search;
}

gboolean
wabiz_conversations_model_get_has_more (WabizConversationsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), FALSE);
  return wabiz_paged_model_get_has_more (WABIZ_PAGED_MODEL (self));
}

gboolean
wabiz_conversations_model_get_loading (WabizConversationsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), FALSE);
  return wabiz_paged_model_get_loading (WABIZ_PAGED_MODEL (self));
}

gboolean
wabiz_conversations_model_get_refreshing (WabizConversationsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), FALSE);
  return wabiz_paged_model_get_refreshing (WABIZ_PAGED_MODEL (self));
}

WabizConversation *
wabiz_conversations_model_find (WabizConversationsModel *self,
                                const char              *phone,
                                guint                   *position)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), NULL);
  g_return_val_if_fail (phone != NULL, NULL);

  return wabiz_paged_model_lookup (WABIZ_PAGED_MODEL (self), phone, position);
}

void
wabiz_conversations_model_load_more_async (WabizConversationsModel *self,
                                           GCancellable            *cancellable,
                                           GAsyncReadyCallback      callback,
                                           gpointer                 user_data)
{
  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));

  wabiz_paged_model_load_more_async (WABIZ_PAGED_MODEL (self), cancellable, callback, user_data);
}

gint
wabiz_conversations_model_load_more_finish (WabizConversationsModel *self,
                                            GAsyncResult            *result,
                                            GError                 **error)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), -1);

  return wabiz_paged_model_load_more_finish (WABIZ_PAGED_MODEL (self), result, error);
}

void
wabiz_conversations_model_set_search (WabizConversationsModel *self,
                                      const char              *search)
{
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  g_autofree char *stripped = NULL;

  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));

  stripped = g_strstrip (g_strdup (search != NULL ? search : ""));
  if (*stripped == '\0')
    g_clear_pointer (&stripped, g_free);
  if (g_strcmp0 (stripped, self->search) == 0)
    return;

  g_free (self->search);
  self->search = g_steal_pointer (&stripped);
  g_clear_pointer (&self->tsquery, g_free);
  g_clear_pointer (&self->like, g_free);
  g_clear_pointer (&self->digits, g_free);
  if (self->search != NULL)
    {
      self->tsquery = build_tsquery (self->search);
      self->like = wabiz_paged_model_dup_like_pattern (self->search);
      self->digits = extract_digits (self->search);
    }

  /* results of the previous search are dropped as they arrive */
  wabiz_paged_model_cancel (model);
  g_hash_table_remove_all (self->pending);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);

  /* only the first page of the new search; the old pages go */
  if (wabiz_paged_model_get_db (model) != NULL)
    start_reload (self, wabiz_paged_model_get_page_size (model),
                  wabiz_paged_model_get_cancellable (model), NULL, NULL);
}

void
wabiz_conversations_model_reload_async (WabizConversationsModel *self,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data)
{
  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));

  start_reload (self, loaded_range (self), cancellable, callback, user_data);
}

gboolean
wabiz_conversations_model_reload_finish (WabizConversationsModel *self,
                                         GAsyncResult            *result,
                                         GError                 **error)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_conversations_model_reload_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Deprecated: give the model a listener (wabiz_paged_model_set_listener())
 * instead of relaying its changes; goes once the app does. */
void
wabiz_conversations_model_notification (WabizConversationsModel *self,
                                        const char              *table,
                                        const char              *phone,
                                        const char              *id)
{
  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));

  if (table != NULL &&
      !g_str_equal (table, "conversations") && !g_str_equal (table, "messages") &&
      !g_str_equal (table, "leads") && !g_str_equal (table, "drafts"))
    return;

  if (phone == NULL)
    self->refresh_all = TRUE;
  else
    g_hash_table_add (self->pending, g_strdup (phone));

  if (!wabiz_paged_model_get_refreshing (WABIZ_PAGED_MODEL (self)))
    refresh_next (self);
}

/* one conversation */

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QueryData *data = g_task_get_task_data (task);
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else if (wabiz_db_result_get_n_rows (res) == 0)
    g_task_return_pointer (task, wabiz_conversation_new (data->phone), g_object_unref);
  else
    g_task_return_pointer (task, wabiz_conversation_new_from_row (res, 0), g_object_unref);
}

void
wabiz_conversations_model_lookup_async (WabizConversationsModel *self,
                                        const char              *phone,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  QueryData *data;

  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));
  g_return_if_fail (phone != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_conversations_model_lookup_async);

  data = g_new0 (QueryData, 1);
  data->params = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (data->params, g_strdup (phone));
  data->phone = g_strdup (phone);
  /* a lead with no conversation row yet still has a name */
  data->sql = g_strdup ("SELECT " WABIZ_CONVERSATION_COLUMNS
                        " FROM (SELECT $1::text AS phone) p"
                        " LEFT JOIN conversations c ON c.phone = p.phone"
                        " LEFT JOIN leads l ON l.phone = p.phone"
                        " WHERE c.phone IS NOT NULL OR l.phone IS NOT NULL");
  run_query (self, data, cancellable, lookup_cb, g_steal_pointer (&task));
}

WabizConversation *
wabiz_conversations_model_lookup_finish (WabizConversationsModel *self,
                                         GAsyncResult            *result,
                                         GError                 **error)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_conversations_model_lookup_async),
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* mark read */

typedef struct
{
  const char *phone;
  char       *wamid;   /* (owned) (nullable): of the newest inbound message */
} MarkRead;

static gboolean
mark_read_in_transaction (WabizDbConn  *conn,
                          gpointer      data,
                          GError      **error)
{
  MarkRead *mark = data;
  const char *params[] = { mark->phone };
  g_autoptr(WabizDbResult) upd = NULL;
  g_autoptr(WabizDbResult) res = NULL;

  upd = wabiz_db_conn_exec (conn,
                            "UPDATE conversations SET unread_count = 0, updated_at = now()"
                            " WHERE phone = $1 AND unread_count <> 0", 1, params, error);
  if (upd == NULL)
    return FALSE;
  g_clear_pointer (&upd, wabiz_db_result_unref);
  upd = wabiz_db_conn_exec (conn, "UPDATE leads SET unread_count = 0 WHERE phone = $1 AND unread_count <> 0",
                            1, params, error);
  if (upd == NULL)
    return FALSE;
  res = wabiz_db_conn_exec (conn,
                            "SELECT message_id FROM messages WHERE phone = $1 AND direction = 'inbound'"
                            " AND message_id IS NOT NULL ORDER BY \"timestamp\" DESC, id DESC LIMIT 1",
                            1, params, error);
  if (res == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_rows (res) > 0)
    mark->wamid = g_strdup (wabiz_db_result_get (res, 0, "message_id"));

  return wabiz_store_notify_on_conn (conn, "conversations", mark->phone, NULL, error);
}

static void
mark_read_job (WabizDb      *db,
               WabizDbConn  *conn,
               GTask        *task,
               gpointer      task_data,
               GCancellable *cancellable)
{
  MarkRead mark = { task_data, NULL };
  GError *error = NULL;

  if (wabiz_db_conn_transaction (conn, mark_read_in_transaction, &mark, &error))
    g_task_return_pointer (task, mark.wamid, g_free);
  else
    {
      g_free (mark.wamid);
      g_task_return_error (task, error);
    }
}

void
wabiz_conversations_model_mark_read_async (WabizConversationsModel *self,
                                           const char              *phone,
                                           GCancellable            *cancellable,
                                           GAsyncReadyCallback      callback,
                                           gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));
  g_return_if_fail (phone != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_conversations_model_mark_read_async);
  g_task_set_task_data (task, g_strdup (phone), g_free);
  wabiz_db_run_in_thread (wabiz_paged_model_get_db (WABIZ_PAGED_MODEL (self)), g_steal_pointer (&task), mark_read_job);
}

char *
wabiz_conversations_model_mark_read_finish (WabizConversationsModel *self,
                                            GAsyncResult            *result,
                                            GError                 **error)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_conversations_model_mark_read_async),
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* lead status */

/* @data: the phone and the status */
static gboolean
set_status_in_transaction (WabizDbConn  *conn,
                           gpointer      data,
                           GError      **error)
{
  char **args = data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *lead_id = NULL;

  lead_id = wabiz_store_upsert_lead_on_conn (conn, args[0], NULL, error);
  if (lead_id == NULL)
    return FALSE;
  res = wabiz_db_conn_exec (conn,
                            "UPDATE leads SET status = $2, updated_at = now() WHERE phone = $1",
                            2, (const char * const *) args, error);
  if (res == NULL)
    return FALSE;

  return wabiz_store_notify_on_conn (conn, "leads", args[0], lead_id, error);
}

static void
set_status_job (WabizDb      *db,
                WabizDbConn  *conn,
                GTask        *task,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (wabiz_db_conn_transaction (conn, set_status_in_transaction, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
wabiz_conversations_model_set_lead_status_async (WabizConversationsModel *self,
                                                 const char              *phone,
                                                 const char              *status,
                                                 GCancellable            *cancellable,
                                                 GAsyncReadyCallback      callback,
                                                 gpointer                 user_data)
{
  static const char * const valid[] = { "NEW", "CONTACTED", "INTERESTED", "CONVERTED", "LOST", NULL };
  g_autoptr(GTask) task = NULL;
  char **args;

  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));
  g_return_if_fail (phone != NULL);
  g_return_if_fail (status != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_conversations_model_set_lead_status_async);

  if (!g_strv_contains (valid, status))
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               "Unknown lead status “%s”", status);
      return;
    }

  args = g_new0 (char *, 3);
  args[0] = g_strdup (phone);
  args[1] = g_strdup (status);
  g_task_set_task_data (task, args, (GDestroyNotify) g_strfreev);
  wabiz_db_run_in_thread (wabiz_paged_model_get_db (WABIZ_PAGED_MODEL (self)), g_steal_pointer (&task), set_status_job);
}

gboolean
wabiz_conversations_model_set_lead_status_finish (WabizConversationsModel *self,
                                                  GAsyncResult            *result,
                                                  GError                 **error)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_conversations_model_set_lead_status_async),
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
