/* wabiz-campaigns-page.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The campaigns: a list, newest first, with each one's state and
 * progress, beside the page of the chosen one: its progress by result,
 * pause, resume and cancel (which asks first, and says what happens to
 * the messages already in the outbox), and its recipients a page at a
 * time with what came of each message. Everything follows the database:
 * the runner's and the outbox's changes come through the listener
 * (changed::campaigns, changed::messages), a few times a second at most.
 * When a campaign finishes the page emits ::campaign-finished.
 */

#define G_LOG_DOMAIN "wabiz-campaigns-page"

#include "config.h"

#include "wabiz-campaign-dialog.h"
#include "wabiz-campaign-format.h"
#include "wabiz-campaign-model.h"
#include "wabiz-campaign-result-row.h"
#include "wabiz-campaign-row.h"
#include "wabiz-campaigns-page.h"
#include "wabiz-error.h"

#include <glib/gi18n.h>

#define LIST_PAGE 50
#define RESULTS_PAGE 50
/* changes come in bursts (a campaign's sends): look again at most this often */
#define REFRESH_MS 250

struct _WabizCampaignsPage
{
  WabizPane            parent_instance;

  GHashTable          *rows;                /* (owned) id → WabizCampaignRow, in list_box */
  GHashTable          *states;              /* (owned) id → state, as last seen */
  JsonObject          *campaign;            /* (owned) (nullable): the one shown, as last read */
  char                *campaign_id;         /* (owned) (nullable) */
  GCancellable        *details_cancellable; /* (owned) (nullable) */
  guint                list_limit;
  guint                results_page_size;
  guint                results_offset;
  guint                refresh_source;
  gboolean             list_loading;
  gboolean             list_again;
  gboolean             details_loading;
  gboolean             details_again;
  gboolean             listed_once;

  /* template children */
  AdwLeaflet          *leaflet;
  GtkWidget           *list_side;
  AdwHeaderBar        *list_header;
  GtkStack            *list_stack;
  AdwStatusPage       *list_status;
  GtkListBox          *list_box;
  GtkWidget           *more_button;
  GtkWidget           *details_side;
  AdwHeaderBar        *details_header;
  AdwWindowTitle      *details_title;
  GtkWidget           *back_button;
  GtkStack            *details_stack;
  GtkScrolledWindow   *details_scroller;
  AdwStatusPage       *details_status;
  GtkLabel            *state_label;
  GtkLabel            *time_label;
  GtkProgressBar      *progress_bar;
  GtkLabel            *progress_label;
  GtkWidget           *pause_button;
  GtkWidget           *resume_button;
  GtkWidget           *cancel_button;
  GtkWidget           *actions_box;
  GtkWidget           *pending_row;
  GtkLabel            *pending_label;
  GtkWidget           *queued_row;
  GtkLabel            *queued_label;
  GtkLabel            *sent_label;
  GtkLabel            *delivered_label;
  GtkLabel            *read_label;
  GtkLabel            *failed_label;
  GtkWidget           *cancelled_row;
  GtkLabel            *cancelled_label;
  GtkWidget           *excluded_row;
  GtkLabel            *excluded_label;
  GtkLabel            *template_label;
  AdwActionRow        *audience_row;
  GtkLabel            *created_label;
  GtkWidget           *results_group;
  GtkLabel            *page_label;
  GtkListBox          *results_list;
};

G_DEFINE_FINAL_TYPE (WabizCampaignsPage, wabiz_campaigns_page, WABIZ_TYPE_PANE)

