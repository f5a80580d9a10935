/* wabiz-rest-api.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The REST API of the FastAPI service WaBiz replaces, same paths, bodies
 * and response fields (DESIGN.md "Interfaces"), plus /health,
 * /openapi.json, /analytics, /conversations/{phone}/export and
 * PATCH /leads/{phone}. Every call needs "Authorization: Bearer <key>".
 *
 * Statuses: 400 body not JSON or not an object; 401 no or wrong key;
 * 404 unknown endpoint, lead, conversation or template; 405 wrong
 * method; 413 body over 64 KiB; 415 body not application/json; 422 a
 * field missing, of the wrong type or not acceptable (phone number,
 * enum, 24-hour window, Meta refused); 429 too many requests; 503 the
 * database or the sender is not available. Sends go through the durable
 * outbox: validated, then written, then sent, so bad input writes
 * nothing.
 */

#define G_LOG_DOMAIN "wabiz-rest-api"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-http-server.h"
#include "wabiz-phone.h"
#include "wabiz-rest-api.h"
#include "wabiz-rest-api-private.h"
#include "wabiz-store.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define DEFAULT_SEND_TIMEOUT_MS 30000
/* calls without the right key, per client, before 429 */
#define DEFAULT_FAILURE_RATE (1.0 / 6)
#define DEFAULT_FAILURE_BURST 20
/* clients whose failures are remembered */
#define MAX_FAILING_CLIENTS 4096
#define ISO_UTC(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

struct _WabizRestApi
{
  GObject           parent_instance;

  WabizDb          *db;           /* (owned) */
  WabizOutbox      *outbox;       /* (owned) (nullable) */
  WabizGraphClient *graph;        /* (owned) (nullable) */
  char             *api_key;      /* (owned) (nullable) */
  guint             send_timeout_ms;
  double            rate;
  double            burst;
  double            tokens;
  gint64            tokens_at;
  gboolean          warned_no_key;
  GHashTable       *failures;     /* (element-type utf8 Bucket) (owned) by client address */
  double            failure_rate;
  double            failure_burst;
};

G_DEFINE_FINAL_TYPE (WabizRestApi, wabiz_rest_api, G_TYPE_OBJECT)

/* One request being answered asynchronously. */
typedef struct
{
  WabizRestApi      *self;        /* (owned) */
  SoupServerMessage *msg;         /* (owned) */
  char              *phone;
  char              *extra;       /* template name, media type… for the answer */
  char              *extra_field; /* its member name */
  char              *status;      /* "sent" for /send-message */
  char              *uuid;
  JsonObject        *tmpl;        /* (owned) (nullable) template to create */
  char              *tmpl_body;
  char              *tmpl_footer;
  char              *tmpl_category;
  char              *tmpl_language;
  gboolean           not_found_is_template;
} Request;

static Request *
request_new (WabizRestApi      *self,
             SoupServerMessage *msg)
{
  Request *request = g_new0 (Request, 1);

  request->self = g_object_ref (self);
  request->msg = g_object_ref (msg);
  wabiz_http_message_hold (msg);
  return request;
}

static void
request_free (Request *request)
{
  wabiz_http_message_release (request->msg);
  g_clear_object (&request->msg);
  g_clear_object (&request->self);
  g_free (request->phone);
  g_free (request->extra);
  g_free (request->extra_field);
  g_free (request->status);
  g_free (request->uuid);
  g_clear_pointer (&request->tmpl, json_object_unref);
  g_free (request->tmpl_body);
  g_free (request->tmpl_footer);
  g_free (request->tmpl_category);
  g_free (request->tmpl_language);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

/* ------------------------------------------------------------------ */
/* answers */

static void
reply_raw_json (SoupServerMessage *msg,
                guint              status,
                const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
reply_db_error (SoupServerMessage *msg,
                const GError      *error)
{
  g_warning ("Database error in a REST call: %s", error->message);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "10");
  wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "database_unavailable",
                          _("The database is not available; try again later"));
}

/* Maps an error of the outbox, the Graph client or the database. */
static void
reply_error (Request      *request,
             const GError *error)
{
  SoupServerMessage *msg = request->msg;

  if (error->domain == WABIZ_ERROR)
    {
      switch (error->code)
        {
        case WABIZ_ERROR_INVALID_PHONE:
          wabiz_http_reply_error (msg, 422, "invalid_phone", error->message);
          return;
        case WABIZ_ERROR_NOT_FOUND:
          wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND,
                                  request->not_found_is_template ? "template_not_found" : "not_found",
                                  error->message);
          return;
        case WABIZ_ERROR_WINDOW_CLOSED:
          wabiz_http_reply_error (msg, 422, "window_closed", error->message);
          return;
        case WABIZ_ERROR_INVALID_INPUT:
          wabiz_http_reply_error (msg, 422, "invalid_input", error->message);
          return;
        default:
          wabiz_http_reply_error (msg, 422, "send_failed", error->message);
          return;
        }
    }

  if (error->domain == WABIZ_GRAPH_ERROR)
    {
      const char *title = wabiz_graph_error_get_title (error);
      g_autofree char *code = g_strdup_printf ("meta_%d", error->code);
      const char *text = title != NULL ? title : error->message;

      if (error->code == WABIZ_GRAPH_ERROR_THROUGHPUT || error->code == WABIZ_GRAPH_ERROR_PAIR_RATE_LIMIT ||
          error->code == WABIZ_GRAPH_ERROR_APP_RATE_LIMIT || error->code == WABIZ_GRAPH_ERROR_WABA_RATE_LIMIT)
        wabiz_http_reply_error (msg, 429, code, text);
      else if (error->code == WABIZ_GRAPH_ERROR_TEMPLATE_MISSING)
        wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "template_not_found", text);
      else if (error->code == WABIZ_GRAPH_ERROR_NETWORK || error->code == WABIZ_GRAPH_ERROR_AUTH_EXCEPTION ||
               error->code == WABIZ_GRAPH_ERROR_ACCESS_TOKEN || error->code == WABIZ_GRAPH_ERROR_SERVICE ||
               error->code == WABIZ_GRAPH_ERROR_HTTP)
        wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, code, text);
      else if (error->code == WABIZ_GRAPH_ERROR_REENGAGEMENT)
        wabiz_http_reply_error (msg, 422, "window_closed", text);
      else
        wabiz_http_reply_error (msg, 422, code, text);
      return;
    }

  if (error->domain == WABIZ_DB_ERROR)
    {
      reply_db_error (msg, error);
      return;
    }

  wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable", error->message);
}

/* ------------------------------------------------------------------ */
/* input */

static gboolean
is_json_content_type (SoupServerMessage *msg)
{
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg),
                                                            NULL);

  return type != NULL && g_ascii_strcasecmp (type, "application/json") == 0;
}

/* The request body as a JSON object, or an answer and NULL. */
static JsonObject *
read_body (SoupServerMessage *msg)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  const char *data;
  gsize length;

  if (!is_json_content_type (msg))
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                              _("Send the body as application/json"));
      return NULL;
    }

  bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (bytes, &length);
  if (length > WABIZ_REST_MAX_BODY)
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                              _("The body is larger than 64 KiB"));
      return NULL;
    }
  if (length == 0 || !g_utf8_validate_len (data, length, NULL) ||
      !json_parser_load_from_data (parser, data, (gssize) length, NULL))
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "malformed_json",
                              _("The body is not valid JSON"));
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "malformed_json",
                              _("The body must be a JSON object"));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* A string member: @required fails when absent or null; a present value
 * of another type always fails. Empty strings count as absent. */
