/* wabiz-analytics-table.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_ANALYTICS_TABLE (wabiz_analytics_table_get_type ())
G_DECLARE_FINAL_TYPE (WabizAnalyticsTable, wabiz_analytics_table, WABIZ, ANALYTICS_TABLE, GtkWidget)

GtkWidget  *wabiz_analytics_table_new              (void);
/* What the table holds, for a screen reader */
void        wabiz_analytics_table_set_title        (WabizAnalyticsTable *self,
                                                    const char          *title);
/* The columns' titles; the first column is a row's name, the others are
 * figures (aligned to the right). Drops the rows. */
void        wabiz_analytics_table_set_columns      (WabizAnalyticsTable *self,
                                                    const char * const  *titles);
/* The rows, each a NULL-terminated array of as many texts as columns */
void        wabiz_analytics_table_set_rows         (WabizAnalyticsTable *self,
                                                    GPtrArray           *rows);
guint       wabiz_analytics_table_get_n_columns    (WabizAnalyticsTable *self);
const char *wabiz_analytics_table_get_column_title (WabizAnalyticsTable *self,
                                                    guint                column);
guint       wabiz_analytics_table_get_n_rows       (WabizAnalyticsTable *self);
const char *wabiz_analytics_table_get_cell         (WabizAnalyticsTable *self,
                                                    guint                row,
                                                    guint                column);
GtkColumnView *wabiz_analytics_table_get_view      (WabizAnalyticsTable *self);

G_END_DECLS
