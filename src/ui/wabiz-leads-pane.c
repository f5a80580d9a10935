/* wabiz-leads-pane.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Leads pane: a paged, searchable list of leads beside the details
 * of the selected one; several selected leads can be changed at once.
 */

#define G_LOG_DOMAIN "wabiz-leads-pane"

#include "config.h"

#include "wabiz-campaign-dialog.h"
#include "wabiz-campaigns-window.h"
#include "wabiz-import-dialog.h"
#include "wabiz-lead-editor.h"
#include "wabiz-lead-row.h"
#include "wabiz-leads-model.h"
#include "wabiz-leads-pane.h"
#include "wabiz-toast.h"

#include <glib/gi18n.h>

struct _WabizLeadsPane
{
  WabizPane          parent_instance;

  WabizLeadsModel   *model;           /* (owned) (nullable) */
  GtkMultiSelection *selection;       /* (owned) (nullable) */
  GtkStringList     *tags;            /* (owned) */
  gint64             total;
  gboolean           counted;
  gboolean           count_failed;
  GStrv              pending_delete;  /* (owned) (nullable): ids, until the toast goes */
  AdwToast          *delete_toast;    /* (unowned) (nullable) */

  /* template children */
  GtkStack          *stack;
  AdwStatusPage     *status_page;
  AdwLeaflet        *leaflet;
  GtkWidget         *list_side;
  GtkWidget         *details_side;
  GtkSearchEntry    *search_entry;
  GtkDropDown       *status_filter;
  GtkDropDown       *tag_filter;
  GtkDropDown       *sort_dropdown;
  GtkStack          *list_stack;
  GtkScrolledWindow *scroller;
  GtkListView       *list_view;
  GtkLabel          *count_label;
  GtkActionBar      *selection_bar;
  GtkLabel          *selection_label;
  GtkPopover        *tag_popover;
  GtkEntry          *tag_entry;
  GtkWidget         *back_button;
  GtkStack          *details_stack;
  AdwStatusPage     *details_status;
  WabizLeadEditor   *editor;
};

G_DEFINE_FINAL_TYPE (WabizLeadsPane, wabiz_leads_pane, WABIZ_TYPE_PANE)

static void reload_tags (WabizLeadsPane *self);
static void reconcile_selection (WabizLeadsPane *self);

static void
toast (WabizLeadsPane *self,
       const char     *text)
{
  wabiz_widget_toast (GTK_WIDGET (self), text);
}

static gboolean
has_filter (WabizLeadsPane *self)
{
  return self->model != NULL &&
         (wabiz_leads_model_get_search (self->model) != NULL ||
          wabiz_leads_model_get_status (self->model) != NULL ||
          wabiz_leads_model_get_tag (self->model) != NULL);
}

static void
show_empty_state (WabizLeadsPane *self)
{
  adw_status_page_set_icon_name (self->status_page, "system-users-symbolic");
  adw_status_page_set_title (self->status_page, _("No Leads Yet"));
  adw_status_page_set_description (self->status_page,
                                   _("Customers who write to you become leads. You can "
                                     "also add leads yourself or import them from a CSV "
                                     "file."));
}

static void
update_view (WabizLeadsPane *self)
{
  guint n_items;
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;

  if (self->model == NULL || self->count_failed)
    return;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->model));

  /* The first page decides what shows; the count (slower on a large
   * table) only fills in the totals when it arrives. */
  if (n_items == 0 && !has_filter (self) && !wabiz_leads_model_get_loading (self->model))
    {
      show_empty_state (self);
      gtk_stack_set_visible_child_name (self->stack, "status");
    }
  else
    {
      gtk_stack_set_visible_child_name (self->stack, "list");
      gtk_stack_set_visible_child_name (self->list_stack,
                                        n_items == 0 && !wabiz_leads_model_get_loading (self->model)
                                        ? "no-results" : "list");
    }

  if (has_filter (self))
    {
      count = wabiz_pane_format_count (n_items);
      if (wabiz_leads_model_get_has_more (self->model))
        /* Translators: %s is a number of leads found so far, such as 100 */
        text = g_strdup_printf (_("More than %s found"), count);
      else
        /* Translators: %s is a number such as 1,234 */
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s found", "%s found", n_items), count);
    }
  else if (self->counted)
    {
      count = wabiz_pane_format_count (self->total);
      /* Translators: %s is a number such as 1,234 */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s lead", "%s leads", (gulong) self->total),
                              count);
    }
  if (text != NULL)
    gtk_label_set_label (self->count_label, text);
}

