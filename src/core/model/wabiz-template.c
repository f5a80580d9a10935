/* wabiz-template.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A message template as the `templates` table keeps it, the list of
 * those WaBiz can send, and the sync of that table from Graph. Sending
 * one goes through the outbox (wabiz_outgoing_new_template()).
 */

#define G_LOG_DOMAIN "wabiz-template"

#include "config.h"

#include "wabiz-store.h"
#include "wabiz-template.h"

#include <json-glib/json-glib.h>
#include <string.h>

struct _WabizTemplate
{
  GObject  parent_instance;

  char    *name;      /* (owned) */
  char    *language;  /* (owned) */
  char    *category;  /* (owned) (nullable) */
  char    *header;    /* (owned) (nullable): a text header without parameters */
  char    *body;      /* (owned) */
  char    *footer;    /* (owned) (nullable) */
  GStrv    examples;  /* (owned) (nullable) */
  guint    n_params;
};

G_DEFINE_FINAL_TYPE (WabizTemplate, wabiz_template, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_LANGUAGE,
  PROP_BODY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* helpers */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL ||
      !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

/* The component of @type (BODY, HEADER, …) in Meta's components array */
static JsonObject *
find_component (JsonArray  *components,
                const char *type)
{
  for (guint i = 0; components != NULL && i < json_array_get_length (components); i++)
    {
      JsonNode *node = json_array_get_element (components, i);
      JsonObject *component;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      component = json_node_get_object (node);
      if (g_strcmp0 (member_string (component, "type"), type) == 0)
        return component;
    }
  return NULL;
}

/* Whether buttons need values WaBiz cannot give (a URL with {{1}}) */
static gboolean
buttons_need_params (JsonArray *components)
{
  JsonArray *buttons = member_array (find_component (components, "BUTTONS"), "buttons");

  for (guint i = 0; buttons != NULL && i < json_array_get_length (buttons); i++)
    {
      JsonNode *node = json_array_get_element (buttons, i);
      const char *url;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      url = member_string (json_node_get_object (node), "url");
      if (url != NULL && strstr (url, "{{") != NULL)
        return TRUE;
    }
  return FALSE;
}

static GStrv
body_examples (JsonObject *body)
{
  JsonArray *outer = member_array (member_object (body, "example"), "body_text");
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonNode *first;
  JsonArray *values;

  if (outer == NULL || json_array_get_length (outer) == 0)
    return NULL;
  first = json_array_get_element (outer, 0);
  if (!JSON_NODE_HOLDS_ARRAY (first))
    return NULL;

  values = json_node_get_array (first);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonNode *node = json_array_get_element (values, i);

      g_strv_builder_add (builder, JSON_NODE_HOLDS_VALUE (node) &&
                                   json_node_get_value_type (node) == G_TYPE_STRING
                                   ? json_node_get_string (node) : "");
    }
  return g_strv_builder_end (builder);
}

/* A template from a `templates` row, or NULL when WaBiz cannot send it
 * with body parameters alone. */
static WabizTemplate *
template_from_row (WabizDbResult *res,
                   guint          row)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(WabizTemplate) self = NULL;
  const char *components_text = wabiz_db_result_get (res, row, "components");
  const char *format = wabiz_db_result_get (res, row, "parameter_format");
  const char *body_text = wabiz_db_result_get (res, row, "body_text");
  const char *footer_text = wabiz_db_result_get (res, row, "footer_text");
  JsonArray *components = NULL;
  JsonObject *header;
  JsonObject *body;

  if (format != NULL && g_ascii_strcasecmp (format, "NAMED") == 0)
    return NULL;

  if (components_text != NULL)
    root = json_from_string (components_text, NULL);
  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    components = json_node_get_array (root);

  header = find_component (components, "HEADER");
  if (header != NULL)
    {
      const char *header_format = member_string (header, "format");
      const char *text = member_string (header, "text");

      /* media headers and header parameters need more than the body */
      if ((header_format != NULL && g_ascii_strcasecmp (header_format, "TEXT") != 0) ||
          (text != NULL && strstr (text, "{{") != NULL))
        return NULL;
    }
  if (buttons_need_params (components))
    return NULL;

  body = find_component (components, "BODY");
  if (body_text == NULL)
    body_text = member_string (body, "text");
  if (footer_text == NULL)
    footer_text = member_string (find_component (components, "FOOTER"), "text");
  if (body_text == NULL)
    return NULL;

  self = g_object_new (WABIZ_TYPE_TEMPLATE, NULL);
  self->name = g_strdup (wabiz_db_result_get (res, row, "name"));
  self->language = g_strdup (wabiz_db_result_get (res, row, "language"));
  self->category = g_strdup (wabiz_db_result_get (res, row, "category"));
  self->header = header != NULL ? g_strdup (member_string (header, "text")) : NULL;
  self->body = g_strdup (body_text);
  self->footer = g_strdup (footer_text);
  self->examples = body_examples (body);
  self->n_params = wabiz_template_count_params (body_text);
  return g_steal_pointer (&self);
}

