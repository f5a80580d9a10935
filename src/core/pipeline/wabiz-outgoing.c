/* wabiz-outgoing.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One message to send. The constructors only keep what they are given;
 * queueing checks it (_wabiz_outgoing_build_object) and builds the Graph
 * payload the sender sends as is.
 */

#define G_LOG_DOMAIN "wabiz-outbox"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-outgoing-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

G_DEFINE_BOXED_TYPE (WabizOutgoing, wabiz_outgoing, wabiz_outgoing_ref, wabiz_outgoing_unref)

static WabizOutgoing *
outgoing_new (const char *to,
              const char *type)
{
  WabizOutgoing *self = g_new0 (WabizOutgoing, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->to = g_strdup (to);
  self->type = g_strdup (type);
  return self;
}

static WabizOutgoing *
outgoing_new_media (const char *to,
                    const char *kind,
                    const char *caption)
{
  WabizOutgoing *self = outgoing_new (to, kind);

  self->kind = g_strdup (kind);
  self->caption = g_strdup (caption);
  return self;
}

WabizOutgoing *
wabiz_outgoing_new_text (const char *to,
                         const char *body)
{
  WabizOutgoing *self;

  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);

  self = outgoing_new (to, "text");
  self->body = g_strdup (body);
  return self;
}

WabizOutgoing *
wabiz_outgoing_new_media (const char *to,
                          const char *kind,
                          const char *link,
                          const char *media_id,
                          const char *caption,
                          const char *filename)
{
  WabizOutgoing *self;

  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (kind != NULL, NULL);

  self = outgoing_new_media (to, kind, caption);
  self->link = g_strdup (link);
  self->media_id = g_strdup (media_id);
  self->filename = g_strdup (filename);
  return self;
}

WabizOutgoing *
wabiz_outgoing_new_media_file (const char *to,
                               const char *kind,
                               GFile      *file,
                               const char *caption)
{
  WabizOutgoing *self;

  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (kind != NULL, NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = outgoing_new_media (to, kind, caption);
  self->file = g_object_ref (file);
  if (g_str_equal (kind, "document"))
    self->filename = g_file_get_basename (file);
  return self;
}

WabizOutgoing *
wabiz_outgoing_new_template (const char         *to,
                             const char         *name,
                             const char         *language,
                             const char * const *body_params)
{
  WabizOutgoing *self;

  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  self = outgoing_new (to, "template");
  self->template_name = g_strdup (name);
  self->template_language = g_strdup (language ? language : "en_US");
  self->template_params = g_strdupv ((char **) body_params);
  return self;
}

WabizOutgoing *
wabiz_outgoing_new_raw (const char *to,
                        const char *type,
                        JsonNode   *object,
                        const char *preview)
{
  WabizOutgoing *self;

  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (type != NULL, NULL);
  g_return_val_if_fail (object != NULL, NULL);

  self = outgoing_new (to, type);
  self->object = json_node_copy (object);
  self->preview = g_strdup (preview);
  return self;
}

void
wabiz_outgoing_set_template_components (WabizOutgoing *self,
                                        JsonArray     *components,
                                        const char    *preview)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (g_str_equal (self->type, "template"));

  g_clear_pointer (&self->template_components, json_array_unref);
  self->template_components = components != NULL ? json_array_ref (components) : NULL;
  g_free (self->preview);
  self->preview = g_strdup (preview);
}

void
wabiz_outgoing_set_reply_to (WabizOutgoing *self,
                             const char    *wamid)
{
  g_return_if_fail (self != NULL);

  g_free (self->reply_to);
  self->reply_to = g_strdup (wamid);
}

void
wabiz_outgoing_set_bulk (WabizOutgoing *self,
                         gboolean       bulk)
{
  g_return_if_fail (self != NULL);

  self->bulk = !!bulk;
}

const char *
wabiz_outgoing_get_to (WabizOutgoing *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->to;
}

WabizOutgoing *
wabiz_outgoing_ref (WabizOutgoing *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
wabiz_outgoing_unref (WabizOutgoing *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->to);
  g_free (self->type);
  g_clear_pointer (&self->object, json_node_unref);
  g_free (self->preview);
  g_free (self->body);
  g_free (self->kind);
  g_free (self->link);
  g_free (self->media_id);
  g_free (self->caption);
  g_free (self->filename);
  g_free (self->template_name);
  g_free (self->template_language);
  g_strfreev (self->template_params);
  g_clear_pointer (&self->template_components, json_array_unref);
  g_free (self->reply_to);
  g_clear_object (&self->file);
  g_free (self);
}

static gboolean
is_media_kind (const char *type)
{
  return g_strv_contains ((const char * const[]) { "image", "video", "audio", "document", "sticker", NULL },
                          type);
}

