/* wabiz-test-ui.c
 *
 * SPDX-License-Identifier: MIT
 */

#define G_LOG_DOMAIN "wabiz-test"

#include "config.h"

#include "wabiz-conversation-row.h"
#include "wabiz-lead-row.h"
#include "wabiz-message-row.h"
#include "wabiz-phone.h"
#include "wabiz-secrets.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"

#include <adwaita.h>
#include <errno.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static gboolean ui_available;
/* what the app listens on in wabiz_test_ui_run(): nothing unless a
 * test's Meta (wabiz_test_ui_set_meta()) sends webhooks to it */
static gboolean app_listens;

/* a session bus and a keyring of this program's own ------------------------ */

static GPid  bus_pid;
static GPid  keyring_pid;
static char *session_dir;

static void
stop_daemon (GPid pid)
{
  if (pid <= 0)
    return;
  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
}

static void
stop_session (void)
{
  stop_daemon (keyring_pid);
  stop_daemon (bus_pid);
  if (session_dir != NULL)
    wabiz_test_rm_rf (session_dir);
}

/* (spawned without the double fork: we are the parent) */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
keyring_on_bus (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* The accessibility bus of the session we run in, or NULL: GTK talks to
 * the one every program shares rather than start one for each bus */
static char *
dup_a11y_address (void)
{
  const char *session = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  char *address = NULL;

  if (session == NULL || g_getenv ("AT_SPI_BUS_ADDRESS") != NULL)
    return NULL;
  bus = g_dbus_connection_new_for_address_sync (session, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, NULL);
  if (bus == NULL)
    return NULL;
  reply = g_dbus_connection_call_sync (bus, "org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress",
                                       NULL, G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &address);
  g_dbus_connection_close_sync (bus, NULL, NULL);
  return address;
}

/* UI test programs run in parallel, and the app reads its secrets from
 * the keyring: each program gets a session bus and a new, unlocked
 * keyring of its own, so that what one stores is not what another
 * reads. Without dbus-daemon or gnome-keyring-daemon the session's are
 * used. */
static void
start_session (void)
{
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");
  g_autofree char *keyring_daemon = g_find_program_in_path ("gnome-keyring-daemon");
  g_autofree char *runtime = NULL;
  g_autofree char *data = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GInputStream) out = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  g_autofree char *password = NULL;
  g_autofree char *a11y = NULL;
  int out_fd = -1;
  int in_fd = -1;
  const char *bus_argv[] = { dbus_daemon, "--session", "--nofork", "--print-address=1", NULL };
  const char *keyring_argv[] = { keyring_daemon, "--foreground", "--unlock", "--components=secrets", NULL };

  if (dbus_daemon == NULL || keyring_daemon == NULL)
    {
      g_test_message ("no dbus-daemon or gnome-keyring-daemon: the session's keyring is shared");
      return;
    }

  /* accessibility stays the session's, as before */
  a11y = dup_a11y_address ();
  if (a11y != NULL)
    g_setenv ("AT_SPI_BUS_ADDRESS", a11y, TRUE);

  session_dir = wabiz_test_make_tmpdir ("wzses");
  runtime = g_build_filename (session_dir, "run", NULL);
  data = g_build_filename (session_dir, "data", NULL);
  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (data, 0700), ==, 0);
  atexit (stop_session);

  /* what the bus starts (the accessibility bus, whose socket is named
   * after the display) keeps to folders of this program's too: another
   * program's must not take it away */
  env = g_get_environ ();
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", runtime, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", data, TRUE);
  env = g_environ_setenv (env, "HOME", session_dir, TRUE);
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) bus_argv, env, G_SPAWN_DO_NOT_REAP_CHILD,
                                           die_with_parent, NULL, &bus_pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  /* the daemon prints its address once it listens, or exits */
  out = g_unix_input_stream_new (out_fd, TRUE);
  lines = g_data_input_stream_new (out);
  address = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (address);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);

  /* a new keyring, unlocked by the password on its input; its control
   * socket and files in those folders */
  env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  password = g_build_filename (session_dir, "password", NULL);
  g_assert_true (g_file_set_contents (password, "x", -1, NULL));
  in_fd = open (password, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (in_fd, >=, 0);
  g_assert_true (g_spawn_async_with_pipes_and_fds (NULL, keyring_argv, (const char * const *) env,
                                                   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                                   die_with_parent, NULL, in_fd, -1, -1, NULL, NULL, 0,
                                                   &keyring_pid, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  close (in_fd);

  /* on a connection of our own: the process's session bus is the app's */
  bus = g_dbus_connection_new_for_address_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  WABIZ_TEST_WAIT (keyring_on_bus (bus), 30);
  g_dbus_connection_close_sync (bus, NULL, NULL);
}

/* the desktop's notification server ---------------------------------------- */

static GDBusConnection *notifications_bus;  /* (owned) (nullable) the server's */
static GPtrArray       *notifications;      /* (owned) (nullable) (element-type WabizTestUiNotification) */

static const char notifications_xml[] =
  "<node><interface name='org.gtk.Notifications'>"
  "<method name='AddNotification'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='a{sv}' direction='in'/></method>"
  "<method name='RemoveNotification'><arg type='s' direction='in'/><arg type='s' direction='in'/></method>"
  "</interface></node>";

static void
notification_free (WabizTestUiNotification *n)
{
  g_free (n->method);
  g_free (n->id);
  g_free (n->title);
  g_free (n->body);
  g_free (n->action);
  g_free (n->target);
  g_free (n);
}

/* what a desktop's notification server gets, kept for the test */
static void
notifications_method_call_cb (GDBusConnection       *connection,
                              const char            *sender,
                              const char            *path,
                              const char            *interface,
                              const char            *method,
                              GVariant              *parameters,
                              GDBusMethodInvocation *invocation,
                              gpointer               user_data)
{
  WabizTestUiNotification *n = g_new0 (WabizTestUiNotification, 1);

  n->method = g_strdup (method);
  if (g_str_equal (method, "AddNotification"))
    {
      g_autoptr(GVariant) notification = NULL;
      g_autoptr(GVariant) target = NULL;

      g_variant_get (parameters, "(&ss@a{sv})", NULL, &n->id, &notification);
      g_variant_lookup (notification, "title", "s", &n->title);
      g_variant_lookup (notification, "body", "s", &n->body);
      g_variant_lookup (notification, "default-action", "s", &n->action);
      target = g_variant_lookup_value (notification, "default-action-target", NULL);
      if (target != NULL && g_variant_is_of_type (target, G_VARIANT_TYPE_STRING))
        n->target = g_variant_dup_string (target, NULL);
    }
  else
    g_variant_get (parameters, "(&ss)", NULL, &n->id);
  g_test_message ("notification server: %s %s", n->method, n->id);
  g_ptr_array_add (notifications, n);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

/* GLib sends a GApplication's notifications to org.gtk.Notifications
 * when that name has an owner, as on a GNOME desktop, else to
 * org.freedesktop.Notifications (and warns once when nobody has that):
 * the test's bus gets a server, so that every UI test runs as on a
 * desktop and can see what the app told. On a bus where another server
 * has the name already, that one gets them. */
static void
start_notification_server (void)
{
  static const GDBusInterfaceVTable vtable = { notifications_method_call_cb, NULL, NULL, { 0 } };
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 answer = 0;
  guint object_id;

  if (address == NULL)
    return;

  /* a connection of its own, as the server's process would have */
  notifications_bus = g_dbus_connection_new_for_address_sync (address,
                                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                              G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                              NULL, NULL, &error);
  g_assert_no_error (error);
  node = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_assert_no_error (error);
  object_id = g_dbus_connection_register_object (notifications_bus, "/org/gtk/Notifications",
                                                 node->interfaces[0], &vtable, NULL, NULL, &error);
  g_assert_no_error (error);

  reply = g_dbus_connection_call_sync (notifications_bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.gtk.Notifications",
                                                      (guint32) G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &answer);
  if (answer != 1 /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */)
    {
      g_test_message ("org.gtk.Notifications is another server's: the app's notifications go there");
      g_dbus_connection_unregister_object (notifications_bus, object_id);
      return;
    }
  notifications = g_ptr_array_new_with_free_func ((GDestroyNotify) notification_free);
}

GPtrArray *
wabiz_test_ui_get_notifications (void)
{
  return notifications;
}

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

  /* before anything connects to the session bus (GTK's accessibility) */
  if (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL)
    {
      start_session ();
      start_notification_server ();
    }

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
  g_autofree char *drafts = g_build_filename (g_get_user_state_dir (), "wabiz", "drafts.ini", NULL);

  /* the drafts an earlier test left unsaved belong to its database */
  if (g_remove (drafts) != 0)
    g_assert_cmpint (errno, ==, ENOENT);

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

static void
store_secret (WabizSecretKind kind,
              const char     *value)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (value != NULL)
    {
      wabiz_secrets_store_async (kind, value, NULL, wabiz_test_store_result_cb, &result);
      g_assert_true (wabiz_secrets_store_finish (wabiz_test_wait_result (&result, 30), &error));
    }
  else
    {
      wabiz_secrets_clear_async (kind, NULL, wabiz_test_store_result_cb, &result);
      g_assert_true (wabiz_secrets_clear_finish (wabiz_test_wait_result (&result, 30), &error));
    }
  g_assert_no_error (error);
}

void
wabiz_test_ui_set_meta (const char *graph_url,
                        gboolean    with_token)
{
  g_autoptr(GSettings) settings = g_settings_new ("org.example.WaBiz");

  if (graph_url != NULL)
    {
      g_settings_set_string (settings, "graph-url", graph_url);
      g_settings_set_string (settings, "phone-number-id", WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID);
      g_settings_set_string (settings, "waba-id", WABIZ_SIM_DEFAULT_WABA_ID);
      g_settings_set_uint (settings, "http-port", 0);
    }
  else
    {
      g_settings_reset (settings, "graph-url");
      g_settings_reset (settings, "phone-number-id");
      g_settings_reset (settings, "waba-id");
      g_settings_reset (settings, "http-port");
    }
  store_secret (WABIZ_SECRET_ACCESS_TOKEN, graph_url != NULL && with_token ? WABIZ_SIM_DEFAULT_ACCESS_TOKEN : NULL);
  store_secret (WABIZ_SECRET_APP_SECRET, graph_url != NULL && with_token ? WABIZ_SIM_DEFAULT_APP_SECRET : NULL);
  app_listens = graph_url != NULL && with_token;
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
    g_settings_set_boolean (settings, "http-enabled", app_listens);
  }

  /* what the desktop was told is this run's */
  if (notifications != NULL)
    g_ptr_array_set_size (notifications, 0);

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

gboolean
wabiz_test_ui_save_png (GtkWidget   *widget,
                        const char  *path,
                        GError     **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  renderer = gtk_widget_get_native (widget) != NULL
             ? gtk_native_get_renderer (gtk_widget_get_native (widget)) : NULL;
  if (width <= 0 || height <= 0 || renderer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "The widget is not shown");
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Nothing to render");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}

char *
wabiz_test_ui_screenshot_widget (GtkWidget  *widget,
                                 const char *name)
{
  g_autoptr(GError) error = NULL;
  char *path = screenshot_path (name);

  wabiz_test_ui_wait_frames (widget, 2);
  wabiz_test_ui_save_png (widget, path, &error);
  g_assert_no_error (error);
  g_test_message ("screenshot: %s", path);
  return path;
}

char *
wabiz_test_ui_screenshot (WabizWindow *window,
                          const char  *name)
{
  return wabiz_test_ui_screenshot_widget (GTK_WIDGET (window), name);
}

/* what rows show ------------------------------------------------------------ */

static GtkWidget *
find_by_id (GtkWidget  *widget,
            const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (child)), name) == 0)
        return child;
      found = find_by_id (child, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
wabiz_test_ui_row_child (GtkWidget  *row,
                         const char *name)
{
  GObject *child = gtk_widget_get_template_child (row, G_OBJECT_TYPE (row), name);

  if (child != NULL)
    return GTK_WIDGET (child);
  return find_by_id (row, name);
}

const char *
wabiz_test_ui_row_label (GtkWidget  *row,
                         const char *name)
{
  GtkWidget *child = wabiz_test_ui_row_child (row, name);

  if (!GTK_IS_LABEL (child))
    g_error ("%s has no label “%s”", G_OBJECT_TYPE_NAME (row), name);
  if (!gtk_widget_get_visible (child))
    return NULL;
  return gtk_label_get_text (GTK_LABEL (child));
}

char *
wabiz_test_ui_check_accessible_label (GtkWidget  *row,
                                      const char *expected)
{
  return gtk_test_accessible_check_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
}

/* The label @name of @row shows @expected (NULL: it is hidden). */
static void
assert_shows (GtkWidget  *row,
              const char *name,
              const char *expected)
{
  const char *shown = wabiz_test_ui_row_label (row, name);

  if (g_strcmp0 (shown, expected) != 0)
    g_test_message ("%s: the label %s shows “%s” where its item says “%s”", G_OBJECT_TYPE_NAME (row), name,
                    shown != NULL ? shown : "(hidden)", expected != NULL ? expected : "(hidden)");
  g_assert_cmpstr (shown, ==, expected);
}

static void
assert_accessible_label (GtkWidget  *row,
                         const char *expected)
{
  g_autofree char *wrong = wabiz_test_ui_check_accessible_label (row, expected);

  if (wrong != NULL)
    g_test_message ("%s: a screen reader hears something else: %s", G_OBJECT_TYPE_NAME (row), wrong);
  g_assert_null (wrong);
}

/* The avatar of @row is @text's, with initials only for a name */
static void
assert_avatar (GtkWidget  *row,
               const char *text,
               gboolean    initials)
{
  GObject *avatar = gtk_widget_get_template_child (row, G_OBJECT_TYPE (row), "avatar");

  g_assert_true (ADW_IS_AVATAR (avatar));
  g_assert_cmpstr (adw_avatar_get_text (ADW_AVATAR (avatar)), ==, text);
  g_assert_true (adw_avatar_get_show_initials (ADW_AVATAR (avatar)) == initials);
}

/* When a lead was last contacted, as the Leads list words it: the time
 * today, the weekday within a week, else the date. */
static char *
expected_last_contact (GDateTime *when)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) local = NULL;
  GTimeSpan ago;

  if (when == NULL)
    return g_strdup ("Never contacted");

  local = g_date_time_to_local (when);
  ago = g_date_time_difference (now, local);
  if (ago < G_TIME_SPAN_DAY && g_date_time_get_day_of_year (now) == g_date_time_get_day_of_year (local))
    return g_date_time_format (local, "%H:%M");
  if (ago < 7 * G_TIME_SPAN_DAY)
    return g_date_time_format (local, "%A");
  return g_date_time_format (local, "%e %b %Y");
}

