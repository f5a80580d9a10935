/* wabiz-conninfo.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Splits a PostgreSQL connection string (key=value or URI) into one
 * without the password (returned, to keep in GSettings) and the
 * password, if it held one (@out_password, for the keyring). A server
 * other than this computer gets sslmode=require. NULL if @text does not
 * parse. */
char     *wabiz_conninfo_clean        (const char           *text,
                                      char                **out_password);

/* FALSE, with a WABIZ_ERROR_CONFIG that says what to use instead, for a
 * Supabase pooler in transaction mode (port 6543): it lends a server
 * connection for one transaction only, which breaks LISTEN, advisory
 * locks and prepared statements (reference/supabase-postgres.md). */
gboolean  wabiz_conninfo_check_pooler (const char           *conninfo,
                                      GError              **error);

/* Connects to @conninfo (as from wabiz_conninfo_clean()) with @password
 * (nullable) on a worker thread and runs SELECT 1: whether the database
 * can be opened with them, before they are saved. */
void      wabiz_conninfo_check_async  (const char           *conninfo,
                                      const char           *password,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
gboolean  wabiz_conninfo_check_finish (GAsyncResult         *result,
                                      GError              **error);

G_END_DECLS
