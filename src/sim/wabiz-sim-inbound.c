/* wabiz-sim-inbound.c
 *
 * SPDX-License-Identifier: MIT
 *
 * POST /_sim/inbound: a simulated customer sends a message. The spec
 * ({"from", "name", "type", "<type>": {...}, "context", "referral",
 * "timestamp", "id"}, or {"messages": [spec, …]} for one webhook with
 * several messages) becomes a `messages` webhook shaped like Meta's,
 * delivered signed; media get a media object the business can download
 * (a real file of its type unless "data" gives the bytes; "fail_next":
 * [HTTP statuses] fails the next downloads, "hold": true holds them until
 * wabiz_sim_server_release_media()); the sender's 24-hour window opens.
 */

#define G_LOG_DOMAIN "wabiz-sim-inbound"

#include "config.h"

#include "wabiz-sim-server-private.h"

#include <string.h>

typedef struct
{
  char       *wa_id;     /* (owned) */
  char       *name;      /* (owned) */
  char       *wamid;     /* (owned) */
  gint64      timestamp;
  gboolean    opens_window;
  JsonObject *message;   /* (owned) */
} Inbound;

static void
inbound_free (Inbound *inbound)
{
  g_free (inbound->wa_id);
  g_free (inbound->name);
  g_free (inbound->wamid);
  g_clear_pointer (&inbound->message, json_object_unref);
  g_free (inbound);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Inbound, inbound_free)

static gboolean
is_media_type (const char *type)
{
  return g_str_equal (type, "image") || g_str_equal (type, "video") ||
         g_str_equal (type, "audio") || g_str_equal (type, "document") ||
         g_str_equal (type, "sticker");
}

static const char *
guess_mime_type (const char *type,
                   gboolean    voice)
{
  if (g_str_equal (type, "image"))
    return "image/jpeg";
  if (g_str_equal (type, "video"))
    return "video/mp4";
  if (g_str_equal (type, "audio"))
    return voice ? "audio/ogg; codecs=opus" : "audio/mpeg";
  if (g_str_equal (type, "sticker"))
    return "image/webp";

  return "application/pdf";
}

static JsonNode *
copy_member (JsonObject *object,
             const char *key)
{
  JsonNode *node = json_object_get_member (object, key);

  return node != NULL ? json_node_copy (node) : NULL;
}

/* "fail_next": [status, …], each an HTTP error status */
static gboolean
parse_fail_next (const char  *type,
                 JsonObject  *in,
                 GArray     **out,
                 GError     **error)
{
  JsonNode *node = in != NULL ? json_object_get_member (in, "fail_next") : NULL;
  JsonArray *array;

  *out = NULL;
  if (node == NULL)
    return TRUE;

  array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  if (array == NULL)
    goto invalid;

  *out = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gint64 status;

      if (!wabiz_sim_node_is_int (element))
        goto invalid;
      status = json_node_get_int (element);
      if (status < 400 || status > 599)
        goto invalid;
      g_array_append_val (*out, (guint) { status });
    }
  return TRUE;

invalid:
  g_clear_pointer (out, g_array_unref);
  g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
               "%s.fail_next must be an array of HTTP error statuses (400-599)", type);
  return FALSE;
}

