/* test-rest.c: the old service's REST API, against real PostgreSQL and
 * the simulator (wabiz-sim, in-process) as Meta's Graph API
 *
 * SPDX-License-Identifier: MIT
 *
 * The requests are the old service's README examples; the answers must
 * carry the old service's fields. What a send call stores (messages,
 * outbox) and what reaches Meta (the simulator's ledger) must be exactly
 * what was asked, non-ASCII text and parameter order included. Bad input
 * must get its documented status and write nothing; a send Meta refuses
 * is kept, failed, with Meta's code.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wabiz-campaign-runner.h"
#include "wabiz-db.h"
#include "wabiz-graph-client.h"
#include "wabiz-http-server.h"
#include "wabiz-migrations.h"
#include "wabiz-outbox.h"
#include "wabiz-rest-api.h"
#include "wabiz-sim-gemini.h"
#include "wabiz-sim-server.h"
#include "wabiz-template-rules.h"
#include "wabiz-test-pg.h"
#include "wabiz-webhook.h"
#include "wabiz-webhook-parser.h"
#include "wabiz-webhook-processor.h"

#define API_KEY "test-rest-api-key"
#define APP_SECRET "wabiz-test-app-secret"
#define PHONE_NUMBER_ID WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID
#define WABA_ID WABIZ_SIM_DEFAULT_WABA_ID
#define GRAPH_VERSION "v21.0"
#define CUSTOMER "1234567890"
#define UNREACHABLE "4915123456789"
#define STRANGER "447700900999"      /* never wrote */

/* what a customer is sent: Portuguese, an emoji, Russian, Arabic, Chinese */
#define TEXT_UTF8 "Olá, João! 🎉 Ваш заказ готов — طلبك جاهز، شكراً 你好"

typedef struct
{
  WabizDb               *db;
  WabizSimServer        *sim;         /* Meta */
  WabizGraphClient      *graph;
  WabizOutbox           *outbox;
  WabizRestApi          *rest;
  WabizWebhook          *webhook;
  WabizWebhookProcessor *processor;
  WabizHttpServer       *http;
  SoupSession           *session;
  char                  *url;
} Fixture;

/* ------------------------------------------------------------------ */
/* helpers */

static WabizDbResult *
sql (Fixture            *f,
     const char         *query,
     int                 n_params,
     const char * const *params)
{
  g_autoptr(GError) error = NULL;
  WabizDbResult *res = wabiz_db_query_sync (f->db, query, n_params, params, NULL, &error);

  g_assert_no_error (error);
  return res;
}

static gint64
sql_int (Fixture    *f,
         const char *query)
{
  g_autoptr(WabizDbResult) res = sql (f, query, 0, NULL);

  return g_ascii_strtoll (wabiz_db_result_get_nth (res, 0, 0), NULL, 10);
}

/* Everything a call could write, as one comparable text. */
static char *
written (Fixture *f)
{
  g_autoptr(WabizDbResult) res = sql (f,
    "SELECT (SELECT count(*) FROM messages) || '/' || (SELECT count(*) FROM outbox) || '/' ||"
    " (SELECT count(*) FROM templates) || '/' || (SELECT count(*) FROM leads) || '/' ||"
    " (SELECT coalesce(string_agg(md5(l::text), ',' ORDER BY phone), '') FROM leads l)", 0, NULL);

  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

typedef struct
{
  guint               status;
  JsonNode           *body;       /* (owned) (nullable) */
  char               *text;
  SoupMessageHeaders *headers;    /* (owned) of the answer */
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->body, json_node_unref);
  g_clear_pointer (&reply->text, g_free);
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

/* @key: NULL sends no Authorization header */
static void
call (Fixture    *f,
      const char *method,
      const char *path,
      const char *key,
      const char *content_type,
      const char *body,
      Reply      *reply)
{
  g_autofree char *uri = g_strconcat (f->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_nonnull (msg);
  if (key != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", key, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, content_type, request);
    }

  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  bytes = soup_session_send_and_read_finish (f->session, result, NULL);

  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  reply->text = g_strndup (bytes != NULL ? g_bytes_get_data (bytes, NULL) : "",
                           bytes != NULL ? g_bytes_get_size (bytes) : 0);
  if (json_parser_load_from_data (parser, reply->text, -1, NULL) && json_parser_get_root (parser) != NULL)
    reply->body = json_node_copy (json_parser_get_root (parser));
  g_test_message ("%s %s → %u %.300s", method, path, reply->status, reply->text);
}

static void
post (Fixture    *f,
      const char *path,
      const char *json,
      Reply      *reply)
{
  call (f, "POST", path, API_KEY, "application/json", json, reply);
}

static void
get (Fixture    *f,
     const char *path,
     Reply      *reply)
{
  call (f, "GET", path, API_KEY, NULL, NULL, reply);
}

static JsonObject *
object (Reply *reply)
{
  g_assert_nonnull (reply->body);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->body));
  return json_node_get_object (reply->body);
}

static void
assert_members (Reply       *reply,
                const char **names)
{
  JsonObject *o = object (reply);

  for (guint i = 0; names[i] != NULL; i++)
    if (!json_object_has_member (o, names[i]))
      g_error ("the answer has no “%s”: %s", names[i], reply->text);
}

static void
assert_error (Reply      *reply,
              guint       status,
              const char *code)
{
  JsonObject *o;
  JsonObject *error;

  g_assert_cmpuint (reply->status, ==, status);
  o = object (reply);
  /* {"success": false, "error": {"code", "message"}} and nothing else */
  g_assert_cmpuint (json_object_get_size (o), ==, 2);
  g_assert_false (json_object_get_boolean_member (o, "success"));
  error = json_object_get_object_member (o, "error");
  g_assert_nonnull (error);
  g_assert_cmpuint (json_object_get_size (error), ==, 2);
  g_assert_nonnull (json_object_get_string_member (error, "message"));
  g_assert_cmpstr (json_object_get_string_member (error, "message"), !=, "");
  g_assert_nonnull (json_object_get_string_member (error, "code"));
  if (code != NULL)
    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
}

static void
process (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_webhook_processor_run_async (f->processor, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  wabiz_webhook_processor_run_finish (f->processor, result, NULL);
}

static void
sim_config (Fixture    *f,
            const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (node);
  g_assert_true (wabiz_sim_server_update_config (f->sim, json_node_get_object (node), &error));
  g_assert_no_error (error);
}

static gboolean
event_stored (Fixture    *f,
              const char *wamid)
{
  const char *p[] = { wamid };
  g_autoptr(WabizDbResult) res = sql (f, "SELECT count(*) FROM webhook_events WHERE strpos(body, $1) > 0",
                                      1, p);

  return g_ascii_strtoll (wabiz_db_result_get_nth (res, 0, 0), NULL, 10) > 0;
}

/* A customer writes (opens the 24-hour window, for Meta and for WaBiz):
 * the simulator delivers the signed webhook to WaBiz, which stores and
 * processes it. */
static void
customer_writes (Fixture    *f,
                 const char *phone,
                 const char *name)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) spec = NULL;
  g_autoptr(JsonObject) inbound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *wamid = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, phone);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "text");
  json_builder_set_member_name (builder, "text");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, "Hi there");
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  spec = json_builder_get_root (builder);

  inbound = wabiz_sim_server_inject_inbound (f->sim, json_node_get_object (spec), &error);
  g_assert_no_error (error);
  wamid = g_strdup (json_object_get_string_member (inbound, "wamid"));
  WABIZ_TEST_WAIT (event_stored (f, wamid), 60);
  process (f);
}

/* Walks "a.b[2].c" from @root; NULL if any step is missing. */
static JsonNode *
jpath (JsonNode   *root,
       const char *spec)
{
  g_auto(GStrv) steps = g_strsplit (spec, ".", -1);
  JsonNode *node = root;

  for (guint i = 0; steps[i] != NULL && node != NULL; i++)
    {
      char *bracket = strchr (steps[i], '[');
      guint index = 0;

      if (bracket != NULL)
        {
          index = (guint) g_ascii_strtoull (bracket + 1, NULL, 10);
          *bracket = '\0';
        }
      if (*steps[i] != '\0')
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            return NULL;
          node = json_object_get_member (json_node_get_object (node), steps[i]);
        }
      if (node != NULL && bracket != NULL)
        {
          if (!JSON_NODE_HOLDS_ARRAY (node) || index >= json_array_get_length (json_node_get_array (node)))
            return NULL;
          node = json_array_get_element (json_node_get_array (node), index);
        }
    }
  return node;
}

static const char *
jstring (JsonNode   *root,
         const char *spec)
{
  JsonNode *node = jpath (root, spec);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static guint
ledger_length (Fixture *f)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

  return json_array_get_length (ledger);
}

/* The one ledger entry Meta accepted as @wamid, as a node. */
static JsonNode *
ledger_entry (Fixture    *f,
              const char *wamid)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  JsonNode *found = NULL;

  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "wamid", ""), wamid) == 0)
        {
          g_assert_null (found);
          found = json_node_init_object (json_node_alloc (), entry);
        }
    }
  if (found == NULL)
    g_error ("Meta never accepted %s", wamid);
  return found;
}

/* How many ledger entries have @member of their body equal to @value,
 * and of those how many Meta accepted. */
static guint
ledger_count (Fixture    *f,
              const char *member,
              const char *value,
              guint      *n_accepted)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  guint n = 0;

  *n_accepted = 0;
  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      g_autoptr(JsonNode) entry = json_node_init_object (json_node_alloc (),
                                                         json_array_get_object_element (ledger, i));

      if (g_strcmp0 (jstring (entry, member), value) == 0)
        {
          n++;
          if (g_strcmp0 (jstring (entry, "result"), "accepted") == 0)
            (*n_accepted)++;
        }
    }
  return n;
}

/* A call to the simulator's Graph API, as the business. */
static JsonNode *
graph_call (Fixture    *f,
            const char *method,
            const char *path,
            const char *json,
            guint       status)
{
  g_autofree char *uri = g_strconcat (wabiz_sim_server_get_base_url (f->sim), "/" GRAPH_VERSION "/", path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Bearer " WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  if (json != NULL)
    {
      g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", body);
    }
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  bytes = soup_session_send_and_read_finish (f->session, result, &error);
  g_assert_no_error (error);
  g_test_message ("Graph %s %s → %u %.300s", method, path, soup_message_get_status (msg),
                  (const char *) g_bytes_get_data (bytes, NULL));
  g_assert_cmpuint (soup_message_get_status (msg), ==, status);
  node = json_from_string (g_bytes_get_data (bytes, NULL), &error);
  g_assert_no_error (error);
  return node;
}

/* The business has an approved template on Meta (created earlier, in
 * Meta's own interface): created through the Graph API, then approved. */
static void
meta_has_template (Fixture    *f,
                   const char *name,
                   const char *language,
                   const char *body,
                   const char *examples)
{
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) example = json_from_string (examples, NULL);
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "language");
  json_builder_add_string_value (builder, language);
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, "UTILITY");
  json_builder_set_member_name (builder, "components");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "BODY");
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, body);
  json_builder_set_member_name (builder, "example");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "body_text");
  json_builder_begin_array (builder);
  json_builder_add_value (builder, json_node_copy (example));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);

  created = graph_call (f, "POST", WABA_ID "/message_templates", json, 200);
  g_assert_cmpstr (jstring (created, "status"), ==, "PENDING");
  g_assert_true (wabiz_sim_server_set_template_status (f->sim, name, language, "APPROVED", NULL, &error));
  g_assert_no_error (error);
}

/* WaBiz knows the template too (synced from Meta), approved. */
static void
wabiz_has_template (Fixture    *f,
                    const char *name,
                    const char *language,
                    const char *body)
{
  const char *p[] = { name, language, body };

  wabiz_db_result_unref (sql (f, "INSERT INTO templates (name, language, status, body_text, parameter_format)"
                                 " VALUES ($1, $2, 'APPROVED', $3, 'POSITIONAL')", 3, p));
}

/* The messages row of a send and its outbox row. */
static WabizDbResult *
stored (Fixture    *f,
        const char *uuid)
{
  const char *p[] = { uuid };
  g_autoptr(WabizDbResult) res = NULL;

  res = sql (f, "SELECT m.phone, m.message, m.sender, m.direction, m.status, m.type, m.message_id,"
                "  m.media_url, m.media_type, m.caption, m.template_name, m.template_language,"
                "  m.template_params::text AS template_params, m.error_code, m.error_title,"
                "  m.content::text AS content, o.state, o.attempts, o.last_error, o.payload::text AS payload"
                " FROM messages m JOIN outbox o ON o.message_uuid = m.id WHERE m.id = $1::uuid",
             1, p);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  return g_steal_pointer (&res);
}

static JsonNode *
stored_json (WabizDbResult *res,
             const char    *column)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (wabiz_db_result_get (res, 0, column), &error);

  g_assert_no_error (error);
  return node;
}

static void
stopped_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(GError) error = NULL;
  g_autofree char *webhook_url = NULL;
  g_autofree char *config = NULL;

  f->db = wabiz_db_new (conninfo, NULL, 6);
  g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
  g_assert_no_error (error);

  f->sim = g_object_new (WABIZ_TYPE_SIM_SERVER, "app-secret", APP_SECRET, NULL);
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);

  f->graph = wabiz_graph_client_new (wabiz_sim_server_get_base_url (f->sim), GRAPH_VERSION, PHONE_NUMBER_ID,
                                     WABA_ID, WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  f->outbox = wabiz_outbox_new (f->db, f->graph, 1000);
  wabiz_outbox_start (f->outbox);
  f->rest = wabiz_rest_api_new (f->db, f->outbox, f->graph, API_KEY);
  f->webhook = wabiz_webhook_new (f->db, APP_SECRET, "verify");
  f->processor = wabiz_webhook_processor_new (f->db, PHONE_NUMBER_ID);

  f->http = wabiz_http_server_new ("127.0.0.1", 0);
  wabiz_rest_api_attach (f->rest, wabiz_http_server_get_soup_server (f->http));
  wabiz_webhook_attach (f->webhook, wabiz_http_server_get_soup_server (f->http));
  g_assert_true (wabiz_http_server_start (f->http, &error));
  g_assert_no_error (error);
  f->url = wabiz_http_server_dup_url (f->http);
  f->session = soup_session_new ();

  /* Meta delivers its webhooks to WaBiz; templates are reviewed when a
   * test says so */
  webhook_url = g_strconcat (f->url, "/webhook", NULL);
  config = g_strdup_printf ("{\"webhook_url\": \"%s\", \"template_review\": \"manual\"}", webhook_url);
  sim_config (f, config);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean stopped = FALSE;

  wabiz_outbox_stop_async (f->outbox, NULL, stopped_cb, &stopped);
  wabiz_test_wait_for_flag (&stopped, 60);
  wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->session);
  g_clear_object (&f->http);
  g_clear_object (&f->rest);
  g_clear_object (&f->processor);
  g_clear_object (&f->webhook);
  g_clear_object (&f->outbox);
  g_clear_object (&f->graph);
  g_clear_object (&f->sim);
  wabiz_db_close (f->db);
  g_clear_object (&f->db);
  g_clear_pointer (&f->url, g_free);
}

