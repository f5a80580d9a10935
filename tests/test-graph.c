/* test-graph.c: the Graph API client against wabiz-sim (in-process)
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "wabiz-graph-client-private.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"

typedef struct
{
  WabizSimServer   *sim;
  WabizGraphClient *client;
  char             *tmpdir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
  f->client = wabiz_graph_client_new (wabiz_sim_server_get_base_url (f->sim), "v19.0",
                                      WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID,
                                      WABIZ_SIM_DEFAULT_WABA_ID,
                                      WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  f->tmpdir = wabiz_test_make_tmpdir ("wabiz-graph");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->client);
  wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  wabiz_test_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
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

static JsonObject *
object_from (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static WabizGraphSent *
send (Fixture     *f,
      const char  *json,
      GError     **error)
{
  g_autoptr(JsonObject) message = object_from (json);
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_graph_client_send_message_async (f->client, message, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  return wabiz_graph_client_send_message_finish (f->client, result, error);
}

static guint
ledger_length (Fixture *f)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

  return json_array_get_length (ledger);
}

static gint64
media_count (Fixture *f)
{
  g_autoptr(JsonObject) stats = wabiz_sim_server_dup_stats (f->sim);

  return json_object_get_int_member (json_object_get_object_member (stats, "media"), "count");
}

static void
test_send_text (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(WabizGraphSent) sent = NULL;
  g_autoptr(GError) error = NULL;

  wabiz_sim_server_set_window (f->sim, "16315551234", TRUE);
  sent = send (f, "{\"to\": \"+1 (631) 555-1234\", \"type\": \"text\", \"text\": {\"body\": \"Hi\"}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sent->wa_id, ==, "16315551234");
  g_assert_true (g_str_has_prefix (sent->wamid, "wamid."));
  g_assert_null (sent->message_status);
  g_assert_cmpuint (ledger_length (f), ==, 1);
}

static void
test_send_template (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(WabizGraphSent) sent = NULL;
  g_autoptr(GError) error = NULL;

  /* a template needs no open window; Brazil's ninth digit comes back in wa_id */
  sent = send (f, "{\"to\": \"551187654321\", \"type\": \"template\","
                  " \"template\": {\"name\": \"hello_world\", \"language\": {\"code\": \"en_US\"}}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sent->input, ==, "551187654321");
  g_assert_cmpstr (sent->wa_id, ==, "5511987654321");
  g_assert_cmpstr (sent->message_status, ==, "accepted");
}

typedef struct
{
  const char *name;
  const char *config;
  const char *message;
  int         code;
  gboolean    retryable;
  gboolean    bad_token;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "190", NULL, "{\"to\": \"16315551234\", \"type\": \"template\", \"template\": {\"name\": \"hello_world\", \"language\": {\"code\": \"en_US\"}}}",
    190, FALSE, TRUE },
  { "100", NULL, "{\"to\": \"16315551234\", \"type\": \"text\", \"text\": {\"bodytext\": \"x\"}}",
    100, FALSE },
  { "131047", NULL, "{\"to\": \"16315550000\", \"type\": \"text\", \"text\": {\"body\": \"x\"}}",
    131047, FALSE },
  { "132000", NULL, "{\"to\": \"16315551234\", \"type\": \"template\", \"template\": {\"name\": \"hello_world\", \"language\": {\"code\": \"en_US\"},"
    " \"components\": [{\"type\": \"body\", \"parameters\": [{\"type\": \"text\", \"text\": \"extra\"}]}]}}",
    132000, FALSE },
  { "132001", NULL, "{\"to\": \"16315551234\", \"type\": \"template\", \"template\": {\"name\": \"no_such_template\", \"language\": {\"code\": \"en_US\"}}}",
    132001, FALSE },
  { "131026", "{\"undeliverable\": [\"16315559999\"], \"undeliverable_mode\": \"error\"}",
    "{\"to\": \"16315559999\", \"type\": \"template\", \"template\": {\"name\": \"hello_world\", \"language\": {\"code\": \"en_US\"}}}",
    131026, FALSE },
};

