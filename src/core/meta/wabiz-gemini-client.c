/* wabiz-gemini-client.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Gemini API client. One SoupSession; every call is asynchronous.
 *
 * A call is a GTask whose data is a Call: it sends a try, reads the
 * answer (whole, or as server-sent events line by line), and either
 * ends the task or waits and tries again. Only failures that may pass
 * are tried again: 429, 500, 503, 504, a timeout and a network error,
 * and for a stream only before any text arrived. The wait is the
 * back-off, doubled each time, and never less than the retryDelay that
 * Gemini sends in a google.rpc.RetryInfo; a longer wait than the client
 * allows is not waited, the call fails at once and says how long.
 *
 * An answer is only a success when it finished with STOP and has text: a
 * blocked prompt, a SAFETY or RECITATION stop, or a cut-off answer
 * (MAX_TOKENS, a stream that ended early) is an error that says so.
 */

#define G_LOG_DOMAIN "wabiz-gemini-client"

#include "config.h"

#include "wabiz-gemini-client.h"
#include "wabiz-json-members.h"
#include "wabiz-secrets.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include <string.h>

#define THINKING_UNSET G_MININT

struct _WabizGeminiRequest
{
  gatomicrefcount  ref_count;
  char            *model;              /* (owned) (nullable) */
  char            *system_instruction; /* (owned) (nullable) */
  JsonArray       *contents;           /* (owned) */
  int              last_role;          /* -1: no turn yet */
  double           temperature;        /* < 0: unset */
  guint            max_output_tokens;  /* 0: unset */
  int              thinking_budget;    /* THINKING_UNSET: unset */
  JsonObject      *schema;             /* (owned) (nullable) */
};

struct _WabizGeminiClient
{
  GObject      parent_instance;

  SoupSession *session;            /* (owned) */
  char        *base_url;           /* (owned) without trailing slash */
  char        *api_version;        /* (owned) */
  char        *api_key;            /* (owned) (nullable): never logged */
  char        *model;              /* (owned) */
  guint        max_attempts;
  guint        initial_backoff_ms;
  guint        max_delay_ms;
};

/* A call's task data */
typedef struct
{
  char                *url;          /* (owned) without the key */
  GBytes              *body;         /* (owned) */
  char                *model;        /* (owned) for messages */
  gboolean             streaming;
  guint                attempt;      /* tries sent so far */
  SoupMessage         *msg;          /* (owned) (nullable) the try in flight */
  GSource             *wait;         /* (owned) (nullable) before the next try */
  GSource             *wait_cancel;  /* (owned) (nullable) */

  /* the answer, as it comes */
  GDataInputStream    *lines;        /* (owned) (nullable) streaming */
  GString             *event;        /* (owned) data lines of the event being read */
  GString             *text;         /* (owned) */
  char                *finish_reason;  /* (owned) (nullable) */
  char                *block_reason;   /* (owned) (nullable) */
  char                *model_version;  /* (owned) (nullable) */
  char                *response_id;    /* (owned) (nullable) */
  gboolean             had_candidate;
  WabizGeminiUsage     usage;

  WabizGeminiTextFunc  text_func;    /* (nullable) */
  gpointer             text_data;
  GDestroyNotify       text_destroy; /* (nullable) */
} Call;

G_DEFINE_QUARK (wabiz-gemini-error-quark, wabiz_gemini_error)

G_DEFINE_FINAL_TYPE (WabizGeminiClient, wabiz_gemini_client, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (WabizGeminiResponse, wabiz_gemini_response, wabiz_gemini_response_copy,
                     wabiz_gemini_response_free)

G_DEFINE_BOXED_TYPE (WabizGeminiRequest, wabiz_gemini_request, wabiz_gemini_request_ref,
                     wabiz_gemini_request_unref)

static void send_try (GTask *task);

/* ------------------------------------------------------------------ */
/* JSON of untrusted answers (see wabiz-json-members.h): a number, 0 when
 * missing or of another type */

static gint64
get_int (JsonObject *object,
         const char *key)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return json_node_get_int (node);
    case G_TYPE_DOUBLE:
      return (gint64) json_node_get_double (node);
    default:
      return 0;
    }
}

static void
set_str (char       **pointer,
         const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*pointer);
  *pointer = copy;
}

static JsonNode *
parse_json (const char *data,
            gsize       len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (data == NULL || len == 0 || !json_parser_load_from_data (parser, data, len, NULL))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

/* ------------------------------------------------------------------ */
/* Usage, responses, requests */

void
wabiz_gemini_usage_add (WabizGeminiUsage       *sum,
                        const WabizGeminiUsage *usage)
{
  g_return_if_fail (sum != NULL);
  g_return_if_fail (usage != NULL);

  sum->prompt_tokens += usage->prompt_tokens;
  sum->candidates_tokens += usage->candidates_tokens;
  sum->thoughts_tokens += usage->thoughts_tokens;
  sum->total_tokens += usage->total_tokens;
}

WabizGeminiResponse *
wabiz_gemini_response_copy (const WabizGeminiResponse *response)
{
  WabizGeminiResponse *copy;

  g_return_val_if_fail (response != NULL, NULL);

  copy = g_new0 (WabizGeminiResponse, 1);
  copy->text = g_strdup (response->text);
  copy->finish_reason = g_strdup (response->finish_reason);
  copy->model_version = g_strdup (response->model_version);
  copy->response_id = g_strdup (response->response_id);
  copy->usage = response->usage;
  copy->attempts = response->attempts;
  return copy;
}

void
wabiz_gemini_response_free (WabizGeminiResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->text);
  g_free (response->finish_reason);
  g_free (response->model_version);
  g_free (response->response_id);
  g_free (response);
}

