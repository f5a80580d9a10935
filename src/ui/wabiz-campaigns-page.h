/* wabiz-campaigns-page.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-pane.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CAMPAIGNS_PAGE (wabiz_campaigns_page_get_type ())
G_DECLARE_FINAL_TYPE (WabizCampaignsPage, wabiz_campaigns_page, WABIZ, CAMPAIGNS_PAGE, WabizPane)

GtkWidget  *wabiz_campaigns_page_new                 (void);
/* Shows the campaign @id (loaded when it is not yet) */
void        wabiz_campaigns_page_open                (WabizCampaignsPage *self,
                                                      const char         *id);
/* (nullable): the id of the campaign shown */
const char *wabiz_campaigns_page_get_campaign_id     (WabizCampaignsPage *self);
/* The campaign shown as last read, or NULL: see wabiz_campaign_get_async() */
JsonObject *wabiz_campaigns_page_get_campaign        (WabizCampaignsPage *self);
/* How many recipients a page of results shows (50) */
guint       wabiz_campaigns_page_get_results_page_size (WabizCampaignsPage *self);
void        wabiz_campaigns_page_set_results_page_size (WabizCampaignsPage *self,
                                                        guint               page_size);
/* The offset of the page of results shown */
guint       wabiz_campaigns_page_get_results_offset  (WabizCampaignsPage *self);

G_END_DECLS
