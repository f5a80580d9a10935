/* wabiz-test-ui.h: helpers of the UI tests (Xvfb, screenshots, what rows show)
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-application.h"
#include "wabiz-sim-server.h"
#include "wabiz-window.h"

G_BEGIN_DECLS

/* After g_test_init(): opens the display if there is one. */
void         wabiz_test_ui_init                 (void);
/* A UI test program's start: g_test_init(), a state folder of its own
 * (XDG_STATE_HOME, where drafts live), with a display a session bus and
 * a new, unlocked keyring of its own, then wabiz_test_ui_init(). */
void         wabiz_test_ui_test_init            (int               *argc,
                                                 char            ***argv);
gboolean     wabiz_test_ui_available            (void);
/* In a test: without a display, skips it and returns TRUE. */
gboolean     wabiz_test_ui_skip_without_display (void);

/* For a fixture's setup: a fresh database, migrated and seeded with
 * @seed_sql (nullable), that the application opens (WABIZ_DATABASE_URL);
 * its connection string. Drafts an earlier test left in the state
 * folder go. */
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

/* Meta for the apps of the next wabiz_test_ui_run(), as a user sets it
 * up in Preferences: the Graph API at @graph_url (a simulator's) and the
 * simulator's number in the settings and, when @with_token, its access
 * token and App Secret in the keyring (the sender runs, and the webhook
 * server listens on a free port). Without the token messages stay
 * queued. %NULL: nothing set up, the keyring's secrets gone. */
void         wabiz_test_ui_set_meta             (const char         *graph_url,
                                                 gboolean            with_token);

/* The desktop's notification server ------------------------------------------
 * A UI test program owns org.gtk.Notifications on its session bus, as a
 * GNOME desktop does, so that the app's GNotifications go there. */
typedef struct
{
  char *method;  /* "AddNotification" or "RemoveNotification" */
  char *id;      /* the app's id of the notification */
  char *title;   /* (nullable) */
  char *body;    /* (nullable) */
  char *action;  /* (nullable) the default action, as "app.name" */
  char *target;  /* (nullable) its target, when a string */
} WabizTestUiNotification;

/* (element-type WabizTestUiNotification): what the server got since the
 * current wabiz_test_ui_run() started, oldest first; NULL when another
 * server owns the name (without a session bus of the program's own). */
GPtrArray   *wabiz_test_ui_get_notifications    (void);

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
/* Renders @widget (shown) as it is now into the PNG file @path. */
gboolean     wabiz_test_ui_save_png             (GtkWidget         *widget,
                                                 const char        *path,
                                                 GError           **error);
/* Saves @window to <build>/screenshots/@name; returns the path. */
char        *wabiz_test_ui_screenshot           (WabizWindow       *window,
                                                 const char        *name);
/* Same for any shown widget (dialogs). */
char        *wabiz_test_ui_screenshot_widget    (GtkWidget         *widget,
                                                 const char        *name);

/* What rows show ------------------------------------------------------------
 * Read from the labels of the row widgets, as a person sees them, and
 * compared with the item the row is bound to. */

/* The widget of @row named @name: the one its template binds so
 * (gtk_widget_class_bind_template_child), else the one in it with that
 * id in a UI file of its own, made only when the row needs it (as a
 * message row's card); NULL when there is none yet. */
GtkWidget   *wabiz_test_ui_row_child            (GtkWidget         *row,
                                                 const char        *name);
/* The text of the label wabiz_test_ui_row_child() finds, as shown: NULL
 * when the label is hidden. Fails the test when @row has no such label. */
const char  *wabiz_test_ui_row_label            (GtkWidget         *row,
                                                 const char        *name);
/* The accessible label of @row is @expected: NULL when it is, else what
 * differs (free it). */
char        *wabiz_test_ui_check_accessible_label (GtkWidget       *row,
                                                 const char        *expected);

/* Each fails the test unless the row shows its own item:
 * a lead row: the name (and its initials, not a number's, in the avatar),
 *   the number as written for people (and the email), the status badge
 *   (its words and its colour) and the last contact;
 * a conversation row: the name and avatar, the time, the preview of the last message
 *   (or "Draft: …", or "You: …" for ours), the unread badge, the status,
 *   and the same for a screen reader;
 * a message row: the text, the time, the ticks and the delivery in words
 *   (for ours), Meta's reason when it failed, and the same for a screen
 *   reader. */
void         wabiz_test_ui_assert_lead_row      (GtkWidget         *row);
void         wabiz_test_ui_assert_conversation_row (GtkWidget      *row);
void         wabiz_test_ui_assert_message_row   (GtkWidget         *row);

/* Every row of @list_view that shows an item passes the assert of its
 * kind, and the rows, top to bottom, show consecutive items of the
 * list's model (a row left with another item's data fails). Returns the
 * number of rows inside the visible area, and their first and last
 * positions in the model (@first, @last nullable). */
guint        wabiz_test_ui_assert_list_rows     (GtkListView       *list_view,
                                                 guint             *first,
                                                 guint             *last);
/* The row widget of @row_type inside @widget bound to @item, or NULL. */
GtkWidget   *wabiz_test_ui_find_row             (GtkWidget         *widget,
                                                 GType              row_type,
                                                 gpointer           item);
/* The conversation row inside @widget of the conversation with @phone, or NULL. */
GtkWidget   *wabiz_test_ui_find_conversation_row (GtkWidget        *widget,
                                                 const char        *phone);
/* Scrolls @list_view to @fraction of its height (0: the top, 1: the
 * end) through its vertical adjustment, and waits until it stays there
 * for a few frames (rows laid out, more pages loaded at the end). */
void         wabiz_test_ui_scroll_list          (GtkListView       *list_view,
                                                 double             fraction);

G_END_DECLS
