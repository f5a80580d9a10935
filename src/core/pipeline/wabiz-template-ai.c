/* wabiz-template-ai.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Templates written by Gemini. A job is a conversation with Gemini: the
 * rules in the system instruction, what the business wants as the first
 * turn, and a JSON schema for the answer (body_text, footer_text,
 * example_values). Each answer is parsed and checked; while it breaks a
 * rule and rounds are left, Gemini's draft and a turn naming every
 * problem go back to it. A draft cut off for lack of room (MAX_TOKENS)
 * is asked for once more with twice the room. Only a draft with no
 * problem left is returned; after the last round, an error lists what
 * is still wrong.
 */

#define G_LOG_DOMAIN "wabiz-template-ai"

#include "config.h"

#include "wabiz-template-ai.h"
#include "wabiz-template-rules.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#define DEFAULT_MAX_OUTPUT_TOKENS 8192
#define MAX_OUTPUT_TOKENS_CAP     32768
#define DESCRIPTION_MAX           4000

struct _WabizTemplateAi
{
  GObject            parent_instance;

  WabizGeminiClient *gemini;       /* (owned) */
  guint              max_rounds;
};

/* A job's task data */
typedef struct
{
  char                        *name;             /* (owned) */
  char                        *category;         /* (owned) uppercase */
  char                        *language;         /* (owned) */
  WabizGeminiRequest          *request;          /* (owned) the conversation so far */
  gboolean                     streaming;
  guint                        round;            /* answers asked for so far */
  gboolean                     raised_room;      /* asked again after MAX_TOKENS */
  WabizGeminiUsage             usage;
  char                        *body_so_far;      /* (owned) (nullable) streaming */
  WabizTemplateAiProgressFunc  progress_func;    /* (nullable) */
  gpointer                     progress_data;
  GDestroyNotify               progress_destroy; /* (nullable) */
} Job;

G_DEFINE_QUARK (wabiz-template-ai-error-quark, wabiz_template_ai_error)

