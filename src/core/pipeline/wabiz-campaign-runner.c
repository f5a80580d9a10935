/* wabiz-campaign-runner.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Sends campaigns (data/sql/017-campaigns.sql, model/wabiz-campaign-model.c)
 * through the outbox, as bulk templates, in rounds on the main loop:
 *
 *  1. on a worker thread, in one transaction: take back claims whose
 *     runner died (state "queuing" for longer than the claim timeout,
 *     never linked to a message), start the scheduled campaigns whose
 *     time came, finish those with nobody left, and claim pending
 *     recipients of running campaigns (FOR UPDATE SKIP LOCKED, a claim
 *     token) — as many as the rate's tokens allow, as the messaging tier
 *     leaves for the last 24 hours, and as keep the outbox's backlog of
 *     this campaign short (so that a pause stops it within seconds). A
 *     recipient whose lead opted out meanwhile is excluded instead;
 *  2. each claimed recipient is queued with wabiz_outbox_queue_async()
 *     (wabiz_worker_queue_claims());
 *     the outbox's transaction links it to its message (the trigger
 *     outbox_link), so a crash at any point leaves it either linked
 *     (queued, never again) or a claim that is taken back and queued
 *     later. A queueing that failed for good marks it failed with the
 *     reason; one the database could not take goes back to pending.
 *
 * Several runners (desktops, wabizd) may share a database: their rounds
 * take turns (a transaction advisory lock), so none claims what the tier
 * left before another's claims were counted; claims skip each other's
 * rows, and the link refuses a second message of the same campaign
 * template to a number within the hour, so a claim taken over from a
 * runner that was only slow never reaches the customer twice.
 *
 * Time for start times and the tier comes from the campaign model's
 * clock (_wabiz_campaign_now()), which tests move. The rounds, their
 * timer and the stop are WabizWorker's.
 */

#define G_LOG_DOMAIN "wabiz-campaign-runner"

#include "config.h"

#include "wabiz-campaign-model-private.h"
#include "wabiz-campaign-runner-private.h"
#include "wabiz-error.h"
#include "wabiz-outgoing.h"
#include "wabiz-store.h"
#include "wabiz-worker-private.h"

#include <glib/gi18n-lib.h>

#define DEFAULT_CLAIM_TIMEOUT_S 120
#define POLL_INTERVAL_S 5
#define MAX_BATCH 200
/* while the outbox holds this campaign's earlier messages */
#define BACKLOG_WAIT_MS 200
#define DB_RETRY_S 5

struct _WabizCampaignRunner
{
  WabizWorker   parent_instance;

  guint         claim_timeout_s;

  double        rate;          /* of the running campaigns, per second */
  double        tokens;
  gint64        refilled_at;   /* monotonic µs */
};

G_DEFINE_FINAL_TYPE (WabizCampaignRunner, wabiz_campaign_runner, WABIZ_TYPE_WORKER)

typedef struct
{
  /* in */
  guint      want;
  guint      claim_timeout_s;
  char      *token;       /* (owned) */
  char      *now;         /* (owned) the campaigns' clock */
  /* out */
  GPtrArray *claims;      /* (owned) of WabizWorkerClaim */
  double     rate;        /* 0: nothing runs */
  double     delay_s;     /* < 0: nothing waits */
  gboolean   more;        /* recipients wait, only tokens are missing */
} Round;

static void
round_free (Round *round)
{
  g_free (round->token);
  g_free (round->now);
  g_clear_pointer (&round->claims, g_ptr_array_unref);
  g_free (round);
}

static void
refill (WabizCampaignRunner *self)
{
  gint64 now = g_get_monotonic_time ();
  double burst = MAX (1.0, MIN (self->rate, (double) MAX_BATCH));

  if (self->refilled_at != 0 && self->rate > 0)
    self->tokens = MIN (burst, self->tokens + (now - self->refilled_at) / (double) G_USEC_PER_SEC * self->rate);
  else if (self->refilled_at == 0)
    self->tokens = 1;
  self->refilled_at = now;
}

/* ------------------------------------------------------------------ */
/* the round's statements (worker thread) */

