/* wabiz-message-row.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One message in the chat: a bubble on the left (customer) or right
 * (business) with the quoted message it replies to, its text or media,
 * time and delivery in marks AND words, Meta's reason when it failed,
 * and the reactions under it. Follows the WabizMessage's notifies, so
 * ticks move without the list changing.
 */

#define G_LOG_DOMAIN "wabiz-message-row"

#include "config.h"

#include "wabiz-media-player.h"
#include "wabiz-media-util.h"
#include "wabiz-message-row.h"
#include "wabiz-time.h"

#include <glib/gi18n.h>

/* the box a thumbnail fits in, in pixels */
#define PHOTO_BOX 240
#define STICKER_BOX 128

struct _WabizMessageRow
{
  GtkWidget     parent_instance;

  WabizMessage *message;        /* (owned) (nullable) */
  GCancellable *cancellable;    /* (owned) (nullable) the file's state, the file, its thumbnail */
  gboolean      show_day;
  WabizServices   *services;    /* (owned) (nullable) where customers' files are */
  WabizDbListener *listener;    /* (owned) (nullable) the services', followed for changed::media */
  char         *media_id;       /* (owned) (nullable) the customer's file the bubble waits for */
  char         *media_file;     /* (owned) (nullable) the file shown, on this computer */

  /* template children */
  GtkWidget    *box;
  GtkLabel     *day_label;
  GtkWidget    *bubble;
  GtkWidget    *quote_box;
  GtkLabel     *quote_author;
  GtkLabel     *quote_label;
  GtkLabel     *text_label;
  GtkLabel     *error_label;
  GtkWidget    *retry_button;
  GtkWidget    *save_button;
  GtkWidget    *reply_button;
  GtkLabel     *time_label;
  GtkLabel     *status_label;
  GtkLabel     *reactions_label;
  GtkLabel     *analysis_label;
  GtkLabel     *automatic_label;

  /* Most bubbles are text: what shows a file or a card
   * (wabiz-message-media.ui) is made for the first message of a row that
   * needs it (ensure_media()), and the player for the first audio or
   * video. NULL until then; in the bubble after the quote. */
  GtkWidget    *thumb_button;
  GtkPicture   *picture;
  WabizMediaPlayer *player;
  GtkWidget    *card_box;
  GtkImage     *card_icon;
  GtkLabel     *card_title;
  GtkLabel     *card_subtitle;
  GtkWidget    *open_button;
  GtkWidget    *media_state_box;
  GtkWidget    *media_spinner;
  GtkLabel     *media_state_label;
  GtkWidget    *media_retry_button;
};

G_DEFINE_FINAL_TYPE (WabizMessageRow, wabiz_message_row, GTK_TYPE_WIDGET)

const char *
wabiz_message_status_to_text (WabizMessageStatus status)
{
  switch (status)
    {
    case WABIZ_MESSAGE_STATUS_QUEUED:
      /* Translators: a message waiting in the outbox */
      return _("Queued");
    case WABIZ_MESSAGE_STATUS_UNKNOWN:
      /* Translators: the app stopped while sending; WhatsApp may have it */
      return _("Not confirmed");
    case WABIZ_MESSAGE_STATUS_ACCEPTED:
    case WABIZ_MESSAGE_STATUS_SENT:
      return _("Sent");
    case WABIZ_MESSAGE_STATUS_DELIVERED:
      return _("Delivered");
    case WABIZ_MESSAGE_STATUS_READ:
      return _("Read");
    case WABIZ_MESSAGE_STATUS_PLAYED:
      return _("Played");
    case WABIZ_MESSAGE_STATUS_FAILED:
      return _("Failed");
    case WABIZ_MESSAGE_STATUS_RECEIVED:
    default:
      return _("Received");
    }
}

char *
wabiz_format_day (GDateTime *time)
{
  g_autoptr(GDateTime) local = wabiz_date_time_to_local (time);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int days;

  days = g_date_time_get_year (now) * 400 + g_date_time_get_day_of_year (now) -
         (g_date_time_get_year (local) * 400 + g_date_time_get_day_of_year (local));

  if (days == 0)
    return g_strdup (_("Today"));
  if (days == 1)
    return g_strdup (_("Yesterday"));
  if (g_date_time_get_year (local) == g_date_time_get_year (now))
    /* Translators: a day heading in the chat, see strftime(3) */
    return g_date_time_format (local, _("%A, %e %B"));
  /* Translators: a day heading in the chat for another year, see strftime(3) */
  return g_date_time_format (local, _("%e %B %Y"));
}

char *
wabiz_format_list_time (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) now = NULL;
  GTimeSpan age;

  if (time == NULL)
    return g_strdup ("");

  local = wabiz_date_time_to_local (time);
  now = g_date_time_new_now_local ();
  age = g_date_time_difference (now, local);

  if (g_date_time_get_year (local) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    return g_date_time_format (local, "%H:%M");
  if (age < 7 * G_TIME_SPAN_DAY)
    /* Translators: a weekday in the conversation list, see strftime(3) */
    return g_date_time_format (local, _("%a"));
  /* Translators: a short date in the conversation list, see strftime(3) */
  return g_date_time_format (local, _("%d/%m/%y"));
}

