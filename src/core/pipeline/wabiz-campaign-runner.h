/* wabiz-campaign-runner.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-outbox.h"
#include "wabiz-worker.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CAMPAIGN_RUNNER (wabiz_campaign_runner_get_type ())
G_DECLARE_FINAL_TYPE (WabizCampaignRunner, wabiz_campaign_runner, WABIZ, CAMPAIGN_RUNNER, WabizWorker)

WabizCampaignRunner *wabiz_campaign_runner_new         (WabizDb              *db,
                                                        WabizOutbox          *outbox);
/* Starts due campaigns and queues their recipients at their rate and
 * within the messaging tier, until stopped; woken by changes
 * (wabiz_campaign_runner_wake()) and every few seconds. */
void                 wabiz_campaign_runner_start       (WabizCampaignRunner  *self);
/* A campaign changed (NOTIFY changed::campaigns): look now. */
void                 wabiz_campaign_runner_wake        (WabizCampaignRunner  *self);
/* Queues nothing more; the recipients being queued are finished. */
void                 wabiz_campaign_runner_stop_async  (WabizCampaignRunner  *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean             wabiz_campaign_runner_stop_finish (WabizCampaignRunner  *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

G_END_DECLS
