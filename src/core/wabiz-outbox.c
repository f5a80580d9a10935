/* wabiz-outbox.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The durable outbox and its sender.
 *
 * Queueing validates the message (number, 24-hour window, template) and
 * writes a `messages` row (status "queued") and an `outbox` row in one
 * transaction, then NOTIFYs. Nothing goes on the network before that
 * commit.
 *
 * The sender: one per database. It holds a session advisory lock
 * (OUTBOX_LOCK_KEY) on a connection of its own for its whole life (a
 * job that keeps one pool connection and checks it every second); other
 * processes try again every second, so a sender that dies is replaced.
 * It claims due rows a few at a time, as tokens of a token bucket allow
 * (default 80 messages/s), flipping them to state "sending" in the same
 * statement (FOR UPDATE SKIP LOCKED), and hands each to the Graph client
 * at once. A bulk row is not claimed while another message to the same
 * customer left less than 6 s ago (Meta's pair rate limit).
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
 * ATTACHMENTS FROM A FILE (wabiz_outgoing_new_media_file): queueing
 * checks the file against Meta's limits, copies it (a reflink where the
 * file system can) into the spool directory, $XDG_DATA_HOME/wabiz/outbox/
 * <random>/<file name>, and writes the rows naming that copy
 * (outbox.media_file, and media_host: this machine and spool). The
 * original can then be moved or deleted. A sender claims such a row only
 * on the machine that holds the copy, until it has a media id. Two
 * phases, each one claim:
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
 * Once the message is settled (sent, failed, unknown) the spool copy is
 * deleted, right after the outcome is committed; copies a crash left
 * behind are swept when a sender starts.
 */

#define G_LOG_DOMAIN "wabiz-outbox"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-outbox-private.h"
#include "wabiz-outgoing-private.h"
#include "wabiz-phone.h"
#include "wabiz-store.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* "WaBizOut" */
#define OUTBOX_LOCK_KEY      "6294253316613256564"
#define DEFAULT_RATE         80.0
#define MAX_ATTEMPTS         12
#define MAX_IN_FLIGHT        256
#define MAX_BATCH            50
#define IDLE_POLL_MS         250
#define ACQUIRE_RETRY_MS     1000
#define WAIT_POLL_MS         200
#define LOCK_CHECK_S         1
#define WRITE_RETRY_MS       1000
#define MAX_WRITE_RETRIES    60
#define PAIR_INTERVAL_S      "6"

#define UNKNOWN_TITLE N_("Not known whether this was sent; check before resending")
#define SPOOL_GONE    N_("The copy of this file kept for sending is gone; attach the file again")

/* ------------------------------------------------------------------ */
/* WabizOutbox */

struct _WabizOutboxLock
{
  gatomicrefcount  ref_count;
  GMutex           mutex;
  GCond            cond;
  gboolean         release;      /* main → job: let go of the lock */
  GMainContext    *context;      /* (owned) the outbox's */
  GWeakRef         outbox;
};

typedef WabizOutboxLock LockHolder;


G_DEFINE_FINAL_TYPE (WabizOutbox, wabiz_outbox, G_TYPE_OBJECT)

enum {
  MESSAGE_SETTLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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
  g_cond_clear (&holder->cond);
  g_main_context_unref (holder->context);
  g_weak_ref_clear (&holder->outbox);
  g_free (holder);
}

static void
lock_holder_release (LockHolder *holder)
{
  g_mutex_lock (&holder->mutex);
  holder->release = TRUE;
  g_cond_signal (&holder->cond);
  g_mutex_unlock (&holder->mutex);
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

/* ------------------------------------------------------------------ */
/* waiters */

typedef struct
{
  WabizOutbox *self;        /* (unowned) the task holds a ref */
  char        *uuid;
  guint        timeout_id;
  guint        poll_id;
  GSource     *cancel_source;  /* (owned) (nullable) */
  gboolean     querying;
  gboolean     done;
} WaitData;

static void
wait_data_free (WaitData *data)
{
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  g_clear_handle_id (&data->poll_id, g_source_remove);
  if (data->cancel_source != NULL)
    g_source_destroy (data->cancel_source);
  g_clear_pointer (&data->cancel_source, g_source_unref);
  g_free (data->uuid);
  g_free (data);
}

/* @status: the settled status; returns whether it is settled */
static gboolean
return_settled (GTask      *task,
                const char *status,
                const char *wamid,
                const char *error_code,
                const char *error_title,
                const char *error_details)
{
  WaitData *data = g_task_get_task_data (task);

  if (status == NULL || g_str_equal (status, "queued"))
    return FALSE;

  data->done = TRUE;
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  g_clear_handle_id (&data->poll_id, g_source_remove);

  if (g_str_equal (status, "failed"))
    {
      gint64 code = error_code ? g_ascii_strtoll (error_code, NULL, 10) : 0;

      if (error_code != NULL)
        g_task_return_error (task, wabiz_graph_error_new ((int) code, 0, error_title, error_details));
      else
        g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_FAILED, "%s",
                                 error_title ? error_title : _("The message could not be sent"));
    }
  else if (g_str_equal (status, "unknown"))
    g_task_return_error (task, wabiz_graph_error_new (WABIZ_GRAPH_ERROR_AMBIGUOUS, 0,
                                                      error_title ? error_title : _(UNKNOWN_TITLE),
                                                      error_details));
  else if (g_str_equal (status, "cancelled"))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The message was cancelled"));
  else
    g_task_return_pointer (task, g_strdup (wamid), g_free);
  return TRUE;
}

static void
settle_waiters (WabizOutbox *self,
                const char  *uuid,
                const char  *status,
                const char  *wamid,
                const char  *error_code,
                const char  *error_title,
                const char  *error_details)
{
  g_autoptr(GPtrArray) tasks = NULL;
  gpointer key = NULL;

  if (!g_hash_table_steal_extended (self->waiters, uuid, &key, (gpointer *) &tasks))
    return;
  g_free (key);

  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (!return_settled (task, status, wamid, error_code, error_title, error_details))
        g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_FAILED, "%s",
                                 _("The message could not be sent"));
    }
}

