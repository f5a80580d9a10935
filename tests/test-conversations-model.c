/* test-conversations-model.c: the conversation list and chat models on a
 * real PostgreSQL
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "wabiz-conversations-model.h"
#include "wabiz-db-listener.h"
#include "wabiz-drafts.h"
#include "wabiz-error.h"
#include "wabiz-export.h"
#include "wabiz-leads-model.h"
#include "wabiz-messages-model.h"
#include "wabiz-migrations.h"
#include "wabiz-quick-reply.h"
#include "wabiz-store.h"
#include "wabiz-test-pg.h"

typedef struct
{
  char            *conninfo;
  WabizDb         *db;
  WabizDbListener *listener;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->conninfo = wabiz_test_pg_new_database ();
  f->db = wabiz_db_new (f->conninfo, NULL, 3);
  g_assert_true (wabiz_migrations_apply_sync (f->db, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->listener);
  wabiz_db_close (f->db);
  g_clear_object (&f->db);
  g_free (f->conninfo);
}

static void
exec (Fixture    *f,
      const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (res);
}

static gint
load_more (WabizConversationsModel *model)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint n;

  wabiz_conversations_model_load_more_async (model, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  n = wabiz_conversations_model_load_more_finish (model, result, &error);
  g_assert_no_error (error);
  return n;
}

static gint
load_older (WabizMessagesModel *model)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint n;

  wabiz_messages_model_load_older_async (model, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  n = wabiz_messages_model_load_older_finish (model, result, &error);
  g_assert_no_error (error);
  return n;
}

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

static void
record_change_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *changes)
{
  Change c = { position, removed, added };

  /* every signal must agree with the new length */
  g_assert_cmpuint (position + added, <=, g_list_model_get_n_items (model));
  g_array_append_val (changes, c);
}

/* 130 conversations (some with the same last time, some with none) come
 * in pages of 20, newest first, each once. */
static void
test_conversations_paging (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(WabizConversationsModel) model = wabiz_conversations_model_new (f->db);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint total = 0;
  gint n;

  exec (f, "INSERT INTO leads (phone, name, status)"
           " SELECT '4477009' || lpad(i::text, 5, '0'), 'Customer ' || i, 'NEW'"
           " FROM generate_series(1, 130) i");
  /* every third one shares its time with its neighbour; the last ten have none */
  exec (f, "INSERT INTO conversations (phone, total_messages, last_message, last_message_time)"
           " SELECT '4477009' || lpad(i::text, 5, '0'), 1, 'hello ' || i,"
           "   CASE WHEN i > 120 THEN NULL"
           "        ELSE now() - ((i / 3) * interval '1 minute') END"
           " FROM generate_series(1, 130) i");

  wabiz_conversations_model_set_page_size (model, 20);
  g_signal_connect (model, "items-changed", G_CALLBACK (record_change_cb), changes);

  while ((n = load_more (model)) > 0)
    {
      Change *c = &g_array_index (changes, Change, changes->len - 1);

      /* appended at the end, exactly */
      g_assert_cmpuint (c->position, ==, total);
      g_assert_cmpuint (c->removed, ==, 0);
      g_assert_cmpuint (c->added, ==, n);
      total += n;
    }
  g_assert_false (wabiz_conversations_model_get_has_more (model));
  g_assert_cmpuint (total, ==, 130);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 130);

  for (guint i = 0; i < total; i++)
    {
      g_autoptr(WabizConversation) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_true (g_hash_table_add (seen, g_strdup (wabiz_conversation_get_phone (item))));
      if (i > 0)
        {
          g_autoptr(WabizConversation) prev = g_list_model_get_item (G_LIST_MODEL (model), i - 1);

          g_assert_cmpint (wabiz_conversation_compare (prev, item), <, 0);
        }
      if (i >= 120)
        g_assert_null (wabiz_conversation_get_last_message_time (item));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 130);

  {
    g_autoptr(WabizConversation) first = g_list_model_get_item (G_LIST_MODEL (model), 0);

    /* customers 1 and 2 share the newest time */
    g_assert_true (g_str_equal (wabiz_conversation_get_name (first), "Customer 1") ||
                   g_str_equal (wabiz_conversation_get_name (first), "Customer 2"));
    g_assert_cmpstr (wabiz_conversation_get_lead_status (first), ==, "NEW");
  }
}

#define BIG_PHONE "15550001111"

