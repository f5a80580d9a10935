/* wabiz-drafts.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_DRAFTS (wabiz_drafts_get_type ())
G_DECLARE_FINAL_TYPE (WabizDrafts, wabiz_drafts, WABIZ, DRAFTS, GObject)

/* @backup_path: (nullable): a small file that keeps drafts not yet in
 * the database (it is away, or the app is closing), read back at start. */
WabizDrafts *wabiz_drafts_new            (WabizDb             *db,
                                          const char          *backup_path);
/* Keeps @text as the draft of @phone: saved to conversations.draft
 * after a short pause in typing, retried while the database is away. */
void         wabiz_drafts_set            (WabizDrafts         *self,
                                          const char          *phone,
                                          const char          *text);
void         wabiz_drafts_set_delay      (WabizDrafts         *self,
                                          guint                delay_ms);
gboolean     wabiz_drafts_get_pending    (WabizDrafts         *self);
/* The draft of @phone: an unsaved one first, else the database's. */
void         wabiz_drafts_load_async     (WabizDrafts         *self,
                                          const char          *phone,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
char        *wabiz_drafts_load_finish    (WabizDrafts         *self,
                                          GAsyncResult        *result,
                                          GError             **error);
/* Saves every pending draft now; fails if one could not be saved (it
 * stays in the backup file). */
void         wabiz_drafts_flush_async    (WabizDrafts         *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     wabiz_drafts_flush_finish   (WabizDrafts         *self,
                                          GAsyncResult        *result,
                                          GError             **error);

G_END_DECLS
