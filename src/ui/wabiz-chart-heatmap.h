/* wabiz-chart-heatmap.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-chart.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CHART_HEATMAP (wabiz_chart_heatmap_get_type ())
G_DECLARE_FINAL_TYPE (WabizChartHeatmap, wabiz_chart_heatmap, WABIZ, CHART_HEATMAP, WabizChart)

GtkWidget *wabiz_chart_heatmap_new      (void);
/* A grid of @n_rows × @n_columns values, row by row; @column_labels may
 * hold NULL (or "") where no label is written under a column, and every
 * one is used for the tooltips (@column_tooltips nullable: the labels). */
void       wabiz_chart_heatmap_set_data (WabizChartHeatmap  *self,
                                         guint               n_rows,
                                         guint               n_columns,
                                         const char * const *row_labels,
                                         const char * const *column_labels,
                                         const char * const *column_tooltips,
                                         const double       *values);
double     wabiz_chart_heatmap_get_value (WabizChartHeatmap *self,
                                          guint              row,
                                          guint              column);

G_END_DECLS
