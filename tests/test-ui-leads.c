/* test-ui-leads.c: the Leads pane under Xvfb against a real database
 *
 * SPDX-License-Identifier: MIT
 *
 * Drives the real widgets through their actions, models and signals:
 * search, edit and save a lead (with a validation error first), change
 * several leads at once, import a CSV file with good, duplicate and
 * invalid rows, and export. What the rows show is read from their labels,
 * also after the list recycled them by scrolling a long way and back.
 * Screenshots: <build>/screenshots/ui-leads-*.png
 */

#include "config.h"

#include <libpq-fe.h>
#include <locale.h>

#include "wabiz-import-dialog.h"
#include "wabiz-lead-editor.h"
#include "wabiz-lead-row.h"
#include "wabiz-leads-pane.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"

typedef struct
{
  char *conninfo;
  char *tmpdir;
} Fixture;

#define SEED \
  "INSERT INTO leads (phone, name, email, status, tags, last_contact) VALUES" \
  " ('5511987654321', 'Ana Souza', 'ana@example.com', 'NEW', '{vip}', now() - interval '1 hour')," \
  " ('5511999990002', 'Bruno Lima', 'bruno@example.com', 'CONTACTED', '{}', now() - interval '2 days')," \
  " ('5511999990003', 'Carla Dias', NULL, 'INTERESTED', '{vip,sp}', now() - interval '20 days')," \
  " ('16315551234', 'Dave Miller', 'dave@example.org', 'CONVERTED', '{}', NULL)"

static WabizDbResult *
query (const char         *conninfo,
       const char         *sql,
       int                 n_params,
       const char * const *params)
{
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(GError) error = NULL;
  WabizDbResult *res;

  res = wabiz_db_query_sync (db, sql, n_params, params, NULL, &error);
  g_assert_no_error (error);
  wabiz_db_close (db);
  return res;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!wabiz_test_ui_available ())
    return;

  f->conninfo = wabiz_test_ui_set_database (SEED);
  f->tmpdir = wabiz_test_make_tmpdir ("wzui");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->tmpdir != NULL)
    wabiz_test_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
  wabiz_test_ui_clear_database (&f->conninfo);
}

static WabizLeadsPane *
show_leads (WabizWindow *window)
{
  WabizPane *pane;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "leads"));
  pane = wabiz_window_get_pane (window, "leads");
  g_assert_true (WABIZ_IS_LEADS_PANE (pane));
  g_assert_true (wabiz_pane_get_loaded (pane));
  return WABIZ_LEADS_PANE (pane);
}

typedef struct
{
  WabizLeadsModel *model;
  guint            n_items;
} ModelWait;

static gboolean
model_settled (gpointer data)
{
  ModelWait *wait = data;

  return !wabiz_leads_model_get_loading (wait->model) &&
         g_list_model_get_n_items (G_LIST_MODEL (wait->model)) == wait->n_items;
}

static void
wait_for_items (WabizLeadsModel *model,
                guint            n_items)
{
  ModelWait wait = { model, n_items };

  wabiz_test_wait_until (model_settled, &wait, 30);
}

static const char *
lead_name (WabizLeadsModel *model,
           guint            position)
{
  g_autoptr(WabizLead) lead = g_list_model_get_item (G_LIST_MODEL (model), position);

  /* the model keeps its own reference */
  return wabiz_lead_get_name (lead);
}

static GtkListView *
leads_list (WabizLeadsPane *pane)
{
  GObject *view = gtk_widget_get_template_child (GTK_WIDGET (pane), WABIZ_TYPE_LEADS_PANE, "list_view");

  g_assert_true (GTK_IS_LIST_VIEW (view));
  return GTK_LIST_VIEW (view);
}

/* The row that shows the lead at @position, laid out */
static GtkWidget *
lead_row (WabizLeadsPane *pane,
          guint           position)
{
  g_autoptr(WabizLead) lead = g_list_model_get_item (G_LIST_MODEL (wabiz_leads_pane_get_model (pane)), position);
  GtkWidget *row;

  g_assert_nonnull (lead);
  row = wabiz_test_ui_find_row (GTK_WIDGET (leads_list (pane)), WABIZ_TYPE_LEAD_ROW, lead);
  g_assert_nonnull (row);
  return row;
}

/* The rows on screen show their leads, @n_rows of them from the first */
static void
assert_rows (WabizLeadsPane *pane,
             guint           n_rows)
{
  guint first;

  wabiz_test_ui_wait_frames (GTK_WIDGET (pane), 2);
  g_assert_cmpuint (wabiz_test_ui_assert_list_rows (leads_list (pane), &first, NULL), ==, n_rows);
  if (n_rows > 0)
    g_assert_cmpuint (first, ==, 0);
}

/* The label @name of the row of the lead at @position says @text */
static gboolean
row_label_is (WabizLeadsPane *pane,
              guint           position,
              const char     *name,
              const char     *text)
{
  g_autoptr(WabizLead) lead = g_list_model_get_item (G_LIST_MODEL (wabiz_leads_pane_get_model (pane)), position);
  GtkWidget *row;

  if (lead == NULL)
    return FALSE;
  row = wabiz_test_ui_find_row (GTK_WIDGET (leads_list (pane)), WABIZ_TYPE_LEAD_ROW, lead);
  return row != NULL && g_strcmp0 (wabiz_test_ui_row_label (row, name), text) == 0;
}

