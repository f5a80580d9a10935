/* wabiz-media-player.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A voice note, a recording or a video in the bubble: play and pause, a
 * seek bar and the length (the position while it plays), through GTK's
 * media support (GtkMediaFile; GStreamer underneath). A video shows its
 * first frame with a play button over it. A file that cannot be played
 * says so, and what to do.
 */

#define G_LOG_DOMAIN "wabiz-media-player"

#include "config.h"

#include "wabiz-media-player.h"
#include "wabiz-media-util.h"

#include <glib/gi18n.h>

struct _WabizMediaPlayer
{
  GtkWidget       parent_instance;

  GtkMediaStream *stream;    /* (owned) (nullable) */
  gboolean        video;
  gboolean        updating;  /* the scale follows the stream, not the user */

  /* template children */
  GtkWidget      *box;
  GtkWidget      *video_overlay;
  GtkPicture     *video_picture;
  GtkWidget      *big_play_button;
  GtkWidget      *controls;
  GtkWidget      *play_button;
  GtkWidget      *seek_scale;
  GtkAdjustment  *adjustment;
  GtkLabel       *time_label;
  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (WabizMediaPlayer, wabiz_media_player, GTK_TYPE_WIDGET)

static void
update (WabizMediaPlayer *self)
{
  GtkMediaStream *stream = self->stream;
  const GError *error = stream != NULL ? gtk_media_stream_get_error (stream) : NULL;
  gboolean prepared = stream != NULL && gtk_media_stream_is_prepared (stream);
  gboolean playing = stream != NULL && gtk_media_stream_get_playing (stream);
  gint64 duration = prepared ? gtk_media_stream_get_duration (stream) : 0;
  gint64 position = prepared ? gtk_media_stream_get_timestamp (stream) : 0;
  const char *icon = playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic";
  const char *words = playing ? _("Pause") : _("Play");
  g_autofree char *time = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.play-pause", prepared && error == NULL);

  if (error != NULL)
    {
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_("This file cannot be played here: %s. Save it and "
                                                 "open it with another app."),
                                               error->message);

      gtk_label_set_label (self->error_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);

  /* the length while it waits, the position while it plays */
  if (!prepared)
    time = g_strdup ("–:––");
  else if (playing || (position > 0 && !gtk_media_stream_get_ended (stream)))
    time = wabiz_media_format_duration (position);
  else
    time = wabiz_media_format_duration (duration);
  gtk_label_set_label (self->time_label, time);

  gtk_button_set_icon_name (GTK_BUTTON (self->play_button), icon);
  gtk_widget_set_tooltip_text (self->play_button, words);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button), GTK_ACCESSIBLE_PROPERTY_LABEL, words, -1);
  gtk_widget_set_visible (self->big_play_button, self->video && !playing);

  self->updating = TRUE;
  gtk_adjustment_configure (self->adjustment, (double) position / G_USEC_PER_SEC, 0,
                            MAX ((double) duration / G_USEC_PER_SEC, 1), 1, 5, 0);
  self->updating = FALSE;
  gtk_widget_set_sensitive (self->seek_scale, prepared && duration > 0 && gtk_media_stream_is_seekable (stream));
}

static void
seek_cb (WabizMediaPlayer *self)
{
  if (self->updating || self->stream == NULL || !gtk_media_stream_is_seekable (self->stream))
    return;
  gtk_media_stream_seek (self->stream, (gint64) (gtk_adjustment_get_value (self->adjustment) * G_USEC_PER_SEC));
}

static void
play_pause_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  WabizMediaPlayer *self = WABIZ_MEDIA_PLAYER (widget);

  if (self->stream == NULL)
    return;
  if (gtk_media_stream_get_playing (self->stream))
    gtk_media_stream_pause (self->stream);
  else
    {
      if (gtk_media_stream_get_ended (self->stream) && gtk_media_stream_is_seekable (self->stream))
        gtk_media_stream_seek (self->stream, 0);
      gtk_media_stream_play (self->stream);
    }
}

static void
clear_stream (WabizMediaPlayer *self)
{
  if (self->stream == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->stream, self);
  gtk_media_stream_pause (self->stream);
  gtk_picture_set_paintable (self->video_picture, NULL);
  g_clear_object (&self->stream);
}

static void
wabiz_media_player_dispose (GObject *object)
{
  WabizMediaPlayer *self = WABIZ_MEDIA_PLAYER (object);

  clear_stream (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_MEDIA_PLAYER);

  G_OBJECT_CLASS (wabiz_media_player_parent_class)->dispose (object);
}

static void
wabiz_media_player_class_init (WabizMediaPlayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_media_player_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-media-player.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, box);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, video_overlay);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, video_picture);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, big_play_button);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, controls);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, play_button);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, seek_scale);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, adjustment);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, time_label);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaPlayer, error_label);
  gtk_widget_class_set_css_name (widget_class, "mediaplayer");

  gtk_widget_class_install_action (widget_class, "player.play-pause", NULL, play_pause_action);
}

static void
wabiz_media_player_init (WabizMediaPlayer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->adjustment, "value-changed", G_CALLBACK (seek_cb), self, G_CONNECT_SWAPPED);
  update (self);
}

GtkWidget *
wabiz_media_player_new (void)
{
  return g_object_new (WABIZ_TYPE_MEDIA_PLAYER, NULL);
}

void
wabiz_media_player_set_file (WabizMediaPlayer *self,
                             GFile            *file,
                             gboolean          video)
{
  g_return_if_fail (WABIZ_IS_MEDIA_PLAYER (self));
  g_return_if_fail (!file || G_IS_FILE (file));

  clear_stream (self);
  self->video = video;
  gtk_widget_set_visible (self->video_overlay, video && file != NULL);

  if (file != NULL)
    {
      /* GStreamer reads the file on threads of its own; it is ready
       * ("prepared", the length known, a video's first frame shown)
       * without playing */
      self->stream = gtk_media_file_new_for_file (file);
      g_signal_connect_object (self->stream, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
      if (video)
        gtk_picture_set_paintable (self->video_picture, GDK_PAINTABLE (self->stream));
    }
  update (self);
}

GtkMediaStream *
wabiz_media_player_get_stream (WabizMediaPlayer *self)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_PLAYER (self), NULL);
  return self->stream;
}

const char *
wabiz_media_player_get_time_text (WabizMediaPlayer *self)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_PLAYER (self), NULL);
  return gtk_label_get_label (self->time_label);
}
