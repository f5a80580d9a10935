/* test-ui-analytics.c: the Analytics pane under Xvfb on a seeded history
 *
 * SPDX-License-Identifier: MIT
 *
 * A history of known content (messages with explicit times across
 * Berlin's change to summer time, failures for three reasons, leads,
 * campaigns with their recipients and opt-outs, the business's time zone
 * and hours) is seeded, and every figure the pane shows is checked
 * against the same figure computed here, in C, from the seed list: the
 * numbers at the top, the charts' descriptions for screen readers, the
 * failure reasons, the replies, the campaigns, the tables, the CSV. Then
 * a failure reason opens its messages and one opens its conversation;
 * presets and a bad custom period; a message arriving updates the
 * figures; an empty database shows a status page.
 * Screenshots: <build>/screenshots/ui-analytics-*.png
 */

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include "wabiz-analytics-pane-private.h"
#include "wabiz-chat-view.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-csv.h"
#include "wabiz-messages-model.h"
#include "wabiz-phone.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"

#define ZONE "Europe/Berlin"
#define HOURS_JSON "{\"mon\": \"09:00-18:00\", \"tue\": \"09:00-18:00\", \"wed\": \"09:00-18:00\"," \
                   " \"thu\": \"09:00-18:00\", \"fri\": \"09:00-18:00\", \"sat\": \"10:00-14:00\", \"sun\": \"\"}"
/* Monday to Friday 09:00–18:00, Saturday 10:00–14:00, minutes */
static const guint hours[7][2] = { { 540, 1080 }, { 540, 1080 }, { 540, 1080 }, { 540, 1080 }, { 540, 1080 },
                                   { 600, 840 }, { 0, 0 } };
#define CAMPAIGN_HOURS 72

/* ------------------------------------------------------------------ */
/* the seed */

typedef struct
{
  char        id[37];
  const char *phone;
  gboolean    inbound;
  const char *type;
  const char *status;
  const char *template_name;
  gint64      at;           /* unix seconds */
  int         error_code;   /* 0: none */
  const char *error_title;  /* NULL: none */
} Msg;

typedef struct
{
  const char *phone;
  const char *name;
  const char *status;
  int         when[6];      /* created, UTC */
} Lead;

typedef struct
{
  const char *name;
  const char *template_name;
  const char *state;
  int         created[6];
  int         finished[6]; /* year 0: not finished */
  guint       n_recipients;
  guint       n_excluded;
  GPtrArray  *messages;    /* (unowned) Msg, of the seed */
  char        id[37];
} Campaign;

typedef struct
{
  const char *phone;
  int         at[6];
} OptOut;

typedef struct
{
  GArray    *msgs;          /* Msg */
  Campaign   campaigns[3];
} Seed;

static const char *phones[] = { "491701000001", "491701000002", "491701000003", "491701000004",
                                "447700900005", "447700900006" };
static const char *types[] = { "text", "text", "text", "image", "template", "document", "audio" };

static const Lead leads[] = {
  { "491701000001", "Anna Berg", "NEW", { 2024, 3, 26, 10, 0, 0 } },
  { "491701000002", "Ben Kraus", "CONTACTED", { 2024, 3, 10, 9, 0, 0 } },
  /* 1 April 00:30 in Berlin (summer time): in the period */
  { "491701000003", "Clara Wolf", "INTERESTED", { 2024, 3, 31, 22, 30, 0 } },
  /* 25 March 00:30 in Berlin (winter time): in the period */
  { "447700900005", "Dan Hale", "CONVERTED", { 2024, 3, 24, 23, 30, 0 } },
  /* 2 April 00:30 in Berlin: after it */
  { "447700900006", "Eve Stone", "LOST", { 2024, 4, 1, 22, 30, 0 } },
  { "12125550107", "Finn Moore", "NEW", { 2024, 3, 28, 12, 0, 0 } },
  { "12125550108", "Gina Park", "CONVERTED", { 2024, 3, 2, 12, 0, 0 } },
};

static const OptOut opt_outs[] = {
  /* a day after the spring campaign's message: caused by it */
  { "491701000004", { 2024, 3, 28, 8, 0, 0 } },
  /* six days after: not */
  { "491701000002", { 2024, 4, 2, 8, 0, 0 } },
};

static gint64
utc (int y, int mo, int d, int h, int mi, int s)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (y, mo, d, h, mi, s);

  return g_date_time_to_unix (dt);
}

static gint64
utc6 (const int t[6])
{
  return utc (t[0], t[1], t[2], t[3], t[4], t[5]);
}

static Msg *
add_msg (Seed       *seed,
         const char *phone,
         gboolean    inbound,
         const char *type,
         const char *status,
         gint64      at)
{
  Msg m = { { 0 } };
  g_autofree char *uuid = g_uuid_string_random ();

  memcpy (m.id, uuid, 36);
  m.phone = phone;
  m.inbound = inbound;
  m.type = type;
  m.status = inbound ? "received" : status;
  m.at = at;
  if (g_str_equal (type, "template"))
    m.template_name = "order_update";
  g_array_append_val (seed->msgs, m);
  return &g_array_index (seed->msgs, Msg, seed->msgs->len - 1);
}

static void
seed_free (Seed *seed)
{
  for (guint i = 0; i < G_N_ELEMENTS (seed->campaigns); i++)
    g_clear_pointer (&seed->campaigns[i].messages, g_ptr_array_unref);
  g_array_unref (seed->msgs);
  g_free (seed);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Seed, seed_free)

/* Random messages from 20 March to 3 April (UTC) among six customers,
 * failures placed by hand (4, 2 and 1 in the period for three reasons,
 * one more outside it), replies inside and outside business hours, and
 * three campaigns, one of which ended before the period. No two messages
 * of a phone share a second. */
