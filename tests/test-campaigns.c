/* test-campaigns.c: campaigns to segments of leads, against a real
 * PostgreSQL and wabiz-sim (in-process) through the real outbox; the
 * crash test runs the runner and the sender in a child process and
 * kills it
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "wabiz-campaign-model-private.h"
#include "wabiz-campaign-runner-private.h"
#include "wabiz-error.h"
#include "wabiz-graph-client.h"
#include "wabiz-migrations.h"
#include "wabiz-opt-out.h"
#include "wabiz-outbox.h"
#include "wabiz-outbox-private.h"
#include "wabiz-outgoing.h"
#include "wabiz-scheduler.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"

#define TEMPLATE_SQL                                                                            \
  "INSERT INTO templates (name, language, category, status, body_text, parameter_format) VALUES" \
  " ('order_ready', 'en_US', 'UTILITY', 'APPROVED', 'Hi {{1}}, your order {{2}} is ready.', 'POSITIONAL')," \
  " ('weekend_offer', 'en_US', 'MARKETING', 'PENDING', 'This weekend only: {{1}}% off all pastries.', 'POSITIONAL')"

/* {{1}} ← name or "there"; {{2}} ← the lead's custom field "order", no fallback */
#define ORDER_READY_JSON                                                  \
  "\"template_name\": \"order_ready\", \"language\": \"en_US\","          \
  " \"parameters\": [{\"field\": \"name\", \"fallback\": \"there\"},"      \
  "                 {\"field\": \"custom.order\"}]"

typedef struct
{
  char                *conninfo;
  WabizDb             *db;
  WabizSimServer      *sim;
  WabizGraphClient    *graph;
  WabizOutbox         *outbox;
  WabizCampaignRunner *runner;
} Fixture;

static WabizDbResult *
sql (Fixture            *f,
     const char         *statement,
     int                 n_params,
     const char * const *params)
{
  g_autoptr(GError) error = NULL;
  WabizDbResult *res = wabiz_db_query_sync (f->db, statement, n_params, params, NULL, &error);

  g_assert_no_error (error);
  return res;
}

