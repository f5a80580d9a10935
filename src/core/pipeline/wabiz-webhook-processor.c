/* wabiz-webhook-processor.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Stage 2 of receiving (DESIGN.md "Data flows"): pending webhook_events
 * become rows, one transaction per batch: the lead, the message (unique
 * on its wamid, so a redelivery changes nothing), the conversation and
 * the 24-hour window, statuses (forward only, see
 * data/sql/004-webhook-processing.sql), template updates; then the
 * events are marked processed and NOTIFY tells every open window.
 *
 * An event that fails keeps its error and stays pending (processed_at
 * NULL) for wabiz_webhook_processor_reprocess_async(); the events after
 * it go on. An event with a change for another phone number id than the
 * one set up is kept aside the same way, neither processed nor failed,
 * with the reason in skipped_reason and that number in
 * foreign_phone_number_id (012-foreign-numbers.sql): what it holds for
 * this number is written, the rest waits for a reprocess once the setting
 * names that number, and wabiz_webhook_processor_count_foreign_async()
 * says how many wait, for which numbers. A batch first runs without savepoints; only when one of its
 * events fails does it run again with a savepoint around each event.
 * Events are taken FOR UPDATE SKIP LOCKED, so several processors (a
 * desktop and wabizd on one database) never process one event twice.
 */

#define G_LOG_DOMAIN "wabiz-webhook-processor"

#include "config.h"

#include "wabiz-store.h"
#include "wabiz-webhook-parser.h"
#include "wabiz-webhook-processor.h"

#include <string.h>

#define BATCH_SIZE 1000
#define DEFAULT_POLL_INTERVAL_S 15
#define MAX_RETRY_DELAY_S 30
/* after a wake, wait this long so that one batch takes what arrives
 * meanwhile: fewer, larger transactions under load */
#define LINGER_MS 20
/* batches in flight at once, with a pool of 8 connections or more (the
 * app's pool of 4 keeps one, so that its panes' queries never wait for
 * two): while one waits for its commit or for the CPU, another takes
 * the next events. SKIP LOCKED keeps their events
 * apart (as it does for a desktop and wabizd on one database), and each
 * statement locks its rows in one order, by phone or by wamid, so that
 * two batches wait for each other rather than deadlock; were PostgreSQL
 * to find a deadlock all the same, the batch it fails runs again event
 * by event, as after any failure. */
#define MAX_IN_FLIGHT 2
/* While batches write messages, the Analytics summaries (014, 022) are
 * brought up to date in a transaction of their own: inside a batch's, a
 * refresh kept the other batch waiting for the leads and conversations it
 * held (023-analytics-writes.sql). Here it only keeps the changes from
 * piling up (the Analytics refreshes before it reads). It adds the counts
 * that changed (024, 025), but computes the latest turns of each phone
 * written again: the next starts no sooner than REFRESH_SPACING times its
 * duration after it ended, and never within REFRESH_MIN_INTERVAL_S of it,
 * so that refreshing takes at most a twentieth of one connection's time. */
#define REFRESH_MIN_INTERVAL_S 30
#define REFRESH_SPACING 20

struct _WabizWebhookProcessor
{
  GObject    parent_instance;

  WabizDb   *db;                  /* (owned) */
  char      *phone_number_id;     /* (owned) (nullable) */
  gboolean   started;
  gboolean   stopped;
  guint      n_in_flight;         /* batches */
  gboolean   refreshing;          /* the Analytics summaries */
  gint64     refresh_started;     /* monotonic */
  gint64     next_refresh;        /* monotonic, the earliest start of the next */
  guint      max_in_flight;
  gboolean   wake_pending;
  guint      retry_delay_s;
  guint      retry_source;
  guint      linger_source;
  guint      poll_source;
  guint      poll_interval_s;
  guint      run_count;           /* events processed since the run waiters came */
  guint64    n_processed;
  GPtrArray *idle_waiters;        /* (element-type GTask) (owned) */
  GPtrArray *stop_waiters;        /* (element-type GTask) (owned) */
};

G_DEFINE_FINAL_TYPE (WabizWebhookProcessor, wabiz_webhook_processor, G_TYPE_OBJECT)

enum {
  SIGNAL_PROCESSED,
  SIGNAL_KEPT_ASIDE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  char     *phone_number_id;
  gboolean  reprocess;
  gint64    after_id;
  /* results */
  guint     n_events;
  guint     n_processed;
  guint     n_failed;
  guint     n_kept_aside;       /* for another phone number id */
  char     *foreign_example;    /* (nullable) one such id, for the log */
  gint64    last_id;
} BatchJob;

static void
batch_job_free (BatchJob *job)
{
  g_free (job->phone_number_id);
  g_free (job->foreign_example);
  g_free (job);
}

static void schedule_batch (WabizWebhookProcessor *self);

/* ------------------------------------------------------------------ */
/* writing one event (worker thread) */

