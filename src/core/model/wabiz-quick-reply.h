/* wabiz-quick-reply.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_QUICK_REPLY (wabiz_quick_reply_get_type ())
G_DECLARE_FINAL_TYPE (WabizQuickReply, wabiz_quick_reply, WABIZ, QUICK_REPLY, GObject)

WabizQuickReply *wabiz_quick_reply_new           (const char          *shortcut,
                                                  const char          *body);
const char      *wabiz_quick_reply_get_shortcut  (WabizQuickReply     *self);
const char      *wabiz_quick_reply_get_body      (WabizQuickReply     *self);

/* The saved answers whose shortcut starts with @prefix (without the
 * "/"), by shortcut; a GListModel of WabizQuickReply. */
void             wabiz_quick_reply_search_async  (WabizDb             *db,
                                                  const char          *prefix,
                                                  guint                limit,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GListModel      *wabiz_quick_reply_search_finish (GAsyncResult        *result,
                                                  GError             **error);

G_END_DECLS
