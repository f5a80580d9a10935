/* wabiz-rest-api-reads.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The REST API's calls that read (one SQL statement builds each whole
 * JSON answer), PATCH /leads/{phone}, and GET /health (which says, among
 * its warnings, when events arrived for another phone number id).
 */

#define G_LOG_DOMAIN "wabiz-rest-api"

#include "config.h"

#include "wabiz-analytics.h"
#include "wabiz-http-server.h"
#include "wabiz-rest-api-private.h"
#include "wabiz-store.h"
#include "wabiz-webhook-processor.h"
#include "wabiz-webhook-status.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#define ISO_UTC(col) WABIZ_REST_ISO_UTC (col)

/* ------------------------------------------------------------------ */
/* read-only calls: one SQL statement builds the whole JSON answer */

static void
json_query_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  const char *body;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
        _wabiz_rest_reply_db_error (request->msg, error);
      else
        {
          g_warning ("A REST query failed: %s", error->message);
          wabiz_http_reply_error (request->msg, 422, "invalid_input", _("The request could not be done"));
        }
      return;
    }

  body = wabiz_db_result_get_n_rows (res) > 0 ? wabiz_db_result_get_nth (res, 0, 0) : NULL;
  if (body == NULL)
    {
      wabiz_http_reply_error (request->msg, SOUP_STATUS_NOT_FOUND, "not_found",
                              _("There is nothing for this phone number"));
      return;
    }
  _wabiz_rest_reply_raw_json (request->msg, SOUP_STATUS_OK, body);
}

static void
run_json_query (WabizRestApi       *self,
                SoupServerMessage  *msg,
                const char         *sql,
                int                 n_params,
                const char * const *params)
{
  WabizRestRequest *request = _wabiz_rest_request_new (self, msg);

  wabiz_db_query_async (self->db, sql, n_params, params, NULL, json_query_cb, request);
}

#define MESSAGE_JSON(m) \
  "json_build_object('id', " m ".id, 'message', " m ".message, 'sender', " m ".sender," \
  " 'direction', " m ".direction, 'status', " m ".status, 'timestamp', " ISO_UTC (m ".\"timestamp\"") "," \
  " 'message_id', " m ".message_id, 'type', " m ".type, 'media_url', " m ".media_url," \
  " 'media_type', " m ".media_type, 'caption', " m ".caption, 'reply_to', " m ".reply_to)"

#define LEAD_JSON(l) \
  "json_build_object('id', " l ".id, 'phone', " l ".phone, 'name', " l ".name, 'email', " l ".email," \
  " 'status', " l ".status, 'first_contact', " ISO_UTC (l ".first_contact") "," \
  " 'created_at', " ISO_UTC (l ".created_at") ", 'last_contact', " ISO_UTC (l ".last_contact") "," \
  " 'profile_name', " l ".profile_name, 'timezone', " l ".timezone, 'notes', " l ".notes," \
  " 'tags', " l ".tags, 'custom_fields', " l ".custom_fields," \
  " 'unread_count', coalesce((SELECT c.unread_count FROM conversations c WHERE c.phone = " l ".phone), 0)," \
  " 'unreachable', " l ".unreachable)"

/* A read of one conversation: @sql takes the ?phone= (required,
 * normalised) as $1 and the ?limit= as $2. */
static void
run_conversation_query (WabizRestApi      *self,
                        SoupServerMessage *msg,
                        GHashTable        *query,
                        gint64             default_limit,
                        gint64             max_limit,
                        const char        *sql)
{
  const char *phone = query != NULL ? g_hash_table_lookup (query, "phone") : NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *limit_text = NULL;
  gint64 limit;

  if (phone == NULL || *phone == '\0')
    {
      wabiz_http_reply_error (msg, 422, "missing_field", _("“phone” is required"));
      return;
    }
  if ((normalized = _wabiz_rest_check_phone (msg, phone)) == NULL ||
      !_wabiz_rest_get_query_int (msg, query, "limit", default_limit, 1, max_limit, &limit))
    return;

  limit_text = g_strdup_printf ("%" G_GINT64_FORMAT, limit);
  run_json_query (self, msg, sql, 2, (const char *[]) { normalized, limit_text });
}