static gboolean
apply_template (WabizDbConn           *conn,
                WabizWebhookTemplate  *t,
                GError               **error)
{
  g_autoptr(WabizDbResult) res = NULL;

  if (g_str_equal (t->field, "message_template_status_update"))
    {
      const char *params[] = { t->name, t->language, t->template_id, t->time, t->event, t->reason,
                               t->category };

      if (t->event == NULL)
        return TRUE;
      res = wabiz_db_conn_exec (conn,
            "WITH t AS (SELECT CASE WHEN $4::text IS NULL THEN now() ELSE to_timestamp($4::bigint) END AS ts),"
            " upd AS (UPDATE templates SET status = $5::text, rejected_reason = $6::text,"
            "           meta_id = coalesce($3::text, meta_id), category = coalesce($7::text, category),"
            "           meta_status_at = (SELECT ts FROM t), updated_at = now()"
            "         WHERE ((name = $1::text AND language = $2::text) OR ($1::text IS NULL AND meta_id = $3::text))"
            "           AND (meta_status_at IS NULL OR meta_status_at <= (SELECT ts FROM t))"
            "           AND (status, rejected_reason, meta_id, category)"
            "               IS DISTINCT FROM ($5::text, $6::text, coalesce($3::text, meta_id), coalesce($7::text, category))"
            "         RETURNING 1)"
            " INSERT INTO templates (name, language, status, meta_id, rejected_reason, category, meta_status_at)"
            " SELECT $1::text, $2::text, $5::text, $3::text, $6::text, $7::text, ts FROM t"
            " WHERE $1::text IS NOT NULL AND $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM upd)"
            " ON CONFLICT (name, language) DO NOTHING",
            G_N_ELEMENTS (params), params, error);
    }
  else if (g_str_equal (t->field, "message_template_quality_update"))
    {
      const char *params[] = { t->name, t->language, t->template_id, t->time, t->quality };

      if (t->quality == NULL)
        return TRUE;
      res = wabiz_db_conn_exec (conn,
            "WITH t AS (SELECT CASE WHEN $4::text IS NULL THEN now() ELSE to_timestamp($4::bigint) END AS ts),"
            " upd AS (UPDATE templates SET quality_score = $5::text, meta_id = coalesce($3::text, meta_id),"
            "           quality_updated_at = (SELECT ts FROM t), updated_at = now()"
            "         WHERE ((name = $1::text AND language = $2::text) OR ($1::text IS NULL AND meta_id = $3::text))"
            "           AND (quality_updated_at IS NULL OR quality_updated_at <= (SELECT ts FROM t))"
            "           AND quality_score IS DISTINCT FROM $5::text"
            "         RETURNING 1)"
            " INSERT INTO templates (name, language, status, meta_id, quality_score, quality_updated_at)"
            " SELECT $1::text, $2::text, 'APPROVED', $3::text, $5::text, ts FROM t"
            " WHERE $1::text IS NOT NULL AND $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM upd)"
            " ON CONFLICT (name, language) DO NOTHING",
            G_N_ELEMENTS (params), params, error);
    }
  else
    {
      const char *params[] = { t->name, t->language, t->template_id, t->category, t->previous_category };

      if (t->category == NULL)
        return TRUE;
      res = wabiz_db_conn_exec (conn,
            "WITH upd AS (UPDATE templates SET category = $4::text, previous_category = $5::text,"
            "           meta_id = coalesce($3::text, meta_id), updated_at = now()"
            "         WHERE ((name = $1::text AND language = $2::text) OR ($1::text IS NULL AND meta_id = $3::text))"
            "           AND category IS DISTINCT FROM $4::text"
            "         RETURNING 1)"
            " INSERT INTO templates (name, language, status, meta_id, category, previous_category)"
            " SELECT $1::text, $2::text, 'APPROVED', $3::text, $4::text, $5::text"
            " WHERE $1::text IS NOT NULL AND $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM upd)"
            " ON CONFLICT (name, language) DO NOTHING",
            G_N_ELEMENTS (params), params, error);
    }

  return res != NULL;
}

static gboolean
exec_simple (WabizDbConn  *conn,
             const char   *sql,
             GError      **error)
{
  g_autoptr(WabizDbResult) res = wabiz_db_conn_exec (conn, sql, 0, NULL, error);

  return res != NULL;
}

