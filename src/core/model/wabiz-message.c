/* wabiz-message.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One row of `messages` as the chat view shows it: an immutable identity
 * (id, time, direction, kind) and what webhooks change later (status,
 * error, reactions, downloaded media), updated in place with notifies.
 */

#define G_LOG_DOMAIN "wabiz-message"

#include "config.h"

#include "wabiz-message.h"

#include <string.h>

struct _WabizMessage
{
  GObject             parent_instance;

  char               *id;              /* (owned) */
  char               *phone;           /* (owned) */
  char               *wamid;           /* (owned) (nullable) */
  char               *type;            /* (owned) */
  char               *text;            /* (owned) (nullable) */
  char               *caption;         /* (owned) (nullable) */
  char               *ts_key;          /* (owned) */
  GDateTime          *timestamp;       /* (owned) */
  gint64              ts_usec;
  char               *error_title;     /* (owned) (nullable) */
  char               *error_details;   /* (owned) (nullable) */
  char               *media_url;       /* (owned) (nullable) */
  char               *media_id;        /* (owned) (nullable) */
  char               *media_mime;      /* (owned) (nullable) */
  char               *media_filename;  /* (owned) (nullable) */
  char               *media_path;      /* (owned) (nullable) */
  char               *reply_to;        /* (owned) (nullable) */
  char               *reply_quote;     /* (owned) (nullable) */
  char               *reactions;       /* (owned) (nullable) */
  char               *template_name;   /* (owned) (nullable) */
  char               *sentiment;       /* (owned) (nullable) Gemini's reading of an inbound text */
  char               *intent;          /* (owned) (nullable) */
  char               *automatic;       /* (owned) (nullable) greeting, away, auto_reply */
  JsonNode           *content;         /* (owned) (nullable) */
  gint64              media_size;
  int                 error_code;
  WabizMessageKind    kind;
  WabizMessageStatus  status;
  guint               outbound : 1;
  guint               reply_outbound : 1;
};

G_DEFINE_FINAL_TYPE (WabizMessage, wabiz_message, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (WabizMessageKind, wabiz_message_kind,
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_TEXT, "text"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_IMAGE, "image"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_VIDEO, "video"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_AUDIO, "audio"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_DOCUMENT, "document"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_STICKER, "sticker"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_LOCATION, "location"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_CONTACTS, "contacts"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_INTERACTIVE, "interactive"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_BUTTON, "button"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_TEMPLATE, "template"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_REACTION, "reaction"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_ORDER, "order"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_SYSTEM, "system"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_KIND_UNSUPPORTED, "unsupported"))

G_DEFINE_ENUM_TYPE (WabizMessageStatus, wabiz_message_status,
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_STATUS_RECEIVED, "received"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_STATUS_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_STATUS_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_STATUS_ACCEPTED, "accepted"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_STATUS_SENT, "sent"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_STATUS_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_STATUS_DELIVERED, "delivered"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_STATUS_READ, "read"),
  G_DEFINE_ENUM_VALUE (WABIZ_MESSAGE_STATUS_PLAYED, "played"))

enum {
  PROP_0,
  PROP_ID,
  PROP_PHONE,
  PROP_WAMID,
  PROP_MESSAGE_TYPE,
  PROP_KIND,
  PROP_TEXT,
  PROP_CAPTION,
  PROP_OUTBOUND,
  PROP_STATUS,
  PROP_TICKS,
  PROP_TIMESTAMP,
  PROP_ERROR_CODE,
  PROP_ERROR_TITLE,
  PROP_ERROR_DETAILS,
  PROP_MEDIA_URL,
  PROP_MEDIA_ID,
  PROP_MEDIA_MIME,
  PROP_MEDIA_FILENAME,
  PROP_MEDIA_SIZE,
  PROP_MEDIA_PATH,
  PROP_REPLY_TO,
  PROP_REPLY_QUOTE,
  PROP_REPLY_OUTBOUND,
  PROP_REACTIONS,
  PROP_TEMPLATE_NAME,
  PROP_SENTIMENT,
  PROP_INTENT,
  PROP_AUTOMATIC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const struct {
  const char       *type;
  WabizMessageKind  kind;
} kinds[] = {
  { "text", WABIZ_MESSAGE_KIND_TEXT },
  { "image", WABIZ_MESSAGE_KIND_IMAGE },
  { "video", WABIZ_MESSAGE_KIND_VIDEO },
  { "audio", WABIZ_MESSAGE_KIND_AUDIO },
  { "voice", WABIZ_MESSAGE_KIND_AUDIO },
  { "document", WABIZ_MESSAGE_KIND_DOCUMENT },
  { "sticker", WABIZ_MESSAGE_KIND_STICKER },
  { "location", WABIZ_MESSAGE_KIND_LOCATION },
  { "contacts", WABIZ_MESSAGE_KIND_CONTACTS },
  { "interactive", WABIZ_MESSAGE_KIND_INTERACTIVE },
  { "button", WABIZ_MESSAGE_KIND_BUTTON },
  { "template", WABIZ_MESSAGE_KIND_TEMPLATE },
  { "reaction", WABIZ_MESSAGE_KIND_REACTION },
  { "order", WABIZ_MESSAGE_KIND_ORDER },
  { "system", WABIZ_MESSAGE_KIND_SYSTEM },
};

WabizMessageKind
wabiz_message_kind_from_type (const char *type)
{
  if (type == NULL || *type == '\0')
    return WABIZ_MESSAGE_KIND_TEXT;

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_ascii_strcasecmp (type, kinds[i].type) == 0)
      return kinds[i].kind;

