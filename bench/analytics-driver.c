/* analytics-driver.c: the Analytics figures on a large history, measured
 *
 * SPDX-License-Identifier: MIT
 *
 * Seeds N messages (1,000,000 by default) over the last 400 days, among
 * 20,000 customers with a lead each, then times each statement of
 * wabiz_analytics_run_async() (the refresh and period, and each group of
 * figures, which run at the same time on the pool) for the last 30 days and the last year, the whole call (the
 * groups at once on the pool), EXPLAIN ANALYZE of each group, and the
 * refresh after an hour of traffic; then, after a busy day (--today
 * messages since today's UTC midnight), the last 7 days, whose last local
 * day in Europe/Berlin holds nearly all of them. Run through
 * bench/analytics.
 */

#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include "wabiz-analytics.h"
#include "wabiz-migrations.h"
#include "wabiz-test-pg.h"

#define ZONE "Europe/Berlin"
#define HOURS "{540,1080,540,1080,540,1080,540,1080,540,1080,0,0,0,0}"
#define RUNS 7

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static WabizDbResult *
exec (WabizDb            *db,
      const char         *sql,
      int                 n_params,
      const char * const *params)
{
  g_autoptr(GError) error = NULL;
  WabizDbResult *res = wabiz_db_query_sync (db, sql, n_params, params, NULL, &error);

  if (res == NULL)
    g_error ("%s: %s", sql, error->message);
  return res;
}

/* Runs @sql for its effect */
static void
run_sql (WabizDb            *db,
         const char         *sql,
         int                 n_params,
         const char * const *params)
{
  g_autoptr(WabizDbResult) res = exec (db, sql, n_params, params);
}

/* Runs the script @task_data on one connection without the pool's
 * statement timeout (seeding a million rows takes longer) */
