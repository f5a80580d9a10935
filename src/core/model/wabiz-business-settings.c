/* wabiz-business-settings.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The business's shared settings, one row per setting in the database's
 * business_settings table (data/sql/016-ai.sql), each value as JSON. A
 * setting without a row has its default. Loading merges three ways: a
 * setting the database changed since this object last saw it is taken,
 * one changed only here stays until saved. Saving writes only the
 * settings changed here, so that two processes editing different
 * settings never undo each other. A trigger announces every change on
 * the "wabiz" channel as changed::business_settings, which watch()
 * follows.
 */

#define G_LOG_DOMAIN "wabiz-business-settings"

#include "config.h"

#include "wabiz-business-settings-private.h"
#include "wabiz-error.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include <string.h>

#define MAX_INTERVAL_MINUTES (366 * 24 * 60)
#define MAX_KEYWORDS         100
#define MAX_KEYWORD_CHARS    100
#define MAX_RANGES_PER_DAY   8

struct _WabizBusinessSettings
{
  GObject             parent_instance;

  char               *profile;           /* (owned) */
  char               *time_zone;         /* (owned) */
  char              **hours;             /* (owned) (nullable) 7 days, Monday first */
  gboolean            analysis_enabled;
  WabizAutoReplyMode  auto_reply_mode;
  char              **keywords;          /* (owned) never NULL */
  guint               auto_reply_interval;
  gboolean            greeting_enabled;
  char               *greeting_text;     /* (owned) */
  guint               greeting_interval;
  gboolean            away_enabled;
  char               *away_text;         /* (owned) */
  guint               away_interval;

  JsonObject         *seen;              /* (owned) key → value as last loaded or saved */
  WabizDb            *db;                /* (owned) (nullable) watched */
  WabizDbListener    *listener;          /* (owned) (nullable) watched */
  GCancellable       *cancellable;       /* (owned) the watch's loads */
  gboolean            loading;
  gboolean            reload_pending;
};

G_DEFINE_FINAL_TYPE (WabizBusinessSettings, wabiz_business_settings, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (WabizAutoReplyMode, wabiz_auto_reply_mode,
                    G_DEFINE_ENUM_VALUE (WABIZ_AUTO_REPLY_OFF, "off"),
                    G_DEFINE_ENUM_VALUE (WABIZ_AUTO_REPLY_OUTSIDE_HOURS, "outside_hours"),
                    G_DEFINE_ENUM_VALUE (WABIZ_AUTO_REPLY_ALWAYS, "always"),
                    G_DEFINE_ENUM_VALUE (WABIZ_AUTO_REPLY_KEYWORDS, "keywords"))

enum
{
  PROP_0,
  PROP_PROFILE,
  PROP_TIME_ZONE,
  PROP_HOURS,
  PROP_ANALYSIS_ENABLED,
  PROP_AUTO_REPLY_MODE,
  PROP_AUTO_REPLY_KEYWORDS,
  PROP_AUTO_REPLY_INTERVAL,
  PROP_GREETING_ENABLED,
  PROP_GREETING_TEXT,
  PROP_GREETING_INTERVAL,
  PROP_AWAY_ENABLED,
  PROP_AWAY_TEXT,
  PROP_AWAY_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Each setting's row in business_settings */
static const struct
{
  guint       prop;
  const char *key;
} settings_keys[] = {
  { PROP_PROFILE, "profile" },
  { PROP_TIME_ZONE, "time_zone" },
  { PROP_HOURS, "hours" },
  { PROP_ANALYSIS_ENABLED, WABIZ_BUSINESS_SETTINGS_KEY_ANALYSIS },
  { PROP_AUTO_REPLY_MODE, WABIZ_BUSINESS_SETTINGS_KEY_AUTO_REPLY_MODE },
  { PROP_AUTO_REPLY_KEYWORDS, "auto_reply_keywords" },
  { PROP_AUTO_REPLY_INTERVAL, "auto_reply_interval_minutes" },
  { PROP_GREETING_ENABLED, WABIZ_BUSINESS_SETTINGS_KEY_GREETING },
  { PROP_GREETING_TEXT, "greeting_text" },
  { PROP_GREETING_INTERVAL, "greeting_interval_minutes" },
  { PROP_AWAY_ENABLED, WABIZ_BUSINESS_SETTINGS_KEY_AWAY },
  { PROP_AWAY_TEXT, "away_text" },
  { PROP_AWAY_INTERVAL, "away_interval_minutes" },
};

/* The keys of "hours", Monday first (GDateWeekday - 1) */
static const char * const day_keys[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

typedef struct
{
  guint open;   /* minutes since midnight */
  guint close;  /* minutes since midnight, 1440 for 24:00; <= open: the next day */
} Range;

/* ------------------------------------------------------------------ */
/* hours */

static gboolean
parse_time (const char *text,
            gsize       len,
            gboolean    is_close,
            guint      *minutes)
{
  g_autofree char *copy = g_strstrip (g_strndup (text, len));
  guint hours, mins;

  if (strlen (copy) != 5 || copy[2] != ':' || !g_ascii_isdigit (copy[0]) ||
      !g_ascii_isdigit (copy[1]) || !g_ascii_isdigit (copy[3]) || !g_ascii_isdigit (copy[4]))
    return FALSE;
  hours = (copy[0] - '0') * 10 + (copy[1] - '0');
  mins = (copy[3] - '0') * 10 + (copy[4] - '0');
  if (mins > 59 || hours > 24 || (hours == 24 && (mins != 0 || !is_close)))
    return FALSE;
  *minutes = hours * 60 + mins;
  return TRUE;
}

/* "09:00-13:00, 14:00-18:00" → ranges; "" → none (closed) */
static gboolean
parse_ranges (const char *text,
              GArray     *ranges,
              GError    **error)
{
  g_auto(GStrv) parts = NULL;

  g_assert (text != NULL);

  if (*text == '\0')
    return TRUE;
  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *dash = strchr (parts[i], '-');
      Range range = { 0, 0 };

      /* 10:00-10:00 is nothing; 00:00-24:00 is the whole day */
      if (dash == NULL || !parse_time (parts[i], dash - parts[i], FALSE, &range.open) ||
          !parse_time (dash + 1, strlen (dash + 1), TRUE, &range.close) ||
          (range.open == range.close % (24 * 60) && !(range.open == 0 && range.close == 24 * 60)))
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       /* Translators: %s is what the owner typed */
                       _("“%s” is not a time range: write the opening and the closing time, "
                         "for example 09:00-18:00"),
                       g_strstrip (parts[i]));
          return FALSE;
        }
      if (ranges->len >= MAX_RANGES_PER_DAY)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       _("A day has at most %d ranges of business hours"), MAX_RANGES_PER_DAY);
          return FALSE;
        }
      g_array_append_val (ranges, range);
    }
  return TRUE;
}

