/* wabiz-messages-model.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One conversation's messages as a paged model (see wabiz-paged-model.c),
 * oldest first, as the chat view shows them. It starts with the newest
 * page and pages backwards by keyset on the (phone, "timestamp" DESC, id
 * DESC) index as the view scrolls up, so a conversation of any length
 * opens with one small query. Reactions are not items: they show on the
 * message they react to. A change for the phone appends what is new and
 * re-reads the loaded messages whose status may still move.
 */

#define G_LOG_DOMAIN "wabiz-messages-model"

#include "config.h"

#include "wabiz-messages-model.h"

#include <string.h>

#define NEW_BATCH 500
#define WATCH_LIMIT 200
/* how far before the newest loaded message a new row may land */
#define LOOK_BACK "1 hour"

struct _WabizMessagesModel
{
  WabizPagedModel  parent_instance;

  char            *phone;             /* (owned) */
  GHashTable      *pending_ids;       /* (owned) ids and wamids named by changes */
  guint            loaded_once : 1;
  guint            refresh_again : 1;
};

G_DEFINE_FINAL_TYPE (WabizMessagesModel, wabiz_messages_model, WABIZ_TYPE_PAGED_MODEL)

enum {
  PROP_0,
  PROP_PHONE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_refresh (WabizMessagesModel *self);

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
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  guint lo = 0, hi = g_list_model_get_n_items (G_LIST_MODEL (self));

  /* nearly always at the end */
  if (hi == 0 || wabiz_message_compare (wabiz_paged_model_peek_item (model, hi - 1), message) < 0)
    return hi;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (wabiz_message_compare (wabiz_paged_model_peek_item (model, mid), message) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
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

/* Into @out, what may have changed: the messages a change named (and
 * those a named reaction targets), the loaded ones whose status may
 * still move, and everything newer than the newest loaded. */
static gboolean
read_changes (WabizDbConn  *conn,
              RefreshData  *data,
              GPtrArray    *out,
              GError      **error)
{
  g_autofree char *newest_ts = g_strdup (data->newest_ts);
  g_autofree char *newest_id = g_strdup (data->newest_id);

  if (data->uuids->len > 0 || data->wamids->len > 0)
    {
      g_autofree char *uuids = wabiz_db_text_array ((const char * const *) data->uuids->pdata, data->uuids->len);
      g_autofree char *wamids = wabiz_db_text_array ((const char * const *) data->wamids->pdata, data->wamids->len);
      const char *params[] = { data->phone, uuids, wamids };
      g_autoptr(WabizDbResult) res = NULL;

      res = wabiz_db_conn_exec (conn,
                                "SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                                " WHERE m.phone = $1 AND m.type <> 'reaction'"
                                " AND (m.id = ANY ($2::uuid[]) OR m.message_id = ANY ($3::text[])"
                                "      OR m.message_id IN (SELECT r.reply_to FROM messages r"
                                "        WHERE r.type = 'reaction' AND (r.id = ANY ($2::uuid[])"
                                "              OR r.message_id = ANY ($3::text[]))))",
                                3, params, error);
      if (res == NULL)
        return FALSE;
      add_rows (out, res);
    }

  if (data->watch->len > 0)
    {
      g_autofree char *watch = wabiz_db_text_array ((const char * const *) data->watch->pdata, data->watch->len);
      const char *params[] = { data->phone, watch };
      g_autoptr(WabizDbResult) res = NULL;

      res = wabiz_db_conn_exec (conn,
                                "SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                                " WHERE m.phone = $1 AND m.id = ANY ($2::uuid[])",
                                2, params, error);
      if (res == NULL)
        return FALSE;
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
                                    2, params, error);
        }
      else if (newest_ts != NULL)
        {
          const char *params[] = { data->phone, newest_ts, newest_id };

          res = wabiz_db_conn_exec (conn,
                                    "SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                                    " WHERE m.phone = $1 AND m.type <> 'reaction'"
                                    " AND (m.\"timestamp\", m.id) > ($2::timestamptz, $3::uuid)"
                                    " ORDER BY m.\"timestamp\", m.id LIMIT " G_STRINGIFY (NEW_BATCH),
                                    3, params, error);
        }
      else
        {
          const char *params[] = { data->phone };

          res = wabiz_db_conn_exec (conn,
                                    "SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                                    " WHERE m.phone = $1 AND m.type <> 'reaction'"
                                    " ORDER BY m.\"timestamp\", m.id LIMIT " G_STRINGIFY (NEW_BATCH),
                                    1, params, error);
        }
      if (res == NULL)
        return FALSE;

      n = wabiz_db_result_get_n_rows (res);
      add_rows (out, res);
      if (n < NEW_BATCH)
        break;
      g_free (newest_ts);
      g_free (newest_id);
      newest_ts = g_strdup (wabiz_db_result_get (res, n - 1, "ts"));
      newest_id = g_strdup (wabiz_db_result_get (res, n - 1, "id"));
    }

