/* wabiz-conversations-model.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The conversation list as a GListModel: newest last message first, paged
 * from the database by keyset (last_message_time DESC NULLS LAST, id), so
 * that no query ever reads more than a page. A search matches every
 * message ever stored through the full-text index, plus the lead's name
 * and number. A NOTIFY re-reads only the conversation it names and moves
 * it to its place with exact items-changed signals.
 */

#define G_LOG_DOMAIN "wabiz-conversations-model"

#include "config.h"

#include "wabiz-conversations-model.h"
#include "wabiz-error.h"
#include "wabiz-store.h"

#include <string.h>

#define DEFAULT_PAGE_SIZE 50

struct _WabizConversationsModel
{
  GObject       parent_instance;

  WabizDb      *db;              /* (owned) */
  GPtrArray    *items;           /* (owned) (element-type WabizConversation) */
  GHashTable   *by_phone;        /* (owned) phone → WabizConversation (borrowed) */
  char         *search;          /* (owned) (nullable) */
  char         *tsquery;         /* (owned) (nullable) */
  char         *like;            /* (owned) (nullable) */
  char         *digits;          /* (owned) (nullable) */
  GCancellable *cancellable;     /* (owned) cancelled on a new search */
  GHashTable   *pending;         /* (owned) phones to refresh */
  guint         generation;
  guint         page_size;
  guint         has_more : 1;
  guint         loading : 1;
  guint         refreshing : 1;
  guint         refresh_all : 1;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WabizConversationsModel, wabiz_conversations_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  PROP_SEARCH,
  PROP_HAS_MORE,
  PROP_LOADING,
  PROP_REFRESHING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void refresh_next (WabizConversationsModel *self);

/* GListModel */

static GType
get_item_type (GListModel *model)
{
  return WABIZ_TYPE_CONVERSATION;
}

static guint
get_n_items (GListModel *model)
{
  return WABIZ_CONVERSATIONS_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  WabizConversationsModel *self = WABIZ_CONVERSATIONS_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* helpers */

static void
emit_changed (WabizConversationsModel *self,
              guint                    position,
              guint                    removed,
              guint                    added)
{
  if (removed == 0 && added == 0)
    return;

  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
set_flag (WabizConversationsModel *self,
          guint                    prop,
          gboolean                 value)
{
  gboolean old;

  switch (prop)
    {
    case PROP_HAS_MORE: old = self->has_more; self->has_more = !!value; break;
    case PROP_LOADING: old = self->loading; self->loading = !!value; break;
    case PROP_REFRESHING: old = self->refreshing; self->refreshing = !!value; break;
    default: g_assert_not_reached ();
    }

  if (old != !!value)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static char *
add_param (GPtrArray  *params,
           const char *value)
{
  g_ptr_array_add (params, g_strdup (value));
  return g_strdup_printf ("$%u", params->len);
}

static char *
escape_like (const char *text)
{
  GString *out = g_string_new ("%");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '%');
  return g_string_free (out, FALSE);
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
  char      *phone;   /* (nullable) for a single refresh */
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_free (data->sql);
  g_ptr_array_unref (data->params);
  g_free (data->phone);
  g_free (data);
}

/* The page after @after (NULL: the first), or the single row of @phone. */
static QueryData *
build_query (WabizConversationsModel *self,
             WabizConversation       *after,
             const char              *phone,
             guint                    limit)
{
  QueryData *data = g_new0 (QueryData, 1);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GString) where = g_string_new (" WHERE TRUE");
  gboolean searching = self->tsquery != NULL || self->like != NULL;

  data->params = g_ptr_array_new_with_free_func (g_free);
  data->generation = self->generation;
  data->limit = limit;
  data->phone = g_strdup (phone);

  if (self->tsquery != NULL)
    {
      g_autofree char *q = add_param (data->params, self->tsquery);
      g_autofree char *p = phone != NULL ? add_param (data->params, phone) : NULL;

      /* the newest matching message of each conversation */
      g_string_append_printf (sql,
                              "WITH h AS (SELECT DISTINCT ON (m.phone) m.phone,"
                              "   coalesce(nullif(m.message, ''), m.caption) AS match"
                              " FROM messages m WHERE m.search @@ to_tsquery('simple', %s)%s%s"
                              " ORDER BY m.phone, m.\"timestamp\" DESC, m.id DESC) ",
                              q, p != NULL ? " AND m.phone = " : "", p != NULL ? p : "");
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
          g_autofree char *l = add_param (data->params, self->like);

          g_string_append_printf (where, " OR l.name ILIKE %s OR l.profile_name ILIKE %s", l, l);
        }
      if (self->digits != NULL)
        {
          g_autofree char *d = add_param (data->params, self->digits);

          g_string_append_printf (where, " OR strpos(c.phone, %s) > 0", d);
        }
      g_string_append (where, ")");
    }

  if (phone != NULL)
    {
      g_autofree char *p = add_param (data->params, phone);

      g_string_append_printf (where, " AND c.phone = %s", p);
    }
  else if (after != NULL)
    {
      g_autofree char *id = add_param (data->params, wabiz_conversation_get_id (after));
      const char *ts_key = wabiz_conversation_get_timestamp_key (after);

      if (ts_key != NULL)
        {
          g_autofree char *t = add_param (data->params, ts_key);

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

  data->sql = g_string_free (g_steal_pointer (&sql), FALSE);
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
  wabiz_db_query_async (self->db, data->sql, (int) data->params->len,
                        (const char * const *) data->params->pdata,
                        cancellable, callback, task);
}

/* Position where @item belongs among the loaded items; items->len
 * means after the last loaded one. */
static guint
find_sorted_position (WabizConversationsModel *self,
                      WabizConversation       *item)
{
  guint lo = 0, hi = self->items->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (wabiz_conversation_compare (g_ptr_array_index (self->items, mid), item) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

static guint
index_of (WabizConversationsModel *self,
          WabizConversation       *item)
{
  guint pos;

  if (g_ptr_array_find (self->items, item, &pos))
    return pos;
  return G_MAXUINT;
}

static void
remove_at (WabizConversationsModel *self,
           guint                    pos)
{
  WabizConversation *item = g_ptr_array_index (self->items, pos);

  g_hash_table_remove (self->by_phone, wabiz_conversation_get_phone (item));
  g_ptr_array_remove_index (self->items, pos);
  emit_changed (self, pos, 1, 0);
}

static void
insert_at (WabizConversationsModel *self,
           guint                    pos,
           WabizConversation       *item)
{
  g_ptr_array_insert (self->items, (int) pos, g_object_ref (item));
  g_hash_table_insert (self->by_phone, (gpointer) wabiz_conversation_get_phone (item), item);
  emit_changed (self, pos, 0, 1);
}

/* A fresh copy of one conversation (NULL: it no longer matches). */
static void
apply_row (WabizConversationsModel *self,
           const char              *phone,
           WabizConversation       *fresh)
{
  WabizConversation *item = g_hash_table_lookup (self->by_phone, phone);
  guint old_pos = item != NULL ? index_of (self, item) : G_MAXUINT;
  guint new_pos;

  if (fresh == NULL)
    {
      if (item != NULL)
        remove_at (self, old_pos);
      return;
    }

  if (item == NULL)
    {
      new_pos = find_sorted_position (self, fresh);
      /* beyond what is loaded: the next page brings it */
      if (new_pos == self->items->len && self->has_more)
        return;
      insert_at (self, new_pos, fresh);
      return;
    }

  /* take it out, find its place, then say what moved */
  g_object_ref (item);
  wabiz_conversation_update_from (item, fresh);
  g_ptr_array_remove_index (self->items, old_pos);
  new_pos = find_sorted_position (self, item);
  if (new_pos == old_pos)
    {
      /* same place: the row's bindings follow the notifies */
      g_ptr_array_insert (self->items, (int) new_pos, item);
      return;
    }

  if (new_pos == self->items->len && self->has_more)
    {
      g_hash_table_remove (self->by_phone, wabiz_conversation_get_phone (item));
      g_object_unref (item);
      emit_changed (self, old_pos, 1, 0);
      return;
    }

  /* out, then in: each signal sees the list as it then is */
  g_list_model_items_changed (G_LIST_MODEL (self), old_pos, 1, 0);
  g_ptr_array_insert (self->items, (int) new_pos, item);
  g_list_model_items_changed (G_LIST_MODEL (self), new_pos, 0, 1);
}

/* Replaces the items with @fresh (a re-read of the loaded range, or a
 * new search's first page), keeping the objects of the rows that stay
 * at the start and the end, and emitting one items-changed for the part
 * in between. */
static void
replace_items (WabizConversationsModel *self,
               GPtrArray               *fresh)
{
  guint old_n = self->items->len;
  guint prefix = 0, suffix = 0;
  guint removed, added;

  while (prefix < old_n && prefix < fresh->len &&
         g_str_equal (wabiz_conversation_get_phone (g_ptr_array_index (self->items, prefix)),
                      wabiz_conversation_get_phone (g_ptr_array_index (fresh, prefix))))
    {
      wabiz_conversation_update_from (g_ptr_array_index (self->items, prefix),
                                      g_ptr_array_index (fresh, prefix));
      prefix++;
    }
  while (suffix < old_n - prefix && suffix < fresh->len - prefix &&
         g_str_equal (wabiz_conversation_get_phone (g_ptr_array_index (self->items, old_n - 1 - suffix)),
                      wabiz_conversation_get_phone (g_ptr_array_index (fresh, fresh->len - 1 - suffix))))
    {
      wabiz_conversation_update_from (g_ptr_array_index (self->items, old_n - 1 - suffix),
                                      g_ptr_array_index (fresh, fresh->len - 1 - suffix));
      suffix++;
    }

  removed = old_n - prefix - suffix;
  added = fresh->len - prefix - suffix;

  for (guint i = 0; i < removed; i++)
    g_hash_table_remove (self->by_phone,
                         wabiz_conversation_get_phone (g_ptr_array_index (self->items, prefix + i)));
  g_ptr_array_remove_range (self->items, prefix, removed);
  for (guint i = 0; i < added; i++)
    {
      WabizConversation *item = g_ptr_array_index (fresh, prefix + i);

      g_ptr_array_insert (self->items, (int) (prefix + i), g_object_ref (item));
      g_hash_table_insert (self->by_phone, (gpointer) wabiz_conversation_get_phone (item), item);
    }

  emit_changed (self, prefix, removed, added);
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
    case PROP_N_ITEMS: g_value_set_uint (value, self->items->len); break;
    case PROP_SEARCH: g_value_set_string (value, self->search); break;
    case PROP_HAS_MORE: g_value_set_boolean (value, self->has_more); break;
    case PROP_LOADING: g_value_set_boolean (value, self->loading); break;
    case PROP_REFRESHING: g_value_set_boolean (value, self->refreshing); break;
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
wabiz_conversations_model_dispose (GObject *object)
{
  WabizConversationsModel *self = WABIZ_CONVERSATIONS_MODEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->db);
  if (self->by_phone != NULL)
    g_hash_table_remove_all (self->by_phone);
  if (self->items != NULL)
    g_ptr_array_set_size (self->items, 0);

  G_OBJECT_CLASS (wabiz_conversations_model_parent_class)->dispose (object);
}

static void
wabiz_conversations_model_finalize (GObject *object)
{
  WabizConversationsModel *self = WABIZ_CONVERSATIONS_MODEL (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->by_phone, g_hash_table_unref);
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
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = wabiz_conversations_model_get_property;
  object_class->set_property = wabiz_conversations_model_set_property;
  object_class->dispose = wabiz_conversations_model_dispose;
  object_class->finalize = wabiz_conversations_model_finalize;

  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_SEARCH] = g_param_spec_string ("search", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_MORE] = g_param_spec_boolean ("has-more", NULL, NULL, TRUE, ro);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, ro);
  properties[PROP_REFRESHING] = g_param_spec_boolean ("refreshing", NULL, NULL, FALSE, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_conversations_model_init (WabizConversationsModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_phone = g_hash_table_new (g_str_hash, g_str_equal);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->page_size = DEFAULT_PAGE_SIZE;
  self->has_more = TRUE;
}

WabizConversationsModel *
wabiz_conversations_model_new (WabizDb *db)
{
  WabizConversationsModel *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);

  self = g_object_new (WABIZ_TYPE_CONVERSATIONS_MODEL, NULL);
  self->db = g_object_ref (db);
  return self;
}

WabizDb *
wabiz_conversations_model_get_db (WabizConversationsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), NULL);
  return self->db;
}

void
wabiz_conversations_model_set_page_size (WabizConversationsModel *self,
                                         guint                    page_size)
{
  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));
  g_return_if_fail (page_size > 0);
  self->page_size = page_size;
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
  return self->has_more;
}