static char *
format_ranges (GArray *ranges)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < ranges->len; i++)
    {
      Range *r = &g_array_index (ranges, Range, i);

      g_string_append_printf (out, "%s%02u:%02u-%02u:%02u", i > 0 ? ", " : "", r->open / 60,
                              r->open % 60, r->close / 60, r->close % 60);
    }
  return g_string_free (out, FALSE);
}

/* The canonical form of @text, or NULL (error set) */
static char *
normalize_ranges (const char *text,
                  GError    **error)
{
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (Range));

  if (!parse_ranges (text, ranges, error))
    return NULL;
  return format_ranges (ranges);
}

static gboolean
hours_equal (char **a,
             char **b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strv_equal ((const char * const *) a, (const char * const *) b);
}

/* Seven valid days, normalized, or NULL */
static char **
normalize_hours (const char * const *hours)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (hours == NULL || g_strv_length ((char **) hours) != 7)
    return NULL;
  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *day = normalize_ranges (hours[i], NULL);

      if (day == NULL)
        return NULL;
      g_strv_builder_add (builder, day);
    }
  return g_strv_builder_end (builder);
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (!g_unichar_isspace (g_utf8_get_char (p)))
        return FALSE;
    }
  return TRUE;
}

static GTimeZone *
dup_time_zone (WabizBusinessSettings *self)
{
  GTimeZone *tz = g_time_zone_new_identifier (self->time_zone);

  return tz != NULL ? tz : g_time_zone_new_utc ();
}

/* ------------------------------------------------------------------ */
/* values as JSON */

static void
set_string (char       **field,
            const char  *value,
            WabizBusinessSettings *self,
            guint        prop)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static JsonNode *
value_to_json (const GValue *value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  GType type = G_VALUE_TYPE (value);

  if (type == G_TYPE_STRING)
    json_node_set_string (node, g_value_get_string (value) != NULL ? g_value_get_string (value) : "");
  else if (type == G_TYPE_BOOLEAN)
    json_node_set_boolean (node, g_value_get_boolean (value));
  else if (type == G_TYPE_UINT)
    json_node_set_int (node, g_value_get_uint (value));
  else if (G_TYPE_IS_ENUM (type))
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (type);
      GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (value));

      json_node_set_string (node, ev != NULL ? ev->value_nick : "off");
    }
  else
    g_assert_not_reached ();
  return node;
}

/* The setting @key as it is in @self */
static JsonNode *
setting_to_json (WabizBusinessSettings *self,
                 guint                  prop)
{
  g_auto(GValue) value = G_VALUE_INIT;

  if (prop == PROP_HOURS)
    {
      JsonObject *object;
      JsonNode *node;

      if (self->hours == NULL)
        return json_node_new (JSON_NODE_NULL);
      object = json_object_new ();
      for (guint i = 0; i < 7; i++)
        json_object_set_string_member (object, day_keys[i], self->hours[i]);
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (node, object);
      return node;
    }
  if (prop == PROP_AUTO_REPLY_KEYWORDS)
    {
      JsonArray *array = json_array_new ();
      JsonNode *node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; self->keywords[i] != NULL; i++)
        json_array_add_string_element (array, self->keywords[i]);
      json_node_take_array (node, array);
      return node;
    }

  g_value_init (&value, properties[prop]->value_type);
  g_object_get_property (G_OBJECT (self), properties[prop]->name, &value);
  return value_to_json (&value);
}

/* Sets @prop from @node (NULL: the default); FALSE when @node is not a
 * value of the setting's kind (then it is left as it is) */
