/* outbox-rate-driver.c: the outbox sender's pacing, measured
 *
 * SPDX-License-Identifier: MIT
 *
 * Queues N template messages in a fresh database, starts the sender at
 * RATE messages/s against an in-process wabiz-sim and, when every message
 * is settled, compares the simulator's ledger timestamps with the ideal
 * schedule (first + i / RATE). Run through bench/outbox-rate.
 */

#include "config.h"

#include <stdlib.h>

#include "wabiz-graph-client.h"
#include "wabiz-migrations.h"
#include "wabiz-outbox.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"

static guint n_settled;
static guint n_queued;

static void
settled_cb (WabizOutbox *outbox,
            const char  *uuid,
            const char  *status,
            gpointer     user_data)
{
  n_settled++;
}

static void
queued_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);

  if (uuid == NULL)
    g_error ("queue: %s", error->message);
  n_queued++;
}

static gboolean
all_queued (gpointer data)
{
  return n_queued >= GPOINTER_TO_UINT (data);
}

static gboolean
all_settled (gpointer data)
{
  return n_settled >= GPOINTER_TO_UINT (data);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  int n = 10000;
  double rate = 80;
  GOptionEntry entries[] = {
    { "messages", 'n', 0, G_OPTION_ARG_INT, &n, "How many messages (10000)", "N" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate, "Messages per second (80)", "RATE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- outbox pacing benchmark");
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;
  g_autoptr(WabizDb) db = NULL;
  g_autoptr(WabizSimServer) sim = NULL;
  g_autoptr(WabizGraphClient) graph = NULL;
  g_autoptr(WabizOutbox) outbox = NULL;
  g_autoptr(JsonArray) ledger = NULL;
  g_autofree gint64 *times = NULL;
  g_autofree double *late = NULL;
  guint len, accepted = 0;
  gint64 wall_start;
  gint64 real_start;
  g_autofree double *late_start = NULL;
  double span, achieved;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n < 2 || rate <= 0)
    {
      g_printerr ("need at least 2 messages and a positive rate\n");
      return 2;
    }

  g_printerr ("outbox-rate: preparing PostgreSQL and wabiz-sim...\n");
  conninfo = wabiz_test_pg_new_database ();
  db = wabiz_db_new (conninfo, NULL, 6);
  if (!wabiz_migrations_apply_sync (db, NULL, &error))
    g_error ("migrations: %s", error->message);

  sim = wabiz_sim_server_new ();
  if (!wabiz_sim_server_start (sim, &error))
    g_error ("simulator: %s", error->message);
  {
    g_autoptr(JsonNode) cfg = json_from_string ("{\"status_delay_ms\": 0, \"ledger_limit\": 1000000}", NULL);

    wabiz_sim_server_update_config (sim, json_node_get_object (cfg), NULL);
  }

  graph = wabiz_graph_client_new (wabiz_sim_server_get_base_url (sim), "v19.0",
                                  WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID, WABIZ_SIM_DEFAULT_WABA_ID,
                                  WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  outbox = wabiz_outbox_new (db, graph, rate);
  g_signal_connect (outbox, "message-settled", G_CALLBACK (settled_cb), NULL);

  g_printerr ("outbox-rate: queueing %d messages...\n", n);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *to = g_strdup_printf ("1631555%04d", i % 10000);
      g_autoptr(WabizOutgoing) m = wabiz_outgoing_new_template (to, "hello_world", "en_US", NULL);

      wabiz_outbox_queue_async (outbox, m, NULL, queued_cb, NULL);
    }
  wabiz_test_wait_until (all_queued, GUINT_TO_POINTER (n), 600);

  g_printerr ("outbox-rate: sending at %.1f/s (about %.0f s)...\n", rate, n / rate);
  wall_start = g_get_monotonic_time ();
  real_start = g_get_real_time ();
  wabiz_outbox_start (outbox);
  wabiz_test_wait_until (all_settled, GUINT_TO_POINTER (n), (guint) (n / rate * 2 + 120));

  ledger = wabiz_sim_server_dup_ledger (sim, 0);
  len = json_array_get_length (ledger);
  times = g_new (gint64, len);
  for (guint i = 0; i < len; i++)
    {
      JsonObject *e = json_array_get_object_element (ledger, i);

      times[i] = json_object_get_int_member (e, "received_at_us");
      if (g_strcmp0 (json_object_get_string_member_with_default (e, "result", ""), "accepted") == 0)
        accepted++;
    }
  qsort (times, len, sizeof *times, compare_int64);

  /* the schedule: message i due at start + i / rate; "start" is either
   * the first message's arrival or the moment the sender was started
   * (which adds taking the lock, the crash check and the first claim) */
  late = g_new (double, len);
  late_start = g_new (double, len);
  for (guint i = 0; i < len; i++)
    {
      late[i] = (times[i] - times[0]) / 1000.0 - i * 1000.0 / rate;
      late_start[i] = (times[i] - real_start) / 1000.0 - i * 1000.0 / rate;
    }
  qsort (late, len, sizeof *late, compare_double);
  qsort (late_start, len, sizeof *late_start, compare_double);

  span = (times[len - 1] - times[0]) / (double) G_USEC_PER_SEC;
  achieved = (len - 1) / span;

  g_print ("messages:        %u sent, %u accepted by the simulator\n", len, accepted);
  g_print ("target rate:     %.2f msg/s\n", rate);
  g_print ("achieved rate:   %.2f msg/s (%+.2f %%), first to last %.3f s, wall %.3f s\n",
           achieved, 100.0 * (achieved - rate) / rate, span,
           (g_get_monotonic_time () - wall_start) / (double) G_USEC_PER_SEC);
  g_print ("lateness vs schedule (first message + i/rate): p50 %.2f ms, p99 %.2f ms, max %.2f ms, min %.2f ms\n",
           late[len / 2], late[(guint) (len * 0.99)], late[len - 1], late[0]);
  g_print ("lateness vs schedule (sender start + i/rate):  p50 %.2f ms, p99 %.2f ms, max %.2f ms, min %.2f ms\n",
           late_start[len / 2], late_start[(guint) (len * 0.99)], late_start[len - 1], late_start[0]);

  {
    g_autoptr(GAsyncResult) result = NULL;

    wabiz_outbox_stop_async (outbox, NULL, wabiz_test_store_result_cb, &result);
    wabiz_test_wait_result (&result, 60);
  }
  wabiz_sim_server_stop (sim);
  return 0;
}
