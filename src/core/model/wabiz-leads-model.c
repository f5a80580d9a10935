/* wabiz-leads-model.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The leads of the current search, filter and sort, as a paged model
 * (see wabiz-paged-model.c): each page continues after the sort key and
 * id of the last loaded lead. Followed changes of a lead re-read that
 * lead; a burst of them reloads.
 */

#define G_LOG_DOMAIN "wabiz-leads-model"

#include "config.h"

#include "wabiz-csv.h"
#include "wabiz-leads-model.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define CHANGES_DELAY_MS 250
/* more changed leads than this at once (an import, a campaign): one reload */
#define MAX_REFRESHES 20

struct _WabizLeadsModel
{
  WabizPagedModel  parent_instance;

  char            *search;          /* (owned) (nullable) */
  char            *status;          /* (owned) (nullable) */
  char            *tag;             /* (owned) (nullable) */
  WabizLeadsSort   sort;
  char            *last_key;        /* (owned) (nullable): sort key of the last row */
  char            *last_id;         /* (owned) (nullable): NULL before the first page */
  GHashTable      *changed_ids;     /* (owned): leads the listener said changed */
  gboolean         changed_all;     /* a change named no lead */
  guint            changed_source;  /* applies the changes of a burst together */
  guint            n_refreshing;    /* refresh queries on their way */
};

G_DEFINE_FINAL_TYPE (WabizLeadsModel, wabiz_leads_model, WABIZ_TYPE_PAGED_MODEL)

/* Everything one query needs, copied so that a worker thread can use it. */
typedef struct
{
  char           *search;
  char           *status;
  char           *tag;
  WabizLeadsSort  sort;
} Filter;

static void
filter_free (Filter *filter)
{
  g_free (filter->search);
  g_free (filter->status);
  g_free (filter->tag);
  g_free (filter);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Filter, filter_free)

static Filter *
dup_filter (WabizLeadsModel *self)
{
  Filter *filter = g_new0 (Filter, 1);

  filter->search = g_strdup (self->search);
  filter->status = g_strdup (self->status);
  filter->tag = g_strdup (self->tag);
  filter->sort = self->sort;
  return filter;
}

