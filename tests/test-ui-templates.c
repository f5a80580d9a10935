/* test-ui-templates.c: "Send a Template" outside the 24-hour window,
 * under Xvfb against a real database, the outbox sender and the Graph
 * simulator
 *
 * SPDX-License-Identifier: MIT
 *
 * Screenshots go to $WABIZ_BUILD_DIR/screenshots as ui-templates-*.png.
 * Without a display every test is skipped.
 */

#include "config.h"

#include <string.h>

#include "wabiz-application.h"
#include "wabiz-chat-view.h"
#include "wabiz-composer.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-message-row.h"
#include "wabiz-sim-server.h"
#include "wabiz-template-dialog.h"
#include "wabiz-template.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define CARLA "5511999990003"

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;
  WabizDb        *db;
} Fixture;

/* Carla wrote three days ago: the window is closed */
static const char *seed_sql =
  "INSERT INTO leads (phone, name, status) VALUES ('" CARLA "', 'Carla Dias', 'CONTACTED');"
  "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\", message_id) VALUES"
  " ('" CARLA "', 'Thanks for the quote', 'inbound', 'received', 'text', now() - interval '3 days',"
  "   'wamid.carla1');"
  "INSERT INTO conversations (phone, lead_id, total_messages, last_message, last_message_time,"
  "                           last_direction, unread_count, last_inbound_at)"
  " SELECT '" CARLA "', id, 1, 'Thanks for the quote', now() - interval '3 days', 'inbound', 0,"
  "   now() - interval '3 days' FROM leads WHERE phone = '" CARLA "';";

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (!wabiz_test_ui_available ())
    return;

  f->conninfo = wabiz_test_ui_set_database (seed_sql);
  f->db = wabiz_db_new (f->conninfo, NULL, 2);

  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* the next test starts with nothing set up */
  if (wabiz_test_ui_available ())
    wabiz_test_ui_set_meta (NULL, FALSE);
  if (f->sim != NULL)
    wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  if (f->db != NULL)
    wabiz_db_close (f->db);
  g_clear_object (&f->db);
  wabiz_test_ui_clear_database (&f->conninfo);
}

static char *
sql_text (Fixture    *f,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static void
assert_sql (Fixture    *f,
            const char *sql,
            const char *expected)
{
  g_autofree char *value = sql_text (f, sql);

  g_assert_cmpstr (value, ==, expected);
}

static gboolean
sql_differs (Fixture    *f,
             const char *sql,
             const char *value)
{
  g_autofree char *now = sql_text (f, sql);

  return g_strcmp0 (now, value) != 0;
}

static WabizConversationsPane *
open_carla (WabizWindow *window)
{
  WabizConversationsPane *pane;
  WabizChatView *chat;
  WabizConversation *open;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "conversations"));
  pane = WABIZ_CONVERSATIONS_PANE (wabiz_window_get_pane (window, "conversations"));
  chat = wabiz_conversations_pane_get_chat_view (pane);
  wabiz_conversations_pane_open (pane, CARLA);
  WABIZ_TEST_WAIT ((open = wabiz_chat_view_get_conversation (chat)) != NULL &&
                   g_str_equal (wabiz_conversation_get_phone (open), CARLA), 60);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  return pane;
}

static WabizTemplateDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (WABIZ_IS_TEMPLATE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return WABIZ_TEMPLATE_DIALOG (window);
    }
  return NULL;
}

static WabizTemplateDialog *
open_dialog (WabizConversationsPane *pane)
{
  WabizComposer *composer = wabiz_chat_view_get_composer (wabiz_conversations_pane_get_chat_view (pane));
  WabizTemplateDialog *dialog;

  /* outside the window the composer offers a template instead */
  g_assert_false (wabiz_composer_get_window_open (composer));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send-template", NULL));
  WABIZ_TEST_WAIT ((dialog = find_dialog ()) != NULL, 60);
  return dialog;
}

static gboolean
dialog_lists (gpointer data)
{
  WabizTemplateDialog *dialog = data;
  GListModel *templates = wabiz_template_dialog_get_templates (dialog);

  if (!g_str_equal (wabiz_template_dialog_get_state (dialog), "form") || templates == NULL)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (templates); i++)
    {
      g_autoptr(WabizTemplate) t = g_list_model_get_item (templates, i);

      if (g_str_equal (wabiz_template_get_name (t), "order_ready"))
        return TRUE;
    }
  return FALSE;
}

