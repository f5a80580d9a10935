/* wabiz-webhook-status.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One query on a worker thread: the last event of webhook_events, the
 * silence since messages were sent (WABIZ_WEBHOOK_SILENT_SINCE_SQL, which
 * GET /health asks too) and webhook_relay_status, when the database has
 * it (data/sql/009-webhook-relay.sql).
 */

#define G_LOG_DOMAIN "wabiz-webhook-status"

#include "config.h"

#include "wabiz-webhook-status.h"

#include <glib/gi18n-lib.h>

G_DEFINE_BOXED_TYPE (WabizWebhookStatus, wabiz_webhook_status, wabiz_webhook_status_copy,
                     wabiz_webhook_status_free)

#define EPOCH(x) "extract(epoch from " x ")::bigint"

static const char status_sql[] =
  "SELECT " EPOCH (WABIZ_WEBHOOK_LAST_EVENT_SQL) " AS last_event,"
  " " EPOCH (WABIZ_WEBHOOK_SILENT_SINCE_SQL) " AS silent_since,"
  " to_regclass('webhook_relay_status') IS NOT NULL AS has_relay";

static const char relay_sql[] =
  "SELECT " EPOCH ("last_verification_at") " AS verified,"
  " " EPOCH ("last_event_at") " AS event,"
  " " EPOCH ("last_refused_at") " AS refused,"
  " last_refused_reason AS reason"
  " FROM webhook_relay_status LIMIT 1";

WabizWebhookStatus *
wabiz_webhook_status_copy (const WabizWebhookStatus *status)
{
  WabizWebhookStatus *copy;

  g_return_val_if_fail (status != NULL, NULL);

  copy = g_memdup2 (status, sizeof *status);
  copy->relay_refused_reason = g_strdup (status->relay_refused_reason);
  return copy;
}

void
wabiz_webhook_status_free (WabizWebhookStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->relay_refused_reason);
  g_free (status);
}

static void
status_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  g_autoptr(WabizWebhookStatus) status = g_new0 (WabizWebhookStatus, 1);
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  res = wabiz_db_conn_exec (conn, status_sql, 0, NULL, &error);
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  status->last_event_at = wabiz_db_result_get_int (res, 0, "last_event");
  status->silent_since = wabiz_db_result_get_int (res, 0, "silent_since");
  status->has_relay_table = wabiz_db_result_get_bool (res, 0, "has_relay");

  if (status->has_relay_table)
    {
      g_autoptr(WabizDbResult) relay = wabiz_db_conn_exec (conn, relay_sql, 0, NULL, &error);

      if (relay == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      if (wabiz_db_result_get_n_rows (relay) > 0)
        {
          status->relay_verified_at = wabiz_db_result_get_int (relay, 0, "verified");
          status->relay_event_at = wabiz_db_result_get_int (relay, 0, "event");
          status->relay_refused_at = wabiz_db_result_get_int (relay, 0, "refused");
          status->relay_refused_reason = g_strdup (wabiz_db_result_get (relay, 0, "reason"));
        }
    }

  g_task_return_pointer (task, g_steal_pointer (&status), (GDestroyNotify) wabiz_webhook_status_free);
}

/**
 * wabiz_webhook_status_get_async:
 *
 * Reads whether webhooks reach WaBiz; the database's errors are
 * WABIZ_DB_ERROR.
 */
void
wabiz_webhook_status_get_async (WabizDb             *db,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_webhook_status_get_async);
  wabiz_db_run_in_thread (db, task, status_job);
}

WabizWebhookStatus *
wabiz_webhook_status_get_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_webhook_status_get_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
wabiz_webhook_status_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (unix_seconds);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GTimeSpan ago;

  g_return_val_if_fail (when != NULL, g_strdup (""));

  ago = g_date_time_difference (now, when);
  if (ago < G_TIME_SPAN_MINUTE)
    return g_strdup (_("just now"));
  if (ago < G_TIME_SPAN_HOUR)
    {
      int minutes = (int) (ago / G_TIME_SPAN_MINUTE);

      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute ago", "%d minutes ago",
                                           minutes),
                              minutes);
    }
  if (g_date_time_get_year (now) == g_date_time_get_year (when) &&
      g_date_time_get_day_of_year (now) == g_date_time_get_day_of_year (when))
    /* Translators: a time today, in strftime() format */
    return g_date_time_format (when, _("today at %H:%M"));
  /* Translators: a date and time, in strftime() format */
  return g_date_time_format (when, _("%e %B %Y at %H:%M"));
}

char *
wabiz_webhook_status_dup_warning (gint64 silent_since)
{
  g_autofree char *when = NULL;

  if (silent_since <= 0)
    return NULL;

  when = wabiz_webhook_status_format_time (silent_since);
  /* Translators: %s is when, e.g. “today at 14:05” or “25 minutes ago” */
  return g_strdup_printf (_("Nothing from Meta has reached WaBiz since messages were sent %s: "
                            "no delivery statuses and no customer messages. Check how Meta "
                            "reaches WaBiz in Preferences → Webhooks; Meta keeps trying for a "
                            "few days."),
                          when);
}

const char *
wabiz_webhook_status_explain_refusal (const char *reason)
{
  if (g_strcmp0 (reason, "verify_token") == 0)
    return _("Meta sent another verify token than the relay has: set VERIFY_TOKEN again, to the "
             "verify token in Meta’s webhook settings.");
  if (g_strcmp0 (reason, "bad_signature") == 0)
    return _("A delivery was signed with another App Secret than the relay has: set APP_SECRET "
             "again, to the App Secret of this app in Meta’s App Dashboard.");
  if (g_strcmp0 (reason, "missing_signature") == 0)
    return _("A request without Meta’s signature was refused; this is not Meta calling.");
  if (g_strcmp0 (reason, "too_large") == 0)
    return _("A delivery larger than 4 MiB was refused.");
  if (g_strcmp0 (reason, "malformed") == 0)
    return _("A signed delivery that was not JSON was refused.");
  return _("The relay refused a request.");
}