void
_wabiz_rest_handle_recent_messages (WabizRestApi      *self,
                                    SoupServerMessage *msg,
                                    GHashTable        *query,
                                    const char        *param)
{
  run_conversation_query (self, msg, query, 20, 1000,
    "SELECT json_build_object('phone', $1::text,"
    " 'total_messages', (SELECT count(*) FROM messages WHERE phone = $1),"
    " 'messages', coalesce((SELECT json_agg(" MESSAGE_JSON ("m") " ORDER BY m.\"timestamp\" DESC, m.id DESC)"
    "   FROM (SELECT * FROM messages WHERE phone = $1"
    "         ORDER BY \"timestamp\" DESC, id DESC LIMIT $2::int) m), '[]'::json))::text");
}

void
_wabiz_rest_handle_get_conversation (WabizRestApi      *self,
                                     SoupServerMessage *msg,
                                     GHashTable        *query,
                                     const char        *param)
{
  run_conversation_query (self, msg, query, 1000, 100000,
    "SELECT json_build_object('phone', $1::text,"
    " 'customer_name', (SELECT coalesce(nullif(name, ''), profile_name) FROM leads WHERE phone = $1),"
    " 'status', (SELECT status FROM leads WHERE phone = $1),"
    " 'total_messages', (SELECT count(*) FROM messages WHERE phone = $1),"
    " 'conversation_thread', coalesce((SELECT json_agg(" MESSAGE_JSON ("m") " ORDER BY m.\"timestamp\", m.id)"
    "   FROM (SELECT * FROM messages WHERE phone = $1"
    "         ORDER BY \"timestamp\" DESC, id DESC LIMIT $2::int) m), '[]'::json))::text"
    " WHERE EXISTS (SELECT 1 FROM leads WHERE phone = $1)"
    "    OR EXISTS (SELECT 1 FROM messages WHERE phone = $1)");
}

void
_wabiz_rest_handle_leads (WabizRestApi      *self,
                          SoupServerMessage *msg,
                          GHashTable        *query,
                          const char        *param)
{
  g_autofree char *limit_text = NULL;
  g_autofree char *offset_text = NULL;
  gint64 limit, offset;

  if (!_wabiz_rest_get_query_int (msg, query, "limit", 50, 1, 1000, &limit) ||
      !_wabiz_rest_get_query_int (msg, query, "offset", 0, 0, G_MAXINT32, &offset))
    return;

  limit_text = g_strdup_printf ("%" G_GINT64_FORMAT, limit);
  offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
  run_json_query (self, msg,
                  "SELECT json_build_object('total_leads', (SELECT count(*) FROM leads),"
                  " 'limit', $1::int, 'offset', $2::int,"
                  " 'leads', coalesce((SELECT json_agg(" LEAD_JSON ("l") " ORDER BY l.created_at DESC, l.id)"
                  "   FROM (SELECT * FROM leads ORDER BY created_at DESC, id LIMIT $1::int OFFSET $2::int) l),"
                  "   '[]'::json))::text",
                  2, (const char *[]) { limit_text, offset_text });
}

/* ------------------------------------------------------------------ */
/* GET /analytics and /analytics/failures: the figures of WabizAnalytics */

static const char *analytics_error_codes[] = {
  [WABIZ_ANALYTICS_ERROR_INVALID_PERIOD] = "invalid_period",
  [WABIZ_ANALYTICS_ERROR_INVALID_TIME_ZONE] = "invalid_time_zone",
  [WABIZ_ANALYTICS_ERROR_INVALID_HOURS] = "invalid_hours",
  [WABIZ_ANALYTICS_ERROR_INVALID_CURSOR] = "invalid_cursor",
};

