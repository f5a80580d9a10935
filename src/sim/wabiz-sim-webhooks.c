/* wabiz-sim-webhooks.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The webhook delivery queue. Each body is POSTed to the webhook URL
 * with the `X-Hub-Signature-256` header Meta sends (HMAC-SHA256 of the
 * exact body bytes, keyed with the App Secret). A delivery the receiver
 * does not answer with 200 is tried again after an exponential back-off,
 * up to a bounded number of attempts, as Meta does. Deliveries run
 * concurrently, at most `concurrency` at a time, so that one slow
 * receiver does not hold back the rest; the others wait in a queue.
 *
 * Everything runs on the thread-default main context of the thread
 * that enqueues, which is the simulator's.
 */

#define G_LOG_DOMAIN "wabiz-sim-webhooks"

#include "config.h"

#include "wabiz-sim-util.h"
#include "wabiz-sim-webhooks.h"

#include <libsoup/soup.h>

#define MAX_CONCURRENCY 64

typedef struct
{
  WabizSimWebhooks *self;       /* (unowned), (owned) while in flight */
  GBytes           *body;       /* (owned) */
  guint             attempts;
  GSource          *timer;      /* (owned) (nullable) */
} Delivery;

struct _WabizSimWebhooks
{
  GObject       parent_instance;

  char         *url;            /* (owned) (nullable) */
  char         *app_secret;     /* (owned) (nullable) */
  guint         max_attempts;
  guint         initial_backoff_ms;
  guint         max_backoff_ms;
  guint         concurrency;
  guint         timeout_s;

  SoupSession  *session;        /* (owned) (nullable) created on first use */
  GCancellable *cancellable;    /* (owned) */
  GQueue        ready;          /* Delivery *, waiting for a free slot */
  GHashTable   *scheduled;      /* Delivery * set, waiting for their timer */
  guint         in_flight;

  guint64       enqueued;
  guint64       attempts;
  guint64       delivered;
  guint64       failed_attempts;
  guint64       retried;
  guint64       gave_up;
  guint64       dropped;
  guint         last_pending;
};

G_DEFINE_FINAL_TYPE (WabizSimWebhooks, wabiz_sim_webhooks, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URL,
  PROP_APP_SECRET,
  PROP_MAX_ATTEMPTS,
  PROP_INITIAL_BACKOFF_MS,
  PROP_MAX_BACKOFF_MS,
  PROP_CONCURRENCY,
  PROP_TIMEOUT,
  PROP_PENDING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void pump (WabizSimWebhooks *self);

static void
delivery_free (Delivery *delivery)
{
  wabiz_sim_source_clear (&delivery->timer);
  g_clear_pointer (&delivery->body, g_bytes_unref);
  g_free (delivery);
}

static void
update_pending (WabizSimWebhooks *self)
{
  guint pending = wabiz_sim_webhooks_get_pending (self);

  if (pending != self->last_pending)
    {
      self->last_pending = pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
    }
}

static gboolean
delivery_timer_cb (gpointer user_data)
{
  Delivery *delivery = user_data;
  WabizSimWebhooks *self = delivery->self;

  g_clear_pointer (&delivery->timer, g_source_unref);
  g_hash_table_steal (self->scheduled, delivery);
  g_queue_push_tail (&self->ready, delivery);
  pump (self);

  return G_SOURCE_REMOVE;
}

static void
schedule (WabizSimWebhooks *self,
          Delivery         *delivery,
          guint             delay_ms)
{
  g_assert (delivery->timer == NULL);

  g_hash_table_add (self->scheduled, delivery);
  delivery->timer = wabiz_sim_timeout_source_new (delay_ms, delivery_timer_cb,
                                                  delivery, NULL);
}

static guint
compute_backoff_ms (WabizSimWebhooks *self,
            guint             attempts)
{
  guint64 delay = self->initial_backoff_ms;

  for (guint i = 1; i < attempts && delay < self->max_backoff_ms; i++)
    delay *= 2;

  return MIN (delay, (guint64) self->max_backoff_ms);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Delivery *delivery = user_data;
  g_autoptr(WabizSimWebhooks) self = delivery->self;   /* the in-flight ref */
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  answer = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  self->in_flight--;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      delivery_free (delivery);
      update_pending (self);
      return;
    }

  if (error == NULL && message != NULL)
    status = soup_message_get_status (message);

  if (status == SOUP_STATUS_OK)
    {
      self->delivered++;
      g_debug ("Webhook delivered after %u attempt(s)", delivery->attempts);
      delivery_free (delivery);
    }
  else
    {
      self->failed_attempts++;
      if (error != NULL)
        g_debug ("Webhook attempt %u failed: %s", delivery->attempts, error->message);
      else
        g_debug ("Webhook attempt %u answered HTTP %u", delivery->attempts, status);

      if (delivery->attempts < self->max_attempts)
        {
          self->retried++;
          schedule (self, delivery, compute_backoff_ms (self, delivery->attempts));
        }
      else
        {
          self->gave_up++;
          g_message ("Giving up on a webhook after %u attempts", delivery->attempts);
          delivery_free (delivery);
        }
    }

  pump (self);
  update_pending (self);
}

