/* wabiz-lead-row.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-lead.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_LEAD_ROW (wabiz_lead_row_get_type ())
G_DECLARE_FINAL_TYPE (WabizLeadRow, wabiz_lead_row, WABIZ, LEAD_ROW, GtkWidget)

GtkWidget *wabiz_lead_row_new      (void);
WabizLead *wabiz_lead_row_get_lead (WabizLeadRow *self);
void       wabiz_lead_row_set_lead (WabizLeadRow *self,
                                    WabizLead    *lead);

G_END_DECLS
