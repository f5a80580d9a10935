/* wabiz-graph-client-media.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Graph client's media calls: upload, look up, download, delete.
 *
 * Uploads stream the file from disk: the multipart body is a
 * WabizConcatInputStream of a small header, the GFileInputStream and
 * the trailer, with an exact Content-Length, so a 100 MB document is
 * never held in memory. Downloads are written to a ".part" file as they
 * come, checked against their sha256, then moved into place.
 */

#define G_LOG_DOMAIN "wabiz-graph-client-media"

#include "config.h"

#include "wabiz-concat-input-stream.h"
#include "wabiz-graph-client-private.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <string.h>

#define DOWNLOAD_CHUNK (64 * 1024)

/* upload_media's task state */
typedef struct
{
  GFile *file;   /* (owned) */
  char  *kind;   /* (owned) (nullable) as asked, then as checked */
  char  *mime;   /* (owned) (nullable) as checked */
} Upload;

/* What the check of a file to upload found. */
typedef struct
{
  char             *kind;
  char             *mime;
  goffset           size;
  GFileInputStream *stream;
} CheckResult;

/* upload_resumable's task state */
typedef struct
{
  Upload       upload;    /* the file, as with upload_media; first, so
                           * that the state is an Upload too */
  CheckResult *checked;   /* (owned) (nullable) once checked */
} Resumable;

/* download_media's task state */
typedef struct
{
  char                *media_id;        /* (owned) */
  char                *expected_sha256; /* (owned) (nullable) */
  char                *cache_dir;       /* (owned) */
  WabizGraphMediaInfo *info;            /* (owned) (nullable) */
  guint                resolves;
  guint                redirects;
  GFile               *part_file;       /* (owned) (nullable) */
  GFile               *final_file;      /* (owned) (nullable) */
  GInputStream        *in;              /* (owned) (nullable) */
  GOutputStream       *out;             /* (owned) (nullable) */
  GChecksum           *checksum;        /* (owned) (nullable) */
  gint64               received;
} Download;

G_DEFINE_BOXED_TYPE (WabizGraphMediaInfo, wabiz_graph_media_info,
                     wabiz_graph_media_info_copy, wabiz_graph_media_info_free)

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
/* upload */

static void
upload_clear (Upload *upload)
{
  g_clear_object (&upload->file);
  g_clear_pointer (&upload->kind, g_free);
  g_clear_pointer (&upload->mime, g_free);
}

static void
upload_free (Upload *upload)
{
  upload_clear (upload);
  g_free (upload);
}

static void
check_result_free (CheckResult *r)
{
  g_free (r->kind);
  g_free (r->mime);
  g_clear_object (&r->stream);
  g_free (r);
}

static void
media_id_reply (GTask      *task,
                JsonObject *reply)
{
  const char *id = wabiz_json_string_member (reply, "id");

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

/* The check reads the file: on a worker thread. The task data is the
 * upload's state, borrowed: nothing else touches it until the check is
 * done. */
static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Upload *upload = task_data;
  g_autofree char *path = g_file_get_path (upload->file);
  CheckResult *r = g_new0 (CheckResult, 1);
  GError *error = NULL;

  if (path == NULL)
    {
      check_result_free (r);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only local files can be uploaded"));
      return;
    }
  if (!wabiz_graph_check_media_file (path, upload->kind, &r->kind, &r->mime, &r->size, &error))
    {
      check_result_free (r);
      g_task_return_error (task, error);
      return;
    }
  r->stream = g_file_read (upload->file, cancellable, &error);
  if (r->stream == NULL)
    {
      check_result_free (r);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, r, (GDestroyNotify) check_result_free);
}

/* Starts @task, a call whose state is @state (an Upload first): checks
 * @file on a thread, then calls @checked_cb with @task. */
static void
start_upload (GTask               *task,
              gpointer             state,
              GDestroyNotify       state_free,
              GFile               *file,
              const char          *kind,
              GAsyncReadyCallback  checked_cb)
{
  Upload *upload = state;
  g_autoptr(GTask) check = NULL;

  upload->file = g_object_ref (file);
  upload->kind = g_strdup (kind);
  _wabiz_graph_client_set_state (task, state, state_free);

  check = g_task_new (g_task_get_source_object (task), g_task_get_cancellable (task),
                      checked_cb, task);
  g_task_set_task_data (check, upload, NULL);
  g_task_run_in_thread (check, check_thread);
}

