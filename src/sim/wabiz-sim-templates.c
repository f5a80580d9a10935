/* wabiz-sim-templates.c
 *
 * SPDX-License-Identifier: MIT
 *
 * /{version}/{waba-id}/message_templates (list with cursors, create,
 * delete) and /{version}/{template-id} (get, edit). New templates are
 * PENDING; after `template_review_delay_ms` a review rule approves or
 * rejects them and a signed `message_template_status_update` webhook
 * tells the business.
 */

#define G_LOG_DOMAIN "wabiz-sim-templates"

#include "config.h"

#include "wabiz-sim-server-private.h"

#include <stdarg.h>
#include <string.h>

#define DEFAULT_PAGE_SIZE 25
#define MAX_PAGE_SIZE     1000
#define CURSOR_PREFIX     "wabiz-sim-cursor:"

typedef struct
{
  const char *id;
  const char *name;
  const char *language;
  const char *category;
  const char *status;
  const char *parameter_format;
  const char *components;     /* JSON */
} TemplateSeed;

/* Meta's own sample, and a few approved ones tests can fill in. Ids
 * line up with the fixtures where the fixtures have them. */
static const TemplateSeed seeds[] = {
  { "778812045530100", "hello_world", "en_US", "UTILITY", "APPROVED", "POSITIONAL",
    "[{\"type\":\"BODY\",\"text\":\"Hello World\"},"
    "{\"type\":\"FOOTER\",\"text\":\"WhatsApp Business Platform sample message\"}]" },
  { "778812045530211", "order_ready", "en_US", "UTILITY", "APPROVED", "POSITIONAL",
    "[{\"type\":\"BODY\",\"text\":\"Hi {{1}}, your order {{2}} is ready.\","
    "\"example\":{\"body_text\":[[\"Maria\",\"#4521\"]]}},"
    "{\"type\":\"BUTTONS\",\"buttons\":[{\"type\":\"QUICK_REPLY\",\"text\":\"On my way\"}]}]" },
  { "778812045530212", "order_ready", "pt_BR", "UTILITY", "APPROVED", "POSITIONAL",
    "[{\"type\":\"BODY\",\"text\":\"Ol\\u00e1 {{1}}, seu pedido {{2}} est\\u00e1 pronto "
    "para retirada.\",\"example\":{\"body_text\":[[\"Jo\\u00e3o\",\"#4521\"]]}}]" },
  { "778812045530213", "order_tracking", "en_US", "UTILITY", "APPROVED", "POSITIONAL",
    "[{\"type\":\"HEADER\",\"format\":\"TEXT\",\"text\":\"Order {{1}}\","
    "\"example\":{\"header_text\":[\"#4521\"]}},"
    "{\"type\":\"BODY\",\"text\":\"Your order {{1}} has shipped and arrives {{2}}. Thank you!\","
    "\"example\":{\"body_text\":[[\"#4521\",\"tomorrow\"]]}},"
    "{\"type\":\"BUTTONS\",\"buttons\":[{\"type\":\"URL\",\"text\":\"Track order\","
    "\"url\":\"https://shop.example/t/{{1}}\",\"example\":[\"https://shop.example/t/4521\"]}]}]" },
  { "778812045530214", "weekend_offer", "en_US", "MARKETING", "APPROVED", "POSITIONAL",
    "[{\"type\":\"HEADER\",\"format\":\"IMAGE\","
    "\"example\":{\"header_handle\":[\"4::aW1hZ2UvanBlZw==:sim\"]}},"
    "{\"type\":\"BODY\",\"text\":\"This weekend only: {{1}}% off all pastries. See you soon!\","
    "\"example\":{\"body_text\":[[\"15\"]]}},"
    "{\"type\":\"FOOTER\",\"text\":\"Reply STOP to opt out\"}]" },
  { "778812045530299", "summer_promo_2024", "pt_BR", "MARKETING", "REJECTED", "POSITIONAL",
    "[{\"type\":\"BODY\",\"text\":\"{{1}}% off all pastries this weekend!\","
    "\"example\":{\"body_text\":[[\"15\"]]}}]" },
  { "778812045530305", "appointment_reminder", "en_US", "UTILITY", "APPROVED", "NAMED",
    "[{\"type\":\"BODY\",\"text\":\"Hi {{first_name}}, reminder: your table is booked for "
    "{{when}}.\",\"example\":{\"body_text_named_params\":["
    "{\"param_name\":\"first_name\",\"example\":\"Maria\"},"
    "{\"param_name\":\"when\",\"example\":\"Friday 7pm\"}]}}]" },
};

static const char * const template_statuses[] = {
  "APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION",
  "DELETED", "LIMIT_EXCEEDED", "ARCHIVED", "FLAGGED", "REINSTATED", NULL
};