void
wabiz_test_ui_assert_lead_row (GtkWidget *row)
{
  const char * const *statuses = wabiz_lead_get_statuses ();
  GtkWidget *badge;
  WabizLead *lead;
  g_autofree char *name = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *time = NULL;
  const char *status;

  g_assert_true (WABIZ_IS_LEAD_ROW (row));
  lead = wabiz_lead_row_get_lead (WABIZ_LEAD_ROW (row));
  g_assert_nonnull (lead);

  name = wabiz_lead_dup_display_name (lead);
  phone = wabiz_phone_format_display (wabiz_lead_get_phone (lead));
  if (phone == NULL)
    phone = g_strdup (wabiz_lead_get_phone (lead));
  if (wabiz_lead_get_email (lead) != NULL)
    detail = g_strdup_printf ("%s · %s", phone, wabiz_lead_get_email (lead));
  else
    detail = g_strdup (phone);
  time = expected_last_contact (wabiz_lead_get_last_contact (lead));
  status = wabiz_lead_get_status (lead);

  assert_shows (row, "name_label", name);
  assert_avatar (row, name, wabiz_lead_get_name (lead) != NULL);
  assert_shows (row, "detail_label", detail);
  assert_shows (row, "status_label", wabiz_lead_status_to_label (status));
  assert_shows (row, "time_label", time);

  /* the badge's colour is its status's, and no other's */
  badge = GTK_WIDGET (gtk_widget_get_template_child (row, WABIZ_TYPE_LEAD_ROW, "status_label"));
  for (guint i = 0; statuses[i] != NULL; i++)
    {
      g_autofree char *css = g_ascii_strdown (statuses[i], -1);
      gboolean has = gtk_widget_has_css_class (badge, css);

      if (has != (g_strcmp0 (statuses[i], status) == 0))
        g_test_message ("the status badge of a %s lead is coloured %s: %s", status, css, has ? "yes" : "no");
      g_assert_true (has == (g_strcmp0 (statuses[i], status) == 0));
    }
}

