/* wabiz-chart.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The base class of the Analytics charts, which draw themselves with
 * GTK's snapshot API (no image files, no web view). A chart is an image
 * to a screen reader: its title is its accessible label, and its
 * description, which the pane writes, says every figure it shows in
 * words.
 *
 * Colours come from the style, not from numbers in the code: the chart
 * holds one small child per colour with libadwaita's style class of that
 * colour (.accent, .success, .warning, .error), never drawn, and reads
 * each child's CSS colour. They follow light and dark and high contrast,
 * and a change of style redraws the chart (a child's redraw is its
 * parent's).
 */

#define G_LOG_DOMAIN "wabiz-chart"

#include "config.h"

#include "wabiz-chart.h"

#include <glib/gi18n.h>
#include <math.h>

typedef struct
{
  char      *title;                          /* (owned) (nullable) */
  char      *description;                    /* (owned) (nullable) */
  GtkWidget *swatches[WABIZ_CHART_N_COLORS]; /* (owned): never drawn */
} WabizChartPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (WabizChart, wabiz_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const swatch_classes[WABIZ_CHART_N_COLORS] = {
  "accent", "success", "warning", "error", NULL,
};

static void
widget_color (GtkWidget *widget,
              GdkRGBA   *rgba)
{
#if GTK_CHECK_VERSION(4, 10, 0)
  gtk_widget_get_color (widget, rgba);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), rgba);
#endif
}

static void
wabiz_chart_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  WabizChart *self = WABIZ_CHART (widget);
  WabizChartPrivate *priv = wabiz_chart_get_instance_private (self);

  /* the swatches take no room: measured, as GTK wants, and laid at the
   * origin at their smallest, never drawn */
  for (guint i = 0; i < WABIZ_CHART_N_COLORS; i++)
    {
      int w, h;

      gtk_widget_measure (priv->swatches[i], GTK_ORIENTATION_HORIZONTAL, -1, &w, NULL, NULL, NULL);
      gtk_widget_measure (priv->swatches[i], GTK_ORIENTATION_VERTICAL, w, &h, NULL, NULL, NULL);
      gtk_widget_size_allocate (priv->swatches[i], &(GtkAllocation) { 0, 0, w, h }, -1);
    }
}

