/* test-sim.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Runs wabiz-sim in-process on port 0, with a small SoupServer as the
 * webhook receiver, and checks that it answers like the Graph and Gemini
 * APIs: errors, the ledger, windows, throughput, signed status webhooks
 * and retries, media, templates and Gemini. Nothing sleeps: each test
 * iterates the main context until what it waits for happens, with a
 * timeout that fails the test.
 */

#define G_LOG_DOMAIN "test-sim"

#include "config.h"

#include "wabiz-sim-gemini.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#define TIMEOUT_S   20
#define TOKEN       "sim-access-token"
#define APP_SECRET  "test-app-secret"
#define GEMINI_KEY  "sim-gemini-key"
#define PHONE_ID    "106540352242922"
#define WABA_ID     "108233722174550"
#define MESSAGES    "/v19.0/" PHONE_ID "/messages"
#define TEMPLATES   "/v19.0/" WABA_ID "/message_templates"
#define MARIA       "16315551234"

typedef struct
{
  GBytes   *body;
  JsonNode *json;
  gboolean  signature_ok;
} Received;

typedef struct
{
  WabizSimServer *sim;
  SoupServer     *receiver;
  SoupSession    *session;
  char           *base;
  GPtrArray      *received;      /* Received *, answered 200 */
  GPtrArray      *attempts;      /* GBytes *, every POST, answered or not */
  guint           fail_next;     /* answer 500 to that many POSTs */
} Fixture;

typedef struct
{
  guint     status;
  GBytes   *body;
  JsonNode *json;                /* (nullable) */
  char     *content_type;
} Response;

/* Helpers */

static void
received_free (Received *received)
{
  g_bytes_unref (received->body);
  g_clear_pointer (&received->json, json_node_unref);
  g_free (received);
}

static void
response_free (Response *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->json, json_node_unref);
  g_free (response->content_type);
  g_free (response);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

/* Iterates the main context until @cond holds; fails after TIMEOUT_S,
 * naming @cond. */
#define WAIT_FOR(cond) WABIZ_TEST_WAIT (cond, TIMEOUT_S)

/* Walks "a.b[2].c" from @root; NULL if any step is missing. */
static JsonNode *
path (JsonNode   *root,
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
          JsonArray *array;

          if (!JSON_NODE_HOLDS_ARRAY (node))
            return NULL;
          array = json_node_get_array (node);
          if (index >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, index);
        }
    }

  return node;
}

static const char *
path_string (JsonNode   *root,
             const char *spec)
{
  JsonNode *node = path (root, spec);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gint64
path_int (JsonNode   *root,
          const char *spec)
{
  JsonNode *node = path (root, spec);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);

  return json_node_get_int (node);
}

static guint
path_length (JsonNode   *root,
             const char *spec)
{
  JsonNode *node = path (root, spec);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));

  return json_array_get_length (json_node_get_array (node));
}

static JsonNode *
parse (const char *data,
       gsize       len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (len == 0 || !json_parser_load_from_data (parser, data, len, NULL))
    return NULL;

  return json_node_ref (json_parser_get_root (parser));
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Response **out = user_data;
  Response *response = g_new0 (Response, 1);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const char *data;

  response->body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  response->content_type =
    g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg),
                                                     NULL));
  data = g_bytes_get_data (response->body, &len);
  response->json = parse (data, len);

  *out = response;
}

static Response *
send_message (Fixture     *f,
              SoupMessage *msg)
{
  Response *response = NULL;

  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, send_cb,
                                    &response);
  WAIT_FOR (response != NULL);

  return response;
}

static Response *
request (Fixture    *f,
         const char *method,
         const char *where,
         const char *token,
         const char *json)
{
  g_autofree char *url = g_str_has_prefix (where, "http") ? g_strdup (where)
                                                           : g_strconcat (f->base, where, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);

  g_assert_nonnull (msg);

  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg),
                                    "Authorization", auth);
    }

  if (json != NULL)
    {
      g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", body);
    }

  return send_message (f, msg);
}

static Response *
graph (Fixture    *f,
       const char *method,
       const char *where,
       const char *json)
{
  return request (f, method, where, TOKEN, json);
}

static void
assert_graph_error (Response *response,
                    guint     status,
                    gint64    code)
{
  if (response->status != status || response->json == NULL ||
      path_int (response->json, "error.code") != code)
    g_test_message ("Unexpected answer: %.*s", (int) g_bytes_get_size (response->body),
                    (const char *) g_bytes_get_data (response->body, NULL));

  g_assert_cmpuint (response->status, ==, status);
  g_assert_nonnull (response->json);
  g_assert_cmpint (path_int (response->json, "error.code"), ==, code);
  g_assert_nonnull (path_string (response->json, "error.message"));
  g_assert_nonnull (path_string (response->json, "error.type"));
  g_assert_nonnull (path_string (response->json, "error.fbtrace_id"));
}

static void
configure (Fixture    *f,
           const char *json)
{
  g_autoptr(Response) response = request (f, "PATCH", "/_sim/config", NULL, json);

  g_assert_cmpuint (response->status, ==, 200);
}

static char *
inbound (Fixture    *f,
         const char *json)
{
  g_autoptr(Response) response = request (f, "POST", "/_sim/inbound", NULL, json);

  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (path_string (response->json, "wamid"));
}

static char *
send_text (Fixture    *f,
           const char *to,
           const char *text)
{
  g_autofree char *json = g_strdup_printf ("{\"messaging_product\": \"whatsapp\", \"to\": \"%s\", "
                                           "\"type\": \"text\", \"text\": {\"body\": \"%s\"}}",
                                           to, text);
  g_autoptr(Response) response = graph (f, "POST", MESSAGES, json);

  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (path_string (response->json, "messages[0].id"));
}

/* The webhook that carries a status @status for @wamid, if any. */
static Received *
find_status (Fixture    *f,
             const char *wamid,
             const char *status)
{
  for (guint i = 0; i < f->received->len; i++)
    {
      Received *received = g_ptr_array_index (f->received, i);
      JsonNode *value = path (received->json, "entry[0].changes[0].value");

      if (value != NULL &&
          g_strcmp0 (path_string (value, "statuses[0].id"), wamid) == 0 &&
          g_strcmp0 (path_string (value, "statuses[0].status"), status) == 0)
        return received;
    }

  return NULL;
}

static guint
index_of (Fixture  *f,
          Received *received)
{
  guint index = 0;

  g_assert_true (g_ptr_array_find (f->received, received, &index));
  return index;
}

static Received *
find_message (Fixture    *f,
              const char *wamid)
{
  for (guint i = 0; i < f->received->len; i++)
    {
      Received *received = g_ptr_array_index (f->received, i);
      JsonNode *messages = path (received->json, "entry[0].changes[0].value.messages");

      for (guint j = 0; messages != NULL && JSON_NODE_HOLDS_ARRAY (messages) &&
                        j < json_array_get_length (json_node_get_array (messages)); j++)
        {
          JsonNode *message = json_array_get_element (json_node_get_array (messages), j);

          if (g_strcmp0 (path_string (message, "id"), wamid) == 0)
            return received;
        }
    }

  return NULL;
}

static Received *
find_template_event (Fixture    *f,
                     const char *name,
                     const char *event)
{
  for (guint i = 0; i < f->received->len; i++)
    {
      Received *received = g_ptr_array_index (f->received, i);
      JsonNode *value = path (received->json, "entry[0].changes[0].value");

      if (g_strcmp0 (path_string (received->json, "entry[0].changes[0].field"),
                     "message_template_status_update") == 0 &&
          g_strcmp0 (path_string (value, "message_template_name"), name) == 0 &&
          g_strcmp0 (path_string (value, "event"), event) == 0)
        return received;
    }

  return NULL;
}

static gboolean
is_ascii (GBytes *bytes)
{
  gsize len = 0;
  const guchar *data = g_bytes_get_data (bytes, &len);

  for (gsize i = 0; i < len; i++)
    {
      if (data[i] >= 0x80)
        return FALSE;
    }

  return TRUE;
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  return g_strstr_len (data, len, needle) != NULL;
}

static gint64
stat_int (Fixture    *f,
          const char *key)
{
  g_autoptr(JsonObject) stats =
    wabiz_sim_webhooks_dup_stats (wabiz_sim_server_get_webhooks (f->sim));

  return json_object_get_int_member (stats, key);
}

/* Fixture */

static void
receiver_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *where,
             GHashTable        *query,
             gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "X-Hub-Signature-256");
  g_autofree char *expected = NULL;
  Received *received;

  g_ptr_array_add (f->attempts, g_bytes_new (body->data, body->length));

  if (f->fail_next > 0)
    {
      f->fail_next--;
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }

  /* Verify the signature as a receiver must: HMAC over the raw bytes. */
  expected = g_compute_hmac_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) APP_SECRET, strlen (APP_SECRET),
                                      (const guchar *) body->data, body->length);

  received = g_new0 (Received, 1);
  received->body = g_bytes_new (body->data, body->length);
  received->json = parse (body->data, body->length);
  received->signature_ok = header != NULL && g_str_has_prefix (header, "sha256=") &&
                           g_str_equal (header + strlen ("sha256="), expected);
  g_ptr_array_add (f->received, received);

  g_assert_cmpstr (soup_message_headers_get_content_type (
                     soup_server_message_get_request_headers (msg), NULL),
                   ==, "application/json");

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *receiver_url = NULL;
  GSList *uris;

  f->received = g_ptr_array_new_with_free_func ((GDestroyNotify) received_free);
  f->attempts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  f->receiver = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->receiver, NULL, receiver_cb, f, NULL);
  soup_server_listen_local (f->receiver, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (f->receiver);
  receiver_url = g_strdup_printf ("http://127.0.0.1:%d/webhook", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  f->sim = g_object_new (WABIZ_TYPE_SIM_SERVER,
                         "port", 0,
                         "webhook-url", receiver_url,
                         "app-secret", APP_SECRET,
                         NULL);
  wabiz_sim_server_start (f->sim, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wabiz_sim_server_get_port (f->sim), >, 0);
  f->base = g_strdup (wabiz_sim_server_get_base_url (f->sim));

  f->session = soup_session_new_with_options ("proxy-resolver", NULL, "timeout", 30, NULL);

  configure (f, "{\"status_delay_ms\": 10, \"retry_initial_ms\": 20, "
                "\"template_review_delay_ms\": 20}");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);

  soup_server_disconnect (f->receiver);
  g_clear_object (&f->receiver);
  soup_session_abort (f->session);
  g_clear_object (&f->session);

  /* Let cancelled deliveries and closed connections finish. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_clear_pointer (&f->received, g_ptr_array_unref);
  g_clear_pointer (&f->attempts, g_ptr_array_unref);
  g_clear_pointer (&f->base, g_free);
}

/* Graph: messages */

static void
test_auth (Fixture       *f,
           gconstpointer  data)
{
  const char *body = "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                     "\"type\": \"text\", \"text\": {\"body\": \"hi\"}}";
  g_autoptr(Response) none = request (f, "POST", MESSAGES, NULL, body);
  g_autoptr(Response) wrong = request (f, "POST", MESSAGES, "not-the-token", body);
  g_autoptr(Response) phone = graph (f, "GET", "/v21.0/" PHONE_ID, NULL);
  g_autoptr(Response) missing = graph (f, "POST", "/v19.0/106540352242999/messages", body);
  g_autoptr(JsonArray) ledger = NULL;

  assert_graph_error (none, 401, 190);
  assert_graph_error (wrong, 401, 190);
  g_assert_cmpint (path_int (wrong->json, "error.error_subcode"), ==, 463);
  g_assert_cmpstr (path_string (wrong->json, "error.type"), ==, "OAuthException");

  g_assert_cmpuint (phone->status, ==, 200);
  g_assert_cmpstr (path_string (phone->json, "id"), ==, PHONE_ID);

  assert_graph_error (missing, 400, 100);
  g_assert_cmpint (path_int (missing->json, "error.error_subcode"), ==, 33);
  g_assert_cmpstr (path_string (missing->json, "error.type"), ==, "GraphMethodException");

  /* Refused callers are not the business: nothing in the ledger. */
  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 0);
}

