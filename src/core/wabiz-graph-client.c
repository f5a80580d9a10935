/* wabiz-graph-client.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Meta Graph API client. One SoupSession; every call is
 * asynchronous. Failures become WABIZ_GRAPH_ERROR (wabiz-graph-error.c).
 *
 * Media uploads stream the file from disk: the multipart body is a
 * WabizConcatInputStream of a small header, the GFileInputStream and
 * the trailer, with an exact Content-Length, so a 100 MB document is
 * never held in memory.
 */

#define G_LOG_DOMAIN "wabiz-graph-client"

#include "config.h"

#include "wabiz-concat-input-stream.h"
#include "wabiz-graph-client.h"
#include "wabiz-graph-error-private.h"
#include "wabiz-graph-json-private.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include <errno.h>
#include <string.h>

#define DOWNLOAD_CHUNK   (64 * 1024)
#define MAX_PAGES        1000

struct _WabizGraphClient
{
  GObject      parent_instance;

  SoupSession *session;          /* (owned) */
  char        *base_url;         /* (owned) without trailing slash */
  char        *api_version;      /* (owned) */
  char        *phone_number_id;  /* (owned) */
  char        *waba_id;          /* (owned) (nullable) */
  char        *access_token;     /* (owned): never logged */
};

G_DEFINE_FINAL_TYPE (WabizGraphClient, wabiz_graph_client, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (WabizGraphSent, wabiz_graph_sent, wabiz_graph_sent_copy, wabiz_graph_sent_free)
G_DEFINE_BOXED_TYPE (WabizGraphMediaInfo, wabiz_graph_media_info,
                     wabiz_graph_media_info_copy, wabiz_graph_media_info_free)

/* ------------------------------------------------------------------ */
/* boxed types */

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

WabizGraphMediaInfo *
wabiz_graph_media_info_copy (const WabizGraphMediaInfo *info)
{
  WabizGraphMediaInfo *copy = g_new0 (WabizGraphMediaInfo, 1);

  copy->id = g_strdup (info->id);
  copy->url = g_strdup (info->url);
  copy->mime_type = g_strdup (info->mime_type);
  copy->sha256 = g_strdup (info->sha256);
  copy->file_size = info->file_size;
  return copy;
}

void
wabiz_graph_media_info_free (WabizGraphMediaInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->url);
  g_free (info->mime_type);
  g_free (info->sha256);
  g_free (info);
}

/* ------------------------------------------------------------------ */
/* calls */

typedef struct
{
  SoupMessage         *msg;             /* (owned) (nullable) */
  gboolean             sent;            /* the request's headers left */

  /* media upload */
  GFile               *file;            /* (owned) (nullable) */
  char                *kind;            /* (owned) (nullable) */
  char                *mime;            /* (owned) (nullable) */
  goffset              size;

  /* media download */
  char                *media_id;        /* (owned) (nullable) */
  char                *expected_sha256; /* (owned) (nullable) */
  char                *cache_dir;       /* (owned) (nullable) */
  WabizGraphMediaInfo *info;            /* (owned) (nullable) */
  guint                resolves;
  GFile               *part_file;       /* (owned) (nullable) */
  GFile               *final_file;      /* (owned) (nullable) */
  GInputStream        *in;              /* (owned) (nullable) */
  GOutputStream       *out;             /* (owned) (nullable) */
  GChecksum           *checksum;        /* (owned) (nullable) */
  gint64               received;

  /* templates */
  JsonArray           *items;           /* (owned) (nullable) */
  guint                pages;
} CallData;

static void
call_data_free (CallData *data)
{
  g_clear_object (&data->msg);
  g_clear_object (&data->file);
  g_clear_pointer (&data->kind, g_free);
  g_clear_pointer (&data->mime, g_free);
  g_clear_pointer (&data->media_id, g_free);
  g_clear_pointer (&data->expected_sha256, g_free);
  g_clear_pointer (&data->cache_dir, g_free);
  g_clear_pointer (&data->info, wabiz_graph_media_info_free);
  if (data->part_file != NULL && data->final_file == NULL)
    g_file_delete (data->part_file, NULL, NULL);
  g_clear_object (&data->part_file);
  g_clear_object (&data->final_file);
  g_clear_object (&data->in);
  g_clear_object (&data->out);
  g_clear_pointer (&data->checksum, g_checksum_free);
  g_clear_pointer (&data->items, json_array_unref);
  g_free (data);
}

