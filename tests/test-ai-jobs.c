/* test-ai-jobs.c: what WaBiz does by itself after a customer writes:
 * the shared business settings, the analysis of inbound texts, the
 * greeting and away messages, Gemini's auto-replies and suggestions,
 * against a real PostgreSQL and the in-process simulator (Meta and
 * Gemini). What was sent is read from the simulator's ledger and its
 * log of Gemini's requests, and from the database.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "wabiz-ai-jobs-private.h"
#include "wabiz-business-settings.h"
#include "wabiz-error.h"
#include "wabiz-services.h"
#include "wabiz-sim-gemini.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"

#define ANA "5511987650001"
#define BEN "5511987650002"
#define CAT "5511987650003"
#define DAN "5511987650004"
#define PROFILE "Rosa's Bakery, Rua Augusta 12, Lisbon. Custom cakes need 48 hours notice."
#define GREETING "Welcome to Rosa's Bakery! We'll be with you shortly."
#define AWAY "We're closed now; we open at 09:00 and will answer you then."

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;
  WabizServices  *services;
  WabizDb        *db;       /* (unowned) the services' */
} Fixture;

/* ------------------------------------------------------------------ */
/* helpers */

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->conninfo = wabiz_test_pg_new_database ();
  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
}

static void
stop_services (Fixture *f)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  if (f->services == NULL || wabiz_services_get_state (f->services) == WABIZ_SERVICES_STATE_STOPPED)
    return;
  wabiz_services_stop_async (f->services, 30, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_true (wabiz_services_stop_finish (f->services, result, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  stop_services (f);
  g_clear_object (&f->services);
  wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  g_free (f->conninfo);
}

static WabizConfig *
sim_config (Fixture *f)
{
  WabizConfig *config = g_new0 (WabizConfig, 1);

  config->database_url = g_strdup (f->conninfo);
  config->graph_url = g_strdup (wabiz_sim_server_get_base_url (f->sim));
  config->phone_number_id = g_strdup (WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID);
  config->waba_id = g_strdup (WABIZ_SIM_DEFAULT_WABA_ID);
  config->access_token = g_strdup (WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  config->app_secret = g_strdup (WABIZ_SIM_DEFAULT_APP_SECRET);
  config->verify_token = g_strdup ("ai-verify-token");
  config->gemini_url = g_strdup (wabiz_sim_server_get_base_url (f->sim));
  config->gemini_api_key = g_strdup (WABIZ_SIM_DEFAULT_GEMINI_KEY);
  config->gemini_model = g_strdup ("gemini-2.5-flash");
  config->host = g_strdup ("127.0.0.1");
  config->port = 0;
  config->send_rate = 50;
  return config;
}

/* Every service, receiving the simulator's webhooks */
static void
start_services (Fixture *f)
{
  g_autoptr (WabizConfig) config = sim_config (f);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *webhook_url = NULL;

  f->services = wabiz_services_new (config, WABIZ_SERVICES_SEND | WABIZ_SERVICES_PROCESS |
                                                WABIZ_SERVICES_LISTEN | WABIZ_SERVICES_NOTIFY);
  wabiz_services_start_async (f->services, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_true (wabiz_services_start_finish (f->services, result, &error));
  g_assert_no_error (error);
  f->db = wabiz_services_get_db (f->services);
  g_assert_nonnull (wabiz_services_get_ai_jobs (f->services));
  g_assert_nonnull (_wabiz_ai_jobs_get_gemini (wabiz_services_get_ai_jobs (f->services)));
  _wabiz_ai_jobs_set_backoff (wabiz_services_get_ai_jobs (f->services), 50, 200, 5);

  url = wabiz_http_server_dup_url (wabiz_services_get_http (f->services));
  webhook_url = g_strconcat (url, "/webhook", NULL);
  g_object_set (f->sim, "webhook-url", webhook_url, NULL);
}

static WabizAiJobs *
ai (Fixture *f)
{
  return wabiz_services_get_ai_jobs (f->services);
}

/* "now" for the business hours, in UTC */
static void
set_now (Fixture    *f,
         const char *iso8601)
{
  g_autoptr (GDateTime) now = g_date_time_new_from_iso8601 (iso8601, NULL);

  g_assert_nonnull (now);
  _wabiz_ai_jobs_set_now (ai (f), now);
}

static WabizDbResult *
sql (Fixture           *f,
     const char        *query,
     int                n_params,
     const char *const *params)
{
  g_autoptr (GError) error = NULL;
  WabizDbResult *res = wabiz_db_query_sync (f->db, query, n_params, params, NULL, &error);

  g_assert_no_error (error);
  return res;
}

/* The first column of the first row, or NULL */
static char *
sql_text (Fixture    *f,
          const char *query,
          const char *param)
{
  g_autoptr (WabizDbResult) res = sql (f, query, param != NULL ? 1 : 0, (const char *[]){ param });

  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static gint64
sql_int (Fixture    *f,
         const char *query,
         const char *param)
{
  g_autofree char *text = sql_text (f, query, param);

  g_assert_nonnull (text);
  return g_ascii_strtoll (text, NULL, 10);
}

static void
save_settings (WabizDb               *db,
               WabizBusinessSettings *settings)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  wabiz_business_settings_save_async (settings, db, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_business_settings_save_finish (settings, result, &error));
  g_assert_no_error (error);
}

static void
load_settings (WabizDb               *db,
               WabizBusinessSettings *settings)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  wabiz_business_settings_load_async (settings, db, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_business_settings_load_finish (settings, result, &error));
  g_assert_no_error (error);
}

/* Mon–Fri 09:00–18:00, Saturday mornings, in Lisbon */
static void
set_week (WabizBusinessSettings *settings)
{
  g_autoptr (GError) error = NULL;

  wabiz_business_settings_set_time_zone (settings, "Europe/Lisbon");
  for (GDateWeekday day = G_DATE_MONDAY; day <= G_DATE_FRIDAY; day++)
    {
      g_assert_true (wabiz_business_settings_set_hours (settings, day, "09:00-18:00", &error));
      g_assert_no_error (error);
    }
  g_assert_true (wabiz_business_settings_set_hours (settings, G_DATE_SATURDAY, "09:00-13:00", &error));
  g_assert_no_error (error);
}

/* A customer writes @body; returns the wamid */
static char *
inbound_spec (Fixture    *f,
              const char *spec_json)
{
  g_autoptr (JsonNode) node = json_from_string (spec_json, NULL);
  g_autoptr (JsonObject) result = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (node);
  result = wabiz_sim_server_inject_inbound (f->sim, json_node_get_object (node), &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (result, "wamid"));
}

static char *
inbound_text (Fixture    *f,
              const char *from,
              const char *body)
{
  g_autoptr (JsonObject) spec = json_object_new ();
  g_autoptr (JsonObject) text = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *spec_json = NULL;

  json_object_set_string_member (text, "body", body);
  json_object_set_string_member (spec, "from", from);
  json_object_set_string_member (spec, "name", "Customer");
  json_object_set_string_member (spec, "type", "text");
  json_object_set_object_member (spec, "text", json_object_ref (text));
  json_node_set_object (node, spec);
  spec_json = json_to_string (node, FALSE);
  return inbound_spec (f, spec_json);
}

/* How the job of @kind for the message @wamid ended: "state:outcome",
 * or NULL while it has not */
static char *
job_end (Fixture    *f,
         const char *wamid,
         const char *kind)
{
  g_autoptr (WabizDbResult) res = NULL;
  const char *params[] = { wamid, kind };

  res = sql (f,
             "SELECT j.state || ':' || coalesce(j.outcome, '') FROM ai_jobs j"
             " JOIN messages m ON m.id = j.message_id"
             " WHERE m.message_id = $1 AND j.kind = $2"
             "   AND (j.state IN ('done', 'skipped') OR (j.state = 'failed' AND j.next_attempt_at IS NULL))",
             2, params);
  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static gboolean
job_ended (Fixture    *f,
           const char *wamid,
           const char *kind)
{
  g_autofree char *end = job_end (f, wamid, kind);

  return end != NULL;
}

/* What the jobs and the messages are, for a test that waited in vain */
static void
print_state (Fixture *f)
{
  const char *queries[] = {
    "SELECT 'job ' || j.id || ' ' || j.kind || ' ' || j.state || ' ' || coalesce(j.outcome, '-')"
    "   || ' attempts=' || j.attempts || ' next=' || coalesce(j.next_attempt_at::text, '-')"
    "   || ' error=' || coalesce(j.error, '-') FROM ai_jobs j ORDER BY j.id",
    "SELECT 'message ' || m.message_id || ' ' || m.direction || ' ' || m.type"
    "   || ' created=' || m.created_at || ' ts=' || m.\"timestamp\" FROM messages m ORDER BY m.created_at",
    "SELECT 'setting ' || key || '=' || value::text || ' updated=' || updated_at"
    "   FROM business_settings ORDER BY key",
    "SELECT 'event ' || id || ' ' || coalesce(processed_at::text, 'unprocessed')"
    "   || ' ' || coalesce(error, '-') FROM webhook_events ORDER BY id",
    "SELECT 'now ' || now()",
  };

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autoptr (WabizDbResult) res = sql (f, queries[q], 0, NULL);

      for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
        g_test_message ("%s", wabiz_db_result_get_nth (res, i, 0));
    }
}

static char *
wait_job (Fixture    *f,
          const char *wamid,
          const char *kind)
{
  WabizTestDeadline deadline;

  wabiz_test_deadline_start (&deadline, 60);
  while (!job_ended (f, wamid, kind) && !deadline.expired)
    g_main_context_iteration (NULL, TRUE);
  wabiz_test_deadline_stop (&deadline);
  if (!job_ended (f, wamid, kind))
    {
      g_test_message ("The %s job of %s did not end", kind, wamid);
      print_state (f);
      g_test_fail_printf ("timed out waiting for the %s job of %s", kind, wamid);
      return NULL;
    }
  return job_end (f, wamid, kind);
}

static gboolean
stored (Fixture    *f,
        const char *wamid)
{
  return sql_int (f, "SELECT count(*) FROM messages WHERE message_id = $1", wamid) == 1;
}

/* Texts the simulator accepted for @to, in order */
static GPtrArray *
sent_to (Fixture    *f,
         const char *to)
{
  g_autoptr (JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      JsonObject *body;

      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "to", NULL), to) != 0 ||
          g_strcmp0 (json_object_get_string_member_with_default (entry, "result", NULL), "accepted") != 0)
        continue;
      body = json_object_get_object_member (entry, "body");
      g_ptr_array_add (texts, g_strdup (json_object_get_string_member (
                                json_object_get_object_member (body, "text"), "body")));
    }
  return texts;
}

