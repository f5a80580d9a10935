/* wabiz-pg-server.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Runs one PostgreSQL cluster: finds the server binaries, initdb on
 * first use, start and stop with pg_ctl, recovery from a stale
 * postmaster.pid. PostgreSQL refuses to run as root, so when we are
 * root the server programs run as WaBiz's own system user "wabiz-pg"
 * (created when missing), through setpriv(1) or runuser(1): not Debian's
 * shared "postgres", whose other clusters it could then reach. A cluster
 * an earlier WaBiz made as "postgres" is given to "wabiz-pg".
 *
 * The server programs get a minimal environment (PATH, locale, TZ), not
 * ours: wabizd's holds its secrets. Files we read in folders that the
 * server's user owns (postmaster.pid, the socket's lock) are opened with
 * O_NOFOLLOW, since as root that user could plant a link there.
 *
 * The embedded database (WabizEmbeddedPg) and the test harness both
 * use this; nothing else starts servers.
 */

#define G_LOG_DOMAIN "wabiz-pg-server"

#include "config.h"

#include "wabiz-pg-server.h"

#include "wabiz-error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct _WabizPgServer
{
  GObject    parent_instance;

  char      *data_dir;    /* (owned) */
  char      *socket_dir;  /* (owned) */
  char      *bindir;      /* (owned) (nullable): found on prepare */
  char      *run_as;      /* (owned) (nullable): OS user when we are root */
  GPtrArray *options;     /* (owned): "name=value" server settings */
  guint      port;
  gboolean   fast;        /* no fsync: tests only */
};

G_DEFINE_FINAL_TYPE (WabizPgServer, wabiz_pg_server, G_TYPE_OBJECT)

static const char *usual_bindirs[] = {
  "/usr/lib/postgresql/17/bin",
  "/usr/lib/postgresql/16/bin",
  "/usr/lib/postgresql/15/bin",
  "/usr/lib/postgresql/14/bin",
  "/usr/lib/postgresql/13/bin",
  "/usr/lib64/pgsql/bin",   /* Fedora's postgresql-server keeps some here */
  "/usr/pgsql-16/bin",
  "/usr/pgsql-15/bin",
  "/app/bin",               /* the Flatpak's own PostgreSQL module */
  "/usr/bin",               /* Fedora, Arch */
  "/usr/local/pgsql/bin",
  NULL
};

static gboolean
has_server_binaries (const char *dir)
{
  g_autofree char *initdb = g_build_filename (dir, "initdb", NULL);
  g_autofree char *pg_ctl = g_build_filename (dir, "pg_ctl", NULL);
  g_autofree char *postgres = g_build_filename (dir, "postgres", NULL);

  return g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE) &&
         g_file_test (pg_ctl, G_FILE_TEST_IS_EXECUTABLE) &&
         g_file_test (postgres, G_FILE_TEST_IS_EXECUTABLE);
}

/**
 * wabiz_pg_server_find_bindir:
 *
 * Where initdb, pg_ctl and postgres are: `$WABIZ_PG_BINDIR`, then
 * `pg_config --bindir`, then the usual Debian and Fedora places.
 */
char *
wabiz_pg_server_find_bindir (GError **error)
{
  const char *env = g_getenv ("WABIZ_PG_BINDIR");
  g_autofree char *out = NULL;

  if (env != NULL && *env != '\0')
    {
      if (has_server_binaries (env))
        return g_strdup (env);

      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("WABIZ_PG_BINDIR is set, but its folder has no PostgreSQL server programs (initdb, pg_ctl, postgres). Point it at the server's bin folder or unset it."));
      return NULL;
    }

  if (g_spawn_command_line_sync ("pg_config --bindir", &out, NULL, NULL, NULL) && out != NULL)
    {
      g_strstrip (out);
      if (has_server_binaries (out))
        return g_steal_pointer (&out);
    }

  for (guint i = 0; usual_bindirs[i] != NULL; i++)
    if (has_server_binaries (usual_bindirs[i]))
      return g_strdup (usual_bindirs[i]);

  g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
               _("The PostgreSQL server is not installed, and WaBiz needs it for its built-in database. Install it (Debian and Ubuntu: “sudo apt install postgresql postgresql-contrib”; Fedora: “sudo dnf install postgresql-server postgresql-contrib”), or connect WaBiz to a Supabase database in Preferences."));
  return NULL;
}

