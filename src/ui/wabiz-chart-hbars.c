/* wabiz-chart-hbars.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Horizontal bars, one per item, each with its name before it and its
 * value (and rate) after it: a breakdown (messages by type, leads by
 * status) or a funnel (sent → delivered → read). The names take at most
 * two fifths of the width and are shortened with an ellipsis past it.
 */

#define G_LOG_DOMAIN "wabiz-chart-hbars"

#include "config.h"

#include "wabiz-chart-hbars.h"

#include <math.h>

#define ROW_SPACING 10
#define BAR_HEIGHT 10.f
#define GAP 8.f

struct _WabizChartHBars
{
  WabizChart       parent_instance;

  guint            n_items;
  GStrv            labels;       /* (owned) */
  GStrv            value_texts;  /* (owned) */
  double          *values;       /* (owned) */
  WabizChartColor *colors;       /* (owned) */
  double           max;
};

G_DEFINE_FINAL_TYPE (WabizChartHBars, wabiz_chart_hbars, WABIZ_TYPE_CHART)

static int
row_height (WabizChartHBars *self)
{
  g_autoptr(PangoLayout) layout = wabiz_chart_create_layout (WABIZ_CHART (self), "Ag", FALSE);
  int h;

  pango_layout_get_pixel_size (layout, NULL, &h);
  return MAX (h, (int) BAR_HEIGHT);
}

static int
widest (WabizChartHBars *self,
        GStrv            texts)
{
  int widest = 0;

  for (guint i = 0; i < self->n_items; i++)
    {
      g_autoptr(PangoLayout) layout = wabiz_chart_create_layout (WABIZ_CHART (self), texts[i], FALSE);
      int w;

      pango_layout_get_pixel_size (layout, &w, NULL);
      widest = MAX (widest, w);
    }
  return widest;
}

static void
append_rounded (GtkSnapshot   *snapshot,
                const GdkRGBA *color,
                float          x,
                float          y,
                float          w,
                float          h)
{
  GskRoundedRect rect;

  gsk_rounded_rect_init_from_rect (&rect, &GRAPHENE_RECT_INIT (x, y, w, h), MIN (h, w) / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &rect);
  gtk_snapshot_append_color (snapshot, color, &rect.bounds);
  gtk_snapshot_pop (snapshot);
}

static double
scale_max (WabizChartHBars *self)
{
  double max = self->max;

  if (max <= 0)
    for (guint i = 0; i < self->n_items; i++)
      max = MAX (max, self->values[i]);
  return max;
}

static void
wabiz_chart_hbars_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  WabizChartHBars *self = WABIZ_CHART_HBARS (widget);
  int width = gtk_widget_get_width (widget);
  int line = row_height (self);
  int label_w, value_w;
  float bar_x, bar_w;
  double max = scale_max (self);
  GdkRGBA fg, track;

  if (self->n_items == 0)
    return;

  wabiz_chart_get_foreground (WABIZ_CHART (self), &fg);
  track = fg;
  track.alpha *= 0.1f;
  label_w = MIN (widest (self, self->labels), (int) (width * 0.4));
  value_w = widest (self, self->value_texts);
  bar_x = label_w + GAP;
  bar_w = MAX (1.f, width - bar_x - GAP - value_w);

  for (guint i = 0; i < self->n_items; i++)
    {
      g_autoptr(PangoLayout) label = wabiz_chart_create_layout (WABIZ_CHART (self), self->labels[i], FALSE);
      g_autoptr(PangoLayout) value = wabiz_chart_create_layout (WABIZ_CHART (self), self->value_texts[i], FALSE);
      float y = i * (line + ROW_SPACING);
      float bar_y = y + (line - BAR_HEIGHT) / 2;
      GdkRGBA color;
      int w;

      pango_layout_set_width (label, label_w * PANGO_SCALE);
      pango_layout_set_ellipsize (label, PANGO_ELLIPSIZE_END);
      wabiz_chart_append_layout (snapshot, label, 0, y, &fg);

      append_rounded (snapshot, &track, bar_x, bar_y, bar_w, BAR_HEIGHT);
      if (max > 0 && self->values[i] > 0)
        {
          wabiz_chart_get_color (WABIZ_CHART (self), self->colors[i], &color);
          append_rounded (snapshot, &color, bar_x, bar_y,
                          MAX (BAR_HEIGHT, bar_w * (float) MIN (1.0, self->values[i] / max)), BAR_HEIGHT);
        }

      pango_layout_get_pixel_size (value, &w, NULL);
      wabiz_chart_append_layout (snapshot, value, width - w, y, &fg);
    }
}

