/* wabiz-ai-jobs.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The queue of what WaBiz does by itself after a customer writes, and
 * the analysis of inbound texts. Nothing here runs inside the webhook's
 * answer or the processor's batch: woken by the processor (here) and by
 * NOTIFY changed::messages (other processors), a round looks at the
 * inbound messages stored since, and makes a job row (ai_jobs, see
 * data/sql/016-ai.sql) for each one a switch that is on concerns:
 * "analyze" for a text while the analysis is on, "reply" while the
 * greeting, the away message or the auto-reply is on. Only messages
 * that came after a switch was turned on are concerned, and only those
 * of the last day; a round looks at the last hour, the first one at
 * the whole day.
 *
 * Several processes (desktops, wabizd) may share a database: a job is
 * claimed with FOR UPDATE SKIP LOCKED and a claim token, so that each
 * runs once; a claim that runs out (a process that died) is taken over.
 * An analysis asks Gemini for the sentiment and intent as structured
 * output and stores them on the message; while Gemini is away (503,
 * 429, no network) it is tried again with exponential back-off. With
 * the analysis off nothing is sent to Gemini. The replies are in
 * wabiz-ai-jobs-replies.c.
 */

#define G_LOG_DOMAIN "wabiz-ai-jobs"

#include "config.h"

#include "wabiz-ai-jobs-private.h"
#include "wabiz-worker-private.h"

#include <json-glib/json-glib.h>

#include <string.h>

/* analyses at once (Gemini's free tier allows a few calls a minute) */
#define MAX_ANALYZING 2
/* reply jobs at once (most only queue a canned message) */
#define MAX_REPLYING 4
/* how long a claim holds: three tries at Gemini's two-minute timeout */
#define CLAIM_SECONDS 600
#define DEFAULT_POLL_INTERVAL_S 60
#define DEFAULT_BACKOFF_INITIAL_MS 5000
#define DEFAULT_BACKOFF_MAX_MS (3600 * 1000)
#define DEFAULT_MAX_ATTEMPTS 8
#define MIN_TIMER_MS 200
/* how far back a round looks, when woken and at start */
#define RECENT_S 3600
#define DAY_S (24 * 3600)
/* an inbound text as Gemini gets it */
#define MAX_ANALYZED_CHARS 2000

G_DEFINE_FINAL_TYPE (WabizAiJobs, wabiz_ai_jobs, WABIZ_TYPE_WORKER)

static const char * const sentiments[] = { "positive", "neutral", "negative", NULL };
static const char * const intents[] = {
  "question", "order", "complaint", "opt_out", "greeting", "other", NULL
};

/* Not translated: it is for Gemini. */
static const char analyze_instruction[] =
  "Classify one message a customer sent to a small business on WhatsApp. "
  "sentiment: positive, neutral or negative, as the customer feels. "
  "intent: question (asks for information), order (wants to buy, or asks about an order "
  "or a booking), complaint (unhappy about something that happened), opt_out (wants no "
  "more messages), greeting (only says hello or thanks), other.";

/* A round: discover, claim, and when to look again (worker thread). */
typedef struct
{
  gboolean               full;
  gboolean               with_gemini;
  guint                  analyze_limit;
  guint                  reply_limit;
  GPtrArray             *jobs;      /* (owned) of AiJob, without self */
  WabizBusinessSettings *settings;  /* (owned) (nullable) */
  double                 due_in_s;  /* < 0: nothing waits */
} Round;

/* How a job ends (worker thread). */
typedef struct
{
  char               *id;
  char               *claim_token;
  AiJobEnd            end;
  char               *outcome;
  char               *error;
  char               *sentiment;   /* an analysis' result */
  char               *intent;
  char               *message_id;
  char               *releases;    /* (nullable) uuid[] of auto_messages rows to hand back */
  WabizWorkerBackoff  backoff;
  /* results */
  gboolean            recorded;
  double              due_in_s;
} EndJob;