/* ------------------------------------------------------------------ */
/* the old service's examples */

static const char *send_fields[] = { "success", "message_id", "stored_in_supabase", NULL };

static void
assert_sent (Fixture *f,
             Reply   *reply)
{
  JsonObject *o = object (reply);
  const char *wamid;
  const char *params[1];
  g_autoptr(WabizDbResult) res = NULL;

  g_assert_cmpuint (reply->status, ==, 200);
  assert_members (reply, send_fields);
  g_assert_true (json_object_get_boolean_member (o, "success"));
  g_assert_true (json_object_get_boolean_member (o, "stored_in_supabase"));
  wamid = json_object_get_string_member (o, "message_id");
  g_assert_true (g_str_has_prefix (wamid, "wamid."));

  /* stored_in_supabase: the row is committed, with Meta's id */
  params[0] = wamid;
  res = sql (f, "SELECT direction, status FROM messages WHERE message_id = $1", 1, params);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "direction"), ==, "outbound");
}

static void
test_examples (Fixture       *f,
               gconstpointer  data)
{
  g_auto(Reply) r1 = { 0 }, r2 = { 0 }, r3 = { 0 }, r4 = { 0 }, r5 = { 0 }, r6 = { 0 }, r7 = { 0 },
                r8 = { 0 }, r9 = { 0 }, r10 = { 0 }, r4_refused = { 0 };
  const char *recent_fields[] = { "phone", "total_messages", "messages", NULL };
  const char *message_fields[] = { "id", "message", "sender", "direction", "status", "timestamp", NULL };
  const char *conversation_fields[] = { "phone", "customer_name", "status", "total_messages",
                                        "conversation_thread", NULL };
  const char *leads_fields[] = { "total_leads", "leads", NULL };
  const char *template_fields[] = { "success", "template_name", "status", "mode", NULL };

  customer_writes (f, CUSTOMER, "John Doe");

  /* 1. Send Text Message */
  post (f, "/send-message", "{\"phone\": \"" CUSTOMER "\", \"message\": \"Hello! How can we help you today?\"}", &r1);
  assert_sent (f, &r1);
  g_assert_cmpstr (json_object_get_string_member (object (&r1), "status"), ==, "sent");

  /* 2. Send Media */
  post (f, "/send-media", "{\"phone\": \"" CUSTOMER "\", \"media_url\": \"https://example.com/image.jpg\","
                          " \"media_type\": \"image\", \"caption\": \"Check out this image!\"}", &r2);
  assert_sent (f, &r2);
  g_assert_cmpstr (json_object_get_string_member (object (&r2), "media_type"), ==, "image");

  /* 3. Send Template: the business's hello_world in English takes two
   * parameters (unlike Meta's en_US sample) */
  meta_has_template (f, "hello_world", "en", "Hello {{1}} {{2}}, thanks for writing to us", "[\"John\", \"Smith\"]");
  post (f, "/send-template", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"hello_world\","
                             " \"language\": \"en\", \"parameters\": [\"John\", \"Smith\"]}", &r3);
  assert_sent (f, &r3);
  g_assert_cmpstr (json_object_get_string_member (object (&r3), "template_used"), ==, "hello_world");
  {
    g_autoptr(JsonNode) entry = ledger_entry (f, json_object_get_string_member (object (&r3), "message_id"));

    g_assert_cmpstr (jstring (entry, "body.template.name"), ==, "hello_world");
    g_assert_cmpstr (jstring (entry, "body.template.language.code"), ==, "en");
    g_assert_cmpstr (jstring (entry, "body.template.components[0].parameters[0].text"), ==, "John");
    g_assert_cmpstr (jstring (entry, "body.template.components[0].parameters[1].text"), ==, "Smith");
  }

  /* 4. Create Template (Manual Mode). The README's body ends with a
   * variable, which Meta refuses (code 100, subcode 2388299): WaBiz's
   * template rules refuse it first, saying what to change; nothing is
   * kept, nothing reaches Meta */
  post (f, "/template/create", "{\"name\": \"welcome_template\", \"category\": \"UTILITY\", \"language\": \"en\","
                               " \"mode\": \"manual\", \"body_text\": \"Hello {{1}}, welcome to {{2}}!\","
                               " \"footer_text\": \"Powered by AI\"}", &r4_refused);
  assert_error (&r4_refused, 422, "invalid_placeholders");
  g_assert_nonnull (strstr (jstring (r4_refused.body, "error.message"), "cannot end with a placeholder"));
  g_assert_nonnull (strstr (jstring (r4_refused.body, "error.message"), "{{2}}"));
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM templates WHERE name = 'welcome_template'"), ==, 0);
  {
    g_autoptr(JsonNode) listed = graph_call (f, "GET", WABA_ID "/message_templates?name=welcome_template", NULL, 200);

    g_assert_null (jpath (listed, "data[0]"));
  }

  post (f, "/template/create", "{\"name\": \"welcome_template\", \"category\": \"UTILITY\", \"language\": \"en\","
                               " \"mode\": \"manual\", \"body_text\": \"Hello {{1}}, welcome to {{2}}, glad you are here!\","
                               " \"footer_text\": \"Powered by AI\"}", &r4);
  g_assert_cmpuint (r4.status, ==, 200);
  assert_members (&r4, template_fields);
  /* Meta's status for it (the old service said PENDING_REVIEW whatever
   * Meta said) */
  g_assert_cmpstr (json_object_get_string_member (object (&r4), "status"), ==, "PENDING");
  g_assert_cmpstr (json_object_get_string_member (object (&r4), "mode"), ==, "manual");
  {
    /* stored with the id and status Meta gave it; Meta has what was asked */
    const char *p[] = { json_object_get_string_member (object (&r4), "template_id") };
    g_autoptr(WabizDbResult) res = sql (f, "SELECT count(*) FROM templates WHERE name = 'welcome_template'"
                                           " AND body_text = 'Hello {{1}}, welcome to {{2}}, glad you are here!'"
                                           " AND meta_id = $1", 1, p);
    g_autoptr(JsonNode) listed = graph_call (f, "GET", WABA_ID "/message_templates?name=welcome_template", NULL, 200);

    g_assert_cmpint (g_ascii_strtoll (wabiz_db_result_get_nth (res, 0, 0), NULL, 10), ==, 1);
    g_assert_cmpstr (jstring (listed, "data[0].id"), ==, p[0]);
    g_assert_cmpstr (jstring (listed, "data[0].status"), ==, "PENDING");
    g_assert_cmpstr (jstring (listed, "data[0].status"), ==, json_object_get_string_member (object (&r4), "status"));
    g_assert_cmpint (sql_int (f, "SELECT count(*) FROM templates WHERE name = 'welcome_template'"
                                 " AND status = 'PENDING'"), ==, 1);
    g_assert_cmpstr (jstring (listed, "data[0].category"), ==, "UTILITY");
    g_assert_cmpstr (jstring (listed, "data[0].components[0].text"), ==, "Hello {{1}}, welcome to {{2}}, glad you are here!");
    g_assert_cmpstr (jstring (listed, "data[0].components[1].type"), ==, "FOOTER");
    g_assert_cmpstr (jstring (listed, "data[0].components[1].text"), ==, "Powered by AI");
  }

  /* 5. Create Template (AI Mode): Gemini (the simulator's) writes the
   * body from the context, WaBiz checks it, Meta gets it (without a
   * Gemini key it is 503: /wabiz/rest/template-ai-fails) */
  {
    g_autoptr(WabizGeminiClient) gemini = wabiz_gemini_client_new (wabiz_sim_server_get_base_url (f->sim),
                                                                   WABIZ_SIM_DEFAULT_GEMINI_KEY, NULL);

    wabiz_rest_api_set_gemini (f->rest, gemini);
  }
  post (f, "/template/create", "{\"name\": \"ai_generated_template\", \"category\": \"MARKETING\", \"language\": \"en\","
                               " \"mode\": \"ai\", \"context\": \"Product promotion for new smartphone launch\"}", &r5);
  g_assert_cmpuint (r5.status, ==, 200);
  assert_members (&r5, template_fields);
  g_assert_cmpstr (json_object_get_string_member (object (&r5), "mode"), ==, "ai");
  g_assert_cmpuint (strlen (json_object_get_string_member (object (&r5), "generated_body")), >, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM templates WHERE name = 'ai_generated_template'"
                               " AND body_text IS NOT NULL"), ==, 1);

  /* 6. Send Template (Existing Template): once Meta approved it */
  wabiz_db_result_unref (sql (f, "UPDATE templates SET status = 'APPROVED' WHERE name = 'welcome_template'", 0, NULL));
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (wabiz_sim_server_set_template_status (f->sim, "welcome_template", "en", "APPROVED", NULL, &error));
    g_assert_no_error (error);
  }
  post (f, "/template/send", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"welcome_template\","
                             " \"language\": \"en\", \"parameters\": [\"Alice\", \"Bakery\"]}", &r6);
  assert_sent (f, &r6);

  /* 7. Get Recent Messages */
  get (f, "/recent-messages?phone=" CUSTOMER "&limit=20", &r7);
  g_assert_cmpuint (r7.status, ==, 200);
  assert_members (&r7, recent_fields);
  g_assert_cmpint (json_object_get_int_member (object (&r7), "total_messages"), ==, 5);
  {
    JsonArray *messages = json_object_get_array_member (object (&r7), "messages");
    JsonObject *newest = json_array_get_object_element (messages, 0);

    g_assert_cmpuint (json_array_get_length (messages), ==, 5);
    for (guint i = 0; message_fields[i] != NULL; i++)
      g_assert_true (json_object_has_member (newest, message_fields[i]));
    g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$",
                                         json_object_get_string_member (newest, "timestamp"), 0, 0));
    g_assert_cmpstr (json_object_get_string_member (newest, "direction"), ==, "outbound");
  }

  /* 8. Get Conversation */
  get (f, "/get-conversation?phone=" CUSTOMER, &r8);
  g_assert_cmpuint (r8.status, ==, 200);
  assert_members (&r8, conversation_fields);
  g_assert_cmpstr (json_object_get_string_member (object (&r8), "customer_name"), ==, "John Doe");
  g_assert_cmpstr (json_object_get_string_member (object (&r8), "status"), ==, "NEW");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (object (&r8), "conversation_thread"), 0), "direction"), ==, "inbound");

  /* 9. Get All Leads */
  get (f, "/leads?limit=50&offset=0", &r9);
  g_assert_cmpuint (r9.status, ==, 200);
  assert_members (&r9, leads_fields);
  g_assert_cmpint (json_object_get_int_member (object (&r9), "total_leads"), ==, 1);

  /* the phone as "+1 (234) 567-890" finds the same conversation */
  get (f, "/recent-messages?phone=%2B1%20234%20567%20890", &r10);
  g_assert_cmpuint (r10.status, ==, 200);
}

static void
test_additions (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Reply) health = { 0 }, openapi = { 0 }, analytics = { 0 }, export = { 0 }, patch = { 0 },
                patched = { 0 }, missing = { 0 }, bad_status = { 0 }, unknown = { 0 }, failed = { 0 };
  const char *analytics_fields[] = { "total_messages", "by_status", "by_type", "by_direction", NULL };

  customer_writes (f, CUSTOMER, "John Doe");

  get (f, "/health", &health);
  g_assert_cmpuint (health.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (object (&health), "status"), ==, "ok");

  get (f, "/openapi.json", &openapi);
  g_assert_cmpuint (openapi.status, ==, 200);
  {
    JsonObject *paths = json_object_get_object_member (object (&openapi), "paths");
    const char *expected[] = { "/send-message", "/send-media", "/send-template", "/template/create",
                               "/template/send", "/recent-messages", "/get-conversation", "/leads",
                               "/leads/{phone}", "/conversations/{phone}/export", "/analytics", "/analytics/failures", "/health",
                               "/openapi.json", NULL };

    g_assert_true (g_str_has_prefix (json_object_get_string_member (object (&openapi), "openapi"), "3."));
    for (guint i = 0; expected[i] != NULL; i++)
      g_assert_true (json_object_has_member (paths, expected[i]));
  }
  get (f, "/analytics", &analytics);
  g_assert_cmpuint (analytics.status, ==, 200);
  assert_members (&analytics, analytics_fields);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object (&analytics), "by_direction"),
                                               "inbound"), ==, 1);

  get (f, "/conversations/" CUSTOMER "/export", &export);
  g_assert_cmpuint (export.status, ==, 200);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (object (&export), "messages")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object (&export), "lead"), "name"),
                   ==, "John Doe");

  call (f, "PATCH", "/leads/" CUSTOMER, API_KEY, "application/json",
        "{\"name\": \"John Smith\", \"email\": \"john@example.com\", \"status\": \"INTERESTED\","
        " \"notes\": \"Wants oat milk\", \"tags\": [\"vip\", \"coffee\"]}", &patch);
  g_assert_cmpuint (patch.status, ==, 200);
  {
    JsonObject *lead = json_object_get_object_member (object (&patch), "lead");

    g_assert_cmpstr (json_object_get_string_member (lead, "name"), ==, "John Smith");
    g_assert_cmpstr (json_object_get_string_member (lead, "status"), ==, "INTERESTED");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (lead, "tags")), ==, 2);
  }
  get (f, "/get-conversation?phone=" CUSTOMER, &patched);
  g_assert_cmpstr (json_object_get_string_member (object (&patched), "status"), ==, "INTERESTED");

  call (f, "PATCH", "/leads/447700900999", API_KEY, "application/json", "{\"name\": \"Nobody\"}", &missing);
  assert_error (&missing, 404, "lead_not_found");
  call (f, "PATCH", "/leads/" CUSTOMER, API_KEY, "application/json", "{\"status\": \"HAPPY\"}", &bad_status);
  assert_error (&bad_status, 422, "invalid_status");
  call (f, "PATCH", "/leads/" CUSTOMER, API_KEY, "application/json", "{\"phone\": \"1\"}", &unknown);
  assert_error (&unknown, 422, "unknown_field");

  /* Meta refuses: its code, nothing lost (the message is kept, failed) */
  customer_writes (f, UNREACHABLE, "Kurt");
  sim_config (f, "{\"undeliverable\": [\"" UNREACHABLE "\"], \"undeliverable_mode\": \"error\"}");
  post (f, "/send-message", "{\"phone\": \"" UNREACHABLE "\", \"message\": \"Hallo\"}", &failed);
  assert_error (&failed, 422, "meta_131026");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE phone = '" UNREACHABLE "'"
                               " AND direction = 'outbound' AND status = 'failed' AND error_code = 131026"), ==, 1);
  {
    guint n_accepted = 0;

    /* it did reach Meta, which refused it */
    g_assert_cmpuint (ledger_count (f, "body.text.body", "Hallo", &n_accepted), ==, 1);
    g_assert_cmpuint (n_accepted, ==, 0);
  }
}

/* ------------------------------------------------------------------ */
/* what was sent: exactly what was asked, to Meta and in the database */

