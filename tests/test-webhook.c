/* test-webhook.c: POST /webhook and the processor, against real PostgreSQL
 *
 * SPDX-License-Identifier: MIT
 *
 * Every fixture of tests/data/meta-webhooks is signed here, at
 * test time, delivered over HTTP and compared field by field with the
 * rows it became. The expectations are read from the fixture JSON by
 * this file, not by the parser under test.
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>
#include <string.h>

#include "wabiz-db.h"
#include "wabiz-http-server.h"
#include "wabiz-migrations.h"
#include "wabiz-test-pg.h"
#include "wabiz-webhook.h"
#include "wabiz-webhook-parser.h"
#include "wabiz-webhook-processor.h"

#define APP_SECRET "wabiz-test-app-secret"
#define VERIFY_TOKEN "wabiz-test-verify-token"
#define PHONE_NUMBER_ID "106540352242922"
/* the business's second number, in multiple-entries.json */
#define OTHER_NUMBER_ID "106540352242923"
#define KEPT_ASIDE_REASON "phone_number_id " OTHER_NUMBER_ID " is not this WaBiz's (" PHONE_NUMBER_ID ")"

#define OUT1 "wamid.HBgLMTYzMTU1NTEyMzQVAgARGBJFRDc5MjIyOTVCMzIyMzkxNjEA"
#define OUT_UNKNOWN "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjk2NDgyMENEMjUxNjRBOEQ3RQA="

static const struct
{
  const char *wamid;
  const char *phone;
} outbound[] = {
  { OUT1, "16315551234" },
  { "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjg3MjU4RkFDQzM2OTRERjU5OAA=", "5511987654321" },
  { "wamid.HBgLMTYzMTU1NTEyMzQVAgARGBI0MjQ3QzkwMTM0NTMxNzU1MDcA", "16315551234" },
  { "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEkMzQjlCOTc2NzNFNDcxQjY5RQA=", "5511987654321" },
  { "wamid.HBgLMTYzMTU1NTEyMzQVAgARGBI1RkNGREY3RTQ2MkYyMENBNDAA", "16315551234" },
  { "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSMjU5RkFEMUIwMzBEQkIyNzE2AA==", "447700900123" },
  { "wamid.HBgNNDkxNTEyMzQ1Njc4ORUCABEYEjFDQzZDRURBOUEzNTlEOEE0NAA=", "4915123456789" },
  { "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ1OUQ1MjY4OTRFRDc2RjJFOQA=", "5511987654321" },
};

typedef struct
{
  char                  *conninfo;
  WabizPgServer         *pg;          /* only for the database-down test */
  WabizDb               *db;
  WabizHttpServer       *http;
  WabizWebhook          *webhook;
  WabizWebhookProcessor *processor;
  SoupSession           *session;
  char                  *url;
} Fixture;

/* ------------------------------------------------------------------ */
/* helpers */

static WabizDbResult *
sql (Fixture    *f,
     const char *query,
     int         n_params,
     const char * const *params)
{
  g_autoptr(GError) error = NULL;
  WabizDbResult *res = wabiz_db_query_sync (f->db, query, n_params, params, NULL, &error);

  g_assert_no_error (error);
  return res;
}

static void
sql_exec (Fixture            *f,
          const char         *query,
          int                 n_params,
          const char * const *params)
{
  wabiz_db_result_unref (sql (f, query, n_params, params));
}

static gint64
sql_int (Fixture    *f,
         const char *query)
{
  g_autoptr(WabizDbResult) res = sql (f, query, 0, NULL);

  return g_ascii_strtoll (wabiz_db_result_get_nth (res, 0, 0), NULL, 10);
}

static char *
sql_text (Fixture            *f,
          const char         *query,
          int                 n_params,
          const char * const *params)
{
  g_autoptr(WabizDbResult) res = sql (f, query, n_params, params);

  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static void
fixture_start (Fixture    *f,
               const char *conninfo)
{
  g_autoptr(GError) error = NULL;

  f->conninfo = g_strdup (conninfo);
  /* a server's pool: the processor runs two batches at once */
  f->db = wabiz_db_new (conninfo, NULL, 8);
  g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
  g_assert_no_error (error);

  f->http = wabiz_http_server_new ("127.0.0.1", 0);
  f->webhook = wabiz_webhook_new (f->db, APP_SECRET, VERIFY_TOKEN);
  wabiz_webhook_attach (f->webhook, wabiz_http_server_get_soup_server (f->http));
  g_assert_true (wabiz_http_server_start (f->http, &error));
  g_assert_no_error (error);
  f->url = wabiz_http_server_dup_url (f->http);

  /* not started: each test decides when to process */
  f->processor = wabiz_webhook_processor_new (f->db, PHONE_NUMBER_ID);
  f->session = soup_session_new_with_options ("max-conns", 256, "max-conns-per-host", 256, NULL);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();

  fixture_start (f, conninfo);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->session);
  g_clear_object (&f->processor);
  g_clear_object (&f->webhook);
  g_clear_object (&f->http);
  if (f->db != NULL)
    wabiz_db_close (f->db);
  g_clear_object (&f->db);
  if (f->pg != NULL)
    wabiz_pg_server_stop (f->pg, NULL);
  g_clear_object (&f->pg);
  g_clear_pointer (&f->url, g_free);
  g_clear_pointer (&f->conninfo, g_free);
}

static GBytes *
load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "meta-webhooks", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static GPtrArray *
list_fixtures (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "meta-webhooks", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, >=, 30);
  return names;
}

typedef struct
{
  guint  pending;
  guint  n_200;
  guint  n_other;
  guint *statuses;   /* (nullable) per request */
} Batch;

typedef struct
{
  Batch *batch;
  guint  index;
} Request;

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Request *request = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GError) error = NULL;
  GBytes *body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  guint status = soup_message_get_status (msg);

  g_clear_pointer (&body, g_bytes_unref);

  if (error != NULL)
    g_test_message ("request %u failed: %s", request->index, error->message);

  if (status == 200)
    request->batch->n_200++;
  else
    {
      g_test_message ("request %u: status %u", request->index, status);
      request->batch->n_other++;
    }
  if (request->batch->statuses != NULL)
    request->batch->statuses[request->index] = status;
  request->batch->pending--;
  g_free (request);
}

static void
post_async (Fixture    *f,
            Batch      *batch,
            guint       index,
            GBytes     *body,
            const char *signature)
{
  g_autofree char *uri = g_strconcat (f->url, "/webhook", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  Request *request = g_new0 (Request, 1);

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  if (signature != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Hub-Signature-256",
                                  signature);
  request->batch = batch;
  request->index = index;
  batch->pending++;
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, request);
}

static gboolean
batch_done (gpointer data)
{
  return ((Batch *) data)->pending == 0;
}

static void
wait_batch (Batch *batch)
{
  wabiz_test_wait_until (batch_done, batch, 120);
}

static char *
sign (GBytes *body)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (body, &length);

  return wabiz_webhook_sign (APP_SECRET, data, length);
}

static guint
post (Fixture    *f,
      GBytes     *body,
      const char *signature)
{
  guint status = 0;
  Batch batch = { 0, 0, 0, &status };

  post_async (f, &batch, 0, body, signature);
  wait_batch (&batch);
  return status;
}

static guint
post_signed (Fixture *f,
             GBytes  *body)
{
  g_autofree char *signature = sign (body);

  return post (f, body, signature);
}

static guint
process (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  wabiz_webhook_processor_run_async (f->processor, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 120);
  n = wabiz_webhook_processor_run_finish (f->processor, result, &error);
  g_assert_no_error (error);
  return n;
}

static guint64
count_foreign (Fixture  *f,
               GStrv    *ids)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 n;

  wabiz_webhook_processor_count_foreign_async (f->db, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  n = wabiz_webhook_processor_count_foreign_finish (f->db, result, ids, &error);
  g_assert_no_error (error);
  return n;
}

