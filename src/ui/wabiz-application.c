/* wabiz-application.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The application: settings, the database (the built-in cluster or a
 * remote one), app-wide actions and the main window.
 *
 * WABIZ_DATABASE_URL, when set, is a PostgreSQL connection string that
 * overrides the database settings (tests and development). WABIZ_SCREENSHOT
 * names a PNG file the window is saved to once its panes have loaded;
 * with WABIZ_SCREENSHOT_QUIT=1 the app then quits.
 */

#define G_LOG_DOMAIN "wabiz-application"

#include "config.h"

#include "wabiz-application.h"
#include "wabiz-embedded-pg.h"
#include "wabiz-migrations.h"
#include "wabiz-store.h"
#include "wabiz-ui-resources.h"
#include "wabiz-window.h"

#include <glib/gi18n.h>

struct _WabizApplication
{
  AdwApplication      parent_instance;

  GSettings          *settings;            /* (owned) */
  GCancellable       *cancellable;         /* (owned) */
  WabizEmbeddedPg    *embedded;            /* (owned) (nullable) */
  char               *embedded_conninfo;   /* (owned) (nullable): while acquired */
  WabizDb            *db;                  /* (owned) (nullable) */
  WabizDbListener    *listener;            /* (owned) (nullable) */
  char               *db_error;            /* (owned) (nullable) */
  WabizDatabaseState  db_state;
  gboolean            is_embedded;
  gboolean            demo;
};

G_DEFINE_FINAL_TYPE (WabizApplication, wabiz_application, ADW_TYPE_APPLICATION)

G_DEFINE_ENUM_TYPE (WabizDatabaseState, wabiz_database_state,
                    G_DEFINE_ENUM_VALUE (WABIZ_DATABASE_STATE_STARTING, "starting"),
                    G_DEFINE_ENUM_VALUE (WABIZ_DATABASE_STATE_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (WABIZ_DATABASE_STATE_FAILED, "failed"))

enum {
  PROP_0,
  PROP_DATABASE_STATE,
  PROP_DATABASE,
  PROP_DATABASE_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const GOptionEntry option_entries[] = {
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Start in demo mode, with simulated WhatsApp and Gemini services and sample data"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { NULL }
};

static void
set_state (WabizApplication   *self,
           WabizDatabaseState  state,
           const char         *error_message)
{
  g_autofree char *old_error = g_steal_pointer (&self->db_error);

  self->db_error = g_strdup (error_message);
  if (g_strcmp0 (old_error, self->db_error) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATABASE_ERROR]);

  if (self->db_state != state)
    {
      self->db_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATABASE_STATE]);
    }
}

static void
clear_database (WabizApplication *self)
{
  gboolean had_db = self->db != NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->listener);
  if (self->db != NULL)
    wabiz_db_close (self->db);
  g_clear_object (&self->db);
  if (had_db)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATABASE]);
}

static void
migrated_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WabizApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;
  guint n_applied = 0;

  if (!wabiz_migrations_apply_finish (WABIZ_DB (object), result, &n_applied, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          (gpointer) object != (gpointer) self->db)
        return;

      g_warning ("Cannot open the database: %s", error->message);
      if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
        message = g_strdup (error->message);   /* already says what to check */
      else
        /* Translators: %s is the database server's own message */
        message = g_strdup_printf (_("The database could not be prepared for this version of "
                                     "WaBiz: %s"), error->message);
      set_state (self, WABIZ_DATABASE_STATE_FAILED, message);
      return;
    }

  if ((gpointer) object != (gpointer) self->db)
    return;

  g_debug ("Database ready, %u migrations applied", n_applied);

  conninfo = wabiz_db_dup_conninfo (self->db);
  self->listener = wabiz_db_listener_new (conninfo, NULL, WABIZ_STORE_CHANNEL);
  wabiz_db_listener_start (self->listener);

  set_state (self, WABIZ_DATABASE_STATE_READY, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATABASE]);
}

static void
connect_to (WabizApplication *self,
            const char       *conninfo)
{
  g_assert (self->db == NULL);

  self->db = wabiz_db_new (conninfo, NULL, 4);
  g_debug ("Opening %s", wabiz_db_get_description (self->db));
  wabiz_migrations_apply_async (self->db, self->cancellable, migrated_cb, g_object_ref (self));
}

static void
acquired_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WabizApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;

  conninfo = wabiz_embedded_pg_acquire_finish (WABIZ_EMBEDDED_PG (object), result, &error);
  if (conninfo == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_warning ("Cannot start the built-in database: %s", error->message);
      /* Translators: %s is the reason, from the database server */
      message = g_strdup_printf (_("The built-in database did not start: %s"), error->message);
      set_state (self, WABIZ_DATABASE_STATE_FAILED, message);
      return;
    }

  if (self->embedded_conninfo == NULL)
    self->embedded_conninfo = g_strdup (conninfo);

  if (self->db == NULL && self->is_embedded)
    connect_to (self, conninfo);
}

