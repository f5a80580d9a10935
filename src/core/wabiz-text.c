/* wabiz-text.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Text written by people, made fit for a use: a template parameter on
 * one line, a message compared with the opt-out words.
 */

#define G_LOG_DOMAIN "wabiz-text"

#include "config.h"

#include "wabiz-text.h"

/**
 * wabiz_text_squeeze:
 * @text: (nullable): UTF-8 text
 * @drop: (nullable): the characters to leave out, asked before white
 *   space is looked at; %NULL: none
 *
 * @text on one line: each run of white space becomes one space, with
 * none at the start or the end, and what @drop says is left out (it
 * separates nothing: "a-b" without dashes is "ab").
 *
 * Returns: (transfer full) (nullable): the text; %NULL when nothing is
 *   left, or for a %NULL @text
 */
char *
wabiz_text_squeeze (const char        *text,
                    WabizTextDropFunc  drop)
{
  g_autoptr(GString) out = NULL;
  gboolean space = FALSE;

  if (text == NULL)
    return NULL;

  out = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (drop != NULL && drop (c))
        continue;
      if (g_unichar_isspace (c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, c);
    }
  if (out->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}
