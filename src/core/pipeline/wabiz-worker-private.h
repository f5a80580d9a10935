/* wabiz-worker-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Test hooks of the workers.
 */

#pragma once

#include "wabiz-worker.h"

G_BEGIN_DECLS

/* The wait before try n + 1 of a failed job is @initial_ms · 2^(n - 1),
 * at most @max_ms, ±20 %; after @max_attempts tries it waits for good
 * (a media file: until a retry by hand). */
void  _wabiz_worker_set_backoff  (WabizWorker *self,
                                  guint        initial_ms,
                                  guint        max_ms,
                                  guint        max_attempts);
/* Rounds that came back since the worker was made */
guint _wabiz_worker_get_n_rounds (WabizWorker *self);

G_END_DECLS
