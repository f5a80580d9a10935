/* test-relay.c: the webhook relay (supabase/functions/wabiz-webhook) under Deno
 *
 * SPDX-License-Identifier: MIT
 *
 * Each case runs the relay's index.ts as Supabase runs it, under the Deno
 * that tools/deno pins (installed by build-aux/dev with `npm ci`, which
 * also caches the relay's npm driver: nothing is downloaded here), on a
 * free loopback port (tests/relay/serve.ts), against a database of a
 * PostgreSQL server of this program's own. That server listens on
 * 127.0.0.1 with a password, as Supabase's database does for a function
 * (the run's shared server has no TCP port), and the test stops and
 * starts it for the database-down case. Requests go over plain sockets,
 * byte for byte, so that a test can send the headers of a large body
 * without the body, or a body in chunks. Without Deno every case skips
 * and says how to install it.
 */

#define G_LOG_DOMAIN "test-relay"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "wabiz-db.h"
#include "wabiz-db-listener.h"
#include "wabiz-migrations.h"
#include "wabiz-store.h"
#include "wabiz-test-pg.h"
#include "wabiz-webhook-parser.h"
#include "wabiz-webhook-processor.h"

#define APP_SECRET "wabiz-test-app-secret"
#define VERIFY_TOKEN "wabiz-test-verify-token"
#define PHONE_NUMBER_ID "106540352242922"
#define MAX_BODY (4 * 1024 * 1024)
/* every socket operation of a request, and each wait, fails after this */
#define TIMEOUT_S 60

/* the program's PostgreSQL, for every case */
static WabizPgServer *server;
static guint          server_port;
static char          *server_password;
static char          *skip_reason;

typedef struct
{
  char        *dbname;
  char        *conninfo; /* over the socket, for the test itself */
  WabizDb     *db;
  GSubprocess *relay;
  guint        port; /* the relay's, 0 until it listens */
  gboolean     exited;
  GPtrArray   *output; /* (element-type utf8) the relay's stdout lines */
} Fixture;

typedef struct
{
  guint       status;
  GHashTable *headers; /* lower-case name → value */
  GByteArray *body;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->headers, g_hash_table_unref);
  g_clear_pointer (&reply->body, g_byte_array_unref);
  reply->status = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

/* ------------------------------------------------------------------ */
/* the database */

static WabizDbResult *
sql (Fixture           *f,
     const char        *query,
     int                n_params,
     const char *const *params)
{
  g_autoptr (GError) error = NULL;
  WabizDbResult *res = wabiz_db_query_sync (f->db, query, n_params, params, NULL, &error);

  g_assert_no_error (error);
  return res;
}

static char *
sql_text (Fixture           *f,
          const char        *query,
          int                n_params,
          const char *const *params)
{
  g_autoptr (WabizDbResult) res = sql (f, query, n_params, params);

  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static gint64
sql_int (Fixture    *f,
         const char *query)
{
  g_autofree char *text = sql_text (f, query, 0, NULL);

  g_assert_nonnull (text);
  return g_ascii_strtoll (text, NULL, 10);
}

static void
assert_no_events (Fixture *f)
{
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_relay_deliveries"), ==, 0);
}

static void
assert_refused (Fixture    *f,
                const char *reason)
{
  g_autofree char *last = sql_text (f, "SELECT last_refused_reason FROM webhook_relay_status"
                                       " WHERE last_refused_at IS NOT NULL",
                                    0, NULL);

  g_assert_cmpstr (last, ==, reason);
}

static void
start_server (void)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WabizDb) admin = NULL;
  g_autoptr (WabizDbResult) res = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *hba = NULL;
  g_autofree char *admin_conninfo = NULL;
  g_autofree char *alter = NULL;
  guint16          port;

  server = wabiz_test_pg_server_new ();
  dir = g_path_get_dirname (wabiz_pg_server_get_data_dir (server));

  /* the test over the socket; the relay over TCP, with the password */
  hba = g_build_filename (dir, "pg_hba.conf", NULL);
  g_file_set_contents (hba,
                       "local all all trust\n"
                       "host all all 127.0.0.1/32 scram-sha-256\n",
                       -1, &error);
  g_assert_no_error (error);
  g_chmod (hba, 0644);

  socket = wabiz_test_closed_port (&port);
  server_port = port;
  g_clear_object (&socket);
  wabiz_pg_server_set_port (server, server_port);
  wabiz_pg_server_add_option (server, "listen_addresses", "'127.0.0.1'");
  wabiz_pg_server_add_option (server, "hba_file", hba);
  wabiz_pg_server_add_option (server, "password_encryption", "scram-sha-256");
  wabiz_pg_server_start (server, &error);
  g_assert_no_error (error);

  server_password = wabiz_test_random_password ();
  admin_conninfo = wabiz_pg_server_dup_conninfo (server, "postgres");
  admin = wabiz_db_new (admin_conninfo, NULL, 1);
  alter = g_strdup_printf ("ALTER ROLE %s PASSWORD '%s'", WABIZ_PG_ROLE, server_password);
  res = wabiz_db_query_sync (admin, alter, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  wabiz_db_close (admin);
}

