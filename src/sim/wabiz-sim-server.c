/* wabiz-sim-server.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The simulator object: one SoupServer on loopback that answers
 *
 *  - the Graph API under /v{N}.{M}/… (wabiz-sim-messages.c,
 *    wabiz-sim-media.c, wabiz-sim-templates.c),
 *  - the Gemini API under /v1beta/models/… and /v1/models/…
 *    (wabiz-sim-gemini.c),
 *  - the control API under /_sim/ (here and wabiz-sim-inbound.c),
 *
 * and the state they share: 24-hour windows, the ledger of what the
 * business sent, media, templates and the run-time configuration.
 * Everything runs on the thread-default main context of the thread that
 * called wabiz_sim_server_start().
 */

#define G_LOG_DOMAIN "wabiz-sim-server"

#include "config.h"

#include "wabiz-sim-server-private.h"

#include <string.h>

typedef struct
{
  WabizSimServer       *self;       /* (unowned) */
  SoupServerMessage    *msg;        /* (owned) */
  GSource              *timer;      /* (owned) (nullable) */
  guint                 interval_ms;
  WabizSimDeferredFunc  func;
  gpointer              data;
  GDestroyNotify        destroy;
  gulong                finished_id;
  gulong                disconnected_id;
} Deferred;

typedef enum
{
  CONFIG_NUMBER,        /* double in [min, max] */
  CONFIG_UINT,          /* integer in [min, max] */
  CONFIG_BOOL,
  CONFIG_STRING,        /* non-empty string */
  CONFIG_URL,           /* http(s) URL, "" or null */
  CONFIG_CHOICE,        /* one of choices, separated by '|' */
  CONFIG_STRING_LIST,
  CONFIG_STATUS_LIST,   /* list of HTTP error statuses */
} ConfigKind;

typedef struct
{
  const char *key;
  ConfigKind  kind;
  double      min;
  double      max;
  const char *choices;
  gboolean    write_only;
} ConfigKey;

static const ConfigKey config_keys[] = {
  { "throughput", CONFIG_NUMBER, 0, 1e6 },
  { "window_policy", CONFIG_CHOICE, 0, 0, "enforce|open|enforce_async" },
  { "window_seconds", CONFIG_UINT, 1, 365.0 * 86400 },
  { "undeliverable", CONFIG_STRING_LIST },
  { "undeliverable_mode", CONFIG_CHOICE, 0, 0, "status|error" },
  { "failure_rate", CONFIG_NUMBER, 0, 1 },
  { "failure_code", CONFIG_UINT, 1, 1e7 },
  { "duplicate_rate", CONFIG_NUMBER, 0, 1 },
  { "out_of_order", CONFIG_BOOL },
  { "status_delay_ms", CONFIG_UINT, 0, 3600e3 },
  { "send_latency_ms", CONFIG_UINT, 0, 600e3 },
  { "read_receipts", CONFIG_BOOL },
  { "pricing_model", CONFIG_CHOICE, 0, 0, "CBP|PMP" },
  { "webhook_url", CONFIG_URL },
  { "retry_max_attempts", CONFIG_UINT, 1, 100 },
  { "retry_initial_ms", CONFIG_UINT, 1, 3600e3 },
  { "retry_max_ms", CONFIG_UINT, 1, 86400e3 },
  { "webhook_concurrency", CONFIG_UINT, 1, 64 },
  { "webhook_timeout_s", CONFIG_UINT, 1, 600 },
  { "template_review_delay_ms", CONFIG_UINT, 0, 86400e3 },
  { "template_review", CONFIG_CHOICE, 0, 0, "auto|approve|reject|manual" },
  { "template_reject_pattern", CONFIG_STRING },
  { "template_reject_reason", CONFIG_STRING },
  { "media_url_ttl_s", CONFIG_UINT, 1, 86400 },
  { "token_expired", CONFIG_BOOL },
  { "gemini_fail_next", CONFIG_STATUS_LIST },
  { "gemini_latency_ms", CONFIG_UINT, 0, 600e3 },
  { "gemini_stream_chunk_delay_ms", CONFIG_UINT, 0, 60e3 },
  { "gemini_retry_delay", CONFIG_STRING },
  { "seed", CONFIG_UINT, 0, G_MAXUINT32 },
  { "ledger_limit", CONFIG_UINT, 1, 100e6 },
  { "access_token", CONFIG_STRING, 0, 0, NULL, TRUE },
  { "app_secret", CONFIG_STRING, 0, 0, NULL, TRUE },
  { "gemini_key", CONFIG_STRING, 0, 0, NULL, TRUE },
};

static const char * const window_policy_names[] = { "enforce", "open", "enforce_async" };
static const char * const review_mode_names[] = { "auto", "approve", "reject", "manual" };

G_DEFINE_QUARK (wabiz-sim-error-quark, wabiz_sim_error)

G_DEFINE_FINAL_TYPE (WabizSimServer, wabiz_sim_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_WEBHOOK_URL,
  PROP_APP_SECRET,
  PROP_ACCESS_TOKEN,
  PROP_PHONE_NUMBER_ID,
  PROP_WABA_ID,
  PROP_GEMINI_KEY,
  PROP_DISPLAY_PHONE_NUMBER,
  PROP_BASE_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Config */

static void
config_set_defaults (WabizSimConfig *config)
{
  config->throughput = 0;
  config->window_policy = WABIZ_SIM_WINDOW_ENFORCE;
  config->window_seconds = 24 * 3600;
  g_hash_table_remove_all (config->undeliverable);
  config->undeliverable_immediate = FALSE;
  config->failure_rate = 0;
  config->failure_code = 131026;
  config->duplicate_rate = 0;
  config->out_of_order = FALSE;
  config->status_delay_ms = 50;
  config->send_latency_ms = 0;
  config->read_receipts = TRUE;
  wabiz_sim_set_str (&config->pricing_model, "CBP");
  config->token_expired = FALSE;
  config->media_url_ttl_s = 300;
  config->template_review_delay_ms = 200;
  config->template_review = WABIZ_SIM_REVIEW_AUTO;
  wabiz_sim_set_str (&config->template_reject_pattern, "reject");
  wabiz_sim_set_str (&config->template_reject_reason, "INVALID_FORMAT");
  g_array_set_size (config->gemini_fail_next, 0);
  config->gemini_latency_ms = 0;
  config->gemini_stream_chunk_delay_ms = 0;
  wabiz_sim_set_str (&config->gemini_retry_delay, "2s");
  config->seed = 0;
  config->ledger_limit = 100000;
}

static void
config_init (WabizSimConfig *config)
{
  config->undeliverable = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  config->gemini_fail_next = g_array_new (FALSE, FALSE, sizeof (guint));
  config_set_defaults (config);
}

static void
config_clear (WabizSimConfig *config)
{
  g_clear_pointer (&config->undeliverable, g_hash_table_unref);
  g_clear_pointer (&config->gemini_fail_next, g_array_unref);
  g_clear_pointer (&config->pricing_model, g_free);
  g_clear_pointer (&config->template_reject_pattern, g_free);
  g_clear_pointer (&config->template_reject_reason, g_free);
  g_clear_pointer (&config->gemini_retry_delay, g_free);
}

static const ConfigKey *
find_config_key (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (config_keys); i++)
    {
      if (g_str_equal (config_keys[i].key, key))
        return &config_keys[i];
    }

  return NULL;
}

