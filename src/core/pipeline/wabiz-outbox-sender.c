/* wabiz-outbox-sender.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The outbox's sender: one per database. It holds a session advisory
 * lock (OUTBOX_LOCK_KEY) on a connection of its own, outside the pool,
 * on a thread of its own, for its whole life; other processes try again
 * every second, so a sender that dies is replaced. It claims due rows a
 * few at a time, as tokens of a token bucket allow (default 80
 * messages/s), flipping them to state "sending" in the same statement
 * (FOR UPDATE SKIP LOCKED), and hands each to the Graph client at once.
 * A bulk row is not claimed while another message to the same customer
 * left less than 6 s ago (Meta's pair rate limit).
 *
 * ONE SENDER, FOR REAL:
 *  - the lock's connection never reconnects by itself (a new session
 *    would hold nothing). The server ending that session (a restart,
 *    pg_terminate_backend, a pooler) is seen on its socket at once, a
 *    silent link at the check every second; either way this process
 *    stops sending, says so (a warning and the sender-problem property)
 *    and takes the lock again from scratch, recovering as a new sender;
 *  - a claim takes rows only while the lock's session holds the lock
 *    (pg_locks, in the claim's own statement), so a sender that lost it
 *    and has not heard yet takes nothing;
 *  - each claim carries a token (outbox.claim_token). The claim first
 *    returns the rows that already carry its token, and takes new ones
 *    only if there are none: sent again after a broken connection (the
 *    database layer does that, and cannot know whether the first one
 *    committed), it gives the same rows, never a second batch;
 *  - every write of an outcome is conditional on the row still being as
 *    its claim left it ("sending" with its token; a final outcome may
 *    also replace "unknown", which a sender that took over wrote by the
 *    crash rule): a late outcome changes nothing, and can never put a
 *    row that was taken over and sent back to "pending".
 *
 * Outcomes:
 *  - accepted: wamid stored, status "accepted" (Meta gave a
 *    message_status) or "sent"; when Meta's wa_id differs from the number
 *    typed, the message, conversation and lead move to the wa_id (the
 *    typed lead is merged into the wa_id lead) and the mapping is kept in
 *    wa_id_aliases, so one customer never becomes two leads;
 *  - retryable (wabiz_graph_error_is_retryable): back to "pending" with
 *    next_attempt_at = now + max(Retry-After, 1 s * 2^(attempt-1)) ± 20 %
 *    jitter, at most MAX_ATTEMPTS tries; 130429/4/80007 also pause the
 *    whole sender for the suggested delay;
 *  - permanent: outbox "failed", message "failed" with Meta's code and
 *    title;
 *  - ambiguous (the request left, the answer was lost): "unknown", as
 *    for a crash below.
 *
 * CRASH RULE: a row still in state "sending" when a sender starts was in
 * flight when the previous sender died (crash, SIGKILL, power loss): it
 * may or may not have reached Meta. It is never sent again
 * automatically. The sender marks it outbox state "unknown" and its
 * message status "unknown" with the error title "Not known whether this
 * was sent; check before resending", for the user to check the chat
 * (or a later status webhook, which moves it forward) and resend by hand
 * if needed. Rows still "pending" are sent normally after a restart.
 *
 * ATTACHMENTS FROM A FILE (the copy is in the spool, see
 * wabiz-outbox-spool.c): a sender claims such a row only on the machine
 * that holds the copy, until it has a media id. Two phases, each one
 * claim:
 *  1. upload: the row is "sending" while the copy streams to Meta. An
 *     upload is not a send: on success the media id is stored
 *     (outbox.media_upload_id, messages.media_id) and the row goes back
 *     to "pending", due now; a retryable failure (network, 5xx, 429,
 *     Meta's transient codes, even an answer lost on the way: an upload
 *     sends nothing to the customer) backs off like a send; a permanent
 *     one (too large, wrong type, the copy gone) fails the message with
 *     the reason. A crash during an upload leaves "sending" without a
 *     media id: the next sender puts the row back to "pending" and
 *     uploads again (at worst Meta keeps an unused media object).
 *  2. send: like any other message, by the stored media id, which is
 *     never uploaded again; the crash rule above applies as is.
 * Only a file inside this spool (symlinks and ".." resolved) is
 * uploaded: a row written by someone who can write to a shared database
 * cannot make this computer upload its other files.
 */

#define G_LOG_DOMAIN "wabiz-outbox"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-outbox-private.h"
#include "wabiz-store.h"

#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <libpq-fe.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#define OUTBOX_LOCK_KEY      "6294253316613256564"
/* true when the session whose backend is @pid holds the lock (a bigint
 * key is classid, its high half, and objid) */
#define LOCK_HELD_BY(pid)                                                               \
  "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1"  \
  "  AND ((l.classid::bigint << 32) | l.objid::bigint) = " OUTBOX_LOCK_KEY             \
  "  AND l.granted AND l.pid = " pid ")"
#define DEFAULT_RATE         80.0
#define MAX_ATTEMPTS         12
#define MAX_BATCH            50
#define IDLE_POLL_MS         250
#define ACQUIRE_RETRY_MS     1000
#define LOCK_CHECK_S         1
#define WRITE_RETRY_MS       1000
#define MAX_WRITE_RETRIES    60
#define PAIR_INTERVAL_S      "6"


/* The lock's thread and the outbox talk through this */
struct _WabizOutboxLock
{
  gatomicrefcount  ref_count;
  GMutex           mutex;
  gboolean         release;      /* main → thread: let go of the lock */
  int              wake[2];      /* a pipe: a byte on wake[1] wakes the thread */
  GMainContext    *context;      /* (owned) the outbox's */
  GWeakRef         outbox;
  WabizDb         *db;           /* (owned) */
  /* thread → main: written before the thread invokes its callbacks */
  int              pid;          /* the lock's session (its backend) */
  gboolean         held;         /* the lock was taken */
  GError          *error;        /* (owned) (nullable) why it ended, if not asked to */
};

typedef WabizOutboxLock LockHolder;

static void schedule (WabizOutbox *self);
static void maybe_finish_stop (WabizOutbox *self);
static void try_acquire (WabizOutbox *self);

static LockHolder *
lock_holder_ref (LockHolder *holder)
{
  g_atomic_ref_count_inc (&holder->ref_count);
  return holder;
}

static void
lock_holder_unref (LockHolder *holder)
{
  if (!g_atomic_ref_count_dec (&holder->ref_count))
    return;
  g_mutex_clear (&holder->mutex);
  close (holder->wake[0]);
  close (holder->wake[1]);
  g_main_context_unref (holder->context);
  g_weak_ref_clear (&holder->outbox);
  g_object_unref (holder->db);
  g_clear_error (&holder->error);
  g_free (holder);
}

static void
lock_holder_release (LockHolder *holder)
{
  g_mutex_lock (&holder->mutex);
  if (!holder->release)
    {
      holder->release = TRUE;
      /* nothing to do if the pipe is full: the thread is awake anyway */
      if (write (holder->wake[1], "x", 1) < 0)
        g_debug ("Cannot wake the outbox lock's thread: %s", g_strerror (errno));
    }
  g_mutex_unlock (&holder->mutex);
}

