/* wabiz-store.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-db.h"

G_BEGIN_DECLS

/* The NOTIFY channel every open window LISTENs on. */
#define WABIZ_STORE_CHANNEL "wabiz"

/*
 * Shared building blocks for jobs on a worker thread (see
 * wabiz_db_run_in_thread()), so that the webhook processor, the outbox,
 * the REST API and the app write leads and conversations the same way:
 * each calls, with one element, the SQL function of 010-shared-writes.sql
 * that the webhook processor calls with a batch. Each runs inside the
 * caller's transaction.
 */

/* The lead keyed by @wa_id (E.164 digits), created NEW when new. A
 * non-NULL @profile_name fills an empty name. Returns the lead's uuid. */
char    *wabiz_store_upsert_lead_on_conn        (WabizDbConn  *conn,
                                                 const char   *wa_id,
                                                 const char   *profile_name,
                                                 GError      **error);

/* After a message was stored: counters, last message, the 24-hour
 * window (@inbound with @when, an ISO 8601 or epoch-seconds text) and
 * the lead's last contact. */
gboolean wabiz_store_touch_conversation_on_conn (WabizDbConn  *conn,
                                                 const char   *wa_id,
                                                 const char   *lead_id,
                                                 const char   *preview,
                                                 gboolean      inbound,
                                                 const char   *when,
                                                 GError      **error);

/* Meta's wa_id for a send differs from the number typed: everything
 * of @typed (lead, messages, outbox rows, conversation) is folded into
 * @wa_id's, and the typed form is remembered as an alias. */
gboolean wabiz_store_merge_wa_id_on_conn        (WabizDbConn  *conn,
                                                 const char   *typed,
                                                 const char   *wa_id,
                                                 GError      **error);

/* NOTIFY "wabiz" with {"t": @table, "phone": @wa_id, "id": @id}, through
 * the SQL function wabiz_notify() that SQL calls too; delivered at
 * commit. */
gboolean wabiz_store_notify_on_conn             (WabizDbConn  *conn,
                                                 const char   *table,
                                                 const char   *wa_id,
                                                 const char   *id,
                                                 GError      **error);

G_END_DECLS
