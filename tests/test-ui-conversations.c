/* test-ui-conversations.c: the Conversations pane under Xvfb against a
 * real database, the webhook processor and the Graph simulator
 *
 * SPDX-License-Identifier: MIT
 *
 * Screenshots go to $WABIZ_BUILD_DIR/screenshots as ui-conversations-*.png.
 * Without a display every test is skipped.
 */

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "wabiz-application.h"
#include "wabiz-attachment-sheet.h"
#include "wabiz-chat-view.h"
#include "wabiz-composer.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-message-row.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-webhook-processor.h"
#include "wabiz-window.h"

#define ANA "5511999990001"
#define BRUNO "5511999990002"
#define CARLA "5511999990003"

typedef struct
{
  char           *conninfo;
  char           *dbname;
  char           *tmpdir;
  WabizSimServer *sim;
  WabizDb        *db;
  gboolean        app_processes;  /* Meta is set up: the app's processor takes webhooks */
} Fixture;

/* Ana wrote an hour ago (window open), with a bit of everything; Bruno
 * earlier; Carla three days ago (window closed). */
static const char *seed_sql =
  "INSERT INTO leads (phone, name, status) VALUES"
  "  ('" ANA "', 'Ana Souza', 'INTERESTED'), ('" BRUNO "', 'Bruno Lima', 'NEW'),"
  "  ('" CARLA "', 'Carla Dias', 'CONTACTED');"
  "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\", message_id, caption,"
  "                      media_filename, media_size, content, reply_to, error_code, error_title, error_details) VALUES"
  " ('" ANA "', 'Hello! Do you still have the blue Zanzibar vase?', 'inbound', 'received', 'text',"
  "   now() - interval '1 day 2 hours', 'wamid.ana1', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
  " ('" ANA "', 'Yes, one left. Shall I keep it for you?', 'outbound', 'sent', 'text',"
  "   now() - interval '1 day 1 hour', 'wamid.ana2', NULL, NULL, NULL, NULL, 'wamid.ana1', NULL, NULL, NULL),"
  " ('" ANA "', NULL, 'inbound', 'received', 'document', now() - interval '1 day',"
  "   'wamid.ana3', 'My address for the delivery', 'address.pdf', 48213, NULL, NULL, NULL, NULL, NULL),"
  " ('" ANA "', 'Loja Paulista', 'inbound', 'received', 'location', now() - interval '3 hours', 'wamid.ana4',"
  "   NULL, NULL, NULL, '{\"latitude\": -23.5614, \"longitude\": -46.6559, \"name\": \"Loja Paulista\","
  "   \"address\": \"Av. Paulista 1000, São Paulo\"}', NULL, NULL, NULL, NULL),"
  " ('" ANA "', 'See you at 5 then', 'outbound', 'failed', 'text', now() - interval '2 hours', 'wamid.ana5',"
  "   NULL, NULL, NULL, NULL, NULL, 131047, 'Re-engagement message',"
  "   'More than 24 hours have passed since the recipient last replied'),"
  " ('" ANA "', NULL, 'inbound', 'received', 'order', now() - interval '1 hour 30 minutes', 'wamid.ana6',"
  "   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
  " ('" ANA "', 'Perfect, thank you!', 'inbound', 'received', 'text', now() - interval '1 hour',"
  "   'wamid.ana7', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
  " ('" ANA "', '❤️', 'inbound', 'received', 'reaction', now() - interval '59 minutes', 'wamid.ana8',"
  "   NULL, NULL, NULL, NULL, 'wamid.ana2', NULL, NULL, NULL),"
  " ('" BRUNO "', 'Is the shop open on Sunday?', 'inbound', 'received', 'text', now() - interval '5 hours',"
  "   'wamid.bruno1', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
  " ('" CARLA "', 'Thanks for the quote', 'inbound', 'received', 'text', now() - interval '3 days',"
  "   'wamid.carla1', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
  "INSERT INTO conversations (phone, lead_id, total_messages, last_message, last_message_time, last_direction,"
  "                           unread_count, last_inbound_at)"
  " SELECT m.phone, l.id, count(*), (array_agg(coalesce(m.message, m.caption, m.type) ORDER BY m.\"timestamp\" DESC))[1],"
  "   max(m.\"timestamp\"), (array_agg(m.direction ORDER BY m.\"timestamp\" DESC))[1],"
  "   CASE WHEN m.phone = '" ANA "' THEN 2 WHEN m.phone = '" BRUNO "' THEN 1 ELSE 0 END,"
  "   max(m.\"timestamp\") FILTER (WHERE m.direction = 'inbound')"
  " FROM messages m JOIN leads l ON l.phone = m.phone WHERE m.type <> 'reaction' GROUP BY m.phone, l.id;"
  "INSERT INTO quick_replies (shortcut, body) VALUES ('hours', 'We are open 9–18, Monday to Saturday.');";

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (!wabiz_test_ui_available ())
    return;

  f->conninfo = wabiz_test_ui_set_database (seed_sql);
  f->db = wabiz_db_new (f->conninfo, NULL, 2);
  {
    g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, "SELECT current_database()", 0, NULL, NULL, &error);

    g_assert_no_error (error);
    f->dbname = g_strdup (wabiz_db_result_get_nth (res, 0, 0));
  }

  f->tmpdir = wabiz_test_make_tmpdir ("wzuic");
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
  g_free (f->tmpdir);
  g_free (f->dbname);
  wabiz_test_ui_clear_database (&f->conninfo);
}

/* helpers */

static gint64
sql_int (Fixture    *f,
         const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  return wabiz_db_result_get_int (res, 0, "n");
}

static void
sql_exec (Fixture    *f,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
}

/* The single value @sql selects, NULL for none */
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

/* The draft the database holds for @phone, NULL for none */
static char *
db_draft (Fixture    *f,
          const char *phone)
{
  g_autofree char *sql = g_strdup_printf ("SELECT draft FROM conversations WHERE phone = '%s'", phone);

  return sql_text (f, sql);
}

static gboolean
db_draft_is (Fixture    *f,
             const char *phone,
             const char *expected)
{
  g_autofree char *draft = db_draft (f, phone);

  return g_strcmp0 (draft, expected) == 0;
}

/* The app's database refuses connections and those it had are cut
 * (@away), or it takes them again */
