/* wabiz-embedded-pg.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The built-in database: a private PostgreSQL cluster under
 * $XDG_DATA_HOME/wabiz/postgres that listens on a unix socket in
 * $XDG_RUNTIME_DIR/wabiz only (no TCP). The app and wabizd of the same
 * user share it: each process that uses it leaves a file in users/ of
 * the socket folder, and the last one to leave stops the server. A
 * process that crashed leaves a file whose pid is dead; it is ignored.
 *
 * When we are root the cluster lives in /var/lib/wabiz/postgres and
 * its socket in /run/wabiz, owned by the unprivileged user that runs
 * the server (see WabizPgServer), since root's home is not readable by
 * that user. That user could then plant links in the socket folder, so
 * the lock file, the users/ folder and the files in it are opened
 * relative to the folder, with O_NOFOLLOW, and must be ours.
 */

#define G_LOG_DOMAIN "wabiz-embedded-pg"

#include "config.h"

#include "wabiz-embedded-pg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct _WabizEmbeddedPg
{
  GObject        parent_instance;

  WabizPgServer *server;      /* (owned) */
  char          *users_dir;   /* (owned) */
  char          *lock_path;   /* (owned) */
  char          *user_file;   /* (owned) (nullable): ours, while acquired */
};

/* Held while we look at or change users/: the locked lock file and the
 * users folder, both opened without following links */
typedef struct
{
  int lock_fd;
  int users_fd;
} State;

G_DEFINE_FINAL_TYPE (WabizEmbeddedPg, wabiz_embedded_pg, G_TYPE_OBJECT)

static void
set_open_error (GError    **error,
                int         errsv,
                const char *path)
{
  if (errsv == ELOOP)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 _("%s is a symbolic link, which WaBiz does not follow there: the database’s user "
                   "may have put it there. Remove it and start WaBiz again."),
                 path);
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), _("Cannot open %s: %s"), path,
                 g_strerror (errsv));
}

/* @fd (opened from @path) must be ours and writable by us alone */
static gboolean
check_ours (int          fd,
            const char  *path,
            gboolean     is_dir,
            GError     **error)
{
  struct stat st;

  if (fstat (fd, &st) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), _("Cannot open %s: %s"), path,
                   g_strerror (errsv));
      return FALSE;
    }
  if ((is_dir ? !S_ISDIR (st.st_mode) : !S_ISREG (st.st_mode)) || st.st_uid != geteuid () ||
      (st.st_mode & 022) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("%s is not WaBiz’s own (another user owns it or can write to it). Remove it "
                     "and start WaBiz again."),
                   path);
      return FALSE;
    }
  return TRUE;
}

static void
unlock_state (State *state)
{
  if (state->users_fd >= 0)
    close (state->users_fd);
  if (state->lock_fd >= 0)
    {
      flock (state->lock_fd, LOCK_UN);
      close (state->lock_fd);
    }
  state->users_fd = state->lock_fd = -1;
}

