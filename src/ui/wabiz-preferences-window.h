/* wabiz-preferences-window.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_PREFERENCES_WINDOW (wabiz_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (WabizPreferencesWindow, wabiz_preferences_window, WABIZ, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

WabizPreferencesWindow *wabiz_preferences_window_new        (GtkApplication         *application,
                                                             GSettings              *settings);
gboolean                wabiz_preferences_window_get_saving (WabizPreferencesWindow *self);
GtkWidget              *wabiz_preferences_window_get_child  (WabizPreferencesWindow *self,
                                                             const char             *id);
void                    wabiz_preferences_window_show_page  (WabizPreferencesWindow *self,
                                                             const char             *name);
const char             *wabiz_preferences_window_get_last_message (WabizPreferencesWindow *self);
gboolean                wabiz_preferences_window_get_settled (WabizPreferencesWindow *self);

G_END_DECLS
