/* wabiz-campaign-result-row.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One recipient of a campaign on its page: the number, what came of the
 * message (sent, delivered, read, failed…) and, when it failed or the
 * lead was left out, why.
 */

#define G_LOG_DOMAIN "wabiz-campaign-result-row"

#include "config.h"

#include "wabiz-campaign-format.h"
#include "wabiz-campaign-result-row.h"
#include "wabiz-phone.h"

#include <glib/gi18n.h>
#include <inttypes.h>

struct _WabizCampaignResultRow
{
  AdwActionRow  parent_instance;

  JsonObject   *recipient;    /* (owned) (nullable) */

  /* template children */
  GtkLabel     *result_label;
};

G_DEFINE_FINAL_TYPE (WabizCampaignResultRow, wabiz_campaign_result_row, ADW_TYPE_ACTION_ROW)

static const char * const result_classes[] = { "success", "error", "dim-label", NULL };

static const char *
result_class (const char *result)
{
  if (g_strcmp0 (result, "read") == 0 || g_strcmp0 (result, "delivered") == 0)
    return "success";
  if (g_strcmp0 (result, "failed") == 0)
    return "error";
  if (g_strcmp0 (result, "excluded") == 0 || g_strcmp0 (result, "cancelled") == 0)
    return "dim-label";
  return NULL;
}

/* Why, for a lead left out or a message that failed; NULL otherwise */
static char *
dup_why (JsonObject *recipient)
{
  const char *result = wabiz_campaign_get_string (recipient, "result");
  const char *reason = wabiz_campaign_get_string (recipient, "reason");
  const char *detail = wabiz_campaign_get_string (recipient, "detail");

  if (g_strcmp0 (result, "excluded") == 0)
    {
      const char *words = wabiz_campaign_format_reason (reason);

      if (g_strcmp0 (reason, "missing_parameter") == 0 && detail != NULL)
        return g_strdup (detail);
      if (g_strcmp0 (reason, "already_received") == 0 && detail != NULL)
        {
          g_autofree char *other = wabiz_phone_format_display (detail);

          /* Translators: a lead left out of a campaign; %s is the number of the lead that gets it */
          return g_strdup_printf (_("The same number as %s, which gets it"), other != NULL ? other : detail);
        }
      return g_strdup (words != NULL ? words : reason);
    }
  if (g_strcmp0 (result, "failed") == 0 || g_strcmp0 (result, "unknown") == 0)
    {
      gint64 code = wabiz_campaign_get_int (recipient, "error_code");

      if (reason != NULL && code != 0)
        /* Translators: why Meta refused a message: its words and its error code */
        return g_strdup_printf (_("%s (error %" PRId64 ")"), reason, (int64_t) code);
      if (reason != NULL)
        return g_strdup (reason);
      return g_strdup (g_strcmp0 (result, "unknown") == 0
                       ? _("It was being sent when WaBiz stopped; Meta may or may not have it")
                       : _("Meta gave no reason"));
    }
  return NULL;
}

static void
update (WabizCampaignResultRow *self)
{
  JsonObject *recipient = self->recipient;
  const char *phone = wabiz_campaign_get_string (recipient, "phone");
  const char *result = wabiz_campaign_get_string (recipient, "result");
  g_autofree char *display = phone != NULL ? wabiz_phone_format_display (phone) : NULL;
  g_autofree char *why = recipient != NULL ? dup_why (recipient) : NULL;
  const char *klass = result_class (result);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), display != NULL ? display : (phone ? phone : ""));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), why);
  gtk_label_set_text (self->result_label, wabiz_campaign_format_result (result));
  for (guint i = 0; result_classes[i] != NULL; i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->result_label), result_classes[i]);
  if (klass != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->result_label), klass);
}

static void
wabiz_campaign_result_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), WABIZ_TYPE_CAMPAIGN_RESULT_ROW);

  G_OBJECT_CLASS (wabiz_campaign_result_row_parent_class)->dispose (object);
}

static void
wabiz_campaign_result_row_finalize (GObject *object)
{
  WabizCampaignResultRow *self = WABIZ_CAMPAIGN_RESULT_ROW (object);

  g_clear_pointer (&self->recipient, json_object_unref);

  G_OBJECT_CLASS (wabiz_campaign_result_row_parent_class)->finalize (object);
}

static void
wabiz_campaign_result_row_class_init (WabizCampaignResultRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_campaign_result_row_dispose;
  object_class->finalize = wabiz_campaign_result_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-campaign-result-row.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignResultRow, result_label);
}

static void
wabiz_campaign_result_row_init (WabizCampaignResultRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wabiz_campaign_result_row_new (void)
{
  return g_object_new (WABIZ_TYPE_CAMPAIGN_RESULT_ROW, NULL);
}

void
wabiz_campaign_result_row_set_recipient (WabizCampaignResultRow *self,
                                         JsonObject             *recipient)
{
  g_return_if_fail (WABIZ_IS_CAMPAIGN_RESULT_ROW (self));

  if (recipient != NULL)
    json_object_ref (recipient);
  g_clear_pointer (&self->recipient, json_object_unref);
  self->recipient = recipient;
  update (self);
}

JsonObject *
wabiz_campaign_result_row_get_recipient (WabizCampaignResultRow *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_RESULT_ROW (self), NULL);

  return self->recipient;
}
