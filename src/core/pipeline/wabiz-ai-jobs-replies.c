/* wabiz-ai-jobs-replies.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What a "reply" job sends for one inbound message, in order:
 *
 * 1. the greeting, when it is on and the customer's message is the
 *    first in the conversation for the greeting's interval;
 * 2. the auto-reply, when its mode answers this message (every text,
 *    texts outside the business hours, or texts with a keyword), drafted
 *    by Gemini from the conversation's recent messages and the business
 *    profile. Never to reactions or anything but text. When the customer
 *    asks for a person, or the message is a complaint (the analysis' or
 *    Gemini's reading of it), the conversation is flagged for a human
 *    and auto-replies stop there until someone clears the flag;
 * 3. the away message, when it is on and the business is closed now
 *    (its hours per weekday, in its time zone), unless an auto-reply
 *    took its place.
 *
 * Nothing is sent outside the 24-hour window, nor after a person wrote
 * to the customer; each kind goes at most once per customer per its
 * interval: a row of auto_messages is reserved first (the SQL function
 * wabiz_auto_reserve() serves two processes one after the other), then
 * the message goes through the outbox and is marked automatic. A call
 * to Gemini that fails for now hands the reservation back and the job
 * is tried again later; what was sent already is not sent again.
 */

#define G_LOG_DOMAIN "wabiz-ai-jobs-replies"

#include "config.h"

#include "wabiz-ai-jobs-private.h"
#include "wabiz-error.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include <string.h>

/* the conversation Gemini drafts from */
#define HISTORY_MESSAGES 20
#define HISTORY_MESSAGE_CHARS 1000
/* a WhatsApp text */
#define MAX_REPLY_CHARS 4096
/* how long a reservation holds while Gemini drafts (as a claim) */
#define HOLD_SECONDS 600

/* What a customer writes to reach a person: folded words, matched whole.
 * Reading "in person" as a request too is the safe mistake. */
static const char * const human_words[] = {
  "human", "humans", "person", "real person", "agent", "operator", "representative",
  "atendente", "humano", "humana", "pessoa", "persona", "agente", "operador", "representante",
  NULL
};

static const char * const reply_intents[] = {
  "question", "order", "complaint", "opt_out", "greeting", "other", NULL
};

static const char * const day_names[] = {
  "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
};

static void greeting_step   (AiJob *job);
static void auto_reply_step (AiJob *job);
static void away_step       (AiJob *job);
static void finish_step     (AiJob *job);

/* ------------------------------------------------------------------ */
/* SQL */

/* $1 the message; $2 the greeting's interval in minutes */
static const char *context_sql =
  "SELECT m.intent,"
  "   coalesce(greatest(l.last_inbound_at, c.last_inbound_at) > now() - interval '24 hours',"
  "            false) AS window_open,"
  "   coalesce(c.needs_human, false) AS needs_human,"
  "   wabiz_is_opted_out(m.phone) AS opted_out,"
  "   EXISTS (SELECT 1 FROM messages p WHERE p.phone = m.phone AND p.id <> m.id"
  "            AND (p.\"timestamp\", p.created_at, p.id) < (m.\"timestamp\", m.created_at, m.id)"
  "            AND p.\"timestamp\" > m.\"timestamp\" - make_interval(mins => $2::int)) AS active,"
  "   EXISTS (SELECT 1 FROM messages o WHERE o.phone = m.phone AND o.direction = 'outbound'"
  "            AND o.automatic IS NULL AND o.\"timestamp\" > m.\"timestamp\") AS answered"
  " FROM messages m"
  " LEFT JOIN leads l ON l.phone = m.phone"
  " LEFT JOIN conversations c ON c.phone = m.phone"
  " WHERE m.id = $1::uuid";

static const char *reserve_sql =
  "SELECT wabiz_auto_reserve($1, $2, $3::uuid, $4::int, $5::int)::text AS id";

static const char *queued_sql = "SELECT wabiz_auto_queued($1::uuid, $2::uuid)";

static const char *flag_sql = "SELECT wabiz_flag_needs_human($1, $2) AS flagged";

static const char *clear_flag_sql =
  "WITH c AS (UPDATE conversations SET needs_human = false, needs_human_reason = NULL,"
  "     needs_human_at = NULL, updated_at = now()"
  "   WHERE phone = $1 AND needs_human RETURNING phone)"
  " SELECT wabiz_notify('conversations', c.phone) FROM c";