/* GObject */

static void
wabiz_template_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WabizTemplate *self = WABIZ_TEMPLATE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_LANGUAGE:
      g_value_set_string (value, self->language);
      break;
    case PROP_BODY:
      g_value_set_string (value, self->body);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_template_finalize (GObject *object)
{
  WabizTemplate *self = WABIZ_TEMPLATE (object);

  g_free (self->name);
  g_free (self->language);
  g_free (self->category);
  g_free (self->header);
  g_free (self->body);
  g_free (self->footer);
  g_strfreev (self->examples);

  G_OBJECT_CLASS (wabiz_template_parent_class)->finalize (object);
}

static void
wabiz_template_class_init (WabizTemplateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wabiz_template_get_property;
  object_class->finalize = wabiz_template_finalize;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LANGUAGE] =
    g_param_spec_string ("language", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BODY] =
    g_param_spec_string ("body", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_template_init (WabizTemplate *self)
{
}

/* public API */

const char *
wabiz_template_get_name (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->name;
}

const char *
wabiz_template_get_language (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->language;
}

const char *
wabiz_template_get_category (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->category;
}

const char *
wabiz_template_get_header (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->header;
}

const char *
wabiz_template_get_body (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->body;
}

const char *
wabiz_template_get_footer (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->footer;
}

guint
wabiz_template_get_n_params (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), 0);
  return self->n_params;
}

const char *
wabiz_template_get_example (WabizTemplate *self,
                            guint          index)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);

  if (self->examples == NULL || index >= g_strv_length (self->examples) ||
      *self->examples[index] == '\0')
    return NULL;
  return self->examples[index];
}

guint
wabiz_template_count_params (const char *text)
{
  guint max = 0;

  g_return_val_if_fail (text != NULL, 0);

  for (const char *p = strstr (text, "{{"); p != NULL; p = strstr (p + 2, "{{"))
    {
      const char *end = strstr (p + 2, "}}");
      g_autofree char *inner = NULL;
      guint64 n;

      if (end == NULL)
        break;
      inner = g_strstrip (g_strndup (p + 2, end - (p + 2)));
      if (g_ascii_string_to_unsigned (inner, 10, 1, 100, &n, NULL))
        max = MAX (max, (guint) n);
    }
  return max;
}

char *
wabiz_template_fill (const char         *text,
                     const char * const *params)
{
  GString *s;

  g_return_val_if_fail (text != NULL, NULL);

  s = g_string_new (text);
  for (guint i = 0; params != NULL && params[i] != NULL; i++)
    {
      g_autofree char *placeholder = NULL;

      if (*params[i] == '\0')
        continue;
      placeholder = g_strdup_printf ("{{%u}}", i + 1);
      g_string_replace (s, placeholder, params[i], 0);
    }
  return g_string_free (s, FALSE);
}

/* listing */

static void
list_sendable_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GListStore) store = NULL;
  GError *error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  store = g_list_store_new (WABIZ_TYPE_TEMPLATE);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      g_autoptr(WabizTemplate) template = template_from_row (res, i);

      if (template != NULL)
        g_list_store_append (store, template);
    }
  g_task_return_pointer (task, g_steal_pointer (&store), g_object_unref);
}

void
wabiz_template_list_sendable_async (WabizDb             *db,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_template_list_sendable_async);
  wabiz_db_query_async (db,
                        "SELECT name, language, category, components, body_text, footer_text,"
                        "  parameter_format"
                        " FROM templates WHERE status = 'APPROVED'"
                        " ORDER BY name, language LIMIT 1000",
                        0, NULL, cancellable, list_sendable_cb, g_steal_pointer (&task));
}

