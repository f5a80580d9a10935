/* test-outbox.c: the durable outbox and its sender, against a real
 * PostgreSQL and wabiz-sim (in-process; the crash test runs the sender in
 * a child process and kills it)
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "wabiz-error.h"
#include "wabiz-graph-client.h"
#include "wabiz-migrations.h"
#include "wabiz-outbox.h"
#include "wabiz-outbox-private.h"
#include "wabiz-sim-server.h"
#include "wabiz-test-pg.h"
#include "wabiz-webhook.h"
#include "wabiz-webhook-processor.h"

#define CUSTOMER "16315551234"

typedef struct
{
  char             *conninfo;
  WabizDb          *db;
  WabizSimServer   *sim;
  WabizGraphClient *graph;
  WabizOutbox      *outbox;
  guint             n_settled;
} Fixture;

static void
settled_cb (WabizOutbox *outbox,
            const char  *uuid,
            const char  *status,
            Fixture     *f)
{
  f->n_settled++;
}

static void
setup_with_token (Fixture    *f,
                  const char *token,
                  double      rate)
{
  g_autoptr(GError) error = NULL;

  f->conninfo = wabiz_test_pg_new_database ();
  f->db = wabiz_db_new (f->conninfo, NULL, 6);
  g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
  g_assert_no_error (error);

  f->sim = wabiz_sim_server_new ();
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);
  f->graph = wabiz_graph_client_new (wabiz_sim_server_get_base_url (f->sim), "v19.0",
                                     WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID, WABIZ_SIM_DEFAULT_WABA_ID,
                                     token ? token : WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  f->outbox = wabiz_outbox_new (f->db, f->graph, rate);
  g_signal_connect (f->outbox, "message-settled", G_CALLBACK (settled_cb), f);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  setup_with_token (f, data, 200);
}

static void
stop_outbox (WabizOutbox *outbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wabiz_outbox_stop_async (outbox, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_true (wabiz_outbox_stop_finish (outbox, result, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  stop_outbox (f->outbox);
  g_clear_object (&f->outbox);
  g_clear_object (&f->graph);
  wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);
  wabiz_db_close (f->db);
  g_clear_object (&f->db);
  g_free (f->conninfo);
}

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

static void
sim_config (Fixture    *f,
            const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (wabiz_sim_server_update_config (f->sim, json_node_get_object (node), &error));
  g_assert_no_error (error);
}

/* The customer wrote a moment ago: the 24-hour window is open, for
 * WaBiz (the lead) and for the simulator. */
static void
open_window (Fixture    *f,
             const char *wa_id,
             const char *name)
{
  const char *p[] = { wa_id, name };
  g_autoptr(WabizDbResult) res = NULL;

  res = sql (f, "INSERT INTO leads (phone, name, status, last_inbound_at) VALUES ($1, $2, 'NEW', now())"
                " ON CONFLICT (phone) DO UPDATE SET last_inbound_at = now()", 2, p);
  wabiz_sim_server_set_window (f->sim, wa_id, TRUE);
}

static char *
queue (Fixture       *f,
       WabizOutgoing *message,
       GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_outbox_queue_async (f->outbox, message, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  return wabiz_outbox_queue_finish (f->outbox, result, error);
}

static char *
queue_ok (Fixture       *f,
          WabizOutgoing *message)
{
  g_autoptr(WabizOutgoing) owned = message;
  g_autoptr(GError) error = NULL;
  char *uuid = queue (f, owned, &error);

  g_assert_no_error (error);
  g_assert_nonnull (uuid);
  return uuid;
}

static char *
wait_for (Fixture     *f,
          WabizOutbox *outbox,
          const char  *uuid,
          GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_outbox_wait_async (outbox, uuid, 60000, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 90);
  return wabiz_outbox_wait_finish (outbox, result, error);
}

static WabizDbResult *
message_row (Fixture    *f,
             const char *uuid)
{
  const char *p[] = { uuid };

  return sql (f, "SELECT m.status, m.message_id, m.phone, m.direction, m.sender, m.type, m.message,"
                 "  m.error_code, m.error_title, m.template_name, o.state, o.attempts"
                 " FROM messages m JOIN outbox o ON o.message_uuid = m.id WHERE m.id = $1::uuid",
              1, p);
}

static JsonObject *
ledger_find (Fixture    *f,
             const char *wamid)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "wamid", ""), wamid) == 0)
        return json_object_ref (entry);
    }
  return NULL;
}

/* ------------------------------------------------------------------ */

static void
test_each_kind (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonObject) spec = NULL;
  g_autoptr(JsonObject) inbound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) spec_node = json_from_string ("{\"from\": \"" CUSTOMER "\", \"type\": \"text\","
                                                    " \"text\": {\"body\": \"hello\"}}", NULL);
  const char *inbound_wamid;
  g_autofree char *media_id = NULL;
  g_autofree char *dir = wabiz_test_make_tmpdir ("wabiz-outbox");
  g_autofree char *voice = g_build_filename (dir, "voice.ogg", NULL);
  static const char ogg[] = "OggS\0\2\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\1\x13OpusHead\1\1";
  struct {
    WabizOutgoing *message;
    const char    *type;
    const char    *status;
  } cases[16];
  guint n = 0;

  open_window (f, CUSTOMER, "Maria");
  inbound = wabiz_sim_server_inject_inbound (f->sim, json_node_get_object (spec_node), &error);
  g_assert_no_error (error);
  inbound_wamid = json_object_get_string_member (inbound, "wamid");

  /* a voice note uploaded from disk, then sent by id */
  {
    g_autofree char *bytes = g_malloc0 (8192);
    g_autoptr(GFile) file = g_file_new_for_path (voice);
    g_autoptr(GAsyncResult) result = NULL;
    g_autofree char *mime = NULL;

    memcpy (bytes, ogg, sizeof ogg - 1);
    g_assert_true (g_file_set_contents (voice, bytes, 8192, NULL));
    wabiz_graph_client_upload_media_async (f->graph, file, "audio", NULL, wabiz_test_store_result_cb, &result);
    wabiz_test_wait_result (&result, 30);
    media_id = wabiz_graph_client_upload_media_finish (f->graph, result, &mime, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (mime, ==, "audio/ogg; codecs=opus");
  }

#define ADD(m, t, s) G_STMT_START { cases[n].message = (m); cases[n].type = (t); cases[n].status = (s); n++; } G_STMT_END
  ADD (wabiz_outgoing_new_text (CUSTOMER, "Your order is ready 🎉"), "text", "sent");
  ADD (wabiz_outgoing_new_media ("+1 631 555 1234", "image", "https://files.example/menu.jpg", NULL, "Menu", NULL), "image", "sent");
  ADD (wabiz_outgoing_new_media (CUSTOMER, "video", "https://files.example/clip.mp4", NULL, NULL, NULL), "video", "sent");
  ADD (wabiz_outgoing_new_media (CUSTOMER, "audio", NULL, media_id, NULL, NULL), "audio", "sent");
  ADD (wabiz_outgoing_new_media (CUSTOMER, "document", "https://files.example/inv.pdf", NULL, "Invoice", "invoice-4521.pdf"), "document", "sent");
  ADD (wabiz_outgoing_new_media (CUSTOMER, "sticker", "https://files.example/s.webp", NULL, NULL, NULL), "sticker", "sent");
  ADD (wabiz_outgoing_new_template (CUSTOMER, "hello_world", "en_US", NULL), "template", "accepted");
  {
    g_autoptr(JsonNode) o = json_from_string ("{\"type\": \"button\", \"body\": {\"text\": \"Confirm?\"},"
                                              " \"action\": {\"buttons\": [{\"type\": \"reply\", \"reply\": {\"id\": \"y\", \"title\": \"Yes\"}}]}}", NULL);
    ADD (wabiz_outgoing_new_raw (CUSTOMER, "interactive", o, "Confirm?"), "interactive", "sent");
  }
  {
    g_autoptr(JsonNode) o = json_from_string ("{\"latitude\": -23.56, \"longitude\": -46.65, \"name\": \"Loja\"}", NULL);
    ADD (wabiz_outgoing_new_raw (CUSTOMER, "location", o, NULL), "location", "sent");
  }
  {
    g_autoptr(JsonNode) o = json_from_string ("[{\"name\": {\"formatted_name\": \"Ana Souza\"},"
                                              " \"phones\": [{\"phone\": \"+5511912345678\", \"type\": \"CELL\"}]}]", NULL);
    ADD (wabiz_outgoing_new_raw (CUSTOMER, "contacts", o, NULL), "contacts", "sent");
  }
  {
    g_autoptr(JsonNode) o = json_from_string ("{\"emoji\": \"👍\"}", NULL);
    JsonObject *obj = json_node_get_object (o);

    json_object_set_string_member (obj, "message_id", inbound_wamid);
    ADD (wabiz_outgoing_new_raw (CUSTOMER, "reaction", o, "👍"), "reaction", "sent");
  }
  {
    WabizOutgoing *reply = wabiz_outgoing_new_text (CUSTOMER, "Replying to you");

    wabiz_outgoing_set_reply_to (reply, inbound_wamid);
    ADD (reply, "text", "sent");
  }
#undef ADD

  wabiz_outbox_start (f->outbox);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *uuid = queue_ok (f, cases[i].message);
      g_autofree char *wamid = NULL;
      g_autoptr(WabizDbResult) row = NULL;
      g_autoptr(JsonObject) entry = NULL;

      g_test_message ("%s", cases[i].type);
      wamid = wait_for (f, f->outbox, uuid, &error);
      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (wamid, "wamid."));

      row = message_row (f, uuid);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "message_id"), ==, wamid);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, cases[i].status);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "done");
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "direction"), ==, "outbound");
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "type"), ==, cases[i].type);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "phone"), ==, CUSTOMER);
      g_assert_cmpint (wabiz_db_result_get_int (row, 0, "attempts"), ==, 1);

      entry = ledger_find (f, wamid);
      g_assert_nonnull (entry);
      g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, cases[i].type);
    }

  wabiz_test_rm_rf (dir);
}

