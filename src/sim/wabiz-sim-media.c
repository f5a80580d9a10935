/* wabiz-sim-media.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Media: upload (POST /{version}/{phone-number-id}/media, multipart),
 * get the download URL (GET /{version}/{media-id}), delete, and the
 * download itself under /_sim/media/{id}, which wants the same bearer
 * token as the Graph API, like Meta's lookaside URLs.
 *
 * Uploads may be 100 MB: the early handler turns off libsoup's chunk
 * list and collects the body into one buffer sized from Content-Length,
 * so the bytes are copied once; stored media are slices of it.
 *
 * What a simulated customer sends without bytes of its own is a real
 * file of its type (tests/data/media, compiled in). A test can make the
 * next downloads of a media fail with given HTTP statuses ("fail_next"),
 * or hold them until wabiz_sim_server_release_media() ("hold"); the
 * stats count lookups and whole downloads.
 */

#define G_LOG_DOMAIN "wabiz-sim-media"

#include "config.h"

#include "wabiz-sim-resources.h"
#include "wabiz-sim-server-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define KB ((gsize) 1024)
#define MB (1024 * KB)
#define MAX_UPLOAD_BYTES (100 * MB + 256 * KB)   /* the largest file plus form overhead */
#define UPLOAD_DATA_KEY "wabiz-sim-upload"
#define MEDIA_RESOURCES "/org/example/WaBiz/sim/media/"

typedef struct
{
  GByteArray *buffer;     /* (owned) */
  gboolean    too_large;
} Upload;

typedef struct
{
  const char *mime_type;
  const char *kind;
  gsize       max_bytes;
  const char *max_text;
} MediaType;

static const MediaType media_types[] = {
  { "image/jpeg", "image", 5 * MB, "5 MB" },
  { "image/png", "image", 5 * MB, "5 MB" },
  { "video/mp4", "video", 16 * MB, "16 MB" },
  { "video/3gpp", "video", 16 * MB, "16 MB" },
  { "audio/aac", "audio", 16 * MB, "16 MB" },
  { "audio/amr", "audio", 16 * MB, "16 MB" },
  { "audio/mpeg", "audio", 16 * MB, "16 MB" },
  { "audio/mp4", "audio", 16 * MB, "16 MB" },
  { "audio/ogg", "audio", 16 * MB, "16 MB" },
  { "text/plain", "document", 100 * MB, "100 MB" },
  { "application/pdf", "document", 100 * MB, "100 MB" },
  { "application/msword", "document", 100 * MB, "100 MB" },
  { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document",
    100 * MB, "100 MB" },
  { "application/vnd.ms-excel", "document", 100 * MB, "100 MB" },
  { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document",
    100 * MB, "100 MB" },
  { "application/vnd.ms-powerpoint", "document", 100 * MB, "100 MB" },
  { "application/vnd.openxmlformats-officedocument.presentationml.presentation", "document",
    100 * MB, "100 MB" },
  /* Static stickers: 100 KB; animated ones are checked against 500 KB. */
  { "image/webp", "sticker", 500 * KB, "500 KB" },
};

#define STATIC_STICKER_MAX (100 * KB)

/* An 8×8 PNG, for image/png (the compiled-in photo is a JPEG). */
static const guint8 placeholder_png[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
  0x52, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x01, 0x03, 0x00, 0x00, 0x00, 0xfe,
  0xc1, 0x2c, 0xc8, 0x00, 0x00, 0x00, 0x03, 0x50, 0x4c, 0x54, 0x45, 0x25, 0xd3, 0x66, 0x97,
  0x38, 0xeb, 0x60, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0x60,
  0x40, 0x05, 0x00, 0x00, 0x10, 0x00, 0x01, 0xa1, 0xc5, 0x21, 0xc1, 0x00, 0x00, 0x00, 0x00,
  0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82
};

static void
upload_free (Upload *upload)
{
  g_clear_pointer (&upload->buffer, g_byte_array_unref);
  g_free (upload);
}

void
_wabiz_sim_media_free (WabizSimMedia *media)
{
  g_free (media->id);
  g_free (media->mime_type);
  g_free (media->filename);
  g_clear_pointer (&media->data, g_bytes_unref);
  g_free (media->sha256_hex);
  g_free (media->sha256_b64);
  g_clear_pointer (&media->fail_next, g_array_unref);

  /* downloads held for media deleted meanwhile: not found any more */
  for (guint i = 0; media->waiting != NULL && i < media->waiting->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (media->waiting, i);

      g_signal_handlers_disconnect_by_data (msg, media);
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_unpause (msg);
    }
  g_clear_pointer (&media->waiting, g_ptr_array_unref);
  g_free (media);
}

