/* wabiz-graph-client.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Meta Graph API client. One SoupSession; every call is
 * asynchronous. Failures become WABIZ_GRAPH_ERROR (wabiz-graph-error.c).
 *
 * Every call goes the same way: _wabiz_graph_client_call() builds the
 * request, call_done_cb() reads the answer and maps a failure to an
 * error, and the call's reply function makes its result from Meta's
 * JSON. Uploads and downloads are in wabiz-graph-client-media.c.
 */

#define G_LOG_DOMAIN "wabiz-graph-client"

#include "config.h"

#include "wabiz-graph-client-private.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#define MAX_PAGES 1000
#define DEFAULT_TEMPLATE_PAGE_SIZE 100

/* A call's task data */
typedef struct
{
  SoupMessage         *msg;         /* (owned) (nullable) the request in flight */
  gboolean             sent;        /* its headers left */
  WabizGraphReplyFunc  reply;       /* (nullable) */
  gpointer             state;       /* (owned) (nullable) */
  GDestroyNotify       state_free;  /* (nullable) */
} CallData;

/* list_templates's task state */
typedef struct
{
  JsonArray *items;   /* (owned) */
  guint      pages;
} TemplatePages;

G_DEFINE_FINAL_TYPE (WabizGraphClient, wabiz_graph_client, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (WabizGraphSent, wabiz_graph_sent, wabiz_graph_sent_copy, wabiz_graph_sent_free)

/* ------------------------------------------------------------------ */
/* the request path */

static void
call_data_free (CallData *data)
{
  g_clear_object (&data->msg);
  if (data->state_free != NULL)
    g_clear_pointer (&data->state, data->state_free);
  g_free (data);
}

GTask *
_wabiz_graph_client_new_call (WabizGraphClient    *self,
                              gpointer             source_tag,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_new0 (CallData, 1), (GDestroyNotify) call_data_free);
  return task;
}

void
_wabiz_graph_client_set_state (GTask          *task,
                               gpointer        state,
                               GDestroyNotify  state_free)
{
  CallData *data = g_task_get_task_data (task);

  g_assert (data->state == NULL);
  data->state = state;
  data->state_free = state_free;
}

gpointer
_wabiz_graph_client_get_state (GTask *task)
{
  CallData *data = g_task_get_task_data (task);

  return data->state;
}

SoupMessage *
_wabiz_graph_client_get_message (GTask *task)
{
  CallData *data = g_task_get_task_data (task);

  return data->msg;
}

/* The port @uri means, its scheme's default when it names none */
static int
effective_port (GUri *uri)
{
  int port = g_uri_get_port (uri);

  if (port > 0)
    return port;
  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;
}

static gboolean
same_origin (GUri *a,
             GUri *b)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0
         && g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0
         && effective_port (a) == effective_port (b);
}

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *lower = g_ascii_strdown (host, -1);

  if (g_str_equal (lower, "localhost") || g_str_has_suffix (lower, ".localhost"))
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* Where Meta serves the media its API gives the address of */
static gboolean
is_meta_media_host (GUri *uri)
{
  g_autofree char *host = g_ascii_strdown (g_uri_get_host (uri), -1);

  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0
         && (g_str_equal (host, "lookaside.fbsbx.com")
             || g_str_has_suffix (host, ".fbcdn.net")
             || g_str_has_suffix (host, ".whatsapp.net"));
}

static GUri *
parse_http_uri (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0
          && g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0))
    return NULL;
  return g_steal_pointer (&uri);
}

/**
 * wabiz_graph_check_url:
 * @url: a Graph API address, as configured
 *
 * The access token travels with every call, so the address must be
 * https://, or http:// to this computer's loopback (the simulator).
 * Returns: whether @url may be used; if not, @error says what to do
 *   (%WABIZ_GRAPH_ERROR_UNTRUSTED_HOST, or %WABIZ_GRAPH_ERROR_HTTP for an
 *   address that is not one).
 */
gboolean
wabiz_graph_check_url (const char  *url,
                       GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (url != NULL, FALSE);

  uri = parse_http_uri (url);
  if (uri == NULL)
    {
      g_set_error_literal (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_HTTP,
                           _("The Graph API address is not valid; it must be an https:// address such as https://graph.facebook.com"));
      return FALSE;
    }
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 && !is_loopback_host (g_uri_get_host (uri)))
    {
      g_set_error_literal (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_UNTRUSTED_HOST,
                           _("The Graph API address must start with https:// (http:// only for an address on this computer, such as the simulator), as the access token goes with every call; correct it in the settings"));
      return FALSE;
    }
  return TRUE;
}

