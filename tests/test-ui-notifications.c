/* test-ui-notifications.c: the desktop notifications, under Xvfb, with a
 * notification server of the test's own on the session bus
 *
 * SPDX-License-Identifier: MIT
 *
 * The UI test harness owns org.gtk.Notifications on the program's
 * session bus (wabiz_test_ui_get_notifications()), so GLib's
 * GNotification sends it what a desktop's notification server would
 * get. Screenshots go to $WABIZ_BUILD_DIR/screenshots as
 * ui-notifications-*.png. Without a display every test is skipped.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "wabiz-application-private.h"
#include "wabiz-chat-view.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-notifier-private.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define MARINA "5511987650001"
#define RAFAEL "5511987650002"

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;
  WabizDb        *db;
} Fixture;

static const char *seed_sql =
  "INSERT INTO leads (phone, name, status) VALUES ('" MARINA "', 'Marina Costa', 'NEW'),"
  "  ('" RAFAEL "', 'Rafael Nunes', 'NEW');"
  "INSERT INTO templates (name, language, status, category, body_text)"
  "  VALUES ('spring_sale', 'en_US', 'PENDING', 'MARKETING', 'Our spring sale starts today');";

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

/* helpers */

static void
sql_exec (Fixture    *f,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
}

static gboolean
sql_is (Fixture    *f,
        const char *sql,
        const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  return wabiz_db_result_get_n_rows (res) > 0 && g_strcmp0 (wabiz_db_result_get_nth (res, 0, 0), expected) == 0;
}

/* A customer writes @text, through the app's webhook server */
static void
customer_writes (Fixture    *f,
                 const char *phone,
                 const char *name,
                 const char *type,
                 const char *payload)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) spec = json_object_new ();
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, payload, -1, &error));
  g_assert_no_error (error);
  json_object_set_string_member (spec, "from", phone);
  json_object_set_string_member (spec, "name", name);
  json_object_set_string_member (spec, "type", type);
  json_object_set_member (spec, type, json_node_copy (json_parser_get_root (parser)));
  answer = wabiz_sim_server_inject_inbound (f->sim, spec, &error);
  g_assert_no_error (error);
}

/* what the desktop's notification server got */
static GPtrArray *
told (void)
{
  GPtrArray *notifications = wabiz_test_ui_get_notifications ();

  g_assert_nonnull (notifications);
  return notifications;
}

static guint
n_added (void)
{
  guint n = 0;

  for (guint i = 0; i < told ()->len; i++)
    if (g_str_equal (((WabizTestUiNotification *) g_ptr_array_index (told (), i))->method, "AddNotification"))
      n++;
  return n;
}

/* the last notification sent */
static WabizTestUiNotification *
last_added (void)
{
  for (guint i = told ()->len; i > 0; i--)
    {
      WabizTestUiNotification *r = g_ptr_array_index (told (), i - 1);

      if (g_str_equal (r->method, "AddNotification"))
        return r;
    }
  g_assert_not_reached ();
  return NULL;
}

/* a notification @id was sent after the first @n */
static gboolean
told_since (guint       n,
            const char *id)
{
  guint seen = 0;

  for (guint i = 0; i < told ()->len; i++)
    {
      WabizTestUiNotification *r = g_ptr_array_index (told (), i);

      if (!g_str_equal (r->method, "AddNotification"))
        continue;
      if (seen++ >= n && g_str_equal (r->id, id))
        return TRUE;
    }
  return FALSE;
}

/* the notification @id was taken back */
static gboolean
removed (const char *id)
{
  for (guint i = 0; i < told ()->len; i++)
    {
      WabizTestUiNotification *r = g_ptr_array_index (told (), i);

      if (g_str_equal (r->method, "RemoveNotification") && g_str_equal (r->id, id))
        return TRUE;
    }
  return FALSE;
}

static gboolean
any_active (WabizApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (gtk_window_is_active (l->data))
      return TRUE;
  return FALSE;
}

static gboolean
chat_shows (WabizWindow *window,
            const char  *phone)
{
  WabizPane *pane = wabiz_window_get_pane (window, "conversations");
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (WABIZ_CONVERSATIONS_PANE (pane));
  WabizConversation *open = wabiz_chat_view_get_conversation (chat);

  return g_strcmp0 (wabiz_window_get_pane_name (window), "conversations") == 0 && open != NULL &&
         g_strcmp0 (wabiz_conversation_get_phone (open), phone) == 0;
}

