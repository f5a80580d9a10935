/* test-ui-campaigns.c: campaigns from the Leads pane, under Xvfb against
 * a real database, the app's campaign runner and outbox, and the Graph
 * simulator (in-process), whose statuses come back through the app's
 * webhook server
 *
 * SPDX-License-Identifier: MIT
 *
 * Filter the Leads pane, start a campaign to those leads: choose the
 * template, map its places to lead fields, see the preview (who gets it,
 * who is left out and why, how long it takes), with bad input on the
 * way; save the filter as a segment; start it and follow its progress
 * on its page, pause, look at cancelling, resume, and read what came of
 * each message, a page at a time; a scheduled campaign, cancelled.
 * Screenshots: <build>/screenshots/ui-campaigns-*.png
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "wabiz-campaign-dialog.h"
#include "wabiz-campaign-model.h"
#include "wabiz-campaign-result-row.h"
#include "wabiz-campaign-row.h"
#include "wabiz-campaigns-page.h"
#include "wabiz-campaigns-window.h"
#include "wabiz-leads-pane.h"
#include "wabiz-phone.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"

#define ANA "16315550001"
#define HANA "16315550008"

/* the same template as the simulator's */
#define TEMPLATE_SQL                                                                               \
  "INSERT INTO templates (name, language, category, status, body_text, parameter_format) VALUES" \
  " ('order_ready', 'en_US', 'UTILITY', 'APPROVED', 'Hi {{1}}, your order {{2}} is ready.', 'POSITIONAL');"

/* Twelve leads tagged vip: eight get it (Bruno without a name gets the
 * fallback, Hana's number cannot be reached), four are left out: Ivo
 * opted out, "call me" is no number, Ana's number twice, Kai has no
 * order number. 600 more leads, not tagged. A tier of 250 customers a
 * day, one message a second. */
#define LEADS_SQL                                                                                         \
  "UPDATE campaign_settings SET tier = '250', rate = 1;"                                                  \
  "INSERT INTO leads (phone, name, status, tags, custom_fields, opted_out_at) VALUES"                     \
  " ('" ANA "', 'Ana Souza', 'NEW', '{vip}', '{\"order\": \"#1001\"}', NULL),"                            \
  " ('16315550002', NULL, 'NEW', '{vip}', '{\"order\": \"#1002\"}', NULL),"                               \
  " ('16315550003', 'Carla Dias', 'NEW', '{vip}', '{\"order\": \"#1003\"}', NULL),"                       \
  " ('16315550004', 'Dora Reis', 'NEW', '{vip}', '{\"order\": \"#1004\"}', NULL),"                        \
  " ('16315550005', 'Eva Lima', 'NEW', '{vip}', '{\"order\": \"#1005\"}', NULL),"                         \
  " ('16315550006', 'Fabio Cruz', 'NEW', '{vip}', '{\"order\": \"#1006\"}', NULL),"                       \
  " ('16315550007', 'Gil Dias', 'NEW', '{vip}', '{\"order\": \"#1007\"}', NULL),"                         \
  " ('" HANA "', 'Hana Mori', 'NEW', '{vip}', '{\"order\": \"#1008\"}', NULL),"                           \
  " ('16315550009', 'Ivo Pinto', 'NEW', '{vip}', '{\"order\": \"#1009\"}', now()),"                       \
  " ('call me', 'Jia Wen', 'NEW', '{vip}', '{\"order\": \"#1010\"}', NULL),"                              \
  " ('+1 631 555 0001', 'Ana at work', 'NEW', '{vip}', '{\"order\": \"#1011\"}', NULL),"                  \
  " ('16315550012', 'Kai Sato', 'NEW', '{vip}', '{}', NULL);"                                             \
  /* of two leads with one number, the campaign sends to the one whose   \
   * id comes first: Ana's, here */                                      \
  "UPDATE leads SET id = '00000000-0000-4000-8000-000000000001' WHERE phone = '" ANA "';"                  \
  "UPDATE leads SET id = 'ffffffff-ffff-4fff-bfff-ffffffffffff' WHERE phone = '+1 631 555 0001';"          \
  "INSERT INTO leads (phone, name, status, custom_fields)"                                                \
  " SELECT '1631600' || lpad(g::text, 4, '0'), 'Lead ' || g, 'CONTACTED', jsonb_build_object('order', '#' || g)" \
  " FROM generate_series(1, 600) g;"

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;
  WabizDb        *db;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *seed = data;

  if (!wabiz_test_ui_available ())
    return;

  f->conninfo = wabiz_test_ui_set_database (seed);
  f->db = wabiz_db_new (f->conninfo, NULL, 2);
  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (wabiz_test_ui_available ())
    wabiz_test_ui_set_meta (NULL, FALSE);
  if (f->sim != NULL)
    wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  if (f->db != NULL)
    wabiz_db_close (f->db);
  g_clear_object (&f->db);
  wabiz_test_ui_clear_database (&f->conninfo);
}

static char *
sql_text (Fixture    *f,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static void
assert_sql (Fixture    *f,
            const char *sql,
            const char *expected)
{
  g_autofree char *value = sql_text (f, sql);

  g_assert_cmpstr (value, ==, expected);
}

/* The campaign @id as the model reads it now, with @limit recipients */
static JsonObject *
model_get (Fixture    *f,
           const char *id,
           guint       limit)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *campaign;

  wabiz_campaign_get_async (f->db, id, limit, 0, NULL, wabiz_test_store_result_cb, &result);
  campaign = wabiz_campaign_get_finish (wabiz_test_wait_result (&result, 60), &error);
  g_assert_no_error (error);
  return campaign;
}

static gint64
member_int (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : 0;
}

static const char *
member_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