static gint64
sql_int (Fixture    *f,
         const char *statement)
{
  g_autoptr(WabizDbResult) res = sql (f, statement, 0, NULL);

  return g_ascii_strtoll (wabiz_db_result_get_nth (res, 0, 0), NULL, 10);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = NULL;

  _wabiz_campaign_set_now (0);
  f->conninfo = wabiz_test_pg_new_database ();
  f->db = wabiz_db_new (f->conninfo, NULL, 6);
  g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
  g_assert_no_error (error);
  res = sql (f, TEMPLATE_SQL, 0, NULL);

  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
  f->graph = wabiz_graph_client_new (wabiz_sim_server_get_base_url (f->sim), "v19.0",
                                     WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID, WABIZ_SIM_DEFAULT_WABA_ID,
                                     WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  /* a few sends at once: the in-process simulator's listen queue is
   * short, and a connection it resets leaves a message in doubt */
  f->outbox = wabiz_outbox_new (f->db, f->graph, 500);
  _wabiz_outbox_set_max_in_flight (f->outbox, 8);
  f->runner = wabiz_campaign_runner_new (f->db, f->outbox);
}

static void
stop_all (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;

  wabiz_campaign_runner_stop_async (f->runner, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_true (wabiz_campaign_runner_stop_finish (f->runner, result, &error));
  g_assert_no_error (error);
  wabiz_outbox_stop_async (f->outbox, NULL, wabiz_test_store_result_cb, &stopped);
  wabiz_test_wait_result (&stopped, 60);
  g_assert_true (wabiz_outbox_stop_finish (f->outbox, stopped, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  stop_all (f);
  g_clear_object (&f->runner);
  g_clear_object (&f->outbox);
  g_clear_object (&f->graph);
  wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  wabiz_db_close (f->db);
  g_clear_object (&f->db);
  g_free (f->conninfo);
  _wabiz_campaign_set_now (0);
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Until @statement's first column is true, asking every 100 ms while the
 * main loop (the runner, the sender, the in-process simulator) runs. */
static void
wait_for_sql (Fixture    *f,
              const char *statement,
              guint       timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(WabizDbResult) res = sql (f, statement, 0, NULL);
      gboolean tick = FALSE;

      if (g_strcmp0 (wabiz_db_result_get_nth (res, 0, 0), "t") == 0)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for: %s", statement);
      g_timeout_add (100, set_flag_cb, &tick);
      wabiz_test_wait_for_flag (&tick, 10);
    }
}

/* @n leads 1631555nnnn; every 10th has no name (the fallback), every
 * 500th from 3 no order number (excluded: missing parameter), every
 * 100th from 7 opted out */
static void
seed_leads (Fixture *f,
            guint    n)
{
  g_autofree char *count = g_strdup_printf ("%u", n);
  const char *p[] = { count };
  g_autoptr(WabizDbResult) res = NULL;

  res = sql (f, "INSERT INTO leads (phone, name, status, custom_fields, opted_out_at)"
                " SELECT '1631555' || lpad(i::text, 4, '0'),"
                "   CASE WHEN i % 10 = 0 THEN NULL ELSE 'Lead ' || i END, 'NEW',"
                "   CASE WHEN i % 500 = 3 THEN '{}'::jsonb"
                "        ELSE jsonb_build_object('order', '#' || i) END,"
                "   CASE WHEN i % 100 = 7 THEN now() END"
                " FROM generate_series(0, $1::int - 1) i",
             1, p);
}

static JsonObject *
parse (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static WabizCampaignSpec *
spec_from (const char *json)
{
  g_autoptr(JsonObject) object = parse (json);
  g_autoptr(GError) error = NULL;
  WabizCampaignSpec *spec = wabiz_campaign_spec_new_from_json (object, &error);

  g_assert_no_error (error);
  return spec;
}

static JsonObject *
preview (Fixture    *f,
         const char *json,
         GError    **error)
{
  g_autoptr(WabizCampaignSpec) spec = spec_from (json);
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_campaign_preview_async (f->db, spec, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 120);
  return wabiz_campaign_preview_finish (result, error);
}

static char *
create (Fixture    *f,
        const char *json)
{
  g_autoptr(WabizCampaignSpec) spec = spec_from (json);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) campaign = NULL;

  wabiz_campaign_create_async (f->db, spec, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 120);
  campaign = wabiz_campaign_create_finish (result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json_object_get_object_member (campaign, "preview"));
  return g_strdup (json_object_get_string_member (campaign, "id"));
}

static JsonObject *
get (Fixture    *f,
     const char *id,
     guint       limit)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *campaign;

  wabiz_campaign_get_async (f->db, id, limit, 0, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  campaign = wabiz_campaign_get_finish (result, &error);
  g_assert_no_error (error);
  return campaign;
}

static JsonObject *
change (Fixture             *f,
        const char          *id,
        WabizCampaignAction  action,
        GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_campaign_change_state_async (f->db, id, action, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  return wabiz_campaign_change_state_finish (result, error);
}

static void
set_settings (Fixture    *f,
              const char *json)
{
  g_autoptr(JsonObject) changes = parse (json);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) settings = NULL;

  wabiz_campaign_settings_update_async (f->db, changes, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  settings = wabiz_campaign_settings_update_finish (result, &error);
  g_assert_no_error (error);
}

/* The ledger's recipients: each must be there once; returns how many */
static guint
ledger_unique (Fixture    *f,
               GHashTable *phones)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      const char *wa_id = json_object_get_string_member (entry, "wa_id");

      if (g_hash_table_contains (phones, wa_id))
        g_error ("%s received the campaign twice", wa_id);
      g_hash_table_add (phones, g_strdup (wa_id));
    }
  return json_array_get_length (ledger);
}

static guint
ledger_length (Fixture *f)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

  return json_array_get_length (ledger);
}

static void
wait_rounds (WabizCampaignRunner *runner,
             guint                n)
{
  for (guint i = 0; i < n; i++)
    {
      guint before = _wabiz_campaign_runner_get_n_rounds (runner);

      wabiz_campaign_runner_wake (runner);
      WABIZ_TEST_WAIT (_wabiz_campaign_runner_get_n_rounds (runner) > before, 30);
    }
}

/* ------------------------------------------------------------------ */

/* Who would receive it and who not, and why; the duration at the rate
 * and the tier; nothing written */
static void
test_preview (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  JsonObject *excluded;
  JsonArray *examples;
  gboolean found_missing = FALSE;

  seed_leads (f, 1000);
  /* not a WhatsApp number; the same number as lead 1 written another way */
  res = sql (f, "INSERT INTO leads (phone, name, custom_fields) VALUES"
                " ('call me', 'Nobody', '{\"order\": \"#x\"}'),"
                " ('+1 631 5550001', 'Lead 1 again', '{\"order\": \"#1\"}')", 0, NULL);
  set_settings (f, "{\"tier\": \"250\", \"rate\": 10}");

  p = preview (f, "{\"name\": \"Orders\", \"segment\": {}, " ORDER_READY_JSON "}", NULL);
  g_assert_nonnull (p);
  excluded = json_object_get_object_member (p, "excluded");
  /* 1000 leads: 10 opted out, 2 without order number, one bad number,
   * one second lead of a number */
  g_assert_cmpint (json_object_get_int_member (excluded, "opted_out"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (excluded, "missing_parameter"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (excluded, "invalid_phone"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (excluded, "already_received"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (excluded, "total"), ==, 14);
  g_assert_cmpint (json_object_get_int_member (p, "recipients"), ==, 988);
  /* 250 a day: four windows; the last 238 at 10/s */
  g_assert_cmpstr (json_object_get_string_member (p, "tier"), ==, "250");
  g_assert_cmpint (json_object_get_int_member (p, "tier_limit"), ==, 250);
  g_assert_cmpint (json_object_get_int_member (p, "days"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (p, "expected_seconds"), ==, 3 * 86400 + 24);

  examples = json_object_get_array_member (p, "examples");
  g_assert_cmpuint (json_array_get_length (examples), ==, 14);
  for (guint i = 0; i < json_array_get_length (examples); i++)
    {
      JsonObject *e = json_array_get_object_element (examples, i);

      if (g_str_equal (json_object_get_string_member (e, "reason"), "missing_parameter"))
        {
          g_assert_cmpstr (json_object_get_string_member (e, "detail"), ==,
                           "{{2}} (custom.order) is empty and has no fallback");
          found_missing = TRUE;
        }
    }
  g_assert_true (found_missing);

  /* a segment narrows it; nothing was written */
  g_clear_pointer (&p, json_object_unref);
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = sql (f, "UPDATE leads SET tags = '{vip}' WHERE phone IN ('16315550011', '16315550012')", 0, NULL);
  p = preview (f, "{\"name\": \"VIP\", \"segment\": {\"tags\": [\"vip\"], \"status\": \"new\"}, "
                  ORDER_READY_JSON "}", NULL);
  g_assert_cmpint (json_object_get_int_member (p, "recipients"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (p, "days"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaigns"), ==, 0);

  /* the same filter saved by name, and used by its id */
  {
    g_autoptr(JsonObject) filter = parse ("{\"tags\": [\"vip\"]}");
    g_autoptr(WabizSegment) segment = wabiz_segment_new_from_json (filter, NULL);
    g_autoptr(GAsyncResult) saved = NULL;
    g_autoptr(GAsyncResult) counted = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *segment_id = NULL;
    g_autofree char *json = NULL;
    g_autoptr(JsonObject) by_id = NULL;

    g_assert_nonnull (segment);
    wabiz_segment_save_async (segment, f->db, "VIP customers", NULL, wabiz_test_store_result_cb, &saved);
    wabiz_test_wait_result (&saved, 30);
    segment_id = wabiz_segment_save_finish (saved, &error);
    g_assert_no_error (error);
    wabiz_segment_count_async (segment, f->db, NULL, wabiz_test_store_result_cb, &counted);
    wabiz_test_wait_result (&counted, 30);
    g_assert_cmpint (wabiz_segment_count_finish (counted, &error), ==, 2);
    json = g_strdup_printf ("{\"name\": \"VIP\", \"segment_id\": \"%s\", " ORDER_READY_JSON "}", segment_id);
    by_id = preview (f, json, &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (by_id, "recipients"), ==, 2);
  }
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients"), ==, 0);
}

/* Each mistake gets its own clear error, and nothing is written */
static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  static const char * const bad_specs[] = {
    "{\"template_name\": \"order_ready\", \"language\": \"en_US\", \"segment\": {}}",
    "{\"name\": \"x\", \"language\": \"en_US\", \"segment\": {}}",
    "{\"name\": \"x\", \"template_name\": \"order_ready\", \"segment\": {}}",
    "{\"name\": \"x\", \"template_name\": \"order_ready\", \"language\": \"en_US\"}",
    "{\"name\": \"x\", " ORDER_READY_JSON ", \"segment\": {\"status\": \"SLEEPING\"}}",
    "{\"name\": \"x\", " ORDER_READY_JSON ", \"segment\": {\"colour\": \"red\"}}",
    "{\"name\": \"x\", " ORDER_READY_JSON ", \"segment\": {\"last_contact_after\": \"yesterday\"}}",
    "{\"name\": \"x\", " ORDER_READY_JSON ", \"segment\": {}, \"start_at\": \"tomorrow at 9\"}",
    "{\"name\": \"x\", " ORDER_READY_JSON ", \"segment\": {}, \"rate\": 0}",
    "{\"name\": \"x\", " ORDER_READY_JSON ", \"segment\": {}, \"rate\": \"fast\"}",
    "{\"name\": \"x\", \"template_name\": \"order_ready\", \"language\": \"en_US\", \"segment\": {},"
    " \"parameters\": [{\"field\": \"shoe_size\"}, {\"text\": \"a\"}]}",
    "{\"name\": \"x\", \"template_name\": \"order_ready\", \"language\": \"en_US\", \"segment\": {},"
    " \"parameters\": [{\"field\": \"name\", \"text\": \"both\"}, {\"text\": \"a\"}]}",
    "{\"name\": \"x\", " ORDER_READY_JSON ", \"segment\": {}, \"surprise\": true}",
  };
  static const struct
  {
    const char *json;
    int         code;
  } refused[] = {
    { "{\"name\": \"x\", \"template_name\": \"nope\", \"language\": \"en_US\", \"segment\": {}}",
      WABIZ_ERROR_NOT_FOUND },
    { "{\"name\": \"x\", \"template_name\": \"weekend_offer\", \"language\": \"en_US\", \"segment\": {},"
      " \"parameters\": [{\"text\": \"15\"}]}", WABIZ_ERROR_INVALID_INPUT },
    { "{\"name\": \"x\", \"template_name\": \"order_ready\", \"language\": \"en_US\", \"segment\": {},"
      " \"parameters\": [{\"field\": \"name\"}]}", WABIZ_ERROR_INVALID_INPUT },
    { "{\"name\": \"x\", " ORDER_READY_JSON ", \"segment_id\": \"00000000-0000-4000-8000-000000000000\"}",
      WABIZ_ERROR_NOT_FOUND },
  };
  g_autoptr(GError) state_error = NULL;
  g_autoptr(GError) missing_error = NULL;
  g_autoptr(JsonObject) none = NULL;
  g_autofree char *id = NULL;

  seed_leads (f, 20);
  for (guint i = 0; i < G_N_ELEMENTS (bad_specs); i++)
    {
      g_autoptr(JsonObject) object = parse (bad_specs[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(WabizCampaignSpec) spec = wabiz_campaign_spec_new_from_json (object, &error);

      g_test_message ("%s: %s", bad_specs[i], error ? error->message : "accepted");
      g_assert_null (spec);
      g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) p = preview (f, refused[i].json, &error);

      g_test_message ("%s: %s", refused[i].json, error ? error->message : "accepted");
      g_assert_null (p);
      g_assert_error (error, WABIZ_ERROR, refused[i].code);
    }
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaigns"), ==, 0);

  /* an unknown campaign; a finished one cannot be paused or resumed */
  none = change (f, "00000000-0000-4000-8000-000000000000", WABIZ_CAMPAIGN_PAUSE, &missing_error);
  g_assert_error (missing_error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  id = create (f, "{\"name\": \"Orders\", \"segment\": {}, " ORDER_READY_JSON "}");
  g_clear_pointer (&none, json_object_unref);
  none = change (f, id, WABIZ_CAMPAIGN_CANCEL, NULL);
  g_assert_cmpstr (json_object_get_string_member (none, "state"), ==, "cancelled");
  g_clear_pointer (&none, json_object_unref);
  none = change (f, id, WABIZ_CAMPAIGN_RESUME, &state_error);
  g_assert_error (state_error, WABIZ_CAMPAIGN_ERROR, WABIZ_CAMPAIGN_ERROR_STATE);
}

/* 5,000 leads with opted-out, invalid and duplicate ones: the simulator
 * receives each eligible recipient exactly once, with their parameters */
static void
test_big (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GHashTable) phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizDbResult) eligible = NULL;
  g_autoptr(JsonObject) campaign = NULL;
  g_autoptr(JsonArray) ledger = NULL;
  g_autofree char *id = NULL;
  JsonObject *progress;
  JsonArray *results;
  guint n;

  seed_leads (f, 5000);
  /* 20 numbers that are not WhatsApp numbers, 30 second leads of a number */
  res = sql (f, "INSERT INTO leads (phone, name, custom_fields)"
                " SELECT 'no. ' || i, 'Bad ' || i, '{\"order\": \"#0\"}' FROM generate_series(1, 20) i"
                " UNION ALL"
                " SELECT '+1 631 555' || lpad(i::text, 4, '0'),"
                "   CASE WHEN i % 10 = 0 THEN NULL ELSE 'Lead ' || i END,"
                "   CASE WHEN i % 500 = 3 THEN '{}'::jsonb ELSE jsonb_build_object('order', '#' || i) END"
                " FROM generate_series(0, 29) i",
             0, NULL);
  set_settings (f, "{\"tier\": \"unlimited\"}");

  id = create (f, "{\"name\": \"Orders\", \"segment\": {}, \"rate\": 1000, " ORDER_READY_JSON "}");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'pending'"), ==, 4940);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE reason = 'opted_out'"), ==, 51);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE reason = 'invalid_phone'"), ==, 20);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE reason = 'already_received'"), ==, 28);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE reason = 'missing_parameter'"), ==, 11);

  wabiz_outbox_start (f->outbox);
  wabiz_campaign_runner_start (f->runner);
  wait_for_sql (f, "SELECT state = 'done' FROM campaigns", 240);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 240);

  /* the eligible, once each, and nobody else */
  n = ledger_unique (f, phones);
  g_assert_cmpuint (n, ==, 4940);
  eligible = sql (f, "SELECT phone FROM campaign_recipients WHERE state <> 'excluded'", 0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (eligible), ==, 4940);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (eligible); i++)
    g_assert_true (g_hash_table_contains (phones, wabiz_db_result_get (eligible, i, "phone")));
  g_assert_false (g_hash_table_contains (phones, "16315550007"));   /* opted out */
  g_assert_false (g_hash_table_contains (phones, "16315550003"));   /* no order number */

  /* each with its own parameters, the fallback where the name is empty */
  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      const char *wa_id = json_object_get_string_member (entry, "wa_id");
      g_autoptr(JsonNode) body = json_node_copy (json_object_get_member (entry, "body"));
      g_autofree char *text = json_to_string (body, FALSE);
      guint lead = (guint) g_ascii_strtoull (wa_id + 7, NULL, 10);
      g_autofree char *name = lead % 10 == 0 ? g_strdup ("\"there\"") : g_strdup_printf ("\"Lead %u\"", lead);
      g_autofree char *order = g_strdup_printf ("\"#%u\"", lead);

      g_assert_nonnull (strstr (text, name));
      g_assert_nonnull (strstr (text, order));
      g_assert_nonnull (strstr (text, "order_ready"));
    }

  campaign = get (f, id, 10000);
  g_assert_cmpstr (json_object_get_string_member (campaign, "state"), ==, "done");
  progress = json_object_get_object_member (campaign, "progress");
  g_assert_cmpint (json_object_get_int_member (progress, "sent"), ==, 4940);
  g_assert_cmpint (json_object_get_int_member (progress, "excluded"), ==, 110);
  g_assert_cmpint (json_object_get_int_member (progress, "pending"), ==, 0);
  results = json_object_get_array_member (campaign, "recipient_results");
  g_assert_cmpuint (json_array_get_length (results), ==, 5050);
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *r = json_array_get_object_element (results, i);
      const char *result = json_object_get_string_member (r, "result");

      if (g_str_equal (result, "sent"))
        g_assert_true (g_str_has_prefix (json_object_get_string_member (r, "message_id"), "wamid."));
      else
        {
          g_assert_cmpstr (result, ==, "excluded");
          g_assert_nonnull (json_object_get_string_member (r, "reason"));
        }
    }
}

/* Paused: nothing more is queued; what the outbox held goes. Resumed:
 * the rest, nobody twice. */
static void
test_pause_resume (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GHashTable) phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonObject) paused = NULL;
  g_autoptr(JsonObject) resumed = NULL;
  g_autofree char *id = NULL;
  gint64 queued;

  seed_leads (f, 300);
  set_settings (f, "{\"tier\": \"unlimited\"}");
  id = create (f, "{\"name\": \"Orders\", \"segment\": {}, \"rate\": 20, " ORDER_READY_JSON "}");
  wabiz_outbox_start (f->outbox);
  wabiz_campaign_runner_start (f->runner);
  wait_for_sql (f, "SELECT count(*) >= 20 FROM campaign_recipients WHERE state = 'queued'", 60);

  paused = change (f, id, WABIZ_CAMPAIGN_PAUSE, NULL);
  g_assert_cmpstr (json_object_get_string_member (paused, "state"), ==, "paused");
  /* the claims in flight settle, the outbox sends what it holds */
  wait_for_sql (f, "SELECT count(*) = 0 FROM campaign_recipients WHERE state = 'queuing'", 60);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 60);
  queued = sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'queued'");
  wait_rounds (f->runner, 3);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'queued'"), ==, queued);
  g_assert_cmpint (queued, <, 290 - 3);
  g_assert_cmpuint (ledger_unique (f, phones), ==, queued);

  resumed = change (f, id, WABIZ_CAMPAIGN_RESUME, NULL);
  g_assert_cmpstr (json_object_get_string_member (resumed, "state"), ==, "running");
  wait_for_sql (f, "SELECT state = 'done' FROM campaigns", 120);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 60);
  g_hash_table_remove_all (phones);
  /* 300 leads: 3 opted out, 1 without an order number */
  g_assert_cmpuint (ledger_unique (f, phones), ==, 296);
}

