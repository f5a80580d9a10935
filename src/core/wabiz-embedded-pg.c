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
 * that user.
 */

#define G_LOG_DOMAIN "wabiz-embedded-pg"

#include "config.h"

#include "wabiz-embedded-pg.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

struct _WabizEmbeddedPg
{
  GObject        parent_instance;

  WabizPgServer *server;      /* (owned) */
  char          *users_dir;   /* (owned) */
  char          *lock_path;   /* (owned) */
  char          *user_file;   /* (owned) (nullable): ours, while acquired */
};

G_DEFINE_FINAL_TYPE (WabizEmbeddedPg, wabiz_embedded_pg, G_TYPE_OBJECT)

static int
lock_state (WabizEmbeddedPg *self,
            GError         **error)
{
  int fd;

  g_autofree char *socket_dir = g_path_get_dirname (self->users_dir);
  g_autofree char *socket_parent = g_path_get_dirname (socket_dir);

  if (g_mkdir_with_parents (socket_parent, 0755) != 0 ||
      g_mkdir_with_parents (self->users_dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot create %s: %s"), self->users_dir, g_strerror (errsv));
      return -1;
    }

  fd = open (self->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock (fd, LOCK_EX) != 0)
    {
      int errsv = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot lock %s: %s"), self->lock_path, g_strerror (errsv));
      return -1;
    }

  return fd;
}

static void
unlock_state (int fd)
{
  flock (fd, LOCK_UN);
  close (fd);
}

/* Counts live users and removes the files of processes that are gone. */
static guint
prune_users (WabizEmbeddedPg *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->users_dir, 0, NULL);
  const char *name;
  guint count = 0;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      GPid pid = (GPid) g_ascii_strtoll (name, NULL, 10);

      if (pid > 0 && (kill (pid, 0) == 0 || errno != ESRCH))
        {
          count++;
        }
      else
        {
          g_autofree char *path = g_build_filename (self->users_dir, name, NULL);
          g_unlink (path);
        }
    }

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
  int fd;
  gboolean ok;

  g_return_val_if_fail (WABIZ_IS_EMBEDDED_PG (self), NULL);

  /* under the lock, so two processes never run initdb at once */
  fd = lock_state (self, error);
  if (fd < 0)
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

      self->user_file = g_build_filename (self->users_dir, name, NULL);
      ok = g_file_set_contents (self->user_file, "", 0, error);
      if (!ok)
        g_clear_pointer (&self->user_file, g_free);
    }

  unlock_state (fd);

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
  gboolean ok = TRUE;
  int fd;

  g_return_val_if_fail (WABIZ_IS_EMBEDDED_PG (self), FALSE);

  if (self->user_file == NULL)
    return TRUE;

  fd = lock_state (self, error);
  if (fd < 0)
    return FALSE;

  g_unlink (self->user_file);
  g_clear_pointer (&self->user_file, g_free);

  if (prune_users (self) == 0)
    {
      g_debug ("Last user gone: stopping the built-in database");
      ok = wabiz_pg_server_stop (self->server, error);
    }

  unlock_state (fd);
  return ok;
}

guint
wabiz_embedded_pg_count_users (WabizEmbeddedPg *self)
{
  g_autoptr(GError) error = NULL;
  guint count;
  int fd;

  g_return_val_if_fail (WABIZ_IS_EMBEDDED_PG (self), 0);

  fd = lock_state (self, &error);
  if (fd < 0)
    return 0;
  count = prune_users (self);
  unlock_state (fd);

  return count;
}
