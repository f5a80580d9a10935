/* wabiz-application.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The application: settings, the database (the built-in cluster or a
 * remote one), the services on top of it (Graph client, outbox sender,
 * webhook processor, the webhook + REST API server; in demo mode the
 * simulator), app-wide actions, the setup assistant and the main window.
 *
 * WABIZ_DATABASE_URL, when set, is a PostgreSQL connection string that
 * overrides the database settings (tests and development). WABIZ_SCREENSHOT
 * names a PNG file the window is saved to once its panes have loaded;
 * with WABIZ_SCREENSHOT_QUIT=1 the app then quits.
 */

#define G_LOG_DOMAIN "wabiz-application"

#include "config.h"

#include "wabiz-application.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-demo.h"
#include "wabiz-embedded-pg.h"
#include "wabiz-http-server.h"
#include "wabiz-migrations.h"
#include "wabiz-preferences-window.h"
#include "wabiz-rest-api.h"
#include "wabiz-secrets.h"
#include "wabiz-setup-window.h"
#include "wabiz-sim-server.h"
#include "wabiz-store.h"
#include "wabiz-ui-resources.h"
#include "wabiz-webhook-processor.h"
#include "wabiz-webhook.h"
#include "wabiz-window.h"

#include <glib/gi18n.h>
#include <string.h>

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

  /* services, while the database is ready */
  GCancellable          *services_cancellable; /* (owned) (nullable) */
  WabizGraphClient      *graph;                /* (owned) (nullable) */
  WabizOutbox           *outbox;               /* (owned) (nullable) */
  WabizWebhookProcessor *processor;            /* (owned) (nullable) */
  WabizWebhook          *webhook;              /* (owned) (nullable) */
  WabizRestApi          *rest;                 /* (owned) (nullable) */
  WabizHttpServer       *http;                 /* (owned) (nullable) */
  WabizSimServer        *sim;                  /* (owned) (nullable): the demo's */
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
  PROP_DEMO,
  PROP_SERVICES_READY,
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

/* services */

/* The secrets the services read from the keyring, in lookup order */
static const WabizSecretKind service_secrets[] = {
  WABIZ_SECRET_ACCESS_TOKEN,
  WABIZ_SECRET_APP_SECRET,
  WABIZ_SECRET_VERIFY_TOKEN,
  WABIZ_SECRET_API_KEY,
};

typedef struct
{
  WabizApplication *self;                                  /* (owned) */
  GCancellable     *cancellable;                           /* (owned) */
  guint             next;
  char             *values[G_N_ELEMENTS (service_secrets)]; /* (owned) (nullable) */
} SecretsLookup;

static void
secrets_lookup_free (SecretsLookup *lookup)
{
  for (guint i = 0; i < G_N_ELEMENTS (lookup->values); i++)
    {
      if (lookup->values[i] != NULL)
        memset (lookup->values[i], 0, strlen (lookup->values[i]));
      g_free (lookup->values[i]);
    }
  g_object_unref (lookup->self);
  g_object_unref (lookup->cancellable);
  g_free (lookup);
}

static void
update_windows (WabizApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      WabizPane *pane;

      if (!WABIZ_IS_WINDOW (l->data))
        continue;
      pane = wabiz_window_get_pane (WABIZ_WINDOW (l->data), "conversations");
      if (WABIZ_IS_CONVERSATIONS_PANE (pane))
        wabiz_conversations_pane_set_sending (WABIZ_CONVERSATIONS_PANE (pane), self->outbox,
                                              self->graph);
    }
}

static void
send_rate_changed_cb (WabizApplication *self)
{
  if (self->outbox != NULL)
    wabiz_outbox_set_rate (self->outbox, g_settings_get_uint (self->settings, "send-rate"));
}

/* With self->graph set: the sender, the processor and, when @listen,
 * the webhook and REST API server on @host:@port. */
