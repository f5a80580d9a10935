/* wabiz-media-fetcher.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Fetches what customers send (images, voice notes, stickers, videos,
 * documents) once the webhook processor has stored their messages, never
 * inside the webhook's request: the message's media id → Meta's
 * short-lived URL → the download with the access token, at once, before
 * the URL expires (wabiz_graph_client_download_media_async(), which also
 * checks the sha256 the webhook gave). The file is then checked against
 * what it claims and Meta's rules for its kind (the bytes are sniffed,
 * see wabiz-media-rules.h; the size must be what Meta announced) and
 * stored in the database's media table (data/sql/011-media.sql), where
 * every desktop sharing the database reads it (wabiz-media-store.c).
 *
 * Several fetchers (desktops, wabizd) may run on one database: a row is
 * created once per media id (unique), and a fetcher claims rows with
 * FOR UPDATE SKIP LOCKED and a claim token, so each file is downloaded
 * once; a claim that runs out (a fetcher that died) is taken over.
 * Failures are tried again with exponential back-off; media Meta no
 * longer has ends GONE, a file that is not what it claims ends FAILED
 * without retrying. Stored files stay within a budget: past it, the
 * originals of the oldest messages are removed (REMOVED).
 *
 * Woken by the processor (here) and by NOTIFY changed::messages (other
 * processors), it looks at the messages of the last hour; at start, on
 * a reconnect and every poll interval it looks at all of them. Each
 * change of a row is announced as NOTIFY {"t": "media", "phone", "id":
 * media id}, so that bubbles on every desktop follow.
 */

#define G_LOG_DOMAIN "wabiz-media-fetcher"

#include "config.h"

#include "wabiz-media-fetcher-private.h"
#include "wabiz-media-rules.h"
#include "wabiz-media-store-private.h"
#include "wabiz-store.h"
#include "wabiz-worker-private.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>

/* downloads at once (each also takes a database connection to store) */
#define MAX_IN_FLIGHT 2
/* the largest file Meta delivers (a document); others are checked
 * against their kind's limit once downloaded */
#define MAX_MEDIA_BYTES ((gint64) 100 * 1024 * 1024)
/* how long a claim holds: a 100 MB document over a slow link */
#define CLAIM_SECONDS 900
#define DEFAULT_POLL_INTERVAL_S 300
#define DEFAULT_BACKOFF_INITIAL_MS 2000
#define DEFAULT_BACKOFF_MAX_MS (3600 * 1000)
#define DEFAULT_MAX_ATTEMPTS 10
/* the soonest a timer fires: rows due but locked by another fetcher */
#define MIN_TIMER_MS 1000

struct _WabizMediaFetcher
{
  WabizWorker       parent_instance;

  WabizGraphClient *graph;          /* (owned) (nullable) */
  WabizMediaStore  *store;          /* (owned) */
  char             *staging_dir;    /* (owned) downloads land here, then move to the cache */
  guint64           budget;

  guint             n_fetching;
  GHashTable       *in_flight;      /* (owned) media id → Fetch *, fetched here now */
  GHashTable       *retries;        /* (owned) media id → GPtrArray of GTask: retries
                                     * waiting for its try to end */
  guint64           n_stored;
};

G_DEFINE_FINAL_TYPE (WabizMediaFetcher, wabiz_media_fetcher, WABIZ_TYPE_WORKER)

