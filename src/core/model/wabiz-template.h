/* wabiz-template.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-graph-client.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_TEMPLATE (wabiz_template_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplate, wabiz_template, WABIZ, TEMPLATE, GObject)

const char    *wabiz_template_get_name          (WabizTemplate        *self);
const char    *wabiz_template_get_language      (WabizTemplate        *self);
const char    *wabiz_template_get_category      (WabizTemplate        *self);
const char    *wabiz_template_get_header        (WabizTemplate        *self);
const char    *wabiz_template_get_body          (WabizTemplate        *self);
const char    *wabiz_template_get_footer        (WabizTemplate        *self);
guint          wabiz_template_get_n_params      (WabizTemplate        *self);
/* Meta's example value for {{@index + 1}}, or NULL */
const char    *wabiz_template_get_example       (WabizTemplate        *self,
                                                 guint                 index);

/* The highest {{n}} in @text (0: none). */
guint          wabiz_template_count_params      (const char           *text);
/* @text with {{1}}, {{2}}… replaced by @params; an empty or missing
 * value leaves its placeholder. */
char          *wabiz_template_fill              (const char           *text,
                                                 const char * const   *params);

/* The APPROVED templates WaBiz can send with body parameters only (no
 * media header, no header or button parameters, positional), by name
 * and language: a GListModel of WabizTemplate. */
void           wabiz_template_list_sendable_async  (WabizDb              *db,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GListModel    *wabiz_template_list_sendable_finish (GAsyncResult         *result,
                                                    GError              **error);

/* Fetches every template of the WABA from Graph and stores them in the
 * `templates` table (insert or update by name and language), then
 * NOTIFYs "templates". Returns how many were stored. */
void           wabiz_template_sync_async        (WabizDb              *db,
                                                 WabizGraphClient     *graph,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gssize         wabiz_template_sync_finish       (GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