static gboolean
is_unavailable (const GError *error)
{
  return g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ------------------------------------------------------------------ */
/* the fast path: a whole batch in a few set-based statements */

static void
free_error (GError *error)
{
  if (error != NULL)
    g_error_free (error);
}

/* The batch's messages and statuses as JSON arrays for the set-based
 * statements, written straight into a string: a JsonBuilder tree of
 * twenty members a message cost the worker as much as parsing the events
 * did. */
static void
append_member (GString    *out,
               const char *name,
               const char *value)
{
  g_string_append_printf (out, "%s\"%s\":", out->str[out->len - 1] == '{' ? "" : ",", name);
  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* @json: a JSON text the parser wrote, embedded as it is, so that the
 * server parses it once (as part of the array) rather than again from a
 * string; NULL leaves the member out (SQL NULL, as a JSON null string
 * gave before) */
static void
append_json_member (GString    *out,
                    const char *name,
                    const char *json)
{
  if (json != NULL)
    g_string_append_printf (out, "%s\"%s\":%s", out->str[out->len - 1] == '{' ? "" : ",", name, json);
}

/* Of every payload of a batch (NULL for an event that failed to parse),
 * the items of one kind in order: messages, statuses or templates, as
 * @kind, G_STRUCT_OFFSET() of their array in WabizWebhookPayload. */
static GPtrArray *
batch_items (GPtrArray *payloads,
             glong      kind)
{
  GPtrArray *items = g_ptr_array_new ();

  for (guint i = 0; i < payloads->len; i++)
    {
      WabizWebhookPayload *payload = g_ptr_array_index (payloads, i);
      GPtrArray *of_payload = payload != NULL ? G_STRUCT_MEMBER (GPtrArray *, payload, kind) : NULL;

      for (guint j = 0; of_payload != NULL && j < of_payload->len; j++)
        g_ptr_array_add (items, g_ptr_array_index (of_payload, j));
    }
  return items;
}

/* How one member of a message or status goes into the batch's JSON */
typedef struct
{
  const char *name;
  enum { MEMBER_TEXT, MEMBER_JSON, MEMBER_BOOLEAN } kind; /* JSON: a JSON text embedded as it is */
  glong       offset;                   /* in the parser's struct */
} Member;

#define MESSAGE_MEMBER(name, kind, field) { name, kind, G_STRUCT_OFFSET (WabizWebhookMessage, field) }
#define STATUS_MEMBER(name, kind, field) { name, kind, G_STRUCT_OFFSET (WabizWebhookStatus, field) }

static const Member message_members[] = {
  MESSAGE_MEMBER ("wamid", MEMBER_TEXT, wamid), MESSAGE_MEMBER ("from", MEMBER_TEXT, from),
  MESSAGE_MEMBER ("profile_name", MEMBER_TEXT, profile_name), MESSAGE_MEMBER ("timestamp", MEMBER_TEXT, timestamp),
  MESSAGE_MEMBER ("type", MEMBER_TEXT, type), MESSAGE_MEMBER ("text", MEMBER_TEXT, text),
  MESSAGE_MEMBER ("caption", MEMBER_TEXT, caption), MESSAGE_MEMBER ("media_type", MEMBER_TEXT, media_type),
  MESSAGE_MEMBER ("media_id", MEMBER_TEXT, media_id), MESSAGE_MEMBER ("media_mime", MEMBER_TEXT, media_mime),
  MESSAGE_MEMBER ("media_sha256", MEMBER_TEXT, media_sha256), MESSAGE_MEMBER ("media_filename", MEMBER_TEXT, media_filename),
  MESSAGE_MEMBER ("reply_to", MEMBER_TEXT, reply_to), MESSAGE_MEMBER ("forwarded", MEMBER_BOOLEAN, forwarded),
  MESSAGE_MEMBER ("error_code", MEMBER_TEXT, error_code), MESSAGE_MEMBER ("error_title", MEMBER_TEXT, error_title),
  MESSAGE_MEMBER ("error_details", MEMBER_TEXT, error_details), MESSAGE_MEMBER ("content", MEMBER_JSON, content_json),
  MESSAGE_MEMBER ("referral", MEMBER_JSON, referral_json), MESSAGE_MEMBER ("raw", MEMBER_JSON, raw_json),
};

static const Member status_members[] = {
  STATUS_MEMBER ("wamid", MEMBER_TEXT, wamid), STATUS_MEMBER ("status", MEMBER_TEXT, status),
  STATUS_MEMBER ("timestamp", MEMBER_TEXT, timestamp), STATUS_MEMBER ("error_code", MEMBER_TEXT, error_code),
  STATUS_MEMBER ("error_title", MEMBER_TEXT, error_title), STATUS_MEMBER ("error_details", MEMBER_TEXT, error_details),
  STATUS_MEMBER ("conversation", MEMBER_JSON, conversation_json), STATUS_MEMBER ("pricing", MEMBER_JSON, pricing_json),
};

/* @items (messages or statuses) as a JSON array of objects of @members */
static char *
items_to_json (GPtrArray    *items,
               const Member *members,
               guint         n_members)
{
  GString *out = g_string_sized_new (512 * (items->len + 1));

  g_string_append_c (out, '[');
  for (guint i = 0; i < items->len; i++)
    {
      gpointer item = g_ptr_array_index (items, i);

      g_string_append (out, out->len > 1 ? ",{" : "{");
      for (guint j = 0; j < n_members; j++)
        {
          if (members[j].kind == MEMBER_BOOLEAN)
            append_member (out, members[j].name,
                           G_STRUCT_MEMBER (gboolean, item, members[j].offset) ? "true" : "false");
          else if (members[j].kind == MEMBER_JSON)
            append_json_member (out, members[j].name, G_STRUCT_MEMBER (char *, item, members[j].offset));
          else
            append_member (out, members[j].name, G_STRUCT_MEMBER (char *, item, members[j].offset));
        }
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

/* One element of a PostgreSQL array literal: NULL, or quoted */
static void
append_array_element (GString    *out,
                      const char *value)
{
  if (out->len > 1)
    g_string_append_c (out, ',');
  if (value == NULL)
    {
      g_string_append (out, "NULL");
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The senders of the batch's messages, their profile names and the
 * messages' times, in order, as three array literals for upsert_leads_sql */
static void
senders_to_arrays (GPtrArray *messages,
                   char     **phones,
                   char     **names,
                   char     **times)
{
  GString *p = g_string_new ("{");
  GString *n = g_string_new ("{");
  GString *t = g_string_new ("{");

  for (guint i = 0; i < messages->len; i++)
    {
      WabizWebhookMessage *m = g_ptr_array_index (messages, i);

      append_array_element (p, m->from);
      append_array_element (n, m->profile_name);
      append_array_element (t, m->timestamp);
    }
  g_string_append_c (p, '}');
  g_string_append_c (n, '}');
  g_string_append_c (t, '}');
  *phones = g_string_free (p, FALSE);
  *names = g_string_free (n, FALSE);
  *times = g_string_free (t, FALSE);
}

static void
add_phones (GHashTable    *touched,
            WabizDbResult *res)
{
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      const char *phone = wabiz_db_result_get_nth (res, i, 0);

      if (phone != NULL)
        g_hash_table_add (touched, g_strdup (phone));
    }
}

/* Inbound messages, set-based: leads first, then messages, and their
 * conversations with the leads' last contact. What a lead and a
 * conversation become is 010-shared-writes.sql's, which the outbox and
 * the store call with one element. */
static const char *upsert_leads_sql =
  /* text arrays (senders, profile names, epoch seconds), cheaper for the
   * server to read than the messages' JSON a second time. The times are
   * the messages' own, as insert_messages_sql reads them (the same now()
   * in one transaction): a lead created here starts with its conversation's
   * last contact, so that the conversation's touch does not write it again
   * (026-new-lead-contact.sql). */
  "SELECT count(*) FROM wabiz_upsert_leads($1::text[], $2::text[],"
  "  ARRAY(SELECT CASE WHEN t IS NULL THEN now() ELSE to_timestamp(t::bigint) END"
  "          FROM unnest($3::text[]) WITH ORDINALITY AS u(t, ord) ORDER BY ord))";

static const char *insert_messages_sql =
  "WITH src AS (SELECT x.m, x.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(m, ord)),"
  " ins AS (INSERT INTO messages (phone, message, sender, direction, status, message_id, media_type, caption,"
  "     \"timestamp\", type, lead_id, reply_to, forwarded, media_id, media_mime, media_sha256, media_filename,"
  "     content, referral, raw, error_code, error_title, error_details)"
  "   SELECT m->>'from', m->>'text', 'Customer', 'inbound', 'received', m->>'wamid', m->>'media_type',"
  "     m->>'caption', CASE WHEN m->>'timestamp' IS NULL THEN now() ELSE to_timestamp((m->>'timestamp')::bigint) END,"
  "     m->>'type', l.id, m->>'reply_to', (m->>'forwarded')::boolean, m->>'media_id', m->>'media_mime',"
  "     m->>'media_sha256', m->>'media_filename', m->'content', m->'referral',"
  "     m->'raw', (m->>'error_code')::int, m->>'error_title', m->>'error_details'"
  "   FROM src JOIN leads l ON l.phone = src.m->>'from' ORDER BY src.m->>'wamid', src.ord"
  "   ON CONFLICT (message_id) DO NOTHING"
  "   RETURNING phone, lead_id, \"timestamp\", coalesce(nullif(message, ''), '[' || type || ']') AS preview),"
  " agg AS (SELECT phone, (array_agg(lead_id))[1] AS lead_id, count(*)::int AS n, max(\"timestamp\") AS ts,"
  "     (array_agg(preview ORDER BY \"timestamp\" DESC))[1] AS preview FROM ins GROUP BY phone),"
  " batch AS (SELECT array_agg(phone ORDER BY phone) AS phones, array_agg(lead_id ORDER BY phone) AS leads,"
  "     array_agg(n ORDER BY phone) AS counts, array_agg(preview ORDER BY phone) AS previews,"
  "     array_agg(ts ORDER BY phone) AS times, array_agg('inbound'::text) AS directions FROM agg)"
  " SELECT t.phone FROM batch,"
  "   wabiz_touch_conversations(batch.phones, batch.leads, batch.counts, batch.previews, batch.times,"
  "                             batch.directions) AS t";

static const char *apply_statuses_sql =
  "WITH src AS (SELECT x.s, x.ord,"
  "     CASE WHEN x.s->>'timestamp' IS NULL THEN now() ELSE to_timestamp((x.s->>'timestamp')::bigint) END AS at"
  "   FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(s, ord)),"
  " applied AS MATERIALIZED (SELECT s, ord, at, wabiz_apply_status(s->>'wamid', s->>'status', at,"
  "     (s->>'error_code')::int, s->>'error_title', s->>'error_details', s->'conversation',"
  "     s->'pricing') AS phone FROM src ORDER BY s->>'wamid', ord),"
  /* not there yet: looked for again in the wamid's turn, else kept (030) */
  " early AS MATERIALIZED (SELECT wabiz_keep_early_status(s->>'wamid', s->>'status', at,"
  "     (s->>'error_code')::int, s->>'error_title', s->>'error_details', s->'conversation',"
  "     s->'pricing') AS phone FROM applied WHERE phone IS NULL ORDER BY s->>'wamid', ord)"
  " SELECT phone FROM applied WHERE phone IS NOT NULL"
  " UNION SELECT phone FROM early WHERE phone IS NOT NULL";

/* The turns of the wamids whose message is not there yet (030), in one
 * order, before the batch locks any lead, message or conversation: the
 * outbox storing such a wamid takes its turn first thing too, so the
 * two never wait for each other both ways. */
static const char *lock_unknown_wamids_sql =
  "SELECT pg_advisory_xact_lock (hashtextextended ('wabiz-wamid:' || w, 0))"
  " FROM (SELECT DISTINCT w FROM unnest($1::text[]) w"
  "        WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.message_id = w)"
  "        ORDER BY 1) x";

static gboolean
lock_unknown_wamids (WabizDbConn  *conn,
                     GPtrArray    *payloads,
                     GError      **error)
{
  g_autoptr(GPtrArray) statuses = batch_items (payloads, G_STRUCT_OFFSET (WabizWebhookPayload, statuses));
  g_autoptr(WabizDbResult) locked = NULL;
  g_autoptr(GString) wamids = NULL;
  const char *params[1];

  if (statuses->len == 0)
    return TRUE;
  wamids = g_string_new ("{");
  for (guint i = 0; i < statuses->len; i++)
    append_array_element (wamids, ((WabizWebhookStatus *) g_ptr_array_index (statuses, i))->wamid);
  g_string_append_c (wamids, '}');
  params[0] = wamids->str;
  locked = wabiz_db_conn_exec_prepared (conn, lock_unknown_wamids_sql, 1, params, error);
  return locked != NULL;
}

static gboolean
apply_batch (WabizDbConn  *conn,
             GPtrArray    *payloads,
             GHashTable   *touched,
             gboolean     *templates_changed,
             GError      **error)
{
  g_autoptr(GPtrArray) messages = batch_items (payloads, G_STRUCT_OFFSET (WabizWebhookPayload, messages));
  g_autoptr(GPtrArray) statuses = batch_items (payloads, G_STRUCT_OFFSET (WabizWebhookPayload, statuses));
  g_autoptr(GPtrArray) templates = batch_items (payloads, G_STRUCT_OFFSET (WabizWebhookPayload, templates));

  if (messages->len > 0)
    {
      g_autoptr(WabizDbResult) leads = NULL;
      g_autoptr(WabizDbResult) stored = NULL;
      g_autofree char *json = items_to_json (messages, message_members, G_N_ELEMENTS (message_members));
      g_autofree char *phones = NULL;
      g_autofree char *names = NULL;
      g_autofree char *times = NULL;
      const char *params[] = { json };
      const char *lead_params[3];

      senders_to_arrays (messages, &phones, &names, &times);
      lead_params[0] = phones;
      lead_params[1] = names;
      lead_params[2] = times;
      leads = wabiz_db_conn_exec_prepared (conn, upsert_leads_sql, 3, lead_params, error);
      if (leads == NULL)
        return FALSE;
      stored = wabiz_db_conn_exec_prepared (conn, insert_messages_sql, 1, params, error);
      if (stored == NULL)
        return FALSE;
      add_phones (touched, stored);
    }

  if (statuses->len > 0)
    {
      g_autoptr(WabizDbResult) applied = NULL;
      g_autofree char *json = items_to_json (statuses, status_members, G_N_ELEMENTS (status_members));
      const char *params[] = { json };

      applied = wabiz_db_conn_exec_prepared (conn, apply_statuses_sql, 1, params, error);
      if (applied == NULL)
        return FALSE;
      add_phones (touched, applied);
    }

  for (guint i = 0; i < templates->len; i++)
    {
      if (!apply_template (conn, g_ptr_array_index (templates, i), error))
        return FALSE;
      *templates_changed = TRUE;
    }

  return TRUE;
}

/* One event on its own (inside a savepoint): the same statements as a
 * batch, so that an event is written one way whichever path it takes */
static gboolean
apply_payload (WabizDbConn          *conn,
               WabizWebhookPayload  *payload,
               GHashTable           *touched,
               gboolean             *templates_changed,
               GError              **error)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_ptr_array_add (one, payload);
  return apply_batch (conn, one, touched, templates_changed, error);
}

/* One pass over a batch inside the caller's transaction. Without
 * @savepoints, the whole batch goes in a few set-based statements and
 * the first failure stops the pass with *retry_with_savepoints set; with
 * them, each event is written on its own so that one failing event
 * keeps its error while the others are processed. */
static gboolean
run_batch (WabizDbConn  *conn,
           BatchJob     *job,
           gboolean      savepoints,
           gboolean     *retry_with_savepoints,
           GError      **error)
{
  g_autoptr(WabizDbResult) rows = NULL;
  g_autoptr(GHashTable) touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) done_ids = g_string_new ("{");
  g_autoptr(GPtrArray) failed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) aside_ids = g_string_new ("{");
  g_autoptr(GString) aside_numbers = g_string_new ("{");
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_webhook_payload_free);
  g_autoptr(GPtrArray) parse_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) free_error);
  g_autofree char *after = g_strdup_printf ("%" G_GINT64_FORMAT, job->after_id);
  gboolean templates_changed = FALSE;
  const char *params[] = { after };
  GHashTableIter iter;
  gpointer key;

  job->n_events = job->n_processed = job->n_failed = job->n_kept_aside = 0;
  g_clear_pointer (&job->foreign_example, g_free);

  /* the oldest pending events, FOR UPDATE SKIP LOCKED, by an index walk
   * whose cost does not grow with the backlog (005-webhook-batches.sql) */
  rows = wabiz_db_conn_exec_prepared (conn,
                             job->reprocess
                             ? "SELECT id, body FROM wabiz_next_webhook_events($1::bigint, "
                               G_STRINGIFY (BATCH_SIZE) ", true)"
                             : "SELECT id, body FROM wabiz_next_webhook_events($1::bigint, "
                               G_STRINGIFY (BATCH_SIZE) ", false)",
                             1, params, error);
  if (rows == NULL)
    return FALSE;

  job->n_events = wabiz_db_result_get_n_rows (rows);

  /* parse everything first: no database work */
  for (guint i = 0; i < job->n_events; i++)
    {
      const char *id = wabiz_db_result_get (rows, i, "id");
      const char *body = wabiz_db_result_get (rows, i, "body");
      GError *parse_error = NULL;

      job->last_id = MAX (job->last_id, g_ascii_strtoll (id, NULL, 10));
      g_ptr_array_add (payloads, wabiz_webhook_parse (body, strlen (body), job->phone_number_id, &parse_error));
      g_ptr_array_add (parse_errors, parse_error);
    }

  if (!lock_unknown_wamids (conn, payloads, error))
    return FALSE;

  if (!savepoints)
    {
      g_autoptr(GError) local_error = NULL;

      if (!apply_batch (conn, payloads, touched, &templates_changed, &local_error))
        {
          if (!is_unavailable (local_error))
            {
              g_debug ("A batch failed as a whole (%s); writing its events one by one", local_error->message);
              *retry_with_savepoints = TRUE;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  for (guint i = 0; i < job->n_events; i++)
    {
      const char *id = wabiz_db_result_get (rows, i, "id");
      WabizWebhookPayload *payload = g_ptr_array_index (payloads, i);
      g_autoptr(GError) local_error = NULL;

      if (payload == NULL)
        local_error = g_error_copy (g_ptr_array_index (parse_errors, i));
      else if (savepoints)
        {
          if (!exec_simple (conn, "SAVEPOINT wabiz_event", error))
            return FALSE;

          if (!apply_payload (conn, payload, touched, &templates_changed, &local_error))
            {
              if (is_unavailable (local_error))
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return FALSE;
                }
              if (!exec_simple (conn, "ROLLBACK TO SAVEPOINT wabiz_event", error))
                return FALSE;
            }
          else if (!exec_simple (conn, "RELEASE SAVEPOINT wabiz_event", error))
            return FALSE;
        }

      if (local_error != NULL)
        {
          g_warning ("Webhook event %s cannot be processed and stays pending: %s", id,
                     local_error->message);
          g_ptr_array_add (failed, g_strdup (id));
          g_ptr_array_add (failed, g_utf8_strlen (local_error->message, -1) > 1000
                                   ? g_utf8_substring (local_error->message, 0, 1000)
                                   : g_strdup (local_error->message));
          job->n_failed++;
        }
      else if (payload->foreign_phone_number_id != NULL)
        {
          /* written for this number; kept for the other one */
          g_string_append_printf (aside_ids, "%s%s", job->n_kept_aside > 0 ? "," : "", id);
          append_array_element (aside_numbers, payload->foreign_phone_number_id);
          if (job->foreign_example == NULL)
            job->foreign_example = g_strdup (payload->foreign_phone_number_id);
          job->n_kept_aside++;
        }
      else
        {
          g_string_append_printf (done_ids, "%s%s", job->n_processed > 0 ? "," : "", id);
          job->n_processed++;
        }
    }
  g_string_append_c (done_ids, '}');
  g_string_append_c (aside_ids, '}');
  g_string_append_c (aside_numbers, '}');

  if (job->n_processed > 0)
    {
      g_autoptr(WabizDbResult) res = NULL;
      const char *done_params[] = { done_ids->str };

      res = wabiz_db_conn_exec_prepared (conn,
                                "UPDATE webhook_events SET processed_at = now(), attempts = attempts + 1,"
                                " error = NULL, skipped_reason = NULL, foreign_phone_number_id = NULL"
                                " WHERE id = ANY($1::bigint[])",
                                1, done_params, error);
      if (res == NULL)
        return FALSE;
    }

  if (job->n_kept_aside > 0)
    {
      g_autoptr(WabizDbResult) res = NULL;
      const char *aside_params[] = { aside_ids->str, aside_numbers->str, job->phone_number_id };

      res = wabiz_db_conn_exec_prepared (conn,
                                "UPDATE webhook_events e SET attempts = e.attempts + 1, error = NULL,"
                                " skipped_reason = format('phone_number_id %s is not this WaBiz''s (%s)',"
                                "   a.number, $3::text),"
                                " foreign_phone_number_id = a.number"
                                " FROM unnest($1::bigint[], $2::text[]) AS a(id, number) WHERE e.id = a.id",
                                3, aside_params, error);
      if (res == NULL)
        return FALSE;
    }

  for (guint i = 0; i < failed->len; i += 2)
    {
      g_autoptr(WabizDbResult) res = NULL;
      const char *fail_params[] = { g_ptr_array_index (failed, i), g_ptr_array_index (failed, i + 1) };

      res = wabiz_db_conn_exec (conn,
                                "UPDATE webhook_events SET attempts = attempts + 1, error = $2"
                                " WHERE id = $1::bigint",
                                2, fail_params, error);
      if (res == NULL)
        return FALSE;
    }

  /* one NOTIFY per conversation that changed, in one statement */
  if (g_hash_table_size (touched) > 0)
    {
      g_autoptr(GString) phones = g_string_new ("{");
      g_autoptr(WabizDbResult) res = NULL;
      const char *notify_params[1];

      g_hash_table_iter_init (&iter, touched);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_string_append_printf (phones, "%s\"%s\"", phones->len > 1 ? "," : "", (char *) key);
      g_string_append_c (phones, '}');
      notify_params[0] = phones->str;
      res = wabiz_db_conn_exec_prepared (conn,
                                "SELECT wabiz_notify('messages', p) FROM unnest($1::text[]) p",
                                1, notify_params, error);
      if (res == NULL)
        return FALSE;
    }
  if (templates_changed && !wabiz_store_notify_on_conn (conn, "templates", NULL, NULL, error))
    return FALSE;

  return TRUE;
}

/* Every lookup of a batch goes by a key (a phone, a wamid), so the
 * transaction has bitmap and sequential scans off:
 *  - without bitmap scans the planner cannot reach the leads' trigram GIN
 *    indexes, which it otherwise picked for a phone equality when its
 *    statistics lagged behind a burst of new leads; each probe then read
 *    the index's whole pending list: 10 ms a lead, half a second a batch;
 *  - it took a batch for 100 rows (it cannot see into the JSON array)
 *    and read all the leads, three times, rather than probe
 *    leads_phone_key for each sender: with a few thousand leads that
 *    was most of the batch's time, and it grows with the leads. */
static gboolean
begin_batch (WabizDbConn  *conn,
             GError      **error)
{
  if (!wabiz_db_conn_begin (conn, error))
    return FALSE;
  if (!exec_simple (conn, "SELECT set_config('enable_bitmapscan', 'off', true),"
                          " set_config('enable_seqscan', 'off', true)", error))
    {
      wabiz_db_conn_rollback (conn);
      return FALSE;
    }
  return TRUE;
}

static void
batch_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  BatchJob *job = task_data;
  GError *error = NULL;
  gboolean retry = FALSE;

  if (!begin_batch (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (!run_batch (conn, job, FALSE, &retry, &error))
    {
      wabiz_db_conn_rollback (conn);
      if (!retry)
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_error (&error);

      if (!begin_batch (conn, &error) || !run_batch (conn, job, TRUE, &retry, &error))
        {
          wabiz_db_conn_rollback (conn);
          g_task_return_error (task, error);
          return;
        }
    }

  if (!wabiz_db_conn_commit (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/* ------------------------------------------------------------------ */
/* the loop (main context) */

static void
return_waiters (GPtrArray *waiters,
                guint      count)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);

  while (waiters->len > 0)
    g_ptr_array_add (tasks, g_ptr_array_steal_index (waiters, 0));

  for (guint i = 0; i < tasks->len; i++)
    g_task_return_int (g_ptr_array_index (tasks, i), count);
}

/* Stopping: once no batch is left, answers the waiters of a run, then
 * those of the stop */
static void
end_stop (WabizWebhookProcessor *self)
{
  g_autoptr(GPtrArray) tasks = NULL;

  if (self->n_in_flight > 0 || self->refreshing)
    return;

  return_waiters (self->idle_waiters, self->run_count);
  tasks = g_steal_pointer (&self->stop_waiters);
  self->stop_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

static gboolean
retry_cb (gpointer user_data)
{
  WabizWebhookProcessor *self = user_data;

  self->retry_source = 0;
  schedule_batch (self);
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer user_data)
{
  WabizWebhookProcessor *self = user_data;

  wabiz_webhook_processor_wake (self);
  return G_SOURCE_CONTINUE;
}

/* Says so when events of @job were for another number, in the log and
 * by ::kept-aside. */
static void
report_kept_aside (WabizWebhookProcessor *self,
                   BatchJob              *job)
{
  if (job->n_kept_aside == 0)
    return;
  if (job->n_kept_aside == 1)
    g_warning ("A webhook event is for phone number id %s, not this WaBiz's (%s): kept, not processed;"
               " if that is this business's number, set it as the phone number ID, then reprocess it",
               job->foreign_example, job->phone_number_id);
  else
    g_warning ("%u webhook events are for phone number id %s (or another), not this WaBiz's (%s): kept,"
               " not processed; if that is this business's number, set it as the phone number ID, then"
               " reprocess them", job->n_kept_aside, job->foreign_example, job->phone_number_id);
  g_signal_emit (self, signals[SIGNAL_KEPT_ASIDE], 0, job->n_kept_aside);
}

/* No batch in flight, none about to start, no refresh under way:
 * answers the waiters of a run */
static void
return_if_idle (WabizWebhookProcessor *self)
{
  if (self->n_in_flight > 0 || self->linger_source != 0 || self->refreshing)
    return;

  return_waiters (self->idle_waiters, self->run_count);
  self->run_count = 0;
}

static void
analytics_refreshed_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(WabizWebhookProcessor) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();

  self->refreshing = FALSE;
  self->next_refresh = now + MAX (REFRESH_MIN_INTERVAL_S * G_USEC_PER_SEC,
                                  REFRESH_SPACING * (now - self->refresh_started));
  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  /* the marks stay for the next refresh, or the Analytics' own */
  if (res == NULL)
    g_debug ("Cannot refresh the Analytics summaries: %s", error->message);

  if (self->stopped)
    end_stop (self);
  else
    return_if_idle (self);
}

static void
maybe_refresh_analytics (WabizWebhookProcessor *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->refreshing || now < self->next_refresh)
    return;

  self->refreshing = TRUE;
  self->refresh_started = now;
  /* false: never wait for a refresh under way elsewhere (the Analytics,
   * or another processor on the database) */
  wabiz_db_query_async (self->db, "SELECT wabiz_analytics_refresh(false), wabiz_analytics_refresh_leads(false)",
                        0, NULL, NULL, analytics_refreshed_cb, g_object_ref (self));
}

static void
batch_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WabizWebhookProcessor) self = user_data;
  GTask *task = G_TASK (result);
  BatchJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  g_assert (self->n_in_flight > 0);
  self->n_in_flight--;

  if (!g_task_propagate_boolean (task, &error))
    {
      /* the database is away (or refused the bookkeeping): try again later */
      if (self->retry_source == 0)
        self->retry_delay_s = CLAMP (self->retry_delay_s * 2, 1, MAX_RETRY_DELAY_S);
      g_warning ("Cannot process webhook events, trying again in %u s: %s",
                 self->retry_delay_s, error->message);
      if (self->stopped)
        {
          end_stop (self);
          return;
        }
      if (self->retry_source == 0)
        self->retry_source = g_timeout_add_seconds (self->retry_delay_s, retry_cb, self);
      return;
    }

  self->retry_delay_s = 0;
  self->n_processed += job->n_processed;
  self->run_count += job->n_processed;
  if (job->n_processed > 0 || job->n_failed > 0)
    {
      g_debug ("Processed %u webhook events (%u failed)", job->n_processed, job->n_failed);
      g_signal_emit (self, signals[SIGNAL_PROCESSED], 0, job->n_processed, job->n_failed);
    }
  report_kept_aside (self, job);
  if (job->n_processed > 0 && !self->stopped)
    maybe_refresh_analytics (self);

  if (self->stopped)
    {
      end_stop (self);
      return;
    }

  /* more to do: a full batch, or new events since this one started */
  if (job->n_events == BATCH_SIZE)
    {
      schedule_batch (self);
      return;
    }
  if (self->wake_pending)
    {
      self->wake_pending = FALSE;
      wabiz_webhook_processor_wake (self);
      return;
    }

  /* idle once the other batch is done too, and none is about to start */
  return_if_idle (self);
}

