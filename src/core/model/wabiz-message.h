/* wabiz-message.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

/**
 * WabizMessageKind:
 *
 * What a message shows, from its `type` column. Anything WaBiz does not
 * know how to show is %WABIZ_MESSAGE_KIND_UNSUPPORTED.
 */
typedef enum
{
  WABIZ_MESSAGE_KIND_TEXT,
  WABIZ_MESSAGE_KIND_IMAGE,
  WABIZ_MESSAGE_KIND_VIDEO,
  WABIZ_MESSAGE_KIND_AUDIO,
  WABIZ_MESSAGE_KIND_DOCUMENT,
  WABIZ_MESSAGE_KIND_STICKER,
  WABIZ_MESSAGE_KIND_LOCATION,
  WABIZ_MESSAGE_KIND_CONTACTS,
  WABIZ_MESSAGE_KIND_INTERACTIVE,
  WABIZ_MESSAGE_KIND_BUTTON,
  WABIZ_MESSAGE_KIND_TEMPLATE,
  WABIZ_MESSAGE_KIND_REACTION,
  WABIZ_MESSAGE_KIND_ORDER,
  WABIZ_MESSAGE_KIND_SYSTEM,
  WABIZ_MESSAGE_KIND_UNSUPPORTED,
} WabizMessageKind;

/**
 * WabizMessageStatus:
 *
 * Delivery state of a message, in the order statuses move forward.
 * Inbound messages are %WABIZ_MESSAGE_STATUS_RECEIVED.
 */
typedef enum
{
  WABIZ_MESSAGE_STATUS_RECEIVED,
  WABIZ_MESSAGE_STATUS_QUEUED,
  WABIZ_MESSAGE_STATUS_UNKNOWN,
  WABIZ_MESSAGE_STATUS_ACCEPTED,
  WABIZ_MESSAGE_STATUS_SENT,
  WABIZ_MESSAGE_STATUS_FAILED,
  WABIZ_MESSAGE_STATUS_DELIVERED,
  WABIZ_MESSAGE_STATUS_READ,
  WABIZ_MESSAGE_STATUS_PLAYED,
} WabizMessageStatus;

#define WABIZ_TYPE_MESSAGE_KIND (wabiz_message_kind_get_type ())
GType wabiz_message_kind_get_type (void) G_GNUC_CONST;
#define WABIZ_TYPE_MESSAGE_STATUS (wabiz_message_status_get_type ())
GType wabiz_message_status_get_type (void) G_GNUC_CONST;

WabizMessageKind   wabiz_message_kind_from_type     (const char         *type);
WabizMessageStatus wabiz_message_status_from_string (const char         *status,
                                                     gboolean            inbound);

#define WABIZ_TYPE_MESSAGE (wabiz_message_get_type ())
G_DECLARE_FINAL_TYPE (WabizMessage, wabiz_message, WABIZ, MESSAGE, GObject)

/* The columns wabiz_message_new_from_row() reads, for "SELECT " this " FROM messages m …" */
#define WABIZ_MESSAGE_COLUMNS \
  "m.id, m.phone, m.message, m.direction, m.status, m.message_id, m.media_url," \
  " m.media_type, m.caption, m.\"timestamp\"::text AS ts," \
  " (extract(epoch FROM m.\"timestamp\") * 1000000)::bigint AS ts_usec," \
  " m.type, m.reply_to, m.error_code, m.error_title, m.error_details, m.media_id," \
  " m.media_mime, m.media_filename, m.media_size, m.media_path, m.content::text AS content," \
  " m.template_name, m.sentiment, m.intent, m.automatic," \
  " (SELECT coalesce(nullif(q.message, ''), q.caption, q.media_filename, q.type)" \
  "    FROM messages q WHERE m.reply_to IS NOT NULL AND m.type <> 'reaction'" \
  "    AND q.message_id = m.reply_to LIMIT 1) AS reply_quote," \
  " (SELECT q.direction FROM messages q WHERE m.reply_to IS NOT NULL AND m.type <> 'reaction'" \
  "    AND q.message_id = m.reply_to LIMIT 1) AS reply_direction," \
  " (SELECT string_agg(e.message, '' ORDER BY e.direction) FROM" \
  "    (SELECT DISTINCT ON (q.direction) q.direction, q.message FROM messages q" \
  "      WHERE m.message_id IS NOT NULL AND q.type = 'reaction' AND q.reply_to = m.message_id" \
  "      ORDER BY q.direction, q.\"timestamp\" DESC, q.id DESC) e" \
  "    WHERE coalesce(e.message, '') <> '') AS reactions"

