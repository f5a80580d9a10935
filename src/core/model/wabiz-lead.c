/* wabiz-lead.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One row of the leads table, as the app shows and edits it.
 */

#define G_LOG_DOMAIN "wabiz-lead"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-lead.h"
#include "wabiz-phone.h"
#include "wabiz-store.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

struct _WabizLead
{
  GObject    parent_instance;

  char      *id;             /* (owned) (nullable): NULL until saved */
  char      *phone;          /* (owned) (nullable) */
  char      *name;           /* (owned) (nullable) */
  char      *email;          /* (owned) (nullable) */
  char      *status;         /* (owned) */
  char      *timezone;       /* (owned) (nullable) */
  char      *notes;          /* (owned) (nullable) */
  GStrv      tags;           /* (owned) */
  char      *custom_fields;  /* (owned): JSON object */
  GDateTime *last_contact;   /* (owned) (nullable) */
  GDateTime *created_at;     /* (owned) (nullable) */
  guint      unread_count;
};

G_DEFINE_FINAL_TYPE (WabizLead, wabiz_lead, G_TYPE_OBJECT)

static const char * const statuses[] = { "NEW", "CONTACTED", "INTERESTED", "CONVERTED", "LOST", NULL };
static const char * const status_labels[] = {
  NC_("lead status", "New"), NC_("lead status", "Contacted"), NC_("lead status", "Interested"),
  NC_("lead status", "Converted"), NC_("lead status", "Lost"),
};

static void
set_str (char       **slot,
         const char  *value)
{
  char *copy = (value != NULL && *value != '\0') ? g_strdup (value) : NULL;

  g_free (*slot);
  *slot = copy;
}

static GDateTime *
date_from_us (const char *text)
{
  g_autoptr(GDateTime) epoch = NULL;

  if (text == NULL)
    return NULL;
  epoch = g_date_time_new_from_unix_utc (0);
  return g_date_time_add (epoch, g_ascii_strtoll (text, NULL, 10));
}

static void
wabiz_lead_finalize (GObject *object)
{
  WabizLead *self = WABIZ_LEAD (object);

  g_free (self->id);
  g_free (self->phone);
  g_free (self->name);
  g_free (self->email);
  g_free (self->status);
  g_free (self->timezone);
  g_free (self->notes);
  g_strfreev (self->tags);
  g_free (self->custom_fields);
  g_clear_pointer (&self->last_contact, g_date_time_unref);
  g_clear_pointer (&self->created_at, g_date_time_unref);

  G_OBJECT_CLASS (wabiz_lead_parent_class)->finalize (object);
}

static void
wabiz_lead_class_init (WabizLeadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wabiz_lead_finalize;
}

static void
wabiz_lead_init (WabizLead *self)
{
  self->status = g_strdup ("NEW");
  self->tags = g_new0 (char *, 1);
  self->custom_fields = g_strdup ("{}");
}

const char * const *
wabiz_lead_get_statuses (void)
{
  return statuses;
}

gboolean
wabiz_lead_status_is_valid (const char *status)
{
  return status != NULL && g_strv_contains (statuses, status);
}

const char *
wabiz_lead_status_to_label (const char *status)
{
  for (guint i = 0; statuses[i] != NULL; i++)
    if (g_strcmp0 (statuses[i], status) == 0)
      return g_dpgettext2 (GETTEXT_PACKAGE, "lead status", status_labels[i]);
  return status;
}

WabizLead *
wabiz_lead_new (void)
{
  return g_object_new (WABIZ_TYPE_LEAD, NULL);
}

/**
 * wabiz_lead_new_from_result:
 * @result: rows selected with %WABIZ_LEAD_COLUMNS
 */