static gboolean
lock_state (WabizEmbeddedPg *self,
            State           *state,
            GError         **error)
{
  g_autofree char *socket_dir = g_path_get_dirname (self->users_dir);
  g_autofree char *socket_parent = g_path_get_dirname (socket_dir);
  g_autofree char *users_name = g_path_get_basename (self->users_dir);
  g_autofree char *lock_name = g_path_get_basename (self->lock_path);
  int dir_fd;

  state->lock_fd = state->users_fd = -1;

  if (g_mkdir_with_parents (socket_parent, 0755) != 0 ||
      g_mkdir_with_parents (socket_dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot create %s: %s"), socket_dir, g_strerror (errsv));
      return FALSE;
    }

  dir_fd = open (socket_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    {
      set_open_error (error, errno, socket_dir);
      return FALSE;
    }

  state->lock_fd = openat (dir_fd, lock_name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
  if (state->lock_fd < 0)
    {
      set_open_error (error, errno, self->lock_path);
      close (dir_fd);
      return FALSE;
    }
  if (!check_ours (state->lock_fd, self->lock_path, FALSE, error))
    {
      close (dir_fd);
      unlock_state (state);
      return FALSE;
    }
  if (flock (state->lock_fd, LOCK_EX) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot lock %s: %s"), self->lock_path, g_strerror (errsv));
      close (dir_fd);
      unlock_state (state);
      return FALSE;
    }

  if (mkdirat (dir_fd, users_name, 0700) != 0 && errno != EEXIST)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot create %s: %s"), self->users_dir, g_strerror (errsv));
      close (dir_fd);
      unlock_state (state);
      return FALSE;
    }
  state->users_fd = openat (dir_fd, users_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  close (dir_fd);
  if (state->users_fd < 0)
    {
      int errsv = errno;

      /* a link to a file: O_DIRECTORY may say so first */
      if (errsv == ENOTDIR)
        {
          struct stat st;
          if (fstatat (AT_FDCWD, self->users_dir, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
            errsv = ELOOP;
        }
      set_open_error (error, errsv, self->users_dir);
      unlock_state (state);
      return FALSE;
    }
  if (!check_ours (state->users_fd, self->users_dir, TRUE, error))
    {
      unlock_state (state);
      return FALSE;
    }

  return TRUE;
}

/* Counts live users and removes the files of processes that are gone. */
static guint
prune_users (State *state)
{
  struct dirent *entry;
  DIR *dir;
  int fd = dup (state->users_fd);
  guint count = 0;

  if (fd < 0 || (dir = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return 0;
    }

  while ((entry = readdir (dir)) != NULL)
    {
      GPid pid;

      if (g_str_equal (entry->d_name, ".") || g_str_equal (entry->d_name, ".."))
        continue;
      pid = (GPid) g_ascii_strtoll (entry->d_name, NULL, 10);
      if (pid > 0 && (kill (pid, 0) == 0 || errno != ESRCH))
        count++;
      else
        unlinkat (state->users_fd, entry->d_name, 0);
    }
  closedir (dir);

  return count;
}

static void
wabiz_embedded_pg_dispose (GObject *object)
{
  WabizEmbeddedPg *self = (WabizEmbeddedPg *) object;

  if (self->user_file != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!wabiz_embedded_pg_release (self, &error))
        g_warning ("%s", error->message);
    }

  G_OBJECT_CLASS (wabiz_embedded_pg_parent_class)->dispose (object);
}

static void
wabiz_embedded_pg_finalize (GObject *object)
{
  WabizEmbeddedPg *self = (WabizEmbeddedPg *) object;

  g_clear_object (&self->server);
  g_clear_pointer (&self->users_dir, g_free);
  g_clear_pointer (&self->lock_path, g_free);
  g_clear_pointer (&self->user_file, g_free);

  G_OBJECT_CLASS (wabiz_embedded_pg_parent_class)->finalize (object);
}

static void
wabiz_embedded_pg_class_init (WabizEmbeddedPgClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_embedded_pg_dispose;
  object_class->finalize = wabiz_embedded_pg_finalize;
}

static void
wabiz_embedded_pg_init (WabizEmbeddedPg *self)
{
}

/**
 * wabiz_embedded_pg_new:
 * @data_dir: (nullable): the cluster's folder, %NULL for the default
 * @socket_dir: (nullable): the socket's folder, %NULL for the default
 */
WabizEmbeddedPg *
wabiz_embedded_pg_new (const char *data_dir,
                       const char *socket_dir)
{
  WabizEmbeddedPg *self = g_object_new (WABIZ_TYPE_EMBEDDED_PG, NULL);
  g_autofree char *default_data = NULL;
  g_autofree char *default_socket = NULL;

  if (geteuid () == 0)
    {
      default_data = g_strdup ("/var/lib/wabiz/postgres");
      default_socket = g_strdup ("/run/wabiz");
    }
  else
    {
      default_data = g_build_filename (g_get_user_data_dir (), "wabiz", "postgres", NULL);
      default_socket = g_build_filename (g_get_user_runtime_dir (), "wabiz", NULL);
    }

  self->server = wabiz_pg_server_new (data_dir ? data_dir : default_data,
                                      socket_dir ? socket_dir : default_socket);
  self->users_dir = g_build_filename (wabiz_pg_server_get_socket_dir (self->server), "users", NULL);
  self->lock_path = g_build_filename (wabiz_pg_server_get_socket_dir (self->server), "wabiz.lock", NULL);

  return self;
}

WabizPgServer *
wabiz_embedded_pg_get_server (WabizEmbeddedPg *self)
{
  g_return_val_if_fail (WABIZ_IS_EMBEDDED_PG (self), NULL);

  return self->server;
}

/**
 * wabiz_embedded_pg_acquire_sync:
 *
 * Makes sure the cluster exists and runs, registers this process as a
 * user of it, and returns the connection string of the WaBiz database.
 * Blocks (initdb takes about a second the first time): the app calls
 * the async variant.
 */
char *
wabiz_embedded_pg_acquire_sync (WabizEmbeddedPg *self,
                                GError         **error)
{
  static guint counter;
  State state;
  gboolean ok;

  g_return_val_if_fail (WABIZ_IS_EMBEDDED_PG (self), NULL);

  /* under the lock, so two processes never run initdb at once */
  if (!lock_state (self, &state, error))
    return NULL;

  ok = wabiz_pg_server_start (self->server, error);
  if (ok)
    {
      g_autoptr(GError) local_error = NULL;

      /* A server that was dying as we looked (killed a moment ago)
       * drops the first connection: start it again, once. */
      ok = wabiz_pg_server_ensure_database (self->server, WABIZ_EMBEDDED_DBNAME, &local_error);
      if (!ok && wabiz_pg_server_start (self->server, NULL))
        ok = wabiz_pg_server_ensure_database (self->server, WABIZ_EMBEDDED_DBNAME, error);
      else if (!ok)
        g_propagate_error (error, g_steal_pointer (&local_error));
    }

  if (ok && self->user_file == NULL)
    {
      g_autofree char *name = g_strdup_printf ("%d.%u", getpid (), g_atomic_int_add (&counter, 1));
      int fd = openat (state.users_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

      self->user_file = g_build_filename (self->users_dir, name, NULL);
      if (fd < 0)
        {
          set_open_error (error, errno, self->user_file);
          g_clear_pointer (&self->user_file, g_free);
          ok = FALSE;
        }
      else
        close (fd);
    }

  unlock_state (&state);

  if (!ok)
    return NULL;

  return wabiz_pg_server_dup_conninfo (self->server, WABIZ_EMBEDDED_DBNAME);
}

static void
acquire_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  char *conninfo = wabiz_embedded_pg_acquire_sync (source_object, &error);

  if (conninfo == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, conninfo, g_free);
}

void
wabiz_embedded_pg_acquire_async (WabizEmbeddedPg     *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_EMBEDDED_PG (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_embedded_pg_acquire_async);
  g_task_run_in_thread (task, acquire_thread);
}

char *
wabiz_embedded_pg_acquire_finish (WabizEmbeddedPg  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_EMBEDDED_PG (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_embedded_pg_acquire_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * wabiz_embedded_pg_release:
 *
 * This process no longer uses the cluster; when nobody else does, it
 * is stopped. Blocks for the stop (a fraction of a second); called on
 * the way out.
 */
gboolean
wabiz_embedded_pg_release (WabizEmbeddedPg *self,
                           GError         **error)
{
  g_autofree char *name = NULL;
  gboolean ok = TRUE;
  State state;

  g_return_val_if_fail (WABIZ_IS_EMBEDDED_PG (self), FALSE);

  if (self->user_file == NULL)
    return TRUE;

  if (!lock_state (self, &state, error))
    return FALSE;

  name = g_path_get_basename (self->user_file);
  unlinkat (state.users_fd, name, 0);
  g_clear_pointer (&self->user_file, g_free);

  if (prune_users (&state) == 0)
    {
      g_debug ("Last user gone: stopping the built-in database");
      ok = wabiz_pg_server_stop (self->server, error);
    }

  unlock_state (&state);
  return ok;
}

guint
wabiz_embedded_pg_count_users (WabizEmbeddedPg *self)
{
  g_autoptr(GError) error = NULL;
  guint count;
  State state;

  g_return_val_if_fail (WABIZ_IS_EMBEDDED_PG (self), 0);

  if (!lock_state (self, &state, &error))
    {
      g_debug ("%s", error->message);
      return 0;
    }
  count = prune_users (&state);
  unlock_state (&state);

  return count;
}
