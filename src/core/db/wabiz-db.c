/* wabiz-db.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The database layer: a small pool of libpq connections, each used on a
 * worker thread only, behind a GIO-style asynchronous API. The main loop
 * never waits on the database.
 *
 * A connection that the server dropped (restart, idle timeout, a NAT
 * box) is found out on its next use and connected again; a statement
 * that failed because the connection was already gone before it was
 * sent is retried once on the new connection. When the server cannot
 * be reached at all, jobs fail with WABIZ_DB_ERROR_UNAVAILABLE.
 */

#define G_LOG_DOMAIN "wabiz-db"

#include "config.h"

#include "wabiz-db.h"

#include <glib/gi18n-lib.h>
#include <libpq-fe.h>
#include <string.h>

struct _WabizDbResult
{
  gatomicrefcount  ref_count;
  PGresult        *res;   /* (owned) */
};

struct _WabizDbConn
{
  WabizDb *db;           /* (unowned); (owned) for a connection of its own */
  PGconn     *pg;        /* (owned) (nullable) */
  gboolean    in_transaction;
  gboolean    own;       /* outside the pool: never reconnects by itself */
  GHashTable *prepared;  /* (owned): SQL text → name of its statement on pg */
};

struct _WabizDb
{
  GObject      parent_instance;

  char        *conninfo;     /* (owned) */
  char        *password;     /* (owned) (nullable): never logged */
  char        *description;  /* (owned): host and database, no secrets */
  guint        pool_size;
  GThreadPool *pool;         /* (owned) */
  GAsyncQueue *idle;         /* (owned): WabizDbConn* not in use */
  GPtrArray   *conns;        /* (owned): all WabizDbConn */
  gboolean     closed;
};

G_DEFINE_FINAL_TYPE (WabizDb, wabiz_db, G_TYPE_OBJECT)

G_DEFINE_QUARK (wabiz-db-error-quark, wabiz_db_error)

GLogLevelFlags
wabiz_db_error_log_level (const GError *error)
{
  g_return_val_if_fail (error != NULL, G_LOG_LEVEL_WARNING);

  if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
    return G_LOG_LEVEL_DEBUG;
  return G_LOG_LEVEL_WARNING;
}

G_DEFINE_BOXED_TYPE (WabizDbResult, wabiz_db_result, wabiz_db_result_ref, wabiz_db_result_unref)

typedef struct
{
  WabizDbJobFunc func;
} Job;

/* ------------------------------------------------------------------ */
/* results */

static WabizDbResult *
result_new (PGresult *res)
{
  WabizDbResult *result = g_new0 (WabizDbResult, 1);

  g_atomic_ref_count_init (&result->ref_count);
  result->res = res;
  return result;
}

WabizDbResult *
wabiz_db_result_ref (WabizDbResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);

  g_atomic_ref_count_inc (&result->ref_count);
  return result;
}

void
wabiz_db_result_unref (WabizDbResult *result)
{
  g_return_if_fail (result != NULL);

  if (g_atomic_ref_count_dec (&result->ref_count))
    {
      PQclear (result->res);
      g_free (result);
    }
}

guint
wabiz_db_result_get_n_rows (WabizDbResult *result)
{
  g_return_val_if_fail (result != NULL, 0);

  return (guint) PQntuples (result->res);
}

guint
wabiz_db_result_get_n_columns (WabizDbResult *result)
{
  g_return_val_if_fail (result != NULL, 0);

  return (guint) PQnfields (result->res);
}

int
wabiz_db_result_get_column (WabizDbResult *result,
                            const char    *name)
{
  g_return_val_if_fail (result != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);

  return PQfnumber (result->res, name);
}

const char *
wabiz_db_result_get_column_name (WabizDbResult *result,
                                 guint          column)
{
  g_return_val_if_fail (result != NULL, NULL);

  return PQfname (result->res, (int) column);
}

const char *
wabiz_db_result_get_nth (WabizDbResult *result,
                         guint          row,
                         guint          column)
{
  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (row < (guint) PQntuples (result->res), NULL);
  g_return_val_if_fail (column < (guint) PQnfields (result->res), NULL);

  if (PQgetisnull (result->res, (int) row, (int) column))
    return NULL;

  return PQgetvalue (result->res, (int) row, (int) column);
}