static void
long_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  GError *error = NULL;
  gboolean ok;

  ok = wabiz_db_conn_exec_script (conn, "SET statement_timeout = 0", &error) &&
       wabiz_db_conn_exec_script (conn, task_data, &error) &&
       wabiz_db_conn_exec_script (conn, "SET statement_timeout = '60s'", &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
run_long (WabizDb    *db,
          const char *sql)
{
  g_autoptr(GError) error = NULL;

  if (!wabiz_db_run_sync (db, long_job, (gpointer) sql, NULL, NULL, &error))
    g_error ("%s: %s", sql, error->message);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The median of RUNS runs of @sql, after one to warm the cache */
static double
time_statement (WabizDb            *db,
                const char         *sql,
                int                 n_params,
                const char * const *params)
{
  double times[RUNS];

  run_sql (db, sql, n_params, params);
  for (guint i = 0; i < RUNS; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(WabizDbResult) res = exec (db, sql, n_params, params);

      times[i] = ms_since (t0);
    }
  qsort (times, RUNS, sizeof times[0], compare_double);
  return times[RUNS / 2];
}

static char *
execution_time (WabizDb            *db,
                const char         *sql,
                int                 n_params,
                const char * const *params)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN (ANALYZE, FORMAT JSON) ", sql, NULL);
  g_autoptr(WabizDbResult) res = exec (db, explain, n_params, params);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *plan;

  if (!json_parser_load_from_data (parser, wabiz_db_result_get_nth (res, 0, 0), -1, NULL))
    return g_strdup ("?");
  plan = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  return g_strdup_printf ("%.1f ms", json_object_get_double_member (plan, "Execution Time"));
}

static double
time_run (WabizDb             *db,
          WabizAnalyticsQuery *query)
{
  double times[RUNS];

  for (guint i = 0; i < RUNS + 1; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(JsonObject) report = NULL;
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();

      wabiz_analytics_run_async (db, query, WABIZ_ANALYTICS_ALL, NULL, wabiz_test_store_result_cb, &result);
      wabiz_test_wait_result (&result, 600);
      report = wabiz_analytics_run_finish (result, &error);
      if (report == NULL)
        g_error ("analytics: %s", error->message);
      if (i > 0)
        times[i - 1] = ms_since (t0);
      if (i == 0)
        g_print ("  (%'" G_GINT64_FORMAT " messages in the period)\n",
                 json_object_get_int_member (report, "total_messages"));
    }
  qsort (times, RUNS, sizeof times[0], compare_double);
  return times[RUNS / 2];
}

static void
seed (WabizDb *db,
      guint    n_messages)
{
  g_autofree char *messages = NULL;
  gint64 t0 = g_get_monotonic_time ();

  run_sql (db,
    "INSERT INTO leads (phone, name, status, created_at)"
    " SELECT '4477009' || lpad(g::text, 5, '0'), 'Lead ' || g,"
    "  (ARRAY['NEW','CONTACTED','INTERESTED','CONVERTED','LOST'])[1 + g % 5],"
    "  now() - (random() * 400) * interval '1 day'"
    " FROM generate_series(1, 20000) g", 0, NULL);

  /* half inbound; outbound: half read, a quarter delivered, some sent,
   * 5% failed for one of three reasons, 5% still queued */
  messages = g_strdup_printf (
    "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\", sent_at,"
    " delivered_at, read_at, error_code, error_title)"
    " SELECT phone, 'hello ' || g, dir, CASE WHEN dir = 'inbound' THEN 'received' ELSE st END,"
    "  (ARRAY['text','text','text','text','text','text','image','template','document','audio'])[1 + g %% 10],"
    "  ts,"
    "  CASE WHEN dir = 'outbound' AND st IN ('sent','delivered','read') THEN ts + interval '2 seconds' END,"
    "  CASE WHEN dir = 'outbound' AND st IN ('delivered','read') THEN ts + interval '5 seconds' END,"
    "  CASE WHEN dir = 'outbound' AND st = 'read' THEN ts + interval '5 minutes' END,"
    "  CASE WHEN dir = 'outbound' AND st = 'failed' THEN (ARRAY[131026, 131047, 130472])[1 + g %% 3] END,"
    "  CASE WHEN dir = 'outbound' AND st = 'failed' THEN (ARRAY['Message undeliverable',"
    "   'Re-engagement message', 'Experiment'])[1 + g %% 3] END"
    " FROM (SELECT g, '4477009' || lpad((1 + (g::bigint * 7919) %% 20000)::text, 5, '0') phone,"
    "   CASE WHEN random() < 0.5 THEN 'inbound' ELSE 'outbound' END dir,"
    "   (ARRAY['read','read','read','read','read','read','read','read','read','read','delivered',"
    "     'delivered','delivered','delivered','delivered','sent','sent','sent','failed','queued'])"
    "     [1 + floor(random() * 20)::int] st,"
    "   now() - (random() * 400) * interval '1 day' ts"
    "  FROM generate_series(1, %u) g) s", n_messages);
  run_long (db, messages);
  g_print ("seed: %'u messages and 20,000 leads in %.1f s\n", n_messages, ms_since (t0) / 1000);

  t0 = g_get_monotonic_time ();
  run_long (db, "SELECT wabiz_analytics_refresh(), wabiz_analytics_refresh_leads()");
  g_print ("summaries of the whole history (once, as migration 014 does on an existing history):"
           " %.1f s\n", ms_since (t0) / 1000);
  run_long (db, "VACUUM ANALYZE");
}

static void
measure (WabizDb    *db,
         const char *label,
         guint       days)
{
  g_autoptr(WabizAnalyticsQuery) query = wabiz_analytics_query_new (WABIZ_ANALYTICS_PERIOD_CUSTOM);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) start = g_date_time_add_days (now, -(int) (days - 1));
  g_autofree char *first = g_date_time_format (start, "%Y-%m-%d");
  g_autofree char *last = g_date_time_format (now, "%Y-%m-%d");
  const char *params[] = { first, last, ZONE, HOURS };
  const char *period_params[] = { "custom", first, last, ZONE, NULL };
  struct { const char *name; const char *sql; int n; } groups[] = {
    { "messages", "SELECT wabiz_analytics_messages($1::date, $2::date, $3)", 3 },
    { "leads", "SELECT wabiz_analytics_leads($1::date, $2::date, $3)", 3 },
    { "replies", "SELECT wabiz_analytics_replies($1::date, $2::date, $3, $4::int[])", 4 },
    { "reply times", "SELECT wabiz_analytics_reply_times($1::date, $2::date, $3)", 3 },
  };
  GDate a, b;

  g_date_clear (&a, 1);
  g_date_clear (&b, 1);
  g_date_set_dmy (&a, g_date_time_get_day_of_month (start), g_date_time_get_month (start),
                  g_date_time_get_year (start));
  g_date_set_dmy (&b, g_date_time_get_day_of_month (now), g_date_time_get_month (now), g_date_time_get_year (now));
  wabiz_analytics_query_set_days (query, &a, &b);
  wabiz_analytics_query_set_time_zone (query, ZONE);

  g_print ("\n%s (%s … %s, %s), median of %d:\n", label, first, last, ZONE, RUNS);
  g_print ("  %-34s %7.1f ms\n", "refresh (nothing changed)",
           time_statement (db, "SELECT wabiz_analytics_refresh(), wabiz_analytics_refresh_leads()", 0, NULL));
  g_print ("  %-34s %7.1f ms\n", "period",
           time_statement (db, "SELECT * FROM wabiz_analytics_period($1, $2::date, $3::date, $4, $5::timestamptz)",
                           5, period_params));
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      g_autofree char *label_text = g_strdup_printf ("group %s", groups[i].name);
      double t = time_statement (db, groups[i].sql, groups[i].n, params);
      g_autofree char *explained = execution_time (db, groups[i].sql, groups[i].n, params);

      g_print ("  %-34s %7.1f ms   (EXPLAIN ANALYZE: %s)\n", label_text, t, explained);
    }
  g_print ("  %-34s %7.1f ms\n", "wabiz_analytics_run_async (all)", time_run (db, query));
}