static void
stop_server (void)
{
  if (server != NULL)
    wabiz_pg_server_stop (server, NULL);
  g_clear_object (&server);
  g_clear_pointer (&server_password, g_free);
}

/* ------------------------------------------------------------------ */
/* Deno and the relay */

static char *
source_path (const char *first,
             ...)
{
  const char *top = g_getenv ("WABIZ_SOURCE_DIR");
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_assert_nonnull (top);
  g_ptr_array_add (parts, (gpointer) top);
  g_ptr_array_add (parts, (gpointer) first);
  va_start (args, first);
  for (const char *p = va_arg (args, const char *); p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

/* NULL when the pinned Deno can run the relay here, else why not */
static char *
find_deno (void)
{
  g_autofree char *deno = source_path ("tools", "deno", "node_modules", ".bin", "deno", NULL);
  g_autofree char *cache = source_path ("tools", "deno", "node_modules", ".cache", "deno", NULL);

  if (!g_file_test (deno, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup ("Deno is not installed: run `npm ci` in tools/deno (build-aux/dev test does)");
  if (!g_file_test (cache, G_FILE_TEST_IS_DIR))
    return g_strdup ("the relay's npm driver is not cached: run `npm ci` in tools/deno "
                     "(build-aux/dev test does)");
  return NULL;
}

static void
output_line_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GDataInputStream *stream = G_DATA_INPUT_STREAM (object);
  Fixture          *f = user_data;
  g_autofree char  *line = g_data_input_stream_read_line_finish_utf8 (stream, result, NULL, NULL);
  const char       *prefix = "listening on 127.0.0.1:";

  if (line == NULL)
    {
      /* end of the output: the relay exited */
      f->exited = TRUE;
      g_object_unref (stream);
      return;
    }

  g_test_message ("relay: %s", line);
  if (f->port == 0 && g_str_has_prefix (line, prefix))
    f->port = (guint) g_ascii_strtoull (line + strlen (prefix), NULL, 10);
  g_ptr_array_add (f->output, g_steal_pointer (&line));

  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, NULL, output_line_cb, f);
}

/* The relay dies with the test, even when an assertion aborts it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts the relay with this database URL, or another (a closed port);
 * its output and errors become the test's comments. */
static void
start_relay (Fixture    *f,
             const char *database_url)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GError) error = NULL;
  g_autofree char  *deno = source_path ("tools", "deno", "node_modules", ".bin", "deno", NULL);
  g_autofree char  *cache = source_path ("tools", "deno", "node_modules", ".cache", "deno", NULL);
  g_autofree char  *serve = source_path ("tests", "relay", "serve.ts", NULL);
  g_autofree char  *index = source_path ("supabase", "functions", "wabiz-webhook", "index.ts", NULL);
  g_autofree char  *read = g_strdup_printf ("--allow-read=%s,%s", serve, index);
  const char       *unset[] = { "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE",
                                "PGAPPNAME", "DENO_CERT", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY" };
  GDataInputStream *stream;

  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    g_subprocess_launcher_unsetenv (launcher, unset[i]);
  g_subprocess_launcher_setenv (launcher, "DENO_DIR", cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "DENO_NO_PACKAGE_JSON", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "DENO_NO_UPDATE_CHECK", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "NO_COLOR", "1", TRUE);
  /* what Supabase gives the function, and its two secrets */
  g_subprocess_launcher_setenv (launcher, "SUPABASE_DB_URL", database_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "APP_SECRET", APP_SECRET, TRUE);
  g_subprocess_launcher_setenv (launcher, "VERIFY_TOKEN", VERIFY_TOKEN, TRUE);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);

  f->port = 0;
  f->exited = FALSE;
  f->relay = g_subprocess_launcher_spawn (launcher, &error, deno, "run", "--no-config",
                                          "--cached-only", "--no-prompt", "--allow-net=127.0.0.1",
                                          "--allow-env", read, serve, index, NULL);
  g_assert_no_error (error);

  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->relay));
  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, NULL, output_line_cb, f);

  WABIZ_TEST_WAIT (f->port != 0 || f->exited, TIMEOUT_S);
  if (f->port == 0)
    g_error ("The relay exited before it listened (its errors are above, as comments); "
             "is tools/deno installed (`npm ci` there)?");
}