static void
assert_row_says (WabizLeadsPane *pane,
                 guint           position,
                 const char     *name,
                 const char     *detail,
                 const char     *status,
                 const char     *time)
{
  GtkWidget *row = lead_row (pane, position);

  g_assert_cmpstr (wabiz_test_ui_row_label (row, "name_label"), ==, name);
  g_assert_cmpstr (wabiz_test_ui_row_label (row, "detail_label"), ==, detail);
  g_assert_cmpstr (wabiz_test_ui_row_label (row, "status_label"), ==, status);
  if (time != NULL)
    g_assert_cmpstr (wabiz_test_ui_row_label (row, "time_label"), ==, time);
}

/* search, filters, sort ---------------------------------------------------- */

static void
search_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  WabizLeadsPane *pane = show_leads (window);
  WabizLeadsModel *model = wabiz_leads_pane_get_model (pane);
  GtkSearchEntry *entry = wabiz_leads_pane_get_search_entry (pane);
  g_autofree char *shot = NULL;

  /* most recent contact first, never contacted last */
  wait_for_items (model, 4);
  g_assert_cmpstr (lead_name (model, 0), ==, "Ana Souza");
  g_assert_cmpstr (lead_name (model, 1), ==, "Bruno Lima");
  g_assert_cmpstr (lead_name (model, 2), ==, "Carla Dias");
  g_assert_cmpstr (lead_name (model, 3), ==, "Dave Miller");
  /* and the rows say so: name, number as written for people, email,
   * status badge, last contact */
  assert_rows (pane, 4);
  assert_row_says (pane, 0, "Ana Souza", "+55 11 98765-4321 · ana@example.com", "New", NULL);
  assert_row_says (pane, 1, "Bruno Lima", "+55 11 99999-0002 · bruno@example.com", "Contacted", NULL);
  assert_row_says (pane, 2, "Carla Dias", "+55 11 99999-0003", "Interested", NULL);
  assert_row_says (pane, 3, "Dave Miller", "+1 631-555-1234 · dave@example.org", "Converted", "Never contacted");
  shot = wabiz_test_ui_screenshot (window, "ui-leads-list.png");
  g_clear_pointer (&shot, g_free);

  /* Ctrl+F from anywhere in the window goes to the search entry */
  {
    g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), "<Control>f");

    g_assert_true (g_strv_contains ((const char * const *) actions, "win.search"));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
    g_assert_true (gtk_widget_has_focus (GTK_WIDGET (entry)) ||
                   gtk_widget_is_focus (gtk_root_get_focus (GTK_ROOT (window))));
    g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), GTK_WIDGET (entry)) ||
                   gtk_root_get_focus (GTK_ROOT (window)) == GTK_WIDGET (entry));
  }

  /* typing in the search entry (debounced by the entry) */
  gtk_editable_set_text (GTK_EDITABLE (entry), "carl");
  wait_for_items (model, 1);
  g_assert_cmpstr (lead_name (model, 0), ==, "Carla Dias");
  assert_rows (pane, 1);
  assert_row_says (pane, 0, "Carla Dias", "+55 11 99999-0003", "Interested", NULL);
  shot = wabiz_test_ui_screenshot (window, "ui-leads-search.png");
  g_clear_pointer (&shot, g_free);

  /* by email and by digits of the number */
  gtk_editable_set_text (GTK_EDITABLE (entry), "example.org");
  wait_for_items (model, 1);
  g_assert_cmpstr (lead_name (model, 0), ==, "Dave Miller");
  assert_rows (pane, 1);
  assert_row_says (pane, 0, "Dave Miller", "+1 631-555-1234 · dave@example.org", "Converted", "Never contacted");
  gtk_editable_set_text (GTK_EDITABLE (entry), "9999000");
  wait_for_items (model, 2);
  assert_rows (pane, 2);

  /* nothing found: a status page says so */
  gtk_editable_set_text (GTK_EDITABLE (entry), "zzzz");
  wait_for_items (model, 0);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  g_assert_true (wabiz_test_ui_shows_status (GTK_WIDGET (pane), "No Results Found"));
  shot = wabiz_test_ui_screenshot (window, "ui-leads-no-results.png");
  g_clear_pointer (&shot, g_free);

  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  wait_for_items (model, 4);

  /* filters and sort */
  wabiz_leads_model_set_tag (model, "vip");
  wait_for_items (model, 2);
  wabiz_leads_model_set_status (model, "INTERESTED");
  wait_for_items (model, 1);
  g_assert_cmpstr (lead_name (model, 0), ==, "Carla Dias");
  wabiz_leads_model_set_status (model, NULL);
  wabiz_leads_model_set_tag (model, NULL);
  wabiz_leads_model_set_sort (model, WABIZ_LEADS_SORT_NAME);
  wait_for_items (model, 4);
  g_assert_cmpstr (lead_name (model, 0), ==, "Ana Souza");
  g_assert_cmpstr (lead_name (model, 3), ==, "Dave Miller");
  assert_rows (pane, 4);

  /* dark style, from the setting */
  g_settings_set_string (wabiz_application_get_settings (app), "color-scheme", "dark");
  g_assert_true (adw_style_manager_get_dark (adw_style_manager_get_default ()));
  shot = wabiz_test_ui_screenshot (window, "ui-leads-dark.png");
  g_settings_set_string (wabiz_application_get_settings (app), "color-scheme", "default");
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  wabiz_test_ui_run (search_cb, f);
}

