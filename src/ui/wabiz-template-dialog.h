/* wabiz-template-dialog.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-db.h"
#include "wabiz-graph-client.h"
#include "wabiz-outbox.h"
#include "wabiz-template-preview.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_TEMPLATE_DIALOG (wabiz_template_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplateDialog, wabiz_template_dialog, WABIZ, TEMPLATE_DIALOG, AdwWindow)

WabizTemplateDialog *wabiz_template_dialog_new           (GtkWindow           *parent,
                                                          WabizDb             *db,
                                                          WabizOutbox         *outbox,
                                                          WabizGraphClient    *graph,
                                                          const char          *phone,
                                                          const char          *recipient);
/* "loading", "empty", "form", "sending" */
const char          *wabiz_template_dialog_get_state     (WabizTemplateDialog *self);
GListModel          *wabiz_template_dialog_get_templates (WabizTemplateDialog *self);
gboolean             wabiz_template_dialog_select        (WabizTemplateDialog *self,
                                                          const char          *name,
                                                          const char          *language);
void                 wabiz_template_dialog_preselect     (WabizTemplateDialog *self,
                                                          const char          *name,
                                                          const char          *language);
void                 wabiz_template_dialog_set_value     (WabizTemplateDialog *self,
                                                          guint                index,
                                                          const char          *value);
void                 wabiz_template_dialog_set_button_value (WabizTemplateDialog *self,
                                                          guint                index,
                                                          const char          *value);
void                 wabiz_template_dialog_set_header_value (WabizTemplateDialog *self,
                                                          const char          *value);
void                 wabiz_template_dialog_set_header_file (WabizTemplateDialog *self,
                                                          GFile               *file);
char                *wabiz_template_dialog_dup_value     (WabizTemplateDialog *self,
                                                          const char          *id);
char                *wabiz_template_dialog_dup_value_titles (WabizTemplateDialog *self);
guint                wabiz_template_dialog_get_n_lead_fields (WabizTemplateDialog *self);
char                *wabiz_template_dialog_dup_preview   (WabizTemplateDialog *self);
WabizTemplatePreview *wabiz_template_dialog_get_preview  (WabizTemplateDialog *self);
/* Why the last send was refused, or NULL */
const char          *wabiz_template_dialog_get_error     (WabizTemplateDialog *self);

G_END_DECLS
