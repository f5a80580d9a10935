/* wabiz-template-row.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One template in the Templates pane's list: its name, language and
 * category, Meta's review status as a pill (with Meta's reason under
 * the name when it was rejected) and its quality rating. Also the words
 * the app uses for statuses, categories, qualities and languages.
 */

#define G_LOG_DOMAIN "wabiz-template-row"

#include "config.h"

#include "wabiz-template-row.h"

#include <glib/gi18n.h>

struct _WabizTemplateRow
{
  GtkWidget      parent_instance;

  WabizTemplate *template;   /* (owned) (nullable) */

  /* template children */
  GtkWidget     *box;
  GtkLabel      *name_label;
  GtkLabel      *detail_label;
  GtkLabel      *reason_label;
  GtkLabel      *status_label;
  GtkLabel      *quality_label;
};

G_DEFINE_FINAL_TYPE (WabizTemplateRow, wabiz_template_row, GTK_TYPE_WIDGET)

static const struct
{
  const char *code;
  const char *label;
} languages[] = {
  { "en_US", N_("English (US)") },
  { "en_GB", N_("English (UK)") },
  { "en", N_("English") },
  { "pt_BR", N_("Portuguese (Brazil)") },
  { "pt_PT", N_("Portuguese (Portugal)") },
  { "es", N_("Spanish") },
  { "es_MX", N_("Spanish (Mexico)") },
  { "es_ES", N_("Spanish (Spain)") },
  { "fr", N_("French") },
  { "de", N_("German") },
  { "it", N_("Italian") },
  { "nl", N_("Dutch") },
  { "hi", N_("Hindi") },
  { "id", N_("Indonesian") },
  { "ar", N_("Arabic") },
  { "tr", N_("Turkish") },
};

const char *
wabiz_template_status_to_label (const char *status)
{
  if (g_strcmp0 (status, "APPROVED") == 0)
    return C_("template status", "Approved");
  if (g_strcmp0 (status, "PENDING") == 0 || g_strcmp0 (status, "IN_APPEAL") == 0)
    return C_("template status", "In Review");
  if (g_strcmp0 (status, "REJECTED") == 0)
    return C_("template status", "Rejected");
  if (g_strcmp0 (status, "PAUSED") == 0)
    return C_("template status", "Paused");
  if (g_strcmp0 (status, "DISABLED") == 0)
    return C_("template status", "Disabled");
  if (g_strcmp0 (status, "PENDING_DELETION") == 0 || g_strcmp0 (status, "DELETED") == 0)
    return C_("template status", "Deleted");
  if (g_strcmp0 (status, "LIMIT_EXCEEDED") == 0)
    return C_("template status", "Over the Limit");
  if (g_strcmp0 (status, "ARCHIVED") == 0)
    return C_("template status", "Archived");
  return status != NULL ? status : "";
}

const char *
wabiz_template_category_to_label (const char *category)
{
  if (g_strcmp0 (category, "MARKETING") == 0)
    return C_("template category", "Marketing");
  if (g_strcmp0 (category, "UTILITY") == 0)
    return C_("template category", "Utility");
  if (g_strcmp0 (category, "AUTHENTICATION") == 0)
    return C_("template category", "Authentication");
  return category != NULL ? category : "";
}

const char *
wabiz_template_quality_to_label (const char *quality)
{
  if (g_strcmp0 (quality, "GREEN") == 0)
    return C_("template quality", "High Quality");
  if (g_strcmp0 (quality, "YELLOW") == 0)
    return C_("template quality", "Medium Quality");
  if (g_strcmp0 (quality, "RED") == 0)
    return C_("template quality", "Low Quality");
  return C_("template quality", "Quality Not Rated Yet");
}

const char *
wabiz_template_language_to_label (const char *code)
{
  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    if (g_strcmp0 (languages[i].code, code) == 0)
      return _(languages[i].label);
  return code != NULL ? code : "";
}

