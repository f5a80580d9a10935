/* wabiz-campaign-dialog.c
 *
 * SPDX-License-Identifier: MIT
 *
 * "New Campaign": an approved template to a segment of leads (the Leads
 * pane's filter, every lead or a saved segment), each numbered place of
 * the message filled from a lead field with a fallback, now or at a
 * start time. Before anything is written it shows the preview of the
 * campaign model: who receives it, who is left out and why, and how
 * long it takes at the configured rate and messaging tier. Start writes
 * the campaign; the runner sends it, and the campaigns window opens on
 * it.
 */

#define G_LOG_DOMAIN "wabiz-campaign-dialog"

#include "config.h"

#include "wabiz-campaign-dialog.h"
#include "wabiz-campaign-format.h"
#include "wabiz-campaign-model.h"
#include "wabiz-campaigns-window.h"
#include "wabiz-phone.h"
#include "wabiz-segment.h"
#include "wabiz-template-form.h"
#include "wabiz-template.h"
#include "wabiz-toast.h"

#include <glib/gi18n.h>
#include <stdio.h>

/* the count waits for the user to stop typing */
#define PREVIEW_DELAY_MS 300
#define MAX_SEGMENTS "200"

typedef struct
{
  char       *label;       /* (owned) as offered */
  JsonObject *filter;      /* (owned) */
  char       *segment_id;  /* (owned) (nullable) a saved segment */
  gboolean    from_pane;
} Audience;

typedef struct
{
  AdwComboRow *field_row;  /* (unowned) in params_group */
  AdwEntryRow *text_row;   /* (unowned) in params_group */
} ParamRows;

struct _WabizCampaignDialog
{
  AdwWindow            parent_instance;

  WabizDb             *db;                   /* (owned) */
  WabizGraphClient    *graph;                /* (owned) (nullable) */
  GCancellable        *cancellable;          /* (owned) */
  GCancellable        *preview_cancellable;  /* (owned) (nullable): the preview asked last */
  GListModel          *templates;            /* (owned) (nullable) of WabizTemplate */
  WabizTemplate       *shown;                /* (owned) (nullable): whose rows are built */
  GPtrArray           *audiences;            /* (owned) of Audience */
  GtkStringList       *audience_names;       /* (owned) */
  GPtrArray           *fields;               /* (owned) of char *, NULL for a text */
  GtkStringList       *field_names;          /* (owned) */
  GArray              *param_rows;           /* (owned) of ParamRows */
  GPtrArray           *example_rows;         /* (owned) of GtkWidget in examples_row */
  JsonObject          *preview;              /* (owned) (nullable) */
  char                *search;               /* (owned) (nullable) */
  char                *state;                /* (owned) */
  char                *error;                /* (owned) (nullable) */
  guint                preview_source;
  gboolean             templates_loaded;
  gboolean             segments_loaded;
  gboolean             fields_loaded;
  gboolean             syncing;
  gboolean             preview_ready;

  /* template children */
  AdwToastOverlay     *toast_overlay;
  AdwWindowTitle      *window_title;
  GtkStack            *start_stack;
  GtkRevealer         *error_revealer;
  GtkLabel            *error_label;
  GtkStack            *stack;
  GtkScrolledWindow   *form_scroller;
  AdwEntryRow         *name_row;
  AdwPreferencesGroup *audience_group;
  AdwComboRow         *audience_row;
  AdwActionRow        *filter_row;
  GtkLabel            *segment_count_label;
  AdwEntryRow         *save_row;
  AdwComboRow         *template_row;
  GtkLabel            *preview_body;
  AdwPreferencesGroup *params_group;
  AdwActionRow        *later_row;
  GtkSwitch           *later_switch;
  AdwEntryRow         *start_row;
  AdwPreferencesGroup *preview_group;
  GtkSpinner          *preview_spinner;
  GtkLabel            *recipients_label;
  AdwActionRow        *opted_out_row;
  GtkLabel            *opted_out_label;
  AdwActionRow        *invalid_row;
  GtkLabel            *invalid_label;
  AdwActionRow        *duplicate_row;
  GtkLabel            *duplicate_label;
  AdwActionRow        *missing_row;
  GtkLabel            *missing_label;
  AdwActionRow        *duration_row;
  GtkLabel            *duration_label;
  AdwExpanderRow      *examples_row;
};

G_DEFINE_FINAL_TYPE (WabizCampaignDialog, wabiz_campaign_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STATE,
  PROP_PREVIEW_READY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_preview (WabizCampaignDialog *self);

static void
audience_free (Audience *audience)
{
  g_free (audience->label);
  g_clear_pointer (&audience->filter, json_object_unref);
  g_free (audience->segment_id);
  g_free (audience);
}

static void
add_audience (WabizCampaignDialog *self,
              const char          *label,
              JsonObject          *filter,
              const char          *segment_id,
              gboolean             from_pane)
{
  Audience *audience = g_new0 (Audience, 1);

  audience->label = g_strdup (label);
  audience->filter = filter != NULL ? json_object_ref (filter) : json_object_new ();
  audience->segment_id = g_strdup (segment_id);
  audience->from_pane = from_pane;
  g_ptr_array_add (self->audiences, audience);
  gtk_string_list_append (self->audience_names, label);
}

static Audience *
get_audience (WabizCampaignDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->audience_row);

  return selected < self->audiences->len ? g_ptr_array_index (self->audiences, selected) : NULL;
}

