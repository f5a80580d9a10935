/* wabiz-template-rules.c
 *
 * SPDX-License-Identifier: MIT
 *
 * WhatsApp's rules for message templates, checked before anything is
 * submitted to Meta: by the template editor as the owner types, by the
 * REST API's /template/create, and on every draft Gemini writes. The one
 * place that reads {{…}} placeholders.
 */

#define G_LOG_DOMAIN "wabiz-template-rules"

#include "config.h"

#include "wabiz-template-rules.h"

#include <glib/gi18n.h>
#include <string.h>

/* the highest {{n}} WaBiz accepts */
#define MAX_PLACEHOLDER 100
/* words of text needed for each placeholder of a body */
#define WORDS_PER_PLACEHOLDER 2

void
wabiz_template_problem_free (WabizTemplateProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->field);
  g_free (problem->message);
  g_free (problem);
}

static void
placeholder_free (gpointer data)
{
  WabizPlaceholder *placeholder = data;

  g_free (placeholder->name);
  g_free (placeholder);
}

static gboolean
add_problem (GPtrArray               *problems,
             const char              *field,
             WabizTemplateProblemKind kind,
             char                    *message)
{
  WabizTemplateProblem *problem = g_new0 (WabizTemplateProblem, 1);

  problem->field = g_strdup (field);
  problem->kind = kind;
  problem->message = message;
  g_ptr_array_add (problems, problem);
  return FALSE;
}

static gboolean
is_variable_name (const char *name)
{
  if (!g_ascii_islower (*name))
    return FALSE;
  for (const char *c = name; *c != '\0'; c++)
    {
      if (!g_ascii_islower (*c) && !g_ascii_isdigit (*c) && *c != '_')
        return FALSE;
    }
  return TRUE;
}

GPtrArray *
wabiz_template_scan_placeholders (const char *text,
                                  gboolean   *malformed)
{
  GPtrArray  *found = g_ptr_array_new_with_free_func (placeholder_free);
  const char *p = text;

  if (malformed != NULL)
    *malformed = FALSE;
  g_return_val_if_fail (text != NULL, found);

  while ((p = strstr (p, "{{")) != NULL)
    {
      const char       *end = strstr (p + 2, "}}");
      g_autofree char  *inner = NULL;
      WabizPlaceholder *placeholder;
      guint64           number = 0;

      if (end == NULL)
        {
          if (malformed != NULL)
            *malformed = TRUE;
          break;
        }
      inner = g_strstrip (g_strndup (p + 2, end - (p + 2)));
      if (!g_ascii_string_to_unsigned (inner, 10, 1, MAX_PLACEHOLDER, &number, NULL) && !is_variable_name (inner))
        {
          if (malformed != NULL)
            *malformed = TRUE;
          p = end + 2;
          continue;
        }

      placeholder = g_new0 (WabizPlaceholder, 1);
      placeholder->start = p - text;
      placeholder->end = end + 2 - text;
      placeholder->number = (guint) number;
      if (number == 0)
        placeholder->name = g_steal_pointer (&inner);
      g_ptr_array_add (found, placeholder);
      p = end + 2;
    }

  return found;
}

guint
wabiz_template_count_placeholders (const char *text)
{
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GHashTable) names = NULL;
  guint highest = 0;

  if (text == NULL)
    return 0;

  found = wabiz_template_scan_placeholders (text, NULL);
  names = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < found->len; i++)
    {
      WabizPlaceholder *placeholder = g_ptr_array_index (found, i);

      if (placeholder->name != NULL)
        g_hash_table_add (names, placeholder->name);
      else
        highest = MAX (highest, placeholder->number);
    }
  return highest > 0 ? highest : g_hash_table_size (names);
}

char *
wabiz_template_fill_placeholders (const char        *text,
                                  const char *const *values)
{
  g_autoptr (GPtrArray) found = NULL;
  GString *filled;
  gsize    done = 0;
  guint    n_values = values != NULL ? g_strv_length ((char **) values) : 0;

  g_return_val_if_fail (text != NULL, NULL);

  found = wabiz_template_scan_placeholders (text, NULL);
  filled = g_string_sized_new (strlen (text));
  for (guint i = 0; i < found->len; i++)
    {
      WabizPlaceholder *placeholder = g_ptr_array_index (found, i);
      const char       *value = placeholder->number > 0 && placeholder->number <= n_values
                                    ? values[placeholder->number - 1]
                                    : NULL;

      g_string_append_len (filled, text + done, placeholder->start - done);
      if (value != NULL && *value != '\0')
        g_string_append (filled, value);
      else
        g_string_append_len (filled, text + placeholder->start, placeholder->end - placeholder->start);
      done = placeholder->end;
    }
  g_string_append (filled, text + done);
  return g_string_free (filled, FALSE);
}