static void
start_core (WabizApplication *self,
            const char       *phone_number_id,
            const char       *app_secret,
            const char       *verify_token,
            const char       *api_key,
            gboolean          listen,
            const char       *host,
            guint             port)
{
  g_assert (self->db != NULL && self->graph != NULL);

  self->outbox = wabiz_outbox_new (self->db, self->graph,
                                   g_settings_get_uint (self->settings, "send-rate"));
  self->processor = wabiz_webhook_processor_new (self->db, phone_number_id);

  if (listen && app_secret == NULL)
    g_message ("No App Secret in the keyring: not receiving webhooks on this computer");
  else if (listen)
    {
      g_autoptr(GError) error = NULL;

      self->webhook = wabiz_webhook_new (self->db, app_secret, verify_token);
      g_signal_connect_object (self->webhook, "stored", G_CALLBACK (wabiz_webhook_processor_wake),
                               self->processor, G_CONNECT_SWAPPED);
      self->rest = wabiz_rest_api_new (self->db, self->outbox, self->graph, api_key);
      self->http = wabiz_http_server_new (host, port);
      wabiz_webhook_attach (self->webhook, wabiz_http_server_get_soup_server (self->http));
      wabiz_rest_api_attach (self->rest, wabiz_http_server_get_soup_server (self->http));
      if (!wabiz_http_server_start (self->http, &error))
        {
          /* most often wabizd, or another WaBiz, listens there already */
          g_message ("Not receiving webhooks on this computer: %s", error->message);
          g_clear_object (&self->http);
          g_clear_object (&self->rest);
          g_clear_object (&self->webhook);
        }
      else
        {
          g_autofree char *url = wabiz_http_server_dup_url (self->http);

          g_debug ("Webhook and REST API server on %s", url);
        }
    }

  wabiz_webhook_processor_start (self->processor);
  wabiz_outbox_start (self->outbox);

  update_windows (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICES_READY]);
}

static void
demo_seeded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!wabiz_demo_seed_finish (result, &error) && error != NULL &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Cannot write the demo’s sample data: %s", error->message);
}

static gboolean
start_demo (WabizApplication  *self,
            GError           **error)
{
  g_autofree char *version = g_settings_get_string (self->settings, "graph-version");
  g_autofree char *url = NULL;
  g_autofree char *webhook_url = NULL;

  self->sim = wabiz_sim_server_new ();
  if (!wabiz_sim_server_start (self->sim, error))
    return FALSE;

  self->graph = wabiz_graph_client_new (wabiz_sim_server_get_base_url (self->sim), version,
                                        WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID,
                                        WABIZ_SIM_DEFAULT_WABA_ID,
                                        WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  /* our own server on a free port, so that a real one on 10000 is left alone */
  start_core (self, WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID, WABIZ_SIM_DEFAULT_APP_SECRET,
              WABIZ_DEMO_VERIFY_TOKEN, NULL, TRUE, "127.0.0.1", 0);
  if (self->http == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The demo cannot receive the simulator’s messages"));
      return FALSE;
    }

  url = wabiz_http_server_dup_url (self->http);
  webhook_url = g_strconcat (url, "/webhook", NULL);
  g_object_set (self->sim, "webhook-url", webhook_url, NULL);
  g_debug ("Demo: simulator on %s", wabiz_sim_server_get_base_url (self->sim));

  wabiz_demo_seed_async (self->db, self->sim, self->services_cancellable, demo_seeded_cb, NULL);
  return TRUE;
}

static void
secret_found_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SecretsLookup *lookup = user_data;
  WabizApplication *self = lookup->self;
  WabizSecretKind kind = service_secrets[lookup->next];
  g_autoptr(GError) error = NULL;
  char *value;

  value = wabiz_secrets_lookup_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (lookup->cancellable))
    {
      g_free (value);
      secrets_lookup_free (lookup);
      return;
    }
  if (error != NULL)
    g_warning ("Cannot read the %s from the keyring: %s", wabiz_secret_kind_to_string (kind),
               error->message);
  lookup->values[lookup->next++] = value;

  if (lookup->next < G_N_ELEMENTS (service_secrets))
    {
      wabiz_secrets_lookup_async (service_secrets[lookup->next], lookup->cancellable,
                                  secret_found_cb, lookup);
      return;
    }

  if (self->db != NULL && self->graph == NULL)
    {
      g_autofree char *graph_url = g_settings_get_string (self->settings, "graph-url");
      g_autofree char *version = g_settings_get_string (self->settings, "graph-version");
      g_autofree char *phone_number_id = g_settings_get_string (self->settings, "phone-number-id");
      g_autofree char *waba_id = g_settings_get_string (self->settings, "waba-id");
      g_autofree char *host = g_settings_get_string (self->settings, "http-host");

      if (lookup->values[0] == NULL)
        g_message ("No access token in the keyring: messages stay queued until one is set up");
      self->graph = wabiz_graph_client_new (graph_url, version, phone_number_id, waba_id,
                                            lookup->values[0]);
      start_core (self, phone_number_id, lookup->values[1], lookup->values[2], lookup->values[3],
                  g_settings_get_boolean (self->settings, "http-enabled"), host,
                  g_settings_get_uint (self->settings, "http-port"));
    }
  secrets_lookup_free (lookup);
}

