/* wabiz-lead-import.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Importing leads from a CSV file: column mapping, phone numbers
 * normalised, duplicates found within the file and against the database,
 * a preview of what happens to each row, then one transaction.
 */

#define G_LOG_DOMAIN "wabiz-lead-import"

#include "config.h"

#include "wabiz-csv.h"
#include "wabiz-error.h"
#include "wabiz-lead.h"
#include "wabiz-lead-import.h"
#include "wabiz-phone.h"
#include "wabiz-store.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct
{
  guint              line;
  WabizImportAction  action;
  char              *reason;
  char              *phone;
  char              *name;
  char              *email;
  char              *status;
  char              *timezone;
  char              *notes;
  char              *tags;       /* PostgreSQL array literal, or NULL */
  char              *custom;     /* JSON object, or NULL */
} Row;

static void
row_free (Row *row)
{
  g_free (row->reason);
  g_free (row->phone);
  g_free (row->name);
  g_free (row->email);
  g_free (row->status);
  g_free (row->timezone);
  g_free (row->notes);
  g_free (row->tags);
  g_free (row->custom);
  g_free (row);
}

struct _WabizLeadImport
{
  GObject           parent_instance;

  WabizDb          *db;        /* (owned) */
  GStrv             header;    /* (owned) (nullable) */
  GPtrArray        *records;   /* (owned) (nullable) of GStrv */
  GArray           *mapping;   /* (owned) of WabizImportField */
  GPtrArray        *rows;      /* (owned) (nullable) of Row: the preview */
  double            progress;
  gboolean          running;
};

G_DEFINE_FINAL_TYPE (WabizLeadImport, wabiz_lead_import, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROGRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const field_labels[] = {
  [WABIZ_IMPORT_FIELD_IGNORE] = N_("Do not import"),
  [WABIZ_IMPORT_FIELD_NAME] = N_("Name"),
  [WABIZ_IMPORT_FIELD_PHONE] = N_("Phone number"),
  [WABIZ_IMPORT_FIELD_EMAIL] = N_("Email"),
  [WABIZ_IMPORT_FIELD_STATUS] = N_("Status"),
  [WABIZ_IMPORT_FIELD_TIMEZONE] = N_("Time zone"),
  [WABIZ_IMPORT_FIELD_NOTES] = N_("Notes"),
  [WABIZ_IMPORT_FIELD_TAGS] = N_("Tags"),
  [WABIZ_IMPORT_FIELD_CUSTOM] = N_("Custom field"),
};

const char *
wabiz_import_field_to_label (WabizImportField field)
{
  g_return_val_if_fail (field < WABIZ_IMPORT_N_FIELDS, NULL);

  return g_dgettext (GETTEXT_PACKAGE, field_labels[field]);
}

static WabizImportField
guess_field (const char *header)
{
  static const struct {
    const char       *name;
    WabizImportField  field;
  } known[] = {
    { "phone", WABIZ_IMPORT_FIELD_PHONE }, { "phone number", WABIZ_IMPORT_FIELD_PHONE },
    { "telephone", WABIZ_IMPORT_FIELD_PHONE }, { "tel", WABIZ_IMPORT_FIELD_PHONE },
    { "mobile", WABIZ_IMPORT_FIELD_PHONE }, { "whatsapp", WABIZ_IMPORT_FIELD_PHONE },
    { "number", WABIZ_IMPORT_FIELD_PHONE }, { "wa_id", WABIZ_IMPORT_FIELD_PHONE },
    { "telefone", WABIZ_IMPORT_FIELD_PHONE }, { "celular", WABIZ_IMPORT_FIELD_PHONE },
    { "teléfono", WABIZ_IMPORT_FIELD_PHONE }, { "telefono", WABIZ_IMPORT_FIELD_PHONE },
    { "name", WABIZ_IMPORT_FIELD_NAME }, { "full name", WABIZ_IMPORT_FIELD_NAME },
    { "customer", WABIZ_IMPORT_FIELD_NAME }, { "contact", WABIZ_IMPORT_FIELD_NAME },
    { "nome", WABIZ_IMPORT_FIELD_NAME }, { "nombre", WABIZ_IMPORT_FIELD_NAME },
    { "email", WABIZ_IMPORT_FIELD_EMAIL }, { "e-mail", WABIZ_IMPORT_FIELD_EMAIL },
    { "mail", WABIZ_IMPORT_FIELD_EMAIL }, { "correo", WABIZ_IMPORT_FIELD_EMAIL },
    { "status", WABIZ_IMPORT_FIELD_STATUS }, { "stage", WABIZ_IMPORT_FIELD_STATUS },
    { "estado", WABIZ_IMPORT_FIELD_STATUS },
    { "timezone", WABIZ_IMPORT_FIELD_TIMEZONE }, { "time zone", WABIZ_IMPORT_FIELD_TIMEZONE },
    { "tz", WABIZ_IMPORT_FIELD_TIMEZONE },
    { "notes", WABIZ_IMPORT_FIELD_NOTES }, { "note", WABIZ_IMPORT_FIELD_NOTES },
    { "comments", WABIZ_IMPORT_FIELD_NOTES }, { "notas", WABIZ_IMPORT_FIELD_NOTES },
    { "tags", WABIZ_IMPORT_FIELD_TAGS }, { "tag", WABIZ_IMPORT_FIELD_TAGS },
    { "labels", WABIZ_IMPORT_FIELD_TAGS }, { "etiquetas", WABIZ_IMPORT_FIELD_TAGS },
    { "id", WABIZ_IMPORT_FIELD_IGNORE }, { "created_at", WABIZ_IMPORT_FIELD_IGNORE },
    { "last_contact", WABIZ_IMPORT_FIELD_IGNORE }, { "custom_fields", WABIZ_IMPORT_FIELD_IGNORE },
  };
  g_autofree char *lower = g_utf8_strdown (header, -1);

  g_strstrip (lower);
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_str_equal (lower, known[i].name))
      return known[i].field;
  return *lower != '\0' ? WABIZ_IMPORT_FIELD_CUSTOM : WABIZ_IMPORT_FIELD_IGNORE;
}