static void
test_refused_before_sending (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(WabizOutgoing) text = wabiz_outgoing_new_text ("16315550000", "Hello?");
  g_autoptr(WabizOutgoing) bad = wabiz_outgoing_new_text ("12", "Hello?");
  g_autoptr(WabizOutgoing) empty = wabiz_outgoing_new_text (CUSTOMER, "   ");
  g_autoptr(WabizOutgoing) pending = wabiz_outgoing_new_template (CUSTOMER, "order_ready", "en_US", NULL);
  g_autoptr(WabizOutgoing) unknown = wabiz_outgoing_new_template (CUSTOMER, "nope", "en_US", NULL);
  const char *one[] = { "Maria", NULL };
  g_autoptr(WabizOutgoing) count = wabiz_outgoing_new_template (CUSTOMER, "pickup", "en_US", one);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  /* no inbound message ever: free-form is refused, a template suggested */
  uuid = queue (f, text, &error);
  g_assert_null (uuid);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_WINDOW_CLOSED);
  g_assert_nonnull (strstr (error->message, "template"));
  g_clear_error (&error);

  uuid = queue (f, bad, &error);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE);
  g_clear_error (&error);

  open_window (f, CUSTOMER, NULL);
  uuid = queue (f, empty, &error);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* once templates are synced: only approved ones, with the right parameters */
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = sql (f, "INSERT INTO templates (name, language, status, body_text) VALUES"
                " ('order_ready', 'en_US', 'PENDING', 'Hi {{1}}'),"
                " ('pickup', 'en_US', 'APPROVED', 'Hi {{1}}, order {{2}} is ready')", 0, NULL);
  uuid = queue (f, pending, &error);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "PENDING"));
  g_clear_error (&error);
  uuid = queue (f, unknown, &error);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  g_clear_error (&error);
  uuid = queue (f, count, &error);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* nothing was written, nothing sent */
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = sql (f, "SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM outbox) AS o", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "m"), ==, 0);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "o"), ==, 0);
}

/* ------------------------------------------------------------------ */
/* one test per Graph error: what is stored, and whether it was retried */

typedef struct
{
  const char *name;
  const char *token;
  const char *sim;
  const char *kind;     /* text, raw-bad, template, template-param, template-missing */
  const char *to;
  int         code;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "190", "wrong-token", NULL, "template", CUSTOMER, 190 },
  { "100", NULL, NULL, "raw-bad", CUSTOMER, 100 },
  { "131047", NULL, NULL, "text-closed-at-meta", "16315557777", 131047 },
  { "132000", NULL, NULL, "template-param", CUSTOMER, 132000 },
  { "132001", NULL, NULL, "template-missing", CUSTOMER, 132001 },
  { "131026", NULL, "{\"undeliverable\": [\"16315559999\"], \"undeliverable_mode\": \"error\"}",
    "template", "16315559999", 131026 },
};

static void
error_setup (Fixture       *f,
             gconstpointer  data)
{
  const ErrorCase *c = data;

  setup_with_token (f, c->token, 200);
}

static void
test_error (Fixture       *f,
            gconstpointer  data)
{
  const ErrorCase *c = data;
  g_autoptr(WabizOutgoing) message = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *wamid = NULL;
  const char *one[] = { "extra", NULL };

  if (c->sim != NULL)
    sim_config (f, c->sim);

  if (g_str_equal (c->kind, "template"))
    message = wabiz_outgoing_new_template (c->to, "hello_world", "en_US", NULL);
  else if (g_str_equal (c->kind, "template-param"))
    message = wabiz_outgoing_new_template (c->to, "hello_world", "en_US", one);
  else if (g_str_equal (c->kind, "template-missing"))
    message = wabiz_outgoing_new_template (c->to, "no_such_template", "en_US", NULL);
  else if (g_str_equal (c->kind, "raw-bad"))
    {
      g_autoptr(JsonNode) o = json_from_string ("{\"bodytext\": \"x\"}", NULL);

      open_window (f, c->to, NULL);
      message = wabiz_outgoing_new_raw (c->to, "text", o, "x");
    }
  else
    {
      /* WaBiz believes the window is open; Meta knows better */
      const char *p[] = { c->to };
      g_autoptr(WabizDbResult) res = sql (f, "INSERT INTO leads (phone, status, last_inbound_at)"
                                             " VALUES ($1, 'NEW', now())", 1, p);

      message = wabiz_outgoing_new_text (c->to, "Still there?");
    }

  uuid = queue (f, message, &error);
  g_assert_no_error (error);
  wabiz_outbox_start (f->outbox);

  wamid = wait_for (f, f->outbox, uuid, &error);
  g_assert_null (wamid);
  g_assert_error (error, WABIZ_GRAPH_ERROR, c->code);
  g_assert_nonnull (wabiz_graph_error_get_title (error));

  row = message_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "failed");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "failed");
  g_assert_cmpint (wabiz_db_result_get_int (row, 0, "error_code"), ==, c->code);
  g_assert_nonnull (wabiz_db_result_get (row, 0, "error_title"));
  g_assert_null (wabiz_db_result_get (row, 0, "message_id"));
  /* a permanent error: tried once, never again */
  g_assert_cmpint (wabiz_db_result_get_int (row, 0, "attempts"), ==, 1);

  if (c->code == 131026)
    {
      const char *p[] = { c->to };
      g_autoptr(WabizDbResult) lead = sql (f, "SELECT unreachable FROM leads WHERE phone = $1", 1, p);

      g_assert_true (wabiz_db_result_get_bool (lead, 0, "unreachable"));
    }
}

/* 130429: retried with back-off until the number's throughput allows */
static void
test_error_throughput (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(GStrv) uuids = g_new0 (char *, 4);
  g_autoptr(JsonArray) ledger = NULL;
  guint rejected = 0;
  guint retried = 0;

  sim_config (f, "{\"throughput\": 1}");
  for (guint i = 0; i < 3; i++)
    uuids[i] = queue_ok (f, wabiz_outgoing_new_template (CUSTOMER, "hello_world", "en_US", NULL));
  wabiz_outbox_start (f->outbox);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *wamid = wait_for (f, f->outbox, uuids[i], &error);
      g_autoptr(WabizDbResult) row = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (wamid);
      row = message_row (f, uuids[i]);
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "accepted");
      if (wabiz_db_result_get_int (row, 0, "attempts") > 1)
        retried++;
    }

  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);

      if (json_object_get_int_member_with_default (entry, "error_code", 0) == 130429)
        rejected++;
    }
  g_assert_cmpuint (rejected, >, 0);
  g_assert_cmpuint (retried, >, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 3 + rejected);
}

/* ------------------------------------------------------------------ */

/* Meta's wa_id (with Brazil's ninth digit) differs from the number
 * typed: one lead, keyed by wa_id. */
static void
test_wa_id_merge (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) leads = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(WabizDbResult) alias = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *wamid = NULL;

  sim_config (f, "{\"window_policy\": \"open\"}");
  open_window (f, "551187654321", "João");
  wabiz_outbox_start (f->outbox);

  first = queue_ok (f, wabiz_outgoing_new_text ("+55 11 8765-4321", "Olá"));
  wamid = wait_for (f, f->outbox, first, &error);
  g_assert_no_error (error);

  row = message_row (f, first);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "phone"), ==, "5511987654321");
  leads = sql (f, "SELECT phone, name FROM leads ORDER BY phone", 0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (leads), ==, 1);
  g_assert_cmpstr (wabiz_db_result_get (leads, 0, "phone"), ==, "5511987654321");
  g_assert_cmpstr (wabiz_db_result_get (leads, 0, "name"), ==, "João");
  alias = sql (f, "SELECT wa_id FROM wa_id_aliases WHERE input = '551187654321'", 0, NULL);
  g_assert_cmpstr (wabiz_db_result_get (alias, 0, "wa_id"), ==, "5511987654321");

  /* typed the old way again: goes straight to the wa_id */
  second = queue_ok (f, wabiz_outgoing_new_text ("551187654321", "Tudo bem?"));
  g_free (wamid);
  wamid = wait_for (f, f->outbox, second, &error);
  g_assert_no_error (error);
  g_clear_pointer (&leads, wabiz_db_result_unref);
  leads = sql (f, "SELECT count(*) AS n FROM leads", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (leads, 0, "n"), ==, 1);
  g_clear_pointer (&row, wabiz_db_result_unref);
  row = sql (f, "SELECT count(*) AS n FROM conversations", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (row, 0, "n"), ==, 1);
}

