/* test-embedded-pg.c: the built-in database's life cycle
 *
 * SPDX-License-Identifier: MIT
 *
 * Run as root (CI) the cluster runs as the postgres user, and the
 * /embedded/as-normal-user case re-runs the life cycle as "nobody" with
 * the default XDG folders. Run as a normal user, everything runs as that
 * user and the root case is skipped.
 */

#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wabiz-db.h"
#include "wabiz-embedded-pg.h"
#include "wabiz-test-pg.h"

static char *
query_one (const char *conninfo,
           const char *sql)
{
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  wabiz_db_query_async (db, sql, 0, NULL, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  res = wabiz_db_query_finish (db, result, &error);
  g_assert_no_error (error);
  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static char *
acquire (WabizEmbeddedPg *pg)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *conninfo;

  wabiz_embedded_pg_acquire_async (pg, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 120);
  conninfo = wabiz_embedded_pg_acquire_finish (pg, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (conninfo);
  return conninfo;
}

static void
check_life_cycle (const char *data_dir,
                  const char *socket_dir)
{
  g_autoptr(WabizEmbeddedPg) first = wabiz_embedded_pg_new (data_dir, socket_dir);
  g_autoptr(WabizEmbeddedPg) second = wabiz_embedded_pg_new (data_dir, socket_dir);
  WabizPgServer *server = wabiz_embedded_pg_get_server (first);
  g_autofree char *conninfo = NULL;
  g_autofree char *conninfo2 = NULL;
  g_autofree char *version = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *socket_file = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid;

  /* init + start on first use */
  conninfo = acquire (first);
  g_assert_true (wabiz_pg_server_is_running (server));
  version = g_build_filename (wabiz_pg_server_get_data_dir (server), "PG_VERSION", NULL);
  g_assert_true (g_file_test (version, G_FILE_TEST_EXISTS));

  /* over the unix socket only, never TCP */
  socket_file = g_build_filename (wabiz_pg_server_get_socket_dir (server), ".s.PGSQL.5432", NULL);
  g_assert_true (g_file_test (socket_file, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (conninfo, wabiz_pg_server_get_socket_dir (server)));
  listen = query_one (conninfo, "SHOW listen_addresses");
  g_assert_cmpstr (listen, ==, "");
  g_free (query_one (conninfo, "CREATE TABLE shared_check (v text)"));

  /* never as root */
  pid = wabiz_pg_server_get_pid (server);
  g_assert_cmpint (pid, >, 0);
  {
    g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", pid);
    g_autofree char *status = NULL;

    if (g_file_get_contents (status_path, &status, NULL, NULL))
      {
        const char *uid = strstr (status, "\nUid:");
        g_assert_nonnull (uid);
        g_assert_false (g_str_has_prefix (uid, "\nUid:\t0\t"));
      }
  }

  /* a second client shares the same server */
  conninfo2 = acquire (second);
  g_assert_cmpint (wabiz_pg_server_get_pid (wabiz_embedded_pg_get_server (second)), ==, pid);
  g_free (query_one (conninfo2, "INSERT INTO shared_check VALUES ('seen by both') RETURNING v"));
  g_assert_cmpuint (wabiz_embedded_pg_count_users (first), ==, 2);

  /* the first leaves: still running for the second */
  g_assert_true (wabiz_embedded_pg_release (first, &error));
  g_assert_no_error (error);
  g_assert_true (wabiz_pg_server_is_running (server));
  {
    g_autofree char *v = query_one (conninfo2, "SELECT v FROM shared_check");
    g_assert_cmpstr (v, ==, "seen by both");
  }

  /* the last leaves: stopped */
  g_assert_true (wabiz_embedded_pg_release (second, &error));
  g_assert_no_error (error);
  g_assert_false (wabiz_pg_server_is_running (server));
}

static void
test_life_cycle (void)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzemb");
  /* parents that do not exist yet, like /var/lib/wabiz for root: the
   * server's user must still get through them */
  g_autofree char *data = g_build_filename (dir, "var", "lib", "wabiz", "postgres", NULL);
  g_autofree char *sock = g_build_filename (dir, "run", "wabiz", NULL);

  check_life_cycle (data, sock);
  wabiz_test_rm_rf (dir);
}

/* The process using it crashed, and the postmaster was killed too: the
 * next start finds a stale postmaster.pid and a stale user file, and copes. */
static void
test_crash_recovery (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  g_autofree char *sock = NULL;
  g_autoptr(WabizEmbeddedPg) again = NULL;
  g_autofree char *conninfo = NULL;
  g_autofree char *pid_file = NULL;
  g_autofree char *one = NULL;
  g_autoptr(GError) error = NULL;

  if (g_test_subprocess ())
    {
      WabizEmbeddedPg *pg;
      GPid pid;

      dir = g_strdup (g_getenv ("WABIZ_TEST_EMB_DIR"));
      data = g_build_filename (dir, "data", NULL);
      sock = g_build_filename (dir, "run", NULL);
      pg = wabiz_embedded_pg_new (data, sock);
      conninfo = acquire (pg);
      g_free (query_one (conninfo, "CREATE TABLE survives (v int)"));
      g_free (query_one (conninfo, "INSERT INTO survives VALUES (7)"));
      pid = wabiz_pg_server_get_pid (wabiz_embedded_pg_get_server (pg));
      g_assert_cmpint (pid, >, 0);
      {
        /* wait for the kill to take effect: the pidfd turns readable
         * when the process has terminated */
        int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

        g_assert_cmpint (pidfd, >=, 0);
        g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
        g_assert_cmpint (poll (&pfd, 1, 60000), ==, 1);
        close (pidfd);
      }
      /* die without releasing anything */
      _exit (0);
    }

  dir = wabiz_test_make_tmpdir ("wzemb");
  data = g_build_filename (dir, "data", NULL);
  sock = g_build_filename (dir, "run", NULL);
  g_setenv ("WABIZ_TEST_EMB_DIR", dir, TRUE);
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  pid_file = g_build_filename (data, "postmaster.pid", NULL);
  g_assert_true (g_file_test (pid_file, G_FILE_TEST_EXISTS));

  again = wabiz_embedded_pg_new (data, sock);
  conninfo = acquire (again);
  one = query_one (conninfo, "SELECT v::text FROM survives");
  g_assert_cmpstr (one, ==, "7");
  /* the crashed process no longer counts */
  g_assert_cmpuint (wabiz_embedded_pg_count_users (again), ==, 1);

  g_assert_true (wabiz_embedded_pg_release (again, &error));
  g_assert_no_error (error);
  g_assert_false (wabiz_pg_server_is_running (wabiz_embedded_pg_get_server (again)));
  wabiz_test_rm_rf (dir);
}

static void
test_missing_server (void)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzemb");
  g_autoptr(GError) error = NULL;
  char *bindir;

  g_setenv ("WABIZ_PG_BINDIR", dir, TRUE);
  bindir = wabiz_pg_server_find_bindir (&error);
  g_unsetenv ("WABIZ_PG_BINDIR");

  g_assert_null (bindir);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "WABIZ_PG_BINDIR"));
  wabiz_test_rm_rf (dir);
}

