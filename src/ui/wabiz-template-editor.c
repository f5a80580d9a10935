/* wabiz-template-editor.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The template editor: a new template, a copy of one, or a rejected one
 * to fix. Every rule of WhatsApp's (wabiz-template-rules.h, through
 * WabizTemplateSpec) is checked as the owner types, each problem shown
 * under the field it concerns, with the counts of characters; beside
 * the form, the message as the customer's phone will show it. "Write
 * with AI" streams Gemini's draft into the fields, for the owner to
 * change. Submitting uploads a media header's example file through the
 * Resumable Upload API and sends the template to Meta for review.
 */

#define G_LOG_DOMAIN "wabiz-template-editor"

#include "config.h"

#include "wabiz-graph-error.h"
#include "wabiz-template-ai.h"
#include "wabiz-template-editor.h"
#include "wabiz-template-form.h"
#include "wabiz-template-row.h"
#include "wabiz-template-rules.h"

#include <glib/gi18n.h>
#include <string.h>

/* the header choices, in the combo row's order */
static const char * const header_formats[] = { NULL, "TEXT", "IMAGE", "VIDEO", "DOCUMENT" };
static const char * const categories[] = { "MARKETING", "UTILITY", "AUTHENTICATION" };
static const char * const fields[] = { "name", "category", "language", "header", "body", "footer", "buttons" };

/* One button of the form: its rows in the buttons group */
typedef struct
{
  char        *type;          /* (owned) */
  GtkWidget   *title_row;     /* (unowned) the group owns the rows */
  AdwEntryRow *text_row;      /* (nullable) */
  GtkLabel    *text_counter;  /* (nullable) */
  AdwEntryRow *value_row;     /* (nullable) a URL, a phone number, a code */
  AdwEntryRow *example_row;   /* (nullable) a URL's {{1}} */
} ButtonRows;

struct _WabizTemplateEditor
{
  AdwWindow                parent_instance;

  WabizServices           *services;       /* (owned) (nullable) */
  WabizTemplateEditorMode  mode;
  char                    *meta_id;        /* (owned) (nullable): of the template to fix */
  char                    *header_handle;  /* (owned) (nullable): the original's example */
  char                    *handle_format;  /* (owned) (nullable): of that example */
  char                    *reason_field;   /* (owned) (nullable): Meta's reason's field */
  char                    *reason_text;    /* (owned) (nullable) */
  GFile                   *example_file;   /* (owned) (nullable) */
  GCancellable            *cancellable;    /* (owned) */
  GCancellable            *ai_cancellable; /* (owned) (nullable): a draft on its way */
  WabizTemplateAi         *ai;             /* (owned) (nullable): with a Gemini key */
  char                    *body_before_ai; /* (owned) (nullable): given back if Gemini fails */
  char                    *state;          /* (owned) */
  char                    *error;          /* (owned) (nullable) */
  GPtrArray               *example_rows;   /* (owned) of AdwEntryRow */
  GPtrArray               *buttons;        /* (owned) of ButtonRows */
  GtkLabel                *name_counter;   /* (unowned) */
  GtkLabel                *header_counter; /* (unowned) */
  GtkLabel                *footer_counter; /* (unowned) */
  gboolean                 updating;

  /* template children */
  AdwWindowTitle          *window_title;
  GtkStack                *submit_stack;
  GtkWidget               *preview_button;
  GtkRevealer             *error_revealer;
  GtkLabel                *error_label;
  AdwLeaflet              *leaflet;
  GtkWidget               *form_page;
  GtkWidget               *preview_page;
  GtkWidget               *back_button;
  AdwEntryRow             *name_row;
  GtkLabel                *name_problem;
  AdwComboRow             *category_row;
  GtkLabel                *category_problem;
  AdwComboRow             *language_row;
  GtkLabel                *language_problem;
  AdwPreferencesGroup     *ai_group;
  AdwEntryRow             *ai_row;
  GtkLabel                *ai_status;
  GtkButton               *ai_button;
  AdwComboRow             *header_type_row;
  AdwEntryRow             *header_text_row;
  AdwEntryRow             *header_example_row;
  AdwActionRow            *header_file_row;
  GtkLabel                *header_problem;
  GtkTextView             *body_view;
  GtkLabel                *body_counter;
  AdwPreferencesGroup     *examples_group;
  GtkLabel                *body_problem;
  AdwEntryRow             *footer_row;
  GtkLabel                *footer_problem;
  AdwPreferencesGroup     *buttons_group;
  GtkLabel                *buttons_problem;
  WabizTemplatePreview    *preview;
};

G_DEFINE_FINAL_TYPE (WabizTemplateEditor, wabiz_template_editor, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SUBMITTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update (WabizTemplateEditor *self);

static void
button_rows_free (ButtonRows *rows)
{
  g_free (rows->type);
  g_free (rows);
}

static char *
dup_trimmed (GtkEditable *editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (editable)));
}