G_DEFINE_FINAL_TYPE (WabizTemplateAi, wabiz_template_ai, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (WabizTemplateDraft, wabiz_template_draft, wabiz_template_draft_copy,
                     wabiz_template_draft_free)

/* What Gemini is told before anything else. Not translated: it is for
 * Gemini, and the rules are Meta's. */
static const char system_instruction[] =
  "You draft WhatsApp Business message templates that must pass Meta's review. Answer with "
  "the template's body_text, a footer_text (or an empty string) and example_values, as JSON. "
  "Rules:\n"
  "- Variables are {{1}}, {{2}}, ... numbered from 1 in the order they appear, without gaps, "
  "with only digits inside the double braces.\n"
  "- Never begin or end the body with a variable. A variable followed only by punctuation at "
  "the end still ends the body: add a closing sentence after it.\n"
  "- Never put two variables side by side: write real words between and around them, at "
  "least two words of text for each variable.\n"
  "- The body has at most 1024 characters. The footer has at most 60 characters and no "
  "variables.\n"
  "- example_values holds exactly one realistic example per variable, in order, each on one "
  "line, never real customer data.\n"
  "- Write only in the language given.\n"
  "- A UTILITY template is about something the customer already did or asked for (an order, "
  "a booking, a delivery, an account, a payment due): no offers, discounts, sales, "
  "promotions, coupons or upselling of any kind.\n"
  "- A MARKETING template may promote; end it with a way to opt out, such as \"Reply STOP to "
  "unsubscribe\".\n"
  "- No fake urgency; never ask for passwords or card numbers. *bold*, _italic_ and light "
  "emoji are allowed.";

/* Words that make a UTILITY template read as promotional: Meta re-files
 * those as MARKETING. */
static const char promotional_pattern[] =
  "\\b(offers?|discounts?|sales?|promos?|promotions?|promotional|coupons?|deals?|"
  "vouchers?|limited[ -]time|buy now|shop now|special price|free gift|"
  "[0-9]+ ?% ?off|% off|half price)\\b";

/* ------------------------------------------------------------------ */
/* Drafts and checks */

WabizTemplateDraft *
wabiz_template_draft_copy (const WabizTemplateDraft *draft)
{
  WabizTemplateDraft *copy;

  g_return_val_if_fail (draft != NULL, NULL);

  copy = g_new0 (WabizTemplateDraft, 1);
  copy->name = g_strdup (draft->name);
  copy->category = g_strdup (draft->category);
  copy->language = g_strdup (draft->language);
  copy->body = g_strdup (draft->body);
  copy->footer = g_strdup (draft->footer);
  copy->examples = g_strdupv (draft->examples);
  copy->usage = draft->usage;
  copy->rounds = draft->rounds;
  return copy;
}

void
wabiz_template_draft_free (WabizTemplateDraft *draft)
{
  if (draft == NULL)
    return;
  g_free (draft->name);
  g_free (draft->category);
  g_free (draft->language);
  g_free (draft->body);
  g_free (draft->footer);
  g_strfreev (draft->examples);
  g_free (draft);
}

/* The first promotional word of @text, or NULL */
static char *
find_promotion (const char *text)
{
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;

  if (text == NULL)
    return NULL;
  regex = g_regex_new (promotional_pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
  g_assert (regex != NULL);
  if (!g_regex_match (regex, text, 0, &match))
    return NULL;
  return g_match_info_fetch (match, 0);
}

static void
append_problem (GString    *text,
                const char *field,
                const char *message)
{
  if (text->len > 0)
    g_string_append_c (text, '\n');
  g_string_append_printf (text, "%s: %s", field, message);
}

char *
wabiz_template_ai_find_problems (const char         *category,
                                 const char         *body,
                                 const char         *footer,
                                 const char * const *examples)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autofree char *rules = NULL;
  GString *text;
  guint n_needed;
  guint n_given;

  g_return_val_if_fail (category != NULL, NULL);

  problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  wabiz_template_check_body (body, examples, problems);
  wabiz_template_check_footer (footer, problems);
  rules = wabiz_template_problems_to_string (problems);
  text = g_string_new (rules);

  /* The rules check that each placeholder has a value; Meta also
   * refuses values for placeholders that are not there. */
  n_needed = body != NULL ? wabiz_template_count_placeholders (body) : 0;
  n_given = examples != NULL ? g_strv_length ((char **) examples) : 0;
  if (n_given > n_needed)
    {
      g_autofree char *message =
        g_strdup_printf (ngettext ("Give exactly one example value per placeholder: the body "
                                   "has %u placeholder, and %u values were given.",
                                   "Give exactly one example value per placeholder: the body "
                                   "has %u placeholders, and %u values were given.",
                                   n_needed),
                         n_needed, n_given);

      append_problem (text, "examples", message);
    }

  if (g_ascii_strcasecmp (category, "UTILITY") == 0)
    {
      g_autofree char *in_body = find_promotion (body);
      g_autofree char *in_footer = find_promotion (footer);
      const char *word = in_body != NULL ? in_body : in_footer;

      if (word != NULL)
        {
          g_autofree char *message =
            g_strdup_printf (_("This is a UTILITY template, but “%s” reads as promotional, and "
                               "Meta files promotions as MARKETING. Remove the promotion, or "
                               "choose MARKETING."),
                             word);

          append_problem (text, "category", message);
        }
    }

  if (text->len == 0)
    {
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}

/* ------------------------------------------------------------------ */
/* Jobs */

static void
job_free (Job *job)
{
  g_free (job->name);
  g_free (job->category);
  g_free (job->language);
  g_clear_pointer (&job->request, wabiz_gemini_request_unref);
  g_free (job->body_so_far);
  if (job->progress_destroy != NULL)
    job->progress_destroy (job->progress_data);
  g_free (job);
}

static JsonObject *
new_draft_schema (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  static const char schema[] =
    "{\"type\": \"OBJECT\", \"properties\": {"
    "\"body_text\": {\"type\": \"STRING\", \"description\": \"The message, with {{1}}, {{2}}... "
    "for the parts that change\"}, "
    "\"footer_text\": {\"type\": \"STRING\", \"description\": \"A short line under the message, "
    "no variables; may be empty\"}, "
    "\"example_values\": {\"type\": \"ARRAY\", \"items\": {\"type\": \"STRING\"}, "
    "\"description\": \"One example per variable, in order\"}}, "
    "\"required\": [\"body_text\", \"footer_text\", \"example_values\"], "
    "\"propertyOrdering\": [\"body_text\", \"footer_text\", \"example_values\"]}";

  json_parser_load_from_data (parser, schema, -1, NULL);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The draft in Gemini's @text, or NULL and *@problems saying why not */
static WabizTemplateDraft *
read_draft (Job         *job,
            const char  *text,
            char       **problems)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(WabizTemplateDraft) draft = NULL;
  g_autoptr(GPtrArray) examples = g_ptr_array_new_with_free_func (g_free);
  JsonNode *root;
  JsonObject *object;
  JsonNode *body;
  JsonNode *footer;
  JsonNode *values;

  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT ((root = json_parser_get_root (parser))))
    {
      *problems = g_strdup_printf ("answer: %s",
                                   _("The answer was not valid JSON: give a JSON object with "
                                     "body_text, footer_text and example_values, as the schema "
                                     "says."));
      return NULL;
    }
  object = json_node_get_object (root);
  body = json_object_get_member (object, "body_text");
  footer = json_object_get_member (object, "footer_text");
  values = json_object_get_member (object, "example_values");

  if (body == NULL || !JSON_NODE_HOLDS_VALUE (body) ||
      json_node_get_value_type (body) != G_TYPE_STRING ||
      (footer != NULL && !JSON_NODE_HOLDS_NULL (footer) &&
       (!JSON_NODE_HOLDS_VALUE (footer) || json_node_get_value_type (footer) != G_TYPE_STRING)) ||
      (values != NULL && !JSON_NODE_HOLDS_NULL (values) && !JSON_NODE_HOLDS_ARRAY (values)))
    {
      *problems = g_strdup_printf ("answer: %s",
                                   _("The answer did not follow the schema: body_text and "
                                     "footer_text must be strings, example_values a list of "
                                     "strings."));
      return NULL;
    }

  for (guint i = 0; values != NULL && JSON_NODE_HOLDS_ARRAY (values) &&
                    i < json_array_get_length (json_node_get_array (values)); i++)
    {
      JsonNode *value = json_array_get_element (json_node_get_array (values), i);

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          *problems = g_strdup_printf ("answer: %s",
                                       _("Every example value must be a string."));
          return NULL;
        }
      g_ptr_array_add (examples, g_strdup (json_node_get_string (value)));
    }
  g_ptr_array_add (examples, NULL);

  draft = g_new0 (WabizTemplateDraft, 1);
  draft->name = g_strdup (job->name);
  draft->category = g_strdup (job->category);
  draft->language = g_strdup (job->language);
  draft->body = g_strdup (json_node_get_string (body));
  if (footer != NULL && JSON_NODE_HOLDS_VALUE (footer))
    {
      g_autofree char *stripped = g_strstrip (g_strdup (json_node_get_string (footer)));

      if (*stripped != '\0')
        draft->footer = g_strdup (json_node_get_string (footer));
    }
  draft->examples = (char **) g_ptr_array_free (g_steal_pointer (&examples), FALSE);

  *problems = wabiz_template_ai_find_problems (draft->category, draft->body, draft->footer,
                                               (const char * const *) draft->examples);
  if (*problems != NULL)
    return NULL;

  return g_steal_pointer (&draft);
}