/* Once the database is ready: the demo, or the services of the number
 * the settings name. Without a number there is nothing to send or
 * receive with, and nothing starts. */
static void
start_services (WabizApplication *self)
{
  g_autofree char *phone_number_id = NULL;
  SecretsLookup *lookup;

  g_assert (self->db != NULL);
  g_assert (self->services_cancellable == NULL);

  self->services_cancellable = g_cancellable_new ();

  if (self->demo)
    {
      g_autoptr(GError) error = NULL;

      if (!start_demo (self, &error))
        {
          g_autofree char *message = NULL;

          g_warning ("Cannot start the demo: %s", error->message);
          /* Translators: %s says why */
          message = g_strdup_printf (_("The demo did not start: %s"), error->message);
          set_state (self, WABIZ_DATABASE_STATE_FAILED, message);
        }
      return;
    }

  phone_number_id = g_settings_get_string (self->settings, "phone-number-id");
  if (*phone_number_id == '\0')
    {
      g_debug ("No phone number set up: not sending or receiving");
      return;
    }

  lookup = g_new0 (SecretsLookup, 1);
  lookup->self = g_object_ref (self);
  lookup->cancellable = g_object_ref (self->services_cancellable);
  wabiz_secrets_lookup_async (service_secrets[0], lookup->cancellable, secret_found_cb, lookup);
}

typedef struct
{
  guint    pending;
  gboolean timed_out;
} StopWait;

static void
outbox_stopped_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  StopWait *wait = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_outbox_stop_finish (WABIZ_OUTBOX (object), result, &error))
    g_warning ("The outbox did not stop cleanly: %s", error->message);
  wait->pending--;
  g_rc_box_release (wait);
}

static void
processor_stopped_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  StopWait *wait = user_data;

  wabiz_webhook_processor_stop_finish (WABIZ_WEBHOOK_PROCESSOR (object), result, NULL);
  wait->pending--;
  g_rc_box_release (wait);
}

static gboolean
stop_timeout_cb (gpointer user_data)
{
  StopWait *wait = user_data;

  wait->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

#define STOP_TIMEOUT_S 15

/* Stops the services and waits (on the main context) until the sends in
 * flight are done and the processor has finished its batch. */
static void
stop_services (WabizApplication *self)
{
  gboolean had_services = self->graph != NULL;
  StopWait *wait;
  guint timeout;

  g_cancellable_cancel (self->services_cancellable);
  g_clear_object (&self->services_cancellable);

  if (self->http != NULL)
    soup_server_disconnect (wabiz_http_server_get_soup_server (self->http));
  g_clear_object (&self->http);
  g_clear_object (&self->rest);
  g_clear_object (&self->webhook);

  wait = g_rc_box_new0 (StopWait);
  if (self->outbox != NULL)
    {
      wait->pending++;
      wabiz_outbox_stop_async (self->outbox, NULL, outbox_stopped_cb, g_rc_box_acquire (wait));
    }
  if (self->processor != NULL)
    {
      wait->pending++;
      wabiz_webhook_processor_stop_async (self->processor, NULL, processor_stopped_cb,
                                          g_rc_box_acquire (wait));
    }
  timeout = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, STOP_TIMEOUT_S, stop_timeout_cb,
                                        g_rc_box_acquire (wait), (GDestroyNotify) g_rc_box_release);
  while (wait->pending > 0 && !wait->timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (wait->timed_out)
    g_warning ("Sending or processing did not stop within %u s", STOP_TIMEOUT_S);
  else
    g_source_remove (timeout);
  g_rc_box_release (wait);

  g_clear_object (&self->outbox);
  g_clear_object (&self->processor);
  g_clear_object (&self->graph);
  if (self->sim != NULL)
    wabiz_sim_server_stop (self->sim);
  g_clear_object (&self->sim);

  if (had_services)
    {
      update_windows (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICES_READY]);
    }
}