static void
schedule_batch (WabizWebhookProcessor *self)
{
  g_autoptr(GTask) task = NULL;
  BatchJob *job;

  if (self->stopped || self->retry_source != 0)
    return;

  if (self->n_in_flight >= self->max_in_flight)
    {
      self->wake_pending = TRUE;
      return;
    }

  self->n_in_flight++;
  self->wake_pending = FALSE;

  job = g_new0 (BatchJob, 1);
  job->phone_number_id = g_strdup (self->phone_number_id);
  task = g_task_new (NULL, NULL, batch_done_cb, g_object_ref (self));
  g_task_set_source_tag (task, schedule_batch);
  g_task_set_task_data (task, job, (GDestroyNotify) batch_job_free);
  wabiz_db_run_in_thread (self->db, task, batch_job);
}

/* ------------------------------------------------------------------ */

static void
wabiz_webhook_processor_dispose (GObject *object)
{
  WabizWebhookProcessor *self = (WabizWebhookProcessor *) object;

  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->linger_source, g_source_remove);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (wabiz_webhook_processor_parent_class)->dispose (object);
}

static void
wabiz_webhook_processor_finalize (GObject *object)
{
  WabizWebhookProcessor *self = (WabizWebhookProcessor *) object;

  g_clear_pointer (&self->phone_number_id, g_free);
  g_clear_pointer (&self->idle_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->stop_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (wabiz_webhook_processor_parent_class)->finalize (object);
}

static void
wabiz_webhook_processor_class_init (WabizWebhookProcessorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_webhook_processor_dispose;
  object_class->finalize = wabiz_webhook_processor_finalize;

  /**
   * WabizWebhookProcessor::processed:
   * @n_processed: events turned into rows
   * @n_failed: events that failed and stay pending
   */
  signals[SIGNAL_PROCESSED] = g_signal_new ("processed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  /**
   * WabizWebhookProcessor::kept-aside:
   * @n_events: events kept aside (again) because they were for another
   *   phone number id (see wabiz_webhook_processor_count_foreign_async())
   */
  signals[SIGNAL_KEPT_ASIDE] = g_signal_new ("kept-aside", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
wabiz_webhook_processor_init (WabizWebhookProcessor *self)
{
  self->idle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->stop_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->poll_interval_s = DEFAULT_POLL_INTERVAL_S;
}

WabizWebhookProcessor *
wabiz_webhook_processor_new (WabizDb    *db,
                             const char *phone_number_id)
{
  WabizWebhookProcessor *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);

  self = g_object_new (WABIZ_TYPE_WEBHOOK_PROCESSOR, NULL);
  self->db = g_object_ref (db);
  self->phone_number_id = g_strdup (phone_number_id);
  self->max_in_flight = CLAMP (wabiz_db_get_pool_size (db) / 4, 1, MAX_IN_FLIGHT);
  return self;
}

void
wabiz_webhook_processor_set_poll_interval (WabizWebhookProcessor *self,
                                           guint                  seconds)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_PROCESSOR (self));

  self->poll_interval_s = seconds;
  g_clear_handle_id (&self->poll_source, g_source_remove);
  if (self->started && !self->stopped && seconds > 0)
    self->poll_source = g_timeout_add_seconds (seconds, poll_cb, self);
}

void
wabiz_webhook_processor_start (WabizWebhookProcessor *self)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_PROCESSOR (self));

  if (self->started)
    return;
  self->started = TRUE;
  if (self->poll_interval_s > 0)
    self->poll_source = g_timeout_add_seconds (self->poll_interval_s, poll_cb, self);
  schedule_batch (self);
}

