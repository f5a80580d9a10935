/* wabiz-leads-pane.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-lead-editor.h"
#include "wabiz-leads-model.h"
#include "wabiz-pane.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_LEADS_PANE (wabiz_leads_pane_get_type ())
G_DECLARE_FINAL_TYPE (WabizLeadsPane, wabiz_leads_pane, WABIZ, LEADS_PANE, WabizPane)

WabizLeadsModel   *wabiz_leads_pane_get_model        (WabizLeadsPane *self);
GtkSelectionModel *wabiz_leads_pane_get_selection    (WabizLeadsPane *self);
WabizLeadEditor   *wabiz_leads_pane_get_editor       (WabizLeadsPane *self);
GtkSearchEntry    *wabiz_leads_pane_get_search_entry (WabizLeadsPane *self);
GtkWidget         *wabiz_leads_pane_import_file      (WabizLeadsPane *self,
                                                      GFile          *file);
void               wabiz_leads_pane_export_file      (WabizLeadsPane *self,
                                                      GFile          *file);

G_END_DECLS
