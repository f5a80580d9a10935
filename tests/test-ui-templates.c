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

#include <libpq-fe.h>

#include "wabiz-application.h"
#include "wabiz-chat-view.h"
#include "wabiz-composer.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-graph-client-private.h"
#include "wabiz-message-row.h"
#include "wabiz-secrets.h"
#include "wabiz-sim-gemini.h"
#include "wabiz-sim-server.h"
#include "wabiz-template-dialog.h"
#include "wabiz-template-editor.h"
#include "wabiz-template-row.h"
#include "wabiz-template.h"
#include "wabiz-templates-pane.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define CARLA "5511999990003"

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;
  WabizDb        *db;
  gboolean        gemini;  /* the app has a Gemini key (the simulator's) */
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
store_gemini_key (const char *key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (key != NULL)
    {
      wabiz_secrets_store_async (WABIZ_SECRET_GEMINI_KEY, key, NULL, wabiz_test_store_result_cb, &result);
      g_assert_true (wabiz_secrets_store_finish (wabiz_test_wait_result (&result, 30), &error));
    }
  else
    {
      wabiz_secrets_clear_async (WABIZ_SECRET_GEMINI_KEY, NULL, wabiz_test_store_result_cb, &result);
      wabiz_secrets_clear_finish (wabiz_test_wait_result (&result, 30), &error);
    }
  g_assert_no_error (error);
}

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
    {
      wabiz_test_ui_set_meta (NULL, FALSE);
      if (f->gemini)
        {
          g_autoptr(GSettings) settings = g_settings_new ("org.example.WaBiz");

          g_settings_reset (settings, "gemini-url");
          store_gemini_key (NULL);
        }
    }
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

/* The child @name of the dialog's template */
static GtkWidget *
find_child (GtkWidget  *dialog,
            const char *name)
{
  GObject *child = gtk_widget_get_template_child (dialog, WABIZ_TYPE_TEMPLATE_DIALOG, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

/* What the dialog asks for, a row title a line */
static void
assert_titles (WabizTemplateDialog *dialog,
               const char          *expected)
{
  g_autofree char *titles = wabiz_template_dialog_dup_value_titles (dialog);

  g_assert_cmpstr (titles, ==, expected);
}

static gboolean
titles_are (WabizTemplateDialog *dialog,
            const char          *expected)
{
  g_autofree char *titles = wabiz_template_dialog_dup_value_titles (dialog);

  return g_strcmp0 (titles, expected) == 0;
}

/* The component @type (with @sub_type) of a Graph request's template */
static JsonObject *
ledger_component (JsonObject *entry,
                  const char *type)
{
  JsonObject *body = json_object_get_object_member (entry, "body");
  JsonObject *template = json_object_get_object_member (body, "template");
  JsonArray *components = json_object_get_array_member (template, "components");

  for (guint i = 0; components != NULL && i < json_array_get_length (components); i++)
    {
      JsonObject *component = json_array_get_object_element (components, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (component, "type", NULL), type) == 0)
        return component;
    }
  return NULL;
}

/* The first parameter of the component @type */
static JsonObject *
ledger_first_param (JsonObject *entry,
                    const char *type)
{
  JsonObject *component = ledger_component (entry, type);
  JsonArray *params;

  g_assert_nonnull (component);
  params = json_object_get_array_member (component, "parameters");
  g_assert_nonnull (params);
  g_assert_cmpuint (json_array_get_length (params), >=, 1);
  return json_array_get_object_element (params, 0);
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
  g_autofree char *value = NULL;
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
  /* every approved template is offered, each asking for what it needs:
   * a media header's file, a header's text value, a link's end, named
   * values; a rejected one is not */
  g_assert_true (wabiz_template_dialog_select (dialog, "weekend_offer", "en_US"));
  assert_titles (dialog, "{{1}}, for example “15”");
  g_assert_true (gtk_widget_get_mapped (find_child (GTK_WIDGET (dialog), "header_group")));
  g_assert_true (wabiz_template_dialog_select (dialog, "order_tracking", "en_US"));
  assert_titles (dialog, "{{1}} of the header, for example “#4521”\n"
                         "{{1}}, for example “#4521”\n"
                         "{{2}}, for example “tomorrow”\n"
                         "The end of the “Track order” link, for example “4521”");
  g_assert_true (wabiz_template_dialog_select (dialog, "appointment_reminder", "en_US"));
  assert_titles (dialog, "{{first_name}}, for example “Maria”\n{{when}}, for example “Friday 7pm”");
  g_assert_false (wabiz_template_dialog_select (dialog, "summer_promo_2024", "pt_BR"));
  g_assert_true (wabiz_template_dialog_select (dialog, "order_ready", "en_US"));
  assert_titles (dialog, "{{1}}, for example “Maria”\n{{2}}, for example “#4521”");

  /* a value can come from the customer's lead, through the menu beside it */
  WABIZ_TEST_WAIT (wabiz_template_dialog_get_n_lead_fields (dialog) > 0, 30);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "template.fill", "(ss)", "body:0", "name"));
  value = wabiz_template_dialog_dup_value (dialog, "body:0");
  g_assert_cmpstr (value, ==, "Carla Dias");
  preview = wabiz_template_dialog_dup_preview (dialog);
  g_assert_cmpstr (preview, ==, "Hi Carla Dias, your order {{2}} is ready.");
  g_clear_pointer (&preview, g_free);

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
  /* each status webhook sets its own time, in whatever order they come:
   * "read" may land before "delivered" */
  WABIZ_TEST_WAIT (!sql_differs (f, "SELECT (message_id IS NOT NULL AND sent_at IS NOT NULL"
                                    " AND delivered_at IS NOT NULL AND read_at IS NOT NULL)::text"
                                    " FROM messages WHERE type = 'template'",
                                 "true"),
                   60);
  assert_sql (f, "SELECT status FROM messages WHERE type = 'template'", "read");
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