static void
wabiz_pg_server_finalize (GObject *object)
{
  WabizPgServer *self = (WabizPgServer *) object;

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->socket_dir, g_free);
  g_clear_pointer (&self->bindir, g_free);
  g_clear_pointer (&self->run_as, g_free);
  g_clear_pointer (&self->options, g_ptr_array_unref);

  G_OBJECT_CLASS (wabiz_pg_server_parent_class)->finalize (object);
}

static void
wabiz_pg_server_class_init (WabizPgServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wabiz_pg_server_finalize;
}

static void
wabiz_pg_server_init (WabizPgServer *self)
{
  self->options = g_ptr_array_new_with_free_func (g_free);
  self->port = 5432;
}

WabizPgServer *
wabiz_pg_server_new (const char *data_dir,
                     const char *socket_dir)
{
  WabizPgServer *self;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (socket_dir != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_PG_SERVER, NULL);
  self->data_dir = g_canonicalize_filename (data_dir, NULL);
  self->socket_dir = g_canonicalize_filename (socket_dir, NULL);

  if (geteuid () == 0)
    {
      const char *user = g_getenv ("WABIZ_PG_USER");

      self->run_as = g_strdup (user != NULL && *user != '\0' ? user : WABIZ_PG_RUN_AS);
    }

  return self;
}

void
wabiz_pg_server_set_port (WabizPgServer *self,
                          guint          port)
{
  g_return_if_fail (WABIZ_IS_PG_SERVER (self));

  self->port = port;
}

/**
 * wabiz_pg_server_add_option:
 *
 * A server setting passed as `-c name=value` at start (for example
 * `listen_addresses` and `ssl` in tests). By default the server only
 * listens on its unix socket.
 */
void
wabiz_pg_server_add_option (WabizPgServer *self,
                            const char    *name,
                            const char    *value)
{
  g_return_if_fail (WABIZ_IS_PG_SERVER (self));
  g_return_if_fail (name != NULL && value != NULL);

  g_ptr_array_add (self->options, g_strdup_printf ("%s=%s", name, value));
}

void
wabiz_pg_server_set_fast (WabizPgServer *self,
                          gboolean       fast)
{
  g_return_if_fail (WABIZ_IS_PG_SERVER (self));

  self->fast = !!fast;
}

const char *
wabiz_pg_server_get_data_dir (WabizPgServer *self)
{
  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), NULL);

  return self->data_dir;
}

const char *
wabiz_pg_server_get_socket_dir (WabizPgServer *self)
{
  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), NULL);

  return self->socket_dir;
}

/**
 * wabiz_pg_server_get_run_as:
 *
 * Returns: (nullable): the OS user the server runs as when we are
 *   root, or %NULL when it runs as ourselves
 */
const char *
wabiz_pg_server_get_run_as (WabizPgServer *self)
{
  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), NULL);

  return self->run_as;
}

char *
wabiz_pg_server_dup_conninfo (WabizPgServer *self,
                              const char    *dbname)
{
  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), NULL);

  return g_strdup_printf ("host='%s' port=%u user=%s dbname='%s'",
                          self->socket_dir, self->port, WABIZ_PG_ROLE,
                          dbname != NULL ? dbname : "postgres");
}

/* Taken around useradd, by WaBiz processes only */
#define USERADD_LOCK "/run/wabiz-pg-useradd.lock"

