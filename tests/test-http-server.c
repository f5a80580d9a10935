/* test-http-server.c: the HTTP server under abuse — bodies past their
 * route's limit, slow and idle connections, running out of file
 * descriptors, a flood of wrong API keys
 *
 * SPDX-License-Identifier: MIT
 *
 * The tests that watch the server's memory or its file descriptors run it
 * in a child process: this program started again with --serve, which
 * attaches the webhook and the REST API to a WabizHttpServer as wabizd
 * does and prints its port. The others run the server in the test's own
 * main loop. Clients are raw sockets, so that a test can send half a
 * header or a body without end; they wait on socket events (an answer, a
 * close) with a deadline, never on a sleep.
 */

#include "config.h"

#include <glib-unix.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wabiz-db.h"
#include "wabiz-http-server-private.h"
#include "wabiz-rest-api-private.h"
#include "wabiz-test-pg.h"
#include "wabiz-webhook-parser.h"
#include "wabiz-webhook-private.h"

#define APP_SECRET "wabiz-test-app-secret-http"
#define VERIFY_TOKEN "wabiz-test-verify-token-http"
#define API_KEY "http-test-key-0123456789abcdef0123456789abcdef"

/* ------------------------------------------------------------------ */
/* the server child: test-http-server --serve CONNINFO [options] */

typedef struct
{
  GMainLoop *loop;
} Serve;

static gboolean
serve_stdin_cb (int          fd,
                GIOCondition condition,
                gpointer     user_data)
{
  Serve *serve = user_data;
  char buf[64];

  /* the parent closes our stdin when it is done with us */
  if (read (fd, buf, sizeof buf) <= 0)
    {
      g_main_loop_quit (serve->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* Options after CONNINFO: --beyond-file-limit (a cap of 1000
 * connections, whatever the open-file limit: accept() then runs out of
 * descriptors). */
static int
serve_main (int   argc,
            char *argv[])
{
  g_autoptr(WabizDb) db = NULL;
  g_autoptr(WabizHttpServer) http = NULL;
  g_autoptr(WabizWebhook) webhook = NULL;
  g_autoptr(WabizRestApi) rest = NULL;
  g_autoptr(GError) error = NULL;
  Serve serve = { 0 };

  g_assert (argc >= 3);
  /* stdout carries the port */
  g_log_writer_default_set_use_stderr (TRUE);
  db = wabiz_db_new (argv[2], NULL, 2);
  http = wabiz_http_server_new ("127.0.0.1", 0);
  for (int i = 3; i < argc; i++)
    if (g_str_equal (argv[i], "--beyond-file-limit"))
      _wabiz_http_server_set_limits (http, 1000, FALSE, 10 * 1000, 60);
  webhook = wabiz_webhook_new (db, APP_SECRET, VERIFY_TOKEN);
  rest = wabiz_rest_api_new (db, NULL, NULL, API_KEY);
  wabiz_webhook_attach (webhook, wabiz_http_server_get_soup_server (http));
  wabiz_rest_api_attach (rest, wabiz_http_server_get_soup_server (http));
  if (!wabiz_http_server_start (http, &error))
    {
      g_printerr ("serve: %s\n", error->message);
      return 1;
    }

  serve.loop = g_main_loop_new (NULL, FALSE);
  g_unix_fd_add (0, G_IO_IN | G_IO_HUP, serve_stdin_cb, &serve);
  g_print ("port %u\n", wabiz_http_server_get_port (http));
  fflush (stdout);
  g_main_loop_run (serve.loop);
  g_main_loop_unref (serve.loop);

  g_clear_object (&http);
  g_clear_object (&rest);
  g_clear_object (&webhook);
  wabiz_db_close (db);
  return 0;
}

/* ------------------------------------------------------------------ */
/* the parent's side of a child server */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  guint             port;
  int               nofile;     /* 0: the limit is not lowered */
  int               nofile_max; /* 0: as nofile */
  char             *log_dir;
  char             *log_path;   /* the child's stderr */
} Child;

static void
child_setup_cb (gpointer user_data)
{
  Child *child = user_data;

  /* soft and (unless told otherwise) hard: the server cannot raise it */
  if (child->nofile > 0)
    {
      struct rlimit limit = { child->nofile, child->nofile_max > 0 ? child->nofile_max : child->nofile };

      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static void
child_start (Child              *child,
             const char         *conninfo,
             const char * const *extra_args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *asan = g_getenv ("ASAN_OPTIONS");
  g_autofree char *asan_options = NULL;

  /* freed blocks held back by ASan's quarantine would count as the
   * server's memory; keep it small next to the bodies sent */
  asan_options = g_strdup_printf ("%s%squarantine_size_mb=4", asan != NULL ? asan : "",
                                  asan != NULL && *asan != '\0' ? ":" : "");
  g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", asan_options, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup_cb, child, NULL);
  child->log_dir = wabiz_test_make_tmpdir ("http-server");
  child->log_path = g_build_filename (child->log_dir, "stderr", NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, child->log_path);

  g_ptr_array_add (argv, (char *) "/proc/self/exe");
  g_ptr_array_add (argv, (char *) "--serve");
  g_ptr_array_add (argv, (char *) conninfo);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  child->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));

  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, NULL, wabiz_test_store_result_cb,
                                       &result);
  wabiz_test_wait_result (&result, 60);
  line = g_data_input_stream_read_line_finish_utf8 (child->out, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "port "));
  child->port = (guint) g_ascii_strtoull (line + 5, NULL, 10);
  g_assert_cmpuint (child->port, >, 0);
}

static char *
child_log (Child *child)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (child->log_path, &text, NULL, NULL));
  return text;
}

/* Closes the child's stdin and waits for it to exit; it must exit 0 (and
 * so, under the sanitizers, without a leak). */
static void
child_stop (Child *child)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (child->process), NULL, NULL);
  g_subprocess_wait_async (child->process, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 120);
  g_subprocess_wait_finish (child->process, result, &error);
  g_assert_no_error (error);
  log = child_log (child);
  if (*log != '\0')
    g_test_message ("server: %s", log);
  g_assert_true (g_subprocess_get_if_exited (child->process));
  g_assert_cmpint (g_subprocess_get_exit_status (child->process), ==, 0);
  g_clear_object (&child->out);
  g_clear_object (&child->process);
  wabiz_test_rm_rf (child->log_dir);
  g_clear_pointer (&child->log_dir, g_free);
  g_clear_pointer (&child->log_path, g_free);
}

