/* wabiz-template-form.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What the windows that send or write templates share (the template
 * dialog, the campaign dialog, the template editor): the combo row of
 * templates, the error above the form, the file chooser of a header.
 */

#define G_LOG_DOMAIN "wabiz-template-form"

#include "config.h"

#include "wabiz-template-form.h"

#include <glib/gi18n.h>

static char *
template_label (WabizTemplate *template)
{
  if (template == NULL)
    return g_strdup ("");
  /* Translators: a template's name and language, e.g. “order_ready (en_US)” */
  return g_strdup_printf (_("%s (%s)"), wabiz_template_get_name (template),
                          wabiz_template_get_language (template));
}

/* Whether @a and @b are the same template, with the same body */
gboolean
wabiz_template_form_same (WabizTemplate *a,
                          WabizTemplate *b)
{
  return a != NULL && b != NULL &&
         g_strcmp0 (wabiz_template_get_name (a), wabiz_template_get_name (b)) == 0 &&
         g_strcmp0 (wabiz_template_get_language (a), wabiz_template_get_language (b)) == 0 &&
         g_strcmp0 (wabiz_template_get_body (a), wabiz_template_get_body (b)) == 0;
}

typedef struct
{
  GObject                  *window;   /* (owned) */
  gboolean                 *syncing;  /* in window */
  WabizTemplatesSyncedFunc  synced;
} Sync;

static void
sync_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sync *sync = user_data;
  g_autoptr(GError) error = NULL;

  if (wabiz_template_sync_finish (result, &error) < 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Cannot refresh the templates from Meta: %s", error->message);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      *sync->syncing = FALSE;
      sync->synced (sync->window);
    }
  g_object_unref (sync->window);
  g_free (sync);
}

/**
 * wabiz_template_form_sync:
 * @window: the window that shows the templates
 * @syncing: (inout): @window's: whether a sync is on its way (no other
 *   starts meanwhile)
 * @synced: called with @window when the sync ended, well or not (not
 *   when it was cancelled)
 *
 * Refreshes the templates of @db from Meta through @graph.
 */
void
wabiz_template_form_sync (gpointer                  window,
                          WabizDb                  *db,
                          WabizGraphClient         *graph,
                          GCancellable             *cancellable,
                          gboolean                 *syncing,
                          WabizTemplatesSyncedFunc  synced)
{
  Sync *sync;

  g_return_if_fail (G_IS_OBJECT (window));
  g_return_if_fail (syncing != NULL && synced != NULL);

  if (*syncing)
    return;

  *syncing = TRUE;
  sync = g_new0 (Sync, 1);
  sync->window = g_object_ref (window);
  sync->syncing = syncing;
  sync->synced = synced;
  wabiz_template_sync_async (db, graph, cancellable, sync_cb, sync);
}

/* @row shows its templates (a model of #WabizTemplate) by name and language */
void
wabiz_template_form_set_up_combo (AdwComboRow *row)
{
  g_autoptr(GtkExpression) expression = NULL;

  g_return_if_fail (ADW_IS_COMBO_ROW (row));

  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (template_label), NULL, NULL);
  adw_combo_row_set_expression (row, expression);
}

/**
 * wabiz_template_form_select:
 * @language: (nullable): %NULL: in any language
 *
 * Selects the template @name in @language in @row's model.
 *
 * Returns: %FALSE if it is not there
 */
gboolean
wabiz_template_form_select (AdwComboRow *row,
                            const char  *name,
                            const char  *language)
{
  GListModel *templates;

  g_return_val_if_fail (ADW_IS_COMBO_ROW (row), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  templates = adw_combo_row_get_model (row);
  for (guint i = 0; templates != NULL && i < g_list_model_get_n_items (templates); i++)
    {
      g_autoptr(WabizTemplate) t = g_list_model_get_item (templates, i);

      if (g_str_equal (wabiz_template_get_name (t), name) &&
          (language == NULL || g_str_equal (wabiz_template_get_language (t), language)))
        {
          adw_combo_row_set_selected (row, i);
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * wabiz_template_form_set_state:
 * @stack: the window's pages, one per state
 * @slot: (inout): where the window keeps its state
 * @busy: the state in which the page stays, insensitive, while the
 *   window works ("sending", "starting")
 *
 * Shows the page of @state (unless @busy) and keeps @state in @slot.
 *
 * Returns: whether the state changed (for the window to notify it)
 */
gboolean
wabiz_template_form_set_state (GtkStack    *stack,
                               char       **slot,
                               const char  *state,
                               const char  *busy)
{
  g_return_val_if_fail (GTK_IS_STACK (stack), FALSE);
  g_return_val_if_fail (slot != NULL && state != NULL && busy != NULL, FALSE);

  if (!g_str_equal (state, busy))
    gtk_stack_set_visible_child_name (stack, state);
  gtk_widget_set_sensitive (GTK_WIDGET (stack), !g_str_equal (state, busy));

  if (g_strcmp0 (*slot, state) == 0)
    return FALSE;
  g_free (*slot);
  *slot = g_strdup (state);
  return TRUE;
}

/**
 * wabiz_template_form_show_error:
 * @error: (inout) (nullable): where the window keeps the message shown
 * @message: (nullable): %NULL: none
 *
 * Shows @message in @label, revealed by @revealer, above the form.
 */
void
wabiz_template_form_show_error (char        **error,
                                GtkRevealer  *revealer,
                                GtkLabel     *label,
                                const char   *message)
{
  g_return_if_fail (error != NULL);

  g_free (*error);
  *error = g_strdup (message);
  if (message != NULL)
    gtk_label_set_text (label, message);
  gtk_revealer_set_reveal_child (revealer, message != NULL);
}

void
wabiz_template_form_choose_file (GtkWindow           *window,
                                 const char          *title,
                                 GtkFileFilter       *filter,
                                 WabizFileChosenFunc  chosen)
{
  GtkFileChooserNative *chooser;

  g_return_if_fail (GTK_IS_WINDOW (window));
  g_return_if_fail (chosen != NULL);

  chooser = gtk_file_chooser_native_new (title, window, GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"),
                                         _("_Cancel"));
  if (filter != NULL)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  wabiz_file_chooser_run (chooser, window, chosen);
}