/* paging -------------------------------------------------------------------- */

static void
paging_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  WabizLeadsPane *pane = show_leads (window);
  WabizLeadsModel *model = wabiz_leads_pane_get_model (pane);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n;

  /* the first page only, then keyset pages until the end */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), <=, 2 * WABIZ_LEADS_MODEL_PAGE_SIZE);
  while (wabiz_leads_model_get_has_more (model))
    {
      g_autoptr(GAsyncResult) result = NULL;

      wabiz_leads_model_load_more_async (model, NULL, wabiz_test_store_result_cb, &result);
      g_assert_true (wabiz_leads_model_load_more_finish (model, wabiz_test_wait_result (&result, 30),
                                                         NULL));
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, 254);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WabizLead) lead = g_list_model_get_item (G_LIST_MODEL (model), i);

      /* no lead twice, none missing */
      g_assert_true (g_hash_table_add (seen, (gpointer) wabiz_lead_get_id (lead)));
    }
}

static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  /* 250 more, many with the same last contact, to test ties in the keyset */
  wabiz_db_result_unref (query (f->conninfo,
                                "INSERT INTO leads (phone, name, last_contact) "
                                "SELECT '55119' || lpad(g::text, 8, '0'), 'Lead ' || g, "
                                "CASE WHEN g % 3 = 0 THEN NULL ELSE timestamptz '2025-01-01' + (g / 7) * interval '1 day' END "
                                "FROM generate_series(1, 250) g", 0, NULL));
  wabiz_test_ui_run (paging_cb, f);
}

/* recycled rows ------------------------------------------------------------- */

static gboolean
all_loaded (gpointer data)
{
  WabizLeadsModel *model = data;

  return !wabiz_leads_model_get_loading (model) && !wabiz_leads_model_get_has_more (model);
}

static void
recycle_cb (WabizApplication *app,
            WabizWindow      *window,
            gpointer          data)
{
  WabizLeadsPane *pane = show_leads (window);
  WabizLeadsModel *model = wabiz_leads_pane_get_model (pane);
  GtkListView *list;
  guint n, shown, first, last;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  list = leads_list (pane);

  /* the first page, from the top */
  WABIZ_TEST_WAIT (!wabiz_leads_model_get_loading (model) &&
                   g_list_model_get_n_items (G_LIST_MODEL (model)) > 0, 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  shown = wabiz_test_ui_assert_list_rows (list, &first, &last);
  g_assert_cmpuint (shown, >=, 5);
  g_assert_cmpuint (first, ==, 0);

  /* far down: the pages come as the end nears, until the last lead is on
   * screen; every row the list made or reused shows its own lead */
  wabiz_test_ui_scroll_list (list, 1.0);
  wabiz_test_wait_until (all_loaded, model, 60);
  wabiz_test_ui_scroll_list (list, 1.0);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, 254);
  shown = wabiz_test_ui_assert_list_rows (list, &first, &last);
  g_assert_cmpuint (shown, >=, 5);
  g_assert_cmpuint (last, ==, n - 1);
  g_free (wabiz_test_ui_screenshot (window, "ui-leads-scrolled-end.png"));

  /* the middle, then back to the top */
  wabiz_test_ui_scroll_list (list, 0.5);
  shown = wabiz_test_ui_assert_list_rows (list, &first, &last);
  g_assert_cmpuint (shown, >=, 5);
  g_assert_cmpuint (first, >, 0);
  g_assert_cmpuint (last, <, n - 1);

  wabiz_test_ui_scroll_list (list, 0.0);
  shown = wabiz_test_ui_assert_list_rows (list, &first, &last);
  g_assert_cmpuint (shown, >=, 5);
  g_assert_cmpuint (first, ==, 0);
  assert_row_says (pane, 0, "Ana Souza", "+55 11 98765-4321 · ana@example.com", "New", NULL);
  g_free (wabiz_test_ui_screenshot (window, "ui-leads-scrolled-back.png"));

  /* and down again, in steps, as a person scrolls */
  for (guint step = 1; step <= 8; step++)
    {
      wabiz_test_ui_scroll_list (list, step / 8.0);
      g_assert_cmpuint (wabiz_test_ui_assert_list_rows (list, NULL, NULL), >=, 5);
    }
}

static void
test_recycle (Fixture       *f,
              gconstpointer  data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  /* 250 more, each status, with and without email and last contact, so
   * that a reused row has something to change */
  wabiz_db_result_unref (query (f->conninfo,
                                "INSERT INTO leads (phone, name, email, status, last_contact) "
                                "SELECT '55119' || lpad(g::text, 8, '0'), 'Lead ' || g,"
                                " CASE WHEN g % 2 = 0 THEN 'lead' || g || '@example.com' END,"
                                " (ARRAY['NEW','CONTACTED','INTERESTED','CONVERTED','LOST'])[g % 5 + 1],"
                                " CASE WHEN g % 3 = 0 THEN NULL"
                                "      ELSE now() - interval '2 hours' - g * interval '7 hours' END "
                                "FROM generate_series(1, 250) g", 0, NULL));
  wabiz_test_ui_run (recycle_cb, f);
}

