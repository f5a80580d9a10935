/* wabiz-template-ai.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WabizTemplateAi: message templates written by Gemini ("AI mode").
 * From a name, a category, a language and what the business wants,
 * Gemini writes the body, the footer and one example value per
 * placeholder as structured JSON; every draft is checked against
 * WhatsApp's rules (wabiz-template-rules.h) and the category's wording,
 * and Gemini is asked again with the problems named, a bounded number
 * of times, before a draft is ever returned. Nothing is submitted here.
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-gemini-client.h"

G_BEGIN_DECLS

/* Rounds (answers from Gemini) a draft may take, by default */
#define WABIZ_TEMPLATE_AI_DEFAULT_ROUNDS 3

/**
 * WabizTemplateAiError:
 * @WABIZ_TEMPLATE_AI_ERROR_INVALID: the name, category, language or
 *   description given cannot make a template
 * @WABIZ_TEMPLATE_AI_ERROR_AUTHENTICATION: AUTHENTICATION templates have
 *   Meta's fixed wording and are never written by Gemini
 * @WABIZ_TEMPLATE_AI_ERROR_RULES: Gemini's last draft still breaks the
 *   rules the message lists
 *
 * Gemini's own failures (key, quota, SAFETY, …) come as
 * %WABIZ_GEMINI_ERROR.
 */
typedef enum
{
  WABIZ_TEMPLATE_AI_ERROR_INVALID,
  WABIZ_TEMPLATE_AI_ERROR_AUTHENTICATION,
  WABIZ_TEMPLATE_AI_ERROR_RULES,
} WabizTemplateAiError;

#define WABIZ_TEMPLATE_AI_ERROR (wabiz_template_ai_error_quark ())
GQuark wabiz_template_ai_error_quark (void);

/* A draft that passed every check, ready for the owner or for Meta */
typedef struct
{
  char             *name;
  char             *category;   /* UTILITY or MARKETING */
  char             *language;
  char             *body;
  char             *footer;     /* (nullable) */
  char            **examples;   /* one per placeholder of the body, in order */
  WabizGeminiUsage  usage;      /* every round's, added up */
  guint             rounds;     /* answers from Gemini it took */
} WabizTemplateDraft;

#define WABIZ_TYPE_TEMPLATE_DRAFT (wabiz_template_draft_get_type ())
GType               wabiz_template_draft_get_type (void) G_GNUC_CONST;
WabizTemplateDraft *wabiz_template_draft_copy     (const WabizTemplateDraft *draft);
void                wabiz_template_draft_free     (WabizTemplateDraft       *draft);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizTemplateDraft, wabiz_template_draft_free)

/* What is wrong with a draft of @category (UTILITY, MARKETING): the
 * template rules of the body and footer, the example values (one per
 * placeholder, no more), and wording that does not fit the category
 * (promotion in a UTILITY template). A line per problem, "field:
 * message"; NULL when there is none. */
char *wabiz_template_ai_find_problems (const char         *category,
                                       const char         *body,
                                       const char         *footer,
                                       const char * const *examples);

/* Called as a streamed draft's body arrives: @body is all of it so far
 * in round @round (from 1); a new round starts the body again. */
typedef void (*WabizTemplateAiProgressFunc) (const char *body,
                                             guint       round,
                                             gpointer    user_data);

#define WABIZ_TYPE_TEMPLATE_AI (wabiz_template_ai_get_type ())
G_DECLARE_FINAL_TYPE (WabizTemplateAi, wabiz_template_ai, WABIZ, TEMPLATE_AI, GObject)

WabizTemplateAi    *wabiz_template_ai_new             (WabizGeminiClient  *gemini);
WabizGeminiClient  *wabiz_template_ai_get_gemini      (WabizTemplateAi    *self);
/* At least 1 */
void                wabiz_template_ai_set_max_rounds  (WabizTemplateAi    *self,
                                                       guint               max_rounds);

/* @name: the template's name (lowercase, digits, underscores);
 * @category: UTILITY or MARKETING (AUTHENTICATION is refused);
 * @language: e.g. "en_US"; @description: what the business wants to
 * say, in its own words. */
void                wabiz_template_ai_generate_async  (WabizTemplateAi     *self,
                                                       const char          *name,
                                                       const char          *category,
                                                       const char          *language,
                                                       const char          *description,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
WabizTemplateDraft *wabiz_template_ai_generate_finish (WabizTemplateAi     *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* The same, streamed: @progress_func gets the body as Gemini writes it
 * (for "Write with AI" in the editor). */
void                wabiz_template_ai_stream_async    (WabizTemplateAi            *self,
                                                       const char                 *name,
                                                       const char                 *category,
                                                       const char                 *language,
                                                       const char                 *description,
                                                       WabizTemplateAiProgressFunc progress_func,
                                                       gpointer                    progress_data,
                                                       GDestroyNotify              progress_destroy,
                                                       GCancellable               *cancellable,
                                                       GAsyncReadyCallback         callback,
                                                       gpointer                    user_data);
WabizTemplateDraft *wabiz_template_ai_stream_finish   (WabizTemplateAi     *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

G_END_DECLS
