/* wabiz-campaign-row.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_CAMPAIGN_ROW (wabiz_campaign_row_get_type ())
G_DECLARE_FINAL_TYPE (WabizCampaignRow, wabiz_campaign_row, WABIZ, CAMPAIGN_ROW, GtkListBoxRow)

GtkWidget  *wabiz_campaign_row_new          (JsonObject       *campaign);
/* (nullable) as wabiz_campaign_list_async() gives it */
JsonObject *wabiz_campaign_row_get_campaign (WabizCampaignRow *self);
void        wabiz_campaign_row_set_campaign (WabizCampaignRow *self,
                                             JsonObject       *campaign);
const char *wabiz_campaign_row_get_id       (WabizCampaignRow *self);

G_END_DECLS
