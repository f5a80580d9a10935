/* wabiz-sim-webhooks.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_SIM_WEBHOOKS (wabiz_sim_webhooks_get_type ())

G_DECLARE_FINAL_TYPE (WabizSimWebhooks, wabiz_sim_webhooks, WABIZ, SIM_WEBHOOKS, GObject)

WabizSimWebhooks *wabiz_sim_webhooks_new                    (void);

const char       *wabiz_sim_webhooks_get_url                (WabizSimWebhooks *self);
void              wabiz_sim_webhooks_set_url                (WabizSimWebhooks *self,
                                                             const char       *url);
void              wabiz_sim_webhooks_set_app_secret         (WabizSimWebhooks *self,
                                                             const char       *app_secret);
guint             wabiz_sim_webhooks_get_max_attempts       (WabizSimWebhooks *self);
void              wabiz_sim_webhooks_set_max_attempts       (WabizSimWebhooks *self,
                                                             guint             max_attempts);
guint             wabiz_sim_webhooks_get_initial_backoff_ms (WabizSimWebhooks *self);
void              wabiz_sim_webhooks_set_initial_backoff_ms (WabizSimWebhooks *self,
                                                             guint             initial_backoff_ms);
guint             wabiz_sim_webhooks_get_max_backoff_ms     (WabizSimWebhooks *self);
void              wabiz_sim_webhooks_set_max_backoff_ms     (WabizSimWebhooks *self,
                                                             guint             max_backoff_ms);
guint             wabiz_sim_webhooks_get_concurrency        (WabizSimWebhooks *self);
void              wabiz_sim_webhooks_set_concurrency        (WabizSimWebhooks *self,
                                                             guint             concurrency);
guint             wabiz_sim_webhooks_get_timeout            (WabizSimWebhooks *self);
void              wabiz_sim_webhooks_set_timeout            (WabizSimWebhooks *self,
                                                             guint             timeout_s);
guint             wabiz_sim_webhooks_get_pending            (WabizSimWebhooks *self);

void              wabiz_sim_webhooks_enqueue                (WabizSimWebhooks *self,
                                                             GBytes           *body,
                                                             guint             delay_ms);
JsonObject       *wabiz_sim_webhooks_dup_stats              (WabizSimWebhooks *self);
void              wabiz_sim_webhooks_reset_stats            (WabizSimWebhooks *self);
void              wabiz_sim_webhooks_cancel_all             (WabizSimWebhooks *self);

G_END_DECLS
