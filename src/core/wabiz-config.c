/* wabiz-config.c
 *
 * SPDX-License-Identifier: MIT
 *
 * wabizd's configuration. Messages name variables and files, never a
 * value: most of these are secrets.
 */

#define G_LOG_DOMAIN "wabiz-config"

#include "config.h"

#include "wabiz-config.h"
#include "wabiz-error.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* WABIZ_API_KEY: 32 characters is 128 bits in hex */
#define MIN_API_KEY_LENGTH 32u

static void
clear_secret (char **secret)
{
  if (*secret != NULL)
    memset (*secret, 0, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

void
wabiz_config_free (WabizConfig *self)
{
  if (self == NULL)
    return;

  clear_secret (&self->access_token);
  clear_secret (&self->verify_token);
  clear_secret (&self->app_secret);
  clear_secret (&self->gemini_api_key);
  clear_secret (&self->database_url);
  clear_secret (&self->api_key);
  g_free (self->phone_number_id);
  g_free (self->waba_id);
  g_free (self->host);
  g_free (self->graph_url);
  g_free (self->graph_version);
  g_free (self->gemini_url);
  g_free (self->gemini_model);
  g_free (self);
}

static char *
unquote (const char *value)
{
  gsize len = strlen (value);

  if (len >= 2 && ((value[0] == '"' && value[len - 1] == '"') ||
                   (value[0] == '\'' && value[len - 1] == '\'')))
    return g_strndup (value + 1, len - 2);
  return g_strdup (value);
}

/* The largest env file read: a few dozen lines are expected */
#define ENV_FILE_MAX_SIZE (1024 * 1024)

static char *
describe_user (uid_t uid)
{
  struct passwd *pw = getpwuid (uid);

  if (pw != NULL)
    return g_strdup (pw->pw_name);
  return g_strdup_printf ("%u", (guint) uid);
}

/* Reads the env file through one file descriptor, checked once open: a
 * check by path and then an open would let the file be swapped between
 * them. */
static char *
read_private_file (const char  *path,
                   GError     **error)
{
  g_autoptr(GString) contents = NULL;
  struct stat st;
  int fd;

  fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == ELOOP)
        g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                     _("Refusing the env file %s: it is a symbolic link, and a link can be turned "
                       "to another file. Give --env-file the file itself."),
                     path);
      else
        g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG, _("Cannot read the env file %s: %s"),
                     path, g_strerror (saved_errno));
      return NULL;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("The env file %s is not a regular file"), path);
      close (fd);
      return NULL;
    }
  /* it holds secrets: only the user running wabizd may have written it,
   * and only they may read it */
  if (st.st_uid != geteuid ())
    {
      g_autofree char *owner = describe_user (st.st_uid);
      g_autofree char *self = describe_user (geteuid ());

      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("Refusing the env file %s: it belongs to the user %s, but wabizd runs as %s, and "
                     "a file holding its secrets must belong to the user running it. Run: chown %s %s"),
                   path, owner, self, self, path);
      close (fd);
      return NULL;
    }
  if ((st.st_mode & 077) != 0)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("Refusing the env file %s: its mode is %04o, but a file holding secrets must be "
                     "readable by its owner only (mode 0600). Run: chmod 600 %s"),
                   path, (guint) (st.st_mode & 07777), path);
      close (fd);
      return NULL;
    }

  contents = g_string_sized_new (st.st_size > 0 && st.st_size < ENV_FILE_MAX_SIZE ? st.st_size + 1 : 4096);
  for (;;)
    {
      char buffer[4096];
      gssize n = read (fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG, _("Cannot read the env file %s: %s"),
                       path, g_strerror (saved_errno));
          close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      if (contents->len + n > ENV_FILE_MAX_SIZE)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                       _("The env file %s is larger than 1 MiB: it is not an env file"), path);
          close (fd);
          return NULL;
        }
      g_string_append_len (contents, buffer, n);
    }
  close (fd);

  if (memchr (contents->str, '\0', contents->len) != NULL)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("The env file %s holds binary data: it is not an env file"), path);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&contents), FALSE);
}

GHashTable *
wabiz_config_read_env_file (const char  *path,
                            GError     **error)
{
  g_autoptr(GHashTable) vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  contents = read_private_file (path, error);
  if (contents == NULL)
    return NULL;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *eq;

      if (*line == '\0' || *line == '#')
        continue;
      if (g_str_has_prefix (line, "export "))
        line = g_strchug (line + strlen ("export "));

      eq = strchr (line, '=');
      if (eq == NULL || eq == line)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                       _("Line %u of the env file %s is not NAME=value"), i + 1, path);
          return NULL;
        }
      *eq = '\0';
      g_hash_table_replace (vars, g_strdup (g_strstrip (line)), unquote (g_strstrip (eq + 1)));
    }

  return g_steal_pointer (&vars);
}