enum {
  SIGNAL_CAMPAIGN_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void load_list (WabizCampaignsPage *self);
static void load_details (WabizCampaignsPage *self);

static gboolean
is_live (const char *state)
{
  return g_strcmp0 (state, "scheduled") == 0 || g_strcmp0 (state, "running") == 0 ||
         g_strcmp0 (state, "paused") == 0;
}

/* Remembers @campaign's state; a live one that is now done finished */
static void
note_state (WabizCampaignsPage *self,
            JsonObject         *campaign)
{
  const char *id = wabiz_campaign_get_string (campaign, "id");
  const char *state = wabiz_campaign_get_string (campaign, "state");
  const char *before;

  if (id == NULL || state == NULL)
    return;
  before = g_hash_table_lookup (self->states, id);
  if (self->listed_once && g_str_equal (state, "done") && (before == NULL || is_live (before)))
    g_signal_emit (self, signals[SIGNAL_CAMPAIGN_FINISHED], 0, id, wabiz_campaign_get_string (campaign, "name"));
  g_hash_table_replace (self->states, g_strdup (id), g_strdup (state));
}

static gboolean
any_live (WabizCampaignsPage *self)
{
  GHashTableIter iter;
  const char *state;

  g_hash_table_iter_init (&iter, self->states);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if (is_live (state))
      return TRUE;
  return FALSE;
}

/* the list ------------------------------------------------------------------- */

static void
select_open_row (WabizCampaignsPage *self)
{
  GtkWidget *row = self->campaign_id != NULL ? g_hash_table_lookup (self->rows, self->campaign_id) : NULL;

  if (row != NULL)
    gtk_list_box_select_row (self->list_box, GTK_LIST_BOX_ROW (row));
  else
    gtk_list_box_unselect_all (self->list_box);
}

static void
apply_list (WabizCampaignsPage *self,
            JsonObject         *list)
{
  JsonArray *campaigns = json_object_get_array_member (list, "campaigns");
  guint n = campaigns != NULL ? json_array_get_length (campaigns) : 0;
  gint64 total = wabiz_campaign_get_int (list, "total");
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  GtkWidget *row;

  for (guint i = 0; i < n; i++)
    {
      JsonObject *campaign = json_array_get_object_element (campaigns, i);
      const char *id = wabiz_campaign_get_string (campaign, "id");
      GtkListBoxRow *at = gtk_list_box_get_row_at_index (self->list_box, (int) i);

      if (id == NULL)
        continue;
      note_state (self, campaign);
      g_hash_table_add (seen, (gpointer) id);
      row = g_hash_table_lookup (self->rows, id);
      if (row == NULL)
        {
          row = wabiz_campaign_row_new (campaign);
          g_hash_table_insert (self->rows, g_strdup (id), row);
          gtk_list_box_insert (self->list_box, row, (int) i);
          continue;
        }
      wabiz_campaign_row_set_campaign (WABIZ_CAMPAIGN_ROW (row), campaign);
      if (GTK_WIDGET (at) != row)
        {
          g_object_ref (row);
          gtk_list_box_remove (self->list_box, row);
          gtk_list_box_insert (self->list_box, row, (int) i);
          g_object_unref (row);
        }
    }

  /* gone, or no longer among the first */
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    if (!g_hash_table_contains (seen, wabiz_campaign_row_get_id (WABIZ_CAMPAIGN_ROW (row))))
      {
        gtk_list_box_remove (self->list_box, row);
        g_hash_table_iter_remove (&iter);
      }

  gtk_widget_set_visible (self->more_button, total > n);
  gtk_stack_set_visible_child_name (self->list_stack, total > 0 ? "list" : "empty");
  select_open_row (self);
  self->listed_once = TRUE;
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WabizCampaignsPage) self = user_data;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(GError) error = NULL;

  list = wabiz_campaign_list_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->list_loading = FALSE;
  if (list == NULL)
    {
      g_warning ("Cannot list the campaigns: %s", error->message);
      adw_status_page_set_icon_name (self->list_status, "dialog-warning-symbolic");
      adw_status_page_set_title (self->list_status, _("Cannot Load Campaigns"));
      adw_status_page_set_description (self->list_status, error->message);
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
    }
  else
    apply_list (self, list);
  wabiz_pane_set_loaded (WABIZ_PANE (self), TRUE);

  if (self->list_again)
    {
      self->list_again = FALSE;
      load_list (self);
    }
}

static void
load_list (WabizCampaignsPage *self)
{
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));

  if (db == NULL)
    return;
  if (self->list_loading)
    {
      self->list_again = TRUE;
      return;
    }
  self->list_loading = TRUE;
  wabiz_campaign_list_async (db, self->list_limit, 0, wabiz_pane_get_cancellable (WABIZ_PANE (self)),
                             list_cb, g_object_ref (self));
}

/* the campaign shown ------------------------------------------------------------ */

