/* wabiz-opt-out.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Finds opt-outs and opt-ins in what customers write, after the webhook
 * processor stored their messages (never inside the webhook's request):
 * an inbound text that is, once normalised (wabiz_opt_out_normalize()),
 * exactly one of campaign_settings.stop_words marks its lead opted out
 * (leads.opted_out_at, the message's time) and records an
 * opt_out_events row; one of start_words opts it back in. A sentence
 * that merely contains the word ("please don't stop") changes nothing.
 *
 * Each message that can be one of the words (no longer, and of no more
 * words, than the longest) is looked at once, by whichever process gets
 * there first: a round inserts the ids it looks at into opt_out_checks (ON
 * CONFLICT DO NOTHING) in the same transaction as the changes it makes.
 * When the settings have a confirmation text, it is queued through the
 * outbox after that commit (at most once: a crash in between sends
 * none), and only while the customer's 24-hour window is open.
 */

#define G_LOG_DOMAIN "wabiz-opt-out"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-opt-out.h"
#include "wabiz-outgoing.h"
#include "wabiz-phone.h"
#include "wabiz-store.h"
#include "wabiz-text.h"

#include <glib/gi18n-lib.h>

#define BATCH 500
/* the longest message that can still be one word */
#define MAX_WORD_MESSAGE 64
/* how far back a round looks: at start and at each poll (catching up),
 * and at the most when woken */
#define START_LOOKBACK_S (7 * 86400)
#define WAKE_LOOKBACK_S 3600
/* A woken round looks back to the start of the last round that saw all
 * it looked at, and this much before: a message whose transaction began
 * earlier but committed after that round is seen by the next poll. */
#define WAKE_MARGIN_S 2
/* After a whole batch, the next round starts this much before where it
 * stopped: a batch commits within milliseconds of its created_at, and a
 * wider margin is read again, already checked, by every round of a burst
 * (at 5,000 deliveries/s, two seconds were 10,000 rows a round) */
#define CURSOR_MARGIN_MS 250
/* woken rounds: at most one a second */
#define WAKE_INTERVAL_MS 1000
#define RETRY_S 10
#define POLL_S 300

struct _WabizOptOut
{
  WabizWorker parent_instance;

  gint64      covered_us;   /* monotonic start of the last round that saw all it looked at; 0: none */
  gboolean    catching_up;  /* a round that looked at everything stopped at a whole batch */
  char       *caught_up_to; /* (nullable): the created_at the last whole batch reached */
};

G_DEFINE_FINAL_TYPE (WabizOptOut, wabiz_opt_out, WABIZ_TYPE_WORKER)

typedef struct
{
  char *phone;  /* (owned) */
  char *text;   /* (owned) */
} Reply;

static void
reply_free (Reply *reply)
{
  g_free (reply->phone);
  g_free (reply->text);
  g_free (reply);
}

typedef struct
{
  guint      lookback_s;
  gboolean   all;       /* looks back as far as at the start */
  gint64     started_us;
  char      *after;     /* (owned) (nullable): after a whole batch, from this created_at */
  GPtrArray *replies;   /* (owned) of Reply */
  gboolean   full;      /* a whole batch: more may wait */
  char      *reached;   /* (owned) (nullable): the last created_at of a whole batch */
} Scan;

static void
scan_free (Scan *scan)
{
  g_clear_pointer (&scan->replies, g_ptr_array_unref);
  g_free (scan->after);
  g_free (scan->reached);
  g_free (scan);
}

/* WabizTextDropFunc: marks, punctuation, symbols and control characters
 * (line breaks and tabs are white space) */
static gboolean
is_not_word (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_CONNECT_PUNCTUATION:
    case G_UNICODE_DASH_PUNCTUATION:
    case G_UNICODE_CLOSE_PUNCTUATION:
    case G_UNICODE_FINAL_PUNCTUATION:
    case G_UNICODE_INITIAL_PUNCTUATION:
    case G_UNICODE_OTHER_PUNCTUATION:
    case G_UNICODE_OPEN_PUNCTUATION:
    case G_UNICODE_CURRENCY_SYMBOL:
    case G_UNICODE_MODIFIER_SYMBOL:
    case G_UNICODE_MATH_SYMBOL:
    case G_UNICODE_OTHER_SYMBOL:
    case G_UNICODE_FORMAT:
      return TRUE;
    case G_UNICODE_CONTROL:
      return c != '\n' && c != '\t' && c != '\r';
    default:
      return FALSE;
    }
}