static gboolean
apply_setting (WabizBusinessSettings *self,
               guint                  prop,
               JsonNode              *node)
{
  GParamSpec *pspec = properties[prop];
  g_auto(GValue) value = G_VALUE_INIT;
  GType type = pspec->value_type;

  if (node == NULL)
    {
      g_value_init (&value, type);
      g_param_value_set_default (pspec, &value);
      g_object_set_property (G_OBJECT (self), pspec->name, &value);
      return TRUE;
    }

  if (prop == PROP_HOURS)
    {
      g_autoptr(GStrvBuilder) builder = NULL;
      g_auto(GStrv) hours = NULL;
      g_auto(GStrv) normalized = NULL;
      JsonObject *object;

      if (JSON_NODE_HOLDS_NULL (node))
        {
          wabiz_business_settings_clear_hours (self);
          return TRUE;
        }
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return FALSE;
      object = json_node_get_object (node);
      builder = g_strv_builder_new ();
      for (guint i = 0; i < 7; i++)
        {
          JsonNode *day = json_object_get_member (object, day_keys[i]);

          if (day == NULL || json_node_get_value_type (day) != G_TYPE_STRING)
            return FALSE;
          g_strv_builder_add (builder, json_node_get_string (day));
        }
      hours = g_strv_builder_end (builder);
      normalized = normalize_hours ((const char * const *) hours);
      if (normalized == NULL)
        return FALSE;
      g_object_set (self, "hours", normalized, NULL);
      return TRUE;
    }

  if (prop == PROP_AUTO_REPLY_KEYWORDS)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) keywords = NULL;
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        return FALSE;
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (json_node_get_value_type (element) != G_TYPE_STRING)
            return FALSE;
          g_strv_builder_add (builder, json_node_get_string (element));
        }
      keywords = g_strv_builder_end (builder);
      wabiz_business_settings_set_auto_reply_keywords (self, (const char * const *) keywords);
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  g_value_init (&value, type);
  if (type == G_TYPE_STRING && json_node_get_value_type (node) == G_TYPE_STRING)
    g_value_set_string (&value, json_node_get_string (node));
  else if (type == G_TYPE_BOOLEAN && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    g_value_set_boolean (&value, json_node_get_boolean (node));
  else if (type == G_TYPE_UINT && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 n = json_node_get_int (node);
      GParamSpecUInt *uspec = G_PARAM_SPEC_UINT (pspec);

      if (n < uspec->minimum || n > uspec->maximum)
        return FALSE;
      g_value_set_uint (&value, (guint) n);
    }
  else if (G_TYPE_IS_ENUM (type) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (type);
      GEnumValue *ev = g_enum_get_value_by_nick (klass, json_node_get_string (node));

      if (ev == NULL)
        return FALSE;
      g_value_set_enum (&value, ev->value);
    }
  else
    return FALSE;

  g_object_set_property (G_OBJECT (self), pspec->name, &value);
  return TRUE;
}

static JsonNode *
default_json (guint prop)
{
  g_autoptr(WabizBusinessSettings) defaults = g_object_new (WABIZ_TYPE_BUSINESS_SETTINGS, NULL);

  return setting_to_json (defaults, prop);
}

/* Takes every setting @rows (key → value) holds that changed since
 * @self last saw the database; with @all, every setting, as is (a fresh
 * object). Returns whether anything changed. */
static gboolean
merge (WabizBusinessSettings *self,
       JsonObject            *rows,
       gboolean               all)
{
  gboolean changed = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < G_N_ELEMENTS (settings_keys); i++)
    {
      const char *key = settings_keys[i].key;
      guint prop = settings_keys[i].prop;
      JsonNode *stored = json_object_get_member (rows, key);
      JsonNode *seen = json_object_get_member (self->seen, key);
      g_autoptr(JsonNode) before = NULL;
      g_autoptr(JsonNode) after = NULL;
      g_autoptr(JsonNode) fallback = NULL;

      if (stored == NULL)
        stored = fallback = default_json (prop);
      if (!all && seen != NULL && json_node_equal (seen, stored))
        continue;

      before = setting_to_json (self, prop);
      if (!apply_setting (self, prop, stored))
        {
          g_warning ("The business setting “%s” in the database is not valid; using %s",
                     key, all ? "its default" : "the one known before");
          if (all)
            apply_setting (self, prop, NULL);
          continue;
        }
      after = setting_to_json (self, prop);
      json_object_set_member (self->seen, key, json_node_copy (stored));
      changed |= !json_node_equal (before, after);
    }
  g_object_thaw_notify (G_OBJECT (self));
  return changed;
}

/* ------------------------------------------------------------------ */
/* jobs */

static JsonObject *
read_rows (WabizDbConn *conn,
           GError     **error)
{
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *rows;

  res = wabiz_db_conn_exec (conn, "SELECT key, value::text AS value FROM business_settings", 0,
                            NULL, error);
  if (res == NULL)
    return NULL;
  rows = json_object_new ();
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      const char *key = wabiz_db_result_get (res, i, "key");
      g_autoptr(GError) parse_error = NULL;

      if (!json_parser_load_from_data (parser, wabiz_db_result_get (res, i, "value"), -1,
                                       &parse_error))
        {
          g_warning ("Cannot read the business setting “%s”: %s", key, parse_error->message);
          continue;
        }
      json_object_set_member (rows, key, json_node_copy (json_parser_get_root (parser)));
    }
  return rows;
}

