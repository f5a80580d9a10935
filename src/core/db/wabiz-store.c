/* wabiz-store.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Writes shared by every path that stores messages.
 */

#define G_LOG_DOMAIN "wabiz-store"

#include "config.h"

#include "wabiz-store.h"

/* The lead of @wa_id, created if missing: wabiz_upsert_leads() of
 * 010-shared-writes.sql, with one element. Returns its id. */
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
                            "SELECT lead_id::text AS id FROM wabiz_upsert_leads(ARRAY[$1::text], ARRAY[$2::text])",
                            2, params, error);
  if (res == NULL)
    return NULL;

  return g_strdup (wabiz_db_result_get (res, 0, "id"));
}

/* One message more in @wa_id's conversation: wabiz_touch_conversations()
 * of 010-shared-writes.sql, with one element. @when: epoch seconds
 * (webhooks) or a timestamp text; NULL for now. */
gboolean
wabiz_store_touch_conversation_on_conn (WabizDbConn *conn,
                                        const char  *wa_id,
                                        const char  *lead_id,
                                        const char  *preview,
                                        gboolean     inbound,
                                        const char  *when,
                                        GError     **error)
{
  g_autoptr(WabizDbResult) res = NULL;
  const char *params[] = { wa_id, lead_id, preview, inbound ? "inbound" : "outbound", when };

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (wa_id != NULL, FALSE);

  res = wabiz_db_conn_exec (conn,
                            "SELECT count(*) FROM wabiz_touch_conversations(ARRAY[$1::text], ARRAY[$2::uuid],"
                            "  ARRAY[1], ARRAY[$3::text],"
                            "  ARRAY[CASE WHEN $5::text IS NULL THEN now()"
                            "             WHEN $5::text ~ '^[0-9]+$' THEN to_timestamp($5::text::bigint)"
                            "             ELSE $5::text::timestamptz END], ARRAY[$4::text])",
                            5, params, error);
  return res != NULL;
}

/* Meta answered a send to @typed with @wa_id: wabiz_merge_wa_ids() of
 * 010-shared-writes.sql, with one element. */
gboolean
wabiz_store_merge_wa_id_on_conn (WabizDbConn *conn,
                                 const char  *typed,
                                 const char  *wa_id,
                                 GError     **error)
{
  g_autoptr(WabizDbResult) res = NULL;
  const char *params[] = { typed, wa_id };

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (typed != NULL && wa_id != NULL, FALSE);

  res = wabiz_db_conn_exec (conn, "SELECT count(*) FROM wabiz_merge_wa_ids(ARRAY[$1::text], ARRAY[$2::text])",
                            2, params, error);
  return res != NULL;
}

/* wabiz_notify() of 013-notify.sql, where the payload is made. */
gboolean
wabiz_store_notify_on_conn (WabizDbConn *conn,
                            const char  *table,
                            const char  *wa_id,
                            const char  *id,
                            GError     **error)
{
  g_autoptr(WabizDbResult) res = NULL;
  const char *params[] = { table, wa_id, id };

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (table != NULL, FALSE);

  res = wabiz_db_conn_exec (conn, "SELECT wabiz_notify($1, $2, $3)", 3, params, error);
  return res != NULL;
}