static void
wabiz_chart_hbars_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  WabizChartHBars *self = WABIZ_CHART_HBARS (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int values = widest (self, self->value_texts);

      *minimum = values + 120;
      *natural = values + widest (self, self->labels) + 240;
    }
  else
    *minimum = *natural = self->n_items > 0
                          ? (int) self->n_items * (row_height (self) + ROW_SPACING) - ROW_SPACING : 0;
}

static gboolean
wabiz_chart_hbars_query_tooltip (GtkWidget  *widget,
                                 int         x,
                                 int         y,
                                 gboolean    keyboard,
                                 GtkTooltip *tooltip)
{
  WabizChartHBars *self = WABIZ_CHART_HBARS (widget);
  g_autofree char *text = NULL;
  guint i;

  if (keyboard || self->n_items == 0 || y < 0)
    return FALSE;
  i = y / (row_height (self) + ROW_SPACING);
  if (i >= self->n_items)
    return FALSE;
  text = g_strdup_printf ("%s: %s", self->labels[i], self->value_texts[i]);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
wabiz_chart_hbars_finalize (GObject *object)
{
  WabizChartHBars *self = WABIZ_CHART_HBARS (object);

  g_strfreev (self->labels);
  g_strfreev (self->value_texts);
  g_free (self->values);
  g_free (self->colors);

  G_OBJECT_CLASS (wabiz_chart_hbars_parent_class)->finalize (object);
}

static void
wabiz_chart_hbars_class_init (WabizChartHBarsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = wabiz_chart_hbars_finalize;

  widget_class->snapshot = wabiz_chart_hbars_snapshot;
  widget_class->measure = wabiz_chart_hbars_measure;
  widget_class->query_tooltip = wabiz_chart_hbars_query_tooltip;
}

static void
wabiz_chart_hbars_init (WabizChartHBars *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
}

GtkWidget *
wabiz_chart_hbars_new (void)
{
  return g_object_new (WABIZ_TYPE_CHART_HBARS, NULL);
}

void
wabiz_chart_hbars_set_items (WabizChartHBars       *self,
                             guint                  n_items,
                             const char * const    *labels,
                             const double          *values,
                             const char * const    *value_texts,
                             const WabizChartColor *colors)
{
  g_return_if_fail (WABIZ_IS_CHART_HBARS (self));
  g_return_if_fail (n_items == 0 || (labels != NULL && values != NULL && value_texts != NULL));

  g_strfreev (self->labels);
  g_strfreev (self->value_texts);
  g_free (self->values);
  g_free (self->colors);
  self->labels = g_new0 (char *, n_items + 1);
  self->value_texts = g_new0 (char *, n_items + 1);
  self->values = g_new0 (double, MAX (1, n_items));
  self->colors = g_new0 (WabizChartColor, MAX (1, n_items));
  for (guint i = 0; i < n_items; i++)
    {
      self->labels[i] = g_strdup (labels[i]);
      self->value_texts[i] = g_strdup (value_texts[i]);
      self->values[i] = values[i];
      self->colors[i] = colors != NULL ? colors[i] : WABIZ_CHART_COLOR_ACCENT;
    }
  self->n_items = n_items;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
wabiz_chart_hbars_set_max (WabizChartHBars *self,
                           double           max)
{
  g_return_if_fail (WABIZ_IS_CHART_HBARS (self));

  self->max = max;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
wabiz_chart_hbars_get_n_items (WabizChartHBars *self)
{
  g_return_val_if_fail (WABIZ_IS_CHART_HBARS (self), 0);

  return self->n_items;
}

const char *
wabiz_chart_hbars_get_label (WabizChartHBars *self,
                             guint            item)
{
  g_return_val_if_fail (WABIZ_IS_CHART_HBARS (self), NULL);
  g_return_val_if_fail (item < self->n_items, NULL);

  return self->labels[item];
}

const char *
wabiz_chart_hbars_get_value_text (WabizChartHBars *self,
                                  guint            item)
{
  g_return_val_if_fail (WABIZ_IS_CHART_HBARS (self), NULL);
  g_return_val_if_fail (item < self->n_items, NULL);

  return self->value_texts[item];
}
