/* wabiz-rest-api.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The REST API of the FastAPI service WaBiz replaces, same paths, bodies
 * and response fields (DESIGN.md "Interfaces"), plus /health,
 * /openapi.json, /docs, /analytics, /conversations/{phone}/export and
 * PATCH /leads/{phone}. Every call but /docs (the documentation, which
 * shows no data) needs "Authorization: Bearer <key>".
 *
 * Statuses: 400 body not JSON or not an object; 401 no or wrong key;
 * 404 unknown endpoint, lead, conversation or template; 405 wrong
 * method; 413 body over its route's limit (64 KiB); 415 body not
 * application/json; 422 a field missing, of the wrong type or not
 * acceptable (phone number, enum, 24-hour window, Meta refused); 429 too
 * many requests; 503 the database or the sender is not available.
 *
 * This file holds the object, the key and rate checks, and the route
 * table every call is dispatched from; the calls themselves are in
 * wabiz-rest-api-{reads,sends,templates}.c, what they share in
 * wabiz-rest-api-input.c. The OpenAPI document is wabiz-openapi.json, in
 * the http layer's GResource.
 */

#define G_LOG_DOMAIN "wabiz-rest-api"

#include "config.h"

#include "wabiz-http-resources.h"
#include "wabiz-http-server.h"
#include "wabiz-rest-api.h"
#include "wabiz-rest-api-private.h"
#include "wabiz-secrets.h"

#include <glib/gi18n.h>
#include <string.h>

#define DEFAULT_SEND_TIMEOUT_MS 30000
/* calls without the right key, per client, before 429 */
#define DEFAULT_FAILURE_RATE (1.0 / 6)
#define DEFAULT_FAILURE_BURST 20
/* clients whose failures are remembered */
#define MAX_FAILING_CLIENTS 4096
#define OPENAPI_PATH "/org/example/WaBiz/http/wabiz-openapi.json"

G_DEFINE_FINAL_TYPE (WabizRestApi, wabiz_rest_api, G_TYPE_OBJECT)

/* ------------------------------------------------------------------ */
/* the routes */

static void
handle_openapi (WabizRestApi      *self,
                SoupServerMessage *msg,
                GHashTable        *query,
                const char        *param)
{
  _wabiz_rest_reply_raw_json (msg, SOUP_STATUS_OK, wabiz_rest_api_get_openapi ());
}

/* The same document as a page to read: no key, no data, nothing from
 * elsewhere. */
static void
handle_docs (WabizRestApi      *self,
             SoupServerMessage *msg,
             GHashTable        *query,
             const char        *param)
{
  static char *page = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (g_once_init_enter (&page))
    {
      char *html = _wabiz_rest_docs_html (wabiz_rest_api_get_openapi ());

      g_assert (html != NULL);
      g_once_init_leave (&page, html);
    }
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC, page, strlen (page));
}

typedef struct
{
  const char       *method;
  const char       *path;       /* a {…} segment matches any one segment */
  WabizRestHandler  handler;
  gsize             max_body;   /* bytes a request's body may have */
  gboolean          public;     /* answered without the key: it shows no data */
} Route;