void
_wabiz_sim_template_free (WabizSimTemplate *tpl)
{
  wabiz_sim_source_clear (&tpl->review);
  g_clear_pointer (&tpl->components, json_array_unref);
  g_free (tpl->id);
  g_free (tpl->name);
  g_free (tpl->language);
  g_free (tpl->category);
  g_free (tpl->status);
  g_free (tpl->reason);
  g_free (tpl->parameter_format);
  g_free (tpl);
}

JsonObject *
_wabiz_sim_template_get_component (WabizSimTemplate *tpl,
                                   const char       *type)
{
  for (guint i = 0; i < json_array_get_length (tpl->components); i++)
    {
      JsonObject *component = json_array_get_object_element (tpl->components, i);
      const char *component_type = wabiz_sim_object_get_string (component, "type");

      if (component_type != NULL && g_ascii_strcasecmp (component_type, type) == 0)
        return component;
    }

  return NULL;
}

/* Collects the distinct {{…}} variables of @text: positional numbers
 * into @numbers, names into @names. Returns FALSE on a malformed one. */
static gboolean
scan_variables (const char *text,
                GArray     *numbers,
                GPtrArray  *names)
{
  const char *p = text;

  while ((p = strstr (p, "{{")) != NULL)
    {
      const char *end = strstr (p + 2, "}}");
      g_autofree char *inner = NULL;
      guint64 number;

      if (end == NULL)
        return FALSE;

      inner = g_strstrip (g_strndup (p + 2, end - p - 2));
      if (g_ascii_string_to_unsigned (inner, 10, 1, 1000, &number, NULL))
        {
          guint value = number;
          gboolean seen = FALSE;

          for (guint i = 0; i < numbers->len; i++)
            seen |= g_array_index (numbers, guint, i) == value;
          if (!seen)
            g_array_append_val (numbers, value);
        }
      else
        {
          if (*inner == '\0')
            return FALSE;
          for (const char *c = inner; *c != '\0'; c++)
            {
              if (!(g_ascii_islower (*c) || g_ascii_isdigit (*c) || *c == '_'))
                return FALSE;
            }
          if (!g_ptr_array_find_with_equal_func (names, inner, g_str_equal, NULL))
            g_ptr_array_add (names, g_steal_pointer (&inner));
        }

      p = end + 2;
    }

  return TRUE;
}

/**
 * _wabiz_sim_template_count_params:
 * @named_out: (nullable): receives the names of a NAMED template
 *
 * Returns: how many parameters the component's text takes
 */
guint
_wabiz_sim_template_count_params (WabizSimTemplate *tpl,
                                  const char       *component_type,
                                  GPtrArray        *named_out)
{
  JsonObject *component = _wabiz_sim_template_get_component (tpl, component_type);
  const char *text = wabiz_sim_object_get_string (component, "text");
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (text == NULL || !scan_variables (text, numbers, names))
    return 0;

  if (named_out != NULL)
    {
      for (guint i = 0; i < names->len; i++)
        g_ptr_array_add (named_out, g_strdup (g_ptr_array_index (names, i)));
    }

  return numbers->len + names->len;
}

static WabizSimTemplate *
add_template (WabizSimServer *self,
              const char     *id,
              const char     *name,
              const char     *language,
              const char     *category,
              const char     *status,
              const char     *parameter_format,
              JsonArray      *components)
{
  WabizSimTemplate *tpl = g_new0 (WabizSimTemplate, 1);

  tpl->server = self;
  tpl->seq = ++self->template_seq;
  tpl->id = g_strdup (id);
  tpl->name = g_strdup (name);
  tpl->language = g_strdup (language);
  tpl->category = g_strdup (category);
  tpl->status = g_strdup (status);
  tpl->parameter_format = g_strdup (parameter_format);
  tpl->components = json_array_ref (components);
  g_ptr_array_add (self->templates, tpl);

  return tpl;
}

void
_wabiz_sim_server_seed_templates (WabizSimServer *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;

      node = wabiz_sim_parse_json (seeds[i].components, strlen (seeds[i].components), &error);
      g_assert_no_error (error);
      g_assert (JSON_NODE_HOLDS_ARRAY (node));

      add_template (self, seeds[i].id, seeds[i].name, seeds[i].language, seeds[i].category,
                    seeds[i].status, seeds[i].parameter_format, json_node_get_array (node));
    }
}

WabizSimTemplate *
_wabiz_sim_server_find_template (WabizSimServer *self,
                                 const char     *name,
                                 const char     *language)
{
  for (guint i = 0; i < self->templates->len; i++)
    {
      WabizSimTemplate *tpl = g_ptr_array_index (self->templates, i);

      if (g_str_equal (tpl->name, name) && g_str_equal (tpl->language, language))
        return tpl;
    }

  return NULL;
}