/* The value of "body_text" in the JSON @text Gemini is still writing,
 * as far as it goes; NULL before it starts. */
static char *
read_partial_body (const char *text)
{
  const char *p = strstr (text, "\"body_text\"");
  GString *body;

  if (p == NULL)
    return NULL;
  p += strlen ("\"body_text\"");
  while (g_ascii_isspace (*p))
    p++;
  if (*p != ':')
    return NULL;
  p++;
  while (g_ascii_isspace (*p))
    p++;
  if (*p != '"')
    return NULL;
  p++;

  body = g_string_new (NULL);
  while (*p != '\0' && *p != '"')
    {
      if (*p != '\\')
        {
          g_string_append_c (body, *p++);
          continue;
        }
      if (p[1] == '\0')
        break;
      switch (p[1])
        {
        case 'n':
          g_string_append_c (body, '\n');
          break;
        case 't':
          g_string_append_c (body, '\t');
          break;
        case 'r':
          g_string_append_c (body, '\r');
          break;
        case 'b':
        case 'f':
          break;
        case 'u':
          {
            char hex[5] = { 0 };
            gunichar c;

            if (strlen (p + 2) < 4)
              goto out;
            memcpy (hex, p + 2, 4);
            c = (gunichar) g_ascii_strtoull (hex, NULL, 16);
            /* Surrogate pairs are rare in a template: left out. */
            if (g_unichar_validate (c))
              g_string_append_unichar (body, c);
            p += 4;
          }
          break;
        default:
          g_string_append_c (body, p[1]);
          break;
        }
      p += 2;
    }

out:
  /* A piece may end inside a UTF-8 sequence: keep the valid part. */
  {
    const char *end = NULL;

    if (!g_utf8_validate (body->str, body->len, &end))
      g_string_truncate (body, end - body->str);
  }
  return g_string_free (body, FALSE);
}