static WabizTemplate *
get_template (WabizCampaignDialog *self)
{
  gpointer item = adw_combo_row_get_selected_item (self->template_row);

  return WABIZ_IS_TEMPLATE (item) ? item : NULL;
}

/* The source of {{@index + 1}}: a lead field, or NULL for a text */
static const char *
get_field (WabizCampaignDialog *self,
           guint                index)
{
  ParamRows *rows = &g_array_index (self->param_rows, ParamRows, index);
  guint selected = adw_combo_row_get_selected (rows->field_row);

  return selected < self->fields->len ? g_ptr_array_index (self->fields, selected) : NULL;
}

static char *
dup_trimmed (GtkEditable *editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (editable)));
}

static void
set_error (WabizCampaignDialog *self,
           const char          *message)
{
  wabiz_template_form_show_error (&self->error, self->error_revealer, self->error_label, message);
}

static void
update_actions (WabizCampaignDialog *self)
{
  gboolean form = g_str_equal (self->state, "form");
  gboolean starting = g_str_equal (self->state, "starting");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaign.start", form);
  gtk_widget_set_visible (GTK_WIDGET (self->start_stack), form || starting);
  gtk_stack_set_visible_child_name (self->start_stack, starting ? "starting" : "button");
}

static void
set_state (WabizCampaignDialog *self,
           const char          *state)
{
  if (wabiz_template_form_set_state (self->stack, &self->state, state, "starting"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  update_actions (self);
}

static void
set_preview_ready (WabizCampaignDialog *self,
                   gboolean             ready)
{
  gtk_spinner_set_spinning (self->preview_spinner, !ready);
  if (self->preview_ready == ready)
    return;
  self->preview_ready = ready;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW_READY]);
}

/* the form ------------------------------------------------------------------ */

/* The message with each place named after where it comes from */
static void
update_message_preview (WabizCampaignDialog *self)
{
  WabizTemplate *template = get_template (self);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) values = NULL;
  g_autofree char *body = NULL;

  if (template == NULL)
    {
      gtk_label_set_text (self->preview_body, "");
      return;
    }
  for (guint i = 0; i < self->param_rows->len; i++)
    {
      const char *field = get_field (self, i);
      ParamRows *rows = &g_array_index (self->param_rows, ParamRows, i);

      if (field != NULL)
        {
          g_autofree char *label = wabiz_campaign_format_field (field);

          /* Translators: in the preview of a campaign's message, where a lead's field goes */
          g_autofree char *value = g_strdup_printf (_("[%s]"), label);

          g_strv_builder_add (builder, value);
        }
      else
        {
          g_autofree char *value = dup_trimmed (GTK_EDITABLE (rows->text_row));

          g_strv_builder_add (builder, value);
        }
    }
  values = g_strv_builder_end (builder);
  body = wabiz_template_fill (wabiz_template_get_body (template), (const char * const *) values);
  gtk_label_set_text (self->preview_body, body);
}

static void
update_text_row_title (WabizCampaignDialog *self,
                       guint                index)
{
  ParamRows *rows = &g_array_index (self->param_rows, ParamRows, index);
  g_autofree char *title = NULL;

  if (get_field (self, index) != NULL)
    /* Translators: {{%u}} is a numbered place of a message template */
    title = g_strdup_printf (_("Fallback for {{%u}} When the Lead Has None"), index + 1);
  else
    /* Translators: {{%u}} is a numbered place of a message template */
    title = g_strdup_printf (_("Text for {{%u}}, the Same for All"), index + 1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (rows->text_row), title);
}

static void
param_changed_cb (WabizCampaignDialog *self)
{
  for (guint i = 0; i < self->param_rows->len; i++)
    update_text_row_title (self, i);
  update_message_preview (self);
  schedule_preview (self);
}

static void
clear_param_rows (WabizCampaignDialog *self)
{
  for (guint i = 0; i < self->param_rows->len; i++)
    {
      ParamRows *rows = &g_array_index (self->param_rows, ParamRows, i);

      g_signal_handlers_disconnect_by_data (rows->field_row, self);
      g_signal_handlers_disconnect_by_data (rows->text_row, self);
      adw_preferences_group_remove (self->params_group, GTK_WIDGET (rows->field_row));
      adw_preferences_group_remove (self->params_group, GTK_WIDGET (rows->text_row));
    }
  g_array_set_size (self->param_rows, 0);
}

