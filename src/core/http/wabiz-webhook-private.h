/* wabiz-webhook-private.h: test hooks of WabizWebhook
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-webhook.h"

G_BEGIN_DECLS

/* Deliveries (and their bytes) held until their commit, and bytes of
 * the bodies on their way in, past which the next is answered 503
 * (default 1000, 64 MiB, 64 MiB). */
void  _wabiz_webhook_set_limits          (WabizWebhook *self,
                                          guint         max_pending,
                                          gsize         max_pending_bytes,
                                          gsize         max_receiving_bytes);
/* Bytes of the bodies being read now. */
gsize _wabiz_webhook_get_receiving_bytes (WabizWebhook *self);
/* Deliveries held now: queued, or in a commit. */
guint _wabiz_webhook_get_n_held          (WabizWebhook *self);
/* The most bytes hashed in one turn of the main loop (one chunk of a
 * body), so far. */
gsize _wabiz_webhook_get_max_hash_step   (WabizWebhook *self);

G_END_DECLS
