/* test-db.c: the database layer against a real PostgreSQL
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "wabiz-db.h"
#include "wabiz-db-listener.h"
#include "wabiz-test-pg.h"

static WabizDbResult *
query (WabizDb            *db,
       const char         *sql,
       int                 n_params,
       const char * const *params,
       GCancellable       *cancellable,
       GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_db_query_async (db, sql, n_params, params, cancellable,
                        wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  return wabiz_db_query_finish (db, result, error);
}

static void
test_query (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  const char *params[] = { "41", NULL, "O'Brien; DROP TABLE x" };

  res = query (db, "SELECT $1::int + 1 AS answer, $2::text AS nothing, $3::text AS text",
               3, params, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "answer"), ==, 42);
  g_assert_null (wabiz_db_result_get (res, 0, "nothing"));
  /* parameters are values, never SQL */
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "text"), ==, "O'Brien; DROP TABLE x");
}

static void
test_errors (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = query (db, "SELEC 1", 0, NULL, NULL, &error);
  g_assert_null (res);
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_QUERY);
  g_assert_nonnull (strstr (error->message, "42601"));
  g_clear_error (&error);

  res = query (db, "CREATE TABLE u (k text UNIQUE)", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = query (db, "INSERT INTO u VALUES ('a')", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_db_result_get_n_affected (res), ==, 1);
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = query (db, "INSERT INTO u VALUES ('a')", 0, NULL, NULL, &error);
  g_assert_null (res);
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_CONSTRAINT);
}

typedef struct
{
  WabizDb      *holder;
  GAsyncResult *unlocked;
  gboolean      turned;
} LoopCheck;

static gboolean
release_lock_cb (gpointer user_data)
{
  LoopCheck *check = user_data;

  check->turned = TRUE;
  wabiz_db_query_async (check->holder, "SELECT pg_advisory_unlock(4242) AS released", 0, NULL, NULL,
                        wabiz_test_store_result_cb, &check->unlocked);
  return G_SOURCE_REMOVE;
}

/* The main loop keeps turning while a slow query runs: the query waits
 * for a lock that only a callback of the main loop releases, so it can
 * only ever finish if the loop was free while it waited. */
static void
test_main_loop_free (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr(WabizDb) holder = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizDbResult) held = NULL;
  g_autoptr(WabizDbResult) released = NULL;
  g_autoptr(GError) error = NULL;
  LoopCheck check = { holder, NULL, FALSE };

  held = query (holder, "SELECT pg_advisory_lock(4242)", 0, NULL, NULL, &error);
  g_assert_no_error (error);

  wabiz_db_query_async (db, "SELECT pg_advisory_lock(4242), 'waited' AS s", 0, NULL, NULL,
                        wabiz_test_store_result_cb, &result);
  /* the call returned at once: nothing ran yet */
  g_assert_null (result);
  g_idle_add (release_lock_cb, &check);
  wabiz_test_wait_result (&result, 60);

  /* the lock was released from the loop, and only then the query ended */
  g_assert_true (check.turned);
  res = wabiz_db_query_finish (db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "s"), ==, "waited");
  wabiz_test_wait_result (&check.unlocked, 60);
  released = wabiz_db_query_finish (holder, check.unlocked, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wabiz_db_result_get (released, 0, "released"), ==, "t");
  g_clear_object (&check.unlocked);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizDbResult) warm = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  /* connect first, so that the cancel has a backend to talk to */
  warm = query (db, "SELECT 1", 0, NULL, NULL, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  g_timeout_add (200, cancel_cb, cancellable);
  res = query (db, "SELECT pg_sleep(60)", 0, NULL, cancellable, &error);
  g_assert_null (res);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* cancelled on the server, not waited out */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
}

/* the server ends backend @pid, as on a restart or an idle timeout */
static void
terminate_backend (WabizDb    *admin,
                   const char *pid)
{
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = query (admin, "SELECT pg_terminate_backend($1::int) AS ok", 1,
               (const char *[]) { pid }, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wabiz_db_result_get_bool (res, 0, "ok"));
}

