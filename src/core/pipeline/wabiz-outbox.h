/* wabiz-outbox.h
 *
 * SPDX-License-Identifier: MIT
 *
 * The durable outbox: every outbound message is a `messages` row (status
 * "queued") and an `outbox` row, written in one transaction before
 * anything goes on the network. A sender drains it at the configured
 * rate. Shared by the app, wabizd and the REST API.
 */

#pragma once

#include "wabiz-db.h"
#include "wabiz-graph-client.h"
#include "wabiz-outgoing.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_OUTBOX (wabiz_outbox_get_type ())
G_DECLARE_FINAL_TYPE (WabizOutbox, wabiz_outbox, WABIZ, OUTBOX, GObject)

WabizOutbox *wabiz_outbox_new            (WabizDb             *db,
                                          WabizGraphClient    *graph,
                                          double               rate_per_second);
/* Becomes the database's sender if no other process is (advisory lock),
 * settles what a crash left in flight, then drains. */
void         wabiz_outbox_start          (WabizOutbox         *self);
/* Stops taking new rows, finishes the sends in flight. */
void         wabiz_outbox_stop_async     (WabizOutbox         *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     wabiz_outbox_stop_finish    (WabizOutbox         *self,
                                          GAsyncResult        *result,
                                          GError             **error);
gboolean     wabiz_outbox_get_is_sender  (WabizOutbox         *self);
/* (nullable): why this process stopped sending though it was the
 * sender (its database session was cut), for the user to see; NULL
 * while it sends, or while another process does */
const char  *wabiz_outbox_get_sender_problem (WabizOutbox     *self);
/* messages per second (0: the default, 80) */
void         wabiz_outbox_set_rate       (WabizOutbox         *self,
                                          double               rate_per_second);
double       wabiz_outbox_get_rate       (WabizOutbox         *self);
/* Looks for due rows now instead of at the next poll (queue_async does
 * this itself; for rows written by another process). */
void         wabiz_outbox_kick           (WabizOutbox         *self);

/* Where attachments wait for the sender: $XDG_DATA_HOME/wabiz/outbox */
const char  *wabiz_outbox_get_spool_dir  (WabizOutbox         *self);

/* Validates (phone number, 24-hour window for free-form messages,
 * template exists; for a file, Meta's type and size limits) and writes
 * the rows. Returns the message's uuid.
 * Errors: WABIZ_ERROR_INVALID_PHONE, WABIZ_ERROR_WINDOW_CLOSED (send a
 * template instead), WABIZ_ERROR_INVALID_INPUT (empty or too long text,
 * bad media fields, template not APPROVED or wrong parameter count),
 * WABIZ_ERROR_NOT_FOUND (templates were synced and this one is not
 * among them), a WABIZ_GRAPH_ERROR_MEDIA_TOO_LARGE / _MEDIA_TYPE or a
 * G_IO_ERROR for a file that cannot be sent or read, or a WABIZ_DB_ERROR. */
void         wabiz_outbox_queue_async    (WabizOutbox         *self,
                                          WabizOutgoing       *message,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
char        *wabiz_outbox_queue_finish   (WabizOutbox         *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* Waits until the message is sent (returns the wamid) or failed
 * permanently (a WABIZ_GRAPH_ERROR with Meta's code), at most @timeout_ms.
 * For the REST API, whose callers expect the wamid in the answer.
 * A message whose fate is unknown (in flight at a crash, or the answer
 * was lost) ends with WABIZ_GRAPH_ERROR_AMBIGUOUS; a timeout with
 * G_IO_ERROR_TIMED_OUT (the message stays queued). Resolved by the
 * sender's own outcome in this process, else by polling the row. */
void         wabiz_outbox_wait_async     (WabizOutbox         *self,
                                          const char          *message_uuid,
                                          guint                timeout_ms,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
char        *wabiz_outbox_wait_finish    (WabizOutbox         *self,
                                          GAsyncResult        *result,
                                          GError             **error);

G_END_DECLS
