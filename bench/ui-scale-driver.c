/* ui-scale-driver.c: the Leads pane on a million leads, measured from the running app
 *
 * SPDX-License-Identifier: MIT
 *
 * Seeds N leads (default 1,000,000) and a conversation of 100,000
 * messages into a fresh database, starts the app on it under the current
 * display and prints: time from start to the window's first frame and to
 * the first frame showing leads, time to show each pane, search latency for
 * a name prefix (model alone and through the search entry), keyset page
 * latency, a status filter, the time to open the big conversation and to
 * page back in it, and the app's RSS. Run through bench/ui-scale.
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wabiz-chat-view.h"
#include "wabiz-analytics-pane.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-leads-pane.h"
#include "wabiz-migrations.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"

#define BIG_PHONE "5511900000007"
#define OTHER_PHONE "5511900000101"
#define N_BIG 100000
#define N_SMALL 2000
/* a year of history beside them, to 1,000,000 messages in all, for the
 * Analytics pane */
#define N_HISTORY (1000000 - N_BIG - N_SMALL)

static gint64 start_us;
static gint64 window_built_us;
static gint64 first_frame_us;
static gint64 database_ready_us;
static gint64 leads_frame_us;
static guint n_leads = 1000000;

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static long
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static void
exec_sql (WabizDb    *db,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (db, sql, 0, NULL, NULL, &error);

  if (res == NULL)
    g_error ("%s: %s", sql, error->message);
}