SoupMessage *
_wabiz_graph_client_new_message (WabizGraphClient *self,
                                 const char       *method,
                                 const char       *url,
                                 GError          **error)
{
  g_autoptr(GUri) uri = parse_http_uri (url);
  g_autofree char *auth = NULL;
  SoupMessage *msg;

  if (uri == NULL)
    {
      g_set_error_literal (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_BAD_RESPONSE,
                           _("WhatsApp gave an address that is not valid"));
      return NULL;
    }
  if (self->base_uri != NULL && same_origin (uri, self->base_uri))
    {
      /* the Graph API itself, unless its address may not have the token */
      if (self->base_error != NULL)
        {
          g_propagate_error (error, g_error_copy (self->base_error));
          return NULL;
        }
    }
  else if (!is_meta_media_host (uri))
    {
      g_debug ("Not sending the access token to %s", g_uri_get_host (uri));
      g_set_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_UNTRUSTED_HOST,
                   _("WhatsApp named an address on %s, which is neither the Graph API nor Meta’s media server; "
                     "nothing was fetched from it, so that the access token goes nowhere else"),
                   g_uri_get_host (uri));
      return NULL;
    }

  msg = soup_message_new_from_uri (method, uri);
  /* a redirect is a new address: checked like any other */
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  auth = g_strdup_printf ("Bearer %s", self->access_token);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  return msg;
}

SoupMessage *
_wabiz_graph_client_new_request (WabizGraphClient *self,
                                 const char       *method,
                                 const char       *path,
                                 GError          **error)
{
  g_autofree char *url = g_strdup_printf ("%s/%s/%s", self->base_url, self->api_version, path);

  if (self->base_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->base_error));
      return NULL;
    }
  return _wabiz_graph_client_new_message (self, method, url, error);
}

static void
wrote_headers_cb (SoupMessage *msg,
                  gpointer     user_data)
{
  CallData *data = user_data;

  data->sent = TRUE;
}

/* Makes @msg the task's request and watches whether it left. */
static void
track_message (GTask       *task,
               SoupMessage *msg)
{
  CallData *data = g_task_get_task_data (task);

  g_set_object (&data->msg, msg);
  data->sent = FALSE;
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (wrote_headers_cb), data);
  g_debug ("%s %s", soup_message_get_method (msg), g_uri_get_path (soup_message_get_uri (msg)));
}

/* (transfer full) @local: a send that failed: a cancelled one stays
 * cancelled, else it was the network. */
static GError *
send_error (GTask  *task,
            GError *local)
{
  CallData *data = g_task_get_task_data (task);
  GError *error;

  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return local;
  error = _wabiz_graph_error_new_transport (data->sent, local);
  g_error_free (local);
  return error;
}

static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizGraphClient *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;

  bytes = soup_session_send_and_read_finish (self->session, result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, send_error (task, error));
      return;
    }

  root = _wabiz_graph_json_parse (bytes);
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (data->msg))
      || root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    g_task_return_error (task, _wabiz_graph_error_new_response (data->msg, root));
  else if (data->reply != NULL)
    data->reply (task, json_node_get_object (root));
  else
    g_task_return_boolean (task, TRUE);
}

void
_wabiz_graph_client_send (GTask               *task,
                          SoupMessage         *msg,
                          WabizGraphReplyFunc  reply)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);

  g_assert (msg != NULL);

  track_message (task, msg);
  data->reply = reply;
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), call_done_cb, task);
}

void
_wabiz_graph_client_call (GTask               *task,
                          const char          *method,
                          JsonNode            *body,
                          WabizGraphReplyFunc  reply,
                          const char          *path_format,
                          ...)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;
  va_list args;

  va_start (args, path_format);
  path = g_strdup_vprintf (path_format, args);
  va_end (args);

  msg = _wabiz_graph_client_new_request (self, method, path, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (body != NULL)
    {
      g_autofree char *text = json_to_string (body, FALSE);
      gsize len = strlen (text);

      soup_message_set_request_body_from_bytes (msg, "application/json",
                                                g_bytes_new_take (g_steal_pointer (&text), len));
    }
  _wabiz_graph_client_send (task, msg, reply);
}