static gint64
progress_of (JsonObject *campaign,
             const char *result)
{
  if (campaign == NULL)
    return -1;
  return member_int (json_object_get_object_member (campaign, "progress"), result);
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

/* Whether a label inside @widget shows @text */
static gboolean
shows_text (GtkWidget  *widget,
            const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_widget_get_mapped (child) &&
          g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), text) == 0)
        return TRUE;
      if (shows_text (child, text))
        return TRUE;
    }
  return FALSE;
}

static GObject *
child_of (gpointer    widget,
          GType       type,
          const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return child;
}

/* The label @name of @widget's template */
static const char *
label (gpointer    widget,
       const char *name)
{
  return wabiz_test_ui_row_label (GTK_WIDGET (widget), name);
}

static const char *
row_subtitle (gpointer    widget,
              GType       type,
              const char *name)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (child_of (widget, type, name)));
}

/* Scrolls @scroller until @target is at its top, as a person scrolls to
 * what they want to see */
static void
scroll_to (GObject   *scroller,
           GObject   *target)
{
  GtkWidget *viewport = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller));
  GtkWidget *content = GTK_IS_VIEWPORT (viewport) ? gtk_viewport_get_child (GTK_VIEWPORT (viewport)) : viewport;
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  graphene_point_t point;

  wabiz_test_ui_wait_frames (GTK_WIDGET (scroller), 2);
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (target), content, &GRAPHENE_POINT_INIT (0, 0), &point));
  gtk_adjustment_set_value (adjustment, point.y - 12);
  wabiz_test_ui_wait_frames (GTK_WIDGET (scroller), 2);
}

/* the Leads pane ---------------------------------------------------------------- */

static WabizLeadsPane *
show_leads (WabizWindow *window)
{
  WabizPane *pane;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "leads"));
  pane = wabiz_window_get_pane (window, "leads");
  g_assert_true (WABIZ_IS_LEADS_PANE (pane));
  WABIZ_TEST_WAIT (wabiz_pane_get_loaded (pane), 60);
  return WABIZ_LEADS_PANE (pane);
}

static gboolean
tag_offered (GtkDropDown *drop_down,
             const char  *tag,
             guint       *position)
{
  GListModel *tags = gtk_drop_down_get_model (drop_down);

  for (guint i = 0; tags != NULL && i < g_list_model_get_n_items (tags); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (tags, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), tag) == 0)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* Chooses @tag in the pane's tag filter, as a person does, and waits for
 * the @n leads it shows */
static void
filter_by_tag (WabizLeadsPane *pane,
               const char     *tag,
               guint           n)
{
  GtkDropDown *tags = GTK_DROP_DOWN (child_of (pane, WABIZ_TYPE_LEADS_PANE, "tag_filter"));
  WabizLeadsModel *model = wabiz_leads_pane_get_model (pane);
  guint position = 0;

  WABIZ_TEST_WAIT (tag_offered (tags, tag, &position), 60);
  gtk_drop_down_set_selected (tags, position);
  g_assert_cmpstr (wabiz_leads_model_get_tag (model), ==, tag);
  WABIZ_TEST_WAIT (!wabiz_leads_model_get_loading (model) &&
                   g_list_model_get_n_items (G_LIST_MODEL (model)) == n, 60);
}

/* the dialog -------------------------------------------------------------------- */

static WabizCampaignDialog *
wait_for_dialog (void)
{
  WabizCampaignDialog *dialog = NULL;

  WABIZ_TEST_WAIT ((dialog = (WabizCampaignDialog *) find_toplevel (WABIZ_TYPE_CAMPAIGN_DIALOG)) != NULL, 60);
  WABIZ_TEST_WAIT (!g_str_equal (wabiz_campaign_dialog_get_state (dialog), "loading"), 60);
  return dialog;
}

static void
wait_for_preview (WabizCampaignDialog *dialog)
{
  WABIZ_TEST_WAIT (wabiz_campaign_dialog_get_preview_ready (dialog), 60);
  wabiz_test_ui_wait_frames (GTK_WIDGET (dialog), 2);
}

/* The counts the preview shows: receive, opted out, invalid, already
 * receiving it, missing a value */
static void
assert_preview (WabizCampaignDialog *dialog,
                const char          *recipients,
                const char          *opted_out,
                const char          *invalid,
                const char          *duplicate,
                const char          *missing)
{
  const char *problem = adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG,
                                                                                                 "preview_group")));

  /* no problem named */
  g_assert_cmpstr (problem != NULL ? problem : "", ==, "");
  g_assert_cmpstr (label (dialog, "recipients_label"), ==, recipients);
  g_assert_cmpstr (label (dialog, "opted_out_label"), ==, opted_out);
  g_assert_cmpstr (label (dialog, "invalid_label"), ==, invalid);
  g_assert_cmpstr (label (dialog, "duplicate_label"), ==, duplicate);
  g_assert_cmpstr (label (dialog, "missing_label"), ==, missing);
  /* each count beside the reason in words */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "opted_out_row"))),
                   ==, "Opted Out");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "invalid_row"))),
                   ==, "Invalid Number");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "duplicate_row"))),
                   ==, "Already Receiving This Campaign");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "missing_row"))),
                   ==, "Missing a Value");
}

/* The preview names no count, only what is wrong */
static void
assert_problem (WabizCampaignDialog *dialog,
                const char          *problem)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "preview_group"));

  g_assert_cmpstr (adw_preferences_group_get_description (group), ==, problem);
  g_assert_cmpstr (label (dialog, "recipients_label"), ==, "—");
  g_assert_cmpstr (label (dialog, "duration_label"), ==, "—");
}

static const char *
selected_audience (WabizCampaignDialog *dialog)
{
  AdwComboRow *row = ADW_COMBO_ROW (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "audience_row"));
  GtkStringObject *item = adw_combo_row_get_selected_item (row);

  return item != NULL ? gtk_string_object_get_string (item) : NULL;
}

