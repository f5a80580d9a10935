/* test-phone.c
 *
 * SPDX-License-Identifier: MIT
 */

#define G_LOG_DOMAIN "test-phone"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-phone.h"

#include <glib.h>
#include <locale.h>
#include <string.h>

typedef struct
{
  const char *name;
  const char *input;
  const char *expected;
} ValidCase;

typedef struct
{
  const char *name;
  const char *input;
  const char *mentions[3];   /* NULL-terminated; each must be in the message */
} InvalidCase;

typedef struct
{
  const char *name;
  const char *input;
  const char *expected;      /* NULL: not a valid number */
} DisplayCase;

#define BR "5511987654321"
#define US "16315551234"
#define UK "442079460958"

static const ValidCase valid_cases[] = {
  { "brazil-plus-parens", "+55 (11) 98765-4321", BR },
  { "brazil-00-prefix", "0055 11 98765 4321", BR },
  { "us-plus-dashes", "+1 631-555-1234", US },
  { "us-dots", "1.631.555.1234", US },
  { "digits-only", US, US },
  { "plus-digits-only", "+16315551234", US },
  { "us-001-prefix", "001 631 555 1234", US },
  { "surrounding-whitespace", "  \t+55 11 98765 4321 \r\n", BR },
  { "tabs", "+55\t11\t98765\t4321", BR },
  { "no-break-space", "+55\u00a011\u00a098765\u00a04321", BR },
  { "thin-and-narrow-spaces", "+55\u200911\u202f98765\u20094321", BR },
  { "en-dash-and-minus", "+1 631\u2013555\u22121234", US },
  { "bidi-marks", "\u200e+55 11 98765-4321\u200f", BR },
  { "bidi-isolates-zwsp-bom", "\ufeff\u2066+1\u200b631 555 1234\u2069", US },
  { "soft-hyphen", "+1 631\u00ad555\u00ad1234", US },
  { "fullwidth", "\uff0b\uff15\uff15\u3000\uff08\uff11\uff11\uff09\u3000"
                 "\uff19\uff18\uff17\uff16\uff15\uff0d\uff14\uff13\uff12\uff11", BR },
  { "japanese-ime-dash", "\uff0b\uff18\uff11\u3000\uff19\uff10\u30fc\uff11\uff12\uff13\uff14"
                         "\u30fc\uff15\uff16\uff17\uff18", "819012345678" },
  { "arabic-indic", "+\u0665\u0665 \u0661\u0661 \u0669\u0668\u0667\u0666\u0665 "
                    "\u0664\u0663\u0662\u0661", BR },
  { "persian-digits", "+\u06f9\u06f8 \u06f9\u06f1\u06f2 \u06f3\u06f4\u06f5 "
                      "\u06f6\u06f7\u06f8\u06f9", "989123456789" },
  { "devanagari", "+\u096f\u0967 \u096f\u096e\u096d\u096c\u096b \u096a\u0969\u0968\u0967\u0966",
    "919876543210" },
  { "mixed-scripts", "+55 \u0661\u0661 \uff19\uff18765-4321", BR },
  { "plus-inside-parens", "(+55) 11 98765-4321", BR },
  { "russia-parens", "+7 (912) 345-67-89", "79123456789" },
  { "011-brazil", "011 55 11 98765 4321", BR },
  { "011-uk", "011 44 20 7946 0958", UK },
  { "0011-australia", "0011 55 11 98765 4321", BR },
  { "0011-to-us", "0011 1 631 555 1234", US },
  { "trunk-zero-group", "+44 (0)20 7946 0958", UK },
  { "trunk-zero-group-spaced", "+44 ( 0 ) 20 7946 0958", UK },
  { "trunk-zero-group-00", "0044 (0) 20 7946 0958", UK },
  { "trunk-zero-group-011", "011 44 (0)20 7946 0958", UK },
  { "trunk-zero-group-no-plus", "44 (0)20 7946 0958", UK },
  { "zero-in-parens-not-alone", "+39 (06) 1234 5678", "390612345678" },
  { "shortest", "+354 12345", "35412345" },
  { "longest", "+123 4567 8901 2345", "123456789012345" },
};

#define ENTER_NUMBER "Enter a phone number with its country code, for example +55 11 98765 4321"
#define TRUNK_ZERO "Write the number in international form with the country code, " \
                   "without the leading 0"