static char *
expected_preview (WabizConversation *c)
{
  const char *last = wabiz_conversation_get_match (c);
  char *preview;

  if (last == NULL)
    last = wabiz_conversation_get_last_message (c);
  if (wabiz_conversation_get_draft (c) != NULL)
    preview = g_strdup_printf ("Draft: %s", wabiz_conversation_get_draft (c));
  else if (last != NULL && wabiz_conversation_get_last_outbound (c) && wabiz_conversation_get_match (c) == NULL)
    preview = g_strdup_printf ("You: %s", last);
  else
    preview = g_strdup (last != NULL ? last : "");
  /* on one line */
  return g_strdelimit (preview, "\n\r", ' ');
}

void
wabiz_test_ui_assert_conversation_row (GtkWidget *row)
{
  WabizConversation *c;
  g_autofree char *time = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *badge = NULL;
  g_autofree char *accessible = NULL;
  const char *status;
  guint unread;

  g_assert_true (WABIZ_IS_CONVERSATION_ROW (row));
  c = wabiz_conversation_row_get_conversation (WABIZ_CONVERSATION_ROW (row));
  g_assert_nonnull (c);

  time = wabiz_format_list_time (wabiz_conversation_get_last_message_time (c));
  preview = expected_preview (c);
  unread = wabiz_conversation_get_unread_count (c);
  if (unread > 0)
    badge = unread > 99 ? g_strdup ("99+") : g_strdup_printf ("%u", unread);
  status = wabiz_conversation_get_lead_status (c);

  assert_shows (row, "title_label", wabiz_conversation_get_title (c));
  assert_avatar (row, wabiz_conversation_get_title (c), wabiz_conversation_get_name (c) != NULL);
  assert_shows (row, "time_label", time);
  assert_shows (row, "preview_label", preview);
  assert_shows (row, "unread_label", badge);
  assert_shows (row, "status_label", status != NULL ? wabiz_lead_status_to_label (status) : NULL);

  accessible = g_strdup_printf (unread == 1 ? "%s, %u unread message, %s, %s" : "%s, %u unread messages, %s, %s",
                                wabiz_conversation_get_title (c), unread, preview, time);
  assert_accessible_label (row, accessible);
}