/* (nullable): what the check of @task's file found (its kind and type
 * also in @upload), or NULL with the error returned on @task */
static CheckResult *
finish_check (GTask        *task,
              Upload       *upload,
              GAsyncResult *result)
{
  CheckResult *r;
  GError *error = NULL;

  r = g_task_propagate_pointer (G_TASK (result), &error);
  if (r == NULL)
    {
      g_task_return_error (task, error);
      return NULL;
    }

  g_free (upload->kind);
  upload->kind = g_strdup (r->kind);
  g_free (upload->mime);
  upload->mime = g_strdup (r->mime);
  return r;
}

/* The id or handle an upload call returned, and in @out_mime its type */
static char *
finish_upload (GAsyncResult  *result,
               char         **out_mime,
               GError       **error)
{
  char *id = g_task_propagate_pointer (G_TASK (result), error);

  if (id != NULL && out_mime != NULL)
    {
      Upload *upload = _wabiz_graph_client_get_state (G_TASK (result));

      *out_mime = g_strdup (upload->mime);
    }
  return id;
}

static void
check_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizGraphClient *self = g_task_get_source_object (task);
  Upload *upload = _wabiz_graph_client_get_state (task);
  g_autoptr(WabizConcatInputStream) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *boundary = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *filename = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *path = NULL;
  CheckResult *r;
  GString *head;
  GBytes *head_bytes;
  GBytes *tail_bytes;
  GError *error = NULL;

  r = finish_check (task, upload, result);
  if (r == NULL)
    return;

  boundary = g_strdup_printf ("wabiz-%08x%08x%08x", g_random_int (), g_random_int (), g_random_int ());
  basename = g_file_get_basename (upload->file);
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
  msg = _wabiz_graph_client_new_request (self, "POST", path, &error);
  content_type = g_strdup_printf ("multipart/form-data; boundary=%s", boundary);
  if (msg != NULL)
    soup_message_set_request_body (msg, content_type, G_INPUT_STREAM (body),
                                   (gssize) (g_bytes_get_size (head_bytes) + r->size
                                             + g_bytes_get_size (tail_bytes)));
  g_bytes_unref (head_bytes);
  g_bytes_unref (tail_bytes);
  check_result_free (r);

  if (msg == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  _wabiz_graph_client_send (g_steal_pointer (&task), msg, media_id_reply);
}

void
wabiz_graph_client_upload_media_async (WabizGraphClient    *self,
                                       GFile               *file,
                                       const char          *kind,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (G_IS_FILE (file));

  start_upload (_wabiz_graph_client_new_call (self, wabiz_graph_client_upload_media_async,
                                              cancellable, callback, user_data),
                g_new0 (Upload, 1), (GDestroyNotify) upload_free, file, kind, check_done_cb);
}

char *
wabiz_graph_client_upload_media_finish (WabizGraphClient *self,
                                        GAsyncResult     *result,
                                        char            **out_mime,
                                        GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_upload_media_async, NULL);

  return finish_upload (result, out_mime, error);
}

/* ------------------------------------------------------------------ */
/* the resumable upload (examples of templates' media headers) */

static void
resumable_free (Resumable *resumable)
{
  upload_clear (&resumable->upload);
  g_clear_pointer (&resumable->checked, check_result_free);
  g_free (resumable);
}

static void
handle_reply (GTask      *task,
              JsonObject *reply)
{
  const char *handle = wabiz_json_string_member (reply, "h");

  if (handle == NULL || *handle == '\0')
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                                               _("WhatsApp accepted the example file without giving its handle")));
      return;
    }
  g_debug ("Uploaded an example file");
  g_task_return_pointer (task, g_strdup (handle), g_free);
}