WabizLead *
wabiz_lead_new_from_result (WabizDbResult *result,
                            guint          row)
{
  WabizLead *self;
  const char *tags_json;
  const char *custom;
  const char *status;

  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (row < wabiz_db_result_get_n_rows (result), NULL);

  self = wabiz_lead_new ();
  self->id = g_strdup (wabiz_db_result_get (result, row, "id"));
  set_str (&self->phone, wabiz_db_result_get (result, row, "phone"));
  set_str (&self->name, wabiz_db_result_get (result, row, "name"));
  set_str (&self->email, wabiz_db_result_get (result, row, "email"));
  status = wabiz_db_result_get (result, row, "status");
  if (status != NULL)
    {
      g_free (self->status);
      self->status = g_strdup (status);
    }
  set_str (&self->timezone, wabiz_db_result_get (result, row, "timezone"));
  set_str (&self->notes, wabiz_db_result_get (result, row, "notes"));
  self->last_contact = date_from_us (wabiz_db_result_get (result, row, "last_contact_us"));
  self->created_at = date_from_us (wabiz_db_result_get (result, row, "created_us"));
  self->unread_count = (guint) wabiz_db_result_get_int (result, row, "unread_count");

  custom = wabiz_db_result_get (result, row, "custom_fields_json");
  if (custom != NULL)
    set_str (&self->custom_fields, custom);

  tags_json = wabiz_db_result_get (result, row, "tags_json");
  if (tags_json != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (json_parser_load_from_data (parser, tags_json, -1, NULL) &&
          (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_ARRAY (root))
        {
          JsonArray *array = json_node_get_array (root);
          g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *node = json_array_get_element (array, i);

              if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
                g_strv_builder_add (builder, json_node_get_string (node));
            }
          g_strfreev (self->tags);
          self->tags = g_strv_builder_end (builder);
        }
    }

  return self;
}

WabizLead *
wabiz_lead_copy (WabizLead *self)
{
  WabizLead *copy;

  g_return_val_if_fail (WABIZ_IS_LEAD (self), NULL);

  copy = wabiz_lead_new ();
  copy->id = g_strdup (self->id);
  copy->phone = g_strdup (self->phone);
  copy->name = g_strdup (self->name);
  copy->email = g_strdup (self->email);
  g_free (copy->status);
  copy->status = g_strdup (self->status);
  copy->timezone = g_strdup (self->timezone);
  copy->notes = g_strdup (self->notes);
  g_strfreev (copy->tags);
  copy->tags = g_strdupv (self->tags);
  g_free (copy->custom_fields);
  copy->custom_fields = g_strdup (self->custom_fields);
  copy->last_contact = self->last_contact ? g_date_time_ref (self->last_contact) : NULL;
  copy->created_at = self->created_at ? g_date_time_ref (self->created_at) : NULL;
  copy->unread_count = self->unread_count;
  return copy;
}

#define GETTER(field) \
  const char * \
  wabiz_lead_get_##field (WabizLead *self) \
  { \
    g_return_val_if_fail (WABIZ_IS_LEAD (self), NULL); \
    return self->field; \
  }
#define SETTER(field) \
  void \
  wabiz_lead_set_##field (WabizLead  *self, \
                          const char *value) \
  { \
    g_return_if_fail (WABIZ_IS_LEAD (self)); \
    set_str (&self->field, value); \
  }

GETTER (id)
GETTER (phone)
SETTER (phone)
GETTER (name)
SETTER (name)
GETTER (email)
SETTER (email)
GETTER (status)
GETTER (timezone)
SETTER (timezone)
GETTER (notes)
SETTER (notes)
GETTER (custom_fields)

void
wabiz_lead_set_status (WabizLead  *self,
                       const char *status)
{
  g_return_if_fail (WABIZ_IS_LEAD (self));
  g_return_if_fail (status != NULL);

  g_free (self->status);
  self->status = g_strdup (status);
}

const char * const *
wabiz_lead_get_tags (WabizLead *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD (self), NULL);

  return (const char * const *) self->tags;
}

void
wabiz_lead_set_tags (WabizLead          *self,
                     const char * const *tags)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_if_fail (WABIZ_IS_LEAD (self));

  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    {
      g_autofree char *tag = g_strstrip (g_strdup (tags[i]));

      if (*tag != '\0')
        g_strv_builder_add (builder, tag);
    }
  g_strfreev (self->tags);
  self->tags = g_strv_builder_end (builder);
}

void
wabiz_lead_set_custom_fields (WabizLead  *self,
                              const char *json)
{
  g_return_if_fail (WABIZ_IS_LEAD (self));

  g_free (self->custom_fields);
  self->custom_fields = g_strdup (json != NULL && *json != '\0' ? json : "{}");
}

GDateTime *
wabiz_lead_get_last_contact (WabizLead *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD (self), NULL);

  return self->last_contact;
}

GDateTime *
wabiz_lead_get_created_at (WabizLead *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD (self), NULL);

  return self->created_at;
}