/* The delivery of our message in words, and in marks */
static const char *
status_word (WabizMessageStatus status)
{
  switch (status)
    {
    case WABIZ_MESSAGE_STATUS_QUEUED: return "Queued";
    case WABIZ_MESSAGE_STATUS_UNKNOWN: return "Not confirmed";
    case WABIZ_MESSAGE_STATUS_ACCEPTED: return "Sent";
    case WABIZ_MESSAGE_STATUS_SENT: return "Sent";
    case WABIZ_MESSAGE_STATUS_DELIVERED: return "Delivered";
    case WABIZ_MESSAGE_STATUS_READ: return "Read";
    case WABIZ_MESSAGE_STATUS_PLAYED: return "Played";
    case WABIZ_MESSAGE_STATUS_FAILED: return "Failed";
    case WABIZ_MESSAGE_STATUS_RECEIVED:
    default: return "Received";
    }
}

static const char *
status_marks (WabizMessageStatus status)
{
  switch (status)
    {
    case WABIZ_MESSAGE_STATUS_QUEUED: return "◷";
    case WABIZ_MESSAGE_STATUS_UNKNOWN: return "?";
    case WABIZ_MESSAGE_STATUS_ACCEPTED:
    case WABIZ_MESSAGE_STATUS_SENT: return "✓";
    case WABIZ_MESSAGE_STATUS_DELIVERED:
    case WABIZ_MESSAGE_STATUS_READ:
    case WABIZ_MESSAGE_STATUS_PLAYED: return "✓✓";
    case WABIZ_MESSAGE_STATUS_FAILED: return "!";
    case WABIZ_MESSAGE_STATUS_RECEIVED:
    default: return "";
    }
}