static guint
n_sent_to (Fixture    *f,
           const char *to)
{
  g_autoptr (GPtrArray) texts = sent_to (f, to);

  return texts->len;
}

/* Outbound rows for @phone in the database (queued or sent) */
static gint64
n_outbound (Fixture    *f,
            const char *phone)
{
  return sql_int (f, "SELECT count(*) FROM messages WHERE direction = 'outbound' AND phone = $1",
                  phone);
}

/* Gemini's requests whose response schema has @property (NULL: every
 * call to a model) */
static guint
n_gemini (Fixture    *f,
          const char *property)
{
  g_autoptr (JsonArray) requests = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (requests); i++)
    {
      JsonObject *entry = json_array_get_object_element (requests, i);
      JsonObject *request, *config, *schema, *props;

      if (property == NULL)
        {
          n++;
          continue;
        }
      request = json_object_get_object_member (entry, "request");
      config = request != NULL ? json_object_get_object_member (request, "generationConfig") : NULL;
      schema = config != NULL && json_object_has_member (config, "responseSchema")
                 ? json_object_get_object_member (config, "responseSchema")
                 : NULL;
      props = schema != NULL ? json_object_get_object_member (schema, "properties") : NULL;
      if (props != NULL && json_object_has_member (props, property))
        n++;
    }
  return n;
}

/* ------------------------------------------------------------------ */
/* the settings */

/* Everything automatic is off until turned on; what is saved is what
 * another object (another process) loads. */
