/* wabiz-templates-model.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The message templates of the current search and filters, by name and
 * language, as a paged model (see wabiz-paged-model.c): each page
 * continues after the name and language of the last loaded one. A
 * change of `templates` (a sync, a status or quality webhook, a
 * submission) reads the loaded range again and replaces what differs
 * in one items-changed; a template Meta approved or rejected since the
 * last look is announced with ::status-changed.
 */

#define G_LOG_DOMAIN "wabiz-templates-model"

#include "config.h"

#include "wabiz-templates-model.h"

#include <string.h>

#define CHANGES_DELAY_MS 100

struct _WabizTemplatesModel
{
  WabizPagedModel  parent_instance;

  char            *search;          /* (owned) (nullable) */
  char            *status;          /* (owned) (nullable) */
  char            *category;        /* (owned) (nullable) */
  GHashTable      *statuses;        /* (owned) (nullable): "name\nlanguage" → status,
                                     * as last seen; NULL before the first look */
  guint            changed_source;  /* applies a burst of changes together */
  guint            refresh_serial;  /* the newest refresh; older answers are dropped */
};

G_DEFINE_FINAL_TYPE (WabizTemplatesModel, wabiz_templates_model, WABIZ_TYPE_PAGED_MODEL)

enum {
  SIGNAL_STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The page query; @params collects the values (owned). @edge_name and
 * @edge_language: after them (@after), up to them included (!@after),
 * or none. */
static char *
build_query (WabizTemplatesModel *self,
             const char          *edge_name,
             const char          *edge_language,
             gboolean             after,
             guint                limit,
             GPtrArray           *params)
{
  GString *sql = g_string_new ("SELECT " WABIZ_TEMPLATE_COLUMNS " FROM templates WHERE true");

  if (self->search != NULL)
    {
      g_ptr_array_add (params, wabiz_paged_model_dup_like_pattern (self->search));
      g_string_append_printf (sql, " AND (name ILIKE $%u OR body_text ILIKE $%u OR language ILIKE $%u)",
                              params->len, params->len, params->len);
    }
  if (self->status != NULL)
    {
      g_ptr_array_add (params, g_strdup (self->status));
      g_string_append_printf (sql, " AND status = $%u", params->len);
    }
  if (self->category != NULL)
    {
      g_ptr_array_add (params, g_strdup (self->category));
      g_string_append_printf (sql, " AND category = $%u", params->len);
    }
  if (edge_name != NULL)
    {
      g_ptr_array_add (params, g_strdup (edge_name));
      g_ptr_array_add (params, g_strdup (edge_language));
      g_string_append_printf (sql, " AND (name, language) %s ($%u, $%u)", after ? ">" : "<=",
                              params->len - 1, params->len);
    }
  g_string_append (sql, " ORDER BY name, language");
  if (limit > 0)
    g_string_append_printf (sql, " LIMIT %u", limit);
  return g_string_free (sql, FALSE);
}

static const char *
get_item_key (gpointer item)
{
  return wabiz_template_get_id (item);
}

static gpointer
decode_row (WabizDbResult *result,
            guint          row)
{
  return wabiz_template_new_from_result (result, row);
}

static char *
wabiz_templates_model_build_page_query (WabizPagedModel *model,
                                        gpointer         edge,
                                        guint            limit,
                                        GPtrArray       *params)
{
  WabizTemplatesModel *self = WABIZ_TEMPLATES_MODEL (model);

  return build_query (self, edge != NULL ? wabiz_template_get_name (edge) : NULL,
                      edge != NULL ? wabiz_template_get_language (edge) : NULL, TRUE, limit, params);
}

static void
wabiz_templates_model_page_failed (WabizPagedModel *model,
                                   const GError    *error)
{
  g_log (G_LOG_DOMAIN, wabiz_db_error_log_level (error), "Cannot load templates: %s",
         error->message);
  wabiz_paged_model_set_has_more (model, FALSE);
}

static gboolean
same_item (WabizTemplate *a,
           WabizTemplate *b)
{
  return g_strcmp0 (wabiz_template_get_id (a), wabiz_template_get_id (b)) == 0 &&
         wabiz_template_get_updated_us (a) == wabiz_template_get_updated_us (b) &&
         g_strcmp0 (wabiz_template_get_status (a), wabiz_template_get_status (b)) == 0;
}

static void wabiz_templates_model_changed (WabizPagedModel *model,
                                           const char      *table,
                                           const char      *phone,
                                           const char      *id);

/* The loaded range, read again */
typedef struct
{
  WabizTemplatesModel *self;   /* (owned) */
  guint                generation;
  guint                serial;
} Refresh;

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autofree Refresh *refresh = user_data;
  g_autoptr(WabizTemplatesModel) self = refresh->self;
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GError) error = NULL;
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self));
  guint prefix = 0;
  guint suffix = 0;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (refresh->generation != wabiz_paged_model_get_generation (model) ||
      refresh->serial != self->refresh_serial)
    return;
  if (self->changed_source == 0)
    wabiz_paged_model_set_refreshing (model, FALSE);
  if (res == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot read the templates again: %s", error->message);
      return;
    }
  /* a page is on its way: what we read may not line up with it, read again */
  if (wabiz_paged_model_get_loading (model))
    {
      wabiz_templates_model_changed (model, "templates", NULL, NULL);
      return;
    }

  fresh = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    g_ptr_array_add (fresh, wabiz_template_new_from_result (res, i));

  while (prefix < n_old && prefix < fresh->len &&
         same_item (wabiz_paged_model_peek_item (model, prefix), g_ptr_array_index (fresh, prefix)))
    prefix++;
  while (suffix < n_old - prefix && suffix < fresh->len - prefix &&
         same_item (wabiz_paged_model_peek_item (model, n_old - 1 - suffix),
                    g_ptr_array_index (fresh, fresh->len - 1 - suffix)))
    suffix++;
  if (prefix + suffix == n_old && prefix + suffix == fresh->len)
    return;

  g_debug ("Templates %u to %u changed", prefix, n_old - suffix);
  wabiz_paged_model_splice (model, prefix, n_old - prefix - suffix,
                            fresh->pdata + prefix, fresh->len - prefix - suffix);
}

