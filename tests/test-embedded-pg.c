/* test-embedded-pg.c: the built-in database's life cycle
 *
 * SPDX-License-Identifier: MIT
 *
 * Run as root (CI) the cluster runs as WaBiz's own "wabiz-pg" user, and
 * the /embedded/as-normal-user case re-runs the life cycle as "nobody"
 * with the default XDG folders. Run as a normal user, everything runs as
 * that user and the root cases are skipped.
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

/* In this test's environment, and so in the environment of whatever it
 * starts, unless that is cleaned: the server must not see it. */
#define ENV_MARKER "WABIZ_TEST_ENV_MARKER"
#define ENV_MARKER_VALUE "secret-for-wabizd-only-4c1e"

/* Whether /proc/@pid/environ holds @name (FALSE when it cannot be read:
 * then the caller's g_assert on readability fails first). */
static gboolean
environ_has (GPid        pid,
             const char *name,
             gboolean   *readable)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/environ", pid);
  g_autofree char *contents = NULL;
  g_autofree char *prefix = g_strconcat (name, "=", NULL);
  gsize len = 0;

  *readable = g_file_get_contents (path, &contents, &len, NULL);
  if (!*readable)
    return FALSE;
  for (gsize i = 0; i < len; i += strlen (contents + i) + 1)
    if (g_str_has_prefix (contents + i, prefix))
      return TRUE;
  return FALSE;
}

static uid_t
pid_uid (GPid pid)
{
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  const char *uid;

  g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
  uid = strstr (status, "\nUid:");
  g_assert_nonnull (uid);
  return (uid_t) g_ascii_strtoull (uid + strlen ("\nUid:"), NULL, 10);
}

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

  /* with a clean environment: nothing set for WaBiz leaks into it */
  {
    gboolean readable = FALSE;

    g_assert_cmpstr (g_getenv (ENV_MARKER), ==, ENV_MARKER_VALUE);
    if (environ_has (pid, ENV_MARKER, &readable))
      g_error ("the server's environment holds %s, from the process that started it", ENV_MARKER);
    g_assert_true (readable);
    /* what it needs is there */
    g_assert_true (environ_has (pid, "PATH", &readable));
  }

  /* as root: as WaBiz's own account, not Debian's shared "postgres" */
  if (geteuid () == 0)
    {
      struct passwd *pw = getpwnam ("wabiz-pg");

      g_assert_cmpstr (wabiz_pg_server_get_run_as (server), ==, "wabiz-pg");
      g_assert_nonnull (pw);
      g_assert_cmpuint (pid_uid (pid), ==, pw->pw_uid);
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

/* The socket folder belongs to the server's account (as root, another
 * user than ours): a link it plants where WaBiz opens a file there is
 * not followed. */
static void
test_no_symlinks (void)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzemb");
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *sock = g_build_filename (dir, "run", NULL);
  g_autofree char *elsewhere = g_build_filename (dir, "elsewhere", NULL);
  g_autofree char *target = g_build_filename (elsewhere, "created-through-link", NULL);
  g_autofree char *victim = g_build_filename (elsewhere, "passwd", NULL);
  g_autofree char *victim2 = g_build_filename (elsewhere, "1.0", NULL);
  g_autofree char *lock_link = g_build_filename (sock, "wabiz.lock", NULL);
  g_autofree char *users_link = g_build_filename (sock, "users", NULL);
  g_autoptr(WabizEmbeddedPg) pg = wabiz_embedded_pg_new (data, sock);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *conninfo;

  g_assert_cmpint (g_mkdir_with_parents (sock, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (elsewhere, 0755), ==, 0);
  g_assert_true (g_file_set_contents (victim, "root:x:0:0::/root:/bin/sh\n", -1, NULL));
  g_assert_true (g_file_set_contents (victim2, "", -1, NULL));

  /* the lock file: a link to a file that does not exist yet */
  g_assert_cmpint (symlink (target, lock_link), ==, 0);
  wabiz_embedded_pg_acquire_async (pg, NULL, wabiz_test_store_result_cb, &result);
  conninfo = wabiz_embedded_pg_acquire_finish (pg, wabiz_test_wait_result (&result, 120), &error);
  g_assert_null (conninfo);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, lock_link));
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (wabiz_embedded_pg_count_users (pg), ==, 0);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpint (g_unlink (lock_link), ==, 0);

  /* the users folder: a link to a folder whose files WaBiz would count
   * and prune (remove all that are not a live process's) */
  g_assert_cmpint (symlink (elsewhere, users_link), ==, 0);
  g_assert_cmpuint (wabiz_embedded_pg_count_users (pg), ==, 0);
  g_assert_true (g_file_test (victim, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (victim2, G_FILE_TEST_EXISTS));
  wabiz_embedded_pg_acquire_async (pg, NULL, wabiz_test_store_result_cb, &result);
  conninfo = wabiz_embedded_pg_acquire_finish (pg, wabiz_test_wait_result (&result, 120), &error);
  g_assert_null (conninfo);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, users_link));
  g_assert_true (g_file_test (victim, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (victim2, G_FILE_TEST_EXISTS));
  {
    g_autoptr(GDir) listing = g_dir_open (elsewhere, 0, NULL);
    guint n = 0;

    while (g_dir_read_name (listing) != NULL)
      n++;
    /* nothing added there either */
    g_assert_cmpuint (n, ==, 2);
  }
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpint (g_unlink (users_link), ==, 0);

  /* with the links gone it works, and leaves nothing running */
  conninfo = acquire (pg);
  g_free (conninfo);
  g_assert_true (wabiz_embedded_pg_release (pg, &error));
  g_assert_no_error (error);
  g_assert_false (wabiz_pg_server_is_running (wabiz_embedded_pg_get_server (pg)));
  wabiz_test_rm_rf (dir);
}

