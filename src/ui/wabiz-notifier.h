/* wabiz-notifier.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-services.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_NOTIFIER (wabiz_notifier_get_type ())
G_DECLARE_FINAL_TYPE (WabizNotifier, wabiz_notifier, WABIZ, NOTIFIER, GObject)

/* Sends @application's desktop notifications while its windows are not
 * focused and @settings' "notifications" is on */
WabizNotifier *wabiz_notifier_new                    (GtkApplication *application,
                                                      GSettings      *settings);
/* @services: (nullable): whose database and listener it follows */
void           wabiz_notifier_set_services           (WabizNotifier  *self,
                                                      WabizServices  *services);
/* The owner opened the conversation with @phone: its notifications go */
void           wabiz_notifier_withdraw_conversation  (WabizNotifier  *self,
                                                      const char     *phone);

G_END_DECLS