static void
statuses_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WabizTemplatesModel) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) previous = NULL;
  GHashTable *now;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot read the templates' statuses: %s", error->message);
      return;
    }

  now = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    g_hash_table_insert (now, g_strdup_printf ("%s\n%s", wabiz_db_result_get (res, i, "name"),
                                               wabiz_db_result_get (res, i, "language")),
                         g_strdup (wabiz_db_result_get (res, i, "status")));
  previous = g_steal_pointer (&self->statuses);
  self->statuses = now;
  if (previous == NULL)
    return;

  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      const char *name = wabiz_db_result_get (res, i, "name");
      const char *language = wabiz_db_result_get (res, i, "language");
      const char *status = wabiz_db_result_get (res, i, "status");
      g_autofree char *key = g_strdup_printf ("%s\n%s", name, language);
      const char *before = g_hash_table_lookup (previous, key);

      /* news of a template seen before: not every row of a first sync */
      if (before != NULL && g_strcmp0 (before, status) != 0)
        {
          g_debug ("Template %s (%s) is now %s", name, language, status);
          g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0, name, language, status,
                         wabiz_db_result_get (res, i, "rejected_reason"));
        }
    }
}

static void
look_at_statuses (WabizTemplatesModel *self)
{
  WabizDb *db = wabiz_paged_model_get_db (WABIZ_PAGED_MODEL (self));

  if (db == NULL)
    return;
  wabiz_db_query_async (db, "SELECT name, language, status, rejected_reason FROM templates", 0, NULL,
                        wabiz_paged_model_get_cancellable (WABIZ_PAGED_MODEL (self)), statuses_cb,
                        g_object_ref (self));
}

static void
refresh (WabizTemplatesModel *self)
{
  WabizPagedModel *model = WABIZ_PAGED_MODEL (self);
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *sql = NULL;
  WabizDb *db = wabiz_paged_model_get_db (model);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self));
  WabizTemplate *last = n > 0 ? wabiz_paged_model_peek_item (model, n - 1) : NULL;
  Refresh *data;

  if (db == NULL)
    return;

  look_at_statuses (self);

  /* the loaded range: up to the last loaded, or all of it once every
   * page is in (a new one may go last) */
  if (last != NULL && wabiz_paged_model_get_has_more (model))
    sql = build_query (self, wabiz_template_get_name (last), wabiz_template_get_language (last), FALSE,
                       0, params);
  else
    sql = build_query (self, NULL, NULL, FALSE, MAX (n + 1, wabiz_paged_model_get_page_size (model)),
                       params);

  data = g_new0 (Refresh, 1);
  data->self = g_object_ref (self);
  data->generation = wabiz_paged_model_get_generation (model);
  data->serial = ++self->refresh_serial;
  wabiz_paged_model_set_refreshing (model, TRUE);
  wabiz_db_query_async (db, sql, (int) params->len, (const char * const *) params->pdata,
                        wabiz_paged_model_get_cancellable (model), refresh_cb, data);
}