enum
{
  SIGNAL_MEDIA_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Why a downloaded file was not kept (worker thread → main loop). */
#define FETCH_ERROR (fetch_error_quark ())
static G_DEFINE_QUARK (wabiz-media-fetch-error-quark, fetch_error)

enum
{
  FETCH_ERROR_TYPE,
  FETCH_ERROR_SIZE,
  FETCH_ERROR_DAMAGED,
};

/* One claimed row on its way. */
typedef struct
{
  WabizMediaFetcher   *self;           /* (owned) */
  char                *row_id;         /* (owned) */
  char                *media_id;       /* (owned) */
  char                *kind;           /* (owned) */
  char                *claimed_mime;   /* (owned) (nullable) the webhook's */
  char                *claimed_sha256; /* (owned) (nullable) the webhook's, base64 */
  char                *claim_token;    /* (owned) */
  char                *filename;       /* (owned) (nullable) a document's */
  WabizGraphMediaInfo *info;           /* (owned) (nullable) Meta's answer */
  char                *download;       /* (owned) (nullable) the file in the staging folder */
} Fetch;

/* A round: discover, claim, and when to look again (worker thread). */
typedef struct
{
  gboolean   full;
  char      *only;       /* (owned) (nullable) one media id, for a retry */
  gboolean   reset;      /* a retry: failed, gone or removed becomes pending */
  guint      limit;
  GPtrArray *fetches;    /* (owned) of Fetch, without self */
  double     due_in_s;   /* < 0: nothing waits */
} Round;

/* A downloaded file to check and store (worker thread). */
typedef struct
{
  char      *row_id;
  char      *claim_token;
  char      *media_id;
  char      *kind;
  char      *claimed_mime;
  gint64     announced_size;
  char      *download;
  char      *cache_path_dir;  /* the store's cache folder */
  char      *filename;
  guint64    budget;
  /* results */
  gboolean   stored;
  char      *cache_path;
  GPtrArray *removed;         /* (owned) media ids removed for space */
} StoreJob;

/* A failed try to record (worker thread). */
typedef struct
{
  char               *row_id;
  char               *claim_token;
  gboolean            release;     /* cancelled: back to pending for anyone */
  char               *state;
  char               *failure;
  char               *error;
  gboolean            final;
  WabizWorkerBackoff  backoff;
  /* results */
  gboolean            recorded;
  double              due_in_s;
} FailJob;

static void start_fetch (WabizMediaFetcher *self,
                         Fetch             *fetch);

/* ------------------------------------------------------------------ */
/* SQL */

/* Rows for the inbound messages with media that have none: $1 every
 * message (else those of the last hour), $2 only this media id. */
static const char *discover_sql =
  "INSERT INTO media (message_id, media_id, kind, claimed_mime, claimed_sha256, message_time)"
  " SELECT DISTINCT ON (m.media_id) m.id, m.media_id, m.media_type, m.media_mime, m.media_sha256,"
  "     coalesce(m.\"timestamp\", now())"
  "   FROM messages m"
  "  WHERE m.media_id IS NOT NULL AND m.direction = 'inbound'"
  "    AND m.media_type IN ('image', 'video', 'audio', 'document', 'sticker')"
  "    AND ($2::text IS NULL OR m.media_id = $2::text)"
  "    AND ($1::boolean OR $2::text IS NOT NULL OR m.created_at > now() - interval '1 hour')"
  "    AND NOT EXISTS (SELECT 1 FROM media x WHERE x.media_id = m.media_id)"
  "  ORDER BY m.media_id, m.\"timestamp\""
  " ON CONFLICT (media_id) DO NOTHING";

#define CLAIM_SQL(DUE)                                                                          \
  "WITH due AS (SELECT id FROM media WHERE " DUE                                                \
  "    ORDER BY message_time DESC, id LIMIT $1::int FOR UPDATE SKIP LOCKED),"                   \
  " claimed AS (UPDATE media x SET state = 'fetching', claim_token = gen_random_uuid(),"        \
  "     claimed_until = now() + make_interval(secs => $3::int), attempts = x.attempts + 1,"     \
  "     updated_at = now()"                                                                     \
  "   FROM due WHERE x.id = due.id"                                                             \
  "   RETURNING x.id, x.message_id, x.media_id, x.kind, x.claimed_mime, x.claimed_sha256,"      \
  "     x.claim_token)"                                                                         \
  " SELECT c.id::text AS id, c.media_id, c.kind, c.claimed_mime, c.claimed_sha256,"             \
  "     c.claim_token::text AS claim_token, m.media_filename,"                                  \
  "     wabiz_notify('media', m.phone, c.media_id)"                                             \
  "   FROM claimed c JOIN messages m ON m.id = c.message_id"

/* $2 unused, so that both take the same parameters */
static const char *claim_due_sql =
  CLAIM_SQL ("(($2::text IS NULL AND state IN ('pending', 'failed') AND next_attempt_at <= now())"
             " OR (state = 'fetching' AND claimed_until < now()))");
static const char *claim_one_sql =
  CLAIM_SQL ("media_id = $2::text AND (state IN ('pending', 'failed')"
             " OR (state = 'fetching' AND claimed_until < now()))");

static const char *next_due_sql =
  "SELECT extract(epoch FROM least("
  "   (SELECT min(next_attempt_at) FROM media"
  "     WHERE state IN ('pending', 'failed') AND next_attempt_at IS NOT NULL),"
  "   (SELECT min(claimed_until) FROM media WHERE state = 'fetching')) - now()) AS due_in";

static const char *reset_sql =
  "UPDATE media SET state = 'pending', attempts = 0, next_attempt_at = now(), failure = NULL,"
  " error = NULL, updated_at = now()"
  " WHERE media_id = $1 AND state IN ('failed', 'gone', 'removed')";

static const char *notify_sql =
  "SELECT wabiz_notify('media', m.phone, x.media_id)"
  " FROM media x JOIN messages m ON m.id = x.message_id WHERE x.id = $1::uuid";

/* The originals past the budget, oldest messages first. */
static const char *evict_sql =
  "WITH ranked AS (SELECT id, sum(size) OVER (ORDER BY message_time DESC, id DESC) AS running"
  "     FROM media WHERE state = 'stored'),"
  " removed AS (UPDATE media x SET state = 'removed', data = NULL, failure = 'space', error = NULL,"
  "     updated_at = now()"
  "   FROM ranked r WHERE x.id = r.id AND r.running > $1::bigint AND x.state = 'stored'"
  "   RETURNING x.media_id, x.message_id)"
  " SELECT r.media_id, wabiz_notify('media', m.phone, r.media_id)"
  "   FROM removed r JOIN messages m ON m.id = r.message_id";

static const char *release_sql =
  "UPDATE media SET state = 'pending', attempts = greatest(attempts - 1, 0), next_attempt_at = now(),"
  " claim_token = NULL, claimed_until = NULL, updated_at = now()"
  " WHERE id = $1::uuid AND claim_token = $2::uuid";

static const char *fail_sql =
  "WITH u AS (UPDATE media SET state = $3::text, failure = $4::text, error = $5::text,"
  "     next_attempt_at = " WABIZ_WORKER_NEXT_TRY_SQL ("$6::boolean", "$7", "$8", "$9") ","
  "     claim_token = NULL, claimed_until = NULL, updated_at = now()"
  "   WHERE id = $1::uuid AND claim_token = $2::uuid"
  "   RETURNING media_id, message_id, next_attempt_at)"
  " SELECT u.media_id, extract(epoch FROM u.next_attempt_at - now()) AS due_in,"
  "     wabiz_notify('media', m.phone, u.media_id)"
  "   FROM u JOIN messages m ON m.id = u.message_id";

/* ------------------------------------------------------------------ */
/* the jobs' data */

static void
fetch_free (Fetch *fetch)
{
  g_clear_object (&fetch->self);
  g_free (fetch->row_id);
  g_free (fetch->media_id);
  g_free (fetch->kind);
  g_free (fetch->claimed_mime);
  g_free (fetch->claimed_sha256);
  g_free (fetch->claim_token);
  g_free (fetch->filename);
  g_clear_pointer (&fetch->info, wabiz_graph_media_info_free);
  if (fetch->download != NULL)
    g_unlink (fetch->download);
  g_free (fetch->download);
  g_free (fetch);
}

static void
round_free (Round *round)
{
  g_free (round->only);
  g_clear_pointer (&round->fetches, g_ptr_array_unref);
  g_free (round);
}

static void
store_job_free (StoreJob *job)
{
  g_free (job->row_id);
  g_free (job->claim_token);
  g_free (job->media_id);
  g_free (job->kind);
  g_free (job->claimed_mime);
  g_free (job->download);
  g_free (job->cache_path_dir);
  g_free (job->filename);
  g_free (job->cache_path);
  g_clear_pointer (&job->removed, g_ptr_array_unref);
  g_free (job);
}

static void
fail_job_free (FailJob *job)
{
  g_free (job->row_id);
  g_free (job->claim_token);
  g_free (job->state);
  g_free (job->failure);
  g_free (job->error);
  g_free (job);
}

/* ------------------------------------------------------------------ */
/* worker thread */

/* A round's statements (worker thread): a round of the loop, or a
 * retry's (@round->only) */
static gboolean
round_on_conn (WabizDbConn *conn,
               gpointer     data,
               GError     **error)
{
  Round *round = data;
  g_autoptr(WabizDbResult) discovered = NULL;
  g_autoptr(WabizDbResult) reset = NULL;
  g_autoptr(WabizDbResult) claimed = NULL;
  g_autoptr(WabizDbResult) due = NULL;
  g_autofree char *limit = g_strdup_printf ("%u", round->limit);
  g_autofree char *claim_seconds = g_strdup_printf ("%d", CLAIM_SECONDS);
  const char *discover_params[] = { round->full ? "true" : "false", round->only };
  const char *claim_params[] = { limit, round->only, claim_seconds };

  discovered = wabiz_db_conn_exec (conn, discover_sql, 2, discover_params, error);
  if (discovered == NULL)
    return FALSE;
  if (round->reset)
    {
      reset = wabiz_db_conn_exec (conn, reset_sql, 1, (const char *[]){ round->only }, error);
      if (reset == NULL)
        return FALSE;
    }

  if (round->limit > 0)
    {
      claimed = wabiz_db_conn_exec (conn, round->only != NULL ? claim_one_sql : claim_due_sql, 3,
                                    claim_params, error);
      if (claimed == NULL)
        return FALSE;
      for (guint i = 0; i < wabiz_db_result_get_n_rows (claimed); i++)
        {
          Fetch *fetch = g_new0 (Fetch, 1);

          fetch->row_id = g_strdup (wabiz_db_result_get (claimed, i, "id"));
          fetch->media_id = g_strdup (wabiz_db_result_get (claimed, i, "media_id"));
          fetch->kind = g_strdup (wabiz_db_result_get (claimed, i, "kind"));
          fetch->claimed_mime = g_strdup (wabiz_db_result_get (claimed, i, "claimed_mime"));
          fetch->claimed_sha256 = g_strdup (wabiz_db_result_get (claimed, i, "claimed_sha256"));
          fetch->claim_token = g_strdup (wabiz_db_result_get (claimed, i, "claim_token"));
          fetch->filename = g_strdup (wabiz_db_result_get (claimed, i, "media_filename"));
          g_ptr_array_add (round->fetches, fetch);
        }
    }

  due = wabiz_db_conn_exec (conn, next_due_sql, 0, NULL, error);
  if (due == NULL)
    return FALSE;
  round->due_in_s = wabiz_db_result_get (due, 0, "due_in") != NULL
                      ? g_ascii_strtod (wabiz_db_result_get (due, 0, "due_in"), NULL)
                      : -1;
  return TRUE;
}

/* A retry's claim */
static void
retry_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  GError *error = NULL;

