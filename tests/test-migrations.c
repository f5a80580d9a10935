/* test-migrations.c: the schema, on empty and on old-service databases
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "wabiz-db.h"
#include "wabiz-lead.h"
#include "wabiz-migrations.h"
#include "wabiz-test-pg.h"

/* Everything that makes up the schema, as one comparable text. */
static const char *fingerprint_sql =
  "SELECT "
  " (SELECT string_agg(format('%s.%s %s %s null=%s', table_name, column_name, data_type,"
  "        coalesce(column_default, '-'), is_nullable), E'\\n' ORDER BY table_name, column_name)"
  "    FROM information_schema.columns WHERE table_schema = 'public') || E'\\n' ||"
  " (SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes"
  "    WHERE schemaname = 'public') || E'\\n' ||"
  " (SELECT string_agg(format('%s %s', conname, pg_get_constraintdef(c.oid)), E'\\n' ORDER BY conname)"
  "    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
  "    WHERE n.nspname = 'public') || E'\\n' ||"
  " (SELECT string_agg(format('%s rls=%s', relname, relrowsecurity), E'\\n' ORDER BY relname)"
  "    FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r') || E'\\n' ||"
  " (SELECT string_agg(format('%s.%s', table_name, version), ',' ORDER BY version)"
  "    FROM (SELECT 'm' AS table_name, version FROM schema_migrations) v)"
  " AS fp";

static WabizDbResult *
run (WabizDb    *db,
     const char *sql)
{
  g_autoptr(GError) error = NULL;
  WabizDbResult *res = wabiz_db_query_sync (db, sql, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  return res;
}

static char *
fingerprint (WabizDb *db)
{
  g_autoptr(WabizDbResult) res = run (db, fingerprint_sql);

  return g_strdup (wabiz_db_result_get (res, 0, "fp"));
}

static guint
apply (WabizDb *db)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n = G_MAXUINT;

  wabiz_migrations_apply_async (db, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_true (wabiz_migrations_apply_finish (db, result, &n, &error));
  g_assert_no_error (error);
  return n;
}

static void
test_empty (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 2);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(WabizDbResult) res = NULL;

  g_assert_cmpuint (wabiz_migrations_get_count (), >=, 2);
  g_assert_cmpuint (apply (db), ==, wabiz_migrations_get_count ());
  before = fingerprint (db);

  /* again: nothing to do, nothing changes */
  g_assert_cmpuint (apply (db), ==, 0);
  after = fingerprint (db);
  g_assert_cmpstr (before, ==, after);

  /* the service's columns are all there under their names */
  res = run (db, "SELECT phone, message, sender, direction, status, message_id, media_url,"
                 " media_type, caption, \"timestamp\" FROM messages LIMIT 0");
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = run (db, "SELECT id, phone, name, email, status, first_contact, created_at, timezone,"
                 " notes, tags, custom_fields, last_contact, last_inbound_at, unread_count FROM leads LIMIT 0");
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = run (db, "SELECT to_regclass('templates') IS NOT NULL AND to_regclass('outbox') IS NOT NULL"
                 " AND to_regclass('webhook_events') IS NOT NULL AS ok");
  g_assert_true (wabiz_db_result_get_bool (res, 0, "ok"));
}

static void
test_status_check (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  apply (db);
  res = run (db, "INSERT INTO leads (phone, name) VALUES ('15550001111', 'A') RETURNING status");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, "NEW");
  g_clear_pointer (&res, wabiz_db_result_unref);

  res = wabiz_db_query_sync (db, "UPDATE leads SET status = 'MAYBE'", 0, NULL, NULL, &error);
  g_assert_null (res);
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_CONSTRAINT);
}

