/* wabiz-webhook.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Receiving Meta's webhooks, stage 1 of DESIGN.md "Data flows": verify
 * the signature on the raw bytes, insert the raw body into
 * webhook_events, answer 200 only after that commit (503 when the
 * database cannot take it). Nothing else runs before the answer.
 *
 * Deliveries that arrive while a commit is in flight wait in a queue and
 * go together in the next INSERT (group commit): under load one fsync
 * covers many deliveries, and each is answered after the commit that
 * holds it. The queue is bounded: past it a delivery is answered 503, and
 * Meta sends it again later.
 *
 * The body is hashed as it arrives, a chunk at a time, in both forms Meta
 * may have signed (see wabiz_webhook_verify_signature()): no turn of the
 * main loop hashes more than a chunk, however large an unsigned body.
 */

#define G_LOG_DOMAIN "wabiz-webhook"

#include "config.h"

#include "wabiz-http-server.h"
#include "wabiz-json.h"
#include "wabiz-secrets.h"
#include "wabiz-webhook.h"
#include "wabiz-webhook-parser.h"
#include "wabiz-webhook-private.h"

#include <glib/gi18n.h>
#include <string.h>

/* bounded by the 65535 parameters of one statement, and by latency */
#define MAX_BATCH 500
/* commits in flight at once; the next batch fills meanwhile */
#define MAX_BATCHES_IN_FLIGHT 2
/* deliveries held until their commit (queued or being inserted) */
#define DEFAULT_MAX_PENDING 1000
#define DEFAULT_MAX_PENDING_BYTES (64 * 1024 * 1024)
/* bodies on their way in, all connections together: one can be checked
 * only once it is whole, so an unsigned one is held until then */
#define DEFAULT_MAX_RECEIVING_BYTES (64 * 1024 * 1024)
/* kept for a body from its start, whatever length it says it has */
#define INITIAL_BODY_SIZE (16 * 1024)

#define SIGNATURE_PREFIX "sha256="
#define READING_KEY "wabiz-webhook-reading"

struct _WabizWebhook
{
  GObject    parent_instance;

  WabizDb   *db;                /* (owned) */
  char      *app_secret;        /* (owned) */
  char      *verify_token;      /* (owned) (nullable) */
  gsize      max_body_size;
  GPtrArray *queue;             /* (element-type Delivery) (owned) */
  guint      n_batches;
  guint64    n_accepted;
  guint      n_pending;         /* queued or in a batch */
  gsize      pending_bytes;
  guint      max_pending;
  gsize      max_pending_bytes;
  gsize      receiving_bytes;   /* in the bodies being read */
  gsize      max_receiving_bytes;
  gint64     warned_receiving_at;
  gsize      max_hash_step;
  gboolean   warned_busy;
};

G_DEFINE_FINAL_TYPE (WabizWebhook, wabiz_webhook, G_TYPE_OBJECT)

enum {
  SIGNAL_STORED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  SoupServerMessage *msg;       /* (owned) */
  char              *body;      /* (owned) NUL-terminated */
  gsize              length;
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  g_clear_object (&delivery->msg);
  g_clear_pointer (&delivery->body, g_free);
  g_free (delivery);
}

/* ------------------------------------------------------------------ */
/* a POST body as it arrives */

typedef struct
{
  WabizWebhook *self;           /* (owned) */
  GByteArray   *body;           /* (owned) */
  GHmac        *raw;            /* (owned) of the bytes as they are */
  GHmac        *escaped;        /* (owned) (nullable) of the \uXXXX form, from the first non-ASCII byte */
  gboolean      not_utf8;       /* so there is no escaped form */
  guint8        carry[4];       /* a character cut by the end of the last chunk */
  guint         n_carry;
} Reading;

static void
reading_free (Reading *reading)
{
  if (reading->body != NULL)
    reading->self->receiving_bytes -= reading->body->len;
  g_clear_object (&reading->self);
  g_clear_pointer (&reading->body, g_byte_array_unref);
  g_clear_pointer (&reading->raw, g_hmac_unref);
  g_clear_pointer (&reading->escaped, g_hmac_unref);
  g_free (reading);
}

/* Hashes @c as Meta escapes it (lowercase hex, surrogate pairs above the
 * BMP); returns the bytes hashed. */
