/* wabiz-test-ui.c
 *
 * SPDX-License-Identifier: MIT
 */

#define G_LOG_DOMAIN "wabiz-test"

#include "config.h"

#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"

#include <adwaita.h>

static gboolean ui_available;

void
wabiz_test_ui_init (void)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    return;

  ui_available = gtk_init_check ();
  if (!ui_available)
    return;

  adw_init ();
  /* Stacks switch at once, and the screenshots use GNOME's font even
   * without a settings daemon. */
  g_object_set (gtk_settings_get_default (),
                "gtk-enable-animations", FALSE,
                "gtk-font-name", "Cantarell 11",
                NULL);
}

void
wabiz_test_ui_test_init (int    *argc,
                         char ***argv)
{
  g_autofree char *state = NULL;

  g_test_init (argc, argv, NULL);

  state = wabiz_test_make_tmpdir ("wzstate");
  g_setenv ("XDG_STATE_HOME", state, TRUE);

  wabiz_test_ui_init ();
}

gboolean
wabiz_test_ui_available (void)
{
  return ui_available;
}

gboolean
wabiz_test_ui_skip_without_display (void)
{
  if (ui_available)
    return FALSE;
  g_test_skip ("no display");
  return TRUE;
}

char *
wabiz_test_ui_set_database (const char *seed_sql)
{
  char *conninfo = wabiz_test_pg_new_seeded_database (seed_sql);

  g_setenv ("WABIZ_DATABASE_URL", conninfo, TRUE);
  return conninfo;
}

void
wabiz_test_ui_clear_database (char **conninfo)
{
  g_clear_pointer (conninfo, g_free);
  g_unsetenv ("WABIZ_DATABASE_URL");
}

void
wabiz_test_ui_fixture_setup (WabizTestUiFixture *f,
                             gconstpointer       seed_sql)
{
  if (ui_available)
    f->conninfo = wabiz_test_ui_set_database (seed_sql);
}

void
wabiz_test_ui_fixture_teardown (WabizTestUiFixture *f,
                                gconstpointer       data)
{
  wabiz_test_ui_clear_database (&f->conninfo);
}

static gboolean
window_loaded (gpointer data)
{
  return wabiz_window_get_loaded (data);
}

typedef struct
{
  WabizTestUiFunc func;
  gpointer        data;
} RunData;

static gboolean
run_test_cb (gpointer user_data)
{
  RunData *run = user_data;
  GApplication *app = g_application_get_default ();
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));

  g_assert_true (WABIZ_IS_WINDOW (active));
  wabiz_test_wait_until (window_loaded, active, 60);
  wabiz_test_ui_wait_frames (GTK_WIDGET (active), 2);

  run->func (WABIZ_APPLICATION (app), WABIZ_WINDOW (active), run->data);

  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
activated_cb (GApplication *app,
              RunData      *run)
{
  g_idle_add (run_test_cb, run);
}

void
wabiz_test_ui_run (WabizTestUiFunc func,
                   gpointer        data)
{
  WabizApplication *app;
  RunData run = { func, data };
  int status;

  if (wabiz_test_ui_skip_without_display ())
    return;

  /* straight to the main window, as after the setup assistant; no
   * webhook server on the default port (tests run in parallel) */
  {
    g_autoptr(GSettings) settings = g_settings_new ("org.example.WaBiz");

    g_settings_set_boolean (settings, "setup-complete", TRUE);
    g_settings_set_boolean (settings, "http-enabled", FALSE);
  }

  app = wabiz_application_new (G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (activated_cb), &run);
  status = g_application_run (G_APPLICATION (app), 0, NULL);
  g_assert_cmpint (status, ==, 0);

  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &app);
  g_object_unref (app);
  /* nothing keeps the application alive */
  g_assert_null (app);
}

static gboolean
count_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  guint *left = data;

  if (*left > 0)
    (*left)--;
  return *left > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
no_frames_left (gpointer data)
{
  return *(guint *) data == 0;
}

void
wabiz_test_ui_wait_frames (GtkWidget *widget,
                           guint      n_frames)
{
  guint left = n_frames;

  if (n_frames == 0)
    return;
  gtk_widget_queue_draw (widget);
  gtk_widget_add_tick_callback (widget, count_frame_cb, &left, NULL);
  wabiz_test_wait_until (no_frames_left, &left, 30);
}

GtkWidget *
wabiz_test_ui_find_mapped (GtkWidget *widget,
                           GType      type)
{
  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = wabiz_test_ui_find_mapped (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

gboolean
wabiz_test_ui_shows_status (GtkWidget  *widget,
                            const char *title)
{
  if (!gtk_widget_get_mapped (widget))
    return FALSE;
  if (ADW_IS_STATUS_PAGE (widget) &&
      g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (widget)), title) == 0)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (wabiz_test_ui_shows_status (child, title))
      return TRUE;

  return FALSE;
}

const char *
wabiz_test_ui_visible_status_title (GtkWidget *widget)
{
  GtkWidget *page = wabiz_test_ui_find_mapped (widget, ADW_TYPE_STATUS_PAGE);

  return page != NULL ? adw_status_page_get_title (ADW_STATUS_PAGE (page)) : NULL;
}

/* <build>/screenshots/@name, the folder made */
static char *
screenshot_path (const char *name)
{
  const char *build_dir = g_getenv ("WABIZ_BUILD_DIR");
  g_autofree char *dir = NULL;

  if (build_dir != NULL)
    dir = g_build_filename (build_dir, "screenshots", NULL);
  else
    dir = g_build_filename (g_test_get_dir (G_TEST_BUILT), "screenshots", NULL);
  g_mkdir_with_parents (dir, 0755);
  return g_build_filename (dir, name, NULL);
}

char *
wabiz_test_ui_screenshot_widget (GtkWidget  *widget,
                                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  char *path = screenshot_path (name);
  int width;
  int height;

  wabiz_test_ui_wait_frames (widget, 2);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  return path;
}

char *
wabiz_test_ui_screenshot (WabizWindow *window,
                          const char  *name)
{
  g_autoptr(GError) error = NULL;
  char *path = screenshot_path (name);

  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  wabiz_window_save_screenshot (window, path, &error);
  g_assert_no_error (error);
  g_test_message ("screenshot: %s", path);
  return path;
}