void
wabiz_test_ui_assert_message_row (GtkWidget *row)
{
  WabizMessage *m;
  WabizMessageKind kind;
  WabizMessageStatus status;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *time = NULL;
  g_autofree char *ticks = NULL;
  g_autofree char *accessible = NULL;
  const char *text = NULL;
  const char *error;
  gboolean outbound;

  g_assert_true (WABIZ_IS_MESSAGE_ROW (row));
  m = wabiz_message_row_get_message (WABIZ_MESSAGE_ROW (row));
  g_assert_nonnull (m);

  kind = wabiz_message_get_kind (m);
  status = wabiz_message_get_status (m);
  outbound = wabiz_message_get_outbound (m);
  local = g_date_time_to_local (wabiz_message_get_timestamp (m));
  time = g_date_time_format (local, "%H:%M");

  /* the words of a text, or of a template as it was filled in */
  if (kind == WABIZ_MESSAGE_KIND_TEXT)
    text = wabiz_message_get_text (m);
  else if (kind == WABIZ_MESSAGE_KIND_TEMPLATE)
    text = wabiz_message_get_text (m) != NULL ? wabiz_message_get_text (m) : wabiz_message_get_template_name (m);
  if (text != NULL)
    assert_shows (row, "text_label", text);
  assert_shows (row, "time_label", time);

  /* ours: the marks for the eye and the words for everyone */
  if (outbound)
    ticks = g_strdup_printf ("%s %s", status_marks (status), status_word (status));
  assert_shows (row, "status_label", ticks);

  /* why it failed, only when it did */
  error = wabiz_test_ui_row_label (row, "error_label");
  if (status == WABIZ_MESSAGE_STATUS_FAILED)
    {
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error, "Not delivered: "));
    }
  else
    g_assert_null (error);

  if (text != NULL)
    {
      if (outbound)
        accessible = g_strdup_printf ("You, %s: %s. %s", time, text, status_word (status));
      else
        accessible = g_strdup_printf ("Customer, %s: %s", time, text);
      assert_accessible_label (row, accessible);
    }
}