static const char *
kind_icon (WabizMessageKind kind)
{
  switch (kind)
    {
    case WABIZ_MESSAGE_KIND_IMAGE:
    case WABIZ_MESSAGE_KIND_STICKER:
      return "image-x-generic-symbolic";
    case WABIZ_MESSAGE_KIND_VIDEO:
      return "video-x-generic-symbolic";
    case WABIZ_MESSAGE_KIND_AUDIO:
      return "audio-x-generic-symbolic";
    case WABIZ_MESSAGE_KIND_LOCATION:
      return "mark-location-symbolic";
    case WABIZ_MESSAGE_KIND_CONTACTS:
      return "x-office-address-book-symbolic";
    case WABIZ_MESSAGE_KIND_ORDER:
      return "x-office-spreadsheet-symbolic";
    case WABIZ_MESSAGE_KIND_DOCUMENT:
    default:
      return "x-office-document-symbolic";
    }
}

static const char *
kind_name (WabizMessageKind kind)
{
  switch (kind)
    {
    case WABIZ_MESSAGE_KIND_IMAGE: return _("Photo");
    case WABIZ_MESSAGE_KIND_STICKER: return _("Sticker");
    case WABIZ_MESSAGE_KIND_VIDEO: return _("Video");
    case WABIZ_MESSAGE_KIND_AUDIO: return _("Audio");
    case WABIZ_MESSAGE_KIND_DOCUMENT: return _("Document");
    case WABIZ_MESSAGE_KIND_LOCATION: return _("Location");
    case WABIZ_MESSAGE_KIND_CONTACTS: return _("Contact");
    default: return _("Message");
    }
}

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_label (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

/* The buttons of the thumbnail, the card and the file's state act on the
 * row's message */
static void
aim_media (WabizMessageRow *self)
{
  const char *id = self->message != NULL ? wabiz_message_get_id (self->message) : NULL;

  if (self->card_box == NULL || id == NULL)
    return;
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->open_button), "s", id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->thumb_button), "s", id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->media_retry_button), "s", id);
}

/* The thumbnail, the card and the file's state, made now if they are not
 * yet, each hidden until shown */
static void
ensure_media (WabizMessageRow *self)
{
  g_autoptr(GtkBuilder) builder = NULL;

  if (self->card_box != NULL)
    return;

  builder = gtk_builder_new_from_resource ("/org/example/WaBiz/ui/wabiz-message-media.ui");
  self->thumb_button = GTK_WIDGET (gtk_builder_get_object (builder, "thumb_button"));
  self->picture = GTK_PICTURE (gtk_builder_get_object (builder, "picture"));
  self->card_box = GTK_WIDGET (gtk_builder_get_object (builder, "card_box"));
  self->card_icon = GTK_IMAGE (gtk_builder_get_object (builder, "card_icon"));
  self->card_title = GTK_LABEL (gtk_builder_get_object (builder, "card_title"));
  self->card_subtitle = GTK_LABEL (gtk_builder_get_object (builder, "card_subtitle"));
  self->open_button = GTK_WIDGET (gtk_builder_get_object (builder, "open_button"));
  self->media_state_box = GTK_WIDGET (gtk_builder_get_object (builder, "media_state_box"));
  self->media_spinner = GTK_WIDGET (gtk_builder_get_object (builder, "media_spinner"));
  self->media_state_label = GTK_LABEL (gtk_builder_get_object (builder, "media_state_label"));
  self->media_retry_button = GTK_WIDGET (gtk_builder_get_object (builder, "media_retry_button"));

  gtk_box_insert_child_after (GTK_BOX (self->bubble), self->thumb_button, self->quote_box);
  gtk_box_insert_child_after (GTK_BOX (self->bubble), self->card_box, self->thumb_button);
  gtk_box_insert_child_after (GTK_BOX (self->bubble), self->media_state_box, self->card_box);
  aim_media (self);
}

static WabizMediaStore *
get_store (WabizMessageRow *self)
{
  WabizMediaFetcher *fetcher = self->services != NULL ? wabiz_services_get_media_fetcher (self->services) : NULL;

  return fetcher != NULL ? wabiz_media_fetcher_get_store (fetcher) : NULL;
}

/* What the bubble says about a file it cannot show (yet): @text, with a
 * spinner while @busy, and Retry */
static void
set_media_state (WabizMessageRow *self,
                 const char      *text,
                 gboolean         busy,
                 gboolean         retry)
{
  if (text == NULL && self->media_state_box == NULL)
    return;
  ensure_media (self);
  gtk_widget_set_visible (self->media_state_box, text != NULL);
  set_label (self->media_state_label, text);
  gtk_widget_set_visible (self->media_spinner, busy);
  gtk_spinner_set_spinning (GTK_SPINNER (self->media_spinner), busy);
  gtk_widget_set_visible (self->media_retry_button, retry);
}