gboolean
wabiz_conversations_model_get_loading (WabizConversationsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), FALSE);
  return self->loading;
}

gboolean
wabiz_conversations_model_get_refreshing (WabizConversationsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), FALSE);
  return self->refreshing;
}

WabizConversation *
wabiz_conversations_model_find (WabizConversationsModel *self,
                                const char              *phone,
                                guint                   *position)
{
  WabizConversation *item;

  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), NULL);
  g_return_val_if_fail (phone != NULL, NULL);

  item = g_hash_table_lookup (self->by_phone, phone);
  if (item != NULL && position != NULL)
    *position = index_of (self, item);
  return item;
}

/* load_more */

static void
load_more_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizConversationsModel *self = g_task_get_source_object (task);
  QueryData *data = g_task_get_task_data (task);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GError) error = NULL;
  guint start, added = 0;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (data->generation != self->generation)
    {
      /* a new search replaced this one: its own load clears the flag */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The search changed");
      return;
    }
  set_flag (self, PROP_LOADING, FALSE);
  if (res == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  fresh = rows_to_items (res);
  start = self->items->len;
  for (guint i = 0; i < fresh->len; i++)
    {
      WabizConversation *item = g_ptr_array_index (fresh, i);

      /* moved up while the page was read: already in the list */
      if (g_hash_table_contains (self->by_phone, wabiz_conversation_get_phone (item)))
        continue;
      g_ptr_array_add (self->items, g_object_ref (item));
      g_hash_table_insert (self->by_phone, (gpointer) wabiz_conversation_get_phone (item), item);
      added++;
    }
  set_flag (self, PROP_HAS_MORE, fresh->len == data->limit);
  emit_changed (self, start, 0, added);

  g_task_return_int (task, added);
}

