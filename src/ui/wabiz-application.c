/* wabiz-application.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The application: settings, the services it runs (WabizServices: the
 * database, the built-in cluster or a remote one, the Graph client, the
 * outbox and its sender, the webhook processor, the webhook and REST API
 * server; in demo mode with the simulator), app-wide actions, the setup
 * assistant and the main window.
 *
 * The services start from GSettings and the secrets in the keyring,
 * looked up first; Preferences' Reconnect stops them and starts new
 * ones. Windows follow WabizApplication:services. On quit, when the last
 * window closes, and on SIGTERM or SIGINT, the app drains them within a
 * deadline (which stops the built-in PostgreSQL when no other WaBiz uses
 * it), then quits; nothing waits in a main loop of its own.
 *
 * WABIZ_DATABASE_URL, when set, is a PostgreSQL connection string that
 * overrides the database settings (tests and development).
 */

#define G_LOG_DOMAIN "wabiz-application"

#include "config.h"

#include "wabiz-application-private.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-demo.h"
#include "wabiz-phone.h"
#include "wabiz-preferences-window.h"
#include "wabiz-secrets.h"
#include "wabiz-setup-window.h"
#include "wabiz-ui-resources.h"
#include "wabiz-window.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>

/* what is in flight (requests, sends, a batch) gets this long on quit */
#define DRAIN_TIMEOUT_S 15
#define DB_POOL_SIZE 4
/* The demo keeps to a database of its own in the built-in cluster, so
 * that it never sends the real outbox or mixes with real customers. */
#define DEMO_DBNAME "wabiz_demo"

struct _WabizApplication
{
  AdwApplication      parent_instance;

  GSettings          *settings;      /* (owned) */
  WabizNotifier      *notifier;      /* (owned) desktop notifications */
  WabizServices      *services;      /* (owned) (nullable): the current ones */
  WabizSimServer     *sim;           /* (owned) (nullable): the demo's, with them */
  WabizServices      *stopping;      /* (owned) (nullable): the previous ones, draining */
  WabizSimServer     *stopping_sim;  /* (owned) (nullable): theirs */
  GCancellable       *opening;       /* (owned) (nullable): looking up the secrets, starting */
  char               *error;         /* (owned) (nullable): why no services could be made */
  char               *notice;        /* (owned) (nullable): what is missing to send */
  gboolean            keyring_failed;
  gboolean            open_pending;  /* open once the previous services stopped */
  gboolean            quitting;
  gboolean            is_embedded;
  gboolean            demo;
  guint               sigterm_source;
  guint               sigint_source;