WabizGeminiRequest *
wabiz_gemini_request_new (void)
{
  WabizGeminiRequest *request = g_new0 (WabizGeminiRequest, 1);

  g_atomic_ref_count_init (&request->ref_count);
  request->contents = json_array_new ();
  request->last_role = -1;
  request->temperature = -1;
  request->thinking_budget = THINKING_UNSET;
  return request;
}

WabizGeminiRequest *
wabiz_gemini_request_ref (WabizGeminiRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  g_atomic_ref_count_inc (&request->ref_count);
  return request;
}

void
wabiz_gemini_request_unref (WabizGeminiRequest *request)
{
  g_return_if_fail (request != NULL);

  if (!g_atomic_ref_count_dec (&request->ref_count))
    return;
  g_free (request->model);
  g_free (request->system_instruction);
  json_array_unref (request->contents);
  g_clear_pointer (&request->schema, json_object_unref);
  g_free (request);
}

void
wabiz_gemini_request_set_model (WabizGeminiRequest *request,
                                const char         *model)
{
  g_return_if_fail (request != NULL);

  g_free (request->model);
  request->model = model != NULL && *model != '\0' ? g_strdup (model) : NULL;
}

const char *
wabiz_gemini_request_get_model (WabizGeminiRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  return request->model;
}

void
wabiz_gemini_request_set_system_instruction (WabizGeminiRequest *request,
                                             const char         *text)
{
  g_return_if_fail (request != NULL);

  g_free (request->system_instruction);
  request->system_instruction = g_strdup (text);
}

void
wabiz_gemini_request_add_text (WabizGeminiRequest *request,
                               WabizGeminiRole     role,
                               const char         *text)
{
  JsonObject *turn;
  JsonArray *parts;
  JsonObject *part;

  g_return_if_fail (request != NULL);
  g_return_if_fail (role == WABIZ_GEMINI_ROLE_USER || role == WABIZ_GEMINI_ROLE_MODEL);
  g_return_if_fail (text != NULL);

  if (request->last_role == (int) role)
    {
      guint n = json_array_get_length (request->contents);

      turn = json_array_get_object_element (request->contents, n - 1);
      parts = json_object_get_array_member (turn, "parts");
    }
  else
    {
      turn = json_object_new ();
      parts = json_array_new ();
      json_object_set_string_member (turn, "role", role == WABIZ_GEMINI_ROLE_USER ? "user" : "model");
      json_object_set_array_member (turn, "parts", parts);
      json_array_add_object_element (request->contents, turn);
      request->last_role = role;
    }

  part = json_object_new ();
  json_object_set_string_member (part, "text", text);
  json_array_add_object_element (parts, part);
}

void
wabiz_gemini_request_set_temperature (WabizGeminiRequest *request,
                                      double              temperature)
{
  g_return_if_fail (request != NULL);
  g_return_if_fail (temperature <= 2.0);

  request->temperature = temperature;
}

void
wabiz_gemini_request_set_max_output_tokens (WabizGeminiRequest *request,
                                            guint               max_tokens)
{
  g_return_if_fail (request != NULL);

  request->max_output_tokens = max_tokens;
}

guint
wabiz_gemini_request_get_max_output_tokens (WabizGeminiRequest *request)
{
  g_return_val_if_fail (request != NULL, 0);

  return request->max_output_tokens;
}

void
wabiz_gemini_request_set_thinking_budget (WabizGeminiRequest *request,
                                          int                 budget)
{
  g_return_if_fail (request != NULL);

  request->thinking_budget = budget;
}

void
wabiz_gemini_request_set_response_schema (WabizGeminiRequest *request,
                                          JsonObject         *schema)
{
  g_return_if_fail (request != NULL);

  g_clear_pointer (&request->schema, json_object_unref);
  if (schema != NULL)
    request->schema = json_object_ref (schema);
}

