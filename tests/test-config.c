/* test-config.c: the settings wabizd refuses at start, run against the
 * built wabizd: a database link that could be read or redirected on the
 * network, an env file that someone else could have written, and the
 * old service's .env that would have silently opened an empty database
 *
 * SPDX-License-Identifier: MIT
 *
 * Each case expects exit status 2 and a message that says what to do,
 * and none of the secrets in the environment on stderr. No case reaches
 * a database: the remote hosts below are checked before any connection
 * (their addresses are in TEST-NET-1, which nothing answers, should a
 * check ever let one through).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wabiz-test-pg.h"

#define APP_SECRET "wabiz-cfg-app-secret-71d2"
#define ACCESS_TOKEN "EAAG-cfg-access-token-0b5e"
#define VERIFY_TOKEN "verify-token-cfg-93c1"
#define API_KEY "rest-key-cfg-5e0f6a1b2c3d4e5f6a7b8c9d0e1f2a3b"
#define SUPABASE_KEY "sb-cfg-key-eyJhbGciOiJIUzI1NiJ9.c2VjcmV0"

/* A database nobody can reach: a case that is not refused at start ends
 * with status 1 when it tries to open it, never 2. */
#define UNREACHABLE_DB "host=/nonexistent/wabiz dbname=x connect_timeout=2"

static const char *secrets[] = { APP_SECRET, ACCESS_TOKEN, VERIFY_TOKEN, API_KEY, SUPABASE_KEY, NULL };

typedef struct
{
  int   status;
  char *err;   /* stderr */
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->err, g_free);
}

static char *
wabizd_path (void)
{
  return g_build_filename (g_getenv ("WABIZ_BUILD_DIR"), "src", "daemon", "wabizd", NULL);
}

/* The variables of a valid configuration, without the caller's
 * environment but with its PATH, locale and sanitizers' options. No
 * DATABASE_URL: each case sets its own. The built-in database is made
 * unusable (no server programs), so that a case that reached it would
 * fail at once with status 1 and start nothing. */
static GStrv
base_environ (const char *empty_dir)
{
  const char *keep[] = { "PATH", "LC_ALL", "HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                         "LSAN_OPTIONS", NULL };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GStrv env;

  for (guint i = 0; keep[i] != NULL; i++)
    {
      const char *value = g_getenv (keep[i]);

      if (value != NULL)
        {
          g_autofree char *pair = g_strdup_printf ("%s=%s", keep[i], value);

          g_strv_builder_add (builder, pair);
        }
    }
  env = g_strv_builder_end (builder);
  env = g_environ_setenv (env, "ACCESS_TOKEN", ACCESS_TOKEN, TRUE);
  env = g_environ_setenv (env, "PHONE_NUMBER_ID", "106540352242922", TRUE);
  env = g_environ_setenv (env, "WABA_ID", "108233722174550", TRUE);
  env = g_environ_setenv (env, "VERIFY_TOKEN", VERIFY_TOKEN, TRUE);
  env = g_environ_setenv (env, "APP_SECRET", APP_SECRET, TRUE);
  env = g_environ_setenv (env, "WABIZ_API_KEY", API_KEY, TRUE);
  env = g_environ_setenv (env, "WABIZ_GRAPH_URL", "http://127.0.0.1:9", TRUE);
  env = g_environ_setenv (env, "HOST", "127.0.0.1", TRUE);
  env = g_environ_setenv (env, "PORT", "0", TRUE);
  env = g_environ_setenv (env, "WABIZ_PG_BINDIR", empty_dir, TRUE);
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", empty_dir, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", empty_dir, TRUE);
  return env;
}

static void
communicated_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* Runs wabizd to its end (with a deadline); its status and stderr. */
static void
run_wabizd (Run                *run,
            const char * const *env,
            const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_environ (launcher, (char **) env);
  g_ptr_array_add (argv, wabizd_path ());
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  /* a wabizd that does not refuse keeps running: the deadline fails the
   * test, and the process is killed on the way out */
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, &result);
  wabiz_test_wait_result (&result, 120);
  g_subprocess_communicate_utf8_finish (process, result, NULL, &run->err, &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("wabizd exited with %d: %s", run->status, run->err);
}

static void
assert_no_secret (const char *text,
                  const char *more)
{
  for (guint i = 0; secrets[i] != NULL; i++)
    if (strstr (text, secrets[i]) != NULL)
      g_error ("wabizd printed a secret: %s", text);
  if (more != NULL && strstr (text, more) != NULL)
    g_error ("wabizd printed a secret: %s", text);
}

