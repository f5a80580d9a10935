/* wabiz-setup-window.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-webhook-ways.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_SETUP_WINDOW (wabiz_setup_window_get_type ())
G_DECLARE_FINAL_TYPE (WabizSetupWindow, wabiz_setup_window, WABIZ, SETUP_WINDOW, AdwWindow)

WabizSetupWindow *wabiz_setup_window_new       (GtkApplication   *application,
                                                GSettings        *settings);
const char       *wabiz_setup_window_get_page  (WabizSetupWindow *self);
void              wabiz_setup_window_set_page  (WabizSetupWindow *self,
                                                const char       *page);
gboolean          wabiz_setup_window_get_busy  (WabizSetupWindow *self);
const char       *wabiz_setup_window_get_error (WabizSetupWindow *self);
WabizWebhookWays *wabiz_setup_window_get_webhook_ways (WabizSetupWindow *self);

G_END_DECLS