static gboolean
get_string (SoupServerMessage  *msg,
            JsonObject         *body,
            const char         *name,
            gboolean            required,
            gsize               max_chars,
            char              **out)
{
  JsonNode *node = json_object_get_member (body, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    goto missing;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_autofree char *text = g_strdup_printf (_("“%s” must be a string"), name);

      wabiz_http_reply_error (msg, 422, "wrong_type", text);
      return FALSE;
    }
  if (*json_node_get_string (node) == '\0')
    goto missing;
  if (g_utf8_strlen (json_node_get_string (node), -1) > (glong) max_chars)
    {
      g_autofree char *text = g_strdup_printf (_("“%s” is longer than %" G_GSIZE_FORMAT " characters"),
                                               name, max_chars);

      wabiz_http_reply_error (msg, 422, "too_long", text);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;

missing:
  if (required)
    {
      g_autofree char *text = g_strdup_printf (_("“%s” is required"), name);

      wabiz_http_reply_error (msg, 422, "missing_field", text);
      return FALSE;
    }
  return TRUE;
}

/* A list of strings (nullable member); NULL-terminated copy in @out. */
static gboolean
get_string_list (SoupServerMessage   *msg,
                 JsonObject          *body,
                 const char          *name,
                 char              ***out)
{
  JsonNode *node = json_object_get_member (body, name);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *out = g_new0 (char *, 1);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    goto wrong;

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        goto wrong;
      g_strv_builder_add (builder, json_node_get_string (item));
    }
  *out = g_strv_builder_end (builder);
  return TRUE;

wrong:
  {
    g_autofree char *text = g_strdup_printf (_("“%s” must be a list of strings"), name);

    wabiz_http_reply_error (msg, 422, "wrong_type", text);
    return FALSE;
  }
}

static char *
check_phone (SoupServerMessage *msg,
             const char        *phone)
{
  g_autoptr(GError) error = NULL;
  char *normalized = wabiz_phone_normalize (phone, &error);

  if (normalized == NULL)
    wabiz_http_reply_error (msg, 422, "invalid_phone", error->message);
  return normalized;
}

/* ?name=N within [min, max], default @fallback */
static gboolean
get_query_int (SoupServerMessage *msg,
               GHashTable        *query,
               const char        *name,
               gint64             fallback,
               gint64             min,
               gint64             max,
               gint64            *out)
{
  const char *value = query != NULL ? g_hash_table_lookup (query, name) : NULL;
  char *end = NULL;

  *out = fallback;
  if (value == NULL || *value == '\0')
    return TRUE;

  *out = g_ascii_strtoll (value, &end, 10);
  if (end == value || *end != '\0' || *out < min || *out > max)
    {
      g_autofree char *text = g_strdup_printf (_("“%s” must be a whole number from %" G_GINT64_FORMAT
                                                 " to %" G_GINT64_FORMAT), name, min, max);

      wabiz_http_reply_error (msg, 422, "invalid_parameter", text);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* read-only calls: one SQL statement builds the whole JSON answer */

static void
json_query_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  const char *body;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
        reply_db_error (request->msg, error);
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
  reply_raw_json (request->msg, SOUP_STATUS_OK, body);
}

static void
run_json_query (WabizRestApi       *self,
                SoupServerMessage  *msg,
                const char         *sql,
                int                 n_params,
                const char * const *params)
{
  Request *request = request_new (self, msg);

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

/* The ?phone= (required, normalised) and ?limit= of a conversation read;
 * answers the error itself and returns FALSE when one is wrong. */
static gboolean
get_phone_and_limit (SoupServerMessage  *msg,
                     GHashTable         *query,
                     gint64              default_limit,
                     gint64              max_limit,
                     char              **normalized,
                     char              **limit_text)
{
  const char *phone = query != NULL ? g_hash_table_lookup (query, "phone") : NULL;
  gint64 limit;

  if (phone == NULL || *phone == '\0')
    {
      wabiz_http_reply_error (msg, 422, "missing_field", _("“phone” is required"));
      return FALSE;
    }
  if ((*normalized = check_phone (msg, phone)) == NULL ||
      !get_query_int (msg, query, "limit", default_limit, 1, max_limit, &limit))
    return FALSE;

  *limit_text = g_strdup_printf ("%" G_GINT64_FORMAT, limit);
  return TRUE;
}

static void
handle_recent_messages (WabizRestApi      *self,
                        SoupServerMessage *msg,
                        GHashTable        *query)
{
  g_autofree char *normalized = NULL;
  g_autofree char *limit_text = NULL;

  if (!get_phone_and_limit (msg, query, 20, 1000, &normalized, &limit_text))
    return;

  run_json_query (self, msg,
                  "SELECT json_build_object('phone', $1::text,"
                  " 'total_messages', (SELECT count(*) FROM messages WHERE phone = $1),"
                  " 'messages', coalesce((SELECT json_agg(" MESSAGE_JSON ("m") " ORDER BY m.\"timestamp\" DESC, m.id DESC)"
                  "   FROM (SELECT * FROM messages WHERE phone = $1"
                  "         ORDER BY \"timestamp\" DESC, id DESC LIMIT $2::int) m), '[]'::json))::text",
                  2, (const char *[]) { normalized, limit_text });
}

static void
handle_get_conversation (WabizRestApi      *self,
                         SoupServerMessage *msg,
                         GHashTable        *query)
{
  g_autofree char *normalized = NULL;
  g_autofree char *limit_text = NULL;

  if (!get_phone_and_limit (msg, query, 1000, 100000, &normalized, &limit_text))
    return;

  run_json_query (self, msg,
                  "SELECT json_build_object('phone', $1::text,"
                  " 'customer_name', (SELECT coalesce(nullif(name, ''), profile_name) FROM leads WHERE phone = $1),"
                  " 'status', (SELECT status FROM leads WHERE phone = $1),"
                  " 'total_messages', (SELECT count(*) FROM messages WHERE phone = $1),"
                  " 'conversation_thread', coalesce((SELECT json_agg(" MESSAGE_JSON ("m") " ORDER BY m.\"timestamp\", m.id)"
                  "   FROM (SELECT * FROM messages WHERE phone = $1"
                  "         ORDER BY \"timestamp\" DESC, id DESC LIMIT $2::int) m), '[]'::json))::text"
                  " WHERE EXISTS (SELECT 1 FROM leads WHERE phone = $1)"
                  "    OR EXISTS (SELECT 1 FROM messages WHERE phone = $1)",
                  2, (const char *[]) { normalized, limit_text });
}

static void
handle_leads (WabizRestApi      *self,
              SoupServerMessage *msg,
              GHashTable        *query)
{
  g_autofree char *limit_text = NULL;
  g_autofree char *offset_text = NULL;
  gint64 limit, offset;

  if (!get_query_int (msg, query, "limit", 50, 1, 1000, &limit) ||
      !get_query_int (msg, query, "offset", 0, 0, G_MAXINT32, &offset))
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

static void
handle_analytics (WabizRestApi      *self,
                  SoupServerMessage *msg)
{
  run_json_query (self, msg,
                  "SELECT json_build_object('success', true,"
                  " 'total_messages', (SELECT count(*) FROM messages),"
                  " 'by_status', coalesce((SELECT json_object_agg(k, n) FROM (SELECT coalesce(status, 'unknown') k,"
                  "   count(*) n FROM messages GROUP BY 1) s), '{}'::json),"
                  " 'by_type', coalesce((SELECT json_object_agg(k, n) FROM (SELECT coalesce(type, 'unknown') k,"
                  "   count(*) n FROM messages GROUP BY 1) s), '{}'::json),"
                  " 'by_direction', coalesce((SELECT json_object_agg(k, n) FROM (SELECT coalesce(direction, 'unknown') k,"
                  "   count(*) n FROM messages GROUP BY 1) s), '{}'::json),"
                  " 'funnel', (SELECT json_build_object("
                  "   'sent', count(*) FILTER (WHERE sent_at IS NOT NULL OR status IN ('sent', 'delivered', 'read')),"
                  "   'delivered', count(*) FILTER (WHERE delivered_at IS NOT NULL OR status IN ('delivered', 'read')),"
                  "   'read', count(*) FILTER (WHERE read_at IS NOT NULL OR status = 'read'),"
                  "   'failed', count(*) FILTER (WHERE status = 'failed'))"
                  "   FROM messages WHERE direction = 'outbound'),"
                  " 'total_leads', (SELECT count(*) FROM leads),"
                  " 'leads_by_status', coalesce((SELECT json_object_agg(k, n) FROM (SELECT coalesce(status, 'NEW') k,"
                  "   count(*) n FROM leads GROUP BY 1) s), '{}'::json),"
                  " 'total_conversations', (SELECT count(*) FROM conversations),"
                  " 'generated_at', " ISO_UTC ("now()") ")::text",
                  0, NULL);
}

static void
handle_export (WabizRestApi      *self,
               SoupServerMessage *msg,
               const char        *phone)
{
  g_autofree char *normalized = check_phone (msg, phone);

  if (normalized == NULL)
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
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *lead = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *body = NULL;

  if (error != NULL)
    {
      if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
        reply_db_error (request->msg, error);
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
  reply_raw_json (request->msg, SOUP_STATUS_OK, body);
}

static void
handle_patch_lead (WabizRestApi      *self,
                   SoupServerMessage *msg,
                   const char        *phone)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *normalized = NULL;
  g_autoptr(GList) members = NULL;
  g_autoptr(GTask) task = NULL;
  LeadPatch *patch;

  if ((normalized = check_phone (msg, phone)) == NULL || (body = read_body (msg)) == NULL)
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

          if (!get_string_list (msg, body, name, &tags))
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

      if (!get_string (msg, body, name, g_str_equal (name, "status"),
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

  task = g_task_new (NULL, NULL, patch_lead_cb, request_new (self, msg));
  g_task_set_task_data (task, patch, (GDestroyNotify) lead_patch_free);
  wabiz_db_run_in_thread (self->db, task, patch_lead_job);
  return;

fail:
  lead_patch_free (patch);
}

/* ------------------------------------------------------------------ */
/* sends */

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *wamid = wabiz_outbox_wait_finish (WABIZ_OUTBOX (object), result, &error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint status = SOUP_STATUS_OK;

  if (wamid == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      reply_error (request, error);
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "message_id");
  if (wamid != NULL)
    json_builder_add_string_value (builder, wamid);
  else
    {
      /* committed, not sent yet: it goes when Meta answers */
      json_builder_add_null_value (builder);
      status = SOUP_STATUS_ACCEPTED;
    }
  json_builder_set_member_name (builder, "stored_in_supabase");
  json_builder_add_boolean_value (builder, TRUE);
  if (request->status != NULL || wamid == NULL)
    {
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, wamid == NULL ? "queued" : request->status);
    }
  if (request->extra_field != NULL)
    {
      json_builder_set_member_name (builder, request->extra_field);
      json_builder_add_string_value (builder, request->extra);
    }
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, request->uuid);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  wabiz_http_reply_json (request->msg, status, root);
}

static void
queue_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  WabizRestApi *self = request->self;
  const char *uuid;

  request->uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);
  if (request->uuid == NULL)
    {
      reply_error (request, error);
      return;
    }

  uuid = request->uuid;
  wabiz_outbox_wait_async (self->outbox, uuid, self->send_timeout_ms, NULL, wait_cb,
                           g_steal_pointer (&request));
}

static gboolean
require_outbox (WabizRestApi      *self,
                SoupServerMessage *msg)
{
  if (self->outbox == NULL)
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "sender_unavailable",
                              _("Sending is not set up on this server"));
      return FALSE;
    }
  return TRUE;
}

