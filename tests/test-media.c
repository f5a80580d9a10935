/* test-media.c: customers' files, fetched after their messages are
 * stored, kept in the database for every desktop, against a real
 * PostgreSQL and the in-process simulator
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "wabiz-media-fetcher-private.h"
#include "wabiz-services.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"

#define CUSTOMER "5511987654321"
#define CUSTOMER_NAME "João Pereira"
#define GONE_MESSAGE "This file is no longer available from WhatsApp; ask the customer to send it again."

/* One kind a customer sends, and the file the simulator serves for it. */
typedef struct
{
  const char *type;
  const char *spec;     /* the "<type>" object of the inbound message */
  const char *fixture;  /* tests/data/media/ */
  const char *mime;     /* as Meta announces it and WaBiz keeps it */
} Kind;

static const Kind kinds[] = {
  { "image", "{\"caption\": \"Is this the right model?\"}", "photo.jpg", "image/jpeg" },
  { "audio", "{\"voice\": true}", "voice.ogg", "audio/ogg; codecs=opus" },
  { "sticker", "{}", "sticker.webp", "image/webp" },
  { "video", "{\"caption\": \"Unboxing\"}", "video.mp4", "video/mp4" },
  { "document", "{\"filename\": \"invoice-4521.pdf\", \"caption\": \"The invoice\"}",
    "document.pdf", "application/pdf" },
};

/* Another desktop on the same database: its own connections, Graph
 * client and cache. */
typedef struct
{
  WabizDb           *db;
  WabizGraphClient  *graph;
  WabizMediaFetcher *fetcher;
  char              *cache;
} Desktop;

typedef struct
{
  char           *conninfo;
  char           *tmp;
  WabizSimServer *sim;
  WabizServices  *services;
  GPtrArray      *desktops; /* (element-type Desktop) */
  GPtrArray      *states;   /* "media_id state" as the services' fetcher announced them */
} Fixture;

