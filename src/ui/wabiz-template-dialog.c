/* wabiz-template-dialog.c
 *
 * SPDX-License-Identifier: MIT
 *
 * "Send a Template": outside the 24-hour window WhatsApp only delivers
 * approved templates. The dialog lists those WaBiz can send (from the
 * `templates` table, refreshed from Graph when it opens), asks for one
 * value per {{n}} with a live preview, and queues the message through
 * the outbox like every other send. "sent" gives the message's uuid.
 */

#define G_LOG_DOMAIN "wabiz-template-dialog"

#include "config.h"

#include "wabiz-template.h"
#include "wabiz-template-dialog.h"

#include <glib/gi18n.h>

struct _WabizTemplateDialog
{
  AdwWindow            parent_instance;

  WabizDb             *db;            /* (owned) */
  WabizOutbox         *outbox;        /* (owned) (nullable) */
  WabizGraphClient    *graph;         /* (owned) (nullable) */
  GCancellable        *cancellable;   /* (owned) */
  GListModel          *templates;     /* (owned) (nullable) of WabizTemplate */
  GPtrArray           *value_rows;    /* (owned) of AdwEntryRow */
  char                *phone;         /* (owned) */
  char                *state;         /* (owned) */
  char                *error;         /* (owned) (nullable) */
  WabizTemplate       *shown;         /* (owned) (nullable): whose rows are built */
  gboolean             syncing;

  /* template children */
  AdwWindowTitle      *window_title;
  GtkStack            *send_stack;
  GtkRevealer         *error_revealer;
  GtkLabel            *error_label;
  GtkStack            *stack;
  AdwComboRow         *template_row;
  AdwPreferencesGroup *params_group;
  GtkLabel            *preview_header;
  GtkLabel            *preview_body;
  GtkLabel            *preview_footer;
};

G_DEFINE_FINAL_TYPE (WabizTemplateDialog, wabiz_template_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void load_templates (WabizTemplateDialog *self);

static WabizTemplate *
get_selected (WabizTemplateDialog *self)
{
  gpointer item = adw_combo_row_get_selected_item (self->template_row);

  return WABIZ_IS_TEMPLATE (item) ? item : NULL;
}

static GStrv
dup_values (WabizTemplateDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->value_rows->len; i++)
    {
      GtkEditable *row = g_ptr_array_index (self->value_rows, i);
      g_autofree char *value = g_strstrip (g_strdup (gtk_editable_get_text (row)));

      g_strv_builder_add (builder, value);
    }
  return g_strv_builder_end (builder);
}

static gboolean
values_complete (WabizTemplateDialog *self)
{
  for (guint i = 0; i < self->value_rows->len; i++)
    {
      g_autofree char *value = g_strstrip (g_strdup (gtk_editable_get_text (g_ptr_array_index (self->value_rows, i))));

      if (*value == '\0')
        return FALSE;
    }
  return TRUE;
}

static void
set_error (WabizTemplateDialog *self,
           const char          *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  if (message != NULL)
    gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
update_actions (WabizTemplateDialog *self)
{
  gboolean form = g_str_equal (self->state, "form");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "template.send",
                                 form && self->outbox != NULL && get_selected (self) != NULL &&
                                 values_complete (self));
  gtk_widget_set_visible (GTK_WIDGET (self->send_stack),
                          form || g_str_equal (self->state, "sending"));
  gtk_stack_set_visible_child_name (self->send_stack,
                                    g_str_equal (self->state, "sending") ? "sending" : "button");
}

static void
set_state (WabizTemplateDialog *self,
           const char          *state)
{
  if (!g_str_equal (state, "sending"))
    gtk_stack_set_visible_child_name (self->stack, state);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stack), !g_str_equal (state, "sending"));

  if (g_strcmp0 (self->state, state) != 0)
    {
      g_free (self->state);
      self->state = g_strdup (state);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  update_actions (self);
}