/* A send's answer: 200, Meta's wamid, the stored row's id. */
static const char *
assert_sent_reply (Reply *reply,
                   char **uuid)
{
  JsonObject *o = object (reply);

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (json_object_get_boolean_member (o, "success"));
  g_assert_true (json_object_get_boolean_member (o, "stored_in_supabase"));
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (o, "id")));
  *uuid = g_strdup (json_object_get_string_member (o, "id"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "message_id"), "wamid."));
  return json_object_get_string_member (o, "message_id");
}

/* The stored row of a message Meta accepted as @wamid. */
static WabizDbResult *
assert_stored_sent (Fixture    *f,
                    const char *uuid,
                    const char *wamid,
                    const char *type,
                    const char *preview)
{
  g_autoptr(WabizDbResult) row = stored (f, uuid);

  g_assert_cmpstr (wabiz_db_result_get (row, 0, "phone"), ==, CUSTOMER);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "direction"), ==, "outbound");
  /* Meta answers a template with message_status "accepted" */
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==,
                   g_str_equal (type, "template") ? "accepted" : "sent");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "message_id"), ==, wamid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "type"), ==, type);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "message"), ==, preview);
  g_assert_null (wabiz_db_result_get (row, 0, "error_code"));
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "done");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "attempts"), ==, "1");
  return g_steal_pointer (&row);
}

/* The ledger entry of @wamid: one accepted send of @type to CUSTOMER. */
static JsonNode *
assert_reached_meta (Fixture    *f,
                     const char *wamid,
                     const char *type)
{
  JsonNode *entry = ledger_entry (f, wamid);

  g_assert_cmpstr (jstring (entry, "result"), ==, "accepted");
  g_assert_cmpstr (jstring (entry, "to"), ==, CUSTOMER);
  g_assert_cmpstr (jstring (entry, "wa_id"), ==, CUSTOMER);
  g_assert_cmpstr (jstring (entry, "type"), ==, type);
  g_assert_cmpstr (jstring (entry, "body.type"), ==, type);
  g_assert_cmpstr (jstring (entry, "body.messaging_product"), ==, "whatsapp");
  return entry;
}

static void
test_sent_text (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Reply) raw = { 0 }, escaped = { 0 };
  g_autofree char *uuid = NULL;
  g_autofree char *uuid2 = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(WabizDbResult) row2 = NULL;
  g_autoptr(JsonNode) entry = NULL;
  g_autoptr(JsonNode) entry2 = NULL;
  g_autoptr(JsonNode) payload = NULL;
  g_autoptr(JsonNode) content = NULL;
  const char *wamid;

  customer_writes (f, CUSTOMER, "João da Silva");

  /* the text as UTF-8 in the body */
  post (f, "/send-message", "{\"phone\": \"+1 234 567 890\", \"message\": \"" TEXT_UTF8 "\"}", &raw);
  wamid = assert_sent_reply (&raw, &uuid);
  g_assert_cmpstr (json_object_get_string_member (object (&raw), "status"), ==, "sent");

  entry = assert_reached_meta (f, wamid, "text");
  g_assert_cmpstr (jstring (entry, "body.text.body"), ==, TEXT_UTF8);
  row = assert_stored_sent (f, uuid, wamid, "text", TEXT_UTF8);
  payload = stored_json (row, "payload");
  g_assert_cmpstr (jstring (payload, "text.body"), ==, TEXT_UTF8);
  g_assert_cmpstr (jstring (payload, "to"), ==, CUSTOMER);
  content = stored_json (row, "content");
  g_assert_cmpstr (jstring (content, "text.body"), ==, TEXT_UTF8);

  /* the same text written with JSON escapes (an emoji as a surrogate pair) */
  post (f, "/send-message", "{\"phone\": \"" CUSTOMER "\", \"message\": \"Ol\\u00e1, Jo\\u00e3o! \\ud83c\\udf89"
                            " \\u0412\\u0430\\u0448 \\u0437\\u0430\\u043a\\u0430\\u0437 \\u0433\\u043e\\u0442\\u043e\\u0432"
                            " \\u2014 \\u0637\\u0644\\u0628\\u0643 \\u062c\\u0627\\u0647\\u0632\\u060c"
                            " \\u0634\\u0643\\u0631\\u0627\\u064b \\u4f60\\u597d\"}", &escaped);
  wamid = assert_sent_reply (&escaped, &uuid2);
  entry2 = assert_reached_meta (f, wamid, "text");
  g_assert_cmpstr (jstring (entry2, "body.text.body"), ==, TEXT_UTF8);
  row2 = assert_stored_sent (f, uuid2, wamid, "text", TEXT_UTF8);

  /* nothing else went out */
  g_assert_cmpuint (ledger_length (f), ==, 2);
}

static void
test_sent_media (Fixture       *f,
                 gconstpointer  data)
{
  const struct
  {
    const char *kind;
    const char *url;
    const char *caption;        /* as sent */
    const char *stored_caption; /* (nullable) as kept and sent on */
    const char *preview;
  } cases[] = {
    { "image", "https://example.com/m%C3%ADdia/caf%C3%A9.jpg?size=1024&x=%D0%B7",
      "Nosso café ☕ — قائمة الطعام", "Nosso café ☕ — قائمة الطعام", "Nosso café ☕ — قائمة الطعام" },
    { "video", "https://cdn.example.org/v/%E8%A7%86%E9%A2%91.mp4",
      "Видео: как мы готовим 🎬", "Видео: как мы готовим 🎬", "Видео: как мы готовим 🎬" },
    /* Meta shows no caption on audio: the API drops it */
    { "audio", "https://example.com/audio/mensagem-%C3%A1udio.ogg",
      "🎵 nunca mostrado", NULL, "[audio]" },
    { "document", "http://files.example.com/fatura%20n%C2%BA%204521.pdf",
      "فاتورة رقم ٤٥٢١ · Fatura nº 4521", "فاتورة رقم ٤٥٢١ · Fatura nº 4521", "فاتورة رقم ٤٥٢١ · Fatura nº 4521" },
  };

  customer_writes (f, CUSTOMER, "João da Silva");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) body = NULL;
      g_autofree char *json = NULL;
      g_autofree char *uuid = NULL;
      g_autofree char *member = NULL;
      g_autoptr(JsonNode) entry = NULL;
      g_autoptr(WabizDbResult) row = NULL;
      g_autoptr(JsonNode) payload = NULL;
      const char *wamid;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "phone");
      json_builder_add_string_value (builder, CUSTOMER);
      json_builder_set_member_name (builder, "media_url");
      json_builder_add_string_value (builder, cases[i].url);
      json_builder_set_member_name (builder, "media_type");
      json_builder_add_string_value (builder, cases[i].kind);
      json_builder_set_member_name (builder, "caption");
      json_builder_add_string_value (builder, cases[i].caption);
      json_builder_end_object (builder);
      body = json_builder_get_root (builder);
      json = json_to_string (body, FALSE);

      post (f, "/send-media", json, &reply);
      wamid = assert_sent_reply (&reply, &uuid);
      g_assert_cmpstr (json_object_get_string_member (object (&reply), "media_type"), ==, cases[i].kind);

      entry = assert_reached_meta (f, wamid, cases[i].kind);
      member = g_strdup_printf ("body.%s.link", cases[i].kind);
      g_assert_cmpstr (jstring (entry, member), ==, cases[i].url);
      g_free (member);
      member = g_strdup_printf ("body.%s.caption", cases[i].kind);
      g_assert_cmpstr (jstring (entry, member), ==, cases[i].stored_caption);
      if (cases[i].stored_caption == NULL)
        g_assert_null (jpath (entry, member));
      g_free (member);
      member = g_strdup_printf ("body.%s.id", cases[i].kind);
      g_assert_null (jpath (entry, member));

      row = assert_stored_sent (f, uuid, wamid, cases[i].kind, cases[i].preview);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "media_url"), ==, cases[i].url);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "media_type"), ==, cases[i].kind);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "caption"), ==, cases[i].stored_caption);
      payload = stored_json (row, "payload");
      g_free (member);
      member = g_strdup_printf ("%s.link", cases[i].kind);
      g_assert_cmpstr (jstring (payload, member), ==, cases[i].url);
    }

  g_assert_cmpuint (ledger_length (f), ==, G_N_ELEMENTS (cases));
}

#define PEDIDO_BODY "Olá {{1}}, seu pedido {{2}} da loja {{3}} está pronto 🎉"

static void
test_sent_template (Fixture       *f,
                    gconstpointer  data)
{
  /* distinct, so that any reordering shows */
  const char *calls[][4] = {
    { "/send-template", "João", "#4521 — Ваш заказ", "مقهى الياسمين 🌿" },
    { "/template/send", "Zoë 张伟", "№ 77 · طلب", "Café Ñandú ☕" },
  };

  customer_writes (f, CUSTOMER, "João da Silva");
  meta_has_template (f, "pedido_pronto", "pt_BR", PEDIDO_BODY, "[\"Maria\", \"#1\", \"Loja\"]");
  wabiz_has_template (f, "pedido_pronto", "pt_BR", PEDIDO_BODY);

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) body = NULL;
      g_autofree char *json = NULL;
      g_autofree char *uuid = NULL;
      g_autofree char *preview = NULL;
      g_autoptr(JsonNode) entry = NULL;
      g_autoptr(WabizDbResult) row = NULL;
      g_autoptr(JsonNode) params = NULL;
      g_autoptr(JsonNode) payload = NULL;
      const char *wamid;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "phone");
      json_builder_add_string_value (builder, CUSTOMER);
      json_builder_set_member_name (builder, "template_name");
      json_builder_add_string_value (builder, "pedido_pronto");
      json_builder_set_member_name (builder, "language");
      json_builder_add_string_value (builder, "pt_BR");
      json_builder_set_member_name (builder, "parameters");
      json_builder_begin_array (builder);
      for (guint j = 1; j <= 3; j++)
        json_builder_add_string_value (builder, calls[i][j]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      body = json_builder_get_root (builder);
      json = json_to_string (body, FALSE);

      post (f, calls[i][0], json, &reply);
      g_test_message ("%s", calls[i][0]);
      wamid = assert_sent_reply (&reply, &uuid);
      if (i == 0)
        g_assert_cmpstr (json_object_get_string_member (object (&reply), "template_used"), ==, "pedido_pronto");

      /* Meta got the name, the language and the parameters in order */
      entry = assert_reached_meta (f, wamid, "template");
      g_assert_cmpstr (jstring (entry, "body.template.name"), ==, "pedido_pronto");
      g_assert_cmpstr (jstring (entry, "body.template.language.code"), ==, "pt_BR");
      g_assert_cmpstr (jstring (entry, "body.template.components[0].type"), ==, "body");
      g_assert_cmpuint (json_array_get_length (json_node_get_array (jpath (entry, "body.template.components"))), ==, 1);
      g_assert_cmpuint (json_array_get_length (json_node_get_array (
                          jpath (entry, "body.template.components[0].parameters"))), ==, 3);
      for (guint j = 0; j < 3; j++)
        {
          g_autofree char *type = g_strdup_printf ("body.template.components[0].parameters[%u].type", j);
          g_autofree char *text = g_strdup_printf ("body.template.components[0].parameters[%u].text", j);

          g_assert_cmpstr (jstring (entry, type), ==, "text");
          g_assert_cmpstr (jstring (entry, text), ==, calls[i][j + 1]);
        }

      /* the database: the same, and the text the customer reads */
      preview = g_strdup_printf ("Olá %s, seu pedido %s da loja %s está pronto 🎉",
                                 calls[i][1], calls[i][2], calls[i][3]);
      row = assert_stored_sent (f, uuid, wamid, "template", preview);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "template_name"), ==, "pedido_pronto");
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "template_language"), ==, "pt_BR");
      params = stored_json (row, "template_params");
      g_assert_cmpuint (json_array_get_length (json_node_get_array (params)), ==, 3);
      for (guint j = 0; j < 3; j++)
        g_assert_cmpstr (json_array_get_string_element (json_node_get_array (params), j), ==, calls[i][j + 1]);
      payload = stored_json (row, "payload");
      g_assert_cmpstr (jstring (payload, "template.name"), ==, "pedido_pronto");
      for (guint j = 0; j < 3; j++)
        {
          g_autofree char *text = g_strdup_printf ("template.components[0].parameters[%u].text", j);

          g_assert_cmpstr (jstring (payload, text), ==, calls[i][j + 1]);
        }
    }

  g_assert_cmpuint (ledger_length (f), ==, G_N_ELEMENTS (calls));
}

/* ------------------------------------------------------------------ */
/* 202: Meta is slower than the REST call waits */

static gboolean
message_settled (Fixture    *f,
                 const char *uuid)
{
  const char *p[] = { uuid };
  g_autoptr(WabizDbResult) res = sql (f, "SELECT status FROM messages WHERE id = $1::uuid", 1, p);

  return g_strcmp0 (wabiz_db_result_get (res, 0, "status"), "queued") != 0;
}

static gboolean
retry_planned (Fixture    *f,
               const char *uuid)
{
  const char *p[] = { uuid };
  g_autoptr(WabizDbResult) res = sql (f, "SELECT state, attempts FROM outbox WHERE message_uuid = $1::uuid",
                                      1, p);

  return g_strcmp0 (wabiz_db_result_get (res, 0, "state"), "pending") == 0 &&
         g_strcmp0 (wabiz_db_result_get (res, 0, "attempts"), "1") == 0;
}

/* The 202 answer: stored, queued, no wamid yet. */
static char *
assert_queued_reply (Reply *reply)
{
  JsonObject *o = object (reply);

  g_assert_cmpuint (reply->status, ==, 202);
  g_assert_true (json_object_get_boolean_member (o, "success"));
  g_assert_true (json_object_get_boolean_member (o, "stored_in_supabase"));
  g_assert_true (json_object_has_member (o, "message_id"));
  g_assert_true (json_object_get_null_member (o, "message_id"));
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "queued");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (o, "id")));
  return g_strdup (json_object_get_string_member (o, "id"));
}

static void
test_queued (Fixture       *f,
             gconstpointer  data)
{
  const char *text = "Seu pedido está a caminho 🚚 — в пути";
  g_auto(Reply) reply = { 0 };
  g_autofree char *uuid = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(WabizDbResult) sent = NULL;
  g_autoptr(JsonNode) entry = NULL;
  g_autofree char *json = g_strdup_printf ("{\"phone\": \"" CUSTOMER "\", \"message\": \"%s\"}", text);
  guint n_accepted = 0;

  customer_writes (f, CUSTOMER, "João da Silva");

  /* the call waits 0.2 s; Meta answers after 3 s */
  wabiz_rest_api_set_send_timeout (f->rest, 200);
  sim_config (f, "{\"send_latency_ms\": 3000}");

  post (f, "/send-message", json, &reply);
  uuid = assert_queued_reply (&reply);
  row = stored (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "queued");
  g_assert_null (wabiz_db_result_get (row, 0, "message_id"));
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "message"), ==, text);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "direction"), ==, "outbound");

  /* then Meta answers, and it is sent: once */
  WABIZ_TEST_WAIT (message_settled (f, uuid), 60);
  sent = stored (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (sent, 0, "status"), ==, "sent");
  g_assert_cmpstr (wabiz_db_result_get (sent, 0, "state"), ==, "done");
  g_assert_cmpstr (wabiz_db_result_get (sent, 0, "attempts"), ==, "1");
  g_assert_cmpuint (ledger_count (f, "body.text.body", text, &n_accepted), ==, 1);
  g_assert_cmpuint (n_accepted, ==, 1);
  entry = assert_reached_meta (f, wabiz_db_result_get (sent, 0, "message_id"), "text");
  g_assert_cmpstr (jstring (entry, "body.text.body"), ==, text);
  g_assert_cmpuint (ledger_length (f), ==, 1);
}