JsonNode *
wabiz_gemini_request_to_json (WabizGeminiRequest *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) contents = NULL;
  gboolean has_config;

  g_return_val_if_fail (request != NULL, NULL);

  json_builder_begin_object (builder);

  if (request->system_instruction != NULL)
    {
      json_builder_set_member_name (builder, "systemInstruction");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "parts");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, request->system_instruction);
      json_builder_end_object (builder);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }

  contents = json_node_init_array (json_node_alloc (), request->contents);
  json_builder_set_member_name (builder, "contents");
  json_builder_add_value (builder, json_node_copy (contents));

  has_config = request->temperature >= 0 || request->max_output_tokens > 0 ||
               request->thinking_budget != THINKING_UNSET || request->schema != NULL;
  if (has_config)
    {
      json_builder_set_member_name (builder, "generationConfig");
      json_builder_begin_object (builder);
      if (request->temperature >= 0)
        {
          json_builder_set_member_name (builder, "temperature");
          json_builder_add_double_value (builder, request->temperature);
        }
      if (request->max_output_tokens > 0)
        {
          json_builder_set_member_name (builder, "maxOutputTokens");
          json_builder_add_int_value (builder, request->max_output_tokens);
        }
      if (request->thinking_budget != THINKING_UNSET)
        {
          json_builder_set_member_name (builder, "thinkingConfig");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "thinkingBudget");
          json_builder_add_int_value (builder, request->thinking_budget);
          json_builder_end_object (builder);
        }
      if (request->schema != NULL)
        {
          g_autoptr(JsonNode) schema = json_node_init_object (json_node_alloc (), request->schema);

          json_builder_set_member_name (builder, "responseMimeType");
          json_builder_add_string_value (builder, "application/json");
          json_builder_set_member_name (builder, "responseSchema");
          json_builder_add_value (builder, json_node_copy (schema));
        }
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* ------------------------------------------------------------------ */
/* Errors */

/* Gemini's Duration ("37s", "1.5s") in milliseconds; 0 when not one */
static guint64
parse_duration_ms (const char *text)
{
  char *end = NULL;
  double seconds;

  if (text == NULL)
    return 0;
  seconds = g_ascii_strtod (text, &end);
  if (end == text || seconds < 0 || seconds > 1e7 || g_strcmp0 (end, "s") != 0)
    return 0;
  return (guint64) (seconds * 1000 + 0.5);
}

typedef struct
{
  guint       status;
  const char *code;        /* "INVALID_ARGUMENT", … (nullable) */
  const char *message;     /* Google's (nullable) */
  const char *reason;      /* ErrorInfo.reason (nullable) */
  guint64     retry_delay_ms;
  gboolean    per_day;     /* a quota that lasts until tomorrow */
} GoogleError;

/* Reads Google's {"error": {code, message, status, details}} from @root */
static void
read_google_error (JsonNode    *root,
                   GoogleError *out)
{
  JsonObject *error = NULL;
  JsonArray *details;

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    error = wabiz_json_object_member (json_node_get_object (root), "error");
  if (error == NULL && root != NULL && JSON_NODE_HOLDS_ARRAY (root) &&
      json_array_get_length (json_node_get_array (root)) > 0)
    {
      /* A stream without alt=sse answers errors in an array too. */
      JsonNode *first = json_array_get_element (json_node_get_array (root), 0);

      if (JSON_NODE_HOLDS_OBJECT (first))
        error = wabiz_json_object_member (json_node_get_object (first), "error");
    }
  if (error == NULL)
    return;

  out->code = wabiz_json_string_member (error, "status");
  out->message = wabiz_json_string_member (error, "message");
  details = wabiz_json_array_member (error, "details");
  for (guint i = 0; details != NULL && i < json_array_get_length (details); i++)
    {
      JsonNode *node = json_array_get_element (details, i);
      JsonObject *detail;
      const char *type;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      detail = json_node_get_object (node);
      type = wabiz_json_string_member (detail, "@type");
      if (type == NULL)
        continue;

      if (g_str_has_suffix (type, "google.rpc.ErrorInfo"))
        out->reason = wabiz_json_string_member (detail, "reason");
      else if (g_str_has_suffix (type, "google.rpc.RetryInfo"))
        out->retry_delay_ms =
          parse_duration_ms (wabiz_json_string_member (detail, "retryDelay"));
      else if (g_str_has_suffix (type, "google.rpc.QuotaFailure"))
        {
          JsonArray *violations = wabiz_json_array_member (detail, "violations");

          for (guint j = 0; violations != NULL && j < json_array_get_length (violations); j++)
            {
              JsonNode *violation = json_array_get_element (violations, j);
              const char *quota_id;

              if (!JSON_NODE_HOLDS_OBJECT (violation))
                continue;
              quota_id = wabiz_json_string_member (json_node_get_object (violation), "quotaId");
              if (quota_id != NULL && strstr (quota_id, "PerDay") != NULL)
                out->per_day = TRUE;
            }
        }
    }
}

static gboolean
status_is_retryable (guint status)
{
  return status == 429 || status == 500 || status == 503 || status == 504;
}

/* (transfer full): what @google means, for the owner to act on. Never
 * holds the key: Google's messages don't, and the key is never in a URL. */