static int
thumbnail_box (WabizMessageRow *self)
{
  return wabiz_message_get_kind (self->message) == WABIZ_MESSAGE_KIND_STICKER ? STICKER_BOX : PHOTO_BOX;
}

/* The thumbnail, as large as its box allows, in place of the file's card */
static void
show_thumbnail (WabizMessageRow *self,
                GdkTexture      *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  double scale = MIN ((double) thumbnail_box (self) / width, (double) thumbnail_box (self) / height);

  ensure_media (self);
  gtk_widget_set_size_request (GTK_WIDGET (self->picture), MAX (1, (int) (width * scale)),
                               MAX (1, (int) (height * scale)));
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (self->thumb_button, TRUE);
  gtk_widget_set_visible (self->card_box, FALSE);
}

static void
thumbnail_loaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  WabizMessageRow *self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = wabiz_media_load_texture_finish (result, &error);
  /* cancelled: the row is gone or shows another message */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (texture == NULL)
    {
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_("Cannot show this picture: %s"), error->message);

      set_media_state (self, text, FALSE, FALSE);
      return;
    }
  show_thumbnail (self, texture);
}

/* The file is on this computer, at @path: shown as its kind wants */
static void
show_file (WabizMessageRow *self,
           const char      *path)
{
  WabizMessageKind kind = wabiz_message_get_kind (self->message);

  g_free (self->media_file);
  self->media_file = g_strdup (path);
  ensure_media (self);
  set_media_state (self, NULL, FALSE, FALSE);
  gtk_widget_set_visible (self->save_button, TRUE);

  switch (kind)
    {
    case WABIZ_MESSAGE_KIND_IMAGE:
    case WABIZ_MESSAGE_KIND_STICKER:
      {
        int size = thumbnail_box (self) * gtk_widget_get_scale_factor (GTK_WIDGET (self));
        GdkTexture *kept = wabiz_media_peek_texture (path, size);

        if (kept != NULL)
          show_thumbnail (self, kept);
        else
          wabiz_media_load_texture_async (path, size, self->cancellable, thumbnail_loaded_cb, self);
      }
      break;

    case WABIZ_MESSAGE_KIND_AUDIO:
    case WABIZ_MESSAGE_KIND_VIDEO:
      {
        g_autoptr(GFile) file = g_file_new_for_path (path);

        /* most bubbles are text: the player, with its scale and
         * buttons, is made only for the rows that show a recording */
        if (self->player == NULL)
          {
            self->player = WABIZ_MEDIA_PLAYER (wabiz_media_player_new ());
            gtk_box_insert_child_after (GTK_BOX (self->bubble), GTK_WIDGET (self->player), self->thumb_button);
          }
        wabiz_media_player_set_file (self->player, file, kind == WABIZ_MESSAGE_KIND_VIDEO);
        gtk_widget_set_visible (GTK_WIDGET (self->player), TRUE);
        gtk_widget_set_visible (self->card_box, FALSE);
      }
      break;

    case WABIZ_MESSAGE_KIND_DOCUMENT:
    default:
      gtk_widget_set_visible (self->open_button, TRUE);
      break;
    }
}

static void request_media (WabizMessageRow *self);

static void
media_opened_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WabizMessageRow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  path = wabiz_media_store_open_finish (WABIZ_MEDIA_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (path == NULL)
    {
      /* the store's sentence: why, and what to do */
      set_media_state (self, error->message, FALSE,
                       !g_error_matches (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_STORED));
      return;
    }
  show_file (self, path);
}

static void
update_card_subtitle (WabizMessageRow *self,
                      gint64           size);

static void
media_info_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  WabizMessageRow *self = user_data;
  g_autoptr(WabizMediaInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = wabiz_media_store_get_info_finish (WABIZ_MEDIA_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (info == NULL)
    {
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_("Cannot look up this file: %s"), error->message);

      set_media_state (self, text, FALSE, FALSE);
      return;
    }

  if (wabiz_message_get_media_size (self->message) <= 0 && info->size > 0)
    update_card_subtitle (self, info->size);

  switch (info->state)
    {
    case WABIZ_MEDIA_STATE_STORED:
      set_media_state (self, _("Opening the file…"), TRUE, FALSE);
      wabiz_media_store_open_async (WABIZ_MEDIA_STORE (object), self->media_id, self->cancellable,
                                    media_opened_cb, self);
      break;
    case WABIZ_MEDIA_STATE_FETCHING:
      /* a fetcher has it: a spinner, until changed::media says how it went */
      set_media_state (self, info->message, TRUE, FALSE);
      break;
    case WABIZ_MEDIA_STATE_FAILED:
    case WABIZ_MEDIA_STATE_REMOVED:
      set_media_state (self, info->message, FALSE, TRUE);
      break;
    case WABIZ_MEDIA_STATE_PENDING:
    case WABIZ_MEDIA_STATE_GONE:
    default:
      set_media_state (self, info->message, FALSE, FALSE);
      break;
    }
}