static void
load_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  GError *error = NULL;
  JsonObject *rows = read_rows (conn, &error);

  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) json_object_unref);
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizBusinessSettings *self = g_task_get_source_object (task);
  g_autoptr(JsonObject) rows = NULL;
  GError *error = NULL;

  rows = g_task_propagate_pointer (G_TASK (result), &error);
  if (rows == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (merge (self, rows, FALSE))
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  GPtrArray *keys;    /* (owned) of char * */
  GPtrArray *values;  /* (owned) of char *, JSON text */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_ptr_array_unref (data->keys);
  g_ptr_array_unref (data->values);
  g_free (data);
}

static gboolean
save_on_conn (WabizDbConn *conn,
              gpointer     user_data,
              GError     **error)
{
  SaveData *data = user_data;

  for (guint i = 0; i < data->keys->len; i++)
    {
      g_autoptr(WabizDbResult) res = NULL;
      const char *params[] = { g_ptr_array_index (data->keys, i),
                               g_ptr_array_index (data->values, i) };

      res = wabiz_db_conn_exec (conn,
                                "INSERT INTO business_settings (key, value) VALUES ($1, $2::jsonb)"
                                " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                                "   updated_at = now()"
                                " WHERE business_settings.value IS DISTINCT FROM excluded.value",
                                2, params, error);
      if (res == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
save_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  GError *error = NULL;

  if (wabiz_db_conn_transaction (conn, save_on_conn, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
save_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizBusinessSettings *self = g_task_get_source_object (task);
  SaveData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* what the database holds now, as far as this object knows */
  for (guint i = 0; i < data->keys->len; i++)
    {
      if (json_parser_load_from_data (parser, g_ptr_array_index (data->values, i), -1, NULL))
        json_object_set_member (self->seen, g_ptr_array_index (data->keys, i),
                                json_node_copy (json_parser_get_root (parser)));
    }
  g_task_return_boolean (task, TRUE);
}

static void reload (WabizBusinessSettings *self);

static void
watch_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WabizBusinessSettings) self = user_data;
  g_autoptr(GError) error = NULL;

  self->loading = FALSE;
  if (!wabiz_business_settings_load_finish (self, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Cannot read the business settings: %s", error->message);
    }
  if (self->reload_pending)
    reload (self);
}

static void
reload (WabizBusinessSettings *self)
{
  if (self->db == NULL)
    return;
  if (self->loading)
    {
      self->reload_pending = TRUE;
      return;
    }
  self->loading = TRUE;
  self->reload_pending = FALSE;
  wabiz_business_settings_load_async (self, self->db, self->cancellable, watch_loaded_cb,
                                      g_object_ref (self));
}

static void
listener_changed_cb (WabizBusinessSettings *self,
                     const char            *phone,
                     const char            *id,
                     WabizDbListener       *listener)
{
  reload (self);
}

static void
listener_reconnected_cb (WabizBusinessSettings *self,
                         WabizDbListener       *listener)
{
  reload (self);
}

/* ------------------------------------------------------------------ */

static void
wabiz_business_settings_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  WabizBusinessSettings *self = WABIZ_BUSINESS_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_string (value, self->profile);
      break;
    case PROP_TIME_ZONE:
      g_value_set_string (value, self->time_zone);
      break;
    case PROP_HOURS:
      g_value_set_boxed (value, self->hours);
      break;
    case PROP_ANALYSIS_ENABLED:
      g_value_set_boolean (value, self->analysis_enabled);
      break;
    case PROP_AUTO_REPLY_MODE:
      g_value_set_enum (value, self->auto_reply_mode);
      break;
    case PROP_AUTO_REPLY_KEYWORDS:
      g_value_set_boxed (value, self->keywords);
      break;
    case PROP_AUTO_REPLY_INTERVAL:
      g_value_set_uint (value, self->auto_reply_interval);
      break;
    case PROP_GREETING_ENABLED:
      g_value_set_boolean (value, self->greeting_enabled);
      break;
    case PROP_GREETING_TEXT:
      g_value_set_string (value, self->greeting_text);
      break;
    case PROP_GREETING_INTERVAL:
      g_value_set_uint (value, self->greeting_interval);
      break;
    case PROP_AWAY_ENABLED:
      g_value_set_boolean (value, self->away_enabled);
      break;
    case PROP_AWAY_TEXT:
      g_value_set_string (value, self->away_text);
      break;
    case PROP_AWAY_INTERVAL:
      g_value_set_uint (value, self->away_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_uint (WabizBusinessSettings *self,
          guint                 *field,
          guint                  value,
          guint                  prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_boolean (WabizBusinessSettings *self,
             gboolean              *field,
             gboolean               value,
             guint                  prop)
{
  value = !!value;
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
wabiz_business_settings_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  WabizBusinessSettings *self = WABIZ_BUSINESS_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      wabiz_business_settings_set_profile (self, g_value_get_string (value));
      break;
    case PROP_TIME_ZONE:
      wabiz_business_settings_set_time_zone (self, g_value_get_string (value));
      break;
    case PROP_HOURS:
      {
        const char * const *hours = g_value_get_boxed (value);
        g_auto(GStrv) normalized = normalize_hours (hours);

        if (hours != NULL && normalized == NULL)
          {
            g_warning ("Business hours need seven valid days, Monday first");
            return;
          }
        if (hours_equal (self->hours, normalized))
          return;
        g_strfreev (self->hours);
        self->hours = g_steal_pointer (&normalized);
        g_object_notify_by_pspec (object, pspec);
      }
      break;
    case PROP_ANALYSIS_ENABLED:
      wabiz_business_settings_set_analysis_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_AUTO_REPLY_MODE:
      wabiz_business_settings_set_auto_reply_mode (self, g_value_get_enum (value));
      break;
    case PROP_AUTO_REPLY_KEYWORDS:
      wabiz_business_settings_set_auto_reply_keywords (self, g_value_get_boxed (value));
      break;
    case PROP_AUTO_REPLY_INTERVAL:
      wabiz_business_settings_set_auto_reply_interval (self, g_value_get_uint (value));
      break;
    case PROP_GREETING_ENABLED:
      wabiz_business_settings_set_greeting_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_GREETING_TEXT:
      wabiz_business_settings_set_greeting_text (self, g_value_get_string (value));
      break;
    case PROP_GREETING_INTERVAL:
      wabiz_business_settings_set_greeting_interval (self, g_value_get_uint (value));
      break;
    case PROP_AWAY_ENABLED:
      wabiz_business_settings_set_away_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_AWAY_TEXT:
      wabiz_business_settings_set_away_text (self, g_value_get_string (value));
      break;
    case PROP_AWAY_INTERVAL:
      wabiz_business_settings_set_away_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_business_settings_dispose (GObject *object)
{
  WabizBusinessSettings *self = WABIZ_BUSINESS_SETTINGS (object);

  g_cancellable_cancel (self->cancellable);
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_clear_object (&self->listener);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (wabiz_business_settings_parent_class)->dispose (object);
}

static void
wabiz_business_settings_finalize (GObject *object)
{
  WabizBusinessSettings *self = WABIZ_BUSINESS_SETTINGS (object);

  g_free (self->profile);
  g_free (self->time_zone);
  g_strfreev (self->hours);
  g_strfreev (self->keywords);
  g_free (self->greeting_text);
  g_free (self->away_text);
  g_clear_pointer (&self->seen, json_object_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (wabiz_business_settings_parent_class)->finalize (object);
}

static void
wabiz_business_settings_class_init (WabizBusinessSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = wabiz_business_settings_get_property;
  object_class->set_property = wabiz_business_settings_set_property;
  object_class->dispose = wabiz_business_settings_dispose;
  object_class->finalize = wabiz_business_settings_finalize;

  properties[PROP_PROFILE] = g_param_spec_string ("profile", NULL, NULL, "", flags);
  properties[PROP_TIME_ZONE] = g_param_spec_string ("time-zone", NULL, NULL, "UTC", flags);
  /**
   * WabizBusinessSettings:hours:
   *
   * Seven days of ranges, Monday first (see
   * wabiz_business_settings_set_hours()), or %NULL: no hours, open all
   * the time.
   */
  properties[PROP_HOURS] = g_param_spec_boxed ("hours", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_ANALYSIS_ENABLED] = g_param_spec_boolean ("analysis-enabled", NULL, NULL, FALSE,
                                                            flags);
  properties[PROP_AUTO_REPLY_MODE] = g_param_spec_enum ("auto-reply-mode", NULL, NULL,
                                                        WABIZ_TYPE_AUTO_REPLY_MODE,
                                                        WABIZ_AUTO_REPLY_OFF, flags);
  properties[PROP_AUTO_REPLY_KEYWORDS] = g_param_spec_boxed ("auto-reply-keywords", NULL, NULL,
                                                             G_TYPE_STRV, flags);
  properties[PROP_AUTO_REPLY_INTERVAL] = g_param_spec_uint ("auto-reply-interval", NULL, NULL, 0,
                                                            MAX_INTERVAL_MINUTES,
                                                            WABIZ_AUTO_REPLY_DEFAULT_INTERVAL,
                                                            flags);
  properties[PROP_GREETING_ENABLED] = g_param_spec_boolean ("greeting-enabled", NULL, NULL, FALSE,
                                                            flags);
  properties[PROP_GREETING_TEXT] = g_param_spec_string ("greeting-text", NULL, NULL, "", flags);
  properties[PROP_GREETING_INTERVAL] = g_param_spec_uint ("greeting-interval", NULL, NULL, 0,
                                                          MAX_INTERVAL_MINUTES,
                                                          WABIZ_GREETING_DEFAULT_INTERVAL, flags);
  properties[PROP_AWAY_ENABLED] = g_param_spec_boolean ("away-enabled", NULL, NULL, FALSE, flags);
  properties[PROP_AWAY_TEXT] = g_param_spec_string ("away-text", NULL, NULL, "", flags);
  properties[PROP_AWAY_INTERVAL] = g_param_spec_uint ("away-interval", NULL, NULL, 0,
                                                      MAX_INTERVAL_MINUTES,
                                                      WABIZ_AWAY_DEFAULT_INTERVAL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizBusinessSettings::changed:
   *
   * A load brought settings another process (or object) changed; each
   * changed property was notified too.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wabiz_business_settings_init (WabizBusinessSettings *self)
{
  self->profile = g_strdup ("");
  self->time_zone = g_strdup ("UTC");
  self->keywords = g_new0 (char *, 1);
  self->auto_reply_interval = WABIZ_AUTO_REPLY_DEFAULT_INTERVAL;
  self->greeting_text = g_strdup ("");
  self->greeting_interval = WABIZ_GREETING_DEFAULT_INTERVAL;
  self->away_text = g_strdup ("");
  self->away_interval = WABIZ_AWAY_DEFAULT_INTERVAL;
  self->seen = json_object_new ();
  self->cancellable = g_cancellable_new ();
}

WabizBusinessSettings *
wabiz_business_settings_new (void)
{
  WabizBusinessSettings *self = g_object_new (WABIZ_TYPE_BUSINESS_SETTINGS, NULL);

  /* the database holds the defaults until it is known to hold more */
  for (guint i = 0; i < G_N_ELEMENTS (settings_keys); i++)
    json_object_set_member (self->seen, settings_keys[i].key,
                            setting_to_json (self, settings_keys[i].prop));
  return self;
}

WabizBusinessSettings *
_wabiz_business_settings_load_on_conn (WabizDbConn  *conn,
                                       GError      **error)
{
  g_autoptr(JsonObject) rows = read_rows (conn, error);
  WabizBusinessSettings *self;

  if (rows == NULL)
    return NULL;
  self = wabiz_business_settings_new ();
  merge (self, rows, TRUE);
  return self;
}

void
wabiz_business_settings_load_async (WabizBusinessSettings *self,
                                    WabizDb               *db,
                                    GCancellable          *cancellable,
                                    GAsyncReadyCallback    callback,
                                    gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) job = NULL;

  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_business_settings_load_async);

  job = g_task_new (NULL, cancellable, load_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (job, load_job);
  wabiz_db_run_in_thread (db, job, load_job);
}

gboolean
wabiz_business_settings_load_finish (WabizBusinessSettings *self,
                                     GAsyncResult          *result,
                                     GError               **error)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_business_settings_load_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
wabiz_business_settings_validate (WabizBusinessSettings *self,
                                  GError               **error)
{
  g_autoptr(GTimeZone) tz = NULL;
  const struct
  {
    guint       minutes;
    const char *what;
  } intervals[] = {
    /* Translators: what must be at least one minute */
    { self->auto_reply_interval, N_("The time between two auto-replies to a customer") },
    { self->greeting_interval, N_("The time between two greetings to a customer") },
    { self->away_interval, N_("The time between two away messages to a customer") },
  };

  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), FALSE);

  if (g_utf8_strlen (self->profile, -1) > WABIZ_BUSINESS_PROFILE_MAX)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("The business profile is longer than %d characters; shorten it"),
                   WABIZ_BUSINESS_PROFILE_MAX);
      return FALSE;
    }

  tz = g_time_zone_new_identifier (self->time_zone);
  if (tz == NULL)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   /* Translators: %s is what was entered */
                   _("“%s” is not a time zone; choose one such as Europe/Lisbon"),
                   self->time_zone);
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (intervals); i++)
    {
      if (intervals[i].minutes < 1)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       _("%s must be at least one minute"), _(intervals[i].what));
          return FALSE;
        }
    }

  if (self->greeting_enabled && is_blank (self->greeting_text))
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                           _("Write the greeting message before turning it on"));
      return FALSE;
    }
  if (self->away_enabled && is_blank (self->away_text))
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                           _("Write the away message before turning it on"));
      return FALSE;
    }
  if (g_utf8_strlen (self->greeting_text, -1) > WABIZ_CANNED_TEXT_MAX ||
      g_utf8_strlen (self->away_text, -1) > WABIZ_CANNED_TEXT_MAX)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("A WhatsApp message holds at most %d characters; shorten the greeting or "
                     "the away message"),
                   WABIZ_CANNED_TEXT_MAX);
      return FALSE;
    }
  if ((self->away_enabled || self->auto_reply_mode == WABIZ_AUTO_REPLY_OUTSIDE_HOURS) &&
      self->hours == NULL)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                           _("Set the business hours first: the away message and the "
                             "auto-reply outside business hours depend on them"));
      return FALSE;
    }
  if (self->auto_reply_mode == WABIZ_AUTO_REPLY_KEYWORDS && self->keywords[0] == NULL)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                           _("Add at least one keyword for the auto-reply to answer"));
      return FALSE;
    }
  return TRUE;
}