WabizSimTemplate *
_wabiz_sim_server_find_template_by_id (WabizSimServer *self,
                                       const char     *id)
{
  for (guint i = 0; i < self->templates->len; i++)
    {
      WabizSimTemplate *tpl = g_ptr_array_index (self->templates, i);

      if (g_str_equal (tpl->id, id))
        return tpl;
    }

  return NULL;
}

static JsonObject *
serialize_template (WabizSimTemplate  *tpl,
                  const char * const *fields)
{
  JsonObject *object = json_object_new ();

#define WANTS(field) (fields == NULL || g_strv_contains (fields, field))

  if (WANTS ("name"))
    json_object_set_string_member (object, "name", tpl->name);
  if (WANTS ("parameter_format"))
    json_object_set_string_member (object, "parameter_format", tpl->parameter_format);
  if (WANTS ("components"))
    json_object_set_array_member (object, "components", json_array_ref (tpl->components));
  if (WANTS ("language"))
    json_object_set_string_member (object, "language", tpl->language);
  if (WANTS ("status"))
    json_object_set_string_member (object, "status", tpl->status);
  if (WANTS ("category"))
    json_object_set_string_member (object, "category", tpl->category);
  if (fields != NULL && g_strv_contains (fields, "rejected_reason"))
    json_object_set_string_member (object, "rejected_reason",
                                   tpl->reason != NULL ? tpl->reason : "NONE");
  if (fields != NULL && g_strv_contains (fields, "quality_score"))
    {
      JsonObject *quality = json_object_new ();

      json_object_set_string_member (quality, "score",
                                     g_str_equal (tpl->status, "APPROVED") ? "GREEN" : "UNKNOWN");
      json_object_set_object_member (object, "quality_score", quality);
    }
  json_object_set_string_member (object, "id", tpl->id);

#undef WANTS

  return object;
}

static void
send_status_webhook (WabizSimServer   *self,
                     WabizSimTemplate *tpl,
                     const char       *event)
{
  JsonObject *value = json_object_new ();
  g_autoptr(JsonNode) envelope = NULL;

  json_object_set_string_member (value, "event", event);
  json_object_set_int_member (value, "message_template_id",
                              g_ascii_strtoll (tpl->id, NULL, 10));
  json_object_set_string_member (value, "message_template_name", tpl->name);
  json_object_set_string_member (value, "message_template_language", tpl->language);
  json_object_set_string_member (value, "reason", tpl->reason != NULL ? tpl->reason : "NONE");

  envelope = _wabiz_sim_server_wrap_value (self, "message_template_status_update", value, TRUE);
  _wabiz_sim_server_deliver (self, envelope, 0);
}

static void
set_status (WabizSimServer   *self,
            WabizSimTemplate *tpl,
            const char       *status,
            const char       *reason)
{
  wabiz_sim_source_clear (&tpl->review);
  wabiz_sim_set_str (&tpl->status, status);
  wabiz_sim_set_str (&tpl->reason, reason);

  g_debug ("Template %s is now %s", tpl->id, status);
  send_status_webhook (self, tpl, status);
}

static gboolean
review_cb (gpointer user_data)
{
  WabizSimTemplate *tpl = user_data;
  WabizSimServer *self = tpl->server;
  WabizSimConfig *config = &self->config;
  gboolean reject;

  g_clear_pointer (&tpl->review, g_source_unref);

  switch (config->template_review)
    {
    case WABIZ_SIM_REVIEW_APPROVE:
      reject = FALSE;
      break;

    case WABIZ_SIM_REVIEW_REJECT:
      reject = TRUE;
      break;

    case WABIZ_SIM_REVIEW_AUTO:
    case WABIZ_SIM_REVIEW_MANUAL:
    default:
      reject = strstr (tpl->name, config->template_reject_pattern) != NULL;
      break;
    }

  if (reject)
    set_status (self, tpl, "REJECTED", config->template_reject_reason);
  else
    set_status (self, tpl, "APPROVED", NULL);

  return G_SOURCE_REMOVE;
}

static void
start_review (WabizSimServer   *self,
              WabizSimTemplate *tpl)
{
  wabiz_sim_source_clear (&tpl->review);
  wabiz_sim_set_str (&tpl->status, "PENDING");
  g_clear_pointer (&tpl->reason, g_free);

  if (self->config.template_review != WABIZ_SIM_REVIEW_MANUAL)
    tpl->review = wabiz_sim_timeout_source_new (self->config.template_review_delay_ms,
                                                review_cb, tpl, NULL);
}

/* Validation of a new template, as Meta does at creation time. */

G_GNUC_PRINTF (3, 4)
static gboolean
fail (WabizSimGraphError *error,
      gint64              subcode,
      const char         *format,
      ...)
{
  va_list args;

  error->code = 100;
  error->subcode = subcode;
  va_start (args, format);
  error->user_msg = g_strdup_vprintf (format, args);
  va_end (args);
  error->details = g_strdup (error->user_msg);

  return FALSE;
}