static gpointer
row_item (GtkWidget *widget)
{
  if (WABIZ_IS_LEAD_ROW (widget))
    return wabiz_lead_row_get_lead (WABIZ_LEAD_ROW (widget));
  if (WABIZ_IS_CONVERSATION_ROW (widget))
    return wabiz_conversation_row_get_conversation (WABIZ_CONVERSATION_ROW (widget));
  if (WABIZ_IS_MESSAGE_ROW (widget))
    return wabiz_message_row_get_message (WABIZ_MESSAGE_ROW (widget));
  return NULL;
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (row_item (widget) != NULL)
    {
      g_ptr_array_add (rows, widget);
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

typedef struct
{
  GtkWidget *row;
  float      y;
  guint      position;
} ShownRow;

static int
compare_shown (gconstpointer a,
               gconstpointer b)
{
  const ShownRow *ra = a;
  const ShownRow *rb = b;

  return ra->y < rb->y ? -1 : ra->y > rb->y ? 1 : 0;
}

guint
wabiz_test_ui_assert_list_rows (GtkListView *list_view,
                                guint       *first,
                                guint       *last)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (list_view));
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GArray) shown = g_array_new (FALSE, FALSE, sizeof (ShownRow));
  guint n_items;
  int height = gtk_widget_get_height (GTK_WIDGET (list_view));

  g_assert_nonnull (model);
  n_items = g_list_model_get_n_items (model);
  g_assert_cmpint (height, >, 0);

  collect_rows (GTK_WIDGET (list_view), rows);
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);
      gpointer item = row_item (row);
      graphene_rect_t bounds;
      ShownRow r = { row, 0, G_MAXUINT };

      /* each row, shown or kept out of sight, shows its own item */
      if (WABIZ_IS_LEAD_ROW (row))
        wabiz_test_ui_assert_lead_row (row);
      else if (WABIZ_IS_CONVERSATION_ROW (row))
        wabiz_test_ui_assert_conversation_row (row);
      else
        wabiz_test_ui_assert_message_row (row);

      if (!gtk_widget_get_mapped (row) || !gtk_widget_compute_bounds (row, GTK_WIDGET (list_view), &bounds))
        continue;
      if (bounds.origin.y + bounds.size.height <= 0 || bounds.origin.y >= height || bounds.size.height <= 0)
        continue;

      /* and the item is one of the list's */
      for (guint p = 0; p < n_items && r.position == G_MAXUINT; p++)
        {
          g_autoptr(GObject) at = g_list_model_get_item (model, p);

          if (at == item)
            r.position = p;
        }
      if (r.position == G_MAXUINT)
        g_test_message ("a %s on screen shows an item that is not in the list any more", G_OBJECT_TYPE_NAME (row));
      g_assert_cmpuint (r.position, !=, G_MAXUINT);
      r.y = bounds.origin.y;
      g_array_append_val (shown, r);
    }

  /* top to bottom, the items in the list's order, none left out */
  g_array_sort (shown, compare_shown);
  for (guint i = 1; i < shown->len; i++)
    {
      const ShownRow *above = &g_array_index (shown, ShownRow, i - 1);
      const ShownRow *below = &g_array_index (shown, ShownRow, i);

      if (below->position != above->position + 1)
        g_test_message ("on screen, item %u of the list is shown right under item %u", below->position,
                        above->position);
      g_assert_cmpuint (below->position, ==, above->position + 1);
    }

  if (first != NULL)
    *first = shown->len > 0 ? g_array_index (shown, ShownRow, 0).position : G_MAXUINT;
  if (last != NULL)
    *last = shown->len > 0 ? g_array_index (shown, ShownRow, shown->len - 1).position : G_MAXUINT;
  return shown->len;
}