static Seed *
make_seed (void)
{
  Seed *seed = g_new0 (Seed, 1);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240401);
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  static const char *statuses[] = { "read", "read", "read", "delivered", "delivered", "sent", "accepted" };
  gint64 start = utc (2024, 3, 20, 0, 0, 0), end = utc (2024, 4, 3, 0, 0, 0);
  struct { const char *phone; int at[6]; int code; const char *title; } failed[] = {
    { "491701000001", { 2024, 3, 25, 9, 0, 0 }, 131026, "Message undeliverable" },
    { "491701000002", { 2024, 3, 26, 9, 0, 0 }, 131026, "Message undeliverable" },
    { "491701000004", { 2024, 3, 29, 16, 0, 0 }, 131026, "Message undeliverable" },
    { "447700900005", { 2024, 3, 31, 21, 59, 0 }, 131026, "Message undeliverable" },
    { "491701000003", { 2024, 3, 28, 7, 0, 0 }, 131047, "Re-engagement message" },
    { "447700900006", { 2024, 3, 30, 11, 0, 0 }, 131047, "Re-engagement message" },
    { "491701000002", { 2024, 3, 27, 14, 0, 0 }, 0, NULL },
    /* before the period, in Berlin: 24 March 23:00 CET */
    { "491701000001", { 2024, 3, 24, 22, 0, 0 }, 131026, "Message undeliverable" },
  };
  struct { const char *phone; gboolean inbound; int at[6]; const char *status; } fixed[] = {
    /* Tuesday 26 March 10:00 CET, answered at 10:20: within the hours */
    { "491701000004", TRUE, { 2024, 3, 26, 9, 0, 0 }, NULL },
    { "491701000004", FALSE, { 2024, 3, 26, 9, 20, 0 }, "read" },
    /* Saturday 30 March 19:00 CET, answered at 20:30: outside */
    { "447700900006", TRUE, { 2024, 3, 30, 18, 0, 0 }, NULL },
    { "447700900006", FALSE, { 2024, 3, 30, 19, 30, 0 }, "delivered" },
    /* the spring campaign's replies: within its 72 hours, and after them */
    { "491701000001", TRUE, { 2024, 3, 27, 10, 0, 0 }, NULL },
    { "491701000002", TRUE, { 2024, 3, 31, 9, 0, 0 }, NULL },
    /* the Easter campaign's reply */
    { "447700900006", TRUE, { 2024, 3, 30, 12, 0, 0 }, NULL },
    /* Monday 1 April 22:00 CEST, never answered */
    { "447700900006", TRUE, { 2024, 4, 1, 20, 0, 0 }, NULL },
  };

  seed->msgs = g_array_new (FALSE, TRUE, sizeof (Msg));

  for (guint i = 0; i < G_N_ELEMENTS (failed); i++)
    {
      Msg *m = add_msg (seed, failed[i].phone, FALSE, i % 3 == 0 ? "template" : "text", "failed",
                        utc6 (failed[i].at));

      m->error_code = failed[i].code;
      m->error_title = failed[i].title;
    }
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    add_msg (seed, fixed[i].phone, fixed[i].inbound, "text", fixed[i].status, utc6 (fixed[i].at));

  /* the campaigns */
  {
    Campaign spring = { "Spring offer", "spring_offer", "done", { 2024, 3, 27, 8, 0, 0 }, { 2024, 3, 27, 9, 0, 0 },
                        5, 1, NULL, { 0 } };
    Campaign easter = { "Easter reminder", "easter", "paused", { 2024, 3, 30, 9, 0, 0 }, { 0 }, 3, 0, NULL, { 0 } };
    Campaign winter = { "Winter sale", "winter_sale", "done", { 2024, 3, 1, 9, 0, 0 }, { 2024, 3, 2, 9, 0, 0 },
                        1, 0, NULL, { 0 } };
    const char *spring_status[] = { "read", "read", "delivered", "sent", "failed" };
    const char *easter_status[] = { "read", "delivered", "accepted" };
    const char *easter_phones[] = { "447700900006", "447700900005", "491701000003" };
    Campaign all[] = { spring, easter, winter };

    for (guint c = 0; c < G_N_ELEMENTS (all); c++)
      {
        g_autofree char *uuid = g_uuid_string_random ();

        seed->campaigns[c] = all[c];
        memcpy (seed->campaigns[c].id, uuid, 36);
        seed->campaigns[c].messages = g_ptr_array_new ();
      }
    for (guint i = 0; i < 5; i++)
      {
        Msg *m = add_msg (seed, phones[i], FALSE, "template", spring_status[i], utc (2024, 3, 27, 8, 0, (int) i));

        m->template_name = "spring_offer";
        if (g_str_equal (spring_status[i], "failed"))
          {
            m->error_code = 131026;
            m->error_title = "Message undeliverable";
          }
      }
    for (guint i = 0; i < 3; i++)
      {
        Msg *m = add_msg (seed, easter_phones[i], FALSE, "template", easter_status[i], utc (2024, 3, 30, 9, 0, (int) i));

        m->template_name = "easter";
      }
    {
      Msg *m = add_msg (seed, phones[0], FALSE, "template", "read", utc (2024, 3, 1, 9, 0, 0));

      m->template_name = "winter_sale";
    }
  }

  /* random traffic, where none of the spring campaign's recipients
   * (the first five phones) writes in the hours after its message (give
   * or take a minute): its replies are the two placed above; and where
   * the last phone gets nothing after its unanswered message */
  for (guint i = 0; i < 260; i++)
    {
      guint p = g_rand_int_range (rand, 0, G_N_ELEMENTS (phones));
      gboolean inbound = g_rand_int_range (rand, 0, 100) < 55;
      const char *type = types[g_rand_int_range (rand, 0, G_N_ELEMENTS (types))];
      const char *status = statuses[g_rand_int_range (rand, 0, G_N_ELEMENTS (statuses))];
      gint64 spring_at = utc (2024, 3, 27, 8, 0, 0);
      gint64 at;

      do
        at = start + g_rand_int_range (rand, 0, (gint32) (end - start));
      while ((inbound && p < 5 && at >= spring_at - 60 && at <= spring_at + CAMPAIGN_HOURS * 3600 + 60) ||
             (!inbound && p == 5 && at >= utc (2024, 4, 1, 19, 59, 0)));
      add_msg (seed, phones[p], inbound, type, status, at);
    }

  /* no two messages of a phone in the same second */
  for (guint i = 0; i < seed->msgs->len; i++)
    {
      Msg *m = &g_array_index (seed->msgs, Msg, i);

      for (;;)
        {
          g_autofree char *key = g_strdup_printf ("%s/%" G_GINT64_FORMAT, m->phone, m->at);

          if (!g_hash_table_contains (taken, key))
            {
              g_hash_table_add (taken, g_steal_pointer (&key));
              break;
            }
          m->at++;
        }
    }

  /* the campaigns' messages, by template and time (now that the array
   * no longer grows) */
  for (guint i = 0; i < seed->msgs->len; i++)
    {
      Msg *m = &g_array_index (seed->msgs, Msg, i);

      for (guint c = 0; c < G_N_ELEMENTS (seed->campaigns); c++)
        if (g_strcmp0 (m->template_name, seed->campaigns[c].template_name) == 0)
          g_ptr_array_add (seed->campaigns[c].messages, m);
    }
  return seed;
}

static char *
sql_time (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

  return g_date_time_format (dt, "'%Y-%m-%dT%H:%M:%SZ'");
}

static char *
seed_sql (Seed *seed)
{
  GString *sql = g_string_new (NULL);

  g_string_append (sql, "INSERT INTO business_settings (key, value) VALUES"
                        " ('time_zone', '\"" ZONE "\"'), ('hours', '" HOURS_JSON "');\n");

  g_string_append (sql, "INSERT INTO leads (phone, name, status, created_at) VALUES ");
  for (guint i = 0; i < G_N_ELEMENTS (leads); i++)
    {
      g_autofree char *at = sql_time (utc6 (leads[i].when));

      g_string_append_printf (sql, "%s('%s', '%s', '%s', %s)", i > 0 ? ", " : "", leads[i].phone, leads[i].name,
                              leads[i].status, at);
    }
  g_string_append (sql, ";\n");

  g_string_append (sql, "INSERT INTO messages (id, message_id, phone, direction, type, status, template_name,"
                        " \"timestamp\", error_code, error_title, error_details) VALUES ");
  for (guint i = 0; i < seed->msgs->len; i++)
    {
      Msg *m = &g_array_index (seed->msgs, Msg, i);
      g_autofree char *at = sql_time (m->at);
      g_autofree char *template_name = m->template_name != NULL ? g_strdup_printf ("'%s'", m->template_name)
                                                                : g_strdup ("NULL");
      g_autofree char *code = m->error_code != 0 ? g_strdup_printf ("%d", m->error_code) : g_strdup ("NULL");
      g_autofree char *title = m->error_title != NULL ? g_strdup_printf ("'%s'", m->error_title) : g_strdup ("NULL");
      const char *details = m->error_title != NULL ? "'The number is not on WhatsApp'" : "NULL";

      g_string_append_printf (sql, "%s('%s', 'wamid.ui%u', '%s', '%s', '%s', '%s', %s, %s, %s, %s, %s)",
                              i > 0 ? ", " : "", m->id, i, m->phone, m->inbound ? "inbound" : "outbound", m->type,
                              m->status, template_name, at, code, title, details);
    }
  g_string_append (sql, ";\n");

  /* a conversation per customer, as the processor keeps them */
  g_string_append (sql, "INSERT INTO conversations (phone, total_messages, last_message_time)"
                        " SELECT phone, count(*), max(\"timestamp\") FROM messages GROUP BY phone;\n");

  for (guint c = 0; c < G_N_ELEMENTS (seed->campaigns); c++)
    {
      Campaign *campaign = &seed->campaigns[c];
      g_autofree char *created = sql_time (utc6 (campaign->created));
      g_autofree char *finished = campaign->finished[0] != 0 ? sql_time (utc6 (campaign->finished)) : g_strdup ("NULL");

      g_string_append_printf (sql, "INSERT INTO campaigns (id, name, template_name, template_language, state,"
                                   " n_recipients, n_excluded, created_at, started_at, finished_at)"
                                   " VALUES ('%s', '%s', '%s', 'en', '%s', %u, %u, %s, %s, %s);\n",
                              campaign->id, campaign->name, campaign->template_name, campaign->state,
                              campaign->n_recipients, campaign->n_excluded, created, created, finished);
      for (guint i = 0; i < campaign->messages->len; i++)
        {
          Msg *m = g_ptr_array_index (campaign->messages, i);

          g_string_append_printf (sql, "INSERT INTO campaign_recipients (campaign_id, lead_phone, phone, state,"
                                       " message_uuid) VALUES ('%s', '%s', '%s', 'queued', '%s');\n",
                                  campaign->id, m->phone, m->phone, m->id);
        }
      if (campaign->n_excluded > 0)
        g_string_append_printf (sql, "INSERT INTO campaign_recipients (campaign_id, lead_phone, phone, state, reason)"
                                     " VALUES ('%s', '12125550107', '12125550107', 'excluded', 'opted_out');\n",
                                campaign->id);
    }

  for (guint i = 0; i < G_N_ELEMENTS (opt_outs); i++)
    {
      g_autofree char *at = sql_time (utc6 (opt_outs[i].at));

      g_string_append_printf (sql, "INSERT INTO opt_out_events (phone, action, source, at)"
                                   " VALUES ('%s', 'opt_out', 'message', %s);\n", opt_outs[i].phone, at);
    }
  return g_string_free (sql, FALSE);
}

/* ------------------------------------------------------------------ */
/* the reference: each figure from the seed list */

typedef struct
{
  GTimeZone  *tz;
  GDate       first;
  GDate       last;
  gint64      from;        /* local midnight of first */
  gint64      to;          /* local midnight after last */
  guint       n_days;

  gint64      total, inbound, outbound;
  gint64      sent, delivered, read, failed;
  GHashTable *by_type;     /* type → count */
  gint64     *sent_per_day;
  gint64     *received_per_day;
  gint64      heat[7][24];
  GPtrArray  *failures;    /* Failure, most first */
  gint64      turns, unanswered, in_hours;
  GArray     *reply_secs;  /* gint64, sorted */
  gint64      leads_by_status[5];
  gint64      new_leads;
  gint64     *new_per_day;
} Ref;

typedef struct
{
  int         code;
  const char *title;
  gint64      count;
} Failure;

static const char * const statuses[] = { "NEW", "CONTACTED", "INTERESTED", "CONVERTED", "LOST" };

static void
ref_free (Ref *ref)
{
  g_time_zone_unref (ref->tz);
  g_hash_table_unref (ref->by_type);
  g_free (ref->sent_per_day);
  g_free (ref->received_per_day);
  g_ptr_array_unref (ref->failures);
  g_array_unref (ref->reply_secs);
  g_free (ref->new_per_day);
  g_free (ref);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ref, ref_free)

