/* wabiz-alerts.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

/**
 * WabizAlertKind:
 * @WABIZ_ALERT_MESSAGE: a customer wrote (in a muted conversation too: its muted is set)
 * @WABIZ_ALERT_SEND_FAILED: WhatsApp did not deliver a message of ours
 *
 * What the desktop tells its owner of while they look elsewhere.
 */
typedef enum
{
  WABIZ_ALERT_MESSAGE,
  WABIZ_ALERT_SEND_FAILED,
} WabizAlertKind;

typedef struct
{
  WabizAlertKind  kind;
  char           *message_id;  /* the message's uuid */
  char           *phone;
  char           *name;        /* (nullable) the lead's name, else their WhatsApp name */
  char           *type;        /* the message's type: text, image, … */
  char           *text;        /* (nullable) its text, caption or file name */
  char           *error;       /* (nullable) Meta's reason, for a failed send */
  gboolean        muted;       /* its conversation is muted: not to be told */
} WabizAlert;

void wabiz_alert_free (WabizAlert *alert);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizAlert, wabiz_alert_free)

/* A template's review as it stands */
typedef struct
{
  char *name;
  char *language;
  char *status;   /* APPROVED, REJECTED, PENDING, … */
  char *reason;   /* (nullable) why it was rejected */
} WabizAlertTemplate;

void wabiz_alert_template_free (WabizAlertTemplate *template_);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizAlertTemplate, wabiz_alert_template_free)

/* Mutes (or unmutes) the conversation with @phone on every desktop
 * sharing the database; announced as changed::conversations. */
void       wabiz_alerts_set_muted_async       (WabizDb             *db,
                                               const char          *phone,
                                               gboolean             muted,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean   wabiz_alerts_set_muted_finish      (GAsyncResult        *result,
                                               GError             **error);
void       wabiz_alerts_get_muted_async       (WabizDb             *db,
                                               const char          *phone,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean   wabiz_alerts_get_muted_finish      (GAsyncResult        *result,
                                               gboolean            *muted,
                                               GError             **error);

/* The messages customers sent (those of muted conversations marked) and our
 * sends that failed since @since (the database's clock, as the previous
 * call's @now gave it; NULL: none, only @now), oldest first. Rows of the
 * two minutes before @since come again (a transaction that committed
 * late): the caller skips those it has seen. */
void       wabiz_alerts_collect_async         (WabizDb             *db,
                                               const char          *since,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* (element-type WabizAlert): @now: (out): the database's time of the look */
GPtrArray *wabiz_alerts_collect_finish        (GAsyncResult        *result,
                                               char               **now,
                                               GError             **error);

/* (element-type WabizAlertTemplate): every template's review */
void       wabiz_alerts_load_templates_async  (WabizDb             *db,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GPtrArray *wabiz_alerts_load_templates_finish (GAsyncResult        *result,
                                               GError             **error);

G_END_DECLS