static gboolean
ensure_run_as_user (WabizPgServer *self,
                    GError       **error)
{
  const char *argv[] = { "useradd", "--system", "--user-group", "--no-create-home",
                         "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                         "--comment", "WaBiz built-in database", NULL, NULL };
  g_autofree char *err = NULL;
  struct passwd *pw;

  if (self->run_as == NULL)
    return TRUE;

  if (getpwnam (self->run_as) == NULL)
    {
      /* Several WaBiz processes may start at once (the tests do), and
       * useradds run side by side can each write the user with another
       * uid: one at a time, and whoever comes second finds the user. */
      int lock_fd = open (USERADD_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

      if (lock_fd >= 0 && flock (lock_fd, LOCK_EX) != 0)
        {
          close (lock_fd);
          lock_fd = -1;
        }
      argv[G_N_ELEMENTS (argv) - 2] = self->run_as;
      /* useradd also fails when another program holds the user database */
      for (guint attempt = 0; attempt < 20 && getpwnam (self->run_as) == NULL; attempt++)
        {
          int status = 0;

          g_clear_pointer (&err, g_free);
          if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                            NULL, NULL, NULL, &err, &status, NULL) &&
              g_spawn_check_wait_status (status, NULL))
            break;
          if (getpwnam (self->run_as) == NULL)
            g_usleep (G_USEC_PER_SEC / 4);
        }
      if (lock_fd >= 0)
        {
          flock (lock_fd, LOCK_UN);
          close (lock_fd);
        }
    }

  pw = getpwnam (self->run_as);
  if (pw == NULL)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("WaBiz runs as root, and PostgreSQL refuses to run as root, but the system user “%s” to run it as could not be created. Create it (useradd --system --user-group %s) or run WaBiz as a normal user."),
                   self->run_as, self->run_as);
      return FALSE;
    }
  if (pw->pw_uid == 0)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("The user “%s” that WaBiz runs PostgreSQL as is root, and PostgreSQL refuses to run as root. Unset WABIZ_PG_USER."),
                   self->run_as);
      return FALSE;
    }

  return TRUE;
}

/* Gives everything under the open folder @fd to @uid:@gid, links
 * included but never followed. */
static gboolean
chown_tree_at (int    fd,
               uid_t  uid,
               gid_t  gid,
               guint  depth)
{
  struct dirent *entry;
  DIR *dir;
  int dup_fd;
  gboolean ok = TRUE;

  if (depth > 64 || fchown (fd, uid, gid) != 0)
    return FALSE;
  dup_fd = dup (fd);
  if (dup_fd < 0 || (dir = fdopendir (dup_fd)) == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return FALSE;
    }
  while (ok && (entry = readdir (dir)) != NULL)
    {
      struct stat st;

      if (g_str_equal (entry->d_name, ".") || g_str_equal (entry->d_name, ".."))
        continue;
      if (fstatat (fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        {
          ok = FALSE;
          break;
        }
      if (S_ISDIR (st.st_mode))
        {
          int child = openat (fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

          ok = child >= 0 && chown_tree_at (child, uid, gid, depth + 1);
          if (child >= 0)
            close (child);
        }
      else
        ok = fchownat (fd, entry->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0;
    }
  closedir (dir);
  return ok;
}

/* A cluster made as root by an earlier WaBiz belongs to Debian's
 * "postgres": PostgreSQL runs only as the owner of its data folder. */
static gboolean
adopt_data_dir (WabizPgServer *self,
                GError       **error)
{
  struct passwd *pw;
  struct stat st;
  int fd;
  gboolean ok;

  if (self->run_as == NULL || (pw = getpwnam (self->run_as)) == NULL)
    return TRUE;

  fd = open (self->data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) != 0 || st.st_uid == pw->pw_uid)
    {
      if (fd >= 0)
        close (fd);
      return TRUE;
    }
  /* one that runs (as its old user) is left alone until it stops */
  if (wabiz_pg_server_is_running (self))
    {
      close (fd);
      return TRUE;
    }

  g_message ("Giving the database folder %s to the user %s", self->data_dir, self->run_as);
  ok = chown_tree_at (fd, pw->pw_uid, pw->pw_gid, 0);
  close (fd);
  if (!ok)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot give the database folder %s to the user %s: %s"),
                   self->data_dir, self->run_as, g_strerror (errsv));
    }
  return ok;
}

gboolean
wabiz_pg_server_chown_to_run_as (WabizPgServer *self,
                                 const char    *path,
                                 GError       **error)
{
  struct passwd *pw;

  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), FALSE);

  if (self->run_as == NULL)
    return TRUE;

  pw = getpwnam (self->run_as);
  if (pw == NULL || chown (path, pw->pw_uid, pw->pw_gid) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot give the database folder %s to the user %s: %s"),
                   path, self->run_as, g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}

