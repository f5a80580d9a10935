/* wabiz-sim-messages.c
 *
 * SPDX-License-Identifier: MIT
 *
 * POST /{version}/{phone-number-id}/messages: validates a send like the
 * Cloud API does (error codes 100, 131008, 131009, 131026, 131047,
 * 130429, 132000, 132001, 132012, 132015, 132016, 132018), answers like
 * it, records every request in the ledger and plans the status webhooks
 * (sent → delivered → read, or failed) of accepted messages.
 *
 * With `send_latency_ms` Meta is slow to answer: the request is judged,
 * recorded in the ledger and its webhooks planned when it arrives, as
 * Meta takes it, but the HTTP answer leaves only that much later (and
 * the status webhooks after it). A client that gives up waiting has
 * still sent the message.
 */

#define G_LOG_DOMAIN "wabiz-sim-messages"

#include "config.h"

#include "wabiz-sim-server-private.h"

#include <stdarg.h>
#include <string.h>

#define ERRORS_HREF "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

typedef struct
{
  const char       *to;            /* (unowned) (nullable) as the client wrote it */
  char             *wa_id;         /* (owned) (nullable) */
  const char       *type;          /* (unowned) (nullable) message type, or "read" */
  gboolean          is_status;     /* mark as read / typing indicator */
  WabizSimTemplate *tpl;           /* (unowned) (nullable) */
  const char       *biz_opaque;    /* (unowned) (nullable) */
} SendRequest;

typedef enum
{
  STAGE_SENT,
  STAGE_DELIVERED,
  STAGE_READ,
  STAGE_FAILED,
} Stage;

static const char * const stage_names[] = { "sent", "delivered", "read", "failed" };

static const char * const message_types[] = {
  "text", "image", "video", "audio", "document", "sticker", "location", "contacts",
  "reaction", "interactive", "template", NULL
};

static const char * const top_level_keys[] = {
  "messaging_product", "recipient_type", "to", "type", "context", "biz_opaque_callback_data",
  NULL
};

static void
send_request_clear (SendRequest *send)
{
  g_clear_pointer (&send->wa_id, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SendRequest, send_request_clear)

G_GNUC_PRINTF (3, 4)
static gboolean
fail (WabizSimGraphError *error,
      gint64              code,
      const char         *format,
      ...)
{
  va_list args;

  g_assert (error->code == 0);

  error->code = code;
  va_start (args, format);
  error->details = g_strdup_vprintf (format, args);
  va_end (args);

  return FALSE;
}

static gboolean
check_keys (JsonObject          *object,
            const char          *param,
            const char * const  *allowed,
            const char          *extra,
            WabizSimGraphError  *error)
{
  JsonObjectIter iter;
  const char *key;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, NULL))
    {
      if (g_strv_contains (allowed, key) || g_strcmp0 (key, extra) == 0)
        continue;

      return fail (error, 100, "Unexpected key \"%s\" on param \"%s\".", key, param);
    }

  return TRUE;
}

static gboolean
node_is_object (JsonNode *node)
{
  return JSON_NODE_HOLDS_OBJECT (node);
}

static gboolean
node_is_array (JsonNode *node)
{
  return JSON_NODE_HOLDS_ARRAY (node);
}

/* The member @key of @object in @out, NULL where it is missing or null
 * (which fails where it is @required); it fails unless @is_kind holds,
 * saying that it must be @kind ("a string"). */
static gboolean
get_member (JsonObject          *object,
            const char          *param,
            const char          *key,
            gboolean             required,
            gboolean           (*is_kind) (JsonNode *node),
            const char          *kind,
            JsonNode           **out,
            WabizSimGraphError  *error)
{
  JsonNode *node = json_object_get_member (object, key);

  *out = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        return fail (error, 131008, "The parameter %s['%s'] is required.", param, key);
      return TRUE;
    }

  if (!is_kind (node))
    return fail (error, 100, "Param %s['%s'] must be %s.", param, key, kind);

  *out = node;
  return TRUE;
}