static gint64
local_midnight (GTimeZone   *tz,
                const GDate *date)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, g_date_get_year (date), g_date_get_month (date),
                                             g_date_get_day (date), 0, 0, 0);

  return g_date_time_to_unix (dt);
}

static GDateTime *
local_time (const Ref *ref,
            gint64     t)
{
  g_autoptr(GDateTime) u = g_date_time_new_from_unix_utc (t);

  return g_date_time_to_timezone (u, ref->tz);
}

static guint
day_index (const Ref *ref,
           gint64     t)
{
  g_autoptr(GDateTime) local = local_time (ref, t);
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, g_date_time_get_day_of_month (local), g_date_time_get_month (local),
                  g_date_time_get_year (local));
  return g_date_days_between (&ref->first, &date);
}

static gboolean
in_period (const Ref *ref,
           gint64     t)
{
  return t >= ref->from && t < ref->to;
}

static gboolean
is (const Msg  *m,
    const char *a,
    const char *b,
    const char *c)
{
  return g_strcmp0 (m->status, a) == 0 || g_strcmp0 (m->status, b) == 0 || g_strcmp0 (m->status, c) == 0;
}

static int
compare_by_time (gconstpointer a,
                 gconstpointer b)
{
  const Msg *x = *(const Msg **) a, *y = *(const Msg **) b;

  return (x->at > y->at) - (x->at < y->at);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static int
compare_failures (gconstpointer a,
                  gconstpointer b)
{
  const Failure *x = *(const Failure **) a, *y = *(const Failure **) b;

  return (x->count < y->count) - (x->count > y->count);
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

static Ref *
compute (Seed       *seed,
         int         y1,
         int         m1,
         int         d1,
         int         y2,
         int         m2,
         int         d2)
{
  Ref *ref = g_new0 (Ref, 1);
  g_autoptr(GPtrArray) by_time = g_ptr_array_new ();
  GDate after;

  ref->tz = g_time_zone_new_identifier (ZONE);
  g_date_clear (&ref->first, 1);
  g_date_clear (&ref->last, 1);
  g_date_set_dmy (&ref->first, d1, m1, y1);
  g_date_set_dmy (&ref->last, d2, m2, y2);
  after = ref->last;
  g_date_add_days (&after, 1);
  ref->from = local_midnight (ref->tz, &ref->first);
  ref->to = local_midnight (ref->tz, &after);
  ref->n_days = g_date_days_between (&ref->first, &ref->last) + 1;
  ref->by_type = g_hash_table_new (g_str_hash, g_str_equal);
  ref->sent_per_day = g_new0 (gint64, ref->n_days);
  ref->received_per_day = g_new0 (gint64, ref->n_days);
  ref->new_per_day = g_new0 (gint64, ref->n_days);
  ref->failures = g_ptr_array_new_with_free_func (g_free);
  ref->reply_secs = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < seed->msgs->len; i++)
    {
      Msg *m = &g_array_index (seed->msgs, Msg, i);
      g_autoptr(GDateTime) local = NULL;

      g_ptr_array_add (by_time, m);
      if (!in_period (ref, m->at))
        continue;
      ref->total++;
      g_hash_table_insert (ref->by_type, (gpointer) m->type,
                           GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (ref->by_type, m->type)) + 1));
      if (m->inbound)
        {
          local = local_time (ref, m->at);
          ref->inbound++;
          ref->received_per_day[day_index (ref, m->at)]++;
          ref->heat[g_date_time_get_day_of_week (local) - 1][g_date_time_get_hour (local)]++;
          continue;
        }
      ref->outbound++;
      ref->sent_per_day[day_index (ref, m->at)]++;
      if (is (m, "sent", "delivered", "read"))
        ref->sent++;
      if (is (m, "delivered", "read", NULL))
        ref->delivered++;
      if (is (m, "read", NULL, NULL))
        ref->read++;
      if (is (m, "failed", NULL, NULL))
        {
          Failure *f = NULL;

          ref->failed++;
          for (guint j = 0; j < ref->failures->len && f == NULL; j++)
            if (((Failure *) g_ptr_array_index (ref->failures, j))->code == m->error_code)
              f = g_ptr_array_index (ref->failures, j);
          if (f == NULL)
            {
              f = g_new0 (Failure, 1);
              f->code = m->error_code;
              f->title = m->error_title;
              g_ptr_array_add (ref->failures, f);
            }
          f->count++;
        }
    }
  g_ptr_array_sort (ref->failures, compare_failures);

  /* turns, phone by phone, in time order */
  g_ptr_array_sort (by_time, compare_by_time);
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
                  ref->turns++;
                  if (reply == NULL)
                    ref->unanswered++;
                }
              if (reply != NULL && in_period (ref, reply->at))
                {
                  g_autoptr(GDateTime) local = local_time (ref, reply->at);
                  gint64 secs = reply->at - m->at;
                  guint weekday = g_date_time_get_day_of_week (local) - 1;
                  guint second = g_date_time_get_hour (local) * 3600 + g_date_time_get_minute (local) * 60 +
                                 g_date_time_get_second (local);

                  g_array_append_val (ref->reply_secs, secs);
                  if (second >= hours[weekday][0] * 60 && second < hours[weekday][1] * 60)
                    ref->in_hours++;
                }
            }
          previous = m;
        }
    }
  g_array_sort (ref->reply_secs, compare_int64);

  for (guint i = 0; i < G_N_ELEMENTS (leads); i++)
    {
      gint64 at = utc6 (leads[i].when);

      for (guint s = 0; s < G_N_ELEMENTS (statuses); s++)
        if (g_str_equal (leads[i].status, statuses[s]))
          ref->leads_by_status[s]++;
      if (in_period (ref, at))
        {
          ref->new_leads++;
          ref->new_per_day[day_index (ref, at)]++;
        }
    }
  return ref;
}

/* the figures of one campaign */
typedef struct
{
  gint64 messages, sent, delivered, read, failed, replied, opted_out;
} CampaignRef;

static void
compute_campaign (Seed        *seed,
                  Campaign    *campaign,
                  CampaignRef *out)
{
  memset (out, 0, sizeof *out);
  for (guint i = 0; i < campaign->messages->len; i++)
    {
      Msg *m = g_ptr_array_index (campaign->messages, i);
      gboolean replied = FALSE, opted_out = FALSE;

      out->messages++;
      out->sent += is (m, "sent", "delivered", "read");
      out->delivered += is (m, "delivered", "read", NULL);
      out->read += is (m, "read", NULL, NULL);
      out->failed += is (m, "failed", NULL, NULL);
      for (guint j = 0; j < seed->msgs->len; j++)
        {
          Msg *r = &g_array_index (seed->msgs, Msg, j);

          if (r->inbound && g_str_equal (r->phone, m->phone) && r->at > m->at &&
              r->at <= m->at + CAMPAIGN_HOURS * 3600)
            replied = TRUE;
        }
      for (guint j = 0; j < G_N_ELEMENTS (opt_outs); j++)
        {
          gint64 at = utc6 (opt_outs[j].at);

          if (g_str_equal (opt_outs[j].phone, m->phone) && at >= m->at && at <= m->at + CAMPAIGN_HOURS * 3600)
            opted_out = TRUE;
        }
      out->replied += replied;
      out->opted_out += opted_out;
    }
}

/* ------------------------------------------------------------------ */
/* the texts the pane is to show, written here again */

static char *
count (gint64 n)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, n);
}

static char *
percent (double rate)
{
  return g_strdup_printf ("%.1f%%", rate * 100);
}

/* "N" or "N (x%)" */
static char *
count_rate (gint64 n,
            gint64 num,
            gint64 den)
{
  g_autofree char *c = count (n);
  g_autofree char *p = NULL;

  if (den == 0)
    return g_steal_pointer (&c);
  p = percent ((double) num / den);
  return g_strdup_printf ("%s (%s)", c, p);
}

static char *
day_text (const Ref *ref,
          guint      index,
          gboolean   with_year)
{
  GDate date = ref->first;
  g_autoptr(GDateTime) dt = NULL;

  g_date_add_days (&date, index);
  dt = g_date_time_new_utc (g_date_get_year (&date), g_date_get_month (&date), g_date_get_day (&date), 12, 0, 0);
  return g_date_time_format (dt, with_year ? "%-d %b %Y" : "%-d %b");
}

static char *
iso_day (const Ref *ref,
         guint      index)
{
  GDate date = ref->first;

  g_date_add_days (&date, index);
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&date), g_date_get_month (&date), g_date_get_day (&date));
}

static char *
duration (double seconds)
{
  gint64 t = (gint64) llround (seconds);

  if (t < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " s", t);
  if (t < 3600)
    return t % 60 == 0 ? g_strdup_printf ("%" G_GINT64_FORMAT " min", t / 60)
                       : g_strdup_printf ("%" G_GINT64_FORMAT " min %" G_GINT64_FORMAT " s", t / 60, t % 60);
  if (t < 86400)
    return t % 3600 / 60 == 0 ? g_strdup_printf ("%" G_GINT64_FORMAT " h", t / 3600)
                              : g_strdup_printf ("%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT " min", t / 3600,
                                                 t % 3600 / 60);
  return t % 86400 / 3600 == 0 ? g_strdup_printf ("%" G_GINT64_FORMAT " d", t / 86400)
                               : g_strdup_printf ("%" G_GINT64_FORMAT " d %" G_GINT64_FORMAT " h", t / 86400,
                                                  t % 86400 / 3600);
}

