/* wabiz-template-dialog.c
 *
 * SPDX-License-Identifier: MIT
 *
 * "Send a Template": outside the 24-hour window WhatsApp only delivers
 * approved templates. The dialog lists every approved template (from the
 * `templates` table, refreshed from Graph when it opens) and asks for
 * what each needs: the header's file (chosen, or its address) or text
 * value, one value per placeholder of the body (numbered or named), the
 * end of a link button's address, a code to copy. Each value can be
 * typed or taken from the customer's lead (name, email, custom fields).
 * A live preview shows the message as the customer will; the message is
 * queued through the outbox like every other send, with Meta's
 * components. "sent" gives the message's uuid.
 */

#define G_LOG_DOMAIN "wabiz-template-dialog"

#include "config.h"

#include "wabiz-lead.h"
#include "wabiz-phone.h"
#include "wabiz-template-dialog.h"
#include "wabiz-template-form.h"
#include "wabiz-template-preview.h"
#include "wabiz-template.h"
#include "wabiz-templates-pane.h"
#include "wabiz-window.h"

#include <glib/gi18n.h>

/* One value the template needs: its row */
typedef struct
{
  char        *id;       /* (owned) "header", "body:N", "button:N" */
  AdwEntryRow *row;      /* (unowned) the group owns it */
  GtkWidget   *menu;     /* (unowned) its "use a lead field" button */
} ValueRow;

struct _WabizTemplateDialog
{
  AdwWindow            parent_instance;

  WabizDb             *db;            /* (owned) */
  WabizOutbox         *outbox;        /* (owned) (nullable) */
  WabizGraphClient    *graph;         /* (owned) (nullable) */
  GCancellable        *cancellable;   /* (owned) */
  GListModel          *templates;     /* (owned) (nullable) of WabizTemplate */
  GPtrArray           *value_rows;    /* (owned) of ValueRow */
  GPtrArray           *fields;        /* (owned) of char*: key, label, value, … of the lead */
  GFile               *header_file;   /* (owned) (nullable) */
  char                *phone;         /* (owned) (nullable): NULL until typed */
  gboolean             fixed_phone;   /* given, not typed */
  char                *recipient;     /* (owned) (nullable) */
  char                *preselect;     /* (owned) (nullable) "name\nlanguage" */
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
  AdwPreferencesGroup *customer_group;
  AdwEntryRow         *phone_row;
  AdwComboRow         *template_row;
  AdwPreferencesGroup *header_group;
  AdwActionRow        *header_file_row;
  AdwEntryRow         *header_link_row;
  AdwPreferencesGroup *params_group;
  WabizTemplatePreview *preview;
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

static void update_preview (WabizTemplateDialog *self);

static void
value_row_free (ValueRow *value)
{
  g_free (value->id);
  g_free (value);
}

static WabizTemplate *
get_selected (WabizTemplateDialog *self)
{
  gpointer item = adw_combo_row_get_selected_item (self->template_row);

  return WABIZ_IS_TEMPLATE (item) ? item : NULL;
}

static gboolean
is_media_header (WabizTemplate *template)
{
  const char *format = template != NULL ? wabiz_template_get_header_format (template) : NULL;

  return format != NULL && !g_str_equal (format, "TEXT") && !g_str_equal (format, "LOCATION");
}

static ValueRow *
find_value (WabizTemplateDialog *self,
            const char          *id)
{
  for (guint i = 0; i < self->value_rows->len; i++)
    {
      ValueRow *value = g_ptr_array_index (self->value_rows, i);

      if (g_str_equal (value->id, id))
        return value;
    }
  return NULL;
}

static char *
dup_value (WabizTemplateDialog *self,
           const char          *id)
{
  ValueRow *value = find_value (self, id);

  if (value == NULL)
    return NULL;
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (value->row))));
}

