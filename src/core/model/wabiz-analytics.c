/* wabiz-analytics.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Analytics figures, for the Analytics pane and GET /analytics: the
 * SQL functions of data/sql/014-analytics.sql compute them in the
 * database from small summary tables, so that a year of a million
 * messages is read in a few tens of milliseconds. A run first brings the
 * summaries up to date and places the period (its local days, in the
 * query's time zone), then runs each group of figures as one statement,
 * the groups at the same time on the pool's connections, and merges
 * their JSON objects.
 */

#define G_LOG_DOMAIN "wabiz-analytics"

#include "config.h"

#include "wabiz-analytics.h"

#include <glib/gi18n-lib.h>
#include <string.h>

struct _WabizAnalyticsQuery
{
  WabizAnalyticsPeriod period;
  GDate                first;     /* custom only */
  GDate                last;
  char                *zone;      /* (owned) (nullable): the database's */
  GDateTime           *now;       /* (owned) (nullable): the call's */
  guint                hours[14]; /* open, close minute for Monday … Sunday */
};

G_DEFINE_BOXED_TYPE (WabizAnalyticsQuery, wabiz_analytics_query,
                     wabiz_analytics_query_copy, wabiz_analytics_query_free)

G_DEFINE_QUARK (wabiz-analytics-error-quark, wabiz_analytics_error)

/* The second statement of WABIZ_ANALYTICS_REPLIES: the reply times,
 * whose sort is the longest step of a year's figures, beside the rest */
#define REPLY_TIMES (1 << 8)

/* A campaign message's steps, as wabiz_analytics_cube() counts them */
#define REACHED_SENT_SQL                                                               \
  "(m.sent_at IS NOT NULL OR m.delivered_at IS NOT NULL OR m.read_at IS NOT NULL"      \
  " OR coalesce(m.status IN ('sent', 'delivered', 'read', 'played'), false))"
#define REACHED_DELIVERED_SQL                                                          \
  "(m.delivered_at IS NOT NULL OR m.read_at IS NOT NULL"                               \
  " OR coalesce(m.status IN ('delivered', 'read', 'played'), false))"
#define REACHED_READ_SQL "(m.read_at IS NOT NULL OR coalesce(m.status IN ('read', 'played'), false))"
#define ISO_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define RATE_SQL(num, den) "CASE WHEN " den " > 0 THEN " num "::float8 / " den " END"

/* The campaigns of the period ($1, $2: its instants), each with the
 * figures of the whole campaign: a recipient replied when its number
 * wrote within the hours after the campaign's message, and opted out
 * when an opt-out of its number (as the lead's or as Meta's wa_id) was
 * recorded in them. */