static void
reply_analytics_error (SoupServerMessage *msg,
                       const GError      *error)
{
  if (error->domain == WABIZ_ANALYTICS_ERROR && (guint) error->code < G_N_ELEMENTS (analytics_error_codes))
    wabiz_http_reply_error (msg, 422, analytics_error_codes[error->code], error->message);
  else if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
    _wabiz_rest_reply_db_error (msg, error);
  else
    {
      g_warning ("Analytics failed: %s", error->message);
      wabiz_http_reply_error (msg, 422, "invalid_input", _("The request could not be done"));
    }
}

/* "YYYY-MM-DD" and nothing else (g_date_set_parse() follows the locale) */
static gboolean
parse_day (const char *text,
           GDate      *date)
{
  guint year = 0, month = 0, day = 0;

  g_date_clear (date, 1);
  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    {
      if (i == 4 || i == 7)
        continue;
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      if (i < 4)
        year = year * 10 + g_ascii_digit_value (text[i]);
      else if (i < 7)
        month = month * 10 + g_ascii_digit_value (text[i]);
      else
        day = day * 10 + g_ascii_digit_value (text[i]);
    }
  if (!g_date_valid_dmy (day, month, year))
    return FALSE;
  g_date_set_dmy (date, day, month, year);
  return TRUE;
}

/* The query of ?period= (today, 7d, 30d, all, custom; all when absent,
 * custom when ?from= and ?to= are given), ?tz= and ?hours=; NULL after
 * answering the error. */
static WabizAnalyticsQuery *
read_analytics_query (SoupServerMessage *msg,
                      GHashTable        *query)
{
  static const char *periods[] = { "today", "7d", "30d", "all", "custom" };
  const char *period = query != NULL ? g_hash_table_lookup (query, "period") : NULL;
  const char *from = query != NULL ? g_hash_table_lookup (query, "from") : NULL;
  const char *to = query != NULL ? g_hash_table_lookup (query, "to") : NULL;
  const char *tz = query != NULL ? g_hash_table_lookup (query, "tz") : NULL;
  const char *hours = query != NULL ? g_hash_table_lookup (query, "hours") : NULL;
  g_autoptr(WabizAnalyticsQuery) analytics = NULL;
  g_autoptr(GError) error = NULL;
  int kind = -1;

  if (period == NULL)
    period = from != NULL || to != NULL ? "custom" : "all";
  for (guint i = 0; i < G_N_ELEMENTS (periods); i++)
    if (g_str_equal (period, periods[i]))
      kind = (int) i;
  if (kind < 0)
    {
      wabiz_http_reply_error (msg, 422, "invalid_period",
                              _("The period is one of today, 7d, 30d, all or custom (with from and to)"));
      return NULL;
    }

  analytics = wabiz_analytics_query_new ((WabizAnalyticsPeriod) kind);
  if (kind == WABIZ_ANALYTICS_PERIOD_CUSTOM)
    {
      GDate first, last;

      if (!parse_day (from, &first) || !parse_day (to, &last))
        {
          wabiz_http_reply_error (msg, 422, "invalid_period",
                                  _("Give the first and last day of the period as from and to, like 2024-03-31"));
          return NULL;
        }
      wabiz_analytics_query_set_days (analytics, &first, &last);
    }
  if (tz != NULL)
    wabiz_analytics_query_set_time_zone (analytics, tz);
  if ((hours != NULL && !wabiz_analytics_query_parse_hours (analytics, hours, &error)) ||
      !wabiz_analytics_query_validate (analytics, &error))
    {
      reply_analytics_error (msg, error);
      return NULL;
    }
  return g_steal_pointer (&analytics);
}

