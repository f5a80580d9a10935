/* test-ui-window.c: the main window under Xvfb against a real database
 *
 * SPDX-License-Identifier: MIT
 *
 * Screenshots go to $WABIZ_BUILD_DIR/screenshots (or the test build
 * folder) as ui-window-*.png. Without a display every test is skipped.
 */

#include "config.h"

#include <errno.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wabiz-application.h"
#include "wabiz-chat-view.h"
#include "wabiz-composer.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-embedded-pg.h"
#include "wabiz-secrets.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

typedef WabizTestUiFixture Fixture;

#define SEED_3_LEADS \
  "INSERT INTO leads (phone, name, status) VALUES" \
  " ('5511999990001', 'Ana Souza', 'NEW')," \
  " ('5511999990002', 'Bruno Lima', 'CONTACTED')," \
  " ('5511999990003', 'Carla Dias', 'INTERESTED')"

static void
panes_cb (WabizApplication *app,
          WabizWindow      *window,
          gpointer          data)
{
  static const struct {
    const char *pane;
    const char *accel;
    const char *title;
  } expected[] = {
    { "leads", "<Control>1", "3 Leads" },
    { "conversations", "<Control>2", "No Conversations Yet" },
    { "templates", "<Control>3", "No Templates Yet" },
    { "analytics", "<Control>4", "No Messages Yet" },
  };
  GSettings *settings = wabiz_application_get_settings (app);

  /* the primary menu's actions are there, with the shortcuts window */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "preferences"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_auto(GStrv) actions = NULL;
      g_autofree char *detailed = g_strdup_printf ("win.pane::%s", expected[i].pane);
      g_autofree char *name = NULL;
      g_autofree char *shot = NULL;
      g_autofree char *saved = NULL;
      WabizPane *pane;

      /* the shortcut names the action the test activates */
      actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (app),
                                                        expected[i].accel);
      g_assert_true (g_strv_contains ((const char * const *) actions, detailed));

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s",
                                                 expected[i].pane));
      g_assert_cmpstr (wabiz_window_get_pane_name (window), ==, expected[i].pane);

      pane = wabiz_window_get_pane (window, expected[i].pane);
      g_assert_true (wabiz_pane_get_loaded (pane));
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (pane)));
      if (g_str_equal (expected[i].pane, "leads"))
        {
          /* with leads, the pane lists them */
          GtkWidget *list = wabiz_test_ui_find_mapped (GTK_WIDGET (pane), GTK_TYPE_LIST_VIEW);

          g_assert_nonnull (list);
          g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)))),
                            ==, 3);
        }
      else
        g_assert_cmpstr (wabiz_test_ui_visible_status_title (GTK_WIDGET (pane)), ==,
                         expected[i].title);
      g_assert_cmpstr (wabiz_pane_get_summary (pane), ==, expected[i].title);

      /* the pane is remembered for the next start */
      saved = g_settings_get_string (settings, "last-pane");
      g_assert_cmpstr (saved, ==, expected[i].pane);

      name = g_strdup_printf ("ui-window-%s.png", expected[i].pane);
      shot = wabiz_test_ui_screenshot (window, name);
    }
}

static void
test_panes (Fixture       *f,
            gconstpointer  data)
{
  wabiz_test_ui_run (panes_cb, f);
}

static gboolean
leads_summary_is_4 (gpointer data)
{
  return g_strcmp0 (wabiz_pane_get_summary (data), "4 Leads") == 0;
}

static void
live_update_cb (WabizApplication *app,
                WabizWindow      *window,
                gpointer          data)
{
  Fixture *f = data;
  g_autoptr(WabizDb) db = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  WabizPane *pane;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "leads"));
  pane = wabiz_window_get_pane (window, "leads");
  g_assert_cmpstr (wabiz_pane_get_summary (pane), ==, "3 Leads");

  /* another desktop adds a lead: the NOTIFY reaches this window */
  db = wabiz_db_new (f->conninfo, NULL, 1);
  res = wabiz_db_query_sync (db,
                             "WITH l AS (INSERT INTO leads (phone, name) "
                             "VALUES ('5511999990004', 'Davi Rocha') RETURNING id, phone) "
                             "SELECT pg_notify('wabiz', json_build_object('t', 'leads', "
                             "'phone', phone, 'id', id)::text) FROM l",
                             0, NULL, NULL, &error);
  g_assert_no_error (error);
  wabiz_db_close (db);

  wabiz_test_wait_until (leads_summary_is_4, pane, 30);
}