static void
test_reconnect (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDb) admin = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = NULL;
  g_autofree char *pid2 = NULL;

  res = query (db, "SELECT pg_backend_pid()::text AS pid", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  pid = g_strdup (wabiz_db_result_get (res, 0, "pid"));
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* the server drops the connection, as on a restart or an idle timeout */
  terminate_backend (admin, pid);

  res = query (db, "SELECT pg_backend_pid()::text AS pid", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  pid2 = g_strdup (wabiz_db_result_get (res, 0, "pid"));
  g_assert_cmpstr (pid, !=, pid2);
}

/* a job that runs one prepared statement, with task data as its parameter */
static void
prepared_job (WabizDb      *db,
              WabizDbConn  *conn,
              GTask        *task,
              gpointer      task_data,
              GCancellable *cancellable)
{
  const char *params[] = { task_data };
  GError *error = NULL;
  WabizDbResult *res = wabiz_db_conn_exec_prepared (conn,
                                                    "SELECT ($1::int * 2)::text AS twice,"
                                                    " pg_backend_pid()::text AS pid,"
                                                    " (SELECT count(*) FROM pg_prepared_statements)::text AS n",
                                                    1, params, &error);

  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, res, (GDestroyNotify) wabiz_db_result_unref);
}

static WabizDbResult *
run_prepared (WabizDb     *db,
              const char  *value,
              GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GTask) task = g_task_new (NULL, NULL, wabiz_test_store_result_cb, &result);

  g_task_set_task_data (task, g_strdup (value), g_free);
  wabiz_db_run_in_thread (db, task, prepared_job);
  g_clear_object (&task);
  wabiz_test_wait_result (&result, 60);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* prepared once per connection, run again with other values, and
 * prepared anew on the connection that replaces a dropped one */
static void
test_prepared (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDb) admin = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = NULL;

  for (int i = 1; i <= 7; i++)
    {
      g_autofree char *value = g_strdup_printf ("%d", i);
      g_autofree char *twice = g_strdup_printf ("%d", 2 * i);

      g_clear_pointer (&res, wabiz_db_result_unref);
      res = run_prepared (db, value, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (wabiz_db_result_get (res, 0, "twice"), ==, twice);
      /* one statement on the connection, however often it runs */
      g_assert_cmpstr (wabiz_db_result_get (res, 0, "n"), ==, "1");
    }
  pid = g_strdup (wabiz_db_result_get (res, 0, "pid"));
  g_clear_pointer (&res, wabiz_db_result_unref);

  terminate_backend (admin, pid);

  res = run_prepared (db, "21", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "twice"), ==, "42");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "pid"), !=, pid);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "n"), ==, "1");
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* a statement the server refuses is an error, and nothing is kept */
  res = run_prepared (db, "not a number", &error);
  g_assert_null (res);
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_QUERY);
  g_clear_error (&error);
  res = run_prepared (db, "5", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "twice"), ==, "10");
}

static void
test_server_down (void)
{
  g_autoptr(WabizPgServer) server = wabiz_test_pg_server_new ();
  g_autoptr(WabizDb) db = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;

  g_assert_true (wabiz_pg_server_start (server, &error));
  g_assert_no_error (error);
  conninfo = wabiz_pg_server_dup_conninfo (server, "postgres");
  db = wabiz_db_new (conninfo, NULL, 2);

  res = query (db, "SELECT 1 AS one", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&res, wabiz_db_result_unref);

  g_assert_true (wabiz_pg_server_stop (server, &error));
  g_assert_no_error (error);

  /* a clear error, not a crash, and not a hang */
  res = query (db, "SELECT 1 AS one", 0, NULL, NULL, &error);
  g_assert_null (res);
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE);
  g_test_message ("error while down: %s", error->message);
  g_clear_error (&error);

  /* and it comes back by itself when the server does */
  g_assert_true (wabiz_pg_server_start (server, &error));
  g_assert_no_error (error);
  res = query (db, "SELECT 1 AS one", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "one"), ==, 1);

  wabiz_db_close (db);
  wabiz_pg_server_stop (server, NULL);
}

