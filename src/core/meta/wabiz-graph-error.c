/* wabiz-graph-error.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Graph API's error domain. Graph errors become WABIZ_GRAPH_ERROR
 * with Meta's code as the GError code, and Meta's subcode, title,
 * details, fbtrace id, Retry-After and "is this worth retrying" attached
 * (an extended GError domain, so they survive g_error_copy and GTask).
 */

#define G_LOG_DOMAIN "wabiz-graph-error"

#include "config.h"

#include "wabiz-graph-error-private.h"
#include "wabiz-graph-json-private.h"

#include <glib/gi18n-lib.h>

#include <string.h>

typedef struct
{
  int       subcode;
  char     *title;
  char     *details;
  char     *fbtrace_id;
  guint     http_status;
  guint     retry_after_ms;   /* from the Retry-After header, 0: none */
  gboolean  transient;        /* Meta's is_transient */
  gboolean  ambiguous;        /* the request left, the answer was lost */
} WabizGraphErrorPrivate;

static void
wabiz_graph_error_private_init (WabizGraphErrorPrivate *priv)
{
}

static void
wabiz_graph_error_private_copy (const WabizGraphErrorPrivate *src,
                                WabizGraphErrorPrivate       *dest)
{
  dest->subcode = src->subcode;
  dest->title = g_strdup (src->title);
  dest->details = g_strdup (src->details);
  dest->fbtrace_id = g_strdup (src->fbtrace_id);
  dest->http_status = src->http_status;
  dest->retry_after_ms = src->retry_after_ms;
  dest->transient = src->transient;
  dest->ambiguous = src->ambiguous;
}

static void
wabiz_graph_error_private_clear (WabizGraphErrorPrivate *priv)
{
  g_clear_pointer (&priv->title, g_free);
  g_clear_pointer (&priv->details, g_free);
  g_clear_pointer (&priv->fbtrace_id, g_free);
}

G_DEFINE_EXTENDED_ERROR (WabizGraphError, wabiz_graph_error)

static WabizGraphErrorPrivate *
graph_error_private (const GError *error)
{
  if (error == NULL || error->domain != WABIZ_GRAPH_ERROR)
    return NULL;
  return wabiz_graph_error_get_private (error);
}

/**
 * wabiz_graph_error_new:
 * @code: Meta's error code (or a negative WaBiz code)
 * @subcode: Meta's error_subcode, 0 for none
 * @title: (nullable): Meta's title
 * @details: (nullable): Meta's error_data.details
 *
 * For errors that come back from storage or a webhook rather than from
 * a call: the message names the title and the code.
 */
GError *
wabiz_graph_error_new (int         code,
                       int         subcode,
                       const char *title,
                       const char *details)
{
  WabizGraphErrorPrivate *priv;
  GError *error;

  if (title != NULL && details != NULL && !g_str_equal (title, details))
    /* Translators: WhatsApp's error title, its details and Meta's error number */
    error = g_error_new (WABIZ_GRAPH_ERROR, code, _("WhatsApp: %s: %s (error %d)"),
                         title, details, code);
  else if (title != NULL)
    /* Translators: WhatsApp's error title and Meta's error number */
    error = g_error_new (WABIZ_GRAPH_ERROR, code, _("WhatsApp: %s (error %d)"), title, code);
  else
    error = g_error_new (WABIZ_GRAPH_ERROR, code, _("WhatsApp refused the request (error %d)"),
                         code);

  priv = wabiz_graph_error_get_private (error);
  priv->subcode = subcode;
  priv->title = g_strdup (title);
  priv->details = g_strdup (details);
  return error;
}

int
wabiz_graph_error_get_subcode (const GError *error)
{
  WabizGraphErrorPrivate *priv = graph_error_private (error);

  return priv ? priv->subcode : 0;
}

const char *
wabiz_graph_error_get_title (const GError *error)
{
  WabizGraphErrorPrivate *priv = graph_error_private (error);

  return priv ? priv->title : NULL;
}

const char *
wabiz_graph_error_get_details (const GError *error)
{
  WabizGraphErrorPrivate *priv = graph_error_private (error);

  return priv ? priv->details : NULL;
}

const char *
wabiz_graph_error_get_fbtrace_id (const GError *error)
{
  WabizGraphErrorPrivate *priv = graph_error_private (error);

  return priv ? priv->fbtrace_id : NULL;
}

guint
wabiz_graph_error_get_http_status (const GError *error)
{
  WabizGraphErrorPrivate *priv = graph_error_private (error);

  return priv ? priv->http_status : 0;
}

gboolean
wabiz_graph_error_is_ambiguous (const GError *error)
{
  WabizGraphErrorPrivate *priv = graph_error_private (error);

  return priv != NULL && (priv->ambiguous || error->code == WABIZ_GRAPH_ERROR_AMBIGUOUS);
}

gboolean
wabiz_graph_error_is_retryable (const GError *error)
{
  WabizGraphErrorPrivate *priv = graph_error_private (error);

  if (priv == NULL || priv->ambiguous)
    return FALSE;

  switch (error->code)
    {
    case WABIZ_GRAPH_ERROR_NETWORK:
    case WABIZ_GRAPH_ERROR_UNKNOWN:
    case WABIZ_GRAPH_ERROR_SERVICE:
    case WABIZ_GRAPH_ERROR_APP_RATE_LIMIT:
    case WABIZ_GRAPH_ERROR_WABA_RATE_LIMIT:
    case WABIZ_GRAPH_ERROR_THROUGHPUT:
    case WABIZ_GRAPH_ERROR_SOMETHING_WRONG:
    case 131016:   /* service unavailable */
    case WABIZ_GRAPH_ERROR_PAIR_RATE_LIMIT:
    case 131057:   /* account in maintenance */
      return TRUE;

    case WABIZ_GRAPH_ERROR_HTTP:
      return priv->http_status == 429 || priv->http_status == 502 || priv->http_status == 503;

    default:
      return priv->transient;
    }
}