static gboolean
is_valid_name (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > 512)
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_'))
        return FALSE;
    }

  return TRUE;
}

static gboolean
is_valid_language (const char *language)
{
  gsize len = strlen (language);
  gsize i = 0;

  while (i < len && g_ascii_islower (language[i]))
    i++;
  if (i < 2 || i > 3)
    return FALSE;
  if (i == len)
    return TRUE;

  return len == i + 3 && language[i] == '_' &&
         g_ascii_isupper (language[i + 1]) && g_ascii_isupper (language[i + 2]);
}

static gboolean
validate_body (JsonObject          *body,
               gboolean             named,
               WabizSimGraphError  *error)
{
  const char *text = wabiz_sim_object_get_string (body, "text");
  JsonObject *example = wabiz_sim_object_get_object (body, "example");
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *trimmed = NULL;
  guint n_vars;

  if (text == NULL || *text == '\0')
    return fail (error, 2388043, "The BODY component needs a text.");
  if (g_utf8_strlen (text, -1) > 1024)
    return fail (error, 2388043, "The BODY text is longer than 1024 characters.");
  if (!scan_variables (text, numbers, names))
    return fail (error, 2388043, "The BODY text has a malformed variable.");

  if (named ? numbers->len > 0 : names->len > 0)
    return fail (error, 2388043, "The BODY text mixes variable styles; this template's "
                 "parameter_format is %s.", named ? "NAMED" : "POSITIONAL");

  n_vars = numbers->len + names->len;
  for (guint i = 0; i < numbers->len; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < numbers->len; j++)
        found |= g_array_index (numbers, guint, j) == i + 1;
      if (!found)
        return fail (error, 2388043, "The BODY variables must be numbered {{1}} to {{%u}} "
                     "without gaps.", numbers->len);
    }

  trimmed = g_strstrip (g_strdup (text));
  if (n_vars > 0 &&
      (g_str_has_prefix (trimmed, "{{") ||
       (g_str_has_suffix (trimmed, "}}") ||
        g_str_has_suffix (trimmed, "}}.") || g_str_has_suffix (trimmed, "}}!") ||
        g_str_has_suffix (trimmed, "}}?"))))
    return fail (error, 2388299, "Variables can't be at the start or end of the template.");

  if (n_vars > 0)
    {
      JsonArray *body_text = wabiz_sim_object_get_array (example, "body_text");
      JsonArray *named_params = wabiz_sim_object_get_array (example, "body_text_named_params");
      guint n_examples = 0;

      if (named && named_params != NULL)
        n_examples = json_array_get_length (named_params);
      else if (!named && body_text != NULL && json_array_get_length (body_text) > 0 &&
               JSON_NODE_HOLDS_ARRAY (json_array_get_element (body_text, 0)))
        n_examples = json_array_get_length (json_array_get_array_element (body_text, 0));

      if (n_examples != n_vars)
        return fail (error, 2388043, "The BODY has %u variable(s) but %u example value(s).",
                     n_vars, n_examples);
    }

  return TRUE;
}

static gboolean
validate_buttons (JsonObject          *component,
                  WabizSimGraphError  *error)
{
  JsonArray *buttons = wabiz_sim_object_get_array (component, "buttons");
  guint n_url = 0;
  guint n_phone = 0;
  guint n_groups = 0;
  gboolean last_quick = FALSE;
  guint n;

  if (buttons == NULL || json_array_get_length (buttons) == 0)
    return fail (error, 2388043, "The BUTTONS component needs buttons.");

  n = json_array_get_length (buttons);
  if (n > 10)
    return fail (error, 2388043, "A template has at most 10 buttons.");

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (buttons, i);
      JsonObject *button;
      const char *type;
      const char *text;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fail (error, 2388043, "Button %u is not an object.", i);
      button = json_node_get_object (node);
      type = wabiz_sim_object_get_string (button, "type");
      text = wabiz_sim_object_get_string (button, "text");

      if (type == NULL)
        return fail (error, 2388043, "Button %u has no type.", i);
      /* quick replies together, the others together */
      if (i == 0 || last_quick != (g_ascii_strcasecmp (type, "QUICK_REPLY") == 0))
        n_groups++;
      last_quick = g_ascii_strcasecmp (type, "QUICK_REPLY") == 0;
      if (n_groups > 2)
        return fail (error, 2388043, "Quick reply buttons must be grouped together.");
      /* a copy-code button's label is Meta's own; it needs the code's example */
      if (g_ascii_strcasecmp (type, "COPY_CODE") == 0)
        {
          const char *example = wabiz_sim_object_get_string (button, "example");

          if (example == NULL || *example == '\0' || g_utf8_strlen (example, -1) > 15)
            return fail (error, 2388043, "Button %u needs an example code of at most 15 "
                         "characters.", i);
          continue;
        }
      if (text == NULL || *text == '\0' || g_utf8_strlen (text, -1) > 25)
        return fail (error, 2388043, "Button %u needs a text of at most 25 characters.", i);

      if (g_ascii_strcasecmp (type, "URL") == 0)
        {
          const char *url = wabiz_sim_object_get_string (button, "url");

          n_url++;
          if (url == NULL || strlen (url) > 2000 ||
              !(g_str_has_prefix (url, "https://") || g_str_has_prefix (url, "http://")))
            return fail (error, 2388043, "Button %u needs a URL of at most 2000 characters.", i);
        }
      else if (g_ascii_strcasecmp (type, "PHONE_NUMBER") == 0)
        {
          n_phone++;
          if (wabiz_sim_object_get_string (button, "phone_number") == NULL)
            return fail (error, 2388043, "Button %u needs a phone_number.", i);
        }
      else if (g_ascii_strcasecmp (type, "QUICK_REPLY") != 0 &&
               g_ascii_strcasecmp (type, "OTP") != 0 &&
               g_ascii_strcasecmp (type, "FLOW") != 0)
        {
          return fail (error, 2388043, "Button %u has an unknown type %s.", i, type);
        }
    }

  if (n_url > 2)
    return fail (error, 2388043, "A template has at most 2 URL buttons.");
  if (n_phone > 1)
    return fail (error, 2388043, "A template has at most 1 PHONE_NUMBER button.");

  return TRUE;
}

