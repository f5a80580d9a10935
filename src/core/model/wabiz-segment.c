/* wabiz-segment.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A segment is a filter of leads, kept as JSON (in a campaign, or by
 * name in the segments table) and turned into SQL conditions on the
 * leads table: statuses (any of), tags (all of), a range of last
 * contact, custom fields equal to given texts. Every value is a query
 * parameter; nothing a user typed is ever part of the SQL text.
 */

#define G_LOG_DOMAIN "wabiz-segment"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-lead.h"
#include "wabiz-segment.h"

#include <glib/gi18n-lib.h>

#define MAX_VALUES 100
#define MAX_TEXT 255

struct _WabizSegment
{
  gatomicrefcount  ref_count;

  GStrv            statuses;           /* (owned) (nullable) */
  GStrv            tags;               /* (owned) (nullable) */
  GDateTime       *last_contact_after;  /* (owned) (nullable) */
  GDateTime       *last_contact_before; /* (owned) (nullable) */
  gboolean         never_contacted;
  JsonObject      *custom_fields;      /* (owned) (nullable) text values only */
};

G_DEFINE_BOXED_TYPE (WabizSegment, wabiz_segment, wabiz_segment_ref, wabiz_segment_unref)

/* Returns NULL, for a constructor's error path */
static gpointer
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT, message);
  return NULL;
}

/* A string or a list of strings, each 1 to 255 characters */
static gboolean
read_strings (JsonNode  *node,
              GStrv     *out)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (node);

      if (*s == '\0' || g_utf8_strlen (s, -1) > MAX_TEXT)
        return FALSE;
      g_strv_builder_add (builder, s);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      if (json_array_get_length (array) > MAX_VALUES)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *s;

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
            return FALSE;
          s = json_node_get_string (element);
          if (*s == '\0' || g_utf8_strlen (s, -1) > MAX_TEXT)
            return FALSE;
          g_strv_builder_add (builder, s);
        }
    }
  else
    return FALSE;

  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
read_instant (JsonNode   *node,
              GDateTime **out)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  *out = g_date_time_new_from_iso8601 (json_node_get_string (node), NULL);
  return *out != NULL;
}

WabizSegment *
wabiz_segment_new (void)
{
  WabizSegment *self = g_new0 (WabizSegment, 1);

  g_atomic_ref_count_init (&self->ref_count);
  return self;
}

WabizSegment *
wabiz_segment_new_from_json (JsonObject  *object,
                             GError     **error)
{
  g_autoptr(WabizSegment) self = wabiz_segment_new ();
  g_autoptr(GList) members = NULL;

  g_return_val_if_fail (object != NULL, NULL);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);

      if (JSON_NODE_HOLDS_NULL (node))
        continue;

      if (g_str_equal (name, "status"))
        {
          if (!read_strings (node, &self->statuses))
            return invalid (error, _("“segment.status” must be a lead status or a list of them"));
          for (guint i = 0; self->statuses[i] != NULL; i++)
            {
              g_autofree char *upper = g_ascii_strup (self->statuses[i], -1);

              if (!g_strv_contains (wabiz_lead_get_statuses (), upper))
                return invalid (error, _("“segment.status” must be NEW, CONTACTED, INTERESTED, "
                                         "CONVERTED or LOST"));
              g_free (self->statuses[i]);
              self->statuses[i] = g_steal_pointer (&upper);
            }
        }
      else if (g_str_equal (name, "tags"))
        {
          if (!read_strings (node, &self->tags))
            return invalid (error, _("“segment.tags” must be a list of tags, each 1 to 255 "
                                     "characters"));
        }
      else if (g_str_equal (name, "last_contact_after"))
        {
          if (!read_instant (node, &self->last_contact_after))
            return invalid (error, _("“segment.last_contact_after” must be a date and time in "
                                     "ISO 8601, such as 2025-01-31T09:00:00Z"));
        }
      else if (g_str_equal (name, "last_contact_before"))
        {
          if (!read_instant (node, &self->last_contact_before))
            return invalid (error, _("“segment.last_contact_before” must be a date and time in "
                                     "ISO 8601, such as 2025-01-31T09:00:00Z"));
        }
      else if (g_str_equal (name, "never_contacted"))
        {
          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
            return invalid (error, _("“segment.never_contacted” must be true or false"));
          self->never_contacted = json_node_get_boolean (node);
        }
      else if (g_str_equal (name, "custom_fields"))
        {
          JsonObject *fields;
          g_autoptr(GList) keys = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            return invalid (error, _("“segment.custom_fields” must be an object of texts, such "
                                     "as {\"city\": \"Lisbon\"}"));
          fields = json_node_get_object (node);
          keys = json_object_get_members (fields);
          if (g_list_length (keys) > MAX_VALUES)
            return invalid (error, _("“segment.custom_fields” has too many fields"));
          for (GList *k = keys; k != NULL; k = k->next)
            {
              JsonNode *value = json_object_get_member (fields, k->data);

              if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING ||
                  g_utf8_strlen (json_node_get_string (value), -1) > MAX_TEXT)
                return invalid (error, _("“segment.custom_fields” must be an object of texts, such "
                                         "as {\"city\": \"Lisbon\"}"));
            }
          self->custom_fields = json_object_ref (fields);
        }
      else
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       _("“segment.%s” is not a filter; use status, tags, last_contact_after, "
                         "last_contact_before, never_contacted or custom_fields"), name);
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

