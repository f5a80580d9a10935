/* wabiz-paged-model.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What the lists of leads, conversations and messages share: the items
 * loaded so far as a GListModel, paged from the database by keyset (each
 * page continues after the edge item; never OFFSET, never every row),
 * the loading and has-more state, one exact items-changed per change, a
 * generation that a new filter or a reload starts (whatever the previous
 * one still brings is dropped), and the listener whose decoded changes
 * the model follows itself. A subclass says only what a page's query is,
 * how a row becomes an item, what names an item, and what a change means.
 */

#define G_LOG_DOMAIN "wabiz-paged-model"

#include "config.h"

#include "wabiz-paged-model.h"

#define DEFAULT_PAGE_SIZE 50

typedef struct
{
  WabizDb         *db;            /* (owned) (nullable): NULL once disposed */
  WabizDbListener *listener;      /* (owned) (nullable) */
  GPtrArray       *items;         /* (owned) (element-type GObject): as shown */
  GHashTable      *by_key;        /* (owned): key → item, both borrowed from the item */
  GCancellable    *cancellable;   /* (owned): of the current generation */
  GPtrArray       *waiting;       /* (owned) (element-type GTask): load_more callers */
  guint            generation;
  guint            page_size;
  gint64           page_started;  /* monotonic µs, for the debug log */
  guint            loading : 1;
  guint            has_more : 1;
  guint            refreshing : 1;
} WabizPagedModelPrivate;

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE (WabizPagedModel, wabiz_paged_model, G_TYPE_OBJECT,
                         G_ADD_PRIVATE (WabizPagedModel)
                         G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_DB,
  PROP_LISTENER,
  PROP_N_ITEMS,
  PROP_LOADING,
  PROP_HAS_MORE,
  PROP_REFRESHING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One page on its way. */
typedef struct
{
  WabizPagedModel *self;        /* (owned) */
  guint            generation;
  guint            limit;
} Page;

static GType
get_item_type (GListModel *model)
{
  return WABIZ_PAGED_MODEL_GET_CLASS (model)->item_type;
}

static guint
get_n_items (GListModel *model)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (WABIZ_PAGED_MODEL (model));

  return priv->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (WABIZ_PAGED_MODEL (model));

  if (position >= priv->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (priv->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static const char *
item_key (WabizPagedModel *self,
          gpointer         item)
{
  return WABIZ_PAGED_MODEL_GET_CLASS (self)->get_item_key (item);
}

static void
emit_changed (WabizPagedModel *self,
              guint            position,
              guint            removed,
              guint            added)
{
  if (removed == 0 && added == 0)
    return;

  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Into the array and the index, without a signal: the caller emits it. */
static void
put_item (WabizPagedModel *self,
          guint            position,
          gpointer         item)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_ptr_array_insert (priv->items, (int) position, g_object_ref (item));
  g_hash_table_insert (priv->by_key, (gpointer) item_key (self, item), item);
}

static void
take_items (WabizPagedModel *self,
            guint            position,
            guint            n)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  /* the keys are the items' own: out of the index before they go */
  for (guint i = 0; i < n; i++)
    g_hash_table_remove (priv->by_key, item_key (self, g_ptr_array_index (priv->items, position + i)));
  g_ptr_array_remove_range (priv->items, position, n);
}

static void
set_flag (WabizPagedModel *self,
          guint            prop,
          gboolean         value)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);
  gboolean old;

  value = !!value;
  switch (prop)
    {
    case PROP_LOADING: old = priv->loading; priv->loading = value; break;
    case PROP_HAS_MORE: old = priv->has_more; priv->has_more = value; break;
    case PROP_REFRESHING: old = priv->refreshing; priv->refreshing = value; break;
    default: g_assert_not_reached ();
    }

  if (old != value)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* Answers every load_more caller: @error, or @added items. */
static void
answer_waiting (GPtrArray    *waiting,
                const GError *error,
                guint         added)
{
  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_int (task, added);
    }
}

static GPtrArray *
steal_waiting (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);
  GPtrArray *waiting = g_steal_pointer (&priv->waiting);

  priv->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  return waiting;
}

/* Cancels the generation and starts the next; returns its callers, to
 * be answered once the model is in its new state (a callback may ask
 * for more at once). */
static GPtrArray *
start_generation (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  priv->generation++;
  g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);
  priv->cancellable = g_cancellable_new ();
  set_flag (self, PROP_LOADING, FALSE);
  return steal_waiting (self);
}

static void
answer_cancelled (GPtrArray  *waiting,
                  const char *message)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, message);

  answer_waiting (waiting, error, 0);
}

