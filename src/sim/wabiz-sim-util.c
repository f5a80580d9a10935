/* wabiz-sim-util.c
 *
 * SPDX-License-Identifier: MIT
 */

#define G_LOG_DOMAIN "wabiz-sim-util"

#include "config.h"

#include "wabiz-sim-util.h"

#include <stdarg.h>
#include <string.h>

typedef struct
{
  gint64      code;
  const char *title;
} GraphErrorTitle;

/* The `message` Meta answers with is "(#CODE) TITLE"; webhook error
 * objects carry TITLE alone. */
static const GraphErrorTitle graph_error_titles[] = {
  { 100, "Invalid parameter" },
  { 130429, "Rate limit hit" },
  { 131000, "Something went wrong" },
  { 131008, "Required parameter is missing" },
  { 131009, "Parameter value is not valid" },
  { 131026, "Message undeliverable" },
  { 131047, "Re-engagement message" },
  { 131051, "Unsupported message type" },
  { 131053, "Media upload error" },
  { 132000, "Number of parameters does not match the expected number of params" },
  { 132001, "Template name does not exist in the translation" },
  { 132012, "Parameter format does not match format in the created template" },
  { 132015, "Template is Paused" },
  { 132016, "Template is Disabled" },
  { 132018, "There was an issue with the parameters in your template." },
};

static void
append_escaped_unichar (GString  *out,
                        gunichar  ch)
{
  if (ch >= 0x10000)
    {
      gunichar v = ch - 0x10000;

      g_string_append_printf (out, "\\u%04x\\u%04x",
                              0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    }
  else
    {
      g_string_append_printf (out, "\\u%04x", ch);
    }
}

/**
 * wabiz_sim_escape_non_ascii:
 *
 * Rewrites every non-ASCII character of a JSON text as a lowercase
 * `\uXXXX` escape (astral characters as a surrogate pair). Outside
 * strings JSON is ASCII, so this never changes the meaning of the text.
 * Invalid UTF-8 becomes U+FFFD.
 */
char *
wabiz_sim_escape_non_ascii (const char *utf8,
                            gsize       len,
                            gsize      *out_len)
{
  GString *out;
  const char *p = utf8;
  const char *end = utf8 + len;

  g_return_val_if_fail (utf8 != NULL || len == 0, NULL);

  out = g_string_sized_new (len + 16);

  while (p < end)
    {
      const char *run = p;
      gunichar ch;

      while (p < end && (guchar) *p < 0x80)
        p++;
      if (p > run)
        g_string_append_len (out, run, p - run);
      if (p >= end)
        break;

      ch = g_utf8_get_char_validated (p, end - p);
      if (ch == (gunichar) -1 || ch == (gunichar) -2)
        {
          append_escaped_unichar (out, 0xfffd);
          p++;
          continue;
        }

      append_escaped_unichar (out, ch);
      p = g_utf8_next_char (p);
    }

  if (out_len != NULL)
    *out_len = out->len;

  return g_string_free (out, FALSE);
}

char *
wabiz_sim_json_to_string (JsonNode *node)
{
  g_autofree char *raw = NULL;

  g_return_val_if_fail (node != NULL, NULL);

  raw = json_to_string (node, FALSE);
  return wabiz_sim_escape_non_ascii (raw, strlen (raw), NULL);
}

GBytes *
wabiz_sim_json_to_bytes (JsonNode *node)
{
  g_autofree char *raw = NULL;
  char *escaped;
  gsize len = 0;

  g_return_val_if_fail (node != NULL, NULL);

  raw = json_to_string (node, FALSE);
  escaped = wabiz_sim_escape_non_ascii (raw, strlen (raw), &len);

  return g_bytes_new_take (escaped, len);
}

char *
wabiz_sim_hmac_sha256_hex (const char   *key,
                           const guint8 *data,
                           gsize         len)
{
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  /* g_compute_hmac_for_data() answers lowercase hex. */
  return g_compute_hmac_for_data (G_CHECKSUM_SHA256,
                                  (const guchar *) key, strlen (key),
                                  data != NULL ? data : (const guint8 *) "", len);
}

gboolean
wabiz_sim_str_equal_const_time (const char *a,
                                const char *b)
{
  gsize la, lb;
  guint diff;

  if (a == NULL || b == NULL)
    return FALSE;

  la = strlen (a);
  lb = strlen (b);
  diff = la != lb;

  for (gsize i = 0; i < la; i++)
    diff |= (guchar) a[i] ^ (i < lb ? (guchar) b[i] : 0);

  return diff == 0;
}

/**
 * wabiz_sim_normalize_wa_id:
 *
 * Turns what a client put in `to` into the `wa_id` Meta would answer
 * with: digits only, 8 to 15 of them. A Brazilian mobile written
 * without its ninth digit (55 + 2-digit area code + 8 digits starting
 * with 6 to 9) gets the 9, so the wa_id differs from the input.
 *
 * Returns: (nullable): the wa_id, or %NULL when @input is no number
 */
char *
wabiz_sim_normalize_wa_id (const char *input)
{
  g_autoptr(GString) digits = NULL;
  gboolean plus_seen = FALSE;

  if (input == NULL)
    return NULL;

  digits = g_string_new (NULL);

  for (const char *p = input; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p == '+' && digits->len == 0 && !plus_seen)
        plus_seen = TRUE;
      else if (*p == ' ' || *p == '-' || *p == '(' || *p == ')' || *p == '.')
        continue;
      else
        return NULL;
    }

  if (digits->len < 8 || digits->len > 15 || digits->str[0] == '0')
    return NULL;

  if (digits->len == 12 &&
      g_str_has_prefix (digits->str, "55") &&
      digits->str[4] >= '6' && digits->str[4] <= '9')
    g_string_insert_c (digits, 4, '9');

  return g_strdup (digits->str);
}