/* The child's peak resident memory, in bytes (VmHWM). */
static guint64
child_peak_memory (Child *child)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (child->process));
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10) * 1024;
}

static guint
child_count_fds (Child *child)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (child->process));
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* ------------------------------------------------------------------ */
/* raw clients */

static GSocket *
client_connect (guint port)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_connect (socket, address, NULL, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  return socket;
}

static void
client_send_all (GSocket    *socket,
                 const char *data,
                 gsize       length)
{
  while (length > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      g_assert_true (g_socket_condition_timed_wait (socket, G_IO_OUT, 30 * G_USEC_PER_SEC, NULL, NULL));
      n = g_socket_send (socket, data, length, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        continue;
      g_assert_no_error (error);
      data += n;
      length -= n;
    }
}

typedef struct
{
  GSocket    *socket;
  const char *data;
  gsize       left;
} Sending;

static gboolean
sending_progress (gpointer user_data)
{
  Sending *sending = user_data;

  while (sending->left > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (sending->socket, sending->data, sending->left, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;
      g_assert_no_error (error);
      sending->data += n;
      sending->left -= n;
    }
  return TRUE;
}

/* For a server in this process: sends all of @data, running the main loop
 * while the socket is full. */
static void
client_send_all_in_loop (GSocket    *socket,
                         const char *data,
                         gsize       length)
{
  Sending sending = { socket, data, length };

  wabiz_test_wait_until (sending_progress, &sending, 60);
}

typedef struct
{
  GSocket *socket;
  GString *received;
  gboolean closed;       /* the server closed: a read returned 0 (or was reset) */
} Reader;

/* Reads what is there without blocking; TRUE once the server closed. */
static gboolean
reader_poll (gpointer user_data)
{
  Reader *reader = user_data;

  while (!reader->closed)
    {
      g_autoptr(GError) error = NULL;
      char buf[4096];
      gssize n = g_socket_receive (reader->socket, buf, sizeof buf, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (n <= 0)
        reader->closed = TRUE;
      else
        g_string_append_len (reader->received, buf, n);
    }
  return reader->closed;
}

/* For a server in a child process: blocks on the socket until the server
 * closes the connection (or @timeout_s passes, which fails). Returns what
 * it sent. */
static char *
client_read_until_closed (GSocket *socket,
                          guint    timeout_s)
{
  Reader reader = { socket, g_string_new (NULL), FALSE };
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (!reader_poll (&reader))
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (left <= 0)
        g_error ("the server did not close the connection within %u s (got %zu bytes: %.200s)", timeout_s,
                 reader.received->len, reader.received->str);
      g_socket_condition_timed_wait (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, left, NULL, NULL);
    }
  return g_string_free (reader.received, FALSE);
}

static guint
status_of (const char *response)
{
  g_assert_true (g_str_has_prefix (response, "HTTP/1."));
  return (guint) g_ascii_strtoull (response + strlen ("HTTP/1.x "), NULL, 10);
}

/* For a server in a child process: the status of the answer on @socket,
 * once its status line is in (the rest stays unread). */
static guint
client_read_status (GSocket *socket,
                    guint    timeout_s)
{
  g_autoptr(GString) line = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (strstr (line->str, "\r\n") == NULL)
    {
      g_autoptr(GError) error = NULL;
      gint64 left = deadline - g_get_monotonic_time ();
      char c;
      gssize n;

      if (left <= 0)
        g_error ("no answer within %u s (got: %s)", timeout_s, line->str);
      g_socket_condition_timed_wait (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, left, NULL, NULL);
      n = g_socket_receive (socket, &c, 1, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        continue;
      g_assert_no_error (error);
      g_assert_cmpint (n, ==, 1);
      g_string_append_c (line, c);
    }
  return status_of (line->str);
}

/* Sends @head, then a chunked body of up to @total bytes made on the fly,
 * stopping as soon as the server answers or hangs up. Returns the answer
 * (read until the server closes) and how much of the body went out. */
static char *
send_endless_chunked (guint       port,
                      const char *head,
                      gsize       total,
                      gsize      *sent)
{
  g_autoptr(GSocket) socket = client_connect (port);
  g_autofree char *chunk = g_malloc (8192 + 16);
  gsize chunk_len;
  gsize offset = 0;

  /* a JSON string that never ends */
  chunk_len = g_snprintf (chunk, 16, "%x\r\n", 8192);
  memset (chunk + chunk_len, 'a', 8192);
  chunk_len += 8192;
  memcpy (chunk + chunk_len, "\r\n", 2);
  chunk_len += 2;

  client_send_all (socket, head, strlen (head));
  client_send_all (socket, "2\r\n[\"\r\n", 7);
  *sent = 2;

  while (*sent < total)
    {
      g_autoptr(GError) error = NULL;
      GIOCondition ready;
      gssize n;

      g_assert_true (g_socket_condition_timed_wait (socket, G_IO_OUT | G_IO_IN, 60 * G_USEC_PER_SEC, NULL, NULL));
      ready = g_socket_condition_check (socket, G_IO_OUT | G_IO_IN | G_IO_HUP | G_IO_ERR);
      /* the server answered early, or hung up: stop sending */
      if (ready & (G_IO_IN | G_IO_HUP | G_IO_ERR))
        break;
      n = g_socket_send (socket, chunk + offset, chunk_len - offset, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        continue;
      if (n < 0)
        break;
      offset += n;
      if (offset == chunk_len)
        {
          offset = 0;
          *sent += 8192;
        }
    }
  if (*sent >= total)
    client_send_all (socket, "\r\n0\r\n\r\n", 7);

  return client_read_until_closed (socket, 120);
}

/* ------------------------------------------------------------------ */
/* memory: a body past the route's limit is refused while it arrives */

static void
test_body_memory (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (NULL);
  const gsize total = 64 * 1024 * 1024;
  const struct
  {
    const char *what;
    const char *head;
    guint       status;
  } cases[] = {
    { "signed-looking webhook",
      "POST /webhook HTTP/1.1\r\nHost: wabiz\r\nContent-Type: application/json\r\n"
      "X-Hub-Signature-256: sha256=0000000000000000000000000000000000000000000000000000000000000000\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      413 },
    { "unknown path",
      "POST /nope HTTP/1.1\r\nHost: wabiz\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
      404 },
    { "REST call without a key",
      "POST /send-message HTTP/1.1\r\nHost: wabiz\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      413 },
  };
  Child child = { 0 };

  child_start (&child, conninfo, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint64 before = child_peak_memory (&child);
      g_autofree char *response = NULL;
      guint64 after;
      gsize sent = 0;

      response = send_endless_chunked (child.port, cases[i].head, total, &sent);
      after = child_peak_memory (&child);
      g_test_message ("%s: %u after %" G_GSIZE_FORMAT " bytes sent; peak memory %" G_GUINT64_FORMAT
                      " → %" G_GUINT64_FORMAT " bytes", cases[i].what, status_of (response), sent, before, after);
      g_assert_cmpuint (status_of (response), ==, cases[i].status);
      /* refused while it arrived: the server held a few MiB at most */
      g_assert_cmpuint (after - before, <, total / 4);
    }

  child_stop (&child);
}

/* ------------------------------------------------------------------ */
/* connections */

typedef struct
{
  WabizHttpServer *http;
  guint            port;
} InProcess;

/* header timeout 1 s, I/O timeout 1 s */
static void
in_process_start (InProcess *server)
{
  g_autoptr(GError) error = NULL;

  if (server->http == NULL)
    server->http = wabiz_http_server_new ("127.0.0.1", 0);
  _wabiz_http_server_set_limits (server->http, 256, TRUE, 1000, 1);
  g_assert_true (wabiz_http_server_start (server->http, &error));
  g_assert_no_error (error);
  server->port = wabiz_http_server_get_port (server->http);
}

static gboolean
all_closed (gpointer user_data)
{
  GPtrArray *readers = user_data;

  for (guint i = 0; i < readers->len; i++)
    if (!reader_poll (g_ptr_array_index (readers, i)))
      return FALSE;
  return TRUE;
}

static void
reader_free (Reader *reader)
{
  g_clear_object (&reader->socket);
  g_string_free (reader->received, TRUE);
  g_free (reader);
}

static Reader *
reader_new (guint port)
{
  Reader *reader = g_new0 (Reader, 1);

  reader->socket = client_connect (port);
  reader->received = g_string_new (NULL);
  return reader;
}

/* Connections that send half a request's head are cut once the header
 * timeout passes, and those that send nothing once the I/O timeout
 * does. */
static void
test_header_timeout (void)
{
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  InProcess server = { 0 };

  in_process_start (&server);

  for (guint i = 0; i < 20; i++)
    {
      Reader *reader = reader_new (server.port);

      if (i % 4 != 0)
        client_send_all (reader->socket, "POST /webhook HTTP/1.1\r\nHost: wa", 33);
      g_ptr_array_add (readers, reader);
    }

  wabiz_test_wait_until (all_closed, readers, 30);
  /* no answer: they never asked anything */
  for (guint i = 0; i < readers->len; i++)
    g_assert_cmpuint (((Reader *) g_ptr_array_index (readers, i))->received->len, ==, 0);
  WABIZ_TEST_WAIT (_wabiz_http_server_get_n_connections (server.http) == 0, 30);
  g_clear_object (&server.http);
}

/* A connection that stops sending in the middle of its body is cut once
 * the I/O timeout passes. */
static void
test_stalled_body (void)
{
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  const char *head = "POST /nope HTTP/1.1\r\nHost: wabiz\r\nContent-Length: 1000\r\n\r\n{\"a\": ";
  InProcess server = { 0 };
  g_autoptr(WabizDb) db = NULL;
  g_autoptr(WabizWebhook) webhook = NULL;
  const char *signed_head = "POST /webhook HTTP/1.1\r\nHost: wabiz\r\nContent-Length: 1000\r\n"
                            "X-Hub-Signature-256: sha256=00\r\n\r\n{\"a\": ";
  Reader *reader;

  /* no database is reached: the body never ends */
  db = wabiz_db_new ("host=/nonexistent/wabiz port=1 dbname=none connect_timeout=2", NULL, 1);
  webhook = wabiz_webhook_new (db, APP_SECRET, VERIFY_TOKEN);
  server.http = wabiz_http_server_new ("127.0.0.1", 0);
  wabiz_webhook_attach (webhook, wabiz_http_server_get_soup_server (server.http));
  in_process_start (&server);

  reader = reader_new (server.port);
  client_send_all (reader->socket, signed_head, strlen (signed_head));
  g_ptr_array_add (readers, reader);
  /* refused from its head (unknown path): answered, and closed */
  reader = reader_new (server.port);
  client_send_all (reader->socket, head, strlen (head));
  g_ptr_array_add (readers, reader);

  wabiz_test_wait_until (all_closed, readers, 30);
  /* the webhook's body stalled: cut, no answer */
  g_assert_cmpuint (((Reader *) g_ptr_array_index (readers, 0))->received->len, ==, 0);
  g_assert_cmpuint (status_of (((Reader *) g_ptr_array_index (readers, 1))->received->str), ==, 404);
  WABIZ_TEST_WAIT (_wabiz_http_server_get_n_connections (server.http) == 0, 30);
  g_assert_cmpuint (wabiz_http_server_get_n_in_flight (server.http), ==, 0);

  g_clear_object (&server.http);
  wabiz_db_close (db);
}

/* An answered connection is not kept open waiting for another request. */
static void
test_idle_closed (void)
{
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  InProcess server = { 0 };
  Reader *reader;

  in_process_start (&server);
  reader = reader_new (server.port);
  g_ptr_array_add (readers, reader);
  client_send_all (reader->socket, "GET /nope HTTP/1.1\r\nHost: wabiz\r\n\r\n", 35);

  wabiz_test_wait_until (all_closed, readers, 30);
  g_assert_cmpuint (status_of (reader->received->str), ==, 404);
  g_assert_nonnull (strstr (reader->received->str, "\r\nConnection: close\r\n"));
  WABIZ_TEST_WAIT (_wabiz_http_server_get_n_connections (server.http) == 0, 30);
  g_clear_object (&server.http);
}

/* A route that answers at once, as the webhook does once it stored */
static void
ping_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "pong", 4);
}

static void
keepalive_start (InProcess *server,
                 guint      max_connections,
                 guint      idle_ms)
{
  g_autoptr(GError) error = NULL;

  server->http = wabiz_http_server_new ("127.0.0.1", 0);
  _wabiz_http_server_set_limits (server->http, max_connections, TRUE, 10000, 60);
  _wabiz_http_server_set_keepalive_idle (server->http, idle_ms);
  soup_server_add_handler (wabiz_http_server_get_soup_server (server->http), "/ping", ping_cb, NULL, NULL);
  g_assert_true (wabiz_http_server_start (server->http, &error));
  g_assert_no_error (error);
  server->port = wabiz_http_server_get_port (server->http);
}

typedef struct
{
  Reader *reader;
  guint   n_answers;    /* whole answers of "pong" expected */
} Answers;

/* TRUE once @n_answers whole answers are in (or the server closed) */
static gboolean
answers_in (gpointer user_data)
{
  Answers *answers = user_data;
  const char *p;
  guint n = 0;

  /* the poll may move the string: read where it is after */
  reader_poll (answers->reader);
  p = answers->reader->received->str;
  while ((p = strstr (p, "\r\n\r\npong")) != NULL)
    {
      n++;
      p += 8;
    }
  return n >= answers->n_answers || answers->reader->closed;
}

/* A connection is kept alive between requests: the second request goes
 * on the first one's connection, and when the client hangs up while it
 * waits for the next, the server lets go of it (its descriptor is not
 * left behind, as libsoup 3.2 leaves it). */
static void
test_keep_alive (void)
{
  const char *ping = "GET /ping HTTP/1.1\r\nHost: wabiz\r\n\r\n";
  InProcess server = { 0 };
  Reader *reader;
  Answers answers;

  keepalive_start (&server, 256, 60 * 1000);
  reader = reader_new (server.port);
  answers.reader = reader;

  client_send_all (reader->socket, ping, strlen (ping));
  answers.n_answers = 1;
  wabiz_test_wait_until (answers_in, &answers, 30);
  g_assert_false (reader->closed);
  g_assert_cmpuint (status_of (reader->received->str), ==, 200);
  g_assert_null (strstr (reader->received->str, "Connection: close"));

  /* the next request, on the same connection */
  client_send_all (reader->socket, ping, strlen (ping));
  answers.n_answers = 2;
  wabiz_test_wait_until (answers_in, &answers, 30);
  g_assert_false (reader->closed);
  g_assert_nonnull (strstr (strstr (reader->received->str, "pong") + 4, "HTTP/1.1 200"));
  g_assert_cmpuint (_wabiz_http_server_get_n_connections (server.http), ==, 1);

  /* the client hangs up while the connection waits */
  reader_free (reader);
  WABIZ_TEST_WAIT (_wabiz_http_server_get_n_connections (server.http) == 0, 30);
  g_clear_object (&server.http);
}

/* A kept-alive connection that sends no next request is closed after a
 * while, by the server. */
static void
test_keep_alive_idle (void)
{
  const char *ping = "GET /ping HTTP/1.1\r\nHost: wabiz\r\n\r\n";
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  InProcess server = { 0 };
  Reader *reader;

  keepalive_start (&server, 256, 200);
  reader = reader_new (server.port);
  g_ptr_array_add (readers, reader);
  client_send_all (reader->socket, ping, strlen (ping));

  wabiz_test_wait_until (all_closed, readers, 30);
  g_assert_cmpuint (status_of (reader->received->str), ==, 200);
  g_assert_nonnull (strstr (reader->received->str, "\r\n\r\npong"));
  WABIZ_TEST_WAIT (_wabiz_http_server_get_n_connections (server.http) == 0, 30);
  g_clear_object (&server.http);
}

/* A full server lets go of the connection idle the longest to take a new
 * one, a kept-alive one too, and only when one waits: the others keep
 * going. */
static void
test_keep_alive_full (void)
{
  const char *ping = "GET /ping HTTP/1.1\r\nHost: wabiz\r\n\r\n";
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  InProcess server = { 0 };
  Reader *silent, *late;
  Answers answers;

  keepalive_start (&server, 2, 60 * 1000);

  /* one connection answered and kept, then one that sends nothing */
  g_ptr_array_add (kept, reader_new (server.port));
  answers.reader = g_ptr_array_index (kept, 0);
  answers.n_answers = 1;
  client_send_all (answers.reader->socket, ping, strlen (ping));
  wabiz_test_wait_until (answers_in, &answers, 30);
  g_assert_false (answers.reader->closed);
  g_assert_null (strstr (answers.reader->received->str, "Connection: close"));
  silent = reader_new (server.port);
  WABIZ_TEST_WAIT (_wabiz_http_server_get_n_connections (server.http) == 2, 30);

  /* full: a third one makes the server let go of the kept one, idle the
   * longest, and is answered */
  late = reader_new (server.port);
  client_send_all (late->socket, ping, strlen (ping));
  wabiz_test_wait_until (all_closed, kept, 30);
  answers.reader = late;
  wabiz_test_wait_until (answers_in, &answers, 30);
  g_assert_cmpuint (status_of (late->received->str), ==, 200);

  /* the silent one was left alone, and is answered too */
  g_assert_false (reader_poll (silent));
  client_send_all (silent->socket, ping, strlen (ping));
  answers.reader = silent;
  wabiz_test_wait_until (answers_in, &answers, 30);
  g_assert_cmpuint (status_of (silent->received->str), ==, 200);

  reader_free (silent);
  reader_free (late);
  WABIZ_TEST_WAIT (_wabiz_http_server_get_n_connections (server.http) == 0, 30);
  g_clear_object (&server.http);
}

/* Kept-alive connections whose clients start a next request and reset
 * the connection at once all end: in libsoup 3.2, a connection it keeps
 * alive itself whose next request fails before its first byte is read
 * is never closed. */
static void
test_keep_alive_reset (void)
{
  const char *ping = "GET /ping HTTP/1.1\r\nHost: wabiz\r\n\r\n";
  const struct linger reset = { 1, 0 };
  InProcess server = { 0 };

  keepalive_start (&server, 256, 60 * 1000);
  for (guint i = 0; i < 50; i++)
    {
      Reader *reader = reader_new (server.port);
      Answers answers = { reader, 1 };

      client_send_all (reader->socket, ping, strlen (ping));
      wabiz_test_wait_until (answers_in, &answers, 30);
      g_assert_false (reader->closed);
      client_send_all (reader->socket, ping, 7);
      g_assert_cmpint (setsockopt (g_socket_get_fd (reader->socket), SOL_SOCKET, SO_LINGER, &reset,
                                   sizeof reset), ==, 0);
      reader_free (reader);
    }
  /* (within the 10 s header timeout, which would end them anyway) */
  WABIZ_TEST_WAIT (_wabiz_http_server_get_n_connections (server.http) == 0, 5);
  g_clear_object (&server.http);
}

/* ------------------------------------------------------------------ */
/* file descriptors */

static char *
signed_delivery (const char *body)
{
  g_autofree char *signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) body, strlen (body));

  return g_strdup_printf ("POST /webhook HTTP/1.1\r\nHost: wabiz\r\nContent-Type: application/json\r\n"
                          "X-Hub-Signature-256: %s\r\nContent-Length: %zu\r\n\r\n%s",
                          signature, strlen (body), body);
}

/* With few file descriptors: more connections than it can hold, idle,
 * then each asking something and hanging up once answered, do not stop
 * the server: it holds nothing of them once they are gone, and accepts
 * again. Returns the server's log. */
/* How many of @readers the server closed so far. */
static guint
count_closed (GPtrArray *readers)
{
  guint n = 0;

  for (guint i = 0; i < readers->len; i++)
    if (reader_poll (g_ptr_array_index (readers, i)))
      n++;
  return n;
}

static gboolean
child_log_has (Child      *child,
               const char *text)
{
  g_autofree char *log = child_log (child);

  return strstr (log, text) != NULL;
}

/* Once connected, the clients wait until the server is full: until its
 * log says @full_log, or (NULL) until it holds as many connections as it
 * may (half its descriptors). */
static char *
fd_exhaustion (const char * const *serve_args,
               const char         *full_log)
{
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (NULL);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  g_autoptr(GPtrArray) askers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *request = signed_delivery ("{\"object\":\"whatsapp_business_account\",\"entry\":[]}");
  const char *ask = "GET /webhook?hub.mode=subscribe&hub.verify_token=" VERIFY_TOKEN
                    "&hub.challenge=1158201444 HTTP/1.1\r\nHost: wabiz\r\n\r\n";
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *response = NULL;
  Child child = { 0 };
  guint fds_at_start;
  char *log;

  child.nofile = 64;
  child_start (&child, conninfo, serve_args);
  fds_at_start = child_count_fds (&child);

  /* idle: the server takes what it can, letting go of the oldest to
   * take the next, until it has gone through the backlog */
  for (guint i = 0; i < 150; i++)
    {
      Reader *reader = g_new0 (Reader, 1);

      reader->socket = client_connect (child.port);
      reader->received = g_string_new (NULL);
      g_ptr_array_add (clients, reader);
    }
  if (full_log != NULL)
    WABIZ_TEST_WAIT (child_log_has (&child, full_log), 60);
  WABIZ_TEST_WAIT (count_closed (clients) >= 150 - 64, 60);
  g_assert_cmpuint (child_count_fds (&child), <=, 64);

  /* a delivery still gets through, before any of them times out: the
   * server lets go of the connections idle the longest */
  socket = client_connect (child.port);
  client_send_all (socket, request, strlen (request));
  response = client_read_until_closed (socket, 40);
  g_assert_cmpuint (status_of (response), ==, 200);
  g_clear_pointer (&response, g_free);
  g_clear_object (&socket);
  g_ptr_array_set_size (clients, 0);

  /* as many asking at once, each answered as descriptors come free */
  for (guint i = 0; i < 150; i++)
    {
      GSocket *client = client_connect (child.port);

      client_send_all (client, ask, strlen (ask));
      g_ptr_array_add (askers, client);
    }
  for (guint i = 0; i < askers->len; i++)
    g_assert_cmpuint (client_read_status (g_ptr_array_index (askers, i), 60), ==, 200);
  g_ptr_array_set_size (askers, 0);

  /* what the clients left behind is let go */
  WABIZ_TEST_WAIT (child_count_fds (&child) <= fds_at_start + 2, 60);

  socket = client_connect (child.port);
  client_send_all (socket, request, strlen (request));
  response = client_read_until_closed (socket, 60);
  g_assert_cmpuint (status_of (response), ==, 200);

  log = child_log (&child);
  child_stop (&child);
  return log;
}

/* The server raises its open-file limit to the hard limit when it starts
 * (a service starts with 1024 of 524288). */
static void
test_file_limit_raised (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (NULL);
  g_autofree char *path = NULL;
  g_autofree char *limits = NULL;
  Child child = { 0 };
  const char *line;

  child.nofile = 64;
  child.nofile_max = 1024;
  child_start (&child, conninfo, NULL);

  path = g_strdup_printf ("/proc/%s/limits", g_subprocess_get_identifier (child.process));
  g_assert_true (g_file_get_contents (path, &limits, NULL, NULL));
  line = strstr (limits, "Max open files");
  g_assert_nonnull (line);
  g_assert_true (g_regex_match_simple ("^Max open files +1024 +1024 ", line, 0, 0));

  child_stop (&child);
}

/* The server keeps half its descriptors for the rest: past that many
 * connections the next wait in the backlog. */
static void
test_fd_exhaustion (void)
{
  g_autofree char *log = fd_exhaustion (NULL, NULL);

  g_assert_null (strstr (log, "Cannot accept a connection"));
}

/* Allowed more connections than it has descriptors, the server sees
 * accept() fail, and tries again as connections end. */
static void
test_fd_exhaustion_accept_fails (void)
{
  const char *args[] = { "--beyond-file-limit", NULL };
  g_autofree char *log = fd_exhaustion (args, "Cannot accept a connection");

  g_assert_nonnull (strstr (log, "Cannot accept a connection"));
  g_assert_nonnull (strstr (log, "Accepting connections again"));
}

/* ------------------------------------------------------------------ */
/* rate limit: authenticate first, limit failures per client */

typedef struct
{
  guint pending;
  guint n_200;
  guint n_401;
  guint n_429;
  guint n_other;
} Tally;

static void
tally_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Tally *tally = user_data;
  g_autoptr(SoupMessage) msg = g_object_ref (soup_session_get_async_result_message (SOUP_SESSION (object),
                                                                                   result));
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, NULL);

  switch ((guint) soup_message_get_status (msg))
    {
    case 200:
      tally->n_200++;
      break;
    case 401:
      tally->n_401++;
      break;
    case 429:
      tally->n_429++;
      break;
    default:
      tally->n_other++;
    }
  tally->pending--;
}

