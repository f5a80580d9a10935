/* wabiz-export.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

/*
 * The conversation export of the old service, shared by the app's
 * "Export Conversation…" and GET /conversations/{phone}/export:
 *
 *   {"phone", "exported_at" (ISO 8601 UTC), "lead" (the leads row or null),
 *    "conversation" (the conversations row or null), "total_messages",
 *    "messages": [every messages row, oldest first]}
 *
 * Written to @stream in pages read by keyset, so that a conversation of
 * any length never sits in memory whole. Runs on a worker thread of @db;
 * @stream is written from that thread only. Fails with
 * WABIZ_ERROR_NOT_FOUND when the number has no lead and no message.
 * Returns the number of messages written.
 */
void    wabiz_export_conversation_async  (WabizDb             *db,
                                          const char          *phone,
                                          GOutputStream       *stream,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gint64  wabiz_export_conversation_finish (WabizDb             *db,
                                          GAsyncResult        *result,
                                          GError             **error);

G_END_DECLS