static void
set_count (GtkLabel   *label,
           JsonObject *progress,
           const char *member)
{
  g_autofree char *text = wabiz_campaign_format_count (wabiz_campaign_get_int (progress, member));

  gtk_label_set_text (label, text);
}

static char *
describe_time (JsonObject *campaign)
{
  const char *state = wabiz_campaign_get_string (campaign, "state");
  g_autofree char *when = NULL;

  if (g_strcmp0 (state, "scheduled") == 0)
    {
      if (wabiz_campaign_get_string (campaign, "start_at") == NULL)
        return g_strdup (_("Starts in a moment"));
      when = wabiz_campaign_format_time (wabiz_campaign_get_string (campaign, "start_at"));
      /* Translators: %s is a date and time */
      return g_strdup_printf (_("Starts %s"), when);
    }
  if (g_strcmp0 (state, "running") == 0)
    return wabiz_campaign_format_duration (wabiz_campaign_get_int (campaign, "expected_seconds_left"),
                                           WABIZ_CAMPAIGN_DURATION_LEFT);
  if (g_strcmp0 (state, "paused") == 0)
    return g_strdup (_("Nothing more goes out until you resume it"));
  when = wabiz_campaign_format_time (wabiz_campaign_get_string (campaign, "finished_at"));
  if (g_strcmp0 (state, "done") == 0)
    /* Translators: %s is a date and time */
    return g_strdup_printf (_("Finished %s"), when);
  /* Translators: %s is a date and time */
  return g_strdup_printf (_("Cancelled %s"), when);
}

static void
update_actions (WabizCampaignsPage *self)
{
  const char *state = wabiz_campaign_get_string (self->campaign, "state");
  gboolean can_pause = g_strcmp0 (state, "scheduled") == 0 || g_strcmp0 (state, "running") == 0;
  gboolean can_resume = g_strcmp0 (state, "paused") == 0;
  gint64 total = wabiz_campaign_get_int (self->campaign, "recipients") +
                 wabiz_campaign_get_int (self->campaign, "excluded");
  JsonArray *results = self->campaign != NULL && json_object_has_member (self->campaign, "recipient_results")
                       ? json_object_get_array_member (self->campaign, "recipient_results") : NULL;
  guint shown = results != NULL ? json_array_get_length (results) : 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaigns.pause", can_pause);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaigns.resume", can_resume);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaigns.cancel", is_live (state));
  gtk_widget_set_visible (self->pause_button, can_pause);
  gtk_widget_set_visible (self->resume_button, can_resume);
  gtk_widget_set_visible (self->cancel_button, is_live (state));
  gtk_widget_set_visible (self->actions_box, is_live (state));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaigns.results-previous", self->results_offset > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaigns.results-next",
                                 self->results_offset + shown < total);
}

static void
apply_results (WabizCampaignsPage *self,
               JsonArray          *results)
{
  guint n = results != NULL ? json_array_get_length (results) : 0;
  gint64 total = wabiz_campaign_get_int (self->campaign, "recipients") +
                 wabiz_campaign_get_int (self->campaign, "excluded");
  GtkListBoxRow *row;
  guint i;

  /* the rows stay, their recipients change */
  for (i = 0; i < n; i++)
    {
      JsonObject *recipient = json_array_get_object_element (results, i);

      row = gtk_list_box_get_row_at_index (self->results_list, (int) i);
      if (row == NULL)
        {
          row = GTK_LIST_BOX_ROW (wabiz_campaign_result_row_new ());
          gtk_list_box_append (self->results_list, GTK_WIDGET (row));
        }
      wabiz_campaign_result_row_set_recipient (WABIZ_CAMPAIGN_RESULT_ROW (row), recipient);
    }
  while ((row = gtk_list_box_get_row_at_index (self->results_list, (int) n)) != NULL)
    gtk_list_box_remove (self->results_list, GTK_WIDGET (row));

  gtk_widget_set_visible (self->results_group, total > 0);
  if (n > 0)
    {
      g_autofree char *first = wabiz_campaign_format_count (self->results_offset + 1);
      g_autofree char *last = wabiz_campaign_format_count (self->results_offset + n);
      g_autofree char *all = wabiz_campaign_format_count (total);
      /* Translators: which recipients are shown: “1–50 of 1,002” */
      g_autofree char *text = g_strdup_printf (_("%s–%s of %s"), first, last, all);

      gtk_label_set_text (self->page_label, text);
    }
  else
    gtk_label_set_text (self->page_label, "");
}