/* Every call, as wabiz-openapi.json documents it. */
static const Route routes[] = {
  { "POST",  "/send-message",                 _wabiz_rest_handle_send_message,     WABIZ_REST_MAX_BODY, FALSE },
  { "POST",  "/send-media",                   _wabiz_rest_handle_send_media,       WABIZ_REST_MAX_BODY, FALSE },
  { "POST",  "/send-template",                _wabiz_rest_handle_send_template,    WABIZ_REST_MAX_BODY, FALSE },
  { "POST",  "/template/send",                _wabiz_rest_handle_template_send,    WABIZ_REST_MAX_BODY, FALSE },
  { "POST",  "/template/create",              _wabiz_rest_handle_template_create,  WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/recent-messages",              _wabiz_rest_handle_recent_messages,  WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/get-conversation",             _wabiz_rest_handle_get_conversation, WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/leads",                        _wabiz_rest_handle_leads,            WABIZ_REST_MAX_BODY, FALSE },
  { "PATCH", "/leads/{phone}",                _wabiz_rest_handle_patch_lead,       WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/conversations/{phone}/export", _wabiz_rest_handle_export,           WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/analytics",                    _wabiz_rest_handle_analytics,        WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/analytics/failures",           _wabiz_rest_handle_analytics_failures, WABIZ_REST_MAX_BODY, FALSE },
  { "POST",  "/campaigns",                    _wabiz_rest_handle_campaigns_create, WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/campaigns",                    _wabiz_rest_handle_campaigns_list,   WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/campaigns/{id}",               _wabiz_rest_handle_campaign_get,     WABIZ_REST_MAX_BODY, FALSE },
  { "POST",  "/campaigns/{id}/pause",         _wabiz_rest_handle_campaign_pause,   WABIZ_REST_MAX_BODY, FALSE },
  { "POST",  "/campaigns/{id}/resume",        _wabiz_rest_handle_campaign_resume,  WABIZ_REST_MAX_BODY, FALSE },
  { "POST",  "/campaigns/{id}/cancel",        _wabiz_rest_handle_campaign_cancel,  WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/health",                       _wabiz_rest_handle_health,           WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/openapi.json",                 handle_openapi,                      WABIZ_REST_MAX_BODY, FALSE },
  { "GET",   "/docs",                         handle_docs,                         WABIZ_REST_MAX_BODY, TRUE },
};

/* Whether @path (still percent-encoded) is @pattern; the text of its {…}
 * segment, unescaped, in @param. */
static gboolean
match_path (const char  *pattern,
            const char  *path,
            char       **param)
{
  const char *p = pattern;
  const char *q = path;
  const char *segment = NULL;
  gsize length = 0;

  while (*p != '\0' && *q != '\0')
    {
      if (*p == '{')
        {
          const char *end = strchr (q, '/');

          length = end != NULL ? (gsize) (end - q) : strlen (q);
          if (length == 0)
            return FALSE;
          segment = q;
          q += length;
          p = strchr (p, '}') + 1;
        }
      else if (*p++ != *q++)
        return FALSE;
    }
  if (*p != '\0' || *q != '\0')
    return FALSE;

  if (segment != NULL && param != NULL)
    {
      *param = g_uri_unescape_segment (segment, segment + length, NULL);
      if (*param == NULL)
        *param = g_strdup ("");
    }
  return TRUE;
}

/* The route for @method on @path, or NULL with the methods the path takes
 * in @allow. @public: whether the path needs no key. */
static const Route *
find_route (const char  *method,
            const char  *path,
            char       **param,
            GString     *allow,
            gboolean    *public)
{
  gboolean any = FALSE;

  *public = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      if (!match_path (routes[i].path, path, NULL))
        continue;
      any = TRUE;
      *public &= routes[i].public;
      if (g_str_equal (routes[i].method, method))
        {
          match_path (routes[i].path, path, param);
          return &routes[i];
        }
      if (allow != NULL)
        g_string_append_printf (allow, "%s%s", allow->len > 0 ? ", " : "", routes[i].method);
    }
  *public &= any;
  return NULL;
}

/* ------------------------------------------------------------------ */
/* the key and the rate */

static gboolean
take_token (WabizRestApi *self)
{
  gint64 now = g_get_monotonic_time ();

  self->tokens = MIN (self->burst, self->tokens + (now - self->tokens_at) / (double) G_USEC_PER_SEC * self->rate);
  self->tokens_at = now;
  if (self->tokens < 1.0)
    return FALSE;
  self->tokens -= 1.0;
  return TRUE;
}

typedef struct
{
  double tokens;
  gint64 at;
} Bucket;

static double
bucket_refill (WabizRestApi *self,
               Bucket       *bucket,
               gint64        now)
{
  return MIN (self->failure_burst,
              bucket->tokens + (now - bucket->at) / (double) G_USEC_PER_SEC * self->failure_rate);
}

/* The client a failure counts against: its address (an IPv6 one by its
 * /64, which one machine usually has whole). */
static char *
client_of (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  GInetAddress *address;

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("");
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      const guint8 *bytes = g_inet_address_to_bytes (address);

      return g_strdup_printf ("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", bytes[0], bytes[1], bytes[2],
                              bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]);
    }
  return g_inet_address_to_string (address);
}