  /* what the properties last said, to notify changes only */
  WabizDatabaseState  db_state;
  WabizDb            *db;            /* (unowned) (nullable) */
  char               *db_error;      /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (WabizApplication, wabiz_application, ADW_TYPE_APPLICATION)

G_DEFINE_ENUM_TYPE (WabizDatabaseState, wabiz_database_state,
                    G_DEFINE_ENUM_VALUE (WABIZ_DATABASE_STATE_STARTING, "starting"),
                    G_DEFINE_ENUM_VALUE (WABIZ_DATABASE_STATE_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (WABIZ_DATABASE_STATE_FAILED, "failed"))

enum {
  PROP_0,
  PROP_SERVICES,
  PROP_DATABASE_STATE,
  PROP_DATABASE,
  PROP_DATABASE_ERROR,
  PROP_DEMO,
  PROP_NOTICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const GOptionEntry option_entries[] = {
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Start the demo: sample customers write to you through a WhatsApp and a Gemini simulated "
       "on this computer, with a database of its own; nothing reaches WhatsApp"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { NULL }
};

static void look_up_secrets (WabizApplication *self);
static void show_main_window (WabizApplication *self);

/* ------------------------------------------------------------------ */
/* state: the services', or the app's own error */

static void
update_notice (WabizApplication *self)
{
  g_autofree char *phone_number_id = g_settings_get_string (self->settings, "phone-number-id");
  const char *notice = NULL;

  /* only once the services run: before, the window says what they do */
  if (self->services != NULL && !self->demo &&
      wabiz_services_get_state (self->services) == WABIZ_SERVICES_STATE_READY &&
      wabiz_services_get_graph (self->services) == NULL)
    {
      if (*phone_number_id == '\0')
        notice = _("Meta is not set up: messages stay queued. Open Preferences to add the phone "
                   "number ID and the access token.");
      else if (self->keyring_failed)
        notice = _("Meta is not set up: messages stay queued. The keyring could not be read: unlock "
                   "it and reconnect, or open Preferences to add the access token.");
      else
        notice = _("Meta is not set up: messages stay queued. Open Preferences to add the access "
                   "token.");
    }

  if (g_strcmp0 (self->notice, notice) == 0)
    return;
  g_free (self->notice);
  self->notice = g_strdup (notice);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTICE]);
}

/* Notifies what changed of database-state, database and database-error */
static void
update_state (WabizApplication *self)
{
  WabizDatabaseState state = WABIZ_DATABASE_STATE_STARTING;
  const char *error = NULL;
  WabizDb *db = NULL;

  if (self->error != NULL)
    {
      state = WABIZ_DATABASE_STATE_FAILED;
      error = self->error;
    }
  else if (self->services != NULL)
    {
      switch (wabiz_services_get_state (self->services))
        {
        case WABIZ_SERVICES_STATE_READY:
          state = WABIZ_DATABASE_STATE_READY;
          db = wabiz_services_get_db (self->services);
          break;
        case WABIZ_SERVICES_STATE_FAILED:
          state = WABIZ_DATABASE_STATE_FAILED;
          error = wabiz_services_get_error (self->services);
          break;
        case WABIZ_SERVICES_STATE_STOPPED:
        case WABIZ_SERVICES_STATE_STARTING:
        case WABIZ_SERVICES_STATE_STOPPING:
        default:
          break;
        }
    }

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->db_error, error) != 0)
    {
      g_free (self->db_error);
      self->db_error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATABASE_ERROR]);
    }
  if (self->db != db)
    {
      self->db = db;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATABASE]);
    }
  if (self->db_state != state)
    {
      self->db_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATABASE_STATE]);
    }
  update_notice (self);
  g_object_thaw_notify (G_OBJECT (self));
}

/* The app could not make services: @error says why and what to do */
static void
fail (WabizApplication *self,
      const char       *error)
{
  g_warning ("Cannot open the database: %s", error);
  g_free (self->error);
  self->error = g_strdup (error);
  update_state (self);
}

static void
set_services (WabizApplication *self,
              WabizServices    *services)
{
  if (self->services == services)
    return;

  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);
  g_set_object (&self->services, services);
  wabiz_notifier_set_services (self->notifier, services);
  if (services != NULL)
    {
      g_signal_connect_object (services, "notify::state", G_CALLBACK (update_state), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (services, "notify::error", G_CALLBACK (update_state), self,
                               G_CONNECT_SWAPPED);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICES]);
  update_state (self);
}

/* ------------------------------------------------------------------ */
/* stopping: the current services drain while the app goes on */

static void finish_quit (WabizApplication *self);

static void
services_stopped_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(WabizApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_services_stop_finish (WABIZ_SERVICES (object), result, &error))
    g_warning ("The services did not stop cleanly: %s", error->message);
  g_debug ("Services stopped");

  if ((gpointer) object == (gpointer) self->stopping)
    {
      g_clear_object (&self->stopping);
      if (self->stopping_sim != NULL)
        wabiz_sim_server_stop (self->stopping_sim);
      g_clear_object (&self->stopping_sim);
    }

  if (self->quitting)
    finish_quit (self);
  else if (self->open_pending)
    {
      self->open_pending = FALSE;
      look_up_secrets (self);
    }
}

/* The current services go: drained in order within the deadline, the
 * database closed and the built-in cluster released */