/* media: a header's file uploaded first, then a link's end; Meta gets
 * each in its component */

/* Opens the dialog, picks @name, and waits until it is listed */
static WabizTemplateDialog *
open_dialog_with (WabizConversationsPane *pane,
                  const char             *name)
{
  WabizTemplateDialog *dialog = open_dialog (pane);

  wabiz_test_wait_until (dialog_lists, dialog, 30);
  g_assert_true (wabiz_template_dialog_select (dialog, name, "en_US"));
  return dialog;
}

/* The button of @action under @widget, or NULL */
static GtkWidget *
find_action_button (GtkWidget  *widget,
                    const char *action)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Whether the button of @action shows under @widget */
static gboolean
button_shown (GtkWidget  *widget,
              const char *action)
{
  GtkWidget *button = find_action_button (widget, action);

  return button != NULL && gtk_widget_get_mapped (button);
}

/* Whether the user can press Send */
static gboolean
can_send (WabizTemplateDialog *dialog)
{
  GtkWidget *button = find_action_button (GTK_WIDGET (dialog), "template.send");

  g_assert_nonnull (button);
  return gtk_widget_get_mapped (button) && gtk_widget_is_sensitive (button);
}

static void
media_cb (WabizApplication *app,
          WabizWindow      *window,
          gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane;
  WabizTemplateDialog *dialog;
  g_autoptr(JsonObject) offer = NULL;
  g_autoptr(JsonObject) tracking = NULL;
  g_autoptr(GFile) photo = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *shot = NULL;
  JsonObject *param;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  pane = open_carla (window);

  /* an image header: Send waits for the file, which goes to WhatsApp
   * first, and the message carries its media id */
  dialog = open_dialog_with (pane, "weekend_offer");
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  wabiz_template_dialog_set_value (dialog, 0, "20");
  preview = wabiz_template_dialog_dup_preview (dialog);
  g_assert_cmpstr (preview, ==, "This weekend only: 20% off all pastries. See you soon!");
  g_assert_false (can_send (dialog));
  /* a link WhatsApp cannot fetch is no header either */
  wabiz_template_dialog_set_header_value (dialog, "ftp://shop.example/offer.jpg");
  g_assert_false (can_send (dialog));
  wabiz_template_dialog_set_header_value (dialog, "");
  photo = g_file_new_build_filename (g_getenv ("G_TEST_SRCDIR"), "data", "media", "photo.jpg", NULL);
  wabiz_template_dialog_set_header_file (dialog, photo);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_child (GTK_WIDGET (dialog), "header_file_row"))),
                   ==, "photo.jpg");
  g_assert_true (can_send (dialog));
  wabiz_test_ui_wait_frames (GTK_WIDGET (dialog), 3);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-templates-dialog-media.png");
  g_clear_pointer (&shot, g_free);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "template.send", NULL));
  WABIZ_TEST_WAIT (dialog == NULL, 60);

  WABIZ_TEST_WAIT ((offer = ledger_find_template (f, "weekend_offer")) != NULL, 60);
  g_assert_cmpstr (json_object_get_string_member (offer, "to"), ==, CARLA);
  g_assert_cmpstr (json_object_get_string_member (offer, "result"), ==, "accepted");
  param = ledger_first_param (offer, "header");
  g_assert_cmpstr (json_object_get_string_member (param, "type"), ==, "image");
  /* the id the upload gave, not a link */
  g_assert_false (json_object_has_member (json_object_get_object_member (param, "image"), "link"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (param, "image"), "id"), !=, "");
  g_assert_cmpstr (json_object_get_string_member (ledger_first_param (offer, "body"), "text"), ==, "20");

  /* a header's text value, the body's and a link's end, each where
   * Meta wants it */
  dialog = open_dialog_with (pane, "order_tracking");
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  wabiz_template_dialog_set_header_value (dialog, "#4522");
  wabiz_template_dialog_set_value (dialog, 0, "#4522");
  wabiz_template_dialog_set_value (dialog, 1, "on Friday");
  g_assert_false (can_send (dialog));
  wabiz_template_dialog_set_button_value (dialog, 0, "4522");
  g_assert_true (can_send (dialog));
  g_clear_pointer (&preview, g_free);
  preview = wabiz_template_dialog_dup_preview (dialog);
  g_assert_cmpstr (preview, ==, "Your order #4522 has shipped and arrives on Friday. Thank you!");
  wabiz_test_ui_wait_frames (GTK_WIDGET (dialog), 3);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-templates-dialog-link.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "template.send", NULL));
  WABIZ_TEST_WAIT (dialog == NULL, 60);

  WABIZ_TEST_WAIT ((tracking = ledger_find_template (f, "order_tracking")) != NULL, 60);
  g_assert_cmpstr (json_object_get_string_member (tracking, "result"), ==, "accepted");
  g_assert_cmpstr (json_object_get_string_member (ledger_first_param (tracking, "header"), "text"), ==, "#4522");
  g_assert_cmpstr (json_object_get_string_member (ledger_component (tracking, "button"), "sub_type"), ==, "url");
  g_assert_cmpstr (json_object_get_string_member (ledger_component (tracking, "button"), "index"), ==, "0");
  g_assert_cmpstr (json_object_get_string_member (ledger_first_param (tracking, "button"), "text"), ==, "4522");
  assert_sql (f, "SELECT count(*) FROM messages WHERE type = 'template'", "2");
}

