/* wabiz-chat-view.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-attachment-sheet.h"
#include "wabiz-composer.h"
#include "wabiz-conversation.h"
#include "wabiz-conversations-model.h"
#include "wabiz-db.h"
#include "wabiz-drafts.h"
#include "wabiz-messages-model.h"
#include "wabiz-services.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CHAT_VIEW (wabiz_chat_view_get_type ())
G_DECLARE_FINAL_TYPE (WabizChatView, wabiz_chat_view, WABIZ, CHAT_VIEW, GtkWidget)

GtkWidget            *wabiz_chat_view_new                  (void);
void                  wabiz_chat_view_set_model            (WabizChatView           *self,
                                                            WabizConversationsModel *conversations,
                                                            WabizDrafts             *drafts);
WabizConversation    *wabiz_chat_view_get_conversation     (WabizChatView           *self);
void                  wabiz_chat_view_set_conversation     (WabizChatView           *self,
                                                            WabizConversation       *conversation);
WabizMessagesModel   *wabiz_chat_view_get_messages         (WabizChatView           *self);
WabizComposer        *wabiz_chat_view_get_composer         (WabizChatView           *self);
GtkDropTarget        *wabiz_chat_view_get_drop_target      (WabizChatView           *self);
/* (nullable) the sheet of the last drop or choice, while open */
WabizAttachmentSheet *wabiz_chat_view_get_attachment_sheet (WabizChatView           *self);
/* Opens the attachment sheet for @files (element-type GFile) */
void                  wabiz_chat_view_attach_files         (WabizChatView           *self,
                                                            GPtrArray               *files);
void                  wabiz_chat_view_set_show_back        (WabizChatView           *self,
                                                            gboolean                 show_back);
/* Saves the draft now (closing) */
void                  wabiz_chat_view_save_draft           (WabizChatView           *self);

G_END_DECLS