static void
apply_campaign (WabizCampaignsPage *self,
                JsonObject         *campaign)
{
  JsonObject *progress = json_object_get_object_member (campaign, "progress");
  const char *state = wabiz_campaign_get_string (campaign, "state");
  JsonNode *segment = json_object_get_member (campaign, "segment");
  g_autofree char *progress_text = wabiz_campaign_format_progress (campaign);
  g_autofree char *time_text = describe_time (campaign);
  g_autofree char *template_text = NULL;
  g_autofree char *audience = NULL;
  g_autofree char *created = wabiz_campaign_format_time (wabiz_campaign_get_string (campaign, "created_at"));

  json_object_ref (campaign);
  g_clear_pointer (&self->campaign, json_object_unref);
  self->campaign = campaign;
  note_state (self, campaign);

  adw_window_title_set_title (self->details_title, wabiz_campaign_get_string (campaign, "name"));
  gtk_label_set_text (self->state_label, wabiz_campaign_format_state (state));
  gtk_label_set_text (self->time_label, time_text);
  gtk_progress_bar_set_fraction (self->progress_bar, wabiz_campaign_get_fraction (campaign));
  gtk_label_set_text (self->progress_label, progress_text);

  set_count (self->pending_label, progress, "pending");
  set_count (self->queued_label, progress, "queued");
  set_count (self->sent_label, progress, "sent");
  set_count (self->delivered_label, progress, "delivered");
  set_count (self->read_label, progress, "read");
  set_count (self->failed_label, progress, "failed");
  set_count (self->cancelled_label, progress, "cancelled");
  set_count (self->excluded_label, progress, "excluded");
  gtk_widget_set_visible (self->pending_row, is_live (state) || wabiz_campaign_get_int (progress, "pending") > 0);
  gtk_widget_set_visible (self->queued_row, is_live (state) || wabiz_campaign_get_int (progress, "queued") > 0);
  gtk_widget_set_visible (self->cancelled_row, wabiz_campaign_get_int (progress, "cancelled") > 0);
  gtk_widget_set_visible (self->excluded_row, wabiz_campaign_get_int (progress, "excluded") > 0);

  /* Translators: a template's name and language, e.g. “order_ready (en_US)” */
  template_text = g_strdup_printf (_("%s (%s)"), wabiz_campaign_get_string (campaign, "template_name"),
                                   wabiz_campaign_get_string (campaign, "language"));
  gtk_label_set_text (self->template_label, template_text);
  audience = wabiz_campaign_format_segment (segment != NULL && JSON_NODE_HOLDS_OBJECT (segment)
                                            ? json_node_get_object (segment) : NULL);
  adw_action_row_set_subtitle (self->audience_row, audience);
  gtk_label_set_text (self->created_label, created);

  if (json_object_has_member (campaign, "recipient_results"))
    apply_results (self, json_object_get_array_member (campaign, "recipient_results"));
  update_actions (self);
  gtk_stack_set_visible_child_name (self->details_stack, "campaign");
}

static void
details_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WabizCampaignsPage) self = user_data;
  g_autoptr(JsonObject) campaign = NULL;
  g_autoptr(GError) error = NULL;

  campaign = wabiz_campaign_get_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->details_loading = FALSE;
  if (campaign == NULL)
    {
      if (g_error_matches (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND))
        {
          adw_status_page_set_title (self->details_status, _("This Campaign Is Gone"));
          adw_status_page_set_description (self->details_status, _("Choose another campaign"));
          gtk_stack_set_visible_child_name (self->details_stack, "none");
          g_clear_pointer (&self->campaign, json_object_unref);
          update_actions (self);
        }
      else
        wabiz_pane_show_error (WABIZ_PANE (self), error);
    }
  else if (g_strcmp0 (wabiz_campaign_get_string (campaign, "id"), self->campaign_id) == 0)
    apply_campaign (self, campaign);

  if (self->details_again)
    {
      self->details_again = FALSE;
      load_details (self);
    }
}

