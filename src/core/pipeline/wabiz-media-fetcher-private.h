/* wabiz-media-fetcher-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Test hooks of the media fetcher.
 */

#pragma once

#include "wabiz-media-fetcher.h"

G_BEGIN_DECLS

/* The wait before try n + 1 is @initial_ms · 2^(n - 1), at most @max_ms,
 * ±20 %; after @max_attempts tries only a retry fetches again. */
void _wabiz_media_fetcher_set_backoff (WabizMediaFetcher *self,
                                       guint              initial_ms,
                                       guint              max_ms,
                                       guint              max_attempts);

G_END_DECLS