/* ------------------------------------------------------------------ */
/* pacing */

static gboolean
settled_at_least (gpointer data)
{
  Fixture *f = data;

  return f->n_settled >= GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (f->outbox), "target"));
}

typedef struct
{
  Fixture *f;
  guint    left;
} QueueMany;

static void
queued_one_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  QueueMany *q = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);

  g_assert_no_error (error);
  q->left--;
}

static gboolean
queue_done (gpointer data)
{
  return ((QueueMany *) data)->left == 0;
}

static void
queue_many (Fixture    *f,
            guint       n,
            const char *to,
            gboolean    text)
{
  QueueMany q = { f, n };

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WabizOutgoing) m = NULL;

      if (text)
        {
          g_autofree char *body = g_strdup_printf ("message %05u", i);

          m = wabiz_outgoing_new_text (to, body);
        }
      else
        m = wabiz_outgoing_new_template (to, "hello_world", "en_US", NULL);
      wabiz_outbox_queue_async (f->outbox, m, NULL, queued_one_cb, &q);
    }
  wabiz_test_wait_until (queue_done, &q, 120);
}

/* Queuing a message writes its lead once, when its last contact moves
 * on, and not at all when nothing in the lead changes: a trigger of the
 * test's own counts every write of the row. */
static void
test_lead_not_rewritten (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(WabizDbResult) writes = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  open_window (f, CUSTOMER, "Maria Lopez");
  {
    const char *setup[] = {
      "CREATE TABLE lead_writes (n int NOT NULL)",
      "INSERT INTO lead_writes VALUES (0)",
      "CREATE FUNCTION count_lead_write() RETURNS trigger LANGUAGE plpgsql AS"
      "  $$ BEGIN UPDATE lead_writes SET n = n + 1; RETURN NEW; END $$",
      "CREATE TRIGGER count_lead_write BEFORE UPDATE ON leads FOR EACH ROW EXECUTE FUNCTION count_lead_write()",
    };

    for (guint i = 0; i < G_N_ELEMENTS (setup); i++)
      {
        g_clear_pointer (&res, wabiz_db_result_unref);
        res = sql (f, setup[i], 0, NULL);
      }
  }

  /* the last contact moves on: one write */
  first = queue_ok (f, wabiz_outgoing_new_text (CUSTOMER, "Your order is ready"));
  writes = sql (f, "SELECT n FROM lead_writes", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (writes, 0, "n"), ==, 1);
  g_clear_pointer (&writes, wabiz_db_result_unref);

  /* a last contact ahead of this message (another desktop's clock):
   * nothing in the lead changes, and the row is not written */
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = sql (f, "UPDATE leads SET last_contact = now() + interval '1 hour'", 0, NULL);
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = sql (f, "UPDATE lead_writes SET n = 0", 0, NULL);
  second = queue_ok (f, wabiz_outgoing_new_text (CUSTOMER, "See you tomorrow"));
  writes = sql (f, "SELECT n FROM lead_writes", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (writes, 0, "n"), ==, 0);
  g_clear_pointer (&writes, wabiz_db_result_unref);

  /* and both messages are in the conversation all the same */
  writes = sql (f, "SELECT total_messages, last_message FROM conversations WHERE phone = '" CUSTOMER "'", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (writes, 0, "total_messages"), ==, 2);
  g_assert_cmpstr (wabiz_db_result_get (writes, 0, "last_message"), ==, "See you tomorrow");
}

/* 2,000 messages at 200/s: each sent once, in the order queued. How close
 * the sender keeps to its rate is measured by bench/outbox-rate, not
 * asserted here, where the machine is shared with the other tests. */
static void
test_pacing (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonArray) ledger = NULL;
  g_autoptr(WabizDbResult) lost = NULL;
  g_autoptr(WabizDbResult) order = NULL;
  g_autoptr(GHashTable) rank = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint highest = 0;
  guint n_retried = 0;
  guint n_lost;

  sim_config (f, "{\"window_policy\": \"open\"}");
  open_window (f, CUSTOMER, NULL);
  queue_many (f, 2000, CUSTOMER, TRUE);
  g_object_set_data (G_OBJECT (f->outbox), "target", GUINT_TO_POINTER (2000));
  _wabiz_outbox_set_max_in_flight (f->outbox, 1);
  wabiz_outbox_start (f->outbox);
  wabiz_test_wait_until (settled_at_least, f, 120);

  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  lost = sql (f, "SELECT count(*) AS n FROM messages WHERE status NOT IN ('sent', 'accepted')", 0, NULL);
  n_lost = (guint) wabiz_db_result_get_int (lost, 0, "n");
  /* Under the sanitizers a starved process may see a send fail in a
   * way that leaves it unknown (never re-sent, by the crash rule);
   * each message is still either in the ledger or flagged. */
  g_test_message ("not sent: %u", n_lost);
  g_assert_cmpuint (json_array_get_length (ledger) + n_lost, ==, 2000);
  if (g_getenv ("WABIZ_SANITIZED") == NULL)
    g_assert_cmpuint (n_lost, ==, 0);

  /* Sent in the order queued: the ledger holds each message once, and
   * those sent at their first try in the order the sender takes them
   * (one send at a time here, so that the wire cannot swap them). A message Meta asked
   * to retry (its rate limit, under the sanitizers' slowness) goes out
   * later by design, and is only counted. */
  order = sql (f, "SELECT m.message, o.attempts FROM outbox o JOIN messages m ON m.id = o.message_uuid"
                  " ORDER BY o.next_attempt_at, o.id",
               0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (order), ==, 2000);
  for (guint i = 0; i < 2000; i++)
    {
      gboolean first_try = wabiz_db_result_get_int (order, i, "attempts") <= 1;

      g_hash_table_insert (rank, g_strdup (wabiz_db_result_get (order, i, "message")),
                           GUINT_TO_POINTER (first_try ? i + 1 : G_MAXUINT));
    }
  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      JsonObject *body = json_object_get_object_member (entry, "body");
      const char *text = json_object_get_string_member (json_object_get_object_member (body, "text"), "body");
      guint place = GPOINTER_TO_UINT (g_hash_table_lookup (rank, text));

      g_assert_cmpuint (place, >, 0);
      g_assert_true (g_hash_table_add (seen, (gpointer) text));
      if (place == G_MAXUINT)
        {
          n_retried++;
          continue;
        }
      g_assert_cmpuint (place, >, highest);
      highest = place;
    }
  g_test_message ("sent after a retry: %u", n_retried);
  g_assert_cmpuint (g_hash_table_size (seen), ==, json_array_get_length (ledger));
}

/* Bulk sends: one message per 6 s to the same customer at most. */
static void
test_bulk_pair_pacing (Fixture       *f,
                       gconstpointer  data)
{
  const char *phones[] = { CUSTOMER, CUSTOMER, "16315552222" };
  g_autoptr(JsonArray) ledger = NULL;
  gint64 times[2] = { 0, 0 };
  guint k = 0;

  for (guint i = 0; i < G_N_ELEMENTS (phones); i++)
    {
      g_autoptr(WabizOutgoing) m = wabiz_outgoing_new_template (phones[i], "hello_world", "en_US", NULL);
      g_autofree char *uuid = NULL;
      g_autoptr(GError) error = NULL;

      wabiz_outgoing_set_bulk (m, TRUE);
      uuid = queue (f, m, &error);
      g_assert_no_error (error);
    }
  g_object_set_data (G_OBJECT (f->outbox), "target", GUINT_TO_POINTER (3));
  wabiz_outbox_start (f->outbox);
  wabiz_test_wait_until (settled_at_least, f, 60);

  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *e = json_array_get_object_element (ledger, i);

      if (g_str_equal (json_object_get_string_member (e, "wa_id"), CUSTOMER))
        times[k++] = json_object_get_int_member (e, "received_at_us");
    }
  g_assert_cmpuint (k, ==, 2);
  g_assert_cmpint (times[1] - times[0], >=, 6 * G_USEC_PER_SEC);
}

/* ------------------------------------------------------------------ */
/* crash safety */