static gboolean
find_choice (const char *choices,
              const char *value,
              guint      *index)
{
  g_auto(GStrv) names = g_strsplit (choices, "|", -1);

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], value))
        {
          if (index != NULL)
            *index = i;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
validate_config_member (const ConfigKey  *spec,
                        JsonNode         *node,
                        GError          **error)
{
  switch (spec->kind)
    {
    case CONFIG_NUMBER:
    case CONFIG_UINT:
      {
        double value;

        if (!wabiz_sim_node_is_number (node))
          break;
        value = json_node_get_double (node);
        if (spec->kind == CONFIG_UINT && json_node_get_value_type (node) != G_TYPE_INT64)
          break;
        if (value < spec->min || value > spec->max)
          {
            g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                         "%s must be between %g and %g", spec->key, spec->min, spec->max);
            return FALSE;
          }
        return TRUE;
      }

    case CONFIG_BOOL:
      if (wabiz_sim_node_is_bool (node))
        return TRUE;
      break;

    case CONFIG_STRING:
      if (wabiz_sim_node_is_string (node) && *json_node_get_string (node) != '\0')
        return TRUE;
      break;

    case CONFIG_URL:
      if (JSON_NODE_HOLDS_NULL (node))
        return TRUE;
      if (wabiz_sim_node_is_string (node))
        {
          const char *url = json_node_get_string (node);

          if (*url == '\0' || g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://"))
            return TRUE;
        }
      break;

    case CONFIG_CHOICE:
      if (wabiz_sim_node_is_string (node) &&
          find_choice (spec->choices, json_node_get_string (node), NULL))
        return TRUE;
      g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                   "%s must be one of %s", spec->key, spec->choices);
      return FALSE;

    case CONFIG_STRING_LIST:
    case CONFIG_STATUS_LIST:
      {
        JsonArray *array;

        if (!JSON_NODE_HOLDS_ARRAY (node))
          break;
        array = json_node_get_array (node);
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            JsonNode *element = json_array_get_element (array, i);

            if (spec->kind == CONFIG_STRING_LIST)
              {
                g_autofree char *wa_id = NULL;

                if (wabiz_sim_node_is_string (element))
                  wa_id = wabiz_sim_normalize_wa_id (json_node_get_string (element));
                if (wa_id == NULL)
                  {
                    g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                                 "%s[%u] is not a phone number", spec->key, i);
                    return FALSE;
                  }
              }
            else
              {
                gint64 status;

                if (!wabiz_sim_node_is_int (element))
                  break;
                status = json_node_get_int (element);
                if (status != 400 && status != 403 && status != 404 && status != 429 &&
                    status != 500 && status != 503 && status != 504)
                  {
                    g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                                 "%s[%u]: %" G_GINT64_FORMAT " is not one of 400, 403, 404, "
                                 "429, 500, 503, 504", spec->key, i, status);
                    return FALSE;
                  }
                continue;
              }
          }
        return TRUE;
      }
    }

  g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
               "%s has the wrong type", spec->key);
  return FALSE;
}

static guint
get_uint (JsonNode *node)
{
  return (guint) json_node_get_int (node);
}

static void
apply_config_member (WabizSimServer *self,
                     const char     *key,
                     JsonNode       *node)
{
  WabizSimConfig *config = &self->config;

  if (g_str_equal (key, "throughput"))
    {
      config->throughput = json_node_get_double (node);
      g_array_set_size (self->send_times, 0);
    }
  else if (g_str_equal (key, "window_policy"))
    {
      guint index = 0;

      find_choice ("enforce|open|enforce_async", json_node_get_string (node), &index);
      config->window_policy = index;
    }
  else if (g_str_equal (key, "window_seconds"))
    config->window_seconds = json_node_get_int (node);
  else if (g_str_equal (key, "undeliverable"))
    {
      JsonArray *array = json_node_get_array (node);

      g_hash_table_remove_all (config->undeliverable);
      for (guint i = 0; i < json_array_get_length (array); i++)
        g_hash_table_add (config->undeliverable,
                          wabiz_sim_normalize_wa_id (json_array_get_string_element (array, i)));
    }
  else if (g_str_equal (key, "undeliverable_mode"))
    config->undeliverable_immediate = g_str_equal (json_node_get_string (node), "error");
  else if (g_str_equal (key, "failure_rate"))
    config->failure_rate = json_node_get_double (node);
  else if (g_str_equal (key, "failure_code"))
    config->failure_code = json_node_get_int (node);
  else if (g_str_equal (key, "duplicate_rate"))
    config->duplicate_rate = json_node_get_double (node);
  else if (g_str_equal (key, "out_of_order"))
    config->out_of_order = json_node_get_boolean (node);
  else if (g_str_equal (key, "status_delay_ms"))
    config->status_delay_ms = get_uint (node);
  else if (g_str_equal (key, "send_latency_ms"))
    config->send_latency_ms = get_uint (node);
  else if (g_str_equal (key, "read_receipts"))
    config->read_receipts = json_node_get_boolean (node);
  else if (g_str_equal (key, "pricing_model"))
    wabiz_sim_set_str (&config->pricing_model, json_node_get_string (node));
  else if (g_str_equal (key, "webhook_url"))
    wabiz_sim_webhooks_set_url (self->webhooks,
                                JSON_NODE_HOLDS_NULL (node) ? NULL : json_node_get_string (node));
  else if (g_str_equal (key, "retry_max_attempts"))
    wabiz_sim_webhooks_set_max_attempts (self->webhooks, get_uint (node));
  else if (g_str_equal (key, "retry_initial_ms"))
    wabiz_sim_webhooks_set_initial_backoff_ms (self->webhooks, get_uint (node));
  else if (g_str_equal (key, "retry_max_ms"))
    wabiz_sim_webhooks_set_max_backoff_ms (self->webhooks, get_uint (node));
  else if (g_str_equal (key, "webhook_concurrency"))
    wabiz_sim_webhooks_set_concurrency (self->webhooks, get_uint (node));
  else if (g_str_equal (key, "webhook_timeout_s"))
    wabiz_sim_webhooks_set_timeout (self->webhooks, get_uint (node));
  else if (g_str_equal (key, "template_review_delay_ms"))
    config->template_review_delay_ms = get_uint (node);
  else if (g_str_equal (key, "template_review"))
    {
      guint index = 0;

      find_choice ("auto|approve|reject|manual", json_node_get_string (node), &index);
      config->template_review = index;
    }
  else if (g_str_equal (key, "template_reject_pattern"))
    wabiz_sim_set_str (&config->template_reject_pattern, json_node_get_string (node));
  else if (g_str_equal (key, "template_reject_reason"))
    wabiz_sim_set_str (&config->template_reject_reason, json_node_get_string (node));
  else if (g_str_equal (key, "media_url_ttl_s"))
    config->media_url_ttl_s = get_uint (node);
  else if (g_str_equal (key, "token_expired"))
    config->token_expired = json_node_get_boolean (node);
  else if (g_str_equal (key, "gemini_fail_next"))
    {
      JsonArray *array = json_node_get_array (node);

      g_array_set_size (config->gemini_fail_next, 0);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          guint status = json_array_get_int_element (array, i);

          g_array_append_val (config->gemini_fail_next, status);
        }
    }
  else if (g_str_equal (key, "gemini_latency_ms"))
    config->gemini_latency_ms = get_uint (node);
  else if (g_str_equal (key, "gemini_stream_chunk_delay_ms"))
    config->gemini_stream_chunk_delay_ms = get_uint (node);
  else if (g_str_equal (key, "gemini_retry_delay"))
    wabiz_sim_set_str (&config->gemini_retry_delay, json_node_get_string (node));
  else if (g_str_equal (key, "seed"))
    {
      config->seed = (guint32) json_node_get_int (node);
      g_rand_set_seed (self->rand, config->seed);
    }
  else if (g_str_equal (key, "ledger_limit"))
    config->ledger_limit = get_uint (node);
  else if (g_str_equal (key, "access_token"))
    wabiz_sim_set_str (&self->access_token, json_node_get_string (node));
  else if (g_str_equal (key, "app_secret"))
    {
      wabiz_sim_set_str (&self->app_secret, json_node_get_string (node));
      wabiz_sim_webhooks_set_app_secret (self->webhooks, self->app_secret);
    }
  else if (g_str_equal (key, "gemini_key"))
    wabiz_sim_set_str (&self->gemini_key, json_node_get_string (node));
  else
    g_assert_not_reached ();
}

/* Ids */

gint64
_wabiz_sim_now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static char *
make_digest_hex (WabizSimServer *self)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint64 counter = ++self->counter;

  g_checksum_update (checksum, self->nonce, sizeof self->nonce);
  g_checksum_update (checksum, (const guchar *) &counter, sizeof counter);

  return g_strdup (g_checksum_get_string (checksum));
}

/**
 * _wabiz_sim_server_new_wamid:
 *
 * Builds a message id shaped like Meta's: "wamid." and the base64 of a
 * small binary record holding the customer's wa_id and a hex id, 18
 * characters for messages the business sent, 20 for inbound ones. A
 * per-process nonce keeps ids unique across runs of the simulator.
 */
