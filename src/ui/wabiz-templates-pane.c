/* wabiz-templates-pane.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Templates pane: every message template of the account, with
 * Meta's review status (and reason), its category, language and quality,
 * searchable and filtered by status and category; kept current from Meta
 * (synced when the pane first loads and on demand) and from the status
 * and quality webhooks, with a toast when Meta approves or rejects one.
 * Beside the list, the chosen template as the customer's phone shows it,
 * to send, copy, fix (when rejected) or delete. Coming from a chat whose
 * 24-hour window closed, the pane knows the customer: "Send…" goes to
 * them.
 */

#define G_LOG_DOMAIN "wabiz-templates-pane"

#include "config.h"

#include "wabiz-template-dialog.h"
#include "wabiz-template-editor.h"
#include "wabiz-template-preview.h"
#include "wabiz-template-row.h"
#include "wabiz-templates-model.h"
#include "wabiz-templates-pane.h"
#include "wabiz-toast.h"

#include <glib/gi18n.h>

struct _WabizTemplatesPane
{
  WabizPane            parent_instance;

  WabizTemplatesModel *model;          /* (owned) (nullable) */
  GtkSingleSelection  *selection;      /* (owned) (nullable) */
  WabizTemplate       *shown;          /* (owned) (nullable): in the details */
  GCancellable        *syncing;        /* (owned) (nullable): a sync from Meta on its way */
  char                *sync_error;     /* (owned) (nullable) */
  gboolean             synced;         /* once per services */
  gint64               total;          /* -1: not counted */
  char                *phone;          /* (owned) (nullable): the customer to send to */
  char                *recipient;      /* (owned) (nullable): their name */

  /* template children */
  GtkRevealer         *recipient_revealer;
  GtkLabel            *recipient_label;
  GtkStack            *stack;
  AdwStatusPage       *status_page;
  AdwLeaflet          *leaflet;
  GtkWidget           *list_side;
  GtkWidget           *details_side;
  GtkSearchEntry      *search_entry;
  GtkStack            *refresh_stack;
  GtkDropDown         *status_filter;
  GtkDropDown         *category_filter;
  GtkStack            *list_stack;
  GtkScrolledWindow   *scroller;
  GtkListView         *list_view;
  GtkLabel            *count_label;
  GtkWidget           *back_button;
  GtkStack            *details_stack;
  GtkLabel            *details_name;
  GtkLabel            *details_status;
  GtkLabel            *details_detail;
  GtkLabel            *details_quality;
  GtkLabel            *details_reason;
  WabizTemplatePreview *preview;
  GtkWidget           *send_button;
  GtkWidget           *fix_button;
};

G_DEFINE_FINAL_TYPE (WabizTemplatesPane, wabiz_templates_pane, WABIZ_TYPE_PANE)

/* the filters' choices, after "All …" */
static const char * const filter_statuses[] = { "APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED" };
static const char * const filter_categories[] = { "MARKETING", "UTILITY", "AUTHENTICATION" };

static void sync_from_meta (WabizTemplatesPane *self);

static WabizGraphClient *
get_graph (WabizTemplatesPane *self)
{
  WabizServices *services = wabiz_pane_get_services (WABIZ_PANE (self));

  return services != NULL ? wabiz_services_get_graph (services) : NULL;
}

static gboolean
has_filter (WabizTemplatesPane *self)
{
  return self->model != NULL &&
         (wabiz_templates_model_get_search (self->model) != NULL ||
          wabiz_templates_model_get_status (self->model) != NULL ||
          wabiz_templates_model_get_category (self->model) != NULL);
}