static gboolean
make_private_dir (WabizPgServer *self,
                  const char    *path,
                  GError       **error)
{
  g_autofree char *parent = g_path_get_dirname (path);

  /* The parents must let the server's user through (when we are root it
   * is another user); only the folder itself is private. */
  if (g_mkdir_with_parents (parent, 0755) != 0 || g_mkdir_with_parents (path, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot create the database folder %s: %s"), path, g_strerror (errsv));
      return FALSE;
    }

  g_chmod (path, 0700);
  return wabiz_pg_server_chown_to_run_as (self, path, error);
}

/* What the server programs may see of our environment: where programs
 * are, the language and the time zone. Not the rest: wabizd's holds its
 * secrets, and a postmaster's environment is readable by its user. */
static GStrv
server_environ (void)
{
  static const char *kept[] = { "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_COLLATE",
                                "LC_MESSAGES", "LC_MONETARY", "LC_NUMERIC", "LC_TIME", "TZ", NULL };
  GStrv env = NULL;

  for (guint i = 0; kept[i] != NULL; i++)
    {
      const char *value = g_getenv (kept[i]);

      if (value != NULL)
        env = g_environ_setenv (env, kept[i], value, TRUE);
    }
  if (g_environ_getenv (env, "PATH") == NULL)
    env = g_environ_setenv (env, "PATH", "/usr/local/bin:/usr/bin:/bin", TRUE);
  /* g_environ_setenv() never returns NULL once given a variable */
  return env;
}

/* Runs a server program, as the unprivileged user when we are root. */
static gboolean
run_tool (WabizPgServer      *self,
          const char * const *args,
          char              **output,
          GError            **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) env = NULL;
  int status = 0;

  if (self->run_as != NULL)
    {
      g_autofree char *setpriv = g_find_program_in_path ("setpriv");
      struct passwd *pw = getpwnam (self->run_as);

      if (pw == NULL)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                       _("The system user “%s” to run PostgreSQL as does not exist."), self->run_as);
          return FALSE;
        }
      if (setpriv != NULL)
        {
          g_ptr_array_add (argv, g_steal_pointer (&setpriv));
          g_ptr_array_add (argv, g_strdup_printf ("--reuid=%u", (guint) pw->pw_uid));
          g_ptr_array_add (argv, g_strdup_printf ("--regid=%u", (guint) pw->pw_gid));
          g_ptr_array_add (argv, g_strdup ("--init-groups"));
        }
      else
        {
          g_ptr_array_add (argv, g_strdup ("runuser"));
          g_ptr_array_add (argv, g_strdup ("-u"));
          g_ptr_array_add (argv, g_strdup (self->run_as));
          g_ptr_array_add (argv, g_strdup ("--"));
        }
    }

  g_ptr_array_add (argv, g_build_filename (self->bindir, args[0], NULL));
  for (guint i = 1; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  /* cwd: somewhere the server user can read, or initdb complains */
  env = server_environ ();
  if (!g_spawn_sync (self->socket_dir, (char **) argv->pdata, env,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL,
                     NULL, NULL, &out, &err, &status, &local_error))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_FAILED,
                   _("Cannot run the PostgreSQL program %s: %s"), args[0], local_error->message);
      return FALSE;
    }

  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_autofree char *log = g_strstrip (g_strdup (err && *err ? err : out ? out : ""));
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_FAILED,
                   _("The PostgreSQL program %s failed: %s"), args[0], log);
      return FALSE;
    }

  if (output != NULL)
    *output = g_steal_pointer (&out);

  return TRUE;
}

/**
 * wabiz_pg_server_prepare:
 *
 * Finds the binaries, creates the folders and runs initdb when the data
 * folder holds no cluster yet. Blocks.
 */
