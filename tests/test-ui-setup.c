/* test-ui-setup.c: the first run under Xvfb — the setup assistant, and
 * the demo against the in-process simulator and a test database
 *
 * SPDX-License-Identifier: MIT
 *
 * Screenshots go to $WABIZ_BUILD_DIR/screenshots as ui-setup-*.png.
 * Without a display every test is skipped.
 */

#include "config.h"

#include "wabiz-application.h"
#include "wabiz-chat-view.h"
#include "wabiz-conninfo.h"
#include "wabiz-db.h"
#include "wabiz-composer.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-preferences-window.h"
#include "wabiz-secrets.h"
#include "wabiz-setup-window.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#include <string.h>

#define CUSTOMER "15550107777"

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;       /* (owned) (nullable): the connect test's Meta */
  gboolean        keyring;
} Fixture;

typedef void (*AppFunc) (WabizApplication *app,
                         Fixture          *f);

typedef struct
{
  AppFunc  func;
  Fixture *f;
} Run;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSettings) settings = NULL;

  if (!wabiz_test_ui_available ())
    return;

  /* a first run: nothing set up */
  settings = g_settings_new ("org.example.WaBiz");
  g_settings_reset (settings, "setup-complete");
  g_settings_reset (settings, "demo-mode");
  g_settings_reset (settings, "phone-number-id");

  f->conninfo = wabiz_test_pg_new_database ();
  g_setenv ("WABIZ_DATABASE_URL", f->conninfo, TRUE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->sim != NULL)
    wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  g_free (f->conninfo);
  g_unsetenv ("WABIZ_DATABASE_URL");
}

static gboolean
run_cb (gpointer user_data)
{
  Run *run = user_data;
  GApplication *app = g_application_get_default ();

  run->func (WABIZ_APPLICATION (app), run->f);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
activated_cb (GApplication *app,
              Run          *run)
{
  g_idle_add (run_cb, run);
}

static void
run_app (AppFunc      func,
         Fixture     *f,
         const char  *option)
{
  WabizApplication *app;
  Run run = { func, f };
  char *argv[] = { (char *) "wabiz", (char *) option, NULL };
  int status;

  app = wabiz_application_new (G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (activated_cb), &run);
  status = g_application_run (G_APPLICATION (app), option != NULL ? 2 : 1, argv);
  g_assert_cmpint (status, ==, 0);

  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &app);
  g_object_unref (app);
  g_assert_null (app);
}

static gboolean
has_main_window (gpointer data)
{
  GtkWindow *window = gtk_application_get_active_window (data);

  return WABIZ_IS_WINDOW (window) && wabiz_window_get_loaded (WABIZ_WINDOW (window));
}

/* The app's services run, and send (Meta is set up) */
static gboolean
services_ready (gpointer data)
{
  WabizServices *services = wabiz_application_get_services (data);

  return services != NULL && wabiz_services_get_state (services) == WABIZ_SERVICES_STATE_READY &&
         wabiz_services_get_graph (services) != NULL;
}

typedef struct
{
  GListModel *model;
  const char *phone;
  guint       n;
} ListWait;