static void
update_loaded (WabizLeadsPane *self)
{
  gboolean loaded = self->model != NULL && (self->count_failed || !wabiz_leads_model_get_loading (self->model));

  update_view (self);
  reconcile_selection (self);
  wabiz_pane_set_loaded (WABIZ_PANE (self), loaded);
}

static void
maybe_load_more (WabizLeadsPane *self)
{
  wabiz_pane_load_more_near_end (WABIZ_PANE (self), self->scroller, WABIZ_PAGED_MODEL (self->model),
                                 "leads");
}

static void
count_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WabizLeadsPane) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *count = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (res == NULL)
    {
      g_warning ("Cannot count leads: %s", error->message);
      self->count_failed = TRUE;
      adw_status_page_set_icon_name (self->status_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->status_page, _("Cannot Load Leads"));
      adw_status_page_set_description (self->status_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "status");
      wabiz_pane_set_summary (WABIZ_PANE (self), NULL);
      wabiz_pane_set_loaded (WABIZ_PANE (self), TRUE);
      return;
    }

  self->total = wabiz_db_result_get_int (res, 0, "n");
  self->counted = TRUE;
  if (self->total == 0)
    {
      wabiz_pane_set_summary (WABIZ_PANE (self), _("No Leads Yet"));
    }
  else
    {
      count = wabiz_pane_format_count (self->total);
      /* Translators: %s is a number such as 1,234 */
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s Lead", "%s Leads",
                                            (gulong) self->total), count);
      wabiz_pane_set_summary (WABIZ_PANE (self), title);
    }

  update_loaded (self);
}

static void
recount (WabizLeadsPane *self)
{
  wabiz_db_query_async (wabiz_pane_get_database (WABIZ_PANE (self)),
                        "SELECT count(*) AS n FROM leads", 0, NULL,
                        wabiz_pane_get_cancellable (WABIZ_PANE (self)), count_cb,
                        g_object_ref (self));
}

static void
selection_changed_cb (WabizLeadsPane *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  guint64 n;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  n = gtk_bitset_get_size (selected);

  gtk_action_bar_set_revealed (self->selection_bar, n > 1);
  if (n > 1)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u selected",
                                                            "%u selected", (gulong) n),
                                               (guint) n);

      gtk_label_set_label (self->selection_label, text);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.delete", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.set-status", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.add-tag", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.remove-tag", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.open-conversation", n == 1);

  if (n > 1)
    {
      /* Translators: %u is a number of leads, more than one */
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Lead Selected",
                                                             "%u Leads Selected", (gulong) n),
                                                (guint) n);

      adw_status_page_set_title (self->details_status, title);
      adw_status_page_set_description (self->details_status,
                                       _("Change them all at once with the buttons below the list"));
      gtk_stack_set_visible_child_name (self->details_stack, "none");
    }
  else if (n == 0 && wabiz_lead_get_id (wabiz_lead_editor_get_lead (self->editor)) != NULL)
    {
      adw_status_page_set_title (self->details_status, _("No Lead Selected"));
      adw_status_page_set_description (self->details_status,
                                       _("Choose a lead to see and edit its details"));
      gtk_stack_set_visible_child_name (self->details_stack, "none");
    }
  else if (n == 1)
    {
      g_autoptr(WabizLead) lead =
        g_list_model_get_item (G_LIST_MODEL (self->model), gtk_bitset_get_nth (selected, 0));

      /* the same lead again (a refresh): what changed elsewhere shows,
       * what is being typed stays */
      if (g_strcmp0 (wabiz_lead_get_id (wabiz_lead_editor_get_lead (self->editor)),
                     wabiz_lead_get_id (lead)) != 0)
        wabiz_lead_editor_set_lead (self->editor, lead);
      else
        wabiz_lead_editor_update_lead (self->editor, lead);
      gtk_stack_set_visible_child_name (self->details_stack, "editor");
    }
}