static void
set_database_away (Fixture  *f,
                   gboolean  away)
{
  g_autofree char *admin = wabiz_test_pg_conninfo ("postgres");
  g_autoptr(WabizDb) db = wabiz_db_new (admin, NULL, 1);
  g_autofree char *allow = g_strdup_printf ("ALTER DATABASE %s ALLOW_CONNECTIONS %s", f->dbname,
                                            away ? "false" : "true");
  g_autofree char *cut = g_strdup_printf ("SELECT pg_terminate_backend (pid) FROM pg_stat_activity"
                                          " WHERE datname = '%s'", f->dbname);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_sync (db, allow, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  if (away)
    {
      g_clear_pointer (&res, wabiz_db_result_unref);
      res = wabiz_db_query_sync (db, cut, 0, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  wabiz_db_close (db);
}

static void
process_webhook (Fixture    *f,
                 const char *body)
{
  g_autoptr(WabizWebhookProcessor) processor = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (f->app_processes)
    {
      g_autofree char *processed = NULL;

      /* stored as the webhook relay stores it: the app's processor hears
       * of it and takes it */
      res = wabiz_db_query_sync (f->db, "SELECT event_id FROM wabiz_relay_store ($1)", 1,
                                 (const char *[]) { body }, NULL, &error);
      g_assert_no_error (error);
      processed = g_strdup_printf ("SELECT processed_at IS NOT NULL FROM webhook_events WHERE id = %s",
                                   wabiz_db_result_get_nth (res, 0, 0));
      WABIZ_TEST_WAIT (sql_is (f, processed, "t"), 60);
      return;
    }

  processor = wabiz_webhook_processor_new (f->db, NULL);
  /* what POST /webhook stores once the signature is checked */
  res = wabiz_db_query_sync (f->db, "INSERT INTO webhook_events (body) VALUES ($1)", 1,
                             (const char *[]) { body }, NULL, &error);
  g_assert_no_error (error);
  wabiz_webhook_processor_run_async (processor, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_cmpuint (wabiz_webhook_processor_run_finish (processor, result, &error), >=, 1);
  g_assert_no_error (error);
}

static char *
inbound_body (const char *from,
              const char *wamid,
              const char *text)
{
  return g_strdup_printf ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\","
                          "\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\","
                          "\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"106540352242922\"},"
                          "\"contacts\":[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":\"%s\"}],"
                          "\"messages\":[{\"from\":\"%s\",\"id\":\"%s\",\"timestamp\":\"%" G_GINT64_FORMAT "\","
                          "\"type\":\"text\",\"text\":{\"body\":\"%s\"}}]}}]}]}",
                          from, from, wamid, g_get_real_time () / G_USEC_PER_SEC, text);
}

static char *
status_body (const char *wamid,
             const char *to,
             const char *status)
{
  return g_strdup_printf ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\","
                          "\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\","
                          "\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"106540352242922\"},"
                          "\"statuses\":[{\"id\":\"%s\",\"status\":\"%s\",\"timestamp\":\"%" G_GINT64_FORMAT "\","
                          "\"recipient_id\":\"%s\"}]}}]}]}",
                          wamid, status, g_get_real_time () / G_USEC_PER_SEC, to);
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

/* The app's services stop cleanly (as on quit; after it there is
 * nothing left to drain) */
static void
stop_services (WabizApplication *app)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WabizServices *services = wabiz_application_get_services (app);

  g_assert_nonnull (services);
  wabiz_services_stop_async (services, 60, wabiz_test_store_result_cb, &result);
  g_assert_true (wabiz_services_stop_finish (services, wabiz_test_wait_result (&result, 90), &error));
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_services_get_state (services), ==, WABIZ_SERVICES_STATE_STOPPED);
}

static GtkListView *
conversation_list (WabizConversationsPane *pane)
{
  GObject *view = gtk_widget_get_template_child (GTK_WIDGET (pane), WABIZ_TYPE_CONVERSATIONS_PANE,
                                                 "conversation_list");

  g_assert_true (GTK_IS_LIST_VIEW (view));
  return GTK_LIST_VIEW (view);
}

/* The list of bubbles of the open chat */
static GtkListView *
bubble_list (WabizConversationsPane *pane)
{
  GObject *view = gtk_widget_get_template_child (GTK_WIDGET (wabiz_conversations_pane_get_chat_view (pane)),
                                                 WABIZ_TYPE_CHAT_VIEW, "list_view");

  g_assert_true (GTK_IS_LIST_VIEW (view));
  return GTK_LIST_VIEW (view);
}

/* The label @name of the conversation row of @phone, as shown (NULL:
 * hidden); "(no row)" when no row shows that conversation */
static const char *
conversation_label (WabizConversationsPane *pane,
                    const char             *phone,
                    const char             *name)
{
  GtkWidget *row = wabiz_test_ui_find_conversation_row (GTK_WIDGET (conversation_list (pane)), phone);

  return row != NULL ? wabiz_test_ui_row_label (row, name) : "(no row)";
}

static gboolean
preview_is (WabizConversationsPane *pane,
            const char             *phone,
            const char             *text)
{
  return g_strcmp0 (conversation_label (pane, phone, "preview_label"), text) == 0;
}

/* The label @name of the bubble of @message, as shown; "(no row)" when
 * no row shows it */
static const char *
bubble_label (WabizConversationsPane *pane,
              WabizMessage           *message,
              const char             *name)
{
  GtkWidget *row = wabiz_test_ui_find_row (GTK_WIDGET (bubble_list (pane)), WABIZ_TYPE_MESSAGE_ROW, message);

  return row != NULL ? wabiz_test_ui_row_label (row, name) : "(no row)";
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

static gboolean
composer_says (WabizComposer *composer,
               const char    *text)
{
  g_autofree char *typed = wabiz_composer_dup_text (composer);

  return g_strcmp0 (typed, text) == 0;
}

/* The label @name of the chat view, as shown (NULL: hidden) */
static const char *
chat_label (WabizChatView *chat,
            const char    *name)
{
  return wabiz_test_ui_row_label (GTK_WIDGET (chat), name);
}

/* The chat says that what was written could not be queued */
static gboolean
unsent_shown (WabizChatView *chat)
{
  GObject *revealer = gtk_widget_get_template_child (GTK_WIDGET (chat), WABIZ_TYPE_CHAT_VIEW, "unsent_revealer");

  return gtk_revealer_get_child_revealed (GTK_REVEALER (revealer));
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

static WabizMessage *
last_message (WabizMessagesModel *model)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  g_assert_cmpuint (n, >, 0);
  return g_list_model_get_item (G_LIST_MODEL (model), n - 1);
}

static WabizMessage *
find_wamid (WabizMessagesModel *model,
            const char         *wamid)
{
  WabizMessage *m = wabiz_messages_model_find_wamid (model, wamid, NULL);

  g_assert_nonnull (m);
  return m;
}

static gboolean
status_reached (gpointer data)
{
  gpointer *args = data;

  return wabiz_message_get_status (args[0]) == (WabizMessageStatus) GPOINTER_TO_INT (args[1]);
}

static void
wait_status (WabizMessage       *m,
             WabizMessageStatus  status)
{
  gpointer args[] = { m, GINT_TO_POINTER (status) };

  wabiz_test_wait_until (status_reached, args, 30);
}

/* A status word a user can read: the bound row of @m says it. */
static gboolean
row_says (GtkWidget    *widget,
          WabizMessage *m,
          const char   *text)
{
  if (WABIZ_IS_MESSAGE_ROW (widget) && wabiz_message_row_get_message (WABIZ_MESSAGE_ROW (widget)) == m)
    return g_strrstr (wabiz_message_row_get_status_text (WABIZ_MESSAGE_ROW (widget)), text) != NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    if (row_says (child, m, text))
      return TRUE;
  return FALSE;
}

static char *
make_png (Fixture    *f,
          const char *name,
          int         size)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, size, size);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->tmpdir, name, NULL);

  gdk_pixbuf_fill (pixbuf, 0x3584e4ff);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);
  return path;
}