/* Counts a call without the right key against its client; FALSE once the
 * client has used up its allowance. */
static gboolean
take_failure (WabizRestApi      *self,
              SoupServerMessage *msg)
{
  g_autofree char *client = client_of (msg);
  gint64 now = g_get_monotonic_time ();
  Bucket *bucket = g_hash_table_lookup (self->failures, client);

  if (bucket == NULL)
    {
      if (g_hash_table_size (self->failures) >= MAX_FAILING_CLIENTS)
        {
          GHashTableIter iter;
          Bucket *old;

          /* forget the clients that are back to a full allowance */
          g_hash_table_iter_init (&iter, self->failures);
          while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &old))
            if (bucket_refill (self, old, now) >= self->failure_burst)
              g_hash_table_iter_remove (&iter);
          if (g_hash_table_size (self->failures) >= MAX_FAILING_CLIENTS)
            g_hash_table_remove_all (self->failures);
        }
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->failure_burst;
      bucket->at = now;
      g_hash_table_insert (self->failures, g_steal_pointer (&client), bucket);
    }

  bucket->tokens = bucket_refill (self, bucket, now);
  bucket->at = now;
  if (bucket->tokens < 1.0)
    return FALSE;
  bucket->tokens -= 1.0;
  return TRUE;
}

/* The key is checked before anything is spent: calls with the right key
 * are limited only by the rate of calls with the right key, and a flood
 * of wrong keys only limits its own client (429 once past its allowance
 * of failures). */
static gboolean
check_auth (WabizRestApi      *self,
            SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);

  if (self->api_key == NULL)
    {
      if (!self->warned_no_key)
        g_warning ("A REST call was refused: no API key is set (WABIZ_API_KEY), so the REST API is off");
      self->warned_no_key = TRUE;
      soup_message_headers_replace (response, "WWW-Authenticate", "Bearer realm=\"wabiz\"");
      wabiz_http_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "api_disabled",
                              _("The REST API has no key set on the server (WABIZ_API_KEY), so it refuses every call"));
      return FALSE;
    }

  if (header != NULL && g_ascii_strncasecmp (header, "Bearer ", 7) == 0 &&
      wabiz_http_secret_equal (header + 7, self->api_key))
    return TRUE;

  if (!take_failure (self, msg))
    {
      soup_message_headers_replace (response, "Retry-After", "10");
      wabiz_http_reply_error (msg, 429, "rate_limited",
                              _("Too many calls without the right API key; wait, then send the right one"));
      return FALSE;
    }
  soup_message_headers_replace (response, "WWW-Authenticate", "Bearer realm=\"wabiz\"");
  wabiz_http_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                          header == NULL ? _("Send “Authorization: Bearer <API key>”")
                                         : _("The API key is not right"));
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* dispatch */

/* Before the body is read: it may be as large as its route allows. */
static void
early_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  gboolean public;
  const Route *route = find_route (soup_server_message_get_method (msg), path, NULL, NULL, &public);

  if (route != NULL)
    wabiz_http_message_set_max_body (msg, route->max_body);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  WabizRestApi *self = user_data;
  g_autoptr(GString) allow = g_string_new (NULL);
  g_autofree char *param = NULL;
  gboolean public;
  const Route *route = find_route (soup_server_message_get_method (msg), path, &param, allow, &public);

  if (!public)
    {
      if (!check_auth (self, msg))
        return;
      if (!take_token (self))
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
          wabiz_http_reply_error (msg, 429, "rate_limited", _("Too many requests; slow down"));
          return;
        }
    }

  if (route != NULL)
    route->handler (self, msg, query, param);
  else if (allow->len > 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow->str);
      wabiz_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                              _("This endpoint does not take this method"));
    }
  else
    wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", _("No such endpoint"));
}

/* ------------------------------------------------------------------ */

static void
wabiz_rest_api_dispose (GObject *object)
{
  WabizRestApi *self = (WabizRestApi *) object;

  g_clear_object (&self->db);
  g_clear_object (&self->outbox);
  g_clear_object (&self->graph);
  g_clear_object (&self->template_ai);

  G_OBJECT_CLASS (wabiz_rest_api_parent_class)->dispose (object);
}