static void
update_preview (WabizTemplateDialog *self)
{
  WabizTemplate *template = get_selected (self);
  g_auto(GStrv) values = NULL;
  g_autofree char *body = NULL;
  const char *header;
  const char *footer;

  if (template == NULL)
    return;

  values = dup_values (self);
  body = wabiz_template_fill (wabiz_template_get_body (template), (const char * const *) values);
  header = wabiz_template_get_header (template);
  footer = wabiz_template_get_footer (template);
  gtk_label_set_text (self->preview_body, body);
  gtk_label_set_text (self->preview_header, header != NULL ? header : "");
  gtk_widget_set_visible (GTK_WIDGET (self->preview_header), header != NULL && *header != '\0');
  gtk_label_set_text (self->preview_footer, footer != NULL ? footer : "");
  gtk_widget_set_visible (GTK_WIDGET (self->preview_footer), footer != NULL && *footer != '\0');
  update_actions (self);
}

static gboolean
same_template (WabizTemplate *a,
               WabizTemplate *b)
{
  return a != NULL && b != NULL &&
         g_strcmp0 (wabiz_template_get_name (a), wabiz_template_get_name (b)) == 0 &&
         g_strcmp0 (wabiz_template_get_language (a), wabiz_template_get_language (b)) == 0 &&
         g_strcmp0 (wabiz_template_get_body (a), wabiz_template_get_body (b)) == 0;
}

static void
build_value_rows (WabizTemplateDialog *self)
{
  WabizTemplate *template = get_selected (self);
  guint n;

  /* the same template again (after a refresh): keep what was typed */
  if (same_template (template, self->shown))
    {
      g_set_object (&self->shown, template);
      update_preview (self);
      return;
    }

  for (guint i = 0; i < self->value_rows->len; i++)
    adw_preferences_group_remove (self->params_group, g_ptr_array_index (self->value_rows, i));
  g_ptr_array_set_size (self->value_rows, 0);
  g_set_object (&self->shown, template);

  n = template != NULL ? wabiz_template_get_n_params (template) : 0;
  gtk_widget_set_visible (GTK_WIDGET (self->params_group), n > 0);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = adw_entry_row_new ();
      const char *example = wabiz_template_get_example (template, i);
      g_autofree char *title = NULL;

      if (example != NULL)
        /* Translators: {{%u}} is a numbered place in a message template,
         * e.g. “{{1}}, for example “Maria”” */
        title = g_strdup_printf (_("{{%u}}, for example “%s”"), i + 1, example);
      else
        /* Translators: {{%u}} is a numbered place in a message template */
        title = g_strdup_printf (_("Value for {{%u}}"), i + 1);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
      g_signal_connect_object (row, "changed", G_CALLBACK (update_preview), self, G_CONNECT_SWAPPED);
      adw_preferences_group_add (self->params_group, row);
      g_ptr_array_add (self->value_rows, row);
    }

  set_error (self, NULL);
  update_preview (self);
}

static char *
template_label (WabizTemplate *template)
{
  if (template == NULL)
    return g_strdup ("");
  /* Translators: a template's name and language, e.g. “order_ready (en_US)” */
  return g_strdup_printf (_("%s (%s)"), wabiz_template_get_name (template),
                          wabiz_template_get_language (template));
}

/* loading */

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WabizTemplateDialog) self = user_data;
  g_autoptr(GListModel) templates = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizTemplate) previous = NULL;
  guint n;

  templates = wabiz_template_list_sendable_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (templates == NULL)
    {
      /* Translators: %s says why, from the database */
      g_autofree char *message = g_strdup_printf (_("Cannot read the templates: %s"), error->message);

      set_error (self, message);
      if (g_str_equal (self->state, "loading"))
        set_state (self, "empty");
      return;
    }

  n = g_list_model_get_n_items (templates);
  g_debug ("%u templates can be sent", n);
  if (n == 0 && self->syncing)
    return;  /* Graph may have some */

  if (self->shown != NULL)
    previous = g_object_ref (self->shown);
  g_set_object (&self->templates, templates);
  adw_combo_row_set_model (self->template_row, templates);
  for (guint i = 0; previous != NULL && i < n; i++)
    {
      g_autoptr(WabizTemplate) t = g_list_model_get_item (templates, i);

      if (g_strcmp0 (wabiz_template_get_name (t), wabiz_template_get_name (previous)) == 0 &&
          g_strcmp0 (wabiz_template_get_language (t), wabiz_template_get_language (previous)) == 0)
        {
          adw_combo_row_set_selected (self->template_row, i);
          break;
        }
    }
  build_value_rows (self);

  if (!g_str_equal (self->state, "sending"))
    set_state (self, n > 0 ? "form" : "empty");
}

