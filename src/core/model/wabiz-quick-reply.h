/* wabiz-quick-reply.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

/* The longest shortcut, in characters, and the longest text (WhatsApp's
 * limit for a text message) */
#define WABIZ_QUICK_REPLY_MAX_SHORTCUT 32
#define WABIZ_QUICK_REPLY_MAX_BODY 4096

#define WABIZ_TYPE_QUICK_REPLY (wabiz_quick_reply_get_type ())
G_DECLARE_FINAL_TYPE (WabizQuickReply, wabiz_quick_reply, WABIZ, QUICK_REPLY, GObject)

WabizQuickReply *wabiz_quick_reply_new           (const char          *shortcut,
                                                  const char          *body);
/* (nullable): NULL for one not saved */
const char      *wabiz_quick_reply_get_id        (WabizQuickReply     *self);
const char      *wabiz_quick_reply_get_shortcut  (WabizQuickReply     *self);
const char      *wabiz_quick_reply_get_body      (WabizQuickReply     *self);

/* The saved answers whose shortcut starts with @prefix (without the
 * "/"), in the owner's order; a GListModel of WabizQuickReply. */
void             wabiz_quick_reply_search_async  (WabizDb             *db,
                                                  const char          *prefix,
                                                  guint                limit,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GListModel      *wabiz_quick_reply_search_finish (GAsyncResult        *result,
                                                  GError             **error);

/* Every saved answer, in the owner's order (a GListModel of
 * WabizQuickReply). Changes come as changed::quick_replies. */
void             wabiz_quick_reply_list_async    (WabizDb             *db,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GListModel      *wabiz_quick_reply_list_finish   (GAsyncResult        *result,
                                                  GError             **error);

/* Creates a saved answer (@id NULL; it goes last) or changes the one
 * with @id. @shortcut is one word (a leading "/" is dropped), unique
 * whatever its case; @body holds only the placeholders of
 * wabiz_quick_reply_fill(). Returns its id.
 * Errors: WABIZ_ERROR_INVALID_INPUT (says what to change),
 * WABIZ_ERROR_NOT_FOUND (deleted meanwhile), WABIZ_DB_ERROR. */
void             wabiz_quick_reply_save_async    (WabizDb             *db,
                                                  const char          *id,
                                                  const char          *shortcut,
                                                  const char          *body,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
char            *wabiz_quick_reply_save_finish   (GAsyncResult        *result,
                                                  GError             **error);
/* Errors: WABIZ_ERROR_NOT_FOUND, WABIZ_DB_ERROR */
void             wabiz_quick_reply_delete_async  (WabizDb             *db,
                                                  const char          *id,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean         wabiz_quick_reply_delete_finish (GAsyncResult        *result,
                                                  GError             **error);
/* Moves the one with @id to @position (0: first; past the end: last),
 * the others keeping their order.
 * Errors: WABIZ_ERROR_NOT_FOUND, WABIZ_DB_ERROR */
void             wabiz_quick_reply_move_async    (WabizDb             *db,
                                                  const char          *id,
                                                  guint                position,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean         wabiz_quick_reply_move_finish   (GAsyncResult        *result,
                                                  GError             **error);

/* The shortcut as stored ("/Hours " → "Hours"), or NULL with
 * WABIZ_ERROR_INVALID_INPUT saying what to change. */
char            *wabiz_quick_reply_check_shortcut (const char         *shortcut,
                                                   GError            **error);
/* Whether @body can be saved: not empty, not too long, and only known
 * placeholders; else WABIZ_ERROR_INVALID_INPUT saying what to change. */
gboolean         wabiz_quick_reply_check_body    (const char          *body,
                                                  GError             **error);
/* @body with its placeholders filled from the lead: {name} (the name),
 * {first_name} (its first word) and {phone} (the number as written for
 * people). Without a name, {name} and {first_name} are left out, with
 * the space before them. */
char            *wabiz_quick_reply_fill          (const char          *body,
                                                  const char          *name,
                                                  const char          *phone);

G_END_DECLS