static void
desktop_free (Desktop *desktop)
{
  g_clear_object (&desktop->fetcher);
  g_clear_object (&desktop->graph);
  if (desktop->db != NULL)
    wabiz_db_close (desktop->db);
  g_clear_object (&desktop->db);
  g_free (desktop->cache);
  g_free (desktop);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->conninfo = wabiz_test_pg_new_database ();
  f->tmp = wabiz_test_make_tmpdir ("wzmedia");
  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
  f->desktops = g_ptr_array_new_with_free_func ((GDestroyNotify) desktop_free);
  f->states = g_ptr_array_new_with_free_func (g_free);
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
stop_fetcher (WabizMediaFetcher *fetcher)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  wabiz_media_fetcher_stop_async (fetcher, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_true (wabiz_media_fetcher_stop_finish (fetcher, result, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  for (guint i = 0; i < f->desktops->len; i++)
    {
      Desktop *desktop = g_ptr_array_index (f->desktops, i);

      if (desktop->fetcher != NULL)
        stop_fetcher (desktop->fetcher);
    }
  stop_services (f);
  g_clear_object (&f->services);
  g_clear_pointer (&f->desktops, g_ptr_array_unref);
  wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  g_clear_pointer (&f->states, g_ptr_array_unref);
  wabiz_test_rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->conninfo);
}

static void
media_changed_cb (WabizMediaFetcher *fetcher,
                  const char        *media_id,
                  WabizMediaState    state,
                  Fixture           *f)
{
  g_ptr_array_add (f->states, g_strdup_printf ("%s %s", media_id, wabiz_media_state_to_string (state)));
}

/* Desktop A: every service, receiving the simulator's webhooks. */
static void
start_services (Fixture *f)
{
  g_autoptr (WabizConfig) config = g_new0 (WabizConfig, 1);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *webhook_url = NULL;

  config->database_url = g_strdup (f->conninfo);
  config->graph_url = g_strdup (wabiz_sim_server_get_base_url (f->sim));
  config->phone_number_id = g_strdup (WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID);
  config->waba_id = g_strdup (WABIZ_SIM_DEFAULT_WABA_ID);
  config->access_token = g_strdup (WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  config->app_secret = g_strdup (WABIZ_SIM_DEFAULT_APP_SECRET);
  config->verify_token = g_strdup ("media-verify-token");
  config->host = g_strdup ("127.0.0.1");
  config->port = 0;
  config->send_rate = 50;

  f->services = wabiz_services_new (config, WABIZ_SERVICES_PROCESS | WABIZ_SERVICES_LISTEN |
                                                WABIZ_SERVICES_NOTIFY);
  wabiz_services_start_async (f->services, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_true (wabiz_services_start_finish (f->services, result, &error));
  g_assert_no_error (error);
  g_assert_nonnull (wabiz_services_get_media_fetcher (f->services));
  g_signal_connect (wabiz_services_get_media_fetcher (f->services), "media-changed",
                    G_CALLBACK (media_changed_cb), f);

  url = wabiz_http_server_dup_url (wabiz_services_get_http (f->services));
  webhook_url = g_strconcat (url, "/webhook", NULL);
  g_object_set (f->sim, "webhook-url", webhook_url, NULL);
}

static WabizMediaFetcher *
services_fetcher (Fixture *f)
{
  return wabiz_services_get_media_fetcher (f->services);
}

/* Another desktop; with @fetch, a fetcher with the access token too. */
static Desktop *
add_desktop (Fixture    *f,
             const char *name,
             gboolean    fetch)
{
  Desktop *desktop = g_new0 (Desktop, 1);

  desktop->db = wabiz_db_new (f->conninfo, NULL, 2);
  desktop->cache = g_build_filename (f->tmp, name, "cache", "wabiz", "media", NULL);
  if (fetch)
    desktop->graph = wabiz_graph_client_new (wabiz_sim_server_get_base_url (f->sim), "v21.0",
                                             WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID,
                                             WABIZ_SIM_DEFAULT_WABA_ID,
                                             WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  desktop->fetcher = wabiz_media_fetcher_new (desktop->db, desktop->graph, desktop->cache);
  g_ptr_array_add (f->desktops, desktop);
  return desktop;
}

static WabizDbResult *
sql (Fixture           *f,
     const char        *query,
     int                n_params,
     const char *const *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WabizDb) db = NULL;
  WabizDbResult *res;

  if (f->services != NULL && wabiz_services_get_db (f->services) != NULL)
    db = g_object_ref (wabiz_services_get_db (f->services));
  else
    db = wabiz_db_new (f->conninfo, NULL, 1);
  res = wabiz_db_query_sync (db, query, n_params, params, NULL, &error);
  g_assert_no_error (error);
  return res;
}

static char *
sql_value (Fixture    *f,
           const char *query,
           const char *param)
{
  g_autoptr (WabizDbResult) res = sql (f, query, param != NULL ? 1 : 0, (const char *[]){ param });

  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static gboolean
holds (Fixture    *f,
       const char *query,
       const char *param)
{
  g_autofree char *value = sql_value (f, query, param);

  return g_strcmp0 (value, "t") == 0;
}

static gint64
sim_media_counter (Fixture    *f,
                   const char *name)
{
  g_autoptr (JsonObject) stats = wabiz_sim_server_dup_stats (f->sim);

  return json_object_get_int_member (json_object_get_object_member (stats, "media"), name);
}

static gint64
sim_webhooks_delivered (Fixture *f)
{
  g_autoptr (JsonObject) stats = wabiz_sim_server_dup_stats (f->sim);

  return json_object_get_int_member (json_object_get_object_member (stats, "webhooks"), "delivered");
}

/* A customer sends @type with @payload (the "<type>" object, JSON);
 * returns its media id. */
static char *
send_media (Fixture    *f,
            const char *type,
            const char *payload,
            gint64      timestamp)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonObject) spec = json_object_new ();
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, payload, -1, &error));
  g_assert_no_error (error);
  json_object_set_string_member (spec, "from", CUSTOMER);
  json_object_set_string_member (spec, "name", CUSTOMER_NAME);
  json_object_set_string_member (spec, "type", type);
  json_object_set_member (spec, type, json_node_copy (json_parser_get_root (parser)));
  if (timestamp > 0)
    json_object_set_int_member (spec, "timestamp", timestamp);

  answer = wabiz_sim_server_inject_inbound (f->sim, spec, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_has_member (answer, "media_id"));
  return g_strdup (json_object_get_string_member (answer, "media_id"));
}

static GBytes *
read_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "media", name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static GBytes *
read_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static char *
open_media (WabizMediaStore *store,
            const char      *media_id,
            GError         **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  wabiz_media_store_open_async (store, media_id, NULL, wabiz_test_store_result_cb, &result);
  /* nothing blocked: the file is read on a worker thread */
  g_assert_null (result);
  wabiz_test_wait_result (&result, 60);
  return wabiz_media_store_open_finish (store, result, error);
}

static WabizMediaInfo *
get_info (WabizMediaStore *store,
          const char      *media_id,
          GError         **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  wabiz_media_store_get_info_async (store, media_id, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  return wabiz_media_store_get_info_finish (store, result, error);
}

static WabizMediaInfo *
retry (WabizMediaFetcher *fetcher,
       const char        *media_id,
       GError           **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  wabiz_media_fetcher_retry_async (fetcher, media_id, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  return wabiz_media_fetcher_retry_finish (fetcher, result, error);
}

static gboolean
is_state (Fixture    *f,
          const char *media_id,
          const char *state)
{
  g_autofree char *value = sql_value (f, "SELECT state FROM media WHERE media_id = $1", media_id);

  return g_strcmp0 (value, state) == 0;
}

/* Wakes @fetcher whenever the services' processor stored messages, as a
 * NOTIFY would on another desktop: the two fetchers race. */
static void
processed_cb (WabizWebhookProcessor *processor,
              guint                  n_processed,
              guint                  n_failed,
              WabizMediaFetcher     *fetcher)
{
  wabiz_media_fetcher_wake (fetcher);
}

/* The simulator sends an image, a voice note, a sticker, a video and a
 * PDF; two fetchers race for them: each is downloaded and stored once,
 * as it was sent; a third desktop opens every one from the database
 * without fetching again, and from its own cache after that. */
static void
test_every_kind (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (WabizMediaStore) third = NULL;
  g_autoptr (WabizDb) third_db = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *third_cache = g_build_filename (f->tmp, "c", "cache", NULL);
  g_autofree char *n_rows = NULL;
  Desktop *b;

  start_services (f);
  b = add_desktop (f, "b", TRUE);
  g_signal_connect_object (wabiz_services_get_processor (f->services), "processed",
                           G_CALLBACK (processed_cb), b->fetcher, 0);
  wabiz_media_fetcher_start (b->fetcher);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    g_ptr_array_add (ids, send_media (f, kinds[i].type, kinds[i].spec, 0));

  WABIZ_TEST_WAIT (wabiz_media_fetcher_get_n_stored (services_fetcher (f)) +
                     wabiz_media_fetcher_get_n_stored (b->fetcher) == 5,
                   60);
  g_assert_true (holds (f, "SELECT count(*) = 5 FROM media WHERE state = 'stored'", NULL));

  /* one row per media id, each downloaded once, between the two */
  n_rows = sql_value (f, "SELECT count(*) || ' ' || count(DISTINCT media_id) FROM media", NULL);
  g_assert_cmpstr (n_rows, ==, "5 5");
  g_assert_cmpint (sim_media_counter (f, "downloads"), ==, 5);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr (GBytes) expected = read_fixture (kinds[i].fixture);
      g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, expected);
      g_autoptr (WabizDbResult) row = NULL;

      row = sql (f, "SELECT x.kind, x.mime, x.size, x.sha256, encode(sha256(x.data), 'hex') AS data_sha,"
                    " x.attempts, x.failure, m.type, m.caption, m.direction"
                    " FROM media x JOIN messages m ON m.id = x.message_id WHERE x.media_id = $1",
                 1, (const char *[]){ id });
      g_assert_cmpuint (wabiz_db_result_get_n_rows (row), ==, 1);
      g_test_message ("%s: %s, %s bytes", kinds[i].type, wabiz_db_result_get (row, 0, "mime"),
                      wabiz_db_result_get (row, 0, "size"));
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "kind"), ==, kinds[i].type);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "type"), ==, kinds[i].type);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "direction"), ==, "inbound");
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "mime"), ==, kinds[i].mime);
      g_assert_cmpint (wabiz_db_result_get_int (row, 0, "size"), ==, g_bytes_get_size (expected));
      /* the bytes are the simulator's, byte for byte */
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "sha256"), ==, sha);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "data_sha"), ==, sha);
      g_assert_cmpint (wabiz_db_result_get_int (row, 0, "attempts"), ==, 1);
      g_assert_null (wabiz_db_result_get (row, 0, "failure"));
    }

  /* the message and its caption are there as before */
  g_assert_true (holds (f, "SELECT caption = 'Is this the right model?' FROM messages WHERE media_id = $1",
                        g_ptr_array_index (ids, 0)));

  /* a third desktop, with a cache of its own and no access token */
  third_db = wabiz_db_new (f->conninfo, NULL, 2);
  third = wabiz_media_store_new (third_db, third_cache);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr (GBytes) expected = read_fixture (kinds[i].fixture);
      g_autoptr (WabizMediaInfo) info = NULL;
      g_autoptr (GBytes) opened = NULL;
      g_autofree char *path = NULL;
      g_autofree char *again = NULL;

      info = get_info (third, id, &error);
      g_assert_no_error (error);
      g_assert_cmpint (info->state, ==, WABIZ_MEDIA_STATE_STORED);
      g_assert_cmpstr (info->kind, ==, kinds[i].type);
      g_assert_cmpstr (info->mime_type, ==, kinds[i].mime);
      g_assert_cmpint (info->size, ==, g_bytes_get_size (expected));
      g_assert_null (info->message);
      g_assert_null (info->next_attempt);

      path = open_media (third, id, &error);
      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (path, third_cache));
      opened = read_file (path);
      g_assert_true (g_bytes_equal (opened, expected));

      again = open_media (third, id, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (again, ==, path);
    }
  g_assert_cmpint (sim_media_counter (f, "downloads"), ==, 5);

  /* the desktops that fetched kept what they fetched in their caches */
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr (GBytes) expected = read_fixture (kinds[i].fixture);
      g_autofree char *in_a = NULL;
      g_autofree char *in_b = NULL;

      in_a = open_media (wabiz_media_fetcher_get_store (services_fetcher (f)), id, &error);
      g_assert_no_error (error);
      in_b = open_media (wabiz_media_fetcher_get_store (b->fetcher), id, &error);
      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (in_b, b->cache));
      g_assert_cmpstr (in_a, !=, in_b);
    }
  g_assert_cmpint (sim_media_counter (f, "downloads"), ==, 5);

  /* a cache is used as it is: what the third desktop opened stays
   * openable there even once the database dropped its original */
  {
    g_autoptr (WabizDbResult) removed = NULL;
    g_autofree char *path = NULL;
    g_autoptr (WabizMediaStore) fourth = NULL;
    g_autofree char *fourth_cache = g_build_filename (f->tmp, "d", "cache", NULL);
    g_autofree char *nothing = NULL;

    removed = sql (f, "UPDATE media SET state = 'removed', data = NULL, failure = 'space'"
                      " WHERE media_id = $1",
                   1, (const char *[]){ g_ptr_array_index (ids, 3) });
    path = open_media (third, g_ptr_array_index (ids, 3), &error);
    g_assert_no_error (error);
    g_assert_true (g_str_has_suffix (path, ".mp4"));

    fourth = wabiz_media_store_new (third_db, fourth_cache);
    nothing = open_media (fourth, g_ptr_array_index (ids, 3), &error);
    g_assert_error (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_STORED);
    g_assert_null (nothing);
    g_assert_nonnull (strstr (error->message, "removed to save space"));
  }
  wabiz_db_close (third_db);
}