static void
seed_big (Fixture *f,
          guint    n)
{
  g_autofree char *sql = NULL;

  exec (f, "INSERT INTO leads (phone, name, status) VALUES ('" BIG_PHONE "', 'Big Talker', 'INTERESTED')");
  /* pairs share a timestamp; their ids keep them in order */
  sql = g_strdup_printf ("INSERT INTO messages (id, phone, message, direction, status, type, \"timestamp\", message_id)"
                         " SELECT lpad(to_hex(i), 32, '0')::uuid, '" BIG_PHONE "', 'message number ' || i,"
                         "   CASE WHEN i %% 2 = 0 THEN 'inbound' ELSE 'outbound' END,"
                         "   CASE WHEN i %% 2 = 0 THEN 'received' ELSE 'read' END, 'text',"
                         "   now() - ((%u - i) / 2) * interval '1 minute', 'wamid.big' || i"
                         " FROM generate_series(1, %u) i", n, n);
  exec (f, sql);
  exec (f, "INSERT INTO conversations (phone, total_messages, last_message, last_message_time)"
           " SELECT phone, count(*), 'last', max(\"timestamp\") FROM messages GROUP BY phone");
  exec (f, "ANALYZE messages");
}

/* A conversation of 100,000 messages opens with one small query and
 * pages back without gaps or repeats. */
static void
test_messages_big (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(WabizMessagesModel) model = wabiz_messages_model_new (f->db, BIG_PHONE);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 start;
  gint n;

  seed_big (f, 100000);

  /* warm the pool's connection so that the figure is the query's */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, "SELECT 1", 0, NULL, NULL, &error);
    g_assert_no_error (error);
  }

  g_signal_connect (model, "items-changed", G_CALLBACK (record_change_cb), changes);

  start = g_get_monotonic_time ();
  n = load_older (model);
  g_test_message ("first page of a 100,000-message conversation: %.1f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpint (n, ==, 50);
  g_assert_true (wabiz_messages_model_get_has_older (model));

  {
    g_autoptr(WabizMessage) last = g_list_model_get_item (G_LIST_MODEL (model), 49);

    /* newest at the bottom */
    g_assert_cmpstr (wabiz_message_get_text (last), ==, "message number 100000");
    g_assert_cmpint (wabiz_message_get_status (last), ==, WABIZ_MESSAGE_STATUS_RECEIVED);
  }

  /* twenty pages up: each prepended with (0, 0, n), in order, no repeat */
  for (guint page = 0; page < 20; page++)
    {
      start = g_get_monotonic_time ();
      n = load_older (model);
      if (page == 0)
        g_test_message ("an older page: %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
      g_assert_cmpint (n, ==, 50);
      g_assert_cmpuint (g_array_index (changes, Change, changes->len - 1).position, ==, 0);
      g_assert_cmpuint (g_array_index (changes, Change, changes->len - 1).removed, ==, 0);
      g_assert_cmpuint (g_array_index (changes, Change, changes->len - 1).added, ==, 50);
    }

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 21 * 50);
  for (guint i = 0; i < 21 * 50; i++)
    {
      g_autoptr(WabizMessage) m = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_autofree char *expected = g_strdup_printf ("message number %u", 100000 - 21 * 50 + 1 + i);

      g_assert_true (g_hash_table_add (seen, (gpointer) wabiz_message_get_id (m)));
      g_assert_cmpstr (wabiz_message_get_text (m), ==, expected);
      if (i > 0)
        {
          g_autoptr(WabizMessage) prev = g_list_model_get_item (G_LIST_MODEL (model), i - 1);

          g_assert_cmpint (wabiz_message_compare (prev, m), <, 0);
        }
    }
}

/* A search finds a word said years ago among 100,000 newer messages. */
static void
test_search_old (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(WabizConversationsModel) model = wabiz_conversations_model_new (f->db);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(WabizConversation) item = NULL;
  gint64 start;

  seed_big (f, 100000);
  exec (f, "INSERT INTO leads (phone, name, status) VALUES ('447700900001', 'Old Friend', 'CONVERTED')");
  exec (f, "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\")"
           " VALUES ('447700900001', 'Your invoice for the Zanzibar trip is attached', 'outbound',"
           "         'read', 'text', now() - interval '6 years'),"
           "        ('447700900001', 'thanks!', 'inbound', 'received', 'text', now() - interval '5 years')");
  exec (f, "INSERT INTO conversations (phone, total_messages, last_message, last_message_time)"
           " VALUES ('447700900001', 2, 'thanks!', now() - interval '5 years')");
  exec (f, "ANALYZE messages");

  g_assert_cmpint (load_more (model), ==, 2);
  g_signal_connect (model, "items-changed", G_CALLBACK (record_change_cb), changes);

  start = g_get_monotonic_time ();
  wabiz_conversations_model_set_search (model, "zanzib");
  WABIZ_TEST_WAIT (!wabiz_conversations_model_get_loading (model), 60);
  g_test_message ("full-text search over 100,002 messages: %.1f ms",
                  (g_get_monotonic_time () - start) / 1000.0);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (wabiz_conversation_get_phone (item), ==, "447700900001");
  g_assert_cmpstr (wabiz_conversation_get_match (item), ==, "Your invoice for the Zanzibar trip is attached");
  g_clear_object (&item);

  /* by name, too, and words in any order */
  wabiz_conversations_model_set_search (model, "trip INVOICE");
  WABIZ_TEST_WAIT (!wabiz_conversations_model_get_loading (model), 60);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);

  wabiz_conversations_model_set_search (model, "big talk");
  WABIZ_TEST_WAIT (!wabiz_conversations_model_get_loading (model), 60);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (wabiz_conversation_get_phone (item), ==, BIG_PHONE);
  g_clear_object (&item);

  /* nothing that breaks to_tsquery */
  wabiz_conversations_model_set_search (model, "'&|!:*( \\");
  WABIZ_TEST_WAIT (!wabiz_conversations_model_get_loading (model), 60);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);

  /* back to everything */
  wabiz_conversations_model_set_search (model, "");
  WABIZ_TEST_WAIT (!wabiz_conversations_model_get_loading (model), 60);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
}