static SoupSession *
ensure_session (WabizSimWebhooks *self)
{
  if (self->session == NULL)
    self->session = soup_session_new_with_options ("max-conns", MAX_CONCURRENCY,
                                                   "max-conns-per-host", MAX_CONCURRENCY,
                                                   "timeout", self->timeout_s,
                                                   "proxy-resolver", NULL,
                                                   "user-agent", "facebookexternalua",
                                                   NULL);

  return self->session;
}

static void
start (WabizSimWebhooks *self,
       Delivery         *delivery)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *header = NULL;
  gsize len = 0;
  const guint8 *data;

  if (self->url != NULL)
    message = soup_message_new (SOUP_METHOD_POST, self->url);

  if (message == NULL)
    {
      if (self->url != NULL)
        g_message ("The webhook URL is not a valid http(s) URL; dropping a webhook");
      self->dropped++;
      delivery_free (delivery);
      return;
    }

  data = g_bytes_get_data (delivery->body, &len);
  signature = wabiz_sim_hmac_sha256_hex (self->app_secret != NULL ? self->app_secret : "",
                                         data, len);
  header = g_strconcat ("sha256=", signature, NULL);

  soup_message_set_request_body_from_bytes (message, "application/json", delivery->body);
  soup_message_headers_replace (soup_message_get_request_headers (message),
                                "X-Hub-Signature-256", header);

  delivery->attempts++;
  delivery->self = g_object_ref (self);
  self->attempts++;
  self->in_flight++;

  soup_session_send_and_read_async (ensure_session (self), message, G_PRIORITY_DEFAULT,
                                    self->cancellable, send_cb, delivery);
}

static void
pump (WabizSimWebhooks *self)
{
  while (self->in_flight < self->concurrency && !g_queue_is_empty (&self->ready))
    start (self, g_queue_pop_head (&self->ready));
}

/* Sets *@field to @value and notifies @prop_id; FALSE when it was already */
static gboolean
set_uint_property (WabizSimWebhooks *self,
                   guint            *field,
                   guint             value,
                   guint             prop_id)
{
  if (*field == value)
    return FALSE;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  return TRUE;
}

