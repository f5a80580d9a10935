/* wabiz-alerts.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What the desktop notifications are made of: the messages customers
 * sent and the sends that failed since the last look, the templates'
 * reviews, and the conversations muted (conversations.muted,
 * data/sql/020-conversation-mute.sql), each read in one query.
 */

#define G_LOG_DOMAIN "wabiz-alerts"

#include "config.h"

#include "wabiz-alerts.h"
#include "wabiz-error.h"
#include "wabiz-phone.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

/* at most this many alerts a look (a burst is summed up per conversation) */
#define MAX_ALERTS 500

void
wabiz_alert_free (WabizAlert *alert)
{
  if (alert == NULL)
    return;
  g_free (alert->message_id);
  g_free (alert->phone);
  g_free (alert->name);
  g_free (alert->type);
  g_free (alert->text);
  g_free (alert->error);
  g_free (alert);
}

void
wabiz_alert_template_free (WabizAlertTemplate *template_)
{
  if (template_ == NULL)
    return;
  g_free (template_->name);
  g_free (template_->language);
  g_free (template_->status);
  g_free (template_->reason);
  g_free (template_);
}

/* mute */

static void
return_muted_set (GTask         *task,
                  WabizDbResult *res)
{
  if (wabiz_db_result_get_int (res, 0, "n") == 0)
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND, "%s",
                               _("This conversation has no messages yet, so there is nothing to mute"));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
wabiz_alerts_set_muted_async (WabizDb             *db,
                              const char          *phone,
                              gboolean             muted,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *normalized = NULL;
  const char *p[2];

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (phone != NULL);

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_alerts_set_muted_async);

  normalized = wabiz_phone_normalize_for_task (phone, task);
  if (normalized == NULL)
    return;
  p[0] = normalized;
  p[1] = muted ? "true" : "false";
  wabiz_db_query_for_task (db,
                           "WITH u AS (UPDATE conversations SET muted = $2::boolean, updated_at = now()"
                           "           WHERE phone = $1 RETURNING phone)"
                           " SELECT count(*) AS n, wabiz_notify('conversations', $1) FROM u",
                           2, p, g_steal_pointer (&task), return_muted_set);
}

gboolean
wabiz_alerts_set_muted_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_alerts_set_muted_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
return_muted (GTask         *task,
              WabizDbResult *res)
{
  g_task_return_int (task, wabiz_db_result_get_bool (res, 0, "muted"));
}

void
wabiz_alerts_get_muted_async (WabizDb             *db,
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
  g_task_set_source_tag (task, wabiz_alerts_get_muted_async);

  normalized = wabiz_phone_normalize_for_task (phone, task);
  if (normalized == NULL)
    return;
  p[0] = normalized;
  wabiz_db_query_for_task (db,
                           "SELECT coalesce ((SELECT muted FROM conversations WHERE phone = $1), false)"
                           " AS muted",
                           1, p, g_steal_pointer (&task), return_muted);
}

gboolean
wabiz_alerts_get_muted_finish (GAsyncResult  *result,
                               gboolean      *muted,
                               GError       **error)
{
  gssize value;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_alerts_get_muted_async), FALSE);

  value = g_task_propagate_int (G_TASK (result), error);
  if (value < 0)
    return FALSE;
  if (muted != NULL)
    *muted = value != 0;
  return TRUE;
}

/* what happened */

typedef struct
{
  GPtrArray *alerts;  /* (owned) (element-type WabizAlert) */
  char      *now;     /* (owned) */
} Collected;

static void
collected_free (Collected *collected)
{
  g_clear_pointer (&collected->alerts, g_ptr_array_unref);
  g_free (collected->now);
  g_free (collected);
}

static char *
dup_member (JsonObject *object,
            const char *name)
{
  const char *value = json_object_get_string_member_with_default (object, name, NULL);

  return value != NULL && *value != '\0' ? g_strdup (value) : NULL;
}

static void
return_collected (GTask         *task,
                  WabizDbResult *res)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  Collected *collected;
  const char *rows;
  JsonNode *root;

  collected = g_new0 (Collected, 1);
  collected->alerts = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_alert_free);
  collected->now = g_strdup (wabiz_db_result_get (res, 0, "now"));
  rows = wabiz_db_result_get (res, 0, "alerts");
  if (rows != NULL && json_parser_load_from_data (parser, rows, -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *row = json_array_get_object_element (array, i);
          WabizAlert *alert;

          if (row == NULL)
            continue;
          alert = g_new0 (WabizAlert, 1);
          alert->kind = g_strcmp0 (json_object_get_string_member_with_default (row, "direction", NULL),
                                   "outbound") == 0
                        ? WABIZ_ALERT_SEND_FAILED : WABIZ_ALERT_MESSAGE;
          alert->message_id = dup_member (row, "id");
          alert->phone = dup_member (row, "phone");
          alert->name = dup_member (row, "name");
          alert->type = dup_member (row, "type");
          alert->text = dup_member (row, "text");
          alert->error = dup_member (row, "error");
          alert->muted = json_object_get_boolean_member_with_default (row, "muted", FALSE);
          if (alert->type == NULL)
            alert->type = g_strdup ("text");
          g_ptr_array_add (collected->alerts, alert);
        }
    }
  g_task_return_pointer (task, collected, (GDestroyNotify) collected_free);
}