static void
test_settings_round_trip (Fixture      *f,
                          gconstpointer data)
{
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (NULL);
  g_autoptr (WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr (WabizBusinessSettings) a = wabiz_business_settings_new ();
  g_autoptr (WabizBusinessSettings) b = wabiz_business_settings_new ();
  const char *keywords[] = { "cake", " Cake ", "", "entrega", NULL };
  g_auto (GStrv) hours = NULL;
  g_autoptr (WabizDbResult) rows = NULL;

  load_settings (db, a);
  g_assert_false (wabiz_business_settings_get_analysis_enabled (a));
  g_assert_cmpint (wabiz_business_settings_get_auto_reply_mode (a), ==, WABIZ_AUTO_REPLY_OFF);
  g_assert_false (wabiz_business_settings_get_greeting_enabled (a));
  g_assert_false (wabiz_business_settings_get_away_enabled (a));
  g_assert_false (wabiz_business_settings_get_has_hours (a));
  g_assert_cmpstr (wabiz_business_settings_get_time_zone (a), ==, "UTC");
  g_assert_cmpstr (wabiz_business_settings_get_profile (a), ==, "");
  g_assert_cmpuint (g_strv_length ((char **) wabiz_business_settings_get_auto_reply_keywords (a)), ==, 0);
  g_assert_cmpuint (wabiz_business_settings_get_auto_reply_interval (a), ==, WABIZ_AUTO_REPLY_DEFAULT_INTERVAL);
  g_assert_cmpuint (wabiz_business_settings_get_greeting_interval (a), ==, WABIZ_GREETING_DEFAULT_INTERVAL);
  g_assert_cmpuint (wabiz_business_settings_get_away_interval (a), ==, WABIZ_AWAY_DEFAULT_INTERVAL);
  /* nothing was written for the defaults */
  save_settings (db, a);
  rows = wabiz_db_query_sync (db, "SELECT count(*) AS n FROM business_settings", 0, NULL, NULL, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (rows, 0, "n"), ==, 0);
  g_clear_pointer (&rows, wabiz_db_result_unref);

  wabiz_business_settings_set_profile (a, PROFILE);
  set_week (a);
  wabiz_business_settings_set_analysis_enabled (a, TRUE);
  wabiz_business_settings_set_auto_reply_mode (a, WABIZ_AUTO_REPLY_KEYWORDS);
  wabiz_business_settings_set_auto_reply_keywords (a, keywords);
  wabiz_business_settings_set_auto_reply_interval (a, 30);
  wabiz_business_settings_set_greeting_enabled (a, TRUE);
  wabiz_business_settings_set_greeting_text (a, GREETING);
  wabiz_business_settings_set_greeting_interval (a, 7 * 24 * 60);
  wabiz_business_settings_set_away_enabled (a, TRUE);
  wabiz_business_settings_set_away_text (a, AWAY);
  wabiz_business_settings_set_away_interval (a, 120);
  save_settings (db, a);

  load_settings (db, b);
  g_assert_cmpstr (wabiz_business_settings_get_profile (b), ==, PROFILE);
  g_assert_cmpstr (wabiz_business_settings_get_time_zone (b), ==, "Europe/Lisbon");
  g_assert_true (wabiz_business_settings_get_has_hours (b));
  g_assert_cmpstr (wabiz_business_settings_get_hours (b, G_DATE_WEDNESDAY), ==, "09:00-18:00");
  g_assert_cmpstr (wabiz_business_settings_get_hours (b, G_DATE_SATURDAY), ==, "09:00-13:00");
  g_assert_cmpstr (wabiz_business_settings_get_hours (b, G_DATE_SUNDAY), ==, "");
  g_object_get (b, "hours", &hours, NULL);
  g_assert_cmpuint (g_strv_length (hours), ==, 7);
  g_assert_true (wabiz_business_settings_get_analysis_enabled (b));
  g_assert_cmpint (wabiz_business_settings_get_auto_reply_mode (b), ==, WABIZ_AUTO_REPLY_KEYWORDS);
  /* blank and repeated keywords are left out */
  g_assert_cmpuint (g_strv_length ((char **) wabiz_business_settings_get_auto_reply_keywords (b)), ==, 2);
  g_assert_cmpstr (wabiz_business_settings_get_auto_reply_keywords (b)[0], ==, "cake");
  g_assert_cmpstr (wabiz_business_settings_get_auto_reply_keywords (b)[1], ==, "entrega");
  g_assert_cmpuint (wabiz_business_settings_get_auto_reply_interval (b), ==, 30);
  g_assert_true (wabiz_business_settings_get_greeting_enabled (b));
  g_assert_cmpstr (wabiz_business_settings_get_greeting_text (b), ==, GREETING);
  g_assert_cmpuint (wabiz_business_settings_get_greeting_interval (b), ==, 7 * 24 * 60);
  g_assert_true (wabiz_business_settings_get_away_enabled (b));
  g_assert_cmpstr (wabiz_business_settings_get_away_text (b), ==, AWAY);
  g_assert_cmpuint (wabiz_business_settings_get_away_interval (b), ==, 120);

  /* the rows are readable JSON, one per setting */
  rows = wabiz_db_query_sync (db, "SELECT value #>> '{}' AS v FROM business_settings WHERE key = 'auto_reply_mode'",
                              0, NULL, NULL, NULL);
  g_assert_cmpstr (wabiz_db_result_get (rows, 0, "v"), ==, "keywords");
  g_clear_pointer (&rows, wabiz_db_result_unref);

  /* a value no WaBiz wrote is left out, not taken */
  rows = wabiz_db_query_sync (db, "UPDATE business_settings SET value = '\"sometimes\"' WHERE key = 'auto_reply_mode'",
                              0, NULL, NULL, NULL);
  g_clear_pointer (&rows, wabiz_db_result_unref);
  {
    /* it warns: not fatal here */
    GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

    load_settings (db, b);
    g_log_set_always_fatal (fatal);
  }
  g_assert_cmpint (wabiz_business_settings_get_auto_reply_mode (b), ==, WABIZ_AUTO_REPLY_KEYWORDS);
  wabiz_db_close (db);
}

/* Settings that cannot work are refused with what to change, and
 * nothing is written. */
static void
test_settings_invalid (Fixture      *f,
                       gconstpointer data)
{
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (NULL);
  g_autoptr (WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (WabizDbResult) rows = NULL;
  g_autofree char *long_profile = g_strnfill (WABIZ_BUSINESS_PROFILE_MAX + 1, 'a');

  for (guint i = 0; i < 7; i++)
    {
      g_autoptr (WabizBusinessSettings) s = wabiz_business_settings_new ();
      g_autoptr (GAsyncResult) result = NULL;
      const char *expected;

      wabiz_business_settings_set_profile (s, PROFILE);
      switch (i)
        {
        case 0:
          wabiz_business_settings_set_time_zone (s, "Mars/Olympus_Mons");
          expected = "*not a time zone*";
          break;
        case 1:
          wabiz_business_settings_set_greeting_enabled (s, TRUE);
          wabiz_business_settings_set_greeting_text (s, "  \n ");
          expected = "*Write the greeting*";
          break;
        case 2:
          wabiz_business_settings_set_away_enabled (s, TRUE);
          wabiz_business_settings_set_away_text (s, AWAY);
          expected = "*business hours first*";
          break;
        case 3:
          wabiz_business_settings_set_auto_reply_mode (s, WABIZ_AUTO_REPLY_KEYWORDS);
          expected = "*at least one keyword*";
          break;
        case 4:
          wabiz_business_settings_set_auto_reply_interval (s, 0);
          expected = "*at least one minute*";
          break;
        case 5:
          wabiz_business_settings_set_auto_reply_mode (s, WABIZ_AUTO_REPLY_OUTSIDE_HOURS);
          expected = "*business hours first*";
          break;
        default:
          wabiz_business_settings_set_profile (s, long_profile);
          expected = "*shorten it*";
          break;
        }
      wabiz_business_settings_save_async (s, db, NULL, wabiz_test_store_result_cb, &result);
      wabiz_test_wait_result (&result, 30);
      g_assert_false (wabiz_business_settings_save_finish (s, result, &error));
      g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
      if (!g_pattern_match_simple (expected, error->message))
        g_error ("case %u: “%s” does not say %s", i, error->message, expected);
      g_clear_error (&error);
    }

  /* no setting was written, not even the valid profile beside them */
  rows = wabiz_db_query_sync (db, "SELECT count(*) AS n FROM business_settings", 0, NULL, NULL, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (rows, 0, "n"), ==, 0);

  /* hours that cannot be read change nothing */
  {
    g_autoptr (WabizBusinessSettings) s = wabiz_business_settings_new ();
    const char *bad[] = { "9-18", "09:00", "25:00-26:00", "09:00-09:00", "09:60-10:00",
                          "24:00-10:00", "nine to five" };

    g_assert_true (wabiz_business_settings_set_hours (s, G_DATE_MONDAY, "08:30 - 12:00,14:00-19:30", &error));
    g_assert_no_error (error);
    g_assert_cmpstr (wabiz_business_settings_get_hours (s, G_DATE_MONDAY), ==, "08:30-12:00, 14:00-19:30");
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_assert_false (wabiz_business_settings_set_hours (s, G_DATE_MONDAY, bad[i], &error));
        g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
        g_assert_nonnull (strstr (error->message, "for example 09:00-18:00"));
        g_clear_error (&error);
        g_assert_cmpstr (wabiz_business_settings_get_hours (s, G_DATE_MONDAY), ==, "08:30-12:00, 14:00-19:30");
      }
  }
  wabiz_db_close (db);
}

static void
count_cb (gpointer instance,
          guint   *count)
{
  (*count)++;
}

/* The app and wabizd agree: a change saved by one is heard by the
 * other (NOTIFY changed::business_settings), and a setting changed
 * only here is neither lost to a reload nor written over another's. */
static void
test_settings_shared (Fixture      *f,
                      gconstpointer data)
{
  g_autofree char *conninfo = wabiz_test_pg_new_seeded_database (NULL);
  g_autoptr (WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr (WabizDb) other_db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr (WabizDbListener) listener = wabiz_db_listener_new (conninfo, NULL, "wabiz");
  g_autoptr (WabizBusinessSettings) app = wabiz_business_settings_new ();
  g_autoptr (WabizBusinessSettings) daemon = wabiz_business_settings_new ();
  g_autoptr (WabizBusinessSettings) fresh = wabiz_business_settings_new ();
  guint changes = 0;

  wabiz_db_listener_start (listener);
  WABIZ_TEST_WAIT (wabiz_db_listener_get_connected (listener), 30);
  g_signal_connect (app, "changed", G_CALLBACK (count_cb), &changes);
  wabiz_business_settings_watch (app, db, listener);

  /* the app's owner is typing a profile, not saved yet */
  wabiz_business_settings_set_profile (app, PROFILE);

  /* wabizd's side turns the greeting on */
  load_settings (other_db, daemon);
  wabiz_business_settings_set_greeting_text (daemon, GREETING);
  wabiz_business_settings_set_greeting_enabled (daemon, TRUE);
  save_settings (other_db, daemon);

  WABIZ_TEST_WAIT (wabiz_business_settings_get_greeting_enabled (app), 30);
  g_assert_cmpuint (changes, >=, 1);
  g_assert_cmpstr (wabiz_business_settings_get_greeting_text (app), ==, GREETING);
  g_assert_cmpstr (wabiz_business_settings_get_profile (app), ==, PROFILE);

  /* the app saves its profile: the greeting wabizd set stays */
  save_settings (db, app);
  load_settings (other_db, fresh);
  g_assert_cmpstr (wabiz_business_settings_get_profile (fresh), ==, PROFILE);
  g_assert_true (wabiz_business_settings_get_greeting_enabled (fresh));
  g_assert_cmpstr (wabiz_business_settings_get_greeting_text (fresh), ==, GREETING);

  wabiz_db_close (db);
  wabiz_db_close (other_db);
}

/* Business hours are read in the business's time zone, per weekday,
 * with ranges that go past midnight. */
static void
test_settings_hours (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) s = wabiz_business_settings_new ();
  g_autoptr (GError) error = NULL;
  const struct
  {
    const char *when;
    gboolean    open;
  } checks[] = {
    /* 2024-06-05 is a Wednesday; Lisbon is UTC+1 in June */
    { "2024-06-05T08:30:00Z", TRUE },   /* 09:30 in Lisbon */
    { "2024-06-05T07:59:00Z", FALSE },  /* 08:59 */
    { "2024-06-05T16:59:00Z", TRUE },   /* 17:59 */
    { "2024-06-05T17:00:00Z", FALSE },  /* 18:00 */
    { "2024-06-08T11:00:00Z", TRUE },   /* Saturday 12:00 */
    { "2024-06-08T12:30:00Z", FALSE },  /* Saturday 13:30 */
    { "2024-06-09T10:00:00Z", FALSE },  /* Sunday */
    { "2024-01-10T08:30:00Z", FALSE },  /* a Wednesday in winter (UTC+0): 08:30 */
    { "2024-01-10T09:00:00Z", TRUE },
    /* Friday's late shift goes on past midnight into Saturday */
    { "2024-06-07T21:30:00Z", TRUE },   /* Friday 22:30 */
    { "2024-06-08T00:59:00Z", TRUE },   /* Saturday 01:59 */
    { "2024-06-08T01:00:00Z", FALSE },  /* Saturday 02:00 */
  };

  /* without hours the business counts as open */
  {
    g_autoptr (GDateTime) sunday = g_date_time_new_from_iso8601 ("2024-06-09T03:00:00Z", NULL);

    g_assert_true (wabiz_business_settings_is_open_at (s, sunday));
  }

  set_week (s);
  g_assert_true (wabiz_business_settings_set_hours (s, G_DATE_FRIDAY, "09:00-18:00, 21:00-02:00", &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_iso8601 (checks[i].when, NULL);

      if (wabiz_business_settings_is_open_at (s, when) != checks[i].open)
        g_error ("%s should be %s", checks[i].when, checks[i].open ? "open" : "closed");
    }

  wabiz_business_settings_clear_hours (s);
  g_assert_false (wabiz_business_settings_get_has_hours (s));
  g_assert_null (wabiz_business_settings_get_hours (s, G_DATE_MONDAY));
}

/* ------------------------------------------------------------------ */
/* the analysis */

static WabizBusinessSettings *
settings_with (Fixture *f)
{
  WabizBusinessSettings *settings = wabiz_business_settings_new ();

  load_settings (f->db, settings);
  wabiz_business_settings_set_profile (settings, PROFILE);
  return settings;
}

/* A text is classified by Gemini with structured output, after it was
 * stored; sentiment, intent and when go on the message. */
static void
test_analysis_stored (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *happy = NULL;
  g_autofree char *angry = NULL;
  g_autofree char *end = NULL;
  g_autofree char *row = NULL;
  g_autoptr (JsonArray) requests = NULL;
  JsonObject *config;

  start_services (f);
  settings = settings_with (f);
  wabiz_business_settings_set_analysis_enabled (settings, TRUE);
  save_settings (f->db, settings);

  happy = inbound_text (f, ANA, "Thank you, the cake was perfect!");
  angry = inbound_text (f, BEN, "My order arrived damaged and late!!");
  end = wait_job (f, happy, "analyze");
  g_assert_cmpstr (end, ==, "done:analyzed");
  g_free (end);
  end = wait_job (f, angry, "analyze");
  g_assert_cmpstr (end, ==, "done:analyzed");

  row = sql_text (f, "SELECT sentiment || ' ' || intent || ' ' || (analyzed_at IS NOT NULL)"
                     " FROM messages WHERE message_id = $1", happy);
  g_assert_cmpstr (row, ==, "positive other true");
  g_free (row);
  row = sql_text (f, "SELECT sentiment || ' ' || intent FROM messages WHERE message_id = $1", angry);
  g_assert_cmpstr (row, ==, "negative complaint");
  /* counted once this process heard the end recorded */
  WABIZ_TEST_WAIT (wabiz_ai_jobs_get_n_analyzed (ai (f)) == 2, 30);

  /* one structured request each, with the message's text */
  g_assert_cmpuint (n_gemini (f, "sentiment"), ==, 2);
  g_assert_cmpuint (n_gemini (f, NULL), ==, 2);
  requests = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  config = json_object_get_object_member (
    json_object_get_object_member (json_array_get_object_element (requests, 0), "request"),
    "generationConfig");
  g_assert_cmpstr (json_object_get_string_member (config, "responseMimeType"), ==, "application/json");
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (requests, 0), "key_in_header"));

  /* nothing was sent to the customers */
  g_assert_cmpint (n_outbound (f, ANA), ==, 0);
  g_assert_cmpint (n_outbound (f, BEN), ==, 0);
}

