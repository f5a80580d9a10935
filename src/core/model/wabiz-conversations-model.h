/* wabiz-conversations-model.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-conversation.h"
#include "wabiz-db.h"
#include "wabiz-paged-model.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CONVERSATIONS_MODEL (wabiz_conversations_model_get_type ())
G_DECLARE_FINAL_TYPE (WabizConversationsModel, wabiz_conversations_model, WABIZ, CONVERSATIONS_MODEL, WabizPagedModel)

WabizConversationsModel *wabiz_conversations_model_new              (WabizDb                 *db);
WabizDb                 *wabiz_conversations_model_get_db           (WabizConversationsModel *self);
void                     wabiz_conversations_model_set_page_size    (WabizConversationsModel *self,
                                                                     guint                    page_size);
/* Full-text search over every message (and the lead's name and number).
 * Replaces the content with the first page of matches. */
void                     wabiz_conversations_model_set_search       (WabizConversationsModel *self,
                                                                     const char              *search);
const char              *wabiz_conversations_model_get_search       (WabizConversationsModel *self);
gboolean                 wabiz_conversations_model_get_has_more     (WabizConversationsModel *self);
gboolean                 wabiz_conversations_model_get_loading      (WabizConversationsModel *self);
/* Appends the next page (keyset); returns how many were added.
 * G_IO_ERROR_PENDING while another page is loading. */
void                     wabiz_conversations_model_load_more_async  (WabizConversationsModel *self,
                                                                     GCancellable            *cancellable,
                                                                     GAsyncReadyCallback      callback,
                                                                     gpointer                 user_data);
gint                     wabiz_conversations_model_load_more_finish (WabizConversationsModel *self,
                                                                     GAsyncResult            *result,
                                                                     GError                 **error);
/* Re-reads what is loaded (after a reconnect), emitting only what changed. */
void                     wabiz_conversations_model_reload_async     (WabizConversationsModel *self,
                                                                     GCancellable            *cancellable,
                                                                     GAsyncReadyCallback      callback,
                                                                     gpointer                 user_data);
gboolean                 wabiz_conversations_model_reload_finish    (WabizConversationsModel *self,
                                                                     GAsyncResult            *result,
                                                                     GError                 **error);
/* A NOTIFY from the database: refreshes the conversation of @phone
 * (moving it to its place), or everything when @phone is %NULL.
 * Deprecated: a model given the listener (wabiz_paged_model_set_listener())
 * follows it itself; this relay goes once the app does that. */
void                     wabiz_conversations_model_notification     (WabizConversationsModel *self,
                                                                     const char              *table,
                                                                     const char              *phone,
                                                                     const char              *id);
/* Emitted-once helper for tests and views: TRUE while NOTIFY refreshes run. */
gboolean                 wabiz_conversations_model_get_refreshing   (WabizConversationsModel *self);
/* (transfer none) (nullable) */
WabizConversation       *wabiz_conversations_model_find             (WabizConversationsModel *self,
                                                                     const char              *phone,
                                                                     guint                   *position);
/* Reads one conversation (also one not in the list, or with no row yet). */
void                     wabiz_conversations_model_lookup_async     (WabizConversationsModel *self,
                                                                     const char              *phone,
                                                                     GCancellable            *cancellable,
                                                                     GAsyncReadyCallback      callback,
                                                                     gpointer                 user_data);
WabizConversation       *wabiz_conversations_model_lookup_finish    (WabizConversationsModel *self,
                                                                     GAsyncResult            *result,
                                                                     GError                 **error);
/* Sets the unread count to 0 and NOTIFYs; returns the wamid of the
 * newest inbound message (for Meta's read receipt), or %NULL. */
void                     wabiz_conversations_model_mark_read_async  (WabizConversationsModel *self,
                                                                     const char              *phone,
                                                                     GCancellable            *cancellable,
                                                                     GAsyncReadyCallback      callback,
                                                                     gpointer                 user_data);
char                    *wabiz_conversations_model_mark_read_finish (WabizConversationsModel *self,
                                                                     GAsyncResult            *result,
                                                                     GError                 **error);
/* NEW, CONTACTED, INTERESTED, CONVERTED or LOST; creates the lead if needed */
void                     wabiz_conversations_model_set_lead_status_async  (WabizConversationsModel *self,
                                                                           const char              *phone,
                                                                           const char              *status,
                                                                           GCancellable            *cancellable,
                                                                           GAsyncReadyCallback      callback,
                                                                           gpointer                 user_data);
gboolean                 wabiz_conversations_model_set_lead_status_finish (WabizConversationsModel *self,
                                                                           GAsyncResult            *result,
                                                                           GError                 **error);

G_END_DECLS
