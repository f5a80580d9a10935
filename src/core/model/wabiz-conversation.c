/* wabiz-conversation.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One row of the conversation list: the `conversations` row with its
 * lead's name and status, updated in place when a NOTIFY says it changed.
 */

#define G_LOG_DOMAIN "wabiz-conversation"

#include "config.h"

#include "wabiz-conversation.h"
#include "wabiz-phone.h"

struct _WabizConversation
{
  GObject    parent_instance;

  char      *id;             /* (owned) (nullable) */
  char      *phone;          /* (owned) */
  char      *lead_id;        /* (owned) (nullable) */
  char      *name;           /* (owned) (nullable) */
  char      *title;          /* (owned) */
  char      *lead_status;    /* (owned) (nullable) */
  char      *last_message;   /* (owned) (nullable) */
  char      *ts_key;         /* (owned) (nullable) */
  GDateTime *last_time;      /* (owned) (nullable) */
  char      *last_status;    /* (owned) (nullable) */
  char      *draft;          /* (owned) (nullable) */
  char      *match;          /* (owned) (nullable) */
  gint64     ts_usec;
  gint64     inbound_usec;
  gint64     total_messages;
  guint      unread_count;
  gboolean   last_outbound;
};

G_DEFINE_FINAL_TYPE (WabizConversation, wabiz_conversation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_PHONE,
  PROP_LEAD_ID,
  PROP_NAME,
  PROP_TITLE,
  PROP_LEAD_STATUS,
  PROP_LAST_MESSAGE,
  PROP_LAST_MESSAGE_TIME,
  PROP_LAST_OUTBOUND,
  PROP_LAST_STATUS,
  PROP_UNREAD_COUNT,
  PROP_TOTAL_MESSAGES,
  PROP_LAST_INBOUND_USEC,
  PROP_DRAFT,
  PROP_MATCH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
dup_nonempty (const char *s)
{
  return (s != NULL && *s != '\0') ? g_strdup (s) : NULL;
}

static void
replace_string (WabizConversation  *self,
                char              **field,
                const char         *value,
                guint               prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
update_title (WabizConversation *self)
{
  g_autofree char *title = NULL;

  if (self->name != NULL)
    title = g_strdup (self->name);
  else
    title = wabiz_phone_format_display (self->phone);
  if (title == NULL)
    title = g_strdup (self->phone);

  replace_string (self, &self->title, title, PROP_TITLE);
}

static void
wabiz_conversation_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  WabizConversation *self = WABIZ_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_PHONE: g_value_set_string (value, self->phone); break;
    case PROP_LEAD_ID: g_value_set_string (value, self->lead_id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_LEAD_STATUS: g_value_set_string (value, self->lead_status); break;
    case PROP_LAST_MESSAGE: g_value_set_string (value, self->last_message); break;
    case PROP_LAST_MESSAGE_TIME: g_value_set_boxed (value, self->last_time); break;
    case PROP_LAST_OUTBOUND: g_value_set_boolean (value, self->last_outbound); break;
    case PROP_LAST_STATUS: g_value_set_string (value, self->last_status); break;
    case PROP_UNREAD_COUNT: g_value_set_uint (value, self->unread_count); break;
    case PROP_TOTAL_MESSAGES: g_value_set_int64 (value, self->total_messages); break;
    case PROP_LAST_INBOUND_USEC: g_value_set_int64 (value, self->inbound_usec); break;
    case PROP_DRAFT: g_value_set_string (value, self->draft); break;
    case PROP_MATCH: g_value_set_string (value, self->match); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_conversation_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  WabizConversation *self = WABIZ_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_DRAFT:
      wabiz_conversation_set_draft (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_conversation_finalize (GObject *object)
{
  WabizConversation *self = WABIZ_CONVERSATION (object);

  g_free (self->id);
  g_free (self->phone);
  g_free (self->lead_id);
  g_free (self->name);
  g_free (self->title);
  g_free (self->lead_status);
  g_free (self->last_message);
  g_free (self->ts_key);
  g_clear_pointer (&self->last_time, g_date_time_unref);
  g_free (self->last_status);
  g_free (self->draft);
  g_free (self->match);

  G_OBJECT_CLASS (wabiz_conversation_parent_class)->finalize (object);
}

static void
wabiz_conversation_class_init (WabizConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = wabiz_conversation_get_property;
  object_class->set_property = wabiz_conversation_set_property;
  object_class->finalize = wabiz_conversation_finalize;

#define STR(name) g_param_spec_string (name, NULL, NULL, NULL, flags)
  properties[PROP_ID] = STR ("id");
  properties[PROP_PHONE] = STR ("phone");
  properties[PROP_LEAD_ID] = STR ("lead-id");
  properties[PROP_NAME] = STR ("name");
  properties[PROP_TITLE] = STR ("title");
  properties[PROP_LEAD_STATUS] = STR ("lead-status");
  properties[PROP_LAST_MESSAGE] = STR ("last-message");
  properties[PROP_LAST_MESSAGE_TIME] = g_param_spec_boxed ("last-message-time", NULL, NULL,
                                                           G_TYPE_DATE_TIME, flags);
  properties[PROP_LAST_OUTBOUND] = g_param_spec_boolean ("last-outbound", NULL, NULL, FALSE, flags);
  properties[PROP_LAST_STATUS] = STR ("last-status");
  properties[PROP_UNREAD_COUNT] = g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_TOTAL_MESSAGES] = g_param_spec_int64 ("total-messages", NULL, NULL,
                                                        0, G_MAXINT64, 0, flags);
  properties[PROP_LAST_INBOUND_USEC] = g_param_spec_int64 ("last-inbound-usec", NULL, NULL,
                                                           G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_DRAFT] = g_param_spec_string ("draft", NULL, NULL, NULL,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  properties[PROP_MATCH] = STR ("match");
#undef STR

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_conversation_init (WabizConversation *self)
{
}

WabizConversation *
wabiz_conversation_new (const char *phone)
{
  WabizConversation *self;

  g_return_val_if_fail (phone != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_CONVERSATION, NULL);
  self->phone = g_strdup (phone);
  update_title (self);
  return self;
}

WabizConversation *
wabiz_conversation_new_from_row (WabizDbResult *result,
                                 guint          row)
{
  WabizConversation *self;
  int match_column;

  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (row < wabiz_db_result_get_n_rows (result), NULL);

  self = g_object_new (WABIZ_TYPE_CONVERSATION, NULL);

#define COL(name) wabiz_db_result_get (result, row, name)
  self->id = g_strdup (COL ("id"));
  self->phone = g_strdup (COL ("phone"));
  self->lead_id = dup_nonempty (COL ("lead_id"));
  self->name = dup_nonempty (COL ("name"));
  self->lead_status = dup_nonempty (COL ("lead_status"));
  self->last_message = dup_nonempty (COL ("last_message"));
  self->ts_key = dup_nonempty (COL ("ts"));
  self->ts_usec = COL ("ts_usec") != NULL ? wabiz_db_result_get_int (result, row, "ts_usec") : G_MININT64;
  if (self->ts_key != NULL)
    {
      g_autoptr(GDateTime) epoch = g_date_time_new_from_unix_utc (0);

      self->last_time = g_date_time_add (epoch, self->ts_usec);
    }
  self->last_outbound = g_strcmp0 (COL ("last_direction"), "outbound") == 0;
  self->last_status = dup_nonempty (COL ("last_message_status"));
  self->unread_count = (guint) MAX (0, wabiz_db_result_get_int (result, row, "unread_count"));
  self->total_messages = wabiz_db_result_get_int (result, row, "total_messages");
  self->inbound_usec = COL ("inbound_usec") != NULL
                       ? wabiz_db_result_get_int (result, row, "inbound_usec") : 0;
  self->draft = dup_nonempty (COL ("draft"));
  match_column = wabiz_db_result_get_column (result, "match");
  if (match_column >= 0)
    self->match = dup_nonempty (wabiz_db_result_get_nth (result, row, (guint) match_column));
#undef COL

  update_title (self);
  return self;
}

void
wabiz_conversation_update_from (WabizConversation *self,
                                WabizConversation *other)
{
  g_return_if_fail (WABIZ_IS_CONVERSATION (self));
  g_return_if_fail (WABIZ_IS_CONVERSATION (other));

  g_object_freeze_notify (G_OBJECT (self));

  replace_string (self, &self->id, other->id, PROP_ID);
  replace_string (self, &self->lead_id, other->lead_id, PROP_LEAD_ID);
  replace_string (self, &self->name, other->name, PROP_NAME);
  replace_string (self, &self->lead_status, other->lead_status, PROP_LEAD_STATUS);
  replace_string (self, &self->last_message, other->last_message, PROP_LAST_MESSAGE);
  if (self->ts_usec != other->ts_usec || g_strcmp0 (self->ts_key, other->ts_key) != 0)
    {
      g_free (self->ts_key);
      self->ts_key = g_strdup (other->ts_key);
      self->ts_usec = other->ts_usec;
      g_clear_pointer (&self->last_time, g_date_time_unref);
      if (other->last_time != NULL)
        self->last_time = g_date_time_ref (other->last_time);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_MESSAGE_TIME]);
    }
  if (self->last_outbound != other->last_outbound)
    {
      self->last_outbound = other->last_outbound;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_OUTBOUND]);
    }
  replace_string (self, &self->last_status, other->last_status, PROP_LAST_STATUS);
  if (self->unread_count != other->unread_count)
    {
      self->unread_count = other->unread_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_COUNT]);
    }
  if (self->total_messages != other->total_messages)
    {
      self->total_messages = other->total_messages;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_MESSAGES]);
    }
  if (self->inbound_usec != other->inbound_usec)
    {
      self->inbound_usec = other->inbound_usec;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_INBOUND_USEC]);
    }
  replace_string (self, &self->draft, other->draft, PROP_DRAFT);
  replace_string (self, &self->match, other->match, PROP_MATCH);
  update_title (self);

  g_object_thaw_notify (G_OBJECT (self));
}