static void
point_simulator_at (Fixture          *f,
                    WabizApplication *app)
{
  WabizServices *services = wabiz_application_get_services (app);
  g_autofree char *url = NULL;
  g_autofree char *webhook_url = NULL;

  WABIZ_TEST_WAIT (wabiz_services_get_http (services) != NULL, 30);
  url = wabiz_http_server_dup_url (wabiz_services_get_http (services));
  webhook_url = g_strconcat (url, "/webhook", NULL);
  g_object_set (f->sim, "webhook-url", webhook_url, NULL);
}

/* the test */

static void
notifications_cb (WabizApplication *app,
                  WabizWindow      *window,
                  gpointer          data)
{
  Fixture *f = data;
  WabizNotifier *notifier = _wabiz_application_get_notifier (app);
  GSettings *settings = wabiz_application_get_settings (app);
  WabizChatView *chat;
  GtkWidget *elsewhere;
  WabizTestUiNotification *r;
  guint n, looked;

  point_simulator_at (f, app);
  WABIZ_TEST_WAIT (_wabiz_notifier_get_ready (notifier), 30);
  g_assert_true (g_settings_get_boolean (settings, "notifications"));

  /* the owner works in another window: WaBiz is not focused */
  elsewhere = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (elsewhere), "Another app");
  gtk_window_present (GTK_WINDOW (elsewhere));
  WABIZ_TEST_WAIT (gtk_window_is_active (GTK_WINDOW (elsewhere)) && !any_active (app), 30);

  /* Marina writes: a notification with her name, the text, and her
   * conversation as the target */
  customer_writes (f, MARINA, "Marina", "text", "{\"body\": \"Do you deliver on Saturdays?\"}");
  WABIZ_TEST_WAIT (n_added () == 1, 60);
  r = last_added ();
  g_assert_cmpstr (r->id, ==, "conversation-" MARINA);
  g_assert_cmpstr (r->title, ==, "Marina Costa");
  g_assert_cmpstr (r->body, ==, "Do you deliver on Saturdays?");
  g_assert_cmpstr (r->action, ==, "app.open-conversation");
  g_assert_cmpstr (r->target, ==, MARINA);

  /* and again: the same notification, now with a count */
  customer_writes (f, MARINA, "Marina", "image", "{\"caption\": \"This one, in blue\"}");
  WABIZ_TEST_WAIT (n_added () == 2, 60);
  r = last_added ();
  g_assert_cmpstr (r->id, ==, "conversation-" MARINA);
  g_assert_cmpstr (r->title, ==, "Marina Costa");
  g_assert_cmpstr (r->body, ==, "2 new messages\nPhoto: This one, in blue");

  /* activated (as the notification server would): her chat opens, and
   * the notification goes */
  g_assert_true (g_str_has_prefix (r->action, "app."));
  g_action_group_activate_action (G_ACTION_GROUP (app), r->action + strlen ("app."), g_variant_new_string (r->target));
  WABIZ_TEST_WAIT (chat_shows (window, MARINA), 30);
  /* (the server hears of it over the bus, after the chat opened) */
  WABIZ_TEST_WAIT (removed ("conversation-" MARINA), 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_free (wabiz_test_ui_screenshot (window, "ui-notifications-opened.png"));
  chat = wabiz_conversations_pane_get_chat_view (WABIZ_CONVERSATIONS_PANE (wabiz_window_get_pane (window,
                                                                                                  "conversations")));

  /* back to the other window */
  gtk_window_present (GTK_WINDOW (elsewhere));
  WABIZ_TEST_WAIT (gtk_window_is_active (GTK_WINDOW (elsewhere)) && !any_active (app), 30);

  /* with the Preferences switch off, nothing is told, though the message
   * was looked at */
  g_settings_set_boolean (settings, "notifications", FALSE);
  n = n_added ();
  looked = _wabiz_notifier_get_n_looked (notifier);
  customer_writes (f, MARINA, "Marina", "text", "{\"body\": \"Are you there?\"}");
  WABIZ_TEST_WAIT (_wabiz_notifier_get_n_looked (notifier) > looked, 60);
  g_assert_cmpuint (n_added (), ==, n);
  g_settings_set_boolean (settings, "notifications", TRUE);

  /* muted from the chat's menu: Marina's messages are not told, Rafael's
   * (which came after) are */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat), "chat.mute", NULL));
  WABIZ_TEST_WAIT (sql_is (f, "SELECT muted FROM conversations WHERE phone = '" MARINA "'", "t"), 30);
  customer_writes (f, MARINA, "Marina", "text", "{\"body\": \"Hello?\"}");
  WABIZ_TEST_WAIT (sql_is (f, "SELECT count(*) FROM messages WHERE message = 'Hello?'", "1"), 60);
  customer_writes (f, RAFAEL, "Rafael", "text", "{\"body\": \"Is the shop open today?\"}");
  WABIZ_TEST_WAIT (n_added () == n + 1, 60);
  /* (hers came first: had it been told, it would be there by now) */
  g_assert_false (told_since (n, "conversation-" MARINA));
  r = last_added ();
  g_assert_cmpstr (r->id, ==, "conversation-" RAFAEL);
  g_assert_cmpstr (r->title, ==, "Rafael Nunes");
  g_assert_cmpstr (r->body, ==, "Is the shop open today?");
  g_assert_cmpstr (r->target, ==, RAFAEL);

  /* unmuted, she is told of again */
  WABIZ_TEST_WAIT (gtk_widget_activate_action (GTK_WIDGET (chat), "chat.unmute", NULL), 30);
  WABIZ_TEST_WAIT (sql_is (f, "SELECT muted FROM conversations WHERE phone = '" MARINA "'", "f"), 30);
  customer_writes (f, MARINA, "Marina", "text", "{\"body\": \"I will come by at 5\"}");
  WABIZ_TEST_WAIT (n_added () == n + 2, 60);
  r = last_added ();
  g_assert_cmpstr (r->id, ==, "conversation-" MARINA);
  g_assert_cmpstr (r->body, ==, "I will come by at 5");

  /* a send that failed */
  sql_exec (f, "WITH i AS (INSERT INTO messages (phone, message, direction, status, type, error_code, error_title,"
               "  message_id) VALUES ('" RAFAEL "', 'Yes, until 18:00', 'outbound', 'failed', 'text', 131047,"
               "  'Re-engagement message', 'wamid.failed1') RETURNING phone)"
               " SELECT wabiz_notify('messages', phone) FROM i");
  WABIZ_TEST_WAIT (n_added () == n + 3, 60);
  r = last_added ();
  g_assert_cmpstr (r->id, ==, "failed-" RAFAEL);
  g_assert_cmpstr (r->title, ==, "Not delivered to Rafael Nunes");
  g_assert_cmpstr (r->body, ==, "WhatsApp did not accept the message: Re-engagement message. Open the "
                                "conversation to send it again.");
  g_assert_cmpstr (r->action, ==, "app.open-conversation");
  g_assert_cmpstr (r->target, ==, RAFAEL);

  /* a template approved */
  sql_exec (f, "WITH u AS (UPDATE templates SET status = 'APPROVED', updated_at = now()"
               "           WHERE name = 'spring_sale' RETURNING id)"
               " SELECT wabiz_notify('templates') FROM u");
  WABIZ_TEST_WAIT (n_added () == n + 4, 60);
  r = last_added ();
  g_assert_cmpstr (r->id, ==, "template-spring_sale-en_US");
  g_assert_cmpstr (r->title, ==, "Template approved");
  g_assert_cmpstr (r->body, ==, "“spring_sale” (en_US) can now be sent to customers.");

  /* the owner is back in WaBiz: nothing more is told */
  gtk_window_present (GTK_WINDOW (window));
  WABIZ_TEST_WAIT (gtk_window_is_active (GTK_WINDOW (window)), 30);
  looked = _wabiz_notifier_get_n_looked (notifier);
  customer_writes (f, RAFAEL, "Rafael", "text", "{\"body\": \"Thanks!\"}");
  WABIZ_TEST_WAIT (_wabiz_notifier_get_n_looked (notifier) > looked, 60);
  g_assert_cmpuint (n_added (), ==, n + 4);

  gtk_window_destroy (GTK_WINDOW (elsewhere));
}

static void
test_notifications (Fixture       *f,
                    gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;
  if (wabiz_test_ui_get_notifications () == NULL)
    {
      g_test_skip ("another notification server has the session bus's org.gtk.Notifications");
      return;
    }

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_test_ui_run (notifications_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/notifications/told", Fixture, NULL, fixture_setup, test_notifications,
              fixture_teardown);

  return g_test_run ();
}