static void
stop_relay (Fixture *f)
{
  g_autoptr (GAsyncResult) result = NULL;

  if (f->relay == NULL)
    return;

  g_subprocess_send_signal (f->relay, SIGTERM);
  g_subprocess_wait_async (f->relay, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, TIMEOUT_S);
  g_assert_true (g_subprocess_wait_finish (f->relay, result, NULL));
  /* and the end of its output, so that the reader is done with f */
  WABIZ_TEST_WAIT (f->exited, TIMEOUT_S);
  g_clear_object (&f->relay);
}

static char *
database_url (Fixture *f)
{
  return g_strdup_printf ("postgresql://%s:%s@127.0.0.1:%u/%s", WABIZ_PG_ROLE, server_password,
                          server_port, f->dbname);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr (WabizDb) admin = NULL;
  g_autoptr (WabizDbResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *admin_conninfo = NULL;
  g_autofree char *create = NULL;
  g_autofree char *url = NULL;
  static guint     counter;

  f->output = g_ptr_array_new_with_free_func (g_free);
  if (skip_reason != NULL)
    return;
  if (server == NULL)
    start_server ();

  f->dbname = g_strdup_printf ("relay_%u", ++counter);
  admin_conninfo = wabiz_pg_server_dup_conninfo (server, "postgres");
  admin = wabiz_db_new (admin_conninfo, NULL, 1);
  create = g_strdup_printf ("CREATE DATABASE %s", f->dbname);
  res = wabiz_db_query_sync (admin, create, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  wabiz_db_close (admin);

  f->conninfo = wabiz_pg_server_dup_conninfo (server, f->dbname);
  /* two batches of the processor at once, and the test's own queries */
  f->db = wabiz_db_new (f->conninfo, NULL, 4);
  g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
  g_assert_no_error (error);

  url = database_url (f);
  start_relay (f, url);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  stop_relay (f);
  if (f->db != NULL)
    wabiz_db_close (f->db);
  g_clear_object (&f->db);
  g_clear_pointer (&f->conninfo, g_free);
  g_clear_pointer (&f->dbname, g_free);
  g_clear_pointer (&f->output, g_ptr_array_unref);
}

/* Whether to skip this case; says why. */
static gboolean
skip (void)
{
  if (skip_reason == NULL)
    return FALSE;
  g_test_skip (skip_reason);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* HTTP, byte for byte */

static GSocketConnection *
connect_relay (Fixture *f)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *connection;

  g_assert_cmpuint (f->port, !=, 0);
  g_socket_client_set_timeout (client, TIMEOUT_S);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", f->port, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static void
write_all (GSocketConnection *connection,
           const void        *data,
           gsize              length)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), data,
                             length, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads more into @buffer; FALSE at the end of the stream. */
static gboolean
read_more (GSocketConnection *connection,
           GByteArray        *buffer)
{
  g_autoptr (GError) error = NULL;
  guint8 chunk[16384];
  gssize n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)), chunk,
                                  sizeof chunk, NULL, &error);

  g_assert_no_error (error);
  g_byte_array_append (buffer, chunk, (guint) n);
  return n > 0;
}

static const guint8 *
find (const GByteArray *buffer,
      gsize             from,
      const char       *needle)
{
  gsize length = strlen (needle);

  for (gsize i = from; i + length <= buffer->len; i++)
    if (memcmp (buffer->data + i, needle, length) == 0)
      return buffer->data + i;
  return NULL;
}

/* One response: the status line, headers, and a body of Content-Length
 * bytes or in chunks. Does not wait for the server to close. */
static void
read_reply (GSocketConnection *connection,
            Reply             *reply)
{
  g_autoptr (GByteArray) buffer = g_byte_array_new ();
  g_auto (GStrv) lines = NULL;
  g_autofree char *head = NULL;
  const guint8    *end;
  const char      *length;
  const char      *encoding;
  gsize            body_start;

  while ((end = find (buffer, 0, "\r\n\r\n")) == NULL)
    g_assert_true (read_more (connection, buffer));

  body_start = (gsize) (end - buffer->data) + 4;
  head = g_strndup ((const char *) buffer->data, end - buffer->data);
  lines = g_strsplit (head, "\r\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "HTTP/1.1 "));
  reply->status = (guint) g_ascii_strtoull (lines[0] + strlen ("HTTP/1.1 "), NULL, 10);
  reply->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');

      g_assert_nonnull (colon);
      g_hash_table_insert (reply->headers, g_ascii_strdown (lines[i], colon - lines[i]),
                           g_strstrip (g_strdup (colon + 1)));
    }

  reply->body = g_byte_array_new ();
  length = g_hash_table_lookup (reply->headers, "content-length");
  encoding = g_hash_table_lookup (reply->headers, "transfer-encoding");
  if (length != NULL)
    {
      gsize n = (gsize) g_ascii_strtoull (length, NULL, 10);

      while (buffer->len - body_start < n)
        g_assert_true (read_more (connection, buffer));
      g_byte_array_append (reply->body, buffer->data + body_start, (guint) n);
    }
  else if (g_strcmp0 (encoding, "chunked") == 0)
    {
      gsize at = body_start;

      for (;;)
        {
          const guint8 *eol;
          gsize         size;

          while ((eol = find (buffer, at, "\r\n")) == NULL)
            g_assert_true (read_more (connection, buffer));
          size = (gsize) g_ascii_strtoull ((const char *) buffer->data + at, NULL, 16);
          at = (gsize) (eol - buffer->data) + 2;
          while (buffer->len < at + size + 2)
            g_assert_true (read_more (connection, buffer));
          if (size == 0)
            break;
          g_byte_array_append (reply->body, buffer->data + at, (guint) size);
          at += size + 2;
        }
    }
  else
    {
      while (read_more (connection, buffer))
        ;
      g_byte_array_append (reply->body, buffer->data + body_start, buffer->len - body_start);
    }
}