static void
list_activate_cb (WabizLeadsPane *self,
                  guint           position)
{
  /* on a narrow window the details replace the list */
  adw_leaflet_set_visible_child (self->leaflet, self->details_side);
}

static GStrv
dup_selected_ids (WabizLeadsPane *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GtkBitsetIter iter;
  guint position;

  if (self->selection == NULL)
    return g_new0 (char *, 1);

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  if (gtk_bitset_iter_init_first (&iter, selected, &position))
    {
      do
        {
          g_autoptr(WabizLead) lead = g_list_model_get_item (G_LIST_MODEL (self->model), position);

          if (lead != NULL && wabiz_lead_get_id (lead) != NULL)
            g_strv_builder_add (builder, wabiz_lead_get_id (lead));
        }
      while (gtk_bitset_iter_next (&iter, &position));
    }

  return g_strv_builder_end (builder);
}

/* After the list changed: the lead being edited stays selected when it is
 * (still, or again) in the list. When it is not (filtered out, not loaded
 * yet), the editor keeps it: it can still be edited and saved. */
static void
reconcile_selection (WabizLeadsPane *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  const char *editing;
  int position;

  if (self->model == NULL || wabiz_leads_model_get_loading (self->model))
    return;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  editing = wabiz_lead_get_id (wabiz_lead_editor_get_lead (self->editor));
  if (!gtk_bitset_is_empty (selected) || editing == NULL)
    return;

  position = wabiz_leads_model_find (self->model, editing);
  if (position >= 0)
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
}

static void
model_items_changed_cb (WabizLeadsPane *self)
{
  update_view (self);
  reconcile_selection (self);
}

static void
search_changed_cb (WabizLeadsPane *self)
{
  if (self->model != NULL)
    wabiz_leads_model_set_search (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
filter_changed_cb (WabizLeadsPane *self)
{
  guint status = gtk_drop_down_get_selected (self->status_filter);
  guint tag = gtk_drop_down_get_selected (self->tag_filter);
  guint sort = gtk_drop_down_get_selected (self->sort_dropdown);
  const char * const *statuses = wabiz_lead_get_statuses ();

  if (self->model == NULL)
    return;

  wabiz_leads_model_set_status (self->model,
                                status > 0 && status <= g_strv_length ((char **) statuses)
                                ? statuses[status - 1] : NULL);
  wabiz_leads_model_set_tag (self->model,
                             tag > 0 && tag != GTK_INVALID_LIST_POSITION
                             ? gtk_string_list_get_string (self->tags, tag) : NULL);
  if (sort != GTK_INVALID_LIST_POSITION)
    wabiz_leads_model_set_sort (self->model, (WabizLeadsSort) sort);
}

static void
lead_saved_cb (WabizLeadsPane *self,
               WabizLead      *lead)
{
  if (self->model != NULL && wabiz_leads_model_find (self->model, wabiz_lead_get_id (lead)) >= 0)
    wabiz_leads_model_replace (self->model, wabiz_lead_get_id (lead), lead);
  else if (self->model != NULL)
    {
      wabiz_leads_model_reload (self->model);
      recount (self);
    }
  reload_tags (self);
  toast (self, _("Lead saved"));
}

static void
change_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizLeadsPane) self = user_data;
  g_autoptr(GError) error = NULL;

  if (wabiz_leads_change_finish (WABIZ_DB (object), result, &error) < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      wabiz_pane_show_error (WABIZ_PANE (self), error);
    }
}

static void
flush_delete (WabizLeadsPane *self)
{
  g_auto(GStrv) ids = g_steal_pointer (&self->pending_delete);
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));

  self->delete_toast = NULL;
  g_object_set_data (G_OBJECT (self), "wabiz-delete-toast", NULL);
  if (ids == NULL || db == NULL)
    return;

  /* not cancelled with the pane: the user expects the leads to go */
  wabiz_leads_change_async (db, WABIZ_LEADS_CHANGE_DELETE, (const char * const *) ids, NULL,
                            NULL, change_cb, g_object_ref (self));
}

