/* wabiz-gemini-client.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WabizGeminiClient: Google's Gemini API (generateContent and
 * streamGenerateContent) over one SoupSession. Every call is
 * asynchronous (GIO _async/_finish) and cancellable; 429 and 5xx
 * answers are retried with back-off, honouring the delay Gemini asks
 * for. The API key travels in the x-goog-api-key header only, and is
 * never logged nor put in an error message.
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define WABIZ_GEMINI_DEFAULT_URL     "https://generativelanguage.googleapis.com"
#define WABIZ_GEMINI_DEFAULT_VERSION "v1beta"
/* The best drafts, slowly */
#define WABIZ_GEMINI_DEFAULT_MODEL   "gemini-2.5-pro"
/* Faster and cheaper, for replies and classification */
#define WABIZ_GEMINI_FAST_MODEL      "gemini-2.5-flash"

/**
 * WabizGeminiError:
 * @WABIZ_GEMINI_ERROR_FAILED: any other failure (an HTTP status WaBiz
 *   does not expect)
 * @WABIZ_GEMINI_ERROR_NETWORK: no answer came: no route, refused, reset
 * @WABIZ_GEMINI_ERROR_TIMEOUT: Gemini took longer than the timeout
 * @WABIZ_GEMINI_ERROR_NO_KEY: no API key is set up
 * @WABIZ_GEMINI_ERROR_INVALID_KEY: Gemini does not know the key (400
 *   API_KEY_INVALID, 401)
 * @WABIZ_GEMINI_ERROR_PERMISSION_DENIED: the key is restricted, disabled
 *   or revoked (403)
 * @WABIZ_GEMINI_ERROR_INVALID_REQUEST: Gemini refused the request (400)
 * @WABIZ_GEMINI_ERROR_MODEL_NOT_FOUND: no such model for this API (404)
 * @WABIZ_GEMINI_ERROR_QUOTA: rate limit or quota reached (429), after
 *   the retries
 * @WABIZ_GEMINI_ERROR_UNAVAILABLE: overloaded or down (500, 503, 504),
 *   after the retries
 * @WABIZ_GEMINI_ERROR_BLOCKED: the prompt or the answer was blocked for
 *   safety (promptFeedback.blockReason, finishReason SAFETY, …)
 * @WABIZ_GEMINI_ERROR_TRUNCATED: the answer was cut off (MAX_TOKENS, or
 *   a stream that ended without a finish reason)
 * @WABIZ_GEMINI_ERROR_DECLINED: Gemini stopped for another reason
 *   (RECITATION, LANGUAGE, OTHER, …)
 * @WABIZ_GEMINI_ERROR_BAD_RESPONSE: an answer that is not what Gemini
 *   sends, or one without text
 */
typedef enum
{
  WABIZ_GEMINI_ERROR_FAILED,
  WABIZ_GEMINI_ERROR_NETWORK,
  WABIZ_GEMINI_ERROR_TIMEOUT,
  WABIZ_GEMINI_ERROR_NO_KEY,
  WABIZ_GEMINI_ERROR_INVALID_KEY,
  WABIZ_GEMINI_ERROR_PERMISSION_DENIED,
  WABIZ_GEMINI_ERROR_INVALID_REQUEST,
  WABIZ_GEMINI_ERROR_MODEL_NOT_FOUND,
  WABIZ_GEMINI_ERROR_QUOTA,
  WABIZ_GEMINI_ERROR_UNAVAILABLE,
  WABIZ_GEMINI_ERROR_BLOCKED,
  WABIZ_GEMINI_ERROR_TRUNCATED,
  WABIZ_GEMINI_ERROR_DECLINED,
  WABIZ_GEMINI_ERROR_BAD_RESPONSE,
} WabizGeminiError;

#define WABIZ_GEMINI_ERROR (wabiz_gemini_error_quark ())
GQuark wabiz_gemini_error_quark (void);

/* Tokens one call used, from Gemini's usageMetadata (0 when absent).
 * Thought tokens bill as output. */
typedef struct
{
  gint64 prompt_tokens;
  gint64 candidates_tokens;
  gint64 thoughts_tokens;
  gint64 total_tokens;
} WabizGeminiUsage;

/* Adds @usage to @sum */
void wabiz_gemini_usage_add (WabizGeminiUsage       *sum,
                             const WabizGeminiUsage *usage);

/* What one call answered */
typedef struct
{
  char             *text;           /* the candidate's text, thoughts left out */
  char             *finish_reason;  /* STOP */
  char             *model_version;  /* (nullable) */
  char             *response_id;    /* (nullable) */
  WabizGeminiUsage  usage;
  guint             attempts;       /* HTTP tries it took, retries included */
} WabizGeminiResponse;

#define WABIZ_TYPE_GEMINI_RESPONSE (wabiz_gemini_response_get_type ())
GType                wabiz_gemini_response_get_type (void) G_GNUC_CONST;
WabizGeminiResponse *wabiz_gemini_response_copy     (const WabizGeminiResponse *response);
void                 wabiz_gemini_response_free     (WabizGeminiResponse       *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizGeminiResponse, wabiz_gemini_response_free)

typedef enum
{
  WABIZ_GEMINI_ROLE_USER,
  WABIZ_GEMINI_ROLE_MODEL,
} WabizGeminiRole;

/* One generateContent request: the conversation, a system instruction
 * and the generation settings. */