static void
test_bad_conninfo (void)
{
  g_autofree char *password = wabiz_test_random_password ();
  g_autoptr(WabizDb) db = wabiz_db_new ("host=/nonexistent-wabiz port=1 dbname=x", password, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = query (db, "SELECT 1", 0, NULL, NULL, &error);
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE);
  /* the password never shows in an error */
  g_assert_null (strstr (error->message, password));
  g_assert_null (strstr (wabiz_db_get_description (db), password));
}

typedef struct
{
  guint  n_notifications;
  char  *last_payload;
  guint  n_reconnected;
} ListenData;

static void
notification_cb (WabizDbListener *listener,
                 const char      *channel,
                 const char      *payload,
                 ListenData      *data)
{
  data->n_notifications++;
  g_free (data->last_payload);
  data->last_payload = g_strdup (payload);
}

static void
reconnected_cb (WabizDbListener *listener,
                ListenData      *data)
{
  data->n_reconnected++;
}

static gboolean
listener_connected (gpointer data)
{
  return wabiz_db_listener_get_connected (data);
}

static gboolean
got_notifications (gpointer data)
{
  ListenData *ld = g_object_get_data (data, "ld");
  guint want = GPOINTER_TO_UINT (g_object_get_data (data, "want"));

  return ld->n_notifications >= want;
}

static gboolean
got_reconnect (gpointer data)
{
  ListenData *ld = g_object_get_data (data, "ld");

  return ld->n_reconnected > 0;
}

static void
test_listener (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbListener) listener = wabiz_db_listener_new (conninfo, NULL, "wabiz");
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  ListenData data = { 0 };

  g_signal_connect (listener, "notification", G_CALLBACK (notification_cb), &data);
  g_signal_connect (listener, "reconnected", G_CALLBACK (reconnected_cb), &data);
  g_object_set_data (G_OBJECT (listener), "ld", &data);
  wabiz_db_listener_start (listener);
  wabiz_test_wait_until (listener_connected, listener, 30);

  res = query (db, "SELECT pg_notify('wabiz', 'hello')", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&res, wabiz_db_result_unref);
  g_object_set_data (G_OBJECT (listener), "want", GUINT_TO_POINTER (1));
  wabiz_test_wait_until (got_notifications, listener, 30);
  g_assert_cmpstr (data.last_payload, ==, "hello");

  /* the server drops the LISTEN connection: it comes back and says so */
  res = query (db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   "WHERE application_name = 'wabiz-listen' AND datname = current_database()",
               0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&res, wabiz_db_result_unref);
  wabiz_test_wait_until (got_reconnect, listener, 30);

  res = query (db, "SELECT pg_notify('wabiz', 'again')", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_object_set_data (G_OBJECT (listener), "want", GUINT_TO_POINTER (2));
  wabiz_test_wait_until (got_notifications, listener, 30);
  g_assert_cmpstr (data.last_payload, ==, "again");

  g_signal_handlers_disconnect_by_data (listener, &data);
  g_free (data.last_payload);
}

/* transactions */

typedef enum
{
  STEP_INSERT,      /* inserts 1 and 2 into t */
  STEP_BAD_ROW,     /* inserts 3, then a row the table refuses */
  STEP_GIVE_UP,     /* inserts 4, then fails with its own error */
  STEP_LATE_CLASH,  /* breaks a constraint checked only at COMMIT */
} Step;