/* Whether @start to @end holds nothing but white space and punctuation */
static gboolean
only_punctuation (const char *start,
                  const char *end)
{
  for (const char *p = start; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_isspace (c) && !g_unichar_ispunct (c))
        return FALSE;
    }
  return TRUE;
}

/* Words (runs of letters and digits) of @text outside its placeholders */
static guint
count_words (const char *text,
             GPtrArray  *placeholders)
{
  guint    words = 0;
  gboolean in_word = FALSE;
  guint    next = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gsize    at = p - text;
      gunichar c;

      if (next < placeholders->len)
        {
          WabizPlaceholder *placeholder = g_ptr_array_index (placeholders, next);

          if (at >= placeholder->start)
            {
              p = text + placeholder->end - 1;
              in_word = FALSE;
              next++;
              continue;
            }
        }
      c = g_utf8_get_char (p);
      if (g_unichar_isalnum (c) || g_unichar_ismark (c))
        {
          if (!in_word)
            words++;
          in_word = TRUE;
        }
      else
        in_word = FALSE;
    }
  return words;
}

static char *
too_long_message (const char *field,
                  glong       length,
                  guint       max)
{
  if (g_str_equal (field, "body"))
    return g_strdup_printf (ngettext ("The body has %ld character; shorten it to %u or fewer.",
                                      "The body has %ld characters; shorten it to %u or fewer.", length),
                            length, max);
  if (g_str_equal (field, "header"))
    return g_strdup_printf (ngettext ("The header has %ld character; shorten it to %u or fewer.",
                                      "The header has %ld characters; shorten it to %u or fewer.", length),
                            length, max);
  if (g_str_equal (field, "footer"))
    return g_strdup_printf (ngettext ("The footer has %ld character; shorten it to %u or fewer.",
                                      "The footer has %ld characters; shorten it to %u or fewer.", length),
                            length, max);
  return g_strdup_printf (ngettext ("A button's label has %ld character; shorten it to %u or fewer.",
                                    "A button's label has %ld characters; shorten it to %u or fewer.", length),
                          length, max);
}

static gboolean
check_length (const char *field,
              const char *text,
              guint       max,
              GPtrArray  *problems)
{
  glong length = g_utf8_strlen (text, -1);

  if (length <= max)
    return TRUE;
  return add_problem (problems, g_str_equal (field, "button") ? "buttons" : field,
                      WABIZ_TEMPLATE_PROBLEM_TEXT_TOO_LONG, too_long_message (field, length, max));
}

/* Each value of @examples (NULL-terminated): given, and a single line
 * without tabs or long runs of spaces, as Meta wants values. */
static gboolean
check_examples (const char        *field,
                guint              n_needed,
                const char *const *examples,
                GPtrArray         *problems)
{
  guint    n_given;
  gboolean ok = TRUE;

  if (examples == NULL)
    return TRUE;

  n_given = g_strv_length ((char **) examples);
  for (guint i = 0; i < n_needed; i++)
    {
      const char      *value = i < n_given ? examples[i] : NULL;
      g_autofree char *trimmed = value != NULL ? g_strstrip (g_strdup (value)) : NULL;

      if (trimmed == NULL || *trimmed == '\0')
        ok = add_problem (problems, field, WABIZ_TEMPLATE_PROBLEM_EXAMPLE_MISSING,
                          /* Translators: {{%u}} is a numbered place in a template */
                          g_strdup_printf (_ ("Give an example value for {{%u}}: Meta reviews the template with it."),
                                           i + 1));
      else if (strchr (value, '\n') != NULL || strchr (value, '\t') != NULL || strstr (value, "    ") != NULL)
        ok = add_problem (problems, field, WABIZ_TEMPLATE_PROBLEM_EXAMPLE_INVALID,
                          /* Translators: {{%u}} is a numbered place in a template */
                          g_strdup_printf (_ ("The example for {{%u}} must be one line, without tabs or "
                                              "runs of four spaces."),
                                           i + 1));
    }
  return ok;
}