/* Meta's throughput limit (130429) is worth waiting out: the outbox tries
 * again later, so the call answers 202 and the message goes once the
 * limit allows. */
static void
test_queued_rate_limit (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(Reply) first = { 0 }, limited = { 0 };
  g_autofree char *first_uuid = NULL;
  g_autofree char *uuid = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(WabizDbResult) sent = NULL;
  g_autoptr(JsonNode) entry = NULL;
  guint n_accepted = 0;

  customer_writes (f, CUSTOMER, "João da Silva");

  /* one message per 1000 s; the retry comes after 2 s at the earliest */
  sim_config (f, "{\"throughput\": 0.001}");
  wabiz_rest_api_set_send_timeout (f->rest, 1000);

  post (f, "/send-message", "{\"phone\": \"" CUSTOMER "\", \"message\": \"primeira\"}", &first);
  assert_sent_reply (&first, &first_uuid);

  post (f, "/send-message", "{\"phone\": \"" CUSTOMER "\", \"message\": \"segunda — вторая\"}", &limited);
  uuid = assert_queued_reply (&limited);
  WABIZ_TEST_WAIT (retry_planned (f, uuid), 60);
  row = stored (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "queued");
  g_assert_nonnull (strstr (wabiz_db_result_get (row, 0, "last_error"), "130429"));
  g_assert_cmpuint (ledger_count (f, "body.text.body", "segunda — вторая", &n_accepted), ==, 1);
  g_assert_cmpuint (n_accepted, ==, 0);

  /* the limit lifts: it goes, once */
  sim_config (f, "{\"throughput\": 0}");
  WABIZ_TEST_WAIT (message_settled (f, uuid), 60);
  sent = stored (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (sent, 0, "status"), ==, "sent");
  g_assert_cmpstr (wabiz_db_result_get (sent, 0, "attempts"), ==, "2");
  g_assert_cmpuint (ledger_count (f, "body.text.body", "segunda — вторая", &n_accepted), ==, 2);
  g_assert_cmpuint (n_accepted, ==, 1);
  entry = assert_reached_meta (f, wabiz_db_result_get (sent, 0, "message_id"), "text");
  g_assert_cmpstr (jstring (entry, "body.text.body"), ==, "segunda — вторая");
}

/* ------------------------------------------------------------------ */
/* Meta refuses a send: the API says why; the message is kept, failed */

/* The one outbound message to @phone, failed with Meta's @code. */
static void
assert_kept_failed (Fixture    *f,
                    const char *phone,
                    const char *code,
                    const char *type)
{
  const char *p[] = { phone };
  g_autoptr(WabizDbResult) res = sql (f, "SELECT m.status, m.error_code::text AS error_code, m.type, o.state"
                                         " FROM messages m JOIN outbox o ON o.message_uuid = m.id"
                                         " WHERE m.phone = $1 AND m.direction = 'outbound'", 1, p);

  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, "failed");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "error_code"), ==, code);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "type"), ==, type);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "state"), ==, "failed");
}

static void
test_meta_refuses (Fixture       *f,
                   gconstpointer  data)
{
  g_auto(Reply) no_template = { 0 }, closed = { 0 }, expired = { 0 }, undeliverable = { 0 };
  guint n_accepted = 0;

  /* 132001: WaBiz knows no templates yet, Meta has no such one */
  customer_writes (f, "5511987654321", "Ana");
  post (f, "/send-template", "{\"phone\": \"5511987654321\", \"template_name\": \"sem_modelo\","
                             " \"language\": \"pt_BR\", \"parameters\": [\"Ana\"]}", &no_template);
  assert_error (&no_template, 404, "template_not_found");
  assert_kept_failed (f, "5511987654321", "132001", "template");

  /* 131047: WaBiz saw the customer write, Meta's window is closed */
  customer_writes (f, "16315551234", "Maria");
  wabiz_sim_server_set_window (f->sim, "16315551234", FALSE);
  post (f, "/send-message", "{\"phone\": \"16315551234\", \"message\": \"¿Sigue ahí?\"}", &closed);
  assert_error (&closed, 422, "window_closed");
  assert_kept_failed (f, "16315551234", "131047", "text");
  g_assert_cmpuint (ledger_count (f, "body.text.body", "¿Sigue ahí?", &n_accepted), ==, 1);
  g_assert_cmpuint (n_accepted, ==, 0);

  /* 190: the access token expired */
  customer_writes (f, "447700900123", "Priya");
  sim_config (f, "{\"token_expired\": true}");
  post (f, "/send-media", "{\"phone\": \"447700900123\", \"media_url\": \"https://example.com/menu.jpg\","
                          " \"media_type\": \"image\"}", &expired);
  assert_error (&expired, 503, "meta_190");
  assert_kept_failed (f, "447700900123", "190", "image");
  sim_config (f, "{\"token_expired\": false}");

  /* 131026: undeliverable */
  customer_writes (f, UNREACHABLE, "Kurt");
  sim_config (f, "{\"undeliverable\": [\"" UNREACHABLE "\"], \"undeliverable_mode\": \"error\"}");
  post (f, "/template/send", "{\"phone\": \"" UNREACHABLE "\", \"template_name\": \"hello_world\","
                             " \"language\": \"en_US\"}", &undeliverable);
  assert_error (&undeliverable, 422, "meta_131026");
  assert_kept_failed (f, UNREACHABLE, "131026", "template");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads WHERE phone = '" UNREACHABLE "' AND unreachable"), ==, 1);

  /* the refused token reached nothing; the others Meta refused */
  g_assert_cmpuint (ledger_length (f), ==, 3);
}

/* ------------------------------------------------------------------ */
/* bad input to the send calls: its status, and nothing written or sent */

static void
test_send_bad_input (Fixture       *f,
                     gconstpointer  data)
{
  const struct
  {
    const char *path;
    const char *good;   /* a valid body, for the key and content-type cases */
    const char *bad_phone;
  } calls[] = {
    { "/send-message", "{\"phone\": \"" CUSTOMER "\", \"message\": \"Olá\"}",
      "{\"phone\": \"+00 12\", \"message\": \"Olá\"}" },
    { "/send-media", "{\"phone\": \"" CUSTOMER "\", \"media_url\": \"https://example.com/a.jpg\", \"media_type\": \"image\"}",
      "{\"phone\": \"phone\", \"media_url\": \"https://example.com/a.jpg\", \"media_type\": \"image\"}" },
    { "/send-template", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"pedido_pronto\", \"language\": \"pt_BR\","
                        " \"parameters\": [\"a\", \"b\", \"c\"]}",
      "{\"phone\": \"123\", \"template_name\": \"pedido_pronto\", \"language\": \"pt_BR\", \"parameters\": [\"a\", \"b\", \"c\"]}" },
    { "/template/send", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"pedido_pronto\", \"language\": \"pt_BR\","
                        " \"parameters\": [\"a\", \"b\", \"c\"]}",
      "{\"phone\": \"12345678901234567890\", \"template_name\": \"pedido_pronto\", \"language\": \"pt_BR\","
      " \"parameters\": [\"a\", \"b\", \"c\"]}" },
  };
  g_autoptr(GString) big = g_string_new ("{\"phone\": \"" CUSTOMER "\", \"message\": \"");
  g_autofree char *before = NULL;

  customer_writes (f, CUSTOMER, "João da Silva");
  wabiz_has_template (f, "pedido_pronto", "pt_BR", PEDIDO_BODY);
  while (big->len <= WABIZ_REST_MAX_BODY)
    g_string_append (big, "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé");
  g_string_append (big, "\"}");
  before = written (f);

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      const struct
      {
        const char *key;
        const char *content_type;
        const char *body;
        guint       status;
        const char *code;
      } cases[] = {
        { API_KEY, "application/json", calls[i].bad_phone, 422, "invalid_phone" },
        { NULL, "application/json", calls[i].good, 401, "unauthorized" },
        { "not-the-key", "application/json", calls[i].good, 401, "unauthorized" },
        { API_KEY, "text/plain", calls[i].good, 415, "unsupported_media_type" },
        { API_KEY, "application/x-www-form-urlencoded", "phone=" CUSTOMER "&message=hi", 415, "unsupported_media_type" },
        { API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\",", 400, "malformed_json" },
        { API_KEY, "application/json", "\"just a string\"", 400, "malformed_json" },
        { API_KEY, "application/json", "", 400, "malformed_json" },
        { API_KEY, "application/json", "{\"phone\": \"\xff\xfe\"}", 400, "malformed_json" },
        { API_KEY, "application/json", big->str, 413, "body_too_large" },
      };

      for (guint j = 0; j < G_N_ELEMENTS (cases); j++)
        {
          g_auto(Reply) reply = { 0 };
          g_autofree char *after = NULL;

          call (f, "POST", calls[i].path, cases[j].key, cases[j].content_type, cases[j].body, &reply);
          assert_error (&reply, cases[j].status, cases[j].code);
          after = written (f);
          g_assert_cmpstr (before, ==, after);
        }
    }

  /* unknown media type */
  {
    g_auto(Reply) reply = { 0 };
    g_autofree char *after = NULL;

    post (f, "/send-media", "{\"phone\": \"" CUSTOMER "\", \"media_url\": \"https://example.com/a.gif\","
                            " \"media_type\": \"sticker\"}", &reply);
    assert_error (&reply, 422, "invalid_media_type");
    after = written (f);
    g_assert_cmpstr (before, ==, after);
  }

  /* a customer who never wrote: WaBiz knows the window is closed and
   * sends nothing; a template would go */
  {
    g_auto(Reply) text = { 0 }, media = { 0 };
    g_autofree char *after = NULL;

    post (f, "/send-message", "{\"phone\": \"" STRANGER "\", \"message\": \"Olá\"}", &text);
    assert_error (&text, 422, "window_closed");
    post (f, "/send-media", "{\"phone\": \"" STRANGER "\", \"media_url\": \"https://example.com/a.jpg\","
                            " \"media_type\": \"image\", \"caption\": \"Olá\"}", &media);
    assert_error (&media, 422, "window_closed");
    after = written (f);
    g_assert_cmpstr (before, ==, after);
  }

  /* a template WaBiz has, with too few parameters or none */
  {
    g_auto(Reply) few = { 0 }, none = { 0 };
    g_autofree char *after = NULL;

    post (f, "/send-template", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"pedido_pronto\","
                               " \"language\": \"pt_BR\", \"parameters\": [\"a\", \"b\"]}", &few);
    assert_error (&few, 422, "invalid_input");
    post (f, "/template/send", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"pedido_pronto\","
                               " \"language\": \"pt_BR\"}", &none);
    assert_error (&none, 422, "invalid_input");
    after = written (f);
    g_assert_cmpstr (before, ==, after);
  }

  /* nothing of all that reached Meta */
  g_assert_cmpuint (ledger_length (f), ==, 0);
}

/* POST /template/create checks WhatsApp's template rules before Meta
 * sees anything, answering with the rule that is broken; when Meta
 * refuses, its reason comes back, not only its code. */
static void
test_template_create (Fixture       *f,
                      gconstpointer  data)
{
  const struct
  {
    const char *body;
    const char *code;
    const char *says;
  } broken[] = {
    { "\"body_text\": \"{{1}}, your order is ready for pickup today\"", "invalid_placeholders", "cannot start" },
    { "\"body_text\": \"Your order {{1}} {{2}} is ready for pickup today\"", "invalid_placeholders", "{{1}} and {{2}}" },
    { "\"body_text\": \"Dear {{1}}, your order {{3}} is ready\"", "invalid_placeholders", "in order" },
    { "\"body_text\": \"Hi {{1}} {{{2}}\"", "invalid_placeholders", NULL },
    { "\"body_text\": \"Order ready, come by today\", \"footer_text\": \"Ask for {{1}}\"", "invalid_footer", "footer" },
    { "\"body_text\": \"...\"", "invalid_body", "body" },
  };
  g_auto(Reply) created = { 0 }, again = { 0 }, ai = { 0 };
  g_autofree char *before = written (f);

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\": \"order_ready_%u\", \"category\": \"UTILITY\","
                                               " \"language\": \"en\", %s}", i, broken[i].body);
      g_autofree char *query = g_strdup_printf (WABA_ID "/message_templates?name=order_ready_%u", i);
      g_autoptr(JsonNode) listed = NULL;
      g_auto(Reply) reply = { 0 };
      g_autofree char *after = NULL;

      post (f, "/template/create", json, &reply);
      assert_error (&reply, 422, broken[i].code);
      if (broken[i].says != NULL && strstr (jstring (reply.body, "error.message"), broken[i].says) == NULL)
        g_error ("the refusal of %s does not say “%s”: %s", broken[i].body, broken[i].says, reply.text);
      after = written (f);
      g_assert_cmpstr (before, ==, after);
      listed = graph_call (f, "GET", query, NULL, 200);
      g_assert_null (jpath (listed, "data[0]"));
    }

  /* a good one: Meta's status and id */
  post (f, "/template/create", "{\"name\": \"order_ready_now\", \"category\": \"utility\", \"language\": \"pt_BR\","
                               " \"body_text\": \"Olá {{1}}, seu pedido {{2}} está pronto para retirada.\"}", &created);
  g_assert_cmpuint (created.status, ==, 200);
  g_assert_true (json_object_get_boolean_member (object (&created), "success"));
  g_assert_cmpstr (jstring (created.body, "template_name"), ==, "order_ready_now");
  g_assert_cmpstr (jstring (created.body, "status"), ==, "PENDING");
  g_assert_cmpstr (jstring (created.body, "mode"), ==, "manual");
  {
    g_autoptr(JsonNode) listed = graph_call (f, "GET", WABA_ID "/message_templates?name=order_ready_now", NULL, 200);

    g_assert_cmpstr (jstring (listed, "data[0].id"), ==, jstring (created.body, "template_id"));
    g_assert_cmpstr (jstring (listed, "data[0].category"), ==, "UTILITY");
    /* an example for each placeholder went with it */
    g_assert_nonnull (jpath (listed, "data[0].components[0].example.body_text[0][1]"));
  }

  /* Meta refuses the same name and language again: its reason, as its
   * error_user_title and error_user_msg say, comes back; what WaBiz
   * kept is as it was */
  before = (g_free (before), written (f));
  post (f, "/template/create", "{\"name\": \"order_ready_now\", \"category\": \"UTILITY\", \"language\": \"pt_BR\","
                               " \"body_text\": \"Olá {{1}}, seu pedido {{2}} chegou e está pronto.\"}", &again);
  assert_error (&again, 422, "meta_100");
  g_assert_nonnull (strstr (jstring (again.body, "error.message"), "order_ready_now"));
  g_assert_nonnull (strstr (jstring (again.body, "error.message"), "Content in this language already exists"));
  g_assert_nonnull (strstr (jstring (again.body, "error.message"), "already has content in pt_BR"));
  {
    g_autofree char *after = written (f);

    g_assert_cmpstr (before, ==, after);
  }

  /* mode ai still answers as before */
  post (f, "/template/create", "{\"name\": \"promo\", \"category\": \"MARKETING\", \"language\": \"en\","
                               " \"mode\": \"ai\", \"context\": \"A new latte\"}", &ai);
  assert_error (&ai, 503, "ai_unavailable");
}