  if (round_on_conn (conn, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static Round *
round_new (gboolean    full,
           const char *only,
           guint       limit)
{
  Round *round = g_new0 (Round, 1);

  round->full = full;
  round->only = g_strdup (only);
  round->reset = only != NULL;
  round->limit = limit;
  round->fetches = g_ptr_array_new_with_free_func ((GDestroyNotify) fetch_free);
  round->due_in_s = -1;
  return round;
}

static gboolean
same_base_type (const char *a,
                const char *b)
{
  gsize la = strcspn (a, ";");
  gsize lb = strcspn (b, ";");
  g_autofree char *ba = g_strstrip (g_strndup (a, la));
  g_autofree char *bb = g_strstrip (g_strndup (b, lb));

  return g_ascii_strcasecmp (ba, bb) == 0;
}

/* Whether the downloaded file is what it claims, within Meta's rules for
 * its kind; @out_mime: the type to keep it as. */
static gboolean
check_file (StoreJob  *job,
            char     **out_mime,
            GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *sniffed = NULL;
  const char *kind = job->kind;
  const char *claimed = job->claimed_mime;
  goffset size = 0;
  GStatBuf st;

  if (g_stat (job->download, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, FETCH_ERROR, FETCH_ERROR_DAMAGED, "Cannot read the download: %s",
                   g_strerror (saved));
      return FALSE;
    }
  if (job->announced_size >= 0 && st.st_size != job->announced_size)
    {
      g_set_error (error, FETCH_ERROR, FETCH_ERROR_DAMAGED,
                   "The file is %" G_GINT64_FORMAT " bytes; WhatsApp announced %" G_GINT64_FORMAT,
                   (gint64) st.st_size, job->announced_size);
      return FALSE;
    }

  if (!wabiz_graph_check_media_file (job->download, kind, NULL, &sniffed, &size, &local_error))
    {
      if (g_error_matches (local_error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TOO_LARGE))
        {
          g_set_error (error, FETCH_ERROR, FETCH_ERROR_SIZE, "%s", local_error->message);
          return FALSE;
        }
      /* Customers may send a document of a type Meta does not list (a
       * ZIP, say): kept as it claims to be, within the documents' limit
       * (checked before the download). */
      if (g_error_matches (local_error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TYPE) &&
          g_strcmp0 (kind, "document") == 0 && claimed != NULL &&
          wabiz_graph_kind_for_mime (claimed) == NULL && st.st_size > 0)
        {
          *out_mime = g_strdup (claimed);
          return TRUE;
        }
      g_set_error (error, FETCH_ERROR, FETCH_ERROR_TYPE, "%s", local_error->message);
      return FALSE;
    }

  if (claimed != NULL && !same_base_type (claimed, sniffed))
    {
      g_set_error (error, FETCH_ERROR, FETCH_ERROR_TYPE, "The file claims to be %s but is %s",
                   claimed, sniffed);
      return FALSE;
    }

  /* the claim keeps its parameters ("audio/ogg; codecs=opus") */
  *out_mime = g_strdup (claimed != NULL ? claimed : sniffed);
  return TRUE;
}

static gboolean
move_into_cache (StoreJob  *job,
                 GError   **error)
{
  if (g_mkdir_with_parents (job->cache_path_dir, 0700) != 0 ||
      g_rename (job->download, job->cache_path) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot keep the file in the cache: %s", g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  StoreJob      *job;
  const char    *mime;
  const char    *sha256;
  GBytes        *bytes;
  WabizDbResult *removed;  /* (owned) (nullable) */
} StoreTransaction;

/* The file, its NOTIFY and the budget's removals, at once or not at all */
static gboolean
store_in_transaction (WabizDbConn  *conn,
                      gpointer      data,
                      GError      **error)
{
  StoreTransaction *tx = data;
  StoreJob *job = tx->job;
  g_autofree char *budget = g_strdup_printf ("%" G_GUINT64_FORMAT, job->budget);
  const char *row_params[] = { job->row_id };
  const char *evict_params[] = { budget };
  g_autoptr(WabizDbResult) notified = NULL;

  /* One store at a time, across desktops, so that its removals see every
   * file stored before: two stores that overlapped each counted only
   * their own new file, and both stayed past the budget. Taken first,
   * with no row locked yet, so a store waiting for its turn blocks
   * nobody else. */
  if (!wabiz_db_conn_take_turn (conn, "wabiz-media-budget", error))
    return FALSE;
  if (!_wabiz_media_store_save_on_conn (conn, job->row_id, job->claim_token, tx->mime, tx->sha256,
                                        tx->bytes, &job->stored, error))
    return FALSE;
  if (!job->stored)
    return TRUE;

  notified = wabiz_db_conn_exec (conn, notify_sql, 1, row_params, error);
  if (notified == NULL)
    return FALSE;
  tx->removed = wabiz_db_conn_exec (conn, evict_sql, 1, evict_params, error);
  return tx->removed != NULL;
}

static void
store_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  StoreJob *job = task_data;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(WabizDbResult) removed = NULL;
  g_autofree char *mime = NULL;
  g_autofree char *sha256 = NULL;
  StoreTransaction tx = { 0 };
  GError *error = NULL;
  gboolean ok;

  if (!check_file (job, &mime, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  mapped = g_mapped_file_new (job->download, FALSE, &error);
  if (mapped == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);

  tx.job = job;
  tx.mime = mime;
  tx.sha256 = sha256;
  tx.bytes = bytes;
  ok = wabiz_db_conn_transaction (conn, store_in_transaction, &tx, &error);
  removed = g_steal_pointer (&tx.removed);
  if (!ok)
    {
      job->stored = FALSE;
      g_task_return_error (task, error);
      return;
    }
  if (!job->stored)
    {
      /* the claim ran out and another fetcher took the row */
      g_task_return_boolean (task, TRUE);
      return;
    }

  job->removed = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (removed); i++)
    g_ptr_array_add (job->removed, g_strdup (wabiz_db_result_get (removed, i, "media_id")));

  /* this desktop keeps what it fetched: no second read from the database */
  job->cache_path = _wabiz_media_cache_path (job->cache_path_dir, job->media_id, mime, job->filename);
  g_clear_pointer (&mapped, g_mapped_file_unref);
  if (!move_into_cache (job, &error))
    {
      g_warning ("Media %s is stored but not cached here: %s", job->media_id, error->message);
      g_clear_error (&error);
      g_clear_pointer (&job->cache_path, g_free);
    }

  g_task_return_boolean (task, TRUE);
}

static void
fail_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  FailJob *job = task_data;
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  if (job->release)
    {
      const char *params[] = { job->row_id, job->claim_token };

      res = wabiz_db_conn_exec (conn, release_sql, 2, params, &error);
    }
  else
    {
      const char *params[] = { job->row_id, job->claim_token, job->state, job->failure, job->error,
                               job->final ? "true" : "false", job->backoff.max_attempts,
                               job->backoff.initial_ms, job->backoff.max_ms };

      res = wabiz_db_conn_exec (conn, fail_sql, G_N_ELEMENTS (params), params, &error);
    }
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  job->due_in_s = -1;
  if (!job->release && wabiz_db_result_get_n_rows (res) > 0)
    {
      const char *due_in = wabiz_db_result_get (res, 0, "due_in");

      job->recorded = TRUE;
      if (due_in != NULL)
        job->due_in_s = g_ascii_strtod (due_in, NULL);
    }
  g_task_return_boolean (task, TRUE);
}

/* ------------------------------------------------------------------ */
/* the loop (main context) */

static void
retry_info_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  WabizMediaInfo *info;

  info = wabiz_media_store_get_info_finish (WABIZ_MEDIA_STORE (object), result, &error);
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) wabiz_media_info_free);
}