/* The state of the customer's file, then the file */
static void
request_media (WabizMessageRow *self)
{
  WabizMediaStore *store = get_store (self);

  if (self->media_id == NULL || store == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  wabiz_media_store_get_info_async (store, self->media_id, self->cancellable, media_info_cb, self);
}

static void
media_changed_cb (WabizMessageRow *self,
                  const char      *phone,
                  const char      *id,
                  WabizDbListener *listener)
{
  /* until the file shows, each change of its state shows */
  if (self->media_id != NULL && self->media_file == NULL &&
      (id == NULL || g_strcmp0 (id, self->media_id) == 0))
    request_media (self);
}

/* The file of the message, wherever it is */
static void
start_media (WabizMessageRow *self)
{
  WabizMessage *m = self->message;
  const char *local = wabiz_message_get_media_path (m);

  /* a customer's: from the database, through this desktop's cache */
  if (!wabiz_message_get_outbound (m) && wabiz_message_get_media_id (m) != NULL && get_store (self) != NULL)
    {
      self->media_id = g_strdup (wabiz_message_get_media_id (m));
      request_media (self);
      return;
    }

  /* ours: where it was sent from, on this computer */
  if (local != NULL && g_file_test (local, G_FILE_TEST_IS_REGULAR))
    show_file (self, local);
  else if (wabiz_message_get_outbound (m) && local != NULL)
    set_media_state (self, _("This file was sent from another computer and is not on this one."), FALSE, FALSE);
}

/* "PDF document" for a document, else its kind ("Photo") */
static char *
dup_media_description (WabizMessage *m)
{
  const char *mime = wabiz_message_get_media_mime (m);
  g_autofree char *type = mime != NULL ? g_content_type_from_mime_type (mime) : NULL;

  if (type != NULL && !g_content_type_is_unknown (type) &&
      wabiz_message_get_kind (m) == WABIZ_MESSAGE_KIND_DOCUMENT)
    return g_content_type_get_description (type);
  return g_strdup (kind_name (wabiz_message_get_kind (m)));
}

static void
update_card_subtitle (WabizMessageRow *self,
                      gint64           size)
{
  g_autofree char *description = dup_media_description (self->message);
  g_autofree char *subtitle = NULL;

  ensure_media (self);
  /* a file without a name has its kind as the title already */
  if (wabiz_message_get_media_filename (self->message) == NULL)
    {
      g_autofree char *formatted = size > 0 ? g_format_size (size) : NULL;

      set_label (self->card_subtitle, formatted);
      return;
    }
  if (size > 0)
    {
      g_autofree char *formatted = g_format_size (size);

      /* Translators: kind of file and its size, "PDF document · 1.2 MB" */
      subtitle = g_strdup_printf (_("%s · %s"), description, formatted);
    }
  else
    subtitle = g_strdup (description);
  set_label (self->card_subtitle, subtitle);
}

static char *
contacts_summary (WabizMessage *message)
{
  JsonNode *content = wabiz_message_get_content (message);
  g_autoptr(GString) phones = g_string_new (NULL);
  JsonArray *array;

  if (content == NULL || !JSON_NODE_HOLDS_ARRAY (content))
    return NULL;

  array = json_node_get_array (content);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonArray *list;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      list = json_object_get_array_member (json_node_get_object (node), "phones");
      for (guint j = 0; list != NULL && j < json_array_get_length (list); j++)
        {
          JsonNode *p = json_array_get_element (list, j);
          const char *phone;

          if (!JSON_NODE_HOLDS_OBJECT (p))
            continue;
          phone = json_object_get_string_member_with_default (json_node_get_object (p), "phone", NULL);
          if (phone != NULL)
            g_string_append_printf (phones, "%s%s", phones->len > 0 ? ", " : "", phone);
        }
    }
  return phones->len > 0 ? g_string_free (g_steal_pointer (&phones), FALSE) : NULL;
}

static void
update_status (WabizMessageRow *self)
{
  WabizMessage *m = self->message;
  WabizMessageStatus status = wabiz_message_get_status (m);
  gboolean failed = status == WABIZ_MESSAGE_STATUS_FAILED;
  g_autofree char *status_text = NULL;
  g_autofree char *error_text = NULL;

  if (wabiz_message_get_outbound (m))
    {
      /* marks for the eye, words for everyone: never colour alone */
      status_text = g_strdup_printf ("%s %s", wabiz_message_get_ticks (m),
                                     wabiz_message_status_to_text (status));
      set_label (self->status_label, status_text);
    }
  else
    set_label (self->status_label, NULL);

  if (status == WABIZ_MESSAGE_STATUS_READ || status == WABIZ_MESSAGE_STATUS_PLAYED)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "read");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "read");

  if (failed)
    {
      const char *title = wabiz_message_get_error_title (m);
      const char *details = wabiz_message_get_error_details (m);
      int code = wabiz_message_get_error_code (m);

      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "failed");
      gtk_widget_add_css_class (self->bubble, "failed");
      if (title == NULL)
        title = _("WhatsApp did not accept this message");
      if (code != 0 && details != NULL && g_strcmp0 (details, title) != 0)
        /* Translators: Meta's reason a message failed: title, details and error code */
        error_text = g_strdup_printf (_("Not delivered: %s — %s (error %d)"), title, details, code);
      else if (code != 0)
        /* Translators: Meta's reason a message failed and its error code */
        error_text = g_strdup_printf (_("Not delivered: %s (error %d)"), title, code);
      else
        error_text = g_strdup_printf (_("Not delivered: %s"), title);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "failed");
      gtk_widget_remove_css_class (self->bubble, "failed");
    }
  set_label (self->error_label, error_text);
  gtk_widget_set_visible (self->retry_button, failed);
}

