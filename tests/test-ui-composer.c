/* test-ui-composer.c: the composer and the chat's banners under Xvfb,
 * against a real database, the app's services and the simulator (Meta
 * and Gemini): quick replies kept by the owner and filled from the lead,
 * "Suggest a Reply", Gemini's reading of messages and the automatic
 * ones, a person needed, opted-out customers, and messages sent later.
 *
 * SPDX-License-Identifier: MIT
 *
 * Screenshots go to $WABIZ_BUILD_DIR/screenshots as ui-composer-*.png.
 * Without a display every test is skipped.
 */

#include "config.h"

#include "wabiz-application.h"
#include "wabiz-campaign-model-private.h"
#include "wabiz-chat-banners.h"
#include "wabiz-chat-view.h"
#include "wabiz-composer.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-message-row.h"
#include "wabiz-quick-replies-dialog.h"
#include "wabiz-secrets.h"
#include "wabiz-sim-gemini.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define ANA "5511999990001"
#define BRUNO "5511999990002"
#define CARLA "5511999990003"

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;
  WabizDb        *db;
  gboolean        gemini;  /* the app has a Gemini key (the simulator's) */
} Fixture;

/* Ana wrote an hour ago (Gemini read her messages; WaBiz greeted her by
 * itself), in São Paulo's time; Bruno said STOP two days ago and wrote
 * again since; Carla asked for a person. */
static const char *seed_sql =
  "INSERT INTO leads (phone, name, status, timezone) VALUES"
  "  ('" ANA "', 'Ana Souza', 'INTERESTED', 'America/Sao_Paulo'), ('" BRUNO "', 'Bruno Lima', 'NEW', NULL),"
  "  ('" CARLA "', 'Carla Dias', 'CONTACTED', NULL);"
  "UPDATE leads SET opted_out_at = now() - interval '2 days' WHERE phone = '" BRUNO "';"
  "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\", message_id, sentiment, intent,"
  "                      automatic) VALUES"
  " ('" ANA "', 'Hello! Do you still have the blue Zanzibar vase?', 'inbound', 'received', 'text',"
  "   now() - interval '2 hours', 'wamid.ana1', 'positive', 'question', NULL),"
  " ('" ANA "', 'Hi! Thanks for writing to Loja Azul. We answer within the hour.', 'outbound', 'sent', 'text',"
  "   now() - interval '1 hour 59 minutes', 'wamid.ana2', NULL, NULL, 'greeting'),"
  " ('" ANA "', 'Yes, one left. Shall I keep it for you?', 'outbound', 'sent', 'text',"
  "   now() - interval '1 hour 30 minutes', 'wamid.ana3', NULL, NULL, NULL),"
  " ('" ANA "', 'The last one I bought arrived broken.', 'inbound', 'received', 'text',"
  "   now() - interval '1 hour', 'wamid.ana4', 'negative', 'complaint', NULL),"
  " ('" BRUNO "', 'STOP', 'inbound', 'received', 'text', now() - interval '2 days', 'wamid.bruno1',"
  "   'neutral', 'opt_out', NULL),"
  " ('" BRUNO "', 'Is the shop open on Sunday?', 'inbound', 'received', 'text', now() - interval '30 minutes',"
  "   'wamid.bruno2', NULL, NULL, NULL),"
  " ('" CARLA "', 'I want to talk to a person, please', 'inbound', 'received', 'text',"
  "   now() - interval '20 minutes', 'wamid.carla1', 'negative', 'other', NULL);"
  "INSERT INTO conversations (phone, lead_id, total_messages, last_message, last_message_time, last_direction,"
  "                           unread_count, last_inbound_at)"
  " SELECT m.phone, l.id, count(*), (array_agg(m.message ORDER BY m.\"timestamp\" DESC))[1],"
  "   max(m.\"timestamp\"), (array_agg(m.direction ORDER BY m.\"timestamp\" DESC))[1], 0,"
  "   max(m.\"timestamp\") FILTER (WHERE m.direction = 'inbound')"
  " FROM messages m JOIN leads l ON l.phone = m.phone GROUP BY m.phone, l.id;"
  "UPDATE conversations SET needs_human = true, needs_human_reason = 'asked_for_human', needs_human_at = now()"
  " WHERE phone = '" CARLA "';"
  "INSERT INTO quick_replies (shortcut, body) VALUES ('hours', 'We are open 9–18, Monday to Saturday.');";

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
  /* the app sends through the simulator: the ledger says what went */
  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_sim_server_set_window (f->sim, ANA, TRUE);
  wabiz_sim_server_set_window (f->sim, BRUNO, TRUE);
  wabiz_sim_server_set_window (f->sim, CARLA, TRUE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (wabiz_test_ui_available ())
    {
      g_autoptr(GSettings) settings = g_settings_new ("org.example.WaBiz");

      wabiz_test_ui_set_meta (NULL, FALSE);
      g_settings_reset (settings, "gemini-url");
      if (f->gemini)
        store_gemini_key (NULL);
    }
  _wabiz_campaign_set_now (0);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  if (f->sim != NULL)
    wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  if (f->db != NULL)
    wabiz_db_close (f->db);
  g_clear_object (&f->db);
  wabiz_test_ui_clear_database (&f->conninfo);
}

/* helpers */

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

static gboolean
sql_is (Fixture    *f,
        const char *sql,
        const char *expected)
{
  g_autofree char *value = sql_text (f, sql);

  return g_strcmp0 (value, expected) == 0;
}

static void
sql_exec (Fixture    *f,
          const char *sql)
{
  g_autofree char *ignored = sql_text (f, sql);
}