static gboolean
lock_holder_released (LockHolder *holder)
{
  gboolean release;

  g_mutex_lock (&holder->mutex);
  release = holder->release;
  g_mutex_unlock (&holder->mutex);
  return release;
}

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static void
notify_outbox (WabizDbConn *conn,
               const char  *phone,
               const char  *uuid)
{
  g_autoptr(GError) error = NULL;

  if (!wabiz_store_notify_on_conn (conn, "messages", phone, uuid, &error))
    g_warning ("Could not notify: %s", error->message);
}

static gboolean
exec_ok (WabizDbConn        *conn,
         const char         *sql,
         int                 n,
         const char * const *params,
         GError            **error)
{
  g_autoptr(WabizDbResult) res = wabiz_db_conn_exec (conn, sql, n, params, error);

  return res != NULL;
}

/* Runs @job with a pool connection; @callback gets a reference to @self
 * as its user data. The task has no source object: a job must not keep
 * the outbox alive by itself. */
static void
run_job (WabizOutbox         *self,
         WabizDbJobFunc       job,
         gpointer             data,
         GDestroyNotify       destroy,
         GAsyncReadyCallback  callback)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, g_object_ref (self));

  g_task_set_source_tag (task, job);
  g_task_set_task_data (task, data, destroy);
  wabiz_db_run_in_thread (self->db, task, job);
}

/* After each step: the next one, or the end of a stop */
static void
step_done (WabizOutbox *self)
{
  schedule (self);
  maybe_finish_stop (self);
}

/* A claimed row is done with (sent, put back, or its outcome written) */
static void
row_done (WabizOutbox *self)
{
  self->in_flight--;
  step_done (self);
}

/* ------------------------------------------------------------------ */
/* the lock */

static gboolean
acquired_cb (gpointer user_data)
{
  LockHolder *holder = user_data;
  g_autoptr(WabizOutbox) self = g_weak_ref_get (&holder->outbox);

  if (self == NULL || self->lock != holder || self->stopping)
    return G_SOURCE_REMOVE;

  g_debug ("This process is the outbox sender");
  self->lock_pid = holder->pid;
  self->recovered = FALSE;
  self->idle = FALSE;
  self->tokens = 1;
  self->last_refill = now_us ();
  _wabiz_outbox_set_sender_problem (self, NULL);
  _wabiz_outbox_set_is_sender (self, TRUE);
  schedule (self);   /* starts with the crash recovery */
  return G_SOURCE_REMOVE;
}

static void
set_lost_error (GError    **error,
                const char *reason)
{
  g_autofree char *line = g_strndup (reason ? reason : "", strcspn (reason ? reason : "", "\n"));

  g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE,
               _("The database ended the session (%s)"), *line != '\0' ? line : _("no reason given"));
}

/* Holds the lock on @conn until told to let go (TRUE) or its session is
 * gone (FALSE, and @error says why). The server ending the session says
 * so on the socket, seen at once; a link gone silent shows at the check
 * every LOCK_CHECK_S. The connection never reconnects. */
static gboolean
hold_lock (LockHolder  *holder,
           WabizDbConn *conn,
           GError     **error)
{
  PGconn *pg = wabiz_db_conn_get_pgconn (conn);

  if (pg == NULL)
    {
      set_lost_error (error, NULL);
      return FALSE;
    }

  while (!lock_holder_released (holder))
    {
      struct pollfd fds[2] = {
        { .fd = PQsocket (pg), .events = POLLIN },
        { .fd = holder->wake[0], .events = POLLIN },
      };
      int n = poll (fds, G_N_ELEMENTS (fds), LOCK_CHECK_S * 1000);

      if (n < 0 && errno != EINTR)
        {
          set_lost_error (error, g_strerror (errno));
          return FALSE;
        }
      if (n > 0 && fds[0].revents != 0)
        {
          PGnotify *notify;

          /* the server speaks unasked only to end the session (or for a
           * notification nobody asked for here) */
          if (!PQconsumeInput (pg) || PQstatus (pg) != CONNECTION_OK)
            {
              set_lost_error (error, PQerrorMessage (pg));
              return FALSE;
            }
          while ((notify = PQnotifies (pg)) != NULL)
            PQfreemem (notify);
        }
      else if (n == 0)
        {
          g_autoptr(WabizDbResult) check = wabiz_db_conn_exec (conn, "SELECT 1", 0, NULL, error);

          if (check == NULL)
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean lock_ended_cb (gpointer user_data);

/* Runs @func on the outbox's main context, always from its own loop
 * (g_main_context_invoke() would run it here, on this thread, when the
 * context is free) */
static void
lock_holder_tell (LockHolder  *holder,
                  GSourceFunc  func)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, lock_holder_ref (holder), (GDestroyNotify) lock_holder_unref);
  g_source_set_static_name (source, "[wabiz-outbox-lock]");
  g_source_attach (source, holder->context);
}

/* The lock's life, on a thread of its own with a connection of its own:
 * take it, hold it, let go (or lose it), tell the outbox. */
static gpointer
lock_thread (gpointer data)
{
  LockHolder *holder = data;   /* the thread's reference */
  WabizDbConn *conn;
  GError *error = NULL;

  conn = wabiz_db_open_connection (holder->db, &error);
  if (conn != NULL)
    {
      g_autoptr(WabizDbResult) res = NULL;

      res = wabiz_db_conn_exec (conn,
                                "SELECT pg_try_advisory_lock(" OUTBOX_LOCK_KEY ") AS ok,"
                                "  pg_backend_pid() AS pid",
                                0, NULL, &error);
      if (res != NULL && wabiz_db_result_get_bool (res, 0, "ok"))
        {
          holder->pid = (int) wabiz_db_result_get_int (res, 0, "pid");
          holder->held = TRUE;
          lock_holder_tell (holder, acquired_cb);

          if (hold_lock (holder, conn, &error))
            {
              g_autoptr(WabizDbResult) unlocked = NULL;

              unlocked = wabiz_db_conn_exec (conn, "SELECT pg_advisory_unlock(" OUTBOX_LOCK_KEY ")",
                                             0, NULL, NULL);
            }
        }
      /* the session ends, and its lock with it */
      wabiz_db_conn_close (conn);
    }

  holder->error = error;
  lock_holder_tell (holder, lock_ended_cb);
  lock_holder_unref (holder);
  return NULL;
}

static gboolean
acquire_timeout_cb (gpointer user_data)
{
  WabizOutbox *self = user_data;

  self->acquire_id = 0;
  try_acquire (self);
  return G_SOURCE_REMOVE;
}

static gboolean
lock_ended_cb (gpointer user_data)
{
  LockHolder *holder = user_data;
  g_autoptr(WabizOutbox) self = g_weak_ref_get (&holder->outbox);

  if (self == NULL || self->lock != holder)
    return G_SOURCE_REMOVE;

  g_clear_pointer (&self->lock, lock_holder_unref);
  self->lock_pid = 0;

  if (holder->held && holder->error != NULL)
    {
      g_warning ("This process lost its lock as the outbox sender (%s); "
                 "it stopped sending and is taking the lock again", holder->error->message);
      _wabiz_outbox_set_sender_problem (self, _("Sending is paused: the database session that made this "
                                                "computer the sender was cut. WaBiz is taking it again; "
                                                "if this stays, check the connection to the database."));
    }
  else if (holder->error != NULL)
    g_debug ("Cannot take the outbox sender's lock: %s", holder->error->message);
  else if (!holder->held)
    {
      g_debug ("Another process is the outbox sender");
      /* sending goes on there */
      _wabiz_outbox_set_sender_problem (self, NULL);
    }

  _wabiz_outbox_set_is_sender (self, FALSE);
  g_clear_handle_id (&self->timer_id, g_source_remove);

  if (self->stopping)
    {
      maybe_finish_stop (self);
      return G_SOURCE_REMOVE;
    }

  /* not (or no longer) the sender: try again later */
  g_clear_handle_id (&self->acquire_id, g_source_remove);
  self->acquire_id = g_timeout_add (ACQUIRE_RETRY_MS, acquire_timeout_cb, self);
  return G_SOURCE_REMOVE;
}

static void
try_acquire (WabizOutbox *self)
{
  g_autoptr(GError) error = NULL;
  LockHolder *holder;

  if (self->lock != NULL || self->stopping)
    return;

  holder = g_new0 (LockHolder, 1);
  if (!g_unix_open_pipe (holder->wake, FD_CLOEXEC, &error))
    {
      g_warning ("Cannot start the outbox sender: %s", error->message);
      g_free (holder);
      return;
    }
  g_atomic_ref_count_init (&holder->ref_count);
  g_mutex_init (&holder->mutex);
  holder->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&holder->outbox, self);
  holder->db = g_object_ref (self->db);
  self->lock = holder;

  /* the thread does not keep the outbox alive: it ends when told to,
   * and lets go of the lock and its connection first */
  g_thread_unref (g_thread_new ("wabiz-outbox-lock", lock_thread, lock_holder_ref (holder)));
}