static void
queue (WabizRestApi      *self,
       SoupServerMessage *msg,
       WabizOutgoing     *outgoing,
       Request           *request)
{
  wabiz_outbox_queue_async (self->outbox, outgoing, NULL, queue_cb, request);
}

static void
handle_send_message (WabizRestApi      *self,
                     SoupServerMessage *msg)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *text = NULL;
  g_autofree char *normalized = NULL;
  g_autoptr(WabizOutgoing) outgoing = NULL;
  Request *request;

  if ((body = read_body (msg)) == NULL ||
      !get_string (msg, body, "phone", TRUE, 32, &phone) ||
      !get_string (msg, body, "message", TRUE, 4096, &text) ||
      (normalized = check_phone (msg, phone)) == NULL ||
      !require_outbox (self, msg))
    return;

  outgoing = wabiz_outgoing_new_text (normalized, text);
  request = request_new (self, msg);
  request->status = g_strdup ("sent");
  queue (self, msg, outgoing, request);
}

static void
handle_send_media (WabizRestApi      *self,
                   SoupServerMessage *msg)
{
  static const char *kinds[] = { "image", "video", "audio", "document", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *url = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *caption = NULL;
  g_autofree char *normalized = NULL;
  g_autoptr(WabizOutgoing) outgoing = NULL;
  g_autoptr(GUri) uri = NULL;
  Request *request;

  if ((body = read_body (msg)) == NULL ||
      !get_string (msg, body, "phone", TRUE, 32, &phone) ||
      !get_string (msg, body, "media_url", TRUE, 2048, &url) ||
      !get_string (msg, body, "media_type", TRUE, 16, &kind) ||
      !get_string (msg, body, "caption", FALSE, 1024, &caption) ||
      (normalized = check_phone (msg, phone)) == NULL)
    return;

  if (!g_strv_contains (kinds, kind))
    {
      wabiz_http_reply_error (msg, 422, "invalid_media_type",
                              _("“media_type” must be image, video, audio or document"));
      return;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      wabiz_http_reply_error (msg, 422, "invalid_media_url",
                              _("“media_url” must be an http:// or https:// link Meta can fetch"));
      return;
    }
  if (caption != NULL && g_str_equal (kind, "audio"))
    g_clear_pointer (&caption, g_free);   /* Meta takes no caption on audio */
  if (!require_outbox (self, msg))
    return;

  outgoing = wabiz_outgoing_new_media (normalized, kind, url, NULL, caption, NULL);
  request = request_new (self, msg);
  request->extra_field = g_strdup ("media_type");
  request->extra = g_strdup (kind);
  queue (self, msg, outgoing, request);
}

static void
handle_send_template (WabizRestApi      *self,
                      SoupServerMessage *msg,
                      gboolean           old_style)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *name = NULL;
  g_autofree char *language = NULL;
  g_autofree char *normalized = NULL;
  g_auto(GStrv) parameters = NULL;
  g_autoptr(WabizOutgoing) outgoing = NULL;
  Request *request;

  if ((body = read_body (msg)) == NULL ||
      !get_string (msg, body, "phone", TRUE, 32, &phone) ||
      !get_string (msg, body, "template_name", TRUE, 512, &name) ||
      !get_string (msg, body, "language", FALSE, 16, &language) ||
      !get_string_list (msg, body, "parameters", &parameters) ||
      (normalized = check_phone (msg, phone)) == NULL ||
      !require_outbox (self, msg))
    return;

  outgoing = wabiz_outgoing_new_template (normalized, name, language != NULL ? language : "en",
                                          (const char * const *) parameters);
  request = request_new (self, msg);
  request->not_found_is_template = TRUE;
  if (old_style)
    {
      request->extra_field = g_strdup ("template_used");
      request->extra = g_strdup (name);
    }
  queue (self, msg, outgoing, request);
}

/* ------------------------------------------------------------------ */
/* POST /template/create */

