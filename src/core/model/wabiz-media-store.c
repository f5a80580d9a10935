/* wabiz-media-store.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The files customers sent, as the app reads them: the state of a
 * message's media (data/sql/011-media.sql; pipeline/wabiz-media-fetcher.c
 * fetches them) and the file itself. The database holds each file once
 * for every desktop; each desktop copies the files it opens into a cache
 * of its own ($XDG_CACHE_HOME/wabiz/media, private to the user), so the
 * bytes cross the network once per desktop.
 *
 * Bytes are read and written in libpq's binary format: a 100 MB document
 * travels as 100 MB, not as 200 MB of hex.
 */

#define G_LOG_DOMAIN "wabiz-media-store"

#include "config.h"

#include "wabiz-media-rules.h"
#include "wabiz-media-store-private.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>

#include <errno.h>
#include <string.h>

/* a 100 MB file may take a while on a slow link */
#define DATA_STATEMENT_TIMEOUT "SET LOCAL statement_timeout = '10min'"

struct _WabizMediaStore
{
  GObject  parent_instance;

  WabizDb *db;         /* (owned) */
  char    *cache_dir;  /* (owned) */
};

G_DEFINE_FINAL_TYPE (WabizMediaStore, wabiz_media_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (wabiz-media-error-quark, wabiz_media_error)

G_DEFINE_ENUM_TYPE (WabizMediaState, wabiz_media_state,
                    G_DEFINE_ENUM_VALUE (WABIZ_MEDIA_STATE_PENDING, "pending"),
                    G_DEFINE_ENUM_VALUE (WABIZ_MEDIA_STATE_FETCHING, "fetching"),
                    G_DEFINE_ENUM_VALUE (WABIZ_MEDIA_STATE_STORED, "stored"),
                    G_DEFINE_ENUM_VALUE (WABIZ_MEDIA_STATE_FAILED, "failed"),
                    G_DEFINE_ENUM_VALUE (WABIZ_MEDIA_STATE_GONE, "gone"),
                    G_DEFINE_ENUM_VALUE (WABIZ_MEDIA_STATE_REMOVED, "removed"))

G_DEFINE_BOXED_TYPE (WabizMediaInfo, wabiz_media_info, wabiz_media_info_copy,
                     wabiz_media_info_free)

static const char *const state_names[] = {
  "pending", "fetching", "stored", "failed", "gone", "removed",
};

/* One message's media: its row of media, or the message alone while no
 * fetcher has seen it (pending). */
#define INFO_SQL                                                                         \
  "SELECT m.media_id, m.id::text AS message_id, coalesce(x.kind, m.media_type) AS kind," \
  " coalesce(x.state, 'pending') AS state,"                                              \
  " coalesce(x.mime, x.claimed_mime, m.media_mime) AS mime, x.size, x.sha256,"          \
  " coalesce(x.attempts, 0) AS attempts,"                                                \
  " CASE WHEN x.state IN ('pending', 'failed')"                                          \
  "      THEN extract(epoch FROM x.next_attempt_at)::bigint END AS next_attempt,"        \
  " x.failure, m.media_filename"                                                         \
  " FROM messages m LEFT JOIN media x ON x.media_id = m.media_id"                        \
  " WHERE m.media_id = $1 AND m.direction = 'inbound'"                                   \
  " ORDER BY m.\"timestamp\", m.id LIMIT 1"

typedef struct
{
  char *media_id;   /* (owned) */
  char *cache_dir;  /* (owned) */
} Request;

static void
request_free (Request *request)
{
  g_free (request->media_id);
  g_free (request->cache_dir);
  g_free (request);
}

static Request *
request_new (WabizMediaStore *self,
             const char      *media_id)
{
  Request *request = g_new0 (Request, 1);

  request->media_id = g_strdup (media_id);
  request->cache_dir = g_strdup (self->cache_dir);
  return request;
}

const char *
wabiz_media_state_to_string (WabizMediaState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);

  return state_names[state];
}

gboolean
_wabiz_media_state_from_string (const char      *text,
                                WabizMediaState *state)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (state_names); i++)
    if (g_str_equal (text, state_names[i]))
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