void
wabiz_alerts_collect_async (WabizDb             *db,
                            const char          *since,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *p[1] = { since };

  g_return_if_fail (WABIZ_IS_DB (db));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_alerts_collect_async);

  /* two looks by index: the customers' new messages (those of a muted
   * conversation too, so that the caller knows them as seen and an unmute
   * does not tell them late), our failed sends */
  wabiz_db_query_for_task (db,
                           "SELECT now()::text AS now,"
                           " (SELECT json_agg (a ORDER BY a.created_at, a.id)::text FROM ("
                           "   SELECT m.id::text AS id, m.phone, m.direction, m.type, m.created_at,"
                           "     coalesce (nullif (m.message, ''), m.caption, m.media_filename) AS text,"
                           "     NULL::text AS error,"
                           "     coalesce (nullif (l.name, ''), nullif (l.profile_name, '')) AS name,"
                           "     coalesce (c.muted, false) AS muted"
                           "   FROM messages m"
                           "   LEFT JOIN leads l ON l.phone = m.phone"
                           "   LEFT JOIN conversations c ON c.phone = m.phone"
                           "   WHERE $1::timestamptz IS NOT NULL AND m.direction = 'inbound'"
                           "     AND m.created_at > $1::timestamptz - interval '2 minutes'"
                           "     AND m.type NOT IN ('reaction', 'system')"
                           "   UNION ALL"
                           "   SELECT m.id::text, m.phone, m.direction, m.type, m.created_at,"
                           "     coalesce (nullif (m.message, ''), m.caption, m.media_filename, m.template_name),"
                           "     m.error_title,"
                           "     coalesce (nullif (l.name, ''), nullif (l.profile_name, '')), false"
                           "   FROM messages m"
                           "   LEFT JOIN leads l ON l.phone = m.phone"
                           "   WHERE $1::timestamptz IS NOT NULL AND m.status = 'failed'"
                           "     AND m.direction = 'outbound'"
                           "     AND m.updated_at > $1::timestamptz - interval '2 minutes'"
                           "   ORDER BY 5, 1 LIMIT " G_STRINGIFY (MAX_ALERTS) ") a) AS alerts",
                           1, p, g_steal_pointer (&task), return_collected);
}

GPtrArray *
wabiz_alerts_collect_finish (GAsyncResult  *result,
                             char         **now,
                             GError       **error)
{
  Collected *collected;
  GPtrArray *alerts;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_alerts_collect_async), NULL);

  collected = g_task_propagate_pointer (G_TASK (result), error);
  if (collected == NULL)
    return NULL;
  alerts = g_steal_pointer (&collected->alerts);
  if (now != NULL)
    *now = g_steal_pointer (&collected->now);
  collected_free (collected);
  return alerts;
}

/* templates */

static void
return_templates (GTask         *task,
                  WabizDbResult *res)
{
  GPtrArray *templates;

  templates = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_alert_template_free);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      WabizAlertTemplate *t = g_new0 (WabizAlertTemplate, 1);

      t->name = g_strdup (wabiz_db_result_get (res, i, "name"));
      t->language = g_strdup (wabiz_db_result_get (res, i, "language"));
      t->status = g_strdup (wabiz_db_result_get (res, i, "status"));
      t->reason = g_strdup (wabiz_db_result_get (res, i, "rejected_reason"));
      g_ptr_array_add (templates, t);
    }
  g_task_return_pointer (task, templates, (GDestroyNotify) g_ptr_array_unref);
}

void
wabiz_alerts_load_templates_async (WabizDb             *db,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (db));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_alerts_load_templates_async);
  wabiz_db_query_for_task (db,
                           "SELECT name, language, upper (status) AS status, nullif (rejected_reason, '') AS rejected_reason"
                           " FROM templates ORDER BY name, language",
                           0, NULL, g_steal_pointer (&task), return_templates);
}

GPtrArray *
wabiz_alerts_load_templates_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_alerts_load_templates_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
