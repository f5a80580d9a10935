/* wabiz-webhook-processor.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_WEBHOOK_PROCESSOR (wabiz_webhook_processor_get_type ())
G_DECLARE_FINAL_TYPE (WabizWebhookProcessor, wabiz_webhook_processor, WABIZ, WEBHOOK_PROCESSOR, GObject)

/* @phone_number_id: (nullable): only changes for this number become
 * rows (the others stay in webhook_events); %NULL takes every number. */
WabizWebhookProcessor *wabiz_webhook_processor_new            (WabizDb               *db,
                                                               const char            *phone_number_id);
/* Catches up on pending events now, then whenever woken (and every
 * poll interval, for events other receivers insert). */
void                   wabiz_webhook_processor_start          (WabizWebhookProcessor *self);
void                   wabiz_webhook_processor_wake           (WabizWebhookProcessor *self);
void                   wabiz_webhook_processor_set_poll_interval (WabizWebhookProcessor *self,
                                                               guint                  seconds);
/* Processes until no pending event is left (failed ones stay for
 * reprocess); returns how many it processed in that time. */
void                   wabiz_webhook_processor_run_async      (WabizWebhookProcessor *self,
                                                               GCancellable          *cancellable,
                                                               GAsyncReadyCallback    callback,
                                                               gpointer               user_data);
guint                  wabiz_webhook_processor_run_finish     (WabizWebhookProcessor *self,
                                                               GAsyncResult          *result,
                                                               GError               **error);
/* Tries every failed event again (after an upgrade of the parser);
 * @n_failed: (out) (optional): how many still fail. */
void                   wabiz_webhook_processor_reprocess_async  (WabizWebhookProcessor *self,
                                                               GCancellable          *cancellable,
                                                               GAsyncReadyCallback    callback,
                                                               gpointer               user_data);
guint                  wabiz_webhook_processor_reprocess_finish (WabizWebhookProcessor *self,
                                                               GAsyncResult          *result,
                                                               guint                 *n_failed,
                                                               GError               **error);
/* Stops waking and waits for the batch in flight. */
void                   wabiz_webhook_processor_stop_async     (WabizWebhookProcessor *self,
                                                               GCancellable          *cancellable,
                                                               GAsyncReadyCallback    callback,
                                                               gpointer               user_data);
gboolean               wabiz_webhook_processor_stop_finish    (WabizWebhookProcessor *self,
                                                               GAsyncResult          *result,
                                                               GError               **error);
guint64                wabiz_webhook_processor_get_n_processed (WabizWebhookProcessor *self);

G_END_DECLS