const char *
wabiz_db_result_get (WabizDbResult *result,
                     guint          row,
                     const char    *column)
{
  int col;

  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (column != NULL, NULL);

  col = PQfnumber (result->res, column);
  g_return_val_if_fail (col >= 0, NULL);

  return wabiz_db_result_get_nth (result, row, (guint) col);
}

gint64
wabiz_db_result_get_int (WabizDbResult *result,
                         guint          row,
                         const char    *column)
{
  const char *value = wabiz_db_result_get (result, row, column);

  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : 0;
}

gboolean
wabiz_db_result_get_bool (WabizDbResult *result,
                          guint          row,
                          const char    *column)
{
  const char *value = wabiz_db_result_get (result, row, column);

  return value != NULL && value[0] == 't';
}

gint64
wabiz_db_result_get_n_affected (WabizDbResult *result)
{
  const char *tuples;

  g_return_val_if_fail (result != NULL, 0);

  tuples = PQcmdTuples (result->res);
  return tuples != NULL && *tuples != '\0' ? g_ascii_strtoll (tuples, NULL, 10) : 0;
}

/* ------------------------------------------------------------------ */
/* connections */

static char *
first_line (const char *message)
{
  const char *end;

  if (message == NULL || *message == '\0')
    return g_strdup (_("no reason given"));

  end = strchr (message, '\n');
  return end != NULL ? g_strndup (message, end - message) : g_strdup (message);
}

static void
notice_cb (void       *arg,
           const char *message)
{
  g_debug ("server notice: %s", message);
}

static gboolean
conn_connect (WabizDbConn *conn,
              GError     **error)
{
  WabizDb *self = conn->db;
  g_autofree char *reason = NULL;
  PQconninfoOption *options;
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  char *parse_error = NULL;

  g_clear_pointer (&conn->pg, PQfinish);
  conn->in_transaction = FALSE;
  g_hash_table_remove_all (conn->prepared);

  options = PQconninfoParse (self->conninfo, &parse_error);
  if (options == NULL)
    {
      reason = first_line (parse_error);
      PQfreemem (parse_error);
      g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE,
                   _("The database connection setting is not valid (%s). Check it in Preferences."),
                   reason);
      return FALSE;
    }

  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    {
      if (o->val == NULL)
        continue;
      if (self->password != NULL && g_str_equal (o->keyword, "password"))
        continue;
      g_ptr_array_add (keys, o->keyword);
      g_ptr_array_add (values, o->val);
    }
  if (self->password != NULL)
    {
      g_ptr_array_add (keys, (char *) "password");
      g_ptr_array_add (values, self->password);
    }
  if (!g_ptr_array_find_with_equal_func (keys, "application_name", g_str_equal, NULL))
    {
      g_ptr_array_add (keys, (char *) "application_name");
      g_ptr_array_add (values, (char *) "wabiz");
    }
  if (!g_ptr_array_find_with_equal_func (keys, "connect_timeout", g_str_equal, NULL))
    {
      g_ptr_array_add (keys, (char *) "connect_timeout");
      g_ptr_array_add (values, (char *) "10");
    }
  g_ptr_array_add (keys, NULL);
  g_ptr_array_add (values, NULL);

  conn->pg = PQconnectdbParams ((const char *const *) keys->pdata,
                                (const char *const *) values->pdata, 0);
  PQconninfoFree (options);

  if (PQstatus (conn->pg) != CONNECTION_OK)
    {
      reason = first_line (PQerrorMessage (conn->pg));
      g_clear_pointer (&conn->pg, PQfinish);
      g_debug ("Cannot connect to %s", self->description);
      g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE,
                   _("The database cannot be reached (%s). Check that it is running and that the connection setting is right."),
                   reason);
      return FALSE;
    }

  PQsetNoticeProcessor (conn->pg, notice_cb, NULL);

  /* Keep the session predictable whatever the server's defaults. */
  PQclear (PQexec (conn->pg, "SET TIME ZONE 'UTC'"));
  PQclear (PQexec (conn->pg, "SET statement_timeout = '60s'"));

  g_debug ("Connected to %s", self->description);
  return TRUE;
}