/* Media the simulator no longer has (it never had the fixture's; the
 * other is deleted while its download waits) ends GONE, with a message
 * that says so, not a spinner. */
static void
test_gone (Fixture      *f,
           gconstpointer data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "meta-webhooks", "image.json", NULL);
  g_autofree char *body = NULL;
  g_autofree char *held = NULL;
  g_autoptr (WabizDbResult) stored = NULL;
  g_autoptr (WabizMediaInfo) info = NULL;
  g_autoptr (GAsyncResult) deleted = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *file = NULL;
  Desktop *admin;

  start_services (f);

  /* as the relay or another receiver stores it */
  g_assert_true (g_file_get_contents (path, &body, NULL, NULL));
  stored = sql (f, "WITH e AS (INSERT INTO webhook_events (body) VALUES ($1) RETURNING id)"
                   " SELECT pg_notify('wabiz', json_build_object('t', 'webhook_events', 'id', id::text)::text)"
                   " FROM e",
                1, (const char *[]){ body });
  WABIZ_TEST_WAIT (is_state (f, "3000969037338640", "gone"), 60);

  g_assert_true (holds (f, "SELECT failure = 'not-found' AND next_attempt_at IS NULL AND data IS NULL"
                           " AND attempts = 1 FROM media WHERE media_id = $1",
                        "3000969037338640"));
  info = get_info (wabiz_media_fetcher_get_store (services_fetcher (f)), "3000969037338640", &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, WABIZ_MEDIA_STATE_GONE);
  g_assert_cmpstr (info->message, ==, GONE_MESSAGE);
  g_assert_null (info->next_attempt);
  g_assert_cmpstr (info->kind, ==, "image");
  file = open_media (wabiz_media_fetcher_get_store (services_fetcher (f)), "3000969037338640", &error);
  g_assert_null (file);
  g_assert_error (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_STORED);
  g_assert_cmpstr (error->message, ==, GONE_MESSAGE);
  g_clear_error (&error);

  /* deleted at Meta while its download waits */
  held = send_media (f, "image", "{\"hold\": true}", 0);
  WABIZ_TEST_WAIT (is_state (f, held, "fetching"), 60);
  admin = add_desktop (f, "admin", TRUE);
  wabiz_graph_client_delete_media_async (admin->graph, held, NULL, wabiz_test_store_result_cb, &deleted);
  wabiz_test_wait_result (&deleted, 60);
  g_assert_true (wabiz_graph_client_delete_media_finish (admin->graph, deleted, &error));
  g_assert_no_error (error);
  WABIZ_TEST_WAIT (is_state (f, held, "gone"), 60);
  g_assert_cmpint (sim_media_counter (f, "downloads"), ==, 0);

  /* a retry asks again, and hears the same */
  g_clear_pointer (&info, wabiz_media_info_free);
  info = retry (services_fetcher (f), held, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, WABIZ_MEDIA_STATE_GONE);
  g_assert_cmpstr (info->message, ==, GONE_MESSAGE);
  g_assert_cmpuint (info->attempts, ==, 1);
}

