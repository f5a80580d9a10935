/* wabiz-media-fetcher.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-graph-client.h"
#include "wabiz-media-store.h"
#include "wabiz-worker.h"

G_BEGIN_DECLS

/* What media may take in the database by default (Supabase's free plan
 * allows 500 MB in all). */
#define WABIZ_MEDIA_DEFAULT_BUDGET ((guint64) 200 * 1024 * 1024)

#define WABIZ_TYPE_MEDIA_FETCHER (wabiz_media_fetcher_get_type ())
G_DECLARE_FINAL_TYPE (WabizMediaFetcher, wabiz_media_fetcher, WABIZ, MEDIA_FETCHER, WabizWorker)

/* @graph: (nullable): without it nothing is fetched, and files already
 * stored can still be opened (wabiz_media_fetcher_get_store())
 * @cache_dir: (nullable): this desktop's cache, see wabiz_media_store_new() */
WabizMediaFetcher *wabiz_media_fetcher_new               (WabizDb             *db,
                                                          WabizGraphClient    *graph,
                                                          const char          *cache_dir);
WabizMediaStore   *wabiz_media_fetcher_get_store         (WabizMediaFetcher   *self);
/* Bytes the stored files may take in the database together; past it the
 * originals of the oldest messages are removed (state REMOVED). */
void               wabiz_media_fetcher_set_budget        (WabizMediaFetcher   *self,
                                                          guint64              bytes);
guint64            wabiz_media_fetcher_get_budget        (WabizMediaFetcher   *self);
/* Seconds between looks for media nothing announced (default 300; 0:
 * none). */
void               wabiz_media_fetcher_set_poll_interval (WabizMediaFetcher   *self,
                                                          guint                seconds);

/* Catches up on every message with media not fetched yet, then fetches
 * whenever woken (a message stored here or, through NOTIFY, elsewhere),
 * at each retry's time and every poll interval. */
void               wabiz_media_fetcher_start             (WabizMediaFetcher   *self);
void               wabiz_media_fetcher_wake              (WabizMediaFetcher   *self);
/* Releases the media being fetched (another fetcher takes them) and
 * stops. */
void               wabiz_media_fetcher_stop_async        (WabizMediaFetcher   *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean           wabiz_media_fetcher_stop_finish       (WabizMediaFetcher   *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* The bubble's "Retry": fetches @media_id now, whatever its state
 * (failed, gone, removed; a stored file is left as it is), and returns
 * its state after that try. */
void               wabiz_media_fetcher_retry_async       (WabizMediaFetcher   *self,
                                                          const char          *media_id,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
WabizMediaInfo    *wabiz_media_fetcher_retry_finish      (WabizMediaFetcher   *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

guint64            wabiz_media_fetcher_get_n_stored      (WabizMediaFetcher   *self);

G_END_DECLS