static char *
dup_body (WabizTemplateEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static GtkLabel *
problem_label (WabizTemplateEditor *self,
               const char          *field)
{
  if (g_strcmp0 (field, "name") == 0)
    return self->name_problem;
  if (g_strcmp0 (field, "category") == 0)
    return self->category_problem;
  if (g_strcmp0 (field, "language") == 0)
    return self->language_problem;
  if (g_strcmp0 (field, "header") == 0)
    return self->header_problem;
  if (g_strcmp0 (field, "footer") == 0)
    return self->footer_problem;
  if (g_strcmp0 (field, "buttons") == 0)
    return self->buttons_problem;
  return self->body_problem;
}

static GtkLabel *
new_counter (AdwEntryRow *row)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "template-counter");
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  adw_entry_row_add_suffix (row, label);
  return GTK_LABEL (label);
}

/* "12/60", red past the limit */
static void
show_count (GtkLabel   *label,
            const char *text,
            guint       max)
{
  glong length = text != NULL ? g_utf8_strlen (text, -1) : 0;
  g_autofree char *count = NULL;
  g_autofree char *limit = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *accessible = NULL;

  count = g_strdup_printf ("%'ld", length);
  limit = g_strdup_printf ("%'u", max);
  /* Translators: characters written and the limit, e.g. “12/1,024” */
  shown = g_strdup_printf (_("%s/%s"), count, limit);
  gtk_label_set_text (label, shown);
  if ((gulong) length > max)
    {
      gtk_widget_add_css_class (GTK_WIDGET (label), "over");
      gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (label), "over");
      gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
    }
  /* Translators: for a screen reader: characters written of the limit */
  accessible = g_strdup_printf (_("%s of %s characters"), count, limit);
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
set_state (WabizTemplateEditor *self,
           const char          *state)
{
  g_free (self->state);
  self->state = g_strdup (state);
  gtk_stack_set_visible_child_name (self->submit_stack,
                                    g_str_equal (state, "submitting") ? "submitting" : "button");
  gtk_widget_set_sensitive (GTK_WIDGET (self->leaflet), !g_str_equal (state, "submitting"));
  update (self);
}

static void
set_error (WabizTemplateEditor *self,
           const char          *message)
{
  wabiz_template_form_show_error (&self->error, self->error_revealer, self->error_label, message);
}

/* the form <-> a spec --------------------------------------------------------- */