static void
update_accessible (WabizMessageRow *self)
{
  WabizMessage *m = self->message;
  g_autoptr(GDateTime) local = wabiz_date_time_to_local (wabiz_message_get_timestamp (m));
  g_autofree char *time = g_date_time_format (local, "%H:%M");
  const char *text = wabiz_message_get_text (m);
  g_autofree char *label = NULL;

  if (text == NULL)
    text = wabiz_message_get_caption (m);
  if (text == NULL)
    text = kind_name (wabiz_message_get_kind (m));

  if (wabiz_message_get_outbound (m))
    /* Translators: what a screen reader says for a message the business sent: time, text, status */
    label = g_strdup_printf (_("You, %s: %s. %s"), time, text,
                             wabiz_message_status_to_text (wabiz_message_get_status (m)));
  else
    /* Translators: what a screen reader says for a customer's message: time, text */
    label = g_strdup_printf (_("Customer, %s: %s"), time, text);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
update_reactions (WabizMessageRow *self)
{
  const char *reactions = wabiz_message_get_reactions (self->message);
  g_autofree char *label = NULL;

  set_label (self->reactions_label, reactions);
  if (reactions == NULL)
    return;

  /* Translators: %s are emoji */
  label = g_strdup_printf (_("Reactions: %s"), reactions);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->reactions_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
update_content (WabizMessageRow *self)
{
  WabizMessage *m = self->message;
  WabizMessageKind kind = wabiz_message_get_kind (m);
  const char *text = wabiz_message_get_text (m);
  const char *caption = wabiz_message_get_caption (m);
  const char *path = wabiz_message_get_media_path (m);
  g_autofree char *subtitle = NULL;
  g_autofree char *title = NULL;
  gboolean card = FALSE;
  gboolean openable = FALSE;

  gboolean media = FALSE;

  /* what the previous message's file showed goes */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->media_id, g_free);
  g_clear_pointer (&self->media_file, g_free);
  if (self->thumb_button != NULL)
    {
      gtk_picture_set_paintable (self->picture, NULL);
      gtk_widget_set_visible (self->thumb_button, FALSE);
    }
  if (self->player != NULL)
    {
      wabiz_media_player_set_file (self->player, NULL, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->player), FALSE);
    }
  gtk_widget_set_visible (self->save_button, FALSE);
  set_media_state (self, NULL, FALSE, FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->text_label), "message-placeholder");
  gtk_widget_remove_css_class (GTK_WIDGET (self->text_label), "dim-label");

  switch (kind)
    {
    case WABIZ_MESSAGE_KIND_IMAGE:
    case WABIZ_MESSAGE_KIND_STICKER:
    case WABIZ_MESSAGE_KIND_VIDEO:
    case WABIZ_MESSAGE_KIND_AUDIO:
    case WABIZ_MESSAGE_KIND_DOCUMENT:
      {
        const char *filename = wabiz_message_get_media_filename (m);
        const char *url = wabiz_message_get_media_url (m);

        /* the card until the file shows (a document keeps it) */
        card = TRUE;
        media = TRUE;
        title = g_strdup (filename != NULL ? filename : kind_name (kind));
        /* the old service's rows: a link to the file */
        openable = path == NULL && wabiz_message_get_media_id (m) == NULL && url != NULL &&
                   g_str_has_prefix (url, "http");
        /* the caption goes under the media; for the service's rows the text is the caption */
        if (caption == NULL && g_strcmp0 (text, filename) != 0)
          caption = text;
        text = caption;
      }
      break;

    case WABIZ_MESSAGE_KIND_LOCATION:
      {
        JsonNode *content = wabiz_message_get_content (m);
        JsonObject *object = content != NULL && JSON_NODE_HOLDS_OBJECT (content)
                             ? json_node_get_object (content) : NULL;
        double lat, lon;

        card = TRUE;
        title = g_strdup (object != NULL
                          ? json_object_get_string_member_with_default (object, "name", _("Location"))
                          : _("Location"));
        if (wabiz_message_get_location (m, &lat, &lon))
          {
            const char *address = object != NULL
                                  ? json_object_get_string_member_with_default (object, "address", NULL)
                                  : NULL;

            if (address != NULL)
              subtitle = g_strdup_printf ("%s\n%.5f, %.5f", address, lat, lon);
            else
              subtitle = g_strdup_printf ("%.5f, %.5f", lat, lon);
            openable = TRUE;
          }
        text = NULL;
      }
      break;

    case WABIZ_MESSAGE_KIND_CONTACTS:
      card = TRUE;
      title = g_strdup (text != NULL ? text : _("Contact"));
      subtitle = contacts_summary (m);
      text = NULL;
      break;

    case WABIZ_MESSAGE_KIND_TEMPLATE:
      if (text == NULL)
        text = wabiz_message_get_template_name (m);
      break;

    case WABIZ_MESSAGE_KIND_UNSUPPORTED:
      {
        g_autofree char *placeholder =
          /* Translators: %s is a WhatsApp message type such as "order" */
          g_strdup_printf (_("This message (%s) cannot be shown here. Open WhatsApp on the phone to see it."),
                           wabiz_message_get_message_type (m));

        set_label (self->text_label, placeholder);
        gtk_widget_add_css_class (GTK_WIDGET (self->text_label), "message-placeholder");
        gtk_widget_add_css_class (GTK_WIDGET (self->text_label), "dim-label");
        text = NULL;
        goto done_text;
      }

    case WABIZ_MESSAGE_KIND_SYSTEM:
      gtk_widget_add_css_class (GTK_WIDGET (self->text_label), "message-placeholder");
      break;

    case WABIZ_MESSAGE_KIND_ORDER:
      {
        JsonNode *content = wabiz_message_get_content (m);
        JsonObject *object = content != NULL && JSON_NODE_HOLDS_OBJECT (content)
                             ? json_node_get_object (content) : NULL;
        JsonNode *items = object != NULL ? json_object_get_member (object, "product_items") : NULL;
        guint n_items = items != NULL && JSON_NODE_HOLDS_ARRAY (items)
                        ? json_array_get_length (json_node_get_array (items)) : 0;

        card = TRUE;
        title = g_strdup (_("Order"));
        if (n_items > 0)
          /* Translators: the number of products in a customer's order */
          subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u item", "%u items", n_items), n_items);
        else
          subtitle = g_strdup (_("Open WhatsApp on the phone to see the items"));
      }
      break;

    case WABIZ_MESSAGE_KIND_TEXT:
    case WABIZ_MESSAGE_KIND_INTERACTIVE:
    case WABIZ_MESSAGE_KIND_BUTTON:
    case WABIZ_MESSAGE_KIND_REACTION:
    default:
      break;
    }

  /* never an empty bubble */
  if (!card && (text == NULL || *text == '\0'))
    {
      set_label (self->text_label, _("This message has no text"));
      gtk_widget_add_css_class (GTK_WIDGET (self->text_label), "message-placeholder");
      gtk_widget_add_css_class (GTK_WIDGET (self->text_label), "dim-label");
      goto done_text;
    }

  set_label (self->text_label, text);