char *
_wabiz_sim_server_new_wamid (WabizSimServer *self,
                             const char     *wa_id,
                             gboolean        inbound)
{
  g_autoptr(GByteArray) record = g_byte_array_new ();
  g_autofree char *digest = make_digest_hex (self);
  g_autofree char *encoded = NULL;
  guint8 n_hex = inbound ? 20 : 18;
  guint8 wa_len = MIN (strlen (wa_id), 64);
  const guint8 head[] = { 0x1c, 0x18, wa_len };
  const guint8 middle[] = { 0x15, 0x02, 0x00, inbound ? 0x12 : 0x11, 0x18, n_hex };
  const guint8 tail[] = { 0x00 };

  for (guint i = 0; i < n_hex; i++)
    digest[i] = g_ascii_toupper (digest[i]);

  g_byte_array_append (record, head, sizeof head);
  g_byte_array_append (record, (const guint8 *) wa_id, wa_len);
  g_byte_array_append (record, middle, sizeof middle);
  g_byte_array_append (record, (const guint8 *) digest, n_hex);
  g_byte_array_append (record, tail, sizeof tail);

  encoded = g_base64_encode (record->data, record->len);
  return g_strconcat ("wamid.", encoded, NULL);
}

/* A 16-digit decimal Graph id, unique in this process and very likely
 * across runs. */
char *
_wabiz_sim_server_new_object_id (WabizSimServer *self)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, self->id_base + ++self->counter);
}

char *
_wabiz_sim_server_new_hex_id (WabizSimServer *self,
                              guint           n_chars)
{
  char *digest = make_digest_hex (self);

  if (n_chars < strlen (digest))
    digest[n_chars] = '\0';

  return digest;
}

double
_wabiz_sim_server_random (WabizSimServer *self)
{
  return g_rand_double (self->rand);
}

/* Webhooks */

JsonObject *
_wabiz_sim_server_new_messages_value (WabizSimServer *self)
{
  JsonObject *value = json_object_new ();
  JsonObject *metadata = json_object_new ();

  json_object_set_string_member (value, "messaging_product", "whatsapp");
  json_object_set_string_member (metadata, "display_phone_number", self->display_phone_number);
  json_object_set_string_member (metadata, "phone_number_id", self->phone_number_id);
  json_object_set_object_member (value, "metadata", metadata);

  return value;
}

/**
 * _wabiz_sim_server_wrap_value:
 * @value: (transfer full): the change's value
 * @with_time: add `entry[].time`, as template webhooks have
 *
 * Returns: (transfer full): the webhook envelope
 */
JsonNode *
_wabiz_sim_server_wrap_value (WabizSimServer *self,
                              const char     *field,
                              JsonObject     *value,
                              gboolean        with_time)
{
  JsonObject *root = json_object_new ();
  JsonArray *entries = json_array_new ();
  JsonObject *entry = json_object_new ();
  JsonArray *changes = json_array_new ();
  JsonObject *change = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_object_member (change, "value", value);
  json_object_set_string_member (change, "field", field);
  json_array_add_object_element (changes, change);

  json_object_set_string_member (entry, "id", self->waba_id);
  if (with_time)
    json_object_set_int_member (entry, "time", _wabiz_sim_now_s ());
  json_object_set_array_member (entry, "changes", changes);
  json_array_add_object_element (entries, entry);

  json_object_set_string_member (root, "object", "whatsapp_business_account");
  json_object_set_array_member (root, "entry", entries);
  json_node_take_object (node, root);

  return node;
}

/**
 * _wabiz_sim_server_deliver:
 *
 * Serialises @envelope once, non-ASCII escaped, and queues those bytes;
 * with `duplicate_rate` the same bytes may be queued twice.
 */
void
_wabiz_sim_server_deliver (WabizSimServer *self,
                           JsonNode       *envelope,
                           guint           delay_ms)
{
  g_autoptr(GBytes) body = wabiz_sim_json_to_bytes (envelope);

  wabiz_sim_webhooks_enqueue (self->webhooks, body, delay_ms);

  if (self->config.duplicate_rate > 0 &&
      _wabiz_sim_server_random (self) < self->config.duplicate_rate)
    wabiz_sim_webhooks_enqueue (self->webhooks, body, delay_ms + 5);
}

/* Windows */

void
_wabiz_sim_server_open_window (WabizSimServer *self,
                               const char     *wa_id,
                               gint64          timestamp_s)
{
  gint64 *last = g_hash_table_lookup (self->windows, wa_id);

  if (last == NULL)
    {
      last = g_new (gint64, 1);
      *last = timestamp_s;
      g_hash_table_insert (self->windows, g_strdup (wa_id), last);
    }
  else if (*last < timestamp_s)
    {
      *last = timestamp_s;
    }
}

gboolean
_wabiz_sim_server_window_is_open (WabizSimServer *self,
                                  const char     *wa_id)
{
  gint64 *last;

  if (self->config.window_policy == WABIZ_SIM_WINDOW_OPEN)
    return TRUE;

  last = g_hash_table_lookup (self->windows, wa_id);
  return last != NULL && _wabiz_sim_now_s () - *last < self->config.window_seconds;
}

/* Deferred answers */

static void
deferred_free (Deferred *deferred)
{
  wabiz_sim_source_clear (&deferred->timer);
  g_clear_signal_handler (&deferred->finished_id, deferred->msg);
  g_clear_signal_handler (&deferred->disconnected_id, deferred->msg);
  if (deferred->destroy != NULL)
    deferred->destroy (deferred->data);
  g_clear_object (&deferred->msg);
  g_free (deferred);
}

static void
deferred_finished_cb (SoupServerMessage *msg,
                      gpointer           user_data)
{
  Deferred *deferred = user_data;

  /* The client went away, or the answer is complete. */
  g_hash_table_remove (deferred->self->deferred, msg);
}

static gboolean
deferred_timer_cb (gpointer user_data)
{
  Deferred *deferred = user_data;
  g_autoptr(SoupServerMessage) msg = g_object_ref (deferred->msg);
  WabizSimServer *self = deferred->self;
  gboolean again;

  /* GLib keeps the source alive until we return. */
  g_clear_pointer (&deferred->timer, g_source_unref);

  again = deferred->func (self, msg, deferred->data);
  soup_server_message_unpause (msg);

  if (again)
    deferred->timer = wabiz_sim_timeout_source_new (deferred->interval_ms, deferred_timer_cb,
                                                    deferred, NULL);
  else
    g_hash_table_remove (self->deferred, msg);

  return G_SOURCE_REMOVE;
}

/**
 * _wabiz_sim_server_defer:
 * @delay_ms: when to call @func first
 * @interval_ms: when to call it again, while it returns %TRUE
 * @func: fills in the answer (or its next chunk)
 *
 * Pauses @msg and answers it later, without blocking the main loop.
 * Everything is dropped if the client goes away first.
 */
void
_wabiz_sim_server_defer (WabizSimServer       *self,
                         SoupServerMessage    *msg,
                         guint                 delay_ms,
                         guint                 interval_ms,
                         WabizSimDeferredFunc  func,
                         gpointer              data,
                         GDestroyNotify        destroy)
{
  Deferred *deferred = g_new0 (Deferred, 1);

  deferred->self = self;
  deferred->msg = g_object_ref (msg);
  deferred->interval_ms = interval_ms;
  deferred->func = func;
  deferred->data = data;
  deferred->destroy = destroy;
  deferred->finished_id = g_signal_connect (msg, "finished",
                                            G_CALLBACK (deferred_finished_cb), deferred);
  deferred->disconnected_id = g_signal_connect (msg, "disconnected",
                                                G_CALLBACK (deferred_finished_cb), deferred);
  deferred->timer = wabiz_sim_timeout_source_new (delay_ms, deferred_timer_cb, deferred, NULL);

  g_hash_table_replace (self->deferred, msg, deferred);
  soup_server_message_pause (msg);
}

/* Auth */

/**
 * _wabiz_sim_server_check_token:
 *
 * Checks the Graph bearer token (header, or `access_token` in the
 * query) and answers 401 with a code 190 error if it is missing, wrong
 * or `token_expired` is set.
 *
 * Returns: %TRUE if the request may go on
 */
