/* wabiz-template-preview.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

#include "wabiz-template-spec.h"
#include "wabiz-template.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_TEMPLATE_PREVIEW (wabiz_template_preview_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplatePreview, wabiz_template_preview, WABIZ, TEMPLATE_PREVIEW, GtkWidget)

GtkWidget  *wabiz_template_preview_new          (void);
/* @template as a send with @values (nullable: Meta's examples) shows
 * it; @media (nullable): the header's file chosen */
void        wabiz_template_preview_set_template (WabizTemplatePreview      *self,
                                                 WabizTemplate             *template,
                                                 const WabizTemplateValues *values,
                                                 GFile                     *media);
/* @spec with its examples filled in; @media (nullable): its example file */
void        wabiz_template_preview_set_spec     (WabizTemplatePreview      *self,
                                                 const WabizTemplateSpec   *spec,
                                                 GFile                     *media);
/* What it shows: NULL for a part not shown */
const char *wabiz_template_preview_get_header   (WabizTemplatePreview      *self);
const char *wabiz_template_preview_get_media    (WabizTemplatePreview      *self);
const char *wabiz_template_preview_get_body     (WabizTemplatePreview      *self);
const char *wabiz_template_preview_get_footer   (WabizTemplatePreview      *self);
/* The buttons' labels, a line each; NULL without buttons */
char       *wabiz_template_preview_dup_buttons  (WabizTemplatePreview      *self);

G_END_DECLS