void
wabiz_conversations_model_load_more_async (WabizConversationsModel *self,
                                           GCancellable            *cancellable,
                                           GAsyncReadyCallback      callback,
                                           gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  WabizConversation *last;

  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_conversations_model_load_more_async);

  if (self->loading)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "A page is loading");
      return;
    }
  if (!self->has_more)
    {
      g_task_return_int (task, 0);
      return;
    }

  set_flag (self, PROP_LOADING, TRUE);
  last = self->items->len > 0 ? g_ptr_array_index (self->items, self->items->len - 1) : NULL;
  run_query (self, build_query (self, last, NULL, self->page_size),
             cancellable, load_more_cb, g_steal_pointer (&task));
}

gint
wabiz_conversations_model_load_more_finish (WabizConversationsModel *self,
                                            GAsyncResult            *result,
                                            GError                 **error)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_conversations_model_load_more_async, -1);

  return (gint) g_task_propagate_int (G_TASK (result), error);
}

/* search and reload */

static void
reload_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizConversationsModel *self = g_task_get_source_object (task);
  QueryData *data = g_task_get_task_data (task);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (data->generation != self->generation)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The search changed");
      return;
    }
  set_flag (self, PROP_LOADING, FALSE);
  if (res == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  fresh = rows_to_items (res);
  replace_items (self, fresh);
  set_flag (self, PROP_HAS_MORE, fresh->len == data->limit);
  g_task_return_boolean (task, TRUE);
}