static void
test_send_text (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *inbound_wamid = NULL;
  g_autoptr(Response) sent = NULL;
  g_autoptr(Response) ledger = NULL;
  g_autoptr(Response) later = NULL;
  g_autoptr(Response) brazil = NULL;
  JsonNode *entry;
  const char *wamid;

  inbound_wamid = inbound (f, "{\"from\": \"" MARIA "\", \"name\": \"Maria Lopez\", "
                              "\"type\": \"text\", \"text\": {\"body\": \"hi\"}}");
  g_assert_true (g_str_has_prefix (inbound_wamid, "wamid."));

  sent = graph (f, "POST", MESSAGES,
                "{\"messaging_product\": \"whatsapp\", \"recipient_type\": \"individual\", "
                "\"to\": \"+1 (631) 555-1234\", \"type\": \"text\", "
                "\"text\": {\"body\": \"hello\", \"preview_url\": false}}");
  g_assert_cmpuint (sent->status, ==, 200);
  g_assert_cmpstr (path_string (sent->json, "messaging_product"), ==, "whatsapp");
  g_assert_cmpstr (path_string (sent->json, "contacts[0].input"), ==, "+1 (631) 555-1234");
  g_assert_cmpstr (path_string (sent->json, "contacts[0].wa_id"), ==, MARIA);
  wamid = path_string (sent->json, "messages[0].id");
  g_assert_true (g_str_has_prefix (wamid, "wamid."));
  g_assert_cmpstr (wamid, !=, inbound_wamid);
  g_assert_null (path (sent->json, "messages[0].message_status"));

  ledger = request (f, "GET", "/_sim/ledger", NULL, NULL);
  g_assert_cmpuint (ledger->status, ==, 200);
  g_assert_cmpuint (path_length (ledger->json, "entries"), ==, 1);
  entry = path (ledger->json, "entries[0]");
  g_assert_cmpint (path_int (entry, "seq"), ==, 1);
  g_assert_cmpint (path_int (entry, "received_at_us"), >, 0);
  g_assert_cmpstr (path_string (entry, "to"), ==, "+1 (631) 555-1234");
  g_assert_cmpstr (path_string (entry, "wa_id"), ==, MARIA);
  g_assert_cmpstr (path_string (entry, "type"), ==, "text");
  g_assert_cmpstr (path_string (entry, "wamid"), ==, wamid);
  g_assert_cmpstr (path_string (entry, "result"), ==, "accepted");
  g_assert_cmpstr (path_string (entry, "body.text.body"), ==, "hello");

  later = request (f, "GET", "/_sim/ledger?since=1", NULL, NULL);
  g_assert_cmpuint (path_length (later->json, "entries"), ==, 0);
  g_assert_cmpint (path_int (later->json, "last_seq"), ==, 1);

  /* wa_id can differ from the input: Brazil's ninth digit. */
  configure (f, "{\"window_policy\": \"open\"}");
  brazil = graph (f, "POST", MESSAGES,
                  "{\"messaging_product\": \"whatsapp\", \"to\": \"551187654321\", "
                  "\"text\": {\"body\": \"ol\\u00e1\"}}");
  g_assert_cmpuint (brazil->status, ==, 200);
  g_assert_cmpstr (path_string (brazil->json, "contacts[0].input"), ==, "551187654321");
  g_assert_cmpstr (path_string (brazil->json, "contacts[0].wa_id"), ==, "5511987654321");
}

static void
test_window (Fixture       *f,
             gconstpointer  data)
{
  const char *body = "{\"messaging_product\": \"whatsapp\", \"to\": \"447700900123\", "
                     "\"type\": \"text\", \"text\": {\"body\": \"Are you there?\"}}";
  g_autoptr(Response) closed = graph (f, "POST", MESSAGES, body);
  g_autoptr(Response) open = NULL;
  g_autoptr(JsonArray) ledger = NULL;
  g_autofree char *wamid = NULL;
  JsonObject *entry;

  assert_graph_error (closed, 400, 131047);
  g_assert_nonnull (path_string (closed->json, "error.error_data.details"));

  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 1);
  entry = json_array_get_object_element (ledger, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "error");
  g_assert_cmpint (json_object_get_int_member (entry, "error_code"), ==, 131047);
  g_assert_true (json_object_get_null_member (entry, "wamid"));

  wamid = inbound (f, "{\"from\": \"447700900123\", \"name\": \"Priya Shah\", "
                      "\"type\": \"text\", \"text\": {\"body\": \"Yes, here\"}}");
  g_assert_nonnull (wamid);

  open = graph (f, "POST", MESSAGES, body);
  g_assert_cmpuint (open->status, ==, 200);

  /* Closing it again through the in-process API. */
  wabiz_sim_server_set_window (f->sim, "447700900123", FALSE);
  g_clear_pointer (&open, response_free);
  open = graph (f, "POST", MESSAGES, body);
  assert_graph_error (open, 400, 131047);
}

static void
test_templates_send (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Response) unknown = NULL;
  g_autoptr(Response) language = NULL;
  g_autoptr(Response) too_few = NULL;
  g_autoptr(Response) ok = NULL;
  g_autoptr(Response) named = NULL;
  g_autoptr(Response) url_button = NULL;
  g_autoptr(Response) rejected = NULL;

  unknown = graph (f, "POST", MESSAGES,
                   "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                   "\"type\": \"template\", \"template\": {\"name\": \"no_such_template\", "
                   "\"language\": {\"code\": \"en_US\"}}}");
  assert_graph_error (unknown, 400, 132001);

  language = graph (f, "POST", MESSAGES,
                    "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                    "\"type\": \"template\", \"template\": {\"name\": \"order_ready\", "
                    "\"language\": {\"code\": \"es_MX\"}}}");
  assert_graph_error (language, 400, 132001);

  too_few = graph (f, "POST", MESSAGES,
                   "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                   "\"type\": \"template\", \"template\": {\"name\": \"order_ready\", "
                   "\"language\": {\"code\": \"en_US\"}, \"components\": [{\"type\": \"body\", "
                   "\"parameters\": [{\"type\": \"text\", \"text\": \"Maria\"}]}]}}");
  assert_graph_error (too_few, 400, 132000);

  /* Templates need no open window. */
  ok = graph (f, "POST", MESSAGES,
              "{\"messaging_product\": \"whatsapp\", \"to\": \"5511987654321\", "
              "\"type\": \"template\", \"template\": {\"name\": \"order_ready\", "
              "\"language\": {\"code\": \"en_US\"}, \"components\": [{\"type\": \"body\", "
              "\"parameters\": [{\"type\": \"text\", \"text\": \"Maria\"}, "
              "{\"type\": \"text\", \"text\": \"#4521\"}]}]}}");
  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpstr (path_string (ok->json, "messages[0].message_status"), ==, "accepted");

  named = graph (f, "POST", MESSAGES,
                 "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                 "\"type\": \"template\", \"template\": {\"name\": \"appointment_reminder\", "
                 "\"language\": {\"code\": \"en_US\"}, \"components\": [{\"type\": \"body\", "
                 "\"parameters\": [{\"type\": \"text\", \"parameter_name\": \"first_name\", "
                 "\"text\": \"Maria\"}, {\"type\": \"text\", \"parameter_name\": \"when\", "
                 "\"text\": \"Friday 7pm\"}]}]}}");
  g_assert_cmpuint (named->status, ==, 200);

  /* order_tracking has a header variable and a URL button suffix. */
  url_button = graph (f, "POST", MESSAGES,
                      "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                      "\"type\": \"template\", \"template\": {\"name\": \"order_tracking\", "
                      "\"language\": {\"code\": \"en_US\"}, \"components\": ["
                      "{\"type\": \"header\", \"parameters\": [{\"type\": \"text\", \"text\": \"#4521\"}]},"
                      "{\"type\": \"body\", \"parameters\": [{\"type\": \"text\", \"text\": \"#4521\"},"
                      " {\"type\": \"text\", \"text\": \"tomorrow\"}]}]}}");
  assert_graph_error (url_button, 400, 132000);

  rejected = graph (f, "POST", MESSAGES,
                    "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                    "\"type\": \"template\", \"template\": {\"name\": \"summer_promo_2024\", "
                    "\"language\": {\"code\": \"pt_BR\"}, \"components\": [{\"type\": \"body\", "
                    "\"parameters\": [{\"type\": \"text\", \"text\": \"15\"}]}]}}");
  assert_graph_error (rejected, 400, 132001);
}

static void
test_throughput (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Response) over = NULL;

  configure (f, "{\"throughput\": 3, \"window_policy\": \"open\"}");

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *wamid = send_text (f, MARIA, "burst");

      g_assert_nonnull (wamid);
    }

  over = graph (f, "POST", MESSAGES,
                "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                "\"type\": \"text\", \"text\": {\"body\": \"one too many\"}}");
  assert_graph_error (over, 400, 130429);
}

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Response) bad_json = NULL;
  g_autoptr(Response) unknown_type = NULL;
  g_autoptr(Response) missing_body = NULL;
  g_autoptr(Response) unknown_key = NULL;
  g_autoptr(Response) long_title = NULL;
  g_autoptr(Response) list = NULL;
  g_autoptr(Response) read = NULL;
  g_autoptr(Response) typing = NULL;
  g_autoptr(Response) location = NULL;
  g_autoptr(Response) bad_to = NULL;

  configure (f, "{\"window_policy\": \"open\"}");

  bad_json = graph (f, "POST", MESSAGES, "{\"messaging_product\": ");
  assert_graph_error (bad_json, 400, 100);

  unknown_type = graph (f, "POST", MESSAGES,
                        "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                        "\"type\": \"hologram\", \"hologram\": {}}");
  assert_graph_error (unknown_type, 400, 100);

  missing_body = graph (f, "POST", MESSAGES,
                        "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                        "\"type\": \"text\", \"text\": {}}");
  assert_graph_error (missing_body, 400, 131008);

  unknown_key = graph (f, "POST", MESSAGES,
                       "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                       "\"type\": \"text\", \"text\": {\"bodytext\": \"hi\"}}");
  assert_graph_error (unknown_key, 400, 100);
  g_assert_nonnull (strstr (path_string (unknown_key->json, "error.error_data.details"),
                            "bodytext"));

  long_title = graph (f, "POST", MESSAGES,
                      "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                      "\"type\": \"interactive\", \"interactive\": {\"type\": \"button\", "
                      "\"body\": {\"text\": \"Confirm?\"}, \"action\": {\"buttons\": ["
                      "{\"type\": \"reply\", \"reply\": {\"id\": \"yes\", "
                      "\"title\": \"Yes, please confirm my booking\"}}]}}}");
  assert_graph_error (long_title, 400, 131009);

  list = graph (f, "POST", MESSAGES,
                "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                "\"type\": \"interactive\", \"interactive\": {\"type\": \"list\", "
                "\"header\": {\"type\": \"text\", \"text\": \"Our menu\"}, "
                "\"body\": {\"text\": \"Pick a category\"}, \"action\": {\"button\": "
                "\"View options\", \"sections\": [{\"title\": \"Drinks\", \"rows\": ["
                "{\"id\": \"cat_coffee\", \"title\": \"Coffee\", \"description\": \"Latte\"}]}]}}}");
  g_assert_cmpuint (list->status, ==, 200);

  location = graph (f, "POST", MESSAGES,
                    "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                    "\"type\": \"location\", \"location\": {\"latitude\": 123.0, "
                    "\"longitude\": -46.6559}}");
  assert_graph_error (location, 400, 131009);

  bad_to = graph (f, "POST", MESSAGES,
                  "{\"messaging_product\": \"whatsapp\", \"to\": \"call me\", "
                  "\"type\": \"text\", \"text\": {\"body\": \"hi\"}}");
  assert_graph_error (bad_to, 400, 131009);

  read = graph (f, "POST", MESSAGES,
                "{\"messaging_product\": \"whatsapp\", \"status\": \"read\", "
                "\"message_id\": \"wamid.HBgLMTYzMTU1NTEyMzQVAgASGBQ0RkJEOEY1QjFEMDBEOTc2RjNCNAA=\"}");
  g_assert_cmpuint (read->status, ==, 200);
  g_assert_true (json_node_get_boolean (path (read->json, "success")));

  typing = graph (f, "POST", MESSAGES,
                  "{\"messaging_product\": \"whatsapp\", \"status\": \"read\", "
                  "\"message_id\": \"wamid.x\", \"typing_indicator\": {\"type\": \"text\"}}");
  g_assert_cmpuint (typing->status, ==, 200);
  g_assert_true (json_node_get_boolean (path (typing->json, "success")));
}

/* Webhooks */

static void
test_status_webhooks (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *inbound_wamid = NULL;
  g_autofree char *wamid = NULL;
  Received *message;
  Received *sent;
  Received *delivered;
  Received *read;
  JsonNode *status;

  configure (f, "{\"status_delay_ms\": 40}");

  /* An inbound message with accents and an emoji arrives \u-escaped,
   * signed over exactly those bytes. */
  inbound_wamid = inbound (f, "{\"from\": \"" MARIA "\", \"name\": \"Jo\\u00e3o\", \"type\": "
                              "\"text\", \"text\": {\"body\": \"Ol\\u00e1 S\\u00e3o Paulo "
                              "\\ud83d\\udc4d\"}}");
  WAIT_FOR (find_message (f, inbound_wamid) != NULL);
  message = find_message (f, inbound_wamid);
  g_assert_true (message->signature_ok);
  g_assert_true (is_ascii (message->body));
  g_assert_true (bytes_contain (message->body, "S\\u00e3o Paulo \\ud83d\\udc4d"));
  g_assert_cmpstr (path_string (message->json, "object"), ==, "whatsapp_business_account");
  g_assert_cmpstr (path_string (message->json, "entry[0].id"), ==, WABA_ID);
  g_assert_cmpstr (path_string (message->json, "entry[0].changes[0].field"), ==, "messages");
  g_assert_cmpstr (path_string (message->json,
                                "entry[0].changes[0].value.metadata.phone_number_id"),
                   ==, PHONE_ID);
  g_assert_cmpstr (path_string (message->json,
                                "entry[0].changes[0].value.contacts[0].profile.name"),
                   ==, "Jo\xc3\xa3o");
  g_assert_cmpstr (path_string (message->json,
                                "entry[0].changes[0].value.messages[0].text.body"),
                   ==, "Ol\xc3\xa1 S\xc3\xa3o Paulo \xf0\x9f\x91\x8d");
  g_assert_cmpstr (path_string (message->json,
                                "entry[0].changes[0].value.messages[0].from"), ==, MARIA);
  g_assert_nonnull (path_string (message->json,
                                 "entry[0].changes[0].value.messages[0].timestamp"));

  wamid = send_text (f, MARIA, "Your order is ready");
  WAIT_FOR (find_status (f, wamid, "sent") != NULL &&
            find_status (f, wamid, "delivered") != NULL &&
            find_status (f, wamid, "read") != NULL);

  sent = find_status (f, wamid, "sent");
  delivered = find_status (f, wamid, "delivered");
  read = find_status (f, wamid, "read");
  g_assert_cmpuint (index_of (f, sent), <, index_of (f, delivered));
  g_assert_cmpuint (index_of (f, delivered), <, index_of (f, read));

  for (guint i = 0; i < 3; i++)
    {
      Received *received = i == 0 ? sent : i == 1 ? delivered : read;

      g_assert_true (received->signature_ok);
      status = path (received->json, "entry[0].changes[0].value.statuses[0]");
      g_assert_nonnull (status);
      g_assert_cmpstr (path_string (status, "recipient_id"), ==, MARIA);
      g_assert_nonnull (path_string (status, "timestamp"));
      g_assert_nonnull (path_string (status, "conversation.id"));
      g_assert_cmpstr (path_string (status, "conversation.origin.type"), ==, "service");
      g_assert_cmpstr (path_string (status, "pricing.pricing_model"), ==, "CBP");
      g_assert_cmpstr (path_string (status, "pricing.category"), ==, "service");
      g_assert_nonnull (path (status, "pricing.billable"));
    }
  g_assert_nonnull (path_string (sent->json,
                                 "entry[0].changes[0].value.statuses[0].conversation."
                                 "expiration_timestamp"));
  g_assert_null (path (read->json,
                       "entry[0].changes[0].value.statuses[0].conversation."
                       "expiration_timestamp"));
}

