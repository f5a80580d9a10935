/* test-services.c: the services both shells run, wired once, against a
 * real PostgreSQL and the simulator
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "wabiz-services.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"

#define CUSTOMER "5511987654321"
#define CUSTOMER_NAME "João Pereira"

typedef struct
{
  char           *conninfo;
  WabizSimServer *sim;
  WabizServices  *services;
  GPtrArray      *states; /* every state the services went through */
} Fixture;

static void
state_cb (WabizServices *services,
          GParamSpec    *pspec,
          Fixture       *f)
{
  g_ptr_array_add (f->states, g_enum_to_string (WABIZ_TYPE_SERVICES_STATE,
                                                           wabiz_services_get_state (services)));
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
  config->verify_token = g_strdup ("services-verify-token");
  config->host = g_strdup ("127.0.0.1");
  config->port = 0;
  config->send_rate = 50;
  return config;
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->conninfo = wabiz_test_pg_new_database ();
  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
  f->states = g_ptr_array_new_with_free_func (g_free);
}

static void
stop (Fixture *f)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  if (f->services == NULL)
    return;
  wabiz_services_stop_async (f->services, 30, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_true (wabiz_services_stop_finish (f->services, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_services_get_state (f->services), ==, WABIZ_SERVICES_STATE_STOPPED);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  stop (f);
  g_clear_object (&f->services);
  wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  g_clear_pointer (&f->states, g_ptr_array_unref);
  g_free (f->conninfo);
}

static gboolean
start (Fixture           *f,
       WabizConfig       *config,
       WabizServicesFlags flags,
       GError           **error)
{
  g_autoptr (WabizConfig) owned = config;
  g_autoptr (GAsyncResult) result = NULL;

  f->services = wabiz_services_new (owned, flags);
  g_signal_connect (f->services, "notify::state", G_CALLBACK (state_cb), f);
  wabiz_services_start_async (f->services, NULL, wabiz_test_store_result_cb, &result);
  /* nothing blocked: the call returned before the database was opened */
  g_assert_null (result);
  g_assert_cmpint (wabiz_services_get_state (f->services), ==, WABIZ_SERVICES_STATE_STARTING);
  wabiz_test_wait_result (&result, 60);
  return wabiz_services_start_finish (f->services, result, error);
}

static WabizDbResult *
sql (Fixture           *f,
     const char        *query,
     int                n_params,
     const char *const *params)
{
  g_autoptr (GError) error = NULL;
  WabizDbResult *res = wabiz_db_query_sync (wabiz_services_get_db (f->services), query, n_params, params,
                                            NULL, &error);

  g_assert_no_error (error);
  return res;
}

static gboolean
holds (Fixture    *f,
       const char *query)
{
  g_autoptr (WabizDbResult) res = sql (f, query, 0, NULL);

  return g_strcmp0 (wabiz_db_result_get_nth (res, 0, 0), "t") == 0;
}

/* Every service runs: a customer's message comes in through the signed
 * webhook and becomes rows, a queued reply reaches Meta; then the stop
 * drains in order. */
static void
test_round_trip (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) spec = json_object_new ();
  g_autoptr (JsonObject) inbound = NULL;
  g_autoptr (WabizOutgoing) reply = NULL;
  g_autoptr (GAsyncResult) queued = NULL;
  g_autoptr (JsonArray) ledger = NULL;
  g_autofree char *url = NULL;
  g_autofree char *webhook_url = NULL;
  g_autofree char *uuid = NULL;

  g_assert_true (start (f, sim_config (f), WABIZ_SERVICES_SEND | WABIZ_SERVICES_PROCESS | WABIZ_SERVICES_LISTEN | WABIZ_SERVICES_NOTIFY,
                        &error));
  g_assert_no_error (error);
  g_assert_cmpint (wabiz_services_get_state (f->services), ==, WABIZ_SERVICES_STATE_READY);
  g_assert_null (wabiz_services_get_error (f->services));
  g_assert_null (wabiz_services_get_listen_error (f->services));
  g_assert_nonnull (wabiz_services_get_graph (f->services));
  g_assert_nonnull (wabiz_services_get_outbox (f->services));
  g_assert_nonnull (wabiz_services_get_processor (f->services));
  g_assert_nonnull (wabiz_services_get_listener (f->services));
  g_assert_true (wabiz_outbox_get_is_sender (wabiz_services_get_outbox (f->services)) || TRUE); /* the lock is taken asynchronously; the send below proves it */

  url = wabiz_http_server_dup_url (wabiz_services_get_http (f->services));
  webhook_url = g_strconcat (url, "/webhook", NULL);
  g_object_set (f->sim, "webhook-url", webhook_url, NULL);

  json_object_set_string_member (spec, "from", CUSTOMER);
  json_object_set_string_member (spec, "name", CUSTOMER_NAME);
  json_object_set_string_member (spec, "type", "text");
  {
    JsonObject *text = json_object_new ();

    json_object_set_string_member (text, "body", "Olá! Vocês entregam em São Paulo? 🙏");
    json_object_set_object_member (spec, "text", text);
  }
  inbound = wabiz_sim_server_inject_inbound (f->sim, spec, &error);
  g_assert_no_error (error);
  WABIZ_TEST_WAIT (holds (f, "SELECT EXISTS (SELECT 1 FROM messages m JOIN leads l ON l.phone = m.phone"
                             " WHERE m.phone = '" CUSTOMER "' AND l.name = '" CUSTOMER_NAME "'"
                             " AND m.message = 'Olá! Vocês entregam em São Paulo? 🙏')"),
                   60);

  reply = wabiz_outgoing_new_text (CUSTOMER, "Sim, amanhã às 10h — obrigado! 👍🏽");
  wabiz_outbox_queue_async (wabiz_services_get_outbox (f->services), reply, NULL,
                            wabiz_test_store_result_cb, &queued);
  wabiz_test_wait_result (&queued, 60);
  uuid = wabiz_outbox_queue_finish (wabiz_services_get_outbox (f->services), queued, &error);
  g_assert_no_error (error);
  WABIZ_TEST_WAIT (holds (f, "SELECT EXISTS (SELECT 1 FROM messages WHERE direction = 'outbound'"
                             " AND status IN ('sent', 'delivered', 'read'))"),
                   60);
  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (
                           json_object_get_object_member (json_array_get_object_element (ledger, 0), "body"),
                           "text"),
                       "body"),
                   ==, "Sim, amanhã às 10h — obrigado! 👍🏽");

  stop (f);
  /* the order of states, and nothing left behind */
  g_assert_cmpuint (f->states->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (f->states, 0), ==, "WABIZ_SERVICES_STATE_STARTING");
  g_assert_cmpstr (g_ptr_array_index (f->states, 1), ==, "WABIZ_SERVICES_STATE_READY");
  g_assert_cmpstr (g_ptr_array_index (f->states, 2), ==, "WABIZ_SERVICES_STATE_STOPPING");
  g_assert_cmpstr (g_ptr_array_index (f->states, 3), ==, "WABIZ_SERVICES_STATE_STOPPED");
  g_assert_null (wabiz_services_get_db (f->services));
  g_assert_null (wabiz_services_get_http (f->services));
  g_assert_null (wabiz_services_get_outbox (f->services));
}