static void
text_arrived_cb (const char *delta,
                 const char *text,
                 gpointer    user_data)
{
  Job *job = user_data;
  g_autofree char *body = read_partial_body (text);

  if (body == NULL || g_strcmp0 (body, job->body_so_far) == 0)
    return;
  g_free (job->body_so_far);
  job->body_so_far = g_steal_pointer (&body);
  if (job->progress_func != NULL)
    job->progress_func (job->body_so_far, job->round, job->progress_data);
}

static void answered_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data);

/* Asks Gemini for the next round of @task (transfer full) */
static void
ask (GTask *task)
{
  WabizTemplateAi *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  job->round++;
  g_clear_pointer (&job->body_so_far, g_free);
  g_debug ("Asking for template %s, round %u", job->name, job->round);

  if (job->streaming)
    {
      if (job->progress_func != NULL)
        job->progress_func ("", job->round, job->progress_data);
      wabiz_gemini_client_stream_async (self->gemini, job->request, text_arrived_cb, job, NULL,
                                        g_task_get_cancellable (task), answered_cb, task);
    }
  else
    {
      wabiz_gemini_client_generate_async (self->gemini, job->request,
                                          g_task_get_cancellable (task), answered_cb, task);
    }
}

static void
answered_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizTemplateAi *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(WabizTemplateDraft) draft = NULL;
  g_autofree char *problems = NULL;
  g_autofree char *again = NULL;
  GError *error = NULL;

  response = job->streaming
               ? wabiz_gemini_client_stream_finish (WABIZ_GEMINI_CLIENT (object), result, &error)
               : wabiz_gemini_client_generate_finish (WABIZ_GEMINI_CLIENT (object), result, &error);
  if (response == NULL)
    {
      /* Cut off for lack of room: once more, with twice the room. */
      if (g_error_matches (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_TRUNCATED) &&
          !job->raised_room && job->round < self->max_rounds)
        {
          guint room = wabiz_gemini_request_get_max_output_tokens (job->request);

          g_debug ("Template %s was cut off: asking again with more room", job->name);
          g_clear_error (&error);
          job->raised_room = TRUE;
          wabiz_gemini_request_set_max_output_tokens (job->request,
                                                      MIN (room * 2, MAX_OUTPUT_TOKENS_CAP));
          ask (g_steal_pointer (&task));
          return;
        }
      g_task_return_error (task, error);
      return;
    }

  wabiz_gemini_usage_add (&job->usage, &response->usage);
  draft = read_draft (job, response->text, &problems);
  if (draft != NULL)
    {
      draft->usage = job->usage;
      draft->rounds = job->round;
      g_task_return_pointer (task, g_steal_pointer (&draft),
                             (GDestroyNotify) wabiz_template_draft_free);
      return;
    }

  if (job->round >= self->max_rounds)
    {
      g_task_return_new_error (task, WABIZ_TEMPLATE_AI_ERROR, WABIZ_TEMPLATE_AI_ERROR_RULES,
                               ngettext ("Gemini could not write a template that follows "
                                         "WhatsApp's rules in %u try. What is still wrong:\n"
                                         "%s\nReword the description, or write the template "
                                         "yourself.",
                                         "Gemini could not write a template that follows "
                                         "WhatsApp's rules in %u tries. What is still wrong:\n"
                                         "%s\nReword the description, or write the template "
                                         "yourself.",
                                         job->round),
                               job->round, problems);
      return;
    }

  g_debug ("Template %s broke the rules in round %u: asking again", job->name, job->round);
  again = g_strdup_printf ("That answer has these problems:\n%s\nWrite the whole template again "
                           "as JSON, fixing every problem and keeping what the business wants.",
                           problems);
  wabiz_gemini_request_add_text (job->request, WABIZ_GEMINI_ROLE_MODEL, response->text);
  wabiz_gemini_request_add_text (job->request, WABIZ_GEMINI_ROLE_USER, again);
  ask (g_steal_pointer (&task));
}