static void
test_undeliverable (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *wamid = NULL;
  g_autoptr(Response) immediate = NULL;
  Received *failed;
  JsonNode *status;

  configure (f, "{\"window_policy\": \"open\", \"undeliverable\": [\"+49 1512 3456789\"]}");

  wamid = send_text (f, "4915123456789", "Hallo");
  WAIT_FOR (find_status (f, wamid, "failed") != NULL);

  failed = find_status (f, wamid, "failed");
  g_assert_true (failed->signature_ok);
  status = path (failed->json, "entry[0].changes[0].value.statuses[0]");
  g_assert_cmpstr (path_string (status, "recipient_id"), ==, "4915123456789");
  g_assert_cmpint (path_int (status, "errors[0].code"), ==, 131026);
  g_assert_cmpstr (path_string (status, "errors[0].title"), ==, "Message undeliverable");
  g_assert_nonnull (path_string (status, "errors[0].error_data.details"));
  g_assert_null (path (status, "conversation"));
  g_assert_null (find_status (f, wamid, "sent"));

  configure (f, "{\"undeliverable_mode\": \"error\"}");
  immediate = graph (f, "POST", MESSAGES,
                     "{\"messaging_product\": \"whatsapp\", \"to\": \"4915123456789\", "
                     "\"type\": \"text\", \"text\": {\"body\": \"Hallo\"}}");
  assert_graph_error (immediate, 400, 131026);
}

static void
test_retry (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *wamid = NULL;
  g_autofree char *second = NULL;
  g_autoptr(Response) stats = NULL;

  configure (f, "{\"retry_initial_ms\": 10, \"retry_max_ms\": 40}");

  /* Two 500s, then 200: delivered on the third attempt, same bytes. */
  f->fail_next = 2;
  wamid = inbound (f, "{\"from\": \"" MARIA "\", \"type\": \"text\", "
                      "\"text\": {\"body\": \"retry me\"}}");
  WAIT_FOR (find_message (f, wamid) != NULL);
  g_assert_cmpuint (f->attempts->len, ==, 3);
  g_assert_true (g_bytes_equal (g_ptr_array_index (f->attempts, 0),
                                g_ptr_array_index (f->attempts, 2)));
  g_assert_true (find_message (f, wamid)->signature_ok);

  WAIT_FOR (wabiz_sim_webhooks_get_pending (wabiz_sim_server_get_webhooks (f->sim)) == 0);
  stats = request (f, "GET", "/_sim/webhooks", NULL, NULL);
  g_assert_cmpint (path_int (stats->json, "delivered"), ==, 1);
  g_assert_cmpint (path_int (stats->json, "retried"), ==, 2);
  g_assert_cmpint (path_int (stats->json, "failed_attempts"), ==, 2);
  g_assert_cmpint (path_int (stats->json, "pending"), ==, 0);

  /* Bounded attempts: give up after retry_max_attempts. */
  configure (f, "{\"retry_max_attempts\": 2}");
  f->fail_next = 10;
  second = inbound (f, "{\"from\": \"" MARIA "\", \"type\": \"text\", "
                       "\"text\": {\"body\": \"never arrives\"}}");
  WAIT_FOR (stat_int (f, "gave_up") == 1);
  g_assert_cmpuint (f->attempts->len, ==, 5);
  g_assert_null (find_message (f, second));
}

static void
test_duplicates_and_order (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *wamid = NULL;
  guint n = 0;

  configure (f, "{\"window_policy\": \"open\", \"duplicate_rate\": 1.0, "
                "\"out_of_order\": true, \"seed\": 7}");

  wamid = send_text (f, MARIA, "twice");
  /* Three stages, each delivered twice. */
  WAIT_FOR (stat_int (f, "delivered") >= 6);

  for (guint i = 0; i < f->received->len; i++)
    {
      Received *received = g_ptr_array_index (f->received, i);

      if (g_strcmp0 (path_string (received->json,
                                  "entry[0].changes[0].value.statuses[0].id"), wamid) == 0)
        n++;
    }
  g_assert_cmpuint (n, ==, 6);
}

/* Media */

static Response *
upload (Fixture    *f,
        const char *mime_type,
        gsize       size,
        const char *product)
{
  g_autoptr(SoupMultipart) multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  g_autofree char *url = g_strconcat (f->base, "/v19.0/" PHONE_ID "/media", NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) file = NULL;
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + 3);
  file = g_bytes_new_take (data, size);

  if (product != NULL)
    soup_multipart_append_form_string (multipart, "messaging_product", product);
  soup_multipart_append_form_string (multipart, "type", mime_type);
  soup_multipart_append_form_file (multipart, "file", "upload.bin", mime_type, file);

  msg = soup_message_new_from_multipart (url, multipart);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                "Authorization", "Bearer " TOKEN);

  return send_message (f, msg);
}

static void
test_media (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(Response) uploaded = upload (f, "image/jpeg", 1024, "whatsapp");
  g_autoptr(Response) info = NULL;
  g_autoptr(Response) anonymous = NULL;
  g_autoptr(Response) download = NULL;
  g_autoptr(Response) send_id = NULL;
  g_autoptr(Response) send_bad_id = NULL;
  g_autoptr(Response) send_link = NULL;
  g_autoptr(Response) deleted = NULL;
  g_autoptr(Response) gone = NULL;
  g_autoptr(Response) too_big = NULL;
  g_autoptr(Response) gif = NULL;
  g_autoptr(Response) sticker = NULL;
  g_autoptr(Response) no_product = NULL;
  g_autofree char *media_path = NULL;
  g_autofree char *send = NULL;
  g_autofree char *expected_sha = NULL;
  const char *id;
  const char *url;

  g_assert_cmpuint (uploaded->status, ==, 200);
  id = path_string (uploaded->json, "id");
  g_assert_nonnull (id);
  media_path = g_strconcat ("/v19.0/", id, NULL);

  info = graph (f, "GET", media_path, NULL);
  g_assert_cmpuint (info->status, ==, 200);
  g_assert_cmpstr (path_string (info->json, "messaging_product"), ==, "whatsapp");
  g_assert_cmpstr (path_string (info->json, "mime_type"), ==, "image/jpeg");
  g_assert_cmpint (path_int (info->json, "file_size"), ==, 1024);
  g_assert_cmpstr (path_string (info->json, "id"), ==, id);
  url = path_string (info->json, "url");
  g_assert_true (g_str_has_prefix (url, f->base));
  g_assert_nonnull (strstr (url, "/_sim/media/"));

  anonymous = request (f, "GET", url, NULL, NULL);
  g_assert_cmpuint (anonymous->status, ==, 401);

  download = graph (f, "GET", url, NULL);
  g_assert_cmpuint (download->status, ==, 200);
  g_assert_cmpstr (download->content_type, ==, "image/jpeg");
  g_assert_cmpuint (g_bytes_get_size (download->body), ==, 1024);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (download->body, NULL))[10], ==,
                    (guint8) (10 * 7 + 3));
  expected_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, download->body);
  g_assert_cmpstr (path_string (info->json, "sha256"), ==, expected_sha);

  configure (f, "{\"window_policy\": \"open\"}");
  send = g_strdup_printf ("{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                          "\"type\": \"image\", \"image\": {\"id\": \"%s\", "
                          "\"caption\": \"Menu\"}}", id);
  send_id = graph (f, "POST", MESSAGES, send);
  g_assert_cmpuint (send_id->status, ==, 200);

  send_bad_id = graph (f, "POST", MESSAGES,
                       "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                       "\"type\": \"image\", \"image\": {\"id\": \"999\"}}");
  assert_graph_error (send_bad_id, 400, 131009);

  send_link = graph (f, "POST", MESSAGES,
                     "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                     "\"type\": \"document\", \"document\": {\"link\": "
                     "\"https://files.example/inv-4521.pdf\", \"filename\": \"inv.pdf\"}}");
  g_assert_cmpuint (send_link->status, ==, 200);

  deleted = graph (f, "DELETE", media_path, NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  g_assert_true (json_node_get_boolean (path (deleted->json, "success")));
  gone = graph (f, "GET", media_path, NULL);
  assert_graph_error (gone, 400, 100);

  too_big = upload (f, "image/jpeg", 5 * 1024 * 1024 + 1, "whatsapp");
  assert_graph_error (too_big, 400, 131053);
  g_assert_nonnull (strstr (path_string (too_big->json, "error.error_data.details"), "5 MB"));

  gif = upload (f, "image/gif", 100, "whatsapp");
  assert_graph_error (gif, 400, 131053);
  g_assert_nonnull (strstr (path_string (gif->json, "error.error_data.details"), "image/gif"));

  sticker = upload (f, "image/webp", 150 * 1024, "whatsapp");
  assert_graph_error (sticker, 400, 131053);

  no_product = upload (f, "image/png", 100, NULL);
  assert_graph_error (no_product, 400, 100);
}

/* Templates */

