/* wabiz-composer.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-conversation.h"
#include "wabiz-db.h"
#include "wabiz-message.h"
#include "wabiz-services.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_COMPOSER (wabiz_composer_get_type ())
G_DECLARE_FINAL_TYPE (WabizComposer, wabiz_composer, WABIZ, COMPOSER, GtkWidget)

GtkWidget    *wabiz_composer_new             (void);
void          wabiz_composer_set_database    (WabizComposer *self,
                                              WabizDb       *db);
/* What suggestions come from (Gemini), and where changes to scheduled
 * messages and opt-outs are heard; (nullable) */
void          wabiz_composer_set_services    (WabizComposer *self,
                                              WabizServices *services);
/* The conversation written to: quick replies are filled from its lead,
 * its scheduled messages are listed; (nullable) */
void          wabiz_composer_set_conversation (WabizComposer    *self,
                                               WabizConversation *conversation);
/* the text typed, (transfer full) */
char         *wabiz_composer_dup_text        (WabizComposer *self);
void          wabiz_composer_set_text        (WabizComposer *self,
                                              const char    *text);
/* The message the next send replies to; (nullable) */
WabizMessage *wabiz_composer_get_reply_to    (WabizComposer *self);
void          wabiz_composer_set_reply_to    (WabizComposer *self,
                                              WabizMessage  *message);
/* FALSE outside the 24-hour window: offers a template instead */
void          wabiz_composer_set_window_open (WabizComposer *self,
                                              gboolean       open);
gboolean      wabiz_composer_get_window_open (WabizComposer *self);
void          wabiz_composer_focus           (WabizComposer *self);
GtkTextView  *wabiz_composer_get_text_view   (WabizComposer *self);
/* the quick replies offered for the "/" typed, (transfer none) */
GtkListBox   *wabiz_composer_get_quick_list  (WabizComposer *self);
/* the scheduled messages of the conversation, soonest first (AdwActionRow
 * titled with the time), (transfer none) */
GtkListBox   *wabiz_composer_get_scheduled_list (WabizComposer *self);
/* (nullable): what the composer tells the user now (a suggestion being
 * written, why there is none, …), NULL when it says nothing */
const char   *wabiz_composer_get_notice      (WabizComposer *self);
/* Whether the customer opted out, as last heard */
gboolean      wabiz_composer_get_opted_out   (WabizComposer *self);
/* Whether a suggestion, a check or a schedule is under way */
gboolean      wabiz_composer_get_busy        (WabizComposer *self);
/* (nullable) (transfer none): the quick replies window, while open */
GtkWidget    *wabiz_composer_get_quick_replies_dialog (WabizComposer *self);

G_END_DECLS