/* edit ---------------------------------------------------------------------- */

static void
saved_cb (WabizLeadEditor *editor,
          WabizLead       *lead,
          gboolean        *saved)
{
  *saved = TRUE;
}

static gboolean
first_is_ana_paula (gpointer data)
{
  WabizLeadsModel *model = data;

  return g_list_model_get_n_items (G_LIST_MODEL (model)) > 0 &&
         g_strcmp0 (lead_name (model, 0), "Ana Paula Souza") == 0;
}

static gboolean
phone_error_shown (gpointer data)
{
  return wabiz_lead_editor_get_field_error (data, "phone") != NULL;
}

static void
edit_cb (WabizApplication *app,
         WabizWindow      *window,
         gpointer          data)
{
  Fixture *f = data;
  WabizLeadsPane *pane = show_leads (window);
  WabizLeadsModel *model = wabiz_leads_pane_get_model (pane);
  WabizLeadEditor *editor = wabiz_leads_pane_get_editor (pane);
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *shot = NULL;
  gboolean saved = FALSE;

  wait_for_items (model, 4);
  g_assert_true (gtk_selection_model_select_item (wabiz_leads_pane_get_selection (pane), 0, TRUE));
  g_assert_cmpstr (wabiz_lead_get_name (wabiz_lead_editor_get_lead (editor)), ==, "Ana Souza");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (editor)));

  /* what is wrong is said beside the field, and nothing is saved */
  wabiz_lead_editor_set_field_text (editor, "phone", "12");
  wabiz_lead_editor_set_field_text (editor, "email", "not-an-email");
  wabiz_lead_editor_set_field_text (editor, "timezone", "Mars/Olympus");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_nonnull (wabiz_lead_editor_get_field_error (editor, "phone"));
  g_assert_cmpstr (wabiz_lead_editor_get_field_error (editor, "email"), ==,
                   "This is not an email address");
  g_assert_nonnull (wabiz_lead_editor_get_field_error (editor, "timezone"));
  g_assert_null (wabiz_lead_editor_get_field_error (editor, "name"));
  g_assert_false (wabiz_lead_editor_get_busy (editor));
  shot = wabiz_test_ui_screenshot (window, "ui-leads-edit-errors.png");
  g_clear_pointer (&shot, g_free);

  /* a number written the local way is normalised */
  g_signal_connect (editor, "saved", G_CALLBACK (saved_cb), &saved);
  wabiz_lead_editor_set_field_text (editor, "name", "Ana Paula Souza");
  wabiz_lead_editor_set_field_text (editor, "phone", "+55 (11) 98888-7777");
  wabiz_lead_editor_set_field_text (editor, "email", "ana.paula@example.com");
  wabiz_lead_editor_set_field_text (editor, "timezone", "America/Sao_Paulo");
  wabiz_lead_editor_set_field_text (editor, "status", "INTERESTED");
  wabiz_lead_editor_set_field_text (editor, "tags", "vip, wholesale");
  wabiz_lead_editor_set_field_text (editor, "notes", "Prefers mornings.");
  wabiz_lead_editor_set_field_text (editor, "custom-fields", "company = ACME\ncity = Campinas");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_null (wabiz_lead_editor_get_field_error (editor, "phone"));
  wabiz_test_wait_for_flag (&saved, 30);
  g_signal_handlers_disconnect_by_func (editor, saved_cb, &saved);

  /* stored, and the list shows it */
  res = query (f->conninfo,
               "SELECT phone, name, email, status, timezone, notes, array_to_string(tags, ',') AS tags,"
               " custom_fields->>'company' AS company FROM leads WHERE name = 'Ana Paula Souza'",
               0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "phone"), ==, "5511988887777");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "email"), ==, "ana.paula@example.com");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, "INTERESTED");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "timezone"), ==, "America/Sao_Paulo");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "notes"), ==, "Prefers mornings.");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "tags"), ==, "vip,wholesale");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "company"), ==, "ACME");
  wabiz_test_wait_until (first_is_ana_paula, model, 30);
  /* the saved lead stays selected and open */
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  g_assert_true (gtk_selection_model_is_selected (wabiz_leads_pane_get_selection (pane), 0));
  g_assert_cmpstr (wabiz_lead_get_name (wabiz_lead_editor_get_lead (editor)), ==, "Ana Paula Souza");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (editor)));
  /* its row says what was saved */
  WABIZ_TEST_WAIT (row_label_is (pane, 0, "name_label", "Ana Paula Souza"), 30);
  assert_row_says (pane, 0, "Ana Paula Souza", "+55 11 98888-7777 · ana.paula@example.com", "Interested", NULL);
  wabiz_test_ui_assert_list_rows (leads_list (pane), NULL, NULL);
  shot = wabiz_test_ui_screenshot (window, "ui-leads-edit-saved.png");
  g_clear_pointer (&shot, g_free);

  /* another lead's number is refused beside the field */
  g_assert_true (gtk_selection_model_select_item (wabiz_leads_pane_get_selection (pane), 1, TRUE));
  wabiz_lead_editor_set_field_text (editor, "phone", "+55 11 98888-7777");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  wabiz_test_wait_until (phone_error_shown, editor, 30);
  g_assert_cmpstr (wabiz_lead_editor_get_field_error (editor, "phone"), ==,
                   "Another lead already has this phone number");

  /* a new lead */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.new", NULL));
  g_assert_null (wabiz_lead_get_id (wabiz_lead_editor_get_lead (editor)));
  g_assert_null (wabiz_lead_editor_get_field_error (editor, "phone"));
  saved = FALSE;
  g_signal_connect (editor, "saved", G_CALLBACK (saved_cb), &saved);
  wabiz_lead_editor_set_field_text (editor, "name", "Zoe Prado");
  wabiz_lead_editor_set_field_text (editor, "phone", "+55 11 97777-0000");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  wabiz_test_wait_for_flag (&saved, 30);
  g_signal_handlers_disconnect_by_func (editor, saved_cb, &saved);
  g_assert_nonnull (wabiz_lead_get_id (wabiz_lead_editor_get_lead (editor)));
  wait_for_items (model, 5);
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = query (f->conninfo, "SELECT status FROM leads WHERE phone = '5511977770000'", 0, NULL);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, "NEW");
}