/* The retries of @media_id get their answer: the state as it is now. */
static void
return_retries (WabizMediaFetcher *self,
                const char        *media_id)
{
  g_autoptr(GPtrArray) tasks = NULL;
  g_autofree char *key = NULL;

  if (!g_hash_table_steal_extended (self->retries, media_id, (gpointer *) &key, (gpointer *) &tasks))
    return;
  for (guint i = 0; i < tasks->len; i++)
    wabiz_media_store_get_info_async (self->store, media_id, NULL, retry_info_cb,
                                      g_object_ref (g_ptr_array_index (tasks, i)));
}

static void
add_retry (WabizMediaFetcher *self,
           const char        *media_id,
           GTask             *task)
{
  GPtrArray *tasks = g_hash_table_lookup (self->retries, media_id);

  if (tasks == NULL)
    {
      tasks = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->retries, g_strdup (media_id), tasks);
    }
  g_ptr_array_add (tasks, task);
}

/* After a round: retries of media no fetch here took get their answer. */
static void
return_unclaimed_retries (WabizMediaFetcher *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *media_id;

  g_hash_table_iter_init (&iter, self->retries);
  while (g_hash_table_iter_next (&iter, (gpointer *) &media_id, NULL))
    if (!g_hash_table_contains (self->in_flight, media_id))
      g_ptr_array_add (ids, g_strdup (media_id));
  for (guint i = 0; i < ids->len; i++)
    return_retries (self, g_ptr_array_index (ids, i));
}

