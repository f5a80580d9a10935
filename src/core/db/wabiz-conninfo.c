/* wabiz-conninfo.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Connection strings as the user pastes them (Supabase shows one with
 * the password in it): the password goes to the keyring, the rest to
 * GSettings. Used by the setup assistant and Preferences, which also
 * check that a string connects before they save it, and by wabizd for
 * DATABASE_URL. A server on another computer is reached over TLS with
 * sslmode=verify-full only: prefer falls back to plaintext when someone
 * on the way says so, and require encrypts to whoever answers.
 */

#define G_LOG_DOMAIN "wabiz-conninfo"

#include "config.h"

#include "wabiz-conninfo.h"
#include "wabiz-db.h"
#include "wabiz-error.h"

#include <glib/gi18n.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

/* The value libpq would use for @keyword: the string's, else that of
 * its environment variable (PGHOST, PGSSLMODE, …); NULL if neither. */
static const char *
effective_value (const PQconninfoOption *options,
                 const char             *keyword)
{
  for (const PQconninfoOption *o = options; o->keyword != NULL; o++)
    {
      const char *env;

      if (!g_str_equal (o->keyword, keyword))
        continue;
      if (o->val != NULL)
        return o->val;
      env = o->envvar != NULL ? g_getenv (o->envvar) : NULL;
      return env != NULL && *env != '\0' ? env : NULL;
    }
  return NULL;
}

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104 */
static gboolean
is_loopback_address (const char *text)
{
  static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);
  const guint8 *bytes;

  if (address == NULL)
    return FALSE;
  if (g_inet_address_get_is_loopback (address))
    return TRUE;
  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    return FALSE;
  bytes = g_inet_address_to_bytes (address);
  return memcmp (bytes, v4_mapped, sizeof v4_mapped) == 0 && bytes[12] == 127;
}

/* libpq's host: empty for its default socket, a path (or @ and an
 * abstract name) for a unix socket, else a name or an address */
static gboolean
is_local_host (const char *host)
{
  return *host == '\0' || *host == '/' || *host == '@' || g_ascii_strcasecmp (host, "localhost") == 0 ||
         is_loopback_address (host);
}

/* @out_remote: (optional): the first server that is not on this
 * computer, to name it */
static gboolean
options_are_local (const PQconninfoOption  *options,
                   char                   **out_remote)
{
  const char *host = effective_value (options, "host");
  const char *hostaddr = effective_value (options, "hostaddr");
  const char *service = effective_value (options, "service");
  g_auto(GStrv) hosts = NULL;
  g_auto(GStrv) addrs = NULL;
  guint n_hosts;
  guint n_addrs;

  /* a service file may name any server */
  if (service != NULL)
    {
      if (out_remote != NULL)
        *out_remote = g_strdup_printf ("service=%s", service);
      return FALSE;
    }

  /* host=a,b with hostaddr=x,y: the addresses are where it connects,
   * the names are what the certificate is checked against */
  hosts = g_strsplit (host != NULL ? host : "", ",", -1);
  addrs = g_strsplit (hostaddr != NULL ? hostaddr : "", ",", -1);
  n_hosts = g_strv_length (hosts);
  n_addrs = g_strv_length (addrs);
  for (guint i = 0; i < MAX (MAX (n_hosts, n_addrs), 1); i++)
    {
      const char *name = i < n_hosts ? hosts[i] : "";
      const char *addr = i < n_addrs ? addrs[i] : "";

      if (*addr != '\0' ? is_loopback_address (addr) : is_local_host (name))
        continue;
      if (out_remote != NULL)
        *out_remote = g_strdup (*name != '\0' && *name != '/' && *name != '@' ? name : addr);
      return FALSE;
    }
  return TRUE;
}

gboolean
wabiz_conninfo_is_local (const char *conninfo)
{
  PQconninfoOption *options;
  gboolean local;

  g_return_val_if_fail (conninfo != NULL, FALSE);

  options = PQconninfoParse (conninfo, NULL);
  if (options == NULL)
    return FALSE;
  local = options_are_local (options, NULL);
  PQconninfoFree (options);
  return local;
}

/* Where libpq 15 looks for the CA certificate when sslrootcert is not
 * set: ~/.postgresql/root.crt, with ~ from $HOME, else the account's */
static char *
default_root_cert (void)
{
  const char *home = g_getenv ("HOME");
  struct passwd *pw;

  if (home == NULL || *home == '\0')
    {
      pw = getpwuid (geteuid ());
      home = pw != NULL ? pw->pw_dir : NULL;
    }
  if (home == NULL)
    return NULL;
  return g_build_filename (home, ".postgresql", "root.crt", NULL);
}