static void
test_edit (Fixture       *f,
           gconstpointer  data)
{
  wabiz_test_ui_run (edit_cb, f);
}

/* several leads at once --------------------------------------------------- */

static gboolean
statuses_are_lost (gpointer data)
{
  const char *conninfo = data;
  g_autoptr(WabizDbResult) res = query (conninfo,
                                        "SELECT count(*) AS n FROM leads WHERE status = 'LOST'",
                                        0, NULL);

  return wabiz_db_result_get_int (res, 0, "n") == 2;
}

static gboolean
tagged (gpointer data)
{
  const char *conninfo = data;
  g_autoptr(WabizDbResult) res = query (conninfo,
                                        "SELECT count(*) AS n FROM leads WHERE 'spring' = ANY(tags)",
                                        0, NULL);

  return wabiz_db_result_get_int (res, 0, "n") == 2;
}

static gboolean
untagged (gpointer data)
{
  const char *conninfo = data;
  g_autoptr(WabizDbResult) res = query (conninfo,
                                        "SELECT count(*) AS n FROM leads WHERE 'spring' = ANY(tags)",
                                        0, NULL);

  return wabiz_db_result_get_int (res, 0, "n") == 0;
}

static gboolean
editor_says (WabizLeadEditor *editor,
             const char      *field,
             const char      *text)
{
  g_autofree char *shown = wabiz_lead_editor_dup_field_text (editor, field);

  return g_strcmp0 (shown, text) == 0;
}

static void
bulk_cb (WabizApplication *app,
         WabizWindow      *window,
         gpointer          data)
{
  Fixture *f = data;
  WabizLeadsPane *pane = show_leads (window);
  WabizLeadsModel *model = wabiz_leads_pane_get_model (pane);
  GtkSelectionModel *selection = wabiz_leads_pane_get_selection (pane);
  WabizLeadEditor *editor = wabiz_leads_pane_get_editor (pane);
  g_autofree char *shot = NULL;
  gboolean saved = FALSE;

  wait_for_items (model, 4);
  g_assert_true (gtk_selection_model_select_item (selection, 1, TRUE));
  g_assert_true (gtk_selection_model_select_item (selection, 2, FALSE));
  shot = wabiz_test_ui_screenshot (window, "ui-leads-multi-select.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.set-status", "s", "LOST"));
  wabiz_test_wait_until (statuses_are_lost, f->conninfo, 30);

  /* the change comes back through NOTIFY and the list reloads: the
   * badges of both say it */
  wait_for_items (model, 4);
  WABIZ_TEST_WAIT (row_label_is (pane, 1, "status_label", "Lost") &&
                   row_label_is (pane, 2, "status_label", "Lost"), 30);
  assert_rows (pane, 4);
  assert_row_says (pane, 1, "Bruno Lima", "+55 11 99999-0002 · bruno@example.com", "Lost", NULL);
  assert_row_says (pane, 2, "Carla Dias", "+55 11 99999-0003", "Lost", NULL);
  assert_row_says (pane, 0, "Ana Souza", "+55 11 98765-4321 · ana@example.com", "New", NULL);

  /* Bruno, open in the editor before, says Lost there too: saving him
   * must not put the old status back */
  WABIZ_TEST_WAIT (gtk_widget_get_mapped (GTK_WIDGET (editor)) &&
                   editor_says (editor, "name", "Bruno Lima") && editor_says (editor, "status", "LOST"), 30);
  g_free (wabiz_test_ui_screenshot (window, "ui-leads-bulk-lost.png"));

  /* changed on another computer while a note is being typed: the new
   * status shows, the note stays, and saving keeps both */
  wabiz_lead_editor_set_field_text (editor, "notes", "Call after 5");
  wabiz_db_result_unref (query (f->conninfo,
                                "WITH u AS (UPDATE leads SET status = 'INTERESTED', updated_at = now()"
                                "           WHERE phone = '5511999990002' RETURNING id)"
                                " SELECT pg_notify('wabiz', json_build_object('t', 'leads', 'id', id)::text) FROM u",
                                0, NULL));
  WABIZ_TEST_WAIT (editor_says (editor, "status", "INTERESTED"), 30);
  WABIZ_TEST_WAIT (row_label_is (pane, 1, "status_label", "Interested"), 30);
  g_assert_true (editor_says (editor, "notes", "Call after 5"));
  g_assert_true (editor_says (editor, "name", "Bruno Lima"));
  g_signal_connect (editor, "saved", G_CALLBACK (saved_cb), &saved);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  wabiz_test_wait_for_flag (&saved, 30);
  g_signal_handlers_disconnect_by_func (editor, saved_cb, &saved);
  {
    g_autoptr(WabizDbResult) res = query (f->conninfo, "SELECT status, notes FROM leads WHERE phone = '5511999990002'",
                                          0, NULL);

    g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, "INTERESTED");
    g_assert_cmpstr (wabiz_db_result_get (res, 0, "notes"), ==, "Call after 5");
  }
  g_assert_true (gtk_selection_model_select_item (selection, 0, TRUE));
  g_assert_true (gtk_selection_model_select_item (selection, 3, FALSE));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.add-tag", "s", " spring "));
  wabiz_test_wait_until (tagged, f->conninfo, 30);
  wait_for_items (model, 4);
  g_assert_true (gtk_selection_model_select_item (selection, 0, TRUE));
  g_assert_true (gtk_selection_model_select_item (selection, 3, FALSE));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.remove-tag", "s", "spring"));
  wabiz_test_wait_until (untagged, f->conninfo, 30);

  /* leads.open-conversation (one lead selected → win.open-conversation) is
   * not run here: WabizChatView cannot show a looked-up conversation yet */
}

