/* test-ui-preferences.c: the Preferences window under Xvfb: settings go
 * to GSettings, secrets to the keyring and never to GSettings, and a
 * database connection string only once it connects
 *
 * SPDX-License-Identifier: MIT
 *
 * Screenshots go to $WABIZ_BUILD_DIR/screenshots as ui-preferences-*.png.
 * Without a display every test is skipped.
 */

#include "config.h"

#include <string.h>

#include "wabiz-application.h"
#include "wabiz-conninfo.h"
#include "wabiz-preferences-window.h"
#include "wabiz-secrets.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define TOKEN "EAAGm0PX4ZCpsBAsecret-token-for-the-test"

typedef WabizTestUiFixture Fixture;

static char *
lookup_secret (WabizSecretKind kind)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *value;

  wabiz_secrets_lookup_async (kind, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  value = wabiz_secrets_lookup_finish (result, &error);
  g_assert_no_error (error);
  return value;
}

/* No key of the schema holds @secret */
static void
assert_not_in_settings (GSettings  *settings,
                        const char *secret)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *text = g_variant_print (value, FALSE);

      if (strstr (text, secret) != NULL)
        g_error ("The secret is in the setting “%s”", keys[i]);
    }
}

static gboolean
not_saving (gpointer data)
{
  return !wabiz_preferences_window_get_saving (data);
}

static void
apply_row (WabizPreferencesWindow *window,
           const char             *id,
           const char             *text)
{
  GtkWidget *row = wabiz_preferences_window_get_child (window, id);

  g_assert_true (ADW_IS_ENTRY_ROW (row));
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
  wabiz_test_wait_until (not_saving, window, 30);
}

static void
show_page_of (WabizPreferencesWindow *window,
              const char             *id)
{
  GtkWidget *page = gtk_widget_get_ancestor (wabiz_preferences_window_get_child (window, id),
                                             ADW_TYPE_PREFERENCES_PAGE);

  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
}