static guint
count_placeholders (const char *text,
                    gboolean   *sequential)
{
  g_autoptr(GRegex) regex = g_regex_new ("\\{\\{\\s*([0-9]+)\\s*\\}\\}", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  guint max = 0, count = 0;
  guint64 seen = 0;

  g_regex_match (regex, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *number = g_match_info_fetch (match, 1);
      guint n = (guint) g_ascii_strtoull (number, NULL, 10);

      if (n >= 1 && n <= 63 && (seen & (G_GUINT64_CONSTANT (1) << n)) == 0)
        {
          seen |= G_GUINT64_CONSTANT (1) << n;
          count++;
        }
      max = MAX (max, n);
      g_match_info_next (match, NULL);
    }
  *sequential = (max == count);
  return count;
}

static void
store_template_job (WabizDb      *db,
                    WabizDbConn  *conn,
                    GTask        *task,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  const char **params = task_data;
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  if (!wabiz_db_conn_begin (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  res = wabiz_db_conn_exec (conn,
                            "INSERT INTO templates (name, language, category, status, meta_id, components,"
                            "  body_text, footer_text, parameter_format, meta_status_at)"
                            " VALUES ($1, $2, $3, coalesce($4, 'PENDING'), $5, $6::jsonb, $7, $8, 'POSITIONAL', now())"
                            " ON CONFLICT (name, language) DO UPDATE SET category = excluded.category,"
                            "  status = excluded.status, meta_id = excluded.meta_id, components = excluded.components,"
                            "  body_text = excluded.body_text, footer_text = excluded.footer_text,"
                            "  rejected_reason = NULL, updated_at = now()",
                            8, params, &error);
  if (res == NULL || !wabiz_store_notify_on_conn (conn, "templates", NULL, NULL, &error) ||
      !wabiz_db_conn_commit (conn, &error))
    {
      wabiz_db_conn_rollback (conn);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
store_template_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      reply_db_error (request->msg, error);
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "template_name");
  json_builder_add_string_value (builder, request->extra);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "PENDING_REVIEW");
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "manual");
  json_builder_set_member_name (builder, "template_id");
  json_builder_add_string_value (builder, request->uuid);
  json_builder_set_member_name (builder, "stored_in_supabase");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  wabiz_http_reply_json (request->msg, SOUP_STATUS_OK, root);
}

static void
create_template_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) components = NULL;
  const char **params;
  WabizRestApi *self = request->self;

  answer = wabiz_graph_client_create_template_finish (WABIZ_GRAPH_CLIENT (object), result, &error);
  if (answer == NULL)
    {
      reply_error (request, error);
      return;
    }

  request->uuid = g_strdup (json_object_has_member (answer, "id") &&
                            JSON_NODE_HOLDS_VALUE (json_object_get_member (answer, "id"))
                            ? json_object_get_string_member_with_default (answer, "id", NULL) : NULL);

  components = json_node_init_array (json_node_alloc (),
                                     json_object_get_array_member (request->tmpl, "components"));
  params = g_new0 (const char *, 9);
  params[0] = g_strdup (request->extra);
  params[1] = g_strdup (request->tmpl_language);
  params[2] = g_strdup (request->tmpl_category);
  params[3] = g_strdup (json_object_get_string_member_with_default (answer, "status", NULL));
  params[4] = g_strdup (request->uuid);
  params[5] = json_to_string (components, FALSE);
  params[6] = g_strdup (request->tmpl_body);
  params[7] = g_strdup (request->tmpl_footer);

  task = g_task_new (NULL, NULL, store_template_cb, g_steal_pointer (&request));
  g_task_set_task_data (task, params, (GDestroyNotify) g_strfreev);
  wabiz_db_run_in_thread (self->db, task, store_template_job);
}

static void
handle_template_create (WabizRestApi      *self,
                        SoupServerMessage *msg)
{
  static const char *categories[] = { "UTILITY", "MARKETING", "AUTHENTICATION", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *name = NULL;
  g_autofree char *category = NULL;
  g_autofree char *language = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *text = NULL;
  g_autofree char *footer = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) tmpl = NULL;
  gboolean sequential = TRUE;
  guint n_params;
  Request *request;

  if ((body = read_body (msg)) == NULL ||
      !get_string (msg, body, "name", TRUE, 512, &name) ||
      !get_string (msg, body, "category", TRUE, 32, &category) ||
      !get_string (msg, body, "language", TRUE, 16, &language) ||
      !get_string (msg, body, "mode", FALSE, 16, &mode))
    return;

  if (mode == NULL)
    mode = g_strdup ("manual");
  if (g_str_equal (mode, "ai"))
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "ai_unavailable",
                              _("Creating templates with Gemini (mode “ai”) is not available in this "
                                "version yet; use mode “manual” with body_text"));
      return;
    }
  if (!g_str_equal (mode, "manual"))
    {
      wabiz_http_reply_error (msg, 422, "invalid_mode", _("“mode” must be “manual” or “ai”"));
      return;
    }
  if (!g_regex_match_simple ("^[a-z0-9_]+$", name, 0, 0))
    {
      wabiz_http_reply_error (msg, 422, "invalid_name",
                              _("“name” may hold only lower-case letters, digits and underscores"));
      return;
    }
  {
    g_autofree char *upper = g_ascii_strup (category, -1);

    if (!g_strv_contains (categories, upper))
      {
        wabiz_http_reply_error (msg, 422, "invalid_category",
                                _("“category” must be UTILITY, MARKETING or AUTHENTICATION"));
        return;
      }
    g_free (category);
    category = g_steal_pointer (&upper);
  }
  if (!g_regex_match_simple ("^[a-z]{2,3}(_[A-Z]{2})?$", language, 0, 0))
    {
      wabiz_http_reply_error (msg, 422, "invalid_language",
                              _("“language” must be a language code such as en or pt_BR"));
      return;
    }
  if (!get_string (msg, body, "body_text", TRUE, 1024, &text) ||
      !get_string (msg, body, "footer_text", FALSE, 60, &footer))
    return;

  n_params = count_placeholders (text, &sequential);
  if (!sequential)
    {
      wabiz_http_reply_error (msg, 422, "invalid_placeholders",
                              _("Placeholders in “body_text” must be numbered {{1}}, {{2}}… without gaps"));
      return;
    }
  if (self->graph == NULL)
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "sender_unavailable",
                              _("Meta is not set up on this server"));
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "language");
  json_builder_add_string_value (builder, language);
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, category);
  json_builder_set_member_name (builder, "components");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "BODY");
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  if (n_params > 0)
    {
      json_builder_set_member_name (builder, "example");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "body_text");
      json_builder_begin_array (builder);
      json_builder_begin_array (builder);
      for (guint i = 1; i <= n_params; i++)
        {
          g_autofree char *example = g_strdup_printf ("example %u", i);

          json_builder_add_string_value (builder, example);
        }
      json_builder_end_array (builder);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  if (footer != NULL)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "FOOTER");
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, footer);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  tmpl = json_builder_get_root (builder);

  request = request_new (self, msg);
  request->extra = g_strdup (name);
  request->tmpl = json_object_ref (json_node_get_object (tmpl));
  request->tmpl_body = g_strdup (text);
  request->tmpl_footer = g_strdup (footer);
  request->tmpl_category = g_strdup (category);
  request->tmpl_language = g_strdup (language);
  wabiz_graph_client_create_template_async (self->graph, request->tmpl, NULL, create_template_cb, request);
}

/* ------------------------------------------------------------------ */
/* GET /health */

static void
health_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  WabizRestApi *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WabizDbResult) res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, res != NULL ? "ok" : "degraded");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "database");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "connected");
  json_builder_add_boolean_value (builder, res != NULL);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, wabiz_db_get_description (self->db));
  if (res != NULL)
    {
      json_builder_set_member_name (builder, "pending_webhook_events");
      json_builder_add_int_value (builder, wabiz_db_result_get_int (res, 0, "pending"));
      json_builder_set_member_name (builder, "failed_webhook_events");
      json_builder_add_int_value (builder, wabiz_db_result_get_int (res, 0, "failed"));
      json_builder_set_member_name (builder, "outbox_pending");
      json_builder_add_int_value (builder, wabiz_db_result_get_int (res, 0, "outbox"));
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "sender");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "configured");
  json_builder_add_boolean_value (builder, self->outbox != NULL);
  json_builder_set_member_name (builder, "is_sender");
  json_builder_add_boolean_value (builder, self->outbox != NULL && wabiz_outbox_get_is_sender (self->outbox));
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  wabiz_http_reply_json (request->msg, res != NULL ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE, root);
}

static void
handle_health (WabizRestApi      *self,
               SoupServerMessage *msg)
{
  wabiz_db_query_async (self->db,
                        "SELECT (SELECT count(*) FROM webhook_events WHERE processed_at IS NULL AND error IS NULL) AS pending,"
                        " (SELECT count(*) FROM webhook_events WHERE processed_at IS NULL AND error IS NOT NULL) AS failed,"
                        " (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')) AS outbox",
                        0, NULL, NULL, health_cb, request_new (self, msg));
}

/* ------------------------------------------------------------------ */
/* dispatch */

static gboolean
take_token (WabizRestApi *self)
{
  gint64 now = g_get_monotonic_time ();

  self->tokens = MIN (self->burst, self->tokens + (now - self->tokens_at) / (double) G_USEC_PER_SEC * self->rate);
  self->tokens_at = now;
  if (self->tokens < 1.0)
    return FALSE;
  self->tokens -= 1.0;
  return TRUE;
}