/* Random characters for fbtrace ids and the like; not from the seeded
 * generator, so they never make test runs differ. */
char *
wabiz_sim_random_token (guint len)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  char *token = g_new (char, len + 1);

  for (guint i = 0; i < len; i++)
    token[i] = alphabet[g_random_int_range (0, sizeof alphabet - 1)];
  token[len] = '\0';

  return token;
}

/* g_set_str() is GLib 2.76; we build against 2.74. */
gboolean
wabiz_sim_set_str (char       **str_pointer,
                   const char  *new_str)
{
  g_assert (str_pointer != NULL);

  if (*str_pointer == new_str || g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;

  g_free (*str_pointer);
  *str_pointer = g_strdup (new_str);

  return TRUE;
}

/**
 * wabiz_sim_timeout_source_new:
 *
 * Like g_timeout_add() but on the thread-default main context, which is
 * the one the simulator runs on, and handing back the source so that it
 * can be destroyed whatever context it is attached to.
 *
 * Returns: (transfer full): the attached source
 */
GSource *
wabiz_sim_timeout_source_new (guint          interval_ms,
                              GSourceFunc    func,
                              gpointer       data,
                              GDestroyNotify notify)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, data, notify);
  g_source_set_name (source, "[wabiz-sim] timeout");
  g_source_attach (source, g_main_context_get_thread_default ());

  return source;
}

void
wabiz_sim_source_clear (GSource **source)
{
  g_assert (source != NULL);

  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

gboolean
wabiz_sim_node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

gboolean
wabiz_sim_node_is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

gboolean
wabiz_sim_node_is_int (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

gboolean
wabiz_sim_node_is_bool (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

const char *
wabiz_sim_object_get_string (JsonObject *object,
                             const char *key)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  return wabiz_sim_node_is_string (node) ? json_node_get_string (node) : NULL;
}

JsonObject *
wabiz_sim_object_get_object (JsonObject *object,
                             const char *key)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
wabiz_sim_object_get_array (JsonObject *object,
                            const char *key)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

gboolean
wabiz_sim_object_get_bool (JsonObject *object,
                           const char *key,
                           gboolean    default_value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  return wabiz_sim_node_is_bool (node) ? json_node_get_boolean (node) : default_value;
}

gint64
wabiz_sim_object_get_int (JsonObject *object,
                          const char *key,
                          gint64      default_value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  return wabiz_sim_node_is_number (node) ? json_node_get_int (node) : default_value;
}

double
wabiz_sim_object_get_double (JsonObject *object,
                             const char *key,
                             double      default_value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  return wabiz_sim_node_is_number (node) ? json_node_get_double (node) : default_value;
}

JsonNode *
wabiz_sim_parse_json (const char  *data,
                      gsize        len,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  if (data == NULL || len == 0)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           "empty body");
      return NULL;
    }

  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;

  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           "empty document");
      return NULL;
    }

  return json_node_ref (json_parser_get_root (parser));
}

