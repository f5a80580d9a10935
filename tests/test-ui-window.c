/* test-ui-window.c: the main window under Xvfb against a real database
 *
 * SPDX-License-Identifier: MIT
 *
 * Screenshots go to $WABIZ_BUILD_DIR/screenshots (or the test build
 * folder) as ui-window-*.png. Without a display every test is skipped.
 */

#include "config.h"

#include <locale.h>

#include "wabiz-application.h"
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

  return g_test_run ();
}