typedef struct
{
  double tokens;
  gint64 at;
} Bucket;

static double
bucket_refill (WabizRestApi *self,
               Bucket       *bucket,
               gint64        now)
{
  return MIN (self->failure_burst,
              bucket->tokens + (now - bucket->at) / (double) G_USEC_PER_SEC * self->failure_rate);
}

/* The client a failure counts against: its address (an IPv6 one by its
 * /64, which one machine usually has whole). */
static char *
client_of (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  GInetAddress *address;

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("");
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      const guint8 *bytes = g_inet_address_to_bytes (address);

      return g_strdup_printf ("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", bytes[0], bytes[1], bytes[2],
                              bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]);
    }
  return g_inet_address_to_string (address);
}

/* Counts a call without the right key against its client; FALSE once the
 * client has used up its allowance. */
static gboolean
take_failure (WabizRestApi      *self,
              SoupServerMessage *msg)
{
  g_autofree char *client = client_of (msg);
  gint64 now = g_get_monotonic_time ();
  Bucket *bucket = g_hash_table_lookup (self->failures, client);

  if (bucket == NULL)
    {
      if (g_hash_table_size (self->failures) >= MAX_FAILING_CLIENTS)
        {
          GHashTableIter iter;
          Bucket *old;

          /* forget the clients that are back to a full allowance */
          g_hash_table_iter_init (&iter, self->failures);
          while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &old))
            if (bucket_refill (self, old, now) >= self->failure_burst)
              g_hash_table_iter_remove (&iter);
          if (g_hash_table_size (self->failures) >= MAX_FAILING_CLIENTS)
            g_hash_table_remove_all (self->failures);
        }
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->failure_burst;
      bucket->at = now;
      g_hash_table_insert (self->failures, g_steal_pointer (&client), bucket);
    }

  bucket->tokens = bucket_refill (self, bucket, now);
  bucket->at = now;
  if (bucket->tokens < 1.0)
    return FALSE;
  bucket->tokens -= 1.0;
  return TRUE;
}

/* The key is checked before anything is spent: calls with the right key
 * are limited only by the rate of calls with the right key, and a flood
 * of wrong keys only limits its own client (429 once past its allowance
 * of failures). */
static gboolean
check_auth (WabizRestApi      *self,
            SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);

  if (self->api_key == NULL)
    {
      if (!self->warned_no_key)
        g_warning ("A REST call was refused: no API key is set (WABIZ_API_KEY), so the REST API is off");
      self->warned_no_key = TRUE;
      soup_message_headers_replace (response, "WWW-Authenticate", "Bearer realm=\"wabiz\"");
      wabiz_http_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "api_disabled",
                              _("The REST API has no key set on the server (WABIZ_API_KEY), so it refuses every call"));
      return FALSE;
    }

  if (header != NULL && g_ascii_strncasecmp (header, "Bearer ", 7) == 0 &&
      wabiz_http_secret_equal (header + 7, self->api_key))
    return TRUE;

  if (!take_failure (self, msg))
    {
      soup_message_headers_replace (response, "Retry-After", "10");
      wabiz_http_reply_error (msg, 429, "rate_limited",
                              _("Too many calls without the right API key; wait, then send the right one"));
      return FALSE;
    }
  soup_message_headers_replace (response, "WWW-Authenticate", "Bearer realm=\"wabiz\"");
  wabiz_http_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                          header == NULL ? _("Send “Authorization: Bearer <API key>”")
                                         : _("The API key is not right"));
  return FALSE;
}

static gboolean
check_method (SoupServerMessage *msg,
              const char        *allowed)
{
  if (g_str_equal (soup_server_message_get_method (msg), allowed))
    return TRUE;

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allowed);
  wabiz_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                          _("This endpoint does not take this method"));
  return FALSE;
}

static void
early_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > WABIZ_REST_MAX_BODY)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      wabiz_http_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                              _("The body is larger than 64 KiB"));
    }
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  WabizRestApi *self = user_data;

  if (!check_auth (self, msg))
    return;
  if (!take_token (self))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
      wabiz_http_reply_error (msg, 429, "rate_limited",
                              _("Too many requests; slow down"));
      return;
    }

  if (g_str_equal (path, "/send-message"))
    {
      if (check_method (msg, "POST"))
        handle_send_message (self, msg);
    }
  else if (g_str_equal (path, "/send-media"))
    {
      if (check_method (msg, "POST"))
        handle_send_media (self, msg);
    }
  else if (g_str_equal (path, "/send-template"))
    {
      if (check_method (msg, "POST"))
        handle_send_template (self, msg, TRUE);
    }
  else if (g_str_equal (path, "/template/send"))
    {
      if (check_method (msg, "POST"))
        handle_send_template (self, msg, FALSE);
    }
  else if (g_str_equal (path, "/template/create"))
    {
      if (check_method (msg, "POST"))
        handle_template_create (self, msg);
    }
  else if (g_str_equal (path, "/recent-messages"))
    {
      if (check_method (msg, "GET"))
        handle_recent_messages (self, msg, query);
    }
  else if (g_str_equal (path, "/get-conversation"))
    {
      if (check_method (msg, "GET"))
        handle_get_conversation (self, msg, query);
    }
  else if (g_str_equal (path, "/leads"))
    {
      if (check_method (msg, "GET"))
        handle_leads (self, msg, query);
    }
  else if (g_str_has_prefix (path, "/leads/") && strchr (path + 7, '/') == NULL && path[7] != '\0')
    {
      g_autofree char *phone = g_uri_unescape_string (path + 7, NULL);

      if (check_method (msg, "PATCH"))
        handle_patch_lead (self, msg, phone != NULL ? phone : "");
    }
  else if (g_str_has_prefix (path, "/conversations/") && g_str_has_suffix (path, "/export"))
    {
      g_autofree char *middle = g_strndup (path + strlen ("/conversations/"),
                                           strlen (path) - strlen ("/conversations/") - strlen ("/export"));
      g_autofree char *phone = g_uri_unescape_string (middle, NULL);

      if (check_method (msg, "GET"))
        {
          if (phone == NULL || *phone == '\0' || strchr (phone, '/') != NULL)
            wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", _("No such endpoint"));
          else
            handle_export (self, msg, phone);
        }
    }
  else if (g_str_equal (path, "/health"))
    {
      if (check_method (msg, "GET"))
        handle_health (self, msg);
    }
  else if (g_str_equal (path, "/openapi.json"))
    {
      if (check_method (msg, "GET"))
        reply_raw_json (msg, SOUP_STATUS_OK, wabiz_rest_api_get_openapi ());
    }
  else if (g_str_equal (path, "/analytics"))
    {
      if (check_method (msg, "GET"))
        handle_analytics (self, msg);
    }
  else
    wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", _("No such endpoint"));
}

/* ------------------------------------------------------------------ */

static void
wabiz_rest_api_dispose (GObject *object)
{
  WabizRestApi *self = (WabizRestApi *) object;

  g_clear_object (&self->db);
  g_clear_object (&self->outbox);
  g_clear_object (&self->graph);

  G_OBJECT_CLASS (wabiz_rest_api_parent_class)->dispose (object);
}

static void
wabiz_rest_api_finalize (GObject *object)
{
  WabizRestApi *self = (WabizRestApi *) object;

  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_clear_pointer (&self->api_key, g_free);
  g_clear_pointer (&self->failures, g_hash_table_unref);

  G_OBJECT_CLASS (wabiz_rest_api_parent_class)->finalize (object);
}

static void
wabiz_rest_api_class_init (WabizRestApiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_rest_api_dispose;
  object_class->finalize = wabiz_rest_api_finalize;
}

static void
wabiz_rest_api_init (WabizRestApi *self)
{
  self->send_timeout_ms = DEFAULT_SEND_TIMEOUT_MS;
  self->rate = 100;
  self->burst = 200;
  self->tokens = self->burst;
  self->tokens_at = g_get_monotonic_time ();
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->failure_rate = DEFAULT_FAILURE_RATE;
  self->failure_burst = DEFAULT_FAILURE_BURST;
}

