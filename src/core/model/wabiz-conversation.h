/* wabiz-conversation.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-db.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_CONVERSATION (wabiz_conversation_get_type ())
G_DECLARE_FINAL_TYPE (WabizConversation, wabiz_conversation, WABIZ, CONVERSATION, GObject)

/* The columns wabiz_conversation_new_from_row() reads, for
 * "SELECT " this " FROM conversations c LEFT JOIN leads l ON l.phone = c.phone" */
#define WABIZ_CONVERSATION_COLUMNS \
  "c.id, c.phone, l.id AS lead_id, coalesce(nullif(l.name, ''), l.profile_name) AS name," \
  " l.status AS lead_status, c.last_message, c.last_message_time::text AS ts," \
  " (extract(epoch FROM c.last_message_time) * 1000000)::bigint AS ts_usec," \
  " c.last_direction, c.last_message_status, c.unread_count, c.total_messages," \
  " (extract(epoch FROM c.last_inbound_at) * 1000000)::bigint AS inbound_usec, c.draft"

/* 24 hours, in microseconds */
#define WABIZ_SERVICE_WINDOW_USEC (G_GINT64_CONSTANT (24) * G_TIME_SPAN_HOUR)

WabizConversation *wabiz_conversation_new               (const char        *phone);
WabizConversation *wabiz_conversation_new_from_row      (WabizDbResult     *result,
                                                         guint              row);
void               wabiz_conversation_update_from       (WabizConversation *self,
                                                         WabizConversation *other);
/* <0 when @a comes first in the list: newest last message first */
int                wabiz_conversation_compare           (WabizConversation *a,
                                                         WabizConversation *b);

const char        *wabiz_conversation_get_id            (WabizConversation *self);
const char        *wabiz_conversation_get_phone         (WabizConversation *self);
const char        *wabiz_conversation_get_lead_id       (WabizConversation *self);
/* the lead's name, else the WhatsApp profile name; (nullable) */
const char        *wabiz_conversation_get_name          (WabizConversation *self);
/* the name, else the formatted phone number */
const char        *wabiz_conversation_get_title         (WabizConversation *self);
const char        *wabiz_conversation_get_lead_status   (WabizConversation *self);
const char        *wabiz_conversation_get_last_message  (WabizConversation *self);
GDateTime         *wabiz_conversation_get_last_message_time (WabizConversation *self);
const char        *wabiz_conversation_get_timestamp_key (WabizConversation *self);
gint64             wabiz_conversation_get_timestamp_usec (WabizConversation *self);
gboolean           wabiz_conversation_get_last_outbound (WabizConversation *self);
const char        *wabiz_conversation_get_last_status   (WabizConversation *self);
guint              wabiz_conversation_get_unread_count  (WabizConversation *self);
gint64             wabiz_conversation_get_total_messages (WabizConversation *self);
/* 0 when the customer never wrote */
gint64             wabiz_conversation_get_last_inbound_usec (WabizConversation *self);
/* microseconds left in the 24-hour customer service window at @now_usec
 * (real time), 0 when closed */
gint64             wabiz_conversation_get_window_left   (WabizConversation *self,
                                                         gint64             now_usec);
const char        *wabiz_conversation_get_draft         (WabizConversation *self);
void               wabiz_conversation_set_draft         (WabizConversation *self,
                                                         const char        *draft);
/* in a search: the newest message that matched; (nullable) */
const char        *wabiz_conversation_get_match         (WabizConversation *self);

G_END_DECLS
