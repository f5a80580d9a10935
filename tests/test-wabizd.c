/* test-wabizd.c: the daemon's command line, settings, ready line and stop;
 * a customer's message and a reply through the simulator and back, the
 * events it finds waiting, and --reprocess of failed events and of those
 * kept aside for another phone number
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "wabiz-db.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-webhook-parser.h"

#define APP_SECRET "wabiz-test-app-secret-8f1e"
#define ACCESS_TOKEN "EAAG-test-access-token-77c2"
#define VERIFY_TOKEN "verify-token-5d0a"
#define API_KEY "rest-key-c3b9-4f0e8d2a6b1c7e3f9a5d0b8c"
#define DB_PASSWORD "db-password-91aa"

static const char *secrets[] = { APP_SECRET, ACCESS_TOKEN, VERIFY_TOKEN, API_KEY, DB_PASSWORD, NULL };

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *err;
  GString          *stderr_text;
  char             *url;
  gboolean          exited;
} Daemon;

static char *
wabizd_path (void)
{
  return g_build_filename (g_getenv ("WABIZ_BUILD_DIR"), "src", "daemon", "wabizd", NULL);
}

/* The variables every test starts from, without the caller's environment
 * (but with the test's PATH and locale, and the sanitizers' options, so
 * that under --setup asan the daemon's leaks and undefined behaviour fail
 * its exit status). */
static GStrv
base_environ (const char *conninfo)
{
  g_auto(GStrv) env = g_get_environ ();
  GStrv result = NULL;
  const char *keep[] = { "PATH", "LC_ALL", "HOME", "XDG_RUNTIME_DIR",
                         "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; keep[i] != NULL; i++)
    {
      const char *value = g_environ_getenv (env, keep[i]);

      if (value != NULL)
        {
          g_autofree char *pair = g_strdup_printf ("%s=%s", keep[i], value);

          g_strv_builder_add (builder, pair);
        }
    }
  result = g_strv_builder_end (builder);
  result = g_environ_setenv (result, "ACCESS_TOKEN", ACCESS_TOKEN, TRUE);
  result = g_environ_setenv (result, "PHONE_NUMBER_ID", "106540352242922", TRUE);
  result = g_environ_setenv (result, "WABA_ID", "108233722174550", TRUE);
  result = g_environ_setenv (result, "VERIFY_TOKEN", VERIFY_TOKEN, TRUE);
  result = g_environ_setenv (result, "APP_SECRET", APP_SECRET, TRUE);
  result = g_environ_setenv (result, "WABIZ_API_KEY", API_KEY, TRUE);
  result = g_environ_setenv (result, "WABIZ_GRAPH_URL", "http://127.0.0.1:9", TRUE);
  result = g_environ_setenv (result, "HOST", "127.0.0.1", TRUE);
  result = g_environ_setenv (result, "PORT", "0", TRUE);
  if (conninfo != NULL)
    {
      g_autofree char *with_password = g_strdup_printf ("%s password=%s", conninfo, DB_PASSWORD);

      result = g_environ_setenv (result, "DATABASE_URL", with_password, TRUE);
    }
  return result;
}

static void
daemon_spawn (Daemon              *d,
              const char * const  *environ,
              const char * const  *extra_args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_environ (launcher, (char **) environ);
  g_ptr_array_add (argv, wabizd_path ());
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);

  d->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  d->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (d->process));
  d->stderr_text = g_string_new (NULL);
}

static void
daemon_clear (Daemon *d)
{
  if (d->process != NULL && !d->exited)
    {
      g_subprocess_force_exit (d->process);
      g_subprocess_wait (d->process, NULL, NULL);
    }
  g_clear_object (&d->err);
  g_clear_object (&d->process);
  if (d->stderr_text != NULL)
    g_string_free (d->stderr_text, TRUE);
  d->stderr_text = NULL;
  g_clear_pointer (&d->url, g_free);
}

static void
line_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* Next stderr line, or NULL at the end. */
static char *
daemon_read_line (Daemon *d)
{
  g_autoptr(GAsyncResult) result = NULL;
  char *line;

  g_data_input_stream_read_line_async (d->err, G_PRIORITY_DEFAULT, NULL, line_cb, &result);
  wabiz_test_wait_result (&result, 120);
  line = g_data_input_stream_read_line_finish_utf8 (d->err, result, NULL, NULL);
  if (line != NULL)
    {
      g_string_append_printf (d->stderr_text, "%s\n", line);
      g_test_message ("wabizd: %s", line);
    }
  return line;
}