static GBytes *
lookup_media_file (const char *name)
{
  g_autofree char *path = g_strconcat (MEDIA_RESOURCES, name, NULL);
  GBytes *bytes = g_resource_lookup_data (wabiz_sim_get_resource (), path,
                                          G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

  g_assert (bytes != NULL);
  return bytes;
}

/**
 * _wabiz_sim_placeholder_media:
 *
 * Returns: (transfer full): a real file of the given type (see
 *   tests/data/media/README.md), for media a simulated customer sends
 *   without giving bytes; a line of text for types without one
 */
GBytes *
_wabiz_sim_placeholder_media (const char *mime_type)
{
  static const struct
  {
    const char *mime_type;
    const char *file;
  } files[] = {
    { "image/jpeg", "photo.jpg" },
    { "image/webp", "sticker.webp" },
    { "audio/ogg", "voice.ogg" },
    { "audio/mpeg", "audio.mp3" },
    { "video/mp4", "video.mp4" },
    { "application/pdf", "document.pdf" },
  };
  char *text;

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (g_str_has_prefix (mime_type, files[i].mime_type))
      return lookup_media_file (files[i].file);
  if (g_str_has_prefix (mime_type, "image/png"))
    return g_bytes_new_static (placeholder_png, sizeof placeholder_png);

  text = g_strdup_printf ("wabiz-sim placeholder %s\n", mime_type);
  return g_bytes_new_take (text, strlen (text));
}

WabizSimMedia *
_wabiz_sim_server_add_media (WabizSimServer *self,
                             GBytes         *data,
                             const char     *mime_type,
                             const char     *filename)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  WabizSimMedia *media = g_new0 (WabizSimMedia, 1);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  g_checksum_update (checksum, bytes, len);
  g_checksum_get_digest (checksum, digest, &digest_len);

  media->id = _wabiz_sim_server_new_object_id (self);
  media->mime_type = g_strdup (mime_type);
  media->filename = g_strdup (filename);
  media->data = g_bytes_ref (data);
  media->sha256_hex = g_strdup (g_checksum_get_string (checksum));
  media->sha256_b64 = g_base64_encode (digest, digest_len);

  g_hash_table_insert (self->media, media->id, media);

  return media;
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  Upload *upload = user_data;
  gsize len = g_bytes_get_size (chunk);

  if (upload->too_large || upload->buffer->len + len > MAX_UPLOAD_BYTES)
    {
      upload->too_large = TRUE;
      return;
    }

  g_byte_array_append (upload->buffer, g_bytes_get_data (chunk, NULL), len);
}

/**
 * _wabiz_sim_server_prepare_upload:
 *
 * Called from the early handler once the headers of an upload are in.
 */
void
_wabiz_sim_server_prepare_upload (WabizSimServer    *self,
                                  SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Upload *upload = g_new0 (Upload, 1);
  goffset length = 0;

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    length = soup_message_headers_get_content_length (headers);

  if (length > (goffset) MAX_UPLOAD_BYTES)
    {
      g_debug ("Refusing an upload of %" G_GOFFSET_FORMAT " bytes", length);
      upload->too_large = TRUE;
      length = 0;
    }

  upload->buffer = g_byte_array_sized_new (length > 0 ? (guint) length + 1 : 64 * KB);
  g_object_set_data_full (G_OBJECT (msg), UPLOAD_DATA_KEY, upload,
                          (GDestroyNotify) upload_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), upload);
}

static GBytes *
take_upload (SoupServerMessage *msg,
             gboolean          *too_large)
{
  Upload *upload = g_object_get_data (G_OBJECT (msg), UPLOAD_DATA_KEY);
  GByteArray *buffer;
  gsize len;

  *too_large = FALSE;

  if (upload == NULL)
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);

      return soup_message_body_flatten (body);
    }

  *too_large = upload->too_large;
  buffer = g_steal_pointer (&upload->buffer);

  /* soup_multipart_new_from_message() uses strstr(): keep a NUL after
   * the data, outside the bytes. */
  len = buffer->len;
  g_byte_array_append (buffer, (const guint8 *) "", 1);

  return g_bytes_new_with_free_func (buffer->data, len,
                                     (GDestroyNotify) g_byte_array_unref, buffer);
}