static gboolean
list_has (gpointer data)
{
  ListWait *w = data;
  guint n = g_list_model_get_n_items (w->model);

  if (w->phone == NULL)
    return n >= w->n;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WabizConversation) c = g_list_model_get_item (w->model, i);

      if (g_strcmp0 (wabiz_conversation_get_phone (c), w->phone) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
chat_is_open (gpointer data)
{
  WabizChatView *chat = data;
  WabizConversation *open = wabiz_chat_view_get_conversation (chat);
  WabizMessagesModel *messages = wabiz_chat_view_get_messages (chat);

  return open != NULL && g_str_equal (wabiz_conversation_get_phone (open), CUSTOMER) &&
         messages != NULL && g_list_model_get_n_items (G_LIST_MODEL (messages)) >= 1;
}

typedef struct
{
  WabizSimServer *sim;
  const char     *body;
} LedgerWait;

static gboolean
ledger_has (gpointer data)
{
  LedgerWait *w = data;
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (w->sim, 0);

  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      JsonObject *body = json_object_get_object_member (entry, "body");
      JsonObject *text;

      if (g_strcmp0 (json_object_get_string_member (entry, "to"), CUSTOMER) != 0 || body == NULL ||
          !json_object_has_member (body, "text"))
        continue;
      text = json_object_get_object_member (body, "text");
      if (g_strcmp0 (json_object_get_string_member (text, "body"), w->body) == 0 &&
          g_strcmp0 (json_object_get_string_member (entry, "result"), "accepted") == 0)
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  WabizMessagesModel *model;
  const char         *text;
  WabizMessage       *found;   /* (owned) */
} MessageWait;

static gboolean
message_read (gpointer data)
{
  MessageWait *w = data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (w->model));

  for (guint i = 0; i < n && w->found == NULL; i++)
    {
      g_autoptr(WabizMessage) m = g_list_model_get_item (G_LIST_MODEL (w->model), i);

      if (wabiz_message_get_outbound (m) && g_strcmp0 (wabiz_message_get_text (m), w->text) == 0)
        w->found = g_steal_pointer (&m);
    }
  return w->found != NULL && wabiz_message_get_status (w->found) == WABIZ_MESSAGE_STATUS_READ;
}

/* the assistant on a first run */

static void
first_run_cb (WabizApplication *app,
              Fixture          *f)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  WabizSetupWindow *setup;
  g_autofree char *shot = NULL;

  g_assert_true (WABIZ_IS_SETUP_WINDOW (window));
  setup = WABIZ_SETUP_WINDOW (window);
  g_assert_cmpstr (wabiz_setup_window_get_page (setup), ==, "welcome");
  /* nothing was opened yet: the assistant chooses the database */
  g_assert_cmpint (wabiz_application_get_database_state (app), ==, WABIZ_DATABASE_STATE_STARTING);
  g_assert_null (wabiz_application_get_database (app));
  g_assert_true (wabiz_test_ui_shows_status (GTK_WIDGET (window), "Welcome to WaBiz"));
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-setup-welcome.png");
  g_clear_pointer (&shot, g_free);

  /* Connect: the Meta step; Next refuses empty ids */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "setup.connect", NULL));
  g_assert_cmpstr (wabiz_setup_window_get_page (setup), ==, "meta");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "setup.next", NULL));
  g_assert_cmpstr (wabiz_setup_window_get_page (setup), ==, "meta");
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-setup-meta.png");
  g_clear_pointer (&shot, g_free);

  wabiz_setup_window_set_page (setup, "database");
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-setup-database.png");
  g_clear_pointer (&shot, g_free);
  wabiz_setup_window_set_page (setup, "webhook");
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-setup-webhook.png");
}

static void
test_first_run (Fixture       *f,
                gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  run_app (first_run_cb, f, NULL);
}

/* "Try the Demo": the simulator, the webhook path and the outbox */