static JsonObject *
build_media (WabizSimServer  *self,
             const char      *type,
             JsonObject      *spec,
             GPtrArray       *created,
             GError         **error)
{
  JsonObject *in = wabiz_sim_object_get_object (spec, type);
  const char *existing = wabiz_sim_object_get_string (in, "id");
  const char *caption = wabiz_sim_object_get_string (in, "caption");
  const char *filename = wabiz_sim_object_get_string (in, "filename");
  const char *data = wabiz_sim_object_get_string (in, "data");
  gboolean voice = wabiz_sim_object_get_bool (in, "voice", FALSE);
  const char *mime_type = wabiz_sim_object_get_string (in, "mime_type");
  g_autoptr(GArray) fail_next = NULL;
  WabizSimMedia *media = NULL;
  JsonObject *out;

  if (json_object_has_member (spec, type) && in == NULL)
    {
      g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID, "%s must be an object", type);
      return NULL;
    }
  if (!parse_fail_next (type, in, &fail_next, error))
    return NULL;

  if (existing != NULL)
    {
      media = g_hash_table_lookup (self->media, existing);
      if (media == NULL)
        {
          g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                       "%s.id: no media %s", type, existing);
          return NULL;
        }
    }
  else
    {
      g_autoptr(GBytes) bytes = NULL;

      if (mime_type == NULL)
        mime_type = guess_mime_type (type, voice);
      if (filename == NULL && g_str_equal (type, "document"))
        filename = "document.pdf";

      if (data != NULL)
        {
          gsize len = 0;
          guchar *decoded = g_base64_decode (data, &len);

          if (decoded == NULL || len == 0)
            {
              g_free (decoded);
              g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                           "%s.data must be non-empty base64", type);
              return NULL;
            }
          bytes = g_bytes_new_take (decoded, len);
        }
      else
        {
          bytes = _wabiz_sim_placeholder_media (mime_type);
        }

      media = _wabiz_sim_server_add_media (self, bytes, mime_type, filename);
      g_ptr_array_add (created, g_strdup (media->id));
    }

  if (fail_next != NULL)
    {
      g_clear_pointer (&media->fail_next, g_array_unref);
      media->fail_next = g_steal_pointer (&fail_next);
    }
  if (wabiz_sim_object_get_bool (in, "hold", FALSE))
    media->held = TRUE;

  out = json_object_new ();
  if (caption != NULL && (g_str_equal (type, "image") || g_str_equal (type, "video") ||
                          g_str_equal (type, "document")))
    json_object_set_string_member (out, "caption", caption);
  if (g_str_equal (type, "document"))
    json_object_set_string_member (out, "filename",
                                   filename != NULL ? filename : media->filename);
  json_object_set_string_member (out, "mime_type", media->mime_type);
  json_object_set_string_member (out, "sha256", media->sha256_b64);
  json_object_set_string_member (out, "id", media->id);
  if (g_str_equal (type, "audio"))
    json_object_set_boolean_member (out, "voice", voice);
  if (g_str_equal (type, "sticker"))
    json_object_set_boolean_member (out, "animated",
                                    wabiz_sim_object_get_bool (in, "animated", FALSE));

  return out;
}

static JsonArray *
build_unsupported_errors (void)
{
  JsonArray *errors = json_array_new ();
  JsonObject *error = json_object_new ();
  JsonObject *data = json_object_new ();

  json_object_set_int_member (error, "code", 131051);
  json_object_set_string_member (error, "title", "Message type unknown");
  json_object_set_string_member (error, "message", "Message type unknown");
  json_object_set_string_member (data, "details", "Message type is currently not supported.");
  json_object_set_object_member (error, "error_data", data);
  json_array_add_object_element (errors, error);

  return errors;
}

static gboolean
check_payload (const char  *type,
               JsonObject  *spec,
               GError     **error)
{
  JsonNode *node = json_object_get_member (spec, type);

  if (g_str_equal (type, "contacts"))
    {
      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
          json_array_get_length (json_node_get_array (node)) == 0)
        {
          g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                               "contacts must be a non-empty array");
          return FALSE;
        }
      return TRUE;
    }

  if (g_str_equal (type, "text") || g_str_equal (type, "interactive") ||
      g_str_equal (type, "button") || g_str_equal (type, "reaction") ||
      g_str_equal (type, "location") || g_str_equal (type, "order") ||
      g_str_equal (type, "system"))
    {
      JsonObject *payload;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                       "%s must be an object", type);
          return FALSE;
        }
      payload = json_node_get_object (node);

      if (g_str_equal (type, "text") && wabiz_sim_object_get_string (payload, "body") == NULL)
        {
          g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                               "text.body must be a string");
          return FALSE;
        }
      if (g_str_equal (type, "reaction") &&
          wabiz_sim_object_get_string (payload, "message_id") == NULL)
        {
          g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                               "reaction.message_id must be a string");
          return FALSE;
        }
      if (g_str_equal (type, "location") &&
          (!wabiz_sim_node_is_number (json_object_get_member (payload, "latitude")) ||
           !wabiz_sim_node_is_number (json_object_get_member (payload, "longitude"))))
        {
          g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                               "location.latitude and location.longitude must be numbers");
          return FALSE;
        }
      if (g_str_equal (type, "interactive") &&
          wabiz_sim_object_get_string (payload, "type") == NULL)
        {
          g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                               "interactive.type must be a string (button_reply, "
                               "list_reply, nfm_reply)");
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
parse_timestamp (JsonObject  *spec,
                 gint64      *timestamp,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (spec, "timestamp");

  *timestamp = _wabiz_sim_now_s ();

  if (node == NULL)
    return TRUE;

  if (wabiz_sim_node_is_int (node))
    {
      *timestamp = json_node_get_int (node);
      return TRUE;
    }

  if (wabiz_sim_node_is_string (node))
    {
      guint64 value;

      if (g_ascii_string_to_unsigned (json_node_get_string (node), 10, 0, G_MAXINT64,
                                      &value, NULL))
        {
          *timestamp = value;
          return TRUE;
        }
    }

  g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                       "timestamp must be unix seconds");
  return FALSE;
}

