/* wabiz-lead-editor.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The details of one lead, editable, saved asynchronously; what is wrong
 * with a field is shown beside it.
 */

#define G_LOG_DOMAIN "wabiz-lead-editor"

#include "config.h"

#include "wabiz-lead-editor.h"
#include "wabiz-phone.h"
#include "wabiz-toast.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct
{
  const char *name;
  GtkWidget  *row;     /* (unowned) (nullable) */
  GtkWidget  *icon;    /* (unowned) (nullable) */
  GtkLabel   *label;   /* (unowned) */
  char       *message; /* (owned) (nullable) */
} Field;

enum {
  FIELD_NAME,
  FIELD_PHONE,
  FIELD_EMAIL,
  FIELD_TIMEZONE,
  FIELD_STATUS,
  FIELD_CUSTOM,
  N_FIELDS
};

struct _WabizLeadEditor
{
  AdwBin                parent_instance;

  WabizDb              *db;           /* (owned) (nullable) */
  WabizLead            *lead;         /* (owned) */
  GCancellable         *cancellable;  /* (owned) */
  gboolean              busy;
  Field                 fields[N_FIELDS];

  /* template children */
  AdwAvatar            *avatar;
  GtkLabel             *title_label;
  AdwPreferencesGroup  *contact_group;
  AdwPreferencesGroup  *status_group;
  AdwPreferencesGroup  *custom_group;
  AdwEntryRow          *name_row;
  AdwEntryRow          *phone_row;
  AdwEntryRow          *email_row;
  AdwEntryRow          *timezone_row;
  AdwEntryRow          *tags_row;
  AdwComboRow          *status_row;
  GtkTextView          *notes_view;
  GtkTextView          *custom_view;
};

