/* wabiz-http-server.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The one SoupServer of a WaBiz process (the app or wabizd): the webhook
 * and the REST API attach their handlers to it. It counts the requests
 * in flight so that a shutdown can wait for them.
 *
 * It faces the internet (Meta must reach /webhook), so it holds no more
 * than it must:
 *
 *  - It accepts connections itself and hands each to libsoup
 *    (soup_server_accept_iostream()): libsoup drops its listener for good
 *    the first time accept() fails (out of file descriptors, say), and has
 *    no cap on connections. Here a failed accept() is retried, and past
 *    the cap the next connections wait in the kernel's backlog.
 *  - A request's head must be in within the header timeout of its first
 *    byte, and any read or write that waits longer than the I/O timeout
 *    ends the connection (so does one that never sends anything). When the
 *    server is full, the connection idle the longest without having sent
 *    a byte is let go to make room.
 *  - A connection is kept alive between requests, but not by libsoup:
 *    libsoup 3.2 never closes a kept-alive connection that its client
 *    closed while idle (the descriptor stays in CLOSE_WAIT; and it keeps
 *    none alive without a listener of its own). Once an answer is
 *    written, the connection is taken back and handed to libsoup again
 *    as if just accepted, so that waiting for the next request is
 *    waiting for a first request: a client that hangs up ends it, the
 *    I/O timeout ends it, and when the server is full it is the first
 *    let go. When the server is full or draining, an answer closes its
 *    connection instead. (A request sent before the previous answer was
 *    read, HTTP pipelining, is lost with libsoup's read buffer: its
 *    client sees the connection close without an answer, and sends it
 *    again.)
 *  - A body is counted as it arrives and refused (413) past its route's
 *    limit; a request refused from its head (unknown path, bad
 *    signature header, body declared too large) is answered without
 *    reading its body. Those answers are written here, on the connection
 *    taken back from libsoup, which otherwise reads the whole body first.
 */

#define G_LOG_DOMAIN "wabiz-http-server"

#include "config.h"

#include "wabiz-http-server.h"
#include "wabiz-http-server-private.h"

#include <glib/gi18n.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>

#define LISTEN_BACKLOG 4096
#define DEFAULT_MAX_CONNECTIONS 512
#define DEFAULT_HEADER_TIMEOUT_MS (10 * 1000)
#define DEFAULT_IO_TIMEOUT_S 60
/* a kept-alive connection with no next request for this long is closed */
#define DEFAULT_KEEPALIVE_IDLE_MS (4 * 1000)
/* connections taken from the backlog in one turn of the main loop */
#define ACCEPT_BATCH 64
/* after accept() failed (no file descriptor left, say) */
#define ACCEPT_RETRY_MS 200
/* Out of descriptors at N connections: from then on at most N less this
 * many, for the rest of the process (the database, GLib's own). */
#define FD_RESERVE 16
/* A refused request's connection: the answer, then what the client still
 * sends is read and dropped for a little while, so that closing does not
 * reset the connection before the client has read the answer. */
#define REFUSAL_TIMEOUT_MS 3000
#define REFUSAL_DRAIN_MAX (16 * 1024 * 1024)

#define CONNECTION_KEY "wabiz-http-connection"
#define IN_FLIGHT_KEY "wabiz-in-flight"
#define MAX_BODY_KEY "wabiz-http-max-body"
#define RECEIVED_KEY "wabiz-http-received"
#define GOT_BODY_KEY "wabiz-http-got-body"

struct _WabizHttpServer
{
  GObject       parent_instance;

  SoupServer   *server;          /* (owned) */
  char         *host;
  guint         port;
  guint         n_in_flight;
  gboolean      draining;
  GPtrArray    *drain_tasks;     /* (element-type GTask) (owned) */

  GSocket      *listener;        /* (owned) (nullable) */
  GMainContext *context;         /* (owned) (nullable) where the listener is watched */
  GSource      *accept_source;   /* (owned) (nullable) while accepting */
  GSource      *retry_source;    /* (owned) (nullable) after accept() failed */
  GSource      *rearm_source;    /* (owned) (nullable) once a request is done */
  gboolean      accept_failing;
  GHashTable   *connections;     /* (element-type Connection) (owned) */
  guint         max_connections; /* asked for; the file limit may lower it */
  guint         connection_cap;  /* in force, from start */
  gboolean      within_file_limit;
  guint         header_timeout_ms;
  guint         io_timeout_s;
  guint         keepalive_idle_ms;
};

