/* test-analytics.c: the Analytics figures on a real PostgreSQL, checked
 * against the same figures computed here, in C, from the seed list
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "wabiz-analytics.h"
#include "wabiz-migrations.h"
#include "wabiz-test-pg.h"

typedef struct
{
  char    *conninfo;
  WabizDb *db;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->conninfo = wabiz_test_pg_new_database ();
  f->db = wabiz_db_new (f->conninfo, NULL, 4);
  g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  wabiz_db_close (f->db);
  g_clear_object (&f->db);
  g_free (f->conninfo);
}

static void
exec (Fixture    *f,
      const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (res);
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  return g_ascii_strtoll (wabiz_db_result_get_nth (res, 0, 0), NULL, 10);
}

/* ------------------------------------------------------------------ */
/* The seed: a history of known content, kept here as the reference */

typedef struct
{
  char       id[37];
  char       wamid[32];
  const char *phone;
  gboolean   inbound;
  const char *type;
  const char *status;
  gint64     at;          /* unix seconds, UTC */
  gint64     sent_at;     /* 0: none */
  gint64     delivered_at;
  gint64     read_at;
  int        error_code;  /* 0: none */
  const char *error_title;
  gboolean   deleted;
} Msg;

typedef struct
{
  const char *phone;
  const char *status;
  gint64      created_at;
} Lead;

#define REASON_A_CODE 131026
#define REASON_A_TITLE "Message undeliverable"
#define REASON_B_CODE 131047
#define REASON_B_TITLE "Re-engagement message"

static const char *phones[] = { "491701000001", "491701000002", "491701000003", "12125550104",
                                "12125550105", "919800000006", "447700900007" };
static const char *types[] = { "text", "text", "text", "image", "template", "document", "audio" };

static gint64
utc (int year, int month, int day, int hour, int minute, int second)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (year, month, day, hour, minute, second);

  return g_date_time_to_unix (dt);
}

static void
set_outbound_status (Msg        *m,
                     const char *status,
                     GRand      *rand)
{
  m->status = status;
  if (g_str_equal (status, "sent") || g_str_equal (status, "delivered") || g_str_equal (status, "read"))
    m->sent_at = m->at + 1;
  if (g_str_equal (status, "delivered") || g_str_equal (status, "read"))
    m->delivered_at = m->at + 2;
  if (g_str_equal (status, "read"))
    m->read_at = m->at + g_rand_int_range (rand, 10, 4000);
  if (g_str_equal (status, "failed"))
    {
      gboolean a = g_rand_boolean (rand);

      m->error_code = a ? REASON_A_CODE : REASON_B_CODE;
      m->error_title = a ? REASON_A_TITLE : REASON_B_TITLE;
      /* some were sent before they failed */
      if (g_rand_int_range (rand, 0, 3) == 0)
        m->sent_at = m->at + 1;
    }
}

/* Random messages from 2024-03-07 to 2024-04-03, across New York's
 * (03-10) and Berlin's (03-31) change to summer time, plus some placed by
 * hand on the edges of the periods below. Times are whole seconds and no
 * two messages of a phone share one. */
static GArray *
make_seed (void)
{
  GArray *seed = g_array_new (FALSE, TRUE, sizeof (Msg));
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240331);
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  static const char *statuses[] = { "read", "read", "read", "delivered", "delivered", "sent",
                                    "failed", "failed", "accepted" };
  gint64 start = utc (2024, 3, 7, 0, 0, 0);
  gint64 end = utc (2024, 4, 3, 0, 0, 0);
  struct { const char *phone; gboolean inbound; gint64 at; const char *status; } fixed[] = {
    /* Berlin's local midnight on 03-29 (CET): the first instant of its period */
    { "491701000001", TRUE, utc (2024, 3, 28, 23, 0, 0), NULL },
    /* Berlin's local midnight on 04-02 (CEST): the first instant after it */
    { "491701000002", TRUE, utc (2024, 4, 1, 22, 0, 0), NULL },
    /* New York's midnight on 03-10 (EST) and 03-12 (EDT) */
    { "12125550104", TRUE, utc (2024, 3, 10, 5, 0, 0), NULL },
    { "12125550105", FALSE, utc (2024, 3, 12, 3, 59, 59), "read" },
    /* a reply inside Berlin's business hours (Tuesday 02 April 10:00 CEST)
     * and one outside (Saturday 30 March 20:00 CET) */
    { "447700900007", TRUE, utc (2024, 4, 2, 7, 0, 0), NULL },
    { "447700900007", FALSE, utc (2024, 4, 2, 8, 0, 0), "delivered" },
    { "447700900007", TRUE, utc (2024, 3, 30, 18, 30, 0), NULL },
    { "447700900007", FALSE, utc (2024, 3, 30, 19, 0, 0), "read" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fixed) + 420; i++)
    {
      Msg m = { 0 };
      g_autofree char *key = NULL;
      g_autofree char *uuid = g_uuid_string_random ();

      if (i < G_N_ELEMENTS (fixed))
        {
          m.phone = fixed[i].phone;
          m.inbound = fixed[i].inbound;
          m.at = fixed[i].at;
        }
      else
        {
          m.phone = phones[g_rand_int_range (rand, 0, G_N_ELEMENTS (phones))];
          m.inbound = g_rand_int_range (rand, 0, 100) < 55;
          m.at = start + g_rand_int_range (rand, 0, (gint32) (end - start));
        }
      for (;;)
        {
          g_free (key);
          key = g_strdup_printf ("%s/%" G_GINT64_FORMAT, m.phone, m.at);
          if (!g_hash_table_contains (taken, key))
            break;
          m.at++;
        }
      g_hash_table_add (taken, g_steal_pointer (&key));

      memcpy (m.id, uuid, 36);
      g_snprintf (m.wamid, sizeof m.wamid, "wamid.test%u", i);
      m.type = types[g_rand_int_range (rand, 0, G_N_ELEMENTS (types))];
      if (m.inbound)
        m.status = "received";
      else if (i < G_N_ELEMENTS (fixed))
        set_outbound_status (&m, fixed[i].status, rand);
      else
        set_outbound_status (&m, statuses[g_rand_int_range (rand, 0, G_N_ELEMENTS (statuses))], rand);
      g_array_append_val (seed, m);
    }

  /* read, but the delivered webhook was lost: still counts as delivered */
  for (guint i = 0; i < seed->len; i++)
    {
      Msg *m = &g_array_index (seed, Msg, i);

      if (!m->inbound && g_strcmp0 (m->status, "read") == 0)
        {
          m->delivered_at = 0;
          break;
        }
    }

  return seed;
}

static char *
sql_time (gint64 t)
{
  g_autoptr(GDateTime) dt = NULL;

  if (t == 0)
    return g_strdup ("NULL");
  dt = g_date_time_new_from_unix_utc (t);
  return g_date_time_format (dt, "'%Y-%m-%dT%H:%M:%SZ'");
}

/* Inserts @seed[@from … @to) in one statement, in the order of @order */
static void
insert_messages (Fixture *f,
                 GArray  *seed,
                 guint   *order,
                 guint    from,
                 guint    to)
{
  g_autoptr(GString) sql = g_string_new ("INSERT INTO messages (id, message_id, phone, direction, type, status,"
                                         " \"timestamp\", sent_at, delivered_at, read_at, error_code, error_title)"
                                         " VALUES ");

  for (guint i = from; i < to; i++)
    {
      Msg *m = &g_array_index (seed, Msg, order[i]);
      g_autofree char *at = sql_time (m->at);
      g_autofree char *sent = sql_time (m->sent_at);
      g_autofree char *delivered = sql_time (m->delivered_at);
      g_autofree char *read = sql_time (m->read_at);
      g_autofree char *code = m->error_code != 0 ? g_strdup_printf ("%d", m->error_code) : g_strdup ("NULL");
      g_autofree char *title = m->error_title != NULL ? g_strdup_printf ("'%s'", m->error_title) : g_strdup ("NULL");

      g_string_append_printf (sql, "%s('%s', '%s', '%s', '%s', '%s', '%s', %s, %s, %s, %s, %s, %s)",
                              i > from ? ", " : "", m->id, m->wamid, m->phone,
                              m->inbound ? "inbound" : "outbound", m->type, m->status,
                              at, sent, delivered, read, code, title);
    }
  exec (f, sql->str);
}

static const Lead leads[] = {
  { "491701000001", "NEW", 0 },
  { "491701000002", "CONTACTED", 0 },
  { "491701000003", "INTERESTED", 0 },
  { "12125550104", "CONVERTED", 0 },
  { "12125550105", "LOST", 0 },
  { "919800000006", "NEW", 0 },
  { "447700900007", "CONVERTED", 0 },
  { "447700900008", "INTERESTED", 0 },
  { "447700900009", "LOST", 0 },
  { "447700900010", "NEW", 0 },
};