  return WABIZ_MESSAGE_KIND_UNSUPPORTED;
}

WabizMessageStatus
wabiz_message_status_from_string (const char *status,
                                  gboolean    inbound)
{
  static const struct {
    const char         *name;
    WabizMessageStatus  status;
  } statuses[] = {
    { "queued", WABIZ_MESSAGE_STATUS_QUEUED },
    { "pending", WABIZ_MESSAGE_STATUS_QUEUED },
    { "sending", WABIZ_MESSAGE_STATUS_QUEUED },
    { "unknown", WABIZ_MESSAGE_STATUS_UNKNOWN },
    { "accepted", WABIZ_MESSAGE_STATUS_ACCEPTED },
    { "sent", WABIZ_MESSAGE_STATUS_SENT },
    { "failed", WABIZ_MESSAGE_STATUS_FAILED },
    { "delivered", WABIZ_MESSAGE_STATUS_DELIVERED },
    { "read", WABIZ_MESSAGE_STATUS_READ },
    { "played", WABIZ_MESSAGE_STATUS_PLAYED },
  };

  if (inbound)
    return WABIZ_MESSAGE_STATUS_RECEIVED;
  if (status == NULL)
    return WABIZ_MESSAGE_STATUS_QUEUED;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (g_ascii_strcasecmp (status, statuses[i].name) == 0)
      return statuses[i].status;

  /* the old service wrote "sent" or free text; treat the rest as sent */
  return WABIZ_MESSAGE_STATUS_SENT;
}

static char *
dup_nonempty (const char *s)
{
  return (s != NULL && *s != '\0') ? g_strdup (s) : NULL;
}

