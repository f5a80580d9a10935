/* wabiz-media-store-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * What the media fetcher (pipeline/) shares with the media store: the
 * cache's file names, the messages for the user, and the one write of a
 * file's bytes (libpq's binary format, so a 100 MB document is not sent
 * as 200 MB of hex).
 */

#pragma once

#include "wabiz-media-store.h"

G_BEGIN_DECLS

/* Whether @media_id can name a file: Meta's ids are digits; letters, '_'
 * and '-' are let through, nothing that could make a path. */
gboolean     _wabiz_media_id_is_valid            (const char      *media_id);
/* The cache file of @media_id (a valid one) in @cache_dir:
 * <media_id>.<extension of @mime, or of @filename for the types Meta has
 * no extension for>. Any thread. */
char        *_wabiz_media_cache_path             (const char      *cache_dir,
                                                  const char      *media_id,
                                                  const char      *mime,
                                                  const char      *filename);
/* For the user: what @state (with @failure) means and what to do, or NULL
 * when there is nothing to say (stored, fetching). */
const char  *_wabiz_media_describe               (WabizMediaState  state,
                                                  const char      *failure);
gboolean     _wabiz_media_state_from_string      (const char      *text,
                                                  WabizMediaState *state);

/* On a worker thread, inside the caller's transaction: @data becomes the
 * stored file of the media row @row_id, if @claim_token still holds its
 * claim. Returns FALSE with @error on a database error, and TRUE with
 * *@stored FALSE when the claim was lost (another fetcher took it). */
gboolean     _wabiz_media_store_save_on_conn     (WabizDbConn     *conn,
                                                  const char      *row_id,
                                                  const char      *claim_token,
                                                  const char      *mime,
                                                  const char      *sha256_hex,
                                                  GBytes          *data,
                                                  gboolean        *stored,
                                                  GError         **error);

G_END_DECLS