/* Cancelled: whoever was not queued yet never gets it */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GHashTable) phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonObject) cancelled = NULL;
  g_autoptr(JsonObject) campaign = NULL;
  g_autofree char *id = NULL;
  gint64 queued;
  JsonObject *progress;

  seed_leads (f, 300);
  set_settings (f, "{\"tier\": \"unlimited\"}");
  id = create (f, "{\"name\": \"Orders\", \"segment\": {}, \"rate\": 20, " ORDER_READY_JSON "}");
  wabiz_outbox_start (f->outbox);
  wabiz_campaign_runner_start (f->runner);
  wait_for_sql (f, "SELECT count(*) >= 10 FROM campaign_recipients WHERE state = 'queued'", 60);

  cancelled = change (f, id, WABIZ_CAMPAIGN_CANCEL, NULL);
  g_assert_cmpstr (json_object_get_string_member (cancelled, "state"), ==, "cancelled");
  wait_for_sql (f, "SELECT count(*) = 0 FROM campaign_recipients WHERE state = 'queuing'", 60);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 60);
  wait_rounds (f->runner, 3);

  queued = sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'queued'");
  g_assert_cmpuint (ledger_unique (f, phones), ==, queued);
  campaign = get (f, id, 0);
  g_assert_cmpstr (json_object_get_string_member (campaign, "state"), ==, "cancelled");
  progress = json_object_get_object_member (campaign, "progress");
  g_assert_cmpint (json_object_get_int_member (progress, "cancelled"), ==, 296 - queued);
  g_assert_cmpint (json_object_get_int_member (progress, "cancelled"), >, 0);
  g_assert_cmpint (json_object_get_int_member (progress, "pending"), ==, 0);
}