static char *
make_file (Fixture    *f,
           const char *name,
           const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->tmpdir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  return path;
}

static gboolean
sheet_ready (gpointer data)
{
  WabizChatView *chat = data;
  WabizAttachmentSheet *sheet = wabiz_chat_view_get_attachment_sheet (chat);

  return sheet != NULL && wabiz_attachment_sheet_get_ready (sheet);
}

/* the chat: open, send, drop, receive, ticks */

static void
chat_cb (WabizApplication *app,
         WabizWindow      *window,
         gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizConversationsModel *list = wabiz_conversations_pane_get_model (pane);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizComposer *composer = wabiz_chat_view_get_composer (chat);
  WabizMessagesModel *messages;
  g_autoptr(WabizConversation) first = NULL;
  g_autoptr(WabizMessage) sent = NULL;
  g_autoptr(WabizMessage) received = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *png = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *body = NULL;
  WabizAttachmentSheet *sheet;
  WabizMessage *seeded;
  GSList *files = NULL;
  GdkFileList *file_list;
  GValue value = G_VALUE_INIT;
  gboolean dropped = FALSE;
  CountWait w;

  /* Meta is not set up: messages stay queued, as with no sender around */
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);

  /* the list: newest first, names, unread badges */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (wabiz_conversation_get_title (first), ==, "Ana Souza");
  g_assert_cmpuint (wabiz_conversation_get_unread_count (first), ==, 2);
  g_assert_cmpstr (wabiz_pane_get_summary (WABIZ_PANE (pane)), ==, "3 Conversations");
  /* and the rows say it: name, last message, unread badge, status */
  g_assert_cmpuint (wabiz_test_ui_assert_list_rows (conversation_list (pane), NULL, NULL), ==, 3);
  g_assert_cmpstr (conversation_label (pane, ANA, "title_label"), ==, "Ana Souza");
  g_assert_cmpstr (conversation_label (pane, ANA, "preview_label"), ==, "Perfect, thank you!");
  g_assert_cmpstr (conversation_label (pane, ANA, "unread_label"), ==, "2");
  g_assert_cmpstr (conversation_label (pane, ANA, "status_label"), ==, "Interested");
  g_assert_cmpstr (conversation_label (pane, BRUNO, "title_label"), ==, "Bruno Lima");
  g_assert_cmpstr (conversation_label (pane, BRUNO, "preview_label"), ==, "Is the shop open on Sunday?");
  g_assert_cmpstr (conversation_label (pane, BRUNO, "unread_label"), ==, "1");
  g_assert_cmpstr (conversation_label (pane, CARLA, "preview_label"), ==, "Thanks for the quote");
  g_assert_null (conversation_label (pane, CARLA, "unread_label"));
  g_assert_cmpstr (conversation_label (pane, CARLA, "status_label"), ==, "Contacted");

  /* open Ana's: every kind shows, the reaction on its message */
  messages = open_chat (pane, ANA, 7);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 7);
  g_assert_cmpstr (wabiz_message_get_reactions (find_wamid (messages, "wamid.ana2")), ==, "❤️");
  g_assert_cmpstr (wabiz_message_get_reply_quote (find_wamid (messages, "wamid.ana2")), ==,
                   "Hello! Do you still have the blue Zanzibar vase?");
  g_assert_cmpint (wabiz_message_get_kind (find_wamid (messages, "wamid.ana6")), ==,
                   WABIZ_MESSAGE_KIND_ORDER);
  g_assert_true (wabiz_composer_get_window_open (composer));
  /* opening it read it: the badge goes */
  WABIZ_TEST_WAIT (sql_int (f, "SELECT unread_count AS n FROM conversations WHERE phone = '" ANA "'") == 0, 60);
  WABIZ_TEST_WAIT (conversation_label (pane, ANA, "unread_label") == NULL, 30);
  /* the bubbles: text, ticks and words, and Meta's reason for a failure */
  WABIZ_TEST_WAIT (g_strcmp0 (bubble_label (pane, find_wamid (messages, "wamid.ana5"), "status_label"),
                              "! Failed") == 0, 30);
  g_assert_cmpstr (bubble_label (pane, find_wamid (messages, "wamid.ana5"), "text_label"), ==, "See you at 5 then");
  g_assert_cmpstr (bubble_label (pane, find_wamid (messages, "wamid.ana5"), "error_label"), ==,
                   "Not delivered: Re-engagement message — More than 24 hours have passed since the "
                   "recipient last replied (error 131047)");
  g_assert_cmpstr (bubble_label (pane, find_wamid (messages, "wamid.ana7"), "text_label"), ==, "Perfect, thank you!");
  g_assert_null (bubble_label (pane, find_wamid (messages, "wamid.ana7"), "status_label"));
  g_assert_cmpuint (wabiz_test_ui_assert_list_rows (bubble_list (pane), NULL, NULL), >=, 3);
  wabiz_test_ui_assert_list_rows (conversation_list (pane), NULL, NULL);
  shot = wabiz_test_ui_screenshot (window, "ui-conversations-chat.png");
  g_clear_pointer (&shot, g_free);
  /* a text: Enter sends, it is queued at once */
  wabiz_composer_set_text (composer, "Your vase is packed and ready 📦");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  w.model = messages;
  w.n = 8;
  wabiz_test_wait_until (has_n_messages, &w, 30);
  sent = last_message (messages);
  g_assert_cmpstr (wabiz_message_get_text (sent), ==, "Your vase is packed and ready 📦");
  g_assert_true (wabiz_message_get_outbound (sent));
  g_assert_cmpint (wabiz_message_get_status (sent), ==, WABIZ_MESSAGE_STATUS_QUEUED);
  {
    g_autofree char *left = wabiz_composer_dup_text (composer);

    g_assert_cmpstr (left, ==, "");
  }
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_assert_true (row_says (GTK_WIDGET (chat), sent, "Queued"));
  WABIZ_TEST_WAIT (g_strcmp0 (bubble_label (pane, sent, "status_label"), "◷ Queued") == 0, 30);
  g_assert_cmpstr (bubble_label (pane, sent, "text_label"), ==, "Your vase is packed and ready 📦");
  WABIZ_TEST_WAIT (preview_is (pane, ANA, "You: Your vase is packed and ready 📦"), 30);
  g_assert_cmpint (sql_int (f, "SELECT count(*) AS n FROM outbox WHERE state = 'pending'"), ==, 1);

  /* two files and one Meta refuses, dropped from the file manager */
  png = make_png (f, "vase.png", 320);
  pdf = make_file (f, "invoice-4521.pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n");
  exe = make_file (f, "dancing.gif", "GIF89a\x01\x01\x01\x01\x80\x01\x01 a GIF, which WhatsApp does not take");
  files = g_slist_append (files, g_file_new_for_path (png));
  files = g_slist_append (files, g_file_new_for_path (pdf));
  files = g_slist_append (files, g_file_new_for_path (exe));
  file_list = gdk_file_list_new_from_list (files);
  g_slist_free_full (files, g_object_unref);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, file_list);
  g_signal_emit_by_name (wabiz_chat_view_get_drop_target (chat), "drop", &value, 200.0, 200.0, &dropped);
  g_value_unset (&value);
  g_assert_true (dropped);

  wabiz_test_wait_until (sheet_ready, chat, 30);
  sheet = wabiz_chat_view_get_attachment_sheet (chat);
  g_assert_cmpuint (wabiz_attachment_sheet_get_attachments (sheet)->len, ==, 3);
  g_assert_cmpuint (wabiz_attachment_sheet_get_n_accepted (sheet), ==, 2);
  /* refused with a reason, before anything is queued */
  g_assert_nonnull (((WabizAttachment *) g_ptr_array_index (wabiz_attachment_sheet_get_attachments (sheet), 2))->error);
  g_assert_cmpint (sql_int (f, "SELECT count(*) AS n FROM outbox"), ==, 1);
  wabiz_attachment_sheet_set_caption (sheet, 0, "The blue vase");
  wabiz_attachment_sheet_set_caption (sheet, 1, "Invoice 4521");
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (sheet), "ui-conversations-attach.png");
  g_clear_pointer (&shot, g_free);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sheet), "sheet.send", NULL));

  g_test_message ("queueing the files");
  w.n = 10;
  wabiz_test_wait_until (has_n_messages, &w, 60);
  {
    g_autoptr(WabizMessage) image = g_list_model_get_item (G_LIST_MODEL (messages), 8);
    g_autoptr(WabizMessage) document = g_list_model_get_item (G_LIST_MODEL (messages), 9);

    g_assert_cmpint (wabiz_message_get_kind (image), ==, WABIZ_MESSAGE_KIND_IMAGE);
    g_assert_cmpstr (wabiz_message_get_caption (image), ==, "The blue vase");
    g_assert_cmpint (wabiz_message_get_status (image), ==, WABIZ_MESSAGE_STATUS_QUEUED);
    g_assert_cmpint (wabiz_message_get_kind (document), ==, WABIZ_MESSAGE_KIND_DOCUMENT);
    g_assert_cmpstr (wabiz_message_get_caption (document), ==, "Invoice 4521");
    g_assert_cmpstr (wabiz_message_get_media_filename (document), ==, "invoice-4521.pdf");
    /* the thumbnail comes from the file on this computer */
    WABIZ_TEST_WAIT (wabiz_message_get_media_path (image) != NULL, 60);
  }
  g_assert_cmpint (sql_int (f, "SELECT count(*) AS n FROM outbox WHERE state = 'pending'"), ==, 3);

  /* the customer writes, through the webhook path: it appears, the list follows */
  g_test_message ("receiving");
  body = inbound_body (ANA, "wamid.ana9", "Great, see you tomorrow!");
  process_webhook (f, body);
  g_clear_pointer (&body, g_free);
  w.n = 11;
  wabiz_test_wait_until (has_n_messages, &w, 30);
  received = g_object_ref (find_wamid (messages, "wamid.ana9"));
  g_assert_cmpstr (wabiz_message_get_text (received), ==, "Great, see you tomorrow!");
  g_assert_false (wabiz_message_get_outbound (received));
  WABIZ_TEST_WAIT (g_strcmp0 (bubble_label (pane, received, "text_label"), "Great, see you tomorrow!") == 0, 30);

  /* ticks advance as Meta's statuses come in */
  g_test_message ("statuses");
  seeded = find_wamid (messages, "wamid.ana2");
  g_assert_cmpint (wabiz_message_get_status (seeded), ==, WABIZ_MESSAGE_STATUS_SENT);
  body = status_body ("wamid.ana2", ANA, "delivered");
  process_webhook (f, body);
  g_clear_pointer (&body, g_free);
  wait_status (seeded, WABIZ_MESSAGE_STATUS_DELIVERED);
  body = status_body ("wamid.ana2", ANA, "read");
  process_webhook (f, body);
  g_clear_pointer (&body, g_free);
  wait_status (seeded, WABIZ_MESSAGE_STATUS_READ);
  g_assert_cmpstr (wabiz_message_get_ticks (seeded), ==, "✓✓");
  WABIZ_TEST_WAIT (g_strcmp0 (bubble_label (pane, seeded, "status_label"), "✓✓ Read") == 0, 30);

  /* the open chat is being read: the badge clears by itself */
  WABIZ_TEST_WAIT (sql_int (f, "SELECT unread_count AS n FROM conversations WHERE phone = '" ANA "'") == 0, 60);
  WABIZ_TEST_WAIT (conversation_label (pane, ANA, "unread_label") == NULL, 30);

  /* reply to a message: the quote goes with it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat), "chat.reply", "s",
                                             wabiz_message_get_id (received)));
  g_assert_true (wabiz_composer_get_reply_to (composer) == received);
  /* a saved answer by "/" and a word, taken with Enter */
  wabiz_composer_set_text (composer, "/ho");
  WABIZ_TEST_WAIT (gtk_widget_get_first_child (GTK_WIDGET (wabiz_composer_get_quick_list (composer))) != NULL, 60);
  {
    GtkListBoxRow *row = gtk_list_box_get_row_at_index (wabiz_composer_get_quick_list (composer), 0);

    g_assert_nonnull (row);
    g_signal_emit_by_name (wabiz_composer_get_quick_list (composer), "row-activated", row);
  }
  {
    g_autofree char *text = wabiz_composer_dup_text (composer);

    g_assert_cmpstr (text, ==, "We are open 9–18, Monday to Saturday.");
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  w.n = 12;
  wabiz_test_wait_until (has_n_messages, &w, 30);
  {
    g_autoptr(WabizMessage) reply = last_message (messages);

    g_assert_cmpstr (wabiz_message_get_reply_to (reply), ==, "wamid.ana9");
    g_assert_cmpstr (wabiz_message_get_reply_quote (reply), ==, "Great, see you tomorrow!");
  }

  /* the lead's status, changed from the chat, in the list too */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat), "chat.lead-status", "s", "CONVERTED"));
  WABIZ_TEST_WAIT (g_strcmp0 (wabiz_conversation_get_lead_status (first), "CONVERTED") == 0, 60);
  g_assert_cmpint (sql_int (f, "SELECT count(*) AS n FROM leads WHERE phone = '" ANA "' AND status = 'CONVERTED'"), ==, 1);

  /* back at the bottom for the picture, in light and dark; every row on
   * screen shows its own item */
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 4);
  wabiz_test_ui_assert_list_rows (conversation_list (pane), NULL, NULL);
  wabiz_test_ui_assert_list_rows (bubble_list (pane), NULL, NULL);
  shot = wabiz_test_ui_screenshot (window, "ui-conversations-sent.png");
  g_clear_pointer (&shot, g_free);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 4);
  shot = wabiz_test_ui_screenshot (window, "ui-conversations-dark.png");
  g_clear_pointer (&shot, g_free);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* search every message, also the oldest */
  gtk_widget_activate_action (GTK_WIDGET (pane), "conversations.search", NULL);
  wabiz_conversations_model_set_search (list, "zanzibar");
  WABIZ_TEST_WAIT (!wabiz_conversations_model_get_loading (list), 60);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  wabiz_conversations_model_set_search (list, NULL);
  WABIZ_TEST_WAIT (!wabiz_conversations_model_get_loading (list), 60);

  /* Carla wrote three days ago: a template, not a failure */
  open_chat (pane, CARLA, 1);
  g_assert_false (wabiz_composer_get_window_open (composer));
  shot = wabiz_test_ui_screenshot (window, "ui-conversations-window-closed.png");
  g_clear_pointer (&shot, g_free);

  /* narrow: the list, then the chat on its own */
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 720);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 4);
  shot = wabiz_test_ui_screenshot (window, "ui-conversations-narrow.png");
}