static WabizConversationsPane *
show_pane (WabizWindow *window)
{
  WabizPane *pane;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "conversations"));
  pane = wabiz_window_get_pane (window, "conversations");
  g_assert_true (wabiz_pane_get_loaded (pane));
  return WABIZ_CONVERSATIONS_PANE (pane);
}

typedef struct
{
  WabizMessagesModel *model;
  guint               n;
} CountWait;

static gboolean
has_n_messages (gpointer data)
{
  CountWait *w = data;

  return w->model != NULL && g_list_model_get_n_items (G_LIST_MODEL (w->model)) >= w->n;
}

static WabizMessagesModel *
open_chat (WabizConversationsPane *pane,
           const char             *phone,
           guint                   n_messages)
{
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  CountWait w = { NULL, n_messages };
  WabizConversation *open;

  wabiz_conversations_pane_open (pane, phone);
  WABIZ_TEST_WAIT ((open = wabiz_chat_view_get_conversation (chat)) != NULL &&
                   g_str_equal (wabiz_conversation_get_phone (open), phone), 60);
  w.model = wabiz_chat_view_get_messages (chat);
  wabiz_test_wait_until (has_n_messages, &w, 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (pane), 3);
  return w.model;
}

static void
wait_n_messages (WabizMessagesModel *model,
                 guint               n)
{
  CountWait w = { model, n };

  wabiz_test_wait_until (has_n_messages, &w, 30);
}

static WabizMessage *
find_wamid (WabizMessagesModel *model,
            const char         *wamid)
{
  WabizMessage *m = wabiz_messages_model_find_wamid (model, wamid, NULL);

  g_assert_nonnull (m);
  return m;
}

static WabizMessage *
last_message (WabizMessagesModel *model)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  g_assert_cmpuint (n, >, 0);
  return g_list_model_get_item (G_LIST_MODEL (model), n - 1);
}

static GtkListView *
bubble_list (WabizChatView *chat)
{
  GObject *view = gtk_widget_get_template_child (GTK_WIDGET (chat), WABIZ_TYPE_CHAT_VIEW, "list_view");

  g_assert_true (GTK_IS_LIST_VIEW (view));
  return GTK_LIST_VIEW (view);
}

static GtkWidget *
bubble (WabizChatView *chat,
        WabizMessage  *message)
{
  return wabiz_test_ui_find_row (GTK_WIDGET (bubble_list (chat)), WABIZ_TYPE_MESSAGE_ROW, message);
}

/* The label @name of the bubble of @message, as shown; "(no row)" when
 * no row shows it */
static const char *
bubble_label (WabizChatView *chat,
              WabizMessage  *message,
              const char    *name)
{
  GtkWidget *row = bubble (chat, message);

  return row != NULL ? wabiz_test_ui_row_label (row, name) : "(no row)";
}

/* Whether the label @name of the bubble of @message has the style @css_class */
static gboolean
bubble_label_has_class (WabizChatView *chat,
                        WabizMessage  *message,
                        const char    *name,
                        const char    *css_class)
{
  GtkWidget *row = bubble (chat, message);

  g_assert_nonnull (row);
  return gtk_widget_has_css_class (GTK_WIDGET (gtk_widget_get_template_child (row, WABIZ_TYPE_MESSAGE_ROW, name)),
                                   css_class);
}

/* What a screen reader hears for the label @name of the bubble of @message */
static void
assert_bubble_a11y (WabizChatView *chat,
                    WabizMessage  *message,
                    const char    *name,
                    const char    *expected)
{
  GtkWidget *row = bubble (chat, message);
  GObject *label;
  g_autofree char *wrong = NULL;

  g_assert_nonnull (row);
  label = gtk_widget_get_template_child (row, WABIZ_TYPE_MESSAGE_ROW, name);
  wrong = wabiz_test_ui_check_accessible_label (GTK_WIDGET (label), expected);
  if (wrong != NULL)
    g_test_message ("%s: a screen reader hears something else: %s", name, wrong);
  g_assert_null (wrong);
}

/* Types @text at the end of what the composer holds, as a person does,
 * and lets a few frames go by */
static void
type_text (WabizComposer *composer,
           const char    *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (wabiz_composer_get_text_view (composer));
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_place_cursor (buffer, &end);
  gtk_text_buffer_insert_at_cursor (buffer, text, -1);
  wabiz_test_ui_wait_frames (GTK_WIDGET (composer), 2);
}

/* A key pressed in the message box, as the keyboard delivers it */
static gboolean
press_key (WabizComposer *composer,
           guint          keyval)
{
  GtkWidget *view = GTK_WIDGET (wabiz_composer_get_text_view (composer));
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (view);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller) &&
          gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        {
          g_signal_emit_by_name (controller, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
          break;
        }
    }
  wabiz_test_ui_wait_frames (GTK_WIDGET (composer), 2);
  return handled;
}

static gboolean
composer_says (WabizComposer *composer,
               const char    *text)
{
  g_autofree char *typed = wabiz_composer_dup_text (composer);

  return g_strcmp0 (typed, text) == 0;
}

static GObject *
composer_child (WabizComposer *composer,
                const char    *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (composer), WABIZ_TYPE_COMPOSER, name);

  g_assert_nonnull (child);
  return child;
}

static GObject *
banners_child (WabizChatView *chat,
               const char    *name)
{
  GObject *banners = gtk_widget_get_template_child (GTK_WIDGET (chat), WABIZ_TYPE_CHAT_VIEW, "banners");
  GObject *child;

  g_assert_true (WABIZ_IS_CHAT_BANNERS (banners));
  child = gtk_widget_get_template_child (GTK_WIDGET (banners), WABIZ_TYPE_CHAT_BANNERS, name);
  g_assert_nonnull (child);
  return child;
}

