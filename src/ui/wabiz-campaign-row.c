/* wabiz-campaign-row.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A campaign in the list of the campaigns page: its name, its state in
 * words (and in colour), and how far it got.
 */

#define G_LOG_DOMAIN "wabiz-campaign-row"

#include "config.h"

#include "wabiz-campaign-format.h"
#include "wabiz-campaign-row.h"

#include <glib/gi18n.h>

struct _WabizCampaignRow
{
  GtkListBoxRow   parent_instance;

  JsonObject     *campaign;      /* (owned) (nullable) */

  /* template children */
  GtkLabel       *name_label;
  GtkLabel       *state_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *detail_label;
};

G_DEFINE_FINAL_TYPE (WabizCampaignRow, wabiz_campaign_row, GTK_TYPE_LIST_BOX_ROW)

static const char * const state_classes[] = { "accent", "success", "warning", "dim-label", NULL };

static const char *
state_class (const char *state)
{
  if (g_strcmp0 (state, "running") == 0 || g_strcmp0 (state, "scheduled") == 0)
    return "accent";
  if (g_strcmp0 (state, "done") == 0)
    return "success";
  if (g_strcmp0 (state, "paused") == 0)
    return "warning";
  return "dim-label";
}

static void
update (WabizCampaignRow *self)
{
  JsonObject *campaign = self->campaign;
  const char *state = wabiz_campaign_get_string (campaign, "state");
  g_autofree char *progress = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *accessible = NULL;

  if (campaign == NULL)
    return;

  gtk_label_set_text (self->name_label, wabiz_campaign_get_string (campaign, "name"));
  gtk_label_set_text (self->state_label, wabiz_campaign_format_state (state));
  for (guint i = 0; state_classes[i] != NULL; i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), state_classes[i]);
  gtk_widget_add_css_class (GTK_WIDGET (self->state_label), state_class (state));

  gtk_progress_bar_set_fraction (self->progress_bar, wabiz_campaign_get_fraction (campaign));
  progress = wabiz_campaign_format_progress (campaign);
  if (g_strcmp0 (state, "scheduled") == 0 && wabiz_campaign_get_string (campaign, "start_at") != NULL)
    {
      g_autofree char *when = wabiz_campaign_format_time (wabiz_campaign_get_string (campaign, "start_at"));

      /* Translators: a scheduled campaign; %s is a date and time */
      detail = g_strdup_printf (_("Starts %s"), when);
    }
  else
    detail = g_steal_pointer (&progress);
  gtk_label_set_text (self->detail_label, detail);

  /* Translators: what a screen reader says of a campaign in the list:
   * its name, its state and its progress */
  accessible = g_strdup_printf (_("%s, %s, %s"), wabiz_campaign_get_string (campaign, "name"),
                                wabiz_campaign_format_state (state), detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
wabiz_campaign_row_finalize (GObject *object)
{
  WabizCampaignRow *self = WABIZ_CAMPAIGN_ROW (object);

  g_clear_pointer (&self->campaign, json_object_unref);

  G_OBJECT_CLASS (wabiz_campaign_row_parent_class)->finalize (object);
}

static void
wabiz_campaign_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), WABIZ_TYPE_CAMPAIGN_ROW);

  G_OBJECT_CLASS (wabiz_campaign_row_parent_class)->dispose (object);
}

static void
wabiz_campaign_row_class_init (WabizCampaignRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_campaign_row_dispose;
  object_class->finalize = wabiz_campaign_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-campaign-row.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, WabizCampaignRow, detail_label);
}

static void
wabiz_campaign_row_init (WabizCampaignRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wabiz_campaign_row_new (JsonObject *campaign)
{
  WabizCampaignRow *self = g_object_new (WABIZ_TYPE_CAMPAIGN_ROW, NULL);

  wabiz_campaign_row_set_campaign (self, campaign);
  return GTK_WIDGET (self);
}

JsonObject *
wabiz_campaign_row_get_campaign (WabizCampaignRow *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_ROW (self), NULL);

  return self->campaign;
}

void
wabiz_campaign_row_set_campaign (WabizCampaignRow *self,
                                 JsonObject       *campaign)
{
  g_return_if_fail (WABIZ_IS_CAMPAIGN_ROW (self));

  if (campaign != NULL)
    json_object_ref (campaign);
  g_clear_pointer (&self->campaign, json_object_unref);
  self->campaign = campaign;
  update (self);
}

const char *
wabiz_campaign_row_get_id (WabizCampaignRow *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGN_ROW (self), NULL);

  return wabiz_campaign_get_string (self->campaign, "id");
}