static void
preferences_cb (WabizApplication *app,
                WabizWindow      *main_window,
                gpointer          data)
{
  Fixture *f = data;
  GSettings *settings = wabiz_application_get_settings (app);
  WabizPreferencesWindow *window;
  g_autofree char *shot = NULL;
  g_autofree char *token = NULL;
  g_autofree char *password = NULL;
  g_autofree char *conninfo = NULL;
  g_autofree char *phone_number_id = NULL;
  GtkWidget *row;
  GtkWidget *error_label;
  g_autoptr(GSocket) closed = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *good = NULL;
  g_autofree char *db_password = wabiz_test_random_password ();
  g_autofree char *bad_db_password = wabiz_test_random_password ();
  guint16 port;

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "preferences"));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  window = WABIZ_PREFERENCES_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (WABIZ_IS_PREFERENCES_WINDOW (window));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (window)) == GTK_WINDOW (main_window));

  /* an id: to GSettings */
  apply_row (window, "phone_number_id_row", "106540352242922");
  phone_number_id = g_settings_get_string (settings, "phone-number-id");
  g_assert_cmpstr (phone_number_id, ==, "106540352242922");

  /* the access token: to the keyring only, and the field empties */
  apply_row (window, "access_token_row", TOKEN);
  token = lookup_secret (WABIZ_SECRET_ACCESS_TOKEN);
  g_assert_cmpstr (token, ==, TOKEN);
  row = wabiz_preferences_window_get_child (window, "access_token_row");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "");
  assert_not_in_settings (settings, TOKEN);
  /* an empty field keeps what is saved */
  apply_row (window, "access_token_row", "");
  g_clear_pointer (&token, g_free);
  token = lookup_secret (WABIZ_SECRET_ACCESS_TOKEN);
  g_assert_cmpstr (token, ==, TOKEN);

  /* the sending rate, live */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (wabiz_preferences_window_get_child (window, "send_rate_spin")), 40);
  g_assert_cmpuint (g_settings_get_uint (settings, "send-rate"), ==, 40);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-preferences-whatsapp.png");
  g_clear_pointer (&shot, g_free);

  /* the style: GSettings, and the app follows */
  adw_combo_row_set_selected (ADW_COMBO_ROW (wabiz_preferences_window_get_child (window, "style_row")), 2);
  g_assert_cmpint (g_settings_get_enum (settings, "color-scheme"), ==, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_cmpint (adw_style_manager_get_color_scheme (adw_style_manager_get_default ()), ==,
                   ADW_COLOR_SCHEME_FORCE_DARK);
  show_page_of (window, "style_row");
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-preferences-general-dark.png");
  g_clear_pointer (&shot, g_free);
  adw_combo_row_set_selected (ADW_COMBO_ROW (wabiz_preferences_window_get_child (window, "style_row")), 0);
  g_assert_cmpint (adw_style_manager_get_color_scheme (adw_style_manager_get_default ()), ==,
                   ADW_COLOR_SCHEME_DEFAULT);

  /* the webhook server */
  show_page_of (window, "http_host_row");
  apply_row (window, "http_host_row", "0.0.0.0");
  conninfo = g_settings_get_string (settings, "http-host");
  g_assert_cmpstr (conninfo, ==, "0.0.0.0");
  g_clear_pointer (&conninfo, g_free);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (wabiz_preferences_window_get_child (window, "http_port_spin")), 10080);
  g_assert_cmpuint (g_settings_get_uint (settings, "http-port"), ==, 10080);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-preferences-webhooks.png");
  g_clear_pointer (&shot, g_free);

  /* the database: a remote string is saved only once it connects */
  show_page_of (window, "conninfo_row");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (wabiz_preferences_window_get_child (window, "remote_check")), TRUE);
  g_assert_cmpint (g_settings_get_enum (settings, "database-mode"), ==, 1);
  row = wabiz_preferences_window_get_child (window, "conninfo_row");
  error_label = wabiz_preferences_window_get_child (window, "conninfo_error_label");
  g_assert_false (gtk_widget_get_visible (error_label));

  /* not a connection string at all */
  apply_row (window, "conninfo_row", "db.example-ref.supabase.co");
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)),
                            "This is not a PostgreSQL connection string"));
  conninfo = g_settings_get_string (settings, "database-conninfo");
  g_assert_cmpstr (conninfo, ==, "");
  g_clear_pointer (&conninfo, g_free);

  /* a server that is not there: the error beside the field, nothing saved */
  closed = wabiz_test_closed_port (&port);
  bad = g_strdup_printf ("postgresql://postgres:%s@127.0.0.1:%u/postgres", bad_db_password, port);
  apply_row (window, "conninfo_row", bad);
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)),
                            "Cannot connect to the database"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "was not saved"));
  conninfo = g_settings_get_string (settings, "database-conninfo");
  g_assert_cmpstr (conninfo, ==, "");
  g_clear_pointer (&conninfo, g_free);
  password = lookup_secret (WABIZ_SECRET_DATABASE_PASSWORD);
  g_assert_cmpstr (password, !=, bad_db_password);
  g_clear_pointer (&password, g_free);
  assert_not_in_settings (settings, bad_db_password);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-preferences-database-error.png");
  g_clear_pointer (&shot, g_free);
  g_socket_close (closed, NULL);

  /* the test server, with a password in the string (it asks for none):
   * saved, and the password goes to the keyring only */
  good = g_strdup_printf ("%s password='%s'", f->conninfo, db_password);
  apply_row (window, "conninfo_row", good);
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  conninfo = g_settings_get_string (settings, "database-conninfo");
  g_assert_null (strstr (conninfo, db_password));
  g_assert_nonnull (strstr (conninfo, "dbname="));
  g_assert_null (strstr (gtk_editable_get_text (GTK_EDITABLE (row)), db_password));
  {
    g_autofree char *expected = wabiz_conninfo_clean (f->conninfo, &password);

    g_assert_null (password);
    g_assert_cmpstr (conninfo, ==, expected);
  }
  password = lookup_secret (WABIZ_SECRET_DATABASE_PASSWORD);
  g_assert_cmpstr (password, ==, db_password);
  assert_not_in_settings (settings, db_password);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-preferences-database.png");
  g_clear_pointer (&shot, g_free);
  /* back to this computer's database, as the test started */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (wabiz_preferences_window_get_child (window, "embedded_check")), TRUE);
  g_assert_cmpint (g_settings_get_enum (settings, "database-mode"), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  wabiz_test_ui_run (preferences_cb, f);
}