guint
wabiz_graph_error_get_retry_after_ms (const GError *error)
{
  WabizGraphErrorPrivate *priv = graph_error_private (error);

  if (priv == NULL)
    return 0;
  if (priv->retry_after_ms > 0)
    return priv->retry_after_ms;

  switch (error->code)
    {
    case WABIZ_GRAPH_ERROR_THROUGHPUT:
      return 2000;
    case WABIZ_GRAPH_ERROR_PAIR_RATE_LIMIT:
      return 6000;
    case WABIZ_GRAPH_ERROR_APP_RATE_LIMIT:
    case WABIZ_GRAPH_ERROR_WABA_RATE_LIMIT:
      return 60000;
    default:
      return 0;
    }
}

static guint
parse_retry_after (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *trimmed = NULL;
  guint64 seconds;

  if (value == NULL)
    return 0;

  trimmed = g_strstrip (g_strdup (value));
  if (g_ascii_string_to_unsigned (trimmed, 10, 0, 86400, &seconds, NULL))
    return (guint) seconds * 1000;

  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return 0;
  now = g_date_time_new_now_utc ();
  return (guint) CLAMP (g_date_time_difference (when, now) / 1000, 0, 86400 * 1000);
}

GError *
_wabiz_graph_error_new_local (int         code,
                              gboolean    ambiguous,
                              const char *message)
{
  GError *error = g_error_new_literal (WABIZ_GRAPH_ERROR, code, message);

  wabiz_graph_error_get_private (error)->ambiguous = ambiguous;
  return error;
}

GError *
_wabiz_graph_error_new_transport (gboolean      sent,
                                  const GError *cause)
{
  GError *error;

  if (!sent)
    {
      /* Translators: %s is the network error */
      g_autofree char *message = g_strdup_printf (_("Could not reach WhatsApp: %s"), cause->message);

      error = _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_NETWORK, FALSE, message);
    }
  else
    {
      g_autofree char *message =
        g_strdup_printf (_("The connection to WhatsApp broke after the request was sent (%s); it may have been accepted"),
                         cause->message);

      error = _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_AMBIGUOUS, TRUE, message);
    }
  return error;
}

GError *
_wabiz_graph_error_new_response (SoupMessage *msg,
                                 JsonNode    *root)
{
  guint status = soup_message_get_status (msg);
  JsonObject *err = root && JSON_NODE_HOLDS_OBJECT (root)
                    ? wabiz_json_object_member (json_node_get_object (root), "error") : NULL;
  WabizGraphErrorPrivate *priv;
  GError *error;

  if (err != NULL && json_object_has_member (err, "code"))
    {
      int code = (int) _wabiz_graph_json_get_int (err, "code", WABIZ_GRAPH_ERROR_UNKNOWN);
      const char *message = wabiz_json_string_member (err, "message");
      const char *user_title = wabiz_json_string_member (err, "error_user_title");
      const char *details = wabiz_json_string_member (wabiz_json_object_member (err, "error_data"),
                                                          "details");
      /* a refused template says why in error_user_msg, without error_data */
      if (details == NULL)
        details = wabiz_json_string_member (err, "error_user_msg");
      g_autofree char *title = NULL;
      JsonNode *transient;

      if (user_title != NULL)
        title = g_strdup (user_title);
      else if (message != NULL && g_str_has_prefix (message, "(#") && strstr (message, ") ") != NULL)
        title = g_strdup (strstr (message, ") ") + 2);
      else
        title = g_strdup (message);

      error = wabiz_graph_error_new (code, (int) _wabiz_graph_json_get_int (err, "error_subcode", 0),
                                     title, details);
      priv = wabiz_graph_error_get_private (error);
      priv->fbtrace_id = g_strdup (wabiz_json_string_member (err, "fbtrace_id"));
      transient = json_object_get_member (err, "is_transient");
      priv->transient = transient != NULL && JSON_NODE_HOLDS_VALUE (transient)
                        && json_node_get_value_type (transient) == G_TYPE_BOOLEAN
                        && json_node_get_boolean (transient);
      g_debug ("Graph error %d/%d (HTTP %u, fbtrace_id %s)", code, priv->subcode, status,
               priv->fbtrace_id ? priv->fbtrace_id : "-");
    }
  else if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      error = _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_BAD_RESPONSE, FALSE,
                                            _("WhatsApp sent an answer WaBiz does not understand"));
      priv = wabiz_graph_error_get_private (error);
    }
  else
    {
      /* Translators: %u is an HTTP status code, %s its reason */
      g_autofree char *message = g_strdup_printf (_("WhatsApp answered with HTTP %u %s"), status,
                                                  soup_message_get_reason_phrase (msg)
                                                  ? soup_message_get_reason_phrase (msg) : "");

      /* a 500 or 504 without a Graph body: Meta may have acted on it */
      error = _wabiz_graph_error_new_local (WABIZ_GRAPH_ERROR_HTTP, status == 500 || status == 504, message);
      priv = wabiz_graph_error_get_private (error);
    }

  /* a 2xx nobody can read: the request may have been acted on */
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    priv->ambiguous = TRUE;
  priv->http_status = status;
  priv->retry_after_ms = parse_retry_after (msg);
  return error;
}