/* “A: x; B: y.” as the bar charts say it */
static void
append_item (GString    *s,
             const char *label,
             const char *value)
{
  g_string_append_printf (s, s->len > 0 ? "; %s: %s" : "%s: %s", label, value);
}

static char *
funnel_words (const Ref *ref)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *a = count_rate (ref->outbound, 0, 0);
  g_autofree char *b = count_rate (ref->sent, ref->sent, ref->outbound);
  g_autofree char *c = count_rate (ref->delivered, ref->delivered, ref->sent);
  g_autofree char *d = count_rate (ref->read, ref->read, ref->delivered);
  g_autofree char *e = count_rate (ref->failed, ref->failed, ref->outbound);

  append_item (s, "Outgoing", a);
  append_item (s, "Sent", b);
  append_item (s, "Delivered", c);
  append_item (s, "Read", d);
  append_item (s, "Failed", e);
  g_string_append_c (s, '.');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static const char *
type_word (const char *type)
{
  static const char *words[][2] = { { "text", "Text" }, { "image", "Image" }, { "template", "Template" },
                                    { "document", "Document" }, { "audio", "Audio" } };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_str_equal (type, words[i][0]))
      return words[i][1];
  g_assert_not_reached ();
}

typedef struct
{
  const char *type;
  gint64      n;
} TypeCount;

static int
compare_types (gconstpointer a,
               gconstpointer b)
{
  const TypeCount *x = a, *y = b;

  if (x->n != y->n)
    return (x->n < y->n) - (x->n > y->n);
  return strcmp (x->type, y->type);
}

static GArray *
sorted_types (const Ref *ref)
{
  GArray *list = g_array_new (FALSE, FALSE, sizeof (TypeCount));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, ref->by_type);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      TypeCount t = { key, GPOINTER_TO_INT (value) };

      g_array_append_val (list, t);
    }
  g_array_sort (list, compare_types);
  return list;
}

static char *
type_words (const Ref *ref)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GArray) list = sorted_types (ref);

  for (guint i = 0; i < list->len; i++)
    {
      TypeCount *t = &g_array_index (list, TypeCount, i);
      g_autofree char *v = count_rate (t->n, t->n, ref->total);

      append_item (s, type_word (t->type), v);
    }
  g_string_append_c (s, '.');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
direction_words (const Ref *ref)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *a = count_rate (ref->outbound, ref->outbound, ref->total);
  g_autofree char *b = count_rate (ref->inbound, ref->inbound, ref->total);

  append_item (s, "Sent", a);
  append_item (s, "Received", b);
  g_string_append_c (s, '.');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
lead_status_words (const Ref *ref)
{
  static const char *words[] = { "New", "Contacted", "Interested", "Converted", "Lost" };
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_autofree char *v = count_rate (ref->leads_by_status[i], ref->leads_by_status[i], G_N_ELEMENTS (leads));

      append_item (s, words[i], v);
    }
  g_string_append_c (s, '.');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
per_day_words (const Ref *ref)
{
  GString *s = g_string_new (NULL);
  g_autofree char *sent = count (ref->outbound);
  g_autofree char *received = count (ref->inbound);
  g_autofree char *first = day_text (ref, 0, TRUE);
  g_autofree char *last = day_text (ref, ref->n_days - 1, TRUE);

  g_string_append_printf (s, "%s sent and %s received from %s to %s.", sent, received, first, last);
  for (guint d = 0; d < ref->n_days; d++)
    {
      g_autofree char *day = day_text (ref, d, TRUE);
      g_autofree char *a = count (ref->sent_per_day[d]);
      g_autofree char *b = count (ref->received_per_day[d]);

      g_string_append_printf (s, " %s: %s sent, %s received.", day, a, b);
    }
  return g_string_free (s, FALSE);
}

static char *
new_leads_words (const Ref *ref)
{
  GString *s = g_string_new (NULL);
  g_autofree char *n = count (ref->new_leads);
  g_autofree char *first = day_text (ref, 0, TRUE);
  g_autofree char *last = day_text (ref, ref->n_days - 1, TRUE);

  g_string_append_printf (s, ref->new_leads == 1 ? "%s new lead from %s to %s." : "%s new leads from %s to %s.",
                          n, first, last);
  for (guint d = 0; d < ref->n_days; d++)
    {
      g_autofree char *day = day_text (ref, d, TRUE);
      g_autofree char *c = count (ref->new_per_day[d]);

      g_string_append_printf (s, ref->new_per_day[d] == 1 ? " %s: %s new lead." : " %s: %s new leads.", day, c);
    }
  return g_string_free (s, FALSE);
}

static char *
busiest_words (const Ref *ref)
{
  static const char *days[] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" };
  GString *s = g_string_new (NULL);

  for (guint d = 0; d < 7; d++)
    {
      g_autoptr(GString) day = g_string_new (NULL);

      for (guint h = 0; h < 24; h++)
        if (ref->heat[d][h] > 0)
          {
            g_autofree char *c = count (ref->heat[d][h]);

            g_string_append_printf (day, "%s%s at %02u:00", day->len > 0 ? ", " : "", c, h);
          }
      g_string_append_printf (s, "%s%s: %s.", d > 0 ? " " : "", days[d], day->len > 0 ? day->str : "none");
    }
  return g_string_free (s, FALSE);
}

static char *
campaign_words (const CampaignRef *c)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *a = count_rate (c->messages, 0, 0);
  g_autofree char *b = count_rate (c->sent, 0, 0);
  g_autofree char *d = count_rate (c->delivered, c->delivered, c->sent);
  g_autofree char *e = count_rate (c->read, c->read, c->delivered);
  g_autofree char *f = count_rate (c->replied, c->replied, c->messages);
  g_autofree char *g = count_rate (c->opted_out, c->opted_out, c->messages);
  g_autofree char *h = count_rate (c->failed, 0, 0);

  append_item (s, "Messages", a);
  append_item (s, "Sent", b);
  append_item (s, "Delivered", d);
  append_item (s, "Read", e);
  append_item (s, "Replied", f);
  append_item (s, "Opted out", g);
  append_item (s, "Failed", h);
  g_string_append_c (s, '.');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ------------------------------------------------------------------ */
/* the fixture and the pane */

typedef struct
{
  Seed *seed;
  char *conninfo;
  char *tmpdir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *sql = NULL;

  if (!wabiz_test_ui_available ())
    return;
  f->seed = make_seed ();
  sql = data != NULL ? NULL : seed_sql (f->seed);
  f->conninfo = wabiz_test_ui_set_database (sql);
  f->tmpdir = wabiz_test_make_tmpdir ("wzan");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->tmpdir != NULL)
    wabiz_test_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
  g_clear_pointer (&f->seed, seed_free);
  wabiz_test_ui_clear_database (&f->conninfo);
}

static void
exec_sql (Fixture    *f,
          const char *sql)
{
  g_autoptr(WabizDb) db = wabiz_db_new (f->conninfo, NULL, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  wabiz_db_close (db);
}

static guint n_updates;

static void
updated_cb (WabizAnalyticsPane *pane)
{
  n_updates++;
}

static gboolean
updated_since (gpointer data)
{
  return n_updates > GPOINTER_TO_UINT (data);
}

/* The Analytics pane shown, following its "updated" */
static WabizAnalyticsPane *
show_analytics (WabizWindow *window)
{
  WabizPane *pane;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "analytics"));
  pane = wabiz_window_get_pane (window, "analytics");
  g_assert_true (WABIZ_IS_ANALYTICS_PANE (pane));
  g_assert_true (wabiz_pane_get_loaded (pane));
  g_signal_connect (pane, "updated", G_CALLBACK (updated_cb), NULL);
  return WABIZ_ANALYTICS_PANE (pane);
}

/* Shows @first … @last, with "now" on the last day at 15:00 in Berlin */
static void
show_days (WabizAnalyticsPane *pane,
           int                 y1,
           int                 m1,
           int                 d1,
           int                 y2,
           int                 m2,
           int                 d2)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (ZONE);
  g_autoptr(GDateTime) now = g_date_time_new (tz, y2, m2, d2, 15, 0, 0);
  g_autoptr(GError) error = NULL;
  guint before = n_updates;
  GDate first, last;

  g_date_clear (&first, 1);
  g_date_clear (&last, 1);
  g_date_set_dmy (&first, d1, m1, y1);
  g_date_set_dmy (&last, d2, m2, y2);
  _wabiz_analytics_pane_set_now (pane, now);
  g_assert_true (wabiz_analytics_pane_set_custom_days (pane, &first, &last, &error));
  g_assert_no_error (error);
  wabiz_test_wait_until (updated_since, GUINT_TO_POINTER (before), 30);
  g_assert_false (wabiz_analytics_pane_get_busy (pane));
}

static void
assert_label (GtkLabel   *label,
              const char *expected)
{
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (label)));
  g_assert_cmpstr (gtk_label_get_text (label), ==, expected);
}

static void
assert_count_label (GtkLabel *label,
                    gint64    n)
{
  g_autofree char *text = count (n);

  assert_label (label, text);
}

