/* wabiz-lead-editor.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-db.h"
#include "wabiz-lead.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_LEAD_EDITOR (wabiz_lead_editor_get_type ())
G_DECLARE_FINAL_TYPE (WabizLeadEditor, wabiz_lead_editor, WABIZ, LEAD_EDITOR, AdwBin)

GtkWidget  *wabiz_lead_editor_new             (void);
void        wabiz_lead_editor_set_database    (WabizLeadEditor *self,
                                               WabizDb         *db);
WabizLead  *wabiz_lead_editor_get_lead        (WabizLeadEditor *self);
/* Shows a copy of @lead (NULL: a new lead) to edit. */
void        wabiz_lead_editor_set_lead        (WabizLeadEditor *self,
                                               WabizLead       *lead);
gboolean    wabiz_lead_editor_get_busy        (WabizLeadEditor *self);
/* The message shown beside @field ("name", "phone", "email", "status",
 * "timezone", "custom-fields"), or NULL. */
const char *wabiz_lead_editor_get_field_error (WabizLeadEditor *self,
                                               const char      *field);
/* Sets the text of a field, as typing would (tests, paste). */
void        wabiz_lead_editor_set_field_text  (WabizLeadEditor *self,
                                               const char      *field,
                                               const char      *text);
/* What a field shows now (the status: its code, "NEW"). */
char       *wabiz_lead_editor_dup_field_text  (WabizLeadEditor *self,
                                               const char      *field);
/* The lead shown changed elsewhere (a change of several leads, another
 * computer): its new values go into the fields the user has not touched;
 * what is being typed stays. */
void        wabiz_lead_editor_update_lead     (WabizLeadEditor *self,
                                               WabizLead       *lead);

G_END_DECLS