/* The simulator answers 500, then 503, then the file: tried again after
 * a back-off, each failure recorded, and stored in the end. */
static void
test_transient (Fixture      *f,
                gconstpointer data)
{
  g_autofree char *id = NULL;
  g_autofree char *expected_states = NULL;
  g_autofree char *recorded = NULL;
  g_autoptr (GBytes) expected = read_fixture ("photo.jpg");
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, expected);
  g_autoptr (GString) seen = g_string_new (NULL);

  start_services (f);
  _wabiz_media_fetcher_set_backoff (services_fetcher (f), 100, 400, 5);

  id = send_media (f, "image", "{\"fail_next\": [500, 503]}", 0);
  WABIZ_TEST_WAIT (f->states->len > 0 &&
                     g_str_has_suffix (g_ptr_array_index (f->states, f->states->len - 1), " stored"),
                   60);

  for (guint i = 0; i < f->states->len; i++)
    g_string_append_printf (seen, "%s%s", i > 0 ? ", " : "", (char *) g_ptr_array_index (f->states, i));
  expected_states = g_strdup_printf ("%1$s fetching, %1$s failed, %1$s fetching, %1$s failed, "
                                     "%1$s fetching, %1$s stored",
                                     id);
  g_assert_cmpstr (seen->str, ==, expected_states);

  g_assert_true (holds (f, "SELECT attempts = 3 AND failure IS NULL AND error IS NULL"
                           " AND next_attempt_at IS NULL AND encode(sha256(data), 'hex') = sha256"
                           " FROM media WHERE media_id = $1",
                        id));
  recorded = sql_value (f, "SELECT sha256 FROM media WHERE media_id = $1", id);
  g_assert_cmpstr (recorded, ==, sha);
  g_assert_cmpint (sim_media_counter (f, "downloads"), ==, 1);
}