static const MediaType *
find_media_type (const char *mime_type)
{
  for (guint i = 0; i < G_N_ELEMENTS (media_types); i++)
    {
      if (g_str_equal (media_types[i].mime_type, mime_type))
        return &media_types[i];
    }

  return NULL;
}

static char *
list_supported_types (void)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (media_types); i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      g_string_append (text, media_types[i].mime_type);
    }

  return g_string_free (text, FALSE);
}

/* A WebP with a VP8X header whose animation flag is set. */
static gboolean
is_animated_webp (GBytes *data)
{
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  return len > 21 &&
         memcmp (bytes, "RIFF", 4) == 0 &&
         memcmp (bytes + 8, "WEBPVP8X", 8) == 0 &&
         (bytes[20] & 0x02) != 0;
}

static char *
dup_bytes_as_string (GBytes *bytes)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  return g_strstrip (g_strndup (data, len));
}

static char *
strip_mime_parameters (const char *mime_type)
{
  g_autofree char *lower = g_ascii_strdown (mime_type, -1);
  char *semicolon = strchr (lower, ';');

  if (semicolon != NULL)
    *semicolon = '\0';

  return g_strdup (g_strstrip (lower));
}

void
_wabiz_sim_server_handle_upload (WabizSimServer    *self,
                                 SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMultipart) multipart = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GBytes) file = NULL;
  g_autofree char *product = NULL;
  g_autofree char *type_field = NULL;
  g_autofree char *file_type = NULL;
  g_autofree char *filename = NULL;
  g_autofree char *mime_type = NULL;
  g_autofree char *supported = NULL;
  const MediaType *media_type;
  WabizSimMedia *media;
  gboolean too_large;
  gsize size;

  body = take_upload (msg, &too_large);
  if (too_large)
    {
      wabiz_sim_reply_graph_simple (msg, 131053, "The upload is larger than the largest "
                                    "supported file (100 MB).");
      return;
    }

  multipart = soup_multipart_new_from_message (soup_server_message_get_request_headers (msg),
                                               body);
  if (multipart == NULL)
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The request must be multipart/form-data with "
                                    "the parameters file, type and messaging_product.");
      return;
    }

  for (int i = 0; i < soup_multipart_get_length (multipart); i++)
    {
      SoupMessageHeaders *part_headers;
      GBytes *part_body;
      g_autoptr(GHashTable) params = NULL;
      const char *name;

      if (!soup_multipart_get_part (multipart, i, &part_headers, &part_body) ||
          !soup_message_headers_get_content_disposition (part_headers, NULL, &params))
        continue;

      name = g_hash_table_lookup (params, "name");
      if (g_strcmp0 (name, "file") == 0)
        {
          const char *content_type = soup_message_headers_get_content_type (part_headers, NULL);

          g_clear_pointer (&file, g_bytes_unref);
          file = g_bytes_ref (part_body);
          g_free (filename);
          filename = g_strdup (g_hash_table_lookup (params, "filename"));
          g_free (file_type);
          file_type = content_type != NULL ? strip_mime_parameters (content_type) : NULL;
        }
      else if (g_strcmp0 (name, "type") == 0)
        {
          g_autofree char *text = dup_bytes_as_string (part_body);

          g_free (type_field);
          type_field = strip_mime_parameters (text);
        }
      else if (g_strcmp0 (name, "messaging_product") == 0)
        {
          g_free (product);
          product = dup_bytes_as_string (part_body);
        }
    }

  if (product == NULL)
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The parameter messaging_product is required.");
      return;
    }
  if (!g_str_equal (product, "whatsapp"))
    {
      wabiz_sim_reply_graph_simple (msg, 100, "Param messaging_product must be one of "
                                    "{WHATSAPP} - got \"%s\".", product);
      return;
    }
  if (file == NULL)
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The parameter file is required.");
      return;
    }

  mime_type = g_strdup (type_field != NULL ? type_field : file_type);
  if (mime_type == NULL || *mime_type == '\0')
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The parameter type is required.");
      return;
    }

  supported = list_supported_types ();
  media_type = find_media_type (mime_type);
  if (media_type == NULL)
    {
      wabiz_sim_reply_graph_simple (msg, 131053, "Param file must be a file with one of the "
                                    "following types: %s. Received file of type '%s'.",
                                    supported, mime_type);
      return;
    }

  size = g_bytes_get_size (file);
  if (size == 0)
    {
      wabiz_sim_reply_graph_simple (msg, 131053, "The uploaded file is empty.");
      return;
    }
  if (size > media_type->max_bytes)
    {
      wabiz_sim_reply_graph_simple (msg, 131053, "File of type %s is %" G_GSIZE_FORMAT
                                    " bytes; the maximum for %s is %s.", mime_type, size,
                                    media_type->kind, media_type->max_text);
      return;
    }
  if (g_str_equal (media_type->kind, "sticker") && size > STATIC_STICKER_MAX &&
      !is_animated_webp (file))
    {
      wabiz_sim_reply_graph_simple (msg, 131053, "Static sticker is %" G_GSIZE_FORMAT
                                    " bytes; the maximum for a static sticker is 100 KB "
                                    "(500 KB if animated).", size);
      return;
    }

  media = _wabiz_sim_server_add_media (self, file, mime_type, filename);
  g_debug ("Stored upload %s: %s, %" G_GSIZE_FORMAT " bytes", media->id, mime_type, size);

  answer = json_object_new ();
  json_object_set_string_member (answer, "id", media->id);
  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
}

