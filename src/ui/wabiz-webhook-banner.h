/* wabiz-webhook-banner.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-services.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_WEBHOOK_BANNER (wabiz_webhook_banner_get_type ())
G_DECLARE_FINAL_TYPE (WabizWebhookBanner, wabiz_webhook_banner, WABIZ, WEBHOOK_BANNER, AdwBin)

GtkWidget     *wabiz_webhook_banner_new              (void);
WabizServices *wabiz_webhook_banner_get_services     (WabizWebhookBanner *self);
void           wabiz_webhook_banner_set_services     (WabizWebhookBanner *self,
                                                      WabizServices      *services);
/* Looks again now (it also looks when an event arrives, and every minute) */
void           wabiz_webhook_banner_refresh          (WabizWebhookBanner *self);
/* (nullable): the warning shown, or NULL while hidden: deliveries from
 * Meta kept aside for another phone number id, else Meta's silence */
const char    *wabiz_webhook_banner_get_message      (WabizWebhookBanner *self);
/* Unix seconds of the last webhook event from any receiver; 0: none yet
 * (or not looked yet) */
gint64         wabiz_webhook_banner_get_last_event   (WabizWebhookBanner *self);
/* How many looks have been answered, for tests */
guint          wabiz_webhook_banner_get_n_checks     (WabizWebhookBanner *self);

G_END_DECLS
