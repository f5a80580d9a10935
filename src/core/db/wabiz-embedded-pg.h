/* wabiz-embedded-pg.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-pg-server.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_EMBEDDED_PG (wabiz_embedded_pg_get_type ())
G_DECLARE_FINAL_TYPE (WabizEmbeddedPg, wabiz_embedded_pg, WABIZ, EMBEDDED_PG, GObject)

/* The database the app and wabizd use inside the private cluster. */
#define WABIZ_EMBEDDED_DBNAME "wabiz"

WabizEmbeddedPg *wabiz_embedded_pg_new          (const char       *data_dir,
                                                 const char       *socket_dir);
WabizPgServer   *wabiz_embedded_pg_get_server   (WabizEmbeddedPg  *self);
void             wabiz_embedded_pg_acquire_async (WabizEmbeddedPg *self,
                                                 GCancellable     *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer          user_data);
char            *wabiz_embedded_pg_acquire_finish (WabizEmbeddedPg *self,
                                                 GAsyncResult     *result,
                                                 GError          **error);
char            *wabiz_embedded_pg_acquire_sync (WabizEmbeddedPg  *self,
                                                 GError          **error);
gboolean         wabiz_embedded_pg_release      (WabizEmbeddedPg  *self,
                                                 GError          **error);
guint            wabiz_embedded_pg_count_users  (WabizEmbeddedPg  *self);

G_END_DECLS