/* @fetch is done, one way or another */
static void
finish_fetch (Fetch *fetch)
{
  g_autoptr(WabizMediaFetcher) self = g_object_ref (fetch->self);

  g_assert (self->n_fetching > 0);
  self->n_fetching--;
  /* A retry may have claimed the media again before this fetch's end
   * reached here (its failure was in the database first): the retries
   * wait for that newer fetch, which took the media's place. */
  if (g_hash_table_lookup (self->in_flight, fetch->media_id) == fetch)
    {
      g_hash_table_remove (self->in_flight, fetch->media_id);
      return_retries (self, fetch->media_id);
    }
  fetch_free (fetch);

  /* a free slot: anything else due? */
  wabiz_worker_release (WABIZ_WORKER (self), TRUE);
}

static void
emit_changed (WabizMediaFetcher *self,
              const char        *media_id,
              WabizMediaState    state)
{
  g_signal_emit (self, signals[SIGNAL_MEDIA_CHANGED], 0, media_id, state);
}

static void
fail_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fetch *fetch = user_data;
  WabizMediaFetcher *self = fetch->self;
  FailJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* the claim runs out and another try takes the row */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Media %s stays claimed: the database was closed", fetch->media_id);
      else
        g_warning ("Cannot record that media %s was not fetched: %s", fetch->media_id,
                   error->message);
    }
  else if (job->recorded)
    {
      WabizMediaState state = WABIZ_MEDIA_STATE_FAILED;

      _wabiz_media_state_from_string (job->state, &state);
      emit_changed (self, fetch->media_id, state);
      wabiz_worker_look_in (WABIZ_WORKER (self), job->due_in_s);
    }
  finish_fetch (fetch);
}

