/* wabiz-webhook-parser.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Signature check and parser of Meta's webhook bodies (reference:
 * whatsapp-cloud-api.md §5-8). Everything here is pure: the processor
 * writes what the parser returns.
 */

#define G_LOG_DOMAIN "wabiz-webhook-parser"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-json.h"
#include "wabiz-webhook-parser.h"

#include <string.h>

#define SIGNATURE_PREFIX "sha256="
#define DIGEST_HEX_LEN 64

/* ------------------------------------------------------------------ */
/* signatures */

gboolean
wabiz_webhook_secure_equal (const char *a,
                            const char *b)
{
  gsize len_a, len_b;
  guint8 diff = 0;

  if (a == NULL || b == NULL)
    return FALSE;

  len_a = strlen (a);
  len_b = strlen (b);
  if (len_a != len_b)
    return FALSE;

  for (gsize i = 0; i < len_a; i++)
    diff |= (guint8) a[i] ^ (guint8) b[i];

  return diff == 0;
}

char *
wabiz_webhook_sign (const char   *app_secret,
                    const guint8 *body,
                    gsize         length)
{
  g_autofree char *hex = NULL;

  g_return_val_if_fail (app_secret != NULL, NULL);
  g_return_val_if_fail (body != NULL || length == 0, NULL);

  hex = g_compute_hmac_for_data (G_CHECKSUM_SHA256, (const guchar *) app_secret,
                                 strlen (app_secret), body != NULL ? body : (const guint8 *) "",
                                 length);
  return g_strconcat (SIGNATURE_PREFIX, hex, NULL);
}

static gboolean
digest_matches (const char *expected_hex,
                const char *given_hex)
{
  guint8 diff = 0;

  /* both are DIGEST_HEX_LEN long here; the given hex may be upper case */
  for (guint i = 0; i < DIGEST_HEX_LEN; i++)
    diff |= (guint8) expected_hex[i] ^ (guint8) g_ascii_tolower (given_hex[i]);

  return diff == 0;
}

static gboolean
has_non_ascii (const guint8 *body,
               gsize         length)
{
  for (gsize i = 0; i < length; i++)
    if (body[i] >= 0x80)
      return TRUE;
  return FALSE;
}

/* The body with every non-ASCII character as \uXXXX (lowercase hex,
 * surrogate pairs above the BMP): the form Meta signs. NULL if the body
 * is not UTF-8. */
static GByteArray *
escape_non_ascii (const guint8 *body,
                  gsize         length)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (length + 64);
  const char *p = (const char *) body;
  const char *end = p + length;

  while (p < end)
    {
      gunichar c;
      char buf[16];

      if ((guint8) *p < 0x80)
        {
          g_byte_array_append (out, (const guint8 *) p, 1);
          p++;
          continue;
        }

      c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        return NULL;

      if (c >= 0x10000)
        {
          gunichar v = c - 0x10000;

          g_snprintf (buf, sizeof buf, "\\u%04x\\u%04x", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
        }
      else
        g_snprintf (buf, sizeof buf, "\\u%04x", c);
      g_byte_array_append (out, (const guint8 *) buf, strlen (buf));
      p = g_utf8_next_char (p);
    }

  return g_steal_pointer (&out);
}

gboolean
wabiz_webhook_verify_signature (const char   *app_secret,
                                const guint8 *body,
                                gsize         length,
                                const char   *header)
{
  g_autofree char *expected = NULL;
  const char *given;
  gboolean ok;

  g_return_val_if_fail (body != NULL || length == 0, FALSE);

  if (app_secret == NULL || *app_secret == '\0' || header == NULL)
    return FALSE;

  while (*header == ' ' || *header == '\t')
    header++;
  if (g_ascii_strncasecmp (header, SIGNATURE_PREFIX, strlen (SIGNATURE_PREFIX)) != 0)
    return FALSE;
  given = header + strlen (SIGNATURE_PREFIX);
  if (strlen (given) != DIGEST_HEX_LEN)
    return FALSE;
  for (guint i = 0; i < DIGEST_HEX_LEN; i++)
    if (!g_ascii_isxdigit (given[i]))
      return FALSE;

  expected = wabiz_webhook_sign (app_secret, body, length);
  ok = digest_matches (expected + strlen (SIGNATURE_PREFIX), given);

  if (!ok && has_non_ascii (body, length))
    {
      g_autoptr(GByteArray) escaped = escape_non_ascii (body, length);

      if (escaped != NULL)
        {
          g_autofree char *expected_escaped = wabiz_webhook_sign (app_secret, escaped->data,
                                                                  escaped->len);

          ok = digest_matches (expected_escaped + strlen (SIGNATURE_PREFIX), given);
        }
    }

  return ok;
}