static int
run_child_sender (const char *conninfo,
                  const char *base_url)
{
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 6);
  g_autoptr(WabizGraphClient) graph = NULL;
  g_autoptr(WabizOutbox) outbox = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  graph = wabiz_graph_client_new (base_url, "v19.0", WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID,
                                  WABIZ_SIM_DEFAULT_WABA_ID, WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  outbox = wabiz_outbox_new (db, graph, 100);
  wabiz_outbox_start (outbox);
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

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Until @statement's first column is true, asking every 100 ms while the
 * main loop (and the in-process simulator) keeps running. */
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

static void
test_crash (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) ledger = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(WabizDbResult) rows = NULL;
  g_autoptr(WabizDbResult) first = NULL;
  g_autofree char *wamid = NULL;
  guint n_done = 0;
  guint n_unknown = 0;
  guint n_unknown_sent = 0;

  sim_config (f, "{\"window_policy\": \"open\"}");
  open_window (f, CUSTOMER, NULL);
  queue_many (f, 1000, CUSTOMER, TRUE);

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, exe, "--outbox-child", f->conninfo,
                            wabiz_sim_server_get_base_url (f->sim), NULL);
  g_assert_no_error (error);

  /* this process is not the sender: waiting polls the row */
  first = sql (f, "SELECT message_uuid::text AS uuid FROM outbox ORDER BY id LIMIT 1", 0, NULL);
  wamid = wait_for (f, f->outbox, wabiz_db_result_get (first, 0, "uuid"), &error);
  g_assert_no_error (error);
  g_assert_nonnull (wamid);

  wabiz_test_wait_until (ledger_reached, f, 60);
  g_subprocess_force_exit (child);   /* SIGKILL */
  g_subprocess_wait (child, NULL, NULL);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

  /* restart: this process becomes the sender and finishes the job */
  wabiz_outbox_start (f->outbox);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 120);

  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      JsonObject *body = json_object_get_object_member (entry, "body");
      const char *text = json_object_get_string_member (json_object_get_object_member (body, "text"), "body");
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (seen, text));

      /* never twice */
      g_assert_cmpuint (count, ==, 0);
      g_hash_table_insert (seen, g_strdup (text), GUINT_TO_POINTER (count + 1));
    }

  rows = sql (f, "SELECT o.state, m.message, m.status, m.message_id, m.error_title FROM outbox o"
                 " JOIN messages m ON m.id = o.message_uuid", 0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (rows), ==, 1000);
  for (guint i = 0; i < 1000; i++)
    {
      const char *state = wabiz_db_result_get (rows, i, "state");
      const char *text = wabiz_db_result_get (rows, i, "message");
      gboolean sent = g_hash_table_contains (seen, text);

      if (g_str_equal (state, "done"))
        {
          /* sent exactly once */
          g_assert_true (sent);
          g_assert_nonnull (wabiz_db_result_get (rows, i, "message_id"));
          n_done++;
        }
      else
        {
          g_assert_cmpstr (state, ==, "unknown");
          g_assert_cmpstr (wabiz_db_result_get (rows, i, "status"), ==, "unknown");
          g_assert_cmpstr (wabiz_db_result_get (rows, i, "error_title"), ==,
                           "Not known whether this was sent; check before resending");
          n_unknown++;
          if (sent)
            n_unknown_sent++;
        }
    }
  g_test_message ("crash: %u sent, %u in flight at the crash (of which %u had reached the simulator)",
                  n_done, n_unknown, n_unknown_sent);
  g_assert_cmpuint (n_done + n_unknown, ==, 1000);
  g_assert_cmpuint (n_unknown, <=, 256);
  g_assert_cmpuint (n_done, >=, 700);
}

static void
hang_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  soup_server_message_pause (msg);
}

static char *
listen_local (SoupServer *server)
{
  g_autoptr(GSList) uris = NULL;
  g_autoptr(GError) error = NULL;
  char *url;

  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return url;
}

/* The request left and no answer came: maybe sent, so never resent;
 * marked unknown for the user to check. */
static void
test_ambiguous (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autofree char *url = NULL;
  g_autoptr(WabizGraphClient) graph = NULL;
  g_autoptr(WabizOutbox) outbox = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *wamid = NULL;

  soup_server_add_handler (server, NULL, hang_cb, NULL, NULL);
  url = listen_local (server);
  graph = wabiz_graph_client_new (url, "v19.0", "1", "2", "t");
  wabiz_graph_client_set_timeout (graph, 1);
  outbox = wabiz_outbox_new (f->db, graph, 50);

  uuid = queue_ok (f, wabiz_outgoing_new_template (CUSTOMER, "hello_world", "en_US", NULL));
  wabiz_outbox_start (outbox);
  wamid = wait_for (f, outbox, uuid, &error);
  g_assert_null (wamid);
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_AMBIGUOUS);

  row = message_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "unknown");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "unknown");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "error_title"), ==,
                   "Not known whether this was sent; check before resending");
  g_assert_cmpint (wabiz_db_result_get_int (row, 0, "attempts"), ==, 1);
  stop_outbox (outbox);
}

/* Graph unreachable before anything was sent: retried later. */
static void
test_unreachable_retried (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(WabizGraphClient) graph = NULL;
  g_autoptr(WabizOutbox) outbox = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *url = NULL;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  url = g_strdup_printf ("http://127.0.0.1:%u", port);
  graph = wabiz_graph_client_new (url, "v19.0", "1", "2", "t");
  outbox = wabiz_outbox_new (f->db, graph, 50);

  uuid = queue_ok (f, wabiz_outgoing_new_template (CUSTOMER, "hello_world", "en_US", NULL));
  wabiz_outbox_start (outbox);
  wait_for_sql (f, "SELECT attempts = 1 AND state = 'pending' AND last_error IS NOT NULL"
                   " AND next_attempt_at > now() FROM outbox", 30);

  /* a wait can be given up */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GAsyncResult) result = NULL;

    wabiz_outbox_wait_async (outbox, uuid, 60000, cancellable, wabiz_test_store_result_cb, &result);
    g_cancellable_cancel (cancellable);
    wabiz_test_wait_result (&result, 10);
    g_assert_null (wabiz_outbox_wait_finish (outbox, result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
  stop_outbox (outbox);

  row = message_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "queued");
}

/* End to end with the webhook receiver: queued → sent → delivered → read,
 * from the simulator's signed status webhooks. */
static void
test_statuses (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(WabizWebhook) webhook = wabiz_webhook_new (f->db, WABIZ_SIM_DEFAULT_APP_SECRET, "verify");
  g_autoptr(WabizWebhookProcessor) processor = wabiz_webhook_processor_new (f->db, WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID);
  g_autoptr(GSList) uris = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) rows = NULL;
  g_autofree char *config = NULL;
  g_autofree char *base = NULL;
  g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func (g_free);

  wabiz_webhook_attach (webhook, server);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  config = g_strdup_printf ("{\"webhook_url\": \"%s%swebhook\", \"status_delay_ms\": 20}",
                            base, g_str_has_suffix (base, "/") ? "" : "/");
  sim_config (f, config);
  wabiz_webhook_processor_set_poll_interval (processor, 1);
  wabiz_webhook_processor_start (processor);

  open_window (f, CUSTOMER, "Maria");
  wabiz_outbox_start (f->outbox);
  /* every kind of message, end to end: queued → sent → delivered → read */
  g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_text (CUSTOMER, "Your table is ready")));
  g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_media (CUSTOMER, "image", "https://files.example/m.jpg", NULL, "Menu", NULL)));
  g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_media (CUSTOMER, "video", "https://files.example/clip.mp4", NULL, NULL, NULL)));
  g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_media (CUSTOMER, "audio", "https://files.example/note.ogg", NULL, NULL, NULL)));
  g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_media (CUSTOMER, "document", "https://files.example/inv.pdf", NULL, "Invoice", "inv.pdf")));
  g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_media (CUSTOMER, "sticker", "https://files.example/s.webp", NULL, NULL, NULL)));
  g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_template (CUSTOMER, "hello_world", "en_US", NULL)));
  {
    g_autoptr(JsonNode) buttons = json_from_string ("{\"type\": \"button\", \"body\": {\"text\": \"Confirm?\"},"
                                                    " \"action\": {\"buttons\": [{\"type\": \"reply\", \"reply\": {\"id\": \"y\", \"title\": \"Yes\"}}]}}", NULL);
    g_autoptr(JsonNode) place = json_from_string ("{\"latitude\": -23.56, \"longitude\": -46.65, \"name\": \"Loja\"}", NULL);
    g_autoptr(JsonNode) card = json_from_string ("[{\"name\": {\"formatted_name\": \"Ana Souza\"},"
                                                 " \"phones\": [{\"phone\": \"+5511912345678\", \"type\": \"CELL\"}]}]", NULL);

    g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_raw (CUSTOMER, "interactive", buttons, "Confirm?")));
    g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_raw (CUSTOMER, "location", place, NULL)));
    g_ptr_array_add (uuids, queue_ok (f, wabiz_outgoing_new_raw (CUSTOMER, "contacts", card, NULL)));
  }

  wait_for_sql (f, "SELECT count(*) = 10 FROM messages WHERE direction = 'outbound' AND status = 'read'", 60);
  rows = sql (f, "SELECT message_id, sent_at, delivered_at, read_at FROM messages WHERE direction = 'outbound'",
              0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (rows), ==, uuids->len);
  for (guint i = 0; i < uuids->len; i++)
    {
      g_assert_nonnull (wabiz_db_result_get (rows, i, "message_id"));
      g_assert_nonnull (wabiz_db_result_get (rows, i, "sent_at"));
      g_assert_nonnull (wabiz_db_result_get (rows, i, "delivered_at"));
      g_assert_nonnull (wabiz_db_result_get (rows, i, "read_at"));
    }

  {
    g_autoptr(GAsyncResult) result = NULL;

    wabiz_webhook_processor_stop_async (processor, NULL, wabiz_test_store_result_cb, &result);
    wabiz_test_wait_result (&result, 30);
    wabiz_webhook_processor_stop_finish (processor, result, NULL);
  }
}