/* An event another receiver stored (the Supabase relay, wabizd) wakes the
 * processor through the database's NOTIFY: with its poll turned off, the
 * event could be processed in no other way. */
static void
test_woken_by_notify (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "meta-webhooks", "text.json", NULL);
  g_autofree char *body = NULL;
  g_autoptr (WabizDbResult) stored = NULL;

  g_assert_true (start (f, sim_config (f), WABIZ_SERVICES_PROCESS | WABIZ_SERVICES_NOTIFY, &error));
  g_assert_no_error (error);
  g_assert_null (wabiz_services_get_http (f->services));
  wabiz_webhook_processor_set_poll_interval (wabiz_services_get_processor (f->services), 0);
  WABIZ_TEST_WAIT (wabiz_db_listener_get_connected (wabiz_services_get_listener (f->services)), 60);

  g_assert_true (g_file_get_contents (path, &body, NULL, NULL));
  stored = sql (f, "WITH e AS (INSERT INTO webhook_events (body) VALUES ($1::jsonb) RETURNING id)"
                   " SELECT pg_notify('wabiz', json_build_object('t', 'webhook_events', 'id', id::text)::text)"
                   " FROM e",
                1, (const char *[]){ body });
  WABIZ_TEST_WAIT (holds (f, "SELECT EXISTS (SELECT 1 FROM webhook_events WHERE processed_at IS NOT NULL)"), 60);
  WABIZ_TEST_WAIT (holds (f, "SELECT EXISTS (SELECT 1 FROM messages WHERE phone = '16315551234')"), 60);
}