static gboolean
conn_ensure (WabizDbConn *conn,
             GError     **error)
{
  if (conn->pg != NULL && PQstatus (conn->pg) == CONNECTION_OK)
    return TRUE;

  /* a connection of its own stays one session: a new one would hold
   * none of what the old one held (a session lock) */
  if (conn->own)
    {
      g_autofree char *reason = first_line (conn->pg != NULL ? PQerrorMessage (conn->pg) : NULL);

      g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE,
                   _("The connection to the database was lost (%s). WaBiz will reconnect; try again in a moment."),
                   reason);
      return FALSE;
    }

  return conn_connect (conn, error);
}

static void
set_error_from_result (WabizDbConn    *conn,
                       PGresult       *res,
                       GError        **error)
{
  const char *sqlstate = res != NULL ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  const char *primary = res != NULL ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  g_autofree char *reason = NULL;

  if (conn->pg == NULL || PQstatus (conn->pg) != CONNECTION_OK ||
      (sqlstate != NULL && g_str_has_prefix (sqlstate, "08")) ||
      (sqlstate != NULL && g_str_equal (sqlstate, "57P01")))
    {
      reason = first_line (primary != NULL ? primary : conn->pg ? PQerrorMessage (conn->pg) : NULL);
      g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE,
                   _("The connection to the database was lost (%s). WaBiz will reconnect; try again in a moment."),
                   reason);
      return;
    }

  reason = first_line (primary != NULL ? primary : PQerrorMessage (conn->pg));

  if (sqlstate != NULL && g_str_has_prefix (sqlstate, "23"))
    g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_CONSTRAINT,
                 "%s (SQLSTATE %s)", reason, sqlstate);
  else if (sqlstate != NULL && g_str_equal (sqlstate, "57014"))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                 _("The database query was cancelled"));
  else
    g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_QUERY,
                 "%s (SQLSTATE %s)", reason, sqlstate ? sqlstate : "?");
}

static gboolean
result_ok (PGresult *res)
{
  ExecStatusType status = PQresultStatus (res);

  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ||
         status == PGRES_COPY_IN || status == PGRES_COPY_OUT;
}

static PGresult *
conn_exec_once (WabizDbConn        *conn,
                const char         *sql,
                int                 n_params,
                const char * const *params,
                gboolean            prepare)
{
  const char *name;

  if (!prepare)
    return PQexecParams (conn->pg, sql, n_params, NULL, n_params > 0 ? params : NULL, NULL, NULL, 0);

  name = g_hash_table_lookup (conn->prepared, sql);
  if (name == NULL)
    {
      g_autofree char *new_name = g_strdup_printf ("wabiz_%u", g_hash_table_size (conn->prepared) + 1);
      PGresult *res = PQprepare (conn->pg, new_name, sql, n_params, NULL);

      if (!result_ok (res))
        return res;
      PQclear (res);
      name = new_name;
      g_hash_table_insert (conn->prepared, g_strdup (sql), g_steal_pointer (&new_name));
    }

  return PQexecPrepared (conn->pg, name, n_params, n_params > 0 ? params : NULL, NULL, NULL, 0);
}

static WabizDbResult *
conn_exec (WabizDbConn        *conn,
           const char         *sql,
           int                 n_params,
           const char * const *params,
           gboolean            prepare,
           GError            **error)
{
  PGresult *res;

  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (sql != NULL, NULL);
  g_return_val_if_fail (n_params == 0 || params != NULL, NULL);

  if (!conn_ensure (conn, error))
    return NULL;

  res = conn_exec_once (conn, sql, n_params, params, prepare);

  /* The server dropped an idle connection: the statement never ran.
   * Outside a transaction it is safe to reconnect and send it again. */
  if (!result_ok (res) && PQstatus (conn->pg) == CONNECTION_BAD && !conn->in_transaction && !conn->own)
    {
      PQclear (res);
      g_debug ("Connection to %s was lost, reconnecting", conn->db->description);
      if (!conn_connect (conn, error))
        return NULL;
      res = conn_exec_once (conn, sql, n_params, params, prepare);
    }

  if (!result_ok (res))
    {
      set_error_from_result (conn, res, error);
      PQclear (res);
      return NULL;
    }

  return result_new (res);
}

