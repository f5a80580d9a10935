/* wabiz-leads-model.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-lead.h"
#include "wabiz-paged-model.h"

G_BEGIN_DECLS

typedef enum
{
  WABIZ_LEADS_SORT_LAST_CONTACT,
  WABIZ_LEADS_SORT_NAME,
  WABIZ_LEADS_SORT_CREATED,
} WabizLeadsSort;

/* Two screens of rows on a tall display. GTK 4.8's list view makes a row
 * for each of up to 200 items at once, so every row of a first page is
 * built before a search, filter or sort shows; more come on scrolling. */
#define WABIZ_LEADS_MODEL_PAGE_SIZE 40

#define WABIZ_TYPE_LEADS_MODEL (wabiz_leads_model_get_type ())
G_DECLARE_FINAL_TYPE (WabizLeadsModel, wabiz_leads_model, WABIZ, LEADS_MODEL, WabizPagedModel)

WabizLeadsModel *wabiz_leads_model_new             (WabizDb          *db);
const char      *wabiz_leads_model_get_search      (WabizLeadsModel  *self);
void             wabiz_leads_model_set_search      (WabizLeadsModel  *self,
                                                    const char       *search);
const char      *wabiz_leads_model_get_status      (WabizLeadsModel  *self);
void             wabiz_leads_model_set_status      (WabizLeadsModel  *self,
                                                    const char       *status);
const char      *wabiz_leads_model_get_tag         (WabizLeadsModel  *self);
void             wabiz_leads_model_set_tag         (WabizLeadsModel  *self,
                                                    const char       *tag);
WabizLeadsSort   wabiz_leads_model_get_sort        (WabizLeadsModel  *self);
void             wabiz_leads_model_set_sort        (WabizLeadsModel  *self,
                                                    WabizLeadsSort    sort);
gboolean         wabiz_leads_model_get_loading     (WabizLeadsModel  *self);
gboolean         wabiz_leads_model_get_has_more    (WabizLeadsModel  *self);
/* Stops what is loading (the model's owner goes away). */
void             wabiz_leads_model_cancel          (WabizLeadsModel  *self);
/* Empties the model and loads the first page with the current filter. */
void             wabiz_leads_model_reload          (WabizLeadsModel  *self);
/* Appends the next page (keyset); TRUE at once when nothing is left. */
void             wabiz_leads_model_load_more_async (WabizLeadsModel  *self,
                                                    GCancellable     *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer          user_data);
gboolean         wabiz_leads_model_load_more_finish (WabizLeadsModel *self,
                                                    GAsyncResult     *result,
                                                    GError          **error);
/* The position of the lead with @id, or -1. */
int              wabiz_leads_model_find            (WabizLeadsModel  *self,
                                                    const char       *id);
/* Re-reads one lead after a change elsewhere (NOTIFY); a lead no longer
 * in the filter goes away. A model given a listener
 * (wabiz_paged_model_set_listener()) does this itself. */
void             wabiz_leads_model_refresh_lead    (WabizLeadsModel  *self,
                                                    const char       *id);
/* Replaces a loaded lead by @lead (same id) or removes it (NULL). */
void             wabiz_leads_model_replace         (WabizLeadsModel  *self,
                                                    const char       *id,
                                                    WabizLead        *lead);
/* Writes every lead of the current filter and sort to @file as CSV,
 * page by page on a worker thread. Returns the number of leads. */
void             wabiz_leads_model_export_async    (WabizLeadsModel  *self,
                                                    GFile            *file,
                                                    GCancellable     *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer          user_data);
gint64           wabiz_leads_model_export_finish   (WabizLeadsModel  *self,
                                                    GAsyncResult     *result,
                                                    GError          **error);

G_END_DECLS
