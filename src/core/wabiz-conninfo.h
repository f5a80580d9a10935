/* wabiz-conninfo.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Splits a PostgreSQL connection string (key=value or URI) into one
 * without the password (returned, to keep in GSettings) and the
 * password, if it held one (@out_password, for the keyring). A server
 * other than this computer gets sslmode=require. NULL if @text does not
 * parse. */
char *wabiz_conninfo_clean (const char  *text,
                            char       **out_password);

G_END_DECLS
