/* wabiz-conninfo.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Connection strings as the user pastes them (Supabase shows one with
 * the password in it): the password goes to the keyring, the rest to
 * GSettings. Used by the setup assistant and Preferences, which also
 * check that a string connects before they save it.
 */

#define G_LOG_DOMAIN "wabiz-conninfo"

#include "config.h"

#include "wabiz-conninfo.h"
#include "wabiz-db.h"
#include "wabiz-error.h"

#include <glib/gi18n.h>
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

/* Supabase's poolers in transaction mode (port 6543) lend a server
 * connection for one transaction only: LISTEN (live updates), the
 * sender's advisory lock and prepared statements would silently break
 * (reference/supabase-postgres.md) */
gboolean
wabiz_conninfo_check_pooler (const char  *conninfo,
                             GError     **error)
{
  PQconninfoOption *options = PQconninfoParse (conninfo, NULL);
  const char *host = NULL;
  const char *port = NULL;
  gboolean pooler;

  g_return_val_if_fail (conninfo != NULL, FALSE);

  /* one that does not parse is refused by libpq, with its own words */
  if (options == NULL)
    return TRUE;
  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    {
      if (g_str_equal (o->keyword, "host"))
        host = o->val;
      else if (g_str_equal (o->keyword, "port"))
        port = o->val;
    }
  pooler = host != NULL && port != NULL && g_str_equal (port, "6543") &&
           (g_str_has_suffix (host, ".supabase.com") || g_str_has_suffix (host, ".supabase.co"));
  PQconninfoFree (options);

  if (pooler)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                           _("This is Supabase’s transaction pooler (port 6543), which would break "
                             "live updates. Use the session pooler on port 5432 or the direct "
                             "connection string instead."));
      return FALSE;
    }
  return TRUE;
}

static void
check_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  /* the query is over: closing waits for nothing */
  wabiz_db_close (WABIZ_DB (object));
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
wabiz_conninfo_check_async (const char          *conninfo,
                            const char          *password,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(WabizDb) db = NULL;
  GError *error = NULL;

  g_return_if_fail (conninfo != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_conninfo_check_async);

  if (!wabiz_conninfo_check_pooler (conninfo, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* its own connection, on the database's worker thread; the query
   * keeps the database alive until it is over */
  db = wabiz_db_new (conninfo, password != NULL && *password != '\0' ? password : NULL, 1);
  wabiz_db_query_async (db, "SELECT 1", 0, NULL, cancellable, check_done_cb,
                        g_steal_pointer (&task));
}

gboolean
wabiz_conninfo_check_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_conninfo_check_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