/* ------------------------------------------------------------------ */
/* parsing helpers */

typedef WabizJsonNode Node;

static gboolean
is_kind (const Node    *node,
         WabizJsonKind  kind)
{
  return node != NULL && wabiz_json_node_get_kind (node) == kind;
}

static const Node *
member_of_kind (const Node    *object,
                const char    *name,
                WabizJsonKind  kind)
{
  const Node *node = wabiz_json_node_get_member (object, name);

  return is_kind (node, kind) ? node : NULL;
}

static const Node *
member_object (const Node *object,
               const char *name)
{
  return member_of_kind (object, name, WABIZ_JSON_OBJECT);
}

static const Node *
member_array (const Node *object,
              const char *name)
{
  return member_of_kind (object, name, WABIZ_JSON_ARRAY);
}

/* A string member, or a number one as text; NULL otherwise. */
static char *
member_text (const Node *object,
             const char *name)
{
  return wabiz_json_node_dup_text (wabiz_json_node_get_member (object, name));
}

static gboolean
member_true (const Node *object,
             const char *name)
{
  return member_of_kind (object, name, WABIZ_JSON_TRUE) != NULL;
}

/* the member as it was written, for a JSON column; NULL for null */
static char *
member_json (const Node *object,
             const char *name)
{
  return wabiz_json_node_dup_json (wabiz_json_node_get_member (object, name));
}

static gboolean
is_digits (const char *s,
           gsize       max_len)
{
  gsize n = 0;

  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++, n++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return n <= max_len;
}

/* Epoch seconds as digits, or NULL (the processor then uses now()). */
static char *
member_timestamp (const Node *object,
                  const char *name)
{
  g_autofree char *text = member_text (object, name);

  return is_digits (text, 12) ? g_steal_pointer (&text) : NULL;
}

static char *
empty_to_null (char *s)
{
  if (s != NULL && *s == '\0')
    g_clear_pointer (&s, g_free);
  return s;
}

static void
message_free (WabizWebhookMessage *m)
{
  g_free (m->wamid);
  g_free (m->from);
  g_free (m->profile_name);
  g_free (m->timestamp);
  g_free (m->type);
  g_free (m->text);
  g_free (m->caption);
  g_free (m->media_type);
  g_free (m->media_id);
  g_free (m->media_mime);
  g_free (m->media_sha256);
  g_free (m->media_filename);
  g_free (m->reply_to);
  g_free (m->error_code);
  g_free (m->error_title);
  g_free (m->error_details);
  g_free (m->content_json);
  g_free (m->referral_json);
  g_free (m->raw_json);
  g_free (m);
}

static void
status_free (WabizWebhookStatus *s)
{
  g_free (s->wamid);
  g_free (s->status);
  g_free (s->timestamp);
  g_free (s->recipient_id);
  g_free (s->error_code);
  g_free (s->error_title);
  g_free (s->error_details);
  g_free (s->conversation_json);
  g_free (s->pricing_json);
  g_free (s);
}

static void
template_free (WabizWebhookTemplate *t)
{
  g_free (t->field);
  g_free (t->time);
  g_free (t->template_id);
  g_free (t->name);
  g_free (t->language);
  g_free (t->event);
  g_free (t->reason);
  g_free (t->quality);
  g_free (t->previous_quality);
  g_free (t->category);
  g_free (t->previous_category);
  g_free (t);
}