/* The banner @revealer of the chat is shown, saying @title (NULL: hidden) */
static gboolean
banner_says (WabizChatView *chat,
             const char    *revealer,
             const char    *label,
             const char    *title)
{
  gboolean shown = gtk_revealer_get_reveal_child (GTK_REVEALER (banners_child (chat, revealer)));

  if (title == NULL)
    return !shown;
  return shown && g_strcmp0 (gtk_label_get_label (GTK_LABEL (banners_child (chat, label))), title) == 0;
}

/* The titles of the rows of @list (AdwActionRow), top to bottom, joined by "|" */
static char *
row_titles (GtkListBox *list)
{
  g_autoptr(GString) titles = g_string_new (NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_PREFERENCES_ROW (row))
      g_string_append_printf (titles, "%s%s", titles->len > 0 ? "|" : "",
                              adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  return g_string_free (g_steal_pointer (&titles), FALSE);
}

static gboolean
titles_are (GtkListBox *list,
            const char *expected)
{
  g_autofree char *titles = row_titles (list);

  return g_strcmp0 (titles, expected) == 0;
}

static GtkWidget *
row_titled (GtkListBox *list,
            const char *title)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_PREFERENCES_ROW (row) &&
        g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
      return row;
  return NULL;
}

/* The id of the quick reply with @shortcut */
static char *
reply_id (Fixture    *f,
          const char *shortcut)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM quick_replies WHERE shortcut = '%s'", shortcut);
  char *id = sql_text (f, sql);

  g_assert_nonnull (id);
  return id;
}

/* Texts the simulator's Meta accepted for @to */
static guint
ledger_count (Fixture    *f,
              const char *to,
              const char *text)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      JsonObject *body = json_object_get_object_member (entry, "body");
      JsonObject *t;

      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "type", ""), "text") != 0 ||
          g_strcmp0 (json_object_get_string_member_with_default (entry, "result", ""), "accepted") != 0 ||
          body == NULL || g_strcmp0 (json_object_get_string_member_with_default (body, "to", ""), to) != 0)
        continue;
      t = json_object_get_object_member (body, "text");
      if (t != NULL && g_strcmp0 (json_object_get_string_member_with_default (t, "body", NULL), text) == 0)
        n++;
    }
  return n;
}

/* The message dialog open over the window, or NULL */
static AdwMessageDialog *
open_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The answer @label of @dialog, clicked */
static void
answer (AdwMessageDialog *dialog,
        const char       *label)
{
  GtkWidget *button = find_button (GTK_WIDGET (dialog), label);

  g_assert_nonnull (button);
  gtk_widget_activate (button);
}

static void
screenshots (WabizWindow *window,
             GtkWidget   *widget,
             const char  *name)
{
  g_autofree char *light = g_strdup_printf ("ui-composer-%s.png", name);
  g_autofree char *dark = g_strdup_printf ("ui-composer-%s-dark.png", name);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 4);
  if (widget != NULL)
    g_free (wabiz_test_ui_screenshot_widget (widget, light));
  else
    g_free (wabiz_test_ui_screenshot (window, light));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 4);
  if (widget != NULL)
    g_free (wabiz_test_ui_screenshot_widget (widget, dark));
  else
    g_free (wabiz_test_ui_screenshot (window, dark));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
}

/* quick replies: kept by the owner, used with "/" and a word */

static void
fill_editor (WabizQuickRepliesDialog *dialog,
             const char              *shortcut,
             const char              *body)
{
  GObject *entry = gtk_widget_get_template_child (GTK_WIDGET (dialog), WABIZ_TYPE_QUICK_REPLIES_DIALOG,
                                                  "shortcut_entry");
  GObject *view = gtk_widget_get_template_child (GTK_WIDGET (dialog), WABIZ_TYPE_QUICK_REPLIES_DIALOG, "body_view");

  gtk_editable_set_text (GTK_EDITABLE (entry), shortcut);
  wabiz_test_ui_wait_frames (GTK_WIDGET (dialog), 1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), body, -1);
  wabiz_test_ui_wait_frames (GTK_WIDGET (dialog), 1);
}

static const char *
editor_error (WabizQuickRepliesDialog *dialog)
{
  GObject *label = gtk_widget_get_template_child (GTK_WIDGET (dialog), WABIZ_TYPE_QUICK_REPLIES_DIALOG,
                                                  "error_label");

  return gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_label (GTK_LABEL (label)) : NULL;
}