WabizDbResult *
wabiz_db_conn_exec (WabizDbConn        *conn,
                    const char         *sql,
                    int                 n_params,
                    const char * const *params,
                    GError            **error)
{
  return conn_exec (conn, sql, n_params, params, FALSE, error);
}

/**
 * wabiz_db_conn_exec_prepared:
 *
 * As wabiz_db_conn_exec(), for a statement a job runs again and again:
 * the first run on each connection prepares it, later ones only bind and
 * execute, and after five runs PostgreSQL keeps a generic plan. For the
 * webhook processor's statements, whose parsing and planning cost a
 * millisecond a batch. Not through a pooler in transaction mode (which
 * WaBiz refuses anyway: see wabiz-conninfo.c).
 */
WabizDbResult *
wabiz_db_conn_exec_prepared (WabizDbConn        *conn,
                             const char         *sql,
                             int                 n_params,
                             const char * const *params,
                             GError            **error)
{
  return conn_exec (conn, sql, n_params, params, TRUE, error);
}

gboolean
wabiz_db_conn_take_turn (WabizDbConn  *conn,
                         const char   *name,
                         GError      **error)
{
  const char *params[] = { name };
  g_autoptr(WabizDbResult) res = NULL;

  res = wabiz_db_conn_exec_prepared (conn, "SELECT pg_advisory_xact_lock (hashtextextended ($1, 0))", 1,
                                     params, error);
  return res != NULL;
}

gboolean
wabiz_db_conn_exec_script (WabizDbConn *conn,
                           const char  *sql,
                           GError     **error)
{
  PGresult *res;
  gboolean ok;

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);

  if (!conn_ensure (conn, error))
    return FALSE;

  res = PQexec (conn->pg, sql);
  ok = result_ok (res);
  if (!ok)
    set_error_from_result (conn, res, error);
  PQclear (res);

  return ok;
}

gboolean
wabiz_db_conn_begin (WabizDbConn *conn,
                     GError     **error)
{
  g_autoptr(WabizDbResult) res = NULL;

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (!conn->in_transaction, FALSE);

  res = wabiz_db_conn_exec (conn, "BEGIN", 0, NULL, error);
  conn->in_transaction = res != NULL;
  return res != NULL;
}

gboolean
wabiz_db_conn_commit (WabizDbConn *conn,
                      GError     **error)
{
  g_autoptr(WabizDbResult) res = NULL;

  g_return_val_if_fail (conn != NULL, FALSE);

  res = wabiz_db_conn_exec (conn, "COMMIT", 0, NULL, error);
  conn->in_transaction = FALSE;
  return res != NULL;
}

void
wabiz_db_conn_rollback (WabizDbConn *conn)
{
  g_return_if_fail (conn != NULL);

  if (conn->pg != NULL && PQstatus (conn->pg) == CONNECTION_OK)
    PQclear (PQexec (conn->pg, "ROLLBACK"));
  conn->in_transaction = FALSE;
}

/**
 * wabiz_db_conn_transaction:
 *
 * Runs @func in a transaction: everything it does is committed at once,
 * or, when it fails, nothing is. Returns %FALSE with the error of the
 * statement (or of the COMMIT) that failed.
 */
gboolean
wabiz_db_conn_transaction (WabizDbConn            *conn,
                           WabizDbTransactionFunc  func,
                           gpointer                data,
                           GError                **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!wabiz_db_conn_begin (conn, error))
    return FALSE;

  if (!func (conn, data, &local_error))
    {
      wabiz_db_conn_rollback (conn);
      if (local_error == NULL)
        {
          g_critical ("A transaction failed without saying why");
          g_set_error_literal (&local_error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_QUERY,
                               "The transaction failed");
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* a failed COMMIT has already ended the transaction */
  return wabiz_db_conn_commit (conn, error);
}

gpointer
wabiz_db_conn_get_pgconn (WabizDbConn *conn)
{
  g_return_val_if_fail (conn != NULL, NULL);

  if (!conn_ensure (conn, NULL))
    return NULL;

  return conn->pg;
}

static void
conn_free (WabizDbConn *conn)
{
  g_clear_pointer (&conn->pg, PQfinish);
  g_clear_pointer (&conn->prepared, g_hash_table_unref);
  g_free (conn);
}

/**
 * wabiz_db_open_connection:
 *
 * A connection of its own, outside the pool, for what belongs to one
 * session (a session advisory lock): it never reconnects by itself, so
 * once the server drops it every call on it fails with
 * %WABIZ_DB_ERROR_UNAVAILABLE and its owner knows the session is gone.
 * Blocks: worker threads only. Close it with wabiz_db_conn_close().
 */
WabizDbConn *
wabiz_db_open_connection (WabizDb  *self,
                          GError  **error)
{
  WabizDbConn *conn;

  g_return_val_if_fail (WABIZ_IS_DB (self), NULL);

  conn = g_new0 (WabizDbConn, 1);
  conn->db = g_object_ref (self);
  conn->prepared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!conn_connect (conn, error))
    {
      wabiz_db_conn_close (conn);
      return NULL;
    }
  conn->own = TRUE;
  return conn;
}