char *
wabiz_opt_out_normalize (const char *text)
{
  g_autofree char *decomposed = NULL;
  g_autofree char *squeezed = NULL;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;

  /* compatibility forms too: full-width letters are letters */
  decomposed = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);
  if (decomposed == NULL)
    return NULL;
  squeezed = wabiz_text_squeeze (decomposed, is_not_word);
  if (squeezed == NULL)
    return NULL;
  return g_utf8_casefold (squeezed, -1);
}

/* @words: a text[] as PostgreSQL writes it; the set of their normal forms */
static GHashTable *
word_set (WabizDbResult *res,
          const char    *column)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) node = json_from_string (wabiz_db_result_get (res, 0, column), NULL);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          char *word = wabiz_opt_out_normalize (json_array_get_string_element (array, i));

          if (word != NULL)
            g_hash_table_add (set, word);
        }
    }
  return set;
}

/* Opts @phone out (@out) or back in at @at; FALSE in @changed when it
 * already was. Records the event. */
static gboolean
change_lead (WabizDbConn *conn,
             const char  *phone,
             gboolean     out,
             const char  *at,
             const char  *source,
             const char  *word,
             const char  *message_uuid,
             gboolean    *changed,
             GError     **error)
{
  const char *p[] = { phone, at };
  g_autoptr(WabizDbResult) res = NULL;

  res = wabiz_db_conn_exec (conn,
                            out ? "UPDATE leads SET opted_out_at = coalesce($2::timestamptz, now()),"
                                  "  updated_at = now()"
                                  " WHERE phone = $1 AND opted_out_at IS NULL RETURNING id::text AS id"
                                : "UPDATE leads SET opted_out_at = NULL,"
                                  "  opted_in_at = coalesce($2::timestamptz, now()), updated_at = now()"
                                  " WHERE phone = $1 AND opted_out_at IS NOT NULL RETURNING id::text AS id",
                            2, p, error);
  if (res == NULL)
    return FALSE;
  *changed = wabiz_db_result_get_n_rows (res) > 0;
  if (!*changed)
    return TRUE;

  {
    const char *e[] = { phone, wabiz_db_result_get (res, 0, "id"), out ? "opt_out" : "opt_in", source,
                        word, message_uuid, at };
    g_autoptr(WabizDbResult) event = NULL;

    event = wabiz_db_conn_exec (conn,
                                "INSERT INTO opt_out_events (phone, lead_id, action, source, word, message_uuid, at)"
                                " VALUES ($1, $2::uuid, $3, $4, $5, $6::uuid, coalesce($7::timestamptz, now()))",
                                7, e, error);
    if (event == NULL)
      return FALSE;
  }
  return wabiz_store_notify_on_conn (conn, "leads", phone, wabiz_db_result_get (res, 0, "id"), error);
}

/* The most words (runs without white space) in a normal form of @set */
static guint
most_words (GHashTable *set)
{
  GHashTableIter iter;
  gpointer word;
  guint most = 0;

  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &word, NULL))
    {
      guint n = 1;

      for (const char *c = word; *c != '\0'; c++)
        n += *c == ' ';
      most = MAX (most, n);
    }
  return most;
}

/* A regular expression (PostgreSQL's) that finds a message of more than
 * @n_words words, whatever the opt-out words are: more than @n_words
 * runs between ASCII white space that hold an ASCII letter or digit.
 * Each such run keeps its letter in wabiz_opt_out_normalize(), and its
 * white space there is white space too, so a message it finds has more
 * words than any opt-out word once normalised: it is not one. Words
 * without an ASCII letter are not counted, so such a message is still
 * looked at, never missed. */
static char *
more_words_pattern (guint n_words)
{
  GString *pattern = g_string_new ("[A-Za-z0-9]");

  for (guint i = 0; i < n_words; i++)
    g_string_append (pattern, "(.*[ \t\n\r][^ \t\n\r]*[A-Za-z0-9])");
  return g_string_free (pattern, FALSE);
}

