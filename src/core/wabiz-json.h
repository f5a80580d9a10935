/* wabiz-json.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  WABIZ_JSON_NULL,
  WABIZ_JSON_FALSE,
  WABIZ_JSON_TRUE,
  WABIZ_JSON_NUMBER,
  WABIZ_JSON_STRING,
  WABIZ_JSON_ARRAY,
  WABIZ_JSON_OBJECT,
} WabizJsonKind;

typedef struct _WabizJsonDoc  WabizJsonDoc;
typedef struct _WabizJsonNode WabizJsonNode;

gboolean wabiz_json_validate (const char *text,
                              gsize       length);

WabizJsonDoc        *wabiz_json_doc_parse (const char *text,
                                           gsize       length,
                                           GError    **error);
void                 wabiz_json_doc_free (WabizJsonDoc *doc);
const WabizJsonNode *wabiz_json_doc_get_root (WabizJsonDoc *doc);

WabizJsonKind wabiz_json_node_get_kind (const WabizJsonNode *node);
const char   *wabiz_json_node_get_string (const WabizJsonNode *node);
char         *wabiz_json_node_dup_text (const WabizJsonNode *node);
char         *wabiz_json_node_dup_json (const WabizJsonNode *node);

const WabizJsonNode *wabiz_json_node_get_member (const WabizJsonNode *node,
                                                 const char          *name);
const WabizJsonNode *wabiz_json_node_get_first (const WabizJsonNode *node);
const WabizJsonNode *wabiz_json_node_get_next (const WabizJsonNode *node);
guint                wabiz_json_node_get_length (const WabizJsonNode *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizJsonDoc, wabiz_json_doc_free)

G_END_DECLS