/* What a failed try means: the row's next state and the failure's word;
 * @final: trying again by itself cannot help. */
static void
classify_error (const GError  *error,
                const char   **state,
                const char   **failure,
                gboolean      *final)
{
  *state = "failed";
  *failure = "server";
  *final = FALSE;

  if (error->domain == FETCH_ERROR)
    {
      *failure = error->code == FETCH_ERROR_TYPE   ? "type"
                 : error->code == FETCH_ERROR_SIZE ? "size"
                                                   : "damaged";
      *final = error->code != FETCH_ERROR_DAMAGED;
      return;
    }

  if (error->domain == WABIZ_GRAPH_ERROR)
    {
      guint status = wabiz_graph_error_get_http_status (error);

      switch (error->code)
        {
        case WABIZ_GRAPH_ERROR_INVALID_PARAMETER:
          /* 100 (subcode 33): no such object, or no longer */
          *state = "gone";
          *failure = "not-found";
          *final = TRUE;
          return;
        case WABIZ_GRAPH_ERROR_HTTP:
          if (status == 404 || status == 410)
            {
              *state = "gone";
              *failure = "not-found";
              *final = TRUE;
            }
          return;
        case WABIZ_GRAPH_ERROR_ACCESS_TOKEN:
        case WABIZ_GRAPH_ERROR_AUTH_EXCEPTION:
          *failure = "auth";
          return;
        case WABIZ_GRAPH_ERROR_NETWORK:
        case WABIZ_GRAPH_ERROR_AMBIGUOUS:
          *failure = "network";
          return;
        case WABIZ_GRAPH_ERROR_CHECKSUM:
          *failure = "damaged";
          return;
        case WABIZ_GRAPH_ERROR_MEDIA_TOO_LARGE:
          *failure = "size";
          *final = TRUE;
          return;
        case WABIZ_GRAPH_ERROR_MEDIA_TYPE:
          *failure = "type";
          *final = TRUE;
          return;
        default:
          return;
        }
    }

  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR ||
      error->domain == G_TLS_ERROR)
    *failure = "network";
}

/* Records why @fetch failed (or, cancelled, hands it back), then ends it. */
static void
fail_fetch (Fetch        *fetch,
            const GError *error)
{
  WabizMediaFetcher *self = fetch->self;
  FailJob *job = g_new0 (FailJob, 1);
  const char *state, *failure;

  job->row_id = g_strdup (fetch->row_id);
  job->claim_token = g_strdup (fetch->claim_token);
  job->release = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  if (!job->release)
    {
      classify_error (error, &state, &failure, &job->final);
      job->state = g_strdup (state);
      job->failure = g_strdup (failure);
      job->error = wabiz_worker_error_text (error);
      wabiz_worker_get_backoff (WABIZ_WORKER (self), &job->backoff);
      g_message ("Media %s not fetched (%s, %s): %s", fetch->media_id, state, failure,
                 job->error);
    }

  /* not cancellable: the row must be handed back even while stopping */
  wabiz_worker_run_job (WABIZ_WORKER (self), fail_fetch, fail_job, job,
                        (GDestroyNotify) fail_job_free, fail_done_cb, fetch);
}

static void
store_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;
  WabizMediaFetcher *self = fetch->self;
  StoreJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      fail_fetch (fetch, error);
      return;
    }

  /* moved into the cache, or deleted with the fetch */
  if (job->cache_path != NULL)
    g_clear_pointer (&fetch->download, g_free);

  if (job->stored)
    {
      self->n_stored++;
      g_debug ("Media %s stored", fetch->media_id);
      emit_changed (self, fetch->media_id, WABIZ_MEDIA_STATE_STORED);
      for (guint i = 0; i < job->removed->len; i++)
        {
          const char *removed = g_ptr_array_index (job->removed, i);

          g_message ("Media %s removed from the database to stay within the budget", removed);
          emit_changed (self, removed, WABIZ_MEDIA_STATE_REMOVED);
        }
    }
  else
    g_debug ("Media %s was taken over by another fetcher", fetch->media_id);

  finish_fetch (fetch);
}

static void
downloaded_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;
  WabizMediaFetcher *self = fetch->self;
  g_autoptr(GError) error = NULL;
  StoreJob *job;

  fetch->download = wabiz_graph_client_download_media_finish (WABIZ_GRAPH_CLIENT (object), result,
                                                              &error);
  if (fetch->download == NULL)
    {
      fail_fetch (fetch, error);
      return;
    }

  job = g_new0 (StoreJob, 1);
  job->row_id = g_strdup (fetch->row_id);
  job->claim_token = g_strdup (fetch->claim_token);
  job->media_id = g_strdup (fetch->media_id);
  job->kind = g_strdup (fetch->kind);
  job->claimed_mime = g_strdup (fetch->claimed_mime != NULL ? fetch->claimed_mime
                                                            : fetch->info->mime_type);
  job->announced_size = fetch->info->file_size;
  job->download = g_strdup (fetch->download);
  job->cache_path_dir = g_strdup (wabiz_media_store_get_cache_dir (self->store));
  job->filename = g_strdup (fetch->filename);
  job->budget = self->budget;

  wabiz_worker_run_job (WABIZ_WORKER (self), downloaded_cb, store_job, job,
                        (GDestroyNotify) store_job_free, store_done_cb, fetch);
}