done_text:
  if (card)
    ensure_media (self);
  if (self->card_box != NULL)
    {
      gtk_widget_set_visible (self->card_box, card);
      gtk_widget_set_visible (self->open_button, openable);
      aim_media (self);
    }
  if (card)
    {
      const char *mime = wabiz_message_get_media_mime (m);
      g_autofree char *type = mime != NULL && kind == WABIZ_MESSAGE_KIND_DOCUMENT
                              ? g_content_type_from_mime_type (mime) : NULL;

      /* a document by its type: a PDF's icon for a PDF */
      if (type != NULL && !g_content_type_is_unknown (type))
        {
          g_autoptr(GIcon) icon = g_content_type_get_symbolic_icon (type);

          gtk_image_set_from_gicon (self->card_icon, icon);
        }
      else
        gtk_image_set_from_icon_name (self->card_icon, kind_icon (kind));
      set_label (self->card_title, title);
      if (media)
        update_card_subtitle (self, wabiz_message_get_media_size (m));
      else
        set_label (self->card_subtitle, subtitle);
    }
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->reply_button), "s", wabiz_message_get_id (m));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->retry_button), "s", wabiz_message_get_id (m));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->save_button), "s", wabiz_message_get_id (m));
  gtk_widget_set_visible (self->reply_button, wabiz_message_get_wamid (m) != NULL);

  if (wabiz_message_get_reply_quote (m) != NULL)
    {
      set_label (self->quote_author, wabiz_message_get_reply_outbound (m) ? _("You") : _("Customer"));
      set_label (self->quote_label, wabiz_message_get_reply_quote (m));
      gtk_widget_set_visible (self->quote_box, TRUE);
    }
  else
    gtk_widget_set_visible (self->quote_box, FALSE);

  update_accessible (self);

  if (media)
    start_media (self);
}

/* Gemini's reading of a customer's text, and what WaBiz sent by itself:
 * in words, with a tooltip, and for a screen reader */
