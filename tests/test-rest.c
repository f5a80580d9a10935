/* test-rest.c: the old service's REST API, against real PostgreSQL and
 * a stand-in for Meta's Graph API on loopback
 *
 * SPDX-License-Identifier: MIT
 *
 * The requests are the old service's README examples; the answers must
 * carry the old service's fields. Bad input must get its documented
 * status and write nothing.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wabiz-db.h"
#include "wabiz-graph-client.h"
#include "wabiz-http-server.h"
#include "wabiz-migrations.h"
#include "wabiz-outbox.h"
#include "wabiz-rest-api.h"
#include "wabiz-test-pg.h"
#include "wabiz-webhook.h"
#include "wabiz-webhook-parser.h"
#include "wabiz-webhook-processor.h"

#define API_KEY "test-rest-api-key"
#define APP_SECRET "wabiz-test-app-secret"
#define PHONE_NUMBER_ID "106540352242922"
#define WABA_ID "108233722174550"
#define CUSTOMER "1234567890"
#define UNREACHABLE "4915123456789"

typedef struct
{
  WabizDb               *db;
  SoupServer            *meta;        /* the Graph API stand-in */
  guint                  n_meta_sends;
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
/* the Graph API stand-in */

static void
meta_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *answer = NULL;
  JsonObject *request;
  const char *to;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  request = json_node_get_object (json_parser_get_root (parser));

  if (g_str_has_suffix (path, "/" WABA_ID "/message_templates"))
    {
      answer = g_strdup ("{\"id\":\"778812045530777\",\"status\":\"PENDING\",\"category\":\"UTILITY\"}");
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, g_steal_pointer (&answer),
                                        strlen ("{\"id\":\"778812045530777\",\"status\":\"PENDING\",\"category\":\"UTILITY\"}"));
      return;
    }

  if (!g_str_has_suffix (path, "/" PHONE_NUMBER_ID "/messages"))
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }

  to = json_object_get_string_member_with_default (request, "to", "");
  if (g_str_equal (to, UNREACHABLE))
    {
      answer = g_strdup ("{\"error\":{\"message\":\"(#131026) Message undeliverable\",\"type\":\"OAuthException\","
                         "\"code\":131026,\"error_data\":{\"messaging_product\":\"whatsapp\","
                         "\"details\":\"Message Undeliverable.\"},\"fbtrace_id\":\"AbC123\"}}");
      soup_server_message_set_status (msg, 400, NULL);
    }
  else
    {
      answer = g_strdup_printf ("{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"%s\",\"wa_id\":\"%s\"}],"
                                "\"messages\":[{\"id\":\"wamid.rest.%u\"}]}", to, to, ++f->n_meta_sends);
      soup_server_message_set_status (msg, 200, NULL);
    }
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, answer, strlen (answer));
}

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
  guint       status;
  JsonNode   *body;       /* (owned) (nullable) */
  char       *text;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->body, json_node_unref);
  g_clear_pointer (&reply->text, g_free);
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
  g_assert_false (json_object_get_boolean_member (o, "success"));
  error = json_object_get_object_member (o, "error");
  g_assert_nonnull (error);
  g_assert_nonnull (json_object_get_string_member (error, "message"));
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

/* A customer writes (opens the 24-hour window), through the webhook. */
static void
customer_writes (Fixture    *f,
                 const char *phone,
                 const char *name)
{
  static guint counter;
  g_autofree char *body = g_strdup_printf (
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"" WABA_ID "\",\"changes\":[{"
    "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\","
    "\"phone_number_id\":\"" PHONE_NUMBER_ID "\"},\"contacts\":[{\"profile\":{\"name\":\"%s\"},"
    "\"wa_id\":\"%s\"}],\"messages\":[{\"from\":\"%s\",\"id\":\"wamid.in.%u\",\"timestamp\":\"%" G_GINT64_FORMAT "\","
    "\"text\":{\"body\":\"Hi there\"},\"type\":\"text\"}]},\"field\":\"messages\"}]}]}",
    name, phone, phone, ++counter, g_get_real_time () / G_USEC_PER_SEC);
  g_autofree char *signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) body, strlen (body));
  g_autofree char *uri = g_strconcat (f->url, "/webhook", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) answer = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Hub-Signature-256", signature);
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  answer = soup_session_send_and_read_finish (f->session, result, NULL);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  process (f);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(GError) error = NULL;
  g_autofree char *meta_url = NULL;
  GSList *uris;

  f->db = wabiz_db_new (conninfo, NULL, 6);
  g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
  g_assert_no_error (error);

  f->meta = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->meta, NULL, meta_cb, f, NULL);
  g_assert_true (soup_server_listen_local (f->meta, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->meta);
  meta_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  f->graph = wabiz_graph_client_new (meta_url, "v21.0", PHONE_NUMBER_ID, WABA_ID, "test-access-token");
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
}