guint
wabiz_lead_get_unread_count (WabizLead *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD (self), 0);

  return self->unread_count;
}

char *
wabiz_lead_dup_display_name (WabizLead *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD (self), NULL);

  if (self->name != NULL)
    return g_strdup (self->name);
  if (self->phone != NULL)
    {
      char *formatted = wabiz_phone_format_display (self->phone);

      return formatted != NULL ? formatted : g_strdup (self->phone);
    }
  return g_strdup (_("Unnamed lead"));
}

static gboolean
email_is_valid (const char *email)
{
  return g_regex_match_simple ("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email, 0, 0);
}

GHashTable *
wabiz_lead_validate (WabizLead *self)
{
  g_autoptr(GHashTable) errors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_return_val_if_fail (WABIZ_IS_LEAD (self), NULL);

  if (self->phone == NULL)
    g_hash_table_insert (errors, (gpointer) "phone", g_strdup (_("A phone number is needed")));
  else
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normalized = wabiz_phone_normalize (self->phone, &error);

      if (normalized == NULL)
        g_hash_table_insert (errors, (gpointer) "phone", g_strdup (error->message));
      else
        set_str (&self->phone, normalized);
    }

  if (self->name != NULL && g_utf8_strlen (self->name, -1) > 255)
    g_hash_table_insert (errors, (gpointer) "name", g_strdup (_("The name is too long")));

  if (self->email != NULL && (!email_is_valid (self->email) || strlen (self->email) > 255))
    g_hash_table_insert (errors, (gpointer) "email",
                         g_strdup (_("This is not an email address")));

  if (!wabiz_lead_status_is_valid (self->status))
    g_hash_table_insert (errors, (gpointer) "status", g_strdup (_("Unknown status")));

  if (self->timezone != NULL)
    {
      GTimeZone *tz = g_time_zone_new_identifier (self->timezone);

      if (tz == NULL)
        g_hash_table_insert (errors, (gpointer) "timezone",
                             /* Translators: keep the example as it is */
                             g_strdup (_("Unknown time zone; use a name such as America/Sao_Paulo")));
      else
        g_time_zone_unref (tz);
    }

  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonNode *root;

    if (!json_parser_load_from_data (parser, self->custom_fields, -1, NULL) ||
        (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
      g_hash_table_insert (errors, (gpointer) "custom-fields",
                           g_strdup (_("Custom fields must be a list of names and values")));
  }

  if (g_hash_table_size (errors) == 0)
    return NULL;
  return g_steal_pointer (&errors);
}

char *
wabiz_lead_strv_to_pg_array (const char * const *strv)
{
  return wabiz_db_text_array (strv, strv != NULL ? g_strv_length ((char **) strv) : 0);
}

typedef struct
{
  WabizLead *lead;    /* (unowned): the copy to save */
  WabizLead *saved;   /* (owned) (nullable): as the database has it */
} Save;

static gboolean
save_in_transaction (WabizDbConn  *conn,
                     gpointer      data,
                     GError      **error)
{
  Save *save = data;
  WabizLead *lead = save->lead;
  g_autofree char *tags = wabiz_lead_strv_to_pg_array ((const char * const *) lead->tags);
  g_autoptr(WabizDbResult) res = NULL;

  if (lead->id == NULL)
    {
      const char *params[] = {
        lead->phone, lead->name, lead->email, lead->status, lead->timezone, lead->notes, tags,
        lead->custom_fields,
      };

      res = wabiz_db_conn_exec (conn,
                                "INSERT INTO leads (phone, name, email, status, timezone, notes,"
                                " tags, custom_fields, first_contact)"
                                " VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::jsonb, now())"
                                " RETURNING " WABIZ_LEAD_COLUMNS,
                                G_N_ELEMENTS (params), params, error);
    }
  else
    {
      const char *params[] = {
        lead->id, lead->phone, lead->name, lead->email, lead->status, lead->timezone,
        lead->notes, tags, lead->custom_fields,
      };

      res = wabiz_db_conn_exec (conn,
                                "UPDATE leads SET phone = $2, name = $3, email = $4, status = $5,"
                                " timezone = $6, notes = $7, tags = $8::text[],"
                                " custom_fields = $9::jsonb, updated_at = now()"
                                " WHERE id = $1 RETURNING " WABIZ_LEAD_COLUMNS,
                                G_N_ELEMENTS (params), params, error);
    }

  if (res == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_rows (res) == 0)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND,
                           _("This lead was deleted in the meantime"));
      return FALSE;
    }

  save->saved = wabiz_lead_new_from_result (res, 0);
  return wabiz_store_notify_on_conn (conn, "leads", save->saved->phone, save->saved->id, error);
}