static gint64
lead_created_at (guint i)
{
  /* Berlin's period edges and around New York's change */
  static const int when[][6] = {
    { 2024, 3, 28, 23, 0, 0 }, { 2024, 3, 28, 22, 59, 59 }, { 2024, 3, 31, 0, 30, 0 },
    { 2024, 3, 31, 1, 30, 0 }, { 2024, 4, 1, 21, 59, 59 }, { 2024, 4, 1, 22, 0, 0 },
    { 2024, 3, 10, 4, 59, 59 }, { 2024, 3, 10, 5, 0, 0 }, { 2024, 3, 11, 12, 0, 0 },
    { 2024, 3, 12, 4, 0, 0 },
  };

  return utc (when[i][0], when[i][1], when[i][2], when[i][3], when[i][4], when[i][5]);
}

static void
insert_leads (Fixture *f)
{
  g_autoptr(GString) sql = g_string_new ("INSERT INTO leads (phone, name, status, created_at) VALUES ");

  for (guint i = 0; i < G_N_ELEMENTS (leads); i++)
    {
      g_autofree char *at = sql_time (lead_created_at (i));

      g_string_append_printf (sql, "%s('%s', 'Lead %u', '%s', %s)", i > 0 ? ", " : "", leads[i].phone, i,
                              leads[i].status, at);
    }
  exec (f, sql->str);
}

/* ------------------------------------------------------------------ */
/* The reference: each figure computed from the seed list */

typedef struct
{
  GTimeZone *tz;
  GDate      first;
  GDate      last;
  gint64     from;      /* local midnight of first, unix */
  gint64     to;        /* local midnight after last */
  guint      hours[14];
} Ref;

static gint64
local_midnight (GTimeZone   *tz,
                const GDate *date)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, g_date_get_year (date), g_date_get_month (date),
                                             g_date_get_day (date), 0, 0, 0);

  return g_date_time_to_unix (dt);
}

static void
ref_init (Ref        *ref,
          const char *zone,
          int         y1,
          int         m1,
          int         d1,
          int         y2,
          int         m2,
          int         d2)
{
  GDate after;

  ref->tz = g_time_zone_new_identifier (zone);
  g_assert_nonnull (ref->tz);
  g_date_clear (&ref->first, 1);
  g_date_clear (&ref->last, 1);
  g_date_set_dmy (&ref->first, d1, m1, y1);
  g_date_set_dmy (&ref->last, d2, m2, y2);
  after = ref->last;
  g_date_add_days (&after, 1);
  ref->from = local_midnight (ref->tz, &ref->first);
  ref->to = local_midnight (ref->tz, &after);
  memset (ref->hours, 0, sizeof ref->hours);
  for (guint day = 0; day < 5; day++)
    {
      ref->hours[2 * day] = 9 * 60;
      ref->hours[2 * day + 1] = 18 * 60;
    }
}

static void
ref_clear (Ref *ref)
{
  g_clear_pointer (&ref->tz, g_time_zone_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Ref, ref_clear)

static gboolean
in_period (const Ref *ref,
           gint64     t)
{
  return t >= ref->from && t < ref->to;
}

/* the local day's index in the period, the local weekday (0: Monday) and hour */
static void
local_parts (const Ref *ref,
             gint64     t,
             guint     *day_index,
             guint     *weekday,
             guint     *hour,
             guint     *second_of_day)
{
  g_autoptr(GDateTime) u = g_date_time_new_from_unix_utc (t);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (u, ref->tz);
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, g_date_time_get_day_of_month (local), g_date_time_get_month (local),
                  g_date_time_get_year (local));
  if (day_index != NULL)
    *day_index = g_date_days_between (&ref->first, &date);
  if (weekday != NULL)
    *weekday = g_date_time_get_day_of_week (local) - 1;
  if (hour != NULL)
    *hour = g_date_time_get_hour (local);
  if (second_of_day != NULL)
    *second_of_day = g_date_time_get_hour (local) * 3600 + g_date_time_get_minute (local) * 60 +
                     g_date_time_get_second (local);
}

static guint
n_days (const Ref *ref)
{
  return g_date_days_between (&ref->first, &ref->last) + 1;
}

static gboolean
status_is (const Msg  *m,
           const char *a,
           const char *b,
           const char *c)
{
  return g_strcmp0 (m->status, a) == 0 || g_strcmp0 (m->status, b) == 0 || g_strcmp0 (m->status, c) == 0;
}

static double
percentile (GArray *sorted,
            double  p)
{
  double pos = p * (sorted->len - 1);
  guint lo = (guint) pos;
  guint hi = pos > lo ? lo + 1 : lo;
  double a = g_array_index (sorted, gint64, lo);
  double b = g_array_index (sorted, gint64, hi);

  return a + (pos - lo) * (b - a);
}

static int
compare_msgs_by_time (gconstpointer a,
                      gconstpointer b)
{
  const Msg *x = *(const Msg **) a;
  const Msg *y = *(const Msg **) b;

  return (x->at > y->at) - (x->at < y->at);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  g_assert_true (json_object_has_member (object, name));
  return json_object_get_int_member (object, name);
}

static void
assert_rate (JsonObject *funnel,
             const char *name,
             gint64      num,
             gint64      den)
{
  if (den == 0)
    g_assert_true (json_object_get_null_member (funnel, name));
  else
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (funnel, name), (double) num / den, 1e-9);
}

static void
assert_counts (JsonObject *object,
               GHashTable *expected)
{
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (json_object_get_size (object), ==, g_hash_table_size (expected));
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpint (member_int (object, key), ==, GPOINTER_TO_INT (value));
}

static void
count (GHashTable *table,
       const char *key)
{
  g_hash_table_replace (table, (gpointer) key,
                        GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (table, key)) + 1));
}

