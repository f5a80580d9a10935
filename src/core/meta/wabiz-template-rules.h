/* wabiz-template-rules.h: WhatsApp's rules for message templates
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Meta's limits */
#define WABIZ_TEMPLATE_NAME_MAX        512
#define WABIZ_TEMPLATE_HEADER_TEXT_MAX 60
#define WABIZ_TEMPLATE_BODY_MAX        1024
#define WABIZ_TEMPLATE_FOOTER_MAX      60
#define WABIZ_TEMPLATE_BUTTON_TEXT_MAX 25
#define WABIZ_TEMPLATE_BUTTONS_MAX     10
#define WABIZ_TEMPLATE_URL_BUTTONS_MAX 2
#define WABIZ_TEMPLATE_URL_MAX         2000
#define WABIZ_TEMPLATE_PHONE_BUTTONS_MAX 1
#define WABIZ_TEMPLATE_COPY_CODE_MAX   15
#define WABIZ_TEMPLATE_PHONE_MAX       20

typedef enum
{
  WABIZ_TEMPLATE_PROBLEM_NAME_EMPTY,
  WABIZ_TEMPLATE_PROBLEM_NAME_TOO_LONG,
  WABIZ_TEMPLATE_PROBLEM_NAME_CHARACTERS,
  WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY,
  WABIZ_TEMPLATE_PROBLEM_TEXT_TOO_LONG,
  WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_MALFORMED,
  WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_NOT_IN_ORDER,
  WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_START,
  WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_END,
  WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_ADJACENT,
  WABIZ_TEMPLATE_PROBLEM_TOO_FEW_WORDS,
  WABIZ_TEMPLATE_PROBLEM_TOO_MANY_PLACEHOLDERS,
  WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_NOT_ALLOWED,
  WABIZ_TEMPLATE_PROBLEM_EXAMPLE_MISSING,
  WABIZ_TEMPLATE_PROBLEM_EXAMPLE_INVALID,
  WABIZ_TEMPLATE_PROBLEM_TOO_MANY_BUTTONS,
  WABIZ_TEMPLATE_PROBLEM_BUTTONS_NOT_GROUPED,
} WabizTemplateProblemKind;

/* One broken rule: which part of the template (“name”, “header”,
 * “body”, “footer”, “buttons”), what kind, and a sentence for the owner
 * (translated) that says what to change. */
typedef struct
{
  char                    *field;
  WabizTemplateProblemKind kind;
  char                    *message;
} WabizTemplateProblem;

void       wabiz_template_problem_free           (WabizTemplateProblem *problem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizTemplateProblem, wabiz_template_problem_free)

/* One {{…}} in a text: its byte span and what is inside. @number is
 * 0 for a named variable ({{first_name}}), whose name is @name. */
typedef struct
{
  gsize  start;
  gsize  end;      /* one past the closing braces */
  guint  number;
  char  *name;
} WabizPlaceholder;

/* Every {{…}} of @text in order of appearance, as WabizPlaceholder
 * (free with g_ptr_array_unref). A "{{" with no "}}", or braces holding
 * anything but a number or a lowercase name, is @malformed. */
GPtrArray *wabiz_template_scan_placeholders      (const char  *text,
                                                  gboolean    *malformed);
/* How many values @text takes: its highest {{n}}, or the number of
 * distinct named variables; 0 for none. */
guint      wabiz_template_count_placeholders     (const char  *text);
/* @text with each {{n}} replaced by @values[n - 1] (a NULL or empty
 * value leaves the placeholder as it is). */
char      *wabiz_template_fill_placeholders      (const char         *text,
                                                  const char * const *values);

/* Each check appends WabizTemplateProblem to @problems (created with
 * g_ptr_array_new_with_free_func (wabiz_template_problem_free)) and
 * returns TRUE when it found none. */
gboolean   wabiz_template_check_name             (const char  *name,
                                                  GPtrArray   *problems);
/* The body: required, at most 1,024 characters, placeholders {{1}}… in
 * order without gaps, none at the start or the end (a placeholder
 * followed only by punctuation counts as at the end, as Meta counts it),
 * no two side by side, and enough words around them. @examples: one per
 * placeholder, or NULL when examples are not being checked. */
gboolean   wabiz_template_check_body             (const char         *body,
                                                  const char * const *examples,
                                                  GPtrArray          *problems);
/* Header text: at most 60 characters and one placeholder. */
gboolean   wabiz_template_check_header_text      (const char         *text,
                                                  const char * const *examples,
                                                  GPtrArray          *problems);
/* Footer: optional, at most 60 characters, no placeholder. */
gboolean   wabiz_template_check_footer           (const char  *footer,
                                                  GPtrArray   *problems);
/* A button's label: 1 to 25 characters, no placeholder. */
gboolean   wabiz_template_check_button_text      (const char  *text,
                                                  GPtrArray   *problems);
/* A URL button's address: http(s), at most 2,000 characters, at most
 * one placeholder, and only at its very end. */
gboolean   wabiz_template_check_button_url       (const char  *url,
                                                  GPtrArray   *problems);

/* The buttons together, by type (QUICK_REPLY, URL, PHONE_NUMBER,
 * COPY_CODE; NULL-terminated, in their order): at most 10, 2 URL, 1
 * phone number and 1 copy code, and the quick replies side by side. */
gboolean   wabiz_template_check_button_types     (const char * const *types,
                                                  GPtrArray          *problems);
/* A phone button's number: international, with its +, at most 20
 * characters. */
gboolean   wabiz_template_check_button_phone     (const char  *phone,
                                                  GPtrArray   *problems);
/* A copy-code button's example code: 1 to 15 characters, no spaces. */
gboolean   wabiz_template_check_copy_code        (const char  *code,
                                                  GPtrArray   *problems);

/* All of @problems as one text, a line each, for a log or a retry
 * prompt; NULL when there are none. */
char      *wabiz_template_problems_to_string     (GPtrArray   *problems);

G_END_DECLS