static gboolean
validate_components (WabizSimServer      *self,
                     JsonArray           *components,
                     gboolean             named,
                     WabizSimGraphError  *error)
{
  guint n_body = 0;

  if (components == NULL || json_array_get_length (components) == 0)
    return fail (error, 2388043, "Message template \"components\" param is missing.");

  for (guint i = 0; i < json_array_get_length (components); i++)
    {
      JsonNode *node = json_array_get_element (components, i);
      JsonObject *component;
      const char *type;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fail (error, 2388043, "Component %u is not an object.", i);
      component = json_node_get_object (node);
      type = wabiz_sim_object_get_string (component, "type");

      if (type == NULL)
        return fail (error, 2388043, "Component %u has no type.", i);

      if (g_ascii_strcasecmp (type, "BODY") == 0)
        {
          n_body++;
          if (!validate_body (component, named, error))
            return FALSE;
        }
      else if (g_ascii_strcasecmp (type, "HEADER") == 0)
        {
          const char *format = wabiz_sim_object_get_string (component, "format");

          if (format == NULL)
            return fail (error, 2388043, "The HEADER component needs a format.");
          if (g_ascii_strcasecmp (format, "TEXT") == 0)
            {
              const char *text = wabiz_sim_object_get_string (component, "text");
              g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint));
              g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

              if (text == NULL || *text == '\0' || g_utf8_strlen (text, -1) > 60)
                return fail (error, 2388043, "The HEADER text must have 1 to 60 characters.");
              if (!scan_variables (text, numbers, names) || numbers->len + names->len > 1)
                return fail (error, 2388043, "The HEADER text may have at most one variable.");
            }
          else if (g_ascii_strcasecmp (format, "IMAGE") == 0 ||
                   g_ascii_strcasecmp (format, "VIDEO") == 0 ||
                   g_ascii_strcasecmp (format, "DOCUMENT") == 0)
            {
              JsonObject *example = wabiz_sim_object_get_object (component, "example");
              JsonArray *handles = wabiz_sim_object_get_array (example, "header_handle");

              if (handles == NULL || json_array_get_length (handles) == 0)
                return fail (error, 2388043, "A media HEADER needs example.header_handle.");
              /* a handle of the Resumable Upload API, not a /media id */
              if (!_wabiz_sim_server_knows_handle (self,
                                                   json_array_get_string_element (handles, 0)))
                return fail (error, 2388043, "The header_handle is not a file uploaded with "
                             "the Resumable Upload API.");
            }
          else if (g_ascii_strcasecmp (format, "LOCATION") != 0)
            {
              return fail (error, 2388043, "Unknown HEADER format %s.", format);
            }
        }
      else if (g_ascii_strcasecmp (type, "FOOTER") == 0)
        {
          const char *text = wabiz_sim_object_get_string (component, "text");

          if (text == NULL || *text == '\0' || g_utf8_strlen (text, -1) > 60)
            return fail (error, 2388043, "The FOOTER text must have 1 to 60 characters.");
          if (strstr (text, "{{") != NULL)
            return fail (error, 2388043, "The FOOTER text may not have variables.");
        }
      else if (g_ascii_strcasecmp (type, "BUTTONS") == 0)
        {
          if (!validate_buttons (component, error))
            return FALSE;
        }
      else
        {
          return fail (error, 2388043, "Unknown component type %s.", type);
        }
    }

  if (n_body != 1)
    return fail (error, 2388043, "A template needs exactly one BODY component.");

  return TRUE;
}

/* Whether @category (nullable) is one Meta takes; if not, @msg is
 * answered with the error */
