/* wabiz-outbox-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * What the outbox's files share: the object (wabiz-outbox.c: queue,
 * wait, the message-settled signal), its spool (wabiz-outbox-spool.c)
 * and its sender (wabiz-outbox-sender.c).
 */

#pragma once

#include "wabiz-outbox.h"

G_BEGIN_DECLS

typedef struct _WabizOutboxLock WabizOutboxLock;

struct _WabizOutbox
{
  GObject           parent_instance;

  WabizDb          *db;            /* (owned) */
  WabizGraphClient *graph;         /* (owned) */
  double            rate;

  /* the sender */
  WabizOutboxLock  *lock;          /* (owned) (nullable) while a lock job runs */
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
  GPtrArray        *stop_tasks;    /* (owned) of GTask */

  GHashTable       *waiters;       /* uuid → GPtrArray of GTask (owned) */

  /* set once in init, read by jobs on worker threads */
  char             *spool_dir;     /* (owned) */
  char             *spool_owner;   /* (owned) host and spool: outbox.media_host */
};

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

void                _wabiz_outbox_spooled_free          (WabizOutboxSpooled *spooled);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizOutboxSpooled, _wabiz_outbox_spooled_free)

/* Checks @file against Meta's limits for @kind, copies it into the
 * spool, checks the copy. */
WabizOutboxSpooled *_wabiz_outbox_spool_file            (WabizOutbox        *self,
                                                         GFile              *file,
                                                         const char         *kind,
                                                         GCancellable       *cancellable,
                                                         GError            **error);
/* @path: a copy no row names any more */
void                _wabiz_outbox_spool_remove          (WabizOutbox        *self,
                                                         const char         *path);
/* Deletes this spool's copies whose messages are settled; outside a
 * transaction. */
void                _wabiz_outbox_spool_sweep_on_conn   (WabizOutbox        *self,
                                                         WabizDbConn        *conn);
/* Deletes old copies no row names (a crash between copy and commit). */
void                _wabiz_outbox_spool_sweep_orphans_on_conn (WabizOutbox  *self,
                                                         WabizDbConn        *conn);

G_END_DECLS
