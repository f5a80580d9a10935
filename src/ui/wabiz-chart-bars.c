/* wabiz-chart-bars.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A bar chart of values over categories (days), one bar per series side
 * by side. When the categories are too many for bars of a few pixels
 * (a year in a narrow window) each series is drawn as a line instead.
 * The axis is labelled at its top and middle; as many category labels
 * as fit are written under the bars; a tooltip gives a category's
 * values.
 */

#define G_LOG_DOMAIN "wabiz-chart-bars"

#include "config.h"

#include "wabiz-chart-bars.h"

#include <math.h>

#define PAD_TOP 8.f
#define GAP 6.f
#define MIN_BAR_SLOT 3.f

struct _WabizChartBars
{
  WabizChart       parent_instance;

  guint            n_series;
  GStrv            series_names;   /* (owned) */
  WabizChartColor *series_colors;  /* (owned) */
  guint            n_categories;
  GStrv            labels;         /* (owned) */
  GStrv            axis_labels;    /* (owned) */
  double          *values;         /* (owned): n_categories × n_series */
};

G_DEFINE_FINAL_TYPE (WabizChartBars, wabiz_chart_bars, WABIZ_TYPE_CHART)

/* Where the bars go, for a widget of @width × @height */
typedef struct
{
  double top;       /* the axis's top value */
  float  x, y, w, h; /* the plot */
  float  slot;      /* one category's width */
} Geometry;

static void
get_geometry (WabizChartBars *self,
              int             width,
              int             height,
              Geometry       *g)
{
  g_autoptr(PangoLayout) layout = NULL;
  g_autofree char *top_text = NULL;
  double max = 0;
  int label_w, label_h;

  for (guint i = 0; i < self->n_categories * self->n_series; i++)
    max = MAX (max, self->values[i]);
  g->top = wabiz_chart_nice_max (max);

  top_text = wabiz_chart_format_value (g->top, TRUE);
  layout = wabiz_chart_create_layout (WABIZ_CHART (self), top_text, TRUE);
  pango_layout_get_pixel_size (layout, &label_w, &label_h);

  g->x = label_w + GAP;
  g->y = PAD_TOP;
  g->w = MAX (1.f, width - g->x);
  g->h = MAX (1.f, height - PAD_TOP - label_h - GAP);
  g->slot = self->n_categories > 0 ? g->w / self->n_categories : g->w;
}

static float
value_y (const Geometry *g,
         double          value)
{
  return g->y + g->h - (float) (value / g->top) * g->h;
}

static void
append_line (GtkSnapshot   *snapshot,
             const GdkRGBA *color,
             float          x,
             float          y,
             float          w)
{
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, w, 1));
}

static void
draw_axis (WabizChartBars *self,
           GtkSnapshot    *snapshot,
           const Geometry *g,
           const GdkRGBA  *fg)
{
  GdkRGBA grid = *fg;
  GdkRGBA text = *fg;
  double marks[] = { g->top, g->top / 2, 0 };

  grid.alpha *= 0.15f;
  text.alpha *= 0.7f;
  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    {
      float y = roundf (value_y (g, marks[i]));

      append_line (snapshot, &grid, g->x, y, g->w);
      if (marks[i] == floor (marks[i]))
        {
          g_autofree char *value = wabiz_chart_format_value (marks[i], TRUE);
          g_autoptr(PangoLayout) layout = wabiz_chart_create_layout (WABIZ_CHART (self), value, TRUE);
          int w, h;

          pango_layout_get_pixel_size (layout, &w, &h);
          wabiz_chart_append_layout (snapshot, layout, g->x - GAP - w, y - h / 2.f, &text);
        }
    }
}

