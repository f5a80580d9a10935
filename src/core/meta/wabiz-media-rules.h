/* wabiz-media-rules.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Meta's rules for the media WhatsApp sends: kinds, MIME types, sizes.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Checks a local file against Meta's rules for @kind (image, video,
 * audio, document, sticker; NULL: from the content). Reads the first
 * bytes of the file: BLOCKS, call it on a worker thread.
 * On success sets @out_kind, @out_mime (as it must be uploaded; voice
 * notes are "audio/ogg; codecs=opus") and @out_size. */
gboolean    wabiz_graph_check_media_file         (const char  *path,
                                                  const char  *kind,
                                                  char       **out_kind,
                                                  char       **out_mime,
                                                  goffset     *out_size,
                                                  GError     **error);
/* The media kind a MIME type goes as (NULL when Meta takes none). */
const char *wabiz_graph_kind_for_mime            (const char  *mime_type);
/* The file extension for media of @mime_type (nullable): "jpg", "ogg",
 * …; "bin" for a type Meta does not send. */
const char *wabiz_graph_extension_for_mime       (const char  *mime_type);

G_END_DECLS