gboolean
wabiz_pg_server_prepare (WabizPgServer *self,
                         GError       **error)
{
  g_autofree char *version_file = NULL;
  g_autofree char *socket_file = NULL;
  struct sockaddr_un addr;

  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), FALSE);

  if (self->bindir == NULL && !(self->bindir = wabiz_pg_server_find_bindir (error)))
    return FALSE;

  socket_file = g_strdup_printf ("%s/.s.PGSQL.%u", self->socket_dir, self->port);
  if (strlen (socket_file) >= sizeof addr.sun_path)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG,
                   _("The database socket folder %s has too long a path for a unix socket. Set XDG_RUNTIME_DIR to a shorter folder."),
                   self->socket_dir);
      return FALSE;
    }

  if (!ensure_run_as_user (self, error) ||
      !make_private_dir (self, self->socket_dir, error))
    return FALSE;

  version_file = g_build_filename (self->data_dir, "PG_VERSION", NULL);
  if (g_file_test (version_file, G_FILE_TEST_EXISTS))
    return adopt_data_dir (self, error);

  if (!make_private_dir (self, self->data_dir, error))
    return FALSE;

  {
    const char *args[] = { "initdb", "-D", self->data_dir, "-U", WABIZ_PG_ROLE,
                           "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
                           "--no-instructions", self->fast ? "--no-sync" : NULL, NULL };

    g_debug ("Creating a database cluster in %s", self->data_dir);
    if (!run_tool (self, args, NULL, error))
      return FALSE;
  }

  return TRUE;
}

/* The pid on the first line of a file that PostgreSQL writes in a
 * folder its user owns: a link there is not followed, nor anything but
 * a regular file read (a FIFO would block us); 0 if none. */
static GPid
read_pid_from (const char *path)
{
  char buffer[256];
  struct stat st;
  gssize n;
  int fd;

  fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return 0;
    }
  do
    n = read (fd, buffer, sizeof buffer - 1);
  while (n < 0 && errno == EINTR);
  close (fd);
  if (n <= 0)
    return 0;
  buffer[n] = '\0';

  return (GPid) g_ascii_strtoll (buffer, NULL, 10);
}

static GPid
read_pid_file (WabizPgServer *self)
{
  g_autofree char *path = g_build_filename (self->data_dir, "postmaster.pid", NULL);

  return read_pid_from (path);
}

static gboolean
pid_is_postgres (GPid pid)
{
  g_autofree char *path = NULL;
  g_autofree char *comm = NULL;

  if (pid <= 0 || (kill (pid, 0) != 0 && errno == ESRCH))
    return FALSE;

  /* A pid can be reused after a crash; check it is a postgres. And a
   * killed postmaster whose parent never reaps it (PID 1 in many a
   * container) lingers as a zombie: that is not running either. */
  path = g_strdup_printf ("/proc/%d/stat", pid);
  if (!g_file_get_contents (path, &comm, NULL, NULL))
    return TRUE;   /* no /proc: trust kill() */

  {
    const char *close_paren = strrchr (comm, ')');

    if (close_paren != NULL && close_paren[1] == ' ' &&
        (close_paren[2] == 'Z' || close_paren[2] == 'X'))
      return FALSE;
  }

  return strstr (comm, "(postgres)") != NULL || strstr (comm, "(postmaster)") != NULL;
}

GPid
wabiz_pg_server_get_pid (WabizPgServer *self)
{
  GPid pid;

  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), 0);

  pid = read_pid_file (self);
  return pid_is_postgres (pid) ? pid : 0;
}

gboolean
wabiz_pg_server_is_running (WabizPgServer *self)
{
  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), FALSE);

  return wabiz_pg_server_get_pid (self) != 0;
}

static gboolean
remove_stale_pid_file (WabizPgServer *self)
{
  g_autofree char *path = g_build_filename (self->data_dir, "postmaster.pid", NULL);
  GPid pid = read_pid_file (self);

  if (pid == 0 || pid_is_postgres (pid))
    return FALSE;

  g_debug ("Removing the stale postmaster.pid of process %d", pid);
  g_unlink (path);

  /* the socket's lock file names the same dead (or zombie) process */
  {
    g_autofree char *lock = g_strdup_printf ("%s/.s.PGSQL.%u.lock", self->socket_dir, self->port);
    g_autofree char *socket = g_strdup_printf ("%s/.s.PGSQL.%u", self->socket_dir, self->port);

    if (read_pid_from (lock) == pid)
      {
        g_unlink (lock);
        g_unlink (socket);
      }
  }
  return TRUE;
}

/**
 * wabiz_pg_server_start:
 *
 * Starts the server unless it already runs, and waits until it accepts
 * connections. Recovers from a postmaster.pid left by a crash. Blocks.
 */