/* the campaign's page ------------------------------------------------------------- */

static JsonObject *
shown (WabizCampaignsPage *page)
{
  return wabiz_campaigns_page_get_campaign (page);
}

static const char *
shown_state (WabizCampaignsPage *page)
{
  return member_string (shown (page), "state");
}

static gint64
shown_sent (WabizCampaignsPage *page)
{
  return progress_of (shown (page), "sent") + progress_of (shown (page), "delivered") +
         progress_of (shown (page), "read");
}

/* Every count the page shows is the one it read */
static void
assert_progress_labels (WabizCampaignsPage *page)
{
  static const char * const results[] = { "pending", "queued", "sent", "delivered", "read", "failed",
                                          "cancelled", "excluded" };
  JsonObject *campaign = shown (page);
  g_autofree char *sent = NULL;

  g_assert_nonnull (campaign);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autofree char *name = g_strconcat (results[i], "_label", NULL);
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, progress_of (campaign, results[i]));

      g_assert_cmpstr (label (page, name), ==, count);
    }
  if (progress_of (campaign, "failed") > 0)
    sent = g_strdup_printf ("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " sent, %" G_GINT64_FORMAT " failed",
                            shown_sent (page), member_int (campaign, "recipients"), progress_of (campaign, "failed"));
  else
    sent = g_strdup_printf ("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " sent", shown_sent (page),
                            member_int (campaign, "recipients"));
  g_assert_cmpstr (label (page, "progress_label"), ==, sent);
}

static GtkWidget *
page_widget (WabizCampaignsPage *page,
             const char         *name)
{
  return GTK_WIDGET (child_of (page, WABIZ_TYPE_CAMPAIGNS_PAGE, name));
}

static guint
n_result_rows (WabizCampaignsPage *page)
{
  GtkListBox *list = GTK_LIST_BOX (page_widget (page, "results_list"));
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, (int) n) != NULL)
    n++;
  return n;
}

static WabizCampaignResultRow *
result_row (WabizCampaignsPage *page,
            guint               index)
{
  GtkListBox *list = GTK_LIST_BOX (page_widget (page, "results_list"));

  return WABIZ_CAMPAIGN_RESULT_ROW (gtk_list_box_get_row_at_index (list, (int) index));
}

/* The row of the campaign @id in the list */
static WabizCampaignRow *
list_row (WabizCampaignsPage *page,
          const char         *id)
{
  GtkListBox *list = GTK_LIST_BOX (page_widget (page, "list_box"));
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    if (g_strcmp0 (wabiz_campaign_row_get_id (WABIZ_CAMPAIGN_ROW (row)), id) == 0)
      return WABIZ_CAMPAIGN_ROW (row);
  return NULL;
}

static const char *
list_row_label (WabizCampaignsPage *page,
                const char         *id,
                const char         *name)
{
  WabizCampaignRow *row = list_row (page, id);

  return row != NULL ? label (row, name) : "(no row)";
}

/* The page has read what the model says now, as far as what waits goes */
static gboolean
page_agrees (Fixture            *f,
             WabizCampaignsPage *page)
{
  g_autoptr(JsonObject) model = model_get (f, wabiz_campaigns_page_get_campaign_id (page), 0);

  return shown (page) != NULL &&
         progress_of (model, "pending") == progress_of (shown (page), "pending") &&
         progress_of (model, "queued") == progress_of (shown (page), "queued") &&
         g_strcmp0 (member_string (model, "state"), shown_state (page)) == 0;
}

static AdwMessageDialog *
ask_to_cancel (WabizCampaignsPage *page)
{
  AdwMessageDialog *dialog = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "campaigns.cancel", NULL));
  WABIZ_TEST_WAIT ((dialog = (AdwMessageDialog *) find_toplevel (ADW_TYPE_MESSAGE_DIALOG)) != NULL, 30);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Cancel the Campaign?");
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, "cancel"), ==, "_Cancel Campaign");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "cancel"), ==, ADW_RESPONSE_DESTRUCTIVE);
  return dialog;
}

/* The words a person reads for a result of the model */
static const char *
result_words (const char *result)
{
  static const struct { const char *result, *words; } words[] = {
    { "pending", "Waiting" }, { "queued", "In the Outbox" }, { "sent", "Sent" },
    { "delivered", "Delivered" }, { "read", "Read" }, { "failed", "Failed" },
    { "unknown", "Unconfirmed" }, { "cancelled", "Not Sent" }, { "excluded", "Left Out" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_strcmp0 (words[i].result, result) == 0)
      return words[i].words;
  g_error ("No words for the result “%s”", result);
}

/* Each row of results shows its recipient as the model has it: the
 * number, what came of it, and why when it failed or was left out */
static void
assert_results_match (Fixture            *f,
                      WabizCampaignsPage *page)
{
  g_autoptr(JsonObject) model = model_get (f, wabiz_campaigns_page_get_campaign_id (page), 100);
  JsonArray *recipients = json_object_get_array_member (model, "recipient_results");
  guint n = n_result_rows (page);

  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      WabizCampaignResultRow *row = result_row (page, i);
      JsonObject *shown_recipient = wabiz_campaign_result_row_get_recipient (row);
      const char *phone = member_string (shown_recipient, "phone");
      JsonObject *truth = NULL;
      g_autofree char *display = NULL;

      for (guint k = 0; k < json_array_get_length (recipients); k++)
        if (g_strcmp0 (member_string (json_array_get_object_element (recipients, k), "phone"), phone) == 0)
          truth = json_array_get_object_element (recipients, k);
      g_assert_nonnull (truth);
      g_assert_cmpstr (label (row, "result_label"), ==, result_words (member_string (truth, "result")));
      display = wabiz_phone_format_display (phone);
      g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                       display != NULL ? display : phone);
      if (g_strcmp0 (member_string (truth, "result"), "failed") == 0)
        g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), member_string (truth, "reason")));
    }
}