G_DEFINE_FINAL_TYPE (WabizLeadEditor, wabiz_lead_editor, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
get_text_view_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
set_busy (WabizLeadEditor *self,
          gboolean         busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", !busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
set_field_error (WabizLeadEditor *self,
                 Field           *field,
                 const char      *message)
{
  g_free (field->message);
  field->message = g_strdup (message);

  if (field->row != NULL)
    {
      if (message != NULL)
        gtk_widget_add_css_class (field->row, "error");
      else
        gtk_widget_remove_css_class (field->row, "error");
    }
  if (field->icon != NULL)
    {
      gtk_widget_set_visible (field->icon, message != NULL);
      gtk_widget_set_tooltip_text (field->icon, message);
    }
  gtk_label_set_label (field->label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (field->label), message != NULL);
}

static void
show_errors (WabizLeadEditor *self,
             GHashTable      *errors)
{
  for (guint i = 0; i < N_FIELDS; i++)
    set_field_error (self, &self->fields[i],
                     errors != NULL ? g_hash_table_lookup (errors, self->fields[i].name) : NULL);
}

static char *
custom_fields_to_text (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  JsonNode *root;
  JsonObject *object;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (!json_parser_load_from_data (parser, json, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup ("");

  object = json_node_get_object (root);
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        g_string_append_printf (text, "%s = %s\n", name, json_node_get_string (value));
      else
        {
          g_autofree char *repr = json_to_string (value, FALSE);

          g_string_append_printf (text, "%s = %s\n", name, repr);
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* NULL and *message set when a line is not "name = value" */
static char *
custom_fields_from_text (const char  *text,
                         char       **message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      char *equals;

      if (*line == '\0')
        continue;
      equals = strchr (line, '=');
      if (equals == NULL || equals == line)
        {
          /* Translators: %u is a line number */
          *message = g_strdup_printf (_("Line %u is not in the form name = value"), i + 1);
          return NULL;
        }
      *equals = '\0';
      json_builder_set_member_name (builder, g_strstrip (line));
      json_builder_add_string_value (builder, g_strstrip (equals + 1));
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
update_title (WabizLeadEditor *self)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  const char *phone = gtk_editable_get_text (GTK_EDITABLE (self->phone_row));
  const char *title = *name != '\0' ? name : *phone != '\0' ? phone : _("New Lead");

  gtk_label_set_label (self->title_label, title);
  adw_avatar_set_text (self->avatar, title);
  /* a phone number has no initials: the person icon instead */
  adw_avatar_set_show_initials (self->avatar, *name != '\0');
}

/* The fields, by the names wabiz_lead_editor_set_field_text() takes */
static const char * const text_fields[] = {
  "name", "phone", "email", "timezone", "tags", "status", "notes", "custom-fields", NULL
};

/* What each field of text_fields shows for @lead */
static GStrv
dup_lead_texts (WabizLead *lead)
{
  g_autoptr(GStrvBuilder) texts = g_strv_builder_new ();
  g_autofree char *phone = NULL;
  g_autofree char *tags = g_strjoinv (", ", (char **) wabiz_lead_get_tags (lead));
  g_autofree char *custom = custom_fields_to_text (wabiz_lead_get_custom_fields (lead));

  if (wabiz_lead_get_phone (lead) != NULL)
    {
      phone = wabiz_phone_format_display (wabiz_lead_get_phone (lead));
      if (phone == NULL)
        phone = g_strdup (wabiz_lead_get_phone (lead));
    }

#define ADD(value) g_strv_builder_add (texts, (value) != NULL ? (value) : "")
  ADD (wabiz_lead_get_name (lead));
  ADD (phone);
  ADD (wabiz_lead_get_email (lead));
  ADD (wabiz_lead_get_timezone (lead));
  ADD (tags);
  ADD (wabiz_lead_get_status (lead));
  ADD (wabiz_lead_get_notes (lead));
  ADD (custom);
#undef ADD

  return g_strv_builder_end (texts);
}

static void
load_fields (WabizLeadEditor *self)
{
  g_auto(GStrv) texts = dup_lead_texts (self->lead);

  for (guint i = 0; text_fields[i] != NULL; i++)
    wabiz_lead_editor_set_field_text (self, text_fields[i], texts[i]);

  show_errors (self, NULL);
  update_title (self);
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WabizLeadEditor) self = user_data;
  g_autoptr(WabizLead) saved = NULL;
  g_autoptr(GError) error = NULL;

  saved = wabiz_lead_save_finish (WABIZ_LEAD (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_busy (self, FALSE);

  if (saved == NULL)
    {
      if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_CONSTRAINT))
        {
          set_field_error (self, &self->fields[FIELD_PHONE],
                           _("Another lead already has this phone number"));
          return;
        }

      g_warning ("Cannot save a lead: %s", error->message);
      wabiz_widget_toast (GTK_WIDGET (self), error->message);
      return;
    }

  g_set_object (&self->lead, saved);
  load_fields (self);
  g_signal_emit (self, signals[SAVED], 0, saved);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizLeadEditor *self = WABIZ_LEAD_EDITOR (widget);
  g_autoptr(WabizLead) lead = wabiz_lead_copy (self->lead);
  g_autoptr(GHashTable) errors = NULL;
  g_autofree char *notes = get_text_view_text (self->notes_view);
  g_autofree char *custom_text = get_text_view_text (self->custom_view);
  g_autofree char *custom = NULL;
  g_autofree char *custom_error = NULL;
  g_auto(GStrv) tags = NULL;
  g_autofree char *name = NULL;
  guint selected;

  if (self->db == NULL || self->busy)
    return;

  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  wabiz_lead_set_name (lead, name);
  wabiz_lead_set_phone (lead, gtk_editable_get_text (GTK_EDITABLE (self->phone_row)));
  wabiz_lead_set_email (lead, gtk_editable_get_text (GTK_EDITABLE (self->email_row)));
  wabiz_lead_set_timezone (lead, gtk_editable_get_text (GTK_EDITABLE (self->timezone_row)));
  tags = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->tags_row)), ",", -1);
  wabiz_lead_set_tags (lead, (const char * const *) tags);
  selected = adw_combo_row_get_selected (self->status_row);
  if (selected < g_strv_length ((char **) wabiz_lead_get_statuses ()))
    wabiz_lead_set_status (lead, wabiz_lead_get_statuses ()[selected]);
  wabiz_lead_set_notes (lead, notes);

  custom = custom_fields_from_text (custom_text, &custom_error);
  if (custom != NULL)
    wabiz_lead_set_custom_fields (lead, custom);

  errors = wabiz_lead_validate (lead);
  if (custom_error != NULL)
    {
      if (errors == NULL)
        errors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
      g_hash_table_replace (errors, (gpointer) "custom-fields", g_steal_pointer (&custom_error));
    }
  show_errors (self, errors);
  if (errors != NULL)
    return;

  set_busy (self, TRUE);
  wabiz_lead_save_async (lead, self->db, self->cancellable, saved_cb, g_object_ref (self));
}

static void
wabiz_lead_editor_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WabizLeadEditor *self = WABIZ_LEAD_EDITOR (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_lead_editor_dispose (GObject *object)
{
  WabizLeadEditor *self = WABIZ_LEAD_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->db);
  g_clear_object (&self->lead);
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_LEAD_EDITOR);

  G_OBJECT_CLASS (wabiz_lead_editor_parent_class)->dispose (object);
}

static void
wabiz_lead_editor_finalize (GObject *object)
{
  WabizLeadEditor *self = WABIZ_LEAD_EDITOR (object);

  g_clear_object (&self->cancellable);
  for (guint i = 0; i < N_FIELDS; i++)
    g_free (self->fields[i].message);

  G_OBJECT_CLASS (wabiz_lead_editor_parent_class)->finalize (object);
}

static void
wabiz_lead_editor_class_init (WabizLeadEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_lead_editor_get_property;
  object_class->dispose = wabiz_lead_editor_dispose;
  object_class->finalize = wabiz_lead_editor_finalize;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizLeadEditor::saved:
   * @lead: the lead as stored
   */
  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, WABIZ_TYPE_LEAD);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-lead-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, avatar);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, title_label);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, contact_group);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, status_group);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, custom_group);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, phone_row);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, email_row);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, timezone_row);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, tags_row);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, status_row);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, notes_view);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadEditor, custom_view);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
}