static void
clear_database (WabizApplication *self)
{
  gboolean had_db = self->db != NULL;

  stop_services (self);
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
  start_services (self);
}

static void
connect_to (WabizApplication *self,
            const char       *conninfo,
            const char       *password)
{
  g_assert (self->db == NULL);

  self->db = wabiz_db_new (conninfo, password, 4);
  g_debug ("Opening %s", wabiz_db_get_description (self->db));
  wabiz_migrations_apply_async (self->db, self->cancellable, migrated_cb, g_object_ref (self));
}

/* The demo keeps to a database of its own in the built-in cluster, so
 * that it never sends the real outbox or mixes with real customers. */
#define DEMO_DBNAME "wabiz_demo"

static void
ensure_demo_database_thread (GTask        *task,
                             gpointer      source_object,
                             gpointer      task_data,
                             GCancellable *cancellable)
{
  GError *error = NULL;

  if (wabiz_pg_server_ensure_database (task_data, DEMO_DBNAME, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
demo_database_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  WabizApplication *self = WABIZ_APPLICATION (object);
  WabizPgServer *server = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Cannot prepare the demo’s database: %s", error->message);
      /* Translators: %s is the reason, from the database server */
      message = g_strdup_printf (_("The built-in database did not start: %s"), error->message);
      set_state (self, WABIZ_DATABASE_STATE_FAILED, message);
      return;
    }

  if (self->db != NULL || !self->is_embedded || !self->demo)
    return;
  conninfo = wabiz_pg_server_dup_conninfo (server, DEMO_DBNAME);
  connect_to (self, conninfo, NULL);
}

static void
connect_embedded (WabizApplication *self)
{
  g_autoptr(GTask) task = NULL;

  g_assert (self->embedded_conninfo != NULL);

  if (!self->demo)
    {
      connect_to (self, self->embedded_conninfo, NULL);
      return;
    }

  task = g_task_new (self, self->cancellable, demo_database_cb, NULL);
  g_task_set_source_tag (task, connect_embedded);
  g_task_set_task_data (task, g_object_ref (wabiz_embedded_pg_get_server (self->embedded)),
                        g_object_unref);
  g_task_run_in_thread (task, ensure_demo_database_thread);
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
    connect_embedded (self);
}

static void
database_password_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(WabizApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autofree char *conninfo = NULL;

  password = wabiz_secrets_lookup_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->db != NULL ||
      self->is_embedded || self->cancellable == NULL ||
      g_cancellable_is_cancelled (self->cancellable))
    return;
  if (error != NULL)
    g_warning ("Cannot read the database password from the keyring: %s", error->message);

  conninfo = g_settings_get_string (self->settings, "database-conninfo");
  connect_to (self, conninfo, password);
  if (password != NULL)
    memset (password, 0, strlen (password));
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
      connect_to (self, env_url, NULL);
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
        /* the password is in the keyring */
        wabiz_secrets_lookup_async (WABIZ_SECRET_DATABASE_PASSWORD, self->cancellable,
                                    database_password_cb, g_object_ref (self));
    }
  else
    {
      self->is_embedded = TRUE;
      if (self->embedded_conninfo != NULL)
        {
          connect_embedded (self);
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

static void show_main_window (WabizApplication *self);

static gboolean
has_main_window (WabizApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (WABIZ_IS_WINDOW (l->data))
      return TRUE;
  return FALSE;
}

static void
setup_finished_cb (WabizSetupWindow *window,
                   gboolean          demo,
                   WabizApplication *self)
{
  g_debug ("Setup finished%s", demo ? ", with the demo" : "");

  if (self->demo != demo)
    {
      self->demo = demo;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO]);
    }
  g_settings_set_boolean (self->settings, "demo-mode", demo);

  /* the database, the number or the demo may have changed: start afresh */
  wabiz_application_open_database (self);
  if (!has_main_window (self))
    show_main_window (self);
}

