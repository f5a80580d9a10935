/* wabiz-demo.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-sim-server.h"

G_BEGIN_DECLS

/* The verify token of the demo's webhook; not a secret, the simulator
 * never asks for it. */
#define WABIZ_DEMO_VERIFY_TOKEN "wabiz-demo-verify-token"

void     wabiz_demo_seed_async  (WabizDb              *db,
                                 WabizSimServer       *sim,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
gboolean wabiz_demo_seed_finish (GAsyncResult         *result,
                                 GError              **error);

G_END_DECLS