static void
test_chat (Fixture       *f,
           gconstpointer  data)
{
  wabiz_test_ui_run (chat_cb, f);
}

/* offline: files dropped while Meta cannot be reached are queued at once
 * with their captions, kept, and sent when it is back */

static guint
sim_ledger_count (Fixture    *f,
                  const char *type,
                  const char *caption)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      JsonObject *body = json_object_get_object_member (entry, "body");
      JsonObject *media;

      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "type", ""), type) != 0
          || g_strcmp0 (json_object_get_string_member_with_default (entry, "result", ""), "accepted") != 0)
        continue;
      media = json_object_get_object_member (body, type);
      if (g_strcmp0 (json_object_get_string_member_with_default (media, "caption", NULL), caption) == 0
          && json_object_has_member (media, "id"))
        n++;
    }
  return n;
}

static void
offline_cb (WabizApplication *app,
            WabizWindow      *window,
            gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  g_autoptr(WabizMessage) image = NULL;
  g_autoptr(WabizMessage) document = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *png = NULL;
  g_autofree char *pdf = NULL;
  WabizMessagesModel *messages;
  WabizAttachmentSheet *sheet;
  GSList *files = NULL;
  GValue value = G_VALUE_INIT;
  gboolean dropped = FALSE;
  CountWait w;
  guint port;

  /* the app's sender runs (test_files_offline set Meta up), and Meta is
   * out of reach */
  g_assert_nonnull (wabiz_services_get_graph (wabiz_application_get_services (app)));
  wabiz_sim_server_set_window (f->sim, ANA, TRUE);
  port = wabiz_sim_server_get_port (f->sim);
  wabiz_sim_server_stop (f->sim);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  messages = open_chat (pane, ANA, 7);

  png = make_png (f, "vase.png", 320);
  pdf = make_file (f, "invoice-4521.pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n");
  files = g_slist_append (files, g_file_new_for_path (png));
  files = g_slist_append (files, g_file_new_for_path (pdf));
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (files));
  g_slist_free_full (files, g_object_unref);
  g_signal_emit_by_name (wabiz_chat_view_get_drop_target (chat), "drop", &value, 200.0, 200.0, &dropped);
  g_value_unset (&value);
  g_assert_true (dropped);

  wabiz_test_wait_until (sheet_ready, chat, 30);
  sheet = wabiz_chat_view_get_attachment_sheet (chat);
  g_assert_cmpuint (wabiz_attachment_sheet_get_n_accepted (sheet), ==, 2);
  wabiz_attachment_sheet_set_caption (sheet, 0, "The blue vase");
  wabiz_attachment_sheet_set_caption (sheet, 1, "Invoice 4521");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sheet), "sheet.send", NULL));

  /* queued at once, with their captions, although nothing can go */
  w.model = messages;
  w.n = 9;
  wabiz_test_wait_until (has_n_messages, &w, 60);
  image = g_list_model_get_item (G_LIST_MODEL (messages), 7);
  document = g_list_model_get_item (G_LIST_MODEL (messages), 8);
  g_assert_cmpint (wabiz_message_get_kind (image), ==, WABIZ_MESSAGE_KIND_IMAGE);
  g_assert_cmpstr (wabiz_message_get_caption (image), ==, "The blue vase");
  g_assert_cmpint (wabiz_message_get_status (image), ==, WABIZ_MESSAGE_STATUS_QUEUED);
  g_assert_cmpint (wabiz_message_get_kind (document), ==, WABIZ_MESSAGE_KIND_DOCUMENT);
  g_assert_cmpstr (wabiz_message_get_caption (document), ==, "Invoice 4521");
  g_assert_cmpint (wabiz_message_get_status (document), ==, WABIZ_MESSAGE_STATUS_QUEUED);

  /* the sender tried both, and keeps them */
  WABIZ_TEST_WAIT (sql_int (f, "SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND attempts >= 1"
                           " AND last_error IS NOT NULL") == 2, 60);
  g_assert_cmpint (wabiz_message_get_status (image), ==, WABIZ_MESSAGE_STATUS_QUEUED);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_assert_true (row_says (GTK_WIDGET (chat), image, "Queued"));
  g_free (wabiz_test_ui_screenshot (window, "ui-conversations-files-offline.png"));

  /* the originals may go: the outbox has its own copies */
  g_assert_cmpint (g_unlink (png), ==, 0);
  g_assert_cmpint (g_unlink (pdf), ==, 0);

  /* Meta is back: uploaded, sent, the ticks move */
  g_object_set (f->sim, "port", port, NULL);
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
  wait_status (image, WABIZ_MESSAGE_STATUS_SENT);
  wait_status (document, WABIZ_MESSAGE_STATUS_SENT);
  g_assert_cmpuint (sim_ledger_count (f, "image", "The blue vase"), ==, 1);
  g_assert_cmpuint (sim_ledger_count (f, "document", "Invoice 4521"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) AS n FROM outbox WHERE media_file IS NOT NULL"), ==, 0);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_free (wabiz_test_ui_screenshot (window, "ui-conversations-files-sent.png"));

  stop_services (app);
}