void
_wabiz_graph_client_call_node (GTask               *task,
                               const char          *method,
                               const char          *node_id,
                               WabizGraphReplyFunc  reply)
{
  g_autofree char *escaped = g_uri_escape_string (node_id, NULL, FALSE);

  _wabiz_graph_client_call (task, method, NULL, reply, "%s", escaped);
}

void
_wabiz_graph_client_send_stream (GTask               *task,
                                 SoupMessage         *msg,
                                 GAsyncReadyCallback  done)
{
  WabizGraphClient *self = g_task_get_source_object (task);

  track_message (task, msg);
  soup_session_send_async (self->session, msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), done, task);
}

GInputStream *
_wabiz_graph_client_send_stream_finish (GTask         *task,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  GError *local = NULL;
  GInputStream *in;

  in = soup_session_send_finish (self->session, result, &local);
  if (in == NULL)
    g_propagate_error (error, send_error (task, local));
  return in;
}

/* ------------------------------------------------------------------ */

static void
clear_access_token (WabizGraphClient *self)
{
  if (self->access_token != NULL)
    memset (self->access_token, 0, strlen (self->access_token));
  g_clear_pointer (&self->access_token, g_free);
}

static void
wabiz_graph_client_dispose (GObject *object)
{
  WabizGraphClient *self = (WabizGraphClient *) object;

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (wabiz_graph_client_parent_class)->dispose (object);
}

static void
wabiz_graph_client_finalize (GObject *object)
{
  WabizGraphClient *self = (WabizGraphClient *) object;

  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->base_uri, g_uri_unref);
  g_clear_error (&self->base_error);
  g_clear_pointer (&self->api_version, g_free);
  g_clear_pointer (&self->phone_number_id, g_free);
  g_clear_pointer (&self->waba_id, g_free);
  g_clear_pointer (&self->app_id, g_free);
  clear_access_token (self);

  G_OBJECT_CLASS (wabiz_graph_client_parent_class)->finalize (object);
}

static void
wabiz_graph_client_class_init (WabizGraphClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_graph_client_dispose;
  object_class->finalize = wabiz_graph_client_finalize;
}

static void
wabiz_graph_client_init (WabizGraphClient *self)
{
  g_autofree char *agent = g_strdup_printf ("WaBiz/%s", PACKAGE_VERSION);

  self->session = soup_session_new_with_options ("timeout", 30,
                                                 "idle-timeout", 60,
                                                 "max-conns", 64,
                                                 "max-conns-per-host", 32,
                                                 "user-agent", agent,
                                                 NULL);
  self->template_page_size = DEFAULT_TEMPLATE_PAGE_SIZE;
}

/**
 * wabiz_graph_client_new:
 * @base_url: e.g. "https://graph.facebook.com" or the simulator's URL
 * @api_version: e.g. "v19.0"
 * @phone_number_id: the sending number's id
 * @waba_id: (nullable): the WhatsApp Business Account id (templates)
 * @access_token: the bearer token
 */
WabizGraphClient *
wabiz_graph_client_new (const char *base_url,
                        const char *api_version,
                        const char *phone_number_id,
                        const char *waba_id,
                        const char *access_token)
{
  WabizGraphClient *self;
  gsize len;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (api_version != NULL, NULL);
  g_return_val_if_fail (phone_number_id != NULL, NULL);
  g_return_val_if_fail (access_token != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_GRAPH_CLIENT, NULL);
  self->base_url = g_strdup (base_url);
  len = strlen (self->base_url);
  while (len > 0 && self->base_url[len - 1] == '/')
    self->base_url[--len] = '\0';
  self->base_uri = parse_http_uri (self->base_url);
  /* calls fail at once, saying why, rather than send the token there */
  if (!wabiz_graph_check_url (self->base_url, &self->base_error))
    g_message ("Not calling the Graph API at this address: %s", self->base_error->message);
  self->api_version = g_strdup (api_version);
  self->phone_number_id = g_strdup (phone_number_id);
  self->waba_id = g_strdup (waba_id);
  self->access_token = g_strdup (access_token);
  return self;
}

