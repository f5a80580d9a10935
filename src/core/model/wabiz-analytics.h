/* wabiz-analytics.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

/**
 * WabizAnalyticsPeriod:
 * @WABIZ_ANALYTICS_PERIOD_TODAY: today, in the query's time zone
 * @WABIZ_ANALYTICS_PERIOD_7_DAYS: the last 7 days, today included
 * @WABIZ_ANALYTICS_PERIOD_30_DAYS: the last 30 days, today included
 * @WABIZ_ANALYTICS_PERIOD_ALL: from the day of the first message to today
 * @WABIZ_ANALYTICS_PERIOD_CUSTOM: the days given with
 *   wabiz_analytics_query_set_days()
 */
typedef enum
{
  WABIZ_ANALYTICS_PERIOD_TODAY,
  WABIZ_ANALYTICS_PERIOD_7_DAYS,
  WABIZ_ANALYTICS_PERIOD_30_DAYS,
  WABIZ_ANALYTICS_PERIOD_ALL,
  WABIZ_ANALYTICS_PERIOD_CUSTOM,
} WabizAnalyticsPeriod;

/**
 * WabizAnalyticsFigures:
 * @WABIZ_ANALYTICS_MESSAGES: total_messages, by_status, by_type,
 *   by_direction, messages_per_day, funnel, failures, busiest_hours
 * @WABIZ_ANALYTICS_LEADS: total_leads, leads_by_status, new_leads,
 *   new_leads_by_status, new_leads_per_day, total_conversations
 * @WABIZ_ANALYTICS_REPLIES: replies
 * @WABIZ_ANALYTICS_CAMPAIGNS: campaigns
 * @WABIZ_ANALYTICS_ALL: all of them
 *
 * The groups of figures; each is one statement, and the groups asked
 * for run at the same time on the pool's connections.
 */
typedef enum
{
  WABIZ_ANALYTICS_MESSAGES = 1 << 0,
  WABIZ_ANALYTICS_LEADS = 1 << 1,
  WABIZ_ANALYTICS_REPLIES = 1 << 2,
  WABIZ_ANALYTICS_CAMPAIGNS = 1 << 3,
  WABIZ_ANALYTICS_ALL = 0xf,
} WabizAnalyticsFigures;

/**
 * WabizAnalyticsError:
 * @WABIZ_ANALYTICS_ERROR_INVALID_PERIOD: the days are missing, reversed,
 *   or span more than 3 years
 * @WABIZ_ANALYTICS_ERROR_INVALID_TIME_ZONE: not a time zone name
 * @WABIZ_ANALYTICS_ERROR_INVALID_HOURS: business hours that cannot be
 * @WABIZ_ANALYTICS_ERROR_INVALID_CURSOR: a page cursor not given by
 *   wabiz_analytics_list_failed_async()
 */
typedef enum
{
  WABIZ_ANALYTICS_ERROR_INVALID_PERIOD,
  WABIZ_ANALYTICS_ERROR_INVALID_TIME_ZONE,
  WABIZ_ANALYTICS_ERROR_INVALID_HOURS,
  WABIZ_ANALYTICS_ERROR_INVALID_CURSOR,
} WabizAnalyticsError;

#define WABIZ_ANALYTICS_ERROR (wabiz_analytics_error_quark ())
GQuark wabiz_analytics_error_quark (void);

/* The longest custom period, in days */
#define WABIZ_ANALYTICS_MAX_DAYS (3 * 366)

/* How long after its campaign message a recipient's reply or opt-out
 * counts as caused by the campaign, in hours */
#define WABIZ_ANALYTICS_CAMPAIGN_HOURS 72

/* The most campaigns the figures list, newest first */
#define WABIZ_ANALYTICS_MAX_CAMPAIGNS 50

/* What to compute: a period of local days in a time zone, and the
 * business hours replies are measured against. */
typedef struct _WabizAnalyticsQuery WabizAnalyticsQuery;

#define WABIZ_TYPE_ANALYTICS_QUERY (wabiz_analytics_query_get_type ())
GType                wabiz_analytics_query_get_type (void) G_GNUC_CONST;
/* Time zone: the database's; business hours: Monday to Friday, 09:00–18:00. */
WabizAnalyticsQuery *wabiz_analytics_query_new      (WabizAnalyticsPeriod        period);
WabizAnalyticsQuery *wabiz_analytics_query_copy     (const WabizAnalyticsQuery  *query);
void                 wabiz_analytics_query_free     (WabizAnalyticsQuery        *query);
WabizAnalyticsPeriod wabiz_analytics_query_get_period (const WabizAnalyticsQuery *query);
/* For %WABIZ_ANALYTICS_PERIOD_CUSTOM: the first and last local day, both
 * counted. */
void                 wabiz_analytics_query_set_days (WabizAnalyticsQuery        *query,
                                                     const GDate                *first,
                                                     const GDate                *last);
/* @zone: (nullable): an IANA name ("Europe/Berlin", "UTC"); NULL: the
 * database's time zone */
void                 wabiz_analytics_query_set_time_zone (WabizAnalyticsQuery   *query,
                                                     const char                 *zone);
/* Business hours of one weekday, in minutes from local midnight
 * (0 … 1440); @open_minute == @close_minute: closed all day. */
void                 wabiz_analytics_query_set_hours (WabizAnalyticsQuery       *query,
                                                     GDateWeekday                weekday,
                                                     guint                       open_minute,
                                                     guint                       close_minute);
