/* wabiz-notifier-private.h: test hooks of wabiz-notifier.c
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-notifier.h"

G_BEGIN_DECLS

/* How many messages it has looked at (told of or not) */
guint    _wabiz_notifier_get_n_looked (WabizNotifier *self);
/* It has read where things stand, and tells what changes from now on */
gboolean _wabiz_notifier_get_ready    (WabizNotifier *self);

G_END_DECLS