#define CAMPAIGNS_SQL                                                                  \
  "WITH c AS (SELECT * FROM campaigns"                                                  \
  "            WHERE created_at < $2::timestamptz"                                      \
  "              AND coalesce(finished_at, 'infinity') >= $1::timestamptz"              \
  "            ORDER BY created_at DESC, id LIMIT " G_STRINGIFY (WABIZ_ANALYTICS_MAX_CAMPAIGNS) ")," \
  " f AS (SELECT c.id, x.* FROM c CROSS JOIN LATERAL ("                                 \
  "   SELECT count(m.id) AS messages,"                                                  \
  "     count(*) FILTER (WHERE " REACHED_SENT_SQL ") AS sent,"                          \
  "     count(*) FILTER (WHERE " REACHED_DELIVERED_SQL ") AS delivered,"                \
  "     count(*) FILTER (WHERE " REACHED_READ_SQL ") AS read,"                          \
  "     count(*) FILTER (WHERE m.status = 'failed') AS failed,"                         \
  "     count(*) FILTER (WHERE EXISTS (SELECT 1 FROM messages i"                        \
  "        WHERE i.phone = m.phone AND i.direction = 'inbound'"                         \
  "          AND i.\"timestamp\" > m.\"timestamp\""                                       \
  "          AND i.\"timestamp\" <= m.\"timestamp\" + make_interval(hours => $3::int))) AS replied," \
  "     count(*) FILTER (WHERE EXISTS (SELECT 1 FROM opt_out_events o"                  \
  "        WHERE o.phone IN (r.phone, m.phone) AND o.action = 'opt_out'"                \
  "          AND o.at >= m.\"timestamp\""                                                \
  "          AND o.at <= m.\"timestamp\" + make_interval(hours => $3::int))) AS opted_out" \
  "   FROM campaign_recipients r JOIN messages m ON m.id = r.message_uuid"              \
  "   WHERE r.campaign_id = c.id) x)"                                                   \
  " SELECT json_build_object('campaigns', coalesce(json_agg(json_build_object("         \
  "   'id', c.id, 'name', c.name, 'template_name', c.template_name, 'state', c.state,"  \
  "   'created_at', " ISO_UTC ("c.created_at") ", 'started_at', " ISO_UTC ("c.started_at") "," \
  "   'finished_at', " ISO_UTC ("c.finished_at") ","                                    \
  "   'recipients', c.n_recipients, 'excluded', c.n_excluded, 'messages', f.messages,"  \
  "   'sent', f.sent, 'delivered', f.delivered, 'read', f.read, 'failed', f.failed,"    \
  "   'replied', f.replied, 'opted_out', f.opted_out,"                                  \
  "   'delivered_rate', " RATE_SQL ("f.delivered", "f.sent") ","                        \
  "   'read_rate', " RATE_SQL ("f.read", "f.delivered") ","                             \
  "   'reply_rate', " RATE_SQL ("f.replied", "f.messages") ","                          \
  "   'opt_out_rate', " RATE_SQL ("f.opted_out", "f.messages") ")"                      \
  "   ORDER BY c.created_at DESC, c.id), '[]'))::text"                                  \
  " FROM c JOIN f ON f.id = c.id"

static const char * const period_names[] = { "today", "7d", "30d", "all", "custom" };
static const char * const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static gboolean
is_zone_name (const char *zone)
{
  g_autoptr(GTimeZone) tz = NULL;

  if (zone == NULL || *zone == '\0' || strlen (zone) > 64)
    return FALSE;
  for (const char *p = zone; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/_+-", *p) == NULL)
      return FALSE;
  tz = g_time_zone_new_identifier (zone);
  return tz != NULL;
}

static char *
format_date (const GDate *date)
{
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (date), g_date_get_month (date),
                          g_date_get_day (date));
}

static char *
format_hours (const WabizAnalyticsQuery *query)
{
  GString *s = g_string_new ("{");

  for (guint i = 0; i < G_N_ELEMENTS (query->hours); i++)
    g_string_append_printf (s, "%s%u", i > 0 ? "," : "", query->hours[i]);
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

/* Parses "HH:MM" (24:00 allowed) into minutes */
static gboolean
parse_time (const char *text,
            guint      *minutes)
{
  guint h, m;

  if (strlen (text) != 5 || text[2] != ':' || !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[1]) ||
      !g_ascii_isdigit (text[3]) || !g_ascii_isdigit (text[4]))
    return FALSE;
  h = g_ascii_digit_value (text[0]) * 10 + g_ascii_digit_value (text[1]);
  m = g_ascii_digit_value (text[3]) * 10 + g_ascii_digit_value (text[4]);
  if (m > 59 || h > 24 || (h == 24 && m != 0))
    return FALSE;
  *minutes = h * 60 + m;
  return TRUE;
}

static int
parse_day (const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (day_names); i++)
    if (g_ascii_strcasecmp (text, day_names[i]) == 0)
      return (int) i;
  return -1;
}