static const char *
dialog_page (WabizQuickRepliesDialog *dialog)
{
  GObject *stack = gtk_widget_get_template_child (GTK_WIDGET (dialog), WABIZ_TYPE_QUICK_REPLIES_DIALOG, "stack");

  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static void
quick_replies_cb (WabizApplication *app,
                  WabizWindow      *window,
                  gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizComposer *composer = wabiz_chat_view_get_composer (chat);
  WabizQuickRepliesDialog *dialog;
  GtkListBox *list;
  WabizMessagesModel *messages;
  g_autofree char *thanks = NULL;
  g_autofree char *welcome = NULL;
  g_autofree char *hours = NULL;
  GtkListBox *offered = wabiz_composer_get_quick_list (composer);

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  messages = open_chat (pane, ANA, 4);

  /* from the composer's menu */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.quick-replies", NULL));
  dialog = WABIZ_QUICK_REPLIES_DIALOG (wabiz_composer_get_quick_replies_dialog (composer));
  g_assert_nonnull (dialog);
  list = wabiz_quick_replies_dialog_get_list (dialog);
  WABIZ_TEST_WAIT (titles_are (list, "/hours"), 30);

  /* a placeholder WaBiz cannot fill: said, nothing written, nothing lost */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.add", NULL));
  g_assert_cmpstr (dialog_page (dialog), ==, "edit");
  fill_editor (dialog, "/thanks", "Thank you, {first_name}! Your order {nome} is on its way.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.save", NULL));
  g_assert_cmpstr (editor_error (dialog), ==,
                   "“{nome}” is not a placeholder WaBiz can fill: use {name}, {first_name} or {phone}");
  g_assert_cmpstr (dialog_page (dialog), ==, "edit");
  g_assert_true (sql_is (f, "SELECT count(*) FROM quick_replies", "1"));
  /* and a shortcut that is two words */
  fill_editor (dialog, "thank you", "Thank you, {first_name}! Your order is on its way.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.save", NULL));
  g_assert_true (g_str_has_prefix (editor_error (dialog), "The shortcut is one word"));
  screenshots (window, GTK_WIDGET (dialog), "quick-reply-error");

  /* fixed: saved, listed after the one there was */
  fill_editor (dialog, "/thanks", "Thank you, {first_name}! Your order is on its way.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.save", NULL));
  WABIZ_TEST_WAIT (!wabiz_quick_replies_dialog_get_busy (dialog), 30);
  g_assert_null (editor_error (dialog));
  WABIZ_TEST_WAIT (titles_are (list, "/hours|/thanks"), 30);
  g_assert_cmpstr (dialog_page (dialog), ==, "list");
  g_assert_true (sql_is (f, "SELECT body FROM quick_replies WHERE shortcut = 'thanks'",
                         "Thank you, {first_name}! Your order is on its way."));

  /* the same shortcut in other letters is taken */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.add", NULL));
  fill_editor (dialog, "Hours", "We open at 9.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.save", NULL));
  WABIZ_TEST_WAIT (editor_error (dialog) != NULL, 30);
  g_assert_cmpstr (editor_error (dialog), ==,
                   "There is a quick reply /hours already: choose another shortcut, or edit that one");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.cancel", NULL));
  g_assert_cmpstr (dialog_page (dialog), ==, "list");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.add", NULL));
  fill_editor (dialog, "welcome", "Hi {name}, welcome to Loja Azul!");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.save", NULL));
  WABIZ_TEST_WAIT (titles_are (list, "/hours|/thanks|/welcome"), 30);

  /* edited: the list shows the new text */
  thanks = reply_id (f, "thanks");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.edit", "s", thanks));
  fill_editor (dialog, "thanks", "Thank you, {first_name}! Your vase ships today.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.save", NULL));
  WABIZ_TEST_WAIT (g_strcmp0 (dialog_page (dialog), "list") == 0 && !wabiz_quick_replies_dialog_get_busy (dialog) &&
                   g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row_titled (list, "/thanks"))),
                              "Thank you, {first_name}! Your vase ships today.") == 0, 30);

  /* reordered: /welcome first, /hours last */
  welcome = reply_id (f, "welcome");
  hours = reply_id (f, "hours");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.move-up", "s", welcome));
  WABIZ_TEST_WAIT (titles_are (list, "/hours|/welcome|/thanks"), 30);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.move-up", "s", welcome));
  WABIZ_TEST_WAIT (titles_are (list, "/welcome|/hours|/thanks"), 30);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.move-down", "s", hours));
  WABIZ_TEST_WAIT (titles_are (list, "/welcome|/thanks|/hours"), 30);
  g_assert_true (sql_is (f, "SELECT string_agg (shortcut, ',' ORDER BY position) FROM quick_replies",
                         "welcome,thanks,hours"));
  screenshots (window, GTK_WIDGET (dialog), "quick-replies");

  /* deleted */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.delete", "s", hours));
  WABIZ_TEST_WAIT (titles_are (list, "/welcome|/thanks"), 30);
  g_assert_true (sql_is (f, "SELECT count(*) FROM quick_replies", "2"));

  /* one deleted on another computer while it is edited here: said, kept */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.edit", "s", welcome));
  sql_exec (f, "DELETE FROM quick_replies WHERE shortcut = 'welcome'");
  fill_editor (dialog, "welcome", "Hi {name}, welcome back!");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.save", NULL));
  WABIZ_TEST_WAIT (editor_error (dialog) != NULL, 30);
  g_assert_true (g_str_has_prefix (editor_error (dialog), "This quick reply was deleted meanwhile"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "qr.cancel", NULL));
  /* the listener brought the other computer's change */
  WABIZ_TEST_WAIT (titles_are (list, "/thanks"), 30);
  gtk_window_close (GTK_WINDOW (dialog));
  WABIZ_TEST_WAIT (wabiz_composer_get_quick_replies_dialog (composer) == NULL, 30);

  /* used: "/", a pause, "th", the offer, Enter takes it filled for Ana */
  type_text (composer, "/");
  WABIZ_TEST_WAIT (gtk_list_box_get_row_at_index (offered, 0) != NULL, 30);
  type_text (composer, "th");
  WABIZ_TEST_WAIT (gtk_list_box_get_row_at_index (offered, 0) != NULL &&
                   gtk_list_box_get_row_at_index (offered, 1) == NULL, 30);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (composer_child (composer, "quick_popover"))));
  g_free (wabiz_test_ui_screenshot (window, "ui-composer-quick-offer.png"));
  /* the offer is a popover: a surface of its own, not in the window's picture */
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (composer_child (composer, "quick_popover")),
                                           "ui-composer-quick-offer-popover.png"));
  g_assert_true (press_key (composer, GDK_KEY_Return));
  g_assert_true (composer_says (composer, "Thank you, Ana! Your vase ships today."));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (composer_child (composer, "quick_popover"))));
  g_assert_true (press_key (composer, GDK_KEY_Return));
  wait_n_messages (messages, 5);
  WABIZ_TEST_WAIT (composer_says (composer, ""), 30);
  WABIZ_TEST_WAIT (ledger_count (f, ANA, "Thank you, Ana! Your vase ships today.") == 1, 60);
}