static void
test_live_update (Fixture       *f,
                  gconstpointer  data)
{
  wabiz_test_ui_run (live_update_cb, f);
}

static void
failed_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  g_autofree char *shot = NULL;

  g_assert_cmpint (wabiz_application_get_database_state (app), ==, WABIZ_DATABASE_STATE_FAILED);
  g_assert_cmpstr (wabiz_test_ui_visible_status_title (GTK_WIDGET (window)), ==,
                   "Cannot Open the Database");
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "retry-database"));
  shot = wabiz_test_ui_screenshot (window, "ui-window-failed.png");
}

static void
test_failed (void)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  /* nothing listens there */
  g_setenv ("WABIZ_DATABASE_URL", "host=/nonexistent port=1 dbname=none connect_timeout=2", TRUE);
  g_test_expect_message ("wabiz-application", G_LOG_LEVEL_WARNING, "Cannot open the database*");
  wabiz_test_ui_run (failed_cb, NULL);
  g_test_assert_expected_messages ();
  g_unsetenv ("WABIZ_DATABASE_URL");
}

/* a new keyring, or one that holds no access token: the window says so,
 * and what is sent stays queued */

#define ANA "5511999990001"
#define NO_TOKEN_NOTICE "Meta is not set up: messages stay queued. Open Preferences to add the access token."

/* Ana wrote an hour ago: the window is open */
#define SEED_ANA_WROTE \
  "INSERT INTO leads (phone, name, status) VALUES ('" ANA "', 'Ana Souza', 'NEW');" \
  "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\", message_id) VALUES" \
  " ('" ANA "', 'Is the blue vase still there?', 'inbound', 'received', 'text', now() - interval '1 hour'," \
  "  'wamid.ana1');" \
  "INSERT INTO conversations (phone, lead_id, total_messages, last_message, last_message_time," \
  "                           last_direction, unread_count, last_inbound_at)" \
  " SELECT '" ANA "', id, 1, 'Is the blue vase still there?', now() - interval '1 hour', 'inbound', 1," \
  "   now() - interval '1 hour' FROM leads WHERE phone = '" ANA "'"

