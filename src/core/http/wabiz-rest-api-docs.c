/* wabiz-rest-api-docs.c
 *
 * SPDX-License-Identifier: MIT
 *
 * GET /docs: the OpenAPI document (wabiz-openapi.json) as a page to
 * read, as the old service served its documentation. Each call with its
 * method, path, summary, parameters, request fields, statuses and
 * response fields; then the schemas they name. One self-contained page:
 * inline CSS, no script, no image, nothing fetched from elsewhere (its
 * answer's Content-Security-Policy allows nothing else). The page is in
 * the document's language, English.
 */

#define G_LOG_DOMAIN "wabiz-rest-api"

#include "config.h"

#include "wabiz-json-members.h"
#include "wabiz-rest-api-private.h"

#include <string.h>

static const char *methods[] = { "get", "post", "put", "patch", "delete", NULL };

static const char style[] =
  ":root{color-scheme:light dark;--fg:#1e1e1e;--bg:#fafafa;--card:#fff;--line:#ddd;--dim:#5e5c64;"
  "--get:#1a5fb4;--post:#26a269;--patch:#c64600;--put:#9141ac;--delete:#c01c28}"
  "@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#242424;--card:#303030;--line:#484848;"
  "--dim:#b0b0b0;--get:#78aeed;--post:#8ff0a4;--patch:#ffa348;--put:#dc8add;--delete:#f66151}}"
  "body{font:16px/1.5 Cantarell,'Noto Sans',system-ui,sans-serif;color:var(--fg);background:var(--bg);"
  "margin:0 auto;max-width:960px;padding:1em 1.5em 3em}"
  "h1{margin-bottom:.2em}h2{font-size:1.2em;margin:0 0 .3em}h3{font-size:1em;margin:1em 0 .3em}"
  "code{font-family:'Source Code Pro',monospace;font-size:.92em}"
  "section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1em 1.2em;"
  "margin:1.2em 0}"
  "table{border-collapse:collapse;width:100%;font-size:.95em}"
  "th,td{text-align:left;vertical-align:top;padding:.3em .6em;border-bottom:1px solid var(--line)}"
  "th{color:var(--dim);font-weight:600}"
  ".method{display:inline-block;min-width:4.5em;font-weight:700;font-family:monospace}"
  ".get{color:var(--get)}.post{color:var(--post)}.patch{color:var(--patch)}.put{color:var(--put)}"
  ".delete{color:var(--delete)}"
  ".dim,.key{color:var(--dim)}nav ul{columns:2;padding-left:1.2em}a{color:inherit}";

/* ------------------------------------------------------------------ */
/* reading the document */

/* The last segment of @object's "$ref", or NULL. */
static const char *
ref_name (JsonObject *object)
{
  const char *ref = wabiz_json_string_member (object, "$ref");

  return ref != NULL && strrchr (ref, '/') != NULL ? strrchr (ref, '/') + 1 : NULL;
}

/* @object, or what its "$ref" ("#/components/…/Name") names. */
static JsonObject *
resolve (JsonObject *doc,
         JsonObject *object)
{
  const char *ref = wabiz_json_string_member (object, "$ref");
  g_auto(GStrv) steps = NULL;
  JsonObject *found = doc;

  if (ref == NULL)
    return object;
  if (!g_str_has_prefix (ref, "#/"))
    return NULL;
  steps = g_strsplit (ref + 2, "/", -1);
  for (guint i = 0; steps[i] != NULL && found != NULL; i++)
    found = wabiz_json_object_member (found, steps[i]);
  return found;
}

/* ------------------------------------------------------------------ */
/* writing the page */

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);

  g_string_append (out, escaped);
}

/* @text escaped, with its `…` spans as code (the document's only markup) */
static void
append_text (GString    *out,
             const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text != NULL ? text : "", "`", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      gboolean code = i % 2 == 1 && parts[i + 1] != NULL;

      if (code)
        g_string_append (out, "<code>");
      else if (i % 2 == 1)
        g_string_append_c (out, '`');
      append_escaped (out, parts[i]);
      if (code)
        g_string_append (out, "</code>");
    }
}

static void
append_schema_link (GString    *out,
                    const char *name)
{
  g_string_append (out, "<a href=\"#schema-");
  append_escaped (out, name);
  g_string_append (out, "\">");
  append_escaped (out, name);
  g_string_append (out, "</a>");
}

static void
append_json_value (GString  *out,
                   JsonNode *node)
{
  g_autofree char *json = json_to_string (node, FALSE);

  g_string_append (out, "<code>");
  append_escaped (out, json);
  g_string_append (out, "</code>");
}