static gboolean
check_category (SoupServerMessage *msg,
                const char        *category)
{
  if (category != NULL &&
      (g_str_equal (category, "UTILITY") || g_str_equal (category, "MARKETING") ||
       g_str_equal (category, "AUTHENTICATION")))
    return TRUE;

  wabiz_sim_reply_graph_simple (msg, 100, "Param category must be one of {UTILITY, "
                                "MARKETING, AUTHENTICATION}.");
  return FALSE;
}

/* The request's body, a JSON object (@root holds it), or NULL once the
 * request is answered with an error */
static JsonObject *
read_body_object (SoupServerMessage  *msg,
                  JsonNode          **root)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  *root = wabiz_sim_parse_json (body->data, body->length, NULL);
  if (*root == NULL || !JSON_NODE_HOLDS_OBJECT (*root))
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The request body must be a JSON object.");
      return NULL;
    }
  return json_node_get_object (*root);
}

static void
reply_create (WabizSimServer    *self,
              SoupServerMessage *msg)
{
  g_auto(WabizSimGraphError) error = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *id = NULL;
  WabizSimTemplate *tpl;
  JsonObject *object;
  JsonArray *components;
  const char *name;
  const char *language;
  const char *category;
  const char *format;
  gboolean named;

  object = read_body_object (msg, &root);
  if (object == NULL)
    return;

  name = wabiz_sim_object_get_string (object, "name");
  language = wabiz_sim_object_get_string (object, "language");
  category = wabiz_sim_object_get_string (object, "category");
  format = wabiz_sim_object_get_string (object, "parameter_format");
  components = wabiz_sim_object_get_array (object, "components");

  if (name == NULL)
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The parameter name is required.");
      return;
    }
  if (!is_valid_name (name))
    {
      fail (&error, 0, "Template name can only contain lowercase letters, numbers and "
            "underscores, at most 512 characters.");
      wabiz_sim_reply_graph_error (msg, &error);
      return;
    }
  if (language == NULL || !is_valid_language (language))
    {
      wabiz_sim_reply_graph_simple (msg, 100, "Param language must be a language code such "
                                    "as en_US.");
      return;
    }
  if (!check_category (msg, category))
    return;
  if (format != NULL && !g_str_equal (format, "POSITIONAL") && !g_str_equal (format, "NAMED"))
    {
      wabiz_sim_reply_graph_simple (msg, 100, "Param parameter_format must be one of "
                                    "{POSITIONAL, NAMED}.");
      return;
    }

  named = g_strcmp0 (format, "NAMED") == 0;
  if (!validate_components (self, components, named, &error))
    {
      wabiz_sim_reply_graph_error (msg, &error);
      return;
    }

  tpl = _wabiz_sim_server_find_template (self, name, language);
  if (tpl != NULL)
    {
      error.code = 100;
      error.subcode = 2388024;
      error.user_title = g_strdup ("Content in this language already exists");
      error.user_msg = g_strdup_printf ("The template %s already has content in %s.",
                                        name, language);
      error.details = g_strdup (error.user_msg);
      wabiz_sim_reply_graph_error (msg, &error);
      return;
    }

  id = _wabiz_sim_server_new_object_id (self);
  tpl = add_template (self, id, name, language, category, "PENDING",
                      named ? "NAMED" : "POSITIONAL", components);
  start_review (self, tpl);

  g_debug ("Template %s created, PENDING", tpl->id);

  answer = json_object_new ();
  json_object_set_string_member (answer, "id", tpl->id);
  json_object_set_string_member (answer, "status", "PENDING");
  json_object_set_string_member (answer, "category", tpl->category);
  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
}

static void
reply_delete (WabizSimServer    *self,
              SoupServerMessage *msg,
              GHashTable        *query)
{
  const char *name = query != NULL ? g_hash_table_lookup (query, "name") : NULL;
  const char *hsm_id = query != NULL ? g_hash_table_lookup (query, "hsm_id") : NULL;
  guint removed = 0;

  if (name == NULL || *name == '\0')
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The parameter name is required.");
      return;
    }

  for (guint i = self->templates->len; i > 0; i--)
    {
      WabizSimTemplate *tpl = g_ptr_array_index (self->templates, i - 1);

      if (g_str_equal (tpl->name, name) && (hsm_id == NULL || g_str_equal (tpl->id, hsm_id)))
        {
          g_ptr_array_remove_index (self->templates, i - 1);
          removed++;
        }
    }

  if (removed == 0)
    {
      g_auto(WabizSimGraphError) error = { 0 };

      error.code = 100;
      error.subcode = 2593002;
      error.user_title = g_strdup ("Message template not found");
      error.details = g_strdup_printf ("No message template named %s%s.", name,
                                       hsm_id != NULL ? " with that hsm_id" : "");
      wabiz_sim_reply_graph_error (msg, &error);
      return;
    }

  wabiz_sim_reply_success (msg);
}