/* Writes a request: @headers are whole lines without CRLF (NULL-terminated). */
static void
write_request (GSocketConnection *connection,
               const char        *method,
               const char        *target,
               const char *const *headers,
               const void        *body,
               gsize              length)
{
  g_autoptr (GString) head = g_string_new (NULL);

  g_string_append_printf (head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
                          method, target);
  if (body != NULL)
    g_string_append_printf (head, "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n",
                            length);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    g_string_append_printf (head, "%s\r\n", headers[i]);
  g_string_append (head, "\r\n");

  write_all (connection, head->str, head->len);
  if (body != NULL && length > 0)
    write_all (connection, body, length);
}

static void
request (Fixture           *f,
         const char        *method,
         const char        *target,
         const char *const *headers,
         const void        *body,
         gsize              length,
         Reply             *reply)
{
  g_autoptr (GSocketConnection) connection = connect_relay (f);

  write_request (connection, method, target, headers, body, length);
  read_reply (connection, reply);
}

/* POSTs @body with this X-Hub-Signature-256 (none if NULL); the status */
static guint
post (Fixture    *f,
      GBytes     *body,
      const char *signature)
{
  g_auto (Reply) reply = { 0 };
  g_autofree char *header = signature != NULL ? g_strconcat ("X-Hub-Signature-256: ", signature, NULL)
                                              : NULL;
  const char      *headers[] = { header, NULL };

  request (f, "POST", "/wabiz-webhook", headers, g_bytes_get_data (body, NULL),
           g_bytes_get_size (body), &reply);
  return reply.status;
}

static char *
sign (GBytes *body)
{
  return wabiz_webhook_sign (APP_SECRET, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static guint
post_signed (Fixture *f,
             GBytes  *body)
{
  g_autofree char *signature = sign (body);

  return post (f, body, signature);
}

static GBytes *
load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "meta-webhooks", name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

/* The stored body of the only event, compared byte for byte. */
static void
assert_stored_once (Fixture *f,
                    GBytes  *body)
{
  g_autofree char *stored = NULL;

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 1);
  stored = sql_text (f, "SELECT body FROM webhook_events", 0, NULL);
  g_assert_cmpmem (stored, strlen (stored), g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* ------------------------------------------------------------------ */
/* cases */

static void
test_handshake (Fixture      *f,
                gconstpointer data)
{
  g_auto (Reply) good = { 0 };
  g_auto (Reply) wrong = { 0 };
  g_auto (Reply) no_token = { 0 };
  g_auto (Reply) other_mode = { 0 };
  g_auto (Reply) put = { 0 };
  g_autofree char *verified = NULL;

  if (skip ())
    return;

  /* nothing noted before Meta's first request */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_relay_status"
                               " WHERE last_verification_at IS NULL AND last_refused_at IS NULL"),
                   ==, 1);

  request (f, "GET", "/wabiz-webhook?hub.mode=subscribe&hub.verify_token=wabiz-test-verify-token"
                     "&hub.challenge=1158201444",
           NULL, NULL, 0, &good);
  g_assert_cmpuint (good.status, ==, 200);
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (good.headers, "content-type"), "text/plain"));
  /* exactly the challenge: no quotes, no newline */
  g_assert_cmpmem (good.body->data, good.body->len, "1158201444", 10);
  verified = sql_text (f, "SELECT (last_verification_at > now() - interval '1 hour')::text"
                          " FROM webhook_relay_status",
                       0, NULL);
  g_assert_cmpstr (verified, ==, "true");

  request (f, "GET", "/wabiz-webhook?hub.mode=subscribe&hub.verify_token=wabiz-test-verify-tokeN"
                     "&hub.challenge=1158201444",
           NULL, NULL, 0, &wrong);
  g_assert_cmpuint (wrong.status, ==, 403);
  g_assert_null (find (wrong.body, 0, "1158201444"));
  assert_refused (f, "verify_token");

  request (f, "GET", "/wabiz-webhook?hub.mode=subscribe&hub.challenge=77", NULL, NULL, 0, &no_token);
  g_assert_cmpuint (no_token.status, ==, 403);
  request (f, "GET", "/wabiz-webhook?hub.mode=unsubscribe&hub.verify_token=wabiz-test-verify-token"
                     "&hub.challenge=77",
           NULL, NULL, 0, &other_mode);
  g_assert_cmpuint (other_mode.status, ==, 403);

  request (f, "PUT", "/wabiz-webhook", NULL, "{}", 2, &put);
  g_assert_cmpuint (put.status, ==, 405);
  g_assert_cmpstr (g_hash_table_lookup (put.headers, "allow"), ==, "GET, POST");
  assert_no_events (f);
}

