/* wabiz-scheduler.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Scheduled messages (data/sql/017-campaigns.sql): a row per message,
 * its time stored as an instant (worked out when scheduled, from the
 * local time and the customer's timezone). The scheduler claims what is
 * due (FOR UPDATE SKIP LOCKED, a claim token, state "queuing") and
 * queues it through the outbox; the outbox's transaction links the row
 * to its message (the trigger outbox_link), so a crash leaves it either
 * queued or a claim that is taken back after a while and queued then.
 * It sleeps until the next time due, and wakes on changes.
 *
 * The clock is the campaigns' (_wabiz_campaign_now()), which tests move;
 * the rounds, their timer and the stop are WabizWorker's.
 */

#define G_LOG_DOMAIN "wabiz-scheduler"

#include "config.h"

#include "wabiz-campaign-model-private.h"
#include "wabiz-error.h"
#include "wabiz-outgoing.h"
#include "wabiz-phone.h"
#include "wabiz-scheduler.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#define CLAIM_TIMEOUT_S 120
#define POLL_S 60
#define BATCH 50
#define RETRY_S 10
#define MAX_TEXT 4096

struct _WabizScheduler
{
  WabizWorker parent_instance;
};

G_DEFINE_FINAL_TYPE (WabizScheduler, wabiz_scheduler, WABIZ_TYPE_WORKER)

typedef struct
{
  char      *now;      /* (owned) */
  char      *token;    /* (owned) */
  GPtrArray *due;      /* (owned) of WabizWorkerClaim */
  double     next_s;   /* < 0: nothing scheduled */
  gboolean   more;
} Round;

static void
round_free (Round *round)
{
  g_free (round->now);
  g_free (round->token);
  g_clear_pointer (&round->due, g_ptr_array_unref);
  g_free (round);
}

/* The round's statements, in one transaction (worker thread) */
static gboolean
round_on_conn (WabizDbConn *conn,
               gpointer     user_data,
               GError     **error)
{
  Round *round = user_data;
  g_autofree char *timeout = g_strdup_printf ("%d", CLAIM_TIMEOUT_S);
  g_autofree char *batch = g_strdup_printf ("%d", BATCH);
  g_autoptr(WabizDbResult) reset = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizDbResult) next = NULL;

  {
    const char *p[] = { timeout };

    reset = wabiz_db_conn_exec (conn,
                                "UPDATE scheduled_messages SET state = 'scheduled', claim_token = NULL,"
                                "  updated_at = now()"
                                " WHERE state = 'queuing' AND message_uuid IS NULL"
                                "   AND claimed_at <= now() - make_interval(secs => $1::int)",
                                1, p, error);
    if (reset == NULL)
      return FALSE;
  }
  {
    const char *p[] = { round->now, round->token, batch };

    res = wabiz_db_conn_exec (conn,
                              "UPDATE scheduled_messages s SET state = 'queuing', claim_token = $2::uuid,"
                              "  claimed_at = now(), updated_at = now()"
                              " WHERE s.id IN (SELECT id FROM scheduled_messages"
                              "                WHERE state = 'scheduled' AND send_at <= $1::timestamptz"
                              "                ORDER BY send_at, id LIMIT $3::int FOR UPDATE SKIP LOCKED)"
                              " RETURNING s.id::text AS id, s.phone, s.type, s.body, s.template_name,"
                              "   s.template_language, s.template_params::text AS params",
                              3, p, error);
    if (res == NULL)
      return FALSE;
  }
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      const char *phone = wabiz_db_result_get (res, i, "phone");
      g_auto(GStrv) params = _wabiz_campaign_params_from_json (wabiz_db_result_get (res, i, "params"));
      WabizOutgoing *message;

      if (g_strcmp0 (wabiz_db_result_get (res, i, "type"), "template") == 0)
        message = wabiz_outgoing_new_template (phone, wabiz_db_result_get (res, i, "template_name"),
                                               wabiz_db_result_get (res, i, "template_language"),
                                               (const char * const *) params);
      else
        message = wabiz_outgoing_new_text (phone, wabiz_db_result_get (res, i, "body"));
      g_ptr_array_add (round->due,
                       wabiz_worker_claim_new (wabiz_db_result_get (res, i, "id"), round->token, message));
    }
  round->more = wabiz_db_result_get_n_rows (res) == BATCH;

  {
    const char *p[] = { round->now };

    next = wabiz_db_conn_exec (conn,
                               "SELECT extract(epoch FROM min(send_at) - $1::timestamptz) AS s"
                               " FROM scheduled_messages WHERE state = 'scheduled'",
                               1, p, error);
    if (next == NULL)
      return FALSE;
    round->next_s = wabiz_db_result_get (next, 0, "s") != NULL
                      ? MAX (0, g_ascii_strtod (wabiz_db_result_get (next, 0, "s"), NULL)) : -1;
  }
  return TRUE;
}