gboolean
_wabiz_sim_server_check_token (WabizSimServer    *self,
                               SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  g_autoptr(GHashTable) query = NULL;
  g_auto(WabizSimGraphError) error = { 0 };
  g_autofree char *message = NULL;
  g_autofree char *token = NULL;
  const char *uri_query;

  if (auth != NULL && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    token = g_strstrip (g_strdup (auth + 7));
  /* the Resumable Upload API's form */
  else if (auth != NULL && g_ascii_strncasecmp (auth, "OAuth ", 6) == 0)
    token = g_strstrip (g_strdup (auth + 6));

  uri_query = g_uri_get_query (soup_server_message_get_uri (msg));
  if (token == NULL && uri_query != NULL)
    {
      query = soup_form_decode (uri_query);
      token = g_strdup (g_hash_table_lookup (query, "access_token"));
    }

  if (token != NULL && *token != '\0' && !self->config.token_expired &&
      wabiz_sim_str_equal_const_time (token, self->access_token))
    return TRUE;

  error.code = 190;
  error.http_status = SOUP_STATUS_UNAUTHORIZED;

  if (token == NULL || *token == '\0')
    {
      error.message = "An access token is required to request this resource.";
    }
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) expired = g_date_time_add_hours (now, -1);
      g_autofree char *expired_text = g_date_time_format (expired, "%A, %d-%b-%y %H:%M:%S UTC");
      g_autofree char *now_text = g_date_time_format (now, "%A, %d-%b-%y %H:%M:%S UTC");

      /* as tests/data/meta-graph-responses/error-190-expired-token.json */
      message = g_strdup_printf ("Error validating access token: The access token expired on %s. "
                                 "The current time is %s.", expired_text, now_text);
      error.message = message;
      error.subcode = 463;
    }

  g_debug ("Refused a Graph request: %s bearer token",
           token == NULL || *token == '\0' ? "no" : "wrong or expired");

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "WWW-Authenticate",
                                "OAuth \"Facebook Platform\" \"invalid_token\"");
  wabiz_sim_reply_graph_error (msg, &error);

  return FALSE;
}

/* Graph routing */

void
_wabiz_sim_reply_object_not_found (SoupServerMessage *msg,
                                   const char        *id)
{
  g_auto(WabizSimGraphError) error = { 0 };
  g_autofree char *message = NULL;
  g_autofree char *method = g_ascii_strdown (soup_server_message_get_method (msg), -1);

  /* as tests/data/meta-graph-responses/error-100-object-not-found.json */
  message = g_strdup_printf ("Unsupported %s request. Object with ID '%s' does not exist, "
                             "cannot be loaded due to missing permissions, or does not "
                             "support this operation.", method, id);
  error.code = 100;
  error.subcode = 33;
  error.type = "GraphMethodException";
  error.message = message;

  wabiz_sim_reply_graph_error (msg, &error);
}

static void
reply_unknown_path (SoupServerMessage *msg,
                    const char        *rest)
{
  g_auto(WabizSimGraphError) error = { 0 };
  g_autofree char *message = g_strdup_printf ("Unknown path components: /%s", rest);

  error.code = 2500;
  error.message = message;

  wabiz_sim_reply_graph_error (msg, &error);
}

static char *
format_display_number (const char *digits)
{
  gsize len = strlen (digits);

  if (len == 11 && digits[0] == '1')
    return g_strdup_printf ("+1 %.3s-%.3s-%.4s", digits + 1, digits + 4, digits + 7);

  return g_strconcat ("+", digits, NULL);
}

static JsonObject *
build_phone_number (WabizSimServer *self)
{
  JsonObject *phone = json_object_new ();
  JsonObject *throughput = json_object_new ();
  g_autofree char *display = format_display_number (self->display_phone_number);

  json_object_set_string_member (phone, "verified_name", "WaBiz Demo Caf\xc3\xa9");
  json_object_set_string_member (phone, "code_verification_status", "VERIFIED");
  json_object_set_string_member (phone, "display_phone_number", display);
  json_object_set_string_member (phone, "quality_rating", "GREEN");
  json_object_set_string_member (phone, "platform_type", "CLOUD_API");
  json_object_set_string_member (throughput, "level", "STANDARD");
  json_object_set_object_member (phone, "throughput", throughput);
  json_object_set_string_member (phone, "id", self->phone_number_id);

  return phone;
}

static void
handle_phone_number (WabizSimServer    *self,
                     SoupServerMessage *msg,
                     const char        *edge,
                     const char        *rest)
{
  const char *method = soup_server_message_get_method (msg);

  if (edge == NULL)
    {
      g_autoptr(JsonObject) phone = NULL;

      if (method != SOUP_METHOD_GET)
        {
          _wabiz_sim_reply_object_not_found (msg, self->phone_number_id);
          return;
        }
      phone = build_phone_number (self);
      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, phone);
    }
  else if (g_str_equal (edge, "messages"))
    {
      if (method == SOUP_METHOD_POST)
        _wabiz_sim_server_handle_messages (self, msg);
      else
        _wabiz_sim_reply_object_not_found (msg, self->phone_number_id);
    }
  else if (g_str_equal (edge, "media"))
    {
      if (method == SOUP_METHOD_POST)
        _wabiz_sim_server_handle_upload (self, msg);
      else
        _wabiz_sim_reply_object_not_found (msg, self->phone_number_id);
    }
  else
    {
      reply_unknown_path (msg, rest);
    }
}

static void
reply_phone_numbers (WabizSimServer    *self,
                     SoupServerMessage *msg)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonArray *data = json_array_new ();
  JsonObject *paging = json_object_new ();
  JsonObject *cursors = json_object_new ();
  g_autofree char *cursor = g_base64_encode ((const guchar *) self->phone_number_id,
                                             strlen (self->phone_number_id));

  json_array_add_object_element (data, build_phone_number (self));
  json_object_set_string_member (cursors, "before", cursor);
  json_object_set_string_member (cursors, "after", cursor);
  json_object_set_object_member (paging, "cursors", cursors);
  json_object_set_array_member (root, "data", data);
  json_object_set_object_member (root, "paging", paging);

  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, root);
}

static void
handle_waba (WabizSimServer    *self,
             SoupServerMessage *msg,
             const char        *edge,
             const char        *rest,
             const char        *version,
             GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);

  if (edge == NULL)
    {
      g_autoptr(JsonObject) waba = json_object_new ();

      if (method != SOUP_METHOD_GET)
        {
          _wabiz_sim_reply_object_not_found (msg, self->waba_id);
          return;
        }
      json_object_set_string_member (waba, "id", self->waba_id);
      json_object_set_string_member (waba, "name", "WaBiz Demo");
      json_object_set_string_member (waba, "currency", "USD");
      json_object_set_string_member (waba, "timezone_id", "1");
      json_object_set_string_member (waba, "message_template_namespace",
                                     "wabiz_sim_namespace");
      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, waba);
    }
  else if (g_str_equal (edge, "message_templates"))
    {
      _wabiz_sim_server_handle_templates (self, msg, version, query);
    }
  else if (g_str_equal (edge, "phone_numbers"))
    {
      if (method == SOUP_METHOD_GET)
        reply_phone_numbers (self, msg);
      else
        _wabiz_sim_reply_object_not_found (msg, self->waba_id);
    }
  else
    {
      reply_unknown_path (msg, rest);
    }
}

/* Splits "/v19.0/rest…" into the version and the rest. */
static gboolean
split_graph_version (const char  *path,
                     char       **version,
                     const char **rest)
{
  const char *p = path;
  const char *start;

  if (p[0] != '/' || p[1] != 'v' || !g_ascii_isdigit (p[2]))
    return FALSE;

  start = p + 1;
  p += 2;
  while (g_ascii_isdigit (*p))
    p++;
  if (*p != '.' || !g_ascii_isdigit (p[1]))
    return FALSE;
  p++;
  while (g_ascii_isdigit (*p))
    p++;
  if (*p != '/' && *p != '\0')
    return FALSE;

  *version = g_strndup (start, p - start);
  *rest = *p == '/' ? p + 1 : p;

  return TRUE;
}