/* A delivery from Meta for another phone number id than WaBiz's, signed
 * as Meta signs, to WaBiz's /webhook. */
static void
deliver_for_other_number (Fixture    *f,
                          const char *number,
                          const char *wamid)
{
  g_autofree char *text = g_strdup_printf (
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"" WABA_ID "\",\"changes\":[{"
    "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"phone_number_id\":\"%s\"},"
    "\"contacts\":[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":\"5511912345678\"}],\"messages\":[{"
    "\"from\":\"5511912345678\",\"id\":\"%s\",\"timestamp\":\"1718374400\",\"text\":{\"body\":\"Oi\"},"
    "\"type\":\"text\"}]},\"field\":\"messages\"}]}]}", number, wamid);
  g_autofree char *signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) text, strlen (text));
  g_autofree char *uri = g_strconcat (f->url, "/webhook", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) answer = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Hub-Signature-256", signature);
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  answer = soup_session_send_and_read_finish (f->session, result, NULL);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
}

/* Messages for another phone number id (the test number's id pasted by
 * mistake) are counted by GET /health, with that id and a warning that
 * says what to check; the status stays ok, nothing is written. */
static void
test_health_foreign (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(Reply) before = { 0 }, after = { 0 };
  const char *other = "106540352242923";
  JsonNode *warning;

  get (f, "/health", &before);
  g_assert_cmpuint (before.status, ==, 200);
  g_assert_cmpint (json_node_get_int (jpath (before.body, "database.foreign_phone_number_events")), ==, 0);
  g_assert_nonnull (jpath (before.body, "database.foreign_phone_number_ids"));
  g_assert_null (jpath (before.body, "database.foreign_phone_number_ids[0]"));
  g_assert_nonnull (jpath (before.body, "warnings"));
  g_assert_null (jpath (before.body, "warnings[0]"));

  deliver_for_other_number (f, other, "wamid.other.1");
  deliver_for_other_number (f, other, "wamid.other.2");
  process (f);

  get (f, "/health", &after);
  g_assert_cmpuint (after.status, ==, 200);
  g_assert_cmpstr (jstring (after.body, "status"), ==, "ok");
  g_assert_cmpint (json_node_get_int (jpath (after.body, "database.foreign_phone_number_events")), ==, 2);
  g_assert_cmpstr (jstring (after.body, "database.foreign_phone_number_ids[0]"), ==, other);
  g_assert_null (jpath (after.body, "database.foreign_phone_number_ids[1]"));
  /* neither pending nor failed */
  g_assert_cmpint (json_node_get_int (jpath (after.body, "database.pending_webhook_events")), ==, 0);
  g_assert_cmpint (json_node_get_int (jpath (after.body, "database.failed_webhook_events")), ==, 0);
  warning = jpath (after.body, "warnings[0]");
  g_assert_nonnull (warning);
  g_assert_null (jpath (after.body, "warnings[1]"));
  g_assert_cmpstr (json_node_get_string (warning), ==,
                   "2 messages arrived for another WhatsApp number, ID 106540352242923; check the phone number ID "
                   "setting (PHONE_NUMBER_ID)");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads"), ==, 0);
}

/* The OpenAPI document is valid by the OpenAPI specification, as checked
 * by tools/openapi (installed by build-aux/dev; without it this case is
 * skipped, which build-aux/dev test counts as a failure). */
static void
test_openapi_valid (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(Reply) openapi = { 0 };
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "wabiz-openapi-XXXXXX.json", NULL);
  g_autofree char *script = g_build_filename (g_getenv ("WABIZ_SOURCE_DIR"), "tools", "openapi",
                                              "validate.mjs", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "node", script, path, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;
  int fd;

  get (f, "/openapi.json", &openapi);
  g_assert_cmpuint (openapi.status, ==, 200);
  fd = g_mkstemp (path);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (g_file_set_contents (path, openapi.text, -1, NULL));
  close (fd);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error))
    {
      g_test_skip_printf ("node is not installed: %s", error->message);
    }
  else if (WIFEXITED (status) && WEXITSTATUS (status) == 2)
    {
      g_test_skip (g_strstrip (err));
    }
  else
    {
      g_test_message ("OpenAPI check: %s%s", g_strstrip (out), g_strstrip (err));
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    }
  g_unlink (path);
}

/* The operations of the OpenAPI document, as "METHOD /path" texts. */
static GPtrArray *
document_operations (Fixture *f)
{
  g_auto(Reply) openapi = { 0 };
  GPtrArray *operations = g_ptr_array_new_with_free_func (g_free);
  JsonObject *paths;
  g_autoptr(GList) names = NULL;

  get (f, "/openapi.json", &openapi);
  g_assert_cmpuint (openapi.status, ==, 200);
  paths = json_object_get_object_member (object (&openapi), "paths");
  names = json_object_get_members (paths);
  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autoptr(GList) methods = json_object_get_members (json_object_get_object_member (paths, l->data));

      for (GList *m = methods; m != NULL; m = m->next)
        {
          g_autofree char *upper = g_ascii_strup (m->data, -1);

          g_ptr_array_add (operations, g_strdup_printf ("%s %s", upper, (char *) l->data));
        }
    }
  g_assert_cmpuint (operations->len, >=, 14);
  return operations;
}

/* GET /docs: the document as a page, without the key: every path of the
 * document on it, with its method and summary, and nothing fetched from
 * elsewhere (no script, no link to an outside address). */
static void
test_docs (Fixture       *f,
           gconstpointer  data)
{
  g_auto(Reply) page = { 0 }, with_key = { 0 }, wrong_key = { 0 }, post_docs = { 0 }, openapi = { 0 };
  g_autoptr(GPtrArray) operations = document_operations (f);
  g_autoptr(GRegex) outside = g_regex_new ("(src|href|action|srcset)\\s*=\\s*[\"']?\\s*(https?:)?//|@import|url\\(",
                                           G_REGEX_CASELESS, 0, NULL);
  g_autoptr(GRegex) address = g_regex_new ("https?://[^\\s<\"']*", G_REGEX_CASELESS, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  JsonObject *paths;

  call (f, "GET", "/docs", NULL, NULL, NULL, &page);
  g_assert_cmpuint (page.status, ==, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (page.headers, NULL), "text/html"));
  g_assert_nonnull (strstr (soup_message_headers_get_one (page.headers, "Content-Security-Policy"),
                            "default-src 'none'"));
  g_assert_true (g_str_has_prefix (page.text, "<!DOCTYPE html>"));
  g_assert_true (g_utf8_validate (page.text, -1, NULL));

  /* every call, with its method, path and summary */
  get (f, "/openapi.json", &openapi);
  paths = json_object_get_object_member (object (&openapi), "paths");
  for (guint i = 0; i < operations->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (operations, i), " ", 2);
      g_autofree char *lower = g_ascii_strdown (parts[0], -1);
      g_autofree char *heading = g_strdup_printf ("%s</span> <code>%s</code>", parts[0], parts[1]);
      JsonObject *operation = json_object_get_object_member (json_object_get_object_member (paths, parts[1]), lower);
      g_autofree char *summary = g_markup_escape_text (json_object_get_string_member (operation, "summary"), -1);

      if (strstr (page.text, heading) == NULL)
        g_error ("/docs does not show %s", (char *) g_ptr_array_index (operations, i));
      g_assert_nonnull (strstr (page.text, summary));
    }
  /* request fields, answer fields and statuses */
  g_assert_nonnull (strstr (page.text, "<code>media_url</code>"));
  g_assert_nonnull (strstr (page.text, "<code>stored_in_supabase</code>"));
  g_assert_nonnull (strstr (page.text, "<code>conversation_thread</code>"));
  g_assert_nonnull (strstr (page.text, "<code>422</code>"));
  g_assert_nonnull (strstr (page.text, "<code>413</code>"));

  /* self-contained: the only address on it is the servers' example, as text */
  g_assert_false (g_regex_match (outside, page.text, 0, NULL));
  g_assert_null (strstr (page.text, "<script"));
  g_assert_null (strstr (page.text, "<link"));
  g_assert_null (strstr (page.text, "<img"));
  g_regex_match (address, page.text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *found = g_match_info_fetch (match, 0);

      g_assert_cmpstr (found, ==, "http://127.0.0.1:10000");
      g_match_info_next (match, NULL);
    }

  /* the same with a key, right or wrong; another method is still refused */
  call (f, "GET", "/docs", API_KEY, NULL, NULL, &with_key);
  g_assert_cmpuint (with_key.status, ==, 200);
  g_assert_cmpstr (with_key.text, ==, page.text);
  call (f, "GET", "/docs", "not-the-key", NULL, NULL, &wrong_key);
  g_assert_cmpuint (wrong_key.status, ==, 200);
  call (f, "POST", "/docs", NULL, "application/json", "{}", &post_docs);
  assert_error (&post_docs, 405, "method_not_allowed");
  g_assert_cmpstr (soup_message_headers_get_one (post_docs.headers, "Allow"), ==, "GET");
}
/* ------------------------------------------------------------------ */
/* campaigns */

#define CAMPAIGN_JSON                                                                     \
  "{\"name\": \"Orders\", \"template_name\": \"order_ready\", \"language\": \"en_US\","   \
  " \"segment\": {\"tags\": [\"orders\"]},"                                               \
  " \"parameters\": [{\"field\": \"name\", \"fallback\": \"there\"}, {\"field\": \"custom.order\"}]"

/* An approved template and five tagged leads: three receive it, one
 * opted out, one has no order number */
static void
seed_campaign_leads (Fixture *f)
{
  g_autoptr(WabizDbResult) t = NULL;
  g_autoptr(WabizDbResult) l = NULL;

  t = sql (f, "INSERT INTO templates (name, language, category, status, body_text, parameter_format)"
              " VALUES ('order_ready', 'en_US', 'UTILITY', 'APPROVED', 'Hi {{1}}, your order {{2}} is ready.',"
              "         'POSITIONAL') ON CONFLICT DO NOTHING", 0, NULL);
  l = sql (f, "INSERT INTO leads (phone, name, tags, custom_fields, opted_out_at) VALUES"
              " ('15551230001', 'Ana', '{orders}', '{\"order\": \"#1\"}', NULL),"
              " ('15551230002', NULL, '{orders}', '{\"order\": \"#2\"}', NULL),"
              " ('15551230003', 'Bo', '{orders}', '{\"order\": \"#3\"}', NULL),"
              " ('15551230004', 'Cy', '{orders}', '{\"order\": \"#4\"}', now()),"
              " ('15551230005', 'Di', '{orders}', '{}', NULL)"
              " ON CONFLICT DO NOTHING", 0, NULL);
}

static char *
create_campaign (Fixture    *f,
                 const char *extra)
{
  g_auto(Reply) created = { 0 };
  g_autofree char *body = g_strconcat (CAMPAIGN_JSON, extra, "}", NULL);

  seed_campaign_leads (f);
  post (f, "/campaigns", body, &created);
  g_assert_cmpuint (created.status, ==, 201);
  return g_strdup (jstring (created.body, "campaign.id"));
}

static gint64
progress_of (Reply      *reply,
             const char *result)
{
  JsonObject *campaign = json_object_get_object_member (object (reply), "campaign");

  return json_object_get_int_member (json_object_get_object_member (campaign, "progress"), result);
}

static gboolean
campaign_sent (Fixture    *f,
               const char *path)
{
  g_auto(Reply) reply = { 0 };

  process (f);
  get (f, path, &reply);
  return progress_of (&reply, "sent") + progress_of (&reply, "delivered") + progress_of (&reply, "read") == 3;
}

/* POST /campaigns (dry run and real), GET /campaigns, GET /campaigns/{id}
 * with progress and per-recipient results, and the state changes */