const char *
_wabiz_media_describe (WabizMediaState  state,
                       const char      *failure)
{
  switch (state)
    {
    case WABIZ_MEDIA_STATE_PENDING:
      return _("Waiting to download this file from WhatsApp.");
    case WABIZ_MEDIA_STATE_FETCHING:
      return _("Downloading this file from WhatsApp…");
    case WABIZ_MEDIA_STATE_STORED:
      return NULL;
    case WABIZ_MEDIA_STATE_GONE:
      return _("This file is no longer available from WhatsApp; ask the customer to send it again.");
    case WABIZ_MEDIA_STATE_REMOVED:
      return _("The original of this file was removed to save space in the database; ask the "
               "customer to send it again if you need it.");
    case WABIZ_MEDIA_STATE_FAILED:
    default:
      break;
    }

  if (g_strcmp0 (failure, "network") == 0)
    return _("This file could not be downloaded because WhatsApp could not be reached. Retry "
             "when the connection is back.");
  if (g_strcmp0 (failure, "server") == 0)
    return _("WhatsApp could not hand over this file just now. Retry in a moment.");
  if (g_strcmp0 (failure, "auth") == 0)
    return _("WhatsApp refused the access token, so this file could not be downloaded. Check "
             "the token in Preferences, then retry.");
  if (g_strcmp0 (failure, "damaged") == 0)
    return _("This file arrived damaged. Retry to download it again.");
  if (g_strcmp0 (failure, "type") == 0)
    return _("This file is not of the type it claims to be, so WaBiz did not keep it. Ask the "
             "customer to send it again.");
  if (g_strcmp0 (failure, "size") == 0)
    return _("This file is larger than WhatsApp allows for its kind, so WaBiz did not keep it. "
             "Ask the customer to send it again.");
  return _("This file could not be downloaded. Retry, or ask the customer to send it again.");
}