static void
analytics_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *generated = NULL;

  report = wabiz_analytics_run_finish (result, &error);
  if (report == NULL)
    {
      reply_analytics_error (request->msg, error);
      return;
    }

  /* the fields of the old answer that are not figures */
  generated = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  json_object_set_boolean_member (report, "success", TRUE);
  json_object_set_string_member (report, "generated_at", generated);
  _wabiz_rest_reply_object (request->msg, SOUP_STATUS_OK, report);
}

void
_wabiz_rest_handle_analytics (WabizRestApi      *self,
                              SoupServerMessage *msg,
                              GHashTable        *query,
                              const char        *param)
{
  g_autoptr(WabizAnalyticsQuery) analytics = read_analytics_query (msg, query);

  if (analytics == NULL)
    return;

  wabiz_analytics_run_async (self->db, analytics, WABIZ_ANALYTICS_ALL, NULL, analytics_cb,
                             _wabiz_rest_request_new (self, msg));
}

static void
analytics_failures_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(JsonObject) page = NULL;
  g_autoptr(GError) error = NULL;

  page = wabiz_analytics_list_failed_finish (result, &error);
  if (page == NULL)
    reply_analytics_error (request->msg, error);
  else
    _wabiz_rest_reply_object (request->msg, SOUP_STATUS_OK, page);
}

/* The messages of one failure reason of GET /analytics: ?error_code=
 * (absent: none) and ?error_title= as there, ?cursor= (the answer's next),
 * ?limit= (1 … 500) and the period as for GET /analytics. */
void
_wabiz_rest_handle_analytics_failures (WabizRestApi      *self,
                                       SoupServerMessage *msg,
                                       GHashTable        *query,
                                       const char        *param)
{
  g_autoptr(WabizAnalyticsQuery) analytics = read_analytics_query (msg, query);
  const char *title = query != NULL ? g_hash_table_lookup (query, "error_title") : NULL;
  const char *cursor = query != NULL ? g_hash_table_lookup (query, "cursor") : NULL;
  gboolean has_code = query != NULL && g_hash_table_contains (query, "error_code");
  gint64 code = 0, limit;

  if (analytics == NULL ||
      (has_code && !_wabiz_rest_get_query_int (msg, query, "error_code", 0, G_MININT32, G_MAXINT32, &code)) ||
      !_wabiz_rest_get_query_int (msg, query, "limit", 50, 1, 500, &limit))
    return;

  wabiz_analytics_list_failed_async (self->db, analytics, has_code, code, title, cursor, (guint) limit, NULL,
                                     analytics_failures_cb, _wabiz_rest_request_new (self, msg));
}

void
_wabiz_rest_handle_export (WabizRestApi      *self,
                           SoupServerMessage *msg,
                           GHashTable        *query,
                           const char        *param)
{
  g_autofree char *normalized = NULL;

  /* a segment that decodes to nothing or to more than one segment names
   * no conversation */
  if (*param == '\0' || strchr (param, '/') != NULL)
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", _("No such endpoint"));
      return;
    }
  if ((normalized = _wabiz_rest_check_phone (msg, param)) == NULL)
    return;

  run_json_query (self, msg,
                  "SELECT json_build_object('phone', $1::text, 'exported_at', " ISO_UTC ("now()") ","
                  " 'lead', (SELECT to_jsonb(l) || jsonb_build_object("
                  "   'unread_count', coalesce(c.unread_count, 0),"
                  "   'last_inbound_at', greatest(l.last_inbound_at, c.last_inbound_at))"
                  "   FROM leads l LEFT JOIN conversations c ON c.phone = l.phone WHERE l.phone = $1),"
                  " 'conversation', (SELECT to_jsonb(c) FROM conversations c WHERE c.phone = $1),"
                  " 'total_messages', (SELECT count(*) FROM messages WHERE phone = $1),"
                  " 'messages', coalesce((SELECT json_agg(to_jsonb(m) - 'search' ORDER BY m.\"timestamp\", m.id)"
                  "   FROM messages m WHERE m.phone = $1), '[]'::json))::text"
                  " WHERE EXISTS (SELECT 1 FROM leads WHERE phone = $1)"
                  "    OR EXISTS (SELECT 1 FROM messages WHERE phone = $1)",
                  1, (const char *[]) { normalized });
}

