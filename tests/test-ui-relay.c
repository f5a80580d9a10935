/* test-ui-relay.c: what the webhook relay stored reaches the app, whether
 * the app was closed or open at the time
 *
 * SPDX-License-Identifier: MIT
 *
 * The relay (supabase/functions/wabiz-webhook, tested with Deno in
 * tests/relay) checks Meta's signature and stores each delivery with
 * wabiz_relay_store(); here the test stores them the same way, with the
 * real database function, and looks at what the app shows. Screenshots
 * go to $WABIZ_BUILD_DIR/screenshots as ui-relay-*.png. Without a
 * display every test is skipped.
 */

#include "config.h"

#include "wabiz-application.h"
#include "wabiz-conversation-row.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define DANIELA "5511988887777"

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;
  WabizDb        *db;
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
  wabiz_test_ui_clear_database (&f->conninfo);
}

/* A delivery of one text from Daniela, as Meta sends it (non-ASCII and
 * all), stored as the relay stores it; its event id */
static char *
relay_store (Fixture    *f,
             const char *wamid,
             gint64      age_s,
             const char *text)
{
  g_autofree char *body = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  body = g_strdup_printf ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\","
                          "\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\","
                          "\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"106540352242922\"},"
                          "\"contacts\":[{\"profile\":{\"name\":\"Daniela Araújo\"},\"wa_id\":\"" DANIELA "\"}],"
                          "\"messages\":[{\"from\":\"" DANIELA "\",\"id\":\"%s\",\"timestamp\":\"%" G_GINT64_FORMAT "\","
                          "\"type\":\"text\",\"text\":{\"body\":\"%s\"}}]}}]}]}",
                          wamid, g_get_real_time () / G_USEC_PER_SEC - age_s, text);
  res = wabiz_db_query_sync (f->db, "SELECT event_id FROM wabiz_relay_store ($1)", 1,
                             (const char *[]) { body }, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_db_result_get_n_rows (res), ==, 1);
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static gboolean
processed (Fixture    *f,
           const char *event_id)
{
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_sync (f->db, "SELECT processed_at IS NOT NULL FROM webhook_events WHERE id = $1::bigint", 1,
                             (const char *[]) { event_id }, NULL, &error);
  g_assert_no_error (error);
  return wabiz_db_result_get_n_rows (res) == 1 && g_strcmp0 (wabiz_db_result_get_nth (res, 0, 0), "t") == 0;
}

typedef struct
{
  Fixture                *f;
  WabizConversationsPane *pane;
} Run;

/* Daniela's row in the conversations list shows @text as its last
 * message, with her name as WhatsApp gave it */
static gboolean
row_shows (WabizConversationsPane *pane,
           const char             *text)
{
  GtkWidget *row = wabiz_test_ui_find_conversation_row (GTK_WIDGET (pane), DANIELA);

  return row != NULL && g_strcmp0 (wabiz_test_ui_row_label (row, "title_label"), "Daniela Araújo") == 0 &&
         g_strcmp0 (wabiz_test_ui_row_label (row, "preview_label"), text) == 0;
}

static void
relay_cb (WabizApplication *app,
          WabizWindow      *window,
          gpointer          data)
{
  Fixture *f = data;
  WabizConversationsPane *pane;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *live = NULL;
  WabizServices *services;
  GtkWidget *row;

  wabiz_window_set_pane_name (window, "conversations");
  pane = WABIZ_CONVERSATIONS_PANE (wabiz_window_get_pane (window, "conversations"));

  /* stored while the app was closed: taken up at its start, and shown */
  WABIZ_TEST_WAIT (row_shows (pane, "Is the order on its way? ¿Llega mañana?"), 60);
  row = wabiz_test_ui_find_conversation_row (GTK_WIDGET (pane), DANIELA);
  wabiz_test_ui_assert_conversation_row (row);
  g_assert_cmpstr (wabiz_test_ui_row_label (row, "unread_label"), ==, "2");
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_free (wabiz_test_ui_screenshot (window, "ui-relay-while-closed.png"));

  /* stored while it is open: the processor hears of it and the row
   * changes, live */
  live = relay_store (f, "wamid.relay.3", 0, "Thanks, see you tomorrow 🙂");
  WABIZ_TEST_WAIT (processed (f, live), 60);
  WABIZ_TEST_WAIT (row_shows (pane, "Thanks, see you tomorrow 🙂"), 60);
  row = wabiz_test_ui_find_conversation_row (GTK_WIDGET (pane), DANIELA);
  wabiz_test_ui_assert_conversation_row (row);
  g_assert_cmpstr (wabiz_test_ui_row_label (row, "unread_label"), ==, "3");
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_free (wabiz_test_ui_screenshot (window, "ui-relay-live.png"));

  services = wabiz_application_get_services (app);
  g_assert_nonnull (services);
  wabiz_services_stop_async (services, 60, wabiz_test_store_result_cb, &result);
  g_assert_true (wabiz_services_stop_finish (services, wabiz_test_wait_result (&result, 90), &error));
  g_assert_no_error (error);
}

static void
test_relay (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if (wabiz_test_ui_skip_without_display ())
    return;

  /* the app is closed: the relay stores two messages */
  first = relay_store (f, "wamid.relay.1", 120, "Hello, I ordered the blue vase");
  second = relay_store (f, "wamid.relay.2", 60, "Is the order on its way? ¿Llega mañana?");
  g_assert_false (processed (f, first));
  g_assert_false (processed (f, second));

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_test_ui_run (relay_cb, f);

  g_assert_true (processed (f, first));
  g_assert_true (processed (f, second));
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/relay/closed-then-live", Fixture, NULL, fixture_setup, test_relay, fixture_teardown);

  return g_test_run ();
}