gboolean
wabiz_template_check_name (const char *name,
                           GPtrArray  *problems)
{
  g_return_val_if_fail (problems != NULL, FALSE);

  if (name == NULL || *name == '\0')
    return add_problem (problems, "name", WABIZ_TEMPLATE_PROBLEM_NAME_EMPTY,
                        g_strdup (_ ("Give the template a name, such as order_ready.")));
  if (strlen (name) > WABIZ_TEMPLATE_NAME_MAX)
    return add_problem (problems, "name", WABIZ_TEMPLATE_PROBLEM_NAME_TOO_LONG,
                        g_strdup_printf (_ ("The name is too long; use at most %u characters."),
                                         WABIZ_TEMPLATE_NAME_MAX));
  for (const char *c = name; *c != '\0'; c++)
    {
      if (!g_ascii_islower (*c) && !g_ascii_isdigit (*c) && *c != '_')
        return add_problem (problems, "name", WABIZ_TEMPLATE_PROBLEM_NAME_CHARACTERS,
                            g_strdup (_ ("Use only lowercase letters, digits and underscores in the name, "
                                         "such as order_ready.")));
    }
  return TRUE;
}

gboolean
wabiz_template_check_body (const char        *body,
                           const char *const *examples,
                           GPtrArray         *problems)
{
  g_autoptr (GPtrArray) found = NULL;
  gboolean    malformed = FALSE;
  gboolean    ok = TRUE;
  guint       expected = 1;
  guint       highest = 0;
  const char *text_start;
  const char *text_end;

  g_return_val_if_fail (problems != NULL, FALSE);

  if (body == NULL || *body == '\0' || only_punctuation (body, body + strlen (body)))
    return add_problem (problems, "body", WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY,
                        g_strdup (_ ("Write the message's text: the body is required.")));

  ok &= check_length ("body", body, WABIZ_TEMPLATE_BODY_MAX, problems);

  found = wabiz_template_scan_placeholders (body, &malformed);
  if (malformed)
    ok = add_problem (problems, "body", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_MALFORMED,
                      g_strdup (_ ("A placeholder is not written right: use {{1}}, {{2}}… with two braces "
                                   "on each side.")));
  if (found->len == 0)
    return ok;

  for (guint i = 0; i < found->len; i++)
    {
      WabizPlaceholder *placeholder = g_ptr_array_index (found, i);

      if (placeholder->name != NULL)
        {
          ok = add_problem (problems, "body", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_MALFORMED,
                            /* Translators: {{%s}} is a named placeholder such as {{first_name}} */
                            g_strdup_printf (_ ("Use numbered placeholders such as {{1}} instead of {{%s}}."),
                                             placeholder->name));
          return ok;
        }
      if (placeholder->number == expected)
        expected++;
      else if (placeholder->number > expected)
        {
          ok = add_problem (problems, "body", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_NOT_IN_ORDER,
                            /* Translators: {{%u}} are numbered places in a template */
                            g_strdup_printf (_ ("Number the placeholders in order without gaps: {{%u}} comes "
                                                "where {{%u}} should."),
                                             placeholder->number, expected));
          return ok;
        }
      highest = MAX (highest, placeholder->number);
    }

  text_start = body;
  while (*text_start != '\0' && g_unichar_isspace (g_utf8_get_char (text_start)))
    text_start = g_utf8_next_char (text_start);
  if ((gsize) (text_start - body) == ((WabizPlaceholder *) g_ptr_array_index (found, 0))->start)
    ok = add_problem (problems, "body", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_START,
                      g_strdup (_ ("The body cannot start with a placeholder: begin with a word, such as "
                                   "“Hello {{1}}”.")));

  text_end = body + strlen (body);
  {
    WabizPlaceholder *last = g_ptr_array_index (found, found->len - 1);

    if (only_punctuation (body + last->end, text_end))
      ok = add_problem (problems, "body", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_END,
                        /* Translators: {{%u}} is a numbered place in a template */
                        g_strdup_printf (_ ("The body cannot end with a placeholder, even before a full stop: "
                                            "add a sentence after {{%u}}."),
                                         last->number));
  }

  for (guint i = 1; i < found->len; i++)
    {
      WabizPlaceholder *before = g_ptr_array_index (found, i - 1);
      WabizPlaceholder *after = g_ptr_array_index (found, i);

      if (only_punctuation (body + before->end, body + after->start))
        {
          ok = add_problem (problems, "body", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_ADJACENT,
                            /* Translators: {{%u}} are numbered places in a template */
                            g_strdup_printf (_ ("Put words between {{%u}} and {{%u}}: placeholders side by "
                                                "side are refused."),
                                             before->number, after->number));
          break;
        }
    }

  if (count_words (body, found) < WORDS_PER_PLACEHOLDER * found->len)
    ok = add_problem (problems, "body", WABIZ_TEMPLATE_PROBLEM_TOO_FEW_WORDS,
                      g_strdup_printf (ngettext ("Write more text around the placeholder: Meta refuses bodies "
                                                 "that are mostly placeholders (at least %u words for %u "
                                                 "placeholder).",
                                                 "Write more text around the placeholders: Meta refuses bodies "
                                                 "that are mostly placeholders (at least %u words for %u "
                                                 "placeholders).",
                                                 found->len),
                                       WORDS_PER_PLACEHOLDER * found->len, found->len));

  ok &= check_examples ("body", highest, examples, problems);
  return ok;
}