WabizMessage       *wabiz_message_new_from_row       (WabizDbResult *result,
                                                      guint          row);
/* Copies what can change (status, errors, reactions, media, text) from
 * @other, a newer copy of the same row, notifying what changed. */
void                wabiz_message_update_from        (WabizMessage  *self,
                                                      WabizMessage  *other);
/* <0, 0, >0 by ("timestamp", id): oldest first */
int                 wabiz_message_compare            (WabizMessage  *a,
                                                      WabizMessage  *b);

const char         *wabiz_message_get_id             (WabizMessage  *self);
const char         *wabiz_message_get_phone          (WabizMessage  *self);
const char         *wabiz_message_get_wamid          (WabizMessage  *self);
const char         *wabiz_message_get_message_type   (WabizMessage  *self);
WabizMessageKind    wabiz_message_get_kind           (WabizMessage  *self);
const char         *wabiz_message_get_text           (WabizMessage  *self);
const char         *wabiz_message_get_caption        (WabizMessage  *self);
gboolean            wabiz_message_get_outbound       (WabizMessage  *self);
WabizMessageStatus  wabiz_message_get_status         (WabizMessage  *self);
const char         *wabiz_message_get_ticks          (WabizMessage  *self);
GDateTime          *wabiz_message_get_timestamp      (WabizMessage  *self);
/* the "timestamp" as the database wrote it, for keyset queries */
const char         *wabiz_message_get_timestamp_key  (WabizMessage  *self);
gint64              wabiz_message_get_timestamp_usec (WabizMessage  *self);
int                 wabiz_message_get_error_code     (WabizMessage  *self);
const char         *wabiz_message_get_error_title    (WabizMessage  *self);
const char         *wabiz_message_get_error_details  (WabizMessage  *self);
const char         *wabiz_message_get_media_url      (WabizMessage  *self);
const char         *wabiz_message_get_media_id       (WabizMessage  *self);
const char         *wabiz_message_get_media_mime     (WabizMessage  *self);
const char         *wabiz_message_get_media_filename (WabizMessage  *self);
gint64              wabiz_message_get_media_size     (WabizMessage  *self);
const char         *wabiz_message_get_media_path     (WabizMessage  *self);
const char         *wabiz_message_get_reply_to       (WabizMessage  *self);
const char         *wabiz_message_get_reply_quote    (WabizMessage  *self);
gboolean            wabiz_message_get_reply_outbound (WabizMessage  *self);
const char         *wabiz_message_get_reactions      (WabizMessage  *self);
const char         *wabiz_message_get_template_name  (WabizMessage  *self);
/* (nullable): Gemini's reading of an inbound text: positive, neutral or
 * negative; question, order, complaint, opt_out, greeting or other */
const char         *wabiz_message_get_sentiment      (WabizMessage  *self);
const char         *wabiz_message_get_intent         (WabizMessage  *self);
/* (nullable): greeting, away or auto_reply for what WaBiz sent by itself */
const char         *wabiz_message_get_automatic      (WabizMessage  *self);
/* the type's object as stored (location, contacts, …); (nullable) */
JsonNode           *wabiz_message_get_content        (WabizMessage  *self);
/* For location messages; FALSE when there are no coordinates. */
gboolean            wabiz_message_get_location       (WabizMessage  *self,
                                                      double        *latitude,
                                                      double        *longitude);

G_END_DECLS