static void
test_templates (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *next = g_strdup (TEMPLATES "?limit=2");
  g_autoptr(Response) fields = NULL;
  g_autoptr(Response) created = NULL;
  g_autoptr(Response) listed = NULL;
  g_autoptr(Response) duplicate = NULL;
  g_autoptr(Response) bad_name = NULL;
  g_autoptr(Response) edge = NULL;
  g_autoptr(Response) rejected = NULL;
  g_autoptr(Response) deleted = NULL;
  g_autoptr(Response) send_deleted = NULL;
  Received *approved;
  Received *reject_event;
  guint pages = 0;
  const char *id;

  /* Follow the cursors to the end. */
  while (next != NULL)
    {
      g_autoptr(Response) page = graph (f, "GET", next, NULL);
      const char *next_url;

      g_assert_cmpuint (page->status, ==, 200);
      g_assert_nonnull (path_string (page->json, "paging.cursors.before"));
      g_assert_nonnull (path_string (page->json, "paging.cursors.after"));
      for (guint i = 0; i < path_length (page->json, "data"); i++)
        {
          g_autofree char *item = g_strdup_printf ("data[%u]", i);
          JsonNode *tpl = path (page->json, item);

          g_assert_nonnull (path_string (tpl, "id"));
          g_assert_nonnull (path_string (tpl, "status"));
          g_assert_nonnull (path (tpl, "components"));
          g_ptr_array_add (names, g_strdup_printf ("%s/%s", path_string (tpl, "name"),
                                                   path_string (tpl, "language")));
        }

      g_assert_cmpuint (path_length (page->json, "data"), <=, 2);
      next_url = path_string (page->json, "paging.next");
      g_free (next);
      next = g_strdup (next_url);
      pages++;
      g_assert_cmpuint (pages, <, 20);
    }
  g_assert_cmpuint (names->len, ==, 7);
  g_assert_cmpuint (pages, ==, 4);
  g_assert_true (g_ptr_array_find_with_equal_func (names, "hello_world/en_US", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (names, "order_ready/pt_BR", g_str_equal, NULL));

  fields = graph (f, "GET", TEMPLATES "?fields=name,status&name=hello_world", NULL);
  g_assert_cmpuint (path_length (fields->json, "data"), ==, 1);
  g_assert_cmpstr (path_string (fields->json, "data[0].status"), ==, "APPROVED");
  g_assert_null (path (fields->json, "data[0].components"));
  g_assert_nonnull (path_string (fields->json, "data[0].id"));
  g_assert_null (path (fields->json, "paging.next"));

  created = graph (f, "POST", TEMPLATES,
                   "{\"name\": \"sim_test_notice\", \"language\": \"en_US\", "
                   "\"category\": \"UTILITY\", \"components\": [{\"type\": \"BODY\", "
                   "\"text\": \"Hi {{1}}, your table is ready.\", "
                   "\"example\": {\"body_text\": [[\"Maria\"]]}}]}");
  g_assert_cmpuint (created->status, ==, 200);
  g_assert_cmpstr (path_string (created->json, "status"), ==, "PENDING");
  g_assert_cmpstr (path_string (created->json, "category"), ==, "UTILITY");
  id = path_string (created->json, "id");
  g_assert_nonnull (id);

  WAIT_FOR (find_template_event (f, "sim_test_notice", "APPROVED") != NULL);
  approved = find_template_event (f, "sim_test_notice", "APPROVED");
  g_assert_true (approved->signature_ok);
  g_assert_cmpint (path_int (approved->json, "entry[0].time"), >, 0);
  g_assert_cmpint (path_int (approved->json,
                             "entry[0].changes[0].value.message_template_id"),
                   ==, g_ascii_strtoll (id, NULL, 10));
  g_assert_cmpstr (path_string (approved->json,
                                "entry[0].changes[0].value.message_template_language"),
                   ==, "en_US");
  g_assert_cmpstr (path_string (approved->json, "entry[0].changes[0].value.reason"), ==, "NONE");

  listed = graph (f, "GET", TEMPLATES "?name=sim_test_notice", NULL);
  g_assert_cmpstr (path_string (listed->json, "data[0].status"), ==, "APPROVED");

  duplicate = graph (f, "POST", TEMPLATES,
                     "{\"name\": \"sim_test_notice\", \"language\": \"en_US\", "
                     "\"category\": \"UTILITY\", \"components\": [{\"type\": \"BODY\", "
                     "\"text\": \"Hello again\"}]}");
  assert_graph_error (duplicate, 400, 100);

  bad_name = graph (f, "POST", TEMPLATES,
                    "{\"name\": \"Bad-Name\", \"language\": \"en_US\", \"category\": "
                    "\"UTILITY\", \"components\": [{\"type\": \"BODY\", \"text\": \"Hi\"}]}");
  assert_graph_error (bad_name, 400, 100);

  edge = graph (f, "POST", TEMPLATES,
                "{\"name\": \"ends_with_variable\", \"language\": \"en_US\", \"category\": "
                "\"UTILITY\", \"components\": [{\"type\": \"BODY\", \"text\": \"Hi {{1}}\", "
                "\"example\": {\"body_text\": [[\"Maria\"]]}}]}");
  assert_graph_error (edge, 400, 100);

  rejected = graph (f, "POST", TEMPLATES,
                    "{\"name\": \"please_reject_me\", \"language\": \"pt_BR\", \"category\": "
                    "\"MARKETING\", \"components\": [{\"type\": \"BODY\", "
                    "\"text\": \"Promo\\u00e7\\u00e3o de fim de semana!\"}]}");
  g_assert_cmpuint (rejected->status, ==, 200);
  WAIT_FOR (find_template_event (f, "please_reject_me", "REJECTED") != NULL);
  reject_event = find_template_event (f, "please_reject_me", "REJECTED");
  g_assert_cmpstr (path_string (reject_event->json, "entry[0].changes[0].value.reason"),
                   ==, "INVALID_FORMAT");

  deleted = graph (f, "DELETE", TEMPLATES "?name=sim_test_notice", NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  send_deleted = graph (f, "POST", MESSAGES,
                        "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                        "\"type\": \"template\", \"template\": {\"name\": \"sim_test_notice\", "
                        "\"language\": {\"code\": \"en_US\"}}}");
  assert_graph_error (send_deleted, 400, 132001);
}

/* Gemini */

static Response *
gemini (Fixture    *f,
        const char *action,
        const char *key,
        const char *json)
{
  g_autofree char *url = g_strconcat (f->base, "/v1beta/models/", action, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

  if (key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-goog-api-key", key);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);

  return send_message (f, msg);
}

#define PROMPT_A "{\"contents\": [{\"role\": \"user\", \"parts\": [{\"text\": " \
                 "\"Hi! Do you do birthday cakes?\"}]}]}"
#define PROMPT_B "{\"contents\": [{\"role\": \"user\", \"parts\": [{\"text\": " \
                 "\"What time do you close on Saturday?\"}]}]}"

static void
test_gemini (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(Response) first = gemini (f, "gemini-2.5-flash:generateContent", GEMINI_KEY, PROMPT_A);
  g_autoptr(Response) again = gemini (f, "gemini-2.5-flash:generateContent", GEMINI_KEY, PROMPT_A);
  g_autoptr(Response) other = gemini (f, "gemini-2.5-flash:generateContent", GEMINI_KEY, PROMPT_B);
  g_autoptr(Response) wrong_key = gemini (f, "gemini-2.5-flash:generateContent", "nope", PROMPT_A);
  g_autoptr(Response) no_key = gemini (f, "gemini-2.5-flash:generateContent", NULL, PROMPT_A);
  g_autoptr(Response) no_model = gemini (f, "gemini-0.1:generateContent", GEMINI_KEY, PROMPT_A);
  g_autoptr(Response) no_contents = gemini (f, "gemini-2.5-flash:generateContent", GEMINI_KEY,
                                            "{\"contents\": []}");
  const char *text;

  g_assert_cmpuint (first->status, ==, 200);
  text = path_string (first->json, "candidates[0].content.parts[0].text");
  g_assert_nonnull (text);
  g_assert_cmpuint (strlen (text), >, 10);
  g_assert_cmpstr (path_string (first->json, "candidates[0].content.role"), ==, "model");
  g_assert_cmpstr (path_string (first->json, "candidates[0].finishReason"), ==, "STOP");
  g_assert_cmpint (path_int (first->json, "usageMetadata.promptTokenCount"), >, 0);
  g_assert_cmpint (path_int (first->json, "usageMetadata.candidatesTokenCount"), >, 0);
  g_assert_cmpint (path_int (first->json, "usageMetadata.totalTokenCount"), >=,
                   path_int (first->json, "usageMetadata.promptTokenCount") +
                   path_int (first->json, "usageMetadata.candidatesTokenCount"));
  g_assert_cmpstr (path_string (first->json, "modelVersion"), ==, "gemini-2.5-flash");

  /* Deterministic for a given prompt. */
  g_assert_cmpstr (path_string (again->json, "candidates[0].content.parts[0].text"), ==, text);
  g_assert_cmpstr (path_string (again->json, "responseId"), ==,
                   path_string (first->json, "responseId"));
  g_assert_cmpstr (path_string (other->json, "responseId"), !=,
                   path_string (first->json, "responseId"));

  g_assert_cmpuint (wrong_key->status, ==, 400);
  g_assert_cmpstr (path_string (wrong_key->json, "error.status"), ==, "INVALID_ARGUMENT");
  g_assert_cmpstr (path_string (wrong_key->json, "error.details[0].reason"), ==,
                   "API_KEY_INVALID");
  g_assert_cmpuint (no_key->status, ==, 403);
  g_assert_cmpstr (path_string (no_key->json, "error.status"), ==, "PERMISSION_DENIED");
  g_assert_cmpuint (no_model->status, ==, 404);
  g_assert_cmpstr (path_string (no_model->json, "error.status"), ==, "NOT_FOUND");
  g_assert_cmpuint (no_contents->status, ==, 400);
}

static void
test_gemini_schema (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Response) classified = NULL;
  g_autoptr(Response) drafted = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) draft = NULL;
  g_autoptr(GRegex) variable = g_regex_new ("\\{\\{[0-9]+\\}\\}", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  const char *text;
  const char *sentiment;
  guint n_variables = 0;

  classified = gemini (f, "gemini-2.5-flash-lite:generateContent", GEMINI_KEY,
    "{\"contents\": [{\"role\": \"user\", \"parts\": [{\"text\": \"Encomendei o bolo para "
    "as 15h e ainda n\\u00e3o est\\u00e1 pronto?? \\u00c9 a segunda vez!!\"}]}], "
    "\"generationConfig\": {\"temperature\": 0, \"responseMimeType\": \"application/json\", "
    "\"responseSchema\": {\"type\": \"OBJECT\", \"properties\": {"
    "\"sentiment\": {\"type\": \"STRING\", \"enum\": [\"positive\", \"neutral\", \"negative\"]}, "
    "\"score\": {\"type\": \"NUMBER\"}, "
    "\"intent\": {\"type\": \"STRING\", \"enum\": [\"question\", \"order\", \"complaint\", "
    "\"other\"]}, \"language\": {\"type\": \"STRING\"}, "
    "\"needs_human\": {\"type\": \"BOOLEAN\"}, \"summary\": {\"type\": \"STRING\"}, "
    "\"tags\": {\"type\": \"ARRAY\", \"items\": {\"type\": \"STRING\"}, \"minItems\": 2}}, "
    "\"required\": [\"sentiment\", \"score\", \"intent\", \"language\", \"needs_human\", "
    "\"summary\"]}}}");
  g_assert_cmpuint (classified->status, ==, 200);
  text = path_string (classified->json, "candidates[0].content.parts[0].text");
  value = parse (text, strlen (text));
  g_assert_nonnull (value);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (value));

  sentiment = path_string (value, "sentiment");
  g_assert_true (g_strcmp0 (sentiment, "positive") == 0 || g_strcmp0 (sentiment, "neutral") == 0 ||
                 g_strcmp0 (sentiment, "negative") == 0);
  g_assert_cmpstr (sentiment, ==, "negative");
  g_assert_cmpstr (path_string (value, "intent"), ==, "complaint");
  g_assert_cmpstr (path_string (value, "language"), ==, "pt");
  g_assert_true (json_node_get_boolean (path (value, "needs_human")));
  g_assert_true (JSON_NODE_HOLDS_VALUE (path (value, "score")));
  g_assert_cmpfloat (json_node_get_double (path (value, "score")), <, 0);
  g_assert_nonnull (path_string (value, "summary"));
  g_assert_cmpuint (path_length (value, "tags"), >=, 2);

  drafted = gemini (f, "gemini-2.5-flash:generateContent", GEMINI_KEY,
    "{\"systemInstruction\": {\"parts\": [{\"text\": \"You draft WhatsApp Business "
    "templates.\"}]}, \"contents\": [{\"role\": \"user\", \"parts\": [{\"text\": \"Cake "
    "order ready to collect.\"}]}], \"generationConfig\": {\"responseMimeType\": "
    "\"application/json\", \"responseJsonSchema\": {\"type\": \"object\", \"properties\": {"
    "\"name\": {\"type\": \"string\"}, \"category\": {\"type\": \"string\", \"enum\": "
    "[\"UTILITY\", \"MARKETING\"]}, \"body_text\": {\"type\": \"string\"}, \"footer_text\": "
    "{\"type\": \"string\", \"maxLength\": 60}, \"example_values\": {\"type\": \"array\", "
    "\"items\": {\"type\": \"string\"}}}, \"required\": [\"name\", \"category\", "
    "\"body_text\", \"footer_text\", \"example_values\"]}}}");
  g_assert_cmpuint (drafted->status, ==, 200);
  text = path_string (drafted->json, "candidates[0].content.parts[0].text");
  draft = parse (text, strlen (text));
  g_assert_nonnull (draft);
  g_assert_true (g_regex_match_simple ("^[a-z0-9_]+$", path_string (draft, "name"), 0, 0));
  g_assert_cmpstr (path_string (draft, "category"), ==, "UTILITY");
  g_assert_cmpuint (strlen (path_string (draft, "footer_text")), <=, 60);
  g_regex_match (variable, path_string (draft, "body_text"), 0, &match);
  while (g_match_info_matches (match))
    {
      n_variables++;
      g_match_info_next (match, NULL);
    }
  g_assert_cmpuint (n_variables, >, 0);
  g_assert_cmpuint (path_length (draft, "example_values"), ==, n_variables);
}

static void
test_gemini_faults (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Response) quota = NULL;
  g_autoptr(Response) overloaded = NULL;
  g_autoptr(Response) fine = NULL;
  g_autoptr(Response) config = NULL;
  gboolean retry_info = FALSE;

  configure (f, "{\"gemini_fail_next\": [429, 503], \"gemini_retry_delay\": \"3s\"}");
  config = request (f, "GET", "/_sim/config", NULL, NULL);
  g_assert_cmpuint (path_length (config->json, "gemini_fail_next"), ==, 2);

  quota = gemini (f, "gemini-2.5-pro:generateContent", GEMINI_KEY, PROMPT_A);
  g_assert_cmpuint (quota->status, ==, 429);
  g_assert_cmpint (path_int (quota->json, "error.code"), ==, 429);
  g_assert_cmpstr (path_string (quota->json, "error.status"), ==, "RESOURCE_EXHAUSTED");
  for (guint i = 0; i < path_length (quota->json, "error.details"); i++)
    {
      g_autofree char *item = g_strdup_printf ("error.details[%u]", i);
      JsonNode *detail = path (quota->json, item);

      if (g_strcmp0 (path_string (detail, "@type"),
                     "type.googleapis.com/google.rpc.RetryInfo") == 0)
        {
          g_assert_cmpstr (path_string (detail, "retryDelay"), ==, "3s");
          retry_info = TRUE;
        }
    }
  g_assert_true (retry_info);

  overloaded = gemini (f, "gemini-2.5-pro:generateContent", GEMINI_KEY, PROMPT_A);
  g_assert_cmpuint (overloaded->status, ==, 503);
  g_assert_cmpstr (path_string (overloaded->json, "error.status"), ==, "UNAVAILABLE");

  fine = gemini (f, "gemini-2.5-pro:generateContent", GEMINI_KEY, PROMPT_A);
  g_assert_cmpuint (fine->status, ==, 200);
}

static char *
join_stream_text (const char *body,
                  gsize       len,
                  gboolean    sse,
                  guint      *n_chunks,
                  char      **finish_reason)
{
  GString *text = g_string_new (NULL);
  g_autoptr(GPtrArray) chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  if (sse)
    {
      g_autofree char *copy = g_strndup (body, len);
      g_auto(GStrv) lines = g_strsplit (copy, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_strchomp (lines[i]);
          if (g_str_has_prefix (lines[i], "data: "))
            {
              JsonNode *chunk = parse (lines[i] + 6, strlen (lines[i] + 6));

              g_assert_nonnull (chunk);
              g_ptr_array_add (chunks, chunk);
            }
          else
            {
              g_assert_cmpstr (lines[i], ==, "");
            }
        }
    }
  else
    {
      g_autoptr(JsonNode) array = parse (body, len);

      g_assert_nonnull (array);
      g_assert_true (JSON_NODE_HOLDS_ARRAY (array));
      for (guint i = 0; i < json_array_get_length (json_node_get_array (array)); i++)
        g_ptr_array_add (chunks,
                         json_node_copy (json_array_get_element (json_node_get_array (array), i)));
    }

  for (guint i = 0; i < chunks->len; i++)
    {
      JsonNode *chunk = g_ptr_array_index (chunks, i);
      const char *piece = path_string (chunk, "candidates[0].content.parts[0].text");
      const char *reason = path_string (chunk, "candidates[0].finishReason");

      if (piece != NULL)
        g_string_append (text, piece);
      if (reason != NULL)
        {
          g_assert_cmpuint (i, ==, chunks->len - 1);
          *finish_reason = g_strdup (reason);
        }
    }

  *n_chunks = chunks->len;
  return g_string_free (text, FALSE);
}

static void
test_gemini_stream (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Response) whole = gemini (f, "gemini-2.5-flash:generateContent", GEMINI_KEY, PROMPT_B);
  g_autoptr(Response) sse = NULL;
  g_autoptr(Response) array = NULL;
  g_autoptr(Response) slow = NULL;
  g_autoptr(Response) slow_whole = NULL;
  const char *expected = path_string (whole->json, "candidates[0].content.parts[0].text");

  for (guint round = 0; round < 3; round++)
    {
      Response *response;
      g_autofree char *joined = NULL;
      g_autofree char *reason = NULL;
      guint n_chunks = 0;
      gsize len = 0;
      const char *body;

      if (round == 0)
        response = sse = gemini (f, "gemini-2.5-flash:streamGenerateContent?alt=sse",
                                 GEMINI_KEY, PROMPT_B);
      else if (round == 1)
        response = array = gemini (f, "gemini-2.5-flash:streamGenerateContent",
                                   GEMINI_KEY, PROMPT_B);
      else
        {
          /* Slow model and slow chunks: paused and resumed answers. */
          configure (f, "{\"gemini_latency_ms\": 5, \"gemini_stream_chunk_delay_ms\": 5}");
          response = slow = gemini (f, "gemini-2.5-flash:streamGenerateContent?alt=sse",
                                    GEMINI_KEY, PROMPT_B);
        }

      g_assert_cmpuint (response->status, ==, 200);
      g_assert_cmpstr (response->content_type, ==,
                       round == 1 ? "application/json" : "text/event-stream");
      body = g_bytes_get_data (response->body, &len);
      joined = join_stream_text (body, len, round != 1, &n_chunks, &reason);
      g_assert_cmpuint (n_chunks, >, 1);
      g_assert_cmpstr (joined, ==, expected);
      g_assert_cmpstr (reason, ==, "STOP");
    }

  /* A slow model without streaming answers the same, later. */
  slow_whole = gemini (f, "gemini-2.5-flash:generateContent", GEMINI_KEY, PROMPT_B);
  g_assert_cmpuint (slow_whole->status, ==, 200);
  g_assert_cmpstr (path_string (slow_whole->json, "candidates[0].content.parts[0].text"), ==,
                   expected);
}