/* As many example rows as the body has placeholders, keeping what is typed */
static void
sync_example_rows (WabizTemplateEditor *self,
                   const char          *body)
{
  guint needed = MIN (wabiz_template_count_placeholders (body), 100);

  while (self->example_rows->len > needed)
    {
      GtkWidget *row = g_ptr_array_index (self->example_rows, self->example_rows->len - 1);

      adw_preferences_group_remove (self->examples_group, row);
      g_ptr_array_remove_index (self->example_rows, self->example_rows->len - 1);
    }
  while (self->example_rows->len < needed)
    {
      GtkWidget *row = adw_entry_row_new ();
      g_autofree char *title = NULL;

      /* Translators: {{%u}} is a numbered place of a template */
      title = g_strdup_printf (_("Example for {{%u}}"), self->example_rows->len + 1);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
      g_signal_connect_object (row, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
      adw_preferences_group_add (self->examples_group, row);
      g_ptr_array_add (self->example_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->examples_group), needed > 0);
}

static const char *
selected_header_format (WabizTemplateEditor *self)
{
  guint selected = adw_combo_row_get_selected (self->header_type_row);

  return selected < G_N_ELEMENTS (header_formats) ? header_formats[selected] : NULL;
}

static WabizTemplateSpec *
collect (WabizTemplateEditor *self)
{
  WabizTemplateSpec *spec = wabiz_template_spec_new ();
  g_autoptr(GStrvBuilder) examples = g_strv_builder_new ();
  const char * const *languages = wabiz_template_get_languages ();
  guint category = adw_combo_row_get_selected (self->category_row);
  guint language = adw_combo_row_get_selected (self->language_row);
  const char *format = selected_header_format (self);

  spec->name = dup_trimmed (GTK_EDITABLE (self->name_row));
  spec->category = g_strdup (category < G_N_ELEMENTS (categories) ? categories[category] : NULL);
  spec->language = g_strdup (language < g_strv_length ((char **) languages) ? languages[language] : NULL);
  spec->header_format = g_strdup (format);
  if (g_strcmp0 (format, "TEXT") == 0)
    {
      spec->header_text = dup_trimmed (GTK_EDITABLE (self->header_text_row));
      spec->header_example = dup_trimmed (GTK_EDITABLE (self->header_example_row));
    }
  else if (format != NULL && self->example_file == NULL && g_strcmp0 (format, self->handle_format) == 0)
    spec->header_handle = g_strdup (self->header_handle);
  spec->body = dup_body (self);
  for (guint i = 0; i < self->example_rows->len; i++)
    {
      g_autofree char *value = dup_trimmed (g_ptr_array_index (self->example_rows, i));

      g_strv_builder_add (examples, value);
    }
  spec->body_examples = g_strv_builder_end (examples);
  spec->footer = dup_trimmed (GTK_EDITABLE (self->footer_row));
  if (*spec->footer == '\0')
    g_clear_pointer (&spec->footer, g_free);

  for (guint i = 0; i < self->buttons->len; i++)
    {
      ButtonRows *rows = g_ptr_array_index (self->buttons, i);
      WabizTemplateButton *button = wabiz_template_button_new (rows->type);

      if (rows->text_row != NULL)
        button->text = dup_trimmed (GTK_EDITABLE (rows->text_row));
      if (g_str_equal (rows->type, "URL"))
        {
          button->url = dup_trimmed (GTK_EDITABLE (rows->value_row));
          button->example = dup_trimmed (GTK_EDITABLE (rows->example_row));
        }
      else if (g_str_equal (rows->type, "PHONE_NUMBER"))
        button->phone = dup_trimmed (GTK_EDITABLE (rows->value_row));
      else if (g_str_equal (rows->type, "COPY_CODE"))
        button->example = dup_trimmed (GTK_EDITABLE (rows->value_row));
      g_ptr_array_add (spec->buttons, button);
    }
  return spec;
}

static void
update_ai (WabizTemplateEditor *self)
{
  gboolean writing = g_strcmp0 (self->state, "writing") == 0;

  if (self->ai == NULL)
    {
      gtk_button_set_label (self->ai_button, _("Add a _Gemini Key in Preferences…"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->ai_button), "app.preferences");
      gtk_widget_set_sensitive (GTK_WIDGET (self->ai_row), FALSE);
      return;
    }
  gtk_button_set_label (self->ai_button, writing ? _("_Stop") : _("_Write with AI"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->ai_button),
                                  writing ? "editor.stop-ai" : "editor.write-ai");
}

static void
update (WabizTemplateEditor *self)
{
  g_autoptr(WabizTemplateSpec) spec = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autofree char *body = NULL;
  const char *format;
  gboolean editing;

  if (self->updating || self->example_rows == NULL)
    return;
  self->updating = TRUE;

  body = dup_body (self);
  sync_example_rows (self, body);
  format = selected_header_format (self);
  gtk_widget_set_visible (GTK_WIDGET (self->header_text_row), g_strcmp0 (format, "TEXT") == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->header_example_row),
                          g_strcmp0 (format, "TEXT") == 0 &&
                          strstr (gtk_editable_get_text (GTK_EDITABLE (self->header_text_row)), "{{") != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->header_file_row), format != NULL && !g_str_equal (format, "TEXT"));
  if (self->example_file != NULL)
    {
      g_autofree char *name = g_file_get_basename (self->example_file);

      adw_action_row_set_subtitle (self->header_file_row, name);
    }
  else if (self->header_handle != NULL && g_strcmp0 (format, self->handle_format) == 0)
    adw_action_row_set_subtitle (self->header_file_row, _("The example Meta has already"));
  else
    adw_action_row_set_subtitle (self->header_file_row,
                                 _("Meta reviews the template with it; each send gives its own file"));
  for (guint i = 0; i < self->buttons->len; i++)
    {
      ButtonRows *rows = g_ptr_array_index (self->buttons, i);

      if (rows->example_row != NULL)
        gtk_widget_set_visible (GTK_WIDGET (rows->example_row),
                                strstr (gtk_editable_get_text (GTK_EDITABLE (rows->value_row)), "{{") != NULL);
    }

  spec = collect (self);
  problems = wabiz_template_spec_check (spec, self->example_file != NULL);

  /* each problem under its field; Meta's reason first under its own */
  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      GtkLabel *label = problem_label (self, fields[f]);
      g_autoptr(GString) text = g_string_new (NULL);
      gboolean reason = g_strcmp0 (self->reason_field, fields[f]) == 0 && self->reason_text != NULL;

      guint n_rules = 0;

      if (reason)
        /* Translators: Meta's reason for rejecting the template */
        g_string_append_printf (text, _("Meta: %s"), self->reason_text);
      for (guint i = 0; i < problems->len; i++)
        {
          WabizTemplateProblem *problem = g_ptr_array_index (problems, i);

          if (!g_str_equal (problem->field, fields[f]))
            continue;
          if (text->len > 0)
            g_string_append_c (text, '\n');
          g_string_append (text, problem->message);
          n_rules++;
        }
      gtk_label_set_text (label, text->str);
      gtk_widget_set_visible (GTK_WIDGET (label), text->len > 0);
      /* Meta's reason alone is advice, not a broken rule */
      if (reason && n_rules == 0)
        {
          gtk_widget_remove_css_class (GTK_WIDGET (label), "template-problem");
          gtk_widget_add_css_class (GTK_WIDGET (label), "template-reason");
        }
      else
        {
          gtk_widget_remove_css_class (GTK_WIDGET (label), "template-reason");
          gtk_widget_add_css_class (GTK_WIDGET (label), "template-problem");
        }
    }

  show_count (self->name_counter, spec->name, WABIZ_TEMPLATE_NAME_MAX);
  show_count (self->header_counter, spec->header_text, WABIZ_TEMPLATE_HEADER_TEXT_MAX);
  show_count (self->body_counter, spec->body, WABIZ_TEMPLATE_BODY_MAX);
  show_count (self->footer_counter, spec->footer, WABIZ_TEMPLATE_FOOTER_MAX);
  for (guint i = 0; i < self->buttons->len; i++)
    {
      ButtonRows *rows = g_ptr_array_index (self->buttons, i);

      if (rows->text_counter != NULL)
        show_count (rows->text_counter, gtk_editable_get_text (GTK_EDITABLE (rows->text_row)),
                    WABIZ_TEMPLATE_BUTTON_TEXT_MAX);
    }

  wabiz_template_preview_set_spec (self->preview, spec, self->example_file);

  editing = g_strcmp0 (self->state, "editing") == 0;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.submit",
                                 editing && problems->len == 0 && self->services != NULL &&
                                 wabiz_services_get_graph (self->services) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.write-ai", editing && self->ai != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->body_view), !g_str_equal (self->state, "writing"));
  update_ai (self);

  self->updating = FALSE;
}

