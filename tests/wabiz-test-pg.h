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

/* Iterates the default main context until *flag is TRUE; fails the test
 * after @timeout_s seconds so that a missing event never hangs. */
void           wabiz_test_wait_for_flag       (gboolean   *flag,
                                               guint       timeout_s);
/* Same, with a predicate checked after each iteration. */
void           wabiz_test_wait_until          (gboolean  (*predicate) (gpointer),
                                               gpointer    data,
                                               guint       timeout_s);
/* Async result catcher: pass as callback with a (GAsyncResult **) user data. */
void           wabiz_test_store_result_cb     (GObject      *object,
                                               GAsyncResult *result,
                                               gpointer      user_data);
GAsyncResult  *wabiz_test_wait_result         (GAsyncResult **slot,
                                               guint          timeout_s);

G_END_DECLS
