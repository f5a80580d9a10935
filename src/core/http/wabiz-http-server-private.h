/* wabiz-http-server-private.h: test hooks of WabizHttpServer
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-http-server.h"

G_BEGIN_DECLS

/* Before wabiz_http_server_start(). Defaults: 512 connections (and at
 * most half the open-file limit when @within_file_limit), 10 s for a
 * request's head from its first byte, 60 s for any one read or write (and
 * for the first byte). */
void  _wabiz_http_server_set_limits          (WabizHttpServer *self,
                                              guint            max_connections,
                                              gboolean         within_file_limit,
                                              guint            header_timeout_ms,
                                              guint            io_timeout_s);
/* How long a kept-alive connection may wait for its next request
 * (default 4 s). */
void  _wabiz_http_server_set_keepalive_idle  (WabizHttpServer *self,
                                              guint            idle_ms);
/* Connections accepted and not yet let go of. */
guint _wabiz_http_server_get_n_connections   (WabizHttpServer *self);

G_END_DECLS