/* ------------------------------------------------------------------ */
/* SQL */

/* Jobs for the inbound messages of the last $1 seconds that a switch
 * concerns and that have none yet. */
static const char *discover_sql =
  "WITH s AS (SELECT"
  "   (SELECT updated_at FROM business_settings"
  "     WHERE key = '" WABIZ_BUSINESS_SETTINGS_KEY_ANALYSIS "' AND value = 'true'::jsonb)"
  "     AS analyze_since,"
  "   (SELECT min(updated_at) FROM business_settings"
  "     WHERE (key IN ('" WABIZ_BUSINESS_SETTINGS_KEY_GREETING "', '" WABIZ_BUSINESS_SETTINGS_KEY_AWAY "')"
  "            AND value = 'true'::jsonb)"
  "        OR (key = '" WABIZ_BUSINESS_SETTINGS_KEY_AUTO_REPLY_MODE "' AND value <> '\"off\"'::jsonb))"
  "     AS reply_since)"
  " INSERT INTO ai_jobs (message_id, phone, kind)"
  " SELECT m.id, m.phone, k.kind"
  "   FROM s, messages m, (VALUES ('analyze'), ('reply')) AS k (kind)"
  "  WHERE m.direction = 'inbound' AND m.created_at > now() - make_interval(secs => $1::int)"
  /* nothing to look at while every switch is off (the default) */
  "    AND m.created_at >= coalesce(least(s.analyze_since, s.reply_since), 'infinity')"
  "    AND CASE k.kind"
  "          WHEN 'analyze' THEN m.created_at >= s.analyze_since AND m.type = 'text'"
  "                              AND coalesce(btrim(m.message), '') <> ''"
  "          ELSE m.created_at >= s.reply_since"
  "               AND m.type NOT IN ('reaction', 'system', 'unsupported', 'request_welcome', 'errors')"
  "        END"
  "    AND NOT EXISTS (SELECT 1 FROM ai_jobs j WHERE j.message_id = m.id AND j.kind = k.kind)"
  "  ORDER BY m.created_at, m.\"timestamp\", m.id"
  " ON CONFLICT (message_id, kind) DO NOTHING";

static const char *claim_sql =
  "WITH due AS (SELECT id FROM ai_jobs"
  "   WHERE kind = $2 AND ((state IN ('pending', 'failed') AND next_attempt_at <= now())"
  "                        OR (state = 'running' AND claimed_until < now()))"
  "   ORDER BY id LIMIT $1::int FOR UPDATE SKIP LOCKED),"
  " claimed AS (UPDATE ai_jobs j SET state = 'running', claim_token = gen_random_uuid(),"
  "     claimed_until = now() + make_interval(secs => $3::int), attempts = j.attempts + 1,"
  "     updated_at = now()"
  "   FROM due WHERE j.id = due.id"
  "   RETURNING j.id, j.message_id, j.phone, j.kind, j.claim_token)"
  " SELECT c.id::text AS id, c.message_id::text AS message_id, c.phone, c.kind,"
  "     c.claim_token::text AS claim_token, m.type, coalesce(m.message, '') AS text"
  "   FROM claimed c JOIN messages m ON m.id = c.message_id ORDER BY c.id";

static const char *next_due_sql =
  "SELECT extract(epoch FROM least("
  "   (SELECT min(next_attempt_at) FROM ai_jobs"
  "     WHERE state IN ('pending', 'failed') AND next_attempt_at IS NOT NULL"
  "       AND (($1::boolean AND kind = 'analyze') OR ($2::boolean AND kind = 'reply'))),"
  "   (SELECT min(claimed_until) FROM ai_jobs WHERE state = 'running')) - now()) AS due_in";