static const InvalidCase invalid_cases[] = {
  { "empty", "", { ENTER_NUMBER } },
  { "spaces", "   ", { ENTER_NUMBER } },
  { "unicode-spaces", "\u00a0\u2009\u3000\n", { ENTER_NUMBER } },
  { "plus-only", "+", { ENTER_NUMBER } },
  { "separators-only", "( ) - .", { ENTER_NUMBER } },
  { "international-prefix-only", "00", { ENTER_NUMBER } },
  { "letter", "+55 11 9876A-4321", { "letters", "“A”" } },
  { "word", "call +1 631 555 1234", { "letters", "“c”" } },
  { "extension", "+55 11 98765-4321 ext 12", { "letters", "“e”" } },
  { "non-latin-letter", "+7 912 345 67 8\u0416", { "letters", "“\u0416”" } },
  { "hash", "+55 11 98765#4321", { "“#”", "not allowed" } },
  { "slash", "+49 30/1234567", { "“/”", "not allowed" } },
  { "two-numbers", "+55 11 98765-4321, +55 11 91234-5678", { "“,”", "not allowed" } },
  { "emoji", "\U0001f4de +55 11 98765 4321", { "“\U0001f4de”", "not allowed" } },
  { "control-character", "+55 11\a98765 4321", { "U+0007", "invisible" } },
  { "combining-mark", "+55 11 98765\u0301 4321", { "U+0301" } },
  { "invalid-utf8", "+55 11 \xff\xfe 98765 4321", { "not valid text" } },
  { "plus-in-middle", "55+11 98765 4321", { "“+”", "only appear once, at the start" } },
  { "plus-twice", "++55 11 98765 4321", { "“+”", "only appear once, at the start" } },
  { "plus-after-00", "00+55 11 98765 4321", { "“+”", "at the start" } },
  { "trunk-zero-brazil", "0 11 98765 4321", { "starts with 0", TRUNK_ZERO } },
  { "trunk-zero-uk", "020 7946 0958", { "starts with 0", TRUNK_ZERO } },
  { "trunk-zero-delhi", "011 2345 6789", { "starts with 0", TRUNK_ZERO } },
  { "trunk-zero-buenos-aires-mobile", "011 15 2345-6789", { TRUNK_ZERO } },
  { "011-then-1", "011 1 631 555 1234", { TRUNK_ZERO } },
  { "trunk-zero-group-first", "(0)20 7946 0958", { TRUNK_ZERO } },
  { "country-code-zero-plus", "+0 11 98765 4321", { "Country codes never start with 0" } },
  { "country-code-zero-00", "00 0 11 98765 4321", { "Country codes never start with 0" } },
  { "too-short", "+55 1234", { "too short", "6 digits", "at least 8" } },
  { "too-short-one-digit", "+5", { "too short", "1 digit." } },
  { "too-short-no-plus", "1234567", { "too short", "7 digits" } },
  { "too-long", "+55 11 98765 4321 1234", { "too long", "17 digits", "at most 15" } },
  { "too-long-00", "0055 11 98765 4321 999", { "too long", "16 digits" } },
};

static const DisplayCase display_cases[] = {
  { "brazil-mobile", BR, "+55 11 98765-4321" },
  { "brazil-landline", "+55 (11) 3456-7890", "+55 11 3456-7890" },
  { "nanp", US, "+1 631-555-1234" },
  { "nanp-from-00", "001.631.555.1234", "+1 631-555-1234" },
  { "uk", "+44 (0)20 7946 0958", "+44 207 946 0958" },
  { "germany-mobile", "004915123456789", "+49 151 2345 6789" },
  { "russia", "79123456789", "+7 912 345 6789" },
  { "uae", "+971 50 123 4567", "+971 501 234 567" },
  { "shortest", "35412345", "+354 12 345" },
  { "longest-nanp", "123456789012345", "+1 234 567 8901 2345" },
  { "invalid-letters", "abc", NULL },
  { "invalid-trunk", "0 11 98765 4321", NULL },
  { "invalid-empty", "", NULL },
};

static char *
dup_ascii_digits (const char *s)
{
  GString *digits = g_string_new (NULL);

  for (; *s != '\0'; s++)
    if (g_ascii_isdigit (*s))
      g_string_append_c (digits, *s);

  return g_string_free (digits, FALSE);
}

