/* wabiz-campaign-result-row.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_CAMPAIGN_RESULT_ROW (wabiz_campaign_result_row_get_type ())
G_DECLARE_FINAL_TYPE (WabizCampaignResultRow, wabiz_campaign_result_row, WABIZ, CAMPAIGN_RESULT_ROW, AdwActionRow)

GtkWidget  *wabiz_campaign_result_row_new           (void);
/* One of a campaign's "recipient_results" (wabiz_campaign_get_async()) */
void        wabiz_campaign_result_row_set_recipient (WabizCampaignResultRow *self,
                                                     JsonObject             *recipient);
JsonObject *wabiz_campaign_result_row_get_recipient (WabizCampaignResultRow *self);

G_END_DECLS