static void
test_files_offline (Fixture       *f,
                    gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  f->app_processes = TRUE;
  wabiz_test_ui_run (offline_cb, f);
}

/* nothing typed is lost: a draft and queued messages across a restart */

static void
close_with_draft_cb (WabizApplication *app,
                     WabizWindow      *window,
                     gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizComposer *composer = wabiz_chat_view_get_composer (chat);
  WabizMessagesModel *messages;
  CountWait w;

  /* Meta is not set up: messages stay queued */
  messages = open_chat (pane, BRUNO, 1);

  wabiz_composer_set_text (composer, "Yes, on Sunday we open at 10.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  wabiz_composer_set_text (composer, "And we have parking.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  w.model = messages;
  w.n = 3;
  wabiz_test_wait_until (has_n_messages, &w, 30);
  /* opening the chat read it */
  WABIZ_TEST_WAIT (sql_int (f, "SELECT unread_count AS n FROM conversations WHERE phone = '" BRUNO "'") == 0, 60);

  /* the database goes away: the text is not queued anywhere, it stays in
   * the composer, and the view says why */
  {
    set_database_away (f, TRUE);
    wabiz_composer_set_text (composer, "Written while the database was away");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
    WABIZ_TEST_WAIT (unsent_shown (chat), 60);
    g_assert_cmpstr (chat_label (chat, "unsent_label"), ==,
                     "The database cannot be reached, so nothing was sent. What you wrote is kept here: "
                     "send it again once the database is back.");
    g_assert_true (composer_says (composer, "Written while the database was away"));
    wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
    g_free (wabiz_test_ui_screenshot (window, "ui-conversations-offline.png"));
    set_database_away (f, FALSE);
  }

  /* more typed after it, not sent, and the app closes at once */
  type_text (composer, "\n\nHalf a thought about the delivery");
}

static void
restarted_cb (WabizApplication *app,
              WabizWindow      *window,
              gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizComposer *composer = wabiz_chat_view_get_composer (chat);
  WabizMessagesModel *messages;
  g_autoptr(WabizMessage) one = NULL;
  g_autoptr(WabizMessage) two = NULL;
  g_autofree char *text = NULL;
  g_autofree char *shot = NULL;

  /* the last conversation comes back by itself */
  messages = open_chat (pane, BRUNO, 3);
  one = g_list_model_get_item (G_LIST_MODEL (messages), 1);
  two = g_list_model_get_item (G_LIST_MODEL (messages), 2);
  g_assert_cmpstr (wabiz_message_get_text (one), ==, "Yes, on Sunday we open at 10.");
  g_assert_cmpint (wabiz_message_get_status (one), ==, WABIZ_MESSAGE_STATUS_QUEUED);
  g_assert_cmpstr (wabiz_message_get_text (two), ==, "And we have parking.");
  g_assert_cmpint (wabiz_message_get_status (two), ==, WABIZ_MESSAGE_STATUS_QUEUED);

  for (guint i = 0; i < 200; i++)
    {
      g_free (text);
      text = wabiz_composer_dup_text (composer);
      if (*text != '\0')
        break;
      wabiz_test_ui_wait_frames (GTK_WIDGET (window), 1);
    }
  g_assert_cmpstr (text, ==, "Written while the database was away\n\nHalf a thought about the delivery");
  g_assert_cmpint (sql_int (f, "SELECT count(*) AS n FROM outbox WHERE state = 'pending'"), ==, 2);
  shot = wabiz_test_ui_screenshot (window, "ui-conversations-restarted.png");
}

static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  wabiz_test_ui_run (close_with_draft_cb, f);
  wabiz_test_ui_run (restarted_cb, f);
}

