/* wabiz-test-ui.h: helpers of the UI tests (Xvfb, screenshots)
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-application.h"
#include "wabiz-window.h"

G_BEGIN_DECLS

/* After g_test_init(): opens the display if there is one. */
void         wabiz_test_ui_init                 (void);
gboolean     wabiz_test_ui_available            (void);
typedef void (*WabizTestUiFunc) (WabizApplication *app,
                                 WabizWindow      *window,
                                 gpointer          data);

/* Runs a new application (g_application_run) and calls @func with its
 * main window once the window has loaded; then quits. */
void         wabiz_test_ui_run                  (WabizTestUiFunc    func,
                                                 gpointer           data);
void         wabiz_test_ui_wait_frames          (GtkWidget         *widget,
                                                 guint              n_frames);
/* The title of the status page shown (mapped) inside @widget, or NULL. */
const char  *wabiz_test_ui_visible_status_title (GtkWidget         *widget);
/* Whether a status page titled @title is shown (mapped) inside @widget. */
gboolean     wabiz_test_ui_shows_status         (GtkWidget         *widget,
                                                 const char        *title);
/* The first descendant of @widget of @type that is mapped, or NULL. */
GtkWidget   *wabiz_test_ui_find_mapped          (GtkWidget         *widget,
                                                 GType              type);
/* Saves @window to <build>/screenshots/@name; returns the path. */
char        *wabiz_test_ui_screenshot           (WabizWindow       *window,
                                                 const char        *name);
/* Same for any shown widget (dialogs). */
char        *wabiz_test_ui_screenshot_widget    (GtkWidget         *widget,
                                                 const char        *name);

G_END_DECLS