static GTask *
new_call (WabizGraphClient    *self,
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

static char *
graph_url (WabizGraphClient *self,
           const char       *path)
{
  return g_strdup_printf ("%s/%s/%s", self->base_url, self->api_version, path);
}

static SoupMessage *
new_message (WabizGraphClient *self,
             const char       *method,
             const char       *url)
{
  SoupMessage *msg = soup_message_new (method, url);
  g_autofree char *auth = NULL;

  if (msg == NULL)
    return NULL;

  auth = g_strdup_printf ("Bearer %s", self->access_token);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  return msg;
}

static void
set_json_body (SoupMessage *msg,
               JsonNode    *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  gsize len = strlen (text);

  soup_message_set_request_body_from_bytes (msg, "application/json",
                                            g_bytes_new_take (g_steal_pointer (&text), len));
}

static void
wrote_headers_cb (SoupMessage *msg,
                  gpointer     user_data)
{
  CallData *data = user_data;

  data->sent = TRUE;
}

/* Sends @msg for @task; @done gets @task back as user data. */
static void
start_call (GTask               *task,
            SoupMessage         *msg,
            GAsyncReadyCallback  done)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);

  g_set_object (&data->msg, msg);
  data->sent = FALSE;
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (wrote_headers_cb), data);

  g_debug ("%s %s", soup_message_get_method (msg), g_uri_get_path (soup_message_get_uri (msg)));
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), done, task);
}

/* Ends a call: the JSON root of a 2xx answer, or the error. */
static JsonNode *
finish_call (GTask        *task,
             GAsyncResult *result,
             GError      **error)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  g_autoptr(GError) local = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;

  bytes = soup_session_send_and_read_finish (self->session, result, &local);
  if (bytes == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_propagate_error (error, _wabiz_graph_error_new_transport (data->sent, local));
      return NULL;
    }

  root = _wabiz_graph_json_parse (bytes);
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (data->msg))
      || root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_propagate_error (error, _wabiz_graph_error_new_response (data->msg, root));
      return NULL;
    }

  return g_steal_pointer (&root);
}

static void
return_success_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;

  root = finish_call (task, result, &error);
  if (root == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
post_json (GTask       *task,
           const char  *path,
           JsonNode    *body,
           GAsyncReadyCallback done)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  g_autofree char *url = graph_url (self, path);
  g_autoptr(SoupMessage) msg = new_message (self, "POST", url);

  if (msg == NULL)
    {
      g_task_return_new_error (task, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_HTTP,
                               _("The Graph API address is not valid"));
      g_object_unref (task);
      return;
    }
  set_json_body (msg, body);
  start_call (task, msg, done);
}

/* ------------------------------------------------------------------ */

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
  g_clear_pointer (&self->api_version, g_free);
  g_clear_pointer (&self->phone_number_id, g_free);
  g_clear_pointer (&self->waba_id, g_free);
  if (self->access_token != NULL)
    memset (self->access_token, 0, strlen (self->access_token));
  g_clear_pointer (&self->access_token, g_free);

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

  if (self->access_token != NULL)
    memset (self->access_token, 0, strlen (self->access_token));
  g_free (self->access_token);
  self->access_token = g_strdup (access_token);
}

void
wabiz_graph_client_set_timeout (WabizGraphClient *self,
                                guint             timeout_s)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));

  soup_session_set_timeout (self->session, timeout_s);
}

/* ------------------------------------------------------------------ */
/* messages */

