/* test-template-rules.c: WhatsApp's template rules, as WaBiz checks them
 * before submitting
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "wabiz-template-rules.h"

typedef struct
{
  const char              *body;
  const char              *examples; /* '|'-separated, or NULL: not checked */
  gboolean                 ok;
  WabizTemplateProblemKind kind; /* the first problem when not ok */
} BodyCase;

static const BodyCase body_cases[] = {
  { "Hi {{1}}, your order {{2}} is ready for pickup.", "Maria|#4521", TRUE, 0 },
  { "Hi {{1}}, your order {{2}} is ready. See you soon!", "Maria|#4521", TRUE, 0 },
  { "Olá {{1}}, seu pedido está pronto. Até já!", "João", TRUE, 0 },
  { "Thanks for your order, see you soon!", NULL, TRUE, 0 },
  { "", NULL, FALSE, WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY },
  { " ... ", NULL, FALSE, WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY },
  /* at the start, even after white space */
  { "{{1}}, your order is ready to be picked up today.", "Maria", FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_START },
  { "  {{1}} your order is ready to be picked up today.", "Maria", FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_START },
  /* at the end, and a placeholder followed only by punctuation counts */
  { "Your order will arrive by {{1}}", "Friday", FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_END },
  { "Your order will arrive by {{1}}.", "Friday", FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_END },
  { "Your order will arrive by {{1}} !?… ", "Friday", FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_END },
  { "Your order will arrive by {{1}}. Thank you!", "Friday", TRUE, 0 },
  /* in order, without gaps */
  { "Dear {{2}}, your order {{1}} is ready. Thank you!", "a|b", FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_NOT_IN_ORDER },
  { "Dear {{1}}, your order {{3}} is ready. Thank you!", "a|b|c", FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_NOT_IN_ORDER },
  { "Dear {{1}}, is {{1}} your name? Your order is ready.", "a", TRUE, 0 },
  /* side by side */
  { "Dear customer {{1}} {{2}} your order is ready. Thank you!", "a|b", FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_ADJACENT },
  { "Dear customer {{1}}, {{2}}: your order is ready. Thank you!", "a|b", FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_ADJACENT },
  /* enough words */
  { "Hi {{1}} and {{2}} and {{3}} ok", "a|b|c", FALSE, WABIZ_TEMPLATE_PROBLEM_TOO_FEW_WORDS },
  /* malformed and named */
  { "Hi {{1}, your order is ready. Thank you!", NULL, FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_MALFORMED },
  { "Hi {{Name}}, your order is ready. Thank you!", NULL, FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_MALFORMED },
  { "Hi {{first_name}}, your order is ready. Thank you!", NULL, FALSE, WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_MALFORMED },
  /* examples */
  { "Hi {{1}}, your order {{2}} is ready. See you soon!", "Maria", FALSE, WABIZ_TEMPLATE_PROBLEM_EXAMPLE_MISSING },
  { "Hi {{1}}, your order {{2}} is ready. See you soon!", "Maria| ", FALSE, WABIZ_TEMPLATE_PROBLEM_EXAMPLE_MISSING },
  { "Hi {{1}}, your order is ready. See you soon!", "Ma\nria", FALSE, WABIZ_TEMPLATE_PROBLEM_EXAMPLE_INVALID },
};

static void
test_body (gconstpointer data)
{
  const BodyCase *c = data;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  g_auto (GStrv) examples = c->examples ? g_strsplit (c->examples, "|", -1) : NULL;
  gboolean         ok = wabiz_template_check_body (c->body, (const char *const *) examples, problems);
  g_autofree char *said = wabiz_template_problems_to_string (problems);

  g_test_message ("%s → %s", c->body, said ? said : "ok");
  g_assert_cmpint (ok, ==, c->ok);
  g_assert_cmpuint (problems->len == 0, ==, c->ok);
  if (!c->ok)
    {
      WabizTemplateProblem *first = g_ptr_array_index (problems, 0);

      g_assert_cmpint (first->kind, ==, c->kind);
      g_assert_cmpstr (first->field, ==, "body");
      g_assert_true (first->message != NULL && *first->message != '\0');
    }
}

static void
test_body_length (void)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  g_autoptr (GString) body = g_string_new (NULL);

  /* 1,024 characters, not bytes: "é" is two bytes */
  while (g_utf8_strlen (body->str, -1) < 1024)
    g_string_append (body, "é");
  g_assert_true (wabiz_template_check_body (body->str, NULL, problems));
  g_string_append (body, "é");
  g_assert_false (wabiz_template_check_body (body->str, NULL, problems));
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_cmpint (((WabizTemplateProblem *) g_ptr_array_index (problems, 0))->kind, ==,
                   WABIZ_TEMPLATE_PROBLEM_TEXT_TOO_LONG);
  g_assert_nonnull (strstr (((WabizTemplateProblem *) g_ptr_array_index (problems, 0))->message, "1025"));
}