static void
add_strings (JsonBuilder *builder,
             const char  *name,
             GStrv        values)
{
  if (values == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

static void
add_instant (JsonBuilder *builder,
             const char  *name,
             GDateTime   *when)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *text = NULL;

  if (when == NULL)
    return;
  utc = g_date_time_to_utc (when);
  text = g_date_time_format_iso8601 (utc);
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

JsonNode *
wabiz_segment_to_json (WabizSegment *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  add_strings (builder, "status", self->statuses);
  add_strings (builder, "tags", self->tags);
  add_instant (builder, "last_contact_after", self->last_contact_after);
  add_instant (builder, "last_contact_before", self->last_contact_before);
  if (self->never_contacted)
    {
      json_builder_set_member_name (builder, "never_contacted");
      json_builder_add_boolean_value (builder, TRUE);
    }
  if (self->custom_fields != NULL)
    {
      JsonNode *fields = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (fields, self->custom_fields);
      json_builder_set_member_name (builder, "custom_fields");
      json_builder_add_value (builder, fields);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

WabizSegment *
wabiz_segment_ref (WabizSegment *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
wabiz_segment_unref (WabizSegment *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_strfreev (self->statuses);
  g_strfreev (self->tags);
  g_clear_pointer (&self->last_contact_after, g_date_time_unref);
  g_clear_pointer (&self->last_contact_before, g_date_time_unref);
  g_clear_pointer (&self->custom_fields, json_object_unref);
  g_free (self);
}

static char *
strv_to_json (GStrv values)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

void
wabiz_segment_append_sql (WabizSegment *self,
                          const char   *alias,
                          GString      *sql,
                          GPtrArray    *params)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (alias != NULL && sql != NULL && params != NULL);

  if (self->statuses != NULL)
    {
      g_ptr_array_add (params, strv_to_json (self->statuses));
      g_string_append_printf (sql, " AND %s.status IN (SELECT jsonb_array_elements_text($%u::jsonb))",
                              alias, params->len);
    }
  if (self->tags != NULL)
    {
      g_ptr_array_add (params, strv_to_json (self->tags));
      g_string_append_printf (sql, " AND %s.tags @> ARRAY(SELECT jsonb_array_elements_text($%u::jsonb))",
                              alias, params->len);
    }
  if (self->last_contact_after != NULL)
    {
      g_ptr_array_add (params, g_date_time_format_iso8601 (self->last_contact_after));
      g_string_append_printf (sql, " AND %s.last_contact >= $%u::timestamptz", alias, params->len);
    }
  if (self->last_contact_before != NULL)
    {
      g_ptr_array_add (params, g_date_time_format_iso8601 (self->last_contact_before));
      g_string_append_printf (sql, " AND %s.last_contact < $%u::timestamptz", alias, params->len);
    }
  if (self->never_contacted)
    g_string_append_printf (sql, " AND %s.last_contact IS NULL", alias);
  if (self->custom_fields != NULL)
    {
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, self->custom_fields);
      g_ptr_array_add (params, json_to_string (node, FALSE));
      json_node_unref (node);
      g_string_append_printf (sql, " AND %s.custom_fields @> $%u::jsonb", alias, params->len);
    }
}

/* ------------------------------------------------------------------ */

static void
count_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  WabizSegment *self = task_data;
  g_autoptr(GString) sql = g_string_new ("SELECT count(*) AS n FROM leads l WHERE true");
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  wabiz_segment_append_sql (self, "l", sql, params);
  res = wabiz_db_conn_exec (conn, sql->str, (int) params->len, (const char * const *) params->pdata, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, wabiz_db_result_get_int (res, 0, "n"));
}

void
wabiz_segment_count_async (WabizSegment        *self,
                           WabizDb             *db,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (WABIZ_IS_DB (db));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_segment_count_async);
  g_task_set_task_data (task, wabiz_segment_ref (self), (GDestroyNotify) wabiz_segment_unref);
  wabiz_db_run_in_thread (db, task, count_job);
}

gint64
wabiz_segment_count_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_segment_count_async), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