WabizRestApi *
wabiz_rest_api_new (WabizDb          *db,
                    WabizOutbox      *outbox,
                    WabizGraphClient *graph,
                    const char       *api_key)
{
  WabizRestApi *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (outbox == NULL || WABIZ_IS_OUTBOX (outbox), NULL);
  g_return_val_if_fail (graph == NULL || WABIZ_IS_GRAPH_CLIENT (graph), NULL);

  self = g_object_new (WABIZ_TYPE_REST_API, NULL);
  self->db = g_object_ref (db);
  self->outbox = outbox != NULL ? g_object_ref (outbox) : NULL;
  self->graph = graph != NULL ? g_object_ref (graph) : NULL;
  self->api_key = api_key != NULL && *api_key != '\0' ? g_strdup (api_key) : NULL;
  return self;
}

void
wabiz_rest_api_set_send_timeout (WabizRestApi *self,
                                 guint         timeout_ms)
{
  g_return_if_fail (WABIZ_IS_REST_API (self));

  self->send_timeout_ms = timeout_ms;
}

void
wabiz_rest_api_set_rate_limit (WabizRestApi *self,
                               double        per_second,
                               double        burst)
{
  g_return_if_fail (WABIZ_IS_REST_API (self));
  g_return_if_fail (per_second > 0 && burst >= 1);

  self->rate = per_second;
  self->burst = burst;
  self->tokens = burst;
  self->tokens_at = g_get_monotonic_time ();
}

void
_wabiz_rest_api_set_failure_limit (WabizRestApi *self,
                                   double        per_second,
                                   double        burst)
{
  g_return_if_fail (WABIZ_IS_REST_API (self));
  g_return_if_fail (per_second > 0 && burst >= 1);

  self->failure_rate = per_second;
  self->failure_burst = burst;
  g_hash_table_remove_all (self->failures);
}

void
wabiz_rest_api_attach (WabizRestApi *self,
                       SoupServer   *server)
{
  static const char *paths[] = {
    "/send-message", "/send-media", "/send-template", "/template", "/recent-messages",
    "/get-conversation", "/leads", "/health", "/openapi.json", "/analytics", "/conversations",
  };

  g_return_if_fail (WABIZ_IS_REST_API (self));
  g_return_if_fail (SOUP_IS_SERVER (server));

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      soup_server_add_early_handler (server, paths[i], early_cb, NULL, NULL);
      soup_server_add_handler (server, paths[i], handler_cb, g_object_ref (self), g_object_unref);
    }
}

/* The OpenAPI 3 document of every endpoint above (checked by tests/test-rest.c
 * with openapi-spec-validator when it is installed). */