/* ------------------------------------------------------------------ */
/* PATCH /leads/{phone} */

static const char *lead_statuses[] = { "NEW", "CONTACTED", "INTERESTED", "CONVERTED", "LOST", NULL };

typedef struct
{
  char      *phone;
  GPtrArray *sets;      /* (element-type utf8) "col = $n" */
  GPtrArray *values;    /* (element-type utf8) (nullable elements) */
} LeadPatch;

static void
lead_patch_free (LeadPatch *patch)
{
  g_free (patch->phone);
  g_ptr_array_unref (patch->sets);
  g_ptr_array_unref (patch->values);
  g_free (patch);
}

static void
patch_lead_job (WabizDb      *db,
                WabizDbConn  *conn,
                GTask        *task,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LeadPatch *patch = task_data;
  g_autoptr(GString) sql = g_string_new ("UPDATE leads l SET ");
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  for (guint i = 0; i < patch->sets->len; i++)
    g_string_append_printf (sql, "%s, ", (char *) g_ptr_array_index (patch->sets, i));
  g_string_append_printf (sql, "updated_at = now() WHERE l.phone = $%u RETURNING (" LEAD_JSON ("l") ")::text",
                          patch->values->len);

  if (!wabiz_db_conn_begin (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  res = wabiz_db_conn_exec (conn, sql->str, (int) patch->values->len,
                            (const char * const *) patch->values->pdata, &error);
  if (res == NULL || (wabiz_db_result_get_n_rows (res) > 0 &&
                      !wabiz_store_notify_on_conn (conn, "leads", patch->phone, NULL, &error)) ||
      !wabiz_db_conn_commit (conn, &error))
    {
      wabiz_db_conn_rollback (conn);
      g_task_return_error (task, error);
      return;
    }

  if (wabiz_db_result_get_n_rows (res) == 0)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  g_task_return_pointer (task, g_strdup (wabiz_db_result_get_nth (res, 0, 0)), g_free);
}

static void
patch_lead_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *lead = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *body = NULL;

  if (error != NULL)
    {
      if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
        _wabiz_rest_reply_db_error (request->msg, error);
      else
        wabiz_http_reply_error (request->msg, 422, "invalid_input", _("The lead could not be changed"));
      return;
    }
  if (lead == NULL)
    {
      wabiz_http_reply_error (request->msg, SOUP_STATUS_NOT_FOUND, "lead_not_found",
                              _("There is no lead with this phone number"));
      return;
    }

  body = g_strdup_printf ("{\"success\":true,\"lead\":%s}", lead);
  _wabiz_rest_reply_raw_json (request->msg, SOUP_STATUS_OK, body);
}

void
_wabiz_rest_handle_patch_lead (WabizRestApi      *self,
                               SoupServerMessage *msg,
                               GHashTable        *query,
                               const char        *param)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *normalized = NULL;
  g_autoptr(GList) members = NULL;
  g_autoptr(GTask) task = NULL;
  LeadPatch *patch;

  if ((normalized = _wabiz_rest_check_phone (msg, param)) == NULL ||
      (body = _wabiz_rest_read_body (msg)) == NULL)
    return;

  members = json_object_get_members (body);
  if (members == NULL)
    {
      wabiz_http_reply_error (msg, 422, "missing_field",
                              _("Give at least one of name, email, status, notes, tags"));
      return;
    }

  patch = g_new0 (LeadPatch, 1);
  patch->phone = g_strdup (normalized);
  patch->sets = g_ptr_array_new_with_free_func (g_free);
  patch->values = g_ptr_array_new_with_free_func (g_free);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (body, name);
      gboolean is_null = JSON_NODE_HOLDS_NULL (node);
      char *value = NULL;

      if (g_str_equal (name, "tags"))
        {
          g_auto(GStrv) tags = NULL;
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autoptr(JsonNode) array = NULL;

          if (!_wabiz_rest_get_string_list (msg, body, name, &tags))
            goto fail;
          json_builder_begin_array (builder);
          for (guint i = 0; tags[i] != NULL; i++)
            {
              if (*tags[i] == '\0' || g_utf8_strlen (tags[i], -1) > 50)
                {
                  wabiz_http_reply_error (msg, 422, "invalid_input",
                                          _("Each tag must have 1 to 50 characters"));
                  goto fail;
                }
              json_builder_add_string_value (builder, tags[i]);
            }
          json_builder_end_array (builder);
          array = json_builder_get_root (builder);
          g_ptr_array_add (patch->values, json_to_string (array, FALSE));
          g_ptr_array_add (patch->sets, g_strdup_printf ("tags = ARRAY(SELECT jsonb_array_elements_text($%u::jsonb))",
                                                         patch->values->len));
          continue;
        }

      if (!g_str_equal (name, "name") && !g_str_equal (name, "email") && !g_str_equal (name, "status") &&
          !g_str_equal (name, "notes"))
        {
          g_autofree char *text = g_strdup_printf (_("“%s” cannot be changed here; use name, email, "
                                                     "status, notes or tags"), name);

          wabiz_http_reply_error (msg, 422, "unknown_field", text);
          goto fail;
        }

      if (!_wabiz_rest_get_string (msg, body, name, g_str_equal (name, "status"),
                       g_str_equal (name, "notes") ? 10000 : 255, &value))
        goto fail;

      if (g_str_equal (name, "status"))
        {
          g_autofree char *upper = g_ascii_strup (value, -1);

          if (!g_strv_contains (lead_statuses, upper))
            {
              wabiz_http_reply_error (msg, 422, "invalid_status",
                                      _("“status” must be NEW, CONTACTED, INTERESTED, CONVERTED or LOST"));
              g_free (value);
              goto fail;
            }
          g_free (value);
          value = g_steal_pointer (&upper);
        }
      else if (g_str_equal (name, "email") && value != NULL &&
               (strchr (value, '@') == NULL || strchr (value, ' ') != NULL))
        {
          wabiz_http_reply_error (msg, 422, "invalid_email", _("“email” is not an email address"));
          g_free (value);
          goto fail;
        }

      (void) is_null;
      g_ptr_array_add (patch->values, value);
      g_ptr_array_add (patch->sets, g_strdup_printf ("%s = $%u", name, patch->values->len));
    }

  g_ptr_array_add (patch->values, g_strdup (normalized));
  g_ptr_array_add (patch->values, NULL);
  g_ptr_array_set_size (patch->values, patch->values->len - 1);

  task = g_task_new (NULL, NULL, patch_lead_cb, _wabiz_rest_request_new (self, msg));
  g_task_set_task_data (task, patch, (GDestroyNotify) lead_patch_free);
  wabiz_db_run_in_thread (self->db, task, patch_lead_job);
  return;