/**
 * wabiz_application_open_database:
 *
 * (Re)opens the database the settings name, without blocking: the
 * state goes to %WABIZ_DATABASE_STATE_STARTING, then to READY or FAILED.
 */
void
wabiz_application_open_database (WabizApplication *self)
{
  const char *env_url;

  g_return_if_fail (WABIZ_IS_APPLICATION (self));

  clear_database (self);
  self->cancellable = g_cancellable_new ();
  set_state (self, WABIZ_DATABASE_STATE_STARTING, NULL);

  env_url = g_getenv ("WABIZ_DATABASE_URL");
  if (env_url != NULL && *env_url != '\0')
    {
      self->is_embedded = FALSE;
      connect_to (self, env_url);
    }
  else if (g_settings_get_enum (self->settings, "database-mode") == 1)
    {
      g_autofree char *conninfo = g_settings_get_string (self->settings, "database-conninfo");

      self->is_embedded = FALSE;
      if (*conninfo == '\0')
        set_state (self, WABIZ_DATABASE_STATE_FAILED,
                   _("No remote database is set up. Enter its connection in Preferences, "
                     "or use the built-in database."));
      else
        connect_to (self, conninfo);
    }
  else
    {
      self->is_embedded = TRUE;
      if (self->embedded_conninfo != NULL)
        {
          connect_to (self, self->embedded_conninfo);
        }
      else
        {
          if (self->embedded == NULL)
            self->embedded = wabiz_embedded_pg_new (NULL, NULL);
          wabiz_embedded_pg_acquire_async (self->embedded, self->cancellable,
                                           acquired_cb, g_object_ref (self));
        }
    }
}

static void
apply_color_scheme (WabizApplication *self)
{
  AdwStyleManager *style = adw_style_manager_get_default ();

  adw_style_manager_set_color_scheme (style, g_settings_get_enum (self->settings, "color-scheme"));
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  WabizApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Closing the windows lets them save their state. */
  for (GList *l = windows; l != NULL; )
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
  g_application_quit (G_APPLICATION (self));
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  WabizApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The WaBiz developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", TRUE,
                        "application-name", _("WaBiz"),
                        "application-icon", APP_ID,
                        "developer-name", _("The WaBiz developers"),
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", _("Talk to your customers on WhatsApp Business"),
                        "license-type", GTK_LICENSE_MIT_X11,
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  WabizApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  /* The preferences window comes with the setup assistant. */
  if (WABIZ_IS_WINDOW (window))
    wabiz_window_add_toast (WABIZ_WINDOW (window),
                            adw_toast_new (_("Preferences are not available yet")));
}

static void
retry_database_action_cb (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  wabiz_application_open_database (WABIZ_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action_cb },
  { "about", about_action_cb },
  { "preferences", preferences_action_cb },
  { "retry-database", retry_database_action_cb },
};

static void
screenshot_loaded_cb (WabizWindow *window,
                      GParamSpec  *pspec,
                      gpointer     user_data);

static gboolean
screenshot_tick_cb (GtkWidget     *widget,
                    GdkFrameClock *frame_clock,
                    gpointer       user_data)
{
  guint *frames = g_object_get_data (G_OBJECT (widget), "wabiz-screenshot-frames");
  g_autoptr(GError) error = NULL;
  const char *path = g_getenv ("WABIZ_SCREENSHOT");

  /* Let one frame go by so that the loaded panes are laid out. */
  if (++(*frames) < 3)
    return G_SOURCE_CONTINUE;

  if (!wabiz_window_save_screenshot (WABIZ_WINDOW (widget), path, &error))
    g_warning ("Cannot save the screenshot: %s", error->message);
  else
    g_debug ("Screenshot saved");

  if (g_strcmp0 (g_getenv ("WABIZ_SCREENSHOT_QUIT"), "1") == 0)
    g_action_group_activate_action (G_ACTION_GROUP (g_application_get_default ()), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
screenshot_loaded_cb (WabizWindow *window,
                      GParamSpec  *pspec,
                      gpointer     user_data)
{
  if (!wabiz_window_get_loaded (window))
    return;

  g_signal_handlers_disconnect_by_func (window, screenshot_loaded_cb, user_data);
  g_object_set_data_full (G_OBJECT (window), "wabiz-screenshot-frames", g_new0 (guint, 1), g_free);
  gtk_widget_add_tick_callback (GTK_WIDGET (window), screenshot_tick_cb, NULL, NULL);
}

static int
wabiz_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  WabizApplication *self = WABIZ_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("wabiz %s\n", PACKAGE_VERSION);
      return 0;
    }

  self->demo = g_variant_dict_contains (options, "demo");
  return G_APPLICATION_CLASS (wabiz_application_parent_class)->handle_local_options (app, options);
}