static void
notification_cb (WabizDbListener *listener,
                 const char      *channel,
                 const char      *payload,
                 GPtrArray       *payloads)
{
  g_ptr_array_add (payloads, g_strdup (payload));
}

static gboolean
listener_connected (gpointer data)
{
  return wabiz_db_listener_get_connected (data);
}

static void
test_good_signature (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (WabizDbListener) listener = NULL;
  g_autoptr (JsonNode) notified = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *upper = NULL;
  g_autofree char *id = NULL;
  g_autofree char *noted = NULL;

  if (skip ())
    return;

  /* a desktop listening, as the app and wabizd do */
  listener = wabiz_db_listener_new (f->conninfo, NULL, WABIZ_STORE_CHANNEL);
  g_signal_connect (listener, "notification", G_CALLBACK (notification_cb), payloads);
  wabiz_db_listener_start (listener);
  wabiz_test_wait_until (listener_connected, listener, TIMEOUT_S);

  body = load_fixture ("text.json");
  g_assert_cmpuint (post_signed (f, body), ==, 200);
  /* answered after the commit: the row is there */
  assert_stored_once (f, body);
  id = sql_text (f, "SELECT id::text FROM webhook_events WHERE processed_at IS NULL AND attempts = 0"
                    " AND error IS NULL",
                 0, NULL);
  g_assert_nonnull (id);
  noted = sql_text (f, "SELECT (last_event_at IS NOT NULL)::text FROM webhook_relay_status", 0, NULL);
  g_assert_cmpstr (noted, ==, "true");

  /* the processors are told */
  WABIZ_TEST_WAIT (payloads->len >= 1, TIMEOUT_S);
  notified = json_from_string (g_ptr_array_index (payloads, 0), NULL);
  g_assert_nonnull (notified);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (notified), "t"), ==,
                   "webhook_events");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (notified), "id"), ==, id);

  /* the hex digits compare case-insensitively (a redelivery: stored once) */
  signature = sign (body);
  upper = g_strconcat ("sha256=", signature + strlen ("sha256="), NULL);
  for (char *p = upper + strlen ("sha256="); *p != '\0'; p++)
    *p = g_ascii_toupper (*p);
  g_assert_cmpuint (post (f, body, upper), ==, 200);
  assert_stored_once (f, body);
}

static void
test_bad_signature (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr (GBytes) body = load_fixture ("text.json");
  g_autoptr (GBytes) flipped = NULL;
  g_autofree char   *good = sign (body);
  g_autofree char   *wrong_secret = NULL;
  g_autofree guint8 *flipped_data = NULL;
  gsize              length = g_bytes_get_size (body);

  if (skip ())
    return;

  wrong_secret = wabiz_webhook_sign ("not-the-secret", g_bytes_get_data (body, NULL), length);
  flipped_data = g_memdup2 (g_bytes_get_data (body, NULL), length);
  flipped_data[length / 2] ^= 0x01;
  flipped = g_bytes_new (flipped_data, length);

  /* Meta's docs: 401 or 403 on a mismatch; the desktop's receiver says 401 */
  g_assert_cmpuint (post (f, body, wrong_secret), ==, 401);
  g_assert_cmpuint (post (f, flipped, good), ==, 401);
  g_assert_cmpuint (post (f, body, good + strlen ("sha256=")), ==, 401); /* no prefix */
  g_assert_cmpuint (post (f, body, "sha256=zz"), ==, 401);
  g_assert_cmpuint (post (f, body, "sha1=0123456789abcdef0123456789abcdef01234567"), ==, 401);
  g_assert_cmpuint (post (f, body, ""), ==, 401);
  assert_no_events (f);
  assert_refused (f, "bad_signature");
}

static void
test_missing_signature (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr (GBytes) body = load_fixture ("text.json");

  if (skip ())
    return;

  g_assert_cmpuint (post (f, body, NULL), ==, 401);
  assert_no_events (f);
  assert_refused (f, "missing_signature");
}

