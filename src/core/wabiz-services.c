/* wabiz-services.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What the app and wabizd both run, wired once: the database (a remote
 * one, or the built-in cluster), its migrations, the LISTEN connection,
 * the Graph client, the outbox and its sender, the webhook processor,
 * and the HTTP server with the webhook receiver and the REST API.
 *
 * Starting is asynchronous and never blocks the main loop; the state
 * goes STARTING, then READY or FAILED (with a message for the owner).
 * Stopping drains in order, within a deadline: the HTTP server stops
 * accepting and answers what is in flight, the sender finishes its
 * sends, the processor its batch; then the database closes and the
 * built-in cluster is released (and stopped when nobody else uses it).
 */

#define G_LOG_DOMAIN "wabiz-services"

#include "config.h"

#include "wabiz-services.h"

#include "wabiz-conninfo.h"
#include "wabiz-embedded-pg.h"
#include "wabiz-migrations.h"
#include "wabiz-pg-server.h"
#include "wabiz-secrets.h"
#include "wabiz-store.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define DEFAULT_POOL_SIZE 4

struct _WabizServices
{
  GObject parent_instance;

  WabizConfig       *config; /* (owned): secrets wiped on finalize */
  WabizServicesFlags flags;
  char              *db_password;     /* (owned) (nullable): secret */
  char              *embedded_dbname; /* (owned) (nullable) */
  guint              pool_size;

  WabizServicesState state;
  char              *error;        /* (owned) (nullable) */
  char              *listen_error; /* (owned) (nullable) */

  WabizEmbeddedPg       *embedded;  /* (owned) (nullable): while acquired */
  WabizDb               *db;        /* (owned) (nullable) */
  WabizDbListener       *listener;  /* (owned) (nullable) */
  WabizGraphClient      *graph;     /* (owned) (nullable) */
  WabizOutbox           *outbox;    /* (owned) (nullable) */
  WabizWebhookProcessor *processor; /* (owned) (nullable) */
  WabizMediaFetcher     *media;     /* (owned) (nullable) */
  WabizAiJobs           *ai;        /* (owned) (nullable) */
  WabizGeminiClient     *gemini;    /* (owned) (nullable): with a Gemini key */
  WabizCampaignRunner   *campaigns; /* (owned) (nullable) */
  WabizScheduler        *scheduler; /* (owned) (nullable) */
  WabizOptOut           *opt_out;   /* (owned) (nullable) */
  guint                  n_worker_stops;
  guint                  worker_step; /* the StopStep the workers stopping end */
  WabizWebhook          *webhook;   /* (owned) (nullable) */
  WabizRestApi          *rest;      /* (owned) (nullable) */
  WabizHttpServer       *http;      /* (owned) (nullable) */

  GCancellable *cancellable; /* (owned): the start's, cancelled by a stop */
  GTask        *stopping;    /* (owned) (nullable) */
  guint         deadline_source;
};

