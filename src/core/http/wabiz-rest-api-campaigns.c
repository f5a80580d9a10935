/* wabiz-rest-api-campaigns.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The campaign calls of the REST API (model/wabiz-campaign-model.h):
 *   POST /campaigns                   create (201), or with "dry_run": true
 *                                     only the preview (200)
 *   GET  /campaigns?limit=&offset=    the campaigns, newest first
 *   GET  /campaigns/{id}?limit=&offset=  one, its progress and its
 *                                     recipients' results
 *   POST /campaigns/{id}/pause|resume|cancel
 * The runner (wherever it runs) follows a change through NOTIFY.
 * Errors as everywhere: 404 unknown campaign, template or segment, 409
 * a state that does not allow the change, 422 a field that is not
 * acceptable, 503 the database away.
 */

#define G_LOG_DOMAIN "wabiz-rest-api"

#include "config.h"

#include "wabiz-campaign-model.h"
#include "wabiz-error.h"
#include "wabiz-http-server.h"
#include "wabiz-rest-api-private.h"

#include <glib/gi18n.h>

#define DEFAULT_RECIPIENTS 100
#define MAX_RECIPIENTS 1000

/* {"success": true, @member: @object} with @status */
static void
reply_object (SoupServerMessage *msg,
              guint              status,
              const char        *member,
              JsonObject        *object)
{
  g_autoptr(JsonObject) answer = json_object_new ();

  json_object_set_boolean_member (answer, "success", TRUE);
  json_object_set_object_member (answer, member, json_object_ref (object));
  _wabiz_rest_reply_object (msg, status, answer);
}

static void
reply_campaign_error (WabizRestRequest *request,
                      const GError     *error)
{
  SoupServerMessage *msg = request->msg;

  if (g_error_matches (error, WABIZ_CAMPAIGN_ERROR, WABIZ_CAMPAIGN_ERROR_STATE))
    wabiz_http_reply_error (msg, SOUP_STATUS_CONFLICT, "invalid_state", error->message);
  else if (g_error_matches (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND))
    wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND,
                            GPOINTER_TO_INT (request->data) ? "campaign_not_found" : "not_found",
                            error->message);
  else if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE) ||
           error->domain == WABIZ_DB_ERROR)
    _wabiz_rest_reply_db_error (msg, error);
  else
    _wabiz_rest_reply_error (request, error);
}

/* ------------------------------------------------------------------ */
/* POST /campaigns */

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) campaign = wabiz_campaign_create_finish (result, &error);

  if (campaign == NULL)
    reply_campaign_error (request, error);
  else
    reply_object (request->msg, SOUP_STATUS_CREATED, "campaign", campaign);
}

static void
previewed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) preview = wabiz_campaign_preview_finish (result, &error);

  if (preview == NULL)
    reply_campaign_error (request, error);
  else
    reply_object (request->msg, SOUP_STATUS_OK, "preview", preview);
}

void
_wabiz_rest_handle_campaigns_create (WabizRestApi      *self,
                                     SoupServerMessage *msg,
                                     GHashTable        *query,
                                     const char        *param)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(WabizCampaignSpec) spec = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *dry_run;

  if ((body = _wabiz_rest_read_body (msg)) == NULL)
    return;

  dry_run = json_object_get_member (body, "dry_run");
  if (dry_run != NULL && (!JSON_NODE_HOLDS_VALUE (dry_run) || json_node_get_value_type (dry_run) != G_TYPE_BOOLEAN))
    {
      wabiz_http_reply_error (msg, 422, "invalid_input", _("“dry_run” must be true or false"));
      return;
    }
  spec = wabiz_campaign_spec_new_from_json (body, &error);
  if (spec == NULL)
    {
      wabiz_http_reply_error (msg, 422, "invalid_input", error->message);
      return;
    }

  if (dry_run != NULL && json_node_get_boolean (dry_run))
    wabiz_campaign_preview_async (self->db, spec, NULL, previewed_cb, _wabiz_rest_request_new (self, msg));
  else
    wabiz_campaign_create_async (self->db, spec, NULL, created_cb, _wabiz_rest_request_new (self, msg));
}