#define CLAIM_SQL                                                                          \
  "WITH due AS ("                                                                          \
  "  SELECT r.id FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id"      \
  "   WHERE c.state = 'running' AND r.state = 'pending'"                                   \
  "   ORDER BY c.created_at, c.id, r.id"                                                   \
  "   LIMIT $1::int FOR UPDATE OF r SKIP LOCKED),"                                          \
  " flagged AS ("                                                                          \
  "  SELECT d.id, EXISTS (SELECT 1 FROM leads l"                                           \
  "                        WHERE (l.id = r.lead_id OR l.phone = r.phone)"                  \
  "                          AND l.opted_out_at IS NOT NULL) AS out"                       \
  "   FROM due d JOIN campaign_recipients r ON r.id = d.id)"                               \
  " UPDATE campaign_recipients r SET"                                                      \
  "   state = CASE WHEN f.out THEN 'excluded' ELSE 'queuing' END,"                         \
  "   reason = CASE WHEN f.out THEN 'opted_out' ELSE r.reason END,"                        \
  "   claim_token = CASE WHEN f.out THEN NULL ELSE $2::uuid END,"                          \
  "   claimed_at = now(), tier_at = CASE WHEN f.out THEN NULL ELSE $3::timestamptz END"    \
  "  FROM flagged f, campaigns c"                                                          \
  "  WHERE r.id = f.id AND c.id = r.campaign_id"                                           \
  "  RETURNING r.id::text AS id, r.phone, r.params::text AS params, f.out,"                \
  "    c.id::text AS campaign_id, c.template_name, c.template_language"

