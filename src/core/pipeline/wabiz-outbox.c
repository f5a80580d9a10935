/* wabiz-outbox.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The durable outbox: the object, queueing and waiting. What sends is in
 * wabiz-outbox-sender.c, the copies of attached files in
 * wabiz-outbox-spool.c, the message itself in wabiz-outgoing.c.
 *
 * Queueing validates the message (number, 24-hour window, template) and
 * writes a `messages` row (status "queued") and an `outbox` row in one
 * transaction, then NOTIFYs. Nothing goes on the network before that
 * commit. A file is checked and copied into the spool first, on a worker
 * thread.
 *
 * Waiting for a message ends with the sender's own outcome when this
 * process sends (message-settled), else by polling the message's row.
 */

#define G_LOG_DOMAIN "wabiz-outbox"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-outbox-private.h"
#include "wabiz-outgoing-private.h"
#include "wabiz-phone.h"
#include "wabiz-store.h"
#include "wabiz-template-rules.h"

#include <glib/gi18n-lib.h>

#define WAIT_POLL_MS         200

G_DEFINE_FINAL_TYPE (WabizOutbox, wabiz_outbox, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_IS_SENDER,
  PROP_SENDER_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  MESSAGE_SETTLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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

/* The wait is over (its task is about to return): no more polls */
static void
wait_data_end (WaitData *data)
{
  data->done = TRUE;
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  g_clear_handle_id (&data->poll_id, g_source_remove);
}

static gboolean
is_settled (const char *status)
{
  return status != NULL && !g_str_equal (status, "queued");
}

/* Returns whether @settled is settled, and if so returns it by @task */
static gboolean
return_settled (GTask                    *task,
                const WabizOutboxSettled *settled)
{
  const char *title = settled->error_title;

  if (!is_settled (settled->status))
    return FALSE;

  wait_data_end (g_task_get_task_data (task));

  if (g_str_equal (settled->status, "failed"))
    {
      gint64 code = settled->error_code ? g_ascii_strtoll (settled->error_code, NULL, 10) : 0;

      if (settled->error_code != NULL)
        g_task_return_error (task, wabiz_graph_error_new ((int) code, 0, title, settled->error_details));
      else
        g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_FAILED, "%s",
                                 title ? title : _("The message could not be sent"));
    }
  else if (g_str_equal (settled->status, "unknown"))
    g_task_return_error (task, wabiz_graph_error_new (WABIZ_GRAPH_ERROR_AMBIGUOUS, 0,
                                                      title ? title : _(WABIZ_OUTBOX_UNKNOWN_TITLE),
                                                      settled->error_details));
  else if (g_str_equal (settled->status, "cancelled"))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The message was cancelled"));
  else
    g_task_return_pointer (task, g_strdup (settled->wamid), g_free);
  return TRUE;
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

/* Ends a wait before the message settled: with @error, or NULL when
 * its cancellable was cancelled */
static void
wait_fail (GTask  *task,
           GError *error)
{
  WaitData *data = g_task_get_task_data (task);
  g_autoptr(GTask) hold = g_object_ref (task);   /* the waiters' ref goes */

  wait_data_end (data);
  remove_waiter (data->self, task);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_error_if_cancelled (task);
}

void
_wabiz_outbox_settle (WabizOutbox              *self,
                      const char               *uuid,
                      const WabizOutboxSettled *settled)
{
  g_autoptr(GPtrArray) tasks = NULL;
  gpointer key = NULL;

  g_signal_emit (self, signals[MESSAGE_SETTLED], 0, uuid, settled->status);

  if (!g_hash_table_steal_extended (self->waiters, uuid, &key, (gpointer *) &tasks))
    return;
  g_free (key);

  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (!return_settled (task, settled))
        g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_FAILED, "%s",
                                 _("The message could not be sent"));
    }
}

void
_wabiz_outbox_set_is_sender (WabizOutbox *self,
                             gboolean     is_sender)
{
  if (self->is_sender == !!is_sender)
    return;
  self->is_sender = !!is_sender;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_SENDER]);
}

void
_wabiz_outbox_set_sender_problem (WabizOutbox *self,
                                  const char  *problem)
{
  if (g_strcmp0 (self->sender_problem, problem) == 0)
    return;
  g_free (self->sender_problem);
  self->sender_problem = g_strdup (problem);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SENDER_PROBLEM]);
}

/* ------------------------------------------------------------------ */

gboolean
_wabiz_outbox_transaction (WabizDbConn                *conn,
                           WabizOutboxTransactionFunc  func,
                           gpointer                    data,
                           GError                    **error)
{
  if (!wabiz_db_conn_begin (conn, error))
    return FALSE;
  if (!func (conn, data, error))
    {
      wabiz_db_conn_rollback (conn);
      return FALSE;
    }
  return wabiz_db_conn_commit (conn, error);
}

