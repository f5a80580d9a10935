/* wabiz-media-store.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

/**
 * WabizMediaState:
 * @WABIZ_MEDIA_STATE_PENDING: not fetched yet (or waiting to be tried again)
 * @WABIZ_MEDIA_STATE_FETCHING: a fetcher (here or on another desktop) is downloading it
 * @WABIZ_MEDIA_STATE_STORED: in the database: wabiz_media_store_open_async() gives a file
 * @WABIZ_MEDIA_STATE_FAILED: the last try failed; see the info's message, and
 *   whether it is tried again by itself (next_attempt)
 * @WABIZ_MEDIA_STATE_GONE: WhatsApp no longer has the file; the customer must send it again
 * @WABIZ_MEDIA_STATE_REMOVED: stored once, then removed to keep the database
 *   within its budget; the message and its caption stay
 *
 * Where the file of a message with media is (data/sql/011-media.sql).
 */
typedef enum
{
  WABIZ_MEDIA_STATE_PENDING,
  WABIZ_MEDIA_STATE_FETCHING,
  WABIZ_MEDIA_STATE_STORED,
  WABIZ_MEDIA_STATE_FAILED,
  WABIZ_MEDIA_STATE_GONE,
  WABIZ_MEDIA_STATE_REMOVED,
} WabizMediaState;

GType       wabiz_media_state_get_type   (void) G_GNUC_CONST;
#define WABIZ_TYPE_MEDIA_STATE (wabiz_media_state_get_type ())
/* "pending", "fetching", …: the value of media.state */
const char *wabiz_media_state_to_string  (WabizMediaState  state);

/**
 * WabizMediaError:
 * @WABIZ_MEDIA_ERROR_NOT_FOUND: no inbound message has that media id
 * @WABIZ_MEDIA_ERROR_NOT_STORED: the file is not in the database (pending,
 *   fetching, failed, gone or removed: the message says which and what to do)
 * @WABIZ_MEDIA_ERROR_DAMAGED: the stored file does not match its checksum
 * @WABIZ_MEDIA_ERROR_NOT_SET_UP: no Graph client: nothing can be fetched
 */
typedef enum
{
  WABIZ_MEDIA_ERROR_NOT_FOUND,
  WABIZ_MEDIA_ERROR_NOT_STORED,
  WABIZ_MEDIA_ERROR_DAMAGED,
  WABIZ_MEDIA_ERROR_NOT_SET_UP,
} WabizMediaError;

#define WABIZ_MEDIA_ERROR (wabiz_media_error_quark ())
GQuark wabiz_media_error_quark (void);

/* What is known of one media (the row of media, or of its message while
 * no fetcher has seen it). */
typedef struct
{
  char            *media_id;
  char            *message_id;    /* the message's uuid */
  char            *kind;          /* image, video, audio, document, sticker */
  WabizMediaState  state;
  char            *mime_type;     /* (nullable) as checked once stored, else as claimed */
  gint64           size;          /* bytes, -1 while unknown */
  char            *sha256;        /* (nullable) hex, once stored */
  guint            attempts;
  GDateTime       *next_attempt;  /* (nullable) when it is tried again by itself */
  char            *failure;       /* (nullable) network, server, auth, damaged, type,
                                   * size, not-found, space */
  char            *message;       /* (nullable) for the user: why, and what to do */
} WabizMediaInfo;

#define WABIZ_TYPE_MEDIA_INFO (wabiz_media_info_get_type ())
GType           wabiz_media_info_get_type (void) G_GNUC_CONST;
WabizMediaInfo *wabiz_media_info_copy     (const WabizMediaInfo *info);
void            wabiz_media_info_free     (WabizMediaInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizMediaInfo, wabiz_media_info_free)

#define WABIZ_TYPE_MEDIA_STORE (wabiz_media_store_get_type ())
G_DECLARE_FINAL_TYPE (WabizMediaStore, wabiz_media_store, WABIZ, MEDIA_STORE, GObject)

/* @cache_dir: (nullable): where this desktop keeps the files it opened;
 * NULL: $XDG_CACHE_HOME/wabiz/media */
WabizMediaStore *wabiz_media_store_new            (WabizDb             *db,
                                                   const char          *cache_dir);
WabizDb         *wabiz_media_store_get_db         (WabizMediaStore     *self);
const char      *wabiz_media_store_get_cache_dir  (WabizMediaStore     *self);

/* The state of @media_id's file. */
void             wabiz_media_store_get_info_async  (WabizMediaStore     *self,
                                                    const char          *media_id,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
WabizMediaInfo  *wabiz_media_store_get_info_finish (WabizMediaStore     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* The path of @media_id's file in this desktop's cache: read from the
 * database the first time (checked against its sha256), from the cache
 * after. Fails with WABIZ_MEDIA_ERROR_NOT_STORED (and a message for the
 * user) while the file is not in the database. */
void             wabiz_media_store_open_async      (WabizMediaStore     *self,
                                                    const char          *media_id,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
char            *wabiz_media_store_open_finish     (WabizMediaStore     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

G_END_DECLS
