/* wabiz-http-server.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The one SoupServer of a WaBiz process (the app or wabizd): the webhook
 * and the REST API attach their handlers to it. It counts the requests
 * in flight so that a shutdown can wait for them.
 */

#define G_LOG_DOMAIN "wabiz-http-server"

#include "config.h"

#include "wabiz-http-server.h"

#include <glib/gi18n.h>

#define LISTEN_BACKLOG 4096

struct _WabizHttpServer
{
  GObject     parent_instance;

  SoupServer *server;          /* (owned) */
  char       *host;
  guint       port;
  guint       n_in_flight;
  gboolean    draining;
  GPtrArray  *drain_tasks;     /* (element-type GTask) (owned) */
};

G_DEFINE_FINAL_TYPE (WabizHttpServer, wabiz_http_server, G_TYPE_OBJECT)

static void
finish_drain (WabizHttpServer *self)
{
  g_autoptr(GPtrArray) tasks = NULL;

  if (!self->draining || self->n_in_flight > 0 || self->drain_tasks->len == 0)
    return;

  soup_server_disconnect (self->server);
  tasks = g_steal_pointer (&self->drain_tasks);
  self->drain_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

/* A request counts as in flight once its headers are in: a kept-alive
 * connection waiting for its next request is not. */
static void
got_headers_cb (SoupServerMessage *msg,
                WabizHttpServer   *self)
{
  if (self->draining)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Connection", "close");
  g_object_set_data (G_OBJECT (msg), "wabiz-in-flight", GINT_TO_POINTER (TRUE));
  self->n_in_flight++;
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    WabizHttpServer   *self)
{
  /* the server (and so its messages) goes before self does */
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), self);
}

static void
request_done_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 WabizHttpServer   *self)
{
  if (g_object_get_data (G_OBJECT (msg), "wabiz-in-flight") == NULL)
    return;
  g_object_set_data (G_OBJECT (msg), "wabiz-in-flight", NULL);

  g_return_if_fail (self->n_in_flight > 0);
  self->n_in_flight--;
  finish_drain (self);
}

static void
early_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  WabizHttpServer *self = user_data;

  if (self->draining)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "5");
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting_down",
                              _("The server is shutting down; try again shortly"));
    }
}

static void
not_found_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", _("No such endpoint"));
}

static void
wabiz_http_server_dispose (GObject *object)
{
  WabizHttpServer *self = (WabizHttpServer *) object;

  if (self->server != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->server, self);
      soup_server_disconnect (self->server);
    }
  g_clear_object (&self->server);

  G_OBJECT_CLASS (wabiz_http_server_parent_class)->dispose (object);
}

static void
wabiz_http_server_finalize (GObject *object)
{
  WabizHttpServer *self = (WabizHttpServer *) object;

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->drain_tasks, g_ptr_array_unref);

  G_OBJECT_CLASS (wabiz_http_server_parent_class)->finalize (object);
}

static void
wabiz_http_server_class_init (WabizHttpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_http_server_dispose;
  object_class->finalize = wabiz_http_server_finalize;
}

static void
wabiz_http_server_init (WabizHttpServer *self)
{
  self->drain_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

WabizHttpServer *
wabiz_http_server_new (const char *host,
                       guint       port)
{
  WabizHttpServer *self;

  g_return_val_if_fail (port <= G_MAXUINT16, NULL);

  self = g_object_new (WABIZ_TYPE_HTTP_SERVER, NULL);
  self->host = g_strdup (host != NULL ? host : WABIZ_HTTP_DEFAULT_HOST);
  self->port = port;
  self->server = soup_server_new ("server-header", "wabiz/" PACKAGE_VERSION " ", NULL);

  g_signal_connect (self->server, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (self->server, "request-finished", G_CALLBACK (request_done_cb), self);
  g_signal_connect (self->server, "request-aborted", G_CALLBACK (request_done_cb), self);
  /* "/" matches every path without an early handler of its own */
  soup_server_add_early_handler (self->server, NULL, early_cb, self, NULL);
  soup_server_add_handler (self->server, NULL, not_found_cb, NULL, NULL);

  return self;
}

SoupServer *
wabiz_http_server_get_soup_server (WabizHttpServer *self)
{
  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), NULL);

  return self->server;
}