/* the last messages of a conversation, oldest first */
static const char *history_sql =
  "SELECT direction, type,"
  "   coalesce(nullif(btrim(message), ''), nullif(btrim(caption), ''), '') AS text"
  " FROM (SELECT direction, type, message, caption, \"timestamp\", id FROM messages"
  "        WHERE phone = $1 AND type <> 'reaction'"
  "          AND NOT (direction = 'outbound' AND status = 'failed')"
  "        ORDER BY \"timestamp\" DESC, id DESC LIMIT $2::int) s"
  " ORDER BY \"timestamp\", id";

/* ------------------------------------------------------------------ */
/* text */

char *
_wabiz_ai_jobs_fold (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *decomposed = g_utf8_normalize (valid, -1, G_NORMALIZE_NFD);
  GString *bare = g_string_new (NULL);

  for (const char *p = decomposed; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) != G_UNICODE_NON_SPACING_MARK)
        g_string_append_unichar (bare, c);
    }
  {
    g_autofree char *stripped = g_string_free (bare, FALSE);

    return g_utf8_casefold (stripped, -1);
  }
}

static gboolean
is_word_char (const char *p)
{
  gunichar c = g_utf8_get_char (p);

  return g_unichar_isalnum (c) || c == '_';
}

gboolean
_wabiz_ai_jobs_has_phrase (const char *folded,
                           const char *folded_phrase)
{
  gsize len = strlen (folded_phrase);

  if (len == 0)
    return FALSE;
  for (const char *hit = strstr (folded, folded_phrase); hit != NULL;
       hit = strstr (g_utf8_next_char (hit), folded_phrase))
    {
      gboolean start_ok = hit == folded || !is_word_char (g_utf8_find_prev_char (folded, hit));
      gboolean end_ok = hit[len] == '\0' || !is_word_char (hit + len);

      if (start_ok && end_ok)
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_any (const char         *text,
         const char * const *phrases)
{
  g_autofree char *folded = _wabiz_ai_jobs_fold (text);

  for (guint i = 0; phrases[i] != NULL; i++)
    {
      g_autofree char *phrase = _wabiz_ai_jobs_fold (phrases[i]);

      if (_wabiz_ai_jobs_has_phrase (folded, phrase))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (!g_unichar_isspace (g_utf8_get_char (p)))
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Gemini's request */

static void
append_hours (GString               *out,
              WabizBusinessSettings *settings)
{
  if (!wabiz_business_settings_get_has_hours (settings))
    {
      g_string_append (out, "Business hours: not given.\n");
      return;
    }
  g_string_append_printf (out, "Business hours (time zone %s):",
                          wabiz_business_settings_get_time_zone (settings));
  for (GDateWeekday day = G_DATE_MONDAY; day <= G_DATE_SUNDAY; day++)
    {
      const char *hours = wabiz_business_settings_get_hours (settings, day);

      g_string_append_printf (out, " %s %s;", day_names[day - 1],
                              *hours != '\0' ? hours : "closed");
    }
  g_string_truncate (out, out->len - 1);
  g_string_append (out, ".\n");
}

/* The request for the business's next message to a customer: the
 * profile and the rules as the system instruction, the conversation as
 * turns (the customer's as the user's, the business's as the model's).
 * With @structured the answer is JSON: the intent of the customer's last
 * message, and the reply. */
static WabizGeminiRequest *
build_reply_request (WabizBusinessSettings *settings,
                     WabizDbResult         *history,
                     GDateTime             *now,
                     gboolean               structured)
{
  WabizGeminiRequest *request = wabiz_gemini_request_new ();
  g_autoptr(GString) system = g_string_new (NULL);
  g_autoptr(GDateTime) local = wabiz_business_settings_to_local (settings, now);
  const char *profile = wabiz_business_settings_get_profile (settings);
  gboolean any_user = FALSE;
  WabizGeminiRole last = WABIZ_GEMINI_ROLE_MODEL;

  /* Not translated: it is for Gemini. */
  g_string_append (system,
                   "You answer WhatsApp messages on behalf of a small business: write the "
                   "business's next message to the customer, answering what the customer "
                   "wrote last.\n");
  g_string_append_printf (system, "What the business says about itself: %s\n",
                          !is_blank (profile) ? profile : "(nothing yet)");
  append_hours (system, settings);
  g_string_append_printf (system, "It is %s %02d:%02d there now%s.\n",
                          day_names[g_date_time_get_day_of_week (local) - 1],
                          g_date_time_get_hour (local), g_date_time_get_minute (local),
                          wabiz_business_settings_is_open_at (settings, now) ? ""
                                                                            : "; the business is closed");
  g_string_append (system,
                   "Rules: at most three short sentences, in the customer's language, friendly "
                   "and plain. Never invent prices, stock, dates, addresses or promises that "
                   "the business's own words above do not give; when unsure, say that a team "
                   "member will reply soon. Do not say that you are an AI unless asked.");
  if (structured)
    g_string_append (system,
                     "\nAnswer with JSON: intent is what the customer's last message is about "
                     "(question, order, complaint when the customer is unhappy about something "
                     "that happened, opt_out when they want no more messages, greeting, "
                     "other); reply is the message to send.");
  else
    g_string_append (system, "\nAnswer with the message only.");
  wabiz_gemini_request_set_system_instruction (request, system->str);

  for (guint i = 0; i < wabiz_db_result_get_n_rows (history); i++)
    {
      gboolean inbound = g_strcmp0 (wabiz_db_result_get (history, i, "direction"), "inbound") == 0;
      const char *text = wabiz_db_result_get (history, i, "text");
      g_autofree char *turn = NULL;

      /* Gemini's conversations open with the user */
      if (!inbound && !any_user)
        continue;
      if (text == NULL || *text == '\0')
        turn = g_strdup_printf ("[%s]", wabiz_db_result_get (history, i, "type"));
      else
        turn = g_utf8_make_valid (text, -1);
      if (g_utf8_strlen (turn, -1) > HISTORY_MESSAGE_CHARS)
        *g_utf8_offset_to_pointer (turn, HISTORY_MESSAGE_CHARS) = '\0';
      last = inbound ? WABIZ_GEMINI_ROLE_USER : WABIZ_GEMINI_ROLE_MODEL;
      any_user |= inbound;
      wabiz_gemini_request_add_text (request, last, turn);
    }
  if (last != WABIZ_GEMINI_ROLE_USER)
    wabiz_gemini_request_add_text (request, WABIZ_GEMINI_ROLE_USER,
                                   "(No new message from the customer: write the business's "
                                   "next message.)");

  wabiz_gemini_request_set_temperature (request, 0.6);
  /* room for a thinking model's thoughts too */
  wabiz_gemini_request_set_max_output_tokens (request, 2048);
  if (structured)
    {
      g_autoptr(JsonObject) schema = NULL;

      schema = _wabiz_ai_jobs_object_schema ("intent", _wabiz_ai_jobs_string_schema (reply_intents),
                                             "reply", _wabiz_ai_jobs_string_schema (NULL),
                                             NULL);
      wabiz_gemini_request_set_response_schema (request, schema);
    }
  return request;
}

/* A draft as it may be sent: trimmed, not empty, not too long */
static char *
check_draft (const char  *text,
             GError     **error)
{
  g_autofree char *draft = g_strstrip (g_utf8_make_valid (text != NULL ? text : "", -1));

  if (*draft == '\0' || g_utf8_strlen (draft, -1) > MAX_REPLY_CHARS)
    {
      g_set_error_literal (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BAD_RESPONSE,
                           *draft == '\0' ? "Gemini's reply is empty"
                                          : "Gemini's reply is too long for WhatsApp");
      return NULL;
    }
  return g_steal_pointer (&draft);
}

static gboolean
parse_reply (const char  *text,
             char       **intent,
             char       **reply,
             GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  const char *i;

  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BAD_RESPONSE,
                           "Gemini's reply is not a JSON object");
      return FALSE;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  i = json_object_get_string_member_with_default (object, "intent", "other");
  *reply = check_draft (json_object_get_string_member_with_default (object, "reply", NULL), error);
  if (*reply == NULL)
    return FALSE;
  *intent = g_strdup (g_strv_contains (reply_intents, i) ? i : "other");
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* the steps of a reply */

static void
add_outcome (AiJob      *job,
             const char *what)
{
  if (job->outcome->len > 0)
    g_string_append_c (job->outcome, ',');
  g_string_append (job->outcome, what);
}

static void
run_query (AiJob               *job,
           const char          *sql,
           int                  n_params,
           const char * const  *params,
           GAsyncReadyCallback  callback)
{
  wabiz_db_query_async (wabiz_worker_get_db (WABIZ_WORKER (job->self)), sql, n_params, params, NULL,
                        callback, job);
}

/* Ends @job for an error of the database or the outbox: tried again
 * later */
static void
fail_job (AiJob        *job,
          const GError *error)
{
  _wabiz_ai_jobs_end (job, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                             ? AI_JOB_RELEASE : AI_JOB_RETRY,
                      job->outcome->str, error);
}

/* Nothing was sent for the reservation: it goes back when the job ends
 * (in the same transaction, while the job is still this process's) */
static void
release_reservation (AiJob *job)
{
  g_clear_pointer (&job->reserved_kind, g_free);
  if (job->reservation == NULL)
    return;
  if (job->releases == NULL)
    job->releases = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (job->releases, g_steal_pointer (&job->reservation));
}

static void
marked_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AiJob *job = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    g_warning ("Message queued but not marked as automatic (job %s): %s", job->id, error->message);

  add_outcome (job, job->reserved_kind);
  g_clear_pointer (&job->reservation, g_free);
  g_clear_pointer (&job->reserved_kind, g_free);
  job->next (job);
}

static void
queued_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AiJob *job = user_data;
  g_autofree char *uuid = NULL;
  g_autoptr(GError) error = NULL;

  uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);
  if (uuid == NULL)
    {
      release_reservation (job);
      if (g_error_matches (error, WABIZ_ERROR, WABIZ_ERROR_WINDOW_CLOSED))
        {
          add_outcome (job, "window_closed");
          finish_step (job);
          return;
        }
      fail_job (job, error);
      return;
    }

  job->self->n_sent++;
  g_debug ("Job %s queued its %s as message %s", job->id, job->reserved_kind, uuid);
  {
    const char *params[] = { job->reservation, uuid };

    run_query (job, queued_sql, 2, params, marked_cb);
  }
}

/* Sends @text for the reservation held, then goes on with job->next */
static void
queue_reserved (AiJob      *job,
                const char *text)
{
  g_autoptr(WabizOutgoing) message = wabiz_outgoing_new_text (job->phone, text);

  /* not cancellable: once asked for, the row is written or not at all */
  wabiz_outbox_queue_async (wabiz_worker_get_outbox (WABIZ_WORKER (job->self)), message, NULL,
                            queued_cb, job);
}

typedef struct
{
  AiJob *job;
  char  *text;  /* (owned) (nullable): a canned message; NULL: the auto-reply */
} Reserve;

static void
reserved_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Reserve *reserve = user_data;
  AiJob *job = reserve->job;
  g_autofree char *text = g_steal_pointer (&reserve->text);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  const char *id;

  g_free (reserve);
  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      g_clear_pointer (&job->reserved_kind, g_free);
      fail_job (job, error);
      return;
    }

  id = wabiz_db_result_get (res, 0, "id");
  if (id == NULL)
    {
      /* sent already to this customer within the interval */
      g_debug ("Job %s: no %s, one went within its interval", job->id, job->reserved_kind);
      if (g_str_equal (job->reserved_kind, "auto_reply"))
        add_outcome (job, "interval");
      g_clear_pointer (&job->reserved_kind, g_free);
      job->next (job);
      return;
    }

  job->reservation = g_strdup (id);
  if (text != NULL)
    queue_reserved (job, text);
  else
    job->next (job);
}