/* Replaces every day's hours with @spec: comma-separated "DAY[-DAY]
 * HH:MM-HH:MM" with three-letter English day names, e.g.
 * "mon-fri 09:00-18:00, sat 10:00-14:00"; days not named are closed. */
gboolean             wabiz_analytics_query_parse_hours (WabizAnalyticsQuery     *query,
                                                     const char                 *spec,
                                                     GError                    **error);
/* "Now", which places today, 7 and 30 days; NULL: the time of the call. */
void                 wabiz_analytics_query_set_now  (WabizAnalyticsQuery        *query,
                                                     GDateTime                  *now);
gboolean             wabiz_analytics_query_validate (const WabizAnalyticsQuery  *query,
                                                     GError                    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizAnalyticsQuery, wabiz_analytics_query_free)

/**
 * wabiz_analytics_run_async:
 *
 * Computes @figures for @query in the database, as one JSON object:
 *
 * - `period`: `first_day`, `last_day` (local days, "YYYY-MM-DD"),
 *   `time_zone`, `start`, `end` (the instants they span, UTC ISO 8601);
 * - MESSAGES, of the messages whose time falls in the period:
 *   `total_messages`; `by_status`, `by_type`, `by_direction` (objects of
 *   counts); `messages_per_day` (one `{day, sent, received}` per local
 *   day, in order, zeros included); `funnel`: of the outbound messages,
 *   `outbound`, how many reached `sent`, `delivered`, `read` (a later step
 *   counts for the earlier ones), `failed`, and `sent_rate` (sent /
 *   outbound), `delivered_rate` (delivered / sent), `read_rate` (read /
 *   delivered), `failed_rate` (failed / outbound), each null when it
 *   would divide by zero; `failures`: `{error_code, error_title, count}`
 *   per reason Meta gave (either may be null), most frequent first;
 *   `busiest_hours`: 7 arrays (Monday first) of 24 counts of inbound
 *   messages per local hour;
 * - LEADS: `total_leads` and `leads_by_status` (all leads, the five
 *   statuses always present), `new_leads`, `new_leads_by_status` and
 *   `new_leads_per_day` (`{day, count}`): the leads created in the period;
 *   `total_conversations` (all of them);
 * - REPLIES: `replies`: `turns` (customer turns started in the period: a
 *   customer's message after one of ours, or the first of a
 *   conversation), `unanswered` (of those, not yet answered); `replies`
 *   (our first replies to a turn sent in the period), `median_seconds`
 *   and `p90_seconds` (their time since the turn started, interpolated;
 *   null without replies), `within_business_hours` and
 *   `within_business_hours_share` (of those replies, how many were sent
 *   within the business hours; null without replies);
 * - CAMPAIGNS: `campaigns`: the campaigns created before the period's
 *   end and not finished before its start, newest first (at most
 *   %WABIZ_ANALYTICS_MAX_CAMPAIGNS), each `{id, name, template_name,
 *   state, created_at, started_at, finished_at}` with the figures of the
 *   whole campaign: `recipients` and `excluded` (as created), `messages`
 *   (recipients whose message was queued), how many of those reached
 *   `sent`, `delivered`, `read` (as in `funnel`), `failed`, `replied`
 *   (the customer wrote within %WABIZ_ANALYTICS_CAMPAIGN_HOURS hours
 *   after the campaign's message) and `opted_out` (opted out within the
 *   same hours), and `delivered_rate` (delivered / sent), `read_rate`
 *   (read / delivered), `reply_rate` and `opt_out_rate` (of `messages`),
 *   each null when it would divide by zero.
 *
 * Figures are as of the call: the database's summary tables are brought
 * up to date first. Errors: %WABIZ_ANALYTICS_ERROR for a query that
 * cannot be, %WABIZ_DB_ERROR when the database fails.
 */
void        wabiz_analytics_run_async    (WabizDb                   *db,
                                          const WabizAnalyticsQuery *query,
                                          WabizAnalyticsFigures      figures,
                                          GCancellable              *cancellable,
                                          GAsyncReadyCallback        callback,
                                          gpointer                   user_data);
JsonObject *wabiz_analytics_run_finish   (GAsyncResult              *result,
                                          GError                   **error);

/**
 * wabiz_analytics_list_failed_async:
 * @has_error_code: FALSE for failures without a code
 * @error_title: (nullable): the reason's title as in `failures`
 * @cursor: (nullable): the `next` of the previous page; NULL: the first
 * @limit: 1 … 500 messages a page
 *
 * The outbound messages of the period that failed for one reason, newest
 * first: `{"messages": [{id, phone, lead_name, timestamp, type,
 * template_name, error_details}], "next": cursor or null}`; `lead_name`
 * is the name of the lead with that number, or null.
 */
void        wabiz_analytics_list_failed_async  (WabizDb                   *db,
                                                const WabizAnalyticsQuery *query,
                                                gboolean                   has_error_code,
                                                gint64                     error_code,
                                                const char                *error_title,
                                                const char                *cursor,
                                                guint                      limit,
                                                GCancellable              *cancellable,
                                                GAsyncReadyCallback        callback,
                                                gpointer                   user_data);
JsonObject *wabiz_analytics_list_failed_finish (GAsyncResult              *result,
                                                GError                   **error);

G_END_DECLS