/* A start time: nothing before it (on the campaigns' clock) */
static void
test_start_at (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GDateTime) t0 = g_date_time_new_utc (2030, 6, 1, 8, 0, 0);
  g_autofree char *id = NULL;

  seed_leads (f, 10);
  _wabiz_campaign_set_now (g_date_time_to_unix (t0) * G_USEC_PER_SEC);
  id = create (f, "{\"name\": \"Later\", \"segment\": {}, \"start_at\": \"2030-06-01T09:00:00Z\", "
                  ORDER_READY_JSON "}");
  wabiz_outbox_start (f->outbox);
  wabiz_campaign_runner_start (f->runner);
  wait_rounds (f->runner, 3);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state <> 'pending'"
                               " AND state <> 'excluded'"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaigns WHERE state = 'scheduled'"), ==, 1);

  _wabiz_campaign_set_now ((g_date_time_to_unix (t0) + 3601) * G_USEC_PER_SEC);
  wabiz_campaign_runner_wake (f->runner);
  wait_for_sql (f, "SELECT state = 'done' FROM campaigns", 60);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 60);
  /* 10 leads: one opted out, one without an order number */
  g_assert_cmpuint (ledger_length (f), ==, 8);
}

/* The 250 tier: 600 recipients go over three simulated days */
static void
test_tier (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GHashTable) phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDateTime) t0 = g_date_time_new_utc (2030, 6, 1, 8, 0, 0);
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) campaign = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *id = NULL;
  gint64 start = g_date_time_to_unix (t0) * G_USEC_PER_SEC;

  seed_leads (f, 600);
  /* everyone may get it */
  res = sql (f, "UPDATE leads SET opted_out_at = NULL, custom_fields = '{\"order\": \"#1\"}'", 0, NULL);
  set_settings (f, "{\"tier\": \"250\"}");
  _wabiz_campaign_set_now (start);

  p = preview (f, "{\"name\": \"Big\", \"segment\": {}, \"rate\": 1000, " ORDER_READY_JSON "}", NULL);
  g_assert_cmpint (json_object_get_int_member (p, "recipients"), ==, 600);
  g_assert_cmpint (json_object_get_int_member (p, "days"), ==, 3);
  id = create (f, "{\"name\": \"Big\", \"segment\": {}, \"rate\": 1000, " ORDER_READY_JSON "}");
  wabiz_outbox_start (f->outbox);
  wabiz_campaign_runner_start (f->runner);

  for (guint day = 1; day <= 3; day++)
    {
      gint64 expected = MIN (600, 250 * day);
      g_autofree char *done = g_strdup_printf ("SELECT count(*) = %" G_GINT64_FORMAT
                                               " FROM campaign_recipients WHERE state = 'queued'", expected);

      wait_for_sql (f, done, 60);
      wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 60);
      /* the day's share and no more, however often it looks */
      wait_rounds (f->runner, 3);
      g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'queued'"), ==, expected);
      g_assert_cmpuint (ledger_length (f), ==, expected);
      if (day < 3)
        {
          g_clear_pointer (&campaign, json_object_unref);
          campaign = get (f, id, 0);
          g_assert_cmpstr (json_object_get_string_member (campaign, "state"), ==, "running");
          g_assert_cmpint (json_object_get_int_member (campaign, "expected_seconds_left"), >, 3600);
        }
      /* a day (and a second) later */
      _wabiz_campaign_set_now (start + (gint64) day * (86400 + 1) * G_USEC_PER_SEC);
      wabiz_campaign_runner_wake (f->runner);
    }
  wait_for_sql (f, "SELECT state = 'done' FROM campaigns", 60);
  g_assert_cmpuint (ledger_unique (f, phones), ==, 600);
  /* the tier counted on the campaigns' clock: three days of sends */
  g_assert_cmpint (sql_int (f, "SELECT count(DISTINCT date_trunc('day', tier_at)) FROM campaign_recipients"), ==, 3);
}

