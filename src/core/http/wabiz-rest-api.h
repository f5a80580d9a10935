/* wabiz-rest-api.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <libsoup/soup.h>

#include "wabiz-db.h"
#include "wabiz-gemini-client.h"
#include "wabiz-graph-client.h"
#include "wabiz-outbox.h"

G_BEGIN_DECLS

/* Request bodies of the REST API are small JSON objects. */
#define WABIZ_REST_MAX_BODY (64 * 1024)

#define WABIZ_TYPE_REST_API (wabiz_rest_api_get_type ())
G_DECLARE_FINAL_TYPE (WabizRestApi, wabiz_rest_api, WABIZ, REST_API, GObject)

/* @outbox, @graph: (nullable): without them the send and template calls
 * answer 503. @api_key: (nullable): without it every call answers 401. */
WabizRestApi *wabiz_rest_api_new              (WabizDb          *db,
                                               WabizOutbox      *outbox,
                                               WabizGraphClient *graph,
                                               const char       *api_key);
void          wabiz_rest_api_attach           (WabizRestApi     *self,
                                               SoupServer       *server);
/* How long a send call waits for Meta's answer before it answers 202
 * with the message queued (default 30 s). */
void          wabiz_rest_api_set_send_timeout (WabizRestApi     *self,
                                               guint             timeout_ms);
/* Requests per second and burst before 429 (default 100, 200). */
void          wabiz_rest_api_set_rate_limit   (WabizRestApi     *self,
                                               double            per_second,
                                               double            burst);
/* The Gemini client that mode “ai” of /template/create writes with
 * (nullable: that mode answers 503). */
void          wabiz_rest_api_set_gemini       (WabizRestApi      *self,
                                               WabizGeminiClient *gemini);
/* The OpenAPI 3 document served at /openapi.json. */
const char   *wabiz_rest_api_get_openapi      (void);

G_END_DECLS