static guint
reprocess (WabizWebhookProcessor *processor,
           guint                 *n_failed)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  wabiz_webhook_processor_reprocess_async (processor, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  n = wabiz_webhook_processor_reprocess_finish (processor, result, n_failed, &error);
  g_assert_no_error (error);
  return n;
}

static void
seed_outbound (Fixture *f)
{
  for (guint i = 0; i < G_N_ELEMENTS (outbound); i++)
    {
      const char *params[] = { outbound[i].wamid, outbound[i].phone };

      sql_exec (f, "INSERT INTO messages (phone, message, sender, direction, status, message_id, type,"
                    " \"timestamp\") VALUES ($2, 'seeded', 'Agent', 'outbound', 'accepted', $1, 'text',"
                    " to_timestamp(1718374000))", 2, params);
    }
  /* a lead known before any webhook, for the 131026 failure */
  sql_exec (f, "INSERT INTO leads (phone, name) VALUES ('4915123456789', 'Kurt')", 0, NULL);
}

/* A text delivery with a wamid of its own, sent at @timestamp (epoch
 * seconds, or NULL for a message without a time). */
static GBytes *
make_text_delivery_at (const char *wamid,
                       const char *from,
                       const char *text,
                       const char *timestamp)
{
  g_autofree char *at = timestamp != NULL ? g_strdup_printf ("\"timestamp\":\"%s\",", timestamp) : g_strdup ("");
  char *body = g_strdup_printf (
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\",\"changes\":[{"
    "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\","
    "\"phone_number_id\":\"" PHONE_NUMBER_ID "\"},\"contacts\":[{\"profile\":{\"name\":\"Load %s\"},"
    "\"wa_id\":\"%s\"}],\"messages\":[{\"from\":\"%s\",\"id\":\"%s\",%s"
    "\"text\":{\"body\":\"%s\"},\"type\":\"text\"}]},\"field\":\"messages\"}]}]}",
    from, from, from, wamid, at, text);

  return g_bytes_new_take (body, strlen (body));
}

static GBytes *
make_text_delivery (const char *wamid,
                    const char *from,
                    const char *text)
{
  return make_text_delivery_at (wamid, from, text, "1718374400");
}

static GBytes *
make_status_delivery (const char *wamid,
                      const char *status,
                      const char *timestamp)
{
  char *body = g_strdup_printf (
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\",\"changes\":[{"
    "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\","
    "\"phone_number_id\":\"" PHONE_NUMBER_ID "\"},\"statuses\":[{\"id\":\"%s\",\"status\":\"%s\","
    "\"timestamp\":\"%s\",\"recipient_id\":\"16315551234\"%s}]},\"field\":\"messages\"}]}]}",
    wamid, status, timestamp,
    g_str_equal (status, "failed")
      ? ",\"errors\":[{\"code\":131026,\"title\":\"Message undeliverable\","
        "\"error_data\":{\"details\":\"Message Undeliverable.\"}}]" : "");

  return g_bytes_new_take (body, strlen (body));
}

/* ------------------------------------------------------------------ */
/* field-by-field expectations, read from the fixture JSON */

static char *
member_text (JsonObject *o,
             const char *name)
{
  JsonNode *node;

  if (o == NULL || (node = json_object_get_member (o, name)) == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return NULL;
}

static JsonObject *
member_object (JsonObject *o,
               const char *name)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static char *
node_json (JsonNode *node)
{
  return node != NULL ? json_to_string (node, FALSE) : NULL;
}

/* Where a message is in its fixture: the text, and the message's path
 * in it as a PostgreSQL text[] */
typedef struct
{
  const char *text;
  const char *path;
} FixturePlace;

/* jsonb equality with the value at @place's path plus @member (NULL: the
 * message itself), read from the fixture's text by PostgreSQL: key order
 * and spacing do not matter, and numbers are compared as written */
static void
assert_jsonb (Fixture            *f,
              const char         *wamid,
              const char         *column,
              const FixturePlace *place,
              const char         *member)
{
  g_autofree char *query = g_strdup_printf ("SELECT (%s IS NOT DISTINCT FROM"
                                            " ($2::jsonb #> $3::text[]) #> $4::text[])::text"
                                            " FROM messages WHERE message_id = $1", column);
  g_autofree char *tail = g_strdup_printf ("{%s}", member != NULL ? member : "");
  const char *params[] = { wamid, place->text, place->path, tail };
  g_autofree char *equal = sql_text (f, query, 4, params);

  if (g_strcmp0 (equal, "true") != 0)
    g_error ("messages.%s of %s differs from the fixture (at %s %s)", column, wamid, place->path,
             tail);
}

static void
assert_column (Fixture    *f,
               const char *wamid,
               const char *column,
               const char *expected)
{
  g_autofree char *query = g_strdup_printf ("SELECT %s::text FROM messages WHERE message_id = $1",
                                            column);
  const char *params[] = { wamid };
  g_autofree char *value = sql_text (f, query, 1, params);

  if (g_strcmp0 (value, expected) != 0)
    g_error ("messages.%s of %s is “%s”, the fixture says “%s”", column, wamid,
             value ? value : "(null)", expected ? expected : "(null)");
}

static const char *media_types[] = { "image", "video", "audio", "document", "sticker" };

static void
check_message (Fixture            *f,
               JsonObject         *value,
               JsonObject         *m,
               const FixturePlace *place)
{
  g_autofree char *wamid = member_text (m, "id");
  g_autofree char *from = member_text (m, "from");
  g_autofree char *type = member_text (m, "type");
  g_autofree char *ts = member_text (m, "timestamp");
  g_autofree char *epoch = NULL;
  g_autofree char *lead_name = NULL;
  g_autofree char *profile = NULL;
  JsonObject *context = member_object (m, "context");
  JsonObject *body = member_object (m, type);
  JsonNode *errors = json_object_get_member (m, "errors");
  const char *params[] = { wamid };
  const char *phone_params[] = { from };

  g_test_message ("checking message %s (%s)", wamid, type);

  assert_column (f, wamid, "phone", from);
  assert_column (f, wamid, "type", type);
  assert_column (f, wamid, "direction", "inbound");
  epoch = sql_text (f, "SELECT extract(epoch FROM \"timestamp\")::bigint::text FROM messages"
                       " WHERE message_id = $1", 1, params);
  g_assert_cmpstr (epoch, ==, ts);
  assert_jsonb (f, wamid, "raw", place, NULL);
  assert_jsonb (f, wamid, "content", place, type);
  assert_jsonb (f, wamid, "referral", place, "referral");

  if (context != NULL)
    {
      g_autofree char *quoted = member_text (context, "id");
      gboolean fwd = json_object_has_member (context, "forwarded") ||
                     json_object_has_member (context, "frequently_forwarded");

      if (quoted != NULL)
        assert_column (f, wamid, "reply_to", quoted);
      assert_column (f, wamid, "forwarded", fwd ? "true" : "false");
    }

  if (g_str_equal (type, "text"))
    {
      g_autofree char *text = member_text (body, "body");

      assert_column (f, wamid, "message", text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (media_types); i++)
    if (g_str_equal (type, media_types[i]))
      {
        g_autofree char *id = member_text (body, "id");
        g_autofree char *mime = member_text (body, "mime_type");
        g_autofree char *sha = member_text (body, "sha256");
        g_autofree char *filename = member_text (body, "filename");
        g_autofree char *caption = member_text (body, "caption");

        assert_column (f, wamid, "media_type", type);
        assert_column (f, wamid, "media_id", id);
        assert_column (f, wamid, "media_mime", mime);
        assert_column (f, wamid, "media_sha256", sha);
        assert_column (f, wamid, "media_filename", filename);
        assert_column (f, wamid, "caption", caption);
      }
  if (g_str_equal (type, "reaction"))
    {
      g_autofree char *target = member_text (body, "message_id");
      g_autofree char *emoji = member_text (body, "emoji");

      assert_column (f, wamid, "reply_to", target);
      assert_column (f, wamid, "message", emoji != NULL && *emoji != '\0' ? emoji : NULL);
    }
  if (g_str_equal (type, "button"))
    {
      g_autofree char *text = member_text (body, "text");

      assert_column (f, wamid, "message", text);
    }
  if (g_str_equal (type, "interactive"))
    {
      g_autofree char *kind = member_text (body, "type");
      g_autofree char *title = member_text (member_object (body, kind), "title");

      assert_column (f, wamid, "message", title);
    }
  if (g_str_equal (type, "system") || g_str_equal (type, "order"))
    {
      g_autofree char *text = member_text (body, g_str_equal (type, "system") ? "body" : "text");

      assert_column (f, wamid, "message", text);
    }
  if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors))
    {
      JsonObject *e = json_array_get_object_element (json_node_get_array (errors), 0);
      g_autofree char *code = member_text (e, "code");
      g_autofree char *title = member_text (e, "title");
      g_autofree char *details = member_text (member_object (e, "error_data"), "details");

      assert_column (f, wamid, "error_code", code);
      assert_column (f, wamid, "error_title", title);
      assert_column (f, wamid, "error_details", details);
    }

  /* the lead: created NEW, with the profile name of contacts[] */
  {
    JsonNode *contacts = json_object_get_member (value, "contacts");

    for (guint i = 0; contacts != NULL && i < json_array_get_length (json_node_get_array (contacts)); i++)
      {
        JsonObject *c = json_array_get_object_element (json_node_get_array (contacts), i);
        g_autofree char *wa_id = member_text (c, "wa_id");

        if (g_strcmp0 (wa_id, from) == 0)
          profile = member_text (member_object (c, "profile"), "name");
      }
  }
  lead_name = sql_text (f, "SELECT coalesce(profile_name, '(none)') FROM leads WHERE phone = $1",
                        1, phone_params);
  g_assert_nonnull (lead_name);
  if (profile != NULL)
    g_assert_cmpstr (lead_name, ==, profile);
  {
    g_autofree char *status = sql_text (f, "SELECT status FROM leads WHERE phone = $1", 1, phone_params);
    g_autofree char *window = sql_text (f, "SELECT (last_inbound_at IS NOT NULL)::text FROM conversations"
                                           " WHERE phone = $1", 1, phone_params);

    g_assert_cmpstr (status, ==, "NEW");
    g_assert_cmpstr (window, ==, "true");
  }
}

