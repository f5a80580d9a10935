/* wabiz-analytics-pane-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * What the Analytics pane's files share: the pane itself
 * (wabiz-analytics-pane.c: loading, the period, the failed messages,
 * export) and its figures (wabiz-analytics-pane-figures.c: the figures
 * on screen, in words, as tables and as CSV). And a test hook.
 */

#pragma once

#include "wabiz-analytics-pane.h"
#include "wabiz-analytics-table.h"
#include "wabiz-analytics.h"
#include "wabiz-business-settings.h"
#include "wabiz-chart-bars.h"
#include "wabiz-chart-hbars.h"
#include "wabiz-chart-heatmap.h"

G_BEGIN_DECLS

struct _WabizAnalyticsPane
{
  WabizPane              parent_instance;

  /* template children */
  GtkStack              *stack;
  AdwStatusPage         *status_page;
  GtkMenuButton         *period_button;
  GtkSpinner            *busy_spinner;
  GtkRevealer           *custom_revealer;
  GtkMenuButton         *first_button;
  GtkMenuButton         *last_button;
  GtkCalendar           *first_calendar;
  GtkCalendar           *last_calendar;
  GtkLabel              *custom_error;
  GtkLabel              *period_label;
  GtkStack              *content_stack;
  AdwStatusPage         *empty_page;
  GtkLabel              *total_label;
  GtkLabel              *sent_label;
  GtkLabel              *received_label;
  GtkLabel              *new_leads_label;
  GtkStack              *per_day_stack;
  WabizChart            *per_day_chart;
  WabizAnalyticsTable   *per_day_table;
  GtkStack              *funnel_stack;
  WabizChart            *funnel_chart;
  WabizAnalyticsTable   *funnel_table;
  GtkLabel              *failures_empty;
  GtkListBox            *failures_list;
  GtkStack              *type_stack;
  WabizChart            *type_chart;
  WabizAnalyticsTable   *type_table;
  GtkStack              *direction_stack;
  WabizChart            *direction_chart;
  WabizAnalyticsTable   *direction_table;
  GtkStack              *lead_status_stack;
  WabizChart            *lead_status_chart;
  WabizAnalyticsTable   *lead_status_table;
  GtkLabel              *total_leads_label;
  GtkStack              *replies_stack;
  GtkLabel              *median_label;
  GtkLabel              *p90_label;
  GtkLabel              *within_hours_label;
  GtkLabel              *waiting_label;
  GtkLabel              *hours_hint;
  WabizAnalyticsTable   *replies_table;
  GtkStack              *new_leads_stack;
  WabizChart            *new_leads_chart;
  WabizAnalyticsTable   *new_leads_table;
  GtkStack              *busiest_stack;
  WabizChart            *busiest_chart;
  WabizAnalyticsTable   *busiest_table;
  GtkStack              *campaigns_stack;
  GtkListBox            *campaigns_list;
  GtkLabel              *campaigns_empty;
  GtkLabel              *campaigns_hint;
  WabizAnalyticsTable   *campaigns_table;
  GtkLabel              *failed_title;
  GtkLabel              *failed_subtitle;
  GtkListBox            *failed_list;
  GtkButton             *more_button;

  /* what is asked for */
  WabizAnalyticsPeriod   period;
  GDate                  first;             /* the custom period's days */
  GDate                  last;
  gboolean               show_table;
  GDateTime             *now;               /* (owned) (nullable): the test's clock */
  WabizBusinessSettings *settings;          /* (owned): time zone and hours */
  gboolean               hours_known;       /* the business set its hours */
  gboolean               selecting_days;    /* the calendars are being set */

  /* what is shown */
  JsonObject            *figures;           /* (owned) (nullable): as on screen */
  WabizAnalyticsQuery   *query;             /* (owned) (nullable): what they answer */
  gboolean               tables_filled;     /* the tables show @figures */

  /* loading */
  GCancellable          *run_cancellable;   /* (owned) (nullable) */
  guint                  refresh_source;    /* the live update's pause */
  gint64                 first_change_us;   /* the first change it waits for */
  gboolean               busy;

  /* the messages of one failure reason */
  JsonObject            *failure;           /* (owned) (nullable): the reason */
  char                  *failed_next;       /* (owned) (nullable): the next page */
  guint                  failed_shown;
  GCancellable          *failed_cancellable; /* (owned) (nullable) */
};

/* wabiz-analytics-pane-figures.c */
void     _wabiz_analytics_pane_show_figures (WabizAnalyticsPane *self);
void     _wabiz_analytics_pane_fill_tables  (WabizAnalyticsPane *self);
GBytes  *_wabiz_analytics_pane_build_csv    (WabizAnalyticsPane *self);
char    *_wabiz_analytics_format_day        (const char         *iso_day,
                                             gboolean            with_year);
char    *_wabiz_analytics_format_duration   (double              seconds);
char    *_wabiz_analytics_format_percent    (double              rate);

/* Test hook: "now" for today, 7 and 30 days; NULL: the real time */
void     _wabiz_analytics_pane_set_now      (WabizAnalyticsPane *self,
                                             GDateTime          *now);

G_END_DECLS