static void
assert_says (const Run  *run,
             const char *what)
{
  if (strstr (run->err, what) == NULL)
    g_error ("wabizd's message does not say “%s”: %s", what, run->err);
}

/* ------------------------------------------------------------------ */
/* DATABASE_URL to another computer: TLS with the server verified */

static void
test_database_url_plaintext (void)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzcfg");
  g_autofree char *password = wabiz_test_random_password ();
  g_autofree char *ca = g_build_filename (dir, "prod-ca-2021.crt", NULL);
  struct
  {
    const char *format;    /* %s: the password */
    gboolean    refused;
  } cases[] = {
    /* none, and each mode short of verify-full */
    { "postgresql://postgres.abcdefghijklmnop:%s@192.0.2.10:5432/postgres?connect_timeout=2", TRUE },
    { "postgresql://postgres:%s@192.0.2.10/postgres?sslmode=disable&connect_timeout=2", TRUE },
    { "host=db.example-ref.supabase.co hostaddr=192.0.2.10 password=%s sslmode=allow connect_timeout=2", TRUE },
    { "host=192.0.2.10 password=%s sslmode=prefer dbname=postgres connect_timeout=2", TRUE },
    { "host=192.0.2.10 password=%s sslmode=require dbname=postgres connect_timeout=2", TRUE },
    { "postgresql://postgres:%s@[2001:db8::10]:5432/postgres?sslmode=verify-ca&connect_timeout=2", TRUE },
    /* this computer: no TLS needed, so not refused (the database is not
     * there: status 1) */
    { "postgresql://postgres:%s@127.0.0.1:9/postgres?sslmode=disable&connect_timeout=2", FALSE },
    { "postgresql://postgres:%s@[::1]:9/postgres?connect_timeout=2", FALSE },
  };

  g_assert_true (g_file_set_contents (ca, "not used: nothing is reached\n", -1, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) env = base_environ (dir);
      g_autofree char *url = g_strdup_printf (cases[i].format, password);
      Run run = { 0 };

      env = g_environ_setenv (env, "DATABASE_URL", url, TRUE);
      run_wabizd (&run, (const char * const *) env, NULL);
      assert_no_secret (run.err, password);
      if (cases[i].refused)
        {
          g_assert_cmpint (run.status, ==, 2);
          assert_says (&run, "DATABASE_URL");
          assert_says (&run, "sslmode=verify-full");
          assert_says (&run, "sslrootcert=");
        }
      else
        {
          g_assert_cmpint (run.status, ==, 1);
          g_assert_null (strstr (run.err, "sslmode=verify-full"));
        }
      run_clear (&run);
    }

  /* verify-full, with a CA certificate that is not there: says where to
   * get Supabase's */
  {
    g_auto(GStrv) env = base_environ (dir);
    g_autofree char *url = g_strdup_printf ("postgresql://postgres:%s@192.0.2.10/postgres"
                                            "?sslmode=verify-full&sslrootcert=%s/missing.crt",
                                            password, dir);
    Run run = { 0 };

    env = g_environ_setenv (env, "DATABASE_URL", url, TRUE);
    run_wabizd (&run, (const char * const *) env, NULL);
    g_assert_cmpint (run.status, ==, 2);
    assert_says (&run, "missing.crt");
    assert_says (&run, "SSL Configuration");
    assert_no_secret (run.err, password);
    run_clear (&run);
  }

  /* verify-full with the CA: taken (and then the address answers
   * nothing: status 1, not 2) */
  {
    g_auto(GStrv) env = base_environ (dir);
    g_autofree char *url = g_strdup_printf ("host=192.0.2.10 dbname=postgres password=%s"
                                            " sslmode=verify-full sslrootcert=%s connect_timeout=1",
                                            password, ca);
    Run run = { 0 };

    env = g_environ_setenv (env, "DATABASE_URL", url, TRUE);
    run_wabizd (&run, (const char * const *) env, NULL);
    g_assert_cmpint (run.status, ==, 1);
    assert_no_secret (run.err, password);
    run_clear (&run);
  }

  wabiz_test_rm_rf (dir);
}

/* ------------------------------------------------------------------ */
/* --env-file: only its owner, the user running wabizd, reads or writes it */

static char *
write_env_file (const char *dir,
                const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path,
                                      "ACCESS_TOKEN=" ACCESS_TOKEN "\n"
                                      "PHONE_NUMBER_ID=106540352242922\n"
                                      "WABA_ID=108233722174550\n"
                                      "VERIFY_TOKEN=" VERIFY_TOKEN "\n"
                                      "APP_SECRET=" APP_SECRET "\n"
                                      "WABIZ_API_KEY=" API_KEY "\n"
                                      "DATABASE_URL=" UNREACHABLE_DB "\n"
                                      "PORT=0\n",
                                      -1, NULL));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  return g_steal_pointer (&path);
}