G_DEFINE_FINAL_TYPE (WabizHttpServer, wabiz_http_server, G_TYPE_OBJECT)

/* One accepted connection, from accept() until libsoup lets go of its
 * stream. Found from a message through the remote address object that
 * libsoup keeps for it. */
typedef struct
{
  WabizHttpServer *self;         /* (unowned) the server clears its connections first */
  GSocket         *socket;       /* (owned) */
  GSocketAddress  *remote;       /* (owned) */
  GSocketAddress  *local;        /* (owned) */
  GIOStream       *stream;       /* (unowned) weak: owned by libsoup, then by a refusal */
  GSource         *first_byte;   /* (owned) (nullable) until the request's first byte */
  GSource         *deadline;     /* (owned) (nullable) for the rest of the head */
  GSource         *idle;         /* (owned) (nullable) kept alive, until the next request's first byte */
  gint64           accepted_at;
  gboolean         head_in;
  gboolean         let_go;
} Connection;

static void arm_accept (WabizHttpServer *self);

/* ------------------------------------------------------------------ */
/* in flight, draining */

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

static void
message_done (WabizHttpServer   *self,
              SoupServerMessage *msg)
{
  if (g_object_get_data (G_OBJECT (msg), IN_FLIGHT_KEY) == NULL)
    return;
  g_object_set_data (G_OBJECT (msg), IN_FLIGHT_KEY, NULL);

  g_return_if_fail (self->n_in_flight > 0);
  self->n_in_flight--;
  finish_drain (self);
}

/* ------------------------------------------------------------------ */
/* connections */

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
connection_free (Connection *conn)
{
  clear_source (&conn->first_byte);
  clear_source (&conn->deadline);
  clear_source (&conn->idle);
  g_object_set_data (G_OBJECT (conn->remote), CONNECTION_KEY, NULL);
  g_clear_object (&conn->remote);
  g_clear_object (&conn->local);
  g_clear_object (&conn->socket);
  g_free (conn);
}

static gboolean
header_deadline_cb (gpointer user_data)
{
  Connection *conn = user_data;

  g_clear_pointer (&conn->deadline, g_source_unref);
  g_debug ("Closing a connection whose request head took more than %u ms", conn->self->header_timeout_ms);
  /* libsoup, reading the head, sees the end and lets the connection go */
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

/* The request's first byte is in (or the I/O timeout passed, and libsoup
 * is closing the connection anyway): the rest of the head has the header
 * timeout. */
static gboolean
first_byte_cb (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  Connection *conn = user_data;

  g_clear_pointer (&conn->first_byte, g_source_unref);
  clear_source (&conn->idle);
  if (!conn->head_in)
    {
      conn->deadline = g_timeout_source_new (conn->self->header_timeout_ms);
      g_source_set_callback (conn->deadline, header_deadline_cb, conn, NULL);
      g_source_attach (conn->deadline, conn->self->context);
    }
  return G_SOURCE_REMOVE;
}

/* Connections whose descriptor is open. One stays in the table after
 * libsoup closed it, while a handler still holds its last message. */
static guint
count_open_exactly (WabizHttpServer *self)
{
  GHashTableIter iter;
  Connection *conn;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &conn, NULL))
    if (!g_socket_is_closed (conn->socket))
      n++;
  return n;
}

/* The same, counted only when the table alone says the server is full. */
static guint
count_open (WabizHttpServer *self)
{
  if (g_hash_table_size (self->connections) < self->connection_cap)
    return g_hash_table_size (self->connections);
  return count_open_exactly (self);
}

/* Lets go of the connection idle the longest without having sent a
 * byte, to make room; FALSE when there is none. */
static gboolean
let_go_of_idle (WabizHttpServer *self)
{
  GHashTableIter iter;
  Connection *conn, *oldest = NULL;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &conn, NULL))
    if (conn->first_byte != NULL && !conn->let_go && !g_socket_is_closed (conn->socket) &&
        (oldest == NULL || conn->accepted_at < oldest->accepted_at))
      oldest = conn;
  if (oldest == NULL)
    return FALSE;

  g_debug ("Full: letting go of a connection that sent nothing in %" G_GINT64_FORMAT " ms",
           (g_get_monotonic_time () - oldest->accepted_at) / 1000);
  oldest->let_go = TRUE;
  g_socket_shutdown (oldest->socket, TRUE, TRUE, NULL);
  return TRUE;
}