static void
remove_waiter (WabizOutbox *self,
               GTask       *task)
{
  WaitData *data = g_task_get_task_data (task);
  GPtrArray *tasks = g_hash_table_lookup (self->waiters, data->uuid);

  if (tasks != NULL)
    {
      g_ptr_array_remove (tasks, task);
      if (tasks->len == 0)
        g_hash_table_remove (self->waiters, data->uuid);
    }
}

static void
emit_settled (WabizOutbox *self,
              const char  *uuid,
              const char  *status,
              const char  *wamid,
              const char  *error_code,
              const char  *error_title,
              const char  *error_details)
{
  g_signal_emit (self, signals[MESSAGE_SETTLED], 0, uuid, status);
  settle_waiters (self, uuid, status, wamid, error_code, error_title, error_details);
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
  self->is_sender = TRUE;
  self->recovered = FALSE;
  self->idle = FALSE;
  self->tokens = 1;
  self->last_refill = now_us ();
  schedule (self);   /* starts with the crash recovery */
  return G_SOURCE_REMOVE;
}

static void
lock_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  LockHolder *holder = task_data;
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;
  gboolean lost = FALSE;

  res = wabiz_db_conn_exec (conn, "SELECT pg_try_advisory_lock(" OUTBOX_LOCK_KEY ") AS ok",
                            0, NULL, &error);
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!wabiz_db_result_get_bool (res, 0, "ok"))
    {
      g_task_return_boolean (task, FALSE);
      return;
    }

  g_main_context_invoke_full (holder->context, G_PRIORITY_DEFAULT, acquired_cb,
                              lock_holder_ref (holder), (GDestroyNotify) lock_holder_unref);

  /* hold the lock (and this connection) until told to let go; a broken
   * connection loses the lock: stop sending */
  g_mutex_lock (&holder->mutex);
  while (!holder->release)
    {
      g_autoptr(WabizDbResult) check = NULL;
      gint64 until = g_get_monotonic_time () + LOCK_CHECK_S * G_TIME_SPAN_SECOND;

      if (g_cond_wait_until (&holder->cond, &holder->mutex, until) || holder->release)
        continue;

      g_mutex_unlock (&holder->mutex);
      check = wabiz_db_conn_exec (conn, "SELECT 1", 0, NULL, &error);
      g_mutex_lock (&holder->mutex);
      if (check == NULL)
        {
          lost = TRUE;
          break;
        }
    }
  g_mutex_unlock (&holder->mutex);

  if (lost)
    {
      g_task_return_error (task, error);
      return;
    }

  g_clear_pointer (&res, wabiz_db_result_unref);
  res = wabiz_db_conn_exec (conn, "SELECT pg_advisory_unlock(" OUTBOX_LOCK_KEY ")", 0, NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

static gboolean
acquire_timeout_cb (gpointer user_data)
{
  WabizOutbox *self = user_data;

  self->acquire_id = 0;
  try_acquire (self);
  return G_SOURCE_REMOVE;
}

static void
lock_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  LockHolder *holder = user_data;
  g_autoptr(WabizOutbox) self = g_weak_ref_get (&holder->outbox);
  g_autoptr(GError) error = NULL;
  gboolean held;

  held = g_task_propagate_boolean (G_TASK (result), &error);
  if (self == NULL)
    {
      lock_holder_unref (holder);
      return;
    }

  if (self->lock == holder)
    g_clear_pointer (&self->lock, lock_holder_unref);
  lock_holder_unref (holder);

  if (error != NULL)
    g_warning ("The outbox lost its database connection: %s", error->message);
  else if (!held)
    g_debug ("Another process is the outbox sender");

  self->is_sender = FALSE;
  g_clear_handle_id (&self->timer_id, g_source_remove);

  if (self->stopping)
    {
      maybe_finish_stop (self);
      return;
    }

  /* not (or no longer) the sender: try again later */
  g_clear_handle_id (&self->acquire_id, g_source_remove);
  self->acquire_id = g_timeout_add (ACQUIRE_RETRY_MS, acquire_timeout_cb, self);
}

static void
try_acquire (WabizOutbox *self)
{
  g_autoptr(GTask) task = NULL;
  LockHolder *holder;

  if (self->lock != NULL || self->stopping)
    return;

  holder = g_new0 (LockHolder, 1);
  g_atomic_ref_count_init (&holder->ref_count);
  g_mutex_init (&holder->mutex);
  g_cond_init (&holder->cond);
  holder->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&holder->outbox, self);
  self->lock = holder;

  /* no source object: the job must not keep the outbox alive */
  task = g_task_new (NULL, NULL, lock_done_cb, lock_holder_ref (holder));
  g_task_set_source_tag (task, try_acquire);
  g_task_set_task_data (task, lock_holder_ref (holder), (GDestroyNotify) lock_holder_unref);
  wabiz_db_run_in_thread (self->db, task, lock_job);
}

/* ------------------------------------------------------------------ */
/* crash recovery */