/* Reserves a @kind message (at most one per @interval minutes), then
 * queues @text, or with @text NULL (the auto-reply) just holds it; then
 * job->next. */
static void
reserve (AiJob      *job,
         const char *kind,
         const char *text,
         guint       interval_minutes,
         AiJobStep   next)
{
  g_autofree char *interval = g_strdup_printf ("%u", interval_minutes * 60);
  g_autofree char *hold = g_strdup_printf ("%d", HOLD_SECONDS);
  const char *params[] = { job->phone, kind, job->message_id, interval, hold };
  Reserve *data = g_new0 (Reserve, 1);

  g_assert (job->reservation == NULL);

  data->job = job;
  data->text = g_strdup (text);
  job->reserved_kind = g_strdup (kind);
  job->next = next;
  wabiz_db_query_async (wabiz_worker_get_db (WABIZ_WORKER (job->self)), reserve_sql, 5, params, NULL,
                        reserved_cb, data);
}

static void
finish_step (AiJob *job)
{
  _wabiz_ai_jobs_end (job, AI_JOB_DONE, job->outcome->len > 0 ? job->outcome->str : "none", NULL);
}

/* Where @wanted, sends the canned message @text (unless blank) of @kind,
 * at most once every @interval_minutes, then goes on with @next */
static void
canned_step (AiJob      *job,
             const char *kind,
             gboolean    wanted,
             const char *text,
             guint       interval_minutes,
             AiJobStep   next)
{
  if (wanted && !is_blank (text))
    reserve (job, kind, text, interval_minutes, next);
  else
    next (job);
}