/* A property's type and limits, in words. */
static void
append_type (GString    *out,
             JsonObject *schema)
{
  const char *type = wabiz_json_string_member (schema, "type");
  const char *format = wabiz_json_string_member (schema, "format");
  JsonArray *values = wabiz_json_array_member (schema, "enum");
  JsonObject *items = wabiz_json_object_member (schema, "items");
  JsonObject *extra = wabiz_json_object_member (schema, "additionalProperties");
  JsonObject *properties = wabiz_json_object_member (schema, "properties");
  /* each limit as "before VALUE after" */
  const char *limits[][3] = {
    { "minimum", "from ", "" }, { "maximum", "up to ", "" }, { "maxLength", "up to ", " characters" },
    { "pattern", "matching ", "" }, { "default", "default ", "" }, { "example", "e.g. ", "" },
  };

  if (ref_name (schema) != NULL)
    {
      append_schema_link (out, ref_name (schema));
      return;
    }
  if (g_strcmp0 (type, "array") == 0 && items != NULL)
    {
      g_string_append (out, "list of ");
      append_type (out, items);
    }
  else if (g_strcmp0 (type, "object") == 0 && extra != NULL)
    {
      g_string_append (out, "object of ");
      append_type (out, extra);
    }
  else
    append_escaped (out, type != NULL ? type : "any");
  if (format != NULL)
    g_string_append_printf (out, " (%s)", format);

  if (properties != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (properties);

      g_string_append (out, " with ");
      for (GList *l = names; l != NULL; l = l->next)
        {
          g_string_append_printf (out, "%s<code>", l == names ? "" : ", ");
          append_escaped (out, l->data);
          g_string_append (out, "</code> (");
          append_type (out, wabiz_json_object_member (properties, l->data));
          g_string_append (out, ")");
        }
    }
  if (values != NULL)
    {
      g_string_append (out, ": ");
      for (guint i = 0; i < json_array_get_length (values); i++)
        {
          g_string_append (out, i > 0 ? ", " : "");
          append_json_value (out, json_array_get_element (values, i));
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      JsonNode *node = json_object_get_member (schema, limits[i][0]);

      if (node == NULL)
        continue;
      g_string_append_printf (out, "; %s", limits[i][1]);
      append_json_value (out, node);
      g_string_append (out, limits[i][2]);
    }
  if (json_object_get_member (schema, "nullable") != NULL && json_object_get_boolean_member (schema, "nullable"))
    g_string_append (out, "; may be <code>null</code>");
}

/* A table of @schema's properties: name, type, required, description. */
static void
append_fields (GString    *out,
               JsonObject *doc,
               JsonObject *schema)
{
  JsonObject *properties;
  JsonArray *required;
  g_autoptr(GList) names = NULL;

  schema = resolve (doc, schema);
  properties = wabiz_json_object_member (schema, "properties");
  required = wabiz_json_array_member (schema, "required");
  if (properties == NULL)
    {
      g_string_append (out, "<p>");
      append_type (out, schema);
      g_string_append (out, "</p>\n");
      return;
    }

  g_string_append (out, "<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr>\n");
  names = json_object_get_members (properties);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *property = wabiz_json_object_member (properties, l->data);
      const char *description = wabiz_json_string_member (property, "description");
      gboolean is_required = FALSE;

      for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
        is_required |= g_strcmp0 (json_array_get_string_element (required, i), l->data) == 0;

      g_string_append (out, "<tr><td><code>");
      append_escaped (out, l->data);
      g_string_append (out, "</code></td><td>");
      append_type (out, property);
      g_string_append_printf (out, "</td><td>%s</td><td>", is_required ? "yes" : "");
      if (description != NULL)
        append_text (out, description);
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");
}

/* The schema of @object's first media type ({"content": {type: {schema}}}),
 * and that type in @media_type. */
static JsonObject *
content_schema (JsonObject  *object,
                const char **media_type)
{
  JsonObject *content = wabiz_json_object_member (object, "content");
  g_autoptr(GList) types = content != NULL ? json_object_get_members (content) : NULL;

  *media_type = types != NULL ? types->data : NULL;
  if (types == NULL)
    return NULL;
  return wabiz_json_object_member (wabiz_json_object_member (content, types->data), "schema");
}

static void
append_parameters (GString    *out,
                   JsonObject *doc,
                   JsonArray  *parameters)
{
  g_string_append (out, "<h3>Parameters</h3>\n<table><tr><th>Name</th><th>In</th><th>Type</th>"
                        "<th>Required</th><th>Description</th></tr>\n");
  for (guint i = 0; i < json_array_get_length (parameters); i++)
    {
      JsonObject *parameter = resolve (doc, json_array_get_object_element (parameters, i));
      const char *description = wabiz_json_string_member (parameter, "description");
      JsonNode *required = json_object_get_member (parameter, "required");

      g_string_append (out, "<tr><td><code>");
      append_escaped (out, wabiz_json_string_member (parameter, "name"));
      g_string_append (out, "</code></td><td>");
      append_escaped (out, wabiz_json_string_member (parameter, "in"));
      g_string_append (out, "</td><td>");
      append_type (out, wabiz_json_object_member (parameter, "schema"));
      g_string_append_printf (out, "</td><td>%s</td><td>",
                              required != NULL && json_node_get_boolean (required) ? "yes" : "");
      if (description != NULL)
        append_text (out, description);
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");
}

/* The statuses and what each means; then the fields of each answer that
 * is not an error, once per schema. */
static void
append_responses (GString    *out,
                  JsonObject *doc,
                  JsonObject *responses)
{
  g_autoptr(GList) codes = json_object_get_members (responses);
  g_autoptr(GPtrArray) shown = g_ptr_array_new ();

  g_string_append (out, "<h3>Answers</h3>\n<table><tr><th>Status</th><th>Meaning</th></tr>\n");
  for (GList *l = codes; l != NULL; l = l->next)
    {
      JsonObject *response = resolve (doc, wabiz_json_object_member (responses, l->data));
      const char *description = wabiz_json_string_member (response, "description");

      g_string_append (out, "<tr><td><code>");
      append_escaped (out, l->data);
      g_string_append (out, "</code></td><td>");
      if (description != NULL)
        append_text (out, description);
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");

  for (GList *l = codes; l != NULL; l = l->next)
    {
      JsonObject *response = resolve (doc, wabiz_json_object_member (responses, l->data));
      const char *media_type = NULL;
      JsonObject *schema = resolve (doc, content_schema (response, &media_type));

      /* the errors' one shape is shown once, at the top */
      if (schema == NULL || *(char *) l->data != '2' || g_ptr_array_find (shown, schema, NULL))
        continue;
      g_ptr_array_add (shown, schema);
      g_string_append (out, "<h3>Answer fields (");
      for (GList *m = l; m != NULL; m = m->next)
        {
          const char *other_type = NULL;
          JsonObject *other = resolve (doc, wabiz_json_object_member (responses, m->data));

          if (resolve (doc, content_schema (other, &other_type)) == schema)
            g_string_append_printf (out, "%s%s", m == l ? "" : ", ", (char *) m->data);
        }
      g_string_append (out, ", ");
      append_escaped (out, media_type);
      g_string_append (out, ")</h3>\n");
      append_fields (out, doc, schema);
    }
}

/* "id" of a call's section */
static void
append_call_id (GString    *out,
                JsonObject *operation,
                const char *path)
{
  const char *id = wabiz_json_string_member (operation, "operationId");

  append_escaped (out, id != NULL ? id : path);
}

/* "POST /send-message", the method coloured */
static void
append_method_and_path (GString    *out,
                        const char *method,
                        const char *path)
{
  g_autofree char *upper = g_ascii_strup (method, -1);

  g_string_append_printf (out, "<span class=\"method %s\">%s</span> <code>", method, upper);
  append_escaped (out, path);
  g_string_append (out, "</code>");
}

static void
append_operation (GString    *out,
                  JsonObject *doc,
                  const char *path,
                  const char *method,
                  JsonObject *operation)
{
  const char *summary = wabiz_json_string_member (operation, "summary");
  const char *description = wabiz_json_string_member (operation, "description");
  JsonArray *security = wabiz_json_array_member (operation, "security");
  JsonArray *parameters = wabiz_json_array_member (operation, "parameters");
  JsonObject *body = resolve (doc, wabiz_json_object_member (operation, "requestBody"));
  JsonObject *responses = wabiz_json_object_member (operation, "responses");

  g_string_append (out, "<section id=\"");
  append_call_id (out, operation, path);
  g_string_append (out, "\">\n<h2>");
  append_method_and_path (out, method, path);
  g_string_append (out, "</h2>\n");
  if (summary != NULL)
    {
      g_string_append (out, "<p>");
      append_text (out, summary);
      g_string_append (out, "</p>\n");
    }
  if (description != NULL)
    {
      g_string_append (out, "<p>");
      append_text (out, description);
      g_string_append (out, "</p>\n");
    }
  g_string_append (out, security != NULL && json_array_get_length (security) == 0
                        ? "<p class=\"key\">No API key needed.</p>\n"
                        : "<p class=\"key\">Needs the API key.</p>\n");

  if (parameters != NULL)
    append_parameters (out, doc, parameters);
  if (body != NULL)
    {
      const char *media_type = NULL;
      JsonObject *schema = content_schema (body, &media_type);

      g_string_append (out, "<h3>Request fields (");
      append_escaped (out, media_type != NULL ? media_type : "");
      g_string_append (out, ")</h3>\n");
      if (schema != NULL)
        append_fields (out, doc, schema);
    }
  if (responses != NULL)
    append_responses (out, doc, responses);
  g_string_append (out, "</section>\n");
}

/* Calls @func for each operation of @doc, in the document's order. */
static void
foreach_operation (JsonObject *doc,
                   void      (*func) (GString *, JsonObject *, const char *, const char *, JsonObject *),
                   GString    *out)
{
  JsonObject *paths = wabiz_json_object_member (doc, "paths");
  g_autoptr(GList) names = paths != NULL ? json_object_get_members (paths) : NULL;

  for (GList *l = names; l != NULL; l = l->next)
    for (guint i = 0; methods[i] != NULL; i++)
      {
        JsonObject *path = wabiz_json_object_member (paths, l->data);
        JsonObject *operation = wabiz_json_object_member (path, methods[i]);

        if (operation != NULL)
          func (out, doc, l->data, methods[i], operation);
      }
}

static void
append_index_entry (GString    *out,
                    JsonObject *doc,
                    const char *path,
                    const char *method,
                    JsonObject *operation)
{
  g_string_append (out, "<li><a href=\"#");
  append_call_id (out, operation, path);
  g_string_append (out, "\">");
  append_method_and_path (out, method, path);
  g_string_append (out, "</a></li>\n");
}

char *
_wabiz_rest_docs_html (const char *openapi)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) out = g_string_sized_new (64 * 1024);
  JsonObject *doc;
  JsonObject *info;
  JsonObject *schemas;
  JsonArray *servers;
  g_autoptr(GList) names = NULL;

  if (!json_parser_load_from_data (parser, openapi, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  doc = json_node_get_object (json_parser_get_root (parser));
  info = wabiz_json_object_member (doc, "info");
  servers = wabiz_json_array_member (doc, "servers");
  schemas = wabiz_json_object_member (wabiz_json_object_member (doc, "components"), "schemas");

  g_string_append (out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
  append_escaped (out, wabiz_json_string_member (info, "title"));
  g_string_append_printf (out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", style);
  append_escaped (out, wabiz_json_string_member (info, "title"));
  g_string_append (out, " <span class=\"dim\">");
  append_escaped (out, wabiz_json_string_member (info, "version"));
  g_string_append (out, "</span></h1>\n<p>");
  append_text (out, wabiz_json_string_member (info, "description"));
  g_string_append (out, "</p>\n<p>The machine-readable document: <code>GET /openapi.json</code> (with the key).");
  for (guint i = 0; servers != NULL && i < json_array_get_length (servers); i++)
    {
      JsonObject *server = json_array_get_object_element (servers, i);

      /* text, not a link: the address of the server as set up by default */
      g_string_append (out, i == 0 ? " Served by default at <code>" : ", <code>");
      append_escaped (out, wabiz_json_string_member (server, "url"));
      g_string_append (out, "</code>");
    }
  g_string_append (out, ".</p>\n<nav><h2>Calls</h2>\n<ul>\n");
  foreach_operation (doc, append_index_entry, out);
  g_string_append (out, "</ul></nav>\n</header>\n<main>\n<section id=\"errors\">\n<h2>Errors</h2>\n"
                        "<p>Every error answer has this shape, with the HTTP status each call lists:</p>\n");
  append_fields (out, doc, resolve (doc, wabiz_json_object_member (schemas, "Error")));
  g_string_append (out, "</section>\n");

  foreach_operation (doc, append_operation, out);

  g_string_append (out, "<h2 id=\"schemas\">Schemas</h2>\n");
  names = schemas != NULL ? json_object_get_members (schemas) : NULL;
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *schema = wabiz_json_object_member (schemas, l->data);
      const char *description = wabiz_json_string_member (schema, "description");

      g_string_append (out, "<section id=\"schema-");
      append_escaped (out, l->data);
      g_string_append (out, "\">\n<h2><code>");
      append_escaped (out, l->data);
      g_string_append (out, "</code></h2>\n");
      if (description != NULL)
        {
          g_string_append (out, "<p>");
          append_text (out, description);
          g_string_append (out, "</p>\n");
        }
      append_fields (out, doc, wabiz_json_object_member (schemas, l->data));
      g_string_append (out, "</section>\n");
    }
  g_string_append (out, "</main>\n</body>\n</html>\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
