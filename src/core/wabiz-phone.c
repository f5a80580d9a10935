/* wabiz-phone.c
 *
 * SPDX-License-Identifier: MIT
 */

/*
 * Phone numbers as WhatsApp wants them: digits only, E.164, no '+'. That
 * is the form of a wa_id and of the "to" field of a send (see
 * whatsapp-cloud-api.md §1).
 *
 * This is deliberately not libphonenumber: it checks the shape of an
 * international number (country code first, 8 to 15 digits, no trunk 0)
 * and nothing country-specific beyond what is needed to strip an
 * international prefix safely and to group digits for display.
 *
 * Privacy: nothing here logs, and no error message contains the number
 * or any of its digits (messages may quote one offending non-digit
 * character). Callers may therefore log error->message, but never the
 * input.
 */

#define G_LOG_DOMAIN "wabiz-phone"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-phone.h"

#include <glib/gi18n-lib.h>

#include <string.h>

/* E.164 allows at most 15 digits; no WhatsApp number we can reach has
 * fewer than 8 (country code included). If these change, change the
 * messages in check_number() too. */
#define MIN_DIGITS 8
#define MAX_DIGITS 15

/* U+30FC KATAKANA-HIRAGANA PROLONGED SOUND MARK: what a Japanese input
 * method types for '-' in full-width mode. A letter, strictly, but never
 * part of a number, so we read it as a dash. */
#define KATAKANA_PROLONGED_SOUND_MARK 0x30FC

static gboolean
is_plus (gunichar c)
{
  return c == '+' || c == 0xFF0B /* FULLWIDTH PLUS SIGN */;
}

static gboolean
is_open_paren (gunichar c)
{
  return c == '(' || c == 0xFF08 /* FULLWIDTH LEFT PARENTHESIS */;
}

static gboolean
is_close_paren (gunichar c)
{
  return c == ')' || c == 0xFF09 /* FULLWIDTH RIGHT PARENTHESIS */;
}

/* Characters people put between digit groups, or that come along
 * invisibly when a number is copied (bidi marks, zero-width spaces). */
static gboolean
is_separator (gunichar c)
{
  switch (c)
    {
    case '.':
    case 0xFF0E: /* FULLWIDTH FULL STOP */
    case 0x2212: /* MINUS SIGN */
    case KATAKANA_PROLONGED_SOUND_MARK:
      return TRUE;

    default:
      break;
    }

  switch (g_unichar_type (c))
    {
    case G_UNICODE_SPACE_SEPARATOR:     /* U+00A0, U+2009, U+202F, U+3000, … */
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_DASH_PUNCTUATION:    /* '-', U+2010–U+2015, U+FF0D, … */
    case G_UNICODE_FORMAT:              /* U+200B–U+200F, U+2066–U+2069, U+FEFF, … */
      return TRUE;

    default:
      return g_unichar_isspace (c);     /* tab, newline, … */
    }
}

static void
set_error_for_character (GError   **error,
                         gunichar   c)
{
  char str[8] = { 0 };

  if (!g_unichar_isgraph (c) || g_unichar_ismark (c))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                   /* Translators: %04X is a Unicode code point in hexadecimal,
                    * as in “U+0007” */
                   _("The phone number contains an invisible or combining character "
                     "(U+%04X). Type the number again using only digits, spaces, "
                     "dashes and a leading “+”."),
                   (guint) c);
      return;
    }

  g_unichar_to_utf8 (c, str);

  if (g_unichar_isalpha (c))
    g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                 /* Translators: %s is the first letter found, as in “x” */
                 _("Phone numbers cannot contain letters, but this one contains “%s”. "
                   "Enter only the digits, starting with the country code."),
                 str);
  else
    g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                 /* Translators: %s is the offending character, as in “#” */
                 _("The character “%s” is not allowed in a phone number. Use only "
                   "digits, spaces, dashes, dots, parentheses and a leading “+”."),
                 str);
}

/* Reads @input into @digits (ASCII '0'–'9', in order), noting whether it
 * had a leading '+' and where a "(0)" group was, as in "+44 (0)20 …". */