static Connection *
connection_for_message (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_data (G_OBJECT (remote), CONNECTION_KEY) : NULL;
}

static void
stream_finalized_cb (gpointer  user_data,
                     GObject  *where_the_object_was)
{
  Connection *conn = user_data;
  WabizHttpServer *self = conn->self;

  g_hash_table_remove (self->connections, conn);

  /* a descriptor is free again: no need to wait for the retry */
  clear_source (&self->retry_source);
  arm_accept (self);
}

/* A kept-alive connection idle too long: closed as one whose head is
 * late, unless the next request has just begun. */
static gboolean
keepalive_idle_cb (gpointer user_data)
{
  Connection *conn = user_data;

  g_clear_pointer (&conn->idle, g_source_unref);
  if (g_socket_condition_check (conn->socket, G_IO_IN) != 0)
    return G_SOURCE_REMOVE;
  g_debug ("Closing a kept-alive connection idle for %u ms", conn->self->keepalive_idle_ms);
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

/* @conn waits for a request (its first, or with @kept_alive the next one
 * on a kept-alive connection, for a while): libsoup reads it as from a
 * connection just accepted. */
static void
hand_to_libsoup (Connection *conn,
                 gboolean    kept_alive)
{
  WabizHttpServer *self = conn->self;

  clear_source (&conn->idle);
  if (kept_alive)
    {
      conn->idle = g_timeout_source_new (self->keepalive_idle_ms);
      g_source_set_callback (conn->idle, keepalive_idle_cb, conn, NULL);
      g_source_attach (conn->idle, self->context);
    }
  conn->head_in = FALSE;
  conn->accepted_at = g_get_monotonic_time ();
  clear_source (&conn->deadline);
  clear_source (&conn->first_byte);
  conn->first_byte = g_socket_create_source (conn->socket, G_IO_IN, NULL);
  g_source_set_callback (conn->first_byte, (GSourceFunc) (void (*) (void)) first_byte_cb, conn, NULL);
  g_source_attach (conn->first_byte, self->context);

  soup_server_accept_iostream (self->server, conn->stream, conn->local, conn->remote, NULL);
}

static void
add_connection (WabizHttpServer *self,
                GSocket         *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GSocketConnection) stream = NULL;
  Connection *conn;

  if (local == NULL || remote == NULL)
    {
      /* gone before we got to it */
      g_socket_close (socket, NULL);
      return;
    }

  /* a read or write that waits longer fails, and the connection ends */
  g_socket_set_timeout (socket, self->io_timeout_s);
  /* answers are small and written whole: never held back for an ACK */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  stream = g_socket_connection_factory_create_connection (socket);

  conn = g_new0 (Connection, 1);
  conn->self = self;
  conn->socket = g_object_ref (socket);
  conn->remote = g_object_ref (remote);
  conn->local = g_object_ref (local);
  conn->stream = G_IO_STREAM (stream);
  g_object_set_data (G_OBJECT (remote), CONNECTION_KEY, conn);
  g_object_weak_ref (G_OBJECT (stream), stream_finalized_cb, conn);
  g_hash_table_add (self->connections, conn);

  hand_to_libsoup (conn, FALSE);
}

/* ------------------------------------------------------------------ */
/* accepting */

/* Out of descriptors: the rest of the process needs some too. Holds
 * fewer connections from now on, and lets idle ones go to get there. */
static void
lower_cap (WabizHttpServer *self)
{
  guint n_open = count_open_exactly (self);
  guint cap = n_open > FD_RESERVE + 8 ? n_open - FD_RESERVE : 8;

  if (cap < self->connection_cap)
    {
      g_warning ("Out of file descriptors at %u connections: holding at most %u from now on "
                 "(raise the open-file limit, LimitNOFILE= for a service, to hold more)",
                 n_open, cap);
      self->connection_cap = cap;
    }
  for (guint i = cap; i < n_open; i++)
    if (!let_go_of_idle (self))
      break;
}

static gboolean
retry_accept_cb (gpointer user_data)
{
  WabizHttpServer *self = user_data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  arm_accept (self);
  return G_SOURCE_REMOVE;
}

