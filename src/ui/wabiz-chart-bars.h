/* wabiz-chart-bars.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-chart.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CHART_BARS (wabiz_chart_bars_get_type ())
G_DECLARE_FINAL_TYPE (WabizChartBars, wabiz_chart_bars, WABIZ, CHART_BARS, WabizChart)

GtkWidget *wabiz_chart_bars_new        (void);
/* The series each category has a value of: their names (for the
 * tooltips) and colours */
void       wabiz_chart_bars_set_series (WabizChartBars        *self,
                                        guint                  n_series,
                                        const char * const    *names,
                                        const WabizChartColor *colors);
/* @labels: each category's name, for its tooltip; @axis_labels: the
 * shorter one under its bar (as many as fit are shown); @values:
 * @n_categories × the number of series, category by category. */
void       wabiz_chart_bars_set_data   (WabizChartBars        *self,
                                        guint                  n_categories,
                                        const char * const    *labels,
                                        const char * const    *axis_labels,
                                        const double          *values);
guint      wabiz_chart_bars_get_n_categories (WabizChartBars  *self);
/* The value of @series for @category */
double     wabiz_chart_bars_get_value  (WabizChartBars        *self,
                                        guint                  category,
                                        guint                  series);

G_END_DECLS
