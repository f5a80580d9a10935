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

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/preferences/save", Fixture, NULL, wabiz_test_ui_fixture_setup,
              test_preferences, wabiz_test_ui_fixture_teardown);

  return g_test_run ();
}