static void
demo_cb (WabizApplication *app,
         Fixture          *f)
{
  GtkWindow *setup = gtk_application_get_active_window (GTK_APPLICATION (app));
  WabizWindow *window;
  WabizConversationsPane *pane;
  WabizChatView *chat;
  WabizSimServer *sim;
  g_autoptr(JsonObject) spec = NULL;
  g_autoptr(JsonObject) injected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shot = NULL;
  JsonObject *text;
  ListWait lw;
  LedgerWait ledger;
  MessageWait mw = { NULL, NULL, NULL };
  const char *reply = "Yes, we open at 10 on Sunday ☕";

  g_assert_true (WABIZ_IS_SETUP_WINDOW (setup));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (setup), "setup.demo", NULL));

  wabiz_test_wait_until (has_main_window, app, 90);
  window = WABIZ_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (wabiz_application_get_demo (app));
  wabiz_test_wait_until (services_ready, app, 30);
  sim = wabiz_application_get_simulator (app);
  g_assert_nonnull (sim);
  g_assert_nonnull (wabiz_services_get_http (wabiz_application_get_services (app)));

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "conversations"));
  pane = WABIZ_CONVERSATIONS_PANE (wabiz_window_get_pane (window, "conversations"));
  chat = wabiz_conversations_pane_get_chat_view (pane);

  /* the sample customers wrote through the simulator's webhooks */
  lw = (ListWait) { G_LIST_MODEL (wabiz_conversations_pane_get_model (pane)), NULL, 3 };
  wabiz_test_wait_until (list_has, &lw, 60);

  /* a new customer writes */
  spec = json_object_new ();
  text = json_object_new ();
  json_object_set_string_member (text, "body", "Are you open on Sunday?");
  json_object_set_string_member (spec, "from", CUSTOMER);
  json_object_set_string_member (spec, "name", "Gabriela Ruiz");
  json_object_set_string_member (spec, "type", "text");
  json_object_set_object_member (spec, "text", text);
  injected = wabiz_sim_server_inject_inbound (sim, spec, &error);
  g_assert_no_error (error);
  g_assert_nonnull (injected);
  lw.phone = CUSTOMER;
  wabiz_test_wait_until (list_has, &lw, 60);

  /* the answer goes out through the outbox to the simulator … */
  wabiz_conversations_pane_open (pane, CUSTOMER);
  wabiz_test_wait_until (chat_is_open, chat, 30);
  wabiz_composer_set_text (wabiz_chat_view_get_composer (chat), reply);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (wabiz_chat_view_get_composer (chat)),
                                             "composer.send", NULL));
  ledger = (LedgerWait) { sim, reply };
  wabiz_test_wait_until (ledger_has, &ledger, 60);

  /* … and its ticks follow the simulator's status webhooks up to read */
  mw.model = wabiz_chat_view_get_messages (chat);
  mw.text = reply;
  wabiz_test_wait_until (message_read, &mw, 60);
  g_clear_object (&mw.found);

  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  shot = wabiz_test_ui_screenshot (window, "ui-setup-demo.png");
  g_clear_pointer (&shot, g_free);

  /* Ctrl+K: jump to a conversation, from another pane */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "leads"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.jump-to-conversation",
                                             NULL));
  g_assert_cmpstr (wabiz_window_get_pane_name (window), ==, "conversations");
  g_assert_nonnull (gtk_window_get_focus (GTK_WINDOW (window)));
  g_assert_nonnull (gtk_widget_get_ancestor (gtk_window_get_focus (GTK_WINDOW (window)),
                                             GTK_TYPE_SEARCH_ENTRY));

  /* no entry keeps blinking into the next test's main loop */
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
}

static void
test_demo (Fixture       *f,
           gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  run_app (demo_cb, f, NULL);
}

/* wabiz --demo: straight into the demo */

static void
demo_option_cb (WabizApplication *app,
                Fixture          *f)
{
  WabizWindow *window;
  GtkWindow *preferences;
  g_autofree char *shot = NULL;

  wabiz_test_wait_until (has_main_window, app, 90);
  window = WABIZ_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (wabiz_application_get_demo (app));
  wabiz_test_wait_until (services_ready, app, 30);
  g_assert_nonnull (wabiz_application_get_simulator (app));
  g_assert_true (WABIZ_IS_WINDOW (window));

  /* Preferences: its own window (tests/test-ui-preferences.c) */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (WABIZ_IS_PREFERENCES_WINDOW (preferences));
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (preferences), "ui-setup-preferences.png");
  gtk_window_set_focus (preferences, NULL);
  gtk_window_destroy (preferences);
}

/* Connect: each step checked against the service, then saved */