static void
preferences_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  WabizApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  WabizPreferencesWindow *preferences;

  preferences = wabiz_preferences_window_new (GTK_APPLICATION (self), self->settings);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_present (GTK_WINDOW (preferences));
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

#define SCREENSHOT_MAX_FRAMES 600

static void
screenshot_after_paint_cb (GdkFrameClock *frame_clock,
                           GtkWidget     *widget)
{
  g_autoptr(GError) error = NULL;
  const char *path = g_getenv ("WABIZ_SCREENSHOT");

  g_signal_handlers_disconnect_by_func (frame_clock, screenshot_after_paint_cb, widget);

  if (!wabiz_save_screenshot (widget, path, &error))
    g_warning ("Cannot save the screenshot: %s", error->message);
  else
    g_debug ("Screenshot saved");

  if (g_strcmp0 (g_getenv ("WABIZ_SCREENSHOT_QUIT"), "1") == 0)
    g_action_group_activate_action (G_ACTION_GROUP (g_application_get_default ()), "quit", NULL);
}

static gboolean
demo_arriving (GtkWidget *widget)
{
  WabizApplication *self = WABIZ_APPLICATION (g_application_get_default ());
  WabizPane *pane;

  if (!self->demo || !WABIZ_IS_WINDOW (widget))
    return FALSE;
  pane = wabiz_window_get_pane (WABIZ_WINDOW (widget), "conversations");
  return WABIZ_IS_CONVERSATIONS_PANE (pane) &&
         wabiz_conversations_pane_get_model (WABIZ_CONVERSATIONS_PANE (pane)) != NULL &&
         g_list_model_get_n_items (G_LIST_MODEL (wabiz_conversations_pane_get_model (
           WABIZ_CONVERSATIONS_PANE (pane)))) == 0;
}

static gboolean
screenshot_tick_cb (GtkWidget     *widget,
                    GdkFrameClock *frame_clock,
                    gpointer       user_data)
{
  guint *frames = g_object_get_data (G_OBJECT (widget), "wabiz-screenshot-frames");

  /* frames[0]: since the window is complete, frames[1]: in all */
  frames[1]++;
  /* The demo's customers write once it runs: picture their conversations
   * (up to some ten seconds of frames). */
  if (demo_arriving (widget) && frames[1] < SCREENSHOT_MAX_FRAMES)
    frames[0] = 0;
  /* Let frames go by so that what loaded is laid out. */
  if (++frames[0] < 3)
    return G_SOURCE_CONTINUE;

  /* after this frame's layout and paint, not in its update phase */
  g_signal_connect_object (frame_clock, "after-paint", G_CALLBACK (screenshot_after_paint_cb),
                           widget, 0);
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
  gtk_widget_add_tick_callback (GTK_WIDGET (window), screenshot_tick_cb, NULL, NULL);
}

static void
prepare_screenshot (GtkWidget *window)
{
  /* No transitions half-way through in the picture, and GNOME's font
   * even without a settings daemon (Xvfb). */
  g_object_set (gtk_settings_get_default (),
                "gtk-enable-animations", FALSE,
                "gtk-font-name", "Cantarell 11",
                NULL);
  g_object_set_data_full (G_OBJECT (window), "wabiz-screenshot-frames", g_new0 (guint, 2), g_free);
}

