/* wabiz-rest-api-private.h: test hooks of WabizRestApi, and what its
 * files share (wabiz-rest-api*.c: the object and its routes, reading a
 * request, the read-only calls, the sends, template creation, the
 * documentation page)
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

#include "wabiz-rest-api.h"
#include "wabiz-template-ai.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* test hooks */

/* Calls without the right key each client may make (@burst, then
 * @per_second) before 429; default 20, then one every 6 s. */
void _wabiz_rest_api_set_failure_limit (WabizRestApi *self,
                                        double        per_second,
                                        double        burst);

/* ------------------------------------------------------------------ */
/* shared by the wabiz-rest-api*.c files */

struct _WabizRestApi
{
  GObject           parent_instance;

  WabizDb          *db;           /* (owned) */
  WabizOutbox      *outbox;       /* (owned) (nullable) */
  WabizGraphClient *graph;        /* (owned) (nullable) */
  WabizTemplateAi  *template_ai;  /* (owned) (nullable) mode “ai” of /template/create */
  char             *api_key;      /* (owned) (nullable) */
  guint             send_timeout_ms;
  double            rate;
  double            burst;
  double            tokens;
  gint64            tokens_at;
  gboolean          warned_no_key;
  GHashTable       *failures;     /* (element-type utf8 Bucket) (owned) by client address */
  double            failure_rate;
  double            failure_burst;
};

#define WABIZ_REST_ISO_UTC(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* One call of a route: @param is the route's {…} segment, unescaped ("" when
 * it cannot be), or NULL for a route without one. */
typedef void (*WabizRestHandler) (WabizRestApi      *self,
                                  SoupServerMessage *msg,
                                  GHashTable        *query,
                                  const char        *param);

/* One request being answered asynchronously: holds @msg until freed. */
typedef struct
{
  WabizRestApi      *self;        /* (owned) */
  SoupServerMessage *msg;         /* (owned) */
  gboolean           not_found_is_template;
  gpointer           data;        /* (owned) by @data_free: the call's own */
  GDestroyNotify     data_free;
} WabizRestRequest;

WabizRestRequest *_wabiz_rest_request_new      (WabizRestApi       *self,
                                                SoupServerMessage  *msg);
void              _wabiz_rest_request_free     (WabizRestRequest   *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizRestRequest, _wabiz_rest_request_free)

/* answers */
void        _wabiz_rest_reply_raw_json         (SoupServerMessage  *msg,
                                                guint               status,
                                                const char         *json);
void        _wabiz_rest_reply_object           (SoupServerMessage  *msg,
                                                guint               status,
                                                JsonObject         *object);
void        _wabiz_rest_reply_db_error         (SoupServerMessage  *msg,
                                                const GError       *error);
/* Maps an error of the outbox, the Graph client or the database. */
void        _wabiz_rest_reply_error            (WabizRestRequest   *request,
                                                const GError       *error);
/* The sentence a Graph error gives the caller: Meta's title and its
 * reason, when it gave one. */
char       *_wabiz_rest_graph_error_text       (const GError       *error);
/* A Graph error's status and code, with @text (NULL: Meta's reason). */
void        _wabiz_rest_reply_graph_error      (SoupServerMessage  *msg,
                                                const GError       *error,
                                                const char         *text);

/* reading a request: each answers the error itself and returns
 * NULL/FALSE when the input is not acceptable */
JsonObject *_wabiz_rest_read_body              (SoupServerMessage  *msg);
gboolean    _wabiz_rest_get_string             (SoupServerMessage  *msg,
                                                JsonObject         *body,
                                                const char         *name,
                                                gboolean            required,
                                                gsize               max_chars,
                                                char              **out);
/* One string member to read: see _wabiz_rest_get_string(). */
typedef struct
{
  const char  *name;
  gboolean     required;
  gsize        max_chars;
  char       **out;
} WabizRestField;

/* Each of @fields in order; answers for the first one that is not
 * acceptable. */
gboolean    _wabiz_rest_get_strings            (SoupServerMessage    *msg,
                                                JsonObject           *body,
                                                const WabizRestField *fields,
                                                guint                 n_fields);
gboolean    _wabiz_rest_get_string_list        (SoupServerMessage  *msg,
                                                JsonObject         *body,
                                                const char         *name,
                                                char             ***out);
char       *_wabiz_rest_check_phone            (SoupServerMessage  *msg,
                                                const char         *phone);
gboolean    _wabiz_rest_get_query_int          (SoupServerMessage  *msg,
                                                GHashTable         *query,
                                                const char         *name,
                                                gint64              fallback,
                                                gint64              min,
                                                gint64              max,
                                                gint64             *out);

/* The page GET /docs answers: @openapi as HTML; NULL if it is not JSON. */
char *_wabiz_rest_docs_html              (const char *openapi);

/* the routes' handlers */
void _wabiz_rest_handle_recent_messages  (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_get_conversation (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_leads            (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_patch_lead       (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_export           (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_analytics        (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_analytics_failures (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_health           (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_send_message     (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_send_media       (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_send_template    (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_template_send    (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_template_create  (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_campaigns_create (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_campaigns_list   (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_campaign_get     (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_campaign_pause   (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_campaign_resume  (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);
void _wabiz_rest_handle_campaign_cancel  (WabizRestApi *self, SoupServerMessage *msg, GHashTable *query, const char *param);

G_END_DECLS