static void
check_status (Fixture    *f,
              JsonObject *s)
{
  g_autofree char *wamid = member_text (s, "id");
  g_autofree char *status = member_text (s, "status");
  g_autofree char *ts = member_text (s, "timestamp");
  g_autofree char *query = NULL;
  g_autofree char *epoch = NULL;
  g_autofree char *known = NULL;
  JsonNode *errors = json_object_get_member (s, "errors");
  const char *params[] = { wamid };
  const char *column = g_str_equal (status, "read") ? "read_at"
                     : g_str_equal (status, "delivered") ? "delivered_at"
                     : g_str_equal (status, "sent") ? "sent_at" : "failed_at";

  g_test_message ("checking status %s of %s", status, wamid);

  known = sql_text (f, "SELECT count(*)::text FROM messages WHERE message_id = $1", 1, params);
  if (g_str_equal (known, "0"))
    {
      /* kept for when the message arrives */
      g_autofree char *early = sql_text (f, "SELECT count(*)::text FROM webhook_early_statuses"
                                            " WHERE wamid = $1", 1, params);

      g_assert_cmpstr (wamid, ==, OUT_UNKNOWN);
      g_assert_cmpstr (early, ==, "1");
      return;
    }

  query = g_strdup_printf ("SELECT extract(epoch FROM %s)::bigint::text FROM messages"
                           " WHERE message_id = $1", column);
  epoch = sql_text (f, query, 1, params);
  g_assert_cmpstr (epoch, ==, ts);

  if (json_object_has_member (s, "conversation"))
    {
      g_autofree char *json = node_json (json_object_get_member (s, "conversation"));
      const char *p2[] = { wamid, json };
      g_autofree char *has = sql_text (f, "SELECT (conversation_info @> $2::jsonb)::text FROM messages"
                                          " WHERE message_id = $1", 2, p2);

      g_assert_cmpstr (has, ==, "true");
    }
  if (json_object_has_member (s, "pricing"))
    {
      g_autofree char *json = node_json (json_object_get_member (s, "pricing"));
      const char *p2[] = { wamid, json };
      g_autofree char *has = sql_text (f, "SELECT (pricing @> $2::jsonb)::text FROM messages"
                                          " WHERE message_id = $1", 2, p2);

      g_assert_cmpstr (has, ==, "true");
    }
  if (errors != NULL)
    {
      JsonObject *e = json_array_get_object_element (json_node_get_array (errors), 0);
      g_autofree char *code = member_text (e, "code");
      g_autofree char *title = member_text (e, "title");
      g_autofree char *details = member_text (member_object (e, "error_data"), "details");

      assert_column (f, wamid, "error_code", code);
      assert_column (f, wamid, "error_title", title);
      assert_column (f, wamid, "error_details", details);
      assert_column (f, wamid, "status", "failed");
    }
}

static void
check_template (Fixture    *f,
                const char *field,
                JsonObject *v)
{
  g_autofree char *name = member_text (v, "message_template_name");
  g_autofree char *language = member_text (v, "message_template_language");
  g_autofree char *id = member_text (v, "message_template_id");
  const char *params[] = { name, language };
  g_autoptr(WabizDbResult) res = sql (f, "SELECT status, meta_id, rejected_reason, quality_score"
                                         " FROM templates WHERE name = $1 AND language = $2", 2, params);

  g_test_message ("checking template %s %s", name, language);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), ==, 1);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "meta_id"), ==, id);

  if (g_str_equal (field, "message_template_status_update"))
    {
      g_autofree char *event = member_text (v, "event");
      g_autofree char *reason = member_text (v, "reason");

      g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, event);
      g_assert_cmpstr (wabiz_db_result_get (res, 0, "rejected_reason"), ==,
                       g_strcmp0 (reason, "NONE") == 0 ? NULL : reason);
    }
  else
    {
      g_autofree char *quality = member_text (v, "new_quality_score");

      g_assert_cmpstr (wabiz_db_result_get (res, 0, "quality_score"), ==, quality);
    }
}

/* Checks every message, status and template change of @name. */
static void
check_fixture (Fixture    *f,
               const char *name)
{
  g_autoptr(GBytes) bytes = load_fixture (name);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  g_autofree char *text = g_strndup (data, length);
  JsonArray *entries;

  json_parser_load_from_data (parser, data, (gssize) length, &error);
  g_assert_no_error (error);
  entries = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "entry");

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonArray *changes = json_object_get_array_member (json_array_get_object_element (entries, i),
                                                         "changes");

      for (guint j = 0; j < json_array_get_length (changes); j++)
        {
          JsonObject *change = json_array_get_object_element (changes, j);
          const char *field = json_object_get_string_member (change, "field");
          JsonObject *value = json_object_get_object_member (change, "value");
          g_autofree char *number = member_text (member_object (value, "metadata"), "phone_number_id");
          JsonNode *messages = json_object_get_member (value, "messages");
          JsonNode *statuses = json_object_get_member (value, "statuses");

          if (!g_str_equal (field, "messages"))
            {
              check_template (f, field, value);
              continue;
            }

          if (g_strcmp0 (number, PHONE_NUMBER_ID) != 0)
            {
              /* another number of the business: not mixed in */
              for (guint k = 0; k < json_array_get_length (json_node_get_array (messages)); k++)
                {
                  g_autofree char *wamid = member_text (json_array_get_object_element (json_node_get_array (messages), k), "id");
                  const char *params[] = { wamid };
                  g_autofree char *n = sql_text (f, "SELECT count(*)::text FROM messages WHERE message_id = $1",
                                                 1, params);

                  g_assert_cmpstr (n, ==, "0");
                }
              continue;
            }

          for (guint k = 0; messages != NULL && k < json_array_get_length (json_node_get_array (messages)); k++)
            {
              g_autofree char *path = g_strdup_printf ("{entry,%u,changes,%u,value,messages,%u}", i, j, k);
              FixturePlace place = { text, path };

              check_message (f, value, json_array_get_object_element (json_node_get_array (messages), k),
                             &place);
            }
          for (guint k = 0; statuses != NULL && k < json_array_get_length (json_node_get_array (statuses)); k++)
            check_status (f, json_array_get_object_element (json_node_get_array (statuses), k));
        }
    }
}