/* the list, the empty state or the spinner; the count under the list */
static void
update_view (WabizTemplatesPane *self)
{
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;
  guint n_items;
  gboolean loading;

  if (self->model == NULL)
    return;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  loading = wabiz_paged_model_get_loading (WABIZ_PAGED_MODEL (self->model));

  if (n_items == 0 && !has_filter (self) && !loading && self->total == 0 && self->syncing == NULL)
    {
      adw_status_page_set_icon_name (self->status_page, "x-office-document-symbolic");
      adw_status_page_set_title (self->status_page, _("No Templates Yet"));
      if (self->sync_error != NULL)
        {
          /* Translators: %s says why Meta could not be reached */
          text = g_strdup_printf (_("WaBiz could not ask Meta for your templates: %s"), self->sync_error);
          adw_status_page_set_description (self->status_page, text);
        }
      else if (get_graph (self) == NULL)
        adw_status_page_set_description (self->status_page,
                                         _("Message templates let you write to customers first. To create "
                                           "them and see Meta’s review, open Preferences and enter your "
                                           "WhatsApp account."));
      else
        adw_status_page_set_description (self->status_page,
                                         _("Message templates let you write to customers first, or again "
                                           "after 24 hours. Write one; Meta reviews it, usually within a "
                                           "day."));
      gtk_stack_set_visible_child_name (self->stack, "status");
      wabiz_pane_set_summary (WABIZ_PANE (self), _("No Templates Yet"));
      return;
    }

  if (n_items == 0 && (loading || self->total < 0) && !has_filter (self))
    {
      if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "list") != 0)
        gtk_stack_set_visible_child_name (self->stack, "loading");
      return;
    }

  gtk_stack_set_visible_child_name (self->stack, "list");
  gtk_stack_set_visible_child_name (self->list_stack, n_items == 0 && !loading ? "no-results" : "list");

  if (self->total >= 0)
    {
      count = wabiz_pane_format_count (self->total);
      /* Translators: %s is a number such as 1,234 */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s Template", "%s Templates", (gulong) self->total),
                              count);
      wabiz_pane_set_summary (WABIZ_PANE (self), text);
    }
  if (self->syncing != NULL)
    gtk_label_set_text (self->count_label, _("Checking with Meta…"));
  else if (self->sync_error != NULL)
    {
      g_autofree char *error_text = NULL;

      /* Translators: %s says why Meta could not be reached */
      error_text = g_strdup_printf (_("Could not check with Meta: %s. The list shows what WaBiz knew."),
                                    self->sync_error);
      gtk_label_set_text (self->count_label, error_text);
    }
  else
    gtk_label_set_text (self->count_label, text != NULL ? text : "");
}

/* the details ------------------------------------------------------------ */

static void
update_actions (WabizTemplatesPane *self)
{
  WabizTemplate *t = self->shown;
  gboolean graph = get_graph (self) != NULL;
  gboolean approved = t != NULL && g_strcmp0 (wabiz_template_get_status (t), "APPROVED") == 0;
  gboolean rejected = t != NULL && g_strcmp0 (wabiz_template_get_status (t), "REJECTED") == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "templates.send", approved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "templates.copy", t != NULL && graph);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "templates.fix",
                                 rejected && graph && wabiz_template_get_meta_id (t) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "templates.delete", t != NULL && graph);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "templates.new", graph);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "templates.refresh", graph && self->syncing == NULL);
  gtk_widget_set_visible (self->send_button, approved);
  gtk_widget_set_visible (self->fix_button, rejected);
}

