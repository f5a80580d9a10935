/* wabiz-template-editor.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-services.h"
#include "wabiz-template-preview.h"
#include "wabiz-template-spec.h"
#include "wabiz-template.h"

G_BEGIN_DECLS

/**
 * WabizTemplateEditorMode:
 * @WABIZ_TEMPLATE_EDITOR_NEW: a new template
 * @WABIZ_TEMPLATE_EDITOR_COPY: a new template written from another one
 * @WABIZ_TEMPLATE_EDITOR_FIX: a rejected template, changed and submitted
 *   again under its name (Meta's reason shown by the field it concerns)
 */
typedef enum
{
  WABIZ_TEMPLATE_EDITOR_NEW,
  WABIZ_TEMPLATE_EDITOR_COPY,
  WABIZ_TEMPLATE_EDITOR_FIX,
} WabizTemplateEditorMode;

#define WABIZ_TYPE_TEMPLATE_EDITOR (wabiz_template_editor_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplateEditor, wabiz_template_editor, WABIZ, TEMPLATE_EDITOR, AdwWindow)

WabizTemplateEditor  *wabiz_template_editor_new             (GtkWindow               *parent,
                                                             WabizServices           *services,
                                                             WabizTemplate           *from,
                                                             WabizTemplateEditorMode  mode);
/* "editing", "writing" (Gemini drafts), "submitting" */
const char           *wabiz_template_editor_get_state       (WabizTemplateEditor     *self);
/* The problems shown next to @field ("name", "category", "language",
 * "header", "body", "footer", "buttons"), a line each; NULL when none */
const char           *wabiz_template_editor_get_problem     (WabizTemplateEditor     *self,
                                                             const char              *field);
/* What the last submission or draft failed on, or NULL */
const char           *wabiz_template_editor_get_error       (WabizTemplateEditor     *self);
const char           *wabiz_template_editor_get_ai_status   (WabizTemplateEditor     *self);
WabizTemplatePreview *wabiz_template_editor_get_preview     (WabizTemplateEditor     *self);
/* The template as the fields say now */
WabizTemplateSpec    *wabiz_template_editor_dup_spec        (WabizTemplateEditor     *self);
/* The media header's example file, as the file chooser gives it */
void                  wabiz_template_editor_set_example_file (WabizTemplateEditor    *self,
                                                             GFile                   *file);
/* The entry of the example of the body's {{@index + 1}} */
GtkEditable          *wabiz_template_editor_get_example_entry (WabizTemplateEditor   *self,
                                                             guint                    index);
/* The entry of button @index's @part: "text", "url", "example",
 * "phone" or "code" */
GtkEditable          *wabiz_template_editor_get_button_entry (WabizTemplateEditor    *self,
                                                             guint                    index,
                                                             const char              *part);
guint                 wabiz_template_editor_get_n_buttons   (WabizTemplateEditor     *self);

G_END_DECLS