/* The service's SUPABASE_COMPLETE_SETUP.sql, as its README shows it. */
static const char *legacy_schema =
  "CREATE TABLE leads (id UUID PRIMARY KEY DEFAULT gen_random_uuid(),"
  " phone VARCHAR(15) UNIQUE NOT NULL, name VARCHAR(255), email VARCHAR(255),"
  " status VARCHAR(20), first_contact TIMESTAMP, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
  "CREATE TABLE conversations (id UUID PRIMARY KEY DEFAULT gen_random_uuid(),"
  " phone VARCHAR(15) UNIQUE NOT NULL, lead_id UUID REFERENCES leads(id), total_messages INT DEFAULT 1,"
  " last_message TEXT, last_message_time TIMESTAMP, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
  "CREATE TABLE messages (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), phone VARCHAR(15) NOT NULL,"
  " message TEXT, sender VARCHAR(50), direction VARCHAR(10), status VARCHAR(20),"
  " message_id VARCHAR(100) UNIQUE, media_url TEXT, media_type VARCHAR(20), caption TEXT,"
  " timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP);";

static const char *legacy_rows =
  "INSERT INTO leads (id, phone, name, email, status, first_contact, created_at) VALUES"
  " ('11111111-1111-1111-1111-111111111111', '16315551234', 'Maria Lopez', 'maria@example.com',"
  "  'interested', '2024-02-20 10:30:00', '2024-02-20 10:30:00'),"
  " ('22222222-2222-2222-2222-222222222222', '5511987654321', 'João Pereira', NULL, NULL, NULL,"
  "  '2024-02-21 08:00:00'),"
  " ('33333333-3333-3333-3333-333333333333', '447700900123', 'Priya', NULL, 'vip', NULL,"
  "  '2024-02-22 08:00:00');"
  "INSERT INTO conversations (phone, lead_id, total_messages, last_message, last_message_time) VALUES"
  " ('16315551234', '11111111-1111-1111-1111-111111111111', 2, 'Thanks for your order!',"
  "  '2024-02-20 10:31:00');"
  "INSERT INTO messages (phone, message, sender, direction, status, message_id, media_url, media_type,"
  " caption, timestamp) VALUES"
  " ('16315551234', 'Hi, is my order ready?', 'Maria Lopez', 'inbound', 'received', 'wamid.IN1',"
  "  NULL, NULL, NULL, '2024-02-20 10:30:00'),"
  " ('16315551234', 'Thanks for your order!', 'Agent', 'outbound', 'delivered', 'wamid.OUT1',"
  "  NULL, NULL, NULL, '2024-02-20 10:31:00'),"
  " ('16315551234', NULL, 'Agent', 'outbound', 'sent', 'wamid.OUT2', 'https://example.com/a.jpg',"
  "  'image', 'Check out this image!', '2024-02-20 10:32:00');";