/* What a screen reader hears of @chart: its title and every figure */
static void
assert_chart (WabizChart *chart,
              const char *title,
              const char *description)
{
  g_autofree char *wrong_label = gtk_test_accessible_check_property (GTK_ACCESSIBLE (chart),
                                                                     GTK_ACCESSIBLE_PROPERTY_LABEL, title);
  g_autofree char *wrong = gtk_test_accessible_check_property (GTK_ACCESSIBLE (chart),
                                                               GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description);

  if (wrong != NULL)
    g_test_message ("%s: a screen reader hears “%s”, expected “%s”", title, wabiz_chart_get_description (chart),
                    description);
  g_assert_null (wrong_label);
  g_assert_null (wrong);
  g_assert_true (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (chart)) == GTK_ACCESSIBLE_ROLE_IMG);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (chart)));
}

static GPtrArray *
list_rows (GtkListBox *list)
{
  GPtrArray *rows = g_ptr_array_new ();
  GtkListBoxRow *row;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    g_ptr_array_add (rows, row);
  return rows;
}

static void
assert_row (GtkListBoxRow *row,
            const char    *title,
            const char    *subtitle)
{
  g_assert_true (ADW_IS_PREFERENCES_ROW (row));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, title);
  if (ADW_IS_ACTION_ROW (row))
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, subtitle);
  else
    g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), ==, subtitle);
}

/* The first chart inside @widget */
static WabizChart *
find_chart (GtkWidget *widget)
{
  if (WABIZ_IS_CHART (widget))
    return WABIZ_CHART (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      WabizChart *chart = find_chart (child);

      if (chart != NULL)
        return chart;
    }
  return NULL;
}

/* The texts of the mapped labels inside @widget */
static void
collect_labels (GtkWidget  *widget,
                GHashTable *texts)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget))
    g_hash_table_add (texts, g_strdup (gtk_label_get_text (GTK_LABEL (widget))));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, texts);
}

/* @table holds @rows of @n_columns (each row an array of texts), and the
 * first rows are on screen */
static void
assert_table (WabizAnalyticsTable *table,
              guint                n_rows,
              guint                n_columns,
              const char * const  *titles,
              const char * const  *cells)
{
  g_autoptr(GHashTable) shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (table)));
  g_assert_cmpuint (wabiz_analytics_table_get_n_columns (table), ==, n_columns);
  g_assert_cmpuint (wabiz_analytics_table_get_n_rows (table), ==, n_rows);
  for (guint c = 0; c < n_columns; c++)
    g_assert_cmpstr (wabiz_analytics_table_get_column_title (table, c), ==, titles[c]);
  for (guint r = 0; r < n_rows; r++)
    for (guint c = 0; c < n_columns; c++)
      g_assert_cmpstr (wabiz_analytics_table_get_cell (table, r, c), ==, cells[r * n_columns + c]);

  /* as the view shows them: the titles and the first row's cells */
  collect_labels (GTK_WIDGET (table), shown);
  for (guint c = 0; c < n_columns; c++)
    {
      if (!g_hash_table_contains (shown, titles[c]))
        g_test_message ("the column title “%s” is not on screen", titles[c]);
      g_assert_true (g_hash_table_contains (shown, titles[c]));
      if (n_rows > 0)
        g_assert_true (g_hash_table_contains (shown, cells[c]));
    }
}

/* ------------------------------------------------------------------ */
/* every figure */

static void
check_figures (WabizAnalyticsPane *pane,
               Seed               *seed,
               const Ref          *ref)
{
  g_autofree char *funnel = funnel_words (ref);
  g_autofree char *per_day = per_day_words (ref);
  g_autofree char *by_type = type_words (ref);
  g_autofree char *by_direction = direction_words (ref);
  g_autofree char *lead_status = lead_status_words (ref);
  g_autofree char *new_leads = new_leads_words (ref);
  g_autofree char *busiest = busiest_words (ref);
  g_autoptr(GPtrArray) failure_rows = list_rows (pane->failures_list);

  /* the seed must exercise what it is meant to */
  g_assert_cmpint (ref->failures->len, ==, 3);
  g_assert_cmpint (ref->in_hours, >, 0);
  g_assert_cmpint (ref->in_hours, <, (gint64) ref->reply_secs->len);
  g_assert_cmpint (ref->unanswered, >, 0);
  g_assert_cmpint (ref->new_leads, >, 1);

  g_assert_cmpstr (gtk_stack_get_visible_child_name (pane->content_stack), ==, "figures");
  assert_count_label (pane->total_label, ref->total);
  assert_count_label (pane->sent_label, ref->outbound);
  assert_count_label (pane->received_label, ref->inbound);
  assert_count_label (pane->new_leads_label, ref->new_leads);

  assert_chart (pane->per_day_chart, "Messages per day", per_day);
  g_assert_cmpuint (wabiz_chart_bars_get_n_categories (WABIZ_CHART_BARS (pane->per_day_chart)), ==, ref->n_days);
  for (guint d = 0; d < ref->n_days; d++)
    {
      g_assert_cmpfloat (wabiz_chart_bars_get_value (WABIZ_CHART_BARS (pane->per_day_chart), d, 0), ==,
                         ref->sent_per_day[d]);
      g_assert_cmpfloat (wabiz_chart_bars_get_value (WABIZ_CHART_BARS (pane->per_day_chart), d, 1), ==,
                         ref->received_per_day[d]);
    }
  assert_chart (pane->funnel_chart, "Delivery funnel", funnel);

  /* the failure reasons, most first */
  g_assert_cmpuint (failure_rows->len, ==, ref->failures->len);
  for (guint i = 0; i < ref->failures->len; i++)
    {
      Failure *f = g_ptr_array_index (ref->failures, i);
      g_autofree char *n = count (f->count);
      g_autofree char *subtitle = f->code != 0
                                  ? g_strdup_printf (f->count == 1 ? "Error %d · %s message" : "Error %d · %s messages",
                                                     f->code, n)
                                  : g_strdup_printf (f->count == 1 ? "%s message" : "%s messages", n);

      assert_row (g_ptr_array_index (failure_rows, i), f->title != NULL ? f->title : "No reason given", subtitle);
    }
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pane->failures_empty)));

  assert_chart (pane->type_chart, "Messages by type", by_type);
  assert_chart (pane->direction_chart, "Messages by direction", by_direction);
  assert_chart (pane->lead_status_chart, "Leads by status", lead_status);
  {
    g_autofree char *all = count (G_N_ELEMENTS (leads));
    g_autofree char *fresh = count (ref->new_leads);
    g_autofree char *text = g_strdup_printf ("%s leads in all, %s new in this period", all, fresh);

    assert_label (pane->total_leads_label, text);
  }
  assert_chart (pane->new_leads_chart, "New leads per day", new_leads);
  assert_chart (pane->busiest_chart, "Busiest hours of the week", busiest);
  for (guint d = 0; d < 7; d++)
    for (guint h = 0; h < 24; h++)
      g_assert_cmpfloat (wabiz_chart_heatmap_get_value (WABIZ_CHART_HEATMAP (pane->busiest_chart), d, h), ==,
                         ref->heat[d][h]);

  /* replies */
  {
    g_autofree char *median = duration (percentile (ref->reply_secs, 0.5));
    g_autofree char *p90 = duration (percentile (ref->reply_secs, 0.9));
    g_autofree char *within = count (ref->in_hours);
    g_autofree char *all = count (ref->reply_secs->len);
    g_autofree char *share = percent ((double) ref->in_hours / ref->reply_secs->len);
    g_autofree char *within_text = g_strdup_printf ("%s of %s (%s)", within, all, share);
    g_autofree char *waiting = count (ref->unanswered);
    g_autofree char *turns = count (ref->turns);
    g_autofree char *waiting_text = g_strdup_printf ("%s of %s", waiting, turns);

    assert_label (pane->median_label, median);
    assert_label (pane->p90_label, p90);
    assert_label (pane->within_hours_label, within_text);
    assert_label (pane->waiting_label, waiting_text);
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pane->hours_hint)));
  }

  /* campaigns: the Easter one, then the spring one; the winter sale
   * ended before the period */
  {
    g_autoptr(GPtrArray) rows = list_rows (pane->campaigns_list);
    Campaign *shown[] = { &seed->campaigns[1], &seed->campaigns[0] };
    const char *subtitles[] = { "easter · Paused", "spring_offer · Done" };

    g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (shown));
    for (guint i = 0; i < rows->len; i++)
      {
        GtkListBoxRow *row = g_ptr_array_index (rows, i);
        CampaignRef c;
        g_autofree char *words = NULL;
        g_autofree char *title = g_strdup_printf ("Campaign “%s”", shown[i]->name);
        WabizChart *chart;

        compute_campaign (seed, shown[i], &c);
        words = campaign_words (&c);
        assert_row (row, shown[i]->name, subtitles[i]);
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
        wabiz_test_ui_wait_frames (GTK_WIDGET (pane), 2);
        chart = find_chart (GTK_WIDGET (row));
        g_assert_nonnull (chart);
        assert_chart (chart, title, words);
        if (i == 1)
          {
            /* what the spring campaign is there to show */
            g_assert_cmpint (c.replied, ==, 1);
            g_assert_cmpint (c.opted_out, ==, 1);
            g_assert_cmpint (c.failed, ==, 1);
          }
      }
  }
}