static char *
query_text (const char *conninfo,
            const char *sql)
{
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  char *value = NULL;

  res = wabiz_db_query_sync (db, sql, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  if (wabiz_db_result_get_n_rows (res) > 0)
    value = g_strdup (wabiz_db_result_get_nth (res, 0, 0));
  wabiz_db_close (db);
  return value;
}

static gboolean
query_is (const char *conninfo,
          const char *sql,
          const char *expected)
{
  g_autofree char *value = query_text (conninfo, sql);

  return g_strcmp0 (value, expected) == 0;
}

/* The window's notice, as shown: NULL when hidden */
static const char *
shown_notice (WabizWindow *window)
{
  GObject *revealer = gtk_widget_get_template_child (GTK_WIDGET (window), WABIZ_TYPE_WINDOW, "notice_revealer");
  GObject *label = gtk_widget_get_template_child (GTK_WIDGET (window), WABIZ_TYPE_WINDOW, "notice_label");

  g_assert_true (GTK_IS_REVEALER (revealer));
  g_assert_true (GTK_IS_LABEL (label));
  if (!gtk_widget_get_mapped (GTK_WIDGET (revealer)) || !gtk_revealer_get_child_revealed (GTK_REVEALER (revealer)))
    return NULL;
  return gtk_label_get_text (GTK_LABEL (label));
}

static void
no_token_cb (WabizApplication *app,
             WabizWindow      *window,
             gpointer          data)
{
  Fixture *f = data;
  WabizServices *services = wabiz_application_get_services (app);
  WabizConversationsPane *pane;
  WabizChatView *chat;
  WabizComposer *composer;
  WabizConversation *open;

  /* open, with the database, and nothing that sends */
  g_assert_cmpint (wabiz_application_get_database_state (app), ==, WABIZ_DATABASE_STATE_READY);
  g_assert_nonnull (services);
  g_assert_null (wabiz_services_get_graph (services));
  g_assert_nonnull (wabiz_services_get_outbox (services));

  /* the window says what is missing, and where to add it */
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "conversations"));
  WABIZ_TEST_WAIT (shown_notice (window) != NULL, 30);
  g_assert_cmpstr (shown_notice (window), ==, NO_TOKEN_NOTICE);
  g_assert_cmpstr (wabiz_application_get_notice (app), ==, NO_TOKEN_NOTICE);

  /* a reply is queued all the same, and stays queued */
  pane = WABIZ_CONVERSATIONS_PANE (wabiz_window_get_pane (window, "conversations"));
  chat = wabiz_conversations_pane_get_chat_view (pane);
  composer = wabiz_chat_view_get_composer (chat);
  wabiz_conversations_pane_open (pane, ANA);
  WABIZ_TEST_WAIT ((open = wabiz_chat_view_get_conversation (chat)) != NULL &&
                   g_str_equal (wabiz_conversation_get_phone (open), ANA), 60);
  wabiz_composer_set_text (composer, "Yes, it is kept for you");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  WABIZ_TEST_WAIT (query_is (f->conninfo, "SELECT status FROM messages WHERE direction = 'outbound'"
                                          " AND message = 'Yes, it is kept for you'", "queued"), 60);
  g_assert_true (query_is (f->conninfo, "SELECT state FROM outbox", "pending"));
  g_assert_true (query_is (f->conninfo, "SELECT attempts::text FROM outbox", "0"));
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_free (wabiz_test_ui_screenshot (window, "ui-window-no-token.png"));
  /* nothing took it meanwhile */
  g_assert_true (query_is (f->conninfo, "SELECT state FROM outbox", "pending"));
  g_assert_true (query_is (f->conninfo, "SELECT status FROM messages WHERE direction = 'outbound'", "queued"));
}

static void
test_no_token (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSettings) settings = NULL;

  if (wabiz_test_ui_skip_without_display ())
    return;

  /* a number is set up, and the keyring (new) holds none of the secrets */
  wabiz_test_ui_set_meta (NULL, FALSE);
  settings = g_settings_new ("org.example.WaBiz");
  g_settings_set_string (settings, "phone-number-id", "106540352242922");
  wabiz_test_ui_run (no_token_cb, f);
  g_settings_reset (settings, "phone-number-id");
}

/* SIGTERM, as at logout: the app drains, quits and stops the built-in
 * PostgreSQL. The app runs in a child (as "nobody" when we are root, in
 * XDG folders of its own) on the built-in database. */

#define SIGTERM_CHILD "WABIZ_TEST_SIGTERM_CHILD"
#define READY_LINE "wabiz-test: built-in database ready"

static void
child_state_cb (WabizApplication *app)
{
  if (wabiz_application_get_database_state (app) != WABIZ_DATABASE_STATE_READY)
    return;
  g_assert_true (wabiz_application_get_embedded (app));
  g_signal_handlers_disconnect_by_func (app, child_state_cb, NULL);
  printf ("%s\n", READY_LINE);
  fflush (stdout);
}

/* In the child: the app until a signal ends it */
static void
run_until_signal (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("org.example.WaBiz");
  WabizApplication *app;
  int status;

  g_settings_set_boolean (settings, "setup-complete", TRUE);
  g_settings_set_boolean (settings, "http-enabled", FALSE);
  g_unsetenv ("WABIZ_DATABASE_URL");

  app = wabiz_application_new (G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "notify::database-state", G_CALLBACK (child_state_cb), NULL);
  status = g_application_run (G_APPLICATION (app), 0, NULL);
  g_assert_cmpint (status, ==, 0);
  /* drained: nothing runs any more */
  g_assert_null (wabiz_application_get_services (app));
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &app);
  g_object_unref (app);
  g_assert_null (app);
}

