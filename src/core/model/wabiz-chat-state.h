/* wabiz-chat-state.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

/**
 * WabizChatState:
 * @needs_human: auto-replies wait for a person to take over
 * @needs_human_reason: (nullable): why: "asked_for_human", "complaint", …
 * @opted_out_at: (nullable): when the customer asked for no more
 *   messages; NULL while they get them
 * @timezone: the customer's timezone as scheduled messages read it (the
 *   lead's, else the business's, else "UTC")
 * @has_lead: the number is a lead (it can be opted out by hand)
 *
 * What the chat shows about a conversation beside its messages: the
 * flags set by the automatic replies and the opt-outs.
 */
typedef struct
{
  gboolean   needs_human;
  char      *needs_human_reason;
  GDateTime *opted_out_at;
  char      *timezone;
  gboolean   has_lead;
} WabizChatState;

void            wabiz_chat_state_free         (WabizChatState      *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizChatState, wabiz_chat_state_free)

/* Changes come as changed::conversations and changed::leads with @phone.
 * Errors: WABIZ_ERROR_INVALID_PHONE, WABIZ_DB_ERROR. */
void            wabiz_chat_state_load_async   (WabizDb             *db,
                                               const char          *phone,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
WabizChatState *wabiz_chat_state_load_finish  (GAsyncResult        *result,
                                               GError             **error);

G_END_DECLS