static char *
snapshot (Fixture *f)
{
  return sql_text (f,
                   "SELECT (SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', message_id, status,"
                   "   sent_at, delivered_at, read_at, failed_at, error_code, conversation_info, pricing,"
                   "   updated_at, content), ',' ORDER BY message_id) FROM messages)"
                   " || '#' || (SELECT string_agg(format('%s|%s|%s|%s|%s', phone, name, profile_name, status,"
                   "   updated_at), ',' ORDER BY phone) FROM leads)"
                   " || '#' || (SELECT string_agg(format('%s|%s|%s', phone, total_messages, unread_count), ','"
                   "   ORDER BY phone) FROM conversations)"
                   " || '#' || (SELECT string_agg(format('%s|%s|%s|%s', name, status, quality_score, updated_at),"
                   "   ',' ORDER BY name) FROM templates)", 0, NULL);
}

static void
deliver_all_fixtures (Fixture *f)
{
  g_autoptr(GPtrArray) names = list_fixtures ();

  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(GBytes) body = load_fixture (g_ptr_array_index (names, i));

      if (post_signed (f, body) != 200)
        g_error ("%s was not accepted", (char *) g_ptr_array_index (names, i));
    }
}

/* ------------------------------------------------------------------ */
/* tests */

static void
test_verification (Fixture       *f,
                   gconstpointer  data)
{
  const struct
  {
    const char *query;
    guint       status;
  } cases[] = {
    { "hub.mode=subscribe&hub.verify_token=" VERIFY_TOKEN "&hub.challenge=1158201444", 200 },
    { "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444", 403 },
    { "hub.mode=unsubscribe&hub.verify_token=" VERIFY_TOKEN "&hub.challenge=1", 403 },
    { "hub.mode=subscribe&hub.challenge=1", 403 },
    { "", 403 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *uri = g_strdup_printf ("%s/webhook?%s", f->url, cases[i].query);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GBytes) body = NULL;

      soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL,
                                        wabiz_test_store_result_cb, &result);
      wabiz_test_wait_result (&result, 30);
      body = soup_session_send_and_read_finish (f->session, result, NULL);
      g_assert_cmpuint (soup_message_get_status (msg), ==, cases[i].status);
      if (cases[i].status == 200)
        {
          g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "1158201444", 10);
          g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (
                           soup_message_get_response_headers (msg), NULL), "text/plain"));
        }
    }
}

static void
test_fixtures (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) names = list_fixtures ();
  g_autofree char *errors = NULL;

  seed_outbound (f);
  deliver_all_fixtures (f);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, names->len);

  process (f);
  errors = sql_text (f, "SELECT string_agg(id || ': ' || error, '; ') FROM webhook_events"
                        " WHERE error IS NOT NULL", 0, NULL);
  g_assert_null (errors);
  /* every event is processed but the one with changes for the business's
   * second number: its changes for this number are written (checked
   * below), and it is kept aside for the other, saying why */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"
                               " AND skipped_reason IS NULL"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"), ==, 1);
  {
    const char *params[] = { KEPT_ASIDE_REASON };
    g_autofree char *n = sql_text (f, "SELECT count(*)::text FROM webhook_events WHERE processed_at IS NULL"
                                      " AND foreign_phone_number_id = '" OTHER_NUMBER_ID "'"
                                      " AND skipped_reason = $1 AND body LIKE '%" OTHER_NUMBER_ID "%'", 1, params);

    g_assert_cmpstr (n, ==, "1");
  }

  for (guint i = 0; i < names->len; i++)
    {
      g_test_message ("fixture %s", (char *) g_ptr_array_index (names, i));
      check_fixture (f, g_ptr_array_index (names, i));
    }

  /* OUT1 saw sent, delivered and read (twice): it ends read */
  {
    const char *params[] = { OUT1 };
    g_autofree char *status = sql_text (f, "SELECT status FROM messages WHERE message_id = $1", 1, params);

    g_assert_cmpstr (status, ==, "read");
  }
  /* 131026 marks the recipient unreachable */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads WHERE unreachable"), ==, 1);
  /* the system message has no contacts[]: a lead without a name */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE type = 'system'"), ==, 1);
  /* non-ASCII names arrive both ways */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads WHERE profile_name IN"
                               " ('João Pereira', 'سارة', 'Priya Shah', 'Maria Lopez')"), ==, 4);
  /* counters: one per stored inbound message */
  g_assert_cmpint (sql_int (f, "SELECT sum(total_messages) FROM conversations"), ==,
                   sql_int (f, "SELECT count(*) FROM messages WHERE direction = 'inbound'"));
}

static void
test_redelivery (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gint64 n_messages;

  seed_outbound (f);
  deliver_all_fixtures (f);
  process (f);
  before = snapshot (f);
  n_messages = sql_int (f, "SELECT count(*) FROM messages");

  /* every fixture again, in another order */
  {
    g_autoptr(GPtrArray) names = list_fixtures ();

    for (guint i = names->len; i-- > 0;)
      {
        g_autoptr(GBytes) body = load_fixture (g_ptr_array_index (names, i));

        g_assert_cmpuint (post_signed (f, body), ==, 200);
      }
  }
  process (f);
  after = snapshot (f);

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, n_messages);
  /* all processed, but the two deliveries with the second number's
   * changes, kept aside */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"
                               " AND foreign_phone_number_id IS DISTINCT FROM '" OTHER_NUMBER_ID "'"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"), ==, 2);
  g_assert_cmpstr (before, ==, after);
}

/* The processor brings the Analytics summaries up to date in a
 * transaction of its own once it has written messages: no mark is left,
 * and the summaries count the new message and the new lead. */
static void
test_analytics_refreshed (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GBytes) body = make_text_delivery ("wamid.analytics.1", "16315550199", "how much is it?");

  g_assert_cmpuint (post_signed (f, body), ==, 200);
  g_assert_cmpuint (process (f), ==, 1);

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM analytics_dirty_days"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM analytics_dirty_phones"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM analytics_dirty_lead_quarters"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT coalesce(sum(n), 0) FROM analytics_days"
                               " WHERE day = '2024-06-14' AND direction = 'inbound'"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM analytics_turns WHERE phone = '16315550199'"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT coalesce(sum(n), 0) FROM analytics_lead_quarters"), ==,
                   sql_int (f, "SELECT count(*) FROM leads WHERE created_at IS NOT NULL"));
}

/* A lead created by a message is written once (026): it starts with the
 * newest of its messages' times as its last contact, and the touch of its
 * conversation leaves it alone. An existing lead's last contact still
 * moves on with a later message, and only then. */
