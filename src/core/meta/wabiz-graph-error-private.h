/* wabiz-graph-error-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * How the Graph client turns what happened to a request into a
 * WABIZ_GRAPH_ERROR. Only the Graph client's files include this.
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "wabiz-graph-error.h"

G_BEGIN_DECLS

/* An error WaBiz finds itself (no Graph body); @ambiguous: the request
 * may have been acted on. */
GError *_wabiz_graph_error_new_local     (int           code,
                                          gboolean      ambiguous,
                                          const char   *message);
/* A transport failure (@cause): NETWORK when the request's headers had
 * not left (@sent FALSE), else AMBIGUOUS. */
GError *_wabiz_graph_error_new_transport (gboolean      sent,
                                          const GError *cause);
/* The answer to @msg when it is not a success: Meta's error body in
 * @root ({"error": {...}}), or else the HTTP status, with the status and
 * Retry-After attached. A 2xx answer that lands here could not be read:
 * the request may have been acted on, so the error is ambiguous. */
GError *_wabiz_graph_error_new_response  (SoupMessage  *msg,
                                          JsonNode     *root);

G_END_DECLS
