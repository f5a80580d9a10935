/* wabiz-template.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A message template as the `templates` table keeps it (Meta's
 * components read into its parts), what a send of it gives Meta, the
 * lists of those WaBiz can send, the sync of that table from Graph and
 * the deletion of a template. Sending one goes through the outbox
 * (wabiz_outgoing_new_template()); writing one is
 * wabiz-template-spec.c.
 */

#define G_LOG_DOMAIN "wabiz-template"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-json-members.h"
#include "wabiz-store.h"
#include "wabiz-template-rules.h"
#include "wabiz-template.h"

#include <glib/gi18n-lib.h>
#include <string.h>

struct _WabizTemplate
{
  GObject    parent_instance;

  char      *id;              /* (owned) (nullable): the row's uuid */
  char      *meta_id;         /* (owned) (nullable) */
  char      *name;            /* (owned) */
  char      *language;        /* (owned) */
  char      *category;        /* (owned) (nullable) */
  char      *status;          /* (owned) */
  char      *reason;          /* (owned) (nullable): of a rejection */
  char      *quality;         /* (owned) (nullable) */
  char      *parameter_format;/* (owned) (nullable) */
  gint64     updated_us;
  JsonArray *components;      /* (owned) */
  char      *header_format;   /* (owned) (nullable) */
  char      *header;          /* (owned) (nullable): a text header */
  char      *header_example;  /* (owned) (nullable) */
  char      *body;            /* (owned) */
  char      *footer;          /* (owned) (nullable) */
  GStrv      examples;        /* (owned) (nullable): one per body value */
  GStrv      param_names;     /* (owned) (nullable): a named template's */
  guint      n_params;
  GPtrArray *buttons;         /* (owned) of WabizTemplateButton */
};