static void
test_new_lead_written_once (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GBytes) first = make_text_delivery_at ("wamid.once.1", "16315550201", "hello", "1718374400");
  g_autoptr(GBytes) second = make_text_delivery_at ("wamid.once.2", "16315550201", "are you there?", "1718374460");
  g_autoptr(GBytes) untimed = make_text_delivery_at ("wamid.once.3", "16315550202", "no time given", NULL);
  g_autoptr(GBytes) later = make_text_delivery_at ("wamid.once.4", "16315550201", "hello again", "1718378000");
  g_autoptr(GBytes) earlier = make_text_delivery_at ("wamid.once.5", "16315550201", "a late one", "1718370000");

  sql_exec (f, "CREATE TABLE test_lead_updates (phone text, last_contact timestamptz)", 0, NULL);
  sql_exec (f, "CREATE FUNCTION test_lead_updated() RETURNS trigger LANGUAGE plpgsql AS $$"
               " BEGIN INSERT INTO test_lead_updates VALUES (new.phone, new.last_contact); RETURN NULL; END $$",
            0, NULL);
  sql_exec (f, "CREATE TRIGGER test_lead_updated AFTER UPDATE ON leads"
               " FOR EACH ROW EXECUTE FUNCTION test_lead_updated()", 0, NULL);

  /* two messages from a new number in one batch, one from another
   * without a time (the processor's now(), as the message's) */
  g_assert_cmpuint (post_signed (f, first), ==, 200);
  g_assert_cmpuint (post_signed (f, second), ==, 200);
  g_assert_cmpuint (post_signed (f, untimed), ==, 200);
  g_assert_cmpuint (process (f), ==, 3);

  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM test_lead_updates"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads l JOIN conversations c USING (phone)"
                               " WHERE l.last_contact = c.last_message_time"
                               "   AND l.last_contact = (SELECT max(\"timestamp\") FROM messages m"
                               "                          WHERE m.phone = l.phone)"), ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT extract(epoch FROM last_contact)::bigint FROM leads"
                               " WHERE phone = '16315550201'"), ==, 1718374460);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads WHERE phone = '16315550201'"
                               " AND name = 'Load 16315550201' AND status = 'NEW' AND first_contact IS NOT NULL"), ==, 1);

  /* a later message moves the existing lead on, once; an earlier one
   * does not write it */
  g_assert_cmpuint (post_signed (f, later), ==, 200);
  g_assert_cmpuint (process (f), ==, 1);
  g_assert_cmpuint (post_signed (f, earlier), ==, 200);
  g_assert_cmpuint (process (f), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM test_lead_updates"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT extract(epoch FROM last_contact)::bigint FROM test_lead_updates"
                               " WHERE phone = '16315550201'"), ==, 1718378000);
  g_assert_cmpint (sql_int (f, "SELECT extract(epoch FROM last_contact)::bigint FROM leads"
                               " WHERE phone = '16315550201'"), ==, 1718378000);
}

static void
permute (const char **items,
         guint        n,
         guint        k,
         GPtrArray   *out)
{
  if (k == n)
    {
      g_ptr_array_add (out, g_memdup2 (items, n * sizeof (char *)));
      return;
    }
  for (guint i = k; i < n; i++)
    {
      const char *tmp = items[k];

      items[k] = items[i];
      items[i] = tmp;
      permute (items, n, k + 1, out);
      items[i] = items[k];
      items[k] = tmp;
    }
}

static const char *
timestamp_for (const char *status)
{
  return g_str_equal (status, "sent") ? "1718374460"
       : g_str_equal (status, "delivered") ? "1718374462"
       : g_str_equal (status, "failed") ? "1718374461" : "1718374495";
}

static void
run_orders (Fixture     *f,
            const char **statuses,
            guint        n,
            const char  *expected,
            gboolean     seed_after)
{
  g_autoptr(GPtrArray) orders = g_ptr_array_new_with_free_func (g_free);
  static guint counter;

  permute (statuses, n, 0, orders);

  for (guint i = 0; i < orders->len; i++)
    {
      const char **order = g_ptr_array_index (orders, i);
      g_autofree char *wamid = g_strdup_printf ("wamid.order.%u", ++counter);
      const char *params[] = { wamid };
      g_autofree char *status = NULL;

      if (!seed_after)
        sql_exec (f, "INSERT INTO messages (phone, direction, status, message_id, type)"
                " VALUES ('16315551234', 'outbound', 'accepted', $1, 'text')", 1, params);

      for (guint j = 0; j < n; j++)
        {
          g_autoptr(GBytes) body = make_status_delivery (wamid, order[j], timestamp_for (order[j]));

          g_assert_cmpuint (post_signed (f, body), ==, 200);
          /* process between deliveries, so that the order is the order applied */
          process (f);
        }

      if (seed_after)
        /* the send's answer comes last (as the outbox would store it) */
        sql_exec (f, "INSERT INTO messages (phone, direction, status, message_id, type)"
                " VALUES ('16315551234', 'outbound', 'accepted', $1, 'text')", 1, params);

      status = sql_text (f, "SELECT status FROM messages WHERE message_id = $1", 1, params);
      g_assert_cmpstr (status, ==, expected);
      for (guint j = 0; j < n; j++)
        {
          const char *column = g_str_equal (order[j], "read") ? "read_at"
                             : g_str_equal (order[j], "delivered") ? "delivered_at"
                             : g_str_equal (order[j], "sent") ? "sent_at" : "failed_at";
          g_autofree char *query = g_strdup_printf ("SELECT extract(epoch FROM %s)::bigint::text"
                                                    " FROM messages WHERE message_id = $1", column);
          g_autofree char *epoch = sql_text (f, query, 1, params);

          g_assert_cmpstr (epoch, ==, timestamp_for (order[j]));
        }
      gboolean has_failed = FALSE;

      for (guint j = 0; j < n; j++)
        has_failed |= g_str_equal (order[j], "failed");
      if (has_failed)
        {
          g_autofree char *code = sql_text (f, "SELECT error_code::text FROM messages WHERE message_id = $1",
                                            1, params);

          g_assert_cmpstr (code, ==, "131026");
        }
    }
}

#define RACE_WAMID "wamid.race.1"

/* A status that comes while the outbox stores its message's wamid:
 * whichever of the two transactions goes second sees the other's row,
 * so the status is applied, never kept for a message already there.
 * Both wait here for the wamid's turn at once, then go. */
static void
test_status_while_wamid_stored (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GBytes) body = make_status_delivery (RACE_WAMID, "delivered", timestamp_for ("delivered"));
  g_autoptr(GAsyncResult) processed = NULL;
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  WabizTestPgLock *turn;

  id = sql_text (f, "INSERT INTO messages (phone, direction, status, type)"
                    " VALUES ('16315551234', 'outbound', 'queued', 'text') RETURNING id::text",
                 0, NULL);
  g_assert_cmpuint (post_signed (f, body), ==, 200);

  turn = wabiz_test_pg_lock (f->conninfo, "wabiz-wamid:" RACE_WAMID);
  wabiz_webhook_processor_run_async (f->processor, NULL, wabiz_test_store_result_cb, &processed);
  /* the send's answer, stored as the outbox does */
  wabiz_db_query_async (f->db, "UPDATE messages SET message_id = $2, status = 'accepted' WHERE id = $1::uuid",
                        2, (const char *[]) { id, RACE_WAMID }, NULL, wabiz_test_store_result_cb, &stored);
  WABIZ_TEST_WAIT (wabiz_test_pg_n_waiting_for_lock (f->conninfo) == 2, 60);
  wabiz_test_pg_unlock (turn);

  g_assert_cmpuint (wabiz_webhook_processor_run_finish (f->processor, wabiz_test_wait_result (&processed, 60),
                                                        &error),
                    ==, 1);
  g_assert_no_error (error);
  res = wabiz_db_query_finish (f->db, wabiz_test_wait_result (&stored, 60), &error);
  g_assert_no_error (error);

  state = sql_text (f, "SELECT status || ' ' || extract(epoch FROM delivered_at)::bigint FROM messages"
                       " WHERE id = $1::uuid",
                    1, (const char *[]) { id });
  g_assert_cmpstr (state, ==, "delivered 1718374462");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_early_statuses"), ==, 0);
}

static void
test_status_order (Fixture       *f,
                   gconstpointer  data)
{
  const char *three[] = { "sent", "delivered", "read" };
  const char *with_failed[] = { "sent", "failed" };
  const char *failed_then_delivered[] = { "sent", "failed", "delivered" };
  const char *four[] = { "sent", "delivered", "read", "failed" };

  run_orders (f, three, 3, "read", FALSE);
  run_orders (f, with_failed, 2, "failed", FALSE);
  run_orders (f, failed_then_delivered, 3, "delivered", FALSE);
  run_orders (f, four, 4, "read", FALSE);
  /* statuses before the message exists: kept, applied when it arrives */
  run_orders (f, three, 3, "read", TRUE);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_early_statuses"), ==, 0);
}

