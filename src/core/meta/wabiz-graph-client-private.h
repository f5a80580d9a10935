/* wabiz-graph-client-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * What the Graph client's files share: the instance struct and the one
 * request path every call goes through (wabiz-graph-client.c), used by
 * the API calls there and by the uploads and downloads in
 * wabiz-graph-client-media.c.
 *
 * A call is a GTask made by _wabiz_graph_client_new_call(). The request
 * functions below take the task (transfer full) and end it: with the
 * error when the request fails, or else through the call's
 * WabizGraphReplyFunc.
 */

#pragma once

#include <libsoup/soup.h>

#include "wabiz-graph-client.h"
#include "wabiz-graph-error-private.h"
#include "wabiz-graph-json-private.h"

G_BEGIN_DECLS

struct _WabizGraphClient
{
  GObject      parent_instance;

  SoupSession *session;          /* (owned) */
  char        *base_url;         /* (owned) without trailing slash */
  GUri        *base_uri;         /* (owned) (nullable) when not valid */
  GError      *base_error;       /* (owned) (nullable) why the token may not
                                  * go to base_url (wabiz_graph_check_url) */
  char        *api_version;      /* (owned) */
  char        *phone_number_id;  /* (owned) */
  char        *waba_id;          /* (owned) (nullable) */
  char        *access_token;     /* (owned): never logged */
  char        *app_id;           /* (owned) (nullable): Meta's app, for the
                                  * resumable upload; asked of GET /app */
  guint        template_page_size;
};

/* What a call makes of Meta's 2xx answer (a JSON object): returns on
 * @task, or passes it on to the next request with a new reference.
 * @task is borrowed. A NULL reply function returns TRUE. */
typedef void (*WabizGraphReplyFunc) (GTask      *task,
                                     JsonObject *reply);

/* A task for @self tagged @source_tag, ready for the request functions. */
GTask        *_wabiz_graph_client_new_call           (WabizGraphClient    *self,
                                                      gpointer             source_tag,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* The call's own data (upload, download, paging), freed with the task. */
void          _wabiz_graph_client_set_state          (GTask               *task,
                                                      gpointer             state,
                                                      GDestroyNotify       state_free);
gpointer      _wabiz_graph_client_get_state          (GTask               *task);
/* The request last sent for the task. */
SoupMessage  *_wabiz_graph_client_get_message        (GTask               *task);

/* (nullable): a request to the absolute @url, with the bearer token;
 * NULL and an error when @url is not valid or the token must not go
 * there: only the Graph API's own address (scheme, host and port) and,
 * over https, Meta's media hosts (lookaside.fbsbx.com, *.fbcdn.net,
 * *.whatsapp.net) get it. Redirects are not followed by themselves. */
SoupMessage  *_wabiz_graph_client_new_message        (WabizGraphClient    *self,
                                                      const char          *method,
                                                      const char          *url,
                                                      GError             **error);
/* (nullable): the same for @path below the API version. */
SoupMessage  *_wabiz_graph_client_new_request        (WabizGraphClient    *self,
                                                      const char          *method,
                                                      const char          *path,
                                                      GError             **error);

/* Sends @msg and hands the JSON answer to @reply. */
void          _wabiz_graph_client_send               (GTask               *task,
                                                      SoupMessage         *msg,
                                                      WabizGraphReplyFunc  reply);
/* @method to the path made from @path_format, with @body (nullable) as
 * JSON; the answer goes to @reply. */
void          _wabiz_graph_client_call               (GTask               *task,
                                                      const char          *method,
                                                      JsonNode            *body,
                                                      WabizGraphReplyFunc  reply,
                                                      const char          *path_format,
                                                      ...) G_GNUC_PRINTF (5, 6);
/* @method on the Graph node @node_id (escaped here): GET
 * /{phone-number-id}, DELETE /{media-id}, … */
void          _wabiz_graph_client_call_node          (GTask               *task,
                                                      const char          *method,
                                                      const char          *node_id,
                                                      WabizGraphReplyFunc  reply);

/* How many templates one page of the list asks for (tests: a small
 * page, to go through many) */
void          _wabiz_graph_client_set_template_page_size (WabizGraphClient *self,
                                                          guint             page_size);

/* Sends @msg and gives @done the task back as user data once the
 * answer's headers are in, to read its body as a stream. */
void          _wabiz_graph_client_send_stream        (GTask               *task,
                                                      SoupMessage         *msg,
                                                      GAsyncReadyCallback  done);
/* (transfer full): the answer's body (any status), or NULL and a
 * transport error */
GInputStream *_wabiz_graph_client_send_stream_finish (GTask               *task,
                                                      GAsyncResult        *result,
                                                      GError             **error);

G_END_DECLS