/* What Meta signs: non-ASCII as \uXXXX, lowercase, surrogate pairs. */
static GBytes *
escape_non_ascii (GBytes *body)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const char *p = g_bytes_get_data (body, NULL);
  const char *end = p + g_bytes_get_size (body);

  g_assert_true (g_utf8_validate_len (p, end - p, NULL));
  for (; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x80)
        g_string_append_c (out, (char) c);
      else if (c >= 0x10000)
        g_string_append_printf (out, "\\u%04x\\u%04x", 0xd800 + ((c - 0x10000) >> 10),
                                0xdc00 + ((c - 0x10000) & 0x3ff));
      else
        g_string_append_printf (out, "\\u%04x", c);
    }
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

static void
test_non_ascii (Fixture      *f,
                gconstpointer data)
{
  g_autoptr (GBytes) escaped = load_fixture ("text-non-ascii.json");
  g_autoptr (GBytes) utf8 = load_fixture ("text-non-ascii-utf8.json");
  g_autoptr (GBytes) meta_form = NULL;
  g_autofree char *signed_escaped = NULL;
  g_autofree char *stored = NULL;

  if (skip ())
    return;

  /* Meta's usual delivery: escaped, signed over those exact bytes */
  g_assert_cmpuint (post_signed (f, escaped), ==, 200);
  assert_stored_once (f, escaped);

  /* raw UTF-8 signed over its exact bytes */
  g_assert_cmpuint (post_signed (f, utf8), ==, 200);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 2);
  stored = sql_text (f, "SELECT body FROM webhook_events ORDER BY id DESC LIMIT 1", 0, NULL);
  g_assert_cmpmem (stored, strlen (stored), g_bytes_get_data (utf8, NULL), g_bytes_get_size (utf8));

  /* raw UTF-8 whose signature Meta made over the escaped form (a proxy
   * re-encoded it): accepted; the same body, so a redelivery */
  meta_form = escape_non_ascii (utf8);
  g_assert_cmpuint (g_bytes_get_size (meta_form), >, g_bytes_get_size (utf8));
  signed_escaped = sign (meta_form);
  g_assert_cmpuint (post (f, utf8, signed_escaped), ==, 200);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 2);

  /* and no other re-encoding counts: the escaped form's signature does
   * not make a changed body pass */
  {
    g_autoptr (GBytes) changed = NULL;
    g_autofree char *text = g_strndup (g_bytes_get_data (utf8, NULL), g_bytes_get_size (utf8));
    char            *dash = strstr (text, "—");

    g_assert_nonnull (dash);
    dash[2] ^= 0x01; /* — (U+2014) becomes U+2015 */
    changed = g_bytes_new (text, strlen (text));
    g_assert_cmpuint (post (f, changed, signed_escaped), ==, 401);
  }
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 2);
}

static void
test_malformed (Fixture      *f,
                gconstpointer data)
{
  static const char nul[] = "{\"a\":\"x\0y\"}";
  static const char not_utf8[] = "{\"a\":\"\xc3\x28\"}";
  const char       *cases[] = { "{\"object\":", "not json", "\xef\xbb\xbf{}", NULL };

  if (skip ())
    return;

  for (guint i = 0; cases[i] != NULL; i++)
    {
      g_autoptr (GBytes) body = g_bytes_new_static (cases[i], strlen (cases[i]));

      g_assert_cmpuint (post_signed (f, body), ==, 400);
    }
  {
    g_autoptr (GBytes) body = g_bytes_new_static (nul, sizeof nul - 1);

    g_assert_cmpuint (post_signed (f, body), ==, 400);
  }
  {
    g_autoptr (GBytes) body = g_bytes_new_static (not_utf8, sizeof not_utf8 - 1);

    g_assert_cmpuint (post_signed (f, body), ==, 400);
  }
  assert_no_events (f);
  assert_refused (f, "malformed");
}

/* {"object":"x","pad":"aaa…"} of exactly @size bytes */
static GBytes *
padded_body (gsize size)
{
  const char *head = "{\"object\":\"x\",\"pad\":\"";
  const char *tail = "\"}";
  guint8     *data = g_malloc (size);

  memset (data, 'a', size);
  memcpy (data, head, strlen (head));
  memcpy (data + size - strlen (tail), tail, strlen (tail));
  return g_bytes_new_take (data, size);
}

