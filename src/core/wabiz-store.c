/* wabiz-store.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Writes shared by every path that stores messages.
 */

#define G_LOG_DOMAIN "wabiz-store"

#include "config.h"

#include "wabiz-store.h"

#include <json-glib/json-glib.h>

char *
wabiz_store_upsert_lead_on_conn (WabizDbConn *conn,
                                 const char  *wa_id,
                                 const char  *profile_name,
                                 GError     **error)
{
  g_autoptr(WabizDbResult) res = NULL;
  const char *params[] = { wa_id, profile_name };

  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (wa_id != NULL, NULL);

  res = wabiz_db_conn_exec (conn,
                            "INSERT INTO leads (phone, name, profile_name, status, first_contact)"
                            " VALUES ($1, $2::text, $2::text, 'NEW', now())"
                            " ON CONFLICT (phone) DO UPDATE SET"
                            "   name = coalesce(nullif(leads.name, ''), excluded.name),"
                            "   profile_name = coalesce(excluded.profile_name, leads.profile_name),"
                            "   updated_at = CASE WHEN excluded.profile_name IS DISTINCT FROM leads.profile_name"
                            "                     AND excluded.profile_name IS NOT NULL"
                            "                     THEN now() ELSE leads.updated_at END"
                            " RETURNING id",
                            2, params, error);
  if (res == NULL)
    return NULL;

  return g_strdup (wabiz_db_result_get (res, 0, "id"));
}

gboolean
wabiz_store_touch_conversation_on_conn (WabizDbConn *conn,
                                        const char  *wa_id,
                                        const char  *lead_id,
                                        const char  *preview,
                                        gboolean     inbound,
                                        const char  *when,
                                        GError     **error)
{
  g_autoptr(WabizDbResult) conv = NULL;
  g_autoptr(WabizDbResult) lead = NULL;
  const char *params[] = { wa_id, lead_id, preview, inbound ? "inbound" : "outbound", when };

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (wa_id != NULL, FALSE);

  /* @when: epoch seconds (webhooks) or a timestamp text; NULL for now */
  conv = wabiz_db_conn_exec (conn,
                             "WITH t AS (SELECT CASE WHEN $5::text IS NULL THEN now()"
                             "                        WHEN $5::text ~ '^[0-9]+$' THEN to_timestamp($5::text::bigint)"
                             "                        ELSE $5::text::timestamptz END AS ts)"
                             " INSERT INTO conversations AS c (phone, lead_id, total_messages, last_message,"
                             "   last_message_time, last_direction, unread_count, last_inbound_at)"
                             " SELECT $1, $2::uuid, 1, $3, t.ts, $4,"
                             "   CASE WHEN $4 = 'inbound' THEN 1 ELSE 0 END,"
                             "   CASE WHEN $4 = 'inbound' THEN t.ts END FROM t"
                             " ON CONFLICT (phone) DO UPDATE SET"
                             "   lead_id = coalesce(c.lead_id, excluded.lead_id),"
                             "   total_messages = coalesce(c.total_messages, 0) + 1,"
                             "   last_message = CASE WHEN excluded.last_message_time >= coalesce(c.last_message_time, '-infinity')"
                             "                       THEN excluded.last_message ELSE c.last_message END,"
                             "   last_direction = CASE WHEN excluded.last_message_time >= coalesce(c.last_message_time, '-infinity')"
                             "                       THEN excluded.last_direction ELSE c.last_direction END,"
                             "   last_message_time = greatest(c.last_message_time, excluded.last_message_time),"
                             "   unread_count = c.unread_count + excluded.unread_count,"
                             "   last_inbound_at = greatest(c.last_inbound_at, excluded.last_inbound_at),"
                             "   updated_at = now()",
                             5, params, error);
  if (conv == NULL)
    return FALSE;

  /* the unread count and the 24-hour window are the conversation's
   * (006-hot-counters.sql); the lead row, with its ten indexes, is
   * rewritten only when its last contact moves on */
  lead = wabiz_db_conn_exec (conn,
                             "UPDATE leads l SET last_contact = c.last_message_time"
                             " FROM conversations c WHERE c.phone = $1 AND l.phone = $1"
                             "   AND (l.last_contact IS NULL OR l.last_contact < c.last_message_time)",
                             1, params, error);

  return lead != NULL;
}

gboolean
wabiz_store_notify_on_conn (WabizDbConn *conn,
                            const char  *table,
                            const char  *wa_id,
                            const char  *id,
                            GError     **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *payload = NULL;
  g_autoptr(WabizDbResult) res = NULL;
  const char *params[1];

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (table != NULL, FALSE);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "t");
  json_builder_add_string_value (builder, table);
  if (wa_id != NULL)
    {
      json_builder_set_member_name (builder, "phone");
      json_builder_add_string_value (builder, wa_id);
    }
  if (id != NULL)
    {
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  payload = json_to_string (root, FALSE);

  params[0] = payload;
  res = wabiz_db_conn_exec (conn, "SELECT pg_notify('" WABIZ_STORE_CHANNEL "', $1)", 1, params, error);
  return res != NULL;
}