static void
test_error (Fixture       *f,
            gconstpointer  data)
{
  const ErrorCase *c = data;
  g_autoptr(WabizGraphSent) sent = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) copy = NULL;

  if (c->config != NULL)
    sim_config (f, c->config);
  if (c->bad_token)
    wabiz_graph_client_set_access_token (f->client, "not-the-token");

  sent = send (f, c->message, &error);
  g_assert_null (sent);
  g_assert_error (error, WABIZ_GRAPH_ERROR, c->code);
  g_assert_cmpint (wabiz_graph_error_is_retryable (error), ==, c->retryable);
  g_assert_false (wabiz_graph_error_is_ambiguous (error));
  g_assert_nonnull (wabiz_graph_error_get_title (error));
  g_assert_false (g_str_has_prefix (wabiz_graph_error_get_title (error), "(#"));
  g_assert_nonnull (wabiz_graph_error_get_fbtrace_id (error));
  g_assert_cmpuint (wabiz_graph_error_get_http_status (error), >=, 400);
  /* the token never shows in an error */
  g_assert_null (strstr (error->message, WABIZ_SIM_DEFAULT_ACCESS_TOKEN));

  /* the extra fields survive a copy (GTask, g_propagate_error) */
  copy = g_error_copy (error);
  g_assert_cmpstr (wabiz_graph_error_get_title (copy), ==, wabiz_graph_error_get_title (error));
}

static void
test_error_throughput (Fixture       *f,
                       gconstpointer  data)
{
  const char *message = "{\"to\": \"16315551234\", \"type\": \"template\", \"template\":"
                        " {\"name\": \"hello_world\", \"language\": {\"code\": \"en_US\"}}}";
  g_autoptr(WabizGraphSent) first = NULL;
  g_autoptr(WabizGraphSent) second = NULL;
  g_autoptr(GError) error = NULL;

  sim_config (f, "{\"throughput\": 1}");
  first = send (f, message, &error);
  g_assert_no_error (error);
  second = send (f, message, &error);
  g_assert_null (second);
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_THROUGHPUT);
  g_assert_true (wabiz_graph_error_is_retryable (error));
  g_assert_cmpuint (wabiz_graph_error_get_retry_after_ms (error), >, 0);
}

/* Connection refused: the request never left, so retrying is safe. */
static void
test_error_network (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(WabizGraphClient) client = NULL;
  g_autoptr(JsonObject) message = object_from ("{\"to\": \"16315551234\", \"type\": \"text\", \"text\": {\"body\": \"x\"}}");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint16 port;

  /* a port that was free a moment ago */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  url = g_strdup_printf ("http://127.0.0.1:%u", port);

  client = wabiz_graph_client_new (url, "v19.0", "1", "2", "t");
  wabiz_graph_client_send_message_async (client, message, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_null (wabiz_graph_client_send_message_finish (client, result, &error));
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_NETWORK);
  g_assert_true (wabiz_graph_error_is_retryable (error));
  g_assert_false (wabiz_graph_error_is_ambiguous (error));
}

/* A server that takes the request and never answers: ambiguous. */
static void
hang_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  soup_server_message_pause (msg);
}

