/* test-quick-replies.c: the quick replies the owner keeps (checks,
 * placeholders, create, edit, order, delete, the NOTIFY of each change
 * and migration 019), the state of a chat its banners show, and the
 * columns Gemini and the automatic replies write on messages, on a real
 * PostgreSQL
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "wabiz-chat-state.h"
#include "wabiz-db-listener.h"
#include "wabiz-error.h"
#include "wabiz-message.h"
#include "wabiz-messages-model.h"
#include "wabiz-migrations.h"
#include "wabiz-paged-model.h"
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

static char *
sql_text (Fixture    *f,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_sync (f->db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (res);
  if (wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  return g_strdup (wabiz_db_result_get_nth (res, 0, 0));
}

static void
script_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;

  if (wabiz_db_conn_exec_script (conn, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* a script of one or more statements */
static void
exec (Fixture    *f,
      const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wabiz_db_run_sync (f->db, script_job, (gpointer) sql, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
assert_sql (Fixture    *f,
            const char *sql,
            const char *expected)
{
  g_autofree char *value = sql_text (f, sql);

  g_assert_cmpstr (value, ==, expected);
}

/* the shortcuts in the owner's order, joined by "," */
static char *
order (Fixture *f)
{
  return sql_text (f, "SELECT coalesce (string_agg (shortcut, ',' ORDER BY position NULLS LAST, lower(shortcut)),"
                      " '') FROM quick_replies");
}

static void
assert_order (Fixture    *f,
              const char *expected)
{
  g_autofree char *got = order (f);

  g_assert_cmpstr (got, ==, expected);
}

/* what the app lists, in its order, joined by "," */
static char *
listed (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) replies = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  wabiz_quick_reply_list_async (f->db, NULL, wabiz_test_store_result_cb, &result);
  replies = wabiz_quick_reply_list_finish (wabiz_test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (replies); i++)
    {
      g_autoptr(WabizQuickReply) reply = g_list_model_get_item (replies, i);

      g_assert_true (g_uuid_string_is_valid (wabiz_quick_reply_get_id (reply)));
      g_string_append_printf (text, "%s%s", i > 0 ? "," : "", wabiz_quick_reply_get_shortcut (reply));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
save (Fixture     *f,
      const char  *id,
      const char  *shortcut,
      const char  *body,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_quick_reply_save_async (f->db, id, shortcut, body, NULL, wabiz_test_store_result_cb, &result);
  return wabiz_quick_reply_save_finish (wabiz_test_wait_result (&result, 30), error);
}

static gboolean
move (Fixture     *f,
      const char  *id,
      guint        position,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_quick_reply_move_async (f->db, id, position, NULL, wabiz_test_store_result_cb, &result);
  return wabiz_quick_reply_move_finish (wabiz_test_wait_result (&result, 30), error);
}

static gboolean
delete (Fixture     *f,
        const char  *id,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_quick_reply_delete_async (f->db, id, NULL, wabiz_test_store_result_cb, &result);
  return wabiz_quick_reply_delete_finish (wabiz_test_wait_result (&result, 30), error);
}

/* checks, before anything is written */

static void
test_checks (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *word = NULL;
  g_autofree char *long_body = NULL;
  g_autofree char *max_body = NULL;
  char *shortcut;

  word = wabiz_quick_reply_check_shortcut (" /Hours ", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (word, ==, "Hours");
  g_clear_pointer (&word, g_free);
  word = wabiz_quick_reply_check_shortcut ("horário_de-verão2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (word, ==, "horário_de-verão2");

  /* empty, "/" alone, two words, punctuation, too long: said, nothing kept */
  static const char * const bad[] = { "", "  ", "/", "thank you", "hours!", "a/b",
                                      "abcdefghijklmnopqrstuvwxyzabcdefg", NULL };
  for (guint i = 0; bad[i] != NULL; i++)
    {
      shortcut = wabiz_quick_reply_check_shortcut (bad[i], &error);
      g_assert_null (shortcut);
      g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
      g_assert_cmpstr (error->message, !=, "");
      g_clear_error (&error);
    }
  g_assert_null (wabiz_quick_reply_check_shortcut (NULL, &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  /* 32 letters are fine */
  shortcut = wabiz_quick_reply_check_shortcut ("abcdefghijklmnopqrstuvwxyzabcdef", &error);
  g_assert_no_error (error);
  g_free (shortcut);

  g_assert_true (wabiz_quick_reply_check_body ("Hi {name}, {first_name}! We call {phone}.", &error));
  g_assert_no_error (error);
  /* braces that are no placeholder (a space in them, not closed) go out as typed */
  g_assert_true (wabiz_quick_reply_check_body ("Prices { see the list } and {", &error));
  g_assert_no_error (error);

  g_assert_false (wabiz_quick_reply_check_body ("Your order {nome} ships", &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_assert_cmpstr (error->message, ==,
                   "“{nome}” is not a placeholder WaBiz can fill: use {name}, {first_name} or {phone}");
  g_clear_error (&error);
  g_assert_false (wabiz_quick_reply_check_body (" \n\t", &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  long_body = g_strnfill (WABIZ_QUICK_REPLY_MAX_BODY + 1, 'a');
  g_assert_false (wabiz_quick_reply_check_body (long_body, &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  max_body = g_strnfill (WABIZ_QUICK_REPLY_MAX_BODY, 'a');
  g_assert_true (wabiz_quick_reply_check_body (max_body, &error));
  g_assert_no_error (error);
}

static void
assert_filled (const char *body,
               const char *name,
               const char *phone,
               const char *expected)
{
  g_autofree char *filled = wabiz_quick_reply_fill (body, name, phone);

  g_assert_cmpstr (filled, ==, expected);
}

static void
test_fill (void)
{
  assert_filled ("Thank you, {first_name}! Your vase ships today.", "Ana Souza", NULL,
                 "Thank you, Ana! Your vase ships today.");
  assert_filled ("Hi {name}, welcome!", "  Ana Souza ", NULL, "Hi Ana Souza, welcome!");
  assert_filled ("We will call {phone}.", NULL, "5511999990001", "We will call +55 11 99999-0001.");
  /* without a name the placeholder goes, with the space before it */
  assert_filled ("Thank you {first_name}!", NULL, NULL, "Thank you!");
  assert_filled ("Hi {name}, welcome!", "   ", NULL, "Hi, welcome!");
  /* at the start of a line, the space and comma after it go instead */
  assert_filled ("{first_name}, your order is ready.\n{name}, thanks", NULL, NULL,
                 "your order is ready.\nthanks");
  /* no number: {phone} goes too */
  assert_filled ("Call us at {phone}", NULL, NULL, "Call us at");
  /* nothing to fill: as typed */
  assert_filled ("Open 9–18.", "Ana", "5511999990001", "Open 9–18.");
}

/* create, edit, order, delete on the database */

static void
test_save (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hours = NULL;
  g_autofree char *thanks = NULL;
  g_autofree char *welcome = NULL;
  g_autofree char *again = NULL;
  g_autofree char *list = NULL;
  char *id;

  hours = save (f, NULL, "/hours", "We are open 9–18.", &error);
  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (hours));
  thanks = save (f, NULL, "thanks", "Thank you, {first_name}!", &error);
  g_assert_no_error (error);
  welcome = save (f, NULL, "Welcome", "Hi {name}!", &error);
  g_assert_no_error (error);
  /* each new one goes last, as the owner added them; "/" dropped, case kept */
  assert_order (f, "hours,thanks,Welcome");
  list = listed (f);
  g_assert_cmpstr (list, ==, "hours,thanks,Welcome");

  /* the same shortcut in other letters is taken: said, nothing written */
  id = save (f, NULL, "HOURS", "We open at 9.", &error);
  g_assert_null (id);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_assert_cmpstr (error->message, ==,
                   "There is a quick reply /hours already: choose another shortcut, or edit that one");
  g_clear_error (&error);
  assert_sql (f, "SELECT count(*) FROM quick_replies", "3");
  /* and so are bad input and an unknown placeholder, before the database */
  g_assert_null (save (f, NULL, "two words", "text", &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (save (f, NULL, "nome", "Hi {nome}", &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* edited: same id, same place; its own shortcut in other letters is fine */
  again = save (f, thanks, "Thanks", "Thank you, {first_name}! Your vase ships today.", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, thanks);
  assert_order (f, "hours,Thanks,Welcome");
  {
    g_autofree char *body = sql_text (f, "SELECT body FROM quick_replies WHERE shortcut = 'Thanks'");

    g_assert_cmpstr (body, ==, "Thank you, {first_name}! Your vase ships today.");
  }
  /* renamed to another's shortcut: refused */
  g_assert_null (save (f, thanks, "welcome", "x", &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* moved: to the top, down one, past the end goes last */
  g_assert_true (move (f, welcome, 0, &error));
  g_assert_no_error (error);
  assert_order (f, "Welcome,hours,Thanks");
  g_assert_true (move (f, welcome, 1, &error));
  g_assert_no_error (error);
  assert_order (f, "hours,Welcome,Thanks");
  g_assert_true (move (f, hours, 99, &error));
  g_assert_no_error (error);
  assert_order (f, "Welcome,Thanks,hours");
  g_clear_pointer (&list, g_free);
  list = listed (f);
  g_assert_cmpstr (list, ==, "Welcome,Thanks,hours");
  /* the search the composer makes keeps that order */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GListModel) found = NULL;
    g_autoptr(WabizQuickReply) first = NULL;

    exec (f, "INSERT INTO quick_replies (shortcut, body, position) VALUES ('hello', 'Hello!', 0)");
    g_assert_true (move (f, welcome, 0, &error));
    wabiz_quick_reply_search_async (f->db, "h", 10, NULL, wabiz_test_store_result_cb, &result);
    found = wabiz_quick_reply_search_finish (wabiz_test_wait_result (&result, 30), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (found), ==, 2);
    first = g_list_model_get_item (found, 0);
    g_assert_cmpstr (wabiz_quick_reply_get_shortcut (first), ==, "hello");
    assert_order (f, "Welcome,hello,Thanks,hours");
  }

  /* deleted; deleted again (another computer was first): said */
  g_assert_true (delete (f, hours, &error));
  g_assert_no_error (error);
  assert_order (f, "Welcome,hello,Thanks");
  g_assert_false (delete (f, hours, &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* edited or moved after it was deleted: said, nothing written */
  g_assert_null (save (f, hours, "hours", "We are open 9–18.", &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, "This quick reply was deleted meanwhile"));
  g_clear_error (&error);
  g_assert_false (move (f, hours, 0, &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* an id that is none */
  g_assert_null (save (f, "not-an-id", "x", "y", &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (delete (f, "not-an-id", &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_order (f, "Welcome,hello,Thanks");
}

/* rows other tools wrote have no place: they keep the one they are
 * shown at, by shortcut after the placed ones, and a new one goes after
 * them */
static void
test_unplaced (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *placed = NULL;
  g_autofree char *added = NULL;
  g_autofree char *list = NULL;
  g_autofree char *positions = NULL;

  placed = save (f, NULL, "zeta", "placed by the app", &error);
  g_assert_no_error (error);
  exec (f, "INSERT INTO quick_replies (shortcut, body) VALUES ('beta', 'by a script'), ('Alpha', 'by a script')");
  list = listed (f);
  g_assert_cmpstr (list, ==, "zeta,Alpha,beta");

  added = save (f, NULL, "gamma", "added later", &error);
  g_assert_no_error (error);
  g_clear_pointer (&list, g_free);
  list = listed (f);
  g_assert_cmpstr (list, ==, "zeta,Alpha,beta,gamma");
  positions = sql_text (f, "SELECT string_agg (position::text, ',' ORDER BY position) FROM quick_replies");
  g_assert_cmpstr (positions, ==, "0,1,2,3");
}

/* migration 019 on a database whose quick replies were written before
 * it: they get places by shortcut; run again, it changes nothing */
static void
test_migration (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GBytes) script = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *positions = NULL;
  g_autofree char *list = NULL;

  exec (f, "INSERT INTO quick_replies (shortcut, body) VALUES ('price', 'p'), ('hours', 'h'), ('Address', 'a')");
  assert_sql (f, "SELECT count(*) FROM quick_replies WHERE position IS NULL", "3");

  script = g_resources_lookup_data ("/org/example/WaBiz/sql/019-quick-replies.sql", 0, &error);
  g_assert_no_error (error);
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GError) run_error = NULL;
      g_autofree char *sql = g_strndup (g_bytes_get_data (script, NULL), g_bytes_get_size (script));

      /* a script of several statements, as the migrations run it */
      g_assert_true (wabiz_db_run_sync (f->db, script_job, sql, NULL, NULL, &run_error));
      g_assert_no_error (run_error);
      g_clear_pointer (&positions, g_free);
      positions = sql_text (f, "SELECT string_agg (shortcut || '=' || position, ',' ORDER BY position)"
                               " FROM quick_replies");
      /* ordered as the shortcuts sort in the database */
      g_assert_cmpstr (positions, ==, "Address=0,hours=1,price=2");
    }
  list = listed (f);
  g_assert_cmpstr (list, ==, "Address,hours,price");
  assert_sql (f, "SELECT count(*) FROM quick_replies WHERE updated_at IS NULL", "0");
}

/* every change reaches the other desktops as changed::quick_replies */

static void
changed_cb (WabizDbListener *listener,
            const char      *phone,
            const char      *id,
            guint           *count)
{
  (*count)++;
}

static gboolean
listener_connected (gpointer data)
{
  return wabiz_db_listener_get_connected (data);
}

static void
test_notify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  guint count = 0;
  guint before;

  f->listener = wabiz_db_listener_new (f->conninfo, NULL, WABIZ_STORE_CHANNEL);
  g_signal_connect (f->listener, "changed::quick_replies", G_CALLBACK (changed_cb), &count);
  wabiz_db_listener_start (f->listener);
  wabiz_test_wait_until (listener_connected, f->listener, 30);

  id = save (f, NULL, "hours", "We are open 9–18.", &error);
  g_assert_no_error (error);
  WABIZ_TEST_WAIT (count >= 1, 30);

  before = count;
  g_free (save (f, id, "hours", "We are open 9–19.", &error));
  g_assert_no_error (error);
  WABIZ_TEST_WAIT (count > before, 30);

  before = count;
  exec (f, "INSERT INTO quick_replies (shortcut, body) VALUES ('other', 'written by another tool')");
  WABIZ_TEST_WAIT (count > before, 30);

  before = count;
  g_assert_true (move (f, id, 1, &error));
  WABIZ_TEST_WAIT (count > before, 30);

  before = count;
  g_assert_true (delete (f, id, &error));
  g_assert_no_error (error);
  WABIZ_TEST_WAIT (count > before, 30);
}

/* what the chat's banners and the scheduled messages read */

static WabizChatState *
load_state (Fixture     *f,
            const char  *phone,
            GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_chat_state_load_async (f->db, phone, NULL, wabiz_test_store_result_cb, &result);
  return wabiz_chat_state_load_finish (wabiz_test_wait_result (&result, 30), error);
}

static void
test_chat_state (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizChatState) ana = NULL;
  g_autoptr(WabizChatState) bruno = NULL;
  g_autoptr(WabizChatState) carla = NULL;
  g_autoptr(WabizChatState) stranger = NULL;
  g_autoptr(WabizChatState) wrong_zone = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  WabizChatState *none;

  exec (f, "INSERT INTO leads (phone, name, timezone) VALUES ('5511999990001', 'Ana', 'America/Sao_Paulo'),"
           " ('5511999990002', 'Bruno', NULL), ('5511999990003', 'Carla', NULL),"
           " ('5511999990004', 'Dora', 'Mars/Olympus_Mons');"
           "UPDATE leads SET opted_out_at = now() - interval '2 days' WHERE phone = '5511999990002';"
           "INSERT INTO conversations (phone, needs_human, needs_human_reason) VALUES"
           " ('5511999990003', true, 'asked_for_human'), ('5511999990001', false, 'complaint');"
           "UPDATE campaign_settings SET timezone = 'Europe/Lisbon'");

  ana = load_state (f, "+55 11 99999-0001", &error);
  g_assert_no_error (error);
  g_assert_true (ana->has_lead);
  g_assert_false (ana->needs_human);
  /* a reason left from before is not shown once a person took over */
  g_assert_null (ana->needs_human_reason);
  g_assert_null (ana->opted_out_at);
  g_assert_cmpstr (ana->timezone, ==, "America/Sao_Paulo");

  bruno = load_state (f, "5511999990002", &error);
  g_assert_no_error (error);
  g_assert_nonnull (bruno->opted_out_at);
  g_assert_cmpint (g_date_time_difference (now, bruno->opted_out_at), >, 47 * G_TIME_SPAN_HOUR);
  g_assert_cmpint (g_date_time_difference (now, bruno->opted_out_at), <, 49 * G_TIME_SPAN_HOUR);
  /* no timezone of the lead's: the business's */
  g_assert_cmpstr (bruno->timezone, ==, "Europe/Lisbon");
  g_assert_false (bruno->needs_human);

  carla = load_state (f, "5511999990003", &error);
  g_assert_no_error (error);
  g_assert_true (carla->needs_human);
  g_assert_cmpstr (carla->needs_human_reason, ==, "asked_for_human");

  /* a lead's timezone that is none: the business's, as the scheduler reads it */
  wrong_zone = load_state (f, "5511999990004", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wrong_zone->timezone, ==, "Europe/Lisbon");

  /* a number that is no lead and has no conversation */
  stranger = load_state (f, "5511999990009", &error);
  g_assert_no_error (error);
  g_assert_false (stranger->has_lead);
  g_assert_false (stranger->needs_human);
  g_assert_null (stranger->opted_out_at);
  g_assert_cmpstr (stranger->timezone, ==, "Europe/Lisbon");

  /* not a number */
  none = load_state (f, "call me", &error);
  g_assert_null (none);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE);
}

/* the chat reads Gemini's reading and the automatic marks, and follows
 * them when they change */

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

static gboolean
sentiment_is (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (wabiz_message_get_sentiment (args[0]), args[1]) == 0;
}

static void
test_message_columns (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(WabizMessagesModel) model = wabiz_messages_model_new (f->db, "5511999990001");
  g_autoptr(WabizMessage) question = NULL;
  g_autoptr(WabizMessage) greeting = NULL;
  g_autoptr(WabizMessage) later = NULL;
  g_autoptr(WabizMessage) typed = NULL;
  gpointer args[2];

  exec (f, "INSERT INTO leads (phone, name) VALUES ('5511999990001', 'Ana');"
           "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\", message_id,"
           "                      sentiment, intent, automatic) VALUES"
           " ('5511999990001', 'Do you have the blue vase?', 'inbound', 'received', 'text',"
           "  now() - interval '4 minutes', 'wamid.q', 'positive', 'question', NULL),"
           " ('5511999990001', 'Hi! Thanks for writing.', 'outbound', 'sent', 'text',"
           "  now() - interval '3 minutes', 'wamid.g', NULL, NULL, 'greeting'),"
           " ('5511999990001', 'It arrived broken.', 'inbound', 'received', 'text',"
           "  now() - interval '2 minutes', 'wamid.l', NULL, NULL, NULL),"
           " ('5511999990001', 'Yes, one left.', 'outbound', 'sent', 'text',"
           "  now() - interval '1 minute', 'wamid.t', NULL, NULL, NULL)");

  g_assert_cmpint (load_older (model), ==, 4);
  question = g_list_model_get_item (G_LIST_MODEL (model), 0);
  greeting = g_list_model_get_item (G_LIST_MODEL (model), 1);
  later = g_list_model_get_item (G_LIST_MODEL (model), 2);
  typed = g_list_model_get_item (G_LIST_MODEL (model), 3);

  g_assert_cmpstr (wabiz_message_get_sentiment (question), ==, "positive");
  g_assert_cmpstr (wabiz_message_get_intent (question), ==, "question");
  g_assert_null (wabiz_message_get_automatic (question));
  g_assert_cmpstr (wabiz_message_get_automatic (greeting), ==, "greeting");
  g_assert_null (wabiz_message_get_sentiment (greeting));
  /* not read yet, and typed by the owner: nothing */
  g_assert_null (wabiz_message_get_sentiment (later));
  g_assert_null (wabiz_message_get_intent (later));
  g_assert_null (wabiz_message_get_automatic (typed));

  /* Gemini's reading comes after the message: the chat follows */
  f->listener = wabiz_db_listener_new (f->conninfo, NULL, WABIZ_STORE_CHANNEL);
  wabiz_paged_model_set_listener (WABIZ_PAGED_MODEL (model), f->listener);
  wabiz_db_listener_start (f->listener);
  wabiz_test_wait_until (listener_connected, f->listener, 30);
  exec (f, "WITH u AS (UPDATE messages SET sentiment = 'negative', intent = 'complaint', updated_at = now()"
           "  WHERE message_id = 'wamid.l' RETURNING id)"
           " SELECT pg_notify('wabiz', json_build_object('t', 'messages', 'phone', '5511999990001',"
           "   'id', (SELECT id FROM u)::text)::text)");
  args[0] = later;
  args[1] = (gpointer) "negative";
  wabiz_test_wait_until (sentiment_is, args, 30);
  g_assert_cmpstr (wabiz_message_get_intent (later), ==, "complaint");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wabiz/quick-replies/checks", test_checks);
  g_test_add_func ("/wabiz/quick-replies/fill", test_fill);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/wabiz/quick-replies/save", test_save);
  ADD ("/wabiz/quick-replies/unplaced", test_unplaced);
  ADD ("/wabiz/quick-replies/migration", test_migration);
  ADD ("/wabiz/quick-replies/notify", test_notify);
  ADD ("/wabiz/chat-state/load", test_chat_state);
  ADD ("/wabiz/messages/gemini-and-automatic", test_message_columns);
#undef ADD

  return g_test_run ();
}