static gboolean
rearm_cb (gpointer user_data)
{
  WabizHttpServer *self = user_data;

  g_clear_pointer (&self->rearm_source, g_source_unref);
  arm_accept (self);
  return G_SOURCE_REMOVE;
}

static void
stop_accepting (WabizHttpServer *self)
{
  clear_source (&self->accept_source);
  clear_source (&self->retry_source);
  clear_source (&self->rearm_source);
}

static gboolean
accept_cb (GSocket      *listener,
           GIOCondition  condition,
           gpointer      user_data)
{
  WabizHttpServer *self = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GError) error = NULL;

      /* full with none waiting is no reason to let one go */
      if (i > 0 && g_socket_condition_check (listener, G_IO_IN) == 0)
        return G_SOURCE_CONTINUE;

      if (count_open (self) >= self->connection_cap)
        {
          /* the next ones wait in the backlog until a connection ends */
          g_debug ("%u connections open: accepting more once one ends", self->connection_cap);
          /* letting one go may arm this again */
          g_clear_pointer (&self->accept_source, g_source_unref);
          let_go_of_idle (self);
          return G_SOURCE_REMOVE;
        }

      socket = g_socket_accept (listener, NULL, &error);
      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;

          /* Out of descriptors, or memory: try again shortly, or as soon
           * as a connection ends. Never give the listener up. */
          if (!self->accept_failing)
            g_warning ("Cannot accept a connection (%u open): %s; trying again as connections end",
                       count_open (self), error->message);
          self->accept_failing = TRUE;
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES))
            lower_cap (self);
          else
            let_go_of_idle (self);
          g_clear_pointer (&self->accept_source, g_source_unref);
          self->retry_source = g_timeout_source_new (ACCEPT_RETRY_MS);
          g_source_set_callback (self->retry_source, retry_accept_cb, self, NULL);
          g_source_attach (self->retry_source, self->context);
          return G_SOURCE_REMOVE;
        }

      if (self->accept_failing)
        g_message ("Accepting connections again");
      self->accept_failing = FALSE;
      add_connection (self, socket);
    }

  return G_SOURCE_CONTINUE;
}

static void
arm_accept (WabizHttpServer *self)
{
  /* even when full: with connections waiting, accept_cb() makes room */
  if (self->listener == NULL || self->draining || self->accept_source != NULL ||
      self->retry_source != NULL)
    return;

  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, (GSourceFunc) (void (*) (void)) accept_cb, self, NULL);
  g_source_attach (self->accept_source, self->context);
}

/* Raises this process's soft limit on open files to its hard limit (a
 * systemd service starts at 1024 of 524288); returns the limit. */
static rlim_t
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 1024;
  if (limit.rlim_cur < limit.rlim_max)
    {
      struct rlimit raised = limit;

      /* Linux refuses "unlimited" for open files */
      raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? 1024 * 1024 : limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
        limit = raised;
    }
  return limit.rlim_cur;
}

/* ------------------------------------------------------------------ */
/* refusing a request without reading its body */

typedef struct
{
  GIOStream    *stream;       /* (owned) taken from libsoup */
  GSocket      *socket;       /* (owned) (nullable) */
  GBytes       *answer;       /* (owned) */
  GCancellable *cancellable;  /* (owned) */
  GSource      *timeout;      /* (owned) (nullable) */
  gsize         drained;
  char          buffer[8192];
} Refusal;

static void
refusal_finish (Refusal *refusal)
{
  clear_source (&refusal->timeout);
  g_io_stream_close (refusal->stream, NULL, NULL);
  g_clear_object (&refusal->stream);
  g_clear_object (&refusal->socket);
  g_clear_object (&refusal->cancellable);
  g_clear_pointer (&refusal->answer, g_bytes_unref);
  g_free (refusal);
}

static gboolean
refusal_timeout_cb (gpointer user_data)
{
  Refusal *refusal = user_data;

  g_clear_pointer (&refusal->timeout, g_source_unref);
  g_cancellable_cancel (refusal->cancellable);
  return G_SOURCE_REMOVE;
}

static void refusal_drain (Refusal *refusal);

static void
refusal_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Refusal *refusal = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  if (n <= 0 || refusal->drained + n > REFUSAL_DRAIN_MAX)
    {
      refusal_finish (refusal);
      return;
    }
  refusal->drained += n;
  refusal_drain (refusal);
}

