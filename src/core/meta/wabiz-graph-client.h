/* wabiz-graph-client.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WabizGraphClient: the Meta Graph API (WhatsApp Cloud API) over one
 * SoupSession. Every call is asynchronous (GIO _async/_finish).
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wabiz-graph-error.h"
#include "wabiz-media-rules.h"

G_BEGIN_DECLS

/* What Meta answered to a send. */
typedef struct
{
  char *input;            /* the "to" as sent */
  char *wa_id;            /* the recipient's WhatsApp id (digits) */
  char *wamid;            /* the message id */
  char *message_status;   /* (nullable) accepted, held_for_quality_assessment, paused */
} WabizGraphSent;

#define WABIZ_TYPE_GRAPH_SENT (wabiz_graph_sent_get_type ())
GType           wabiz_graph_sent_get_type (void) G_GNUC_CONST;
WabizGraphSent *wabiz_graph_sent_copy     (const WabizGraphSent *sent);
void            wabiz_graph_sent_free     (WabizGraphSent       *sent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizGraphSent, wabiz_graph_sent_free)

/* What GET /{media-id} answers. */
typedef struct
{
  char   *id;
  char   *url;
  char   *mime_type;
  char   *sha256;        /* (nullable) hex or base64 */
  gint64  file_size;     /* -1 when unknown */
} WabizGraphMediaInfo;

#define WABIZ_TYPE_GRAPH_MEDIA_INFO (wabiz_graph_media_info_get_type ())
GType                wabiz_graph_media_info_get_type (void) G_GNUC_CONST;
WabizGraphMediaInfo *wabiz_graph_media_info_copy     (const WabizGraphMediaInfo *info);
void                 wabiz_graph_media_info_free     (WabizGraphMediaInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizGraphMediaInfo, wabiz_graph_media_info_free)

#define WABIZ_TYPE_GRAPH_CLIENT (wabiz_graph_client_get_type ())
G_DECLARE_FINAL_TYPE (WabizGraphClient, wabiz_graph_client, WABIZ, GRAPH_CLIENT, GObject)

/* Whether @url may be the Graph API's address: https://, or http:// on
 * this computer's loopback only (the simulator) */
gboolean          wabiz_graph_check_url             (const char          *url,
                                                     GError             **error);
WabizGraphClient *wabiz_graph_client_new            (const char          *base_url,
                                                     const char          *api_version,
                                                     const char          *phone_number_id,
                                                     const char          *waba_id,
                                                     const char          *access_token);
const char       *wabiz_graph_client_get_base_url   (WabizGraphClient    *self);
void              wabiz_graph_client_set_access_token (WabizGraphClient  *self,
                                                     const char          *access_token);
/* seconds for one request's I/O (default 30); 0: none */
void              wabiz_graph_client_set_timeout    (WabizGraphClient    *self,
                                                     guint                timeout_s);
/* The Meta app's id, for the resumable upload; NULL (the default):
 * asked of Graph (GET /app) the first time it is needed */
void              wabiz_graph_client_set_app_id     (WabizGraphClient    *self,
                                                     const char          *app_id);
const char       *wabiz_graph_client_get_app_id     (WabizGraphClient    *self);

/* POST /{phone-number-id}/messages with any message object (to, type
 * and the object named after the type; messaging_product is added). */
void              wabiz_graph_client_send_message_async   (WabizGraphClient    *self,
                                                           JsonObject          *message,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
WabizGraphSent   *wabiz_graph_client_send_message_finish  (WabizGraphClient    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* Marks @wamid (and the earlier messages of that chat) read; with
 * @typing, also shows the typing indicator (until the reply or ~25 s). */
void              wabiz_graph_client_mark_read_async      (WabizGraphClient    *self,
                                                           const char          *wamid,
                                                           gboolean             typing,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean          wabiz_graph_client_mark_read_finish     (WabizGraphClient    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
void              wabiz_graph_client_send_typing_async    (WabizGraphClient    *self,
                                                           const char          *wamid,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean          wabiz_graph_client_send_typing_finish   (WabizGraphClient    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* Checks (wabiz_graph_check_media_file) then streams @file to
 * POST /{phone-number-id}/media. Returns the media id; @out_mime gets
 * the MIME type it was uploaded as. Nothing is uploaded when the check
 * fails. */
void              wabiz_graph_client_upload_media_async   (WabizGraphClient    *self,
                                                           GFile               *file,
                                                           const char          *kind,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
char             *wabiz_graph_client_upload_media_finish  (WabizGraphClient    *self,
                                                           GAsyncResult        *result,
                                                           char               **out_mime,
                                                           GError             **error);

/* The Resumable Upload API: checks @file as media of @kind (image,
 * video, document), opens an upload session of the app
 * (POST /{app-id}/uploads) and sends the file to it
 * (POST /{upload-id}, file_offset 0). Returns the file's handle, for
 * `example.header_handle` of a template's media header; @out_mime
 * gets the MIME type it went as. */
void              wabiz_graph_client_upload_resumable_async  (WabizGraphClient    *self,
                                                           GFile               *file,
                                                           const char          *kind,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
char             *wabiz_graph_client_upload_resumable_finish (WabizGraphClient   *self,
                                                           GAsyncResult        *result,
                                                           char               **out_mime,
                                                           GError             **error);

void              wabiz_graph_client_get_phone_number_async  (WabizGraphClient    *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
JsonObject       *wabiz_graph_client_get_phone_number_finish (WabizGraphClient   *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
void              wabiz_graph_client_get_media_async      (WabizGraphClient    *self,
                                                           const char          *media_id,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
WabizGraphMediaInfo *wabiz_graph_client_get_media_finish  (WabizGraphClient    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* Resolves @media_id and downloads it into @cache_dir (created if
 * needed) as "<media_id>.<ext>", checking its sha256 against
 * @expected_sha256 (a webhook's, base64) or else Meta's (hex or
 * base64). Returns the path. */
void              wabiz_graph_client_download_media_async (WabizGraphClient    *self,
                                                           const char          *media_id,
                                                           const char          *expected_sha256,
                                                           const char          *cache_dir,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
char             *wabiz_graph_client_download_media_finish (WabizGraphClient   *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

void              wabiz_graph_client_delete_media_async   (WabizGraphClient    *self,
                                                           const char          *media_id,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean          wabiz_graph_client_delete_media_finish  (WabizGraphClient    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* Every template of the WABA, page after page (Meta's paging.next): an
 * array of Meta's template objects. */
void              wabiz_graph_client_list_templates_async (WabizGraphClient    *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
JsonArray        *wabiz_graph_client_list_templates_finish (WabizGraphClient   *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* @tmpl: name, language, category, components. Returns Meta's answer
 * ({id, status, category}). */
void              wabiz_graph_client_create_template_async (WabizGraphClient   *self,
                                                           JsonObject          *tmpl,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
JsonObject       *wabiz_graph_client_create_template_finish (WabizGraphClient  *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* POST /{template-id} with new components and/or category: the
 * template goes back to review. */
void              wabiz_graph_client_edit_template_async   (WabizGraphClient   *self,
                                                           const char          *template_id,
                                                           JsonObject          *changes,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean          wabiz_graph_client_edit_template_finish  (WabizGraphClient  *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* All languages of @name, or only @hsm_id when given. */
void              wabiz_graph_client_delete_template_async (WabizGraphClient   *self,
                                                           const char          *name,
                                                           const char          *hsm_id,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean          wabiz_graph_client_delete_template_finish (WabizGraphClient  *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

G_END_DECLS