/* POST /{upload-id} with the bytes, from offset 0 */
static void
session_reply (GTask      *task,
               JsonObject *reply)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  Resumable *resumable = _wabiz_graph_client_get_state (task);
  const char *session = wabiz_json_string_member (reply, "id");
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *path = NULL;
  g_autofree char *auth = NULL;
  SoupMessageHeaders *headers;
  GError *error = NULL;

  if (session == NULL || !g_str_has_prefix (session, "upload:"))
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                                               _("WhatsApp opened no upload session for the example file")));
      return;
    }

  /* the id is "upload:…?sig=…": its query goes as a query */
  path = g_uri_escape_string (session, ":?=&", FALSE);
  msg = _wabiz_graph_client_new_request (self, "POST", path, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  headers = soup_message_get_request_headers (msg);
  /* as Meta documents this call: the token as OAuth, the offset */
  auth = g_strdup_printf ("OAuth %s", self->access_token);
  soup_message_headers_replace (headers, "Authorization", auth);
  soup_message_headers_replace (headers, "file_offset", "0");
  soup_message_set_request_body (msg, resumable->checked->mime,
                                 G_INPUT_STREAM (resumable->checked->stream),
                                 (gssize) resumable->checked->size);
  _wabiz_graph_client_send (g_object_ref (task), msg, handle_reply);
}

/* POST /{app-id}/uploads?file_length=&file_type= */
static void
open_session (GTask *task)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  Resumable *resumable = _wabiz_graph_client_get_state (task);
  g_autofree char *app = g_uri_escape_string (self->app_id, NULL, FALSE);
  g_autofree char *type = g_uri_escape_string (resumable->checked->mime, NULL, FALSE);

  _wabiz_graph_client_call (task, "POST", NULL, session_reply,
                            "%s/uploads?file_length=%" G_GOFFSET_FORMAT "&file_type=%s",
                            app, resumable->checked->size, type);
}

static void
app_reply (GTask      *task,
           JsonObject *reply)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  const char *id = wabiz_json_string_member (reply, "id");

  if (id == NULL || *id == '\0')
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                                               _("WhatsApp did not say which app the access token belongs to")));
      return;
    }
  g_debug ("The access token belongs to app %s", id);
  wabiz_graph_client_set_app_id (self, id);
  open_session (g_object_ref (task));
}

static void
resumable_checked_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizGraphClient *self = g_task_get_source_object (task);
  Resumable *resumable = _wabiz_graph_client_get_state (task);
  CheckResult *r;

  r = finish_check (task, &resumable->upload, result);
  if (r == NULL)
    return;
  if (!g_str_equal (r->kind, "image") && !g_str_equal (r->kind, "video") &&
      !g_str_equal (r->kind, "document"))
    {
      check_result_free (r);
      g_task_return_new_error (task, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_INVALID_PARAMETER,
                               _("A template’s header takes an image, a video or a document; choose one of those"));
      return;
    }

  resumable->checked = r;

  if (self->app_id != NULL)
    open_session (g_steal_pointer (&task));
  else
    _wabiz_graph_client_call (g_steal_pointer (&task), "GET", NULL, app_reply, "app?fields=id,name");
}

void
wabiz_graph_client_upload_resumable_async (WabizGraphClient    *self,
                                           GFile               *file,
                                           const char          *kind,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (G_IS_FILE (file));

  start_upload (_wabiz_graph_client_new_call (self, wabiz_graph_client_upload_resumable_async,
                                              cancellable, callback, user_data),
                g_new0 (Resumable, 1), (GDestroyNotify) resumable_free, file, kind,
                resumable_checked_cb);
}

char *
wabiz_graph_client_upload_resumable_finish (WabizGraphClient *self,
                                            GAsyncResult     *result,
                                            char            **out_mime,
                                            GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_upload_resumable_async,
                        NULL);

  return finish_upload (result, out_mime, error);
}

/* ------------------------------------------------------------------ */
/* media info, delete */

/* (nullable): the media's info from @reply, or NULL with the error
 * returned on @task */
static WabizGraphMediaInfo *
media_info_from_reply (GTask      *task,
                       JsonObject *reply)
{
  WabizGraphMediaInfo *info;

  if (wabiz_json_string_member (reply, "url") == NULL)
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                                               _("WhatsApp did not give the media’s address")));
      return NULL;
    }

  info = g_new0 (WabizGraphMediaInfo, 1);
  info->id = g_strdup (wabiz_json_string_member (reply, "id"));
  info->url = g_strdup (wabiz_json_string_member (reply, "url"));
  info->mime_type = g_strdup (wabiz_json_string_member (reply, "mime_type"));
  info->sha256 = g_strdup (wabiz_json_string_member (reply, "sha256"));
  info->file_size = _wabiz_graph_json_get_int (reply, "file_size", -1);
  return info;
}