/* The tables hold the same figures */
static void
check_tables (WabizAnalyticsPane *pane,
              Seed               *seed,
              const Ref          *ref)
{
  /* messages per day */
  {
    const char *titles[] = { "Day", "Sent", "Received" };
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

    for (guint d = 0; d < ref->n_days; d++)
      {
        g_ptr_array_add (cells, day_text (ref, d, TRUE));
        g_ptr_array_add (cells, count (ref->sent_per_day[d]));
        g_ptr_array_add (cells, count (ref->received_per_day[d]));
      }
    assert_table (pane->per_day_table, ref->n_days, 3, titles, (const char * const *) cells->pdata);
  }
  /* the funnel and the failures */
  {
    const char *titles[] = { "Step", "Messages", "Rate" };
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
    const char *steps[] = { "Outgoing", "Sent", "Delivered", "Read", "Failed" };
    gint64 counts[] = { ref->outbound, ref->sent, ref->delivered, ref->read, ref->failed };
    gint64 dens[] = { 0, ref->outbound, ref->sent, ref->delivered, ref->outbound };

    for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
      {
        g_ptr_array_add (cells, g_strdup (steps[i]));
        g_ptr_array_add (cells, count (counts[i]));
        g_ptr_array_add (cells, dens[i] > 0 ? percent ((double) counts[i] / dens[i]) : g_strdup (""));
      }
    for (guint i = 0; i < ref->failures->len; i++)
      {
        Failure *f = g_ptr_array_index (ref->failures, i);

        g_ptr_array_add (cells, g_strdup_printf ("Failed: %s", f->title != NULL ? f->title : "No reason given"));
        g_ptr_array_add (cells, count (f->count));
        g_ptr_array_add (cells, g_strdup (""));
      }
    assert_table (pane->funnel_table, G_N_ELEMENTS (steps) + ref->failures->len, 3, titles,
                  (const char * const *) cells->pdata);
  }
  /* by type */
  {
    const char *titles[] = { "Type", "Messages", "Share" };
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GArray) list = sorted_types (ref);

    for (guint i = 0; i < list->len; i++)
      {
        TypeCount *t = &g_array_index (list, TypeCount, i);

        g_ptr_array_add (cells, g_strdup (type_word (t->type)));
        g_ptr_array_add (cells, count (t->n));
        g_ptr_array_add (cells, percent ((double) t->n / ref->total));
      }
    assert_table (pane->type_table, list->len, 3, titles, (const char * const *) cells->pdata);
  }
  /* new leads per day */
  {
    const char *titles[] = { "Day", "New Leads" };
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

    for (guint d = 0; d < ref->n_days; d++)
      {
        g_ptr_array_add (cells, day_text (ref, d, TRUE));
        g_ptr_array_add (cells, count (ref->new_per_day[d]));
      }
    assert_table (pane->new_leads_table, ref->n_days, 2, titles, (const char * const *) cells->pdata);
  }
  /* the week's hours */
  {
    const char *days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
    g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

    g_ptr_array_add (titles, g_strdup ("Day"));
    for (guint h = 0; h < 24; h++)
      g_ptr_array_add (titles, g_strdup_printf ("%02u", h));
    for (guint d = 0; d < 7; d++)
      {
        g_ptr_array_add (cells, g_strdup (days[d]));
        for (guint h = 0; h < 24; h++)
          g_ptr_array_add (cells, count (ref->heat[d][h]));
      }
    assert_table (pane->busiest_table, 7, 25, (const char * const *) titles->pdata,
                  (const char * const *) cells->pdata);
  }
  /* campaigns */
  {
    const char *titles[] = { "Campaign", "State", "Messages", "Sent", "Delivered", "Read", "Failed", "Replied",
                             "Opted Out" };
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
    Campaign *shown[] = { &seed->campaigns[1], &seed->campaigns[0] };
    const char *states[] = { "Paused", "Done" };

    for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
      {
        CampaignRef c;

        compute_campaign (seed, shown[i], &c);
        g_ptr_array_add (cells, g_strdup (shown[i]->name));
        g_ptr_array_add (cells, g_strdup (states[i]));
        g_ptr_array_add (cells, count (c.messages));
        g_ptr_array_add (cells, count (c.sent));
        g_ptr_array_add (cells, count (c.delivered));
        g_ptr_array_add (cells, count (c.read));
        g_ptr_array_add (cells, count (c.failed));
        g_ptr_array_add (cells, count (c.replied));
        g_ptr_array_add (cells, count (c.opted_out));
      }
    assert_table (pane->campaigns_table, G_N_ELEMENTS (shown), 9, titles, (const char * const *) cells->pdata);
  }
}

/* The button under @widget that names @action */
static GtkWidget *
find_button (GtkWidget  *widget,
             const char *action)
{
  if (GTK_IS_ACTIONABLE (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Scrolls the figures so that @widget's top is near the top of the
 * pane, and checks that it is in sight */
static void
scroll_to (GtkWidget *window,
           GtkWidget *widget)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;
  double x, y;

  g_assert_nonnull (scroller);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_assert_true (gtk_widget_translate_coordinates (widget, scroller, 0, 0, &x, &y));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + y - 48);
  wabiz_test_ui_wait_frames (window, 3);
  g_assert_true (gtk_widget_translate_coordinates (widget, scroller, 0, 0, &x, &y));
  g_assert_cmpfloat (y, >=, 0);
  g_assert_cmpfloat (y, <, gtk_widget_get_height (scroller) / 2);
}

static void
screenshots (WabizApplication *app,
             WabizWindow      *window,
             const char       *name)
{
  g_autofree char *light = g_strdup_printf ("ui-analytics-%s.png", name);
  g_autofree char *dark = g_strdup_printf ("ui-analytics-%s-dark.png", name);

  g_free (wabiz_test_ui_screenshot (window, light));
  g_settings_set_string (wabiz_application_get_settings (app), "color-scheme", "dark");
  g_assert_true (adw_style_manager_get_dark (adw_style_manager_get_default ()));
  g_free (wabiz_test_ui_screenshot (window, dark));
  g_settings_set_string (wabiz_application_get_settings (app), "color-scheme", "default");
}

static void
figures_cb (WabizApplication *app,
            WabizWindow      *window,
            gpointer          data)
{
  Fixture *f = data;
  WabizAnalyticsPane *pane = show_analytics (window);
  g_autoptr(Ref) ref = NULL;

  /* Monday 25 March to Monday 1 April, across the change to summer time */
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 2400);
  show_days (pane, 2024, 3, 25, 2024, 4, 1);
  ref = compute (f->seed, 2024, 3, 25, 2024, 4, 1);
  g_assert_cmpuint (ref->n_days, ==, 8);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  check_figures (pane, f->seed, ref);
  g_assert_cmpstr (gtk_label_get_text (pane->period_label), ==, "25 Mar 2024 – 1 Apr 2024 · " ZONE);
  g_assert_cmpstr (gtk_menu_button_get_label (pane->period_button), ==, "25 Mar – 1 Apr 2024");
  screenshots (app, window, "wide");

  /* the campaigns, opened, further down */
  scroll_to (GTK_WIDGET (window), GTK_WIDGET (pane->campaigns_list));
  screenshots (app, window, "campaigns");
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (
                              gtk_widget_get_ancestor (GTK_WIDGET (pane->campaigns_list), GTK_TYPE_SCROLLED_WINDOW))),
                            0);

  /* as tables, through the toggle's action */
  g_assert_true (gtk_widget_get_sensitive (find_button (GTK_WIDGET (pane), "analytics.show-table")));
  g_assert_true (gtk_widget_get_sensitive (find_button (GTK_WIDGET (pane), "analytics.export")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "analytics.show-table", NULL));
  g_assert_true (wabiz_analytics_pane_get_show_table (pane));
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  check_tables (pane, f->seed, ref);
  screenshots (app, window, "table");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "analytics.show-table", NULL));
  g_assert_false (wabiz_analytics_pane_get_show_table (pane));

  /* narrow: 360 pixels, everything one above the other */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 3600);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (pane)), <=, 360);
  check_figures (pane, f->seed, ref);
  screenshots (app, window, "narrow");
}

static void
test_figures (Fixture       *f,
              gconstpointer  data)
{
  wabiz_test_ui_run (figures_cb, f);
}

/* ------------------------------------------------------------------ */
/* a failure reason's messages, and a conversation */

static gboolean
failed_listed (gpointer data)
{
  WabizAnalyticsPane *pane = data;

  /* a page came, and none is on its way */
  return gtk_list_box_get_row_at_index (pane->failed_list, 0) != NULL &&
         gtk_widget_get_sensitive (GTK_WIDGET (pane->more_button));
}

static const char *
lead_name (const char *phone)
{
  for (guint i = 0; i < G_N_ELEMENTS (leads); i++)
    if (g_str_equal (leads[i].phone, phone))
      return leads[i].name;
  return NULL;
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  return -compare_by_time (a, b);
}