WabizAnalyticsQuery *
wabiz_analytics_query_new (WabizAnalyticsPeriod period)
{
  WabizAnalyticsQuery *query;

  g_return_val_if_fail (period <= WABIZ_ANALYTICS_PERIOD_CUSTOM, NULL);

  query = g_new0 (WabizAnalyticsQuery, 1);
  query->period = period;
  g_date_clear (&query->first, 1);
  g_date_clear (&query->last, 1);
  for (guint day = 0; day < 5; day++)
    {
      query->hours[2 * day] = 9 * 60;
      query->hours[2 * day + 1] = 18 * 60;
    }
  return query;
}

WabizAnalyticsQuery *
wabiz_analytics_query_copy (const WabizAnalyticsQuery *query)
{
  WabizAnalyticsQuery *copy;

  g_return_val_if_fail (query != NULL, NULL);

  copy = g_memdup2 (query, sizeof *query);
  copy->zone = g_strdup (query->zone);
  copy->now = query->now != NULL ? g_date_time_ref (query->now) : NULL;
  return copy;
}

void
wabiz_analytics_query_free (WabizAnalyticsQuery *query)
{
  if (query == NULL)
    return;
  g_free (query->zone);
  g_clear_pointer (&query->now, g_date_time_unref);
  g_free (query);
}

WabizAnalyticsPeriod
wabiz_analytics_query_get_period (const WabizAnalyticsQuery *query)
{
  g_return_val_if_fail (query != NULL, WABIZ_ANALYTICS_PERIOD_TODAY);

  return query->period;
}

void
wabiz_analytics_query_set_days (WabizAnalyticsQuery *query,
                                const GDate         *first,
                                const GDate         *last)
{
  g_return_if_fail (query != NULL);
  g_return_if_fail (first != NULL && last != NULL);

  query->first = *first;
  query->last = *last;
}

void
wabiz_analytics_query_set_time_zone (WabizAnalyticsQuery *query,
                                     const char          *zone)
{
  g_return_if_fail (query != NULL);

  g_free (query->zone);
  query->zone = g_strdup (zone);
}

void
wabiz_analytics_query_set_hours (WabizAnalyticsQuery *query,
                                 GDateWeekday         weekday,
                                 guint                open_minute,
                                 guint                close_minute)
{
  g_return_if_fail (query != NULL);
  g_return_if_fail (g_date_valid_weekday (weekday));

  query->hours[2 * (weekday - 1)] = open_minute;
  query->hours[2 * (weekday - 1) + 1] = close_minute;
}

gboolean
wabiz_analytics_query_parse_hours (WabizAnalyticsQuery  *query,
                                   const char           *spec,
                                   GError              **error)
{
  g_auto(GStrv) parts = NULL;
  guint hours[14] = { 0 };

  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  parts = g_strsplit (spec, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *part = g_strstrip (g_strdup (parts[i]));
      g_auto(GStrv) words = g_strsplit (part, " ", 2);
      g_auto(GStrv) days = NULL;
      g_auto(GStrv) times = NULL;
      int from, to;
      guint open, close;

      if (*part == '\0')
        continue;
      if (g_strv_length (words) != 2)
        goto bad;
      days = g_strsplit (words[0], "-", 2);
      times = g_strsplit (g_strstrip (words[1]), "-", 2);
      from = parse_day (days[0]);
      to = days[1] != NULL ? parse_day (days[1]) : from;
      if (from < 0 || to < from || g_strv_length (times) != 2 ||
          !parse_time (times[0], &open) || !parse_time (times[1], &close) || close <= open)
        goto bad;
      for (int day = from; day <= to; day++)
        {
          hours[2 * day] = open;
          hours[2 * day + 1] = close;
        }
    }

  memcpy (query->hours, hours, sizeof hours);
  return TRUE;

bad:
  g_set_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_HOURS,
               _("Business hours are written as days and times, like “mon-fri 09:00-18:00, sat 10:00-14:00”"));
  return FALSE;
}