static GStrv
bare_environ (const char *dir)
{
  GStrv env = g_environ_setenv (NULL, "PATH", g_getenv ("PATH"), TRUE);
  const char *keep[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL };

  for (guint i = 0; keep[i] != NULL; i++)
    if (g_getenv (keep[i]) != NULL)
      env = g_environ_setenv (env, keep[i], g_getenv (keep[i]), TRUE);
  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);
  env = g_environ_setenv (env, "WABIZ_PG_BINDIR", dir, TRUE);
  return env;
}

static void
test_env_file_symlink (void)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzcfg");
  g_autofree char *target = write_env_file (dir, "real.env");
  g_autofree char *link = g_build_filename (dir, "wabizd.env", NULL);
  g_auto(GStrv) env = bare_environ (dir);
  const char *args[] = { "--env-file", link, NULL };
  Run run = { 0 };

  /* the link could be changed to point elsewhere between a check and the
   * open: refused, whatever it points at */
  g_assert_cmpint (symlink (target, link), ==, 0);
  run_wabizd (&run, (const char * const *) env, args);
  g_assert_cmpint (run.status, ==, 2);
  assert_says (&run, link);
  assert_says (&run, "symbolic link");
  assert_no_secret (run.err, NULL);
  run_clear (&run);

  /* the file itself: taken (then the database is not there: 1) */
  args[1] = target;
  run_wabizd (&run, (const char * const *) env, args);
  g_assert_cmpint (run.status, ==, 1);
  assert_no_secret (run.err, NULL);
  run_clear (&run);

  wabiz_test_rm_rf (dir);
}

static void
test_env_file_mode (void)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzcfg");
  g_autofree char *path = write_env_file (dir, "wabizd.env");
  g_auto(GStrv) env = bare_environ (dir);
  const char *args[] = { "--env-file", path, NULL };
  Run run = { 0 };

  /* readable by the group */
  g_assert_cmpint (g_chmod (path, 0640), ==, 0);
  run_wabizd (&run, (const char * const *) env, args);
  g_assert_cmpint (run.status, ==, 2);
  assert_says (&run, path);
  assert_says (&run, "0640");
  assert_says (&run, "chmod 600");
  assert_no_secret (run.err, NULL);
  run_clear (&run);

  /* a folder is not an env file */
  args[1] = dir;
  run_wabizd (&run, (const char * const *) env, args);
  g_assert_cmpint (run.status, ==, 2);
  assert_says (&run, "not a regular file");
  run_clear (&run);

  wabiz_test_rm_rf (dir);
}

static void
test_env_file_owner (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) env = NULL;
  struct passwd *nobody;
  Run run = { 0 };

  if (geteuid () != 0)
    {
      g_test_skip ("Giving a file to another user needs root; run the tests as root for this case");
      return;
    }
  nobody = getpwnam ("nobody");
  g_assert_nonnull (nobody);

  dir = wabiz_test_make_tmpdir ("wzcfg");
  path = write_env_file (dir, "wabizd.env");
  env = bare_environ (dir);

  /* mode 0600, but someone else's: they could have written any setting
   * (a DATABASE_URL of theirs, a WABIZ_GRAPH_URL that collects the token) */
  g_assert_cmpint (chown (path, nobody->pw_uid, nobody->pw_gid), ==, 0);
  {
    const char *args[] = { "--env-file", path, NULL };

    run_wabizd (&run, (const char * const *) env, args);
  }
  g_assert_cmpint (run.status, ==, 2);
  assert_says (&run, path);
  assert_says (&run, "nobody");
  assert_says (&run, "chown");
  assert_no_secret (run.err, NULL);
  run_clear (&run);

  wabiz_test_rm_rf (dir);
}

/* ------------------------------------------------------------------ */
/* WABIZ_GRAPH_URL: the access token goes over TLS, or stays on this
 * computer (the simulator) */