static void
start_reload (WabizConversationsModel *self,
              GCancellable            *cancellable,
              GAsyncReadyCallback      callback,
              gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  guint limit = MAX (self->page_size, self->items->len);

  g_task_set_source_tag (task, wabiz_conversations_model_reload_async);
  set_flag (self, PROP_LOADING, TRUE);
  run_query (self, build_query (self, NULL, NULL, limit), cancellable, reload_cb,
             g_steal_pointer (&task));
}

void
wabiz_conversations_model_set_search (WabizConversationsModel *self,
                                      const char              *search)
{
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
      self->like = escape_like (self->search);
      self->digits = extract_digits (self->search);
    }

  /* results of the previous search are dropped as they arrive */
  self->generation++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_hash_table_remove_all (self->pending);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);

  /* only the first page of the new search; the old pages go */
  {
    g_autoptr(GTask) task = g_task_new (self, self->cancellable, NULL, NULL);

    g_task_set_source_tag (task, wabiz_conversations_model_reload_async);
    set_flag (self, PROP_LOADING, TRUE);
    run_query (self, build_query (self, NULL, NULL, self->page_size), self->cancellable,
               reload_cb, g_steal_pointer (&task));
  }
}

void
wabiz_conversations_model_reload_async (WabizConversationsModel *self,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data)
{
  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));

  start_reload (self, cancellable, callback, user_data);
}