static void
test_error_ambiguous (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(WabizGraphClient) client = NULL;
  g_autoptr(JsonObject) message = object_from ("{\"to\": \"16315551234\", \"type\": \"text\", \"text\": {\"body\": \"x\"}}");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *url = NULL;

  soup_server_add_handler (server, NULL, hang_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  client = wabiz_graph_client_new (url, "v19.0", "1", "2", "t");
  wabiz_graph_client_set_timeout (client, 1);
  wabiz_graph_client_send_message_async (client, message, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_null (wabiz_graph_client_send_message_finish (client, result, &error));
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_AMBIGUOUS);
  g_assert_false (wabiz_graph_error_is_retryable (error));
  g_assert_true (wabiz_graph_error_is_ambiguous (error));
}

static void
test_mark_read (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonObject) spec = object_from ("{\"from\": \"16315551234\", \"type\": \"text\", \"text\": {\"body\": \"hello\"}}");
  g_autoptr(JsonObject) inbound = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *wamid;

  inbound = wabiz_sim_server_inject_inbound (f->sim, spec, &error);
  g_assert_no_error (error);
  wamid = json_object_get_string_member (inbound, "wamid");

  wabiz_graph_client_mark_read_async (f->client, wamid, FALSE, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_graph_client_mark_read_finish (f->client, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  wabiz_graph_client_send_typing_async (f->client, wamid, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_graph_client_send_typing_finish (f->client, result, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* media */

static char *
write_file (Fixture    *f,
            const char *name,
            const char *magic,
            gsize       magic_len,
            gsize       size)
{
  char *path = g_build_filename (f->tmpdir, name, NULL);
  g_autofree char *data = g_malloc0 (size);
  g_autoptr(GError) error = NULL;

  memcpy (data, magic, MIN (magic_len, size));
  for (gsize i = magic_len; i < size; i++)
    data[i] = (char) (i * 7 + 1);
  g_assert_true (g_file_set_contents (path, data, (gssize) size, &error));
  return path;
}

static char *
upload (Fixture     *f,
        const char  *path,
        const char  *kind,
        char       **mime,
        GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_graph_client_upload_media_async (f->client, file, kind, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  return wabiz_graph_client_upload_media_finish (f->client, result, mime, error);
}

typedef struct
{
  const char *name;
  const char *kind;
  const char *magic;
  gsize       magic_len;
  gsize       size;
  const char *mime;
} MediaCase;

#define OGG_OPUS "OggS\0\2\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\1\x13OpusHead\1\1"
#define MP4 "\0\0\0\x18" "ftypisom\0\0\2\0isomiso2"
#define WEBP "RIFF\0\0\0\0WEBPVP8 "

static const MediaCase media_cases[] = {
  { "photo.jpg", "image", "\xff\xd8\xff\xe0\0\x10JFIF", 10, 200 * 1024, "image/jpeg" },
  { "shot.png", "image", "\x89PNG\r\n\x1a\n", 8, 50 * 1024, "image/png" },
  { "clip.mp4", "video", MP4, sizeof MP4 - 1, 300 * 1024, "video/mp4" },
  { "voice.ogg", "audio", OGG_OPUS, sizeof OGG_OPUS - 1, 20 * 1024, "audio/ogg; codecs=opus" },
  { "song.mp3", "audio", "ID3\3\0", 5, 40 * 1024, "audio/mpeg" },
  { "invoice.pdf", "document", "%PDF-1.7\n", 9, 120 * 1024, "application/pdf" },
  { "sticker.webp", "sticker", WEBP, sizeof WEBP - 1, 30 * 1024, "image/webp" },
};

static void
test_media_each_kind (Fixture       *f,
                      gconstpointer  data)
{
  wabiz_sim_server_set_window (f->sim, "16315551234", TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (media_cases); i++)
    {
      const MediaCase *c = &media_cases[i];
      g_autofree char *path = write_file (f, c->name, c->magic, c->magic_len, c->size);
      g_autofree char *mime = NULL;
      g_autofree char *id = NULL;
      g_autofree char *json = NULL;
      g_autofree char *downloaded = NULL;
      g_autofree char *original = NULL;
      g_autofree char *copy = NULL;
      gsize original_len, copy_len;
      g_autoptr(WabizGraphSent) sent = NULL;
      g_autoptr(WabizGraphMediaInfo) info = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", c->name);
      /* detected from the content, with no kind given */
      id = upload (f, path, NULL, &mime, &error);
      g_assert_no_error (error);
      g_assert_nonnull (id);
      g_assert_cmpstr (mime, ==, c->mime);

      json = g_strdup_printf ("{\"to\": \"16315551234\", \"type\": \"%s\", \"%s\": {\"id\": \"%s\"}}",
                              c->kind, c->kind, id);
      sent = send (f, json, &error);
      g_assert_no_error (error);
      g_assert_nonnull (sent->wamid);

      wabiz_graph_client_get_media_async (f->client, id, NULL, wabiz_test_store_result_cb, &result);
      wabiz_test_wait_result (&result, 30);
      info = wabiz_graph_client_get_media_finish (f->client, result, &error);
      g_assert_no_error (error);
      g_assert_cmpint (info->file_size, ==, (gint64) c->size);
      g_clear_object (&result);

      /* download it back: sha256 checked, same bytes */
      wabiz_graph_client_download_media_async (f->client, id, NULL, f->tmpdir, NULL,
                                               wabiz_test_store_result_cb, &result);
      wabiz_test_wait_result (&result, 30);
      downloaded = wabiz_graph_client_download_media_finish (f->client, result, &error);
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &original, &original_len, NULL));
      g_assert_true (g_file_get_contents (downloaded, &copy, &copy_len, NULL));
      g_assert_cmpmem (original, original_len, copy, copy_len);
      g_clear_object (&result);

      wabiz_graph_client_delete_media_async (f->client, id, NULL, wabiz_test_store_result_cb, &result);
      wabiz_test_wait_result (&result, 30);
      g_assert_true (wabiz_graph_client_delete_media_finish (f->client, result, &error));
      g_assert_no_error (error);
    }
}

static void
test_media_checksum_mismatch (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *path = write_file (f, "a.pdf", "%PDF-1.4\n", 9, 4096);
  g_autofree char *id = NULL;
  g_autofree char *downloaded = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  id = upload (f, path, "document", NULL, &error);
  g_assert_no_error (error);
  /* a webhook's base64 sha256 that is not this file's */
  wabiz_graph_client_download_media_async (f->client, id, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                                           f->tmpdir, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  downloaded = wabiz_graph_client_download_media_finish (f->client, result, &error);
  g_assert_null (downloaded);
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_CHECKSUM);
}

static void
test_media_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *big = write_file (f, "big.jpg", "\xff\xd8\xff\xe0", 4, (gsize) (6.2 * 1024 * 1024));
  g_autofree char *gif = write_file (f, "anim.gif", "GIF89a", 6, 1000);
  g_autofree char *vorbis = write_file (f, "a.ogg", "OggS\0\2\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\1\x1e\x01vorbis", 36, 1000);
  g_autofree char *pdf = write_file (f, "doc.pdf", "%PDF-1.4\n", 9, 1000);
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;
  guint64 before = ledger_length (f);

  id = upload (f, big, NULL, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TOO_LARGE);
  g_assert_cmpstr (error->message, ==, "This image is 6.2 MB; WhatsApp accepts images up to 5 MB");
  g_clear_error (&error);

  id = upload (f, gif, "image", NULL, &error);
  g_assert_null (id);
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TYPE);
  g_assert_nonnull (strstr (error->message, "image/gif"));
  g_clear_error (&error);

  id = upload (f, vorbis, NULL, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TYPE);
  g_assert_nonnull (strstr (error->message, "Opus"));
  g_clear_error (&error);

  /* a PDF is no image, whatever the caller says */
  id = upload (f, pdf, "image", NULL, &error);
  g_assert_null (id);
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TYPE);
  g_clear_error (&error);

  /* nothing reached the simulator */
  g_assert_cmpint (media_count (f), ==, 0);
  g_assert_cmpuint (ledger_length (f), ==, before);
}

/* A 100 MB document streams from disk: the process does not grow by
 * the file's size. */
static void
test_media_streamed (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "big.pdf", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *mime = NULL;
  FILE *fp = fopen (path, "wb");

  g_assert_nonnull (fp);
  fputs ("%PDF-1.7\n", fp);
  g_assert_cmpint (fseek (fp, 99 * 1024 * 1024, SEEK_SET), ==, 0);
  fputs ("%%EOF\n", fp);
  fclose (fp);

  id = upload (f, path, "document", &mime, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  g_assert_cmpstr (mime, ==, "application/pdf");
}

/* ------------------------------------------------------------------ */
/* templates */

static void
test_templates (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonObject) tmpl = object_from ("{\"name\": \"wabiz_pickup_notice\", \"language\": \"en_US\", \"category\": \"UTILITY\","
                                            " \"components\": [{\"type\": \"BODY\", \"text\": \"Hi {{1}}, your order is ready.\","
                                            " \"example\": {\"body_text\": [[\"Maria\"]]}}]}");
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonArray) list = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  wabiz_graph_client_create_template_async (f->client, tmpl, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  created = wabiz_graph_client_create_template_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (created, "status"), ==, "PENDING");
  g_clear_object (&result);

  wabiz_graph_client_list_templates_async (f->client, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  list = wabiz_graph_client_list_templates_finish (f->client, result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (list); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (list, i), "name"), "wabiz_pickup_notice") == 0)
      found = TRUE;
  g_assert_true (found);
  g_assert_cmpuint (json_array_get_length (list), >=, 2);   /* and hello_world */
  g_clear_object (&result);

  wabiz_graph_client_delete_template_async (f->client, "wabiz_pickup_notice", NULL, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_graph_client_delete_template_finish (f->client, result, &error));
  g_assert_no_error (error);
}

