/* wabiz-message-row.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-media-player.h"
#include "wabiz-message.h"
#include "wabiz-services.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_MESSAGE_ROW (wabiz_message_row_get_type ())
G_DECLARE_FINAL_TYPE (WabizMessageRow, wabiz_message_row, WABIZ, MESSAGE_ROW, GtkWidget)

GtkWidget    *wabiz_message_row_new           (void);
WabizMessage *wabiz_message_row_get_message   (WabizMessageRow *self);
void          wabiz_message_row_set_message   (WabizMessageRow *self,
                                               WabizMessage    *message);
/* The day heading above the bubble (the first message of a day). */
void          wabiz_message_row_set_show_day  (WabizMessageRow *self,
                                               gboolean         show_day);
gboolean      wabiz_message_row_get_show_day  (WabizMessageRow *self);
void          wabiz_message_row_set_services  (WabizMessageRow *self,
                                               WabizServices   *services);
const char   *wabiz_message_row_get_media_file (WabizMessageRow *self);
WabizMediaPlayer *wabiz_message_row_get_player (WabizMessageRow *self);
/* What the row says about the delivery, in words ("Delivered"). */
const char   *wabiz_message_row_get_status_text (WabizMessageRow *self);

/* Words for a status, shared with the conversation list. */
const char   *wabiz_message_status_to_text    (WabizMessageStatus status);
/* "Today", "Yesterday", or the date */
char         *wabiz_format_day                (GDateTime       *time);
/* "14:05" today, "Yesterday", a weekday this week, else a short date */
char         *wabiz_format_list_time          (GDateTime       *time);

G_END_DECLS