static void
assert_no_events (Fixture *f)
{
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 0);
}

static void
test_signatures (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) body = load_fixture ("text.json");
  g_autofree char *good = sign (body);
  g_autofree char *wrong_secret = NULL;
  g_autofree char *upper = g_ascii_strup (good + strlen ("sha256="), -1);
  g_autofree char *upper_header = g_strconcat ("sha256=", upper, NULL);
  g_autofree char *flipped_data = NULL;
  g_autoptr(GBytes) flipped = NULL;
  g_autoptr(GBytes) utf8 = load_fixture ("text-non-ascii-utf8.json");
  gsize length;

  wrong_secret = wabiz_webhook_sign ("not-the-secret", g_bytes_get_data (body, NULL),
                                     g_bytes_get_size (body));
  length = g_bytes_get_size (body);
  flipped_data = g_memdup2 (g_bytes_get_data (body, NULL), length);
  flipped_data[length / 2] ^= 0x01;
  flipped = g_bytes_new (flipped_data, length);

  g_assert_cmpuint (post (f, body, NULL), ==, 401);
  g_assert_cmpuint (post (f, body, wrong_secret), ==, 401);
  g_assert_cmpuint (post (f, body, good + strlen ("sha256=")), ==, 401);   /* no prefix */
  g_assert_cmpuint (post (f, body, "sha256=zz"), ==, 401);
  g_assert_cmpuint (post (f, body, ""), ==, 401);
  g_assert_cmpuint (post (f, flipped, good), ==, 401);
  assert_no_events (f);

  g_assert_cmpuint (post (f, body, upper_header), ==, 200);
  g_assert_cmpuint (post_signed (f, utf8), ==, 200);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 2);

  /* the stored body is the exact bytes */
  {
    g_autofree char *stored = sql_text (f, "SELECT body FROM webhook_events ORDER BY id LIMIT 1", 0, NULL);

    g_assert_cmpmem (stored, strlen (stored), g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  }
}

static void
test_escaped_signature (void)
{
  /* Meta signs the \u-escaped form; a proxy may deliver raw UTF-8 */
  const char *escaped = "{\"a\":\"Jo\\u00e3o \\ud83d\\udc4d\"}";
  const char *raw = "{\"a\":\"João 👍\"}";
  g_autofree char *signature = wabiz_webhook_sign (APP_SECRET, (const guint8 *) escaped, strlen (escaped));

  g_assert_true (wabiz_webhook_verify_signature (APP_SECRET, (const guint8 *) escaped,
                                                 strlen (escaped), signature));
  g_assert_true (wabiz_webhook_verify_signature (APP_SECRET, (const guint8 *) raw, strlen (raw),
                                                 signature));
  g_assert_false (wabiz_webhook_verify_signature ("other", (const guint8 *) raw, strlen (raw),
                                                  signature));
  g_assert_false (wabiz_webhook_verify_signature (APP_SECRET, (const guint8 *) raw, strlen (raw),
                                                  NULL));
}

static void
test_limits (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GBytes) text = load_fixture ("text.json");
  g_autoptr(GString) big = g_string_new ("{\"object\":\"whatsapp_business_account\",\"pad\":\"");
  g_autoptr(GBytes) big_body = NULL;
  g_autoptr(GBytes) malformed = g_bytes_new_static ("{\"object\": \"whatsapp", 21);
  g_autoptr(GBytes) not_utf8 = g_bytes_new_static ("{\"a\":\"\xff\xfe\"}", 11);

  wabiz_webhook_set_max_body_size (f->webhook, 4096);
  while (big->len < 4096)
    g_string_append (big, "xxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}");
  big_body = g_bytes_new (big->str, big->len);

  g_assert_cmpuint (post_signed (f, big_body), ==, 413);
  g_assert_cmpuint (post_signed (f, malformed), ==, 400);
  g_assert_cmpuint (post_signed (f, not_utf8), ==, 400);
  assert_no_events (f);

  /* the default limit: 4 MiB */
  wabiz_webhook_set_max_body_size (f->webhook, WABIZ_WEBHOOK_DEFAULT_MAX_BODY);
  {
    g_autofree char *pad = g_strnfill (WABIZ_WEBHOOK_DEFAULT_MAX_BODY, 'x');
    char *huge = g_strconcat ("{\"pad\":\"", pad, "\"}", NULL);

    g_clear_pointer (&big_body, g_bytes_unref);
    big_body = g_bytes_new_take (huge, strlen (huge));
  }
  g_assert_cmpuint (post_signed (f, big_body), ==, 413);
  assert_no_events (f);

  g_assert_cmpuint (post_signed (f, text), ==, 200);
}

static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  const guint n = 300;
  Batch batch = { 0 };

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *wamid = g_strdup_printf ("wamid.concurrent.%u", i);
      g_autofree char *from = g_strdup_printf ("1555000%04u", i % 50);
      g_autoptr(GBytes) body = make_text_delivery (wamid, from, "hello");
      g_autofree char *signature = sign (body);

      post_async (f, &batch, i, body, signature);
    }
  wait_batch (&batch);
  g_assert_cmpuint (batch.n_200, ==, n);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, n);

  process (f);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, n);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads"), ==, 50);
  g_assert_cmpint (sql_int (f, "SELECT sum(total_messages) FROM conversations"), ==, n);
  g_assert_cmpint (sql_int (f, "SELECT sum(unread_count) FROM conversations"), ==, n);
  /* each event taken by one batch only, though two run at once */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events WHERE attempts <> 1"), ==, 0);
}

static gboolean
run_in_thread_stop (WabizPgServer *pg)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wabiz_pg_server_stop (pg, &error));
  g_assert_no_error (error);
  return TRUE;
}

static void
test_database_down (Fixture       *f,
                    gconstpointer  data)
{
  const guint n = 60;
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;
  g_autofree guint *statuses = g_new0 (guint, n);
  g_autoptr(GHashTable) acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GBytes **bodies = g_new0 (GBytes *, n);
  Batch batch = { 0, 0, 0, statuses };

  f->pg = wabiz_test_pg_server_new ();
  g_assert_true (wabiz_pg_server_start (f->pg, &error));
  g_assert_no_error (error);
  g_assert_true (wabiz_pg_server_ensure_database (f->pg, "wabiz", &error));
  g_assert_no_error (error);
  conninfo = wabiz_pg_server_dup_conninfo (f->pg, "wabiz");
  fixture_start (f, conninfo);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *wamid = g_strdup_printf ("wamid.down.%u", i);

      bodies[i] = make_text_delivery (wamid, "16315551234", "are you there?");
    }

  /* a third while up, a third in flight as the server stops, a third while down */
  for (guint i = 0; i < n / 3; i++)
    {
      g_autofree char *signature = sign (bodies[i]);

      post_async (f, &batch, i, bodies[i], signature);
    }
  wait_batch (&batch);
  for (guint i = n / 3; i < 2 * n / 3; i++)
    {
      g_autofree char *signature = sign (bodies[i]);

      post_async (f, &batch, i, bodies[i], signature);
    }
  run_in_thread_stop (f->pg);
  wait_batch (&batch);
  for (guint i = 2 * n / 3; i < n; i++)
    {
      g_autofree char *signature = sign (bodies[i]);

      post_async (f, &batch, i, bodies[i], signature);
    }
  wait_batch (&batch);

  for (guint i = 0; i < n; i++)
    {
      g_assert_true (statuses[i] == 200 || statuses[i] == 503);
      if (i < n / 3)
        g_assert_cmpuint (statuses[i], ==, 200);
      if (i >= 2 * n / 3)
        g_assert_cmpuint (statuses[i], ==, 503);
      if (statuses[i] == 200)
        g_hash_table_add (acked, g_strdup_printf ("wamid.down.%u", i));
    }
  g_test_message ("%u of %u answered 200 before the restart", g_hash_table_size (acked), n);

  /* Meta delivers again what got no 200 */
  g_assert_true (wabiz_pg_server_start (f->pg, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    if (statuses[i] != 200)
      {
        g_autofree char *signature = sign (bodies[i]);

        post_async (f, &batch, i, bodies[i], signature);
      }
  wait_batch (&batch);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (statuses[i], ==, 200);
      g_hash_table_add (acked, g_strdup_printf ("wamid.down.%u", i));
    }

  process (f);
  g_assert_cmpint (sql_int (f, "SELECT count(DISTINCT message_id) FROM messages"), ==,
                   g_hash_table_size (acked));
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, n);

  for (guint i = 0; i < n; i++)
    g_bytes_unref (bodies[i]);
  g_free (bodies);
}

