/* wabiz-messages-model.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One conversation's messages as a GListModel, oldest first, as the chat
 * view shows them. It starts with the newest page and pages backwards by
 * keyset on the (phone, "timestamp" DESC, id DESC) index as the view
 * scrolls up, so a conversation of any length opens with one small
 * query. Reactions are not items: they show on the message they react
 * to. A NOTIFY for the phone appends what is new and re-reads the loaded
 * messages whose status may still move.
 */

#define G_LOG_DOMAIN "wabiz-messages-model"

#include "config.h"

#include "wabiz-messages-model.h"

#include <string.h>

#define DEFAULT_PAGE_SIZE 50
#define NEW_BATCH 500
#define WATCH_LIMIT 200
/* how far before the newest loaded message a new row may land */
#define LOOK_BACK "1 hour"

struct _WabizMessagesModel
{
  GObject       parent_instance;

  WabizDb      *db;            /* (owned) */
  char         *phone;         /* (owned) */
  GPtrArray    *items;         /* (owned) (element-type WabizMessage) oldest first */
  GHashTable   *by_id;         /* (owned) id → WabizMessage (borrowed) */
  GHashTable   *pending_ids;   /* (owned) ids and wamids named by NOTIFYs */
  GCancellable *cancellable;   /* (owned) */
  guint         page_size;
  guint         has_older : 1;
  guint         loading : 1;
  guint         loaded_once : 1;
  guint         refreshing : 1;
  guint         refresh_again : 1;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WabizMessagesModel, wabiz_messages_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  PROP_PHONE,
  PROP_HAS_OLDER,
  PROP_LOADING,
  PROP_REFRESHING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_refresh (WabizMessagesModel *self);

static GType
get_item_type (GListModel *model)
{
  return WABIZ_TYPE_MESSAGE;
}

static guint
get_n_items (GListModel *model)
{
  return WABIZ_MESSAGES_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  WabizMessagesModel *self = WABIZ_MESSAGES_MODEL (model);

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

static void
emit_changed (WabizMessagesModel *self,
              guint               position,
              guint               removed,
              guint               added)
{
  if (removed == 0 && added == 0)
    return;

  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
set_flag (WabizMessagesModel *self,
          guint               prop,
          gboolean            value)
{
  gboolean old;

  switch (prop)
    {
    case PROP_HAS_OLDER: old = self->has_older; self->has_older = !!value; break;
    case PROP_LOADING: old = self->loading; self->loading = !!value; break;
    case PROP_REFRESHING: old = self->refreshing; self->refreshing = !!value; break;
    default: g_assert_not_reached ();
    }

  if (old != !!value)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static gboolean
is_uuid (const char *s)
{
  static const int dashes[] = { 8, 13, 18, 23 };
  guint d = 0;

  if (s == NULL || strlen (s) != 36)
    return FALSE;
  for (int i = 0; i < 36; i++)
    {
      if (d < G_N_ELEMENTS (dashes) && i == dashes[d])
        {
          if (s[i] != '-')
            return FALSE;
          d++;
        }
      else if (!g_ascii_isxdigit (s[i]))
        return FALSE;
    }
  return TRUE;
}

/* a PostgreSQL array literal of texts */
static char *
text_array (GPtrArray *values)
{
  GString *out = g_string_new ("{");

  for (guint i = 0; i < values->len; i++)
    {
      const char *v = g_ptr_array_index (values, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '"');
      for (const char *p = v; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static gboolean
may_still_change (WabizMessage *message)
{
  if (!wabiz_message_get_outbound (message))
    return FALSE;

  switch (wabiz_message_get_status (message))
    {
    case WABIZ_MESSAGE_STATUS_READ:
    case WABIZ_MESSAGE_STATUS_PLAYED:
      return FALSE;
    default:
      return TRUE;
    }
}

/* Where @message goes among the loaded ones (oldest first). */
static guint
find_sorted_position (WabizMessagesModel *self,
                      WabizMessage       *message)
{
  guint lo = 0, hi = self->items->len;

  /* nearly always at the end */
  if (hi == 0 || wabiz_message_compare (g_ptr_array_index (self->items, hi - 1), message) < 0)
    return hi;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (wabiz_message_compare (g_ptr_array_index (self->items, mid), message) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* GObject */

static void
wabiz_messages_model_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  WabizMessagesModel *self = WABIZ_MESSAGES_MODEL (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS: g_value_set_uint (value, self->items->len); break;
    case PROP_PHONE: g_value_set_string (value, self->phone); break;
    case PROP_HAS_OLDER: g_value_set_boolean (value, self->has_older); break;
    case PROP_LOADING: g_value_set_boolean (value, self->loading); break;
    case PROP_REFRESHING: g_value_set_boolean (value, self->refreshing); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_messages_model_dispose (GObject *object)
{
  WabizMessagesModel *self = WABIZ_MESSAGES_MODEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (wabiz_messages_model_parent_class)->dispose (object);
}

static void
wabiz_messages_model_finalize (GObject *object)
{
  WabizMessagesModel *self = WABIZ_MESSAGES_MODEL (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->pending_ids, g_hash_table_unref);
  g_free (self->phone);

  G_OBJECT_CLASS (wabiz_messages_model_parent_class)->finalize (object);
}

static void
wabiz_messages_model_class_init (WabizMessagesModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = wabiz_messages_model_get_property;
  object_class->dispose = wabiz_messages_model_dispose;
  object_class->finalize = wabiz_messages_model_finalize;

  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_PHONE] = g_param_spec_string ("phone", NULL, NULL, NULL, ro);
  properties[PROP_HAS_OLDER] = g_param_spec_boolean ("has-older", NULL, NULL, TRUE, ro);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, ro);
  properties[PROP_REFRESHING] = g_param_spec_boolean ("refreshing", NULL, NULL, FALSE, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_messages_model_init (WabizMessagesModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->pending_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->page_size = DEFAULT_PAGE_SIZE;
  self->has_older = TRUE;
}

WabizMessagesModel *
wabiz_messages_model_new (WabizDb    *db,
                          const char *phone)
{
  WabizMessagesModel *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (phone != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_MESSAGES_MODEL, NULL);
  self->db = g_object_ref (db);
  self->phone = g_strdup (phone);
  return self;
}

const char *
wabiz_messages_model_get_phone (WabizMessagesModel *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), NULL);
  return self->phone;
}

void
wabiz_messages_model_set_page_size (WabizMessagesModel *self,
                                    guint               page_size)
{
  g_return_if_fail (WABIZ_IS_MESSAGES_MODEL (self));
  g_return_if_fail (page_size > 0);
  self->page_size = page_size;
}

gboolean
wabiz_messages_model_get_has_older (WabizMessagesModel *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), FALSE);
  return self->has_older;
}

gboolean
wabiz_messages_model_get_loading (WabizMessagesModel *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), FALSE);
  return self->loading;
}

gboolean
wabiz_messages_model_get_refreshing (WabizMessagesModel *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), FALSE);
  return self->refreshing;
}

WabizMessage *
wabiz_messages_model_find (WabizMessagesModel *self,
                           const char         *id,
                           guint              *position)
{
  WabizMessage *message;

  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  message = g_hash_table_lookup (self->by_id, id);
  if (message != NULL && position != NULL)
    g_ptr_array_find (self->items, message, position);
  return message;
}

WabizMessage *
wabiz_messages_model_find_wamid (WabizMessagesModel *self,
                                 const char         *wamid,
                                 guint              *position)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), NULL);
  g_return_val_if_fail (wamid != NULL, NULL);

  /* newest first: replies and reactions are mostly to recent messages */
  for (guint i = self->items->len; i > 0; i--)
    {
      WabizMessage *message = g_ptr_array_index (self->items, i - 1);

      if (g_strcmp0 (wabiz_message_get_wamid (message), wamid) == 0)
        {
          if (position != NULL)
            *position = i - 1;
          return message;
        }
    }
  return NULL;
}