GListModel *
wabiz_template_list_sendable_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_template_list_sendable_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* sync from Graph */

typedef struct
{
  JsonArray *templates;
  gssize     stored;
} Sync;

static gboolean
sync_in_transaction (WabizDbConn  *conn,
                     gpointer      data,
                     GError      **error)
{
  Sync *sync = data;

  for (guint i = 0; i < json_array_get_length (sync->templates); i++)
    {
      JsonNode *node = json_array_get_element (sync->templates, i);
      g_autoptr(WabizDbResult) res = NULL;
      g_autofree char *components = NULL;
      JsonObject *t;
      JsonArray *array;
      JsonNode *quality;
      const char *quality_score = NULL;
      const char *params[10];

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      t = json_node_get_object (node);
      if (member_string (t, "name") == NULL || member_string (t, "language") == NULL)
        continue;

      array = member_array (t, "components");
      if (array != NULL)
        {
          g_autoptr(JsonNode) copy = json_node_new (JSON_NODE_ARRAY);

          json_node_set_array (copy, array);
          components = json_to_string (copy, FALSE);
        }
      quality = json_object_get_member (t, "quality_score");
      if (quality != NULL && JSON_NODE_HOLDS_OBJECT (quality))
        quality_score = member_string (json_node_get_object (quality), "score");
      else
        quality_score = member_string (t, "quality_score");

      params[0] = member_string (t, "name");
      params[1] = member_string (t, "language");
      params[2] = member_string (t, "category");
      params[3] = member_string (t, "status");
      params[4] = member_string (t, "id");
      params[5] = components != NULL ? components : "[]";
      params[6] = member_string (find_component (array, "BODY"), "text");
      params[7] = member_string (find_component (array, "FOOTER"), "text");
      params[8] = member_string (t, "parameter_format");
      params[9] = quality_score;
      res = wabiz_db_conn_exec (conn,
                                "INSERT INTO templates (name, language, category, status, meta_id,"
                                "  components, body_text, footer_text, parameter_format, quality_score)"
                                " VALUES ($1, $2, $3, coalesce($4, 'PENDING'), $5, $6::jsonb, $7, $8,"
                                "  coalesce($9, 'POSITIONAL'), $10)"
                                " ON CONFLICT (name, language) DO UPDATE SET"
                                "  category = coalesce(excluded.category, templates.category),"
                                "  status = excluded.status,"
                                "  meta_id = coalesce(excluded.meta_id, templates.meta_id),"
                                "  components = excluded.components, body_text = excluded.body_text,"
                                "  footer_text = excluded.footer_text,"
                                "  parameter_format = excluded.parameter_format,"
                                "  quality_score = coalesce(excluded.quality_score, templates.quality_score),"
                                "  updated_at = now()",
                                G_N_ELEMENTS (params), params, error);
      if (res == NULL)
        return FALSE;
      sync->stored++;
    }

  return wabiz_store_notify_on_conn (conn, "templates", NULL, NULL, error);
}

static void
sync_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  Sync sync = { task_data, 0 };
  GError *error = NULL;

  if (wabiz_db_conn_transaction (conn, sync_in_transaction, &sync, &error))
    g_task_return_int (task, sync.stored);
  else
    g_task_return_error (task, error);
}

static void
sync_listed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizDb *db = g_task_get_source_object (task);
  JsonArray *templates;
  GError *error = NULL;

  templates = wabiz_graph_client_list_templates_finish (WABIZ_GRAPH_CLIENT (object), result, &error);
  if (templates == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_debug ("Storing %u templates from Graph", json_array_get_length (templates));
  g_task_set_task_data (task, templates, (GDestroyNotify) json_array_unref);
  wabiz_db_run_in_thread (db, g_steal_pointer (&task), sync_job);
}

void
wabiz_template_sync_async (WabizDb             *db,
                           WabizGraphClient    *graph,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (graph));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_template_sync_async);
  wabiz_graph_client_list_templates_async (graph, cancellable, sync_listed_cb, g_steal_pointer (&task));
}

gssize
wabiz_template_sync_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_template_sync_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}