gboolean
_wabiz_media_id_is_valid (const char *media_id)
{
  gsize len;

  if (media_id == NULL)
    return FALSE;
  len = strlen (media_id);
  if (len == 0 || len > 128)
    return FALSE;
  for (const char *p = media_id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

/* A short, plain extension of @filename ("pdf", "zip"), or NULL */
static char *
dup_safe_extension (const char *filename)
{
  const char *dot = filename != NULL ? strrchr (filename, '.') : NULL;
  gsize len;

  if (dot == NULL || strchr (dot, '/') != NULL)
    return NULL;
  len = strlen (dot + 1);
  if (len == 0 || len > 8)
    return NULL;
  for (const char *p = dot + 1; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return NULL;
  return g_ascii_strdown (dot + 1, -1);
}

char *
_wabiz_media_cache_path (const char *cache_dir,
                         const char *media_id,
                         const char *mime,
                         const char *filename)
{
  const char *ext = wabiz_graph_extension_for_mime (mime);
  g_autofree char *from_name = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (cache_dir != NULL, NULL);
  g_return_val_if_fail (_wabiz_media_id_is_valid (media_id), NULL);

  if (g_str_equal (ext, "bin") && (from_name = dup_safe_extension (filename)) != NULL)
    ext = from_name;
  name = g_strdup_printf ("%s.%s", media_id, ext);
  return g_build_filename (cache_dir, name, NULL);
}

static WabizMediaInfo *
info_from_row (WabizDbResult *res,
               guint          row)
{
  WabizMediaInfo *info = g_new0 (WabizMediaInfo, 1);
  const char *size = wabiz_db_result_get (res, row, "size");
  const char *next = wabiz_db_result_get (res, row, "next_attempt");

  info->media_id = g_strdup (wabiz_db_result_get (res, row, "media_id"));
  info->message_id = g_strdup (wabiz_db_result_get (res, row, "message_id"));
  info->kind = g_strdup (wabiz_db_result_get (res, row, "kind"));
  if (!_wabiz_media_state_from_string (wabiz_db_result_get (res, row, "state"), &info->state))
    info->state = WABIZ_MEDIA_STATE_PENDING;
  info->mime_type = g_strdup (wabiz_db_result_get (res, row, "mime"));
  info->size = size != NULL ? g_ascii_strtoll (size, NULL, 10) : -1;
  info->sha256 = g_strdup (wabiz_db_result_get (res, row, "sha256"));
  info->attempts = (guint) wabiz_db_result_get_int (res, row, "attempts");
  if (next != NULL)
    info->next_attempt = g_date_time_new_from_unix_utc (g_ascii_strtoll (next, NULL, 10));
  info->failure = g_strdup (wabiz_db_result_get (res, row, "failure"));
  info->message = g_strdup (_wabiz_media_describe (info->state, info->failure));
  return info;
}

static gboolean
check_media_id (const char  *media_id,
                GError     **error)
{
  if (_wabiz_media_id_is_valid (media_id))
    return TRUE;
  g_set_error (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_FOUND,
               _("“%s” is not a media id"), media_id);
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* binary reads and writes (worker thread) */

static void
set_error_from_pg (PGconn     *pg,
                   PGresult   *res,
                   GError    **error)
{
  const char *primary = res != NULL ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  g_autofree char *reason = g_strdup (primary != NULL ? primary : PQerrorMessage (pg));

  g_strstrip (reason);
  if (PQstatus (pg) != CONNECTION_OK)
    g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE,
                 _("The connection to the database was lost (%s). WaBiz will reconnect; try again "
                   "in a moment."),
                 reason);
  else
    g_set_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_QUERY, "%s", reason);
}

static gboolean
exec_simple (WabizDbConn  *conn,
             const char   *sql,
             GError      **error)
{
  g_autoptr(WabizDbResult) res = wabiz_db_conn_exec (conn, sql, 0, NULL, error);

  return res != NULL;
}

gboolean
_wabiz_media_store_save_on_conn (WabizDbConn  *conn,
                                 const char   *row_id,
                                 const char   *claim_token,
                                 const char   *mime,
                                 const char   *sha256_hex,
                                 GBytes       *data,
                                 gboolean     *stored,
                                 GError      **error)
{
  PGconn *pg;
  PGresult *res;
  g_autofree char *size_text = NULL;
  const char *values[5];
  int lengths[5] = { 0 };
  int formats[5] = { 0 };
  gsize size = 0;
  gboolean ok;

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (row_id != NULL && claim_token != NULL && data != NULL, FALSE);

  *stored = FALSE;
  /* the pool's connection is up (the caller's transaction began on it) */
  pg = wabiz_db_conn_get_pgconn (conn);
  if (!exec_simple (conn, DATA_STATEMENT_TIMEOUT, error))
    return FALSE;

  values[0] = row_id;
  values[1] = claim_token;
  values[2] = mime;
  values[3] = sha256_hex;
  values[4] = g_bytes_get_data (data, &size);
  lengths[4] = (int) size;
  formats[4] = 1;
  g_assert (size <= G_MAXINT);
  size_text = g_strdup_printf ("%" G_GSIZE_FORMAT, size);

  res = PQexecParams (pg,
                      "UPDATE media SET state = 'stored', data = $5::bytea, mime = $3::text,"
                      " size = length($5::bytea), sha256 = $4::text, fetched_at = now(),"
                      " failure = NULL, error = NULL, next_attempt_at = NULL, claim_token = NULL,"
                      " claimed_until = NULL, updated_at = now()"
                      " WHERE id = $1::uuid AND claim_token = $2::uuid AND state = 'fetching'",
                      5, NULL, values, lengths, formats, 0);
  ok = PQresultStatus (res) == PGRES_COMMAND_OK;
  if (!ok)
    set_error_from_pg (pg, res, error);
  else
    *stored = g_ascii_strtoll (PQcmdTuples (res), NULL, 10) == 1;
  PQclear (res);

  return ok;
}

typedef struct
{
  const char *media_id;
  GBytes     *bytes;  /* (owned) (nullable) */
} ReadData;

static gboolean
read_data_in_transaction (WabizDbConn  *conn,
                          gpointer      data,
                          GError      **error)
{
  ReadData *read = data;
  PGconn *pg = wabiz_db_conn_get_pgconn (conn);
  const char *values[1] = { read->media_id };
  PGresult *res;

  if (!exec_simple (conn, DATA_STATEMENT_TIMEOUT, error))
    return FALSE;

  /* binary result: the column's bytes as they are */
  res = PQexecParams (pg, "SELECT data FROM media WHERE media_id = $1 AND state = 'stored'",
                      1, NULL, values, NULL, NULL, 1);
  if (PQresultStatus (res) != PGRES_TUPLES_OK)
    {
      set_error_from_pg (pg, res, error);
      PQclear (res);
      return FALSE;
    }
  if (PQntuples (res) > 0 && !PQgetisnull (res, 0, 0))
    read->bytes = g_bytes_new (PQgetvalue (res, 0, 0), PQgetlength (res, 0, 0));
  PQclear (res);
  return TRUE;
}

/* The bytes of a stored file, or NULL (and no @error) when the row is
 * not stored any more. */
static GBytes *
read_data_on_conn (WabizDbConn  *conn,
                   const char   *media_id,
                   GError      **error)
{
  ReadData read = { media_id, NULL };

  if (!wabiz_db_conn_transaction (conn, read_data_in_transaction, &read, error))
    {
      g_clear_pointer (&read.bytes, g_bytes_unref);
      return NULL;
    }
  return read.bytes;
}

/* ------------------------------------------------------------------ */
/* jobs */

static WabizMediaInfo *
query_info_on_conn (WabizDbConn  *conn,
                    const char   *media_id,
                    char        **filename,
                    GError      **error)
{
  g_autoptr(WabizDbResult) res = NULL;
  const char *params[] = { media_id };

  res = wabiz_db_conn_exec (conn, INFO_SQL, 1, params, error);
  if (res == NULL)
    return NULL;
  if (wabiz_db_result_get_n_rows (res) == 0)
    {
      g_set_error (error, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_FOUND,
                   _("No message from a customer has the file %s"), media_id);
      return NULL;
    }
  if (filename != NULL)
    *filename = g_strdup (wabiz_db_result_get (res, 0, "media_filename"));
  return info_from_row (res, 0);
}

static void
get_info_job (WabizDb      *db,
              WabizDbConn  *conn,
              GTask        *task,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Request *request = task_data;
  GError *error = NULL;
  WabizMediaInfo *info;

  info = query_info_on_conn (conn, request->media_id, NULL, &error);
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) wabiz_media_info_free);
}