static void
wabiz_sim_webhooks_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  WabizSimWebhooks *self = WABIZ_SIM_WEBHOOKS (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;

    case PROP_MAX_ATTEMPTS:
      g_value_set_uint (value, self->max_attempts);
      break;

    case PROP_INITIAL_BACKOFF_MS:
      g_value_set_uint (value, self->initial_backoff_ms);
      break;

    case PROP_MAX_BACKOFF_MS:
      g_value_set_uint (value, self->max_backoff_ms);
      break;

    case PROP_CONCURRENCY:
      g_value_set_uint (value, self->concurrency);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_s);
      break;

    case PROP_PENDING:
      g_value_set_uint (value, wabiz_sim_webhooks_get_pending (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_sim_webhooks_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  WabizSimWebhooks *self = WABIZ_SIM_WEBHOOKS (object);

  switch (prop_id)
    {
    case PROP_URL:
      wabiz_sim_webhooks_set_url (self, g_value_get_string (value));
      break;

    case PROP_APP_SECRET:
      wabiz_sim_webhooks_set_app_secret (self, g_value_get_string (value));
      break;

    case PROP_MAX_ATTEMPTS:
      wabiz_sim_webhooks_set_max_attempts (self, g_value_get_uint (value));
      break;

    case PROP_INITIAL_BACKOFF_MS:
      wabiz_sim_webhooks_set_initial_backoff_ms (self, g_value_get_uint (value));
      break;

    case PROP_MAX_BACKOFF_MS:
      wabiz_sim_webhooks_set_max_backoff_ms (self, g_value_get_uint (value));
      break;

    case PROP_CONCURRENCY:
      wabiz_sim_webhooks_set_concurrency (self, g_value_get_uint (value));
      break;

    case PROP_TIMEOUT:
      wabiz_sim_webhooks_set_timeout (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_sim_webhooks_dispose (GObject *object)
{
  WabizSimWebhooks *self = WABIZ_SIM_WEBHOOKS (object);

  wabiz_sim_webhooks_cancel_all (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (wabiz_sim_webhooks_parent_class)->dispose (object);
}

static void
wabiz_sim_webhooks_finalize (GObject *object)
{
  WabizSimWebhooks *self = WABIZ_SIM_WEBHOOKS (object);

  g_assert (self->in_flight == 0);
  g_assert (g_queue_is_empty (&self->ready));

  g_clear_pointer (&self->scheduled, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->app_secret, g_free);

  G_OBJECT_CLASS (wabiz_sim_webhooks_parent_class)->finalize (object);
}

static void
wabiz_sim_webhooks_class_init (WabizSimWebhooksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wabiz_sim_webhooks_get_property;
  object_class->set_property = wabiz_sim_webhooks_set_property;
  object_class->dispose = wabiz_sim_webhooks_dispose;
  object_class->finalize = wabiz_sim_webhooks_finalize;

  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APP_SECRET] =
    g_param_spec_string ("app-secret", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_ATTEMPTS] =
    g_param_spec_uint ("max-attempts", NULL, NULL, 1, 100, 5,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INITIAL_BACKOFF_MS] =
    g_param_spec_uint ("initial-backoff-ms", NULL, NULL, 1, 3600 * 1000, 100,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_BACKOFF_MS] =
    g_param_spec_uint ("max-backoff-ms", NULL, NULL, 1, 24 * 3600 * 1000, 5000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONCURRENCY] =
    g_param_spec_uint ("concurrency", NULL, NULL, 1, MAX_CONCURRENCY, 8,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 600, 10,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_sim_webhooks_init (WabizSimWebhooks *self)
{
  self->max_attempts = 5;
  self->initial_backoff_ms = 100;
  self->max_backoff_ms = 5000;
  self->concurrency = 8;
  self->timeout_s = 10;
  self->cancellable = g_cancellable_new ();
  self->scheduled = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->ready);
}

WabizSimWebhooks *
wabiz_sim_webhooks_new (void)
{
  return g_object_new (WABIZ_TYPE_SIM_WEBHOOKS, NULL);
}

const char *
wabiz_sim_webhooks_get_url (WabizSimWebhooks *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_WEBHOOKS (self), NULL);

  return self->url;
}

/**
 * wabiz_sim_webhooks_set_url:
 * @url: (nullable): where to POST, or %NULL (or "") to deliver nothing
 *
 * Deliveries read the URL when they start, so queued webhooks and
 * retries go to the new URL.
 */
void
wabiz_sim_webhooks_set_url (WabizSimWebhooks *self,
                            const char       *url)
{
  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));

  if (url != NULL && *url == '\0')
    url = NULL;

  if (wabiz_sim_set_str (&self->url, url))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
}

void
wabiz_sim_webhooks_set_app_secret (WabizSimWebhooks *self,
                                   const char       *app_secret)
{
  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));

  wabiz_sim_set_str (&self->app_secret, app_secret);
}

guint
wabiz_sim_webhooks_get_max_attempts (WabizSimWebhooks *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_WEBHOOKS (self), 0);

  return self->max_attempts;
}

void
wabiz_sim_webhooks_set_max_attempts (WabizSimWebhooks *self,
                                     guint             max_attempts)
{
  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));
  g_return_if_fail (max_attempts >= 1);

  set_uint_property (self, &self->max_attempts, max_attempts, PROP_MAX_ATTEMPTS);
}

guint
wabiz_sim_webhooks_get_initial_backoff_ms (WabizSimWebhooks *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_WEBHOOKS (self), 0);

  return self->initial_backoff_ms;
}

void
wabiz_sim_webhooks_set_initial_backoff_ms (WabizSimWebhooks *self,
                                           guint             initial_backoff_ms)
{
  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));
  g_return_if_fail (initial_backoff_ms >= 1);

  set_uint_property (self, &self->initial_backoff_ms, initial_backoff_ms, PROP_INITIAL_BACKOFF_MS);
}

guint
wabiz_sim_webhooks_get_max_backoff_ms (WabizSimWebhooks *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_WEBHOOKS (self), 0);

  return self->max_backoff_ms;
}

void
wabiz_sim_webhooks_set_max_backoff_ms (WabizSimWebhooks *self,
                                       guint             max_backoff_ms)
{
  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));
  g_return_if_fail (max_backoff_ms >= 1);

  set_uint_property (self, &self->max_backoff_ms, max_backoff_ms, PROP_MAX_BACKOFF_MS);
}

guint
wabiz_sim_webhooks_get_concurrency (WabizSimWebhooks *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_WEBHOOKS (self), 0);

  return self->concurrency;
}