/* ------------------------------------------------------------------ */
/* crash recovery */

typedef struct
{
  WabizOutbox   *self;         /* (unowned) the callback's reference keeps it */
  char          *lock_pid;     /* (owned) */
  char          *retry_token;  /* (owned) (nullable) a claim of ours whose answer was lost */
  WabizDbResult *settled;      /* (owned) (nullable) the messages settled as unknown */
} RecoverData;

static void
recover_data_free (RecoverData *data)
{
  g_free (data->lock_pid);
  g_free (data->retry_token);
  g_clear_pointer (&data->settled, wabiz_db_result_unref);
  g_free (data);
}

/* @user_data: the RecoverData */
static gboolean
recover_on_conn (WabizDbConn *conn,
                 gpointer     user_data,
                 GError     **error)
{
  RecoverData *data = user_data;
  const char *params[] = { WABIZ_OUTBOX_UNKNOWN_TITLE };
  const char *upload_params[] = { N_("The upload was interrupted; trying again") };
  const char *pid[] = { data->lock_pid };
  g_autoptr(WabizDbResult) held = NULL;

  /* only the lock's holder settles what others left */
  held = wabiz_db_conn_exec (conn, "SELECT " LOCK_HELD_BY ("$1::int") " AS ok", 1, pid, error);
  if (held == NULL)
    return FALSE;
  if (!wabiz_db_result_get_bool (held, 0, "ok"))
    {
      g_debug ("Not recovering: the lock was lost meanwhile");
      return TRUE;
    }

  /* a claim of ours whose answer was lost: its rows were never sent */
  if (data->retry_token != NULL)
    {
      const char *token[] = { data->retry_token };

      if (!exec_ok (conn,
                    "UPDATE outbox SET state = 'pending', claim_token = NULL, sent_at = NULL,"
                    "  attempts = greatest(attempts - 1, 0), next_attempt_at = now(), updated_at = now()"
                    " WHERE claim_token = $1::uuid AND state = 'sending'",
                    1, token, error))
        return FALSE;
    }

  /* an upload is not a send: one a crash interrupted is simply redone */
  if (!exec_ok (conn,
                "UPDATE outbox SET state = 'pending', claim_token = NULL, last_error = $1, sent_at = NULL,"
                "  next_attempt_at = now(), updated_at = now()"
                " WHERE state = 'sending' AND media_file IS NOT NULL"
                "   AND media_upload_id IS NULL",
                1, upload_params, error))
    return FALSE;
  /* the claim's token stays: a sender still alive may yet write what
   * became of it */
  data->settled = wabiz_db_conn_exec (conn,
                                      "WITH s AS (UPDATE outbox SET state = 'unknown', last_error = $1, updated_at = now()"
                                      "           WHERE state = 'sending' RETURNING message_uuid)"
                                      " UPDATE messages m SET status = 'unknown', error_title = $1,"
                                      "   error_code = NULL, updated_at = now()"
                                      "  FROM s WHERE m.id = s.message_uuid"
                                      " RETURNING m.id::text AS id, m.phone, m.error_title",
                                      1, params, error);
  if (data->settled == NULL)
    return FALSE;
  for (guint i = 0; i < wabiz_db_result_get_n_rows (data->settled); i++)
    notify_outbox (conn, wabiz_db_result_get (data->settled, i, "phone"),
                   wabiz_db_result_get (data->settled, i, "id"));
  return TRUE;
}

static void
recover_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  RecoverData *data = task_data;
  GError *error = NULL;

  if (!_wabiz_outbox_transaction (conn, recover_on_conn, data, &error))
    {
      g_clear_pointer (&data->settled, wabiz_db_result_unref);
      g_task_return_error (task, error);
      return;
    }
  _wabiz_outbox_spool_sweep_on_conn (data->self, conn);
  _wabiz_outbox_spool_sweep_orphans_on_conn (data->self, conn);
  g_task_return_boolean (task, TRUE);
}

static gboolean
timer_cb (gpointer user_data)
{
  WabizOutbox *self = user_data;

  self->timer_id = 0;
  schedule (self);
  return G_SOURCE_REMOVE;
}

static void
recover_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WabizOutbox) self = user_data;
  RecoverData *data = g_task_get_task_data (G_TASK (result));
  WabizDbResult *res;
  g_autoptr(GError) error = NULL;

  self->recovering = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_warning ("Could not settle the messages a crash left in flight: %s", error->message);
      if (!self->stopping)
        {
          g_clear_handle_id (&self->timer_id, g_source_remove);
          self->timer_id = g_timeout_add (WRITE_RETRY_MS, timer_cb, self);
        }
      maybe_finish_stop (self);
      return;
    }

  /* the lost claim's rows are back in the queue */
  if (g_strcmp0 (self->retry_token, data->retry_token) == 0)
    g_clear_pointer (&self->retry_token, g_free);

  res = data->settled;
  if (res != NULL && wabiz_db_result_get_n_rows (res) > 0)
    g_message ("%u messages were being sent when the previous sender stopped; "
               "they are marked unknown and will not be sent again",
               wabiz_db_result_get_n_rows (res));
  for (guint i = 0; res != NULL && i < wabiz_db_result_get_n_rows (res); i++)
    {
      WabizOutboxSettled settled = {
        .status = "unknown",
        .error_title = wabiz_db_result_get (res, i, "error_title"),
      };

      _wabiz_outbox_settle (self, wabiz_db_result_get (res, i, "id"), &settled);
    }

  self->recovered = TRUE;
  step_done (self);
}

/* ------------------------------------------------------------------ */
/* results */

typedef enum
{
  OUTCOME_DONE,
  OUTCOME_RETRY,
  OUTCOME_FAILED,
  OUTCOME_UNKNOWN,
  OUTCOME_UPLOADED,   /* a file's first phase: the media id is Meta's */
} Outcome;

