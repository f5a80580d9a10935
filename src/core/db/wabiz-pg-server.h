/* wabiz-pg-server.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_PG_SERVER (wabiz_pg_server_get_type ())
G_DECLARE_FINAL_TYPE (WabizPgServer, wabiz_pg_server, WABIZ, PG_SERVER, GObject)

/* The superuser role every cluster WaBiz creates has. */
#define WABIZ_PG_ROLE "wabiz"
/* The system user the server runs as when we are root (WABIZ_PG_USER
 * overrides it): WaBiz's own, created when missing. */
#define WABIZ_PG_RUN_AS "wabiz-pg"

char          *wabiz_pg_server_find_bindir     (GError       **error);

WabizPgServer *wabiz_pg_server_new             (const char    *data_dir,
                                                const char    *socket_dir);
void           wabiz_pg_server_set_port        (WabizPgServer *self,
                                                guint          port);
void           wabiz_pg_server_add_option      (WabizPgServer *self,
                                                const char    *name,
                                                const char    *value);
void           wabiz_pg_server_set_fast        (WabizPgServer *self,
                                                gboolean       fast);
const char    *wabiz_pg_server_get_data_dir    (WabizPgServer *self);
const char    *wabiz_pg_server_get_socket_dir  (WabizPgServer *self);
const char    *wabiz_pg_server_get_run_as      (WabizPgServer *self);
char          *wabiz_pg_server_dup_conninfo    (WabizPgServer *self,
                                                const char    *dbname);
GPid           wabiz_pg_server_get_pid         (WabizPgServer *self);

/* These block (they run initdb and pg_ctl): call them from a worker thread. */
gboolean       wabiz_pg_server_prepare         (WabizPgServer *self,
                                                GError       **error);
gboolean       wabiz_pg_server_is_running      (WabizPgServer *self);
gboolean       wabiz_pg_server_start           (WabizPgServer *self,
                                                GError       **error);
gboolean       wabiz_pg_server_stop            (WabizPgServer *self,
                                                GError       **error);
gboolean       wabiz_pg_server_ensure_database (WabizPgServer *self,
                                                const char    *dbname,
                                                GError       **error);
gboolean       wabiz_pg_server_chown_to_run_as (WabizPgServer *self,
                                                const char    *path,
                                                GError       **error);

G_END_DECLS