void
wabiz_sim_webhooks_set_concurrency (WabizSimWebhooks *self,
                                    guint             concurrency)
{
  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));
  g_return_if_fail (concurrency >= 1 && concurrency <= MAX_CONCURRENCY);

  if (set_uint_property (self, &self->concurrency, concurrency, PROP_CONCURRENCY))
    pump (self);
}

guint
wabiz_sim_webhooks_get_timeout (WabizSimWebhooks *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_WEBHOOKS (self), 0);

  return self->timeout_s;
}

void
wabiz_sim_webhooks_set_timeout (WabizSimWebhooks *self,
                                guint             timeout_s)
{
  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));
  g_return_if_fail (timeout_s >= 1);

  if (set_uint_property (self, &self->timeout_s, timeout_s, PROP_TIMEOUT) &&
      self->session != NULL)
    g_object_set (self->session, "timeout", timeout_s, NULL);
}

/**
 * wabiz_sim_webhooks_get_pending:
 *
 * Returns: how many webhooks are queued, waiting for a retry, or in flight
 */
guint
wabiz_sim_webhooks_get_pending (WabizSimWebhooks *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_WEBHOOKS (self), 0);

  return g_queue_get_length (&self->ready) + g_hash_table_size (self->scheduled) +
         self->in_flight;
}

/**
 * wabiz_sim_webhooks_enqueue:
 * @body: the exact bytes to POST and sign
 * @delay_ms: how long to wait before the first attempt
 *
 * Queues one webhook. With no URL set it is dropped (and counted).
 */
void
wabiz_sim_webhooks_enqueue (WabizSimWebhooks *self,
                            GBytes           *body,
                            guint             delay_ms)
{
  Delivery *delivery;

  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));
  g_return_if_fail (body != NULL);

  self->enqueued++;

  if (self->url == NULL)
    {
      self->dropped++;
      return;
    }

  delivery = g_new0 (Delivery, 1);
  delivery->self = self;
  delivery->body = g_bytes_ref (body);

  if (delay_ms == 0)
    {
      g_queue_push_tail (&self->ready, delivery);
      pump (self);
    }
  else
    {
      schedule (self, delivery, delay_ms);
    }

  update_pending (self);
}

/**
 * wabiz_sim_webhooks_dup_stats:
 *
 * Returns: (transfer full): counters as a JSON object: `enqueued`,
 *   `attempts`, `delivered`, `failed_attempts`, `retried`, `gave_up`,
 *   `dropped`, `pending`, `in_flight`, `waiting_retry`, `queued`
 */
JsonObject *
wabiz_sim_webhooks_dup_stats (WabizSimWebhooks *self)
{
  JsonObject *stats;

  g_return_val_if_fail (WABIZ_IS_SIM_WEBHOOKS (self), NULL);

  stats = json_object_new ();
  json_object_set_int_member (stats, "enqueued", self->enqueued);
  json_object_set_int_member (stats, "attempts", self->attempts);
  json_object_set_int_member (stats, "delivered", self->delivered);
  json_object_set_int_member (stats, "failed_attempts", self->failed_attempts);
  json_object_set_int_member (stats, "retried", self->retried);
  json_object_set_int_member (stats, "gave_up", self->gave_up);
  json_object_set_int_member (stats, "dropped", self->dropped);
  json_object_set_int_member (stats, "pending", wabiz_sim_webhooks_get_pending (self));
  json_object_set_int_member (stats, "in_flight", self->in_flight);
  json_object_set_int_member (stats, "waiting_retry", g_hash_table_size (self->scheduled));
  json_object_set_int_member (stats, "queued", g_queue_get_length (&self->ready));

  return stats;
}

void
wabiz_sim_webhooks_reset_stats (WabizSimWebhooks *self)
{
  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));

  self->enqueued = 0;
  self->attempts = 0;
  self->delivered = 0;
  self->failed_attempts = 0;
  self->retried = 0;
  self->gave_up = 0;
  self->dropped = 0;
}

/**
 * wabiz_sim_webhooks_cancel_all:
 *
 * Forgets every queued and scheduled webhook and cancels those in
 * flight (their callbacks still run once, on the next iterations of the
 * main context, and then let go of @self).
 */
void
wabiz_sim_webhooks_cancel_all (WabizSimWebhooks *self)
{
  GHashTableIter iter;
  Delivery *delivery;

  g_return_if_fail (WABIZ_IS_SIM_WEBHOOKS (self));

  while ((delivery = g_queue_pop_head (&self->ready)) != NULL)
    delivery_free (delivery);

  g_hash_table_iter_init (&iter, self->scheduled);
  while (g_hash_table_iter_next (&iter, (gpointer *) &delivery, NULL))
    {
      g_hash_table_iter_steal (&iter);
      delivery_free (delivery);
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  update_pending (self);
}
