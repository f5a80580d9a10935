/* wabiz-campaigns-window.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-campaigns-page.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CAMPAIGNS_WINDOW (wabiz_campaigns_window_get_type ())
G_DECLARE_FINAL_TYPE (WabizCampaignsWindow, wabiz_campaigns_window, WABIZ, CAMPAIGNS_WINDOW, AdwWindow)

/* Shows the campaigns of the main window @from (or of the campaigns
 * window @from is), opened on the campaign @campaign_id (nullable). */
WabizCampaignsWindow *wabiz_campaigns_window_present  (GtkWindow            *from,
                                                       const char           *campaign_id);
WabizCampaignsPage   *wabiz_campaigns_window_get_page (WabizCampaignsWindow *self);

G_END_DECLS