/* Two runners on one database (a desktop and wabizd) with the 250 tier:
 * their rounds take turns, so that together they claim the day's 250
 * and no more. Both first rounds wait here for their turn at once. */
static void
test_tier_two_runners (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GDateTime) t0 = g_date_time_new_utc (2030, 6, 1, 8, 0, 0);
  g_autoptr(WabizCampaignRunner) other = wabiz_campaign_runner_new (f->db, f->outbox);
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  WabizTestPgLock *turn;

  seed_leads (f, 300);
  /* everyone may get it */
  res = sql (f, "UPDATE leads SET opted_out_at = NULL, custom_fields = '{\"order\": \"#1\"}'", 0, NULL);
  set_settings (f, "{\"tier\": \"250\"}");
  _wabiz_campaign_set_now (g_date_time_to_unix (t0) * G_USEC_PER_SEC);
  id = create (f, "{\"name\": \"Big\", \"segment\": {}, \"rate\": 1000, " ORDER_READY_JSON "}");

  turn = wabiz_test_pg_lock (f->conninfo, "wabiz-campaign-round");
  wabiz_outbox_start (f->outbox);
  wabiz_campaign_runner_start (f->runner);
  wabiz_campaign_runner_start (other);
  WABIZ_TEST_WAIT (wabiz_test_pg_n_waiting_for_lock (f->conninfo) == 2, 60);
  wabiz_test_pg_unlock (turn);

  wait_for_sql (f, "SELECT count(*) = 250 FROM campaign_recipients WHERE state = 'queued'", 60);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 60);
  /* the day's share and no more, however often either looks */
  wait_rounds (f->runner, 2);
  wait_rounds (other, 2);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients"
                               " WHERE state IN ('queuing', 'queued')"),
                   ==, 250);
  g_assert_cmpuint (ledger_length (f), ==, 250);

  wabiz_campaign_runner_stop_async (other, NULL, wabiz_test_store_result_cb, &stopped);
  wabiz_test_wait_result (&stopped, 60);
  g_assert_true (wabiz_campaign_runner_stop_finish (other, stopped, &error));
  g_assert_no_error (error);
}

/* The link refuses a second bulk message of a campaign's template to a
 * number that got it within the hour; other messages go */
static void
test_link_refuses_duplicate (Fixture       *f,
                             gconstpointer  data)
{
  static const char * const params[] = { "Ana", "#1", NULL };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizOutgoing) again = wabiz_outgoing_new_template ("16315550001", "order_ready", "en_US", params);
  g_autoptr(WabizOutgoing) manual = wabiz_outgoing_new_template ("16315550001", "order_ready", "en_US", params);
  g_autoptr(GAsyncResult) refused = NULL;
  g_autoptr(GAsyncResult) accepted = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *id = NULL;

  seed_leads (f, 2);
  set_settings (f, "{\"tier\": \"unlimited\"}");
  id = create (f, "{\"name\": \"Orders\", \"segment\": {}, " ORDER_READY_JSON "}");
  wabiz_outbox_start (f->outbox);
  wabiz_campaign_runner_start (f->runner);
  wait_for_sql (f, "SELECT state = 'done' FROM campaigns", 60);

  wabiz_outgoing_set_bulk (again, TRUE);
  wabiz_outbox_queue_async (f->outbox, again, NULL, wabiz_test_store_result_cb, &refused);
  wabiz_test_wait_result (&refused, 30);
  g_assert_null (wabiz_outbox_queue_finish (f->outbox, refused, &error));
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_CONSTRAINT);

  wabiz_outbox_queue_async (f->outbox, manual, NULL, wabiz_test_store_result_cb, &accepted);
  wabiz_test_wait_result (&accepted, 30);
  uuid = wabiz_outbox_queue_finish (f->outbox, accepted, NULL);
  g_assert_nonnull (uuid);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE message_uuid IS NOT NULL"), ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE phone = '16315550001'"), ==, 2);
}

/* ------------------------------------------------------------------ */
/* crash safety */

static int
run_child (const char *conninfo,
           const char *base_url)
{
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 6);
  g_autoptr(WabizGraphClient) graph = NULL;
  g_autoptr(WabizOutbox) outbox = NULL;
  g_autoptr(WabizCampaignRunner) runner = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  graph = wabiz_graph_client_new (base_url, "v19.0", WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID,
                                  WABIZ_SIM_DEFAULT_WABA_ID, WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  outbox = wabiz_outbox_new (db, graph, 200);
  _wabiz_outbox_set_max_in_flight (outbox, 8);
  runner = wabiz_campaign_runner_new (db, outbox);
  wabiz_outbox_start (outbox);
  wabiz_campaign_runner_start (runner);
  g_main_loop_run (loop);   /* until SIGKILL */
  return 0;
}

static gboolean
ledger_reached (gpointer data)
{
  Fixture *f = data;
  g_autoptr(JsonObject) stats = wabiz_sim_server_dup_stats (f->sim);

  return json_object_get_int_member (json_object_get_object_member (stats, "messages"), "accepted") >= 300;
}

/* SIGKILL mid-campaign, then another runner: nobody gets it twice, and
 * everybody gets it once unless their message was in flight at the
 * crash (the outbox's crash rule: unknown, never sent again) */