static void
save_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  Save save = { task_data, NULL };
  GError *error = NULL;

  if (wabiz_db_conn_transaction (conn, save_in_transaction, &save, &error))
    g_task_return_pointer (task, save.saved, g_object_unref);
  else
    {
      g_clear_object (&save.saved);
      g_task_return_error (task, error);
    }
}

/**
 * wabiz_lead_save_async:
 *
 * Saves a copy of @self as it is now; call wabiz_lead_validate() first.
 */
void
wabiz_lead_save_async (WabizLead           *self,
                       WabizDb             *db,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_LEAD (self));
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_lead_save_async);
  g_task_set_task_data (task, wabiz_lead_copy (self), g_object_unref);
  wabiz_db_run_in_thread (db, task, save_job);
}

WabizLead *
wabiz_lead_save_finish (WabizLead     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_LEAD (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_lead_save_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
return_changed (GTask         *task,
                WabizDbResult *res)
{
  g_task_return_int (task, wabiz_db_result_get_int (res, 0, "n"));
}

void
wabiz_leads_change_async (WabizDb             *db,
                          WabizLeadsChange     change,
                          const char * const  *ids,
                          const char          *value,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *array = NULL;
  const char *params[2];
  const char *sql = NULL;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (ids != NULL);

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_leads_change_async);

  if (change != WABIZ_LEADS_CHANGE_DELETE &&
      (value == NULL || *value == '\0' ||
       (change == WABIZ_LEADS_CHANGE_SET_STATUS && !wabiz_lead_status_is_valid (value))))
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT, "%s",
                               change == WABIZ_LEADS_CHANGE_SET_STATUS ? _("Unknown status")
                                                                       : _("A tag is needed"));
      return;
    }

  array = wabiz_lead_strv_to_pg_array (ids);
  params[0] = array;
  params[1] = value;

  /* the NOTIFY is delivered at commit, with the statement */
  switch (change)
    {
    case WABIZ_LEADS_CHANGE_SET_STATUS:
      sql = "WITH u AS (UPDATE leads SET status = $2, updated_at = now()"
            " WHERE id = ANY($1::uuid[]) RETURNING id)"
            " SELECT count(*) AS n, wabiz_notify('leads') FROM u";
      break;
    case WABIZ_LEADS_CHANGE_ADD_TAG:
      sql = "WITH u AS (UPDATE leads SET tags = array_append(tags, btrim($2)), updated_at = now()"
            " WHERE id = ANY($1::uuid[]) AND NOT tags @> ARRAY[btrim($2)] RETURNING id)"
            " SELECT count(*) AS n, wabiz_notify('leads') FROM u";
      break;
    case WABIZ_LEADS_CHANGE_REMOVE_TAG:
      sql = "WITH u AS (UPDATE leads SET tags = array_remove(tags, btrim($2)), updated_at = now()"
            " WHERE id = ANY($1::uuid[]) AND tags @> ARRAY[btrim($2)] RETURNING id)"
            " SELECT count(*) AS n, wabiz_notify('leads') FROM u";
      break;
    case WABIZ_LEADS_CHANGE_DELETE:
      /* conversations keep their messages; they only lose the link */
      sql = "WITH c AS (UPDATE conversations SET lead_id = NULL WHERE lead_id = ANY($1::uuid[])),"
            " d AS (DELETE FROM leads WHERE id = ANY($1::uuid[]) RETURNING id)"
            " SELECT count(*) AS n, wabiz_notify('leads') FROM d";
      break;
    default:
      g_return_if_reached ();
    }

  wabiz_db_query_for_task (db, sql, change == WABIZ_LEADS_CHANGE_DELETE ? 1 : 2, params,
                           g_steal_pointer (&task), return_changed);
}

gint64
wabiz_leads_change_finish (WabizDb       *db,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_DB (db), -1);
  g_return_val_if_fail (g_task_is_valid (result, db), -1);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_leads_change_async), -1);

  return g_task_propagate_int (G_TASK (result), error);
}
