/* wabiz-test-pg.h: the tests' PostgreSQL, simulator and main-loop helpers
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-pg-server.h"

G_BEGIN_DECLS

/* A fresh, empty database on the run's shared server; its connection string. */
char          *wabiz_test_pg_new_database     (void);
/* Same, with the migrations applied and @seed_sql (a script of one or
 * more statements; nullable) run on it. */
char          *wabiz_test_pg_new_seeded_database (const char *seed_sql);
/* The shared server's connection string for database @dbname. */
char          *wabiz_test_pg_conninfo         (const char *dbname);
/* Another session, holding the transaction advisory lock WaBiz names
 * @key (hashtextextended (@key, 0)) until wabiz_test_pg_unlock(): those
 * who take it next wait, in the middle of their transactions. */
typedef struct _WabizTestPgLock WabizTestPgLock;
WabizTestPgLock *wabiz_test_pg_lock           (const char      *conninfo,
                                               const char      *key);
void           wabiz_test_pg_unlock           (WabizTestPgLock *lock);
/* How many sessions of @conninfo's database wait for an advisory lock now */
guint          wabiz_test_pg_n_waiting_for_lock (const char    *conninfo);
/* A server of the test's own (for tests that stop it), not yet started. */
WabizPgServer *wabiz_test_pg_server_new       (void);
/* A TCP port on 127.0.0.1 that nothing listens on, bound (and so kept
 * free) until the returned socket is closed. */
GSocket       *wabiz_test_closed_port         (guint16    *port);
/* A short temporary folder (unix sockets need short paths), removed at exit. */
char          *wabiz_test_make_tmpdir         (const char *prefix);
/* A password made up for this run: no credential is written in the tests */
char          *wabiz_test_random_password    (void);
void           wabiz_test_rm_rf               (const char *path);

/* Every wait below iterates the default main context until its
 * condition holds, and fails the test with the file, line and the
 * condition's text after @timeout_s seconds, so that a missing event
 * never hangs a run and the failure says what did not happen. */

/* Until *flag is TRUE. */
#define wabiz_test_wait_for_flag(flag, timeout_s) \
  _wabiz_test_wait_until (_wabiz_test_flag_is_set, (flag), (timeout_s), __FILE__, __LINE__, #flag)
/* Until @predicate (@data) returns TRUE. */
#define wabiz_test_wait_until(predicate, data, timeout_s) \
  _wabiz_test_wait_until ((predicate), (data), (timeout_s), __FILE__, __LINE__, #predicate)
/* Until the C expression @cond is true: evaluated after each iteration,
 * and at least every 100 ms for conditions on the outside world (a row in
 * the database) that no event of this process announces. */
#define WABIZ_TEST_WAIT(cond, timeout_s)                                         \
  G_STMT_START                                                                   \
  {                                                                              \
    WabizTestDeadline wabiz_deadline_;                                           \
    wabiz_test_deadline_start (&wabiz_deadline_, (timeout_s));                   \
    while (!(cond))                                                              \
      wabiz_test_deadline_iterate (&wabiz_deadline_, __FILE__, __LINE__, #cond); \
    wabiz_test_deadline_stop (&wabiz_deadline_);                                 \
  }                                                                              \
  G_STMT_END

typedef struct
{
  guint    timeout_s;
  gboolean expired;
  guint    source_id;
  guint    recheck_id;
} WabizTestDeadline;

void           wabiz_test_deadline_start      (WabizTestDeadline *deadline,
                                               guint              timeout_s);
/* One blocking iteration of the default main context; g_error()s with
 * @what once the deadline has passed. */
void           wabiz_test_deadline_iterate    (WabizTestDeadline *deadline,
                                               const char        *file,
                                               int                line,
                                               const char        *what);
void           wabiz_test_deadline_stop       (WabizTestDeadline *deadline);

void           _wabiz_test_wait_until         (gboolean  (*predicate) (gpointer),
                                               gpointer    data,
                                               guint       timeout_s,
                                               const char *file,
                                               int         line,
                                               const char *what);
gboolean       _wabiz_test_flag_is_set        (gpointer    data);

/* Async result catcher: pass as callback with a (GAsyncResult **) user data. */
void           wabiz_test_store_result_cb     (GObject      *object,
                                               GAsyncResult *result,
                                               gpointer      user_data);
/* Until *slot holds a result; returns it. */
#define wabiz_test_wait_result(slot, timeout_s) \
  _wabiz_test_wait_result ((slot), (timeout_s), __FILE__, __LINE__, #slot)
GAsyncResult  *_wabiz_test_wait_result        (GAsyncResult **slot,
                                               guint          timeout_s,
                                               const char    *file,
                                               int            line,
                                               const char    *what);

G_END_DECLS
