/* wabiz-phone.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char     *wabiz_phone_normalize      (const char  *input,
                                      GError     **error);
gboolean  wabiz_phone_is_valid       (const char  *input);
char     *wabiz_phone_format_display (const char  *input);
/* wabiz_phone_normalize(), or %NULL once @task has answered that @input
 * is not a valid WhatsApp phone number */
char     *wabiz_phone_normalize_for_task (const char *input,
                                          GTask      *task);

G_END_DECLS
