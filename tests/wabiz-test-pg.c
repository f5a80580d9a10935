/* wabiz-test-pg.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One PostgreSQL server for the whole test run: build-aux/dev test starts
 * it with wabiz-pg-harness and exports WABIZ_TEST_PG (a connection string
 * without dbname). A test program run on its own (meson test, gdb) starts
 * a private server instead, stopped when it exits. Each test gets its own
 * fresh database on it.
 */

#define G_LOG_DOMAIN "wabiz-test"

#include "config.h"

#include "wabiz-migrations.h"
#include "wabiz-test-pg.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *private_base;
static WabizPgServer *private_server;
static char *private_dir;

static void
stop_private_server (void)
{
  if (private_server != NULL)
    wabiz_pg_server_stop (private_server, NULL);
  g_clear_object (&private_server);
  if (private_dir != NULL)
    wabiz_test_rm_rf (private_dir);
  g_clear_pointer (&private_dir, g_free);
}

void
wabiz_test_rm_rf (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

char *
wabiz_test_make_tmpdir (const char *prefix)
{
  g_autofree char *template = g_strdup_printf ("/tmp/%s-XXXXXX", prefix);
  char *dir = g_mkdtemp (template);

  g_assert_nonnull (dir);
  /* the server's user (when we are root) must be able to pass through */
  chmod (dir, 0755);
  return g_strdup (dir);
}

GSocket *
wabiz_test_closed_port (guint16 *port)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  /* bound, never listening: connecting is refused */
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&socket);
}

char *
wabiz_test_random_password (void)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_strdup_printf ("pw-%.12s", uuid);
}

static void
remove_and_free (char *path)
{
  wabiz_test_rm_rf (path);
  g_free (path);
}

WabizPgServer *
wabiz_test_pg_server_new (void)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzpg");
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *sock = g_build_filename (dir, "s", NULL);
  WabizPgServer *server = wabiz_pg_server_new (data, sock);

  wabiz_pg_server_set_fast (server, TRUE);
  g_object_set_data_full (G_OBJECT (server), "test-dir", g_steal_pointer (&dir),
                          (GDestroyNotify) remove_and_free);
  return server;
}

static const char *
base_conninfo (void)
{
  const char *env = g_getenv ("WABIZ_TEST_PG");
  g_autoptr(GError) error = NULL;

  if (env != NULL && *env != '\0')
    return env;

  if (private_base != NULL)
    return private_base;

  private_dir = wabiz_test_make_tmpdir ("wzpg");
  {
    g_autofree char *data = g_build_filename (private_dir, "data", NULL);
    g_autofree char *sock = g_build_filename (private_dir, "s", NULL);

    private_server = wabiz_pg_server_new (data, sock);
    wabiz_pg_server_set_fast (private_server, TRUE);
    if (!wabiz_pg_server_start (private_server, &error))
      g_error ("Cannot start a PostgreSQL server for the tests: %s", error->message);
    atexit (stop_private_server);
    private_base = g_strdup_printf ("host='%s' port=5432 user=%s", sock, WABIZ_PG_ROLE);
  }

  return private_base;
}

char *
wabiz_test_pg_conninfo (const char *dbname)
{
  return g_strdup_printf ("%s dbname='%s'", base_conninfo (), dbname);
}

struct _WabizTestPgLock
{
  PGconn *conn;
};

static PGconn *
connect_or_fail (const char *conninfo)
{
  PGconn *pg = PQconnectdb (conninfo);

  if (PQstatus (pg) != CONNECTION_OK)
    g_error ("Cannot connect to the test server: %s", PQerrorMessage (pg));
  return pg;
}

static PGresult *
exec_or_fail (PGconn         *pg,
              const char     *sql,
              int             n_params,
              const char    **params,
              ExecStatusType  status)
{
  PGresult *res = PQexecParams (pg, sql, n_params, NULL, params, NULL, NULL, 0);

  if (PQresultStatus (res) != status)
    g_error ("%s: %s", sql, PQerrorMessage (pg));
  return res;
}

