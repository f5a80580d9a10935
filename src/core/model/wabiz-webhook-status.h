/* wabiz-webhook-status.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Whether Meta's webhooks reach WaBiz, read from the database: when the
 * last event arrived from any receiver (this computer's, wabizd's or the
 * relay in Supabase), what the relay recorded (Meta's verification
 * request, its last delivery, the last request it refused and why), and
 * whether messages went out while nothing came back: Meta answers every
 * accepted message with status webhooks, so sent messages and no event
 * at all since mean that nothing reaches WaBiz.
 */

#pragma once

#include "wabiz-db.h"

G_BEGIN_DECLS

/* How far back sent messages count, and how long Meta gets to answer
 * one with a status */
#define WABIZ_WEBHOOK_SILENCE_WINDOW  "6 hours"
#define WABIZ_WEBHOOK_SILENCE_GRACE   "10 minutes"

/* A scalar subquery: when the last webhook event was stored, by any
 * receiver (timestamptz, NULL: never): max(received_at) among the
 * latest ids, through the primary key, however many events are kept */
#define WABIZ_WEBHOOK_LAST_EVENT_SQL                                                      \
  "(SELECT max(e.received_at) FROM"                                                       \
  "  (SELECT received_at FROM webhook_events ORDER BY id DESC LIMIT 100) e)"

/* A scalar subquery: when the first message Meta accepted in the last
 * WABIZ_WEBHOOK_SILENCE_WINDOW (and at least WABIZ_WEBHOOK_SILENCE_GRACE
 * ago) went out, with no event stored since; NULL when events come back */
#define WABIZ_WEBHOOK_SILENT_SINCE_SQL                                                    \
  "(SELECT min(m.accepted_at) FROM messages m"                                            \
  "  WHERE m.direction = 'outbound'"                                                      \
  "    AND m.created_at > now() - interval '" WABIZ_WEBHOOK_SILENCE_WINDOW "'"            \
  "    AND m.accepted_at > now() - interval '" WABIZ_WEBHOOK_SILENCE_WINDOW "'"           \
  "    AND m.accepted_at < now() - interval '" WABIZ_WEBHOOK_SILENCE_GRACE "'"            \
  "    AND m.accepted_at > coalesce(" WABIZ_WEBHOOK_LAST_EVENT_SQL ", '-infinity'))"

typedef struct
{
  gint64  last_event_at;        /* unix seconds; 0: no event ever */
  gint64  silent_since;         /* unix seconds; 0: nothing is missing */
  gboolean has_relay_table;     /* the database has webhook_relay_status */
  gint64  relay_verified_at;    /* unix seconds; 0: never */
  gint64  relay_event_at;       /* unix seconds; 0: never */
  gint64  relay_refused_at;     /* unix seconds; 0: never */
  char   *relay_refused_reason; /* (nullable): verify_token, bad_signature, … */
} WabizWebhookStatus;

#define WABIZ_TYPE_WEBHOOK_STATUS (wabiz_webhook_status_get_type ())
GType               wabiz_webhook_status_get_type      (void) G_GNUC_CONST;
WabizWebhookStatus *wabiz_webhook_status_copy          (const WabizWebhookStatus *status);
void                wabiz_webhook_status_free          (WabizWebhookStatus       *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizWebhookStatus, wabiz_webhook_status_free)

void                wabiz_webhook_status_get_async     (WabizDb                  *db,
                                                        GCancellable             *cancellable,
                                                        GAsyncReadyCallback       callback,
                                                        gpointer                  user_data);
WabizWebhookStatus *wabiz_webhook_status_get_finish    (GAsyncResult             *result,
                                                        GError                  **error);

/* The warning for messages sent at @silent_since (unix seconds) with no
 * event since, saying what to do; NULL when @silent_since is 0 */
char               *wabiz_webhook_status_dup_warning   (gint64                    silent_since);
/* What a refusal reason of the relay means, and what to do */
const char         *wabiz_webhook_status_explain_refusal (const char              *reason);
/* "5 minutes ago", "yesterday at 14:05", … for @unix_seconds (never 0) */
char               *wabiz_webhook_status_format_time   (gint64                    unix_seconds);

G_END_DECLS
