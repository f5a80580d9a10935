/* wabiz-sim-util.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Small helpers shared by the simulator's modules: JSON in and out of
 * libsoup server messages, Graph and Gemini error bodies, the
 * `\uXXXX` escaping Meta signs webhooks with, HMAC and phone numbers.
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

char       *wabiz_sim_escape_non_ascii     (const char        *utf8,
                                            gsize              len,
                                            gsize             *out_len);
GBytes     *wabiz_sim_json_to_bytes        (JsonNode          *node);
char       *wabiz_sim_json_to_string       (JsonNode          *node);
char       *wabiz_sim_hmac_sha256_hex      (const char        *key,
                                            const guint8      *data,
                                            gsize              len);
gboolean    wabiz_sim_str_equal_const_time (const char        *a,
                                            const char        *b);
char       *wabiz_sim_normalize_wa_id      (const char        *input);
char       *wabiz_sim_random_token         (guint              len);
gboolean    wabiz_sim_set_str              (char             **str_pointer,
                                            const char        *new_str);
GSource    *wabiz_sim_timeout_source_new   (guint              interval_ms,
                                            GSourceFunc        func,
                                            gpointer           data,
                                            GDestroyNotify     notify);
void        wabiz_sim_source_clear         (GSource          **source);

/* Accessors for untrusted JSON: NULL (or the default) when the member
 * is missing or of another type, never a critical. */
gboolean    wabiz_sim_node_is_string       (JsonNode          *node);
gboolean    wabiz_sim_node_is_number       (JsonNode          *node);
gboolean    wabiz_sim_node_is_int          (JsonNode          *node);
gboolean    wabiz_sim_node_is_bool         (JsonNode          *node);
const char *wabiz_sim_object_get_string    (JsonObject        *object,
                                            const char        *key);
JsonObject *wabiz_sim_object_get_object    (JsonObject        *object,
                                            const char        *key);
JsonArray  *wabiz_sim_object_get_array     (JsonObject        *object,
                                            const char        *key);
gboolean    wabiz_sim_object_get_bool      (JsonObject        *object,
                                            const char        *key,
                                            gboolean           default_value);
gint64      wabiz_sim_object_get_int       (JsonObject        *object,
                                            const char        *key,
                                            gint64             default_value);
double      wabiz_sim_object_get_double    (JsonObject        *object,
                                            const char        *key,
                                            double             default_value);

JsonNode   *wabiz_sim_parse_json           (const char        *data,
                                            gsize              len,
                                            GError           **error);
void        wabiz_sim_reply_json           (SoupServerMessage *msg,
                                            guint              status,
                                            JsonNode          *node);
void        wabiz_sim_reply_object         (SoupServerMessage *msg,
                                            guint              status,
                                            JsonObject        *object);
void        wabiz_sim_reply_success        (SoupServerMessage *msg);

/* Graph API error bodies: {"error": {"message", "type", "code", ...}} */
typedef struct
{
  gint64      code;
  gint64      subcode;          /* 0: none */
  guint       http_status;      /* 0: 400 */
  const char *type;             /* NULL: OAuthException */
  const char *message;          /* NULL: the standard one for @code */
  char       *details;          /* (owned) (nullable) error_data.details */
  char       *user_title;       /* (owned) (nullable) */
  char       *user_msg;         /* (owned) (nullable) */
} WabizSimGraphError;

void        wabiz_sim_graph_error_clear    (WabizSimGraphError *error);
const char *wabiz_sim_graph_error_title    (gint64              code);
void        wabiz_sim_reply_graph_error    (SoupServerMessage  *msg,
                                            WabizSimGraphError *error);
void        wabiz_sim_reply_graph_simple   (SoupServerMessage  *msg,
                                            gint64              code,
                                            const char         *details_format,
                                            ...) G_GNUC_PRINTF (3, 4);

/* Gemini (Google API) error bodies: {"error": {"code", "message", "status"}} */
void        wabiz_sim_reply_google_error   (SoupServerMessage  *msg,
                                            guint               http_status,
                                            const char         *status,
                                            const char         *message,
                                            JsonArray          *details);

/* Control API error bodies: {"error": {"message": ...}} */
void        wabiz_sim_reply_control_error  (SoupServerMessage  *msg,
                                            guint               http_status,
                                            const char         *format,
                                            ...) G_GNUC_PRINTF (3, 4);

/* The control API's ?since= (0 when not given) in @since; FALSE once
 * @msg is answered with an error, where it is not a sequence number */
gboolean    wabiz_sim_query_get_since      (SoupServerMessage  *msg,
                                            GHashTable         *query,
                                            guint64            *since);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WabizSimGraphError, wabiz_sim_graph_error_clear)

G_END_DECLS
