/* wabiz-window.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-application.h"
#include "wabiz-pane.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_WINDOW (wabiz_window_get_type ())
G_DECLARE_FINAL_TYPE (WabizWindow, wabiz_window, WABIZ, WINDOW, AdwApplicationWindow)

WabizWindow *wabiz_window_new             (WabizApplication  *application);
const char  *wabiz_window_get_pane_name   (WabizWindow       *self);
void         wabiz_window_set_pane_name   (WabizWindow       *self,
                                           const char        *name);
WabizPane   *wabiz_window_get_pane        (WabizWindow       *self,
                                           const char        *name);
gboolean     wabiz_window_get_loaded      (WabizWindow       *self);

G_END_DECLS