static void
test_legacy (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;

  g_clear_pointer (&res, wabiz_db_result_unref);
  res = run (db, "SELECT 1");
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* PQexecParams runs one statement: feed the script statement by statement */
  {
    g_auto(GStrv) stmts = g_strsplit (legacy_schema, ";", -1);
    for (guint i = 0; stmts[i] != NULL; i++)
      if (*g_strstrip (stmts[i]) != '\0')
        {
          g_autoptr(WabizDbResult) r = run (db, stmts[i]);
        }
  }
  {
    g_auto(GStrv) stmts = g_strsplit (legacy_rows, ";", -1);
    for (guint i = 0; stmts[i] != NULL; i++)
      if (*g_strstrip (stmts[i]) != '\0')
        {
          g_autoptr(WabizDbResult) r = run (db, stmts[i]);
        }
  }

  g_assert_cmpuint (apply (db), ==, wabiz_migrations_get_count ());

  res = run (db, "SELECT count(*) AS n FROM leads");
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, 3);
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = run (db, "SELECT count(*) AS n FROM messages");
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, 3);
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = run (db, "SELECT count(*) AS n FROM conversations");
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, 1);
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* every value readable, times the same instant (the service wrote UTC) */
  res = run (db, "SELECT message, sender, direction, status, media_url, media_type, caption,"
                 " to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS ts,"
                 " type FROM messages ORDER BY \"timestamp\"");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "message"), ==, "Hi, is my order ready?");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "ts"), ==, "2024-02-20T10:30:00Z");
  g_assert_cmpstr (wabiz_db_result_get (res, 1, "sender"), ==, "Agent");
  g_assert_cmpstr (wabiz_db_result_get (res, 1, "status"), ==, "delivered");
  g_assert_cmpstr (wabiz_db_result_get (res, 2, "media_url"), ==, "https://example.com/a.jpg");
  g_assert_cmpstr (wabiz_db_result_get (res, 2, "caption"), ==, "Check out this image!");
  g_clear_pointer (&res, wabiz_db_result_unref);

  res = run (db, "SELECT phone, name, email, status,"
                 " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS created"
                 " FROM leads ORDER BY created_at");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "name"), ==, "Maria Lopez");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "status"), ==, "INTERESTED");
  g_assert_cmpstr (wabiz_db_result_get (res, 0, "created"), ==, "2024-02-20 10:30");
  g_assert_cmpstr (wabiz_db_result_get (res, 1, "name"), ==, "João Pereira");
  g_assert_cmpstr (wabiz_db_result_get (res, 1, "status"), ==, "NEW");
  /* an odd status the service wrote is kept as it was */
  g_assert_cmpstr (wabiz_db_result_get (res, 2, "status"), ==, "vip");
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* the full-text search covers the old rows too */
  res = run (db, "SELECT count(*) AS n FROM messages WHERE search @@ plainto_tsquery('simple', 'order')");
  g_assert_cmpint (wabiz_db_result_get_int (res, 0, "n"), ==, 2);
  g_clear_pointer (&res, wabiz_db_result_unref);

  /* and a second run changes nothing */
  g_assert_cmpuint (apply (db), ==, 0);
}

/* The tag filter lists the tags some lead carries, from the catalogue the
 * leads' triggers keep, which the migration fills from existing leads. */
static char *
lead_tags (WabizDb *db)
{
  g_autoptr(WabizDbResult) res = run (db, "SELECT coalesce(string_agg(tag, ',' ORDER BY tag), '') AS t"
                                          " FROM (" WABIZ_LEAD_TAGS_SQL ") s");

  return g_strdup (wabiz_db_result_get (res, 0, "t"));
}

static void
test_lead_tags (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *counts = NULL;

  apply (db);
  res = run (db, "INSERT INTO leads (phone, name, tags) VALUES"
                 " ('15550000001', 'A', '{vip,lisbon}'), ('15550000002', 'B', '{vip,vip}'),"
                 " ('15550000003', 'C', '{}')");
  g_clear_pointer (&res, wabiz_db_result_unref);
  counts = lead_tags (db);
  g_assert_cmpstr (counts, ==, "lisbon,vip");

  res = run (db, "UPDATE leads SET tags = '{lisbon,wholesale}' WHERE phone = '15550000002'");
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = run (db, "UPDATE leads SET name = 'Cecília' WHERE phone = '15550000003'");
  g_clear_pointer (&res, wabiz_db_result_unref);
  g_free (counts);
  counts = lead_tags (db);
  g_assert_cmpstr (counts, ==, "lisbon,vip,wholesale");

  res = run (db, "DELETE FROM leads WHERE phone = '15550000001'");
  g_clear_pointer (&res, wabiz_db_result_unref);
  g_free (counts);
  counts = lead_tags (db);
  g_assert_cmpstr (counts, ==, "lisbon,wholesale");

  /* a database whose leads were tagged before the catalogue existed */
  res = run (db, "DELETE FROM lead_tags");
  g_clear_pointer (&res, wabiz_db_result_unref);
  res = run (db, "DELETE FROM schema_migrations WHERE name LIKE '008-%'");
  g_clear_pointer (&res, wabiz_db_result_unref);
  g_assert_cmpuint (apply (db), ==, 1);
  g_free (counts);
  counts = lead_tags (db);
  g_assert_cmpstr (counts, ==, "lisbon,wholesale");
}