void
wabiz_analytics_query_set_now (WabizAnalyticsQuery *query,
                               GDateTime           *now)
{
  g_return_if_fail (query != NULL);

  g_clear_pointer (&query->now, g_date_time_unref);
  query->now = now != NULL ? g_date_time_ref (now) : NULL;
}

gboolean
wabiz_analytics_query_validate (const WabizAnalyticsQuery  *query,
                                GError                    **error)
{
  g_return_val_if_fail (query != NULL, FALSE);

  if (query->period == WABIZ_ANALYTICS_PERIOD_CUSTOM)
    {
      if (!g_date_valid (&query->first) || !g_date_valid (&query->last))
        {
          g_set_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_PERIOD,
                       _("Choose the first and the last day of the period"));
          return FALSE;
        }
      if (g_date_compare (&query->first, &query->last) > 0)
        {
          g_set_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_PERIOD,
                       _("The period ends before it starts: choose a last day after the first"));
          return FALSE;
        }
      if (g_date_days_between (&query->first, &query->last) >= WABIZ_ANALYTICS_MAX_DAYS)
        {
          g_set_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_PERIOD,
                       _("A period can span at most three years: choose a shorter one"));
          return FALSE;
        }
    }

  if (query->zone != NULL && !is_zone_name (query->zone))
    {
      g_set_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_TIME_ZONE,
                   _("“%s” is not a time zone: use a name like “Europe/Berlin”"), query->zone);
      return FALSE;
    }

  for (guint day = 0; day < 7; day++)
    if (query->hours[2 * day] > query->hours[2 * day + 1] || query->hours[2 * day + 1] > 24 * 60)
      {
        g_set_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_HOURS,
                     _("Business hours must open before they close, within the day"));
        return FALSE;
      }

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The run */

/* The period as the database placed it */
typedef struct
{
  char *first;
  char *last;
  char *zone;
  char *start;
  char *end;
} Period;

static void
period_clear (Period *period)
{
  g_free (period->first);
  g_free (period->last);
  g_free (period->zone);
  g_free (period->start);
  g_free (period->end);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Period, period_clear)

/* Refreshes the summaries and places the period. On a worker thread. */
static gboolean
place_period (WabizDbConn               *conn,
              const WabizAnalyticsQuery *query,
              gboolean                   refresh,
              Period                    *period,
              GError                   **error)
{
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  g_autofree char *now = NULL;

  if (refresh)
    {
      g_autoptr(WabizDbResult) done = NULL;

      done = wabiz_db_conn_exec (conn, "SELECT wabiz_analytics_refresh(), wabiz_analytics_refresh_leads()",
                                 0, NULL, error);
      if (done == NULL)
        return FALSE;
    }

  if (query->period == WABIZ_ANALYTICS_PERIOD_CUSTOM)
    {
      first = format_date (&query->first);
      last = format_date (&query->last);
    }
  if (query->now != NULL)
    now = g_date_time_format_iso8601 (query->now);

  res = wabiz_db_conn_exec (conn,
                            "SELECT first_day::text, last_day::text, time_zone, start_at, end_at"
                            " FROM wabiz_analytics_period($1, $2::date, $3::date, $4, $5::timestamptz)",
                            5,
                            (const char *[]) { period_names[query->period], first, last, query->zone, now },
                            error);
  if (res == NULL)
    return FALSE;

  period->first = g_strdup (wabiz_db_result_get (res, 0, "first_day"));
  period->last = g_strdup (wabiz_db_result_get (res, 0, "last_day"));
  period->zone = g_strdup (wabiz_db_result_get (res, 0, "time_zone"));
  period->start = g_strdup (wabiz_db_result_get (res, 0, "start_at"));
  period->end = g_strdup (wabiz_db_result_get (res, 0, "end_at"));
  return TRUE;
}

static JsonObject *
parse_object (const char  *text,
              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_QUERY, "No figures came back");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_QUERY, "The figures are not an object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