static void
test_too_large (Fixture      *f,
                gconstpointer data)
{
  g_autoptr (GBytes) largest = padded_body (MAX_BODY);
  g_autoptr (GBytes) larger = padded_body (MAX_BODY + 1);
  g_autofree char *signature = sign (larger);
  g_autofree char *signature_header = g_strconcat ("X-Hub-Signature-256: ", signature, NULL);

  if (skip ())
    return;

  /* Content-Length says too much: refused before the body is sent at
   * all (a relay that read it first would wait here until the deadline) */
  {
    g_autoptr (GSocketConnection) connection = connect_relay (f);
    g_auto (Reply) reply = { 0 };
    g_autofree char *length = g_strdup_printf ("Content-Length: %d", MAX_BODY + 1);
    const char      *headers[] = { length, signature_header, NULL };

    write_request (connection, "POST", "/wabiz-webhook", headers, NULL, 0);
    read_reply (connection, &reply);
    g_assert_cmpuint (reply.status, ==, 413);
  }

  /* no Content-Length: counted while it streams in, refused at one
   * byte past the limit (the rest of the body is never sent) */
  {
    g_autoptr (GSocketConnection) connection = connect_relay (f);
    g_auto (Reply) reply = { 0 };
    const char   *headers[] = { "Transfer-Encoding: chunked", signature_header, NULL };
    const guint8 *bytes = g_bytes_get_data (larger, NULL);
    gsize         sent = 0;

    write_request (connection, "POST", "/wabiz-webhook", headers, NULL, 0);
    while (sent < MAX_BODY + 1)
      {
        gsize            n = MIN (65536, MAX_BODY + 1 - sent);
        g_autofree char *size = g_strdup_printf ("%" G_GSIZE_MODIFIER "x\r\n", n);

        write_all (connection, size, strlen (size));
        write_all (connection, bytes + sent, n);
        write_all (connection, "\r\n", 2);
        sent += n;
      }
    read_reply (connection, &reply);
    g_assert_cmpuint (reply.status, ==, 413);
  }
  assert_no_events (f);
  assert_refused (f, "too_large");

  /* exactly the limit is accepted, byte for byte */
  g_assert_cmpuint (post_signed (f, largest), ==, 200);
  assert_stored_once (f, largest);
}

static void
test_redelivery (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr (GBytes) body = load_fixture ("text.json");
  g_autoptr (GBytes) other = load_fixture ("image.json");
  g_autofree char   *signature = sign (body);
  g_autofree char   *signature_header = g_strconcat ("X-Hub-Signature-256: ", signature, NULL);
  GSocketConnection *connections[3];

  if (skip ())
    return;

  g_assert_cmpuint (post_signed (f, body), ==, 200);
  g_assert_cmpuint (post_signed (f, body), ==, 200);
  assert_stored_once (f, body);

  /* three at once, each sent whole before any answer is read */
  for (guint i = 0; i < G_N_ELEMENTS (connections); i++)
    {
      const char *headers[] = { signature_header, NULL };

      connections[i] = connect_relay (f);
      write_request (connections[i], "POST", "/wabiz-webhook", headers, g_bytes_get_data (body, NULL),
                     g_bytes_get_size (body));
    }
  for (guint i = 0; i < G_N_ELEMENTS (connections); i++)
    {
      g_auto (Reply) reply = { 0 };

      read_reply (connections[i], &reply);
      g_assert_cmpuint (reply.status, ==, 200);
      g_object_unref (connections[i]);
    }
  assert_stored_once (f, body);

  /* another body is another event */
  g_assert_cmpuint (post_signed (f, other), ==, 200);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_relay_deliveries"), ==, 2);
}