static void
media_info_reply (GTask      *task,
                  JsonObject *reply)
{
  WabizGraphMediaInfo *info = media_info_from_reply (task, reply);

  if (info != NULL)
    g_task_return_pointer (task, info, (GDestroyNotify) wabiz_graph_media_info_free);
}

/* GET /{media-id}: its short-lived URL, type, size and checksum */
static void
request_media_info (GTask               *task,
                    const char          *media_id,
                    WabizGraphReplyFunc  reply)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  g_autofree char *escaped = g_uri_escape_string (media_id, NULL, FALSE);

  _wabiz_graph_client_call (task, "GET", NULL, reply, "%s?phone_number_id=%s",
                            escaped, self->phone_number_id);
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

  request_media_info (_wabiz_graph_client_new_call (self, wabiz_graph_client_get_media_async,
                                                    cancellable, callback, user_data),
                      media_id, media_info_reply);
}

WabizGraphMediaInfo *
wabiz_graph_client_get_media_finish (WabizGraphClient *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_get_media_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_graph_client_delete_media_async (WabizGraphClient    *self,
                                       const char          *media_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (media_id != NULL);

  _wabiz_graph_client_call_node (_wabiz_graph_client_new_call (self, wabiz_graph_client_delete_media_async,
                                                               cancellable, callback, user_data),
                                 "DELETE", media_id, NULL);
}

gboolean
wabiz_graph_client_delete_media_finish (WabizGraphClient *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_delete_media_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* download */

static void
download_free (Download *dl)
{
  g_free (dl->media_id);
  g_free (dl->expected_sha256);
  g_free (dl->cache_dir);
  g_clear_pointer (&dl->info, wabiz_graph_media_info_free);
  if (dl->part_file != NULL && dl->final_file == NULL)
    g_file_delete (dl->part_file, NULL, NULL);
  g_clear_object (&dl->part_file);
  g_clear_object (&dl->final_file);
  g_clear_object (&dl->in);
  g_clear_object (&dl->out);
  g_clear_pointer (&dl->checksum, g_checksum_free);
  g_free (dl);
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

/* (transfer full) @task: reads the next chunk of the answer */
static void
read_next_chunk (GTask *task)
{
  Download *dl = _wabiz_graph_client_get_state (task);

  g_input_stream_read_bytes_async (dl->in, DOWNLOAD_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), download_read_cb, task);
}

static void download_resolved_reply (GTask *task, JsonObject *reply);
static void download_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data);

/* (transfer full) @task: GET @url, with the token where it may go */
static void
download_from (GTask      *task,
               const char *url)
{
  WabizGraphClient *self = g_task_get_source_object (task);
  g_autoptr(SoupMessage) msg = NULL;
  GError *error = NULL;

  msg = _wabiz_graph_client_new_message (self, "GET", url, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "*/*");
  _wabiz_graph_client_send_stream (task, msg, download_sent_cb);
}

static void
download_moved_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *dl = _wabiz_graph_client_get_state (task);
  GError *error = NULL;

  if (!g_file_move_finish (G_FILE (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_object (&dl->part_file);
  g_task_return_pointer (task, g_file_get_path (dl->final_file), g_free);
}

static void
download_closed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Download *dl = _wabiz_graph_client_get_state (task);
  const char *expected = dl->expected_sha256 ? dl->expected_sha256 : dl->info->sha256;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *name = NULL;
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_checksum_get_digest (dl->checksum, digest, &digest_len);
  if (expected != NULL && *expected != '\0' && !sha256_matches (digest, digest_len, expected))
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_CHECKSUM, FALSE,
                                                               _("The downloaded media is damaged (its checksum does not match)")));
      return;
    }

  name = g_strdup_printf ("%s.%s", dl->media_id, wabiz_graph_extension_for_mime (dl->info->mime_type));
  dl->final_file = g_file_new_build_filename (dl->cache_dir, name, NULL);
  g_file_move_async (dl->part_file, dl->final_file, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT,
                     cancellable, NULL, NULL, download_moved_cb, g_steal_pointer (&task));
}

static void
download_written_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  read_next_chunk (g_steal_pointer (&task));
}

