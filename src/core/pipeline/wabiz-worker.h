/* wabiz-worker.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-outbox.h"
#include "wabiz-outgoing.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_WORKER (wabiz_worker_get_type ())
G_DECLARE_DERIVABLE_TYPE (WabizWorker, wabiz_worker, WABIZ, WORKER, GObject)

/**
 * WabizWorkerClass:
 * @what: what a round looks at, for the log ("the campaigns")
 * @poll_interval_s: the default seconds between rounds nothing asked
 *   for (0: none); see wabiz_worker_set_poll_interval()
 * @poll_looks_at_all: whether those rounds look at everything, not
 *   only at what is recent (see @new_round)
 * @min_delay_ms: the soonest a round asked for by @round_done comes
 * @max_delay_ms: the latest (a later one comes with a poll or a wake)
 * @min_wake_interval_ms: the least time from the start of a round to a
 *   round a wake asks for (0: at once); wakes in between make one round
 * @retry_s: the wait after a round the database failed
 * @round_in_transaction: whether @round_on_conn runs in one transaction
 * @backoff_initial_ms: the wait before a failed job's second try
 * @backoff_max_ms: the longest wait between tries
 * @backoff_max_attempts: the tries before a job waits for good (see
 *   _wabiz_worker_set_backoff())
 * @outcome_sql: for wabiz_worker_queue_claims(): records what queueing
 *   a claimed row came to, for a claim still held: $1 the row's id, $2
 *   the claim token, $3 "failed" or @unclaimed_state, $4 the error text
 *   (%NULL unless failed)
 * @unclaimed_state: the state of a claimed row that goes back to be
 *   claimed again (its message could not be queued for now)
 * @start: starts the rounds; a subclass that cannot work (nothing set
 *   up) does not chain up
 * @new_round: the data of the next round, or %NULL when there is no
 *   room for its work now (the round comes when work ends, see
 *   wabiz_worker_release()); @all: look at everything, not only at what
 *   is recent (the first round, a poll when @poll_looks_at_all)
 * @round_free: frees what @new_round returned
 * @round_on_conn: the round's statements, on a worker thread
 * @round_done: back on the main loop, after @round_on_conn (@error
 *   %NULL) or its failure: start the work it found; returns in how many
 *   seconds to look again (< 0: at the next poll or wake)
 *
 * A worker does its work in rounds on the main loop: each asks the
 * database what is to be done (on one of the pool's threads), then
 * starts that work. Rounds come when the worker is woken, when a round
 * asks for the next one, and every poll interval; never two at once.
 */
struct _WabizWorkerClass
{
  GObjectClass           parent_class;

  const char            *what;
  guint                  poll_interval_s;
  gboolean               poll_looks_at_all;
  guint                  min_delay_ms;
  guint                  max_delay_ms;
  guint                  min_wake_interval_ms;
  guint                  retry_s;
  gboolean               round_in_transaction;
  guint                  backoff_initial_ms;
  guint                  backoff_max_ms;
  guint                  backoff_max_attempts;
  const char            *outcome_sql;
  const char            *unclaimed_state;

  void                   (*start)         (WabizWorker  *self);
  gpointer               (*new_round)     (WabizWorker  *self,
                                           gboolean      all);
  GDestroyNotify         round_free;
  WabizDbTransactionFunc round_on_conn;
  double                 (*round_done)    (WabizWorker  *self,
                                           gpointer      round,
                                           const GError *error);
};

/* Starts the rounds (the first looks at everything). */
void          wabiz_worker_start             (WabizWorker         *self);
/* Something changed (NOTIFY, a message stored here): a round now, or
 * right after the one under way. */
void          wabiz_worker_wake              (WabizWorker         *self);
/* No more rounds; its cancellable is cancelled; finishes when the work
 * under way has ended. */
