/* test-ui-media.c: customers' photos, voice notes, stickers, videos and
 * documents in the chat, under Xvfb, from the simulator through the
 * app's own webhook server, processor and media fetcher
 *
 * SPDX-License-Identifier: MIT
 *
 * Screenshots go to $WABIZ_BUILD_DIR/screenshots as ui-media-*.png.
 * Without a display every test is skipped.
 */

#include "config.h"

#include <adwaita.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wabiz-chat-view.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-media-fetcher-private.h"
#include "wabiz-media-player.h"
#include "wabiz-media-util-private.h"
#include "wabiz-media-viewer.h"
#include "wabiz-message-row.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define CUSTOMER "5511987650001"
#define CUSTOMER_NAME "Marina Costa"
#define GONE_MESSAGE "This file is no longer available from WhatsApp; ask the customer to send it again."
#define FAILED_MESSAGE "WhatsApp could not hand over this file just now. Retry in a moment."

typedef struct
{
  char           *conninfo;
  char           *tmpdir;
  WabizSimServer *sim;
  WabizDb        *db;
} Fixture;

static const char *seed_sql =
  "INSERT INTO leads (phone, name, status) VALUES ('" CUSTOMER "', '" CUSTOMER_NAME "', 'INTERESTED');";

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (!wabiz_test_ui_available ())
    return;

  f->conninfo = wabiz_test_ui_set_database (seed_sql);
  f->db = wabiz_db_new (f->conninfo, NULL, 2);
  f->tmpdir = wabiz_test_make_tmpdir ("wzuim");
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
  if (f->tmpdir != NULL)
    wabiz_test_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
  wabiz_test_ui_clear_database (&f->conninfo);
}

/* helpers */

static char *
sql_text (Fixture    *f,
          const char *sql,
          const char *param)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, param != NULL ? 1 : 0,
                                                      (const char *[]) { param }, NULL, &error);

  g_assert_no_error (error);
  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static gboolean
sql_is (Fixture    *f,
        const char *sql,
        const char *param,
        const char *expected)
{
  g_autofree char *value = sql_text (f, sql, param);

  return g_strcmp0 (value, expected) == 0;
}

static GBytes *
read_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "media", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

/* The customer sends @type with @payload (its "<type>" object, JSON);
 * returns the media id. */
static char *
send_media (Fixture    *f,
            const char *type,
            const char *payload)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) spec = json_object_new ();
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, payload, -1, &error));
  g_assert_no_error (error);
  json_object_set_string_member (spec, "from", CUSTOMER);
  json_object_set_string_member (spec, "name", CUSTOMER_NAME);
  json_object_set_string_member (spec, "type", type);
  json_object_set_member (spec, type, json_node_copy (json_parser_get_root (parser)));

  answer = wabiz_sim_server_inject_inbound (f->sim, spec, &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (answer, "media_id"));
}

/* The simulator delivers to the app's own webhook server */
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

static WabizConversationsPane *
show_pane (WabizWindow *window)
{
  WabizPane *pane;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "conversations"));
  pane = wabiz_window_get_pane (window, "conversations");
  g_assert_true (wabiz_pane_get_loaded (pane));
  return WABIZ_CONVERSATIONS_PANE (pane);
}

static GtkListView *
bubble_list (WabizConversationsPane *pane)
{
  GObject *view = gtk_widget_get_template_child (GTK_WIDGET (wabiz_conversations_pane_get_chat_view (pane)),
                                                 WABIZ_TYPE_CHAT_VIEW, "list_view");

  g_assert_true (GTK_IS_LIST_VIEW (view));
  return GTK_LIST_VIEW (view);
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

/* The message whose media id is @media_id (or, without one, of @type) */
static WabizMessage *
find_message (WabizMessagesModel *model,
              const char         *media_id,
              const char         *type)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(WabizMessage) m = g_list_model_get_item (G_LIST_MODEL (model), i);

      if ((media_id != NULL && g_strcmp0 (wabiz_message_get_media_id (m), media_id) == 0) ||
          (media_id == NULL && g_strcmp0 (wabiz_message_get_message_type (m), type) == 0))
        return m;
    }
  g_assert_not_reached ();
  return NULL;
}