static void
changed_cb (WabizTemplateEditor *self)
{
  update (self);
}

/* Fills the form from @spec */
static void
fill (WabizTemplateEditor     *self,
      const WabizTemplateSpec *spec)
{
  const char * const *languages = wabiz_template_get_languages ();

  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), spec->name != NULL ? spec->name : "");
  for (guint i = 0; i < G_N_ELEMENTS (categories); i++)
    if (g_strcmp0 (spec->category, categories[i]) == 0)
      adw_combo_row_set_selected (self->category_row, i);
  for (guint i = 0; languages[i] != NULL; i++)
    if (g_strcmp0 (spec->language, languages[i]) == 0)
      adw_combo_row_set_selected (self->language_row, i);
  for (guint i = 0; i < G_N_ELEMENTS (header_formats); i++)
    if (g_strcmp0 (spec->header_format, header_formats[i]) == 0)
      adw_combo_row_set_selected (self->header_type_row, i);
  gtk_editable_set_text (GTK_EDITABLE (self->header_text_row), spec->header_text != NULL ? spec->header_text : "");
  gtk_editable_set_text (GTK_EDITABLE (self->header_example_row),
                         spec->header_example != NULL ? spec->header_example : "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), spec->body != NULL ? spec->body : "", -1);
  gtk_editable_set_text (GTK_EDITABLE (self->footer_row), spec->footer != NULL ? spec->footer : "");
  self->updating = FALSE;

  sync_example_rows (self, spec->body != NULL ? spec->body : "");
  for (guint i = 0; spec->body_examples != NULL && spec->body_examples[i] != NULL && i < self->example_rows->len; i++)
    gtk_editable_set_text (g_ptr_array_index (self->example_rows, i), spec->body_examples[i]);
}

/* buttons --------------------------------------------------------------------- */

static AdwEntryRow *
add_entry_row (WabizTemplateEditor *self,
               const char          *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  g_signal_connect_object (row, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (self->buttons_group, row);
  return ADW_ENTRY_ROW (row);
}

static void
remove_button_cb (WabizTemplateEditor *self,
                  GtkButton           *button)
{
  ButtonRows *rows = g_object_get_data (G_OBJECT (button), "button-rows");
  guint index;

  if (!g_ptr_array_find (self->buttons, rows, &index))
    return;

  adw_preferences_group_remove (self->buttons_group, rows->title_row);
  if (rows->text_row != NULL)
    adw_preferences_group_remove (self->buttons_group, GTK_WIDGET (rows->text_row));
  if (rows->value_row != NULL)
    adw_preferences_group_remove (self->buttons_group, GTK_WIDGET (rows->value_row));
  if (rows->example_row != NULL)
    adw_preferences_group_remove (self->buttons_group, GTK_WIDGET (rows->example_row));
  g_ptr_array_remove_index (self->buttons, index);
  update (self);
}

static ButtonRows *
add_button (WabizTemplateEditor       *self,
            const WabizTemplateButton *button)
{
  ButtonRows *rows = g_new0 (ButtonRows, 1);
  GtkWidget *remove;
  const char *title;

  rows->type = g_strdup (button->type);
  if (g_str_equal (button->type, "URL"))
    title = _("Link to a Website");
  else if (g_str_equal (button->type, "PHONE_NUMBER"))
    title = _("Call a Phone Number");
  else if (g_str_equal (button->type, "COPY_CODE"))
    title = _("Copy an Offer Code");
  else
    title = _("Quick Reply");

  rows->title_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (rows->title_row), title);
  gtk_widget_add_css_class (rows->title_row, "heading");
  remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove the Button"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Remove the Button"), -1);
  g_object_set_data (G_OBJECT (remove), "button-rows", rows);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_button_cb), self, G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (rows->title_row), remove);
  adw_preferences_group_add (self->buttons_group, rows->title_row);

  if (!g_str_equal (button->type, "COPY_CODE"))
    {
      rows->text_row = add_entry_row (self, _("Label"));
      rows->text_counter = new_counter (rows->text_row);
      gtk_editable_set_text (GTK_EDITABLE (rows->text_row), button->text != NULL ? button->text : "");
    }
  if (g_str_equal (button->type, "URL"))
    {
      rows->value_row = add_entry_row (self, _("Web Address, Ending with {{1}} for Each Customer’s Own"));
      gtk_editable_set_text (GTK_EDITABLE (rows->value_row), button->url != NULL ? button->url : "https://");
      rows->example_row = add_entry_row (self, _("Example for {{1}} of the Address"));
      gtk_editable_set_text (GTK_EDITABLE (rows->example_row), button->example != NULL ? button->example : "");
    }
  else if (g_str_equal (button->type, "PHONE_NUMBER"))
    {
      rows->value_row = add_entry_row (self, _("Phone Number, with Country Code"));
      gtk_editable_set_text (GTK_EDITABLE (rows->value_row), button->phone != NULL ? button->phone : "+");
    }
  else if (g_str_equal (button->type, "COPY_CODE"))
    {
      rows->value_row = add_entry_row (self, _("Example Code"));
      gtk_editable_set_text (GTK_EDITABLE (rows->value_row), button->example != NULL ? button->example : "");
    }

  g_ptr_array_add (self->buttons, rows);
  return rows;
}