/* What the rows say, as a send's values */
static WabizTemplateValues *
dup_values (WabizTemplateDialog *self)
{
  WabizTemplate *template = get_selected (self);
  WabizTemplateValues *values = wabiz_template_values_new ();
  g_autoptr(GStrvBuilder) body = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) buttons = g_strv_builder_new ();

  if (template == NULL)
    return values;

  if (is_media_header (template))
    {
      values->header_link = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->header_link_row))));
      if (self->header_file != NULL)
        values->header_filename = g_file_get_basename (self->header_file);
    }
  else
    values->header_text = dup_value (self, "header");

  for (guint i = 0; i < wabiz_template_get_n_params (template); i++)
    {
      g_autofree char *id = g_strdup_printf ("body:%u", i);
      g_autofree char *value = dup_value (self, id);

      g_strv_builder_add (body, value != NULL ? value : "");
    }
  values->body = g_strv_builder_end (body);
  for (guint i = 0; i < wabiz_template_get_n_buttons (template); i++)
    {
      g_autofree char *id = g_strdup_printf ("button:%u", i);
      g_autofree char *value = dup_value (self, id);

      g_strv_builder_add (buttons, value != NULL ? value : "");
    }
  values->buttons = g_strv_builder_end (buttons);
  return values;
}

/* Whether everything a send needs is there: the check of what Meta gets */
static gboolean
values_complete (WabizTemplateDialog  *self,
                 GError              **error)
{
  WabizTemplate *template = get_selected (self);
  g_autoptr(WabizTemplateValues) values = NULL;
  g_autoptr(JsonArray) components = NULL;

  if (template == NULL)
    return FALSE;
  values = dup_values (self);
  /* a file chosen gets its id when uploaded */
  if (self->header_file != NULL && is_media_header (template) &&
      (values->header_link == NULL || *values->header_link == '\0'))
    {
      g_free (values->header_media_id);
      values->header_media_id = g_strdup ("upload");
    }
  components = wabiz_template_build_components (template, values, error);
  return components != NULL;
}

static void
set_error (WabizTemplateDialog *self,
           const char          *message)
{
  wabiz_template_form_show_error (&self->error, self->error_revealer, self->error_label, message);
}

static void
update_actions (WabizTemplateDialog *self)
{
  gboolean form = g_str_equal (self->state, "form");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "template.send",
                                 form && self->outbox != NULL && get_selected (self) != NULL &&
                                 self->phone != NULL && values_complete (self, NULL));
  gtk_widget_set_visible (GTK_WIDGET (self->send_stack), form || g_str_equal (self->state, "sending"));
  gtk_stack_set_visible_child_name (self->send_stack, g_str_equal (self->state, "sending") ? "sending" : "button");
}