const char *
wabiz_graph_client_get_base_url (WabizGraphClient *self)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);

  return self->base_url;
}

void
wabiz_graph_client_set_access_token (WabizGraphClient *self,
                                     const char       *access_token)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (access_token != NULL);

  clear_access_token (self);
  self->access_token = g_strdup (access_token);
}

void
wabiz_graph_client_set_timeout (WabizGraphClient *self,
                                guint             timeout_s)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));

  soup_session_set_timeout (self->session, timeout_s);
}

/**
 * wabiz_graph_client_set_app_id:
 * @app_id: (nullable): the Meta app's id; %NULL: ask Graph (GET /app)
 *
 * The resumable upload (examples of media headers) goes to the app
 * the access token belongs to.
 */
void
wabiz_graph_client_set_app_id (WabizGraphClient *self,
                               const char       *app_id)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));

  g_free (self->app_id);
  self->app_id = app_id != NULL && *app_id != '\0' ? g_strdup (app_id) : NULL;
}

const char *
wabiz_graph_client_get_app_id (WabizGraphClient *self)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);

  return self->app_id;
}

void
_wabiz_graph_client_set_template_page_size (WabizGraphClient *self,
                                            guint             page_size)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));

  self->template_page_size = CLAMP (page_size, 1, 1000);
}


/* ------------------------------------------------------------------ */
/* messages */

WabizGraphSent *
wabiz_graph_sent_copy (const WabizGraphSent *sent)
{
  WabizGraphSent *copy = g_new0 (WabizGraphSent, 1);

  copy->input = g_strdup (sent->input);
  copy->wa_id = g_strdup (sent->wa_id);
  copy->wamid = g_strdup (sent->wamid);
  copy->message_status = g_strdup (sent->message_status);
  return copy;
}

void
wabiz_graph_sent_free (WabizGraphSent *sent)
{
  if (sent == NULL)
    return;
  g_free (sent->input);
  g_free (sent->wa_id);
  g_free (sent->wamid);
  g_free (sent->message_status);
  g_free (sent);
}

static void
sent_reply (GTask      *task,
            JsonObject *reply)
{
  JsonObject *contact = _wabiz_graph_json_get_first_object (reply, "contacts");
  JsonObject *message = _wabiz_graph_json_get_first_object (reply, "messages");
  g_autoptr(WabizGraphSent) sent = NULL;

  if (wabiz_json_string_member (message, "id") == NULL)
    {
      /* accepted, but no id to follow it by */
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, TRUE,
                                                               _("WhatsApp accepted the message without giving its id")));
      return;
    }

  sent = g_new0 (WabizGraphSent, 1);
  sent->input = g_strdup (wabiz_json_string_member (contact, "input"));
  sent->wa_id = g_strdup (wabiz_json_string_member (contact, "wa_id"));
  sent->wamid = g_strdup (wabiz_json_string_member (message, "id"));
  sent->message_status = g_strdup (wabiz_json_string_member (message, "message_status"));
  g_debug ("Sent %s", sent->wamid);
  g_task_return_pointer (task, g_steal_pointer (&sent), (GDestroyNotify) wabiz_graph_sent_free);
}

void
wabiz_graph_client_send_message_async (WabizGraphClient    *self,
                                       JsonObject          *message,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GList) members = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonObject *object;
  GTask *task;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = _wabiz_graph_client_new_call (self, wabiz_graph_client_send_message_async,
                                       cancellable, callback, user_data);

  object = json_object_new ();
  json_object_set_string_member (object, "messaging_product", "whatsapp");
  members = json_object_get_members (message);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "messaging_product"))
      json_object_set_member (object, l->data,
                              json_node_copy (json_object_get_member (message, l->data)));
  body = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);

  _wabiz_graph_client_call (task, "POST", body, sent_reply, "%s/messages", self->phone_number_id);
}

WabizGraphSent *
wabiz_graph_client_send_message_finish (WabizGraphClient *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_send_message_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Marks @wamid read, with the typing indicator if @typing. */
static void
post_read (GTask      *task,
           const char *wamid,
           gboolean    typing)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "messaging_product");
  json_builder_add_string_value (builder, "whatsapp");
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "read");
  json_builder_set_member_name (builder, "message_id");
  json_builder_add_string_value (builder, wamid);
  if (typing)
    {
      json_builder_set_member_name (builder, "typing_indicator");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "text");
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  _wabiz_graph_client_call (task, "POST", body, NULL, "%s/messages", self->phone_number_id);
}