/* Gemini under /v1/ and /v1beta/, scripted answers, the request log */

static Response *
gemini_at (Fixture    *f,
           const char *version,
           const char *action,
           const char *key,
           const char *json)
{
  g_autofree char *url = g_strconcat (f->base, "/", version, "/models", action, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (json != NULL ? "POST" : "GET", url);

  if (key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-goog-api-key", key);
  if (json != NULL)
    {
      g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", body);
    }

  return send_message (f, msg);
}

static void
script (Fixture    *f,
        const char *answers)
{
  g_autoptr(JsonNode) node = parse (answers, strlen (answers));
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (node);
  wabiz_sim_server_add_gemini_answers (f->sim, json_node_get_array (node), &error);
  g_assert_no_error (error);
}

/* The answer's text, parsed as JSON */
static JsonNode *
answer_json (Response *response)
{
  const char *text = path_string (response->json, "candidates[0].content.parts[0].text");

  g_assert_nonnull (text);
  return parse (text, strlen (text));
}

#define DRAFT_SCHEMA \
  "\"generationConfig\": {\"responseMimeType\": \"application/json\", \"responseSchema\": " \
  "{\"type\": \"OBJECT\", \"properties\": {\"body_text\": {\"type\": \"STRING\"}, " \
  "\"footer_text\": {\"type\": \"STRING\"}, \"example_values\": {\"type\": \"ARRAY\", " \
  "\"items\": {\"type\": \"STRING\"}}}, \"required\": [\"body_text\", \"footer_text\", " \
  "\"example_values\"]}}"
#define DRAFT_PROMPT \
  "{\"systemInstruction\": {\"parts\": [{\"text\": \"You draft WhatsApp templates.\"}]}, " \
  "\"contents\": [{\"role\": \"user\", \"parts\": [{\"text\": \"Order ready to collect.\"}]}], " \
  DRAFT_SCHEMA "}"

static void
assert_invalid_key_body (Response *response)
{
  gboolean error_info = FALSE;

  g_assert_cmpuint (response->status, ==, 400);
  g_assert_cmpstr (response->content_type, ==, "application/json");
  g_assert_cmpint (path_int (response->json, "error.code"), ==, 400);
  g_assert_cmpstr (path_string (response->json, "error.message"), ==,
                   "API key not valid. Please pass a valid API key.");
  g_assert_cmpstr (path_string (response->json, "error.status"), ==, "INVALID_ARGUMENT");
  for (guint i = 0; i < path_length (response->json, "error.details"); i++)
    {
      g_autofree char *item = g_strdup_printf ("error.details[%u]", i);
      JsonNode *detail = path (response->json, item);

      if (g_strcmp0 (path_string (detail, "@type"), "type.googleapis.com/google.rpc.ErrorInfo") == 0)
        {
          g_assert_cmpstr (path_string (detail, "reason"), ==, "API_KEY_INVALID");
          g_assert_cmpstr (path_string (detail, "domain"), ==, "googleapis.com");
          g_assert_cmpstr (path_string (detail, "metadata.service"), ==,
                           "generativelanguage.googleapis.com");
          error_info = TRUE;
        }
    }
  g_assert_true (error_info);
}

static void
test_gemini_versions (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(Response) beta = gemini_at (f, "v1beta", "/gemini-2.5-flash:generateContent",
                                        GEMINI_KEY, PROMPT_A);
  g_autoptr(Response) stable = gemini_at (f, "v1", "/gemini-2.5-flash:generateContent",
                                          GEMINI_KEY, PROMPT_A);
  g_autoptr(Response) stream = gemini_at (f, "v1", "/gemini-2.5-flash:streamGenerateContent?alt=sse",
                                          GEMINI_KEY, PROMPT_A);
  g_autoptr(Response) drafted = gemini_at (f, "v1", "/gemini-2.5-pro:generateContent",
                                           GEMINI_KEY, DRAFT_PROMPT);
  g_autoptr(Response) list = gemini_at (f, "v1", "", GEMINI_KEY, NULL);
  g_autoptr(Response) one = gemini_at (f, "v1", "/gemini-2.5-flash-lite", GEMINI_KEY, NULL);
  g_autoptr(Response) unknown = gemini_at (f, "v1", "/gemini-0.1:generateContent", GEMINI_KEY,
                                           PROMPT_A);
  g_autoptr(Response) count = gemini_at (f, "v1", "/gemini-2.5-flash:countTokens", GEMINI_KEY,
                                         PROMPT_A);
  g_autoptr(Response) wrong_beta = gemini_at (f, "v1beta", "/gemini-2.5-flash:generateContent",
                                              "not-the-key", PROMPT_A);
  g_autoptr(Response) wrong_stable = gemini_at (f, "v1", "/gemini-2.5-flash:generateContent",
                                                "not-the-key", PROMPT_A);
  g_autoptr(Response) wrong_stream = gemini_at (f, "v1", "/gemini-2.5-flash:streamGenerateContent?alt=sse",
                                                "not-the-key", PROMPT_A);
  g_autoptr(JsonNode) draft = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *reason = NULL;
  const char *text;
  guint n_chunks = 0;
  gsize len = 0;

  /* /v1/ answers as /v1beta/ does: the same shape, the same answer */
  g_assert_cmpuint (stable->status, ==, 200);
  g_assert_cmpstr (stable->content_type, ==, "application/json");
  text = path_string (stable->json, "candidates[0].content.parts[0].text");
  g_assert_nonnull (text);
  g_assert_cmpstr (text, ==, path_string (beta->json, "candidates[0].content.parts[0].text"));
  g_assert_cmpstr (path_string (stable->json, "candidates[0].content.role"), ==, "model");
  g_assert_cmpstr (path_string (stable->json, "candidates[0].finishReason"), ==, "STOP");
  g_assert_cmpint (path_int (stable->json, "candidates[0].index"), ==, 0);
  g_assert_cmpstr (path_string (stable->json, "modelVersion"), ==, "gemini-2.5-flash");
  g_assert_cmpstr (path_string (stable->json, "responseId"), ==,
                   path_string (beta->json, "responseId"));
  g_assert_cmpint (path_int (stable->json, "usageMetadata.promptTokenCount"), >, 0);
  g_assert_cmpint (path_int (stable->json, "usageMetadata.candidatesTokenCount"), >, 0);
  g_assert_cmpint (path_int (stable->json, "usageMetadata.totalTokenCount"), ==,
                   path_int (stable->json, "usageMetadata.promptTokenCount") +
                   path_int (stable->json, "usageMetadata.candidatesTokenCount") +
                   path_int (stable->json, "usageMetadata.thoughtsTokenCount"));
  g_assert_cmpstr (path_string (stable->json, "usageMetadata.promptTokensDetails[0].modality"), ==,
                   "TEXT");

  /* Streamed as server-sent events under /v1/ too */
  g_assert_cmpuint (stream->status, ==, 200);
  g_assert_cmpstr (stream->content_type, ==, "text/event-stream");
  joined = join_stream_text (g_bytes_get_data (stream->body, &len),
                             g_bytes_get_size (stream->body), TRUE, &n_chunks, &reason);
  g_assert_cmpuint (n_chunks, >, 1);
  g_assert_cmpstr (joined, ==, text);
  g_assert_cmpstr (reason, ==, "STOP");

  /* Structured output: JSON with each required field of the schema */
  g_assert_cmpuint (drafted->status, ==, 200);
  g_assert_cmpstr (path_string (drafted->json, "modelVersion"), ==, "gemini-2.5-pro");
  g_assert_cmpint (path_int (drafted->json, "usageMetadata.thoughtsTokenCount"), >, 0);
  draft = answer_json (drafted);
  g_assert_nonnull (draft);
  g_assert_nonnull (path_string (draft, "body_text"));
  g_assert_nonnull (path_string (draft, "footer_text"));
  g_assert_cmpuint (path_length (draft, "example_values"), >, 0);

  g_assert_cmpuint (list->status, ==, 200);
  g_assert_cmpuint (path_length (list->json, "models"), >=, 3);
  g_assert_cmpstr (path_string (one->json, "name"), ==, "models/gemini-2.5-flash-lite");
  g_assert_cmpuint (unknown->status, ==, 404);
  g_assert_cmpstr (path_string (unknown->json, "error.status"), ==, "NOT_FOUND");
  g_assert_nonnull (strstr (path_string (unknown->json, "error.message"), "API version v1,"));
  g_assert_cmpuint (count->status, ==, 200);
  g_assert_cmpint (path_int (count->json, "totalTokens"), >, 0);

  /* A wrong key: Google's 400 body, on both prefixes, streaming or not */
  assert_invalid_key_body (wrong_beta);
  assert_invalid_key_body (wrong_stable);
  assert_invalid_key_body (wrong_stream);
  g_assert_false (bytes_contain (wrong_stable->body, "not-the-key"));
}

static void
test_gemini_script (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Response) quota = NULL;
  g_autoptr(Response) safety = NULL;
  g_autoptr(Response) cut = NULL;
  g_autoptr(Response) blocked = NULL;
  g_autoptr(Response) at_end = NULL;
  g_autoptr(Response) promo = NULL;
  g_autoptr(Response) malformed = NULL;
  g_autoptr(Response) own = NULL;
  g_autoptr(Response) streamed = NULL;
  g_autoptr(Response) listed = NULL;
  g_autoptr(Response) bad = NULL;
  g_autoptr(Response) cleared = NULL;
  g_autoptr(Response) after_clear = NULL;
  g_autoptr(JsonNode) draft = NULL;
  g_autoptr(JsonNode) whole = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *reason = NULL;
  const char *text;
  guint n_chunks = 0;
  gsize len = 0;

  script (f, "[{\"status\": 429, \"retry_delay\": \"4.5s\"}, {\"finish_reason\": \"SAFETY\"}, "
             "{\"finish_reason\": \"MAX_TOKENS\"}, {\"block_reason\": \"PROHIBITED_CONTENT\"}, "
             "{\"fault\": \"placeholder_at_end\"}, {\"fault\": \"promotional\"}, "
             "{\"fault\": \"malformed_json\"}, {\"json\": {\"body_text\": \"Hi there\"}}]");
  listed = request (f, "GET", "/_sim/gemini/script", NULL, NULL);
  g_assert_cmpuint (listed->status, ==, 200);
  g_assert_cmpuint (path_length (listed->json, "answers"), ==, 8);

  quota = gemini_at (f, "v1", "/gemini-2.5-pro:generateContent", GEMINI_KEY, DRAFT_PROMPT);
  g_assert_cmpuint (quota->status, ==, 429);
  g_assert_cmpstr (path_string (quota->json, "error.status"), ==, "RESOURCE_EXHAUSTED");
  g_assert_cmpstr (path_string (quota->json, "error.details[2].@type"), ==,
                   "type.googleapis.com/google.rpc.RetryInfo");
  g_assert_cmpstr (path_string (quota->json, "error.details[2].retryDelay"), ==, "4.5s");

  /* SAFETY: a candidate without content, with the rating that blocked it */
  safety = gemini_at (f, "v1beta", "/gemini-2.5-pro:generateContent", GEMINI_KEY, DRAFT_PROMPT);
  g_assert_cmpuint (safety->status, ==, 200);
  g_assert_cmpstr (path_string (safety->json, "candidates[0].finishReason"), ==, "SAFETY");
  g_assert_null (path (safety->json, "candidates[0].content"));
  g_assert_cmpstr (path_string (safety->json, "candidates[0].safetyRatings[2].probability"), ==,
                   "HIGH");

  /* MAX_TOKENS: half of what would have come, which is no longer JSON */
  cut = gemini_at (f, "v1beta", "/gemini-2.5-pro:generateContent", GEMINI_KEY, DRAFT_PROMPT);
  g_assert_cmpuint (cut->status, ==, 200);
  g_assert_cmpstr (path_string (cut->json, "candidates[0].finishReason"), ==, "MAX_TOKENS");
  text = path_string (cut->json, "candidates[0].content.parts[0].text");
  g_assert_nonnull (text);
  whole = parse (text, strlen (text));
  g_assert_null (whole);

  /* A blocked prompt: HTTP 200, promptFeedback and no candidates */
  blocked = gemini_at (f, "v1", "/gemini-2.5-pro:generateContent", GEMINI_KEY, DRAFT_PROMPT);
  g_assert_cmpuint (blocked->status, ==, 200);
  g_assert_null (path (blocked->json, "candidates"));
  g_assert_cmpstr (path_string (blocked->json, "promptFeedback.blockReason"), ==,
                   "PROHIBITED_CONTENT");
  g_assert_cmpint (path_int (blocked->json, "usageMetadata.promptTokenCount"), >, 0);

  /* Template drafts that break a rule, in the shape the schema asks for */
  at_end = gemini_at (f, "v1", "/gemini-2.5-pro:generateContent", GEMINI_KEY, DRAFT_PROMPT);
  draft = answer_json (at_end);
  g_assert_nonnull (draft);
  g_assert_true (g_str_has_suffix (path_string (draft, "body_text"), "{{2}}."));
  g_assert_cmpuint (path_length (draft, "example_values"), ==, 2);
  g_assert_nonnull (path_string (draft, "footer_text"));
  g_clear_pointer (&draft, json_node_unref);

  promo = gemini_at (f, "v1", "/gemini-2.5-pro:generateContent", GEMINI_KEY, DRAFT_PROMPT);
  draft = answer_json (promo);
  g_assert_nonnull (strstr (path_string (draft, "body_text"), "20% off"));
  g_clear_pointer (&draft, json_node_unref);

  malformed = gemini_at (f, "v1", "/gemini-2.5-pro:generateContent", GEMINI_KEY, DRAFT_PROMPT);
  g_assert_cmpstr (path_string (malformed->json, "candidates[0].finishReason"), ==, "STOP");
  draft = answer_json (malformed);
  g_assert_null (draft);

  /* The test's own JSON, as the text */
  own = gemini_at (f, "v1", "/gemini-2.5-pro:generateContent", GEMINI_KEY, DRAFT_PROMPT);
  draft = answer_json (own);
  g_assert_cmpstr (path_string (draft, "body_text"), ==, "Hi there");
  g_clear_pointer (&draft, json_node_unref);
  g_clear_pointer (&own, response_free);

  /* Streamed, a scripted answer comes in pieces that join up */
  script (f, "[{\"fault\": \"placeholders_adjacent\"}, {\"fault\": \"placeholders_adjacent\"}]");
  streamed = gemini_at (f, "v1", "/gemini-2.5-pro:streamGenerateContent?alt=sse", GEMINI_KEY,
                        DRAFT_PROMPT);
  joined = join_stream_text (g_bytes_get_data (streamed->body, &len),
                             g_bytes_get_size (streamed->body), TRUE, &n_chunks, &reason);
  g_assert_cmpuint (n_chunks, >, 1);
  g_assert_cmpstr (reason, ==, "STOP");
  draft = parse (joined, strlen (joined));
  g_assert_nonnull (draft);
  g_assert_nonnull (strstr (path_string (draft, "body_text"), "{{1}} {{2}}"));

  /* One left; a bad script is refused whole; DELETE empties it */
  listed = (response_free (listed), request (f, "GET", "/_sim/gemini/script", NULL, NULL));
  g_assert_cmpuint (path_length (listed->json, "answers"), ==, 1);
  bad = request (f, "POST", "/_sim/gemini/script", NULL,
                 "{\"answers\": [{\"text\": \"fine\"}, {\"fault\": \"no_such_fault\"}]}");
  g_assert_cmpuint (bad->status, ==, 400);
  g_assert_nonnull (strstr (path_string (bad->json, "error.message"), "no_such_fault"));
  g_clear_pointer (&bad, response_free);
  bad = request (f, "POST", "/_sim/gemini/script", NULL, "[{\"status\": 302}]");
  g_assert_cmpuint (bad->status, ==, 400);
  g_clear_pointer (&bad, response_free);
  bad = request (f, "POST", "/_sim/gemini/script", NULL, "[{\"finish_reason\": \"TIRED\"}]");
  g_assert_cmpuint (bad->status, ==, 400);
  cleared = request (f, "DELETE", "/_sim/gemini/script", NULL, NULL);
  g_assert_cmpuint (cleared->status, ==, 200);
  g_assert_cmpuint (path_length (cleared->json, "answers"), ==, 0);
  after_clear = gemini_at (f, "v1", "/gemini-2.5-pro:generateContent", GEMINI_KEY, PROMPT_B);
  g_assert_cmpstr (path_string (after_clear->json, "candidates[0].finishReason"), ==, "STOP");
  g_assert_null (strstr (path_string (after_clear->json, "candidates[0].content.parts[0].text"),
                       "{{1}} {{2}}"));

  /* Scripted over HTTP, and used in order */
  g_clear_pointer (&bad, response_free);
  bad = request (f, "POST", "/_sim/gemini/script", NULL,
                 "{\"answers\": [{\"text\": \"Scripted over HTTP\"}]}");
  g_assert_cmpuint (bad->status, ==, 200);
  own = gemini_at (f, "v1beta", "/gemini-2.5-flash:generateContent", GEMINI_KEY, PROMPT_A);
  g_assert_cmpstr (path_string (own->json, "candidates[0].content.parts[0].text"), ==,
                   "Scripted over HTTP");
}

static void
test_gemini_requests (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(Response) first = gemini_at (f, "v1", "/gemini-2.5-flash:generateContent",
                                         GEMINI_KEY, PROMPT_A);
  g_autoptr(Response) wrong = gemini_at (f, "v1beta", "/gemini-2.5-pro:streamGenerateContent?alt=sse",
                                         "not-the-key", PROMPT_B);
  g_autoptr(Response) log = request (f, "GET", "/_sim/gemini/requests", NULL, NULL);
  g_autoptr(Response) since = NULL;
  g_autoptr(Response) cleared = NULL;
  g_autoptr(JsonArray) in_process = NULL;
  JsonNode *entry;

  g_assert_cmpuint (log->status, ==, 200);
  g_assert_cmpuint (path_length (log->json, "requests"), ==, 2);
  entry = path (log->json, "requests[0]");
  g_assert_cmpint (path_int (entry, "seq"), ==, 1);
  g_assert_cmpstr (path_string (entry, "version"), ==, "v1");
  g_assert_cmpstr (path_string (entry, "model"), ==, "gemini-2.5-flash");
  g_assert_cmpstr (path_string (entry, "action"), ==, "generateContent");
  g_assert_cmpint (path_int (entry, "status"), ==, 200);
  g_assert_true (json_node_get_boolean (path (entry, "key_in_header")));
  g_assert_cmpstr (path_string (entry, "request.contents[0].parts[0].text"), ==,
                   "Hi! Do you do birthday cakes?");
  g_assert_cmpint (path_int (entry, "received_at_us"), >, 0);

  entry = path (log->json, "requests[1]");
  g_assert_cmpstr (path_string (entry, "version"), ==, "v1beta");
  g_assert_cmpstr (path_string (entry, "action"), ==, "streamGenerateContent");
  g_assert_true (json_node_get_boolean (path (entry, "sse")));
  g_assert_cmpint (path_int (entry, "status"), ==, 400);
  g_assert_cmpint (path_int (entry, "monotonic_us"), >=,
                   path_int (log->json, "requests[0].monotonic_us"));
  /* the log never holds a key */
  g_assert_false (bytes_contain (log->body, "not-the-key"));
  g_assert_false (bytes_contain (log->body, GEMINI_KEY));

  since = request (f, "GET", "/_sim/gemini/requests?since=1", NULL, NULL);
  g_assert_cmpuint (path_length (since->json, "requests"), ==, 1);
  in_process = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (in_process), ==, 2);

  cleared = request (f, "DELETE", "/_sim/gemini/requests", NULL, NULL);
  g_assert_cmpuint (cleared->status, ==, 200);
  g_clear_pointer (&in_process, json_array_unref);
  in_process = wabiz_sim_server_dup_gemini_requests (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (in_process), ==, 0);

  /* A reset forgets the log and the script */
  script (f, "[{\"text\": \"left over\"}]");
  wabiz_sim_server_reset (f->sim);
  g_clear_pointer (&since, response_free);
  since = request (f, "GET", "/_sim/gemini/script", NULL, NULL);
  g_assert_cmpuint (path_length (since->json, "answers"), ==, 0);
}