typedef struct _WabizGeminiRequest WabizGeminiRequest;

#define WABIZ_TYPE_GEMINI_REQUEST (wabiz_gemini_request_get_type ())
GType               wabiz_gemini_request_get_type          (void) G_GNUC_CONST;
WabizGeminiRequest *wabiz_gemini_request_new               (void);
WabizGeminiRequest *wabiz_gemini_request_ref               (WabizGeminiRequest *request);
void                wabiz_gemini_request_unref             (WabizGeminiRequest *request);
/* (nullable): the client's model */
void                wabiz_gemini_request_set_model         (WabizGeminiRequest *request,
                                                            const char         *model);
const char         *wabiz_gemini_request_get_model         (WabizGeminiRequest *request);
void                wabiz_gemini_request_set_system_instruction (WabizGeminiRequest *request,
                                                            const char         *text);
/* Appends @text as a turn of @role, oldest first; a turn of the same
 * role as the last one becomes another part of it. */
void                wabiz_gemini_request_add_text          (WabizGeminiRequest *request,
                                                            WabizGeminiRole     role,
                                                            const char         *text);
/* 0 to 2; a negative value: Gemini's default */
void                wabiz_gemini_request_set_temperature   (WabizGeminiRequest *request,
                                                            double              temperature);
/* 0: Gemini's default. Thought tokens count against it. */
void                wabiz_gemini_request_set_max_output_tokens (WabizGeminiRequest *request,
                                                            guint               max_tokens);
guint               wabiz_gemini_request_get_max_output_tokens (WabizGeminiRequest *request);
/* -1: dynamic; 0: no thinking (not for gemini-2.5-pro); G_MININT: unset */
void                wabiz_gemini_request_set_thinking_budget (WabizGeminiRequest *request,
                                                            int                 budget);
/* Structured output: the answer is JSON matching @schema (Gemini's
 * OpenAPI subset: uppercase types OBJECT, STRING, …). NULL: plain text. */
void                wabiz_gemini_request_set_response_schema (WabizGeminiRequest *request,
                                                            JsonObject         *schema);
/* (transfer full): the body that is sent */
JsonNode           *wabiz_gemini_request_to_json           (WabizGeminiRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizGeminiRequest, wabiz_gemini_request_unref)

/* Called for each piece of text as it arrives, on the thread-default
 * main context of the call: @delta is the new piece, @text all of it so
 * far. A call that ends in an error may have sent pieces before it: the
 * caller drops them. */
typedef void (*WabizGeminiTextFunc) (const char *delta,
                                     const char *text,
                                     gpointer    user_data);

#define WABIZ_TYPE_GEMINI_CLIENT (wabiz_gemini_client_get_type ())
G_DECLARE_FINAL_TYPE (WabizGeminiClient, wabiz_gemini_client, WABIZ, GEMINI_CLIENT, GObject)

/* @base_url: (nullable): WABIZ_GEMINI_DEFAULT_URL; @api_key: (nullable):
 * none yet (calls fail with WABIZ_GEMINI_ERROR_NO_KEY); @model:
 * (nullable): WABIZ_GEMINI_DEFAULT_MODEL */
WabizGeminiClient *wabiz_gemini_client_new             (const char          *base_url,
                                                        const char          *api_key,
                                                        const char          *model);
const char        *wabiz_gemini_client_get_base_url    (WabizGeminiClient   *self);
void               wabiz_gemini_client_set_api_key     (WabizGeminiClient   *self,
                                                        const char          *api_key);
gboolean           wabiz_gemini_client_has_api_key     (WabizGeminiClient   *self);
const char        *wabiz_gemini_client_get_model       (WabizGeminiClient   *self);
void               wabiz_gemini_client_set_model       (WabizGeminiClient   *self,
                                                        const char          *model);
/* "v1beta" (default) or "v1" */
void               wabiz_gemini_client_set_api_version (WabizGeminiClient   *self,
                                                        const char          *version);
/* Seconds without progress before a try fails (default 120); 0: none */
void               wabiz_gemini_client_set_timeout     (WabizGeminiClient   *self,
                                                        guint                timeout_s);
/* @max_attempts: tries in all (default 3); @initial_backoff_ms: the wait
 * before the second, doubled for each next (default 1000), never less
 * than the retryDelay Gemini asks for; @max_delay_ms: a longer wait asked
 * for is not waited, the call fails (default 60000). */
void               wabiz_gemini_client_set_retry       (WabizGeminiClient   *self,
                                                        guint                max_attempts,
                                                        guint                initial_backoff_ms,
                                                        guint                max_delay_ms);

/* POST /{version}/models/{model}:generateContent */
void                 wabiz_gemini_client_generate_async  (WabizGeminiClient   *self,
                                                          WabizGeminiRequest  *request,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
WabizGeminiResponse *wabiz_gemini_client_generate_finish (WabizGeminiClient   *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* POST /{version}/models/{model}:streamGenerateContent?alt=sse: @text_func
 * gets the text as it arrives; the result holds all of it. */
void                 wabiz_gemini_client_stream_async    (WabizGeminiClient   *self,
                                                          WabizGeminiRequest  *request,
                                                          WabizGeminiTextFunc  text_func,
                                                          gpointer             text_data,
                                                          GDestroyNotify       text_destroy,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
WabizGeminiResponse *wabiz_gemini_client_stream_finish   (WabizGeminiClient   *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

G_END_DECLS