static void
test_rls (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) db = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDbResult) res = NULL;

  apply (db);
  res = run (db, "SELECT relname, relrowsecurity FROM pg_class"
                 " WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY relname");
  g_assert_cmpuint (wabiz_db_result_get_n_rows (res), >=, 8);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      g_test_message ("%s: rls=%s", wabiz_db_result_get (res, i, "relname"),
                      wabiz_db_result_get (res, i, "relrowsecurity"));
      g_assert_true (wabiz_db_result_get_bool (res, i, "relrowsecurity"));
    }
}

static char *
load_setup_script (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("WABIZ_BUILD_DIR"), "src", "core",
                                            "supabase-setup.sql", NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

typedef struct
{
  const char *script;
} ScriptData;

static void
script_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  ScriptData *data = task_data;
  GError *error = NULL;

  if (!wabiz_db_conn_exec_script (conn, data->script, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, NULL, NULL);
}

static void
test_supabase_setup (void)
{
  g_autofree char *conninfo_a = wabiz_test_pg_new_database ();
  g_autofree char *conninfo_b = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) a = wabiz_db_new (conninfo_a, NULL, 1);
  g_autoptr(WabizDb) b = wabiz_db_new (conninfo_b, NULL, 1);
  g_autofree char *script = load_setup_script ();
  g_autofree char *fp_a = NULL;
  g_autofree char *fp_b = NULL;
  g_autofree char *fp_b2 = NULL;
  g_autoptr(GError) error = NULL;
  ScriptData data = { script };

  g_assert_nonnull (strstr (script, "enable row level security"));

  apply (a);
  fp_a = fingerprint (a);

  /* as pasted into the SQL editor: one run, then a second one */
  g_assert_true (wabiz_db_run_sync (b, script_job, &data, NULL, NULL, &error));
  g_assert_no_error (error);
  fp_b = fingerprint (b);
  g_assert_cmpstr (fp_a, ==, fp_b);

  g_assert_true (wabiz_db_run_sync (b, script_job, &data, NULL, NULL, &error));
  g_assert_no_error (error);
  fp_b2 = fingerprint (b);
  g_assert_cmpstr (fp_b, ==, fp_b2);

  /* the app then finds nothing left to do */
  g_assert_cmpuint (apply (b), ==, 0);
}

static void
test_concurrent (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autoptr(WabizDb) a = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(WabizDb) b = wabiz_db_new (conninfo, NULL, 1);
  g_autoptr(GAsyncResult) ra = NULL;
  g_autoptr(GAsyncResult) rb = NULL;
  g_autoptr(GError) error = NULL;
  guint na = 0, nb = 0;

  /* two processes starting at once: one migrates, the other waits and finds it done */
  wabiz_migrations_apply_async (a, NULL, wabiz_test_store_result_cb, &ra);
  wabiz_migrations_apply_async (b, NULL, wabiz_test_store_result_cb, &rb);
  wabiz_test_wait_result (&ra, 60);
  wabiz_test_wait_result (&rb, 60);
  g_assert_true (wabiz_migrations_apply_finish (a, ra, &na, &error));
  g_assert_no_error (error);
  g_assert_true (wabiz_migrations_apply_finish (b, rb, &nb, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (na + nb, ==, wabiz_migrations_get_count ());
}

static void
test_db_down (void)
{
  g_autoptr(WabizDb) db = wabiz_db_new ("host=/nonexistent-wabiz dbname=x", NULL, 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 7;

  wabiz_migrations_apply_async (db, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, 60);
  g_assert_false (wabiz_migrations_apply_finish (db, result, &n, &error));
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/migrations/empty", test_empty);
  g_test_add_func ("/migrations/status-check", test_status_check);
  g_test_add_func ("/migrations/legacy-service-database", test_legacy);
  g_test_add_func ("/migrations/rls", test_rls);
  g_test_add_func ("/migrations/lead-tags", test_lead_tags);
  g_test_add_func ("/migrations/supabase-setup", test_supabase_setup);
  g_test_add_func ("/migrations/concurrent", test_concurrent);
  g_test_add_func ("/migrations/database-down", test_db_down);

  return g_test_run ();
}