static void
test_campaigns (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Reply) dry = { 0 }, created = { 0 }, list = { 0 }, one = { 0 }, page = { 0 };
  g_auto(Reply) paused = { 0 }, resumed = { 0 }, cancelled = { 0 }, again = { 0 }, late = { 0 };
  g_autoptr(WabizCampaignRunner) runner = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autofree char *before = NULL;
  g_autofree char *path = NULL;
  g_autofree char *later = NULL;
  g_autofree char *later_path = NULL;
  const char *id;
  JsonArray *results;
  const char *fields[] = { "success", "campaign", NULL };

  seed_campaign_leads (f);
  before = written (f);

  /* the preview writes nothing */
  post (f, "/campaigns", CAMPAIGN_JSON ", \"dry_run\": true}", &dry);
  g_assert_cmpuint (dry.status, ==, 200);
  g_assert_cmpint (json_node_get_int (jpath (dry.body, "preview.recipients")), ==, 3);
  g_assert_cmpint (json_node_get_int (jpath (dry.body, "preview.excluded.opted_out")), ==, 1);
  g_assert_cmpint (json_node_get_int (jpath (dry.body, "preview.excluded.missing_parameter")), ==, 1);
  g_assert_cmpint (json_node_get_int (jpath (dry.body, "preview.days")), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaigns"), ==, 0);

  post (f, "/campaigns", CAMPAIGN_JSON "}", &created);
  g_assert_cmpuint (created.status, ==, 201);
  assert_members (&created, fields);
  g_assert_true (json_object_get_boolean_member (object (&created), "success"));
  id = jstring (created.body, "campaign.id");
  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpstr (jstring (created.body, "campaign.state"), ==, "scheduled");
  g_assert_cmpint (json_node_get_int (jpath (created.body, "campaign.recipients")), ==, 3);
  g_assert_cmpint (json_node_get_int (jpath (created.body, "campaign.excluded")), ==, 2);
  g_assert_cmpint (json_node_get_int (jpath (created.body, "campaign.preview.recipients")), ==, 3);
  path = g_strconcat ("/campaigns/", id, NULL);

  get (f, "/campaigns", &list);
  g_assert_cmpuint (list.status, ==, 200);
  g_assert_cmpint (json_node_get_int (jpath (list.body, "total")), ==, 1);
  g_assert_cmpstr (jstring (list.body, "campaigns[0].id"), ==, id);

  /* it runs; Meta's status webhooks move the results on */
  runner = wabiz_campaign_runner_new (f->db, f->outbox);
  wabiz_campaign_runner_start (runner);
  WABIZ_TEST_WAIT (campaign_sent (f, path), 60);
  WABIZ_TEST_WAIT (ledger_length (f) == 3, 30);

  get (f, path, &one);
  g_assert_cmpuint (one.status, ==, 200);
  g_assert_cmpint (progress_of (&one, "excluded"), ==, 2);
  g_assert_cmpint (progress_of (&one, "pending"), ==, 0);
  results = json_node_get_array (jpath (one.body, "campaign.recipient_results"));
  g_assert_cmpuint (json_array_get_length (results), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      JsonObject *r = json_array_get_object_element (results, i);
      const char *phone = json_object_get_string_member (r, "phone");

      if (g_str_equal (phone, "15551230004"))
        g_assert_cmpstr (json_object_get_string_member (r, "reason"), ==, "opted_out");
      else if (g_str_equal (phone, "15551230005"))
        g_assert_cmpstr (json_object_get_string_member (r, "reason"), ==, "missing_parameter");
      else
        g_assert_true (g_str_has_prefix (json_object_get_string_member (r, "message_id"), "wamid."));
    }
  get (f, "/campaigns/", &page);   /* the list's path with a slash: no campaign "" */
  g_assert_cmpuint (page.status, ==, 404);
  g_clear_pointer (&page.body, json_node_unref);
  reply_clear (&page);
  {
    g_autofree char *paged = g_strconcat (path, "?limit=2&offset=3", NULL);

    get (f, paged, &page);
    g_assert_cmpuint (page.status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (jpath (page.body, "campaign.recipient_results"))), ==, 2);
  }

  /* a finished campaign cannot be paused or resumed */
  {
    g_autofree char *pause = g_strconcat (path, "/pause", NULL);

    WABIZ_TEST_WAIT (sql_int (f, "SELECT count(*) FROM campaigns WHERE state = 'done'") == 1, 30);
    post (f, pause, NULL, &again);
    assert_error (&again, 409, "invalid_state");
  }

  /* one that has not started: pause, resume, cancel, and no resuming it */
  later = create_campaign (f, ", \"start_at\": \"2099-01-01T09:00:00Z\"");
  later_path = g_strconcat ("/campaigns/", later, NULL);
  {
    g_autofree char *pause = g_strconcat (later_path, "/pause", NULL);
    g_autofree char *resume = g_strconcat (later_path, "/resume", NULL);
    g_autofree char *cancel = g_strconcat (later_path, "/cancel", NULL);

    post (f, pause, NULL, &paused);
    g_assert_cmpuint (paused.status, ==, 200);
    g_assert_cmpstr (jstring (paused.body, "campaign.state"), ==, "paused");
    post (f, resume, NULL, &resumed);
    g_assert_cmpuint (resumed.status, ==, 200);
    g_assert_cmpstr (jstring (resumed.body, "campaign.state"), ==, "scheduled");
    post (f, cancel, NULL, &cancelled);
    g_assert_cmpuint (cancelled.status, ==, 200);
    g_assert_cmpstr (jstring (cancelled.body, "campaign.state"), ==, "cancelled");
    g_assert_cmpint (progress_of (&cancelled, "cancelled"), ==, 3);
    post (f, resume, NULL, &late);
    assert_error (&late, 409, "invalid_state");
  }

  wabiz_campaign_runner_stop_async (runner, NULL, wabiz_test_store_result_cb, &stopped);
  wabiz_test_wait_result (&stopped, 30);
  g_assert_true (wabiz_campaign_runner_stop_finish (runner, stopped, NULL));
}

/* Bad input: its status and code, and nothing written */
static void
test_campaigns_bad_input (Fixture       *f,
                          gconstpointer  data)
{
  static const struct
  {
    const char *method;
    const char *path;
    const char *body;
    guint       status;
    const char *code;
  } cases[] = {
    { "POST", "/campaigns", "{\"template_name\": \"order_ready\", \"language\": \"en_US\", \"segment\": {}}", 422, "invalid_input" },
    { "POST", "/campaigns", CAMPAIGN_JSON ", \"segment\": {\"status\": \"SLEEPING\"}}", 422, "invalid_input" },
    { "POST", "/campaigns", CAMPAIGN_JSON ", \"start_at\": \"soon\"}", 422, "invalid_input" },
    { "POST", "/campaigns", CAMPAIGN_JSON ", \"dry_run\": \"yes\"}", 422, "invalid_input" },
    { "POST", "/campaigns", CAMPAIGN_JSON ", \"rate\": -1}", 422, "invalid_input" },
    { "POST", "/campaigns", "{\"name\": \"x\", \"template_name\": \"nope\", \"language\": \"en_US\", \"segment\": {}}", 404, "not_found" },
    { "POST", "/campaigns", "{\"name\": \"x\", \"template_name\": \"order_ready\", \"language\": \"en_US\","
                            " \"segment\": {}, \"parameters\": [{\"text\": \"a\"}]}", 422, "invalid_input" },
    { "POST", "/campaigns", "[1, 2]", 400, NULL },
    { "POST", "/campaigns", "{\"name\": ", 400, NULL },
    { "GET", "/campaigns?limit=0", NULL, 422, NULL },
    { "GET", "/campaigns/not-a-campaign", NULL, 404, "campaign_not_found" },
    { "GET", "/campaigns/00000000-0000-4000-8000-000000000000", NULL, 404, "campaign_not_found" },
    { "GET", "/campaigns/00000000-0000-4000-8000-000000000000?limit=-1", NULL, 422, NULL },
    { "POST", "/campaigns/00000000-0000-4000-8000-000000000000/pause", NULL, 404, "campaign_not_found" },
    { "POST", "/campaigns/00000000-0000-4000-8000-000000000000/resume", NULL, 404, "campaign_not_found" },
    { "POST", "/campaigns/00000000-0000-4000-8000-000000000000/cancel", NULL, 404, "campaign_not_found" },
    { "POST", "/campaigns/00000000-0000-4000-8000-000000000000/restart", NULL, 404, "not_found" },
    { "GET", "/campaigns/00000000-0000-4000-8000-000000000000/pause", NULL, 405, "method_not_allowed" },
    { "DELETE", "/campaigns", NULL, 405, "method_not_allowed" },
  };
  g_autofree char *before = NULL;
  g_auto(Reply) no_key = { 0 }, wrong_type = { 0 };

  seed_campaign_leads (f);
  before = written (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autofree char *after = NULL;

      call (f, cases[i].method, cases[i].path, API_KEY, cases[i].body ? "application/json" : NULL,
            cases[i].body, &reply);
      assert_error (&reply, cases[i].status, cases[i].code);
      after = written (f);
      g_assert_cmpstr (after, ==, before);
    }
  call (f, "POST", "/campaigns", NULL, "application/json", CAMPAIGN_JSON "}", &no_key);
  assert_error (&no_key, 401, "unauthorized");
  call (f, "POST", "/campaigns", API_KEY, "text/plain", CAMPAIGN_JSON "}", &wrong_type);
  assert_error (&wrong_type, 415, "unsupported_media_type");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM campaigns"), ==, 0);
}


/* The route table and the document agree: every operation the document
 * has is routed (whatever its answer to an empty call, never 404 or 405);
 * a path below a route's is unknown, after the key; /docs spends nothing
 * of the callers' rate. */
static void
test_routes (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) operations = document_operations (f);
  g_auto(Reply) deeper = { 0 }, deeper_no_key = { 0 }, wrong_method = { 0 }, leads = { 0 };

  g_autofree char *campaign = NULL;

  customer_writes (f, CUSTOMER, "John Doe");
  campaign = create_campaign (f, "");
  for (guint i = 0; i < operations->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (operations, i), " ", 2);
      g_autoptr(GString) path = g_string_new (parts[1]);
      g_auto(Reply) reply = { 0 };

      g_string_replace (path, "{phone}", CUSTOMER, 0);
      g_string_replace (path, "{id}", campaign, 0);
      call (f, parts[0], path->str, API_KEY, NULL, NULL, &reply);
      if (reply.status == 404 || reply.status == 405)
        g_error ("%s is in the document but not routed: %u %s", (char *) g_ptr_array_index (operations, i),
                 reply.status, reply.text);
    }

  call (f, "GET", "/leads/" CUSTOMER "/notes", API_KEY, NULL, NULL, &deeper);
  assert_error (&deeper, 404, "not_found");
  call (f, "GET", "/leads/" CUSTOMER "/notes", NULL, NULL, NULL, &deeper_no_key);
  assert_error (&deeper_no_key, 401, "unauthorized");
  call (f, "DELETE", "/leads/" CUSTOMER, API_KEY, NULL, NULL, &wrong_method);
  assert_error (&wrong_method, 405, "method_not_allowed");
  g_assert_cmpstr (soup_message_headers_get_one (wrong_method.headers, "Allow"), ==, "PATCH");

  wabiz_rest_api_set_rate_limit (f->rest, 0.01, 2);
  for (guint i = 0; i < 5; i++)
    {
      g_auto(Reply) page = { 0 };

      call (f, "GET", "/docs", NULL, NULL, NULL, &page);
      g_assert_cmpuint (page.status, ==, 200);
    }
  get (f, "/leads", &leads);
  g_assert_cmpuint (leads.status, ==, 200);
  wabiz_rest_api_set_rate_limit (f->rest, 100, 200);
}


static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  const struct
  {
    const char *method;
    const char *path;
    const char *key;
    const char *content_type;
    const char *body;
    guint       status;
    const char *code;
  } cases[] = {
    { "POST", "/send-message", API_KEY, "application/json", "{\"phone\": \"12\", \"message\": \"hi\"}", 422, "invalid_phone" },
    { "POST", "/send-message", API_KEY, "application/json", "{\"phone\": \"not a phone\", \"message\": \"hi\"}", 422, "invalid_phone" },
    { "POST", "/send-message", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\"}", 422, "missing_field" },
    { "POST", "/send-message", API_KEY, "application/json", "{\"message\": \"hi\"}", 422, "missing_field" },
    { "POST", "/send-message", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\", \"message\": 5}", 422, "wrong_type" },
    { "POST", "/send-message", API_KEY, "application/json", "{\"phone\": 1234567890, \"message\": \"hi\"}", 422, "wrong_type" },
    { "POST", "/send-message", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\", \"message\":", 400, "malformed_json" },
    { "POST", "/send-message", API_KEY, "application/json", "[1, 2]", 400, "malformed_json" },
    { "POST", "/send-message", API_KEY, "text/plain", "{\"phone\": \"" CUSTOMER "\", \"message\": \"hi\"}", 415, "unsupported_media_type" },
    { "POST", "/send-message", NULL, "application/json", "{\"phone\": \"" CUSTOMER "\", \"message\": \"hi\"}", 401, "unauthorized" },
    { "POST", "/send-message", "wrong-key", "application/json", "{\"phone\": \"" CUSTOMER "\", \"message\": \"hi\"}", 401, "unauthorized" },
    { "POST", "/send-message", API_KEY "x", "application/json", "{\"phone\": \"" CUSTOMER "\", \"message\": \"hi\"}", 401, "unauthorized" },
    { "GET", "/send-message", API_KEY, NULL, NULL, 405, "method_not_allowed" },
    { "POST", "/send-media", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\", \"media_url\": \"https://example.com/a.exe\", \"media_type\": \"program\"}", 422, "invalid_media_type" },
    { "POST", "/send-media", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\", \"media_url\": \"file:///etc/passwd\", \"media_type\": \"image\"}", 422, "invalid_media_url" },
    { "POST", "/send-media", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\", \"media_type\": \"image\"}", 422, "missing_field" },
    { "POST", "/send-template", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"no_such_template\", \"language\": \"en\"}", 404, "template_not_found" },
    { "POST", "/template/send", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"no_such_template\", \"language\": \"en\", \"parameters\": []}", 404, "template_not_found" },
    { "POST", "/send-template", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"order_ready\", \"parameters\": \"John\"}", 422, "wrong_type" },
    { "POST", "/send-template", API_KEY, "application/json", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"order_ready\", \"language\": \"en_US\", \"parameters\": []}", 422, "invalid_input" },
    { "POST", "/template/create", API_KEY, "application/json", "{\"name\": \"Bad Name\", \"category\": \"UTILITY\", \"language\": \"en\", \"body_text\": \"x\"}", 422, "invalid_name" },
    { "POST", "/template/create", API_KEY, "application/json", "{\"name\": \"ok_name\", \"category\": \"SPAM\", \"language\": \"en\", \"body_text\": \"x\"}", 422, "invalid_category" },
    { "POST", "/template/create", API_KEY, "application/json", "{\"name\": \"ok_name\", \"category\": \"UTILITY\", \"language\": \"en\"}", 422, "missing_field" },
    { "POST", "/template/create", API_KEY, "application/json", "{\"name\": \"ok_name\", \"category\": \"UTILITY\", \"language\": \"en\", \"body_text\": \"Hi {{2}}\"}", 422, "invalid_placeholders" },
    { "GET", "/recent-messages", API_KEY, NULL, NULL, 422, "missing_field" },
    { "GET", "/recent-messages?phone=abc", API_KEY, NULL, NULL, 422, "invalid_phone" },
    { "GET", "/recent-messages?phone=" CUSTOMER "&limit=lots", API_KEY, NULL, NULL, 422, "invalid_parameter" },
    { "GET", "/leads?limit=0", API_KEY, NULL, NULL, 422, "invalid_parameter" },
    { "GET", "/leads", NULL, NULL, NULL, 401, "unauthorized" },
    { "GET", "/get-conversation?phone=447700900999", API_KEY, NULL, NULL, 404, "not_found" },
    { "GET", "/conversations/447700900999/export", API_KEY, NULL, NULL, 404, "not_found" },
    { "GET", "/no-such-endpoint", API_KEY, NULL, NULL, 404, "not_found" },
  };
  g_autofree char *before = NULL;
  g_autoptr(GString) big = g_string_new ("{\"phone\": \"" CUSTOMER "\", \"message\": \"");

  customer_writes (f, CUSTOMER, "John Doe");
  /* a template exists, so unknown names are unknown */
  wabiz_db_result_unref (sql (f, "INSERT INTO templates (name, language, status, body_text) VALUES"
                                " ('order_ready', 'en_US', 'APPROVED', 'Order {{1}} is ready')", 0, NULL));
  before = written (f);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autofree char *after = NULL;

      call (f, cases[i].method, cases[i].path, cases[i].key, cases[i].content_type, cases[i].body, &reply);
      assert_error (&reply, cases[i].status, cases[i].code);
      after = written (f);
      g_assert_cmpstr (before, ==, after);
    }

  /* oversized body: 413 before it is read */
  while (big->len <= WABIZ_REST_MAX_BODY)
    g_string_append (big, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  g_string_append (big, "\"}");
  {
    g_auto(Reply) reply = { 0 };
    g_autofree char *after = NULL;

    call (f, "POST", "/send-message", API_KEY, "application/json", big->str, &reply);
    assert_error (&reply, 413, "body_too_large");
    after = written (f);
    g_assert_cmpstr (before, ==, after);
  }

  /* too many requests */
  wabiz_rest_api_set_rate_limit (f->rest, 0.01, 2);
  {
    g_auto(Reply) a = { 0 }, b = { 0 }, c = { 0 };

    get (f, "/leads", &a);
    get (f, "/leads", &b);
    get (f, "/leads", &c);
    g_assert_cmpuint (a.status, ==, 200);
    g_assert_cmpuint (b.status, ==, 200);
    assert_error (&c, 429, "rate_limited");
  }
  wabiz_rest_api_set_rate_limit (f->rest, 100, 200);

}