static gboolean
linger_cb (gpointer user_data)
{
  WabizWebhookProcessor *self = user_data;

  self->linger_source = 0;
  schedule_batch (self);
  return G_SOURCE_REMOVE;
}

void
wabiz_webhook_processor_wake (WabizWebhookProcessor *self)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_PROCESSOR (self));

  if (self->stopped)
    return;
  if (self->n_in_flight >= self->max_in_flight)
    {
      self->wake_pending = TRUE;
      return;
    }
  if (self->linger_source == 0)
    self->linger_source = g_timeout_add (LINGER_MS, linger_cb, self);
}

void
wabiz_webhook_processor_run_async (WabizWebhookProcessor *self,
                                   GCancellable          *cancellable,
                                   GAsyncReadyCallback    callback,
                                   gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_WEBHOOK_PROCESSOR (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_webhook_processor_run_async);

  if (self->stopped)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The processor is stopped");
      return;
    }

  g_ptr_array_add (self->idle_waiters, g_steal_pointer (&task));
  /* a retry timer will run it; otherwise start (or queue) a batch */
  if (self->retry_source != 0)
    {
      g_clear_handle_id (&self->retry_source, g_source_remove);
    }
  schedule_batch (self);
}

guint
wabiz_webhook_processor_run_finish (WabizWebhookProcessor  *self,
                                    GAsyncResult           *result,
                                    GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_webhook_processor_run_async, 0);

  return (guint) g_task_propagate_int (G_TASK (result), error);
}