static void
build_param_rows (WabizCampaignDialog *self)
{
  WabizTemplate *template = get_template (self);
  guint n;

  /* the same template again (after a refresh): keep what was chosen */
  if (wabiz_template_form_same (template, self->shown))
    {
      g_set_object (&self->shown, template);
      update_message_preview (self);
      return;
    }

  clear_param_rows (self);
  g_set_object (&self->shown, template);

  n = template != NULL ? wabiz_template_get_n_params (template) : 0;
  gtk_widget_set_visible (GTK_WIDGET (self->params_group), n > 0);
  for (guint i = 0; i < n; i++)
    {
      ParamRows rows;
      const char *example = wabiz_template_get_example (template, i);
      g_autofree char *title = g_strdup_printf ("{{%u}}", i + 1);

      rows.field_row = ADW_COMBO_ROW (adw_combo_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (rows.field_row), title);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (rows.field_row), FALSE);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (rows.field_row), FALSE);
      if (example != NULL)
        {
          /* Translators: Meta's example value of a numbered place of a template */
          g_autofree char *subtitle = g_strdup_printf (_("For example “%s”"), example);

          adw_action_row_set_subtitle (ADW_ACTION_ROW (rows.field_row), subtitle);
        }
      adw_combo_row_set_model (rows.field_row, G_LIST_MODEL (self->field_names));
      /* the first place is most often the customer's name; the others
       * wait for a choice */
      adw_combo_row_set_selected (rows.field_row, i == 0 ? 0 : self->fields->len - 1);

      rows.text_row = ADW_ENTRY_ROW (adw_entry_row_new ());
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (rows.text_row), FALSE);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (rows.text_row), FALSE);

      adw_preferences_group_add (self->params_group, GTK_WIDGET (rows.field_row));
      adw_preferences_group_add (self->params_group, GTK_WIDGET (rows.text_row));
      g_array_append_val (self->param_rows, rows);
      update_text_row_title (self, i);

      g_signal_connect_object (rows.field_row, "notify::selected", G_CALLBACK (param_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (rows.text_row, "changed", G_CALLBACK (param_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }

  set_error (self, NULL);
  update_message_preview (self);
  schedule_preview (self);
}

static void
update_audience (WabizCampaignDialog *self)
{
  Audience *audience = get_audience (self);
  g_autofree char *description = NULL;

  if (audience == NULL)
    return;

  description = wabiz_campaign_format_segment (audience->filter);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->filter_row), description);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->filter_row),
                               audience->segment_id != NULL ? _("A saved segment") : NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->save_row), audience->segment_id == NULL);

  if (audience->from_pane && self->search != NULL)
    {
      /* Translators: %s is what was typed in the search of the Leads pane */
      g_autofree char *note = g_strdup_printf (_("The search “%s” does not narrow a campaign: it goes to "
                                                 "every lead of the status and tag chosen."),
                                               self->search);

      adw_preferences_group_set_description (self->audience_group, note);
    }
  else
    adw_preferences_group_set_description (self->audience_group, NULL);

  schedule_preview (self);
}

static void
later_changed_cb (WabizCampaignDialog *self)
{
  gboolean later = gtk_switch_get_active (self->later_switch);

  gtk_widget_set_visible (GTK_WIDGET (self->start_row), later);
  if (later && *gtk_editable_get_text (GTK_EDITABLE (self->start_row)) == '\0')
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
      g_autoptr(GDateTime) nine = g_date_time_new_local (g_date_time_get_year (tomorrow),
                                                         g_date_time_get_month (tomorrow),
                                                         g_date_time_get_day_of_month (tomorrow), 9, 0, 0);
      g_autofree char *text = g_date_time_format (nine, "%Y-%m-%d %H:%M");

      gtk_editable_set_text (GTK_EDITABLE (self->start_row), text);
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->later_row),
                               later ? _("In your computer’s time zone")
                                     : _("Otherwise it starts at once"));
  schedule_preview (self);
}