/* Control API */

static void
test_inbound_types (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Response) image = NULL;
  g_autoptr(Response) media_info = NULL;
  g_autoptr(Response) batch = NULL;
  g_autoptr(Response) bad = NULL;
  g_autofree char *media_path = NULL;
  g_autofree char *system_wamid = NULL;
  g_autofree char *reply_wamid = NULL;
  g_autofree char *voice_wamid = NULL;
  JsonNode *message;
  Received *received;
  const char *wamid;

  image = request (f, "POST", "/_sim/inbound", NULL,
                   "{\"from\": \"" MARIA "\", \"name\": \"Maria Lopez\", \"type\": \"image\", "
                   "\"image\": {\"caption\": \"It arrived damaged\"}}");
  g_assert_cmpuint (image->status, ==, 200);
  wamid = path_string (image->json, "wamid");
  WAIT_FOR (find_message (f, wamid) != NULL);
  received = find_message (f, wamid);
  message = path (received->json, "entry[0].changes[0].value.messages[0]");
  g_assert_cmpstr (path_string (message, "type"), ==, "image");
  g_assert_cmpstr (path_string (message, "image.caption"), ==, "It arrived damaged");
  g_assert_cmpstr (path_string (message, "image.mime_type"), ==, "image/jpeg");
  g_assert_cmpuint (strlen (path_string (message, "image.sha256")), ==, 44);
  g_assert_cmpstr (path_string (message, "image.id"), ==,
                   path_string (image->json, "media_id"));

  /* The business can fetch what the customer sent. */
  media_path = g_strconcat ("/v19.0/", path_string (message, "image.id"), NULL);
  media_info = graph (f, "GET", media_path, NULL);
  g_assert_cmpuint (media_info->status, ==, 200);
  g_assert_cmpstr (path_string (media_info->json, "mime_type"), ==, "image/jpeg");

  voice_wamid = inbound (f, "{\"from\": \"5511987654321\", \"type\": \"audio\", "
                            "\"audio\": {\"voice\": true}}");
  WAIT_FOR (find_message (f, voice_wamid) != NULL);
  message = path (find_message (f, voice_wamid)->json,
                  "entry[0].changes[0].value.messages[0]");
  g_assert_cmpstr (path_string (message, "audio.mime_type"), ==, "audio/ogg; codecs=opus");
  g_assert_true (json_node_get_boolean (path (message, "audio.voice")));

  reply_wamid = inbound (f, "{\"from\": \"" MARIA "\", \"type\": \"interactive\", "
                            "\"interactive\": {\"type\": \"button_reply\", \"button_reply\": "
                            "{\"id\": \"bk_yes_881\", \"title\": \"Yes, confirm\"}}, "
                            "\"context\": {\"message_id\": \"wamid.OUT3\"}}");
  WAIT_FOR (find_message (f, reply_wamid) != NULL);
  message = path (find_message (f, reply_wamid)->json, "entry[0].changes[0].value.messages[0]");
  g_assert_cmpstr (path_string (message, "context.id"), ==, "wamid.OUT3");
  g_assert_cmpstr (path_string (message, "context.from"), ==, "15550783881");
  g_assert_cmpstr (path_string (message, "interactive.button_reply.id"), ==, "bk_yes_881");

  system_wamid = inbound (f, "{\"from\": \"" MARIA "\", \"type\": \"system\", \"system\": "
                             "{\"body\": \"Maria changed number\", \"wa_id\": \"16315559876\", "
                             "\"type\": \"user_changed_number\"}}");
  WAIT_FOR (find_message (f, system_wamid) != NULL);
  g_assert_null (path (find_message (f, system_wamid)->json,
                       "entry[0].changes[0].value.contacts"));

  batch = request (f, "POST", "/_sim/inbound", NULL,
                   "{\"messages\": [{\"from\": \"" MARIA "\", \"type\": \"text\", \"text\": "
                   "{\"body\": \"one\"}}, {\"from\": \"447700900123\", \"type\": \"location\", "
                   "\"location\": {\"latitude\": -23.5614, \"longitude\": -46.6559}}, "
                   "{\"from\": \"447700900123\", \"type\": \"unsupported\"}]}");
  g_assert_cmpuint (batch->status, ==, 200);
  g_assert_cmpuint (path_length (batch->json, "wamids"), ==, 3);
  WAIT_FOR (find_message (f, path_string (batch->json, "wamids[2]")) != NULL);
  received = find_message (f, path_string (batch->json, "wamids[2]"));
  g_assert_cmpuint (path_length (received->json, "entry[0].changes[0].value.messages"), ==, 3);
  g_assert_cmpuint (path_length (received->json, "entry[0].changes[0].value.contacts"), ==, 2);
  g_assert_cmpint (path_int (received->json,
                             "entry[0].changes[0].value.messages[2].errors[0].code"), ==, 131051);

  bad = request (f, "POST", "/_sim/inbound", NULL, "{\"from\": \"nobody\", \"type\": \"text\"}");
  g_assert_cmpuint (bad->status, ==, 400);
}