static void
show_details (WabizTemplatesPane *self,
              WabizTemplate      *template)
{
  static const char * const classes[] = { "approved", "pending", "rejected", "paused", "disabled", "other" };
  g_autofree char *detail = NULL;
  g_autofree char *quality = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *status_class = NULL;
  g_autofree char *send_label = NULL;
  const char *status;

  g_set_object (&self->shown, template);
  update_actions (self);
  if (template == NULL)
    {
      gtk_stack_set_visible_child_name (self->details_stack, "none");
      return;
    }

  status = wabiz_template_get_status (template);
  gtk_label_set_text (self->details_name, wabiz_template_get_name (template));
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->details_status), classes[i]);
  gtk_label_set_text (self->details_status, wabiz_template_status_to_label (status));
  status_class = g_ascii_strdown (status, -1);
  if (g_str_equal (status_class, "in_appeal"))
    g_free (g_steal_pointer (&status_class)), status_class = g_strdup ("pending");
  gtk_widget_add_css_class (GTK_WIDGET (self->details_status),
                            g_strv_contains (classes, status_class) ? status_class : "other");
  /* Translators: a template's language and category, e.g. “English (US) · Utility” */
  detail = g_strdup_printf (_("%s · %s"),
                            wabiz_template_language_to_label (wabiz_template_get_language (template)),
                            wabiz_template_category_to_label (wabiz_template_get_category (template)));
  gtk_label_set_text (self->details_detail, detail);

  if (g_strcmp0 (status, "APPROVED") == 0)
    quality = g_strdup (wabiz_template_quality_to_label (wabiz_template_get_quality (template)));
  else if (g_strcmp0 (status, "PENDING") == 0)
    quality = g_strdup (_("Meta is reviewing it, usually for minutes, at most a day. WaBiz tells you "
                          "when it is done."));
  else if (g_strcmp0 (status, "PAUSED") == 0)
    quality = g_strdup (_("Meta paused it for a while because customers blocked or reported it; it "
                          "cannot be sent until Meta lifts the pause."));
  else if (g_strcmp0 (status, "DISABLED") == 0)
    quality = g_strdup (_("Meta disabled it after repeated pauses; write a new template instead."));
  gtk_label_set_text (self->details_quality, quality != NULL ? quality : "");
  gtk_widget_set_visible (GTK_WIDGET (self->details_quality), quality != NULL);

  if (g_strcmp0 (status, "REJECTED") == 0)
    {
      reason = wabiz_template_describe_reason (wabiz_template_get_rejected_reason (template), NULL);
      if (reason == NULL)
        reason = g_strdup (_("Meta gave no reason: change what may break its rules and submit again."));
    }
  gtk_label_set_text (self->details_reason, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->details_reason), reason != NULL);

  if (self->recipient != NULL)
    /* Translators: %s is the customer's name */
    send_label = g_strdup_printf (_("_Send to %s…"), self->recipient);
  gtk_button_set_label (GTK_BUTTON (self->send_button), send_label != NULL ? send_label : _("_Send…"));

  wabiz_template_preview_set_template (self->preview, template, NULL, NULL);
  gtk_stack_set_visible_child_name (self->details_stack, "details");
}

/* The template shown may have changed (a webhook): the one of the same
 * row as the model has it now */
static void
refresh_details (WabizTemplatesPane *self)
{
  guint n;

  if (self->shown == NULL || self->model == NULL)
    return;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WabizTemplate) t = g_list_model_get_item (G_LIST_MODEL (self->model), i);

      if (g_strcmp0 (wabiz_template_get_id (t), wabiz_template_get_id (self->shown)) == 0)
        {
          if (t != self->shown)
            show_details (self, t);
          return;
        }
    }
}

static void
selection_changed_cb (WabizTemplatesPane *self)
{
  WabizTemplate *t = gtk_single_selection_get_selected_item (self->selection);

  if (t != NULL && t != self->shown)
    show_details (self, t);
}

static void
list_activate_cb (WabizTemplatesPane *self,
                  guint               position)
{
  g_autoptr(WabizTemplate) t = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (t == NULL)
    return;
  gtk_single_selection_set_selected (self->selection, position);
  show_details (self, t);
  adw_leaflet_set_visible_child (self->leaflet, self->details_side);
}

/* the list ------------------------------------------------------------------ */

static void
maybe_load_more (WabizTemplatesPane *self)
{
  wabiz_pane_load_more_near_end (WABIZ_PANE (self), self->scroller, WABIZ_PAGED_MODEL (self->model),
                                 "templates");
}

static void
items_changed_cb (WabizTemplatesPane *self)
{
  update_view (self);
  refresh_details (self);
}

static void
loading_cb (WabizTemplatesPane *self)
{
  update_view (self);
  if (!wabiz_paged_model_get_loading (WABIZ_PAGED_MODEL (self->model)))
    {
      wabiz_pane_set_loaded (WABIZ_PANE (self), TRUE);
      /* a short first page leaves no scrolling to ask for more */
      maybe_load_more (self);
    }
}