static void
test_normalize_valid (gconstpointer data)
{
  const ValidCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *number = NULL;

  number = wabiz_phone_normalize (c->input, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (number, ==, c->expected);

  /* without an error location too */
  g_clear_pointer (&number, g_free);
  number = wabiz_phone_normalize (c->input, NULL);
  g_assert_cmpstr (number, ==, c->expected);

  /* already normal: normalising again changes nothing */
  g_assert_true (wabiz_phone_is_valid (c->input));
  g_assert_true (wabiz_phone_is_valid (c->expected));
  g_clear_pointer (&number, g_free);
  number = wabiz_phone_normalize (c->expected, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (number, ==, c->expected);
}

static void
test_normalize_invalid (gconstpointer data)
{
  const InvalidCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *number = NULL;
  g_autofree char *digits = NULL;

  number = wabiz_phone_normalize (c->input, &error);
  g_assert_null (number);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (c->mentions) && c->mentions[i] != NULL; i++)
    if (strstr (error->message, c->mentions[i]) == NULL)
      g_error ("“%s” does not mention “%s”", error->message, c->mentions[i]);

  /* The message must not repeat the number (it may end up in a log). */
  digits = dup_ascii_digits (c->input);
  if (strlen (digits) >= 6)
    g_assert_null (strstr (error->message, digits));
  if (strlen (c->input) >= 6)
    g_assert_null (strstr (error->message, c->input));

  g_assert_false (wabiz_phone_is_valid (c->input));
  g_assert_null (wabiz_phone_normalize (c->input, NULL));
}

static void
test_format_display (gconstpointer data)
{
  const DisplayCase *c = data;
  g_autofree char *display = NULL;

  display = wabiz_phone_format_display (c->input);
  g_assert_cmpstr (display, ==, c->expected);

  if (display != NULL)
    {
      g_autofree char *from_input = wabiz_phone_normalize (c->input, NULL);
      g_autofree char *from_display = wabiz_phone_normalize (display, NULL);

      g_assert_cmpstr (from_display, ==, from_input);
    }
}

/* Every valid case reads back from its display form to the same number. */
static void
test_format_display_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      g_autofree char *display = wabiz_phone_format_display (valid_cases[i].input);
      g_autofree char *number = NULL;

      g_assert_nonnull (display);
      g_assert_true (g_str_has_prefix (display, "+"));
      number = wabiz_phone_normalize (display, NULL);
      g_assert_cmpstr (number, ==, valid_cases[i].expected);
    }
}

static void
test_long_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *input = NULL;
  g_autofree char *number = NULL;

  input = g_strnfill (100000, '9');
  number = wabiz_phone_normalize (input, &error);
  g_assert_null (number);
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE);
  g_assert_nonnull (strstr (error->message, "too long"));
}

static void
test_null_input (void)
{
  if (g_test_subprocess ())
    {
      char *number = wabiz_phone_normalize (NULL, NULL);

      g_assert_null (number);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*wabiz_phone_normalize*input != NULL*");
}

static void
test_null_input_is_valid (void)
{
  if (g_test_subprocess ())
    {
      g_assert_false (wabiz_phone_is_valid (NULL));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*wabiz_phone_is_valid*input != NULL*");
}

static void
test_null_input_format_display (void)
{
  if (g_test_subprocess ())
    {
      char *display = wabiz_phone_format_display (NULL);

      g_assert_null (display);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*wabiz_phone_format_display*input != NULL*");
}

int
main (int   argc,
      char *argv[])
{
  /* Messages are checked in English. */
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "C", TRUE);

  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/wabiz/phone/normalize/valid/%s",
                                               valid_cases[i].name);
      g_test_add_data_func (path, &valid_cases[i], test_normalize_valid);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/wabiz/phone/normalize/invalid/%s",
                                               invalid_cases[i].name);
      g_test_add_data_func (path, &invalid_cases[i], test_normalize_invalid);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (display_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/wabiz/phone/format-display/%s",
                                               display_cases[i].name);
      g_test_add_data_func (path, &display_cases[i], test_format_display);
    }

  g_test_add_func ("/wabiz/phone/format-display/round-trip", test_format_display_round_trip);
  g_test_add_func ("/wabiz/phone/normalize/long-input", test_long_input);
  g_test_add_func ("/wabiz/phone/normalize/null", test_null_input);
  g_test_add_func ("/wabiz/phone/is-valid/null", test_null_input_is_valid);
  g_test_add_func ("/wabiz/phone/format-display/null", test_null_input_format_display);

  return g_test_run ();
}
