/* wabiz-json-members.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Type-checked members of json-glib objects, for JSON that comes from
 * outside (Meta's answers, REST bodies, the OpenAPI document).
 */

#define G_LOG_DOMAIN "wabiz-json-members"

#include "config.h"

#include "wabiz-json-members.h"

static JsonNode *
get_member (JsonObject *object,
            const char *name)
{
  return object != NULL ? json_object_get_member (object, name) : NULL;
}

const char *
wabiz_json_string_member (JsonObject *object,
                          const char *name)
{
  JsonNode *node = get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonObject *
wabiz_json_object_member (JsonObject *object,
                          const char *name)
{
  JsonNode *node = get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
wabiz_json_array_member (JsonObject *object,
                         const char *name)
{
  JsonNode *node = get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}