/* only a claim still ours and never linked */
static const char outcome_sql[] =
  "UPDATE scheduled_messages SET state = $3, error = $4, claim_token = NULL,"
  "  updated_at = now()"
  " WHERE id = $1::uuid AND claim_token = $2::uuid AND state = 'queuing'"
  "   AND message_uuid IS NULL";

static gpointer
new_round (WabizWorker *worker,
           gboolean     all)
{
  Round *round = g_new0 (Round, 1);

  round->now = _wabiz_campaign_now_iso ();
  round->token = g_uuid_string_random ();
  round->due = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_worker_claim_free);
  round->next_s = -1;
  return round;
}

static double
round_done (WabizWorker  *worker,
            gpointer      data,
            const GError *error)
{
  Round *round = data;

  if (error != NULL)
    return -1;

  wabiz_worker_queue_claims (worker, round->due);
  return round->more ? 0 : round->next_s;
}

static void
wabiz_scheduler_class_init (WabizSchedulerClass *klass)
{
  WabizWorkerClass *worker_class = WABIZ_WORKER_CLASS (klass);

  worker_class->what = "the scheduled messages";
  worker_class->poll_interval_s = POLL_S;
  worker_class->max_delay_ms = POLL_S * 1000;
  worker_class->retry_s = RETRY_S;
  worker_class->round_in_transaction = TRUE;
  worker_class->outcome_sql = outcome_sql;
  worker_class->unclaimed_state = "scheduled";
  worker_class->new_round = new_round;
  worker_class->round_free = (GDestroyNotify) round_free;
  worker_class->round_on_conn = round_on_conn;
  worker_class->round_done = round_done;
}

static void
wabiz_scheduler_init (WabizScheduler *self)
{
}

WabizScheduler *
wabiz_scheduler_new (WabizDb     *db,
                     WabizOutbox *outbox)
{
  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (WABIZ_IS_OUTBOX (outbox), NULL);

  return g_object_new (WABIZ_TYPE_SCHEDULER, "db", db, "outbox", outbox, NULL);
}

/* wabiz_scheduler_start(), _wake(), _stop_async(), _stop_finish() */
WABIZ_WORKER_DEFINE_API (WabizScheduler, wabiz_scheduler, WABIZ_TYPE_SCHEDULER)

/* ------------------------------------------------------------------ */
/* scheduling, cancelling, listing */

typedef struct
{
  char  *phone;
  char  *text;
  char  *template_name;
  char  *language;
  char  *params;      /* (nullable) JSON */
  char  *when;
  char  *timezone;    /* (nullable) */
  char  *id;          /* (nullable) cancel */
} CreateData;

static void
create_data_free (CreateData *data)
{
  g_free (data->phone);
  g_free (data->text);
  g_free (data->template_name);
  g_free (data->language);
  g_free (data->params);
  g_free (data->when);
  g_free (data->timezone);
  g_free (data->id);
  g_free (data);
}