static void
search_changed_cb (WabizTemplatesPane *self)
{
  if (self->model != NULL)
    wabiz_templates_model_set_search (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
filter_changed_cb (WabizTemplatesPane *self)
{
  guint status = gtk_drop_down_get_selected (self->status_filter);
  guint category = gtk_drop_down_get_selected (self->category_filter);

  if (self->model == NULL)
    return;
  wabiz_templates_model_set_status (self->model, status > 0 && status <= G_N_ELEMENTS (filter_statuses)
                                                 ? filter_statuses[status - 1] : NULL);
  wabiz_templates_model_set_category (self->model, category > 0 && category <= G_N_ELEMENTS (filter_categories)
                                                   ? filter_categories[category - 1] : NULL);
}

static void
status_changed_cb (WabizTemplatesPane *self,
                   const char         *name,
                   const char         *language,
                   const char         *status,
                   const char         *reason)
{
  g_autofree char *text = NULL;
  AdwToast *toast;

  if (g_strcmp0 (status, "APPROVED") == 0)
    /* Translators: %s is a template's name */
    text = g_strdup_printf (_("Meta approved “%s”: it can be sent now"), name);
  else if (g_strcmp0 (status, "REJECTED") == 0)
    /* Translators: %s is a template's name */
    text = g_strdup_printf (_("Meta rejected “%s”: open it to see why"), name);
  else if (g_strcmp0 (status, "PAUSED") == 0)
    /* Translators: %s is a template's name */
    text = g_strdup_printf (_("Meta paused “%s” for a while: customers reported it"), name);
  else if (g_strcmp0 (status, "DISABLED") == 0)
    /* Translators: %s is a template's name */
    text = g_strdup_printf (_("Meta disabled “%s”: write a new template instead"), name);
  else
    return;

  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 6);
  /* Meta's answer goes before what the app said itself */
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  wabiz_widget_add_toast (GTK_WIDGET (self), toast);
}

/* loading --------------------------------------------------------------------- */

static void
count_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WabizTemplatesPane) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (res == NULL)
    {
      g_debug ("Cannot count templates: %s", error->message);
      return;
    }
  self->total = wabiz_db_result_get_int (res, 0, "n");
  update_view (self);
}

static void
recount (WabizTemplatesPane *self)
{
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));

  if (db != NULL)
    wabiz_db_query_async (db, "SELECT count(*) AS n FROM templates", 0, NULL,
                          wabiz_pane_get_cancellable (WABIZ_PANE (self)), count_cb, g_object_ref (self));
}

static void
synced_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizTemplatesPane) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = wabiz_template_sync_finish (result, &error);
  /* A sync the pane gave up on (other services, or going away) is over
   * already. Any other ends here, even one cancelled by something else,
   * such as the database cancelling its query: the pane is not left
   * checking for good. */
  if (g_task_get_cancellable (G_TASK (result)) != self->syncing)
    return;

  g_clear_object (&self->syncing);
  g_clear_pointer (&self->sync_error, g_free);
  if (n < 0)
    {
      g_debug ("Cannot refresh the templates from Meta: %s", error->message);
      self->sync_error = g_strdup (error->message);
    }
  else
    self->total = -1;  /* what Meta has is stored: counted again below, not "none yet" meanwhile */
  gtk_stack_set_visible_child_name (self->refresh_stack, "button");
  update_actions (self);
  recount (self);
  update_view (self);
  g_signal_emit_by_name (self, "synced");
}

static void
sync_from_meta (WabizTemplatesPane *self)
{
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));
  WabizGraphClient *graph = get_graph (self);

  if (db == NULL || graph == NULL || self->syncing != NULL)
    return;

  self->synced = TRUE;
  self->syncing = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->refresh_stack, "spinner");
  update_actions (self);
  update_view (self);
  wabiz_template_sync_async (db, graph, self->syncing, synced_cb, g_object_ref (self));
}