/* Builds the page query; @params collects the parameter values (owned). */
static char *
build_query (const Filter *filter,
             const char   *last_key,
             const char   *last_id,
             guint         limit,
             GPtrArray    *params)
{
  GString *sql = g_string_new ("SELECT " WABIZ_LEAD_COLUMNS);
  const char *expr;
  const char *type;
  const char *op;
  const char *dir;

  switch (filter->sort)
    {
    case WABIZ_LEADS_SORT_NAME:
      expr = "lower(name)", type = "text", op = ">", dir = "ASC";
      break;
    case WABIZ_LEADS_SORT_CREATED:
      expr = "created_at", type = "timestamptz", op = "<", dir = "DESC";
      break;
    case WABIZ_LEADS_SORT_LAST_CONTACT:
    default:
      expr = "last_contact", type = "timestamptz", op = "<", dir = "DESC";
      break;
    }

  g_string_append_printf (sql, ", %s::text AS sort_key FROM leads WHERE true", expr);

  if (filter->search != NULL)
    {
      g_autoptr(GString) digits = g_string_new (NULL);

      for (const char *p = filter->search; *p != '\0'; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (digits, *p);

      g_ptr_array_add (params, wabiz_paged_model_dup_like_pattern (filter->search));
      if (digits->len >= 3)
        {
          g_ptr_array_add (params, wabiz_paged_model_dup_like_pattern (digits->str));
          g_string_append_printf (sql, " AND (name ILIKE $%u OR email ILIKE $%u OR phone LIKE $%u)",
                                  params->len - 1, params->len - 1, params->len);
        }
      else
        g_string_append_printf (sql, " AND (name ILIKE $%u OR email ILIKE $%u)",
                                params->len, params->len);
    }

  if (filter->status != NULL)
    {
      g_ptr_array_add (params, g_strdup (filter->status));
      g_string_append_printf (sql, " AND status = $%u", params->len);
    }

  if (filter->tag != NULL)
    {
      g_ptr_array_add (params, g_strdup (filter->tag));
      g_string_append_printf (sql, " AND tags @> ARRAY[$%u]::text[]", params->len);
    }

  if (last_id != NULL)
    {
      g_ptr_array_add (params, g_strdup (last_id));
      if (last_key != NULL)
        {
          g_ptr_array_add (params, g_strdup (last_key));
          g_string_append_printf (sql,
                                  " AND (%s %s $%u::%s OR (%s = $%u::%s AND id > $%u::uuid)"
                                  " OR %s IS NULL)",
                                  expr, op, params->len, type, expr, params->len, type,
                                  params->len - 1, expr);
        }
      else
        g_string_append_printf (sql, " AND %s IS NULL AND id > $%u::uuid", expr, params->len);
    }

  g_string_append_printf (sql, " ORDER BY %s %s NULLS LAST, id LIMIT %u", expr, dir, limit);
  return g_string_free (sql, FALSE);
}

static void
update_refreshing (WabizLeadsModel *self)
{
  wabiz_paged_model_set_refreshing (WABIZ_PAGED_MODEL (self),
                                    self->n_refreshing > 0 || self->changed_source != 0);
}

typedef struct
{
  WabizLeadsModel *self;   /* (owned) */
  char            *id;     /* (owned) */
} Refresh;

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Refresh *refresh = user_data;
  WabizLeadsModel *self = refresh->self;
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_log (G_LOG_DOMAIN, wabiz_db_error_log_level (error), "Cannot refresh a lead: %s",
                 error->message);
        }
    }
  else if (wabiz_leads_model_find (self, refresh->id) >= 0)
    {
      g_autoptr(WabizLead) lead = NULL;

      if (wabiz_db_result_get_n_rows (res) > 0)
        lead = wabiz_lead_new_from_result (res, 0);
      wabiz_leads_model_replace (self, refresh->id, lead);
    }
  else if (wabiz_db_result_get_n_rows (res) > 0 && !wabiz_paged_model_get_has_more (model) &&
           !wabiz_paged_model_get_loading (model))
    {
      /* a new lead in a fully loaded list: load it again to place it */
      wabiz_leads_model_reload (self);
    }

  self->n_refreshing--;
  update_refreshing (self);
  g_object_unref (refresh->self);
  g_free (refresh->id);
  g_free (refresh);
}

static gboolean
apply_changes_cb (gpointer user_data)
{
  WabizLeadsModel *self = user_data;
  GHashTableIter iter;
  const char *id;

  self->changed_source = 0;
  if (self->changed_all || g_hash_table_size (self->changed_ids) > MAX_REFRESHES)
    wabiz_leads_model_reload (self);
  else
    {
      g_hash_table_iter_init (&iter, self->changed_ids);
      while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
        wabiz_leads_model_refresh_lead (self, id);
    }
  g_hash_table_remove_all (self->changed_ids);
  self->changed_all = FALSE;
  update_refreshing (self);

  return G_SOURCE_REMOVE;
}

static const char *
get_item_key (gpointer item)
{
  return wabiz_lead_get_id (item);
}

static gpointer
decode_row (WabizDbResult *result,
            guint          row)
{
  return wabiz_lead_new_from_result (result, row);
}

static char *
wabiz_leads_model_build_page_query (WabizPagedModel *model,
                                    gpointer         edge,
                                    guint            limit,
                                    GPtrArray       *params)
{
  WabizLeadsModel *self = WABIZ_LEADS_MODEL (model);
  Filter filter = { self->search, self->status, self->tag, self->sort };

  /* after the last row's sort key as the query computed it, not the
   * edge item's: that one may have changed since */
  return build_query (&filter, self->last_key, self->last_id, limit, params);
}