static GError *
new_http_error (Call              *call,
                const GoogleError *google)
{
  const char *message = google->message != NULL ? google->message : "";

  switch (google->status)
    {
    case 400:
      if (g_strcmp0 (google->reason, "API_KEY_INVALID") == 0)
        return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_INVALID_KEY,
                            _("Gemini did not accept the API key. Check the Gemini API key in "
                              "Preferences."));
      if (g_strcmp0 (google->code, "FAILED_PRECONDITION") == 0)
        return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_FAILED,
                            _("Gemini is not available for this API key (%s). Check billing "
                              "and region in Google AI Studio."), message);
      return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_INVALID_REQUEST,
                          _("Gemini refused the request: %s"), message);

    case 401:
      return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_INVALID_KEY,
                          _("Gemini did not accept the API key. Check the Gemini API key in "
                            "Preferences."));

    case 403:
      return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_PERMISSION_DENIED,
                          _("Gemini refused the API key: it may be restricted, disabled or "
                            "revoked (%s). Check the Gemini API key in Preferences."), message);

    case 404:
      return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_MODEL_NOT_FOUND,
                          _("Gemini has no model “%s”. Choose another model in Preferences."),
                          call->model);

    case 429:
      if (google->per_day)
        return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_QUOTA,
                            _("The daily Gemini quota of this API key is used up. Try again "
                              "tomorrow, or choose a faster model in Preferences."));
      if (google->retry_delay_ms > 0)
        return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_QUOTA,
                            _("Gemini's rate limit was reached and it asks to wait %u seconds. "
                              "Try again later."),
                            (guint) ((google->retry_delay_ms + 999) / 1000));
      return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_QUOTA,
                          _("Gemini's rate limit was reached. Try again in a minute."));

    case 500:
    case 502:
    case 503:
    case 504:
      return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_UNAVAILABLE,
                          _("Gemini is overloaded or unavailable right now (HTTP %u). Try again "
                            "in a few minutes."), google->status);

    default:
      return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_FAILED,
                          _("Gemini answered with HTTP %u. Try again later."), google->status);
    }
}

/* (transfer full): a try that got no answer */
static GError *
new_transport_error (GError *local)
{
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_TIMEOUT,
                        _("Gemini did not answer in time. Try again later."));
  return g_error_new (WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_NETWORK,
                      _("Could not reach Gemini (%s). Check the internet connection and the "
                        "Gemini address."), local->message);
}

static gboolean
is_safety_reason (const char *reason)
{
  static const char * const safety[] = {
    "SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", NULL
  };

  return g_strv_contains (safety, reason);
}

/* ------------------------------------------------------------------ */
/* Calls */

static void
call_free (Call *call)
{
  g_free (call->url);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_free (call->model);
  g_clear_object (&call->msg);
  if (call->wait != NULL)
    g_source_destroy (call->wait);
  g_clear_pointer (&call->wait, g_source_unref);
  if (call->wait_cancel != NULL)
    g_source_destroy (call->wait_cancel);
  g_clear_pointer (&call->wait_cancel, g_source_unref);
  g_clear_object (&call->lines);
  g_string_free (call->event, TRUE);
  g_string_free (call->text, TRUE);
  g_free (call->finish_reason);
  g_free (call->block_reason);
  g_free (call->model_version);
  g_free (call->response_id);
  if (call->text_destroy != NULL)
    call->text_destroy (call->text_data);
  g_free (call);
}

/* Forgets what the last try read, before the next one */
static void
call_reset_answer (Call *call)
{
  g_clear_object (&call->lines);
  g_string_truncate (call->event, 0);
  g_string_truncate (call->text, 0);
  g_clear_pointer (&call->finish_reason, g_free);
  g_clear_pointer (&call->block_reason, g_free);
  g_clear_pointer (&call->model_version, g_free);
  g_clear_pointer (&call->response_id, g_free);
  call->had_candidate = FALSE;
  memset (&call->usage, 0, sizeof call->usage);
}

/* Takes in one GenerateContentResponse (the whole answer, or one event
 * of a stream). FALSE: it is not one. */