static void
send_keyed (SoupSession *session,
            const char  *url,
            const char  *key,
            Tally       *tally)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *auth = g_strconcat ("Bearer ", key, NULL);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  tally->pending++;
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, tally_cb, tally);
}

static void
test_rate_limit (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (NULL);
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr(WabizRestApi) rest = wabiz_rest_api_new (db, NULL, NULL, API_KEY);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 64, "max-conns-per-host", 64, NULL);
  g_autofree char *url = NULL;
  Tally flood = { 0 };
  Tally right = { 0 };
  InProcess server = { 0 };

  server.http = wabiz_http_server_new ("127.0.0.1", 0);
  wabiz_rest_api_attach (rest, wabiz_http_server_get_soup_server (server.http));
  in_process_start (&server);
  url = g_strdup_printf ("http://127.0.0.1:%u/openapi.json", server.port);
  /* ten failures, and none back while the test runs */
  _wabiz_rest_api_set_failure_limit (rest, 0.0001, 10);

  /* a flood of wrong keys from one client */
  for (guint i = 0; i < 300; i++)
    send_keyed (session, url, "not-the-key-0123456789abcdef0123456789abcdef", &flood);
  WABIZ_TEST_WAIT (flood.pending == 0, 120);
  g_test_message ("wrong keys: %u × 401, %u × 429, %u other", flood.n_401, flood.n_429, flood.n_other);
  g_assert_cmpuint (flood.n_other, ==, 0);
  g_assert_cmpuint (flood.n_200, ==, 0);
  g_assert_cmpuint (flood.n_401, ==, 10);
  g_assert_cmpuint (flood.n_429, ==, 290);

  /* the right key still gets through, every time */
  for (guint i = 0; i < 20; i++)
    {
      send_keyed (session, url, API_KEY, &right);
      WABIZ_TEST_WAIT (right.pending == 0, 60);
    }
  g_assert_cmpuint (right.n_200, ==, 20);

  /* and the wrong one is still refused */
  send_keyed (session, url, "not-the-key-0123456789abcdef0123456789abcdef", &flood);
  WABIZ_TEST_WAIT (flood.pending == 0, 60);
  g_assert_cmpuint (flood.n_429, ==, 291);

  g_clear_object (&server.http);
  wabiz_db_close (db);
}

