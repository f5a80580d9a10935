/* main.c
 *
 * SPDX-License-Identifier: MIT
 *
 * wabiz-sim [--host 127.0.0.1] [--port N] [--webhook-url URL]
 *           [--app-secret S] [--access-token T] [--phone-number-id ID]
 *           [--waba-id ID] [--gemini-key K]
 *
 * Prints "wabiz-sim: listening on http://HOST:PORT" on stdout once it
 * listens; stops cleanly on SIGTERM and SIGINT.
 */

#define G_LOG_DOMAIN "wabiz-sim"

#include "config.h"

#include "wabiz-sim-server.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static gboolean
quit_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_debug ("Stopping on signal");
  g_main_loop_quit (loop);

  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(WabizSimServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *webhook_url = NULL;
  g_autofree char *app_secret = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *phone_number_id = NULL;
  g_autofree char *waba_id = NULL;
  g_autofree char *gemini_key = NULL;
  gboolean version = FALSE;
  int port = 0;
  guint sigterm_id;
  guint sigint_id;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host,
      "Address to listen on (default 127.0.0.1)", "ADDR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port,
      "Port to listen on; 0 picks a free one (default 0)", "N" },
    { "webhook-url", 0, 0, G_OPTION_ARG_STRING, &webhook_url,
      "Where to POST signed webhooks (default: none)", "URL" },
    { "app-secret", 0, 0, G_OPTION_ARG_STRING, &app_secret,
      "App Secret that signs webhooks (default sim-app-secret)", "S" },
    { "access-token", 0, 0, G_OPTION_ARG_STRING, &access_token,
      "Graph API bearer token (default sim-access-token)", "T" },
    { "phone-number-id", 0, 0, G_OPTION_ARG_STRING, &phone_number_id,
      "Phone number id (default " WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID ")", "ID" },
    { "waba-id", 0, 0, G_OPTION_ARG_STRING, &waba_id,
      "WhatsApp Business Account id (default " WABIZ_SIM_DEFAULT_WABA_ID ")", "ID" },
    { "gemini-key", 0, 0, G_OPTION_ARG_STRING, &gemini_key,
      "Gemini API key (default sim-gemini-key)", "K" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Simulates the WhatsApp Cloud Graph API and the Gemini API "
                                "on loopback,\nwith a control API under /_sim/.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("wabiz-sim: %s\n", error->message);
      return 2;
    }

  if (version)
    {
      g_print ("wabiz-sim %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (port < 0 || port > 65535)
    {
      g_printerr ("wabiz-sim: --port must be between 0 and 65535\n");
      return 2;
    }

  if (webhook_url != NULL && *webhook_url != '\0' &&
      !g_str_has_prefix (webhook_url, "http://") && !g_str_has_prefix (webhook_url, "https://"))
    {
      g_printerr ("wabiz-sim: --webhook-url must be an http:// or https:// URL\n");
      return 2;
    }

  server = g_object_new (WABIZ_TYPE_SIM_SERVER,
                         "host", host,
                         "port", (guint) port,
                         "webhook-url", webhook_url,
                         "app-secret", app_secret,
                         "access-token", access_token,
                         "phone-number-id", phone_number_id,
                         "waba-id", waba_id,
                         "gemini-key", gemini_key,
                         NULL);

  if (!wabiz_sim_server_start (server, &error))
    {
      g_printerr ("wabiz-sim: cannot listen: %s\n", error->message);
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_cb, loop);
  sigint_id = g_unix_signal_add (SIGINT, quit_cb, loop);

  g_print ("wabiz-sim: listening on %s\n", wabiz_sim_server_get_base_url (server));
  fflush (stdout);

  g_main_loop_run (loop);

  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);
  wabiz_sim_server_stop (server);

  return EXIT_SUCCESS;
}