static void
recover_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  WabizOutbox *self = task_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizDbResult) uploads = NULL;
  const char *params[] = { UNKNOWN_TITLE };
  const char *upload_params[] = { N_("The upload was interrupted; trying again") };
  GError *error = NULL;

  if (!wabiz_db_conn_begin (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* an upload is not a send: one a crash interrupted is simply redone */
  uploads = wabiz_db_conn_exec (conn,
                                "UPDATE outbox SET state = 'pending', last_error = $1, sent_at = NULL,"
                                "  next_attempt_at = now(), updated_at = now()"
                                " WHERE state = 'sending' AND media_file IS NOT NULL"
                                "   AND media_upload_id IS NULL",
                                1, upload_params, &error);
  if (uploads == NULL)
    {
      wabiz_db_conn_rollback (conn);
      g_task_return_error (task, error);
      return;
    }
  res = wabiz_db_conn_exec (conn,
                            "WITH s AS (UPDATE outbox SET state = 'unknown', last_error = $1, updated_at = now()"
                            "           WHERE state = 'sending' RETURNING message_uuid)"
                            " UPDATE messages m SET status = 'unknown', error_title = $1,"
                            "   error_code = NULL, updated_at = now()"
                            "  FROM s WHERE m.id = s.message_uuid"
                            " RETURNING m.id::text AS id, m.phone, m.error_title",
                            1, params, &error);
  if (res == NULL)
    {
      wabiz_db_conn_rollback (conn);
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    notify_outbox (conn, wabiz_db_result_get (res, i, "phone"), wabiz_db_result_get (res, i, "id"));
  if (!wabiz_db_conn_commit (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  _wabiz_outbox_spool_sweep_on_conn (self, conn);
  _wabiz_outbox_spool_sweep_orphans_on_conn (self, conn);
  g_task_return_pointer (task, g_steal_pointer (&res), (GDestroyNotify) wabiz_db_result_unref);
}

static gboolean
retry_schedule_cb (gpointer user_data)
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
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  self->recovering = FALSE;
  res = g_task_propagate_pointer (G_TASK (result), &error);
  if (res == NULL)
    {
      g_warning ("Could not settle the messages a crash left in flight: %s", error->message);
      if (!self->stopping)
        {
          g_clear_handle_id (&self->timer_id, g_source_remove);
          self->timer_id = g_timeout_add (WRITE_RETRY_MS, retry_schedule_cb, self);
        }
      maybe_finish_stop (self);
      return;
    }

  if (wabiz_db_result_get_n_rows (res) > 0)
    g_message ("%u messages were being sent when the previous sender stopped; "
               "they are marked unknown and will not be sent again",
               wabiz_db_result_get_n_rows (res));
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    emit_settled (self, wabiz_db_result_get (res, i, "id"), "unknown", NULL, NULL,
                  wabiz_db_result_get (res, i, "error_title"), NULL);

  self->recovered = TRUE;
  if (self->stopping)
    maybe_finish_stop (self);
  else
    schedule (self);
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
  char           *uuid;
  char           *phone;
  gboolean        bulk;
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
  /* filled by the job */
  char           *final_phone;
  char           *status;
} SendCtx;

static void
send_ctx_free (SendCtx *ctx)
{
  g_clear_object (&ctx->self);
  g_free (ctx->uuid);
  g_free (ctx->phone);
  g_clear_pointer (&ctx->payload, json_node_unref);
  g_clear_pointer (&ctx->sent, wabiz_graph_sent_free);
  g_clear_error (&ctx->error);
  g_free (ctx->final_phone);
  g_free (ctx->status);
  g_free (ctx->media_file);
  g_free (ctx->media_id);
  g_free (ctx->media_mime);
  g_free (ctx);
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

static gboolean
write_outcome (WabizDbConn *conn,
               SendCtx     *ctx,
               GError     **error)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, ctx->id);
  g_autofree char *delay = g_strdup_printf ("%u", ctx->delay_ms);
  g_autofree char *code = NULL;
  const char *final = ctx->phone;
  const char *title = NULL;
  const char *details = NULL;

  if (ctx->error != NULL)
    {
      title = wabiz_graph_error_get_title (ctx->error);
      details = wabiz_graph_error_get_details (ctx->error);
      if (title == NULL)
        title = ctx->error->message;
      if (ctx->error->domain == WABIZ_GRAPH_ERROR && ctx->error->code >= 0)
        code = g_strdup_printf ("%d", ctx->error->code);
    }

  switch (ctx->outcome)
    {
    case OUTCOME_DONE:
      {
        const char *status = ctx->sent->message_status ? "accepted" : "sent";
        const char *wa_id = ctx->sent->wa_id;

        if (wa_id != NULL && *wa_id != '\0' && !g_str_equal (wa_id, ctx->phone))
          {
            g_debug ("Meta's wa_id differs from the number typed; merging (message %s)", ctx->uuid);
            if (!wabiz_store_merge_wa_id_on_conn (conn, ctx->phone, wa_id, error))
              return FALSE;
            final = wa_id;
          }

        {
          const char *p[] = { id, final };

          if (!exec_ok (conn, "UPDATE outbox SET state = 'done', last_error = NULL, phone = $2,"
                              " updated_at = now() WHERE id = $1::bigint", 2, p, error))
            return FALSE;
        }
        {
          const char *p[] = { ctx->uuid, ctx->sent->wamid, status, final };

          if (!exec_ok (conn,
                        "UPDATE messages SET message_id = $2, phone = $4,"
                        "  status = CASE WHEN status IS NULL OR status IN ('queued', 'unknown', 'failed')"
                        "                THEN $3 ELSE status END,"
                        "  accepted_at = coalesce(accepted_at, now()),"
                        "  sent_at = CASE WHEN $3 = 'sent' THEN coalesce(sent_at, now()) ELSE sent_at END,"
                        "  error_code = NULL, error_title = NULL, error_details = NULL, updated_at = now()"
                        " WHERE id = $1::uuid",
                        4, p, error))
            return FALSE;
          if (!exec_ok (conn,
                        "UPDATE conversations SET last_message_status = $1"
                        " WHERE phone = $2 AND last_direction = 'outbound'"
                        "   AND last_message_status IS DISTINCT FROM $1",
                        2, p + 2, error))
            return FALSE;
        }
        ctx->status = g_strdup (status);
        break;
      }

    case OUTCOME_RETRY:
      {
        const char *p[] = { id, delay, ctx->error->message };

        if (!exec_ok (conn,
                      "UPDATE outbox SET state = 'pending', last_error = $3, updated_at = now(),"
                      "  next_attempt_at = now() + ($2 || ' milliseconds')::interval"
                      " WHERE id = $1::bigint",
                      3, p, error))
          return FALSE;
        ctx->status = g_strdup ("queued");
        break;
      }

    case OUTCOME_FAILED:
      {
        const char *po[] = { id, ctx->error->message };
        const char *pm[] = { ctx->uuid, code, title, details, final };

        if (!exec_ok (conn, "UPDATE outbox SET state = 'failed', last_error = $2, updated_at = now()"
                            " WHERE id = $1::bigint", 2, po, error))
          return FALSE;
        if (!exec_ok (conn,
                      "UPDATE messages SET status = 'failed', error_code = $2::int, error_title = $3,"
                      "  error_details = $4, failed_at = now(), updated_at = now()"
                      " WHERE id = $1::uuid AND (status IS NULL OR status IN ('queued', 'unknown'))",
                      4, pm, error))
          return FALSE;
        if (!exec_ok (conn,
                      "UPDATE conversations SET last_message_status = 'failed'"
                      " WHERE phone = $1 AND last_direction = 'outbound'",
                      1, pm + 4, error))
          return FALSE;
        if (code != NULL && g_str_equal (code, "131026")
            && !exec_ok (conn, "UPDATE leads SET unreachable = true, updated_at = now()"
                               " WHERE phone = $1 AND NOT unreachable", 1, pm + 4, error))
          return FALSE;
        ctx->status = g_strdup ("failed");
        break;
      }

    case OUTCOME_UPLOADED:
      {
        const char *po[] = { id, ctx->media_id };
        const char *pm[] = { ctx->uuid, ctx->media_id, ctx->media_mime };

        /* the upload did not count as a send attempt; due again now */
        if (!exec_ok (conn,
                      "UPDATE outbox SET state = 'pending', media_upload_id = $2, media_uploaded_at = now(),"
                      "  attempts = greatest(attempts - 1, 0), sent_at = NULL, next_attempt_at = now(),"
                      "  last_error = NULL, updated_at = now()"
                      " WHERE id = $1::bigint",
                      2, po, error))
          return FALSE;
        if (!exec_ok (conn,
                      "UPDATE messages SET media_id = $2, media_mime = coalesce($3, media_mime),"
                      "  updated_at = now()"
                      " WHERE id = $1::uuid",
                      3, pm, error))
          return FALSE;
        ctx->status = g_strdup ("queued");
        break;
      }

    case OUTCOME_UNKNOWN:
      {
        const char *po[] = { id, ctx->error->message };
        const char *pm[] = { ctx->uuid, _(UNKNOWN_TITLE), ctx->error->message };

        if (!exec_ok (conn, "UPDATE outbox SET state = 'unknown', last_error = $2, updated_at = now()"
                            " WHERE id = $1::bigint", 2, po, error))
          return FALSE;
        if (!exec_ok (conn,
                      "UPDATE messages SET status = 'unknown', error_title = $2, error_details = $3,"
                      "  updated_at = now()"
                      " WHERE id = $1::uuid AND (status IS NULL OR status = 'queued')",
                      3, pm, error))
          return FALSE;
        ctx->status = g_strdup ("unknown");
        break;
      }

    default:
      g_assert_not_reached ();
    }

  ctx->final_phone = g_strdup (final);
  notify_outbox (conn, final, ctx->uuid);
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

  if (!wabiz_db_conn_begin (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!write_outcome (conn, ctx, &error))
    {
      wabiz_db_conn_rollback (conn);
      g_task_return_error (task, error);
      return;
    }
  if (!wabiz_db_conn_commit (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* settled: its spool copy goes before anyone hears of it */
  if (ctx->media_file != NULL && ctx->outcome != OUTCOME_RETRY && ctx->outcome != OUTCOME_UPLOADED)
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
  SendCtx *ctx = g_task_get_task_data (G_TASK (result));
  WabizOutbox *self = ctx->self;
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
          g_timeout_add (WRITE_RETRY_MS, write_retry_cb, g_steal_pointer (&user_data));
          return;
        }
      g_warning ("Gave up recording the outcome of message %s: %s", ctx->uuid, error->message);
    }
  else if (ctx->outcome == OUTCOME_UPLOADED)
    self->idle = FALSE;   /* the send is due now */
  else if (ctx->outcome != OUTCOME_RETRY)
    {
      const char *wamid = ctx->sent ? ctx->sent->wamid : NULL;
      g_autofree char *code = NULL;
      const char *title = NULL;

      if (ctx->error != NULL)
        {
          title = ctx->outcome == OUTCOME_UNKNOWN ? _(UNKNOWN_TITLE)
                  : wabiz_graph_error_get_title (ctx->error) ? wabiz_graph_error_get_title (ctx->error)
                  : ctx->error->message;
          if (ctx->error->domain == WABIZ_GRAPH_ERROR && ctx->error->code >= 0)
            code = g_strdup_printf ("%d", ctx->error->code);
        }
      emit_settled (self, ctx->uuid, ctx->status, wamid, code, title,
                    ctx->error ? wabiz_graph_error_get_details (ctx->error) : NULL);
    }

  self->in_flight--;
  send_ctx_free (user_data);
  schedule (self);
  maybe_finish_stop (self);
}

static void
write_outcome_async (SendCtx *ctx)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, outcome_done_cb, ctx);

  g_task_set_source_tag (task, write_outcome_async);
  /* the ctx is freed by outcome_done_cb, not by the task */
  g_task_set_task_data (task, ctx, NULL);
  wabiz_db_run_in_thread (ctx->self->db, task, outcome_job);
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

  write_outcome_async (ctx);
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
      ctx->error = g_error_new_literal (WABIZ_ERROR, WABIZ_ERROR_FAILED, _(SPOOL_GONE));
      ctx->outcome = OUTCOME_FAILED;
    }
  else if (upload_error_is_retryable (ctx->error) && ctx->attempts < MAX_ATTEMPTS)
    set_retry (ctx);
  else
    ctx->outcome = OUTCOME_FAILED;

  if (ctx->outcome != OUTCOME_UPLOADED)
    g_debug ("Message %s: upload failed: %s", ctx->uuid, ctx->error->message);
  write_outcome_async (ctx);
}