/* ------------------------------------------------------------------ */
/* attachments from a file */

/* A JPEG-looking file of @size bytes; returns its contents. */
static GBytes *
write_jpeg (const char *path,
            gsize       size)
{
  static const char head[] = "\xff\xd8\xff\xe0\0\x10JFIF\0";
  guint8 *bytes = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    bytes[i] = (guint8) g_random_int_range (0, 256);
  memcpy (bytes, head, sizeof head - 1);
  g_assert_true (g_file_set_contents (path, (const char *) bytes, size, NULL));
  return g_bytes_new_take (bytes, size);
}

static WabizDbResult *
file_row (Fixture    *f,
          const char *uuid)
{
  const char *p[] = { uuid };

  return sql (f, "SELECT m.status, m.type, m.media_type, m.caption, m.message, m.media_filename,"
                 "  m.media_size, m.media_mime, m.media_path, m.media_id, m.error_title,"
                 "  o.state, o.attempts, o.media_file, o.media_upload_id"
                 " FROM messages m JOIN outbox o ON o.message_uuid = m.id WHERE m.id = $1::uuid",
              1, p);
}

static guint
ledger_count_type (Fixture    *f,
                   const char *type)
{
  g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (ledger); i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (json_array_get_object_element (ledger, i),
                                                               "type", ""), type) == 0)
      n++;
  return n;
}

static gint64
sim_media_count (Fixture *f)
{
  g_autoptr(JsonObject) stats = wabiz_sim_server_dup_stats (f->sim);

  return json_object_get_int_member (json_object_get_object_member (stats, "media"), "count");
}

/* The outbox's own word that @n messages have settled: its spool copies
 * go after the outcome is committed, and a waiter, which also polls the
 * database, may hear of the outcome before they have gone. */
static void
wait_settled (Fixture *f,
              guint    n)
{
  g_object_set_data (G_OBJECT (f->outbox), "target", GUINT_TO_POINTER (n));
  wabiz_test_wait_until (settled_at_least, f, 60);
}

static gboolean
dir_is_empty (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  return dir == NULL || g_dir_read_name (dir) == NULL;
}

/* Queued while Meta cannot be reached: kept (a copy in the spool, so the
 * original may go), shown as queued, uploaded and sent once Meta is back,
 * exactly once. */
static void
test_file_offline (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wabiz-outbox-file");
  g_autofree char *path = g_build_filename (dir, "menu photo.jpg", NULL);
  g_autoptr(GBytes) bytes = write_jpeg (path, 300 * 1024);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(JsonObject) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *wamid = NULL;
  g_autofree char *spool = NULL;
  g_autofree char *downloaded = NULL;
  g_autofree char *copy = NULL;
  gsize copy_len = 0;
  JsonObject *image;
  guint port;

  open_window (f, CUSTOMER, "Maria");
  port = wabiz_sim_server_get_port (f->sim);
  wabiz_sim_server_stop (f->sim);   /* offline */
  wabiz_outbox_start (f->outbox);

  uuid = queue_ok (f, wabiz_outgoing_new_media_file (CUSTOMER, "image", file, "Our new menu"));

  /* both rows, before anything went on the network */
  row = file_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "queued");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "type"), ==, "image");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "media_type"), ==, "image");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "caption"), ==, "Our new menu");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "message"), ==, "Our new menu");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "media_filename"), ==, "menu photo.jpg");
  g_assert_cmpint (wabiz_db_result_get_int (row, 0, "media_size"), ==, 300 * 1024);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "media_mime"), ==, "image/jpeg");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "media_path"), ==, path);
  g_assert_null (wabiz_db_result_get (row, 0, "media_upload_id"));

  /* the spool holds a copy of its own */
  spool = g_strdup (wabiz_db_result_get (row, 0, "media_file"));
  g_assert_nonnull (spool);
  g_assert_true (g_str_has_prefix (spool, wabiz_outbox_get_spool_dir (f->outbox)));
  g_assert_true (g_str_has_suffix (spool, "/menu photo.jpg"));
  g_assert_true (g_file_get_contents (spool, &copy, &copy_len, NULL));
  g_assert_cmpmem (copy, copy_len, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  /* the user tidies up: the message does not depend on the original */
  g_assert_cmpint (g_unlink (path), ==, 0);

  /* the upload was tried, failed for the network, and waits to be retried */
  wait_for_sql (f, "SELECT attempts >= 1 AND state = 'pending' AND last_error IS NOT NULL"
                   " AND media_upload_id IS NULL FROM outbox", 30);
  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "queued");
  g_assert_true (g_file_test (spool, G_FILE_TEST_EXISTS));

  /* back online, on the same address */
  g_object_set (f->sim, "port", port, NULL);
  g_assert_true (wabiz_sim_server_start (f->sim, &error));
  g_assert_no_error (error);

  wamid = wait_for (f, f->outbox, uuid, &error);
  g_assert_no_error (error);
  g_assert_nonnull (wamid);

  /* one image message, by the media id, with the caption; one upload */
  g_assert_cmpuint (ledger_count_type (f, "image"), ==, 1);
  g_assert_cmpint (sim_media_count (f), ==, 1);
  entry = ledger_find (f, wamid);
  g_assert_nonnull (entry);
  g_assert_cmpstr (json_object_get_string_member (entry, "result"), ==, "accepted");
  image = json_object_get_object_member (json_object_get_object_member (entry, "body"), "image");
  g_assert_cmpstr (json_object_get_string_member_with_default (image, "caption", NULL), ==, "Our new menu");
  g_assert_false (json_object_has_member (image, "link"));

  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "sent");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "done");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "media_id"), ==,
                   json_object_get_string_member (image, "id"));
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "media_upload_id"), ==,
                   json_object_get_string_member (image, "id"));

  /* what Meta got is the file, byte for byte */
  wabiz_graph_client_download_media_async (f->graph, json_object_get_string_member (image, "id"), NULL,
                                           dir, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  downloaded = wabiz_graph_client_download_media_finish (f->graph, result, &error);
  g_assert_no_error (error);
  g_clear_pointer (&copy, g_free);
  g_assert_true (g_file_get_contents (downloaded, &copy, &copy_len, NULL));
  g_assert_cmpmem (copy, copy_len, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  /* settled: the spool copy is gone, and its folder */
  wait_settled (f, 1);
  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, uuid);
  g_assert_null (wabiz_db_result_get (row, 0, "media_file"));
  g_assert_false (g_file_test (spool, G_FILE_TEST_EXISTS));
  g_assert_true (dir_is_empty (wabiz_outbox_get_spool_dir (f->outbox)));

  wabiz_test_rm_rf (dir);
}

static char *
wait_failed (Fixture    *f,
             const char *uuid)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wamid = wait_for (f, f->outbox, uuid, &error);

  g_assert_null (wamid);
  g_assert_nonnull (error);
  return g_strdup (error->message);
}

/* Files WhatsApp refuses: refused when queued, with the reason and
 * nothing written; and if the copy in the spool turns bad or goes, the
 * message fails with the reason, and nothing is uploaded or sent. */