/* Reads stderr until the ready line; returns its URL. */
static void
daemon_wait_ready (Daemon *d)
{
  g_autoptr(GRegex) ready = g_regex_new ("^wabizd: listening on (http://127\\.0\\.0\\.1:[0-9]+)$", 0, 0, NULL);

  for (;;)
    {
      g_autofree char *line = daemon_read_line (d);
      g_autoptr(GMatchInfo) match = NULL;

      if (line == NULL)
        g_error ("wabizd ended before it was ready:\n%s", d->stderr_text->str);
      if (g_regex_match (ready, line, 0, &match))
        {
          d->url = g_match_info_fetch (match, 1);
          return;
        }
    }
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* Reads the rest of stderr and waits for the exit; returns the status. */
static int
daemon_wait_exit (Daemon *d)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *line;

  while ((line = daemon_read_line (d)) != NULL)
    g_free (line);

  g_subprocess_wait_async (d->process, NULL, wait_cb, &result);
  wabiz_test_wait_result (&result, 120);
  g_subprocess_wait_finish (d->process, result, &error);
  g_assert_no_error (error);
  d->exited = TRUE;
  g_assert_true (g_subprocess_get_if_exited (d->process));
  return g_subprocess_get_exit_status (d->process);
}

static void
assert_no_secret (const char *text)
{
  for (guint i = 0; secrets[i] != NULL; i++)
    if (strstr (text, secrets[i]) != NULL)
      g_error ("wabizd printed a secret: %s", text);
}

typedef struct
{
  guint pending;
  guint n_200;
  guint n_written;
  guint total;
} Batch;

static void
wrote_body_cb (SoupMessage *msg,
               Batch       *batch)
{
  batch->n_written++;
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Batch *batch = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  GBytes *body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, NULL);

  g_clear_pointer (&body, g_bytes_unref);
  if (soup_message_get_status (msg) == 200)
    batch->n_200++;
  batch->pending--;
}

static gboolean
all_written (gpointer data)
{
  Batch *batch = data;

  return batch->n_written >= batch->total || batch->pending == 0;
}

static gboolean
all_done (gpointer data)
{
  return ((Batch *) data)->pending == 0;
}

static void
test_ready_and_stop (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_auto(GStrv) env = base_environ (conninfo);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 64, "max-conns-per-host", 64, NULL);
  g_autoptr(WabizDb) db = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  Daemon d = { 0 };
  Batch batch = { 0 };
  const guint n = 40;

  daemon_spawn (&d, (const char * const *) env, NULL);
  daemon_wait_ready (&d);

  /* it answers: /health with the key */
  {
    g_autofree char *uri = g_strconcat (d.url, "/health", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GBytes) body = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " API_KEY);
    soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, wabiz_test_store_result_cb, &result);
    wabiz_test_wait_result (&result, 60);
    body = soup_session_send_and_read_finish (session, result, NULL);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  }

  /* deliveries in flight when SIGTERM comes are answered, and stored */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *uri = g_strconcat (d.url, "/webhook", NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
      g_autofree char *text = g_strdup_printf (
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\",\"changes\":[{"
        "\"value\":{\"metadata\":{\"phone_number_id\":\"106540352242922\"},\"messages\":[{\"from\":\"16315551234\","
        "\"id\":\"wamid.stop.%u\",\"timestamp\":\"1718374400\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}]},"
        "\"field\":\"messages\"}]}]}", i);
      g_autofree char *signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) text, strlen (text));
      g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));

      soup_message_set_request_body_from_bytes (msg, "application/json", body);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Hub-Signature-256", signature);
      g_signal_connect (msg, "wrote-body", G_CALLBACK (wrote_body_cb), &batch);
      batch.pending++;
      batch.total++;
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, &batch);
    }
  wabiz_test_wait_until (all_written, &batch, 60);
  g_subprocess_send_signal (d.process, SIGTERM);
  wabiz_test_wait_until (all_done, &batch, 60);

  g_assert_cmpint (daemon_wait_exit (&d), ==, 0);
  assert_no_secret (d.stderr_text->str);
  g_test_message ("%u of %u deliveries in flight at SIGTERM answered 200", batch.n_200, n);
  g_assert_cmpuint (batch.n_200, >, 0);

  /* every 200 is stored */
  db = wabiz_db_new (conninfo, NULL, 1);
  res = wabiz_db_query_sync (db, "SELECT count(*)::int AS n FROM webhook_events", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, batch.n_200);
  wabiz_db_close (db);

  daemon_clear (&d);
}

static void
test_env_file (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzenv");
  g_autofree char *path = g_build_filename (dir, "wabizd.env", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) env = NULL;
  const char *args[] = { "--env-file", path, NULL };
  Daemon d = { 0 };

  contents = g_strdup_printf ("# wabizd settings\n"
                              "ACCESS_TOKEN=" ACCESS_TOKEN "\n"
                              "PHONE_NUMBER_ID=106540352242922\n"
                              "export WABA_ID=108233722174550\n"
                              "VERIFY_TOKEN=\"" VERIFY_TOKEN "\"\n"
                              "APP_SECRET='" APP_SECRET "'\n"
                              "WABIZ_API_KEY=" API_KEY "\n"
                              "DATABASE_URL=%s password=" DB_PASSWORD "\n"
                              "PORT=0\n", conninfo);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));

  /* only the PATH and the locale from the environment */
  env = g_environ_setenv (NULL, "PATH", g_getenv ("PATH"), TRUE);
  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);

  /* 0644: refused, saying which file and why */
  g_chmod (path, 0644);
  daemon_spawn (&d, (const char * const *) env, args);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 2);
  g_assert_nonnull (strstr (d.stderr_text->str, path));
  g_assert_nonnull (strstr (d.stderr_text->str, "0644"));
  g_assert_nonnull (strstr (d.stderr_text->str, "0600"));
  assert_no_secret (d.stderr_text->str);
  daemon_clear (&d);

  /* 0600: taken */
  g_chmod (path, 0600);
  daemon_spawn (&d, (const char * const *) env, args);
  daemon_wait_ready (&d);
  g_subprocess_send_signal (d.process, SIGINT);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 0);
  assert_no_secret (d.stderr_text->str);
  daemon_clear (&d);

  wabiz_test_rm_rf (dir);
}