void
wabiz_webhook_payload_free (WabizWebhookPayload *payload)
{
  if (payload == NULL)
    return;
  g_clear_pointer (&payload->messages, g_ptr_array_unref);
  g_clear_pointer (&payload->statuses, g_ptr_array_unref);
  g_clear_pointer (&payload->templates, g_ptr_array_unref);
  g_free (payload->foreign_phone_number_id);
  g_free (payload);
}

/* code, title and error_data.details (else message) of errors[0] */
static void
take_first_error (const Node  *errors,
                  char       **code,
                  char       **title,
                  char       **details)
{
  const Node *error = wabiz_json_node_get_first (errors);

  if (!is_kind (error, WABIZ_JSON_OBJECT))
    return;

  *code = member_text (error, "code");
  if (!is_digits (*code, 9))
    g_clear_pointer (code, g_free);
  *title = member_text (error, "title");
  if (*title == NULL)
    *title = member_text (error, "message");
  *details = member_text (member_object (error, "error_data"), "details");
  if (*details == NULL)
    *details = member_text (error, "message");
}

static char *
join_contact_names (const Node *contacts)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (const Node *node = wabiz_json_node_get_first (contacts); node != NULL;
       node = wabiz_json_node_get_next (node))
    {
      g_autofree char *name = NULL;

      if (!is_kind (node, WABIZ_JSON_OBJECT))
        continue;
      name = member_text (member_object (node, "name"), "formatted_name");
      if (name == NULL)
        continue;
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, name);
    }

  return names->len > 0 ? g_string_free (g_steal_pointer (&names), FALSE) : NULL;
}

static gboolean
is_media_type (const char *type)
{
  return g_strcmp0 (type, "image") == 0 || g_strcmp0 (type, "video") == 0 ||
         g_strcmp0 (type, "audio") == 0 || g_strcmp0 (type, "document") == 0 ||
         g_strcmp0 (type, "sticker") == 0;
}

static WabizWebhookMessage *
parse_message (const Node  *object,
               GHashTable  *profile_names,
               GError     **error)
{
  g_autoptr(GPtrArray) guard = g_ptr_array_new_with_free_func ((GDestroyNotify) message_free);
  WabizWebhookMessage *m;
  const Node *context;
  const Node *body = NULL;
  const Node *type_node;

  if (!is_kind (object, WABIZ_JSON_OBJECT))
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                           "a message is not a JSON object");
      return NULL;
    }

  m = g_new0 (WabizWebhookMessage, 1);
  g_ptr_array_add (guard, m);

  m->wamid = member_text (object, "id");
  m->from = member_text (object, "from");
  if (m->wamid == NULL || *m->wamid == '\0' || strlen (m->wamid) > 100)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                           "a message has no valid id");
      return NULL;
    }
  if (!is_digits (m->from, 15))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   "message %s has no valid sender (from)", m->wamid);
      return NULL;
    }

  m->type = member_text (object, "type");
  if (m->type == NULL || *m->type == '\0')
    {
      g_free (m->type);
      m->type = g_strdup ("unknown");
    }
  m->timestamp = member_timestamp (object, "timestamp");
  m->profile_name = g_strdup (g_hash_table_lookup (profile_names, m->from));
  m->raw_json = wabiz_json_node_dup_json (object);
  m->referral_json = member_json (object, "referral");

  type_node = wabiz_json_node_get_member (object, m->type);
  m->content_json = wabiz_json_node_dup_json (type_node);
  if (is_kind (type_node, WABIZ_JSON_OBJECT))
    body = type_node;

  context = member_object (object, "context");
  if (context != NULL)
    {
      m->reply_to = empty_to_null (member_text (context, "id"));
      m->forwarded = member_true (context, "forwarded") ||
                     member_true (context, "frequently_forwarded");
    }

  take_first_error (member_array (object, "errors"), &m->error_code, &m->error_title,
                    &m->error_details);

  if (g_str_equal (m->type, "text"))
    m->text = member_text (body, "body");
  else if (is_media_type (m->type))
    {
      m->media_type = g_strdup (m->type);
      m->media_id = member_text (body, "id");
      m->media_mime = member_text (body, "mime_type");
      m->media_sha256 = member_text (body, "sha256");
      m->media_filename = member_text (body, "filename");
      m->caption = member_text (body, "caption");
      m->text = g_strdup (m->caption);
    }
  else if (g_str_equal (m->type, "location"))
    {
      m->text = member_text (body, "name");
      if (m->text == NULL)
        m->text = member_text (body, "address");
    }
  else if (g_str_equal (m->type, "contacts"))
    m->text = join_contact_names (is_kind (type_node, WABIZ_JSON_ARRAY) ? type_node : NULL);
  else if (g_str_equal (m->type, "interactive"))
    {
      g_autofree char *kind = member_text (body, "type");
      const Node *reply = kind != NULL ? member_object (body, kind) : NULL;

      m->text = member_text (reply, "title");
      if (m->text == NULL)
        m->text = member_text (reply, "body");
    }
  else if (g_str_equal (m->type, "button"))
    m->text = member_text (body, "text");
  else if (g_str_equal (m->type, "reaction"))
    {
      m->text = empty_to_null (member_text (body, "emoji"));
      g_free (m->reply_to);
      m->reply_to = empty_to_null (member_text (body, "message_id"));
    }
  else if (g_str_equal (m->type, "order") || g_str_equal (m->type, "system"))
    m->text = member_text (body, g_str_equal (m->type, "order") ? "text" : "body");

  g_ptr_array_steal_index (guard, 0);
  return m;
}