static char *
encode_cursor (WabizSimTemplate *tpl)
{
  g_autofree char *raw = g_strdup_printf (CURSOR_PREFIX "%" G_GUINT64_FORMAT, tpl->seq);

  return g_base64_encode ((const guchar *) raw, strlen (raw));
}

static gboolean
decode_cursor (const char *cursor,
               guint64    *seq)
{
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  raw = g_base64_decode (cursor, &len);
  if (raw == NULL || len <= strlen (CURSOR_PREFIX))
    return FALSE;

  text = g_strndup ((const char *) raw, len);
  if (!g_str_has_prefix (text, CURSOR_PREFIX))
    return FALSE;

  return g_ascii_string_to_unsigned (text + strlen (CURSOR_PREFIX), 10, 0, G_MAXUINT64,
                                     seq, NULL);
}

static gboolean
matches_filters (WabizSimTemplate *tpl,
                 GHashTable       *query)
{
  const char *name = g_hash_table_lookup (query, "name");
  const char *status = g_hash_table_lookup (query, "status");
  const char *category = g_hash_table_lookup (query, "category");
  const char *language = g_hash_table_lookup (query, "language");

  if (name != NULL && strstr (tpl->name, name) == NULL)
    return FALSE;
  if (status != NULL && g_ascii_strcasecmp (status, tpl->status) != 0)
    return FALSE;
  if (category != NULL && g_ascii_strcasecmp (category, tpl->category) != 0)
    return FALSE;
  if (language != NULL && !g_str_equal (language, tpl->language))
    return FALSE;

  return TRUE;
}

static char *
build_page_url (WabizSimServer *self,
                const char     *version,
                GHashTable     *query,
                guint           limit,
                const char     *direction,
                const char     *cursor)
{
  static const char * const kept[] = { "fields", "name", "status", "category", "language" };
  GString *url = g_string_new (self->base_url);

  g_string_append_printf (url, "/%s/%s/message_templates?", version, self->waba_id);
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      const char *value = g_hash_table_lookup (query, kept[i]);

      if (value != NULL)
        {
          g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

          g_string_append_printf (url, "%s=%s&", kept[i], escaped);
        }
    }
  g_string_append_printf (url, "limit=%u&%s=%s", limit, direction, cursor);

  return g_string_free (url, FALSE);
}

static void
reply_list (WabizSimServer    *self,
            SoupServerMessage *msg,
            const char        *version,
            GHashTable        *query)
{
  g_autoptr(GHashTable) empty = NULL;
  g_autoptr(GPtrArray) matching = g_ptr_array_new ();
  g_autoptr(JsonObject) root = json_object_new ();
  g_auto(GStrv) fields = NULL;
  const char *limit_text;
  const char *after;
  const char *before;
  const char *fields_text;
  guint64 limit = DEFAULT_PAGE_SIZE;
  guint64 cursor_seq = 0;
  guint start = 0;
  guint end;
  JsonArray *data;

  if (query == NULL)
    query = empty = g_hash_table_new (g_str_hash, g_str_equal);

  limit_text = g_hash_table_lookup (query, "limit");
  after = g_hash_table_lookup (query, "after");
  before = g_hash_table_lookup (query, "before");
  fields_text = g_hash_table_lookup (query, "fields");

  if (limit_text != NULL &&
      !g_ascii_string_to_unsigned (limit_text, 10, 1, MAX_PAGE_SIZE, &limit, NULL))
    {
      wabiz_sim_reply_graph_simple (msg, 100, "Param limit must be a number from 1 to %d.",
                                    MAX_PAGE_SIZE);
      return;
    }

  if ((after != NULL && !decode_cursor (after, &cursor_seq)) ||
      (before != NULL && !decode_cursor (before, &cursor_seq)))
    {
      wabiz_sim_reply_graph_simple (msg, 100, "The paging cursor is not valid.");
      return;
    }

  if (fields_text != NULL)
    {
      fields = g_strsplit (fields_text, ",", -1);
      for (guint i = 0; fields[i] != NULL; i++)
        g_strstrip (fields[i]);
    }

  for (guint i = 0; i < self->templates->len; i++)
    {
      WabizSimTemplate *tpl = g_ptr_array_index (self->templates, i);

      if (matches_filters (tpl, query))
        g_ptr_array_add (matching, tpl);
    }

  if (after != NULL)
    {
      while (start < matching->len &&
             ((WabizSimTemplate *) g_ptr_array_index (matching, start))->seq <= cursor_seq)
        start++;
      end = MIN (matching->len, start + limit);
    }
  else if (before != NULL)
    {
      end = 0;
      while (end < matching->len &&
             ((WabizSimTemplate *) g_ptr_array_index (matching, end))->seq < cursor_seq)
        end++;
      start = end > limit ? end - limit : 0;
    }
  else
    {
      end = MIN (matching->len, limit);
    }

  data = json_array_new ();
  for (guint i = start; i < end; i++)
    json_array_add_object_element (data, serialize_template (g_ptr_array_index (matching, i),
                                                           (const char * const *) fields));
  json_object_set_array_member (root, "data", data);

  if (end > start)
    {
      JsonObject *paging = json_object_new ();
      JsonObject *cursors = json_object_new ();
      g_autofree char *first = encode_cursor (g_ptr_array_index (matching, start));
      g_autofree char *last = encode_cursor (g_ptr_array_index (matching, end - 1));

      json_object_set_string_member (cursors, "before", first);
      json_object_set_string_member (cursors, "after", last);
      json_object_set_object_member (paging, "cursors", cursors);

      if (start > 0)
        {
          g_autofree char *url = build_page_url (self, version, query, limit, "before", first);

          json_object_set_string_member (paging, "previous", url);
        }
      if (end < matching->len)
        {
          g_autofree char *url = build_page_url (self, version, query, limit, "after", last);

          json_object_set_string_member (paging, "next", url);
        }

      json_object_set_object_member (root, "paging", paging);
    }

  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, root);
}

