/* wabiz-chat-view-actions.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The chat view's actions (chat.*): reply to a message, send a failed
 * one again, open a file or a place, mark the chat read, export it, go
 * back to the list, and the lead's status; as GNOME Text Editor keeps
 * its page's actions in editor-page-actions.c.
 */

#define G_LOG_DOMAIN "wabiz-chat-view"

#include "config.h"

#include "wabiz-alerts.h"
#include "wabiz-chat-view-private.h"
#include "wabiz-export.h"
#include "wabiz-media-util.h"

#include <glib/gi18n.h>
#include <inttypes.h>

/* (nullable): the message of the chat whose id is the string @parameter */
static WabizMessage *
find_message (WabizChatView *self,
              GVariant      *parameter)
{
  if (self->messages == NULL)
    return NULL;
  return wabiz_messages_model_find (self->messages, g_variant_get_string (parameter, NULL), NULL);
}

static void
reply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (widget);
  WabizMessage *message = find_message (self, parameter);

  if (message != NULL && wabiz_message_get_wamid (message) != NULL)
    wabiz_composer_set_reply_to (self->composer, message);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (widget);
  WabizMessage *m = find_message (self, parameter);
  g_autoptr(WabizOutgoing) outgoing = NULL;

  if (m == NULL)
    return;

  switch (wabiz_message_get_kind (m))
    {
    case WABIZ_MESSAGE_KIND_TEXT:
      if (wabiz_message_get_text (m) == NULL)
        return;
      _wabiz_chat_view_queue_text (self, wabiz_message_get_phone (m), wabiz_message_get_text (m),
                                   wabiz_message_get_reply_to (m));
      return;

    case WABIZ_MESSAGE_KIND_IMAGE:
    case WABIZ_MESSAGE_KIND_VIDEO:
    case WABIZ_MESSAGE_KIND_AUDIO:
    case WABIZ_MESSAGE_KIND_DOCUMENT:
    case WABIZ_MESSAGE_KIND_STICKER:
      if (wabiz_message_get_media_id (m) == NULL && wabiz_message_get_media_url (m) == NULL)
        return;
      outgoing = wabiz_outgoing_new_media (wabiz_message_get_phone (m), wabiz_message_get_message_type (m),
                                           wabiz_message_get_media_id (m) == NULL
                                           ? wabiz_message_get_media_url (m) : NULL,
                                           wabiz_message_get_media_id (m), wabiz_message_get_caption (m),
                                           wabiz_message_get_media_filename (m));
      break;

    default:
      _wabiz_chat_view_toast (self, _("Send this message again from the Templates pane"));
      return;
    }

  _wabiz_chat_view_queue_outgoing (self, outgoing);
}

/* (nullable): where the customers' files are */
static WabizMediaFetcher *
get_media_fetcher (WabizChatView *self)
{
  return self->services != NULL ? wabiz_services_get_media_fetcher (self->services) : NULL;
}

/* (nullable): the fetcher's store */
static WabizMediaStore *
get_media_store (WabizChatView *self)
{
  WabizMediaFetcher *fetcher = get_media_fetcher (self);

  return fetcher != NULL ? wabiz_media_fetcher_get_store (fetcher) : NULL;
}

static void
open_media_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  WabizMessage *m = find_message (self, parameter);
  g_autofree char *uri = NULL;
  double lat, lon;

  if (m == NULL)
    return;

  if (wabiz_message_get_location (m, &lat, &lon))
    {
      char la[G_ASCII_DTOSTR_BUF_SIZE], lo[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_dtostr (la, sizeof la, lat);
      g_ascii_dtostr (lo, sizeof lo, lon);
      uri = g_strdup_printf ("https://www.openstreetmap.org/?mlat=%s&mlon=%s#map=17/%s/%s", la, lo, la, lo);
    }
  else if (wabiz_message_get_media_path (m) == NULL && wabiz_message_get_media_id (m) == NULL &&
           wabiz_message_get_media_url (m) != NULL && g_str_has_prefix (wabiz_message_get_media_url (m), "http"))
    uri = g_strdup (wabiz_message_get_media_url (m));

  if (uri != NULL)
    {
      gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
      return;
    }
  /* pictures in the viewer, anything else with its application */
  wabiz_media_open (widget, m, get_media_store (self));
}

static void
save_media_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (widget);
  WabizMessage *m = find_message (self, parameter);

  if (m != NULL)
    wabiz_media_save_as (widget, m, get_media_store (self));
}

static void
retry_media_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (widget);
  WabizMediaFetcher *fetcher = get_media_fetcher (self);
  WabizMessage *m = find_message (self, parameter);

  if (m == NULL || wabiz_message_get_media_id (m) == NULL)
    return;
  if (fetcher == NULL)
    {
      _wabiz_chat_view_toast (self, _("The database is not open yet; try again in a moment"));
      return;
    }
  wabiz_media_retry (widget, fetcher, wabiz_message_get_media_id (m));
}

static void
mark_read_graph_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!wabiz_graph_client_mark_read_finish (WABIZ_GRAPH_CLIENT (object), result, &error))
    g_debug ("Read receipt not sent: %s", error->message);
}

static void
mark_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizChatView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *wamid = NULL;
  WabizGraphClient *graph;

  wamid = wabiz_conversations_model_mark_read_finish (WABIZ_CONVERSATIONS_MODEL (object), result, &error);
  if (error != NULL)
    {
      /* the database away for a while: the badge stays, and the chat is
       * marked read the next time it is open */
      if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
        g_debug ("Cannot mark the conversation read: %s", error->message);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot mark the conversation read: %s", error->message);
      return;
    }
  /* Meta's read receipt: the blue ticks on the customer's phone */
  graph = _wabiz_chat_view_get_graph (self);
  if (wamid != NULL && graph != NULL)
    wabiz_graph_client_mark_read_async (graph, wamid, FALSE, NULL, mark_read_graph_cb, NULL);
}