/* ------------------------------------------------------------------ */
/* claiming and the token bucket */

typedef struct
{
  guint  n;
  char  *owner;
} ClaimData;

static void
claim_data_free (ClaimData *data)
{
  g_free (data->owner);
  g_free (data);
}

static void
claim_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  ClaimData *data = task_data;
  g_autofree char *limit = g_strdup_printf ("%u", data->n);
  const char *params[] = { limit, data->owner };
  WabizDbResult *res;
  GError *error = NULL;

  res = wabiz_db_conn_exec (conn,
                            "WITH due AS ("
                            "  SELECT o.id FROM outbox o"
                            "   WHERE o.state = 'pending' AND o.next_attempt_at <= now()"
                            /* a file to upload: only where its copy is */
                            "     AND (o.media_file IS NULL OR o.media_upload_id IS NOT NULL"
                            "          OR o.media_host = $2)"
                            "     AND (NOT o.bulk OR NOT EXISTS ("
                            "           SELECT 1 FROM outbox r WHERE r.phone = o.phone AND r.id <> o.id"
                            "              AND r.sent_at > now() - interval '" PAIR_INTERVAL_S " seconds'))"
                            "   ORDER BY o.next_attempt_at, o.id"
                            "   LIMIT $1::int FOR UPDATE SKIP LOCKED)"
                            " UPDATE outbox o SET state = 'sending', attempts = o.attempts + 1,"
                            "   sent_at = now(), updated_at = now()"
                            "  FROM due WHERE o.id = due.id"
                            " RETURNING o.id, o.message_uuid::text AS uuid, o.phone, o.payload::text AS payload,"
                            "   o.bulk, o.attempts, o.media_file, o.media_upload_id",
                            2, params, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, res, (GDestroyNotify) wabiz_db_result_unref);
}