static void
away_step (AiJob *job)
{
  WabizBusinessSettings *settings = job->settings;

  canned_step (job, "away",
               job->away_allowed && wabiz_business_settings_get_away_enabled (settings) &&
               !job->open_now,
               wabiz_business_settings_get_away_text (settings),
               wabiz_business_settings_get_away_interval (settings), finish_step);
}

static void
flagged_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AiJob *job = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      fail_job (job, error);
      return;
    }
  /* the away message still says when someone will answer */
  away_step (job);
}

/* Auto-replies stop here until a person clears the flag */
static void
hand_over (AiJob      *job,
           const char *reason)
{
  const char *params[] = { job->phone, reason };

  g_message ("Job %s: conversation flagged for a person (%s)", job->id, reason);
  add_outcome (job, reason);
  add_outcome (job, "needs_human");
  run_query (job, flag_sql, 2, params, flagged_cb);
}

static void
drafted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AiJob *job = user_data;
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *intent = NULL;
  g_autofree char *reply = NULL;

  response = wabiz_gemini_client_generate_finish (WABIZ_GEMINI_CLIENT (object), result, &error);
  if (response != NULL)
    parse_reply (response->text, &intent, &reply, &error);

  if (error != NULL)
    {
      release_reservation (job);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _wabiz_ai_jobs_end (job, AI_JOB_RELEASE, NULL, NULL);
      else if (_wabiz_ai_jobs_error_is_transient (error))
        _wabiz_ai_jobs_end (job, AI_JOB_RETRY, job->outcome->str, error);
      else
        {
          /* Gemini will not answer this one: the away message may */
          g_message ("Job %s: no auto-reply: %s", job->id, error->message);
          add_outcome (job, "declined");
          job->away_allowed = TRUE;
          away_step (job);
        }
      return;
    }

  if (g_str_equal (intent, "complaint"))
    {
      release_reservation (job);
      job->away_allowed = TRUE;
      hand_over (job, "complaint");
      return;
    }

  job->next = finish_step;
  queue_reserved (job, reply);
}