static void
test_config (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(Response) before = request (f, "GET", "/_sim/config", NULL, NULL);
  g_autoptr(Response) unknown = NULL;
  g_autoptr(Response) half = NULL;
  g_autoptr(Response) after = NULL;
  g_autoptr(Response) stats = NULL;
  g_autoptr(Response) cleared = NULL;
  g_autoptr(Response) rotated = NULL;
  g_autoptr(JsonArray) ledger = NULL;

  g_assert_cmpuint (before->status, ==, 200);
  g_assert_cmpstr (path_string (before->json, "window_policy"), ==, "enforce");
  g_assert_cmpint (path_int (before->json, "status_delay_ms"), ==, 10);
  g_assert_null (path (before->json, "access_token"));
  g_assert_null (path (before->json, "app_secret"));

  unknown = request (f, "PATCH", "/_sim/config", NULL, "{\"warp_speed\": 9}");
  g_assert_cmpuint (unknown->status, ==, 400);

  /* One bad member: nothing changes. */
  half = request (f, "PATCH", "/_sim/config", NULL,
                  "{\"window_policy\": \"open\", \"failure_rate\": 2}");
  g_assert_cmpuint (half->status, ==, 400);
  after = request (f, "GET", "/_sim/config", NULL, NULL);
  g_assert_cmpstr (path_string (after->json, "window_policy"), ==, "enforce");

  /* A rotated token locks the old one out. */
  configure (f, "{\"access_token\": \"rotated\"}");
  rotated = graph (f, "GET", "/v19.0/" PHONE_ID, NULL);
  assert_graph_error (rotated, 401, 190);

  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 0);

  stats = request (f, "GET", "/_sim/stats", NULL, NULL);
  g_assert_cmpuint (stats->status, ==, 200);
  g_assert_cmpint (path_int (stats->json, "templates"), ==, 7);

  cleared = request (f, "DELETE", "/_sim/ledger", NULL, NULL);
  g_assert_cmpuint (cleared->status, ==, 200);
}

/* Slow answers */

typedef struct
{
  Response *response;     /* (owned) (nullable) once answered */
  GError   *error;        /* (owned) (nullable) once given up */
} Pending;

static void
pending_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Pending *pending = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result,
                                                              &pending->error);
  Response *response;
  gsize len = 0;
  const char *data;

  if (body == NULL)
    return;

  response = g_new0 (Response, 1);
  response->status = soup_message_get_status (msg);
  response->body = g_bytes_ref (body);
  data = g_bytes_get_data (body, &len);
  response->json = parse (data, len);
  pending->response = response;
}

/* POSTs @json to the messages edge without waiting for the answer. */
static void
send_pending (Fixture      *f,
              const char   *json,
              GCancellable *cancellable,
              Pending      *pending)
{
  g_autofree char *url = g_strconcat (f->base, MESSAGES, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Bearer " TOKEN);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    pending_cb, pending);
}

static guint
ledger_length (Fixture *f)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

  return json_array_get_length (ledger);
}

/* send_latency_ms: Meta takes the send at once (ledger, webhooks) and
 * answers that much later; a refusal is as slow; a client that gives up
 * has still sent. */
static void
test_send_latency (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Response) config = NULL;
  g_autoptr(Response) negative = NULL;
  g_autoptr(Response) too_long = NULL;
  g_autoptr(Response) not_a_number = NULL;
  g_autoptr(JsonArray) ledger = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *inbound_wamid = NULL;
  Pending accepted = { 0 };
  Pending refused = { 0 };
  Pending abandoned = { 0 };
  JsonObject *entry;
  Received *sent;

  config = request (f, "GET", "/_sim/config", NULL, NULL);
  g_assert_cmpint (path_int (config->json, "send_latency_ms"), ==, 0);
  negative = request (f, "PATCH", "/_sim/config", NULL, "{\"send_latency_ms\": -1}");
  g_assert_cmpuint (negative->status, ==, 400);
  too_long = request (f, "PATCH", "/_sim/config", NULL, "{\"send_latency_ms\": 600001}");
  g_assert_cmpuint (too_long->status, ==, 400);
  not_a_number = request (f, "PATCH", "/_sim/config", NULL, "{\"send_latency_ms\": \"slow\"}");
  g_assert_cmpuint (not_a_number->status, ==, 400);

  configure (f, "{\"send_latency_ms\": 1500}");
  g_clear_pointer (&config, response_free);
  config = request (f, "GET", "/_sim/config", NULL, NULL);
  g_assert_cmpint (path_int (config->json, "send_latency_ms"), ==, 1500);

  inbound_wamid = inbound (f, "{\"from\": \"" MARIA "\", \"type\": \"text\", "
                              "\"text\": {\"body\": \"hi\"}}");

  /* Recorded when it arrives, answered later: the entry is there while
   * the answer is not. */
  send_pending (f, "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                   "\"type\": \"text\", \"text\": {\"body\": \"Ol\\u00e1, Jo\\u00e3o!\"}}",
                NULL, &accepted);
  WAIT_FOR (ledger_length (f) == 1);
  g_assert_null (accepted.response);
  g_assert_null (accepted.error);
  WAIT_FOR (accepted.response != NULL);
  g_assert_cmpuint (accepted.response->status, ==, 200);
  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 1);
  entry = json_array_get_object_element (ledger, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "accepted");
  g_assert_cmpstr (json_object_get_string_member (entry, "wamid"), ==,
                   path_string (accepted.response->json, "messages[0].id"));
  g_assert_cmpstr (path_string (json_object_get_member (entry, "body"), "text.body"), ==,
                   "Ol\xc3\xa1, Jo\xc3\xa3o!");

  /* the status webhooks still come */
  WAIT_FOR (find_status (f, path_string (accepted.response->json, "messages[0].id"), "sent") != NULL);
  sent = find_status (f, path_string (accepted.response->json, "messages[0].id"), "sent");
  g_assert_true (sent->signature_ok);

  /* A refusal is as slow. */
  send_pending (f, "{\"messaging_product\": \"whatsapp\", \"to\": \"447700900123\", "
                   "\"type\": \"text\", \"text\": {\"body\": \"Are you there?\"}}",
                NULL, &refused);
  WAIT_FOR (ledger_length (f) == 2);
  g_assert_null (refused.response);
  WAIT_FOR (refused.response != NULL);
  assert_graph_error (refused.response, 400, 131047);

  /* The client gives up before the answer: Meta has it all the same. */
  send_pending (f, "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                   "\"type\": \"text\", \"text\": {\"body\": \"given up\"}}",
                cancellable, &abandoned);
  WAIT_FOR (ledger_length (f) == 3);
  g_assert_null (abandoned.response);
  g_cancellable_cancel (cancellable);
  WAIT_FOR (abandoned.error != NULL);
  g_assert_error (abandoned.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_pointer (&ledger, json_array_unref);
  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 3);
  entry = json_array_get_object_element (ledger, 2);
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "accepted");
  g_assert_cmpstr (path_string (json_object_get_member (entry, "body"), "text.body"), ==, "given up");

  /* Back to prompt answers. */
  configure (f, "{\"send_latency_ms\": 0}");
  {
    g_autofree char *wamid = send_text (f, MARIA, "quick");

    g_assert_nonnull (wamid);
  }

  g_clear_pointer (&accepted.response, response_free);
  g_clear_pointer (&refused.response, response_free);
  g_clear_error (&abandoned.error);
}

/* Meta's recorded answers (tests/data/meta-graph-responses) */

static JsonNode *
load_fixture (const char *name)
{
  g_autofree char *file = g_test_build_filename (G_TEST_DIST, "data", "meta-graph-responses",
                                                 name, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  JsonNode *node;

  g_file_get_contents (file, &text, &len, &error);
  g_assert_no_error (error);
  node = parse (text, len);
  g_assert_nonnull (node);
  return node;
}

static char *
describe_members (JsonObject *object)
{
  g_autoptr(GList) names = g_list_sort (json_object_get_members (object), (GCompareFunc) strcmp);
  GString *text = g_string_new (NULL);

  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (text, "%s%s", text->len > 0 ? "," : "", (const char *) l->data);
  return g_string_free (text, FALSE);
}

static const char *
node_kind (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "array";
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "string";
    case G_TYPE_INT64:
      return "integer";
    case G_TYPE_DOUBLE:
      return "number";
    case G_TYPE_BOOLEAN:
      return "boolean";
    default:
      return "other";
    }
}

/* The same members in both objects, named as @where in a failure. */
static void
assert_same_members (JsonObject *expected,
                     JsonObject *actual,
                     const char *where)
{
  g_autofree char *want = describe_members (expected);
  g_autofree char *got = describe_members (actual);

  if (!g_str_equal (want, got))
    g_test_message ("%s: Meta has {%s}, the simulator {%s}", where, want, got);
  g_assert_cmpstr (got, ==, want);
}

/* A Graph error of the simulator against Meta's recorded one: the same
 * status, the same members in "error" and in "error_data", the same
 * values but fbtrace_id (random), and the message equal, or matching
 * @message_pattern where it holds dates (which must match Meta's too). */
static void
assert_error_like_fixture (Response   *response,
                           const char *fixture,
                           guint       status,
                           const char *message_pattern)
{
  g_autoptr(JsonNode) want = load_fixture (fixture);
  JsonObject *want_error;
  JsonObject *got_error;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  g_test_message ("%s: %.*s", fixture, (int) g_bytes_get_size (response->body),
                  (const char *) g_bytes_get_data (response->body, NULL));
  g_assert_cmpuint (response->status, ==, status);
  g_assert_nonnull (response->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (response->json));
  assert_same_members (json_node_get_object (want), json_node_get_object (response->json), fixture);

  want_error = json_node_get_object (path (want, "error"));
  got_error = json_node_get_object (path (response->json, "error"));
  assert_same_members (want_error, got_error, "error");

  json_object_iter_init (&iter, want_error);
  while (json_object_iter_next (&iter, &name, &value))
    {
      JsonNode *got = json_object_get_member (got_error, name);

      g_assert_cmpstr (node_kind (got), ==, node_kind (value));
      if (g_str_equal (name, "fbtrace_id"))
        {
          g_assert_true (g_regex_match_simple ("^[A-Za-z0-9_-]{10,}$", json_node_get_string (got), 0, 0));
        }
      else if (g_str_equal (name, "message") && message_pattern != NULL)
        {
          g_assert_true (g_regex_match_simple (message_pattern, json_node_get_string (value), 0, 0));
          if (!g_regex_match_simple (message_pattern, json_node_get_string (got), 0, 0))
            g_error ("The message “%s” is not like Meta's “%s”", json_node_get_string (got),
                     json_node_get_string (value));
        }
      else if (g_str_equal (name, "error_data"))
        {
          JsonObjectIter data_iter;
          const char *data_name;
          JsonNode *data_value;

          assert_same_members (json_node_get_object (value), json_node_get_object (got), "error_data");
          json_object_iter_init (&data_iter, json_node_get_object (value));
          while (json_object_iter_next (&data_iter, &data_name, &data_value))
            g_assert_cmpstr (path_string (got, data_name), ==, json_node_get_string (data_value));
        }
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64)
        {
          g_assert_cmpint (json_node_get_int (got), ==, json_node_get_int (value));
        }
      else
        {
          g_assert_cmpstr (json_node_get_string (got), ==, json_node_get_string (value));
        }
    }
}

#define GRAPH_DATE "[A-Z][a-z]+day, [0-9]{2}-[A-Z][a-z]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Z]{3}"

