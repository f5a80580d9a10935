/* wabiz-leads-model.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The leads of the current search, filter and sort, as a GListModel that
 * pages from the database by keyset: never "load all rows", never OFFSET.
 * Each page continues after the sort key and id of the last loaded lead.
 */

#define G_LOG_DOMAIN "wabiz-leads-model"

#include "config.h"

#include "wabiz-csv.h"
#include "wabiz-leads-model.h"

#include <glib/gi18n-lib.h>
#include <string.h>

struct _WabizLeadsModel
{
  GObject         parent_instance;

  WabizDb        *db;            /* (owned) */
  GPtrArray      *items;         /* (owned) of WabizLead */
  GCancellable   *cancellable;   /* (owned): of the current generation */
  char           *search;        /* (owned) (nullable) */
  char           *status;        /* (owned) (nullable) */
  char           *tag;           /* (owned) (nullable) */
  WabizLeadsSort  sort;
  char           *last_key;      /* (owned) (nullable): sort key of the last row */
  char           *last_id;       /* (owned) (nullable): NULL before the first page */
  gboolean        loading;
  gboolean        has_more;
  gint64          page_started;  /* monotonic µs, for the debug log */
  GPtrArray      *waiting;       /* (owned) of GTask: load_more callers */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WabizLeadsModel, wabiz_leads_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  PROP_LOADING,
  PROP_HAS_MORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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

static char *
escape_like (const char *text)
{
  GString *out = g_string_new ("%");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '%');
  return g_string_free (out, FALSE);
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

      g_ptr_array_add (params, escape_like (filter->search));
      if (digits->len >= 3)
        {
          g_ptr_array_add (params, escape_like (digits->str));
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
set_loading (WabizLeadsModel *self,
             gboolean         loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_has_more (WabizLeadsModel *self,
              gboolean         has_more)
{
  if (self->has_more == has_more)
    return;
  self->has_more = has_more;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
}

static void
finish_waiting (WabizLeadsModel *self,
                const GError    *error)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
page_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WabizLeadsModel) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  guint position;
  guint n_rows;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* a newer generation took over */

  set_loading (self, FALSE);
  if (res == NULL)
    {
      {
        /* the database is down or closed: transient, a reload follows the reconnect */
        if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
          g_debug ("Cannot load leads: %s", error->message);
        else
          g_warning ("Cannot load leads: %s", error->message);
      }
      set_has_more (self, FALSE);
      finish_waiting (self, error);
      return;
    }

  n_rows = wabiz_db_result_get_n_rows (res);
  g_debug ("Page of %u leads in %.1f ms", n_rows,
           (g_get_monotonic_time () - self->page_started) / 1000.0);
  position = self->items->len;
  for (guint i = 0; i < n_rows; i++)
    g_ptr_array_add (self->items, wabiz_lead_new_from_result (res, i));

  if (n_rows > 0)
    {
      g_free (self->last_key);
      self->last_key = g_strdup (wabiz_db_result_get (res, n_rows - 1, "sort_key"));
      g_free (self->last_id);
      self->last_id = g_strdup (wabiz_db_result_get (res, n_rows - 1, "id"));
    }

  set_has_more (self, n_rows == WABIZ_LEADS_MODEL_PAGE_SIZE);
  if (n_rows > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, n_rows);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  finish_waiting (self, NULL);
}

static void
load_page (WabizLeadsModel *self)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(Filter) filter = dup_filter (self);
  g_autofree char *sql = NULL;

  g_assert (!self->loading);

  sql = build_query (filter, self->last_key, self->last_id, WABIZ_LEADS_MODEL_PAGE_SIZE, params);
  set_loading (self, TRUE);
  self->page_started = g_get_monotonic_time ();
  wabiz_db_query_async (self->db, sql, (int) params->len, (const char * const *) params->pdata,
                        self->cancellable, page_cb, g_object_ref (self));
}

static GType
wabiz_leads_model_get_item_type (GListModel *model)
{
  return WABIZ_TYPE_LEAD;
}

static guint
wabiz_leads_model_get_n_items (GListModel *model)
{
  return WABIZ_LEADS_MODEL (model)->items->len;
}

static gpointer
wabiz_leads_model_get_item (GListModel *model,
                            guint       position)
{
  WabizLeadsModel *self = WABIZ_LEADS_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = wabiz_leads_model_get_item_type;
  iface->get_n_items = wabiz_leads_model_get_n_items;
  iface->get_item = wabiz_leads_model_get_item;
}

static void
wabiz_leads_model_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WabizLeadsModel *self = WABIZ_LEADS_MODEL (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_HAS_MORE:
      g_value_set_boolean (value, self->has_more);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_leads_model_dispose (GObject *object)
{
  WabizLeadsModel *self = WABIZ_LEADS_MODEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (wabiz_leads_model_parent_class)->dispose (object);
}

static void
wabiz_leads_model_finalize (GObject *object)
{
  WabizLeadsModel *self = WABIZ_LEADS_MODEL (object);

  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->waiting);
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
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wabiz_leads_model_get_property;
  object_class->dispose = wabiz_leads_model_dispose;
  object_class->finalize = wabiz_leads_model_finalize;

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_MORE] =
    g_param_spec_boolean ("has-more", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_leads_model_init (WabizLeadsModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->has_more = TRUE;
}

/* Call wabiz_leads_model_reload() to load the first page. */
WabizLeadsModel *
wabiz_leads_model_new (WabizDb *db)
{
  WabizLeadsModel *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);

  self = g_object_new (WABIZ_TYPE_LEADS_MODEL, NULL);
  self->db = g_object_ref (db);
  return self;
}