static void
wabiz_leads_model_page_loaded (WabizPagedModel *model,
                               WabizDbResult   *result)
{
  WabizLeadsModel *self = WABIZ_LEADS_MODEL (model);
  guint n_rows = wabiz_db_result_get_n_rows (result);

  if (n_rows == 0)
    return;

  g_free (self->last_key);
  self->last_key = g_strdup (wabiz_db_result_get (result, n_rows - 1, "sort_key"));
  g_free (self->last_id);
  self->last_id = g_strdup (wabiz_db_result_get (result, n_rows - 1, "id"));
}

static void
wabiz_leads_model_page_failed (WabizPagedModel *model,
                               const GError    *error)
{
  g_log (G_LOG_DOMAIN, wabiz_db_error_log_level (error), "Cannot load leads: %s", error->message);
  wabiz_paged_model_set_has_more (model, FALSE);
}

/* Changes come in bursts (webhooks, imports): applied together. */
static void
wabiz_leads_model_changed (WabizPagedModel *model,
                           const char      *table,
                           const char      *phone,
                           const char      *id)
{
  WabizLeadsModel *self = WABIZ_LEADS_MODEL (model);

  if (id != NULL)
    g_hash_table_add (self->changed_ids, g_strdup (id));
  else
    self->changed_all = TRUE;
  if (self->changed_source == 0)
    self->changed_source = g_timeout_add (CHANGES_DELAY_MS, apply_changes_cb, self);
  update_refreshing (self);
}

static void
wabiz_leads_model_reconnected (WabizPagedModel *model)
{
  wabiz_leads_model_reload (WABIZ_LEADS_MODEL (model));
}

static void
wabiz_leads_model_dispose (GObject *object)
{
  WabizLeadsModel *self = WABIZ_LEADS_MODEL (object);

  g_clear_handle_id (&self->changed_source, g_source_remove);

  G_OBJECT_CLASS (wabiz_leads_model_parent_class)->dispose (object);
}

static void
wabiz_leads_model_finalize (GObject *object)
{
  WabizLeadsModel *self = WABIZ_LEADS_MODEL (object);

  g_hash_table_unref (self->changed_ids);
  g_free (self->search);
  g_free (self->status);
  g_free (self->tag);
  g_free (self->last_key);
  g_free (self->last_id);

  G_OBJECT_CLASS (wabiz_leads_model_parent_class)->finalize (object);
}

static void
wabiz_leads_model_class_init (WabizLeadsModelClass *klass)
{
  static const char * const tables[] = { "leads", NULL };
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  WabizPagedModelClass *paged_class = WABIZ_PAGED_MODEL_CLASS (klass);

  object_class->dispose = wabiz_leads_model_dispose;
  object_class->finalize = wabiz_leads_model_finalize;

  paged_class->item_type = WABIZ_TYPE_LEAD;
  paged_class->tables = tables;
  paged_class->get_item_key = get_item_key;
  paged_class->decode_row = decode_row;
  paged_class->build_page_query = wabiz_leads_model_build_page_query;
  paged_class->page_loaded = wabiz_leads_model_page_loaded;
  paged_class->page_failed = wabiz_leads_model_page_failed;
  paged_class->changed = wabiz_leads_model_changed;
  paged_class->reconnected = wabiz_leads_model_reconnected;
}

static void
wabiz_leads_model_init (WabizLeadsModel *self)
{
  self->changed_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  wabiz_paged_model_set_page_size (WABIZ_PAGED_MODEL (self), WABIZ_LEADS_MODEL_PAGE_SIZE);
}

/* Call wabiz_leads_model_reload() to load the first page. */
WabizLeadsModel *
wabiz_leads_model_new (WabizDb *db)
{
  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);

  return g_object_new (WABIZ_TYPE_LEADS_MODEL, "db", db, NULL);
}

void
wabiz_leads_model_cancel (WabizLeadsModel *self)
{
  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));

  wabiz_paged_model_cancel (WABIZ_PAGED_MODEL (self));
}

