/* wabiz-conversations-pane.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-chat-view.h"
#include "wabiz-conversations-model.h"
#include "wabiz-drafts.h"
#include "wabiz-pane.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CONVERSATIONS_PANE (wabiz_conversations_pane_get_type ())
G_DECLARE_FINAL_TYPE (WabizConversationsPane, wabiz_conversations_pane, WABIZ, CONVERSATIONS_PANE, WabizPane)

/* Shows the conversation with @phone (E.164 digits), also one not in
 * the list yet (a lead never written to). */
void                     wabiz_conversations_pane_open           (WabizConversationsPane *self,
                                                                  const char             *phone);
/* Focuses the search (Ctrl+F). */
void                     wabiz_conversations_pane_focus_search   (WabizConversationsPane *self);
WabizConversationsModel *wabiz_conversations_pane_get_model      (WabizConversationsPane *self);
WabizChatView           *wabiz_conversations_pane_get_chat_view  (WabizConversationsPane *self);
WabizDrafts             *wabiz_conversations_pane_get_drafts     (WabizConversationsPane *self);

G_END_DECLS