/* Many pages from the simulator: the client follows paging.next (the
 * simulator's own address) until there is none, and gets every
 * template once */
static void
test_templates_next (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonArray) list = NULL;
  g_autoptr(GError) error = NULL;

  _wabiz_graph_client_set_template_page_size (f->client, 2);
  wabiz_graph_client_list_templates_async (f->client, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  list = wabiz_graph_client_list_templates_finish (f->client, result, &error);
  g_assert_no_error (error);
  /* the simulator's seven samples, in four pages */
  g_assert_cmpuint (json_array_get_length (list), ==, 7);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *t = json_array_get_object_element (list, i);

      g_assert_true (g_hash_table_add (seen, g_strdup (json_object_get_string_member (t, "id"))));
      g_assert_nonnull (json_object_get_string_member (t, "status"));
    }
}

/* A media header's example goes through the Resumable Upload API: the
 * app the token belongs to, a session, the bytes; the handle it gives
 * makes a template Meta takes, one it did not give does not. */
static void
test_templates_resumable (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "media", "photo.jpg", NULL);
  g_autofree char *pdf_path = g_test_build_filename (G_TEST_DIST, "data", "media", "document.pdf", NULL);
  g_autofree char *audio_path = g_test_build_filename (G_TEST_DIST, "data", "media", "audio.mp3", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) pdf = g_file_new_for_path (pdf_path);
  g_autoptr(GFile) audio = g_file_new_for_path (audio_path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) tmpl = NULL;
  g_autofree char *handle = NULL;
  g_autofree char *pdf_handle = NULL;
  g_autofree char *mime = NULL;
  g_autofree char *json = NULL;
  const char *component_format =
    "{\"name\": \"%s\", \"language\": \"en_US\", \"category\": \"MARKETING\","
    " \"components\": [{\"type\": \"HEADER\", \"format\": \"IMAGE\","
    " \"example\": {\"header_handle\": [\"%s\"]}},"
    " {\"type\": \"BODY\", \"text\": \"New cakes are in, {{1}}. Come and taste them!\","
    " \"example\": {\"body_text\": [[\"Maria\"]]}}]}";

  g_assert_null (wabiz_graph_client_get_app_id (f->client));
  wabiz_graph_client_upload_resumable_async (f->client, file, "image", NULL, wabiz_test_store_result_cb, &result);
  handle = wabiz_graph_client_upload_resumable_finish (f->client, wabiz_test_wait_result (&result, 30), &mime, &error);
  g_assert_no_error (error);
  g_assert_nonnull (handle);
  g_assert_true (g_str_has_prefix (handle, "4::"));
  g_assert_cmpstr (mime, ==, "image/jpeg");
  /* asked once, of GET /app */
  g_assert_cmpstr (wabiz_graph_client_get_app_id (f->client), ==, WABIZ_SIM_DEFAULT_APP_ID);
  g_clear_object (&result);

  /* a second one (the app known now), a document */
  wabiz_graph_client_upload_resumable_async (f->client, pdf, "document", NULL, wabiz_test_store_result_cb, &result);
  pdf_handle = wabiz_graph_client_upload_resumable_finish (f->client, wabiz_test_wait_result (&result, 30), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pdf_handle, !=, handle);
  g_clear_object (&result);

  /* audio is no header: refused before anything is sent */
  wabiz_graph_client_upload_resumable_async (f->client, audio, NULL, NULL, wabiz_test_store_result_cb, &result);
  g_assert_null (wabiz_graph_client_upload_resumable_finish (f->client, wabiz_test_wait_result (&result, 30), NULL, &error));
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);
  g_clear_object (&result);

  json = g_strdup_printf (component_format, "cake_news", handle);
  tmpl = object_from (json);
  wabiz_graph_client_create_template_async (f->client, tmpl, NULL, wabiz_test_store_result_cb, &result);
  created = wabiz_graph_client_create_template_finish (f->client, wabiz_test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (created, "status"), ==, "PENDING");
  g_clear_object (&result);
  g_clear_pointer (&tmpl, json_object_unref);
  g_clear_pointer (&json, g_free);

  /* a /media id or a made-up handle is not an example */
  json = g_strdup_printf (component_format, "cake_news_two", "4::aW1hZ2UvanBlZw==:madeup");
  tmpl = object_from (json);
  wabiz_graph_client_create_template_async (f->client, tmpl, NULL, wabiz_test_store_result_cb, &result);
  g_assert_null (wabiz_graph_client_create_template_finish (f->client, wabiz_test_wait_result (&result, 30), &error));
  g_assert_error (error, WABIZ_GRAPH_ERROR, 100);
  g_assert_nonnull (strstr (wabiz_graph_error_get_details (error), "Resumable Upload"));
  g_clear_error (&error);
  g_clear_object (&result);

  /* an edit sends it back to review */
  {
    g_autoptr(JsonObject) changes = object_from ("{\"category\": \"UTILITY\"}");

    wabiz_graph_client_edit_template_async (f->client, json_object_get_string_member (created, "id"), changes,
                                            NULL, wabiz_test_store_result_cb, &result);
    g_assert_true (wabiz_graph_client_edit_template_finish (f->client, wabiz_test_wait_result (&result, 30), &error));
    g_assert_no_error (error);
  }
}

