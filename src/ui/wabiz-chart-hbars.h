/* wabiz-chart-hbars.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-chart.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CHART_HBARS (wabiz_chart_hbars_get_type ())
G_DECLARE_FINAL_TYPE (WabizChartHBars, wabiz_chart_hbars, WABIZ, CHART_HBARS, WabizChart)

GtkWidget  *wabiz_chart_hbars_new            (void);
/* One bar per item: its name, value, the text written after it (the
 * value as people read it, or with a rate) and colour (@colors nullable:
 * the accent colour for all). */
void        wabiz_chart_hbars_set_items      (WabizChartHBars       *self,
                                              guint                  n_items,
                                              const char * const    *labels,
                                              const double          *values,
                                              const char * const    *value_texts,
                                              const WabizChartColor *colors);
/* The value of a full bar; 0 (the default): the largest value */
void        wabiz_chart_hbars_set_max        (WabizChartHBars       *self,
                                              double                 max);
guint       wabiz_chart_hbars_get_n_items    (WabizChartHBars       *self);
const char *wabiz_chart_hbars_get_label      (WabizChartHBars       *self,
                                              guint                  item);
const char *wabiz_chart_hbars_get_value_text (WabizChartHBars       *self,
                                              guint                  item);

G_END_DECLS