static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
set_row (GtkWidget  *window,
         const char *title,
         const char *text)
{
  GtkWidget *row = find_row (window, title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static gboolean
not_busy (gpointer data)
{
  return !wabiz_setup_window_get_busy (data);
}

static const char *
next_step (WabizSetupWindow *setup)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (setup), "setup.next", NULL));
  wabiz_test_wait_until (not_busy, setup, 30);
  return wabiz_setup_window_get_page (setup);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Whether secrets can be stored without a prompt: an unlocked keyring
 * (build-aux/dev test has one; a bare dbus-run-session does not, and
 * a store there waits for a prompt nobody answers). */
static gboolean
keyring_available (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint timeout = g_timeout_add_seconds (5, cancel_cb, cancellable);
  gboolean stored;

  wabiz_secrets_store_async (WABIZ_SECRET_GEMINI_KEY, "probe", cancellable,
                             wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  stored = wabiz_secrets_store_finish (result, &error);
  if (!g_cancellable_is_cancelled (cancellable))
    g_source_remove (timeout);
  return stored;
}

static gboolean
setup_closed (gpointer data)
{
  return !WABIZ_IS_SETUP_WINDOW (gtk_application_get_active_window (data)) ||
         !wabiz_setup_window_get_busy (WABIZ_SETUP_WINDOW (gtk_application_get_active_window (data)));
}

static void
connect_cb (WabizApplication *app,
            Fixture          *f)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  GSettings *settings = wabiz_application_get_settings (app);
  WabizSetupWindow *setup;
  g_autofree char *shot = NULL;
  g_autofree char *conninfo = NULL;

  g_assert_true (WABIZ_IS_SETUP_WINDOW (window));
  setup = WABIZ_SETUP_WINDOW (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "setup.connect", NULL));

  /* a token Meta refuses: the step stays */
  set_row (GTK_WIDGET (window), "Phone Number ID", WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID);
  set_row (GTK_WIDGET (window), "WhatsApp Business Account ID", WABIZ_SIM_DEFAULT_WABA_ID);
  set_row (GTK_WIDGET (window), "Access Token", "not-the-token");
  g_assert_cmpstr (next_step (setup), ==, "meta");
  g_assert_nonnull (strstr (wabiz_setup_window_get_error (setup), "access token"));
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-setup-token-error.png");
  g_clear_pointer (&shot, g_free);
  /* the right one: on */
  set_row (GTK_WIDGET (window), "Access Token", WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  g_assert_cmpstr (next_step (setup), ==, "database");
  g_assert_null (wabiz_setup_window_get_error (setup));

  /* a database that is not there: the step stays */
  g_assert_true (gtk_widget_activate (find_row (GTK_WIDGET (window),
                                                "Supabase or Another PostgreSQL Server")));
  set_row (GTK_WIDGET (window), "Connection String", "host=/nonexistent/wabiz dbname=none");
  g_assert_cmpstr (next_step (setup), ==, "database");
  g_assert_nonnull (strstr (wabiz_setup_window_get_error (setup), "Cannot connect to the database"));
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-setup-database-error.png");
  g_clear_pointer (&shot, g_free);
  set_row (GTK_WIDGET (window), "Connection String", f->conninfo);
  g_assert_cmpstr (next_step (setup), ==, "webhook");
  g_assert_null (wabiz_setup_window_get_error (setup));

  set_row (GTK_WIDGET (window), "App Secret", WABIZ_SIM_DEFAULT_APP_SECRET);
  g_assert_cmpstr (next_step (setup), ==, "gemini");
  gtk_window_set_focus (window, NULL);

  if (!f->keyring)
    {
      g_test_skip ("No unlocked keyring: run through build-aux/dev test to save the secrets");
      return;
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "setup.next", NULL));
  wabiz_test_wait_until (setup_closed, app, 30);

  /* saved: settings without secrets, and the app runs with them */
  g_assert_true (g_settings_get_boolean (settings, "setup-complete"));
  g_assert_cmpint (g_settings_get_enum (settings, "database-mode"), ==, 1);
  conninfo = g_settings_get_string (settings, "database-conninfo");
  g_assert_null (strstr (conninfo, "password"));
  wabiz_test_wait_until (has_main_window, app, 90);
  wabiz_test_wait_until (services_ready, app, 30);
  g_assert_false (wabiz_application_get_demo (app));
}

