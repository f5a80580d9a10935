/* wabiz-services.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-ai-jobs.h"
#include "wabiz-campaign-runner.h"
#include "wabiz-config.h"
#include "wabiz-db-listener.h"
#include "wabiz-db.h"
#include "wabiz-graph-client.h"
#include "wabiz-http-server.h"
#include "wabiz-media-fetcher.h"
#include "wabiz-opt-out.h"
#include "wabiz-outbox.h"
#include "wabiz-rest-api.h"
#include "wabiz-scheduler.h"
#include "wabiz-webhook-processor.h"
#include "wabiz-webhook.h"

G_BEGIN_DECLS

/**
 * WabizServicesState:
 * @WABIZ_SERVICES_STATE_STOPPED: not started, or stopped
 * @WABIZ_SERVICES_STATE_STARTING: opening the database, migrating, starting
 * @WABIZ_SERVICES_STATE_READY: the database can be used and every service
 *   asked for runs
 * @WABIZ_SERVICES_STATE_FAILED: the database could not be opened; the
 *   error says why and what to do
 * @WABIZ_SERVICES_STATE_STOPPING: draining, in order
 */
typedef enum
{
  WABIZ_SERVICES_STATE_STOPPED,
  WABIZ_SERVICES_STATE_STARTING,
  WABIZ_SERVICES_STATE_READY,
  WABIZ_SERVICES_STATE_FAILED,
  WABIZ_SERVICES_STATE_STOPPING,
} WabizServicesState;

/**
 * WabizServicesFlags:
 * @WABIZ_SERVICES_SEND: be the database's sender of the outbox (the
 *   outbox can always queue)
 * @WABIZ_SERVICES_PROCESS: run the webhook processor
 * @WABIZ_SERVICES_LISTEN: serve the webhook and the REST API over HTTP
 * @WABIZ_SERVICES_NOTIFY: keep a LISTEN connection: live updates for
 *   views, and the processor woken by events other receivers store
 */
typedef enum
{
  WABIZ_SERVICES_NONE    = 0,
  WABIZ_SERVICES_SEND    = 1 << 0,
  WABIZ_SERVICES_PROCESS = 1 << 1,
  WABIZ_SERVICES_LISTEN  = 1 << 2,
  WABIZ_SERVICES_NOTIFY  = 1 << 3,
} WabizServicesFlags;

GType wabiz_services_state_get_type (void);
#define WABIZ_TYPE_SERVICES_STATE (wabiz_services_state_get_type ())

#define WABIZ_TYPE_SERVICES (wabiz_services_get_type ())
G_DECLARE_FINAL_TYPE (WabizServices, wabiz_services, WABIZ, SERVICES, GObject)

WabizServices         *wabiz_services_new                (const WabizConfig    *config,
                                                          WabizServicesFlags    flags);
void                   wabiz_services_set_database       (WabizServices        *self,
                                                          const char           *password,
                                                          const char           *embedded_dbname,
                                                          guint                 pool_size);
void                   wabiz_services_start_async        (WabizServices        *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean               wabiz_services_start_finish       (WabizServices        *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);
void                   wabiz_services_stop_async         (WabizServices        *self,
                                                          guint                 deadline_s,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean               wabiz_services_stop_finish        (WabizServices        *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);

WabizServicesState     wabiz_services_get_state          (WabizServices        *self);
const char            *wabiz_services_get_error          (WabizServices        *self);
WabizServicesFlags     wabiz_services_get_flags          (WabizServices        *self);
gboolean               wabiz_services_get_embedded       (WabizServices        *self);
WabizDb               *wabiz_services_get_db             (WabizServices        *self);
WabizDbListener       *wabiz_services_get_listener       (WabizServices        *self);
WabizGraphClient      *wabiz_services_get_graph          (WabizServices        *self);
WabizOutbox           *wabiz_services_get_outbox         (WabizServices        *self);
WabizWebhookProcessor *wabiz_services_get_processor      (WabizServices        *self);
WabizMediaFetcher     *wabiz_services_get_media_fetcher  (WabizServices        *self);
WabizAiJobs           *wabiz_services_get_ai_jobs        (WabizServices        *self);
WabizGeminiClient     *wabiz_services_get_gemini         (WabizServices        *self);
WabizCampaignRunner   *wabiz_services_get_campaign_runner (WabizServices       *self);
WabizScheduler        *wabiz_services_get_scheduler      (WabizServices        *self);
WabizOptOut           *wabiz_services_get_opt_out        (WabizServices        *self);
WabizWebhook          *wabiz_services_get_webhook        (WabizServices        *self);
WabizRestApi          *wabiz_services_get_rest           (WabizServices        *self);
WabizHttpServer       *wabiz_services_get_http           (WabizServices        *self);
const char            *wabiz_services_get_listen_error   (WabizServices        *self);

G_END_DECLS