static gboolean
read_chunk (Call       *call,
            JsonObject *chunk)
{
  JsonArray *candidates = wabiz_json_array_member (chunk, "candidates");
  JsonObject *feedback = wabiz_json_object_member (chunk, "promptFeedback");
  JsonObject *usage = wabiz_json_object_member (chunk, "usageMetadata");
  g_autoptr(GString) delta = g_string_new (NULL);

  if (candidates == NULL && feedback == NULL && usage == NULL)
    return FALSE;

  if (wabiz_json_string_member (feedback, "blockReason") != NULL)
    set_str (&call->block_reason, wabiz_json_string_member (feedback, "blockReason"));

  if (candidates != NULL && json_array_get_length (candidates) > 0 &&
      JSON_NODE_HOLDS_OBJECT (json_array_get_element (candidates, 0)))
    {
      JsonObject *candidate = json_array_get_object_element (candidates, 0);
      JsonObject *content = wabiz_json_object_member (candidate, "content");
      JsonArray *parts = wabiz_json_array_member (content, "parts");

      call->had_candidate = TRUE;
      for (guint i = 0; parts != NULL && i < json_array_get_length (parts); i++)
        {
          JsonNode *node = json_array_get_element (parts, i);
          JsonObject *part;
          JsonNode *thought;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          part = json_node_get_object (node);
          thought = json_object_get_member (part, "thought");
          if (thought != NULL && JSON_NODE_HOLDS_VALUE (thought) &&
              json_node_get_value_type (thought) == G_TYPE_BOOLEAN && json_node_get_boolean (thought))
            continue;
          if (wabiz_json_string_member (part, "text") != NULL)
            g_string_append (delta, wabiz_json_string_member (part, "text"));
        }
      if (wabiz_json_string_member (candidate, "finishReason") != NULL)
        set_str (&call->finish_reason, wabiz_json_string_member (candidate, "finishReason"));
    }

  if (usage != NULL)
    {
      /* Each event carries the totals so far: the last one counts. */
      call->usage.prompt_tokens = get_int (usage, "promptTokenCount");
      call->usage.candidates_tokens = get_int (usage, "candidatesTokenCount");
      call->usage.thoughts_tokens = get_int (usage, "thoughtsTokenCount");
      call->usage.total_tokens = get_int (usage, "totalTokenCount");
    }
  if (wabiz_json_string_member (chunk, "modelVersion") != NULL)
    set_str (&call->model_version, wabiz_json_string_member (chunk, "modelVersion"));
  if (wabiz_json_string_member (chunk, "responseId") != NULL)
    set_str (&call->response_id, wabiz_json_string_member (chunk, "responseId"));

  if (delta->len > 0)
    {
      g_string_append (call->text, delta->str);
      if (call->text_func != NULL)
        call->text_func (delta->str, call->text->str, call->text_data);
    }

  return TRUE;
}

/* Ends @task with the answer read, or with why it is not one */
static void
return_answer (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  WabizGeminiResponse *response;

  if (call->block_reason != NULL)
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BLOCKED,
                               _("Gemini blocked the request (%s) and wrote nothing. Reword "
                                 "the request and try again."), call->block_reason);
      return;
    }
  if (!call->had_candidate)
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BAD_RESPONSE,
                               _("Gemini's answer held no candidate. Try again later."));
      return;
    }
  if (call->finish_reason == NULL)
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_TRUNCATED,
                               _("Gemini's answer stopped before it was complete. Try again."));
      return;
    }
  if (g_str_equal (call->finish_reason, "MAX_TOKENS"))
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_TRUNCATED,
                               _("Gemini's answer was cut off (MAX_TOKENS): it ran out of room "
                                 "before it was complete. Try again, or ask for something "
                                 "shorter."));
      return;
    }
  if (is_safety_reason (call->finish_reason))
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BLOCKED,
                               _("Gemini declined to answer for safety reasons (%s). Reword "
                                 "the request and try again."), call->finish_reason);
      return;
    }
  if (!g_str_equal (call->finish_reason, "STOP"))
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_DECLINED,
                               _("Gemini declined this request (%s). Reword it and try again."),
                               call->finish_reason);
      return;
    }
  if (call->text->len == 0)
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BAD_RESPONSE,
                               _("Gemini answered without any text. Try again."));
      return;
    }

  response = g_new0 (WabizGeminiResponse, 1);
  response->text = g_strdup (call->text->str);
  response->finish_reason = g_strdup (call->finish_reason);
  response->model_version = g_strdup (call->model_version);
  response->response_id = g_strdup (call->response_id);
  response->usage = call->usage;
  response->attempts = call->attempt;
  g_debug ("%s answered in %u tries: %" G_GINT64_FORMAT " prompt, %" G_GINT64_FORMAT
           " candidate, %" G_GINT64_FORMAT " thought tokens", call->model, call->attempt,
           call->usage.prompt_tokens, call->usage.candidates_tokens, call->usage.thoughts_tokens);
  g_task_return_pointer (task, response, (GDestroyNotify) wabiz_gemini_response_free);
}

static gboolean
retry_cb (gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);

  g_source_destroy (call->wait);
  g_clear_pointer (&call->wait, g_source_unref);
  if (call->wait_cancel != NULL)
    {
      g_source_destroy (call->wait_cancel);
      g_clear_pointer (&call->wait_cancel, g_source_unref);
    }

  send_try (g_steal_pointer (&task));
  return G_SOURCE_REMOVE;
}

static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);

  g_source_destroy (call->wait);
  g_clear_pointer (&call->wait, g_source_unref);
  g_source_destroy (call->wait_cancel);
  g_clear_pointer (&call->wait_cancel, g_source_unref);

  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* Either waits and tries again, or ends @task (transfer full) with
 * @error (transfer full). @google: (nullable) what the answer said. */