/* load older */

typedef struct
{
  char *ts_key;  /* (nullable) */
  char *id;      /* (nullable) */
  guint limit;
} PageData;

static void
page_data_free (PageData *data)
{
  g_free (data->ts_key);
  g_free (data->id);
  g_free (data);
}

static void
load_older_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizMessagesModel *self = g_task_get_source_object (task);
  PageData *data = g_task_get_task_data (task);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  guint n;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->db == NULL)
    {
      if (self->items != NULL)
        set_flag (self, PROP_LOADING, FALSE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  set_flag (self, PROP_LOADING, FALSE);
  if (res == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* rows come newest first; the model holds oldest first */
  n = wabiz_db_result_get_n_rows (res);
  page = g_ptr_array_new_full (n, g_object_unref);
  for (guint i = n; i > 0; i--)
    {
      WabizMessage *message = wabiz_message_new_from_row (res, i - 1);

      /* a live append may have brought it already (an empty model) */
      if (g_hash_table_contains (self->by_id, wabiz_message_get_id (message)))
        {
          g_object_unref (message);
          continue;
        }
      g_ptr_array_add (page, message);
    }

  for (guint i = 0; i < page->len; i++)
    {
      WabizMessage *message = g_ptr_array_index (page, i);

      g_ptr_array_insert (self->items, (int) i, g_object_ref (message));
      g_hash_table_insert (self->by_id, (gpointer) wabiz_message_get_id (message), message);
    }
  self->loaded_once = TRUE;
  set_flag (self, PROP_HAS_OLDER, n == data->limit);
  emit_changed (self, 0, 0, page->len);

  g_task_return_int (task, page->len);

  /* NOTIFYs that came while the first page was read */
  if (g_hash_table_size (self->pending_ids) > 0 || self->refresh_again)
    start_refresh (self);
}

void
wabiz_messages_model_load_older_async (WabizMessagesModel  *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GString) sql = NULL;
  PageData *data;
  const char *params[4];
  int n_params = 0;

  g_return_if_fail (WABIZ_IS_MESSAGES_MODEL (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_messages_model_load_older_async);

  if (self->loading)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "A page is loading");
      return;
    }
  if (self->loaded_once && !self->has_older)
    {
      g_task_return_int (task, 0);
      return;
    }

  data = g_new0 (PageData, 1);
  data->limit = self->page_size;
  if (self->items->len > 0)
    {
      WabizMessage *oldest = g_ptr_array_index (self->items, 0);

      data->ts_key = g_strdup (wabiz_message_get_timestamp_key (oldest));
      data->id = g_strdup (wabiz_message_get_id (oldest));
    }
  g_task_set_task_data (task, data, (GDestroyNotify) page_data_free);

  sql = g_string_new ("SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                      " WHERE m.phone = $1 AND m.type <> 'reaction'");
  params[n_params++] = self->phone;
  if (data->ts_key != NULL)
    {
      g_string_append (sql, " AND (m.\"timestamp\", m.id) < ($2::timestamptz, $3::uuid)");
      params[n_params++] = data->ts_key;
      params[n_params++] = data->id;
    }
  g_string_append_printf (sql, " ORDER BY m.\"timestamp\" DESC, m.id DESC LIMIT %u", data->limit);

  set_flag (self, PROP_LOADING, TRUE);
  wabiz_db_query_async (self->db, sql->str, n_params, params, self->cancellable,
                        load_older_cb, g_steal_pointer (&task));
}

gint
wabiz_messages_model_load_older_finish (WabizMessagesModel *self,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_messages_model_load_older_async, -1);

  return (gint) g_task_propagate_int (G_TASK (result), error);
}