void
wabiz_leads_model_cancel (WabizLeadsModel *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_loading (self, FALSE);

  g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  finish_waiting (self, error);
}

void
wabiz_leads_model_reload (WabizLeadsModel *self)
{
  g_autoptr(GError) error = NULL;
  guint removed;

  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_loading (self, FALSE);

  /* whoever waited for the old generation gets an answer */
  g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Reloaded");
  finish_waiting (self, error);

  g_clear_pointer (&self->last_key, g_free);
  g_clear_pointer (&self->last_id, g_free);
  removed = self->items->len;
  g_ptr_array_set_size (self->items, 0);
  if (removed > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }

  set_has_more (self, TRUE);
  load_page (self);
}

static char *
normalize_filter_text (const char *text)
{
  char *copy;

  if (text == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (text));
  if (*copy == '\0')
    g_clear_pointer (&copy, g_free);
  return copy;
}

#define FILTER_SETTER(field) \
  void \
  wabiz_leads_model_set_##field (WabizLeadsModel *self, \
                                 const char      *value) \
  { \
    g_autofree char *normalized = NULL; \
    g_return_if_fail (WABIZ_IS_LEADS_MODEL (self)); \
    normalized = normalize_filter_text (value); \
    if (g_strcmp0 (normalized, self->field) == 0) \
      return; \
    g_free (self->field); \
    self->field = g_steal_pointer (&normalized); \
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

  return self->loading;
}

gboolean
wabiz_leads_model_get_has_more (WabizLeadsModel *self)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), FALSE);

  return self->has_more;
}

void
wabiz_leads_model_load_more_async (WabizLeadsModel     *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_leads_model_load_more_async);

  if (!self->has_more)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->waiting, g_steal_pointer (&task));
  if (!self->loading)
    load_page (self);
}

gboolean
wabiz_leads_model_load_more_finish (WabizLeadsModel  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

int
wabiz_leads_model_find (WabizLeadsModel *self,
                        const char      *id)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), -1);

  for (guint i = 0; id != NULL && i < self->items->len; i++)
    if (g_strcmp0 (wabiz_lead_get_id (g_ptr_array_index (self->items, i)), id) == 0)
      return (int) i;
  return -1;
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
    {
      WabizLead *old = g_ptr_array_index (self->items, position);

      g_ptr_array_index (self->items, position) = g_object_ref (lead);
      g_object_unref (old);
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
    }
  else
    {
      g_ptr_array_remove_index (self->items, position);
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
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
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* the database is down or closed: transient, a reload follows the reconnect */
          if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
            g_debug ("Cannot refresh a lead: %s", error->message);
          else
            g_warning ("Cannot refresh a lead: %s", error->message);
        }
    }
  else if (wabiz_leads_model_find (self, refresh->id) >= 0)
    {
      g_autoptr(WabizLead) lead = NULL;

      if (wabiz_db_result_get_n_rows (res) > 0)
        lead = wabiz_lead_new_from_result (res, 0);
      wabiz_leads_model_replace (self, refresh->id, lead);
    }
  else if (wabiz_db_result_get_n_rows (res) > 0 && !self->has_more && !self->loading)
    {
      /* a new lead in a fully loaded list: load it again to place it */
      wabiz_leads_model_reload (self);
    }

  g_object_unref (refresh->self);
  g_free (refresh->id);
  g_free (refresh);
}

void
wabiz_leads_model_refresh_lead (WabizLeadsModel *self,
                                const char      *id)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(Filter) filter = NULL;
  g_autoptr(GString) sql = NULL;
  g_autofree char *query = NULL;
  Refresh *refresh;
  char *order;

  g_return_if_fail (WABIZ_IS_LEADS_MODEL (self));
  g_return_if_fail (id != NULL);

  filter = dup_filter (self);
  query = build_query (filter, NULL, NULL, 1, params);
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
  wabiz_db_query_async (self->db, sql->str, (int) params->len,
                        (const char * const *) params->pdata, self->cancellable,
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
format_time_us (const char *us)
{
  g_autoptr(GDateTime) epoch = NULL;
  g_autoptr(GDateTime) time = NULL;

  if (us == NULL)
    return NULL;
  epoch = g_date_time_new_from_unix_utc (0);
  time = g_date_time_add (epoch, g_ascii_strtoll (us, NULL, 10));
  return g_date_time_format_iso8601 (time);
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
          g_autofree char *last_contact = format_time_us (wabiz_db_result_get (res, i, "last_contact_us"));
          g_autofree char *created = format_time_us (wabiz_db_result_get (res, i, "created_us"));
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
  wabiz_db_run_in_thread (self->db, task, export_job);
}

gint64
wabiz_leads_model_export_finish (WabizLeadsModel  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_LEADS_MODEL (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return g_task_propagate_int (G_TASK (result), error);
}