G_DEFINE_FINAL_TYPE (WabizTemplate, wabiz_template, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (WabizTemplateButton, wabiz_template_button,
                     wabiz_template_button_copy, wabiz_template_button_free)

enum {
  PROP_0,
  PROP_NAME,
  PROP_LANGUAGE,
  PROP_BODY,
  PROP_STATUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* buttons, values */

WabizTemplateButton *
wabiz_template_button_new (const char *type)
{
  WabizTemplateButton *button = g_new0 (WabizTemplateButton, 1);

  g_return_val_if_fail (type != NULL, button);

  button->type = g_strdup (type);
  return button;
}

WabizTemplateButton *
wabiz_template_button_copy (const WabizTemplateButton *button)
{
  WabizTemplateButton *copy = wabiz_template_button_new (button->type);

  copy->text = g_strdup (button->text);
  copy->url = g_strdup (button->url);
  copy->phone = g_strdup (button->phone);
  copy->example = g_strdup (button->example);
  return copy;
}

void
wabiz_template_button_free (WabizTemplateButton *button)
{
  if (button == NULL)
    return;
  g_free (button->type);
  g_free (button->text);
  g_free (button->url);
  g_free (button->phone);
  g_free (button->example);
  g_free (button);
}

gboolean
wabiz_template_button_takes_value (const WabizTemplateButton *button)
{
  g_return_val_if_fail (button != NULL, FALSE);

  if (g_strcmp0 (button->type, "URL") == 0)
    return button->url != NULL && strstr (button->url, "{{") != NULL;
  return g_strcmp0 (button->type, "COPY_CODE") == 0;
}

WabizTemplateValues *
wabiz_template_values_new (void)
{
  return g_new0 (WabizTemplateValues, 1);
}

void
wabiz_template_values_free (WabizTemplateValues *values)
{
  if (values == NULL)
    return;
  g_free (values->header_text);
  g_free (values->header_link);
  g_free (values->header_media_id);
  g_free (values->header_filename);
  g_strfreev (values->body);
  g_strfreev (values->buttons);
  g_free (values);
}

/* JSON helpers */

static const char *
array_string (JsonArray *array,
              guint      index)
{
  JsonNode *node;

  if (array == NULL || index >= json_array_get_length (array))
    return NULL;
  node = json_array_get_element (array, index);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
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
      const char *component_type;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      component = json_node_get_object (node);
      component_type = wabiz_json_string_member (component, "type");
      if (component_type != NULL && g_ascii_strcasecmp (component_type, type) == 0)
        return component;
    }
  return NULL;
}

static char *
dup_nonempty (const char *text)
{
  return text != NULL && *text != '\0' ? g_strdup (text) : NULL;
}

/* reading a template */

/* The names of @text's named variables, in order of first appearance */
static GStrv
scan_names (const char *text)
{
  g_autoptr(GPtrArray) found = wabiz_template_scan_placeholders (text, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < found->len; i++)
    {
      WabizPlaceholder *placeholder = g_ptr_array_index (found, i);

      if (placeholder->name != NULL && g_hash_table_add (seen, placeholder->name))
        g_strv_builder_add (builder, placeholder->name);
    }
  return g_strv_builder_end (builder);
}

static void
read_body_examples (WabizTemplate *self,
                    JsonObject    *body)
{
  JsonObject *example = wabiz_json_object_member (body, "example");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (self->param_names != NULL)
    {
      JsonArray *named = wabiz_json_array_member (example, "body_text_named_params");

      for (guint i = 0; self->param_names[i] != NULL; i++)
        {
          const char *value = "";

          for (guint j = 0; named != NULL && j < json_array_get_length (named); j++)
            {
              JsonNode *node = json_array_get_element (named, j);

              if (JSON_NODE_HOLDS_OBJECT (node) &&
                  g_strcmp0 (wabiz_json_string_member (json_node_get_object (node), "param_name"),
                             self->param_names[i]) == 0)
                value = wabiz_json_string_member (json_node_get_object (node), "example");
            }
          g_strv_builder_add (builder, value != NULL ? value : "");
        }
    }
  else
    {
      JsonArray *outer = wabiz_json_array_member (example, "body_text");
      JsonNode *first;
      JsonArray *values;

      if (outer == NULL || json_array_get_length (outer) == 0)
        return;
      first = json_array_get_element (outer, 0);
      if (!JSON_NODE_HOLDS_ARRAY (first))
        return;
      values = json_node_get_array (first);
      for (guint i = 0; i < json_array_get_length (values); i++)
        {
          const char *value = array_string (values, i);

          g_strv_builder_add (builder, value != NULL ? value : "");
        }
    }
  self->examples = g_strv_builder_end (builder);
}

static void
read_buttons (WabizTemplate *self,
              JsonObject    *component)
{
  JsonArray *buttons = wabiz_json_array_member (component, "buttons");

  for (guint i = 0; buttons != NULL && i < json_array_get_length (buttons); i++)
    {
      JsonNode *node = json_array_get_element (buttons, i);
      WabizTemplateButton *button;
      JsonObject *object;
      const char *type;
      JsonNode *example;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      type = wabiz_json_string_member (object, "type");
      button = wabiz_template_button_new (type != NULL ? type : "UNKNOWN");
      button->text = g_strdup (wabiz_json_string_member (object, "text"));
      button->url = g_strdup (wabiz_json_string_member (object, "url"));
      button->phone = g_strdup (wabiz_json_string_member (object, "phone_number"));
      example = json_object_get_member (object, "example");
      if (example != NULL && JSON_NODE_HOLDS_ARRAY (example))
        {
          /* a URL's: the whole address; kept as the value of its {{1}} */
          const char *full = array_string (json_node_get_array (example), 0);
          const char *place = button->url != NULL ? strstr (button->url, "{{") : NULL;

          if (full != NULL && place != NULL &&
              strncmp (full, button->url, place - button->url) == 0)
            button->example = g_strdup (full + (place - button->url));
          else
            button->example = g_strdup (full);
        }
      else if (example != NULL && JSON_NODE_HOLDS_VALUE (example) &&
               json_node_get_value_type (example) == G_TYPE_STRING)
        button->example = g_strdup (json_node_get_string (example));
      g_ptr_array_add (self->buttons, button);
    }
}

/* Reads Meta's @components (taken) into the parts; @body_text and
 * @footer_text (nullable) are the row's own columns */
static void
read_components (WabizTemplate *self,
                 JsonArray     *components,
                 const char    *body_text,
                 const char    *footer_text)
{
  JsonObject *header;
  JsonObject *body;
  JsonObject *buttons;

  self->components = components != NULL ? components : json_array_new ();

  header = find_component (self->components, "HEADER");
  if (header != NULL)
    {
      const char *format = wabiz_json_string_member (header, "format");
      JsonObject *example = wabiz_json_object_member (header, "example");

      self->header_format = g_ascii_strup (format != NULL ? format : "TEXT", -1);
      if (g_str_equal (self->header_format, "TEXT"))
        {
          self->header = g_strdup (wabiz_json_string_member (header, "text"));
          self->header_example =
            g_strdup (array_string (wabiz_json_array_member (example, "header_text"), 0));
        }
      else
        self->header_example =
          g_strdup (array_string (wabiz_json_array_member (example, "header_handle"), 0));
    }

  body = find_component (self->components, "BODY");
  if (body_text == NULL)
    body_text = wabiz_json_string_member (body, "text");
  if (footer_text == NULL)
    footer_text = wabiz_json_string_member (find_component (self->components, "FOOTER"), "text");
  self->body = g_strdup (body_text != NULL ? body_text : "");
  self->footer = dup_nonempty (footer_text);

  if (self->parameter_format != NULL && g_ascii_strcasecmp (self->parameter_format, "NAMED") == 0)
    {
      self->param_names = scan_names (self->body);
      self->n_params = g_strv_length (self->param_names);
    }
  else
    self->n_params = wabiz_template_count_placeholders (self->body);
  read_body_examples (self, body);

  buttons = find_component (self->components, "BUTTONS");
  if (buttons != NULL)
    read_buttons (self, buttons);
}

static JsonArray *
parse_components (const char *text)
{
  g_autoptr(JsonNode) root = NULL;

  if (text == NULL)
    return NULL;
  root = json_from_string (text, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return NULL;
  return json_array_ref (json_node_get_array (root));
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
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_template_finalize (GObject *object)
{
  WabizTemplate *self = WABIZ_TEMPLATE (object);

  g_free (self->id);
  g_free (self->meta_id);
  g_free (self->name);
  g_free (self->language);
  g_free (self->category);
  g_free (self->status);
  g_free (self->reason);
  g_free (self->quality);
  g_free (self->parameter_format);
  g_clear_pointer (&self->components, json_array_unref);
  g_free (self->header_format);
  g_free (self->header);
  g_free (self->header_example);
  g_free (self->body);
  g_free (self->footer);
  g_strfreev (self->examples);
  g_strfreev (self->param_names);
  g_ptr_array_unref (self->buttons);

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
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_template_init (WabizTemplate *self)
{
  self->buttons = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_button_free);
}

/* public API */

WabizTemplate *
wabiz_template_new_from_result (WabizDbResult *result,
                                guint          row)
{
  WabizTemplate *self;
  const char *reason;
  const char *updated;

  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (row < wabiz_db_result_get_n_rows (result), NULL);

  self = g_object_new (WABIZ_TYPE_TEMPLATE, NULL);
  self->id = g_strdup (wabiz_db_result_get (result, row, "id"));
  self->meta_id = dup_nonempty (wabiz_db_result_get (result, row, "meta_id"));
  self->name = g_strdup (wabiz_db_result_get (result, row, "name"));
  self->language = g_strdup (wabiz_db_result_get (result, row, "language"));
  self->category = dup_nonempty (wabiz_db_result_get (result, row, "category"));
  self->status = g_strdup (wabiz_db_result_get (result, row, "status"));
  if (self->status == NULL)
    self->status = g_strdup ("PENDING");
  reason = wabiz_db_result_get (result, row, "rejected_reason");
  if (reason != NULL && g_ascii_strcasecmp (reason, "NONE") != 0)
    self->reason = dup_nonempty (reason);
  self->quality = dup_nonempty (wabiz_db_result_get (result, row, "quality_score"));
  self->parameter_format = dup_nonempty (wabiz_db_result_get (result, row, "parameter_format"));
  updated = wabiz_db_result_get (result, row, "updated_us");
  self->updated_us = updated != NULL ? g_ascii_strtoll (updated, NULL, 10) : 0;
  read_components (self, parse_components (wabiz_db_result_get (result, row, "components")),
                   wabiz_db_result_get (result, row, "body_text"),
                   wabiz_db_result_get (result, row, "footer_text"));
  return self;
}

WabizTemplate *
wabiz_template_new_from_json (JsonObject *object)
{
  WabizTemplate *self;
  JsonArray *components;
  JsonObject *quality;
  const char *status;
  const char *reason;

  g_return_val_if_fail (object != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_TEMPLATE, NULL);
  self->meta_id = dup_nonempty (wabiz_json_string_member (object, "id"));
  self->name = g_strdup (wabiz_json_string_member (object, "name"));
  self->language = g_strdup (wabiz_json_string_member (object, "language"));
  self->category = dup_nonempty (wabiz_json_string_member (object, "category"));
  status = wabiz_json_string_member (object, "status");
  self->status = g_strdup (status != NULL ? status : "PENDING");
  reason = wabiz_json_string_member (object, "rejected_reason");
  if (reason != NULL && g_ascii_strcasecmp (reason, "NONE") != 0)
    self->reason = g_strdup (reason);
  quality = wabiz_json_object_member (object, "quality_score");
  self->quality = dup_nonempty (quality != NULL
                                ? wabiz_json_string_member (quality, "score")
                                : wabiz_json_string_member (object, "quality_score"));
  self->parameter_format = dup_nonempty (wabiz_json_string_member (object, "parameter_format"));
  components = wabiz_json_array_member (object, "components");
  read_components (self, components != NULL ? json_array_ref (components) : NULL, NULL, NULL);
  return self;
}

const char *
wabiz_template_get_id (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->id;
}

const char *
wabiz_template_get_meta_id (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->meta_id;
}

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
wabiz_template_get_status (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->status;
}

const char *
wabiz_template_get_rejected_reason (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->reason;
}

const char *
wabiz_template_get_quality (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->quality;
}

gint64
wabiz_template_get_updated_us (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), 0);
  return self->updated_us;
}

gboolean
wabiz_template_is_named (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), FALSE);
  return self->param_names != NULL;
}