GtkWidget *
wabiz_test_ui_find_row (GtkWidget *widget,
                        GType      row_type,
                        gpointer   item)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_rows (widget, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (row, row_type) && row_item (row) == item)
        return row;
    }
  return NULL;
}

GtkWidget *
wabiz_test_ui_find_conversation_row (GtkWidget  *widget,
                                     const char *phone)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_rows (widget, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);

      if (WABIZ_IS_CONVERSATION_ROW (row) &&
          g_strcmp0 (wabiz_conversation_get_phone (row_item (row)), phone) == 0)
        return row;
    }
  return NULL;
}

typedef struct
{
  GtkAdjustment *adjustment;
  double         fraction;
  double         upper;
  guint          still;
} ScrollWait;

/* Each frame: where the list should be now that rows have their sizes
 * (and more of them may have come); done when it stayed there. */
static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  ScrollWait *wait = data;
  double lower = gtk_adjustment_get_lower (wait->adjustment);
  double upper = gtk_adjustment_get_upper (wait->adjustment);
  double page = gtk_adjustment_get_page_size (wait->adjustment);
  double target = lower + wait->fraction * MAX (upper - page - lower, 0);

  /* the list keeps whole pixels */
  if (fabs (gtk_adjustment_get_value (wait->adjustment) - target) >= 1.5 || upper != wait->upper)
    {
      gtk_adjustment_set_value (wait->adjustment, target);
      wait->upper = upper;
      wait->still = 0;
      return G_SOURCE_CONTINUE;
    }

  return ++wait->still < 4 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
scroll_settled (gpointer data)
{
  return ((ScrollWait *) data)->still >= 4;
}

void
wabiz_test_ui_scroll_list (GtkListView *list_view,
                           double       fraction)
{
  ScrollWait wait = { NULL, CLAMP (fraction, 0, 1), -1, 0 };

  wait.adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list_view));
  g_assert_nonnull (wait.adjustment);
  gtk_widget_add_tick_callback (GTK_WIDGET (list_view), scroll_tick_cb, &wait, NULL);
  wabiz_test_wait_until (scroll_settled, &wait, 60);
}