static void
handle_graph (WabizSimServer    *self,
              SoupServerMessage *msg,
              const char        *version,
              const char        *rest,
              GHashTable        *query)
{
  g_auto(GStrv) segments = NULL;
  g_autofree char *id = NULL;
  g_autofree char *edge = NULL;
  g_autofree char *trimmed = NULL;
  WabizSimMedia *media;
  WabizSimTemplate *tpl;
  guint n_segments;

  if (!_wabiz_sim_server_check_token (self, msg))
    return;

  trimmed = g_strdup (rest);
  while (*trimmed != '\0' && trimmed[strlen (trimmed) - 1] == '/')
    trimmed[strlen (trimmed) - 1] = '\0';

  if (*trimmed == '\0')
    {
      reply_unknown_path (msg, "");
      return;
    }

  segments = g_strsplit (trimmed, "/", -1);
  n_segments = g_strv_length (segments);
  id = g_uri_unescape_string (segments[0], NULL);
  if (n_segments > 1)
    edge = g_uri_unescape_string (segments[1], NULL);

  if (id == NULL || (n_segments > 1 && edge == NULL))
    {
      reply_unknown_path (msg, trimmed);
      return;
    }

  if (n_segments > 2)
    {
      reply_unknown_path (msg, strchr (strchr (trimmed, '/') + 1, '/') + 1);
      return;
    }

  if (g_str_equal (id, self->phone_number_id))
    handle_phone_number (self, msg, edge, edge != NULL ? edge : "");
  else if (g_str_equal (id, self->waba_id))
    handle_waba (self, msg, edge, edge != NULL ? edge : "", version, query);
  else if (g_str_equal (id, "app") && edge == NULL)
    _wabiz_sim_server_handle_app (self, msg);
  else if (g_str_equal (id, self->app_id) && g_strcmp0 (edge, "uploads") == 0)
    _wabiz_sim_server_open_upload (self, msg, query);
  else if (g_str_has_prefix (id, "upload:") && edge == NULL)
    _wabiz_sim_server_handle_upload_session (self, msg, id, query);
  else if ((media = g_hash_table_lookup (self->media, id)) != NULL && edge == NULL)
    _wabiz_sim_server_handle_media (self, msg, media);
  else if ((tpl = _wabiz_sim_server_find_template_by_id (self, id)) != NULL && edge == NULL)
    _wabiz_sim_server_handle_template (self, msg, tpl);
  else
    _wabiz_sim_reply_object_not_found (msg, id);
}

/* Control API */

static JsonNode *
read_control_body (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  node = wabiz_sim_parse_json (body->data, body->length, &error);
  if (node == NULL)
    {
      wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST,
                                     "The body is not valid JSON: %s", error->message);
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST,
                                     "The body must be a JSON object");
      json_node_unref (node);
      return NULL;
    }

  return node;
}

static gboolean
is_loopback (SoupServerMessage *msg)
{
  GSocketAddress *address = soup_server_message_get_remote_address (msg);

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return FALSE;

  return g_inet_address_get_is_loopback (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static void
reply_info (WabizSimServer    *self,
            SoupServerMessage *msg)
{
  g_autoptr(JsonObject) info = json_object_new ();

  json_object_set_string_member (info, "name", "wabiz-sim");
  json_object_set_string_member (info, "version", PACKAGE_VERSION);
  json_object_set_string_member (info, "base_url", self->base_url);
  json_object_set_string_member (info, "phone_number_id", self->phone_number_id);
  json_object_set_string_member (info, "waba_id", self->waba_id);
  json_object_set_string_member (info, "display_phone_number", self->display_phone_number);
  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, info);
}

static void
handle_control_inbound (WabizSimServer    *self,
                        SoupServerMessage *msg)
{
  g_autoptr(JsonNode) spec = read_control_body (msg);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GError) error = NULL;

  if (spec == NULL)
    return;

  result = _wabiz_sim_server_inject (self, spec, &error);
  if (result == NULL)
    {
      wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
      return;
    }

  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, result);
}

static void
handle_control_ledger (WabizSimServer    *self,
                       SoupServerMessage *msg,
                       GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);

  if (method == SOUP_METHOD_GET)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      guint64 since;

      if (!wabiz_sim_query_get_since (msg, query, &since))
        return;

      json_object_set_array_member (root, "entries", wabiz_sim_server_dup_ledger (self, since));
      json_object_set_int_member (root, "last_seq", self->ledger_seq);
      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, root);
    }
  else if (method == SOUP_METHOD_DELETE)
    {
      wabiz_sim_server_clear_ledger (self);
      wabiz_sim_reply_success (msg);
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    }
}

static void
handle_control_config (WabizSimServer    *self,
                       SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(JsonObject) config = NULL;

  if (g_str_equal (method, "PATCH") || method == SOUP_METHOD_POST)
    {
      g_autoptr(JsonNode) changes = read_control_body (msg);
      g_autoptr(GError) error = NULL;

      if (changes == NULL)
        return;

      if (!wabiz_sim_server_update_config (self, json_node_get_object (changes), &error))
        {
          wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
          return;
        }
    }
  else if (method != SOUP_METHOD_GET)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  config = wabiz_sim_server_dup_config (self);
  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, config);
}

static void
handle_control_webhooks (WabizSimServer    *self,
                         SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(JsonObject) stats = NULL;

  if (method == SOUP_METHOD_DELETE)
    {
      wabiz_sim_webhooks_cancel_all (self->webhooks);
      wabiz_sim_webhooks_reset_stats (self->webhooks);
    }
  else if (method != SOUP_METHOD_GET)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  stats = wabiz_sim_webhooks_dup_stats (self->webhooks);
  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, stats);
}

static void
handle_control_raw_webhook (WabizSimServer    *self,
                            SoupServerMessage *msg,
                            GHashTable        *query)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = NULL;
  const char *delay_text = query != NULL ? g_hash_table_lookup (query, "delay_ms") : NULL;
  guint64 delay = 0;

  if (body->length == 0)
    {
      wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST, "The body is empty");
      return;
    }

  if (delay_text != NULL &&
      !g_ascii_string_to_unsigned (delay_text, 10, 0, 3600 * 1000, &delay, NULL))
    {
      wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST,
                                     "delay_ms must be a number of milliseconds");
      return;
    }

  /* Delivered byte for byte as received, signed as they are. */
  bytes = g_bytes_new (body->data, body->length);
  wabiz_sim_webhooks_enqueue (self->webhooks, bytes, delay);
  wabiz_sim_reply_success (msg);
}

static void
handle_control_window (WabizSimServer    *self,
                       SoupServerMessage *msg)
{
  g_autoptr(JsonNode) node = read_control_body (msg);
  g_autofree char *wa_id = NULL;
  JsonObject *object;
  gboolean open = TRUE;

  if (node == NULL)
    return;

  object = json_node_get_object (node);
  wa_id = wabiz_sim_normalize_wa_id (wabiz_sim_object_get_string (object, "wa_id"));
  if (wa_id == NULL)
    {
      wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST,
                                     "wa_id must be a phone number");
      return;
    }

  open = wabiz_sim_object_get_bool (object, "open", TRUE);
  wabiz_sim_server_set_window (self, wa_id, open);
  wabiz_sim_reply_success (msg);
}

static void
handle_control_template_status (WabizSimServer    *self,
                                SoupServerMessage *msg)
{
  g_autoptr(JsonNode) node = read_control_body (msg);
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  if (node == NULL)
    return;

  object = json_node_get_object (node);
  if (!wabiz_sim_server_set_template_status (self,
                                             wabiz_sim_object_get_string (object, "name"),
                                             wabiz_sim_object_get_string (object, "language"),
                                             wabiz_sim_object_get_string (object, "status"),
                                             wabiz_sim_object_get_string (object, "reason"),
                                             &error))
    {
      wabiz_sim_reply_control_error (msg,
                                     g_error_matches (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_NOT_FOUND)
                                       ? SOUP_STATUS_NOT_FOUND : SOUP_STATUS_BAD_REQUEST,
                                     "%s", error->message);
      return;
    }

  wabiz_sim_reply_success (msg);
}