static void
test_file_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wabiz-outbox-file");
  g_autofree char *big = g_build_filename (dir, "big.jpg", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.jpg", NULL);
  g_autofree char *good = g_build_filename (dir, "photo.jpg", NULL);
  g_autofree char *gone = g_build_filename (dir, "other.jpg", NULL);
  g_autoptr(GBytes) big_bytes = write_jpeg (big, (gsize) (5.5 * 1024 * 1024));
  g_autoptr(GBytes) good_bytes = write_jpeg (good, 20 * 1024);
  g_autoptr(GBytes) gone_bytes = write_jpeg (gone, 20 * 1024);
  g_autoptr(WabizDbResult) count = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *uuid_gone = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *spool = NULL;
  g_autofree char *spool_gone = NULL;

  open_window (f, CUSTOMER, "Maria");
  g_assert_true (g_file_set_contents (text, "just some notes\n", -1, NULL));

  /* refused before anything is written */
  {
    g_autoptr(GFile) file = g_file_new_for_path (big);
    g_autoptr(WabizOutgoing) m = wabiz_outgoing_new_media_file (CUSTOMER, "image", file, "Too big");

    g_assert_null (queue (f, m, &error));
    g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TOO_LARGE);
    g_assert_nonnull (strstr (error->message, "5 MB"));
    g_clear_error (&error);
  }
  {
    g_autoptr(GFile) file = g_file_new_for_path (text);
    g_autoptr(WabizOutgoing) m = wabiz_outgoing_new_media_file (CUSTOMER, "image", file, NULL);

    g_assert_null (queue (f, m, &error));
    g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TYPE);
    g_assert_nonnull (strstr (error->message, "JPEG and PNG"));
    g_clear_error (&error);
  }
  count = sql (f, "SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM outbox) AS n", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (count, 0, "n"), ==, 0);
  g_assert_true (dir_is_empty (wabiz_outbox_get_spool_dir (f->outbox)));

  /* accepted, then the copy turns into something WhatsApp refuses, or
   * goes, before the sender reaches it */
  {
    g_autoptr(GFile) file = g_file_new_for_path (good);
    g_autoptr(GFile) file_gone = g_file_new_for_path (gone);

    uuid = queue_ok (f, wabiz_outgoing_new_media_file (CUSTOMER, "image", file, "Menu"));
    uuid_gone = queue_ok (f, wabiz_outgoing_new_media_file (CUSTOMER, "image", file_gone, NULL));
  }
  row = file_row (f, uuid);
  spool = g_strdup (wabiz_db_result_get (row, 0, "media_file"));
  g_assert_true (g_file_set_contents (spool, "not an image at all\n", -1, NULL));
  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, uuid_gone);
  spool_gone = g_strdup (wabiz_db_result_get (row, 0, "media_file"));
  g_assert_cmpint (g_unlink (spool_gone), ==, 0);

  wabiz_outbox_start (f->outbox);
  reason = wait_failed (f, uuid);
  g_assert_nonnull (strstr (reason, "JPEG and PNG"));
  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "failed");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "failed");
  g_assert_nonnull (strstr (wabiz_db_result_get (row, 0, "error_title"), "JPEG and PNG"));
  g_assert_cmpint (wabiz_db_result_get_int (row, 0, "attempts"), ==, 1);

  g_free (reason);
  reason = wait_failed (f, uuid_gone);
  g_assert_cmpstr (reason, ==, "The copy of this file kept for sending is gone; attach the file again");
  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, uuid_gone);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "failed");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "error_title"), ==, reason);

  /* nothing uploaded, nothing sent, nothing left in the spool */
  wait_settled (f, 2);
  g_assert_cmpint (sim_media_count (f), ==, 0);
  {
    g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

    g_assert_cmpuint (json_array_get_length (ledger), ==, 0);
  }
  g_assert_false (g_file_test (spool, G_FILE_TEST_EXISTS));
  g_assert_true (dir_is_empty (wabiz_outbox_get_spool_dir (f->outbox)));

  wabiz_test_rm_rf (dir);
}

/* A crash during an upload: nothing was sent, so the upload is done
 * again and the message goes once. A crash during the send (the media
 * id was stored): the crash rule, unknown and never sent again. */
static void
test_file_crash (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wabiz-outbox-file");
  g_autofree char *a_path = g_build_filename (dir, "a.jpg", NULL);
  g_autofree char *b_path = g_build_filename (dir, "b.jpg", NULL);
  g_autoptr(GBytes) a_bytes = write_jpeg (a_path, 10 * 1024);
  g_autoptr(GBytes) b_bytes = write_jpeg (b_path, 10 * 1024);
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uploading = NULL;
  g_autofree char *sending = NULL;
  g_autofree char *wamid = NULL;
  g_autofree char *b_spool = NULL;

  open_window (f, CUSTOMER, "Maria");
  {
    g_autoptr(GFile) a = g_file_new_for_path (a_path);
    g_autoptr(GFile) b = g_file_new_for_path (b_path);

    uploading = queue_ok (f, wabiz_outgoing_new_media_file (CUSTOMER, "image", a, "A"));
    sending = queue_ok (f, wabiz_outgoing_new_media_file (CUSTOMER, "image", b, "B"));
  }

  /* what a sender killed in each phase leaves behind */
  {
    const char *p[] = { uploading, sending };

    g_clear_pointer (&row, wabiz_db_result_unref);
    row = sql (f, "UPDATE outbox SET state = 'sending', attempts = 1, sent_at = now()"
                  " WHERE message_uuid IN ($1::uuid, $2::uuid)", 2, p);
    g_clear_pointer (&row, wabiz_db_result_unref);
    row = sql (f, "UPDATE outbox SET media_upload_id = '1234567890', media_uploaded_at = now()"
                  " WHERE message_uuid = $1::uuid", 1, p + 1);
  }
  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, sending);
  b_spool = g_strdup (wabiz_db_result_get (row, 0, "media_file"));

  wabiz_outbox_start (f->outbox);
  wamid = wait_for (f, f->outbox, uploading, &error);
  g_assert_no_error (error);
  g_assert_nonnull (wamid);
  g_assert_null (wait_for (f, f->outbox, sending, &error));
  g_assert_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_AMBIGUOUS);

  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, sending);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "unknown");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "unknown");
  g_assert_false (g_file_test (b_spool, G_FILE_TEST_EXISTS));

  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, uploading);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "sent");

  /* one upload, one message: the one whose upload was cut */
  g_assert_cmpint (sim_media_count (f), ==, 1);
  g_assert_cmpuint (ledger_count_type (f, "image"), ==, 1);
  g_assert_true (dir_is_empty (wabiz_outbox_get_spool_dir (f->outbox)));

  wabiz_test_rm_rf (dir);
}

/* ------------------------------------------------------------------ */
/* one sender, for real */

/* The application name of the session holding the sender's advisory
 * lock (key 6294253316613256564), if any */
#define LOCK_HOLDER_SQL                                                                   \
  "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"    \
  " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"                       \
  "   AND ((l.classid::bigint << 32) | l.objid::bigint) = 6294253316613256564"

/* A pool of its own on the test's database, whose sessions say @name */
static WabizDb *
sender_db (Fixture    *f,
           const char *name)
{
  g_autofree char *conninfo = g_strdup_printf ("%s application_name=%s", f->conninfo, name);

  return wabiz_db_new (conninfo, NULL, 6);
}

/* Ends the session that holds the sender's lock, as a restart of a
 * pooler or an administrator would */
static void
kill_lock_session (Fixture *f)
{
  g_autoptr(WabizDbResult) res = NULL;

  res = sql (f, "SELECT count(pg_terminate_backend(l.pid, 10000)) AS n FROM pg_locks l"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                "   AND ((l.classid::bigint << 32) | l.objid::bigint) = 6294253316613256564",
             0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, 1);
}

/* Every claim of a row (its move to "sending") is logged with the
 * claiming session's application name and the lock holder's at that
 * moment */
static void
log_claims (Fixture *f)
{
  const char *setup[] = {
    "CREATE TABLE claim_log (claimer text, holder text, xact xid8)",
    "CREATE FUNCTION log_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  INSERT INTO claim_log SELECT current_setting('application_name'), (" LOCK_HOLDER_SQL "),"
    "    pg_current_xact_id ();"
    "  RETURN NEW; END $$",
    "CREATE TRIGGER log_claim BEFORE UPDATE ON outbox FOR EACH ROW"
    "  WHEN (NEW.state = 'sending' AND OLD.state IS DISTINCT FROM 'sending')"
    "  EXECUTE FUNCTION log_claim()",
  };

  for (guint i = 0; i < G_N_ELEMENTS (setup); i++)
    {
      g_autoptr(WabizDbResult) res = sql (f, setup[i], 0, NULL);
    }
}

/* What a sender said of its lock: the problem it showed, once lost */
static void
sender_problem_cb (WabizOutbox *outbox,
                   GParamSpec  *pspec,
                   char       **said)
{
  const char *problem = wabiz_outbox_get_sender_problem (outbox);

  if (problem != NULL && *said == NULL)
    *said = g_strdup (problem);
}

/* The sender that loses its lock warns: expected (not fatal) until
 * restore_fatal_warnings() */
static GLogLevelFlags
allow_warnings (void)
{
  return g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
}

static void
restore_fatal_warnings (GLogLevelFlags flags)
{
  g_log_set_always_fatal (flags);
}

static gboolean
sim_accepted_at_least (gpointer data)
{
  Fixture *f = data;
  g_autoptr(JsonObject) stats = wabiz_sim_server_dup_stats (f->sim);
  gint64 target = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (f->sim), "target"));

  return json_object_get_int_member (json_object_get_object_member (stats, "messages"), "accepted") >= target;
}

/* Two senders on one database; the first one's lock session is ended
 * while it sends. It must stop at once and say so, the other takes over,
 * every claim is made by the lock's holder of the moment, and no message
 * reaches Meta twice. */