static void
test_bulk (Fixture       *f,
           gconstpointer  data)
{
  wabiz_test_ui_run (bulk_cb, f);
}

/* import ------------------------------------------------------------------- */

static const char import_csv[] =
  "\xef\xbb\xbfName;Telefone;E-mail;Status;Tags;Company\r\n"
  /* updates Ana (same number, written differently) */
  "Ana Souza;+55 (11) 98765-4321;ana.souza@example.com;interested;\"vip, returning\";ACME\r\n"
  /* two new leads */
  "Eva Nunes;0055 21 98765 4321;eva@example.com;;;\"Nunes; Filhos\"\r\n"
  "Frank Green;+1 631-555-9876;;Contacted;wholesale;\r\n"
  /* rejected: the same number as Eva's line */
  "Eva N.;+55 21 98765-4321;;;;\r\n"
  /* rejected: not a phone number */
  "Gil;12;;;;\r\n"
  /* rejected: no phone number */
  "Hana;;hana@example.com;;;\r\n"
  /* rejected: not an email address */
  "Ivo;+55 31 98765-4321;ivo-at-example;;;\r\n"
  /* rejected: unknown status */
  "Joe;+55 41 98765-4321;;WON;;\r\n";

static gboolean
dialog_in_state (gpointer data)
{
  WabizImportDialog *dialog = data;
  const char *wanted = g_object_get_data (G_OBJECT (dialog), "wanted-state");

  return g_strcmp0 (wabiz_import_dialog_get_state (dialog), wanted) == 0;
}

static void
wait_for_state (WabizImportDialog *dialog,
                const char        *state)
{
  g_object_set_data (G_OBJECT (dialog), "wanted-state", (gpointer) state);
  wabiz_test_wait_until (dialog_in_state, dialog, 30);
}

