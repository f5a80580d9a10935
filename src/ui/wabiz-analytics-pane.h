/* wabiz-analytics-pane.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-pane.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_ANALYTICS_PANE (wabiz_analytics_pane_get_type ())
G_DECLARE_FINAL_TYPE (WabizAnalyticsPane, wabiz_analytics_pane, WABIZ, ANALYTICS_PANE, WabizPane)

/* "today", "7d", "30d" or "custom" */
const char *wabiz_analytics_pane_get_period      (WabizAnalyticsPane *self);
void        wabiz_analytics_pane_set_period      (WabizAnalyticsPane *self,
                                                  const char         *period);
/* Shows the days from @first to @last, both counted (the custom period);
 * FALSE with WABIZ_ANALYTICS_ERROR_INVALID_PERIOD, and nothing changes,
 * when they cannot be one. */
gboolean    wabiz_analytics_pane_set_custom_days (WabizAnalyticsPane *self,
                                                  const GDate        *first,
                                                  const GDate        *last,
                                                  GError            **error);
gboolean    wabiz_analytics_pane_get_show_table  (WabizAnalyticsPane *self);
void        wabiz_analytics_pane_set_show_table  (WabizAnalyticsPane *self,
                                                  gboolean            show_table);
/* Whether figures are being computed */
gboolean    wabiz_analytics_pane_get_busy        (WabizAnalyticsPane *self);
/* Writes the figures shown as CSV to @file; ::exported says when done */
void        wabiz_analytics_pane_export_file     (WabizAnalyticsPane *self,
                                                  GFile              *file);

G_END_DECLS