JsonArray *
wabiz_template_get_components (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->components;
}

const char *
wabiz_template_get_header_format (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->header_format;
}

const char *
wabiz_template_get_header (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return self->header;
}

const char *
wabiz_template_get_header_example (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return g_strcmp0 (self->header_format, "TEXT") == 0 ? self->header_example : NULL;
}

gboolean
wabiz_template_header_takes_value (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), FALSE);

  if (self->header_format == NULL || g_str_equal (self->header_format, "LOCATION"))
    return FALSE;
  if (g_str_equal (self->header_format, "TEXT"))
    return self->header != NULL && strstr (self->header, "{{") != NULL;
  return TRUE;
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

const char * const *
wabiz_template_get_param_names (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  return (const char * const *) self->param_names;
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
wabiz_template_get_n_buttons (WabizTemplate *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), 0);
  return self->buttons->len;
}

const WabizTemplateButton *
wabiz_template_get_button (WabizTemplate *self,
                           guint          index)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);
  g_return_val_if_fail (index < self->buttons->len, NULL);
  return g_ptr_array_index (self->buttons, index);
}

/* sending */

/* What Meta takes as a text value: given, one line, no tabs, no runs of
 * five spaces. @what names the place for the error. */
static gboolean
check_value (const char  *value,
             const char  *what,
             GError     **error)
{
  if (value == NULL || *value == '\0')
    {
      /* Translators: %s names a place of a template, e.g. “{{2}} of the body” */
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT, _("Fill in %s."), what);
      return FALSE;
    }
  if (strchr (value, '\n') != NULL || strchr (value, '\t') != NULL || strstr (value, "     ") != NULL)
    {
      /* Translators: %s names a place of a template, e.g. “{{2}} of the body” */
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("Write %s on one line, without tabs or runs of spaces: WhatsApp refuses them."), what);
      return FALSE;
    }
  return TRUE;
}