G_DEFINE_FINAL_TYPE (WabizServices, wabiz_services, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (WabizServicesState, wabiz_services_state, G_DEFINE_ENUM_VALUE (WABIZ_SERVICES_STATE_STOPPED, "stopped"), G_DEFINE_ENUM_VALUE (WABIZ_SERVICES_STATE_STARTING, "starting"), G_DEFINE_ENUM_VALUE (WABIZ_SERVICES_STATE_READY, "ready"), G_DEFINE_ENUM_VALUE (WABIZ_SERVICES_STATE_FAILED, "failed"), G_DEFINE_ENUM_VALUE (WABIZ_SERVICES_STATE_STOPPING, "stopping"))

enum
{
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static WabizConfig *
config_copy (const WabizConfig *config)
{
  WabizConfig *copy = g_new0 (WabizConfig, 1);

  copy->access_token = g_strdup (config->access_token);
  copy->phone_number_id = g_strdup (config->phone_number_id);
  copy->waba_id = g_strdup (config->waba_id);
  copy->verify_token = g_strdup (config->verify_token);
  copy->app_secret = g_strdup (config->app_secret);
  copy->gemini_api_key = g_strdup (config->gemini_api_key);
  copy->database_url = g_strdup (config->database_url);
  copy->host = g_strdup (config->host != NULL ? config->host : "127.0.0.1");
  copy->port = config->port;
  copy->api_key = g_strdup (config->api_key);
  copy->graph_url = g_strdup (config->graph_url != NULL ? config->graph_url : WABIZ_CONFIG_DEFAULT_GRAPH_URL);
  copy->graph_version = g_strdup (config->graph_version != NULL ? config->graph_version
                                                                : WABIZ_CONFIG_DEFAULT_GRAPH_VERSION);
  copy->gemini_url = g_strdup (config->gemini_url);
  copy->gemini_model = g_strdup (config->gemini_model);
  copy->send_rate = config->send_rate > 0 ? config->send_rate : WABIZ_CONFIG_DEFAULT_SEND_RATE;
  return copy;
}

static void
set_state (WabizServices     *self,
           WabizServicesState state,
           const char        *error)
{
  if (g_strcmp0 (self->error, error) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

/* Drops every service (stopped or not) but the database */
static void
clear_services (WabizServices *self)
{
  g_clear_object (&self->http);
  g_clear_object (&self->rest);
  g_clear_object (&self->webhook);
  g_clear_object (&self->processor);
  g_clear_object (&self->media);
  g_clear_object (&self->ai);
  g_clear_object (&self->gemini);
  g_clear_object (&self->campaigns);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->opt_out);
  g_clear_object (&self->outbox);
  g_clear_object (&self->graph);
  g_clear_object (&self->listener);
}

/* ------------------------------------------------------------------ */
/* starting */

static void
listener_changed_cb (WabizServices   *self,
                     const char      *phone,
                     const char      *id,
                     WabizDbListener *listener)
{
  /* another receiver (a relay, another desktop) stored an event */
  if (self->processor != NULL && self->state == WABIZ_SERVICES_STATE_READY)
    wabiz_webhook_processor_wake (self->processor);
}

static void
listener_reconnected_cb (WabizServices   *self,
                         WabizDbListener *listener)
{
  /* events may have been stored while the link was down */
  if (self->processor != NULL && self->state == WABIZ_SERVICES_STATE_READY)
    wabiz_webhook_processor_wake (self->processor);
}

static void
start_listening (WabizServices *self)
{
  g_autoptr (GError) error = NULL;

  self->webhook = wabiz_webhook_new (self->db, self->config->app_secret, self->config->verify_token);
  if (self->processor != NULL)
    g_signal_connect_object (self->webhook, "stored", G_CALLBACK (wabiz_webhook_processor_wake),
                             self->processor, G_CONNECT_SWAPPED);
  self->rest = wabiz_rest_api_new (self->db, self->outbox, self->graph, self->config->api_key);
  if (self->config->gemini_api_key != NULL && *self->config->gemini_api_key != '\0')
    {
      g_autoptr (WabizGeminiClient) gemini = wabiz_gemini_client_new (self->config->gemini_url,
                                                                      self->config->gemini_api_key,
                                                                      self->config->gemini_model);

      wabiz_rest_api_set_gemini (self->rest, gemini);
    }
  self->http = wabiz_http_server_new (self->config->host, self->config->port);
  wabiz_webhook_attach (self->webhook, wabiz_http_server_get_soup_server (self->http));
  wabiz_rest_api_attach (self->rest, wabiz_http_server_get_soup_server (self->http));

  if (!wabiz_http_server_start (self->http, &error))
    {
      /* most often wabizd, or another WaBiz, listens there already */
      g_message ("Not receiving webhooks here: %s", error->message);
      self->listen_error = g_strdup (error->message);
      g_clear_object (&self->http);
      g_clear_object (&self->rest);
      g_clear_object (&self->webhook);
    }
}

/* @worker looks again whenever @instance (nullable) emits @detailed_signal */
static void
wake_on (gpointer    worker,
         gpointer    instance,
         const char *detailed_signal)
{
  if (instance != NULL)
    g_signal_connect_object (instance, detailed_signal, G_CALLBACK (wabiz_worker_wake), worker,
                             G_CONNECT_SWAPPED);
}

/* The database is ready: every service asked for, in order */
static void
start_services (WabizServices *self)
{
  const WabizConfig *config = self->config;

  if (self->flags & WABIZ_SERVICES_NOTIFY)
    {
      g_autofree char *conninfo = wabiz_db_dup_conninfo (self->db);

      self->listener = wabiz_db_listener_new (conninfo, self->db_password, WABIZ_STORE_CHANNEL);
      g_signal_connect_object (self->listener, "changed::webhook_events",
                               G_CALLBACK (listener_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->listener, "reconnected",
                               G_CALLBACK (listener_reconnected_cb), self, G_CONNECT_SWAPPED);
      wabiz_db_listener_start (self->listener);
    }

  if (config->phone_number_id != NULL && *config->phone_number_id != '\0' && config->access_token != NULL && *config->access_token != '\0')
    self->graph = wabiz_graph_client_new (config->graph_url, config->graph_version,
                                          config->phone_number_id, config->waba_id,
                                          config->access_token);
  self->outbox = wabiz_outbox_new (self->db, self->graph, config->send_rate);

  if (config->phone_number_id != NULL && *config->phone_number_id != '\0')
    self->processor = wabiz_webhook_processor_new (self->db, config->phone_number_id);

  /* customers' files, fetched once their messages are stored (here or
   * by another processor) */
  self->media = wabiz_media_fetcher_new (self->db, self->graph, NULL);
  wake_on (self->media, self->processor, "processed");
  wake_on (self->media, self->listener, "changed::messages");

  /* what WaBiz does by itself once messages are stored (analysis,
   * greeting and away messages, auto-replies), never inside receiving */
  if (config->gemini_api_key != NULL && *config->gemini_api_key != '\0')
    self->gemini = wabiz_gemini_client_new (config->gemini_url, config->gemini_api_key,
                                            config->gemini_model);
  self->ai = wabiz_ai_jobs_new (self->db, self->outbox, self->gemini);
  wake_on (self->ai, self->processor, "processed");
  wake_on (self->ai, self->listener, "changed::messages");
  wake_on (self->ai, self->listener, "reconnected");

  /* campaigns and scheduled messages, queued through the outbox; stop
   * words in what customers write, once it is stored */
  self->campaigns = wabiz_campaign_runner_new (self->db, self->outbox);
  self->scheduler = wabiz_scheduler_new (self->db, self->outbox);
  self->opt_out = wabiz_opt_out_new (self->db, self->outbox);
  wake_on (self->campaigns, self->listener, "changed::campaigns");
  wake_on (self->scheduler, self->listener, "changed::scheduled_messages");
  wake_on (self->opt_out, self->processor, "processed");
  wake_on (self->opt_out, self->listener, "changed::messages");

  if (self->flags & WABIZ_SERVICES_LISTEN)
    {
      if (config->app_secret == NULL || *config->app_secret == '\0')
        {
          g_message ("No App Secret: not receiving webhooks here");
          self->listen_error = g_strdup (_ ("The App Secret is not set up, so Meta’s webhooks "
                                            "cannot be checked. Enter it in Preferences."));
        }
      else
        start_listening (self);
    }

  if (self->processor != NULL && (self->flags & WABIZ_SERVICES_PROCESS))
    {
      wabiz_webhook_processor_start (self->processor);
      wabiz_media_fetcher_start (self->media);
      wabiz_ai_jobs_start (self->ai);
    }
  if (self->flags & WABIZ_SERVICES_PROCESS)
    wabiz_opt_out_start (self->opt_out);
  if (self->flags & WABIZ_SERVICES_SEND)
    {
      wabiz_campaign_runner_start (self->campaigns);
      wabiz_scheduler_start (self->scheduler);
    }
  if (self->graph != NULL && (self->flags & WABIZ_SERVICES_SEND))
    wabiz_outbox_start (self->outbox);
  else if (self->flags & WABIZ_SERVICES_SEND)
    g_message ("No access token or phone number: messages stay queued until they are set up");
}

static void
fail_start (WabizServices *self,
            GTask         *task,
            GError        *error)
{
  g_autoptr (GError) owned = error;

  if (!g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_message ("Cannot open the database: %s", owned->message);
      set_state (self, WABIZ_SERVICES_STATE_FAILED, owned->message);
    }
  g_task_return_error (task, g_steal_pointer (&owned));
}

static void
migrated_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  WabizServices *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  guint n_applied = 0;

  if (!wabiz_migrations_apply_finish (WABIZ_DB (object), result, &n_applied, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
        {
          g_autofree char *message = NULL;

          /* Translators: %s is the database server's own message */
          message = g_strdup_printf (_ ("The database could not be prepared for this version of WaBiz: %s"),
                                     error->message);
          g_clear_error (&error);
          error = g_error_new_literal (WABIZ_DB_ERROR, WABIZ_DB_ERROR_QUERY, message);
        }
      fail_start (self, task, g_steal_pointer (&error));
      return;
    }
  if (self->state != WABIZ_SERVICES_STATE_STARTING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Stopped while starting");
      return;
    }

  g_debug ("Database ready, %u migrations applied", n_applied);
  start_services (self);
  set_state (self, WABIZ_SERVICES_STATE_READY, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
open_database (WabizServices *self,
               GTask         *task,
               const char    *conninfo)
{
  self->db = wabiz_db_new (conninfo, self->db_password, self->pool_size);
  g_message ("Using %s%s", wabiz_db_get_description (self->db), self->embedded != NULL ? " (built-in)" : "");
  wabiz_migrations_apply_async (self->db, g_task_get_cancellable (task), migrated_cb, task);
}

static void
ensure_database_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  WabizServices *self = source_object;
  GError        *error = NULL;

  if (wabiz_pg_server_ensure_database (task_data, self->embedded_dbname, &error))
    g_task_return_pointer (task, wabiz_pg_server_dup_conninfo (task_data, self->embedded_dbname), g_free);
  else
    g_task_return_error (task, error);
}

static void
database_ensured_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  WabizServices *self = WABIZ_SERVICES (object);
  g_autoptr (GError) error = NULL;
  g_autofree char *conninfo = g_task_propagate_pointer (G_TASK (result), &error);

  if (conninfo == NULL)
    {
      fail_start (self, task, g_steal_pointer (&error));
      return;
    }
  open_database (self, g_steal_pointer (&task), conninfo);
}

static void
acquired_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  WabizServices *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autofree char *conninfo = NULL;

  conninfo = wabiz_embedded_pg_acquire_finish (WABIZ_EMBEDDED_PG (object), result, &error);
  if (conninfo == NULL)
    {
      g_autoptr (GError) said = NULL;

      g_clear_object (&self->embedded); /* not acquired: nothing to release */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        said = g_steal_pointer (&error);
      else
        said = g_error_new (WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE,
                            /* Translators: %s is the reason, from the database server */
                            _ ("The built-in database did not start: %s"), error->message);
      fail_start (self, task, g_steal_pointer (&said));
      return;
    }

  if (self->embedded_dbname != NULL)
    {
      GTask *ensure = g_task_new (self, g_task_get_cancellable (task), database_ensured_cb,
                                  g_steal_pointer (&task));

      g_task_set_source_tag (ensure, acquired_cb);
      g_task_set_task_data (ensure, g_object_ref (wabiz_embedded_pg_get_server (self->embedded)),
                            g_object_unref);
      g_task_run_in_thread (ensure, ensure_database_thread);
      g_object_unref (ensure);
      return;
    }
  open_database (self, g_steal_pointer (&task), conninfo);
}

/* ------------------------------------------------------------------ */
/* stopping */

static void stop_next (WabizServices *self);

typedef enum
{
  STOP_HTTP,
  STOP_CAMPAIGNS,
  STOP_OUTBOX,
  STOP_PROCESSOR,
  STOP_MEDIA,
  STOP_AI,
  STOP_DATABASE,
  STOP_DONE,
} StopStep;

static void
release_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (wabiz_embedded_pg_release (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
finish_stop (WabizServices *self,
             GError        *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->stopping);

  g_clear_handle_id (&self->deadline_source, g_source_remove);
  clear_services (self);
  set_state (self, WABIZ_SERVICES_STATE_STOPPED, NULL);
  if (task == NULL)
    return;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
released_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (WabizServices) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Cannot release the built-in database: %s", error->message);
  if (self->stopping != NULL && g_task_get_task_data (self->stopping) == GUINT_TO_POINTER (STOP_DATABASE))
    finish_stop (self, NULL);
}

static void
close_database (WabizServices *self)
{
  if (self->db != NULL)
    wabiz_db_close (self->db);
  g_clear_object (&self->db);
  g_clear_object (&self->listener);

  if (self->embedded != NULL)
    {
      g_autoptr (GTask) release = g_task_new (self, NULL, released_cb, g_object_ref (self));

      g_task_set_source_tag (release, close_database);
      g_task_set_task_data (release, g_steal_pointer (&self->embedded), g_object_unref);
      g_task_run_in_thread (release, release_thread);
      return;
    }
  finish_stop (self, NULL);
}

static void
step_done (WabizServices *self,
           StopStep       step)
{
  /* a step that ends after the deadline moved on is not ours any more */
  if (self->stopping == NULL || g_task_get_task_data (self->stopping) != GUINT_TO_POINTER (step))
    return;
  g_task_set_task_data (self->stopping, GUINT_TO_POINTER (step + 1), NULL);
  stop_next (self);
}

static void
drained_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (WabizServices) self = user_data;

  wabiz_http_server_drain_finish (WABIZ_HTTP_SERVER (object), result, NULL);
  if (self->webhook != NULL)
    g_message ("Requests answered (%" G_GUINT64_FORMAT " webhook deliveries stored); finishing sends",
               wabiz_webhook_get_n_accepted (self->webhook));
  step_done (self, STOP_HTTP);
}

static void
outbox_stopped_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (WabizServices) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!wabiz_outbox_stop_finish (WABIZ_OUTBOX (object), result, &error))
    g_warning ("The outbox did not stop cleanly: %s", error->message);
  step_done (self, STOP_OUTBOX);
}

static void
processor_stopped_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr (WabizServices) self = user_data;

  wabiz_webhook_processor_stop_finish (WABIZ_WEBHOOK_PROCESSOR (object), result, NULL);
  step_done (self, STOP_PROCESSOR);
}