void
wabiz_graph_client_mark_read_async (WabizGraphClient    *self,
                                    const char          *wamid,
                                    gboolean             typing,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (wamid != NULL);

  post_read (_wabiz_graph_client_new_call (self, wabiz_graph_client_mark_read_async,
                                           cancellable, callback, user_data),
             wamid, typing);
}

gboolean
wabiz_graph_client_mark_read_finish (WabizGraphClient *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_mark_read_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wabiz_graph_client_send_typing_async (WabizGraphClient    *self,
                                      const char          *wamid,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (wamid != NULL);

  post_read (_wabiz_graph_client_new_call (self, wabiz_graph_client_send_typing_async,
                                           cancellable, callback, user_data),
             wamid, TRUE);
}

gboolean
wabiz_graph_client_send_typing_finish (WabizGraphClient *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_send_typing_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* the phone number */

/* Meta's answer as it is. */
static void
object_reply (GTask      *task,
              JsonObject *reply)
{
  g_task_return_pointer (task, json_object_ref (reply), (GDestroyNotify) json_object_unref);
}

/**
 * wabiz_graph_client_get_phone_number_async:
 *
 * Asks for the configured phone number (GET /{phone-number-id}): the
 * check that the id and the access token belong together.
 */
void
wabiz_graph_client_get_phone_number_async (WabizGraphClient    *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));

  _wabiz_graph_client_call_node (_wabiz_graph_client_new_call (self, wabiz_graph_client_get_phone_number_async,
                                                               cancellable, callback, user_data),
                                 "GET", self->phone_number_id, object_reply);
}

/* Returns: (transfer full): the phone number's fields (display_phone_number, verified_name, …) */
JsonObject *
wabiz_graph_client_get_phone_number_finish (WabizGraphClient *self,
                                            GAsyncResult     *result,
                                            GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_get_phone_number_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* templates */

static gboolean
check_waba (WabizGraphClient *self,
            GTask            *task)
{
  if (self->waba_id != NULL && *self->waba_id != '\0')
    return TRUE;

  g_task_return_new_error (task, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_INVALID_PARAMETER,
                           _("The WhatsApp Business Account id is not set"));
  g_object_unref (task);
  return FALSE;
}

static void
template_pages_free (TemplatePages *pages)
{
  json_array_unref (pages->items);
  g_free (pages);
}

static void template_page_reply (GTask *task, JsonObject *reply);

/* The first page, or the one after the cursor @after */
static void
request_page (GTask      *task,
              const char *after)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  g_autofree char *escaped = after ? g_uri_escape_string (after, NULL, FALSE) : NULL;

  _wabiz_graph_client_call (task, "GET", NULL, template_page_reply,
                            "%s/message_templates?fields=name,status,category,language,components,"
                            "quality_score,parameter_format,rejected_reason&limit=%u%s%s",
                            self->waba_id, self->template_page_size,
                            escaped ? "&after=" : "", escaped ? escaped : "");
}

/* The next page is where Meta's paging.next says when that is the
 * Graph API's own address; else (a proxy, a relay in front of Graph)
 * the page after the cursor, asked of our own address: the token goes
 * nowhere else either way */
static void
request_next_page (GTask      *task,
                   const char *next,
                   const char *after)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  g_autoptr(GUri) next_uri = parse_http_uri (next);
  g_autoptr(SoupMessage) msg = NULL;
  GError *error = NULL;

  if (next_uri == NULL || self->base_uri == NULL || !same_origin (next_uri, self->base_uri))
    {
      if (after == NULL)
        {
          g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                                                   _("WhatsApp gave the next page of templates without saying where it is")));
          g_object_unref (task);
          return;
        }
      request_page (task, after);
      return;
    }

  msg = _wabiz_graph_client_new_message (self, "GET", next, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  _wabiz_graph_client_send (task, msg, template_page_reply);
}