static void
send_message_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(WabizGraphSent) sent = NULL;
  JsonObject *contact;
  JsonObject *message;
  GError *error = NULL;

  root = finish_call (task, result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  contact = _wabiz_graph_json_get_first_object (json_node_get_object (root), "contacts");
  message = _wabiz_graph_json_get_first_object (json_node_get_object (root), "messages");
  if (_wabiz_graph_json_get_string (message, "id") == NULL)
    {
      /* accepted, but no id to follow it by */
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, TRUE,
                                              _("WhatsApp accepted the message without giving its id")));
      return;
    }

  sent = g_new0 (WabizGraphSent, 1);
  sent->input = g_strdup (_wabiz_graph_json_get_string (contact, "input"));
  sent->wa_id = g_strdup (_wabiz_graph_json_get_string (contact, "wa_id"));
  sent->wamid = g_strdup (_wabiz_graph_json_get_string (message, "id"));
  sent->message_status = g_strdup (_wabiz_graph_json_get_string (message, "message_status"));
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
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;
  JsonObject *object;
  GTask *task;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = new_call (self, wabiz_graph_client_send_message_async, cancellable, callback, user_data);

  object = json_object_new ();
  json_object_set_string_member (object, "messaging_product", "whatsapp");
  {
    g_autoptr(GList) members = json_object_get_members (message);

    for (GList *l = members; l != NULL; l = l->next)
      if (!g_str_equal (l->data, "messaging_product"))
        json_object_set_member (object, l->data,
                                json_node_copy (json_object_get_member (message, l->data)));
  }
  body = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);

  path = g_strdup_printf ("%s/messages", self->phone_number_id);
  post_json (task, path, body, send_message_cb);
}

WabizGraphSent *
wabiz_graph_client_send_message_finish (WabizGraphClient *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_send_message_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
post_read (WabizGraphClient *self,
           GTask            *task,
           const char       *wamid,
           gboolean          typing)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = g_strdup_printf ("%s/messages", self->phone_number_id);

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

  post_json (task, path, body, return_success_cb);
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

  post_read (self, new_call (self, wabiz_graph_client_mark_read_async, cancellable, callback, user_data),
             wamid, typing);
}

gboolean
wabiz_graph_client_mark_read_finish (WabizGraphClient *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_mark_read_async), FALSE);

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

  post_read (self, new_call (self, wabiz_graph_client_send_typing_async, cancellable, callback, user_data),
             wamid, TRUE);
}

gboolean
wabiz_graph_client_send_typing_finish (WabizGraphClient *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_send_typing_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* media upload */

static void
upload_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) root = NULL;
  const char *id;
  GError *error = NULL;

  root = finish_call (task, result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  id = _wabiz_graph_json_get_string (json_node_get_object (root), "id");
  if (id == NULL)
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                              _("WhatsApp accepted the upload without giving its id")));
      return;
    }
  g_debug ("Uploaded media %s", id);
  g_task_return_pointer (task, g_strdup (id), g_free);
}

static char *
quote_filename (const char *name)
{
  GString *s = g_string_new (NULL);

  for (const char *p = name; *p; p++)
    g_string_append_c (s, (*p == '"' || *p == '\r' || *p == '\n' || *p == '\\') ? '_' : *p);
  return g_string_free (s, FALSE);
}

typedef struct
{
  char    *kind;
  char    *mime;
  goffset  size;
  GFileInputStream *stream;
} CheckResult;

static void
check_result_free (CheckResult *r)
{
  g_free (r->kind);
  g_free (r->mime);
  g_clear_object (&r->stream);
  g_free (r);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GFile *file = task_data;
  GTask *outer = g_object_get_data (G_OBJECT (task), "outer");
  CallData *data = g_task_get_task_data (outer);
  g_autofree char *path = g_file_get_path (file);
  CheckResult *r = g_new0 (CheckResult, 1);
  GError *error = NULL;

  if (path == NULL)
    {
      check_result_free (r);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only local files can be uploaded"));
      return;
    }
  if (!wabiz_graph_check_media_file (path, data->kind, &r->kind, &r->mime, &r->size, &error))
    {
      check_result_free (r);
      g_task_return_error (task, error);
      return;
    }
  r->stream = g_file_read (file, cancellable, &error);
  if (r->stream == NULL)
    {
      check_result_free (r);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, r, (GDestroyNotify) check_result_free);
}