/* Gemini away (503): the analysis waits and is tried again, then
 * stored. */
static void
test_analysis_retried (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autoptr (JsonNode) script = json_from_string ("[{\"status\": 503}]", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) requests = NULL;
  g_autofree char *wamid = NULL;
  g_autofree char *end = NULL;
  g_autofree char *row = NULL;

  start_services (f);
  /* the client gives up at once, so that the job's own retry shows */
  wabiz_gemini_client_set_retry (_wabiz_ai_jobs_get_gemini (ai (f)), 1, 20, 1000);
  g_assert_true (wabiz_sim_server_add_gemini_answers (f->sim, json_node_get_array (script), &error));
  g_assert_no_error (error);
  settings = settings_with (f);
  wabiz_business_settings_set_analysis_enabled (settings, TRUE);
  save_settings (f->db, settings);

  wamid = inbound_text (f, ANA, "Do you deliver on Sundays?");
  end = wait_job (f, wamid, "analyze");
  g_assert_cmpstr (end, ==, "done:analyzed");
  row = sql_text (f, "SELECT j.attempts || ' ' || m.sentiment || ' ' || m.intent FROM ai_jobs j"
                     " JOIN messages m ON m.id = j.message_id WHERE m.message_id = $1", wamid);
  g_assert_cmpstr (row, ==, "2 neutral question");

  requests = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (requests), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (requests, 0), "status"), ==, 503);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (requests, 1), "status"), ==, 200);
}

/* With the analysis off nothing goes to Gemini (the greeting, which
 * needs no Gemini, shows that the message was handled). */
static void
test_analysis_off (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *wamid = NULL;
  g_autofree char *end = NULL;
  g_autoptr (GPtrArray) texts = NULL;

  start_services (f);
  settings = settings_with (f);
  wabiz_business_settings_set_greeting_text (settings, GREETING);
  wabiz_business_settings_set_greeting_enabled (settings, TRUE);
  save_settings (f->db, settings);

  wamid = inbound_text (f, ANA, "Hello, I'd like to order a birthday cake");
  end = wait_job (f, wamid, "reply");
  g_assert_cmpstr (end, ==, "done:greeting");
  WABIZ_TEST_WAIT (n_sent_to (f, ANA) == 1, 60);

  g_assert_cmpuint (n_gemini (f, NULL), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM ai_jobs WHERE kind = 'analyze'", NULL), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE sentiment IS NOT NULL OR analyzed_at IS NOT NULL", NULL), ==, 0);
}