static void
test_bad_settings (void)
{
  const struct
  {
    const char *name;
    const char *value;    /* NULL: unset */
  } cases[] = {
    { "APP_SECRET", NULL },
    { "ACCESS_TOKEN", NULL },
    { "VERIFY_TOKEN", NULL },
    { "PHONE_NUMBER_ID", NULL },
    { "WABA_ID", NULL },
    { "PHONE_NUMBER_ID", "12ab" },
    { "PORT", "ten" },
    { "PORT", "70000" },
    { "HOST", "localhost:80" },
    { "WABIZ_GRAPH_URL", "ftp://graph" },
    { "WABIZ_SEND_RATE", "-1" },
    { "WABIZ_GRAPH_VERSION", "latest" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) env = base_environ ("host=/nonexistent dbname=x");
      Daemon d = { 0 };

      if (cases[i].value == NULL)
        env = g_environ_unsetenv (env, cases[i].name);
      else
        env = g_environ_setenv (env, cases[i].name, cases[i].value, TRUE);

      daemon_spawn (&d, (const char * const *) env, NULL);
      g_assert_cmpint (daemon_wait_exit (&d), ==, 2);
      if (strstr (d.stderr_text->str, cases[i].name) == NULL)
        g_error ("the message does not name %s: %s", cases[i].name, d.stderr_text->str);
      assert_no_secret (d.stderr_text->str);
      if (cases[i].value != NULL && strlen (cases[i].value) > 3)
        g_assert_null (strstr (d.stderr_text->str, cases[i].value));
      daemon_clear (&d);
    }

  /* a bad --port on the command line */
  {
    g_auto(GStrv) env = base_environ ("host=/nonexistent dbname=x");
    const char *args[] = { "--port", "http", NULL };
    Daemon d = { 0 };

    daemon_spawn (&d, (const char * const *) env, args);
    g_assert_cmpint (daemon_wait_exit (&d), ==, 2);
    g_assert_nonnull (strstr (d.stderr_text->str, "--port"));
    daemon_clear (&d);
  }
}

/* Supabase's transaction pooler: a setting problem, said before connecting */
static void
test_pooler (void)
{
  g_autofree char *password = wabiz_test_random_password ();
  g_autofree char *url = g_strdup_printf ("postgresql://postgres.abcdefghijklmnop:%s@"
                                          "aws-0-eu-central-1.pooler.supabase.com:6543/postgres",
                                          password);
  g_auto(GStrv) env = base_environ (url);
  Daemon d = { 0 };

  daemon_spawn (&d, (const char * const *) env, NULL);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 2);
  g_assert_nonnull (strstr (d.stderr_text->str, "DATABASE_URL"));
  g_assert_nonnull (strstr (d.stderr_text->str, "5432"));
  g_assert_null (strstr (d.stderr_text->str, password));
  assert_no_secret (d.stderr_text->str);
  daemon_clear (&d);
}

static void
test_database_unreachable (void)
{
  g_auto(GStrv) env = base_environ ("host=/nonexistent/wabiz dbname=x connect_timeout=2");
  Daemon d = { 0 };

  /* not a setting problem: exit 1, and the password stays out */
  daemon_spawn (&d, (const char * const *) env, NULL);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 1);
  assert_no_secret (d.stderr_text->str);
  daemon_clear (&d);
}

static void
test_reprocess (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_auto(GStrv) env = base_environ (conninfo);
  const char *args[] = { "--reprocess", NULL };
  Daemon d = { 0 };

  daemon_spawn (&d, (const char * const *) env, args);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 0);
  g_assert_nonnull (strstr (d.stderr_text->str, "0 processed, 0 still failing"));
  daemon_clear (&d);
}

/* ------------------------------------------------------------------ */
/* end to end: the database, the REST API and the simulator */

/* Customers of the fixtures in tests/data/meta-webhooks (see its README) */
#define JOAO "5511987654321"
#define JOAO_NAME "Jo\u00e3o Pereira"
#define SARA "971501234567"
#define SARA_NAME "\u0633\u0627\u0631\u0629"
#define MARIA "16315551234"

