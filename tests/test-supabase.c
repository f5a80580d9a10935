/* test-supabase.c: the migrations on a server prepared the way Supabase is
 *
 * SPDX-License-Identifier: MIT
 *
 * Supabase gives WaBiz a non-superuser "postgres" login over TLS, and
 * grants the public API roles (anon, authenticated) everything in
 * schema public by default. This starts a server like that: TLS with a
 * self-signed certificate, password logins over TCP only with TLS, the
 * three API roles with Supabase's default grants. WaBiz connects with
 * sslmode=require, migrates, and then anon must read nothing.
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "wabiz-db.h"
#include "wabiz-migrations.h"
#include "wabiz-test-pg.h"

#define APP_PASSWORD "test-only-pw-4f7a"

static const char *supabase_roles[] = {
  "CREATE ROLE anon NOLOGIN NOINHERIT",
  "CREATE ROLE authenticated NOLOGIN NOINHERIT",
  "CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS",
  "CREATE ROLE authenticator LOGIN NOINHERIT",
  "GRANT anon, authenticated, service_role TO authenticator",
  "CREATE ROLE postgres LOGIN CREATEROLE CREATEDB PASSWORD '" APP_PASSWORD "'",
  "CREATE DATABASE app OWNER postgres",
  NULL
};

/* run in database "app" as the superuser, like Supabase's own setup */
static const char *supabase_grants[] = {
  "ALTER SCHEMA public OWNER TO postgres",
  "GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role",
  "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role",
  "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role",
  "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role",
  NULL
};

static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
run_all (WabizDb            *db,
         const char * const *statements)
{
  for (guint i = 0; statements[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WabizDbResult) res = wabiz_db_query_sync (db, statements[i], 0, NULL, NULL, &error);

      g_assert_no_error (error);
    }
}

static void
make_certificate (const char *dir,
                  char      **cert,
                  char      **key)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  *cert = g_build_filename (dir, "server.crt", NULL);
  *key = g_build_filename (dir, "server.key", NULL);
  {
    const char *argv[] = { "openssl", "req", "-new", "-x509", "-days", "2", "-nodes",
                           "-newkey", "rsa:2048", "-subj", "/CN=localhost",
                           "-keyout", *key, "-out", *cert, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL,
                  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_chmod (*key, 0600);
}

/* Counts what anon sees in @task_data (a table): -1 when refused. */
static void
read_as_anon_job (WabizDb      *db,
                  WabizDbConn  *conn,
                  GTask        *task,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) AS n FROM public.%s", (const char *) task_data);
  g_autoptr(WabizDbResult) role = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  int rows;

  g_assert_true (wabiz_db_conn_begin (conn, NULL));
  role = wabiz_db_conn_exec (conn, "SET LOCAL ROLE anon", 0, NULL, NULL);
  g_assert_nonnull (role);
  res = wabiz_db_conn_exec (conn, sql, 0, NULL, &error);
  if (res != NULL)
    rows = (int) wabiz_db_result_get_int (res, 0, "n");
  else if (strstr (error->message, "42501") != NULL)
    rows = -1;
  else
    g_error ("unexpected: %s", error->message);
  wabiz_db_conn_rollback (conn);

  g_task_return_pointer (task, GINT_TO_POINTER (rows), NULL);
}