static void
stopped_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gboolean stopped = FALSE;

  wabiz_outbox_stop_async (f->outbox, NULL, stopped_cb, &stopped);
  wabiz_test_wait_for_flag (&stopped, 60);
  g_clear_object (&f->session);
  g_clear_object (&f->http);
  g_clear_object (&f->rest);
  g_clear_object (&f->processor);
  g_clear_object (&f->webhook);
  g_clear_object (&f->outbox);
  g_clear_object (&f->graph);
  g_clear_object (&f->meta);
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
                r8 = { 0 }, r9 = { 0 }, r10 = { 0 };
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

  /* 3. Send Template */
  post (f, "/send-template", "{\"phone\": \"" CUSTOMER "\", \"template_name\": \"hello_world\","
                             " \"language\": \"en\", \"parameters\": [\"John\", \"Smith\"]}", &r3);
  assert_sent (f, &r3);
  g_assert_cmpstr (json_object_get_string_member (object (&r3), "template_used"), ==, "hello_world");

  /* 4. Create Template (Manual Mode) */
  post (f, "/template/create", "{\"name\": \"welcome_template\", \"category\": \"UTILITY\", \"language\": \"en\","
                               " \"mode\": \"manual\", \"body_text\": \"Hello {{1}}, welcome to {{2}}!\","
                               " \"footer_text\": \"Powered by AI\"}", &r4);
  g_assert_cmpuint (r4.status, ==, 200);
  assert_members (&r4, template_fields);
  g_assert_cmpstr (json_object_get_string_member (object (&r4), "status"), ==, "PENDING_REVIEW");
  g_assert_cmpstr (json_object_get_string_member (object (&r4), "mode"), ==, "manual");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM templates WHERE name = 'welcome_template'"
                               " AND body_text = 'Hello {{1}}, welcome to {{2}}!' AND meta_id = '778812045530777'"), ==, 1);

  /* 5. Create Template (AI Mode): not yet, and says so */
  post (f, "/template/create", "{\"name\": \"ai_generated_template\", \"category\": \"MARKETING\", \"language\": \"en\","
                               " \"mode\": \"ai\", \"context\": \"Product promotion for new smartphone launch\"}", &r5);
  assert_error (&r5, 503, "ai_unavailable");

  /* 6. Send Template (Existing Template): once Meta approved it */
  wabiz_db_result_unref (sql (f, "UPDATE templates SET status = 'APPROVED' WHERE name = 'welcome_template'", 0, NULL));
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
                               "/leads/{phone}", "/conversations/{phone}/export", "/analytics", "/health",
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
  post (f, "/send-message", "{\"phone\": \"" UNREACHABLE "\", \"message\": \"Hallo\"}", &failed);
  assert_error (&failed, 422, "meta_131026");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE phone = '" UNREACHABLE "'"
                               " AND direction = 'outbound' AND status = 'failed' AND error_code = 131026"), ==, 1);
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
  g_test_add ("/wabiz/rest/bad-input", Fixture, NULL, fixture_setup, test_bad_input, fixture_teardown);
  g_test_add_func ("/wabiz/rest/no-key", test_no_key);
  g_test_add_func ("/wabiz/rest/database-away", test_database_away);

  return g_test_run ();
}