static const char openapi_json[] =
  "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"WaBiz REST API\",\"version\":\"0.1.0\",\"description\":\"The R"
  "EST API of WhatsApp Business API v4.0, served by WaBiz (wabizd or the app). Every call nee"
  "ds `Authorization: Bearer <WABIZ_API_KEY>`. Errors are `{\\\"success\\\": false, \\\"error\\\": {\\"
  "\"code\\\", \\\"message\\\"}}`.\"},\"servers\":[{\"url\":\"http://127.0.0.1:10000\"}],\"security\":[{\"bear"
  "er\":[]}],\"paths\":{\"/send-message\":{\"post\":{\"operationId\":\"sendMessage\",\"summary\":\"Send a t"
  "ext message\",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref"
  "\":\"#/components/schemas/SendMessage\"}}}},\"responses\":{\"401\":{\"$ref\":\"#/components/response"
  "s/Error\"},\"429\":{\"$ref\":\"#/components/responses/Error\"},\"503\":{\"$ref\":\"#/components/respon"
  "ses/Error\"},\"400\":{\"$ref\":\"#/components/responses/Error\"},\"404\":{\"$ref\":\"#/components/resp"
  "onses/Error\"},\"413\":{\"$ref\":\"#/components/responses/Error\"},\"415\":{\"$ref\":\"#/components/re"
  "sponses/Error\"},\"422\":{\"$ref\":\"#/components/responses/Error\"},\"200\":{\"description\":\"Sent: "
  "Meta gave the message id\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/sc"
  "hemas/SendResult\"}}}},\"202\":{\"description\":\"Stored and queued; not sent within the wait (m"
  "essage_id is null)\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/"
  "SendResult\"}}}}}}},\"/send-media\":{\"post\":{\"operationId\":\"sendMedia\",\"summary\":\"Send an ima"
  "ge, video, audio or document by link\",\"requestBody\":{\"required\":true,\"content\":{\"applicati"
  "on/json\":{\"schema\":{\"$ref\":\"#/components/schemas/SendMedia\"}}}},\"responses\":{\"401\":{\"$ref\""
  ":\"#/components/responses/Error\"},\"429\":{\"$ref\":\"#/components/responses/Error\"},\"503\":{\"$re"
  "f\":\"#/components/responses/Error\"},\"400\":{\"$ref\":\"#/components/responses/Error\"},\"404\":{\"$"
  "ref\":\"#/components/responses/Error\"},\"413\":{\"$ref\":\"#/components/responses/Error\"},\"415\":{"
  "\"$ref\":\"#/components/responses/Error\"},\"422\":{\"$ref\":\"#/components/responses/Error\"},\"200\""
  ":{\"description\":\"Sent: Meta gave the message id\",\"content\":{\"application/json\":{\"schema\":{"
  "\"$ref\":\"#/components/schemas/SendResult\"}}}},\"202\":{\"description\":\"Stored and queued; not "
  "sent within the wait (message_id is null)\",\"content\":{\"application/json\":{\"schema\":{\"$ref\""
  ":\"#/components/schemas/SendResult\"}}}}}}},\"/send-template\":{\"post\":{\"operationId\":\"sendTem"
  "plate\",\"summary\":\"Send an approved template\",\"requestBody\":{\"required\":true,\"content\":{\"ap"
  "plication/json\":{\"schema\":{\"$ref\":\"#/components/schemas/SendTemplate\"}}}},\"responses\":{\"40"
  "1\":{\"$ref\":\"#/components/responses/Error\"},\"429\":{\"$ref\":\"#/components/responses/Error\"},\""
  "503\":{\"$ref\":\"#/components/responses/Error\"},\"400\":{\"$ref\":\"#/components/responses/Error\"}"
  ",\"404\":{\"$ref\":\"#/components/responses/Error\"},\"413\":{\"$ref\":\"#/components/responses/Error"
  "\"},\"415\":{\"$ref\":\"#/components/responses/Error\"},\"422\":{\"$ref\":\"#/components/responses/Err"
  "or\"},\"200\":{\"description\":\"Sent: Meta gave the message id\",\"content\":{\"application/json\":{"
  "\"schema\":{\"$ref\":\"#/components/schemas/SendResult\"}}}},\"202\":{\"description\":\"Stored and qu"
  "eued; not sent within the wait (message_id is null)\",\"content\":{\"application/json\":{\"schem"
  "a\":{\"$ref\":\"#/components/schemas/SendResult\"}}}}}}},\"/template/send\":{\"post\":{\"operationId"
  "\":\"templateSend\",\"summary\":\"Send an existing template\",\"requestBody\":{\"required\":true,\"con"
  "tent\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/SendTemplate\"}}}},\"respo"
  "nses\":{\"401\":{\"$ref\":\"#/components/responses/Error\"},\"429\":{\"$ref\":\"#/components/responses"
  "/Error\"},\"503\":{\"$ref\":\"#/components/responses/Error\"},\"400\":{\"$ref\":\"#/components/respons"
  "es/Error\"},\"404\":{\"$ref\":\"#/components/responses/Error\"},\"413\":{\"$ref\":\"#/components/respo"
  "nses/Error\"},\"415\":{\"$ref\":\"#/components/responses/Error\"},\"422\":{\"$ref\":\"#/components/res"
  "ponses/Error\"},\"200\":{\"description\":\"Sent: Meta gave the message id\",\"content\":{\"applicati"
  "on/json\":{\"schema\":{\"$ref\":\"#/components/schemas/SendResult\"}}}},\"202\":{\"description\":\"Sto"
  "red and queued; not sent within the wait (message_id is null)\",\"content\":{\"application/jso"
  "n\":{\"schema\":{\"$ref\":\"#/components/schemas/SendResult\"}}}}}}},\"/template/create\":{\"post\":{"
  "\"operationId\":\"templateCreate\",\"summary\":\"Create a template and submit it to Meta for revi"
  "ew (mode manual; mode ai answers 503 for now)\",\"requestBody\":{\"required\":true,\"content\":{\""
  "application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/TemplateCreate\"}}}},\"responses\":"
  "{\"401\":{\"$ref\":\"#/components/responses/Error\"},\"429\":{\"$ref\":\"#/components/responses/Error"
  "\"},\"503\":{\"$ref\":\"#/components/responses/Error\"},\"400\":{\"$ref\":\"#/components/responses/Err"
  "or\"},\"404\":{\"$ref\":\"#/components/responses/Error\"},\"413\":{\"$ref\":\"#/components/responses/E"
  "rror\"},\"415\":{\"$ref\":\"#/components/responses/Error\"},\"422\":{\"$ref\":\"#/components/responses"
  "/Error\"},\"200\":{\"description\":\"OK\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/comp"
  "onents/schemas/TemplateCreated\"}}}}}}},\"/recent-messages\":{\"get\":{\"operationId\":\"recentMes"
  "sages\",\"summary\":\"The latest messages with a number, newest first\",\"parameters\":[{\"name\":\""
  "phone\",\"in\":\"query\",\"required\":true,\"schema\":{\"type\":\"string\"},\"description\":\"WhatsApp num"
  "ber, E.164 with or without +\"},{\"name\":\"limit\",\"in\":\"query\",\"schema\":{\"type\":\"integer\",\"mi"
  "nimum\":1,\"maximum\":1000,\"default\":20}}],\"responses\":{\"401\":{\"$ref\":\"#/components/responses"
  "/Error\"},\"429\":{\"$ref\":\"#/components/responses/Error\"},\"503\":{\"$ref\":\"#/components/respons"
  "es/Error\"},\"422\":{\"$ref\":\"#/components/responses/Error\"},\"200\":{\"description\":\"OK\",\"conten"
  "t\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/RecentMessages\"}}}}}}},\"/ge"
  "t-conversation\":{\"get\":{\"operationId\":\"getConversation\",\"summary\":\"The whole conversation "
  "with a number, oldest first\",\"parameters\":[{\"name\":\"phone\",\"in\":\"query\",\"required\":true,\"s"
  "chema\":{\"type\":\"string\"},\"description\":\"WhatsApp number, E.164 with or without +\"},{\"name\""
  ":\"limit\",\"in\":\"query\",\"schema\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000,\"default\":10"
  "00}}],\"responses\":{\"401\":{\"$ref\":\"#/components/responses/Error\"},\"429\":{\"$ref\":\"#/componen"
  "ts/responses/Error\"},\"503\":{\"$ref\":\"#/components/responses/Error\"},\"404\":{\"$ref\":\"#/compon"
  "ents/responses/Error\"},\"422\":{\"$ref\":\"#/components/responses/Error\"},\"200\":{\"description\":"
  "\"OK\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Conversation\"}}"
  "}}}}},\"/leads\":{\"get\":{\"operationId\":\"listLeads\",\"summary\":\"Leads, newest first\",\"paramete"
  "rs\":[{\"name\":\"limit\",\"in\":\"query\",\"schema\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,\"d"
  "efault\":50}},{\"name\":\"offset\",\"in\":\"query\",\"schema\":{\"type\":\"integer\",\"minimum\":0,\"default"
  "\":0}}],\"responses\":{\"401\":{\"$ref\":\"#/components/responses/Error\"},\"429\":{\"$ref\":\"#/compone"
  "nts/responses/Error\"},\"503\":{\"$ref\":\"#/components/responses/Error\"},\"422\":{\"$ref\":\"#/compo"
  "nents/responses/Error\"},\"200\":{\"description\":\"OK\",\"content\":{\"application/json\":{\"schema\":"
  "{\"$ref\":\"#/components/schemas/Leads\"}}}}}}},\"/leads/{phone}\":{\"patch\":{\"operationId\":\"upda"
  "teLead\",\"summary\":\"Change a lead's name, email, status, notes or tags\",\"parameters\":[{\"nam"
  "e\":\"phone\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}}],\"requestBody\":{\"requir"
  "ed\":true,\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/LeadPatch\"}"
  "}}},\"responses\":{\"401\":{\"$ref\":\"#/components/responses/Error\"},\"429\":{\"$ref\":\"#/components"
  "/responses/Error\"},\"503\":{\"$ref\":\"#/components/responses/Error\"},\"400\":{\"$ref\":\"#/componen"
  "ts/responses/Error\"},\"404\":{\"$ref\":\"#/components/responses/Error\"},\"413\":{\"$ref\":\"#/compon"
  "ents/responses/Error\"},\"415\":{\"$ref\":\"#/components/responses/Error\"},\"422\":{\"$ref\":\"#/comp"
  "onents/responses/Error\"},\"200\":{\"description\":\"OK\",\"content\":{\"application/json\":{\"schema\""
  ":{\"$ref\":\"#/components/schemas/LeadUpdated\"}}}}}}},\"/conversations/{phone}/export\":{\"get\":"
  "{\"operationId\":\"exportConversation\",\"summary\":\"A conversation as JSON: lead, conversation "
  "and every message with all columns\",\"parameters\":[{\"name\":\"phone\",\"in\":\"path\",\"required\":t"
  "rue,\"schema\":{\"type\":\"string\"}}],\"responses\":{\"401\":{\"$ref\":\"#/components/responses/Error\""
  "},\"429\":{\"$ref\":\"#/components/responses/Error\"},\"503\":{\"$ref\":\"#/components/responses/Erro"
  "r\"},\"404\":{\"$ref\":\"#/components/responses/Error\"},\"422\":{\"$ref\":\"#/components/responses/Er"
  "ror\"},\"200\":{\"description\":\"OK\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/compone"
  "nts/schemas/Export\"}}}}}}},\"/analytics\":{\"get\":{\"operationId\":\"analytics\",\"summary\":\"Count"
  "s by status, type and direction; delivery funnel; leads by status\",\"responses\":{\"401\":{\"$r"
  "ef\":\"#/components/responses/Error\"},\"429\":{\"$ref\":\"#/components/responses/Error\"},\"503\":{\""
  "$ref\":\"#/components/responses/Error\"},\"200\":{\"description\":\"OK\",\"content\":{\"application/js"
  "on\":{\"schema\":{\"$ref\":\"#/components/schemas/Analytics\"}}}}}}},\"/health\":{\"get\":{\"operation"
  "Id\":\"health\",\"summary\":\"Database and sender state\",\"responses\":{\"200\":{\"description\":\"OK\","
  "\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Health\"}}}},\"401\":{\""
  "$ref\":\"#/components/responses/Error\"},\"503\":{\"description\":\"The database is not reachable\""
  ",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Health\"}}}}}}},\"/op"
  "enapi.json\":{\"get\":{\"operationId\":\"openapi\",\"summary\":\"This document\",\"responses\":{\"200\":{"
  "\"description\":\"OpenAPI 3 document\",\"content\":{\"application/json\":{\"schema\":{\"type\":\"object"
  "\"}}}},\"401\":{\"$ref\":\"#/components/responses/Error\"}}}}},\"components\":{\"securitySchemes\":{\""
  "bearer\":{\"type\":\"http\",\"scheme\":\"bearer\"}},\"responses\":{\"Error\":{\"description\":\"Error\",\"co"
  "ntent\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}},\"schemas\":{"
  "\"Error\":{\"type\":\"object\",\"required\":[\"success\",\"error\"],\"properties\":{\"success\":{\"type\":\"b"
  "oolean\",\"enum\":[false]},\"error\":{\"type\":\"object\",\"required\":[\"code\",\"message\"],\"properties"
  "\":{\"code\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}}},\"SendMessage\":{\"type\":\"object\""
  ",\"required\":[\"phone\",\"message\"],\"properties\":{\"phone\":{\"type\":\"string\",\"example\":\"12345678"
  "90\"},\"message\":{\"type\":\"string\",\"maxLength\":4096}}},\"SendMedia\":{\"type\":\"object\",\"required"
  "\":[\"phone\",\"media_url\",\"media_type\"],\"properties\":{\"phone\":{\"type\":\"string\"},\"media_url\":{"
  "\"type\":\"string\",\"format\":\"uri\"},\"media_type\":{\"type\":\"string\",\"enum\":[\"image\",\"video\",\"aud"
  "io\",\"document\"]},\"caption\":{\"type\":\"string\",\"maxLength\":1024}}},\"SendTemplate\":{\"type\":\"ob"
  "ject\",\"required\":[\"phone\",\"template_name\"],\"properties\":{\"phone\":{\"type\":\"string\"},\"templa"
  "te_name\":{\"type\":\"string\"},\"language\":{\"type\":\"string\",\"default\":\"en\"},\"parameters\":{\"type"
  "\":\"array\",\"items\":{\"type\":\"string\"}}}},\"SendResult\":{\"type\":\"object\",\"required\":[\"success\""
  ",\"message_id\",\"stored_in_supabase\"],\"properties\":{\"success\":{\"type\":\"boolean\"},\"message_id"
  "\":{\"type\":\"string\",\"nullable\":true,\"description\":\"Meta's wamid\"},\"stored_in_supabase\":{\"ty"
  "pe\":\"boolean\",\"description\":\"true once the row is committed, whatever the database\"},\"stat"
  "us\":{\"type\":\"string\",\"description\":\"/send-message: sent; queued when not sent within the w"
  "ait\"},\"media_type\":{\"type\":\"string\",\"description\":\"/send-media\"},\"template_used\":{\"type\":\""
  "string\",\"description\":\"/send-template\"},\"id\":{\"type\":\"string\",\"format\":\"uuid\"}}},\"Template"
  "Create\":{\"type\":\"object\",\"required\":[\"name\",\"category\",\"language\"],\"properties\":{\"name\":{\""
  "type\":\"string\",\"pattern\":\"^[a-z0-9_]+$\"},\"category\":{\"type\":\"string\",\"enum\":[\"UTILITY\",\"MA"
  "RKETING\",\"AUTHENTICATION\"]},\"language\":{\"type\":\"string\",\"example\":\"en\"},\"mode\":{\"type\":\"st"
  "ring\",\"enum\":[\"manual\",\"ai\"],\"default\":\"manual\"},\"body_text\":{\"type\":\"string\",\"description"
  "\":\"manual: text with {{1}} placeholders\"},\"footer_text\":{\"type\":\"string\",\"maxLength\":60},\""
  "context\":{\"type\":\"string\",\"description\":\"ai: what the template is for\"}}},\"TemplateCreated"
  "\":{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"template_name\":{\"type\":\"str"
  "ing\"},\"status\":{\"type\":\"string\",\"example\":\"PENDING_REVIEW\"},\"mode\":{\"type\":\"string\"},\"gene"
  "rated_body\":{\"type\":\"string\"},\"template_id\":{\"type\":\"string\"},\"stored_in_supabase\":{\"type\""
  ":\"boolean\"}}},\"Message\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},\"message\":{\""
  "type\":\"string\",\"nullable\":true},\"sender\":{\"type\":\"string\",\"nullable\":true},\"direction\":{\"t"
  "ype\":\"string\",\"enum\":[\"inbound\",\"outbound\"]},\"status\":{\"type\":\"string\",\"nullable\":true},\"t"
  "imestamp\":{\"type\":\"string\",\"format\":\"date-time\"},\"message_id\":{\"type\":\"string\",\"nullable\":"
  "true},\"type\":{\"type\":\"string\"},\"media_url\":{\"type\":\"string\",\"nullable\":true},\"media_type\":"
  "{\"type\":\"string\",\"nullable\":true},\"caption\":{\"type\":\"string\",\"nullable\":true},\"reply_to\":{"
  "\"type\":\"string\",\"nullable\":true}}},\"RecentMessages\":{\"type\":\"object\",\"properties\":{\"phone\""
  ":{\"type\":\"string\"},\"total_messages\":{\"type\":\"integer\"},\"messages\":{\"type\":\"array\",\"items\":"
  "{\"$ref\":\"#/components/schemas/Message\"}}}},\"Conversation\":{\"type\":\"object\",\"properties\":{\""
  "phone\":{\"type\":\"string\"},\"customer_name\":{\"type\":\"string\",\"nullable\":true},\"status\":{\"type"
  "\":\"string\",\"nullable\":true},\"total_messages\":{\"type\":\"integer\"},\"conversation_thread\":{\"ty"
  "pe\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Message\"}}}},\"Lead\":{\"type\":\"object\",\"pr"
  "operties\":{\"id\":{\"type\":\"string\"},\"phone\":{\"type\":\"string\"},\"name\":{\"type\":\"string\",\"nulla"
  "ble\":true},\"email\":{\"type\":\"string\",\"nullable\":true},\"status\":{\"type\":\"string\",\"enum\":[\"NE"
  "W\",\"CONTACTED\",\"INTERESTED\",\"CONVERTED\",\"LOST\"]},\"first_contact\":{\"type\":\"string\",\"nullabl"
  "e\":true},\"created_at\":{\"type\":\"string\"},\"last_contact\":{\"type\":\"string\",\"nullable\":true},\""
  "profile_name\":{\"type\":\"string\",\"nullable\":true},\"notes\":{\"type\":\"string\",\"nullable\":true},"
  "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"unread_count\":{\"type\":\"integer\"}}},\"Lea"
  "ds\":{\"type\":\"object\",\"properties\":{\"total_leads\":{\"type\":\"integer\"},\"leads\":{\"type\":\"array"
  "\",\"items\":{\"$ref\":\"#/components/schemas/Lead\"}}}},\"LeadPatch\":{\"type\":\"object\",\"additional"
  "Properties\":false,\"properties\":{\"name\":{\"type\":\"string\",\"nullable\":true},\"email\":{\"type\":\""
  "string\",\"nullable\":true},\"status\":{\"type\":\"string\",\"enum\":[\"NEW\",\"CONTACTED\",\"INTERESTED\","
  "\"CONVERTED\",\"LOST\"]},\"notes\":{\"type\":\"string\",\"nullable\":true},\"tags\":{\"type\":\"array\",\"ite"
  "ms\":{\"type\":\"string\"}}}},\"LeadUpdated\":{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"b"
  "oolean\"},\"lead\":{\"$ref\":\"#/components/schemas/Lead\"}}},\"Export\":{\"type\":\"object\",\"properti"
  "es\":{\"phone\":{\"type\":\"string\"},\"exported_at\":{\"type\":\"string\"},\"lead\":{\"type\":\"object\",\"nu"
  "llable\":true},\"conversation\":{\"type\":\"object\",\"nullable\":true},\"total_messages\":{\"type\":\"i"
  "nteger\"},\"messages\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}},\"Analytics\":{\"type\":\"obje"
  "ct\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"total_messages\":{\"type\":\"integer\"},\"by_sta"
  "tus\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}},\"by_type\":{\"type\":\"object"
  "\",\"additionalProperties\":{\"type\":\"integer\"}},\"by_direction\":{\"type\":\"object\",\"additionalPr"
  "operties\":{\"type\":\"integer\"}},\"funnel\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"in"
  "teger\"}},\"total_leads\":{\"type\":\"integer\"},\"leads_by_status\":{\"type\":\"object\",\"additionalPr"
  "operties\":{\"type\":\"integer\"}},\"total_conversations\":{\"type\":\"integer\"}}},\"Health\":{\"type\":"
  "\"object\",\"properties\":{\"status\":{\"type\":\"string\",\"enum\":[\"ok\",\"degraded\"]},\"version\":{\"typ"
  "e\":\"string\"},\"database\":{\"type\":\"object\"},\"sender\":{\"type\":\"object\"}}}}}}";

const char *
wabiz_rest_api_get_openapi (void)
{
  return openapi_json;
}