static void
load_details (WabizCampaignsPage *self)
{
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));

  if (db == NULL || self->campaign_id == NULL)
    return;
  if (self->details_loading)
    {
      self->details_again = TRUE;
      return;
    }
  self->details_loading = TRUE;
  if (self->details_cancellable == NULL)
    self->details_cancellable = g_cancellable_new ();
  wabiz_campaign_get_async (db, self->campaign_id, self->results_page_size, self->results_offset,
                            self->details_cancellable, details_cb, g_object_ref (self));
}

/* following the database ------------------------------------------------------------ */

static gboolean
refresh_cb (gpointer user_data)
{
  WabizCampaignsPage *self = user_data;

  self->refresh_source = 0;
  load_list (self);
  load_details (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (WabizCampaignsPage *self)
{
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (REFRESH_MS, refresh_cb, self);
}

/* What the open campaign shows can still change: results on their way */
static gboolean
shown_may_change (WabizCampaignsPage *self)
{
  JsonObject *progress;

  if (self->campaign == NULL)
    return FALSE;
  if (is_live (wabiz_campaign_get_string (self->campaign, "state")))
    return TRUE;
  progress = json_object_get_object_member (self->campaign, "progress");
  return wabiz_campaign_get_int (progress, "queued") + wabiz_campaign_get_int (progress, "sent") +
         wabiz_campaign_get_int (progress, "delivered") + wabiz_campaign_get_int (progress, "unknown") > 0;
}

static void
wabiz_campaigns_page_changed (WabizPane  *pane,
                              const char *table,
                              const char *phone,
                              const char *id)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (pane);

  /* a message's status says nothing new unless a campaign sends */
  if (g_strcmp0 (table, "messages") == 0 && !any_live (self) && !shown_may_change (self))
    return;
  schedule_refresh (self);
}

static void
wabiz_campaigns_page_reload (WabizPane *pane)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (pane);

  self->list_loading = FALSE;
  self->list_again = FALSE;
  self->details_loading = FALSE;
  self->details_again = FALSE;
  g_cancellable_cancel (self->details_cancellable);
  g_clear_object (&self->details_cancellable);
  if (!self->listed_once)
    gtk_stack_set_visible_child_name (self->list_stack, "loading");
  load_list (self);
  load_details (self);
}

/* actions --------------------------------------------------------------------------- */

static void
change_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizCampaignsPage) self = user_data;
  g_autoptr(JsonObject) campaign = NULL;
  g_autoptr(GError) error = NULL;

  campaign = wabiz_campaign_change_state_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (campaign == NULL)
    wabiz_pane_show_error (WABIZ_PANE (self), error);
  /* the list and the results, as they are now */
  schedule_refresh (self);
}

static void
change_state (WabizCampaignsPage  *self,
              const char          *id,
              WabizCampaignAction  action)
{
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));

  if (db == NULL || id == NULL)
    return;
  wabiz_campaign_change_state_async (db, id, action, wabiz_pane_get_cancellable (WABIZ_PANE (self)),
                                     change_cb, g_object_ref (self));
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (widget);

  change_state (self, self->campaign_id, WABIZ_CAMPAIGN_PAUSE);
}

static void
resume_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (widget);

  change_state (self, self->campaign_id, WABIZ_CAMPAIGN_RESUME);
}

static void
cancel_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  WabizCampaignsPage *self = user_data;
  const char *id = g_object_get_data (G_OBJECT (dialog), "campaign-id");

  if (g_strcmp0 (response, "cancel") == 0)
    change_state (self, id, WABIZ_CAMPAIGN_CANCEL);
}

/* What cancelling does to those not sent yet and to the messages in
 * the outbox */