/* Paging with the fixtures: the client follows cursors.after until
 * there is no "next". */
static void
fixture_pages_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  const char *after = query ? g_hash_table_lookup (query, "after") : NULL;
  g_autofree char *file = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  file = g_test_build_filename (G_TEST_DIST, "data", "meta-graph-responses",
                               after ? "templates-list-last-page.json" : "templates-list-page1.json",
                               NULL);
  g_assert_true (g_file_get_contents (file, &contents, &len, NULL));
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, contents, len);
}

/* Meta refusing a template says why in error_user_msg alone, as its
 * template endpoints do: the reason reaches the error's details. */
static void
refuse_template_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  const char *body = "{\"error\":{\"message\":\"Invalid parameter\",\"type\":\"OAuthException\",\"code\":100,"
                     "\"error_subcode\":2388299,\"is_transient\":false,"
                     "\"error_user_title\":\"Variables can't be at the start or end of the template\","
                     "\"error_user_msg\":\"Your template body has a variable at the end; add text after it.\","
                     "\"fbtrace_id\":\"AbC\"}}";

  soup_server_message_set_status (msg, 400, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
}

static void
test_error_user_msg (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(WabizGraphClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *url = NULL;

  soup_server_add_handler (server, NULL, refuse_template_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  client = wabiz_graph_client_new (url, "v19.0", "106540352242922", "108233722174550", "t");
  wabiz_graph_client_list_templates_async (client, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  list = wabiz_graph_client_list_templates_finish (client, result, &error);
  g_assert_null (list);
  g_assert_error (error, WABIZ_GRAPH_ERROR, 100);
  g_assert_cmpstr (wabiz_graph_error_get_title (error), ==, "Variables can't be at the start or end of the template");
  g_assert_cmpstr (wabiz_graph_error_get_details (error), ==,
                   "Your template body has a variable at the end; add text after it.");
}

static void
test_templates_paging (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(WabizGraphClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *url = NULL;

  soup_server_add_handler (server, NULL, fixture_pages_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  client = wabiz_graph_client_new (url, "v19.0", "106540352242922", "108233722174550", "t");
  wabiz_graph_client_list_templates_async (client, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  list = wabiz_graph_client_list_templates_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (list), ==, 4);
}

/* ------------------------------------------------------------------ */
/* where the access token goes */

/* A Graph API of the test's own and another server next to it, which
 * counts what reaches it */
typedef struct
{
  SoupServer *graph;
  SoupServer *other;
  char       *graph_url;      /* ends with a slash */
  char       *other_url;      /* ends with a slash */
  const char *media_url;      /* "other": the media is on the other server;
                               * "redirect": on the Graph server, which
                               * sends the download to the other one */
  guint       other_requests;
  guint       other_tokens;   /* of them, with an Authorization header */
} Hosts;

static void
other_host_cb (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Hosts *h = user_data;

  h->other_requests++;
  if (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization") != NULL)
    h->other_tokens++;
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "image/jpeg", SOUP_MEMORY_STATIC, "\xff\xd8\xff\xe0", 4);
}

static void
graph_host_cb (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Hosts *h = user_data;
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;

  if (g_str_equal (path, "/media/4242"))
    {
      g_autofree char *location = g_strdup_printf ("%smedia/4242", h->other_url);

      soup_server_message_set_redirect (msg, 302, location);
      return;
    }
  if (g_str_equal (path, "/v19.0/messages-here/messages"))
    {
      static const char sent[] = "{\"messaging_product\": \"whatsapp\", \"contacts\": [{\"input\": \"16315551234\","
                                 " \"wa_id\": \"16315551234\"}], \"messages\": [{\"id\": \"wamid.X\"}]}";

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, sent, sizeof sent - 1);
      return;
    }

  /* GET /v19.0/4242: the media's address */
  url = g_strdup_printf ("%smedia/4242", g_str_equal (h->media_url, "other") ? h->other_url : h->graph_url);
  json = g_strdup_printf ("{\"messaging_product\": \"whatsapp\", \"url\": \"%s\", \"mime_type\": \"image/jpeg\","
                          " \"file_size\": 4, \"id\": \"4242\"}", url);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static char *
listen_url (SoupServer *server)
{
  g_autoptr(GSList) uris = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return g_str_has_suffix (url, "/") ? g_steal_pointer (&url) : g_strconcat (url, "/", NULL);
}

/* The address of a media Meta's API gives names another host (and the
 * same with a redirect): the access token does not go there, and the
 * download fails saying why. */
static void
test_media_other_host (gconstpointer data)
{
  Hosts h = { .media_url = data };
  g_autofree char *tmpdir = wabiz_test_make_tmpdir ("wabiz-graph");
  g_autoptr(WabizGraphClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *downloaded = NULL;

  h.graph = soup_server_new (NULL, NULL);
  h.other = soup_server_new (NULL, NULL);
  soup_server_add_handler (h.graph, NULL, graph_host_cb, &h, NULL);
  soup_server_add_handler (h.other, NULL, other_host_cb, &h, NULL);
  h.graph_url = listen_url (h.graph);
  h.other_url = listen_url (h.other);

  client = wabiz_graph_client_new (h.graph_url, "v19.0", "1", "2", "secret-token");
  wabiz_graph_client_download_media_async (client, "4242", NULL, tmpdir, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  downloaded = wabiz_graph_client_download_media_finish (client, result, &error);
  g_test_message ("%s", error ? error->message : "downloaded");
  g_assert_null (downloaded);
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_UNTRUSTED_HOST);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_null (strstr (error->message, "secret-token"));
  g_assert_cmpuint (h.other_tokens, ==, 0);
  g_assert_cmpuint (h.other_requests, ==, 0);

  g_clear_object (&client);
  g_clear_object (&h.graph);
  g_clear_object (&h.other);
  g_free (h.graph_url);
  g_free (h.other_url);
  wabiz_test_rm_rf (tmpdir);
}

/* A Graph API address in plain http:// that is not this computer's
 * loopback: nothing is sent (0.0.0.0 reaches this computer's server,
 * which counts what arrives). */
static void
test_plaintext_graph_url (void)
{
  Hosts h = { .media_url = "other" };
  g_autoptr(JsonObject) message = object_from ("{\"to\": \"16315551234\", \"type\": \"text\", \"text\": {\"body\": \"x\"}}");
  g_autoptr(WabizGraphClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *url = NULL;
  g_autoptr(WabizGraphSent) sent = NULL;

  h.other = soup_server_new (NULL, NULL);
  soup_server_add_handler (h.other, NULL, other_host_cb, &h, NULL);
  h.other_url = listen_url (h.other);
  uri = g_uri_parse (h.other_url, G_URI_FLAGS_NONE, NULL);
  url = g_strdup_printf ("http://0.0.0.0:%d", g_uri_get_port (uri));

  g_assert_false (wabiz_graph_check_url (url, NULL));
  g_assert_false (wabiz_graph_check_url ("http://graph.facebook.com", NULL));
  g_assert_true (wabiz_graph_check_url ("https://graph.facebook.com", NULL));
  g_assert_true (wabiz_graph_check_url ("http://127.0.0.1:9", NULL));
  g_assert_true (wabiz_graph_check_url ("http://localhost:9/", NULL));
  g_assert_true (wabiz_graph_check_url ("http://[::1]:9", NULL));

  client = wabiz_graph_client_new (url, "v19.0", "messages-here", "2", "secret-token");
  wabiz_graph_client_send_message_async (client, message, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  sent = wabiz_graph_client_send_message_finish (client, result, &error);
  g_assert_null (sent);
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_UNTRUSTED_HOST);
  g_assert_nonnull (strstr (error->message, "https://"));
  g_assert_false (wabiz_graph_error_is_retryable (error));
  g_assert_cmpuint (h.other_requests, ==, 0);

  g_clear_object (&h.other);
  g_free (h.other_url);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/graph/send/text", Fixture, NULL, fixture_setup, test_send_text, fixture_teardown);
  g_test_add ("/graph/send/template", Fixture, NULL, fixture_setup, test_send_template, fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/graph/error/%s", error_cases[i].name);

      g_test_add (name, Fixture, &error_cases[i], fixture_setup, test_error, fixture_teardown);
    }
  g_test_add ("/graph/error/130429", Fixture, NULL, fixture_setup, test_error_throughput, fixture_teardown);
  g_test_add_func ("/graph/error/network", test_error_network);
  g_test_add_func ("/graph/error/ambiguous", test_error_ambiguous);
  g_test_add ("/graph/mark-read", Fixture, NULL, fixture_setup, test_mark_read, fixture_teardown);
  g_test_add ("/graph/media/each-kind", Fixture, NULL, fixture_setup, test_media_each_kind, fixture_teardown);
  g_test_add ("/graph/media/checksum", Fixture, NULL, fixture_setup, test_media_checksum_mismatch, fixture_teardown);
  g_test_add ("/graph/media/refused", Fixture, NULL, fixture_setup, test_media_refused, fixture_teardown);
  g_test_add ("/graph/media/streamed", Fixture, NULL, fixture_setup, test_media_streamed, fixture_teardown);
  g_test_add ("/graph/templates", Fixture, NULL, fixture_setup, test_templates, fixture_teardown);
  g_test_add_func ("/graph/templates/paging", test_templates_paging);
  g_test_add ("/graph/templates/next", Fixture, NULL, fixture_setup, test_templates_next, fixture_teardown);
  g_test_add ("/graph/templates/resumable", Fixture, NULL, fixture_setup, test_templates_resumable, fixture_teardown);
  g_test_add_func ("/graph/error/user-msg", test_error_user_msg);
  g_test_add_data_func ("/graph/token/media-other-host", "other", test_media_other_host);
  g_test_add_data_func ("/graph/token/media-redirect", "redirect", test_media_other_host);
  g_test_add_func ("/graph/token/plaintext-url", test_plaintext_graph_url);

  return g_test_run ();
}