static char *
sign_media_url (WabizSimServer *self,
               const char     *media_id,
               const char     *expiry)
{
  g_autofree char *key = g_compute_checksum_for_data (G_CHECKSUM_SHA256, self->nonce,
                                                      sizeof self->nonce);
  g_autofree char *message = g_strconcat (media_id, ":", expiry, NULL);
  char *signature = wabiz_sim_hmac_sha256_hex (key, (const guint8 *) message, strlen (message));

  signature[32] = '\0';
  return signature;
}

void
_wabiz_sim_server_handle_media (WabizSimServer    *self,
                                SoupServerMessage *msg,
                                WabizSimMedia     *media)
{
  const char *method = soup_server_message_get_method (msg);

  if (method == SOUP_METHOD_GET)
    {
      g_autoptr(JsonObject) answer = json_object_new ();
      g_autofree char *expiry = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                 _wabiz_sim_now_s () +
                                                 self->config.media_url_ttl_s);
      g_autofree char *signature = sign_media_url (self, media->id, expiry);
      g_autofree char *url = g_strdup_printf ("%s/_sim/media/%s?mid=%s&ext=%s&hash=%s",
                                              self->base_url, media->id, media->id,
                                              expiry, signature);

      json_object_set_string_member (answer, "messaging_product", "whatsapp");
      json_object_set_string_member (answer, "url", url);
      json_object_set_string_member (answer, "mime_type", media->mime_type);
      json_object_set_string_member (answer, "sha256", media->sha256_hex);
      json_object_set_int_member (answer, "file_size", g_bytes_get_size (media->data));
      json_object_set_string_member (answer, "id", media->id);
      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
      self->n_media_lookups++;
    }
  else if (method == SOUP_METHOD_DELETE)
    {
      g_debug ("Deleted media %s", media->id);
      g_hash_table_remove (self->media, media->id);
      wabiz_sim_reply_success (msg);
    }
  else
    {
      _wabiz_sim_reply_object_not_found (msg, media->id);
    }
}

static void
download_written_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  WabizSimServer *self = user_data;

  self->n_media_downloads++;
}

static void
serve_media (WabizSimServer    *self,
             SoupServerMessage *msg,
             WabizSimMedia     *media)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Content-Type", media->mime_type);
  if (media->filename != NULL)
    {
      g_autoptr(GHashTable) params = g_hash_table_new (g_str_hash, g_str_equal);

      g_hash_table_insert (params, "filename", media->filename);
      soup_message_headers_set_content_disposition (headers, "attachment", params);
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), media->data);
  /* counted once the body is written whole: a client that went away
   * while its download was held has downloaded nothing */
  g_signal_connect_object (msg, "wrote-body", G_CALLBACK (download_written_cb), self, 0);
}

static void
waiting_gone_cb (SoupServerMessage *msg,
                 gpointer           user_data)
{
  WabizSimMedia *media = user_data;

  /* the client went away while held */
  g_signal_handlers_disconnect_by_data (msg, media);
  g_ptr_array_remove (media->waiting, msg);
}

/* Held downloads wait, paused, in media->waiting. */
static void
hold_download (WabizSimMedia     *media,
               SoupServerMessage *msg)
{
  if (media->waiting == NULL)
    media->waiting = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (media->waiting, g_object_ref (msg));
  g_signal_connect (msg, "disconnected", G_CALLBACK (waiting_gone_cb), media);
  g_signal_connect (msg, "finished", G_CALLBACK (waiting_gone_cb), media);
  soup_server_message_pause (msg);
}