static void
page_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autofree Page *page = user_data;
  g_autoptr(WabizPagedModel) self = page->self;
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);
  WabizPagedModelClass *klass = WABIZ_PAGED_MODEL_GET_CLASS (self);
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GError) error = NULL;
  guint position;
  guint n_rows;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (page->generation != priv->generation)
    return;   /* a newer generation answered the callers and took over */

  set_flag (self, PROP_LOADING, FALSE);
  waiting = steal_waiting (self);
  if (res == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && klass->page_failed != NULL)
        klass->page_failed (self, error);
      answer_waiting (waiting, error, 0);
      return;
    }

  n_rows = wabiz_db_result_get_n_rows (res);
  g_debug ("Page of %u rows for %s in %.1f ms", n_rows, G_OBJECT_TYPE_NAME (self),
           (g_get_monotonic_time () - priv->page_started) / 1000.0);

  /* in the order shown; an item already here (moved or added by a
   * change while the page was read) stays where it is */
  fresh = g_ptr_array_new_full (n_rows, g_object_unref);
  for (guint i = 0; i < n_rows; i++)
    {
      gpointer item = klass->decode_row (res, klass->prepend ? n_rows - 1 - i : i);

      if (g_hash_table_contains (priv->by_key, item_key (self, item)))
        g_object_unref (item);
      else
        g_ptr_array_add (fresh, item);
    }

  position = klass->prepend ? 0 : priv->items->len;
  for (guint i = 0; i < fresh->len; i++)
    put_item (self, position + i, g_ptr_array_index (fresh, i));
  set_flag (self, PROP_HAS_MORE, n_rows == page->limit);
  emit_changed (self, position, 0, fresh->len);

  if (klass->page_loaded != NULL)
    klass->page_loaded (self, res);
  answer_waiting (waiting, NULL, fresh->len);
}

static void
load_page (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);
  WabizPagedModelClass *klass = WABIZ_PAGED_MODEL_GET_CLASS (self);
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *sql = NULL;
  gpointer edge = NULL;
  Page *page;

  g_assert (!priv->loading);
  g_assert (priv->db != NULL);

  if (priv->items->len > 0)
    edge = g_ptr_array_index (priv->items, klass->prepend ? 0 : priv->items->len - 1);
  sql = klass->build_page_query (self, edge, priv->page_size, params);

  page = g_new0 (Page, 1);
  page->self = g_object_ref (self);
  page->generation = priv->generation;
  page->limit = priv->page_size;

  set_flag (self, PROP_LOADING, TRUE);
  priv->page_started = g_get_monotonic_time ();
  wabiz_db_query_async (priv->db, sql, (int) params->len, (const char * const *) params->pdata,
                        priv->cancellable, page_cb, page);
}

static void
listener_changed_cb (WabizPagedModel *self,
                     const char      *phone,
                     const char      *id,
                     WabizDbListener *listener)
{
  GSignalInvocationHint *hint = g_signal_get_invocation_hint (listener);

  /* connected only with a detail: the table */
  WABIZ_PAGED_MODEL_GET_CLASS (self)->changed (self, g_quark_to_string (hint->detail), phone, id);
}

static void
listener_reconnected_cb (WabizPagedModel *self)
{
  WabizPagedModelClass *klass = WABIZ_PAGED_MODEL_GET_CLASS (self);

  if (klass->reconnected != NULL)
    klass->reconnected (self);
}