static void
add_button_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (widget);
  g_autoptr(WabizTemplateButton) button = wabiz_template_button_new (g_variant_get_string (parameter, NULL));
  ButtonRows *rows;

  rows = add_button (self, button);
  update (self);
  if (rows->text_row != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (rows->text_row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (rows->value_row));
}

/* the body -------------------------------------------------------------------- */

static void
add_placeholder_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  g_autofree char *body = dup_body (self);
  g_autofree char *placeholder = NULL;

  placeholder = g_strdup_printf ("{{%u}}", wabiz_template_count_placeholders (body) + 1);
  gtk_text_buffer_insert_at_cursor (buffer, placeholder, -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

/* the example file ------------------------------------------------------------ */

static void
choose_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (widget);
  const char *format = selected_header_format (self);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (g_strcmp0 (format, "IMAGE") == 0)
    {
      gtk_file_filter_set_name (filter, _("Pictures (JPEG, PNG)"));
      gtk_file_filter_add_mime_type (filter, "image/jpeg");
      gtk_file_filter_add_mime_type (filter, "image/png");
    }
  else if (g_strcmp0 (format, "VIDEO") == 0)
    {
      gtk_file_filter_set_name (filter, _("Videos (MP4)"));
      gtk_file_filter_add_mime_type (filter, "video/mp4");
      gtk_file_filter_add_mime_type (filter, "video/3gpp");
    }
  else
    {
      gtk_file_filter_set_name (filter, _("Documents (PDF)"));
      gtk_file_filter_add_mime_type (filter, "application/pdf");
    }

  wabiz_template_form_choose_file (GTK_WINDOW (self), _("Choose an Example File"), filter,
                                   (WabizFileChosenFunc) wabiz_template_editor_set_example_file);
}

/* Write with AI --------------------------------------------------------------- */

static void
ai_progress_cb (const char *body,
                guint       round,
                gpointer    user_data)
{
  WabizTemplateEditor *self = user_data;  /* alive: ai_done_cb holds it */
  g_autofree char *status = NULL;

  /* stopped, or the editor went (its widgets with it): nothing to show */
  if (self->ai_cancellable == NULL || g_cancellable_is_cancelled (self->ai_cancellable))
    return;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), body, -1);
  if (round > 1)
    /* Translators: %u is how many times Gemini was asked, e.g. 2 */
    status = g_strdup_printf (_("Gemini is writing it again, with WhatsApp’s rules it broke named (try %u)…"),
                              round);
  gtk_label_set_text (self->ai_status, status != NULL ? status : _("Gemini is writing…"));
}

static void
ai_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WabizTemplateEditor) self = user_data;
  g_autoptr(WabizTemplateDraft) draft = NULL;
  g_autoptr(GError) error = NULL;

  draft = wabiz_template_ai_stream_finish (WABIZ_TEMPLATE_AI (object), result, &error);
  /* the editor went (disposed, its widgets with it), whatever Gemini said */
  if (self->example_rows == NULL ||
      (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->ai_cancellable == NULL))
    return;

  g_clear_object (&self->ai_cancellable);
  if (draft == NULL)
    {
      g_autofree char *text = NULL;

      /* the owner's own text, as it was */
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view),
                                self->body_before_ai != NULL ? self->body_before_ai : "", -1);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        text = g_strdup (_("Stopped: your text is as it was."));
      else
        /* Translators: %s says why Gemini wrote no draft */
        text = g_strdup_printf (_("Gemini wrote no draft: %s"), error->message);
      gtk_label_set_text (self->ai_status, text);
      set_state (self, "editing");
      return;
    }

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), draft->body, -1);
  if (draft->footer != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->footer_row), draft->footer);
  set_state (self, "editing");
  for (guint i = 0; draft->examples != NULL && draft->examples[i] != NULL && i < self->example_rows->len; i++)
    gtk_editable_set_text (g_ptr_array_index (self->example_rows, i), draft->examples[i]);
  gtk_label_set_text (self->ai_status, _("Gemini’s draft is in: read it and change what you like, then submit it."));
  update (self);
}