static void
seed (const char *conninfo)
{
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *insert = NULL;
  gint64 t0 = g_get_monotonic_time ();

  if (!wabiz_migrations_apply_sync (db, NULL, &error))
    g_error ("migrations: %s", error->message);

  /* one connection: the bulk load may well take longer than the app's
   * statement timeout on a busy machine */
  exec_sql (db, "SET statement_timeout = 0");

  /* bulk load without the search indexes, then build them once */
  exec_sql (db, "DROP INDEX leads_name_trgm, leads_phone_trgm, leads_email_trgm, leads_tags");
  insert = g_strdup_printf (
    "INSERT INTO leads (phone, name, email, status, tags, last_contact, created_at) "
    "SELECT (5511900000000 + g)::text, "
    " (ARRAY['Ana','Bruno','Carla','Davi','Eva','Fábio','Gabi','Hugo'])[1 + g %% 8] || ' ' || "
    " (ARRAY['Souza','Lima','Dias','Rocha','Nunes','Alves','Costa'])[1 + (g / 8) %% 7] || ' ' || g, "
    " 'lead' || g || '@example.com', "
    " (ARRAY['NEW','CONTACTED','INTERESTED','CONVERTED','LOST'])[1 + g %% 5], "
    " CASE WHEN g %% 10 = 0 THEN '{vip}'::text[] ELSE '{}'::text[] END, "
    " CASE WHEN g %% 4 = 0 THEN NULL ELSE now() - g * interval '7 seconds' END, "
    " now() - g * interval '1 minute' "
    "FROM generate_series(1, %u) g", n_leads);
  exec_sql (db, insert);
  exec_sql (db, "CREATE INDEX leads_name_trgm ON leads USING gin (name gin_trgm_ops)");
  exec_sql (db, "CREATE INDEX leads_phone_trgm ON leads USING gin (phone gin_trgm_ops)");
  exec_sql (db, "CREATE INDEX leads_email_trgm ON leads USING gin (email gin_trgm_ops)");
  exec_sql (db, "CREATE INDEX leads_tags ON leads USING gin (tags)");
  exec_sql (db, "VACUUM ANALYZE leads");
  g_print ("seed: %'u leads in %.1f s\n", n_leads, ms_since (t0) / 1000);

  /* one customer who wrote a lot, and some who wrote once */
  t0 = g_get_monotonic_time ();
  insert = (g_free (insert), g_strdup_printf (
    "INSERT INTO messages (phone, message, direction, sender, status, type, \"timestamp\", message_id) "
    "SELECT '" BIG_PHONE "', 'message number ' || i || ' about order ' || (i * 7919) %% 100000, "
    " CASE WHEN i %% 3 = 0 THEN 'outbound' ELSE 'inbound' END, "
    " CASE WHEN i %% 3 = 0 THEN 'WaBiz' ELSE 'Customer' END, "
    " CASE WHEN i %% 3 = 0 THEN 'read' ELSE 'received' END, 'text', "
    " now() - (%u - i) * interval '5 minutes', 'wamid.bench.big.' || i "
    "FROM generate_series(1, %u) i", N_BIG, N_BIG));
  exec_sql (db, insert);
  insert = (g_free (insert), g_strdup_printf (
    "INSERT INTO messages (phone, message, direction, sender, status, type, \"timestamp\", message_id) "
    "SELECT (5511900000100 + i)::text, 'hello from ' || i, 'inbound', 'Customer', 'received', 'text', "
    " now() - i * interval '1 hour', 'wamid.bench.small.' || i "
    "FROM generate_series(1, %u) i", N_SMALL));
  exec_sql (db, insert);
  /* a year of everyday traffic over 20,000 customers: their texts, and
   * the business's answers, sent, delivered, read or failed */
  insert = (g_free (insert), g_strdup_printf (
    "INSERT INTO messages (phone, message, direction, sender, status, type, \"timestamp\", message_id,"
    "                      error_code, error_title) "
    "SELECT (5511900010000 + i %% 20000)::text, 'history ' || i, "
    " CASE WHEN i %% 2 = 0 THEN 'outbound' ELSE 'inbound' END, "
    " CASE WHEN i %% 2 = 0 THEN 'WaBiz' ELSE 'Customer' END, "
    " CASE WHEN i %% 2 = 1 THEN 'received' "
    "      ELSE (ARRAY['sent','delivered','read','read','failed'])[1 + (i / 2) %% 5] END, "
    " (ARRAY['text','text','text','image','document','audio'])[1 + i %% 6], "
    " now() - interval '365 days' + i * (interval '365 days' / %u), 'wamid.bench.history.' || i, "
    " CASE WHEN i %% 2 = 0 AND (i / 2) %% 5 = 4 THEN 131026 END, "
    " CASE WHEN i %% 2 = 0 AND (i / 2) %% 5 = 4 THEN 'Message undeliverable' END "
    "FROM generate_series(1, %u) i", N_HISTORY, N_HISTORY));
  exec_sql (db, insert);
  /* the summaries the Analytics pane reads are kept current as messages
   * arrive; bring them up to date once, as a running app finds them */
  exec_sql (db, "SELECT wabiz_analytics_refresh (), wabiz_analytics_refresh_leads ()");

  exec_sql (db, "INSERT INTO conversations (phone, total_messages, last_message, last_message_time, "
                "  last_direction, last_inbound_at) "
                "SELECT phone, count(*), (array_agg(message ORDER BY \"timestamp\" DESC))[1], "
                "  max(\"timestamp\"), 'inbound', max(\"timestamp\") "
                "FROM messages GROUP BY phone");
  /* as autovacuum leaves a database in use: every table vacuumed and
   * analysed, so that nothing measured below runs beside it or is planned
   * without statistics */
  exec_sql (db, "VACUUM ANALYZE");
  wabiz_db_close (db);

  g_print ("seed: a conversation of %'u messages, %'u small ones and %'u over a year in %.1f s\n", N_BIG,
           N_SMALL, N_HISTORY, ms_since (t0) / 1000);
}

static gboolean
model_idle (gpointer data)
{
  return !wabiz_leads_model_get_loading (data);
}

static void
load_more_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  wabiz_leads_model_load_more_finish (WABIZ_LEADS_MODEL (object), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* start-up phases, seen from the outside */

static void
after_paint_cb (GdkFrameClock *clock,
                gint64        *slot)
{
  if (*slot == 0)
    *slot = g_get_monotonic_time ();
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, slot);
}

static void
on_next_paint (GtkWidget *widget,
               gint64    *slot)
{
  g_signal_connect (gtk_widget_get_frame_clock (widget), "after-paint", G_CALLBACK (after_paint_cb), slot);
  gtk_widget_queue_draw (widget);
}