static void
wabiz_paged_model_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  WabizPagedModel *self = WABIZ_PAGED_MODEL (object);
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_DB: g_value_set_object (value, priv->db); break;
    case PROP_LISTENER: g_value_set_object (value, priv->listener); break;
    case PROP_N_ITEMS: g_value_set_uint (value, priv->items->len); break;
    case PROP_LOADING: g_value_set_boolean (value, priv->loading); break;
    case PROP_HAS_MORE: g_value_set_boolean (value, priv->has_more); break;
    case PROP_REFRESHING: g_value_set_boolean (value, priv->refreshing); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_paged_model_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  WabizPagedModel *self = WABIZ_PAGED_MODEL (object);
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_DB:
      priv->db = g_value_dup_object (value);
      break;
    case PROP_LISTENER:
      wabiz_paged_model_set_listener (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_paged_model_dispose (GObject *object)
{
  WabizPagedModel *self = WABIZ_PAGED_MODEL (object);
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_cancellable_cancel (priv->cancellable);
  wabiz_paged_model_set_listener (self, NULL);
  g_clear_object (&priv->db);

  G_OBJECT_CLASS (wabiz_paged_model_parent_class)->dispose (object);
}

static void
wabiz_paged_model_finalize (GObject *object)
{
  WabizPagedModel *self = WABIZ_PAGED_MODEL (object);
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  /* every caller holds a reference: none can be left */
  g_assert (priv->waiting->len == 0);

  g_hash_table_unref (priv->by_key);
  g_ptr_array_unref (priv->items);
  g_ptr_array_unref (priv->waiting);
  g_clear_object (&priv->cancellable);

  G_OBJECT_CLASS (wabiz_paged_model_parent_class)->finalize (object);
}

static void
wabiz_paged_model_class_init (WabizPagedModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = wabiz_paged_model_get_property;
  object_class->set_property = wabiz_paged_model_set_property;
  object_class->dispose = wabiz_paged_model_dispose;
  object_class->finalize = wabiz_paged_model_finalize;

  klass->item_type = G_TYPE_OBJECT;

  properties[PROP_DB] =
    g_param_spec_object ("db", NULL, NULL, WABIZ_TYPE_DB,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LISTENER] =
    g_param_spec_object ("listener", NULL, NULL, WABIZ_TYPE_DB_LISTENER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, ro);
  properties[PROP_HAS_MORE] = g_param_spec_boolean ("has-more", NULL, NULL, TRUE, ro);
  properties[PROP_REFRESHING] = g_param_spec_boolean ("refreshing", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_paged_model_init (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  priv->items = g_ptr_array_new_with_free_func (g_object_unref);
  priv->by_key = g_hash_table_new (g_str_hash, g_str_equal);
  priv->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  priv->cancellable = g_cancellable_new ();
  priv->page_size = DEFAULT_PAGE_SIZE;
  priv->has_more = TRUE;
}

WabizDb *
wabiz_paged_model_get_db (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), NULL);
  return priv->db;
}

WabizDbListener *
wabiz_paged_model_get_listener (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), NULL);
  return priv->listener;
}

void
wabiz_paged_model_set_listener (WabizPagedModel *self,
                                WabizDbListener *listener)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);
  WabizPagedModelClass *klass;

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  g_return_if_fail (!listener || WABIZ_IS_DB_LISTENER (listener));

  if (priv->listener == listener)
    return;

  klass = WABIZ_PAGED_MODEL_GET_CLASS (self);
  if (priv->listener != NULL)
    g_signal_handlers_disconnect_by_data (priv->listener, self);
  g_set_object (&priv->listener, listener);
  if (listener != NULL)
    {
      for (guint i = 0; klass->changed != NULL && klass->tables != NULL && klass->tables[i] != NULL; i++)
        {
          g_autofree char *signal = g_strconcat ("changed::", klass->tables[i], NULL);

          g_signal_connect_swapped (listener, signal, G_CALLBACK (listener_changed_cb), self);
        }
      g_signal_connect_swapped (listener, "reconnected", G_CALLBACK (listener_reconnected_cb), self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENER]);
}

guint
wabiz_paged_model_get_page_size (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), 0);
  return priv->page_size;
}

void
wabiz_paged_model_set_page_size (WabizPagedModel *self,
                                 guint            page_size)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  g_return_if_fail (page_size > 0);
  priv->page_size = page_size;
}

gboolean
wabiz_paged_model_get_loading (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), FALSE);
  return priv->loading;
}

gboolean
wabiz_paged_model_get_has_more (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), FALSE);
  return priv->has_more;
}

gboolean
wabiz_paged_model_get_refreshing (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), FALSE);
  return priv->refreshing;
}

gpointer
wabiz_paged_model_lookup (WabizPagedModel *self,
                          const char      *key,
                          guint           *position)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);
  gpointer item;

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  item = g_hash_table_lookup (priv->by_key, key);
  if (item != NULL && position != NULL)
    g_ptr_array_find (priv->items, item, position);
  return item;
}

void
wabiz_paged_model_load_more_async (WabizPagedModel     *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_paged_model_load_more_async);

  if (priv->loading && WABIZ_PAGED_MODEL_GET_CLASS (self)->fail_when_busy)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "A page is loading");
      return;
    }
  if (!priv->has_more)
    {
      g_task_return_int (task, 0);
      return;
    }
  if (priv->db == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The model was disposed");
      return;
    }

  /* the page on its way answers every caller */
  g_ptr_array_add (priv->waiting, g_steal_pointer (&task));
  if (!priv->loading)
    load_page (self);
}

gint
wabiz_paged_model_load_more_finish (WabizPagedModel  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_paged_model_load_more_async, -1);

  return (gint) g_task_propagate_int (G_TASK (result), error);
}

