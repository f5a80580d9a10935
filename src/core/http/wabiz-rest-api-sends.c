/* wabiz-rest-api-sends.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The REST API's sends: /send-message, /send-media, /send-template and
 * /template/send. Each goes through the durable outbox: validated, then
 * written, then sent, so that bad input writes nothing; the answer waits
 * for Meta's message id for a while, then says "queued" (202).
 */

#define G_LOG_DOMAIN "wabiz-rest-api"

#include "config.h"

#include "wabiz-http-server.h"
#include "wabiz-rest-api-private.h"

#include <glib/gi18n.h>

/* What the answer of a send says besides the message id. */
typedef struct
{
  char *status;       /* (nullable) "sent" for /send-message */
  char *extra_field;  /* (nullable) a member the call adds: media_type, template_used */
  char *extra;        /* its value */
  char *uuid;         /* the message's id, once queued */
} Send;

static void
send_free (Send *send)
{
  g_free (send->status);
  g_free (send->extra_field);
  g_free (send->extra);
  g_free (send->uuid);
  g_free (send);
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  Send *send = request->data;
  g_autoptr(GError) error = NULL;
  g_autofree char *wamid = wabiz_outbox_wait_finish (WABIZ_OUTBOX (object), result, &error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint status = SOUP_STATUS_OK;

  if (wamid == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      _wabiz_rest_reply_error (request, error);
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "message_id");
  if (wamid != NULL)
    json_builder_add_string_value (builder, wamid);
  else
    {
      /* committed, not sent yet: it goes when Meta answers */
      json_builder_add_null_value (builder);
      status = SOUP_STATUS_ACCEPTED;
    }
  json_builder_set_member_name (builder, "stored_in_supabase");
  json_builder_add_boolean_value (builder, TRUE);
  if (send->status != NULL || wamid == NULL)
    {
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, wamid == NULL ? "queued" : send->status);
    }
  if (send->extra_field != NULL)
    {
      json_builder_set_member_name (builder, send->extra_field);
      json_builder_add_string_value (builder, send->extra);
    }
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, send->uuid);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  wabiz_http_reply_json (request->msg, status, root);
}

static void
queue_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  Send *send = request->data;
  g_autoptr(GError) error = NULL;
  WabizRestApi *self = request->self;

  send->uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);
  if (send->uuid == NULL)
    {
      _wabiz_rest_reply_error (request, error);
      return;
    }

  wabiz_outbox_wait_async (self->outbox, send->uuid, self->send_timeout_ms, NULL, wait_cb,
                           g_steal_pointer (&request));
}

static gboolean
require_outbox (WabizRestApi      *self,
                SoupServerMessage *msg)
{
  if (self->outbox == NULL)
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "sender_unavailable",
                              _("Sending is not set up on this server"));
      return FALSE;
    }
  return TRUE;
}

/* Queues @outgoing; the answer names @extra_field (when set) with @extra. */
static void
queue (WabizRestApi      *self,
       SoupServerMessage *msg,
       WabizOutgoing     *outgoing,
       const char        *status,
       const char        *extra_field,
       const char        *extra,
       gboolean           not_found_is_template)
{
  WabizRestRequest *request = _wabiz_rest_request_new (self, msg);
  Send *send = g_new0 (Send, 1);

  send->status = g_strdup (status);
  send->extra_field = g_strdup (extra_field);
  send->extra = g_strdup (extra);
  request->data = send;
  request->data_free = (GDestroyNotify) send_free;
  request->not_found_is_template = not_found_is_template;
  wabiz_outbox_queue_async (self->outbox, outgoing, NULL, queue_cb, request);
}