typedef struct
{
  WabizOutbox    *self;       /* (owned) */
  gint64          id;
  char           *token;      /* (owned) its claim's */
  char           *uuid;
  char           *phone;
  int             attempts;
  JsonNode       *payload;    /* (owned) */
  Outcome         outcome;
  WabizGraphSent *sent;       /* (owned) (nullable) */
  GError         *error;      /* (owned) (nullable) */
  guint           delay_ms;
  guint           write_tries;
  char           *media_file; /* (owned) (nullable) the spool copy, if any */
  char           *media_id;   /* (owned) (nullable) just uploaded */
  char           *media_mime; /* (owned) (nullable) as uploaded */
  /* what the row and the waiters are told of the error */
  char           *error_code;    /* (owned) (nullable) Meta's */
  const char     *error_title;   /* (nullable) */
  const char     *error_details; /* (nullable) */
  /* filled by the job */
  char           *status;
  gboolean        stale;      /* the row was no longer as the claim left it */
  WabizDbResult  *current;    /* (owned) (nullable) then: the message as it is */
} SendCtx;

static void
send_ctx_free (SendCtx *ctx)
{
  g_clear_object (&ctx->self);
  g_free (ctx->token);
  g_clear_pointer (&ctx->current, wabiz_db_result_unref);
  g_free (ctx->uuid);
  g_free (ctx->phone);
  g_clear_pointer (&ctx->payload, json_node_unref);
  g_clear_pointer (&ctx->sent, wabiz_graph_sent_free);
  g_clear_error (&ctx->error);
  g_free (ctx->error_code);
  g_free (ctx->status);
  g_free (ctx->media_file);
  g_free (ctx->media_id);
  g_free (ctx->media_mime);
  g_free (ctx);
}

/* What a writer returns when the row was taken over: nothing written */
static const char STALE[] = "stale";

/* Runs @sql, an outcome's write of the outbox row ($1 its id, $2 its
 * claim's token, in its WHERE with the state it expects); when it
 * changed no row, the outcome came too late: ctx->stale, and nothing
 * more is written. */
static gboolean
exec_claimed (WabizDbConn        *conn,
              SendCtx            *ctx,
              const char         *sql,
              int                 n,
              const char * const *params,
              GError            **error)
{
  g_autoptr(WabizDbResult) res = wabiz_db_conn_exec (conn, sql, n, params, error);

  if (res == NULL)
    return FALSE;
  ctx->stale = wabiz_db_result_get_n_affected (res) == 0;
  return TRUE;
}

/* The outbox row's final state and last error: only while it is
 * "sending" for this claim; a message in doubt ("unknown", written by a
 * sender that took over) may get the truth. */
static gboolean
set_outbox_state (WabizDbConn *conn,
                  SendCtx     *ctx,
                  const char  *id,
                  const char  *state,
                  const char  *last_error,
                  GError     **error)
{
  const char *p[] = { id, ctx->token, state, last_error };

  return exec_claimed (conn, ctx,
                       "UPDATE outbox SET state = $3, last_error = $4, updated_at = now()"
                       " WHERE id = $1::bigint AND claim_token = $2::uuid"
                       "   AND (state = 'sending' OR (state = 'unknown' AND $3 IN ('done', 'failed')))",
                       4, p, error);
}

/* Writing an outcome: each returns the message's status, STALE when
 * the row was taken over, NULL on error.
 * @phone: (inout) the number the message went to */
typedef const char *(*OutcomeWriter) (WabizDbConn *conn,
                                      SendCtx     *ctx,
                                      const char  *id,
                                      const char **phone,
                                      GError     **error);

/* Meta took it; when Meta's wa_id differs, it is where the message went */
static const char *
write_accepted (WabizDbConn *conn,
                SendCtx     *ctx,
                const char  *id,
                const char **phone,
                GError     **error)
{
  const char *status = ctx->sent->message_status ? "accepted" : "sent";
  const char *wa_id = ctx->sent->wa_id;
  g_autofree char *turn = g_strconcat ("wabiz-wamid:", ctx->sent->wamid, NULL);

  /* the wamid's turn first, before any row is locked: a status webhook
   * for it waits, or is kept before and applied here (030) */
  if (!wabiz_db_conn_take_turn (conn, turn, error))
    return NULL;
  if (!set_outbox_state (conn, ctx, id, "done", NULL, error))
    return NULL;
  if (ctx->stale)
    return STALE;

  if (wa_id != NULL && *wa_id != '\0' && !g_str_equal (wa_id, ctx->phone))
    {
      g_debug ("Meta's wa_id differs from the number typed; merging (message %s)", ctx->uuid);
      /* moves the outbox row too */
      if (!wabiz_store_merge_wa_id_on_conn (conn, ctx->phone, wa_id, error))
        return NULL;
      *phone = wa_id;
    }

  {
    const char *p[] = { ctx->uuid, ctx->sent->wamid, status, *phone };

    if (!exec_ok (conn,
                  "UPDATE messages SET message_id = $2, phone = $4,"
                  "  status = CASE WHEN status IS NULL OR status IN ('queued', 'unknown', 'failed')"
                  "                THEN $3 ELSE status END,"
                  "  accepted_at = coalesce(accepted_at, now()),"
                  "  sent_at = CASE WHEN $3 = 'sent' THEN coalesce(sent_at, now()) ELSE sent_at END,"
                  "  error_code = NULL, error_title = NULL, error_details = NULL, updated_at = now()"
                  " WHERE id = $1::uuid",
                  4, p, error))
      return NULL;
    if (!exec_ok (conn,
                  "UPDATE conversations SET last_message_status = $1"
                  " WHERE phone = $2 AND last_direction = 'outbound'"
                  "   AND last_message_status IS DISTINCT FROM $1",
                  2, p + 2, error))
      return NULL;
  }
  return status;
}

static const char *
write_failed (WabizDbConn *conn,
              SendCtx     *ctx,
              const char  *id,
              const char **phone,
              GError     **error)
{
  const char *p[] = { ctx->uuid, ctx->error_code, ctx->error_title, ctx->error_details, ctx->phone };

  if (!set_outbox_state (conn, ctx, id, "failed", ctx->error->message, error))
    return NULL;
  if (ctx->stale)
    return STALE;
  if (!exec_ok (conn,
                "UPDATE messages SET status = 'failed', error_code = $2::int, error_title = $3,"
                "  error_details = $4, failed_at = now(), updated_at = now()"
                " WHERE id = $1::uuid AND (status IS NULL OR status IN ('queued', 'unknown'))",
                4, p, error))
    return NULL;
  if (!exec_ok (conn,
                "UPDATE conversations SET last_message_status = 'failed'"
                " WHERE phone = $1 AND last_direction = 'outbound'",
                1, p + 4, error))
    return NULL;
  if (g_strcmp0 (ctx->error_code, "131026") == 0
      && !exec_ok (conn, "UPDATE leads SET unreachable = true, updated_at = now()"
                         " WHERE phone = $1 AND NOT unreachable", 1, p + 4, error))
    return NULL;
  return "failed";
}

static const char *
write_unknown (WabizDbConn *conn,
               SendCtx     *ctx,
               const char  *id,
               const char **phone,
               GError     **error)
{
  const char *p[] = { ctx->uuid, ctx->error_title, ctx->error->message };

  if (!set_outbox_state (conn, ctx, id, "unknown", ctx->error->message, error))
    return NULL;
  if (ctx->stale)
    return STALE;
  if (!exec_ok (conn,
                "UPDATE messages SET status = 'unknown', error_title = $2, error_details = $3,"
                "  updated_at = now()"
                " WHERE id = $1::uuid AND (status IS NULL OR status = 'queued')",
                3, p, error))
    return NULL;
  return "unknown";
}