static JsonObject *
ledger_find_template (Fixture    *f,
                      const char *name)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      JsonNode *body = json_object_get_member (entry, "body");
      g_autofree char *text = NULL;

      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "type", ""), "template") != 0 ||
          body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
        continue;
      text = json_to_string (body, FALSE);
      if (strstr (text, name) != NULL)
        return json_object_ref (entry);
    }
  return NULL;
}

/* The parameters of the template's body in a Graph request body, in order */
static GStrv
ledger_body_params (JsonObject *entry)
{
  JsonObject *body = json_object_get_object_member (entry, "body");
  JsonObject *template = json_object_get_object_member (body, "template");
  JsonArray *components = json_object_get_array_member (template, "components");
  g_autoptr(GStrvBuilder) params = g_strv_builder_new ();

  for (guint i = 0; components != NULL && i < json_array_get_length (components); i++)
    {
      JsonObject *component = json_array_get_object_element (components, i);
      JsonArray *list;

      if (g_strcmp0 (json_object_get_string_member_with_default (component, "type", NULL), "body") != 0)
        continue;
      list = json_object_get_array_member (component, "parameters");
      for (guint j = 0; j < json_array_get_length (list); j++)
        {
          JsonObject *param = json_array_get_object_element (list, j);

          g_assert_cmpstr (json_object_get_string_member (param, "type"), ==, "text");
          g_strv_builder_add (params, json_object_get_string_member (param, "text"));
        }
    }
  return g_strv_builder_end (params);
}

/* The bubble of the message in the open chat that says @text, or NULL */
static GtkWidget *
find_bubble (WabizConversationsPane *pane,
             const char             *text)
{
  WabizMessagesModel *messages = wabiz_chat_view_get_messages (wabiz_conversations_pane_get_chat_view (pane));
  GObject *list = gtk_widget_get_template_child (GTK_WIDGET (wabiz_conversations_pane_get_chat_view (pane)),
                                                 WABIZ_TYPE_CHAT_VIEW, "list_view");

  for (guint i = 0; messages != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (messages)); i++)
    {
      g_autoptr(WabizMessage) m = g_list_model_get_item (G_LIST_MODEL (messages), i);

      if (g_strcmp0 (wabiz_message_get_text (m), text) == 0)
        return wabiz_test_ui_find_row (GTK_WIDGET (list), WABIZ_TYPE_MESSAGE_ROW, m);
    }
  return NULL;
}

/* The label @name of that bubble, "(no bubble)" without one */
static const char *
bubble_label (WabizConversationsPane *pane,
              const char             *text,
              const char             *name)
{
  GtkWidget *row = find_bubble (pane, text);

  return row != NULL ? wabiz_test_ui_row_label (row, name) : "(no bubble)";
}

/* send: pick, fill, preview, queue, and Meta gets it */

