/* wabizd.c: WaBiz without a display — webhook receiver, REST API and
 * outbox sender for a server
 *
 * SPDX-License-Identifier: MIT
 *
 *   wabizd [--env-file FILE] [--host ADDR] [--port N] [--reprocess]
 *
 * Exit status: 0 after SIGTERM/SIGINT (or a finished --reprocess with
 * nothing failing), 1 when it cannot start (database, port), 2 for a
 * missing or invalid setting.
 */

#define G_LOG_DOMAIN "wabizd"

#include "config.h"

#include "wabiz-config.h"
#include "wabiz-conninfo.h"
#include "wabiz-db.h"
#include "wabiz-embedded-pg.h"
#include "wabiz-graph-client.h"
#include "wabiz-http-server.h"
#include "wabiz-migrations.h"
#include "wabiz-outbox.h"
#include "wabiz-rest-api.h"
#include "wabiz-webhook.h"
#include "wabiz-webhook-processor.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_CONFIG 2
#define DB_POOL_SIZE 10
/* in-flight requests and sends get this long after SIGTERM */
#define DRAIN_TIMEOUT_S 60

typedef struct
{
  GMainLoop             *loop;
  WabizConfig           *config;
  WabizEmbeddedPg       *embedded;
  WabizDb               *db;
  WabizGraphClient      *graph;
  WabizOutbox           *outbox;
  WabizWebhook          *webhook;
  WabizWebhookProcessor *processor;
  WabizRestApi          *rest;
  WabizHttpServer       *http;
  gboolean               stopping;
  guint                  drain_timeout;
  int                    exit_code;
} Daemon;

/* ------------------------------------------------------------------ */
/* logging: one line per message on stderr, with its level */

static const char *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "notice";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }

  if ((log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0 &&
      g_log_writer_default_would_drop (log_level, domain))
    return G_LOG_WRITER_HANDLED;

  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  fprintf (stderr, "wabizd: %s %s: %s: %s\n", stamp, level_name (log_level),
           domain != NULL ? domain : "wabiz", message != NULL ? message : "");
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

/* ------------------------------------------------------------------ */
/* shutdown: stop accepting, finish requests, finish sends, stop */

static void
finish (Daemon *daemon)
{
  g_clear_handle_id (&daemon->drain_timeout, g_source_remove);
  g_main_loop_quit (daemon->loop);
}

static void
processor_stopped_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Daemon *daemon = user_data;

  wabiz_webhook_processor_stop_finish (WABIZ_WEBHOOK_PROCESSOR (object), result, NULL);
  g_debug ("Processor stopped");
  finish (daemon);
}

static void
outbox_stopped_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_outbox_stop_finish (WABIZ_OUTBOX (object), result, &error))
    g_warning ("The outbox did not stop cleanly: %s", error->message);
  g_debug ("Outbox stopped");
  wabiz_webhook_processor_stop_async (daemon->processor, NULL, processor_stopped_cb, daemon);
}

static void
drained_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Daemon *daemon = user_data;

  wabiz_http_server_drain_finish (WABIZ_HTTP_SERVER (object), result, NULL);
  g_message ("Requests answered (%" G_GUINT64_FORMAT " webhook deliveries stored); finishing sends",
             wabiz_webhook_get_n_accepted (daemon->webhook));
  wabiz_outbox_stop_async (daemon->outbox, NULL, outbox_stopped_cb, daemon);
}

static gboolean
drain_timeout_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->drain_timeout = 0;
  g_warning ("Still busy %u s after the stop signal; stopping anyway", DRAIN_TIMEOUT_S);
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_signal_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (daemon->stopping)
    return G_SOURCE_CONTINUE;
  daemon->stopping = TRUE;

  g_message ("Stopping: no new connections, finishing %u requests in flight",
             wabiz_http_server_get_n_in_flight (daemon->http));
  daemon->drain_timeout = g_timeout_add_seconds (DRAIN_TIMEOUT_S, drain_timeout_cb, daemon);
  wabiz_http_server_drain_async (daemon->http, NULL, drained_cb, daemon);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */

static void
reprocess_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;
  guint n_failed = 0;
  guint n;

  n = wabiz_webhook_processor_reprocess_finish (WABIZ_WEBHOOK_PROCESSOR (object), result, &n_failed, &error);
  if (error != NULL)
    {
      g_warning ("Cannot reprocess the failed webhook events: %s", error->message);
      daemon->exit_code = 1;
    }
  else
    {
      g_message ("Reprocessed failed webhook events: %u processed, %u still failing", n, n_failed);
      daemon->exit_code = n_failed > 0 ? 1 : 0;
    }
  g_main_loop_quit (daemon->loop);
}

static gboolean
open_database (Daemon  *daemon,
               GError **error)
{
  g_autofree char *conninfo = NULL;

  if (daemon->config->database_url != NULL)
    conninfo = g_strdup (daemon->config->database_url);
  else
    {
      daemon->embedded = wabiz_embedded_pg_new (NULL, NULL);
      conninfo = wabiz_embedded_pg_acquire_sync (daemon->embedded, error);
      if (conninfo == NULL)
        return FALSE;
    }

  daemon->db = wabiz_db_new (conninfo, NULL, DB_POOL_SIZE);
  g_message ("Using %s%s", wabiz_db_get_description (daemon->db),
             daemon->embedded != NULL ? " (built-in)" : "");
  memset (conninfo, 0, strlen (conninfo));

  return wabiz_migrations_apply_sync (daemon->db, NULL, error);
}