/* Under the bars, every so many categories, as many labels as fit */
static void
draw_category_labels (WabizChartBars *self,
                      GtkSnapshot    *snapshot,
                      const Geometry *g,
                      const GdkRGBA  *fg)
{
  GdkRGBA text = *fg;
  int widest = 0;
  guint step;
  float right_edge = -G_MAXFLOAT;

  if (self->n_categories == 0 || self->axis_labels == NULL)
    return;
  text.alpha *= 0.7f;

  /* the labels are alike (days): the first and last tell their width */
  for (guint i = 0; i < self->n_categories; i += MAX (1, self->n_categories - 1))
    {
      g_autoptr(PangoLayout) layout = wabiz_chart_create_layout (WABIZ_CHART (self), self->axis_labels[i], TRUE);
      int w;

      pango_layout_get_pixel_size (layout, &w, NULL);
      widest = MAX (widest, w);
    }
  step = MAX (1, (guint) ceilf ((widest + 2 * GAP) / g->slot));

  for (guint i = 0; i < self->n_categories; i += step)
    {
      g_autoptr(PangoLayout) layout = NULL;
      int w;
      float x;

      if (self->axis_labels[i] == NULL || *self->axis_labels[i] == '\0')
        continue;
      layout = wabiz_chart_create_layout (WABIZ_CHART (self), self->axis_labels[i], TRUE);
      pango_layout_get_pixel_size (layout, &w, NULL);
      x = g->x + (i + 0.5f) * g->slot - w / 2.f;
      x = CLAMP (x, g->x, g->x + g->w - w);
      if (x < right_edge + GAP)
        continue;
      right_edge = x + w;
      wabiz_chart_append_layout (snapshot, layout, x, g->y + g->h + GAP, &text);
    }
}

static void
draw_bars (WabizChartBars  *self,
           GtkSnapshot     *snapshot,
           const Geometry  *g,
           const GdkRGBA   *colors)
{
  float group = g->slot * (self->n_series > 1 ? 0.8f : 0.7f);
  float bar = MAX (1.f, group / self->n_series);

  for (guint i = 0; i < self->n_categories; i++)
    {
      float x = g->x + i * g->slot + (g->slot - bar * self->n_series) / 2;

      for (guint s = 0; s < self->n_series; s++)
        {
          double value = self->values[i * self->n_series + s];
          float top = value_y (g, value);

          if (value > 0)
            gtk_snapshot_append_color (snapshot, &colors[s],
                                       &GRAPHENE_RECT_INIT (x + s * bar, top, bar, MAX (1.f, g->y + g->h - top)));
        }
    }
}

/* Too many categories for bars: a line per series */
static void
draw_lines (WabizChartBars  *self,
            GtkSnapshot     *snapshot,
            const Geometry  *g,
            const GdkRGBA   *colors)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (g->x, g->y - 2, g->w, g->h + 4));

  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint s = 0; s < self->n_series; s++)
    {
      for (guint i = 0; i < self->n_categories; i++)
        {
          double x = g->x + (i + 0.5) * g->slot;
          double y = value_y (g, self->values[i * self->n_series + s]);

          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      gdk_cairo_set_source_rgba (cr, &colors[s]);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
wabiz_chart_bars_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  WabizChartBars *self = WABIZ_CHART_BARS (widget);
  g_autofree GdkRGBA *colors = g_new0 (GdkRGBA, MAX (1, self->n_series));
  GdkRGBA fg;
  Geometry g;

  get_geometry (self, gtk_widget_get_width (widget), gtk_widget_get_height (widget), &g);
  wabiz_chart_get_foreground (WABIZ_CHART (self), &fg);
  for (guint s = 0; s < self->n_series; s++)
    wabiz_chart_get_color (WABIZ_CHART (self), self->series_colors[s], &colors[s]);

  draw_axis (self, snapshot, &g, &fg);
  if (self->n_series == 0 || self->n_categories == 0)
    return;
  if (g.slot >= MIN_BAR_SLOT * self->n_series)
    draw_bars (self, snapshot, &g, colors);
  else
    draw_lines (self, snapshot, &g, colors);
  draw_category_labels (self, snapshot, &g, &fg);
}

static void
wabiz_chart_bars_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 120;
      *natural = 480;
    }
  else
    {
      *minimum = 120;
      *natural = 180;
    }
}