static void
test_connect (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (wabiz_test_ui_skip_without_display ())
    return;

  f->keyring = keyring_available ();

  /* Meta is the simulator here */
  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
  settings = g_settings_new ("org.example.WaBiz");
  g_settings_set_string (settings, "graph-url", wabiz_sim_server_get_base_url (f->sim));
  g_settings_set_uint (settings, "http-port", 0);

  run_app (connect_cb, f, NULL);

  g_settings_reset (settings, "graph-url");
  g_settings_reset (settings, "http-port");
  g_settings_reset (settings, "database-mode");
  g_settings_reset (settings, "database-conninfo");
}


/* The webhook step: the three ways Meta can reach WaBiz */

#define SUPABASE_REF "abcdefghijklmnopqrst"

/* Meta's and the database's steps, as a user goes through them, up to
 * the webhook step (the database: the test's, over its socket) */
static WabizSetupWindow *
reach_webhook_step (WabizApplication *app,
                    Fixture          *f)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  WabizSetupWindow *setup;

  g_assert_true (WABIZ_IS_SETUP_WINDOW (window));
  setup = WABIZ_SETUP_WINDOW (window);
  gtk_window_set_default_size (window, 640, 900);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "setup.connect", NULL));
  set_row (GTK_WIDGET (window), "Phone Number ID", WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID);
  set_row (GTK_WIDGET (window), "WhatsApp Business Account ID", WABIZ_SIM_DEFAULT_WABA_ID);
  set_row (GTK_WIDGET (window), "Access Token", WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  g_assert_cmpstr (next_step (setup), ==, "database");
  g_assert_true (gtk_widget_activate (find_row (GTK_WIDGET (window),
                                                "Supabase or Another PostgreSQL Server")));
  set_row (GTK_WIDGET (window), "Connection String", f->conninfo);
  g_assert_cmpstr (next_step (setup), ==, "webhook");
  g_assert_null (wabiz_setup_window_get_error (setup));
  set_row (GTK_WIDGET (window), "App Secret", WABIZ_SIM_DEFAULT_APP_SECRET);
  return setup;
}

static void
sql_on (const char *conninfo,
        const char *query,
        const char *param)
{
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  const char *params[] = { param };

  res = wabiz_db_query_sync (db, query, param != NULL ? 1 : 0, params, NULL, &error);
  g_assert_no_error (error);
  wabiz_db_close (db);
}

static gboolean
relay_verified (gpointer data)
{
  return wabiz_webhook_ways_get_relay_verified (data) != NULL;
}

static gboolean
relay_event (gpointer data)
{
  return wabiz_webhook_ways_get_relay_event (data) != NULL;
}