/* What the business, Gemini and campaigns do: kept in the database, or
 * refused beside the field with what to do, losing nothing typed */

static gboolean
settled (gpointer data)
{
  return wabiz_preferences_window_get_settled (data);
}

static void
apply_settled (WabizPreferencesWindow *window,
               const char             *id,
               const char             *text)
{
  GtkWidget *row = wabiz_preferences_window_get_child (window, id);

  g_assert_true (ADW_IS_ENTRY_ROW (row));
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
  wabiz_test_wait_until (settled, window, 30);
}

/* The database's value of @query (one text column), or NULL */
static char *
db_text (Fixture    *f,
         const char *query)
{
  g_autoptr(WabizDb) db = wabiz_db_new (f->conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  char *value = NULL;

  res = wabiz_db_query_sync (db, query, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  if (wabiz_db_result_get_n_rows (res) > 0 && wabiz_db_result_get_nth (res, 0, 0) != NULL)
    value = g_strdup (wabiz_db_result_get_nth (res, 0, 0));
  wabiz_db_close (db);
  return value;
}

static void
assert_error_shown (WabizPreferencesWindow *window,
                    const char             *id,
                    const char             *words)
{
  GtkWidget *row = wabiz_preferences_window_get_child (window, id);
  const char *message = wabiz_preferences_window_get_last_message (window);

  g_assert_nonnull (message);
  if (strstr (message, words) == NULL)
    g_error ("“%s” does not say “%s”", message, words);
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (row), ==, message);
}

/* A switch turned on and refused: off again, and the row says why */
static void
assert_switch_refused (WabizPreferencesWindow *window,
                       const char             *id,
                       const char             *words)
{
  GtkWidget *widget = wabiz_preferences_window_get_child (window, id);
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_ACTION_ROW);
  const char *message;

  gtk_switch_set_active (GTK_SWITCH (widget), TRUE);
  wabiz_test_wait_until (settled, window, 30);
  message = wabiz_preferences_window_get_last_message (window);
  g_assert_nonnull (message);
  if (strstr (message, words) == NULL)
    g_error ("“%s” does not say “%s”", message, words);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (widget)));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (row), ==, message);
}

static gboolean
database_ready (gpointer data)
{
  GtkWidget *page = data;

  return gtk_widget_get_sensitive (page);
}