static const char *
value_at (GStrv values,
          guint index)
{
  if (values == NULL || index >= g_strv_length (values))
    return NULL;
  return values[index];
}

static void
add_text_parameter (JsonBuilder *b,
                    const char  *name,
                    const char  *value)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "text");
  if (name != NULL)
    {
      json_builder_set_member_name (b, "parameter_name");
      json_builder_add_string_value (b, name);
    }
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, value);
  json_builder_end_object (b);
}

static gboolean
build_header (WabizTemplate              *self,
              const WabizTemplateValues  *values,
              JsonBuilder                *b,
              GError                    **error)
{
  g_autofree char *kind = NULL;

  if (!wabiz_template_header_takes_value (self))
    return TRUE;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "header");
  json_builder_set_member_name (b, "parameters");
  json_builder_begin_array (b);

  if (g_str_equal (self->header_format, "TEXT"))
    {
      g_autoptr(GPtrArray) found = wabiz_template_scan_placeholders (self->header, NULL);
      WabizPlaceholder *placeholder = found->len > 0 ? g_ptr_array_index (found, 0) : NULL;

      if (!check_value (values->header_text, _("the header’s value"), error))
        return FALSE;
      add_text_parameter (b, placeholder != NULL ? placeholder->name : NULL, values->header_text);
    }
  else
    {
      const char *link = values->header_link != NULL && *values->header_link != '\0' ? values->header_link : NULL;
      const char *id = values->header_media_id != NULL && *values->header_media_id != '\0'
                       ? values->header_media_id : NULL;

      if ((link == NULL) == (id == NULL))
        {
          g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("Choose the header’s file, or give its https:// address."));
          return FALSE;
        }
      if (link != NULL && (!g_str_has_prefix (link, "https://") || strlen (link) <= strlen ("https://") ||
                           strpbrk (link, " \t\n") != NULL))
        {
          g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("The header’s address must start with https:// and reach the file "
                                 "without a password: WhatsApp fetches it from there."));
          return FALSE;
        }

      kind = g_ascii_strdown (self->header_format, -1);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, kind);
      json_builder_set_member_name (b, kind);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, link != NULL ? "link" : "id");
      json_builder_add_string_value (b, link != NULL ? link : id);
      if (g_str_equal (kind, "document") && values->header_filename != NULL &&
          *values->header_filename != '\0')
        {
          json_builder_set_member_name (b, "filename");
          json_builder_add_string_value (b, values->header_filename);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }

  json_builder_end_array (b);
  json_builder_end_object (b);
  return TRUE;
}