static void
test_quick_replies (Fixture       *f,
                    gconstpointer  data)
{
  wabiz_test_ui_run (quick_replies_cb, f);
}

/* Gemini's reading and the automatic messages, in the bubbles */

static void
marks_cb (WabizApplication *app,
          WabizWindow      *window,
          gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizMessagesModel *messages;
  WabizMessage *question, *greeting, *manual, *complaint;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  messages = open_chat (pane, ANA, 4);
  question = find_wamid (messages, "wamid.ana1");
  greeting = find_wamid (messages, "wamid.ana2");
  manual = find_wamid (messages, "wamid.ana3");
  complaint = find_wamid (messages, "wamid.ana4");

  WABIZ_TEST_WAIT (g_strcmp0 (bubble_label (chat, question, "analysis_label"), "Positive · Question") == 0, 30);
  assert_bubble_a11y (chat, question, "analysis_label", "Read by Gemini: Positive, Question");
  g_assert_null (bubble_label (chat, question, "automatic_label"));
  g_assert_cmpstr (bubble_label (chat, complaint, "analysis_label"), ==, "Negative · Complaint");
  assert_bubble_a11y (chat, complaint, "analysis_label", "Read by Gemini: Negative, Complaint");
  /* the tone in colour too */
  g_assert_true (bubble_label_has_class (chat, question, "analysis_label", "sentiment-positive"));
  g_assert_true (bubble_label_has_class (chat, complaint, "analysis_label", "sentiment-negative"));
  /* what WaBiz sent by itself says so; what a person sent does not */
  g_assert_cmpstr (bubble_label (chat, greeting, "automatic_label"), ==, "⚙ Automatic · Greeting");
  assert_bubble_a11y (chat, greeting, "automatic_label", "Sent automatically: Greeting");
  g_assert_null (bubble_label (chat, greeting, "analysis_label"));
  g_assert_null (bubble_label (chat, manual, "automatic_label"));
  g_assert_null (bubble_label (chat, manual, "analysis_label"));
  wabiz_test_ui_assert_list_rows (bubble_list (chat), NULL, NULL);

  /* read again later (another computer's analysis): the chip follows */
  sql_exec (f, "WITH m AS (UPDATE messages SET sentiment = 'neutral', intent = 'order'"
               " WHERE message_id = 'wamid.ana4' RETURNING phone, id)"
               " SELECT wabiz_notify ('messages', m.phone, m.id::text) FROM m");
  WABIZ_TEST_WAIT (g_strcmp0 (bubble_label (chat, complaint, "analysis_label"), "Neutral · Order") == 0, 30);
  assert_bubble_a11y (chat, complaint, "analysis_label", "Read by Gemini: Neutral, Order");
  g_assert_true (bubble_label_has_class (chat, complaint, "analysis_label", "sentiment-neutral"));
  g_assert_false (bubble_label_has_class (chat, complaint, "analysis_label", "sentiment-negative"));
  screenshots (window, NULL, "marks");

  /* an auto-reply queued now is marked as it comes */
  sql_exec (f, "WITH m AS (INSERT INTO messages (phone, message, direction, status, type, automatic)"
               " VALUES ('" ANA "', 'We are closed now; we answer at 9:00.', 'outbound', 'queued', 'text', 'away')"
               " RETURNING phone, id) SELECT wabiz_notify ('messages', m.phone, m.id::text) FROM m");
  wait_n_messages (messages, 5);
  {
    g_autoptr(WabizMessage) away = last_message (messages);

    g_assert_cmpstr (wabiz_message_get_automatic (away), ==, "away");
    WABIZ_TEST_WAIT (g_strcmp0 (bubble_label (chat, away, "automatic_label"), "⚙ Automatic · Away message") == 0, 30);
    assert_bubble_a11y (chat, away, "automatic_label", "Sent automatically: Away message");
  }
}

static void
test_marks (Fixture       *f,
            gconstpointer  data)
{
  wabiz_test_ui_run (marks_cb, f);
}

/* a person needed; a customer who opted out */

