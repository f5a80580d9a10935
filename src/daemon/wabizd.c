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
#include "wabiz-services.h"

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
  GMainLoop     *loop;
  WabizConfig   *config;
  WabizServices *services;
  gboolean       reprocess;
  gboolean       stopping;
  int            exit_code;
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
/* shutdown: stop accepting, answer what is in flight, finish the sends
 * and the batch, close (WabizServices does it, in that order) */

static void
stopped_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_services_stop_finish (WABIZ_SERVICES (object), result, &error))
    g_warning ("Did not stop cleanly: %s", error->message);
  g_main_loop_quit (daemon->loop);
}

static void
stop (Daemon *daemon)
{
  if (daemon->stopping)
    return;
  daemon->stopping = TRUE;
  wabiz_services_stop_async (daemon->services, DRAIN_TIMEOUT_S, stopped_cb, daemon);
}

static gboolean
stop_signal_cb (gpointer user_data)
{
  stop (user_data);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* starting */

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
  stop (daemon);
}

static void
started_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Daemon *daemon = user_data;
  WabizServices *services = WABIZ_SERVICES (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (!wabiz_services_start_finish (services, result, &error))
    {
      if (!daemon->stopping)
        fprintf (stderr, "wabizd: %s\n", error->message);
      daemon->exit_code = 1;
      g_main_loop_quit (daemon->loop);
      return;
    }
  if (daemon->stopping)
    return;

  if (daemon->reprocess)
    {
      wabiz_webhook_processor_reprocess_async (wabiz_services_get_processor (services), NULL,
                                               reprocess_cb, daemon);
      return;
    }

  if (wabiz_services_get_http (services) == NULL)
    {
      fprintf (stderr, "wabizd: %s\n", wabiz_services_get_listen_error (services));
      daemon->exit_code = 1;
      stop (daemon);
      return;
    }

  url = wabiz_http_server_dup_url (wabiz_services_get_http (services));
  fprintf (stderr, "wabizd: listening on %s\n", url);
  fflush (stderr);
}

static void
daemon_clear (Daemon *daemon)
{
  g_clear_object (&daemon->services);
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
  daemon.reprocess = reprocess;
  if (daemon.config->api_key == NULL && !reprocess)
    g_warning ("WABIZ_API_KEY is not set: the REST API answers 401 to every call");

  /* --reprocess: the database and the processor, nothing that sends or
   * receives */
  daemon.services = wabiz_services_new (daemon.config, reprocess ? WABIZ_SERVICES_NONE
                                                                 : WABIZ_SERVICES_SEND | WABIZ_SERVICES_PROCESS |
                                                                     WABIZ_SERVICES_LISTEN | WABIZ_SERVICES_NOTIFY);
  wabiz_services_set_database (daemon.services, NULL, NULL, DB_POOL_SIZE);
  wabiz_services_start_async (daemon.services, NULL, started_cb, &daemon);

  g_unix_signal_add (SIGTERM, stop_signal_cb, &daemon);
  g_unix_signal_add (SIGINT, stop_signal_cb, &daemon);

  g_main_loop_run (daemon.loop);

  g_message ("Stopped");
  daemon_clear (&daemon);
  return daemon.exit_code;
}
