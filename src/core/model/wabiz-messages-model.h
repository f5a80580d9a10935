/* wabiz-messages-model.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-message.h"
#include "wabiz-paged-model.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_MESSAGES_MODEL (wabiz_messages_model_get_type ())
G_DECLARE_FINAL_TYPE (WabizMessagesModel, wabiz_messages_model, WABIZ, MESSAGES_MODEL, WabizPagedModel)

WabizMessagesModel *wabiz_messages_model_new               (WabizDb            *db,
                                                            const char         *phone);
const char         *wabiz_messages_model_get_phone         (WabizMessagesModel *self);
void                wabiz_messages_model_set_page_size     (WabizMessagesModel *self,
                                                            guint               page_size);
gboolean            wabiz_messages_model_get_has_older     (WabizMessagesModel *self);
gboolean            wabiz_messages_model_get_loading       (WabizMessagesModel *self);
/* The first call loads the newest page; each later one the page before
 * the oldest loaded message (keyset on "timestamp", id), prepended with
 * items-changed (0, 0, n). Returns n. G_IO_ERROR_PENDING while loading. */
void                wabiz_messages_model_load_older_async  (WabizMessagesModel *self,
                                                            GCancellable       *cancellable,
                                                            GAsyncReadyCallback callback,
                                                            gpointer            user_data);
gint                wabiz_messages_model_load_older_finish (WabizMessagesModel *self,
                                                            GAsyncResult       *result,
                                                            GError            **error);
/* A NOTIFY: for this phone, appends new messages and updates statuses,
 * reactions and media of loaded ones in place. @id: (nullable): the
 * message's uuid or wamid, when the payload names one.
 * Deprecated: a model given the listener (wabiz_paged_model_set_listener())
 * follows it itself; this relay goes once the app does that. */
void                wabiz_messages_model_notification      (WabizMessagesModel *self,
                                                            const char         *table,
                                                            const char         *phone,
                                                            const char         *id);
/* Same as a NOTIFY without id (after a reconnect). */
void                wabiz_messages_model_refresh           (WabizMessagesModel *self);
gboolean            wabiz_messages_model_get_refreshing    (WabizMessagesModel *self);
/* (transfer none) (nullable) */
WabizMessage       *wabiz_messages_model_find              (WabizMessagesModel *self,
                                                            const char         *id,
                                                            guint              *position);
/* (transfer none) (nullable): a loaded message by its wamid */
WabizMessage       *wabiz_messages_model_find_wamid        (WabizMessagesModel *self,
                                                            const char         *wamid,
                                                            guint              *position);

G_END_DECLS