static void
delete_toast_dismissed_cb (WabizLeadsPane *self,
                           AdwToast       *dismissed)
{
  if (dismissed == self->delete_toast)
    flush_delete (self);
}

static void
undo_delete_cb (WabizLeadsPane *self)
{
  g_clear_pointer (&self->pending_delete, g_strfreev);
  self->delete_toast = NULL;
  g_object_set_data (G_OBJECT (self), "wabiz-delete-toast", NULL);
  if (self->model != NULL)
    wabiz_leads_model_reload (self->model);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (widget);
  g_auto(GStrv) ids = dup_selected_ids (self);
  g_autofree char *title = NULL;
  AdwToast *t;
  const char *editing;
  guint n = g_strv_length (ids);

  if (n == 0)
    return;

  /* one pending delete at a time: the previous one goes now */
  if (self->delete_toast != NULL)
    {
      AdwToast *previous = self->delete_toast;

      flush_delete (self);
      adw_toast_dismiss (previous);
    }

  editing = wabiz_lead_get_id (wabiz_lead_editor_get_lead (self->editor));
  if (editing != NULL && g_strv_contains ((const char * const *) ids, editing))
    {
      wabiz_lead_editor_set_lead (self->editor, NULL);
      adw_status_page_set_title (self->details_status, _("No Lead Selected"));
      adw_status_page_set_description (self->details_status,
                                       _("Choose a lead to see and edit its details"));
      gtk_stack_set_visible_child_name (self->details_stack, "none");
    }
  for (guint i = 0; i < n; i++)
    wabiz_leads_model_replace (self->model, ids[i], NULL);
  self->pending_delete = g_steal_pointer (&ids);

  /* Translators: %u is a number of leads */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u lead deleted", "%u leads deleted", n), n);
  t = adw_toast_new (title);
  adw_toast_set_button_label (t, _("_Undo"));
  g_signal_connect_object (t, "button-clicked", G_CALLBACK (undo_delete_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (t, "dismissed", G_CALLBACK (delete_toast_dismissed_cb), self,
                           G_CONNECT_SWAPPED);
  self->delete_toast = t;
  /* for the tests, which cannot reach the toast's button otherwise */
  g_object_set_data (G_OBJECT (self), "wabiz-delete-toast", t);

  /* nowhere to offer the undo: delete at once */
  if (!wabiz_widget_add_toast (GTK_WIDGET (self), g_object_ref (t)))
    flush_delete (self);
  g_object_unref (t);
}

/* Applies @change with @value (trimmed; an empty one does nothing) to the
 * selected leads. */
static void
change_selected (WabizLeadsPane   *self,
                 WabizLeadsChange  change,
                 const char       *value)
{
  g_auto(GStrv) ids = dup_selected_ids (self);
  g_autofree char *trimmed = g_strstrip (g_strdup (value));

  if (ids[0] == NULL || *trimmed == '\0' || wabiz_pane_get_database (WABIZ_PANE (self)) == NULL)
    return;

  wabiz_leads_change_async (wabiz_pane_get_database (WABIZ_PANE (self)), change,
                            (const char * const *) ids, trimmed,
                            wabiz_pane_get_cancellable (WABIZ_PANE (self)), change_cb,
                            g_object_ref (self));
}

/* leads.set-status, leads.add-tag and leads.remove-tag: the change of
 * the action's name, with its parameter, to the selected leads */
static void
change_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  static const struct {
    const char       *action_name;
    WabizLeadsChange  change;
  } changes[] = {
    { "leads.set-status", WABIZ_LEADS_CHANGE_SET_STATUS },
    { "leads.add-tag", WABIZ_LEADS_CHANGE_ADD_TAG },
    { "leads.remove-tag", WABIZ_LEADS_CHANGE_REMOVE_TAG },
  };

  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    if (g_str_equal (action_name, changes[i].action_name))
      change_selected (WABIZ_LEADS_PANE (widget), changes[i].change,
                       g_variant_get_string (parameter, NULL));
}

/* @action_name with the tag typed in the tag popover, which closes */
static void
apply_typed_tag (WabizLeadsPane *self,
                 const char     *action_name)
{
  const char *tag = gtk_editable_get_text (GTK_EDITABLE (self->tag_entry));

  gtk_widget_activate_action (GTK_WIDGET (self), action_name, "s", tag);
  gtk_editable_set_text (GTK_EDITABLE (self->tag_entry), "");
  gtk_popover_popdown (self->tag_popover);
}

static void
remove_tag_clicked_cb (WabizLeadsPane *self)
{
  apply_typed_tag (self, "leads.remove-tag");
}

static void
open_conversation_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (widget);
  const char *phone = wabiz_lead_get_phone (wabiz_lead_editor_get_lead (self->editor));

  if (phone != NULL)
    gtk_widget_activate_action (widget, "win.open-conversation", "s", phone);
}