static gboolean
build_body (WabizTemplate              *self,
            const WabizTemplateValues  *values,
            JsonBuilder                *b,
            GError                    **error)
{
  if (self->n_params == 0)
    return TRUE;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "body");
  json_builder_set_member_name (b, "parameters");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->n_params; i++)
    {
      const char *value = value_at (values->body, i);
      g_autofree char *what = NULL;

      if (self->param_names != NULL)
        /* Translators: a named place of a template, e.g. {{first_name}} of the body */
        what = g_strdup_printf (_("{{%s}} of the body"), self->param_names[i]);
      else
        /* Translators: a numbered place of a template, e.g. {{2}} of the body */
        what = g_strdup_printf (_("{{%u}} of the body"), i + 1);
      if (!check_value (value, what, error))
        return FALSE;
      add_text_parameter (b, self->param_names != NULL ? self->param_names[i] : NULL, value);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return TRUE;
}

static gboolean
build_buttons (WabizTemplate              *self,
               const WabizTemplateValues  *values,
               JsonBuilder                *b,
               GError                    **error)
{
  for (guint i = 0; i < self->buttons->len; i++)
    {
      const WabizTemplateButton *button = g_ptr_array_index (self->buttons, i);
      const char *value = value_at (values->buttons, i);
      g_autofree char *index = NULL;
      g_autofree char *what = NULL;
      gboolean code;

      if (!wabiz_template_button_takes_value (button))
        continue;

      code = g_str_equal (button->type, "COPY_CODE");
      if (code)
        what = g_strdup (_("the code to copy"));
      else
        /* Translators: %s is a button's label, e.g. “the end of the “Track order” link” */
        what = g_strdup_printf (_("the end of the “%s” link"), button->text != NULL ? button->text : "");
      if (!check_value (value, what, error))
        return FALSE;
      if (code && g_utf8_strlen (value, -1) > WABIZ_TEMPLATE_COPY_CODE_MAX)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       _("The code to copy has at most %u characters."), WABIZ_TEMPLATE_COPY_CODE_MAX);
          return FALSE;
        }

      index = g_strdup_printf ("%u", i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "button");
      json_builder_set_member_name (b, "sub_type");
      json_builder_add_string_value (b, code ? "copy_code" : "url");
      json_builder_set_member_name (b, "index");
      json_builder_add_string_value (b, index);
      json_builder_set_member_name (b, "parameters");
      json_builder_begin_array (b);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, code ? "coupon_code" : "text");
      json_builder_set_member_name (b, code ? "coupon_code" : "text");
      json_builder_add_string_value (b, value);
      json_builder_end_object (b);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  return TRUE;
}