static void
test_name (void)
{
  const struct
  {
    const char              *name;
    gboolean                 ok;
    WabizTemplateProblemKind kind;
  } cases[] = {
    { "order_ready", TRUE, 0 },
    { "order_ready_2", TRUE, 0 },
    { "", FALSE, WABIZ_TEMPLATE_PROBLEM_NAME_EMPTY },
    { "Order_Ready", FALSE, WABIZ_TEMPLATE_PROBLEM_NAME_CHARACTERS },
    { "order ready", FALSE, WABIZ_TEMPLATE_PROBLEM_NAME_CHARACTERS },
    { "pedido_pronto_ação", FALSE, WABIZ_TEMPLATE_PROBLEM_NAME_CHARACTERS },
    { "order-ready", FALSE, WABIZ_TEMPLATE_PROBLEM_NAME_CHARACTERS },
  };
  g_autofree char *long_name = g_strnfill (513, 'a');

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);

      g_assert_cmpint (wabiz_template_check_name (cases[i].name, problems), ==, cases[i].ok);
      if (!cases[i].ok)
        g_assert_cmpint (((WabizTemplateProblem *) g_ptr_array_index (problems, 0))->kind, ==, cases[i].kind);
    }
  {
    g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);

    g_assert_false (wabiz_template_check_name (long_name, problems));
    g_assert_cmpint (((WabizTemplateProblem *) g_ptr_array_index (problems, 0))->kind, ==,
                     WABIZ_TEMPLATE_PROBLEM_NAME_TOO_LONG);
    long_name[512] = '\0';
    g_assert_true (wabiz_template_check_name (long_name, problems));
  }
}

static void
test_header_footer_buttons (void)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  const char      *one[] = { "#4521", NULL };
  g_autofree char *sixty = g_strnfill (60, 'x');
  g_autofree char *sixty_one = g_strnfill (61, 'x');

  g_assert_true (wabiz_template_check_header_text ("Order {{1}}", one, problems));
  g_assert_true (wabiz_template_check_header_text (sixty, NULL, problems));
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_false (wabiz_template_check_header_text ("Order {{1}} for {{2}}", NULL, problems));
  g_assert_false (wabiz_template_check_header_text ("Order {{2}}", NULL, problems));
  g_assert_false (wabiz_template_check_header_text ("Order {{1}}", (const char *[]){ "", NULL }, problems));
  g_assert_false (wabiz_template_check_header_text (sixty_one, NULL, problems));
  g_assert_cmpuint (problems->len, ==, 4);
  g_ptr_array_set_size (problems, 0);

  g_assert_true (wabiz_template_check_footer (NULL, problems));
  g_assert_true (wabiz_template_check_footer ("WaBiz Café", problems));
  g_assert_true (wabiz_template_check_footer (sixty, problems));
  g_assert_false (wabiz_template_check_footer (sixty_one, problems));
  g_assert_false (wabiz_template_check_footer ("Reply {{1}}", problems));
  g_assert_cmpuint (problems->len, ==, 2);
  g_assert_cmpstr (((WabizTemplateProblem *) g_ptr_array_index (problems, 0))->field, ==, "footer");
  g_ptr_array_set_size (problems, 0);

  g_assert_true (wabiz_template_check_button_text ("On my way", problems));
  g_assert_false (wabiz_template_check_button_text ("", problems));
  g_assert_false (wabiz_template_check_button_text ("This label is far too long for it", problems));
  g_assert_false (wabiz_template_check_button_text ("Hi {{1}}", problems));
  g_assert_cmpuint (problems->len, ==, 3);
  g_ptr_array_set_size (problems, 0);

  g_assert_true (wabiz_template_check_button_url ("https://shop.example/o/{{1}}", problems));
  g_assert_true (wabiz_template_check_button_url ("https://shop.example/menu", problems));
  g_assert_false (wabiz_template_check_button_url ("shop.example/o", problems));
  g_assert_false (wabiz_template_check_button_url ("https://shop.example/{{1}}/track", problems));
  g_assert_false (wabiz_template_check_button_url ("https://shop.example/{{1}}/{{2}}", problems));
  g_assert_cmpuint (problems->len, ==, 3);
  g_ptr_array_set_size (problems, 0);

  /* the buttons together */
  g_assert_true (wabiz_template_check_button_types (NULL, problems));
  g_assert_true (wabiz_template_check_button_types ((const char *[]){ "QUICK_REPLY", "QUICK_REPLY", "URL",
                                                                      "PHONE_NUMBER", "COPY_CODE", NULL },
                                                    problems));
  g_assert_true (wabiz_template_check_button_types ((const char *[]){ "URL", "URL", "QUICK_REPLY", NULL },
                                                    problems));
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_false (wabiz_template_check_button_types ((const char *[]){ "QUICK_REPLY", "URL", "QUICK_REPLY", NULL },
                                                     problems));
  g_assert_cmpint (((WabizTemplateProblem *) g_ptr_array_index (problems, 0))->kind, ==,
                   WABIZ_TEMPLATE_PROBLEM_BUTTONS_NOT_GROUPED);
  g_assert_false (wabiz_template_check_button_types ((const char *[]){ "URL", "URL", "URL", NULL }, problems));
  g_assert_false (wabiz_template_check_button_types ((const char *[]){ "PHONE_NUMBER", "PHONE_NUMBER", NULL },
                                                     problems));
  g_assert_false (wabiz_template_check_button_types ((const char *[]){ "QUICK_REPLY", "QUICK_REPLY", "QUICK_REPLY",
                                                                       "QUICK_REPLY", "QUICK_REPLY", "QUICK_REPLY",
                                                                       "QUICK_REPLY", "QUICK_REPLY", "QUICK_REPLY",
                                                                       "QUICK_REPLY", "QUICK_REPLY", NULL },
                                                     problems));
  g_assert_cmpuint (problems->len, ==, 4);
  g_assert_cmpstr (((WabizTemplateProblem *) g_ptr_array_index (problems, 3))->field, ==, "buttons");
  g_assert_cmpint (((WabizTemplateProblem *) g_ptr_array_index (problems, 3))->kind, ==,
                   WABIZ_TEMPLATE_PROBLEM_TOO_MANY_BUTTONS);
  g_ptr_array_set_size (problems, 0);

  g_assert_true (wabiz_template_check_button_phone ("+15550100200", problems));
  g_assert_true (wabiz_template_check_button_phone ("+55 11 99999-0003", problems));
  g_assert_false (wabiz_template_check_button_phone ("15550100200", problems));
  g_assert_false (wabiz_template_check_button_phone ("+1555", problems));
  g_assert_false (wabiz_template_check_button_phone ("+1555010020x", problems));
  g_assert_true (wabiz_template_check_copy_code ("SAVE15", problems));
  g_assert_false (wabiz_template_check_copy_code ("", problems));
  g_assert_false (wabiz_template_check_copy_code ("SIXTEEN_LETTERS_", problems));
  g_assert_false (wabiz_template_check_copy_code ("SAVE 15", problems));
  g_assert_cmpuint (problems->len, ==, 6);
}