static void
history_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AiJob *job = user_data;
  g_autoptr(WabizDbResult) history = NULL;
  g_autoptr(WabizGeminiRequest) request = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GError) error = NULL;

  history = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (history == NULL)
    {
      release_reservation (job);
      fail_job (job, error);
      return;
    }
  if (wabiz_worker_is_stopped (WABIZ_WORKER (job->self)))
    {
      release_reservation (job);
      _wabiz_ai_jobs_end (job, AI_JOB_RELEASE, NULL, NULL);
      return;
    }

  now = _wabiz_ai_jobs_dup_now (job->self);
  request = build_reply_request (job->settings, history, now, TRUE);
  wabiz_gemini_client_generate_async (job->self->gemini, request,
                                      wabiz_worker_get_cancellable (WABIZ_WORKER (job->self)), drafted_cb,
                                      job);
}

/* The auto-reply's turn is held: draft it */
static void
draft_step (AiJob *job)
{
  g_autofree char *limit = g_strdup_printf ("%d", HISTORY_MESSAGES);
  const char *params[] = { job->phone, limit };

  if (job->reservation == NULL)
    {
      /* the interval: an auto-reply went a moment ago, and the away
       * message is not wanted on top of it */
      finish_step (job);
      return;
    }
  run_query (job, history_sql, 2, params, history_cb);
}

