/* wabiz-template.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wabiz-db.h"
#include "wabiz-graph-client.h"

G_BEGIN_DECLS

/* One button of a template, as Meta has it (and as the editor makes it) */
typedef struct
{
  char *type;     /* QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE (others as Meta names them) */
  char *text;     /* (nullable) the label; a copy code's is Meta's own */
  char *url;      /* (nullable) URL: the address, maybe ending with {{1}} */
  char *phone;    /* (nullable) PHONE_NUMBER: the number */
  char *example;  /* (nullable) URL: the example value of its {{1}};
                   * COPY_CODE: the example code */
} WabizTemplateButton;

#define WABIZ_TYPE_TEMPLATE_BUTTON (wabiz_template_button_get_type ())
GType                wabiz_template_button_get_type (void) G_GNUC_CONST;
WabizTemplateButton *wabiz_template_button_new      (const char                *type);
WabizTemplateButton *wabiz_template_button_copy     (const WabizTemplateButton *button);
void                 wabiz_template_button_free     (WabizTemplateButton       *button);
/* Whether sending needs a value for it: a URL ending with {{1}}, a copy code */
gboolean             wabiz_template_button_takes_value (const WabizTemplateButton *button);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizTemplateButton, wabiz_template_button_free)

/* What a send fills in: the values of a template's placeholders, its
 * media header and its buttons. */
typedef struct
{
  char  *header_text;      /* (nullable) the value of the text header's {{1}} */
  char  *header_link;      /* (nullable) a media header's https:// address … */
  char  *header_media_id;  /* (nullable) … or an uploaded media's id */
  char  *header_filename;  /* (nullable) a document's name, as the customer sees it */
  GStrv  body;             /* (nullable) one per value of the body: {{1}}, {{2}}… or,
                            * named, in the order of wabiz_template_get_param_names() */
  GStrv  buttons;          /* (nullable) one per button: a URL's {{1}}, a copy code;
                            * "" for the buttons that take none */
} WabizTemplateValues;

WabizTemplateValues *wabiz_template_values_new  (void);
void                 wabiz_template_values_free (WabizTemplateValues *values);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizTemplateValues, wabiz_template_values_free)

#define WABIZ_TYPE_TEMPLATE (wabiz_template_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplate, wabiz_template, WABIZ, TEMPLATE, GObject)

/* The columns wabiz_template_new_from_result() reads */
#define WABIZ_TEMPLATE_COLUMNS \
  "id::text AS id, name, language, category, status, meta_id, components::text AS components," \
  " body_text, footer_text, parameter_format, quality_score, rejected_reason, previous_category," \
  " (extract(epoch FROM updated_at) * 1000000)::bigint::text AS updated_us"

/* A row of `templates` with WABIZ_TEMPLATE_COLUMNS */
WabizTemplate *wabiz_template_new_from_result   (WabizDbResult        *result,
                                                 guint                 row);
/* Meta's template object (as GET message_templates lists it) */
WabizTemplate *wabiz_template_new_from_json     (JsonObject           *object);

const char    *wabiz_template_get_id            (WabizTemplate        *self);
const char    *wabiz_template_get_meta_id       (WabizTemplate        *self);
const char    *wabiz_template_get_name          (WabizTemplate        *self);
const char    *wabiz_template_get_language      (WabizTemplate        *self);
const char    *wabiz_template_get_category      (WabizTemplate        *self);
/* Meta's review status: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … */
const char    *wabiz_template_get_status        (WabizTemplate        *self);
/* Meta's reason for a rejection (INVALID_FORMAT, …), or NULL */
const char    *wabiz_template_get_rejected_reason (WabizTemplate      *self);
/* GREEN, YELLOW, RED, UNKNOWN, or NULL */
const char    *wabiz_template_get_quality       (WabizTemplate        *self);
/* When the row last changed (µs since 1970; 0: unknown) */
gint64         wabiz_template_get_updated_us    (WabizTemplate        *self);
gboolean       wabiz_template_is_named          (WabizTemplate        *self);
/* Meta's components array (transfer none) */
JsonArray     *wabiz_template_get_components    (WabizTemplate        *self);

/* TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION, or NULL: no header */
const char    *wabiz_template_get_header_format (WabizTemplate        *self);
/* A text header's text, {{1}} included; NULL for none or media */
const char    *wabiz_template_get_header        (WabizTemplate        *self);
/* The example of a text header's {{1}}, or NULL */
const char    *wabiz_template_get_header_example (WabizTemplate       *self);
/* Whether a send must give a header value: a text header with {{1}},
 * or media */
gboolean       wabiz_template_header_takes_value (WabizTemplate       *self);
const char    *wabiz_template_get_body          (WabizTemplate        *self);
const char    *wabiz_template_get_footer        (WabizTemplate        *self);
/* How many values the body takes */
guint          wabiz_template_get_n_params      (WabizTemplate        *self);
/* A named template's variables, in the order of their first
 * appearance; NULL for a positional one */
const char * const *wabiz_template_get_param_names (WabizTemplate     *self);
/* Meta's example value of the body's value @index (from 0), or NULL */
const char    *wabiz_template_get_example       (WabizTemplate        *self,
                                                 guint                 index);
guint          wabiz_template_get_n_buttons     (WabizTemplate        *self);
const WabizTemplateButton *wabiz_template_get_button (WabizTemplate   *self,
                                                 guint                 index);

/* Meta's components of a send of @self with @values, in Meta's shape
 * (header, body, then a component per button that takes a value); an
 * empty array when the template takes none. Fails
 * (WABIZ_ERROR_INVALID_INPUT) naming what is missing or not allowed. */
JsonArray     *wabiz_template_build_components  (WabizTemplate              *self,
                                                 const WabizTemplateValues  *values,
                                                 GError                    **error);
/* The body as the customer reads it with @values (placeholders whose
 * value is missing stay) */
char          *wabiz_template_fill_body         (WabizTemplate              *self,
                                                 const WabizTemplateValues  *values);

/* What Meta's rejection @reason means for the owner, and the field of
 * the editor it concerns ("name", "category", "header", "body",
 * "footer", "buttons"); NULL reason: NULL */
char          *wabiz_template_describe_reason   (const char           *reason,
                                                 const char          **field);

/* The highest {{n}} in @text (0: none). */
guint          wabiz_template_count_params      (const char           *text);
/* @text with {{1}}, {{2}}… replaced by @params; an empty or missing
 * value leaves its placeholder. */
char          *wabiz_template_fill              (const char           *text,
                                                 const char * const   *params);

/* The APPROVED templates WaBiz can send with body parameters only (no
 * media header, no header or button parameters, positional), by name
 * and language: a GListModel of WabizTemplate. (Campaigns.) */
void           wabiz_template_list_sendable_async  (WabizDb              *db,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GListModel    *wabiz_template_list_sendable_finish (GAsyncResult         *result,
                                                    GError              **error);
/* Every APPROVED template, by name and language, whatever it takes
 * (media headers, header, button and named values): a GListModel of
 * WabizTemplate. (The send dialog.) */
void           wabiz_template_list_approved_async  (WabizDb              *db,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GListModel    *wabiz_template_list_approved_finish (GAsyncResult         *result,
                                                    GError              **error);

/* Fetches every template of the WABA from Graph and stores them in the
 * `templates` table (insert or update by name and language; those
 * Meta no longer has are removed), then NOTIFYs "templates". Returns
 * how many were stored. */
void           wabiz_template_sync_async        (WabizDb              *db,
                                                 WabizGraphClient     *graph,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gssize         wabiz_template_sync_finish       (GAsyncResult         *result,
                                                 GError              **error);

/* Deletes every language of the template @name at Meta, then from
 * `templates`, and NOTIFYs "templates". */
void           wabiz_template_delete_async      (WabizDb              *db,
                                                 WabizGraphClient     *graph,
                                                 const char           *name,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean       wabiz_template_delete_finish     (GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