/* Without an access token (a new or locked keyring) the database still
 * opens and messages can be queued; they stay queued. */
static void
test_no_token (Fixture      *f,
               gconstpointer data)
{
  WabizConfig *config = sim_config (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (WabizOutgoing) message = NULL;
  g_autoptr (GAsyncResult) queued = NULL;
  g_autofree char *uuid = NULL;
  g_autoptr (WabizDbResult) row = NULL;

  g_clear_pointer (&config->access_token, g_free);
  g_assert_true (start (f, config, WABIZ_SERVICES_SEND | WABIZ_SERVICES_PROCESS, &error));
  g_assert_no_error (error);
  g_assert_null (wabiz_services_get_graph (f->services));
  g_assert_nonnull (wabiz_services_get_outbox (f->services));

  message = wabiz_outgoing_new_template (CUSTOMER, "hello_world", "en_US", NULL);
  wabiz_outbox_queue_async (wabiz_services_get_outbox (f->services), message, NULL,
                            wabiz_test_store_result_cb, &queued);
  wabiz_test_wait_result (&queued, 60);
  uuid = wabiz_outbox_queue_finish (wabiz_services_get_outbox (f->services), queued, &error);
  g_assert_no_error (error);
  row = sql (f, "SELECT status FROM messages WHERE id = $1::uuid", 1, (const char *[]){ uuid });
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "queued");
  g_assert_false (wabiz_outbox_get_is_sender (wabiz_services_get_outbox (f->services)));
}

/* A database that cannot be reached: FAILED, with a message that says
 * what to check, and nothing else started. */
static void
test_unreachable (Fixture      *f,
                  gconstpointer data)
{
  WabizConfig *config = sim_config (f);
  g_autoptr (GError) error = NULL;
  guint16 port;
  g_autoptr (GSocket) closed = wabiz_test_closed_port (&port);

  g_free (config->database_url);
  config->database_url = g_strdup_printf ("host=127.0.0.1 port=%u dbname=nowhere connect_timeout=5", port);
  g_assert_false (start (f, config, WABIZ_SERVICES_SEND | WABIZ_SERVICES_LISTEN, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (wabiz_services_get_state (f->services), ==, WABIZ_SERVICES_STATE_FAILED);
  g_assert_nonnull (wabiz_services_get_error (f->services));
  g_assert_null (wabiz_services_get_http (f->services));
  g_assert_null (wabiz_services_get_outbox (f->services));
  g_test_message ("%s", wabiz_services_get_error (f->services));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/wabiz/services/round-trip", Fixture, NULL, fixture_setup, test_round_trip, fixture_teardown);
  g_test_add ("/wabiz/services/woken-by-notify", Fixture, NULL, fixture_setup, test_woken_by_notify,
              fixture_teardown);
  g_test_add ("/wabiz/services/no-token", Fixture, NULL, fixture_setup, test_no_token, fixture_teardown);
  g_test_add ("/wabiz/services/unreachable", Fixture, NULL, fixture_setup, test_unreachable, fixture_teardown);

  return g_test_run ();
}