/* Each error triggered as a client would, compared with Meta's. */
static void
test_error_fixtures (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Response) unknown_key = NULL;
  g_autoptr(Response) no_object = NULL;
  g_autoptr(Response) first = NULL;
  g_autoptr(Response) throttled = NULL;
  g_autoptr(Response) long_title = NULL;
  g_autoptr(Response) closed = NULL;
  g_autoptr(Response) missing = NULL;
  g_autoptr(Response) expired = NULL;
  g_autoptr(Response) wrong_token = NULL;

  /* a customer who never wrote: the window is closed */
  closed = graph (f, "POST", MESSAGES,
                  "{\"messaging_product\": \"whatsapp\", \"to\": \"447700900123\", "
                  "\"type\": \"text\", \"text\": {\"body\": \"Are you there?\"}}");
  assert_error_like_fixture (closed, "error-131047-reengagement.json", 400, NULL);

  missing = graph (f, "POST", MESSAGES,
                   "{\"messaging_product\": \"whatsapp\", \"to\": \"5511987654321\", "
                   "\"type\": \"template\", \"template\": {\"name\": \"order_ready\", "
                   "\"language\": {\"code\": \"es_MX\"}}}");
  assert_error_like_fixture (missing, "error-132001-template-missing.json", 400, NULL);

  no_object = graph (f, "POST", "/v19.0/106540352242999/messages",
                     "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                     "\"type\": \"text\", \"text\": {\"body\": \"hi\"}}");
  assert_error_like_fixture (no_object, "error-100-object-not-found.json", 400, NULL);

  configure (f, "{\"window_policy\": \"open\"}");

  unknown_key = graph (f, "POST", MESSAGES,
                       "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                       "\"type\": \"text\", \"text\": {\"bodytext\": \"hi\"}}");
  assert_error_like_fixture (unknown_key, "error-100-invalid-parameter.json", 400, NULL);

  long_title = graph (f, "POST", MESSAGES,
                      "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                      "\"type\": \"interactive\", \"interactive\": {\"type\": \"button\", "
                      "\"body\": {\"text\": \"Confirm?\"}, \"action\": {\"buttons\": ["
                      "{\"type\": \"reply\", \"reply\": {\"id\": \"yes\", "
                      "\"title\": \"Yes, please confirm my booking\"}}]}}}");
  assert_error_like_fixture (long_title, "error-131009-invalid-value.json", 400, NULL);

  /* one message per 1000 s: the second is over the throughput */
  configure (f, "{\"throughput\": 0.001}");
  first = graph (f, "POST", MESSAGES,
                 "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                 "\"type\": \"text\", \"text\": {\"body\": \"first\"}}");
  g_assert_cmpuint (first->status, ==, 200);
  throttled = graph (f, "POST", MESSAGES,
                     "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                     "\"type\": \"text\", \"text\": {\"body\": \"second\"}}");
  assert_error_like_fixture (throttled, "error-130429-rate-limit.json", 400, NULL);
  configure (f, "{\"throughput\": 0}");

  /* an expired token, and one that was never valid, answer alike */
  configure (f, "{\"token_expired\": true}");
  expired = graph (f, "GET", "/v19.0/" PHONE_ID, NULL);
  assert_error_like_fixture (expired, "error-190-expired-token.json", 401,
                             "^Error validating access token: The access token expired on "
                             GRAPH_DATE "\\. The current time is " GRAPH_DATE "\\.$");
  configure (f, "{\"token_expired\": false}");
  wrong_token = request (f, "POST", MESSAGES, "not-the-token",
                         "{\"messaging_product\": \"whatsapp\", \"to\": \"" MARIA "\", "
                         "\"type\": \"text\", \"text\": {\"body\": \"hi\"}}");
  assert_error_like_fixture (wrong_token, "error-190-expired-token.json", 401,
                             "^Error validating access token: The access token expired on "
                             GRAPH_DATE "\\. The current time is " GRAPH_DATE "\\.$");
}

/* The same members of the same kinds, all the way down; arrays are
 * compared element by element with Meta's first element. */
static void
assert_same_shape (JsonNode   *want,
                   JsonNode   *got,
                   const char *where)
{
  if (!g_str_equal (node_kind (want), node_kind (got)))
    g_error ("%s: Meta has a %s, the simulator a %s", where, node_kind (want), node_kind (got));

  if (JSON_NODE_HOLDS_OBJECT (want))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      assert_same_members (json_node_get_object (want), json_node_get_object (got), where);
      json_object_iter_init (&iter, json_node_get_object (want));
      while (json_object_iter_next (&iter, &name, &value))
        {
          g_autofree char *sub = g_strdup_printf ("%s.%s", where, name);

          assert_same_shape (value, json_object_get_member (json_node_get_object (got), name), sub);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (want))
    {
      JsonArray *want_array = json_node_get_array (want);
      JsonArray *got_array = json_node_get_array (got);

      g_assert_cmpuint (json_array_get_length (want_array), >, 0);
      g_assert_cmpuint (json_array_get_length (got_array), >, 0);
      for (guint i = 0; i < json_array_get_length (got_array); i++)
        {
          g_autofree char *sub = g_strdup_printf ("%s[%u]", where, i);

          assert_same_shape (json_array_get_element (want_array, 0),
                             json_array_get_element (got_array, i), sub);
        }
    }
}

/* A template of a listing: the members of Meta's; each component has
 * only members Meta's components of that type have, of the same kinds. */
static void
assert_template_shape (JsonNode   *want_page,
                       JsonNode   *got,
                       const char *where)
{
  JsonNode *want = path (want_page, "data[0]");
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  assert_same_members (json_node_get_object (want), json_node_get_object (got), where);
  json_object_iter_init (&iter, json_node_get_object (want));
  while (json_object_iter_next (&iter, &name, &value))
    {
      JsonNode *member = path (got, name);

      g_assert_cmpstr (node_kind (member), ==, node_kind (value));
    }

  for (guint i = 0; i < path_length (got, "components"); i++)
    {
      g_autofree char *item = g_strdup_printf ("components[%u]", i);
      JsonNode *component = path (got, item);
      const char *type = path_string (component, "type");
      JsonObjectIter member_iter;
      const char *member_name;
      JsonNode *member_value;

      g_assert_nonnull (type);
      json_object_iter_init (&member_iter, json_node_get_object (component));
      while (json_object_iter_next (&member_iter, &member_name, &member_value))
        {
          JsonNode *known = NULL;

          /* any of Meta's components of this type that has the member */
          for (guint t = 0; known == NULL && t < path_length (want_page, "data"); t++)
            for (guint c = 0; known == NULL; c++)
              {
                g_autofree char *spec = g_strdup_printf ("data[%u].components[%u]", t, c);
                JsonNode *candidate = path (want_page, spec);

                if (candidate == NULL)
                  break;
                if (g_strcmp0 (path_string (candidate, "type"), type) == 0)
                  known = path (candidate, member_name);
              }
          if (known == NULL)
            g_error ("%s.%s: Meta's %s components have no “%s”", where, item, type, member_name);
          g_assert_cmpstr (node_kind (member_value), ==, node_kind (known));
        }
    }
}

static void
test_success_shapes (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) send_success = load_fixture ("send-success.json");
  g_autoptr(JsonNode) send_template = load_fixture ("send-success-template.json");
  g_autoptr(JsonNode) upload_success = load_fixture ("media-upload-success.json");
  g_autoptr(JsonNode) media_url = load_fixture ("media-get-url.json");
  g_autoptr(JsonNode) template_created = load_fixture ("template-create-success.json");
  g_autoptr(JsonNode) page1 = load_fixture ("templates-list-page1.json");
  g_autoptr(JsonNode) last_page = load_fixture ("templates-list-last-page.json");
  g_autoptr(JsonNode) success_true = load_fixture ("success-true.json");
  g_autoptr(Response) text = NULL;
  g_autoptr(Response) tpl = NULL;
  g_autoptr(Response) uploaded = NULL;
  g_autoptr(Response) info = NULL;
  g_autoptr(Response) created = NULL;
  g_autoptr(Response) first = NULL;
  g_autoptr(Response) read = NULL;
  g_autoptr(Response) media_deleted = NULL;
  g_autoptr(Response) template_deleted = NULL;
  g_autoptr(Response) last = NULL;
  g_autofree char *media_path = NULL;
  g_autofree char *next = NULL;
  guint pages = 1;

  configure (f, "{\"window_policy\": \"open\", \"template_review\": \"manual\"}");

  text = graph (f, "POST", MESSAGES,
                "{\"messaging_product\": \"whatsapp\", \"to\": \"+1 (631) 555-1234\", "
                "\"type\": \"text\", \"text\": {\"body\": \"hello\"}}");
  g_assert_cmpuint (text->status, ==, 200);
  assert_same_shape (send_success, text->json, "send-success");

  tpl = graph (f, "POST", MESSAGES,
               "{\"messaging_product\": \"whatsapp\", \"to\": \"5511987654321\", "
               "\"type\": \"template\", \"template\": {\"name\": \"order_ready\", "
               "\"language\": {\"code\": \"pt_BR\"}, \"components\": [{\"type\": \"body\", "
               "\"parameters\": [{\"type\": \"text\", \"text\": \"Jo\\u00e3o\"}, "
               "{\"type\": \"text\", \"text\": \"#4521\"}]}]}}");
  g_assert_cmpuint (tpl->status, ==, 200);
  assert_same_shape (send_template, tpl->json, "send-success-template");

  uploaded = upload (f, "image/jpeg", 2048, "whatsapp");
  g_assert_cmpuint (uploaded->status, ==, 200);
  assert_same_shape (upload_success, uploaded->json, "media-upload-success");

  media_path = g_strconcat ("/v19.0/", path_string (uploaded->json, "id"), NULL);
  info = graph (f, "GET", media_path, NULL);
  g_assert_cmpuint (info->status, ==, 200);
  assert_same_shape (media_url, info->json, "media-get-url");

  created = graph (f, "POST", TEMPLATES,
                   "{\"name\": \"shape_check\", \"language\": \"en_US\", "
                   "\"category\": \"UTILITY\", \"components\": [{\"type\": \"BODY\", "
                   "\"text\": \"Hi {{1}}, your table is ready.\", "
                   "\"example\": {\"body_text\": [[\"Maria\"]]}}]}");
  g_assert_cmpuint (created->status, ==, 200);
  assert_same_shape (template_created, created->json, "template-create-success");

  /* pages of three, as Meta's were: a first page, then to the last */
  first = graph (f, "GET", TEMPLATES "?limit=3", NULL);
  g_assert_cmpuint (first->status, ==, 200);
  assert_same_shape (path (page1, "paging"), path (first->json, "paging"), "templates-list-page1.paging");
  assert_same_members (json_node_get_object (page1), json_node_get_object (first->json),
                       "templates-list-page1");
  for (guint i = 0; i < path_length (first->json, "data"); i++)
    {
      g_autofree char *item = g_strdup_printf ("data[%u]", i);

      assert_template_shape (page1, path (first->json, item), item);
    }

  next = g_strdup (path_string (first->json, "paging.next"));
  while (next != NULL)
    {
      g_clear_pointer (&last, response_free);
      last = graph (f, "GET", next, NULL);
      g_assert_cmpuint (last->status, ==, 200);
      g_free (next);
      next = g_strdup (path_string (last->json, "paging.next"));
      g_assert_cmpuint (++pages, <, 10);
    }
  g_assert_cmpuint (pages, >, 1);
  assert_same_shape (path (last_page, "paging"), path (last->json, "paging"),
                     "templates-list-last-page.paging");
  for (guint i = 0; i < path_length (last->json, "data"); i++)
    {
      g_autofree char *item = g_strdup_printf ("data[%u]", i);

      assert_template_shape (last_page, path (last->json, item), item);
    }

  read = graph (f, "POST", MESSAGES,
                "{\"messaging_product\": \"whatsapp\", \"status\": \"read\", "
                "\"message_id\": \"wamid.HBgLMTYzMTU1NTEyMzQVAgASGBQ0RkJEOEY1QjFEMDBEOTc2RjNCNAA=\"}");
  g_assert_cmpuint (read->status, ==, 200);
  assert_same_shape (success_true, read->json, "success-true (read)");

  media_deleted = graph (f, "DELETE", media_path, NULL);
  g_assert_cmpuint (media_deleted->status, ==, 200);
  assert_same_shape (success_true, media_deleted->json, "success-true (media)");

  template_deleted = graph (f, "DELETE", TEMPLATES "?name=shape_check", NULL);
  g_assert_cmpuint (template_deleted->status, ==, 200);
  assert_same_shape (success_true, template_deleted->json, "success-true (template)");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/sim/graph/auth", test_auth);
  ADD ("/sim/graph/send-text", test_send_text);
  ADD ("/sim/graph/window", test_window);
  ADD ("/sim/graph/templates-send", test_templates_send);
  ADD ("/sim/graph/throughput", test_throughput);
  ADD ("/sim/graph/validation", test_validation);
  ADD ("/sim/graph/send-latency", test_send_latency);
  ADD ("/sim/graph/error-fixtures", test_error_fixtures);
  ADD ("/sim/graph/success-shapes", test_success_shapes);
  ADD ("/sim/webhooks/statuses", test_status_webhooks);
  ADD ("/sim/webhooks/undeliverable", test_undeliverable);
  ADD ("/sim/webhooks/retry", test_retry);
  ADD ("/sim/webhooks/duplicates", test_duplicates_and_order);
  ADD ("/sim/media", test_media);
  ADD ("/sim/templates", test_templates);
  ADD ("/sim/gemini/generate", test_gemini);
  ADD ("/sim/gemini/schema", test_gemini_schema);
  ADD ("/sim/gemini/faults", test_gemini_faults);
  ADD ("/sim/gemini/stream", test_gemini_stream);
  ADD ("/sim/gemini/versions", test_gemini_versions);
  ADD ("/sim/gemini/script", test_gemini_script);
  ADD ("/sim/gemini/requests", test_gemini_requests);
  ADD ("/sim/control/inbound", test_inbound_types);
  ADD ("/sim/control/config", test_config);

#undef ADD

  return g_test_run ();
}