static void
worker_stopped_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (WabizServices) self = user_data;

  wabiz_worker_stop_finish (WABIZ_WORKER (object), result, NULL);
  if (--self->n_worker_stops == 0)
    step_done (self, self->worker_step);
}

/* Stops the @n @workers (NULL ones are not there) together, then ends
 * @step */
static void
stop_workers (WabizServices *self,
              StopStep       step,
              WabizWorker  **workers,
              guint          n)
{
  self->worker_step = step;
  self->n_worker_stops = 1; /* this call's own, dropped below */
  for (guint i = 0; i < n; i++)
    {
      if (workers[i] == NULL)
        continue;
      self->n_worker_stops++;
      wabiz_worker_stop_async (workers[i], NULL, worker_stopped_cb, g_object_ref (self));
    }
  if (--self->n_worker_stops == 0)
    step_done (self, step);
}

static void
stop_next (WabizServices *self)
{
  StopStep step = GPOINTER_TO_UINT (g_task_get_task_data (self->stopping));

  switch (step)
    {
    case STOP_HTTP:
      if (self->http != NULL)
        {
          g_message ("Stopping: no new connections, finishing %u requests in flight",
                     wabiz_http_server_get_n_in_flight (self->http));
          wabiz_http_server_drain_async (self->http, NULL, drained_cb, g_object_ref (self));
          return;
        }
      step_done (self, STOP_HTTP);
      return;

    case STOP_CAMPAIGNS:
      {
        /* nothing more is queued; what is being queued finishes */
        WabizWorker *workers[] = { WABIZ_WORKER (self->campaigns), WABIZ_WORKER (self->scheduler),
                                   WABIZ_WORKER (self->opt_out) };

        stop_workers (self, step, workers, G_N_ELEMENTS (workers));
        return;
      }

    case STOP_OUTBOX:
      if (self->outbox != NULL)
        {
          wabiz_outbox_stop_async (self->outbox, NULL, outbox_stopped_cb, g_object_ref (self));
          return;
        }
      step_done (self, STOP_OUTBOX);
      return;

    case STOP_PROCESSOR:
      if (self->processor != NULL)
        {
          wabiz_webhook_processor_stop_async (self->processor, NULL, processor_stopped_cb, g_object_ref (self));
          return;
        }
      step_done (self, STOP_PROCESSOR);
      return;

    case STOP_MEDIA:
      /* downloads in flight are handed back for the next start */
      stop_workers (self, step, (WabizWorker *[]){ WABIZ_WORKER (self->media) }, 1);
      return;

    case STOP_AI:
      /* Gemini's calls in flight are cancelled, their jobs handed back */
      stop_workers (self, step, (WabizWorker *[]){ WABIZ_WORKER (self->ai) }, 1);
      return;

    case STOP_DATABASE:
      close_database (self);
      return;

    case STOP_DONE:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
deadline_cb (gpointer user_data)
{
  WabizServices *self = user_data;
  StopStep       step = GPOINTER_TO_UINT (g_task_get_task_data (self->stopping));

  self->deadline_source = 0;
  if (step >= STOP_DATABASE)
    return G_SOURCE_REMOVE;

  g_warning ("Still busy at the stop deadline (step %u); closing the database anyway", step);
  g_task_set_task_data (self->stopping, GUINT_TO_POINTER (STOP_DATABASE), NULL);
  close_database (self);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ */

static void
wabiz_services_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WabizServices *self = WABIZ_SERVICES (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_services_dispose (GObject *object)
{
  WabizServices *self = WABIZ_SERVICES (object);

  /* stop_async holds a reference until it is done: this is a drop
   * without draining, as a test or a failed start does */
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->deadline_source, g_source_remove);
  clear_services (self);
  if (self->db != NULL)
    wabiz_db_close (self->db);
  g_clear_object (&self->db);
  if (self->embedded != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!wabiz_embedded_pg_release (self->embedded, &error))
        g_warning ("Cannot release the built-in database: %s", error->message);
    }
  g_clear_object (&self->embedded);

  G_OBJECT_CLASS (wabiz_services_parent_class)->dispose (object);
}

static void
wabiz_services_finalize (GObject *object)
{
  WabizServices *self = WABIZ_SERVICES (object);

  g_clear_pointer (&self->config, wabiz_config_free);
  g_clear_object (&self->cancellable);
  wabiz_secret_wipe (&self->db_password);
  g_free (self->embedded_dbname);
  g_free (self->error);
  g_free (self->listen_error);

  G_OBJECT_CLASS (wabiz_services_parent_class)->finalize (object);
}

static void
wabiz_services_class_init (WabizServicesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wabiz_services_get_property;
  object_class->dispose = wabiz_services_dispose;
  object_class->finalize = wabiz_services_finalize;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, WABIZ_TYPE_SERVICES_STATE, WABIZ_SERVICES_STATE_STOPPED,
                                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_services_init (WabizServices *self)
{
  self->pool_size = DEFAULT_POOL_SIZE;
  self->cancellable = g_cancellable_new ();
}

/**
 * wabiz_services_new:
 * @config: what to run with (copied): Meta's ids and secrets, the
 *   database (%NULL database_url: the built-in cluster), where to listen
 *   and the send rate
 * @flags: which services run
 *
 * Nothing starts until wabiz_services_start_async().
 */
WabizServices *
wabiz_services_new (const WabizConfig *config,
                    WabizServicesFlags flags)
{
  WabizServices *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_SERVICES, NULL);
  self->config = config_copy (config);
  self->flags = flags;
  return self;
}

/**
 * wabiz_services_set_database:
 * @password: (nullable): a password to add to the connection string
 * @embedded_dbname: (nullable): with the built-in cluster, use this
 *   database (created when missing) instead of the default one
 * @pool_size: connections in the pool (0: the default, 4)
 *
 * How to open the database; before wabiz_services_start_async().
 */
void
wabiz_services_set_database (WabizServices *self,
                             const char    *password,
                             const char    *embedded_dbname,
                             guint          pool_size)
{
  g_return_if_fail (WABIZ_IS_SERVICES (self));
  g_return_if_fail (self->state == WABIZ_SERVICES_STATE_STOPPED);

  wabiz_secret_wipe (&self->db_password);
  self->db_password = g_strdup (password);
  g_free (self->embedded_dbname);
  self->embedded_dbname = g_strdup (embedded_dbname);
  self->pool_size = pool_size > 0 ? pool_size : DEFAULT_POOL_SIZE;
}

static void
cancel_start_cb (GCancellable  *cancellable,
                 WabizServices *self)
{
  g_cancellable_cancel (self->cancellable);
}

/**
 * wabiz_services_start_async:
 *
 * Opens the database and starts the services @flags named, without
 * blocking. A remote database must be reached over verified TLS, and not
 * through Supabase's transaction pooler. Finishes when the state is
 * READY, or with the error the state FAILED carries.
 */
void
wabiz_services_start_async (WabizServices      *self,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  const char *url;

  g_return_if_fail (WABIZ_IS_SERVICES (self));
  g_return_if_fail (self->state == WABIZ_SERVICES_STATE_STOPPED);

  /* the steps run with our own cancellable, which a stop cancels too */
  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_services_start_async);
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (cancel_start_cb), g_object_ref (self), g_object_unref);
  set_state (self, WABIZ_SERVICES_STATE_STARTING, NULL);

  url = self->config->database_url;
  if (url != NULL && *url != '\0')
    {
      if (!wabiz_conninfo_check_pooler (url, &error) || !wabiz_conninfo_check_tls (url, &error))
        {
          fail_start (self, task, g_steal_pointer (&error));
          return;
        }
      open_database (self, g_steal_pointer (&task), url);
      return;
    }

  self->embedded = wabiz_embedded_pg_new (NULL, NULL);
  wabiz_embedded_pg_acquire_async (self->embedded, self->cancellable, acquired_cb, g_steal_pointer (&task));
}