static WabizWebhookStatus *
parse_status (const Node  *object,
              GError     **error)
{
  WabizWebhookStatus *s;

  if (!is_kind (object, WABIZ_JSON_OBJECT))
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                           "a status is not a JSON object");
      return NULL;
    }

  s = g_new0 (WabizWebhookStatus, 1);
  s->wamid = member_text (object, "id");
  s->status = member_text (object, "status");
  if (s->wamid == NULL || *s->wamid == '\0' || s->status == NULL || *s->status == '\0' ||
      strlen (s->status) > 20)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                           "a status has no id or no status");
      status_free (s);
      return NULL;
    }
  s->timestamp = member_timestamp (object, "timestamp");
  s->recipient_id = member_text (object, "recipient_id");
  s->conversation_json = member_json (object, "conversation");
  s->pricing_json = member_json (object, "pricing");
  take_first_error (member_array (object, "errors"), &s->error_code, &s->error_title,
                    &s->error_details);
  return s;
}

static void
parse_template_change (WabizWebhookPayload *payload,
                       const char          *field,
                       const char          *time,
                       const Node          *value)
{
  WabizWebhookTemplate *t = g_new0 (WabizWebhookTemplate, 1);

  t->field = g_strdup (field);
  t->time = g_strdup (time);
  t->template_id = member_text (value, "message_template_id");
  t->name = member_text (value, "message_template_name");
  t->language = member_text (value, "message_template_language");
  t->event = member_text (value, "event");
  t->reason = member_text (value, "reason");
  if (g_strcmp0 (t->reason, "NONE") == 0)
    g_clear_pointer (&t->reason, g_free);
  t->quality = member_text (value, "new_quality_score");
  t->previous_quality = member_text (value, "previous_quality_score");
  t->category = member_text (value, "new_category");
  if (t->category == NULL)
    t->category = member_text (value, "message_template_category");
  t->previous_category = member_text (value, "previous_category");

  if (t->name == NULL && t->template_id == NULL)
    {
      payload->n_ignored++;
      template_free (t);
      return;
    }
  g_ptr_array_add (payload->templates, t);
}