typedef struct
{
  WabizConversationsPane *pane;
  WabizMessage           *message;
} RowWait;

static gboolean
row_shown (gpointer data)
{
  RowWait *w = data;

  return wabiz_test_ui_find_row (GTK_WIDGET (bubble_list (w->pane)), WABIZ_TYPE_MESSAGE_ROW, w->message) != NULL;
}

/* Scrolls the chat to the bubble of @message; its row */
static GtkWidget *
show_bubble (WabizConversationsPane *pane,
             WabizMessage           *message)
{
  WabizMessagesModel *model = wabiz_chat_view_get_messages (wabiz_conversations_pane_get_chat_view (pane));
  RowWait w = { pane, message };
  guint position = 0;

  g_assert_nonnull (wabiz_messages_model_find (model, wabiz_message_get_id (message), &position));
  gtk_widget_activate_action (GTK_WIDGET (bubble_list (pane)), "list.scroll-to-item", "u", position);
  wabiz_test_wait_until (row_shown, &w, 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (pane), 2);
  return wabiz_test_ui_find_row (GTK_WIDGET (bubble_list (pane)), WABIZ_TYPE_MESSAGE_ROW, message);
}

/* the file's widgets are made for the first message of a row that shows
 * one: each must be there, for a message with a file */
static gpointer
row_child (GtkWidget  *row,
           const char *name)
{
  GtkWidget *child = wabiz_test_ui_row_child (row, name);

  g_assert_nonnull (child);
  return child;
}

/* The thumbnail the bubble shows, once decoded */
static GdkTexture *
row_texture (GtkWidget *row)
{
  GtkWidget *picture = wabiz_test_ui_row_child (row, "picture");
  GdkPaintable *paintable = picture != NULL ? gtk_picture_get_paintable (GTK_PICTURE (picture)) : NULL;

  if (picture == NULL || !gtk_widget_get_visible (row_child (row, "thumb_button")) || !GDK_IS_TEXTURE (paintable))
    return NULL;
  return GDK_TEXTURE (paintable);
}

typedef struct
{
  WabizConversationsPane *pane;
  WabizMessage           *message;
  const char             *label;
  const char             *expected;
} LabelWait;

static gboolean
bubble_says (gpointer data)
{
  LabelWait *w = data;
  GtkWidget *row = wabiz_test_ui_find_row (GTK_WIDGET (bubble_list (w->pane)), WABIZ_TYPE_MESSAGE_ROW, w->message);

  return row != NULL && g_strcmp0 (wabiz_test_ui_row_label (row, w->label), w->expected) == 0;
}

static void
wait_bubble_says (WabizConversationsPane *pane,
                  WabizMessage           *message,
                  const char             *label,
                  const char             *expected)
{
  LabelWait w = { pane, message, label, expected };

  show_bubble (pane, message);
  wabiz_test_wait_until (bubble_says, &w, 60);
}

static gboolean
thumbnail_shown (gpointer data)
{
  RowWait *w = data;
  GtkWidget *row = wabiz_test_ui_find_row (GTK_WIDGET (bubble_list (w->pane)), WABIZ_TYPE_MESSAGE_ROW, w->message);

  return row != NULL && row_texture (row) != NULL;
}

/* The bubble of @message shows its thumbnail, decoded at @width × @height */
static void
assert_thumbnail (WabizConversationsPane *pane,
                  WabizMessage           *message,
                  int                     width,
                  int                     height)
{
  RowWait w = { pane, message };
  GtkWidget *row = show_bubble (pane, message);
  GdkTexture *texture;

  wabiz_test_wait_until (thumbnail_shown, &w, 60);
  row = wabiz_test_ui_find_row (GTK_WIDGET (bubble_list (pane)), WABIZ_TYPE_MESSAGE_ROW, message);
  texture = row_texture (row);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, height);
  /* a picture, not a file's card; nothing waits or fails */
  g_assert_false (gtk_widget_get_visible (row_child (row, "card_box")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "media_state_box")));
  g_assert_true (gtk_widget_get_visible (row_child (row, "save_button")));
}