static void
flags_cb (WabizApplication *app,
          WabizWindow      *window,
          gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizComposer *composer = wabiz_chat_view_get_composer (chat);
  WabizMessagesModel *messages;
  AdwMessageDialog *question;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);

  /* Carla asked for a person: the banner, and Mark as Handled */
  open_chat (pane, CARLA, 1);
  WABIZ_TEST_WAIT (banner_says (chat, "human_revealer", "human_title", "Carla Dias asked to talk to a person"), 30);
  g_assert_true (banner_says (chat, "opt_out_revealer", "opt_out_title", NULL));
  screenshots (window, NULL, "needs-human");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (banners_child (chat, "handled_button")),
                                             "banners.mark-handled", NULL));
  WABIZ_TEST_WAIT (sql_is (f, "SELECT needs_human FROM conversations WHERE phone = '" CARLA "'", "f"), 30);
  WABIZ_TEST_WAIT (banner_says (chat, "human_revealer", "human_title", NULL), 30);
  /* flagged again by the auto-replies: it comes back by itself */
  sql_exec (f, "SELECT wabiz_flag_needs_human ('" CARLA "', 'complaint')");
  WABIZ_TEST_WAIT (banner_says (chat, "human_revealer", "human_title",
                                "Gemini read a complaint from Carla Dias: a person should answer"), 30);

  /* Bruno opted out: said above the chat, and asked before a send */
  messages = open_chat (pane, BRUNO, 2);
  WABIZ_TEST_WAIT (gtk_revealer_get_reveal_child (GTK_REVEALER (banners_child (chat, "opt_out_revealer"))), 30);
  g_assert_true (g_str_has_prefix (gtk_label_get_label (GTK_LABEL (banners_child (chat, "opt_out_title"))),
                                   "Bruno Lima asked for no more messages on "));
  WABIZ_TEST_WAIT (wabiz_composer_get_opted_out (composer), 30);
  type_text (composer, "Yes,");
  type_text (composer, " we open at 10 on Sunday.");
  g_assert_true (press_key (composer, GDK_KEY_Return));
  question = open_message_dialog ();
  g_assert_nonnull (question);
  g_assert_cmpstr (adw_message_dialog_get_heading (question), ==, "Message a Customer Who Opted Out?");
  g_assert_true (g_str_has_prefix (adw_message_dialog_get_body (question),
                                   "Bruno Lima asked for no more messages from you."));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (question), "ui-composer-opted-out-question.png"));
  /* not sent while it asks, nor when the answer is no */
  g_assert_true (composer_says (composer, "Yes, we open at 10 on Sunday."));
  g_assert_true (sql_is (f, "SELECT count(*) FROM outbox", "0"));
  answer (question, "_Cancel");
  WABIZ_TEST_WAIT (open_message_dialog () == NULL, 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_assert_true (composer_says (composer, "Yes, we open at 10 on Sunday."));
  g_assert_true (sql_is (f, "SELECT count(*) FROM outbox", "0"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 2);
  screenshots (window, NULL, "opted-out");

  /* yes: it goes */
  g_assert_true (press_key (composer, GDK_KEY_Return));
  question = open_message_dialog ();
  g_assert_nonnull (question);
  answer (question, "_Send Anyway");
  WABIZ_TEST_WAIT (open_message_dialog () == NULL, 30);
  wait_n_messages (messages, 3);
  WABIZ_TEST_WAIT (composer_says (composer, ""), 30);
  WABIZ_TEST_WAIT (ledger_count (f, BRUNO, "Yes, we open at 10 on Sunday.") == 1, 60);

  /* opted back in by hand, from the banner: no question any more */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (banners_child (chat, "opt_in_button")),
                                             "banners.opt-in", NULL));
  WABIZ_TEST_WAIT (sql_is (f, "SELECT opted_out_at IS NULL FROM leads WHERE phone = '" BRUNO "'", "t"), 30);
  WABIZ_TEST_WAIT (!gtk_revealer_get_reveal_child (GTK_REVEALER (banners_child (chat, "opt_out_revealer"))), 30);
  WABIZ_TEST_WAIT (!wabiz_composer_get_opted_out (composer), 30);
  g_assert_true (sql_is (f, "SELECT action || ':' || source FROM opt_out_events WHERE phone = '" BRUNO "'"
                            " ORDER BY at DESC LIMIT 1", "opt_in:manual") ||
                 sql_is (f, "SELECT action FROM opt_out_events WHERE phone = '" BRUNO "' ORDER BY at DESC LIMIT 1",
                         "opt_in"));
  type_text (composer, "See you on Sunday!");
  g_assert_true (press_key (composer, GDK_KEY_Return));
  g_assert_null (open_message_dialog ());
  wait_n_messages (messages, 4);
  WABIZ_TEST_WAIT (ledger_count (f, BRUNO, "See you on Sunday!") == 1, 60);

  /* and out again, from the conversation menu */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat), "chat.opt-out", NULL));
  WABIZ_TEST_WAIT (sql_is (f, "SELECT opted_out_at IS NOT NULL FROM leads WHERE phone = '" BRUNO "'", "t"), 30);
  WABIZ_TEST_WAIT (wabiz_composer_get_opted_out (composer), 30);
  WABIZ_TEST_WAIT (gtk_revealer_get_reveal_child (GTK_REVEALER (banners_child (chat, "opt_out_revealer"))), 30);
}

static void
test_flags (Fixture       *f,
            gconstpointer  data)
{
  wabiz_test_ui_run (flags_cb, f);
}

/* Send Later */

static gboolean
popover_shown (WabizComposer *composer)
{
  return gtk_widget_get_visible (GTK_WIDGET (composer_child (composer, "later_popover")));
}

static char *
tomorrow_in (const char *zone,
             const char *time)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone);
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *date = g_date_time_format (tomorrow, "%Y-%m-%d");

  return g_strdup_printf ("%sT%s", date, time);
}

