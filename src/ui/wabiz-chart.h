/* wabiz-chart.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * WabizChartColor:
 * @WABIZ_CHART_COLOR_ACCENT: the accent colour (libadwaita's `.accent`)
 * @WABIZ_CHART_COLOR_SUCCESS: `.success`
 * @WABIZ_CHART_COLOR_WARNING: `.warning`
 * @WABIZ_CHART_COLOR_ERROR: `.error`
 * @WABIZ_CHART_COLOR_NEUTRAL: the text colour, dimmed
 *
 * The colours a chart draws with, read from the style so that they
 * follow light and dark, and high contrast.
 */
typedef enum
{
  WABIZ_CHART_COLOR_ACCENT,
  WABIZ_CHART_COLOR_SUCCESS,
  WABIZ_CHART_COLOR_WARNING,
  WABIZ_CHART_COLOR_ERROR,
  WABIZ_CHART_COLOR_NEUTRAL,
  WABIZ_CHART_N_COLORS,
} WabizChartColor;

#define WABIZ_TYPE_CHART (wabiz_chart_get_type ())
G_DECLARE_DERIVABLE_TYPE (WabizChart, wabiz_chart, WABIZ, CHART, GtkWidget)

struct _WabizChartClass
{
  GtkWidgetClass parent_class;
};

const char *wabiz_chart_get_title        (WabizChart      *self);
void        wabiz_chart_set_title        (WabizChart      *self,
                                          const char      *title);
const char *wabiz_chart_get_description  (WabizChart      *self);
void        wabiz_chart_set_description  (WabizChart      *self,
                                          const char      *description);

/* for subclasses */
void         wabiz_chart_get_color       (WabizChart      *self,
                                          WabizChartColor  color,
                                          GdkRGBA         *rgba);
void         wabiz_chart_get_foreground  (WabizChart      *self,
                                          GdkRGBA         *rgba);
PangoLayout *wabiz_chart_create_layout   (WabizChart      *self,
                                          const char      *text,
                                          gboolean         small);
void         wabiz_chart_append_layout   (GtkSnapshot     *snapshot,
                                          PangoLayout     *layout,
                                          float            x,
                                          float            y,
                                          const GdkRGBA   *color);
/* "1,234" in the user's locale, or "1.2k" when @compact and large */
char        *wabiz_chart_format_value    (double           value,
                                          gboolean         compact);
/* A round number at or above @max for the top of an axis: an even
 * number up to 10, then 1, 2 or 5 × 10ⁿ */
double       wabiz_chart_nice_max        (double           max);
GStrv        wabiz_chart_copy_labels     (const char * const *labels,
                                          guint            n);

G_END_DECLS