static void
check_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizGraphClient *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  g_autoptr(WabizConcatInputStream) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *boundary = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *filename = NULL;
  g_autofree char *url = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *path = NULL;
  CheckResult *r;
  GString *head;
  GBytes *head_bytes;
  GBytes *tail_bytes;
  GError *error = NULL;

  r = g_task_propagate_pointer (G_TASK (result), &error);
  if (r == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_free (data->kind);
  data->kind = g_strdup (r->kind);
  g_free (data->mime);
  data->mime = g_strdup (r->mime);
  data->size = r->size;

  boundary = g_strdup_printf ("wabiz-%08x%08x%08x", g_random_int (), g_random_int (), g_random_int ());
  basename = g_file_get_basename (data->file);
  filename = quote_filename (basename);

  head = g_string_new (NULL);
  g_string_append_printf (head,
                          "--%s\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\n"
                          "whatsapp\r\n", boundary);
  g_string_append_printf (head,
                          "--%s\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n%s\r\n",
                          boundary, r->mime);
  g_string_append_printf (head,
                          "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                          "Content-Type: %s\r\n\r\n", boundary, filename, r->mime);
  head_bytes = g_string_free_to_bytes (head);
  tail_bytes = g_bytes_new_take (g_strdup_printf ("\r\n--%s--\r\n", boundary), strlen (boundary) + 8);

  body = wabiz_concat_input_stream_new ();
  wabiz_concat_input_stream_add_bytes (body, head_bytes);
  wabiz_concat_input_stream_add_stream (body, G_INPUT_STREAM (r->stream));
  wabiz_concat_input_stream_add_bytes (body, tail_bytes);

  path = g_strdup_printf ("%s/media", self->phone_number_id);
  url = graph_url (self, path);
  msg = new_message (self, "POST", url);
  content_type = g_strdup_printf ("multipart/form-data; boundary=%s", boundary);
  soup_message_set_request_body (msg, content_type, G_INPUT_STREAM (body),
                                 (gssize) (g_bytes_get_size (head_bytes) + r->size
                                           + g_bytes_get_size (tail_bytes)));
  g_bytes_unref (head_bytes);
  g_bytes_unref (tail_bytes);
  check_result_free (r);

  start_call (g_steal_pointer (&task), msg, upload_cb);
}

void
wabiz_graph_client_upload_media_async (WabizGraphClient    *self,
                                       GFile               *file,
                                       const char          *kind,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  g_autoptr(GTask) check = NULL;
  CallData *data;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (G_IS_FILE (file));

  task = new_call (self, wabiz_graph_client_upload_media_async, cancellable, callback, user_data);
  data = g_task_get_task_data (task);
  data->file = g_object_ref (file);
  data->kind = g_strdup (kind);

  /* the check reads the file: on a worker thread */
  check = g_task_new (self, cancellable, check_done_cb, task);
  g_object_set_data (G_OBJECT (check), "outer", task);
  g_task_set_task_data (check, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (check, check_thread);
}

char *
wabiz_graph_client_upload_media_finish (WabizGraphClient *self,
                                        GAsyncResult     *result,
                                        char            **out_mime,
                                        GError          **error)
{
  char *id;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_upload_media_async), NULL);

  id = g_task_propagate_pointer (G_TASK (result), error);
  if (id != NULL && out_mime != NULL)
    {
      CallData *data = g_task_get_task_data (G_TASK (result));

      *out_mime = g_strdup (data->mime);
    }
  return id;
}

/* ------------------------------------------------------------------ */
/* media info, download, delete */

static WabizGraphMediaInfo *
media_info_from_json (JsonNode *root)
{
  JsonObject *o = json_node_get_object (root);
  WabizGraphMediaInfo *info;

  if (_wabiz_graph_json_get_string (o, "url") == NULL)
    return NULL;

  info = g_new0 (WabizGraphMediaInfo, 1);
  info->id = g_strdup (_wabiz_graph_json_get_string (o, "id"));
  info->url = g_strdup (_wabiz_graph_json_get_string (o, "url"));
  info->mime_type = g_strdup (_wabiz_graph_json_get_string (o, "mime_type"));
  info->sha256 = g_strdup (_wabiz_graph_json_get_string (o, "sha256"));
  info->file_size = _wabiz_graph_json_get_int (o, "file_size", -1);
  return info;
}

static void
get_media_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) root = NULL;
  WabizGraphMediaInfo *info;
  GError *error = NULL;

  root = finish_call (task, result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  info = media_info_from_json (root);
  if (info == NULL)
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                              _("WhatsApp did not give the media’s address")));
      return;
    }
  g_task_return_pointer (task, info, (GDestroyNotify) wabiz_graph_media_info_free);
}