/* live updates */

typedef struct
{
  char      *phone;
  GPtrArray *uuids;      /* (element-type utf8) */
  GPtrArray *wamids;     /* (element-type utf8) */
  GPtrArray *watch;      /* (element-type utf8) ids of loaded messages that may change */
  char      *newest_ts;  /* (nullable) */
  char      *newest_id;  /* (nullable) */
} RefreshData;

static void
refresh_data_free (RefreshData *data)
{
  g_free (data->phone);
  g_ptr_array_unref (data->uuids);
  g_ptr_array_unref (data->wamids);
  g_ptr_array_unref (data->watch);
  g_free (data->newest_ts);
  g_free (data->newest_id);
  g_free (data);
}

static gboolean
add_rows (GPtrArray     *out,
          WabizDbResult *res)
{
  guint n = wabiz_db_result_get_n_rows (res);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (out, wabiz_message_new_from_row (res, i));
  return n > 0;
}

static void
refresh_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  RefreshData *data = task_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *newest_ts = g_strdup (data->newest_ts);
  g_autofree char *newest_id = g_strdup (data->newest_id);
  GError *error = NULL;

  /* the messages a NOTIFY named, and those a named reaction targets */
  if (data->uuids->len > 0 || data->wamids->len > 0)
    {
      g_autofree char *uuids = text_array (data->uuids);
      g_autofree char *wamids = text_array (data->wamids);
      const char *params[] = { data->phone, uuids, wamids };
      g_autoptr(WabizDbResult) res = NULL;

      res = wabiz_db_conn_exec (conn,
                                "SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                                " WHERE m.phone = $1 AND m.type <> 'reaction'"
                                " AND (m.id = ANY ($2::uuid[]) OR m.message_id = ANY ($3::text[])"
                                "      OR m.message_id IN (SELECT r.reply_to FROM messages r"
                                "        WHERE r.type = 'reaction' AND (r.id = ANY ($2::uuid[])"
                                "              OR r.message_id = ANY ($3::text[]))))",
                                3, params, &error);
      if (res == NULL)
        goto fail;
      add_rows (out, res);
    }

  /* loaded messages whose status may still move */
  if (data->watch->len > 0)
    {
      g_autofree char *watch = text_array (data->watch);
      const char *params[] = { data->phone, watch };
      g_autoptr(WabizDbResult) res = NULL;

      res = wabiz_db_conn_exec (conn,
                                "SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                                " WHERE m.phone = $1 AND m.id = ANY ($2::uuid[])",
                                2, params, &error);
      if (res == NULL)
        goto fail;
      add_rows (out, res);
    }

  /* everything newer than the newest loaded, in batches. Webhooks carry
   * Meta's time in whole seconds and may come late, so a new row can be
   * older than the newest one here: look back a margin, known rows are
   * merged in place. */
  for (guint batch = 0; batch < 20; batch++)
    {
      g_autoptr(WabizDbResult) res = NULL;
      guint n;

      if (batch == 0 && newest_ts != NULL)
        {
          const char *params[] = { data->phone, newest_ts };

          res = wabiz_db_conn_exec (conn,
                                    "SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                                    " WHERE m.phone = $1 AND m.type <> 'reaction'"
                                    " AND m.\"timestamp\" >= $2::timestamptz - interval '" LOOK_BACK "'"
                                    " ORDER BY m.\"timestamp\", m.id LIMIT " G_STRINGIFY (NEW_BATCH),
                                    2, params, &error);
        }
      else if (newest_ts != NULL)
        {
          const char *params[] = { data->phone, newest_ts, newest_id };

          res = wabiz_db_conn_exec (conn,
                                    "SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                                    " WHERE m.phone = $1 AND m.type <> 'reaction'"
                                    " AND (m.\"timestamp\", m.id) > ($2::timestamptz, $3::uuid)"
                                    " ORDER BY m.\"timestamp\", m.id LIMIT " G_STRINGIFY (NEW_BATCH),
                                    3, params, &error);
        }
      else
        {
          const char *params[] = { data->phone };

          res = wabiz_db_conn_exec (conn,
                                    "SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                                    " WHERE m.phone = $1 AND m.type <> 'reaction'"
                                    " ORDER BY m.\"timestamp\", m.id LIMIT " G_STRINGIFY (NEW_BATCH),
                                    1, params, &error);
        }
      if (res == NULL)
        goto fail;

      n = wabiz_db_result_get_n_rows (res);
      add_rows (out, res);
      if (n < NEW_BATCH)
        break;
      g_free (newest_ts);
      g_free (newest_id);
      newest_ts = g_strdup (wabiz_db_result_get (res, n - 1, "ts"));
      newest_id = g_strdup (wabiz_db_result_get (res, n - 1, "id"));
    }

  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
  return;