/* The integer at @spec of a GET /analytics answer; fails when there is none */
static gint64
analytics_int (JsonNode   *root,
               const char *spec)
{
  JsonNode *node = jpath (root, spec);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    g_error ("No number at %s", spec);
  return json_node_get_int (node);
}

/* GET /analytics: the figures of WabizAnalytics for the period of ?from=,
 * ?to=, ?tz= (or ?period=) and the business hours of ?hours=, the old
 * fields kept (all time without a period); GET /analytics/failures pages
 * through the messages of one failure reason; bad parameters answer 422. */
static void
test_analytics (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(WabizDbResult) seeded = NULL;
  g_auto(Reply) all = { 0 }, berlin = { 0 }, new_york = { 0 }, sunday = { 0 };
  g_autofree char *cursor = NULL;
  const char *berlin_day = "/analytics?from=2024-03-31&to=2024-03-31&tz=Europe%2FBerlin";
  const struct
  {
    const char *query;
    const char *code;
  } bad[] = {
    { "period=yesterday", "invalid_period" },
    { "from=2024-04-01&to=2024-03-01", "invalid_period" },
    { "from=31%2F03%2F2024&to=2024-04-01", "invalid_period" },
    { "from=2024-04-01", "invalid_period" },
    { "from=2020-01-01&to=2024-04-01", "invalid_period" },
    { "tz=Mars%2FBase", "invalid_time_zone" },
    { "tz=UTC%27%3B%20DROP%20TABLE%20leads", "invalid_time_zone" },
    { "hours=9-5", "invalid_hours" },
    { "hours=mon-fri%2018%3A00-09%3A00", "invalid_hours" },
  };

  /* Saturday 30 March 23:30 CET a customer writes; we answer an hour
   * later, at 00:30 on Sunday (CET, before the change to summer time);
   * three templates fail later that Sunday, for two reasons */
  seeded = sql (f, "INSERT INTO messages (phone, direction, type, status, \"timestamp\", read_at, error_code,"
                   " error_title) VALUES"
                   " ('491701000001', 'inbound', 'text', 'received', '2024-03-30T22:30:00Z', NULL, NULL, NULL),"
                   " ('491701000001', 'outbound', 'text', 'read', '2024-03-30T23:30:00Z', '2024-03-30T23:40:00Z',"
                   "  NULL, NULL),"
                   " ('491701000002', 'outbound', 'template', 'failed', '2024-03-31T08:00:00Z', NULL, 131026,"
                   "  'Message undeliverable'),"
                   " ('491701000002', 'outbound', 'template', 'failed', '2024-03-31T09:00:00Z', NULL, 131026,"
                   "  'Message undeliverable'),"
                   " ('491701000002', 'outbound', 'template', 'failed', '2024-03-31T10:00:00Z', NULL, 131047,"
                   "  'Re-engagement message')", 0, NULL);

  /* no period: all time, with the fields the old service had */
  get (f, "/analytics", &all);
  g_assert_cmpuint (all.status, ==, 200);
  g_assert_true (json_object_get_boolean_member (object (&all), "success"));
  g_assert_cmpint (json_object_get_int_member (object (&all), "total_messages"), ==, 5);
  g_assert_cmpint (analytics_int (all.body, "by_direction.inbound"), ==, 1);
  g_assert_cmpint (analytics_int (all.body, "by_direction.outbound"), ==, 4);
  g_assert_cmpint (analytics_int (all.body, "by_status.failed"), ==, 3);
  g_assert_cmpint (analytics_int (all.body, "by_type.template"), ==, 3);
  g_assert_cmpint (analytics_int (all.body, "funnel.failed"), ==, 3);
  g_assert_cmpint (analytics_int (all.body, "total_leads"), ==, 0);
  g_assert_cmpint (analytics_int (all.body, "leads_by_status.NEW"), ==, 0);
  g_assert_cmpint (analytics_int (all.body, "total_conversations"), ==, 0);
  g_assert_nonnull (jstring (all.body, "generated_at"));
  g_assert_cmpstr (jstring (all.body, "period.first_day"), ==, "2024-03-30");

  /* Sunday in Berlin: [23:00 UTC on the 30th, 22:00 UTC on the 31st) */
  get (f, berlin_day, &berlin);
  g_assert_cmpuint (berlin.status, ==, 200);
  g_assert_cmpstr (jstring (berlin.body, "period.start"), ==, "2024-03-30T23:00:00Z");
  g_assert_cmpstr (jstring (berlin.body, "period.end"), ==, "2024-03-31T22:00:00Z");
  g_assert_cmpint (analytics_int (berlin.body, "total_messages"), ==, 4);
  g_assert_null (jpath (berlin.body, "by_direction.inbound"));
  g_assert_cmpint (analytics_int (berlin.body, "funnel.outbound"), ==, 4);
  g_assert_cmpint (analytics_int (berlin.body, "funnel.sent"), ==, 1);
  g_assert_cmpint (analytics_int (berlin.body, "funnel.delivered"), ==, 1);
  g_assert_cmpint (analytics_int (berlin.body, "funnel.read"), ==, 1);
  g_assert_cmpfloat_with_epsilon (json_node_get_double (jpath (berlin.body, "funnel.failed_rate")), 0.75, 1e-9);
  g_assert_cmpint (analytics_int (berlin.body, "failures[0].error_code"), ==, 131026);
  g_assert_cmpint (analytics_int (berlin.body, "failures[0].count"), ==, 2);
  g_assert_cmpstr (jstring (berlin.body, "failures[1].error_title"), ==, "Re-engagement message");
  g_assert_cmpint (analytics_int (berlin.body, "failures[1].count"), ==, 1);
  g_assert_null (jpath (berlin.body, "failures[2]"));
  g_assert_cmpstr (jstring (berlin.body, "messages_per_day[0].day"), ==, "2024-03-31");
  g_assert_cmpint (analytics_int (berlin.body, "messages_per_day[0].sent"), ==, 4);
  g_assert_cmpint (analytics_int (berlin.body, "messages_per_day[0].received"), ==, 0);
  g_assert_null (jpath (berlin.body, "messages_per_day[1]"));
  /* the turn began on Saturday; its reply, on Sunday, an hour later */
  g_assert_cmpint (analytics_int (berlin.body, "replies.turns"), ==, 0);
  g_assert_cmpint (analytics_int (berlin.body, "replies.replies"), ==, 1);
  g_assert_cmpfloat_with_epsilon (json_node_get_double (jpath (berlin.body, "replies.median_seconds")), 3600, 1e-9);
  g_assert_cmpint (analytics_int (berlin.body, "replies.within_business_hours"), ==, 0);

  /* the same reply within Sunday's hours */
  {
    g_autofree char *path = g_strdup_printf ("%s&hours=sun%%2000%%3A00-01%%3A00", berlin_day);

    get (f, path, &sunday);
    g_assert_cmpuint (sunday.status, ==, 200);
    g_assert_cmpint (analytics_int (sunday.body, "replies.within_business_hours"), ==, 1);
  }

  /* Sunday in New York: from 04:00 UTC, the three failures only */
  get (f, "/analytics?from=2024-03-31&to=2024-03-31&tz=America%2FNew_York", &new_york);
  g_assert_cmpuint (new_york.status, ==, 200);
  g_assert_cmpint (analytics_int (new_york.body, "total_messages"), ==, 3);
  g_assert_cmpint (analytics_int (new_york.body, "replies.replies"), ==, 0);
  g_assert_true (JSON_NODE_HOLDS_NULL (jpath (new_york.body, "replies.median_seconds")));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_strdup_printf ("/analytics?%s", bad[i].query);
      g_autofree char *failures = g_strdup_printf ("/analytics/failures?%s", bad[i].query);
      g_auto(Reply) reply = { 0 }, failures_reply = { 0 };

      get (f, path, &reply);
      assert_error (&reply, 422, bad[i].code);
      get (f, failures, &failures_reply);
      assert_error (&failures_reply, 422, bad[i].code);
    }

  /* the messages of the first reason, newest first, one a page */
  for (guint page = 0; page < 3; page++)
    {
      g_autofree char *escaped = cursor != NULL ? g_uri_escape_string (cursor, NULL, FALSE) : NULL;
      g_autofree char *path = g_strdup_printf ("/analytics/failures?from=2024-03-31&to=2024-03-31&tz=Europe%%2FBerlin"
                                               "&error_code=131026&error_title=Message%%20undeliverable&limit=1%s%s",
                                               escaped != NULL ? "&cursor=" : "", escaped != NULL ? escaped : "");
      g_auto(Reply) reply = { 0 };

      get (f, path, &reply);
      g_assert_cmpuint (reply.status, ==, 200);
      g_clear_pointer (&cursor, g_free);
      if (page < 2)
        {
          g_assert_cmpstr (jstring (reply.body, "messages[0].timestamp"), ==,
                           page == 0 ? "2024-03-31T09:00:00.000000Z" : "2024-03-31T08:00:00.000000Z");
          g_assert_cmpstr (jstring (reply.body, "messages[0].phone"), ==, "491701000002");
          g_assert_null (jpath (reply.body, "messages[1]"));
          cursor = g_strdup (jstring (reply.body, "next"));
          g_assert_nonnull (cursor);
        }
      else
        {
          g_assert_null (jpath (reply.body, "messages[0]"));
          g_assert_true (JSON_NODE_HOLDS_NULL (jpath (reply.body, "next")));
        }
    }
  {
    g_auto(Reply) bad_cursor = { 0 }, bad_code = { 0 }, bad_limit = { 0 };

    get (f, "/analytics/failures?error_code=131026&cursor=yesterday", &bad_cursor);
    assert_error (&bad_cursor, 422, "invalid_cursor");
    get (f, "/analytics/failures?error_code=many", &bad_code);
    g_assert_cmpuint (bad_code.status, ==, 422);
    get (f, "/analytics/failures?limit=501", &bad_limit);
    g_assert_cmpuint (bad_limit.status, ==, 422);
  }
}

static void
test_no_key (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autoptr(WabizRestApi) rest = wabiz_rest_api_new (db, NULL, NULL, NULL);
  g_autoptr(WabizHttpServer) http = wabiz_http_server_new ("127.0.0.1", 0);
  g_autoptr(GError) error = NULL;
  Fixture f = { 0 };
  g_auto(Reply) reply = { 0 };

  wabiz_rest_api_attach (rest, wabiz_http_server_get_soup_server (http));
  g_assert_true (wabiz_http_server_start (http, &error));
  f.url = wabiz_http_server_dup_url (http);
  f.session = soup_session_new ();

  /* without a key set, every call is refused, and says why */
  call (&f, "GET", "/leads", "anything", NULL, NULL, &reply);
  assert_error (&reply, 401, "api_disabled");
  g_clear_object (&f.session);
  g_free (f.url);
  wabiz_db_close (db);
}

static void
test_database_away (void)
{
  /* a server that is not there */
  g_autoptr(WabizDb) db = wabiz_db_new ("host=/nonexistent/wabiz port=1 dbname=none connect_timeout=2", NULL, 2);
  g_autoptr(WabizRestApi) rest = wabiz_rest_api_new (db, NULL, NULL, API_KEY);
  g_autoptr(WabizHttpServer) http = wabiz_http_server_new ("127.0.0.1", 0);
  g_autoptr(GError) error = NULL;
  Fixture f = { 0 };
  g_auto(Reply) leads = { 0 }, health = { 0 }, send = { 0 };

  wabiz_rest_api_attach (rest, wabiz_http_server_get_soup_server (http));
  g_assert_true (wabiz_http_server_start (http, &error));
  f.url = wabiz_http_server_dup_url (http);
  f.session = soup_session_new ();

  call (&f, "GET", "/leads", API_KEY, NULL, NULL, &leads);
  assert_error (&leads, 503, "database_unavailable");
  call (&f, "GET", "/health", API_KEY, NULL, NULL, &health);
  g_assert_cmpuint (health.status, ==, 503);
  g_assert_cmpstr (json_object_get_string_member (object (&health), "status"), ==, "degraded");
  /* no sender set up here */
  call (&f, "POST", "/send-message", API_KEY, "application/json",
        "{\"phone\": \"" CUSTOMER "\", \"message\": \"hi\"}", &send);
  assert_error (&send, 503, "sender_unavailable");

  g_clear_object (&f.session);
  g_free (f.url);
  wabiz_db_close (db);
}

/* With a sender set up and the database gone, every send call answers
 * 503 and nothing reaches Meta: a message is never sent unstored. */
