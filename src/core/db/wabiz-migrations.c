/* wabiz-migrations.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Applies the numbered files of data/sql (compiled into the core as a
 * GResource) that a database has not seen yet, all in one transaction
 * under an advisory lock, so two processes starting together never
 * both migrate, and a failure leaves the database as it was.
 */

#define G_LOG_DOMAIN "wabiz-migrations"

#include "config.h"

#include "wabiz-migrations.h"

#include "wabiz-core-resources.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define SQL_PREFIX "/org/example/WaBiz/sql"
/* any constant; it only has to be the same in every WaBiz process */
#define MIGRATION_LOCK_KEY "7140512201"

typedef struct
{
  guint  version;
  char  *name;
  char  *path;
} Migration;

static void
migration_free (Migration *m)
{
  g_free (m->name);
  g_free (m->path);
  g_free (m);
}

static int
compare_migrations (gconstpointer a,
                    gconstpointer b)
{
  const Migration *ma = *(Migration **) a;
  const Migration *mb = *(Migration **) b;

  return (ma->version > mb->version) - (ma->version < mb->version);
}

static GPtrArray *
list_migrations (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) migration_free);
  g_auto(GStrv) children = NULL;

  g_resources_register (wabiz_core_get_resource ());
  children = g_resources_enumerate_children (SQL_PREFIX, 0, NULL);

  for (guint i = 0; children != NULL && children[i] != NULL; i++)
    {
      const char *child = children[i];
      Migration *m;

      if (!g_ascii_isdigit (child[0]) || !g_str_has_suffix (child, ".sql"))
        continue;

      m = g_new0 (Migration, 1);
      m->version = (guint) g_ascii_strtoull (child, NULL, 10);
      m->name = g_strndup (child, strlen (child) - strlen (".sql"));
      m->path = g_strconcat (SQL_PREFIX "/", child, NULL);
      g_ptr_array_add (list, m);
    }

  g_ptr_array_sort (list, compare_migrations);
  return list;
}

static char *
load_sql (const char *path,
          GError    **error)
{
  g_autoptr(GBytes) bytes = g_resources_lookup_data (path, 0, error);

  if (bytes == NULL)
    return NULL;

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* How many numbered migrations the core carries. */
guint
wabiz_migrations_get_count (void)
{
  g_autoptr(GPtrArray) list = list_migrations ();

  return list->len;
}

guint
wabiz_migrations_get_latest (void)
{
  g_autoptr(GPtrArray) list = list_migrations ();

  if (list->len == 0)
    return 0;

  return ((Migration *) g_ptr_array_index (list, list->len - 1))->version;
}

/* @data: (out) (optional): guint, how many migrations ran */
static gboolean
apply_in_transaction (WabizDbConn *conn,
                      gpointer     data,
                      GError     **error)
{
  guint *n_applied = data;
  g_autoptr(GPtrArray) list = list_migrations ();
  g_autoptr(WabizDbResult) lock = NULL;
  g_autoptr(WabizDbResult) done = NULL;
  g_autoptr(GHashTable) applied = g_hash_table_new (NULL, NULL);
  g_autofree char *preamble = NULL;

  lock = wabiz_db_conn_exec (conn, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ")",
                             0, NULL, error);
  if (lock == NULL)
    return FALSE;

  preamble = load_sql (SQL_PREFIX "/schema-migrations.sql", error);
  if (preamble == NULL || !wabiz_db_conn_exec_script (conn, preamble, error))
    return FALSE;

  done = wabiz_db_conn_exec (conn, "SELECT version FROM schema_migrations", 0, NULL, error);
  if (done == NULL)
    return FALSE;
  for (guint i = 0; i < wabiz_db_result_get_n_rows (done); i++)
    g_hash_table_add (applied, GUINT_TO_POINTER (wabiz_db_result_get_int (done, i, "version")));

  for (guint i = 0; i < list->len; i++)
    {
      Migration *m = g_ptr_array_index (list, i);
      g_autofree char *sql = NULL;
      g_autofree char *version = NULL;
      g_autoptr(WabizDbResult) res = NULL;
      g_autoptr(GError) local_error = NULL;

      if (g_hash_table_contains (applied, GUINT_TO_POINTER (m->version)))
        continue;

      g_debug ("Applying migration %s", m->name);
      sql = load_sql (m->path, error);
      if (sql == NULL)
        return FALSE;

      if (!wabiz_db_conn_exec_script (conn, sql, &local_error))
        {
          g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_QUERY,
                       _("Upgrading the database failed at step %s: %s. Nothing was changed."),
                       m->name, local_error->message);
          return FALSE;
        }

      version = g_strdup_printf ("%u", m->version);
      res = wabiz_db_conn_exec (conn,
                                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                2, (const char *[]) { version, m->name }, error);
      if (res == NULL)
        return FALSE;

      if (n_applied != NULL)
        (*n_applied)++;
    }

  return TRUE;
}

/**
 * wabiz_migrations_apply_on_conn:
 * @n_applied: (out) (optional): how many migrations ran
 *
 * For a job already on a worker thread. Blocks.
 */
gboolean
wabiz_migrations_apply_on_conn (WabizDbConn *conn,
                                guint       *n_applied,
                                GError     **error)
{
  g_return_val_if_fail (conn != NULL, FALSE);

  if (n_applied != NULL)
    *n_applied = 0;

  if (!wabiz_db_conn_transaction (conn, apply_in_transaction, n_applied, error))
    {
      if (n_applied != NULL)
        *n_applied = 0;
      return FALSE;
    }

  return TRUE;
}

static void
apply_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  GError *error = NULL;
  guint n_applied = 0;

  if (!wabiz_migrations_apply_on_conn (conn, &n_applied, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, GUINT_TO_POINTER (n_applied + 1), NULL);
}

void
wabiz_migrations_apply_async (WabizDb             *db,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (db));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_migrations_apply_async);
  wabiz_db_run_in_thread (db, task, apply_job);
}

gboolean
wabiz_migrations_apply_finish (WabizDb       *db,
                               GAsyncResult  *result,
                               guint         *n_applied,
                               GError       **error)
{
  gpointer value;
  GError *local_error = NULL;

  g_return_val_if_fail (WABIZ_IS_DB (db), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, db), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_migrations_apply_async), FALSE);

  value = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (n_applied != NULL)
    *n_applied = GPOINTER_TO_UINT (value) - 1;

  return TRUE;
}

gboolean
wabiz_migrations_apply_sync (WabizDb  *db,
                             guint    *n_applied,
                             GError  **error)
{
  gpointer value = NULL;

  g_return_val_if_fail (WABIZ_IS_DB (db), FALSE);

  if (!wabiz_db_run_sync (db, apply_job, NULL, NULL, &value, error))
    return FALSE;
  if (n_applied != NULL)
    *n_applied = GPOINTER_TO_UINT (value) - 1;

  return TRUE;
}