static void
start_get_media (GTask               *task,
                 const char          *media_id,
                 GAsyncReadyCallback  done)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  g_autofree char *escaped = g_uri_escape_string (media_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("%s?phone_number_id=%s", escaped, self->phone_number_id);
  g_autofree char *url = graph_url (self, path);
  g_autoptr(SoupMessage) msg = new_message (self, "GET", url);

  start_call (task, msg, done);
}

void
wabiz_graph_client_get_media_async (WabizGraphClient    *self,
                                    const char          *media_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (media_id != NULL);

  start_get_media (new_call (self, wabiz_graph_client_get_media_async, cancellable, callback, user_data),
                   media_id, get_media_cb);
}

WabizGraphMediaInfo *
wabiz_graph_client_get_media_finish (WabizGraphClient *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_get_media_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
get_phone_number_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;

  root = finish_call (task, result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                              _("WhatsApp did not describe the phone number")));
      return;
    }
  g_task_return_pointer (task, json_object_ref (json_node_get_object (root)),
                         (GDestroyNotify) json_object_unref);
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
  GTask *task;
  g_autofree char *escaped = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));

  task = new_call (self, wabiz_graph_client_get_phone_number_async, cancellable, callback, user_data);
  escaped = g_uri_escape_string (self->phone_number_id != NULL ? self->phone_number_id : "", NULL, FALSE);
  url = graph_url (self, escaped);
  msg = new_message (self, "GET", url);
  start_call (task, msg, get_phone_number_cb);
}

/* Returns: (transfer full): the phone number's fields (display_phone_number, verified_name, …) */
JsonObject *
wabiz_graph_client_get_phone_number_finish (WabizGraphClient *self,
                                            GAsyncResult     *result,
                                            GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_get_phone_number_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
sha256_matches (const guint8 *digest,
                gsize         digest_len,
                const char   *expected)
{
  g_autofree char *b64 = NULL;
  GString *hex;
  gboolean ok;

  if (strlen (expected) == 64)
    {
      hex = g_string_new (NULL);
      for (gsize i = 0; i < digest_len; i++)
        g_string_append_printf (hex, "%02x", digest[i]);
      ok = g_ascii_strcasecmp (hex->str, expected) == 0;
      g_string_free (hex, TRUE);
      return ok;
    }

  b64 = g_base64_encode (digest, digest_len);
  return g_str_equal (b64, expected);
}

static void download_read_cb (GObject *object, GAsyncResult *result, gpointer user_data);
static void download_resolved_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static void
download_moved_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_file_move_finish (G_FILE (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_object (&data->part_file);
  g_task_return_pointer (task, g_file_get_path (data->final_file), g_free);
}

static void
download_closed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  const char *expected = data->expected_sha256 ? data->expected_sha256 : data->info->sha256;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *name = NULL;
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_checksum_get_digest (data->checksum, digest, &digest_len);
  if (expected != NULL && *expected != '\0' && !sha256_matches (digest, digest_len, expected))
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_CHECKSUM, FALSE,
                                              _("The downloaded media is damaged (its checksum does not match)")));
      return;
    }

  name = g_strdup_printf ("%s.%s", data->media_id, wabiz_graph_extension_for_mime (data->info->mime_type));
  data->final_file = g_file_new_build_filename (data->cache_dir, name, NULL);
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    g_file_move_async (data->part_file, data->final_file, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT,
                       cancellable, NULL, NULL, download_moved_cb,
                       g_steal_pointer (&task));
  }
}

static void
download_written_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    g_input_stream_read_bytes_async (data->in, DOWNLOAD_CHUNK, G_PRIORITY_DEFAULT,
                                     cancellable, download_read_cb,
                                     g_steal_pointer (&task));
  }
}