static void
handle_control (WabizSimServer    *self,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  const char *sub = path + strlen ("/_sim");

  if (!is_loopback (msg))
    {
      wabiz_sim_reply_control_error (msg, SOUP_STATUS_FORBIDDEN,
                                     "The control API only answers on loopback");
      return;
    }

  if ((*sub == '\0' || g_str_equal (sub, "/") || g_str_equal (sub, "/health")) &&
      method == SOUP_METHOD_GET)
    reply_info (self, msg);
  else if (g_str_equal (sub, "/inbound") && method == SOUP_METHOD_POST)
    handle_control_inbound (self, msg);
  else if (g_str_equal (sub, "/ledger"))
    handle_control_ledger (self, msg, query);
  else if (g_str_equal (sub, "/config"))
    handle_control_config (self, msg);
  else if (g_str_equal (sub, "/webhooks"))
    handle_control_webhooks (self, msg);
  else if (g_str_equal (sub, "/webhooks/raw") && method == SOUP_METHOD_POST)
    handle_control_raw_webhook (self, msg, query);
  else if (g_str_equal (sub, "/window") && method == SOUP_METHOD_POST)
    handle_control_window (self, msg);
  else if (g_str_equal (sub, "/templates/status") && method == SOUP_METHOD_POST)
    handle_control_template_status (self, msg);
  else if (g_str_has_prefix (sub, "/gemini/"))
    _wabiz_sim_server_handle_gemini_control (self, msg, sub + strlen ("/gemini"), query);
  else if (g_str_equal (sub, "/stats") && method == SOUP_METHOD_GET)
    {
      g_autoptr(JsonObject) stats = wabiz_sim_server_dup_stats (self);

      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, stats);
    }
  else if (g_str_equal (sub, "/reset") && method == SOUP_METHOD_POST)
    {
      wabiz_sim_server_reset (self);
      wabiz_sim_reply_success (msg);
    }
  else
    wabiz_sim_reply_control_error (msg, SOUP_STATUS_NOT_FOUND,
                                   "No control call %s %s", method, path);
}

static void
early_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WabizSimServer *self = user_data;

  if (soup_server_message_get_method (msg) == SOUP_METHOD_POST &&
      g_str_has_suffix (path, "/media"))
    _wabiz_sim_server_prepare_upload (self, msg);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  WabizSimServer *self = user_data;
  g_autofree char *version = NULL;
  const char *rest = NULL;

  /* Paths only: queries may carry keys and tokens. */
  g_debug ("%s %s", soup_server_message_get_method (msg), path);

  if (soup_server_message_get_status (msg) != 0)
    return;

  if (g_str_has_prefix (path, "/_sim/media/"))
    _wabiz_sim_server_handle_download (self, msg, path + strlen ("/_sim/media/"), query);
  else if (g_str_equal (path, "/_sim") || g_str_has_prefix (path, "/_sim/"))
    handle_control (self, msg, path, query);
  else if (g_str_has_prefix (path, "/v1beta/") || g_str_has_prefix (path, "/v1/"))
    _wabiz_sim_server_handle_gemini (self, msg, path, query);
  else if (split_graph_version (path, &version, &rest))
    handle_graph (self, msg, version, rest, query);
  else if (g_str_equal (path, "/"))
    reply_info (self, msg);
  else
    {
      g_auto(WabizSimGraphError) error = { 0 };

      error.code = 2500;
      error.http_status = SOUP_STATUS_NOT_FOUND;
      error.message = "Unknown path components";
      wabiz_sim_reply_graph_error (msg, &error);
    }
}

static void
wabiz_sim_server_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  WabizSimServer *self = WABIZ_SIM_SERVER (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;

    case PROP_PORT:
      g_value_set_uint (value, self->bound_port != 0 ? self->bound_port : self->port);
      break;

    case PROP_WEBHOOK_URL:
      g_value_set_string (value, wabiz_sim_webhooks_get_url (self->webhooks));
      break;

    case PROP_PHONE_NUMBER_ID:
      g_value_set_string (value, self->phone_number_id);
      break;

    case PROP_WABA_ID:
      g_value_set_string (value, self->waba_id);
      break;

    case PROP_DISPLAY_PHONE_NUMBER:
      g_value_set_string (value, self->display_phone_number);
      break;

    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_string_property (WabizSimServer *self,
                     char          **field,
                     const char     *value,
                     guint           prop_id)
{
  if (value == NULL || *value == '\0')
    value = G_PARAM_SPEC_STRING (properties[prop_id])->default_value;

  if (wabiz_sim_set_str (field, value))
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
wabiz_sim_server_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  WabizSimServer *self = WABIZ_SIM_SERVER (object);

  switch (prop_id)
    {
    case PROP_HOST:
      set_string_property (self, &self->host, g_value_get_string (value), prop_id);
      break;

    case PROP_PORT:
      if (self->port != g_value_get_uint (value))
        {
          self->port = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    case PROP_WEBHOOK_URL:
      wabiz_sim_set_str (&self->initial_webhook_url, g_value_get_string (value));
      wabiz_sim_webhooks_set_url (self->webhooks, g_value_get_string (value));
      g_object_notify_by_pspec (object, pspec);
      break;

    case PROP_APP_SECRET:
      set_string_property (self, &self->app_secret, g_value_get_string (value), prop_id);
      wabiz_sim_webhooks_set_app_secret (self->webhooks, self->app_secret);
      break;

    case PROP_ACCESS_TOKEN:
      set_string_property (self, &self->access_token, g_value_get_string (value), prop_id);
      break;

    case PROP_PHONE_NUMBER_ID:
      set_string_property (self, &self->phone_number_id, g_value_get_string (value), prop_id);
      break;

    case PROP_WABA_ID:
      set_string_property (self, &self->waba_id, g_value_get_string (value), prop_id);
      break;

    case PROP_GEMINI_KEY:
      set_string_property (self, &self->gemini_key, g_value_get_string (value), prop_id);
      break;

    case PROP_DISPLAY_PHONE_NUMBER:
      set_string_property (self, &self->display_phone_number, g_value_get_string (value),
                           prop_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_sim_server_dispose (GObject *object)
{
  WabizSimServer *self = WABIZ_SIM_SERVER (object);

  wabiz_sim_server_stop (self);

  if (self->templates != NULL)
    g_ptr_array_set_size (self->templates, 0);

  G_OBJECT_CLASS (wabiz_sim_server_parent_class)->dispose (object);
}

static void
wabiz_sim_server_finalize (GObject *object)
{
  WabizSimServer *self = WABIZ_SIM_SERVER (object);

  g_assert (self->soup == NULL);

  g_clear_object (&self->webhooks);
  g_clear_pointer (&self->rand, g_rand_free);
  config_clear (&self->config);
  g_clear_pointer (&self->windows, g_hash_table_unref);
  g_clear_pointer (&self->send_times, g_array_unref);
  g_clear_pointer (&self->ledger, g_ptr_array_unref);
  g_clear_pointer (&self->media, g_hash_table_unref);
  g_clear_pointer (&self->templates, g_ptr_array_unref);
  g_clear_pointer (&self->conversations, g_hash_table_unref);
  g_clear_pointer (&self->deferred, g_hash_table_unref);
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_clear_pointer (&self->upload_handles, g_hash_table_unref);
  g_clear_pointer (&self->app_id, g_free);

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->initial_webhook_url, g_free);
  g_clear_pointer (&self->access_token, g_free);
  g_clear_pointer (&self->app_secret, g_free);
  g_clear_pointer (&self->phone_number_id, g_free);
  g_clear_pointer (&self->waba_id, g_free);
  g_clear_pointer (&self->gemini_key, g_free);
  g_clear_pointer (&self->display_phone_number, g_free);

  G_OBJECT_CLASS (wabiz_sim_server_parent_class)->finalize (object);
}

static void
wabiz_sim_server_class_init (WabizSimServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wabiz_sim_server_get_property;
  object_class->set_property = wabiz_sim_server_set_property;
  object_class->dispose = wabiz_sim_server_dispose;
  object_class->finalize = wabiz_sim_server_finalize;

  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, WABIZ_SIM_DEFAULT_HOST,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WEBHOOK_URL] =
    g_param_spec_string ("webhook-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APP_SECRET] =
    g_param_spec_string ("app-secret", NULL, NULL, WABIZ_SIM_DEFAULT_APP_SECRET,
                         G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACCESS_TOKEN] =
    g_param_spec_string ("access-token", NULL, NULL, WABIZ_SIM_DEFAULT_ACCESS_TOKEN,
                         G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PHONE_NUMBER_ID] =
    g_param_spec_string ("phone-number-id", NULL, NULL, WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WABA_ID] =
    g_param_spec_string ("waba-id", NULL, NULL, WABIZ_SIM_DEFAULT_WABA_ID,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GEMINI_KEY] =
    g_param_spec_string ("gemini-key", NULL, NULL, WABIZ_SIM_DEFAULT_GEMINI_KEY,
                         G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_PHONE_NUMBER] =
    g_param_spec_string ("display-phone-number", NULL, NULL,
                         WABIZ_SIM_DEFAULT_DISPLAY_PHONE_NUMBER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wabiz_sim_server_init (WabizSimServer *self)
{
  self->host = g_strdup (WABIZ_SIM_DEFAULT_HOST);
  self->access_token = g_strdup (WABIZ_SIM_DEFAULT_ACCESS_TOKEN);
  self->app_secret = g_strdup (WABIZ_SIM_DEFAULT_APP_SECRET);
  self->phone_number_id = g_strdup (WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID);
  self->waba_id = g_strdup (WABIZ_SIM_DEFAULT_WABA_ID);
  self->gemini_key = g_strdup (WABIZ_SIM_DEFAULT_GEMINI_KEY);
  self->display_phone_number = g_strdup (WABIZ_SIM_DEFAULT_DISPLAY_PHONE_NUMBER);

  self->webhooks = wabiz_sim_webhooks_new ();
  wabiz_sim_webhooks_set_app_secret (self->webhooks, self->app_secret);

  config_init (&self->config);
  self->rand = g_rand_new_with_seed (self->config.seed);

  for (guint i = 0; i < sizeof self->nonce; i += 4)
    {
      guint32 r = g_random_int ();

      memcpy (self->nonce + i, &r, 4);
    }
  self->id_base = G_GUINT64_CONSTANT (1000000000000000) +
                  (guint64) g_random_int_range (0, 8000000) * G_GUINT64_CONSTANT (1000000000);

  self->windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->send_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->ledger = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->media = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) _wabiz_sim_media_free);
  self->templates = g_ptr_array_new_with_free_func ((GDestroyNotify) _wabiz_sim_template_free);
  self->conversations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) json_object_unref);
  self->deferred = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) deferred_free);
  self->app_id = g_strdup (WABIZ_SIM_DEFAULT_APP_ID);
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) _wabiz_sim_upload_free);
  self->upload_handles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  _wabiz_sim_server_seed_templates (self);
}

