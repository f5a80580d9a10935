/* ui-scale-driver.c: the Leads pane on a million leads, measured from the running app
 *
 * SPDX-License-Identifier: MIT
 *
 * Seeds N leads (default 1,000,000) into a fresh database, starts the app
 * on it under the current display and prints: time from start to the first
 * frame of the Leads pane, time to show each pane, search latency for a name
 * prefix (model alone and through the search entry), keyset page latency,
 * a status filter, and the app's RSS. Run through bench/ui-scale.
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wabiz-leads-pane.h"
#include "wabiz-migrations.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"

static gint64 start_us;
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
  wabiz_db_close (db);

  g_print ("seed: %'u leads in %.1f s\n", n_leads, ms_since (t0) / 1000);
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

  /* wabiz_test_ui_run() calls us once the window has loaded and drawn twice */
  g_print ("start: first frame of the Leads pane %.0f ms after g_application_run()\n",
           ms_since (start_us));
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

  g_print ("rss: %ld MB\n", rss_kb () / 1024);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *conninfo = NULL;
  g_autoptr(GSettings) settings = NULL;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  if (argc > 1)
    n_leads = (guint) g_ascii_strtoull (argv[1], NULL, 10);

  wabiz_test_ui_init ();
  if (!wabiz_test_ui_available ())
    {
      g_printerr ("ui-scale: no display; run it through bench/ui-scale (xvfb-run)\n");
      return 77;
    }

  conninfo = wabiz_test_pg_new_database ();
  seed (conninfo);
  g_setenv ("WABIZ_DATABASE_URL", conninfo, TRUE);

  settings = g_settings_new ("org.example.WaBiz");
  g_settings_set_string (settings, "last-pane", "leads");

  start_us = g_get_monotonic_time ();
  wabiz_test_ui_run (bench_cb, NULL);
  return 0;
}
