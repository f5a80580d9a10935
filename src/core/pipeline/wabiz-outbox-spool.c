/* wabiz-outbox-spool.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The spool: where attachments from a file wait for the sender.
 *
 * Queueing a WabizOutgoing from a file checks the file against Meta's
 * limits, copies it (a reflink where the file system can) into
 * $XDG_DATA_HOME/wabiz/outbox/<random>/<file name>, and writes the rows
 * naming that copy (outbox.media_file, and media_host: this machine and
 * spool), so that the original can be moved or deleted. Once the message
 * is settled (sent, failed, unknown) the copy is deleted, right after
 * the outcome is committed; copies a crash left behind are swept when a
 * sender starts.
 *
 * Everything here blocks: worker threads only.
 */

#define G_LOG_DOMAIN "wabiz-outbox"

#include "config.h"

#include "wabiz-outbox-private.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* spool entries no row names, older than this, are a crash's leftovers */
#define SPOOL_ORPHAN_S (10 * 60)

void
_wabiz_outbox_spooled_free (WabizOutboxSpooled *spooled)
{
  g_free (spooled->path);
  g_free (spooled->local_path);
  g_free (spooled->name);
  g_free (spooled->mime);
  g_free (spooled);
}

/* Written by this spool: <spool>/<folder>/<name>, or <spool>/<name>,
 * with no empty, "." or ".." part (a row may name anything) */
static gboolean
is_spool_path (const char *spool_dir,
               const char *path)
{
  g_autofree char *prefix = g_strconcat (spool_dir, G_DIR_SEPARATOR_S, NULL);
  g_auto(GStrv) parts = NULL;
  guint n;

  if (path == NULL || !g_str_has_prefix (path, prefix))
    return FALSE;
  parts = g_strsplit (path + strlen (prefix), G_DIR_SEPARATOR_S, -1);
  n = g_strv_length (parts);
  if (n < 1 || n > 2)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (*parts[i] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
      return FALSE;
  return TRUE;
}

/**
 * _wabiz_outbox_spool_resolve:
 *
 * A row names the file to upload, and someone who can write to a shared
 * database could make it name any file of this computer: only a regular
 * file whose real path (symlinks and ".." resolved) is inside the spool
 * is uploaded, by that real path.
 */
char *
_wabiz_outbox_spool_resolve (WabizOutbox  *self,
                             const char   *path,
                             GError      **error)
{
  g_autofree char *spool = realpath (self->spool_dir, NULL);
  g_autofree char *real = realpath (path, NULL);
  g_autofree char *prefix = NULL;
  int saved = errno;
  GStatBuf st;

  if (real == NULL && (saved == ENOENT || saved == ENOTDIR))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _(WABIZ_OUTBOX_SPOOL_GONE));
      return NULL;
    }
  prefix = spool != NULL ? g_strconcat (spool, G_DIR_SEPARATOR_S, NULL) : NULL;
  if (real == NULL || prefix == NULL || !g_str_has_prefix (real, prefix)
      || g_stat (real, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_message ("A queued message names a file outside the outbox folder; not uploading it");
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("This message names a file outside WaBiz’s outbox folder, so it was not "
                             "uploaded; attach the file again"));
      return NULL;
    }
  return g_steal_pointer (&real);
}

static void
remove_spool_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        g_debug ("Cannot delete a spool file: %s", g_strerror (errno));
    }
  g_rmdir (dir);
}

/* @path: a spool copy, <spool>/<random>/<name>; removes its folder too */
void
_wabiz_outbox_spool_remove (WabizOutbox *self,
                            const char  *path)
{
  g_autofree char *dir = NULL;

  if (!is_spool_path (self->spool_dir, path))
    {
      g_message ("Not deleting a queued file outside the outbox folder");
      return;
    }
  dir = g_path_get_dirname (path);
  if (g_strcmp0 (dir, self->spool_dir) == 0)
    {
      g_unlink (path);
      return;
    }
  remove_spool_dir (dir);
}

static GError *
copy_error_new (GQuark      domain,
                int         code,
                const char *name,
                const char *reason)
{
  return g_error_new (domain, code,
                      _("Cannot keep a copy of “%s” for sending: %s. Free some disk space and try again."),
                      name, reason);
}