void
wabiz_leads_model_reload (WabizLeadsModel *self)
{
  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));

  g_clear_pointer (&self->last_key, g_free);
  g_clear_pointer (&self->last_id, g_free);
  wabiz_paged_model_reload (WABIZ_PAGED_MODEL (self));
}

#define FILTER_SETTER(field) \
  void \
  wabiz_leads_model_set_##field (WabizLeadsModel *self, \
                                 const char      *value) \
  { \
    g_return_if_fail (WABIZ_IS_LEADS_MODEL (self)); \
    if (wabiz_paged_model_update_filter (&self->field, value)) \
      wabiz_leads_model_reload (self); \
  } \
  const char * \
  wabiz_leads_model_get_##field (WabizLeadsModel *self) \
  { \
    g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), NULL); \
    return self->field; \
  }

FILTER_SETTER (search)
FILTER_SETTER (status)
FILTER_SETTER (tag)

WabizLeadsSort
wabiz_leads_model_get_sort (WabizLeadsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), 0);

  return self->sort;
}

void
wabiz_leads_model_set_sort (WabizLeadsModel *self,
                            WabizLeadsSort   sort)
{
  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));

  if (self->sort == sort)
    return;
  self->sort = sort;
  wabiz_leads_model_reload (self);
}

gboolean
wabiz_leads_model_get_loading (WabizLeadsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), FALSE);

  return wabiz_paged_model_get_loading (WABIZ_PAGED_MODEL (self));
}

gboolean
wabiz_leads_model_get_has_more (WabizLeadsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), FALSE);

  return wabiz_paged_model_get_has_more (WABIZ_PAGED_MODEL (self));
}

void
wabiz_leads_model_load_more_async (WabizLeadsModel     *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));

  wabiz_paged_model_load_more_async (WABIZ_PAGED_MODEL (self), cancellable, callback, user_data);
}

gboolean
wabiz_leads_model_load_more_finish (WabizLeadsModel  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), FALSE);

  return wabiz_paged_model_load_more_finish (WABIZ_PAGED_MODEL (self), result, error) >= 0;
}

int
wabiz_leads_model_find (WabizLeadsModel *self,
                        const char      *id)
{
  guint position;

  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), -1);

  if (id == NULL || wabiz_paged_model_lookup (WABIZ_PAGED_MODEL (self), id, &position) == NULL)
    return -1;
  return (int) position;
}

void
wabiz_leads_model_replace (WabizLeadsModel *self,
                           const char      *id,
                           WabizLead       *lead)
{
  int position;

  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail (!lead || WABIZ_IS_LEAD (lead));

  position = wabiz_leads_model_find (self, id);
  if (position < 0)
    return;

  if (lead != NULL)
    wabiz_paged_model_replace (WABIZ_PAGED_MODEL (self), position, lead);
  else
    wabiz_paged_model_remove (WABIZ_PAGED_MODEL (self), position);
}

void
wabiz_leads_model_refresh_lead (WabizLeadsModel *self,
                                const char      *id)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) sql = NULL;
  g_autofree char *query = NULL;
  Filter filter;
  Refresh *refresh;
  WabizDb *db;
  char *order;

  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));
  g_return_if_fail (id != NULL);

  db = wabiz_paged_model_get_db (WABIZ_PAGED_MODEL (self));
  if (db == NULL)
    return;

  filter = (Filter) { self->search, self->status, self->tag, self->sort };
  query = build_query (&filter, NULL, NULL, 1, params);
  /* the same filter, for this one lead */
  sql = g_string_new (query);
  order = strstr (sql->str, " ORDER BY ");
  g_assert (order != NULL);
  g_ptr_array_add (params, g_strdup (id));
  {
    g_autofree char *condition = g_strdup_printf (" AND id = $%u::uuid", params->len);

    g_string_insert (sql, order - sql->str, condition);
  }

  refresh = g_new0 (Refresh, 1);
  refresh->self = g_object_ref (self);
  refresh->id = g_strdup (id);
  self->n_refreshing++;
  update_refreshing (self);
  wabiz_db_query_async (db, sql->str, (int) params->len, (const char * const *) params->pdata,
                        wabiz_paged_model_get_cancellable (WABIZ_PAGED_MODEL (self)),
                        refresh_cb, refresh);
}