static void
got_info_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Fetch *fetch = user_data;
  WabizMediaFetcher *self = fetch->self;
  g_autoptr(GError) error = NULL;

  fetch->info = wabiz_graph_client_get_media_finish (WABIZ_GRAPH_CLIENT (object), result, &error);
  if (fetch->info == NULL)
    {
      fail_fetch (fetch, error);
      return;
    }
  if (fetch->info->file_size > MAX_MEDIA_BYTES)
    {
      g_set_error (&error, FETCH_ERROR, FETCH_ERROR_SIZE,
                   "WhatsApp announced %" G_GINT64_FORMAT " bytes", fetch->info->file_size);
      fail_fetch (fetch, error);
      return;
    }

  /* at once: the URL lives minutes (the download resolves it again and
   * checks the webhook's sha256) */
  wabiz_graph_client_download_media_async (self->graph, fetch->media_id, fetch->claimed_sha256,
                                           self->staging_dir,
                                           wabiz_worker_get_cancellable (WABIZ_WORKER (self)),
                                           downloaded_cb, fetch);
}

static void
start_fetch (WabizMediaFetcher *self,
             Fetch             *fetch)
{
  fetch->self = g_object_ref (self);
  self->n_fetching++;
  /* replace: the key is the newest fetch's own id */
  g_hash_table_replace (self->in_flight, fetch->media_id, fetch);
  wabiz_worker_hold (WABIZ_WORKER (self));

  if (wabiz_worker_is_stopped (WABIZ_WORKER (self)))
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Stopped");

      fail_fetch (fetch, error);
      return;
    }

  g_debug ("Fetching media %s (%s)", fetch->media_id, fetch->kind);
  emit_changed (self, fetch->media_id, WABIZ_MEDIA_STATE_FETCHING);
  wabiz_graph_client_get_media_async (self->graph, fetch->media_id,
                                      wabiz_worker_get_cancellable (WABIZ_WORKER (self)), got_info_cb,
                                      fetch);
}

static gpointer
new_round (WabizWorker *worker,
           gboolean     all)
{
  WabizMediaFetcher *self = WABIZ_MEDIA_FETCHER (worker);

  if (self->n_fetching >= MAX_IN_FLIGHT)
    return NULL;
  return round_new (all, NULL, MAX_IN_FLIGHT - self->n_fetching);
}

static double
round_done (WabizWorker  *worker,
            gpointer      data,
            const GError *error)
{
  WabizMediaFetcher *self = WABIZ_MEDIA_FETCHER (worker);
  Round *round = data;

  /* claimed while stopping: start_fetch() hands them back */
  while (error == NULL && round->fetches->len > 0)
    start_fetch (self, g_ptr_array_steal_index (round->fetches, 0));
  return_unclaimed_retries (self);
  return error == NULL ? round->due_in_s : -1;
}

static void
retry_claimed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) retry = user_data;
  WabizMediaFetcher *self = g_task_get_source_object (retry);
  Round *round = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (retry, error);
      return;
    }

  /* answered when this try ends; or, when a fetch or a round of this
   * fetcher took it first, when that one ends; or now (stored already,
   * or fetched by another desktop) */
  add_retry (self, round->only, g_steal_pointer (&retry));
  if (round->fetches->len > 0)
    start_fetch (self, g_ptr_array_steal_index (round->fetches, 0));
  else if (!g_hash_table_contains (self->in_flight, round->only) &&
           !wabiz_worker_is_in_round (WABIZ_WORKER (self)))
    return_retries (self, round->only);
}

/* ------------------------------------------------------------------ */

static void
start_rounds (WabizWorker *worker)
{
  WabizMediaFetcher *self = WABIZ_MEDIA_FETCHER (worker);

  if (self->graph == NULL)
    {
      g_message ("No access token or phone number: customers' files are not fetched until they "
                 "are set up");
      return;
    }

  WABIZ_WORKER_CLASS (wabiz_media_fetcher_parent_class)->start (worker);
}

static void
wabiz_media_fetcher_dispose (GObject *object)
{
  WabizMediaFetcher *self = WABIZ_MEDIA_FETCHER (object);

  g_clear_object (&self->graph);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (wabiz_media_fetcher_parent_class)->dispose (object);
}

static void
wabiz_media_fetcher_finalize (GObject *object)
{
  WabizMediaFetcher *self = WABIZ_MEDIA_FETCHER (object);

  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_clear_pointer (&self->retries, g_hash_table_unref);
  g_free (self->staging_dir);

  G_OBJECT_CLASS (wabiz_media_fetcher_parent_class)->finalize (object);
}