static void
test_crash (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GHashTable) phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *id = NULL;
  gint64 unknown_unsent = 0;
  guint n;

  seed_leads (f, 2000);
  res = sql (f, "UPDATE leads SET opted_out_at = NULL, custom_fields = '{\"order\": \"#1\"}'", 0, NULL);
  set_settings (f, "{\"tier\": \"unlimited\"}");
  id = create (f, "{\"name\": \"Orders\", \"segment\": {}, \"rate\": 200, " ORDER_READY_JSON "}");

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, exe, "--campaign-child", f->conninfo,
                            wabiz_sim_server_get_base_url (f->sim), NULL);
  g_assert_no_error (error);
  wabiz_test_wait_until (ledger_reached, f, 120);
  g_subprocess_force_exit (child);   /* SIGKILL */
  g_subprocess_wait (child, NULL, NULL);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
  g_test_message ("at the crash: %" G_GINT64_FORMAT " queued, %" G_GINT64_FORMAT " claimed",
                  sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'queued'"),
                  sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'queuing'"));

  /* restart: this process sends and runs the rest */
  _wabiz_campaign_runner_set_claim_timeout (f->runner, 0);
  wabiz_outbox_start (f->outbox);
  wabiz_campaign_runner_start (f->runner);
  wait_for_sql (f, "SELECT state = 'done' FROM campaigns", 240);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 120);

  n = ledger_unique (f, phones);   /* never twice */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'queued'"), ==, 2000);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE direction = 'outbound'"), ==, 2000);
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = sql (f, "SELECT r.phone, m.status FROM campaign_recipients r JOIN messages m ON m.id = r.message_uuid",
             0, NULL);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    if (!g_hash_table_contains (phones, wabiz_db_result_get (res, i, "phone")))
      {
        /* only a message in flight at the crash may be missing */
        g_assert_cmpstr (wabiz_db_result_get (res, i, "status"), ==, "unknown");
        unknown_unsent++;
      }
  g_test_message ("crash: %u sent, %" G_GINT64_FORMAT " in doubt and not sent", n, unknown_unsent);
  g_assert_cmpint (n + unknown_unsent, ==, 2000);
  g_assert_cmpint (unknown_unsent, <=, 256);
}

/* ------------------------------------------------------------------ */
/* opt-outs */

/* What the customer wrote, stored as the processor stores it (with an
 * open window) */
static void
inbound (Fixture    *f,
         const char *phone,
         const char *text)
{
  const char *p[] = { phone, text };
  g_autoptr(WabizDbResult) lead = NULL;
  g_autoptr(WabizDbResult) message = NULL;

  lead = sql (f, "INSERT INTO leads (phone, name, last_inbound_at) VALUES ($1, 'Customer', now())"
                 " ON CONFLICT (phone) DO UPDATE SET last_inbound_at = now()", 1, p);
  message = sql (f, "INSERT INTO messages (phone, message, sender, direction, status, type, \"timestamp\")"
                    " VALUES ($1, $2, 'Customer', 'inbound', 'received', 'text', now())", 2, p);
}

static gboolean
opted_out (Fixture    *f,
           const char *phone)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean out;

  wabiz_opt_out_check_async (f->db, phone, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  out = wabiz_opt_out_check_finish (result, &error);
  g_assert_no_error (error);
  return out;
}

static void
wait_checked (Fixture     *f,
              WabizOptOut *detector)
{
  wabiz_opt_out_wake (detector);
  /* every message of one word: a round takes them in the order they
   * came, so all before the last such one were looked at (or, sentences,
   * passed over, not recorded) */
  wait_for_sql (f, "SELECT count(*) = 0 FROM messages m WHERE direction = 'inbound'"
                   " AND btrim(m.message) !~ '\\s'"
                   " AND NOT EXISTS (SELECT 1 FROM opt_out_checks c WHERE c.message_uuid = m.id)", 30);
}

static void
stop_detector (WabizOptOut *detector)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wabiz_opt_out_stop_async (detector, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_opt_out_stop_finish (detector, result, &error));
  g_assert_no_error (error);
}

