/* wabiz-scheduler.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Messages and templates to send later ("tomorrow at 9:00 in the
 * customer's timezone"): kept in scheduled_messages, queued through the
 * outbox at their time by a WabizScheduler, cancellable until then.
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wabiz-db.h"
#include "wabiz-outbox.h"
#include "wabiz-worker.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_SCHEDULER (wabiz_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (WabizScheduler, wabiz_scheduler, WABIZ, SCHEDULER, WabizWorker)

WabizScheduler *wabiz_scheduler_new          (WabizDb              *db,
                                              WabizOutbox          *outbox);
/* Queues what is due, then each at its time; woken by changes
 * (changed::scheduled_messages). Survives restarts: everything is in
 * the database. */
void            wabiz_scheduler_start        (WabizScheduler       *self);
void            wabiz_scheduler_wake         (WabizScheduler       *self);
void            wabiz_scheduler_stop_async   (WabizScheduler       *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean        wabiz_scheduler_stop_finish  (WabizScheduler       *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* Schedules a text (@text) or a template (@template_name, @language,
 * @params) to @phone at @when: an ISO 8601 date and time; without an
 * offset ("2025-03-01T09:00") it is read in @timezone, or else the
 * lead's timezone, or else the business's (campaign settings). A text
 * needs the customer's 24-hour window open when it is queued; if it is
 * not, it fails then with that reason. Returns its id.
 * Errors: WABIZ_ERROR_INVALID_PHONE, WABIZ_ERROR_INVALID_INPUT (no
 * text nor template, a time that cannot be read or has passed, an
 * unknown timezone), WABIZ_DB_ERROR. */
void            wabiz_scheduled_message_create_async  (WabizDb             *db,
                                                       const char          *phone,
                                                       const char          *text,
                                                       const char          *template_name,
                                                       const char          *language,
                                                       const char * const  *params,
                                                       const char          *when,
                                                       const char          *timezone,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
char           *wabiz_scheduled_message_create_finish (GAsyncResult        *result,
                                                       GError             **error);
/* Errors: WABIZ_ERROR_NOT_FOUND, WABIZ_ERROR_INVALID_INPUT (already
 * queued, failed or cancelled). */
void            wabiz_scheduled_message_cancel_async  (WabizDb             *db,
                                                       const char          *id,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean        wabiz_scheduled_message_cancel_finish (GAsyncResult        *result,
                                                       GError             **error);
/* The scheduled messages (of @phone, or all), soonest first: [{"id",
 * "phone", "type", "body", "template_name", "language", "params",
 * "send_at", "local_time", "timezone", "state", "error", "message_id"}] */
void            wabiz_scheduled_message_list_async    (WabizDb             *db,
                                                       const char          *phone,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
JsonArray      *wabiz_scheduled_message_list_finish   (GAsyncResult        *result,
                                                       GError             **error);

G_END_DECLS