static void
template_page_reply (GTask      *task,
                     JsonObject *reply)
{
  TemplatePages *pages = _wabiz_graph_client_get_state (task);
  JsonArray *items = wabiz_json_array_member (reply, "data");
  guint n_items = items != NULL ? json_array_get_length (items) : 0;
  JsonObject *paging;
  const char *next;
  const char *after;

  for (guint i = 0; i < n_items; i++)
    if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (items, i)))
      json_array_add_element (pages->items, json_node_copy (json_array_get_element (items, i)));

  paging = wabiz_json_object_member (reply, "paging");
  next = wabiz_json_string_member (paging, "next");
  after = wabiz_json_string_member (wabiz_json_object_member (paging, "cursors"), "after");
  pages->pages++;
  g_debug ("Template page %u: %u templates%s", pages->pages, n_items, next != NULL ? ", more" : "");
  /* an empty page with a next one would go round for ever */
  if (next != NULL && n_items > 0 && pages->pages < MAX_PAGES)
    {
      request_next_page (g_object_ref (task), next, after);
      return;
    }

  g_task_return_pointer (task, json_array_ref (pages->items), (GDestroyNotify) json_array_unref);
}

void
wabiz_graph_client_list_templates_async (WabizGraphClient    *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  TemplatePages *pages;
  GTask *task;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));

  task = _wabiz_graph_client_new_call (self, wabiz_graph_client_list_templates_async,
                                       cancellable, callback, user_data);
  if (!check_waba (self, task))
    return;
  pages = g_new0 (TemplatePages, 1);
  pages->items = json_array_new ();
  _wabiz_graph_client_set_state (task, pages, (GDestroyNotify) template_pages_free);
  request_page (task, NULL);
}

JsonArray *
wabiz_graph_client_list_templates_finish (WabizGraphClient *self,
                                          GAsyncResult     *result,
                                          GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_list_templates_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_graph_client_create_template_async (WabizGraphClient    *self,
                                          JsonObject          *tmpl,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;
  GTask *task;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (tmpl != NULL);

  task = _wabiz_graph_client_new_call (self, wabiz_graph_client_create_template_async,
                                       cancellable, callback, user_data);
  if (!check_waba (self, task))
    return;
  body = json_node_init_object (json_node_alloc (), tmpl);
  _wabiz_graph_client_call (task, "POST", body, object_reply, "%s/message_templates", self->waba_id);
}

JsonObject *
wabiz_graph_client_create_template_finish (WabizGraphClient *self,
                                           GAsyncResult     *result,
                                           GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_create_template_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * wabiz_graph_client_edit_template_async:
 * @template_id: Meta's id of the template (one language)
 * @changes: new `components` and/or `category`
 *
 * POST /{template-id}: the template goes back to review (PENDING).
 */
void
wabiz_graph_client_edit_template_async (WabizGraphClient    *self,
                                        const char          *template_id,
                                        JsonObject          *changes,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *escaped = NULL;
  GTask *task;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (template_id != NULL);
  g_return_if_fail (changes != NULL);

  task = _wabiz_graph_client_new_call (self, wabiz_graph_client_edit_template_async,
                                       cancellable, callback, user_data);
  body = json_node_init_object (json_node_alloc (), changes);
  escaped = g_uri_escape_string (template_id, NULL, FALSE);
  _wabiz_graph_client_call (task, "POST", body, NULL, "%s", escaped);
}

gboolean
wabiz_graph_client_edit_template_finish (WabizGraphClient *self,
                                         GAsyncResult     *result,
                                         GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_edit_template_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wabiz_graph_client_delete_template_async (WabizGraphClient    *self,
                                          const char          *name,
                                          const char          *hsm_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autofree char *ename = NULL;
  g_autofree char *eid = NULL;
  GTask *task;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (name != NULL);

  task = _wabiz_graph_client_new_call (self, wabiz_graph_client_delete_template_async,
                                       cancellable, callback, user_data);
  if (!check_waba (self, task))
    return;
  ename = g_uri_escape_string (name, NULL, FALSE);
  eid = hsm_id ? g_uri_escape_string (hsm_id, NULL, FALSE) : NULL;
  _wabiz_graph_client_call (task, "DELETE", NULL, NULL, "%s/message_templates?name=%s%s%s",
                            self->waba_id, ename, eid ? "&hsm_id=" : "", eid ? eid : "");
}

gboolean
wabiz_graph_client_delete_template_finish (WabizGraphClient *self,
                                           GAsyncResult     *result,
                                           GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_delete_template_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
