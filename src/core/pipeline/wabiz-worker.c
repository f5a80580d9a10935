/* wabiz-worker.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The base class of what works in the background on the database: the
 * campaign runner, the scheduler, the opt-out finder, the AI jobs and
 * the media fetcher. It keeps what they all need the same way:
 *
 *  - rounds, one at a time: when woken, when the last round asks for the
 *    next one (a timer that keeps the soonest time asked for), and every
 *    poll interval; a wake during a round, or while the work has no
 *    room, brings one more round as soon as it can run;
 *  - the work a round starts (queue calls, downloads, calls to Gemini),
 *    held and released, so that a stop finishes when it has ended;
 *  - the back-off of failed jobs and the error text a row keeps.
 *
 * A round's statements run on one of the pool's threads; several
 * processes (desktops, wabizd) may share the database, so subclasses
 * claim rows with FOR UPDATE SKIP LOCKED and a claim token.
 */

#define G_LOG_DOMAIN "wabiz-worker"

#include "config.h"

#include "wabiz-worker-private.h"

#define DEFAULT_RETRY_S 10
#define DEFAULT_MAX_DELAY_MS (3600 * 1000)
/* the longest error text a row keeps */
#define MAX_ERROR_TEXT 500

typedef struct
{
  WabizDb      *db;                    /* (owned) */
  WabizOutbox  *outbox;                /* (owned) (nullable) */
  GCancellable *cancellable;           /* (owned) cancelled by a stop and by dispose */
  guint         poll_interval_s;
  guint         backoff_initial_ms;
  guint         backoff_max_ms;
  guint         backoff_max_attempts;

  gboolean      started;
  gboolean      stopped;
  gboolean      in_round;              /* a round's statements run */
  gboolean      wake_pending;          /* asked for during a round, or without room */
  gboolean      all_pending;           /* the next round looks at everything */
  guint         n_busy;                /* work held */
  guint         n_rounds;
  guint         timer_id;
  gint64        round_started_us;      /* monotonic; 0: no round yet */
  gint64        timer_due;             /* monotonic µs */
  guint         poll_id;
  GPtrArray    *stop_tasks;            /* (owned) (element-type GTask) */
} WabizWorkerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (WabizWorker, wabiz_worker, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DB,
  PROP_OUTBOX,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One round on its way to a thread and back */
typedef struct
{
  WabizWorkerClass *klass;
  gpointer          data;   /* (owned) by klass->round_free */
  gboolean          all;
} Round;

static void
round_free (Round *round)
{
  if (round->data != NULL)
    round->klass->round_free (round->data);
  g_free (round);
}

struct _WabizWorkerClaim
{
  char          *id;       /* (owned) */
  char          *token;    /* (owned) */
  WabizOutgoing *message;  /* (owned) */
  WabizWorker   *worker;   /* (owned) (nullable) while queued */
};

/* A statement written as a piece of work */
typedef struct
{
  WabizWorker *self;  /* (owned) */
  const char  *what;  /* (unowned) a static text */
} Write;

static void run_round (WabizWorker *self);

static void
finish_stop_if_idle (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);
  g_autoptr(GPtrArray) tasks = NULL;

  if (!priv->stopped || priv->in_round || priv->n_busy > 0 || priv->stop_tasks->len == 0)
    return;

  tasks = g_steal_pointer (&priv->stop_tasks);
  priv->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

static gboolean
timer_cb (gpointer user_data)
{
  WabizWorker *self = user_data;
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  priv->timer_id = 0;
  run_round (self);
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer user_data)
{
  WabizWorker *self = user_data;
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  if (WABIZ_WORKER_GET_CLASS (self)->poll_looks_at_all)
    priv->all_pending = TRUE;
  run_round (self);
  return G_SOURCE_CONTINUE;
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
  gboolean ok;

  if (round->klass->round_in_transaction)
    ok = wabiz_db_conn_transaction (conn, round->klass->round_on_conn, round->data, &error);
  else
    ok = round->klass->round_on_conn (conn, round->data, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
round_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WabizWorker) self = user_data;
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);
  Round *round = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  double delay_s;

  priv->in_round = FALSE;
  priv->n_rounds++;
  g_task_propagate_boolean (G_TASK (result), &error);

  delay_s = round->klass->round_done (self, round->data, error);
  if (error != NULL)
    {
      /* cancelled: the database was closed under us */
      delay_s = -1;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* the database away is said by those who watch it (the
           * window, /health); here it is only a retry */
          if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
            g_message ("Cannot look at %s, trying again in %u s: %s", round->klass->what,
                       round->klass->retry_s, error->message);
          else
            g_warning ("Cannot look at %s, trying again in %u s: %s", round->klass->what,
                       round->klass->retry_s, error->message);
          priv->all_pending = priv->all_pending || round->all;
          delay_s = round->klass->retry_s;
        }
    }

  wabiz_worker_look_in (self, delay_s);
  finish_stop_if_idle (self);
  if (priv->wake_pending)
    run_round (self);
}

