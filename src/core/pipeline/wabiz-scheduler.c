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
 * The clock is the campaigns' (_wabiz_campaign_now()), which tests move.
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
#define MAX_REASON 500

struct _WabizScheduler
{
  GObject      parent_instance;

  WabizDb     *db;          /* (owned) */
  WabizOutbox *outbox;      /* (owned) */

  gboolean     started;
  gboolean     stopping;
  gboolean     in_round;
  gboolean     wake_pending;
  guint        in_flight;
  guint        timer_id;
  guint        poll_id;
  GPtrArray   *stop_tasks;  /* (owned) of GTask */
};

G_DEFINE_FINAL_TYPE (WabizScheduler, wabiz_scheduler, G_TYPE_OBJECT)

typedef struct
{
  char  *id;
  char  *phone;
  char  *type;
  char  *body;
  char  *template_name;
  char  *language;
  GStrv  params;
  char  *token;
} Due;

static void
due_free (Due *due)
{
  g_free (due->id);
  g_free (due->phone);
  g_free (due->type);
  g_free (due->body);
  g_free (due->template_name);
  g_free (due->language);
  g_strfreev (due->params);
  g_free (due->token);
  g_free (due);
}

typedef struct
{
  char      *now;      /* (owned) */
  char      *token;    /* (owned) */
  GPtrArray *due;      /* (owned) of Due */
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

static void run_round (WabizScheduler *self);

static void
finish_stop_if_idle (WabizScheduler *self)
{
  g_autoptr(GPtrArray) tasks = NULL;

  if (!self->stopping || self->in_round || self->in_flight > 0)
    return;
  tasks = g_steal_pointer (&self->stop_tasks);
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

static gboolean
timer_cb (gpointer user_data)
{
  WabizScheduler *self = user_data;

  self->timer_id = 0;
  run_round (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_round (WabizScheduler *self,
                double          delay_s)
{
  if (self->stopping || !self->started)
    return;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  delay_s = CLAMP (delay_s, 0, POLL_S);
  self->timer_id = g_timeout_add ((guint) (delay_s * 1000) + (delay_s > 0 ? 1 : 0), timer_cb, self);
}

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
      Due *due = g_new0 (Due, 1);
      g_autoptr(JsonNode) params = NULL;
      const char *params_text = wabiz_db_result_get (res, i, "params");

      due->id = g_strdup (wabiz_db_result_get (res, i, "id"));
      due->phone = g_strdup (wabiz_db_result_get (res, i, "phone"));
      due->type = g_strdup (wabiz_db_result_get (res, i, "type"));
      due->body = g_strdup (wabiz_db_result_get (res, i, "body"));
      due->template_name = g_strdup (wabiz_db_result_get (res, i, "template_name"));
      due->language = g_strdup (wabiz_db_result_get (res, i, "template_language"));
      due->token = g_strdup (round->token);
      if (params_text != NULL && (params = json_from_string (params_text, NULL)) != NULL &&
          JSON_NODE_HOLDS_ARRAY (params))
        {
          JsonArray *array = json_node_get_array (params);
          g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

          for (guint k = 0; k < json_array_get_length (array); k++)
            g_strv_builder_add (builder, json_array_get_string_element (array, k));
          due->params = g_strv_builder_end (builder);
        }
      g_ptr_array_add (round->due, due);
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

static void
round_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  Round *round = task_data;
  GError *error = NULL;

  if (!wabiz_db_conn_transaction (conn, round_on_conn, round, &error))
    {
      g_ptr_array_set_size (round->due, 0);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  WabizScheduler *self;   /* (owned) */
  Due            *due;    /* (owned) */
  char           *state;  /* (owned) */
  char           *reason; /* (owned) (nullable) */
} Outcome;

static void
outcome_free (Outcome *outcome)
{
  g_clear_object (&outcome->self);
  g_clear_pointer (&outcome->due, due_free);
  g_free (outcome->state);
  g_free (outcome->reason);
  g_free (outcome);
}

static void
outcome_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Outcome *outcome = task_data;
  const char *p[] = { outcome->due->id, outcome->due->token, outcome->state, outcome->reason };
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  res = wabiz_db_conn_exec (conn,
                            "UPDATE scheduled_messages SET state = $3, error = $4, claim_token = NULL,"
                            "  updated_at = now()"
                            " WHERE id = $1::uuid AND claim_token = $2::uuid AND state = 'queuing'"
                            "   AND message_uuid IS NULL",
                            4, p, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
outcome_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WabizScheduler) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Cannot write what queueing a scheduled message came to: %s", error->message);
  self->in_flight--;
  finish_stop_if_idle (self);
}

static void
queued_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Outcome *outcome = user_data;
  WabizScheduler *self = outcome->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);

  if (uuid == NULL)
    {
      g_autoptr(GTask) task = NULL;
      gboolean retry = g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE);

      outcome->state = g_strdup (retry ? "scheduled" : "failed");
      outcome->reason = retry ? NULL : g_utf8_substring (error->message, 0, MAX_REASON);
      task = g_task_new (NULL, NULL, outcome_done_cb, g_object_ref (self));
      g_task_set_task_data (task, outcome, (GDestroyNotify) outcome_free);
      wabiz_db_run_in_thread (self->db, task, outcome_job);
      if (retry)
        schedule_round (self, RETRY_S);
      return;
    }
  self->in_flight--;
  finish_stop_if_idle (self);
  outcome_free (outcome);
}