static gsize
escape_char (Reading  *reading,
             gunichar  c)
{
  char buf[16];
  int n;

  if (c >= 0x10000)
    {
      gunichar v = c - 0x10000;

      n = g_snprintf (buf, sizeof buf, "\\u%04x\\u%04x", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    }
  else
    n = g_snprintf (buf, sizeof buf, "\\u%04x", c);
  g_hmac_update (reading->escaped, (const guchar *) buf, n);
  return n;
}

/* Feeds @data to the escaped form's digest; returns the bytes hashed. */
static gsize
escape_feed (Reading      *reading,
             const guint8 *data,
             gsize         length)
{
  gsize hashed = 0;
  gsize i = 0;

  /* first the character the last chunk cut */
  while (reading->n_carry > 0 && i < length)
    {
      gunichar c;

      reading->carry[reading->n_carry++] = data[i++];
      c = g_utf8_get_char_validated ((const char *) reading->carry, reading->n_carry);
      if (c == (gunichar) -2 && reading->n_carry < sizeof reading->carry)
        continue;
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          reading->not_utf8 = TRUE;
          return hashed;
        }
      hashed += escape_char (reading, c);
      reading->n_carry = 0;
    }

  while (i < length)
    {
      gsize start = i;
      gunichar c;

      while (i < length && data[i] < 0x80)
        i++;
      g_hmac_update (reading->escaped, data + start, i - start);
      hashed += i - start;
      if (i == length)
        break;

      c = g_utf8_get_char_validated ((const char *) data + i, length - i);
      if (c == (gunichar) -2 && length - i < sizeof reading->carry)
        {
          /* cut by the chunk's end: finished with the next one */
          memcpy (reading->carry, data + i, length - i);
          reading->n_carry = length - i;
          break;
        }
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          reading->not_utf8 = TRUE;
          break;
        }
      hashed += escape_char (reading, c);
      i = g_utf8_next_char ((const char *) data + i) - (const char *) data;
    }

  return hashed;
}

/* Feeds a chunk of the body to both digests; returns the bytes hashed. */
static gsize
reading_feed (Reading      *reading,
              const guint8 *data,
              gsize         length)
{
  gsize ascii = 0;

  if (reading->escaped == NULL && !reading->not_utf8)
    {
      while (ascii < length && data[ascii] < 0x80)
        ascii++;
      g_hmac_update (reading->raw, data, ascii);
      if (ascii == length)
        return length;
      /* up to here both forms are the same bytes */
      reading->escaped = g_hmac_copy (reading->raw);
    }

  g_hmac_update (reading->raw, data + ascii, length - ascii);
  if (reading->not_utf8)
    return length - ascii;
  return length - ascii + escape_feed (reading, data + ascii, length - ascii);
}

/* Parses "sha256=<64 hex>" (the hex in either case, after any blanks)
 * into @digest; FALSE when it is not that. */
static gboolean
parse_signature (const char *header,
                 guint8      digest[32])
{
  const char *hex;

  if (header == NULL)
    return FALSE;
  while (*header == ' ' || *header == '\t')
    header++;
  if (g_ascii_strncasecmp (header, SIGNATURE_PREFIX, strlen (SIGNATURE_PREFIX)) != 0)
    return FALSE;
  hex = header + strlen (SIGNATURE_PREFIX);
  if (strlen (hex) != 64)
    return FALSE;
  for (guint i = 0; i < 32; i++)
    {
      if (!g_ascii_isxdigit (hex[2 * i]) || !g_ascii_isxdigit (hex[2 * i + 1]))
        return FALSE;
      digest[i] = (g_ascii_xdigit_value (hex[2 * i]) << 4) | g_ascii_xdigit_value (hex[2 * i + 1]);
    }
  return TRUE;
}

static gboolean
digest_equal (GHmac        *hmac,
              const guint8  given[32])
{
  guint8 digest[32];
  gsize length = sizeof digest;
  guint8 diff = 0;

  g_hmac_get_digest (hmac, digest, &length);
  for (guint i = 0; i < sizeof digest; i++)
    diff |= digest[i] ^ given[i];
  return diff == 0;
}

/* Whether the body, all in, carries @header's signature, in either form. */
static gboolean
reading_verify (Reading    *reading,
                const char *header)
{
  guint8 given[32];
  gboolean ok;

  if (!parse_signature (header, given))
    return FALSE;

  ok = digest_equal (reading->raw, given);
  if (reading->escaped != NULL && !reading->not_utf8 && reading->n_carry == 0)
    ok = digest_equal (reading->escaped, given) || ok;
  return ok;
}