typedef struct
{
  GString  *out;
  gboolean  eof;
  gboolean  exited;
  int       status;
} Child;

static void
line_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Child *child = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, NULL, NULL);

  if (line == NULL)
    {
      child->eof = TRUE;
      return;
    }
  g_string_append_printf (child->out, "%s\n", line);
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (object), G_PRIORITY_DEFAULT, NULL, line_read_cb, child);
}

static void
child_exited_cb (GPid     pid,
                 int      status,
                 gpointer user_data)
{
  Child *child = user_data;

  child->exited = TRUE;
  child->status = status;
  g_spawn_close_pid (pid);
}

/* Whether @pid is a process that runs (not gone, not a zombie) */
static gboolean
process_runs (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *end;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  end = strrchr (stat, ')');
  return end != NULL && end[1] == ' ' && end[2] != 'Z' && end[2] != 'X';
}

/* The postmaster's pid, from its pid file in @data_dir; 0 without one */
static GPid
postmaster_pid (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "postmaster.pid", NULL);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  return (GPid) g_ascii_strtoll (contents, NULL, 10);
}

/* A copy of the display's cookie that @pw can read */
static char *
copy_xauthority (const char    *dir,
                 struct passwd *pw)
{
  const char *xauthority = g_getenv ("XAUTHORITY");
  g_autofree char *contents = NULL;
  gsize len = 0;
  char *copy;

