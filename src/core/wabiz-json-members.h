/* wabiz-json-members.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The member @name of @object when it is of the type asked for; NULL for
 * a NULL @object, a missing member or one of another type, so that calls
 * chain without checks. */
const char *wabiz_json_string_member (JsonObject *object,
                                      const char *name);
JsonObject *wabiz_json_object_member (JsonObject *object,
                                      const char *name);
JsonArray  *wabiz_json_array_member  (JsonObject *object,
                                      const char *name);

G_END_DECLS