static Inbound *
build_inbound (WabizSimServer  *self,
               JsonObject      *spec,
               GPtrArray       *created,
               GError         **error)
{
  g_autoptr(Inbound) inbound = g_new0 (Inbound, 1);
  const char *from = wabiz_sim_object_get_string (spec, "from");
  const char *type = wabiz_sim_object_get_string (spec, "type");
  const char *id = wabiz_sim_object_get_string (spec, "id");
  const char *name = wabiz_sim_object_get_string (spec, "name");
  JsonObject *context = wabiz_sim_object_get_object (spec, "context");
  g_autofree char *timestamp_text = NULL;
  JsonObject *message;
  JsonNode *node;

  inbound->wa_id = wabiz_sim_normalize_wa_id (from);
  if (inbound->wa_id == NULL)
    {
      g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                           "from must be the customer's phone number");
      return NULL;
    }

  if (type == NULL && wabiz_sim_object_get_object (spec, "text") != NULL)
    type = "text";
  if (type == NULL)
    {
      g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                           "type must be a string");
      return NULL;
    }

  if (!parse_timestamp (spec, &inbound->timestamp, error) ||
      !check_payload (type, spec, error))
    return NULL;

  if (name != NULL)
    inbound->name = g_strdup (name);
  else
    inbound->name = g_strdup_printf ("Customer %s",
                                     inbound->wa_id + MAX (0, (int) strlen (inbound->wa_id) - 4));
  inbound->wamid = id != NULL ? g_strdup (id)
                              : _wabiz_sim_server_new_wamid (self, inbound->wa_id, TRUE);
  inbound->opens_window = !g_str_equal (type, "system");

  message = inbound->message = json_object_new ();

  if (context != NULL)
    {
      JsonObject *out = json_object_new ();
      const char *quoted = wabiz_sim_object_get_string (context, "id");
      JsonObjectIter iter;
      const char *key;

      if (quoted == NULL)
        quoted = wabiz_sim_object_get_string (context, "message_id");
      if (quoted != NULL)
        {
          json_object_set_string_member (out, "from",
                                         wabiz_sim_object_get_string (context, "from") != NULL
                                           ? wabiz_sim_object_get_string (context, "from")
                                           : self->display_phone_number);
          json_object_set_string_member (out, "id", quoted);
        }

      json_object_iter_init (&iter, context);
      while (json_object_iter_next (&iter, &key, &node))
        {
          if (!g_str_equal (key, "id") && !g_str_equal (key, "message_id") &&
              !g_str_equal (key, "from"))
            json_object_set_member (out, key, json_node_copy (node));
        }

      json_object_set_object_member (message, "context", out);
    }

  timestamp_text = g_strdup_printf ("%" G_GINT64_FORMAT, inbound->timestamp);
  json_object_set_string_member (message, "from", inbound->wa_id);
  json_object_set_string_member (message, "id", inbound->wamid);
  json_object_set_string_member (message, "timestamp", timestamp_text);
  json_object_set_string_member (message, "type", type);

  if (is_media_type (type))
    {
      JsonObject *media = build_media (self, type, spec, created, error);

      if (media == NULL)
        return NULL;
      json_object_set_object_member (message, type, media);
    }
  else if ((node = copy_member (spec, type)) != NULL)
    {
      json_object_set_member (message, type, node);
    }

  if ((node = copy_member (spec, "referral")) != NULL)
    json_object_set_member (message, "referral", node);

  if ((node = copy_member (spec, "errors")) != NULL)
    json_object_set_member (message, "errors", node);
  else if (g_str_equal (type, "unsupported") || g_str_equal (type, "unknown"))
    json_object_set_array_member (message, "errors", build_unsupported_errors ());

  return g_steal_pointer (&inbound);
}