static void
unclaim_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(WabizDbResult) res = NULL;
  const char *params[] = { task_data };
  GError *error = NULL;

  res = wabiz_db_conn_exec (conn,
                            "UPDATE outbox SET state = 'pending', attempts = attempts - 1, sent_at = NULL,"
                            "  next_attempt_at = now() + interval '" PAIR_INTERVAL_S " seconds'"
                            " WHERE id = $1::bigint AND state = 'sending'",
                            1, params, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
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
  self->in_flight--;
  schedule (self);
  maybe_finish_stop (self);
}

static void
send_row (WabizOutbox   *self,
          WabizDbResult *res,
          guint          row,
          GHashTable    *bulk_phones)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *payload = wabiz_db_result_get (res, row, "payload");
  const char *phone = wabiz_db_result_get (res, row, "phone");
  const char *upload_id;
  SendCtx *ctx;
  GError *error = NULL;

  self->in_flight++;

  /* two bulk rows to one customer in one claim: the second waits 6 s */
  if (wabiz_db_result_get_bool (res, row, "bulk"))
    {
      if (g_hash_table_contains (bulk_phones, phone))
        {
          g_autoptr(GTask) task = g_task_new (NULL, NULL, unclaim_done_cb, g_object_ref (self));

          g_task_set_task_data (task, g_strdup (wabiz_db_result_get (res, row, "id")), g_free);
          wabiz_db_run_in_thread (self->db, task, unclaim_job);
          self->tokens += 1;
          return;
        }
      g_hash_table_add (bulk_phones, g_strdup (phone));
    }

  ctx = g_new0 (SendCtx, 1);
  ctx->self = g_object_ref (self);
  ctx->id = wabiz_db_result_get_int (res, row, "id");
  ctx->uuid = g_strdup (wabiz_db_result_get (res, row, "uuid"));
  ctx->phone = g_strdup (phone);
  ctx->bulk = wabiz_db_result_get_bool (res, row, "bulk");
  ctx->attempts = (int) wabiz_db_result_get_int (res, row, "attempts");
  ctx->media_file = g_strdup (wabiz_db_result_get (res, row, "media_file"));

  if (payload == NULL || !json_parser_load_from_data (parser, payload, -1, &error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      ctx->outcome = OUTCOME_FAILED;
      ctx->error = error ? error : g_error_new_literal (WABIZ_ERROR, WABIZ_ERROR_FAILED,
                                                        _("The queued message is damaged"));
      write_outcome_async (ctx);
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
          ctx->outcome = OUTCOME_FAILED;
          ctx->error = g_error_new_literal (WABIZ_ERROR, WABIZ_ERROR_FAILED,
                                            _("The queued message is damaged"));
          write_outcome_async (ctx);
          return;
        }

      /* phase 1: the file goes to Meta first (the check of type and
       * size happens again, on the copy) */
      if (upload_id == NULL)
        {
          g_autoptr(GFile) file = g_file_new_for_path (ctx->media_file);

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
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) bulk_phones = NULL;
  guint n;

  self->claiming = FALSE;
  res = g_task_propagate_pointer (G_TASK (result), &error);
  if (res == NULL)
    {
      g_warning ("Could not take messages from the outbox: %s", error->message);
      self->next_poll = now_us () + WRITE_RETRY_MS * 1000;
      self->idle = TRUE;
      schedule (self);
      maybe_finish_stop (self);
      return;
    }

  n = wabiz_db_result_get_n_rows (res);
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
    send_row (self, res, i, bulk_phones);

  schedule (self);
  maybe_finish_stop (self);
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
  g_autoptr(GTask) task = NULL;
  double capacity;
  gint64 now;
  guint n;

  if (!self->is_sender || self->stopping || self->claiming || self->recovering)
    return;

  if (!self->recovered)
    {
      g_autoptr(GTask) recover = NULL;

      /* our own sends still in flight (the lock was lost and taken
       * again) must not be mistaken for a crash's */
      if (self->in_flight > 0)
        return;
      recover = g_task_new (NULL, NULL, recover_done_cb, g_object_ref (self));

      self->recovering = TRUE;
      g_task_set_source_tag (recover, recover_job);
      /* the callback's ref keeps it alive */
      g_task_set_task_data (recover, self, NULL);
      wabiz_db_run_in_thread (self->db, recover, recover_job);
      return;
    }

  if (self->in_flight >= MAX_IN_FLIGHT)
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
  n = MIN (n, MAX_IN_FLIGHT - self->in_flight);

  self->claiming = TRUE;
  task = g_task_new (NULL, NULL, claim_done_cb, g_object_ref (self));
  g_task_set_source_tag (task, claim_job);
  {
    ClaimData *data = g_new0 (ClaimData, 1);

    data->n = n;
    data->owner = g_strdup (self->spool_owner);
    g_task_set_task_data (task, data, (GDestroyNotify) claim_data_free);
  }
  wabiz_db_run_in_thread (self->db, task, claim_job);
}

/* ------------------------------------------------------------------ */
/* stop */

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

  self->is_sender = FALSE;
  tasks = g_steal_pointer (&self->stop_tasks);
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

/* ------------------------------------------------------------------ */

static void
wabiz_outbox_dispose (GObject *object)
{
  WabizOutbox *self = (WabizOutbox *) object;

  self->stopping = TRUE;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->acquire_id, g_source_remove);
  if (self->lock != NULL)
    lock_holder_release (self->lock);
  g_clear_pointer (&self->lock, lock_holder_unref);
  g_clear_pointer (&self->waiters, g_hash_table_unref);

  G_OBJECT_CLASS (wabiz_outbox_parent_class)->dispose (object);
}