static void
webhook_relay_cb (WabizApplication *app,
                  Fixture          *f)
{
  WabizSetupWindow *setup = reach_webhook_step (app, f);
  WabizWebhookWays *ways = wabiz_setup_window_get_webhook_ways (setup);
  g_autofree char *shot = NULL;
  g_autofree char *verify_token = NULL;
  g_autofree char *supabase = NULL;
  const char *commands;

  /* the relay is the first way offered */
  g_assert_cmpint (wabiz_webhook_ways_get_way (ways), ==, WABIZ_WEBHOOK_WAY_RELAY);
  /* this database is not a Supabase project's: the relay says so */
  g_assert_nonnull (wabiz_webhook_ways_get_relay_problem (ways));
  g_assert_nonnull (strstr (wabiz_webhook_ways_get_relay_problem (ways), "not a Supabase"));
  g_assert_null (wabiz_webhook_ways_get_relay_url (ways));
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (setup), "ui-setup-relay-not-supabase.png");
  g_clear_pointer (&shot, g_free);

  /* a Supabase project's connection string (the pooler's): the commands
   * and the Callback URL for its ref; what the relay records is read
   * from the test's database, where the relay would write */
  supabase = g_strdup ("postgresql://postgres." SUPABASE_REF
                       "@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=verify-full");
  wabiz_webhook_ways_set_conninfo (ways, supabase);
  {
    g_autoptr(WabizDb) db = wabiz_db_new (f->conninfo, NULL, 1);

    wabiz_webhook_ways_set_database (ways, db, NULL);
    g_assert_null (wabiz_webhook_ways_get_relay_problem (ways));
    g_assert_cmpstr (wabiz_webhook_ways_get_relay_url (ways), ==,
                     "https://" SUPABASE_REF ".supabase.co/functions/v1/wabiz-webhook");
    commands = wabiz_webhook_ways_get_relay_commands (ways);
    g_assert_nonnull (strstr (commands, "supabase functions deploy wabiz-webhook --project-ref "
                                        SUPABASE_REF " --no-verify-jwt"));
    g_assert_nonnull (strstr (commands, "supabase secrets set --project-ref " SUPABASE_REF));
    g_assert_nonnull (strstr (commands, "APP_SECRET='<paste the App Secret>'"));
    /* the function installed with WaBiz */
    g_assert_nonnull (strstr (commands, PKGDATADIR "/supabase"));
    /* the verify token the assistant made, never the App Secret typed */
    verify_token = g_strdup (gtk_editable_get_text (GTK_EDITABLE (find_row (GTK_WIDGET (setup),
                                                                            "Webhook Verify Token"))));
    g_assert_cmpuint (strlen (verify_token), ==, 32);
    g_assert_nonnull (strstr (commands, verify_token));
    g_assert_null (strstr (commands, WABIZ_SIM_DEFAULT_APP_SECRET));
    g_assert_null (wabiz_webhook_ways_get_relay_verified (ways));
    g_assert_null (wabiz_webhook_ways_get_relay_event (ways));
    wabiz_test_ui_wait_frames (GTK_WIDGET (setup), 2);
    shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (setup), "ui-setup-relay-waiting.png");
    g_clear_pointer (&shot, g_free);

    /* Meta's verification request, as the relay records it */
    sql_on (f->conninfo, "SELECT wabiz_relay_verified ()", NULL);
    wabiz_test_wait_until (relay_verified, ways, 30);
    g_assert_true (g_str_has_prefix (wabiz_webhook_ways_get_relay_verified (ways), "Arrived"));
    g_assert_null (wabiz_webhook_ways_get_relay_event (ways));

    /* the first delivery, stored as the relay stores it */
    sql_on (f->conninfo, "SELECT * FROM wabiz_relay_store ($1)",
            "{\"object\":\"whatsapp_business_account\",\"entry\":[]}");
    wabiz_test_wait_until (relay_event, ways, 30);
    g_assert_true (g_str_has_prefix (wabiz_webhook_ways_get_relay_event (ways), "Arrived"));
    wabiz_test_ui_wait_frames (GTK_WIDGET (setup), 2);
    shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (setup), "ui-setup-relay-arrived.png");
    g_clear_pointer (&shot, g_free);
    wabiz_webhook_ways_set_database (ways, NULL, NULL);
    wabiz_db_close (db);
  }

  /* on to Gemini with the relay chosen, kept in the settings */
  g_assert_cmpstr (next_step (setup), ==, "gemini");
  g_assert_cmpint (g_settings_get_enum (wabiz_application_get_settings (app), "webhook-way"), ==,
                   WABIZ_WEBHOOK_WAY_RELAY);
  gtk_window_set_focus (GTK_WINDOW (setup), NULL);
}