static void
test_supabase_like (void)
{
  g_autoptr(WabizPgServer) server = wabiz_test_pg_server_new ();
  g_autoptr(WabizDb) admin = NULL;
  g_autoptr(WabizDb) admin_app = NULL;
  g_autoptr(WabizDb) app = NULL;
  g_autoptr(WabizDb) plain = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *hba = NULL;
  g_autofree char *app_conninfo = NULL;
  g_autofree char *plain_conninfo = NULL;
  g_autofree char *admin_conninfo = NULL;
  guint applied = 0;
  guint port = free_port ();

  dir = g_path_get_dirname (wabiz_pg_server_get_data_dir (server));
  make_certificate (dir, &cert, &key);
  g_assert_true (wabiz_pg_server_chown_to_run_as (server, key, &error));
  g_assert_no_error (error);

  /* password logins over TCP only with TLS; the owner over the socket */
  hba = g_build_filename (dir, "pg_hba.conf", NULL);
  g_file_set_contents (hba,
                       "local all all trust\n"
                       "hostssl all all 127.0.0.1/32 scram-sha-256\n"
                       "hostnossl all all 0.0.0.0/0 reject\n", -1, &error);
  g_assert_no_error (error);
  g_chmod (hba, 0644);

  wabiz_pg_server_set_port (server, port);
  wabiz_pg_server_add_option (server, "listen_addresses", "'127.0.0.1'");
  wabiz_pg_server_add_option (server, "ssl", "on");
  wabiz_pg_server_add_option (server, "ssl_cert_file", cert);
  wabiz_pg_server_add_option (server, "ssl_key_file", key);
  wabiz_pg_server_add_option (server, "hba_file", hba);
  wabiz_pg_server_add_option (server, "password_encryption", "scram-sha-256");
  wabiz_pg_server_start (server, &error);
  g_assert_no_error (error);

  admin_conninfo = wabiz_pg_server_dup_conninfo (server, "postgres");
  admin = wabiz_db_new (admin_conninfo, NULL, 1);
  run_all (admin, supabase_roles);
  g_free (admin_conninfo);
  admin_conninfo = wabiz_pg_server_dup_conninfo (server, "app");
  admin_app = wabiz_db_new (admin_conninfo, NULL, 1);
  run_all (admin_app, supabase_grants);

  /* Without TLS the server turns us away */
  plain_conninfo = g_strdup_printf ("host=127.0.0.1 port=%u dbname=app user=postgres sslmode=disable", port);
  plain = wabiz_db_new (plain_conninfo, APP_PASSWORD, 1);
  res = wabiz_db_query_sync (plain, "SELECT 1", 0, NULL, NULL, &error);
  g_assert_null (res);
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  /* WaBiz as Supabase users connect it: TLS required, password apart */
  app_conninfo = g_strdup_printf ("host=127.0.0.1 port=%u dbname=app user=postgres sslmode=require", port);
  app = wabiz_db_new (app_conninfo, APP_PASSWORD, 2);
  wabiz_migrations_apply_sync (app, &applied, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (applied, ==, wabiz_migrations_get_count ());

  res = wabiz_db_query_sync (app, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                             0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wabiz_db_result_get_bool (res, 0, "ssl"));
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* some data for anon to try to read */
  res = wabiz_db_query_sync (app,
                             "WITH l AS (INSERT INTO leads (phone, name) VALUES ('16315551234', 'Maria') RETURNING id)"
                             " INSERT INTO messages (phone, message, direction, lead_id)"
                             " SELECT '16315551234', 'secret order details', 'inbound', id FROM l",
                             0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* the app itself sees its rows (RLS does not apply to the owner) */
  res = wabiz_db_query_sync (app, "SELECT count(*) AS n FROM messages", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, 1);
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* anon, as PostgREST would act for the public key, reads nothing */
  res = wabiz_db_query_sync (admin_app,
                             "SELECT relname FROM pg_class"
                             " WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1",
                             0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), >=, 8);

  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      const char *table = wabiz_db_result_get (res, i, "relname");
      g_autoptr(GError) anon_error = NULL;
      gpointer rows = NULL;

      g_assert_true (wabiz_db_run_sync (admin_app, read_as_anon_job, (gpointer) table, NULL,
                                        &rows, &anon_error));
      g_assert_no_error (anon_error);
      g_test_message ("anon reading %s: %s", table,
                      GPOINTER_TO_INT (rows) < 0 ? "permission denied" : "rows hidden by RLS");
      /* either refused outright or every row hidden */
      g_assert_cmpint (GPOINTER_TO_INT (rows), <=, 0);
    }
  g_clear_pointer (&res, wabiz_db_result_unref);

  wabiz_db_close (app);
  wabiz_db_close (admin);
  wabiz_db_close (admin_app);
  wabiz_pg_server_stop (server, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/supabase/migrate-tls-and-anon-reads-nothing", test_supabase_like);

  return g_test_run ();
}