static gboolean
get_string (JsonObject          *object,
            const char          *param,
            const char          *key,
            gboolean             required,
            gboolean             allow_empty,
            guint                max_chars,
            const char         **out,
            WabizSimGraphError  *error)
{
  JsonNode *node;
  const char *value;

  *out = NULL;

  if (!get_member (object, param, key, required, wabiz_sim_node_is_string, "a string",
                   &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  value = json_node_get_string (node);
  if (!allow_empty && *value == '\0')
    return fail (error, 131009, "Param %s['%s'] must not be empty.", param, key);

  if (max_chars > 0 && g_utf8_strlen (value, -1) > max_chars)
    return fail (error, 131009, "Param %s['%s'] must be at most %u characters long.",
                 param, key, max_chars);

  *out = value;
  return TRUE;
}

static gboolean
get_object (JsonObject          *object,
            const char          *param,
            const char          *key,
            gboolean             required,
            JsonObject         **out,
            WabizSimGraphError  *error)
{
  JsonNode *node;

  if (!get_member (object, param, key, required, node_is_object, "an object", &node, error))
    return FALSE;

  *out = node != NULL ? json_node_get_object (node) : NULL;
  return TRUE;
}

static gboolean
get_array (JsonObject          *object,
           const char          *param,
           const char          *key,
           gboolean             required,
           JsonArray          **out,
           WabizSimGraphError  *error)
{
  JsonNode *node;

  if (!get_member (object, param, key, required, node_is_array, "an array", &node, error))
    return FALSE;

  *out = node != NULL ? json_node_get_array (node) : NULL;
  return TRUE;
}

/* Element @index of @array, named @param in errors, as an object. */
static gboolean
get_element_object (JsonArray           *array,
                    guint                index,
                    const char          *param,
                    JsonObject         **out,
                    WabizSimGraphError  *error)
{
  JsonNode *node = json_array_get_element (array, index);

  *out = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, 100, "Param %s must be an object.", param);

  *out = json_node_get_object (node);
  return TRUE;
}

static gboolean
is_http_url (const char *url)
{
  return g_str_has_prefix (url, "https://") || g_str_has_prefix (url, "http://");
}

static gboolean
media_fits_kind (const char *kind,
                 const char *mime_type)
{
  if (g_str_equal (kind, "image"))
    return g_str_equal (mime_type, "image/jpeg") || g_str_equal (mime_type, "image/png");
  if (g_str_equal (kind, "sticker"))
    return g_str_equal (mime_type, "image/webp");
  if (g_str_equal (kind, "video"))
    return g_str_has_prefix (mime_type, "video/");
  if (g_str_equal (kind, "audio"))
    return g_str_has_prefix (mime_type, "audio/");

  /* Meta sends any supported file as a document. */
  return TRUE;
}

/* {"id" | "link", ...} as in a media message or a template parameter. */
static gboolean
validate_media_object (WabizSimServer      *self,
                       const char          *kind,
                       const char          *param,
                       JsonObject          *media,
                       WabizSimGraphError  *error)
{
  const char *id;
  const char *link;

  if (!get_string (media, param, "id", FALSE, FALSE, 0, &id, error) ||
      !get_string (media, param, "link", FALSE, FALSE, 2000, &link, error))
    return FALSE;

  if (id != NULL && link != NULL)
    return fail (error, 131009, "Param %s must have either 'id' or 'link', not both.", param);
  if (id == NULL && link == NULL)
    return fail (error, 131008, "The parameter %s['id'] or %s['link'] is required.",
                 param, param);

  if (link != NULL && !is_http_url (link))
    return fail (error, 131009, "Param %s['link'] must be a valid http(s) URL.", param);

  if (id != NULL)
    {
      WabizSimMedia *item = g_hash_table_lookup (self->media, id);

      if (item == NULL)
        return fail (error, 131009, "Param %s['id'] is not a valid media id.", param);
      if (!media_fits_kind (kind, item->mime_type))
        return fail (error, 131053, "Media of type %s cannot be sent as %s.",
                     item->mime_type, kind);
    }

  return TRUE;
}

static gboolean
validate_text (JsonObject          *text,
               WabizSimGraphError  *error)
{
  static const char * const keys[] = { "body", "preview_url", NULL };
  const char *body;
  JsonNode *preview;

  if (!check_keys (text, "text", keys, NULL, error) ||
      !get_string (text, "text", "body", TRUE, FALSE, 4096, &body, error))
    return FALSE;

  preview = json_object_get_member (text, "preview_url");
  if (preview != NULL && !wabiz_sim_node_is_bool (preview))
    return fail (error, 100, "Param text['preview_url'] must be a boolean.");

  return TRUE;
}

static gboolean
validate_media (WabizSimServer      *self,
                const char          *type,
                JsonObject          *media,
                WabizSimGraphError  *error)
{
  static const char * const captioned_keys[] = { "id", "link", "caption", NULL };
  static const char * const document_keys[] = { "id", "link", "caption", "filename", NULL };
  static const char * const plain_keys[] = { "id", "link", NULL };
  const char * const *keys;
  const char *caption;
  const char *filename;

  if (g_str_equal (type, "image") || g_str_equal (type, "video"))
    keys = captioned_keys;
  else if (g_str_equal (type, "document"))
    keys = document_keys;
  else
    keys = plain_keys;

  if (!check_keys (media, type, keys, NULL, error) ||
      !get_string (media, type, "caption", FALSE, TRUE, 1024, &caption, error) ||
      !get_string (media, type, "filename", FALSE, FALSE, 240, &filename, error))
    return FALSE;

  return validate_media_object (self, type, type, media, error);
}

/* location[@key], a number from -@limit to @limit. */
static gboolean
check_coordinate (JsonObject          *location,
                  const char          *key,
                  int                  limit,
                  WabizSimGraphError  *error)
{
  JsonNode *node = json_object_get_member (location, key);
  double value;

  if (node == NULL)
    return fail (error, 131008, "The parameter location['%s'] is required.", key);
  if (!wabiz_sim_node_is_number (node))
    return fail (error, 100, "Param location['%s'] must be a number.", key);
  value = json_node_get_double (node);
  if (value < -limit || value > limit)
    return fail (error, 131009, "Param location['%s'] must be between -%d and %d.",
                 key, limit, limit);

  return TRUE;
}

static gboolean
validate_location (JsonObject          *location,
                   WabizSimGraphError  *error)
{
  static const char * const keys[] = { "latitude", "longitude", "name", "address", NULL };
  const char *text;

  if (!check_keys (location, "location", keys, NULL, error) ||
      !get_string (location, "location", "name", FALSE, TRUE, 1000, &text, error) ||
      !get_string (location, "location", "address", FALSE, TRUE, 1000, &text, error))
    return FALSE;

  if (!check_coordinate (location, "latitude", 90, error) ||
      !check_coordinate (location, "longitude", 180, error))
    return FALSE;

  return TRUE;
}

static gboolean
validate_contacts (JsonArray           *contacts,
                   WabizSimGraphError  *error)
{
  static const char * const keys[] = {
    "addresses", "birthday", "emails", "name", "org", "phones", "urls", NULL
  };
  guint n = json_array_get_length (contacts);

  if (n == 0)
    return fail (error, 131009, "Param contacts must not be empty.");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *param = g_strdup_printf ("contacts[%u]", i);
      JsonObject *contact;
      JsonObject *name;
      const char *formatted;

      if (!get_element_object (contacts, i, param, &contact, error))
        return FALSE;

      if (!check_keys (contact, param, keys, NULL, error) ||
          !get_object (contact, param, "name", TRUE, &name, error))
        return FALSE;

      g_free (param);
      param = g_strdup_printf ("contacts[%u]['name']", i);
      if (!get_string (name, param, "formatted_name", TRUE, FALSE, 0, &formatted, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
validate_reaction (JsonObject          *reaction,
                   WabizSimGraphError  *error)
{
  static const char * const keys[] = { "message_id", "emoji", NULL };
  const char *message_id;
  const char *emoji;

  if (!check_keys (reaction, "reaction", keys, NULL, error) ||
      !get_string (reaction, "reaction", "message_id", TRUE, FALSE, 0, &message_id, error) ||
      !get_string (reaction, "reaction", "emoji", TRUE, TRUE, 10, &emoji, error))
    return FALSE;

  return TRUE;
}

static gboolean
validate_reply_buttons (JsonObject          *action,
                        WabizSimGraphError  *error)
{
  g_autoptr(GHashTable) titles = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *buttons;
  guint n;

  if (!get_array (action, "interactive['action']", "buttons", TRUE, &buttons, error))
    return FALSE;

  n = json_array_get_length (buttons);
  if (n < 1 || n > 3)
    return fail (error, 131009, "Buttons count should be between 1 and 3, got %u.", n);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *param = g_strdup_printf ("interactive['action']['buttons'][%u]", i);
      JsonObject *button;
      JsonObject *reply;
      const char *type;
      const char *id;
      const char *title;

      if (!get_element_object (buttons, i, param, &button, error))
        return FALSE;

      if (!get_string (button, param, "type", TRUE, FALSE, 0, &type, error))
        return FALSE;
      if (!g_str_equal (type, "reply"))
        return fail (error, 131009, "Param %s['type'] must be 'reply'.", param);
      if (!get_object (button, param, "reply", TRUE, &reply, error))
        return FALSE;

      g_free (param);
      param = g_strdup_printf ("interactive['action']['buttons'][%u]['reply']", i);
      if (!get_string (reply, param, "id", TRUE, FALSE, 256, &id, error) ||
          !get_string (reply, param, "title", TRUE, FALSE, 0, &title, error))
        return FALSE;

      if (g_utf8_strlen (title, -1) > 20)
        return fail (error, 131009, "Button title length is too long. Max length is 20.");
      if (!g_hash_table_add (titles, (gpointer) title))
        return fail (error, 131009, "Button title must be unique.");
      if (!g_hash_table_add (ids, (gpointer) id))
        return fail (error, 131009, "Button id must be unique.");
    }

  return TRUE;
}

static gboolean
validate_list (JsonObject          *action,
               WabizSimGraphError  *error)
{
  const char *button;
  JsonArray *sections;
  guint n_sections;
  guint n_rows = 0;

  if (!get_string (action, "interactive['action']", "button", TRUE, FALSE, 0, &button, error))
    return FALSE;
  if (g_utf8_strlen (button, -1) > 20)
    return fail (error, 131009, "Button title length is too long. Max length is 20.");

  if (!get_array (action, "interactive['action']", "sections", TRUE, &sections, error))
    return FALSE;

  n_sections = json_array_get_length (sections);
  if (n_sections < 1 || n_sections > 10)
    return fail (error, 131009, "Sections count should be between 1 and 10, got %u.",
                 n_sections);

  for (guint i = 0; i < n_sections; i++)
    {
      g_autofree char *param = g_strdup_printf ("interactive['action']['sections'][%u]", i);
      JsonObject *section;
      JsonArray *rows;
      const char *title;

      if (!get_element_object (sections, i, param, &section, error))
        return FALSE;

      if (!get_string (section, param, "title", n_sections > 1, FALSE, 24, &title, error) ||
          !get_array (section, param, "rows", TRUE, &rows, error))
        return FALSE;

      for (guint j = 0; j < json_array_get_length (rows); j++)
        {
          g_autofree char *row_param = g_strdup_printf ("%s['rows'][%u]", param, j);
          JsonObject *row;
          const char *text;

          if (!get_element_object (rows, j, row_param, &row, error))
            return FALSE;

          if (!get_string (row, row_param, "id", TRUE, FALSE, 200, &text, error) ||
              !get_string (row, row_param, "title", TRUE, FALSE, 24, &text, error) ||
              !get_string (row, row_param, "description", FALSE, TRUE, 72, &text, error))
            return FALSE;

          n_rows++;
        }
    }

  if (n_rows < 1 || n_rows > 10)
    return fail (error, 131009, "Total row count should be between 1 and 10, got %u.", n_rows);

  return TRUE;
}

static gboolean
validate_cta_url (JsonObject          *action,
                  WabizSimGraphError  *error)
{
  const char *name;
  const char *display_text;
  const char *url;
  JsonObject *parameters;

  if (!get_string (action, "interactive['action']", "name", TRUE, FALSE, 0, &name, error))
    return FALSE;
  if (!g_str_equal (name, "cta_url"))
    return fail (error, 131009, "Param interactive['action']['name'] must be 'cta_url'.");

  if (!get_object (action, "interactive['action']", "parameters", TRUE, &parameters, error) ||
      !get_string (parameters, "interactive['action']['parameters']", "display_text",
                   TRUE, FALSE, 20, &display_text, error) ||
      !get_string (parameters, "interactive['action']['parameters']", "url",
                   TRUE, FALSE, 2000, &url, error))
    return FALSE;

  if (!is_http_url (url))
    return fail (error, 131009, "Param interactive['action']['parameters']['url'] must be "
                 "a valid http(s) URL.");

  return TRUE;
}

static gboolean
validate_interactive (WabizSimServer      *self,
                      JsonObject          *interactive,
                      WabizSimGraphError  *error)
{
  static const char * const keys[] = { "type", "header", "body", "footer", "action", NULL };
  static const char * const types[] = {
    "button", "list", "cta_url", "flow", "product", "product_list", "catalog_message",
    "location_request_message", "address_message", NULL
  };
  const char *type;
  const char *text;
  JsonObject *header;
  JsonObject *body;
  JsonObject *footer;
  JsonObject *action;

  if (!check_keys (interactive, "interactive", keys, NULL, error) ||
      !get_string (interactive, "interactive", "type", TRUE, FALSE, 0, &type, error))
    return FALSE;

  if (!g_strv_contains (types, type))
    return fail (error, 100, "Param interactive['type'] must be one of {BUTTON, LIST, "
                 "CTA_URL, FLOW, PRODUCT, PRODUCT_LIST, CATALOG_MESSAGE, "
                 "LOCATION_REQUEST_MESSAGE, ADDRESS_MESSAGE} - got \"%s\".", type);

  if (!get_object (interactive, "interactive", "body", !g_str_equal (type, "product"),
                   &body, error) ||
      !get_object (interactive, "interactive", "header", FALSE, &header, error) ||
      !get_object (interactive, "interactive", "footer", FALSE, &footer, error) ||
      !get_object (interactive, "interactive", "action", TRUE, &action, error))
    return FALSE;

  if (body != NULL &&
      !get_string (body, "interactive['body']", "text", TRUE, FALSE, 1024, &text, error))
    return FALSE;

  if (footer != NULL &&
      !get_string (footer, "interactive['footer']", "text", TRUE, FALSE, 60, &text, error))
    return FALSE;

  if (header != NULL)
    {
      const char *header_type;

      if (!get_string (header, "interactive['header']", "type", TRUE, FALSE, 0,
                       &header_type, error))
        return FALSE;

      if (g_str_equal (header_type, "text"))
        {
          if (!get_string (header, "interactive['header']", "text", TRUE, FALSE, 60,
                           &text, error))
            return FALSE;
        }
      else if (g_str_equal (header_type, "image") || g_str_equal (header_type, "video") ||
               g_str_equal (header_type, "document"))
        {
          JsonObject *media;
          g_autofree char *param = g_strdup_printf ("interactive['header']['%s']",
                                                    header_type);

          if (!g_str_equal (type, "button"))
            return fail (error, 131009, "Media headers are only allowed on button messages.");
          if (!get_object (header, "interactive['header']", header_type, TRUE, &media, error) ||
              !validate_media_object (self, header_type, param, media, error))
            return FALSE;
        }
      else
        {
          return fail (error, 100, "Param interactive['header']['type'] must be one of "
                       "{TEXT, IMAGE, VIDEO, DOCUMENT} - got \"%s\".", header_type);
        }
    }

  if (g_str_equal (type, "button"))
    return validate_reply_buttons (action, error);
  if (g_str_equal (type, "list"))
    return validate_list (action, error);
  if (g_str_equal (type, "cta_url"))
    return validate_cta_url (action, error);

  return TRUE;
}

static gboolean
validate_template_parameter (WabizSimServer      *self,
                             JsonObject          *parameter,
                             const char          *param,
                             WabizSimGraphError  *error)
{
  static const char * const types[] = {
    "text", "currency", "date_time", "image", "video", "document", "location", "payload",
    "coupon_code", "action", "product", NULL
  };
  const char *type;
  const char *text;

  if (!get_string (parameter, param, "type", TRUE, FALSE, 0, &type, error))
    return FALSE;

  if (!g_strv_contains (types, type))
    return fail (error, 100, "Param %s['type'] must be one of {TEXT, CURRENCY, DATE_TIME, "
                 "IMAGE, VIDEO, DOCUMENT, LOCATION, PAYLOAD, COUPON_CODE, ACTION, PRODUCT} "
                 "- got \"%s\".", param, type);

  if (g_str_equal (type, "text"))
    {
      if (!get_string (parameter, param, "text", TRUE, FALSE, 32768, &text, error))
        return FALSE;
      if (strchr (text, '\n') != NULL || strchr (text, '\t') != NULL ||
          strstr (text, "     ") != NULL)
        return fail (error, 132018, "Param text cannot have new-line/tab characters or more "
                     "than 4 consecutive spaces.");
    }
  else if (g_str_equal (type, "currency"))
    {
      JsonObject *currency;
      g_autofree char *sub = g_strdup_printf ("%s['currency']", param);

      if (!get_object (parameter, param, "currency", TRUE, &currency, error) ||
          !get_string (currency, sub, "fallback_value", TRUE, FALSE, 0, &text, error) ||
          !get_string (currency, sub, "code", TRUE, FALSE, 3, &text, error))
        return FALSE;
      if (!wabiz_sim_node_is_int (json_object_get_member (currency, "amount_1000")))
        return fail (error, 131008, "The parameter %s['amount_1000'] is required.", sub);
    }
  else if (g_str_equal (type, "date_time"))
    {
      JsonObject *date_time;
      g_autofree char *sub = g_strdup_printf ("%s['date_time']", param);

      if (!get_object (parameter, param, "date_time", TRUE, &date_time, error) ||
          !get_string (date_time, sub, "fallback_value", TRUE, FALSE, 0, &text, error))
        return FALSE;
    }
  else if (g_str_equal (type, "image") || g_str_equal (type, "video") ||
           g_str_equal (type, "document"))
    {
      JsonObject *media;
      g_autofree char *sub = g_strdup_printf ("%s['%s']", param, type);

      if (!get_object (parameter, param, type, TRUE, &media, error) ||
          !validate_media_object (self, type, sub, media, error))
        return FALSE;
    }
  else if (g_str_equal (type, "location"))
    {
      JsonObject *location;

      if (!get_object (parameter, param, "location", TRUE, &location, error) ||
          !validate_location (location, error))
        return FALSE;
    }
  else if (g_str_equal (type, "payload"))
    {
      if (!get_string (parameter, param, "payload", TRUE, FALSE, 1000, &text, error))
        return FALSE;
    }
  else if (g_str_equal (type, "coupon_code"))
    {
      if (!get_string (parameter, param, "coupon_code", TRUE, FALSE, 15, &text, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
validate_parameters (WabizSimServer      *self,
                     JsonArray           *parameters,
                     const char          *param,
                     WabizSimGraphError  *error)
{
  for (guint i = 0; parameters != NULL && i < json_array_get_length (parameters); i++)
    {
      g_autofree char *sub = g_strdup_printf ("%s['parameters'][%u]", param, i);
      JsonObject *parameter;

      if (!get_element_object (parameters, i, sub, &parameter, error) ||
          !validate_template_parameter (self, parameter, sub, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
check_body_parameters (WabizSimTemplate    *tpl,
                       JsonArray           *parameters,
                       WabizSimGraphError  *error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint expected = _wabiz_sim_template_count_params (tpl, "BODY", names);
  guint given = parameters != NULL ? json_array_get_length (parameters) : 0;

  if (given != expected)
    return fail (error, 132000, "body: number of localizable_params (%u) does not match the "
                 "expected number of params (%u)", given, expected);

  if (g_str_equal (tpl->parameter_format, "NAMED"))
    {
      for (guint i = 0; i < given; i++)
        {
          JsonObject *parameter = json_array_get_object_element (parameters, i);
          const char *name = wabiz_sim_object_get_string (parameter, "parameter_name");

          if (name == NULL)
            return fail (error, 131008, "The parameter body['parameters'][%u]"
                         "['parameter_name'] is required.", i);
          if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
            return fail (error, 132000, "body: parameter_name '%s' is not a parameter of "
                         "template %s", name, tpl->name);
        }
    }

  return TRUE;
}

static gboolean
check_header_parameters (WabizSimTemplate    *tpl,
                         JsonArray           *parameters,
                         WabizSimGraphError  *error)
{
  JsonObject *header = _wabiz_sim_template_get_component (tpl, "HEADER");
  const char *format = wabiz_sim_object_get_string (header, "format");
  guint given = parameters != NULL ? json_array_get_length (parameters) : 0;
  guint expected = 0;
  g_autofree char *wanted = NULL;

  if (header != NULL && (format == NULL || g_ascii_strcasecmp (format, "TEXT") == 0))
    expected = _wabiz_sim_template_count_params (tpl, "HEADER", NULL);
  else if (format != NULL)
    {
      expected = 1;
      wanted = g_ascii_strdown (format, -1);
    }

  if (given != expected)
    return fail (error, 132000, "header: number of localizable_params (%u) does not match "
                 "the expected number of params (%u)", given, expected);

  for (guint i = 0; i < given; i++)
    {
      JsonObject *parameter = json_array_get_object_element (parameters, i);
      const char *type = wabiz_sim_object_get_string (parameter, "type");

      if (wanted != NULL && g_strcmp0 (type, wanted) != 0)
        return fail (error, 132012, "header: parameter type %s does not match the template "
                     "header format %s", type, format);
      if (wanted == NULL && g_strcmp0 (type, "text") != 0 &&
          g_strcmp0 (type, "currency") != 0 && g_strcmp0 (type, "date_time") != 0)
        return fail (error, 132012, "header: parameter type %s does not match the template "
                     "header format TEXT", type);
    }

  return TRUE;
}

static gboolean
check_button_parameters (WabizSimTemplate    *tpl,
                         GHashTable          *given,
                         WabizSimGraphError  *error)
{
  JsonObject *component = _wabiz_sim_template_get_component (tpl, "BUTTONS");
  JsonArray *buttons = wabiz_sim_object_get_array (component, "buttons");
  guint n = buttons != NULL ? json_array_get_length (buttons) : 0;
  GHashTableIter iter;
  gpointer key, value;

  /* Every request component must name a button of the template... */
  g_hash_table_iter_init (&iter, given);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint index = GPOINTER_TO_UINT (key);
      JsonObject *request = value;
      const char *sub_type = wabiz_sim_object_get_string (request, "sub_type");
      JsonObject *button;
      const char *button_type;

      if (index >= n)
        return fail (error, 131009, "Button at index %u does not exist in template %s.",
                     index, tpl->name);

      button = json_array_get_object_element (buttons, index);
      button_type = wabiz_sim_object_get_string (button, "type");
      if (sub_type == NULL || button_type == NULL || g_ascii_strcasecmp (sub_type, button_type) != 0)
        return fail (error, 131009, "Button at index %u is of type %s, not %s.", index,
                     button_type != NULL ? button_type : "unknown",
                     sub_type != NULL ? sub_type : "unknown");
    }

  /* ...and every URL button with a variable needs its suffix. */
  for (guint i = 0; i < n; i++)
    {
      JsonObject *button = json_array_get_object_element (buttons, i);
      const char *url = wabiz_sim_object_get_string (button, "url");
      JsonObject *request = g_hash_table_lookup (given, GUINT_TO_POINTER (i));
      JsonArray *parameters = wabiz_sim_object_get_array (request, "parameters");
      guint expected = url != NULL && strstr (url, "{{") != NULL ? 1 : 0;
      guint count = parameters != NULL ? json_array_get_length (parameters) : 0;

      if (expected > 0 && count != expected)
        return fail (error, 132000, "button at index %u: number of localizable_params (%u) "
                     "does not match the expected number of params (%u)", i, count, expected);
    }

  return TRUE;
}

static gboolean
validate_template (WabizSimServer      *self,
                   JsonObject          *template,
                   SendRequest         *send,
                   WabizSimGraphError  *error)
{
  static const char * const keys[] = { "name", "language", "components", "namespace", NULL };
  static const char * const component_types[] = {
    "header", "body", "button", "footer", "carousel", "limited_time_offer", NULL
  };
  g_autoptr(GHashTable) buttons = g_hash_table_new (NULL, NULL);
  JsonArray *header_parameters = NULL;
  JsonArray *body_parameters = NULL;
  WabizSimTemplate *tpl;
  JsonObject *language;
  JsonArray *components;
  const char *name;
  const char *code;

  if (!check_keys (template, "template", keys, NULL, error) ||
      !get_string (template, "template", "name", TRUE, FALSE, 512, &name, error) ||
      !get_object (template, "template", "language", TRUE, &language, error) ||
      !get_string (language, "template['language']", "code", TRUE, FALSE, 0, &code, error) ||
      !get_array (template, "template", "components", FALSE, &components, error))
    return FALSE;

  for (guint i = 0; components != NULL && i < json_array_get_length (components); i++)
    {
      g_autofree char *param = g_strdup_printf ("template['components'][%u]", i);
      JsonObject *component;
      JsonArray *parameters;
      const char *type;

      if (!get_element_object (components, i, param, &component, error))
        return FALSE;

      if (!get_string (component, param, "type", TRUE, FALSE, 0, &type, error) ||
          !get_array (component, param, "parameters", FALSE, &parameters, error))
        return FALSE;

      if (!g_strv_contains (component_types, type))
        return fail (error, 100, "Param %s['type'] must be one of {HEADER, BODY, BUTTON, "
                     "FOOTER, CAROUSEL, LIMITED_TIME_OFFER} - got \"%s\".", param, type);

      if (!validate_parameters (self, parameters, param, error))
        return FALSE;

      if (g_str_equal (type, "header"))
        header_parameters = parameters;
      else if (g_str_equal (type, "body"))
        body_parameters = parameters;
      else if (g_str_equal (type, "button"))
        {
          const char *sub_type;
          const char *index_text;
          guint64 index = 0;
          JsonNode *index_node = json_object_get_member (component, "index");

          if (!get_string (component, param, "sub_type", TRUE, FALSE, 0, &sub_type, error))
            return FALSE;

          /* Meta documents a string; a number is accepted too. */
          if (wabiz_sim_node_is_int (index_node))
            index = json_node_get_int (index_node);
          else if (!get_string (component, param, "index", TRUE, FALSE, 0, &index_text, error))
            return FALSE;
          else if (!g_ascii_string_to_unsigned (index_text, 10, 0, 9, &index, NULL))
            return fail (error, 131009, "Param %s['index'] must be a number from 0 to 9.",
                         param);

          g_hash_table_insert (buttons, GUINT_TO_POINTER ((guint) index), component);
        }
    }

  tpl = _wabiz_sim_server_find_template (self, name, code);
  if (tpl == NULL || g_str_equal (tpl->status, "PENDING") ||
      g_str_equal (tpl->status, "REJECTED") || g_str_equal (tpl->status, "DELETED"))
    return fail (error, 132001, "template name (%s) does not exist in %s", name, code);
  if (g_str_equal (tpl->status, "PAUSED"))
    return fail (error, 132015, "Template %s is paused due to low quality.", name);
  if (g_str_equal (tpl->status, "DISABLED"))
    return fail (error, 132016, "Template %s has been disabled.", name);
  if (!g_str_equal (tpl->status, "APPROVED"))
    return fail (error, 132001, "template name (%s) does not exist in %s", name, code);

  if (!check_header_parameters (tpl, header_parameters, error) ||
      !check_body_parameters (tpl, body_parameters, error) ||
      !check_button_parameters (tpl, buttons, error))
    return FALSE;

  send->tpl = tpl;
  return TRUE;
}

static gboolean
validate_mark_read (JsonObject          *object,
                    SendRequest         *send,
                    WabizSimGraphError  *error)
{
  static const char * const keys[] = {
    "messaging_product", "status", "message_id", "typing_indicator", "recipient_type", NULL
  };
  const char *status;
  const char *message_id;
  JsonObject *typing;

  send->is_status = TRUE;
  send->type = "read";

  if (!check_keys (object, "message", keys, NULL, error) ||
      !get_string (object, "message", "status", TRUE, FALSE, 0, &status, error))
    return FALSE;

  if (!g_str_equal (status, "read"))
    return fail (error, 100, "Param status must be one of {READ} - got \"%s\".", status);

  if (!get_string (object, "message", "message_id", TRUE, FALSE, 0, &message_id, error) ||
      !get_object (object, "message", "typing_indicator", FALSE, &typing, error))
    return FALSE;

  if (typing != NULL)
    {
      const char *type;

      send->type = "typing_indicator";
      if (!get_string (typing, "typing_indicator", "type", TRUE, FALSE, 0, &type, error))
        return FALSE;
      if (!g_str_equal (type, "text"))
        return fail (error, 100, "Param typing_indicator['type'] must be one of {TEXT} - "
                     "got \"%s\".", type);
    }

  return TRUE;
}

static gboolean
check_throughput (WabizSimServer      *self,
                  WabizSimGraphError  *error)
{
  double throughput = self->config.throughput;
  gint64 now = g_get_monotonic_time ();
  gint64 window_us = G_USEC_PER_SEC;
  guint limit;
  guint expired = 0;

  if (throughput <= 0)
    return TRUE;

  /* Below 1/s the window grows so that one message fits in it. */
  if (throughput < 1)
    {
      window_us = (gint64) (G_USEC_PER_SEC / throughput);
      limit = 1;
    }
  else
    {
      limit = (guint) throughput;
    }

  while (expired < self->send_times->len &&
         g_array_index (self->send_times, gint64, expired) <= now - window_us)
    expired++;
  g_array_remove_range (self->send_times, 0, expired);

  if (self->send_times->len >= limit)
    return fail (error, 130429, "Cloud API message throughput has been reached.");

  g_array_append_val (self->send_times, now);
  return TRUE;
}

static gboolean
validate_send (WabizSimServer      *self,
               JsonObject          *object,
               SendRequest         *send,
               WabizSimGraphError  *error)
{
  const char *product;
  const char *recipient_type;
  const char *type;
  JsonNode *type_node;
  JsonObject *context;
  JsonObject *payload = NULL;
  JsonArray *contacts = NULL;

  product = wabiz_sim_object_get_string (object, "messaging_product");
  send->to = wabiz_sim_object_get_string (object, "to");
  send->type = wabiz_sim_object_get_string (object, "type");

  if (!json_object_has_member (object, "messaging_product"))
    return fail (error, 100, "The parameter messaging_product is required.");
  if (product == NULL || !g_str_equal (product, "whatsapp"))
    return fail (error, 100, "Param messaging_product must be one of {WHATSAPP} - got \"%s\".",
                 product != NULL ? product : "(not a string)");

  if (json_object_has_member (object, "status"))
    return validate_mark_read (object, send, error);

  if (!check_throughput (self, error))
    return FALSE;

  if (!get_string (object, "message", "recipient_type", FALSE, FALSE, 0, &recipient_type, error))
    return FALSE;
  if (recipient_type != NULL && !g_str_equal (recipient_type, "individual"))
    return fail (error, 131009, "Param recipient_type must be 'individual'.");

  if (!json_object_has_member (object, "to"))
    return fail (error, 100, "The parameter to is required.");
  if (send->to == NULL)
    return fail (error, 100, "Param to must be a string.");
  send->wa_id = wabiz_sim_normalize_wa_id (send->to);
  if (send->wa_id == NULL)
    return fail (error, 131009, "Param to is not a valid WhatsApp phone number.");

  type_node = json_object_get_member (object, "type");
  if (type_node == NULL)
    send->type = "text";   /* as Meta: the type defaults to text */
  else if (send->type == NULL)
    return fail (error, 100, "Param type must be a string.");
  type = send->type;

  if (!g_strv_contains (message_types, type))
    return fail (error, 100, "Param type must be one of {TEXT, IMAGE, VIDEO, AUDIO, DOCUMENT, "
                 "STICKER, LOCATION, CONTACTS, REACTION, INTERACTIVE, TEMPLATE} - got \"%s\".",
                 type);

  if (!check_keys (object, "message", top_level_keys, type, error))
    return FALSE;

  if (!get_string (object, "message", "biz_opaque_callback_data", FALSE, TRUE, 512,
                   &send->biz_opaque, error))
    return FALSE;

  if (!get_object (object, "message", "context", FALSE, &context, error))
    return FALSE;
  if (context != NULL)
    {
      static const char * const context_keys[] = { "message_id", NULL };
      const char *message_id;

      if (!check_keys (context, "context", context_keys, NULL, error) ||
          !get_string (context, "context", "message_id", TRUE, FALSE, 0, &message_id, error))
        return FALSE;
    }

  if (!json_object_has_member (object, type))
    return fail (error, 100, "The parameter %s is required.", type);

  if (g_str_equal (type, "contacts"))
    {
      if (!get_array (object, "message", type, TRUE, &contacts, error) ||
          !validate_contacts (contacts, error))
        return FALSE;
    }
  else
    {
      if (!get_object (object, "message", type, TRUE, &payload, error))
        return FALSE;

      if (g_str_equal (type, "text") && !validate_text (payload, error))
        return FALSE;
      if ((g_str_equal (type, "image") || g_str_equal (type, "video") ||
           g_str_equal (type, "audio") || g_str_equal (type, "document") ||
           g_str_equal (type, "sticker")) &&
          !validate_media (self, type, payload, error))
        return FALSE;
      if (g_str_equal (type, "location") && !validate_location (payload, error))
        return FALSE;
      if (g_str_equal (type, "reaction") && !validate_reaction (payload, error))
        return FALSE;
      if (g_str_equal (type, "interactive") && !validate_interactive (self, payload, error))
        return FALSE;
      if (g_str_equal (type, "template") && !validate_template (self, payload, send, error))
        return FALSE;
    }

  if (self->config.undeliverable_immediate &&
      g_hash_table_contains (self->config.undeliverable, send->wa_id))
    return fail (error, 131026, "Message Undeliverable.");

  if (send->tpl == NULL &&
      self->config.window_policy == WABIZ_SIM_WINDOW_ENFORCE &&
      !_wabiz_sim_server_window_is_open (self, send->wa_id))
    return fail (error, 131047, "Message failed to send because more than 24 hours have "
                 "passed since the customer last replied to this number.");

  return TRUE;
}

/* Ledger */

static void
append_to_ledger (WabizSimServer *self,
               JsonNode       *request,
               SendRequest    *send,
               const char     *wamid,
               gint64          error_code)
{
  JsonObject *entry = json_object_new ();
  guint limit = self->config.ledger_limit;

  json_object_set_int_member (entry, "seq", ++self->ledger_seq);
  json_object_set_int_member (entry, "received_at_us", g_get_real_time ());
  json_object_set_string_member (entry, "to", send->to);
  json_object_set_string_member (entry, "wa_id", send->wa_id);
  json_object_set_string_member (entry, "type", send->type);
  json_object_set_string_member (entry, "wamid", wamid);
  if (request != NULL)
    json_object_set_member (entry, "body", json_node_copy (request));
  else
    json_object_set_null_member (entry, "body");
  json_object_set_string_member (entry, "result", error_code == 0 ? "accepted" : "error");
  if (error_code != 0)
    json_object_set_int_member (entry, "error_code", error_code);
  else
    json_object_set_null_member (entry, "error_code");

  /* Callers of wabiz_sim_server_dup_ledger() share the entries. */
  json_object_seal (entry);
  g_ptr_array_add (self->ledger, entry);

  /* Trim in batches so that a full ledger costs no memmove per send. */
  if (self->ledger->len > limit + limit / 10)
    g_ptr_array_remove_range (self->ledger, 0, self->ledger->len - limit);
}

void
_wabiz_sim_server_ledger_clear (WabizSimServer *self)
{
  g_ptr_array_set_size (self->ledger, 0);
}

/* Status webhooks */

static JsonObject *
lookup_conversation (WabizSimServer *self,
                     const char     *wa_id,
                     const char     *category)
{
  g_autofree char *key = g_strdup_printf ("%s|%s", wa_id, category);
  JsonObject *conversation = g_hash_table_lookup (self->conversations, key);
  gint64 now = _wabiz_sim_now_s ();

  if (conversation == NULL ||
      json_object_get_int_member (conversation, "expiration") <= now)
    {
      g_autofree char *id = _wabiz_sim_server_new_hex_id (self, 32);

      conversation = json_object_new ();
      json_object_set_string_member (conversation, "id", id);
      json_object_set_int_member (conversation, "expiration", now + 24 * 3600);
      g_hash_table_replace (self->conversations, g_steal_pointer (&key), conversation);
    }

  return conversation;
}

static JsonObject *
build_status (WabizSimServer *self,
              const char     *wamid,
              const char     *wa_id,
              Stage           stage,
              gint64          timestamp,
              const char     *category,
              const char     *biz_opaque,
              gint64          error_code,
              const char     *error_details)
{
  JsonObject *status = json_object_new ();
  g_autofree char *timestamp_text = g_strdup_printf ("%" G_GINT64_FORMAT, timestamp);
  gboolean pmp = g_str_equal (self->config.pricing_model, "PMP");

  json_object_set_string_member (status, "id", wamid);
  json_object_set_string_member (status, "status", stage_names[stage]);
  json_object_set_string_member (status, "timestamp", timestamp_text);
  json_object_set_string_member (status, "recipient_id", wa_id);

  if (stage == STAGE_FAILED)
    {
      JsonArray *errors = json_array_new ();
      JsonObject *error = json_object_new ();
      JsonObject *data = json_object_new ();
      const char *title = wabiz_sim_graph_error_title (error_code);

      json_object_set_int_member (error, "code", error_code);
      json_object_set_string_member (error, "title", title);
      json_object_set_string_member (error, "message", title);
      json_object_set_string_member (data, "details", error_details);
      json_object_set_object_member (error, "error_data", data);
      json_object_set_string_member (error, "href", ERRORS_HREF);
      json_array_add_object_element (errors, error);
      json_object_set_array_member (status, "errors", errors);
    }
  else
    {
      JsonObject *pricing = json_object_new ();
      gboolean is_service = g_str_equal (category, "service");

      if (!pmp)
        {
          JsonObject *conversation = json_object_new ();
          JsonObject *origin = json_object_new ();
          JsonObject *known = lookup_conversation (self, wa_id, category);

          json_object_set_string_member (conversation, "id",
                                         json_object_get_string_member (known, "id"));
          if (stage == STAGE_SENT)
            {
              g_autofree char *expiration =
                g_strdup_printf ("%" G_GINT64_FORMAT,
                                 json_object_get_int_member (known, "expiration"));

              json_object_set_string_member (conversation, "expiration_timestamp", expiration);
            }
          json_object_set_string_member (origin, "type", category);
          json_object_set_object_member (conversation, "origin", origin);
          json_object_set_object_member (status, "conversation", conversation);
        }

      json_object_set_boolean_member (pricing, "billable",
                                      pmp ? g_str_equal (category, "marketing") ||
                                              g_str_equal (category, "authentication")
                                          : !is_service);
      json_object_set_string_member (pricing, "pricing_model", pmp ? "PMP" : "CBP");
      json_object_set_string_member (pricing, "category", category);
      if (pmp)
        json_object_set_string_member (pricing, "type",
                                       is_service || g_str_equal (category, "utility")
                                         ? "free_customer_service" : "regular");
      json_object_set_object_member (status, "pricing", pricing);
    }

  if (biz_opaque != NULL)
    json_object_set_string_member (status, "biz_opaque_callback_data", biz_opaque);

  return status;
}

static void
schedule_statuses (WabizSimServer *self,
                   const char     *wamid,
                   const char     *wa_id,
                   const char     *category,
                   const char     *biz_opaque,
                   gint64          error_code,
                   const char     *error_details)
{
  Stage stages[3];
  guint n_stages = 0;
  gint64 now = _wabiz_sim_now_s ();
  guint delay_ms = self->config.status_delay_ms;
  guint latency_ms = self->config.send_latency_ms;

  if (error_code != 0)
    {
      stages[n_stages++] = STAGE_FAILED;
    }
  else
    {
      stages[n_stages++] = STAGE_SENT;
      stages[n_stages++] = STAGE_DELIVERED;
      if (self->config.read_receipts)
        stages[n_stages++] = STAGE_READ;
    }

  if (self->config.out_of_order)
    {
      for (guint i = n_stages - 1; i > 0; i--)
        {
          guint j = g_rand_int_range (self->rand, 0, i + 1);
          Stage tmp = stages[i];

          stages[i] = stages[j];
          stages[j] = tmp;
        }
    }

  for (guint i = 0; i < n_stages; i++)
    {
      JsonObject *value = _wabiz_sim_server_new_messages_value (self);
      JsonArray *statuses = json_array_new ();
      g_autoptr(JsonNode) envelope = NULL;
      /* Timestamps follow the true order even when delivery does not. */
      guint rank = stages[i] == STAGE_FAILED ? 0 : (guint) stages[i];
      gint64 timestamp = now + ((gint64) latency_ms + (gint64) (rank + 1) * delay_ms) / 1000;

      json_array_add_object_element (statuses,
                                     build_status (self, wamid, wa_id, stages[i], timestamp,
                                                   category, biz_opaque, error_code,
                                                   error_details));
      json_object_set_array_member (value, "statuses", statuses);
      envelope = _wabiz_sim_server_wrap_value (self, "messages", value, FALSE);

      /* after the answer to the send, as Meta does */
      _wabiz_sim_server_deliver (self, envelope, latency_ms + delay_ms * (i + 1));
    }
}

/* Answer */

static gboolean
answer_now_cb (WabizSimServer    *self,
               SoupServerMessage *msg,
               gpointer           data)
{
  /* The answer is written already; unpausing sends it. */
  return FALSE;
}

/* Holds the answer already set on @msg for `send_latency_ms`. */
static void
delay_answer (WabizSimServer    *self,
              SoupServerMessage *msg)
{
  if (self->config.send_latency_ms > 0)
    _wabiz_sim_server_defer (self, msg, self->config.send_latency_ms, 0, answer_now_cb,
                             NULL, NULL);
}

static void
reply_accepted (SoupServerMessage *msg,
                SendRequest       *send,
                const char        *wamid)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonArray *contacts = json_array_new ();
  JsonArray *messages = json_array_new ();
  JsonObject *contact = json_object_new ();
  JsonObject *message = json_object_new ();

  json_object_set_string_member (contact, "input", send->to);
  json_object_set_string_member (contact, "wa_id", send->wa_id);
  json_array_add_object_element (contacts, contact);

  json_object_set_string_member (message, "id", wamid);
  if (send->tpl != NULL)
    json_object_set_string_member (message, "message_status", "accepted");
  json_array_add_object_element (messages, message);

  json_object_set_string_member (root, "messaging_product", "whatsapp");
  json_object_set_array_member (root, "contacts", contacts);
  json_object_set_array_member (root, "messages", messages);

  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, root);
}

void
_wabiz_sim_server_handle_messages (WabizSimServer    *self,
                                   SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_auto(WabizSimGraphError) error = { 0 };
  g_auto(SendRequest) send = { 0 };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *wamid = NULL;
  g_autofree char *category = NULL;
  gint64 failure_code = 0;
  const char *failure_details = NULL;

  root = wabiz_sim_parse_json (body->data, body->length, &parse_error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (&error, 100, "The request body must be a JSON object%s%s.",
            parse_error != NULL ? ": " : "",
            parse_error != NULL ? parse_error->message : "");
      g_clear_pointer (&root, json_node_unref);
    }
  else
    {
      validate_send (self, json_node_get_object (root), &send, &error);
    }

  if (error.code != 0)
    {
      g_debug ("Refused a send: error %" G_GINT64_FORMAT, error.code);
      self->n_rejected++;
      append_to_ledger (self, root, &send, NULL, error.code);
      wabiz_sim_reply_graph_error (msg, &error);
      delay_answer (self, msg);
      return;
    }

  if (send.is_status)
    {
      append_to_ledger (self, root, &send, NULL, 0);
      wabiz_sim_reply_success (msg);
      delay_answer (self, msg);
      return;
    }

  wamid = _wabiz_sim_server_new_wamid (self, send.wa_id, FALSE);
  self->n_accepted++;
  append_to_ledger (self, root, &send, wamid, 0);
  reply_accepted (msg, &send, wamid);
  delay_answer (self, msg);

  g_debug ("Accepted a %s message", send.type);

  if (send.tpl != NULL)
    category = g_ascii_strdown (send.tpl->category, -1);
  else
    category = g_strdup ("service");

  if (g_hash_table_contains (self->config.undeliverable, send.wa_id))
    {
      failure_code = 131026;
      failure_details = "Message Undeliverable.";
    }
  else if (send.tpl == NULL &&
           self->config.window_policy == WABIZ_SIM_WINDOW_ENFORCE_ASYNC &&
           !_wabiz_sim_server_window_is_open (self, send.wa_id))
    {
      failure_code = 131047;
      failure_details = "Message failed to send because more than 24 hours have passed "
                        "since the customer last replied to this number.";
    }
  else if (self->config.failure_rate > 0 &&
           _wabiz_sim_server_random (self) < self->config.failure_rate)
    {
      failure_code = self->config.failure_code;
      failure_details = wabiz_sim_graph_error_title (failure_code);
    }

  schedule_statuses (self, wamid, send.wa_id, category, send.biz_opaque,
                     failure_code, failure_details);
}
