/* wabiz-outgoing.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WabizOutgoing: one message to send, built (by the REST API, the chat
 * view, the template dialog) before it is queued in the outbox.
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _WabizOutgoing WabizOutgoing;

#define WABIZ_TYPE_OUTGOING (wabiz_outgoing_get_type ())
GType          wabiz_outgoing_get_type          (void) G_GNUC_CONST;
WabizOutgoing *wabiz_outgoing_new_text          (const char         *to,
                                                 const char         *body);
/* @kind: image, video, audio, document, sticker; exactly one of @link / @media_id */
WabizOutgoing *wabiz_outgoing_new_media         (const char         *to,
                                                 const char         *kind,
                                                 const char         *link,
                                                 const char         *media_id,
                                                 const char         *caption,
                                                 const char         *filename);
/* An attachment from a local file. Queueing checks it against Meta's
 * rules for @kind (image, video, audio, document, sticker), copies it
 * into the spool directory (so that moving or deleting the original does
 * not lose the message) and writes the rows; the sender uploads the copy
 * and then sends the message by the media id. @caption: (nullable) */
WabizOutgoing *wabiz_outgoing_new_media_file    (const char         *to,
                                                 const char         *kind,
                                                 GFile              *file,
                                                 const char         *caption);
/* @body_params: (nullable) (array zero-terminated=1): {{1}}, {{2}}… of the body */
WabizOutgoing *wabiz_outgoing_new_template      (const char         *to,
                                                 const char         *name,
                                                 const char         *language,
                                                 const char * const *body_params);
/* A template's components in Meta's shape (header media or text,
 * body, buttons; wabiz_template_build_components()) instead of the body
 * parameters alone, which stay for the message's row; @preview: the
 * text the chat shows for it (nullable). */
void           wabiz_outgoing_set_template_components (WabizOutgoing *self,
                                                 JsonArray          *components,
                                                 const char         *preview);
/* Any Graph message object: @type and the object named after it
 * (interactive, location, contacts, reaction, …). */
WabizOutgoing *wabiz_outgoing_new_raw           (const char         *to,
                                                 const char         *type,
                                                 JsonNode           *object,
                                                 const char         *preview);
void           wabiz_outgoing_set_reply_to      (WabizOutgoing      *self,
                                                 const char         *wamid);
void           wabiz_outgoing_set_bulk          (WabizOutgoing      *self,
                                                 gboolean            bulk);
const char    *wabiz_outgoing_get_to            (WabizOutgoing      *self);
WabizOutgoing *wabiz_outgoing_ref               (WabizOutgoing      *self);
void           wabiz_outgoing_unref             (WabizOutgoing      *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizOutgoing, wabiz_outgoing_unref)

G_END_DECLS
