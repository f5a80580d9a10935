/* wabiz-media-player.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_MEDIA_PLAYER (wabiz_media_player_get_type ())
G_DECLARE_FINAL_TYPE (WabizMediaPlayer, wabiz_media_player, WABIZ, MEDIA_PLAYER, GtkWidget)

GtkWidget      *wabiz_media_player_new            (void);
/* @file: (nullable): the recording or video to play; with @video, its
 * first frame shows above the controls */
void            wabiz_media_player_set_file       (WabizMediaPlayer *self,
                                                   GFile            *file,
                                                   gboolean          video);
/* (nullable): what plays, once a file is set */
GtkMediaStream *wabiz_media_player_get_stream     (WabizMediaPlayer *self);
/* What the time label says ("0:07"), as shown */
const char     *wabiz_media_player_get_time_text  (WabizMediaPlayer *self);

G_END_DECLS
