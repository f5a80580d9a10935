/* wabiz-composer.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-db.h"
#include "wabiz-message.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_COMPOSER (wabiz_composer_get_type ())
G_DECLARE_FINAL_TYPE (WabizComposer, wabiz_composer, WABIZ, COMPOSER, GtkWidget)

GtkWidget    *wabiz_composer_new             (void);
void          wabiz_composer_set_database    (WabizComposer *self,
                                              WabizDb       *db);
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
/* the saved answers offered for the "/" typed, (transfer none) */
GtkListBox   *wabiz_composer_get_quick_list  (WabizComposer *self);

G_END_DECLS