static void
test_normalize (void)
{
  static const struct
  {
    const char *text;
    const char *word;
  } cases[] = {
    { "STOP", "stop" },
    { "  Stop!!  ", "stop" },
    { "s.t.o.p", "stop" },
    { "Arrêt", "arret" },
    { "ＳＴＯＰ", "stop" },
    { "¡BAJA!", "baja" },
    { "Parar 🙏", "parar" },
    { "Please  stop\nsending", "please stop sending" },
    { "...", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *word = wabiz_opt_out_normalize (cases[i].text);

      g_assert_cmpstr (word, ==, cases[i].word);
    }
}

/* More messages than one round takes, waiting when the detector starts
 * (the app was closed through a busy day): it works through all of them,
 * each batch from where the last stopped, and the stop word near the end
 * is found. */
static void
test_opt_out_backlog (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(WabizOptOut) detector = wabiz_opt_out_new (f->db, f->outbox);
  g_autoptr(WabizDbResult) filler = NULL;

  filler = sql (f, "INSERT INTO messages (phone, message, sender, direction, status, type, \"timestamp\","
                   "   created_at)"
                   " SELECT '1555200' || lpad(g::text, 4, '0'), 'ok', 'Customer', 'inbound', 'received',"
                   "   'text', now() - interval '2 hours', now() - interval '2 hours' + g * interval '1 second'"
                   " FROM generate_series(1, 1700) g", 0, NULL);
  inbound (f, "15552009999", "STOP");

  wabiz_opt_out_start (detector);
  wait_checked (f, detector);

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM opt_out_checks"), ==, 1701);
  g_assert_true (opted_out (f, "15552009999"));
  g_assert_false (opted_out (f, "15552000001"));
  stop_detector (detector);
}

/* Stop words in several languages opt out, whatever the case, accents,
 * punctuation and space; sentences that only contain one do not; START
 * opts back in; a confirmation goes once, inside the window */
static void
test_opt_out_words (Fixture       *f,
                    gconstpointer  data)
{
  static const char * const stops[][2] = {
    { "15550000001", "STOP" },
    { "15550000002", "  parar. " },
    { "15550000003", "Sair!" },
    { "15550000004", "baja" },
    { "15550000005", "Unsubscribe" },
    { "15550000006", "CANCELAR" },
    { "15550000007", "Arrêt" },
    { "15550000008", "ＳＴＯＰ" },
    { "15550000009", "STOP 🙏" },
    { "15550000010", "¡ Parar !" },
  };
  static const char * const sentences[][2] = {
    { "15550000011", "Please don't stop sending me the offers" },
    { "15550000012", "Can I cancelar my order?" },
    { "15550000013", "stop by tomorrow" },
    { "15550000014", "Hola, quiero darme de baja mañana no" },
  };
  g_autoptr(WabizOptOut) detector = wabiz_opt_out_new (f->db, f->outbox);
  g_autoptr(JsonArray) ledger = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  set_settings (f, "{\"opt_out_reply\": \"You will get no more offers. Send START to get them again.\"}");
  for (guint i = 0; i < G_N_ELEMENTS (stops); i++)
    wabiz_sim_server_set_window (f->sim, stops[i][0], TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (stops); i++)
    inbound (f, stops[i][0], stops[i][1]);
  for (guint i = 0; i < G_N_ELEMENTS (sentences); i++)
    inbound (f, sentences[i][0], sentences[i][1]);
  /* one word after the sentences: once it is looked at, they were passed */
  inbound (f, "15550000015", "Thanks");

  wabiz_outbox_start (f->outbox);
  wabiz_opt_out_start (detector);
  wait_checked (f, detector);
  g_assert_false (opted_out (f, "15550000015"));
  /* a sentence is not one of the words: not even looked at */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM opt_out_checks c JOIN messages m ON m.id = c.message_uuid"
                               " WHERE m.phone IN ('15550000011', '15550000012', '15550000013', '15550000014')"),
                   ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (stops); i++)
    {
      g_test_message ("%s", stops[i][1]);
      g_assert_true (opted_out (f, stops[i][0]));
    }
  for (guint i = 0; i < G_N_ELEMENTS (sentences); i++)
    g_assert_false (opted_out (f, sentences[i][0]));
  g_assert_false (opted_out (f, "15559999999"));   /* nobody */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM opt_out_events WHERE action = 'opt_out'"
                               " AND source = 'message'"), ==, G_N_ELEMENTS (stops));
  /* when: the message's time */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads l JOIN messages m ON m.phone = l.phone"
                               " WHERE l.opted_out_at = m.\"timestamp\""), ==, G_N_ELEMENTS (stops));

  /* each confirmed once, through the outbox */
  wait_for_sql (f, "SELECT count(*) = 10 FROM outbox WHERE state = 'done'", 30);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE direction = 'outbound'"
                               " AND message LIKE 'You will get no more offers%'"), ==, G_N_ELEMENTS (stops));

  /* STOP again changes nothing and is not confirmed again; START opts
   * back in; a configured word opts out */
  inbound (f, "15550000001", "stop");
  inbound (f, "15550000002", "Start");
  set_settings (f, "{\"stop_words\": [\"STOP\", \"BASTA\", \"No more\"], \"opt_out_reply\": null}");
  inbound (f, "15550000014", "no  MORE!");   /* a stop word of two words */
  inbound (f, "15550000013", "no more please");
  inbound (f, "15550000011", "Basta!");
  inbound (f, "15550000012", "PARAR");   /* no longer a stop word */
  wait_checked (f, detector);
  g_assert_true (opted_out (f, "15550000001"));
  g_assert_false (opted_out (f, "15550000002"));
  g_assert_true (opted_out (f, "15550000011"));
  g_assert_false (opted_out (f, "15550000012"));
  g_assert_true (opted_out (f, "15550000014"));
  g_assert_false (opted_out (f, "15550000013"));
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM opt_out_events WHERE action = 'opt_in'"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads WHERE phone = '15550000002'"
                               " AND opted_in_at IS NOT NULL"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE direction = 'outbound'"), ==, G_N_ELEMENTS (stops));

  /* by hand */
  wabiz_opt_out_set_async (f->db, "+1 555 000 0013", TRUE, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_opt_out_set_finish (result, &error));
  g_assert_no_error (error);
  g_assert_true (opted_out (f, "15550000013"));
  g_clear_object (&result);
  wabiz_opt_out_set_async (f->db, "15550000013", FALSE, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_opt_out_set_finish (result, &error));
  g_assert_false (opted_out (f, "15550000013"));
  g_clear_object (&result);
  wabiz_opt_out_set_async (f->db, "15559999999", TRUE, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_false (wabiz_opt_out_set_finish (result, &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);
  wabiz_opt_out_set_async (f->db, "not a number", TRUE, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_false (wabiz_opt_out_set_finish (result, &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE);

  stop_detector (detector);
}

/* A lead who opts out while a campaign runs gets nothing more of it */
static void
test_opt_out_campaign (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *id = NULL;

  seed_leads (f, 50);
  res = sql (f, "UPDATE leads SET opted_out_at = NULL, custom_fields = '{\"order\": \"#1\"}'", 0, NULL);
  set_settings (f, "{\"tier\": \"unlimited\"}");
  id = create (f, "{\"name\": \"Orders\", \"segment\": {}, \"rate\": 1000, " ORDER_READY_JSON "}");
  /* after it was created, before it runs */
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = sql (f, "UPDATE leads SET opted_out_at = now() WHERE phone IN ('16315550020', '16315550021')", 0, NULL);
  wabiz_outbox_start (f->outbox);
  wabiz_campaign_runner_start (f->runner);
  wait_for_sql (f, "SELECT state = 'done' FROM campaigns", 60);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 60);
  g_assert_cmpuint (ledger_length (f), ==, 48);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaign_recipients WHERE state = 'excluded'"
                               " AND reason = 'opted_out'"), ==, 2);
}

/* ------------------------------------------------------------------ */
/* scheduled messages */