static void
wabiz_rest_api_finalize (GObject *object)
{
  WabizRestApi *self = (WabizRestApi *) object;

  wabiz_secret_wipe (&self->api_key);
  g_clear_pointer (&self->failures, g_hash_table_unref);

  G_OBJECT_CLASS (wabiz_rest_api_parent_class)->finalize (object);
}

static void
wabiz_rest_api_class_init (WabizRestApiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_rest_api_dispose;
  object_class->finalize = wabiz_rest_api_finalize;
}

static void
wabiz_rest_api_init (WabizRestApi *self)
{
  self->send_timeout_ms = DEFAULT_SEND_TIMEOUT_MS;
  self->rate = 100;
  self->burst = 200;
  self->tokens = self->burst;
  self->tokens_at = g_get_monotonic_time ();
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->failure_rate = DEFAULT_FAILURE_RATE;
  self->failure_burst = DEFAULT_FAILURE_BURST;
}

WabizRestApi *
wabiz_rest_api_new (WabizDb          *db,
                    WabizOutbox      *outbox,
                    WabizGraphClient *graph,
                    const char       *api_key)
{
  WabizRestApi *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (outbox == NULL || WABIZ_IS_OUTBOX (outbox), NULL);
  g_return_val_if_fail (graph == NULL || WABIZ_IS_GRAPH_CLIENT (graph), NULL);

  self = g_object_new (WABIZ_TYPE_REST_API, NULL);
  self->db = g_object_ref (db);
  self->outbox = outbox != NULL ? g_object_ref (outbox) : NULL;
  self->graph = graph != NULL ? g_object_ref (graph) : NULL;
  self->api_key = api_key != NULL && *api_key != '\0' ? g_strdup (api_key) : NULL;
  return self;
}

void
wabiz_rest_api_set_send_timeout (WabizRestApi *self,
                                 guint         timeout_ms)
{
  g_return_if_fail (WABIZ_IS_REST_API (self));

  self->send_timeout_ms = timeout_ms;
}

void
wabiz_rest_api_set_rate_limit (WabizRestApi *self,
                               double        per_second,
                               double        burst)
{
  g_return_if_fail (WABIZ_IS_REST_API (self));
  g_return_if_fail (per_second > 0 && burst >= 1);

  self->rate = per_second;
  self->burst = burst;
  self->tokens = burst;
  self->tokens_at = g_get_monotonic_time ();
}

void
_wabiz_rest_api_set_failure_limit (WabizRestApi *self,
                                   double        per_second,
                                   double        burst)
{
  g_return_if_fail (WABIZ_IS_REST_API (self));
  g_return_if_fail (per_second > 0 && burst >= 1);

  self->failure_rate = per_second;
  self->failure_burst = burst;
  g_hash_table_remove_all (self->failures);
}


void
wabiz_rest_api_attach (WabizRestApi *self,
                       SoupServer   *server)
{
  g_autoptr(GHashTable) prefixes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_if_fail (WABIZ_IS_REST_API (self));
  g_return_if_fail (SOUP_IS_SERVER (server));

  /* one handler for each first segment: the route table decides the rest
   * (an unknown path below it is a 404 of the REST API, after the key) */
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      const char *slash = strchr (routes[i].path + 1, '/');
      char *prefix = slash != NULL ? g_strndup (routes[i].path, slash - routes[i].path) : g_strdup (routes[i].path);

      if (!g_hash_table_add (prefixes, prefix))
        continue;
      soup_server_add_early_handler (server, prefix, early_cb, NULL, NULL);
      soup_server_add_handler (server, prefix, handler_cb, g_object_ref (self), g_object_unref);
    }
}

/* The OpenAPI 3 document of every route above (checked by tests/test-rest.c
 * with openapi-spec-validator when it is installed). */
const char *
wabiz_rest_api_get_openapi (void)
{
  static GBytes *document = NULL;

  if (g_once_init_enter (&document))
    {
      GBytes *bytes = g_resource_lookup_data (wabiz_http_get_resource (), OPENAPI_PATH,
                                              G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

      g_assert (bytes != NULL);
      g_once_init_leave (&document, bytes);
    }
  /* resource data always ends in a NUL */
  return g_bytes_get_data (document, NULL);
}