static void
later_cb (WabizApplication *app,
          WabizWindow      *window,
          gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizComposer *composer = wabiz_chat_view_get_composer (chat);
  GtkListBox *scheduled = wabiz_composer_get_scheduled_list (composer);
  WabizServices *services = wabiz_application_get_services (app);
  WabizMessagesModel *messages;
  g_autofree char *local = tomorrow_in ("America/Sao_Paulo", "09:00");
  g_autofree char *expected_local = NULL;
  g_autofree char *due = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GDateTime) at = NULL;
  g_autoptr(GTimeZone) sp = g_time_zone_new_identifier ("America/Sao_Paulo");

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  messages = open_chat (pane, ANA, 4);

  /* nothing typed: nothing to schedule */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send-later", NULL) &&
                  popover_shown (composer));

  type_text (composer, "Your vase");
  type_text (composer, " ships tomorrow morning.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send-later", NULL));
  WABIZ_TEST_WAIT (popover_shown (composer), 30);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (composer_child (composer, "later_zone_label"))), !=, "");
  g_assert_true (g_str_has_prefix (gtk_label_get_label (GTK_LABEL (composer_child (composer, "later_zone_label"))),
                                   "In the customer’s time zone, America/Sao_Paulo, where it is "));
  /* tomorrow at 9:00 is what it offers */
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (composer_child (composer, "later_day"))), ==, 1);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (composer_child (composer, "later_hour"))), ==, 9);
  g_free (wabiz_test_ui_screenshot (window, "ui-composer-send-later.png"));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (composer_child (composer, "later_popover")),
                                           "ui-composer-send-later-popover.png"));

  /* a time that has passed (the clock moved a day on): said, kept */
  _wabiz_campaign_set_now (g_get_real_time () + 2 * G_TIME_SPAN_DAY);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.schedule", NULL));
  WABIZ_TEST_WAIT (gtk_widget_get_visible (GTK_WIDGET (composer_child (composer, "later_error"))), 30);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (composer_child (composer, "later_error"))), ==,
                   "This time has passed; choose a time to come");
  g_assert_true (popover_shown (composer));
  g_assert_true (composer_says (composer, "Your vase ships tomorrow morning."));
  g_assert_true (sql_is (f, "SELECT count(*) FROM scheduled_messages", "0"));
  _wabiz_campaign_set_now (0);

  /* scheduled: out of the box, listed above it with its time */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.schedule", NULL));
  WABIZ_TEST_WAIT (titles_are (scheduled, "Tomorrow at 09:00 · America/Sao_Paulo"), 30);
  g_assert_true (composer_says (composer, ""));
  g_assert_false (popover_shown (composer));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row_titled (scheduled,
                                                                            "Tomorrow at 09:00 · America/Sao_Paulo"))),
                   ==, "Your vase ships tomorrow morning.");
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (composer_child (composer, "scheduled_revealer"))));
  expected_local = g_strdup_printf ("scheduled|%s|America/Sao_Paulo", local);
  g_assert_true (sql_is (f, "SELECT state || '|' || local_time || '|' || timezone FROM scheduled_messages",
                         expected_local));
  {
    GtkWidget *row = row_titled (scheduled, "Tomorrow at 09:00 · America/Sao_Paulo");
    g_autofree char *wrong = wabiz_test_ui_check_accessible_label (
      row, "Scheduled for Tomorrow at 09:00, customer’s time: Your vase ships tomorrow morning.");

    g_assert_null (wrong);
  }
  screenshots (window, NULL, "scheduled");

  /* its time comes (the scheduler's clock moved, not waited for): it goes */
  at = g_date_time_new_from_iso8601 (local, sp);
  if (at == NULL)
    {
      g_autofree char *with_seconds = g_strdup_printf ("%s:00", local);

      at = g_date_time_new_from_iso8601 (with_seconds, sp);
    }
  g_assert_nonnull (at);
  _wabiz_campaign_set_now (g_date_time_to_unix (at) * G_USEC_PER_SEC + G_TIME_SPAN_MINUTE);
  wabiz_scheduler_wake (wabiz_services_get_scheduler (services));
  WABIZ_TEST_WAIT (sql_is (f, "SELECT state FROM scheduled_messages", "queued"), 60);
  wait_n_messages (messages, 5);
  {
    g_autoptr(WabizMessage) sent = last_message (messages);

    g_assert_cmpstr (wabiz_message_get_text (sent), ==, "Your vase ships tomorrow morning.");
    g_assert_true (wabiz_message_get_outbound (sent));
  }
  WABIZ_TEST_WAIT (titles_are (scheduled, ""), 30);
  WABIZ_TEST_WAIT (ledger_count (f, ANA, "Your vase ships tomorrow morning.") == 1, 60);
  _wabiz_campaign_set_now (0);

  /* another, cancelled from its row before its time */
  type_text (composer, "Reminder: we close at 18:00 on Saturday.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send-later", NULL));
  WABIZ_TEST_WAIT (popover_shown (composer), 30);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (composer_child (composer, "later_hour")), 17);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (composer_child (composer, "later_minute")), 30);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.schedule", NULL));
  WABIZ_TEST_WAIT (titles_are (scheduled, "Tomorrow at 17:30 · America/Sao_Paulo"), 30);
  id = sql_text (f, "SELECT id FROM scheduled_messages WHERE state = 'scheduled'");
  g_assert_nonnull (id);
  {
    GtkWidget *row = row_titled (scheduled, "Tomorrow at 17:30 · America/Sao_Paulo");
    GtkWidget *cancel = wabiz_test_ui_find_mapped (row, GTK_TYPE_BUTTON);

    g_assert_nonnull (cancel);
    g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (cancel)), ==, "composer.cancel-scheduled");
    g_assert_cmpstr (g_variant_get_string (gtk_actionable_get_action_target_value (GTK_ACTIONABLE (cancel)), NULL),
                     ==, id);
    g_signal_emit_by_name (cancel, "clicked");
  }
  WABIZ_TEST_WAIT (titles_are (scheduled, ""), 30);
  due = g_strdup_printf ("SELECT state FROM scheduled_messages WHERE id = '%s'", id);
  g_assert_true (sql_is (f, due, "cancelled"));
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (composer_child (composer, "scheduled_revealer"))));
  /* cancelled twice (another computer was first): said, nothing breaks */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.cancel-scheduled", "s", id));
  WABIZ_TEST_WAIT (!wabiz_composer_get_busy (composer), 30);
  g_assert_true (sql_is (f, due, "cancelled"));
  g_assert_cmpuint (ledger_count (f, ANA, "Reminder: we close at 18:00 on Saturday."), ==, 0);
}