WabizSimServer *
wabiz_sim_server_new (void)
{
  return g_object_new (WABIZ_TYPE_SIM_SERVER, NULL);
}

/**
 * wabiz_sim_server_start:
 *
 * Listens on the host and port of the properties (port 0 picks a free
 * one, see wabiz_sim_server_get_port()), on the thread-default main
 * context.
 */
gboolean
wabiz_sim_server_start (WabizSimServer  *self,
                        GError         **error)
{
  g_autoptr(SoupServer) soup = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autofree char *host = NULL;
  GSList *uris;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), FALSE);
  g_return_val_if_fail (self->soup == NULL, FALSE);

  if (g_str_equal (self->host, "localhost"))
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (self->host);
  if (inet == NULL)
    {
      g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                   "“%s” is not an IP address", self->host);
      return FALSE;
    }

  soup = soup_server_new ("server-header", "wabiz-sim/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (soup, NULL, early_handler_cb, self, NULL);
  soup_server_add_handler (soup, NULL, handler_cb, self, NULL);

  address = g_inet_socket_address_new (inet, self->port);
  if (!soup_server_listen (soup, address, 0, error))
    return FALSE;

  uris = soup_server_get_uris (soup);
  g_assert (uris != NULL);
  self->bound_port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  host = g_inet_address_to_string (inet);
  g_free (self->base_url);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    self->base_url = g_strdup_printf ("http://[%s]:%u", host, self->bound_port);
  else
    self->base_url = g_strdup_printf ("http://%s:%u", host, self->bound_port);

  self->soup = g_steal_pointer (&soup);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);

  return TRUE;
}

/**
 * wabiz_sim_server_stop:
 *
 * Stops listening, drops pending answers and timers, and cancels
 * webhook deliveries. The state (ledger, media, templates) is kept.
 */
void
wabiz_sim_server_stop (WabizSimServer *self)
{
  g_return_if_fail (WABIZ_IS_SIM_SERVER (self));

  if (self->deferred != NULL)
    g_hash_table_remove_all (self->deferred);

  for (guint i = 0; self->templates != NULL && i < self->templates->len; i++)
    {
      WabizSimTemplate *tpl = g_ptr_array_index (self->templates, i);

      wabiz_sim_source_clear (&tpl->review);
    }

  if (self->webhooks != NULL)
    wabiz_sim_webhooks_cancel_all (self->webhooks);

  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
}

gboolean
wabiz_sim_server_is_running (WabizSimServer *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), FALSE);

  return self->soup != NULL;
}

guint
wabiz_sim_server_get_port (WabizSimServer *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), 0);

  return self->bound_port;
}

/**
 * wabiz_sim_server_get_base_url:
 *
 * Returns: (nullable): "http://HOST:PORT" once started
 */
const char *
wabiz_sim_server_get_base_url (WabizSimServer *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), NULL);

  return self->base_url;
}

WabizSimWebhooks *
wabiz_sim_server_get_webhooks (WabizSimServer *self)
{
  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), NULL);

  return self->webhooks;
}

/**
 * wabiz_sim_server_dup_config:
 *
 * Returns: (transfer full): the run-time configuration, as the control
 *   API shows it (secrets left out)
 */
JsonObject *
wabiz_sim_server_dup_config (WabizSimServer *self)
{
  WabizSimConfig *config;
  JsonObject *object;
  JsonArray *undeliverable;
  JsonArray *fail_next;
  g_autoptr(GList) wa_ids = NULL;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), NULL);

  config = &self->config;
  object = json_object_new ();
  undeliverable = json_array_new ();
  fail_next = json_array_new ();

  wa_ids = g_list_sort (g_hash_table_get_keys (config->undeliverable), (GCompareFunc) strcmp);
  for (GList *l = wa_ids; l != NULL; l = l->next)
    json_array_add_string_element (undeliverable, l->data);
  for (guint i = 0; i < config->gemini_fail_next->len; i++)
    json_array_add_int_element (fail_next, g_array_index (config->gemini_fail_next, guint, i));

  json_object_set_double_member (object, "throughput", config->throughput);
  json_object_set_string_member (object, "window_policy",
                                 window_policy_names[config->window_policy]);
  json_object_set_int_member (object, "window_seconds", config->window_seconds);
  json_object_set_array_member (object, "undeliverable", undeliverable);
  json_object_set_string_member (object, "undeliverable_mode",
                                 config->undeliverable_immediate ? "error" : "status");
  json_object_set_double_member (object, "failure_rate", config->failure_rate);
  json_object_set_int_member (object, "failure_code", config->failure_code);
  json_object_set_double_member (object, "duplicate_rate", config->duplicate_rate);
  json_object_set_boolean_member (object, "out_of_order", config->out_of_order);
  json_object_set_int_member (object, "status_delay_ms", config->status_delay_ms);
  json_object_set_int_member (object, "send_latency_ms", config->send_latency_ms);
  json_object_set_boolean_member (object, "read_receipts", config->read_receipts);
  json_object_set_string_member (object, "pricing_model", config->pricing_model);
  if (wabiz_sim_webhooks_get_url (self->webhooks) != NULL)
    json_object_set_string_member (object, "webhook_url",
                                   wabiz_sim_webhooks_get_url (self->webhooks));
  else
    json_object_set_null_member (object, "webhook_url");
  json_object_set_int_member (object, "retry_max_attempts",
                              wabiz_sim_webhooks_get_max_attempts (self->webhooks));
  json_object_set_int_member (object, "retry_initial_ms",
                              wabiz_sim_webhooks_get_initial_backoff_ms (self->webhooks));
  json_object_set_int_member (object, "retry_max_ms",
                              wabiz_sim_webhooks_get_max_backoff_ms (self->webhooks));
  json_object_set_int_member (object, "webhook_concurrency",
                              wabiz_sim_webhooks_get_concurrency (self->webhooks));
  json_object_set_int_member (object, "webhook_timeout_s",
                              wabiz_sim_webhooks_get_timeout (self->webhooks));
  json_object_set_int_member (object, "template_review_delay_ms",
                              config->template_review_delay_ms);
  json_object_set_string_member (object, "template_review",
                                 review_mode_names[config->template_review]);
  json_object_set_string_member (object, "template_reject_pattern",
                                 config->template_reject_pattern);
  json_object_set_string_member (object, "template_reject_reason",
                                 config->template_reject_reason);
  json_object_set_int_member (object, "media_url_ttl_s", config->media_url_ttl_s);
  json_object_set_boolean_member (object, "token_expired", config->token_expired);
  json_object_set_array_member (object, "gemini_fail_next", fail_next);
  json_object_set_int_member (object, "gemini_latency_ms", config->gemini_latency_ms);
  json_object_set_int_member (object, "gemini_stream_chunk_delay_ms",
                              config->gemini_stream_chunk_delay_ms);
  json_object_set_string_member (object, "gemini_retry_delay", config->gemini_retry_delay);
  json_object_set_int_member (object, "seed", config->seed);
  json_object_set_int_member (object, "ledger_limit", config->ledger_limit);

  return object;
}