/* Back in the queue: only from "sending" for this claim, never from a
 * state another sender settled */
static const char *
write_retry (WabizDbConn *conn,
             SendCtx     *ctx,
             const char  *id,
             const char **phone,
             GError     **error)
{
  g_autofree char *delay = g_strdup_printf ("%u", ctx->delay_ms);
  const char *p[] = { id, ctx->token, delay, ctx->error->message };

  if (!exec_claimed (conn, ctx,
                     "UPDATE outbox SET state = 'pending', claim_token = NULL, last_error = $4,"
                     "  updated_at = now(), next_attempt_at = now() + ($3 || ' milliseconds')::interval"
                     " WHERE id = $1::bigint AND claim_token = $2::uuid AND state = 'sending'",
                     4, p, error))
    return NULL;
  return ctx->stale ? STALE : "queued";
}

static const char *
write_uploaded (WabizDbConn *conn,
                SendCtx     *ctx,
                const char  *id,
                const char **phone,
                GError     **error)
{
  const char *po[] = { id, ctx->token, ctx->media_id };
  const char *pm[] = { ctx->uuid, ctx->media_id, ctx->media_mime };

  /* the upload did not count as a send attempt; due again now. Only
   * from "sending" for this claim: a row another sender took over and
   * sent must not go again by this media id. */
  if (!exec_claimed (conn, ctx,
                     "UPDATE outbox SET state = 'pending', claim_token = NULL, media_upload_id = $3,"
                     "  media_uploaded_at = now(), attempts = greatest(attempts - 1, 0), sent_at = NULL,"
                     "  next_attempt_at = now(), last_error = NULL, updated_at = now()"
                     " WHERE id = $1::bigint AND claim_token = $2::uuid AND state = 'sending'",
                     3, po, error))
    return NULL;
  if (ctx->stale)
    return STALE;
  if (!exec_ok (conn,
                "UPDATE messages SET media_id = $2, media_mime = coalesce($3, media_mime),"
                "  updated_at = now()"
                " WHERE id = $1::uuid",
                3, pm, error))
    return NULL;
  return "queued";
}

static const OutcomeWriter outcome_writers[] = {
  [OUTCOME_DONE] = write_accepted,
  [OUTCOME_RETRY] = write_retry,
  [OUTCOME_FAILED] = write_failed,
  [OUTCOME_UNKNOWN] = write_unknown,
  [OUTCOME_UPLOADED] = write_uploaded,
};

/* @data: the SendCtx */
static gboolean
write_outcome (WabizDbConn *conn,
               gpointer     data,
               GError     **error)
{
  SendCtx *ctx = data;
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, ctx->id);
  const char *phone = ctx->phone;
  const char *status;

  g_assert (ctx->outcome < G_N_ELEMENTS (outcome_writers));
  ctx->stale = FALSE;
  g_clear_pointer (&ctx->current, wabiz_db_result_unref);
  status = outcome_writers[ctx->outcome] (conn, ctx, id, &phone, error);
  if (status == NULL)
    return FALSE;
  if (status == STALE)
    {
      const char *p[] = { ctx->uuid };

      /* what the message came to meanwhile, for this process's waiters */
      ctx->current = wabiz_db_conn_exec (conn,
                                         "SELECT status, message_id, error_code::text AS error_code,"
                                         "  error_title, error_details FROM messages WHERE id = $1::uuid",
                                         1, p, error);
      return ctx->current != NULL;
    }
  g_free (ctx->status);
  ctx->status = g_strdup (status);
  notify_outbox (conn, phone, ctx->uuid);
  return TRUE;
}

static void
outcome_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SendCtx *ctx = task_data;
  GError *error = NULL;

  if (!_wabiz_outbox_transaction (conn, write_outcome, ctx, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* settled: its spool copy goes before anyone hears of it */
  if (ctx->media_file != NULL && !ctx->stale && ctx->outcome != OUTCOME_RETRY && ctx->outcome != OUTCOME_UPLOADED)
    _wabiz_outbox_spool_sweep_on_conn (ctx->self, conn);
  g_task_return_boolean (task, TRUE);
}

static void write_outcome_async (SendCtx *ctx);

static gboolean
write_retry_cb (gpointer user_data)
{
  write_outcome_async (user_data);
  return G_SOURCE_REMOVE;
}

static void
outcome_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WabizOutbox) self = user_data;
  SendCtx *ctx = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* the send happened: its outcome must be written; keep trying. A
       * row that is never written stays "sending" and the next start
       * settles it by the crash rule. */
      if (++ctx->write_tries < MAX_WRITE_RETRIES)
        {
          g_warning ("Could not record the outcome of message %s, trying again: %s",
                     ctx->uuid, error->message);
          g_timeout_add (WRITE_RETRY_MS, write_retry_cb, ctx);
          return;
        }
      g_warning ("Gave up recording the outcome of message %s: %s", ctx->uuid, error->message);
    }
  else if (ctx->stale)
    {
      WabizDbResult *row = ctx->current;

      g_message ("Message %s: its outcome came after another sender had taken it over; "
                 "left as that one settled it", ctx->uuid);
      if (row != NULL && wabiz_db_result_get_n_rows (row) > 0
          && g_strcmp0 (wabiz_db_result_get (row, 0, "status"), "queued") != 0)
        {
          WabizOutboxSettled settled = {
            .status = wabiz_db_result_get (row, 0, "status"),
            .wamid = wabiz_db_result_get (row, 0, "message_id"),
            .error_code = wabiz_db_result_get (row, 0, "error_code"),
            .error_title = wabiz_db_result_get (row, 0, "error_title"),
            .error_details = wabiz_db_result_get (row, 0, "error_details"),
          };

          _wabiz_outbox_settle (self, ctx->uuid, &settled);
        }
    }
  else if (ctx->outcome == OUTCOME_UPLOADED)
    self->idle = FALSE;   /* the send is due now */
  else if (ctx->outcome != OUTCOME_RETRY)
    {
      WabizOutboxSettled settled = {
        .status = ctx->status,
        .wamid = ctx->sent ? ctx->sent->wamid : NULL,
        .error_code = ctx->error_code,
        .error_title = ctx->error_title,
        .error_details = ctx->error_details,
      };

      _wabiz_outbox_settle (self, ctx->uuid, &settled);
    }

  send_ctx_free (ctx);
  row_done (self);
}

static void
write_outcome_async (SendCtx *ctx)
{
  /* the ctx is freed by outcome_done_cb, not by the task */
  run_job (ctx->self, outcome_job, ctx, NULL, outcome_done_cb);
}

/* The send (or upload) is over, ctx->outcome says how: write it */
static void
record_outcome (SendCtx *ctx)
{
  if (ctx->error != NULL)
    {
      ctx->error_title = ctx->outcome == OUTCOME_UNKNOWN ? _(WABIZ_OUTBOX_UNKNOWN_TITLE)
                                                         : wabiz_graph_error_get_title (ctx->error);
      if (ctx->error_title == NULL)
        ctx->error_title = ctx->error->message;
      ctx->error_details = wabiz_graph_error_get_details (ctx->error);
      if (ctx->error->domain == WABIZ_GRAPH_ERROR && ctx->error->code >= 0)
        ctx->error_code = g_strdup_printf ("%d", ctx->error->code);
    }
  write_outcome_async (ctx);
}