static void
download_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;
  gsize len;
  const guint8 *p;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  p = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      {
        GCancellable *cancellable = g_task_get_cancellable (task);

        g_output_stream_close_async (data->out, G_PRIORITY_DEFAULT, cancellable,
                                     download_closed_cb, g_steal_pointer (&task));
      }
      return;
    }

  data->received += len;
  if (data->info->file_size > 0 && data->received > data->info->file_size)
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_CHECKSUM, FALSE,
                                              _("The downloaded media is larger than announced")));
      return;
    }
  g_checksum_update (data->checksum, p, len);
  /* the bytes stay alive with the task's read until the write is done */
  g_object_set_data_full (G_OBJECT (task), "chunk", g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    g_output_stream_write_all_async (data->out, p, len, G_PRIORITY_DEFAULT, cancellable,
                                     download_written_cb, g_steal_pointer (&task));
  }
}

static void
download_opened_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->out = G_OUTPUT_STREAM (g_file_replace_finish (G_FILE (object), result, &error));
  if (data->out == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  data->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    g_input_stream_read_bytes_async (data->in, DOWNLOAD_CHUNK, G_PRIORITY_DEFAULT,
                                     cancellable, download_read_cb,
                                     g_steal_pointer (&task));
  }
}

static void
download_sent_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizGraphClient *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  g_autofree char *part_name = NULL;
  GError *error = NULL;
  guint status;

  data->in = soup_session_send_finish (self->session, result, &error);
  if (data->in == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, error);
      else
        {
          g_task_return_error (task, _wabiz_graph_error_new_transport (data->sent, error));
          g_error_free (error);
        }
      return;
    }

  status = soup_message_get_status (data->msg);
  if ((status == 401 || status == 404) && data->resolves < 2)
    {
      /* the short-lived URL expired: resolve it again */
      g_clear_object (&data->in);
      start_get_media (g_steal_pointer (&task), data->media_id, download_resolved_cb);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, _wabiz_graph_error_new_response (data->msg, NULL));
      return;
    }

  if (g_mkdir_with_parents (data->cache_dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Cannot create the media folder “%s”: %s"), data->cache_dir,
                               g_strerror (saved));
      return;
    }
  part_name = g_strdup_printf (".%s.part", data->media_id);
  data->part_file = g_file_new_build_filename (data->cache_dir, part_name, NULL);
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    g_file_replace_async (data->part_file, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                          G_PRIORITY_DEFAULT, cancellable, download_opened_cb,
                          g_steal_pointer (&task));
  }
}

static void
download_resolved_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizGraphClient *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *auth = NULL;
  GError *error = NULL;

  root = finish_call (task, result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_pointer (&data->info, wabiz_graph_media_info_free);
  data->info = media_info_from_json (root);
  if (data->info == NULL)
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                              _("WhatsApp did not give the media’s address")));
      return;
    }
  data->resolves++;

  /* the download needs the same bearer token */
  msg = new_message (self, "GET", data->info->url);
  if (msg == NULL)
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                              _("WhatsApp gave a media address that is not valid")));
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "*/*");
  g_set_object (&data->msg, msg);
  data->sent = FALSE;
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (wrote_headers_cb), data);
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    soup_session_send_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                             download_sent_cb, g_steal_pointer (&task));
  }
}