static void
window_realized_cb (GtkWidget *window)
{
  on_next_paint (window, &first_frame_us);
  /* the leads may be there before the window is */
  if (wabiz_pane_get_loaded (wabiz_window_get_pane (WABIZ_WINDOW (window), "leads")))
    on_next_paint (window, &leads_frame_us);
}

static void
leads_loaded_cb (WabizPane *pane)
{
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (pane)));

  if (wabiz_pane_get_loaded (pane) && leads_frame_us == 0 && window != NULL && gtk_widget_get_realized (window))
    on_next_paint (window, &leads_frame_us);
}

static void
database_state_cb (WabizApplication *app)
{
  if (database_ready_us == 0 && wabiz_application_get_database_state (app) == WABIZ_DATABASE_STATE_READY)
    database_ready_us = g_get_monotonic_time ();
}

static gboolean
window_added_hook (GSignalInvocationHint *hint,
                   guint                  n_values,
                   const GValue          *values,
                   gpointer               data)
{
  GtkApplication *app = g_value_get_object (&values[0]);
  GtkWindow *window = g_value_get_object (&values[1]);

  if (!WABIZ_IS_WINDOW (window))
    return TRUE;

  window_built_us = g_get_monotonic_time ();
  g_signal_connect (window, "realize", G_CALLBACK (window_realized_cb), NULL);
  g_signal_connect (wabiz_window_get_pane (WABIZ_WINDOW (window), "leads"), "notify::loaded",
                    G_CALLBACK (leads_loaded_cb), NULL);
  g_signal_connect (app, "notify::database-state", G_CALLBACK (database_state_cb), NULL);
  database_state_cb (WABIZ_APPLICATION (app));
  return FALSE;
}

static gboolean
messages_idle (gpointer data)
{
  WabizChatView *view = data;
  WabizMessagesModel *messages = wabiz_chat_view_get_messages (view);

  return messages != NULL && g_strcmp0 (wabiz_messages_model_get_phone (messages), BIG_PHONE) == 0 &&
         !wabiz_messages_model_get_loading (messages) &&
         g_list_model_get_n_items (G_LIST_MODEL (messages)) > 0;
}

static gboolean
other_idle (gpointer data)
{
  WabizMessagesModel *messages = wabiz_chat_view_get_messages (data);

  return messages != NULL && g_strcmp0 (wabiz_messages_model_get_phone (messages), OTHER_PHONE) == 0 &&
         !wabiz_messages_model_get_loading (messages) &&
         g_list_model_get_n_items (G_LIST_MODEL (messages)) > 0;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
load_older_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  wabiz_messages_model_load_older_finish (WABIZ_MESSAGES_MODEL (object), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static void
bench_big_conversation (WabizWindow *window)
{
  WabizConversationsPane *pane = WABIZ_CONVERSATIONS_PANE (wabiz_window_get_pane (window, "conversations"));
  WabizChatView *view = wabiz_conversations_pane_get_chat_view (pane);
  WabizMessagesModel *messages;
  double open_ms[8];
  double total = 0;
  gint64 t0;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "conversations");
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 1);

  /* the first time, and then again after looking at another customer */
  for (guint i = 0; i < G_N_ELEMENTS (open_ms); i++)
    {
      if (i > 0)
        {
          wabiz_conversations_pane_open (pane, OTHER_PHONE);
          wabiz_test_wait_until (other_idle, view, 60);
          wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
        }
      t0 = g_get_monotonic_time ();
      wabiz_conversations_pane_open (pane, BIG_PHONE);
      wabiz_test_wait_until (messages_idle, view, 60);
      wabiz_test_ui_wait_frames (GTK_WIDGET (window), 1);
      open_ms[i] = ms_since (t0);
    }
  messages = wabiz_chat_view_get_messages (view);
  qsort (open_ms + 1, G_N_ELEMENTS (open_ms) - 1, sizeof (double), compare_doubles);
  g_print ("open the %'u-message conversation: first frame %.1f ms the first time, then %.1f ms "
           "(median of %u), %u messages loaded\n", N_BIG, open_ms[0], open_ms[G_N_ELEMENTS (open_ms) / 2],
           (guint) G_N_ELEMENTS (open_ms) - 1, g_list_model_get_n_items (G_LIST_MODEL (messages)));

  for (guint i = 0; i < 20; i++)
    {
      gboolean done = FALSE;

      t0 = g_get_monotonic_time ();
      wabiz_messages_model_load_older_async (messages, NULL, load_older_cb, &done);
      wabiz_test_wait_for_flag (&done, 60);
      wabiz_test_ui_wait_frames (GTK_WIDGET (window), 1);
      total += ms_since (t0);
    }
  g_print ("scroll back: 20 older pages, %.1f ms each to the frame on average, %u loaded\n", total / 20,
           g_list_model_get_n_items (G_LIST_MODEL (messages)));
}

