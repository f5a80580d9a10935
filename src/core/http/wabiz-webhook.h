/* wabiz-webhook.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <libsoup/soup.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

/* Meta sends up to 1,000 updates in one delivery; a few MiB is plenty. */
#define WABIZ_WEBHOOK_DEFAULT_MAX_BODY (4 * 1024 * 1024)

#define WABIZ_TYPE_WEBHOOK (wabiz_webhook_get_type ())
G_DECLARE_FINAL_TYPE (WabizWebhook, wabiz_webhook, WABIZ, WEBHOOK, GObject)

WabizWebhook *wabiz_webhook_new               (WabizDb      *db,
                                               const char   *app_secret,
                                               const char   *verify_token);
void          wabiz_webhook_set_max_body_size (WabizWebhook *self,
                                               gsize         max_body_size);
gsize         wabiz_webhook_get_max_body_size (WabizWebhook *self);
/* Handles GET and POST /webhook on @server. */
void          wabiz_webhook_attach            (WabizWebhook *self,
                                               SoupServer   *server);
/* Deliveries answered 200 (durably stored) so far. */
guint64       wabiz_webhook_get_n_accepted    (WabizWebhook *self);
/* Deliveries waiting for their commit. */
guint         wabiz_webhook_get_n_pending     (WabizWebhook *self);

G_END_DECLS
