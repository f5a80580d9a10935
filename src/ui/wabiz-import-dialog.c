/* wabiz-import-dialog.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Imports leads from a CSV file: the user maps the columns, sees what
 * will be created, updated and rejected (and why), then imports in one
 * transaction with progress and cancel.
 */

#define G_LOG_DOMAIN "wabiz-import-dialog"

#include "config.h"

#include "wabiz-import-dialog.h"

#include <glib/gi18n.h>

#define MAX_REJECTED_SHOWN 200

struct _WabizImportDialog
{
  AdwWindow            parent_instance;

  WabizLeadImport     *import;        /* (owned) */
  GFile               *file;          /* (owned) */
  GCancellable        *cancellable;   /* (owned): loading and preview */
  GCancellable        *run_cancellable; /* (owned) (nullable): while importing */
  GPtrArray           *mapping_rows;  /* (owned) of AdwComboRow */
  GPtrArray           *rejected_rows; /* (owned) of GtkWidget in rejected_group */
  char                *state;         /* (owned) */

  /* template children */
  GtkStack            *stack;
  AdwStatusPage       *error_page;
  AdwStatusPage       *done_page;
  AdwPreferencesGroup *mapping_group;
  AdwPreferencesGroup *rejected_group;
  AdwActionRow        *created_row;
  AdwActionRow        *updated_row;
  AdwActionRow        *rejected_row;
  GtkProgressBar      *progress_bar;
  GtkWidget           *import_button;
  GtkWidget           *cancel_button;
};

G_DEFINE_FINAL_TYPE (WabizImportDialog, wabiz_import_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_preview (WabizImportDialog *self);

static void
set_state (WabizImportDialog *self,
           const char        *state)
{
  gtk_stack_set_visible_child_name (self->stack, state);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.run",
                                 g_str_equal (state, "preview") &&
                                 wabiz_lead_import_count (self->import, WABIZ_IMPORT_CREATE) +
                                 wabiz_lead_import_count (self->import, WABIZ_IMPORT_UPDATE) > 0);
  gtk_widget_set_visible (self->import_button, !g_str_equal (state, "done"));
  gtk_widget_set_visible (self->cancel_button, !g_str_equal (state, "done"));

  if (g_strcmp0 (self->state, state) == 0)
    return;
  g_free (self->state);
  self->state = g_strdup (state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
show_error (WabizImportDialog *self,
            const GError      *error)
{
  adw_status_page_set_description (self->error_page, error->message);
  set_state (self, "error");
}

static void
set_count_row (AdwActionRow *row,
               const char   *format,
               guint         n)
{
  g_autofree char *title = g_strdup_printf (format, n);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
}

static void
show_preview (WabizImportDialog *self)
{
  WabizLeadImport *import = self->import;
  guint n_rows = wabiz_lead_import_get_n_rows (import);
  guint n_rejected = wabiz_lead_import_count (import, WABIZ_IMPORT_REJECT);
  guint shown = 0;
  guint n;

  n = wabiz_lead_import_count (import, WABIZ_IMPORT_CREATE);
  /* Translators: the number of leads an import creates */
  set_count_row (self->created_row, g_dngettext (GETTEXT_PACKAGE, "%u new lead", "%u new leads", n), n);
  n = wabiz_lead_import_count (import, WABIZ_IMPORT_UPDATE);
  /* Translators: the number of existing leads (same phone number) an import updates */
  set_count_row (self->updated_row,
                 g_dngettext (GETTEXT_PACKAGE, "%u lead updated", "%u leads updated", n), n);
  /* Translators: the number of rows of the file that are not imported */
  set_count_row (self->rejected_row,
                 g_dngettext (GETTEXT_PACKAGE, "%u row not imported", "%u rows not imported",
                              n_rejected), n_rejected);
  adw_action_row_set_subtitle (self->updated_row,
                               _("Leads with the same phone number get the file’s values"));

  for (guint i = 0; i < self->rejected_rows->len; i++)
    adw_preferences_group_remove (self->rejected_group, g_ptr_array_index (self->rejected_rows, i));
  g_ptr_array_set_size (self->rejected_rows, 0);

  for (guint i = 0; i < n_rows && shown < MAX_REJECTED_SHOWN; i++)
    {
      GtkWidget *row;
      g_autofree char *title = NULL;
      const char *phone = wabiz_lead_import_get_row_phone (import, i);
      const char *name = wabiz_lead_import_get_row_name (import, i);

      if (wabiz_lead_import_get_row_action (import, i) != WABIZ_IMPORT_REJECT)
        continue;

      /* Translators: %u is a line of the file, %s a name or phone number from it */
      title = g_strdup_printf (_("Line %u: %s"), wabiz_lead_import_get_row_line (import, i),
                               name != NULL ? name : phone != NULL ? phone : "—");
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), wabiz_lead_import_get_row_reason (import, i));
      adw_preferences_group_add (self->rejected_group, row);
      g_ptr_array_add (self->rejected_rows, row);
      shown++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->rejected_group), shown > 0);

  set_state (self, "preview");
}

static void
preview_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WabizImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_lead_import_preview_finish (WABIZ_LEAD_IMPORT (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }

  show_preview (self);
}

static void
mapping_changed_cb (AdwComboRow       *row,
                    GParamSpec        *pspec,
                    WabizImportDialog *self)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "column"));

  wabiz_lead_import_set_mapping (self->import, column, adw_combo_row_get_selected (row));
  start_preview (self);
}