typedef struct
{
  gint64 after_id;
  guint  n_processed;
  guint  n_failed;
} ReprocessData;

static void reprocess_step (GTask *task);

static void
reprocess_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReprocessData *data = g_task_get_task_data (task);
  BatchJob *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data->n_processed += job->n_processed;
  data->n_failed += job->n_failed;
  data->after_id = MAX (data->after_id, job->last_id);
  report_kept_aside (g_task_get_source_object (task), job);

  if (job->n_events == BATCH_SIZE)
    {
      reprocess_step (g_steal_pointer (&task));
      return;
    }

  g_task_return_int (task, data->n_processed);
}

static void
reprocess_step (GTask *task)
{
  WabizWebhookProcessor *self = g_task_get_source_object (task);
  ReprocessData *data = g_task_get_task_data (task);
  g_autoptr(GTask) job_task = NULL;
  BatchJob *job;

  job = g_new0 (BatchJob, 1);
  job->phone_number_id = g_strdup (self->phone_number_id);
  job->reprocess = TRUE;
  job->after_id = data->after_id;
  job_task = g_task_new (NULL, g_task_get_cancellable (task), reprocess_done_cb, task);
  g_task_set_task_data (job_task, job, (GDestroyNotify) batch_job_free);
  wabiz_db_run_in_thread (self->db, job_task, batch_job);
}