static void
add_tag_activate_cb (WabizLeadsPane *self)
{
  apply_typed_tag (self, "leads.add-tag");
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (widget);

  if (self->selection != NULL)
    gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
  wabiz_lead_editor_set_lead (self->editor, NULL);
  gtk_stack_set_visible_child_name (self->stack, "list");
  gtk_stack_set_visible_child_name (self->details_stack, "editor");
  adw_leaflet_set_visible_child (self->leaflet, self->details_side);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "list") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* A campaign to the leads of the status and tag filters */
static void
send_campaign_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (widget);
  WabizCampaignDialog *dialog;

  if (self->model == NULL || wabiz_pane_get_database (WABIZ_PANE (self)) == NULL)
    return;
  dialog = wabiz_campaign_dialog_new_for_leads (wabiz_pane_get_window (WABIZ_PANE (self)),
                                                wabiz_pane_get_services (WABIZ_PANE (self)),
                                                wabiz_leads_model_get_status (self->model),
                                                wabiz_leads_model_get_tag (self->model),
                                                wabiz_leads_model_get_search (self->model));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
campaigns_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  GtkWindow *window = wabiz_pane_get_window (WABIZ_PANE (widget));

  if (window != NULL)
    wabiz_campaigns_window_present (window, NULL);
}

static void
import_chosen (WabizLeadsPane *self,
               GFile          *file)
{
  wabiz_leads_pane_import_file (self, file);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Import Leads"),
                                         wabiz_pane_get_window (WABIZ_PANE (self)),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("CSV files"));
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  wabiz_file_chooser_run (chooser, self, (WabizFileChosenFunc) import_chosen);
}

static void
export_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizLeadsPane) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;
  gint64 n;

  n = wabiz_leads_model_export_finish (WABIZ_LEADS_MODEL (object), result, &error);
  if (n < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        wabiz_pane_show_error (WABIZ_PANE (self), error);
      return;
    }

  count = wabiz_pane_format_count (n);
  /* Translators: %s is a number such as 1,234 */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s lead exported", "%s leads exported",
                                       (gulong) n), count);
  toast (self, text);
  g_signal_emit_by_name (self, "exported", NULL);
}

void
wabiz_leads_pane_export_file (WabizLeadsPane *self,
                              GFile          *file)
{
  g_return_if_fail (WABIZ_IS_LEADS_PANE (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->model == NULL)
    return;
  wabiz_leads_model_export_async (self->model, file,
                                  wabiz_pane_get_cancellable (WABIZ_PANE (self)),
                                  export_cb, g_object_ref (self));
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export Leads"),
                                         wabiz_pane_get_window (WABIZ_PANE (self)),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  /* Translators: the file name offered for an export */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("leads.csv"));
  wabiz_file_chooser_run (chooser, self, (WabizFileChosenFunc) wabiz_leads_pane_export_file);
}