/* live updates */

typedef struct
{
  WabizConversationsModel *conversations;
  WabizMessagesModel      *messages;
} Models;

static void
notification_cb (WabizDbListener *listener,
                 const char      *channel,
                 const char      *payload,
                 Models          *models)
{
  g_autoptr(JsonNode) node = json_from_string (payload, NULL);
  JsonObject *object;
  const char *table, *phone, *id;

  g_assert_nonnull (node);
  object = json_node_get_object (node);
  table = json_object_get_string_member_with_default (object, "t", NULL);
  phone = json_object_get_string_member_with_default (object, "phone", NULL);
  id = json_object_get_string_member_with_default (object, "id", NULL);

  wabiz_conversations_model_notification (models->conversations, table, phone, id);
  wabiz_messages_model_notification (models->messages, table, phone, id);
}

typedef struct
{
  const char *phone;
  const char *text;
  const char *wamid;
  gboolean    inbound;
} InsertData;

static void
insert_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  InsertData *d = task_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *lead = NULL;
  GError *error = NULL;
  const char *params[] = { d->phone, d->text, d->inbound ? "inbound" : "outbound", d->wamid };

  g_assert_true (wabiz_db_conn_begin (conn, &error));
  lead = wabiz_store_upsert_lead_on_conn (conn, d->phone, NULL, &error);
  g_assert_no_error (error);
  res = wabiz_db_conn_exec (conn,
                            "INSERT INTO messages (phone, message, direction, status, type, message_id)"
                            " VALUES ($1, $2, $3::text, CASE WHEN $3::text = 'inbound' THEN 'received' ELSE 'sent' END,"
                            "         'text', $4) RETURNING id",
                            4, params, &error);
  g_assert_no_error (error);
  g_assert_true (wabiz_store_touch_conversation_on_conn (conn, d->phone, lead, d->text, d->inbound,
                                                         NULL, &error));
  g_assert_no_error (error);
  g_assert_true (wabiz_store_notify_on_conn (conn, "messages", d->phone,
                                             wabiz_db_result_get (res, 0, "id"), &error));
  g_assert_true (wabiz_db_conn_commit (conn, &error));
  g_task_return_boolean (task, TRUE);
}