  return TRUE;
}

static void
refresh_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_object_unref);
  GError *error = NULL;

  if (read_changes (conn, task_data, out, &error))
    g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
  else
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
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  g_autoptr(GPtrArray) run = g_ptr_array_new ();

  g_ptr_array_sort (fresh, compare_ptrs);

  for (guint i = 0; i < fresh->len; i++)
    {
      WabizMessage *message = g_ptr_array_index (fresh, i);
      WabizMessage *known = wabiz_paged_model_lookup (model, wabiz_message_get_id (message), NULL);
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self));
      guint pos;

      if (known != NULL)
        {
          wabiz_message_update_from (known, message);
          continue;
        }
      /* read twice (named, and new): the run has it */
      if (run->len > 0 &&
          g_str_equal (wabiz_message_get_id (g_ptr_array_index (run, run->len - 1)),
                       wabiz_message_get_id (message)))
        continue;

      pos = find_sorted_position (self, message);
      /* older than anything loaded: paging up will bring it */
      if (pos == 0 && wabiz_paged_model_get_has_more (model) && n > 0)
        continue;

      /* fresh is sorted: once one goes after the last, every later one does */
      if (pos == n)
        g_ptr_array_add (run, message);
      else
        wabiz_paged_model_insert (model, pos, message);
    }

  /* appended: one signal for the whole run */
  wabiz_paged_model_splice (model, g_list_model_get_n_items (G_LIST_MODEL (self)), 0, run->pdata,
                            run->len);
}

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WabizMessagesModel) self = user_data;
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GError) error = NULL;

  fresh = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || wabiz_paged_model_get_db (model) == NULL)
    return;

  if (fresh == NULL)
    {
      g_log (G_LOG_DOMAIN, wabiz_db_error_log_level (error), "Cannot refresh the conversation: %s",
             error->message);
    }
  else
    merge (self, fresh);

  wabiz_paged_model_set_refreshing (model, FALSE);
  if (self->refresh_again || g_hash_table_size (self->pending_ids) > 0)
    start_refresh (self);
}

static void
start_refresh (WabizMessagesModel *self)
{
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  WabizDb *db = wabiz_paged_model_get_db (model);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self));
  g_autoptr(GTask) task = NULL;
  RefreshData *data;
  GHashTableIter iter;
  const char *id;
  guint watched = 0;

  if (wabiz_paged_model_get_refreshing (model) || db == NULL)
    {
      self->refresh_again = TRUE;
      return;
    }
  /* the first page is on its way and will see everything */
  if (!self->loaded_once)
    {
      if (!wabiz_paged_model_get_loading (model))
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

  for (guint i = n; i > 0 && watched < WATCH_LIMIT; i--)
    {
      WabizMessage *message = wabiz_paged_model_peek_item (model, i - 1);

      if (may_still_change (message))
        {
          g_ptr_array_add (data->watch, g_strdup (wabiz_message_get_id (message)));
          watched++;
        }
    }

  if (n > 0)
    {
      WabizMessage *newest = wabiz_paged_model_peek_item (model, n - 1);

      data->newest_ts = g_strdup (wabiz_message_get_timestamp_key (newest));
      data->newest_id = g_strdup (wabiz_message_get_id (newest));
    }

  wabiz_paged_model_set_refreshing (model, TRUE);
  task = g_task_new (self, wabiz_paged_model_get_cancellable (model), refresh_cb, g_object_ref (self));
  g_task_set_source_tag (task, start_refresh);
  g_task_set_task_data (task, data, (GDestroyNotify) refresh_data_free);
  wabiz_db_run_in_thread (db, g_steal_pointer (&task), refresh_job);
}

/* paged model */

static const char *
get_item_key (gpointer item)
{
  return wabiz_message_get_id (item);
}

static gpointer
decode_row (WabizDbResult *result,
            guint          row)
{
  return wabiz_message_new_from_row (result, row);
}

/* The page before @oldest: rows newest first. */
static char *
wabiz_messages_model_build_page_query (WabizPagedModel *model,
                                       gpointer         oldest,
                                       guint            limit,
                                       GPtrArray       *params)
{
  WabizMessagesModel *self = WABIZ_MESSAGES_MODEL (model);
  GString *sql = g_string_new ("SELECT " WABIZ_MESSAGE_COLUMNS " FROM messages m"
                               " WHERE m.phone = $1 AND m.type <> 'reaction'");

  g_ptr_array_add (params, g_strdup (self->phone));
  if (oldest != NULL)
    {
      g_string_append (sql, " AND (m.\"timestamp\", m.id) < ($2::timestamptz, $3::uuid)");
      g_ptr_array_add (params, g_strdup (wabiz_message_get_timestamp_key (oldest)));
      g_ptr_array_add (params, g_strdup (wabiz_message_get_id (oldest)));
    }
  g_string_append_printf (sql, " ORDER BY m.\"timestamp\" DESC, m.id DESC LIMIT %u", limit);
  return g_string_free (sql, FALSE);
}