static WabizDbResult *
db_query (WabizDb            *db,
          const char         *sql,
          int                 n_params,
          const char * const *params)
{
  g_autoptr(GError) error = NULL;
  WabizDbResult *res = wabiz_db_query_sync (db, sql, n_params, params, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (res);
  return res;
}

/* The one value of a one-row, one-column query with at most one parameter. */
static char *
db_value (WabizDb    *db,
          const char *sql,
          const char *param)
{
  const char *params[] = { param };
  g_autoptr(WabizDbResult) res = db_query (db, sql, param != NULL ? 1 : 0, param != NULL ? params : NULL);

  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

/* For WABIZ_TEST_WAIT: a boolean query holds. */
static gboolean
db_holds (WabizDb    *db,
          const char *sql,
          const char *param)
{
  g_autofree char *value = db_value (db, sql, param);

  return g_strcmp0 (value, "t") == 0;
}

static gint64
db_count (WabizDb    *db,
          const char *sql,
          const char *param)
{
  g_autofree char *value = db_value (db, sql, param);

  return g_ascii_strtoll (value, NULL, 10);
}

static char *
read_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "meta-webhooks", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* Sends one request to wabizd (with the REST key when @key is set);
 * returns the JSON answer and its HTTP status. */
static JsonNode *
http_call (SoupSession *session,
           const char  *method,
           const char  *uri,
           const char  *key,
           const char  *json_body,
           guint       *status)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonNode *node;

  g_assert_nonnull (msg);
  if (key != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", key, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
    }
  if (json_body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (json_body, strlen (json_body));

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  body = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_test_message ("%s %s: %u %s", method, uri, *status, text);
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return node;
}

/* Delivers @body to wabizd's /webhook, signed as Meta signs; the status. */
static guint
post_webhook (SoupSession *session,
              const char  *base_url,
              const char  *body)
{
  g_autofree char *uri = g_strconcat (base_url, "/webhook", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autofree char *signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) body, strlen (body));
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) answer = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Hub-Signature-256", signature);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  answer = soup_session_send_and_read_finish (session, result, NULL);
  return soup_message_get_status (msg);
}

/* SIGTERM: a clean exit, and no secret on stderr */
static void
daemon_stop (Daemon *d)
{
  g_subprocess_send_signal (d->process, SIGTERM);
  g_assert_cmpint (daemon_wait_exit (d), ==, 0);
  assert_no_secret (d->stderr_text->str);
}

static void
sim_configure (WabizSimServer *sim,
               const char     *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (node);
  g_assert_true (wabiz_sim_server_update_config (sim, json_node_get_object (node), &error));
  g_assert_no_error (error);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  g_assert_true (json_object_has_member (object, name));
  return json_object_get_string_member (object, name);
}

/* A customer writes at the simulator; the signed webhook reaches wabizd and
 * becomes a lead and a message. A reply through the REST API reaches the
 * simulator, whose status webhooks take it to read: in the database and in
 * what GET /get-conversation answers. */