/* Two WaBiz processes on one database analyse each message once. */
static void
test_analysis_two_processes (Fixture      *f,
                             gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autoptr (WabizDb) db = NULL;
  g_autoptr (WabizOutbox) outbox = NULL;
  g_autoptr (WabizGeminiClient) gemini = NULL;
  g_autoptr (WabizAiJobs) other = NULL;
  g_autoptr (GPtrArray) wamids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GAsyncResult) stopped = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) slow = json_from_string ("{\"gemini_latency_ms\": 400}", NULL);
  const guint n = 12;

  start_services (f);
  /* Gemini takes a while, so that neither process can take every job */
  g_assert_true (wabiz_sim_server_update_config (f->sim, json_node_get_object (slow), &error));
  g_assert_no_error (error);
  db = wabiz_db_new (f->conninfo, NULL, 2);
  outbox = wabiz_outbox_new (db, NULL, 10);
  gemini = wabiz_gemini_client_new (wabiz_sim_server_get_base_url (f->sim), WABIZ_SIM_DEFAULT_GEMINI_KEY,
                                    "gemini-2.5-flash");
  other = wabiz_ai_jobs_new (db, outbox, gemini);
  wabiz_ai_jobs_set_poll_interval (other, 1);
  wabiz_ai_jobs_set_poll_interval (ai (f), 1);
  wabiz_ai_jobs_start (other);

  settings = settings_with (f);
  wabiz_business_settings_set_analysis_enabled (settings, TRUE);
  save_settings (f->db, settings);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *body = g_strdup_printf ("Question number %u: do you have gluten-free bread?", i);

      g_ptr_array_add (wamids, inbound_text (f, i % 2 ? ANA : BEN, body));
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *end = wait_job (f, g_ptr_array_index (wamids, i), "analyze");

      g_assert_cmpstr (end, ==, "done:analyzed");
    }

  g_assert_cmpuint (n_gemini (f, "sentiment"), ==, n);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE analyzed_at IS NOT NULL", NULL), ==, n);
  g_assert_cmpint (sql_int (f, "SELECT max(attempts) FROM ai_jobs", NULL), ==, 1);
  WABIZ_TEST_WAIT (wabiz_ai_jobs_get_n_analyzed (ai (f)) + wabiz_ai_jobs_get_n_analyzed (other) == n, 30);
  g_test_message ("this process analysed %" G_GUINT64_FORMAT ", the other %" G_GUINT64_FORMAT,
                  wabiz_ai_jobs_get_n_analyzed (ai (f)), wabiz_ai_jobs_get_n_analyzed (other));
  g_assert_cmpuint (wabiz_ai_jobs_get_n_analyzed (ai (f)), >, 0);
  g_assert_cmpuint (wabiz_ai_jobs_get_n_analyzed (other), >, 0);

  wabiz_ai_jobs_stop_async (other, NULL, wabiz_test_store_result_cb, &stopped);
  wabiz_test_wait_result (&stopped, 30);
  g_assert_true (wabiz_ai_jobs_stop_finish (other, stopped, &error));
  g_assert_no_error (error);
  wabiz_db_close (db);
}

/* ------------------------------------------------------------------ */
/* greeting and away */

static void
backdate (Fixture    *f,
          const char *phone,
          const char *interval)
{
  g_autoptr (WabizDbResult) a = NULL;
  g_autoptr (WabizDbResult) b = NULL;
  const char *params[] = { phone, interval };

  a = sql (f, "UPDATE messages SET \"timestamp\" = \"timestamp\" - $2::interval WHERE phone = $1", 2, params);
  b = sql (f, "UPDATE auto_messages SET created_at = created_at - $2::interval WHERE phone = $1", 2, params);
}

/* The greeting answers a customer's first message, once per interval,
 * marked as automatic; no Gemini. */
static void
test_greeting (Fixture      *f,
               gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *later = NULL;
  g_autofree char *end = NULL;
  g_autofree char *end2 = NULL;
  g_autofree char *automatic = NULL;
  g_autoptr (GPtrArray) texts = NULL;

  start_services (f);
  settings = settings_with (f);
  wabiz_business_settings_set_greeting_text (settings, GREETING);
  wabiz_business_settings_set_greeting_enabled (settings, TRUE);
  save_settings (f->db, settings);

  first = inbound_text (f, ANA, "Hi!");
  second = inbound_text (f, ANA, "Are you open today?");
  /* one greeting for the two (both written within the same second, they
   * may be read in either order) */
  end = wait_job (f, first, "reply");
  end2 = wait_job (f, second, "reply");
  g_assert_true ((g_str_equal (end, "done:greeting") && g_str_equal (end2, "done:none")) ||
                 (g_str_equal (end, "done:none") && g_str_equal (end2, "done:greeting")));
  WABIZ_TEST_WAIT (n_sent_to (f, ANA) == 1, 60);
  texts = sent_to (f, ANA);
  g_assert_cmpstr (g_ptr_array_index (texts, 0), ==, GREETING);
  g_assert_cmpint (n_outbound (f, ANA), ==, 1);
  automatic = sql_text (f, "SELECT automatic FROM messages WHERE direction = 'outbound' AND phone = $1", ANA);
  g_assert_cmpstr (automatic, ==, "greeting");
  g_assert_cmpuint (wabiz_ai_jobs_get_n_sent (ai (f)), ==, 1);

  /* fifteen days later (the interval is fourteen) she is greeted again */
  backdate (f, ANA, "15 days");
  later = inbound_text (f, ANA, "Hello again");
  g_free (end);
  end = wait_job (f, later, "reply");
  g_assert_cmpstr (end, ==, "done:greeting");
  WABIZ_TEST_WAIT (n_sent_to (f, ANA) == 2, 60);
  g_assert_cmpint (n_outbound (f, ANA), ==, 2);
  g_assert_cmpuint (n_gemini (f, NULL), ==, 0);
}

/* The away message goes outside the business hours (per weekday, in
 * the business's time zone), once per interval; not inside them. */
static void
test_away (Fixture      *f,
           gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *closed1 = NULL;
  g_autofree char *closed2 = NULL;
  g_autofree char *closed3 = NULL;
  g_autofree char *open = NULL;
  g_autofree char *end = NULL;
  g_autofree char *automatic = NULL;
  g_autoptr (GPtrArray) texts = NULL;

  start_services (f);
  settings = settings_with (f);
  set_week (settings);
  wabiz_business_settings_set_away_text (settings, AWAY);
  wabiz_business_settings_set_away_enabled (settings, TRUE);
  save_settings (f->db, settings);

  /* Wednesday 08:30 in UTC is 09:30 in Lisbon: open */
  set_now (f, "2024-06-05T08:30:00Z");
  open = inbound_text (f, BEN, "Good morning, is the shop open?");
  end = wait_job (f, open, "reply");
  g_assert_cmpstr (end, ==, "done:none");
  g_assert_cmpint (n_outbound (f, BEN), ==, 0);

  /* Sunday: closed */
  set_now (f, "2024-06-09T10:00:00Z");
  closed1 = inbound_text (f, ANA, "Can I pick up a cake today?");
  g_free (end);
  end = wait_job (f, closed1, "reply");
  g_assert_cmpstr (end, ==, "done:away");
  closed2 = inbound_text (f, ANA, "Hello?");
  g_free (end);
  end = wait_job (f, closed2, "reply");
  g_assert_cmpstr (end, ==, "done:none");
  WABIZ_TEST_WAIT (n_sent_to (f, ANA) == 1, 60);
  texts = sent_to (f, ANA);
  g_assert_cmpstr (g_ptr_array_index (texts, 0), ==, AWAY);
  g_assert_cmpint (n_outbound (f, ANA), ==, 1);
  automatic = sql_text (f, "SELECT automatic FROM messages WHERE direction = 'outbound' AND phone = $1", ANA);
  g_assert_cmpstr (automatic, ==, "away");

  /* after the interval (a day), closed again: a second one */
  backdate (f, ANA, "25 hours");
  closed3 = inbound_text (f, ANA, "Are you there?");
  g_free (end);
  end = wait_job (f, closed3, "reply");
  g_assert_cmpstr (end, ==, "done:away");
  WABIZ_TEST_WAIT (n_sent_to (f, ANA) == 2, 60);
  g_assert_cmpint (n_outbound (f, BEN), ==, 0);
  g_assert_cmpuint (n_gemini (f, NULL), ==, 0);
}

/* ------------------------------------------------------------------ */
/* auto-replies */