typedef struct
{
  WabizDb             *db;          /* (owned) */
  WabizAnalyticsQuery *query;       /* (owned) */
  WabizAnalyticsFigures figures;
  Period               period;
  JsonObject          *result;      /* (owned) */
  guint                pending;     /* groups still running */
  GError              *error;       /* (owned) (nullable): the first one */
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->db);
  wabiz_analytics_query_free (run->query);
  period_clear (&run->period);
  g_clear_pointer (&run->result, json_object_unref);
  g_clear_error (&run->error);
  g_free (run);
}

typedef struct
{
  Run   *run;    /* (unowned): the main task's data */
  guint  group;  /* a WabizAnalyticsFigures, or REPLY_TIMES */
} Group;

static void
group_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  Group *group = task_data;
  Run *run = group->run;
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *hours = NULL;
  GError *error = NULL;
  JsonObject *object;
  const char *params[] = { run->period.first, run->period.last, run->period.zone, NULL };
  const char *sql;
  int n_params = 3;

  switch (group->group)
    {
    case WABIZ_ANALYTICS_MESSAGES:
      sql = "SELECT wabiz_analytics_messages($1::date, $2::date, $3)::text";
      break;
    case WABIZ_ANALYTICS_LEADS:
      sql = "SELECT wabiz_analytics_leads($1::date, $2::date, $3)::text";
      break;
    case WABIZ_ANALYTICS_REPLIES:
      sql = "SELECT json_build_object('replies', wabiz_analytics_replies($1::date, $2::date, $3, $4::int[]))::text";
      hours = format_hours (run->query);
      params[3] = hours;
      n_params = 4;
      break;
    case REPLY_TIMES:
      sql = "SELECT json_build_object('replies', wabiz_analytics_reply_times($1::date, $2::date, $3))::text";
      break;
    case WABIZ_ANALYTICS_CAMPAIGNS:
      sql = CAMPAIGNS_SQL;
      params[0] = run->period.start;
      params[1] = run->period.end;
      params[2] = G_STRINGIFY (WABIZ_ANALYTICS_CAMPAIGN_HOURS);
      break;
    case WABIZ_ANALYTICS_ALL:
    default:
      g_assert_not_reached ();
    }

  res = wabiz_db_conn_exec_prepared (conn, sql, n_params, params, &error);
  if (res == NULL || (object = parse_object (wabiz_db_result_get_nth (res, 0, 0), &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
}

/* One group less to wait for: takes @task */
static void
finish_one (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (--run->pending > 0)
    {
      g_object_unref (task);
      return;
    }

  if (run->error != NULL)
    g_task_return_error (task, g_steal_pointer (&run->error));
  else
    g_task_return_pointer (task, json_object_ref (run->result), (GDestroyNotify) json_object_unref);
  g_object_unref (task);
}

static void
group_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  object = g_task_propagate_pointer (G_TASK (result), &error);
  if (object == NULL)
    {
      if (run->error == NULL)
        run->error = g_steal_pointer (&error);
    }
  else
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *node;

      /* two statements fill "replies": their members are merged */
      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &node))
        {
          JsonNode *have = json_object_get_member (run->result, name);

          if (have != NULL && JSON_NODE_HOLDS_OBJECT (have) && JSON_NODE_HOLDS_OBJECT (node))
            {
              JsonObjectIter inner;
              const char *inner_name;
              JsonNode *inner_node;

              json_object_iter_init (&inner, json_node_get_object (node));
              while (json_object_iter_next (&inner, &inner_name, &inner_node))
                json_object_set_member (json_node_get_object (have), inner_name, json_node_copy (inner_node));
            }
          else
            json_object_set_member (run->result, name, json_node_copy (node));
        }
    }

  finish_one (task);
}