static void
update_marks (WabizMessageRow *self)
{
  const char *sentiment = wabiz_message_get_sentiment (self->message);
  const char *intent = wabiz_message_get_intent (self->message);
  const char *automatic = wabiz_message_get_automatic (self->message);
  const char *feeling = NULL, *feeling_word = NULL, *intent_word = NULL, *kind_word = NULL;
  static const char * const feelings[] = { "sentiment-positive", "sentiment-neutral", "sentiment-negative" };
  const char *tooltip = NULL;
  g_autofree char *chip = NULL;
  g_autofree char *a11y = NULL;
  g_autofree char *mark = NULL;
  g_autofree char *mark_a11y = NULL;

  if (g_strcmp0 (sentiment, "positive") == 0)
    feeling = feelings[0], feeling_word = C_("sentiment", "Positive");
  else if (g_strcmp0 (sentiment, "neutral") == 0)
    feeling = feelings[1], feeling_word = C_("sentiment", "Neutral");
  else if (g_strcmp0 (sentiment, "negative") == 0)
    feeling = feelings[2], feeling_word = C_("sentiment", "Negative");

  if (g_strcmp0 (intent, "question") == 0)
    intent_word = C_("intent", "Question");
  else if (g_strcmp0 (intent, "order") == 0)
    intent_word = C_("intent", "Order");
  else if (g_strcmp0 (intent, "complaint") == 0)
    intent_word = C_("intent", "Complaint");
  else if (g_strcmp0 (intent, "opt_out") == 0)
    intent_word = C_("intent", "Opt-out");
  else if (g_strcmp0 (intent, "greeting") == 0)
    intent_word = C_("intent", "Greeting");
  else if (g_strcmp0 (intent, "other") == 0)
    intent_word = C_("intent", "Other");

  if (!wabiz_message_get_outbound (self->message) && (feeling_word != NULL || intent_word != NULL))
    {
      if (feeling_word != NULL && intent_word != NULL)
        {
          /* Translators: a chip under a customer's message: its sentiment · its intent */
          chip = g_strdup_printf (_("%s · %s"), feeling_word, intent_word);
          /* Translators: what a screen reader says for the chip: sentiment, intent */
          a11y = g_strdup_printf (_("Read by Gemini: %s, %s"), feeling_word, intent_word);
        }
      else if (feeling_word != NULL)
        {
          chip = g_strdup (feeling_word);
          a11y = g_strdup_printf (_("Read by Gemini: %s"), feeling_word);
        }
      else
        {
          chip = g_strdup (intent_word);
          a11y = g_strdup_printf (_("Read by Gemini: %s"), intent_word);
        }
    }
  set_label (self->analysis_label, chip);
  /* the tone in colour too (no emoji: not every desktop has their font) */
  for (guint i = 0; i < G_N_ELEMENTS (feelings); i++)
    if (feelings[i] != feeling || chip == NULL)
      gtk_widget_remove_css_class (GTK_WIDGET (self->analysis_label), feelings[i]);
  if (feeling != NULL && chip != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->analysis_label), feeling);
  if (chip != NULL)
    {
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->analysis_label),
                                   _("How Gemini read this message: its tone and what the customer wants. "
                                     "Turn it off in Preferences."));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->analysis_label),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
    }

  if (g_strcmp0 (automatic, "greeting") == 0)
    {
      kind_word = C_("automatic message", "Greeting");
      tooltip = _("WaBiz sent this greeting by itself, for the customer’s first message");
    }
  else if (g_strcmp0 (automatic, "away") == 0)
    {
      kind_word = C_("automatic message", "Away message");
      tooltip = _("WaBiz sent this by itself, because the customer wrote outside business hours");
    }
  else if (g_strcmp0 (automatic, "auto_reply") == 0)
    {
      kind_word = C_("automatic message", "Auto-reply");
      tooltip = _("Gemini wrote this reply and WaBiz sent it by itself");
    }
  if (kind_word != NULL)
    {
      /* Translators: the mark on a message WaBiz sent by itself; %s is its kind */
      mark = g_strdup_printf (_("⚙ Automatic · %s"), kind_word);
      /* Translators: what a screen reader says for that mark; %s is its kind */
      mark_a11y = g_strdup_printf (_("Sent automatically: %s"), kind_word);
    }
  set_label (self->automatic_label, mark);
  if (mark != NULL)
    {
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->automatic_label), tooltip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->automatic_label),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, mark_a11y, -1);
    }
}

static void
message_changed_cb (WabizMessageRow *self,
                    GParamSpec      *pspec)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "status") || g_str_equal (name, "error-title") ||
      g_str_equal (name, "error-code"))
    {
      update_status (self);
      update_accessible (self);
    }
  else if (g_str_equal (name, "reactions"))
    update_reactions (self);
  else if (g_str_equal (name, "sentiment") || g_str_equal (name, "intent") || g_str_equal (name, "automatic"))
    update_marks (self);
  else if (!g_str_equal (name, "ticks"))
    update_content (self);
}

static void
update_day (WabizMessageRow *self)
{
  g_autofree char *day = NULL;

  if (self->show_day && self->message != NULL)
    day = wabiz_format_day (wabiz_message_get_timestamp (self->message));
  set_label (self->day_label, day);
}