static WabizBusinessSettings *
auto_reply_settings (Fixture           *f,
                     WabizAutoReplyMode mode)
{
  WabizBusinessSettings *settings = settings_with (f);

  wabiz_business_settings_set_auto_reply_mode (settings, mode);
  return settings;
}

static char *
automatic_of_last (Fixture    *f,
                   const char *phone)
{
  return sql_text (f, "SELECT automatic FROM messages WHERE direction = 'outbound' AND phone = $1"
                      " ORDER BY created_at DESC LIMIT 1", phone);
}

/* Mode "always": one reply drafted by Gemini from the conversation and
 * the profile, marked as an auto-reply; a second message within the
 * interval gets none. */
static void
test_auto_reply_always (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *end = NULL;
  g_autofree char *automatic = NULL;
  g_autoptr (GPtrArray) texts = NULL;
  g_autoptr (JsonArray) requests = NULL;
  g_autofree char *system = NULL;
  JsonObject *request;
  JsonArray *contents;

  start_services (f);
  settings = auto_reply_settings (f, WABIZ_AUTO_REPLY_ALWAYS);
  save_settings (f->db, settings);

  first = inbound_text (f, ANA, "Do you make birthday cakes for twelve people?");
  end = wait_job (f, first, "reply");
  g_assert_cmpstr (end, ==, "done:auto_reply");
  WABIZ_TEST_WAIT (n_sent_to (f, ANA) == 1, 60);
  texts = sent_to (f, ANA);
  g_assert_cmpuint (strlen (g_ptr_array_index (texts, 0)), >, 10);
  automatic = automatic_of_last (f, ANA);
  g_assert_cmpstr (automatic, ==, "auto_reply");

  /* what Gemini was given: the profile, the rules and the customer's
   * words as the user's turn */
  requests = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (requests), ==, 1);
  request = json_object_get_object_member (json_array_get_object_element (requests, 0), "request");
  system = g_strdup (json_object_get_string_member (
    json_array_get_object_element (
      json_object_get_array_member (json_object_get_object_member (request, "systemInstruction"), "parts"), 0),
    "text"));
  g_assert_nonnull (strstr (system, PROFILE));
  g_assert_nonnull (strstr (system, "three short sentences"));
  contents = json_object_get_array_member (request, "contents");
  g_assert_cmpuint (json_array_get_length (contents), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (contents, 0), "role"), ==, "user");

  /* the interval: no second reply */
  second = inbound_text (f, ANA, "And do you deliver them?");
  g_free (end);
  end = wait_job (f, second, "reply");
  g_assert_cmpstr (end, ==, "done:interval");
  g_assert_cmpint (n_outbound (f, ANA), ==, 1);
  g_assert_cmpuint (n_gemini (f, "reply"), ==, 1);
  g_assert_cmpuint (n_sent_to (f, ANA), ==, 1);
}

/* Outside the 24-hour window nothing is sent, and Gemini is not asked. */
static void
test_auto_reply_window_closed (Fixture      *f,
                               gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *late = NULL;
  g_autofree char *end = NULL;

  start_services (f);
  settings = auto_reply_settings (f, WABIZ_AUTO_REPLY_ALWAYS);
  wabiz_business_settings_set_greeting_text (settings, GREETING);
  wabiz_business_settings_set_greeting_enabled (settings, TRUE);
  save_settings (f->db, settings);

  /* a message written 25 hours ago, delivered only now */
  spec = g_strdup_printf ("{\"from\": \"%s\", \"type\": \"text\", \"text\": {\"body\": \"Is the cake ready?\"},"
                          " \"timestamp\": %" G_GINT64_FORMAT "}",
                          ANA, g_get_real_time () / G_USEC_PER_SEC - 25 * 3600);
  late = inbound_spec (f, spec);
  end = wait_job (f, late, "reply");
  g_assert_cmpstr (end, ==, "done:window_closed");
  g_assert_cmpint (n_outbound (f, ANA), ==, 0);
  g_assert_cmpuint (n_sent_to (f, ANA), ==, 0);
  g_assert_cmpuint (n_gemini (f, NULL), ==, 0);
}

/* A customer who asked to hear nothing more (opted out, issue 16) gets
 * no automatic message: no greeting, no auto-reply, no Gemini call. */
static void
test_auto_reply_opted_out (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autoptr (WabizDbResult) res = NULL;
  g_autofree char *wamid = NULL;
  g_autofree char *end = NULL;

  start_services (f);
  settings = auto_reply_settings (f, WABIZ_AUTO_REPLY_ALWAYS);
  wabiz_business_settings_set_greeting_text (settings, GREETING);
  wabiz_business_settings_set_greeting_enabled (settings, TRUE);
  save_settings (f->db, settings);
  res = sql (f, "INSERT INTO leads (phone, name, status, opted_out_at) VALUES ($1, 'Ana', 'NEW', now())",
             1, (const char *[]){ ANA });

  wamid = inbound_text (f, ANA, "Is the cake ready?");
  end = wait_job (f, wamid, "reply");
  g_assert_cmpstr (end, ==, "done:opted_out");
  g_assert_cmpint (n_outbound (f, ANA), ==, 0);
  g_assert_cmpuint (n_sent_to (f, ANA), ==, 0);
  g_assert_cmpuint (n_gemini (f, NULL), ==, 0);
}

/* A customer who asks for a person: the conversation is flagged, no
 * auto-reply (nor Gemini) until someone clears the flag. */
static void
test_auto_reply_human (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *ask = NULL;
  g_autofree char *again = NULL;
  g_autofree char *after = NULL;
  g_autofree char *end = NULL;
  g_autofree char *flag = NULL;
  g_autofree char *automatic = NULL;
  g_autoptr (GAsyncResult) cleared = NULL;
  g_autoptr (GError) error = NULL;

  start_services (f);
  settings = auto_reply_settings (f, WABIZ_AUTO_REPLY_ALWAYS);
  save_settings (f->db, settings);

  ask = inbound_text (f, ANA, "Posso falar com um atendente, por favor?");
  end = wait_job (f, ask, "reply");
  g_assert_cmpstr (end, ==, "done:asked_for_human,needs_human");
  flag = sql_text (f, "SELECT needs_human || ' ' || needs_human_reason || ' ' || (needs_human_at IS NOT NULL)"
                      " FROM conversations WHERE phone = $1", ANA);
  g_assert_cmpstr (flag, ==, "true asked_for_human true");
  g_assert_cmpint (n_outbound (f, ANA), ==, 0);
  g_assert_cmpuint (n_gemini (f, NULL), ==, 0);

  /* flagged: the next message gets no auto-reply either */
  again = inbound_text (f, ANA, "What time do you close today?");
  g_free (end);
  end = wait_job (f, again, "reply");
  g_assert_cmpstr (end, ==, "done:needs_human");
  g_assert_cmpint (n_outbound (f, ANA), ==, 0);
  g_assert_cmpuint (n_gemini (f, NULL), ==, 0);
  g_assert_cmpuint (n_sent_to (f, ANA), ==, 0);

  /* someone took over, and hands back */
  wabiz_ai_jobs_clear_needs_human_async (ai (f), ANA, NULL, wabiz_test_store_result_cb, &cleared);
  wabiz_test_wait_result (&cleared, 30);
  g_assert_true (wabiz_ai_jobs_clear_needs_human_finish (ai (f), cleared, &error));
  g_assert_no_error (error);
  g_free (flag);
  flag = sql_text (f, "SELECT needs_human FROM conversations WHERE phone = $1", ANA);
  g_assert_cmpstr (flag, ==, "f");

  after = inbound_text (f, ANA, "What time do you open tomorrow?");
  g_free (end);
  end = wait_job (f, after, "reply");
  g_assert_cmpstr (end, ==, "done:auto_reply");
  WABIZ_TEST_WAIT (n_sent_to (f, ANA) == 1, 60);
  automatic = automatic_of_last (f, ANA);
  g_assert_cmpstr (automatic, ==, "auto_reply");
}

/* A complaint, as Gemini reads it, is handed to a person: flagged, and
 * Gemini's draft is not sent. */