static void
insert_message (Fixture    *f,
                const char *phone,
                const char *text,
                const char *wamid,
                gboolean    inbound)
{
  InsertData d = { phone, text, wamid, inbound };
  g_autoptr(GError) error = NULL;

  g_assert_true (wabiz_db_run_sync (f->db, insert_job, &d, NULL, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
n_items_is (gpointer data)
{
  gpointer *args = data;

  return g_list_model_get_n_items (args[0]) == GPOINTER_TO_UINT (args[1]);
}

static gboolean
status_is (gpointer data)
{
  gpointer *args = data;

  return wabiz_message_get_status (args[0]) == (WabizMessageStatus) GPOINTER_TO_INT (args[1]);
}

static gboolean
first_phone_is (gpointer data)
{
  gpointer *args = data;
  g_autoptr(WabizConversation) first = g_list_model_get_item (args[0], 0);

  return first != NULL && g_str_equal (wabiz_conversation_get_phone (first), args[1]);
}

static gboolean
listener_connected (gpointer data)
{
  return wabiz_db_listener_get_connected (data);
}

static void
assert_change (GArray *changes,
               guint   index,
               guint   position,
               guint   removed,
               guint   added)
{
  g_assert_cmpuint (index, <, changes->len);
  g_assert_cmpuint (g_array_index (changes, Change, index).position, ==, position);
  g_assert_cmpuint (g_array_index (changes, Change, index).removed, ==, removed);
  g_assert_cmpuint (g_array_index (changes, Change, index).added, ==, added);
}

/* A new message of @phone, the second of two conversations, whose chat
 * held two messages: appended at the bottom of the chat, and the
 * conversation moved to the top of the list, out of place 1 and into
 * place 0, nothing else. */
static void
wait_appended_and_moved (WabizMessagesModel      *messages,
                         GArray                  *msg_changes,
                         WabizConversationsModel *conversations,
                         GArray                  *conv_changes,
                         const char              *phone)
{
  gpointer args[2];

  args[0] = messages;
  args[1] = GUINT_TO_POINTER (3);
  wabiz_test_wait_until (n_items_is, args, 30);
  g_assert_cmpuint (msg_changes->len, ==, 1);
  assert_change (msg_changes, 0, 2, 0, 1);

  args[0] = conversations;
  args[1] = (gpointer) phone;
  wabiz_test_wait_until (first_phone_is, args, 30);
  g_assert_cmpuint (conv_changes->len, ==, 2);
  assert_change (conv_changes, 0, 1, 1, 0);
  assert_change (conv_changes, 1, 0, 0, 1);
}

static void
test_live (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(WabizConversationsModel) conversations = wabiz_conversations_model_new (f->db);
  g_autoptr(WabizMessagesModel) messages = wabiz_messages_model_new (f->db, "15550002222");
  g_autoptr(GArray) conv_changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GArray) msg_changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(WabizMessage) sent = NULL;
  g_autoptr(WabizConversation) first = NULL;
  Models models = { conversations, messages };
  gpointer args[2];

  insert_message (f, "15550002222", "hello there", "wamid.a1", TRUE);
  insert_message (f, "15550002222", "hi, how can we help?", "wamid.a2", FALSE);
  insert_message (f, "15550003333", "other chat", "wamid.b1", TRUE);

  f->listener = wabiz_db_listener_new (f->conninfo, NULL, WABIZ_STORE_CHANNEL);
  g_signal_connect (f->listener, "notification", G_CALLBACK (notification_cb), &models);
  wabiz_db_listener_start (f->listener);
  wabiz_test_wait_until (listener_connected, f->listener, 30);

  g_assert_cmpint (load_more (conversations), ==, 2);
  g_assert_cmpint (load_older (messages), ==, 2);
  first = g_list_model_get_item (G_LIST_MODEL (conversations), 0);
  g_assert_cmpstr (wabiz_conversation_get_phone (first), ==, "15550003333");
  g_clear_object (&first);

  g_signal_connect (conversations, "items-changed", G_CALLBACK (record_change_cb), conv_changes);
  g_signal_connect (messages, "items-changed", G_CALLBACK (record_change_cb), msg_changes);

  /* the customer writes: appended at the bottom, conversation to the top */
  insert_message (f, "15550002222", "I'd like to order two more", "wamid.a3", TRUE);
  wait_appended_and_moved (messages, msg_changes, conversations, conv_changes, "15550002222");
  first = g_list_model_get_item (G_LIST_MODEL (conversations), 0);
  g_assert_cmpuint (wabiz_conversation_get_unread_count (first), ==, 2);
  g_assert_cmpstr (wabiz_conversation_get_last_message (first), ==, "I'd like to order two more");
  g_assert_cmpint (wabiz_conversation_get_window_left (first, g_get_real_time ()), >, 23 * G_TIME_SPAN_HOUR);

  /* ticks advance in place: no items-changed, a notify */
  sent = g_list_model_get_item (G_LIST_MODEL (messages), 1);
  g_assert_cmpint (wabiz_message_get_status (sent), ==, WABIZ_MESSAGE_STATUS_SENT);
  g_assert_cmpstr (wabiz_message_get_ticks (sent), ==, "✓");
  exec (f, "SELECT wabiz_apply_status('wamid.a2', 'delivered', now(), NULL, NULL, NULL, NULL, NULL)");
  exec (f, "SELECT pg_notify('wabiz', json_build_object('t', 'messages', 'phone', '15550002222')::text)");
  args[0] = sent;
  args[1] = GINT_TO_POINTER (WABIZ_MESSAGE_STATUS_DELIVERED);
  wabiz_test_wait_until (status_is, args, 30);
  g_assert_cmpstr (wabiz_message_get_ticks (sent), ==, "✓✓");

  exec (f, "SELECT wabiz_apply_status('wamid.a2', 'read', now(), NULL, NULL, NULL, NULL, NULL)");
  exec (f, "SELECT pg_notify('wabiz', json_build_object('t', 'messages', 'phone', '15550002222', 'id', 'wamid.a2')::text)");
  args[1] = GINT_TO_POINTER (WABIZ_MESSAGE_STATUS_READ);
  wabiz_test_wait_until (status_is, args, 30);
  g_assert_cmpuint (msg_changes->len, ==, 1);
  g_assert_cmpstr (wabiz_message_get_ticks (sent), ==, "✓✓");

  /* a webhook stores Meta's time in whole seconds, so a new row may be
   * older than the newest here, and its NOTIFY names no id: it still comes,
   * in its place */
  exec (f, "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\", message_id)"
           " VALUES ('15550002222', 'sent a minute ago, processed now', 'inbound', 'received', 'text',"
           "         now() - interval '1 minute', 'wamid.late')");
  exec (f, "SELECT pg_notify('wabiz', json_build_object('t', 'messages', 'phone', '15550002222')::text)");
  args[0] = messages;
  args[1] = GUINT_TO_POINTER (4);
  wabiz_test_wait_until (n_items_is, args, 30);
  {
    /* a minute older than the three others: first */
    g_autoptr(WabizMessage) late = g_list_model_get_item (G_LIST_MODEL (messages), 0);

    g_assert_cmpstr (wabiz_message_get_wamid (late), ==, "wamid.late");
    g_assert_cmpuint (g_array_index (msg_changes, Change, msg_changes->len - 1).position, ==, 0);
    g_assert_cmpuint (g_array_index (msg_changes, Change, msg_changes->len - 1).added, ==, 1);
  }

  /* a reaction shows on its message, not as an item */
  exec (f, "INSERT INTO messages (phone, message, direction, status, type, reply_to, message_id)"
           " VALUES ('15550002222', '👍', 'inbound', 'received', 'reaction', 'wamid.a2', 'wamid.r1')");
  exec (f, "SELECT pg_notify('wabiz', json_build_object('t', 'messages', 'phone', '15550002222', 'id', 'wamid.r1')::text)");
  WABIZ_TEST_WAIT (wabiz_message_get_reactions (sent) != NULL, 60);
  g_assert_cmpstr (wabiz_message_get_reactions (sent), ==, "👍");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 4);
}

typedef struct
{
  GListModel *model;
  const char *phone;
  const char *name;
} LeadIs;

static gboolean
not_refreshing (gpointer data)
{
  return !wabiz_conversations_model_get_refreshing (data);
}

/* Conversations named while a re-read is on its way are re-read
 * together: each gets its fresh row and its place, and one with no row
 * any more leaves the list. */
static void
test_refresh_together (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(WabizConversationsModel) conversations = wabiz_conversations_model_new (f->db);
  const char *phones[] = { "15550002222", "15550003333", "15550004444" };
  const char *texts[] = { "two again", "three again", "four" };

  insert_message (f, "15550001111", "one", "wamid.t1", TRUE);
  insert_message (f, "15550002222", "two", "wamid.t2", TRUE);
  insert_message (f, "15550003333", "three", "wamid.t3", TRUE);
  insert_message (f, "15550004444", "four", "wamid.t4", TRUE);
  g_assert_cmpint (load_more (conversations), ==, 4);

  /* unannounced: two conversations move up, one goes */
  exec (f, "UPDATE conversations SET last_message = 'two again',"
           " last_message_time = now() + interval '2 minutes' WHERE phone = '15550002222'");
  exec (f, "UPDATE conversations SET last_message = 'three again',"
           " last_message_time = now() + interval '1 minute' WHERE phone = '15550003333'");
  exec (f, "DELETE FROM conversations WHERE phone = '15550001111'");

  /* the first named is read at once, the others after it, together */
  wabiz_conversations_model_notification (conversations, "messages", "15550004444", NULL);
  g_assert_true (wabiz_conversations_model_get_refreshing (conversations));
  wabiz_conversations_model_notification (conversations, "messages", "15550003333", NULL);
  wabiz_conversations_model_notification (conversations, "messages", "15550002222", NULL);
  wabiz_conversations_model_notification (conversations, "messages", "15550001111", NULL);
  wabiz_test_wait_until (not_refreshing, conversations, 30);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversations)), ==, G_N_ELEMENTS (phones));
  for (guint i = 0; i < G_N_ELEMENTS (phones); i++)
    {
      g_autoptr(WabizConversation) conv = g_list_model_get_item (G_LIST_MODEL (conversations), i);

      g_assert_cmpstr (wabiz_conversation_get_phone (conv), ==, phones[i]);
      g_assert_cmpstr (wabiz_conversation_get_last_message (conv), ==, texts[i]);
    }
}