static gboolean
player_ready (gpointer data)
{
  RowWait *w = data;
  GtkWidget *row = wabiz_test_ui_find_row (GTK_WIDGET (bubble_list (w->pane)), WABIZ_TYPE_MESSAGE_ROW, w->message);
  WabizMediaPlayer *player = row != NULL ? wabiz_message_row_get_player (WABIZ_MESSAGE_ROW (row)) : NULL;
  GtkMediaStream *stream = player != NULL ? wabiz_media_player_get_stream (player) : NULL;

  return stream != NULL && (gtk_media_stream_is_prepared (stream) || gtk_media_stream_get_error (stream) != NULL);
}

/* The bubble of @message plays it: its length reads @duration */
static WabizMediaPlayer *
assert_player (WabizConversationsPane *pane,
               WabizMessage           *message,
               const char             *duration)
{
  RowWait w = { pane, message };
  GtkWidget *row;
  WabizMediaPlayer *player;
  GtkMediaStream *stream;

  show_bubble (pane, message);
  wabiz_test_wait_until (player_ready, &w, 60);
  row = wabiz_test_ui_find_row (GTK_WIDGET (bubble_list (pane)), WABIZ_TYPE_MESSAGE_ROW, message);
  player = wabiz_message_row_get_player (WABIZ_MESSAGE_ROW (row));
  stream = wabiz_media_player_get_stream (player);
  if (gtk_media_stream_get_error (stream) != NULL)
    g_error ("Cannot play %s: %s", wabiz_message_get_message_type (message),
             gtk_media_stream_get_error (stream)->message);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (player)));
  g_assert_false (gtk_widget_get_visible (row_child (row, "card_box")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "media_state_box")));
  g_assert_cmpstr (wabiz_media_player_get_time_text (player), ==, duration);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (player),
                                                                                  WABIZ_TYPE_MEDIA_PLAYER,
                                                                                  "time_label"))),
                   ==, duration);
  return player;
}

static WabizMediaViewer *
find_viewer (WabizApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (WABIZ_IS_MEDIA_VIEWER (l->data))
      return l->data;
  return NULL;
}

static gboolean
viewer_decoded (gpointer data)
{
  WabizMediaViewer *viewer = find_viewer (data);

  return viewer != NULL && wabiz_media_viewer_get_texture (viewer) != NULL;
}

static gboolean
file_has (gpointer data)
{
  gpointer *args = data;
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (args[0], &contents, &len, NULL))
    return FALSE;
  return len == g_bytes_get_size (args[1]) && memcmp (contents, g_bytes_get_data (args[1], NULL), len) == 0;
}

/* The save dialog will write @path; until then, sets its folder and
 * name again (the dialog may still be going to the folder it starts in) */
static gboolean
chooser_aims_at (GtkFileChooserNative *chooser,
                 const char           *path)
{
  g_autoptr(GFile) chosen = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_autoptr(GFile) folder = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;

  if (chosen != NULL && g_strcmp0 (g_file_peek_path (chosen), path) == 0)
    return TRUE;
  dir = g_path_get_dirname (path);
  name = g_path_get_basename (path);
  folder = g_file_new_for_path (dir);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  return FALSE;
}

static char *
make_png (Fixture    *f,
          const char *name,
          int         width,
          int         height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->tmpdir, name, NULL);

  gdk_pixbuf_fill (pixbuf, 0x3584e4ff);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);
  return path;
}

/* the test */