static char *
schedule (Fixture            *f,
          const char         *phone,
          const char         *text,
          const char         *template_name,
          const char * const *params,
          const char         *when,
          const char         *timezone,
          GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_scheduled_message_create_async (f->db, phone, text, template_name, template_name ? "en_US" : NULL,
                                        params, when, timezone, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  return wabiz_scheduled_message_create_finish (result, error);
}

static char *
schedule_ok (Fixture            *f,
             const char         *phone,
             const char         *text,
             const char         *template_name,
             const char * const *params,
             const char         *when)
{
  g_autoptr(GError) error = NULL;
  char *id = schedule (f, phone, text, template_name, params, when, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (id));
  return id;
}

static char *
scheduled_state (Fixture    *f,
                 const char *id)
{
  const char *p[] = { id };
  g_autoptr(WabizDbResult) res = sql (f, "SELECT state || ' ' || to_char(send_at AT TIME ZONE 'UTC',"
                                         " 'YYYY-MM-DD HH24:MI') FROM scheduled_messages WHERE id = $1::uuid", 1, p);

  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static void
stop_scheduler (WabizScheduler *scheduler)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wabiz_scheduler_stop_async (scheduler, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_scheduler_stop_finish (scheduler, result, &error));
  g_assert_no_error (error);
}

static void
set_now (const char *iso)
{
  g_autoptr(GDateTime) at = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (at);
  _wabiz_campaign_set_now (g_date_time_to_unix (at) * G_USEC_PER_SEC);
}

/* At 9:00 in the customer's timezone (the lead's, else the business's,
 * or an explicit offset); cancellable; kept across a restart */
static void
test_scheduled (Fixture       *f,
                gconstpointer  data)
{
  static const char * const params[] = { "Ana", "#7", NULL };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizScheduler) scheduler = NULL;
  g_autoptr(WabizScheduler) restarted = NULL;
  g_autoptr(GAsyncResult) cancelled = NULL;
  g_autoptr(GAsyncResult) unknown = NULL;
  g_autoptr(GAsyncResult) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) list = NULL;
  g_autofree char *ny = NULL, *lisbon = NULL, *offset = NULL, *dropped = NULL;
  g_autofree char *state = NULL;

  set_settings (f, "{\"timezone\": \"Europe/Lisbon\"}");
  res = sql (f, "INSERT INTO leads (phone, name, timezone, last_inbound_at) VALUES"
                " ('15557770001', 'Ana', 'America/New_York', NULL),"
                " ('15557770002', 'Bo', NULL, now())", 0, NULL);
  wabiz_sim_server_set_window (f->sim, "15557770002", TRUE);
  set_now ("2030-01-14T12:00:00Z");

  ny = schedule_ok (f, "15557770001", NULL, "order_ready", params, "2030-01-15T09:00");
  lisbon = schedule_ok (f, "+1 555 777 0002", "See you tomorrow at the shop", NULL, NULL, "2030-01-15T09:00");
  offset = schedule_ok (f, "15557770003", NULL, "order_ready", params, "2030-01-15T10:00:00+02:00");
  dropped = schedule_ok (f, "15557770001", NULL, "order_ready", params, "2030-01-15T15:00");
  g_free (state), state = scheduled_state (f, ny);
  g_assert_cmpstr (state, ==, "scheduled 2030-01-15 14:00");
  g_free (state), state = scheduled_state (f, lisbon);
  g_assert_cmpstr (state, ==, "scheduled 2030-01-15 09:00");
  g_free (state), state = scheduled_state (f, offset);
  g_assert_cmpstr (state, ==, "scheduled 2030-01-15 08:00");

  /* what cannot be scheduled */
  {
    static const struct
    {
      const char *phone;
      const char *text;
      const char *when;
      const char *timezone;
      int         code;
    } bad[] = {
      { "15557770001", "Hi", "tomorrow at nine", NULL, WABIZ_ERROR_INVALID_INPUT },
      { "15557770001", "Hi", "2030-01-01T09:00", NULL, WABIZ_ERROR_INVALID_INPUT },
      { "15557770001", "Hi", "2030-01-15T09:00", "Mars/Olympus", WABIZ_ERROR_INVALID_INPUT },
      { "15557770001", NULL, "2030-01-15T09:00", NULL, WABIZ_ERROR_INVALID_INPUT },
      { "123", "Hi", "2030-01-15T09:00", NULL, WABIZ_ERROR_INVALID_PHONE },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) e = NULL;
        g_autofree char *id = schedule (f, bad[i].phone, bad[i].text, NULL, NULL, bad[i].when, bad[i].timezone, &e);

        g_assert_null (id);
        g_assert_error (e, WABIZ_ERROR, bad[i].code);
      }
    g_assert_cmpint (sql_int (f, "SELECT count(*) FROM scheduled_messages"), ==, 4);
  }

  wabiz_scheduled_message_cancel_async (f->db, dropped, NULL, wabiz_test_store_result_cb, &cancelled);
  wabiz_test_wait_result (&cancelled, 30);
  g_assert_true (wabiz_scheduled_message_cancel_finish (cancelled, &error));
  g_assert_no_error (error);
  wabiz_scheduled_message_cancel_async (f->db, "00000000-0000-4000-8000-000000000000", NULL,
                                        wabiz_test_store_result_cb, &unknown);
  wabiz_test_wait_result (&unknown, 30);
  g_assert_false (wabiz_scheduled_message_cancel_finish (unknown, &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* 08:30 UTC: only the one due at 08:00 */
  wabiz_outbox_start (f->outbox);
  scheduler = wabiz_scheduler_new (f->db, f->outbox);
  set_now ("2030-01-15T08:30:00Z");
  wabiz_scheduler_start (scheduler);
  wait_for_sql (f, "SELECT count(*) = 1 FROM scheduled_messages WHERE state = 'queued'", 30);
  g_free (state), state = scheduled_state (f, offset);
  g_assert_cmpstr (state, ==, "queued 2030-01-15 08:00");
  g_free (state), state = scheduled_state (f, lisbon);
  g_assert_cmpstr (state, ==, "scheduled 2030-01-15 09:00");

  /* a restart: another scheduler takes what is left at its time */
  stop_scheduler (scheduler);
  restarted = wabiz_scheduler_new (f->db, f->outbox);
  set_now ("2030-01-15T09:30:00Z");
  wabiz_scheduler_start (restarted);
  wait_for_sql (f, "SELECT count(*) = 2 FROM scheduled_messages WHERE state = 'queued'", 30);
  g_free (state), state = scheduled_state (f, ny);
  g_assert_cmpstr (state, ==, "scheduled 2030-01-15 14:00");
  set_now ("2030-01-15T16:00:00Z");
  wabiz_scheduler_wake (restarted);
  wait_for_sql (f, "SELECT count(*) = 3 FROM scheduled_messages WHERE state = 'queued'", 30);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 30);
  g_free (state), state = scheduled_state (f, dropped);
  g_assert_cmpstr (state, ==, "cancelled 2030-01-15 20:00");

  /* each linked to its message, sent once; the cancelled one never */
  g_assert_cmpuint (ledger_length (f), ==, 3);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM scheduled_messages s JOIN messages m ON m.id = s.message_uuid"
                               " WHERE m.status IN ('sent', 'accepted')"), ==, 3);
  wabiz_scheduled_message_list_async (f->db, "15557770001", NULL, wabiz_test_store_result_cb, &listed);
  wabiz_test_wait_result (&listed, 30);
  list = wabiz_scheduled_message_list_finish (listed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "timezone"), ==,
                   "America/New_York");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (list, 0), "message_id"),
                                   "wamid."));
  stop_scheduler (restarted);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && g_str_equal (argv[1], "--campaign-child"))
    return run_child (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  g_test_add ("/campaigns/preview", Fixture, NULL, fixture_setup, test_preview, fixture_teardown);
  g_test_add ("/campaigns/errors", Fixture, NULL, fixture_setup, test_errors, fixture_teardown);
  g_test_add ("/campaigns/big", Fixture, NULL, fixture_setup, test_big, fixture_teardown);
  g_test_add ("/campaigns/pause-resume", Fixture, NULL, fixture_setup, test_pause_resume, fixture_teardown);
  g_test_add ("/campaigns/cancel", Fixture, NULL, fixture_setup, test_cancel, fixture_teardown);
  g_test_add ("/campaigns/start-at", Fixture, NULL, fixture_setup, test_start_at, fixture_teardown);
  g_test_add ("/campaigns/tier", Fixture, NULL, fixture_setup, test_tier, fixture_teardown);
  g_test_add ("/campaigns/tier-two-runners", Fixture, NULL, fixture_setup, test_tier_two_runners,
              fixture_teardown);
  g_test_add ("/campaigns/crash", Fixture, NULL, fixture_setup, test_crash, fixture_teardown);
  g_test_add ("/campaigns/link-refuses-duplicate", Fixture, NULL, fixture_setup, test_link_refuses_duplicate,
              fixture_teardown);
  g_test_add ("/campaigns/opt-out/campaign", Fixture, NULL, fixture_setup, test_opt_out_campaign, fixture_teardown);
  g_test_add_func ("/opt-out/normalize", test_normalize);
  g_test_add ("/opt-out/words", Fixture, NULL, fixture_setup, test_opt_out_words, fixture_teardown);
  g_test_add ("/opt-out/backlog", Fixture, NULL, fixture_setup, test_opt_out_backlog, fixture_teardown);
  g_test_add ("/scheduled/send-at", Fixture, NULL, fixture_setup, test_scheduled, fixture_teardown);

  return g_test_run ();
}