static void
send_cb (WabizApplication *app,
         WabizWindow      *window,
         gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane;
  WabizTemplateDialog *dialog;
  g_autoptr(JsonObject) entry = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *shot = NULL;
  g_auto(GStrv) params = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *webhook_url = NULL;
  WabizServices *services = wabiz_application_get_services (app);
  JsonObject *template;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  pane = open_carla (window);

  /* the app's sender runs against the simulator (test_send set Meta up),
   * and Meta's statuses come back as on a real number: the simulator's
   * signed webhooks to the app's webhook server, stored, processed,
   * announced */
  g_assert_nonnull (wabiz_services_get_graph (services));
  g_assert_nonnull (wabiz_services_get_http (services));
  url = wabiz_http_server_dup_url (wabiz_services_get_http (services));
  webhook_url = g_strconcat (url, "/webhook", NULL);
  g_object_set (f->sim, "webhook-url", webhook_url, NULL);

  dialog = open_dialog (pane);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  /* the templates come from Meta (the simulator) into the database */
  wabiz_test_wait_until (dialog_lists, dialog, 30);
  assert_sql (f, "SELECT status FROM templates WHERE name = 'order_ready' AND language = 'en_US'",
              "APPROVED");
  /* a media header or a URL parameter cannot be filled here: not offered */
  g_assert_false (wabiz_template_dialog_select (dialog, "weekend_offer", "en_US"));
  g_assert_false (wabiz_template_dialog_select (dialog, "order_tracking", "en_US"));
  g_assert_false (wabiz_template_dialog_select (dialog, "summer_promo_2024", "pt_BR"));
  g_assert_true (wabiz_template_dialog_select (dialog, "order_ready", "en_US"));

  /* the preview follows the values; Send waits for all of them */
  wabiz_template_dialog_set_value (dialog, 0, "Carla");
  preview = wabiz_template_dialog_dup_preview (dialog);
  g_assert_cmpstr (preview, ==, "Hi Carla, your order {{2}} is ready.");
  g_clear_pointer (&preview, g_free);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "template.send", NULL);
  g_assert_cmpstr (wabiz_template_dialog_get_state (dialog), ==, "form");
  wabiz_template_dialog_set_value (dialog, 1, "#4521");
  preview = wabiz_template_dialog_dup_preview (dialog);
  g_assert_cmpstr (preview, ==, "Hi Carla, your order #4521 is ready.");
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-templates-dialog.png");
  g_clear_pointer (&shot, g_free);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-templates-dialog-dark.png");
  g_clear_pointer (&shot, g_free);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "template.send", NULL));
  WABIZ_TEST_WAIT (dialog == NULL, 60);

  /* one message row and one outbox row, with the name and the values */
  assert_sql (f, "SELECT m.template_name || ' ' || m.template_language || ' ' || m.template_params::text"
                 " || ' ' || m.message FROM messages m JOIN outbox o ON o.message_uuid = m.id"
                 " WHERE m.phone = '" CARLA "' AND m.type = 'template'",
              "order_ready en_US [\"Carla\", \"#4521\"] Hi Carla, your order #4521 is ready.");
  assert_sql (f, "SELECT count(*) FROM outbox", "1");

  /* the simulator (Meta) received it: the name, the language and the
   * values in the order of the template's placeholders */
  WABIZ_TEST_WAIT ((entry = ledger_find_template (f, "order_ready")) != NULL, 60);
  g_assert_cmpstr (json_object_get_string_member (entry, "to"), ==, CARLA);
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "accepted");
  template = json_object_get_object_member (json_object_get_object_member (entry, "body"), "template");
  g_assert_nonnull (template);
  g_assert_cmpstr (json_object_get_string_member (template, "name"), ==, "order_ready");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (template, "language"), "code"),
                   ==, "en_US");
  params = ledger_body_params (entry);
  g_assert_cmpuint (g_strv_length (params), ==, 2);
  g_assert_cmpstr (params[0], ==, "Carla");
  g_assert_cmpstr (params[1], ==, "#4521");

  /* Meta took it (the outbox is done with it), and sent it: Meta's
   * "sent" status came back through the webhook; then the customer's
   * phone got it and read it, and there it ends */
  WABIZ_TEST_WAIT (!sql_differs (f, "SELECT state FROM outbox", "done"), 60);
  WABIZ_TEST_WAIT (!sql_differs (f, "SELECT sent_at IS NOT NULL FROM messages WHERE type = 'template'", "t"), 60);
  WABIZ_TEST_WAIT (!sql_differs (f, "SELECT status FROM messages WHERE type = 'template'", "read"), 60);
  assert_sql (f, "SELECT (message_id IS NOT NULL AND sent_at IS NOT NULL AND delivered_at IS NOT NULL"
                 " AND read_at IS NOT NULL)::text FROM messages WHERE type = 'template'", "true");
  assert_sql (f, "SELECT count(*) FROM messages WHERE type = 'template'", "1");

  /* and the chat shows it like any other message of ours: the words as
   * filled in, the ticks and "Read" */
  WABIZ_TEST_WAIT (g_strcmp0 (bubble_label (pane, "Hi Carla, your order #4521 is ready.", "status_label"),
                              "✓✓ Read") == 0, 60);
  g_assert_cmpstr (bubble_label (pane, "Hi Carla, your order #4521 is ready.", "text_label"), ==,
                   "Hi Carla, your order #4521 is ready.");
  g_assert_null (bubble_label (pane, "Hi Carla, your order #4521 is ready.", "error_label"));
  wabiz_test_ui_assert_message_row (find_bubble (pane, "Hi Carla, your order #4521 is ready."));
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 4);
  shot = wabiz_test_ui_screenshot (window, "ui-templates-sent.png");

  /* the sender and the processor stop cleanly, in order, with the rest */
  g_object_set (f->sim, "webhook-url", NULL, NULL);
  wabiz_services_stop_async (services, 60, wabiz_test_store_result_cb, &stopped);
  g_assert_true (wabiz_services_stop_finish (services, wabiz_test_wait_result (&stopped, 90), &error));
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_services_get_state (services), ==, WABIZ_SERVICES_STATE_STOPPED);
}

static void
test_send (Fixture       *f,
           gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_test_ui_run (send_cb, f);
}

/* empty: no approved template, and no Meta to ask */