static void
drop_model (WabizTemplatesPane *self)
{
  if (self->model == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
}

static void
wabiz_templates_pane_reload (WabizPane *pane)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (pane);
  WabizDb *db = wabiz_pane_get_database (pane);
  WabizServices *services = wabiz_pane_get_services (pane);

  /* other services: another database, another Meta */
  if (self->model != NULL && wabiz_paged_model_get_db (WABIZ_PAGED_MODEL (self->model)) != db)
    {
      drop_model (self);
      self->synced = FALSE;
      if (self->syncing != NULL)
        g_cancellable_cancel (self->syncing);
      g_clear_object (&self->syncing);
      show_details (self, NULL);
    }

  if (self->model == NULL)
    {
      self->model = wabiz_templates_model_new (db);
      self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->model)));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      g_signal_connect_object (self->model, "notify::loading", G_CALLBACK (loading_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->model, "items-changed", G_CALLBACK (items_changed_cb), self,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
      g_signal_connect_object (self->model, "status-changed", G_CALLBACK (status_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
      search_changed_cb (self);
      filter_changed_cb (self);
    }

  /* the model follows the changes of templates itself */
  wabiz_paged_model_set_listener (WABIZ_PAGED_MODEL (self->model),
                                  services != NULL ? wabiz_services_get_listener (services) : NULL);

  self->total = -1;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "list") != 0)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  wabiz_templates_model_reload (self->model);
  recount (self);
  update_actions (self);
  /* what Meta has now, once per services (and on demand) */
  if (!self->synced)
    sync_from_meta (self);
}

/* the model follows the changes of templates itself: the count again */
static void
wabiz_templates_pane_changes_done (WabizPane *pane)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (pane);

  if (self->model != NULL)
    recount (self);
}

/* actions --------------------------------------------------------------------- */

static void
editor_submitted_cb (WabizTemplatesPane *self,
                     const char         *name,
                     const char         *language,
                     const char         *status)
{
  g_autofree char *text = NULL;

  /* Meta's answer is news, even if it comes before the list looked */
  if (self->model != NULL)
    wabiz_templates_model_watch (self->model, name, language);
  /* Translators: %s is a template's name */
  text = g_strdup_printf (_("“%s” went to Meta for review; WaBiz tells you when it is done"), name);
  wabiz_widget_toast (GTK_WIDGET (self), text);
}

static void
open_editor (WabizTemplatesPane       *self,
             WabizTemplateEditorMode   mode)
{
  WabizTemplateEditor *editor;

  editor = wabiz_template_editor_new (wabiz_pane_get_window (WABIZ_PANE (self)),
                                      wabiz_pane_get_services (WABIZ_PANE (self)),
                                      mode == WABIZ_TEMPLATE_EDITOR_NEW ? NULL : self->shown, mode);
  g_signal_connect_object (editor, "submitted", G_CALLBACK (editor_submitted_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  open_editor (WABIZ_TEMPLATES_PANE (widget), WABIZ_TEMPLATE_EDITOR_NEW);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (widget);

  if (self->shown != NULL)
    open_editor (self, WABIZ_TEMPLATE_EDITOR_COPY);
}

static void
fix_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (widget);

  if (self->shown != NULL)
    open_editor (self, WABIZ_TEMPLATE_EDITOR_FIX);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  sync_from_meta (WABIZ_TEMPLATES_PANE (widget));
}

static void
template_sent_cb (WabizTemplatesPane *self)
{
  wabiz_widget_toast (GTK_WIDGET (self), _("Template queued"));
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (widget);
  WabizServices *services = wabiz_pane_get_services (WABIZ_PANE (self));
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));
  WabizTemplateDialog *dialog;

  if (self->shown == NULL || db == NULL)
    return;

  dialog = wabiz_template_dialog_new (wabiz_pane_get_window (WABIZ_PANE (self)), db,
                                      wabiz_services_get_outbox (services),
                                      wabiz_services_get_graph (services), self->phone, self->recipient);
  wabiz_template_dialog_preselect (dialog, wabiz_template_get_name (self->shown),
                                   wabiz_template_get_language (self->shown));
  g_signal_connect_object (dialog, "sent", G_CALLBACK (template_sent_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef struct
{
  WabizTemplatesPane *self;   /* (owned) */
  char               *name;   /* (owned) */
} Deletion;

static void
deletion_free (Deletion *deletion)
{
  g_object_unref (deletion->self);
  g_free (deletion->name);
  g_free (deletion);
}

static void
deleted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Deletion *deletion = user_data;
  WabizTemplatesPane *self = deletion->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!wabiz_template_delete_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Translators: %s says why */
          text = g_strdup_printf (_("The template was not deleted: %s"), error->message);
          wabiz_widget_toast (GTK_WIDGET (self), text);
        }
      deletion_free (deletion);
      return;
    }

  /* Translators: %s is a template's name */
  text = g_strdup_printf (_("“%s” deleted"), deletion->name);
  wabiz_widget_toast (GTK_WIDGET (self), text);
  if (self->shown != NULL && g_strcmp0 (wabiz_template_get_name (self->shown), deletion->name) == 0)
    {
      show_details (self, NULL);
      adw_leaflet_set_visible_child (self->leaflet, self->list_side);
    }
  deletion_free (deletion);
}