static gboolean
scan_input (const char  *input,
            GString     *digits,
            gboolean    *out_has_plus,
            gssize      *out_zero_group,
            GError     **error)
{
  gboolean has_plus = FALSE;
  gssize paren_start = -1;
  gssize zero_group = -1;

  g_assert (input != NULL);
  g_assert (digits != NULL);

  if (!g_utf8_validate (input, -1, NULL))
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                           _("The phone number is not valid text. Type it again using "
                             "only digits, spaces, dashes and a leading “+”."));
      return FALSE;
    }

  for (const char *p = input; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      int value = g_unichar_digit_value (c);  /* any Nd digit: ٣, ३, ３, … */

      if (value >= 0)
        {
          g_string_append_c (digits, (char) ('0' + value));
        }
      else if (is_plus (c))
        {
          if (has_plus || digits->len > 0)
            {
              g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                                   _("A “+” can only appear once, at the start of the "
                                     "number, before the country code."));
              return FALSE;
            }
          has_plus = TRUE;
        }
      else if (is_open_paren (c))
        {
          paren_start = (gssize) digits->len;
        }
      else if (is_close_paren (c))
        {
          /* "(0)" after some digits marks a trunk prefix that is dropped
           * when dialling from abroad. Whether to drop it is decided once
           * we know where the country code starts. */
          if (zero_group < 0 &&
              paren_start > 0 &&
              digits->len == (gsize) paren_start + 1 &&
              digits->str[paren_start] == '0')
            zero_group = paren_start;
          paren_start = -1;
        }
      else if (!is_separator (c))
        {
          set_error_for_character (error, c);
          return FALSE;
        }
    }

  *out_has_plus = has_plus;
  *out_zero_group = zero_group;

  return TRUE;
}

/* How many leading digits are an international dialling prefix rather
 * than part of the number. Only used when there was no '+':
 *
 *   0011  Australia. Never "00" + country code 1, as North American area
 *         codes do not start with 1.
 *   00    Most of the world.
 *   011   North America, if followed by at least 10 more digits that do
 *         not start with 0 or 1. Shorter runs are national numbers with a
 *         trunk 0 (Delhi 011 2345 6789, Sapporo 011-123-4567, Leeds
 *         0113 …), and "011 15 …" is a Buenos Aires mobile, so we leave
 *         those alone and they are rejected for their leading 0.
 */
static gsize
get_international_prefix_length (const char *digits,
                                 gsize       n_digits,
                                 gssize      zero_group)
{
  gsize n_after_011;

  if (g_str_has_prefix (digits, "0011"))
    return 4;

  if (g_str_has_prefix (digits, "00"))
    return 2;

  if (!g_str_has_prefix (digits, "011"))
    return 0;

  n_after_011 = n_digits - 3 - (zero_group > 3 ? 1 : 0);
  if (n_after_011 >= 10 && digits[3] != '0' && digits[3] != '1')
    return 3;

  return 0;
}

static gboolean
check_number (const char  *number,
              gboolean     international,
              GError     **error)
{
  gsize n_digits = strlen (number);

  if (n_digits == 0)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                           _("Enter a phone number with its country code, for example "
                             "+55 11 98765 4321."));
      return FALSE;
    }

  if (number[0] == '0')
    {
      if (international)
        g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                             /* Translators: “00” is the international call prefix */
                             _("Country codes never start with 0. Check the digits right "
                               "after the “+” or “00”."));
      else
        g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                             _("The number starts with 0, which only works for calls "
                               "within a country. Write the number in international form "
                               "with the country code, without the leading 0, for example "
                               "+55 11 98765 4321."));
      return FALSE;
    }

  if (n_digits < MIN_DIGITS)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The number is too short: it has only %u digit. A WhatsApp "
                                "number, with its country code, has at least 8 digits.",
                                "The number is too short: it has only %u digits. A WhatsApp "
                                "number, with its country code, has at least 8 digits.",
                                n_digits),
                   (guint) n_digits);
      return FALSE;
    }

  if (n_digits > MAX_DIGITS)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The number is too long: it has %u digit, but an "
                                "international number has at most 15. Remove any "
                                "extension or extra digits.",
                                "The number is too long: it has %u digits, but an "
                                "international number has at most 15. Remove any "
                                "extension or extra digits.",
                                n_digits),
                   (guint) n_digits);
      return FALSE;
    }

  return TRUE;
}