static void
webhook_server_cb (WabizApplication *app,
                   Fixture          *f)
{
  WabizSetupWindow *setup = reach_webhook_step (app, f);
  WabizWebhookWays *ways = wabiz_setup_window_get_webhook_ways (setup);
  g_autofree char *shot = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *password = NULL;
  const char *env;
  const char *unit;

  g_assert_true (gtk_widget_activate (find_row (GTK_WIDGET (setup),
                                                "WaBiz Server on an Always-On Machine")));
  g_assert_cmpint (wabiz_webhook_ways_get_way (ways), ==, WABIZ_WEBHOOK_WAY_SERVER);
  g_assert_cmpint (g_settings_get_enum (wabiz_application_get_settings (app), "webhook-way"), ==,
                   WABIZ_WEBHOOK_WAY_SERVER);

  /* filled in with this setup's values; the secrets left to paste */
  env = wabiz_webhook_ways_get_env_file (ways);
  g_assert_nonnull (strstr (env, "PHONE_NUMBER_ID=" WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID "\n"));
  g_assert_nonnull (strstr (env, "WABA_ID=" WABIZ_SIM_DEFAULT_WABA_ID "\n"));
  g_assert_nonnull (strstr (env, "ACCESS_TOKEN=<paste the access token>\n"));
  g_assert_nonnull (strstr (env, "APP_SECRET=<paste the App Secret>\n"));
  g_assert_nonnull (strstr (env, "VERIFY_TOKEN=<paste the verify token>\n"));
  g_assert_nonnull (strstr (env, "WABIZ_API_KEY=<paste"));
  g_assert_nonnull (strstr (env, "WABIZ_GRAPH_URL=" ));
  clean = wabiz_conninfo_clean (f->conninfo, &password);
  g_assert_null (password);
  g_assert_nonnull (strstr (env, "DATABASE_URL="));
  g_assert_nonnull (strstr (env, clean));
  g_assert_nonnull (strstr (env, "password=<paste the database password>"));
  g_assert_null (strstr (env, WABIZ_SIM_DEFAULT_ACCESS_TOKEN));
  g_assert_null (strstr (env, WABIZ_SIM_DEFAULT_APP_SECRET));
  /* the unit wabizd installs, with its program's place */
  unit = wabiz_webhook_ways_get_unit (ways);
  g_assert_nonnull (strstr (unit, "[Service]"));
  g_assert_nonnull (strstr (unit, "/bin/wabizd --env-file %d/wabizd.env"));
  g_assert_null (strstr (unit, "@bindir@"));
  wabiz_test_ui_wait_frames (GTK_WIDGET (setup), 2);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (setup), "ui-setup-server.png");
  gtk_window_set_focus (GTK_WINDOW (setup), NULL);
}

static gboolean
not_checking (gpointer data)
{
  return !wabiz_webhook_ways_get_checking (data);
}

static const char *
check_tunnel (WabizWebhookWays *ways,
              const char       *url)
{
  wabiz_webhook_ways_check_tunnel (ways, url);
  wabiz_test_wait_until (not_checking, ways, 60);
  g_assert_nonnull (wabiz_webhook_ways_get_tunnel_result (ways));
  return wabiz_webhook_ways_get_tunnel_result (ways);
}