gboolean
wabiz_template_check_header_text (const char        *text,
                                  const char *const *examples,
                                  GPtrArray         *problems)
{
  g_autoptr (GPtrArray) found = NULL;
  gboolean malformed = FALSE;
  gboolean ok = TRUE;

  g_return_val_if_fail (problems != NULL, FALSE);

  if (text == NULL || *text == '\0')
    return add_problem (problems, "header", WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY,
                        g_strdup (_ ("Write the header's text, or choose no header.")));
  ok &= check_length ("header", text, WABIZ_TEMPLATE_HEADER_TEXT_MAX, problems);

  found = wabiz_template_scan_placeholders (text, &malformed);
  if (malformed)
    ok = add_problem (problems, "header", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_MALFORMED,
                      g_strdup (_ ("The header's placeholder is not written right: use {{1}}.")));
  if (found->len > 1)
    return add_problem (problems, "header", WABIZ_TEMPLATE_PROBLEM_TOO_MANY_PLACEHOLDERS,
                        g_strdup (_ ("A header can have one placeholder, {{1}}, at most.")));
  if (found->len == 1 && ((WabizPlaceholder *) g_ptr_array_index (found, 0))->number != 1)
    return add_problem (problems, "header", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_NOT_IN_ORDER,
                        g_strdup (_ ("Number the header's placeholder {{1}}.")));

  ok &= check_examples ("header", found->len, examples, problems);
  return ok;
}

static gboolean
check_no_placeholder (const char *field,
                      const char *text,
                      GPtrArray  *problems)
{
  if (strstr (text, "{{") == NULL)
    return TRUE;
  if (g_str_equal (field, "footer"))
    return add_problem (problems, field, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_NOT_ALLOWED,
                        g_strdup (_ ("The footer cannot have placeholders: write it as it should appear.")));
  return add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_NOT_ALLOWED,
                      g_strdup (_ ("A button's label cannot have placeholders: write it as it should appear.")));
}

gboolean
wabiz_template_check_footer (const char *footer,
                             GPtrArray  *problems)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (problems != NULL, FALSE);

  if (footer == NULL || *footer == '\0')
    return TRUE;
  ok &= check_length ("footer", footer, WABIZ_TEMPLATE_FOOTER_MAX, problems);
  ok &= check_no_placeholder ("footer", footer, problems);
  return ok;
}

gboolean
wabiz_template_check_button_text (const char *text,
                                  GPtrArray  *problems)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (problems != NULL, FALSE);

  if (text == NULL || *text == '\0')
    return add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY,
                        g_strdup (_ ("Give every button a label.")));
  ok &= check_length ("button", text, WABIZ_TEMPLATE_BUTTON_TEXT_MAX, problems);
  ok &= check_no_placeholder ("button", text, problems);
  return ok;
}

gboolean
wabiz_template_check_button_url (const char *url,
                                 GPtrArray  *problems)
{
  g_autoptr (GPtrArray) found = NULL;
  gboolean malformed = FALSE;

  g_return_val_if_fail (problems != NULL, FALSE);

  if (url == NULL || !(g_str_has_prefix (url, "https://") || g_str_has_prefix (url, "http://")) || strlen (url) <= strlen ("https://"))
    return add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY,
                        g_strdup (_ ("Give the link button a web address starting with https://.")));
  if (strlen (url) > WABIZ_TEMPLATE_URL_MAX)
    return add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_TEXT_TOO_LONG,
                        g_strdup_printf (_ ("The web address is too long; use at most %u characters."),
                                         WABIZ_TEMPLATE_URL_MAX));
  found = wabiz_template_scan_placeholders (url, &malformed);
  if (malformed || found->len > 1 || (found->len == 1 && (((WabizPlaceholder *) g_ptr_array_index (found, 0))->number != 1 || ((WabizPlaceholder *) g_ptr_array_index (found, 0))->end != strlen (url))))
    return add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_NOT_ALLOWED,
                        g_strdup (_ ("A web address can end with one placeholder, {{1}}, and have no other.")));
  return TRUE;
}