static void
test_poisoned (Fixture       *f,
               gconstpointer  data)
{
  /* valid JSON, valid signature, but a message the parser refuses */
  const char *poison = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
                       "\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\""
                       PHONE_NUMBER_ID "\"},\"messages\":[{\"from\":\"not a number\",\"id\":\"wamid.poison\","
                       "\"type\":\"text\",\"text\":{\"body\":\"x\"}}]}}]}]}";
  g_autoptr(GBytes) poisoned = g_bytes_new_static (poison, strlen (poison));
  g_autoptr(GBytes) before = make_text_delivery ("wamid.before", "16315551234", "before");
  g_autoptr(GBytes) after = make_text_delivery ("wamid.after", "16315551234", "after");
  const char *unknown_text = "{\"object\":\"page\",\"entry\":[1,2]}";
  g_autoptr(GBytes) unknown = g_bytes_new_static (unknown_text, strlen (unknown_text));
  g_autofree char *err = NULL;
  guint n_failed = 0;
  guint n;

  g_autofree char *long_name = g_strnfill (300, 'n');
  g_autofree char *db_poison_text = NULL;
  g_autoptr(GBytes) db_poison = NULL;

  /* parses, but the database refuses it (a name longer than leads.name) */
  db_poison_text = g_strdup_printf ("{\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{"
                                    "\"contacts\":[{\"profile\":{\"name\":\"%s\"},\"wa_id\":\"16315559999\"}],"
                                    "\"messages\":[{\"from\":\"16315559999\",\"id\":\"wamid.dbpoison\",\"type\":\"text\","
                                    "\"timestamp\":\"1718374400\",\"text\":{\"body\":\"x\"}}]}}]}]}", long_name);
  db_poison = g_bytes_new (db_poison_text, strlen (db_poison_text));

  g_assert_cmpuint (post_signed (f, before), ==, 200);
  g_assert_cmpuint (post_signed (f, poisoned), ==, 200);
  g_assert_cmpuint (post_signed (f, db_poison), ==, 200);
  g_assert_cmpuint (post_signed (f, unknown), ==, 200);
  g_assert_cmpuint (post_signed (f, after), ==, 200);

  g_assert_cmpuint (process (f), ==, 3);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"), ==, 2);
  err = sql_text (f, "SELECT error FROM webhook_events WHERE processed_at IS NULL AND body LIKE '%wamid.poison%'",
                  0, NULL);
  g_assert_nonnull (strstr (err, "wamid.poison"));
  g_clear_pointer (&err, g_free);
  err = sql_text (f, "SELECT error FROM webhook_events WHERE processed_at IS NULL AND body LIKE '%dbpoison%'",
                  0, NULL);
  g_assert_nonnull (err);
  /* nothing of it was half written */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads WHERE phone = '16315559999'"), ==, 0);
  sql_exec (f, "DELETE FROM webhook_events WHERE body LIKE '%dbpoison%'", 0, NULL);
  /* the unknown shape is kept raw, processed */
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events WHERE body LIKE '%\"page\"%'"
                               " AND processed_at IS NOT NULL"), ==, 1);

  /* it stays pending through later runs */
  g_assert_cmpuint (process (f), ==, 0);

  /* reprocess: still failing, then fixed (as an upgrade would) */
  n = reprocess (f->processor, &n_failed);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (n_failed, ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT attempts FROM webhook_events WHERE processed_at IS NULL"), ==, 2);

  sql_exec (f, "UPDATE webhook_events SET body = replace(body, 'not a number', '16315550000')"
          " WHERE processed_at IS NULL", 0, NULL);
  n = reprocess (f->processor, &n_failed);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (n_failed, ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, 3);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"), ==, 0);
}

/* a \u0000 in a message (PostgreSQL holds no U+0000) is stored as
 * U+FFFD, in the text and in the raw JSON, rather than left pending */
static void
test_nul_escape (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) delivery = make_text_delivery ("wamid.nul", "16315551234", "a\\u0000b");
  g_autofree char *text = NULL;

  g_assert_cmpuint (post_signed (f, delivery), ==, 200);
  g_assert_cmpuint (process (f), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"), ==, 0);
  text = sql_text (f, "SELECT message FROM messages WHERE message_id = 'wamid.nul'", 0, NULL);
  g_assert_cmpstr (text, ==, "a\xef\xbf\xbd" "b");
  g_clear_pointer (&text, g_free);
  text = sql_text (f, "SELECT raw->'text'->>'body' FROM messages WHERE message_id = 'wamid.nul'", 0, NULL);
  g_assert_cmpstr (text, ==, "a\xef\xbf\xbd" "b");
}

static void
set_flag_cb (gboolean *flag)
{
  *flag = TRUE;
}

static void
test_wake_on_commit (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) body = load_fixture ("text.json");
  gboolean processed = FALSE;

  /* started: catches up, then follows each commit by itself */
  g_signal_connect_swapped (f->webhook, "stored", G_CALLBACK (wabiz_webhook_processor_wake), f->processor);
  g_signal_connect_swapped (f->processor, "processed", G_CALLBACK (set_flag_cb), &processed);
  wabiz_webhook_processor_start (f->processor);
  g_assert_cmpuint (post_signed (f, body), ==, 200);

  wabiz_test_wait_for_flag (&processed, 60);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, 1);
}

static void
pq_exec_ok (PGconn     *conn,
            const char *query)
{
  PGresult *res = PQexec (conn, query);

  g_assert_cmpint (PQresultStatus (res), ==, PGRES_COMMAND_OK);
  PQclear (res);
}

static void
request_read_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 gboolean          *flag)
{
  *flag = TRUE;
}

static void
stored_cb (WabizWebhook *webhook,
           guint         n,
           gboolean     *flag)
{
  *flag = TRUE;
}

/* The server goes away (the window closed, wabizd stopping) while a
 * delivery waits for its commit: the commit still lands and nothing
 * touches the answer of a connection that no longer exists. */
static void
test_server_gone (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GBytes) body = load_fixture ("text.json");
  g_autofree char *signature = sign (body);
  SoupServer *server = wabiz_http_server_get_soup_server (f->http);
  PGconn *locker = PQconnectdb (f->conninfo);
  Batch batch = { 0 };
  gboolean read = FALSE;
  gboolean stored = FALSE;

  g_assert_cmpint (PQstatus (locker), ==, CONNECTION_OK);
  pq_exec_ok (locker, "BEGIN");
  pq_exec_ok (locker, "LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE");

  g_signal_connect (server, "request-read", G_CALLBACK (request_read_cb), &read);
  g_signal_connect (f->webhook, "stored", G_CALLBACK (stored_cb), &stored);
  post_async (f, &batch, 0, body, signature);
  wabiz_test_wait_for_flag (&read, 60);

  /* the delivery is paused, its insert blocked on the lock */
  g_signal_handlers_disconnect_by_func (server, request_read_cb, &read);
  g_clear_object (&f->http);
  wait_batch (&batch);
  g_assert_cmpuint (batch.n_200, ==, 0);

  pq_exec_ok (locker, "COMMIT");
  PQfinish (locker);
  wabiz_test_wait_for_flag (&stored, 60);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM webhook_events"), ==, 1);
}