static void
set_state (WabizTemplateDialog *self,
           const char          *state)
{
  if (wabiz_template_form_set_state (self->stack, &self->state, state, "sending"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  update_actions (self);
}

static void
update_preview (WabizTemplateDialog *self)
{
  WabizTemplate *template = get_selected (self);
  g_autoptr(WabizTemplateValues) values = NULL;
  g_autofree char *name = NULL;

  if (template == NULL)
    return;

  values = dup_values (self);
  wabiz_template_preview_set_template (self->preview, template, values, self->header_file);
  if (self->header_file != NULL)
    name = g_file_get_basename (self->header_file);
  adw_action_row_set_subtitle (self->header_file_row, name != NULL ? name : _("None chosen"));
  update_actions (self);
}

static void
values_changed_cb (WabizTemplateDialog *self)
{
  update_preview (self);
}

/* the lead's fields ----------------------------------------------------------- */

/* The menu of the lead's fields, for the row @id */
static GMenuModel *
build_fields_menu (WabizTemplateDialog *self,
                   const char          *id)
{
  GMenu *menu = g_menu_new ();

  for (guint i = 0; i + 2 < self->fields->len; i += 3)
    {
      const char *key = g_ptr_array_index (self->fields, i);
      const char *label = g_ptr_array_index (self->fields, i + 1);
      const char *value = g_ptr_array_index (self->fields, i + 2);
      g_autofree char *text = NULL;
      g_autoptr(GMenuItem) item = NULL;

      /* Translators: a lead's field and its value, e.g. “Name: Carla Dias” */
      text = g_strdup_printf (_("%s: %s"), label, value);
      item = g_menu_item_new (text, NULL);
      g_menu_item_set_action_and_target (item, "template.fill", "(ss)", id, key);
      g_menu_append_item (menu, item);
    }
  return G_MENU_MODEL (menu);
}

static void
update_field_menus (WabizTemplateDialog *self)
{
  for (guint i = 0; i < self->value_rows->len; i++)
    {
      ValueRow *value = g_ptr_array_index (self->value_rows, i);
      g_autoptr(GMenuModel) menu = build_fields_menu (self, value->id);

      gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (value->menu), menu);
      gtk_widget_set_sensitive (value->menu, self->fields->len > 0);
      gtk_widget_set_tooltip_text (value->menu, self->fields->len > 0
                                                ? _("Use the Customer’s Details")
                                                : _("The customer has no details saved yet"));
    }
}

static void
add_field (WabizTemplateDialog *self,
           const char          *key,
           const char          *label,
           const char          *value)
{
  g_autofree char *trimmed = value != NULL ? g_strstrip (g_strdup (value)) : NULL;

  if (trimmed == NULL || *trimmed == '\0')
    return;
  g_ptr_array_add (self->fields, g_strdup (key));
  g_ptr_array_add (self->fields, g_strdup (label));
  g_ptr_array_add (self->fields, g_steal_pointer (&trimmed));
}

static void
lead_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WabizTemplateDialog) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizLead) lead = NULL;
  g_autoptr(JsonNode) custom = NULL;
  const char *custom_text;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (res == NULL)
    {
      g_debug ("Cannot read the customer's details: %s", error->message);
      return;
    }
  /* the number changed since: its own answer follows */
  if (wabiz_db_result_get_n_rows (res) > 0 &&
      g_strcmp0 (wabiz_db_result_get (res, 0, "phone"), self->phone) != 0)
    return;

  g_ptr_array_set_size (self->fields, 0);
  if (wabiz_db_result_get_n_rows (res) > 0)
    {
      lead = wabiz_lead_new_from_result (res, 0);
      add_field (self, "name", _("Name"), wabiz_lead_get_name (lead));
      add_field (self, "email", _("Email"), wabiz_lead_get_email (lead));
      custom_text = wabiz_lead_get_custom_fields (lead);
      if (custom_text != NULL)
        custom = json_from_string (custom_text, NULL);
      if (custom != NULL && JSON_NODE_HOLDS_OBJECT (custom))
        {
          JsonObject *object_fields = json_node_get_object (custom);
          g_autoptr(GList) members = json_object_get_members (object_fields);

          for (GList *l = members; l != NULL; l = l->next)
            {
              JsonNode *node = json_object_get_member (object_fields, l->data);
              g_autofree char *key = g_strconcat ("custom:", (const char *) l->data, NULL);

              if (JSON_NODE_HOLDS_VALUE (node))
                {
                  g_auto(GValue) value = G_VALUE_INIT;
                  g_auto(GValue) text = G_VALUE_INIT;

                  json_node_get_value (node, &value);
                  g_value_init (&text, G_TYPE_STRING);
                  if (g_value_transform (&value, &text))
                    add_field (self, key, l->data, g_value_get_string (&text));
                }
            }
        }
    }
  update_field_menus (self);
}

static void
load_lead (WabizTemplateDialog *self)
{
  const char *params[] = { self->phone };

  g_ptr_array_set_size (self->fields, 0);
  update_field_menus (self);
  if (self->phone == NULL)
    return;
  wabiz_db_query_async (self->db, "SELECT " WABIZ_LEAD_COLUMNS " FROM leads WHERE phone = $1", 1, params,
                        self->cancellable, lead_cb, g_object_ref (self));
}

static void
fill_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizTemplateDialog *self = WABIZ_TEMPLATE_DIALOG (widget);
  const char *id;
  const char *key;
  ValueRow *value;

  g_variant_get (parameter, "(&s&s)", &id, &key);
  value = find_value (self, id);
  if (value == NULL)
    return;
  for (guint i = 0; i + 2 < self->fields->len; i += 3)
    if (g_str_equal (g_ptr_array_index (self->fields, i), key))
      {
        gtk_editable_set_text (GTK_EDITABLE (value->row), g_ptr_array_index (self->fields, i + 2));
        return;
      }
}