/* The start time typed, or NULL with the error */
static GDateTime *
parse_start (WabizCampaignDialog  *self,
             GError              **error)
{
  g_autofree char *text = dup_trimmed (GTK_EDITABLE (self->start_row));
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int year, month, day, hour, minute;
  char extra;

  if (sscanf (text, "%d-%d-%d %d:%d%c", &year, &month, &day, &hour, &minute, &extra) != 5 ||
      (when = g_date_time_new_local (year, month, day, hour, minute, 0)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Write the start as a date and a time, such as 2025-03-14 09:00."));
      return NULL;
    }
  if (g_date_time_compare (when, now) <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The start time has passed: choose a time to come, or turn off “Start Later”."));
      return NULL;
    }
  return g_steal_pointer (&when);
}

/* The campaign the form describes, or NULL with what is missing */
static WabizCampaignSpec *
build_spec (WabizCampaignDialog  *self,
            gboolean              for_real,
            GError              **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *name = dup_trimmed (GTK_EDITABLE (self->name_row));
  WabizTemplate *template = get_template (self);
  Audience *audience = get_audience (self);

  if (template == NULL || audience == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Choose the template to send and who receives it."));
      return NULL;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  /* the preview does not need the name yet */
  json_builder_add_string_value (b, *name != '\0' || for_real ? name : "preview");
  json_builder_set_member_name (b, "template_name");
  json_builder_add_string_value (b, wabiz_template_get_name (template));
  json_builder_set_member_name (b, "language");
  json_builder_add_string_value (b, wabiz_template_get_language (template));
  if (audience->segment_id != NULL)
    {
      json_builder_set_member_name (b, "segment_id");
      json_builder_add_string_value (b, audience->segment_id);
    }
  else
    {
      JsonNode *filter = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (filter, audience->filter);
      json_builder_set_member_name (b, "segment");
      json_builder_add_value (b, filter);
    }

  json_builder_set_member_name (b, "parameters");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->param_rows->len; i++)
    {
      ParamRows *rows = &g_array_index (self->param_rows, ParamRows, i);
      const char *field = get_field (self, i);
      g_autofree char *text = dup_trimmed (GTK_EDITABLE (rows->text_row));

      if (field == NULL && *text == '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       /* Translators: {{%u}} is a numbered place of a message template */
                       _("Type the text for {{%u}}, or take it from a field of the lead."), i + 1);
          return NULL;
        }
      json_builder_begin_object (b);
      if (field != NULL)
        {
          json_builder_set_member_name (b, "field");
          json_builder_add_string_value (b, field);
          if (*text != '\0')
            {
              json_builder_set_member_name (b, "fallback");
              json_builder_add_string_value (b, text);
            }
        }
      else
        {
          json_builder_set_member_name (b, "text");
          json_builder_add_string_value (b, text);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  if (gtk_switch_get_active (self->later_switch))
    {
      g_autoptr(GDateTime) when = parse_start (self, error);
      g_autofree char *iso = NULL;

      if (when == NULL)
        return NULL;
      iso = g_date_time_format_iso8601 (when);
      json_builder_set_member_name (b, "start_at");
      json_builder_add_string_value (b, iso);
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return wabiz_campaign_spec_new_from_json (json_node_get_object (root), error);
}

/* the preview ---------------------------------------------------------------- */

static void
clear_examples (WabizCampaignDialog *self)
{
  for (guint i = 0; i < self->example_rows->len; i++)
    adw_expander_row_remove (self->examples_row, g_ptr_array_index (self->example_rows, i));
  g_ptr_array_set_size (self->example_rows, 0);
}

static void
set_count (GtkLabel   *label,
           JsonObject *object,
           const char *member)
{
  g_autofree char *text = wabiz_campaign_format_count (wabiz_campaign_get_int (object, member));

  gtk_label_set_text (label, text);
}

/* Nothing to show: why */
static void
show_problem (WabizCampaignDialog *self,
              const char          *problem)
{
  GtkLabel *labels[] = { self->recipients_label, self->opted_out_label, self->invalid_label,
                         self->duplicate_label, self->missing_label, self->duration_label,
                         self->segment_count_label };

  g_clear_pointer (&self->preview, json_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    gtk_label_set_text (labels[i], "—");
  adw_action_row_set_subtitle (self->duration_row, NULL);
  clear_examples (self);
  gtk_widget_set_visible (GTK_WIDGET (self->examples_row), FALSE);
  adw_preferences_group_set_description (self->preview_group, problem);
}

static void
show_preview (WabizCampaignDialog *self,
              JsonObject          *preview)
{
  JsonObject *excluded = json_object_get_object_member (preview, "excluded");
  JsonArray *examples = json_object_get_array_member (preview, "examples");
  gint64 recipients = wabiz_campaign_get_int (preview, "recipients");
  gint64 n_excluded = wabiz_campaign_get_int (excluded, "total");
  gint64 limit = wabiz_campaign_get_int (preview, "tier_limit");
  gint64 days = wabiz_campaign_get_int (preview, "days");
  double rate = json_object_get_double_member_with_default (preview, "rate", 0);
  g_autofree char *count = wabiz_campaign_format_count (recipients + n_excluded);
  g_autofree char *leads = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *explanation = NULL;
  g_autofree char *limit_text = wabiz_campaign_format_count (limit);
  g_autofree char *rate_text = g_strdup_printf ("%g", rate);

  g_clear_pointer (&self->preview, json_object_unref);
  self->preview = json_object_ref (preview);
  adw_preferences_group_set_description (self->preview_group, NULL);

  /* Translators: how many leads the chosen segment holds; %s is a number */
  leads = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s lead", "%s leads", (gulong) (recipients + n_excluded)),
                           count);
  gtk_label_set_text (self->segment_count_label, leads);

  set_count (self->recipients_label, preview, "recipients");
  set_count (self->opted_out_label, excluded, WABIZ_CAMPAIGN_EXCLUDED_OPTED_OUT);
  set_count (self->invalid_label, excluded, WABIZ_CAMPAIGN_EXCLUDED_INVALID_PHONE);
  set_count (self->duplicate_label, excluded, WABIZ_CAMPAIGN_EXCLUDED_DUPLICATE);
  set_count (self->missing_label, excluded, WABIZ_CAMPAIGN_EXCLUDED_MISSING_PARAMETER);

  if (recipients == 0)
    {
      duration = g_strdup (_("Nothing to send"));
      explanation = g_strdup (_("Nobody would receive it: choose other leads, or give the missing values a fallback."));
    }
  else
    {
      duration = wabiz_campaign_format_duration (wabiz_campaign_get_int (preview, "expected_seconds"),
                                                 WABIZ_CAMPAIGN_DURATION_TOTAL);
      if (json_object_get_null_member (preview, "tier_limit"))
        /* Translators: %s is a number of messages, such as 20 or 0.5 */
        explanation = g_strdup_printf (_("Your messaging tier has no daily limit; sending %s a second"),
                                       rate_text);
      else if (days > 1)
        /* Translators: how a campaign is spread over days; %u is a number of days,
         * the first %s a number of customers, the second a number of messages */
        explanation = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                    "Over %u day: Meta’s messaging tier lets your number reach %s customers a day; sending %s a second",
                                                    "Over %u days: Meta’s messaging tier lets your number reach %s customers a day; sending %s a second",
                                                    (gulong) days),
                                       (guint) days, limit_text, rate_text);
      else
        /* Translators: the first %s is a number of customers, the second of messages */
        explanation = g_strdup_printf (_("Within your messaging tier of %s customers a day; sending %s a second"),
                                       limit_text, rate_text);
    }
  gtk_label_set_text (self->duration_label, duration);
  adw_action_row_set_subtitle (self->duration_row, explanation);

  clear_examples (self);
  for (guint i = 0; examples != NULL && i < json_array_get_length (examples); i++)
    {
      JsonObject *example = json_array_get_object_element (examples, i);
      const char *reason = wabiz_campaign_get_string (example, "reason");
      const char *detail = wabiz_campaign_get_string (example, "detail");
      const char *phone = wabiz_campaign_get_string (example, "phone");
      g_autofree char *display = phone != NULL ? wabiz_phone_format_display (phone) : NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();

      if (g_strcmp0 (reason, WABIZ_CAMPAIGN_EXCLUDED_MISSING_PARAMETER) == 0 && detail != NULL)
        subtitle = g_strdup (detail);
      else
        subtitle = g_strdup (wabiz_campaign_format_reason (reason));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), display != NULL ? display : (phone ? phone : ""));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_expander_row_add_row (self->examples_row, row);
      g_ptr_array_add (self->example_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->examples_row), self->example_rows->len > 0);
}