fail:
  lead_patch_free (patch);
}

/* ------------------------------------------------------------------ */
/* GET /health */

/* What /health found, while it asks for the events kept aside. */
typedef struct
{
  gint64 pending;
  gint64 failed;
  gint64 outbox;
  gint64 silent_since;  /* unix seconds: sent messages and no webhook event since */
} Health;

static void
reply_health (WabizRestRequest *request,
              const Health     *health,
              guint64           n_foreign,
              GStrv             foreign_ids)
{
  WabizRestApi *self = request->self;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, health != NULL ? "ok" : "degraded");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "database");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "connected");
  json_builder_add_boolean_value (builder, health != NULL);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, wabiz_db_get_description (self->db));
  if (health != NULL)
    {
      json_builder_set_member_name (builder, "pending_webhook_events");
      json_builder_add_int_value (builder, health->pending);
      json_builder_set_member_name (builder, "failed_webhook_events");
      json_builder_add_int_value (builder, health->failed);
      json_builder_set_member_name (builder, "foreign_phone_number_events");
      json_builder_add_int_value (builder, (gint64) n_foreign);
      json_builder_set_member_name (builder, "foreign_phone_number_ids");
      json_builder_begin_array (builder);
      for (guint i = 0; foreign_ids != NULL && foreign_ids[i] != NULL; i++)
        json_builder_add_string_value (builder, foreign_ids[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "outbox_pending");
      json_builder_add_int_value (builder, health->outbox);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "sender");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "configured");
  json_builder_add_boolean_value (builder, self->outbox != NULL);
  json_builder_set_member_name (builder, "is_sender");
  json_builder_add_boolean_value (builder, self->outbox != NULL && wabiz_outbox_get_is_sender (self->outbox));
  json_builder_end_object (builder);

  /* what works but needs the owner: a sentence each */
  json_builder_set_member_name (builder, "warnings");
  json_builder_begin_array (builder);
  if (n_foreign > 0)
    {
      g_autofree char *ids = g_strjoinv (", ", foreign_ids);
      /* Translators: %s is one id, or several separated by commas */
      g_autofree char *text = g_strdup_printf (ngettext ("%" PRIu64 " message arrived for another "
                                                         "WhatsApp number, ID %s; check the phone number ID "
                                                         "setting (PHONE_NUMBER_ID)",
                                                         "%" PRIu64 " messages arrived for another "
                                                         "WhatsApp number, ID %s; check the phone number ID "
                                                         "setting (PHONE_NUMBER_ID)",
                                                         (unsigned long) n_foreign),
                                               (uint64_t) n_foreign, ids);

      json_builder_add_string_value (builder, text);
    }
  if (health != NULL && health->silent_since > 0)
    {
      g_autofree char *text = wabiz_webhook_status_dup_warning (health->silent_since);

      json_builder_add_string_value (builder, text);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  wabiz_http_reply_json (request->msg, health != NULL ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE, root);
}

