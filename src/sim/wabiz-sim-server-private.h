/* wabiz-sim-server-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * The instance struct of WabizSimServer and the internal API its parts
 * share: wabiz-sim-server.c (object, routing, control API, config),
 * wabiz-sim-messages.c (sending and status webhooks),
 * wabiz-sim-media.c, wabiz-sim-templates.c, wabiz-sim-inbound.c and
 * wabiz-sim-gemini.c.
 */

#pragma once

#include <libsoup/soup.h>

#include "wabiz-sim-server.h"
#include "wabiz-sim-util.h"
#include "wabiz-sim-webhooks.h"

G_BEGIN_DECLS

typedef enum
{
  WABIZ_SIM_WINDOW_ENFORCE,
  WABIZ_SIM_WINDOW_OPEN,
  WABIZ_SIM_WINDOW_ENFORCE_ASYNC,
} WabizSimWindowPolicy;

typedef enum
{
  WABIZ_SIM_REVIEW_AUTO,
  WABIZ_SIM_REVIEW_APPROVE,
  WABIZ_SIM_REVIEW_REJECT,
  WABIZ_SIM_REVIEW_MANUAL,
} WabizSimReviewMode;

typedef struct
{
  double                throughput;               /* messages/s, 0: unlimited */
  WabizSimWindowPolicy  window_policy;
  gint64                window_seconds;
  GHashTable           *undeliverable;            /* (owned) wa_id set */
  gboolean              undeliverable_immediate;  /* 400 131026 instead of a failed status */
  double                failure_rate;
  gint64                failure_code;
  double                duplicate_rate;
  gboolean              out_of_order;
  guint                 status_delay_ms;
  guint                 send_latency_ms;          /* POST /messages answers this late */
  gboolean              read_receipts;
  char                 *pricing_model;            /* (owned) CBP or PMP */
  gboolean              token_expired;
  guint                 media_url_ttl_s;
  guint                 template_review_delay_ms;
  WabizSimReviewMode    template_review;
  char                 *template_reject_pattern;  /* (owned) */
  char                 *template_reject_reason;   /* (owned) */
  GArray               *gemini_fail_next;         /* (owned) of guint */
  guint                 gemini_latency_ms;
  guint                 gemini_stream_chunk_delay_ms;
  char                 *gemini_retry_delay;       /* (owned) e.g. "2s" */
  guint32               seed;
  guint                 ledger_limit;             /* oldest entries dropped past this */
} WabizSimConfig;

typedef struct
{
  char   *id;
  char   *mime_type;
  char   *filename;       /* (nullable) */
  GBytes *data;
  char   *sha256_hex;
  char   *sha256_b64;
  GArray *fail_next;      /* (owned) (nullable) of guint: statuses for the next downloads */
  gboolean held;          /* downloads wait until wabiz_sim_server_release_media() */
  GPtrArray *waiting;     /* (owned) (nullable) of SoupServerMessage: held downloads */
} WabizSimMedia;

typedef struct
{
  WabizSimServer *server;           /* (unowned) */
  guint64         seq;              /* creation order, for paging cursors */
  char           *id;
  char           *name;
  char           *language;
  char           *category;
  char           *status;
  char           *reason;           /* (nullable) */
  char           *parameter_format; /* POSITIONAL or NAMED */
  JsonArray      *components;       /* (owned) */
  GSource        *review;           /* (owned) (nullable) pending review */
} WabizSimTemplate;

/* a session of the Resumable Upload API (wabiz-sim-uploads.c) */
typedef struct _WabizSimUpload WabizSimUpload;

struct _WabizSimServer
{
  GObject           parent_instance;

  char             *host;
  guint             port;
  guint             bound_port;
  char             *base_url;               /* (nullable) while stopped */
  char             *initial_webhook_url;    /* (nullable) */
  char             *access_token;
  char             *app_secret;
  char             *phone_number_id;
  char             *waba_id;
  char             *gemini_key;
  char             *app_id;                 /* the Meta app of the token */
  char             *display_phone_number;

  SoupServer       *soup;                   /* (owned) (nullable) */
  WabizSimWebhooks *webhooks;               /* (owned) */
  GRand            *rand;                   /* (owned) seeded: config.seed */
  WabizSimConfig    config;
  guint8            nonce[16];              /* per process, keeps ids unique */
  guint64           counter;
  guint64           id_base;

  GHashTable       *windows;                /* wa_id → gint64 * last inbound, unix s */
  GArray           *send_times;             /* gint64 monotonic µs of recent sends */
  GPtrArray        *ledger;                 /* JsonObject * */
  guint64           ledger_seq;
  GHashTable       *media;                  /* id → WabizSimMedia * */
  GPtrArray        *templates;              /* WabizSimTemplate *, by seq */
  guint64           template_seq;
  GHashTable       *conversations;          /* "wa_id|category" → JsonObject * */
  GHashTable       *deferred;               /* SoupServerMessage * → Deferred * */
  GHashTable       *uploads;                /* "upload:…" → WabizSimUpload * */
  GHashTable       *upload_handles;         /* handles given, a set */

  guint64           n_accepted;
  guint64           n_rejected;
  guint64           n_inbound;
  guint64           n_media_lookups;        /* GET /{media-id} answered */
  guint64           n_media_downloads;      /* media bytes served whole */
  guint64           n_gemini;
  guint64           n_gemini_injected;
};

typedef gboolean (*WabizSimDeferredFunc) (WabizSimServer    *self,
                                          SoupServerMessage *msg,
                                          gpointer           data);

