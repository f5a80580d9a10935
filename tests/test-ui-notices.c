/* test-ui-notices.c: what the main window tells the owner when Meta's
 * deliveries are for another number, or when sending stops
 *
 * SPDX-License-Identifier: MIT
 *
 * Deliveries are stored as the relay stores them (wabiz_relay_store());
 * the app's processor keeps those for another phone number id aside, and
 * the bar under the header bar says how many, for which id, and what to
 * do; once the setting names that number and the app reconnects, they
 * become messages. Screenshots go to $WABIZ_BUILD_DIR/screenshots as
 * ui-notices-*.png. Without a display every test is skipped.
 */

#include "config.h"

#include "wabiz-application.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-graph-client.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-webhook-banner.h"
#include "wabiz-window.h"

#include <string.h>

#define ELIANE "5511977776666"
/* a test number's id, pasted instead of the business's */
#define OTHER_NUMBER_ID "109876543210987"

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;
  WabizDb        *db;
  char           *event_id;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (!wabiz_test_ui_available ())
    return;

  f->conninfo = wabiz_test_ui_set_database (NULL);
  f->db = wabiz_db_new (f->conninfo, NULL, 1);
  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (wabiz_test_ui_available ())
    wabiz_test_ui_set_meta (NULL, FALSE);
  if (f->sim != NULL)
    wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  if (f->db != NULL)
    wabiz_db_close (f->db);
  g_clear_object (&f->db);
  g_free (f->event_id);
  wabiz_test_ui_clear_database (&f->conninfo);
}

static WabizWebhookBanner *
get_banner (WabizWindow *window)
{
  GObject *banner = gtk_widget_get_template_child (GTK_WIDGET (window), WABIZ_TYPE_WINDOW,
                                                   "webhook_banner");

  g_assert_true (WABIZ_IS_WEBHOOK_BANNER (banner));
  return WABIZ_WEBHOOK_BANNER (banner);
}

/* The bar says @text (NULL: hidden) */
static gboolean
banner_says (WabizWindow *window,
             const char  *text)
{
  return g_strcmp0 (wabiz_webhook_banner_get_message (get_banner (window)), text) == 0;
}

static const char *
banner_button (WabizWindow *window)
{
  GObject *button = gtk_widget_get_template_child (GTK_WIDGET (get_banner (window)),
                                                   WABIZ_TYPE_WEBHOOK_BANNER, "button");

  g_assert_true (GTK_IS_BUTTON (button));
  return gtk_button_get_label (GTK_BUTTON (button));
}

static gboolean
processed (Fixture *f)
{
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_sync (f->db,
                             "SELECT processed_at IS NOT NULL FROM webhook_events WHERE id = $1::bigint",
                             1, (const char *[]) { f->event_id }, NULL, &error);
  g_assert_no_error (error);
  return wabiz_db_result_get_n_rows (res) == 1 &&
         g_strcmp0 (wabiz_db_result_get_nth (res, 0, 0), "t") == 0;
}

/* Eliane's row in the conversations list shows @text */
static gboolean
row_shows (WabizWindow *window,
           const char  *text)
{
  GtkWidget *row = wabiz_test_ui_find_conversation_row (GTK_WIDGET (wabiz_window_get_pane (window, "conversations")),
                                                        ELIANE);

  return row != NULL && g_strcmp0 (wabiz_test_ui_row_label (row, "preview_label"), text) == 0;
}