static const char *end_sql =
  "UPDATE ai_jobs SET"
  "   state = CASE $3::text WHEN 'retry' THEN 'failed' ELSE $3::text END,"
  "   outcome = $4::text, error = $5::text,"
  "   next_attempt_at = " WABIZ_WORKER_NEXT_TRY_SQL ("$3::text <> 'retry'", "$6", "$7", "$8") ","
  "   claim_token = NULL, claimed_until = NULL, updated_at = now()"
  " WHERE id = $1::bigint AND claim_token = $2::uuid"
  " RETURNING extract(epoch FROM next_attempt_at - now()) AS due_in";

static const char *release_sql =
  "UPDATE ai_jobs SET state = 'pending', attempts = greatest(attempts - 1, 0),"
  "   next_attempt_at = now(), claim_token = NULL, claimed_until = NULL, updated_at = now()"
  " WHERE id = $1::bigint AND claim_token = $2::uuid";

/* reservations of automatic messages that were not sent */
static const char *release_reserved_sql =
  "DELETE FROM auto_messages WHERE id = ANY ($1::uuid[]) AND state = 'reserved'";

static const char *store_analysis_sql =
  "WITH m AS (UPDATE messages SET sentiment = $2, intent = $3, analyzed_at = now(),"
  "     updated_at = now()"
  "   WHERE id = $1::uuid RETURNING id, phone)"
  " SELECT wabiz_notify('messages', m.phone, m.id::text) FROM m";

/* ------------------------------------------------------------------ */
/* the jobs' data */

static void
ai_job_free (AiJob *job)
{
  g_clear_object (&job->self);
  g_free (job->id);
  g_free (job->claim_token);
  g_free (job->kind);
  g_free (job->message_id);
  g_free (job->phone);
  g_free (job->type);
  g_free (job->text);
  g_clear_object (&job->settings);
  g_free (job->intent);
  g_free (job->reservation);
  g_free (job->reserved_kind);
  g_clear_pointer (&job->releases, g_ptr_array_unref);
  if (job->outcome != NULL)
    g_string_free (job->outcome, TRUE);
  g_free (job);
}

static void
round_free (Round *round)
{
  g_clear_pointer (&round->jobs, g_ptr_array_unref);
  g_clear_object (&round->settings);
  g_free (round);
}

static void
end_job_free (EndJob *job)
{
  g_free (job->id);
  g_free (job->claim_token);
  g_free (job->outcome);
  g_free (job->error);
  g_free (job->sentiment);
  g_free (job->intent);
  g_free (job->message_id);
  g_free (job->releases);
  g_free (job);
}

/* ------------------------------------------------------------------ */
/* worker thread */

static gboolean
claim_kind (WabizDbConn *conn,
            Round       *round,
            const char  *kind,
            guint        limit,
            GError     **error)
{
  g_autoptr(WabizDbResult) claimed = NULL;
  g_autofree char *limit_text = g_strdup_printf ("%u", limit);
  g_autofree char *claim_seconds = g_strdup_printf ("%d", CLAIM_SECONDS);
  const char *params[] = { limit_text, kind, claim_seconds };

  if (limit == 0)
    return TRUE;
  claimed = wabiz_db_conn_exec (conn, claim_sql, 3, params, error);
  if (claimed == NULL)
    return FALSE;
  for (guint i = 0; i < wabiz_db_result_get_n_rows (claimed); i++)
    {
      AiJob *job = g_new0 (AiJob, 1);

      job->id = g_strdup (wabiz_db_result_get (claimed, i, "id"));
      job->message_id = g_strdup (wabiz_db_result_get (claimed, i, "message_id"));
      job->phone = g_strdup (wabiz_db_result_get (claimed, i, "phone"));
      job->kind = g_strdup (wabiz_db_result_get (claimed, i, "kind"));
      job->claim_token = g_strdup (wabiz_db_result_get (claimed, i, "claim_token"));
      job->type = g_strdup (wabiz_db_result_get (claimed, i, "type"));
      job->text = g_strdup (wabiz_db_result_get (claimed, i, "text"));
      job->outcome = g_string_new (NULL);
      g_ptr_array_add (round->jobs, job);
    }
  return TRUE;
}