int
wabiz_conversation_compare (WabizConversation *a,
                            WabizConversation *b)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATION (a), 0);
  g_return_val_if_fail (WABIZ_IS_CONVERSATION (b), 0);

  /* ORDER BY last_message_time DESC NULLS LAST, id */
  if ((a->ts_key == NULL) != (b->ts_key == NULL))
    return a->ts_key == NULL ? 1 : -1;
  if (a->ts_key != NULL && a->ts_usec != b->ts_usec)
    return a->ts_usec > b->ts_usec ? -1 : 1;

  return g_ascii_strcasecmp (a->id != NULL ? a->id : "", b->id != NULL ? b->id : "");
}

#define GETTER(type, name, field) \
  type wabiz_conversation_get_##name (WabizConversation *self) \
  { \
    g_return_val_if_fail (WABIZ_IS_CONVERSATION (self), 0); \
    return self->field; \
  }

GETTER (const char *, id, id)
GETTER (const char *, phone, phone)
GETTER (const char *, lead_id, lead_id)
GETTER (const char *, name, name)
GETTER (const char *, title, title)
GETTER (const char *, lead_status, lead_status)
GETTER (const char *, last_message, last_message)
GETTER (GDateTime *, last_message_time, last_time)
GETTER (const char *, timestamp_key, ts_key)
GETTER (gint64, timestamp_usec, ts_usec)
GETTER (gboolean, last_outbound, last_outbound)
GETTER (const char *, last_status, last_status)
GETTER (guint, unread_count, unread_count)
GETTER (gint64, total_messages, total_messages)
GETTER (gint64, last_inbound_usec, inbound_usec)
GETTER (const char *, draft, draft)
GETTER (const char *, match, match)

#undef GETTER

gint64
wabiz_conversation_get_window_left (WabizConversation *self,
                                    gint64             now_usec)
{
  gint64 left;

  g_return_val_if_fail (WABIZ_IS_CONVERSATION (self), 0);

  if (self->inbound_usec == 0)
    return 0;

  left = self->inbound_usec + WABIZ_SERVICE_WINDOW_USEC - now_usec;
  return MAX (left, 0);
}

void
wabiz_conversation_set_draft (WabizConversation *self,
                              const char        *draft)
{
  g_autofree char *value = NULL;

  g_return_if_fail (WABIZ_IS_CONVERSATION (self));

  value = dup_nonempty (draft);
  replace_string (self, &self->draft, value, PROP_DRAFT);
}