static void
test_database_away_sends (void)
{
  g_autoptr(WabizDb) db = wabiz_db_new ("host=/nonexistent/wabiz port=1 dbname=none connect_timeout=2", NULL, 2);
  g_autoptr(WabizSimServer) sim = wabiz_sim_server_new ();
  g_autoptr(WabizGraphClient) graph = NULL;
  g_autoptr(WabizOutbox) outbox = NULL;
  g_autoptr(WabizRestApi) rest = NULL;
  g_autoptr(WabizHttpServer) http = wabiz_http_server_new ("127.0.0.1", 0);
  g_autoptr(JsonArray) ledger = NULL;
  g_autoptr(GError) error = NULL;
  Fixture f = { 0 };
  const char *sends[][2] = {
    { "/send-message", "{\"phone\": \"" CUSTOMER "\", \"message\": \"Olá\"}" },
    { "/send-media", "{\"phone\": \"" CUSTOMER "\", \"media_url\": \"https://example.com/a.jpg\","
                     " \"media_type\": \"image\", \"caption\": \"Olá\"}" },
    { "/send-template", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"hello_world\", \"language\": \"en_US\"}" },
    { "/template/send", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"hello_world\", \"language\": \"en_US\"}" },
  };

  g_assert_true (wabiz_sim_server_start (sim, &error));
  g_assert_no_error (error);
  wabiz_sim_server_set_window (sim, CUSTOMER, TRUE);
  graph = wabiz_graph_client_new (wabiz_sim_server_get_base_url (sim), GRAPH_VERSION, PHONE_NUMBER_ID, WABA_ID,
                                  WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  outbox = wabiz_outbox_new (db, graph, 1000);
  rest = wabiz_rest_api_new (db, outbox, graph, API_KEY);
  wabiz_rest_api_attach (rest, wabiz_http_server_get_soup_server (http));
  g_assert_true (wabiz_http_server_start (http, &error));
  g_assert_no_error (error);
  f.url = wabiz_http_server_dup_url (http);
  f.session = soup_session_new ();

  for (guint i = 0; i < G_N_ELEMENTS (sends); i++)
    {
      g_auto(Reply) reply = { 0 };

      call (&f, "POST", sends[i][0], API_KEY, "application/json", sends[i][1], &reply);
      assert_error (&reply, 503, "database_unavailable");
    }

  ledger = wabiz_sim_server_dup_ledger (sim, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 0);

  g_clear_object (&f.session);
  g_free (f.url);
  wabiz_sim_server_stop (sim);
  wabiz_db_close (db);
}

/* ------------------------------------------------------------------ */
/* mode "ai": Gemini (the simulator's) writes the template */

#define AI_CREATE(name, category, context) \
  "{\"name\": \"" name "\", \"category\": \"" category "\", \"language\": \"en_US\"," \
  " \"mode\": \"ai\", \"context\": \"" context "\"}"
#define CAKE_CONTEXT "Tell a customer their cake order is ready to collect: first name, order number."

/* Gives the REST API Gemini, as wabizd does with GEMINI_API_KEY */
static WabizGeminiClient *
give_gemini (Fixture    *f,
             const char *key)
{
  WabizGeminiClient *gemini = wabiz_gemini_client_new (wabiz_sim_server_get_base_url (f->sim), key, NULL);

  /* a short back-off: a long wait is Gemini's retryDelay */
  wabiz_gemini_client_set_retry (gemini, 3, 20, 60000);
  wabiz_rest_api_set_gemini (f->rest, gemini);
  return gemini;
}

static void
gemini_script (Fixture    *f,
               const char *answers)
{
  g_autoptr(JsonNode) node = json_from_string (answers, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (node);
  g_assert_true (wabiz_sim_server_add_gemini_answers (f->sim, json_node_get_array (node), &error));
  g_assert_no_error (error);
}

static guint
gemini_calls (Fixture *f)
{
  g_autoptr(JsonArray) calls = wabiz_sim_server_dup_gemini_requests (f->sim, 0);

  return json_array_get_length (calls);
}

/* Nothing kept, nothing at Meta, for template @name */
static void
assert_no_template (Fixture    *f,
                    const char *name)
{
  g_autofree char *path = g_strconcat (WABA_ID "/message_templates?name=", name, NULL);
  g_autoptr(JsonNode) listed = graph_call (f, "GET", path, NULL, 200);
  const char *p[] = { name };
  g_autoptr(WabizDbResult) res = sql (f, "SELECT count(*) FROM templates WHERE name = $1", 1, p);

  g_assert_cmpstr (wabiz_db_result_get_nth (res, 0, 0), ==, "0");
  g_assert_null (jpath (listed, "data[0]"));
}

/* The answer to a template Gemini wrote: the old service's fields and
 * generated_body, kept as written, at Meta with Gemini's example values */
static void
assert_ai_template (Fixture    *f,
                    Reply      *reply,
                    const char *name)
{
  const char *fields[] = { "success", "template_name", "status", "mode", "generated_body", "template_id",
                           "stored_in_supabase", "example_values", "gemini_usage", NULL };
  g_autofree char *path = g_strconcat (WABA_ID "/message_templates?name=", name, NULL);
  g_autoptr(JsonNode) listed = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  JsonArray *examples;
  const char *body;
  const char *p[2];

  if (reply->status != 200)
    g_error ("mode ai answered %u: %s", reply->status, reply->text);
  assert_members (reply, fields);
  g_assert_true (json_object_get_boolean_member (object (reply), "success"));
  g_assert_cmpstr (json_object_get_string_member (object (reply), "template_name"), ==, name);
  g_assert_cmpstr (json_object_get_string_member (object (reply), "mode"), ==, "ai");
  body = json_object_get_string_member (object (reply), "generated_body");
  examples = json_object_get_array_member (object (reply), "example_values");
  g_assert_true (wabiz_template_check_body (body, NULL, problems));
  g_assert_cmpuint (json_array_get_length (examples), ==, wabiz_template_count_placeholders (body));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object (reply), "gemini_usage"),
                                               "total_tokens"), >, 0);

  /* kept as written, with Meta's id */
  p[0] = name;
  p[1] = body;
  {
    g_autoptr(WabizDbResult) res = sql (f, "SELECT meta_id FROM templates WHERE name = $1 AND body_text = $2", 2, p);

    g_assert_cmpint (wabiz_db_result_get_n_rows (res), ==, 1);
    g_assert_cmpstr (wabiz_db_result_get_nth (res, 0, 0), ==,
                     json_object_get_string_member (object (reply), "template_id"));
  }

  /* Meta has the body and Gemini's example values */
  listed = graph_call (f, "GET", path, NULL, 200);
  g_assert_cmpstr (jstring (listed, "data[0].components[0].text"), ==, body);
  g_assert_null (jpath (listed, "data[1]"));
  {
    JsonNode *sent = jpath (listed, "data[0].components[0].example.body_text[0]");

    g_assert_nonnull (sent);
    g_assert_true (JSON_NODE_HOLDS_ARRAY (sent));
    g_assert_cmpuint (json_array_get_length (json_node_get_array (sent)), ==, json_array_get_length (examples));
    for (guint i = 0; i < json_array_get_length (examples); i++)
      g_assert_cmpstr (json_array_get_string_element (json_node_get_array (sent), i), ==,
                       json_array_get_string_element (examples, i));
  }
}

static void
test_template_ai (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(WabizGeminiClient) gemini = give_gemini (f, WABIZ_SIM_DEFAULT_GEMINI_KEY);
  g_auto(Reply) drafted = { 0 }, repaired = { 0 }, refused = { 0 }, malformed = { 0 };
  g_autoptr(JsonArray) calls = NULL;

  /* Written, checked, submitted and kept */
  post (f, "/template/create", AI_CREATE ("cake_ready", "UTILITY", CAKE_CONTEXT), &drafted);
  assert_ai_template (f, &drafted, "cake_ready");
  g_assert_cmpuint (gemini_calls (f), ==, 1);

  /* A draft that ends with a placeholder is asked for again; Meta only
   * ever sees the repaired one */
  wabiz_sim_server_reset (f->sim);
  sim_config (f, "{\"template_review\": \"manual\"}");
  gemini_script (f, "[{\"fault\": \"placeholder_at_end\"}]");
  post (f, "/template/create", AI_CREATE ("cake_ready_again", "UTILITY", CAKE_CONTEXT), &repaired);
  assert_ai_template (f, &repaired, "cake_ready_again");
  calls = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (calls), ==, 2);
  {
    g_autoptr(JsonNode) second = json_node_init_object (json_node_alloc (), json_array_get_object_element (calls, 1));

    g_assert_nonnull (strstr (jstring (second, "request.contents[2].parts[0].text"), "cannot end with a placeholder"));
  }

  /* Malformed JSON from Gemini: asked again too */
  gemini_script (f, "[{\"fault\": \"malformed_json\"}]");
  post (f, "/template/create", AI_CREATE ("cake_ready_json", "UTILITY", CAKE_CONTEXT), &malformed);
  assert_ai_template (f, &malformed, "cake_ready_json");

  /* Broken every time: refused after the bound, listing what is wrong;
   * nothing kept, nothing at Meta */
  gemini_script (f, "[{\"fault\": \"promotional\"}, {\"fault\": \"promotional\"}, {\"fault\": \"promotional\"}]");
  post (f, "/template/create", AI_CREATE ("cake_promo", "UTILITY", CAKE_CONTEXT), &refused);
  assert_error (&refused, 502, "ai_invalid_draft");
  g_assert_nonnull (strstr (jstring (refused.body, "error.message"), "3 tries"));
  g_assert_nonnull (strstr (jstring (refused.body, "error.message"), "reads as promotional"));
  assert_no_template (f, "cake_promo");
}

static void
test_template_ai_fails (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(WabizGeminiClient) gemini = give_gemini (f, WABIZ_SIM_DEFAULT_GEMINI_KEY);
  g_autoptr(WabizGeminiClient) wrong = NULL;
  g_auto(Reply) safety = { 0 }, cut = { 0 }, busy = { 0 }, down = { 0 }, wrong_key = { 0 }, auth = { 0 },
                no_context = { 0 }, no_gemini = { 0 };
  g_autoptr(JsonArray) calls = NULL;
  g_autofree char *before = written (f);
  g_autofree char *after = NULL;

  /* SAFETY: the caller is told, nothing is kept */
  gemini_script (f, "[{\"finish_reason\": \"SAFETY\"}]");
  post (f, "/template/create", AI_CREATE ("cake_safety", "MARKETING", CAKE_CONTEXT), &safety);
  assert_error (&safety, 422, "ai_declined");
  g_assert_nonnull (strstr (jstring (safety.body, "error.message"), "SAFETY"));

  /* MAX_TOKENS, twice: cut off, never half a template */
  gemini_script (f, "[{\"finish_reason\": \"MAX_TOKENS\"}, {\"finish_reason\": \"MAX_TOKENS\"}]");
  post (f, "/template/create", AI_CREATE ("cake_cut", "UTILITY", CAKE_CONTEXT), &cut);
  assert_error (&cut, 502, "ai_failed");
  g_assert_nonnull (strstr (jstring (cut.body, "error.message"), "cut off"));

  /* 503 until the client gives up */
  sim_config (f, "{\"gemini_fail_next\": [503, 503, 503]}");
  post (f, "/template/create", AI_CREATE ("cake_down", "UTILITY", CAKE_CONTEXT), &down);
  assert_error (&down, 503, "ai_unavailable");
  g_assert_nonnull (strstr (jstring (down.body, "error.message"), "overloaded"));

  /* a wrong key: 503, and the key is nowhere in the answer */
  wrong = give_gemini (f, "AIzaNotTheRightKey0123456789");
  post (f, "/template/create", AI_CREATE ("cake_key", "UTILITY", CAKE_CONTEXT), &wrong_key);
  assert_error (&wrong_key, 503, "ai_unavailable");
  g_assert_nonnull (strstr (jstring (wrong_key.body, "error.message"), "API key"));
  g_assert_null (strstr (wrong_key.text, "AIzaNotTheRightKey"));

  /* nothing of it was kept */
  after = written (f);
  g_assert_cmpstr (after, ==, before);
  assert_no_template (f, "cake_safety");
  assert_no_template (f, "cake_cut");

  /* AUTHENTICATION and a missing context never reach Gemini */
  calls = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  post (f, "/template/create", AI_CREATE ("login_code", "AUTHENTICATION", "A one-time login code."), &auth);
  assert_error (&auth, 422, "invalid_category");
  g_assert_nonnull (strstr (jstring (auth.body, "error.message"), "manual"));
  post (f, "/template/create", "{\"name\": \"cake_ready\", \"category\": \"UTILITY\", \"language\": \"en\","
                               " \"mode\": \"ai\"}", &no_context);
  assert_error (&no_context, 422, "missing_field");
  g_assert_cmpuint (gemini_calls (f), ==, json_array_get_length (calls));

  /* without a Gemini key: 503, saying what to set */
  wabiz_rest_api_set_gemini (f->rest, NULL);
  post (f, "/template/create", AI_CREATE ("cake_ready", "UTILITY", CAKE_CONTEXT), &no_gemini);
  assert_error (&no_gemini, 503, "ai_unavailable");
  g_assert_nonnull (strstr (jstring (no_gemini.body, "error.message"), "GEMINI_API_KEY"));
}

static void
test_template_ai_retry_delay (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(WabizGeminiClient) gemini = give_gemini (f, WABIZ_SIM_DEFAULT_GEMINI_KEY);
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonArray) list = NULL;
  g_autoptr(JsonNode) calls = NULL;

  /* 429 with Gemini's retryDelay, then a draft: the second call came no
   * sooner than asked (the simulator's arrival times) */
  gemini_script (f, "[{\"status\": 429, \"retry_delay\": \"1.5s\"}]");
  post (f, "/template/create", AI_CREATE ("cake_after_quota", "UTILITY", CAKE_CONTEXT), &reply);
  assert_ai_template (f, &reply, "cake_after_quota");
  list = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  calls = json_node_init_array (json_node_alloc (), list);
  g_assert_cmpint (json_node_get_int (jpath (calls, "[0].status")), ==, 429);
  g_assert_cmpint (json_node_get_int (jpath (calls, "[1].status")), ==, 200);
  g_assert_cmpint (json_node_get_int (jpath (calls, "[1].monotonic_us")) -
                   json_node_get_int (jpath (calls, "[0].monotonic_us")), >=, 1500 * 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* warnings about refused calls and a closed database are expected */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add ("/wabiz/rest/examples", Fixture, NULL, fixture_setup, test_examples, fixture_teardown);
  g_test_add ("/wabiz/rest/additions", Fixture, NULL, fixture_setup, test_additions, fixture_teardown);
  g_test_add ("/wabiz/rest/openapi-valid", Fixture, NULL, fixture_setup, test_openapi_valid, fixture_teardown);
  g_test_add ("/wabiz/rest/template-create", Fixture, NULL, fixture_setup, test_template_create, fixture_teardown);
  g_test_add ("/wabiz/rest/health-foreign", Fixture, NULL, fixture_setup, test_health_foreign, fixture_teardown);
  g_test_add ("/wabiz/rest/docs", Fixture, NULL, fixture_setup, test_docs, fixture_teardown);
  g_test_add ("/wabiz/rest/routes", Fixture, NULL, fixture_setup, test_routes, fixture_teardown);
  g_test_add ("/wabiz/rest/bad-input", Fixture, NULL, fixture_setup, test_bad_input, fixture_teardown);
  g_test_add ("/wabiz/rest/campaigns", Fixture, NULL, fixture_setup, test_campaigns, fixture_teardown);
  g_test_add ("/wabiz/rest/campaigns-bad-input", Fixture, NULL, fixture_setup, test_campaigns_bad_input,
              fixture_teardown);
  g_test_add ("/wabiz/rest/analytics", Fixture, NULL, fixture_setup, test_analytics, fixture_teardown);
  g_test_add ("/wabiz/rest/sent/text", Fixture, NULL, fixture_setup, test_sent_text, fixture_teardown);
  g_test_add ("/wabiz/rest/sent/media", Fixture, NULL, fixture_setup, test_sent_media, fixture_teardown);
  g_test_add ("/wabiz/rest/sent/template", Fixture, NULL, fixture_setup, test_sent_template, fixture_teardown);
  g_test_add ("/wabiz/rest/queued", Fixture, NULL, fixture_setup, test_queued, fixture_teardown);
  g_test_add ("/wabiz/rest/queued-rate-limit", Fixture, NULL, fixture_setup, test_queued_rate_limit,
              fixture_teardown);
  g_test_add ("/wabiz/rest/meta-refuses", Fixture, NULL, fixture_setup, test_meta_refuses, fixture_teardown);
  g_test_add ("/wabiz/rest/send-bad-input", Fixture, NULL, fixture_setup, test_send_bad_input, fixture_teardown);
  g_test_add ("/wabiz/rest/template-ai", Fixture, NULL, fixture_setup, test_template_ai, fixture_teardown);
  g_test_add ("/wabiz/rest/template-ai-fails", Fixture, NULL, fixture_setup, test_template_ai_fails, fixture_teardown);
  g_test_add ("/wabiz/rest/template-ai-retry-delay", Fixture, NULL, fixture_setup, test_template_ai_retry_delay,
              fixture_teardown);
  g_test_add_func ("/wabiz/rest/no-key", test_no_key);
  g_test_add_func ("/wabiz/rest/database-away", test_database_away);
  g_test_add_func ("/wabiz/rest/database-away-sends", test_database_away_sends);

  return g_test_run ();
}