static void
test_round_trip (void)
{
  const char *inbound_text = "Ol\u00e1! Voc\u00eas entregam em S\u00e3o Paulo? \U0001F64F \u2615";
  const char *reply_text = "Sim, amanh\u00e3 \u00e0s 10h \u2014 obrigado! \U0001F44D\U0001F3FD";
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizSimServer) sim = wabiz_sim_server_new ();
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(WabizDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = base_environ (conninfo);
  g_autofree char *config = NULL;
  g_autofree char *inbound_wamid = NULL;
  g_autofree char *reply_wamid = NULL;
  Daemon d = { 0 };

  g_assert_true (wabiz_sim_server_start (sim, &error));
  g_assert_no_error (error);
  /* the simulator takes the daemon's token and signs with its App Secret */
  sim_configure (sim, "{\"access_token\": \"" ACCESS_TOKEN "\", \"app_secret\": \"" APP_SECRET "\"}");
  env = g_environ_setenv (env, "WABIZ_GRAPH_URL", wabiz_sim_server_get_base_url (sim), TRUE);

  daemon_spawn (&d, (const char * const *) env, NULL);
  daemon_wait_ready (&d);
  config = g_strdup_printf ("{\"webhook_url\": \"%s/webhook\"}", d.url);
  sim_configure (sim, config);
  db = wabiz_db_new (conninfo, NULL, 1);

  /* the customer writes */
  {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) spec = NULL;
    g_autoptr(JsonObject) inbound = NULL;
    g_autoptr(WabizDbResult) res = NULL;
    const char *params[1];

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "from");
    json_builder_add_string_value (builder, JOAO);
    json_builder_set_member_name (builder, "name");
    json_builder_add_string_value (builder, JOAO_NAME);
    json_builder_set_member_name (builder, "type");
    json_builder_add_string_value (builder, "text");
    json_builder_set_member_name (builder, "text");
    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "body");
    json_builder_add_string_value (builder, inbound_text);
    json_builder_end_object (builder);
    json_builder_end_object (builder);
    spec = json_builder_get_root (builder);

    inbound = wabiz_sim_server_inject_inbound (sim, json_node_get_object (spec), &error);
    g_assert_no_error (error);
    inbound_wamid = g_strdup (member_string (inbound, "wamid"));

    WABIZ_TEST_WAIT (db_holds (db, "SELECT EXISTS (SELECT 1 FROM messages WHERE message_id = $1)", inbound_wamid), 60);

    params[0] = JOAO;
    res = db_query (db, "SELECT name, status FROM leads WHERE phone = $1", 1, params);
    g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "name"), ==, JOAO_NAME);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, "NEW");
    g_clear_pointer (&res, wabiz_db_result_unref);

    params[0] = inbound_wamid;
    res = db_query (db, "SELECT phone, message, direction FROM messages WHERE message_id = $1", 1, params);
    g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "phone"), ==, JOAO);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "message"), ==, inbound_text);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "direction"), ==, "inbound");
    g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 1);
    g_assert_cmpint (db_count (db, "SELECT count(*) FROM leads", NULL), ==, 1);
  }

  /* a reply through the REST API: without the key, refused and not sent */
  {
    g_autofree char *uri = g_strconcat (d.url, "/send-message", NULL);
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) request = NULL;
    g_autofree char *request_text = NULL;
    g_autoptr(JsonNode) answer = NULL;
    g_autoptr(JsonArray) ledger = NULL;
    JsonObject *entry, *sent;
    guint status = 0;

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "phone");
    json_builder_add_string_value (builder, "+55 11 98765-4321");
    json_builder_set_member_name (builder, "message");
    json_builder_add_string_value (builder, reply_text);
    json_builder_end_object (builder);
    request = json_builder_get_root (builder);
    request_text = json_to_string (request, FALSE);

    answer = http_call (session, "POST", uri, NULL, request_text, &status);
    g_assert_cmpuint (status, ==, 401);
    g_assert_false (json_object_get_boolean_member (json_node_get_object (answer), "success"));
    g_clear_pointer (&answer, json_node_unref);
    g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages WHERE direction = 'outbound'", NULL), ==, 0);

    answer = http_call (session, "POST", uri, API_KEY, request_text, &status);
    g_assert_cmpuint (status, ==, 200);
    sent = json_node_get_object (answer);
    g_assert_true (json_object_get_boolean_member (sent, "success"));
    g_assert_cmpstr (member_string (sent, "status"), ==, "sent");
    reply_wamid = g_strdup (member_string (sent, "message_id"));
    g_assert_nonnull (reply_wamid);

    /* the simulator got it once, for the customer, with the exact text */
    ledger = wabiz_sim_server_dup_ledger (sim, 0);
    g_assert_cmpuint (json_array_get_length (ledger), ==, 1);
    entry = json_array_get_object_element (ledger, 0);
    g_assert_cmpstr (member_string (entry, "wamid"), ==, reply_wamid);
    g_assert_cmpstr (member_string (entry, "to"), ==, JOAO);
    g_assert_cmpstr (member_string (entry, "type"), ==, "text");
    g_assert_cmpstr (member_string (entry, "result"), ==, "accepted");
    g_assert_cmpstr (member_string (json_object_get_object_member (json_object_get_object_member (entry, "body"), "text"),
                                    "body"), ==, reply_text);
  }

  /* sent, delivered, read: the simulator's status webhooks move the row */
  {
    g_autoptr(WabizDbResult) res = NULL;
    const char *params[] = { reply_wamid };

    /* each webhook sets its own time, in whatever order they come:
     * "read" may land before "delivered" */
    WABIZ_TEST_WAIT (db_holds (db, "SELECT EXISTS (SELECT 1 FROM messages WHERE message_id = $1"
                                   " AND status = 'read' AND sent_at IS NOT NULL"
                                   " AND delivered_at IS NOT NULL AND read_at IS NOT NULL)",
                               reply_wamid), 60);
    res = db_query (db, "SELECT phone, message, direction, sent_at IS NOT NULL AS sent,"
                        " delivered_at IS NOT NULL AS delivered, read_at IS NOT NULL AS read"
                        " FROM messages WHERE message_id = $1", 1, params);
    g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "phone"), ==, JOAO);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "message"), ==, reply_text);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "direction"), ==, "outbound");
    g_assert_true (wabiz_db_result_get_bool (res, 0, "sent"));
    g_assert_true (wabiz_db_result_get_bool (res, 0, "delivered"));
    g_assert_true (wabiz_db_result_get_bool (res, 0, "read"));
    g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 2);
  }

  /* what a script reading the conversation sees */
  {
    g_autofree char *uri = g_strconcat (d.url, "/get-conversation?phone=" JOAO, NULL);
    g_autoptr(JsonNode) answer = NULL;
    g_autofree char *refused = NULL;
    JsonObject *conversation, *first, *second;
    JsonArray *thread;
    guint status = 0;

    answer = http_call (session, "GET", uri, NULL, NULL, &status);
    g_assert_cmpuint (status, ==, 401);
    refused = json_to_string (answer, FALSE);
    g_assert_null (strstr (refused, inbound_text));
    g_assert_null (strstr (refused, JOAO_NAME));
    g_clear_pointer (&answer, json_node_unref);

    answer = http_call (session, "GET", uri, API_KEY, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    conversation = json_node_get_object (answer);
    g_assert_cmpstr (member_string (conversation, "phone"), ==, JOAO);
    g_assert_cmpstr (member_string (conversation, "customer_name"), ==, JOAO_NAME);
    g_assert_cmpstr (member_string (conversation, "status"), ==, "NEW");
    g_assert_cmpint (json_object_get_int_member (conversation, "total_messages"), ==, 2);
    thread = json_object_get_array_member (conversation, "conversation_thread");
    g_assert_nonnull (thread);
    g_assert_cmpuint (json_array_get_length (thread), ==, 2);
    first = json_array_get_object_element (thread, 0);
    second = json_array_get_object_element (thread, 1);
    g_assert_cmpstr (member_string (first, "message_id"), ==, inbound_wamid);
    g_assert_cmpstr (member_string (first, "message"), ==, inbound_text);
    g_assert_cmpstr (member_string (first, "direction"), ==, "inbound");
    g_assert_cmpstr (member_string (second, "message_id"), ==, reply_wamid);
    g_assert_cmpstr (member_string (second, "message"), ==, reply_text);
    g_assert_cmpstr (member_string (second, "direction"), ==, "outbound");
    g_assert_cmpstr (member_string (second, "status"), ==, "read");
  }

  wabiz_db_close (db);
  daemon_stop (&d);
  daemon_clear (&d);
  wabiz_sim_server_stop (sim);
}

