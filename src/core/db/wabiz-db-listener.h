/* wabiz-db-listener.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_DB_LISTENER (wabiz_db_listener_get_type ())
G_DECLARE_FINAL_TYPE (WabizDbListener, wabiz_db_listener, WABIZ, DB_LISTENER, GObject)

WabizDbListener *wabiz_db_listener_new           (const char      *conninfo,
                                                  const char      *password,
                                                  const char      *channel);
void             wabiz_db_listener_start         (WabizDbListener *self);
gboolean         wabiz_db_listener_get_connected (WabizDbListener *self);

G_END_DECLS