/* recycled rows: a long list and a long chat scrolled far and back; every
 * row the lists made or reused shows its own conversation or message */

static gboolean
conversations_loaded (gpointer data)
{
  WabizConversationsModel *model = data;

  return !wabiz_conversations_model_get_loading (model) && !wabiz_conversations_model_get_has_more (model);
}

static gboolean
messages_loaded (gpointer data)
{
  WabizMessagesModel *model = data;

  return !wabiz_messages_model_get_loading (model) && !wabiz_messages_model_get_has_older (model);
}

/* Scrolls @list to @fraction, checks the rows on screen; returns the
 * first and last positions shown */
static void
scroll_and_check (GtkListView *list,
                  double       fraction,
                  guint       *first,
                  guint       *last)
{
  wabiz_test_ui_scroll_list (list, fraction);
  g_assert_cmpuint (wabiz_test_ui_assert_list_rows (list, first, last), >=, 4);
}

#define LONG_CHAT "5511999990009"

static void
recycle_cb (WabizApplication *app,
            WabizWindow      *window,
            gpointer          data)
{
  WabizConversationsPane *pane = show_pane (window);
  WabizConversationsModel *model = wabiz_conversations_pane_get_model (pane);
  GtkListView *list = conversation_list (pane);
  WabizMessagesModel *messages;
  guint n, first, last;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);

  /* the conversations: the first page, then far down until the last */
  scroll_and_check (list, 0.0, &first, &last);
  g_assert_cmpuint (first, ==, 0);
  wabiz_test_ui_scroll_list (list, 1.0);
  wabiz_test_wait_until (conversations_loaded, model, 60);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, 124);
  scroll_and_check (list, 1.0, &first, &last);
  g_assert_cmpuint (last, ==, n - 1);
  g_free (wabiz_test_ui_screenshot (window, "ui-conversations-scrolled-end.png"));
  scroll_and_check (list, 0.5, &first, &last);
  g_assert_cmpuint (first, >, 0);
  g_assert_cmpuint (last, <, n - 1);
  scroll_and_check (list, 0.0, &first, &last);
  g_assert_cmpuint (first, ==, 0);
  for (guint step = 1; step <= 6; step++)
    scroll_and_check (list, step / 6.0, NULL, NULL);
  scroll_and_check (list, 0.0, NULL, NULL);

  /* a badge of more than 99, a conversation with no lead (its avatar
   * without initials: checked with every row), a draft */
  g_assert_cmpstr (conversation_label (pane, "5511900000007", "unread_label"), ==, "99+");
  g_assert_cmpstr (conversation_label (pane, "5511900000005", "title_label"), ==, "+55 11 90000-0005");
  g_assert_null (conversation_label (pane, "5511900000005", "status_label"));
  g_assert_cmpstr (conversation_label (pane, "5511900000010", "preview_label"), ==, "Draft: A reply to 10");
  g_free (wabiz_test_ui_screenshot (window, "ui-conversations-scrolled-back.png"));

  /* a long chat opens at its newest message; up to the first and back */
  messages = open_chat (pane, LONG_CHAT, 50);
  list = bubble_list (pane);
  scroll_and_check (list, 1.0, &first, &last);
  g_assert_cmpuint (last, ==, g_list_model_get_n_items (G_LIST_MODEL (messages)) - 1);
  wabiz_test_ui_scroll_list (list, 0.0);
  wabiz_test_wait_until (messages_loaded, messages, 60);
  n = g_list_model_get_n_items (G_LIST_MODEL (messages));
  g_assert_cmpuint (n, ==, 150);
  scroll_and_check (list, 0.0, &first, &last);
  g_assert_cmpuint (first, ==, 0);
  g_free (wabiz_test_ui_screenshot (window, "ui-conversations-chat-top.png"));
  scroll_and_check (list, 0.5, &first, &last);
  g_assert_cmpuint (first, >, 0);
  g_assert_cmpuint (last, <, n - 1);
  for (guint step = 1; step <= 6; step++)
    scroll_and_check (list, step / 6.0, NULL, NULL);
  scroll_and_check (list, 1.0, &first, &last);
  g_assert_cmpuint (last, ==, n - 1);
  g_free (wabiz_test_ui_screenshot (window, "ui-conversations-chat-bottom.png"));
}