gboolean
wabiz_http_server_start (WabizHttpServer  *self,
                         GError          **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), FALSE);

  address = g_inet_address_new_from_string (self->host);
  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address to listen on"), self->host);
      return FALSE;
    }
  socket_address = g_inet_socket_address_new (address, self->port);

  /* our own socket: GSocket's default backlog of 10 resets connections
   * when many deliveries arrive at once */
  socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &local_error);
  if (socket != NULL)
    {
      g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
      if (!g_socket_bind (socket, socket_address, TRUE, &local_error) ||
          !g_socket_listen (socket, &local_error) ||
          !soup_server_listen_socket (self->server, socket, 0, &local_error))
        g_clear_object (&socket);
    }
  if (socket == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot listen on %s port %u: %s"), self->host, self->port,
                   local_error->message);
      return FALSE;
    }

  local = g_socket_get_local_address (socket, NULL);
  if (local != NULL)
    self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  g_debug ("Listening on %s port %u", self->host, self->port);
  return TRUE;
}

const char *
wabiz_http_server_get_host (WabizHttpServer *self)
{
  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), NULL);

  return self->host;
}

guint
wabiz_http_server_get_port (WabizHttpServer *self)
{
  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), 0);

  return self->port;
}

char *
wabiz_http_server_dup_url (WabizHttpServer *self)
{
  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), NULL);

  if (strchr (self->host, ':') != NULL)
    return g_strdup_printf ("http://[%s]:%u", self->host, self->port);
  return g_strdup_printf ("http://%s:%u", self->host, self->port);
}

guint
wabiz_http_server_get_n_in_flight (WabizHttpServer *self)
{
  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), 0);

  return self->n_in_flight;
}

gboolean
wabiz_http_server_get_draining (WabizHttpServer *self)
{
  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), FALSE);

  return self->draining;
}

static void
close_listeners (WabizHttpServer *self)
{
  GSList *listeners = soup_server_get_listeners (self->server);

  /* Closing the sockets refuses new connections at once; the ones
   * already accepted keep going until their requests are answered. */
  for (GSList *l = listeners; l != NULL; l = l->next)
    g_socket_shutdown (l->data, TRUE, FALSE, NULL);
  g_slist_free (listeners);
}

void
wabiz_http_server_drain_async (WabizHttpServer     *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_HTTP_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_http_server_drain_async);

  if (!self->draining)
    {
      self->draining = TRUE;
      close_listeners (self);
      g_debug ("Draining %u requests in flight", self->n_in_flight);
    }

  g_ptr_array_add (self->drain_tasks, g_steal_pointer (&task));
  finish_drain (self);
}

gboolean
wabiz_http_server_drain_finish (WabizHttpServer  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_http_server_drain_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wabiz_http_reply_json (SoupServerMessage *msg,
                       guint              status,
                       JsonNode          *node)
{
  gsize length = 0;
  char *text;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (node != NULL);

  text = json_to_string (node, FALSE);
  length = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
}

void
wabiz_http_reply_error (SoupServerMessage *msg,
                        guint              status,
                        const char        *code,
                        const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  wabiz_http_reply_json (msg, status, root);
}

#define HELD_FINISHED_KEY "wabiz-http-held-finished"

static void
held_message_finished_cb (SoupServerMessage *msg,
                          gpointer           user_data)
{
  g_object_set_data (G_OBJECT (msg), HELD_FINISHED_KEY, GINT_TO_POINTER (TRUE));
}

void
wabiz_http_message_hold (SoupServerMessage *msg)
{
  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  g_signal_connect (msg, "finished", G_CALLBACK (held_message_finished_cb), NULL);
  g_signal_connect (msg, "disconnected", G_CALLBACK (held_message_finished_cb), NULL);
  soup_server_message_pause (msg);
}

void
wabiz_http_message_release (SoupServerMessage *msg)
{
  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  g_signal_handlers_disconnect_by_func (msg, held_message_finished_cb, NULL);

  /* libsoup 3.2 asserts when the connection is already gone (the client
   * disconnected, or the server was shut down, while we waited). */
  if (g_object_get_data (G_OBJECT (msg), HELD_FINISHED_KEY) == NULL)
    soup_server_message_unpause (msg);
}