static void
webhook_tunnel_cb (WabizApplication *app,
                   Fixture          *f)
{
  WabizSetupWindow *setup = reach_webhook_step (app, f);
  WabizWebhookWays *ways = wabiz_setup_window_get_webhook_ways (setup);
  GSettings *settings = wabiz_application_get_settings (app);
  g_autoptr(GSocket) closed = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *nobody = NULL;
  g_autofree char *wrong_path = NULL;
  g_autofree char *good = NULL;
  guint port = g_settings_get_uint (settings, "http-port");
  guint16 closed_port;

  g_assert_true (gtk_widget_activate (find_row (GTK_WIDGET (setup), "A Tunnel You Already Have")));
  g_assert_cmpint (wabiz_webhook_ways_get_way (ways), ==, WABIZ_WEBHOOK_WAY_TUNNEL);

  /* what is not a tunnel's address, before anything is sent */
  g_assert_nonnull (strstr (check_tunnel (ways, ""), "Enter the public address"));
  g_assert_nonnull (strstr (check_tunnel (ways, "my tunnel"), "not a web address"));
  g_assert_nonnull (strstr (check_tunnel (ways, "http://example.com/webhook"), "https://"));
  g_assert_false (wabiz_webhook_ways_get_tunnel_ok (ways));

  /* nothing there */
  closed = wabiz_test_closed_port (&closed_port);
  nobody = g_strdup_printf ("http://127.0.0.1:%u/webhook", closed_port);
  g_assert_nonnull (strstr (check_tunnel (ways, nobody), "Nothing answers at this address"));
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (setup), "ui-setup-tunnel-error.png");
  g_clear_pointer (&shot, g_free);

  /* the tunnel leads to this computer's server (answered by the
   * assistant while it checks), but the address lacks /webhook */
  wrong_path = g_strdup_printf ("http://127.0.0.1:%u/hooks", port);
  g_assert_nonnull (strstr (check_tunnel (ways, wrong_path), "must end in /webhook"));
  g_assert_false (wabiz_webhook_ways_get_tunnel_ok (ways));

  /* the handshake goes through with the verify token */
  good = g_strdup_printf ("http://127.0.0.1:%u/webhook", port);
  g_assert_nonnull (strstr (check_tunnel (ways, good), "The tunnel works"));
  g_assert_true (wabiz_webhook_ways_get_tunnel_ok (ways));
  wabiz_test_ui_wait_frames (GTK_WIDGET (setup), 2);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (setup), "ui-setup-tunnel.png");
  g_clear_pointer (&shot, g_free);

  g_socket_close (closed, NULL);
  gtk_window_set_focus (GTK_WINDOW (setup), NULL);
}

static void
run_webhook_way (Fixture *f,
                 AppFunc  func)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  guint16 port;

  if (wabiz_test_ui_skip_without_display ())
    return;

  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
  settings = g_settings_new ("org.example.WaBiz");
  g_settings_set_string (settings, "graph-url", wabiz_sim_server_get_base_url (f->sim));
  /* a free port for this computer's webhook server */
  socket = wabiz_test_closed_port (&port);
  g_socket_close (socket, NULL);
  g_settings_set_uint (settings, "http-port", port);

  run_app (func, f, NULL);

  g_settings_reset (settings, "graph-url");
  g_settings_reset (settings, "http-port");
  g_settings_reset (settings, "webhook-way");
  g_settings_reset (settings, "database-mode");
  g_settings_reset (settings, "database-conninfo");
}

static void
test_webhook_relay (Fixture       *f,
                    gconstpointer  data)
{
  run_webhook_way (f, webhook_relay_cb);
}

static void
test_webhook_server (Fixture       *f,
                     gconstpointer  data)
{
  run_webhook_way (f, webhook_server_cb);
}

static void
test_webhook_tunnel (Fixture       *f,
                     gconstpointer  data)
{
  run_webhook_way (f, webhook_tunnel_cb);
}

static void
test_demo_option (Fixture       *f,
                  gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  run_app (demo_option_cb, f, "--demo");
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/setup/first-run", Fixture, NULL, fixture_setup, test_first_run, fixture_teardown);
  g_test_add ("/wabiz/ui/setup/demo", Fixture, NULL, fixture_setup, test_demo, fixture_teardown);
  g_test_add ("/wabiz/ui/setup/connect", Fixture, NULL, fixture_setup, test_connect, fixture_teardown);
  g_test_add ("/wabiz/ui/setup/demo-option", Fixture, NULL, fixture_setup, test_demo_option, fixture_teardown);
  g_test_add ("/wabiz/ui/setup/webhook-relay", Fixture, NULL, fixture_setup, test_webhook_relay, fixture_teardown);
  g_test_add ("/wabiz/ui/setup/webhook-server", Fixture, NULL, fixture_setup, test_webhook_server, fixture_teardown);
  g_test_add ("/wabiz/ui/setup/webhook-tunnel", Fixture, NULL, fixture_setup, test_webhook_tunnel, fixture_teardown);

  return g_test_run ();
}