static void
test_recycle (Fixture       *f,
              gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  /* 120 more conversations, newest first by their number: unread badges
   * of each size, ours and theirs, a draft now and then, two lines, every
   * status, some with no lead */
  sql_exec (f,
            "INSERT INTO leads (phone, name, status)"
            " SELECT '55119' || lpad(g::text, 8, '0'), 'Customer ' || g,"
            "  (ARRAY['NEW','CONTACTED','INTERESTED','CONVERTED','LOST'])[g % 5 + 1]"
            " FROM generate_series(1, 120) g WHERE g % 5 <> 0");
  sql_exec (f,
            "INSERT INTO conversations (phone, lead_id, total_messages, last_message,"
            "  last_message_time, last_direction, unread_count, draft)"
            " SELECT '55119' || lpad(g::text, 8, '0'),"
            "  (SELECT id FROM leads WHERE phone = '55119' || lpad(g::text, 8, '0')), 1,"
            "  CASE WHEN g % 9 = 0 THEN 'Two lines ' || g || E'\nthe second' ELSE 'Message ' || g END,"
            "  now() - interval '10 minutes' - g * interval '37 minutes',"
            "  CASE WHEN g % 2 = 0 THEN 'outbound' ELSE 'inbound' END,"
            "  CASE WHEN g = 7 THEN 150 WHEN g % 2 = 0 THEN 0 ELSE g % 4 END,"
            "  CASE WHEN g % 10 = 0 THEN 'A reply to ' || g END"
            " FROM generate_series(1, 120) g");
  /* and a chat of 150 messages, ours in each state */
  sql_exec (f,
            "INSERT INTO leads (phone, name, status) VALUES ('" LONG_CHAT "', 'Dora Long', 'NEW')");
  sql_exec (f,
            "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\","
            "  message_id, error_code, error_title)"
            " SELECT '" LONG_CHAT "', 'Message ' || g || ' of the long chat',"
            "  CASE WHEN g % 3 = 0 THEN 'inbound' ELSE 'outbound' END,"
            "  CASE WHEN g % 3 = 0 THEN 'received'"
            "       ELSE (ARRAY['sent','delivered','read','failed','queued'])[g % 5 + 1] END,"
            "  'text', now() - interval '3 days' + g * interval '23 minutes', 'wamid.long' || g,"
            "  CASE WHEN g % 5 = 3 THEN 131026 END, CASE WHEN g % 5 = 3 THEN 'Message undeliverable' END"
            " FROM generate_series(1, 150) g");
  sql_exec (f,
            "INSERT INTO conversations (phone, lead_id, total_messages, last_message, last_message_time,"
            "  last_direction, unread_count, last_inbound_at)"
            " SELECT '" LONG_CHAT "', id, 150, 'Message 150 of the long chat',"
            "  now() - interval '3 days' + 150 * interval '23 minutes', 'inbound', 0,"
            "  now() - interval '3 days' + 150 * interval '23 minutes' FROM leads WHERE phone = '" LONG_CHAT "'");
  wabiz_test_ui_run (recycle_cb, f);
}

/* a draft, then Enter: the reply goes out and the list says so, not
 * "Draft: …"; two chats keep a draft each */

#define BRUNO_REPLY "Yes, we open at 10 on Sunday."