static void
phone_changed_cb (WabizTemplateDialog *self)
{
  g_autofree char *phone = NULL;

  if (self->fixed_phone)
    return;
  phone = wabiz_phone_normalize (gtk_editable_get_text (GTK_EDITABLE (self->phone_row)), NULL);
  if (g_strcmp0 (phone, self->phone) == 0)
    {
      update_actions (self);
      return;
    }
  g_free (self->phone);
  self->phone = g_steal_pointer (&phone);
  load_lead (self);
  update_actions (self);
}

/* the rows --------------------------------------------------------------------- */

static void
add_value_row (WabizTemplateDialog *self,
               const char          *id,
               const char          *title)
{
  ValueRow *value = g_new0 (ValueRow, 1);
  GtkWidget *row = adw_entry_row_new ();

  value->id = g_strdup (id);
  value->row = ADW_ENTRY_ROW (row);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  value->menu = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (value->menu), "avatar-default-symbolic");
  gtk_widget_set_valign (value->menu, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (value->menu, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (value->menu), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Use the Customer’s Details"), -1);
  adw_entry_row_add_suffix (value->row, value->menu);
  g_signal_connect_object (row, "changed", G_CALLBACK (update_preview), self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (self->params_group, row);
  g_ptr_array_add (self->value_rows, value);
}

static char *
example_title (const char *place,
               const char *example)
{
  if (example != NULL && *example != '\0')
    /* Translators: a place of a template and its example, e.g.
     * “{{1}}, for example “Maria”” */
    return g_strdup_printf (_("%s, for example “%s”"), place, example);
  /* Translators: a place of a template, e.g. “Value for {{1}}” */
  return g_strdup_printf (_("Value for %s"), place);
}

static void
build_value_rows (WabizTemplateDialog *self)
{
  WabizTemplate *template = get_selected (self);
  const char * const *names;
  guint n;

  /* the same template again (after a refresh): keep what was typed */
  if (wabiz_template_form_same (template, self->shown))
    {
      g_set_object (&self->shown, template);
      update_preview (self);
      return;
    }

  for (guint i = 0; i < self->value_rows->len; i++)
    adw_preferences_group_remove (self->params_group,
                                  GTK_WIDGET (((ValueRow *) g_ptr_array_index (self->value_rows, i))->row));
  g_ptr_array_set_size (self->value_rows, 0);
  g_clear_object (&self->header_file);
  gtk_editable_set_text (GTK_EDITABLE (self->header_link_row), "");
  g_set_object (&self->shown, template);
  if (template == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->params_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->header_group), FALSE);
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->header_group), is_media_header (template));
  if (wabiz_template_header_takes_value (template) && !is_media_header (template))
    {
      g_autofree char *title = example_title (_("{{1}} of the header"), wabiz_template_get_header_example (template));

      add_value_row (self, "header", title);
    }

  n = wabiz_template_get_n_params (template);
  names = wabiz_template_get_param_names (template);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("body:%u", i);
      g_autofree char *place = names != NULL ? g_strdup_printf ("{{%s}}", names[i]) : g_strdup_printf ("{{%u}}", i + 1);
      g_autofree char *title = example_title (place, wabiz_template_get_example (template, i));

      add_value_row (self, id, title);
    }

  for (guint i = 0; i < wabiz_template_get_n_buttons (template); i++)
    {
      const WabizTemplateButton *button = wabiz_template_get_button (template, i);
      g_autofree char *id = g_strdup_printf ("button:%u", i);
      g_autofree char *place = NULL;
      g_autofree char *title = NULL;

      if (!wabiz_template_button_takes_value (button))
        continue;
      if (g_strcmp0 (button->type, "COPY_CODE") == 0)
        place = g_strdup (_("The code to copy"));
      else
        /* Translators: %s is a button's label */
        place = g_strdup_printf (_("The end of the “%s” link"), button->text != NULL ? button->text : "");
      title = example_title (place, button->example);
      add_value_row (self, id, title);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->params_group), self->value_rows->len > 0);
  update_field_menus (self);
  set_error (self, NULL);
  update_preview (self);
}