JsonArray *
wabiz_template_build_components (WabizTemplate              *self,
                                 const WabizTemplateValues  *values,
                                 GError                    **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  WabizTemplateValues none = { 0 };

  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);

  if (values == NULL)
    values = &none;

  json_builder_begin_array (b);
  if (!build_header (self, values, b, error) || !build_body (self, values, b, error) ||
      !build_buttons (self, values, b, error))
    return NULL;
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  return json_array_ref (json_node_get_array (root));
}

char *
wabiz_template_fill_body (WabizTemplate              *self,
                          const WabizTemplateValues  *values)
{
  g_autoptr(GPtrArray) found = NULL;
  GString *filled;
  gsize done = 0;

  g_return_val_if_fail (WABIZ_IS_TEMPLATE (self), NULL);

  if (values == NULL || values->body == NULL)
    return g_strdup (self->body);
  if (self->param_names == NULL)
    return wabiz_template_fill_placeholders (self->body, (const char * const *) values->body);

  found = wabiz_template_scan_placeholders (self->body, NULL);
  filled = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    {
      WabizPlaceholder *placeholder = g_ptr_array_index (found, i);
      const char *value = NULL;

      for (guint j = 0; placeholder->name != NULL && self->param_names[j] != NULL; j++)
        if (g_str_equal (self->param_names[j], placeholder->name))
          value = value_at (values->body, j);
      g_string_append_len (filled, self->body + done, placeholder->start - done);
      if (value != NULL && *value != '\0')
        g_string_append (filled, value);
      else
        g_string_append_len (filled, self->body + placeholder->start, placeholder->end - placeholder->start);
      done = placeholder->end;
    }
  g_string_append (filled, self->body + done);
  return g_string_free (filled, FALSE);
}

char *
wabiz_template_describe_reason (const char  *reason,
                                const char **field)
{
  static const struct
  {
    const char *reason;
    const char *field;
    const char *text;
  } reasons[] = {
    { "INVALID_FORMAT", "body",
      N_("Meta found the format not valid: check the placeholders (numbered in order, not at the "
         "start or the end, with an example each) and the buttons, then submit again.") },
    { "ABUSIVE_CONTENT", "body",
      N_("Meta found the text abusive: rewrite the body in a friendly, factual way.") },
    { "SCAM", "body",
      N_("Meta took the text for a scam: say plainly who you are and what the customer gets.") },
    { "INCORRECT_CATEGORY", "category",
      N_("Meta says the category does not fit the message: choose Marketing for offers and news, "
         "Utility for orders and bookings.") },
    { "TAG_CONTENT_MISMATCH", "category",
      N_("Meta says the category does not fit the message: choose Marketing for offers and news, "
         "Utility for orders and bookings.") },
    { "PROMOTIONAL", "category",
      N_("Meta found promotion in a Utility template: choose Marketing, or take the offer out of the "
         "text.") },
  };

  if (field != NULL)
    *field = NULL;
  if (reason == NULL || *reason == '\0' || g_ascii_strcasecmp (reason, "NONE") == 0)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (g_ascii_strcasecmp (reason, reasons[i].reason) == 0)
      {
        if (field != NULL)
          *field = reasons[i].field;
        return g_strdup (_(reasons[i].text));
      }

  if (field != NULL)
    *field = "body";
  /* Translators: %s is Meta's reason, such as LIMIT_EXCEEDED */
  return g_strdup_printf (_("Meta rejected it (%s): change the text and submit again."), reason);
}

guint
wabiz_template_count_params (const char *text)
{
  g_return_val_if_fail (text != NULL, 0);

  return wabiz_template_count_placeholders (text);
}

char *
wabiz_template_fill (const char         *text,
                     const char * const *params)
{
  g_return_val_if_fail (text != NULL, NULL);

  return wabiz_template_fill_placeholders (text, params);
}

/* listing */

