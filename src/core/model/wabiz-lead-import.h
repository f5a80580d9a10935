/* wabiz-lead-import.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

typedef enum
{
  WABIZ_IMPORT_FIELD_IGNORE,
  WABIZ_IMPORT_FIELD_NAME,
  WABIZ_IMPORT_FIELD_PHONE,
  WABIZ_IMPORT_FIELD_EMAIL,
  WABIZ_IMPORT_FIELD_STATUS,
  WABIZ_IMPORT_FIELD_TIMEZONE,
  WABIZ_IMPORT_FIELD_NOTES,
  WABIZ_IMPORT_FIELD_TAGS,
  WABIZ_IMPORT_FIELD_CUSTOM,
  WABIZ_IMPORT_N_FIELDS
} WabizImportField;

typedef enum
{
  WABIZ_IMPORT_CREATE,
  WABIZ_IMPORT_UPDATE,
  WABIZ_IMPORT_REJECT,
} WabizImportAction;

#define WABIZ_TYPE_LEAD_IMPORT (wabiz_lead_import_get_type ())
G_DECLARE_FINAL_TYPE (WabizLeadImport, wabiz_lead_import, WABIZ, LEAD_IMPORT, GObject)

/* "Name", "Phone number"… translated, for the column mapping */
const char       *wabiz_import_field_to_label        (WabizImportField  field);

WabizLeadImport  *wabiz_lead_import_new              (WabizDb          *db);
/* Reads and parses @file (first line: column names) and guesses the mapping. */
void              wabiz_lead_import_load_async       (WabizLeadImport  *self,
                                                      GFile            *file,
                                                      GCancellable     *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer          user_data);
gboolean          wabiz_lead_import_load_finish      (WabizLeadImport  *self,
                                                      GAsyncResult     *result,
                                                      GError          **error);
/* Same from text already in memory, synchronously (no database). */
gboolean          wabiz_lead_import_load_data        (WabizLeadImport  *self,
                                                      const char       *data,
                                                      gsize             length,
                                                      GError          **error);
guint             wabiz_lead_import_get_n_columns    (WabizLeadImport  *self);
const char       *wabiz_lead_import_get_column_name  (WabizLeadImport  *self,
                                                      guint             column);
WabizImportField  wabiz_lead_import_get_mapping      (WabizLeadImport  *self,
                                                      guint             column);
void              wabiz_lead_import_set_mapping      (WabizLeadImport  *self,
                                                      guint             column,
                                                      WabizImportField  field);

/* Works out, for each row, whether it creates a lead, updates one (same
 * phone number) or is rejected, and why. */
void              wabiz_lead_import_preview_async    (WabizLeadImport  *self,
                                                      GCancellable     *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer          user_data);
gboolean          wabiz_lead_import_preview_finish   (WabizLeadImport  *self,
                                                      GAsyncResult     *result,
                                                      GError          **error);
guint             wabiz_lead_import_get_n_rows       (WabizLeadImport  *self);
WabizImportAction wabiz_lead_import_get_row_action   (WabizLeadImport  *self,
                                                      guint             row);
/* why a row is rejected, else NULL */
const char       *wabiz_lead_import_get_row_reason   (WabizLeadImport  *self,
                                                      guint             row);
/* the line of the file */
guint             wabiz_lead_import_get_row_line     (WabizLeadImport  *self,
                                                      guint             row);
/* the normalised number, or what the file said when it is not one */
const char       *wabiz_lead_import_get_row_phone    (WabizLeadImport  *self,
                                                      guint             row);
const char       *wabiz_lead_import_get_row_name     (WabizLeadImport  *self,
                                                      guint             row);
guint             wabiz_lead_import_count            (WabizLeadImport  *self,
                                                      WabizImportAction action);

/* Imports the rows that are not rejected, in one transaction: cancelled
 * or failed, nothing is imported. The progress property (0 to 1) moves
 * meanwhile. */
void              wabiz_lead_import_run_async        (WabizLeadImport  *self,
                                                      GCancellable     *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer          user_data);
gboolean          wabiz_lead_import_run_finish       (WabizLeadImport  *self,
                                                      GAsyncResult     *result,
                                                      guint            *n_created,
                                                      guint            *n_updated,
                                                      GError          **error);
double            wabiz_lead_import_get_progress     (WabizLeadImport  *self);

G_END_DECLS