static char *
lookup (GHashTable *file_vars,
        const char *name)
{
  const char *value = NULL;

  if (file_vars != NULL)
    value = g_hash_table_lookup (file_vars, name);
  if (value == NULL)
    value = g_getenv (name);
  if (value == NULL || *value == '\0')
    return NULL;
  return g_strdup (value);
}

static gboolean
require (char       **out,
         GHashTable  *file_vars,
         const char  *name,
         const char  *what,
         GError     **error)
{
  *out = lookup (file_vars, name);
  if (*out == NULL)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG, _("%s is not set: it must hold %s"),
                   name, what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_digits (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

static gboolean
check_url (const char  *value,
           const char  *name,
           GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("%s is not valid: it must be an http:// or https:// URL"), name);
      return FALSE;
    }
  return TRUE;
}

/* The access token goes with every Graph API call: over TLS, or to this
 * computer's loopback only (the simulator) */
static gboolean
check_graph_url (const char  *value,
                 const char  *name,
                 GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *host = NULL;

  if (!check_url (value, name, error))
    return FALSE;
  uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    return TRUE;
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  address = g_inet_address_new_from_string (host);
  if (g_str_equal (host, "localhost") || g_str_has_suffix (host, ".localhost")
      || (address != NULL && g_inet_address_get_is_loopback (address)))
    return TRUE;

  g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
               _("%s is not valid: the access token goes with every call, so it must be an https:// "
                 "URL (http:// only to this computer, such as the simulator)"), name);
  return FALSE;
}

static gboolean
parse_port (const char  *value,
            const char  *name,
            guint       *port,
            GError     **error)
{
  guint64 n = 0;

  if (!is_digits (value) || strlen (value) > 5 ||
      (n = g_ascii_strtoull (value, NULL, 10)) > 65535)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("%s is not valid: it must be a port number from 0 to 65535"), name);
      return FALSE;
    }
  *port = (guint) n;
  return TRUE;
}

static gboolean
check_host (const char  *value,
            const char  *name,
            GError     **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (value);

  if (address == NULL)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("%s is not valid: it must be an IP address such as 127.0.0.1 or 0.0.0.0"),
                   name);
      return FALSE;
    }
  return TRUE;
}

gboolean
wabiz_config_override (WabizConfig  *self,
                       const char   *host,
                       const char   *port,
                       GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (host != NULL)
    {
      if (!check_host (host, "--host", error))
        return FALSE;
      g_free (self->host);
      self->host = g_strdup (host);
    }
  if (port != NULL && !parse_port (port, "--port", &self->port, error))
    return FALSE;
  return TRUE;
}

/* The old FastAPI service read Supabase through its REST API, with
 * SUPABASE_URL and SUPABASE_KEY. Its .env reused as is has no
 * DATABASE_URL, and wabizd would open its built-in database, empty: the
 * user's data would seem gone. */
static gboolean
check_old_service (GHashTable  *file_vars,
                   GError     **error)
{
  const char *old_names[] = { "SUPABASE_URL", "SUPABASE_KEY" };
  g_autofree char *database_url = lookup (file_vars, "DATABASE_URL");
  g_autoptr(GStrvBuilder) found = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  g_autofree char *listed = NULL;

  if (database_url != NULL)
    {
      memset (database_url, 0, strlen (database_url));
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (old_names); i++)
    {
      g_autofree char *value = lookup (file_vars, old_names[i]);

      if (value != NULL)
        {
          g_strv_builder_add (found, old_names[i]);
          memset (value, 0, strlen (value));
        }
    }
  names = g_strv_builder_end (found);
  if (names[0] == NULL)
    return TRUE;

  listed = g_strjoinv (" ", names);
  /* Translators: the first %s is one or two variable names */
  g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
               ngettext ("%s is set, but DATABASE_URL is not. This is the old service’s setting, "
                         "which wabizd does not use; without DATABASE_URL it would open its "
                         "built-in database, where your leads and messages are not. In Supabase’s "
                         "dashboard open Project Settings → Database → Connection string, copy the "
                         "“Session pooler” URI, put your database password in it, add "
                         "?sslmode=verify-full&sslrootcert=FILE (FILE: the certificate from Project "
                         "Settings → Database → SSL Configuration) and set that as DATABASE_URL. To "
                         "start afresh in the built-in database instead, remove %s.",
                         "%s are set, but DATABASE_URL is not. These are the old service’s "
                         "settings, which wabizd does not use; without DATABASE_URL it would open "
                         "its built-in database, where your leads and messages are not. In "
                         "Supabase’s dashboard open Project Settings → Database → Connection string, "
                         "copy the “Session pooler” URI, put your database password in it, add "
                         "?sslmode=verify-full&sslrootcert=FILE (FILE: the certificate from Project "
                         "Settings → Database → SSL Configuration) and set that as DATABASE_URL. To "
                         "start afresh in the built-in database instead, remove %s.",
                         g_strv_length (names)),
               listed, listed);
  return FALSE;
}