void
wabiz_business_settings_save_async (WabizBusinessSettings *self,
                                    WabizDb               *db,
                                    GCancellable          *cancellable,
                                    GAsyncReadyCallback    callback,
                                    gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) job = NULL;
  GError *error = NULL;
  SaveData *data;

  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_business_settings_save_async);

  if (!wabiz_business_settings_validate (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (SaveData, 1);
  data->keys = g_ptr_array_new_with_free_func (g_free);
  data->values = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (settings_keys); i++)
    {
      g_autoptr(JsonNode) now = setting_to_json (self, settings_keys[i].prop);
      JsonNode *seen = json_object_get_member (self->seen, settings_keys[i].key);

      if (seen != NULL && json_node_equal (seen, now))
        continue;
      g_ptr_array_add (data->keys, g_strdup (settings_keys[i].key));
      g_ptr_array_add (data->values, json_to_string (now, FALSE));
    }

  job = g_task_new (NULL, cancellable, save_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (job, save_job);
  g_task_set_task_data (job, data, (GDestroyNotify) save_data_free);
  wabiz_db_run_in_thread (db, job, save_job);
}

gboolean
wabiz_business_settings_save_finish (WabizBusinessSettings *self,
                                     GAsyncResult          *result,
                                     GError               **error)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_business_settings_save_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wabiz_business_settings_watch (WabizBusinessSettings *self,
                               WabizDb               *db,
                               WabizDbListener       *listener)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (listener == NULL || WABIZ_IS_DB_LISTENER (listener));

  g_set_object (&self->db, db);
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_set_object (&self->listener, listener);
  if (listener != NULL)
    {
      g_signal_connect_object (listener, "changed::business_settings",
                               G_CALLBACK (listener_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (listener, "reconnected", G_CALLBACK (listener_reconnected_cb), self,
                               G_CONNECT_SWAPPED);
    }
  reload (self);
}

const char *
wabiz_business_settings_get_profile (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), NULL);
  return self->profile;
}