/* Checks every figure of @report against the seed */
static void
check_report (JsonObject *report,
              GArray     *seed,
              const Ref  *ref,
              gboolean    rich)
{
  g_autoptr(GHashTable) by_status = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) by_type = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) by_direction = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) sent_per_day = g_array_new (FALSE, TRUE, sizeof (gint64));
  g_autoptr(GArray) received_per_day = g_array_new (FALSE, TRUE, sizeof (gint64));
  g_autoptr(GArray) reply_secs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) by_time = g_ptr_array_new ();
  gint64 heat[7][24] = { { 0 } };
  gint64 total = 0, outbound = 0, sent = 0, delivered = 0, read = 0, failed = 0, fail_a = 0, fail_b = 0;
  gint64 turns = 0, unanswered = 0, in_hours = 0;
  JsonObject *funnel, *replies, *period;
  JsonArray *per_day, *failures, *busiest;
  guint days = n_days (ref);

  g_array_set_size (sent_per_day, days);
  g_array_set_size (received_per_day, days);

  for (guint i = 0; i < seed->len; i++)
    {
      Msg *m = &g_array_index (seed, Msg, i);
      guint day, weekday, hour;

      if (m->deleted)
        continue;
      g_ptr_array_add (by_time, m);
      if (!in_period (ref, m->at))
        continue;
      total++;
      count (by_status, m->status);
      count (by_type, m->type);
      count (by_direction, m->inbound ? "inbound" : "outbound");
      local_parts (ref, m->at, &day, &weekday, &hour, NULL);
      g_assert_cmpuint (day, <, days);
      if (m->inbound)
        {
          g_array_index (received_per_day, gint64, day)++;
          heat[weekday][hour]++;
          continue;
        }
      g_array_index (sent_per_day, gint64, day)++;
      outbound++;
      if (m->sent_at || m->delivered_at || m->read_at || status_is (m, "sent", "delivered", "read"))
        sent++;
      if (m->delivered_at || m->read_at || status_is (m, "delivered", "read", NULL))
        delivered++;
      if (m->read_at || status_is (m, "read", NULL, NULL))
        read++;
      if (status_is (m, "failed", NULL, NULL))
        {
          failed++;
          if (m->error_code == REASON_A_CODE)
            fail_a++;
          else
            fail_b++;
        }
    }

  /* turns, phone by phone, in time order */
  g_ptr_array_sort (by_time, compare_msgs_by_time);
  for (guint p = 0; p < G_N_ELEMENTS (phones); p++)
    {
      const Msg *previous = NULL;

      for (guint i = 0; i < by_time->len; i++)
        {
          const Msg *m = g_ptr_array_index (by_time, i);
          const Msg *reply = NULL;

          if (!g_str_equal (m->phone, phones[p]))
            continue;
          if (m->inbound && (previous == NULL || !previous->inbound))
            {
              for (guint j = i + 1; j < by_time->len && reply == NULL; j++)
                {
                  const Msg *r = g_ptr_array_index (by_time, j);

                  if (g_str_equal (r->phone, m->phone) && !r->inbound)
                    reply = r;
                }
              if (in_period (ref, m->at))
                {
                  turns++;
                  if (reply == NULL)
                    unanswered++;
                }
              if (reply != NULL && in_period (ref, reply->at))
                {
                  gint64 secs = reply->at - m->at;
                  guint weekday, second;

                  g_array_append_val (reply_secs, secs);
                  local_parts (ref, reply->at, NULL, &weekday, NULL, &second);
                  if (second >= ref->hours[2 * weekday] * 60 && second < ref->hours[2 * weekday + 1] * 60)
                    in_hours++;
                }
            }
          previous = m;
        }
    }
  g_array_sort (reply_secs, compare_int64);

  /* the seed must exercise what it is meant to */
  g_assert_cmpint (total, >, 0);
  if (rich)
    {
      g_assert_cmpint (fail_a, >, 0);
      g_assert_cmpint (fail_b, >, 0);
      g_assert_cmpint (in_hours, >, 0);
      g_assert_cmpint (in_hours, <, (gint64) reply_secs->len);
      g_assert_cmpint (unanswered, <, turns);
    }

  period = json_object_get_object_member (report, "period");
  g_assert_nonnull (period);
  {
    g_autofree char *first = g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&ref->first),
                                              g_date_get_month (&ref->first), g_date_get_day (&ref->first));
    g_autofree char *last = g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&ref->last),
                                             g_date_get_month (&ref->last), g_date_get_day (&ref->last));
    g_autoptr(GDateTime) start = g_date_time_new_from_iso8601 (json_object_get_string_member (period, "start"), NULL);
    g_autoptr(GDateTime) end = g_date_time_new_from_iso8601 (json_object_get_string_member (period, "end"), NULL);

    g_assert_cmpstr (json_object_get_string_member (period, "first_day"), ==, first);
    g_assert_cmpstr (json_object_get_string_member (period, "last_day"), ==, last);
    g_assert_cmpint (g_date_time_to_unix (start), ==, ref->from);
    g_assert_cmpint (g_date_time_to_unix (end), ==, ref->to);
  }

  g_assert_cmpint (member_int (report, "total_messages"), ==, total);
  assert_counts (json_object_get_object_member (report, "by_status"), by_status);
  assert_counts (json_object_get_object_member (report, "by_type"), by_type);
  assert_counts (json_object_get_object_member (report, "by_direction"), by_direction);

  per_day = json_object_get_array_member (report, "messages_per_day");
  g_assert_cmpuint (json_array_get_length (per_day), ==, days);
  for (guint d = 0; d < days; d++)
    {
      JsonObject *day = json_array_get_object_element (per_day, d);
      GDate date = ref->first;
      g_autofree char *text = NULL;

      g_date_add_days (&date, d);
      text = g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&date), g_date_get_month (&date),
                              g_date_get_day (&date));
      g_assert_cmpstr (json_object_get_string_member (day, "day"), ==, text);
      g_assert_cmpint (member_int (day, "sent"), ==, g_array_index (sent_per_day, gint64, d));
      g_assert_cmpint (member_int (day, "received"), ==, g_array_index (received_per_day, gint64, d));
    }

  funnel = json_object_get_object_member (report, "funnel");
  g_assert_cmpint (member_int (funnel, "outbound"), ==, outbound);
  g_assert_cmpint (member_int (funnel, "sent"), ==, sent);
  g_assert_cmpint (member_int (funnel, "delivered"), ==, delivered);
  g_assert_cmpint (member_int (funnel, "read"), ==, read);
  g_assert_cmpint (member_int (funnel, "failed"), ==, failed);
  assert_rate (funnel, "sent_rate", sent, outbound);
  assert_rate (funnel, "delivered_rate", delivered, sent);
  assert_rate (funnel, "read_rate", read, delivered);
  assert_rate (funnel, "failed_rate", failed, outbound);

  failures = json_object_get_array_member (report, "failures");
  g_assert_cmpuint (json_array_get_length (failures), ==, (fail_a > 0) + (fail_b > 0));
  for (guint i = 0; i < json_array_get_length (failures); i++)
    {
      JsonObject *reason = json_array_get_object_element (failures, i);
      gboolean is_a = member_int (reason, "error_code") == REASON_A_CODE;

      g_assert_cmpstr (json_object_get_string_member (reason, "error_title"), ==,
                       is_a ? REASON_A_TITLE : REASON_B_TITLE);
      g_assert_cmpint (member_int (reason, "count"), ==, is_a ? fail_a : fail_b);
      /* most frequent first */
      if (i == 0)
        g_assert_cmpint (member_int (reason, "count"), ==, MAX (fail_a, fail_b));
    }

  busiest = json_object_get_array_member (report, "busiest_hours");
  g_assert_cmpuint (json_array_get_length (busiest), ==, 7);
  for (guint d = 0; d < 7; d++)
    {
      JsonArray *hours = json_array_get_array_element (busiest, d);

      g_assert_cmpuint (json_array_get_length (hours), ==, 24);
      for (guint h = 0; h < 24; h++)
        g_assert_cmpint (json_array_get_int_element (hours, h), ==, heat[d][h]);
    }

  replies = json_object_get_object_member (report, "replies");
  g_assert_cmpint (member_int (replies, "turns"), ==, turns);
  g_assert_cmpint (member_int (replies, "unanswered"), ==, unanswered);
  g_assert_cmpint (member_int (replies, "replies"), ==, reply_secs->len);
  g_assert_cmpint (member_int (replies, "within_business_hours"), ==, in_hours);
  if (reply_secs->len == 0)
    {
      g_assert_true (json_object_get_null_member (replies, "within_business_hours_share"));
      g_assert_true (json_object_get_null_member (replies, "median_seconds"));
      g_assert_true (json_object_get_null_member (replies, "p90_seconds"));
    }
  else
    {
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (replies, "within_business_hours_share"),
                                      (double) in_hours / reply_secs->len, 1e-9);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (replies, "median_seconds"),
                                      percentile (reply_secs, 0.5), 1e-6);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (replies, "p90_seconds"),
                                      percentile (reply_secs, 0.9), 1e-6);
    }

  /* leads */
  {
    static const char *statuses[] = { "NEW", "CONTACTED", "INTERESTED", "CONVERTED", "LOST" };
    JsonObject *all = json_object_get_object_member (report, "leads_by_status");
    JsonObject *fresh = json_object_get_object_member (report, "new_leads_by_status");
    JsonArray *new_per_day = json_object_get_array_member (report, "new_leads_per_day");
    g_autoptr(GArray) per_day_leads = g_array_new (FALSE, TRUE, sizeof (gint64));
    gint64 n_new = 0;

    g_array_set_size (per_day_leads, days);
    g_assert_cmpint (member_int (report, "total_leads"), ==, G_N_ELEMENTS (leads));
    g_assert_cmpuint (json_object_get_size (all), ==, 5);
    for (guint s = 0; s < G_N_ELEMENTS (statuses); s++)
      {
        gint64 n_all = 0, n_fresh = 0;

        for (guint i = 0; i < G_N_ELEMENTS (leads); i++)
          if (g_str_equal (leads[i].status, statuses[s]))
            {
              n_all++;
              if (in_period (ref, lead_created_at (i)))
                n_fresh++;
            }
        g_assert_cmpint (member_int (all, statuses[s]), ==, n_all);
        g_assert_cmpint (member_int (fresh, statuses[s]), ==, n_fresh);
      }
    for (guint i = 0; i < G_N_ELEMENTS (leads); i++)
      if (in_period (ref, lead_created_at (i)))
        {
          guint day;

          local_parts (ref, lead_created_at (i), &day, NULL, NULL, NULL);
          g_array_index (per_day_leads, gint64, day)++;
          n_new++;
        }
    g_assert_cmpint (member_int (report, "new_leads"), ==, n_new);
    g_assert_cmpuint (json_array_get_length (new_per_day), ==, days);
    for (guint d = 0; d < days; d++)
      g_assert_cmpint (member_int (json_array_get_object_element (new_per_day, d), "count"), ==,
                       g_array_index (per_day_leads, gint64, d));
  }
}

