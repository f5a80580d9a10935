/* wabiz-campaign-dialog.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "wabiz-services.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CAMPAIGN_DIALOG (wabiz_campaign_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WabizCampaignDialog, wabiz_campaign_dialog, WABIZ, CAMPAIGN_DIALOG, AdwWindow)

/* A new campaign to the leads of @filter (a segment's JSON form, see
 * wabiz_segment_new_from_json(); NULL: choose every lead or a saved
 * segment). @search: a search that narrowed the leads shown, which a
 * campaign does not use (the dialog says so). */
WabizCampaignDialog *wabiz_campaign_dialog_new             (GtkWindow           *parent,
                                                            WabizServices       *services,
                                                            JsonObject          *filter,
                                                            const char          *search);
/* The same, for the Leads pane's filter: a status and a tag (nullable) */
WabizCampaignDialog *wabiz_campaign_dialog_new_for_leads   (GtkWindow           *parent,
                                                            WabizServices       *services,
                                                            const char          *status,
                                                            const char          *tag,
                                                            const char          *search);
/* "loading", "empty", "form", "starting" */
const char          *wabiz_campaign_dialog_get_state       (WabizCampaignDialog *self);
/* Whether the preview shown is that of what the form says now */
gboolean             wabiz_campaign_dialog_get_preview_ready (WabizCampaignDialog *self);
/* Chooses, as the user does in the combo rows; FALSE if not offered */
gboolean             wabiz_campaign_dialog_select_template (WabizCampaignDialog *self,
                                                            const char          *name,
                                                            const char          *language);
gboolean             wabiz_campaign_dialog_select_audience (WabizCampaignDialog *self,
                                                            const char          *label);
/* {{@index + 1}} from the lead's @field ("name", "custom.city"…) with
 * the fallback @text, or (@field NULL) @text for everyone */
gboolean             wabiz_campaign_dialog_set_parameter   (WabizCampaignDialog *self,
                                                            guint                index,
                                                            const char          *field,
                                                            const char          *text);
/* What keeps it from starting, or NULL */
const char          *wabiz_campaign_dialog_get_error       (WabizCampaignDialog *self);

G_END_DECLS
