/* wabiz-analytics-pane.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-pane.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_ANALYTICS_PANE (wabiz_analytics_pane_get_type ())
G_DECLARE_FINAL_TYPE (WabizAnalyticsPane, wabiz_analytics_pane, WABIZ, ANALYTICS_PANE, WabizPane)

G_END_DECLS