static void
write_ai_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (widget);
  g_autoptr(WabizTemplateSpec) spec = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  g_autofree char *description = NULL;

  if (self->ai == NULL || !g_str_equal (self->state, "editing"))
    return;

  spec = collect (self);
  description = dup_trimmed (GTK_EDITABLE (self->ai_row));
  if (!wabiz_template_check_name (spec->name, problems))
    {
      gtk_label_set_text (self->ai_status, _("Give the template a name first: Gemini writes for it."));
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      return;
    }
  if (g_strcmp0 (spec->category, "AUTHENTICATION") == 0)
    {
      gtk_label_set_text (self->ai_status, _("Authentication templates have Meta’s own wording; choose "
                                             "Marketing or Utility to write with Gemini."));
      return;
    }
  if (*description == '\0')
    {
      gtk_label_set_text (self->ai_status, _("Say what the message is for first, such as “tell customers "
                                             "their order is ready to pick up”."));
      gtk_widget_grab_focus (GTK_WIDGET (self->ai_row));
      return;
    }

  g_free (self->body_before_ai);
  self->body_before_ai = g_steal_pointer (&spec->body);
  self->ai_cancellable = g_cancellable_new ();
  gtk_label_set_text (self->ai_status, _("Gemini is writing…"));
  set_state (self, "writing");
  wabiz_template_ai_stream_async (self->ai, spec->name, spec->category, spec->language, description,
                                  ai_progress_cb, self, NULL, self->ai_cancellable, ai_done_cb,
                                  g_object_ref (self));
}

static void
stop_ai_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (widget);

  if (self->ai_cancellable != NULL)
    g_cancellable_cancel (self->ai_cancellable);
}

/* submitting ------------------------------------------------------------------ */

static void
submitted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizTemplateEditor) self = user_data;
  g_autoptr(WabizTemplateSpec) spec = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  status = wabiz_template_spec_submit_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_state (self, "editing");
  if (status == NULL)
    {
      const char *details = error->domain == WABIZ_GRAPH_ERROR ? wabiz_graph_error_get_details (error) : NULL;
      g_autofree char *text = NULL;

      if (details != NULL && strstr (error->message, details) == NULL)
        /* Translators: why Meta refused the template, then Meta's own words */
        text = g_strdup_printf (_("Meta did not take the template: %s (%s)"), error->message, details);
      else
        /* Translators: %s says why */
        text = g_strdup_printf (_("Meta did not take the template: %s"), error->message);
      set_error (self, text);
      return;
    }

  spec = collect (self);
  g_debug ("Template submitted: %s", status);
  g_signal_emit (self, signals[SIGNAL_SUBMITTED], 0, spec->name, spec->language, status);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (widget);
  g_autoptr(WabizTemplateSpec) spec = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  WabizGraphClient *graph;
  WabizDb *db;

  if (!g_str_equal (self->state, "editing") || self->services == NULL)
    return;
  graph = wabiz_services_get_graph (self->services);
  db = wabiz_services_get_db (self->services);
  if (graph == NULL || db == NULL)
    return;

  spec = collect (self);
  problems = wabiz_template_spec_check (spec, self->example_file != NULL);
  if (problems->len > 0)
    return;

  set_error (self, NULL);
  set_state (self, "submitting");
  wabiz_template_spec_submit_async (spec, self->example_file,
                                    self->mode == WABIZ_TEMPLATE_EDITOR_FIX ? self->meta_id : NULL, db, graph,
                                    self->cancellable, submitted_cb, g_object_ref (self));
}

static void
show_preview_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->preview_page);
}

static void
show_form_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->form_page);
}

static void
folded_cb (WabizTemplateEditor *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  gtk_widget_set_visible (self->preview_button, folded);
  gtk_widget_set_visible (self->back_button, folded);
}

/* GObject --------------------------------------------------------------------- */

static void
wabiz_template_editor_dispose (GObject *object)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  if (self->ai_cancellable != NULL)
    {
      GCancellable *ai = g_steal_pointer (&self->ai_cancellable);

      g_cancellable_cancel (ai);
      g_object_unref (ai);
    }
  g_clear_object (&self->ai);
  g_clear_object (&self->services);
  g_clear_object (&self->example_file);
  g_clear_pointer (&self->example_rows, g_ptr_array_unref);
  g_clear_pointer (&self->buttons, g_ptr_array_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_TEMPLATE_EDITOR);

  G_OBJECT_CLASS (wabiz_template_editor_parent_class)->dispose (object);
}