void
wabiz_paged_model_cancel (WabizPagedModel *self)
{
  g_autoptr(GPtrArray) waiting = NULL;

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));

  waiting = start_generation (self);
  answer_cancelled (waiting, "Cancelled");
}

void
wabiz_paged_model_reload (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);
  g_autoptr(GPtrArray) waiting = NULL;
  guint removed;

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));

  waiting = start_generation (self);

  removed = priv->items->len;
  g_hash_table_remove_all (priv->by_key);
  g_ptr_array_set_size (priv->items, 0);
  emit_changed (self, 0, removed, 0);

  set_flag (self, PROP_HAS_MORE, TRUE);
  if (priv->db != NULL)
    load_page (self);

  /* whoever waited for the old generation gets an answer */
  answer_cancelled (waiting, "Reloaded");
}

guint
wabiz_paged_model_get_generation (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), 0);
  return priv->generation;
}

GCancellable *
wabiz_paged_model_get_cancellable (WabizPagedModel *self)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), NULL);
  return priv->cancellable;
}

void
wabiz_paged_model_set_loading (WabizPagedModel *self,
                               gboolean         loading)
{
  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  set_flag (self, PROP_LOADING, loading);
}

void
wabiz_paged_model_set_has_more (WabizPagedModel *self,
                                gboolean         has_more)
{
  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  set_flag (self, PROP_HAS_MORE, has_more);
}

void
wabiz_paged_model_set_refreshing (WabizPagedModel *self,
                                  gboolean         refreshing)
{
  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  set_flag (self, PROP_REFRESHING, refreshing);
}

gpointer
wabiz_paged_model_peek_item (WabizPagedModel *self,
                             guint            position)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PAGED_MODEL (self), NULL);
  g_return_val_if_fail (position < priv->items->len, NULL);
  return g_ptr_array_index (priv->items, position);
}

void
wabiz_paged_model_insert (WabizPagedModel *self,
                          guint            position,
                          gpointer         item)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  g_return_if_fail (position <= priv->items->len);
  g_return_if_fail (G_IS_OBJECT (item));

  put_item (self, position, item);
  emit_changed (self, position, 0, 1);
}

void
wabiz_paged_model_remove (WabizPagedModel *self,
                          guint            position)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  g_return_if_fail (position < priv->items->len);

  take_items (self, position, 1);
  emit_changed (self, position, 1, 0);
}

void
wabiz_paged_model_replace (WabizPagedModel *self,
                           guint            position,
                           gpointer         item)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  g_return_if_fail (position < priv->items->len);
  g_return_if_fail (G_IS_OBJECT (item));

  g_object_ref (item);
  take_items (self, position, 1);
  put_item (self, position, item);
  g_object_unref (item);
  emit_changed (self, position, 1, 1);
}

void
wabiz_paged_model_splice (WabizPagedModel *self,
                          guint            position,
                          guint            n_removals,
                          gpointer        *additions,
                          guint            n_additions)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  g_return_if_fail (position + n_removals <= priv->items->len);
  g_return_if_fail (additions != NULL || n_additions == 0);

  take_items (self, position, n_removals);
  for (guint i = 0; i < n_additions; i++)
    put_item (self, position + i, additions[i]);
  emit_changed (self, position, n_removals, n_additions);
}

void
wabiz_paged_model_move (WabizPagedModel *self,
                        guint            from,
                        guint            to)
{
  WabizPagedModelPrivate *priv = wabiz_paged_model_get_instance_private (self);
  gpointer item;

  g_return_if_fail (WABIZ_IS_PAGED_MODEL (self));
  g_return_if_fail (from < priv->items->len && to < priv->items->len);

  if (from == to)
    return;

  /* the index stays: the item is the same */
  item = g_ptr_array_steal_index (priv->items, from);
  g_list_model_items_changed (G_LIST_MODEL (self), from, 1, 0);
  g_ptr_array_insert (priv->items, (int) to, item);
  g_list_model_items_changed (G_LIST_MODEL (self), to, 0, 1);
}

gboolean
wabiz_paged_model_update_filter (char       **field,
                                 const char  *text)
{
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (field != NULL, FALSE);

  if (text != NULL)
    stripped = g_strstrip (g_strdup (text));
  if (stripped != NULL && *stripped == '\0')
    g_clear_pointer (&stripped, g_free);
  if (g_strcmp0 (stripped, *field) == 0)
    return FALSE;
  g_free (*field);
  *field = g_steal_pointer (&stripped);
  return TRUE;
}

char *
wabiz_paged_model_dup_like_pattern (const char *text)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_new ("%");
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '%');
  return g_string_free (out, FALSE);
}