/* Whether a send of @self needs nothing but body values, positional */
static gboolean
body_only (WabizTemplate *self)
{
  if (self->param_names != NULL || wabiz_template_header_takes_value (self))
    return FALSE;
  for (guint i = 0; i < self->buttons->len; i++)
    if (wabiz_template_button_takes_value (g_ptr_array_index (self->buttons, i)))
      return FALSE;
  return *self->body != '\0';
}

static void
return_list (GTask         *task,
             WabizDbResult *res)
{
  g_autoptr(GListStore) store = NULL;
  gboolean all = GPOINTER_TO_INT (g_task_get_task_data (task));

  store = g_list_store_new (WABIZ_TYPE_TEMPLATE);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      g_autoptr(WabizTemplate) template = wabiz_template_new_from_result (res, i);

      if (*template->body != '\0' && (all || body_only (template)))
        g_list_store_append (store, template);
    }
  g_task_return_pointer (task, g_steal_pointer (&store), g_object_unref);
}

static void
list_approved (WabizDb             *db,
               gboolean             all,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, GINT_TO_POINTER (all), NULL);
  wabiz_db_query_for_task (db,
                           "SELECT " WABIZ_TEMPLATE_COLUMNS
                           " FROM templates WHERE status = 'APPROVED'"
                           " ORDER BY name, language LIMIT 1000",
                           0, NULL, g_steal_pointer (&task), return_list);
}