void
wabiz_webhook_processor_reprocess_async (WabizWebhookProcessor *self,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_WEBHOOK_PROCESSOR (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_webhook_processor_reprocess_async);
  g_task_set_task_data (task, g_new0 (ReprocessData, 1), g_free);
  reprocess_step (g_steal_pointer (&task));
}

guint
wabiz_webhook_processor_reprocess_finish (WabizWebhookProcessor  *self,
                                          GAsyncResult           *result,
                                          guint                  *n_failed,
                                          GError                **error)
{
  ReprocessData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_webhook_processor_reprocess_async, 0);

  data = g_task_get_task_data (G_TASK (result));
  if (n_failed != NULL)
    *n_failed = data->n_failed;
  return (guint) g_task_propagate_int (G_TASK (result), error);
}

void
wabiz_webhook_processor_stop_async (WabizWebhookProcessor *self,
                                    GCancellable          *cancellable,
                                    GAsyncReadyCallback    callback,
                                    gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_WEBHOOK_PROCESSOR (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_webhook_processor_stop_async);

  self->stopped = TRUE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->linger_source, g_source_remove);

  g_ptr_array_add (self->stop_waiters, g_steal_pointer (&task));
  end_stop (self);
}

gboolean
wabiz_webhook_processor_stop_finish (WabizWebhookProcessor  *self,
                                     GAsyncResult           *result,
                                     GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_webhook_processor_stop_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

guint64
wabiz_webhook_processor_get_n_processed (WabizWebhookProcessor *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_PROCESSOR (self), 0);

  return self->n_processed;
}