static void
empty_cb (WabizApplication *app,
          WabizWindow      *window,
          gpointer          data)
{
  WabizConversationsPane *pane = open_carla (window);
  WabizTemplateDialog *dialog = open_dialog (pane);
  g_autofree char *shot = NULL;

  WABIZ_TEST_WAIT (!g_str_equal (wabiz_template_dialog_get_state (dialog), "loading"), 60);
  g_assert_cmpstr (wabiz_template_dialog_get_state (dialog), ==, "empty");
  g_assert_true (wabiz_test_ui_shows_status (GTK_WIDGET (dialog), "No Approved Templates"));
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-templates-empty.png");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "template.send", NULL);
  g_assert_cmpstr (wabiz_template_dialog_get_state (dialog), ==, "empty");

  /* "Go to Templates" closes it and shows the pane */
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "template.open-templates", NULL));
  WABIZ_TEST_WAIT (dialog == NULL, 60);
  g_assert_cmpstr (wabiz_window_get_pane_name (window), ==, "templates");
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  /* Graph on a closed port: the refresh fails and the list stays empty */
  wabiz_test_ui_set_meta ("http://127.0.0.1:9", TRUE);
  wabiz_test_ui_run (empty_cb, f);
}

/* a narrow window: exactly one back button at each level */

static void
collect_back_buttons (GtkWidget *widget,
                      GPtrArray *found)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "go-previous-symbolic") == 0)
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_back_buttons (child, found);
}

/* The one back button shown, or NULL when there is none; the leaflets
 * may take some frames to fold on a slow machine */
static GtkWidget *
the_back_button (WabizWindow *window)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  collect_back_buttons (GTK_WIDGET (window), found);
  for (guint i = 0; i < 30 && found->len == 0; i++)
    {
      wabiz_test_ui_wait_frames (GTK_WIDGET (window), 1);
      collect_back_buttons (GTK_WIDGET (window), found);
    }
  g_assert_cmpuint (found->len, <=, 1);
  return found->len == 1 ? g_ptr_array_index (found, 0) : NULL;
}

static gboolean
is_narrow (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data)) && gtk_widget_get_width (GTK_WIDGET (data)) <= 380;
}

static void
narrow_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  WabizConversationsPane *pane;
  WabizPane *leads;
  GtkWidget *back;
  g_autofree char *shot = NULL;

  /* a shown window keeps its size without a window manager: show it again */
  gtk_widget_hide (GTK_WIDGET (window));
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  gtk_window_present (GTK_WINDOW (window));
  wabiz_test_wait_until (is_narrow, window, 30);
  pane = open_carla (window);

  /* the chat: its own back button, to the list */
  back = the_back_button (window);
  g_assert_nonnull (back);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (back)), ==, "chat.back");
  shot = wabiz_test_ui_screenshot (window, "ui-templates-narrow-chat.png");
  g_clear_pointer (&shot, g_free);
  g_signal_emit_by_name (back, "clicked");

  /* the list: the window's, to the sidebar */
  back = the_back_button (window);
  g_assert_nonnull (back);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (back)), ==, "win.show-sidebar");
  g_assert_nonnull (wabiz_test_ui_find_mapped (GTK_WIDGET (pane), GTK_TYPE_LIST_VIEW));
  shot = wabiz_test_ui_screenshot (window, "ui-templates-narrow-list.png");
  g_clear_pointer (&shot, g_free);
  g_signal_emit_by_name (back, "clicked");

  /* the sidebar: the top, no back button */
  g_assert_null (the_back_button (window));
  shot = wabiz_test_ui_screenshot (window, "ui-templates-narrow-sidebar.png");
  g_clear_pointer (&shot, g_free);

  /* Leads: the list with the window's, the details with their own */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "leads"));
  leads = wabiz_window_get_pane (window, "leads");
  back = the_back_button (window);
  g_assert_nonnull (back);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (back)), ==, "win.show-sidebar");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (leads), "leads.new", NULL));
  back = the_back_button (window);
  g_assert_nonnull (back);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (back)), ==, "leads.show-list");
  shot = wabiz_test_ui_screenshot (window, "ui-templates-narrow-lead.png");
  g_signal_emit_by_name (back, "clicked");
  back = the_back_button (window);
  g_assert_nonnull (back);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (back)), ==, "win.show-sidebar");
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  wabiz_test_ui_run (narrow_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/templates/send", Fixture, NULL, fixture_setup, test_send, fixture_teardown);
  g_test_add ("/wabiz/ui/templates/narrow", Fixture, NULL, fixture_setup, test_narrow, fixture_teardown);
  g_test_add ("/wabiz/ui/templates/empty", Fixture, NULL, fixture_setup, test_empty, fixture_teardown);

  return g_test_run ();
}