static void
body_chunk_cb (SoupServerMessage *msg,
               GBytes            *chunk,
               WabizWebhook      *self)
{
  Reading *reading = g_object_get_data (G_OBJECT (msg), READING_KEY);
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (chunk, &length);
  gsize hashed;

  /* the server stops a body past the limit before this runs */
  if (self->receiving_bytes + length > self->max_receiving_bytes)
    {
      gint64 now = g_get_monotonic_time ();

      /* once a minute at most: this is what a flood looks like */
      if (now - self->warned_receiving_at > 60 * G_USEC_PER_SEC || self->warned_receiving_at == 0)
        g_warning ("%" G_GSIZE_FORMAT " bytes of webhook bodies are on their way in; answering 503 "
                   "to the next ones until they are read", self->receiving_bytes);
      self->warned_receiving_at = now;
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "10");
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy",
                              _("Too many deliveries are arriving at once; send it again later"));
      wabiz_http_message_refuse (msg);
      return;
    }
  self->receiving_bytes += length;
  g_byte_array_append (reading->body, data, length);
  hashed = reading_feed (reading, data, length);
  self->max_hash_step = MAX (self->max_hash_step, hashed);
}

static void flush_queue (WabizWebhook *self);

static void
insert_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GPtrArray *batch = task_data;
  g_autoptr(GString) sql = g_string_new ("INSERT INTO webhook_events (body) VALUES ");
  g_autofree const char **params = g_new0 (const char *, batch->len);
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  for (guint i = 0; i < batch->len; i++)
    {
      Delivery *delivery = g_ptr_array_index (batch, i);

      g_string_append_printf (sql, "%s($%u)", i > 0 ? "," : "", i + 1);
      params[i] = delivery->body;
    }

  /* one statement: its own transaction, committed when it returns */
  res = wabiz_db_conn_exec (conn, sql->str, (int) batch->len, params, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
insert_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = G_TASK (result);
  WabizWebhook *self = user_data;
  GPtrArray *batch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean stored = g_task_propagate_boolean (task, &error);

  if (!stored)
    g_warning ("Cannot store %u webhook deliveries, answering 503: %s", batch->len,
               error->message);

  for (guint i = 0; i < batch->len; i++)
    {
      Delivery *delivery = g_ptr_array_index (batch, i);

      self->n_pending--;
      self->pending_bytes -= delivery->length;
      if (stored)
        {
          /* no body: Meta reads the status only, and libsoup writes a
           * body in a send() of its own, a tenth of the main thread's
           * time per delivery at 5,000/s */
          soup_server_message_set_status (delivery->msg, SOUP_STATUS_OK, NULL);
        }
      else
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (delivery->msg),
                                        "Retry-After", "10");
          wabiz_http_reply_error (delivery->msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                                  "database_unavailable",
                                  _("The delivery could not be stored; send it again later"));
        }
      wabiz_http_message_release (delivery->msg);
    }

  self->n_batches--;
  if (self->n_pending == 0)
    self->warned_busy = FALSE;
  if (stored)
    {
      self->n_accepted += batch->len;
      g_signal_emit (self, signals[SIGNAL_STORED], 0, batch->len);
    }

  flush_queue (self);
  g_object_unref (self);
}

static void
flush_queue (WabizWebhook *self)
{
  while (self->queue->len > 0 && self->n_batches < MAX_BATCHES_IN_FLIGHT)
    {
      g_autoptr(GTask) task = NULL;
      GPtrArray *batch;
      guint n = MIN (self->queue->len, MAX_BATCH);

      batch = g_ptr_array_new_with_free_func ((GDestroyNotify) delivery_free);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (batch, g_ptr_array_index (self->queue, i));
      /* moved, not freed */
      g_ptr_array_set_free_func (self->queue, NULL);
      g_ptr_array_remove_range (self->queue, 0, n);
      g_ptr_array_set_free_func (self->queue, (GDestroyNotify) delivery_free);

      self->n_batches++;
      task = g_task_new (NULL, NULL, insert_done_cb, g_object_ref (self));
      g_task_set_source_tag (task, flush_queue);
      g_task_set_task_data (task, batch, (GDestroyNotify) g_ptr_array_unref);
      wabiz_db_run_in_thread (self->db, task, insert_job);
    }
}