/* ------------------------------------------------------------------ */
/* GET /campaigns */

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) list = wabiz_campaign_list_finish (result, &error);

  if (list == NULL)
    {
      reply_campaign_error (request, error);
      return;
    }
  json_object_set_boolean_member (list, "success", TRUE);
  _wabiz_rest_reply_object (request->msg, SOUP_STATUS_OK, list);
}

void
_wabiz_rest_handle_campaigns_list (WabizRestApi      *self,
                                   SoupServerMessage *msg,
                                   GHashTable        *query,
                                   const char        *param)
{
  gint64 limit;
  gint64 offset;

  if (!_wabiz_rest_get_query_int (msg, query, "limit", 50, 1, 1000, &limit) ||
      !_wabiz_rest_get_query_int (msg, query, "offset", 0, 0, G_MAXINT32, &offset))
    return;
  wabiz_campaign_list_async (self->db, (guint) limit, (guint) offset, NULL, listed_cb,
                             _wabiz_rest_request_new (self, msg));
}

/* ------------------------------------------------------------------ */
/* GET /campaigns/{id}, POST /campaigns/{id}/… */

static void
campaign_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) campaign = NULL;

  if (g_async_result_is_tagged (result, wabiz_campaign_get_async))
    campaign = wabiz_campaign_get_finish (result, &error);
  else
    campaign = wabiz_campaign_change_state_finish (result, &error);
  if (campaign == NULL)
    reply_campaign_error (request, error);
  else
    reply_object (request->msg, SOUP_STATUS_OK, "campaign", campaign);
}

static WabizRestRequest *
campaign_request (WabizRestApi      *self,
                  SoupServerMessage *msg)
{
  WabizRestRequest *request = _wabiz_rest_request_new (self, msg);

  /* a 404 names the campaign */
  request->data = GINT_TO_POINTER (TRUE);
  return request;
}

void
_wabiz_rest_handle_campaign_get (WabizRestApi      *self,
                                 SoupServerMessage *msg,
                                 GHashTable        *query,
                                 const char        *param)
{
  gint64 limit;
  gint64 offset;

  if (!_wabiz_rest_get_query_int (msg, query, "limit", DEFAULT_RECIPIENTS, 0, MAX_RECIPIENTS, &limit) ||
      !_wabiz_rest_get_query_int (msg, query, "offset", 0, 0, G_MAXINT32, &offset))
    return;
  wabiz_campaign_get_async (self->db, param, (guint) limit, (guint) offset, NULL, campaign_cb,
                            campaign_request (self, msg));
}

static void
change_state (WabizRestApi        *self,
              SoupServerMessage   *msg,
              const char          *id,
              WabizCampaignAction  action)
{
  wabiz_campaign_change_state_async (self->db, id, action, NULL, campaign_cb, campaign_request (self, msg));
}

void
_wabiz_rest_handle_campaign_pause (WabizRestApi      *self,
                                   SoupServerMessage *msg,
                                   GHashTable        *query,
                                   const char        *param)
{
  change_state (self, msg, param, WABIZ_CAMPAIGN_PAUSE);
}

void
_wabiz_rest_handle_campaign_resume (WabizRestApi      *self,
                                    SoupServerMessage *msg,
                                    GHashTable        *query,
                                    const char        *param)
{
  change_state (self, msg, param, WABIZ_CAMPAIGN_RESUME);
}

void
_wabiz_rest_handle_campaign_cancel (WabizRestApi      *self,
                                    SoupServerMessage *msg,
                                    GHashTable        *query,
                                    const char        *param)
{
  change_state (self, msg, param, WABIZ_CAMPAIGN_CANCEL);
}