static void
record_failure_cb (WabizMediaFetcher *fetcher,
                   const char        *media_id,
                   WabizMediaState    state,
                   Fixture           *f)
{
  g_autoptr (WabizDbResult) row = NULL;

  if (state != WABIZ_MEDIA_STATE_FAILED)
    return;
  row = sql (f, "SELECT failure || ' ' || (next_attempt_at > now())::text || ' ' || error FROM media"
                " WHERE media_id = $1",
             1, (const char *[]){ media_id });
  g_ptr_array_add (f->states, g_strdup (wabiz_db_result_get_nth (row, 0, 0)));
}

/* Each failure is recorded with its reason and when it is tried again. */
static void
test_failure_recorded (Fixture      *f,
                       gconstpointer data)
{
  g_autofree char *id = NULL;

  start_services (f);
  _wabiz_media_fetcher_set_backoff (services_fetcher (f), 100, 400, 5);
  g_signal_connect (services_fetcher (f), "media-changed", G_CALLBACK (record_failure_cb), f);
  g_ptr_array_set_size (f->states, 0);
  g_signal_handlers_disconnect_by_func (services_fetcher (f), media_changed_cb, f);

  id = send_media (f, "video", "{\"fail_next\": [502]}", 0);
  WABIZ_TEST_WAIT (is_state (f, id, "stored"), 60);
  g_assert_cmpuint (f->states->len, ==, 1);
  g_test_message ("%s", (char *) g_ptr_array_index (f->states, 0));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (f->states, 0), "server true "));
  g_assert_nonnull (strstr (g_ptr_array_index (f->states, 0), "502"));
}