/* A task of @source_tag whose data is a new CreateData, in @out_data */
static GTask *
new_task (gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          CreateData         **out_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  *out_data = g_new0 (CreateData, 1);
  g_task_set_task_data (task, *out_data, (GDestroyNotify) create_data_free);
  return task;
}

static void
create_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  CreateData *data = task_data;
  const char *lp[] = { data->phone };
  g_autoptr(WabizDbResult) zones = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) at = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *send_at = NULL;
  const char *zone = data->timezone;
  GError *error = NULL;

  zones = wabiz_db_conn_exec (conn,
                              "SELECT (SELECT timezone FROM leads WHERE phone = $1) AS lead_tz,"
                              "  (SELECT id::text FROM leads WHERE phone = $1) AS lead_id,"
                              "  (SELECT timezone FROM campaign_settings WHERE id = 1) AS business_tz",
                              1, lp, &error);
  if (zones == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (zone == NULL)
    {
      const char *lead_tz = wabiz_db_result_get (zones, 0, "lead_tz");

      /* a lead's timezone that is not one falls back to the business's */
      if (lead_tz != NULL && *lead_tz != '\0' && (tz = g_time_zone_new_identifier (lead_tz)) != NULL)
        zone = lead_tz;
      else
        zone = wabiz_db_result_get (zones, 0, "business_tz");
    }
  if (zone == NULL)
    zone = "UTC";
  if (tz == NULL && (tz = g_time_zone_new_identifier (zone)) == NULL)
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("“%s” is not a timezone; use a name such as Europe/Lisbon"), zone);
      return;
    }
  at = g_date_time_new_from_iso8601 (data->when, tz);
  /* GLib wants the seconds: "09:00" is "09:00:00" */
  if (at == NULL && strlen (data->when) >= 16 && data->when[10] == 'T' && data->when[13] == ':' &&
      data->when[16] != ':')
    {
      g_autofree char *with_seconds = g_strdup_printf ("%.16s:00%s", data->when, data->when + 16);

      at = g_date_time_new_from_iso8601 (with_seconds, tz);
    }
  if (at == NULL)
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("The time must be a date and time such as 2025-03-01T09:00"));
      return;
    }
  if (g_date_time_to_unix (at) * G_USEC_PER_SEC < _wabiz_campaign_now () - 60 * G_USEC_PER_SEC)
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("This time has passed; choose a time to come"));
      return;
    }
  utc = g_date_time_to_utc (at);
  send_at = g_date_time_format_iso8601 (utc);

  {
    const char *p[] = { data->phone, wabiz_db_result_get (zones, 0, "lead_id"),
                        data->text != NULL ? "text" : "template", data->text, data->template_name,
                        data->language, data->params, send_at, data->when, zone };

    res = wabiz_db_conn_exec (conn,
                              "INSERT INTO scheduled_messages (phone, lead_id, type, body, template_name,"
                              "  template_language, template_params, send_at, local_time, timezone)"
                              " VALUES ($1, $2::uuid, $3, $4, $5, $6, $7::jsonb, $8::timestamptz, $9, $10)"
                              " RETURNING id::text AS id",
                              10, p, &error);
  }
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (wabiz_db_result_get (res, 0, "id")), g_free);
}

void
wabiz_scheduled_message_create_async (WabizDb             *db,
                                      const char          *phone,
                                      const char          *text,
                                      const char          *template_name,
                                      const char          *language,
                                      const char * const  *params,
                                      const char          *when,
                                      const char          *timezone,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CreateData *data;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (phone != NULL && when != NULL);

  task = new_task (wabiz_scheduled_message_create_async, cancellable, callback, user_data, &data);
  data->phone = wabiz_phone_normalize_for_task (phone, task);
  if (data->phone == NULL)
    return;
  if ((text == NULL || *text == '\0') == (template_name == NULL || *template_name == '\0') ||
      (text != NULL && g_utf8_strlen (text, -1) > MAX_TEXT) ||
      (template_name != NULL && (language == NULL || *language == '\0')))
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("Schedule either a text of 1 to 4,096 characters or a template with "
                                 "its language"));
      return;
    }
  data->text = g_strdup (text);
  data->template_name = g_strdup (template_name);
  data->language = g_strdup (language);
  data->when = g_strdup (when);
  data->timezone = timezone != NULL && *timezone != '\0' ? g_strdup (timezone) : NULL;
  if (params != NULL)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; params[i] != NULL; i++)
        json_builder_add_string_value (b, params[i]);
      json_builder_end_array (b);
      root = json_builder_get_root (b);
      data->params = json_to_string (root, FALSE);
    }
  wabiz_db_run_in_thread (db, task, create_job);
}