static void
preview_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WabizCampaignDialog) self = user_data;
  g_autoptr(JsonObject) preview = NULL;
  g_autoptr(GError) error = NULL;

  preview = wabiz_campaign_preview_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (preview == NULL)
    show_problem (self, error->message);
  else
    show_preview (self, preview);
  set_preview_ready (self, TRUE);
}

static gboolean
preview_timeout_cb (gpointer user_data)
{
  WabizCampaignDialog *self = user_data;
  g_autoptr(WabizCampaignSpec) spec = NULL;
  g_autoptr(GError) error = NULL;

  self->preview_source = 0;
  spec = build_spec (self, FALSE, &error);
  if (spec == NULL)
    {
      show_problem (self, error->message);
      set_preview_ready (self, TRUE);
      return G_SOURCE_REMOVE;
    }

  g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  self->preview_cancellable = g_cancellable_new ();
  wabiz_campaign_preview_async (self->db, spec, self->preview_cancellable, preview_cb,
                                g_object_ref (self));
  return G_SOURCE_REMOVE;
}

/* What the preview shows is no longer what the form says: count again
 * once the user stops changing it */
static void
schedule_preview (WabizCampaignDialog *self)
{
  if (!g_str_equal (self->state, "form"))
    return;

  set_preview_ready (self, FALSE);
  g_cancellable_cancel (self->preview_cancellable);
  g_clear_handle_id (&self->preview_source, g_source_remove);
  self->preview_source = g_timeout_add (PREVIEW_DELAY_MS, preview_timeout_cb, self);
}

/* loading -------------------------------------------------------------------- */

static void
maybe_show_form (WabizCampaignDialog *self)
{
  guint n;

  if (!self->templates_loaded || !self->segments_loaded || !self->fields_loaded ||
      g_str_equal (self->state, "starting"))
    return;

  n = self->templates != NULL ? g_list_model_get_n_items (self->templates) : 0;
  if (n == 0 && self->syncing)
    return;  /* Meta may have some */
  if (n == 0)
    {
      set_state (self, "empty");
      return;
    }
  if (!g_str_equal (self->state, "form"))
    {
      set_state (self, "form");
      build_param_rows (self);
      update_audience (self);
    }
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WabizCampaignDialog) self = user_data;
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
      self->templates_loaded = TRUE;
      self->syncing = FALSE;
      maybe_show_form (self);
      return;
    }

  n = g_list_model_get_n_items (templates);
  if (n == 0 && self->syncing)
    return;

  if (self->shown != NULL)
    previous = g_object_ref (self->shown);
  g_set_object (&self->templates, templates);
  g_signal_handlers_block_by_func (self->template_row, build_param_rows, self);
  adw_combo_row_set_model (self->template_row, templates);
  if (previous != NULL)
    wabiz_template_form_select (self->template_row, wabiz_template_get_name (previous),
                                wabiz_template_get_language (previous));
  g_signal_handlers_unblock_by_func (self->template_row, build_param_rows, self);

  self->templates_loaded = TRUE;
  if (g_str_equal (self->state, "form"))
    build_param_rows (self);
  else
    maybe_show_form (self);
}

static void
load_templates (WabizCampaignDialog *self)
{
  wabiz_template_list_sendable_async (self->db, self->cancellable, list_cb, g_object_ref (self));
}

static void
refresh_templates (WabizCampaignDialog *self)
{
  if (g_str_equal (self->state, "empty"))
    set_state (self, "loading");
  set_error (self, NULL);
  if (self->graph != NULL)
    wabiz_template_form_sync (self, self->db, self->graph, self->cancellable, &self->syncing,
                              (WabizTemplatesSyncedFunc) load_templates);
  load_templates (self);
}

