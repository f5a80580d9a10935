/* wabiz-graph-json.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Type-checked getters for Meta's JSON answers.
 */

#define G_LOG_DOMAIN "wabiz-graph-json"

#include "config.h"

#include "wabiz-graph-json-private.h"

static JsonNode *
get_member (JsonObject *object,
            const char *member)
{
  return object != NULL ? json_object_get_member (object, member) : NULL;
}

JsonNode *
_wabiz_graph_json_parse (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *text = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  if (text == NULL || len == 0)
    return NULL;
  if (!json_parser_load_from_data (parser, text, (gssize) len, NULL))
    return NULL;
  return json_parser_steal_root (parser);
}

gint64
_wabiz_graph_json_get_int (JsonObject *object,
                           const char *member,
                           gint64      fallback)
{
  JsonNode *node = get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      gint64 v;

      if (g_ascii_string_to_signed (json_node_get_string (node), 10, G_MININT64, G_MAXINT64, &v, NULL))
        return v;
    }
  return fallback;
}

JsonObject *
_wabiz_graph_json_get_first_object (JsonObject *object,
                                    const char *member)
{
  JsonArray *array = wabiz_json_array_member (object, member);
  JsonNode *node;

  if (array == NULL || json_array_get_length (array) == 0)
    return NULL;
  node = json_array_get_element (array, 0);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}