static gboolean
check_tls_options (const PQconninfoOption  *options,
                   GError                 **error)
{
  const char *sslmode = effective_value (options, "sslmode");
  const char *rootcert = effective_value (options, "sslrootcert");
  g_autofree char *server = NULL;
  g_autofree char *default_cert = NULL;

  if (options_are_local (options, &server))
    return TRUE;

  /* disable, allow and prefer may talk plaintext (prefer does, when
   * someone on the way says the server has no TLS); require and
   * verify-ca encrypt, but to whoever answers for that name */
  if (g_strcmp0 (sslmode, "verify-full") != 0)
    {
      if (sslmode == NULL)
        g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                     _("The database server %s is not on this computer, and this connection string "
                       "does not set sslmode, so the connection could be read or redirected on the "
                       "way. Add sslmode=verify-full and sslrootcert=FILE, where FILE is the server’s "
                       "CA certificate (Supabase’s is under Project Settings → Database → SSL "
                       "Configuration → Download certificate). In a postgresql:// URI, add "
                       "?sslmode=verify-full&sslrootcert=FILE."),
                     server);
      else
        g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                     _("The database server %s is not on this computer, and this connection string "
                       "asks only for sslmode=%s, so the connection could be read or redirected on "
                       "the way. Set sslmode=verify-full and add sslrootcert=FILE, where FILE is the "
                       "server’s CA certificate (Supabase’s is under Project Settings → Database → "
                       "SSL Configuration → Download certificate). In a postgresql:// URI: "
                       "?sslmode=verify-full&sslrootcert=FILE."),
                     server, sslmode);
      return FALSE;
    }

  /* verify-full: libpq needs a CA certificate to verify against */
  if (rootcert != NULL && g_str_equal (rootcert, "system") && PQlibVersion () >= 160000)
    return TRUE;
  if (rootcert != NULL && g_str_equal (rootcert, "system"))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("sslrootcert=system needs libpq 16 or newer, and this one is older. Download "
                     "the database server’s CA certificate (Supabase’s is under Project Settings → "
                     "Database → SSL Configuration → Download certificate) and set sslrootcert=FILE "
                     "to the file."));
      return FALSE;
    }
  if (rootcert != NULL)
    {
      if (g_file_test (rootcert, G_FILE_TEST_IS_REGULAR))
        return TRUE;
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("The CA certificate %s, which sslrootcert names to verify the database server "
                     "%s, is not there. Download the server’s CA certificate (Supabase’s is under "
                     "Project Settings → Database → SSL Configuration → Download certificate), save "
                     "it there, or set sslrootcert= to where you saved it."),
                   rootcert, server);
      return FALSE;
    }
  default_cert = default_root_cert ();
  if (default_cert != NULL && g_file_test (default_cert, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
               _("The database server %s is to be verified (sslmode=verify-full), but there is no CA "
                 "certificate to verify it with: %s does not exist. Download the server’s CA "
                 "certificate (Supabase’s is under Project Settings → Database → SSL Configuration → "
                 "Download certificate) and add sslrootcert=FILE naming it, or save it as %s."),
               server, default_cert != NULL ? default_cert : "~/.postgresql/root.crt",
               default_cert != NULL ? default_cert : "~/.postgresql/root.crt");
  return FALSE;
}

gboolean
wabiz_conninfo_check_tls (const char  *conninfo,
                          GError     **error)
{
  PQconninfoOption *options;
  gboolean ok;

  g_return_val_if_fail (conninfo != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* one that does not parse is refused by libpq, with its own words */
  options = PQconninfoParse (conninfo, NULL);
  if (options == NULL)
    return TRUE;
  ok = check_tls_options (options, error);
  PQconninfoFree (options);
  return ok;
}

char *
wabiz_conninfo_clean (const char  *text,
                      char       **out_password)
{
  PQconninfoOption *options;
  g_autoptr(GString) clean = g_string_new (NULL);
  gboolean verify_full = FALSE;
  gboolean local;
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

  /* a socket or this computer needs no TLS; anything else needs it, with
   * the server verified */
  local = options_are_local (options, NULL);

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
      if (g_str_equal (o->keyword, "sslmode") && !local)
        {
          /* Supabase and any database over a network: verify-full */
          if (!g_str_equal (o->val, "verify-full"))
            continue;
          verify_full = TRUE;
        }

      value = g_string_new (o->val);
      g_string_replace (value, "\\", "\\\\", 0);
      g_string_replace (value, "'", "\\'", 0);
      g_string_append_printf (clean, "%s%s='%s'", clean->len > 0 ? " " : "", o->keyword,
                              value->str);
    }
  PQconninfoFree (options);

  if (!local && !verify_full)
    g_string_append (clean, " sslmode='verify-full'");

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

  if (!wabiz_conninfo_check_pooler (conninfo, &error) ||
      !wabiz_conninfo_check_tls (conninfo, &error))
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