void
wabiz_graph_client_download_media_async (WabizGraphClient    *self,
                                         const char          *media_id,
                                         const char          *expected_sha256,
                                         const char          *cache_dir,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  GTask *task;
  CallData *data;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (media_id != NULL);
  g_return_if_fail (cache_dir != NULL);

  task = new_call (self, wabiz_graph_client_download_media_async, cancellable, callback, user_data);
  data = g_task_get_task_data (task);
  data->media_id = g_strdup (media_id);
  data->expected_sha256 = g_strdup (expected_sha256);
  data->cache_dir = g_strdup (cache_dir);

  /* media ids are digits; anything else must not become a path */
  for (const char *p = media_id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      {
        g_task_return_new_error (task, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_INVALID_PARAMETER,
                                 _("“%s” is not a media id"), media_id);
        g_object_unref (task);
        return;
      }

  start_get_media (task, media_id, download_resolved_cb);
}

char *
wabiz_graph_client_download_media_finish (WabizGraphClient *self,
                                          GAsyncResult     *result,
                                          GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_download_media_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_graph_client_delete_media_async (WabizGraphClient    *self,
                                       const char          *media_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  g_autofree char *escaped = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (media_id != NULL);

  task = new_call (self, wabiz_graph_client_delete_media_async, cancellable, callback, user_data);
  escaped = g_uri_escape_string (media_id, NULL, FALSE);
  url = graph_url (self, escaped);
  msg = new_message (self, "DELETE", url);
  start_call (task, msg, return_success_cb);
}

gboolean
wabiz_graph_client_delete_media_finish (WabizGraphClient *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_delete_media_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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

static void list_page_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static void
request_page (GTask      *task,
              const char *after)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  g_autofree char *escaped = after ? g_uri_escape_string (after, NULL, FALSE) : NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  path = g_strdup_printf ("%s/message_templates?fields=name,status,category,language,components,"
                          "quality_score,parameter_format,rejected_reason&limit=100%s%s",
                          self->waba_id, escaped ? "&after=" : "", escaped ? escaped : "");
  url = graph_url (self, path);
  msg = new_message (self, "GET", url);
  start_call (task, msg, list_page_cb);
}

static void
list_page_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;
  JsonNode *items;
  JsonObject *paging;
  const char *after;
  GError *error = NULL;

  root = finish_call (task, result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  o = json_node_get_object (root);
  items = json_object_get_member (o, "data");
  if (items != NULL && JSON_NODE_HOLDS_ARRAY (items))
    {
      JsonArray *array = json_node_get_array (items);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)))
          json_array_add_element (data->items, json_node_copy (json_array_get_element (array, i)));
    }

  paging = _wabiz_graph_json_get_object (o, "paging");
  after = _wabiz_graph_json_get_string (_wabiz_graph_json_get_object (paging, "cursors"), "after");
  data->pages++;
  if (_wabiz_graph_json_get_string (paging, "next") != NULL && after != NULL && data->pages < MAX_PAGES)
    {
      request_page (g_steal_pointer (&task), after);
      return;
    }

  g_task_return_pointer (task, json_array_ref (data->items), (GDestroyNotify) json_array_unref);
}

void
wabiz_graph_client_list_templates_async (WabizGraphClient    *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  GTask *task;
  CallData *data;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));

  task = new_call (self, wabiz_graph_client_list_templates_async, cancellable, callback, user_data);
  if (!check_waba (self, task))
    return;
  data = g_task_get_task_data (task);
  data->items = json_array_new ();
  request_page (task, NULL);
}

JsonArray *
wabiz_graph_client_list_templates_finish (WabizGraphClient *self,
                                          GAsyncResult     *result,
                                          GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_list_templates_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
create_template_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;

  root = finish_call (task, result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, json_object_ref (json_node_get_object (root)),
                         (GDestroyNotify) json_object_unref);
}

void
wabiz_graph_client_create_template_async (WabizGraphClient    *self,
                                          JsonObject          *tmpl,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  GTask *task;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (tmpl != NULL);

  task = new_call (self, wabiz_graph_client_create_template_async, cancellable, callback, user_data);
  if (!check_waba (self, task))
    return;
  body = json_node_init_object (json_node_alloc (), tmpl);
  path = g_strdup_printf ("%s/message_templates", self->waba_id);
  post_json (task, path, body, create_template_cb);
}

JsonObject *
wabiz_graph_client_create_template_finish (WabizGraphClient *self,
                                           GAsyncResult     *result,
                                           GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_create_template_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_graph_client_delete_template_async (WabizGraphClient    *self,
                                          const char          *name,
                                          const char          *hsm_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  GTask *task;
  g_autofree char *ename = NULL;
  g_autofree char *eid = NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (name != NULL);

  task = new_call (self, wabiz_graph_client_delete_template_async, cancellable, callback, user_data);
  if (!check_waba (self, task))
    return;
  ename = g_uri_escape_string (name, NULL, FALSE);
  eid = hsm_id ? g_uri_escape_string (hsm_id, NULL, FALSE) : NULL;
  path = g_strdup_printf ("%s/message_templates?name=%s%s%s", self->waba_id, ename,
                          eid ? "&hsm_id=" : "", eid ? eid : "");
  url = graph_url (self, path);
  msg = new_message (self, "DELETE", url);
  start_call (task, msg, return_success_cb);
}

gboolean
wabiz_graph_client_delete_template_finish (WabizGraphClient *self,
                                           GAsyncResult     *result,
                                           GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_graph_client_delete_template_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