gboolean
wabiz_pg_server_start (WabizPgServer *self,
                       GError       **error)
{
  g_autoptr(GString) opts = g_string_new (NULL);
  g_autofree char *log_file = NULL;
  g_autofree char *port = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean has_listen = FALSE;

  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), FALSE);

  if (!wabiz_pg_server_prepare (self, error))
    return FALSE;

  if (wabiz_pg_server_is_running (self))
    return TRUE;

  remove_stale_pid_file (self);

  port = g_strdup_printf ("%u", self->port);
  g_string_append_printf (opts, "-c unix_socket_directories='%s' -c unix_socket_permissions=0700 -p %s",
                          self->socket_dir, port);
  for (guint i = 0; i < self->options->len; i++)
    {
      const char *opt = g_ptr_array_index (self->options, i);

      has_listen |= g_str_has_prefix (opt, "listen_addresses=");
      g_string_append_printf (opts, " -c %s", opt);
    }
  if (!has_listen)
    g_string_append (opts, " -c listen_addresses=''");
  if (self->fast)
    g_string_append (opts, " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");

  log_file = g_build_filename (self->data_dir, "wabiz-server.log", NULL);

  /* After a kill -9 of the postmaster its children may hold the shared
   * memory for a moment; a second try after they went usually works. */
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      const char *args[] = { "pg_ctl", "-D", self->data_dir, "-l", log_file, "-w", "-t", "60",
                             "-o", opts->str, "start", NULL };

      g_clear_error (&local_error);
      if (run_tool (self, args, NULL, &local_error))
        return TRUE;

      if (wabiz_pg_server_is_running (self))
        return TRUE;

      remove_stale_pid_file (self);
      g_usleep (G_USEC_PER_SEC / 2);
    }

  g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_FAILED,
               _("The built-in database did not start (%s). Its log is %s."),
               local_error->message, log_file);
  return FALSE;
}

gboolean
wabiz_pg_server_stop (WabizPgServer *self,
                      GError       **error)
{
  const char *args[] = { "pg_ctl", "-D", NULL, "-m", "fast", "-w", "-t", "60", "stop", NULL };

  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), FALSE);

  if (!wabiz_pg_server_is_running (self))
    return TRUE;

  if (self->bindir == NULL && !(self->bindir = wabiz_pg_server_find_bindir (error)))
    return FALSE;

  args[2] = self->data_dir;
  return run_tool (self, args, NULL, error);
}

/**
 * wabiz_pg_server_ensure_database:
 *
 * Creates @dbname when it does not exist yet. Blocks.
 */
gboolean
wabiz_pg_server_ensure_database (WabizPgServer *self,
                                 const char    *dbname,
                                 GError       **error)
{
  g_autofree char *conninfo = NULL;
  g_autofree char *sql = NULL;
  const char *params[1];
  PGconn *pg;
  PGresult *res;
  char *quoted;
  gboolean ok = TRUE;

  g_return_val_if_fail (WABIZ_IS_PG_SERVER (self), FALSE);
  g_return_val_if_fail (dbname != NULL, FALSE);

  conninfo = wabiz_pg_server_dup_conninfo (self, "postgres");
  pg = PQconnectdb (conninfo);
  if (PQstatus (pg) != CONNECTION_OK)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_FAILED,
                   _("Cannot connect to the built-in database: %s"), PQerrorMessage (pg));
      PQfinish (pg);
      return FALSE;
    }

  params[0] = dbname;
  res = PQexecParams (pg, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params, NULL, NULL, 0);
  if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 0)
    {
      PQclear (res);
      quoted = PQescapeIdentifier (pg, dbname, strlen (dbname));
      sql = g_strdup_printf ("CREATE DATABASE %s", quoted);
      PQfreemem (quoted);
      res = PQexec (pg, sql);
      /* 42P04: another process created it meanwhile */
      if (PQresultStatus (res) != PGRES_COMMAND_OK &&
          g_strcmp0 (PQresultErrorField (res, PG_DIAG_SQLSTATE), "42P04") != 0)
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_FAILED,
                       _("Cannot create the database %s: %s"), dbname, PQerrorMessage (pg));
          ok = FALSE;
        }
    }
  PQclear (res);
  PQfinish (pg);

  return ok;
}