static void
wabiz_media_fetcher_class_init (WabizMediaFetcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  WabizWorkerClass *worker_class = WABIZ_WORKER_CLASS (klass);

  object_class->dispose = wabiz_media_fetcher_dispose;
  object_class->finalize = wabiz_media_fetcher_finalize;

  worker_class->what = "media to fetch";
  worker_class->poll_interval_s = DEFAULT_POLL_INTERVAL_S;
  worker_class->poll_looks_at_all = TRUE;
  worker_class->min_delay_ms = MIN_TIMER_MS;
  worker_class->backoff_initial_ms = DEFAULT_BACKOFF_INITIAL_MS;
  worker_class->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
  worker_class->backoff_max_attempts = DEFAULT_MAX_ATTEMPTS;
  worker_class->start = start_rounds;
  worker_class->new_round = new_round;
  worker_class->round_free = (GDestroyNotify) round_free;
  worker_class->round_on_conn = round_on_conn;
  worker_class->round_done = round_done;

  /**
   * WabizMediaFetcher::media-changed:
   * @media_id: the media's id
   * @state: its new state (a #WabizMediaState)
   *
   * This fetcher changed a media's state. Changes made elsewhere come as
   * the listener's `changed::media`, with the media id as the id.
   */
  signals[SIGNAL_MEDIA_CHANGED] = g_signal_new ("media-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 2, G_TYPE_STRING,
                                                WABIZ_TYPE_MEDIA_STATE);
}

static void
wabiz_media_fetcher_init (WabizMediaFetcher *self)
{
  self->in_flight = g_hash_table_new (g_str_hash, g_str_equal);
  self->retries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->budget = WABIZ_MEDIA_DEFAULT_BUDGET;
}

WabizMediaFetcher *
wabiz_media_fetcher_new (WabizDb          *db,
                         WabizGraphClient *graph,
                         const char       *cache_dir)
{
  WabizMediaFetcher *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (graph == NULL || WABIZ_IS_GRAPH_CLIENT (graph), NULL);

  self = g_object_new (WABIZ_TYPE_MEDIA_FETCHER, "db", db, NULL);
  self->graph = graph != NULL ? g_object_ref (graph) : NULL;
  self->store = wabiz_media_store_new (db, cache_dir);
  self->staging_dir = g_build_filename (wabiz_media_store_get_cache_dir (self->store), ".incoming",
                                        NULL);
  return self;
}

/* The reader of the same database and cache, for the app's bubbles. */
WabizMediaStore *
wabiz_media_fetcher_get_store (WabizMediaFetcher *self)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_FETCHER (self), NULL);

  return self->store;
}

void
wabiz_media_fetcher_set_budget (WabizMediaFetcher *self,
                                guint64            bytes)
{
  g_return_if_fail (WABIZ_IS_MEDIA_FETCHER (self));

  self->budget = bytes;
}

guint64
wabiz_media_fetcher_get_budget (WabizMediaFetcher *self)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_FETCHER (self), 0);

  return self->budget;
}

void
wabiz_media_fetcher_set_poll_interval (WabizMediaFetcher *self,
                                       guint              seconds)
{
  g_return_if_fail (WABIZ_IS_MEDIA_FETCHER (self));

  wabiz_worker_set_poll_interval (WABIZ_WORKER (self), seconds);
}

void
_wabiz_media_fetcher_set_backoff (WabizMediaFetcher *self,
                                  guint              initial_ms,
                                  guint              max_ms,
                                  guint              max_attempts)
{
  g_return_if_fail (WABIZ_IS_MEDIA_FETCHER (self));

  _wabiz_worker_set_backoff (WABIZ_WORKER (self), initial_ms, max_ms, max_attempts);
}

/* wabiz_media_fetcher_start() (catches up on every message), _wake() (a
 * message was stored here or elsewhere; after a reconnect too),
 * _stop_async() (the media being fetched is released: another fetcher
 * takes it), _stop_finish() */
WABIZ_WORKER_DEFINE_API (WabizMediaFetcher, wabiz_media_fetcher, WABIZ_TYPE_MEDIA_FETCHER)

void
wabiz_media_fetcher_retry_async (WabizMediaFetcher   *self,
                                 const char          *media_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_MEDIA_FETCHER (self));
  g_return_if_fail (media_id != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_media_fetcher_retry_async);

  if (!_wabiz_media_id_is_valid (media_id))
    {
      g_task_return_new_error (task, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_FOUND,
                               _("“%s” is not a media id"), media_id);
      return;
    }
  if (self->graph == NULL)
    {
      g_task_return_new_error (task, WABIZ_MEDIA_ERROR, WABIZ_MEDIA_ERROR_NOT_SET_UP,
                               _("Files cannot be downloaded until WhatsApp is set up. Enter the "
                                 "access token and the phone number id in Preferences."));
      return;
    }
  if (wabiz_worker_is_stopped (WABIZ_WORKER (self)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The media fetcher has stopped");
      return;
    }

  wabiz_worker_run_job (WABIZ_WORKER (self), wabiz_media_fetcher_retry_async, retry_job,
                        round_new (FALSE, media_id, 1), (GDestroyNotify) round_free,
                        retry_claimed_cb, g_steal_pointer (&task));
}

WabizMediaInfo *
wabiz_media_fetcher_retry_finish (WabizMediaFetcher  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_FETCHER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_media_fetcher_retry_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Files this fetcher stored since it was made. */
guint64
wabiz_media_fetcher_get_n_stored (WabizMediaFetcher *self)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_FETCHER (self), 0);

  return self->n_stored;
}
