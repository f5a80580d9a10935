/* wabiz-chart-heatmap.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A heat map: a grid of square cells (the busiest hours of the week:
 * seven days by 24 hours), each in the accent colour, the stronger the
 * larger its value; an empty cell is a faint grey. Rows are named on the
 * left, columns under the grid where a label is given; a tooltip gives a
 * cell's value. Its height follows its width.
 */

#define G_LOG_DOMAIN "wabiz-chart-heatmap"

#include "config.h"

#include "wabiz-chart-heatmap.h"

#include <math.h>

#define GAP 6.f
#define MAX_CELL 30.f
#define MIN_CELL 8.f

struct _WabizChartHeatmap
{
  WabizChart  parent_instance;

  guint       n_rows;
  guint       n_columns;
  GStrv       row_labels;       /* (owned) */
  GStrv       column_labels;    /* (owned) */
  GStrv       column_tooltips;  /* (owned) */
  double     *values;           /* (owned) */
};

G_DEFINE_FINAL_TYPE (WabizChartHeatmap, wabiz_chart_heatmap, WABIZ_TYPE_CHART)

typedef struct
{
  float x;        /* the grid's left */
  float cell;     /* a cell and its gap */
  float gap;
  int   label_h;
} Geometry;

static void
get_geometry (WabizChartHeatmap *self,
              int                width,
              Geometry          *g)
{
  int widest = 0;

  for (guint r = 0; r < self->n_rows; r++)
    {
      g_autoptr(PangoLayout) layout = wabiz_chart_create_layout (WABIZ_CHART (self), self->row_labels[r], TRUE);
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      widest = MAX (widest, w);
      g->label_h = h;
    }
  if (self->n_rows == 0)
    {
      g_autoptr(PangoLayout) layout = wabiz_chart_create_layout (WABIZ_CHART (self), "0", TRUE);

      pango_layout_get_pixel_size (layout, NULL, &g->label_h);
    }
  g->x = widest + GAP;
  g->cell = self->n_columns > 0 ? floorf ((width - g->x) / self->n_columns) : MAX_CELL;
  g->cell = CLAMP (g->cell, MIN_CELL, MAX_CELL);
  g->gap = g->cell >= 14 ? 2 : 1;
}

static void
wabiz_chart_heatmap_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  WabizChartHeatmap *self = WABIZ_CHART_HEATMAP (widget);
  GdkRGBA fg, text, empty, accent;
  double max = 0;
  Geometry g;
  float right_edge = -G_MAXFLOAT;

  get_geometry (self, gtk_widget_get_width (widget), &g);
  wabiz_chart_get_foreground (WABIZ_CHART (self), &fg);
  wabiz_chart_get_color (WABIZ_CHART (self), WABIZ_CHART_COLOR_ACCENT, &accent);
  text = empty = fg;
  text.alpha *= 0.7f;
  empty.alpha *= 0.07f;
  for (guint i = 0; i < self->n_rows * self->n_columns; i++)
    max = MAX (max, self->values[i]);

  for (guint r = 0; r < self->n_rows; r++)
    {
      g_autoptr(PangoLayout) layout = wabiz_chart_create_layout (WABIZ_CHART (self), self->row_labels[r], TRUE);
      float y = r * g.cell;
      int h;

      pango_layout_get_pixel_size (layout, NULL, &h);
      wabiz_chart_append_layout (snapshot, layout, 0, y + (g.cell - h) / 2, &text);
      for (guint c = 0; c < self->n_columns; c++)
        {
          double value = self->values[r * self->n_columns + c];
          GdkRGBA color = accent;
          GskRoundedRect rect;

          if (value > 0 && max > 0)
            color.alpha *= (float) (0.15 + 0.85 * value / max);
          else
            color = empty;
          gsk_rounded_rect_init_from_rect (&rect,
                                           &GRAPHENE_RECT_INIT (g.x + c * g.cell, y, g.cell - g.gap, g.cell - g.gap),
                                           MIN (3.f, g.cell / 4));
          gtk_snapshot_push_rounded_clip (snapshot, &rect);
          gtk_snapshot_append_color (snapshot, &color, &rect.bounds);
          gtk_snapshot_pop (snapshot);
        }
    }

  for (guint c = 0; c < self->n_columns; c++)
    {
      g_autoptr(PangoLayout) layout = NULL;
      int w;
      float x;

      if (self->column_labels == NULL || self->column_labels[c] == NULL || *self->column_labels[c] == '\0')
        continue;
      layout = wabiz_chart_create_layout (WABIZ_CHART (self), self->column_labels[c], TRUE);
      pango_layout_get_pixel_size (layout, &w, NULL);
      x = g.x + c * g.cell;
      if (x < right_edge + GAP)
        continue;
      right_edge = x + w;
      wabiz_chart_append_layout (snapshot, layout, x, self->n_rows * g.cell + GAP / 2, &text);
    }
}