void
wabiz_business_settings_set_profile (WabizBusinessSettings *self,
                                     const char            *profile)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_string (&self->profile, profile, self, PROP_PROFILE);
}

const char *
wabiz_business_settings_get_time_zone (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), NULL);
  return self->time_zone;
}

void
wabiz_business_settings_set_time_zone (WabizBusinessSettings *self,
                                       const char            *time_zone)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_string (&self->time_zone, time_zone != NULL && *time_zone != '\0' ? time_zone : "UTC", self,
              PROP_TIME_ZONE);
}

gboolean
wabiz_business_settings_get_has_hours (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), FALSE);
  return self->hours != NULL;
}

const char *
wabiz_business_settings_get_hours (WabizBusinessSettings *self,
                                   GDateWeekday           day)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), NULL);
  g_return_val_if_fail (day >= G_DATE_MONDAY && day <= G_DATE_SUNDAY, NULL);

  return self->hours != NULL ? self->hours[day - 1] : NULL;
}

gboolean
wabiz_business_settings_set_hours (WabizBusinessSettings *self,
                                   GDateWeekday           day,
                                   const char            *ranges,
                                   GError               **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), FALSE);
  g_return_val_if_fail (day >= G_DATE_MONDAY && day <= G_DATE_SUNDAY, FALSE);
  g_return_val_if_fail (ranges != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  normalized = normalize_ranges (ranges, error);
  if (normalized == NULL)
    return FALSE;

  if (self->hours == NULL)
    {
      self->hours = g_new0 (char *, 8);
      for (guint i = 0; i < 7; i++)
        self->hours[i] = g_strdup ("");
    }
  else if (g_str_equal (self->hours[day - 1], normalized))
    return TRUE;

  g_free (self->hours[day - 1]);
  self->hours[day - 1] = g_steal_pointer (&normalized);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOURS]);
  return TRUE;
}

