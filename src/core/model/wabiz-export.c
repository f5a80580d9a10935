/* wabiz-export.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A conversation as one JSON document, streamed page by page.
 */

#define G_LOG_DOMAIN "wabiz-export"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-export.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define PAGE 1000

typedef struct
{
  char          *phone;   /* (owned) */
  GOutputStream *stream;  /* (owned) */
} ExportData;

static void
export_data_free (ExportData *data)
{
  g_free (data->phone);
  g_clear_object (&data->stream);
  g_free (data);
}

static gboolean
write_text (GOutputStream  *stream,
            const char     *text,
            gsize           len,
            GCancellable   *cancellable,
            GError        **error)
{
  return g_output_stream_write_all (stream, text, len, NULL, cancellable, error);
}

typedef struct
{
  ExportData   *data;
  GCancellable *cancellable;
  gint64        written;
} Export;

/* One snapshot for the head and every page. */
static gboolean
export_in_transaction (WabizDbConn  *conn,
                       gpointer      user_data,
                       GError      **error)
{
  Export *export = user_data;
  ExportData *data = export->data;
  GCancellable *cancellable = export->cancellable;
  g_autoptr(WabizDbResult) iso = NULL;
  g_autoptr(WabizDbResult) head = NULL;
  g_autofree char *last_ts = NULL;
  g_autofree char *last_id = NULL;
  const char *text;
  gsize len;

  iso = wabiz_db_conn_exec (conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", 0, NULL, error);
  if (iso == NULL)
    return FALSE;

  head = wabiz_db_conn_exec (conn,
                             "SELECT json_build_object('phone', $1::text,"
                             " 'exported_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
                             /* the counters are the conversation's (006-hot-counters.sql) */
                             " 'lead', (SELECT to_jsonb(l) || jsonb_build_object("
                             "   'unread_count', coalesce(c.unread_count, 0),"
                             "   'last_inbound_at', greatest(l.last_inbound_at, c.last_inbound_at))"
                             "   FROM leads l LEFT JOIN conversations c ON c.phone = l.phone WHERE l.phone = $1),"
                             " 'conversation', (SELECT to_jsonb(c) FROM conversations c WHERE c.phone = $1),"
                             " 'total_messages', (SELECT count(*) FROM messages WHERE phone = $1))::text AS head"
                             " WHERE EXISTS (SELECT 1 FROM leads WHERE phone = $1)"
                             "    OR EXISTS (SELECT 1 FROM messages WHERE phone = $1)",
                             1, (const char *[]) { data->phone }, error);
  if (head == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_rows (head) == 0)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND,
                   _("There is no conversation with this number"));
      return FALSE;
    }

  /* the head object, reopened to append the messages */
  text = wabiz_db_result_get (head, 0, "head");
  len = strlen (text);
  g_assert (len > 0 && text[len - 1] == '}');
  if (!write_text (data->stream, text, len - 1, cancellable, error) ||
      !write_text (data->stream, ", \"messages\" : [", strlen (", \"messages\" : ["), cancellable, error))
    return FALSE;

  for (;;)
    {
      g_autoptr(WabizDbResult) page = NULL;
      guint n;

      if (last_ts == NULL)
        page = wabiz_db_conn_exec (conn,
                                   "SELECT (to_jsonb(m) - 'search')::text AS j, m.\"timestamp\"::text AS ts, m.id::text AS id"
                                   " FROM messages m WHERE m.phone = $1"
                                   " ORDER BY m.\"timestamp\", m.id LIMIT " G_STRINGIFY (PAGE),
                                   1, (const char *[]) { data->phone }, error);
      else
        page = wabiz_db_conn_exec (conn,
                                   "SELECT (to_jsonb(m) - 'search')::text AS j, m.\"timestamp\"::text AS ts, m.id::text AS id"
                                   " FROM messages m WHERE m.phone = $1"
                                   " AND (m.\"timestamp\", m.id) > ($2::timestamptz, $3::uuid)"
                                   " ORDER BY m.\"timestamp\", m.id LIMIT " G_STRINGIFY (PAGE),
                                   3, (const char *[]) { data->phone, last_ts, last_id }, error);
      if (page == NULL)
        return FALSE;

      n = wabiz_db_result_get_n_rows (page);
      for (guint i = 0; i < n; i++)
        {
          const char *row = wabiz_db_result_get (page, i, "j");

          if ((export->written > 0 && !write_text (data->stream, ",\n", 2, cancellable, error)) ||
              !write_text (data->stream, row, strlen (row), cancellable, error))
            return FALSE;
          export->written++;
        }
      if (n < PAGE)
        break;

      g_free (last_ts);
      g_free (last_id);
      last_ts = g_strdup (wabiz_db_result_get (page, n - 1, "ts"));
      last_id = g_strdup (wabiz_db_result_get (page, n - 1, "id"));
    }

  return write_text (data->stream, "]}\n", 3, cancellable, error) &&
         g_output_stream_flush (data->stream, cancellable, error);
}

static void
export_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Export export = { task_data, cancellable, 0 };
  GError *error = NULL;

  if (wabiz_db_conn_transaction (conn, export_in_transaction, &export, &error))
    g_task_return_int (task, export.written);
  else
    g_task_return_error (task, error);
}

void
wabiz_export_conversation_async (WabizDb             *db,
                                 const char          *phone,
                                 GOutputStream       *stream,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportData *data;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (phone != NULL);
  g_return_if_fail (G_IS_OUTPUT_STREAM (stream));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_export_conversation_async);
  data = g_new0 (ExportData, 1);
  data->phone = g_strdup (phone);
  data->stream = g_object_ref (stream);
  g_task_set_task_data (task, data, (GDestroyNotify) export_data_free);
  wabiz_db_run_in_thread (db, g_steal_pointer (&task), export_job);
}

gint64
wabiz_export_conversation_finish (WabizDb       *db,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_DB (db), -1);
  g_return_val_if_fail (g_task_is_valid (result, db), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_export_conversation_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}