/* A round's statements (worker thread) */
static gboolean
round_on_conn (WabizDbConn *conn,
               gpointer     data,
               GError     **error)
{
  Round *round = data;
  g_autoptr(WabizDbResult) discovered = NULL;
  g_autoptr(WabizDbResult) due = NULL;
  g_autofree char *since = g_strdup_printf ("%d", round->full ? DAY_S : RECENT_S);
  /* kinds without room left are looked at when a job of theirs ends */
  const char *due_params[] = { round->with_gemini && round->analyze_limit > 0 ? "true" : "false",
                               round->reply_limit > 0 ? "true" : "false" };

  discovered = wabiz_db_conn_exec (conn, discover_sql, 1, (const char *[]){ since }, error);
  if (discovered == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_affected (discovered) > 0)
    g_debug ("%" G_GINT64_FORMAT " new jobs", wabiz_db_result_get_n_affected (discovered));

  if (!claim_kind (conn, round, "analyze", round->with_gemini ? round->analyze_limit : 0, error) ||
      !claim_kind (conn, round, "reply", round->reply_limit, error))
    return FALSE;

  /* the settings the claimed jobs go by */
  if (round->jobs->len > 0)
    {
      round->settings = _wabiz_business_settings_load_on_conn (conn, error);
      if (round->settings == NULL)
        return FALSE;
    }

  due = wabiz_db_conn_exec (conn, next_due_sql, 2, due_params, error);
  if (due == NULL)
    return FALSE;
  /* due already: at once (rows another process was claiming) */
  round->due_in_s = wabiz_db_result_get (due, 0, "due_in") != NULL
                      ? MAX (g_ascii_strtod (wabiz_db_result_get (due, 0, "due_in"), NULL), 0)
                      : -1;
  return TRUE;
}