static gboolean
wabiz_chart_bars_query_tooltip (GtkWidget  *widget,
                                int         x,
                                int         y,
                                gboolean    keyboard,
                                GtkTooltip *tooltip)
{
  WabizChartBars *self = WABIZ_CHART_BARS (widget);
  g_autoptr(GString) text = NULL;
  Geometry g;
  guint i;

  if (keyboard || self->n_categories == 0)
    return FALSE;
  get_geometry (self, gtk_widget_get_width (widget), gtk_widget_get_height (widget), &g);
  if (x < g.x || x >= g.x + g.w)
    return FALSE;
  i = MIN (self->n_categories - 1, (guint) ((x - g.x) / g.slot));

  text = g_string_new (self->labels != NULL ? self->labels[i] : NULL);
  for (guint s = 0; s < self->n_series; s++)
    {
      g_autofree char *value = wabiz_chart_format_value (self->values[i * self->n_series + s], FALSE);

      g_string_append_printf (text, "\n%s: %s", self->series_names[s], value);
    }
  gtk_tooltip_set_text (tooltip, text->str);
  return TRUE;
}

static void
wabiz_chart_bars_finalize (GObject *object)
{
  WabizChartBars *self = WABIZ_CHART_BARS (object);

  g_strfreev (self->series_names);
  g_free (self->series_colors);
  g_strfreev (self->labels);
  g_strfreev (self->axis_labels);
  g_free (self->values);

  G_OBJECT_CLASS (wabiz_chart_bars_parent_class)->finalize (object);
}

static void
wabiz_chart_bars_class_init (WabizChartBarsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = wabiz_chart_bars_finalize;

  widget_class->snapshot = wabiz_chart_bars_snapshot;
  widget_class->measure = wabiz_chart_bars_measure;
  widget_class->query_tooltip = wabiz_chart_bars_query_tooltip;
}

static void
wabiz_chart_bars_init (WabizChartBars *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
}

GtkWidget *
wabiz_chart_bars_new (void)
{
  return g_object_new (WABIZ_TYPE_CHART_BARS, NULL);
}

void
wabiz_chart_bars_set_series (WabizChartBars        *self,
                             guint                  n_series,
                             const char * const    *names,
                             const WabizChartColor *colors)
{
  g_return_if_fail (WABIZ_IS_CHART_BARS (self));
  g_return_if_fail (n_series == 0 || (names != NULL && colors != NULL));

  g_strfreev (self->series_names);
  g_free (self->series_colors);
  self->series_names = g_new0 (char *, n_series + 1);
  for (guint s = 0; s < n_series; s++)
    self->series_names[s] = g_strdup (names[s]);
  self->series_colors = g_memdup2 (colors, sizeof (WabizChartColor) * n_series);
  self->n_series = n_series;

  /* the values were of the old series */
  g_clear_pointer (&self->values, g_free);
  self->n_categories = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
wabiz_chart_bars_set_data (WabizChartBars     *self,
                           guint               n_categories,
                           const char * const *labels,
                           const char * const *axis_labels,
                           const double       *values)
{
  g_return_if_fail (WABIZ_IS_CHART_BARS (self));
  g_return_if_fail (n_categories == 0 || values != NULL);

  g_strfreev (self->labels);
  g_strfreev (self->axis_labels);
  g_free (self->values);
  self->labels = wabiz_chart_copy_labels (labels, n_categories);
  self->axis_labels = wabiz_chart_copy_labels (axis_labels, n_categories);
  self->values = g_memdup2 (values, sizeof (double) * n_categories * self->n_series);
  self->n_categories = n_categories;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
wabiz_chart_bars_get_n_categories (WabizChartBars *self)
{
  g_return_val_if_fail (WABIZ_IS_CHART_BARS (self), 0);

  return self->n_categories;
}

double
wabiz_chart_bars_get_value (WabizChartBars *self,
                            guint           category,
                            guint           series)
{
  g_return_val_if_fail (WABIZ_IS_CHART_BARS (self), 0);
  g_return_val_if_fail (category < self->n_categories && series < self->n_series, 0);

  return self->values[category * self->n_series + series];
}