typedef struct
{
  guint64  n_events;
  GStrv    phone_number_ids;
} Foreign;

static void
foreign_free (Foreign *foreign)
{
  g_strfreev (foreign->phone_number_ids);
  g_free (foreign);
}

static void
return_foreign (GTask         *task,
                WabizDbResult *res)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  Foreign *foreign = g_new0 (Foreign, 1);

  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      foreign->n_events += (guint64) wabiz_db_result_get_int (res, i, "n");
      g_strv_builder_add (ids, wabiz_db_result_get (res, i, "id"));
    }
  foreign->phone_number_ids = g_strv_builder_end (ids);
  g_task_return_pointer (task, foreign, (GDestroyNotify) foreign_free);
}

/**
 * wabiz_webhook_processor_count_foreign_async:
 * @db: the database the events are in
 *
 * Counts the webhook events kept aside because a change of theirs was for
 * another phone number id than the one set up, and names those ids.
 */
void
wabiz_webhook_processor_count_foreign_async (WabizDb             *db,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (db));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_webhook_processor_count_foreign_async);
  /* by the partial index webhook_events_foreign; the most events first */
  wabiz_db_query_for_task (db,
                           "SELECT foreign_phone_number_id AS id, count(*)::int AS n"
                           " FROM webhook_events WHERE processed_at IS NULL"
                           " AND skipped_reason IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
                           0, NULL, g_steal_pointer (&task), return_foreign);
}

/**
 * wabiz_webhook_processor_count_foreign_finish:
 * @phone_number_ids: (out) (optional) (transfer full): the ids those events
 *   were for, the one with the most events first
 *
 * Returns: how many events are kept aside, or 0 with @error set
 */
guint64
wabiz_webhook_processor_count_foreign_finish (WabizDb       *db,
                                              GAsyncResult  *result,
                                              GStrv         *phone_number_ids,
                                              GError       **error)
{
  Foreign *foreign;
  guint64 n_events;

  g_return_val_if_fail (g_task_is_valid (result, db), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_webhook_processor_count_foreign_async, 0);

  if (phone_number_ids != NULL)
    *phone_number_ids = NULL;
  foreign = g_task_propagate_pointer (G_TASK (result), error);
  if (foreign == NULL)
    return 0;
  n_events = foreign->n_events;
  if (phone_number_ids != NULL)
    *phone_number_ids = g_steal_pointer (&foreign->phone_number_ids);
  foreign_free (foreign);
  return n_events;
}
