/* wabiz-graph-error.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WABIZ_GRAPH_ERROR: what went wrong in a call to Meta's Graph API, with
 * Meta's own code, subcode, title and details attached.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * WabizGraphError:
 *
 * The code of a %WABIZ_GRAPH_ERROR is Meta's own `error.code` (190,
 * 131047, 130429, …); the named values below are the ones WaBiz acts on,
 * any other Meta code may appear too. Negative codes are WaBiz's own:
 *
 * @WABIZ_GRAPH_ERROR_NETWORK: the request never left (no route, refused,
 *   DNS, TLS handshake): retrying is safe
 * @WABIZ_GRAPH_ERROR_AMBIGUOUS: the request left but no answer came back
 *   (timeout, connection reset): Meta may have accepted it; never retried
 *   automatically
 * @WABIZ_GRAPH_ERROR_BAD_RESPONSE: an answer that is not what Meta sends
 * @WABIZ_GRAPH_ERROR_HTTP: an HTTP error without a Graph error body
 * @WABIZ_GRAPH_ERROR_MEDIA_TOO_LARGE: a local file over Meta's size limit
 * @WABIZ_GRAPH_ERROR_MEDIA_TYPE: a local file of a type Meta refuses
 * @WABIZ_GRAPH_ERROR_CHECKSUM: downloaded media does not match its sha256
 * @WABIZ_GRAPH_ERROR_UNTRUSTED_HOST: the request would carry the access
 *   token to a host that must not have it (plain http:// to another
 *   computer, or a host that is not Meta's): not sent
 */
typedef enum
{
  WABIZ_GRAPH_ERROR_UNTRUSTED_HOST    = -8,
  WABIZ_GRAPH_ERROR_CHECKSUM          = -7,
  WABIZ_GRAPH_ERROR_MEDIA_TYPE        = -6,
  WABIZ_GRAPH_ERROR_MEDIA_TOO_LARGE   = -5,
  WABIZ_GRAPH_ERROR_HTTP              = -4,
  WABIZ_GRAPH_ERROR_BAD_RESPONSE      = -3,
  WABIZ_GRAPH_ERROR_AMBIGUOUS         = -2,
  WABIZ_GRAPH_ERROR_NETWORK           = -1,
  WABIZ_GRAPH_ERROR_AUTH_EXCEPTION    = 0,
  WABIZ_GRAPH_ERROR_UNKNOWN           = 1,
  WABIZ_GRAPH_ERROR_SERVICE           = 2,
  WABIZ_GRAPH_ERROR_APP_RATE_LIMIT    = 4,
  WABIZ_GRAPH_ERROR_INVALID_PARAMETER = 100,
  WABIZ_GRAPH_ERROR_ACCESS_TOKEN      = 190,
  WABIZ_GRAPH_ERROR_WABA_RATE_LIMIT   = 80007,
  WABIZ_GRAPH_ERROR_THROUGHPUT        = 130429,
  WABIZ_GRAPH_ERROR_SOMETHING_WRONG   = 131000,
  WABIZ_GRAPH_ERROR_UNDELIVERABLE     = 131026,
  WABIZ_GRAPH_ERROR_REENGAGEMENT      = 131047,
  WABIZ_GRAPH_ERROR_PAIR_RATE_LIMIT   = 131056,
  WABIZ_GRAPH_ERROR_TEMPLATE_PARAMS   = 132000,
  WABIZ_GRAPH_ERROR_TEMPLATE_MISSING  = 132001,
} WabizGraphError;

#define WABIZ_GRAPH_ERROR (wabiz_graph_error_quark ())
GQuark      wabiz_graph_error_quark             (void);

/* A WABIZ_GRAPH_ERROR carrying Meta's extra fields (all nullable/0). */
GError     *wabiz_graph_error_new               (int           code,
                                                 int           subcode,
                                                 const char   *title,
                                                 const char   *details);
int         wabiz_graph_error_get_subcode       (const GError *error);
/* Meta's title ("Re-engagement message"), without the "(#131047)" prefix */
const char *wabiz_graph_error_get_title         (const GError *error);
/* error_data.details */
const char *wabiz_graph_error_get_details       (const GError *error);
const char *wabiz_graph_error_get_fbtrace_id    (const GError *error);
guint       wabiz_graph_error_get_http_status   (const GError *error);
/* Whether sending again later may succeed: Meta's transient codes
 * (1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, or
 * is_transient) and network failures before the request left. An
 * ambiguous failure (the request left) is never retryable. */
gboolean    wabiz_graph_error_is_retryable      (const GError *error);
/* The request may have reached Meta and been accepted. */
gboolean    wabiz_graph_error_is_ambiguous      (const GError *error);
/* The delay to wait before retrying: the Retry-After header when Meta
 * sent one, otherwise a suggestion for the code (130429: 2 s, 131056:
 * 6 s, 4/80007: 60 s, others: 0 = caller's back-off). */
guint       wabiz_graph_error_get_retry_after_ms (const GError *error);

G_END_DECLS
