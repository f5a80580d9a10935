/* wabiz-template-row.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-template.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_TEMPLATE_ROW (wabiz_template_row_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplateRow, wabiz_template_row, WABIZ, TEMPLATE_ROW, GtkWidget)

GtkWidget     *wabiz_template_row_new          (void);
WabizTemplate *wabiz_template_row_get_template (WabizTemplateRow *self);
void           wabiz_template_row_set_template (WabizTemplateRow *self,
                                                WabizTemplate    *template);

/* Meta's status, a category, a language and a quality rating in words */
const char    *wabiz_template_status_to_label   (const char *status);
const char    *wabiz_template_category_to_label (const char *category);
const char    *wabiz_template_quality_to_label  (const char *quality);
/* “English (US)” for en_US; the code itself for one not known */
const char    *wabiz_template_language_to_label (const char *code);
/* The language codes the editor offers, NULL-terminated */
const char * const *wabiz_template_get_languages (void);

G_END_DECLS