static GListModel *
list_finish (GAsyncResult  *result,
             gpointer       source_tag,
             GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_template_list_sendable_async (WabizDb             *db,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  list_approved (db, FALSE, wabiz_template_list_sendable_async, cancellable, callback, user_data);
}

GListModel *
wabiz_template_list_sendable_finish (GAsyncResult  *result,
                                     GError       **error)
{
  return list_finish (result, wabiz_template_list_sendable_async, error);
}

void
wabiz_template_list_approved_async (WabizDb             *db,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  list_approved (db, TRUE, wabiz_template_list_approved_async, cancellable, callback, user_data);
}

GListModel *
wabiz_template_list_approved_finish (GAsyncResult  *result,
                                     GError       **error)
{
  return list_finish (result, wabiz_template_list_approved_async, error);
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
  g_autoptr(JsonArray) ids = json_array_new ();
  g_autoptr(JsonNode) ids_node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(WabizDbResult) removed = NULL;
  g_autofree char *ids_text = NULL;
  const char *remove_params[1];

  for (guint i = 0; i < json_array_get_length (sync->templates); i++)
    {
      JsonNode *node = json_array_get_element (sync->templates, i);
      g_autoptr(WabizDbResult) res = NULL;
      g_autofree char *components = NULL;
      JsonObject *t;
      JsonArray *array;
      JsonNode *quality;
      const char *quality_score = NULL;
      const char *reason;
      const char *params[11];

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      t = json_node_get_object (node);
      if (wabiz_json_string_member (t, "name") == NULL ||
          wabiz_json_string_member (t, "language") == NULL)
        continue;

      array = wabiz_json_array_member (t, "components");
      if (array != NULL)
        {
          g_autoptr(JsonNode) copy = json_node_new (JSON_NODE_ARRAY);

          json_node_set_array (copy, array);
          components = json_to_string (copy, FALSE);
        }
      quality = json_object_get_member (t, "quality_score");
      if (quality != NULL && JSON_NODE_HOLDS_OBJECT (quality))
        quality_score = wabiz_json_string_member (json_node_get_object (quality), "score");
      else
        quality_score = wabiz_json_string_member (t, "quality_score");
      reason = wabiz_json_string_member (t, "rejected_reason");
      if (reason != NULL && g_ascii_strcasecmp (reason, "NONE") == 0)
        reason = NULL;
      if (wabiz_json_string_member (t, "id") != NULL)
        json_array_add_string_element (ids, wabiz_json_string_member (t, "id"));

      params[0] = wabiz_json_string_member (t, "name");
      params[1] = wabiz_json_string_member (t, "language");
      params[2] = wabiz_json_string_member (t, "category");
      params[3] = wabiz_json_string_member (t, "status");
      params[4] = wabiz_json_string_member (t, "id");
      params[5] = components != NULL ? components : "[]";
      params[6] = wabiz_json_string_member (find_component (array, "BODY"), "text");
      params[7] = wabiz_json_string_member (find_component (array, "FOOTER"), "text");
      params[8] = wabiz_json_string_member (t, "parameter_format");
      params[9] = quality_score;
      params[10] = reason;
      /* only what differs is written: updated_at says when it changed */
      res = wabiz_db_conn_exec (conn,
                                "INSERT INTO templates (name, language, category, status, meta_id,"
                                "  components, body_text, footer_text, parameter_format, quality_score,"
                                "  rejected_reason)"
                                " VALUES ($1, $2, $3, coalesce($4, 'PENDING'), $5, $6::jsonb, $7, $8,"
                                "  coalesce($9, 'POSITIONAL'), $10, $11)"
                                " ON CONFLICT (name, language) DO UPDATE SET"
                                "  category = coalesce(excluded.category, templates.category),"
                                "  status = excluded.status,"
                                "  meta_id = coalesce(excluded.meta_id, templates.meta_id),"
                                "  components = excluded.components, body_text = excluded.body_text,"
                                "  footer_text = excluded.footer_text,"
                                "  parameter_format = excluded.parameter_format,"
                                "  quality_score = coalesce(excluded.quality_score, templates.quality_score),"
                                "  rejected_reason = CASE WHEN excluded.status = 'REJECTED'"
                                "    THEN coalesce(excluded.rejected_reason, templates.rejected_reason) END,"
                                "  updated_at = now()"
                                " WHERE (templates.category, templates.status, templates.meta_id,"
                                "        templates.components, templates.body_text, templates.footer_text,"
                                "        templates.parameter_format, templates.quality_score,"
                                "        templates.rejected_reason)"
                                "   IS DISTINCT FROM"
                                "       (coalesce(excluded.category, templates.category), excluded.status,"
                                "        coalesce(excluded.meta_id, templates.meta_id), excluded.components,"
                                "        excluded.body_text, excluded.footer_text, excluded.parameter_format,"
                                "        coalesce(excluded.quality_score, templates.quality_score),"
                                "        CASE WHEN excluded.status = 'REJECTED'"
                                "          THEN coalesce(excluded.rejected_reason, templates.rejected_reason) END)",
                                G_N_ELEMENTS (params), params, error);
      if (res == NULL)
        return FALSE;
      sync->stored++;
    }

  /* what Meta no longer has (deleted elsewhere) goes; rows Meta never
   * named (written here before any sync) stay */
  json_node_set_array (ids_node, ids);
  ids_text = json_to_string (ids_node, FALSE);
  remove_params[0] = ids_text;
  removed = wabiz_db_conn_exec (conn,
                                "DELETE FROM templates WHERE meta_id IS NOT NULL"
                                " AND meta_id <> ALL (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))",
                                1, remove_params, error);
  if (removed == NULL)
    return FALSE;

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

/* deletion */

static gboolean
delete_in_transaction (WabizDbConn  *conn,
                       gpointer      data,
                       GError      **error)
{
  const char *params[] = { data };
  g_autoptr(WabizDbResult) res = NULL;

  res = wabiz_db_conn_exec (conn, "DELETE FROM templates WHERE name = $1", 1, params, error);
  if (res == NULL)
    return FALSE;
  return wabiz_store_notify_on_conn (conn, "templates", NULL, NULL, error);
}

static void
delete_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;

  if (wabiz_db_conn_transaction (conn, delete_in_transaction, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
deleted_at_meta_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizDb *db = g_task_get_source_object (task);
  GError *error = NULL;

  if (!wabiz_graph_client_delete_template_finish (WABIZ_GRAPH_CLIENT (object), result, &error))
    {
      /* gone at Meta already: it goes here too */
      if (!g_error_matches (error, WABIZ_GRAPH_ERROR, 100) ||
          wabiz_graph_error_get_subcode (error) != 2593002)
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_error (&error);
    }
  wabiz_db_run_in_thread (db, g_steal_pointer (&task), delete_job);
}

void
wabiz_template_delete_async (WabizDb             *db,
                             WabizGraphClient    *graph,
                             const char          *name,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (graph));
  g_return_if_fail (name != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_template_delete_async);
  g_task_set_task_data (task, g_strdup (name), g_free);
  wabiz_graph_client_delete_template_async (graph, name, NULL, cancellable, deleted_at_meta_cb,
                                            g_steal_pointer (&task));
}

gboolean
wabiz_template_delete_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_template_delete_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