/* Length of the country calling code at the start of an E.164 number.
 * Country codes are prefix-free: 1 and 7 are the only one-digit codes,
 * these are the two-digit ones, everything else has three digits. */
static gsize
get_country_code_length (const char *number)
{
  static const char two_digit_codes[][3] = {
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43",
    "44", "45", "46", "47", "48", "49", "51", "52", "53", "54", "55", "56",
    "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
    "86", "90", "91", "92", "93", "94", "95", "98",
  };

  g_assert (number != NULL && strlen (number) >= 3);

  if (number[0] == '1' || number[0] == '7')
    return 1;

  for (gsize i = 0; i < G_N_ELEMENTS (two_digit_codes); i++)
    if (strncmp (number, two_digit_codes[i], 2) == 0)
      return 2;

  return 3;
}

static void
append_groups (GString     *out,
               const char  *digits,
               const guint *groups,
               char         separator)
{
  for (guint i = 0; groups[i] != 0; i++)
    {
      if (i > 0)
        g_string_append_c (out, separator);
      g_string_append_len (out, digits, groups[i]);
      digits += groups[i];
    }
}

/**
 * wabiz_phone_normalize:
 * @input: a phone number as a person typed or pasted it
 * @error: return location for a #GError, or %NULL
 *
 * Turns @input into the form WhatsApp uses as a wa_id and in the `to`
 * field of a send: E.164 digits, country code first, no “+”, for example
 * `5511987654321`.
 *
 * Accepted:
 *
 * - digits, including other scripts' decimal digits (fullwidth,
 *   Arabic-Indic, Devanagari, …), which are converted to ASCII;
 * - spaces of any kind, dashes, dots, parentheses and invisible
 *   formatting characters (bidi marks, zero-width spaces) anywhere;
 * - one “+” before the first digit;
 * - an international prefix instead of the “+”: `00`, `0011`
 *   (Australia), or `011` (North America) when followed by at least
 *   10 digits not starting with 0 or 1;
 * - an optional trunk prefix written `(0)` after the country code, as in
 *   `+44 (0)20 7946 0958`, which is dropped;
 * - without a “+” or prefix, a number that already starts with its
 *   country code, such as `1.631.555.1234`.
 *
 * Rejected with %WABIZ_ERROR_INVALID_PHONE and a message for the user
 * that says what is wrong and how to fix it: empty input, letters or
 * other characters (the message names the first one), a misplaced “+”,
 * a national number starting with a trunk 0, a country code starting
 * with 0, fewer than 8 or more than 15 digits. The message never
 * contains the number.
 *
 * Only the shape is checked: a number that passes may still not exist
 * or not be on WhatsApp, and WhatsApp may answer with a different wa_id
 * (see the Cloud API notes on Brazil and Mexico).
 *
 * Returns: (transfer full) (nullable): the digits, or %NULL with @error set
 */
char *
wabiz_phone_normalize (const char  *input,
                       GError     **error)
{
  g_autoptr(GString) digits = NULL;
  gboolean has_plus = FALSE;
  gssize zero_group = -1;
  gsize prefix_length = 0;
  const char *number;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  digits = g_string_sized_new (MAX_DIGITS + 1);

  if (!scan_input (input, digits, &has_plus, &zero_group, error))
    return NULL;

  if (!has_plus)
    prefix_length = get_international_prefix_length (digits->str, digits->len, zero_group);

  if (zero_group > 0 && (gsize) zero_group > prefix_length)
    g_string_erase (digits, zero_group, 1);

  number = digits->str + prefix_length;

  if (!check_number (number, has_plus || prefix_length > 0, error))
    return NULL;

  return g_strdup (number);
}