void
_wabiz_rest_handle_send_message (WabizRestApi      *self,
                                 SoupServerMessage *msg,
                                 GHashTable        *query,
                                 const char        *param)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *text = NULL;
  g_autofree char *normalized = NULL;
  g_autoptr(WabizOutgoing) outgoing = NULL;
  const WabizRestField fields[] = { { "phone", TRUE, 32, &phone }, { "message", TRUE, 4096, &text } };

  if ((body = _wabiz_rest_read_body (msg)) == NULL ||
      !_wabiz_rest_get_strings (msg, body, fields, G_N_ELEMENTS (fields)) ||
      (normalized = _wabiz_rest_check_phone (msg, phone)) == NULL ||
      !require_outbox (self, msg))
    return;

  outgoing = wabiz_outgoing_new_text (normalized, text);
  queue (self, msg, outgoing, "sent", NULL, NULL, FALSE);
}

void
_wabiz_rest_handle_send_media (WabizRestApi      *self,
                               SoupServerMessage *msg,
                               GHashTable        *query,
                               const char        *param)
{
  static const char *kinds[] = { "image", "video", "audio", "document", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *url = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *caption = NULL;
  g_autofree char *normalized = NULL;
  g_autoptr(WabizOutgoing) outgoing = NULL;
  g_autoptr(GUri) uri = NULL;
  const WabizRestField fields[] = {
    { "phone", TRUE, 32, &phone }, { "media_url", TRUE, 2048, &url },
    { "media_type", TRUE, 16, &kind }, { "caption", FALSE, 1024, &caption },
  };

  if ((body = _wabiz_rest_read_body (msg)) == NULL ||
      !_wabiz_rest_get_strings (msg, body, fields, G_N_ELEMENTS (fields)) ||
      (normalized = _wabiz_rest_check_phone (msg, phone)) == NULL)
    return;

  if (!g_strv_contains (kinds, kind))
    {
      wabiz_http_reply_error (msg, 422, "invalid_media_type",
                              _("“media_type” must be image, video, audio or document"));
      return;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      wabiz_http_reply_error (msg, 422, "invalid_media_url",
                              _("“media_url” must be an http:// or https:// link Meta can fetch"));
      return;
    }
  if (caption != NULL && g_str_equal (kind, "audio"))
    g_clear_pointer (&caption, g_free);   /* Meta takes no caption on audio */
  if (!require_outbox (self, msg))
    return;

  outgoing = wabiz_outgoing_new_media (normalized, kind, url, NULL, caption, NULL);
  queue (self, msg, outgoing, NULL, "media_type", kind, FALSE);
}

/* /send-template (the old service's: its answer names template_used) and
 * /template/send */
static void
send_template (WabizRestApi      *self,
               SoupServerMessage *msg,
               gboolean           old_style)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *name = NULL;
  g_autofree char *language = NULL;
  g_autofree char *normalized = NULL;
  g_auto(GStrv) parameters = NULL;
  g_autoptr(WabizOutgoing) outgoing = NULL;
  const WabizRestField fields[] = {
    { "phone", TRUE, 32, &phone }, { "template_name", TRUE, 512, &name }, { "language", FALSE, 16, &language },
  };

  if ((body = _wabiz_rest_read_body (msg)) == NULL ||
      !_wabiz_rest_get_strings (msg, body, fields, G_N_ELEMENTS (fields)) ||
      !_wabiz_rest_get_string_list (msg, body, "parameters", &parameters) ||
      (normalized = _wabiz_rest_check_phone (msg, phone)) == NULL ||
      !require_outbox (self, msg))
    return;

  outgoing = wabiz_outgoing_new_template (normalized, name, language != NULL ? language : "en",
                                          (const char * const *) parameters);
  queue (self, msg, outgoing, NULL, old_style ? "template_used" : NULL, name, TRUE);
}

void
_wabiz_rest_handle_send_template (WabizRestApi      *self,
                                  SoupServerMessage *msg,
                                  GHashTable        *query,
                                  const char        *param)
{
  send_template (self, msg, TRUE);
}

void
_wabiz_rest_handle_template_send (WabizRestApi      *self,
                                  SoupServerMessage *msg,
                                  GHashTable        *query,
                                  const char        *param)
{
  send_template (self, msg, FALSE);
}
