/* wabiz-chat-state.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The flags of a conversation the chat shows as banners (a person is
 * needed, the customer opted out) and the timezone its scheduled
 * messages are written in, read in one query.
 */

#define G_LOG_DOMAIN "wabiz-chat-state"

#include "config.h"

#include "wabiz-chat-state.h"
#include "wabiz-error.h"
#include "wabiz-phone.h"

void
wabiz_chat_state_free (WabizChatState *state)
{
  if (state == NULL)
    return;
  g_free (state->needs_human_reason);
  g_clear_pointer (&state->opted_out_at, g_date_time_unref);
  g_free (state->timezone);
  g_free (state);
}

static void
return_state (GTask         *task,
              WabizDbResult *res)
{
  g_autoptr(GTimeZone) tz = NULL;
  WabizChatState *state;
  const char *lead_tz;
  const char *out_at;

  state = g_new0 (WabizChatState, 1);
  state->needs_human = wabiz_db_result_get_bool (res, 0, "needs_human");
  state->needs_human_reason = g_strdup (wabiz_db_result_get (res, 0, "needs_human_reason"));
  state->has_lead = wabiz_db_result_get_bool (res, 0, "has_lead");
  out_at = wabiz_db_result_get (res, 0, "opted_out_at");
  if (out_at != NULL)
    state->opted_out_at = g_date_time_new_from_iso8601 (out_at, NULL);

  /* as the scheduler reads it: a lead's timezone that is not one falls
   * back to the business's */
  lead_tz = wabiz_db_result_get (res, 0, "lead_tz");
  if (lead_tz != NULL && *lead_tz != '\0' && (tz = g_time_zone_new_identifier (lead_tz)) != NULL)
    state->timezone = g_strdup (lead_tz);
  else if (wabiz_db_result_get (res, 0, "business_tz") != NULL)
    state->timezone = g_strdup (wabiz_db_result_get (res, 0, "business_tz"));
  else
    state->timezone = g_strdup ("UTC");

  g_task_return_pointer (task, state, (GDestroyNotify) wabiz_chat_state_free);
}

void
wabiz_chat_state_load_async (WabizDb             *db,
                             const char          *phone,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *normalized = NULL;
  const char *p[1];

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (phone != NULL);

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_chat_state_load_async);

  normalized = wabiz_phone_normalize_for_task (phone, task);
  if (normalized == NULL)
    return;
  p[0] = normalized;
  wabiz_db_query_for_task (db,
                           "SELECT coalesce ((SELECT needs_human FROM conversations WHERE phone = $1), false)"
                           "   AS needs_human,"
                           " (SELECT needs_human_reason FROM conversations WHERE phone = $1 AND needs_human)"
                           "   AS needs_human_reason,"
                           " to_char ((SELECT opted_out_at FROM leads WHERE phone = $1) AT TIME ZONE 'UTC',"
                           "          'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS opted_out_at,"
                           " EXISTS (SELECT 1 FROM leads WHERE phone = $1) AS has_lead,"
                           " (SELECT timezone FROM leads WHERE phone = $1) AS lead_tz,"
                           " (SELECT timezone FROM campaign_settings WHERE id = 1) AS business_tz",
                           1, p, g_steal_pointer (&task), return_state);
}

WabizChatState *
wabiz_chat_state_load_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_chat_state_load_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
