/* wabiz-import-dialog.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-db.h"
#include "wabiz-lead-import.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_IMPORT_DIALOG (wabiz_import_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WabizImportDialog, wabiz_import_dialog, WABIZ, IMPORT_DIALOG, AdwWindow)

GtkWidget       *wabiz_import_dialog_new        (GtkWindow         *parent,
                                                 WabizDb           *db,
                                                 GFile             *file);
WabizLeadImport *wabiz_import_dialog_get_import (WabizImportDialog *self);
/* "loading", "error", "preview", "running", "done" */
const char      *wabiz_import_dialog_get_state  (WabizImportDialog *self);

G_END_DECLS