static void
daemon_clear (Daemon *daemon)
{
  g_clear_object (&daemon->http);
  g_clear_object (&daemon->rest);
  g_clear_object (&daemon->webhook);
  g_clear_object (&daemon->processor);
  g_clear_object (&daemon->outbox);
  g_clear_object (&daemon->graph);
  if (daemon->db != NULL)
    wabiz_db_close (daemon->db);
  g_clear_object (&daemon->db);
  if (daemon->embedded != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!wabiz_embedded_pg_release (daemon->embedded, &error))
        g_warning ("Cannot release the built-in database: %s", error->message);
    }
  g_clear_object (&daemon->embedded);
  g_clear_pointer (&daemon->config, wabiz_config_free);
  g_clear_pointer (&daemon->loop, g_main_loop_unref);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *env_file = NULL;
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autofree char *url = NULL;
  gboolean reprocess = FALSE;
  gboolean version = FALSE;
  Daemon daemon = { 0 };
  const GOptionEntry entries[] = {
    { "env-file", 0, 0, G_OPTION_ARG_FILENAME, &env_file,
      N_("Read settings from FILE (NAME=value lines; mode 0600)"), N_("FILE") },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, N_("Listen on ADDR (default 127.0.0.1)"), N_("ADDR") },
    { "port", 0, 0, G_OPTION_ARG_STRING, &port, N_("Listen on port N (default 10000)"), N_("N") },
    { "reprocess", 0, 0, G_OPTION_ARG_NONE, &reprocess,
      N_("Process the webhook events that failed before, then exit"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Show the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_log_set_writer_func (log_writer, NULL, NULL);
  /* a peer that hangs up must not kill the daemon */
  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("WaBiz server: receives Meta's webhooks, serves the REST API "
                                           "and sends the outbox."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "wabizd: %s\n", error->message);
      return EXIT_CONFIG;
    }
  if (version)
    {
      g_print ("wabizd %s\n", PACKAGE_VERSION);
      return 0;
    }

  daemon.config = wabiz_config_load (env_file, &error);
  if (daemon.config == NULL || !wabiz_config_override (daemon.config, host, port, &error))
    {
      fprintf (stderr, "wabizd: %s\n", error->message);
      daemon_clear (&daemon);
      return EXIT_CONFIG;
    }
  /* to another computer: TLS with the server verified, or nothing */
  if (daemon.config->database_url != NULL &&
      (!wabiz_conninfo_check_pooler (daemon.config->database_url, &error) ||
       !wabiz_conninfo_check_tls (daemon.config->database_url, &error)))
    {
      fprintf (stderr, "wabizd: DATABASE_URL: %s\n", error->message);
      daemon_clear (&daemon);
      return EXIT_CONFIG;
    }

  daemon.loop = g_main_loop_new (NULL, FALSE);

  if (!open_database (&daemon, &error))
    {
      fprintf (stderr, "wabizd: %s\n", error->message);
      daemon_clear (&daemon);
      return 1;
    }

  daemon.processor = wabiz_webhook_processor_new (daemon.db, daemon.config->phone_number_id);

  if (reprocess)
    {
      wabiz_webhook_processor_reprocess_async (daemon.processor, NULL, reprocess_cb, &daemon);
      g_main_loop_run (daemon.loop);
      daemon_clear (&daemon);
      return daemon.exit_code;
    }

  daemon.graph = wabiz_graph_client_new (daemon.config->graph_url, daemon.config->graph_version,
                                         daemon.config->phone_number_id, daemon.config->waba_id,
                                         daemon.config->access_token);
  daemon.outbox = wabiz_outbox_new (daemon.db, daemon.graph, daemon.config->send_rate);
  daemon.webhook = wabiz_webhook_new (daemon.db, daemon.config->app_secret, daemon.config->verify_token);
  daemon.rest = wabiz_rest_api_new (daemon.db, daemon.outbox, daemon.graph, daemon.config->api_key);
  daemon.http = wabiz_http_server_new (daemon.config->host, daemon.config->port);
  if (daemon.config->api_key == NULL)
    g_warning ("WABIZ_API_KEY is not set: the REST API answers 401 to every call");

  g_signal_connect_swapped (daemon.webhook, "stored", G_CALLBACK (wabiz_webhook_processor_wake),
                            daemon.processor);
  wabiz_webhook_attach (daemon.webhook, wabiz_http_server_get_soup_server (daemon.http));
  wabiz_rest_api_attach (daemon.rest, wabiz_http_server_get_soup_server (daemon.http));

  if (!wabiz_http_server_start (daemon.http, &error))
    {
      fprintf (stderr, "wabizd: %s\n", error->message);
      daemon_clear (&daemon);
      return 1;
    }

  wabiz_webhook_processor_start (daemon.processor);
  wabiz_outbox_start (daemon.outbox);

  g_unix_signal_add (SIGTERM, stop_signal_cb, &daemon);
  g_unix_signal_add (SIGINT, stop_signal_cb, &daemon);

  url = wabiz_http_server_dup_url (daemon.http);
  fprintf (stderr, "wabizd: listening on %s\n", url);
  fflush (stderr);

  g_main_loop_run (daemon.loop);

  g_message ("Stopped");
  daemon_clear (&daemon);
  return daemon.exit_code;
}