static void
fail_or_retry (GTask             *task,
               GError            *error,
               gboolean           retryable,
               const GoogleError *google)
{
  WabizGeminiClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint64 delay_ms;

  if (!retryable || call->attempt >= self->max_attempts ||
      (google != NULL && google->per_day))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Exponential back-off with some jitter, never shorter than Gemini asks. */
  delay_ms = (guint64) self->initial_backoff_ms << MIN (call->attempt - 1, 16);
  delay_ms += g_random_int_range (0, (gint32) MIN (delay_ms / 4 + 1, G_MAXINT32));
  delay_ms = MIN (delay_ms, self->max_delay_ms);
  if (google != NULL && google->retry_delay_ms > delay_ms)
    {
      if (google->retry_delay_ms > self->max_delay_ms)
        {
          g_debug ("%s asks to wait %" G_GUINT64_FORMAT " ms: not retried", call->model,
                   google->retry_delay_ms);
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      delay_ms = google->retry_delay_ms;
    }

  g_debug ("%s: try %u failed (%s), next in %" G_GUINT64_FORMAT " ms", call->model,
           call->attempt, error->message, delay_ms);
  g_error_free (error);

  /* Whichever comes first, the timer or the cancellation, takes the task. */
  call->wait = g_timeout_source_new ((guint) delay_ms);
  g_source_set_callback (call->wait, retry_cb, task, NULL);
  g_source_attach (call->wait, g_task_get_context (task));
  if (cancellable != NULL)
    {
      call->wait_cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (call->wait_cancel, G_SOURCE_FUNC (wait_cancelled_cb), task, NULL);
      g_source_attach (call->wait_cancel, g_task_get_context (task));
    }
}

/* An HTTP error answer, whole in @bytes */
static void
fail_with_answer (GTask  *task,
                  GBytes *bytes)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  GoogleError google = { 0 };
  gsize len = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  root = parse_json (data, len);
  google.status = soup_message_get_status (call->msg);
  read_google_error (root, &google);
  g_debug ("%s: HTTP %u %s", call->model, google.status, google.code != NULL ? google.code : "");

  fail_or_retry (task, new_http_error (call, &google), status_is_retryable (google.status),
                 &google);
}

/* A try that got no answer (@local: transfer full) */
static void
fail_transport (GTask  *task,
                GError *local)
{
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, local);
      g_object_unref (task);
      return;
    }

  fail_or_retry (task, new_transport_error (local), TRUE, NULL);
  g_error_free (local);
}

/* generateContent */

static void
generate_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  gsize len = 0;
  const char *data;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (bytes == NULL)
    {
      fail_transport (task, error);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (call->msg)))
    {
      fail_with_answer (task, bytes);
      return;
    }

  data = g_bytes_get_data (bytes, &len);
  root = parse_json (data, len);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !read_chunk (call, json_node_get_object (root)))
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BAD_RESPONSE,
                               _("Gemini's answer could not be read. Check the Gemini address "
                                 "in Preferences."));
      g_object_unref (task);
      return;
    }

  return_answer (task);
  g_object_unref (task);
}

/* streamGenerateContent */

static void read_next_line (GTask *task);

/* Takes in the event read so far; FALSE when it ended the task */
static gboolean
dispatch_event (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  GoogleError google = { 0 };
  JsonObject *error;

  if (call->event->len == 0)
    return TRUE;

  root = parse_json (call->event->str, call->event->len);
  g_string_truncate (call->event, 0);
  error = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
            ? wabiz_json_object_member (json_node_get_object (root), "error")
            : NULL;
  if (error != NULL)
    {
      /* An error in the middle of a stream: not tried again once text came. */
      read_google_error (root, &google);
      google.status = (guint) get_int (error, "code");
      fail_or_retry (task, new_http_error (call, &google),
                     call->text->len == 0 && status_is_retryable (google.status), &google);
      return FALSE;
    }
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !read_chunk (call, json_node_get_object (root)))
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BAD_RESPONSE,
                               _("Gemini's answer could not be read. Check the Gemini address "
                                 "in Preferences."));
      g_object_unref (task);
      return FALSE;
    }

  return TRUE;
}

static void
line_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autofree char *line = NULL;
  GError *error = NULL;
  gsize len = 0;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, &len,
                                                    &error);
  if (error != NULL)
    {
      if (call->text->len == 0)
        {
          fail_transport (task, error);
          return;
        }
      /* Cut off with text already given: never tried again. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, error);
      else
        {
          g_task_return_error (task, new_transport_error (error));
          g_error_free (error);
        }
      g_object_unref (task);
      return;
    }

  if (line == NULL)
    {
      /* The end of the body is the end of the stream: no [DONE]. */
      if (dispatch_event (task))
        {
          return_answer (task);
          g_object_unref (task);
        }
      return;
    }

  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';

  if (len == 0)
    {
      if (!dispatch_event (task))
        return;
    }
  else if (g_str_has_prefix (line, "data:"))
    {
      const char *data = line + strlen ("data:");

      if (*data == ' ')
        data++;
      if (call->event->len > 0)
        g_string_append_c (call->event, '\n');
      g_string_append (call->event, data);
    }
  /* Comments (":") and other fields (event:, id:) carry nothing for us. */

  read_next_line (task);
}