WabizConfig *
wabiz_config_load (const char  *env_file,
                   GError     **error)
{
  g_autoptr(WabizConfig) self = g_new0 (WabizConfig, 1);
  g_autoptr(GHashTable) file_vars = NULL;
  g_autofree char *port = NULL;
  g_autofree char *rate = NULL;

  if (env_file != NULL)
    {
      file_vars = wabiz_config_read_env_file (env_file, error);
      if (file_vars == NULL)
        return NULL;
    }
  if (!check_old_service (file_vars, error))
    return NULL;

  if (!require (&self->access_token, file_vars, "ACCESS_TOKEN", _("the Meta access token"), error) ||
      !require (&self->phone_number_id, file_vars, "PHONE_NUMBER_ID", _("the phone number id"), error) ||
      !require (&self->waba_id, file_vars, "WABA_ID", _("the WhatsApp Business Account id"), error) ||
      !require (&self->verify_token, file_vars, "VERIFY_TOKEN", _("the webhook verify token"), error) ||
      !require (&self->app_secret, file_vars, "APP_SECRET",
                _("the App Secret that signs webhooks"), error))
    return NULL;

  if (!is_digits (self->phone_number_id))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("%s is not valid: it must be digits only"), "PHONE_NUMBER_ID");
      return NULL;
    }
  if (!is_digits (self->waba_id))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("%s is not valid: it must be digits only"), "WABA_ID");
      return NULL;
    }

  self->gemini_api_key = lookup (file_vars, "GEMINI_API_KEY");
  self->database_url = lookup (file_vars, "DATABASE_URL");
  self->api_key = lookup (file_vars, "WABIZ_API_KEY");
  /* The REST API faces the network: a key short enough to remember is
   * short enough to guess. */
  if (self->api_key != NULL && strlen (self->api_key) < MIN_API_KEY_LENGTH)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("%s is too short: it must be at least %u characters. Make one with "
                     "“openssl rand -hex 32” and give the REST API’s clients the new key."),
                   "WABIZ_API_KEY", MIN_API_KEY_LENGTH);
      return NULL;
    }

  self->host = lookup (file_vars, "HOST");
  if (self->host == NULL)
    self->host = g_strdup ("127.0.0.1");
  if (!check_host (self->host, "HOST", error))
    return NULL;

  self->port = 10000;
  port = lookup (file_vars, "PORT");
  if (port != NULL && !parse_port (port, "PORT", &self->port, error))
    return NULL;

  self->graph_url = lookup (file_vars, "WABIZ_GRAPH_URL");
  if (self->graph_url == NULL)
    self->graph_url = g_strdup (WABIZ_CONFIG_DEFAULT_GRAPH_URL);
  if (!check_graph_url (self->graph_url, "WABIZ_GRAPH_URL", error))
    return NULL;

  self->graph_version = lookup (file_vars, "WABIZ_GRAPH_VERSION");
  if (self->graph_version == NULL)
    self->graph_version = g_strdup (WABIZ_CONFIG_DEFAULT_GRAPH_VERSION);
  if (!g_regex_match_simple ("^v[0-9]+\\.[0-9]+$", self->graph_version, 0, 0))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("%s is not valid: it must look like v21.0"), "WABIZ_GRAPH_VERSION");
      return NULL;
    }

  self->gemini_url = lookup (file_vars, "WABIZ_GEMINI_URL");
  if (self->gemini_url == NULL)
    self->gemini_url = g_strdup (WABIZ_CONFIG_DEFAULT_GEMINI_URL);
  if (!check_url (self->gemini_url, "WABIZ_GEMINI_URL", error))
    return NULL;

  self->gemini_model = lookup (file_vars, "GEMINI_MODEL");
  if (self->gemini_model == NULL)
    self->gemini_model = g_strdup (WABIZ_CONFIG_DEFAULT_GEMINI_MODEL);

  self->send_rate = WABIZ_CONFIG_DEFAULT_SEND_RATE;
  rate = lookup (file_vars, "WABIZ_SEND_RATE");
  if (rate != NULL)
    {
      char *end = NULL;
      double value = g_ascii_strtod (rate, &end);

      if (end == rate || *end != '\0' || !(value > 0) || value > 10000)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                       _("%s is not valid: it must be a number of messages per second above 0"),
                       "WABIZ_SEND_RATE");
          return NULL;
        }
      self->send_rate = value;
    }

  return g_steal_pointer (&self);
}