typedef struct
{
  WabizSegment *segment;  /* (owned) (nullable) */
  char         *name;     /* (owned) (nullable) */
  char         *id;       /* (owned) (nullable) */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_pointer (&data->segment, wabiz_segment_unref);
  g_free (data->name);
  g_free (data->id);
  g_free (data);
}

static void
save_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  SaveData *data = task_data;
  g_autoptr(JsonNode) filter = wabiz_segment_to_json (data->segment);
  g_autofree char *text = json_to_string (filter, FALSE);
  const char *p[] = { data->name, text };
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  res = wabiz_db_conn_exec (conn,
                            "INSERT INTO segments (name, filter) VALUES ($1, $2::jsonb)"
                            " ON CONFLICT (name) DO UPDATE SET filter = excluded.filter, updated_at = now()"
                            " RETURNING id::text AS id",
                            2, p, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (wabiz_db_result_get (res, 0, "id")), g_free);
}

void
wabiz_segment_save_async (WabizSegment        *self,
                          WabizDb             *db,
                          const char          *name,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  g_return_if_fail (self != NULL);
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (name != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_segment_save_async);
  if (*name == '\0' || g_utf8_strlen (name, -1) > MAX_TEXT)
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                               _("A segment needs a name of 1 to 255 characters"));
      return;
    }
  data = g_new0 (SaveData, 1);
  data->segment = wabiz_segment_ref (self);
  data->name = g_strdup (name);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  wabiz_db_run_in_thread (db, task, save_job);
}

char *
wabiz_segment_save_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_segment_save_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
load_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  SaveData *data = task_data;
  const char *p[] = { data->id };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;
  WabizSegment *segment;

  res = wabiz_db_conn_exec (conn, "SELECT filter::text AS filter FROM segments WHERE id::text = $1",
                            1, p, &error);
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (wabiz_db_result_get_n_rows (res) == 0 ||
      (node = json_from_string (wabiz_db_result_get (res, 0, "filter"), NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND, _("There is no such segment"));
      return;
    }
  segment = wabiz_segment_new_from_json (json_node_get_object (node), &error);
  if (segment == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, segment, (GDestroyNotify) wabiz_segment_unref);
}

void
wabiz_segment_load_async (WabizDb             *db,
                          const char          *id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_segment_load_async);
  data = g_new0 (SaveData, 1);
  data->id = g_strdup (id);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  wabiz_db_run_in_thread (db, task, load_job);
}

WabizSegment *
wabiz_segment_load_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_segment_load_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