/* Whether the client of a held download has closed its side: a paused
 * message does not always hear of it by itself. */
static gboolean
client_gone (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  char byte;
  gssize n;

  if (socket == NULL || g_socket_is_closed (socket))
    return TRUE;
  if (!(g_socket_condition_check (socket, G_IO_IN | G_IO_HUP | G_IO_ERR) & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
    return FALSE;

  /* 0: end of stream; -1 with nothing to read is still a live client */
  n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Answers the held downloads with the bytes. */
static void
release_downloads (WabizSimServer *self,
                   WabizSimMedia  *media)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&media->waiting);

  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (waiting, i);

      g_signal_handlers_disconnect_by_data (msg, media);
      if (!client_gone (msg))
        serve_media (self, msg, media);
      soup_server_message_unpause (msg);
    }
}

/**
 * _wabiz_sim_server_handle_download:
 *
 * GET /_sim/media/{id}?mid=&ext=&hash=: the bytes, for a client with
 * the bearer token and an unexpired URL from GET /{media-id}.
 */
void
_wabiz_sim_server_handle_download (WabizSimServer    *self,
                                   SoupServerMessage *msg,
                                   const char        *media_id,
                                   GHashTable        *query)
{
  const char *mid = query != NULL ? g_hash_table_lookup (query, "mid") : NULL;
  const char *expiry = query != NULL ? g_hash_table_lookup (query, "ext") : NULL;
  const char *hash = query != NULL ? g_hash_table_lookup (query, "hash") : NULL;
  g_autofree char *signature = NULL;
  WabizSimMedia *media;
  gint64 expiry_s;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET &&
      soup_server_message_get_method (msg) != SOUP_METHOD_HEAD)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  if (!_wabiz_sim_server_check_token (self, msg))
    return;

  media = g_hash_table_lookup (self->media, media_id);
  if (media == NULL || mid == NULL || expiry == NULL || hash == NULL ||
      !g_str_equal (mid, media_id))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  signature = sign_media_url (self, media_id, expiry);
  expiry_s = g_ascii_strtoll (expiry, NULL, 10);
  if (!wabiz_sim_str_equal_const_time (signature, hash) || expiry_s < _wabiz_sim_now_s ())
    {
      g_debug ("Refused a download of media %s: URL expired or altered", media_id);
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (media->fail_next != NULL && media->fail_next->len > 0)
    {
      guint status = g_array_index (media->fail_next, guint, 0);

      g_array_remove_index (media->fail_next, 0);
      g_debug ("Failing a download of media %s with %u, as asked", media_id, status);
      soup_server_message_set_status (msg, status, NULL);
      return;
    }

  if (media->held)
    {
      g_debug ("Holding a download of media %s", media_id);
      hold_download (media, msg);
      return;
    }

  serve_media (self, msg, media);
}

/* Adds the media counters to the `media` object of the stats. */
void
_wabiz_sim_server_media_stats (WabizSimServer *self,
                               JsonObject     *media)
{
  json_object_set_int_member (media, "lookups", self->n_media_lookups);
  json_object_set_int_member (media, "downloads", self->n_media_downloads);
}

/**
 * wabiz_sim_server_release_media:
 * @media_id: a media made by an inbound message with `"hold": true`
 *
 * Lets its downloads through: those waiting are answered now.
 *
 * Returns: %FALSE if the simulator has no such media
 */
gboolean
wabiz_sim_server_release_media (WabizSimServer *self,
                                const char     *media_id)
{
  WabizSimMedia *media;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), FALSE);
  g_return_val_if_fail (media_id != NULL, FALSE);

  media = g_hash_table_lookup (self->media, media_id);
  if (media == NULL)
    return FALSE;

  media->held = FALSE;
  release_downloads (self, media);
  return TRUE;
}

/**
 * wabiz_sim_server_get_n_held_downloads:
 * @media_id: a media made by an inbound message with `"hold": true`
 *
 * Returns: how many downloads of the media wait, held, for a client
 *   still connected
 */
guint
wabiz_sim_server_get_n_held_downloads (WabizSimServer *self,
                                       const char     *media_id)
{
  WabizSimMedia *media;
  guint n = 0;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), 0);
  g_return_val_if_fail (media_id != NULL, 0);

  media = g_hash_table_lookup (self->media, media_id);

  if (media == NULL || media->waiting == NULL)
    return 0;

  for (guint i = 0; i < media->waiting->len; i++)
    if (!client_gone (g_ptr_array_index (media->waiting, i)))
      n++;

  return n;
}