gboolean
wabiz_conversations_model_reload_finish (WabizConversationsModel *self,
                                         GAsyncResult            *result,
                                         GError                 **error)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* NOTIFY */

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizConversationsModel *self = g_task_get_source_object (task);
  QueryData *data = g_task_get_task_data (task);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->db == NULL)
    {
      set_flag (self, PROP_REFRESHING, FALSE);
      return;
    }

  if (res == NULL)
    {
      /* the database is down or closed: transient, a reload follows the reconnect */
      if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
        g_debug ("Cannot refresh a conversation: %s", error->message);
      else
        g_warning ("Cannot refresh a conversation: %s", error->message);
    }
  else if (data->generation == self->generation)
    {
      g_autoptr(WabizConversation) fresh = NULL;

      if (wabiz_db_result_get_n_rows (res) > 0)
        fresh = wabiz_conversation_new_from_row (res, 0);
      apply_row (self, data->phone, fresh);
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
          set_flag (self, PROP_REFRESHING, FALSE);
          return;
        }
      {
        /* the database is down or closed: transient, a reload follows the reconnect */
        if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
          g_debug ("Cannot reload the conversations: %s", error->message);
        else
          g_warning ("Cannot reload the conversations: %s", error->message);
      }
    }

  refresh_next (self);
}

static void
refresh_next (WabizConversationsModel *self)
{
  GHashTableIter iter;
  char *phone;

  if (self->refresh_all)
    {
      self->refresh_all = FALSE;
      g_hash_table_remove_all (self->pending);
      set_flag (self, PROP_REFRESHING, TRUE);
      start_reload (self, self->cancellable, refresh_all_cb, NULL);
      return;
    }

  g_hash_table_iter_init (&iter, self->pending);
  if (!g_hash_table_iter_next (&iter, (gpointer *) &phone, NULL))
    {
      set_flag (self, PROP_REFRESHING, FALSE);
      return;
    }

  {
    g_autoptr(GTask) task = g_task_new (self, self->cancellable, NULL, NULL);
    QueryData *data = build_query (self, NULL, phone, 1);

    g_hash_table_iter_remove (&iter);
    set_flag (self, PROP_REFRESHING, TRUE);
    run_query (self, data, self->cancellable, refresh_cb, g_steal_pointer (&task));
  }
}