static void
wabiz_template_editor_finalize (GObject *object)
{
  WabizTemplateEditor *self = WABIZ_TEMPLATE_EDITOR (object);

  g_clear_object (&self->cancellable);
  g_free (self->meta_id);
  g_free (self->header_handle);
  g_free (self->handle_format);
  g_free (self->reason_field);
  g_free (self->reason_text);
  g_free (self->body_before_ai);
  g_free (self->state);
  g_free (self->error);

  G_OBJECT_CLASS (wabiz_template_editor_parent_class)->finalize (object);
}

static void
wabiz_template_editor_class_init (WabizTemplateEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_template_editor_dispose;
  object_class->finalize = wabiz_template_editor_finalize;

  /**
   * WabizTemplateEditor::submitted:
   * @name: the template's name
   * @language: its language
   * @status: what Meta answered (PENDING)
   *
   * The template went to Meta for review; the editor closes.
   */
  signals[SIGNAL_SUBMITTED] = g_signal_new ("submitted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING,
                                            G_TYPE_STRING);

  g_type_ensure (WABIZ_TYPE_TEMPLATE_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-template-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, submit_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, preview_button);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, form_page);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, preview_page);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, back_button);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, name_problem);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, category_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, category_problem);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, language_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, language_problem);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, ai_group);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, ai_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, ai_status);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, ai_button);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, header_type_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, header_text_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, header_example_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, header_file_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, header_problem);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, body_view);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, body_counter);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, examples_group);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, body_problem);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, footer_row);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, footer_problem);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, buttons_group);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, buttons_problem);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateEditor, preview);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);

  gtk_widget_class_install_action (widget_class, "editor.submit", NULL, submit_action);
  gtk_widget_class_install_action (widget_class, "editor.add-button", "s", add_button_action);
  gtk_widget_class_install_action (widget_class, "editor.add-placeholder", NULL, add_placeholder_action);
  gtk_widget_class_install_action (widget_class, "editor.choose-file", NULL, choose_file_action);
  gtk_widget_class_install_action (widget_class, "editor.write-ai", NULL, write_ai_action);
  gtk_widget_class_install_action (widget_class, "editor.stop-ai", NULL, stop_ai_action);
  gtk_widget_class_install_action (widget_class, "editor.show-preview", NULL, show_preview_action);
  gtk_widget_class_install_action (widget_class, "editor.show-form", NULL, show_form_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "editor.submit", NULL);
}

static void
wabiz_template_editor_init (WabizTemplateEditor *self)
{
  g_autoptr(GtkStringList) category_list = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) language_list = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) header_list = gtk_string_list_new (NULL);
  const char * const *languages = wabiz_template_get_languages ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->state = g_strdup ("editing");
  self->buttons = g_ptr_array_new_with_free_func ((GDestroyNotify) button_rows_free);

  for (guint i = 0; i < G_N_ELEMENTS (categories); i++)
    gtk_string_list_append (category_list, wabiz_template_category_to_label (categories[i]));
  adw_combo_row_set_model (self->category_row, G_LIST_MODEL (category_list));
  for (guint i = 0; languages[i] != NULL; i++)
    {
      /* Translators: a language and its code, e.g. “English (US) — en_US” */
      g_autofree char *label = g_strdup_printf (_("%s — %s"), wabiz_template_language_to_label (languages[i]),
                                                languages[i]);

      gtk_string_list_append (language_list, label);
    }
  adw_combo_row_set_model (self->language_row, G_LIST_MODEL (language_list));
  gtk_string_list_append (header_list, C_("template header", "None"));
  gtk_string_list_append (header_list, C_("template header", "Text"));
  gtk_string_list_append (header_list, C_("template header", "Image"));
  gtk_string_list_append (header_list, C_("template header", "Video"));
  gtk_string_list_append (header_list, C_("template header", "Document"));
  adw_combo_row_set_model (self->header_type_row, G_LIST_MODEL (header_list));

  self->name_counter = new_counter (self->name_row);
  self->header_counter = new_counter (self->header_text_row);
  self->footer_counter = new_counter (self->footer_row);

  g_signal_connect_object (gtk_text_view_get_buffer (self->body_view), "changed", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (folded_cb), self);

  self->example_rows = g_ptr_array_new ();
  folded_cb (self);
}

/**
 * wabiz_template_editor_new:
 * @parent: (nullable): the window it belongs to
 * @services: (nullable): the database, Meta and Gemini; without Meta
 *   nothing can be submitted
 * @from: (nullable): the template to copy or to fix
 * @mode: a new template, a copy of @from, or @from rejected, to fix
 */