static void
wabiz_outbox_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WabizOutbox *self = WABIZ_OUTBOX (object);

  switch (prop_id)
    {
    case PROP_IS_SENDER:
      g_value_set_boolean (value, self->is_sender);
      break;
    case PROP_SENDER_PROBLEM:
      g_value_set_string (value, self->sender_problem);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_outbox_dispose (GObject *object)
{
  WabizOutbox *self = (WabizOutbox *) object;

  _wabiz_outbox_sender_dispose (self);
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
  g_free (self->retry_token);
  g_free (self->sender_problem);

  G_OBJECT_CLASS (wabiz_outbox_parent_class)->finalize (object);
}

static void
wabiz_outbox_class_init (WabizOutboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wabiz_outbox_get_property;
  object_class->dispose = wabiz_outbox_dispose;
  object_class->finalize = wabiz_outbox_finalize;

  /**
   * WabizOutbox:is-sender:
   *
   * This process holds the database's sender lock and sends.
   */
  properties[PROP_IS_SENDER] =
    g_param_spec_boolean ("is-sender", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * WabizOutbox:sender-problem:
   *
   * Why this process stopped sending though it was the sender, for the
   * user to read (wabiz_outbox_get_sender_problem()).
   */
  properties[PROP_SENDER_PROBLEM] =
    g_param_spec_string ("sender-problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

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
  self->max_in_flight = WABIZ_OUTBOX_MAX_IN_FLIGHT;
  self->spool_dir = g_build_filename (g_get_user_data_dir (), "wabiz", "outbox", NULL);
  self->spool_owner = g_strdup_printf ("%s:%s", g_get_host_name (), self->spool_dir);
}

/**
 * wabiz_outbox_new:
 * @db: the database (the sender's lock has a connection of its own,
 *   outside the pool)
 * @graph: (nullable): the Graph client to send with; without one (no
 *   access token yet) messages can be queued but this outbox never sends
 * @rate_per_second: messages per second, 0 for the default (80)
 */
WabizOutbox *
wabiz_outbox_new (WabizDb          *db,
                  WabizGraphClient *graph,
                  double            rate_per_second)
{
  WabizOutbox *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (graph == NULL || WABIZ_IS_GRAPH_CLIENT (graph), NULL);

  self = g_object_new (WABIZ_TYPE_OUTBOX, NULL);
  self->db = g_object_ref (db);
  self->graph = graph != NULL ? g_object_ref (graph) : NULL;
  wabiz_outbox_set_rate (self, rate_per_second);
  return self;
}

const char *
wabiz_outbox_get_spool_dir (WabizOutbox *self)
{
  g_return_val_if_fail (WABIZ_IS_OUTBOX (self), NULL);

  return self->spool_dir;
}

/* ------------------------------------------------------------------ */
/* queue */

typedef struct
{
  WabizOutbox        *self;     /* (unowned) the task holds a ref */
  WabizOutgoing      *message;  /* (owned) */
  char               *phone;    /* normalised */
  JsonNode           *object;   /* (owned) the Graph object named after the type */
  WabizOutboxSpooled *spooled;  /* (owned) (nullable) a file's copy, once made */
  char               *uuid;     /* (owned) (nullable) the message's, once written */
} QueueData;

static void
queue_data_free (QueueData *data)
{
  g_clear_pointer (&data->message, wabiz_outgoing_unref);
  g_free (data->phone);
  g_clear_pointer (&data->object, json_node_unref);
  g_clear_pointer (&data->spooled, _wabiz_outbox_spooled_free);
  g_free (data->uuid);
  g_free (data);
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
      guint needed = wabiz_template_count_placeholders (body);

      if (needed != given)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "The template “%s” needs %u parameter, %u given",
                                    "The template “%s” needs %u parameters, %u given", needed),
                       m->template_name, needed, given);
          return FALSE;
        }
      *preview = wabiz_template_fill_placeholders (body, (const char * const *) m->template_params);
    }
  else if (m->preview != NULL)
    *preview = g_strdup (m->preview);  /* a named template, filled by its sender */
  else
    *preview = g_strdup_printf ("[%s]", m->template_name);
  return TRUE;
}