static void
failed_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  Fixture *f = data;
  WabizAnalyticsPane *pane = show_analytics (window);
  g_autoptr(Ref) ref = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  Failure *first;
  GtkListBoxRow *row;
  WabizChatView *chat;
  const char *phone;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 800);
  show_days (pane, 2024, 3, 25, 2024, 4, 1);
  ref = compute (f->seed, 2024, 3, 25, 2024, 4, 1);
  first = g_ptr_array_index (ref->failures, 0);
  for (guint i = 0; i < f->seed->msgs->len; i++)
    {
      Msg *m = &g_array_index (f->seed->msgs, Msg, i);

      if (!m->inbound && g_strcmp0 (m->status, "failed") == 0 && m->error_code == first->code &&
          in_period (ref, m->at))
        g_ptr_array_add (expected, m);
    }
  g_ptr_array_sort (expected, compare_newest_first);
  g_assert_cmpuint (expected->len, ==, first->count);

  /* the most frequent reason, as a person clicks it */
  row = gtk_list_box_get_row_at_index (pane->failures_list, 0);
  g_assert_nonnull (row);
  g_signal_emit_by_name (pane->failures_list, "row-activated", row);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pane->stack), ==, "failed");
  g_assert_true (wabiz_pane_get_own_back (WABIZ_PANE (pane)));
  wabiz_test_wait_until (failed_listed, pane, 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  assert_label (pane->failed_title, first->title);
  {
    g_autofree char *n = count (first->count);
    g_autofree char *text = g_strdup_printf ("%s messages failed for this reason in this period. "
                                             "Open one to see its conversation.", n);

    assert_label (pane->failed_subtitle, text);
  }

  /* newest first, named as their leads or by their number */
  rows = list_rows (pane->failed_list);
  g_assert_cmpuint (rows->len, ==, expected->len);
  for (guint i = 0; i < rows->len; i++)
    {
      Msg *m = g_ptr_array_index (expected, i);
      g_autofree char *number = wabiz_phone_format_display (m->phone);
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (ZONE);
      g_autoptr(GDateTime) u = g_date_time_new_from_unix_utc (m->at);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (u, tz);
      g_autofree char *when = g_date_time_format (local, "%-d %b %Y, %H:%M");
      g_autofree char *subtitle = m->template_name != NULL
                                  ? g_strdup_printf ("%s · template %s\nThe number is not on WhatsApp", when,
                                                     m->template_name)
                                  : g_strdup_printf ("%s · %s\nThe number is not on WhatsApp", when, m->type);

      assert_row (g_ptr_array_index (rows, i), lead_name (m->phone) != NULL ? lead_name (m->phone) : number,
                  subtitle);
    }
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pane->more_button)));
  g_free (wabiz_test_ui_screenshot (window, "ui-analytics-failed.png"));

  /* a message opens its conversation */
  phone = ((Msg *) g_ptr_array_index (expected, 0))->phone;
  g_signal_emit_by_name (pane->failed_list, "row-activated", g_ptr_array_index (rows, 0));
  g_assert_cmpstr (wabiz_window_get_pane_name (window), ==, "conversations");
  chat = wabiz_conversations_pane_get_chat_view (WABIZ_CONVERSATIONS_PANE (wabiz_window_get_pane (window,
                                                                                                   "conversations")));
  WABIZ_TEST_WAIT (wabiz_chat_view_get_messages (chat) != NULL &&
                   g_strcmp0 (wabiz_messages_model_get_phone (wabiz_chat_view_get_messages (chat)), phone) == 0, 30);

  /* and back: the list is still there, then the figures */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "analytics"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pane->stack), ==, "failed");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "analytics.back", NULL));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pane->stack), ==, "figures");
  g_assert_false (wabiz_pane_get_own_back (WABIZ_PANE (pane)));
}

static void
test_failed (Fixture       *f,
             gconstpointer  data)
{
  wabiz_test_ui_run (failed_cb, f);
}

/* ------------------------------------------------------------------ */
/* presets, a custom period chosen on the calendars, and a bad one */

static void
choose_period (WabizAnalyticsPane *pane,
               const char         *period)
{
  guint before = n_updates;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "analytics.period", "s", period));
  g_assert_cmpstr (wabiz_analytics_pane_get_period (pane), ==, period);
  wabiz_test_wait_until (updated_since, GUINT_TO_POINTER (before), 30);
}

static void
select_day (GtkCalendar *calendar,
            int          y,
            int          m,
            int          d)
{
  g_autoptr(GDateTime) day = g_date_time_new_local (y, m, d, 12, 0, 0);

  gtk_calendar_select_day (calendar, day);
}

static void
periods_cb (WabizApplication *app,
            WabizWindow      *window,
            gpointer          data)
{
  Fixture *f = data;
  WabizAnalyticsPane *pane = show_analytics (window);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (ZONE);
  g_autoptr(GDateTime) now = g_date_time_new (tz, 2024, 4, 1, 15, 0, 0);
  guint before;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 800);
  before = n_updates;
  _wabiz_analytics_pane_set_now (pane, now);
  wabiz_test_wait_until (updated_since, GUINT_TO_POINTER (before), 30);

  /* the last 7 days: 26 March – 1 April */
  choose_period (pane, "7d");
  {
    g_autoptr(Ref) ref = compute (f->seed, 2024, 3, 26, 2024, 4, 1);
    g_autofree char *per_day = per_day_words (ref);

    assert_count_label (pane->total_label, ref->total);
    assert_chart (pane->per_day_chart, "Messages per day", per_day);
    g_assert_cmpstr (gtk_label_get_text (pane->period_label), ==, "26 Mar 2024 – 1 Apr 2024 · " ZONE);
    g_assert_cmpstr (gtk_menu_button_get_label (pane->period_button), ==, "Last 7 Days");
  }

  /* today, 1 April in Berlin */
  choose_period (pane, "today");
  {
    g_autoptr(Ref) ref = compute (f->seed, 2024, 4, 1, 2024, 4, 1);

    assert_count_label (pane->total_label, ref->total);
    assert_count_label (pane->received_label, ref->inbound);
    g_assert_cmpstr (gtk_label_get_text (pane->period_label), ==, "1 Apr 2024 · " ZONE);
  }

  /* custom: the chooser opens on the days shown; a person picks 28 – 30
   * March on the calendars and applies */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "analytics.period", "s", "custom"));
  g_assert_true (gtk_revealer_get_reveal_child (pane->custom_revealer));
  g_assert_cmpstr (gtk_menu_button_get_label (pane->first_button), ==, "1 Apr 2024");
  select_day (pane->first_calendar, 2024, 3, 28);
  select_day (pane->last_calendar, 2024, 3, 30);
  g_assert_cmpstr (gtk_menu_button_get_label (pane->first_button), ==, "28 Mar 2024");
  g_assert_cmpstr (gtk_menu_button_get_label (pane->last_button), ==, "30 Mar 2024");
  before = n_updates;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "analytics.apply-custom", NULL));
  wabiz_test_wait_until (updated_since, GUINT_TO_POINTER (before), 30);
  {
    g_autoptr(Ref) ref = compute (f->seed, 2024, 3, 28, 2024, 3, 30);
    g_autofree char *per_day = per_day_words (ref);
    g_autofree char *total = count (ref->total);

    assert_count_label (pane->total_label, ref->total);
    assert_chart (pane->per_day_chart, "Messages per day", per_day);
    g_assert_cmpstr (gtk_menu_button_get_label (pane->period_button), ==, "28 Mar – 30 Mar 2024");
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pane->custom_error)));

    /* the last day before the first: refused with what to do, the
     * figures stay */
    select_day (pane->last_calendar, 2024, 3, 20);
    before = n_updates;
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "analytics.apply-custom", NULL));
    assert_label (pane->custom_error, "The period ends before it starts: choose a last day after the first");
    g_assert_cmpuint (n_updates, ==, before);
    g_assert_false (wabiz_analytics_pane_get_busy (pane));
    assert_label (pane->total_label, total);
    g_free (wabiz_test_ui_screenshot (window, "ui-analytics-bad-period.png"));

    /* more than three years */
    select_day (pane->first_calendar, 2019, 1, 1);
    select_day (pane->last_calendar, 2024, 3, 30);
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pane->custom_error)));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "analytics.apply-custom", NULL));
    assert_label (pane->custom_error, "A period can span at most three years: choose a shorter one");
    g_assert_cmpuint (n_updates, ==, before);
    assert_label (pane->total_label, total);
  }

  /* a preset again closes the chooser */
  choose_period (pane, "30d");
  g_assert_false (gtk_revealer_get_reveal_child (pane->custom_revealer));
  {
    g_autoptr(Ref) ref = compute (f->seed, 2024, 3, 3, 2024, 4, 1);

    assert_count_label (pane->total_label, ref->total);
  }

  /* a month before the history: nothing in it, and the way out said */
  show_days (pane, 2023, 1, 1, 2023, 1, 31);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  g_assert_true (wabiz_test_ui_shows_status (GTK_WIDGET (pane), "No Messages in This Period"));
  g_assert_cmpstr (adw_status_page_get_description (pane->empty_page), ==,
                   "Choose a longer period to see your figures.");
  g_assert_cmpstr (wabiz_pane_get_summary (WABIZ_PANE (pane)), ==, "No Messages in This Period");
  g_assert_false (gtk_widget_get_sensitive (find_button (GTK_WIDGET (pane), "analytics.export")));
  g_free (wabiz_test_ui_screenshot (window, "ui-analytics-empty-period.png"));
}

static void
test_periods (Fixture       *f,
              gconstpointer  data)
{
  wabiz_test_ui_run (periods_cb, f);
}

/* ------------------------------------------------------------------ */
/* live: a message that arrives shows in the figures */