static gboolean
mode_answers (AiJob *job)
{
  WabizBusinessSettings *settings = job->settings;

  switch (wabiz_business_settings_get_auto_reply_mode (settings))
    {
    case WABIZ_AUTO_REPLY_ALWAYS:
      return TRUE;
    case WABIZ_AUTO_REPLY_OUTSIDE_HOURS:
      return !job->open_now;
    case WABIZ_AUTO_REPLY_KEYWORDS:
      return has_any (job->text, wabiz_business_settings_get_auto_reply_keywords (settings));
    case WABIZ_AUTO_REPLY_OFF:
    default:
      return FALSE;
    }
}

static void
auto_reply_step (AiJob *job)
{
  WabizBusinessSettings *settings = job->settings;

  if (!g_str_equal (job->type, "text") || is_blank (job->text) || !mode_answers (job))
    {
      away_step (job);
      return;
    }
  if (job->self->gemini == NULL)
    {
      g_message ("Job %s: no auto-reply without a Gemini API key", job->id);
      add_outcome (job, "no_key");
      away_step (job);
      return;
    }
  if (job->needs_human)
    {
      /* flagged before: a person answers */
      add_outcome (job, "needs_human");
      away_step (job);
      return;
    }
  if (has_any (job->text, human_words))
    {
      hand_over (job, "asked_for_human");
      return;
    }
  if (g_strcmp0 (job->intent, "complaint") == 0)
    {
      hand_over (job, "complaint");
      return;
    }

  /* the auto-reply takes the away message's place */
  job->away_allowed = FALSE;
  reserve (job, "auto_reply", NULL, wabiz_business_settings_get_auto_reply_interval (settings),
           draft_step);
}

static void
greeting_step (AiJob *job)
{
  WabizBusinessSettings *settings = job->settings;

  canned_step (job, "greeting",
               wabiz_business_settings_get_greeting_enabled (settings) && !job->active,
               wabiz_business_settings_get_greeting_text (settings),
               wabiz_business_settings_get_greeting_interval (settings), auto_reply_step);
}

static void
context_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AiJob *job = user_data;
  g_autoptr(WabizDbResult) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = NULL;

  context = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (context == NULL)
    {
      fail_job (job, error);
      return;
    }
  if (wabiz_db_result_get_n_rows (context) == 0)
    {
      _wabiz_ai_jobs_end (job, AI_JOB_DONE, "gone", NULL);
      return;
    }

  job->intent = g_strdup (wabiz_db_result_get (context, 0, "intent"));
  job->window_open = wabiz_db_result_get_bool (context, 0, "window_open");
  job->needs_human = wabiz_db_result_get_bool (context, 0, "needs_human");
  job->active = wabiz_db_result_get_bool (context, 0, "active");
  job->answered = wabiz_db_result_get_bool (context, 0, "answered");
  now = _wabiz_ai_jobs_dup_now (job->self);
  job->open_now = wabiz_business_settings_is_open_at (job->settings, now);
  job->away_allowed = TRUE;

  if (!job->window_open)
    {
      /* WhatsApp takes only templates now */
      _wabiz_ai_jobs_end (job, AI_JOB_DONE, "window_closed", NULL);
      return;
    }
  if (job->answered)
    {
      _wabiz_ai_jobs_end (job, AI_JOB_DONE, "answered", NULL);
      return;
    }
  if (wabiz_db_result_get_bool (context, 0, "opted_out"))
    {
      /* who asked to hear nothing more gets nothing automatic */
      _wabiz_ai_jobs_end (job, AI_JOB_DONE, "opted_out", NULL);
      return;
    }
  greeting_step (job);
}

void
_wabiz_ai_jobs_start_reply (AiJob *job)
{
  WabizBusinessSettings *settings = job->settings;
  g_autofree char *interval = NULL;

  if (!wabiz_business_settings_get_greeting_enabled (settings) &&
      !wabiz_business_settings_get_away_enabled (settings) &&
      wabiz_business_settings_get_auto_reply_mode (settings) == WABIZ_AUTO_REPLY_OFF)
    {
      _wabiz_ai_jobs_end (job, AI_JOB_SKIPPED, "off", NULL);
      return;
    }

  interval = g_strdup_printf ("%u", wabiz_business_settings_get_greeting_interval (settings));
  run_query (job, context_sql, 2, (const char *[]){ job->message_id, interval }, context_cb);
}