/* Closes a connection of wabiz_db_open_connection() */
void
wabiz_db_conn_close (WabizDbConn *conn)
{
  WabizDb *db;

  g_return_if_fail (conn != NULL);

  db = conn->db;
  conn_free (conn);
  g_object_unref (db);
}

/* ------------------------------------------------------------------ */
/* worker threads */

typedef struct
{
  PGcancel *cancel;   /* (owned) */
} CancelData;

static void
cancelled_cb (GCancellable *cancellable,
              CancelData   *data)
{
  char errbuf[256];

  if (data->cancel != NULL)
    PQcancel (data->cancel, errbuf, sizeof errbuf);
}

static void
worker_func (gpointer data,
             gpointer user_data)
{
  WabizDb *self = user_data;
  g_autoptr(GTask) task = data;
  Job *job = g_object_get_data (G_OBJECT (task), "wabiz-db-job");
  GCancellable *cancellable = g_task_get_cancellable (task);
  CancelData cancel_data = { NULL };
  gulong handler = 0;
  WabizDbConn *conn;

  if (g_task_return_error_if_cancelled (task))
    return;

  conn = g_async_queue_pop (self->idle);

  /* connect now (a failure shows again in the job's own call) so that a
   * cancel has a backend to reach */
  if (cancellable != NULL)
    conn_ensure (conn, NULL);

  if (conn->pg != NULL && PQstatus (conn->pg) == CONNECTION_OK && cancellable != NULL)
    {
      cancel_data.cancel = PQgetCancel (conn->pg);
      handler = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), &cancel_data, NULL);
    }

  job->func (self, conn, task, g_task_get_task_data (task), cancellable);

  g_cancellable_disconnect (cancellable, handler);
  g_clear_pointer (&cancel_data.cancel, PQfreeCancel);

  if (conn->in_transaction)
    {
      g_warning ("A database job left a transaction open; rolling it back");
      wabiz_db_conn_rollback (conn);
    }

  g_async_queue_push (self->idle, conn);
}

/* ------------------------------------------------------------------ */

static char *
describe_conninfo (const char *conninfo)
{
  PQconninfoOption *options = PQconninfoParse (conninfo, NULL);
  const char *host = NULL;
  const char *port = NULL;
  const char *dbname = NULL;
  char *description;

  if (options == NULL)
    return g_strdup ("(invalid connection setting)");

  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    {
      if (g_str_equal (o->keyword, "host"))
        host = o->val;
      else if (g_str_equal (o->keyword, "port"))
        port = o->val;
      else if (g_str_equal (o->keyword, "dbname"))
        dbname = o->val;
    }

  description = g_strdup_printf ("database %s on %s%s%s",
                                 dbname ? dbname : "(default)",
                                 host ? host : "(default host)",
                                 port ? ":" : "", port ? port : "");
  PQconninfoFree (options);
  return description;
}

static void
wabiz_db_finalize (GObject *object)
{
  WabizDb *self = (WabizDb *) object;

  wabiz_db_close (self);

  g_clear_pointer (&self->conninfo, g_free);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_clear_pointer (&self->password, g_free);
  g_clear_pointer (&self->description, g_free);

  G_OBJECT_CLASS (wabiz_db_parent_class)->finalize (object);
}

static void
wabiz_db_class_init (WabizDbClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wabiz_db_finalize;
}

