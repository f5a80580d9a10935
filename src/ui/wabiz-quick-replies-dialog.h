/* wabiz-quick-replies-dialog.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-db-listener.h"
#include "wabiz-db.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_QUICK_REPLIES_DIALOG (wabiz_quick_replies_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WabizQuickRepliesDialog, wabiz_quick_replies_dialog, WABIZ, QUICK_REPLIES_DIALOG,
                      AdwWindow)

/* @listener: (nullable): follows changes made elsewhere */
GtkWidget  *wabiz_quick_replies_dialog_new      (GtkWindow               *parent,
                                                 WabizDb                 *db,
                                                 WabizDbListener         *listener);
/* The rows shown, in order (AdwActionRow titled "/shortcut") */
GtkListBox *wabiz_quick_replies_dialog_get_list (WabizQuickRepliesDialog *self);
/* Whether a read or a write is under way */
gboolean    wabiz_quick_replies_dialog_get_busy (WabizQuickRepliesDialog *self);

G_END_DECLS