/**
 * wabiz_sim_server_update_config:
 * @changes: members to change, named as in wabiz_sim_server_dup_config(),
 *   plus the write-only `access_token`, `app_secret` and `gemini_key`
 *
 * Checks every member first and changes nothing if one is wrong.
 */
gboolean
wabiz_sim_server_update_config (WabizSimServer  *self,
                                JsonObject      *changes,
                                GError         **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), FALSE);
  g_return_val_if_fail (changes != NULL, FALSE);

  json_object_iter_init (&iter, changes);
  while (json_object_iter_next (&iter, &key, &node))
    {
      const ConfigKey *spec = find_config_key (key);

      if (spec == NULL)
        {
          g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                       "Unknown config key “%s”", key);
          return FALSE;
        }

      if (!validate_config_member (spec, node, error))
        return FALSE;
    }

  json_object_iter_init (&iter, changes);
  while (json_object_iter_next (&iter, &key, &node))
    {
      g_debug ("Config: %s changed", key);
      apply_config_member (self, key, node);
    }

  return TRUE;
}

/**
 * wabiz_sim_server_inject_inbound:
 * @spec: what the customer sends, as `POST /_sim/inbound` takes it
 *
 * Returns: (transfer full) (nullable): `wamid`, `wa_id`, `timestamp`
 *   (and `media_id` for media), or %NULL with @error set
 */
JsonObject *
wabiz_sim_server_inject_inbound (WabizSimServer  *self,
                                 JsonObject      *spec,
                                 GError         **error)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), NULL);
  g_return_val_if_fail (spec != NULL, NULL);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, spec);

  return _wabiz_sim_server_inject (self, node, error);
}

void
wabiz_sim_server_set_window (WabizSimServer *self,
                             const char     *wa_id,
                             gboolean        open)
{
  g_return_if_fail (WABIZ_IS_SIM_SERVER (self));
  g_return_if_fail (wa_id != NULL);

  if (open)
    _wabiz_sim_server_open_window (self, wa_id, _wabiz_sim_now_s ());
  else
    g_hash_table_remove (self->windows, wa_id);
}

/**
 * wabiz_sim_server_dup_ledger:
 * @since: only entries with a `seq` above this
 *
 * Returns: (transfer full): ledger entries, oldest first
 */
JsonArray *
wabiz_sim_server_dup_ledger (WabizSimServer *self,
                             guint64         since)
{
  JsonArray *entries;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), NULL);

  entries = json_array_new ();
  for (guint i = 0; i < self->ledger->len; i++)
    {
      JsonObject *entry = g_ptr_array_index (self->ledger, i);

      if ((guint64) json_object_get_int_member (entry, "seq") > since)
        json_array_add_object_element (entries, json_object_ref (entry));
    }

  return entries;
}

void
wabiz_sim_server_clear_ledger (WabizSimServer *self)
{
  g_return_if_fail (WABIZ_IS_SIM_SERVER (self));

  _wabiz_sim_server_ledger_clear (self);
}

/**
 * wabiz_sim_server_dup_stats:
 *
 * Returns: (transfer full): `messages` (accepted, rejected), `inbound`,
 *   `media` (count, bytes, lookups, downloads), `templates`, `gemini` (requests,
 *   injected_failures) and `webhooks` counters
 */
JsonObject *
wabiz_sim_server_dup_stats (WabizSimServer *self)
{
  JsonObject *stats;
  JsonObject *messages;
  JsonObject *media;
  JsonObject *gemini;
  GHashTableIter iter;
  WabizSimMedia *item;
  guint64 bytes = 0;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), NULL);

  g_hash_table_iter_init (&iter, self->media);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &item))
    bytes += g_bytes_get_size (item->data);

  stats = json_object_new ();
  messages = json_object_new ();
  media = json_object_new ();
  gemini = json_object_new ();

  json_object_set_int_member (messages, "accepted", self->n_accepted);
  json_object_set_int_member (messages, "rejected", self->n_rejected);
  json_object_set_int_member (media, "count", g_hash_table_size (self->media));
  json_object_set_int_member (media, "bytes", bytes);
  _wabiz_sim_server_media_stats (self, media);
  json_object_set_int_member (gemini, "requests", self->n_gemini);
  json_object_set_int_member (gemini, "injected_failures", self->n_gemini_injected);

  json_object_set_object_member (stats, "messages", messages);
  json_object_set_int_member (stats, "inbound", self->n_inbound);
  json_object_set_object_member (stats, "media", media);
  json_object_set_int_member (stats, "templates", self->templates->len);
  json_object_set_object_member (stats, "gemini", gemini);
  json_object_set_object_member (stats, "webhooks",
                                 wabiz_sim_webhooks_dup_stats (self->webhooks));

  return stats;
}

/**
 * wabiz_sim_server_reset:
 *
 * Back to a fresh start: default config (the webhook URL and secrets
 * given at start stay), no windows, no media, an empty ledger, the
 * sample templates only, no pending webhooks.
 */
void
wabiz_sim_server_reset (WabizSimServer *self)
{
  g_return_if_fail (WABIZ_IS_SIM_SERVER (self));

  wabiz_sim_webhooks_cancel_all (self->webhooks);
  wabiz_sim_webhooks_reset_stats (self->webhooks);
  wabiz_sim_webhooks_set_url (self->webhooks, self->initial_webhook_url);
  wabiz_sim_webhooks_set_max_attempts (self->webhooks, 5);
  wabiz_sim_webhooks_set_initial_backoff_ms (self->webhooks, 100);
  wabiz_sim_webhooks_set_max_backoff_ms (self->webhooks, 5000);
  wabiz_sim_webhooks_set_concurrency (self->webhooks, 8);
  wabiz_sim_webhooks_set_timeout (self->webhooks, 10);

  config_set_defaults (&self->config);
  g_rand_set_seed (self->rand, self->config.seed);

  g_hash_table_remove_all (self->windows);
  g_array_set_size (self->send_times, 0);
  _wabiz_sim_server_ledger_clear (self);
  g_hash_table_remove_all (self->media);
  g_ptr_array_set_size (self->templates, 0);
  _wabiz_sim_server_seed_templates (self);
  g_hash_table_remove_all (self->uploads);
  g_hash_table_remove_all (self->upload_handles);
  g_hash_table_remove_all (self->conversations);
  _wabiz_sim_server_gemini_reset (self);

  self->n_accepted = 0;
  self->n_rejected = 0;
  self->n_inbound = 0;
  self->n_media_lookups = 0;
  self->n_media_downloads = 0;
  self->n_gemini = 0;
  self->n_gemini_injected = 0;
}
