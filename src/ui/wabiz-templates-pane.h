/* wabiz-templates-pane.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-pane.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_TEMPLATES_PANE (wabiz_templates_pane_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplatesPane, wabiz_templates_pane, WABIZ, TEMPLATES_PANE, WabizPane)

G_END_DECLS