static void
refusal_drain (Refusal *refusal)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (refusal->stream), refusal->buffer,
                             sizeof refusal->buffer, G_PRIORITY_DEFAULT, refusal->cancellable,
                             refusal_read_cb, refusal);
}

static void
refusal_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *refusal = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    {
      refusal_finish (refusal);
      return;
    }
  /* the answer is complete: say so, then drop what still comes */
  if (refusal->socket != NULL)
    g_socket_shutdown (refusal->socket, FALSE, TRUE, NULL);
  refusal_drain (refusal);
}

/* The answer set on @msg, as bytes to write ourselves. */
static GBytes *
format_answer (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  guint status = soup_server_message_get_status (msg);
  const char *reason = soup_server_message_get_reason_phrase (msg);
  GString *text = g_string_new (NULL);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  g_string_append_printf (text, "HTTP/1.%c %u %s\r\n",
                          soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0 ? '0' : '1',
                          status, reason != NULL ? reason : soup_status_get_phrase (status));
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strcasecmp (name, "Content-Length") == 0 ||
          g_ascii_strcasecmp (name, "Transfer-Encoding") == 0 ||
          g_ascii_strcasecmp (name, "Connection") == 0)
        continue;
      g_string_append_printf (text, "%s: %s\r\n", name, value);
    }
  g_string_append_printf (text, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                          g_bytes_get_size (body));
  if (soup_server_message_get_method (msg) != SOUP_METHOD_HEAD)
    g_string_append_len (text, g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  return g_string_free_to_bytes (text);
}

/* Answers @msg (its status and body are set) and closes its connection,
 * without reading what is left of its body. */
static void
refuse (WabizHttpServer   *self,
        SoupServerMessage *msg)
{
  g_autoptr(SoupServerMessage) keep = g_object_ref (msg);
  Connection *conn = connection_for_message (msg);
  Refusal *refusal;
  GIOStream *stream;

  refusal = g_new0 (Refusal, 1);
  refusal->answer = format_answer (msg);
  refusal->socket = conn != NULL ? g_object_ref (conn->socket) : NULL;
  refusal->cancellable = g_cancellable_new ();

  g_debug ("Refused %s %s with %u without reading its body", soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), soup_server_message_get_status (msg));

  stream = soup_server_message_steal_connection (msg);
  /* libsoup says nothing more about a message whose connection it gave up */
  message_done (self, msg);
  if (stream == NULL)
    {
      g_clear_object (&refusal->socket);
      g_clear_object (&refusal->cancellable);
      g_bytes_unref (refusal->answer);
      g_free (refusal);
      return;
    }

  refusal->stream = stream;
  refusal->timeout = g_timeout_source_new (REFUSAL_TIMEOUT_MS);
  g_source_set_callback (refusal->timeout, refusal_timeout_cb, refusal, NULL);
  g_source_attach (refusal->timeout, self->context);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   g_bytes_get_data (refusal->answer, NULL),
                                   g_bytes_get_size (refusal->answer), G_PRIORITY_DEFAULT,
                                   refusal->cancellable, refusal_written_cb, refusal);
}

static gsize
message_max_body (SoupServerMessage *msg)
{
  gsize max_body = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), MAX_BODY_KEY));

  return max_body > 0 ? max_body : WABIZ_HTTP_DEFAULT_MAX_BODY;
}

static void
reply_too_large (SoupServerMessage *msg)
{
  g_autofree char *text = g_strdup_printf (_("The body is larger than %zu bytes; send less"),
                                           (size_t) message_max_body (msg));

  wabiz_http_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "body_too_large", text);
}

/* ------------------------------------------------------------------ */
/* each request */

/* Counted as it arrives, before anything keeps it (connected before the
 * routes' own handlers). */
static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              WabizHttpServer   *self)
{
  gsize received = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), RECEIVED_KEY));

  received += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), RECEIVED_KEY, GSIZE_TO_POINTER (received));
  if (received <= message_max_body (msg))
    return;

  g_signal_stop_emission_by_name (msg, "got-chunk");
  reply_too_large (msg);
  refuse (self, msg);
}

/* After libsoup's own handler, which runs the early handlers. A request
 * counts as in flight once its head is in. */