/* ------------------------------------------------------------------ */
/* the webhook: signatures checked a chunk at a time, a bounded queue */

typedef struct
{
  InProcess     server;
  char         *conninfo;
  WabizDb      *db;
  WabizWebhook *webhook;
  SoupSession  *session;
  char         *url;
} Hook;

static void
hook_start (Hook *hook)
{
  hook->conninfo = wabiz_test_pg_new_seeded_database (NULL);
  hook->db = wabiz_db_new (hook->conninfo, NULL, 4);
  hook->webhook = wabiz_webhook_new (hook->db, APP_SECRET, VERIFY_TOKEN);
  hook->server.http = wabiz_http_server_new ("127.0.0.1", 0);
  wabiz_webhook_attach (hook->webhook, wabiz_http_server_get_soup_server (hook->server.http));
  in_process_start (&hook->server);
  hook->session = soup_session_new_with_options ("max-conns", 64, "max-conns-per-host", 64, NULL);
  hook->url = g_strdup_printf ("http://127.0.0.1:%u/webhook", hook->server.port);
}

static void
hook_stop (Hook *hook)
{
  g_clear_object (&hook->session);
  g_clear_object (&hook->server.http);
  g_clear_object (&hook->webhook);
  wabiz_db_close (hook->db);
  g_clear_object (&hook->db);
  g_clear_pointer (&hook->url, g_free);
  g_clear_pointer (&hook->conninfo, g_free);
}