static void
test_media (Fixture       *f,
            gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_test_ui_run (media_cb, f);
}

/* pane: the list from Meta, page by page; a template written in the
 * editor, checked as typed, reviewed by Meta; a rejected one with its
 * reason; deletion */

/* Whether a label under @widget shows @text (a toast's, a row's) */
static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (!gtk_widget_get_mapped (widget))
    return FALSE;
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;
  return FALSE;
}

static WabizTemplateEditor *
find_editor (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (WABIZ_IS_TEMPLATE_EDITOR (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return WABIZ_TEMPLATE_EDITOR (window);
    }
  return NULL;
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static GObject *
editor_child (WabizTemplateEditor *editor,
              const char          *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (editor), WABIZ_TYPE_TEMPLATE_EDITOR, name);

  g_assert_nonnull (child);
  return child;
}

static void
editor_type (WabizTemplateEditor *editor,
             const char          *name,
             const char          *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editor_child (editor, name)), text);
}

static void
editor_type_body (WabizTemplateEditor *editor,
                  const char          *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor_child (editor, "body_view"))), text, -1);
}

static char *
editor_body (WabizTemplateEditor *editor)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor_child (editor, "body_view")));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Whether the user can press Submit */
static gboolean
can_submit (WabizTemplateEditor *editor)
{
  GtkWidget *button = find_action_button (GTK_WIDGET (editor), "editor.submit");

  g_assert_nonnull (button);
  return gtk_widget_is_sensitive (button);
}

/* The position of @name in @language in the pane's list, -1 if absent */
static int
pane_find (WabizTemplatesPane *pane,
           const char         *name,
           const char         *status)
{
  GListModel *model = G_LIST_MODEL (wabiz_templates_pane_get_model (pane));

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(WabizTemplate) t = g_list_model_get_item (model, i);

      if (g_str_equal (wabiz_template_get_name (t), name) &&
          (status == NULL || g_strcmp0 (wabiz_template_get_status (t), status) == 0))
        return i;
    }
  return -1;
}

/* The template row under @widget that shows @name, or NULL */
static GtkWidget *
find_template_row (GtkWidget  *widget,
                   const char *name)
{
  if (WABIZ_IS_TEMPLATE_ROW (widget))
    return g_strcmp0 (wabiz_test_ui_row_label (widget, "name_label"), name) == 0 ? widget : NULL;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_template_row (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The row of the list that shows @name, as the user sees it */
static GtkWidget *
pane_row (WabizTemplatesPane *pane,
          const char         *name)
{
  g_assert_cmpint (pane_find (pane, name, NULL), >=, 0);
  return find_template_row (GTK_WIDGET (pane), name);
}

static const char *
pane_label (WabizTemplatesPane *pane,
            const char         *name)
{
  GObject *label = gtk_widget_get_template_child (GTK_WIDGET (pane), WABIZ_TYPE_TEMPLATES_PANE, name);

  g_assert_nonnull (label);
  return gtk_widget_get_mapped (GTK_WIDGET (label)) ? gtk_label_get_text (GTK_LABEL (label)) : NULL;
}

/* Waits for the pane's sync from Meta to end, then for @name in its list.
 * In between it logs what the pane shows, so that a sync that ends without
 * @name says why in the test's log. */
static void
wait_for_synced (WabizTemplatesPane *pane,
                 const char         *name)
{
  GObject *status;
  const char *count;

  WABIZ_TEST_WAIT (!wabiz_templates_pane_get_syncing (pane), 60);
  status = gtk_widget_get_template_child (GTK_WIDGET (pane), WABIZ_TYPE_TEMPLATES_PANE, "status_page");
  count = pane_label (pane, "count_label");
  if (count != NULL)
    g_test_message ("Templates pane after its sync: “%s”", count);
  else if (gtk_widget_get_mapped (GTK_WIDGET (status)))
    g_test_message ("Templates pane after its sync: “%s”: “%s”", adw_status_page_get_title (ADW_STATUS_PAGE (status)),
                    adw_status_page_get_description (ADW_STATUS_PAGE (status)));
  WABIZ_TEST_WAIT (pane_find (pane, name, NULL) >= 0, 60);
}

static guint
language_index (const char *code)
{
  const char * const *languages = wabiz_template_get_languages ();

  for (guint i = 0; languages[i] != NULL; i++)
    if (g_str_equal (languages[i], code))
      return i;
  g_assert_not_reached ();
}

/* Opens the editor with New, and fills a template with an image header,
 * a numbered body, a footer and a link and quick reply buttons */
static WabizTemplateEditor *
write_template (WabizTemplatesPane *pane,
                const char         *name)
{
  WabizTemplateEditor *editor;
  g_autoptr(GFile) photo = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "templates.new", NULL));
  WABIZ_TEST_WAIT ((editor = find_editor ()) != NULL, 30);
  editor_type (editor, "name_row", name);
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_child (editor, "category_row")), 0);  /* MARKETING */
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_child (editor, "language_row")), language_index ("en_US"));
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_child (editor, "header_type_row")), 2);  /* IMAGE */
  photo = g_file_new_build_filename (g_getenv ("G_TEST_SRCDIR"), "data", "media", "photo.jpg", NULL);
  wabiz_template_editor_set_example_file (editor, photo);
  editor_type_body (editor, "Hi {{1}}, brunch is on us this Sunday with the code below.");
  gtk_editable_set_text (wabiz_template_editor_get_example_entry (editor, 0), "Maria");
  editor_type (editor, "footer_row", "Reply STOP to opt out");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.add-button", "s", "URL"));
  gtk_editable_set_text (wabiz_template_editor_get_button_entry (editor, 0, "text"), "See the menu");
  gtk_editable_set_text (wabiz_template_editor_get_button_entry (editor, 0, "url"), "https://shop.example/m/{{1}}");
  gtk_editable_set_text (wabiz_template_editor_get_button_entry (editor, 0, "example"), "sunday");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.add-button", "s", "QUICK_REPLY"));
  gtk_editable_set_text (wabiz_template_editor_get_button_entry (editor, 1, "text"), "Book a table");
  /* no entry keeps blinking once the form goes insensitive or away */
  gtk_window_set_focus (GTK_WINDOW (editor), NULL);
  return editor;
}