static void
read_next_line (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_data_input_stream_read_line_async (call->lines, G_PRIORITY_DEFAULT,
                                       g_task_get_cancellable (task), line_read_cb, task);
}

static void
error_body_read_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GOutputStream) out = G_OUTPUT_STREAM (object);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  if (g_output_stream_splice_finish (out, result, &error) < 0)
    {
      fail_transport (task, error);
      return;
    }

  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  fail_with_answer (task, bytes);
}

static void
stream_sent_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GInputStream) in = NULL;
  GError *error = NULL;

  in = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (in == NULL)
    {
      fail_transport (task, error);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (call->msg)))
    {
      /* An error before the stream starts is a plain JSON body. */
      GOutputStream *out = g_memory_output_stream_new_resizable ();

      g_output_stream_splice_async (out, in,
                                    G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                      G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                    G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                    error_body_read_cb, task);
      return;
    }

  call->lines = g_data_input_stream_new (in);
  g_data_input_stream_set_newline_type (call->lines, G_DATA_STREAM_NEWLINE_TYPE_LF);
  read_next_line (task);
}

/* Sends the next try of @task (transfer full) */
static void
send_try (GTask *task)
{
  WabizGeminiClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessageHeaders *headers;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  call_reset_answer (call);
  call->attempt++;
  g_clear_object (&call->msg);
  call->msg = soup_message_new (SOUP_METHOD_POST, call->url);
  if (call->msg == NULL)
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_FAILED,
                               _("The Gemini address is not valid. Check it in Preferences."));
      g_object_unref (task);
      return;
    }

  headers = soup_message_get_request_headers (call->msg);
  soup_message_headers_replace (headers, "x-goog-api-key", self->api_key);
  soup_message_headers_replace (headers, "Accept",
                                call->streaming ? "text/event-stream" : "application/json");
  soup_message_set_request_body_from_bytes (call->msg, "application/json", call->body);

  /* The path only: the key is in a header, and stays out of logs. */
  g_debug ("POST %s (try %u)", g_uri_get_path (soup_message_get_uri (call->msg)), call->attempt);

  if (call->streaming)
    soup_session_send_async (self->session, call->msg, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), stream_sent_cb, task);
  else
    soup_session_send_and_read_async (self->session, call->msg, G_PRIORITY_DEFAULT,
                                      g_task_get_cancellable (task), generate_done_cb, task);
}

static void
start_call (WabizGeminiClient   *self,
            WabizGeminiRequest  *request,
            gboolean             streaming,
            WabizGeminiTextFunc  text_func,
            gpointer             text_data,
            GDestroyNotify       text_destroy,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data,
            gpointer             source_tag)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *json = NULL;
  Call *call;
  gsize len;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  call = g_new0 (Call, 1);
  call->streaming = streaming;
  call->event = g_string_new (NULL);
  call->text = g_string_new (NULL);
  call->text_func = text_func;
  call->text_data = text_data;
  call->text_destroy = text_destroy;
  call->model = g_strdup (request->model != NULL ? request->model : self->model);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  if (self->api_key == NULL || *self->api_key == '\0')
    {
      g_task_return_new_error (task, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_NO_KEY,
                               _("No Gemini API key is set up. Add one in Preferences."));
      return;
    }

  escaped = g_uri_escape_string (call->model, NULL, FALSE);
  call->url = g_strdup_printf ("%s/%s/models/%s:%s", self->base_url, self->api_version, escaped,
                               streaming ? "streamGenerateContent?alt=sse" : "generateContent");
  body = wabiz_gemini_request_to_json (request);
  json = json_to_string (body, FALSE);
  len = strlen (json);
  call->body = g_bytes_new_take (g_steal_pointer (&json), len);

  send_try (g_steal_pointer (&task));
}

/* ------------------------------------------------------------------ */

static void
wabiz_gemini_client_dispose (GObject *object)
{
  WabizGeminiClient *self = (WabizGeminiClient *) object;

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (wabiz_gemini_client_parent_class)->dispose (object);
}

static void
wabiz_gemini_client_finalize (GObject *object)
{
  WabizGeminiClient *self = (WabizGeminiClient *) object;

  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->api_version, g_free);
  g_clear_pointer (&self->model, g_free);
  wabiz_secret_wipe (&self->api_key);

  G_OBJECT_CLASS (wabiz_gemini_client_parent_class)->finalize (object);
}

static void
wabiz_gemini_client_class_init (WabizGeminiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_gemini_client_dispose;
  object_class->finalize = wabiz_gemini_client_finalize;
}

static void
wabiz_gemini_client_init (WabizGeminiClient *self)
{
  g_autofree char *agent = g_strdup_printf ("WaBiz/%s", PACKAGE_VERSION);

  /* Gemini 2.5 Pro thinks before it writes: give it time. */
  self->session = soup_session_new_with_options ("timeout", 120,
                                                 "idle-timeout", 60,
                                                 "max-conns-per-host", 4,
                                                 "user-agent", agent,
                                                 NULL);
  self->api_version = g_strdup (WABIZ_GEMINI_DEFAULT_VERSION);
  self->max_attempts = 3;
  self->initial_backoff_ms = 1000;
  self->max_delay_ms = 60000;
}