static gboolean
end_on_conn (WabizDbConn *conn,
             gpointer     user_data,
             GError     **error)
{
  EndJob *job = user_data;
  g_autoptr(WabizDbResult) ended = NULL;

  if (job->end == AI_JOB_RELEASE)
    {
      g_autoptr(WabizDbResult) released = NULL;
      const char *params[] = { job->id, job->claim_token };

      released = wabiz_db_conn_exec (conn, release_sql, 2, params, error);
      if (released == NULL)
        return FALSE;
      job->recorded = wabiz_db_result_get_n_affected (released) > 0;
      job->due_in_s = 0;
    }
  else
    {
      const char *state = job->end == AI_JOB_DONE      ? "done"
                          : job->end == AI_JOB_SKIPPED ? "skipped"
                          : job->end == AI_JOB_RETRY   ? "retry"
                                                       : "failed";
      const char *params[] = { job->id, job->claim_token, state, job->outcome, job->error,
                               job->backoff.max_attempts, job->backoff.initial_ms,
                               job->backoff.max_ms };

      ended = wabiz_db_conn_exec (conn, end_sql, 8, params, error);
      if (ended == NULL)
        return FALSE;
      job->recorded = wabiz_db_result_get_n_rows (ended) > 0;
      if (job->recorded)
        job->due_in_s = wabiz_db_result_get (ended, 0, "due_in") != NULL
                          ? g_ascii_strtod (wabiz_db_result_get (ended, 0, "due_in"), NULL)
                          : -1;
    }

  /* taken over by another process: its outcome is the one that counts,
   * and the reservations are its own now */
  if (!job->recorded)
    return TRUE;

  if (job->releases != NULL)
    {
      g_autoptr(WabizDbResult) released = NULL;

      released = wabiz_db_conn_exec (conn, release_reserved_sql, 1,
                                     (const char *[]){ job->releases }, error);
      if (released == NULL)
        return FALSE;
    }

  if (job->sentiment != NULL)
    {
      g_autoptr(WabizDbResult) stored = NULL;
      const char *params[] = { job->message_id, job->sentiment, job->intent };

      stored = wabiz_db_conn_exec (conn, store_analysis_sql, 3, params, error);
      if (stored == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
end_job (WabizDb      *db,
         WabizDbConn  *conn,
         GTask        *task,
         gpointer      task_data,
         GCancellable *cancellable)
{
  GError *error = NULL;

  if (wabiz_db_conn_transaction (conn, end_on_conn, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* ------------------------------------------------------------------ */
/* main loop */

static void
end_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  AiJob *job = user_data;
  g_autoptr(WabizAiJobs) self = g_object_ref (job->self);
  EndJob *end = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean analysis = g_str_equal (job->kind, "analyze");

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* the claim runs out and another round takes the job again */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot record how job %s ended: %s", job->id, error->message);
    }
  else if (!end->recorded)
    g_debug ("Job %s was taken over by another process", job->id);
  else
    {
      if (analysis && end->end == AI_JOB_DONE)
        self->n_analyzed++;
      wabiz_worker_look_in (WABIZ_WORKER (self), end->due_in_s);
    }

  if (analysis)
    self->n_analyzing--;
  else
    self->n_replying--;
  ai_job_free (job);

  /* its room is free: anything else due? */
  wabiz_worker_release (WABIZ_WORKER (self), TRUE);
}

static void
end_with_analysis (AiJob      *job,
                   AiJobEnd    end,
                   const char *outcome,
                   const GError *error,
                   const char *sentiment,
                   const char *intent)
{
  WabizAiJobs *self = job->self;
  EndJob *data = g_new0 (EndJob, 1);

  data->id = g_strdup (job->id);
  data->claim_token = g_strdup (job->claim_token);
  data->end = end;
  data->outcome = g_strdup (outcome != NULL && *outcome != '\0' ? outcome : NULL);
  if (error != NULL && end != AI_JOB_RELEASE)
    data->error = wabiz_worker_error_text (error);
  data->sentiment = g_strdup (sentiment);
  data->intent = g_strdup (intent);
  data->message_id = g_strdup (job->message_id);
  if (job->reservation != NULL)
    {
      /* ended before it was sent */
      if (job->releases == NULL)
        job->releases = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (job->releases, g_steal_pointer (&job->reservation));
    }
  if (job->releases != NULL && job->releases->len > 0)
    {
      g_autoptr(GString) ids = g_string_new ("{");

      for (guint i = 0; i < job->releases->len; i++)
        g_string_append_printf (ids, "%s%s", i > 0 ? "," : "",
                                (const char *) g_ptr_array_index (job->releases, i));
      g_string_append_c (ids, '}');
      data->releases = g_string_free (g_steal_pointer (&ids), FALSE);
    }
  wabiz_worker_get_backoff (WABIZ_WORKER (self), &data->backoff);

  if (end == AI_JOB_RETRY || end == AI_JOB_FAILED)
    g_message ("Job %s (%s) failed%s: %s", job->id, job->kind,
               end == AI_JOB_RETRY ? ", to be tried again" : "", data->error);
  else
    g_debug ("Job %s (%s) ended: %s", job->id, job->kind, outcome != NULL ? outcome : "-");

  /* not cancellable: the job must be handed back even while stopping */
  wabiz_worker_run_job (WABIZ_WORKER (self), end_with_analysis, end_job, data,
                        (GDestroyNotify) end_job_free, end_done_cb, job);
}

/* Records how @job ended, frees it, and looks for more work. */
void
_wabiz_ai_jobs_end (AiJob        *job,
                    AiJobEnd      end,
                    const char   *outcome,
                    const GError *error)
{
  end_with_analysis (job, end, outcome, error, NULL, NULL);
}

gboolean
_wabiz_ai_jobs_error_is_transient (const GError *error)
{
  if (error->domain == WABIZ_GEMINI_ERROR)
    return error->code != WABIZ_GEMINI_ERROR_BLOCKED && error->code != WABIZ_GEMINI_ERROR_DECLINED &&
           error->code != WABIZ_GEMINI_ERROR_INVALID_REQUEST;
  /* the network, the database */
  return TRUE;
}

/* What Gemini answered, checked: sentiment and intent from the lists */
static gboolean
parse_analysis (const char  *text,
                char       **sentiment,
                char       **intent,
                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  const char *s, *i;

  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BAD_RESPONSE,
                           "Gemini's analysis is not a JSON object");
      return FALSE;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  s = json_object_get_string_member_with_default (object, "sentiment", NULL);
  i = json_object_get_string_member_with_default (object, "intent", NULL);
  if (s == NULL || i == NULL || !g_strv_contains (sentiments, s) || !g_strv_contains (intents, i))
    {
      g_set_error_literal (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BAD_RESPONSE,
                           "Gemini's analysis has no known sentiment or intent");
      return FALSE;
    }
  *sentiment = g_strdup (s);
  *intent = g_strdup (i);
  return TRUE;
}

JsonObject *
_wabiz_ai_jobs_string_schema (const char * const *values)
{
  JsonObject *schema = json_object_new ();

  json_object_set_string_member (schema, "type", "STRING");
  if (values != NULL)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; values[i] != NULL; i++)
        json_array_add_string_element (array, values[i]);
      json_object_set_array_member (schema, "enum", array);
    }
  return schema;
}

JsonObject *
_wabiz_ai_jobs_object_schema (const char *first_name,
                              ...)
{
  JsonObject *schema = json_object_new ();
  JsonObject *props = json_object_new ();
  JsonArray *required = json_array_new ();
  JsonArray *ordering = json_array_new ();
  va_list args;

  va_start (args, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    {
      json_object_set_object_member (props, name, va_arg (args, JsonObject *));
      json_array_add_string_element (required, name);
      json_array_add_string_element (ordering, name);
    }
  va_end (args);

  json_object_set_string_member (schema, "type", "OBJECT");
  json_object_set_object_member (schema, "properties", props);
  json_object_set_array_member (schema, "required", required);
  json_object_set_array_member (schema, "propertyOrdering", ordering);
  return schema;
}

static WabizGeminiRequest *
build_analysis_request (AiJob *job)
{
  WabizGeminiRequest *request = wabiz_gemini_request_new ();
  g_autoptr(JsonObject) schema = NULL;
  g_autofree char *text = g_strdup (job->text);

  if (g_utf8_strlen (text, -1) > MAX_ANALYZED_CHARS)
    *g_utf8_offset_to_pointer (text, MAX_ANALYZED_CHARS) = '\0';

  schema = _wabiz_ai_jobs_object_schema ("sentiment", _wabiz_ai_jobs_string_schema (sentiments),
                                         "intent", _wabiz_ai_jobs_string_schema (intents),
                                         NULL);

  wabiz_gemini_request_set_system_instruction (request, analyze_instruction);
  wabiz_gemini_request_add_text (request, WABIZ_GEMINI_ROLE_USER, text);
  wabiz_gemini_request_set_temperature (request, 0);
  /* room for a thinking model's thoughts too */
  wabiz_gemini_request_set_max_output_tokens (request, 1024);
  wabiz_gemini_request_set_response_schema (request, schema);
  return request;
}

static void
analyzed_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  AiJob *job = user_data;
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sentiment = NULL;
  g_autofree char *intent = NULL;

  response = wabiz_gemini_client_generate_finish (WABIZ_GEMINI_CLIENT (object), result, &error);
  if (response != NULL)
    parse_analysis (response->text, &sentiment, &intent, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _wabiz_ai_jobs_end (job, AI_JOB_RELEASE, NULL, NULL);
  else if (error != NULL)
    _wabiz_ai_jobs_end (job, _wabiz_ai_jobs_error_is_transient (error) ? AI_JOB_RETRY : AI_JOB_FAILED,
                        NULL, error);
  else
    end_with_analysis (job, AI_JOB_DONE, "analyzed", NULL, sentiment, intent);
}

static void
start_analysis (AiJob *job)
{
  WabizAiJobs *self = job->self;
  g_autoptr(WabizGeminiRequest) request = NULL;

  if (!wabiz_business_settings_get_analysis_enabled (job->settings))
    {
      _wabiz_ai_jobs_end (job, AI_JOB_SKIPPED, "off", NULL);
      return;
    }

  request = build_analysis_request (job);
  wabiz_gemini_client_generate_async (self->gemini, request,
                                      wabiz_worker_get_cancellable (WABIZ_WORKER (self)), analyzed_cb,
                                      job);
}

static void
start_job (WabizAiJobs           *self,
           AiJob                 *job,
           WabizBusinessSettings *settings)
{
  job->self = g_object_ref (self);
  job->settings = g_object_ref (settings);

  if (g_str_equal (job->kind, "analyze"))
    self->n_analyzing++;
  else
    self->n_replying++;
  wabiz_worker_hold (WABIZ_WORKER (self));

  if (wabiz_worker_is_stopped (WABIZ_WORKER (self)))
    {
      _wabiz_ai_jobs_end (job, AI_JOB_RELEASE, NULL, NULL);
      return;
    }

  g_debug ("Job %s (%s) for message %s", job->id, job->kind, job->message_id);
  if (g_str_equal (job->kind, "analyze"))
    start_analysis (job);
  else
    _wabiz_ai_jobs_start_reply (job);
}

static gpointer
new_round (WabizWorker *worker,
           gboolean     all)
{
  WabizAiJobs *self = WABIZ_AI_JOBS (worker);
  guint analyze_limit, reply_limit;
  Round *round;

  analyze_limit = self->gemini != NULL ? MAX_ANALYZING - MIN (self->n_analyzing, MAX_ANALYZING) : 0;
  reply_limit = MAX_REPLYING - MIN (self->n_replying, MAX_REPLYING);
  if (analyze_limit == 0 && reply_limit == 0)
    return NULL;

  round = g_new0 (Round, 1);
  round->full = all;
  round->with_gemini = self->gemini != NULL;
  round->analyze_limit = analyze_limit;
  round->reply_limit = reply_limit;
  round->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) ai_job_free);
  round->due_in_s = -1;
  return round;
}