static void
show_main_window (WabizApplication *self)
{
  GtkWindow *window = GTK_WINDOW (wabiz_window_new (self));

  if (g_getenv ("WABIZ_SCREENSHOT") != NULL)
    {
      prepare_screenshot (GTK_WIDGET (window));
      g_signal_connect (window, "notify::loaded", G_CALLBACK (screenshot_loaded_cb), NULL);
      screenshot_loaded_cb (WABIZ_WINDOW (window), NULL, NULL);
    }
  update_windows (self);
  gtk_window_present (window);
}

static void
show_setup (WabizApplication *self)
{
  WabizSetupWindow *setup = wabiz_setup_window_new (GTK_APPLICATION (self), self->settings);

  g_signal_connect_object (setup, "finished", G_CALLBACK (setup_finished_cb), self, 0);
  if (g_getenv ("WABIZ_SCREENSHOT") != NULL)
    {
      prepare_screenshot (GTK_WIDGET (setup));
      gtk_widget_add_tick_callback (GTK_WIDGET (setup), screenshot_tick_cb, NULL, NULL);
    }
  gtk_window_present (GTK_WINDOW (setup));
}

static gboolean
needs_setup (WabizApplication *self)
{
  return !self->demo && !g_settings_get_boolean (self->settings, "setup-complete");
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
  static const char *jump_accels[] = { "<Control>k", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
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
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.jump-to-conversation",
                                         jump_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    {
      g_autofree char *detailed = g_strdup_printf ("win.pane::%s", panes[i]);

      gtk_application_set_accels_for_action (GTK_APPLICATION (self), detailed, pane_accels[i]);
    }

  /* demo-mode says whether this run is the demo */
  g_settings_set_boolean (self->settings, "demo-mode", self->demo);

  g_signal_connect_object (self->settings, "changed::send-rate",
                           G_CALLBACK (send_rate_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (apply_color_scheme), self, G_CONNECT_SWAPPED);
  apply_color_scheme (self);

  /* after the first run's assistant, which may choose the database */
  if (!needs_setup (self))
    wabiz_application_open_database (self);
}

static void
wabiz_application_activate (GApplication *app)
{
  WabizApplication *self = WABIZ_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL)
    gtk_window_present (window);
  else if (needs_setup (self))
    show_setup (self);
  else
    show_main_window (self);
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
    case PROP_DEMO:
      g_value_set_boolean (value, self->demo);
      break;
    case PROP_SERVICES_READY:
      g_value_set_boolean (value, wabiz_application_get_services_ready (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_application_dispose (GObject *object)
{
  WabizApplication *self = WABIZ_APPLICATION (object);

  /* normally gone at shutdown already */
  g_cancellable_cancel (self->services_cancellable);
  g_clear_object (&self->services_cancellable);
  g_clear_object (&self->http);
  g_clear_object (&self->rest);
  g_clear_object (&self->webhook);
  g_clear_object (&self->processor);
  g_clear_object (&self->outbox);
  g_clear_object (&self->graph);
  if (self->sim != NULL)
    wabiz_sim_server_stop (self->sim);
  g_clear_object (&self->sim);

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
  properties[PROP_DEMO] =
    g_param_spec_boolean ("demo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVICES_READY] =
    g_param_spec_boolean ("services-ready", NULL, NULL, FALSE,
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

/* Whether this run is the demo (--demo, or “Try the Demo”) */
gboolean
wabiz_application_get_demo (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), FALSE);

  return self->demo;
}

/**
 * wabiz_application_get_services_ready:
 *
 * Whether the Graph client and the outbox run: the database is ready and
 * a number is set up (or the demo runs).
 */
gboolean
wabiz_application_get_services_ready (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), FALSE);

  return self->graph != NULL && self->outbox != NULL;
}

/* (nullable) */
WabizOutbox *
wabiz_application_get_outbox (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->outbox;
}

/* (nullable) */
WabizGraphClient *
wabiz_application_get_graph_client (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->graph;
}

/* (nullable): the webhook and REST API server, while it listens */
WabizHttpServer *
wabiz_application_get_http_server (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->http;
}

/* (nullable): the demo's simulator, while the demo runs */
WabizSimServer *
wabiz_application_get_simulator (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->sim;
}