static WabizCampaignResultRow *
result_row_of (WabizCampaignsPage *page,
               const char         *phone)
{
  for (guint i = 0; i < n_result_rows (page); i++)
    if (g_strcmp0 (member_string (wabiz_campaign_result_row_get_recipient (result_row (page, i)), "phone"), phone) == 0)
      return result_row (page, i);
  g_error ("No row of results for %s", phone);
}

/* Every message of the campaign got to its end: read, or failed */
static gboolean
results_final (WabizCampaignsPage *page)
{
  JsonObject *campaign = shown (page);

  return campaign != NULL && g_strcmp0 (shown_state (page), "done") == 0 &&
         progress_of (campaign, "pending") == 0 && progress_of (campaign, "queued") == 0 &&
         progress_of (campaign, "sent") == 0 && progress_of (campaign, "delivered") == 0 &&
         progress_of (campaign, "read") + progress_of (campaign, "failed") == member_int (campaign, "recipients");
}

/* create, preview, run, pause, resume, results ---------------------------------------- */

static void
send_cb (WabizApplication *app,
         WabizWindow      *window,
         gpointer          data)
{
  Fixture *f = data;
  WabizServices *services = wabiz_application_get_services (app);
  WabizLeadsPane *pane;
  WabizCampaignDialog *dialog;
  WabizCampaignsWindow *campaigns;
  WabizCampaignsPage *page;
  AdwMessageDialog *question;
  g_autofree char *url = NULL;
  g_autofree char *webhook_url = NULL;
  g_autofree char *first_progress = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  g_autofree char *segment_id = NULL;
  g_autofree char *sql = NULL;
  GtkEditable *name_row;
  GtkEditable *start_row;
  gint64 pending;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);

  /* Meta's statuses come back as on a real number: the simulator's signed
   * webhooks to the app's webhook server */
  g_assert_nonnull (wabiz_services_get_http (services));
  url = wabiz_http_server_dup_url (wabiz_services_get_http (services));
  webhook_url = g_strconcat (url, "/webhook", NULL);
  g_object_set (f->sim, "webhook-url", webhook_url, NULL);

  /* the leads tagged vip, then "Send a Campaign to These Leads" */
  pane = show_leads (window);
  filter_by_tag (pane, "vip", 12);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.send-campaign", NULL));
  dialog = wait_for_dialog ();
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  /* the templates came from Meta (the simulator) */
  g_assert_cmpstr (wabiz_campaign_dialog_get_state (dialog), ==, "form");
  assert_sql (f, "SELECT status FROM templates WHERE name = 'order_ready' AND language = 'en_US'", "APPROVED");
  g_assert_cmpstr (selected_audience (dialog), ==, "Chosen in the Leads Pane");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "filter_row"))),
                   ==, "Tagged vip");

  /* the template, and where each place comes from */
  g_assert_false (wabiz_campaign_dialog_select_template (dialog, "no_such_template", "en_US"));
  g_assert_true (wabiz_campaign_dialog_select_template (dialog, "order_ready", "en_US"));
  g_assert_true (wabiz_campaign_dialog_set_parameter (dialog, 0, "name", "there"));
  g_assert_true (wabiz_campaign_dialog_set_parameter (dialog, 1, "custom.order", NULL));
  g_assert_false (wabiz_campaign_dialog_set_parameter (dialog, 2, "name", NULL));
  g_assert_cmpstr (label (dialog, "preview_body"), ==, "Hi [Name], your order [Custom Field “order”] is ready.");

  /* the preview: eight get it; each reason for leaving one out, once */
  wait_for_preview (dialog);
  assert_preview (dialog, "8", "1", "1", "1", "1");
  g_assert_cmpstr (label (dialog, "segment_count_label"), ==, "12 leads");
  g_assert_cmpstr (label (dialog, "duration_label"), ==, "Less than a minute");
  g_assert_cmpstr (row_subtitle (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "duration_row"), ==,
                   "Within your messaging tier of 250 customers a day; sending 1 a second");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "examples_row"))));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-campaigns-dialog.png"));
  scroll_to (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "form_scroller"),
             child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "params_group"));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-campaigns-dialog-values.png"));
  scroll_to (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "form_scroller"),
             child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "preview_group"));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-campaigns-dialog-preview.png"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-campaigns-dialog-dark.png"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* every lead: more than the tier allows in a day, so over three days */
  g_assert_true (wabiz_campaign_dialog_select_audience (dialog, "Every Lead"));
  wait_for_preview (dialog);
  assert_preview (dialog, "608", "1", "1", "1", "1");
  g_assert_cmpstr (label (dialog, "segment_count_label"), ==, "612 leads");
  g_assert_cmpstr (label (dialog, "duration_label"), ==, "About 2 days");
  g_assert_cmpstr (row_subtitle (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "duration_row"), ==,
                   "Over 3 days: Meta’s messaging tier lets your number reach 250 customers a day; sending 1 a second");
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-campaigns-dialog-days.png"));
  g_assert_true (wabiz_campaign_dialog_select_audience (dialog, "Chosen in the Leads Pane"));
  wait_for_preview (dialog);
  assert_preview (dialog, "8", "1", "1", "1", "1");

  /* bad input: a place with neither a field nor a text */
  g_assert_true (wabiz_campaign_dialog_set_parameter (dialog, 1, NULL, "  "));
  wait_for_preview (dialog);
  assert_problem (dialog, "Type the text for {{2}}, or take it from a field of the lead.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "campaign.start", NULL));
  g_assert_cmpstr (wabiz_campaign_dialog_get_error (dialog), ==,
                   "Type the text for {{2}}, or take it from a field of the lead.");
  g_assert_cmpstr (wabiz_campaign_dialog_get_state (dialog), ==, "form");
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-campaigns-dialog-problem.png"));
  /* the same text for everyone is fine */
  g_assert_true (wabiz_campaign_dialog_set_parameter (dialog, 1, NULL, "#SALE"));
  wait_for_preview (dialog);
  assert_preview (dialog, "9", "1", "1", "1", "0");
  g_assert_cmpstr (label (dialog, "preview_body"), ==, "Hi [Name], your order #SALE is ready.");
  g_assert_true (wabiz_campaign_dialog_set_parameter (dialog, 1, "custom.order", NULL));
  wait_for_preview (dialog);
  assert_preview (dialog, "8", "1", "1", "1", "1");

  /* a start time that is no time, then one that has passed */
  gtk_switch_set_active (GTK_SWITCH (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "later_switch")), TRUE);
  start_row = GTK_EDITABLE (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "start_row"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (start_row)));
  g_assert_cmpuint (strlen (gtk_editable_get_text (start_row)), ==, strlen ("2025-03-14 09:00"));
  gtk_editable_set_text (start_row, "tomorrow at 9");
  wait_for_preview (dialog);
  assert_problem (dialog, "Write the start as a date and a time, such as 2025-03-14 09:00.");
  gtk_editable_set_text (start_row, "2020-01-01 09:00");
  wait_for_preview (dialog);
  assert_problem (dialog, "The start time has passed: choose a time to come, or turn off “Start Later”.");
  gtk_switch_set_active (GTK_SWITCH (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "later_switch")), FALSE);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (start_row)));
  wait_for_preview (dialog);
  assert_preview (dialog, "8", "1", "1", "1", "1");

  /* no name: it says so, and nothing is written */
  name_row = GTK_EDITABLE (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "name_row"));
  g_assert_cmpstr (gtk_editable_get_text (name_row), !=, "");
  gtk_editable_set_text (name_row, "   ");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "campaign.start", NULL));
  g_assert_cmpstr (wabiz_campaign_dialog_get_error (dialog), ==, "Give the campaign a name, so that you can find it later.");
  g_assert_cmpstr (wabiz_campaign_dialog_get_state (dialog), ==, "form");
  assert_sql (f, "SELECT count(*) FROM campaigns", "0");
  gtk_editable_set_text (name_row, "VIP order ready");

  /* the filter, saved as a segment, is what the campaign goes to */
  gtk_editable_set_text (GTK_EDITABLE (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "save_row")), "VIP customers");
  g_signal_emit_by_name (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "save_row"), "apply");
  WABIZ_TEST_WAIT (g_strcmp0 (selected_audience (dialog), "VIP customers") == 0, 30);
  segment_id = sql_text (f, "SELECT id::text FROM segments WHERE name = 'VIP customers' AND filter = '{\"tags\": [\"vip\"]}'");
  g_assert_nonnull (segment_id);
  g_assert_cmpstr (row_subtitle (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "filter_row"), ==, "A saved segment");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "save_row"))));
  wait_for_preview (dialog);
  assert_preview (dialog, "8", "1", "1", "1", "1");

  /* start: written, and its page opens */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "campaign.start", NULL));
  WABIZ_TEST_WAIT (dialog == NULL, 60);
  sql = g_strdup_printf ("SELECT count(*) FROM campaigns WHERE name = 'VIP order ready' AND segment_id = '%s'"
                         " AND template_name = 'order_ready' AND n_recipients = 8 AND n_excluded = 4",
                         segment_id);
  assert_sql (f, sql, "1");
  WABIZ_TEST_WAIT ((campaigns = (WabizCampaignsWindow *) find_toplevel (WABIZ_TYPE_CAMPAIGNS_WINDOW)) != NULL, 30);
  gtk_window_set_default_size (GTK_WINDOW (campaigns), 1000, 720);
  page = wabiz_campaigns_window_get_page (campaigns);
  id = sql_text (f, "SELECT id::text FROM campaigns");
  g_assert_cmpstr (wabiz_campaigns_page_get_campaign_id (page), ==, id);

  /* progress, live: the labels move as the simulator takes the sends */
  WABIZ_TEST_WAIT (shown (page) != NULL && json_object_has_member (shown (page), "recipient_results"), 60);
  first_progress = g_strdup (label (page, "progress_label"));
  WABIZ_TEST_WAIT (g_strcmp0 (shown_state (page), "running") == 0 && shown_sent (page) >= 2, 120);
  g_assert_cmpstr (label (page, "progress_label"), !=, first_progress);
  g_assert_cmpstr (label (page, "state_label"), ==, "Sending");
  assert_progress_labels (page);
  /* the list follows the same changes, on its own */
  WABIZ_TEST_WAIT (g_strcmp0 (list_row_label (page, id, "state_label"), "Sending") == 0, 60);
  g_assert_cmpstr (list_row_label (page, id, "name_label"), ==, "VIP order ready");
  g_assert_true (gtk_widget_get_visible (page_widget (page, "pause_button")));
  g_assert_false (gtk_widget_get_visible (page_widget (page, "resume_button")));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (campaigns), "ui-campaigns-progress.png"));

  /* pause: nothing more goes; what waits stays waiting */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "campaigns.pause", NULL));
  WABIZ_TEST_WAIT (g_strcmp0 (shown_state (page), "paused") == 0, 60);
  WABIZ_TEST_WAIT (page_agrees (f, page), 60);
  g_assert_cmpstr (label (page, "state_label"), ==, "Paused");
  g_assert_cmpstr (label (page, "time_label"), ==, "Nothing more goes out until you resume it");
  g_assert_false (gtk_widget_get_visible (page_widget (page, "pause_button")));
  g_assert_true (gtk_widget_get_visible (page_widget (page, "resume_button")));
  assert_progress_labels (page);
  pending = progress_of (shown (page), "pending");
  g_assert_cmpint (pending, >, 0);
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (campaigns), "ui-campaigns-paused.png"));

  /* cancelling asks first, and says what happens to whom; kept */
  question = ask_to_cancel (page);
  if (progress_of (shown (page), "queued") == 0)
    body = g_strdup_printf ("%" G_GINT64_FORMAT " %s not been sent it yet and will not get it.\n\n"
                            "Messages already sent cannot be taken back.",
                            pending, pending == 1 ? "recipient has" : "recipients have");
  else
    body = g_strdup_printf ("%" G_GINT64_FORMAT " %s not been sent it yet and will not get it.\n\n"
                            "%" G_GINT64_FORMAT " %s",
                            pending, pending == 1 ? "recipient has" : "recipients have",
                            progress_of (shown (page), "queued"),
                            progress_of (shown (page), "queued") == 1
                            ? "message is already in the outbox: it still goes out, as messages handed to the outbox cannot be held back."
                            : "messages are already in the outbox: they still go out, as messages handed to the outbox cannot be held back.");
  g_assert_cmpstr (adw_message_dialog_get_body (question), ==, body);
  g_assert_cmpstr (adw_message_dialog_get_response_label (question, "keep"), ==, "_Keep Sending");
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (question), "ui-campaigns-cancel-question.png"));
  g_object_add_weak_pointer (G_OBJECT (question), (gpointer *) &question);
  /* what its button does: answer, and close */
  adw_message_dialog_response (question, "keep");
  gtk_window_close (GTK_WINDOW (question));
  WABIZ_TEST_WAIT (question == NULL, 30);
  assert_sql (f, "SELECT state FROM campaigns", "paused");

  /* resume: to the end; a toast says it finished */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "campaigns.resume", NULL));
  WABIZ_TEST_WAIT (g_strcmp0 (shown_state (page), "paused") != 0, 60);
  WABIZ_TEST_WAIT (g_strcmp0 (shown_state (page), "done") == 0, 120);
  WABIZ_TEST_WAIT (shows_text (GTK_WIDGET (campaigns), "Campaign “VIP order ready” finished"), 30);
  g_assert_cmpstr (label (page, "state_label"), ==, "Finished");
  g_assert_false (gtk_widget_get_visible (page_widget (page, "cancel_button")));
  WABIZ_TEST_WAIT (g_strcmp0 (list_row_label (page, id, "state_label"), "Finished") == 0, 60);

  /* what came of each message, as Meta's statuses come back: read,
   * Hana's failed with Meta's reason; the four left out, with theirs */
  WABIZ_TEST_WAIT (results_final (page), 120);
  WABIZ_TEST_WAIT (page_agrees (f, page), 60);
  wabiz_test_ui_wait_frames (GTK_WIDGET (campaigns), 2);
  assert_progress_labels (page);
  g_assert_cmpstr (label (page, "progress_label"), ==, "7 of 8 sent, 1 failed");
  g_assert_cmpstr (label (page, "read_label"), ==, "7");
  g_assert_cmpstr (label (page, "failed_label"), ==, "1");
  g_assert_cmpstr (label (page, "excluded_label"), ==, "4");
  g_assert_cmpuint (n_result_rows (page), ==, 12);
  g_assert_cmpstr (label (page, "page_label"), ==, "1–12 of 12");
  assert_results_match (f, page);
  g_assert_cmpstr (label (result_row_of (page, ANA), "result_label"), ==, "Read");
  g_assert_cmpstr (label (result_row_of (page, "16315550002"), "result_label"), ==, "Read");
  g_assert_cmpstr (label (result_row_of (page, HANA), "result_label"), ==, "Failed");
  g_assert_nonnull (adw_action_row_get_subtitle (ADW_ACTION_ROW (result_row_of (page, HANA))));
  g_assert_cmpstr (label (result_row_of (page, "16315550009"), "result_label"), ==, "Left Out");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (result_row_of (page, "16315550009"))), ==,
                   "Opted out of messages");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (result_row_of (page, "call me"))), ==,
                   "Not a WhatsApp number");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (result_row_of (page, "+1 631 555 0001"))), ==,
                   "The same number as +1 631-555-0001, which gets it");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (result_row_of (page, "16315550012"))), ==,
                   "{{2}} (custom.order) is empty and has no fallback");
  /* Meta got each of them once, Bruno with the fallback */
  {
    g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

    g_assert_cmpuint (json_array_get_length (ledger), ==, 8);
  }
  scroll_to (child_of (page, WABIZ_TYPE_CAMPAIGNS_PAGE, "details_scroller"),
             child_of (page, WABIZ_TYPE_CAMPAIGNS_PAGE, "results_group"));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (campaigns), "ui-campaigns-results.png"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (campaigns), "ui-campaigns-results-dark.png"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* a page of results at a time */
  wabiz_campaigns_page_set_results_page_size (page, 5);
  WABIZ_TEST_WAIT (n_result_rows (page) == 5 && g_strcmp0 (label (page, "page_label"), "1–5 of 12") == 0, 60);
  assert_results_match (f, page);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "campaigns.results-next", NULL));
  WABIZ_TEST_WAIT (n_result_rows (page) == 5 && g_strcmp0 (label (page, "page_label"), "6–10 of 12") == 0, 60);
  assert_results_match (f, page);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "campaigns.results-next", NULL));
  WABIZ_TEST_WAIT (n_result_rows (page) == 2 && g_strcmp0 (label (page, "page_label"), "11–12 of 12") == 0, 60);
  assert_results_match (f, page);
  /* the last page: no next */
  gtk_widget_activate_action (GTK_WIDGET (page), "campaigns.results-next", NULL);
  g_assert_cmpuint (wabiz_campaigns_page_get_results_offset (page), ==, 10);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "campaigns.results-previous", NULL));
  WABIZ_TEST_WAIT (n_result_rows (page) == 5 && g_strcmp0 (label (page, "page_label"), "6–10 of 12") == 0, 60);

  /* narrow: the campaign, with its own back button, then the list */
  gtk_window_set_default_size (GTK_WINDOW (campaigns), 360, 720);
  WABIZ_TEST_WAIT (adw_leaflet_get_folded (ADW_LEAFLET (page_widget (page, "leaflet"))), 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (campaigns), 3);
  g_assert_true (gtk_widget_get_visible (page_widget (page, "back_button")));
  g_assert_true (gtk_widget_get_mapped (page_widget (page, "details_side")));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (campaigns), "ui-campaigns-narrow-details.png"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "campaigns.show-list", NULL));
  WABIZ_TEST_WAIT (gtk_widget_get_mapped (page_widget (page, "list_side")), 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (campaigns), 3);
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (campaigns), "ui-campaigns-narrow-list.png"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (campaigns), "ui-campaigns-narrow-list-dark.png"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  g_object_set (f->sim, "webhook-url", NULL, NULL);
}