static void
handle_verification (WabizWebhook      *self,
                     SoupServerMessage *msg,
                     GHashTable        *query)
{
  const char *mode = query != NULL ? g_hash_table_lookup (query, "hub.mode") : NULL;
  const char *token = query != NULL ? g_hash_table_lookup (query, "hub.verify_token") : NULL;
  const char *challenge = query != NULL ? g_hash_table_lookup (query, "hub.challenge") : NULL;

  if (g_strcmp0 (mode, "subscribe") != 0 || challenge == NULL || self->verify_token == NULL ||
      *self->verify_token == '\0' || !wabiz_http_secret_equal (token, self->verify_token))
    {
      g_debug ("Refused a verification request");
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "Forbidden", 9);
      return;
    }

  g_debug ("Answered Meta's verification request");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, challenge,
                                    strlen (challenge));
}

static void
reply_too_large (WabizWebhook      *self,
                 SoupServerMessage *msg)
{
  g_autofree char *text = g_strdup_printf (_("The body is larger than %zu bytes"),
                                           (size_t) self->max_body_size);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  wabiz_http_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "body_too_large", text);
}

static void
early_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  WabizWebhook *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Reading *reading;
  goffset declared = -1;

  if (!g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_POST))
    return;

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    declared = soup_message_headers_get_content_length (headers);
  if (declared >= 0 && (guint64) declared > self->max_body_size)
    {
      reply_too_large (self, msg);
      return;
    }

  if (soup_message_headers_get_one (headers, "X-Hub-Signature-256") == NULL)
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "missing_signature",
                              _("The X-Hub-Signature-256 header is missing"));
      return;
    }

  /* the body is kept here, hashed as it comes; libsoup keeps none of it */
  wabiz_http_message_set_max_body (msg, self->max_body_size);
  reading = g_new0 (Reading, 1);
  reading->self = g_object_ref (self);
  /* grown as bytes come: a length announced costs nothing until sent */
  reading->body = g_byte_array_sized_new (MIN (declared >= 0 ? (gsize) declared + 1 : INITIAL_BODY_SIZE,
                                               INITIAL_BODY_SIZE));
  reading->raw = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) self->app_secret, strlen (self->app_secret));
  g_object_set_data_full (G_OBJECT (msg), READING_KEY, reading, (GDestroyNotify) reading_free);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (body_chunk_cb), self, 0);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  WabizWebhook *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Reading *reading;
  Delivery *delivery;

  if (!g_str_equal (path, "/webhook"))
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", _("No such endpoint"));
      return;
    }

  if (g_str_equal (method, SOUP_METHOD_GET))
    {
      handle_verification (self, msg, query);
      return;
    }
  if (!g_str_equal (method, SOUP_METHOD_POST))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "GET, POST");
      wabiz_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                              _("Use GET for verification and POST for notifications"));
      return;
    }

  reading = g_object_get_data (G_OBJECT (msg), READING_KEY);
  g_return_if_fail (reading != NULL);

  if (!reading_verify (reading, soup_message_headers_get_one (headers, "X-Hub-Signature-256")))
    {
      g_debug ("Refused a delivery with a wrong signature");
      wabiz_http_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "bad_signature",
                              _("The X-Hub-Signature-256 header does not match the body"));
      return;
    }

  /* stored as text: UTF-8 without NUL, and valid JSON */
  if (!wabiz_json_validate ((const char *) reading->body->data, reading->body->len))
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "malformed_json",
                              _("The body is not valid JSON"));
      return;
    }

  if (self->n_pending >= self->max_pending ||
      self->pending_bytes + reading->body->len > self->max_pending_bytes)
    {
      if (!self->warned_busy)
        g_warning ("%u webhook deliveries (%" G_GSIZE_FORMAT " bytes) wait for the database; "
                   "answering 503 to the next ones until they are stored",
                   self->n_pending, self->pending_bytes);
      self->warned_busy = TRUE;
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "10");
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy",
                              _("Too many deliveries wait to be stored; send it again later"));
      return;
    }

  delivery = g_new0 (Delivery, 1);
  delivery->msg = g_object_ref (msg);
  delivery->length = reading->body->len;
  self->receiving_bytes -= reading->body->len;
  g_byte_array_append (reading->body, (const guint8 *) "", 1);
  delivery->body = (char *) g_byte_array_free (g_steal_pointer (&reading->body), FALSE);
  self->n_pending++;
  self->pending_bytes += delivery->length;
  wabiz_http_message_hold (msg);
  g_ptr_array_add (self->queue, delivery);
  flush_queue (self);
}