fail:
  g_task_return_error (task, error);
}

static int
compare_ptrs (gconstpointer a,
              gconstpointer b)
{
  return wabiz_message_compare (*(WabizMessage **) a, *(WabizMessage **) b);
}

static void
merge (WabizMessagesModel *self,
       GPtrArray          *fresh)
{
  guint run_start = 0;
  guint run_n = 0;

  g_ptr_array_sort (fresh, compare_ptrs);

  for (guint i = 0; i < fresh->len; i++)
    {
      WabizMessage *message = g_ptr_array_index (fresh, i);
      WabizMessage *known = g_hash_table_lookup (self->by_id, wabiz_message_get_id (message));
      guint pos;

      if (known != NULL)
        {
          wabiz_message_update_from (known, message);
          continue;
        }

      pos = find_sorted_position (self, message);
      /* older than anything loaded: paging up will bring it */
      if (pos == 0 && self->has_older && self->items->len > 0)
        continue;

      if (pos < self->items->len)
        {
          /* tell about the run at the end before touching the middle */
          emit_changed (self, run_start, 0, run_n);
          run_n = 0;
          g_ptr_array_insert (self->items, (int) pos, g_object_ref (message));
          g_hash_table_insert (self->by_id, (gpointer) wabiz_message_get_id (message), message);
          emit_changed (self, pos, 0, 1);
          continue;
        }

      /* appended: one signal for the whole run */
      if (run_n == 0)
        run_start = pos;
      run_n++;
      g_ptr_array_add (self->items, g_object_ref (message));
      g_hash_table_insert (self->by_id, (gpointer) wabiz_message_get_id (message), message);
    }

  emit_changed (self, run_start, 0, run_n);
}

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  WabizMessagesModel *self = WABIZ_MESSAGES_MODEL (user_data);
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GError) error = NULL;

  fresh = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->db == NULL)
    {
      g_object_unref (self);
      return;
    }

  if (fresh == NULL)
    {
      /* the database is down or closed: transient, a reload follows the reconnect */
      if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
        g_debug ("Cannot refresh the conversation: %s", error->message);
      else
        g_warning ("Cannot refresh the conversation: %s", error->message);
    }
  else
    merge (self, fresh);

  set_flag (self, PROP_REFRESHING, FALSE);
  if (self->refresh_again || g_hash_table_size (self->pending_ids) > 0)
    start_refresh (self);
  g_object_unref (self);
}