static void
stop_services (WabizApplication *self)
{
  g_autoptr(WabizServices) services = NULL;

  if (self->services == NULL)
    return;

  /* one set of services is made only once the previous one stopped */
  g_assert (self->stopping == NULL);

  services = g_object_ref (self->services);
  set_services (self, NULL);
  self->stopping = g_object_ref (services);
  self->stopping_sim = g_steal_pointer (&self->sim);
  wabiz_services_stop_async (services, DRAIN_TIMEOUT_S, services_stopped_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ */
/* starting: the secrets, then the services */

static void
media_budget_changed_cb (WabizApplication *self)
{
  WabizMediaFetcher *media = self->services != NULL ? wabiz_services_get_media_fetcher (self->services) : NULL;

  if (media != NULL)
    wabiz_media_fetcher_set_budget (media, (guint64) g_settings_get_uint (self->settings, "media-budget")
                                           * 1024 * 1024);
}

static void
send_rate_changed_cb (WabizApplication *self)
{
  WabizOutbox *outbox = self->services != NULL ? wabiz_services_get_outbox (self->services) : NULL;

  if (outbox != NULL)
    wabiz_outbox_set_rate (outbox, g_settings_get_uint (self->settings, "send-rate"));
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

/* The demo's services run: the simulator delivers to their webhook, and
 * its customers write. */
static void
start_demo (WabizApplication *self)
{
  WabizHttpServer *http = wabiz_services_get_http (self->services);
  g_autofree char *url = NULL;
  g_autofree char *webhook_url = NULL;

  if (http == NULL)
    {
      /* Translators: %s says why */
      g_autofree char *message = g_strdup_printf (_("The demo did not start: %s"),
                                                  _("The demo cannot receive the simulator’s messages"));

      fail (self, message);
      stop_services (self);
      return;
    }

  url = wabiz_http_server_dup_url (http);
  webhook_url = g_strconcat (url, "/webhook", NULL);
  g_object_set (self->sim, "webhook-url", webhook_url, NULL);
  g_debug ("Demo: simulator on %s", wabiz_sim_server_get_base_url (self->sim));
  wabiz_demo_seed_async (wabiz_services_get_db (self->services), self->sim, self->opening,
                         demo_seeded_cb, NULL);
}

static void
services_started_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(WabizApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_services_start_finish (WABIZ_SERVICES (object), result, &error))
    {
      /* the state says it to the windows */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot open the database: %s", error->message);
      return;
    }
  if ((gpointer) object != (gpointer) self->services)
    return;

  media_budget_changed_cb (self);
  if (wabiz_services_get_listen_error (self->services) != NULL)
    g_message ("Not receiving webhooks on this computer: %s",
               wabiz_services_get_listen_error (self->services));
  if (self->demo)
    start_demo (self);
}

/* The secrets the services read from the keyring */
static const WabizSecretKind service_secrets[] = {
  WABIZ_SECRET_ACCESS_TOKEN,
  WABIZ_SECRET_APP_SECRET,
  WABIZ_SECRET_VERIFY_TOKEN,
  WABIZ_SECRET_API_KEY,
  WABIZ_SECRET_DATABASE_PASSWORD,
  WABIZ_SECRET_GEMINI_KEY,
};

typedef struct
{
  WabizApplication *self;                                   /* (owned) */
  GCancellable     *cancellable;                            /* (owned) */
  guint             n_pending;
  gboolean          failed;                                 /* the keyring did not answer */
  char             *values[G_N_ELEMENTS (service_secrets)]; /* (owned) (nullable): secrets */
} SecretsLookup;

typedef struct
{
  SecretsLookup *lookup;  /* (unowned) */
  guint          index;
} SecretRequest;

static void
wipe (char **secret)
{
  if (*secret != NULL)
    memset (*secret, 0, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

static void
secrets_lookup_free (SecretsLookup *lookup)
{
  for (guint i = 0; i < G_N_ELEMENTS (lookup->values); i++)
    wipe (&lookup->values[i]);
  g_object_unref (lookup->self);
  g_object_unref (lookup->cancellable);
  g_free (lookup);
}

/* (transfer full): what the settings say, with the secrets taken from @lookup */
static WabizConfig *
build_config (WabizApplication *self,
              SecretsLookup    *lookup)
{
  WabizConfig *config = g_new0 (WabizConfig, 1);
  const char *env_url = g_getenv ("WABIZ_DATABASE_URL");

  config->phone_number_id = g_settings_get_string (self->settings, "phone-number-id");
  config->waba_id = g_settings_get_string (self->settings, "waba-id");
  config->graph_url = g_settings_get_string (self->settings, "graph-url");
  config->graph_version = g_settings_get_string (self->settings, "graph-version");
  config->host = g_settings_get_string (self->settings, "http-host");
  config->port = g_settings_get_uint (self->settings, "http-port");
  config->send_rate = g_settings_get_uint (self->settings, "send-rate");
  config->access_token = g_steal_pointer (&lookup->values[0]);
  config->app_secret = g_steal_pointer (&lookup->values[1]);
  config->verify_token = g_steal_pointer (&lookup->values[2]);
  config->api_key = g_steal_pointer (&lookup->values[3]);
  config->gemini_api_key = g_steal_pointer (&lookup->values[5]);
  config->gemini_url = g_settings_get_string (self->settings, "gemini-url");
  config->gemini_model = g_settings_get_string (self->settings, "gemini-model");

  if (env_url != NULL && *env_url != '\0')
    config->database_url = g_strdup (env_url);
  else if (g_settings_get_enum (self->settings, "database-mode") == 1)
    config->database_url = g_settings_get_string (self->settings, "database-conninfo");
  return config;
}

/* The demo's: the simulator's Meta and secrets, listening on a port of
 * its own (a real server on 10000 is left alone) */
static WabizConfig *
build_demo_config (WabizApplication *self)
{
  WabizConfig *config = g_new0 (WabizConfig, 1);
  const char *env_url = g_getenv ("WABIZ_DATABASE_URL");

  config->phone_number_id = g_strdup (WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID);
  config->waba_id = g_strdup (WABIZ_SIM_DEFAULT_WABA_ID);
  config->access_token = g_strdup (WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  config->app_secret = g_strdup (WABIZ_SIM_DEFAULT_APP_SECRET);
  config->verify_token = g_strdup (WABIZ_DEMO_VERIFY_TOKEN);
  config->graph_url = g_strdup (wabiz_sim_server_get_base_url (self->sim));
  config->graph_version = g_settings_get_string (self->settings, "graph-version");
  config->host = g_strdup ("127.0.0.1");
  config->port = 0;
  config->send_rate = g_settings_get_uint (self->settings, "send-rate");
  /* the simulator answers Gemini's calls too */
  config->gemini_api_key = g_strdup (WABIZ_SIM_DEFAULT_GEMINI_KEY);
  config->gemini_url = g_strdup (wabiz_sim_server_get_base_url (self->sim));
  config->gemini_model = g_settings_get_string (self->settings, "gemini-model");
  if (env_url != NULL && *env_url != '\0')
    config->database_url = g_strdup (env_url);
  return config;
}

static void
start_services (WabizApplication *self,
                SecretsLookup    *lookup)
{
  g_autoptr(WabizConfig) config = NULL;
  g_autoptr(WabizServices) services = NULL;
  WabizServicesFlags flags = WABIZ_SERVICES_SEND | WABIZ_SERVICES_PROCESS | WABIZ_SERVICES_NOTIFY;

  g_assert (self->services == NULL);

  if (self->demo)
    {
      g_autoptr(GError) error = NULL;

      self->sim = wabiz_sim_server_new ();
      if (!wabiz_sim_server_start (self->sim, &error))
        {
          /* Translators: %s says why */
          g_autofree char *message = g_strdup_printf (_("The demo did not start: %s"), error->message);

          g_clear_object (&self->sim);
          fail (self, message);
          return;
        }
      config = build_demo_config (self);
      flags |= WABIZ_SERVICES_LISTEN;
    }
  else
    {
      config = build_config (self, lookup);
      if (g_settings_get_boolean (self->settings, "http-enabled"))
        flags |= WABIZ_SERVICES_LISTEN;
      if (config->database_url != NULL && *config->database_url == '\0')
        {
          fail (self, _("No remote database is set up. Enter its connection in Preferences, "
                        "or use the built-in database."));
          return;
        }
      if (config->access_token == NULL || *config->access_token == '\0')
        g_debug ("No access token in the keyring");
    }

  self->keyring_failed = lookup->failed;
  services = wabiz_services_new (config, flags);
  wabiz_services_set_database (services, lookup->values[4], self->demo ? DEMO_DBNAME : NULL, DB_POOL_SIZE);
  set_services (self, services);
  wabiz_services_start_async (services, self->opening, services_started_cb, g_object_ref (self));
}

/* One request answered: the services start after the last */
static void
secrets_found (SecretsLookup *lookup)
{
  if (--lookup->n_pending > 0)
    return;

  /* reopened or quitting meanwhile */
  if (!g_cancellable_is_cancelled (lookup->cancellable))
    start_services (lookup->self, lookup);
  secrets_lookup_free (lookup);
}

static void
secret_found_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SecretRequest *request = user_data;
  SecretsLookup *lookup = request->lookup;
  WabizSecretKind kind = service_secrets[request->index];
  g_autoptr(GError) error = NULL;

  lookup->values[request->index] = wabiz_secrets_lookup_finish (result, &error);
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* a locked keyring, or none: go on without it */
      g_message ("Cannot read the %s from the keyring: %s", wabiz_secret_kind_to_string (kind),
                 error->message);
      lookup->failed = TRUE;
    }
  g_free (request);
  secrets_found (lookup);
}

/* Whether the services the settings ask for read @kind */
static gboolean
needs_secret (WabizApplication *self,
              WabizSecretKind   kind)
{
  g_autofree char *phone_number_id = NULL;
  const char *env_url;

  if (self->demo)
    return FALSE;

  switch (kind)
    {
    case WABIZ_SECRET_ACCESS_TOKEN:
      phone_number_id = g_settings_get_string (self->settings, "phone-number-id");
      return *phone_number_id != '\0';
    case WABIZ_SECRET_APP_SECRET:
    case WABIZ_SECRET_VERIFY_TOKEN:
    case WABIZ_SECRET_API_KEY:
      return g_settings_get_boolean (self->settings, "http-enabled");
    case WABIZ_SECRET_DATABASE_PASSWORD:
      env_url = g_getenv ("WABIZ_DATABASE_URL");
      return (env_url == NULL || *env_url == '\0') &&
             g_settings_get_enum (self->settings, "database-mode") == 1;
    case WABIZ_SECRET_GEMINI_KEY:
      /* optional: without it, what Gemini does says it needs a key */
      return TRUE;
    default:
      return FALSE;
    }
}

/* What the services read from the keyring, at once (opening a session
 * with the keyring takes a while: nothing is asked that nothing needs);
 * a missing secret is no error: what needs it does not run, and the
 * window says so */
static void
look_up_secrets (WabizApplication *self)
{
  SecretsLookup *lookup = g_new0 (SecretsLookup, 1);

  g_assert (self->opening != NULL);

  lookup->self = g_object_ref (self);
  lookup->cancellable = g_object_ref (self->opening);
  /* one more than the requests, until they are all sent */
  lookup->n_pending = 1;
  for (guint i = 0; i < G_N_ELEMENTS (service_secrets); i++)
    {
      SecretRequest *request;

      if (!needs_secret (self, service_secrets[i]))
        continue;
      request = g_new0 (SecretRequest, 1);
      request->lookup = lookup;
      request->index = i;
      lookup->n_pending++;
      wabiz_secrets_lookup_async (service_secrets[i], lookup->cancellable, secret_found_cb, request);
    }
  secrets_found (lookup);
}

/**
 * wabiz_application_open_database:
 *
 * (Re)opens the database and starts the services the settings and the
 * keyring say, without blocking: the services running stop first. The
 * state goes to %WABIZ_DATABASE_STATE_STARTING, then to READY or FAILED.
 */
void
wabiz_application_open_database (WabizApplication *self)
{
  const char *env_url = g_getenv ("WABIZ_DATABASE_URL");

  g_return_if_fail (WABIZ_IS_APPLICATION (self));

  if (self->quitting)
    return;

  g_cancellable_cancel (self->opening);
  g_clear_object (&self->opening);
  self->opening = g_cancellable_new ();
  g_clear_pointer (&self->error, g_free);
  self->is_embedded = (env_url == NULL || *env_url == '\0') &&
                      (self->demo || g_settings_get_enum (self->settings, "database-mode") != 1);

  stop_services (self);
  update_state (self);
  if (self->stopping != NULL)
    self->open_pending = TRUE;
  else
    look_up_secrets (self);
}

/* ------------------------------------------------------------------ */
/* quitting: drain, then quit */

static void
finish_quit (WabizApplication *self)
{
  if (self->stopping != NULL)
    return;

  g_debug ("Drained; quitting");
  g_application_release (G_APPLICATION (self));
  g_application_quit (G_APPLICATION (self));
}

/* The windows close (they save their state), the services drain within
 * the deadline, then the app quits. */
static void
begin_quit (WabizApplication *self)
{
  GList *windows;

  if (self->quitting)
    return;

  self->quitting = TRUE;
  g_application_hold (G_APPLICATION (self));
  g_cancellable_cancel (self->opening);
  self->open_pending = FALSE;

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free (windows);

  stop_services (self);
  finish_quit (self);
}

static gboolean
quit_signal_cb (gpointer user_data)
{
  WabizApplication *self = user_data;

  g_message ("Asked to stop: finishing what is in flight");
  begin_quit (self);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* actions */

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
  begin_quit (WABIZ_APPLICATION (user_data));
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

/* A notification was activated: its conversation, in the main window */
static void
open_conversation_action_cb (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  WabizApplication *self = user_data;
  g_autofree char *phone = wabiz_phone_normalize (g_variant_get_string (parameter, NULL), NULL);
  WabizWindow *window = NULL;
  WabizPane *pane;

  if (phone == NULL || self->quitting)
    return;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL && window == NULL; l = l->next)
    if (WABIZ_IS_WINDOW (l->data))
      window = l->data;
  if (window == NULL)
    window = wabiz_window_new (self);

  wabiz_window_set_pane_name (window, "conversations");
  pane = wabiz_window_get_pane (window, "conversations");
  if (WABIZ_IS_CONVERSATIONS_PANE (pane))
    wabiz_conversations_pane_open (WABIZ_CONVERSATIONS_PANE (pane), phone);
  gtk_window_present (GTK_WINDOW (window));
  wabiz_notifier_withdraw_conversation (self->notifier, phone);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action_cb },
  { "about", about_action_cb },
  { "preferences", preferences_action_cb },
  { "retry-database", retry_database_action_cb },
  { "open-conversation", open_conversation_action_cb, "s" },
};

static void
show_main_window (WabizApplication *self)
{
  gtk_window_present (GTK_WINDOW (wabiz_window_new (self)));
}

static void
show_setup (WabizApplication *self)
{
  WabizSetupWindow *setup = wabiz_setup_window_new (GTK_APPLICATION (self), self->settings);

  g_signal_connect_object (setup, "finished", G_CALLBACK (setup_finished_cb), self, 0);
  gtk_window_present (GTK_WINDOW (setup));
}

static gboolean
needs_setup (WabizApplication *self)
{
  return !self->demo && !g_settings_get_boolean (self->settings, "setup-complete");
}

/* ------------------------------------------------------------------ */
/* GApplication */

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

  /* at logout, or ^C: drain, then stop the built-in database if no other
   * WaBiz uses it, as on quit */
  self->sigterm_source = g_unix_signal_add (SIGTERM, quit_signal_cb, self);
  self->sigint_source = g_unix_signal_add (SIGINT, quit_signal_cb, self);

  /* demo-mode says whether this run is the demo */
  g_settings_set_boolean (self->settings, "demo-mode", self->demo);

  g_signal_connect_object (self->settings, "changed::send-rate",
                           G_CALLBACK (send_rate_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::media-budget",
                           G_CALLBACK (media_budget_changed_cb), self, G_CONNECT_SWAPPED);
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

  if (self->quitting)
    return;
  if (window != NULL)
    gtk_window_present (window);
  else if (needs_setup (self))
    show_setup (self);
  else
    show_main_window (self);
}

/* The last window closed: the app goes once its services drained */
static void
wabiz_application_window_removed (GtkApplication *app,
                                  GtkWindow      *window)
{
  WabizApplication *self = WABIZ_APPLICATION (app);

  GTK_APPLICATION_CLASS (wabiz_application_parent_class)->window_removed (app, window);

  if (gtk_application_get_windows (app) == NULL && !self->quitting &&
      (self->services != NULL || self->stopping != NULL))
    begin_quit (self);
}

static void
wabiz_application_shutdown (GApplication *app)
{
  WabizApplication *self = WABIZ_APPLICATION (app);

  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_handle_id (&self->sigint_source, g_source_remove);

  /* drained on quit already; quit by other means, they go at once */
  g_cancellable_cancel (self->opening);
  set_services (self, NULL);

  G_APPLICATION_CLASS (wabiz_application_parent_class)->shutdown (app);
}

/* ------------------------------------------------------------------ */
/* GObject */

static void
wabiz_application_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WabizApplication *self = WABIZ_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_SERVICES:
      g_value_set_object (value, self->services);
      break;
    case PROP_DATABASE_STATE:
      g_value_set_enum (value, self->db_state);
      break;
    case PROP_DATABASE:
      g_value_set_object (value, self->db);
      break;
    case PROP_DATABASE_ERROR:
      g_value_set_string (value, self->db_error);
      break;
    case PROP_DEMO:
      g_value_set_boolean (value, self->demo);
      break;
    case PROP_NOTICE:
      g_value_set_string (value, self->notice);
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
  g_cancellable_cancel (self->opening);
  g_clear_object (&self->opening);
  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);
  g_clear_object (&self->services);
  g_clear_object (&self->stopping);
  if (self->sim != NULL)
    wabiz_sim_server_stop (self->sim);
  g_clear_object (&self->sim);
  if (self->stopping_sim != NULL)
    wabiz_sim_server_stop (self->stopping_sim);
  g_clear_object (&self->stopping_sim);
  self->db = NULL;
  g_clear_object (&self->notifier);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wabiz_application_parent_class)->dispose (object);
}