static void
test_auto_reply_complaint (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *wamid = NULL;
  g_autofree char *end = NULL;
  g_autofree char *flag = NULL;

  start_services (f);
  settings = auto_reply_settings (f, WABIZ_AUTO_REPLY_ALWAYS);
  save_settings (f->db, settings);

  wamid = inbound_text (f, ANA, "My cake arrived damaged and late!! This is the second time.");
  end = wait_job (f, wamid, "reply");
  g_assert_cmpstr (end, ==, "done:complaint,needs_human");
  flag = sql_text (f, "SELECT needs_human || ' ' || needs_human_reason FROM conversations WHERE phone = $1", ANA);
  g_assert_cmpstr (flag, ==, "true complaint");
  g_assert_cmpuint (n_gemini (f, "reply"), ==, 1);
  g_assert_cmpint (n_outbound (f, ANA), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM auto_messages", NULL), ==, 0);
  g_assert_cmpuint (n_sent_to (f, ANA), ==, 0);
}

/* A reaction is never answered: no job, nothing sent (another customer's
 * text, handled after it, shows the jobs ran). */
static void
test_auto_reply_reaction (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *reaction = NULL;
  g_autofree char *text = NULL;
  g_autofree char *end = NULL;

  start_services (f);
  settings = auto_reply_settings (f, WABIZ_AUTO_REPLY_ALWAYS);
  wabiz_business_settings_set_greeting_text (settings, GREETING);
  wabiz_business_settings_set_greeting_enabled (settings, TRUE);
  save_settings (f->db, settings);

  spec = g_strdup_printf ("{\"from\": \"%s\", \"type\": \"reaction\","
                          " \"reaction\": {\"message_id\": \"wamid.earlier\", \"emoji\": \"\\ud83d\\udc4d\"}}",
                          ANA);
  reaction = inbound_spec (f, spec);
  WABIZ_TEST_WAIT (stored (f, reaction), 60);
  text = inbound_text (f, BEN, "Do you sell sourdough?");
  end = wait_job (f, text, "reply");
  g_assert_cmpstr (end, ==, "done:greeting,auto_reply");
  WABIZ_TEST_WAIT (n_sent_to (f, BEN) == 2, 60);

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM ai_jobs j JOIN messages m ON m.id = j.message_id"
                               " WHERE m.message_id = $1", reaction),
                   ==, 0);
  g_assert_cmpint (n_outbound (f, ANA), ==, 0);
  g_assert_cmpuint (n_sent_to (f, ANA), ==, 0);
  g_assert_cmpuint (n_gemini (f, NULL), ==, 1);
}

/* Mode "keywords": a text with a keyword (whole word, any case or
 * accent) gets a reply; one without gets none and Gemini is not asked. */
static void
test_auto_reply_keywords (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  const char *keywords[] = { "cake", "entrega", NULL };
  g_autofree char *match = NULL;
  g_autofree char *accent = NULL;
  g_autofree char *miss = NULL;
  g_autofree char *partial = NULL;
  g_autofree char *end = NULL;

  start_services (f);
  settings = auto_reply_settings (f, WABIZ_AUTO_REPLY_KEYWORDS);
  wabiz_business_settings_set_auto_reply_keywords (settings, keywords);
  save_settings (f->db, settings);

  miss = inbound_text (f, CAT, "Are you open on Sunday?");
  end = wait_job (f, miss, "reply");
  g_assert_cmpstr (end, ==, "done:none");
  /* "cakes" is not the keyword "cake" */
  partial = inbound_text (f, DAN, "I love your pancakes");
  g_free (end);
  end = wait_job (f, partial, "reply");
  g_assert_cmpstr (end, ==, "done:none");
  g_assert_cmpuint (n_gemini (f, NULL), ==, 0);

  match = inbound_text (f, ANA, "Do you sell CAKE by the slice?");
  g_free (end);
  end = wait_job (f, match, "reply");
  g_assert_cmpstr (end, ==, "done:auto_reply");
  accent = inbound_text (f, BEN, "Fazem entregá em Lisboa?");
  g_free (end);
  end = wait_job (f, accent, "reply");
  g_assert_cmpstr (end, ==, "done:auto_reply");

  WABIZ_TEST_WAIT (n_sent_to (f, ANA) == 1 && n_sent_to (f, BEN) == 1, 60);
  g_assert_cmpuint (n_gemini (f, "reply"), ==, 2);
  g_assert_cmpint (n_outbound (f, CAT), ==, 0);
  g_assert_cmpint (n_outbound (f, DAN), ==, 0);
}

/* Mode "outside business hours", with a fixed "now": inside the hours
 * no reply; outside, the auto-reply takes the away message's place. */
static void
test_auto_reply_outside_hours (Fixture      *f,
                               gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *end = NULL;
  g_autofree char *automatic = NULL;

  start_services (f);
  settings = auto_reply_settings (f, WABIZ_AUTO_REPLY_OUTSIDE_HOURS);
  set_week (settings);
  wabiz_business_settings_set_away_text (settings, AWAY);
  wabiz_business_settings_set_away_enabled (settings, TRUE);
  save_settings (f->db, settings);

  /* Wednesday 09:30 in Lisbon (08:30 UTC): open, a person answers */
  set_now (f, "2024-06-05T08:30:00Z");
  inside = inbound_text (f, ANA, "Do you have croissants this morning?");
  end = wait_job (f, inside, "reply");
  g_assert_cmpstr (end, ==, "done:none");
  g_assert_cmpint (n_outbound (f, ANA), ==, 0);
  g_assert_cmpuint (n_gemini (f, NULL), ==, 0);

  /* Wednesday 21:30 in Lisbon: closed; one message, the auto-reply */
  set_now (f, "2024-06-05T20:30:00Z");
  outside = inbound_text (f, BEN, "Do you have croissants tomorrow morning?");
  g_free (end);
  end = wait_job (f, outside, "reply");
  g_assert_cmpstr (end, ==, "done:auto_reply");
  WABIZ_TEST_WAIT (n_sent_to (f, BEN) == 1, 60);
  g_assert_cmpint (n_outbound (f, BEN), ==, 1);
  automatic = automatic_of_last (f, BEN);
  g_assert_cmpstr (automatic, ==, "auto_reply");
  g_assert_cmpuint (n_gemini (f, "reply"), ==, 1);
  /* Gemini was told it is closed */
  {
    g_autoptr (JsonArray) requests = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
    g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
    g_autofree char *text = NULL;

    json_node_set_array (node, requests);
    text = json_to_string (node, FALSE);
    g_assert_nonnull (strstr (text, "Wednesday 21:30"));
    g_assert_nonnull (strstr (text, "the business is closed"));
  }
}

/* "Suggest a reply": a draft from the conversation and the profile,
 * returned, never sent. */