/* Events stored while no processor ran (by a run stopped before it got to
 * them, or by the Supabase relay) become rows when wabizd starts; and one
 * another receiver stores while it runs, at its next poll. */
static void
test_catch_up (void)
{
  g_autofree char *waiting = read_fixture ("text-non-ascii.json");
  g_autofree char *later = read_fixture ("text.json");
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (NULL);
  g_auto(GStrv) env = base_environ (conninfo);
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *name = NULL;
  Daemon d = { 0 };

  {
    const char *params[] = { waiting };

    g_clear_pointer (&res, wabiz_db_result_unref);
    res = db_query (db, "INSERT INTO webhook_events (body) VALUES ($1)", 1, params);
  }

  daemon_spawn (&d, (const char * const *) env, NULL);
  daemon_wait_ready (&d);

  WABIZ_TEST_WAIT (db_holds (db, "SELECT count(*) = 0 FROM webhook_events WHERE processed_at IS NULL", NULL), 60);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM webhook_events WHERE error IS NOT NULL", NULL), ==, 0);

  {
    const char *params[] = { JOAO, SARA };

    g_clear_pointer (&res, wabiz_db_result_unref);
    res = db_query (db, "SELECT l.phone, l.name, m.message FROM leads l JOIN messages m ON m.phone = l.phone"
                        " WHERE l.phone IN ($1, $2) ORDER BY l.phone", 2, params);
    g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 2);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "phone"), ==, JOAO);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "name"), ==, JOAO_NAME);
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "message"), ==,
                     "Ol\u00e1! Voc\u00eas entregam em S\u00e3o Paulo? Obrigado \U0001F64F\U0001F600");
    g_assert_cmpstr (wabiz_db_result_get (res, 1, "phone"), ==, SARA);
    g_assert_cmpstr (wabiz_db_result_get (res, 1, "name"), ==, SARA_NAME);
    g_assert_cmpstr (wabiz_db_result_get (res, 1, "message"), ==,
                     "\u0645\u0631\u062d\u0628\u0627\u060c \u0647\u0644 \u0627\u0644\u0637\u0644\u0628 "
                     "\u062c\u0627\u0647\u0632\u061f \u2615\ufe0f");
  }
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 2);

  /* stored by another receiver while wabizd runs: nothing wakes it, its
   * poll (every 15 s) finds the event */
  {
    const char *params[] = { later };

    g_clear_pointer (&res, wabiz_db_result_unref);
    res = db_query (db, "INSERT INTO webhook_events (body) VALUES ($1)", 1, params);
  }
  WABIZ_TEST_WAIT (db_holds (db, "SELECT EXISTS (SELECT 1 FROM messages WHERE phone = $1"
                                 " AND message = 'Hi! Do you have oat milk lattes today?')", MARIA), 60);
  name = db_value (db, "SELECT name FROM leads WHERE phone = $1", MARIA);
  g_assert_cmpstr (name, ==, "Maria Lopez");
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 3);

  wabiz_db_close (db);
  daemon_stop (&d);
  daemon_clear (&d);
}

/* An event the database refused while wabizd ran keeps its error and stays
 * pending; once the cause is gone, --reprocess makes its rows, once. */
