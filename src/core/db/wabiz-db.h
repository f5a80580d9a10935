/* wabiz-db.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * WabizDbError:
 * @WABIZ_DB_ERROR_UNAVAILABLE: the server cannot be reached (down, wrong
 *   address, refused the login); worth trying again later
 * @WABIZ_DB_ERROR_QUERY: the server ran the statement and refused it
 * @WABIZ_DB_ERROR_CONSTRAINT: a unique, check or foreign key constraint failed
 * @WABIZ_DB_ERROR_CANCELLED: not used; cancellation is %G_IO_ERROR_CANCELLED
 */
typedef enum
{
  WABIZ_DB_ERROR_UNAVAILABLE,
  WABIZ_DB_ERROR_QUERY,
  WABIZ_DB_ERROR_CONSTRAINT,
} WabizDbError;

#define WABIZ_DB_ERROR (wabiz_db_error_quark ())
GQuark wabiz_db_error_quark (void);

/* How loud a failed read of a list is: %G_LOG_LEVEL_DEBUG when the
 * database is down or closed (transient: a reload follows the
 * reconnect), else %G_LOG_LEVEL_WARNING. */
GLogLevelFlags wabiz_db_error_log_level (const GError *error);

/* A result of one statement: rows of text values (libpq text format). */
typedef struct _WabizDbResult WabizDbResult;

#define WABIZ_TYPE_DB_RESULT (wabiz_db_result_get_type ())
GType          wabiz_db_result_get_type       (void) G_GNUC_CONST;
WabizDbResult *wabiz_db_result_ref            (WabizDbResult *result);
void           wabiz_db_result_unref          (WabizDbResult *result);
guint          wabiz_db_result_get_n_rows     (WabizDbResult *result);
guint          wabiz_db_result_get_n_columns  (WabizDbResult *result);
int            wabiz_db_result_get_column     (WabizDbResult *result,
                                               const char    *name);
const char    *wabiz_db_result_get_column_name (WabizDbResult *result,
                                               guint          column);
/* NULL for SQL NULL */
const char    *wabiz_db_result_get            (WabizDbResult *result,
                                               guint          row,
                                               const char    *column);
const char    *wabiz_db_result_get_nth        (WabizDbResult *result,
                                               guint          row,
                                               guint          column);
gint64         wabiz_db_result_get_int        (WabizDbResult *result,
                                               guint          row,
                                               const char    *column);
gboolean       wabiz_db_result_get_bool       (WabizDbResult *result,
                                               guint          row,
                                               const char    *column);
/* rows changed by INSERT/UPDATE/DELETE */
gint64         wabiz_db_result_get_n_affected (WabizDbResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizDbResult, wabiz_db_result_unref)

/* A connection lent to a job on a worker thread. Only valid inside the job. */
typedef struct _WabizDbConn WabizDbConn;

WabizDbResult *wabiz_db_conn_exec      (WabizDbConn        *conn,
                                        const char         *sql,
                                        int                 n_params,
                                        const char * const *params,
                                        GError            **error);
WabizDbResult *wabiz_db_conn_exec_prepared (WabizDbConn        *conn,
                                            const char         *sql,
                                            int                 n_params,
                                            const char * const *params,
                                            GError            **error);
/* Waits for the transaction advisory lock named @name (hashtextextended
 * (@name, 0)), held until the transaction ends: the turns that processes
 * sharing the database take at a check-then-write. */
gboolean       wabiz_db_conn_take_turn (WabizDbConn        *conn,
                                        const char         *name,
                                        GError            **error);
/* Runs a script of several statements without parameters (migrations). */
gboolean       wabiz_db_conn_exec_script (WabizDbConn     *conn,
                                        const char         *sql,
                                        GError            **error);
/**
 * WabizDbTransactionFunc:
 *
 * The statements of one transaction on @conn. Return %FALSE with @error
 * set to undo them all.
 */
typedef gboolean (*WabizDbTransactionFunc) (WabizDbConn  *conn,
                                            gpointer      data,
                                            GError      **error);