static void
period_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Run *run = task_data;
  GError *error = NULL;

  if (!place_period (conn, run->query, TRUE, &run->period, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
period_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  JsonObject *period;
  /* the longest first */
  static const struct { guint group; WabizAnalyticsFigures asked; } groups[] = {
    { REPLY_TIMES, WABIZ_ANALYTICS_REPLIES },
    { WABIZ_ANALYTICS_MESSAGES, WABIZ_ANALYTICS_MESSAGES },
    { WABIZ_ANALYTICS_REPLIES, WABIZ_ANALYTICS_REPLIES },
    { WABIZ_ANALYTICS_LEADS, WABIZ_ANALYTICS_LEADS },
    { WABIZ_ANALYTICS_CAMPAIGNS, WABIZ_ANALYTICS_CAMPAIGNS },
  };

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  run->result = json_object_new ();
  period = json_object_new ();
  json_object_set_string_member (period, "first_day", run->period.first);
  json_object_set_string_member (period, "last_day", run->period.last);
  json_object_set_string_member (period, "time_zone", run->period.zone);
  json_object_set_string_member (period, "start", run->period.start);
  json_object_set_string_member (period, "end", run->period.end);
  json_object_set_object_member (run->result, "period", period);

  /* one more for the loop itself, so that no group finishing early
   * returns the task before every group is on its way */
  run->pending = 1;
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      g_autoptr(GTask) group_task = NULL;
      Group *group;

      if ((run->figures & groups[i].asked) == 0)
        continue;
      group = g_new0 (Group, 1);
      group->run = run;
      group->group = groups[i].group;
      group_task = g_task_new (NULL, g_task_get_cancellable (task), group_done_cb, g_object_ref (task));
      g_task_set_source_tag (group_task, period_done_cb);
      g_task_set_task_data (group_task, group, g_free);
      run->pending++;
      wabiz_db_run_in_thread (run->db, group_task, group_job);
    }

  /* the loop's own count */
  finish_one (g_steal_pointer (&task));
}