static gboolean
cached_file_is_whole (const char *path,
                      gint64      size)
{
  GStatBuf st;

  return size >= 0 && g_stat (path, &st) == 0 && S_ISREG (st.st_mode) && st.st_size == size;
}

static gboolean
write_cache_file (const char  *path,
                  GBytes      *bytes,
                  GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the media folder “%s”: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  /* written whole to a temporary file, then renamed into place */
  return g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static void
open_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  Request *request = task_data;
  g_autoptr(WabizMediaInfo) info = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *filename = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sha256 = NULL;
  GError *error = NULL;
  gboolean gone = FALSE;

  info = query_info_on_conn (conn, request->media_id, &filename, &error);
  if (info == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* a copy this desktop kept stays usable, even once removed from the
   * database to save space */
  if (info->mime_type != NULL)
    {
      path = _wabiz_media_cache_path (request->cache_dir, request->media_id, info->mime_type,
                                      filename);
      if ((info->state == WABIZ_MEDIA_STATE_STORED || info->state == WABIZ_MEDIA_STATE_REMOVED) &&
          cached_file_is_whole (path, info->size))
        {
          g_task_return_pointer (task, g_steal_pointer (&path), g_free);
          return;
        }
    }

  if (info->state == WABIZ_MEDIA_STATE_STORED)
    {
      bytes = read_data_on_conn (conn, request->media_id, &error);
      if (error != NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      /* removed while we looked */
      gone = bytes == NULL;
    }
  if (bytes == NULL)
    {
      /* removed, or not fetched yet */
      const char *message = _wabiz_media_describe (gone ? WABIZ_MEDIA_STATE_REMOVED : info->state,
                                                   info->failure);

      g_task_return_new_error (task, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_STORED, "%s",
                               message != NULL ? message : _("This file is not available yet."));
      return;
    }

  sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  if (g_bytes_get_size (bytes) != (gsize) info->size || g_strcmp0 (sha256, info->sha256) != 0)
    {
      g_warning ("Media %s in the database does not match its checksum", request->media_id);
      g_task_return_new_error (task, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_DAMAGED,
                               _("This file is damaged in the database. Retry to download it "
                                 "from WhatsApp again."));
      return;
    }

  if (!write_cache_file (path, bytes, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_debug ("Media %s read from the database into the cache", request->media_id);
  g_task_return_pointer (task, g_steal_pointer (&path), g_free);
}

/* ------------------------------------------------------------------ */

/* Runs @job on a worker thread for a new task of @source_tag about
 * @media_id, unless that id is not one. */
static void
run_request (WabizMediaStore     *self,
             const char          *media_id,
             gpointer             source_tag,
             WabizDbJobFunc       job,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  if (!check_media_id (media_id, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, request_new (self, media_id), (GDestroyNotify) request_free);
  wabiz_db_run_in_thread (self->db, task, job);
}

static gpointer
finish_request (WabizMediaStore  *self,
                GAsyncResult     *result,
                gpointer          source_tag,
                GError          **error)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
wabiz_media_store_dispose (GObject *object)
{
  WabizMediaStore *self = WABIZ_MEDIA_STORE (object);

  g_clear_object (&self->db);

  G_OBJECT_CLASS (wabiz_media_store_parent_class)->dispose (object);
}

static void
wabiz_media_store_finalize (GObject *object)
{
  WabizMediaStore *self = WABIZ_MEDIA_STORE (object);

  g_free (self->cache_dir);

  G_OBJECT_CLASS (wabiz_media_store_parent_class)->finalize (object);
}

static void
wabiz_media_store_class_init (WabizMediaStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_media_store_dispose;
  object_class->finalize = wabiz_media_store_finalize;
}

static void
wabiz_media_store_init (WabizMediaStore *self)
{
}

WabizMediaStore *
wabiz_media_store_new (WabizDb    *db,
                       const char *cache_dir)
{
  WabizMediaStore *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);

  self = g_object_new (WABIZ_TYPE_MEDIA_STORE, NULL);
  self->db = g_object_ref (db);
  if (cache_dir != NULL)
    self->cache_dir = g_strdup (cache_dir);
  else
    self->cache_dir = g_build_filename (g_get_user_cache_dir (), "wabiz", "media", NULL);
  return self;
}

WabizDb *
wabiz_media_store_get_db (WabizMediaStore *self)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_STORE (self), NULL);

  return self->db;
}

const char *
wabiz_media_store_get_cache_dir (WabizMediaStore *self)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_STORE (self), NULL);

  return self->cache_dir;
}

