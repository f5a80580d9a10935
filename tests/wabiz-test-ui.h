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
/* A UI test program's start: g_test_init(), a state folder of its own
 * (XDG_STATE_HOME, where drafts live), then wabiz_test_ui_init(). */
void         wabiz_test_ui_test_init            (int               *argc,
                                                 char            ***argv);
gboolean     wabiz_test_ui_available            (void);
/* In a test: without a display, skips it and returns TRUE. */
gboolean     wabiz_test_ui_skip_without_display (void);

/* For a fixture's setup: a fresh database, migrated and seeded with
 * @seed_sql (nullable), that the application opens (WABIZ_DATABASE_URL);
 * its connection string. */
char        *wabiz_test_ui_set_database         (const char        *seed_sql);
/* For the teardown: frees *@conninfo and unsets WABIZ_DATABASE_URL. */
void         wabiz_test_ui_clear_database       (char             **conninfo);

/* The fixture of a test that needs only that database:
 * g_test_add (path, WabizTestUiFixture, seed_sql, wabiz_test_ui_fixture_setup,
 *             test, wabiz_test_ui_fixture_teardown) */
typedef struct
{
  char *conninfo;
} WabizTestUiFixture;

void         wabiz_test_ui_fixture_setup        (WabizTestUiFixture *f,
                                                 gconstpointer       seed_sql);
void         wabiz_test_ui_fixture_teardown     (WabizTestUiFixture *f,
                                                 gconstpointer       data);

typedef void (*WabizTestUiFunc) (WabizApplication *app,
                                 WabizWindow      *window,
                                 gpointer          data);

/* Runs a new application (g_application_run) and calls @func with its
 * main window once the window has loaded; then quits. Without a display
 * it skips the test instead. */
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