static gboolean
replace_string (WabizMessage *self,
                char        **field,
                const char   *value,
                guint         prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static void
wabiz_message_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  WabizMessage *self = WABIZ_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_PHONE: g_value_set_string (value, self->phone); break;
    case PROP_WAMID: g_value_set_string (value, self->wamid); break;
    case PROP_MESSAGE_TYPE: g_value_set_string (value, self->type); break;
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_TEXT: g_value_set_string (value, self->text); break;
    case PROP_CAPTION: g_value_set_string (value, self->caption); break;
    case PROP_OUTBOUND: g_value_set_boolean (value, self->outbound); break;
    case PROP_STATUS: g_value_set_enum (value, self->status); break;
    case PROP_TICKS: g_value_set_string (value, wabiz_message_get_ticks (self)); break;
    case PROP_TIMESTAMP: g_value_set_boxed (value, self->timestamp); break;
    case PROP_ERROR_CODE: g_value_set_int (value, self->error_code); break;
    case PROP_ERROR_TITLE: g_value_set_string (value, self->error_title); break;
    case PROP_ERROR_DETAILS: g_value_set_string (value, self->error_details); break;
    case PROP_MEDIA_URL: g_value_set_string (value, self->media_url); break;
    case PROP_MEDIA_ID: g_value_set_string (value, self->media_id); break;
    case PROP_MEDIA_MIME: g_value_set_string (value, self->media_mime); break;
    case PROP_MEDIA_FILENAME: g_value_set_string (value, self->media_filename); break;
    case PROP_MEDIA_SIZE: g_value_set_int64 (value, self->media_size); break;
    case PROP_MEDIA_PATH: g_value_set_string (value, self->media_path); break;
    case PROP_REPLY_TO: g_value_set_string (value, self->reply_to); break;
    case PROP_REPLY_QUOTE: g_value_set_string (value, self->reply_quote); break;
    case PROP_REPLY_OUTBOUND: g_value_set_boolean (value, self->reply_outbound); break;
    case PROP_REACTIONS: g_value_set_string (value, self->reactions); break;
    case PROP_TEMPLATE_NAME: g_value_set_string (value, self->template_name); break;
    case PROP_SENTIMENT: g_value_set_string (value, self->sentiment); break;
    case PROP_INTENT: g_value_set_string (value, self->intent); break;
    case PROP_AUTOMATIC: g_value_set_string (value, self->automatic); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_message_finalize (GObject *object)
{
  WabizMessage *self = WABIZ_MESSAGE (object);

  g_free (self->id);
  g_free (self->phone);
  g_free (self->wamid);
  g_free (self->type);
  g_free (self->text);
  g_free (self->caption);
  g_free (self->ts_key);
  g_clear_pointer (&self->timestamp, g_date_time_unref);
  g_free (self->error_title);
  g_free (self->error_details);
  g_free (self->media_url);
  g_free (self->media_id);
  g_free (self->media_mime);
  g_free (self->media_filename);
  g_free (self->media_path);
  g_free (self->reply_to);
  g_free (self->reply_quote);
  g_free (self->reactions);
  g_free (self->template_name);
  g_free (self->sentiment);
  g_free (self->intent);
  g_free (self->automatic);
  g_clear_pointer (&self->content, json_node_unref);

  G_OBJECT_CLASS (wabiz_message_parent_class)->finalize (object);
}

static GParamSpec *
string_pspec (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
wabiz_message_class_init (WabizMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = wabiz_message_get_property;
  object_class->finalize = wabiz_message_finalize;

  properties[PROP_ID] = string_pspec ("id");
  properties[PROP_PHONE] = string_pspec ("phone");
  properties[PROP_WAMID] = string_pspec ("wamid");
  properties[PROP_MESSAGE_TYPE] = string_pspec ("message-type");
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, WABIZ_TYPE_MESSAGE_KIND,
                                             WABIZ_MESSAGE_KIND_TEXT, flags);
  properties[PROP_TEXT] = string_pspec ("text");
  properties[PROP_CAPTION] = string_pspec ("caption");
  properties[PROP_OUTBOUND] = g_param_spec_boolean ("outbound", NULL, NULL, FALSE, flags);
  properties[PROP_STATUS] = g_param_spec_enum ("status", NULL, NULL, WABIZ_TYPE_MESSAGE_STATUS,
                                               WABIZ_MESSAGE_STATUS_RECEIVED, flags);
  properties[PROP_TICKS] = string_pspec ("ticks");
  properties[PROP_TIMESTAMP] = g_param_spec_boxed ("timestamp", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_ERROR_CODE] = g_param_spec_int ("error-code", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_ERROR_TITLE] = string_pspec ("error-title");
  properties[PROP_ERROR_DETAILS] = string_pspec ("error-details");
  properties[PROP_MEDIA_URL] = string_pspec ("media-url");
  properties[PROP_MEDIA_ID] = string_pspec ("media-id");
  properties[PROP_MEDIA_MIME] = string_pspec ("media-mime");
  properties[PROP_MEDIA_FILENAME] = string_pspec ("media-filename");
  properties[PROP_MEDIA_SIZE] = g_param_spec_int64 ("media-size", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_MEDIA_PATH] = string_pspec ("media-path");
  properties[PROP_REPLY_TO] = string_pspec ("reply-to");
  properties[PROP_REPLY_QUOTE] = string_pspec ("reply-quote");
  properties[PROP_REPLY_OUTBOUND] = g_param_spec_boolean ("reply-outbound", NULL, NULL, FALSE, flags);
  properties[PROP_REACTIONS] = string_pspec ("reactions");
  properties[PROP_TEMPLATE_NAME] = string_pspec ("template-name");
  properties[PROP_SENTIMENT] = string_pspec ("sentiment");
  properties[PROP_INTENT] = string_pspec ("intent");
  properties[PROP_AUTOMATIC] = string_pspec ("automatic");

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_message_init (WabizMessage *self)
{
  self->media_size = -1;
}

WabizMessage *
wabiz_message_new_from_row (WabizDbResult *result,
                            guint          row)
{
  WabizMessage *self;
  const char *content;
  const char *direction;
  const char *size;
  const char *code;
  g_autoptr(GDateTime) epoch = NULL;

  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (row < wabiz_db_result_get_n_rows (result), NULL);

  self = g_object_new (WABIZ_TYPE_MESSAGE, NULL);

#define COL(name) wabiz_db_result_get (result, row, name)
  self->id = g_strdup (COL ("id"));
  self->phone = g_strdup (COL ("phone"));
  self->wamid = dup_nonempty (COL ("message_id"));
  self->type = g_strdup (COL ("type") != NULL ? COL ("type") : "text");
  self->kind = wabiz_message_kind_from_type (self->type);
  /* the service stored media with type "text" and a media_type */
  if (self->kind == WABIZ_MESSAGE_KIND_TEXT && COL ("media_type") != NULL && COL ("media_url") != NULL)
    {
      WabizMessageKind media_kind = wabiz_message_kind_from_type (COL ("media_type"));

      if (media_kind != WABIZ_MESSAGE_KIND_UNSUPPORTED)
        self->kind = media_kind;
    }
  self->text = dup_nonempty (COL ("message"));
  self->caption = dup_nonempty (COL ("caption"));
  direction = COL ("direction");
  self->outbound = direction != NULL && g_ascii_strcasecmp (direction, "outbound") == 0;
  self->status = wabiz_message_status_from_string (COL ("status"), !self->outbound);
  self->ts_key = g_strdup (COL ("ts"));
  self->ts_usec = wabiz_db_result_get_int (result, row, "ts_usec");
  epoch = g_date_time_new_from_unix_utc (0);
  self->timestamp = g_date_time_add (epoch, self->ts_usec);
  code = COL ("error_code");
  self->error_code = code != NULL ? (int) g_ascii_strtoll (code, NULL, 10) : 0;
  self->error_title = dup_nonempty (COL ("error_title"));
  self->error_details = dup_nonempty (COL ("error_details"));
  self->media_url = dup_nonempty (COL ("media_url"));
  self->media_id = dup_nonempty (COL ("media_id"));
  self->media_mime = dup_nonempty (COL ("media_mime"));
  self->media_filename = dup_nonempty (COL ("media_filename"));
  size = COL ("media_size");
  self->media_size = size != NULL ? g_ascii_strtoll (size, NULL, 10) : -1;
  self->media_path = dup_nonempty (COL ("media_path"));
  self->reply_to = dup_nonempty (COL ("reply_to"));
  self->reply_quote = dup_nonempty (COL ("reply_quote"));
  self->reply_outbound = g_strcmp0 (COL ("reply_direction"), "outbound") == 0;
  self->reactions = dup_nonempty (COL ("reactions"));
  self->template_name = dup_nonempty (COL ("template_name"));
  self->sentiment = dup_nonempty (COL ("sentiment"));
  self->intent = dup_nonempty (COL ("intent"));
  self->automatic = dup_nonempty (COL ("automatic"));
  content = COL ("content");
  if (content != NULL)
    self->content = json_from_string (content, NULL);
#undef COL

  return self;
}

void
wabiz_message_update_from (WabizMessage *self,
                           WabizMessage *other)
{
  g_return_if_fail (WABIZ_IS_MESSAGE (self));
  g_return_if_fail (WABIZ_IS_MESSAGE (other));

  g_object_freeze_notify (G_OBJECT (self));

  replace_string (self, &self->wamid, other->wamid, PROP_WAMID);
  replace_string (self, &self->text, other->text, PROP_TEXT);
  replace_string (self, &self->caption, other->caption, PROP_CAPTION);
  if (self->status != other->status)
    {
      self->status = other->status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TICKS]);
    }
  if (self->error_code != other->error_code)
    {
      self->error_code = other->error_code;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_CODE]);
    }
  replace_string (self, &self->error_title, other->error_title, PROP_ERROR_TITLE);
  replace_string (self, &self->error_details, other->error_details, PROP_ERROR_DETAILS);
  replace_string (self, &self->media_url, other->media_url, PROP_MEDIA_URL);
  replace_string (self, &self->media_id, other->media_id, PROP_MEDIA_ID);
  replace_string (self, &self->media_mime, other->media_mime, PROP_MEDIA_MIME);
  replace_string (self, &self->media_filename, other->media_filename, PROP_MEDIA_FILENAME);
  if (self->media_size != other->media_size)
    {
      self->media_size = other->media_size;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEDIA_SIZE]);
    }
  replace_string (self, &self->media_path, other->media_path, PROP_MEDIA_PATH);
  replace_string (self, &self->reply_quote, other->reply_quote, PROP_REPLY_QUOTE);
  replace_string (self, &self->reactions, other->reactions, PROP_REACTIONS);
  replace_string (self, &self->sentiment, other->sentiment, PROP_SENTIMENT);
  replace_string (self, &self->intent, other->intent, PROP_INTENT);
  replace_string (self, &self->automatic, other->automatic, PROP_AUTOMATIC);

  g_object_thaw_notify (G_OBJECT (self));
}