static void
test_placeholders (void)
{
  const char *values[] = { "Maria", "#4521", NULL };
  g_autoptr (GPtrArray) found = NULL;
  g_autofree char *filled = NULL;
  g_autofree char *partly = NULL;
  gboolean         malformed;

  g_assert_cmpuint (wabiz_template_count_placeholders ("Hi {{1}}, order {{2}}; {{1}} again"), ==, 2);
  g_assert_cmpuint (wabiz_template_count_placeholders ("Hi {{first_name}}, see you {{when}}"), ==, 2);
  g_assert_cmpuint (wabiz_template_count_placeholders ("No placeholders {here}"), ==, 0);
  g_assert_cmpuint (wabiz_template_count_placeholders (NULL), ==, 0);

  found = wabiz_template_scan_placeholders ("a {{1}} b {{ 2 }} c {{x y}} {{", &malformed);
  g_assert_true (malformed);
  g_assert_cmpuint (found->len, ==, 2);
  g_assert_cmpuint (((WabizPlaceholder *) g_ptr_array_index (found, 1))->number, ==, 2);
  g_assert_cmpuint (((WabizPlaceholder *) g_ptr_array_index (found, 1))->start, ==, 10);

  filled = wabiz_template_fill_placeholders ("Olá {{1}}, pedido {{2}} pronto, {{1}}!", values);
  g_assert_cmpstr (filled, ==, "Olá Maria, pedido #4521 pronto, Maria!");
  /* a value not given leaves its place visible */
  partly = wabiz_template_fill_placeholders ("{{1}} and {{3}}", values);
  g_assert_cmpstr (partly, ==, "Maria and {{3}}");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (body_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/wabiz/template-rules/body/%02u", i);

      g_test_add_data_func (path, &body_cases[i], test_body);
    }
  g_test_add_func ("/wabiz/template-rules/body-length", test_body_length);
  g_test_add_func ("/wabiz/template-rules/name", test_name);
  g_test_add_func ("/wabiz/template-rules/header-footer-buttons", test_header_footer_buttons);
  g_test_add_func ("/wabiz/template-rules/placeholders", test_placeholders);

  return g_test_run ();
}