/* Checks the input, then asks for the first round */
static void
start_job (WabizTemplateAi             *self,
           const char                  *name,
           const char                  *category,
           const char                  *language,
           const char                  *description,
           gboolean                     streaming,
           WabizTemplateAiProgressFunc  progress_func,
           gpointer                     progress_data,
           GDestroyNotify               progress_destroy,
           GCancellable                *cancellable,
           GAsyncReadyCallback          callback,
           gpointer                     user_data,
           gpointer                     source_tag)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonObject) schema = NULL;
  g_autofree char *upper = NULL;
  g_autofree char *trimmed = NULL;
  g_autofree char *prompt = NULL;
  Job *job;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  job = g_new0 (Job, 1);
  job->streaming = streaming;
  job->progress_func = progress_func;
  job->progress_data = progress_data;
  job->progress_destroy = progress_destroy;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  if (!wabiz_template_check_name (name, problems))
    {
      g_autofree char *text = wabiz_template_problems_to_string (problems);

      g_task_return_new_error (task, WABIZ_TEMPLATE_AI_ERROR, WABIZ_TEMPLATE_AI_ERROR_INVALID,
                               "%s", text);
      return;
    }

  upper = g_ascii_strup (category != NULL ? category : "", -1);
  if (g_str_equal (upper, "AUTHENTICATION"))
    {
      g_task_return_new_error (task, WABIZ_TEMPLATE_AI_ERROR,
                               WABIZ_TEMPLATE_AI_ERROR_AUTHENTICATION,
                               _("Gemini does not write AUTHENTICATION templates: Meta gives "
                                 "them fixed wording for one-time codes. Create it manually "
                                 "instead."));
      return;
    }
  if (!g_str_equal (upper, "UTILITY") && !g_str_equal (upper, "MARKETING"))
    {
      g_task_return_new_error (task, WABIZ_TEMPLATE_AI_ERROR, WABIZ_TEMPLATE_AI_ERROR_INVALID,
                               _("Choose the category UTILITY or MARKETING for a template "
                                 "written with Gemini."));
      return;
    }

  if (language == NULL || !g_regex_match_simple ("^[a-z]{2,3}(_[A-Z]{2})?$", language, 0, 0))
    {
      g_task_return_new_error (task, WABIZ_TEMPLATE_AI_ERROR, WABIZ_TEMPLATE_AI_ERROR_INVALID,
                               _("Give the language as a code such as en_US or pt_BR."));
      return;
    }

  trimmed = g_strstrip (g_strdup (description != NULL ? description : ""));
  if (*trimmed == '\0' || !g_utf8_validate (trimmed, -1, NULL) ||
      g_utf8_strlen (trimmed, -1) > DESCRIPTION_MAX)
    {
      g_task_return_new_error (task, WABIZ_TEMPLATE_AI_ERROR, WABIZ_TEMPLATE_AI_ERROR_INVALID,
                               _("Describe in a few sentences (at most %u characters) what "
                                 "the message should tell the customer."),
                               DESCRIPTION_MAX);
      return;
    }

  job->name = g_strdup (name);
  job->category = g_steal_pointer (&upper);
  job->language = g_strdup (language);

  schema = new_draft_schema ();
  prompt = g_strdup_printf ("Template name: %s\nCategory: %s\nLanguage: %s\n"
                            "What the business wants the message to say:\n%s",
                            job->name, job->category, job->language, trimmed);
  job->request = wabiz_gemini_request_new ();
  wabiz_gemini_request_set_system_instruction (job->request, system_instruction);
  wabiz_gemini_request_add_text (job->request, WABIZ_GEMINI_ROLE_USER, prompt);
  wabiz_gemini_request_set_temperature (job->request, 0.4);
  wabiz_gemini_request_set_max_output_tokens (job->request, DEFAULT_MAX_OUTPUT_TOKENS);
  wabiz_gemini_request_set_response_schema (job->request, schema);

  ask (g_steal_pointer (&task));
}