static void
sync_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WabizTemplateDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = wabiz_template_sync_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->syncing = FALSE;
  if (n < 0)
    g_debug ("Cannot refresh the templates from Meta: %s", error->message);
  load_templates (self);
}

static void
load_templates (WabizTemplateDialog *self)
{
  wabiz_template_list_sendable_async (self->db, self->cancellable, list_cb, g_object_ref (self));
}

static void
refresh (WabizTemplateDialog *self)
{
  if (g_str_equal (self->state, "empty"))
    set_state (self, "loading");
  set_error (self, NULL);
  if (self->graph != NULL && !self->syncing)
    {
      self->syncing = TRUE;
      wabiz_template_sync_async (self->db, self->graph, self->cancellable, sync_cb,
                                 g_object_ref (self));
    }
  load_templates (self);
}

/* sending */

static void
queued_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizTemplateDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (uuid == NULL)
    {
      set_state (self, "form");
      set_error (self, error->message);
      return;
    }

  g_debug ("Template queued as %s", uuid);
  g_signal_emit (self, signals[SIGNAL_SENT], 0, uuid);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizTemplateDialog *self = WABIZ_TEMPLATE_DIALOG (widget);
  WabizTemplate *template = get_selected (self);
  g_autoptr(WabizOutgoing) outgoing = NULL;
  g_auto(GStrv) values = NULL;

  if (template == NULL || self->outbox == NULL || !g_str_equal (self->state, "form"))
    return;
  if (!values_complete (self))
    {
      set_error (self, _("Fill in every value of the template."));
      return;
    }

  values = dup_values (self);
  outgoing = wabiz_outgoing_new_template (self->phone, wabiz_template_get_name (template),
                                          wabiz_template_get_language (template),
                                          g_strv_length (values) > 0
                                          ? (const char * const *) values : NULL);
  set_error (self, NULL);
  set_state (self, "sending");
  wabiz_outbox_queue_async (self->outbox, outgoing, self->cancellable, queued_cb,
                            g_object_ref (self));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  refresh (WABIZ_TEMPLATE_DIALOG (widget));
}

static void
open_templates_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.pane", "s", "templates");
  gtk_window_destroy (GTK_WINDOW (widget));
}

/* GObject */

static void
wabiz_template_dialog_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  WabizTemplateDialog *self = WABIZ_TEMPLATE_DIALOG (object);

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
wabiz_template_dialog_dispose (GObject *object)
{
  WabizTemplateDialog *self = WABIZ_TEMPLATE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->db);
  g_clear_object (&self->outbox);
  g_clear_object (&self->graph);
  g_clear_object (&self->templates);
  g_clear_object (&self->shown);
  g_clear_pointer (&self->value_rows, g_ptr_array_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_TEMPLATE_DIALOG);

  G_OBJECT_CLASS (wabiz_template_dialog_parent_class)->dispose (object);
}

static void
wabiz_template_dialog_finalize (GObject *object)
{
  WabizTemplateDialog *self = WABIZ_TEMPLATE_DIALOG (object);

  g_free (self->phone);
  g_free (self->state);
  g_free (self->error);

  G_OBJECT_CLASS (wabiz_template_dialog_parent_class)->finalize (object);
}