static void
test_suggest (Fixture      *f,
              gconstpointer data)
{
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) requests = NULL;
  g_autoptr (WabizAiJobs) keyless = NULL;
  g_autofree char *wamid = NULL;
  g_autofree char *draft = NULL;
  JsonArray *contents;

  start_services (f);
  settings = settings_with (f);
  save_settings (f->db, settings);

  wamid = inbound_text (f, ANA, "Hi, can I order a cake for Saturday?");
  WABIZ_TEST_WAIT (stored (f, wamid), 60);

  wabiz_ai_jobs_suggest_reply_async (ai (f), ANA, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  draft = wabiz_ai_jobs_suggest_reply_finish (ai (f), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (draft);
  g_assert_cmpuint (strlen (draft), >, 10);
  g_assert_cmpint (n_outbound (f, ANA), ==, 0);
  g_assert_cmpuint (n_sent_to (f, ANA), ==, 0);

  requests = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (requests), ==, 1);
  contents = json_object_get_array_member (
    json_object_get_object_member (json_array_get_object_element (requests, 0), "request"), "contents");
  g_assert_cmpuint (json_array_get_length (contents), ==, 1);

  /* a customer with no message yet */
  g_clear_object (&result);
  wabiz_ai_jobs_suggest_reply_async (ai (f), BEN, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_null (wabiz_ai_jobs_suggest_reply_finish (ai (f), result, &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* without a key: what to do */
  keyless = wabiz_ai_jobs_new (f->db, wabiz_services_get_outbox (f->services), NULL);
  g_clear_object (&result);
  wabiz_ai_jobs_suggest_reply_async (keyless, ANA, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_null (wabiz_ai_jobs_suggest_reply_finish (keyless, result, &error));
  g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_NO_KEY);
  g_assert_nonnull (strstr (error->message, "Preferences"));
  g_assert_cmpuint (n_gemini (f, NULL), ==, 1);
}

/* ------------------------------------------------------------------ */
/* receiving is never slowed */

typedef struct
{
  SoupMessage *msg;     /* (owned) */
  guint        status;
  gboolean     done;
} Delivery;

static void
delivered_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Delivery *delivery = user_data;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_assert_no_error (error);
  delivery->status = soup_message_get_status (delivery->msg);
  delivery->done = TRUE;
}

/* POSTs a webhook with one text from @from, signed as Meta signs */
static void
deliver (SoupSession *session,
         const char  *url,
         const char  *from,
         const char  *wamid,
         const char  *text,
         Delivery    *delivery)
{
  g_autofree char *body = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *header = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gsize len;

  body = g_strdup_printf ("{\"object\": \"whatsapp_business_account\", \"entry\": [{\"id\": \"%s\","
                          " \"changes\": [{\"field\": \"messages\", \"value\": {\"messaging_product\": \"whatsapp\","
                          " \"metadata\": {\"display_phone_number\": \"15550783881\", \"phone_number_id\": \"%s\"},"
                          " \"contacts\": [{\"profile\": {\"name\": \"Customer\"}, \"wa_id\": \"%s\"}],"
                          " \"messages\": [{\"from\": \"%s\", \"id\": \"%s\", \"timestamp\": \"%" G_GINT64_FORMAT "\","
                          " \"type\": \"text\", \"text\": {\"body\": \"%s\"}}]}}]}]}",
                          WABIZ_SIM_DEFAULT_WABA_ID, WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID, from, from, wamid,
                          g_get_real_time () / G_USEC_PER_SEC, text);
  signature = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) WABIZ_SIM_DEFAULT_APP_SECRET,
                                         strlen (WABIZ_SIM_DEFAULT_APP_SECRET), body, -1);
  header = g_strconcat ("sha256=", signature, NULL);
  len = strlen (body);
  bytes = g_bytes_new_take (g_steal_pointer (&body), len);

  delivery->msg = soup_message_new ("POST", url);
  soup_message_headers_replace (soup_message_get_request_headers (delivery->msg), "X-Hub-Signature-256",
                                header);
  soup_message_set_request_body_from_bytes (delivery->msg, "application/json", bytes);
  soup_session_send_and_read_async (session, delivery->msg, G_PRIORITY_DEFAULT, NULL, delivered_cb,
                                    delivery);
}

static gboolean
all_done (Delivery *deliveries,
          guint     n)
{
  for (guint i = 0; i < n; i++)
    {
      if (!deliveries[i].done)
        return FALSE;
    }
  return TRUE;
}

/* Gemini answers only after 20 s: every webhook delivered meanwhile is
 * answered 200 and stored while Gemini has not answered its first
 * request (no job has ended), with the analysis and the auto-reply on. */
static void
test_slow_gemini (Fixture      *f,
                  gconstpointer data)
{
  enum { N = 30 };
  g_autoptr (WabizBusinessSettings) settings = NULL;
  g_autoptr (JsonNode) slow = json_from_string ("{\"gemini_latency_ms\": 20000}", NULL);
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  Delivery deliveries[N] = { { 0 } };
  g_autoptr (WabizDb) db = NULL;
  g_autoptr (WabizDbResult) left = NULL;

  start_services (f);
  settings = auto_reply_settings (f, WABIZ_AUTO_REPLY_ALWAYS);
  wabiz_business_settings_set_analysis_enabled (settings, TRUE);
  save_settings (f->db, settings);
  g_assert_true (wabiz_sim_server_update_config (f->sim, json_node_get_object (slow), &error));
  g_assert_no_error (error);

  base = wabiz_http_server_dup_url (wabiz_services_get_http (f->services));
  url = g_strconcat (base, "/webhook", NULL);

  /* the first message, until Gemini has its first request */
  deliver (session, url, "5511900000000", "wamid.slow-0", "Do you have rye bread today?", &deliveries[0]);
  WABIZ_TEST_WAIT (deliveries[0].done, 30);
  g_assert_cmpuint (deliveries[0].status, ==, 200);
  WABIZ_TEST_WAIT (n_gemini (f, NULL) >= 1, 30);

  /* the others, while Gemini thinks */
  for (guint i = 1; i < N; i++)
    {
      g_autofree char *from = g_strdup_printf ("55119000000%02u", i);
      g_autofree char *wamid = g_strdup_printf ("wamid.slow-%u", i);

      deliver (session, url, from, wamid, "Do you have rye bread today?", &deliveries[i]);
    }
  WABIZ_TEST_WAIT (all_done (deliveries, N), 60);
  for (guint i = 0; i < N; i++)
    g_assert_cmpuint (deliveries[i].status, ==, 200);
  WABIZ_TEST_WAIT (sql_int (f, "SELECT count(*) FROM messages WHERE message_id LIKE 'wamid.slow-%'", NULL) == N, 60);

  /* and Gemini had still not answered: no job ended, some wait on it */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM ai_jobs WHERE state NOT IN ('pending', 'running')", NULL), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM ai_jobs WHERE state = 'running'", NULL), >=, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE analyzed_at IS NOT NULL OR direction = 'outbound'", NULL), ==, 0);
  g_assert_cmpuint (wabiz_ai_jobs_get_n_analyzed (ai (f)), ==, 0);
  g_assert_cmpuint (wabiz_ai_jobs_get_n_sent (ai (f)), ==, 0);
  {
    g_autoptr (JsonArray) requests = wabiz_sim_server_dup_gemini_requests (f->sim, 0);

    g_test_message ("%u deliveries answered and stored while Gemini had %u requests in hand",
                    N, json_array_get_length (requests));
  }

  /* stopping cancels Gemini's calls and hands every job back */
  stop_services (f);
  for (guint i = 0; i < N; i++)
    g_clear_object (&deliveries[i].msg);
  db = wabiz_db_new (f->conninfo, NULL, 1);
  left = wabiz_db_query_sync (db, "SELECT (SELECT count(*) FROM ai_jobs WHERE state <> 'pending')"
                                  " + (SELECT count(*) FROM auto_messages) AS n",
                              0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_db_result_get_int (left, 0, "n"), ==, 0);
  wabiz_db_close (db);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/ai/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("settings/round-trip", test_settings_round_trip);
  ADD ("settings/invalid", test_settings_invalid);
  ADD ("settings/shared", test_settings_shared);
  ADD ("settings/hours", test_settings_hours);
  ADD ("analysis/stored", test_analysis_stored);
  ADD ("analysis/retried", test_analysis_retried);
  ADD ("analysis/off", test_analysis_off);
  ADD ("analysis/two-processes", test_analysis_two_processes);
  ADD ("canned/greeting", test_greeting);
  ADD ("canned/away", test_away);
  ADD ("auto-reply/always", test_auto_reply_always);
  ADD ("auto-reply/window-closed", test_auto_reply_window_closed);
  ADD ("auto-reply/human", test_auto_reply_human);
  ADD ("auto-reply/opted-out", test_auto_reply_opted_out);
  ADD ("auto-reply/complaint", test_auto_reply_complaint);
  ADD ("auto-reply/reaction", test_auto_reply_reaction);
  ADD ("auto-reply/keywords", test_auto_reply_keywords);
  ADD ("auto-reply/outside-hours", test_auto_reply_outside_hours);
  ADD ("suggest", test_suggest);
  ADD ("slow-gemini", test_slow_gemini);
#undef ADD

  return g_test_run ();
}
