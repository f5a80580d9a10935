/* wabiz-chat-banners.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-conversation.h"
#include "wabiz-services.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CHAT_BANNERS (wabiz_chat_banners_get_type ())
G_DECLARE_FINAL_TYPE (WabizChatBanners, wabiz_chat_banners, WABIZ, CHAT_BANNERS, GtkWidget)

GtkWidget *wabiz_chat_banners_new              (void);
void       wabiz_chat_banners_set_services     (WabizChatBanners  *self,
                                                WabizServices     *services);
void       wabiz_chat_banners_set_conversation (WabizChatBanners  *self,
                                                WabizConversation *conversation);
/* As last read: the conversation waits for a person; the customer opted out */
gboolean   wabiz_chat_banners_get_needs_human  (WabizChatBanners  *self);
gboolean   wabiz_chat_banners_get_opted_out    (WabizChatBanners  *self);
/* A person took over: automatic replies start again */
void       wabiz_chat_banners_mark_handled     (WabizChatBanners  *self);
/* By hand: the customer opted out (or back in) */
void       wabiz_chat_banners_set_opted_out    (WabizChatBanners  *self,
                                                gboolean           opted_out);
/* Whether a read or a write is under way */
gboolean   wabiz_chat_banners_get_busy         (WabizChatBanners  *self);

G_END_DECLS
