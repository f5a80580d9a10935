/* wabiz-templates-pane.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-pane.h"
#include "wabiz-template-preview.h"
#include "wabiz-templates-model.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_TEMPLATES_PANE (wabiz_templates_pane_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplatesPane, wabiz_templates_pane, WABIZ, TEMPLATES_PANE, WabizPane)

void                  wabiz_templates_pane_set_recipient (WabizTemplatesPane *self,
                                                          const char         *phone,
                                                          const char         *name);
WabizTemplatesModel  *wabiz_templates_pane_get_model     (WabizTemplatesPane *self);
WabizTemplate        *wabiz_templates_pane_get_shown     (WabizTemplatesPane *self);
WabizTemplatePreview *wabiz_templates_pane_get_preview   (WabizTemplatesPane *self);
gboolean              wabiz_templates_pane_get_syncing   (WabizTemplatesPane *self);
void                  wabiz_templates_pane_open          (WabizTemplatesPane *self,
                                                          guint               position);

G_END_DECLS
