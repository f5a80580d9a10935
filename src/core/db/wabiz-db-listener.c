/* wabiz-db-listener.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A dedicated libpq connection that LISTENs on one channel and turns
 * NOTIFY into a GObject signal on the main loop. Connecting happens on
 * a worker thread; reading is non-blocking, driven by the socket. When
 * the link drops it reconnects with back-off and emits ::reconnected, so
 * views can re-query what they may have missed.
 */

#define G_LOG_DOMAIN "wabiz-db-listener"

#include "config.h"

#include "wabiz-db-listener.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#include <string.h>

struct _WabizDbListener
{
  GObject       parent_instance;

  char         *conninfo;     /* (owned) */
  char         *password;     /* (owned) (nullable) */
  char         *channel;      /* (owned) */
  PGconn       *pg;           /* (owned) (nullable) */
  guint         fd_source;
  guint         retry_source;
  guint         retry_delay_ms;
  GCancellable *cancellable;  /* (owned) */
  gboolean      connected;
  gboolean      ever_connected;
};

G_DEFINE_FINAL_TYPE (WabizDbListener, wabiz_db_listener, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTED,
  N_PROPS
};

enum {
  NOTIFICATION,
  CHANGED,
  RECONNECTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void connect_now (WabizDbListener *self);

static void
set_connected (WabizDbListener *self,
               gboolean         connected)
{
  if (self->connected == connected)
    return;

  self->connected = connected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static gboolean
retry_cb (gpointer user_data)
{
  WabizDbListener *self = user_data;

  self->retry_source = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (WabizDbListener *self)
{
  g_clear_handle_id (&self->fd_source, g_source_remove);
  g_clear_pointer (&self->pg, PQfinish);
  set_connected (self, FALSE);

  self->retry_delay_ms = CLAMP (self->retry_delay_ms * 2, 250, 10000);
  g_debug ("LISTEN connection lost; retrying in %u ms", self->retry_delay_ms);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_source = g_timeout_add (self->retry_delay_ms, retry_cb, self);
}

/* Decodes a payload of WaBiz's, {"t": TABLE, "phone": …, "id": …}
 * (wabiz_store_notify_on_conn() and the SQL that writes the same), into
 * ::changed with TABLE as its detail. Anything else is let through as
 * ::notification only. */
static void
emit_changed (WabizDbListener *self,
              const char      *payload)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  const char *table;
  const char *phone = NULL;
  const char *id = NULL;

  if (payload == NULL || *payload != '{' || !json_parser_load_from_data (parser, payload, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (object, "t") ||
      !JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "t")) ||
      json_node_get_value_type (json_object_get_member (object, "t")) != G_TYPE_STRING)
    return;
  table = json_object_get_string_member (object, "t");
  if (json_object_has_member (object, "phone") &&
      json_node_get_value_type (json_object_get_member (object, "phone")) == G_TYPE_STRING)
    phone = json_object_get_string_member (object, "phone");
  if (json_object_has_member (object, "id") &&
      json_node_get_value_type (json_object_get_member (object, "id")) == G_TYPE_STRING)
    id = json_object_get_string_member (object, "id");

  g_signal_emit (self, signals[CHANGED], g_quark_from_string (table), phone, id);
}

static gboolean
socket_ready_cb (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  WabizDbListener *self = user_data;
  PGnotify *notify;

  if (!PQconsumeInput (self->pg) || PQstatus (self->pg) != CONNECTION_OK)
    {
      self->fd_source = 0;
      schedule_retry (self);
      return G_SOURCE_REMOVE;
    }

  while ((notify = PQnotifies (self->pg)) != NULL)
    {
      g_signal_emit (self, signals[NOTIFICATION], 0, notify->relname, notify->extra);
      emit_changed (self, notify->extra);
      PQfreemem (notify);
    }

  return G_SOURCE_CONTINUE;
}

static void
connect_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  WabizDbListener *self = source_object;
  const char *keys[] = { "dbname", "password", "application_name", NULL };
  const char *values[] = { self->conninfo, self->password, "wabiz-listen", NULL };
  g_autofree char *sql = NULL;
  PGconn *pg;
  PGresult *res;
  char *quoted;

  if (self->password == NULL)
    keys[1] = "application_name", values[1] = "wabiz-listen", keys[2] = NULL, values[2] = NULL;