/* ------------------------------------------------------------------ */
/* Suggest a reply */

typedef struct
{
  char                  *phone;     /* (owned) */
  WabizBusinessSettings *settings;  /* (owned) (nullable) */
  WabizDbResult         *history;   /* (owned) (nullable) */
} Suggest;

static void
suggest_free (Suggest *suggest)
{
  g_free (suggest->phone);
  g_clear_object (&suggest->settings);
  g_clear_pointer (&suggest->history, wabiz_db_result_unref);
  g_free (suggest);
}

static void
suggest_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Suggest *suggest = task_data;
  g_autofree char *limit = g_strdup_printf ("%d", HISTORY_MESSAGES);
  const char *params[] = { suggest->phone, limit };
  GError *error = NULL;

  suggest->settings = _wabiz_business_settings_load_on_conn (conn, &error);
  if (suggest->settings != NULL)
    suggest->history = wabiz_db_conn_exec (conn, history_sql, 2, params, &error);
  if (suggest->history == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
suggested_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(WabizGeminiResponse) response = NULL;
  GError *error = NULL;
  char *draft;

  response = wabiz_gemini_client_generate_finish (WABIZ_GEMINI_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  draft = check_draft (response->text, &error);
  if (draft == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, draft, g_free);
}

static void
suggest_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizAiJobs *self = g_task_get_source_object (task);
  Suggest *suggest = g_task_get_task_data (G_TASK (result));
  g_autoptr(WabizGeminiRequest) request = NULL;
  g_autoptr(GDateTime) now = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (wabiz_db_result_get_n_rows (suggest->history) == 0)
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND,
                               _("There are no messages with this customer yet, so there is "
                                 "nothing to reply to; write the first message yourself"));
      return;
    }

  now = _wabiz_ai_jobs_dup_now (self);
  request = build_reply_request (suggest->settings, suggest->history, now, FALSE);
  cancellable = g_task_get_cancellable (task);
  wabiz_gemini_client_generate_async (self->gemini, request, cancellable, suggested_cb,
                                      g_steal_pointer (&task));
}

/**
 * wabiz_ai_jobs_suggest_reply_async:
 * @phone: the customer's wa_id
 *
 * Drafts the business's next message to @phone, as an auto-reply would,
 * for the owner to edit and send.
 */
void
wabiz_ai_jobs_suggest_reply_async (WabizAiJobs         *self,
                                   const char          *phone,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) load = NULL;
  Suggest *suggest;

  g_return_if_fail (WABIZ_IS_AI_JOBS (self));
  g_return_if_fail (phone != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_ai_jobs_suggest_reply_async);

  if (self->gemini == NULL)
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_NO_KEY,
                               _("Replies cannot be suggested without a Gemini API key. Enter "
                                 "one in Preferences."));
      return;
    }
  if (*phone == '\0')
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                               _("Choose a conversation first"));
      return;
    }

  suggest = g_new0 (Suggest, 1);
  suggest->phone = g_strdup (phone);
  load = g_task_new (self, cancellable, suggest_loaded_cb, g_steal_pointer (&task));
  g_task_set_source_tag (load, suggest_job);
  g_task_set_task_data (load, suggest, (GDestroyNotify) suggest_free);
  wabiz_db_run_in_thread (wabiz_worker_get_db (WABIZ_WORKER (self)), load, suggest_job);
}

/* Returns: (transfer full): the draft */
char *
wabiz_ai_jobs_suggest_reply_finish (WabizAiJobs   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_AI_JOBS (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_ai_jobs_suggest_reply_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* a person takes over */

static void
return_cleared (GTask         *task,
                WabizDbResult *res)
{
  g_task_return_boolean (task, TRUE);
}

void
wabiz_ai_jobs_clear_needs_human_async (WabizAiJobs         *self,
                                       const char          *phone,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_AI_JOBS (self));
  g_return_if_fail (phone != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_ai_jobs_clear_needs_human_async);
  wabiz_db_query_for_task (wabiz_worker_get_db (WABIZ_WORKER (self)), clear_flag_sql, 1,
                           (const char *[]){ phone }, g_steal_pointer (&task), return_cleared);
}

gboolean
wabiz_ai_jobs_clear_needs_human_finish (WabizAiJobs   *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_AI_JOBS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          wabiz_ai_jobs_clear_needs_human_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