/* A round's statements, in one transaction (worker thread) */
static gboolean
scan_on_conn (WabizDbConn *conn,
              gpointer     user_data,
              GError     **error)
{
  Scan *scan = user_data;
  g_autofree char *lookback = g_strdup_printf ("%u", scan->lookback_s);
  g_autofree char *batch = g_strdup_printf ("%d", BATCH);
  g_autofree char *longest = g_strdup_printf ("%d", MAX_WORD_MESSAGE);
  g_autofree char *too_many = NULL;
  g_autoptr(WabizDbResult) plain = NULL;
  g_autoptr(WabizDbResult) settings = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GHashTable) stop = NULL;
  g_autoptr(GHashTable) start = NULL;
  guint n;

  settings = wabiz_db_conn_exec (conn,
                                 "SELECT to_json(stop_words)::text AS stop, to_json(start_words)::text AS start,"
                                 "  opt_out_reply, opt_in_reply FROM campaign_settings WHERE id = 1",
                                 0, NULL, error);
  if (settings == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_rows (settings) == 0)
    return TRUE;
  stop = word_set (settings, "stop");
  start = word_set (settings, "start");
  /* a message of more words than the longest opt-out word cannot be
   * one: most messages are sentences, and recording each of them as
   * looked at cost more than storing it (bench/webhook-ingest) */
  too_many = more_words_pattern (MAX (1, MAX (most_words (stop), most_words (start))));

  /* Right after a burst the planner's statistics still see a handful of
   * new messages, and it read the whole window through a bitmap scan
   * and sorted it (9,000 rows for a batch of 500): the ordered index
   * scan stops at the batch. */
  plain = wabiz_db_conn_exec (conn, "SET LOCAL enable_bitmapscan = off", 0, NULL, error);
  if (plain == NULL)
    return FALSE;

  res = wabiz_db_conn_exec (conn,
                            "WITH cand AS ("
                            "  SELECT m.id, m.created_at"
                            "   FROM messages m"
                            "   WHERE m.direction = 'inbound'"
                            "     AND m.created_at > now() - make_interval(secs => $1::int)"
                            /* after a whole batch: from where it
                             * stopped, and a margin for late commits */
                            "     AND ($4::timestamptz IS NULL OR m.created_at > $4::timestamptz"
                            "          - interval '" G_STRINGIFY (CURSOR_MARGIN_MS) " milliseconds')"
                            "     AND m.message IS NOT NULL AND char_length(m.message) <= $3::int"
                            "     AND m.message !~ $5::text"
                            "     AND NOT EXISTS (SELECT 1 FROM opt_out_checks c WHERE c.message_uuid = m.id)"
                            "   ORDER BY m.created_at, m.id LIMIT $2::int),"
                            " ins AS (INSERT INTO opt_out_checks (message_uuid) SELECT id FROM cand"
                            "         ON CONFLICT DO NOTHING RETURNING message_uuid)"
                            /* the messages this round took, read again by
                             * their key: a join of the two lists above was
                             * planned as a loop over both, 250,000
                             * comparisons for a batch */
                            " SELECT m.id::text AS id, m.phone, m.message,"
                            "   m.\"timestamp\" > now() - interval '24 hours' AS in_window,"
                            "   to_char(m.\"timestamp\" AT TIME ZONE 'UTC',"
                            "           'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at,"
                            "   (SELECT count(*) FROM cand) AS n, (SELECT max(created_at) FROM cand)::text AS reached"
                            " FROM ins JOIN messages m ON m.id = ins.message_uuid"
                            " ORDER BY m.\"timestamp\", m.id",
                            5, (const char *[]) { lookback, batch, longest, scan->after, too_many }, error);
  if (res == NULL)
    return FALSE;
  n = wabiz_db_result_get_n_rows (res);
  scan->full = n > 0 && wabiz_db_result_get_int (res, 0, "n") >= BATCH;
  if (scan->full)
    scan->reached = g_strdup (wabiz_db_result_get (res, 0, "reached"));
  if (n == 0)
    return TRUE;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *word = wabiz_opt_out_normalize (wabiz_db_result_get (res, i, "message"));
      const char *phone = wabiz_db_result_get (res, i, "phone");
      gboolean out;
      gboolean changed = FALSE;
      const char *reply;

      if (word == NULL)
        continue;
      if (g_hash_table_contains (stop, word))
        out = TRUE;
      else if (g_hash_table_contains (start, word))
        out = FALSE;
      else
        continue;

      if (!change_lead (conn, phone, out, wabiz_db_result_get (res, i, "at"), "message", word,
                        wabiz_db_result_get (res, i, "id"), &changed, error))
        return FALSE;
      g_debug ("Message %s: %s%s", wabiz_db_result_get (res, i, "id"), out ? "opt-out" : "opt-in",
               changed ? "" : " (already)");
      reply = wabiz_db_result_get (settings, 0, out ? "opt_out_reply" : "opt_in_reply");
      if (changed && reply != NULL && *reply != '\0' && wabiz_db_result_get_bool (res, i, "in_window"))
        {
          Reply *r = g_new0 (Reply, 1);

          r->phone = g_strdup (phone);
          r->text = g_strdup (reply);
          g_ptr_array_add (scan->replies, r);
        }
    }
  return TRUE;
}