static void
download_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Download *dl = _wabiz_graph_client_get_state (task);
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
      g_output_stream_close_async (dl->out, G_PRIORITY_DEFAULT, cancellable,
                                   download_closed_cb, g_steal_pointer (&task));
      return;
    }

  dl->received += len;
  if (dl->info->file_size > 0 && dl->received > dl->info->file_size)
    {
      g_task_return_error (task, _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_CHECKSUM, FALSE,
                                                               _("The downloaded media is larger than announced")));
      return;
    }
  g_checksum_update (dl->checksum, p, len);
  /* the bytes stay alive with the task's read until the write is done */
  g_object_set_data_full (G_OBJECT (task), "chunk", g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
  g_output_stream_write_all_async (dl->out, p, len, G_PRIORITY_DEFAULT, cancellable,
                                   download_written_cb, g_steal_pointer (&task));
}

static void
download_opened_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *dl = _wabiz_graph_client_get_state (task);
  GError *error = NULL;

  dl->out = G_OUTPUT_STREAM (g_file_replace_finish (G_FILE (object), result, &error));
  if (dl->out == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  dl->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  read_next_chunk (g_steal_pointer (&task));
}

static void
download_sent_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Download *dl = _wabiz_graph_client_get_state (task);
  SoupMessage *msg = _wabiz_graph_client_get_message (task);
  g_autofree char *part_name = NULL;
  GError *error = NULL;
  guint status;

  dl->in = _wabiz_graph_client_send_stream_finish (task, result, &error);
  if (dl->in == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_REDIRECTION (status) && dl->redirects < 3)
    {
      const char *location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
      g_autoptr(GUri) next = location ? g_uri_parse_relative (soup_message_get_uri (msg), location,
                                                              SOUP_HTTP_URI_FLAGS, NULL)
                                      : NULL;

      if (next != NULL)
        {
          g_autofree char *url = g_uri_to_string (next);

          /* followed only where the token may go */
          dl->redirects++;
          g_clear_object (&dl->in);
          download_from (g_steal_pointer (&task), url);
          return;
        }
    }
  if ((status == 401 || status == 404) && dl->resolves < 2)
    {
      /* the short-lived URL expired: resolve it again */
      g_clear_object (&dl->in);
      request_media_info (g_steal_pointer (&task), dl->media_id, download_resolved_reply);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, _wabiz_graph_error_new_response (msg, NULL));
      return;
    }

  if (g_mkdir_with_parents (dl->cache_dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Cannot create the media folder “%s”: %s"), dl->cache_dir,
                               g_strerror (saved));
      return;
    }
  part_name = g_strdup_printf (".%s.part", dl->media_id);
  dl->part_file = g_file_new_build_filename (dl->cache_dir, part_name, NULL);
  g_file_replace_async (dl->part_file, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                        G_PRIORITY_DEFAULT, cancellable, download_opened_cb, g_steal_pointer (&task));
}

static void
download_resolved_reply (GTask      *task,
                         JsonObject *reply)
{
  Download *dl = _wabiz_graph_client_get_state (task);

  g_clear_pointer (&dl->info, wabiz_graph_media_info_free);
  dl->info = media_info_from_reply (task, reply);
  if (dl->info == NULL)
    return;
  dl->resolves++;
  dl->redirects = 0;

  /* the download needs the same bearer token: only on Meta's hosts */
  download_from (g_object_ref (task), dl->info->url);
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
  Download *dl;
  GTask *task;

  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (self));
  g_return_if_fail (media_id != NULL);
  g_return_if_fail (cache_dir != NULL);

  task = _wabiz_graph_client_new_call (self, wabiz_graph_client_download_media_async,
                                       cancellable, callback, user_data);
  dl = g_new0 (Download, 1);
  dl->media_id = g_strdup (media_id);
  dl->expected_sha256 = g_strdup (expected_sha256);
  dl->cache_dir = g_strdup (cache_dir);
  _wabiz_graph_client_set_state (task, dl, (GDestroyNotify) download_free);

  /* media ids are digits; anything else must not become a path */
  for (const char *p = media_id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      {
        g_task_return_new_error (task, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_INVALID_PARAMETER,
                                 _("“%s” is not a media id"), media_id);
        g_object_unref (task);
        return;
      }

  request_media_info (task, media_id, download_resolved_reply);
}

char *
wabiz_graph_client_download_media_finish (WabizGraphClient *self,
                                          GAsyncResult     *result,
                                          GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_GRAPH_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_graph_client_download_media_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
