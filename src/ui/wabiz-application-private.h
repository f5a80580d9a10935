/* wabiz-application-private.h: test hooks of wabiz-application.c
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-application.h"
#include "wabiz-notifier.h"

G_BEGIN_DECLS

/* What sends the app's desktop notifications */
WabizNotifier *_wabiz_application_get_notifier (WabizApplication *self);

G_END_DECLS