static void
round_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WabizScheduler) self = user_data;
  Round *round = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  double next;

  self->in_round = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_warning ("Cannot look at the scheduled messages: %s", error->message);
      finish_stop_if_idle (self);
      schedule_round (self, RETRY_S);
      return;
    }

  while (round->due->len > 0)
    {
      Due *due = g_ptr_array_steal_index (round->due, 0);
      g_autoptr(WabizOutgoing) message = NULL;
      Outcome *outcome = g_new0 (Outcome, 1);

      if (g_str_equal (due->type, "template"))
        message = wabiz_outgoing_new_template (due->phone, due->template_name, due->language,
                                               (const char * const *) due->params);
      else
        message = wabiz_outgoing_new_text (due->phone, due->body);
      outcome->self = g_object_ref (self);
      outcome->due = due;
      self->in_flight++;
      wabiz_outbox_queue_async (self->outbox, message, NULL, queued_cb, outcome);
    }

  next = round->more || self->wake_pending ? 0 : round->next_s >= 0 ? round->next_s : POLL_S;
  self->wake_pending = FALSE;
  finish_stop_if_idle (self);
  schedule_round (self, next);
}

static void
run_round (WabizScheduler *self)
{
  g_autoptr(GTask) task = NULL;
  Round *round;

  if (!self->started || self->stopping)
    return;
  if (self->in_round)
    {
      self->wake_pending = TRUE;
      return;
    }
  g_clear_handle_id (&self->timer_id, g_source_remove);
  round = g_new0 (Round, 1);
  round->now = _wabiz_campaign_now_iso ();
  round->token = g_uuid_string_random ();
  round->due = g_ptr_array_new_with_free_func ((GDestroyNotify) due_free);
  round->next_s = -1;
  self->in_round = TRUE;
  task = g_task_new (NULL, NULL, round_done_cb, g_object_ref (self));
  g_task_set_task_data (task, round, (GDestroyNotify) round_free);
  wabiz_db_run_in_thread (self->db, task, round_job);
}

static gboolean
poll_cb (gpointer user_data)
{
  run_round (user_data);
  return G_SOURCE_CONTINUE;
}

static void
wabiz_scheduler_dispose (GObject *object)
{
  WabizScheduler *self = (WabizScheduler *) object;

  self->stopping = TRUE;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->poll_id, g_source_remove);

  G_OBJECT_CLASS (wabiz_scheduler_parent_class)->dispose (object);
}

static void
wabiz_scheduler_finalize (GObject *object)
{
  WabizScheduler *self = (WabizScheduler *) object;

  g_clear_object (&self->db);
  g_clear_object (&self->outbox);
  g_clear_pointer (&self->stop_tasks, g_ptr_array_unref);

  G_OBJECT_CLASS (wabiz_scheduler_parent_class)->finalize (object);
}

static void
wabiz_scheduler_class_init (WabizSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_scheduler_dispose;
  object_class->finalize = wabiz_scheduler_finalize;
}

static void
wabiz_scheduler_init (WabizScheduler *self)
{
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

WabizScheduler *
wabiz_scheduler_new (WabizDb     *db,
                     WabizOutbox *outbox)
{
  WabizScheduler *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (WABIZ_IS_OUTBOX (outbox), NULL);

  self = g_object_new (WABIZ_TYPE_SCHEDULER, NULL);
  self->db = g_object_ref (db);
  self->outbox = g_object_ref (outbox);
  return self;
}

void
wabiz_scheduler_start (WabizScheduler *self)
{
  g_return_if_fail (WABIZ_IS_SCHEDULER (self));

  if (self->started || self->stopping)
    return;
  self->started = TRUE;
  self->poll_id = g_timeout_add_seconds (POLL_S, poll_cb, self);
  run_round (self);
}

void
wabiz_scheduler_wake (WabizScheduler *self)
{
  g_return_if_fail (WABIZ_IS_SCHEDULER (self));

  run_round (self);
}

void
wabiz_scheduler_stop_async (WabizScheduler      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_SCHEDULER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_scheduler_stop_async);
  self->stopping = TRUE;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_ptr_array_add (self->stop_tasks, g_steal_pointer (&task));
  finish_stop_if_idle (self);
}

gboolean
wabiz_scheduler_stop_finish (WabizScheduler  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (WABIZ_IS_SCHEDULER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_scheduler_stop_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

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

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_scheduled_message_create_async);
  data = g_new0 (CreateData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) create_data_free);

  data->phone = wabiz_phone_normalize (phone, NULL);
  if (data->phone == NULL)
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                               _("This is not a valid WhatsApp phone number"));
      return;
    }
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

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_scheduled_message_cancel_async);
  if (!g_uuid_string_is_valid (id))
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND, _("There is no such scheduled message"));
      return;
    }
  data = g_new0 (CreateData, 1);
  data->id = g_strdup (id);
  g_task_set_task_data (task, data, (GDestroyNotify) create_data_free);
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

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_scheduled_message_list_async);
  data = g_new0 (CreateData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) create_data_free);
  if (phone != NULL && (data->phone = wabiz_phone_normalize (phone, NULL)) == NULL)
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                               _("This is not a valid WhatsApp phone number"));
      return;
    }
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
