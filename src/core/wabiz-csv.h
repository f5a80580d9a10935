/* wabiz-csv.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 4180 text: fields quoted with ", "" inside quotes, LF or CRLF line
 * ends, an optional UTF-8 byte order mark; the delimiter (, ; or tab) is
 * guessed from the first line. Returns the rows, each a GStrv. */
GPtrArray *wabiz_csv_parse      (const char          *data,
                                 gsize                length,
                                 GError             **error);
/* Appends one CSV line (CRLF) of @n_fields fields; NULL is empty. */
void       wabiz_csv_append_row (GString             *out,
                                 const char * const  *fields,
                                 guint                n_fields);

G_END_DECLS