static void
import_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  Fixture *f = data;
  WabizLeadsPane *pane = show_leads (window);
  g_autofree char *path = g_build_filename (f->tmpdir, "leads.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *shot = NULL;
  WabizImportDialog *dialog;
  WabizLeadImport *import;
  struct {
    guint              line;
    WabizImportAction  action;
    const char        *reason;
  } expected[] = {
    { 2, WABIZ_IMPORT_UPDATE, NULL },
    { 3, WABIZ_IMPORT_CREATE, NULL },
    { 4, WABIZ_IMPORT_CREATE, NULL },
    { 5, WABIZ_IMPORT_REJECT, "Same phone number as line 3" },
    { 6, WABIZ_IMPORT_REJECT, "*" },
    { 7, WABIZ_IMPORT_REJECT, "No phone number" },
    { 8, WABIZ_IMPORT_REJECT, "“ivo-at-example” is not an email address" },
    { 9, WABIZ_IMPORT_REJECT, "Unknown status “WON”" },
  };

  g_assert_true (g_file_set_contents (path, import_csv, sizeof import_csv - 1, &error));
  g_assert_no_error (error);

  dialog = WABIZ_IMPORT_DIALOG (wabiz_leads_pane_import_file (pane, file));
  g_assert_nonnull (dialog);
  wait_for_state (dialog, "preview");
  import = wabiz_import_dialog_get_import (dialog);

  /* the columns were recognised, Company became a custom field */
  g_assert_cmpuint (wabiz_lead_import_get_n_columns (import), ==, 6);
  g_assert_cmpint (wabiz_lead_import_get_mapping (import, 0), ==, WABIZ_IMPORT_FIELD_NAME);
  g_assert_cmpint (wabiz_lead_import_get_mapping (import, 1), ==, WABIZ_IMPORT_FIELD_PHONE);
  g_assert_cmpint (wabiz_lead_import_get_mapping (import, 2), ==, WABIZ_IMPORT_FIELD_EMAIL);
  g_assert_cmpint (wabiz_lead_import_get_mapping (import, 4), ==, WABIZ_IMPORT_FIELD_TAGS);
  g_assert_cmpint (wabiz_lead_import_get_mapping (import, 5), ==, WABIZ_IMPORT_FIELD_CUSTOM);

  /* the preview */
  g_assert_cmpuint (wabiz_lead_import_get_n_rows (import), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpuint (wabiz_lead_import_get_row_line (import, i), ==, expected[i].line);
      g_assert_cmpint (wabiz_lead_import_get_row_action (import, i), ==, expected[i].action);
      if (expected[i].reason == NULL)
        g_assert_null (wabiz_lead_import_get_row_reason (import, i));
      else if (g_str_equal (expected[i].reason, "*"))
        g_assert_nonnull (wabiz_lead_import_get_row_reason (import, i));
      else
        g_assert_cmpstr (wabiz_lead_import_get_row_reason (import, i), ==, expected[i].reason);
    }
  g_assert_cmpuint (wabiz_lead_import_count (import, WABIZ_IMPORT_CREATE), ==, 2);
  g_assert_cmpuint (wabiz_lead_import_count (import, WABIZ_IMPORT_UPDATE), ==, 1);
  g_assert_cmpuint (wabiz_lead_import_count (import, WABIZ_IMPORT_REJECT), ==, 5);
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-leads-import-preview.png");
  g_clear_pointer (&shot, g_free);

  /* nothing is written before the user says so */
  res = query (f->conninfo, "SELECT count(*) AS n FROM leads", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, 4);
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* cancelled: the transaction rolls back, the preview comes back. Another
   * connection holds a lock on the table meanwhile, so that the import
   * cannot finish before the cancel. */
  {
    PGconn *pg = PQconnectdb (f->conninfo);

    g_assert_cmpint (PQstatus (pg), ==, CONNECTION_OK);
    PQclear (PQexec (pg, "BEGIN"));
    PQclear (PQexec (pg, "LOCK TABLE leads IN SHARE MODE"));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.run", NULL));
    g_assert_cmpstr (wabiz_import_dialog_get_state (dialog), ==, "running");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.cancel", NULL));
    PQclear (PQexec (pg, "ROLLBACK"));
    PQfinish (pg);
  }
  wait_for_state (dialog, "preview");
  res = query (f->conninfo, "SELECT count(*) AS n FROM leads", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, 4);
  g_clear_pointer (&res, wabiz_db_result_unref);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "import.run", NULL));
  wait_for_state (dialog, "done");
  shot = wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-leads-import-done.png");
  g_clear_pointer (&shot, g_free);

  res = query (f->conninfo, "SELECT count(*) AS n FROM leads", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, 6);
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* the update kept what the file did not say and merged the tags */
  res = query (f->conninfo,
               "SELECT email, status, array_to_string(ARRAY(SELECT unnest(tags) ORDER BY 1), ',') AS tags,"
               " custom_fields->>'Company' AS company FROM leads WHERE phone = '5511987654321'",
               0, NULL);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "email"), ==, "ana.souza@example.com");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, "INTERESTED");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "tags"), ==, "returning,vip");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "company"), ==, "ACME");
  g_clear_pointer (&res, wabiz_db_result_unref);

  res = query (f->conninfo,
               "SELECT name, status, custom_fields->>'Company' AS company FROM leads"
               " WHERE phone = '5521987654321'", 0, NULL);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "name"), ==, "Eva Nunes");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, "NEW");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "company"), ==, "Nunes; Filhos");

  gtk_window_destroy (GTK_WINDOW (dialog));

  /* the list follows through NOTIFY */
  wait_for_items (wabiz_leads_pane_get_model (pane), 6);
}

static void
test_import (Fixture       *f,
             gconstpointer  data)
{
  wabiz_test_ui_run (import_cb, f);
}

/* export ------------------------------------------------------------------- */

static void
exported_cb (WabizLeadsPane *pane,
             gboolean       *done)
{
  *done = TRUE;
}

static void
export_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  Fixture *f = data;
  WabizLeadsPane *pane = show_leads (window);
  g_autofree char *path = g_build_filename (f->tmpdir, "export.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean done = FALSE;

  /* the current filter: the vip leads */
  wabiz_leads_model_set_tag (wabiz_leads_pane_get_model (pane), "vip");
  wait_for_items (wabiz_leads_pane_get_model (pane), 2);

  g_signal_connect (pane, "exported", G_CALLBACK (exported_cb), &done);
  wabiz_leads_pane_export_file (pane, file);
  wabiz_test_wait_for_flag (&done, 30);
  g_signal_handlers_disconnect_by_func (pane, exported_cb, &done);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);   /* header, 2 leads, "" */
  g_assert_true (g_str_has_prefix (lines[0], "phone,name,email,status"));
  g_assert_true (g_str_has_prefix (lines[1], "5511987654321,Ana Souza,ana@example.com,NEW,,vip,"));
  g_assert_true (g_str_has_prefix (lines[2], "5511999990003,Carla Dias,,INTERESTED,,\"vip, sp\""));
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  wabiz_test_ui_run (export_cb, f);
}