static void
test_database_down (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr (GBytes) first = load_fixture ("text.json");
  g_autoptr (GBytes) second = load_fixture ("image.json");
  g_autoptr (GError) error = NULL;

  if (skip ())
    return;

  g_assert_cmpuint (post_signed (f, first), ==, 200);

  /* the database goes away: 503, so that Meta sends it again */
  g_assert_true (wabiz_pg_server_stop (server, &error));
  g_assert_no_error (error);
  {
    g_auto (Reply) reply = { 0 };
    g_autofree char *signature = sign (second);
    g_autofree char *header = g_strconcat ("X-Hub-Signature-256: ", signature, NULL);
    const char      *headers[] = { header, NULL };

    request (f, "POST", "/wabiz-webhook", headers, g_bytes_get_data (second, NULL),
             g_bytes_get_size (second), &reply);
    g_assert_cmpuint (reply.status, ==, 503);
    g_assert_nonnull (g_hash_table_lookup (reply.headers, "retry-after"));
  }
  /* the handshake does not need the database */
  {
    g_auto (Reply) reply = { 0 };

    request (f, "GET", "/wabiz-webhook?hub.mode=subscribe&hub.verify_token=wabiz-test-verify-token"
                       "&hub.challenge=42",
             NULL, NULL, 0, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    g_assert_cmpmem (reply.body->data, reply.body->len, "42", 2);
  }

  /* it comes back: Meta's retry is stored, by the same relay */
  g_assert_true (wabiz_pg_server_start (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (post_signed (f, second), ==, 200);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 2);
  {
    g_autofree char *stored = sql_text (f, "SELECT body FROM webhook_events ORDER BY id DESC LIMIT 1",
                                        0, NULL);

    g_assert_cmpmem (stored, strlen (stored), g_bytes_get_data (second, NULL),
                     g_bytes_get_size (second));
  }
}

static void
test_database_unreachable (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr (GBytes) body = load_fixture ("text.json");
  g_autoptr (GSocket) closed = NULL;
  g_autofree char *url = NULL;
  guint16          port;

  if (skip ())
    return;

  /* a relay whose database never answers */
  stop_relay (f);
  closed = wabiz_test_closed_port (&port);
  url = g_strdup_printf ("postgresql://%s:%s@127.0.0.1:%u/%s", WABIZ_PG_ROLE, server_password, port,
                         f->dbname);
  start_relay (f, url);

  g_assert_cmpuint (post_signed (f, body), ==, 503);
  g_assert_cmpuint (post_signed (f, body), ==, 503);
  assert_no_events (f);
}

static void
test_processor (Fixture      *f,
                gconstpointer data)
{
  const char *names[] = { "text.json", "text-non-ascii.json", "text-non-ascii-utf8.json" };
  g_autoptr (WabizWebhookProcessor) processor = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  static const struct
  {
    const char *phone;
    const char *name;
  } leads[] = {
    { "16315551234", "Maria Lopez" },
    { "5511987654321", "João Pereira" },
    { "971501234567", "سارة" },
  };
  static const struct
  {
    const char *wamid;
    const char *phone;
    const char *text;
  } messages[] = {
    { "wamid.HBgLMTYzMTU1NTEyMzQVAgASGBQ0RkJEOEY1QjFEMDBEOTc2RjNCNAA=", "16315551234",
      "Hi! Do you have oat milk lattes today?" },
    { "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFEQxRkU0NDkyMzIxNEMzQUVCMkI3AA==", "5511987654321",
      "Olá! Vocês entregam em São Paulo? Obrigado 🙏😀" },
    { "wamid.HBgMOTcxNTAxMjM0NTY3FQIAEhgUNjQ0ODQ2ODRCNzI0NkVENjFFNUQA", "971501234567",
      "مرحبا، هل الطلب جاهز؟ ☕️" },
    { "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDkzQzgyMEU2MThDODMxMkZCMjBCAA==", "5511987654321",
      "Pão de queijo e café, por favor ✅ — até já! 👍🏽" },
  };
  guint processed;

  if (skip ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GBytes) body = load_fixture (names[i]);

      g_assert_cmpuint (post_signed (f, body), ==, 200);
      /* Meta's redelivery of the same, later */
      g_assert_cmpuint (post_signed (f, body), ==, 200);
    }
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, G_N_ELEMENTS (names));
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads"), ==, 0);

  /* a desktop (or wabizd) with its processor, as on any database */
  processor = wabiz_webhook_processor_new (f->db, PHONE_NUMBER_ID);
  wabiz_webhook_processor_run_async (processor, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, TIMEOUT_S);
  processed = wabiz_webhook_processor_run_finish (processor, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (processed, ==, G_N_ELEMENTS (names));
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"
                               " WHERE processed_at IS NULL OR error IS NOT NULL"),
                   ==, 0);

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads"), ==, G_N_ELEMENTS (leads));
  for (guint i = 0; i < G_N_ELEMENTS (leads); i++)
    {
      const char      *params[] = { leads[i].phone };
      g_autofree char *name = sql_text (f, "SELECT name FROM leads WHERE phone = $1", 1, params);

      g_assert_cmpstr (name, ==, leads[i].name);
    }

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, G_N_ELEMENTS (messages));
  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      const char *params[] = { messages[i].wamid };
      g_autoptr (WabizDbResult) res = sql (f, "SELECT phone, message, direction FROM messages"
                                              " WHERE message_id = $1",
                                           1, params);

      g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
      g_assert_cmpstr (wabiz_db_result_get (res, 0, "phone"), ==, messages[i].phone);
      g_assert_cmpstr (wabiz_db_result_get (res, 0, "message"), ==, messages[i].text);
      g_assert_cmpstr (wabiz_db_result_get (res, 0, "direction"), ==, "inbound");
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  skip_reason = find_deno ();

#define ADD(path, func) \
  g_test_add ("/relay/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("handshake", test_handshake);
  ADD ("good-signature", test_good_signature);
  ADD ("bad-signature", test_bad_signature);
  ADD ("missing-signature", test_missing_signature);
  ADD ("non-ascii", test_non_ascii);
  ADD ("malformed", test_malformed);
  ADD ("too-large", test_too_large);
  ADD ("redelivery", test_redelivery);
  ADD ("database-down", test_database_down);
  ADD ("database-unreachable", test_database_unreachable);
  ADD ("processor", test_processor);
#undef ADD

  status = g_test_run ();
  stop_server ();
  g_free (skip_reason);
  return status;
}
