/* wabiz-sim-uploads.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Meta's Resumable Upload API, which gives the handles of the example
 * files of templates' media headers: GET /{version}/app (the app the
 * token belongs to), POST /{version}/{app-id}/uploads?file_length=&
 * file_type= opens a session ("upload:…?sig=…"), POST /{version}/
 * {upload-id} with the header `file_offset` sends the bytes and answers
 * the handle ({"h": "4::…"}), GET /{version}/{upload-id} tells how far
 * a session got. Templates take only the handles given here (and the
 * seeds').
 */

#define G_LOG_DOMAIN "wabiz-sim-uploads"

#include "config.h"

#include "wabiz-sim-server-private.h"

#include <string.h>

#define MAX_EXAMPLE_BYTES (100 * 1024 * 1024)
/* the handle of the seeded templates' examples */
#define SEED_HANDLE_SUFFIX ":sim"

struct _WabizSimUpload
{
  char   *id;          /* "upload:…", without the signature */
  char   *signature;
  char   *file_type;
  gint64  file_length;
  gint64  received;
  char   *handle;      /* (nullable) once whole */
};

void
_wabiz_sim_upload_free (WabizSimUpload *upload)
{
  g_free (upload->id);
  g_free (upload->signature);
  g_free (upload->file_type);
  g_free (upload->handle);
  g_free (upload);
}

static const char * const example_types[] = {
  "image/jpeg", "image/png", "video/mp4", "video/3gpp", "application/pdf", "text/plain", NULL
};

void
_wabiz_sim_server_handle_app (WabizSimServer    *self,
                              SoupServerMessage *msg)
{
  g_autoptr(JsonObject) app = NULL;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      _wabiz_sim_reply_object_not_found (msg, "app");
      return;
    }

  app = json_object_new ();
  json_object_set_string_member (app, "name", "WaBiz Simulator");
  json_object_set_string_member (app, "id", self->app_id);
  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, app);
}

/* POST /{app-id}/uploads */
void
_wabiz_sim_server_open_upload (WabizSimServer    *self,
                               SoupServerMessage *msg,
                               GHashTable        *query)
{
  const char *length_text = query != NULL ? g_hash_table_lookup (query, "file_length") : NULL;
  const char *file_type = query != NULL ? g_hash_table_lookup (query, "file_type") : NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *id = NULL;
  WabizSimUpload *upload;
  guint64 length;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      _wabiz_sim_reply_object_not_found (msg, self->app_id);
      return;
    }
  if (length_text == NULL ||
      !g_ascii_string_to_unsigned (length_text, 10, 1, MAX_EXAMPLE_BYTES, &length, NULL))
    {
      wabiz_sim_reply_graph_simple (msg, 100, "Param file_length must be a number of bytes "
                                    "from 1 to %d.", MAX_EXAMPLE_BYTES);
      return;
    }
  if (file_type == NULL || !g_strv_contains (example_types, file_type))
    {
      wabiz_sim_reply_graph_simple (msg, 100, "Param file_type must be one of image/jpeg, "
                                    "image/png, video/mp4, video/3gpp, application/pdf, "
                                    "text/plain.");
      return;
    }

  upload = g_new0 (WabizSimUpload, 1);
  raw = _wabiz_sim_server_new_hex_id (self, 24);
  encoded = g_base64_encode ((const guchar *) raw, strlen (raw));
  upload->id = g_strconcat ("upload:", encoded, NULL);
  upload->signature = _wabiz_sim_server_new_hex_id (self, 32);
  upload->file_type = g_strdup (file_type);
  upload->file_length = (gint64) length;
  g_hash_table_replace (self->uploads, upload->id, upload);
  g_debug ("Upload session for %" G_GINT64_FORMAT " bytes of %s", upload->file_length, file_type);

  id = g_strdup_printf ("%s?sig=%s", upload->id, upload->signature);
  answer = json_object_new ();
  json_object_set_string_member (answer, "id", id);
  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
}

/* GET or POST /{upload-id} */
void
_wabiz_sim_server_handle_upload_session (WabizSimServer    *self,
                                         SoupServerMessage *msg,
                                         const char        *id,
                                         GHashTable        *query)
{
  WabizSimUpload *upload = g_hash_table_lookup (self->uploads, id);
  const char *signature = query != NULL ? g_hash_table_lookup (query, "sig") : NULL;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonObject) answer = json_object_new ();
  const char *offset_text;
  guint64 offset;

  if (upload == NULL || g_strcmp0 (signature, upload->signature) != 0)
    {
      _wabiz_sim_reply_object_not_found (msg, id);
      return;
    }

  if (method == SOUP_METHOD_GET)
    {
      json_object_set_string_member (answer, "id", upload->id);
      json_object_set_int_member (answer, "file_offset", upload->received);
      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
      return;
    }
  if (method != SOUP_METHOD_POST)
    {
      _wabiz_sim_reply_object_not_found (msg, id);
      return;
    }

  offset_text = soup_message_headers_get_one (headers, "file_offset");
  if (offset_text == NULL ||
      !g_ascii_string_to_unsigned (offset_text, 10, 0, G_MAXINT64, &offset, NULL))
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The header file_offset is required.");
      return;
    }
  if ((gint64) offset != upload->received)
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The file_offset %" G_GUINT64_FORMAT " does not "
                                    "match the %" G_GINT64_FORMAT " bytes received.",
                                    offset, upload->received);
      return;
    }
  if (upload->received + (gint64) body->length > upload->file_length)
    {
      wabiz_sim_reply_graph_simple (msg, 100, "More bytes than the file_length %" G_GINT64_FORMAT
                                    " given.", upload->file_length);
      return;
    }

  upload->received += body->length;
  if (upload->received == upload->file_length && upload->handle == NULL)
    {
      g_autofree char *type = g_base64_encode ((const guchar *) upload->file_type,
                                               strlen (upload->file_type));
      g_autofree char *sig = _wabiz_sim_server_new_hex_id (self, 40);

      upload->handle = g_strdup_printf ("4::%s:%s", type, sig);
      g_hash_table_add (self->upload_handles, g_strdup (upload->handle));
      g_debug ("Upload %s whole", upload->id);
    }
  if (upload->handle == NULL)
    {
      /* Meta answers a part with where to go on */
      json_object_set_string_member (answer, "id", upload->id);
      json_object_set_int_member (answer, "file_offset", upload->received);
      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
      return;
    }
  json_object_set_string_member (answer, "h", upload->handle);
  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
}

/* Whether @handle is an example file this simulator took (or a seed's) */
gboolean
_wabiz_sim_server_knows_handle (WabizSimServer *self,
                                const char     *handle)
{
  if (handle == NULL)
    return FALSE;
  return g_hash_table_contains (self->upload_handles, handle) ||
         (g_str_has_prefix (handle, "4::") && g_str_has_suffix (handle, SEED_HANDLE_SUFFIX));
}