static void
foreign_cb (WabizApplication *app,
            WabizWindow      *window,
            gpointer          data)
{
  Fixture *f = data;
  GSettings *settings = wabiz_application_get_settings (app);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *shot = NULL;
  GLogLevelFlags fatal;

  /* nothing kept aside: no bar */
  WABIZ_TEST_WAIT (wabiz_webhook_banner_get_n_checks (get_banner (window)) > 0, 30);
  g_assert_true (banner_says (window, NULL));

  /* Meta delivers a message for the test number's id: kept aside (the
   * log warns, as it should: not fatal here), and the window says what
   * to do */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  body = g_strdup_printf ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\","
                          "\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\","
                          "\"metadata\":{\"display_phone_number\":\"15551234567\",\"phone_number_id\":\"" OTHER_NUMBER_ID "\"},"
                          "\"contacts\":[{\"profile\":{\"name\":\"Eliane Costa\"},\"wa_id\":\"" ELIANE "\"}],"
                          "\"messages\":[{\"from\":\"" ELIANE "\",\"id\":\"wamid.foreign1\",\"timestamp\":\"%" G_GINT64_FORMAT "\","
                          "\"type\":\"text\",\"text\":{\"body\":\"Do you deliver on Sundays?\"}}]}}]}]}",
                          g_get_real_time () / G_USEC_PER_SEC - 60);
  res = wabiz_db_query_sync (f->db, "SELECT event_id FROM wabiz_relay_store ($1)", 1,
                             (const char *[]) { body }, NULL, &error);
  g_assert_no_error (error);
  f->event_id = g_strdup (wabiz_db_result_get_nth (res, 0, 0));

  WABIZ_TEST_WAIT (banner_says (window, "1 delivery from Meta was for another WhatsApp number, ID "
                                        OTHER_NUMBER_ID ", and waits unread. If that number is "
                                        "yours, set it as the Phone Number ID in Preferences, then "
                                        "reconnect."), 30);
  g_log_set_always_fatal (fatal);
  g_assert_cmpstr (banner_button (window), ==, "_Check the Phone Number");
  g_assert_false (processed (f));
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  shot = wabiz_test_ui_screenshot (window, "ui-notices-foreign-number.png");

  /* the owner sets that number and reconnects: the message arrives, the
   * bar goes */
  g_settings_set_string (settings, "phone-number-id", OTHER_NUMBER_ID);
  g_action_group_activate_action (G_ACTION_GROUP (app), "retry-database", NULL);
  WABIZ_TEST_WAIT (processed (f), 60);
  WABIZ_TEST_WAIT (banner_says (window, NULL), 30);
  wabiz_window_set_pane_name (window, "conversations");
  WABIZ_TEST_WAIT (row_shows (window, "Do you deliver on Sundays?"), 30);
  g_clear_pointer (&shot, g_free);
  shot = wabiz_test_ui_screenshot (window, "ui-notices-foreign-number-fixed.png");
}

static void
test_foreign_number (Fixture       *f,
                     gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  /* the simulator's number is set up; no token: nothing is sent */
  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), FALSE);
  wabiz_test_ui_run (foreign_cb, f);
}

static const char *
notice_says (WabizWindow *window)
{
  GObject *revealer = gtk_widget_get_template_child (GTK_WIDGET (window), WABIZ_TYPE_WINDOW,
                                                     "notice_revealer");
  GObject *label = gtk_widget_get_template_child (GTK_WIDGET (window), WABIZ_TYPE_WINDOW,
                                                  "notice_label");

  if (!gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)))
    return NULL;
  return gtk_label_get_label (GTK_LABEL (label));
}

static void
sender_problem_cb (WabizApplication *app,
                   WabizWindow      *window,
                   gpointer          data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *shot = NULL;

  /* the sender does not start: the access token would go to that host */
  g_assert_false (wabiz_graph_check_url ("http://graph.example.com", &error));
  WABIZ_TEST_WAIT (g_strcmp0 (notice_says (window), error->message) == 0, 30);
  g_assert_nonnull (strstr (notice_says (window), "must start with https://"));
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  shot = wabiz_test_ui_screenshot (window, "ui-notices-sender-problem.png");
}

static void
test_sender_problem (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GSettings) settings = NULL;

  if (wabiz_test_ui_skip_without_display ())
    return;

  /* set up, with the token, but with a Graph address in plain http to
   * another host */
  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  settings = g_settings_new ("org.example.WaBiz");
  g_settings_set_string (settings, "graph-url", "http://graph.example.com");
  wabiz_test_ui_run (sender_problem_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/notices/foreign-number", Fixture, NULL, fixture_setup,
              test_foreign_number, fixture_teardown);
  g_test_add ("/wabiz/ui/notices/sender-problem", Fixture, NULL, fixture_setup,
              test_sender_problem, fixture_teardown);

  return g_test_run ();
}