static JsonObject *
run (Fixture                   *f,
     const WabizAnalyticsQuery *query,
     WabizAnalyticsFigures      figures,
     GError                   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_analytics_run_async (f->db, query, figures, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  return wabiz_analytics_run_finish (result, error);
}

static WabizAnalyticsQuery *
custom_query (const Ref  *ref,
              const char *zone)
{
  WabizAnalyticsQuery *query = wabiz_analytics_query_new (WABIZ_ANALYTICS_PERIOD_CUSTOM);

  wabiz_analytics_query_set_days (query, &ref->first, &ref->last);
  wabiz_analytics_query_set_time_zone (query, zone);
  return query;
}

static void
check_zone (Fixture    *f,
            GArray     *seed,
            gboolean    rich,
            const char *zone,
            int         y1,
            int         m1,
            int         d1,
            int         y2,
            int         m2,
            int         d2)
{
  g_auto(Ref) ref = { 0 };
  g_autoptr(WabizAnalyticsQuery) query = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(GError) error = NULL;

  ref_init (&ref, zone, y1, m1, d1, y2, m2, d2);
  query = custom_query (&ref, zone);
  report = run (f, query, WABIZ_ANALYTICS_ALL, &error);
  g_assert_no_error (error);
  check_report (report, seed, &ref, rich);
}

static void
check_all_zones (Fixture  *f,
                 GArray   *seed,
                 gboolean  rich)
{
  /* Berlin: 29 March – 1 April, 31 March has 23 hours */
  check_zone (f, seed, rich, "Europe/Berlin", 2024, 3, 29, 2024, 4, 1);
  /* New York: 9 – 11 March, 10 March has 23 hours */
  check_zone (f, seed, FALSE, "America/New_York", 2024, 3, 9, 2024, 3, 11);
  /* half an hour off UTC, and the whole history */
  check_zone (f, seed, rich, "Asia/Kolkata", 2024, 3, 1, 2024, 4, 5);
  /* one day across Berlin's change */
  check_zone (f, seed, FALSE, "Europe/Berlin", 2024, 3, 31, 2024, 3, 31);
}

static void
shuffle (guint *order,
         guint  n,
         GRand *rand)
{
  for (guint i = n - 1; i > 0; i--)
    {
      guint j = g_rand_int_range (rand, 0, i + 1);
      guint t = order[i];

      order[i] = order[j];
      order[j] = t;
    }
}

/* Every figure, for periods in three time zones, on a history inserted
 * out of order in three statements with figures asked for in between,
 * then changed by status webhooks and a deletion. */
/* The rows of @have and @counted (two queries of the same columns) that
 * the other lacks */
static gint64
rows_apart (Fixture    *f,
            const char *have,
            const char *counted)
{
  g_autofree char *sql = g_strdup_printf ("WITH a AS (%s), b AS (%s)"
                                          " SELECT count(*) FROM ((TABLE a EXCEPT ALL TABLE b)"
                                          "                       UNION ALL (TABLE b EXCEPT ALL TABLE a)) x",
                                          have, counted);

  return query_int (f, sql);
}

/* The summaries hold what counting every message again gives, and no
 * change is left to add */
static void
assert_summaries_counted (Fixture *f)
{
  exec (f, "SELECT wabiz_analytics_refresh()");
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_deltas"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_dirty_days"), ==, 0);
  g_assert_cmpint (rows_apart (f,
                               "SELECT day, direction, type, status, reached_sent, reached_delivered,"
                               "       reached_read, error_code, error_title, n FROM analytics_days",
                               "SELECT d.day, c.* FROM (SELECT DISTINCT (\"timestamp\" AT TIME ZONE 'UTC')::date AS day"
                               "                        FROM messages WHERE \"timestamp\" IS NOT NULL) d,"
                               "  wabiz_analytics_count(d.day::timestamp AT TIME ZONE 'UTC',"
                               "                        (d.day + 1)::timestamp AT TIME ZONE 'UTC') c"),
                   ==, 0);
  g_assert_cmpint (rows_apart (f,
                               "SELECT bucket, direction, type, status, reached_sent, reached_delivered,"
                               "       reached_read, error_code, error_title, n FROM analytics_quarter_cells",
                               "SELECT c.*, count(*) FROM messages m,"
                               "  wabiz_analytics_cell(m.\"timestamp\", m.direction, m.type, m.status, m.sent_at,"
                               "                       m.delivered_at, m.read_at, m.error_code, m.error_title) c"
                               "  WHERE m.\"timestamp\" IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"),
                   ==, 0);
  g_assert_cmpint (rows_apart (f, "SELECT bucket, inbound, outbound FROM analytics_quarters",
                               "SELECT date_bin('15 minutes', \"timestamp\", timestamptz '2000-01-01 00:00+00'),"
                               "       count(*) FILTER (WHERE direction = 'inbound'),"
                               "       count(*) FILTER (WHERE direction = 'outbound')"
                               "  FROM messages WHERE \"timestamp\" IS NOT NULL GROUP BY 1"),
                   ==, 0);
  g_assert_cmpint (query_int (f, "SELECT coalesce(sum(n), 0) FROM analytics_days"), ==,
                   query_int (f, "SELECT count(*) FROM messages WHERE \"timestamp\" IS NOT NULL"));
}

static void
test_figures (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GArray) seed = make_seed ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree guint *order = g_new (guint, seed->len);
  g_autoptr(GArray) partial = g_array_new (FALSE, TRUE, sizeof (Msg));
  guint third = seed->len / 3;
  guint changed = 0;

  insert_leads (f);
  for (guint i = 0; i < seed->len; i++)
    order[i] = i;
  shuffle (order, seed->len, rand);

  /* the first two thirds, figures asked for after each */
  for (guint part = 0; part < 2; part++)
    {
      insert_messages (f, seed, order, part * third, (part + 1) * third);
      g_array_set_size (partial, 0);
      for (guint i = 0; i < (part + 1) * third; i++)
        g_array_append_val (partial, g_array_index (seed, Msg, order[i]));
      if (part == 1)
        check_all_zones (f, partial, FALSE);
      else
        {
          /* too few failures yet for check_report's own checks: the turns only */
          g_auto(Ref) ref = { 0 };
          g_autoptr(WabizAnalyticsQuery) query = NULL;
          g_autoptr(JsonObject) report = NULL;
          g_autoptr(GError) error = NULL;

          ref_init (&ref, "Europe/Berlin", 2024, 3, 1, 2024, 4, 5);
          query = custom_query (&ref, "Europe/Berlin");
          report = run (f, query, WABIZ_ANALYTICS_REPLIES, &error);
          g_assert_no_error (error);
          g_assert_true (json_object_has_member (report, "replies"));
          g_assert_false (json_object_has_member (report, "funnel"));
        }
    }
  insert_messages (f, seed, order, 2 * third, seed->len);
  check_all_zones (f, seed, TRUE);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_dirty_days"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_dirty_phones"), ==, 0);

  /* status webhooks: delivered ones are read, through the function every
   * writer uses */
  for (guint i = 0; i < seed->len && changed < 12; i++)
    {
      Msg *m = &g_array_index (seed, Msg, i);
      g_autofree char *sql = NULL;
      g_autofree char *at = NULL;

      if (m->inbound || g_strcmp0 (m->status, "delivered") != 0)
        continue;
      m->status = "read";
      m->read_at = m->at + 600;
      at = sql_time (m->read_at);
      sql = g_strdup_printf ("SELECT wabiz_apply_status('%s', 'read', %s, NULL, NULL, NULL, NULL, NULL)",
                             m->wamid, at);
      exec (f, sql);
      changed++;
    }
  g_assert_cmpuint (changed, ==, 12);

  /* a customer's message removed (a turn start or not) and an outbound
   * one moved later */
  for (guint i = 0; i < seed->len; i++)
    {
      Msg *m = &g_array_index (seed, Msg, i);
      g_autofree char *sql = NULL;

      if (m->inbound && g_str_equal (m->phone, "491701000003") && m->at >= utc (2024, 3, 29, 0, 0, 0) &&
          m->at < utc (2024, 4, 1, 0, 0, 0))
        {
          m->deleted = TRUE;
          sql = g_strdup_printf ("DELETE FROM messages WHERE id = '%s'", m->id);
          exec (f, sql);
          break;
        }
    }
  for (guint i = 0; i < seed->len; i++)
    {
      Msg *m = &g_array_index (seed, Msg, i);
      g_autofree char *sql = NULL;

      if (!m->inbound && g_str_equal (m->phone, "12125550104") && m->at < utc (2024, 3, 20, 0, 0, 0))
        {
          m->at += 3 * 3600;
          sql = g_strdup_printf ("UPDATE messages SET \"timestamp\" = \"timestamp\" + interval '3 hours'"
                                 " WHERE id = '%s'", m->id);
          exec (f, sql);
          break;
        }
    }
  check_all_zones (f, seed, TRUE);
  assert_summaries_counted (f);

  /* days marked whole (by an older writer, or by hand) are counted again
   * from the messages, whatever the summaries held */
  exec (f, "UPDATE analytics_days SET n = n + 5");
  exec (f, "UPDATE analytics_quarters SET inbound = inbound + 1");
  exec (f, "UPDATE analytics_quarter_cells SET n = n + 3");
  exec (f, "SELECT wabiz_analytics_mark_days(array(SELECT DISTINCT day FROM analytics_days))");
  check_all_zones (f, seed, TRUE);
  assert_summaries_counted (f);
}

/* The history present when the migration runs is counted by it. */
static void
test_migration_counts_history (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GArray) seed = make_seed ();
  g_autofree guint *order = g_new (guint, seed->len);

  for (guint i = 0; i < seed->len; i++)
    order[i] = i;
  insert_leads (f);
  insert_messages (f, seed, order, 0, seed->len);
  /* as if the summaries had never been kept: the migrations from 014 on
   * run again, in order (028 counts the quarters' cells) */
  exec (f, "TRUNCATE analytics_days, analytics_quarters, analytics_quarter_cells, analytics_turns,"
           " analytics_dirty_days, analytics_dirty_phones, analytics_deltas, analytics_lead_days,"
           " analytics_lead_quarters, analytics_dirty_lead_quarters, analytics_lead_deltas");
  exec (f, "DELETE FROM schema_migrations WHERE version >= 14");
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_dirty_phones"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_turns"), >, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_quarter_cells"), >, 0);
  check_zone (f, seed, TRUE, "Europe/Berlin", 2024, 3, 29, 2024, 4, 1);
  assert_summaries_counted (f);
}