/* The round's statements, in one transaction */
static gboolean
round_on_conn (WabizDbConn *conn,
               gpointer     user_data,
               GError     **error)
{
  Round *round = user_data;
  g_autofree char *timeout = g_strdup_printf ("%u", round->claim_timeout_s);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizDbResult) state = NULL;
  g_autoptr(GHashTable) touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *now_p[] = { round->now };
  gint64 limit;
  gint64 used;
  gint64 backlog;
  guint want = round->want;

  /* one round at a time among the runners sharing the database: each
   * sees the tier the others' claims used (committed before its turn) */
  if (!wabiz_db_conn_take_turn (conn, "wabiz-campaign-round", error))
    return FALSE;

  /* claims whose runner died */
  {
    const char *p[] = { timeout };

    res = wabiz_db_conn_exec (conn,
                              "UPDATE campaign_recipients SET state = 'pending', claim_token = NULL,"
                              "  tier_at = NULL"
                              " WHERE state = 'queuing' AND message_uuid IS NULL"
                              "   AND claimed_at <= now() - make_interval(secs => $1::int)",
                              1, p, error);
    if (res == NULL)
      return FALSE;
    if (wabiz_db_result_get_n_affected (res) > 0)
      g_message ("Took back %" G_GINT64_FORMAT " campaign recipients a stopped runner had claimed",
                 wabiz_db_result_get_n_affected (res));
    g_clear_pointer (&res, wabiz_db_result_unref);
  }

  /* start what is due, finish what has nobody left */
  res = wabiz_db_conn_exec (conn,
                            "UPDATE campaigns SET state = 'running', started_at = $1::timestamptz,"
                            "  updated_at = now()"
                            " WHERE state = 'scheduled' AND coalesce(start_at, '-infinity') <= $1::timestamptz",
                            1, now_p, error);
  if (res == NULL)
    return FALSE;
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = wabiz_db_conn_exec (conn,
                            "UPDATE campaigns c SET state = 'done', finished_at = $1::timestamptz,"
                            "  updated_at = now()"
                            " WHERE c.state = 'running' AND NOT EXISTS ("
                            "   SELECT 1 FROM campaign_recipients r WHERE r.campaign_id = c.id"
                            "     AND r.state IN ('pending', 'queuing'))",
                            1, now_p, error);
  if (res == NULL)
    return FALSE;
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* the rate, the tier, the backlog, the next start */
  state = wabiz_db_conn_exec (conn,
                              "SELECT s.tier,"
                              "  (SELECT min(coalesce(c.rate, s.rate)) FROM campaigns c"
                              "    WHERE c.state = 'running') AS rate,"
                              "  (" WABIZ_CAMPAIGN_TIER_USED_SQL ") AS used,"
                              "  (SELECT extract(epoch FROM min(r.tier_at) + interval '24 hours'"
                              "                             - $1::timestamptz)"
                              "    FROM campaign_recipients r"
                              "    WHERE r.tier_at > $1::timestamptz - interval '24 hours'"
                              "      AND r.tier_at <= $1::timestamptz"
                              "      AND r.state IN ('queuing', 'queued')) AS tier_free_in,"
                              "  (SELECT count(*) FROM campaign_recipients r"
                              "    JOIN campaigns c ON c.id = r.campaign_id"
                              "    JOIN messages m ON m.id = r.message_uuid"
                              "    WHERE c.state = 'running' AND r.state = 'queued'"
                              "      AND m.status = 'queued') AS backlog,"
                              "  (SELECT extract(epoch FROM min(c.start_at) - $1::timestamptz)"
                              "    FROM campaigns c WHERE c.state = 'scheduled') AS start_in"
                              " FROM campaign_settings s WHERE s.id = 1",
                              1, now_p, error);
  if (state == NULL)
    return FALSE;
  round->delay_s = -1;
  if (wabiz_db_result_get (state, 0, "start_in") != NULL)
    round->delay_s = MAX (0, g_ascii_strtod (wabiz_db_result_get (state, 0, "start_in"), NULL));
  if (wabiz_db_result_get (state, 0, "rate") == NULL)
    return TRUE;   /* nothing runs */

  round->rate = g_ascii_strtod (wabiz_db_result_get (state, 0, "rate"), NULL);
  limit = wabiz_messaging_tier_get_limit (wabiz_db_result_get (state, 0, "tier"));
  used = wabiz_db_result_get_int (state, 0, "used");
  backlog = wabiz_db_result_get_int (state, 0, "backlog");

  if (limit >= 0 && used >= limit)
    {
      const char *free_in = wabiz_db_result_get (state, 0, "tier_free_in");
      double wait = free_in != NULL ? MAX (0, g_ascii_strtod (free_in, NULL)) : POLL_INTERVAL_S;

      g_debug ("Messaging tier reached (%" G_GINT64_FORMAT "); room again in %.0f s", limit, wait);
      round->delay_s = round->delay_s < 0 ? wait : MIN (round->delay_s, wait);
      return TRUE;
    }
  if (limit >= 0)
    want = (guint) MIN ((gint64) want, limit - used);
  /* keep about two seconds' worth waiting in the outbox */
  if (backlog >= MAX (20, (gint64) (round->rate * 2)))
    {
      round->delay_s = BACKLOG_WAIT_MS / 1000.0;
      return TRUE;
    }
  if (want == 0)
    {
      round->more = TRUE;
      return TRUE;
    }

  {
    g_autofree char *want_text = g_strdup_printf ("%u", want);
    const char *p[] = { want_text, round->token, round->now };
    guint n;

    res = wabiz_db_conn_exec (conn, CLAIM_SQL, 3, p, error);
    if (res == NULL)
      return FALSE;
    n = wabiz_db_result_get_n_rows (res);
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(WabizOutgoing) message = NULL;
        g_auto(GStrv) params = NULL;

        g_hash_table_add (touched, g_strdup (wabiz_db_result_get (res, i, "campaign_id")));
        if (wabiz_db_result_get_bool (res, i, "out"))
          continue;
        params = _wabiz_campaign_params_from_json (wabiz_db_result_get (res, i, "params"));
        message = wabiz_outgoing_new_template (wabiz_db_result_get (res, i, "phone"),
                                               wabiz_db_result_get (res, i, "template_name"),
                                               wabiz_db_result_get (res, i, "template_language"),
                                               (const char * const *) params);
        wabiz_outgoing_set_bulk (message, TRUE);
        g_ptr_array_add (round->claims,
                         wabiz_worker_claim_new (wabiz_db_result_get (res, i, "id"), round->token,
                                                 g_steal_pointer (&message)));
      }
    /* as many as asked: more wait */
    round->more = n == want;
  }

  {
    GHashTableIter iter;
    const char *id;

    g_hash_table_iter_init (&iter, touched);
    while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
      if (!wabiz_store_notify_on_conn (conn, "campaigns", NULL, id, error))
        return FALSE;
  }
  return TRUE;
}