/* BEGIN, @func, COMMIT; ROLLBACK when @func fails. */
gboolean       wabiz_db_conn_transaction (WabizDbConn            *conn,
                                          WabizDbTransactionFunc  func,
                                          gpointer                data,
                                          GError                **error);
gboolean       wabiz_db_conn_begin     (WabizDbConn        *conn,
                                        GError            **error);
gboolean       wabiz_db_conn_commit    (WabizDbConn        *conn,
                                        GError            **error);
void           wabiz_db_conn_rollback  (WabizDbConn        *conn);
/* the libpq connection, for COPY and the like */
gpointer       wabiz_db_conn_get_pgconn (WabizDbConn       *conn);
void           wabiz_db_conn_close     (WabizDbConn        *conn);

#define WABIZ_TYPE_DB (wabiz_db_get_type ())
G_DECLARE_FINAL_TYPE (WabizDb, wabiz_db, WABIZ, DB, GObject)

/**
 * WabizDbJobFunc:
 *
 * Runs on a worker thread with a connection of the pool. Return the
 * result through @task (g_task_return_*), exactly once, like a
 * #GTaskThreadFunc.
 */
typedef void (*WabizDbJobFunc) (WabizDb      *db,
                                WabizDbConn  *conn,
                                GTask        *task,
                                gpointer      task_data,
                                GCancellable *cancellable);

WabizDb       *wabiz_db_new              (const char          *conninfo,
                                          const char          *password,
                                          guint                pool_size);
const char    *wabiz_db_get_description  (WabizDb             *self);
guint          wabiz_db_get_pool_size    (WabizDb             *self);
char          *wabiz_db_dup_conninfo     (WabizDb             *self);
void           wabiz_db_run_in_thread    (WabizDb             *self,
                                          GTask               *task,
                                          WabizDbJobFunc       func);
gboolean       wabiz_db_run_sync         (WabizDb             *self,
                                          WabizDbJobFunc       func,
                                          gpointer             data,
                                          GCancellable        *cancellable,
                                          gpointer            *result,
                                          GError             **error);
void           wabiz_db_query_async      (WabizDb             *self,
                                          const char          *sql,
                                          int                  n_params,
                                          const char * const  *params,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
WabizDbResult *wabiz_db_query_finish     (WabizDb             *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/**
 * WabizDbReturnFunc:
 *
 * Makes the value of @task of the rows of its query, and returns it
 * (g_task_return_*), exactly once.
 */
typedef void (*WabizDbReturnFunc) (GTask         *task,
                                   WabizDbResult *result);

/* wabiz_db_query_async() for @task (transfer full), under its
 * cancellable: a failure is returned to @task, the rows go to @func. */
void           wabiz_db_query_for_task   (WabizDb             *self,
                                          const char          *sql,
                                          int                  n_params,
                                          const char * const  *params,
                                          GTask               *task,
                                          WabizDbReturnFunc    func);
/* @func on a pool thread for a new task of no source object, tagged
 * @source_tag, with @data (owned) as its task data. */
void           wabiz_db_run_job          (WabizDb             *self,
                                          gpointer             source_tag,
                                          WabizDbJobFunc       func,
                                          gpointer             data,
                                          GDestroyNotify       data_free,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
/* Blocks: only for worker threads, wabizd's start-up and tests. */
WabizDbResult *wabiz_db_query_sync       (WabizDb             *self,
                                          const char          *sql,
                                          int                  n_params,
                                          const char * const  *params,
                                          GCancellable        *cancellable,
                                          GError             **error);
/* A connection outside the pool that never reconnects by itself, for a
 * session lock; blocks (worker threads only) */
WabizDbConn   *wabiz_db_open_connection  (WabizDb             *self,
                                          GError             **error);
void           wabiz_db_close            (WabizDb             *self);

/* A PostgreSQL array literal of the @n texts of @values, for a text[]
 * (or uuid[]) parameter */
char          *wabiz_db_text_array       (const char * const  *values,
                                          guint                n);

G_END_DECLS