static void
got_headers_cb (SoupServerMessage *msg,
                WabizHttpServer   *self)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Connection *conn = connection_for_message (msg);

  if (conn != NULL)
    {
      conn->head_in = TRUE;
      clear_source (&conn->first_byte);
      clear_source (&conn->deadline);
      clear_source (&conn->idle);
    }

  /* kept alive unless the server needs the room or is going away (see
   * the top of this file) */
  if (conn == NULL || self->draining || g_hash_table_size (self->connections) >= self->connection_cap)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  g_object_set_data (G_OBJECT (msg), IN_FLIGHT_KEY, GINT_TO_POINTER (TRUE));
  self->n_in_flight++;

  if (soup_server_message_get_status (msg) == 0 &&
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) soup_message_headers_get_content_length (headers) > message_max_body (msg))
    reply_too_large (msg);

  /* refused from its head: answered now, the body left unread */
  if (soup_server_message_get_status (msg) != 0)
    refuse (self, msg);
}

static void
got_body_cb (SoupServerMessage *msg,
             WabizHttpServer   *self)
{
  g_object_set_data (G_OBJECT (msg), GOT_BODY_KEY, GINT_TO_POINTER (TRUE));
}

/* HTTP/1.1, and neither side said close */
static gboolean
is_keepalive (SoupServerMessage *msg)
{
  return soup_server_message_get_http_version (msg) == SOUP_HTTP_1_1 &&
         !soup_message_headers_header_contains (soup_server_message_get_request_headers (msg),
                                                "Connection", "close") &&
         !soup_message_headers_header_contains (soup_server_message_get_response_headers (msg),
                                                "Connection", "close");
}

/* The answer is written, whole (libsoup writes a Content-Length body
 * before this; the webhook's and the API's answers have no other
 * encoding): a connection to keep is taken back from libsoup and handed
 * to it again, to wait for its next request as a new one. */
static void
wrote_body_cb (SoupServerMessage *msg,
               WabizHttpServer   *self)
{
  Connection *conn = connection_for_message (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GIOStream) stolen = NULL;
  g_autoptr(GIOStream) stream = NULL;

  if (conn == NULL || self->draining || g_socket_is_closed (conn->socket) || conn->let_go ||
      g_object_get_data (G_OBJECT (msg), GOT_BODY_KEY) == NULL ||
      soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH ||
      !is_keepalive (msg))
    return;

  /* libsoup lets go of the connection (its own wrapper of our stream),
   * and says nothing more about this message */
  stream = g_object_ref (conn->stream);
  stolen = soup_server_message_steal_connection (msg);
  message_done (self, msg);
  if (stolen == NULL || g_socket_is_closed (conn->socket))
    return;

  hand_to_libsoup (conn, TRUE);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    WabizHttpServer   *self)
{
  /* the server (and so its messages) goes before self does */
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), self);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self);
  g_signal_connect (msg, "got-body", G_CALLBACK (got_body_cb), self);
  g_signal_connect (msg, "wrote-body", G_CALLBACK (wrote_body_cb), self);
}

static void
request_done_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 WabizHttpServer   *self)
{
  message_done (self, msg);

  /* libsoup closes the connection next: if the server is full, look
   * again once it has */
  if (self->accept_source == NULL && self->retry_source == NULL && self->rearm_source == NULL &&
      self->listener != NULL && !self->draining)
    {
      self->rearm_source = g_idle_source_new ();
      g_source_set_callback (self->rearm_source, rearm_cb, self, NULL);
      g_source_attach (self->rearm_source, self->context);
    }
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
      return;
    }

  /* no handler claims this path: nothing of the body is read */
  wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", _("No such endpoint"));
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

/* ------------------------------------------------------------------ */

static void
forget_connections (WabizHttpServer *self)
{
  GHashTableIter iter;
  Connection *conn;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &conn, NULL))
    {
      g_object_weak_unref (G_OBJECT (conn->stream), stream_finalized_cb, conn);
      g_hash_table_iter_remove (&iter);
    }
}