static void
pane_cb (WabizApplication *app,
         WabizWindow      *window,
         gpointer          data)
{
  Fixture *f = data;
  WabizServices *services = wabiz_application_get_services (app);
  WabizTemplatesPane *pane;
  WabizTemplateEditor *editor;
  WabizTemplateDialog *dialog;
  AdwMessageDialog *question;
  GtkWidget *row;
  g_autofree char *url = NULL;
  g_autofree char *webhook_url = NULL;
  g_autofree char *shot = NULL;
  g_autoptr(WabizTemplate) made = NULL;
  int position;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  url = wabiz_http_server_dup_url (wabiz_services_get_http (services));
  webhook_url = g_strconcat (url, "/webhook", NULL);
  g_object_set (f->sim, "webhook-url", webhook_url, NULL);

  /* the list: every template Meta has, asked three at a time */
  _wabiz_graph_client_set_template_page_size (wabiz_services_get_graph (services), 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "templates"));
  pane = WABIZ_TEMPLATES_PANE (wabiz_window_get_pane (window, "templates"));
  wait_for_synced (pane, "weekend_offer");
  WABIZ_TEST_WAIT (!wabiz_templates_pane_get_syncing (pane) && pane_find (pane, "weekend_offer", NULL) >= 0 &&
                   pane_find (pane, "hello_world", NULL) >= 0 &&
                   g_list_model_get_n_items (G_LIST_MODEL (wabiz_templates_pane_get_model (pane))) == 7, 60);
  assert_sql (f, "SELECT count(*) FROM templates", "7");
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 4);
  /* each row says the name, language and category, Meta's status and
   * quality; a rejected one why */
  row = pane_row (pane, "order_ready");
  g_assert_nonnull (row);
  g_assert_cmpstr (wabiz_test_ui_row_label (row, "name_label"), ==, "order_ready");
  g_assert_cmpstr (wabiz_test_ui_row_label (row, "status_label"), ==, wabiz_template_status_to_label ("APPROVED"));
  row = pane_row (pane, "summer_promo_2024");
  g_assert_nonnull (row);
  g_assert_cmpstr (wabiz_test_ui_row_label (row, "status_label"), ==, wabiz_template_status_to_label ("REJECTED"));
  g_assert_true (shows_label (GTK_WIDGET (pane), "7 Templates"));
  shot = wabiz_test_ui_screenshot (window, "ui-templates-pane.png");
  g_clear_pointer (&shot, g_free);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  shot = wabiz_test_ui_screenshot (window, "ui-templates-pane-dark.png");
  g_clear_pointer (&shot, g_free);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* filtered by status: the rejected one, with Meta's reason opened */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (gtk_widget_get_template_child (GTK_WIDGET (pane), WABIZ_TYPE_TEMPLATES_PANE,
                                                                            "status_filter")), 3);  /* REJECTED */
  WABIZ_TEST_WAIT (g_list_model_get_n_items (G_LIST_MODEL (wabiz_templates_pane_get_model (pane))) == 1 &&
                   pane_find (pane, "summer_promo_2024", "REJECTED") == 0, 30);
  wabiz_templates_pane_open (pane, 0);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  g_assert_cmpstr (pane_label (pane, "details_name"), ==, "summer_promo_2024");
  g_assert_nonnull (pane_label (pane, "details_reason"));
  g_assert_true (button_shown (GTK_WIDGET (pane), "templates.fix"));
  g_assert_false (button_shown (GTK_WIDGET (pane), "templates.send"));
  shot = wabiz_test_ui_screenshot (window, "ui-templates-pane-rejected.png");
  g_clear_pointer (&shot, g_free);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (gtk_widget_get_template_child (GTK_WIDGET (pane), WABIZ_TYPE_TEMPLATES_PANE,
                                                                            "status_filter")), 0);
  WABIZ_TEST_WAIT (g_list_model_get_n_items (G_LIST_MODEL (wabiz_templates_pane_get_model (pane))) == 7, 30);

  /* the editor: each broken rule shown where it is, before submitting */
  editor = write_template (pane, "brunch_sunday");
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  wabiz_test_ui_wait_frames (GTK_WIDGET (editor), 2);
  g_assert_null (wabiz_template_editor_get_problem (editor, "name"));
  g_assert_null (wabiz_template_editor_get_problem (editor, "body"));
  g_assert_null (wabiz_template_editor_get_problem (editor, "header"));
  g_assert_null (wabiz_template_editor_get_problem (editor, "buttons"));
  g_assert_true (can_submit (editor));
  /* without a Gemini key, Write with AI says where one goes */
  g_assert_true (button_shown (GTK_WIDGET (editor), "app.preferences"));
  g_assert_true (gtk_widget_is_sensitive (find_action_button (GTK_WIDGET (editor), "app.preferences")));
  editor_type (editor, "name_row", "Brunch Sunday");
  g_assert_nonnull (wabiz_template_editor_get_problem (editor, "name"));
  g_assert_false (can_submit (editor));
  editor_type (editor, "name_row", "brunch_sunday");
  /* a placeholder at the start, at the end (before a full stop only),
   * two side by side */
  editor_type_body (editor, "{{1}}, brunch is on us this Sunday with the code below.");
  g_assert_nonnull (wabiz_template_editor_get_problem (editor, "body"));
  editor_type_body (editor, "Brunch is on us this Sunday, {{1}}.");
  g_assert_nonnull (wabiz_template_editor_get_problem (editor, "body"));
  editor_type_body (editor, "Hi {{1}}{{2}}, brunch is on us this Sunday with the code below.");
  g_assert_nonnull (wabiz_template_editor_get_problem (editor, "body"));
  g_assert_false (can_submit (editor));
  editor_type_body (editor, "Hi {{1}}, brunch is on us this Sunday with the code below.");
  gtk_editable_set_text (wabiz_template_editor_get_example_entry (editor, 0), "Maria");
  /* the footer's 60 characters */
  editor_type (editor, "footer_row", "Reply STOP to opt out of these messages about our weekend brunch");
  g_assert_nonnull (wabiz_template_editor_get_problem (editor, "footer"));
  g_assert_false (can_submit (editor));
  editor_type (editor, "footer_row", "Reply STOP to opt out");
  /* a link's {{1}} needs its example */
  gtk_editable_set_text (wabiz_template_editor_get_button_entry (editor, 0, "example"), "");
  g_assert_nonnull (wabiz_template_editor_get_problem (editor, "buttons"));
  g_assert_false (can_submit (editor));
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (editor), "ui-templates-editor-problems.png");
  g_clear_pointer (&shot, g_free);
  gtk_editable_set_text (wabiz_template_editor_get_button_entry (editor, 0, "example"), "sunday");
  g_assert_null (wabiz_template_editor_get_problem (editor, "buttons"));
  g_assert_null (wabiz_template_editor_get_problem (editor, "footer"));
  g_assert_null (wabiz_template_editor_get_problem (editor, "body"));
  g_assert_null (wabiz_template_editor_get_problem (editor, "name"));
  /* the preview shows it as the customer's phone will */
  g_assert_cmpstr (wabiz_template_preview_get_body (wabiz_template_editor_get_preview (editor)), ==,
                   "Hi Maria, brunch is on us this Sunday with the code below.");
  g_assert_cmpstr (wabiz_template_preview_get_footer (wabiz_template_editor_get_preview (editor)), ==,
                   "Reply STOP to opt out");
  wabiz_test_ui_wait_frames (GTK_WIDGET (editor), 2);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (editor), "ui-templates-editor.png");
  g_clear_pointer (&shot, g_free);

  /* submitted: the file goes up first, Meta has it pending, then its
   * review's webhook approves it, with a toast */
  g_assert_true (can_submit (editor));
  gtk_window_set_focus (GTK_WINDOW (editor), NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.submit", NULL));
  WABIZ_TEST_WAIT (editor == NULL, 60);
  WABIZ_TEST_WAIT (shows_label (GTK_WIDGET (window), "Meta approved “brunch_sunday”: it can be sent now"), 60);
  WABIZ_TEST_WAIT ((position = pane_find (pane, "brunch_sunday", "APPROVED")) >= 0, 60);
  wabiz_templates_pane_open (pane, position);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  g_assert_cmpstr (pane_label (pane, "details_name"), ==, "brunch_sunday");
  g_assert_cmpstr (pane_label (pane, "details_status"), ==, wabiz_template_status_to_label ("APPROVED"));
  g_assert_true (button_shown (GTK_WIDGET (pane), "templates.send"));
  g_assert_false (button_shown (GTK_WIDGET (pane), "templates.fix"));
  /* as Meta has it: asked again, the image header and both buttons */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "templates.refresh", NULL));
  WABIZ_TEST_WAIT (!wabiz_templates_pane_get_syncing (pane), 60);
  made = g_object_ref (wabiz_templates_pane_get_shown (pane));
  g_assert_cmpstr (wabiz_template_get_header_format (made), ==, "IMAGE");
  g_assert_cmpuint (wabiz_template_get_n_buttons (made), ==, 2);
  assert_sql (f, "SELECT status FROM templates WHERE name = 'brunch_sunday'", "APPROVED");
  shot = wabiz_test_ui_screenshot (window, "ui-templates-pane-approved.png");
  g_clear_pointer (&shot, g_free);

  /* Send… opens the send dialog on it, asking for the customer too */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "templates.send", NULL));
  WABIZ_TEST_WAIT ((dialog = find_dialog ()) != NULL, 30);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  WABIZ_TEST_WAIT (titles_are (dialog, "{{1}}, for example “Maria”\n"
                                       "The end of the “See the menu” link, for example “sunday”"), 30);
  g_assert_true (gtk_widget_get_mapped (find_child (GTK_WIDGET (dialog), "customer_group")));
  g_assert_true (gtk_widget_get_mapped (find_child (GTK_WIDGET (dialog), "header_group")));
  g_assert_false (can_send (dialog));
  gtk_window_close (GTK_WINDOW (dialog));
  WABIZ_TEST_WAIT (dialog == NULL, 30);

  /* one Meta rejects: the toast, then the reason by the field */
  editor = write_template (pane, "brunch_reject");
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.submit", NULL));
  WABIZ_TEST_WAIT (editor == NULL, 60);
  WABIZ_TEST_WAIT (shows_label (GTK_WIDGET (window), "Meta rejected “brunch_reject”: open it to see why"), 60);
  WABIZ_TEST_WAIT ((position = pane_find (pane, "brunch_reject", "REJECTED")) >= 0, 60);
  wabiz_templates_pane_open (pane, position);
  g_assert_cmpstr (pane_label (pane, "details_reason"), ==,
                   "Meta found the format not valid: check the placeholders (numbered in order, not at the "
                   "start or the end, with an example each) and the buttons, then submit again.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "templates.fix", NULL));
  WABIZ_TEST_WAIT ((editor = find_editor ()) != NULL, 30);
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  g_assert_nonnull (strstr (wabiz_template_editor_get_problem (editor, "body"), "Meta found the format not valid"));
  wabiz_test_ui_wait_frames (GTK_WIDGET (editor), 2);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (editor), "ui-templates-editor-fix.png");
  g_clear_pointer (&shot, g_free);
  gtk_window_set_focus (GTK_WINDOW (editor), NULL);
  gtk_window_close (GTK_WINDOW (editor));
  WABIZ_TEST_WAIT (editor == NULL, 30);

  /* deletion: the consequences said; then gone from Meta and the list */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "templates.delete", NULL));
  WABIZ_TEST_WAIT ((question = find_message_dialog ()) != NULL, 30);
  g_assert_cmpstr (adw_message_dialog_get_heading (question), ==, "Delete “brunch_reject”?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (question), "30 days"));
  g_object_add_weak_pointer (G_OBJECT (question), (gpointer *) &question);
  /* as its Delete button does: the response, then it closes */
  adw_message_dialog_response (question, "delete");
  gtk_window_close (GTK_WINDOW (question));
  WABIZ_TEST_WAIT (question == NULL, 30);
  WABIZ_TEST_WAIT (pane_find (pane, "brunch_reject", NULL) < 0, 60);
  WABIZ_TEST_WAIT (shows_label (GTK_WIDGET (window), "“brunch_reject” deleted"), 60);
  assert_sql (f, "SELECT count(*) FROM templates WHERE name = 'brunch_reject'", "0");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "templates.refresh", NULL));
  WABIZ_TEST_WAIT (!wabiz_templates_pane_get_syncing (pane), 60);
  g_assert_cmpint (pane_find (pane, "brunch_reject", NULL), <, 0);
  g_assert_cmpint (pane_find (pane, "brunch_sunday", NULL), >=, 0);
  g_object_set (f->sim, "webhook-url", NULL, NULL);
}

