/* wabiz-media-util.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-media-fetcher.h"
#include "wabiz-message.h"

G_BEGIN_DECLS

/* Decodes the picture at @path (JPEG, PNG, WebP, …) on a worker thread
 * into a texture at most @max_size pixels wide and high (never larger
 * than the picture), turned as its EXIF says. Recent results are kept,
 * so a row shown again gets its thumbnail at once. */
void        wabiz_media_load_texture_async  (const char           *path,
                                             int                   max_size,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GdkTexture *wabiz_media_load_texture_finish (GAsyncResult         *result,
                                             GError              **error);
/* (nullable) (transfer none): the texture of an earlier load, if kept */
GdkTexture *wabiz_media_peek_texture        (const char           *path,
                                             int                   max_size);

/* "0:07", "12:30", "1:02:03": a length of audio or video */
char       *wabiz_media_format_duration     (gint64                usec);

/* The file of @message on this computer: its local copy (what the
 * business sent from here) or, for a customer's, the cached file of
 * @store. Each shows a toast on @widget when it cannot, saying why. */

/* Opens it: pictures in WaBiz's viewer, anything else with the
 * default application. */
void        wabiz_media_open                (GtkWidget            *widget,
                                             WabizMessage         *message,
                                             WabizMediaStore      *store);
/* Asks where to save a copy, and writes it there. */
void        wabiz_media_save_as             (GtkWidget            *widget,
                                             WabizMessage         *message,
                                             WabizMediaStore      *store);
/* Asks where to save a copy of the file at @path, offering @name. */
void        wabiz_media_save_file_as        (GtkWidget            *widget,
                                             const char           *path,
                                             const char           *name);
/* Fetches a customer's file again now (the bubble's Retry). */
void        wabiz_media_retry               (GtkWidget            *widget,
                                             WabizMediaFetcher    *fetcher,
                                             const char           *media_id);

G_END_DECLS
