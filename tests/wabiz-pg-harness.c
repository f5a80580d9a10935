/* wabiz-pg-harness.c: starts and stops the test run's PostgreSQL
 *
 * SPDX-License-Identifier: MIT
 *
 *   wabiz-pg-harness start DIR   prints the connection string (no dbname)
 *   wabiz-pg-harness stop DIR
 *
 * As root the server runs as the "postgres" user (WabizPgServer does it).
 */

#include "config.h"

#include <stdio.h>
#include <sys/stat.h>

#include "wabiz-pg-server.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(WabizPgServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *sock = NULL;

  if (argc != 3 || (g_strcmp0 (argv[1], "start") != 0 && g_strcmp0 (argv[1], "stop") != 0))
    {
      fprintf (stderr, "usage: %s start|stop DIR\n", argv[0]);
      return 2;
    }

  g_mkdir_with_parents (argv[2], 0755);
  chmod (argv[2], 0755);
  data = g_build_filename (argv[2], "data", NULL);
  sock = g_build_filename (argv[2], "s", NULL);
  server = wabiz_pg_server_new (data, sock);
  wabiz_pg_server_set_fast (server, TRUE);
  wabiz_pg_server_add_option (server, "max_connections", "300");

  if (g_str_equal (argv[1], "start"))
    {
      if (!wabiz_pg_server_start (server, &error))
        {
          fprintf (stderr, "wabiz-pg-harness: %s\n", error->message);
          return 1;
        }
      printf ("host='%s' port=5432 user=%s\n", sock, WABIZ_PG_ROLE);
      return 0;
    }

  if (!wabiz_pg_server_stop (server, &error))
    {
      fprintf (stderr, "wabiz-pg-harness: %s\n", error->message);
      return 1;
    }
  return 0;
}
