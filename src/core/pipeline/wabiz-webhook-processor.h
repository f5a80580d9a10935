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
 * rows; an event with a change for another number is kept aside, with
 * the reason, for a reprocess once the setting names that number (see
 * wabiz_webhook_processor_count_foreign_async()); %NULL takes every
 * number. */
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
/* Tries every failed event again (after an upgrade of the parser), and
 * every event kept aside for another phone number id (after the setting
 * changed); @n_failed: (out) (optional): how many still fail. */
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

/* The events kept aside because they were for another phone number id
 * than the one set up: how many, and for which ids (the one with the most
 * events first), for the app and /health to say so. */
void                   wabiz_webhook_processor_count_foreign_async  (WabizDb             *db,
                                                                     GCancellable        *cancellable,
                                                                     GAsyncReadyCallback  callback,
                                                                     gpointer             user_data);
guint64                wabiz_webhook_processor_count_foreign_finish (WabizDb             *db,
                                                                     GAsyncResult        *result,
                                                                     GStrv               *phone_number_ids,
                                                                     GError             **error);

G_END_DECLS