/* After its last automatic try a file waits for the bubble's Retry,
 * which fetches it at once. */
static void
test_retry (Fixture      *f,
            gconstpointer data)
{
  g_autofree char *id = NULL;
  g_autoptr (WabizMediaInfo) info = NULL;
  g_autoptr (WabizMediaInfo) retried = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GBytes) expected = read_fixture ("document.pdf");
  g_autoptr (GBytes) opened = NULL;

  start_services (f);
  _wabiz_media_fetcher_set_backoff (services_fetcher (f), 100, 400, 1);

  id = send_media (f, "document", "{\"filename\": \"menu.pdf\", \"fail_next\": [500]}", 0);
  WABIZ_TEST_WAIT (is_state (f, id, "failed"), 60);

  info = get_info (wabiz_media_fetcher_get_store (services_fetcher (f)), id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, WABIZ_MEDIA_STATE_FAILED);
  g_assert_cmpstr (info->failure, ==, "server");
  g_assert_null (info->next_attempt);
  g_assert_cmpuint (info->attempts, ==, 1);
  g_assert_cmpstr (info->message, ==, "WhatsApp could not hand over this file just now. Retry in a moment.");

  retried = retry (services_fetcher (f), id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (retried->state, ==, WABIZ_MEDIA_STATE_STORED);
  g_assert_cmpuint (retried->attempts, ==, 1);
  g_assert_null (retried->message);

  path = open_media (wabiz_media_fetcher_get_store (services_fetcher (f)), id, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, ".pdf"));
  opened = read_file (path);
  g_assert_true (g_bytes_equal (opened, expected));

  /* a retry of a stored file leaves it as it is */
  g_clear_pointer (&retried, wabiz_media_info_free);
  retried = retry (services_fetcher (f), id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (retried->state, ==, WABIZ_MEDIA_STATE_STORED);
  g_assert_cmpint (sim_media_counter (f, "downloads"), ==, 1);
}

/* The webhook is answered while the file's download still waits: the
 * fetch comes after the message was processed, outside the request. A
 * stop hands the download back; the next fetcher, at its start, takes
 * it up. */
static void
test_not_in_the_webhook (Fixture      *f,
                         gconstpointer data)
{
  g_autofree char *id = NULL;
  Desktop *b;

  start_services (f);
  id = send_media (f, "sticker", "{\"hold\": true}", 0);
  WABIZ_TEST_WAIT (is_state (f, id, "fetching"), 60);

  /* the download is held by the simulator, and yet the webhook was
   * answered (the simulator counts the 200) */
  WABIZ_TEST_WAIT (sim_webhooks_delivered (f) == 1, 60);
  g_assert_true (is_state (f, id, "fetching"));
  g_assert_true (holds (f, "SELECT EXISTS (SELECT 1 FROM messages WHERE media_id = $1 AND type = 'sticker')", id));
  g_assert_true (holds (f, "SELECT count(*) = 1 FROM webhook_events WHERE processed_at IS NOT NULL", NULL));
  g_assert_cmpint (sim_media_counter (f, "downloads"), ==, 0);

  stop_services (f);
  g_assert_true (holds (f, "SELECT state = 'pending' AND attempts = 0 AND claim_token IS NULL"
                           " FROM media WHERE media_id = $1",
                        id));
  /* the simulator sees the stopped fetcher's download go away */
  WABIZ_TEST_WAIT (wabiz_sim_server_get_n_held_downloads (f->sim, id) == 0, 60);
  g_assert_true (wabiz_sim_server_release_media (f->sim, id));

  b = add_desktop (f, "b", TRUE);
  wabiz_media_fetcher_start (b->fetcher);
  WABIZ_TEST_WAIT (wabiz_media_fetcher_get_n_stored (b->fetcher) == 1, 60);
  g_assert_true (is_state (f, id, "stored"));
  g_assert_cmpint (sim_media_counter (f, "downloads"), ==, 1);
}

