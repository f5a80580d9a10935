/* wabiz-webhook-parser.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Meta's webhook payloads: the X-Hub-Signature-256 check and the parser
 * that turns one verified body into rows to write. Pure functions: no
 * database, no I/O, so that a fuzzer can drive them.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * wabiz_webhook_verify_signature:
 * @app_secret: the App Secret
 * @body: (array length=length): the raw request body
 * @header: (nullable): the X-Hub-Signature-256 value, "sha256=<hex>"
 *
 * Constant time in the digest; the hex compares case-insensitively. A
 * body carrying raw UTF-8 also verifies against the digest of its
 * \uXXXX-escaped form (Meta signs that form).
 */
gboolean wabiz_webhook_verify_signature (const char   *app_secret,
                                         const guint8 *body,
                                         gsize         length,
                                         const char   *header);
/* "sha256=<lowercase hex>" of @body with @app_secret */
char    *wabiz_webhook_sign             (const char   *app_secret,
                                         const guint8 *body,
                                         gsize         length);
/* Constant time in the contents for equal lengths. */
gboolean wabiz_webhook_secure_equal     (const char   *a,
                                         const char   *b);

/* One inbound message, as the columns of `messages` (text values, NULL
 * for SQL NULL; *_json are JSON texts for jsonb columns). */
typedef struct
{
  char     *wamid;
  char     *from;            /* wa_id of the sender */
  char     *profile_name;    /* (nullable) from contacts[] */
  char     *timestamp;       /* epoch seconds, digits */
  char     *type;
  char     *text;            /* (nullable) messages.message: body, title, emoji… */
  char     *caption;
  char     *media_type;      /* image, video, audio, document, sticker */
  char     *media_id;
  char     *media_mime;
  char     *media_sha256;
  char     *media_filename;
  char     *reply_to;        /* context.id, or the reacted-to wamid */
  gboolean  forwarded;
  char     *error_code;      /* digits */
  char     *error_title;
  char     *error_details;
  char     *content_json;    /* the type's own object, plus context */
  char     *referral_json;
  char     *raw_json;        /* the whole message object */
} WabizWebhookMessage;

typedef struct
{
  char *wamid;
  char *status;
  char *timestamp;           /* epoch seconds, digits */
  char *recipient_id;
  char *error_code;
  char *error_title;
  char *error_details;
  char *conversation_json;
  char *pricing_json;
} WabizWebhookStatus;

typedef struct
{
  char *field;               /* message_template_status_update, …_quality_update, template_category_update */
  char *time;                /* entry[].time, epoch seconds */
  char *template_id;
  char *name;
  char *language;
  char *event;               /* status updates */
  char *reason;              /* NULL for NONE */
  char *quality;             /* quality updates: new score */
  char *previous_quality;
  char *category;            /* category updates: new category */
  char *previous_category;
} WabizWebhookTemplate;

typedef struct
{
  GPtrArray *messages;       /* (element-type WabizWebhookMessage) */
  GPtrArray *statuses;       /* (element-type WabizWebhookStatus) */
  GPtrArray *templates;      /* (element-type WabizWebhookTemplate) */
  guint      n_ignored;      /* changes of other numbers or unknown fields */
  char      *foreign_phone_number_id;  /* (nullable) the first other number a
                                        * change was for: its changes are not
                                        * in this payload */
} WabizWebhookPayload;

/**
 * wabiz_webhook_parse:
 * @body: (array length=length): a verified body
 * @phone_number_id: (nullable): only changes for this number are taken;
 *   %NULL takes every number
 *
 * Valid JSON of an unknown shape gives an empty payload. Fails (a
 * WABIZ_ERROR_INVALID_INPUT) on invalid JSON and on a known object
 * missing what it cannot do without (a message with no id or sender).
 */
WabizWebhookPayload *wabiz_webhook_parse         (const char           *body,
                                                  gsize                 length,
                                                  const char           *phone_number_id,
                                                  GError              **error);
void                 wabiz_webhook_payload_free  (WabizWebhookPayload  *payload);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizWebhookPayload, wabiz_webhook_payload_free)

G_END_DECLS