gboolean
wabiz_services_start_finish (WabizServices *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_services_start_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * wabiz_services_stop_async:
 * @deadline_s: how long the requests, sends and batch in flight get to
 *   finish before the database is closed anyway
 *
 * Drains in order: the HTTP server (no new connections; requests in
 * flight answered), the sender, the processor; then closes the database
 * and releases the built-in cluster. Keeps @self alive until done.
 */
void
wabiz_services_stop_async (WabizServices      *self,
                           guint               deadline_s,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_SERVICES (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, wabiz_services_stop_async);

  if (self->stopping != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "Already stopping");
      return;
    }
  if (self->state == WABIZ_SERVICES_STATE_STOPPED)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* a start still under way ends as cancelled */
  g_cancellable_cancel (self->cancellable);
  set_state (self, WABIZ_SERVICES_STATE_STOPPING, NULL);
  g_task_set_task_data (task, GUINT_TO_POINTER (STOP_HTTP), NULL);
  self->stopping = g_steal_pointer (&task);
  self->deadline_source = g_timeout_add_seconds (deadline_s, deadline_cb, self);
  stop_next (self);
}

gboolean
wabiz_services_stop_finish (WabizServices *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_services_stop_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

WabizServicesState
wabiz_services_get_state (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), WABIZ_SERVICES_STATE_STOPPED);
  return self->state;
}