static void
wabiz_lead_import_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WabizLeadImport *self = WABIZ_LEAD_IMPORT (object);

  switch (prop_id)
    {
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_lead_import_finalize (GObject *object)
{
  WabizLeadImport *self = WABIZ_LEAD_IMPORT (object);

  g_clear_object (&self->db);
  g_strfreev (self->header);
  g_clear_pointer (&self->records, g_ptr_array_unref);
  g_array_unref (self->mapping);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (wabiz_lead_import_parent_class)->finalize (object);
}

static void
wabiz_lead_import_class_init (WabizLeadImportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wabiz_lead_import_get_property;
  object_class->finalize = wabiz_lead_import_finalize;

  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_lead_import_init (WabizLeadImport *self)
{
  self->mapping = g_array_new (FALSE, TRUE, sizeof (WabizImportField));
}

WabizLeadImport *
wabiz_lead_import_new (WabizDb *db)
{
  WabizLeadImport *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);

  self = g_object_new (WABIZ_TYPE_LEAD_IMPORT, NULL);
  self->db = g_object_ref (db);
  return self;
}

/* Loading ----------------------------------------------------------------- */

static gboolean
take_records (WabizLeadImport  *self,
              GPtrArray        *records,
              GError          **error)
{
  if (records->len == 0)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT, _("The file is empty"));
      g_ptr_array_unref (records);
      return FALSE;
    }

  g_strfreev (self->header);
  self->header = g_ptr_array_steal_index (records, 0);
  g_clear_pointer (&self->records, g_ptr_array_unref);
  self->records = records;
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  g_array_set_size (self->mapping, 0);
  for (guint i = 0; self->header[i] != NULL; i++)
    {
      WabizImportField field = guess_field (self->header[i]);

      /* one column per field, but for custom fields */
      for (guint j = 0; j < i && field != WABIZ_IMPORT_FIELD_CUSTOM; j++)
        if (g_array_index (self->mapping, WabizImportField, j) == field)
          field = WABIZ_IMPORT_FIELD_CUSTOM;
      g_array_append_val (self->mapping, field);
    }
  return TRUE;
}

gboolean
wabiz_lead_import_load_data (WabizLeadImport  *self,
                             const char       *data,
                             gsize             length,
                             GError          **error)
{
  GPtrArray *records;

  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), FALSE);

  records = wabiz_csv_parse (data, length, error);
  if (records == NULL)
    return FALSE;
  return take_records (self, records, error);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *contents = NULL;
  gsize length;
  GError *error = NULL;
  GPtrArray *records;

  if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  records = wabiz_csv_parse (contents, length, &error);
  if (records == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, records, (GDestroyNotify) g_ptr_array_unref);
}