static void
wabiz_messages_model_page_loaded (WabizPagedModel *model,
                                  WabizDbResult   *result)
{
  WabizMessagesModel *self = WABIZ_MESSAGES_MODEL (model);

  self->loaded_once = TRUE;
  /* changes that came while the first page was read */
  if (g_hash_table_size (self->pending_ids) > 0 || self->refresh_again)
    start_refresh (self);
}

static void
wabiz_messages_model_changed (WabizPagedModel *model,
                              const char      *table,
                              const char      *phone,
                              const char      *id)
{
  wabiz_messages_model_notification (WABIZ_MESSAGES_MODEL (model), table, phone, id);
}

static void
wabiz_messages_model_reconnected (WabizPagedModel *model)
{
  start_refresh (WABIZ_MESSAGES_MODEL (model));
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
    case PROP_PHONE: g_value_set_string (value, self->phone); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_messages_model_finalize (GObject *object)
{
  WabizMessagesModel *self = WABIZ_MESSAGES_MODEL (object);

  g_clear_pointer (&self->pending_ids, g_hash_table_unref);
  g_free (self->phone);

  G_OBJECT_CLASS (wabiz_messages_model_parent_class)->finalize (object);
}

static void
wabiz_messages_model_class_init (WabizMessagesModelClass *klass)
{
  static const char * const tables[] = { "messages", "outbox", "conversations", NULL };
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  WabizPagedModelClass *paged_class = WABIZ_PAGED_MODEL_CLASS (klass);

  object_class->get_property = wabiz_messages_model_get_property;
  object_class->finalize = wabiz_messages_model_finalize;

  paged_class->item_type = WABIZ_TYPE_MESSAGE;
  paged_class->prepend = TRUE;
  paged_class->fail_when_busy = TRUE;
  paged_class->tables = tables;
  paged_class->get_item_key = get_item_key;
  paged_class->decode_row = decode_row;
  paged_class->build_page_query = wabiz_messages_model_build_page_query;
  paged_class->page_loaded = wabiz_messages_model_page_loaded;
  paged_class->changed = wabiz_messages_model_changed;
  paged_class->reconnected = wabiz_messages_model_reconnected;

  properties[PROP_PHONE] =
    g_param_spec_string ("phone", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_messages_model_init (WabizMessagesModel *self)
{
  self->pending_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

WabizMessagesModel *
wabiz_messages_model_new (WabizDb    *db,
                          const char *phone)
{
  WabizMessagesModel *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (phone != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_MESSAGES_MODEL, "db", db, NULL);
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
  wabiz_paged_model_set_page_size (WABIZ_PAGED_MODEL (self), page_size);
}

gboolean
wabiz_messages_model_get_has_older (WabizMessagesModel *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), FALSE);
  return wabiz_paged_model_get_has_more (WABIZ_PAGED_MODEL (self));
}

gboolean
wabiz_messages_model_get_loading (WabizMessagesModel *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), FALSE);
  return wabiz_paged_model_get_loading (WABIZ_PAGED_MODEL (self));
}

gboolean
wabiz_messages_model_get_refreshing (WabizMessagesModel *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), FALSE);
  return wabiz_paged_model_get_refreshing (WABIZ_PAGED_MODEL (self));
}

WabizMessage *
wabiz_messages_model_find (WabizMessagesModel *self,
                           const char         *id,
                           guint              *position)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return wabiz_paged_model_lookup (WABIZ_PAGED_MODEL (self), id, position);
}

WabizMessage *
wabiz_messages_model_find_wamid (WabizMessagesModel *self,
                                 const char         *wamid,
                                 guint              *position)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), NULL);
  g_return_val_if_fail (wamid != NULL, NULL);

  /* newest first: replies and reactions are mostly to recent messages */
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self)); i > 0; i--)
    {
      WabizMessage *message = wabiz_paged_model_peek_item (WABIZ_PAGED_MODEL (self), i - 1);

      if (g_strcmp0 (wabiz_message_get_wamid (message), wamid) == 0)
        {
          if (position != NULL)
            *position = i - 1;
          return message;
        }
    }
  return NULL;
}

void
wabiz_messages_model_load_older_async (WabizMessagesModel  *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_MESSAGES_MODEL (self));

  wabiz_paged_model_load_more_async (WABIZ_PAGED_MODEL (self), cancellable, callback, user_data);
}

gint
wabiz_messages_model_load_older_finish (WabizMessagesModel *self,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGES_MODEL (self), -1);

  return wabiz_paged_model_load_more_finish (WABIZ_PAGED_MODEL (self), result, error);
}

/* Deprecated: give the model a listener (wabiz_paged_model_set_listener())
 * instead of relaying its changes; goes once the app does. */
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