static gboolean
step_in_transaction (WabizDbConn  *conn,
                     gpointer      data,
                     GError      **error)
{
  Step step = GPOINTER_TO_INT (data);
  g_autoptr(WabizDbResult) res = NULL;

  switch (step)
    {
    case STEP_INSERT:
      res = wabiz_db_conn_exec (conn, "INSERT INTO t (k, v) VALUES (1, 1), (2, 2)", 0, NULL, error);
      return res != NULL;
    case STEP_BAD_ROW:
      res = wabiz_db_conn_exec (conn, "INSERT INTO t (k, v) VALUES (3, 3)", 0, NULL, error);
      g_assert_nonnull (res);
      g_clear_pointer (&res, wabiz_db_result_unref);
      res = wabiz_db_conn_exec (conn, "INSERT INTO t (k, v) VALUES (5, -5)", 0, NULL, error);
      return res != NULL;
    case STEP_GIVE_UP:
      res = wabiz_db_conn_exec (conn, "INSERT INTO t (k, v) VALUES (4, 4)", 0, NULL, error);
      g_assert_nonnull (res);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "given up");
      return FALSE;
    case STEP_LATE_CLASH:
      res = wabiz_db_conn_exec (conn, "INSERT INTO t (k, v) VALUES (6, 6), (7, 6)", 0, NULL, error);
      return res != NULL;
    default:
      g_assert_not_reached ();
    }
}

typedef struct
{
  Step     step;
  gboolean ok;
  GError  *error;
} StepRun;

static void
step_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  StepRun *run = task_data;

  run->ok = wabiz_db_conn_transaction (conn, step_in_transaction, GINT_TO_POINTER (run->step),
                                       &run->error);
  /* the pool warns about a job that leaves a transaction open */
  g_task_return_pointer (task, NULL, NULL);
}

static gboolean
run_step (WabizDb  *db,
          Step      step,
          GError  **error)
{
  StepRun run = { step, FALSE, NULL };

  g_assert_true (wabiz_db_run_sync (db, step_job, &run, NULL, NULL, NULL));
  if (run.error != NULL)
    g_propagate_error (error, run.error);
  return run.ok;
}

static char *
keys_of_t (WabizDb *db)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = query (db, "SELECT coalesce(string_agg(k::text, ',' ORDER BY k), '') AS k FROM t",
                                        0, NULL, NULL, &error);

  g_assert_no_error (error);
  return g_strdup (wabiz_db_result_get (res, 0, "k"));
}

/* wabiz_db_conn_transaction() keeps all of a transaction or none of it,
 * and says why when none. */
static void
test_transaction (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *keys = NULL;

  /* no two rows with the same v, checked only at COMMIT */
  res = query (db, "CREATE TABLE t (k int PRIMARY KEY, v int CHECK (v > 0),"
                   " CONSTRAINT v_once UNIQUE (v) DEFERRABLE INITIALLY DEFERRED)",
               0, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (run_step (db, STEP_INSERT, &error));
  g_assert_no_error (error);
  keys = keys_of_t (db);
  g_assert_cmpstr (keys, ==, "1,2");
  g_clear_pointer (&keys, g_free);

  /* a statement fails: its error, and the row before it is gone too */
  g_assert_false (run_step (db, STEP_BAD_ROW, &error));
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_CONSTRAINT);
  g_clear_error (&error);
  keys = keys_of_t (db);
  g_assert_cmpstr (keys, ==, "1,2");
  g_clear_pointer (&keys, g_free);

  /* the function gives up with an error of its own: that error */
  g_assert_false (run_step (db, STEP_GIVE_UP, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  keys = keys_of_t (db);
  g_assert_cmpstr (keys, ==, "1,2");
  g_clear_pointer (&keys, g_free);

  /* the COMMIT fails: its error, nothing kept; and the pool's only
   * connection, out of the transaction, answered each read since */
  g_assert_false (run_step (db, STEP_LATE_CLASH, &error));
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_CONSTRAINT);
  g_clear_error (&error);
  keys = keys_of_t (db);
  g_assert_cmpstr (keys, ==, "1,2");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/db/query", test_query);
  g_test_add_func ("/db/errors", test_errors);
  g_test_add_func ("/db/main-loop-free", test_main_loop_free);
  g_test_add_func ("/db/cancel", test_cancel);
  g_test_add_func ("/db/reconnect", test_reconnect);
  g_test_add_func ("/db/prepared", test_prepared);
  g_test_add_func ("/db/server-down", test_server_down);
  g_test_add_func ("/db/bad-conninfo", test_bad_conninfo);
  g_test_add_func ("/db/listener", test_listener);
  g_test_add_func ("/db/transaction", test_transaction);

  return g_test_run ();
}