static void
wabiz_webhook_dispose (GObject *object)
{
  WabizWebhook *self = (WabizWebhook *) object;

  g_clear_object (&self->db);

  G_OBJECT_CLASS (wabiz_webhook_parent_class)->dispose (object);
}

static void
wabiz_webhook_finalize (GObject *object)
{
  WabizWebhook *self = (WabizWebhook *) object;

  wabiz_secret_wipe (&self->app_secret);
  wabiz_secret_wipe (&self->verify_token);
  g_clear_pointer (&self->queue, g_ptr_array_unref);

  G_OBJECT_CLASS (wabiz_webhook_parent_class)->finalize (object);
}

static void
wabiz_webhook_class_init (WabizWebhookClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_webhook_dispose;
  object_class->finalize = wabiz_webhook_finalize;

  /**
   * WabizWebhook::stored:
   * @n_events: how many deliveries the commit stored
   *
   * Emitted on the main context after a commit of deliveries: the
   * processor's cue.
   */
  signals[SIGNAL_STORED] = g_signal_new ("stored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
wabiz_webhook_init (WabizWebhook *self)
{
  self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify) delivery_free);
  self->max_body_size = WABIZ_WEBHOOK_DEFAULT_MAX_BODY;
  self->max_pending = DEFAULT_MAX_PENDING;
  self->max_pending_bytes = DEFAULT_MAX_PENDING_BYTES;
  self->max_receiving_bytes = DEFAULT_MAX_RECEIVING_BYTES;
}

/**
 * wabiz_webhook_new:
 * @db: where deliveries go
 * @app_secret: the App Secret the signatures are made with
 * @verify_token: (nullable): the token of the verification handshake;
 *   without one every handshake is refused
 */
WabizWebhook *
wabiz_webhook_new (WabizDb    *db,
                   const char *app_secret,
                   const char *verify_token)
{
  WabizWebhook *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (app_secret != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_WEBHOOK, NULL);
  self->db = g_object_ref (db);
  self->app_secret = g_strdup (app_secret);
  self->verify_token = g_strdup (verify_token);
  return self;
}

void
wabiz_webhook_set_max_body_size (WabizWebhook *self,
                                 gsize         max_body_size)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK (self));
  g_return_if_fail (max_body_size > 0);

  self->max_body_size = max_body_size;
}

gsize
wabiz_webhook_get_max_body_size (WabizWebhook *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK (self), 0);

  return self->max_body_size;
}

void
wabiz_webhook_attach (WabizWebhook *self,
                      SoupServer   *server)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK (self));
  g_return_if_fail (SOUP_IS_SERVER (server));

  soup_server_add_early_handler (server, "/webhook", early_cb, g_object_ref (self), g_object_unref);
  soup_server_add_handler (server, "/webhook", handler_cb, g_object_ref (self), g_object_unref);
}

guint64
wabiz_webhook_get_n_accepted (WabizWebhook *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK (self), 0);

  return self->n_accepted;
}

guint
wabiz_webhook_get_n_pending (WabizWebhook *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK (self), 0);

  return self->queue->len;
}

void
_wabiz_webhook_set_limits (WabizWebhook *self,
                           guint         max_pending,
                           gsize         max_pending_bytes,
                           gsize         max_receiving_bytes)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK (self));
  g_return_if_fail (max_pending > 0 && max_pending_bytes > 0 && max_receiving_bytes > 0);

  self->max_pending = max_pending;
  self->max_pending_bytes = max_pending_bytes;
  self->max_receiving_bytes = max_receiving_bytes;
}

gsize
_wabiz_webhook_get_receiving_bytes (WabizWebhook *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK (self), 0);

  return self->receiving_bytes;
}

guint
_wabiz_webhook_get_n_held (WabizWebhook *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK (self), 0);

  return self->n_pending;
}

gsize
_wabiz_webhook_get_max_hash_step (WabizWebhook *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK (self), 0);

  return self->max_hash_step;
}