static void
tags_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WabizLeadsPane) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *selected = NULL;
  guint position = GTK_INVALID_LIST_POSITION;
  guint n;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot list tags: %s", error->message);
      return;
    }

  if (self->model != NULL)
    selected = g_strdup (wabiz_leads_model_get_tag (self->model));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->tags));
  g_signal_handlers_block_by_func (self->tag_filter, filter_changed_cb, self);
  gtk_string_list_splice (self->tags, 1, n - 1, NULL);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      const char *tag = wabiz_db_result_get (res, i, "tag");

      gtk_string_list_append (self->tags, tag);
      if (g_strcmp0 (tag, selected) == 0)
        position = i + 1;
    }
  gtk_drop_down_set_selected (self->tag_filter, position != GTK_INVALID_LIST_POSITION ? position : 0);
  g_signal_handlers_unblock_by_func (self->tag_filter, filter_changed_cb, self);
}

static void
reload_tags (WabizLeadsPane *self)
{
  if (wabiz_pane_get_database (WABIZ_PANE (self)) == NULL)
    return;

  wabiz_db_query_async (wabiz_pane_get_database (WABIZ_PANE (self)),
                        WABIZ_LEAD_TAGS_SQL, 0, NULL, wabiz_pane_get_cancellable (WABIZ_PANE (self)), tags_cb,
                        g_object_ref (self));
}

static void
drop_model (WabizLeadsPane *self)
{
  if (self->model == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->model, self);
  wabiz_leads_model_cancel (self->model);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
}

static void
wabiz_leads_pane_reload (WabizPane *pane)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (pane);
  WabizDb *db = wabiz_pane_get_database (pane);
  WabizServices *services = wabiz_pane_get_services (pane);

  /* other services: another database */
  if (self->model != NULL && wabiz_paged_model_get_db (WABIZ_PAGED_MODEL (self->model)) != db)
    drop_model (self);

  if (self->model == NULL)
    {
      self->model = wabiz_leads_model_new (db);
      self->selection = gtk_multi_selection_new (G_LIST_MODEL (g_object_ref (self->model)));
      g_signal_connect_object (self->model, "notify::loading", G_CALLBACK (update_loaded), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->model, "items-changed", G_CALLBACK (model_items_changed_cb),
                               self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
      g_signal_connect_object (self->selection, "selection-changed",
                               G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
      gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
      wabiz_lead_editor_set_database (self->editor, db);
      filter_changed_cb (self);
      search_changed_cb (self);
    }

  /* the model follows the changes to its leads itself */
  wabiz_paged_model_set_listener (WABIZ_PAGED_MODEL (self->model),
                                  services != NULL ? wabiz_services_get_listener (services) : NULL);

  self->counted = FALSE;
  self->count_failed = FALSE;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "list") != 0)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  wabiz_leads_model_reload (self->model);
  recount (self);
  reload_tags (self);
}

/* the model follows the changes to its leads itself: the count and the
 * tags again */
static void
wabiz_leads_pane_changes_done (WabizPane *pane)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (pane);

  if (self->model == NULL)
    return;

  recount (self);
  reload_tags (self);
}

static void
wabiz_leads_pane_dispose (GObject *object)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (object);

  flush_delete (self);
  drop_model (self);

  gtk_widget_dispose_template (GTK_WIDGET (object), WABIZ_TYPE_LEADS_PANE);

  G_OBJECT_CLASS (wabiz_leads_pane_parent_class)->dispose (object);
}

static void
wabiz_leads_pane_finalize (GObject *object)
{
  WabizLeadsPane *self = WABIZ_LEADS_PANE (object);

  g_clear_object (&self->tags);
  g_strfreev (self->pending_delete);

  G_OBJECT_CLASS (wabiz_leads_pane_parent_class)->finalize (object);
}