void
wabiz_media_store_get_info_async (WabizMediaStore     *self,
                                  const char          *media_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_MEDIA_STORE (self));
  g_return_if_fail (media_id != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  run_request (self, media_id, wabiz_media_store_get_info_async, get_info_job, cancellable,
               callback, user_data);
}

WabizMediaInfo *
wabiz_media_store_get_info_finish (WabizMediaStore  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  return finish_request (self, result, wabiz_media_store_get_info_async, error);
}

void
wabiz_media_store_open_async (WabizMediaStore     *self,
                              const char          *media_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_MEDIA_STORE (self));
  g_return_if_fail (media_id != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  run_request (self, media_id, wabiz_media_store_open_async, open_job, cancellable, callback,
               user_data);
}

char *
wabiz_media_store_open_finish (WabizMediaStore  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  return finish_request (self, result, wabiz_media_store_open_async, error);
}

WabizMediaInfo *
wabiz_media_info_copy (const WabizMediaInfo *info)
{
  WabizMediaInfo *copy;

  g_return_val_if_fail (info != NULL, NULL);

  copy = g_new0 (WabizMediaInfo, 1);
  copy->media_id = g_strdup (info->media_id);
  copy->message_id = g_strdup (info->message_id);
  copy->kind = g_strdup (info->kind);
  copy->state = info->state;
  copy->mime_type = g_strdup (info->mime_type);
  copy->size = info->size;
  copy->sha256 = g_strdup (info->sha256);
  copy->attempts = info->attempts;
  copy->next_attempt = info->next_attempt != NULL ? g_date_time_ref (info->next_attempt) : NULL;
  copy->failure = g_strdup (info->failure);
  copy->message = g_strdup (info->message);
  return copy;
}

void
wabiz_media_info_free (WabizMediaInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->media_id);
  g_free (info->message_id);
  g_free (info->kind);
  g_free (info->mime_type);
  g_free (info->sha256);
  g_clear_pointer (&info->next_attempt, g_date_time_unref);
  g_free (info->failure);
  g_free (info->message);
  g_free (info);
}