WabizTestPgLock *
wabiz_test_pg_lock (const char *conninfo,
                    const char *key)
{
  WabizTestPgLock *lock = g_new0 (WabizTestPgLock, 1);
  const char *params[] = { key };

  lock->conn = connect_or_fail (conninfo);
  PQclear (exec_or_fail (lock->conn, "BEGIN", 0, NULL, PGRES_COMMAND_OK));
  PQclear (exec_or_fail (lock->conn, "SELECT pg_advisory_xact_lock (hashtextextended ($1, 0))", 1,
                         params, PGRES_TUPLES_OK));
  return lock;
}

void
wabiz_test_pg_unlock (WabizTestPgLock *lock)
{
  PQclear (exec_or_fail (lock->conn, "COMMIT", 0, NULL, PGRES_COMMAND_OK));
  PQfinish (lock->conn);
  g_free (lock);
}

guint
wabiz_test_pg_n_waiting_for_lock (const char *conninfo)
{
  PGconn *pg = connect_or_fail (conninfo);
  PGresult *res = exec_or_fail (pg,
                                "SELECT count(*) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND wait_event = 'advisory'",
                                0, NULL, PGRES_TUPLES_OK);
  guint n = (guint) g_ascii_strtoull (PQgetvalue (res, 0, 0), NULL, 10);

  PQclear (res);
  PQfinish (pg);
  return n;
}

char *
wabiz_test_pg_new_database (void)
{
  static guint counter;
  g_autofree char *admin = wabiz_test_pg_conninfo ("postgres");
  g_autofree char *dbname = g_strdup_printf ("t_%d_%u_%u", getpid (), ++counter,
                                             g_random_int_range (0, 1000000));
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", dbname);
  PGconn *pg = connect_or_fail (admin);

  PQclear (exec_or_fail (pg, sql, 0, NULL, PGRES_COMMAND_OK));
  PQfinish (pg);

  return wabiz_test_pg_conninfo (dbname);
}

static void
seed_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  GError *error = NULL;

  if (wabiz_db_conn_exec_script (conn, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

char *
wabiz_test_pg_new_seeded_database (const char *seed_sql)
{
  char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (wabiz_migrations_apply_sync (db, NULL, &error));
  g_assert_no_error (error);
  if (seed_sql != NULL)
    {
      g_assert_true (wabiz_db_run_sync (db, seed_job, (gpointer) seed_sql, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  wabiz_db_close (db);
  return conninfo;
}

static gboolean
deadline_cb (gpointer user_data)
{
  WabizTestDeadline *deadline = user_data;

  deadline->expired = TRUE;
  deadline->source_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
recheck_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
wabiz_test_deadline_start (WabizTestDeadline *deadline,
                           guint              timeout_s)
{
  deadline->timeout_s = timeout_s;
  deadline->expired = FALSE;
  deadline->source_id = g_timeout_add_seconds (timeout_s, deadline_cb, deadline);
  deadline->recheck_id = g_timeout_add (100, recheck_cb, NULL);
}

void
wabiz_test_deadline_iterate (WabizTestDeadline *deadline,
                             const char        *file,
                             int                line,
                             const char        *what)
{
  if (deadline->expired)
    g_error ("%s:%d: timed out after %u s waiting for %s", file, line, deadline->timeout_s, what);
  g_main_context_iteration (NULL, TRUE);
}

void
wabiz_test_deadline_stop (WabizTestDeadline *deadline)
{
  g_clear_handle_id (&deadline->source_id, g_source_remove);
  g_clear_handle_id (&deadline->recheck_id, g_source_remove);
}

void
_wabiz_test_wait_until (gboolean (*predicate) (gpointer),
                        gpointer    data,
                        guint       timeout_s,
                        const char *file,
                        int         line,
                        const char *what)
{
  WabizTestDeadline deadline;

  wabiz_test_deadline_start (&deadline, timeout_s);
  while (!predicate (data))
    wabiz_test_deadline_iterate (&deadline, file, line, what);
  wabiz_test_deadline_stop (&deadline);
}

gboolean
_wabiz_test_flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

void
wabiz_test_store_result_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static gboolean
slot_is_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

GAsyncResult *
_wabiz_test_wait_result (GAsyncResult **slot,
                         guint          timeout_s,
                         const char    *file,
                         int            line,
                         const char    *what)
{
  _wabiz_test_wait_until (slot_is_set, slot, timeout_s, file, line, what);
  return *slot;
}
