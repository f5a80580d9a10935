/* wabiz-template-form.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-file-chooser.h"
#include "wabiz-template.h"

G_BEGIN_DECLS

typedef void (*WabizTemplatesSyncedFunc) (gpointer window);

gboolean wabiz_template_form_same         (WabizTemplate       *a,
                                           WabizTemplate       *b);
void     wabiz_template_form_sync         (gpointer             window,
                                           WabizDb             *db,
                                           WabizGraphClient    *graph,
                                           GCancellable        *cancellable,
                                           gboolean            *syncing,
                                           WabizTemplatesSyncedFunc synced);
void     wabiz_template_form_set_up_combo (AdwComboRow         *row);
gboolean wabiz_template_form_select       (AdwComboRow         *row,
                                           const char          *name,
                                           const char          *language);
gboolean wabiz_template_form_set_state   (GtkStack            *stack,
                                           char               **slot,
                                           const char          *state,
                                           const char          *busy);
void     wabiz_template_form_show_error   (char               **error,
                                           GtkRevealer         *revealer,
                                           GtkLabel            *label,
                                           const char          *message);
void     wabiz_template_form_choose_file  (GtkWindow           *window,
                                           const char          *title,
                                           GtkFileFilter       *filter,
                                           WabizFileChosenFunc  chosen);

G_END_DECLS