/* The queued row cannot be sent as it is */
static void
record_damaged (SendCtx *ctx,
                GError  *error)
{
  ctx->outcome = OUTCOME_FAILED;
  ctx->error = error ? error : g_error_new_literal (WABIZ_ERROR, WABIZ_ERROR_FAILED,
                                                    _("The queued message is damaged"));
  record_outcome (ctx);
}

static guint
backoff_ms (int attempts)
{
  double base = 1000.0 * (double) (1u << CLAMP (attempts - 1, 0, 16));

  base = MIN (base, 300000.0);
  return (guint) (base * g_random_double_range (0.8, 1.2));
}

/* ctx->error is worth trying again later: when */
static void
set_retry (SendCtx *ctx)
{
  WabizOutbox *self = ctx->self;
  guint suggested = wabiz_graph_error_get_retry_after_ms (ctx->error);

  ctx->outcome = OUTCOME_RETRY;
  ctx->delay_ms = MAX (suggested, backoff_ms (ctx->attempts));
  ctx->delay_ms = (guint) (ctx->delay_ms * g_random_double_range (1.0, 1.2));

  /* throughput limits are the whole number's: everyone waits */
  if (ctx->error->code == WABIZ_GRAPH_ERROR_THROUGHPUT
      || ctx->error->code == WABIZ_GRAPH_ERROR_APP_RATE_LIMIT
      || ctx->error->code == WABIZ_GRAPH_ERROR_WABA_RATE_LIMIT)
    {
      gint64 until = now_us () + (gint64) MAX (suggested, 1000) * 1000;

      self->paused_until = MAX (self->paused_until, until);
      self->tokens = 0;
    }
  g_debug ("Message %s: error %d, retry %d in %u ms", ctx->uuid, ctx->error->code,
           ctx->attempts, ctx->delay_ms);
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SendCtx *ctx = user_data;

  ctx->sent = wabiz_graph_client_send_message_finish (WABIZ_GRAPH_CLIENT (object), result, &ctx->error);
  if (ctx->sent != NULL)
    ctx->outcome = OUTCOME_DONE;
  else if (g_error_matches (ctx->error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           || wabiz_graph_error_is_ambiguous (ctx->error))
    ctx->outcome = OUTCOME_UNKNOWN;
  else if (wabiz_graph_error_is_retryable (ctx->error) && ctx->attempts < MAX_ATTEMPTS)
    set_retry (ctx);
  else
    ctx->outcome = OUTCOME_FAILED;

  record_outcome (ctx);
}

/* An upload sends nothing to the customer: whatever may pass with time
 * is retried, a lost answer included. */
static gboolean
upload_error_is_retryable (const GError *error)
{
  guint http;

  if (error->domain != WABIZ_GRAPH_ERROR)
    return FALSE;
  if (wabiz_graph_error_is_retryable (error) || wabiz_graph_error_is_ambiguous (error))
    return TRUE;
  http = wabiz_graph_error_get_http_status (error);
  return http == 429 || http >= 500;
}

static void
upload_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SendCtx *ctx = user_data;

  ctx->media_id = wabiz_graph_client_upload_media_finish (WABIZ_GRAPH_CLIENT (object), result,
                                                          &ctx->media_mime, &ctx->error);
  if (ctx->media_id != NULL)
    {
      g_debug ("Message %s: file uploaded", ctx->uuid);
      ctx->outcome = OUTCOME_UPLOADED;
    }
  else if (ctx->error->domain == G_IO_ERROR
           && (ctx->error->code == G_IO_ERROR_NOT_FOUND || ctx->error->code == G_IO_ERROR_NOT_REGULAR_FILE))
    {
      g_clear_error (&ctx->error);
      ctx->error = g_error_new_literal (WABIZ_ERROR, WABIZ_ERROR_FAILED, _(WABIZ_OUTBOX_SPOOL_GONE));
      ctx->outcome = OUTCOME_FAILED;
    }
  else if (upload_error_is_retryable (ctx->error) && ctx->attempts < MAX_ATTEMPTS)
    set_retry (ctx);
  else
    ctx->outcome = OUTCOME_FAILED;

  if (ctx->outcome != OUTCOME_UPLOADED)
    g_debug ("Message %s: upload failed: %s", ctx->uuid, ctx->error->message);
  record_outcome (ctx);
}

/* ------------------------------------------------------------------ */
/* claiming and the token bucket */

typedef struct
{
  WabizOutbox *self;      /* (unowned) the callback's reference keeps it */
  guint        n;
  guint        repeats;   /* test hook */
  char        *token;     /* (owned) this claim's */
  char        *lock_pid;  /* (owned) the lock's session when it was made */
  /* filled by the job, one per row claimed */
  GPtrArray   *files;     /* (owned) of char *: the file to upload, or NULL */
  GPtrArray   *refusals;  /* (owned) of GError *: why a row's file is not uploaded, or NULL */
} ClaimData;

static void
claim_data_free (ClaimData *data)
{
  g_free (data->token);
  g_free (data->lock_pid);
  g_clear_pointer (&data->files, g_ptr_array_unref);
  g_clear_pointer (&data->refusals, g_ptr_array_unref);
  g_free (data);
}