static gint64
count_events (Hook *hook)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (hook->db, "SELECT count(*) FROM webhook_events", 0, NULL,
                                                      NULL, &error);

  g_assert_no_error (error);
  return g_ascii_strtoll (wabiz_db_result_get_nth (res, 0, 0), NULL, 10);
}

/* Sends @body in chunks of @chunk_size bytes (cutting characters in
 * two), signed with @signature; returns the status. */
static guint
post_in_chunks (Hook       *hook,
                const char *body,
                gsize       chunk_size,
                const char *signature)
{
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  g_autoptr(GString) request = g_string_new (NULL);
  gsize length = strlen (body);
  Reader *reader = reader_new (hook->server.port);

  g_ptr_array_add (readers, reader);
  g_string_append_printf (request, "POST /webhook HTTP/1.1\r\nHost: wabiz\r\nContent-Type: application/json\r\n"
                                   "X-Hub-Signature-256: %s\r\nTransfer-Encoding: chunked\r\n\r\n", signature);
  for (gsize offset = 0; offset < length; offset += chunk_size)
    {
      gsize n = MIN (chunk_size, length - offset);

      g_string_append_printf (request, "%zx\r\n", n);
      g_string_append_len (request, body + offset, n);
      g_string_append (request, "\r\n");
    }
  g_string_append (request, "0\r\n\r\n");
  client_send_all (reader->socket, request->str, request->len);

  wabiz_test_wait_until (all_closed, readers, 60);
  return status_of (reader->received->str);
}