static double
round_done (WabizWorker  *worker,
            gpointer      data,
            const GError *error)
{
  WabizAiJobs *self = WABIZ_AI_JOBS (worker);
  Round *round = data;

  if (error != NULL)
    return -1;

  /* claimed while stopping: start_job() hands them back */
  while (round->jobs->len > 0)
    start_job (self, g_ptr_array_steal_index (round->jobs, 0), round->settings);
  return round->due_in_s;
}

/* ------------------------------------------------------------------ */

static void
start_rounds (WabizWorker *worker)
{
  WabizAiJobs *self = WABIZ_AI_JOBS (worker);

  if (self->gemini == NULL)
    g_message ("No Gemini API key: only the greeting and away messages are sent from here");

  WABIZ_WORKER_CLASS (wabiz_ai_jobs_parent_class)->start (worker);
}

static void
wabiz_ai_jobs_dispose (GObject *object)
{
  WabizAiJobs *self = WABIZ_AI_JOBS (object);

  g_clear_object (&self->gemini);

  G_OBJECT_CLASS (wabiz_ai_jobs_parent_class)->dispose (object);
}

static void
wabiz_ai_jobs_finalize (GObject *object)
{
  WabizAiJobs *self = WABIZ_AI_JOBS (object);

  g_clear_pointer (&self->now, g_date_time_unref);

  G_OBJECT_CLASS (wabiz_ai_jobs_parent_class)->finalize (object);
}