static void
test_lock_killed (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(WabizDb) db_a = sender_db (f, "sender-a");
  g_autoptr(WabizDb) db_b = sender_db (f, "sender-b");
  g_autoptr(WabizOutbox) a = wabiz_outbox_new (db_a, f->graph, 100);
  g_autoptr(WabizOutbox) b = wabiz_outbox_new (db_b, f->graph, 100);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonArray) ledger = NULL;
  g_autoptr(WabizDbResult) claims = NULL;
  g_autoptr(WabizDbResult) rows = NULL;
  g_autoptr(WabizDbResult) holder = NULL;
  g_autofree char *said = NULL;
  GLogLevelFlags fatal;
  guint n_done = 0;
  guint n_unknown = 0;

  sim_config (f, "{\"window_policy\": \"open\"}");
  open_window (f, CUSTOMER, NULL);
  queue_many (f, 600, CUSTOMER, TRUE);
  log_claims (f);

  g_signal_connect (a, "notify::sender-problem", G_CALLBACK (sender_problem_cb), &said);
  wabiz_outbox_start (a);
  WABIZ_TEST_WAIT (wabiz_outbox_get_is_sender (a), 30);
  g_assert_null (wabiz_outbox_get_sender_problem (a));
  wabiz_outbox_start (b);
  g_object_set_data (G_OBJECT (f->sim), "target", GINT_TO_POINTER (100));
  wabiz_test_wait_until (sim_accepted_at_least, f, 60);
  g_assert_false (wabiz_outbox_get_is_sender (b));

  fatal = allow_warnings ();
  kill_lock_session (f);

  /* the first one stops and says so; the other takes over */
  WABIZ_TEST_WAIT (!wabiz_outbox_get_is_sender (a), 30);
  g_assert_nonnull (said);
  g_assert_nonnull (strstr (said, "Sending is paused"));
  WABIZ_TEST_WAIT (wabiz_outbox_get_is_sender (b), 30);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 120);
  g_assert_false (wabiz_outbox_get_is_sender (a));
  holder = sql (f, LOCK_HOLDER_SQL, 0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (holder), ==, 1);
  g_assert_cmpstr (wabiz_db_result_get (holder, 0, "application_name"), ==, "sender-b");
  stop_outbox (a);
  stop_outbox (b);
  restore_fatal_warnings (fatal);

  /* every claim was made by the session holding the lock at that
   * moment; but for one: the claim checks the lock in its own statement,
   * and the first sender's claim under way at the instant its session
   * was killed may end after it (the log reads the holder a moment after
   * the check). The second never claims without it. */
  claims = sql (f, "SELECT count(*) FILTER (WHERE claimer IS DISTINCT FROM holder AND (claimer <> 'sender-a'"
                   "    OR xact <> (SELECT min(xact::text::bigint)::text::xid8 FROM claim_log"
                   "                WHERE claimer = 'sender-a' AND claimer IS DISTINCT FROM holder))) AS wrong,"
                   "  count(*) FILTER (WHERE claimer = 'sender-a') AS by_a,"
                   "  count(*) FILTER (WHERE claimer = 'sender-b') AS by_b FROM claim_log",
                0, NULL);
  g_test_message ("claims: %" G_GINT64_FORMAT " by the first sender, %" G_GINT64_FORMAT
                  " by the second, %" G_GINT64_FORMAT " without the lock",
                  wabiz_db_result_get_int (claims, 0, "by_a"), wabiz_db_result_get_int (claims, 0, "by_b"),
                  wabiz_db_result_get_int (claims, 0, "wrong"));
  g_assert_cmpint (wabiz_db_result_get_int (claims, 0, "wrong"), ==, 0);
  g_assert_cmpint (wabiz_db_result_get_int (claims, 0, "by_a"), >, 0);
  g_assert_cmpint (wabiz_db_result_get_int (claims, 0, "by_b"), >, 0);

  /* no message reached Meta twice; each one sent is done, once */
  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      JsonObject *body = json_object_get_object_member (entry, "body");
      const char *text = json_object_get_string_member (json_object_get_object_member (body, "text"), "body");

      g_assert_true (g_hash_table_add (seen, (gpointer) text));
    }
  rows = sql (f, "SELECT o.state, m.message, m.status FROM outbox o JOIN messages m ON m.id = o.message_uuid",
              0, NULL);
  g_assert_cmpuint (wabiz_db_result_get_n_rows (rows), ==, 600);
  for (guint i = 0; i < 600; i++)
    {
      const char *state = wabiz_db_result_get (rows, i, "state");

      if (g_str_equal (state, "done"))
        {
          g_assert_true (g_hash_table_contains (seen, wabiz_db_result_get (rows, i, "message")));
          n_done++;
        }
      else
        {
          g_assert_cmpstr (state, ==, "unknown");
          n_unknown++;
        }
    }
  g_test_message ("lock killed: %u sent, %u in doubt", n_done, n_unknown);
  g_assert_cmpuint (n_done + n_unknown, ==, 600);
  g_assert_cmpuint (n_done, >=, 500);
}

static void
hold_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  GPtrArray *held = user_data;

  g_ptr_array_add (held, g_object_ref (msg));
  soup_server_message_pause (msg);
}

/* A sender's upload is held until another sender, which took over after
 * the first one lost its lock, has uploaded and sent the message; then
 * the first one's late outcome arrives. It must change nothing: the
 * message stays sent, once. */
static void
test_late_outcome (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wabiz-outbox-file");
  g_autofree char *path = g_build_filename (dir, "menu.jpg", NULL);
  g_autoptr(GBytes) bytes = write_jpeg (path, 20 * 1024);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(WabizDb) db_a = sender_db (f, "sender-a");
  g_autoptr(WabizGraphClient) graph_a = NULL;
  g_autoptr(WabizOutbox) a = NULL;
  g_autoptr(WabizDbResult) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *wamid = NULL;
  g_autofree char *upload_id = NULL;
  SoupServerMessage *late;
  GLogLevelFlags fatal;

  open_window (f, CUSTOMER, "Maria");
  uuid = queue_ok (f, wabiz_outgoing_new_media_file (CUSTOMER, "image", file, "Menu"));

  /* the first sender's Graph API holds its upload */
  soup_server_add_handler (server, NULL, hold_cb, held, NULL);
  url = listen_local (server);
  graph_a = wabiz_graph_client_new (url, "v19.0", WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID,
                                    WABIZ_SIM_DEFAULT_WABA_ID, "t");
  a = wabiz_outbox_new (db_a, graph_a, 50);
  wabiz_outbox_start (a);
  WABIZ_TEST_WAIT (held->len == 1, 30);

  /* it loses its lock; the other sender takes over, uploads and sends */
  fatal = allow_warnings ();
  kill_lock_session (f);
  WABIZ_TEST_WAIT (!wabiz_outbox_get_is_sender (a), 30);
  g_assert_nonnull (wabiz_outbox_get_sender_problem (a));
  wabiz_outbox_start (f->outbox);
  wamid = wait_for (f, f->outbox, uuid, &error);
  g_assert_no_error (error);
  g_assert_nonnull (wamid);
  row = file_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "done");
  upload_id = g_strdup (wabiz_db_result_get (row, 0, "media_upload_id"));
  g_assert_nonnull (upload_id);

  /* now the first upload's answer comes */
  late = g_ptr_array_index (held, 0);
  soup_server_message_set_status (late, 200, NULL);
  soup_server_message_set_response (late, "application/json", SOUP_MEMORY_STATIC, "{\"id\": \"999\"}", 13);
  soup_server_message_unpause (late);
  stop_outbox (a);   /* once its outcome is written, or refused */
  restore_fatal_warnings (fatal);

  g_clear_pointer (&row, wabiz_db_result_unref);
  row = file_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "done");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "sent");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "media_upload_id"), ==, upload_id);

  /* and nothing goes again */
  wabiz_outbox_kick (f->outbox);
  wait_for_sql (f, "SELECT count(*) = 0 FROM outbox WHERE state IN ('pending', 'sending')", 30);
  g_assert_cmpuint (ledger_count_type (f, "image"), ==, 1);
  g_assert_cmpint (sim_media_count (f), ==, 1);

  wabiz_test_rm_rf (dir);
}

/* The claim (a statement that takes rows) sent again after a broken
 * connection: once for real (the server ends the claim's session during
 * the statement), and each time as the database layer does when the
 * connection broke after the server ran it but before its answer came
 * back (a test hook sends every claim twice). Every message goes once. */
