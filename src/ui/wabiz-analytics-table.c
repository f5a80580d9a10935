/* wabiz-analytics-table.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The figures of one Analytics chart as a table: a GtkColumnView of rows
 * of texts, for whoever would rather read numbers than bars, and for
 * screen readers, which read it cell by cell. The rows are kept here;
 * the list the view shows only counts them, and each cell reads its
 * text by the row's position when it is bound.
 */

#define G_LOG_DOMAIN "wabiz-analytics-table"

#include "config.h"

#include "wabiz-analytics-table.h"

struct _WabizAnalyticsTable
{
  GtkWidget      parent_instance;

  GtkWidget     *scroller;  /* (owned): the child */
  GtkColumnView *view;      /* (unowned): in the scroller */
  GtkStringList *items;     /* (owned): one per row, its text unused */
  GStrv          titles;    /* (owned) */
  GPtrArray     *rows;      /* (owned): of GStrv */
};

G_DEFINE_FINAL_TYPE (WabizAnalyticsTable, wabiz_analytics_table, GTK_TYPE_WIDGET)

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  guint column = GPOINTER_TO_UINT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column == 0 ? 0.f : 1.f);
  if (column > 0)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         gpointer                  user_data)
{
  WabizAnalyticsTable *self = g_object_get_data (G_OBJECT (factory), "table");
  guint column = GPOINTER_TO_UINT (user_data);
  guint position = gtk_list_item_get_position (item);
  const char *text = NULL;

  if (self != NULL && position < self->rows->len)
    {
      GStrv cells = g_ptr_array_index (self->rows, position);

      if (column < g_strv_length (cells))
        text = cells[column];
    }
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text != NULL ? text : "");
}

static void
clear_columns (WabizAnalyticsTable *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->view);

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->view, column);
    }
}

static void
wabiz_analytics_table_dispose (GObject *object)
{
  WabizAnalyticsTable *self = WABIZ_ANALYTICS_TABLE (object);

  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  self->view = NULL;

  G_OBJECT_CLASS (wabiz_analytics_table_parent_class)->dispose (object);
}

static void
wabiz_analytics_table_finalize (GObject *object)
{
  WabizAnalyticsTable *self = WABIZ_ANALYTICS_TABLE (object);

  g_clear_object (&self->items);
  g_strfreev (self->titles);
  g_ptr_array_unref (self->rows);

  G_OBJECT_CLASS (wabiz_analytics_table_parent_class)->finalize (object);
}

static void
wabiz_analytics_table_class_init (WabizAnalyticsTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_analytics_table_dispose;
  object_class->finalize = wabiz_analytics_table_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wabiz_analytics_table_init (WabizAnalyticsTable *self)
{
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  self->items = gtk_string_list_new (NULL);
  self->view = GTK_COLUMN_VIEW (gtk_column_view_new (GTK_SELECTION_MODEL (
    gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->items))))));
  gtk_column_view_set_show_row_separators (self->view, TRUE);
  gtk_column_view_set_reorderable (self->view, FALSE);

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (self->scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (self->scroller), 360);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->view));
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));
}

GtkWidget *
wabiz_analytics_table_new (void)
{
  return g_object_new (WABIZ_TYPE_ANALYTICS_TABLE, NULL);
}

void
wabiz_analytics_table_set_title (WabizAnalyticsTable *self,
                                 const char          *title)
{
  g_return_if_fail (WABIZ_IS_ANALYTICS_TABLE (self));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
}

void
wabiz_analytics_table_set_columns (WabizAnalyticsTable *self,
                                   const char * const  *titles)
{
  g_return_if_fail (WABIZ_IS_ANALYTICS_TABLE (self));
  g_return_if_fail (titles != NULL);

  if (self->titles != NULL && g_strv_equal ((const char * const *) self->titles, titles))
    return;

  wabiz_analytics_table_set_rows (self, NULL);
  clear_columns (self);
  g_strfreev (self->titles);
  self->titles = g_strdupv ((char **) titles);
  for (guint i = 0; titles[i] != NULL; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_object_set_data (G_OBJECT (factory), "table", self);
      g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), GUINT_TO_POINTER (i));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), GUINT_TO_POINTER (i));
      column = gtk_column_view_column_new (titles[i], factory);
      gtk_column_view_column_set_expand (column, i == 0);
      gtk_column_view_append_column (self->view, column);
    }
}

void
wabiz_analytics_table_set_rows (WabizAnalyticsTable *self,
                                GPtrArray           *rows)
{
  guint old, n;
  g_autofree const char **blanks = NULL;

  g_return_if_fail (WABIZ_IS_ANALYTICS_TABLE (self));

  old = self->rows->len;
  n = rows != NULL ? rows->len : 0;
  g_ptr_array_set_size (self->rows, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->rows, g_strdupv (g_ptr_array_index (rows, i)));

  /* every row again: the texts all change with the period */
  blanks = g_new0 (const char *, n + 1);
  for (guint i = 0; i < n; i++)
    blanks[i] = "";
  gtk_string_list_splice (self->items, 0, old, blanks);
}

guint
wabiz_analytics_table_get_n_columns (WabizAnalyticsTable *self)
{
  g_return_val_if_fail (WABIZ_IS_ANALYTICS_TABLE (self), 0);

  return self->titles != NULL ? g_strv_length (self->titles) : 0;
}

const char *
wabiz_analytics_table_get_column_title (WabizAnalyticsTable *self,
                                        guint                column)
{
  g_return_val_if_fail (WABIZ_IS_ANALYTICS_TABLE (self), NULL);
  g_return_val_if_fail (column < wabiz_analytics_table_get_n_columns (self), NULL);

  return self->titles[column];
}

guint
wabiz_analytics_table_get_n_rows (WabizAnalyticsTable *self)
{
  g_return_val_if_fail (WABIZ_IS_ANALYTICS_TABLE (self), 0);

  return self->rows->len;
}

const char *
wabiz_analytics_table_get_cell (WabizAnalyticsTable *self,
                                guint                row,
                                guint                column)
{
  GStrv cells;

  g_return_val_if_fail (WABIZ_IS_ANALYTICS_TABLE (self), NULL);
  g_return_val_if_fail (row < self->rows->len, NULL);

  cells = g_ptr_array_index (self->rows, row);
  g_return_val_if_fail (column < g_strv_length (cells), NULL);
  return cells[column];
}

GtkColumnView *
wabiz_analytics_table_get_view (WabizAnalyticsTable *self)
{
  g_return_val_if_fail (WABIZ_IS_ANALYTICS_TABLE (self), NULL);

  return self->view;
}