/* The number typed may be known under Meta's wa_id: the one to use */
static char *
resolve_alias (WabizDbConn *conn,
               const char  *phone,
               GError     **error)
{
  g_autoptr(WabizDbResult) alias = NULL;
  const char *p[] = { phone };

  alias = wabiz_db_conn_exec (conn, "SELECT wa_id FROM wa_id_aliases WHERE input = $1", 1, p, error);
  if (alias == NULL)
    return NULL;
  if (wabiz_db_result_get_n_rows (alias) > 0)
    return g_strdup (wabiz_db_result_get (alias, 0, "wa_id"));
  return g_strdup (phone);
}

/* Free-form messages only within 24 hours of the customer's last one */
static gboolean
check_window (WabizDbConn *conn,
              const char  *phone,
              GError     **error)
{
  g_autoptr(WabizDbResult) window = NULL;
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
  return TRUE;
}

/* The messages row; returns its id */
static char *
insert_message (WabizDbConn *conn,
                QueueData   *data,
                const char  *phone,
                const char  *preview,
                const char  *lead_id,
                const char  *payload_text,
                GError     **error)
{
  WabizOutgoing *m = data->message;
  WabizOutboxSpooled *spooled = data->spooled;
  g_autoptr(WabizDbResult) inserted = NULL;
  g_autofree char *template_params = _wabiz_outgoing_dup_template_params (m);
  g_autofree char *size = spooled ? g_strdup_printf ("%" G_GOFFSET_FORMAT, spooled->size) : NULL;
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
    return NULL;
  return g_strdup (wabiz_db_result_get (inserted, 0, "id"));
}

static gboolean
write_rows (WabizDbConn *conn,
            QueueData   *data,
            GError     **error)
{
  WabizOutgoing *m = data->message;
  WabizOutboxSpooled *spooled = data->spooled;
  g_autoptr(WabizDbResult) outbox = NULL;
  g_autoptr(JsonNode) payload = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *payload_text = NULL;
  g_autofree char *lead_id = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *uuid = NULL;

  phone = resolve_alias (conn, data->phone, error);
  if (phone == NULL)
    return FALSE;

  if (!g_str_equal (m->type, "template"))
    {
      if (!check_window (conn, phone, error))
        return FALSE;
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
  uuid = insert_message (conn, data, phone, preview, lead_id, payload_text, error);
  if (uuid == NULL)
    return FALSE;

  {
    const char *p[] = { uuid, phone, payload_text, m->bulk ? "true" : "false",
                        spooled ? spooled->path : NULL, spooled ? data->self->spool_owner : NULL };

    outbox = wabiz_db_conn_exec (conn,
                                 "INSERT INTO outbox (message_uuid, phone, payload, bulk, media_file, media_host)"
                                 " VALUES ($1::uuid, $2, $3::jsonb, $4::boolean, $5, $6)",
                                 6, p, error);
    if (outbox == NULL)
      return FALSE;
  }

  if (!wabiz_store_touch_conversation_on_conn (conn, phone, lead_id, preview, FALSE, NULL, error))
    return FALSE;
  if (!wabiz_store_notify_on_conn (conn, "messages", phone, uuid, error))
    return FALSE;

  data->uuid = g_steal_pointer (&uuid);
  return TRUE;
}

/* @user_data: the QueueData */
static gboolean
queue_on_conn (WabizDbConn *conn,
               gpointer     user_data,
               GError     **error)
{
  QueueData *data = user_data;

  if (write_rows (conn, data, error))
    return TRUE;
  /* rolled back: nothing names the copy */
  if (data->spooled != NULL)
    _wabiz_outbox_spool_remove (data->self, data->spooled->path);
  return FALSE;
}

static void
queue_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  QueueData *data = task_data;
  GError *error = NULL;

  /* a failed commit may still have committed: a copy no row names is
   * swept later */
  if (!_wabiz_outbox_transaction (conn, queue_on_conn, data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&data->uuid), g_free);
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
  data->self = self;
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
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  WabizOutboxSettled settled;

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
      wait_fail (task, g_error_new_literal (WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND,
                                            _("There is no such message")));
      return;
    }

  settled = (WabizOutboxSettled) {
    .status = wabiz_db_result_get (res, 0, "status"),
    .wamid = wabiz_db_result_get (res, 0, "message_id"),
    .error_code = wabiz_db_result_get (res, 0, "error_code"),
    .error_title = wabiz_db_result_get (res, 0, "error_title"),
    .error_details = wabiz_db_result_get (res, 0, "error_details"),
  };
  if (!is_settled (settled.status))
    return;
  remove_waiter (data->self, task);
  return_settled (task, &settled);
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

  if (!data->done)
    wait_fail (task, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  WaitData *data = g_task_get_task_data (task);

  data->timeout_id = 0;
  wait_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                        _("The message was not sent in time; it stays queued")));
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