void
wabiz_business_settings_clear_hours (WabizBusinessSettings *self)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));

  if (self->hours == NULL)
    return;
  g_clear_pointer (&self->hours, g_strfreev);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOURS]);
}

GDateTime *
wabiz_business_settings_to_local (WabizBusinessSettings *self,
                                  GDateTime             *when)
{
  g_autoptr(GTimeZone) tz = NULL;

  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), NULL);
  g_return_val_if_fail (when != NULL, NULL);

  tz = dup_time_zone (self);
  return g_date_time_to_timezone (when, tz);
}

static gboolean
day_covers (const char *day,
            guint       minute,
            gboolean    spill_only)
{
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (Range));

  if (!parse_ranges (day, ranges, NULL))
    return FALSE;
  for (guint i = 0; i < ranges->len; i++)
    {
      Range *r = &g_array_index (ranges, Range, i);
      gboolean overnight = r->close <= r->open;

      if (spill_only)
        {
          /* the part of yesterday's range past midnight */
          if (overnight && minute < r->close)
            return TRUE;
        }
      else if (overnight ? minute >= r->open : (minute >= r->open && minute < r->close))
        return TRUE;
    }
  return FALSE;
}

gboolean
wabiz_business_settings_is_open_at (WabizBusinessSettings *self,
                                    GDateTime             *when)
{
  g_autoptr(GDateTime) local = NULL;
  guint day, minute;

  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), TRUE);
  g_return_val_if_fail (when != NULL, TRUE);

  if (self->hours == NULL)
    return TRUE;

  local = wabiz_business_settings_to_local (self, when);
  day = g_date_time_get_day_of_week (local); /* 1 = Monday */
  minute = g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local);
  return day_covers (self->hours[day - 1], minute, FALSE) ||
         day_covers (self->hours[(day + 5) % 7], minute, TRUE);
}

