/* wabiz-migrations.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-db.h"

G_BEGIN_DECLS

gboolean wabiz_migrations_apply_on_conn (WabizDbConn          *conn,
                                         guint                *n_applied,
                                         GError              **error);
void     wabiz_migrations_apply_async   (WabizDb              *db,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean wabiz_migrations_apply_finish  (WabizDb              *db,
                                         GAsyncResult         *result,
                                         guint                *n_applied,
                                         GError              **error);
gboolean wabiz_migrations_apply_sync    (WabizDb              *db,
                                         guint                *n_applied,
                                         GError              **error);
guint    wabiz_migrations_get_latest    (void);
guint    wabiz_migrations_get_count     (void);

G_END_DECLS