static void
test_pane (Fixture       *f,
           gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_test_ui_run (pane_cb, f);
}

/* ai: Gemini writes the body into the editor, mending what broke a
 * rule; Stop gives the owner's text back */

static gboolean
editor_writing (WabizTemplateEditor *editor)
{
  return g_str_equal (wabiz_template_editor_get_state (editor), "writing");
}

static void
ai_cb (WabizApplication *app,
       WabizWindow      *window,
       gpointer          data)
{
  Fixture *f = data;
  WabizTemplatesPane *pane;
  WabizTemplateEditor *editor;
  WabizTemplatePreview *preview;
  g_autoptr(JsonNode) script = NULL;
  g_autoptr(JsonNode) slow = NULL;
  g_autoptr(JsonArray) asked = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *body = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "templates"));
  pane = WABIZ_TEMPLATES_PANE (wabiz_window_get_pane (window, "templates"));
  wait_for_synced (pane, "order_ready");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "templates.new", NULL));
  WABIZ_TEST_WAIT ((editor = find_editor ()) != NULL, 30);
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  g_assert_true (button_shown (GTK_WIDGET (editor), "editor.write-ai"));
  editor_type (editor, "name_row", "cake_ready");
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_child (editor, "category_row")), 1);  /* UTILITY */
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_child (editor, "language_row")), language_index ("en_US"));
  editor_type_body (editor, "My own words");

  /* without a description Gemini is not asked; the owner is told what to write */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.write-ai", NULL));
  g_assert_cmpstr (wabiz_template_editor_get_state (editor), ==, "editing");
  g_assert_nonnull (strstr (wabiz_template_editor_get_ai_status (editor), "Say what the message is for first"));
  g_assert_cmpuint (json_array_get_length (asked = wabiz_sim_server_dup_gemini_requests (f->sim, 0)), ==, 0);
  g_clear_pointer (&asked, json_array_unref);

  /* its first draft starts with a placeholder: asked again, it mends it */
  script = json_from_string ("[{\"fault\": \"placeholder_at_start\"}]", NULL);
  g_assert_true (wabiz_sim_server_add_gemini_answers (f->sim, json_node_get_array (script), &error));
  g_assert_no_error (error);
  editor_type (editor, "ai_row", "tell customers their birthday cake is ready to pick up at the shop");
  gtk_window_set_focus (GTK_WINDOW (editor), NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.write-ai", NULL));
  g_assert_true (editor_writing (editor));
  g_assert_true (button_shown (GTK_WIDGET (editor), "editor.stop-ai"));
  g_assert_false (can_submit (editor));
  WABIZ_TEST_WAIT (!editor_writing (editor), 60);
  g_assert_cmpstr (wabiz_template_editor_get_ai_status (editor), ==,
                   "Gemini’s draft is in: read it and change what you like, then submit it.");
  asked = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (asked), ==, 2);
  body = editor_body (editor);
  g_assert_cmpstr (body, !=, "");
  g_assert_cmpstr (body, !=, "My own words");
  g_assert_false (g_str_has_prefix (body, "{{"));
  /* the draft keeps every rule, so it can be submitted as it is; the
   * preview has the examples in its placeholders */
  g_assert_null (wabiz_template_editor_get_problem (editor, "body"));
  g_assert_null (wabiz_template_editor_get_problem (editor, "footer"));
  g_assert_true (can_submit (editor));
  preview = wabiz_template_editor_get_preview (editor);
  g_assert_cmpstr (wabiz_template_preview_get_body (preview), !=, "");
  g_assert_null (strstr (wabiz_template_preview_get_body (preview), "{{"));
  g_assert_true (button_shown (GTK_WIDGET (editor), "editor.write-ai"));
  wabiz_test_ui_wait_frames (GTK_WIDGET (editor), 2);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (editor), "ui-templates-editor-ai.png");
  g_clear_pointer (&shot, g_free);

  /* Stop while it writes: the text before it, as it was */
  editor_type_body (editor, "My own words");
  slow = json_from_string ("{\"gemini_stream_chunk_delay_ms\": 2000}", NULL);
  g_assert_true (wabiz_sim_server_update_config (f->sim, json_node_get_object (slow), &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.write-ai", NULL));
  g_assert_true (editor_writing (editor));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.stop-ai", NULL));
  WABIZ_TEST_WAIT (!editor_writing (editor), 30);
  g_assert_cmpstr (wabiz_template_editor_get_ai_status (editor), ==, "Stopped: your text is as it was.");
  g_clear_pointer (&body, g_free);
  body = editor_body (editor);
  g_assert_cmpstr (body, ==, "My own words");

  /* closed while Gemini writes: it stops, and nothing touches the
   * editor after */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.write-ai", NULL));
  g_assert_true (editor_writing (editor));
  gtk_window_close (GTK_WINDOW (editor));
  WABIZ_TEST_WAIT (editor == NULL, 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
}

static void
test_ai (Fixture       *f,
         gconstpointer  data)
{
  g_autoptr(GSettings) settings = NULL;

  if (wabiz_test_ui_skip_without_display ())
    return;

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  settings = g_settings_new ("org.example.WaBiz");
  g_settings_set_string (settings, "gemini-url", wabiz_sim_server_get_base_url (f->sim));
  store_gemini_key (WABIZ_SIM_DEFAULT_GEMINI_KEY);
  f->gemini = TRUE;
  wabiz_test_ui_run (ai_cb, f);
}

/* cancelled: the database cancels the sync's query (an administrator,
 * a statement timeout); the pane says so and can check again */

typedef struct
{
  Fixture *f;
  PGconn  *lock;  /* holds templates in SHARE mode: the sync's writes wait */
} Cancelled;

/* the sync's first write, waiting for the lock */
#define SYNC_WAITS "wait_event_type = 'Lock' AND query LIKE 'INSERT INTO templates%'"

/* Whether @name is in the pane's list; fails the test if the pane says it
 * has no templates meanwhile */
static gboolean
shows_no_empty_until (WabizTemplatesPane *pane,
                      const char         *name)
{
  g_assert_cmpstr (wabiz_test_ui_visible_status_title (GTK_WIDGET (pane)), !=, "No Templates Yet");
  return pane_find (pane, name, NULL) >= 0;
}

static void
cancelled_cb (WabizApplication *app,
              WabizWindow      *window,
              gpointer          data)
{
  Cancelled *c = data;
  Fixture *f = c->f;
  WabizTemplatesPane *pane;
  GObject *status;
  g_autofree char *shot = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "templates"));
  pane = WABIZ_TEMPLATES_PANE (wabiz_window_get_pane (window, "templates"));
  WABIZ_TEST_WAIT (sql_differs (f, "SELECT count(*) FROM pg_stat_activity WHERE " SYNC_WAITS, "0"), 60);
  g_assert_true (wabiz_templates_pane_get_syncing (pane));
  g_assert_false (button_shown (GTK_WIDGET (pane), "templates.refresh"));
  assert_sql (f, "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE " SYNC_WAITS, "1");

  /* the sync ends: the owner reads why, and Refresh works again */
  WABIZ_TEST_WAIT (!wabiz_templates_pane_get_syncing (pane), 60);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  g_assert_true (wabiz_test_ui_shows_status (GTK_WIDGET (pane), "No Templates Yet"));
  status = gtk_widget_get_template_child (GTK_WIDGET (pane), WABIZ_TYPE_TEMPLATES_PANE, "status_page");
  g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)), ==,
                   "WaBiz could not ask Meta for your templates: The database query was cancelled");
  g_assert_true (button_shown (GTK_WIDGET (pane), "templates.refresh"));
  g_assert_true (gtk_widget_is_sensitive (find_action_button (GTK_WIDGET (pane), "templates.refresh")));
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), "ui-templates-sync-cancelled.png");
  assert_sql (f, "SELECT count(*) FROM templates", "0");

  PQclear (PQexec (c->lock, "ROLLBACK"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "templates.refresh", NULL));
  g_assert_true (wabiz_templates_pane_get_syncing (pane));
  /* the templates stored, never "No Templates Yet" before the list shows them */
  WABIZ_TEST_WAIT (!wabiz_templates_pane_get_syncing (pane), 60);
  WABIZ_TEST_WAIT (shows_no_empty_until (pane, "order_ready"), 60);
  g_assert_cmpstr (pane_label (pane, "count_label"), !=, "");
  g_assert_null (strstr (pane_label (pane, "count_label"), "Could not check"));
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  Cancelled c = { f, NULL };
  PGresult *res;

  if (wabiz_test_ui_skip_without_display ())
    return;

  c.lock = PQconnectdb (f->conninfo);
  g_assert_cmpint (PQstatus (c.lock), ==, CONNECTION_OK);
  PQclear (PQexec (c.lock, "BEGIN"));
  res = PQexec (c.lock, "LOCK TABLE templates IN SHARE MODE");
  g_assert_cmpint (PQresultStatus (res), ==, PGRES_COMMAND_OK);
  PQclear (res);

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_test_ui_run (cancelled_cb, &c);
  PQfinish (c.lock);
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
  WabizTemplatesPane *templates;
  GtkWidget *back;
  int position;
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

  /* Templates: the list with the window's, a template with its own */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "templates"));
  templates = WABIZ_TEMPLATES_PANE (wabiz_window_get_pane (window, "templates"));
  WABIZ_TEST_WAIT (!wabiz_templates_pane_get_syncing (templates) &&
                   (position = pane_find (templates, "order_tracking", NULL)) >= 0, 60);
  back = the_back_button (window);
  g_assert_nonnull (back);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (back)), ==, "win.show-sidebar");
  g_assert_nonnull (find_template_row (GTK_WIDGET (templates), "order_ready"));
  g_clear_pointer (&shot, g_free);
  shot = wabiz_test_ui_screenshot (window, "ui-templates-narrow-templates.png");
  wabiz_templates_pane_open (templates, position);
  back = the_back_button (window);
  g_assert_nonnull (back);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (back)), ==, "templates.show-list");
  g_assert_cmpstr (pane_label (templates, "details_name"), ==, "order_tracking");
  g_assert_true (button_shown (GTK_WIDGET (templates), "templates.send"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  g_clear_pointer (&shot, g_free);
  shot = wabiz_test_ui_screenshot (window, "ui-templates-narrow-template-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  g_signal_emit_by_name (back, "clicked");
  back = the_back_button (window);
  g_assert_nonnull (back);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (back)), ==, "win.show-sidebar");
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  /* the Templates pane lists the simulator's */
  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_test_ui_run (narrow_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/templates/send", Fixture, NULL, fixture_setup, test_send, fixture_teardown);
  g_test_add ("/wabiz/ui/templates/media", Fixture, NULL, fixture_setup, test_media, fixture_teardown);
  g_test_add ("/wabiz/ui/templates/pane", Fixture, NULL, fixture_setup, test_pane, fixture_teardown);
  g_test_add ("/wabiz/ui/templates/ai", Fixture, NULL, fixture_setup, test_ai, fixture_teardown);
  g_test_add ("/wabiz/ui/templates/narrow", Fixture, NULL, fixture_setup, test_narrow, fixture_teardown);
  g_test_add ("/wabiz/ui/templates/cancelled", Fixture, NULL, fixture_setup, test_cancelled, fixture_teardown);
  g_test_add ("/wabiz/ui/templates/empty", Fixture, NULL, fixture_setup, test_empty, fixture_teardown);

  return g_test_run ();
}