/* narrow window, delete with undo ------------------------------------------- */

static gboolean
narrow (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data)) && gtk_widget_get_width (GTK_WIDGET (data)) <= 420;
}

static void
narrow_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  WabizLeadsPane *pane = show_leads (window);
  WabizLeadsModel *model = wabiz_leads_pane_get_model (pane);
  g_autofree char *shot = NULL;

  wait_for_items (model, 4);
  /* a shown window keeps its size without a window manager: show it again */
  gtk_widget_hide (GTK_WIDGET (window));
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  gtk_window_present (GTK_WINDOW (window));
  wabiz_test_wait_until (narrow, window, 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);

  /* one column at a time: the list, then the details with a back button */
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (wabiz_leads_pane_get_search_entry (pane))));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (wabiz_leads_pane_get_editor (pane))));
  shot = wabiz_test_ui_screenshot (window, "ui-leads-narrow-list.png");
  g_clear_pointer (&shot, g_free);

  g_assert_true (gtk_selection_model_select_item (wabiz_leads_pane_get_selection (pane), 2, TRUE));
  g_signal_emit_by_name (wabiz_test_ui_find_mapped (GTK_WIDGET (pane), GTK_TYPE_LIST_VIEW), "activate", 2);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (wabiz_leads_pane_get_editor (pane))));
  shot = wabiz_test_ui_screenshot (window, "ui-leads-narrow-details.png");
  g_clear_pointer (&shot, g_free);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.show-list", NULL));
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (wabiz_leads_pane_get_search_entry (pane))));
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  wabiz_test_ui_run (narrow_cb, f);
}

static gboolean
n_leads_is (const char *conninfo,
            gint64      n)
{
  g_autoptr(WabizDbResult) res = query (conninfo, "SELECT count(*) AS n FROM leads", 0, NULL);

  return wabiz_db_result_get_int (res, 0, "n") == n;
}

static gboolean
three_leads (gpointer data)
{
  return n_leads_is (data, 3);
}

static AdwToast *last_toast;

static void
delete_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  Fixture *f = data;
  WabizLeadsPane *pane = show_leads (window);
  WabizLeadsModel *model = wabiz_leads_pane_get_model (pane);
  GtkSelectionModel *selection = wabiz_leads_pane_get_selection (pane);
  g_autofree char *shot = NULL;

  wait_for_items (model, 4);

  /* deleted from the list at once, but not from the database until the
   * toast goes: Undo brings them back */
  g_assert_true (gtk_selection_model_select_item (selection, 0, TRUE));
  g_assert_true (gtk_selection_model_select_item (selection, 1, FALSE));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.delete", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
  shot = wabiz_test_ui_screenshot (window, "ui-leads-deleted.png");
  g_clear_pointer (&shot, g_free);
  last_toast = g_object_get_data (G_OBJECT (pane), "wabiz-delete-toast");
  g_assert_nonnull (last_toast);
  g_signal_emit_by_name (last_toast, "button-clicked");
  wait_for_items (model, 4);
  g_assert_true (n_leads_is (f->conninfo, 4));

  /* without Undo, the toast going away deletes them */
  g_assert_true (gtk_selection_model_select_item (selection, 3, TRUE));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.delete", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);
  last_toast = g_object_get_data (G_OBJECT (pane), "wabiz-delete-toast");
  adw_toast_dismiss (last_toast);
  wabiz_test_wait_until (three_leads, f->conninfo, 30);
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  wabiz_test_ui_run (delete_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/leads/search", Fixture, NULL, fixture_setup, test_search, fixture_teardown);
  g_test_add ("/wabiz/ui/leads/paging", Fixture, NULL, fixture_setup, test_paging, fixture_teardown);
  g_test_add ("/wabiz/ui/leads/recycle", Fixture, NULL, fixture_setup, test_recycle, fixture_teardown);
  g_test_add ("/wabiz/ui/leads/edit", Fixture, NULL, fixture_setup, test_edit, fixture_teardown);
  g_test_add ("/wabiz/ui/leads/bulk", Fixture, NULL, fixture_setup, test_bulk, fixture_teardown);
  g_test_add ("/wabiz/ui/leads/import", Fixture, NULL, fixture_setup, test_import, fixture_teardown);
  g_test_add ("/wabiz/ui/leads/export", Fixture, NULL, fixture_setup, test_export, fixture_teardown);
  g_test_add ("/wabiz/ui/leads/narrow", Fixture, NULL, fixture_setup, test_narrow, fixture_teardown);
  g_test_add ("/wabiz/ui/leads/delete", Fixture, NULL, fixture_setup, test_delete, fixture_teardown);

  return g_test_run ();
}