/* wabiz-sim-server.c */
gint64            _wabiz_sim_now_s                      (void);
void              _wabiz_sim_reply_object_not_found     (SoupServerMessage *msg,
                                                         const char        *id);
gboolean          _wabiz_sim_server_check_token         (WabizSimServer    *self,
                                                         SoupServerMessage *msg);
char             *_wabiz_sim_server_new_wamid           (WabizSimServer    *self,
                                                         const char        *wa_id,
                                                         gboolean           inbound);
char             *_wabiz_sim_server_new_object_id       (WabizSimServer    *self);
char             *_wabiz_sim_server_new_hex_id          (WabizSimServer    *self,
                                                         guint              n_chars);
double            _wabiz_sim_server_random              (WabizSimServer    *self);
JsonObject       *_wabiz_sim_server_new_messages_value  (WabizSimServer    *self);
JsonNode         *_wabiz_sim_server_wrap_value          (WabizSimServer    *self,
                                                         const char        *field,
                                                         JsonObject        *value,
                                                         gboolean           with_time);
void              _wabiz_sim_server_deliver             (WabizSimServer    *self,
                                                         JsonNode          *envelope,
                                                         guint              delay_ms);
void              _wabiz_sim_server_open_window         (WabizSimServer    *self,
                                                         const char        *wa_id,
                                                         gint64             timestamp_s);
gboolean          _wabiz_sim_server_window_is_open      (WabizSimServer    *self,
                                                         const char        *wa_id);
void              _wabiz_sim_server_defer               (WabizSimServer    *self,
                                                         SoupServerMessage *msg,
                                                         guint              delay_ms,
                                                         guint              interval_ms,
                                                         WabizSimDeferredFunc func,
                                                         gpointer           data,
                                                         GDestroyNotify     destroy);

/* wabiz-sim-messages.c */
void              _wabiz_sim_server_handle_messages     (WabizSimServer    *self,
                                                         SoupServerMessage *msg);
void              _wabiz_sim_server_ledger_clear        (WabizSimServer    *self);

/* wabiz-sim-media.c */
void              _wabiz_sim_media_free                 (WabizSimMedia     *media);
WabizSimMedia    *_wabiz_sim_server_add_media           (WabizSimServer    *self,
                                                         GBytes            *data,
                                                         const char        *mime_type,
                                                         const char        *filename);
GBytes           *_wabiz_sim_placeholder_media          (const char        *mime_type);
void              _wabiz_sim_server_prepare_upload      (WabizSimServer    *self,
                                                         SoupServerMessage *msg);
void              _wabiz_sim_server_handle_upload       (WabizSimServer    *self,
                                                         SoupServerMessage *msg);
void              _wabiz_sim_server_handle_media        (WabizSimServer    *self,
                                                         SoupServerMessage *msg,
                                                         WabizSimMedia     *media);
void              _wabiz_sim_server_handle_download     (WabizSimServer    *self,
                                                         SoupServerMessage *msg,
                                                         const char        *media_id,
                                                         GHashTable        *query);
void              _wabiz_sim_server_media_stats         (WabizSimServer    *self,
                                                         JsonObject        *media);

/* wabiz-sim-templates.c */
void              _wabiz_sim_template_free              (WabizSimTemplate  *tpl);
void              _wabiz_sim_server_seed_templates      (WabizSimServer    *self);
WabizSimTemplate *_wabiz_sim_server_find_template       (WabizSimServer    *self,
                                                         const char        *name,
                                                         const char        *language);
WabizSimTemplate *_wabiz_sim_server_find_template_by_id (WabizSimServer    *self,
                                                         const char        *id);
void              _wabiz_sim_server_handle_templates    (WabizSimServer    *self,
                                                         SoupServerMessage *msg,
                                                         const char        *version,
                                                         GHashTable        *query);
void              _wabiz_sim_server_handle_template     (WabizSimServer    *self,
                                                         SoupServerMessage *msg,
                                                         WabizSimTemplate  *tpl);
guint             _wabiz_sim_template_count_params      (WabizSimTemplate  *tpl,
                                                         const char        *component_type,
                                                         GPtrArray         *named_out);
JsonObject       *_wabiz_sim_template_get_component     (WabizSimTemplate  *tpl,
                                                         const char        *type);

/* wabiz-sim-uploads.c */
void              _wabiz_sim_upload_free                (WabizSimUpload    *upload);
void              _wabiz_sim_server_handle_app          (WabizSimServer    *self,
                                                         SoupServerMessage *msg);
void              _wabiz_sim_server_open_upload         (WabizSimServer    *self,
                                                         SoupServerMessage *msg,
                                                         GHashTable        *query);
void              _wabiz_sim_server_handle_upload_session (WabizSimServer  *self,
                                                         SoupServerMessage *msg,
                                                         const char        *id,
                                                         GHashTable        *query);
gboolean          _wabiz_sim_server_knows_handle        (WabizSimServer    *self,
                                                         const char        *handle);

/* wabiz-sim-inbound.c */
JsonObject       *_wabiz_sim_server_inject             (WabizSimServer    *self,
                                                         JsonNode          *spec,
                                                         GError           **error);

/* wabiz-sim-gemini.c */
void              _wabiz_sim_server_handle_gemini       (WabizSimServer    *self,
                                                         SoupServerMessage *msg,
                                                         const char        *path,
                                                         GHashTable        *query);
void              _wabiz_sim_server_handle_gemini_control (WabizSimServer    *self,
                                                         SoupServerMessage *msg,
                                                         const char        *sub,
                                                         GHashTable        *query);
void              _wabiz_sim_server_gemini_reset        (WabizSimServer    *self);

G_END_DECLS