static gboolean
lead_name_is (gpointer data)
{
  LeadIs *want = data;

  for (guint i = 0; i < g_list_model_get_n_items (want->model); i++)
    {
      g_autoptr(WabizLead) lead = g_list_model_get_item (want->model, i);

      if (g_str_equal (wabiz_lead_get_phone (lead), want->phone))
        return g_strcmp0 (wabiz_lead_get_name (lead), want->name) == 0;
    }
  return FALSE;
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static gboolean
not_loading (gpointer data)
{
  return !wabiz_paged_model_get_loading (data) && !wabiz_paged_model_get_refreshing (data);
}

/* Models given the listener follow the database themselves: a change
 * another connection announces reaches each of them with no relay,
 * with the same exact items-changed as the relay gave; a model let go
 * of the listener no longer hears it; a reconnect re-reads what may
 * have been missed. */
static void
test_listener (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(WabizConversationsModel) conversations = wabiz_conversations_model_new (f->db);
  g_autoptr(WabizMessagesModel) messages = wabiz_messages_model_new (f->db, "15550006666");
  g_autoptr(WabizLeadsModel) leads = wabiz_leads_model_new (f->db);
  g_autoptr(GArray) conv_changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GArray) msg_changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GArray) lead_changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(WabizConversation) first = NULL;
  guint conv_refreshes = 0;
  guint msg_refreshes = 0;
  gpointer args[2];
  LeadIs lead_is;

  insert_message (f, "15550006666", "good morning", "wamid.l1", TRUE);
  insert_message (f, "15550006666", "morning! what can we do?", "wamid.l2", FALSE);
  insert_message (f, "15550007777", "another chat", "wamid.l3", TRUE);

  f->listener = wabiz_db_listener_new (f->conninfo, NULL, WABIZ_STORE_CHANNEL);
  wabiz_db_listener_start (f->listener);
  wabiz_test_wait_until (listener_connected, f->listener, 30);

  wabiz_paged_model_set_listener (WABIZ_PAGED_MODEL (conversations), f->listener);
  wabiz_paged_model_set_listener (WABIZ_PAGED_MODEL (messages), f->listener);
  g_object_set (leads, "listener", f->listener, NULL);
  g_assert_true (wabiz_paged_model_get_listener (WABIZ_PAGED_MODEL (leads)) == f->listener);

  g_assert_cmpint (load_more (conversations), ==, 2);
  g_assert_cmpint (load_older (messages), ==, 2);
  wabiz_leads_model_reload (leads);
  wabiz_test_wait_until (not_loading, leads, 30);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (leads)), ==, 2);
  first = g_list_model_get_item (G_LIST_MODEL (conversations), 0);
  g_assert_cmpstr (wabiz_conversation_get_phone (first), ==, "15550007777");
  g_clear_object (&first);

  g_signal_connect (conversations, "items-changed", G_CALLBACK (record_change_cb), conv_changes);
  g_signal_connect (messages, "items-changed", G_CALLBACK (record_change_cb), msg_changes);
  g_signal_connect (leads, "items-changed", G_CALLBACK (record_change_cb), lead_changes);

  /* another connection stores a message and NOTIFYs: the chat appends
   * it, the list moves its conversation to the top */
  insert_message (f, "15550006666", "two more, please", "wamid.l4", TRUE);
  wait_appended_and_moved (messages, msg_changes, conversations, conv_changes, "15550006666");
  first = g_list_model_get_item (G_LIST_MODEL (conversations), 0);
  g_assert_cmpstr (wabiz_conversation_get_last_message (first), ==, "two more, please");
  g_clear_object (&first);

  /* a lead renamed elsewhere: its row is replaced in place */
  exec (f, "WITH u AS (UPDATE leads SET name = 'Renamed Elsewhere' WHERE phone = '15550007777'"
           "  RETURNING id)"
           " SELECT pg_notify('wabiz', json_build_object('t', 'leads', 'phone', '15550007777',"
           "   'id', (SELECT id FROM u)::text)::text)");
  lead_is = (LeadIs) { G_LIST_MODEL (leads), "15550007777", "Renamed Elsewhere" };
  wabiz_test_wait_until (lead_name_is, &lead_is, 30);
  wabiz_test_wait_until (not_loading, leads, 30);
  g_assert_cmpuint (lead_changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (lead_changes, Change, 0).position, <, 2);
  assert_change (lead_changes, 0, g_array_index (lead_changes, Change, 0).position, 1, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (leads)), ==, 2);

  /* let go of the listener: the list no longer hears it. The chat,
   * still following, hears the same NOTIFY, later on the same
   * connection, and re-reads (refreshing goes on and off) */
  wabiz_paged_model_set_listener (WABIZ_PAGED_MODEL (conversations), NULL);
  g_assert_null (wabiz_paged_model_get_listener (WABIZ_PAGED_MODEL (conversations)));
  g_signal_connect (conversations, "notify::refreshing", G_CALLBACK (count_cb), &conv_refreshes);
  g_signal_connect (messages, "notify::refreshing", G_CALLBACK (count_cb), &msg_refreshes);
  exec (f, "SELECT pg_notify('wabiz', json_build_object('t', 'conversations', 'phone', '15550006666')::text)");
  WABIZ_TEST_WAIT (msg_refreshes >= 2, 30);
  g_assert_cmpuint (conv_refreshes, ==, 0);
  g_assert_false (wabiz_conversations_model_get_refreshing (conversations));

  /* changes nobody announced, then the LISTEN connection drops: on its
   * return every model reads again what it may have missed */
  wabiz_paged_model_set_listener (WABIZ_PAGED_MODEL (conversations), f->listener);
  exec (f, "UPDATE conversations SET last_message = 'said quietly',"
           " last_message_time = now() + interval '1 minute' WHERE phone = '15550007777'");
  exec (f, "INSERT INTO messages (phone, message, direction, status, type, message_id)"
           " VALUES ('15550006666', 'stored quietly', 'inbound', 'received', 'text', 'wamid.l5')");
  exec (f, "INSERT INTO leads (phone, name, status) VALUES ('15550008888', 'Quiet Lead', 'NEW')");
  exec (f, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
           " WHERE application_name = 'wabiz-listen' AND datname = current_database()");

  args[0] = conversations;
  args[1] = (gpointer) "15550007777";
  wabiz_test_wait_until (first_phone_is, args, 30);
  first = g_list_model_get_item (G_LIST_MODEL (conversations), 0);
  g_assert_cmpstr (wabiz_conversation_get_last_message (first), ==, "said quietly");
  args[0] = messages;
  args[1] = GUINT_TO_POINTER (4);
  wabiz_test_wait_until (n_items_is, args, 30);
  {
    g_autoptr(WabizMessage) last = g_list_model_get_item (G_LIST_MODEL (messages), 3);

    g_assert_cmpstr (wabiz_message_get_text (last), ==, "stored quietly");
  }
  args[0] = leads;
  args[1] = GUINT_TO_POINTER (3);
  wabiz_test_wait_until (n_items_is, args, 30);
}