/* loading --------------------------------------------------------------------- */

static gboolean
select_template (WabizTemplateDialog *self,
                 const char          *name,
                 const char          *language)
{
  return wabiz_template_form_select (self->template_row, name, language);
}

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

  templates = wabiz_template_list_approved_finish (result, &error);
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
  /* a refresh while the owner types: the combo passes through the first
   * template on its way back, which must not rebuild (and empty) the
   * rows; they are built once, for where it ends */
  g_signal_handlers_block_by_func (self->template_row, build_value_rows, self);
  g_set_object (&self->templates, templates);
  adw_combo_row_set_model (self->template_row, templates);
  if (previous != NULL)
    select_template (self, wabiz_template_get_name (previous), wabiz_template_get_language (previous));
  else if (self->preselect != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (self->preselect, "\n", 2);

      select_template (self, parts[0], parts[1]);
    }
  g_signal_handlers_unblock_by_func (self->template_row, build_value_rows, self);
  build_value_rows (self);

  if (!g_str_equal (self->state, "sending"))
    set_state (self, n > 0 ? "form" : "empty");
}

static void
load_templates (WabizTemplateDialog *self)
{
  wabiz_template_list_approved_async (self->db, self->cancellable, list_cb, g_object_ref (self));
}

static void
refresh (WabizTemplateDialog *self)
{
  if (g_str_equal (self->state, "empty"))
    set_state (self, "loading");
  set_error (self, NULL);
  if (self->graph != NULL)
    wabiz_template_form_sync (self, self->db, self->graph, self->cancellable, &self->syncing,
                              (WabizTemplatesSyncedFunc) load_templates);
  load_templates (self);
}

/* sending --------------------------------------------------------------------- */

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

/* Queues the template with @values (the header's media id in them) */
static void
queue (WabizTemplateDialog *self,
       WabizTemplateValues *values)
{
  WabizTemplate *template = get_selected (self);
  g_autoptr(WabizOutgoing) outgoing = NULL;
  g_autoptr(JsonArray) components = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *preview = NULL;

  components = wabiz_template_build_components (template, values, &error);
  if (components == NULL)
    {
      set_state (self, "form");
      set_error (self, error->message);
      return;
    }

  preview = wabiz_template_fill_body (template, values);
  outgoing = wabiz_outgoing_new_template (self->phone, wabiz_template_get_name (template),
                                          wabiz_template_get_language (template),
                                          values->body != NULL && *values->body != NULL
                                          ? (const char * const *) values->body : NULL);
  wabiz_outgoing_set_template_components (outgoing, components, preview);
  wabiz_outbox_queue_async (self->outbox, outgoing, self->cancellable, queued_cb, g_object_ref (self));
}

typedef struct
{
  WabizTemplateDialog *self;    /* (owned) */
  WabizTemplateValues *values;  /* (owned) */
} Upload;