static void
build_mapping (WabizImportDialog *self)
{
  g_autoptr(GtkStringList) fields = gtk_string_list_new (NULL);

  for (guint f = 0; f < WABIZ_IMPORT_N_FIELDS; f++)
    gtk_string_list_append (fields, wabiz_import_field_to_label (f));

  for (guint c = 0; c < wabiz_lead_import_get_n_columns (self->import); c++)
    {
      GtkWidget *row = adw_combo_row_new ();
      const char *name = wabiz_lead_import_get_column_name (self->import, c);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), *name != '\0' ? name : "—");
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (fields));
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), wabiz_lead_import_get_mapping (self->import, c));
      g_object_set_data (G_OBJECT (row), "column", GUINT_TO_POINTER (c));
      g_signal_connect (row, "notify::selected", G_CALLBACK (mapping_changed_cb), self);
      adw_preferences_group_add (self->mapping_group, row);
      g_ptr_array_add (self->mapping_rows, row);
    }
}

static void
start_preview (WabizImportDialog *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  set_state (self, "loading");
  wabiz_lead_import_preview_async (self->import, self->cancellable, preview_cb, g_object_ref (self));
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_lead_import_load_finish (WABIZ_LEAD_IMPORT (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }

  build_mapping (self);
  start_preview (self);
}

static void
progress_cb (WabizImportDialog *self)
{
  double fraction = wabiz_lead_import_get_progress (self->import);
  g_autofree char *text = g_strdup_printf ("%.0f %%", fraction * 100);

  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(WabizImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  guint created = 0;
  guint updated = 0;

  g_clear_object (&self->run_cancellable);
  if (!wabiz_lead_import_run_finish (WABIZ_LEAD_IMPORT (object), result, &created, &updated, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* nothing was imported: back to the preview */
          set_state (self, "preview");
          return;
        }
      show_error (self, error);
      return;
    }

  {
    g_autofree char *c = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new lead", "%u new leads", created), created);
    g_autofree char *u = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u lead updated", "%u leads updated", updated), updated);

    /* Translators: two counts, such as "2 new leads" and "1 lead updated" */
    description = g_strdup_printf (_("%s, %s"), c, u);
  }
  adw_status_page_set_description (self->done_page, description);
  set_state (self, "done");
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  WabizImportDialog *self = WABIZ_IMPORT_DIALOG (widget);

  if (g_strcmp0 (self->state, "preview") != 0)
    return;

  self->run_cancellable = g_cancellable_new ();
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  set_state (self, "running");
  wabiz_lead_import_run_async (self->import, self->run_cancellable, run_cb, g_object_ref (self));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizImportDialog *self = WABIZ_IMPORT_DIALOG (widget);

  if (self->run_cancellable != NULL)
    {
      /* the transaction rolls back; the dialog goes back to the preview */
      g_cancellable_cancel (self->run_cancellable);
      return;
    }

  gtk_window_close (GTK_WINDOW (self));
}

static void
wabiz_import_dialog_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  WabizImportDialog *self = WABIZ_IMPORT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_import_dialog_dispose (GObject *object)
{
  WabizImportDialog *self = WABIZ_IMPORT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
  if (self->import != NULL)
    g_signal_handlers_disconnect_by_data (self->import, self);
  g_clear_object (&self->import);
  g_clear_object (&self->file);

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_IMPORT_DIALOG);

  G_OBJECT_CLASS (wabiz_import_dialog_parent_class)->dispose (object);
}

static void
wabiz_import_dialog_finalize (GObject *object)
{
  WabizImportDialog *self = WABIZ_IMPORT_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->run_cancellable);
  g_ptr_array_unref (self->mapping_rows);
  g_ptr_array_unref (self->rejected_rows);
  g_free (self->state);

  G_OBJECT_CLASS (wabiz_import_dialog_parent_class)->finalize (object);
}

static void
wabiz_import_dialog_class_init (WabizImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_import_dialog_get_property;
  object_class->dispose = wabiz_import_dialog_dispose;
  object_class->finalize = wabiz_import_dialog_finalize;

  properties[PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, "loading",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-import-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, error_page);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, done_page);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, mapping_group);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, rejected_group);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, created_row);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, updated_row);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, rejected_row);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, import_button);
  gtk_widget_class_bind_template_child (widget_class, WabizImportDialog, cancel_button);

  gtk_widget_class_install_action (widget_class, "import.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "import.cancel", NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "import.cancel", NULL);
}

static void
wabiz_import_dialog_init (WabizImportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->state = g_strdup ("loading");
  self->cancellable = g_cancellable_new ();
  self->mapping_rows = g_ptr_array_new ();
  self->rejected_rows = g_ptr_array_new ();
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.run", FALSE);
}

GtkWidget *
wabiz_import_dialog_new (GtkWindow *parent,
                         WabizDb   *db,
                         GFile     *file)
{
  WabizImportDialog *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (WABIZ_TYPE_IMPORT_DIALOG, "transient-for", parent, NULL);
  self->file = g_object_ref (file);
  self->import = wabiz_lead_import_new (db);
  g_signal_connect_swapped (self->import, "notify::progress", G_CALLBACK (progress_cb), self);
  wabiz_lead_import_load_async (self->import, file, self->cancellable, loaded_cb, g_object_ref (self));
  return GTK_WIDGET (self);
}

WabizLeadImport *
wabiz_import_dialog_get_import (WabizImportDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_IMPORT_DIALOG (self), NULL);

  return self->import;
}

const char *
wabiz_import_dialog_get_state (WabizImportDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_IMPORT_DIALOG (self), NULL);

  return self->state;
}