static void
wabiz_http_server_dispose (GObject *object)
{
  WabizHttpServer *self = (WabizHttpServer *) object;

  stop_accepting (self);
  forget_connections (self);
  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);

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
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

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
  self->connections = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) connection_free, NULL);
  self->max_connections = DEFAULT_MAX_CONNECTIONS;
  self->connection_cap = DEFAULT_MAX_CONNECTIONS;
  self->within_file_limit = TRUE;
  self->header_timeout_ms = DEFAULT_HEADER_TIMEOUT_MS;
  self->io_timeout_s = DEFAULT_IO_TIMEOUT_S;
  self->keepalive_idle_ms = DEFAULT_KEEPALIVE_IDLE_MS;
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
  rlim_t file_limit;

  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), FALSE);
  g_return_val_if_fail (self->listener == NULL, FALSE);

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
      g_socket_set_blocking (socket, FALSE);
      if (!g_socket_bind (socket, socket_address, TRUE, &local_error) ||
          !g_socket_listen (socket, &local_error))
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

  /* Each connection takes a descriptor: keep half of them for the rest
   * (the database, files, the main loop's own). */
  file_limit = raise_file_limit ();
  self->connection_cap = self->max_connections;
  if (self->within_file_limit)
    self->connection_cap = MIN (self->connection_cap, MAX (8, file_limit / 2));

  self->listener = g_steal_pointer (&socket);
  self->context = g_main_context_ref_thread_default ();
  arm_accept (self);

  g_debug ("Listening on %s port %u (up to %u connections)", self->host, self->port,
           self->connection_cap);
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
      /* Closing the listening socket refuses new connections at once; the
       * ones already accepted keep going until their requests are
       * answered. */
      stop_accepting (self);
      if (self->listener != NULL)
        g_socket_close (self->listener, NULL);
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
_wabiz_http_server_set_limits (WabizHttpServer *self,
                               guint            max_connections,
                               gboolean         within_file_limit,
                               guint            header_timeout_ms,
                               guint            io_timeout_s)
{
  g_return_if_fail (WABIZ_IS_HTTP_SERVER (self));
  g_return_if_fail (self->listener == NULL);
  g_return_if_fail (max_connections > 0 && header_timeout_ms > 0 && io_timeout_s > 0);

  self->max_connections = max_connections;
  self->within_file_limit = within_file_limit;
  self->header_timeout_ms = header_timeout_ms;
  self->io_timeout_s = io_timeout_s;
}

void
_wabiz_http_server_set_keepalive_idle (WabizHttpServer *self,
                                       guint            idle_ms)
{
  g_return_if_fail (WABIZ_IS_HTTP_SERVER (self));
  g_return_if_fail (idle_ms > 0);

  self->keepalive_idle_ms = idle_ms;
}

guint
_wabiz_http_server_get_n_connections (WabizHttpServer *self)
{
  g_return_val_if_fail (WABIZ_IS_HTTP_SERVER (self), 0);

  return g_hash_table_size (self->connections);
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

void
wabiz_http_message_set_max_body (SoupServerMessage *msg,
                                 gsize              max_body)
{
  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (max_body > 0);

  g_object_set_data (G_OBJECT (msg), MAX_BODY_KEY, GSIZE_TO_POINTER (max_body));
}

void
wabiz_http_message_refuse (SoupServerMessage *msg)
{
  Connection *conn;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (soup_server_message_get_status (msg) != 0);

  conn = connection_for_message (msg);
  /* not one of ours: libsoup answers once it has read the body */
  if (conn == NULL)
    return;
  g_signal_stop_emission_by_name (msg, "got-chunk");
  refuse (conn->self, msg);
}

/* A key of this process's own, so that the digests compared below say
 * nothing to anyone about the secret, its length included. */
static const guint8 *
comparison_key (void)
{
  static guint8 key[32];
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      for (guint i = 0; i < G_N_ELEMENTS (key); i += 4)
        {
          guint32 r = g_random_int ();

          memcpy (key + i, &r, 4);
        }
      g_once_init_leave (&initialized, 1);
    }
  return key;
}

static void
digest (const char *text,
        guint8      out[32])
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, comparison_key (), 32);
  gsize length = 32;

  g_hmac_update (hmac, (const guchar *) text, strlen (text));
  g_hmac_get_digest (hmac, out, &length);
}

gboolean
wabiz_http_secret_equal (const char *given,
                         const char *secret)
{
  guint8 a[32], b[32];
  guint8 diff = 0;

  if (given == NULL || secret == NULL || *secret == '\0')
    return FALSE;

  /* equal-length digests, compared in full whatever they hold */
  digest (given, a);
  digest (secret, b);
  for (guint i = 0; i < sizeof a; i++)
    diff |= a[i] ^ b[i];

  return diff == 0;
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