static void
count_cb (WabizWebhookProcessor *processor,
          guint                  n_events,
          guint                 *total)
{
  *total += n_events;
}

/* A message for another phone number id than the one set up (as when the
 * test number's id was pasted instead of the real one): kept with why,
 * counted, nothing written, neither processed nor failed; a normal run
 * leaves it; once the setting names that number, a reprocess writes its
 * rows, once. */
static void
test_foreign_number (Fixture       *f,
                     gconstpointer  data)
{
  const char *text =
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"108233722174550\",\"changes\":[{"
    "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783882\","
    "\"phone_number_id\":\"" OTHER_NUMBER_ID "\"},\"contacts\":[{\"profile\":{\"name\":\"Ana Souza\"},"
    "\"wa_id\":\"5511912345678\"}],\"messages\":[{\"from\":\"5511912345678\",\"id\":\"wamid.foreign.1\","
    "\"timestamp\":\"1718374400\",\"text\":{\"body\":\"Oi, voc\u00eas abrem hoje?\"},\"type\":\"text\"}]},"
    "\"field\":\"messages\"}]}]}";
  g_autoptr(GBytes) body = g_bytes_new_static (text, strlen (text));
  g_autoptr(WabizWebhookProcessor) other = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_auto(GStrv) ids = NULL;
  guint n_kept_aside = 0;
  guint n_failed = 99;

  /* the parser says for which number it did not take a change */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(WabizWebhookPayload) mine = wabiz_webhook_parse (text, strlen (text), PHONE_NUMBER_ID, &error);
    g_autoptr(WabizWebhookPayload) all = wabiz_webhook_parse (text, strlen (text), NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (mine->foreign_phone_number_id, ==, OTHER_NUMBER_ID);
    g_assert_cmpuint (mine->messages->len, ==, 0);
    g_assert_null (all->foreign_phone_number_id);
    g_assert_cmpuint (all->messages->len, ==, 1);
  }

  g_signal_connect (f->processor, "kept-aside", G_CALLBACK (count_cb), &n_kept_aside);
  g_assert_cmpuint (post_signed (f, body), ==, 200);
  g_assert_cmpuint (process (f), ==, 0);
  g_assert_cmpuint (n_kept_aside, ==, 1);

  row = sql (f, "SELECT processed_at IS NULL AS pending, error, attempts, skipped_reason, foreign_phone_number_id"
                " FROM webhook_events", 0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (row), ==, 1);
  g_assert_true (wabiz_db_result_get_bool (row, 0, "pending"));
  g_assert_null (wabiz_db_result_get (row, 0, "error"));
  g_assert_cmpint (wabiz_db_result_get_int (row, 0, "attempts"), ==, 1);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "skipped_reason"), ==, KEPT_ASIDE_REASON);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "foreign_phone_number_id"), ==, OTHER_NUMBER_ID);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads"), ==, 0);
  g_assert_cmpuint (count_foreign (f, &ids), ==, 1);
  g_assert_cmpuint (g_strv_length (ids), ==, 1);
  g_assert_cmpstr (ids[0], ==, OTHER_NUMBER_ID);
  g_clear_pointer (&ids, g_strfreev);

  /* a normal run does not take it again; a reprocess with the same
   * setting keeps it aside */
  g_assert_cmpuint (process (f), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT attempts FROM webhook_events"), ==, 1);
  g_assert_cmpuint (reprocess (f->processor, &n_failed), ==, 0);
  g_assert_cmpuint (n_failed, ==, 0);
  g_assert_cmpuint (n_kept_aside, ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT attempts FROM webhook_events"), ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, 0);
  g_assert_cmpuint (count_foreign (f, NULL), ==, 1);

  /* the setting now names that number: a normal run still leaves it, a
   * reprocess writes it */
  other = wabiz_webhook_processor_new (f->db, OTHER_NUMBER_ID);
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    wabiz_webhook_processor_run_async (other, NULL, wabiz_test_store_result_cb, &result);
    wabiz_test_wait_result (&result, 60);
    g_assert_cmpuint (wabiz_webhook_processor_run_finish (other, result, &error), ==, 0);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (reprocess (other, &n_failed), ==, 1);
  g_assert_cmpuint (n_failed, ==, 0);
  g_clear_pointer (&row, wabiz_db_result_unref);
  row = sql (f, "SELECT processed_at IS NOT NULL AS processed, error, skipped_reason, foreign_phone_number_id"
                " FROM webhook_events", 0, NULL);
  g_assert_true (wabiz_db_result_get_bool (row, 0, "processed"));
  g_assert_null (wabiz_db_result_get (row, 0, "error"));
  g_assert_null (wabiz_db_result_get (row, 0, "skipped_reason"));
  g_assert_null (wabiz_db_result_get (row, 0, "foreign_phone_number_id"));
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages WHERE message_id = 'wamid.foreign.1'"
                               " AND phone = '5511912345678' AND direction = 'inbound'"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM leads WHERE phone = '5511912345678'"
                               " AND profile_name = 'Ana Souza'"), ==, 1);
  g_assert_cmpuint (count_foreign (f, &ids), ==, 0);
  g_assert_cmpuint (g_strv_length (ids), ==, 0);

  /* once */
  g_assert_cmpuint (reprocess (other, &n_failed), ==, 0);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM messages"), ==, 1);
  g_assert_cmpint (sql_int (f, "SELECT total_messages FROM conversations WHERE phone = '5511912345678'"), ==, 1);
}

static void
test_parser_shapes (void)
{
  const char *bodies[] = {
    "[]", "1", "null", "{}", "{\"entry\":1}", "{\"entry\":[1,\"x\",{\"changes\":{}}]}",
    "{\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"messages\":{}}}]}]}",
    "{\"entry\":[{\"changes\":[{\"field\":\"account_update\",\"value\":{\"event\":\"X\"}}]}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WabizWebhookPayload) payload = wabiz_webhook_parse (bodies[i], strlen (bodies[i]), NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (payload);
      g_assert_cmpuint (payload->messages->len, ==, 0);
    }
}

/* The processor and the receiver warn about poisoned events and a
 * database that went away: expected here, not fatal. */
static gboolean
fatal_handler (const char     *log_domain,
               GLogLevelFlags  log_level,
               const char     *message,
               gpointer        user_data)
{
  if ((log_level & G_LOG_LEVEL_WARNING) != 0 && log_domain != NULL &&
      g_str_has_prefix (log_domain, "wabiz-"))
    return FALSE;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (fatal_handler, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/wabiz/webhook/escaped-signature", test_escaped_signature);
  g_test_add_func ("/wabiz/webhook/parser-shapes", test_parser_shapes);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/wabiz/webhook/verification", test_verification);
  ADD ("/wabiz/webhook/fixtures", test_fixtures);
  ADD ("/wabiz/webhook/redelivery", test_redelivery);
  ADD ("/wabiz/webhook/status-order", test_status_order);
  ADD ("/wabiz/webhook/status-while-wamid-stored", test_status_while_wamid_stored);
  ADD ("/wabiz/webhook/signatures", test_signatures);
  ADD ("/wabiz/webhook/limits", test_limits);
  ADD ("/wabiz/webhook/concurrent", test_concurrent);
  ADD ("/wabiz/webhook/poisoned", test_poisoned);
  ADD ("/wabiz/webhook/foreign-number", test_foreign_number);
  ADD ("/wabiz/webhook/nul-escape", test_nul_escape);
  ADD ("/wabiz/webhook/wake-on-commit", test_wake_on_commit);
  ADD ("/wabiz/webhook/server-gone", test_server_gone);
  ADD ("/wabiz/webhook/analytics-refreshed", test_analytics_refreshed);
  ADD ("/wabiz/webhook/new-lead-written-once", test_new_lead_written_once);
#undef ADD
  g_test_add ("/wabiz/webhook/database-down", Fixture, NULL, NULL, test_database_down, fixture_teardown);

  return g_test_run ();
}
