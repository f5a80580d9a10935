/* wabiz-segment.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WabizSegment: a saved filter of leads, the audience of a campaign.
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

typedef struct _WabizSegment WabizSegment;

#define WABIZ_TYPE_SEGMENT (wabiz_segment_get_type ())
GType         wabiz_segment_get_type        (void) G_GNUC_CONST;

/* Every lead */
WabizSegment *wabiz_segment_new             (void);
/* From its JSON form, every member optional:
 *   "status": a lead status or a list of them (any of them),
 *   "tags": a list of tags (the lead has all of them),
 *   "last_contact_after", "last_contact_before": ISO 8601 instants,
 *   "never_contacted": true for leads never written to or from,
 *   "custom_fields": an object of text values (the lead's are equal).
 * Errors: WABIZ_ERROR_INVALID_INPUT naming the member and what to give. */
WabizSegment *wabiz_segment_new_from_json   (JsonObject    *object,
                                             GError       **error);
JsonNode     *wabiz_segment_to_json         (WabizSegment  *self);
WabizSegment *wabiz_segment_ref             (WabizSegment  *self);
void          wabiz_segment_unref           (WabizSegment  *self);

/* Appends " AND …" conditions on the leads table aliased @alias to
 * @sql, their values to @params (a GPtrArray of owned strings; $n
 * numbers follow its length). */
void          wabiz_segment_append_sql      (WabizSegment  *self,
                                             const char    *alias,
                                             GString       *sql,
                                             GPtrArray     *params);

/* How many leads it holds now. */
void          wabiz_segment_count_async     (WabizSegment        *self,
                                             WabizDb             *db,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gint64        wabiz_segment_count_finish    (GAsyncResult        *result,
                                             GError             **error);

/* Saves it under @name (replacing the filter a segment of that name
 * had); returns its id. */
void          wabiz_segment_save_async      (WabizSegment        *self,
                                             WabizDb             *db,
                                             const char          *name,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char         *wabiz_segment_save_finish     (GAsyncResult        *result,
                                             GError             **error);
/* The saved segment with @id. Errors: WABIZ_ERROR_NOT_FOUND. */
void          wabiz_segment_load_async      (WabizDb             *db,
                                             const char          *id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
WabizSegment *wabiz_segment_load_finish     (GAsyncResult        *result,
                                             GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizSegment, wabiz_segment_unref)

G_END_DECLS