  if (xauthority == NULL || !g_file_get_contents (xauthority, &contents, &len, NULL))
    return NULL;
  copy = g_build_filename (dir, "Xauthority", NULL);
  g_assert_true (g_file_set_contents_full (copy, contents, len, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  g_assert_cmpint (chown (copy, pw->pw_uid, pw->pw_gid), ==, 0);
  return copy;
}

static void
test_sigterm (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *home = NULL;
  g_autofree char *xdg_data = NULL;
  g_autofree char *xdg_runtime = NULL;
  g_autofree char *pg_data = NULL;
  g_autofree char *pg_socket = NULL;
  g_autofree char *pid_file = NULL;
  g_autofree char *self_exe = NULL;
  g_autofree char *xauthority = NULL;
  g_autofree char *reuid = NULL;
  g_autofree char *regid = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GInputStream) out = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  Child child = { g_string_new (NULL), FALSE, FALSE, 0 };
  struct passwd *pw;
  GPid pid;
  GPid postmaster;
  int out_fd;

  if (g_getenv (SIGTERM_CHILD) != NULL)
    {
      run_until_signal ();
      return;
    }
  if (wabiz_test_ui_skip_without_display ())
    return;

  /* as root the built-in database would be the machine's: the child runs
   * as "nobody", in folders of its own */
  pw = geteuid () == 0 ? getpwnam ("nobody") : NULL;
  g_assert_true (geteuid () != 0 || pw != NULL);
  dir = wabiz_test_make_tmpdir ("wzsig");
  home = g_build_filename (dir, "home", NULL);
  xdg_data = g_build_filename (dir, "data", NULL);
  xdg_runtime = g_build_filename (dir, "run", NULL);
  g_assert_cmpint (g_mkdir (home, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (xdg_data, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (xdg_runtime, 0700), ==, 0);
  if (pw != NULL)
    {
      g_assert_cmpint (chown (home, pw->pw_uid, pw->pw_gid), ==, 0);
      g_assert_cmpint (chown (xdg_data, pw->pw_uid, pw->pw_gid), ==, 0);
      g_assert_cmpint (chown (xdg_runtime, pw->pw_uid, pw->pw_gid), ==, 0);
      xauthority = copy_xauthority (home, pw);
    }
  pg_data = g_build_filename (xdg_data, "wabiz", "postgres", NULL);
  pg_socket = g_build_filename (xdg_runtime, "wabiz", NULL);
  pid_file = g_build_filename (pg_data, "postmaster.pid", NULL);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  env = g_get_environ ();
  env = g_environ_setenv (env, SIGTERM_CHILD, "1", TRUE);
  env = g_environ_setenv (env, "HOME", home, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", xdg_data, TRUE);
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", xdg_runtime, TRUE);
  env = g_environ_unsetenv (env, "XDG_STATE_HOME");
  env = g_environ_unsetenv (env, "XDG_CONFIG_HOME");
  env = g_environ_unsetenv (env, "XDG_CACHE_HOME");
  env = g_environ_unsetenv (env, "WABIZ_DATABASE_URL");
  env = g_environ_unsetenv (env, "WABIZ_TEST_PG");
  /* our buses are not its to use: it makes its own */
  env = g_environ_unsetenv (env, "DBUS_SESSION_BUS_ADDRESS");
  env = g_environ_unsetenv (env, "AT_SPI_BUS_ADDRESS");
  if (xauthority != NULL)
    env = g_environ_setenv (env, "XAUTHORITY", xauthority, TRUE);
  if (pw != NULL)
    {
      reuid = g_strdup_printf ("--reuid=%u", pw->pw_uid);
      regid = g_strdup_printf ("--regid=%u", pw->pw_gid);
      g_ptr_array_add (argv, (char *) "setpriv");
      g_ptr_array_add (argv, reuid);
      g_ptr_array_add (argv, regid);
      g_ptr_array_add (argv, (char *) "--clear-groups");
    }
  g_ptr_array_add (argv, self_exe);
  g_ptr_array_add (argv, (char *) "-p");
  g_ptr_array_add (argv, (char *) "/wabiz/ui/window/sigterm");
  g_ptr_array_add (argv, (char *) "--tap");
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_async_with_pipes (home, (char **) argv->pdata, env,
                                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                           &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  g_child_watch_add (pid, child_exited_cb, &child);
  out = g_unix_input_stream_new (out_fd, TRUE);
  lines = g_data_input_stream_new (out);
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, line_read_cb, &child);

  /* the app runs on the built-in database */
  WABIZ_TEST_WAIT (strstr (child.out->str, READY_LINE) != NULL || child.exited, 180);
  g_test_message ("child: %s", child.out->str);
  g_assert_false (child.exited);
  postmaster = postmaster_pid (pg_data);
  g_assert_cmpint (postmaster, >, 0);
  g_assert_true (process_runs (postmaster));

  /* logout */
  g_assert_cmpint (kill (pid, SIGTERM), ==, 0);
  WABIZ_TEST_WAIT (child.exited && child.eof, 120);
  g_test_message ("child: %s", child.out->str);

  /* it ended cleanly, its own test passed, and the server went with it */
  g_assert_true (g_spawn_check_wait_status (child.status, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (child.out->str, "ok 1 /wabiz/ui/window/sigterm"));
  g_assert_null (strstr (child.out->str, "not ok"));
  g_assert_false (g_file_test (pid_file, G_FILE_TEST_EXISTS));
  WABIZ_TEST_WAIT (!process_runs (postmaster), 30);
  if (pw == NULL)
    {
      g_autoptr(WabizEmbeddedPg) pg = wabiz_embedded_pg_new (pg_data, pg_socket);

      g_assert_cmpuint (wabiz_embedded_pg_count_users (pg), ==, 0);
      g_assert_false (wabiz_pg_server_is_running (wabiz_embedded_pg_get_server (pg)));
    }

  g_string_free (child.out, TRUE);
  wabiz_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/window/panes", Fixture, SEED_3_LEADS,
              wabiz_test_ui_fixture_setup, test_panes, wabiz_test_ui_fixture_teardown);
  g_test_add ("/wabiz/ui/window/live-update", Fixture, SEED_3_LEADS,
              wabiz_test_ui_fixture_setup, test_live_update, wabiz_test_ui_fixture_teardown);
  g_test_add_func ("/wabiz/ui/window/failed", test_failed);
  g_test_add ("/wabiz/ui/window/no-token", Fixture, SEED_ANA_WROTE,
              wabiz_test_ui_fixture_setup, test_no_token, wabiz_test_ui_fixture_teardown);
  g_test_add_func ("/wabiz/ui/window/sigterm", test_sigterm);

  return g_test_run ();
}