/**
 * wabiz_phone_is_valid:
 * @input: a phone number as a person typed or pasted it
 *
 * Whether wabiz_phone_normalize() accepts @input. Use it to enable a
 * button as the user types; to tell the user what is wrong, call
 * wabiz_phone_normalize() and show the error message.
 *
 * Returns: %TRUE if @input is a well-formed international number
 */
gboolean
wabiz_phone_is_valid (const char *input)
{
  g_autofree char *number = NULL;

  g_return_val_if_fail (input != NULL, FALSE);

  number = wabiz_phone_normalize (input, NULL);

  return number != NULL;
}

/**
 * wabiz_phone_format_display:
 * @input: a wa_id, or a phone number in any form wabiz_phone_normalize()
 *   accepts
 *
 * Formats a phone number for showing in the UI: “+”, the country code, a
 * space, then the rest in groups, for example `+55 11 98765-4321`,
 * `+1 631-555-1234`, `+44 207 946 0958`.
 *
 * Brazil (+55) and North America (+1) are grouped as people there write
 * them; other countries get a generic grouping of three and four digits
 * that is easy to read but not necessarily the local convention. The
 * result is ASCII; in a right-to-left UI show it in a left-to-right run
 * (for example gtk_widget_set_direction() on its label). It reads back
 * through wabiz_phone_normalize() to the same number.
 *
 * Returns: (transfer full) (nullable): the display form, or %NULL if
 *   @input is not a valid phone number
 */
char *
wabiz_phone_format_display (const char *input)
{
  /* How to split the national part in the generic case, by its length.
   * Valid numbers have between 5 and 14 digits after the country code. */
  static const guint generic_groups[][5] = {
    [1] = { 1 }, [2] = { 2 }, [3] = { 3 }, [4] = { 4 },
    [5] = { 2, 3 }, [6] = { 3, 3 }, [7] = { 3, 4 }, [8] = { 4, 4 },
    [9] = { 3, 3, 3 }, [10] = { 3, 3, 4 }, [11] = { 3, 4, 4 }, [12] = { 4, 4, 4 },
    [13] = { 3, 3, 3, 4 }, [14] = { 3, 3, 4, 4 },
  };
  static const guint nanp_groups[] = { 3, 3, 4, 0 };
  static const guint brazil_mobile_groups[] = { 5, 4, 0 };
  static const guint brazil_landline_groups[] = { 4, 4, 0 };
  g_autofree char *number = NULL;
  g_autoptr(GString) out = NULL;
  const char *national;
  gsize cc_length;
  gsize national_length;

  g_return_val_if_fail (input != NULL, NULL);

  number = wabiz_phone_normalize (input, NULL);
  if (number == NULL)
    return NULL;

  cc_length = get_country_code_length (number);
  national = number + cc_length;
  national_length = strlen (national);

  out = g_string_new ("+");
  g_string_append_len (out, number, (gssize) cc_length);
  g_string_append_c (out, ' ');

  if (cc_length == 1 && number[0] == '1' && national_length == 10)
    {
      /* +1 631-555-1234 */
      append_groups (out, national, nanp_groups, '-');
    }
  else if (g_str_has_prefix (number, "55") && (national_length == 10 || national_length == 11))
    {
      /* +55 11 98765-4321 (mobile), +55 11 3456-7890 (landline) */
      g_string_append_len (out, national, 2);
      g_string_append_c (out, ' ');
      append_groups (out, national + 2,
                     national_length == 11 ? brazil_mobile_groups : brazil_landline_groups,
                     '-');
    }
  else
    {
      g_assert (national_length > 0 && national_length < G_N_ELEMENTS (generic_groups));
      append_groups (out, national, generic_groups[national_length], ' ');
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
wabiz_phone_normalize_for_task (const char *input,
                                GTask      *task)
{
  char *normalized;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (G_IS_TASK (task), NULL);

  normalized = wabiz_phone_normalize (input, NULL);
  if (normalized == NULL)
    g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_PHONE, "%s",
                             _("This is not a valid WhatsApp phone number"));
  return normalized;
}