static void
wabiz_ai_jobs_class_init (WabizAiJobsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  WabizWorkerClass *worker_class = WABIZ_WORKER_CLASS (klass);

  object_class->dispose = wabiz_ai_jobs_dispose;
  object_class->finalize = wabiz_ai_jobs_finalize;

  worker_class->what = "the AI jobs";
  worker_class->poll_interval_s = DEFAULT_POLL_INTERVAL_S;
  worker_class->min_delay_ms = MIN_TIMER_MS;
  worker_class->backoff_initial_ms = DEFAULT_BACKOFF_INITIAL_MS;
  worker_class->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
  worker_class->backoff_max_attempts = DEFAULT_MAX_ATTEMPTS;
  worker_class->start = start_rounds;
  worker_class->new_round = new_round;
  worker_class->round_free = (GDestroyNotify) round_free;
  worker_class->round_on_conn = round_on_conn;
  worker_class->round_done = round_done;
}

static void
wabiz_ai_jobs_init (WabizAiJobs *self)
{
}

WabizAiJobs *
wabiz_ai_jobs_new (WabizDb           *db,
                   WabizOutbox       *outbox,
                   WabizGeminiClient *gemini)
{
  WabizAiJobs *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (WABIZ_IS_OUTBOX (outbox), NULL);
  g_return_val_if_fail (gemini == NULL || WABIZ_IS_GEMINI_CLIENT (gemini), NULL);

  self = g_object_new (WABIZ_TYPE_AI_JOBS, "db", db, "outbox", outbox, NULL);
  self->gemini = gemini != NULL ? g_object_ref (gemini) : NULL;
  return self;
}