static void
add_field (WabizLeadEditor     *self,
           guint                index,
           const char          *name,
           GtkWidget           *row,
           AdwPreferencesGroup *group)
{
  Field *field = &self->fields[index];
  GtkWidget *label = gtk_label_new (NULL);

  field->name = name;
  field->row = row;
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "error");
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_visible (label, FALSE);
  adw_preferences_group_add (group, label);
  field->label = GTK_LABEL (label);

  if (ADW_IS_ENTRY_ROW (row))
    {
      field->icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
      gtk_widget_add_css_class (field->icon, "error");
      gtk_widget_set_visible (field->icon, FALSE);
      adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), field->icon);
    }
}

static void
wabiz_lead_editor_init (WabizLeadEditor *self)
{
  g_autoptr(GtkStringList) statuses = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->lead = wabiz_lead_new ();

  for (const char * const *s = wabiz_lead_get_statuses (); *s != NULL; s++)
    gtk_string_list_append (statuses, wabiz_lead_status_to_label (*s));
  adw_combo_row_set_model (self->status_row, G_LIST_MODEL (statuses));

  add_field (self, FIELD_NAME, "name", GTK_WIDGET (self->name_row), self->contact_group);
  add_field (self, FIELD_PHONE, "phone", GTK_WIDGET (self->phone_row), self->contact_group);
  add_field (self, FIELD_EMAIL, "email", GTK_WIDGET (self->email_row), self->contact_group);
  add_field (self, FIELD_TIMEZONE, "timezone", GTK_WIDGET (self->timezone_row), self->contact_group);
  add_field (self, FIELD_STATUS, "status", GTK_WIDGET (self->status_row), self->status_group);
  add_field (self, FIELD_CUSTOM, "custom-fields", GTK_WIDGET (self->custom_view), self->custom_group);

  g_signal_connect_swapped (self->name_row, "changed", G_CALLBACK (update_title), self);
  g_signal_connect_swapped (self->phone_row, "changed", G_CALLBACK (update_title), self);

  load_fields (self);
}

GtkWidget *
wabiz_lead_editor_new (void)
{
  return g_object_new (WABIZ_TYPE_LEAD_EDITOR, NULL);
}

void
wabiz_lead_editor_set_database (WabizLeadEditor *self,
                                WabizDb         *db)
{
  g_return_if_fail (WABIZ_IS_LEAD_EDITOR (self));
  g_return_if_fail (!db || WABIZ_IS_DB (db));

  g_set_object (&self->db, db);
}

WabizLead *
wabiz_lead_editor_get_lead (WabizLeadEditor *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_EDITOR (self), NULL);

  return self->lead;
}

void
wabiz_lead_editor_set_lead (WabizLeadEditor *self,
                            WabizLead       *lead)
{
  g_return_if_fail (WABIZ_IS_LEAD_EDITOR (self));
  g_return_if_fail (!lead || WABIZ_IS_LEAD (lead));

  /* a save in flight belongs to the lead shown before */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_busy (self, FALSE);

  g_clear_object (&self->lead);
  self->lead = lead != NULL ? wabiz_lead_copy (lead) : wabiz_lead_new ();
  load_fields (self);
}