static void
draft_sent_cb (WabizApplication *app,
               WabizWindow      *window,
               gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  WabizComposer *composer = wabiz_chat_view_get_composer (chat);
  g_autoptr(WabizMessage) sent = NULL;
  g_autofree char *body = NULL;
  WabizMessagesModel *messages;
  CountWait w;

  /* the app's sender runs, against the simulator (test_draft_sent set
   * Meta up) */
  g_assert_nonnull (wabiz_services_get_graph (wabiz_application_get_services (app)));
  wabiz_sim_server_set_window (f->sim, BRUNO, TRUE);
  wabiz_sim_server_set_window (f->sim, ANA, TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  messages = open_chat (pane, BRUNO, 1);
  g_assert_true (preview_is (pane, BRUNO, "Is the shop open on Sunday?"));

  /* a reply, typed in steps, then a pause long enough for the draft to be
   * saved: the database has it, and the list shows it */
  type_text (composer, "Yes,");
  type_text (composer, " we open");
  type_text (composer, " at 10 on Sunday.");
  WABIZ_TEST_WAIT (db_draft_is (f, BRUNO, BRUNO_REPLY), 30);
  WABIZ_TEST_WAIT (preview_is (pane, BRUNO, "Draft: " BRUNO_REPLY), 30);
  wabiz_test_ui_assert_list_rows (conversation_list (pane), NULL, NULL);
  g_free (wabiz_test_ui_screenshot (window, "ui-conversations-draft.png"));

  /* Enter */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  w.model = messages;
  w.n = 2;
  wabiz_test_wait_until (has_n_messages, &w, 30);
  sent = last_message (messages);
  g_assert_cmpstr (wabiz_message_get_text (sent), ==, BRUNO_REPLY);
  g_assert_true (composer_says (composer, ""));

  /* Meta took it, and the draft went from the database: from then on
   * the list says what was sent, not the draft */
  wait_status (sent, WABIZ_MESSAGE_STATUS_SENT);
  WABIZ_TEST_WAIT (db_draft_is (f, BRUNO, NULL), 30);
  WABIZ_TEST_WAIT (preview_is (pane, BRUNO, "You: " BRUNO_REPLY), 30);

  /* the customer's phone got it, then read it */
  body = status_body (wabiz_message_get_wamid (sent), BRUNO, "delivered");
  process_webhook (f, body);
  g_clear_pointer (&body, g_free);
  wait_status (sent, WABIZ_MESSAGE_STATUS_DELIVERED);
  body = status_body (wabiz_message_get_wamid (sent), BRUNO, "read");
  process_webhook (f, body);
  g_clear_pointer (&body, g_free);
  wait_status (sent, WABIZ_MESSAGE_STATUS_READ);
  WABIZ_TEST_WAIT (g_strcmp0 (bubble_label (pane, sent, "status_label"), "✓✓ Read") == 0, 30);
  g_assert_cmpstr (bubble_label (pane, sent, "text_label"), ==, BRUNO_REPLY);

  /* still no draft, anywhere */
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_assert_false (g_str_has_prefix (conversation_label (pane, BRUNO, "preview_label"), "Draft:"));
  g_assert_cmpstr (conversation_label (pane, BRUNO, "preview_label"), ==, "You: " BRUNO_REPLY);
  g_assert_true (db_draft_is (f, BRUNO, NULL));
  g_assert_false (wabiz_drafts_get_pending (wabiz_conversations_pane_get_drafts (pane)));
  wabiz_test_ui_assert_list_rows (conversation_list (pane), NULL, NULL);
  wabiz_test_ui_assert_list_rows (bubble_list (pane), NULL, NULL);
  g_free (wabiz_test_ui_screenshot (window, "ui-conversations-draft-sent.png"));

  /* two chats, back and forth while typing: each keeps its own draft,
   * in the composer, in the database and in the list */
  open_chat (pane, ANA, 7);
  g_assert_true (composer_says (composer, ""));
  type_text (composer, "Your vase");
  type_text (composer, " ships today");
  open_chat (pane, BRUNO, 2);
  g_assert_true (composer_says (composer, ""));
  WABIZ_TEST_WAIT (preview_is (pane, ANA, "Draft: Your vase ships today"), 30);
  type_text (composer, "See you");
  open_chat (pane, ANA, 7);
  WABIZ_TEST_WAIT (composer_says (composer, "Your vase ships today"), 30);
  WABIZ_TEST_WAIT (preview_is (pane, BRUNO, "Draft: See you"), 30);
  type_text (composer, ", tracking follows");
  messages = open_chat (pane, BRUNO, 2);
  WABIZ_TEST_WAIT (composer_says (composer, "See you"), 30);
  WABIZ_TEST_WAIT (db_draft_is (f, ANA, "Your vase ships today, tracking follows"), 30);
  WABIZ_TEST_WAIT (db_draft_is (f, BRUNO, "See you"), 30);
  WABIZ_TEST_WAIT (preview_is (pane, ANA, "Draft: Your vase ships today, tracking follows"), 30);
  WABIZ_TEST_WAIT (preview_is (pane, BRUNO, "Draft: See you"), 30);
  wabiz_test_ui_assert_list_rows (conversation_list (pane), NULL, NULL);
  g_free (wabiz_test_ui_screenshot (window, "ui-conversations-two-drafts.png"));

  /* Bruno's goes; Ana's stays */
  type_text (composer, " on Sunday!");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  w.model = messages;
  w.n = 3;
  wabiz_test_wait_until (has_n_messages, &w, 30);
  WABIZ_TEST_WAIT (db_draft_is (f, BRUNO, NULL), 30);
  WABIZ_TEST_WAIT (preview_is (pane, BRUNO, "You: See you on Sunday!"), 30);
  g_assert_true (db_draft_is (f, ANA, "Your vase ships today, tracking follows"));
  g_assert_true (preview_is (pane, ANA, "Draft: Your vase ships today, tracking follows"));
  WABIZ_TEST_WAIT (sql_is (f, "SELECT count(*) FROM messages WHERE phone = '" BRUNO "' AND status = 'sent'"
                              " AND message = 'See you on Sunday!'", "1"), 30);
  wabiz_test_ui_assert_list_rows (conversation_list (pane), NULL, NULL);
  wabiz_test_ui_assert_list_rows (bubble_list (pane), NULL, NULL);

  stop_services (app);
}

static void
test_draft_sent (Fixture       *f,
                 gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  f->app_processes = TRUE;
  wabiz_test_ui_run (draft_sent_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  /* drafts not yet in the database live under the state folder */
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/conversations/chat", Fixture, NULL, fixture_setup, test_chat, fixture_teardown);
  g_test_add ("/wabiz/ui/conversations/restart", Fixture, NULL, fixture_setup, test_restart, fixture_teardown);
  g_test_add ("/wabiz/ui/conversations/draft-sent", Fixture, NULL, fixture_setup, test_draft_sent,
              fixture_teardown);
  g_test_add ("/wabiz/ui/conversations/recycle", Fixture, NULL, fixture_setup, test_recycle, fixture_teardown);
  g_test_add ("/wabiz/ui/conversations/files-offline", Fixture, NULL, fixture_setup, test_files_offline,
              fixture_teardown);

  return g_test_run ();
}