static void
wabiz_chart_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  WabizChart *self = WABIZ_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, wabiz_chart_get_title (self));
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, wabiz_chart_get_description (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_chart_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  WabizChart *self = WABIZ_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      wabiz_chart_set_title (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      wabiz_chart_set_description (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_chart_dispose (GObject *object)
{
  WabizChart *self = WABIZ_CHART (object);
  WabizChartPrivate *priv = wabiz_chart_get_instance_private (self);

  for (guint i = 0; i < WABIZ_CHART_N_COLORS; i++)
    g_clear_pointer (&priv->swatches[i], gtk_widget_unparent);

  G_OBJECT_CLASS (wabiz_chart_parent_class)->dispose (object);
}

static void
wabiz_chart_finalize (GObject *object)
{
  WabizChart *self = WABIZ_CHART (object);
  WabizChartPrivate *priv = wabiz_chart_get_instance_private (self);

  g_free (priv->title);
  g_free (priv->description);

  G_OBJECT_CLASS (wabiz_chart_parent_class)->finalize (object);
}

static void
wabiz_chart_class_init (WabizChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_chart_get_property;
  object_class->set_property = wabiz_chart_set_property;
  object_class->dispose = wabiz_chart_dispose;
  object_class->finalize = wabiz_chart_finalize;

  widget_class->size_allocate = wabiz_chart_size_allocate;

  /**
   * WabizChart:title:
   *
   * What the chart shows, in a few words; its accessible label.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * WabizChart:description:
   *
   * Every figure the chart shows, in words; its accessible description.
   */
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
wabiz_chart_init (WabizChart *self)
{
  WabizChartPrivate *priv = wabiz_chart_get_instance_private (self);

  for (guint i = 0; i < WABIZ_CHART_N_COLORS; i++)
    {
      priv->swatches[i] = g_object_new (GTK_TYPE_LABEL, "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                        "can-target", FALSE, NULL);
      if (swatch_classes[i] != NULL)
        gtk_widget_add_css_class (priv->swatches[i], swatch_classes[i]);
      gtk_widget_set_parent (priv->swatches[i], GTK_WIDGET (self));
    }
}

const char *
wabiz_chart_get_title (WabizChart *self)
{
  WabizChartPrivate *priv = wabiz_chart_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_CHART (self), NULL);

  return priv->title;
}

void
wabiz_chart_set_title (WabizChart *self,
                       const char *title)
{
  WabizChartPrivate *priv = wabiz_chart_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_CHART (self));

  if (g_strcmp0 (priv->title, title) == 0)
    return;
  g_free (priv->title);
  priv->title = g_strdup (title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
wabiz_chart_get_description (WabizChart *self)
{
  WabizChartPrivate *priv = wabiz_chart_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_CHART (self), NULL);

  return priv->description;
}

void
wabiz_chart_set_description (WabizChart *self,
                             const char *description)
{
  WabizChartPrivate *priv = wabiz_chart_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_CHART (self));

  if (g_strcmp0 (priv->description, description) == 0)
    return;
  g_free (priv->description);
  priv->description = g_strdup (description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

/**
 * wabiz_chart_get_color:
 *
 * The colour @color as the style has it now; the neutral colour is the
 * text's, half transparent.
 */
void
wabiz_chart_get_color (WabizChart      *self,
                       WabizChartColor  color,
                       GdkRGBA         *rgba)
{
  WabizChartPrivate *priv = wabiz_chart_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_CHART (self));
  g_return_if_fail (color < WABIZ_CHART_N_COLORS);

  widget_color (priv->swatches[color], rgba);
  if (color == WABIZ_CHART_COLOR_NEUTRAL)
    rgba->alpha *= 0.45f;
}

/* The text colour of the chart */
void
wabiz_chart_get_foreground (WabizChart *self,
                            GdkRGBA    *rgba)
{
  g_return_if_fail (WABIZ_IS_CHART (self));

  widget_color (GTK_WIDGET (self), rgba);
}

PangoLayout *
wabiz_chart_create_layout (WabizChart *self,
                           const char *text,
                           gboolean    small)
{
  PangoLayout *layout;

  g_return_val_if_fail (WABIZ_IS_CHART (self), NULL);

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  if (small)
    {
      g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
      pango_layout_set_attributes (layout, attrs);
    }
  return layout;
}

void
wabiz_chart_append_layout (GtkSnapshot   *snapshot,
                           PangoLayout   *layout,
                           float          x,
                           float          y,
                           const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

char *
wabiz_chart_format_value (double   value,
                          gboolean compact)
{
  if (compact && fabs (value) >= 1e6)
    /* Translators: a large number on a chart's axis, in millions, such as 1.2M */
    return g_strdup_printf (_("%.1fM"), value / 1e6);
  if (compact && fabs (value) >= 1e4)
    /* Translators: a large number on a chart's axis, in thousands, such as 12k */
    return g_strdup_printf (_("%.0fk"), value / 1e3);
  if (value == floor (value))
    return g_strdup_printf ("%'.0f", value);
  return g_strdup_printf ("%'.1f", value);
}

double
wabiz_chart_nice_max (double max)
{
  double magnitude, fraction;

  if (!(max > 0))
    return 2;
  /* small counts: an even number, so that the middle line is a whole one */
  if (max <= 10)
    return 2 * ceil (max / 2);
  magnitude = pow (10, floor (log10 (max)));
  fraction = max / magnitude;
  if (fraction <= 1)
    return magnitude;
  if (fraction <= 2)
    return 2 * magnitude;
  if (fraction <= 5)
    return 5 * magnitude;
  return 10 * magnitude;
}

/**
 * wabiz_chart_copy_labels:
 * @labels: (nullable) (array length=n): labels, some of them %NULL
 *
 * Returns: (nullable): a copy of the @n @labels, the %NULL ones empty;
 *   %NULL without @labels
 */
GStrv
wabiz_chart_copy_labels (const char * const *labels,
                         guint               n)
{
  GStrv copy;

  if (labels == NULL)
    return NULL;
  copy = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    copy[i] = g_strdup (labels[i] != NULL ? labels[i] : "");
  return copy;
}