static void
test_claim_repeated (Fixture       *f,
                     gconstpointer  data)
{
  const char *setup[] = {
    "CREATE SEQUENCE claim_kills",
    "CREATE FUNCTION kill_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF nextval('claim_kills') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;"
    "  RETURN NEW; END $$",
    "CREATE TRIGGER kill_claim BEFORE UPDATE ON outbox FOR EACH ROW"
    "  WHEN (NEW.state = 'sending' AND OLD.state = 'pending') EXECUTE FUNCTION kill_claim()",
  };
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonArray) ledger = NULL;
  g_autoptr(WabizDbResult) rows = NULL;
  g_autoptr(WabizDbResult) kills = NULL;

  sim_config (f, "{\"window_policy\": \"open\"}");
  open_window (f, CUSTOMER, NULL);
  queue_many (f, 40, CUSTOMER, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (setup); i++)
    {
      g_autoptr(WabizDbResult) res = sql (f, setup[i], 0, NULL);
    }

  _wabiz_outbox_set_claim_repeats (f->outbox, 2);
  wabiz_outbox_start (f->outbox);
  wait_for_sql (f, "SELECT count(*) = 40 FROM outbox WHERE state = 'done'", 60);

  /* the server did end a claim's session */
  kills = sql (f, "SELECT last_value > 1 AS killed FROM claim_kills", 0, NULL);
  g_assert_true (wabiz_db_result_get_bool (kills, 0, "killed"));

  ledger = wabiz_sim_server_dup_ledger (f->sim, 0);
  g_assert_cmpuint (json_array_get_length (ledger), ==, 40);
  for (guint i = 0; i < json_array_get_length (ledger); i++)
    {
      JsonObject *entry = json_array_get_object_element (ledger, i);
      JsonObject *body = json_object_get_object_member (entry, "body");
      const char *text = json_object_get_string_member (json_object_get_object_member (body, "text"), "body");

      g_assert_true (g_hash_table_add (seen, (gpointer) text));
    }
  rows = sql (f, "SELECT count(*) FILTER (WHERE attempts = 1) AS once FROM outbox", 0, NULL);
  g_assert_cmpint (wabiz_db_result_get_int (rows, 0, "once"), ==, 40);
}

/* A Graph API address the access token must not go to (plain http://
 * to another computer): nothing is sent, the messages stay queued, and
 * the outbox says why. */
static void
test_plaintext_graph_url (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(WabizGraphClient) graph = wabiz_graph_client_new ("http://0.0.0.0:9", "v19.0", "1", "2", "t");
  g_autoptr(WabizOutbox) outbox = wabiz_outbox_new (f->db, graph, 50);
  g_autoptr(WabizDbResult) row = NULL;
  g_autofree char *uuid = NULL;

  uuid = queue_ok (f, wabiz_outgoing_new_template (CUSTOMER, "hello_world", "en_US", NULL));
  wabiz_outbox_start (outbox);
  g_assert_false (wabiz_outbox_get_is_sender (outbox));
  g_assert_nonnull (wabiz_outbox_get_sender_problem (outbox));
  g_assert_nonnull (strstr (wabiz_outbox_get_sender_problem (outbox), "https://"));

  /* another process could send them; this one leaves them be */
  wabiz_outbox_kick (outbox);
  stop_outbox (outbox);
  row = message_row (f, uuid);
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "queued");
  g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "pending");
  g_assert_cmpint (wabiz_db_result_get_int (row, 0, "attempts"), ==, 0);
}

/* Someone who can write to a shared database points a row at a file of
 * this computer outside the spool: directly, through a symlink in a
 * spool folder, and with "..". Nothing is uploaded; each message fails
 * saying why; the file is untouched. */
static void
test_file_outside_spool (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wabiz-outbox-file");
  g_autofree char *secret = g_build_filename (dir, "secret.jpg", NULL);
  g_autoptr(GBytes) secret_bytes = write_jpeg (secret, 10 * 1024);
  char *uuids[3] = { NULL, NULL, NULL };
  g_autofree char *contents = NULL;
  gsize len = 0;

  open_window (f, CUSTOMER, "Maria");
  for (guint i = 0; i < G_N_ELEMENTS (uuids); i++)
    {
      g_autofree char *name = g_strdup_printf ("photo%u.jpg", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GBytes) bytes = write_jpeg (path, 10 * 1024);
      g_autoptr(GFile) file = g_file_new_for_path (path);

      uuids[i] = queue_ok (f, wabiz_outgoing_new_media_file (CUSTOMER, "image", file, NULL));
    }

  for (guint i = 0; i < G_N_ELEMENTS (uuids); i++)
    {
      g_autoptr(WabizDbResult) row = file_row (f, uuids[i]);
      g_autofree char *folder = g_path_get_dirname (wabiz_db_result_get (row, 0, "media_file"));
      g_autofree char *target = NULL;
      const char *p[2];

      if (i == 0)
        target = g_strdup (secret);
      else if (i == 1)
        {
          target = g_build_filename (folder, "link.jpg", NULL);
          g_assert_cmpint (symlink (secret, target), ==, 0);
        }
      else
        target = g_strconcat (folder, "/../../../../../../../../../../../..", secret, NULL);

      p[0] = uuids[i];
      p[1] = target;
      g_clear_pointer (&row, wabiz_db_result_unref);
      row = sql (f, "UPDATE outbox SET media_file = $2 WHERE message_uuid = $1::uuid", 2, p);
    }

  wabiz_outbox_start (f->outbox);
  for (guint i = 0; i < G_N_ELEMENTS (uuids); i++)
    {
      g_autofree char *reason = wait_failed (f, uuids[i]);
      g_autoptr(WabizDbResult) row = file_row (f, uuids[i]);

      g_test_message ("%s", reason);
      g_assert_nonnull (strstr (reason, "outside"));
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "status"), ==, "failed");
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "state"), ==, "failed");
      g_assert_cmpstr (wabiz_db_result_get (row, 0, "error_title"), ==, reason);
    }

  wait_settled (f, 3);
  g_assert_cmpint (sim_media_count (f), ==, 0);
  {
    g_autoptr(JsonArray) ledger = wabiz_sim_server_dup_ledger (f->sim, 0);

    g_assert_cmpuint (json_array_get_length (ledger), ==, 0);
  }
  g_assert_true (g_file_get_contents (secret, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (secret_bytes, NULL), g_bytes_get_size (secret_bytes));

  for (guint i = 0; i < G_N_ELEMENTS (uuids); i++)
    g_free (uuids[i]);
  wabiz_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_home = NULL;
  int status;

  /* A spool folder of this run's own: other test programs queue files
   * in parallel (the crash test's child sender inherits it) */
  if (g_getenv ("WABIZ_TEST_OUTBOX_HOME") == NULL)
    {
      data_home = wabiz_test_make_tmpdir ("wabiz-outbox-home");
      g_setenv ("WABIZ_TEST_OUTBOX_HOME", data_home, TRUE);
      g_setenv ("XDG_DATA_HOME", data_home, TRUE);
    }

  if (argc == 4 && g_str_equal (argv[1], "--outbox-child"))
    return run_child_sender (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  g_test_add ("/outbox/each-kind", Fixture, NULL, fixture_setup, test_each_kind, fixture_teardown);
  g_test_add ("/outbox/refused", Fixture, NULL, fixture_setup, test_refused_before_sending, fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/outbox/error/%s", error_cases[i].name);

      g_test_add (name, Fixture, &error_cases[i], error_setup, test_error, fixture_teardown);
    }
  g_test_add ("/outbox/error/130429", Fixture, NULL, fixture_setup, test_error_throughput, fixture_teardown);
  g_test_add ("/outbox/wa-id", Fixture, NULL, fixture_setup, test_wa_id_merge, fixture_teardown);
  g_test_add ("/outbox/lead-not-rewritten", Fixture, NULL, fixture_setup, test_lead_not_rewritten, fixture_teardown);
  g_test_add ("/outbox/pacing", Fixture, NULL, fixture_setup, test_pacing, fixture_teardown);
  g_test_add ("/outbox/bulk-pair", Fixture, NULL, fixture_setup, test_bulk_pair_pacing, fixture_teardown);
  g_test_add ("/outbox/ambiguous", Fixture, NULL, fixture_setup, test_ambiguous, fixture_teardown);
  g_test_add ("/outbox/unreachable", Fixture, NULL, fixture_setup, test_unreachable_retried, fixture_teardown);
  g_test_add ("/outbox/statuses", Fixture, NULL, fixture_setup, test_statuses, fixture_teardown);
  g_test_add ("/outbox/crash", Fixture, NULL, fixture_setup, test_crash, fixture_teardown);
  g_test_add ("/outbox/file/offline", Fixture, NULL, fixture_setup, test_file_offline, fixture_teardown);
  g_test_add ("/outbox/file/refused", Fixture, NULL, fixture_setup, test_file_refused, fixture_teardown);
  g_test_add ("/outbox/file/crash", Fixture, NULL, fixture_setup, test_file_crash, fixture_teardown);
  g_test_add ("/outbox/file/outside-spool", Fixture, NULL, fixture_setup, test_file_outside_spool, fixture_teardown);
  g_test_add ("/outbox/lock/killed", Fixture, NULL, fixture_setup, test_lock_killed, fixture_teardown);
  g_test_add ("/outbox/lock/late-outcome", Fixture, NULL, fixture_setup, test_late_outcome, fixture_teardown);
  g_test_add ("/outbox/claim/repeated", Fixture, NULL, fixture_setup, test_claim_repeated, fixture_teardown);
  g_test_add ("/outbox/plaintext-graph-url", Fixture, NULL, fixture_setup, test_plaintext_graph_url, fixture_teardown);

  status = g_test_run ();
  if (data_home != NULL)
    wabiz_test_rm_rf (data_home);
  return status;
}