static void
wabiz_application_startup (GApplication *app)
{
  WabizApplication *self = WABIZ_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *search_accels[] = { "<Control>f", NULL };
  static const char *pane_accels[][2] = {
    { "<Control>1", NULL }, { "<Control>2", NULL }, { "<Control>3", NULL }, { "<Control>4", NULL },
  };
  static const char *panes[] = { "leads", "conversations", "templates", "analytics" };

  G_APPLICATION_CLASS (wabiz_application_parent_class)->startup (app);

  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.search", search_accels);
  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    {
      g_autofree char *detailed = g_strdup_printf ("win.pane::%s", panes[i]);

      gtk_application_set_accels_for_action (GTK_APPLICATION (self), detailed, pane_accels[i]);
    }

  if (self->demo)
    g_settings_set_boolean (self->settings, "demo-mode", TRUE);

  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (apply_color_scheme), self, G_CONNECT_SWAPPED);
  apply_color_scheme (self);

  wabiz_application_open_database (self);
}

static void
wabiz_application_activate (GApplication *app)
{
  WabizApplication *self = WABIZ_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (wabiz_window_new (self));
      if (g_getenv ("WABIZ_SCREENSHOT") != NULL)
        {
          /* No transitions half-way through in the picture, and GNOME's font
           * even without a settings daemon (Xvfb). */
          g_object_set (gtk_settings_get_default (),
                        "gtk-enable-animations", FALSE,
                        "gtk-font-name", "Cantarell 11",
                        NULL);
          g_signal_connect (window, "notify::loaded", G_CALLBACK (screenshot_loaded_cb), NULL);
          screenshot_loaded_cb (WABIZ_WINDOW (window), NULL, NULL);
        }
    }

  gtk_window_present (window);
}

static void
wabiz_application_shutdown (GApplication *app)
{
  WabizApplication *self = WABIZ_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  clear_database (self);
  if (self->embedded_conninfo != NULL &&
      !wabiz_embedded_pg_release (self->embedded, &error))
    g_warning ("Cannot release the built-in database: %s", error->message);
  g_clear_pointer (&self->embedded_conninfo, g_free);

  G_APPLICATION_CLASS (wabiz_application_parent_class)->shutdown (app);
}

static void
wabiz_application_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WabizApplication *self = WABIZ_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_DATABASE_STATE:
      g_value_set_enum (value, self->db_state);
      break;
    case PROP_DATABASE:
      g_value_set_object (value, wabiz_application_get_database (self));
      break;
    case PROP_DATABASE_ERROR:
      g_value_set_string (value, self->db_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_application_dispose (GObject *object)
{
  WabizApplication *self = WABIZ_APPLICATION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->listener);
  if (self->db != NULL)
    wabiz_db_close (self->db);
  g_clear_object (&self->db);
  if (self->embedded_conninfo != NULL)
    wabiz_embedded_pg_release (self->embedded, NULL);
  g_clear_pointer (&self->embedded_conninfo, g_free);
  g_clear_object (&self->embedded);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wabiz_application_parent_class)->dispose (object);
}

static void
wabiz_application_finalize (GObject *object)
{
  WabizApplication *self = WABIZ_APPLICATION (object);

  g_free (self->db_error);

  G_OBJECT_CLASS (wabiz_application_parent_class)->finalize (object);
}

static void
wabiz_application_class_init (WabizApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  /* Pulls the resources' object file out of the static library, so that
   * its constructor registers them. */
  (void) wabiz_get_resource ();

  object_class->get_property = wabiz_application_get_property;
  object_class->dispose = wabiz_application_dispose;
  object_class->finalize = wabiz_application_finalize;

  app_class->handle_local_options = wabiz_application_handle_local_options;
  app_class->startup = wabiz_application_startup;
  app_class->activate = wabiz_application_activate;
  app_class->shutdown = wabiz_application_shutdown;

  properties[PROP_DATABASE_STATE] =
    g_param_spec_enum ("database-state", NULL, NULL,
                       WABIZ_TYPE_DATABASE_STATE, WABIZ_DATABASE_STATE_STARTING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL, WABIZ_TYPE_DB,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DATABASE_ERROR] =
    g_param_spec_string ("database-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_application_init (WabizApplication *self)
{
  self->settings = g_settings_new ("org.example.WaBiz");
  self->db_state = WABIZ_DATABASE_STATE_STARTING;
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}

WabizApplication *
wabiz_application_new (GApplicationFlags flags)
{
  return g_object_new (WABIZ_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", "/org/example/WaBiz",
                       "flags", flags,
                       NULL);
}

GSettings *
wabiz_application_get_settings (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->settings;
}

WabizDatabaseState
wabiz_application_get_database_state (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), WABIZ_DATABASE_STATE_FAILED);

  return self->db_state;
}

/* NULL until the state is READY */
WabizDb *
wabiz_application_get_database (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->db_state == WABIZ_DATABASE_STATE_READY ? self->db : NULL;
}

WabizDbListener *
wabiz_application_get_listener (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->listener;
}

const char *
wabiz_application_get_database_error (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->db_error;
}

gboolean
wabiz_application_get_embedded (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), FALSE);

  return self->is_embedded;
}