void
_wabiz_chat_view_mark_read (WabizChatView *self)
{
  if (self->conversation == NULL || self->conversations == NULL)
    return;
  wabiz_conversations_model_mark_read_async (self->conversations, _wabiz_chat_view_get_phone (self), self->cancellable,
                                             mark_read_cb, g_object_ref (self));
}

static void
mark_read_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  _wabiz_chat_view_mark_read (WABIZ_CHAT_VIEW (widget));
}

typedef struct
{
  WabizChatView *self;  /* (owned) */
  GFile         *file;  /* (owned) */
} ExportJob;

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ExportJob *job = user_data;
  g_autoptr(GError) error = NULL;
  gint64 n;

  n = wabiz_export_conversation_finish (WABIZ_DB (object), result, &error);
  if (n < 0)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot export the conversation: %s"), error->message);

      _wabiz_chat_view_toast (job->self, text);
    }
  else
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %" PRId64 " message",
                                      "Exported %" PRId64 " messages", (gulong) n), (int64_t) n);

      _wabiz_chat_view_toast (job->self, text);
    }

  g_object_unref (job->self);
  g_object_unref (job->file);
  g_free (job);
}

static void
export_replace_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ExportJob *job = user_data;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = g_file_replace_finish (G_FILE (object), result, &error);
  if (stream == NULL || job->self->conversation == NULL || job->self->conversations == NULL)
    {
      if (error != NULL)
        {
          g_autofree char *text = g_strdup_printf (_("Cannot export the conversation: %s"), error->message);

          _wabiz_chat_view_toast (job->self, text);
        }
      g_object_unref (job->self);
      g_object_unref (job->file);
      g_free (job);
      return;
    }

  wabiz_export_conversation_async (wabiz_conversations_model_get_db (job->self->conversations),
                                   _wabiz_chat_view_get_phone (job->self), G_OUTPUT_STREAM (stream), NULL, export_done_cb, job);
}

static void
export_response_cb (WabizChatView        *self,
                    int                   response,
                    GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      ExportJob *job = g_new0 (ExportJob, 1);

      job->self = g_object_ref (self);
      job->file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_file_replace_async (job->file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, G_PRIORITY_DEFAULT,
                            NULL, export_replace_cb, job);
    }
  g_clear_object (&self->chooser);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *name = NULL;

  if (self->conversation == NULL)
    return;

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Export Conversation"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Export"), _("_Cancel"));
  /* Translators: the file name of an export; %s is the phone number */
  name = g_strdup_printf (_("conversation-%s.json"), _wabiz_chat_view_get_phone (self));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (export_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* mute: the conversation's notifications */

static void
set_mute_actions (WabizChatView *self,
                  gboolean       known,
                  gboolean       muted)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.mute", known && !muted);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.unmute", known && muted);
}

static void
mute_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizChatView) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean muted = FALSE;

  if (!wabiz_alerts_get_muted_finish (result, &muted, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot read whether the conversation is muted: %s", error->message);
      return;
    }
  set_mute_actions (self, TRUE, muted);
}

void
_wabiz_chat_view_update_mute (WabizChatView *self)
{
  set_mute_actions (self, FALSE, FALSE);
  if (self->conversation == NULL || self->conversations == NULL)
    return;
  wabiz_alerts_get_muted_async (wabiz_conversations_model_get_db (self->conversations),
                                _wabiz_chat_view_get_phone (self), self->cancellable, mute_read_cb,
                                g_object_ref (self));
}

static void
mute_set_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WabizChatView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_alerts_set_muted_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_("Cannot change the notifications: %s"), error->message);

      _wabiz_chat_view_toast (self, text);
    }
  _wabiz_chat_view_update_mute (self);
}

static void
mute_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (widget);
  gboolean mute = g_str_equal (action_name, "chat.mute");

  if (self->conversation == NULL || self->conversations == NULL)
    return;
  /* at once, as the database will have it */
  set_mute_actions (self, TRUE, mute);
  wabiz_alerts_set_muted_async (wabiz_conversations_model_get_db (self->conversations),
                                _wabiz_chat_view_get_phone (self), mute, self->cancellable, mute_set_cb,
                                g_object_ref (self));
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  g_signal_emit_by_name (widget, "back");
}

void
_wabiz_chat_view_class_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "chat.reply", "s", reply_action);
  gtk_widget_class_install_action (widget_class, "chat.retry", "s", retry_action);
  gtk_widget_class_install_action (widget_class, "chat.open-media", "s", open_media_action);
  gtk_widget_class_install_action (widget_class, "chat.save-media", "s", save_media_action);
  gtk_widget_class_install_action (widget_class, "chat.retry-media", "s", retry_media_action);
  gtk_widget_class_install_action (widget_class, "chat.mute", NULL, mute_action);
  gtk_widget_class_install_action (widget_class, "chat.unmute", NULL, mute_action);
  gtk_widget_class_install_action (widget_class, "chat.mark-read", NULL, mark_read_action);
  gtk_widget_class_install_action (widget_class, "chat.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "chat.back", NULL, back_action);
  gtk_widget_class_install_property_action (widget_class, "chat.lead-status", "lead-status");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "chat.export", NULL);
}