static void
test_graph_url_plaintext (void)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzcfg");
  struct
  {
    const char *url;
    gboolean    refused;
  } cases[] = {
    { "http://example.com", TRUE },
    { "http://graph.facebook.com/", TRUE },
    { "http://192.0.2.10:8080", TRUE },
    { "http://[2001:db8::10]/", TRUE },
    { "http://0.0.0.0:9", TRUE },
    /* this computer: not refused (the database is not there: status 1) */
    { "http://localhost:9", FALSE },
    { "http://[::1]:9", FALSE },
    { "http://127.0.0.2:9/", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) env = base_environ (dir);
      Run run = { 0 };

      env = g_environ_setenv (env, "WABIZ_GRAPH_URL", cases[i].url, TRUE);
      run_wabizd (&run, (const char * const *) env, NULL);
      assert_no_secret (run.err, NULL);
      if (cases[i].refused)
        {
          g_assert_cmpint (run.status, ==, 2);
          assert_says (&run, "WABIZ_GRAPH_URL");
          assert_says (&run, "https://");
        }
      else
        g_assert_cmpint (run.status, ==, 1);
      run_clear (&run);
    }

  wabiz_test_rm_rf (dir);
}

/* ------------------------------------------------------------------ */
/* the old service's .env: SUPABASE_URL and SUPABASE_KEY, no DATABASE_URL */

static void
test_old_service_env (void)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzcfg");
  const char *names[][2] = {
    { "SUPABASE_URL", "SUPABASE_KEY" },
    { "SUPABASE_URL", NULL },
    { "SUPABASE_KEY", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_auto(GStrv) env = base_environ (dir);
      Run run = { 0 };

      for (guint j = 0; j < 2 && names[i][j] != NULL; j++)
        env = g_environ_setenv (env, names[i][j],
                                g_str_equal (names[i][j], "SUPABASE_KEY")
                                  ? SUPABASE_KEY
                                  : "https://abcdefghijklmnop.supabase.co",
                                TRUE);
      run_wabizd (&run, (const char * const *) env, NULL);
      g_assert_cmpint (run.status, ==, 2);
      assert_says (&run, names[i][0]);
      assert_says (&run, "DATABASE_URL");
      assert_says (&run, "Project Settings → Database");
      assert_says (&run, "Session pooler");
      assert_no_secret (run.err, "abcdefghijklmnop");
      run_clear (&run);
    }

  /* with DATABASE_URL next to them, they are the old service's leftovers:
   * not refused for them (the database is not there: status 1) */
  {
    g_auto(GStrv) env = base_environ (dir);
    Run run = { 0 };

    env = g_environ_setenv (env, "SUPABASE_URL", "https://abcdefghijklmnop.supabase.co", TRUE);
    env = g_environ_setenv (env, "SUPABASE_KEY", SUPABASE_KEY, TRUE);
    env = g_environ_setenv (env, "DATABASE_URL", UNREACHABLE_DB, TRUE);
    run_wabizd (&run, (const char * const *) env, NULL);
    g_assert_cmpint (run.status, ==, 1);
    assert_no_secret (run.err, NULL);
    run_clear (&run);
  }

  /* in the env file too */
  {
    g_autofree char *path = g_build_filename (dir, "old.env", NULL);
    g_auto(GStrv) env = bare_environ (dir);
    const char *args[] = { "--env-file", path, NULL };
    Run run = { 0 };

    g_assert_true (g_file_set_contents (path,
                                        "ACCESS_TOKEN=" ACCESS_TOKEN "\n"
                                        "PHONE_NUMBER_ID=106540352242922\n"
                                        "WABA_ID=108233722174550\n"
                                        "VERIFY_TOKEN=" VERIFY_TOKEN "\n"
                                        "APP_SECRET=" APP_SECRET "\n"
                                        "WABIZ_API_KEY=" API_KEY "\n"
                                        "SUPABASE_URL=https://abcdefghijklmnop.supabase.co\n"
                                        "SUPABASE_KEY=" SUPABASE_KEY "\n",
                                        -1, NULL));
    g_assert_cmpint (g_chmod (path, 0600), ==, 0);
    run_wabizd (&run, (const char * const *) env, args);
    g_assert_cmpint (run.status, ==, 2);
    assert_says (&run, "Session pooler");
    assert_no_secret (run.err, "abcdefghijklmnop");
    run_clear (&run);
  }

  wabiz_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wabiz/config/database-url/plaintext", test_database_url_plaintext);
  g_test_add_func ("/wabiz/config/env-file/symlink", test_env_file_symlink);
  g_test_add_func ("/wabiz/config/env-file/mode", test_env_file_mode);
  g_test_add_func ("/wabiz/config/env-file/owner", test_env_file_owner);
  g_test_add_func ("/wabiz/config/old-service-env", test_old_service_env);
  g_test_add_func ("/wabiz/config/graph-url/plaintext", test_graph_url_plaintext);

  return g_test_run ();
}
