/* wabiz-http-server.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define WABIZ_HTTP_DEFAULT_HOST "127.0.0.1"
#define WABIZ_HTTP_DEFAULT_PORT 10000
/* A request body's limit where its route sets none. */
#define WABIZ_HTTP_DEFAULT_MAX_BODY (64 * 1024)

#define WABIZ_TYPE_HTTP_SERVER (wabiz_http_server_get_type ())
G_DECLARE_FINAL_TYPE (WabizHttpServer, wabiz_http_server, WABIZ, HTTP_SERVER, GObject)

/* @port 0 picks a free one (see wabiz_http_server_get_port()). */
WabizHttpServer *wabiz_http_server_new             (const char          *host,
                                                    guint                port);
SoupServer      *wabiz_http_server_get_soup_server (WabizHttpServer     *self);
gboolean         wabiz_http_server_start           (WabizHttpServer     *self,
                                                    GError             **error);
const char      *wabiz_http_server_get_host        (WabizHttpServer     *self);
guint            wabiz_http_server_get_port        (WabizHttpServer     *self);
/* "http://HOST:PORT" */
char            *wabiz_http_server_dup_url         (WabizHttpServer     *self);
guint            wabiz_http_server_get_n_in_flight (WabizHttpServer     *self);
gboolean         wabiz_http_server_get_draining    (WabizHttpServer     *self);
/* Stops accepting (new requests get 503 and the listening socket
 * closes), waits for the requests in flight, then disconnects. */
void             wabiz_http_server_drain_async     (WabizHttpServer     *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean         wabiz_http_server_drain_finish    (WabizHttpServer     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Answers with @node (transfer none) as JSON. */
void             wabiz_http_reply_json             (SoupServerMessage   *msg,
                                                    guint                status,
                                                    JsonNode            *node);
/* {"success": false, "error": {"code": @code, "message": @message}} */
void             wabiz_http_reply_error            (SoupServerMessage   *msg,
                                                    guint                status,
                                                    const char          *code,
                                                    const char          *message);

/* From an early handler: @msg's body may be up to @max_body bytes (else
 * WABIZ_HTTP_DEFAULT_MAX_BODY). Past it the request is answered 413 as
 * the body arrives, and its connection closed. */
void             wabiz_http_message_set_max_body   (SoupServerMessage   *msg,
                                                    gsize                max_body);

/* From a got-chunk handler: answers @msg now (its status and body are
 * set) and closes its connection, leaving the rest of its body unread. */
void             wabiz_http_message_refuse         (SoupServerMessage   *msg);

/* Whether @given is @secret, in a time that depends neither on where they
 * differ nor on @secret's length. FALSE when either is NULL or @secret is
 * empty. */
gboolean         wabiz_http_secret_equal           (const char          *given,
                                                    const char          *secret);

/* Pauses @msg until wabiz_http_message_release(); the answer may then be set
 * from any later callback. Releasing a message whose client went away in
 * the meantime is harmless. */
void             wabiz_http_message_hold           (SoupServerMessage   *msg);
void             wabiz_http_message_release        (SoupServerMessage   *msg);

G_END_DECLS