static void
every_kind_cb (WabizApplication *app,
               WabizWindow      *window,
               gpointer          data)
{
  Fixture *f = data;
  WabizServices *services = wabiz_application_get_services (app);
  WabizConversationsPane *pane = show_pane (window);
  WabizChatView *chat = wabiz_conversations_pane_get_chat_view (pane);
  g_autofree char *image_id = NULL, *voice_id = NULL, *sticker_id = NULL, *video_id = NULL;
  g_autofree char *pdf_id = NULL, *gone_id = NULL, *failed_id = NULL;
  g_autofree char *ours = make_png (f, "shelf.png", 320, 200);
  g_autofree char *saved = g_build_filename (f->tmpdir, "saved-invoice.pdf", NULL);
  g_autoptr(GBytes) pdf = read_fixture ("document.pdf");
  g_autoptr(GAsyncResult) deleted = NULL;
  g_autoptr(GError) error = NULL;
  WabizMessagesModel *messages;
  WabizMessage *image, *voice, *sticker, *video, *document, *gone, *failed, *sent;
  GtkFileChooserNative *chooser;
  WabizMediaViewer *viewer;
  GtkWidget *row;
  char *shot;

  g_assert_nonnull (wabiz_services_get_graph (services));
  /* one automatic try: a failed file then waits for Retry */
  _wabiz_media_fetcher_set_backoff (wabiz_services_get_media_fetcher (services), 100, 400, 1);
  point_simulator_at (f, app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 780);

  /* the customer sends one of each, a file WhatsApp then loses, and one
   * whose download fails */
  image_id = send_media (f, "image", "{\"caption\": \"Is this the right model?\"}");
  voice_id = send_media (f, "audio", "{\"voice\": true}");
  sticker_id = send_media (f, "sticker", "{}");
  video_id = send_media (f, "video", "{\"caption\": \"Unboxing\"}");
  pdf_id = send_media (f, "document", "{\"filename\": \"invoice-4521.pdf\", \"caption\": \"The invoice\"}");
  gone_id = send_media (f, "image", "{\"hold\": true}");
  failed_id = send_media (f, "image", "{\"fail_next\": [500]}");
  WABIZ_TEST_WAIT (sql_is (f, "SELECT count(*) FROM messages WHERE phone = $1 AND media_id IS NOT NULL", CUSTOMER,
                           "7"),
                   60);
  /* gone from WhatsApp while its download waits (the held download
   * then finds nothing) */
  wabiz_graph_client_delete_media_async (wabiz_services_get_graph (services), gone_id, NULL,
                                         wabiz_test_store_result_cb, &deleted);
  g_assert_true (wabiz_graph_client_delete_media_finish (wabiz_services_get_graph (services),
                                                         wabiz_test_wait_result (&deleted, 30), &error));
  g_assert_no_error (error);

  /* and the business sent a photo of its own from this computer (as the
   * outbox writes it) */
  {
    g_autoptr(WabizDbResult) res = NULL;

    res = wabiz_db_query_sync (f->db,
                               "WITH i AS (INSERT INTO messages (phone, direction, status, type, media_filename,"
                               "  media_mime, media_size, media_path, caption, message_id, \"timestamp\")"
                               " VALUES ($1, 'outbound', 'delivered', 'image', 'shelf.png', 'image/png', 1200, $2,"
                               "  'The shelf it goes on', 'wamid.ours1', now() + interval '1 second') RETURNING phone)"
                               " SELECT wabiz_notify('messages', phone) FROM i",
                               2, (const char *[]) { CUSTOMER, ours }, NULL, &error);
    g_assert_no_error (error);
  }

  messages = open_chat (pane, CUSTOMER, 8);
  image = find_message (messages, image_id, NULL);
  voice = find_message (messages, voice_id, NULL);
  sticker = find_message (messages, sticker_id, NULL);
  video = find_message (messages, video_id, NULL);
  document = find_message (messages, pdf_id, NULL);
  gone = find_message (messages, gone_id, NULL);
  failed = find_message (messages, failed_id, NULL);
  sent = wabiz_messages_model_find_wamid (messages, "wamid.ours1", NULL);
  g_assert_nonnull (sent);

  /* each fetched once and shown: the photo and the sticker (WebP) as
   * thumbnails decoded at their size (the sticker scaled into its box) */
  assert_thumbnail (pane, image, 96, 72);
  g_assert_cmpstr (wabiz_test_ui_row_label (show_bubble (pane, image), "text_label"), ==, "Is this the right model?");
  assert_thumbnail (pane, sticker, 128, 128);

  /* the voice note (Ogg/Opus, 1.5 s) and the video play in the bubble,
   * their length read from the file; the video shows its first frame */
  assert_player (pane, voice, "0:01");
  {
    WabizMediaPlayer *player = assert_player (pane, video, "0:01");
    GtkMediaStream *stream = wabiz_media_player_get_stream (player);

    WABIZ_TEST_WAIT (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (stream)) == 160, 30);
    g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (stream)), ==, 120);
  }

  /* the PDF: its name, type and size, and Open */
  wait_bubble_says (pane, document, "card_subtitle", "PDF document · 615 bytes");
  row = show_bubble (pane, document);
  g_assert_cmpstr (wabiz_test_ui_row_label (row, "card_title"), ==, "invoice-4521.pdf");
  g_assert_cmpstr (wabiz_test_ui_row_label (row, "text_label"), ==, "The invoice");
  g_assert_true (gtk_widget_get_visible (row_child (row, "open_button")));
  g_assert_nonnull (wabiz_message_row_get_media_file (WABIZ_MESSAGE_ROW (row)));
  g_assert_true (g_str_has_suffix (wabiz_message_row_get_media_file (WABIZ_MESSAGE_ROW (row)), ".pdf"));

  /* the one WhatsApp no longer has says so, and no spinner turns */
  wait_bubble_says (pane, gone, "media_state_label", GONE_MESSAGE);
  row = show_bubble (pane, gone);
  g_assert_false (gtk_widget_get_visible (row_child (row, "media_spinner")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "media_retry_button")));
  g_assert_null (row_texture (row));

  /* the business's own photo: a thumbnail, not a file icon */
  assert_thumbnail (pane, sent, 240, 150);

  /* the failed one says why, with Retry */
  wait_bubble_says (pane, failed, "media_state_label", FAILED_MESSAGE);
  row = show_bubble (pane, failed);
  g_assert_true (gtk_widget_get_visible (row_child (row, "media_retry_button")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "media_spinner")));

  /* the chat with every kind, in light and dark */
  show_bubble (pane, gone);
  shot = wabiz_test_ui_screenshot (window, "ui-media-chat.png");
  g_free (shot);
  show_bubble (pane, image);
  shot = wabiz_test_ui_screenshot (window, "ui-media-chat-top.png");
  g_free (shot);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  shot = wabiz_test_ui_screenshot (window, "ui-media-chat-top-dark.png");
  g_free (shot);
  show_bubble (pane, gone);
  shot = wabiz_test_ui_screenshot (window, "ui-media-chat-dark.png");
  g_free (shot);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* Retry fetches it now: its thumbnail replaces the message */
  show_bubble (pane, failed);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat), "chat.retry-media", "s", wabiz_message_get_id (failed)));
  assert_thumbnail (pane, failed, 96, 72);

  /* the sticker full size, in a window of its own */
  show_bubble (pane, sticker);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat), "chat.open-media", "s", wabiz_message_get_id (sticker)));
  wabiz_test_wait_until (viewer_decoded, app, 30);
  viewer = find_viewer (app);
  g_assert_cmpint (gdk_texture_get_width (wabiz_media_viewer_get_texture (viewer)), ==, 512);
  g_assert_cmpint (gdk_texture_get_height (wabiz_media_viewer_get_texture (viewer)), ==, 512);
  wabiz_test_ui_wait_frames (GTK_WIDGET (viewer), 3);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (viewer), "ui-media-viewer.png");
  g_free (shot);
  gtk_window_destroy (GTK_WINDOW (viewer));
  g_assert_null (find_viewer (app));

  /* Save As…: the PDF, byte for byte, where the user chose */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat), "chat.save-media", "s", wabiz_message_get_id (document)));
  WABIZ_TEST_WAIT ((chooser = _wabiz_media_get_save_chooser ()) != NULL, 30);
  {
    g_autofree char *name = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser));

    g_assert_cmpstr (name, ==, "invoice-4521.pdf");
  }
  WABIZ_TEST_WAIT (chooser_aims_at (chooser, saved), 30);
  g_signal_emit_by_name (chooser, "response", GTK_RESPONSE_ACCEPT);
  {
    gpointer args[] = { saved, pdf };

    wabiz_test_wait_until (file_has, args, 30);
  }
  WABIZ_TEST_WAIT (_wabiz_media_get_save_chooser () == NULL, 30);

  /* each file was downloaded once (the failed one twice) */
  g_assert_true (sql_is (f, "SELECT count(*) FROM media WHERE state = 'stored'", NULL, "6"));
  g_assert_true (sql_is (f, "SELECT state FROM media WHERE media_id = $1", gone_id, "gone"));
}

static void
test_every_kind (Fixture       *f,
                 gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_test_ui_run (every_kind_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/media/every-kind", Fixture, NULL, fixture_setup, test_every_kind, fixture_teardown);

  return g_test_run ();
}