/* Meta signs the \uXXXX form of a body; a proxy may deliver raw UTF-8.
 * Either verifies, whatever the chunks the body comes in (characters cut
 * between two), and nothing else does. */
static void
test_signature_in_chunks (void)
{
  const char *raw = "{\"object\":\"whatsapp_business_account\",\"entry\":[],\"n\":\"Jo\xc3\xa3o \xf0\x9f\x91\x8d \xe2\x82\xac\"}";
  const char *escaped = "{\"object\":\"whatsapp_business_account\",\"entry\":[],\"n\":\"Jo\\u00e3o \\ud83d\\udc4d \\u20ac\"}";
  g_autofree char *raw_signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) raw, strlen (raw));
  g_autofree char *escaped_signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) escaped, strlen (escaped));
  g_autofree char *other_signature = wabiz_webhook_sign ("another-secret", (const guint8 *) raw, strlen (raw));
  g_autofree char *upper = g_ascii_strup (escaped_signature + strlen ("sha256="), -1);
  g_autofree char *upper_signature = g_strconcat (" sha256=", upper, NULL);
  Hook hook = { 0 };
  guint n_stored = 0;

  /* the parser's check agrees on the whole body */
  g_assert_true (wabiz_webhook_verify_signature (APP_SECRET, (const guint8 *) raw, strlen (raw), escaped_signature));
  g_assert_false (wabiz_webhook_verify_signature (APP_SECRET, (const guint8 *) raw, strlen (raw), other_signature));

  hook_start (&hook);
  for (gsize size = 1; size <= 8; size++)
    {
      g_assert_cmpuint (post_in_chunks (&hook, raw, size, escaped_signature), ==, 200);
      g_assert_cmpuint (post_in_chunks (&hook, raw, size, raw_signature), ==, 200);
      g_assert_cmpuint (post_in_chunks (&hook, escaped, size, escaped_signature), ==, 200);
      g_assert_cmpuint (post_in_chunks (&hook, raw, size, other_signature), ==, 401);
      g_assert_cmpuint (post_in_chunks (&hook, escaped, size, raw_signature), ==, 401);
      n_stored += 3;
    }
  /* the hex in either case, after blanks */
  g_assert_cmpuint (post_in_chunks (&hook, raw, 3, upper_signature), ==, 200);
  n_stored++;
  /* not "sha256=<64 hex>" */
  g_assert_cmpuint (post_in_chunks (&hook, raw, 3, "sha256=abc"), ==, 401);
  g_assert_cmpuint (post_in_chunks (&hook, raw, 3, escaped_signature + strlen ("sha256=")), ==, 401);
  /* a character cut at the very end: no escaped form to match */
  {
    g_autofree char *cut = g_strndup (raw, strlen (raw) - 4);
    g_autofree char *cut_escaped = g_strdup ("{\"object\":\"whatsapp_business_account\",\"entry\":[],\"n\":\"Jo\\u00e3o \\ud83d\\udc4d ");
    g_autofree char *signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) cut_escaped, strlen (cut_escaped));

    g_assert_false (wabiz_webhook_verify_signature (APP_SECRET, (const guint8 *) cut, strlen (cut), signature));
    g_assert_cmpuint (post_in_chunks (&hook, cut, 5, signature), ==, 401);
  }

  g_assert_cmpint (count_events (&hook), ==, n_stored);
  hook_stop (&hook);
}