static void
start_refresh (WabizMessagesModel *self)
{
  g_autoptr(GTask) task = NULL;
  RefreshData *data;
  GHashTableIter iter;
  const char *id;
  guint watched = 0;

  if (self->refreshing || self->db == NULL)
    {
      self->refresh_again = TRUE;
      return;
    }
  /* the first page is on its way and will see everything */
  if (!self->loaded_once)
    {
      if (!self->loading)
        {
          g_hash_table_remove_all (self->pending_ids);
          self->refresh_again = FALSE;
        }
      return;
    }

  self->refresh_again = FALSE;
  data = g_new0 (RefreshData, 1);
  data->phone = g_strdup (self->phone);
  data->uuids = g_ptr_array_new_with_free_func (g_free);
  data->wamids = g_ptr_array_new_with_free_func (g_free);
  data->watch = g_ptr_array_new_with_free_func (g_free);

  g_hash_table_iter_init (&iter, self->pending_ids);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    g_ptr_array_add (is_uuid (id) ? data->uuids : data->wamids, g_strdup (id));
  g_hash_table_remove_all (self->pending_ids);

  for (guint i = self->items->len; i > 0 && watched < WATCH_LIMIT; i--)
    {
      WabizMessage *message = g_ptr_array_index (self->items, i - 1);

      if (may_still_change (message))
        {
          g_ptr_array_add (data->watch, g_strdup (wabiz_message_get_id (message)));
          watched++;
        }
    }

  if (self->items->len > 0)
    {
      WabizMessage *newest = g_ptr_array_index (self->items, self->items->len - 1);

      data->newest_ts = g_strdup (wabiz_message_get_timestamp_key (newest));
      data->newest_id = g_strdup (wabiz_message_get_id (newest));
    }

  set_flag (self, PROP_REFRESHING, TRUE);
  task = g_task_new (self, self->cancellable, refresh_cb, g_object_ref (self));
  g_task_set_source_tag (task, start_refresh);
  g_task_set_task_data (task, data, (GDestroyNotify) refresh_data_free);
  wabiz_db_run_in_thread (self->db, g_steal_pointer (&task), refresh_job);
}

void
wabiz_messages_model_notification (WabizMessagesModel *self,
                                   const char         *table,
                                   const char         *phone,
                                   const char         *id)
{
  g_return_if_fail (WABIZ_IS_MESSAGES_MODEL (self));

  if (phone != NULL && !g_str_equal (phone, self->phone))
    return;
  if (table != NULL && !g_str_equal (table, "messages") && !g_str_equal (table, "outbox") &&
      !g_str_equal (table, "conversations"))
    return;

  if (id != NULL && *id != '\0' && table != NULL && g_str_equal (table, "messages"))
    g_hash_table_add (self->pending_ids, g_strdup (id));
  start_refresh (self);
}

void
wabiz_messages_model_refresh (WabizMessagesModel *self)
{
  g_return_if_fail (WABIZ_IS_MESSAGES_MODEL (self));

  start_refresh (self);
}