char *
wabiz_scheduled_message_create_finish (GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_scheduled_message_create_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
cancel_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  CreateData *data = task_data;
  const char *p[] = { data->id };
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  /* a claimed one is being queued: too late */
  res = wabiz_db_conn_exec (conn,
                            "WITH c AS (UPDATE scheduled_messages SET state = 'cancelled', updated_at = now()"
                            "           WHERE id = $1::uuid AND state = 'scheduled' RETURNING id)"
                            " SELECT (SELECT count(*) FROM c) AS cancelled,"
                            "   (SELECT state FROM scheduled_messages WHERE id = $1::uuid) AS state",
                            1, p, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else if (wabiz_db_result_get_int (res, 0, "cancelled") == 1)
    g_task_return_boolean (task, TRUE);
  else if (wabiz_db_result_get (res, 0, "state") == NULL)
    g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND, _("There is no such scheduled message"));
  else
    g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                             _("This message is %s already and cannot be cancelled"),
                             wabiz_db_result_get (res, 0, "state"));
}

void
wabiz_scheduled_message_cancel_async (WabizDb             *db,
                                      const char          *id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CreateData *data;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (id != NULL);

  task = new_task (wabiz_scheduled_message_cancel_async, cancellable, callback, user_data, &data);
  if (!g_uuid_string_is_valid (id))
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND, _("There is no such scheduled message"));
      return;
    }
  data->id = g_strdup (id);
  wabiz_db_run_in_thread (db, task, cancel_job);
}

gboolean
wabiz_scheduled_message_cancel_finish (GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_scheduled_message_cancel_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
list_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  CreateData *data = task_data;
  const char *p[] = { data->phone };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;

  res = wabiz_db_conn_exec (conn,
                            "SELECT coalesce(json_agg(json_build_object('id', s.id, 'phone', s.phone,"
                            "  'type', s.type, 'body', s.body, 'template_name', s.template_name,"
                            "  'language', s.template_language, 'params', s.template_params,"
                            "  'send_at', to_char(s.send_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                            "  'local_time', s.local_time, 'timezone', s.timezone, 'state', s.state,"
                            "  'error', s.error, 'message_id', m.message_id) ORDER BY s.send_at, s.id), '[]')::text"
                            " AS a FROM scheduled_messages s LEFT JOIN messages m ON m.id = s.message_uuid"
                            " WHERE $1::text IS NULL OR s.phone = $1",
                            1, p, &error);
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  node = json_from_string (wabiz_db_result_get (res, 0, "a"), NULL);
  g_task_return_pointer (task, json_array_ref (json_node_get_array (node)), (GDestroyNotify) json_array_unref);
}

void
wabiz_scheduled_message_list_async (WabizDb             *db,
                                    const char          *phone,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CreateData *data;

  g_return_if_fail (WABIZ_IS_DB (db));

  task = new_task (wabiz_scheduled_message_list_async, cancellable, callback, user_data, &data);
  if (phone != NULL && (data->phone = wabiz_phone_normalize_for_task (phone, task)) == NULL)
    return;
  wabiz_db_run_in_thread (db, task, list_job);
}

JsonArray *
wabiz_scheduled_message_list_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_scheduled_message_list_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
