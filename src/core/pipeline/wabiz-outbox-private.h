/* wabiz-outbox-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * What the outbox's files share: the object (wabiz-outbox.c: queue,
 * wait, the message-settled signal), its sender (wabiz-outbox-sender.c)
 * and its spool (wabiz-outbox-spool.c).
 */

#pragma once

#include "wabiz-outbox.h"

G_BEGIN_DECLS

/* what a message in doubt says (N_: untranslated in the database) */
#define WABIZ_OUTBOX_UNKNOWN_TITLE N_("Not known whether this was sent; check before resending")
/* what a message whose spool copy went says */
#define WABIZ_OUTBOX_SPOOL_GONE N_("The copy of this file kept for sending is gone; attach the file again")

typedef /* sends in flight at once, at most */
#define WABIZ_OUTBOX_MAX_IN_FLIGHT 256

struct _WabizOutboxLock WabizOutboxLock;

struct _WabizOutbox
{
  GObject           parent_instance;

  WabizDb          *db;            /* (owned) */
  WabizGraphClient *graph;         /* (owned) */
  double            rate;

  /* the sender */
  WabizOutboxLock  *lock;          /* (owned) (nullable) while a lock thread runs */
  int               lock_pid;      /* the lock's session while this is the sender */
  char             *retry_token;   /* (owned) (nullable) a claim whose answer was lost */
  char             *sender_problem; /* (owned) (nullable) what stops sending */
  gboolean          started;
  gboolean          is_sender;
  gboolean          stopping;
  gboolean          recovering;
  gboolean          recovered;     /* since the lock was taken */
  gboolean          claiming;
  gboolean          idle;
  guint             acquire_id;
  guint             timer_id;

  double            tokens;
  gint64            last_refill;   /* monotonic µs */
  gint64            paused_until;  /* monotonic µs */
  gint64            next_poll;     /* monotonic µs */
  guint             in_flight;     /* sends and their result writes */
  guint             max_in_flight; /* sends at once, at most */
  guint             claim_repeats; /* test hook: each claim sent this many times */
  GPtrArray        *stop_tasks;    /* (owned) of GTask */

  GHashTable       *waiters;       /* uuid → GPtrArray of GTask (owned) */

  /* set once in init, read by jobs on worker threads */
  char             *spool_dir;     /* (owned) */
  char             *spool_owner;   /* (owned) host and spool: outbox.media_host */
};

/* ------------------------------------------------------------------ */
/* wabiz-outbox.c */

/* What a message came to, for the message-settled signal and waiters */
typedef struct
{
  const char *status;         /* accepted, sent, failed, unknown or cancelled */
  const char *wamid;          /* (nullable) */
  const char *error_code;     /* (nullable) Meta's, for failed */
  const char *error_title;    /* (nullable) */
  const char *error_details;  /* (nullable) */
} WabizOutboxSettled;

void     _wabiz_outbox_settle         (WabizOutbox                *self,
                                       const char                 *uuid,
                                       const WabizOutboxSettled   *settled);
/* The is-sender and sender-problem properties, notified when they change */
void     _wabiz_outbox_set_is_sender  (WabizOutbox                *self,
                                       gboolean                    is_sender);
void     _wabiz_outbox_set_sender_problem (WabizOutbox            *self,
                                           const char             *problem);

typedef gboolean (*WabizOutboxTransactionFunc) (WabizDbConn *conn,
                                                gpointer     data,
                                                GError     **error);

/* Runs @func in a transaction: rolled back when it fails, committed
 * when it succeeds. On a worker thread. */
gboolean _wabiz_outbox_transaction    (WabizDbConn                *conn,
                                       WabizOutboxTransactionFunc  func,
                                       gpointer                    data,
                                       GError                    **error);

/* ------------------------------------------------------------------ */
/* wabiz-outbox-sender.c */

/* Stops it for good; for dispose */
void     _wabiz_outbox_sender_dispose (WabizOutbox                *self);
/* Test hook: at most @n sends at once (default 256). With 1, messages
 * reach Meta exactly in the order they are claimed. */
void     _wabiz_outbox_set_max_in_flight (WabizOutbox             *self,
                                          guint                    n);
/* Test hook: sends each claim @n times (default 1), keeping the last
 * answer, as the database layer does when a connection breaks after the
 * server ran the statement but before its answer came back. */
void     _wabiz_outbox_set_claim_repeats (WabizOutbox             *self,
                                          guint                    n);

/* ------------------------------------------------------------------ */
/* wabiz-outbox-spool.c: local copies of queued attachments. These
 * block: worker threads only. */

typedef struct
{
  char    *path;         /* (owned) the copy, <spool>/<random>/<name> */
  char    *local_path;   /* (owned) the original */
  char    *name;         /* (owned) */
  char    *mime;         /* (owned) */
  goffset  size;
} WabizOutboxSpooled;

void                _wabiz_outbox_spooled_free                (WabizOutboxSpooled *spooled);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizOutboxSpooled, _wabiz_outbox_spooled_free)

/* Checks @file against Meta's limits for @kind, copies it into the
 * spool, checks the copy. */
WabizOutboxSpooled *_wabiz_outbox_spool_file                  (WabizOutbox        *self,
                                                               GFile              *file,
                                                               const char         *kind,
                                                               GCancellable       *cancellable,
                                                               GError            **error);
/* The file to upload for a row naming @path: the real path of a regular
 * file inside the spool, or NULL and an error that says why not (the
 * copy is gone; it is outside the spool). */
char               *_wabiz_outbox_spool_resolve               (WabizOutbox        *self,
                                                               const char         *path,
                                                               GError            **error);
/* @path: a copy no row names any more */
void                _wabiz_outbox_spool_remove                (WabizOutbox        *self,
                                                               const char         *path);
/* Deletes this spool's copies whose messages are settled; outside a
 * transaction. */
void                _wabiz_outbox_spool_sweep_on_conn         (WabizOutbox        *self,
                                                               WabizDbConn        *conn);
/* Deletes old copies no row names (a crash between copy and commit). */
void                _wabiz_outbox_spool_sweep_orphans_on_conn (WabizOutbox        *self,
                                                               WabizDbConn        *conn);

G_END_DECLS
