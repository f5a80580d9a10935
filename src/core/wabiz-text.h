/* wabiz-text.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Says whether a character is left out of a text altogether. */
typedef gboolean (*WabizTextDropFunc) (gunichar c);

char *wabiz_text_squeeze (const char        *text,
                          WabizTextDropFunc  drop);

G_END_DECLS
