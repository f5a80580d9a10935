/* wabiz-templates-model.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-paged-model.h"
#include "wabiz-template.h"

G_BEGIN_DECLS

#define WABIZ_TEMPLATES_MODEL_PAGE_SIZE 50

#define WABIZ_TYPE_TEMPLATES_MODEL (wabiz_templates_model_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplatesModel, wabiz_templates_model, WABIZ, TEMPLATES_MODEL, WabizPagedModel)

WabizTemplatesModel *wabiz_templates_model_new          (WabizDb             *db);
/* Words in the name or the text; NULL or "": all */
const char          *wabiz_templates_model_get_search   (WabizTemplatesModel *self);
void                 wabiz_templates_model_set_search   (WabizTemplatesModel *self,
                                                         const char          *search);
/* Meta's status (APPROVED, PENDING, REJECTED, PAUSED, DISABLED); NULL: all */
const char          *wabiz_templates_model_get_status   (WabizTemplatesModel *self);
void                 wabiz_templates_model_set_status   (WabizTemplatesModel *self,
                                                         const char          *status);
/* UTILITY, MARKETING, AUTHENTICATION; NULL: all */
const char          *wabiz_templates_model_get_category (WabizTemplatesModel *self);
void                 wabiz_templates_model_set_category (WabizTemplatesModel *self,
                                                         const char          *category);
/* Empties the list and loads the first page */
void                 wabiz_templates_model_reload       (WabizTemplatesModel *self);
void                 wabiz_templates_model_watch        (WabizTemplatesModel *self,
                                                         const char          *name,
                                                         const char          *language);
/* Position of the template @name in @language, -1 when not loaded */
int                  wabiz_templates_model_find         (WabizTemplatesModel *self,
                                                         const char          *name,
                                                         const char          *language);

G_END_DECLS