/* postmaster.pid lives in the data folder, the server's account's: a link
 * there is not taken for the server's pid file */
static void
test_pid_file_link (void)
{
  g_autoptr(WabizPgServer) real = wabiz_test_pg_server_new ();
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzemb");
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *sock = g_build_filename (dir, "run", NULL);
  g_autofree char *pid_link = g_build_filename (data, "postmaster.pid", NULL);
  g_autofree char *real_pid_file = NULL;
  g_autoptr(WabizPgServer) fake = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (wabiz_pg_server_start (real, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_pg_server_get_pid (real), >, 0);
  real_pid_file = g_build_filename (wabiz_pg_server_get_data_dir (real), "postmaster.pid", NULL);

  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_assert_cmpint (symlink (real_pid_file, pid_link), ==, 0);
  fake = wabiz_pg_server_new (data, sock);
  g_assert_cmpint (wabiz_pg_server_get_pid (fake), ==, 0);
  g_assert_false (wabiz_pg_server_is_running (fake));

  g_assert_true (wabiz_pg_server_stop (real, &error));
  g_assert_no_error (error);
  wabiz_test_rm_rf (dir);
}

/* A cluster made as root by an earlier WaBiz belongs to Debian's
 * "postgres": it is given to wabiz-pg and opens with its data. */
static void
test_run_as_migration (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *conninfo = NULL;
  g_autofree char *value = NULL;
  g_autoptr(WabizEmbeddedPg) old = NULL;
  g_autoptr(WabizEmbeddedPg) now = NULL;
  g_autoptr(GError) error = NULL;
  struct passwd *postgres;
  struct passwd *wabiz_pg;
  struct stat st;

  if (geteuid () != 0)
    {
      g_test_skip ("Only root runs the server as another user");
      return;
    }
  if (getpwnam ("postgres") == NULL)
    {
      g_test_skip ("No “postgres” user here, so no cluster of an earlier WaBiz can belong to it");
      return;
    }

  dir = wabiz_test_make_tmpdir ("wzemb");
  data = g_build_filename (dir, "data", NULL);
  sock = g_build_filename (dir, "run", NULL);

  /* as an earlier WaBiz did */
  g_setenv ("WABIZ_PG_USER", "postgres", TRUE);
  old = wabiz_embedded_pg_new (data, sock);
  g_unsetenv ("WABIZ_PG_USER");
  g_assert_cmpstr (wabiz_pg_server_get_run_as (wabiz_embedded_pg_get_server (old)), ==, "postgres");
  conninfo = acquire (old);
  g_free (query_one (conninfo, "CREATE TABLE kept (v text)"));
  g_free (query_one (conninfo, "INSERT INTO kept VALUES ('from before')"));
  g_assert_true (wabiz_embedded_pg_release (old, &error));
  g_assert_no_error (error);
  g_clear_pointer (&conninfo, g_free);
  postgres = getpwnam ("postgres");
  g_assert_cmpint (stat (data, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, postgres->pw_uid);

  now = wabiz_embedded_pg_new (data, sock);
  g_assert_cmpstr (wabiz_pg_server_get_run_as (wabiz_embedded_pg_get_server (now)), ==, "wabiz-pg");
  conninfo = acquire (now);
  value = query_one (conninfo, "SELECT v FROM kept");
  g_assert_cmpstr (value, ==, "from before");
  wabiz_pg = getpwnam ("wabiz-pg");
  g_assert_nonnull (wabiz_pg);
  g_assert_cmpuint (pid_uid (wabiz_pg_server_get_pid (wabiz_embedded_pg_get_server (now))), ==,
                    wabiz_pg->pw_uid);
  g_assert_cmpint (stat (data, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, wabiz_pg->pw_uid);
  {
    g_autofree char *version = g_build_filename (data, "PG_VERSION", NULL);

    g_assert_cmpint (stat (version, &st), ==, 0);
    g_assert_cmpuint (st.st_uid, ==, wabiz_pg->pw_uid);
  }
  g_assert_true (wabiz_embedded_pg_release (now, &error));
  g_assert_no_error (error);
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
  g_setenv (ENV_MARKER, ENV_MARKER_VALUE, TRUE);

  g_test_add_func ("/embedded/as-normal-user", test_as_normal_user);
  g_test_add_func ("/embedded/life-cycle", test_life_cycle);
  g_test_add_func ("/embedded/crash-recovery", test_crash_recovery);
  g_test_add_func ("/embedded/missing-server", test_missing_server);
  g_test_add_func ("/embedded/no-symlinks", test_no_symlinks);
  g_test_add_func ("/embedded/pid-file-link", test_pid_file_link);
  g_test_add_func ("/embedded/run-as-migration", test_run_as_migration);

  return g_test_run ();
}
