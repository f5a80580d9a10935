/* wabiz-conversation-row.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-conversation.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CONVERSATION_ROW (wabiz_conversation_row_get_type ())
G_DECLARE_FINAL_TYPE (WabizConversationRow, wabiz_conversation_row, WABIZ, CONVERSATION_ROW, GtkWidget)

GtkWidget         *wabiz_conversation_row_new              (void);
WabizConversation *wabiz_conversation_row_get_conversation (WabizConversationRow *self);
void               wabiz_conversation_row_set_conversation (WabizConversationRow *self,
                                                            WabizConversation    *conversation);
/* The translated name of a lead status (NEW, CONTACTED, …). */
const char        *wabiz_lead_status_to_text               (const char           *status);

G_END_DECLS