/* Why the state is FAILED, for the owner: what to do next. */
const char *
wabiz_services_get_error (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->error;
}

/* Why the HTTP server does not run although asked for (no App Secret,
 * the port taken), or %NULL. */
const char *
wabiz_services_get_listen_error (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->listen_error;
}

WabizServicesFlags
wabiz_services_get_flags (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), WABIZ_SERVICES_NONE);
  return self->flags;
}

/* Whether the database is the built-in cluster */
gboolean
wabiz_services_get_embedded (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), FALSE);
  return self->config->database_url == NULL || *self->config->database_url == '\0';
}

WabizDb *
wabiz_services_get_db (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->db;
}

WabizDbListener *
wabiz_services_get_listener (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->listener;
}

/* (nullable): without a phone number id and an access token there is no
 * Graph client, and messages stay queued */
WabizGraphClient *
wabiz_services_get_graph (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->graph;
}

WabizOutbox *
wabiz_services_get_outbox (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->outbox;
}

WabizWebhookProcessor *
wabiz_services_get_processor (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->processor;
}

/* Customers' files: their state, the files, a retry (the store:
 * wabiz_media_fetcher_get_store()) */
WabizMediaFetcher *
wabiz_services_get_media_fetcher (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->media;
}

/* What WaBiz does by itself after a customer writes, and the
 * composer's suggestions */
WabizAiJobs *
wabiz_services_get_ai_jobs (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->ai;
}

/* Gemini, when a key is set (the template editor's "Write with AI") */
WabizGeminiClient *
wabiz_services_get_gemini (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->gemini;
}

/* Sends campaigns (the calls: wabiz-campaign-model.h) */
WabizCampaignRunner *
wabiz_services_get_campaign_runner (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->campaigns;
}

/* Queues scheduled messages at their time (wabiz-scheduler.h) */
WabizScheduler *
wabiz_services_get_scheduler (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->scheduler;
}

/* Finds stop words in what customers write (the check:
 * wabiz_opt_out_check_async()) */
WabizOptOut *
wabiz_services_get_opt_out (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->opt_out;
}

WabizWebhook *
wabiz_services_get_webhook (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->webhook;
}

WabizRestApi *
wabiz_services_get_rest (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->rest;
}

WabizHttpServer *
wabiz_services_get_http (WabizServices *self)
{
  g_return_val_if_fail (WABIZ_IS_SERVICES (self), NULL);
  return self->http;
}