void
wabiz_analytics_run_async (WabizDb                   *db,
                           const WabizAnalyticsQuery *query,
                           WabizAnalyticsFigures      figures,
                           GCancellable              *cancellable,
                           GAsyncReadyCallback        callback,
                           gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) period_task = NULL;
  GError *error = NULL;
  Run *run;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (query != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_analytics_run_async);

  if (!wabiz_analytics_query_validate (query, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  run = g_new0 (Run, 1);
  run->db = g_object_ref (db);
  run->query = wabiz_analytics_query_copy (query);
  run->figures = figures & WABIZ_ANALYTICS_ALL;
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  period_task = g_task_new (NULL, cancellable, period_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (period_task, period_job);
  g_task_set_task_data (period_task, run, NULL);
  wabiz_db_run_in_thread (db, period_task, period_job);
}

JsonObject *
wabiz_analytics_run_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_analytics_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* The messages of one failure reason */

typedef struct
{
  WabizAnalyticsQuery *query;       /* (owned) */
  gboolean             has_code;
  char                *code;        /* (owned) (nullable) */
  char                *title;       /* (owned) (nullable) */
  char                *before_at;   /* (owned) (nullable): the cursor */
  char                *before_id;   /* (owned) (nullable) */
  char                *limit;       /* (owned) */
} ListFailed;

static void
list_failed_free (ListFailed *list)
{
  wabiz_analytics_query_free (list->query);
  g_free (list->code);
  g_free (list->title);
  g_free (list->before_at);
  g_free (list->before_id);
  g_free (list->limit);
  g_free (list);
}

static void
list_failed_job (WabizDb      *db,
                 WabizDbConn  *conn,
                 GTask        *task,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ListFailed *list = task_data;
  g_auto(Period) period = { 0 };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GString) sql = NULL;
  GError *error = NULL;
  JsonObject *object;

  if (!place_period (conn, list->query, FALSE, &period, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* two statements rather than one with "IS NOT DISTINCT FROM", which
   * no index serves: messages_failures serves a code */
  sql = g_string_new ("WITH page AS (SELECT id, phone, \"timestamp\", type, template_name, error_details"
                      " FROM messages"
                      " WHERE direction = 'outbound' AND status = 'failed'"
                      "   AND \"timestamp\" >= $1::timestamptz AND \"timestamp\" < $2::timestamptz"
                      "   AND error_title IS NOT DISTINCT FROM $4");
  g_string_append (sql, list->has_code ? " AND error_code = $3::int" : " AND error_code IS NULL AND $3::int IS NULL");
  g_string_append (sql, "   AND ($5::timestamptz IS NULL OR (\"timestamp\", id) < ($5::timestamptz, $6::uuid))"
                        " ORDER BY \"timestamp\" DESC, id DESC LIMIT $7::int)"
                        " SELECT json_build_object('messages', coalesce(json_agg(json_build_object("
                        "   'id', id, 'phone', phone,"
                        "   'lead_name', (SELECT l.name FROM leads l WHERE l.phone = page.phone LIMIT 1),"
                        "   'timestamp', to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
                        "   'type', type, 'template_name', template_name, 'error_details', error_details)"
                        "   ORDER BY \"timestamp\" DESC, id DESC), '[]'),"
                        " 'next', CASE WHEN count(*) = $7::int THEN"
                        "   (array_agg(to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                        "      || '~' || id ORDER BY \"timestamp\", id))[1] END)::text"
                        " FROM page");

  res = wabiz_db_conn_exec (conn, sql->str, 7,
                            (const char *[]) { period.start, period.end, list->code, list->title,
                                               list->before_at, list->before_id, list->limit },
                            &error);
  if (res == NULL || (object = parse_object (wabiz_db_result_get_nth (res, 0, 0), &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
}

/* "<ISO time>~<uuid>" */
static gboolean
parse_cursor (const char  *cursor,
              char       **at,
              char       **id)
{
  g_auto(GStrv) parts = g_strsplit (cursor, "~", 3);
  g_autoptr(GDateTime) time = NULL;

  if (g_strv_length (parts) != 2 || !g_uuid_string_is_valid (parts[1]))
    return FALSE;
  time = g_date_time_new_from_iso8601 (parts[0], NULL);
  if (time == NULL)
    return FALSE;
  *at = g_strdup (parts[0]);
  *id = g_strdup (parts[1]);
  return TRUE;
}

void
wabiz_analytics_list_failed_async (WabizDb                   *db,
                                   const WabizAnalyticsQuery *query,
                                   gboolean                   has_error_code,
                                   gint64                     error_code,
                                   const char                *error_title,
                                   const char                *cursor,
                                   guint                      limit,
                                   GCancellable              *cancellable,
                                   GAsyncReadyCallback        callback,
                                   gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  ListFailed *list;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (query != NULL);
  g_return_if_fail (limit >= 1 && limit <= 500);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_analytics_list_failed_async);

  if (!wabiz_analytics_query_validate (query, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  list = g_new0 (ListFailed, 1);
  list->query = wabiz_analytics_query_copy (query);
  list->has_code = has_error_code;
  list->code = has_error_code ? g_strdup_printf ("%" G_GINT64_FORMAT, error_code) : NULL;
  list->title = g_strdup (error_title);
  list->limit = g_strdup_printf ("%u", limit);
  g_task_set_task_data (task, list, (GDestroyNotify) list_failed_free);

  if (has_error_code && (error_code < G_MININT32 || error_code > G_MAXINT32))
    {
      g_task_return_new_error (task, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_CURSOR,
                               _("No failure has that error code"));
      return;
    }
  if (cursor != NULL && !parse_cursor (cursor, &list->before_at, &list->before_id))
    {
      g_task_return_new_error (task, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_CURSOR,
                               _("The page asked for does not exist: start again from the first page"));
      return;
    }

  wabiz_db_run_in_thread (db, g_steal_pointer (&task), list_failed_job);
}

JsonObject *
wabiz_analytics_list_failed_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_analytics_list_failed_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