void
wabiz_lead_import_load_async (WabizLeadImport     *self,
                              GFile               *file,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_LEAD_IMPORT (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_lead_import_load_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

gboolean
wabiz_lead_import_load_finish (WabizLeadImport  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  GPtrArray *records;

  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_lead_import_load_async), FALSE);

  records = g_task_propagate_pointer (G_TASK (result), error);
  if (records == NULL)
    return FALSE;
  return take_records (self, records, error);
}

guint
wabiz_lead_import_get_n_columns (WabizLeadImport *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), 0);

  return self->mapping->len;
}

const char *
wabiz_lead_import_get_column_name (WabizLeadImport *self,
                                   guint            column)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), NULL);
  g_return_val_if_fail (column < self->mapping->len, NULL);

  return self->header[column];
}

WabizImportField
wabiz_lead_import_get_mapping (WabizLeadImport *self,
                               guint            column)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), WABIZ_IMPORT_FIELD_IGNORE);
  g_return_val_if_fail (column < self->mapping->len, WABIZ_IMPORT_FIELD_IGNORE);

  return g_array_index (self->mapping, WabizImportField, column);
}

void
wabiz_lead_import_set_mapping (WabizLeadImport  *self,
                               guint             column,
                               WabizImportField  field)
{
  g_return_if_fail (WABIZ_IS_LEAD_IMPORT (self));
  g_return_if_fail (column < self->mapping->len);
  g_return_if_fail (field < WABIZ_IMPORT_N_FIELDS);
  g_return_if_fail (!self->running);

  g_array_index (self->mapping, WabizImportField, column) = field;
  g_clear_pointer (&self->rows, g_ptr_array_unref);
}

/* Preview ----------------------------------------------------------------- */

typedef struct
{
  GStrv      header;    /* (owned) */
  GPtrArray *records;   /* (owned) */
  GArray    *mapping;   /* (owned) */
} Preview;

static void
preview_free (Preview *preview)
{
  g_strfreev (preview->header);
  g_ptr_array_unref (preview->records);
  g_array_unref (preview->mapping);
  g_free (preview);
}

static char *
normalize_status (const char *text)
{
  g_autofree char *upper = g_utf8_strup (text, -1);

  g_strstrip (upper);
  if (wabiz_lead_status_is_valid (upper))
    return g_steal_pointer (&upper);
  /* the translated names are accepted too */
  for (const char * const *s = wabiz_lead_get_statuses (); *s != NULL; s++)
    {
      g_autofree char *label = g_utf8_strup (wabiz_lead_status_to_label (*s), -1);

      if (g_str_equal (label, upper))
        return g_strdup (*s);
    }
  return NULL;
}

static void
reject (Row        *row,
        const char *reason)
{
  if (row->action == WABIZ_IMPORT_REJECT)
    return;
  row->action = WABIZ_IMPORT_REJECT;
  row->reason = g_strdup (reason);
}