static void
wabiz_message_row_dispose (GObject *object)
{
  WabizMessageRow *self = WABIZ_MESSAGE_ROW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->message != NULL)
    g_signal_handlers_disconnect_by_data (self->message, self);
  g_clear_object (&self->message);
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_clear_object (&self->listener);
  g_clear_object (&self->services);
  g_clear_pointer (&self->media_id, g_free);
  g_clear_pointer (&self->media_file, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_MESSAGE_ROW);
  /* went with the bubble */
  self->player = NULL;
  self->thumb_button = self->card_box = self->open_button = NULL;
  self->media_state_box = self->media_spinner = self->media_retry_button = NULL;
  self->picture = NULL;
  self->card_icon = NULL;
  self->card_title = self->card_subtitle = self->media_state_label = NULL;

  G_OBJECT_CLASS (wabiz_message_row_parent_class)->dispose (object);
}

static void
wabiz_message_row_class_init (WabizMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_message_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, box);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, day_label);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, quote_box);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, quote_author);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, quote_label);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, error_label);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, save_button);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, reply_button);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, reactions_label);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, analysis_label);
  gtk_widget_class_bind_template_child (widget_class, WabizMessageRow, automatic_label);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

static void
wabiz_message_row_init (WabizMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wabiz_message_row_new (void)
{
  return g_object_new (WABIZ_TYPE_MESSAGE_ROW, NULL);
}

WabizMessage *
wabiz_message_row_get_message (WabizMessageRow *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGE_ROW (self), NULL);
  return self->message;
}

void
wabiz_message_row_set_message (WabizMessageRow *self,
                               WabizMessage    *message)
{
  gboolean outbound;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *time = NULL;

  g_return_if_fail (WABIZ_IS_MESSAGE_ROW (self));
  g_return_if_fail (!message || WABIZ_IS_MESSAGE (message));

  if (self->message == message)
    return;

  if (self->message != NULL)
    g_signal_handlers_disconnect_by_data (self->message, self);
  g_set_object (&self->message, message);
  if (message == NULL)
    {
      /* nothing plays or loads for a row out of sight */
      g_cancellable_cancel (self->cancellable);
      g_clear_pointer (&self->media_id, g_free);
      if (self->player != NULL)
        wabiz_media_player_set_file (self->player, NULL, FALSE);
      return;
    }

  g_signal_connect_object (message, "notify", G_CALLBACK (message_changed_cb), self, G_CONNECT_SWAPPED);

  outbound = wabiz_message_get_outbound (message);
  gtk_widget_set_halign (self->bubble, outbound ? GTK_ALIGN_END : GTK_ALIGN_START);
  gtk_widget_set_halign (GTK_WIDGET (self->reactions_label), outbound ? GTK_ALIGN_END : GTK_ALIGN_START);
  if (outbound)
    gtk_widget_add_css_class (self->bubble, "outgoing");
  else
    gtk_widget_remove_css_class (self->bubble, "outgoing");
  /* keep bubbles off the far side, as chat apps do */
  gtk_widget_set_margin_start (self->bubble, outbound ? 64 : 0);
  gtk_widget_set_margin_end (self->bubble, outbound ? 0 : 64);

  local = wabiz_date_time_to_local (wabiz_message_get_timestamp (message));
  time = g_date_time_format (local, "%H:%M");
  gtk_label_set_label (self->time_label, time);

  update_content (self);
  update_status (self);
  update_reactions (self);
  update_marks (self);
  update_day (self);
}

void
wabiz_message_row_set_show_day (WabizMessageRow *self,
                                gboolean         show_day)
{
  g_return_if_fail (WABIZ_IS_MESSAGE_ROW (self));

  self->show_day = !!show_day;
  update_day (self);
}

gboolean
wabiz_message_row_get_show_day (WabizMessageRow *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGE_ROW (self), FALSE);
  return self->show_day;
}

const char *
wabiz_message_row_get_status_text (WabizMessageRow *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGE_ROW (self), NULL);
  return gtk_label_get_label (self->status_label);
}

/**
 * wabiz_message_row_set_services:
 * @services: (nullable): where the customers' files are (the chat's)
 *
 * Without them, a customer's file shows as a card.
 */
void
wabiz_message_row_set_services (WabizMessageRow *self,
                                WabizServices   *services)
{
  WabizDbListener *listener;

  g_return_if_fail (WABIZ_IS_MESSAGE_ROW (self));
  g_return_if_fail (!services || WABIZ_IS_SERVICES (services));

  if (self->services == services)
    return;

  g_set_object (&self->services, services);
  listener = services != NULL ? wabiz_services_get_listener (services) : NULL;
  if (self->listener != listener)
    {
      if (self->listener != NULL)
        g_signal_handlers_disconnect_by_data (self->listener, self);
      g_set_object (&self->listener, listener);
      if (listener != NULL)
        g_signal_connect_object (listener, "changed::media", G_CALLBACK (media_changed_cb), self,
                                 G_CONNECT_SWAPPED);
    }
  if (self->message != NULL)
    update_content (self);
}

/* (nullable): the player of an audio or video message, once the row has
 * shown one */
WabizMediaPlayer *
wabiz_message_row_get_player (WabizMessageRow *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGE_ROW (self), NULL);
  return self->player;
}

/* (nullable): the file the bubble shows, on this computer */
const char *
wabiz_message_row_get_media_file (WabizMessageRow *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGE_ROW (self), NULL);
  return self->media_file;
}