static void
wabiz_outbox_finalize (GObject *object)
{
  WabizOutbox *self = (WabizOutbox *) object;

  g_clear_object (&self->db);
  g_clear_object (&self->graph);
  g_clear_pointer (&self->stop_tasks, g_ptr_array_unref);
  g_free (self->spool_dir);
  g_free (self->spool_owner);

  G_OBJECT_CLASS (wabiz_outbox_parent_class)->finalize (object);
}

static void
wabiz_outbox_class_init (WabizOutboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_outbox_dispose;
  object_class->finalize = wabiz_outbox_finalize;

  /**
   * WabizOutbox::message-settled:
   * @uuid: the message's id
   * @status: accepted, sent, failed or unknown
   *
   * A message this process sent (or settled at start) reached its
   * outcome.
   */
  signals[MESSAGE_SETTLED] = g_signal_new ("message-settled",
                                           G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
wabiz_outbox_init (WabizOutbox *self)
{
  self->waiters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->spool_dir = g_build_filename (g_get_user_data_dir (), "wabiz", "outbox", NULL);
  self->spool_owner = g_strdup_printf ("%s:%s", g_get_host_name (), self->spool_dir);
}

/**
 * wabiz_outbox_new:
 * @db: the database; its pool needs at least 2 connections, as the
 *   sender keeps one for its lock
 * @graph: the Graph client to send with
 * @rate_per_second: messages per second, 0 for the default (80)
 */
WabizOutbox *
wabiz_outbox_new (WabizDb          *db,
                  WabizGraphClient *graph,
                  double            rate_per_second)
{
  WabizOutbox *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (graph), NULL);

  self = g_object_new (WABIZ_TYPE_OUTBOX, NULL);
  self->db = g_object_ref (db);
  self->graph = g_object_ref (graph);
  self->rate = rate_per_second > 0 ? rate_per_second : DEFAULT_RATE;
  return self;
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
wabiz_outbox_start (WabizOutbox *self)
{
  g_return_if_fail (WABIZ_IS_OUTBOX (self));

  if (self->started && !self->stopping)
    return;

  self->started = TRUE;
  self->stopping = FALSE;
  try_acquire (self);
}

const char *
wabiz_outbox_get_spool_dir (WabizOutbox *self)
{
  g_return_val_if_fail (WABIZ_IS_OUTBOX (self), NULL);

  return self->spool_dir;
}

gboolean
wabiz_outbox_get_is_sender (WabizOutbox *self)
{
  g_return_val_if_fail (WABIZ_IS_OUTBOX (self), FALSE);

  return self->is_sender;
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

  self->stopping = TRUE;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->acquire_id, g_source_remove);
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

/* ------------------------------------------------------------------ */
/* queue */

typedef struct
{
  WabizOutgoing *message;   /* (owned) */
  char          *phone;     /* normalised */
  JsonNode      *object;    /* (owned) the Graph object named after the type */
  WabizOutboxSpooled *spooled;  /* (owned) (nullable) a file's copy, once made */
} QueueData;

static void
queue_data_free (QueueData *data)
{
  g_clear_pointer (&data->message, wabiz_outgoing_unref);
  g_free (data->phone);
  g_clear_pointer (&data->object, json_node_unref);
  g_clear_pointer (&data->spooled, _wabiz_outbox_spooled_free);
  g_free (data);
}

static guint
count_positional_params (const char *body)
{
  guint max = 0;

  for (const char *p = body; p && (p = strstr (p, "{{")) != NULL; p += 2)
    {
      guint64 n;
      const char *end = strstr (p + 2, "}}");
      g_autofree char *inner = NULL;

      if (end == NULL)
        break;
      inner = g_strndup (p + 2, end - (p + 2));
      if (g_ascii_string_to_unsigned (inner, 10, 1, 100, &n, NULL))
        max = MAX (max, (guint) n);
    }
  return max;
}

static char *
fill_template (const char  *body,
               GStrv        params)
{
  GString *s = g_string_new (body);

  for (guint i = 0; params && params[i]; i++)
    {
      g_autofree char *placeholder = g_strdup_printf ("{{%u}}", i + 1);

      g_string_replace (s, placeholder, params[i], 0);
    }
  return g_string_free (s, FALSE);
}

/* Template rule: a template WaBiz has synced must be APPROVED (and get as
 * many body parameters as its body has); an unknown one is refused once
 * templates were synced, except Meta's sample hello_world; before any
 * sync nothing is known and Meta is the judge (132001 comes back as a
 * permanent failure). */
static gboolean
check_template (WabizDbConn   *conn,
                WabizOutgoing *m,
                char         **preview,
                GError       **error)
{
  g_autoptr(WabizDbResult) res = NULL;
  const char *params[] = { m->template_name, m->template_language };
  guint given = m->template_params ? g_strv_length (m->template_params) : 0;
  const char *status;
  const char *body;
  const char *format;

  res = wabiz_db_conn_exec (conn,
                            "SELECT t.status, t.body_text, t.parameter_format,"
                            "  (SELECT count(*) FROM templates) AS n"
                            " FROM (SELECT 1) one LEFT JOIN templates t ON t.name = $1 AND t.language = $2",
                            2, params, error);
  if (res == NULL)
    return FALSE;

  status = wabiz_db_result_get (res, 0, "status");
  if (status == NULL)
    {
      if (wabiz_db_result_get_int (res, 0, "n") > 0 && !g_str_equal (m->template_name, "hello_world"))
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND,
                       _("There is no template “%s” in %s; refresh the templates or create it first"),
                       m->template_name, m->template_language);
          return FALSE;
        }
      *preview = g_strdup_printf ("[%s]", m->template_name);
      return TRUE;
    }

  if (!g_str_equal (status, "APPROVED"))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("The template “%s” (%s) is %s; only approved templates can be sent"),
                   m->template_name, m->template_language, status);
      return FALSE;
    }

  body = wabiz_db_result_get (res, 0, "body_text");
  format = wabiz_db_result_get (res, 0, "parameter_format");
  if (body != NULL && (format == NULL || g_ascii_strcasecmp (format, "NAMED") != 0))
    {
      guint needed = count_positional_params (body);

      if (needed != given)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "The template “%s” needs %u parameter, %u given",
                                    "The template “%s” needs %u parameters, %u given", needed),
                       m->template_name, needed, given);
          return FALSE;
        }
      *preview = fill_template (body, m->template_params);
    }
  else
    *preview = g_strdup_printf ("[%s]", m->template_name);
  return TRUE;
}