const char * const *
wabiz_template_get_languages (void)
{
  static const char *codes[G_N_ELEMENTS (languages) + 1];

  if (codes[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
      codes[i] = languages[i].code;
  return codes;
}

static const char *
status_class (const char *status)
{
  if (g_strcmp0 (status, "APPROVED") == 0)
    return "approved";
  if (g_strcmp0 (status, "PENDING") == 0 || g_strcmp0 (status, "IN_APPEAL") == 0)
    return "pending";
  if (g_strcmp0 (status, "REJECTED") == 0)
    return "rejected";
  if (g_strcmp0 (status, "PAUSED") == 0)
    return "paused";
  if (g_strcmp0 (status, "DISABLED") == 0)
    return "disabled";
  return "other";
}

static void
update (WabizTemplateRow *self)
{
  static const char * const classes[] = { "approved", "pending", "rejected", "paused", "disabled", "other" };
  static const char * const qualities[] = { "green", "yellow", "red" };
  WabizTemplate *t = self->template;
  g_autofree char *detail = NULL;
  g_autofree char *quality_class = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *accessible = NULL;
  const char *quality;
  const char *status;

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), classes[i]);
  for (guint i = 0; i < G_N_ELEMENTS (qualities); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->quality_label), qualities[i]);

  if (t == NULL)
    {
      gtk_label_set_text (self->name_label, "");
      gtk_label_set_text (self->detail_label, "");
      gtk_label_set_text (self->status_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->reason_label), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->quality_label), FALSE);
      return;
    }

  status = wabiz_template_get_status (t);
  gtk_label_set_text (self->name_label, wabiz_template_get_name (t));
  /* Translators: a template's language and category, e.g. “English (US) · Utility” */
  detail = g_strdup_printf (_("%s · %s"), wabiz_template_language_to_label (wabiz_template_get_language (t)),
                            wabiz_template_category_to_label (wabiz_template_get_category (t)));
  gtk_label_set_text (self->detail_label, detail);
  gtk_label_set_text (self->status_label, wabiz_template_status_to_label (status));
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), status_class (status));

  if (g_strcmp0 (status, "REJECTED") == 0)
    {
      g_autofree char *described = wabiz_template_describe_reason (wabiz_template_get_rejected_reason (t), NULL);

      reason = described != NULL ? g_steal_pointer (&described)
                                 : g_strdup (_("Meta gave no reason: open it to change it and submit again."));
    }
  gtk_label_set_text (self->reason_label, reason != NULL ? reason : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->reason_label), reason);
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label), reason != NULL);

  quality = wabiz_template_get_quality (t);
  if (g_strcmp0 (status, "APPROVED") == 0 || g_strcmp0 (status, "PAUSED") == 0)
    {
      /* Translators: a dot before the quality, e.g. “● High Quality” */
      g_autofree char *text = g_strdup_printf (_("● %s"), wabiz_template_quality_to_label (quality));

      gtk_label_set_text (self->quality_label, text);
      if (quality != NULL)
        {
          quality_class = g_ascii_strdown (quality, -1);
          gtk_widget_add_css_class (GTK_WIDGET (self->quality_label), quality_class);
        }
      gtk_widget_set_visible (GTK_WIDGET (self->quality_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->quality_label), FALSE);

  /* Translators: what a screen reader says of a template in the list:
   * its name, language and category, status */
  accessible = g_strdup_printf (_("%s, %s, %s"), wabiz_template_get_name (t), detail,
                                wabiz_template_status_to_label (status));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
wabiz_template_row_dispose (GObject *object)
{
  WabizTemplateRow *self = WABIZ_TEMPLATE_ROW (object);

  g_clear_object (&self->template);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_TEMPLATE_ROW);

  G_OBJECT_CLASS (wabiz_template_row_parent_class)->dispose (object);
}

static void
wabiz_template_row_class_init (WabizTemplateRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_template_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-template-row.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateRow, box);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateRow, reason_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplateRow, quality_label);
}

static void
wabiz_template_row_init (WabizTemplateRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wabiz_template_row_new (void)
{
  return g_object_new (WABIZ_TYPE_TEMPLATE_ROW, NULL);
}

WabizTemplate *
wabiz_template_row_get_template (WabizTemplateRow *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_ROW (self), NULL);
  return self->template;
}

void
wabiz_template_row_set_template (WabizTemplateRow *self,
                                 WabizTemplate    *template)
{
  g_return_if_fail (WABIZ_IS_TEMPLATE_ROW (self));
  g_return_if_fail (!template || WABIZ_IS_TEMPLATE (template));

  g_set_object (&self->template, template);
  update (self);
}
