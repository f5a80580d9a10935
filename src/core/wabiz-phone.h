/* wabiz-phone.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *wabiz_phone_normalize      (const char  *input,
                                      GError     **error);
gboolean  wabiz_phone_is_valid       (const char  *input);
char     *wabiz_phone_format_display (const char  *input);

G_END_DECLS