static void unclaim_done_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static void
clear_error (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

/* The claim: the rows that already carry this claim's token, if any (the
 * same claim sent again after its answer was lost: it took them then),
 * else due rows, as many as asked. Only while the lock's session holds
 * the lock. Rows come in the order they are due. */
#define CLAIM_SQL                                                                          \
  "WITH held AS (SELECT " LOCK_HELD_BY ("$4::int") " AS ok),"                              \
  " mine AS ("                                                                             \
  "  SELECT o.id FROM outbox o"                                                            \
  "   WHERE (SELECT ok FROM held) AND o.claim_token = $3::uuid AND o.state = 'sending'"    \
  "   FOR UPDATE),"                                                                        \
  " due AS ("                                                                              \
  "  SELECT o.id FROM outbox o"                                                            \
  "   WHERE (SELECT ok FROM held) AND NOT EXISTS (SELECT 1 FROM mine)"                     \
  "     AND o.state = 'pending' AND o.next_attempt_at <= now()"                            \
  /* a file to upload: only where its copy is */                                          \
  "     AND (o.media_file IS NULL OR o.media_upload_id IS NOT NULL OR o.media_host = $2)"  \
  "     AND (NOT o.bulk OR NOT EXISTS ("                                                   \
  "           SELECT 1 FROM outbox r WHERE r.phone = o.phone AND r.id <> o.id"             \
  "              AND r.sent_at > now() - interval '" PAIR_INTERVAL_S " seconds'))"         \
  "   ORDER BY o.next_attempt_at, o.id"                                                    \
  "   LIMIT $1::int FOR UPDATE SKIP LOCKED),"                                              \
  " claimed AS ("                                                                          \
  "  UPDATE outbox o SET state = 'sending', claim_token = $3::uuid,"                       \
  "    attempts = o.attempts + 1, sent_at = now(), updated_at = now()"                     \
  "   FROM due WHERE o.id = due.id"                                                        \
  "   RETURNING o.id, o.message_uuid, o.phone, o.payload, o.bulk, o.attempts,"             \
  "     o.media_file, o.media_upload_id, o.next_attempt_at)"                               \
  " SELECT c.id, c.message_uuid::text AS uuid, c.phone, c.payload::text AS payload, c.bulk," \
  "   c.attempts, c.media_file, c.media_upload_id"                                         \
  "  FROM (SELECT * FROM claimed"                                                          \
  "        UNION ALL"                                                                      \
  "        SELECT o.id, o.message_uuid, o.phone, o.payload, o.bulk, o.attempts,"           \
  "          o.media_file, o.media_upload_id, o.next_attempt_at"                           \
  "         FROM outbox o JOIN mine ON mine.id = o.id) c"                                  \
  " ORDER BY c.next_attempt_at, c.id"

static void
claim_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  ClaimData *data = task_data;
  g_autofree char *limit = g_strdup_printf ("%u", data->n);
  const char *params[] = { limit, data->self->spool_owner, data->token, data->lock_pid };
  WabizDbResult *res = NULL;
  GError *error = NULL;
  guint n;

  /* sent again after a broken connection, by the database layer or by
   * the next claim (which reuses a token whose answer was lost), the
   * statement gives the same rows */
  for (guint i = 0; i < MAX (data->repeats, 1); i++)
    {
      g_clear_pointer (&res, wabiz_db_result_unref);
      res = wabiz_db_conn_exec (conn, CLAIM_SQL, 4, params, &error);
      if (res == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }

  /* the files to upload: only from the spool (reading the file system,
   * so here on the worker thread) */
  n = wabiz_db_result_get_n_rows (res);
  data->files = g_ptr_array_new_full (n, g_free);
  data->refusals = g_ptr_array_new_full (n, clear_error);
  for (guint i = 0; i < n; i++)
    {
      const char *file = wabiz_db_result_get (res, i, "media_file");
      GError *refused = NULL;
      char *path = NULL;

      if (file != NULL && wabiz_db_result_get (res, i, "media_upload_id") == NULL)
        path = _wabiz_outbox_spool_resolve (data->self, file, &refused);
      g_ptr_array_add (data->files, path);
      g_ptr_array_add (data->refusals, refused);
    }

  g_task_return_pointer (task, res, (GDestroyNotify) wabiz_db_result_unref);
}

/* Puts claimed rows back in the queue, unsent: @params is the claim's
 * token and, for one row, its id (else NULL: all the claim's rows) */
static void
unclaim_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  char **params = task_data;
  GError *error = NULL;

  if (!exec_ok (conn,
                "UPDATE outbox SET state = 'pending', claim_token = NULL,"
                "  attempts = greatest(attempts - 1, 0), sent_at = NULL,"
                "  next_attempt_at = now() + CASE WHEN $2::bigint IS NULL THEN interval '0'"
                "                                 ELSE interval '" PAIR_INTERVAL_S " seconds' END"
                " WHERE claim_token = $1::uuid AND state = 'sending'"
                "   AND ($2::bigint IS NULL OR id = $2::bigint)",
                2, (const char * const *) params, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
unclaim (WabizOutbox *self,
         const char  *token,
         const char  *id)
{
  char **params = g_new0 (char *, 3);

  params[0] = g_strdup (token);
  params[1] = g_strdup (id);
  self->in_flight++;
  run_job (self, unclaim_job, params, (GDestroyNotify) g_strfreev, unclaim_done_cb);
}

static void
unclaim_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WabizOutbox) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Could not put a message back in the queue: %s", error->message);
  row_done (self);
}

static void
send_row (WabizOutbox   *self,
          WabizDbResult *res,
          guint          row,
          ClaimData     *claim,
          GHashTable    *bulk_phones)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *payload = wabiz_db_result_get (res, row, "payload");
  const char *phone = wabiz_db_result_get (res, row, "phone");
  const char *upload_id;
  SendCtx *ctx;
  GError *error = NULL;

  /* two bulk rows to one customer in one claim: the second waits 6 s */
  if (wabiz_db_result_get_bool (res, row, "bulk"))
    {
      if (g_hash_table_contains (bulk_phones, phone))
        {
          unclaim (self, claim->token, wabiz_db_result_get (res, row, "id"));
          self->tokens += 1;
          return;
        }
      g_hash_table_add (bulk_phones, g_strdup (phone));
    }

  self->in_flight++;
  ctx = g_new0 (SendCtx, 1);
  ctx->self = g_object_ref (self);
  ctx->token = g_strdup (claim->token);
  ctx->id = wabiz_db_result_get_int (res, row, "id");
  ctx->uuid = g_strdup (wabiz_db_result_get (res, row, "uuid"));
  ctx->phone = g_strdup (phone);
  ctx->attempts = (int) wabiz_db_result_get_int (res, row, "attempts");
  ctx->media_file = g_strdup (wabiz_db_result_get (res, row, "media_file"));

  if (payload == NULL || !json_parser_load_from_data (parser, payload, -1, &error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      record_damaged (ctx, error);
      return;
    }

  ctx->payload = json_parser_steal_root (parser);
  upload_id = wabiz_db_result_get (res, row, "media_upload_id");

  if (ctx->media_file != NULL || upload_id != NULL)
    {
      JsonObject *o = json_node_get_object (ctx->payload);
      const char *type = json_object_get_string_member_with_default (o, "type", "");
      JsonNode *media = json_object_get_member (o, type);

      if (media == NULL || !JSON_NODE_HOLDS_OBJECT (media))
        {
          record_damaged (ctx, NULL);
          return;
        }

      /* phase 1: the file goes to Meta first (the check of type and
       * size happens again, on the copy), only from the spool */
      if (upload_id == NULL)
        {
          const char *path = g_ptr_array_index (claim->files, row);
          g_autoptr(GFile) file = NULL;

          if (path == NULL)
            {
              const GError *refused = g_ptr_array_index (claim->refusals, row);

              g_debug ("Message %s: not uploading its file: %s", ctx->uuid, refused->message);
              record_damaged (ctx, g_error_copy (refused));
              return;
            }
          file = g_file_new_for_path (path);
          wabiz_graph_client_upload_media_async (self->graph, file, type, NULL, upload_done_cb, ctx);
          return;
        }

      /* phase 2: by the media id, never uploaded again */
      json_object_set_string_member (json_node_get_object (media), "id", upload_id);
    }

  wabiz_graph_client_send_message_async (self->graph, json_node_get_object (ctx->payload), NULL,
                                         send_done_cb, ctx);
}

static void
claim_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WabizOutbox) self = user_data;
  ClaimData *claim = g_task_get_task_data (G_TASK (result));
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) bulk_phones = NULL;
  guint n;

  self->claiming = FALSE;
  res = g_task_propagate_pointer (G_TASK (result), &error);
  if (res == NULL)
    {
      /* it may have taken rows all the same: the next claim (or the
       * recovery, if the lock goes meanwhile) asks for them by token */
      g_free (self->retry_token);
      self->retry_token = g_strdup (claim->token);
      g_warning ("Could not take messages from the outbox: %s", error->message);
      self->next_poll = now_us () + WRITE_RETRY_MS * 1000;
      self->idle = TRUE;
      step_done (self);
      return;
    }
  if (g_strcmp0 (self->retry_token, claim->token) == 0)
    g_clear_pointer (&self->retry_token, g_free);

  n = wabiz_db_result_get_n_rows (res);

  /* the lock was lost while the claim ran: not the sender any more,
   * these rows go back, unsent */
  if (!self->is_sender || g_ascii_strtoll (claim->lock_pid, NULL, 10) != self->lock_pid)
    {
      if (n > 0)
        {
          g_debug ("The outbox lock went while %u messages were taken; putting them back", n);
          unclaim (self, claim->token, NULL);
        }
      step_done (self);
      return;
    }

  self->tokens -= n;
  if (n == 0)
    {
      /* nothing due: poll now and then, and never burst after idling */
      self->idle = TRUE;
      self->next_poll = now_us () + IDLE_POLL_MS * 1000;
      self->tokens = MIN (self->tokens, 1.0);
    }
  else
    self->idle = FALSE;

  bulk_phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < n; i++)
    send_row (self, res, i, claim, bulk_phones);

  step_done (self);
}