static void
segments_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WabizCampaignDialog) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (res == NULL)
    g_warning ("Cannot list the saved segments: %s", error->message);
  for (guint i = 0; res != NULL && i < wabiz_db_result_get_n_rows (res); i++)
    {
      g_autoptr(JsonNode) filter = json_from_string (wabiz_db_result_get (res, i, "filter"), NULL);

      if (filter == NULL || !JSON_NODE_HOLDS_OBJECT (filter))
        continue;
      add_audience (self, wabiz_db_result_get (res, i, "name"), json_node_get_object (filter),
                    wabiz_db_result_get (res, i, "id"), FALSE);
    }
  self->segments_loaded = TRUE;
  maybe_show_form (self);
}

static void
fields_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizCampaignDialog) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *lead_fields = wabiz_campaign_get_lead_fields ();

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (res == NULL)
    g_warning ("Cannot list the custom fields of leads: %s", error->message);

  for (guint i = 0; lead_fields[i] != NULL; i++)
    {
      g_autofree char *label = wabiz_campaign_format_field (lead_fields[i]);

      g_ptr_array_add (self->fields, g_strdup (lead_fields[i]));
      gtk_string_list_append (self->field_names, label);
    }
  for (guint i = 0; res != NULL && i < wabiz_db_result_get_n_rows (res); i++)
    {
      g_autofree char *field = g_strconcat ("custom.", wabiz_db_result_get (res, i, "k"), NULL);
      g_autofree char *label = wabiz_campaign_format_field (field);

      g_ptr_array_add (self->fields, g_steal_pointer (&field));
      gtk_string_list_append (self->field_names, label);
    }
  /* last: a text of one's own */
  g_ptr_array_add (self->fields, NULL);
  gtk_string_list_append (self->field_names, _("Same Text for All"));

  self->fields_loaded = TRUE;
  maybe_show_form (self);
}

/* saving a segment ------------------------------------------------------------ */

typedef struct
{
  WabizCampaignDialog *self;    /* (owned) */
  char                *name;    /* (owned) */
  JsonObject          *filter;  /* (owned) */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_object_unref (data->self);
  g_free (data->name);
  json_object_unref (data->filter);
  g_free (data);
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SaveData *data = user_data;
  WabizCampaignDialog *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *toast = NULL;
  guint position = G_MAXUINT;

  id = wabiz_segment_save_finish (result, &error);
  if (id == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error->message);
      save_data_free (data);
      return;
    }

  /* a segment of that name is replaced */
  for (guint i = 0; i < self->audiences->len; i++)
    {
      Audience *audience = g_ptr_array_index (self->audiences, i);

      if (audience->segment_id != NULL && g_str_equal (audience->segment_id, id))
        {
          g_clear_pointer (&audience->filter, json_object_unref);
          audience->filter = json_object_ref (data->filter);
          position = i;
        }
    }
  if (position == G_MAXUINT)
    {
      add_audience (self, data->name, data->filter, id, FALSE);
      position = self->audiences->len - 1;
    }
  adw_combo_row_set_selected (self->audience_row, position);
  update_audience (self);
  gtk_editable_set_text (GTK_EDITABLE (self->save_row), "");
  set_error (self, NULL);

  /* Translators: %s is the name the user gave a segment of leads */
  toast = g_strdup_printf (_("Saved as “%s”"), data->name);
  wabiz_widget_toast (GTK_WIDGET (self->stack), toast);
  save_data_free (data);
}

static void
save_segment_cb (WabizCampaignDialog *self)
{
  Audience *audience = get_audience (self);
  g_autofree char *name = dup_trimmed (GTK_EDITABLE (self->save_row));
  g_autoptr(WabizSegment) segment = NULL;
  g_autoptr(GError) error = NULL;
  SaveData *data;

  if (audience == NULL)
    return;
  if (*name == '\0' || g_utf8_strlen (name, -1) > 255)
    {
      set_error (self, _("Give the segment a name of 1 to 255 characters."));
      return;
    }
  segment = wabiz_segment_new_from_json (audience->filter, &error);
  if (segment == NULL)
    {
      set_error (self, error->message);
      return;
    }

  data = g_new0 (SaveData, 1);
  data->self = g_object_ref (self);
  data->name = g_steal_pointer (&name);
  data->filter = json_object_ref (audience->filter);
  wabiz_segment_save_async (segment, self->db, data->name, self->cancellable, saved_cb, data);
}