static gboolean
queue_on_conn (WabizOutbox *self,
               WabizDbConn *conn,
               QueueData   *data,
               char       **out_uuid,
               GError     **error)
{
  WabizOutgoing *m = data->message;
  WabizOutboxSpooled *spooled = data->spooled;
  g_autoptr(WabizDbResult) alias = NULL;
  g_autoptr(WabizDbResult) window = NULL;
  g_autoptr(WabizDbResult) inserted = NULL;
  g_autoptr(WabizDbResult) outbox = NULL;
  g_autoptr(JsonNode) payload = NULL;
  g_autofree char *payload_text = NULL;
  g_autofree char *lead_id = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *template_params = NULL;
  g_autofree char *size = NULL;
  const char *phone = data->phone;
  gboolean is_template = g_str_equal (m->type, "template");

  /* the number typed may be known under Meta's wa_id */
  {
    const char *p[] = { data->phone };

    alias = wabiz_db_conn_exec (conn, "SELECT wa_id FROM wa_id_aliases WHERE input = $1", 1, p, error);
    if (alias == NULL)
      return FALSE;
    if (wabiz_db_result_get_n_rows (alias) > 0)
      phone = wabiz_db_result_get (alias, 0, "wa_id");
  }

  if (!is_template)
    {
      const char *p[] = { phone };

      window = wabiz_db_conn_exec (conn,
                                   "SELECT coalesce(greatest(l.last_inbound_at, c.last_inbound_at)"
                                   "                > now() - interval '24 hours', false) AS open"
                                   " FROM (SELECT $1::text AS phone) x"
                                   " LEFT JOIN leads l ON l.phone = x.phone"
                                   " LEFT JOIN conversations c ON c.phone = x.phone",
                                   1, p, error);
      if (window == NULL)
        return FALSE;
      if (!wabiz_db_result_get_bool (window, 0, "open"))
        {
          g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_WINDOW_CLOSED,
                               _("This customer has not written in the last 24 hours, so WhatsApp only "
                                 "accepts an approved template; send a template instead"));
          return FALSE;
        }
    }
  else if (!check_template (conn, m, &preview, error))
    return FALSE;

  if (preview == NULL)
    preview = _wabiz_outgoing_dup_preview (m);

  lead_id = wabiz_store_upsert_lead_on_conn (conn, phone, NULL, error);
  if (lead_id == NULL)
    return FALSE;

  payload = _wabiz_outgoing_build_payload (m, phone, data->object);
  payload_text = json_to_string (payload, FALSE);
  template_params = _wabiz_outgoing_dup_template_params (m);

  if (spooled != NULL)
    size = g_strdup_printf ("%" G_GOFFSET_FORMAT, spooled->size);

  {
    const char *p[] = {
      phone, preview, m->type, m->template_name, m->template_language, template_params,
      m->link, _wabiz_outgoing_get_media_type (m), m->caption, m->media_id,
      m->filename ? m->filename : spooled ? spooled->name : NULL, m->reply_to, payload_text,
      lead_id, spooled ? spooled->mime : NULL, size, spooled ? spooled->local_path : NULL,
    };

    /* a file's bubble shows it from where it is on this computer */
    inserted = wabiz_db_conn_exec (conn,
                                   "INSERT INTO messages (phone, message, sender, direction, status, type,"
                                   "  template_name, template_language, template_params, media_url, media_type,"
                                   "  caption, media_id, media_filename, reply_to, content, lead_id, \"timestamp\","
                                   "  media_mime, media_size, media_path)"
                                   " VALUES ($1, $2, 'WaBiz', 'outbound', 'queued', $3, $4, $5, $6::jsonb, $7, $8,"
                                   "  $9, $10, $11, $12, $13::jsonb, $14::uuid, now(), $15, $16::bigint, $17)"
                                   " RETURNING id::text AS id",
                                   17, p, error);
    if (inserted == NULL)
      return FALSE;
  }

  {
    const char *p[] = { wabiz_db_result_get (inserted, 0, "id"), phone, payload_text,
                        m->bulk ? "true" : "false", spooled ? spooled->path : NULL,
                        spooled ? self->spool_owner : NULL };

    outbox = wabiz_db_conn_exec (conn,
                                 "INSERT INTO outbox (message_uuid, phone, payload, bulk, media_file, media_host)"
                                 " VALUES ($1::uuid, $2, $3::jsonb, $4::boolean, $5, $6)",
                                 6, p, error);
    if (outbox == NULL)
      return FALSE;
  }

  if (!wabiz_store_touch_conversation_on_conn (conn, phone, lead_id, preview, FALSE, NULL, error))
    return FALSE;
  if (!wabiz_store_notify_on_conn (conn, "messages", phone, wabiz_db_result_get (inserted, 0, "id"), error))
    return FALSE;

  *out_uuid = g_strdup (wabiz_db_result_get (inserted, 0, "id"));
  return TRUE;
}

static void
queue_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  WabizOutbox *self = g_task_get_source_object (task);
  QueueData *data = task_data;
  g_autofree char *uuid = NULL;
  GError *error = NULL;

  if (!wabiz_db_conn_begin (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!queue_on_conn (self, conn, data, &uuid, &error))
    {
      wabiz_db_conn_rollback (conn);
      /* nothing names the copy */
      if (data->spooled != NULL)
        _wabiz_outbox_spool_remove (self, data->spooled->path);
      g_task_return_error (task, error);
      return;
    }
  /* a failed commit may still have committed: a copy no row names is
   * swept later */
  if (!wabiz_db_conn_commit (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&uuid), g_free);
}

static void
queue_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizOutbox *self = g_task_get_source_object (task);
  GError *error = NULL;
  char *uuid;

  uuid = g_task_propagate_pointer (G_TASK (result), &error);
  if (uuid == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  wabiz_outbox_kick (self);
  g_task_return_pointer (task, uuid, g_free);
}

static void
start_queue_job (GTask *task)
{
  WabizOutbox *self = g_task_get_source_object (task);
  QueueData *data = g_task_get_task_data (task);
  GTask *job;

  /* the job's task carries no callback into user code; queue_done_cb
   * finishes @task on the caller's context */
  job = g_task_new (self, g_task_get_cancellable (task), queue_done_cb, task);
  g_task_set_source_tag (job, queue_job);
  g_task_set_task_data (job, data, NULL);
  wabiz_db_run_in_thread (self->db, job, queue_job);
  g_object_unref (job);
}

