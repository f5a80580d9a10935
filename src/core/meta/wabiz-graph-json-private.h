/* wabiz-graph-json-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Reading Meta's JSON answers: each getter checks the node's type first
 * and gives NULL (or the fallback) for a missing member, a member of
 * another type or a NULL object, so calls chain without checks. Strings,
 * objects and arrays: wabiz_json_*_member() of wabiz-json-members.h.
 */

#pragma once

#include "wabiz-json-members.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* (transfer full) (nullable): the root of @bytes, NULL if empty or not JSON */
JsonNode   *_wabiz_graph_json_parse            (GBytes     *bytes);
/* a number, or a string of digits */
gint64      _wabiz_graph_json_get_int          (JsonObject *object,
                                                const char *member,
                                                gint64      fallback);
/* the first element of the array @member, if it is an object */
JsonObject *_wabiz_graph_json_get_first_object (JsonObject *object,
                                                const char *member);

G_END_DECLS