static void
uploaded_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Upload *upload = user_data;
  g_autoptr(WabizTemplateDialog) self = upload->self;
  g_autoptr(WabizTemplateValues) values = upload->values;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  g_free (upload);
  id = wabiz_graph_client_upload_media_finish (WABIZ_GRAPH_CLIENT (object), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (id == NULL)
    {
      /* Translators: %s says why */
      g_autofree char *message = g_strdup_printf (_("The header’s file did not go to WhatsApp: %s"),
                                                  error->message);

      set_state (self, "form");
      set_error (self, message);
      return;
    }
  values->header_media_id = g_steal_pointer (&id);
  queue (self, values);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizTemplateDialog *self = WABIZ_TEMPLATE_DIALOG (widget);
  WabizTemplate *template = get_selected (self);
  g_autoptr(WabizTemplateValues) values = NULL;
  g_autoptr(GError) error = NULL;

  if (template == NULL || self->outbox == NULL || !g_str_equal (self->state, "form"))
    return;
  if (self->phone == NULL)
    {
      set_error (self, _("Type the customer’s WhatsApp number, with its country code."));
      return;
    }
  if (!values_complete (self, &error))
    {
      set_error (self, error->message);
      return;
    }

  values = dup_values (self);
  set_error (self, NULL);
  set_state (self, "sending");

  /* a file chosen goes to WhatsApp first; its id goes in the message */
  if (is_media_header (template) && self->header_file != NULL &&
      (values->header_link == NULL || *values->header_link == '\0'))
    {
      Upload *upload;
      g_autofree char *kind = NULL;

      if (self->graph == NULL)
        {
          set_state (self, "form");
          set_error (self, _("Sending a file needs a WhatsApp account: give the file’s https:// address "
                             "instead, or open Preferences and enter your account."));
          return;
        }
      upload = g_new0 (Upload, 1);
      upload->self = g_object_ref (self);
      upload->values = g_steal_pointer (&values);
      kind = g_ascii_strdown (wabiz_template_get_header_format (template), -1);
      wabiz_graph_client_upload_media_async (self->graph, self->header_file, kind, self->cancellable,
                                             uploaded_cb, upload);
      return;
    }

  queue (self, values);
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
  WabizTemplateDialog *self = WABIZ_TEMPLATE_DIALOG (widget);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  if (parent != NULL)
    {
      gtk_widget_activate_action (GTK_WIDGET (parent), "win.pane", "s", "templates");
      /* the pane knows whom a template is for: "Send…" goes to them */
      if (WABIZ_IS_WINDOW (parent))
        {
          WabizPane *pane = wabiz_window_get_pane (WABIZ_WINDOW (parent), "templates");

          if (WABIZ_IS_TEMPLATES_PANE (pane))
            wabiz_templates_pane_set_recipient (WABIZ_TEMPLATES_PANE (pane), self->phone, self->recipient);
        }
    }
  gtk_window_destroy (GTK_WINDOW (widget));
}

static void
choose_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  wabiz_template_form_choose_file (GTK_WINDOW (widget), _("Choose the Header’s File"), NULL,
                                   (WabizFileChosenFunc) wabiz_template_dialog_set_header_file);
}

/* GObject --------------------------------------------------------------------- */

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
  g_clear_object (&self->header_file);
  g_clear_pointer (&self->value_rows, g_ptr_array_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_TEMPLATE_DIALOG);

  G_OBJECT_CLASS (wabiz_template_dialog_parent_class)->dispose (object);
}

static void
wabiz_template_dialog_finalize (GObject *object)
{
  WabizTemplateDialog *self = WABIZ_TEMPLATE_DIALOG (object);

  g_free (self->phone);
  g_free (self->recipient);
  g_free (self->preselect);
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

  g_type_ensure (WABIZ_TYPE_TEMPLATE_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-template-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, send_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, customer_group);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, phone_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, template_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, header_group);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, header_file_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, header_link_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, params_group);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateDialog, preview);
  gtk_widget_class_bind_template_callback (widget_class, phone_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, values_changed_cb);

  gtk_widget_class_install_action (widget_class, "template.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "template.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "template.open-templates", NULL,
                                   open_templates_action);
  gtk_widget_class_install_action (widget_class, "template.fill", "(ss)", fill_action);
  gtk_widget_class_install_action (widget_class, "template.choose-file", NULL, choose_file_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
wabiz_template_dialog_init (WabizTemplateDialog *self)
{

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->value_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) value_row_free);
  self->fields = g_ptr_array_new_with_free_func (g_free);
  self->state = g_strdup ("loading");

  wabiz_template_form_set_up_combo (self->template_row);
  g_signal_connect_object (self->template_row, "notify::selected", G_CALLBACK (build_value_rows),
                           self, G_CONNECT_SWAPPED);
  update_actions (self);
}