static void
set_timer (WabizOutbox *self,
           gint64       delay_us)
{
  guint ms = (guint) CLAMP ((delay_us + 999) / 1000, 1, 60000);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->timer_id = g_timeout_add_full (G_PRIORITY_HIGH, ms, timer_cb, self, NULL);
}

/* The sender's one decision point: what to do next, if anything. */
static void
schedule (WabizOutbox *self)
{
  RecoverData *recover;
  ClaimData *claim;
  double capacity;
  gint64 now;
  guint n;

  if (!self->is_sender || self->stopping || self->claiming || self->recovering)
    return;

  if (!self->recovered)
    {
      /* our own sends still in flight (the lock was lost and taken
       * again) must not be mistaken for a crash's */
      if (self->in_flight > 0)
        return;
      self->recovering = TRUE;
      recover = g_new0 (RecoverData, 1);
      recover->self = self;   /* the callback's ref keeps it alive */
      recover->lock_pid = g_strdup_printf ("%d", self->lock_pid);
      recover->retry_token = g_strdup (self->retry_token);
      run_job (self, recover_job, recover, (GDestroyNotify) recover_data_free, recover_done_cb);
      return;
    }

  if (self->in_flight >= self->max_in_flight)
    return;   /* a finishing send calls again */

  now = now_us ();
  capacity = MAX (2.0, self->rate / 10.0);
  self->tokens = MIN (capacity, self->tokens + (now - self->last_refill) * self->rate / G_USEC_PER_SEC);
  self->last_refill = now;

  if (self->paused_until > now)
    {
      self->tokens = 0;
      set_timer (self, self->paused_until - now);
      return;
    }
  if (self->tokens < 1.0)
    {
      set_timer (self, (gint64) ((1.0 - self->tokens) * G_USEC_PER_SEC / self->rate));
      return;
    }
  if (self->idle && self->next_poll > now)
    {
      set_timer (self, self->next_poll - now);
      return;
    }

  g_clear_handle_id (&self->timer_id, g_source_remove);
  n = (guint) self->tokens;   /* >= 1 here */
  n = MIN (n, MAX_BATCH);
  n = MIN (n, self->max_in_flight - self->in_flight);

  self->claiming = TRUE;
  claim = g_new0 (ClaimData, 1);
  claim->self = self;
  claim->n = n;
  claim->repeats = self->claim_repeats;
  /* a claim whose answer was lost is asked again first */
  claim->token = self->retry_token != NULL ? g_strdup (self->retry_token) : g_uuid_string_random ();
  claim->lock_pid = g_strdup_printf ("%d", self->lock_pid);
  run_job (self, claim_job, claim, (GDestroyNotify) claim_data_free, claim_done_cb);
}

/* ------------------------------------------------------------------ */
/* start and stop */

static void
maybe_finish_stop (WabizOutbox *self)
{
  g_autoptr(GPtrArray) tasks = NULL;

  if (!self->stopping || self->in_flight > 0 || self->claiming || self->recovering)
    return;

  if (self->lock != NULL)
    {
      /* let go of the lock; lock_done_cb calls again */
      lock_holder_release (self->lock);
      return;
    }

  _wabiz_outbox_set_is_sender (self, FALSE);
  tasks = g_steal_pointer (&self->stop_tasks);
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

/* Takes no new rows, nor the lock */
static void
halt (WabizOutbox *self)
{
  self->stopping = TRUE;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->acquire_id, g_source_remove);
}

void
_wabiz_outbox_sender_dispose (WabizOutbox *self)
{
  halt (self);
  if (self->lock != NULL)
    lock_holder_release (self->lock);
  g_clear_pointer (&self->lock, lock_holder_unref);
}

void
wabiz_outbox_set_rate (WabizOutbox *self,
                       double       rate_per_second)
{
  g_return_if_fail (WABIZ_IS_OUTBOX (self));

  self->rate = rate_per_second > 0 ? rate_per_second : DEFAULT_RATE;
  schedule (self);
}

double
wabiz_outbox_get_rate (WabizOutbox *self)
{
  g_return_val_if_fail (WABIZ_IS_OUTBOX (self), 0);

  return self->rate;
}

void
_wabiz_outbox_set_max_in_flight (WabizOutbox *self,
                                 guint        n)
{
  g_return_if_fail (WABIZ_IS_OUTBOX (self));
  g_return_if_fail (n > 0);

  self->max_in_flight = MIN (n, WABIZ_OUTBOX_MAX_IN_FLIGHT);
}

void
_wabiz_outbox_set_claim_repeats (WabizOutbox *self,
                                 guint        n)
{
  g_return_if_fail (WABIZ_IS_OUTBOX (self));

  self->claim_repeats = n;
}

void
wabiz_outbox_start (WabizOutbox *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (WABIZ_IS_OUTBOX (self));

  if (self->started && !self->stopping)
    return;
  if (self->graph == NULL)
    {
      g_message ("Not sending: Meta is not set up (no access token); messages stay queued");
      return;
    }
  /* every send would fail for good: better keep them */
  if (!wabiz_graph_check_url (wabiz_graph_client_get_base_url (self->graph), &error))
    {
      g_message ("Not sending: %s; messages stay queued", error->message);
      _wabiz_outbox_set_sender_problem (self, error->message);
      return;
    }

  self->started = TRUE;
  self->stopping = FALSE;
  try_acquire (self);
}

gboolean
wabiz_outbox_get_is_sender (WabizOutbox *self)
{
  g_return_val_if_fail (WABIZ_IS_OUTBOX (self), FALSE);

  return self->is_sender;
}

const char *
wabiz_outbox_get_sender_problem (WabizOutbox *self)
{
  g_return_val_if_fail (WABIZ_IS_OUTBOX (self), NULL);

  return self->sender_problem;
}

void
wabiz_outbox_kick (WabizOutbox *self)
{
  g_return_if_fail (WABIZ_IS_OUTBOX (self));

  self->idle = FALSE;
  if (self->timer_id != 0 && self->tokens >= 1.0 && self->paused_until <= now_us ())
    g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->timer_id == 0)
    schedule (self);
}

void
wabiz_outbox_stop_async (WabizOutbox         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_OUTBOX (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_outbox_stop_async);

  halt (self);
  g_ptr_array_add (self->stop_tasks, g_steal_pointer (&task));
  maybe_finish_stop (self);
}

gboolean
wabiz_outbox_stop_finish (WabizOutbox   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_OUTBOX (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_outbox_stop_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