void
_wabiz_sim_server_handle_templates (WabizSimServer    *self,
                                    SoupServerMessage *msg,
                                    const char        *version,
                                    GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);

  if (method == SOUP_METHOD_GET)
    reply_list (self, msg, version, query);
  else if (method == SOUP_METHOD_POST)
    reply_create (self, msg);
  else if (method == SOUP_METHOD_DELETE)
    reply_delete (self, msg, query);
  else
    _wabiz_sim_reply_object_not_found (msg, self->waba_id);
}

void
_wabiz_sim_server_handle_template (WabizSimServer    *self,
                                   SoupServerMessage *msg,
                                   WabizSimTemplate  *tpl)
{
  const char *method = soup_server_message_get_method (msg);

  if (method == SOUP_METHOD_GET)
    {
      g_autoptr(JsonObject) object = serialize_template (tpl, NULL);

      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, object);
    }
  else if (method == SOUP_METHOD_POST)
    {
      g_auto(WabizSimGraphError) error = { 0 };
      g_autoptr(JsonNode) root = NULL;
      JsonObject *object;
      JsonArray *components;
      const char *category;

      object = read_body_object (msg, &root);
      if (object == NULL)
        return;

      components = wabiz_sim_object_get_array (object, "components");
      category = wabiz_sim_object_get_string (object, "category");

      if (components == NULL && category == NULL)
        {
          wabiz_sim_reply_graph_simple (msg, 100, "Nothing to edit: give components "
                                        "and/or category.");
          return;
        }
      if (components != NULL &&
          !validate_components (self, components, g_str_equal (tpl->parameter_format, "NAMED"),
                                &error))
        {
          wabiz_sim_reply_graph_error (msg, &error);
          return;
        }
      if (category != NULL && !check_category (msg, category))
        return;

      if (components != NULL)
        {
          g_clear_pointer (&tpl->components, json_array_unref);
          tpl->components = json_array_ref (components);
        }
      if (category != NULL)
        wabiz_sim_set_str (&tpl->category, category);

      /* An edit goes back to review. */
      start_review (self, tpl);
      wabiz_sim_reply_success (msg);
    }
  else
    {
      _wabiz_sim_reply_object_not_found (msg, tpl->id);
    }
}

/**
 * wabiz_sim_server_set_template_status:
 * @language: (nullable): one language, or all of them
 * @reason: (nullable): rejection reason; "NONE" when %NULL
 *
 * Moves a template to @status (APPROVED, REJECTED, PAUSED, DISABLED…)
 * and sends the `message_template_status_update` webhook, as Meta's
 * review or quality system would.
 */
gboolean
wabiz_sim_server_set_template_status (WabizSimServer  *self,
                                      const char      *name,
                                      const char      *language,
                                      const char      *status,
                                      const char      *reason,
                                      GError         **error)
{
  guint changed = 0;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), FALSE);

  if (name == NULL || status == NULL)
    {
      g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                           "name and status are required");
      return FALSE;
    }

  if (!g_strv_contains (template_statuses, status))
    {
      g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                   "“%s” is not a template status", status);
      return FALSE;
    }

  for (guint i = 0; i < self->templates->len; i++)
    {
      WabizSimTemplate *tpl = g_ptr_array_index (self->templates, i);

      if (g_str_equal (tpl->name, name) &&
          (language == NULL || g_str_equal (tpl->language, language)))
        {
          set_status (self, tpl, status, reason);
          changed++;
        }
    }

  if (changed == 0)
    {
      g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_NOT_FOUND,
                   "No template “%s”%s%s", name, language != NULL ? " in " : "",
                   language != NULL ? language : "");
      return FALSE;
    }

  return TRUE;
}