static void
wabiz_leads_pane_class_init (WabizLeadsPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  WabizPaneClass *pane_class = WABIZ_PANE_CLASS (klass);
  static const char * const tables[] = { "leads", NULL };

  object_class->dispose = wabiz_leads_pane_dispose;
  object_class->finalize = wabiz_leads_pane_finalize;

  pane_class->reload = wabiz_leads_pane_reload;
  pane_class->tables = tables;
  pane_class->changes_delay = 250;
  pane_class->changes_done = wabiz_leads_pane_changes_done;

  /**
   * WabizLeadsPane::exported:
   *
   * An export finished (tests).
   */
  g_signal_new ("exported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);

  g_type_ensure (WABIZ_TYPE_LEAD_EDITOR);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-leads-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, status_page);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, list_side);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, details_side);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, status_filter);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, tag_filter);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, scroller);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, list_view);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, count_label);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, selection_bar);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, selection_label);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, tag_popover);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, tag_entry);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, back_button);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, details_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, details_status);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadsPane, editor);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, lead_saved_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_tag_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_tag_clicked_cb);

  gtk_widget_class_install_action (widget_class, "leads.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "leads.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "leads.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "leads.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "leads.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "leads.set-status", "s", change_action);
  gtk_widget_class_install_action (widget_class, "leads.add-tag", "s", change_action);
  gtk_widget_class_install_action (widget_class, "leads.remove-tag", "s", change_action);
  gtk_widget_class_install_action (widget_class, "leads.open-conversation", NULL,
                                   open_conversation_action);
  gtk_widget_class_install_action (widget_class, "leads.show-list", NULL,
                                   wabiz_pane_show_list_action);
  gtk_widget_class_install_action (widget_class, "leads.send-campaign", NULL, send_campaign_action);
  gtk_widget_class_install_action (widget_class, "leads.campaigns", NULL, campaigns_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "leads.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "leads.new", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "leads.delete", NULL);
}

static void
wabiz_leads_pane_init (WabizLeadsPane *self)
{
  g_autoptr(GtkStringList) statuses = gtk_string_list_new (NULL);
  static const char * const sorts[] = {
    N_("Last Contact"), N_("Name"), N_("Date Added"),
  };
  g_autoptr(GtkStringList) sort_list = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_string_list_append (statuses, _("All Statuses"));
  for (const char * const *s = wabiz_lead_get_statuses (); *s != NULL; s++)
    gtk_string_list_append (statuses, wabiz_lead_status_to_label (*s));
  gtk_drop_down_set_model (self->status_filter, G_LIST_MODEL (statuses));

  self->tags = gtk_string_list_new (NULL);
  gtk_string_list_append (self->tags, _("All Tags"));
  gtk_drop_down_set_model (self->tag_filter, G_LIST_MODEL (self->tags));

  for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
    gtk_string_list_append (sort_list, _(sorts[i]));
  gtk_drop_down_set_model (self->sort_dropdown, G_LIST_MODEL (sort_list));

  wabiz_pane_set_up_list (WABIZ_PANE (self), self->list_view, G_CALLBACK (wabiz_lead_row_new),
                          G_CALLBACK (wabiz_lead_row_set_lead), G_CALLBACK (list_activate_cb));

  wabiz_pane_watch_scroller (WABIZ_PANE (self), self->scroller, G_CALLBACK (maybe_load_more));

  wabiz_pane_follow_leaflet (WABIZ_PANE (self), self->leaflet, self->list_side, self->details_side,
                             self->back_button);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.delete", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.set-status", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.add-tag", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.remove-tag", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "leads.open-conversation", FALSE);
}

WabizLeadsModel *
wabiz_leads_pane_get_model (WabizLeadsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_PANE (self), NULL);

  return self->model;
}

GtkSelectionModel *
wabiz_leads_pane_get_selection (WabizLeadsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_PANE (self), NULL);

  return GTK_SELECTION_MODEL (self->selection);
}

WabizLeadEditor *
wabiz_leads_pane_get_editor (WabizLeadsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_PANE (self), NULL);

  return self->editor;
}

GtkSearchEntry *
wabiz_leads_pane_get_search_entry (WabizLeadsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_PANE (self), NULL);

  return self->search_entry;
}

/**
 * wabiz_leads_pane_import_file:
 *
 * Opens the import dialog on @file (what leads.import does after the
 * file chooser). Returns the dialog.
 */
GtkWidget *
wabiz_leads_pane_import_file (WabizLeadsPane *self,
                              GFile          *file)
{
  GtkWidget *dialog;

  g_return_val_if_fail (WABIZ_IS_LEADS_PANE (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  if (wabiz_pane_get_database (WABIZ_PANE (self)) == NULL)
    return NULL;

  dialog = wabiz_import_dialog_new (wabiz_pane_get_window (WABIZ_PANE (self)),
                                    wabiz_pane_get_database (WABIZ_PANE (self)), file);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}