WabizTemplateEditor *
wabiz_template_editor_new (GtkWindow               *parent,
                           WabizServices           *services,
                           WabizTemplate           *from,
                           WabizTemplateEditorMode  mode)
{
  WabizTemplateEditor *self;
  WabizGeminiClient *gemini;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (!services || WABIZ_IS_SERVICES (services), NULL);
  g_return_val_if_fail (!from || WABIZ_IS_TEMPLATE (from), NULL);
  g_return_val_if_fail (mode == WABIZ_TEMPLATE_EDITOR_NEW || from != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_TEMPLATE_EDITOR, "transient-for", parent, NULL);
  /* "Add a Gemini Key in Preferences…" is the application's action */
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  self->services = services != NULL ? g_object_ref (services) : NULL;
  self->mode = mode;
  gemini = services != NULL ? wabiz_services_get_gemini (services) : NULL;
  if (gemini != NULL)
    self->ai = wabiz_template_ai_new (gemini);
  else
    gtk_label_set_text (self->ai_status, _("Gemini writes drafts once its API key is in Preferences."));

  if (from != NULL)
    {
      g_autoptr(WabizTemplateSpec) spec = wabiz_template_spec_new_from_template (from);
      g_autofree char *title = NULL;

      self->header_handle = g_strdup (spec->header_handle);
      self->handle_format = g_strdup (spec->header_format);
      if (mode == WABIZ_TEMPLATE_EDITOR_COPY)
        {
          g_autofree char *name = g_strdup_printf ("%.*s_copy", WABIZ_TEMPLATE_NAME_MAX - 5, spec->name);

          g_free (spec->name);
          spec->name = g_steal_pointer (&name);
          /* Translators: %s is a template's name */
          title = g_strdup_printf (_("Copy of “%s”"), wabiz_template_get_name (from));
        }
      else
        {
          const char *field = NULL;

          self->meta_id = g_strdup (wabiz_template_get_meta_id (from));
          self->reason_text = wabiz_template_describe_reason (wabiz_template_get_rejected_reason (from), &field);
          self->reason_field = g_strdup (field);
          /* the same name and language: Meta changes that template */
          gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), FALSE);
          gtk_widget_set_sensitive (GTK_WIDGET (self->language_row), FALSE);
          /* Translators: %s is a template's name */
          title = g_strdup_printf (_("Fix “%s”"), wabiz_template_get_name (from));
          adw_window_title_set_subtitle (self->window_title, _("Meta rejected it; change it and submit it again"));
        }
      adw_window_title_set_title (self->window_title, title);
      gtk_window_set_title (GTK_WINDOW (self), title);
      fill (self, spec);
      for (guint i = 0; i < spec->buttons->len; i++)
        add_button (self, g_ptr_array_index (spec->buttons, i));
    }
  if (services == NULL || wabiz_services_get_graph (services) == NULL)
    set_error (self, _("Submitting needs a WhatsApp account: open Preferences and enter your WhatsApp "
                       "Business Account id and access token."));
  update (self);
  return self;
}

const char *
wabiz_template_editor_get_state (WabizTemplateEditor *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self), NULL);
  return self->state;
}

const char *
wabiz_template_editor_get_problem (WabizTemplateEditor *self,
                                   const char          *field)
{
  GtkLabel *label;

  g_return_val_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  label = problem_label (self, field);
  return gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_text (label) : NULL;
}

const char *
wabiz_template_editor_get_error (WabizTemplateEditor *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self), NULL);
  return self->error;
}

const char *
wabiz_template_editor_get_ai_status (WabizTemplateEditor *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self), NULL);
  return gtk_label_get_text (self->ai_status);
}

WabizTemplatePreview *
wabiz_template_editor_get_preview (WabizTemplateEditor *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self), NULL);
  return self->preview;
}

WabizTemplateSpec *
wabiz_template_editor_dup_spec (WabizTemplateEditor *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self), NULL);
  return collect (self);
}

void
wabiz_template_editor_set_example_file (WabizTemplateEditor *self,
                                        GFile               *file)
{
  g_return_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self));
  g_return_if_fail (!file || G_IS_FILE (file));

  g_set_object (&self->example_file, file);
  update (self);
}

GtkEditable *
wabiz_template_editor_get_example_entry (WabizTemplateEditor *self,
                                         guint                index)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self), NULL);
  g_return_val_if_fail (index < self->example_rows->len, NULL);
  return g_ptr_array_index (self->example_rows, index);
}

GtkEditable *
wabiz_template_editor_get_button_entry (WabizTemplateEditor *self,
                                        guint                index,
                                        const char          *part)
{
  ButtonRows *rows;

  g_return_val_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self), NULL);
  g_return_val_if_fail (index < self->buttons->len, NULL);
  g_return_val_if_fail (part != NULL, NULL);

  rows = g_ptr_array_index (self->buttons, index);
  if (g_str_equal (part, "text"))
    return rows->text_row != NULL ? GTK_EDITABLE (rows->text_row) : NULL;
  if (g_str_equal (part, "example"))
    return rows->example_row != NULL ? GTK_EDITABLE (rows->example_row) : NULL;
  return rows->value_row != NULL ? GTK_EDITABLE (rows->value_row) : NULL;
}

guint
wabiz_template_editor_get_n_buttons (WabizTemplateEditor *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_EDITOR (self), 0);
  return self->buttons->len;
}