static void
test_send (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(JsonObject) changes = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *undeliverable;

  if (wabiz_test_ui_skip_without_display ())
    return;

  changes = json_object_new ();
  undeliverable = json_array_new ();
  settings = g_settings_new ("org.example.WaBiz");

  /* Hana's phone cannot take it: Meta says so in a status */
  json_array_add_string_element (undeliverable, HANA);
  json_object_set_array_member (changes, "undeliverable", undeliverable);
  g_assert_true (wabiz_sim_server_update_config (f->sim, changes, &error));
  g_assert_no_error (error);

  /* Hana's failed send is no desktop notification here: Xvfb has no
   * notification server, and GIO warns without one */
  g_settings_set_boolean (settings, "notifications", FALSE);

  wabiz_test_ui_set_meta (wabiz_sim_server_get_base_url (f->sim), TRUE);
  wabiz_test_ui_run (send_cb, f);
  g_settings_reset (settings, "notifications");
}

/* a scheduled campaign to a saved segment, cancelled ------------------------------ */

static void
scheduled_cb (WabizApplication *app,
              WabizWindow      *window,
              gpointer          data)
{
  Fixture *f = data;
  WabizLeadsPane *pane = show_leads (window);
  WabizCampaignsWindow *campaigns;
  WabizCampaignsPage *page;
  WabizCampaignDialog *dialog;
  AdwMessageDialog *question;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) nine = g_date_time_new_local (g_date_time_get_year (tomorrow), g_date_time_get_month (tomorrow),
                                                     g_date_time_get_day_of_month (tomorrow), 9, 0, 0);
  g_autofree char *starts = NULL;
  g_autofree char *when = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *id = NULL;

  /* the campaigns, from the Leads pane's menu: none yet */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.campaigns", NULL));
  WABIZ_TEST_WAIT ((campaigns = (WabizCampaignsWindow *) find_toplevel (WABIZ_TYPE_CAMPAIGNS_WINDOW)) != NULL, 30);
  gtk_window_set_default_size (GTK_WINDOW (campaigns), 1000, 720);
  page = wabiz_campaigns_window_get_page (campaigns);
  WABIZ_TEST_WAIT (wabiz_pane_get_loaded (WABIZ_PANE (page)), 60);
  wabiz_test_ui_wait_frames (GTK_WIDGET (campaigns), 3);
  g_assert_true (wabiz_test_ui_shows_status (GTK_WIDGET (page), "No Campaigns Yet"));
  g_assert_true (wabiz_test_ui_shows_status (GTK_WIDGET (page), "No Campaign Selected"));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (campaigns), "ui-campaigns-empty.png"));

  /* a new one, from there: to the saved segment, tomorrow at 9:00 */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "campaigns.new", NULL));
  dialog = wait_for_dialog ();
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_cmpstr (wabiz_campaign_dialog_get_state (dialog), ==, "form");
  g_assert_cmpstr (selected_audience (dialog), ==, "Every Lead");
  g_assert_false (wabiz_campaign_dialog_select_audience (dialog, "Chosen in the Leads Pane"));
  g_assert_true (wabiz_campaign_dialog_select_audience (dialog, "VIP customers"));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "filter_row"))),
                   ==, "Status New · Tagged vip");
  g_assert_true (wabiz_campaign_dialog_select_template (dialog, "order_ready", "en_US"));
  g_assert_true (wabiz_campaign_dialog_set_parameter (dialog, 0, "name", "there"));
  g_assert_true (wabiz_campaign_dialog_set_parameter (dialog, 1, "custom.order", "your order"));
  gtk_switch_set_active (GTK_SWITCH (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "later_switch")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (child_of (dialog, WABIZ_TYPE_CAMPAIGN_DIALOG, "name_row")), "Tomorrow’s reminder");
  wait_for_preview (dialog);
  /* with a fallback for the order, Kai gets it too */
  assert_preview (dialog, "9", "1", "1", "1", "0");
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-campaigns-dialog-scheduled.png"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "campaign.start", NULL));
  WABIZ_TEST_WAIT (dialog == NULL, 60);

  /* written for tomorrow at 9:00 here; the page says when */
  when = g_date_time_format_iso8601 (nine);
  sql = g_strdup_printf ("SELECT count(*) FROM campaigns WHERE state = 'scheduled' AND start_at = '%s'::timestamptz"
                         " AND segment_id IS NOT NULL AND n_recipients = 9", when);
  assert_sql (f, sql, "1");
  id = sql_text (f, "SELECT id::text FROM campaigns");
  g_assert_cmpstr (wabiz_campaigns_page_get_campaign_id (page), ==, id);
  WABIZ_TEST_WAIT (g_strcmp0 (shown_state (page), "scheduled") == 0, 60);
  WABIZ_TEST_WAIT (list_row (page, id) != NULL, 60);
  if (g_date_time_get_year (nine) == g_date_time_get_year (now))
    starts = g_date_time_format (nine, "Starts %b %-d, %H:%M");
  else
    starts = g_date_time_format (nine, "Starts %b %-d %Y, %H:%M");
  g_assert_cmpstr (label (page, "state_label"), ==, "Scheduled");
  g_assert_cmpstr (label (page, "time_label"), ==, starts);
  WABIZ_TEST_WAIT (g_strcmp0 (list_row_label (page, id, "state_label"), "Scheduled") == 0, 60);
  g_assert_cmpstr (list_row_label (page, id, "detail_label"), ==, starts);
  assert_progress_labels (page);
  g_assert_cmpstr (label (page, "pending_label"), ==, "9");

  /* cancel: nobody was sent it, nobody will be */
  question = ask_to_cancel (page);
  g_assert_cmpstr (adw_message_dialog_get_body (question), ==,
                   "9 recipients have not been sent it yet and will not get it.\n\n"
                   "Messages already sent cannot be taken back.");
  g_assert_cmpstr (adw_message_dialog_get_response_label (question, "keep"), ==, "_Keep It");
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (question), "ui-campaigns-cancel-scheduled.png"));
  adw_message_dialog_response (question, "cancel");
  gtk_window_close (GTK_WINDOW (question));
  WABIZ_TEST_WAIT (g_strcmp0 (shown_state (page), "cancelled") == 0, 60);
  WABIZ_TEST_WAIT (progress_of (shown (page), "cancelled") == 9, 60);
  g_assert_cmpstr (label (page, "state_label"), ==, "Cancelled");
  g_assert_cmpstr (label (page, "cancelled_label"), ==, "9");
  g_assert_true (gtk_widget_get_visible (page_widget (page, "cancelled_row")));
  g_assert_false (gtk_widget_get_visible (page_widget (page, "pause_button")));
  g_assert_false (gtk_widget_get_visible (page_widget (page, "resume_button")));
  g_assert_false (gtk_widget_get_visible (page_widget (page, "cancel_button")));
  WABIZ_TEST_WAIT (g_strcmp0 (list_row_label (page, id, "state_label"), "Cancelled") == 0, 60);
  assert_sql (f, "SELECT state FROM campaigns", "cancelled");
  assert_sql (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'cancelled'", "9");
  assert_sql (f, "SELECT count(*) FROM outbox", "0");
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (campaigns), "ui-campaigns-cancelled.png"));

  /* closed, it opens again as it was */
  gtk_window_close (GTK_WINDOW (campaigns));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (campaigns)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.campaigns", NULL));
  g_assert_true (find_toplevel (WABIZ_TYPE_CAMPAIGNS_WINDOW) == GTK_WINDOW (campaigns));
  g_assert_cmpstr (wabiz_campaigns_page_get_campaign_id (page), ==, id);
}