/* starting ------------------------------------------------------------------- */

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WabizCampaignDialog) self = user_data;
  g_autoptr(JsonObject) campaign = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *parent;
  const char *id;

  campaign = wabiz_campaign_create_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (campaign == NULL)
    {
      set_state (self, "form");
      set_error (self, error->message);
      return;
    }

  id = wabiz_campaign_get_string (campaign, "id");
  g_debug ("Campaign %s created", id);
  g_signal_emit (self, signals[SIGNAL_CREATED], 0, id);
  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (parent != NULL)
    wabiz_campaigns_window_present (parent, id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  WabizCampaignDialog *self = WABIZ_CAMPAIGN_DIALOG (widget);
  g_autoptr(WabizCampaignSpec) spec = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (!g_str_equal (self->state, "form"))
    return;

  name = dup_trimmed (GTK_EDITABLE (self->name_row));
  if (*name == '\0')
    {
      set_error (self, _("Give the campaign a name, so that you can find it later."));
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      return;
    }
  spec = build_spec (self, TRUE, &error);
  if (spec == NULL)
    {
      set_error (self, error->message);
      return;
    }
  if (!self->preview_ready)
    {
      set_error (self, _("Wait a moment: the leads are still being counted."));
      return;
    }
  if (self->preview == NULL || wabiz_campaign_get_int (self->preview, "recipients") == 0)
    {
      set_error (self, _("Nobody would receive it: choose other leads, or give the missing values a fallback."));
      return;
    }

  set_error (self, NULL);
  set_state (self, "starting");
  wabiz_campaign_create_async (self->db, spec, self->cancellable, created_cb, g_object_ref (self));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  refresh_templates (WABIZ_CAMPAIGN_DIALOG (widget));
}

static void
open_templates_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  /* from the campaigns window: its main window */
  if (WABIZ_IS_CAMPAIGNS_WINDOW (parent))
    parent = gtk_window_get_transient_for (parent);
  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.pane", "s", "templates");
  gtk_window_destroy (GTK_WINDOW (widget));
}

/* GObject --------------------------------------------------------------------- */

static void
wabiz_campaign_dialog_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  WabizCampaignDialog *self = WABIZ_CAMPAIGN_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;
    case PROP_PREVIEW_READY:
      g_value_set_boolean (value, self->preview_ready);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_campaign_dialog_dispose (GObject *object)
{
  WabizCampaignDialog *self = WABIZ_CAMPAIGN_DIALOG (object);

  g_clear_handle_id (&self->preview_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  if (self->param_rows != NULL)
    clear_param_rows (self);
  if (self->example_rows != NULL)
    clear_examples (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_CAMPAIGN_DIALOG);

  g_clear_object (&self->db);
  g_clear_object (&self->graph);
  g_clear_object (&self->templates);
  g_clear_object (&self->shown);
  g_clear_object (&self->audience_names);
  g_clear_object (&self->field_names);
  g_clear_pointer (&self->preview, json_object_unref);

  G_OBJECT_CLASS (wabiz_campaign_dialog_parent_class)->dispose (object);
}

static void
wabiz_campaign_dialog_finalize (GObject *object)
{
  WabizCampaignDialog *self = WABIZ_CAMPAIGN_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->audiences, g_ptr_array_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->param_rows, g_array_unref);
  g_clear_pointer (&self->example_rows, g_ptr_array_unref);
  g_free (self->search);
  g_free (self->state);
  g_free (self->error);

  G_OBJECT_CLASS (wabiz_campaign_dialog_parent_class)->finalize (object);
}