/* only a claim still ours and never linked */
static const char outcome_sql[] =
  "UPDATE campaign_recipients SET state = $3,"
  "  reason = CASE WHEN $3 = 'failed' THEN 'not_queued' ELSE reason END,"
  "  detail = CASE WHEN $3 = 'failed' THEN $4 ELSE detail END,"
  "  claim_token = NULL, tier_at = CASE WHEN $3 = 'pending' THEN NULL ELSE tier_at END"
  " WHERE id = $1::bigint AND claim_token = $2::uuid AND state = 'queuing'"
  "   AND message_uuid IS NULL";

/* ------------------------------------------------------------------ */
/* the rounds */

static gpointer
new_round (WabizWorker *worker,
           gboolean     all)
{
  WabizCampaignRunner *self = WABIZ_CAMPAIGN_RUNNER (worker);
  Round *round;

  /* what the last round claimed is queued first */
  if (wabiz_worker_get_n_busy (worker) > 0)
    return NULL;

  refill (self);
  round = g_new0 (Round, 1);
  round->want = (guint) MIN ((gint64) self->tokens, (gint64) MAX_BATCH);
  round->claim_timeout_s = self->claim_timeout_s;
  round->token = g_uuid_string_random ();
  round->now = _wabiz_campaign_now_iso ();
  round->claims = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_worker_claim_free);
  round->delay_s = -1;
  return round;
}

static double
round_done (WabizWorker  *worker,
            gpointer      data,
            const GError *error)
{
  WabizCampaignRunner *self = WABIZ_CAMPAIGN_RUNNER (worker);
  Round *round = data;

  /* the claims were rolled back */
  if (error != NULL)
    return -1;

  if (round->rate > 0 && round->rate != self->rate)
    {
      self->rate = round->rate;
      self->tokens = MIN (self->tokens, MAX (1.0, MIN (self->rate, (double) MAX_BATCH)));
    }
  self->tokens = MAX (0, self->tokens - round->claims->len);
  wabiz_worker_queue_claims (worker, round->claims);

  if (round->more)
    return self->tokens >= 1 ? 0 : (1 - self->tokens) / MAX (self->rate, 0.01);
  return round->delay_s;
}

/* ------------------------------------------------------------------ */

static void
wabiz_campaign_runner_class_init (WabizCampaignRunnerClass *klass)
{
  WabizWorkerClass *worker_class = WABIZ_WORKER_CLASS (klass);

  worker_class->what = "the campaigns";
  worker_class->poll_interval_s = POLL_INTERVAL_S;
  worker_class->max_delay_ms = POLL_INTERVAL_S * 1000;
  worker_class->retry_s = DB_RETRY_S;
  worker_class->round_in_transaction = TRUE;
  worker_class->outcome_sql = outcome_sql;
  worker_class->unclaimed_state = "pending";
  worker_class->new_round = new_round;
  worker_class->round_free = (GDestroyNotify) round_free;
  worker_class->round_on_conn = round_on_conn;
  worker_class->round_done = round_done;
}

static void
wabiz_campaign_runner_init (WabizCampaignRunner *self)
{
  self->claim_timeout_s = DEFAULT_CLAIM_TIMEOUT_S;
}

WabizCampaignRunner *
wabiz_campaign_runner_new (WabizDb     *db,
                           WabizOutbox *outbox)
{
  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (WABIZ_IS_OUTBOX (outbox), NULL);

  return g_object_new (WABIZ_TYPE_CAMPAIGN_RUNNER, "db", db, "outbox", outbox, NULL);
}

/* wabiz_campaign_runner_start(), _wake(), _stop_async(), _stop_finish() */
WABIZ_WORKER_DEFINE_API (WabizCampaignRunner, wabiz_campaign_runner, WABIZ_TYPE_CAMPAIGN_RUNNER)

void
_wabiz_campaign_runner_set_claim_timeout (WabizCampaignRunner *self,
                                          guint                seconds)
{
  g_return_if_fail (WABIZ_IS_CAMPAIGN_RUNNER (self));

  self->claim_timeout_s = seconds;
}

guint
_wabiz_campaign_runner_get_n_rounds (WabizCampaignRunner *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_RUNNER (self), 0);

  return _wabiz_worker_get_n_rounds (WABIZ_WORKER (self));
}