static void
business_cb (WabizApplication *app,
             WabizWindow      *main_window,
             gpointer          data)
{
  Fixture *f = data;
  GSettings *settings = wabiz_application_get_settings (app);
  WabizPreferencesWindow *window;
  GtkWidget *row;
  g_autofree char *value = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *key = NULL;
  GtkTextBuffer *buffer;

  window = wabiz_preferences_window_new (GTK_APPLICATION (app), settings);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (main_window));
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 1100);
  gtk_window_present (GTK_WINDOW (window));
  wabiz_test_wait_until (database_ready, wabiz_preferences_window_get_child (window, "campaigns_page"), 30);

  /* Gemini: a key Gemini refuses is not kept */
  wabiz_preferences_window_show_page (window, "ai");
  apply_settled (window, "gemini_key_row", "not-the-gemini-key");
  assert_error_shown (window, "gemini_key_row", "did not accept this key");
  key = lookup_secret (WABIZ_SECRET_GEMINI_KEY);
  g_assert_null (key);
  /* the right one: checked, then in the keyring only */
  apply_settled (window, "gemini_key_row", WABIZ_SIM_DEFAULT_GEMINI_KEY);
  key = lookup_secret (WABIZ_SECRET_GEMINI_KEY);
  g_assert_cmpstr (key, ==, WABIZ_SIM_DEFAULT_GEMINI_KEY);
  assert_not_in_settings (settings, WABIZ_SIM_DEFAULT_GEMINI_KEY);
  g_assert_false (gtk_widget_has_css_class (wabiz_preferences_window_get_child (window, "gemini_key_row"), "error"));
  /* the faster model */
  adw_combo_row_set_selected (ADW_COMBO_ROW (wabiz_preferences_window_get_child (window, "gemini_model_row")), 1);
  value = g_settings_get_string (settings, "gemini-model");
  g_assert_cmpstr (value, ==, "gemini-2.5-flash");
  g_clear_pointer (&value, g_free);

  /* analysis: on, in the database */
  gtk_switch_set_active (GTK_SWITCH (wabiz_preferences_window_get_child (window, "analysis_switch")), TRUE);
  wabiz_test_wait_until (settled, window, 30);
  value = db_text (f, "SELECT value::text FROM business_settings WHERE key = 'analysis_enabled'");
  g_assert_cmpstr (value, ==, "true");
  g_clear_pointer (&value, g_free);

  /* auto-reply on keywords without a keyword: refused, back to Never */
  row = wabiz_preferences_window_get_child (window, "auto_reply_mode_row");
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 3);
  wabiz_test_wait_until (settled, window, 30);
  assert_error_shown (window, "auto_reply_mode_row", "Add at least one keyword");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row)), ==, 0);
  apply_settled (window, "auto_reply_keywords_row", "price,  opening hours, Price");
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 3);
  wabiz_test_wait_until (settled, window, 30);
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  value = db_text (f, "SELECT value::text FROM business_settings WHERE key = 'auto_reply_mode'");
  g_assert_cmpstr (value, ==, "\"keywords\"");
  g_clear_pointer (&value, g_free);
  value = db_text (f, "SELECT value::text FROM business_settings WHERE key = 'auto_reply_keywords'");
  g_assert_cmpstr (value, ==, "[\"price\", \"opening hours\"]");
  g_clear_pointer (&value, g_free);
  /* and the field shows them as kept */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (wabiz_preferences_window_get_child (window, "auto_reply_keywords_row"))),
                   ==, "price, opening hours");
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-preferences-gemini.png");
  g_clear_pointer (&shot, g_free);

  /* the business: the away message needs its text, then the hours */
  wabiz_preferences_window_show_page (window, "business");
  assert_switch_refused (window, "away_switch", "Write the away message");
  apply_settled (window, "away_text_row", "We are closed now; we answer at 9:00.");
  assert_switch_refused (window, "away_switch", "business hours first");

  /* hours a person types wrong: said, and kept in the field */
  apply_settled (window, "hours_mon_row", "9 to 6");
  assert_error_shown (window, "hours_mon_row", "is not a time range");
  row = wabiz_preferences_window_get_child (window, "hours_mon_row");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "9 to 6");
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-preferences-business-error.png");
  g_clear_pointer (&shot, g_free);
  apply_settled (window, "hours_mon_row", "09:00-13:00,14:30-19:00");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "09:00-13:00, 14:30-19:00");
  value = db_text (f, "SELECT value->>'mon' FROM business_settings WHERE key = 'hours'");
  g_assert_cmpstr (value, ==, "09:00-13:00, 14:30-19:00");
  g_clear_pointer (&value, g_free);

  /* now the away message may go */
  gtk_switch_set_active (GTK_SWITCH (wabiz_preferences_window_get_child (window, "away_switch")), TRUE);
  wabiz_test_wait_until (settled, window, 30);
  value = db_text (f, "SELECT value::text FROM business_settings WHERE key = 'away_enabled'");
  g_assert_cmpstr (value, ==, "true");
  g_clear_pointer (&value, g_free);

  /* a time zone: checked, and campaigns count days in it too */
  apply_settled (window, "time_zone_row", "Mars/Olympus_Mons");
  assert_error_shown (window, "time_zone_row", "is not a time zone");
  apply_settled (window, "time_zone_row", "Europe/Lisbon");
  value = db_text (f, "SELECT value #>> '{}' FROM business_settings WHERE key = 'time_zone'");
  g_assert_cmpstr (value, ==, "Europe/Lisbon");
  g_clear_pointer (&value, g_free);
  WABIZ_TEST_WAIT (({ g_autofree char *tz = db_text (f, "SELECT timezone FROM campaign_settings");
                      g_strcmp0 (tz, "Europe/Lisbon") == 0; }), 30);

  /* what Gemini reads about the business */
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (wabiz_preferences_window_get_child (window, "profile_view")));
  gtk_text_buffer_set_text (buffer, "Bakery in Lisbon. Croissants €1.20. Friendly, short answers.", -1);
  /* a click (activating a button clicks it only after a short delay) */
  g_signal_emit_by_name (wabiz_preferences_window_get_child (window, "profile_save_button"), "clicked");
  wabiz_test_wait_until (settled, window, 30);
  value = db_text (f, "SELECT value #>> '{}' FROM business_settings WHERE key = 'profile'");
  g_assert_cmpstr (value, ==, "Bakery in Lisbon. Croissants €1.20. Friendly, short answers.");
  g_clear_pointer (&value, g_free);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-preferences-business.png");
  g_clear_pointer (&shot, g_free);

  /* campaigns */
  wabiz_preferences_window_show_page (window, "campaigns");
  adw_combo_row_set_selected (ADW_COMBO_ROW (wabiz_preferences_window_get_child (window, "tier_row")), 2);
  wabiz_test_wait_until (settled, window, 30);
  value = db_text (f, "SELECT tier FROM campaign_settings");
  g_assert_cmpstr (value, ==, "10K");
  g_clear_pointer (&value, g_free);
  apply_settled (window, "stop_words_row", "STOP, PARAR, basta");
  value = db_text (f, "SELECT array_to_string (stop_words, '|') FROM campaign_settings");
  g_assert_nonnull (value);
  g_assert_nonnull (strstr (value, "PARAR"));
  g_assert_nonnull (strstr (value, "STOP"));
  g_clear_pointer (&value, g_free);
  apply_settled (window, "opt_out_reply_row", "You will get no more offers. Write START to come back.");
  value = db_text (f, "SELECT opt_out_reply FROM campaign_settings");
  g_assert_cmpstr (value, ==, "You will get no more offers. Write START to come back.");
  g_clear_pointer (&value, g_free);
  /* empty: no confirmation at all */
  apply_settled (window, "opt_out_reply_row", "");
  value = db_text (f, "SELECT opt_out_reply FROM campaign_settings");
  g_assert_null (value);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-preferences-campaigns.png");
  g_clear_pointer (&shot, g_free);

  /* the Graph address: an http:// one elsewhere is refused, unsaved */
  wabiz_preferences_window_show_page (window, "whatsapp");
  value = g_settings_get_string (settings, "graph-url");
  apply_settled (window, "graph_url_row", "http://graph.example.com");
  assert_error_shown (window, "graph_url_row", "https://");
  {
    g_autofree char *after = g_settings_get_string (settings, "graph-url");

    g_assert_cmpstr (after, ==, value);
  }
  g_clear_pointer (&value, g_free);

  /* the space for customers' files: the running fetcher follows */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (wabiz_preferences_window_get_child (window, "media_budget_spin")), 500);
  g_assert_cmpuint (g_settings_get_uint (settings, "media-budget"), ==, 500);
  g_assert_cmpuint (wabiz_media_fetcher_get_budget (wabiz_services_get_media_fetcher (wabiz_application_get_services (app))),
                    ==, (guint64) 500 * 1024 * 1024);

  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_business (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(WabizSimServer) sim = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (wabiz_test_ui_skip_without_display ())
    return;

  /* Gemini is the simulator's */
  sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (sim, &error));
  g_assert_no_error (error);
  settings = g_settings_new ("org.example.WaBiz");
  g_settings_set_string (settings, "gemini-url", wabiz_sim_server_get_base_url (sim));

  wabiz_test_ui_run (business_cb, f);

  g_settings_reset (settings, "gemini-url");
  g_settings_reset (settings, "gemini-model");
  g_settings_reset (settings, "media-budget");
  wabiz_sim_server_stop (sim);
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/preferences/save", Fixture, NULL, wabiz_test_ui_fixture_setup,
              test_preferences, wabiz_test_ui_fixture_teardown);
  g_test_add ("/wabiz/ui/preferences/business", Fixture, NULL, wabiz_test_ui_fixture_setup,
              test_business, wabiz_test_ui_fixture_teardown);

  return g_test_run ();
}