  pg = PQconnectdbParams (keys, values, 1);
  if (PQstatus (pg) != CONNECTION_OK)
    {
      PQfinish (pg);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "cannot connect");
      return;
    }

  quoted = PQescapeIdentifier (pg, self->channel, strlen (self->channel));
  sql = g_strdup_printf ("LISTEN %s", quoted);
  PQfreemem (quoted);
  res = PQexec (pg, sql);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    {
      PQclear (res);
      PQfinish (pg);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "LISTEN failed");
      return;
    }
  PQclear (res);
  PQsetnonblocking (pg, 1);

  g_task_return_pointer (task, pg, (GDestroyNotify) PQfinish);
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  WabizDbListener *self = WABIZ_DB_LISTENER (object);
  g_autoptr(GError) error = NULL;
  PGconn *pg;

  pg = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (pg == NULL)
    {
      schedule_retry (self);
      return;
    }

  self->pg = pg;
  self->retry_delay_ms = 0;
  self->fd_source = g_unix_fd_add (PQsocket (pg), G_IO_IN | G_IO_HUP | G_IO_ERR,
                                   socket_ready_cb, self);
  set_connected (self, TRUE);

  if (self->ever_connected)
    g_signal_emit (self, signals[RECONNECTED], 0);
  self->ever_connected = TRUE;
}

static void
connect_now (WabizDbListener *self)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, self->cancellable, connect_cb, NULL);
  g_task_set_source_tag (task, connect_now);
  g_task_run_in_thread (task, connect_thread);
}

static void
wabiz_db_listener_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WabizDbListener *self = WABIZ_DB_LISTENER (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_db_listener_dispose (GObject *object)
{
  WabizDbListener *self = (WabizDbListener *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->fd_source, g_source_remove);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_pointer (&self->pg, PQfinish);

  G_OBJECT_CLASS (wabiz_db_listener_parent_class)->dispose (object);
}

static void
wabiz_db_listener_finalize (GObject *object)
{
  WabizDbListener *self = (WabizDbListener *) object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->conninfo, g_free);
  g_clear_pointer (&self->password, g_free);
  g_clear_pointer (&self->channel, g_free);

  G_OBJECT_CLASS (wabiz_db_listener_parent_class)->finalize (object);
}

static void
wabiz_db_listener_class_init (WabizDbListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wabiz_db_listener_get_property;
  object_class->dispose = wabiz_db_listener_dispose;
  object_class->finalize = wabiz_db_listener_finalize;

  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizDbListener::notification:
   * @channel: the channel
   * @payload: the NOTIFY payload (may be empty)
   */
  signals[NOTIFICATION] =
    g_signal_new ("notification", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * WabizDbListener::changed:
   * @phone: (nullable): the customer the change concerns
   * @id: (nullable): the changed row's id
   *
   * A change a WaBiz process announced, decoded once here; the detail is
   * the table (`changed::messages`, `changed::leads`, `changed::drafts`,
   * `changed::templates`, `changed::webhook_events`, …).
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * WabizDbListener::reconnected:
   *
   * The connection came back after a loss: notifications sent in
   * between are gone, so re-query.
   */
  signals[RECONNECTED] =
    g_signal_new ("reconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wabiz_db_listener_init (WabizDbListener *self)
{
  self->cancellable = g_cancellable_new ();
}

WabizDbListener *
wabiz_db_listener_new (const char *conninfo,
                       const char *password,
                       const char *channel)
{
  WabizDbListener *self;

  g_return_val_if_fail (conninfo != NULL, NULL);
  g_return_val_if_fail (channel != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_DB_LISTENER, NULL);
  self->conninfo = g_strdup (conninfo);
  self->password = g_strdup (password);
  self->channel = g_strdup (channel);
  return self;
}

void
wabiz_db_listener_start (WabizDbListener *self)
{
  g_return_if_fail (WABIZ_IS_DB_LISTENER (self));

  if (self->pg != NULL || self->retry_source != 0)
    return;

  connect_now (self);
}

gboolean
wabiz_db_listener_get_connected (WabizDbListener *self)
{
  g_return_val_if_fail (WABIZ_IS_DB_LISTENER (self), FALSE);

  return self->connected;
}