static void
forget_media (WabizSimServer *self,
              GPtrArray      *created)
{
  for (guint i = 0; i < created->len; i++)
    g_hash_table_remove (self->media, g_ptr_array_index (created, i));
}

/**
 * _wabiz_sim_server_inject:
 *
 * Returns: (transfer full) (nullable): `wamid`, `wa_id`, `timestamp`,
 *   `wamids` and, for media, `media_id`
 */
JsonObject *
_wabiz_sim_server_inject (WabizSimServer  *self,
                          JsonNode        *spec,
                          GError         **error)
{
  g_autoptr(GPtrArray) inbounds = g_ptr_array_new_with_free_func ((GDestroyNotify) inbound_free);
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonNode) envelope = NULL;
  JsonObject *root;
  JsonArray *batch;
  JsonObject *value;
  JsonArray *contacts;
  JsonArray *messages;
  JsonArray *wamids;
  JsonObject *result;
  Inbound *first;

  if (!JSON_NODE_HOLDS_OBJECT (spec))
    {
      g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                           "The inbound message must be a JSON object");
      return NULL;
    }

  root = json_node_get_object (spec);
  batch = wabiz_sim_object_get_array (root, "messages");

  if (batch != NULL)
    {
      if (json_array_get_length (batch) == 0)
        {
          g_set_error_literal (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                               "messages must not be empty");
          return NULL;
        }

      for (guint i = 0; i < json_array_get_length (batch); i++)
        {
          JsonNode *node = json_array_get_element (batch, i);
          Inbound *inbound = NULL;

          if (JSON_NODE_HOLDS_OBJECT (node))
            inbound = build_inbound (self, json_node_get_object (node), created, error);
          else
            g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                         "messages[%u] must be an object", i);

          if (inbound == NULL)
            {
              forget_media (self, created);
              g_prefix_error (error, "messages[%u]: ", i);
              return NULL;
            }
          g_ptr_array_add (inbounds, inbound);
        }
    }
  else
    {
      Inbound *inbound = build_inbound (self, root, created, error);

      if (inbound == NULL)
        {
          forget_media (self, created);
          return NULL;
        }
      g_ptr_array_add (inbounds, inbound);
    }

  value = _wabiz_sim_server_new_messages_value (self);
  contacts = json_array_new ();
  messages = json_array_new ();
  wamids = json_array_new ();

  for (guint i = 0; i < inbounds->len; i++)
    {
      Inbound *inbound = g_ptr_array_index (inbounds, i);

      /* System messages carry no contacts[], as Meta sends them. */
      if (inbound->opens_window && g_hash_table_add (seen, inbound->wa_id))
        {
          JsonObject *contact = json_object_new ();
          JsonObject *profile = json_object_new ();

          json_object_set_string_member (profile, "name", inbound->name);
          json_object_set_object_member (contact, "profile", profile);
          json_object_set_string_member (contact, "wa_id", inbound->wa_id);
          json_array_add_object_element (contacts, contact);
        }

      json_array_add_object_element (messages, json_object_ref (inbound->message));
      json_array_add_string_element (wamids, inbound->wamid);

      if (inbound->opens_window)
        _wabiz_sim_server_open_window (self, inbound->wa_id, inbound->timestamp);
    }

  if (json_array_get_length (contacts) > 0)
    json_object_set_array_member (value, "contacts", contacts);
  else
    json_array_unref (contacts);
  json_object_set_array_member (value, "messages", messages);

  envelope = _wabiz_sim_server_wrap_value (self, "messages", value, FALSE);
  _wabiz_sim_server_deliver (self, envelope, 0);

  self->n_inbound += inbounds->len;
  g_debug ("Injected %u inbound message(s)", inbounds->len);

  first = g_ptr_array_index (inbounds, 0);
  result = json_object_new ();
  json_object_set_string_member (result, "wamid", first->wamid);
  json_object_set_string_member (result, "wa_id", first->wa_id);
  json_object_set_int_member (result, "timestamp", first->timestamp);
  if (created->len > 0)
    json_object_set_string_member (result, "media_id", g_ptr_array_index (created, 0));
  json_object_set_array_member (result, "wamids", wamids);

  return result;
}