void
wabiz_ai_jobs_set_poll_interval (WabizAiJobs *self,
                                 guint        seconds)
{
  g_return_if_fail (WABIZ_IS_AI_JOBS (self));

  wabiz_worker_set_poll_interval (WABIZ_WORKER (self), seconds);
}

/* wabiz_ai_jobs_start(), _wake() (a message was stored here or
 * elsewhere, or after a reconnect), _stop_async() (Gemini's calls in
 * flight are cancelled, their jobs go back to pending), _stop_finish() */
WABIZ_WORKER_DEFINE_API (WabizAiJobs, wabiz_ai_jobs, WABIZ_TYPE_AI_JOBS)

guint64
wabiz_ai_jobs_get_n_analyzed (WabizAiJobs *self)
{
  g_return_val_if_fail (WABIZ_IS_AI_JOBS (self), 0);
  return self->n_analyzed;
}

guint64
wabiz_ai_jobs_get_n_sent (WabizAiJobs *self)
{
  g_return_val_if_fail (WABIZ_IS_AI_JOBS (self), 0);
  return self->n_sent;
}

GDateTime *
_wabiz_ai_jobs_dup_now (WabizAiJobs *self)
{
  return self->now != NULL ? g_date_time_ref (self->now) : g_date_time_new_now_utc ();
}

void
_wabiz_ai_jobs_set_now (WabizAiJobs *self,
                        GDateTime   *now)
{
  g_return_if_fail (WABIZ_IS_AI_JOBS (self));

  g_clear_pointer (&self->now, g_date_time_unref);
  self->now = now != NULL ? g_date_time_ref (now) : NULL;
}

void
_wabiz_ai_jobs_set_backoff (WabizAiJobs *self,
                            guint        initial_ms,
                            guint        max_ms,
                            guint        max_attempts)
{
  g_return_if_fail (WABIZ_IS_AI_JOBS (self));

  _wabiz_worker_set_backoff (WABIZ_WORKER (self), initial_ms, max_ms, max_attempts);
}

WabizGeminiClient *
_wabiz_ai_jobs_get_gemini (WabizAiJobs *self)
{
  g_return_val_if_fail (WABIZ_IS_AI_JOBS (self), NULL);
  return self->gemini;
}
