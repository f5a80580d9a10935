/* wabiz-opt-out.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Customers who asked for no more messages: found in what they write
 * (a message that is only a stop word: STOP, PARAR, SAIR, BAJA,
 * UNSUBSCRIBE, …, configurable in campaign_settings), set by hand, and
 * checked by any code that sends on its own (campaigns, auto-replies).
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-outbox.h"
#include "wabiz-worker.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_OPT_OUT (wabiz_opt_out_get_type ())
G_DECLARE_FINAL_TYPE (WabizOptOut, wabiz_opt_out, WABIZ, OPT_OUT, WabizWorker)

/* @outbox: (nullable): without it no confirmation is sent */
WabizOptOut *wabiz_opt_out_new           (WabizDb              *db,
                                          WabizOutbox          *outbox);
/* Looks at the inbound messages of the last days not looked at yet,
 * then at new ones whenever woken (changed::messages, the processor's
 * "processed"). Each message is looked at once, whichever process does. */
void         wabiz_opt_out_start         (WabizOptOut          *self);
void         wabiz_opt_out_wake          (WabizOptOut          *self);
void         wabiz_opt_out_stop_async    (WabizOptOut          *self,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean     wabiz_opt_out_stop_finish   (WabizOptOut          *self,
                                          GAsyncResult         *result,
                                          GError              **error);

/* The text as words are compared: case, accents, punctuation, symbols
 * and surrounding space ignored ("  Arrêt! " → "arret"); NULL when
 * nothing is left. */
char        *wabiz_opt_out_normalize     (const char           *text);

/* Whether the customer with @phone opted out (FALSE for an unknown
 * number). Errors: WABIZ_ERROR_INVALID_PHONE, WABIZ_DB_ERROR. The same
 * check in SQL: wabiz_is_opted_out(phone). */
void         wabiz_opt_out_check_async   (WabizDb              *db,
                                          const char           *phone,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean     wabiz_opt_out_check_finish  (GAsyncResult         *result,
                                          GError              **error);
/* By hand: opts the lead with @phone out (or back in), recording when.
 * Errors: WABIZ_ERROR_INVALID_PHONE, WABIZ_ERROR_NOT_FOUND (no lead). */
void         wabiz_opt_out_set_async     (WabizDb              *db,
                                          const char           *phone,
                                          gboolean              opted_out,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean     wabiz_opt_out_set_finish    (GAsyncResult         *result,
                                          GError              **error);

G_END_DECLS