/* The lead figures follow every change to the leads (a status changed, a
 * lead added, one without a creation time, one moved in time, one
 * deleted), each asserted against a count of the leads themselves. */
static void
check_leads (Fixture *f)
{
  static const char *statuses[] = { "NEW", "CONTACTED", "INTERESTED", "CONVERTED", "LOST" };
  g_auto(Ref) ref = { 0 };
  g_autoptr(WabizAnalyticsQuery) query = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *all;
  JsonObject *fresh;
  JsonArray *per_day;
  const char *period = "created_at >= '2024-03-01 00:00+01' AND created_at < '2024-04-06 00:00+02'";

  ref_init (&ref, "Europe/Berlin", 2024, 3, 1, 2024, 4, 5);
  query = custom_query (&ref, "Europe/Berlin");
  report = run (f, query, WABIZ_ANALYTICS_LEADS, &error);
  g_assert_no_error (error);

  g_assert_cmpint (member_int (report, "total_leads"), ==, query_int (f, "SELECT count(*) FROM leads"));
  all = json_object_get_object_member (report, "leads_by_status");
  fresh = json_object_get_object_member (report, "new_leads_by_status");
  for (guint s = 0; s < G_N_ELEMENTS (statuses); s++)
    {
      g_autofree char *count_all = g_strdup_printf ("SELECT count(*) FROM leads WHERE coalesce(status, 'NEW') = '%s'",
                                                    statuses[s]);
      g_autofree char *count_fresh = g_strdup_printf ("%s AND %s", count_all, period);

      g_assert_cmpint (member_int (all, statuses[s]), ==, query_int (f, count_all));
      g_assert_cmpint (member_int (fresh, statuses[s]), ==, query_int (f, count_fresh));
    }
  {
    g_autofree char *count = g_strdup_printf ("SELECT count(*) FROM leads WHERE %s", period);

    g_assert_cmpint (member_int (report, "new_leads"), ==, query_int (f, count));
  }
  per_day = json_object_get_array_member (report, "new_leads_per_day");
  g_assert_cmpuint (json_array_get_length (per_day), ==, 36);
  for (guint d = 0; d < 36; d++)
    {
      JsonObject *day = json_array_get_object_element (per_day, d);
      g_autofree char *count = g_strdup_printf ("SELECT count(*) FROM leads"
                                                " WHERE (created_at AT TIME ZONE 'Europe/Berlin')::date = '%s'",
                                                json_object_get_string_member (day, "day"));

      g_assert_cmpint (member_int (day, "count"), ==, query_int (f, count));
    }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_dirty_lead_quarters"), ==, 0);

  /* the summaries hold what counting every lead again gives */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_lead_deltas"), ==, 0);
  g_assert_cmpint (rows_apart (f, "SELECT day, status, n FROM analytics_lead_days",
                               "SELECT coalesce((created_at AT TIME ZONE 'UTC')::date, '-infinity'),"
                               "       coalesce(status, 'NEW'), count(*) FROM leads GROUP BY 1, 2"),
                   ==, 0);
  g_assert_cmpint (rows_apart (f, "SELECT bucket, n FROM analytics_lead_quarters",
                               "SELECT wabiz_analytics_lead_bucket(created_at), count(*) FROM leads"
                               " WHERE created_at IS NOT NULL GROUP BY 1"),
                   ==, 0);
}

static void
test_leads_change (Fixture       *f,
                   gconstpointer  data)
{
  insert_leads (f);
  check_leads (f);

  exec (f, "UPDATE leads SET status = 'CONVERTED' WHERE status = 'NEW'");
  exec (f, "UPDATE leads SET name = 'Renamed'");
  check_leads (f);

  exec (f, "INSERT INTO leads (phone, name, status, created_at) VALUES"
           " ('351910000001', 'Late', 'LOST', '2024-04-05 23:50+02'),"
           " ('351910000002', 'Early', NULL, '2024-03-01 00:05+01'),"
           " ('351910000003', 'Outside', 'NEW', '2024-04-06 00:00+02')");
  exec (f, "INSERT INTO leads (phone, name, status, created_at) VALUES ('351910000004', 'No date', 'INTERESTED', NULL)");
  check_leads (f);

  exec (f, "UPDATE leads SET created_at = '2024-03-10 12:00+01' WHERE phone = '351910000003'");
  exec (f, "UPDATE leads SET created_at = '2024-03-11 12:00+01', status = 'LOST' WHERE phone = '351910000004'");
  exec (f, "DELETE FROM leads WHERE phone = '351910000001'");
  check_leads (f);

  /* quarters marked whole (by an older writer, or by hand) are counted
   * again from the leads, whatever the summaries held */
  exec (f, "UPDATE analytics_lead_days SET n = n + 3");
  exec (f, "UPDATE analytics_lead_quarters SET n = n + 2");
  exec (f, "SELECT wabiz_analytics_mark_lead_quarters(array(SELECT created_at FROM leads))");
  check_leads (f);

  /* as if the summary had never been kept: the migration counts them */
  exec (f, "TRUNCATE analytics_lead_days, analytics_lead_quarters");
  exec (f, "DELETE FROM schema_migrations WHERE version = 22");
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_lead_days"), >, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM analytics_lead_quarters"), >, 0);
  check_leads (f);
}

/* Today, 7 and 30 days are placed in the query's time zone; all starts on
 * the first message's day. */
