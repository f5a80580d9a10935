/* wabiz-conninfo.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Connection strings as the user pastes them (Supabase shows one with
 * the password in it): the password goes to the keyring, the rest to
 * GSettings. Used by the setup assistant and Preferences.
 */

#define G_LOG_DOMAIN "wabiz-conninfo"

#include "config.h"

#include "wabiz-conninfo.h"

#include <libpq-fe.h>
#include <string.h>

char *
wabiz_conninfo_clean (const char  *text,
                      char       **out_password)
{
  PQconninfoOption *options;
  g_autoptr(GString) clean = g_string_new (NULL);
  gboolean has_sslmode = FALSE;
  gboolean local = FALSE;
  char *errmsg = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (out_password != NULL, NULL);

  options = PQconninfoParse (text, &errmsg);
  if (options == NULL)
    {
      if (errmsg != NULL)
        PQfreemem (errmsg);
      return NULL;
    }

  /* a socket or this computer needs no TLS; anything else does */
  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    if (g_str_equal (o->keyword, "host"))
      local = o->val == NULL || *o->val == '\0' || *o->val == '/' ||
              g_str_equal (o->val, "localhost") || g_str_equal (o->val, "127.0.0.1") ||
              g_str_equal (o->val, "::1");

  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    {
      g_autoptr(GString) value = NULL;

      if (o->val == NULL || *o->val == '\0')
        continue;
      if (g_str_equal (o->keyword, "password"))
        {
          *out_password = g_strdup (o->val);
          continue;
        }
      if (g_str_equal (o->keyword, "sslmode"))
        {
          has_sslmode = TRUE;
          /* Supabase and any database over a network: encrypted */
          if (!local && (g_str_equal (o->val, "disable") || g_str_equal (o->val, "allow") ||
                         g_str_equal (o->val, "prefer")))
            continue;
        }

      value = g_string_new (o->val);
      g_string_replace (value, "\\", "\\\\", 0);
      g_string_replace (value, "'", "\\'", 0);
      g_string_append_printf (clean, "%s%s='%s'", clean->len > 0 ? " " : "", o->keyword,
                              value->str);
    }
  PQconninfoFree (options);

  if (!local && (!has_sslmode || strstr (clean->str, "sslmode=") == NULL))
    g_string_append (clean, " sslmode='require'");

  return g_string_free (g_steal_pointer (&clean), FALSE);
}