/* An hour of a busy number: 2,000 messages and 3,000 status updates,
 * then the first look at the figures refreshes the summaries. */
static void
measure_refresh_after_traffic (WabizDb *db)
{
  gint64 t0;

  run_sql (db,
    "INSERT INTO messages (phone, direction, status, type, \"timestamp\", message_id)"
    " SELECT '4477009' || lpad((1 + g % 20000)::text, 5, '0'),"
    "  CASE WHEN g % 2 = 0 THEN 'inbound' ELSE 'outbound' END,"
    "  CASE WHEN g % 2 = 0 THEN 'received' ELSE 'accepted' END, 'text',"
    "  now() - (g || ' seconds')::interval, 'wamid.bench' || g"
    " FROM generate_series(1, 2000) g", 0, NULL);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *wamid = g_strdup_printf ("wamid.bench%u", 1 + 2 * (i % 1000));
      const char *status = i < 1000 ? "sent" : i < 2000 ? "delivered" : "read";
      const char *params[] = { wamid, status };

      run_sql (db,
        "SELECT wabiz_apply_status($1, $2, now(), NULL, NULL, NULL, NULL, NULL)", 2, params);
    }
  g_print ("\n3,000 status updates through wabiz_apply_status(), one statement each: %.2f ms each\n",
           ms_since (t0) / 3000);
  t0 = g_get_monotonic_time ();
  run_sql (db, "SELECT wabiz_analytics_refresh(), wabiz_analytics_refresh_leads()", 0, NULL);
  g_print ("refresh after 2,000 messages and 3,000 status updates: %.1f ms\n", ms_since (t0));
}

/* One statement that moves many rows, on a connection whose update
 * triggers were first planned for one row (as a processor's are): the
 * triggers' cost per row should not grow with the rows (migration 029).
 * The first statement of each script plans them, on its connection. */
static void
measure_bulk_updates (WabizDb *db)
{
  gint64 t0;

  t0 = g_get_monotonic_time ();
  run_long (db,
    "UPDATE messages SET status = 'read' WHERE message_id = 'wamid.bench1';"
    "UPDATE messages SET status = 'failed' WHERE message_id IN"
    " (SELECT 'wamid.bench' || g FROM generate_series(1, 2000) g)");
  g_print ("one statement updating 2,000 messages, after one updating one: %.1f ms\n", ms_since (t0));

  t0 = g_get_monotonic_time ();
  run_long (db,
    "UPDATE leads SET last_contact = now() WHERE id = (SELECT id FROM leads ORDER BY id LIMIT 1);"
    "UPDATE leads SET last_contact = now() WHERE id IN (SELECT id FROM leads ORDER BY id LIMIT 5000)");
  g_print ("one statement updating 5,000 leads' last contact, after one updating one: %.1f ms\n",
           ms_since (t0));
}

/* A busy day: @n more messages since today's UTC midnight, added to the
 * summaries. */
static void
seed_today (WabizDb *db,
            guint    n)
{
  g_autofree char *sql = NULL;
  gint64 t0 = g_get_monotonic_time ();

  sql = g_strdup_printf (
    "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\")"
    " SELECT '4477009' || lpad((1 + g %% 20000)::text, 5, '0'), 'today ' || g,"
    "  CASE WHEN g %% 2 = 0 THEN 'inbound' ELSE 'outbound' END,"
    "  CASE WHEN g %% 2 = 0 THEN 'received' ELSE 'read' END, 'text', midnight + random() * (now() - midnight)"
    " FROM generate_series(1, %u) g,"
    "  (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS midnight) m;"
    "SELECT wabiz_analytics_refresh(), wabiz_analytics_refresh_leads()", n);
  run_long (db, sql);
  g_print ("\n%'u messages since today's UTC midnight, added to the summaries in %.1f s\n", n,
           ms_since (t0) / 1000);
  run_long (db, "VACUUM ANALYZE messages");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *conninfo = NULL;
  g_autoptr(WabizDb) db = NULL;
  g_autoptr(GError) error = NULL;
  guint n_messages = 1000000;
  guint n_today = 200000;
  GOptionEntry entries[] = {
    { "messages", 'n', 0, G_OPTION_ARG_INT, &n_messages, "Messages to seed", "N" },
    { "today", 0, 0, G_OPTION_ARG_INT, &n_today, "Messages of the busy day", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- time the Analytics figures");

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  conninfo = wabiz_test_pg_new_database ();
  db = wabiz_db_new (conninfo, NULL, 4);
  if (!wabiz_migrations_apply_sync (db, NULL, &error))
    g_error ("migrations: %s", error->message);

  seed (db, n_messages);
  measure (db, "30 days", 30);
  measure (db, "a year", 365);
  measure_refresh_after_traffic (db);
  measure_bulk_updates (db);
  measure (db, "30 days, after that traffic", 30);
  seed_today (db, n_today);
  measure (db, "7 days, after a busy day", 7);

  wabiz_db_close (db);
  return 0;
}