static gboolean
apply_changes_cb (gpointer user_data)
{
  WabizTemplatesModel *self = user_data;

  self->changed_source = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
wabiz_templates_model_changed (WabizPagedModel *model,
                               const char      *table,
                               const char      *phone,
                               const char      *id)
{
  WabizTemplatesModel *self = WABIZ_TEMPLATES_MODEL (model);

  if (self->changed_source == 0)
    self->changed_source = g_timeout_add (CHANGES_DELAY_MS, apply_changes_cb, self);
  wabiz_paged_model_set_refreshing (model, TRUE);
}

static void
wabiz_templates_model_reconnected (WabizPagedModel *model)
{
  refresh (WABIZ_TEMPLATES_MODEL (model));
}

static void
wabiz_templates_model_dispose (GObject *object)
{
  WabizTemplatesModel *self = WABIZ_TEMPLATES_MODEL (object);

  g_clear_handle_id (&self->changed_source, g_source_remove);

  G_OBJECT_CLASS (wabiz_templates_model_parent_class)->dispose (object);
}

static void
wabiz_templates_model_finalize (GObject *object)
{
  WabizTemplatesModel *self = WABIZ_TEMPLATES_MODEL (object);

  g_free (self->search);
  g_free (self->status);
  g_free (self->category);
  g_clear_pointer (&self->statuses, g_hash_table_unref);

  G_OBJECT_CLASS (wabiz_templates_model_parent_class)->finalize (object);
}

static void
wabiz_templates_model_class_init (WabizTemplatesModelClass *klass)
{
  static const char * const tables[] = { "templates", NULL };
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  WabizPagedModelClass *paged_class = WABIZ_PAGED_MODEL_CLASS (klass);

  object_class->dispose = wabiz_templates_model_dispose;
  object_class->finalize = wabiz_templates_model_finalize;

  paged_class->item_type = WABIZ_TYPE_TEMPLATE;
  paged_class->tables = tables;
  paged_class->get_item_key = get_item_key;
  paged_class->decode_row = decode_row;
  paged_class->build_page_query = wabiz_templates_model_build_page_query;
  paged_class->page_failed = wabiz_templates_model_page_failed;
  paged_class->changed = wabiz_templates_model_changed;
  paged_class->reconnected = wabiz_templates_model_reconnected;

  /**
   * WabizTemplatesModel::status-changed:
   * @name: the template
   * @language: its language
   * @status: Meta's new status (APPROVED, REJECTED, PAUSED, …)
   * @reason: (nullable): Meta's reason of a rejection
   *
   * Meta reviewed a template seen before with another status (whether
   * it is in the filtered list or not).
   */
  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
wabiz_templates_model_init (WabizTemplatesModel *self)
{
  wabiz_paged_model_set_page_size (WABIZ_PAGED_MODEL (self), WABIZ_TEMPLATES_MODEL_PAGE_SIZE);
}

/* Call wabiz_templates_model_reload() to load the first page. */
WabizTemplatesModel *
wabiz_templates_model_new (WabizDb *db)
{
  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);

  return g_object_new (WABIZ_TYPE_TEMPLATES_MODEL, "db", db, NULL);
}

void
wabiz_templates_model_reload (WabizTemplatesModel *self)
{
  g_return_if_fail (WABIZ_IS_TEMPLATES_MODEL (self));

  self->refresh_serial++;
  wabiz_paged_model_reload (WABIZ_PAGED_MODEL (self));
  if (self->statuses == NULL)
    look_at_statuses (self);
}

#define FILTER_SETTER(field) \
  void \
  wabiz_templates_model_set_##field (WabizTemplatesModel *self, \
                                     const char          *value) \
  { \
    g_return_if_fail (WABIZ_IS_TEMPLATES_MODEL (self)); \
    if (wabiz_paged_model_update_filter (&self->field, value)) \
      wabiz_templates_model_reload (self); \
  } \
  const char * \
  wabiz_templates_model_get_##field (WabizTemplatesModel *self) \
  { \
    g_return_val_if_fail (WABIZ_IS_TEMPLATES_MODEL (self), NULL); \
    return self->field; \
  }

FILTER_SETTER (search)
FILTER_SETTER (status)
FILTER_SETTER (category)

/**
 * wabiz_templates_model_watch:
 *
 * The template @name in @language was just submitted: Meta's answer
 * about it is news even when the model never saw it pending (Meta may
 * review it before the model looks).
 */
void
wabiz_templates_model_watch (WabizTemplatesModel *self,
                             const char          *name,
                             const char          *language)
{
  g_return_if_fail (WABIZ_IS_TEMPLATES_MODEL (self));
  g_return_if_fail (name != NULL && language != NULL);

  if (self->statuses == NULL)
    self->statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->statuses, g_strdup_printf ("%s\n%s", name, language), g_strdup ("PENDING"));
}

int
wabiz_templates_model_find (WabizTemplatesModel *self,
                            const char          *name,
                            const char          *language)
{
  guint n;

  g_return_val_if_fail (WABIZ_IS_TEMPLATES_MODEL (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  n = g_list_model_get_n_items (G_LIST_MODEL (self));
  for (guint i = 0; i < n; i++)
    {
      WabizTemplate *t = wabiz_paged_model_peek_item (WABIZ_PAGED_MODEL (self), i);

      if (g_str_equal (wabiz_template_get_name (t), name) &&
          (language == NULL || g_str_equal (wabiz_template_get_language (t), language)))
        return (int) i;
    }
  return -1;
}