static void
wabiz_template_dialog_class_init (WabizTemplateDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_template_dialog_get_property;
  object_class->dispose = wabiz_template_dialog_dispose;
  object_class->finalize = wabiz_template_dialog_finalize;

  properties[PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizTemplateDialog::sent:
   * @uuid: the queued message's id
   *
   * The template is in the outbox; the dialog closes.
   */
  signals[SIGNAL_SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-template-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, send_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, template_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, params_group);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, preview_header);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, preview_body);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, preview_footer);

  gtk_widget_class_install_action (widget_class, "template.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "template.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "template.open-templates", NULL,
                                   open_templates_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
wabiz_template_dialog_init (WabizTemplateDialog *self)
{
  g_autoptr(GtkExpression) expression = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->value_rows = g_ptr_array_new ();
  self->state = g_strdup ("loading");

  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (template_label), NULL, NULL);
  adw_combo_row_set_expression (self->template_row, expression);
  g_signal_connect_object (self->template_row, "notify::selected", G_CALLBACK (build_value_rows),
                           self, G_CONNECT_SWAPPED);
  update_actions (self);
}

/**
 * wabiz_template_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @outbox: (nullable): without it nothing can be sent (no account set up)
 * @graph: (nullable): to refresh the templates from Meta
 * @phone: the customer, E.164 digits
 * @recipient: (nullable): the customer's name, shown in the title
 */
WabizTemplateDialog *
wabiz_template_dialog_new (GtkWindow        *parent,
                           WabizDb          *db,
                           WabizOutbox      *outbox,
                           WabizGraphClient *graph,
                           const char       *phone,
                           const char       *recipient)
{
  WabizTemplateDialog *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (!outbox || WABIZ_IS_OUTBOX (outbox), NULL);
  g_return_val_if_fail (!graph || WABIZ_IS_GRAPH_CLIENT (graph), NULL);
  g_return_val_if_fail (phone != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_TEMPLATE_DIALOG, "transient-for", parent, NULL);
  self->db = g_object_ref (db);
  self->outbox = outbox != NULL ? g_object_ref (outbox) : NULL;
  self->graph = graph != NULL ? g_object_ref (graph) : NULL;
  self->phone = g_strdup (phone);
  if (recipient != NULL && *recipient != '\0')
    {
      /* Translators: the subtitle of “Send a Template”; %s is the customer */
      g_autofree char *subtitle = g_strdup_printf (_("To %s"), recipient);

      adw_window_title_set_subtitle (self->window_title, subtitle);
    }
  if (outbox == NULL)
    set_error (self, _("Sending needs a WhatsApp account: open Preferences and enter your "
                       "phone number ID and access token."));
  refresh (self);

  return self;
}

const char *
wabiz_template_dialog_get_state (WabizTemplateDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), NULL);
  return self->state;
}

GListModel *
wabiz_template_dialog_get_templates (WabizTemplateDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), NULL);
  return self->templates;
}

/* Selects the template @name in @language; FALSE if it is not listed */
gboolean
wabiz_template_dialog_select (WabizTemplateDialog *self,
                              const char          *name,
                              const char          *language)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), FALSE);
  g_return_val_if_fail (name != NULL && language != NULL, FALSE);

  for (guint i = 0; self->templates != NULL && i < g_list_model_get_n_items (self->templates); i++)
    {
      g_autoptr(WabizTemplate) t = g_list_model_get_item (self->templates, i);

      if (g_str_equal (wabiz_template_get_name (t), name) &&
          g_str_equal (wabiz_template_get_language (t), language))
        {
          adw_combo_row_set_selected (self->template_row, i);
          return TRUE;
        }
    }
  return FALSE;
}

/* Types @value into the row of {{@index + 1}} */
void
wabiz_template_dialog_set_value (WabizTemplateDialog *self,
                                 guint                index,
                                 const char          *value)
{
  g_return_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self));
  g_return_if_fail (index < self->value_rows->len);

  gtk_editable_set_text (g_ptr_array_index (self->value_rows, index), value);
}

char *
wabiz_template_dialog_dup_preview (WabizTemplateDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), NULL);
  return g_strdup (gtk_label_get_text (self->preview_body));
}

const char *
wabiz_template_dialog_get_error (WabizTemplateDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), NULL);
  return self->error;
}