/* Checks the file against Meta's limits, then copies it into the spool,
 * then checks the copy (the original may change meanwhile): what is
 * checked is what will be uploaded. */
WabizOutboxSpooled *
_wabiz_outbox_spool_file (WabizOutbox  *self,
                          GFile        *file,
                          const char   *kind,
                          GCancellable *cancellable,
                          GError      **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = NULL;
  g_autofree char *token = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *mime = NULL;
  g_autoptr(GFile) dest = NULL;
  g_autoptr(GError) copy_error = NULL;
  WabizOutboxSpooled *spooled;
  goffset size = 0;

  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Only files on this computer can be sent; save the file first"));
      return NULL;
    }
  if (!wabiz_graph_check_media_file (path, kind, NULL, NULL, NULL, error))
    return NULL;

  name = g_file_get_basename (file);
  token = g_uuid_string_random ();
  dir = g_build_filename (self->spool_dir, token, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_propagate_error (error, copy_error_new (G_IO_ERROR, g_io_error_from_errno (saved), name,
                                                g_strerror (saved)));
      return NULL;
    }
  copy = g_build_filename (dir, name, NULL);
  dest = g_file_new_for_path (copy);
  /* GIO clones the data where the file system can (reflink) */
  if (!g_file_copy (file, dest, G_FILE_COPY_NONE, cancellable, NULL, NULL, &copy_error))
    {
      remove_spool_dir (dir);
      g_propagate_error (error, copy_error_new (copy_error->domain, copy_error->code, name,
                                                copy_error->message));
      return NULL;
    }
  if (!wabiz_graph_check_media_file (copy, kind, NULL, &mime, &size, error))
    {
      remove_spool_dir (dir);
      return NULL;
    }

  spooled = g_new0 (WabizOutboxSpooled, 1);
  spooled->path = g_steal_pointer (&copy);
  spooled->local_path = g_steal_pointer (&path);
  spooled->name = g_steal_pointer (&name);
  spooled->mime = g_steal_pointer (&mime);
  spooled->size = size;
  return spooled;
}

/* Run outside a transaction: the rows forget the copy first, then it
 * goes. */
void
_wabiz_outbox_spool_sweep_on_conn (WabizOutbox *self,
                                   WabizDbConn *conn)
{
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  const char *params[] = { self->spool_owner };

  res = wabiz_db_conn_exec (conn,
                            "WITH d AS (SELECT id, media_file FROM outbox"
                            "            WHERE media_host = $1 AND media_file IS NOT NULL"
                            "              AND state NOT IN ('pending', 'sending')"
                            "            FOR UPDATE SKIP LOCKED)"
                            " UPDATE outbox o SET media_file = NULL FROM d WHERE o.id = d.id"
                            " RETURNING d.media_file AS path",
                            1, params, &error);
  if (res == NULL)
    {
      g_debug ("Cannot clean the spool: %s", error->message);
      return;
    }
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    _wabiz_outbox_spool_remove (self, wabiz_db_result_get (res, i, "path"));
}

/* Copies no row names, once they are old enough not to be a queueing in
 * progress. */
void
_wabiz_outbox_spool_sweep_orphans_on_conn (WabizOutbox *self,
                                           WabizDbConn *conn)
{
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GHashTable) named = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *params[] = { self->spool_owner };
  const char *name;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  dir = g_dir_open (self->spool_dir, 0, NULL);
  if (dir == NULL)
    return;

  res = wabiz_db_conn_exec (conn,
                            "SELECT media_file FROM outbox WHERE media_host = $1 AND media_file IS NOT NULL",
                            1, params, &error);
  if (res == NULL)
    {
      g_debug ("Cannot clean the spool: %s", error->message);
      return;
    }
  named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    g_hash_table_add (named, g_path_get_dirname (wabiz_db_result_get (res, i, "media_file")));

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->spool_dir, name, NULL);
      GStatBuf st;

      if (g_hash_table_contains (named, path) || g_lstat (path, &st) != 0 || !S_ISDIR (st.st_mode)
          || now - (gint64) st.st_mtime < SPOOL_ORPHAN_S)
        continue;
      g_debug ("Deleting a queued file no message names");
      remove_spool_dir (path);
    }
}