static void
health_foreign_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;
  guint64 n = wabiz_webhook_processor_count_foreign_finish (WABIZ_DB (object), result, &ids, &error);

  /* the database went away between the two questions */
  reply_health (request, error == NULL ? request->data : NULL, n, ids);
}

static void
health_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  WabizDb *db = request->self->db;
  Health *health;

  if (res == NULL)
    {
      reply_health (request, NULL, 0, NULL);
      return;
    }

  health = g_new0 (Health, 1);
  health->pending = wabiz_db_result_get_int (res, 0, "pending");
  health->failed = wabiz_db_result_get_int (res, 0, "failed");
  health->outbox = wabiz_db_result_get_int (res, 0, "outbox");
  health->silent_since = wabiz_db_result_get_int (res, 0, "silent_since");
  request->data = health;
  request->data_free = g_free;
  wabiz_webhook_processor_count_foreign_async (db, NULL, health_foreign_cb, g_steal_pointer (&request));
}

void
_wabiz_rest_handle_health (WabizRestApi      *self,
                           SoupServerMessage *msg,
                           GHashTable        *query,
                           const char        *param)
{
  wabiz_db_query_async (self->db,
                        "SELECT (SELECT count(*) FROM webhook_events"
                        "         WHERE processed_at IS NULL AND error IS NULL AND skipped_reason IS NULL) AS pending,"
                        " (SELECT count(*) FROM webhook_events WHERE processed_at IS NULL AND error IS NOT NULL) AS failed,"
                        " (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')) AS outbox,"
                        " extract(epoch from " WABIZ_WEBHOOK_SILENT_SINCE_SQL ")::bigint AS silent_since",
                        0, NULL, NULL, health_cb, _wabiz_rest_request_new (self, msg));
}