static gboolean
analytics_idle (gpointer data)
{
  return !wabiz_analytics_pane_get_busy (data);
}

/* The Analytics pane's first full frame for a period: from choosing it
 * to the frame that shows its figures */
static void
bench_analytics (WabizWindow *window)
{
  WabizAnalyticsPane *pane = WABIZ_ANALYTICS_PANE (wabiz_window_get_pane (window, "analytics"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GDate first, last;
  gint64 t0;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "analytics");
  wabiz_test_wait_until (analytics_idle, pane, 60);
  wabiz_analytics_pane_set_period (pane, "today");
  wabiz_test_wait_until (analytics_idle, pane, 60);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);

  t0 = g_get_monotonic_time ();
  wabiz_analytics_pane_set_period (pane, "30d");
  wabiz_test_wait_until (analytics_idle, pane, 60);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 1);
  g_print ("analytics, 30 days of 1,000,000 messages: first full frame %.1f ms\n", ms_since (t0));

  g_date_set_dmy (&last, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                  g_date_time_get_year (now));
  first = last;
  g_date_subtract_days (&first, 364);
  wabiz_analytics_pane_set_period (pane, "custom");
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  t0 = g_get_monotonic_time ();
  if (!wabiz_analytics_pane_set_custom_days (pane, &first, &last, &error))
    g_error ("analytics: %s", error->message);
  wabiz_test_wait_until (analytics_idle, pane, 60);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 1);
  g_print ("analytics, a year of 1,000,000 messages: first full frame %.1f ms\n", ms_since (t0));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "leads");
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
}