static void
reply_queued_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WabizOptOut) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);

  if (uuid == NULL)
    g_message ("The opt-out confirmation was not queued: %s", error->message);
  wabiz_worker_release (WABIZ_WORKER (self), FALSE);
}

static gpointer
new_round (WabizWorker *worker,
           gboolean     all)
{
  WabizOptOut *self = WABIZ_OPT_OUT (worker);
  Scan *scan = g_new0 (Scan, 1);

  /* Each woken round (one a batch of messages stored, thousands a
   * second at peaks) looked at the whole last hour: only what came since
   * the round before, now. */
  scan->started_us = g_get_monotonic_time ();
  scan->all = all || self->catching_up;
  if (scan->all)
    scan->lookback_s = START_LOOKBACK_S;
  else if (self->covered_us == 0)
    scan->lookback_s = WAKE_LOOKBACK_S;
  else
    scan->lookback_s = (guint) MIN ((scan->started_us - self->covered_us) / G_USEC_PER_SEC + 1 + WAKE_MARGIN_S,
                                    WAKE_LOOKBACK_S);
  /* After a whole batch, from where it stopped: looked at again from
   * the window's start, a burst of thousands a second (more than a batch
   * a round) kept every round reading all that had come since the burst
   * began, already checked. */
  scan->after = g_strdup (self->caught_up_to);
  scan->replies = g_ptr_array_new_with_free_func ((GDestroyNotify) reply_free);
  return scan;
}

static double
round_done (WabizWorker  *worker,
            gpointer      data,
            const GError *error)
{
  WabizOptOut *self = WABIZ_OPT_OUT (worker);
  WabizOutbox *outbox = wabiz_worker_get_outbox (worker);
  Scan *scan = data;

  if (error != NULL)
    return -1;

  if (!scan->full)
    {
      self->covered_us = scan->started_us;
      self->catching_up = FALSE;
      g_clear_pointer (&self->caught_up_to, g_free);
    }
  else
    {
      self->catching_up = self->catching_up || scan->all;
      g_free (self->caught_up_to);
      self->caught_up_to = g_strdup (scan->reached);
    }

  for (guint i = 0; outbox != NULL && i < scan->replies->len; i++)
    {
      Reply *r = g_ptr_array_index (scan->replies, i);
      g_autoptr(WabizOutgoing) message = wabiz_outgoing_new_text (r->phone, r->text);

      wabiz_worker_hold (worker);
      wabiz_outbox_queue_async (outbox, message, NULL, reply_queued_cb, g_object_ref (self));
    }
  /* a whole batch: more may wait */
  return scan->full ? 0 : -1;
}

static void
wabiz_opt_out_finalize (GObject *object)
{
  WabizOptOut *self = WABIZ_OPT_OUT (object);

  g_free (self->caught_up_to);

  G_OBJECT_CLASS (wabiz_opt_out_parent_class)->finalize (object);
}