/* A large body with a wrong signature costs a chunk's hashing per turn of
 * the main loop, not the body's at once. */
static void
test_hash_per_chunk (void)
{
  g_autoptr(GString) body = g_string_new ("{\"object\":\"whatsapp_business_account\",\"n\":\"");
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  g_autofree char *head = NULL;
  Hook hook = { 0 };
  Reader *reader;

  while (body->len < 1024 * 1024)
    g_string_append (body, "\xc3\xa9\xf0\x9f\x91\x8d");
  g_string_append (body, "\"}");

  hook_start (&hook);
  reader = reader_new (hook.server.port);
  g_ptr_array_add (readers, reader);
  head = g_strdup_printf ("POST /webhook HTTP/1.1\r\nHost: wabiz\r\nContent-Type: application/json\r\n"
                          "X-Hub-Signature-256: sha256=%064d\r\nContent-Length: %zu\r\n\r\n", 0, body->len);
  client_send_all (reader->socket, head, strlen (head));
  client_send_all_in_loop (reader->socket, body->str, body->len);

  wabiz_test_wait_until (all_closed, readers, 60);
  g_assert_cmpuint (status_of (reader->received->str), ==, 401);
  g_test_message ("most bytes hashed at once: %zu of a %zu-byte body",
                  _wabiz_webhook_get_max_hash_step (hook.webhook), body->len);
  g_assert_cmpuint (_wabiz_webhook_get_max_hash_step (hook.webhook), >, 0);
  g_assert_cmpuint (_wabiz_webhook_get_max_hash_step (hook.webhook), <=, 64 * 1024);
  g_assert_cmpint (count_events (&hook), ==, 0);
  hook_stop (&hook);
}

typedef struct
{
  guint status;
  char *retry_after;
  gboolean done;
} Posted;

static void
posted_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Posted *posted = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, NULL);

  posted->status = soup_message_get_status (msg);
  posted->retry_after = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                                "Retry-After"));
  posted->done = TRUE;
}

static void
post_signed (Hook       *hook,
             const char *body,
             Posted     *posted)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", hook->url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autofree char *signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) body, strlen (body));

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Hub-Signature-256", signature);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (hook->session, msg, G_PRIORITY_DEFAULT, NULL, posted_cb, posted);
}

/* Deliveries held until their commit are bounded: past the bound the next
 * is answered 503 (Meta sends it again), and the held ones are stored. */
static void
test_queue_bound (void)
{
  PGconn *blocker;
  Posted held[3] = { 0 };
  Posted over = { 0 };
  Hook hook = { 0 };
  PGresult *res;

  hook_start (&hook);
  _wabiz_webhook_set_limits (hook.webhook, G_N_ELEMENTS (held), 64 * 1024 * 1024, 64 * 1024 * 1024);

  /* the inserts wait on this lock */
  blocker = PQconnectdb (hook.conninfo);
  g_assert_cmpint (PQstatus (blocker), ==, CONNECTION_OK);
  res = PQexec (blocker, "BEGIN; LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE");
  g_assert_cmpint (PQresultStatus (res), ==, PGRES_COMMAND_OK);
  PQclear (res);

  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"object\":\"whatsapp_business_account\",\"held\":%u}", i);

      post_signed (&hook, body, &held[i]);
      WABIZ_TEST_WAIT (_wabiz_webhook_get_n_held (hook.webhook) == i + 1, 60);
    }
  post_signed (&hook, "{\"object\":\"whatsapp_business_account\",\"over\":true}", &over);
  WABIZ_TEST_WAIT (over.done, 60);
  g_assert_cmpuint (over.status, ==, 503);
  g_assert_cmpstr (over.retry_after, ==, "10");
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    g_assert_false (held[i].done);

  res = PQexec (blocker, "COMMIT");
  g_assert_cmpint (PQresultStatus (res), ==, PGRES_COMMAND_OK);
  PQclear (res);
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      WABIZ_TEST_WAIT (held[i].done, 60);
      g_assert_cmpuint (held[i].status, ==, 200);
      g_free (held[i].retry_after);
    }
  g_free (over.retry_after);
  g_assert_cmpint (count_events (&hook), ==, G_N_ELEMENTS (held));
  g_assert_cmpuint (_wabiz_webhook_get_n_held (hook.webhook), ==, 0);
  PQfinish (blocker);
  hook_stop (&hook);
}

/* Bodies on their way in, unsigned until they are whole, are bounded all
 * together: past the bound the next is answered 503 as it arrives, and
 * the others go on. */