int
wabiz_message_compare (WabizMessage *a,
                       WabizMessage *b)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGE (a), 0);
  g_return_val_if_fail (WABIZ_IS_MESSAGE (b), 0);

  if (a->ts_usec != b->ts_usec)
    return a->ts_usec < b->ts_usec ? -1 : 1;

  /* uuids compare as PostgreSQL does, by their bytes: the text form keeps that order */
  return g_ascii_strcasecmp (a->id, b->id);
}

#define GETTER(type, name, field) \
  type wabiz_message_get_##name (WabizMessage *self) \
  { \
    g_return_val_if_fail (WABIZ_IS_MESSAGE (self), 0); \
    return self->field; \
  }

GETTER (const char *, id, id)
GETTER (const char *, phone, phone)
GETTER (const char *, wamid, wamid)
GETTER (const char *, message_type, type)
GETTER (WabizMessageKind, kind, kind)
GETTER (const char *, text, text)
GETTER (const char *, caption, caption)
GETTER (gboolean, outbound, outbound)
GETTER (WabizMessageStatus, status, status)
GETTER (GDateTime *, timestamp, timestamp)
GETTER (const char *, timestamp_key, ts_key)
GETTER (gint64, timestamp_usec, ts_usec)
GETTER (int, error_code, error_code)
GETTER (const char *, error_title, error_title)
GETTER (const char *, error_details, error_details)
GETTER (const char *, media_url, media_url)
GETTER (const char *, media_id, media_id)
GETTER (const char *, media_mime, media_mime)
GETTER (const char *, media_filename, media_filename)
GETTER (gint64, media_size, media_size)
GETTER (const char *, media_path, media_path)
GETTER (const char *, reply_to, reply_to)
GETTER (const char *, reply_quote, reply_quote)
GETTER (gboolean, reply_outbound, reply_outbound)
GETTER (const char *, reactions, reactions)
GETTER (const char *, template_name, template_name)
GETTER (const char *, sentiment, sentiment)
GETTER (const char *, intent, intent)
GETTER (const char *, automatic, automatic)
GETTER (JsonNode *, content, content)

