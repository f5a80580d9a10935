/* test-ui-preferences.c: the Preferences window under Xvfb: settings go
 * to GSettings, secrets to the keyring and never to GSettings
 *
 * SPDX-License-Identifier: MIT
 *
 * Screenshots go to $WABIZ_BUILD_DIR/screenshots as ui-preferences-*.png.
 * Without a display every test is skipped.
 */

#include "config.h"

#include <string.h>

#include "wabiz-application.h"
#include "wabiz-migrations.h"
#include "wabiz-preferences-window.h"
#include "wabiz-secrets.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define TOKEN "EAAGm0PX4ZCpsBAsecret-token-for-the-test"
#define DB_PASSWORD "s3cret-db-pw"

typedef struct
{
  char *conninfo;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(WabizDb) db = NULL;
  g_autoptr(GError) error = NULL;

  if (!wabiz_test_ui_available ())
    return;

  f->conninfo = wabiz_test_pg_new_database ();
  db = wabiz_db_new (f->conninfo, NULL, 1);
  g_assert_true (wabiz_migrations_apply_sync (db, NULL, &error));
  g_assert_no_error (error);
  wabiz_db_close (db);
  g_setenv ("WABIZ_DATABASE_URL", f->conninfo, TRUE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_free (f->conninfo);
  g_unsetenv ("WABIZ_DATABASE_URL");
}

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
  GSettings *settings = wabiz_application_get_settings (app);
  WabizPreferencesWindow *window;
  g_autofree char *shot = NULL;
  g_autofree char *token = NULL;
  g_autofree char *password = NULL;
  g_autofree char *conninfo = NULL;
  g_autofree char *phone_number_id = NULL;
  GtkWidget *row;

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

  /* the database: a pasted Supabase string loses its password to the keyring */
  show_page_of (window, "conninfo_row");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (wabiz_preferences_window_get_child (window, "remote_check")), TRUE);
  g_assert_cmpint (g_settings_get_enum (settings, "database-mode"), ==, 1);
  apply_row (window, "conninfo_row",
             "postgresql://postgres:" DB_PASSWORD "@db.abcdefgh.supabase.co:5432/postgres");
  conninfo = g_settings_get_string (settings, "database-conninfo");
  g_assert_null (strstr (conninfo, DB_PASSWORD));
  g_assert_nonnull (strstr (conninfo, "host='db.abcdefgh.supabase.co'"));
  g_assert_nonnull (strstr (conninfo, "sslmode='require'"));
  password = lookup_secret (WABIZ_SECRET_DATABASE_PASSWORD);
  g_assert_cmpstr (password, ==, DB_PASSWORD);
  assert_not_in_settings (settings, DB_PASSWORD);
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
  if (!wabiz_test_ui_available ())
    {
      g_test_skip ("no display");
      return;
    }

  wabiz_test_ui_run (preferences_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *state = NULL;

  g_test_init (&argc, &argv, NULL);

  state = wabiz_test_make_tmpdir ("wzstate");
  g_setenv ("XDG_STATE_HOME", state, TRUE);

  wabiz_test_ui_init ();

  g_test_add ("/wabiz/ui/preferences/save", Fixture, NULL, fixture_setup, test_preferences,
              fixture_teardown);

  return g_test_run ();
}