static void
test_receiving_bound (void)
{
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  g_autoptr(GString) body = g_string_new ("{\"object\":\"whatsapp_business_account\",\"pad\":\"");
  g_autofree char *signature = NULL;
  g_autofree char *head = NULL;
  Reader *first, *second;
  Hook hook = { 0 };
  gsize half;

  while (body->len < 80 * 1024)
    g_string_append (body, "0123456789abcdef");
  g_string_append (body, "\"}");
  signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) body->str, body->len);
  head = g_strdup_printf ("POST /webhook HTTP/1.1\r\nHost: wabiz\r\nContent-Type: application/json\r\n"
                          "X-Hub-Signature-256: %s\r\nContent-Length: %zu\r\n\r\n", signature, body->len);
  half = 60 * 1024;

  hook_start (&hook);
  _wabiz_webhook_set_limits (hook.webhook, 1000, 64 * 1024 * 1024, 100 * 1024);

  first = reader_new (hook.server.port);
  second = reader_new (hook.server.port);
  g_ptr_array_add (readers, second);
  client_send_all (first->socket, head, strlen (head));
  client_send_all_in_loop (first->socket, body->str, half);
  WABIZ_TEST_WAIT (_wabiz_webhook_get_receiving_bytes (hook.webhook) == half, 60);

  /* the second takes the total past the bound */
  client_send_all (second->socket, head, strlen (head));
  client_send_all_in_loop (second->socket, body->str, half);
  wabiz_test_wait_until (all_closed, readers, 60);
  g_assert_cmpuint (status_of (second->received->str), ==, 503);
  g_assert_nonnull (strstr (second->received->str, "\r\nRetry-After: 10\r\n"));

  /* the first goes on, and is stored */
  g_ptr_array_add (readers, first);
  client_send_all_in_loop (first->socket, body->str + half, body->len - half);
  wabiz_test_wait_until (all_closed, readers, 60);
  g_assert_cmpuint (status_of (first->received->str), ==, 200);
  g_assert_cmpint (count_events (&hook), ==, 1);
  g_assert_cmpuint (_wabiz_webhook_get_receiving_bytes (hook.webhook), ==, 0);
  hook_stop (&hook);
}

/* ------------------------------------------------------------------ */
/* key comparisons */

static void
test_secret_equal (void)
{
  g_assert_true (wabiz_http_secret_equal (API_KEY, API_KEY));
  g_assert_true (wabiz_http_secret_equal ("é", "é"));
  /* a prefix, a longer key, one byte off, the empty string */
  g_assert_false (wabiz_http_secret_equal ("http-test-key", API_KEY));
  g_assert_false (wabiz_http_secret_equal (API_KEY "0", API_KEY));
  g_assert_false (wabiz_http_secret_equal ("http-test-key-0123456789abcdef0123456789abcdeF", API_KEY));
  g_assert_false (wabiz_http_secret_equal ("", API_KEY));
  g_assert_false (wabiz_http_secret_equal (NULL, API_KEY));
  /* no secret set: nothing matches it */
  g_assert_false (wabiz_http_secret_equal ("", ""));
  g_assert_false (wabiz_http_secret_equal ("x", NULL));
}

/* ------------------------------------------------------------------ */
/* wabizd refuses a short API key */

static void
test_short_api_key (void)
{
  g_autofree char *wabizd = g_build_filename (g_getenv ("WABIZ_BUILD_DIR"), "src", "daemon", "wabizd", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSocket) closed = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *database_url = NULL;
  guint16 port = 0;
  const char *key = "short-key-7d1c";

  closed = wabiz_test_closed_port (&port);
  database_url = g_strdup_printf ("host=127.0.0.1 port=%u dbname=none connect_timeout=2", port);
  g_subprocess_launcher_set_environ (launcher, NULL);
  g_subprocess_launcher_setenv (launcher, "ACCESS_TOKEN", "EAAG-test-token-http", TRUE);
  g_subprocess_launcher_setenv (launcher, "PHONE_NUMBER_ID", "106540352242922", TRUE);
  g_subprocess_launcher_setenv (launcher, "WABA_ID", "108233722174550", TRUE);
  g_subprocess_launcher_setenv (launcher, "VERIFY_TOKEN", VERIFY_TOKEN, TRUE);
  g_subprocess_launcher_setenv (launcher, "APP_SECRET", APP_SECRET, TRUE);
  g_subprocess_launcher_setenv (launcher, "WABIZ_API_KEY", key, TRUE);
  g_subprocess_launcher_setenv (launcher, "DATABASE_URL", database_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "PORT", "0", TRUE);

  process = g_subprocess_launcher_spawn (launcher, &error, wabizd, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_subprocess_communicate_utf8_finish (process, result, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("wabizd: %s", err);

  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
  g_assert_nonnull (strstr (err, "WABIZ_API_KEY"));
  g_assert_nonnull (strstr (err, "openssl rand -hex 32"));
  g_assert_null (strstr (err, key));
  g_assert_null (strstr (out, key));
}

int
main (int   argc,
      char *argv[])
{
  if (argc >= 2 && g_str_equal (argv[1], "--serve"))
    return serve_main (argc, argv);

  g_test_init (&argc, &argv, NULL);
  /* the server warns of what these tests do to it */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/wabiz/http-server/body-memory", test_body_memory);
  g_test_add_func ("/wabiz/http-server/header-timeout", test_header_timeout);
  g_test_add_func ("/wabiz/http-server/stalled-body", test_stalled_body);
  g_test_add_func ("/wabiz/http-server/idle-closed", test_idle_closed);
  g_test_add_func ("/wabiz/http-server/keep-alive", test_keep_alive);
  g_test_add_func ("/wabiz/http-server/keep-alive-idle", test_keep_alive_idle);
  g_test_add_func ("/wabiz/http-server/keep-alive-full", test_keep_alive_full);
  g_test_add_func ("/wabiz/http-server/keep-alive-reset", test_keep_alive_reset);
  g_test_add_func ("/wabiz/http-server/file-limit-raised", test_file_limit_raised);
  g_test_add_func ("/wabiz/http-server/fd-exhaustion", test_fd_exhaustion);
  g_test_add_func ("/wabiz/http-server/fd-exhaustion-accept-fails", test_fd_exhaustion_accept_fails);
  g_test_add_func ("/wabiz/http-server/rate-limit", test_rate_limit);
  g_test_add_func ("/wabiz/http-server/signature-in-chunks", test_signature_in_chunks);
  g_test_add_func ("/wabiz/http-server/hash-per-chunk", test_hash_per_chunk);
  g_test_add_func ("/wabiz/http-server/queue-bound", test_queue_bound);
  g_test_add_func ("/wabiz/http-server/receiving-bound", test_receiving_bound);
  g_test_add_func ("/wabiz/http-server/secret-equal", test_secret_equal);
  g_test_add_func ("/wabiz/http-server/short-api-key", test_short_api_key);

  return g_test_run ();
}