static void
live_cb (WabizApplication *app,
         WabizWindow      *window,
         gpointer          data)
{
  Fixture *f = data;
  WabizAnalyticsPane *pane = show_analytics (window);
  g_autoptr(Ref) ref = NULL;
  g_autofree char *total = NULL;
  g_autofree char *received = NULL;
  g_autofree char *new_leads = NULL;
  guint before;

  show_days (pane, 2024, 3, 25, 2024, 4, 1);
  ref = compute (f->seed, 2024, 3, 25, 2024, 4, 1);
  assert_count_label (pane->total_label, ref->total);

  /* two messages and a lead come in (Monday 1 April, 11:00 in Berlin),
   * written and announced as the processor does */
  before = n_updates;
  exec_sql (f, "INSERT INTO messages (phone, direction, type, status, \"timestamp\", message_id) VALUES"
               " ('491701000009', 'inbound', 'text', 'received', '2024-04-01T09:00:00Z', 'wamid.live1'),"
               " ('491701000009', 'inbound', 'image', 'received', '2024-04-01T09:00:05Z', 'wamid.live2')");
  exec_sql (f, "INSERT INTO leads (phone, name, status, created_at)"
               " VALUES ('491701000009', 'Hana Live', 'NEW', '2024-04-01T09:00:00Z')");
  exec_sql (f, "SELECT wabiz_notify('messages', '491701000009', NULL)");
  total = count (ref->total + 2);
  received = count (ref->inbound + 2);
  new_leads = count (ref->new_leads + 1);
  WABIZ_TEST_WAIT (g_strcmp0 (gtk_label_get_text (pane->total_label), total) == 0, 30);
  g_assert_cmpuint (n_updates, >, before);
  assert_label (pane->received_label, received);
  assert_label (pane->new_leads_label, new_leads);
  g_assert_false (wabiz_analytics_pane_get_busy (pane));
  /* the figures stayed on screen meanwhile */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (pane->stack), ==, "figures");
}

static void
test_live (Fixture       *f,
           gconstpointer  data)
{
  wabiz_test_ui_run (live_cb, f);
}

/* ------------------------------------------------------------------ */
/* CSV */

typedef struct
{
  gboolean  done;
  GError   *error;
} Exported;

static void
exported_cb (WabizAnalyticsPane *pane,
             GFile              *file,
             const GError       *error,
             Exported           *exported)
{
  exported->done = TRUE;
  g_clear_error (&exported->error);
  exported->error = error != NULL ? g_error_copy (error) : NULL;
}

/* The value of the row (figure, item, measure), or NULL */
static const char *
csv_value (GPtrArray  *rows,
           const char *figure,
           const char *item,
           const char *measure)
{
  for (guint i = 0; i < rows->len; i++)
    {
      GStrv row = g_ptr_array_index (rows, i);

      if (g_strv_length (row) == 4 && g_str_equal (row[0], figure) && g_str_equal (row[1], item) &&
          g_str_equal (row[2], measure))
        return row[3];
    }
  return NULL;
}

static void
assert_csv_int (GPtrArray  *rows,
                const char *figure,
                const char *item,
                const char *measure,
                gint64      expected)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, expected);

  g_assert_cmpstr (csv_value (rows, figure, item, measure), ==, text);
}

static void
export_cb (WabizApplication *app,
           WabizWindow      *window,
           gpointer          data)
{
  Fixture *f = data;
  WabizAnalyticsPane *pane = show_analytics (window);
  g_autofree char *path = g_build_filename (f->tmpdir, "figures.csv", NULL);
  g_autofree char *bad_path = g_build_filename (f->tmpdir, "no such folder", "figures.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autoptr(Ref) ref = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *contents = NULL;
  Exported exported = { 0 };
  gsize length;

  show_days (pane, 2024, 3, 25, 2024, 4, 1);
  ref = compute (f->seed, 2024, 3, 25, 2024, 4, 1);
  g_signal_connect (pane, "exported", G_CALLBACK (exported_cb), &exported);

  /* a folder that is not there: the error says so, nothing is written */
  wabiz_analytics_pane_export_file (pane, bad);
  wabiz_test_wait_for_flag (&exported.done, 30);
  g_assert_error (exported.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (g_file_query_exists (bad, NULL));

  exported.done = FALSE;
  wabiz_analytics_pane_export_file (pane, file);
  wabiz_test_wait_for_flag (&exported.done, 30);
  g_assert_no_error (exported.error);
  g_signal_handlers_disconnect_by_func (pane, exported_cb, &exported);

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  rows = wabiz_csv_parse (contents, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((GStrv) g_ptr_array_index (rows, 0))[0], ==, "figure");
  g_assert_cmpstr (csv_value (rows, "period", "first_day", ""), ==, "2024-03-25");
  g_assert_cmpstr (csv_value (rows, "period", "last_day", ""), ==, "2024-04-01");
  g_assert_cmpstr (csv_value (rows, "period", "time_zone", ""), ==, ZONE);
  assert_csv_int (rows, "messages", "total", "count", ref->total);
  assert_csv_int (rows, "by_direction", "inbound", "count", ref->inbound);
  assert_csv_int (rows, "by_direction", "outbound", "count", ref->outbound);
  for (guint d = 0; d < ref->n_days; d++)
    {
      g_autofree char *day = iso_day (ref, d);

      assert_csv_int (rows, "messages_per_day", day, "sent", ref->sent_per_day[d]);
      assert_csv_int (rows, "messages_per_day", day, "received", ref->received_per_day[d]);
      assert_csv_int (rows, "new_leads_per_day", day, "count", ref->new_per_day[d]);
    }
  assert_csv_int (rows, "funnel", "outbound", "count", ref->outbound);
  assert_csv_int (rows, "funnel", "sent", "count", ref->sent);
  assert_csv_int (rows, "funnel", "delivered", "count", ref->delivered);
  assert_csv_int (rows, "funnel", "read", "count", ref->read);
  assert_csv_int (rows, "funnel", "failed", "count", ref->failed);
  {
    char rate[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_formatd (rate, sizeof rate, "%.4f", (double) ref->delivered / ref->sent);
    g_assert_cmpstr (csv_value (rows, "funnel", "delivered", "rate"), ==, rate);
  }
  for (guint i = 0; i < ref->failures->len; i++)
    {
      Failure *fail = g_ptr_array_index (ref->failures, i);

      assert_csv_int (rows, "failures", fail->title != NULL ? fail->title : "", "count", fail->count);
    }
  for (guint s = 0; s < G_N_ELEMENTS (statuses); s++)
    assert_csv_int (rows, "leads_by_status", statuses[s], "count", ref->leads_by_status[s]);
  assert_csv_int (rows, "replies", "turns", "count", ref->turns);
  assert_csv_int (rows, "replies", "within_business_hours", "count", ref->in_hours);
  assert_csv_int (rows, "busiest_hours", "tue", "10", ref->heat[1][10]);
  {
    CampaignRef c;

    compute_campaign (f->seed, &f->seed->campaigns[0], &c);
    assert_csv_int (rows, "campaign", "Spring offer", "replied", c.replied);
    assert_csv_int (rows, "campaign", "Spring offer", "opted_out", c.opted_out);
    g_assert_null (csv_value (rows, "campaign", "Winter sale", "messages"));
  }
  g_ptr_array_unref (g_steal_pointer (&rows));
  g_clear_error (&exported.error);
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  wabiz_test_ui_run (export_cb, f);
}

/* ------------------------------------------------------------------ */
/* nothing to show */

static void
empty_cb (WabizApplication *app,
          WabizWindow      *window,
          gpointer          data)
{
  WabizAnalyticsPane *pane = show_analytics (window);
  guint before = n_updates;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 800);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "analytics.period", "s", "7d"));
  wabiz_test_wait_until (updated_since, GUINT_TO_POINTER (before), 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 2);
  g_assert_true (wabiz_test_ui_shows_status (GTK_WIDGET (pane), "No Messages Yet"));
  g_assert_cmpstr (wabiz_pane_get_summary (WABIZ_PANE (pane)), ==, "No Messages Yet");
  /* the period can still be changed; there is nothing to show as a
   * table or to export */
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (pane->period_button)));
  g_assert_false (gtk_widget_get_sensitive (find_button (GTK_WIDGET (pane), "analytics.show-table")));
  g_assert_false (gtk_widget_get_sensitive (find_button (GTK_WIDGET (pane), "analytics.export")));
  g_free (wabiz_test_ui_screenshot (window, "ui-analytics-empty.png"));
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  wabiz_test_ui_run (empty_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/wabiz/ui/analytics/figures", Fixture, NULL, fixture_setup, test_figures, fixture_teardown);
  g_test_add ("/wabiz/ui/analytics/failed", Fixture, NULL, fixture_setup, test_failed, fixture_teardown);
  g_test_add ("/wabiz/ui/analytics/periods", Fixture, NULL, fixture_setup, test_periods, fixture_teardown);
  g_test_add ("/wabiz/ui/analytics/live", Fixture, NULL, fixture_setup, test_live, fixture_teardown);
  g_test_add ("/wabiz/ui/analytics/export", Fixture, NULL, fixture_setup, test_export, fixture_teardown);
  g_test_add ("/wabiz/ui/analytics/empty", Fixture, "empty", fixture_setup, test_empty, fixture_teardown);

  return g_test_run ();
}