static void
wabiz_campaign_dialog_class_init (WabizCampaignDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_campaign_dialog_get_property;
  object_class->dispose = wabiz_campaign_dialog_dispose;
  object_class->finalize = wabiz_campaign_dialog_finalize;

  properties[PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * WabizCampaignDialog:preview-ready:
   *
   * Whether the preview shown (or the problem it names) is that of what
   * the form says now.
   */
  properties[PROP_PREVIEW_READY] =
    g_param_spec_boolean ("preview-ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizCampaignDialog::created:
   * @id: the new campaign's id
   *
   * The campaign is written and starts at its time; the dialog closes.
   */
  signals[SIGNAL_CREATED] = g_signal_new ("created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-campaign-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, start_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, form_scroller);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, audience_group);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, audience_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, filter_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, segment_count_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, save_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, template_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, preview_body);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, params_group);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, later_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, later_switch);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, start_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, preview_group);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, preview_spinner);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, recipients_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, opted_out_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, opted_out_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, invalid_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, invalid_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, duplicate_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, duplicate_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, missing_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, missing_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, duration_row);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, duration_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignDialog, examples_row);
  gtk_widget_class_bind_template_callback (widget_class, save_segment_cb);

  gtk_widget_class_install_action (widget_class, "campaign.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "campaign.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "campaign.open-templates", NULL, open_templates_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "campaign.start", NULL);
}

static void
wabiz_campaign_dialog_init (WabizCampaignDialog *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  /* Translators: the name a new campaign gets until the user gives it
   * another; %x is today's date, see the strftime manual */
  g_autofree char *name = g_date_time_format (now, _("Campaign of %x"));

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->audiences = g_ptr_array_new_with_free_func ((GDestroyNotify) audience_free);
  self->audience_names = gtk_string_list_new (NULL);
  self->fields = g_ptr_array_new_with_free_func (g_free);
  self->field_names = gtk_string_list_new (NULL);
  self->param_rows = g_array_new (FALSE, TRUE, sizeof (ParamRows));
  self->example_rows = g_ptr_array_new ();
  self->state = g_strdup ("loading");

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
  wabiz_template_form_set_up_combo (self->template_row);
  g_signal_connect_object (self->template_row, "notify::selected", G_CALLBACK (build_param_rows),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->audience_row, "notify::selected", G_CALLBACK (update_audience),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->later_switch, "notify::active", G_CALLBACK (later_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->start_row, "changed", G_CALLBACK (schedule_preview), self,
                           G_CONNECT_SWAPPED);
  update_actions (self);
}

/**
 * wabiz_campaign_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @services: ready services, whose database it writes the campaign to
 * @filter: (nullable): the leads it goes to, as a segment's JSON form
 * @search: (nullable): a search the leads shown were narrowed by
 */
WabizCampaignDialog *
wabiz_campaign_dialog_new (GtkWindow     *parent,
                           WabizServices *services,
                           JsonObject    *filter,
                           const char    *search)
{
  WabizCampaignDialog *self;
  g_autoptr(JsonObject) every = json_object_new ();

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (WABIZ_IS_SERVICES (services), NULL);
  g_return_val_if_fail (wabiz_services_get_db (services) != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_CAMPAIGN_DIALOG, "transient-for", parent, NULL);
  self->db = g_object_ref (wabiz_services_get_db (services));
  self->graph = wabiz_services_get_graph (services) != NULL ? g_object_ref (wabiz_services_get_graph (services)) : NULL;
  if (search != NULL && *search != '\0')
    self->search = g_strdup (search);

  g_signal_handlers_block_by_func (self->audience_row, update_audience, self);
  if (filter != NULL && json_object_get_size (filter) > 0)
    add_audience (self, _("Chosen in the Leads Pane"), filter, NULL, TRUE);
  add_audience (self, _("Every Lead"), every, NULL, FALSE);
  adw_combo_row_set_model (self->audience_row, G_LIST_MODEL (self->audience_names));
  adw_combo_row_set_selected (self->audience_row, 0);
  g_signal_handlers_unblock_by_func (self->audience_row, update_audience, self);

  wabiz_db_query_async (self->db,
                        "SELECT id::text AS id, name, filter::text AS filter FROM segments"
                        " ORDER BY lower(name), id LIMIT " MAX_SEGMENTS,
                        0, NULL, self->cancellable, segments_cb, g_object_ref (self));
  /* the custom fields of a sample of the leads: a full scan of a large
   * table is not worth a menu */
  wabiz_db_query_async (self->db,
                        "SELECT DISTINCT k FROM (SELECT custom_fields FROM leads"
                        "  WHERE custom_fields <> '{}'::jsonb LIMIT 2000) l,"
                        " jsonb_object_keys(l.custom_fields) k ORDER BY k LIMIT 50",
                        0, NULL, self->cancellable, fields_cb, g_object_ref (self));
  refresh_templates (self);

  return self;
}

WabizCampaignDialog *
wabiz_campaign_dialog_new_for_leads (GtkWindow     *parent,
                                     WabizServices *services,
                                     const char    *status,
                                     const char    *tag,
                                     const char    *search)
{
  g_autoptr(JsonObject) filter = json_object_new ();

  if (status != NULL && *status != '\0')
    {
      JsonArray *statuses = json_array_new ();

      json_array_add_string_element (statuses, status);
      json_object_set_array_member (filter, "status", statuses);
    }
  if (tag != NULL && *tag != '\0')
    {
      JsonArray *tags = json_array_new ();

      json_array_add_string_element (tags, tag);
      json_object_set_array_member (filter, "tags", tags);
    }
  return wabiz_campaign_dialog_new (parent, services, filter, search);
}

const char *
wabiz_campaign_dialog_get_state (WabizCampaignDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_DIALOG (self), NULL);
  return self->state;
}

gboolean
wabiz_campaign_dialog_get_preview_ready (WabizCampaignDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_DIALOG (self), FALSE);
  return self->preview_ready;
}

gboolean
wabiz_campaign_dialog_select_template (WabizCampaignDialog *self,
                                       const char          *name,
                                       const char          *language)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_DIALOG (self), FALSE);
  g_return_val_if_fail (name != NULL && language != NULL, FALSE);

  return wabiz_template_form_select (self->template_row, name, language);
}

gboolean
wabiz_campaign_dialog_select_audience (WabizCampaignDialog *self,
                                       const char          *label)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_DIALOG (self), FALSE);
  g_return_val_if_fail (label != NULL, FALSE);

  for (guint i = 0; i < self->audiences->len; i++)
    {
      Audience *audience = g_ptr_array_index (self->audiences, i);

      if (g_str_equal (audience->label, label))
        {
          adw_combo_row_set_selected (self->audience_row, i);
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
wabiz_campaign_dialog_set_parameter (WabizCampaignDialog *self,
                                     guint                index,
                                     const char          *field,
                                     const char          *text)
{
  ParamRows *rows;

  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_DIALOG (self), FALSE);

  if (index >= self->param_rows->len)
    return FALSE;
  rows = &g_array_index (self->param_rows, ParamRows, index);
  for (guint i = 0; i < self->fields->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->fields, i), field) == 0)
      {
        adw_combo_row_set_selected (rows->field_row, i);
        gtk_editable_set_text (GTK_EDITABLE (rows->text_row), text != NULL ? text : "");
        return TRUE;
      }
  return FALSE;
}

const char *
wabiz_campaign_dialog_get_error (WabizCampaignDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_DIALOG (self), NULL);
  return self->error;
}