gboolean
wabiz_template_check_button_types (const char *const *types,
                                   GPtrArray         *problems)
{
  guint    n = types != NULL ? g_strv_length ((char **) types) : 0;
  guint    n_url = 0;
  guint    n_phone = 0;
  guint    n_code = 0;
  guint    n_groups = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (problems != NULL, FALSE);

  for (guint i = 0; i < n; i++)
    {
      gboolean quick = g_str_equal (types[i], "QUICK_REPLY");

      n_url += g_str_equal (types[i], "URL");
      n_phone += g_str_equal (types[i], "PHONE_NUMBER");
      n_code += g_str_equal (types[i], "COPY_CODE");
      if (i == 0 || quick != g_str_equal (types[i - 1], "QUICK_REPLY"))
        n_groups++;
    }

  if (n > WABIZ_TEMPLATE_BUTTONS_MAX)
    ok = add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_TOO_MANY_BUTTONS,
                      g_strdup_printf (ngettext ("A template has at most %u button; remove one.",
                                                 "A template has at most %u buttons; remove some.",
                                                 WABIZ_TEMPLATE_BUTTONS_MAX),
                                       WABIZ_TEMPLATE_BUTTONS_MAX));
  if (n_url > WABIZ_TEMPLATE_URL_BUTTONS_MAX)
    ok = add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_TOO_MANY_BUTTONS,
                      g_strdup_printf (ngettext ("A template has at most %u link button; remove one.",
                                                 "A template has at most %u link buttons; remove one.",
                                                 WABIZ_TEMPLATE_URL_BUTTONS_MAX),
                                       WABIZ_TEMPLATE_URL_BUTTONS_MAX));
  if (n_phone > WABIZ_TEMPLATE_PHONE_BUTTONS_MAX)
    ok = add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_TOO_MANY_BUTTONS,
                      g_strdup (_ ("A template has at most one call button; remove the others.")));
  if (n_code > 1)
    ok = add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_TOO_MANY_BUTTONS,
                      g_strdup (_ ("A template has at most one copy-code button; remove the others.")));
  if (n_groups > 2)
    ok = add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_BUTTONS_NOT_GROUPED,
                      g_strdup (_ ("Put the quick replies side by side, before or after the other buttons.")));
  return ok;
}

gboolean
wabiz_template_check_button_phone (const char *phone,
                                   GPtrArray  *problems)
{
  gsize digits = 0;

  g_return_val_if_fail (problems != NULL, FALSE);

  if (phone != NULL && phone[0] == '+' && strlen (phone) <= WABIZ_TEMPLATE_PHONE_MAX)
    {
      const char *c;

      for (c = phone + 1; *c != '\0' && (g_ascii_isdigit (*c) || *c == ' ' || *c == '-'); c++)
        digits += g_ascii_isdigit (*c) != 0;
      if (*c == '\0' && digits >= 7 && digits <= 15)
        return TRUE;
    }
  return add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_EXAMPLE_INVALID,
                      g_strdup (_ ("Write the call button's number with its country code, such as "
                                   "+15550100200.")));
}

gboolean
wabiz_template_check_copy_code (const char *code,
                                GPtrArray  *problems)
{
  g_return_val_if_fail (problems != NULL, FALSE);

  if (code == NULL || *code == '\0')
    return add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_EXAMPLE_MISSING,
                        g_strdup (_ ("Give an example code for the copy-code button, such as SAVE15.")));
  if (g_utf8_strlen (code, -1) > WABIZ_TEMPLATE_COPY_CODE_MAX || strchr (code, ' ') != NULL)
    return add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_EXAMPLE_INVALID,
                        g_strdup_printf (_ ("The example code must be one word of at most %u characters."),
                                         WABIZ_TEMPLATE_COPY_CODE_MAX));
  return TRUE;
}

char *
wabiz_template_problems_to_string (GPtrArray *problems)
{
  GString *text;

  if (problems == NULL || problems->len == 0)
    return NULL;

  text = g_string_new (NULL);
  for (guint i = 0; i < problems->len; i++)
    {
      WabizTemplateProblem *problem = g_ptr_array_index (problems, i);

      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, "%s: %s", problem->field, problem->message);
    }
  return g_string_free (text, FALSE);
}