static void
run_round (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);
  WabizWorkerClass *klass = WABIZ_WORKER_GET_CLASS (self);
  gpointer data;
  Round *round;

  if (!priv->started || priv->stopped)
    return;
  if (priv->in_round || (data = klass->new_round (self, priv->all_pending)) == NULL)
    {
      priv->wake_pending = TRUE;
      return;
    }

  round = g_new0 (Round, 1);
  round->klass = klass;
  round->data = data;
  round->all = priv->all_pending;
  priv->all_pending = FALSE;
  priv->wake_pending = FALSE;
  priv->in_round = TRUE;
  priv->round_started_us = g_get_monotonic_time ();
  /* the round says when to look again */
  g_clear_handle_id (&priv->timer_id, g_source_remove);

  wabiz_worker_run_job (self, run_round, round_job, round, (GDestroyNotify) round_free,
                        round_done_cb, g_object_ref (self));
}

static void
written_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Write *write = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    g_warning ("Cannot write %s: %s", write->what, error->message);
  wabiz_worker_release (write->self, FALSE);
  g_object_unref (write->self);
  g_free (write);
}

/* @state: "failed" (for @error) or the class's unclaimed_state */
static void
write_outcome (WabizWorker      *self,
               WabizWorkerClaim *claim,
               const char       *state,
               const GError     *error)
{
  g_autofree char *reason = error != NULL ? wabiz_worker_error_text (error) : NULL;
  const char *p[] = { claim->id, claim->token, state, reason };

  wabiz_worker_write (self, "what queueing a claimed row came to",
                      WABIZ_WORKER_GET_CLASS (self)->outcome_sql, G_N_ELEMENTS (p), p);
}

static void
claim_queued_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WabizWorkerClaim *claim = user_data;
  g_autoptr(WabizWorker) self = g_steal_pointer (&claim->worker);
  WabizWorkerClass *klass = WABIZ_WORKER_GET_CLASS (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);

  if (uuid == NULL)
    {
      /* the database was away: claimed again later; a refused duplicate
       * (the link) is queued already, and its row changes no more */
      gboolean again = g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE) ||
                       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

      g_debug ("Claimed row %s not queued: %s", claim->id, error->message);
      write_outcome (self, claim, again ? klass->unclaimed_state : "failed", again ? NULL : error);
      if (again)
        wabiz_worker_look_in (self, klass->retry_s);
    }
  wabiz_worker_claim_free (claim);
  wabiz_worker_release (self, FALSE);
}

static void
wabiz_worker_real_start (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  priv->started = TRUE;
  priv->all_pending = TRUE;
  wabiz_worker_set_poll_interval (self, priv->poll_interval_s);
  run_round (self);
}

/* ------------------------------------------------------------------ */

static void
wabiz_worker_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WabizWorker *self = WABIZ_WORKER (object);
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_DB:
      g_value_set_object (value, priv->db);
      break;
    case PROP_OUTBOX:
      g_value_set_object (value, priv->outbox);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_worker_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  WabizWorker *self = WABIZ_WORKER (object);
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_DB:
      priv->db = g_value_dup_object (value);
      break;
    case PROP_OUTBOX:
      priv->outbox = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_worker_constructed (GObject *object)
{
  WabizWorker *self = WABIZ_WORKER (object);
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);
  WabizWorkerClass *klass = WABIZ_WORKER_GET_CLASS (self);

  G_OBJECT_CLASS (wabiz_worker_parent_class)->constructed (object);

  g_assert (WABIZ_IS_DB (priv->db));
  priv->poll_interval_s = klass->poll_interval_s;
  priv->backoff_initial_ms = klass->backoff_initial_ms;
  priv->backoff_max_ms = klass->backoff_max_ms;
  priv->backoff_max_attempts = klass->backoff_max_attempts;
}

static void
wabiz_worker_dispose (GObject *object)
{
  WabizWorker *self = WABIZ_WORKER (object);
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  priv->stopped = TRUE;
  g_cancellable_cancel (priv->cancellable);
  g_clear_handle_id (&priv->timer_id, g_source_remove);
  g_clear_handle_id (&priv->poll_id, g_source_remove);
  g_clear_object (&priv->db);
  g_clear_object (&priv->outbox);

  G_OBJECT_CLASS (wabiz_worker_parent_class)->dispose (object);
}