gboolean
wabiz_lead_editor_get_busy (WabizLeadEditor *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_EDITOR (self), FALSE);

  return self->busy;
}

const char *
wabiz_lead_editor_get_field_error (WabizLeadEditor *self,
                                   const char      *field)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_EDITOR (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  for (guint i = 0; i < N_FIELDS; i++)
    if (g_str_equal (self->fields[i].name, field))
      return gtk_widget_get_visible (GTK_WIDGET (self->fields[i].label))
             ? gtk_label_get_label (self->fields[i].label) : NULL;
  return NULL;
}

void
wabiz_lead_editor_set_field_text (WabizLeadEditor *self,
                                  const char      *field,
                                  const char      *text)
{
  g_return_if_fail (WABIZ_IS_LEAD_EDITOR (self));
  g_return_if_fail (field != NULL && text != NULL);

  if (g_str_equal (field, "name"))
    gtk_editable_set_text (GTK_EDITABLE (self->name_row), text);
  else if (g_str_equal (field, "phone"))
    gtk_editable_set_text (GTK_EDITABLE (self->phone_row), text);
  else if (g_str_equal (field, "email"))
    gtk_editable_set_text (GTK_EDITABLE (self->email_row), text);
  else if (g_str_equal (field, "timezone"))
    gtk_editable_set_text (GTK_EDITABLE (self->timezone_row), text);
  else if (g_str_equal (field, "tags"))
    gtk_editable_set_text (GTK_EDITABLE (self->tags_row), text);
  else if (g_str_equal (field, "notes"))
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->notes_view), text, -1);
  else if (g_str_equal (field, "custom-fields"))
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->custom_view), text, -1);
  else if (g_str_equal (field, "status"))
    {
      const char * const *statuses = wabiz_lead_get_statuses ();

      for (guint i = 0; statuses[i] != NULL; i++)
        if (g_str_equal (statuses[i], text))
          adw_combo_row_set_selected (self->status_row, i);
    }
  else
    g_critical ("No field called “%s”", field);
}

char *
wabiz_lead_editor_dup_field_text (WabizLeadEditor *self,
                                  const char      *field)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_EDITOR (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  if (g_str_equal (field, "name"))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  if (g_str_equal (field, "phone"))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->phone_row)));
  if (g_str_equal (field, "email"))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->email_row)));
  if (g_str_equal (field, "timezone"))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->timezone_row)));
  if (g_str_equal (field, "tags"))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->tags_row)));
  if (g_str_equal (field, "notes"))
    return get_text_view_text (self->notes_view);
  if (g_str_equal (field, "custom-fields"))
    return get_text_view_text (self->custom_view);
  if (g_str_equal (field, "status"))
    {
      const char * const *statuses = wabiz_lead_get_statuses ();
      guint selected = adw_combo_row_get_selected (self->status_row);

      return selected < g_strv_length ((char **) statuses) ? g_strdup (statuses[selected]) : NULL;
    }

  g_critical ("No field called “%s”", field);
  return NULL;
}

void
wabiz_lead_editor_update_lead (WabizLeadEditor *self,
                               WabizLead       *lead)
{
  g_auto(GStrv) before = NULL;
  g_auto(GStrv) after = NULL;

  g_return_if_fail (WABIZ_IS_LEAD_EDITOR (self));
  g_return_if_fail (WABIZ_IS_LEAD (lead));
  g_return_if_fail (g_strcmp0 (wabiz_lead_get_id (lead), wabiz_lead_get_id (self->lead)) == 0);

  /* each field the user left as it was takes the new value; what is
   * being typed stays */
  before = dup_lead_texts (self->lead);
  after = dup_lead_texts (lead);
  for (guint i = 0; text_fields[i] != NULL; i++)
    {
      g_autofree char *shown = wabiz_lead_editor_dup_field_text (self, text_fields[i]);

      if (g_strcmp0 (before[i], after[i]) != 0 && g_strcmp0 (shown, before[i]) == 0)
        wabiz_lead_editor_set_field_text (self, text_fields[i], after[i]);
    }

  g_clear_object (&self->lead);
  self->lead = wabiz_lead_copy (lead);
  update_title (self);
}