void
wabiz_sim_reply_json (SoupServerMessage *msg,
                      guint              status,
                      JsonNode          *node)
{
  char *text;
  gsize len = 0;
  g_autofree char *raw = NULL;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (node != NULL);

  raw = json_to_string (node, FALSE);
  text = wabiz_sim_escape_non_ascii (raw, strlen (raw), &len);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=UTF-8",
                                    SOUP_MEMORY_TAKE, text, len);
}

void
wabiz_sim_reply_object (SoupServerMessage *msg,
                        guint              status,
                        JsonObject        *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  wabiz_sim_reply_json (msg, status, node);
}

void
wabiz_sim_reply_success (SoupServerMessage *msg)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_boolean_member (object, "success", TRUE);
  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, object);
}

void
wabiz_sim_graph_error_clear (WabizSimGraphError *error)
{
  g_clear_pointer (&error->details, g_free);
  g_clear_pointer (&error->user_title, g_free);
  g_clear_pointer (&error->user_msg, g_free);
  memset (error, 0, sizeof *error);
}

const char *
wabiz_sim_graph_error_title (gint64 code)
{
  for (guint i = 0; i < G_N_ELEMENTS (graph_error_titles); i++)
    {
      if (graph_error_titles[i].code == code)
        return graph_error_titles[i].title;
    }

  return "Something went wrong";
}

void
wabiz_sim_reply_graph_error (SoupServerMessage  *msg,
                             WabizSimGraphError *error)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonObject *body = json_object_new ();
  g_autofree char *trace = wabiz_sim_random_token (23);
  g_autofree char *message = NULL;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (error != NULL);

  if (error->message != NULL)
    message = g_strdup (error->message);
  else
    message = g_strdup_printf ("(#%" G_GINT64_FORMAT ") %s", error->code,
                               wabiz_sim_graph_error_title (error->code));

  json_object_set_string_member (body, "message", message);
  json_object_set_string_member (body, "type",
                                 error->type != NULL ? error->type : "OAuthException");
  json_object_set_int_member (body, "code", error->code);
  if (error->subcode != 0)
    json_object_set_int_member (body, "error_subcode", error->subcode);
  if (error->user_title != NULL)
    json_object_set_string_member (body, "error_user_title", error->user_title);
  if (error->user_msg != NULL)
    json_object_set_string_member (body, "error_user_msg", error->user_msg);
  if (error->details != NULL)
    {
      JsonObject *data = json_object_new ();

      json_object_set_string_member (data, "messaging_product", "whatsapp");
      json_object_set_string_member (data, "details", error->details);
      json_object_set_object_member (body, "error_data", data);
    }
  json_object_set_string_member (body, "fbtrace_id", trace);
  json_object_set_object_member (root, "error", body);

  wabiz_sim_reply_object (msg, error->http_status != 0 ? error->http_status : 400, root);
}

void
wabiz_sim_reply_graph_simple (SoupServerMessage *msg,
                              gint64             code,
                              const char        *details_format,
                              ...)
{
  g_auto(WabizSimGraphError) error = { 0 };

  error.code = code;
  if (details_format != NULL)
    {
      va_list args;

      va_start (args, details_format);
      error.details = g_strdup_vprintf (details_format, args);
      va_end (args);
    }

  wabiz_sim_reply_graph_error (msg, &error);
}

void
wabiz_sim_reply_google_error (SoupServerMessage *msg,
                              guint              http_status,
                              const char        *status,
                              const char        *message,
                              JsonArray         *details)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonObject *body = json_object_new ();

  json_object_set_int_member (body, "code", http_status);
  json_object_set_string_member (body, "message", message);
  json_object_set_string_member (body, "status", status);
  if (details != NULL)
    json_object_set_array_member (body, "details", json_array_ref (details));
  json_object_set_object_member (root, "error", body);

  wabiz_sim_reply_object (msg, http_status, root);
}

void
wabiz_sim_reply_control_error (SoupServerMessage *msg,
                               guint              http_status,
                               const char        *format,
                               ...)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonObject *body = json_object_new ();
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  json_object_set_string_member (body, "message", message);
  json_object_set_object_member (root, "error", body);

  wabiz_sim_reply_object (msg, http_status, root);
}

gboolean
wabiz_sim_query_get_since (SoupServerMessage *msg,
                           GHashTable        *query,
                           guint64           *since)
{
  const char *since_text = query != NULL ? g_hash_table_lookup (query, "since") : NULL;

  *since = 0;
  if (since_text != NULL &&
      !g_ascii_string_to_unsigned (since_text, 10, 0, G_MAXUINT64, since, NULL))
    {
      wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST,
                                     "since must be a sequence number");
      return FALSE;
    }
  return TRUE;
}