static GtkSizeRequestMode
wabiz_chart_heatmap_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
wabiz_chart_heatmap_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  WabizChartHeatmap *self = WABIZ_CHART_HEATMAP (widget);
  Geometry g;

  get_geometry (self, for_size < 0 ? G_MAXINT / 2 : for_size, &g);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int) (g.x + self->n_columns * MIN_CELL);
      *natural = (int) (g.x + self->n_columns * MAX_CELL);
    }
  else
    *minimum = *natural = (int) ceilf (self->n_rows * g.cell + GAP / 2 + g.label_h);
}

static gboolean
wabiz_chart_heatmap_query_tooltip (GtkWidget  *widget,
                                   int         x,
                                   int         y,
                                   gboolean    keyboard,
                                   GtkTooltip *tooltip)
{
  WabizChartHeatmap *self = WABIZ_CHART_HEATMAP (widget);
  g_autofree char *value = NULL;
  g_autofree char *text = NULL;
  Geometry g;
  guint r, c;

  if (keyboard || self->n_rows == 0 || self->n_columns == 0)
    return FALSE;
  get_geometry (self, gtk_widget_get_width (widget), &g);
  if (x < g.x || y < 0)
    return FALSE;
  c = (guint) ((x - g.x) / g.cell);
  r = (guint) (y / g.cell);
  if (r >= self->n_rows || c >= self->n_columns)
    return FALSE;

  value = wabiz_chart_format_value (self->values[r * self->n_columns + c], FALSE);
  text = g_strdup_printf ("%s %s: %s", self->row_labels[r],
                          self->column_tooltips != NULL ? self->column_tooltips[c]
                          : self->column_labels != NULL ? self->column_labels[c] : "",
                          value);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
wabiz_chart_heatmap_finalize (GObject *object)
{
  WabizChartHeatmap *self = WABIZ_CHART_HEATMAP (object);

  g_strfreev (self->row_labels);
  g_strfreev (self->column_labels);
  g_strfreev (self->column_tooltips);
  g_free (self->values);

  G_OBJECT_CLASS (wabiz_chart_heatmap_parent_class)->finalize (object);
}

static void
wabiz_chart_heatmap_class_init (WabizChartHeatmapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = wabiz_chart_heatmap_finalize;

  widget_class->snapshot = wabiz_chart_heatmap_snapshot;
  widget_class->get_request_mode = wabiz_chart_heatmap_get_request_mode;
  widget_class->measure = wabiz_chart_heatmap_measure;
  widget_class->query_tooltip = wabiz_chart_heatmap_query_tooltip;
}

static void
wabiz_chart_heatmap_init (WabizChartHeatmap *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
}

GtkWidget *
wabiz_chart_heatmap_new (void)
{
  return g_object_new (WABIZ_TYPE_CHART_HEATMAP, NULL);
}

void
wabiz_chart_heatmap_set_data (WabizChartHeatmap  *self,
                              guint               n_rows,
                              guint               n_columns,
                              const char * const *row_labels,
                              const char * const *column_labels,
                              const char * const *column_tooltips,
                              const double       *values)
{
  g_return_if_fail (WABIZ_IS_CHART_HEATMAP (self));
  g_return_if_fail (n_rows == 0 || (row_labels != NULL && values != NULL));

  g_strfreev (self->row_labels);
  g_strfreev (self->column_labels);
  g_strfreev (self->column_tooltips);
  g_free (self->values);
  self->row_labels = wabiz_chart_copy_labels (row_labels, n_rows);
  self->column_labels = wabiz_chart_copy_labels (column_labels, n_columns);
  self->column_tooltips = wabiz_chart_copy_labels (column_tooltips, n_columns);
  self->values = g_memdup2 (values, sizeof (double) * n_rows * n_columns);
  self->n_rows = n_rows;
  self->n_columns = n_columns;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

double
wabiz_chart_heatmap_get_value (WabizChartHeatmap *self,
                               guint              row,
                               guint              column)
{
  g_return_val_if_fail (WABIZ_IS_CHART_HEATMAP (self), 0);
  g_return_val_if_fail (row < self->n_rows && column < self->n_columns, 0);

  return self->values[row * self->n_columns + column];
}
