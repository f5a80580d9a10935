/* wabiz-csv.c
 *
 * SPDX-License-Identifier: MIT
 */

#define G_LOG_DOMAIN "wabiz-csv"

#include "config.h"

#include "wabiz-csv.h"
#include "wabiz-error.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static char
guess_delimiter (const char *data,
                 const char *end)
{
  guint commas = 0, semicolons = 0, tabs = 0;
  gboolean quoted = FALSE;

  for (const char *p = data; p < end && (quoted || (*p != '\n' && *p != '\r')); p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (!quoted && *p == ',')
        commas++;
      else if (!quoted && *p == ';')
        semicolons++;
      else if (!quoted && *p == '\t')
        tabs++;
    }

  if (semicolons > commas && semicolons >= tabs)
    return ';';
  if (tabs > commas)
    return '\t';
  return ',';
}

GPtrArray *
wabiz_csv_parse (const char  *data,
                 gsize        length,
                 GError     **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = data;
  const char *end = data + length;
  gboolean quoted = FALSE;
  gboolean field_started = FALSE;
  guint line = 1;
  char delimiter;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                           _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."));
      return NULL;
    }

  if (length >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  delimiter = guess_delimiter (p, end);

  while (p < end)
    {
      char c = *p;

      if (quoted)
        {
          if (c == '"')
            {
              if (p + 1 < end && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p += 2;
                  continue;
                }
              quoted = FALSE;
            }
          else
            {
              if (c == '\n')
                line++;
              g_string_append_c (field, c);
            }
          p++;
          continue;
        }

      if (c == '"' && field->len == 0)
        {
          quoted = TRUE;
          field_started = TRUE;
        }
      else if (c == delimiter)
        {
          g_ptr_array_add (fields, g_strdup (field->str));
          g_string_truncate (field, 0);
          field_started = TRUE;
        }
      else if (c == '\r' || c == '\n')
        {
          if (c == '\r' && p + 1 < end && p[1] == '\n')
            p++;
          line++;
          if (field_started || field->len > 0 || fields->len > 0)
            {
              g_ptr_array_add (fields, g_strdup (field->str));
              g_ptr_array_add (fields, NULL);
              g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
            }
          g_string_truncate (field, 0);
          field_started = FALSE;
        }
      else
        {
          g_string_append_c (field, c);
          field_started = TRUE;
        }
      p++;
    }

  if (quoted)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   /* Translators: %u is a line number */
                   _("A quoted field that starts before line %u never ends"), line);
      return NULL;
    }

  if (field_started || field->len > 0 || fields->len > 0)
    {
      g_ptr_array_add (fields, g_strdup (field->str));
      g_ptr_array_add (fields, NULL);
      g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
    }

  return g_steal_pointer (&rows);
}

void
wabiz_csv_append_row (GString            *out,
                      const char * const *fields,
                      guint               n_fields)
{
  g_return_if_fail (out != NULL);

  for (guint i = 0; i < n_fields; i++)
    {
      const char *value = fields[i] != NULL ? fields[i] : "";

      if (i > 0)
        g_string_append_c (out, ',');

      /* quote what needs it; a leading = + - @ could run as a formula in a
       * spreadsheet, so those are quoted with a leading apostrophe */
      if (strpbrk (value, ",\"\r\n;") != NULL || (value[0] != '\0' && strchr ("=+-@", value[0])))
        {
          g_string_append_c (out, '"');
          if (value[0] != '\0' && strchr ("=+-@", value[0]))
            g_string_append_c (out, '\'');
          for (const char *p = value; *p != '\0'; p++)
            {
              if (*p == '"')
                g_string_append_c (out, '"');
              g_string_append_c (out, *p);
            }
          g_string_append_c (out, '"');
        }
      else
        g_string_append (out, value);
    }
  g_string_append (out, "\r\n");
}
