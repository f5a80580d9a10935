/* wabiz-template-spec.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WabizTemplateSpec: a template as the owner writes it in the editor,
 * checked against WhatsApp's rules part by part, and submitted to Meta.
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wabiz-db.h"
#include "wabiz-graph-client.h"
#include "wabiz-template.h"

G_BEGIN_DECLS

typedef struct
{
  char      *name;
  char      *language;        /* e.g. en_US */
  char      *category;        /* UTILITY, MARKETING, AUTHENTICATION */
  char      *header_format;   /* (nullable) NULL: none; TEXT, IMAGE, VIDEO, DOCUMENT */
  char      *header_text;     /* (nullable) TEXT: at most one {{1}} */
  char      *header_example;  /* (nullable) TEXT: the example of its {{1}} */
  char      *header_handle;   /* (nullable) media: the example's handle
                               * (Resumable Upload API) */
  char      *body;
  GStrv      body_examples;   /* (nullable) one per {{n}} of the body */
  char      *footer;          /* (nullable) */
  GPtrArray *buttons;         /* of WabizTemplateButton, in their order */
} WabizTemplateSpec;

#define WABIZ_TYPE_TEMPLATE_SPEC (wabiz_template_spec_get_type ())
GType              wabiz_template_spec_get_type  (void) G_GNUC_CONST;
WabizTemplateSpec *wabiz_template_spec_new       (void);
/* What @template says, to write a copy of it or to fix a rejected one
 * (a media header's handle is kept) */
WabizTemplateSpec *wabiz_template_spec_new_from_template (WabizTemplate *template);
WabizTemplateSpec *wabiz_template_spec_copy      (const WabizTemplateSpec *spec);
void               wabiz_template_spec_free      (WabizTemplateSpec       *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizTemplateSpec, wabiz_template_spec_free)

/* Every rule @spec breaks (WabizTemplateProblem, field "name",
 * "category", "language", "header", "body", "footer" or "buttons"),
 * none when it can be submitted. @has_example_file: a media header's
 * example file is chosen (uploaded on submit). */
GPtrArray         *wabiz_template_spec_check     (const WabizTemplateSpec *spec,
                                                  gboolean                 has_example_file);
/* Meta's template object (name, language, category, components) */
JsonObject        *wabiz_template_spec_to_json   (const WabizTemplateSpec *spec);

/* Submits @spec to Meta: uploads @example_file first for a media header
 * (its handle goes in the spec sent), then creates the template, or,
 * with @meta_id, changes that one (a rejected template, fixed; it goes
 * back to review). The new row (PENDING, as Meta answered) goes into
 * `templates` and "templates" is NOTIFYed. Returns Meta's status. */
void               wabiz_template_spec_submit_async  (const WabizTemplateSpec *spec,
                                                      GFile                   *example_file,
                                                      const char              *meta_id,
                                                      WabizDb                 *db,
                                                      WabizGraphClient        *graph,
                                                      GCancellable            *cancellable,
                                                      GAsyncReadyCallback      callback,
                                                      gpointer                 user_data);
char              *wabiz_template_spec_submit_finish (GAsyncResult            *result,
                                                      GError                 **error);

G_END_DECLS