/**
 * wabiz_gemini_client_new:
 * @base_url: (nullable): e.g. "https://generativelanguage.googleapis.com"
 *   or the simulator's URL
 * @api_key: (nullable): the Gemini API key
 * @model: (nullable): e.g. "gemini-2.5-flash"
 */
WabizGeminiClient *
wabiz_gemini_client_new (const char *base_url,
                         const char *api_key,
                         const char *model)
{
  WabizGeminiClient *self = g_object_new (WABIZ_TYPE_GEMINI_CLIENT, NULL);
  gsize len;

  self->base_url = g_strdup (base_url != NULL && *base_url != '\0' ? base_url
                                                                  : WABIZ_GEMINI_DEFAULT_URL);
  len = strlen (self->base_url);
  while (len > 0 && self->base_url[len - 1] == '/')
    self->base_url[--len] = '\0';
  self->api_key = api_key != NULL && *api_key != '\0' ? g_strdup (api_key) : NULL;
  self->model = g_strdup (model != NULL && *model != '\0' ? model : WABIZ_GEMINI_DEFAULT_MODEL);
  return self;
}

const char *
wabiz_gemini_client_get_base_url (WabizGeminiClient *self)
{
  g_return_val_if_fail (WABIZ_IS_GEMINI_CLIENT (self), NULL);

  return self->base_url;
}

void
wabiz_gemini_client_set_api_key (WabizGeminiClient *self,
                                 const char        *api_key)
{
  g_return_if_fail (WABIZ_IS_GEMINI_CLIENT (self));

  wabiz_secret_wipe (&self->api_key);
  if (api_key != NULL && *api_key != '\0')
    self->api_key = g_strdup (api_key);
}

gboolean
wabiz_gemini_client_has_api_key (WabizGeminiClient *self)
{
  g_return_val_if_fail (WABIZ_IS_GEMINI_CLIENT (self), FALSE);

  return self->api_key != NULL;
}

const char *
wabiz_gemini_client_get_model (WabizGeminiClient *self)
{
  g_return_val_if_fail (WABIZ_IS_GEMINI_CLIENT (self), NULL);

  return self->model;
}

void
wabiz_gemini_client_set_model (WabizGeminiClient *self,
                               const char        *model)
{
  g_return_if_fail (WABIZ_IS_GEMINI_CLIENT (self));
  g_return_if_fail (model != NULL && *model != '\0');

  set_str (&self->model, model);
}

void
wabiz_gemini_client_set_api_version (WabizGeminiClient *self,
                                     const char        *version)
{
  g_return_if_fail (WABIZ_IS_GEMINI_CLIENT (self));
  g_return_if_fail (version != NULL && *version != '\0');

  set_str (&self->api_version, version);
}

void
wabiz_gemini_client_set_timeout (WabizGeminiClient *self,
                                 guint              timeout_s)
{
  g_return_if_fail (WABIZ_IS_GEMINI_CLIENT (self));

  g_object_set (self->session, "timeout", timeout_s, NULL);
}

void
wabiz_gemini_client_set_retry (WabizGeminiClient *self,
                               guint              max_attempts,
                               guint              initial_backoff_ms,
                               guint              max_delay_ms)
{
  g_return_if_fail (WABIZ_IS_GEMINI_CLIENT (self));
  g_return_if_fail (max_attempts >= 1);

  self->max_attempts = max_attempts;
  self->initial_backoff_ms = initial_backoff_ms;
  self->max_delay_ms = max_delay_ms;
}

void
wabiz_gemini_client_generate_async (WabizGeminiClient   *self,
                                    WabizGeminiRequest  *request,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_GEMINI_CLIENT (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_call (self, request, FALSE, NULL, NULL, NULL, cancellable, callback, user_data,
              wabiz_gemini_client_generate_async);
}

/**
 * wabiz_gemini_client_generate_finish:
 *
 * Returns: (transfer full): the answer, finished with STOP
 */
WabizGeminiResponse *
wabiz_gemini_client_generate_finish (WabizGeminiClient  *self,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  g_return_val_if_fail (WABIZ_IS_GEMINI_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        wabiz_gemini_client_generate_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_gemini_client_stream_async (WabizGeminiClient   *self,
                                  WabizGeminiRequest  *request,
                                  WabizGeminiTextFunc  text_func,
                                  gpointer             text_data,
                                  GDestroyNotify       text_destroy,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_GEMINI_CLIENT (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_call (self, request, TRUE, text_func, text_data, text_destroy, cancellable, callback,
              user_data, wabiz_gemini_client_stream_async);
}

/**
 * wabiz_gemini_client_stream_finish:
 *
 * Returns: (transfer full): the whole answer, finished with STOP
 */
WabizGeminiResponse *
wabiz_gemini_client_stream_finish (WabizGeminiClient  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (WABIZ_IS_GEMINI_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        wabiz_gemini_client_stream_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