static Row *
prepare_row (Preview     *preview,
             guint        index,
             GHashTable  *seen)
{
  GStrv record = g_ptr_array_index (preview->records, index);
  guint n_fields = g_strv_length (record);
  g_autoptr(JsonBuilder) custom = json_builder_new ();
  g_autoptr(GStrvBuilder) tags = g_strv_builder_new ();
  gboolean has_custom = FALSE;
  gboolean has_tags = FALSE;
  g_autofree char *raw_phone = NULL;
  Row *row = g_new0 (Row, 1);

  row->line = index + 2;
  row->action = WABIZ_IMPORT_CREATE;
  json_builder_begin_object (custom);

  for (guint c = 0; c < preview->mapping->len; c++)
    {
      g_autofree char *value = g_strstrip (g_strdup (c < n_fields ? record[c] : ""));

      if (*value == '\0')
        continue;

      switch (g_array_index (preview->mapping, WabizImportField, c))
        {
        case WABIZ_IMPORT_FIELD_NAME:
          row->name = g_steal_pointer (&value);
          break;
        case WABIZ_IMPORT_FIELD_PHONE:
          raw_phone = g_steal_pointer (&value);
          break;
        case WABIZ_IMPORT_FIELD_EMAIL:
          row->email = g_steal_pointer (&value);
          break;
        case WABIZ_IMPORT_FIELD_STATUS:
          row->status = normalize_status (value);
          if (row->status == NULL)
            {
              /* Translators: %s is what the file says */
              g_autofree char *reason = g_strdup_printf (_("Unknown status “%s”"), value);

              reject (row, reason);
            }
          break;
        case WABIZ_IMPORT_FIELD_TIMEZONE:
          {
            GTimeZone *tz = g_time_zone_new_identifier (value);

            if (tz == NULL)
              {
                /* Translators: %s is what the file says */
                g_autofree char *reason = g_strdup_printf (_("Unknown time zone “%s”"), value);

                reject (row, reason);
              }
            else
              g_time_zone_unref (tz);
            row->timezone = g_steal_pointer (&value);
          }
          break;
        case WABIZ_IMPORT_FIELD_NOTES:
          row->notes = g_steal_pointer (&value);
          break;
        case WABIZ_IMPORT_FIELD_TAGS:
          {
            g_auto(GStrv) parts = g_strsplit_set (value, ",;|", -1);

            for (guint i = 0; parts[i] != NULL; i++)
              {
                g_strstrip (parts[i]);
                if (*parts[i] != '\0')
                  {
                    g_strv_builder_add (tags, parts[i]);
                    has_tags = TRUE;
                  }
              }
          }
          break;
        case WABIZ_IMPORT_FIELD_CUSTOM:
          json_builder_set_member_name (custom, preview->header[c]);
          json_builder_add_string_value (custom, value);
          has_custom = TRUE;
          break;
        case WABIZ_IMPORT_FIELD_IGNORE:
        default:
          break;
        }
    }

  json_builder_end_object (custom);
  if (has_custom)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (custom);

      row->custom = json_to_string (root, FALSE);
    }
  if (has_tags)
    {
      g_auto(GStrv) strv = g_strv_builder_end (tags);

      row->tags = wabiz_lead_strv_to_pg_array ((const char * const *) strv);
    }

  if (row->email != NULL &&
      !g_regex_match_simple ("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", row->email, 0, 0))
    {
      /* Translators: %s is what the file says */
      g_autofree char *reason = g_strdup_printf (_("“%s” is not an email address"), row->email);

      reject (row, reason);
    }

  if (raw_phone == NULL)
    {
      /* the phone number is the only check that goes first */
      g_free (row->reason);
      row->reason = NULL;
      row->action = WABIZ_IMPORT_CREATE;
      reject (row, _("No phone number"));
    }
  else
    {
      g_autoptr(GError) error = NULL;

      row->phone = wabiz_phone_normalize (raw_phone, &error);
      if (row->phone == NULL)
        {
          row->phone = g_steal_pointer (&raw_phone);
          g_free (row->reason);
          row->reason = NULL;
          row->action = WABIZ_IMPORT_CREATE;
          reject (row, error->message);
        }
      else
        {
          gpointer first = g_hash_table_lookup (seen, row->phone);

          if (first != NULL)
            {
              /* Translators: %u is a line number of the file */
              g_autofree char *reason = g_strdup_printf (_("Same phone number as line %u"),
                                                         GPOINTER_TO_UINT (first));

              g_free (row->reason);
              row->reason = NULL;
              row->action = WABIZ_IMPORT_CREATE;
              reject (row, reason);
            }
          else if (row->action != WABIZ_IMPORT_REJECT)
            g_hash_table_insert (seen, row->phone, GUINT_TO_POINTER (row->line));
        }
    }

  return row;
}