/**
 * wabiz_template_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @outbox: (nullable): without it nothing can be sent (no account set up)
 * @graph: (nullable): to refresh the templates from Meta, and to upload
 *   a header's file
 * @phone: (nullable): the customer, E.164 digits; %NULL: the dialog asks
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

  self = g_object_new (WABIZ_TYPE_TEMPLATE_DIALOG, "transient-for", parent, NULL);
  self->db = g_object_ref (db);
  self->outbox = outbox != NULL ? g_object_ref (outbox) : NULL;
  self->graph = graph != NULL ? g_object_ref (graph) : NULL;
  self->phone = g_strdup (phone);
  self->fixed_phone = phone != NULL;
  self->recipient = g_strdup (recipient != NULL && *recipient != '\0' ? recipient : NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->customer_group), phone == NULL);
  if (self->recipient != NULL)
    {
      /* Translators: the subtitle of “Send a Template”; %s is the customer */
      g_autofree char *subtitle = g_strdup_printf (_("To %s"), recipient);

      adw_window_title_set_subtitle (self->window_title, subtitle);
    }
  if (outbox == NULL)
    set_error (self, _("Sending needs a WhatsApp account: open Preferences and enter your "
                       "phone number ID and access token."));
  load_lead (self);
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

  return select_template (self, name, language);
}

/* Selects @name in @language once the templates are in */
void
wabiz_template_dialog_preselect (WabizTemplateDialog *self,
                                 const char          *name,
                                 const char          *language)
{
  g_return_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self));
  g_return_if_fail (name != NULL);

  g_free (self->preselect);
  self->preselect = g_strdup_printf ("%s\n%s", name, language != NULL ? language : "");
  if (self->templates != NULL)
    select_template (self, name, language);
}

static void
set_row_text (WabizTemplateDialog *self,
              const char          *id,
              const char          *value)
{
  ValueRow *row = find_value (self, id);

  g_return_if_fail (row != NULL);
  gtk_editable_set_text (GTK_EDITABLE (row->row), value);
}

/* Types @value into the row of the body's value @index */
void
wabiz_template_dialog_set_value (WabizTemplateDialog *self,
                                 guint                index,
                                 const char          *value)
{
  g_autofree char *id = g_strdup_printf ("body:%u", index);

  g_return_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self));
  set_row_text (self, id, value);
}

/* Types @value into the row of button @index (a link's end, a code) */
void
wabiz_template_dialog_set_button_value (WabizTemplateDialog *self,
                                        guint                index,
                                        const char          *value)
{
  g_autofree char *id = g_strdup_printf ("button:%u", index);

  g_return_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self));
  set_row_text (self, id, value);
}

/* Types @value as the header's: its text value, or its media's address */
void
wabiz_template_dialog_set_header_value (WabizTemplateDialog *self,
                                        const char          *value)
{
  g_return_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self));

  if (is_media_header (get_selected (self)))
    gtk_editable_set_text (GTK_EDITABLE (self->header_link_row), value);
  else
    set_row_text (self, "header", value);
}

/* The header's file, as the file chooser gives it */
void
wabiz_template_dialog_set_header_file (WabizTemplateDialog *self,
                                       GFile               *file)
{
  g_return_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self));
  g_return_if_fail (!file || G_IS_FILE (file));

  g_set_object (&self->header_file, file);
  update_preview (self);
}

/* What the row @id ("header", "body:N", "button:N") says, or NULL */
char *
wabiz_template_dialog_dup_value (WabizTemplateDialog *self,
                                 const char          *id)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return dup_value (self, id);
}

/* The titles of the value rows, a line each (what the owner is asked) */
char *
wabiz_template_dialog_dup_value_titles (WabizTemplateDialog *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), NULL);

  for (guint i = 0; i < self->value_rows->len; i++)
    {
      ValueRow *value = g_ptr_array_index (self->value_rows, i);

      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (value->row)));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Whether the customer's details are in (the fields' menus filled) */
guint
wabiz_template_dialog_get_n_lead_fields (WabizTemplateDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), 0);
  return self->fields->len / 3;
}

char *
wabiz_template_dialog_dup_preview (WabizTemplateDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), NULL);
  return g_strdup (wabiz_template_preview_get_body (self->preview));
}

WabizTemplatePreview *
wabiz_template_dialog_get_preview (WabizTemplateDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), NULL);
  return self->preview;
}

const char *
wabiz_template_dialog_get_error (WabizTemplateDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_DIALOG (self), NULL);
  return self->error;
}