static void
wabiz_worker_finalize (GObject *object)
{
  WabizWorker *self = WABIZ_WORKER (object);
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_clear_object (&priv->cancellable);
  g_clear_pointer (&priv->stop_tasks, g_ptr_array_unref);

  G_OBJECT_CLASS (wabiz_worker_parent_class)->finalize (object);
}

static void
wabiz_worker_class_init (WabizWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wabiz_worker_get_property;
  object_class->set_property = wabiz_worker_set_property;
  object_class->constructed = wabiz_worker_constructed;
  object_class->dispose = wabiz_worker_dispose;
  object_class->finalize = wabiz_worker_finalize;

  klass->start = wabiz_worker_real_start;
  klass->max_delay_ms = DEFAULT_MAX_DELAY_MS;
  klass->retry_s = DEFAULT_RETRY_S;

  properties[PROP_DB] =
    g_param_spec_object ("db", NULL, NULL, WABIZ_TYPE_DB,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OUTBOX] =
    g_param_spec_object ("outbox", NULL, NULL, WABIZ_TYPE_OUTBOX,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_worker_init (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
  priv->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

void
wabiz_worker_start (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_WORKER (self));

  if (priv->started || priv->stopped)
    return;
  WABIZ_WORKER_GET_CLASS (self)->start (self);
}

void
wabiz_worker_wake (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);
  WabizWorkerClass *klass = WABIZ_WORKER_GET_CLASS (self);
  gint64 since_ms;

  g_return_if_fail (WABIZ_IS_WORKER (self));

  since_ms = (g_get_monotonic_time () - priv->round_started_us) / 1000;
  if (klass->min_wake_interval_ms > 0 && priv->round_started_us != 0 && since_ms < klass->min_wake_interval_ms)
    {
      wabiz_worker_look_in (self, (klass->min_wake_interval_ms - since_ms) / 1000.0);
      return;
    }
  run_round (self);
}

void
wabiz_worker_stop_async (WabizWorker         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_WORKER (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_worker_stop_async);

  priv->stopped = TRUE;
  g_clear_handle_id (&priv->timer_id, g_source_remove);
  g_clear_handle_id (&priv->poll_id, g_source_remove);
  /* calls in flight end as cancelled, and hand their rows back */
  g_cancellable_cancel (priv->cancellable);

  g_ptr_array_add (priv->stop_tasks, g_steal_pointer (&task));
  finish_stop_if_idle (self);
}

gboolean
wabiz_worker_stop_finish (WabizWorker   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_WORKER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_worker_stop_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wabiz_worker_set_poll_interval (WabizWorker *self,
                                guint        seconds)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_WORKER (self));

  priv->poll_interval_s = seconds;
  g_clear_handle_id (&priv->poll_id, g_source_remove);
  if (priv->started && !priv->stopped && seconds > 0)
    priv->poll_id = g_timeout_add_seconds (seconds, poll_cb, self);
}

WabizDb *
wabiz_worker_get_db (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_WORKER (self), NULL);

  return priv->db;
}

WabizOutbox *
wabiz_worker_get_outbox (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_WORKER (self), NULL);

  return priv->outbox;
}

GCancellable *
wabiz_worker_get_cancellable (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_WORKER (self), NULL);

  return priv->cancellable;
}

gboolean
wabiz_worker_is_stopped (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_WORKER (self), TRUE);

  return priv->stopped;
}

gboolean
wabiz_worker_is_in_round (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_WORKER (self), FALSE);

  return priv->in_round;
}

guint
wabiz_worker_get_n_busy (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_WORKER (self), 0);

  return priv->n_busy;
}

void
wabiz_worker_hold (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_WORKER (self));

  priv->n_busy++;
}

void
wabiz_worker_release (WabizWorker *self,
                      gboolean     look_again)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_WORKER (self));
  g_return_if_fail (priv->n_busy > 0);

  priv->n_busy--;
  finish_stop_if_idle (self);
  if (look_again || priv->wake_pending)
    run_round (self);
}

void
wabiz_worker_look_in (WabizWorker *self,
                      double       seconds)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);
  WabizWorkerClass *klass = WABIZ_WORKER_GET_CLASS (self);
  gint64 delay_ms;
  gint64 due;

  g_return_if_fail (WABIZ_IS_WORKER (self));

  if (!priv->started || priv->stopped || seconds < 0)
    return;

  /* rounded up: a round asked for at a time comes after it */
  seconds = MIN (seconds, klass->max_delay_ms / 1000.0);
  delay_ms = (gint64) (seconds * 1000);
  delay_ms += delay_ms < seconds * 1000;
  delay_ms = CLAMP (delay_ms, (gint64) klass->min_delay_ms, (gint64) klass->max_delay_ms);
  due = g_get_monotonic_time () + delay_ms * 1000;
  if (priv->timer_id != 0 && priv->timer_due <= due)
    return;

  g_clear_handle_id (&priv->timer_id, g_source_remove);
  priv->timer_due = due;
  priv->timer_id = g_timeout_add ((guint) delay_ms, timer_cb, self);
}