static void
test_later (Fixture       *f,
            gconstpointer  data)
{
  wabiz_test_ui_run (later_cb, f);
}

/* Suggest a Reply */

static gboolean
notice_is (WabizComposer *composer,
           const char    *text)
{
  return g_strcmp0 (wabiz_composer_get_notice (composer), text) == 0;
}

static void
no_key_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizComposer *composer = wabiz_chat_view_get_composer (chat);
  GtkWidget *button = GTK_WIDGET (composer_child (composer, "notice_button"));

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  open_chat (pane, ANA, 4);
  type_text (composer, "Hello");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.suggest", NULL));
  WABIZ_TEST_WAIT (notice_is (composer, "Suggestions are written by Gemini, which needs an API key. Add your key "
                                        "in Preferences, then try again."), 30);
  /* the way there, and the button says it too; what was typed stays */
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "Open _Preferences");
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "app.preferences");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (composer_child (composer, "suggest_button"))), ==,
                   "Suggest a Reply needs a Gemini API key: add one in Preferences");
  g_assert_true (composer_says (composer, "Hello"));
  screenshots (window, NULL, "suggest-no-key");
}

static void
test_suggest_no_key (Fixture       *f,
                     gconstpointer  data)
{
  wabiz_test_ui_run (no_key_cb, f);
}

static void
script_gemini (Fixture    *f,
               const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (node);
  g_assert_true (wabiz_sim_server_add_gemini_answers (f->sim, json_node_get_array (node), &error));
  g_assert_no_error (error);
}

static void
suggest_cb (WabizApplication *app,
            WabizWindow      *window,
            gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizComposer *composer = wabiz_chat_view_get_composer (chat);
  WabizMessagesModel *messages;
  g_autoptr(JsonArray) requests = NULL;
  g_autofree char *asked = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  messages = open_chat (pane, ANA, 4);

  /* Gemini's draft fills the composer; nothing is sent */
  script_gemini (f, "[{\"text\": \"I am so sorry it arrived broken, Ana! I will send you a new vase today.\"}]");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.suggest", NULL));
  WABIZ_TEST_WAIT (composer_says (composer, "I am so sorry it arrived broken, Ana! I will send you a new vase today."),
                   60);
  g_assert_true (notice_is (composer, "Gemini’s suggestion is in the message: read it, change what you like, then "
                                      "send it."));
  g_assert_true (sql_is (f, "SELECT count(*) FROM outbox", "0"));
  /* from the conversation's history */
  requests = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (requests), >=, 1);
  {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

    json_node_set_array (node, requests);
    asked = json_to_string (node, FALSE);
  }
  g_assert_nonnull (strstr (asked, "arrived broken"));
  screenshots (window, NULL, "suggested");

  /* the owner edits, then sends */
  type_text (composer, " Tracking follows.");
  g_assert_true (press_key (composer, GDK_KEY_Return));
  wait_n_messages (messages, 5);
  WABIZ_TEST_WAIT (ledger_count (f, ANA, "I am so sorry it arrived broken, Ana! I will send you a new vase today. "
                                         "Tracking follows.") == 1, 60);

  /* Gemini refuses: said, with a way on; what was typed stays */
  type_text (composer, "Dear Ana,");
  script_gemini (f, "[{\"finish_reason\": \"SAFETY\"}]");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.suggest", NULL));
  WABIZ_TEST_WAIT (g_str_has_prefix (wabiz_composer_get_notice (composer) ?: "", "Gemini could not write a suggestion:"),
                   60);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (composer_child (composer, "notice_button"))), ==, "Try _Again");
  g_assert_true (composer_says (composer, "Dear Ana,"));

  /* tried again: the draft goes after what was typed */
  script_gemini (f, "[{\"text\": \"your new vase ships today.\"}]");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.suggest", NULL));
  WABIZ_TEST_WAIT (composer_says (composer, "Dear Ana,\n\nyour new vase ships today."), 60);
}

static void
test_suggest (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GSettings) settings = NULL;

  if (wabiz_test_ui_skip_without_display ())
    return;

  settings = g_settings_new ("org.example.WaBiz");
  g_settings_set_string (settings, "gemini-url", wabiz_sim_server_get_base_url (f->sim));
  store_gemini_key (WABIZ_SIM_DEFAULT_GEMINI_KEY);
  f->gemini = TRUE;
  wabiz_test_ui_run (suggest_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/composer/quick-replies", Fixture, NULL, fixture_setup, test_quick_replies, fixture_teardown);
  g_test_add ("/wabiz/ui/composer/marks", Fixture, NULL, fixture_setup, test_marks, fixture_teardown);
  g_test_add ("/wabiz/ui/composer/flags", Fixture, NULL, fixture_setup, test_flags, fixture_teardown);
  g_test_add ("/wabiz/ui/composer/later", Fixture, NULL, fixture_setup, test_later, fixture_teardown);
  g_test_add ("/wabiz/ui/composer/suggest-no-key", Fixture, NULL, fixture_setup, test_suggest_no_key,
              fixture_teardown);
  g_test_add ("/wabiz/ui/composer/suggest", Fixture, NULL, fixture_setup, test_suggest, fixture_teardown);

  return g_test_run ();
}