static void
preview_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Preview *preview = task_data;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) phones = g_ptr_array_new ();
  g_autoptr(GHashTable) existing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  gboolean has_phone = FALSE;

  for (guint c = 0; c < preview->mapping->len; c++)
    has_phone |= g_array_index (preview->mapping, WabizImportField, c) == WABIZ_IMPORT_FIELD_PHONE;
  if (!has_phone)
    {
      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT, "%s",
                               _("Choose the column that holds the phone numbers"));
      return;
    }

  for (guint i = 0; i < preview->records->len; i++)
    {
      Row *row = prepare_row (preview, i, seen);

      g_ptr_array_add (rows, row);
      if (row->action != WABIZ_IMPORT_REJECT)
        g_ptr_array_add (phones, row->phone);
    }

  /* which numbers are leads already, a few thousand at a time */
  for (guint start = 0; start < phones->len; start += 5000)
    {
      g_autoptr(GPtrArray) chunk = g_ptr_array_new ();
      g_autofree char *array = NULL;
      g_autoptr(WabizDbResult) res = NULL;
      const char *params[1];

      if (g_task_return_error_if_cancelled (task))
        return;

      for (guint i = start; i < phones->len && i < start + 5000; i++)
        g_ptr_array_add (chunk, g_ptr_array_index (phones, i));
      g_ptr_array_add (chunk, NULL);
      array = wabiz_lead_strv_to_pg_array ((const char * const *) chunk->pdata);
      params[0] = array;

      res = wabiz_db_conn_exec (conn, "SELECT phone FROM leads WHERE phone = ANY($1::text[])",
                                1, params, &error);
      if (res == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      for (guint r = 0; r < wabiz_db_result_get_n_rows (res); r++)
        g_hash_table_add (existing, g_strdup (wabiz_db_result_get (res, r, "phone")));
    }

  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);

      if (row->action == WABIZ_IMPORT_CREATE && g_hash_table_contains (existing, row->phone))
        row->action = WABIZ_IMPORT_UPDATE;
    }

  g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
}

void
wabiz_lead_import_preview_async (WabizLeadImport     *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Preview *preview;

  g_return_if_fail (WABIZ_IS_LEAD_IMPORT (self));
  g_return_if_fail (self->records != NULL);

  preview = g_new0 (Preview, 1);
  preview->header = g_strdupv (self->header);
  preview->records = g_ptr_array_ref (self->records);
  preview->mapping = g_array_copy (self->mapping);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_lead_import_preview_async);
  g_task_set_task_data (task, preview, (GDestroyNotify) preview_free);
  wabiz_db_run_in_thread (self->db, task, preview_job);
}

gboolean
wabiz_lead_import_preview_finish (WabizLeadImport  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  GPtrArray *rows;

  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_lead_import_preview_async), FALSE);

  rows = g_task_propagate_pointer (G_TASK (result), error);
  if (rows == NULL)
    return FALSE;

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  self->rows = rows;
  return TRUE;
}

static Row *
get_row (WabizLeadImport *self,
         guint            index)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), NULL);
  g_return_val_if_fail (self->rows != NULL && index < self->rows->len, NULL);

  return g_ptr_array_index (self->rows, index);
}

guint
wabiz_lead_import_get_n_rows (WabizLeadImport *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), 0);

  return self->rows != NULL ? self->rows->len : 0;
}

WabizImportAction
wabiz_lead_import_get_row_action (WabizLeadImport *self,
                                  guint            row)
{
  Row *r = get_row (self, row);

  return r != NULL ? r->action : WABIZ_IMPORT_REJECT;
}

const char *
wabiz_lead_import_get_row_reason (WabizLeadImport *self,
                                  guint            row)
{
  Row *r = get_row (self, row);

  return r != NULL ? r->reason : NULL;
}

guint
wabiz_lead_import_get_row_line (WabizLeadImport *self,
                                guint            row)
{
  Row *r = get_row (self, row);

  return r != NULL ? r->line : 0;
}

const char *
wabiz_lead_import_get_row_phone (WabizLeadImport *self,
                                 guint            row)
{
  Row *r = get_row (self, row);

  return r != NULL ? r->phone : NULL;
}

const char *
wabiz_lead_import_get_row_name (WabizLeadImport *self,
                                guint            row)
{
  Row *r = get_row (self, row);

  return r != NULL ? r->name : NULL;
}

guint
wabiz_lead_import_count (WabizLeadImport   *self,
                         WabizImportAction  action)
{
  guint n = 0;

  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), 0);

  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    if (((Row *) g_ptr_array_index (self->rows, i))->action == action)
      n++;
  return n;
}

/* Import ------------------------------------------------------------------ */

typedef struct
{
  WabizLeadImport *self;   /* (owned) */
  double           progress;
} Progress;

static gboolean
set_progress_cb (gpointer data)
{
  Progress *progress = data;

  if (progress->self->running)
    {
      progress->self->progress = progress->progress;
      g_object_notify_by_pspec (G_OBJECT (progress->self), properties[PROP_PROGRESS]);
    }
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  Progress *progress = data;

  g_object_unref (progress->self);
  g_free (progress);
}

