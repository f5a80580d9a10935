/* wabiz-concat-input-stream.h
 *
 * SPDX-License-Identifier: MIT
 *
 * A GInputStream that reads its parts one after the other: a multipart
 * body made of a small header, a file streamed from disk and a trailer,
 * without ever holding the file in memory.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_CONCAT_INPUT_STREAM (wabiz_concat_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (WabizConcatInputStream, wabiz_concat_input_stream, WABIZ, CONCAT_INPUT_STREAM, GInputStream)

WabizConcatInputStream *wabiz_concat_input_stream_new         (void);
void                    wabiz_concat_input_stream_add_stream  (WabizConcatInputStream *self,
                                                               GInputStream           *stream);
void                    wabiz_concat_input_stream_add_bytes   (WabizConcatInputStream *self,
                                                               GBytes                 *bytes);

G_END_DECLS