static gboolean
parse_messages_change (WabizWebhookPayload  *payload,
                       const Node           *value,
                       const char           *phone_number_id,
                       GError              **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *number = member_text (member_object (value, "metadata"), "phone_number_id");
  const Node *contacts = member_array (value, "contacts");
  const Node *messages = member_array (value, "messages");
  const Node *statuses = member_array (value, "statuses");

  if (phone_number_id != NULL && number != NULL && !g_str_equal (phone_number_id, number))
    {
      /* the caller keeps the event aside, saying for which number */
      if (payload->foreign_phone_number_id == NULL)
        payload->foreign_phone_number_id = g_steal_pointer (&number);
      payload->n_ignored++;
      return TRUE;
    }

  for (const Node *contact = wabiz_json_node_get_first (contacts); contact != NULL;
       contact = wabiz_json_node_get_next (contact))
    {
      char *wa_id;
      char *name;

      if (!is_kind (contact, WABIZ_JSON_OBJECT))
        continue;
      wa_id = member_text (contact, "wa_id");
      name = member_text (member_object (contact, "profile"), "name");
      if (wa_id != NULL && name != NULL)
        g_hash_table_replace (names, wa_id, name);
      else
        {
          g_free (wa_id);
          g_free (name);
        }
    }

  for (const Node *node = wabiz_json_node_get_first (messages); node != NULL;
       node = wabiz_json_node_get_next (node))
    {
      WabizWebhookMessage *m = parse_message (node, names, error);

      if (m == NULL)
        return FALSE;
      g_ptr_array_add (payload->messages, m);
    }

  for (const Node *node = wabiz_json_node_get_first (statuses); node != NULL;
       node = wabiz_json_node_get_next (node))
    {
      WabizWebhookStatus *s = parse_status (node, error);

      if (s == NULL)
        return FALSE;
      g_ptr_array_add (payload->statuses, s);
    }

  if (member_array (value, "errors") != NULL)
    g_debug ("A change carries payload-level errors");

  return TRUE;
}

WabizWebhookPayload *
wabiz_webhook_parse (const char  *body,
                     gsize        length,
                     const char  *phone_number_id,
                     GError     **error)
{
  g_autoptr(WabizJsonDoc) doc = NULL;
  g_autoptr(WabizWebhookPayload) payload = NULL;
  const Node *root;

  g_return_val_if_fail (body != NULL || length == 0, NULL);

  doc = wabiz_json_doc_parse (body, length, error);
  if (doc == NULL)
    return NULL;

  payload = g_new0 (WabizWebhookPayload, 1);
  payload->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) message_free);
  payload->statuses = g_ptr_array_new_with_free_func ((GDestroyNotify) status_free);
  payload->templates = g_ptr_array_new_with_free_func ((GDestroyNotify) template_free);

  root = wabiz_json_doc_get_root (doc);
  if (!is_kind (root, WABIZ_JSON_OBJECT))
    {
      payload->n_ignored++;
      return g_steal_pointer (&payload);
    }

  for (const Node *entry = wabiz_json_node_get_first (member_array (root, "entry")); entry != NULL;
       entry = wabiz_json_node_get_next (entry))
    {
      g_autofree char *time = NULL;

      if (!is_kind (entry, WABIZ_JSON_OBJECT))
        continue;
      time = member_timestamp (entry, "time");

      for (const Node *change = wabiz_json_node_get_first (member_array (entry, "changes"));
           change != NULL; change = wabiz_json_node_get_next (change))
        {
          g_autofree char *field = NULL;
          const Node *value;

          if (!is_kind (change, WABIZ_JSON_OBJECT))
            continue;
          field = member_text (change, "field");
          value = member_object (change, "value");
          if (field == NULL || value == NULL)
            {
              payload->n_ignored++;
              continue;
            }

          if (g_str_equal (field, "messages"))
            {
              if (!parse_messages_change (payload, value, phone_number_id, error))
                return NULL;
            }
          else if (g_str_equal (field, "message_template_status_update") ||
                   g_str_equal (field, "message_template_quality_update") ||
                   g_str_equal (field, "template_category_update"))
            parse_template_change (payload, field, time, value);
          else
            {
              g_debug ("Keeping a change of field %s raw", field);
              payload->n_ignored++;
            }
        }
    }

  return g_steal_pointer (&payload);
}