static void
test_reprocess_failed (void)
{
  g_autofree char *body = read_fixture ("text-non-ascii-utf8.json");
  const char *text = "P\u00e3o de queijo e caf\u00e9, por favor \u2705 \u2014 at\u00e9 j\u00e1! \U0001F44D\U0001F3FD";
  /* a check someone added to the database, removed later */
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (
    "CREATE FUNCTION wabiz_test_refuse () RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN RAISE EXCEPTION 'messages are closed for maintenance'; END $$;"
    "CREATE TRIGGER wabiz_test_refuse BEFORE INSERT ON messages"
    " FOR EACH ROW EXECUTE FUNCTION wabiz_test_refuse ();");
  g_auto(GStrv) env = base_environ (conninfo);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  const char *args[] = { "--reprocess", NULL };
  Daemon d = { 0 };

  daemon_spawn (&d, (const char * const *) env, NULL);
  daemon_wait_ready (&d);
  g_assert_cmpuint (post_webhook (session, d.url, body), ==, 200);

  /* the processor tried, and kept why it failed */
  WABIZ_TEST_WAIT (db_holds (db, "SELECT count(*) = 1 FROM webhook_events WHERE error IS NOT NULL", NULL), 60);
  res = db_query (db, "SELECT processed_at IS NULL AS pending, attempts, error FROM webhook_events", 0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  g_assert_true (wabiz_db_result_get_bool (res, 0, "pending"));
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "attempts"), ==, 1);
  g_assert_nonnull (strstr (wabiz_db_result_get (res, 0, "error"), "closed for maintenance"));
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 0);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM leads", NULL), ==, 0);
  daemon_stop (&d);
  /* the daemon said so */
  g_assert_nonnull (strstr (d.stderr_text->str, "closed for maintenance"));
  daemon_clear (&d);

  /* the cause is gone */
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = db_query (db, "DROP TRIGGER wabiz_test_refuse ON messages", 0, NULL);

  daemon_spawn (&d, (const char * const *) env, args);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 0);
  g_assert_nonnull (strstr (d.stderr_text->str, "1 processed, 0 still failing"));
  assert_no_secret (d.stderr_text->str);
  daemon_clear (&d);

  g_clear_pointer (&res, wabiz_db_result_unref);
  res = db_query (db, "SELECT processed_at IS NOT NULL AS processed, attempts, error FROM webhook_events", 0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  g_assert_true (wabiz_db_result_get_bool (res, 0, "processed"));
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "attempts"), ==, 2);
  g_assert_null (wabiz_db_result_get (res, 0, "error"));

  g_clear_pointer (&res, wabiz_db_result_unref);
  res = db_query (db, "SELECT l.phone, l.name, m.message, m.direction FROM leads l"
                      " JOIN messages m ON m.phone = l.phone", 0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "phone"), ==, JOAO);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "name"), ==, JOAO_NAME);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "message"), ==, text);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "direction"), ==, "inbound");

  /* a second run finds nothing to do and writes nothing twice */
  daemon_spawn (&d, (const char * const *) env, args);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 0);
  g_assert_nonnull (strstr (d.stderr_text->str, "0 processed, 0 still failing"));
  daemon_clear (&d);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 1);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM leads", NULL), ==, 1);
  g_assert_cmpint (db_count (db, "SELECT total_messages FROM conversations WHERE phone = $1", JOAO), ==, 1);

  wabiz_db_close (db);
}

/* An event that still cannot be read: --reprocess says so, exits 1, keeps
 * it pending with the new error, and writes no row. */
static void
test_reprocess_still_failing (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (
    "INSERT INTO webhook_events (body, attempts, error) VALUES ("
    "'{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\",\"changes\":[{"
    "\"value\":{\"metadata\":{\"phone_number_id\":\"106540352242922\"},\"messages\":[{\"from\":\"Maria\","
    "\"id\":\"wamid.bad-sender\",\"timestamp\":\"1718374400\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}]},"
    "\"field\":\"messages\"}]}]}', 1, 'an earlier error');");
  g_auto(GStrv) env = base_environ (conninfo);
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  const char *args[] = { "--reprocess", NULL };
  Daemon d = { 0 };

  daemon_spawn (&d, (const char * const *) env, args);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 1);
  g_assert_nonnull (strstr (d.stderr_text->str, "0 processed, 1 still failing"));
  g_assert_nonnull (strstr (d.stderr_text->str, "wamid.bad-sender"));
  assert_no_secret (d.stderr_text->str);
  daemon_clear (&d);

  res = db_query (db, "SELECT processed_at IS NULL AS pending, attempts, error FROM webhook_events", 0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  g_assert_true (wabiz_db_result_get_bool (res, 0, "pending"));
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "attempts"), ==, 2);
  g_assert_nonnull (strstr (wabiz_db_result_get (res, 0, "error"), "no valid sender"));
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 0);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM leads", NULL), ==, 0);

  wabiz_db_close (db);
}

/* The settings name the wrong number (B) while Meta writes for A (the
 * test number's id pasted instead of the real one): the message is kept,
 * nothing is written, /health counts it and says what to check. Once the
 * setting names A, --reprocess writes its rows, once. */