static char *
describe_cancel (JsonObject *campaign)
{
  JsonObject *progress = json_object_get_object_member (campaign, "progress");
  gint64 pending = wabiz_campaign_get_int (progress, "pending");
  gint64 queued = wabiz_campaign_get_int (progress, "queued");
  g_autofree char *pending_text = wabiz_campaign_format_count (pending);
  g_autofree char *queued_text = wabiz_campaign_format_count (queued);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if (pending > 0)
    /* Translators: %s is a number of recipients */
    first = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%s recipient has not been sent it yet and will not get it.",
                                          "%s recipients have not been sent it yet and will not get it.",
                                          (gulong) pending),
                             pending_text);
  else
    first = g_strdup (_("Every recipient has been handed to the outbox already."));

  if (queued > 0)
    /* Translators: %s is a number of messages */
    second = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s message is already in the outbox: it still goes out, as messages "
                                           "handed to the outbox cannot be held back.",
                                           "%s messages are already in the outbox: they still go out, as messages "
                                           "handed to the outbox cannot be held back.",
                                           (gulong) queued),
                              queued_text);
  else
    second = g_strdup (_("Messages already sent cannot be taken back."));

  return g_strconcat (first, "\n\n", second, NULL);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (widget);
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  gboolean started;

  if (self->campaign == NULL || !is_live (wabiz_campaign_get_string (self->campaign, "state")))
    return;

  started = wabiz_campaign_get_string (self->campaign, "started_at") != NULL;
  body = describe_cancel (self->campaign);
  dialog = adw_message_dialog_new (wabiz_pane_get_window (WABIZ_PANE (self)),
                                   _("Cancel the Campaign?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", started ? _("_Keep Sending") : _("_Keep It"),
                                    "cancel", _("_Cancel Campaign"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "cancel",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_object_set_data_full (G_OBJECT (dialog), "campaign-id", g_strdup (self->campaign_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (cancel_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (widget);
  WabizServices *services = wabiz_pane_get_services (WABIZ_PANE (self));
  WabizCampaignDialog *dialog;

  if (services == NULL || wabiz_pane_get_database (WABIZ_PANE (self)) == NULL)
    return;
  dialog = wabiz_campaign_dialog_new (wabiz_pane_get_window (WABIZ_PANE (self)), services, NULL,
                                      NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_list_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->list_side);
}

static void
show_more_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (widget);

  self->list_limit += LIST_PAGE;
  load_list (self);
}

static void
turn_page (WabizCampaignsPage *self,
           int                 direction)
{
  gint64 offset = (gint64) self->results_offset + direction * (gint64) self->results_page_size;

  self->results_offset = (guint) MAX (0, offset);
  update_actions (self);
  load_details (self);
}

static void
results_next_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  turn_page (WABIZ_CAMPAIGNS_PAGE (widget), 1);
}

static void
results_previous_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  turn_page (WABIZ_CAMPAIGNS_PAGE (widget), -1);
}

static void
row_activated_cb (WabizCampaignsPage *self,
                  GtkListBoxRow      *row)
{
  if (WABIZ_IS_CAMPAIGN_ROW (row))
    wabiz_campaigns_page_open (self, wabiz_campaign_row_get_id (WABIZ_CAMPAIGN_ROW (row)));
}

/* GObject --------------------------------------------------------------------------- */

static void
wabiz_campaigns_page_dispose (GObject *object)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_cancellable_cancel (self->details_cancellable);
  g_clear_object (&self->details_cancellable);
  if (self->rows != NULL)
    g_hash_table_remove_all (self->rows);

  gtk_widget_dispose_template (GTK_WIDGET (object), WABIZ_TYPE_CAMPAIGNS_PAGE);

  G_OBJECT_CLASS (wabiz_campaigns_page_parent_class)->dispose (object);
}

static void
wabiz_campaigns_page_finalize (GObject *object)
{
  WabizCampaignsPage *self = WABIZ_CAMPAIGNS_PAGE (object);

  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->states, g_hash_table_unref);
  g_clear_pointer (&self->campaign, json_object_unref);
  g_free (self->campaign_id);

  G_OBJECT_CLASS (wabiz_campaigns_page_parent_class)->finalize (object);
}