void
wabiz_worker_write (WabizWorker        *self,
                    const char         *what,
                    const char         *sql,
                    int                 n_params,
                    const char * const *params)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);
  Write *write;

  g_return_if_fail (WABIZ_IS_WORKER (self));
  g_return_if_fail (what != NULL && sql != NULL);

  write = g_new0 (Write, 1);
  write->self = g_object_ref (self);
  write->what = what;
  wabiz_worker_hold (self);
  /* not cancellable: a claim must be handed back even while stopping */
  wabiz_db_query_async (priv->db, sql, n_params, params, NULL, written_cb, write);
}

void
wabiz_worker_run_job (WabizWorker         *self,
                      gpointer             source_tag,
                      WabizDbJobFunc       func,
                      gpointer             data,
                      GDestroyNotify       data_free,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_WORKER (self));

  wabiz_db_run_job (priv->db, source_tag, func, data, data_free, NULL, callback, user_data);
}

void
wabiz_worker_get_backoff (WabizWorker        *self,
                          WabizWorkerBackoff *backoff)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_WORKER (self));
  g_return_if_fail (backoff != NULL);

  g_snprintf (backoff->max_attempts, sizeof backoff->max_attempts, "%u", priv->backoff_max_attempts);
  g_snprintf (backoff->initial_ms, sizeof backoff->initial_ms, "%u", priv->backoff_initial_ms);
  g_snprintf (backoff->max_ms, sizeof backoff->max_ms, "%u", priv->backoff_max_ms);
}

WabizWorkerClaim *
wabiz_worker_claim_new (const char    *id,
                        const char    *token,
                        WabizOutgoing *message)
{
  WabizWorkerClaim *claim;

  g_return_val_if_fail (id != NULL && token != NULL && message != NULL, NULL);

  claim = g_new0 (WabizWorkerClaim, 1);
  claim->id = g_strdup (id);
  claim->token = g_strdup (token);
  claim->message = message;
  return claim;
}

void
wabiz_worker_claim_free (WabizWorkerClaim *claim)
{
  g_free (claim->id);
  g_free (claim->token);
  g_clear_pointer (&claim->message, wabiz_outgoing_unref);
  g_clear_object (&claim->worker);
  g_free (claim);
}

void
wabiz_worker_queue_claims (WabizWorker *self,
                           GPtrArray   *claims)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);
  WabizWorkerClass *klass = WABIZ_WORKER_GET_CLASS (self);

  g_return_if_fail (WABIZ_IS_WORKER (self));
  g_return_if_fail (WABIZ_IS_OUTBOX (priv->outbox));
  g_return_if_fail (klass->outcome_sql != NULL && klass->unclaimed_state != NULL);

  while (claims->len > 0)
    {
      WabizWorkerClaim *claim = g_ptr_array_steal_index (claims, 0);

      if (priv->stopped)
        {
          /* claimed again after the next start */
          write_outcome (self, claim, klass->unclaimed_state, NULL);
          wabiz_worker_claim_free (claim);
          continue;
        }
      claim->worker = g_object_ref (self);
      wabiz_worker_hold (self);
      /* not cancellable: once asked for, the message is queued or not at all */
      wabiz_outbox_queue_async (priv->outbox, claim->message, NULL, claim_queued_cb, claim);
    }
}

char *
wabiz_worker_error_text (const GError *error)
{
  char *text;

  g_return_val_if_fail (error != NULL, NULL);

  text = g_utf8_make_valid (error->message, -1);
  if (g_utf8_strlen (text, -1) > MAX_ERROR_TEXT)
    *g_utf8_offset_to_pointer (text, MAX_ERROR_TEXT) = '\0';
  return text;
}

void
_wabiz_worker_set_backoff (WabizWorker *self,
                           guint        initial_ms,
                           guint        max_ms,
                           guint        max_attempts)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_WORKER (self));
  g_return_if_fail (initial_ms > 0 && max_ms >= initial_ms && max_attempts > 0);

  priv->backoff_initial_ms = initial_ms;
  priv->backoff_max_ms = max_ms;
  priv->backoff_max_attempts = max_attempts;
}

guint
_wabiz_worker_get_n_rounds (WabizWorker *self)
{
  WabizWorkerPrivate *priv = wabiz_worker_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_WORKER (self), 0);

  return priv->n_rounds;
}