/* Past the budget the oldest originals go; the messages and captions
 * stay, and the state says why the file is not there. */
static void
test_budget (Fixture      *f,
             gconstpointer data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *image = NULL;
  g_autofree char *sticker = NULL;
  g_autofree char *video = NULL;
  g_autoptr (WabizMediaInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (WabizDb) db = NULL;
  g_autoptr (WabizMediaStore) other = NULL;
  g_autofree char *other_cache = g_build_filename (f->tmp, "other", NULL);

  start_services (f);
  /* the video (11072 bytes) fits; with the sticker or the image, not */
  wabiz_media_fetcher_set_budget (services_fetcher (f), 11500);
  g_assert_cmpuint (wabiz_media_fetcher_get_budget (services_fetcher (f)), ==, 11500);

  image = send_media (f, "image", "{\"caption\": \"The oldest\"}", now - 300);
  sticker = send_media (f, "sticker", "{}", now - 200);
  video = send_media (f, "video", "{\"caption\": \"The newest\"}", now - 100);
  WABIZ_TEST_WAIT (is_state (f, video, "stored") && is_state (f, image, "removed") &&
                     is_state (f, sticker, "removed"),
                   60);

  g_assert_true (holds (f, "SELECT sum(size) <= 11500 FROM media WHERE state = 'stored'", NULL));
  g_assert_true (holds (f, "SELECT data IS NULL AND failure = 'space' FROM media WHERE media_id = $1", image));
  g_assert_true (holds (f, "SELECT caption = 'The oldest' FROM messages WHERE media_id = $1", image));

  db = wabiz_db_new (f->conninfo, NULL, 1);
  other = wabiz_media_store_new (db, other_cache);
  info = get_info (other, image, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, WABIZ_MEDIA_STATE_REMOVED);
  g_assert_cmpstr (info->failure, ==, "space");
  g_assert_nonnull (strstr (info->message, "removed to save space"));
  path = open_media (other, image, &error);
  g_assert_error (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_STORED);
  g_assert_null (path);
  g_clear_error (&error);
  path = open_media (other, video, &error);
  g_assert_no_error (error);
  wabiz_db_close (db);
}

/* Two files stored at once: each store counts the other's file, so they
 * end within the budget whichever comes first. Here both downloads are
 * done and wait for their turn to be stored, held by the test. */
static void
test_budget_two_at_once (Fixture      *f,
                         gconstpointer data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *image = NULL;
  g_autofree char *video = NULL;
  WabizTestPgLock *turn = wabiz_test_pg_lock (f->conninfo, "wabiz-media-budget");

  start_services (f);
  /* the video (11072 bytes) fits; with the image, not */
  wabiz_media_fetcher_set_budget (services_fetcher (f), 11500);
  image = send_media (f, "image", "{\"caption\": \"The older\"}", now - 200);
  video = send_media (f, "video", "{\"caption\": \"The newer\"}", now - 100);

  WABIZ_TEST_WAIT (wabiz_test_pg_n_waiting_for_lock (f->conninfo) == 2, 60);
  g_assert_true (holds (f, "SELECT count(*) = 0 FROM media WHERE state = 'stored'", NULL));

  wabiz_test_pg_unlock (turn);
  WABIZ_TEST_WAIT (is_state (f, video, "stored") && is_state (f, image, "removed"), 60);
  g_assert_true (holds (f, "SELECT sum(size) <= 11500 FROM media WHERE state = 'stored'", NULL));
  g_assert_true (holds (f, "SELECT failure = 'space' FROM media WHERE media_id = $1", image));
}

/* Files that are not what they claim, or larger than Meta allows for
 * their kind, are not kept, and not tried again by themselves; wrong ids
 * get a clear error; a desktop without the access token fetches nothing. */
static void
test_bad_input (Fixture      *f,
                gconstpointer data)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
  g_autofree char *png_b64 = g_base64_encode (png, sizeof png);
  g_autofree char *spec = NULL;
  g_autofree char *not_jpeg = NULL;
  g_autofree char *big = NULL;
  g_autoptr (GByteArray) webp = g_byte_array_new ();
  g_autofree char *webp_b64 = NULL;
  g_autoptr (WabizMediaInfo) info = NULL;
  g_autoptr (WabizMediaInfo) none = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  Desktop *offline;

  start_services (f);

  spec = g_strdup_printf ("{\"mime_type\": \"image/jpeg\", \"data\": \"%s\"}", png_b64);
  not_jpeg = send_media (f, "image", spec, 0);

  /* a static WebP sticker over 100 KB */
  g_byte_array_append (webp, (const guint8 *) "RIFF\0\0\0\0WEBPVP8 ", 16);
  g_byte_array_set_size (webp, 150 * 1024);
  webp_b64 = g_base64_encode (webp->data, webp->len);
  g_free (spec);
  spec = g_strdup_printf ("{\"data\": \"%s\"}", webp_b64);
  big = send_media (f, "sticker", spec, 0);

  WABIZ_TEST_WAIT (is_state (f, not_jpeg, "failed") && is_state (f, big, "failed"), 60);
  g_assert_true (holds (f, "SELECT failure = 'type' AND next_attempt_at IS NULL AND data IS NULL"
                           " FROM media WHERE media_id = $1",
                        not_jpeg));
  g_assert_true (holds (f, "SELECT failure = 'size' AND next_attempt_at IS NULL AND data IS NULL"
                           " FROM media WHERE media_id = $1",
                        big));
  info = get_info (wabiz_media_fetcher_get_store (services_fetcher (f)), not_jpeg, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, WABIZ_MEDIA_STATE_FAILED);
  g_assert_nonnull (strstr (info->message, "not of the type it claims"));
  g_clear_pointer (&info, wabiz_media_info_free);
  info = get_info (wabiz_media_fetcher_get_store (services_fetcher (f)), big, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (info->message, "larger than WhatsApp allows"));

  /* ids that name nothing, or could name a path */
  none = get_info (wabiz_media_fetcher_get_store (services_fetcher (f)), "999999", &error);
  g_assert_error (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_FOUND);
  g_assert_null (none);
  g_clear_error (&error);
  path = open_media (wabiz_media_fetcher_get_store (services_fetcher (f)), "../../etc/passwd", &error);
  g_assert_error (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_FOUND);
  g_assert_null (path);
  g_clear_error (&error);
  none = retry (services_fetcher (f), "a/b", &error);
  g_assert_error (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_FOUND);
  g_assert_null (none);
  g_clear_error (&error);

  /* no access token: nothing fetched, and a retry says what to set up */
  offline = add_desktop (f, "offline", FALSE);
  wabiz_media_fetcher_start (offline->fetcher);
  none = retry (offline->fetcher, not_jpeg, &error);
  g_assert_error (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_SET_UP);
  g_assert_null (none);
  g_assert_nonnull (strstr (error->message, "Preferences"));
  g_assert_cmpint (sim_media_counter (f, "downloads"), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *cache = wabiz_test_make_tmpdir ("wzmcache");
  int status;

  /* desktop A's cache (the services use the user's) */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/wabiz/media/every-kind", Fixture, NULL, fixture_setup, test_every_kind, fixture_teardown);
  g_test_add ("/wabiz/media/gone", Fixture, NULL, fixture_setup, test_gone, fixture_teardown);
  g_test_add ("/wabiz/media/transient", Fixture, NULL, fixture_setup, test_transient, fixture_teardown);
  g_test_add ("/wabiz/media/failure-recorded", Fixture, NULL, fixture_setup, test_failure_recorded,
              fixture_teardown);
  g_test_add ("/wabiz/media/retry", Fixture, NULL, fixture_setup, test_retry, fixture_teardown);
  g_test_add ("/wabiz/media/not-in-the-webhook", Fixture, NULL, fixture_setup, test_not_in_the_webhook,
              fixture_teardown);
  g_test_add ("/wabiz/media/budget", Fixture, NULL, fixture_setup, test_budget, fixture_teardown);
  g_test_add ("/wabiz/media/budget-two-at-once", Fixture, NULL, fixture_setup,
              test_budget_two_at_once, fixture_teardown);
  g_test_add ("/wabiz/media/bad-input", Fixture, NULL, fixture_setup, test_bad_input, fixture_teardown);

  status = g_test_run ();
  wabiz_test_rm_rf (cache);
  return status;
}