typedef struct
{
  guint  n;
  char  *table;
  char  *phone;
  char  *id;
  char  *payload;
} Heard;

static void
heard_clear (Heard *heard)
{
  g_clear_pointer (&heard->table, g_free);
  g_clear_pointer (&heard->phone, g_free);
  g_clear_pointer (&heard->id, g_free);
  g_clear_pointer (&heard->payload, g_free);
}

static void
heard_payload_cb (WabizDbListener *listener,
                  const char      *channel,
                  const char      *payload,
                  Heard           *heard)
{
  g_free (heard->payload);
  heard->payload = g_strdup (payload);
}

static void
heard_changed_cb (WabizDbListener *listener,
                  const char      *phone,
                  const char      *id,
                  Heard           *heard)
{
  g_free (heard->table);
  heard->table = g_strdup (g_quark_to_string (g_signal_get_invocation_hint (listener)->detail));
  g_free (heard->phone);
  heard->phone = g_strdup (phone);
  g_free (heard->id);
  heard->id = g_strdup (id);
  heard->n++;
}

static void
notify_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;

  if (wabiz_store_notify_on_conn (conn, "leads", NULL, "a lead's id", &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* wabiz_notify() (013-notify.sql) writes the payload every WaBiz NOTIFY
 * carries, called from SQL and through the store alike: the listener
 * decodes its table, phone and id, and a member left out is NULL. */
static void
test_notify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  Heard heard = { 0 };

  f->listener = wabiz_db_listener_new (f->conninfo, NULL, WABIZ_STORE_CHANNEL);
  g_signal_connect (f->listener, "changed", G_CALLBACK (heard_changed_cb), &heard);
  /* the raw payload: emitted just before ::changed, for the same NOTIFY */
  g_signal_connect (f->listener, "notification", G_CALLBACK (heard_payload_cb), &heard);
  wabiz_db_listener_start (f->listener);
  wabiz_test_wait_until (listener_connected, f->listener, 30);

  exec (f, "SELECT wabiz_notify('drafts', '15550009999')");
  WABIZ_TEST_WAIT (heard.n == 1, 30);
  g_assert_cmpstr (heard.table, ==, "drafts");
  g_assert_cmpstr (heard.phone, ==, "15550009999");
  g_assert_null (heard.id);

  g_assert_true (wabiz_db_run_sync (f->db, notify_job, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  WABIZ_TEST_WAIT (heard.n == 2, 30);
  g_assert_cmpstr (heard.table, ==, "leads");
  g_assert_null (heard.phone);
  g_assert_cmpstr (heard.id, ==, "a lead's id");

  /* the raw payload: only the members that have a value */
  exec (f, "SELECT wabiz_notify('templates')");
  WABIZ_TEST_WAIT (heard.n == 3, 30);
  g_assert_cmpstr (heard.table, ==, "templates");
  node = json_from_string (heard.payload, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (node)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "t"), ==, "templates");

  g_signal_handlers_disconnect_by_data (f->listener, &heard);
  heard_clear (&heard);
}

static void
test_drafts (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzdraft");
  g_autofree char *backup = g_build_filename (dir, "drafts.ini", NULL);
  g_autoptr(WabizDrafts) drafts = wabiz_drafts_new (f->db, backup);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(WabizDbResult) res = NULL;

  insert_message (f, "15550004444", "hello", "wamid.d1", TRUE);

  wabiz_drafts_set (drafts, "15550004444", "Dear customer,\nthe parcel");
  /* a lead with no conversation yet */
  exec (f, "INSERT INTO leads (phone, name, status) VALUES ('15550005555', 'New One', 'NEW')");
  wabiz_drafts_set (drafts, "15550005555", "Welcome!");
  g_assert_true (wabiz_drafts_get_pending (drafts));

  wabiz_drafts_flush_async (drafts, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_drafts_flush_finish (drafts, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_false (wabiz_drafts_get_pending (drafts));
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));

  res = wabiz_db_query_sync (f->db, "SELECT draft FROM conversations WHERE phone = '15550005555'",
                             0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "draft"), ==, "Welcome!");
  g_clear_object (&drafts);

  /* another start reads it back */
  drafts = wabiz_drafts_new (f->db, backup);
  wabiz_drafts_load_async (drafts, "15550004444", NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  text = wabiz_drafts_load_finish (drafts, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "Dear customer,\nthe parcel");
  g_clear_object (&result);
  g_clear_pointer (&text, g_free);

  /* closed before the pause ended: the file keeps it for the next start */
  wabiz_drafts_set (drafts, "15550004444", "changed my mind");
  g_clear_object (&drafts);
  g_assert_true (g_file_test (backup, G_FILE_TEST_EXISTS));
  drafts = wabiz_drafts_new (f->db, backup);
  wabiz_drafts_load_async (drafts, "15550004444", NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  text = wabiz_drafts_load_finish (drafts, result, &error);
  g_assert_cmpstr (text, ==, "changed my mind");
  g_clear_object (&result);
  wabiz_drafts_flush_async (drafts, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  g_assert_true (wabiz_drafts_flush_finish (drafts, result, &error));
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = wabiz_db_query_sync (f->db, "SELECT draft FROM conversations WHERE phone = '15550004444'",
                             0, NULL, NULL, &error);
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "draft"), ==, "changed my mind");
}

static void
test_quick_replies (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) found = NULL;
  g_autoptr(WabizQuickReply) first = NULL;

  exec (f, "INSERT INTO quick_replies (shortcut, body) VALUES"
           " ('hours', 'We are open 9–18, Monday to Saturday.'),"
           " ('hello', 'Hello! How can we help?'),"
           " ('price', 'Our price list: https://shop.example/prices'),"
           " ('100%', 'Guaranteed')");

  wabiz_quick_reply_search_async (f->db, "H", 10, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  found = wabiz_quick_reply_search_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 2);
  first = g_list_model_get_item (found, 0);
  g_assert_cmpstr (wabiz_quick_reply_get_shortcut (first), ==, "hello");
  g_clear_object (&result);
  g_clear_object (&found);

  wabiz_quick_reply_search_async (f->db, "1%", 10, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 30);
  found = wabiz_quick_reply_search_finish (result, &error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 0);
}

/* The export holds every message, oldest first, across pages. */
static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  JsonArray *messages;
  gint64 n;

  seed_big (f, 2500);
  wabiz_export_conversation_async (f->db, BIG_PHONE, stream, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  n = wabiz_export_conversation_finish (f->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 2500);
  g_assert_true (g_output_stream_close (stream, NULL, NULL));

  root = json_from_string (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (stream)), &error);
  g_assert_no_error (error);
  object = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (object, "phone"), ==, BIG_PHONE);
  g_assert_cmpint (json_object_get_int_member (object, "total_messages"), ==, 2500);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "lead"), "name"),
                   ==, "Big Talker");
  messages = json_object_get_array_member (object, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 2500);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 0), "message"),
                   ==, "message number 1");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 2499), "message"),
                   ==, "message number 2500");
  g_assert_false (json_object_has_member (json_array_get_object_element (messages, 0), "search"));
  g_clear_object (&result);

  /* an unknown number */
  wabiz_export_conversation_async (f->db, "19999999999", stream, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_cmpint (wabiz_export_conversation_finish (f->db, result, &error), ==, -1);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/wabiz/conversations-model/paging", test_conversations_paging);
  ADD ("/wabiz/conversations-model/search-old", test_search_old);
  ADD ("/wabiz/conversations-model/live", test_live);
  ADD ("/wabiz/conversations-model/listener", test_listener);
  ADD ("/wabiz/conversations-model/refresh-together", test_refresh_together);
  ADD ("/wabiz/conversations-model/notify", test_notify);
  ADD ("/wabiz/messages-model/big", test_messages_big);
  ADD ("/wabiz/conversations-model/export", test_export);
  ADD ("/wabiz/conversations-model/drafts", test_drafts);
  ADD ("/wabiz/conversations-model/quick-replies", test_quick_replies);
#undef ADD

  return g_test_run ();
}