static void
test_scheduled (Fixture       *f,
                gconstpointer  data)
{
  wabiz_test_ui_run (scheduled_cb, f);
}

/* no approved template: the dialog says what to do ------------------------------------ */

static void
no_templates_cb (WabizApplication *app,
                 WabizWindow      *window,
                 gpointer          data)
{
  WabizLeadsPane *pane = show_leads (window);
  WabizCampaignDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "leads.send-campaign", NULL));
  dialog = wait_for_dialog ();
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_cmpstr (wabiz_campaign_dialog_get_state (dialog), ==, "empty");
  wabiz_test_ui_wait_frames (GTK_WIDGET (dialog), 2);
  g_assert_true (wabiz_test_ui_shows_status (GTK_WIDGET (dialog), "No Approved Templates"));
  g_free (wabiz_test_ui_screenshot_widget (GTK_WIDGET (dialog), "ui-campaigns-no-templates.png"));
  /* Start does nothing here */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "campaign.start", NULL);
  g_assert_cmpstr (wabiz_campaign_dialog_get_state (dialog), ==, "empty");
  /* "Go to Templates" closes it and shows the pane */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "campaign.open-templates", NULL));
  WABIZ_TEST_WAIT (dialog == NULL, 30);
  g_assert_cmpstr (wabiz_window_get_pane_name (window), ==, "templates");
}

static void
test_no_templates (Fixture       *f,
                   gconstpointer  data)
{
  wabiz_test_ui_run (no_templates_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  wabiz_test_ui_test_init (&argc, &argv);
  /* Several windows at once on an X server without a window manager: a
   * text cursor's blink can fire in a window that no longer has the
   * focus, which GTK warns about */
  if (wabiz_test_ui_available ())
    g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

  g_test_add ("/wabiz/ui/campaigns/send", Fixture, LEADS_SQL, fixture_setup, test_send, fixture_teardown);
  g_test_add ("/wabiz/ui/campaigns/scheduled", Fixture,
              TEMPLATE_SQL LEADS_SQL
              "INSERT INTO segments (name, filter) VALUES ('VIP customers', '{\"status\": [\"NEW\"], \"tags\": [\"vip\"]}');",
              fixture_setup, test_scheduled, fixture_teardown);
  g_test_add ("/wabiz/ui/campaigns/no-templates", Fixture, LEADS_SQL, fixture_setup, test_no_templates,
              fixture_teardown);

  return g_test_run ();
}