#undef GETTER

/* Plain marks that read the same in any theme; the UI adds the words. */
const char *
wabiz_message_get_ticks (WabizMessage *self)
{
  g_return_val_if_fail (WABIZ_IS_MESSAGE (self), NULL);

  switch (self->status)
    {
    case WABIZ_MESSAGE_STATUS_RECEIVED:
      return "";
    case WABIZ_MESSAGE_STATUS_QUEUED:
      return "◷";
    case WABIZ_MESSAGE_STATUS_UNKNOWN:
      return "?";
    case WABIZ_MESSAGE_STATUS_ACCEPTED:
    case WABIZ_MESSAGE_STATUS_SENT:
      return "✓";
    case WABIZ_MESSAGE_STATUS_DELIVERED:
    case WABIZ_MESSAGE_STATUS_READ:
    case WABIZ_MESSAGE_STATUS_PLAYED:
      return "✓✓";
    case WABIZ_MESSAGE_STATUS_FAILED:
      return "!";
    default:
      return "";
    }
}

gboolean
wabiz_message_get_location (WabizMessage *self,
                            double       *latitude,
                            double       *longitude)
{
  JsonObject *object;

  g_return_val_if_fail (WABIZ_IS_MESSAGE (self), FALSE);

  if (self->content == NULL || !JSON_NODE_HOLDS_OBJECT (self->content))
    return FALSE;
  object = json_node_get_object (self->content);
  if (!json_object_has_member (object, "latitude") || !json_object_has_member (object, "longitude"))
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "latitude")) ||
      !JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "longitude")) ||
      json_node_get_value_type (json_object_get_member (object, "latitude")) == G_TYPE_STRING)
    return FALSE;

  if (latitude != NULL)
    *latitude = json_object_get_double_member (object, "latitude");
  if (longitude != NULL)
    *longitude = json_object_get_double_member (object, "longitude");
  return TRUE;
}