static void
test_presets (Fixture       *f,
              gconstpointer  data)
{
  /* 22:30 UTC on 31 March: already 1 April in Berlin, still 31 March in New York */
  g_autoptr(GDateTime) now = g_date_time_new_utc (2024, 3, 31, 22, 30, 0);
  struct { WabizAnalyticsPeriod period; const char *zone; const char *first, *last; } cases[] = {
    { WABIZ_ANALYTICS_PERIOD_TODAY, "Europe/Berlin", "2024-04-01", "2024-04-01" },
    { WABIZ_ANALYTICS_PERIOD_TODAY, "America/New_York", "2024-03-31", "2024-03-31" },
    { WABIZ_ANALYTICS_PERIOD_7_DAYS, "Europe/Berlin", "2024-03-26", "2024-04-01" },
    { WABIZ_ANALYTICS_PERIOD_30_DAYS, "America/New_York", "2024-03-02", "2024-03-31" },
    { WABIZ_ANALYTICS_PERIOD_ALL, "UTC", "2024-02-29", "2024-03-31" },
    { WABIZ_ANALYTICS_PERIOD_TODAY, NULL, "2024-03-31", "2024-03-31" },
  };

  exec (f, "INSERT INTO messages (phone, direction, type, status, \"timestamp\") VALUES"
           " ('491701000001', 'inbound', 'text', 'received', '2024-02-29T23:30:00Z'),"
           " ('491701000001', 'outbound', 'text', 'sent', '2024-03-31T22:00:00Z')");
  /* the database's own zone, when none is given */
  exec (f, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = ''Pacific/Honolulu''',"
           " current_database()); END $$");
  wabiz_db_close (f->db);
  g_clear_object (&f->db);
  f->db = wabiz_db_new (f->conninfo, NULL, 4);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(WabizAnalyticsQuery) query = wabiz_analytics_query_new (cases[i].period);
      g_autoptr(JsonObject) report = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *period;

      wabiz_analytics_query_set_time_zone (query, cases[i].zone);
      wabiz_analytics_query_set_now (query, now);
      report = run (f, query, WABIZ_ANALYTICS_MESSAGES, &error);
      g_assert_no_error (error);
      period = json_object_get_object_member (report, "period");
      g_assert_cmpstr (json_object_get_string_member (period, "first_day"), ==, cases[i].first);
      g_assert_cmpstr (json_object_get_string_member (period, "last_day"), ==, cases[i].last);
      g_assert_cmpstr (json_object_get_string_member (period, "time_zone"), ==,
                       cases[i].zone != NULL ? cases[i].zone : "Pacific/Honolulu");
      g_assert_false (json_object_has_member (report, "replies"));
      g_assert_false (json_object_has_member (report, "leads_by_status"));
    }
}

/* Each failure reason lists its messages, newest first, page by page */
static void
test_failed_messages (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GArray) seed = make_seed ();
  g_autofree guint *order = g_new (guint, seed->len);
  g_auto(Ref) ref = { 0 };
  g_autoptr(WabizAnalyticsQuery) query = NULL;
  guint all_named = 0;

  for (guint i = 0; i < seed->len; i++)
    order[i] = i;
  insert_messages (f, seed, order, 0, seed->len);
  /* one number is a lead's: its messages carry the lead's name */
  exec (f, "INSERT INTO leads (phone, name, status) VALUES ('491701000001', 'Anna Berg', 'NEW')");
  ref_init (&ref, "Europe/Berlin", 2024, 3, 15, 2024, 4, 1);
  query = custom_query (&ref, "Europe/Berlin");

  for (guint reason = 0; reason < 2; reason++)
    {
      int code = reason == 0 ? REASON_A_CODE : REASON_B_CODE;
      const char *title = reason == 0 ? REASON_A_TITLE : REASON_B_TITLE;
      g_autoptr(GPtrArray) expected = g_ptr_array_new ();
      g_autofree char *cursor = NULL;
      guint seen = 0, pages = 0, named = 0;

      for (guint i = 0; i < seed->len; i++)
        {
          Msg *m = &g_array_index (seed, Msg, i);

          if (!m->inbound && g_strcmp0 (m->status, "failed") == 0 && m->error_code == code &&
              in_period (&ref, m->at))
            g_ptr_array_add (expected, m);
        }
      g_ptr_array_sort (expected, compare_msgs_by_time);
      g_assert_cmpuint (expected->len, >, 3);

      do
        {
          g_autoptr(GAsyncResult) result = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(JsonObject) page = NULL;
          JsonArray *messages;

          wabiz_analytics_list_failed_async (f->db, query, TRUE, code, title, cursor, 3, NULL,
                                             wabiz_test_store_result_cb, &result);
          wabiz_test_wait_result (&result, 30);
          page = wabiz_analytics_list_failed_finish (result, &error);
          g_assert_no_error (error);
          messages = json_object_get_array_member (page, "messages");
          g_assert_cmpuint (json_array_get_length (messages), <=, 3);
          for (guint i = 0; i < json_array_get_length (messages); i++)
            {
              /* newest first */
              const Msg *m = g_ptr_array_index (expected, expected->len - 1 - seen);
              JsonObject *row = json_array_get_object_element (messages, i);

              g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, m->id);
              g_assert_cmpstr (json_object_get_string_member (row, "phone"), ==, m->phone);
              if (g_str_equal (m->phone, "491701000001"))
                {
                  g_assert_cmpstr (json_object_get_string_member (row, "lead_name"), ==, "Anna Berg");
                  named++;
                }
              else
                g_assert_true (json_object_get_null_member (row, "lead_name"));
              seen++;
            }
          g_clear_pointer (&cursor, g_free);
          if (!json_object_get_null_member (page, "next"))
            cursor = g_strdup (json_object_get_string_member (page, "next"));
          pages++;
        }
      while (cursor != NULL);
      g_assert_cmpuint (seen, ==, expected->len);
      g_assert_cmpuint (pages, >=, (expected->len + 2) / 3);
      g_assert_cmpuint (named, <, seen);
      all_named += named;
    }

  g_assert_cmpuint (all_named, >, 0);

  /* a reason with no failures lists nothing */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) page = NULL;

    wabiz_analytics_list_failed_async (f->db, query, FALSE, 0, NULL, NULL, 50, NULL,
                                       wabiz_test_store_result_cb, &result);
    wabiz_test_wait_result (&result, 30);
    page = wabiz_analytics_list_failed_finish (result, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (page, "messages")), ==, 0);
    g_assert_true (json_object_get_null_member (page, "next"));
  }

  /* a cursor made up */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) page = NULL;

    wabiz_analytics_list_failed_async (f->db, query, TRUE, REASON_A_CODE, REASON_A_TITLE, "yesterday", 50, NULL,
                                       wabiz_test_store_result_cb, &result);
    wabiz_test_wait_result (&result, 30);
    page = wabiz_analytics_list_failed_finish (result, &error);
    g_assert_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_CURSOR);
    g_assert_null (page);
  }
}

/* Bad input: each refused with its own error, before the database */
static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(WabizAnalyticsQuery) query = wabiz_analytics_query_new (WABIZ_ANALYTICS_PERIOD_CUSTOM);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) report = NULL;
  GDate a, b;

  /* no days */
  report = run (f, query, WABIZ_ANALYTICS_ALL, &error);
  g_assert_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_PERIOD);
  g_assert_null (report);
  g_clear_error (&error);

  /* reversed */
  g_date_clear (&a, 1);
  g_date_clear (&b, 1);
  g_date_set_dmy (&a, 2, 4, 2024);
  g_date_set_dmy (&b, 1, 4, 2024);
  wabiz_analytics_query_set_days (query, &a, &b);
  g_assert_false (wabiz_analytics_query_validate (query, &error));
  g_assert_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_PERIOD);
  g_clear_error (&error);

  /* too long */
  g_date_set_dmy (&a, 1, 1, 2020);
  g_date_set_dmy (&b, 1, 4, 2024);
  wabiz_analytics_query_set_days (query, &a, &b);
  g_assert_false (wabiz_analytics_query_validate (query, &error));
  g_assert_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_PERIOD);
  g_clear_error (&error);

  g_date_set_dmy (&a, 1, 4, 2023);
  wabiz_analytics_query_set_days (query, &a, &b);
  g_assert_true (wabiz_analytics_query_validate (query, &error));
  g_assert_no_error (error);

  /* not a zone */
  for (guint i = 0; i < 3; i++)
    {
      const char *zones[] = { "Mars/Olympus", "Europe/Berlin'; DROP TABLE leads; --", "" };

      wabiz_analytics_query_set_time_zone (query, zones[i]);
      g_assert_false (wabiz_analytics_query_validate (query, &error));
      g_assert_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_TIME_ZONE);
      g_clear_error (&error);
    }
  wabiz_analytics_query_set_time_zone (query, "Asia/Kathmandu");
  g_assert_true (wabiz_analytics_query_validate (query, &error));

  /* hours */
  {
    const char *bad[] = { "mon-fri 9-18", "mon-fri 18:00-09:00", "fri-mon 09:00-18:00", "someday 09:00-10:00",
                          "mon 09:00-24:30", "mon 09:00", "mon 09:60-10:00" };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_assert_false (wabiz_analytics_query_parse_hours (query, bad[i], &error));
        g_assert_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_HOURS);
        g_clear_error (&error);
      }
    wabiz_analytics_query_set_hours (query, G_DATE_MONDAY, 600, 500);
    g_assert_false (wabiz_analytics_query_validate (query, &error));
    g_assert_error (error, WABIZ_ANALYTICS_ERROR, WABIZ_ANALYTICS_ERROR_INVALID_HOURS);
    g_clear_error (&error);
    g_assert_true (wabiz_analytics_query_parse_hours (query, "mon-fri 09:00-18:00, sat 10:00-24:00", &error));
    g_assert_no_error (error);
    g_assert_true (wabiz_analytics_query_validate (query, &error));
  }

  /* the database is left as it was */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM leads"), ==, 0);
}

/* Business hours given in the query move replies in and out of them */
static void
test_business_hours (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(WabizAnalyticsQuery) query = wabiz_analytics_query_new (WABIZ_ANALYTICS_PERIOD_CUSTOM);
  g_autoptr(GError) error = NULL;
  GDate a, b;

  /* Saturday 30 March: a reply at 10:30 and one at 19:00 CET; Sunday 31
   * March: one at 11:00 CEST */
  exec (f, "INSERT INTO messages (phone, direction, type, status, \"timestamp\") VALUES"
           " ('491701000001', 'inbound', 'text', 'received', '2024-03-30T09:00:00Z'),"
           " ('491701000001', 'outbound', 'text', 'read', '2024-03-30T09:30:00Z'),"
           " ('491701000002', 'inbound', 'text', 'received', '2024-03-30T17:00:00Z'),"
           " ('491701000002', 'inbound', 'text', 'received', '2024-03-30T17:20:00Z'),"
           " ('491701000002', 'outbound', 'text', 'read', '2024-03-30T18:00:00Z'),"
           " ('491701000003', 'inbound', 'text', 'received', '2024-03-31T08:00:00Z'),"
           " ('491701000003', 'outbound', 'text', 'read', '2024-03-31T09:00:00Z')");
  g_date_clear (&a, 1);
  g_date_clear (&b, 1);
  g_date_set_dmy (&a, 30, 3, 2024);
  g_date_set_dmy (&b, 31, 3, 2024);
  wabiz_analytics_query_set_days (query, &a, &b);
  wabiz_analytics_query_set_time_zone (query, "Europe/Berlin");

  {
    const char *specs[] = { "mon-fri 09:00-18:00", "sat 10:30-19:00", "sat-sun 10:31-19:01", "sun 11:00-11:01" };
    const gint64 in_hours[] = { 0, 1, 2, 1 };

    for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
      {
        g_autoptr(JsonObject) report = NULL;
        JsonObject *replies;

        g_assert_true (wabiz_analytics_query_parse_hours (query, specs[i], &error));
        report = run (f, query, WABIZ_ANALYTICS_REPLIES, &error);
        g_assert_no_error (error);
        replies = json_object_get_object_member (report, "replies");
        g_assert_cmpint (member_int (replies, "turns"), ==, 3);
        g_assert_cmpint (member_int (replies, "replies"), ==, 3);
        g_assert_cmpint (member_int (replies, "within_business_hours"), ==, in_hours[i]);
        /* 30 min, 60 min (from the first of two messages), 60 min */
        g_assert_cmpfloat_with_epsilon (json_object_get_double_member (replies, "median_seconds"), 3600, 1e-9);
        g_assert_cmpfloat_with_epsilon (json_object_get_double_member (replies, "p90_seconds"), 3600, 1e-9);
      }
  }
}

/* ------------------------------------------------------------------ */
/* Campaigns: each with the figures of the whole campaign */

typedef struct
{
  const char *name;
  const char *state;
  int         created[6];
  int         finished[6];   /* year 0: not finished */
  guint       n_excluded;    /* recipients without a message, excluded */
  guint       n_pending;     /* and not queued yet */
  char        id[37];
} SeedCampaign;

typedef struct
{
  guint       campaign;      /* index in the campaigns */
  const char *phone;
  const char *status;
  int         at[6];
  char        id[37];
} CampaignMsg;

typedef struct
{
  const char *phone;
  int         at[6];
} Inbound;

typedef struct
{
  const char *phone;
  const char *action;
  int         at[6];
} OptEvent;

#define CAMPAIGN_HOURS_S (WABIZ_ANALYTICS_CAMPAIGN_HOURS * 3600)

/* Runs @sql's statements, each ended by ";\n", one by one */
static void
exec_each (Fixture    *f,
           const char *sql)
{
  g_auto(GStrv) statements = g_strsplit (sql, ";\n", -1);

  for (guint i = 0; statements[i] != NULL; i++)
    if (statements[i][0] != '\0')
      exec (f, statements[i]);
}

static gint64
utc6 (const int t[6])
{
  return utc (t[0], t[1], t[2], t[3], t[4], t[5]);
}

static char *
iso_or_null (const int t[6])
{
  g_autoptr(GDateTime) dt = NULL;

  if (t[0] == 0)
    return NULL;
  dt = g_date_time_new_utc (t[0], t[1], t[2], t[3], t[4], t[5]);
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/* Whether a message of @status got as far as @step */
static gboolean
reached (const char *status,
         const char *step)
{
  static const char * const steps[] = { "sent", "delivered", "read" };
  int have = -1, want = -1;

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      if (g_str_equal (status, steps[i]))
        have = i;
      if (g_str_equal (step, steps[i]))
        want = i;
    }
  g_assert (want >= 0);
  return have >= want;
}

static void
assert_campaign_rate (JsonObject *object,
                      const char *name,
                      gint64      num,
                      gint64      den)
{
  g_assert_true (json_object_has_member (object, name));
  if (den == 0)
    g_assert_true (json_object_get_null_member (object, name));
  else
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (object, name), (double) num / den, 1e-9);
}

/* The campaigns of a period, newest first, with what each reached;
 * a recipient who wrote (or opted out) in the hours after the
 * campaign's message counts once, however often; a message before it,
 * or a second after those hours, does not. */
static void
test_campaigns (Fixture       *f,
                gconstpointer  data)
{
  SeedCampaign campaigns[] = {
    /* in the period */
    { "Spring offer", "done", { 2024, 3, 12, 8, 0, 0 }, { 2024, 3, 12, 9, 0, 0 }, 1, 1, "" },
    /* before it, still running: listed, nothing sent yet */
    { "Slow start", "running", { 2024, 3, 5, 8, 0, 0 }, { 0 }, 0, 2, "" },
    /* ended before it */
    { "Winter sale", "done", { 2024, 3, 1, 8, 0, 0 }, { 2024, 3, 2, 8, 0, 0 }, 0, 0, "" },
    /* ended as it starts: listed */
    { "Night owl", "done", { 2024, 3, 9, 20, 0, 0 }, { 2024, 3, 10, 0, 0, 0 }, 0, 0, "" },
    /* in it, to a number the spring offer also reached */
    { "Reminder", "paused", { 2024, 3, 14, 10, 0, 0 }, { 0 }, 0, 0, "" },
    /* after it */
    { "Easter", "scheduled", { 2024, 3, 25, 8, 0, 0 }, { 0 }, 0, 0, "" },
  };
  CampaignMsg msgs[] = {
    { 0, "491701000001", "read", { 2024, 3, 12, 8, 0, 0 }, "" },
    { 0, "491701000002", "delivered", { 2024, 3, 12, 8, 0, 1 }, "" },
    { 0, "491701000003", "sent", { 2024, 3, 12, 8, 0, 2 }, "" },
    { 0, "12125550104", "failed", { 2024, 3, 12, 8, 0, 3 }, "" },
    { 0, "12125550105", "accepted", { 2024, 3, 12, 8, 0, 4 }, "" },
    { 2, "491701000001", "read", { 2024, 3, 1, 8, 0, 0 }, "" },
    { 3, "491701000003", "read", { 2024, 3, 9, 20, 0, 0 }, "" },
    { 4, "491701000001", "read", { 2024, 3, 14, 10, 0, 0 }, "" },
    { 4, "491701000002", "delivered", { 2024, 3, 14, 10, 0, 1 }, "" },
  };
  static const Inbound inbound[] = {
    /* twice within the spring offer's hours: one reply (and one for
     * the reminder, 52 hours after the first) */
    { "491701000001", { 2024, 3, 12, 9, 0, 0 } },
    { "491701000001", { 2024, 3, 14, 12, 0, 0 } },
    /* a second after the spring offer's hours: the reminder's */
    { "491701000002", { 2024, 3, 15, 8, 0, 2 } },
    /* at the last second of them */
    { "491701000003", { 2024, 3, 15, 8, 0, 2 } },
    /* before its message */
    { "12125550104", { 2024, 3, 12, 7, 0, 0 } },
    /* a message that was not sent yet is answered all the same */
    { "12125550105", { 2024, 3, 12, 10, 0, 0 } },
    /* someone no campaign wrote to */
    { "919800000006", { 2024, 3, 12, 9, 0, 0 } },
  };
  static const OptEvent opt_events[] = {
    { "491701000002", "opt_out", { 2024, 3, 12, 18, 0, 0 } },
    /* coming back is no opt-out */
    { "12125550104", "opt_in", { 2024, 3, 12, 9, 0, 0 } },
    /* four days after the spring offer, two after the reminder */
    { "491701000001", "opt_out", { 2024, 3, 16, 8, 0, 0 } },
  };
  const char *listed[] = { "Reminder", "Spring offer", "Night owl", "Slow start" };
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(WabizAnalyticsQuery) query = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(JsonObject) everything = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Ref) ref = { 0 };
  gint64 start = utc (2024, 3, 10, 0, 0, 0), end = utc (2024, 3, 21, 0, 0, 0);
  JsonArray *rows;
  guint n_listed = 0;

  for (guint c = 0; c < G_N_ELEMENTS (campaigns); c++)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      g_autofree char *created = sql_time (utc6 (campaigns[c].created));
      g_autofree char *finished = campaigns[c].finished[0] != 0 ? sql_time (utc6 (campaigns[c].finished))
                                                                : g_strdup ("NULL");
      guint n_msgs = 0;

      memcpy (campaigns[c].id, uuid, 36);
      for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
        n_msgs += msgs[i].campaign == c;
      g_string_append_printf (sql, "INSERT INTO campaigns (id, name, template_name, template_language, state,"
                                   " n_recipients, n_excluded, created_at, started_at, finished_at)"
                                   " VALUES ('%s', '%s', 'promo_%u', 'en', '%s', %u, %u, %s, %s, %s);\n",
                              campaigns[c].id, campaigns[c].name, c, campaigns[c].state,
                              n_msgs + campaigns[c].n_pending, campaigns[c].n_excluded, created, created, finished);
      for (guint i = 0; i < campaigns[c].n_excluded; i++)
        g_string_append_printf (sql, "INSERT INTO campaign_recipients (campaign_id, lead_phone, phone, state, reason)"
                                     " VALUES ('%s', '4477009%05u', '4477009%05u', 'excluded', 'opted_out');\n",
                                campaigns[c].id, i, i);
      for (guint i = 0; i < campaigns[c].n_pending; i++)
        g_string_append_printf (sql, "INSERT INTO campaign_recipients (campaign_id, lead_phone, phone, state)"
                                     " VALUES ('%s', '4477008%05u', '4477008%05u', 'pending');\n",
                                campaigns[c].id, i, i);
    }
  for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      g_autofree char *at = sql_time (utc6 (msgs[i].at));

      memcpy (msgs[i].id, uuid, 36);
      g_string_append_printf (sql, "INSERT INTO messages (id, message_id, phone, direction, type, status,"
                                   " template_name, \"timestamp\") VALUES ('%s', 'wamid.c%u', '%s', 'outbound',"
                                   " 'template', '%s', 'promo_%u', %s);\n",
                              msgs[i].id, i, msgs[i].phone, msgs[i].status, msgs[i].campaign, at);
      g_string_append_printf (sql, "INSERT INTO campaign_recipients (campaign_id, lead_phone, phone, state,"
                                   " message_uuid) VALUES ('%s', '%s', '%s', 'queued', '%s');\n",
                              campaigns[msgs[i].campaign].id, msgs[i].phone, msgs[i].phone, msgs[i].id);
    }
  for (guint i = 0; i < G_N_ELEMENTS (inbound); i++)
    {
      g_autofree char *at = sql_time (utc6 (inbound[i].at));

      g_string_append_printf (sql, "INSERT INTO messages (id, message_id, phone, direction, type, status,"
                                   " \"timestamp\") VALUES (gen_random_uuid (), 'wamid.in%u', '%s', 'inbound',"
                                   " 'text', 'received', %s);\n",
                              i, inbound[i].phone, at);
    }
  for (guint i = 0; i < G_N_ELEMENTS (opt_events); i++)
    {
      g_autofree char *at = sql_time (utc6 (opt_events[i].at));

      g_string_append_printf (sql, "INSERT INTO opt_out_events (phone, action, source, at)"
                                   " VALUES ('%s', '%s', 'message', %s);\n",
                              opt_events[i].phone, opt_events[i].action, at);
    }
  exec_each (f, sql->str);

  ref_init (&ref, "UTC", 2024, 3, 10, 2024, 3, 20);
  query = custom_query (&ref, "UTC");
  report = run (f, query, WABIZ_ANALYTICS_CAMPAIGNS, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  /* only what was asked for */
  g_assert_false (json_object_has_member (report, "total_messages"));
  rows = json_object_get_array_member (report, "campaigns");
  g_assert_nonnull (rows);

  for (guint c = 0; c < G_N_ELEMENTS (campaigns); c++)
    {
      gint64 created = utc6 (campaigns[c].created);
      gint64 finished = campaigns[c].finished[0] != 0 ? utc6 (campaigns[c].finished) : G_MAXINT64;
      gint64 messages = 0, sent = 0, delivered = 0, read = 0, failed = 0, replied = 0, opted_out = 0;
      g_autofree char *created_iso = iso_or_null (campaigns[c].created);
      g_autofree char *finished_iso = iso_or_null (campaigns[c].finished);
      g_autofree char *template_name = g_strdup_printf ("promo_%u", c);
      JsonObject *row = NULL;
      guint position = G_MAXUINT;

      if (!(created < end && finished >= start))
        {
          for (guint i = 0; i < json_array_get_length (rows); i++)
            g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, i), "id"), !=,
                             campaigns[c].id);
          continue;
        }

      /* newest first, as the list says */
      for (guint i = 0; i < G_N_ELEMENTS (listed); i++)
        if (g_str_equal (listed[i], campaigns[c].name))
          position = i;
      g_assert_cmpuint (position, <, json_array_get_length (rows));
      row = json_array_get_object_element (rows, position);
      n_listed++;

      for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
        {
          const CampaignMsg *m = &msgs[i];
          gint64 at = utc6 (m->at);
          gboolean did_reply = FALSE, did_opt_out = FALSE;

          if (m->campaign != c)
            continue;
          messages++;
          sent += reached (m->status, "sent");
          delivered += reached (m->status, "delivered");
          read += reached (m->status, "read");
          failed += g_str_equal (m->status, "failed");
          for (guint j = 0; j < G_N_ELEMENTS (inbound); j++)
            {
              gint64 r = utc6 (inbound[j].at);

              if (g_str_equal (inbound[j].phone, m->phone) && r > at && r <= at + CAMPAIGN_HOURS_S)
                did_reply = TRUE;
            }
          for (guint j = 0; j < G_N_ELEMENTS (opt_events); j++)
            {
              gint64 o = utc6 (opt_events[j].at);

              if (g_str_equal (opt_events[j].phone, m->phone) && g_str_equal (opt_events[j].action, "opt_out") &&
                  o >= at && o <= at + CAMPAIGN_HOURS_S)
                did_opt_out = TRUE;
            }
          replied += did_reply;
          opted_out += did_opt_out;
        }

      g_test_message ("%s: %" G_GINT64_FORMAT " messages, %" G_GINT64_FORMAT " replied, %" G_GINT64_FORMAT
                      " opted out", campaigns[c].name, messages, replied, opted_out);
      g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, campaigns[c].id);
      g_assert_cmpstr (json_object_get_string_member (row, "name"), ==, campaigns[c].name);
      g_assert_cmpstr (json_object_get_string_member (row, "template_name"), ==, template_name);
      g_assert_cmpstr (json_object_get_string_member (row, "state"), ==, campaigns[c].state);
      g_assert_cmpstr (json_object_get_string_member (row, "created_at"), ==, created_iso);
      g_assert_cmpstr (json_object_get_string_member (row, "started_at"), ==, created_iso);
      if (finished_iso == NULL)
        g_assert_true (json_object_get_null_member (row, "finished_at"));
      else
        g_assert_cmpstr (json_object_get_string_member (row, "finished_at"), ==, finished_iso);
      g_assert_cmpint (json_object_get_int_member (row, "recipients"), ==,
                       messages + campaigns[c].n_pending);
      g_assert_cmpint (json_object_get_int_member (row, "excluded"), ==, campaigns[c].n_excluded);
      g_assert_cmpint (json_object_get_int_member (row, "messages"), ==, messages);
      g_assert_cmpint (json_object_get_int_member (row, "sent"), ==, sent);
      g_assert_cmpint (json_object_get_int_member (row, "delivered"), ==, delivered);
      g_assert_cmpint (json_object_get_int_member (row, "read"), ==, read);
      g_assert_cmpint (json_object_get_int_member (row, "failed"), ==, failed);
      g_assert_cmpint (json_object_get_int_member (row, "replied"), ==, replied);
      g_assert_cmpint (json_object_get_int_member (row, "opted_out"), ==, opted_out);
      assert_campaign_rate (row, "delivered_rate", delivered, sent);
      assert_campaign_rate (row, "read_rate", read, delivered);
      assert_campaign_rate (row, "reply_rate", replied, messages);
      assert_campaign_rate (row, "opt_out_rate", opted_out, messages);

      /* what the seed is there to show */
      if (g_str_equal (campaigns[c].name, "Spring offer"))
        {
          /* 491701000001 twice, 491701000003 at the last second,
           * 12125550105 before its message was sent */
          g_assert_cmpint (replied, ==, 3);
          g_assert_cmpint (opted_out, ==, 1);
          g_assert_cmpint (sent, ==, 3);
          g_assert_cmpint (failed, ==, 1);
        }
      else if (g_str_equal (campaigns[c].name, "Reminder"))
        {
          g_assert_cmpint (replied, ==, 2);
          g_assert_cmpint (opted_out, ==, 1);
        }
      else if (g_str_equal (campaigns[c].name, "Slow start"))
        g_assert_cmpint (messages, ==, 0);
    }
  g_assert_cmpuint (n_listed, ==, G_N_ELEMENTS (listed));
  g_assert_cmpuint (json_array_get_length (rows), ==, G_N_ELEMENTS (listed));

  /* all the figures hold the same campaigns */
  everything = run (f, query, WABIZ_ANALYTICS_ALL, &error);
  g_assert_no_error (error);
  rows = json_object_get_array_member (everything, "campaigns");
  g_assert_cmpuint (json_array_get_length (rows), ==, G_N_ELEMENTS (listed));
  for (guint i = 0; i < G_N_ELEMENTS (listed); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, i), "name"), ==, listed[i]);

  /* a period with none */
  {
    g_auto(Ref) empty_ref = { 0 };
    g_autoptr(WabizAnalyticsQuery) empty_query = NULL;
    g_autoptr(JsonObject) empty = NULL;

    ref_init (&empty_ref, "UTC", 2023, 1, 1, 2023, 1, 31);
    empty_query = custom_query (&empty_ref, "UTC");
    empty = run (f, empty_query, WABIZ_ANALYTICS_CAMPAIGNS, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (empty, "campaigns")), ==, 0);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/wabiz/analytics/figures", test_figures);
  ADD ("/wabiz/analytics/migration-counts-history", test_migration_counts_history);
  ADD ("/wabiz/analytics/presets", test_presets);
  ADD ("/wabiz/analytics/leads-change", test_leads_change);
  ADD ("/wabiz/analytics/failed-messages", test_failed_messages);
  ADD ("/wabiz/analytics/business-hours", test_business_hours);
  ADD ("/wabiz/analytics/bad-input", test_bad_input);
  ADD ("/wabiz/analytics/campaigns", test_campaigns);
#undef ADD

  return g_test_run ();
}