static void
report_progress (GTask  *task,
                 double  fraction)
{
  Progress *progress = g_new0 (Progress, 1);

  progress->self = g_object_ref (g_task_get_source_object (task));
  progress->progress = fraction;
  g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT, set_progress_cb,
                              progress, progress_free);
}

typedef struct
{
  guint created;
  guint updated;
} Counts;

typedef struct
{
  GPtrArray    *rows;         /* (element-type Row) */
  GTask        *task;         /* for the progress */
  GCancellable *cancellable;
  Counts        counts;
} Run;

static gboolean
run_in_transaction (WabizDbConn  *conn,
                    gpointer      data,
                    GError      **error)
{
  Run *run = data;
  GPtrArray *rows = run->rows;

  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      g_autoptr(WabizDbResult) res = NULL;
      const char *params[] = {
        row->phone, row->name, row->email, row->status, row->timezone, row->notes, row->tags,
        row->custom,
      };

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
      if (row->action == WABIZ_IMPORT_REJECT)
        continue;

      res = wabiz_db_conn_exec (conn,
                                "INSERT INTO leads AS l (phone, name, email, status, timezone, notes,"
                                " tags, custom_fields, first_contact)"
                                " VALUES ($1, $2, $3, coalesce($4, 'NEW'), $5, $6,"
                                " coalesce($7::text[], '{}'), coalesce($8::jsonb, '{}'), now())"
                                " ON CONFLICT (phone) DO UPDATE SET"
                                " name = coalesce($2, l.name), email = coalesce($3, l.email),"
                                " status = coalesce($4, l.status),"
                                " timezone = coalesce($5, l.timezone), notes = coalesce($6, l.notes),"
                                " tags = ARRAY(SELECT DISTINCT unnest(l.tags || coalesce($7::text[], '{}'))),"
                                " custom_fields = l.custom_fields || coalesce($8::jsonb, '{}'),"
                                " updated_at = now()"
                                " RETURNING (xmax = 0) AS inserted",
                                G_N_ELEMENTS (params), params, error);
      if (res == NULL)
        {
          g_prefix_error (error, _("Line %u: "), row->line);
          return FALSE;
        }
      if (wabiz_db_result_get_bool (res, 0, "inserted"))
        run->counts.created++;
      else
        run->counts.updated++;

      if (i % 100 == 99)
        report_progress (run->task, (double) (i + 1) / rows->len);
    }

  /* the last moment a cancel can still undo everything */
  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;
  return wabiz_store_notify_on_conn (conn, "leads", NULL, NULL, error);
}

static void
run_job (WabizDb      *db,
         WabizDbConn  *conn,
         GTask        *task,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Run run = { task_data, task, cancellable, { 0, 0 } };
  GError *error = NULL;

  if (!wabiz_db_conn_transaction (conn, run_in_transaction, &run, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  report_progress (task, 1.0);
  g_task_return_pointer (task, g_memdup2 (&run.counts, sizeof run.counts), g_free);
}

void
wabiz_lead_import_run_async (WabizLeadImport     *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_LEAD_IMPORT (self));
  g_return_if_fail (self->rows != NULL);
  g_return_if_fail (!self->running);

  self->running = TRUE;
  self->progress = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_lead_import_run_async);
  g_task_set_task_data (task, g_ptr_array_ref (self->rows), (GDestroyNotify) g_ptr_array_unref);
  wabiz_db_run_in_thread (self->db, task, run_job);
}

gboolean
wabiz_lead_import_run_finish (WabizLeadImport  *self,
                              GAsyncResult     *result,
                              guint            *n_created,
                              guint            *n_updated,
                              GError          **error)
{
  g_autofree Counts *counts = NULL;

  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_lead_import_run_async), FALSE);

  self->running = FALSE;
  counts = g_task_propagate_pointer (G_TASK (result), error);
  if (counts == NULL)
    return FALSE;

  if (n_created != NULL)
    *n_created = counts->created;
  if (n_updated != NULL)
    *n_updated = counts->updated;
  return TRUE;
}

double
wabiz_lead_import_get_progress (WabizLeadImport *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_IMPORT (self), 0);

  return self->progress;
}