void          wabiz_worker_stop_async        (WabizWorker         *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean      wabiz_worker_stop_finish       (WabizWorker         *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* Seconds between rounds nothing asked for (0: none) */
void          wabiz_worker_set_poll_interval (WabizWorker         *self,
                                              guint                seconds);

/* for subclasses */
WabizDb      *wabiz_worker_get_db            (WabizWorker         *self);
/* (nullable): where the messages it sends go */
WabizOutbox  *wabiz_worker_get_outbox        (WabizWorker         *self);
/* Cancelled by a stop and by dispose */
GCancellable *wabiz_worker_get_cancellable   (WabizWorker         *self);
gboolean      wabiz_worker_is_stopped        (WabizWorker         *self);
gboolean      wabiz_worker_is_in_round       (WabizWorker         *self);
/* Work under way (held, not released yet) */
guint         wabiz_worker_get_n_busy        (WabizWorker         *self);
/* A piece of work starts: a stop waits for it */
void          wabiz_worker_hold              (WabizWorker         *self);
/* It ended: a round that was asked for meanwhile comes now; with
 * @look_again, a round comes anyway (its room is free). */
void          wabiz_worker_release           (WabizWorker         *self,
                                              gboolean             look_again);
/* A round in @seconds (< 0: none), unless one comes sooner already */
void          wabiz_worker_look_in           (WabizWorker         *self,
                                              double               seconds);
/* Runs @sql as a piece of work (held until it is written); a failure is
 * logged as "Cannot write @what". */
void          wabiz_worker_write             (WabizWorker         *self,
                                              const char          *what,
                                              const char          *sql,
                                              int                  n_params,
                                              const char * const  *params);
/* Runs @func with @data (freed by @data_free) on one of the pool's
 * threads, in a task of @source_tag that is not cancellable (what it
 * writes is written even while stopping), then @callback. */
void          wabiz_worker_run_job           (WabizWorker         *self,
                                              gpointer             source_tag,
                                              WabizDbJobFunc       func,
                                              gpointer             data,
                                              GDestroyNotify       data_free,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);

/* A row a round claimed, with the message to queue for it */
typedef struct _WabizWorkerClaim WabizWorkerClaim;

/* @message: (transfer full) */
WabizWorkerClaim *wabiz_worker_claim_new     (const char          *id,
                                              const char          *token,
                                              WabizOutgoing       *message);
void          wabiz_worker_claim_free        (WabizWorkerClaim    *claim);
/* Queues the message of each of @claims (taken out of the array)
 * through the outbox, each a piece of work; what failed is recorded
 * with the class's outcome_sql. A stopped worker queues nothing more:
 * it hands the rows back instead. */
void          wabiz_worker_queue_claims      (WabizWorker         *self,
                                              GPtrArray           *claims);

/* The back-off of failed jobs (the class's, or a test's: see
 * _wabiz_worker_set_backoff()) as WABIZ_WORKER_NEXT_TRY_SQL takes it */
typedef struct
{
  char max_attempts[12];
  char initial_ms[12];
  char max_ms[12];
} WabizWorkerBackoff;

void          wabiz_worker_get_backoff       (WabizWorker         *self,
                                              WabizWorkerBackoff  *backoff);

/* The time of a failed row's next try (NULL: none), in SQL: @final a
 * boolean (no more tries), then the parameters of a WabizWorkerBackoff,
 * each as "$n" */
#define WABIZ_WORKER_NEXT_TRY_SQL(final, max_attempts, initial_ms, max_ms)                  \
  "CASE WHEN " final " OR attempts >= " max_attempts "::int THEN NULL"                     \
  " ELSE now() + least(" max_ms "::float8, " initial_ms "::float8 * 2 ^ greatest(attempts - 1, 0))" \
  "            * (0.8 + random() * 0.4) * interval '1 millisecond' END"

/* @error's message as a row keeps it: valid UTF-8, at most 500 characters */
char         *wabiz_worker_error_text        (const GError        *error);

/**
 * WABIZ_WORKER_DEFINE_API:
 * @TypeName: the subclass, as WabizScheduler
 * @type_name: its prefix, as wabiz_scheduler
 * @TYPE: its type macro, as WABIZ_TYPE_SCHEDULER
 *
 * Defines the subclass's own names for wabiz_worker_start(),
 * wabiz_worker_wake(), wabiz_worker_stop_async() and
 * wabiz_worker_stop_finish(): type_name_start() and the rest.
 */
#define WABIZ_WORKER_DEFINE_API(TypeName, type_name, TYPE)                                  \
  void                                                                                      \
  type_name##_start (TypeName *self)                                                        \
  {                                                                                         \
    g_return_if_fail (G_TYPE_CHECK_INSTANCE_TYPE (self, TYPE));                             \
    wabiz_worker_start (WABIZ_WORKER (self));                                               \
  }                                                                                         \
                                                                                            \
  void                                                                                      \
  type_name##_wake (TypeName *self)                                                         \
  {                                                                                         \
    g_return_if_fail (G_TYPE_CHECK_INSTANCE_TYPE (self, TYPE));                             \
    wabiz_worker_wake (WABIZ_WORKER (self));                                                \
  }                                                                                         \
                                                                                            \
  void                                                                                      \
  type_name##_stop_async (TypeName            *self,                                        \
                          GCancellable        *cancellable,                                 \
                          GAsyncReadyCallback  callback,                                    \
                          gpointer             user_data)                                   \
  {                                                                                         \
    g_return_if_fail (G_TYPE_CHECK_INSTANCE_TYPE (self, TYPE));                             \
    wabiz_worker_stop_async (WABIZ_WORKER (self), cancellable, callback, user_data);        \
  }                                                                                         \
                                                                                            \
  gboolean                                                                                  \
  type_name##_stop_finish (TypeName      *self,                                             \
                           GAsyncResult  *result,                                           \
                           GError       **error)                                            \
  {                                                                                         \
    g_return_val_if_fail (G_TYPE_CHECK_INSTANCE_TYPE (self, TYPE), FALSE);                  \
    return wabiz_worker_stop_finish (WABIZ_WORKER (self), result, error);                   \
  }

G_END_DECLS