static void
wabiz_opt_out_class_init (WabizOptOutClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  WabizWorkerClass *worker_class = WABIZ_WORKER_CLASS (klass);

  object_class->finalize = wabiz_opt_out_finalize;

  worker_class->what = "the messages for opt-outs";
  worker_class->poll_interval_s = POLL_S;
  worker_class->min_wake_interval_ms = WAKE_INTERVAL_MS;
  worker_class->poll_looks_at_all = TRUE;
  worker_class->max_delay_ms = POLL_S * 1000;
  worker_class->retry_s = RETRY_S;
  worker_class->round_in_transaction = TRUE;
  worker_class->new_round = new_round;
  worker_class->round_free = (GDestroyNotify) scan_free;
  worker_class->round_on_conn = scan_on_conn;
  worker_class->round_done = round_done;
}

static void
wabiz_opt_out_init (WabizOptOut *self)
{
}

WabizOptOut *
wabiz_opt_out_new (WabizDb     *db,
                   WabizOutbox *outbox)
{
  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (outbox == NULL || WABIZ_IS_OUTBOX (outbox), NULL);

  return g_object_new (WABIZ_TYPE_OPT_OUT, "db", db, "outbox", outbox, NULL);
}

/* wabiz_opt_out_start(), _wake(), _stop_async(), _stop_finish() */
WABIZ_WORKER_DEFINE_API (WabizOptOut, wabiz_opt_out, WABIZ_TYPE_OPT_OUT)

/* ------------------------------------------------------------------ */
/* the check, and by hand */

typedef struct
{
  char     *phone;  /* (owned) normalised */
  gboolean  out;
} SetData;

static void
set_data_free (SetData *data)
{
  g_free (data->phone);
  g_free (data);
}

/* Runs @func on the pool in a task of @source_tag whose data is a
 * SetData of @phone, normalised (an invalid one fails the task), and
 * @opted_out */
static void
run_set_job (WabizDb             *db,
             gpointer             source_tag,
             WabizDbJobFunc       func,
             const char          *phone,
             gboolean             opted_out,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SetData *data = g_new0 (SetData, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) set_data_free);
  data->out = !!opted_out;
  data->phone = wabiz_phone_normalize_for_task (phone, task);
  if (data->phone != NULL)
    wabiz_db_run_in_thread (db, task, func);
}

static void
check_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  SetData *data = task_data;
  const char *p[] = { data->phone };
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  res = wabiz_db_conn_exec (conn, "SELECT wabiz_is_opted_out($1) AS out", 1, p, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, wabiz_db_result_get_bool (res, 0, "out"));
}

void
wabiz_opt_out_check_async (WabizDb             *db,
                           const char          *phone,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (phone != NULL);

  run_set_job (db, wabiz_opt_out_check_async, check_job, phone, FALSE, cancellable, callback,
               user_data);
}

gboolean
wabiz_opt_out_check_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_opt_out_check_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
set_on_conn (WabizDbConn *conn,
             gpointer     user_data,
             GError     **error)
{
  SetData *data = user_data;
  const char *p[] = { data->phone };
  g_autoptr(WabizDbResult) lead = NULL;
  gboolean changed;

  lead = wabiz_db_conn_exec (conn, "SELECT 1 FROM leads WHERE phone = $1", 1, p, error);
  if (lead == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_rows (lead) == 0)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND, _("There is no lead with this phone number"));
      return FALSE;
    }
  return change_lead (conn, data->phone, data->out, NULL, "manual", NULL, NULL, &changed, error);
}

static void
set_job (WabizDb      *db,
         WabizDbConn  *conn,
         GTask        *task,
         gpointer      task_data,
         GCancellable *cancellable)
{
  GError *error = NULL;

  if (!wabiz_db_conn_transaction (conn, set_on_conn, task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
wabiz_opt_out_set_async (WabizDb             *db,
                         const char          *phone,
                         gboolean             opted_out,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (phone != NULL);

  run_set_job (db, wabiz_opt_out_set_async, set_job, phone, opted_out, cancellable, callback,
               user_data);
}

gboolean
wabiz_opt_out_set_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_opt_out_set_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