static void
delete_response_cb (AdwMessageDialog   *dialog,
                    const char         *response,
                    WabizTemplatesPane *self)
{
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));
  WabizGraphClient *graph = get_graph (self);
  const char *name = g_object_get_data (G_OBJECT (dialog), "template-name");
  Deletion *deletion;

  if (!g_str_equal (response, "delete") || db == NULL || graph == NULL || name == NULL)
    return;

  deletion = g_new0 (Deletion, 1);
  deletion->self = g_object_ref (self);
  deletion->name = g_strdup (name);
  wabiz_template_delete_async (db, graph, name, wabiz_pane_get_cancellable (WABIZ_PANE (self)), deleted_cb,
                               deletion);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (widget);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (self->shown == NULL)
    return;

  /* Translators: %s is a template's name */
  heading = g_strdup_printf (_("Delete “%s”?"), wabiz_template_get_name (self->shown));
  body = g_strdup (_("Meta deletes it in every language it has, not only this one, and the name "
                     "cannot be used again for 30 days. Messages already sent stay as they are."));
  dialog = adw_message_dialog_new (wabiz_pane_get_window (WABIZ_PANE (self)), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "delete",
                                    _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "template-name", g_strdup (wabiz_template_get_name (self->shown)),
                          g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "list") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
clear_recipient_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  wabiz_templates_pane_set_recipient (WABIZ_TEMPLATES_PANE (widget), NULL, NULL);
}

/* GObject --------------------------------------------------------------------- */

static void
wabiz_templates_pane_dispose (GObject *object)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (object);

  if (self->syncing != NULL)
    g_cancellable_cancel (self->syncing);
  g_clear_object (&self->syncing);
  drop_model (self);
  g_clear_object (&self->shown);

  gtk_widget_dispose_template (GTK_WIDGET (object), WABIZ_TYPE_TEMPLATES_PANE);

  G_OBJECT_CLASS (wabiz_templates_pane_parent_class)->dispose (object);
}

static void
wabiz_templates_pane_finalize (GObject *object)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (object);

  g_free (self->sync_error);
  g_free (self->phone);
  g_free (self->recipient);

  G_OBJECT_CLASS (wabiz_templates_pane_parent_class)->finalize (object);
}

static void
wabiz_templates_pane_class_init (WabizTemplatesPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  WabizPaneClass *pane_class = WABIZ_PANE_CLASS (klass);
  static const char * const tables[] = { "templates", NULL };

  object_class->dispose = wabiz_templates_pane_dispose;
  object_class->finalize = wabiz_templates_pane_finalize;

  pane_class->reload = wabiz_templates_pane_reload;
  pane_class->tables = tables;
  pane_class->changes_delay = 150;
  pane_class->changes_done = wabiz_templates_pane_changes_done;

  /**
   * WabizTemplatesPane::synced:
   *
   * A sync from Meta ended, well or not (tests).
   */
  g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (WABIZ_TYPE_TEMPLATE_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-templates-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, recipient_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, recipient_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, status_page);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, list_side);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, details_side);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, refresh_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, status_filter);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, category_filter);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, scroller);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, list_view);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, count_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, back_button);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, details_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, details_name);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, details_status);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, details_detail);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, details_quality);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, details_reason);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, preview);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, send_button);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, fix_button);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);

  gtk_widget_class_install_action (widget_class, "templates.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "templates.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "templates.fix", NULL, fix_action);
  gtk_widget_class_install_action (widget_class, "templates.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "templates.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "templates.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "templates.show-list", NULL,
                                   wabiz_pane_show_list_action);
  gtk_widget_class_install_action (widget_class, "templates.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "templates.clear-recipient", NULL, clear_recipient_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "templates.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "templates.new", NULL);
}