/* The whole life cycle again as an unprivileged user with the default
 * folders from XDG_DATA_HOME and XDG_RUNTIME_DIR. */
static void
test_as_normal_user (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *xdg_data = NULL;
  g_autofree char *xdg_runtime = NULL;
  g_autofree char *self_exe = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  struct passwd *pw;
  int status = 0;

  if (g_getenv ("WABIZ_TEST_CHILD") != NULL)
    {
      g_autofree char *data = g_build_filename (g_get_user_data_dir (), "wabiz", "postgres", NULL);
      g_autoptr(WabizEmbeddedPg) pg = wabiz_embedded_pg_new (NULL, NULL);
      WabizPgServer *server = wabiz_embedded_pg_get_server (pg);

      g_assert_cmpstr (wabiz_pg_server_get_data_dir (server), ==, data);
      g_assert_true (g_str_has_prefix (wabiz_pg_server_get_socket_dir (server), g_get_user_runtime_dir ()));
      g_assert_null (wabiz_pg_server_get_run_as (server));
      check_life_cycle (NULL, NULL);
      return;
    }

  /* as root, the child runs as "nobody"; as a normal user, as that user,
   * in folders of its own in both cases */
  pw = geteuid () == 0 ? getpwnam ("nobody") : NULL;
  g_assert_true (geteuid () != 0 || pw != NULL);
  dir = wabiz_test_make_tmpdir ("wzusr");
  xdg_data = g_build_filename (dir, "data", NULL);
  xdg_runtime = g_build_filename (dir, "run", NULL);
  g_mkdir (xdg_data, 0700);
  g_mkdir (xdg_runtime, 0700);
  if (pw != NULL)
    {
      g_assert_cmpint (chown (xdg_data, pw->pw_uid, pw->pw_gid), ==, 0);
      g_assert_cmpint (chown (xdg_runtime, pw->pw_uid, pw->pw_gid), ==, 0);
    }

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  env = g_get_environ ();
  env = g_environ_setenv (env, "WABIZ_TEST_CHILD", "1", TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", xdg_data, TRUE);
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", xdg_runtime, TRUE);
  env = g_environ_setenv (env, "HOME", dir, TRUE);
  env = g_environ_unsetenv (env, "WABIZ_TEST_PG");

  {
    g_autofree char *reuid = pw ? g_strdup_printf ("--reuid=%u", pw->pw_uid) : NULL;
    g_autofree char *regid = pw ? g_strdup_printf ("--regid=%u", pw->pw_gid) : NULL;
    const char *as_nobody[] = { "setpriv", reuid, regid, "--clear-groups", self_exe,
                                "-p", "/embedded/as-normal-user", "--tap", NULL };
    const char *as_self[] = { self_exe, "-p", "/embedded/as-normal-user", "--tap", NULL };

    g_spawn_sync (dir, (char **) (pw ? as_nobody : as_self), env, G_SPAWN_SEARCH_PATH, NULL, NULL,
                  &out, &err, &status, &error);
  }
  g_assert_no_error (error);
  g_test_message ("child: %s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "ok 1 /embedded/as-normal-user"));
  g_assert_null (strstr (out, "not ok"));
  wabiz_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/embedded/as-normal-user", test_as_normal_user);
  g_test_add_func ("/embedded/life-cycle", test_life_cycle);
  g_test_add_func ("/embedded/crash-recovery", test_crash_recovery);
  g_test_add_func ("/embedded/missing-server", test_missing_server);

  return g_test_run ();
}