/* the check and the copy read and write files: on a worker thread */
static void
spool_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  QueueData *data = task_data;
  GError *error = NULL;

  data->spooled = _wabiz_outbox_spool_file (source_object, data->message->file, data->message->kind,
                                            cancellable, &error);
  if (data->spooled == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
spool_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  start_queue_job (g_steal_pointer (&task));
}

void
wabiz_outbox_queue_async (WabizOutbox         *self,
                          WabizOutgoing       *message,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  QueueData *data;
  GError *error = NULL;
  g_autofree char *phone = NULL;
  g_autoptr(JsonNode) object = NULL;

  g_return_if_fail (WABIZ_IS_OUTBOX (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_outbox_queue_async);

  phone = wabiz_phone_normalize (message->to, &error);
  if (phone == NULL)
    {
      if (error == NULL || error->domain != WABIZ_ERROR)
        {
          g_clear_error (&error);
          error = g_error_new_literal (WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                                       _("This is not a valid WhatsApp phone number"));
        }
      g_task_return_error (task, error);
      return;
    }

  object = _wabiz_outgoing_build_object (message, &error);
  if (object == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (QueueData, 1);
  data->message = wabiz_outgoing_ref (message);
  data->phone = g_steal_pointer (&phone);
  data->object = g_steal_pointer (&object);
  /* @task owns the data; the jobs only use it */
  g_task_set_task_data (task, data, (GDestroyNotify) queue_data_free);

  if (message->file != NULL)
    {
      g_autoptr(GTask) spool = NULL;

      spool = g_task_new (self, cancellable, spool_done_cb, g_steal_pointer (&task));
      g_task_set_source_tag (spool, spool_thread);
      g_task_set_task_data (spool, data, NULL);
      g_task_run_in_thread (spool, spool_thread);
      return;
    }

  start_queue_job (g_steal_pointer (&task));
}

char *
wabiz_outbox_queue_finish (WabizOutbox   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_OUTBOX (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_outbox_queue_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* wait */

static void wait_poll (GTask *task);

static void
wait_query_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WaitData *data = g_task_get_task_data (task);
  WabizOutbox *self = g_task_get_source_object (task);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  data->querying = FALSE;
  if (data->done)
    return;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      g_debug ("Waiting for message %s: %s", data->uuid, error->message);
      return;
    }
  if (wabiz_db_result_get_n_rows (res) == 0)
    {
      data->done = TRUE;
      g_clear_handle_id (&data->timeout_id, g_source_remove);
      g_clear_handle_id (&data->poll_id, g_source_remove);
      remove_waiter (self, task);
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND,
                               _("There is no such message"));
      return;
    }
  if (g_strv_contains ((const char * const[]) { "queued", NULL },
                       wabiz_db_result_get (res, 0, "status") ? wabiz_db_result_get (res, 0, "status") : "queued"))
    return;

  remove_waiter (self, task);
  return_settled (task, wabiz_db_result_get (res, 0, "status"), wabiz_db_result_get (res, 0, "message_id"),
                  wabiz_db_result_get (res, 0, "error_code"), wabiz_db_result_get (res, 0, "error_title"),
                  wabiz_db_result_get (res, 0, "error_details"));
}

static void
wait_poll (GTask *task)
{
  WabizOutbox *self = g_task_get_source_object (task);
  WaitData *data = g_task_get_task_data (task);
  const char *params[] = { data->uuid };

  if (data->querying)
    return;
  data->querying = TRUE;
  wabiz_db_query_async (self->db,
                        "SELECT m.status, m.message_id, m.error_code, m.error_title, m.error_details"
                        " FROM messages m WHERE m.id = $1::uuid",
                        1, params, NULL, wait_query_cb, g_object_ref (task));
}

static gboolean
wait_poll_cb (gpointer user_data)
{
  GTask *task = user_data;
  WabizOutbox *self = g_task_get_source_object (task);

  /* while this process sends, its own outcome resolves the wait */
  if (!self->is_sender)
    wait_poll (task);
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  GTask *task = user_data;
  WaitData *data = g_task_get_task_data (task);
  WabizOutbox *self = g_task_get_source_object (task);

  if (data->done)
    return G_SOURCE_REMOVE;
  data->done = TRUE;
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  g_clear_handle_id (&data->poll_id, g_source_remove);
  g_object_ref (task);
  remove_waiter (self, task);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  WaitData *data = g_task_get_task_data (task);
  WabizOutbox *self = g_task_get_source_object (task);

  data->timeout_id = 0;
  data->done = TRUE;
  g_clear_handle_id (&data->poll_id, g_source_remove);
  g_object_ref (task);
  remove_waiter (self, task);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           _("The message was not sent in time; it stays queued"));
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
wabiz_outbox_wait_async (WabizOutbox         *self,
                         const char          *message_uuid,
                         guint                timeout_ms,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;
  WaitData *data;
  GPtrArray *tasks;

  g_return_if_fail (WABIZ_IS_OUTBOX (self));
  g_return_if_fail (message_uuid != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_outbox_wait_async);
  data = g_new0 (WaitData, 1);
  data->self = self;
  data->uuid = g_strdup (message_uuid);
  g_task_set_task_data (task, data, (GDestroyNotify) wait_data_free);

  tasks = g_hash_table_lookup (self->waiters, message_uuid);
  if (tasks == NULL)
    {
      tasks = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->waiters, g_strdup (message_uuid), tasks);
    }
  /* the table owns the task until it completes */
  g_ptr_array_add (tasks, task);

  data->timeout_id = g_timeout_add (timeout_ms > 0 ? timeout_ms : 30000, wait_timeout_cb, task);
  data->poll_id = g_timeout_add (WAIT_POLL_MS, wait_poll_cb, task);
  if (cancellable != NULL)
    {
      data->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancel_source, (GSourceFunc) (void (*) (void)) wait_cancelled_cb,
                             task, NULL);
      g_source_attach (data->cancel_source, g_main_context_get_thread_default ());
    }
  /* it may have settled already */
  wait_poll (task);
}

char *
wabiz_outbox_wait_finish (WabizOutbox   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_OUTBOX (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_outbox_wait_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