static void
wabiz_campaigns_page_class_init (WabizCampaignsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  WabizPaneClass *pane_class = WABIZ_PANE_CLASS (klass);
  static const char * const tables[] = { "campaigns", "messages", NULL };

  object_class->dispose = wabiz_campaigns_page_dispose;
  object_class->finalize = wabiz_campaigns_page_finalize;

  pane_class->reload = wabiz_campaigns_page_reload;
  pane_class->tables = tables;
  pane_class->changed = wabiz_campaigns_page_changed;

  /**
   * WabizCampaignsPage::campaign-finished:
   * @id: the campaign's id
   * @name: its name
   *
   * A campaign the page saw running (or that started meanwhile) has
   * handed every recipient to the outbox.
   */
  signals[SIGNAL_CAMPAIGN_FINISHED] =
    g_signal_new ("campaign-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-campaigns-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, list_side);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, list_header);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, list_status);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, list_box);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, more_button);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, details_side);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, details_header);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, details_title);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, details_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, details_scroller);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, details_status);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, time_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, pause_button);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, resume_button);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, actions_box);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, pending_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, pending_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, queued_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, queued_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, sent_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, delivered_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, read_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, failed_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, cancelled_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, cancelled_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, excluded_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, excluded_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, template_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, audience_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, created_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, results_group);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, page_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignsPage, results_list);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);

  gtk_widget_class_install_action (widget_class, "campaigns.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "campaigns.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "campaigns.resume", NULL, resume_action);
  gtk_widget_class_install_action (widget_class, "campaigns.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "campaigns.show-list", NULL, show_list_action);
  gtk_widget_class_install_action (widget_class, "campaigns.show-more", NULL, show_more_action);
  gtk_widget_class_install_action (widget_class, "campaigns.results-next", NULL, results_next_action);
  gtk_widget_class_install_action (widget_class, "campaigns.results-previous", NULL, results_previous_action);
}

static void
wabiz_campaigns_page_init (WabizCampaignsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->list_limit = LIST_PAGE;
  self->results_page_size = RESULTS_PAGE;

  g_object_bind_property (self->leaflet, "folded", self->back_button, "visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->list_header, "show-end-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->details_header, "show-start-title-buttons",
                          G_BINDING_SYNC_CREATE);
  update_actions (self);
}

GtkWidget *
wabiz_campaigns_page_new (void)
{
  return g_object_new (WABIZ_TYPE_CAMPAIGNS_PAGE, NULL);
}

void
wabiz_campaigns_page_open (WabizCampaignsPage *self,
                           const char         *id)
{
  GtkWidget *row;

  g_return_if_fail (WABIZ_IS_CAMPAIGNS_PAGE (self));
  g_return_if_fail (id != NULL);

  if (g_strcmp0 (self->campaign_id, id) != 0)
    {
      g_free (self->campaign_id);
      self->campaign_id = g_strdup (id);
      self->results_offset = 0;
      g_clear_pointer (&self->campaign, json_object_unref);
      /* what the previous campaign asked no longer matters */
      g_cancellable_cancel (self->details_cancellable);
      g_clear_object (&self->details_cancellable);
      self->details_loading = FALSE;
      self->details_again = FALSE;

      /* another campaign is read from its top */
      gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->details_scroller), 0);

      /* what the list knows, until its page comes */
      apply_results (self, NULL);
      row = g_hash_table_lookup (self->rows, id);
      if (row != NULL)
        apply_campaign (self, wabiz_campaign_row_get_campaign (WABIZ_CAMPAIGN_ROW (row)));
      update_actions (self);
    }
  select_open_row (self);
  adw_leaflet_set_visible_child (self->leaflet, self->details_side);
  load_details (self);
  /* a new campaign: into the list */
  if (!g_hash_table_contains (self->rows, id))
    load_list (self);
}

const char *
wabiz_campaigns_page_get_campaign_id (WabizCampaignsPage *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGNS_PAGE (self), NULL);

  return self->campaign_id;
}

JsonObject *
wabiz_campaigns_page_get_campaign (WabizCampaignsPage *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGNS_PAGE (self), NULL);

  return self->campaign;
}

guint
wabiz_campaigns_page_get_results_page_size (WabizCampaignsPage *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGNS_PAGE (self), 0);

  return self->results_page_size;
}

void
wabiz_campaigns_page_set_results_page_size (WabizCampaignsPage *self,
                                            guint               page_size)
{
  g_return_if_fail (WABIZ_IS_CAMPAIGNS_PAGE (self));
  g_return_if_fail (page_size > 0);

  if (self->results_page_size == page_size)
    return;
  self->results_page_size = page_size;
  self->results_offset = 0;
  load_details (self);
}

guint
wabiz_campaigns_page_get_results_offset (WabizCampaignsPage *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGNS_PAGE (self), 0);

  return self->results_offset;
}