static void
wabiz_db_init (WabizDb *self)
{
}

/**
 * wabiz_db_new:
 * @conninfo: a libpq connection string (key=value or URI), better without
 *   a password
 * @password: (nullable): the password, kept apart so it is never logged
 * @pool_size: how many connections at most, 0 for the default (4)
 *
 * Connections are opened lazily, on first use, on worker threads.
 */
WabizDb *
wabiz_db_new (const char *conninfo,
              const char *password,
              guint       pool_size)
{
  WabizDb *self;

  g_return_val_if_fail (conninfo != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_DB, NULL);
  self->conninfo = g_strdup (conninfo);
  self->password = g_strdup (password);
  self->description = describe_conninfo (conninfo);
  self->pool_size = pool_size > 0 ? pool_size : 4;
  self->idle = g_async_queue_new ();
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);

  for (guint i = 0; i < self->pool_size; i++)
    {
      WabizDbConn *conn = g_new0 (WabizDbConn, 1);

      conn->db = self;
      conn->prepared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_ptr_array_add (self->conns, conn);
      g_async_queue_push (self->idle, conn);
    }

  /* Not exclusive: threads come and go, but never more than pool_size
   * jobs run at once, so a job never waits for a connection. */
  self->pool = g_thread_pool_new (worker_func, self, (int) self->pool_size, FALSE, NULL);

  return self;
}

/* how many connections the pool lends at most */
guint
wabiz_db_get_pool_size (WabizDb *self)
{
  g_return_val_if_fail (WABIZ_IS_DB (self), 0);

  return self->pool_size;
}

const char *
wabiz_db_get_description (WabizDb *self)
{
  g_return_val_if_fail (WABIZ_IS_DB (self), NULL);

  return self->description;
}

char *
wabiz_db_dup_conninfo (WabizDb *self)
{
  g_return_val_if_fail (WABIZ_IS_DB (self), NULL);

  return g_strdup (self->conninfo);
}

/**
 * wabiz_db_run_in_thread:
 * @self: a #WabizDb
 * @task: (transfer none): the task to complete
 * @func: the job, run on a worker thread with a connection
 *
 * The GIO-style building block: the caller creates @task (source
 * object, callback, task data), and @func returns its result.
 */
void
wabiz_db_run_in_thread (WabizDb        *self,
                        GTask          *task,
                        WabizDbJobFunc  func)
{
  Job *job;

  g_return_if_fail (WABIZ_IS_DB (self));
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  /* Closed by its owner (a window going away, the app quitting): work
   * still arriving is moot, like a cancelled call, and callers drop
   * cancelled results silently. */
  if (self->closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The database was closed"));
      return;
    }

  job = g_new0 (Job, 1);
  job->func = func;
  g_object_set_data_full (G_OBJECT (task), "wabiz-db-job", job, g_free);
  /* keep the database alive while the job runs */
  g_object_set_data_full (G_OBJECT (task), "wabiz-db", g_object_ref (self), g_object_unref);

  g_thread_pool_push (self->pool, g_object_ref (task), NULL);
}

typedef struct
{
  GMutex    mutex;
  GCond     cond;
  gboolean  done;
} SyncData;

static void
sync_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  /* never called: sync tasks have no callback */
}

/**
 * wabiz_db_run_sync:
 *
 * Runs @func on a pool connection and blocks until it is done. For
 * wabizd's start-up and tests; never call it from the UI's main loop.
 * The job must return a pointer (g_task_return_pointer) or a boolean.
 */
gboolean
wabiz_db_run_sync (WabizDb        *self,
                   WabizDbJobFunc  func,
                   gpointer        data,
                   GCancellable   *cancellable,
                   gpointer       *result,
                   GError        **error)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  GError *local_error = NULL;
  gpointer value;

  g_return_val_if_fail (WABIZ_IS_DB (self), FALSE);

  g_main_context_push_thread_default (context);
  task = g_task_new (self, cancellable, sync_done_cb, NULL);
  g_task_set_task_data (task, data, NULL);
  wabiz_db_run_in_thread (self, task, func);

  while (!g_task_get_completed (task))
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  value = g_task_propagate_pointer (task, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (result != NULL)
    *result = value;

  return TRUE;
}