/* Export ------------------------------------------------------------------ */

typedef struct
{
  Filter *filter;   /* (owned) */
  GFile  *file;     /* (owned) */
} Export;

static void
export_free (Export *export)
{
  filter_free (export->filter);
  g_object_unref (export->file);
  g_free (export);
}

static char *
format_time (GDateTime *time)
{
  return time != NULL ? g_date_time_format_iso8601 (time) : NULL;
}

static void
export_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Export *export = task_data;
  static const char * const header[] = {
    "phone", "name", "email", "status", "timezone", "tags", "notes", "custom_fields",
    "last_contact", "created_at",
  };
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *last_key = NULL;
  g_autofree char *last_id = NULL;
  gint64 count = 0;
  gboolean done = FALSE;

  out = g_file_replace (export->file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                        cancellable, &error);
  if (out == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  wabiz_csv_append_row (buffer, header, G_N_ELEMENTS (header));

  while (!done && error == NULL)
    {
      g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(WabizDbResult) res = NULL;
      g_autofree char *sql = build_query (export->filter, last_key, last_id, 1000, params);
      guint n_rows;

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        break;

      res = wabiz_db_conn_exec (conn, sql, (int) params->len,
                                (const char * const *) params->pdata, &error);
      if (res == NULL)
        break;

      n_rows = wabiz_db_result_get_n_rows (res);
      for (guint i = 0; i < n_rows; i++)
        {
          g_autoptr(WabizLead) lead = wabiz_lead_new_from_result (res, i);
          g_autofree char *tags = g_strjoinv (", ", (char **) wabiz_lead_get_tags (lead));
          g_autofree char *last_contact = format_time (wabiz_lead_get_last_contact (lead));
          g_autofree char *created = format_time (wabiz_lead_get_created_at (lead));
          const char *fields[] = {
            wabiz_lead_get_phone (lead), wabiz_lead_get_name (lead), wabiz_lead_get_email (lead),
            wabiz_lead_get_status (lead), wabiz_lead_get_timezone (lead), tags,
            wabiz_lead_get_notes (lead), wabiz_lead_get_custom_fields (lead), last_contact,
            created,
          };

          wabiz_csv_append_row (buffer, fields, G_N_ELEMENTS (fields));
          count++;
        }

      if (n_rows > 0)
        {
          g_free (last_key);
          last_key = g_strdup (wabiz_db_result_get (res, n_rows - 1, "sort_key"));
          g_free (last_id);
          last_id = g_strdup (wabiz_db_result_get (res, n_rows - 1, "id"));
        }
      done = n_rows < 1000;

      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buffer->str, buffer->len, NULL,
                                      cancellable, &error))
        break;
      g_string_truncate (buffer, 0);
    }

  if (error == NULL)
    g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, &error);

  if (error != NULL)
    {
      /* do not leave half a file behind */
      g_autoptr(GCancellable) none = g_cancellable_new ();

      g_output_stream_close (G_OUTPUT_STREAM (out), none, NULL);
      g_file_delete (export->file, NULL, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_int (task, count);
}

void
wabiz_leads_model_export_async (WabizLeadsModel     *self,
                                GFile               *file,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Export *export;

  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  export = g_new0 (Export, 1);
  export->filter = dup_filter (self);
  export->file = g_object_ref (file);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_leads_model_export_async);
  g_task_set_task_data (task, export, (GDestroyNotify) export_free);
  wabiz_db_run_in_thread (wabiz_paged_model_get_db (WABIZ_PAGED_MODEL (self)), task, export_job);
}

gint64
wabiz_leads_model_export_finish (WabizLeadsModel  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_leads_model_export_async), -1);

  return g_task_propagate_int (G_TASK (result), error);
}