/* ------------------------------------------------------------------ */

static void
wabiz_template_ai_dispose (GObject *object)
{
  WabizTemplateAi *self = (WabizTemplateAi *) object;

  g_clear_object (&self->gemini);

  G_OBJECT_CLASS (wabiz_template_ai_parent_class)->dispose (object);
}

static void
wabiz_template_ai_class_init (WabizTemplateAiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_template_ai_dispose;
}

static void
wabiz_template_ai_init (WabizTemplateAi *self)
{
  self->max_rounds = WABIZ_TEMPLATE_AI_DEFAULT_ROUNDS;
}

WabizTemplateAi *
wabiz_template_ai_new (WabizGeminiClient *gemini)
{
  WabizTemplateAi *self;

  g_return_val_if_fail (WABIZ_IS_GEMINI_CLIENT (gemini), NULL);

  self = g_object_new (WABIZ_TYPE_TEMPLATE_AI, NULL);
  self->gemini = g_object_ref (gemini);
  return self;
}

WabizGeminiClient *
wabiz_template_ai_get_gemini (WabizTemplateAi *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_AI (self), NULL);

  return self->gemini;
}

void
wabiz_template_ai_set_max_rounds (WabizTemplateAi *self,
                                  guint            max_rounds)
{
  g_return_if_fail (WABIZ_IS_TEMPLATE_AI (self));
  g_return_if_fail (max_rounds >= 1);

  self->max_rounds = max_rounds;
}

void
wabiz_template_ai_generate_async (WabizTemplateAi     *self,
                                  const char          *name,
                                  const char          *category,
                                  const char          *language,
                                  const char          *description,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_TEMPLATE_AI (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_job (self, name, category, language, description, FALSE, NULL, NULL, NULL, cancellable,
             callback, user_data, wabiz_template_ai_generate_async);
}

/**
 * wabiz_template_ai_generate_finish:
 *
 * Returns: (transfer full): a draft with no problem left
 */
WabizTemplateDraft *
wabiz_template_ai_generate_finish (WabizTemplateAi  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_AI (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        wabiz_template_ai_generate_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_template_ai_stream_async (WabizTemplateAi             *self,
                                const char                  *name,
                                const char                  *category,
                                const char                  *language,
                                const char                  *description,
                                WabizTemplateAiProgressFunc  progress_func,
                                gpointer                     progress_data,
                                GDestroyNotify               progress_destroy,
                                GCancellable                *cancellable,
                                GAsyncReadyCallback          callback,
                                gpointer                     user_data)
{
  g_return_if_fail (WABIZ_IS_TEMPLATE_AI (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_job (self, name, category, language, description, TRUE, progress_func, progress_data,
             progress_destroy, cancellable, callback, user_data, wabiz_template_ai_stream_async);
}

/**
 * wabiz_template_ai_stream_finish:
 *
 * Returns: (transfer full): a draft with no problem left
 */
WabizTemplateDraft *
wabiz_template_ai_stream_finish (WabizTemplateAi  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_AI (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        wabiz_template_ai_stream_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