typedef struct
{
  char   *sql;
  int     n_params;
  char  **params;
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_free (data->sql);
  for (int i = 0; i < data->n_params; i++)
    g_free (data->params[i]);
  g_free (data->params);
  g_free (data);
}

static void
query_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  QueryData *data = task_data;
  GError *error = NULL;
  WabizDbResult *result;

  result = wabiz_db_conn_exec (conn, data->sql, data->n_params,
                               (const char * const *) data->params, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) wabiz_db_result_unref);
}

static QueryData *
query_data_new (const char         *sql,
                int                 n_params,
                const char * const *params)
{
  QueryData *data = g_new0 (QueryData, 1);

  data->sql = g_strdup (sql);
  data->n_params = n_params;
  data->params = g_new0 (char *, MAX (n_params, 1));
  for (int i = 0; i < n_params; i++)
    data->params[i] = g_strdup (params[i]);

  return data;
}

/**
 * wabiz_db_query_async:
 * @sql: one statement with `$1`… placeholders
 * @params: (array length=n_params) (nullable): text values, NULL for SQL NULL
 *
 * Parameterised queries only: values are never spliced into @sql.
 */
void
wabiz_db_query_async (WabizDb             *self,
                      const char          *sql,
                      int                  n_params,
                      const char * const  *params,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (self));
  g_return_if_fail (sql != NULL);
  g_return_if_fail (n_params >= 0);
  g_return_if_fail (n_params == 0 || params != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_db_query_async);
  g_task_set_task_data (task, query_data_new (sql, n_params, params),
                        (GDestroyNotify) query_data_free);
  wabiz_db_run_in_thread (self, task, query_job);
}

WabizDbResult *
wabiz_db_query_finish (WabizDb       *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_DB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_db_query_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_db_run_job (WabizDb             *self,
                  gpointer             source_tag,
                  WabizDbJobFunc       func,
                  gpointer             data,
                  GDestroyNotify       data_free,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (self));
  g_return_if_fail (func != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, data_free);
  wabiz_db_run_in_thread (self, task, func);
}

/* A query that answers a task of its caller. */
typedef struct
{
  GTask             *task;   /* (owned) */
  WabizDbReturnFunc  func;
} QueryForTask;

static void
query_for_task_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autofree QueryForTask *query = user_data;
  g_autoptr(GTask) task = query->task;
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else
    query->func (task, res);
}

void
wabiz_db_query_for_task (WabizDb             *self,
                         const char          *sql,
                         int                  n_params,
                         const char * const  *params,
                         GTask               *task,
                         WabizDbReturnFunc    func)
{
  QueryForTask *query;

  g_return_if_fail (WABIZ_IS_DB (self));
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  query = g_new0 (QueryForTask, 1);
  query->task = task;
  query->func = func;
  wabiz_db_query_async (self, sql, n_params, params, g_task_get_cancellable (task),
                        query_for_task_cb, query);
}

WabizDbResult *
wabiz_db_query_sync (WabizDb             *self,
                     const char          *sql,
                     int                  n_params,
                     const char * const  *params,
                     GCancellable        *cancellable,
                     GError             **error)
{
  QueryData *data;
  gpointer result = NULL;
  gboolean ok;

  g_return_val_if_fail (WABIZ_IS_DB (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  data = query_data_new (sql, n_params, params);
  ok = wabiz_db_run_sync (self, query_job, data, cancellable, &result, error);
  query_data_free (data);

  return ok ? result : NULL;
}

/**
 * wabiz_db_close:
 *
 * Waits for running jobs, then closes every connection. Jobs queued
 * afterwards fail with %WABIZ_DB_ERROR_UNAVAILABLE.
 */
void
wabiz_db_close (WabizDb *self)
{
  g_return_if_fail (WABIZ_IS_DB (self));

  if (self->closed)
    return;
  self->closed = TRUE;

  if (self->pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);
  g_clear_pointer (&self->idle, g_async_queue_unref);
  g_clear_pointer (&self->conns, g_ptr_array_unref);
}

char *
wabiz_db_text_array (const char * const *values,
                     guint               n)
{
  GString *out;

  g_return_val_if_fail (values != NULL || n == 0, NULL);

  out = g_string_new ("{");
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '"');
      for (const char *p = values[i]; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}