void
wabiz_conversations_model_notification (WabizConversationsModel *self,
                                        const char              *table,
                                        const char              *phone,
                                        const char              *id)
{
  g_return_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self));

  /* "drafts": a draft was saved, or cleared once its text went */
  if (table != NULL &&
      !g_str_equal (table, "conversations") && !g_str_equal (table, "messages") &&
      !g_str_equal (table, "leads") && !g_str_equal (table, "drafts"))
    return;

  if (phone == NULL)
    self->refresh_all = TRUE;
  else
    g_hash_table_add (self->pending, g_strdup (phone));

  if (!self->refreshing)
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

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* mark read */

static void
mark_read_job (WabizDb      *db,
               WabizDbConn  *conn,
               GTask        *task,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const char *phone = task_data;
  const char *params[] = { phone };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizDbResult) upd = NULL;
  GError *error = NULL;

  if (!wabiz_db_conn_begin (conn, &error))
    goto fail;
  upd = wabiz_db_conn_exec (conn,
                            "UPDATE conversations SET unread_count = 0, updated_at = now()"
                            " WHERE phone = $1 AND unread_count <> 0", 1, params, &error);
  if (upd == NULL)
    goto fail;
  g_clear_pointer (&upd, wabiz_db_result_unref);
  upd = wabiz_db_conn_exec (conn, "UPDATE leads SET unread_count = 0 WHERE phone = $1 AND unread_count <> 0",
                            1, params, &error);
  if (upd == NULL)
    goto fail;
  res = wabiz_db_conn_exec (conn,
                            "SELECT message_id FROM messages WHERE phone = $1 AND direction = 'inbound'"
                            " AND message_id IS NOT NULL ORDER BY \"timestamp\" DESC, id DESC LIMIT 1",
                            1, params, &error);
  if (res == NULL)
    goto fail;
  if (!wabiz_store_notify_on_conn (conn, "conversations", phone, NULL, &error))
    goto fail;
  if (!wabiz_db_conn_commit (conn, &error))
    goto fail;

  g_task_return_pointer (task,
                         wabiz_db_result_get_n_rows (res) > 0
                         ? g_strdup (wabiz_db_result_get (res, 0, "message_id")) : NULL,
                         g_free);
  return;

fail:
  wabiz_db_conn_rollback (conn);
  g_task_return_error (task, error);
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
  wabiz_db_run_in_thread (self->db, g_steal_pointer (&task), mark_read_job);
}

char *
wabiz_conversations_model_mark_read_finish (WabizConversationsModel *self,
                                            GAsyncResult            *result,
                                            GError                 **error)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* lead status */

static void
set_status_job (WabizDb      *db,
                WabizDbConn  *conn,
                GTask        *task,
                gpointer      task_data,
                GCancellable *cancellable)
{
  char **args = task_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *lead_id = NULL;
  GError *error = NULL;

  if (!wabiz_db_conn_begin (conn, &error))
    goto fail;
  lead_id = wabiz_store_upsert_lead_on_conn (conn, args[0], NULL, &error);
  if (lead_id == NULL)
    goto fail;
  res = wabiz_db_conn_exec (conn,
                            "UPDATE leads SET status = $2, updated_at = now() WHERE phone = $1",
                            2, (const char * const *) args, &error);
  if (res == NULL)
    goto fail;
  if (!wabiz_store_notify_on_conn (conn, "leads", args[0], lead_id, &error))
    goto fail;
  if (!wabiz_db_conn_commit (conn, &error))
    goto fail;

  g_task_return_boolean (task, TRUE);
  return;

fail:
  wabiz_db_conn_rollback (conn);
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
  wabiz_db_run_in_thread (self->db, g_steal_pointer (&task), set_status_job);
}

gboolean
wabiz_conversations_model_set_lead_status_finish (WabizConversationsModel *self,
                                                  GAsyncResult            *result,
                                                  GError                 **error)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