static void
test_reprocess_foreign (void)
{
  const char *number_a = "106540352242923";
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_auto(GStrv) env = base_environ (conninfo);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autofree char *body = g_strdup_printf (
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\",\"changes\":[{"
    "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783882\","
    "\"phone_number_id\":\"%s\"},\"contacts\":[{\"profile\":{\"name\":\"Maria Lopez\"},\"wa_id\":\"" MARIA "\"}],"
    "\"messages\":[{\"from\":\"" MARIA "\",\"id\":\"wamid.for-a\",\"timestamp\":\"1718374400\","
    "\"text\":{\"body\":\"Hi! Are you open on Sunday?\"},\"type\":\"text\"}]},\"field\":\"messages\"}]}]}",
    number_a);
  const char *args[] = { "--reprocess", NULL };
  Daemon d = { 0 };

  /* set up as B (base_environ's number) */
  daemon_spawn (&d, (const char * const *) env, NULL);
  daemon_wait_ready (&d);
  g_assert_cmpuint (post_webhook (session, d.url, body), ==, 200);
  WABIZ_TEST_WAIT (db_holds (db, "SELECT EXISTS (SELECT 1 FROM webhook_events WHERE foreign_phone_number_id = $1)",
                             number_a), 60);
  {
    g_autofree char *uri = g_strconcat (d.url, "/health", NULL);
    g_autoptr(JsonNode) health = NULL;
    JsonObject *database;
    JsonArray *ids;
    JsonArray *warnings;
    guint status = 0;

    health = http_call (session, "GET", uri, API_KEY, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (health), "status"), ==, "ok");
    database = json_object_get_object_member (json_node_get_object (health), "database");
    g_assert_cmpint (json_object_get_int_member (database, "foreign_phone_number_events"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (database, "pending_webhook_events"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (database, "failed_webhook_events"), ==, 0);
    ids = json_object_get_array_member (database, "foreign_phone_number_ids");
    g_assert_cmpuint (json_array_get_length (ids), ==, 1);
    g_assert_cmpstr (json_array_get_string_element (ids, 0), ==, number_a);
    warnings = json_object_get_array_member (json_node_get_object (health), "warnings");
    g_assert_cmpuint (json_array_get_length (warnings), ==, 1);
    g_assert_nonnull (strstr (json_array_get_string_element (warnings, 0),
                              "1 message arrived for another WhatsApp number, ID 106540352242923"));
  }
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 0);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM leads", NULL), ==, 0);
  daemon_stop (&d);
  /* the log said so, with both numbers */
  g_assert_nonnull (strstr (d.stderr_text->str, number_a));
  g_assert_nonnull (strstr (d.stderr_text->str, "106540352242922"));
  daemon_clear (&d);

  /* --reprocess while still set up as B: kept as it is */
  daemon_spawn (&d, (const char * const *) env, args);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 0);
  g_assert_nonnull (strstr (d.stderr_text->str, "0 processed, 0 still failing"));
  daemon_clear (&d);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 0);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM webhook_events WHERE skipped_reason IS NOT NULL", NULL), ==, 1);

  /* the setting fixed: set up as A, --reprocess writes it */
  env = g_environ_setenv (env, "PHONE_NUMBER_ID", number_a, TRUE);
  daemon_spawn (&d, (const char * const *) env, args);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 0);
  g_assert_nonnull (strstr (d.stderr_text->str, "1 processed, 0 still failing"));
  assert_no_secret (d.stderr_text->str);
  daemon_clear (&d);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages WHERE message_id = 'wamid.for-a' AND phone = $1",
                             MARIA), ==, 1);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM leads WHERE phone = $1", MARIA), ==, 1);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM webhook_events WHERE processed_at IS NOT NULL"
                                 " AND skipped_reason IS NULL AND foreign_phone_number_id IS NULL", NULL), ==, 1);

  /* once: a second run finds nothing, writes nothing twice */
  daemon_spawn (&d, (const char * const *) env, args);
  g_assert_cmpint (daemon_wait_exit (&d), ==, 0);
  g_assert_nonnull (strstr (d.stderr_text->str, "0 processed, 0 still failing"));
  daemon_clear (&d);
  g_assert_cmpint (db_count (db, "SELECT count(*) FROM messages", NULL), ==, 1);
  g_assert_cmpint (db_count (db, "SELECT total_messages FROM conversations WHERE phone = $1", MARIA), ==, 1);

  wabiz_db_close (db);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wabiz/wabizd/ready-and-stop", test_ready_and_stop);
  g_test_add_func ("/wabiz/wabizd/env-file", test_env_file);
  g_test_add_func ("/wabiz/wabizd/bad-settings", test_bad_settings);
  g_test_add_func ("/wabiz/wabizd/pooler", test_pooler);
  g_test_add_func ("/wabiz/wabizd/database-unreachable", test_database_unreachable);
  g_test_add_func ("/wabiz/wabizd/reprocess", test_reprocess);
  g_test_add_func ("/wabiz/wabizd/reprocess-failed", test_reprocess_failed);
  g_test_add_func ("/wabiz/wabizd/reprocess-still-failing", test_reprocess_still_failing);
  g_test_add_func ("/wabiz/wabizd/reprocess-foreign", test_reprocess_foreign);
  g_test_add_func ("/wabiz/wabizd/round-trip", test_round_trip);
  g_test_add_func ("/wabiz/wabizd/catch-up", test_catch_up);

  return g_test_run ();
}
