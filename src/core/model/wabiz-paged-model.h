/* wabiz-paged-model.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db-listener.h"
#include "wabiz-db.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_PAGED_MODEL (wabiz_paged_model_get_type ())
G_DECLARE_DERIVABLE_TYPE (WabizPagedModel, wabiz_paged_model, WABIZ, PAGED_MODEL, GObject)

/**
 * WabizPagedModelClass:
 * @item_type: the type of the items
 * @prepend: pages go before the first item: the rows of a page come
 *   newest first and are shown oldest first (a chat); else pages go
 *   after the last item, in the order of their rows
 * @fail_when_busy: a load_more while a page loads fails with
 *   %G_IO_ERROR_PENDING, rather than waiting for that page
 * @tables: (array zero-terminated=1) (nullable): the tables whose
 *   `changed::` signal of the listener the model follows
 * @get_item_key: what names @item once in the model (its id, its phone)
 * @build_page_query: the SQL of the page after @edge (the last item, or
 *   the first with @prepend; %NULL for the first page), at most @limit
 *   rows; the values of its parameters go to @params ($1 is the first)
 * @decode_row: the item of row @row of @result (a new reference)
 * @page_loaded: (nullable): a page came, and its items-changed was emitted
 * @page_failed: (nullable): a page failed (not cancelled), before the
 *   callers hear it
 * @changed: (nullable): the listener says a row of @table changed
 * @reconnected: (nullable): the listener came back after a loss:
 *   changes may have been missed
 */
struct _WabizPagedModelClass
{
  GObjectClass parent_class;

  GType               item_type;
  gboolean            prepend;
  gboolean            fail_when_busy;
  const char * const *tables;

  const char *(*get_item_key)     (gpointer         item);
  char       *(*build_page_query) (WabizPagedModel *self,
                                   gpointer         edge,
                                   guint            limit,
                                   GPtrArray       *params);
  gpointer    (*decode_row)       (WabizDbResult   *result,
                                   guint            row);
  void        (*page_loaded)      (WabizPagedModel *self,
                                   WabizDbResult   *result);
  void        (*page_failed)      (WabizPagedModel *self,
                                   const GError    *error);
  void        (*changed)          (WabizPagedModel *self,
                                   const char      *table,
                                   const char      *phone,
                                   const char      *id);
  void        (*reconnected)      (WabizPagedModel *self);
};

WabizDb         *wabiz_paged_model_get_db           (WabizPagedModel     *self);
WabizDbListener *wabiz_paged_model_get_listener     (WabizPagedModel     *self);
/* Follows @listener's changes (nullable: none), so that nobody has to
 * relay them. */
void             wabiz_paged_model_set_listener     (WabizPagedModel     *self,
                                                     WabizDbListener     *listener);
guint            wabiz_paged_model_get_page_size    (WabizPagedModel     *self);
void             wabiz_paged_model_set_page_size    (WabizPagedModel     *self,
                                                     guint                page_size);
gboolean         wabiz_paged_model_get_loading      (WabizPagedModel     *self);
gboolean         wabiz_paged_model_get_has_more     (WabizPagedModel     *self);
gboolean         wabiz_paged_model_get_refreshing   (WabizPagedModel     *self);
/* (transfer none) (nullable): the loaded item named @key, and where */
gpointer         wabiz_paged_model_lookup           (WabizPagedModel     *self,
                                                     const char          *key,
                                                     guint               *position);
/* Adds the next page (keyset after the edge item) and returns how many
 * items came; 0 at once when nothing is left. */
void             wabiz_paged_model_load_more_async  (WabizPagedModel     *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gint             wabiz_paged_model_load_more_finish (WabizPagedModel     *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
/* Stops what is loading (its callers get %G_IO_ERROR_CANCELLED) and
 * starts a new generation: what the previous one still brings is
 * dropped. */
void             wabiz_paged_model_cancel           (WabizPagedModel     *self);
/* Empties the model and loads the first page. */
void             wabiz_paged_model_reload           (WabizPagedModel     *self);

/* for subclasses */
/* Results of work started in an older generation are to be dropped. */
guint            wabiz_paged_model_get_generation   (WabizPagedModel     *self);
/* Of the current generation: cancelled with it and on dispose. */
GCancellable    *wabiz_paged_model_get_cancellable  (WabizPagedModel     *self);
void             wabiz_paged_model_set_loading      (WabizPagedModel     *self,
                                                     gboolean             loading);
void             wabiz_paged_model_set_has_more     (WabizPagedModel     *self,
                                                     gboolean             has_more);
void             wabiz_paged_model_set_refreshing   (WabizPagedModel     *self,
                                                     gboolean             refreshing);
/* (transfer none) */
gpointer         wabiz_paged_model_peek_item        (WabizPagedModel     *self,
                                                     guint                position);
/* Each of these emits one exact items-changed. */
void             wabiz_paged_model_insert           (WabizPagedModel     *self,
                                                     guint                position,
                                                     gpointer             item);
void             wabiz_paged_model_remove           (WabizPagedModel     *self,
                                                     guint                position);
void             wabiz_paged_model_replace          (WabizPagedModel     *self,
                                                     guint                position,
                                                     gpointer             item);
void             wabiz_paged_model_splice           (WabizPagedModel     *self,
                                                     guint                position,
                                                     guint                n_removals,
                                                     gpointer            *additions,
                                                     guint                n_additions);
/* Sets *@field to @text without the white space around it (%NULL when
 * nothing is left); returns whether *@field changed. */
gboolean         wabiz_paged_model_update_filter    (char               **field,
                                                     const char          *text);
/* "%text%" for ILIKE, its own % _ and \ taken literally. */
char            *wabiz_paged_model_dup_like_pattern (const char          *text);
/* Out of @from, then into @to (counted without it): two items-changed,
 * each telling the list as it then is. */
void             wabiz_paged_model_move             (WabizPagedModel     *self,
                                                     guint                from,
                                                     guint                to);

G_END_DECLS