JsonNode *
_wabiz_outgoing_build_object (WabizOutgoing *self,
                              GError       **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (self->object != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (self->object) && !JSON_NODE_HOLDS_ARRAY (self->object))
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       _("The “%s” message content must be a JSON object"), self->type);
          return NULL;
        }
      return json_node_copy (self->object);
    }

  if (g_str_equal (self->type, "text"))
    {
      glong len = g_utf8_strlen (self->body, -1);
      g_autofree char *trimmed = g_strstrip (g_strdup (self->body));

      if (*trimmed == '\0')
        {
          g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("The message is empty"));
          return NULL;
        }
      if (len > 4096)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       _("The message has %ld characters; WhatsApp accepts up to 4096"), len);
          return NULL;
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "body");
      json_builder_add_string_value (b, self->body);
      if (strstr (self->body, "http://") != NULL || strstr (self->body, "https://") != NULL)
        {
          json_builder_set_member_name (b, "preview_url");
          json_builder_add_boolean_value (b, TRUE);
        }
      json_builder_end_object (b);
      return json_builder_get_root (b);
    }

  if (is_media_kind (self->type))
    {
      /* a file gets its media id when the sender has uploaded it */
      if (self->file != NULL ? (self->link != NULL || self->media_id != NULL)
                             : (self->link == NULL) == (self->media_id == NULL))
        {
          g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("Give either a media link or an uploaded media id, not both"));
          return NULL;
        }
      if (self->caption != NULL && *self->caption != '\0'
          && (g_str_equal (self->type, "audio") || g_str_equal (self->type, "sticker")))
        {
          g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("WhatsApp does not show captions on audio or stickers"));
          return NULL;
        }
      if (self->caption != NULL && g_utf8_strlen (self->caption, -1) > 1024)
        {
          g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("The caption is longer than the 1024 characters WhatsApp accepts"));
          return NULL;
        }
      json_builder_begin_object (b);
      if (self->file == NULL)
        {
          json_builder_set_member_name (b, self->link ? "link" : "id");
          json_builder_add_string_value (b, self->link ? self->link : self->media_id);
        }
      if (self->caption != NULL && *self->caption != '\0')
        {
          json_builder_set_member_name (b, "caption");
          json_builder_add_string_value (b, self->caption);
        }
      if (self->filename != NULL && g_str_equal (self->type, "document"))
        {
          json_builder_set_member_name (b, "filename");
          json_builder_add_string_value (b, self->filename);
        }
      json_builder_end_object (b);
      return json_builder_get_root (b);
    }

  if (g_str_equal (self->type, "template"))
    {
      guint n = self->template_params ? g_strv_length (self->template_params) : 0;

      for (guint i = 0; i < n; i++)
        if (strchr (self->template_params[i], '\n') || strchr (self->template_params[i], '\t')
            || strstr (self->template_params[i], "     ") || *self->template_params[i] == '\0')
          {
            g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                         _("Template parameter %u is empty or has line breaks, tabs or more than four spaces in a row, which WhatsApp refuses"),
                         i + 1);
            return NULL;
          }

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, self->template_name);
      json_builder_set_member_name (b, "language");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, self->template_language);
      json_builder_end_object (b);
      if (self->template_components != NULL)
        {
          g_autoptr(JsonNode) components = json_node_new (JSON_NODE_ARRAY);

          json_node_set_array (components, self->template_components);
          if (json_array_get_length (self->template_components) > 0)
            {
              json_builder_set_member_name (b, "components");
              json_builder_add_value (b, json_node_copy (components));
            }
        }
      else if (n > 0)
        {
          json_builder_set_member_name (b, "components");
          json_builder_begin_array (b);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, "body");
          json_builder_set_member_name (b, "parameters");
          json_builder_begin_array (b);
          for (guint i = 0; i < n; i++)
            {
              json_builder_begin_object (b);
              json_builder_set_member_name (b, "type");
              json_builder_add_string_value (b, "text");
              json_builder_set_member_name (b, "text");
              json_builder_add_string_value (b, self->template_params[i]);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
          json_builder_end_object (b);
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
      return json_builder_get_root (b);
    }

  g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
               _("A “%s” message needs its content"), self->type);
  return NULL;
}

JsonNode *
_wabiz_outgoing_build_payload (WabizOutgoing *self,
                               const char    *phone,
                               JsonNode      *object)
{
  JsonObject *o = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (o, "recipient_type", "individual");
  json_object_set_string_member (o, "to", phone);
  json_object_set_string_member (o, "type", self->type);
  json_object_set_member (o, self->type, json_node_copy (object));
  if (self->reply_to != NULL && !g_str_equal (self->type, "reaction"))
    {
      JsonObject *context = json_object_new ();

      json_object_set_string_member (context, "message_id", self->reply_to);
      json_object_set_object_member (o, "context", context);
    }
  node = json_node_init_object (json_node_alloc (), o);
  json_object_unref (o);
  return node;
}

const char *
_wabiz_outgoing_get_media_type (WabizOutgoing *self)
{
  return is_media_kind (self->type) ? self->type : NULL;
}

char *
_wabiz_outgoing_dup_preview (WabizOutgoing *self)
{
  if (self->preview != NULL)
    return g_strdup (self->preview);
  if (self->body != NULL)
    return g_strdup (self->body);
  if (self->caption != NULL && *self->caption != '\0')
    return g_strdup (self->caption);
  return g_strdup_printf ("[%s]", self->type);
}

char *
_wabiz_outgoing_dup_template_params (WabizOutgoing *self)
{
  g_autoptr(JsonArray) array = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (self->template_params == NULL)
    return NULL;

  array = json_array_new ();
  node = json_node_new (JSON_NODE_ARRAY);
  for (guint i = 0; self->template_params[i]; i++)
    json_array_add_string_element (array, self->template_params[i]);
  json_node_set_array (node, array);
  return json_to_string (node, FALSE);
}
