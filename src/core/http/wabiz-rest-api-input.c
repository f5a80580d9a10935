/* wabiz-rest-api-input.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What every call of the REST API shares: a request answered later, the
 * answers for errors (each with its documented status), and the reading
 * of a body, its fields and the query.
 */

#define G_LOG_DOMAIN "wabiz-rest-api"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-http-server.h"
#include "wabiz-phone.h"
#include "wabiz-rest-api-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

WabizRestRequest *
_wabiz_rest_request_new (WabizRestApi      *self,
                         SoupServerMessage *msg)
{
  WabizRestRequest *request = g_new0 (WabizRestRequest, 1);

  request->self = g_object_ref (self);
  request->msg = g_object_ref (msg);
  wabiz_http_message_hold (msg);
  return request;
}

void
_wabiz_rest_request_free (WabizRestRequest *request)
{
  wabiz_http_message_release (request->msg);
  g_clear_object (&request->msg);
  g_clear_object (&request->self);
  if (request->data_free != NULL)
    g_clear_pointer (&request->data, request->data_free);
  g_free (request);
}

/* ------------------------------------------------------------------ */
/* answers */

void
_wabiz_rest_reply_raw_json (SoupServerMessage *msg,
                            guint              status,
                            const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

void
_wabiz_rest_reply_object (SoupServerMessage *msg,
                          guint              status,
                          JsonObject        *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  wabiz_http_reply_json (msg, status, node);
}

void
_wabiz_rest_reply_db_error (SoupServerMessage *msg,
                            const GError      *error)
{
  g_warning ("Database error in a REST call: %s", error->message);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "10");
  wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "database_unavailable",
                          _("The database is not available; try again later"));
}

char *
_wabiz_rest_graph_error_text (const GError *error)
{
  const char *title = wabiz_graph_error_get_title (error);
  const char *details = wabiz_graph_error_get_details (error);

  /* Meta's title says what kind of refusal, its details (or its message
   * for the user) why */
  if (title != NULL && details != NULL && strstr (title, details) == NULL)
    /* Translators: Meta's title for an error, then its reason */
    return g_strdup_printf (_("%s: %s"), title, details);
  if (title != NULL)
    return g_strdup (title);
  if (details != NULL)
    return g_strdup (details);
  return g_strdup (error->message);
}

static guint
graph_error_status (int code)
{
  switch (code)
    {
    case WABIZ_GRAPH_ERROR_THROUGHPUT:
    case WABIZ_GRAPH_ERROR_PAIR_RATE_LIMIT:
    case WABIZ_GRAPH_ERROR_APP_RATE_LIMIT:
    case WABIZ_GRAPH_ERROR_WABA_RATE_LIMIT:
      return 429;
    case WABIZ_GRAPH_ERROR_TEMPLATE_MISSING:
      return SOUP_STATUS_NOT_FOUND;
    case WABIZ_GRAPH_ERROR_NETWORK:
    case WABIZ_GRAPH_ERROR_AUTH_EXCEPTION:
    case WABIZ_GRAPH_ERROR_ACCESS_TOKEN:
    case WABIZ_GRAPH_ERROR_SERVICE:
    case WABIZ_GRAPH_ERROR_HTTP:
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    default:
      return 422;
    }
}

void
_wabiz_rest_reply_graph_error (SoupServerMessage *msg,
                               const GError      *error,
                               const char        *text)
{
  g_autofree char *reason = text == NULL ? _wabiz_rest_graph_error_text (error) : NULL;
  g_autofree char *code = g_strdup_printf ("meta_%d", error->code);

  if (text == NULL)
    text = reason;
  if (error->code == WABIZ_GRAPH_ERROR_TEMPLATE_MISSING)
    wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "template_not_found", text);
  else if (error->code == WABIZ_GRAPH_ERROR_REENGAGEMENT)
    wabiz_http_reply_error (msg, 422, "window_closed", text);
  else
    wabiz_http_reply_error (msg, graph_error_status (error->code), code, text);
}

void
_wabiz_rest_reply_error (WabizRestRequest *request,
                         const GError     *error)
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
      _wabiz_rest_reply_graph_error (msg, error, NULL);
      return;
    }

  if (error->domain == WABIZ_DB_ERROR)
    {
      _wabiz_rest_reply_db_error (msg, error);
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

JsonObject *
_wabiz_rest_read_body (SoupServerMessage *msg)
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

  /* its size is bounded by its route's limit as it arrives (see
   * wabiz_http_message_set_max_body()) */
  bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (bytes, &length);
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
gboolean
_wabiz_rest_get_string (SoupServerMessage  *msg,
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
      g_autofree char *text = g_strdup_printf (_("“%s” is longer than %zu characters"),
                                               name, (size_t) max_chars);

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

gboolean
_wabiz_rest_get_strings (SoupServerMessage    *msg,
                         JsonObject           *body,
                         const WabizRestField *fields,
                         guint                 n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    if (!_wabiz_rest_get_string (msg, body, fields[i].name, fields[i].required, fields[i].max_chars,
                                 fields[i].out))
      return FALSE;
  return TRUE;
}

/* A list of strings (nullable member); NULL-terminated copy in @out. */
gboolean
_wabiz_rest_get_string_list (SoupServerMessage   *msg,
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

char *
_wabiz_rest_check_phone (SoupServerMessage *msg,
                         const char        *phone)
{
  g_autoptr(GError) error = NULL;
  char *normalized = wabiz_phone_normalize (phone, &error);

  if (normalized == NULL)
    wabiz_http_reply_error (msg, 422, "invalid_phone", error->message);
  return normalized;
}

/* ?name=N within [min, max], default @fallback */
gboolean
_wabiz_rest_get_query_int (SoupServerMessage *msg,
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
      g_autofree char *text = g_strdup_printf (_("“%s” must be a whole number from %" PRId64 " to %" PRId64), name,
                                                 (int64_t) min, (int64_t) max);

      wabiz_http_reply_error (msg, 422, "invalid_parameter", text);
      return FALSE;
    }
  return TRUE;
}