static void
wabiz_templates_pane_init (WabizTemplatesPane *self)
{
  g_autoptr(GtkStringList) statuses = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) categories = gtk_string_list_new (NULL);

  wabiz_pane_load_css ("/org/example/WaBiz/ui/wabiz-templates.css");
  gtk_widget_init_template (GTK_WIDGET (self));
  self->total = -1;

  gtk_string_list_append (statuses, _("All Statuses"));
  for (guint i = 0; i < G_N_ELEMENTS (filter_statuses); i++)
    gtk_string_list_append (statuses, wabiz_template_status_to_label (filter_statuses[i]));
  gtk_drop_down_set_model (self->status_filter, G_LIST_MODEL (statuses));
  gtk_string_list_append (categories, _("All Categories"));
  for (guint i = 0; i < G_N_ELEMENTS (filter_categories); i++)
    gtk_string_list_append (categories, wabiz_template_category_to_label (filter_categories[i]));
  gtk_drop_down_set_model (self->category_filter, G_LIST_MODEL (categories));

  wabiz_pane_set_up_list (WABIZ_PANE (self), self->list_view, G_CALLBACK (wabiz_template_row_new),
                          G_CALLBACK (wabiz_template_row_set_template), G_CALLBACK (list_activate_cb));

  wabiz_pane_watch_scroller (WABIZ_PANE (self), self->scroller, G_CALLBACK (maybe_load_more));

  wabiz_pane_follow_leaflet (WABIZ_PANE (self), self->leaflet, self->list_side, self->details_side,
                             self->back_button);

  update_actions (self);
}

/**
 * wabiz_templates_pane_set_recipient:
 * @phone: (nullable): the customer a template is for; %NULL: none
 * @name: (nullable): their name, as the chat shows it
 *
 * From a chat whose 24-hour window closed: the pane says whom a
 * template is for, and "Send…" goes to them.
 */
void
wabiz_templates_pane_set_recipient (WabizTemplatesPane *self,
                                    const char         *phone,
                                    const char         *name)
{
  g_autofree char *text = NULL;

  g_return_if_fail (WABIZ_IS_TEMPLATES_PANE (self));

  g_free (self->phone);
  self->phone = g_strdup (phone);
  g_free (self->recipient);
  self->recipient = phone != NULL ? g_strdup (name != NULL && *name != '\0' ? name : phone) : NULL;

  if (self->recipient != NULL)
    {
      /* Translators: %s is the customer's name */
      text = g_strdup_printf (_("Choose an approved template to send to %s, or write a new one for Meta "
                                "to review."), self->recipient);
      gtk_label_set_text (self->recipient_label, text);
    }
  gtk_revealer_set_reveal_child (self->recipient_revealer, self->recipient != NULL);
  if (self->shown != NULL)
    show_details (self, self->shown);
}

WabizTemplatesModel *
wabiz_templates_pane_get_model (WabizTemplatesPane *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATES_PANE (self), NULL);
  return self->model;
}

/* The template in the details, or NULL */
WabizTemplate *
wabiz_templates_pane_get_shown (WabizTemplatesPane *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATES_PANE (self), NULL);
  return self->shown;
}

WabizTemplatePreview *
wabiz_templates_pane_get_preview (WabizTemplatesPane *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATES_PANE (self), NULL);
  return self->preview;
}

/* Whether Meta is being asked for the templates */
gboolean
wabiz_templates_pane_get_syncing (WabizTemplatesPane *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATES_PANE (self), FALSE);
  return self->syncing != NULL;
}

/* Shows the template at @position of the list, as a click does */
void
wabiz_templates_pane_open (WabizTemplatesPane *self,
                           guint               position)
{
  g_return_if_fail (WABIZ_IS_TEMPLATES_PANE (self));
  g_return_if_fail (self->model != NULL);

  list_activate_cb (self, position);
}