static void
bench_cb (WabizApplication *app,
          WabizWindow      *window,
          gpointer          data)
{
  static const char * const panes[] = { "conversations", "templates", "analytics", "leads" };
  WabizLeadsPane *pane = WABIZ_LEADS_PANE (wabiz_window_get_pane (window, "leads"));
  WabizLeadsModel *model = wabiz_leads_pane_get_model (pane);
  static const char * const searches[] = { "Carla Dias 4242", "Hugo", "lead77777@", "5511900123" };
  double total = 0;
  gint64 t0;

  /* wabiz_test_ui_run() calls us once every pane has loaded and drawn twice */
  g_print ("start: the window built %.0f ms after g_application_run()\n",
           (window_built_us - start_us) / 1000.0);
  g_print ("start: the window's first frame %.0f ms after g_application_run()\n",
           (first_frame_us - start_us) / 1000.0);
  g_print ("start: database connected and checked after %.0f ms\n", (database_ready_us - start_us) / 1000.0);
  g_print ("start: first frame showing leads after %.0f ms\n", (leads_frame_us - start_us) / 1000.0);
  g_print ("start: every pane loaded and drawn after %.0f ms\n", ms_since (start_us));
  g_print ("rss after start: %ld MB\n", rss_kb () / 1024);
  g_print ("leads: %u loaded of %'u, has more: %s\n",
           g_list_model_get_n_items (G_LIST_MODEL (model)), n_leads,
           wabiz_leads_model_get_has_more (model) ? "yes" : "no");

  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    {
      t0 = g_get_monotonic_time ();
      gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", panes[i]);
      wabiz_test_ui_wait_frames (GTK_WIDGET (window), 1);
      g_print ("pane %s: first frame %.1f ms\n", panes[i], ms_since (t0));
    }

  bench_analytics (window);

  for (guint i = 0; i < G_N_ELEMENTS (searches); i++)
    {
      t0 = g_get_monotonic_time ();
      wabiz_leads_model_set_search (model, searches[i]);
      wabiz_test_wait_until (model_idle, model, 60);
      g_print ("search “%s”: %.1f ms, %u shown\n", searches[i], ms_since (t0),
               g_list_model_get_n_items (G_LIST_MODEL (model)));
    }
  wabiz_leads_model_set_search (model, NULL);
  wabiz_test_wait_until (model_idle, model, 60);

  /* as a user types: the entry waits for a pause, then the first page draws */
  t0 = g_get_monotonic_time ();
  gtk_editable_set_text (GTK_EDITABLE (wabiz_leads_pane_get_search_entry (pane)), "Gabi Costa 1");
  while (wabiz_leads_model_get_search (model) == NULL || wabiz_leads_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 1);
  g_print ("search entry → frame: %.1f ms (includes the entry's typing pause)\n", ms_since (t0));
  gtk_editable_set_text (GTK_EDITABLE (wabiz_leads_pane_get_search_entry (pane)), "");
  while (wabiz_leads_model_get_search (model) != NULL || wabiz_leads_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < 20; i++)
    {
      gboolean done = FALSE;

      t0 = g_get_monotonic_time ();
      wabiz_leads_model_load_more_async (model, NULL, load_more_cb, &done);
      wabiz_test_wait_for_flag (&done, 60);
      total += ms_since (t0);
    }
  g_print ("scroll: 20 keyset pages of %u, %.1f ms each on average, %u loaded\n",
           WABIZ_LEADS_MODEL_PAGE_SIZE, total / 20, g_list_model_get_n_items (G_LIST_MODEL (model)));

  t0 = g_get_monotonic_time ();
  wabiz_leads_model_set_status (model, "LOST");
  wabiz_test_wait_until (model_idle, model, 60);
  g_print ("filter status LOST: %.1f ms\n", ms_since (t0));
  t0 = g_get_monotonic_time ();
  wabiz_leads_model_set_sort (model, WABIZ_LEADS_SORT_NAME);
  wabiz_test_wait_until (model_idle, model, 60);
  g_print ("sort by name (with the filter): %.1f ms\n", ms_since (t0));

  g_print ("rss before the big conversation: %ld MB\n", rss_kb () / 1024);
  bench_big_conversation (window);

  g_print ("rss: %ld MB\n", rss_kb () / 1024);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *conninfo = NULL;
  g_autoptr(GSettings) settings = NULL;
  pid_t child;
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  if (argc > 1)
    n_leads = (guint) g_ascii_strtoull (argv[1], NULL, 10);

  /* Seeding runs in a child process, so that the RSS printed is the
   * app's alone, as a user would see it after a fresh start. */
  conninfo = wabiz_test_pg_new_database ();
  fflush (stdout);
  child = fork ();
  if (child < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (child == 0)
    {
      seed (conninfo);
      fflush (stdout);
      _exit (0);
    }
  if (waitpid (child, &status, 0) != child || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_printerr ("ui-scale: seeding failed\n");
      return 1;
    }

  wabiz_test_ui_init ();
  if (!wabiz_test_ui_available ())
    {
      g_printerr ("ui-scale: no display; run it through bench/ui-scale (xvfb-run)\n");
      return 77;
    }

  g_setenv ("WABIZ_DATABASE_URL", conninfo, TRUE);

  settings = g_settings_new ("org.example.WaBiz");
  g_settings_set_string (settings, "last-pane", "leads");

  g_print ("rss before the app starts: %ld MB\n", rss_kb () / 1024);
  g_type_class_unref (g_type_class_ref (GTK_TYPE_APPLICATION));
  g_signal_add_emission_hook (g_signal_lookup ("window-added", GTK_TYPE_APPLICATION), 0,
                              window_added_hook, NULL, NULL);

  start_us = g_get_monotonic_time ();
  if (g_getenv ("UI_SCALE_PRINT_CLOCK") != NULL)
    g_print ("clock: start at %.6f s (CLOCK_MONOTONIC, for perf --time)\n", start_us / 1e6);
  wabiz_test_ui_run (bench_cb, NULL);
  return 0;
}