static void
wabiz_application_finalize (GObject *object)
{
  WabizApplication *self = WABIZ_APPLICATION (object);

  g_free (self->error);
  g_free (self->notice);
  g_free (self->db_error);

  G_OBJECT_CLASS (wabiz_application_parent_class)->finalize (object);
}

static void
wabiz_application_class_init (WabizApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_app_class = GTK_APPLICATION_CLASS (klass);

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

  gtk_app_class->window_removed = wabiz_application_window_removed;

  /**
   * WabizApplication:services:
   *
   * What runs for this app (the database and the services on it), or
   * %NULL while the secrets are looked up, or when none could be made.
   * Windows and panes follow it, and its #WabizServices:state.
   */
  properties[PROP_SERVICES] =
    g_param_spec_object ("services", NULL, NULL, WABIZ_TYPE_SERVICES,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
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
  /**
   * WabizApplication:notice:
   *
   * What keeps messages from being sent although the database is there
   * (Meta not set up, the keyring locked), saying what to do; %NULL when
   * nothing does.
   */
  properties[PROP_NOTICE] =
    g_param_spec_string ("notice", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_application_init (WabizApplication *self)
{
  self->settings = g_settings_new ("org.example.WaBiz");
  self->notifier = wabiz_notifier_new (GTK_APPLICATION (self), self->settings);
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

/* (nullable): see #WabizApplication:services */
WabizServices *
wabiz_application_get_services (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->services;
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

  return self->db;
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

/* (nullable): see #WabizApplication:notice */
const char *
wabiz_application_get_notice (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->notice;
}

/* (nullable): the demo's simulator, while the demo runs */
WabizSimServer *
wabiz_application_get_simulator (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->sim;
}

WabizNotifier *
_wabiz_application_get_notifier (WabizApplication *self)
{
  g_return_val_if_fail (WABIZ_IS_APPLICATION (self), NULL);

  return self->notifier;
}
