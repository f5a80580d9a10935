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
 * other than this computer gets sslmode=verify-full, whatever less the
 * string asked for. NULL if @text does not parse. */
char     *wabiz_conninfo_clean        (const char           *text,
                                      char                **out_password);

/* Whether every server @conninfo may connect to is on this computer: a
 * unix socket, localhost or a loopback address (127.0.0.0/8, ::1). The
 * libpq variables (PGHOST, …) count where the string says nothing, as
 * they would for the connection. FALSE when a service file could send
 * it anywhere, and for a string that does not parse. */
gboolean wabiz_conninfo_is_local (const char *conninfo);

/* FALSE, with a WABIZ_ERROR_CONFIG that says what to add (and never the
 * password), when @conninfo reaches another computer without
 * sslmode=verify-full (encrypted, to the server named, checked against a
 * CA certificate), or with it but without the CA certificate file.
 * Anything less can be read or redirected on the network. TRUE for this
 * computer, and for a string that does not parse (libpq refuses it in
 * its own words). */
gboolean wabiz_conninfo_check_tls (const char *conninfo,
                                   GError    **error);

/* FALSE, with a WABIZ_ERROR_CONFIG that says what to use instead, for a
 * Supabase pooler in transaction mode (port 6543): it lends a server
 * connection for one transaction only, which breaks LISTEN, advisory
 * locks and prepared statements (reference/supabase-postgres.md). */
gboolean  wabiz_conninfo_check_pooler (const char           *conninfo,
                                      GError              **error);

/* Connects to @conninfo (as from wabiz_conninfo_clean()) with @password
 * (nullable) on a worker thread and runs SELECT 1: whether the database
 * can be opened with them, before they are saved. Refused before any
 * connection by wabiz_conninfo_check_pooler() and
 * wabiz_conninfo_check_tls(). */
void      wabiz_conninfo_check_async  (const char           *conninfo,
                                      const char           *password,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
gboolean  wabiz_conninfo_check_finish (GAsyncResult         *result,
                                      GError              **error);

G_END_DECLS