gboolean
wabiz_business_settings_get_analysis_enabled (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), FALSE);
  return self->analysis_enabled;
}

void
wabiz_business_settings_set_analysis_enabled (WabizBusinessSettings *self,
                                              gboolean               enabled)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_boolean (self, &self->analysis_enabled, enabled, PROP_ANALYSIS_ENABLED);
}

WabizAutoReplyMode
wabiz_business_settings_get_auto_reply_mode (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), WABIZ_AUTO_REPLY_OFF);
  return self->auto_reply_mode;
}

void
wabiz_business_settings_set_auto_reply_mode (WabizBusinessSettings *self,
                                             WabizAutoReplyMode     mode)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  g_return_if_fail (mode <= WABIZ_AUTO_REPLY_KEYWORDS);

  if (self->auto_reply_mode == mode)
    return;
  self->auto_reply_mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_REPLY_MODE]);
}

const char * const *
wabiz_business_settings_get_auto_reply_keywords (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), NULL);
  return (const char * const *) self->keywords;
}

void
wabiz_business_settings_set_auto_reply_keywords (WabizBusinessSettings *self,
                                                 const char * const    *keywords)
{
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) strv = NULL;

  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));

  for (guint i = 0; keywords != NULL && keywords[i] != NULL && kept->len < MAX_KEYWORDS; i++)
    {
      g_autofree char *keyword = g_utf8_make_valid (keywords[i], -1);
      gboolean repeated = FALSE;

      g_strstrip (keyword);
      if (*keyword == '\0')
        continue;
      if (g_utf8_strlen (keyword, -1) > MAX_KEYWORD_CHARS)
        *g_utf8_offset_to_pointer (keyword, MAX_KEYWORD_CHARS) = '\0';
      for (guint j = 0; j < kept->len && !repeated; j++)
        {
          g_autofree char *a = g_utf8_casefold (g_ptr_array_index (kept, j), -1);
          g_autofree char *b = g_utf8_casefold (keyword, -1);

          repeated = g_str_equal (a, b);
        }
      if (!repeated)
        g_ptr_array_add (kept, g_steal_pointer (&keyword));
    }
  g_ptr_array_add (kept, NULL);
  strv = (char **) g_ptr_array_free (g_steal_pointer (&kept), FALSE);

  if (g_strv_equal ((const char * const *) strv, (const char * const *) self->keywords))
    return;
  g_strfreev (self->keywords);
  self->keywords = g_steal_pointer (&strv);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_REPLY_KEYWORDS]);
}

guint
wabiz_business_settings_get_auto_reply_interval (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), 0);
  return self->auto_reply_interval;
}

void
wabiz_business_settings_set_auto_reply_interval (WabizBusinessSettings *self,
                                                 guint                  minutes)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_uint (self, &self->auto_reply_interval, MIN (minutes, MAX_INTERVAL_MINUTES),
            PROP_AUTO_REPLY_INTERVAL);
}

gboolean
wabiz_business_settings_get_greeting_enabled (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), FALSE);
  return self->greeting_enabled;
}

void
wabiz_business_settings_set_greeting_enabled (WabizBusinessSettings *self,
                                              gboolean               enabled)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_boolean (self, &self->greeting_enabled, enabled, PROP_GREETING_ENABLED);
}

const char *
wabiz_business_settings_get_greeting_text (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), NULL);
  return self->greeting_text;
}

void
wabiz_business_settings_set_greeting_text (WabizBusinessSettings *self,
                                           const char            *text)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_string (&self->greeting_text, text, self, PROP_GREETING_TEXT);
}

guint
wabiz_business_settings_get_greeting_interval (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), 0);
  return self->greeting_interval;
}

void
wabiz_business_settings_set_greeting_interval (WabizBusinessSettings *self,
                                               guint                  minutes)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_uint (self, &self->greeting_interval, MIN (minutes, MAX_INTERVAL_MINUTES),
            PROP_GREETING_INTERVAL);
}

gboolean
wabiz_business_settings_get_away_enabled (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), FALSE);
  return self->away_enabled;
}

void
wabiz_business_settings_set_away_enabled (WabizBusinessSettings *self,
                                          gboolean               enabled)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_boolean (self, &self->away_enabled, enabled, PROP_AWAY_ENABLED);
}

const char *
wabiz_business_settings_get_away_text (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), NULL);
  return self->away_text;
}

void
wabiz_business_settings_set_away_text (WabizBusinessSettings *self,
                                       const char            *text)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_string (&self->away_text, text, self, PROP_AWAY_TEXT);
}

guint
wabiz_business_settings_get_away_interval (WabizBusinessSettings *self)
{
  g_return_val_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self), 0);
  return self->away_interval;
}

void
wabiz_business_settings_set_away_interval (WabizBusinessSettings *self,
                                           guint                  minutes)
{
  g_return_if_fail (WABIZ_IS_BUSINESS_SETTINGS (self));
  set_uint (self, &self->away_interval, MIN (minutes, MAX_INTERVAL_MINUTES),
            PROP_AWAY_INTERVAL);
}
