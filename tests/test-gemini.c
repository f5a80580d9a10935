/* test-gemini.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Gemini client and templates written by Gemini, against the Gemini
 * part of wabiz-sim running in-process (never Google). The simulator's
 * script makes Gemini block, cut off, refuse the key, rate-limit, fall
 * over or write drafts that break each of WhatsApp's rules; its request
 * log tells what the client sent and when, so that waits are checked
 * from the simulator's timestamps, not from a clock in the test.
 */

#define G_LOG_DOMAIN "test-gemini"

#include "config.h"

#include "wabiz-gemini-client.h"
#include "wabiz-sim-gemini.h"
#include "wabiz-sim-server.h"
#include "wabiz-template-ai.h"
#include "wabiz-template-rules.h"
#include "wabiz-test-pg.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define TIMEOUT_S   30
#define GEMINI_KEY  "sim-gemini-key-for-test-gemini"
#define WRONG_KEY   "AIzaWrongKeyThatMustNeverShowUp"

typedef struct
{
  WabizSimServer    *sim;
  WabizGeminiClient *client;
  WabizTemplateAi   *ai;
} Fixture;

/* Every log line of the run, to check that no key is ever in one */
static GPtrArray *log_lines;
static GMutex log_lock;

static GLogWriterOutput
log_writer_cb (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
        {
          g_mutex_lock (&log_lock);
          g_ptr_array_add (log_lines, g_strdup (fields[i].value));
          g_mutex_unlock (&log_lock);
        }
    }

  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static GLogFunc test_log_handler;

/* Messages through g_log() (the simulator's, GLib's) come here */
static void
log_handler_cb (const char     *domain,
                GLogLevelFlags  level,
                const char     *message,
                gpointer        user_data)
{
  g_mutex_lock (&log_lock);
  g_ptr_array_add (log_lines, g_strdup (message));
  g_mutex_unlock (&log_lock);

  if (!(level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)))
    test_log_handler (domain, level, message, user_data);
}

static void
assert_no_key_logged (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&log_lock);

  g_assert_cmpuint (log_lines->len, >, 0);
  for (guint i = 0; i < log_lines->len; i++)
    {
      const char *line = g_ptr_array_index (log_lines, i);

      g_assert_null (strstr (line, GEMINI_KEY));
      g_assert_null (strstr (line, WRONG_KEY));
    }
}

/* Helpers */

/* Walks "a.b[2].c" from @root; NULL if any step is missing. */
static JsonNode *
path (JsonNode   *root,
      const char *spec)
{
  g_auto(GStrv) steps = g_strsplit (spec, ".", -1);
  JsonNode *node = root;

  for (guint i = 0; steps[i] != NULL && node != NULL; i++)
    {
      char *bracket = strchr (steps[i], '[');
      guint index = 0;

      if (bracket != NULL)
        {
          index = (guint) g_ascii_strtoull (bracket + 1, NULL, 10);
          *bracket = '\0';
        }
      if (*steps[i] != '\0')
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            return NULL;
          node = json_object_get_member (json_node_get_object (node), steps[i]);
        }
      if (node != NULL && bracket != NULL)
        {
          if (!JSON_NODE_HOLDS_ARRAY (node) ||
              index >= json_array_get_length (json_node_get_array (node)))
            return NULL;
          node = json_array_get_element (json_node_get_array (node), index);
        }
    }

  return node;
}

static const char *
path_string (JsonNode   *root,
             const char *spec)
{
  JsonNode *node = path (root, spec);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
path_int (JsonNode   *root,
          const char *spec)
{
  JsonNode *node = path (root, spec);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  return json_node_get_int (node);
}

static guint
path_length (JsonNode   *root,
             const char *spec)
{
  JsonNode *node = path (root, spec);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_get_length (json_node_get_array (node));
}

static void
script (Fixture    *f,
        const char *answers)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, answers, -1, &error);
  g_assert_no_error (error);
  wabiz_sim_server_add_gemini_answers (f->sim, json_node_get_array (json_parser_get_root (parser)),
                                       &error);
  g_assert_no_error (error);
}

static void
configure (Fixture    *f,
           const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  wabiz_sim_server_update_config (f->sim, json_node_get_object (json_parser_get_root (parser)),
                                  &error);
  g_assert_no_error (error);
}

/* The simulator's log of calls to a model, as one JSON array node */
static JsonNode *
requests (Fixture *f)
{
  g_autoptr(JsonArray) entries = wabiz_sim_server_dup_gemini_requests (f->sim, 0);

  return json_node_init_array (json_node_alloc (), entries);
}

static guint
n_requests (Fixture *f)
{
  g_autoptr(JsonArray) entries = wabiz_sim_server_dup_gemini_requests (f->sim, 0);

  return json_array_get_length (entries);
}

/* Microseconds between the arrival of call @a and call @b */
static gint64
gap_us (JsonNode *log,
        guint     a,
        guint     b)
{
  g_autofree char *first = g_strdup_printf ("[%u].monotonic_us", a);
  g_autofree char *second = g_strdup_printf ("[%u].monotonic_us", b);

  return path_int (log, second) - path_int (log, first);
}

static WabizGeminiRequest *
new_prompt (const char *text)
{
  WabizGeminiRequest *request = wabiz_gemini_request_new ();

  wabiz_gemini_request_add_text (request, WABIZ_GEMINI_ROLE_USER, text);
  return request;
}

static WabizGeminiResponse *
generate (Fixture            *f,
          WabizGeminiClient  *client,
          WabizGeminiRequest *request,
          GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_gemini_client_generate_async (client, request, NULL, wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, TIMEOUT_S);
  return wabiz_gemini_client_generate_finish (client, result, error);
}

typedef struct
{
  GPtrArray *deltas;    /* char * */
  GString   *joined;
} Pieces;

static void
text_cb (const char *delta,
         const char *text,
         gpointer    user_data)
{
  Pieces *pieces = user_data;

  g_ptr_array_add (pieces->deltas, g_strdup (delta));
  g_string_append (pieces->joined, delta);
  g_assert_cmpstr (text, ==, pieces->joined->str);
}

static WabizGeminiResponse *
stream (Fixture            *f,
        WabizGeminiRequest *request,
        Pieces             *pieces,
        GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_ptr_array_set_size (pieces->deltas, 0);
  g_string_truncate (pieces->joined, 0);
  wabiz_gemini_client_stream_async (f->client, request, text_cb, pieces, NULL, NULL,
                                    wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, TIMEOUT_S);
  return wabiz_gemini_client_stream_finish (f->client, result, error);
}

static WabizTemplateDraft *
draft_template (Fixture    *f,
                const char *name,
                const char *category,
                const char *description,
                GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wabiz_template_ai_generate_async (f->ai, name, category, "en_US", description, NULL,
                                    wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, TIMEOUT_S);
  return wabiz_template_ai_generate_finish (f->ai, result, error);
}

static void
assert_draft_follows_rules (WabizTemplateDraft *draft)
{
  g_autofree char *problems = NULL;

  g_assert_nonnull (draft);
  g_assert_nonnull (draft->body);
  problems = wabiz_template_ai_find_problems (draft->category, draft->body, draft->footer,
                                              (const char * const *) draft->examples);
  g_assert_null (problems);
  g_assert_cmpuint (g_strv_length (draft->examples), ==,
                    wabiz_template_count_placeholders (draft->body));
}

/* Fixture */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sim = g_object_new (WABIZ_TYPE_SIM_SERVER, "port", 0, "gemini-key", GEMINI_KEY, NULL);
  wabiz_sim_server_start (f->sim, &error);
  g_assert_no_error (error);

  f->client = wabiz_gemini_client_new (wabiz_sim_server_get_base_url (f->sim), GEMINI_KEY, NULL);
  /* a short back-off: a wait that is long is Gemini's retryDelay */
  wabiz_gemini_client_set_retry (f->client, 3, 20, 60000);
  f->ai = wabiz_template_ai_new (f->client);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->ai);
  g_clear_object (&f->client);
  wabiz_sim_server_stop (f->sim);
  g_clear_object (&f->sim);

  /* Let closed connections finish. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The client */

static void
test_generate (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(WabizGeminiRequest) request = new_prompt ("Hi! Do you do birthday cakes?");
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(WabizGeminiResponse) stable = NULL;
  g_autoptr(WabizGeminiResponse) fast = NULL;
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(GError) error = NULL;

  wabiz_gemini_request_set_system_instruction (request, "You answer for Rosa's Bakery.");
  wabiz_gemini_request_add_text (request, WABIZ_GEMINI_ROLE_USER, "For Sunday, please.");
  wabiz_gemini_request_set_temperature (request, 0.5);
  wabiz_gemini_request_set_max_output_tokens (request, 4096);

  g_assert_cmpstr (wabiz_gemini_client_get_model (f->client), ==, "gemini-2.5-pro");
  response = generate (f, f->client, request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (response->text), >, 10);
  g_assert_cmpstr (response->finish_reason, ==, "STOP");
  g_assert_cmpstr (response->model_version, ==, "gemini-2.5-pro");
  g_assert_nonnull (response->response_id);
  g_assert_cmpuint (response->attempts, ==, 1);
  g_assert_cmpint (response->usage.prompt_tokens, >, 0);
  g_assert_cmpint (response->usage.candidates_tokens, >, 0);
  g_assert_cmpint (response->usage.thoughts_tokens, >, 0);
  g_assert_cmpint (response->usage.total_tokens, ==,
                   response->usage.prompt_tokens + response->usage.candidates_tokens +
                   response->usage.thoughts_tokens);

  /* The same under /v1/, and a faster model for one request */
  wabiz_gemini_client_set_api_version (f->client, "v1");
  stable = generate (f, f->client, request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stable->text, ==, response->text);
  wabiz_gemini_request_set_model (request, WABIZ_GEMINI_FAST_MODEL);
  fast = generate (f, f->client, request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fast->model_version, ==, "gemini-2.5-flash");

  /* What went: the key in its header, the turns merged, the settings */
  log = requests (f);
  g_assert_cmpuint (path_length (log, ""), ==, 3);
  g_assert_cmpstr (path_string (log, "[0].version"), ==, "v1beta");
  g_assert_cmpstr (path_string (log, "[0].action"), ==, "generateContent");
  g_assert_true (json_node_get_boolean (path (log, "[0].key_in_header")));
  g_assert_cmpstr (path_string (log, "[0].request.systemInstruction.parts[0].text"), ==,
                   "You answer for Rosa's Bakery.");
  g_assert_cmpuint (path_length (log, "[0].request.contents"), ==, 1);
  g_assert_cmpstr (path_string (log, "[0].request.contents[0].role"), ==, "user");
  g_assert_cmpuint (path_length (log, "[0].request.contents[0].parts"), ==, 2);
  g_assert_cmpint (path_int (log, "[0].request.generationConfig.maxOutputTokens"), ==, 4096);
  g_assert_cmpstr (path_string (log, "[1].version"), ==, "v1");
  g_assert_cmpstr (path_string (log, "[2].model"), ==, "gemini-2.5-flash");

  assert_no_key_logged ();
}

static void
test_structured (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(WabizGeminiRequest) request = new_prompt ("Encomendei o bolo e ainda não está pronto??");
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(JsonParser) schema_parser = json_parser_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *answer;

  json_parser_load_from_data (schema_parser,
                              "{\"type\": \"OBJECT\", \"properties\": {\"sentiment\": {\"type\": "
                              "\"STRING\", \"enum\": [\"positive\", \"neutral\", \"negative\"]}, "
                              "\"needs_human\": {\"type\": \"BOOLEAN\"}}, \"required\": "
                              "[\"sentiment\", \"needs_human\"]}", -1, &error);
  g_assert_no_error (error);
  wabiz_gemini_request_set_response_schema (request,
                                            json_node_get_object (json_parser_get_root (schema_parser)));
  wabiz_gemini_request_set_thinking_budget (request, 0);
  wabiz_gemini_request_set_model (request, "gemini-2.5-flash-lite");

  response = generate (f, f->client, request, &error);
  g_assert_no_error (error);
  json_parser_load_from_data (parser, response->text, -1, &error);
  g_assert_no_error (error);
  answer = json_parser_get_root (parser);
  g_assert_cmpstr (path_string (answer, "sentiment"), ==, "negative");
  g_assert_true (json_node_get_boolean (path (answer, "needs_human")));

  log = requests (f);
  g_assert_cmpstr (path_string (log, "[0].request.generationConfig.responseMimeType"), ==,
                   "application/json");
  g_assert_cmpstr (path_string (log, "[0].request.generationConfig.responseSchema.type"), ==,
                   "OBJECT");
  g_assert_cmpint (path_int (log, "[0].request.generationConfig.thinkingConfig.thinkingBudget"), ==,
                   0);
}

static void
test_stream (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(WabizGeminiRequest) request = new_prompt ("What time do you close on Saturday?");
  g_autoptr(WabizGeminiResponse) whole = NULL;
  g_autoptr(WabizGeminiResponse) streamed = NULL;
  g_autoptr(WabizGeminiResponse) slow = NULL;
  g_autoptr(WabizGeminiResponse) blocked = NULL;
  g_autoptr(WabizGeminiResponse) retried = NULL;
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(GError) error = NULL;
  Pieces pieces = { g_ptr_array_new_with_free_func (g_free), g_string_new (NULL) };

  whole = generate (f, f->client, request, &error);
  g_assert_no_error (error);

  streamed = stream (f, request, &pieces, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pieces.deltas->len, >, 1);
  g_assert_cmpstr (pieces.joined->str, ==, whole->text);
  g_assert_cmpstr (streamed->text, ==, whole->text);
  g_assert_cmpstr (streamed->finish_reason, ==, "STOP");
  g_assert_cmpint (streamed->usage.candidates_tokens, ==, whole->usage.candidates_tokens);
  g_assert_cmpint (streamed->usage.total_tokens, ==, whole->usage.total_tokens);

  /* Chunks that come apart in time, as a slow model sends them */
  configure (f, "{\"gemini_latency_ms\": 20, \"gemini_stream_chunk_delay_ms\": 20}");
  slow = stream (f, request, &pieces, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pieces.deltas->len, >, 1);
  g_assert_cmpstr (slow->text, ==, whole->text);
  configure (f, "{\"gemini_latency_ms\": 0, \"gemini_stream_chunk_delay_ms\": 0}");

  /* Blocked in the stream: an error, whatever came before */
  script (f, "[{\"finish_reason\": \"SAFETY\", \"text\": \"Some text before\"}]");
  blocked = stream (f, request, &pieces, &error);
  g_assert_null (blocked);
  g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BLOCKED);
  g_clear_error (&error);

  /* 503 before the stream starts: tried again */
  script (f, "[{\"status\": 503}]");
  retried = stream (f, request, &pieces, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (retried->attempts, ==, 2);
  g_assert_cmpstr (retried->text, ==, whole->text);

  log = requests (f);
  g_assert_cmpstr (path_string (log, "[1].action"), ==, "streamGenerateContent");
  g_assert_true (json_node_get_boolean (path (log, "[1].sse")));

  g_ptr_array_unref (pieces.deltas);
  g_string_free (pieces.joined, TRUE);
}

static void
test_answers (Fixture       *f,
              gconstpointer  data)
{
  static const struct
  {
    const char *script;
    int         code;
    const char *says;
  } cases[] = {
    { "{\"finish_reason\": \"SAFETY\"}", WABIZ_GEMINI_ERROR_BLOCKED, "(SAFETY)" },
    { "{\"block_reason\": \"SAFETY\"}", WABIZ_GEMINI_ERROR_BLOCKED, "blocked the request (SAFETY)" },
    { "{\"block_reason\": \"PROHIBITED_CONTENT\"}", WABIZ_GEMINI_ERROR_BLOCKED, "PROHIBITED_CONTENT" },
    { "{\"finish_reason\": \"MAX_TOKENS\"}", WABIZ_GEMINI_ERROR_TRUNCATED, "MAX_TOKENS" },
    { "{\"finish_reason\": \"RECITATION\"}", WABIZ_GEMINI_ERROR_DECLINED, "RECITATION" },
    { "{\"finish_reason\": \"OTHER\"}", WABIZ_GEMINI_ERROR_DECLINED, "OTHER" },
    { "{\"text\": \"\"}", WABIZ_GEMINI_ERROR_BAD_RESPONSE, "without any text" },
    { "{\"status\": 400}", WABIZ_GEMINI_ERROR_INVALID_REQUEST, "invalid argument" },
    { "{\"status\": 403}", WABIZ_GEMINI_ERROR_PERMISSION_DENIED, "Preferences" },
    { "{\"status\": 404}", WABIZ_GEMINI_ERROR_MODEL_NOT_FOUND, "gemini-2.5-pro" },
  };
  g_autoptr(WabizGeminiRequest) request = new_prompt ("Write something.");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *one = g_strdup_printf ("[%s]", cases[i].script);
      g_autoptr(WabizGeminiResponse) response = NULL;
      g_autoptr(GError) error = NULL;
      guint before = n_requests (f);

      g_test_message ("Scripted: %s", cases[i].script);
      script (f, one);
      response = generate (f, f->client, request, &error);
      g_assert_null (response);
      g_assert_error (error, WABIZ_GEMINI_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].says) == NULL)
        g_error ("“%s” does not say “%s”", error->message, cases[i].says);
      /* none of these is tried again */
      g_assert_cmpuint (n_requests (f), ==, before + 1);
    }
}

static void
test_wrong_key (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(WabizGeminiClient) wrong = NULL;
  g_autoptr(WabizGeminiClient) none = NULL;
  g_autoptr(WabizGeminiRequest) request = new_prompt ("Hello");
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(GError) error = NULL;

  wrong = wabiz_gemini_client_new (wabiz_sim_server_get_base_url (f->sim), WRONG_KEY, NULL);
  response = generate (f, wrong, request, &error);
  g_assert_null (response);
  g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_INVALID_KEY);
  g_assert_nonnull (strstr (error->message, "Check the Gemini API key in Preferences"));
  g_assert_null (strstr (error->message, WRONG_KEY));
  g_clear_error (&error);

  /* Never tried again: a wrong key stays wrong */
  log = requests (f);
  g_assert_cmpuint (path_length (log, ""), ==, 1);
  g_assert_cmpint (path_int (log, "[0].status"), ==, 400);

  /* Without a key nothing is sent */
  none = wabiz_gemini_client_new (wabiz_sim_server_get_base_url (f->sim), NULL, NULL);
  g_assert_false (wabiz_gemini_client_has_api_key (none));
  response = generate (f, none, request, &error);
  g_assert_null (response);
  g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_NO_KEY);
  g_assert_nonnull (strstr (error->message, "Preferences"));
  g_assert_cmpuint (n_requests (f), ==, 1);
  g_clear_error (&error);

  /* A key set later is used */
  wabiz_gemini_client_set_api_key (none, GEMINI_KEY);
  response = generate (f, none, request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);

  assert_no_key_logged ();
}

static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(WabizGeminiRequest) request = new_prompt ("Hello");
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(GError) error = NULL;

  /* 429 with a retry delay of 1.2 s, then an answer */
  script (f, "[{\"status\": 429, \"retry_delay\": \"1.2s\"}]");
  response = generate (f, f->client, request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->attempts, ==, 2);

  log = requests (f);
  g_assert_cmpuint (path_length (log, ""), ==, 2);
  g_assert_cmpint (path_int (log, "[0].status"), ==, 429);
  g_assert_cmpint (path_int (log, "[1].status"), ==, 200);
  /* the back-off is 20 ms: only the retryDelay explains the wait */
  g_assert_cmpint (gap_us (log, 0, 1), >=, 1200 * 1000);
}

static void
test_retry_gives_up (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(WabizGeminiRequest) request = new_prompt ("Hello");
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(GError) error = NULL;

  /* 503 every time: three tries, each wait longer, then an error */
  wabiz_gemini_client_set_retry (f->client, 3, 100, 60000);
  script (f, "[{\"status\": 503}, {\"status\": 503}, {\"status\": 503}, {\"text\": \"late\"}]");
  response = generate (f, f->client, request, &error);
  g_assert_null (response);
  g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "overloaded"));
  g_clear_error (&error);
  log = requests (f);
  g_assert_cmpuint (path_length (log, ""), ==, 3);
  g_assert_cmpint (gap_us (log, 0, 1), >=, 100 * 1000);
  g_assert_cmpint (gap_us (log, 1, 2), >=, 200 * 1000);
  g_clear_pointer (&log, json_node_unref);

  /* 429 asking for longer than the client waits: fails at once, says how long */
  wabiz_gemini_client_set_retry (f->client, 3, 20, 10000);
  wabiz_sim_server_reset (f->sim);
  script (f, "[{\"status\": 429, \"retry_delay\": \"37s\"}]");
  response = generate (f, f->client, request, &error);
  g_assert_null (response);
  g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_QUOTA);
  g_assert_nonnull (strstr (error->message, "37 seconds"));
  g_clear_error (&error);
  g_assert_cmpuint (n_requests (f), ==, 1);

  /* A connection refused: tried again, then a network error */
  {
    guint16 port = 0;
    g_autoptr(GSocket) closed = wabiz_test_closed_port (&port);
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", port);
    g_autoptr(WabizGeminiClient) nowhere = wabiz_gemini_client_new (url, GEMINI_KEY, NULL);

    wabiz_gemini_client_set_retry (nowhere, 2, 10, 1000);
    response = generate (f, nowhere, request, &error);
    g_assert_null (response);
    g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_NETWORK);
  }
}

static void
test_timeout_and_cancel (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(WabizGeminiRequest) request = new_prompt ("Hello");
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) waiting = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(GError) error = NULL;

  /* No answer within the timeout, and one try only */
  configure (f, "{\"gemini_latency_ms\": 5000}");
  wabiz_gemini_client_set_timeout (f->client, 1);
  wabiz_gemini_client_set_retry (f->client, 1, 20, 60000);
  response = generate (f, f->client, request, &error);
  g_assert_null (response);
  g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_TIMEOUT);
  g_clear_error (&error);

  /* Cancelled while Gemini thinks */
  wabiz_gemini_client_set_timeout (f->client, 60);
  wabiz_gemini_client_generate_async (f->client, request, cancellable, wabiz_test_store_result_cb,
                                      &result);
  WABIZ_TEST_WAIT (n_requests (f) == 2, TIMEOUT_S);
  g_cancellable_cancel (cancellable);
  wabiz_test_wait_result (&result, TIMEOUT_S);
  response = wabiz_gemini_client_generate_finish (f->client, result, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* Cancelled while waiting for Gemini's retry delay: no second try */
  configure (f, "{\"gemini_latency_ms\": 0}");
  wabiz_gemini_client_set_retry (f->client, 3, 20, 60000);
  script (f, "[{\"status\": 429, \"retry_delay\": \"30s\"}]");
  wabiz_gemini_client_generate_async (f->client, request, waiting, wabiz_test_store_result_cb,
                                      &result);
  WABIZ_TEST_WAIT (n_requests (f) == 3, TIMEOUT_S);
  g_cancellable_cancel (waiting);
  wabiz_test_wait_result (&result, TIMEOUT_S);
  response = wabiz_gemini_client_generate_finish (f->client, result, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  log = requests (f);
  g_assert_cmpuint (path_length (log, ""), ==, 3);
  g_assert_cmpint (path_int (log, "[2].status"), ==, 429);
}

/* Templates written by Gemini */

#define CAKE_READY "Tell a customer their cake order is ready to collect: first name, " \
                   "order number, closing time today."

static void
test_template_draft (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(WabizTemplateDraft) draft = NULL;
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(GError) error = NULL;

  draft = draft_template (f, "cake_ready", "utility", CAKE_READY, &error);
  g_assert_no_error (error);
  assert_draft_follows_rules (draft);
  g_assert_cmpstr (draft->name, ==, "cake_ready");
  g_assert_cmpstr (draft->category, ==, "UTILITY");
  g_assert_cmpstr (draft->language, ==, "en_US");
  g_assert_nonnull (draft->footer);
  g_assert_cmpuint (draft->rounds, ==, 1);
  g_assert_cmpint (draft->usage.prompt_tokens, >, 0);
  g_assert_cmpint (draft->usage.total_tokens, >, draft->usage.prompt_tokens);

  /* Structured output, with the rules in the system instruction */
  log = requests (f);
  g_assert_cmpuint (path_length (log, ""), ==, 1);
  g_assert_cmpstr (path_string (log, "[0].request.generationConfig.responseMimeType"), ==,
                   "application/json");
  g_assert_nonnull (path (log, "[0].request.generationConfig.responseSchema.properties.body_text"));
  g_assert_nonnull (strstr (path_string (log, "[0].request.systemInstruction.parts[0].text"),
                            "Never begin or end the body with a variable"));
  g_assert_nonnull (strstr (path_string (log, "[0].request.contents[0].parts[0].text"),
                            "cake order is ready"));
}

static void
test_template_repaired (Fixture       *f,
                        gconstpointer  data)
{
  /* Each broken rule, and what the second request must name */
  static const struct
  {
    const char *fault;
    const char *category;
    const char *named;
  } cases[] = {
    { "placeholder_at_start", "UTILITY", "cannot start with a placeholder" },
    { "placeholder_at_end", "UTILITY", "cannot end with a placeholder" },
    { "placeholders_out_of_order", "UTILITY", "in order without gaps" },
    { "placeholders_adjacent", "UTILITY", "side by side" },
    { "placeholder_malformed", "UTILITY", "numbered placeholders" },
    { "too_few_words", "UTILITY", "mostly placeholders" },
    { "body_too_long", "MARKETING", "shorten it to 1024" },
    { "body_empty", "UTILITY", "body is required" },
    { "examples_missing", "UTILITY", "example value for {{2}}" },
    { "examples_extra", "UTILITY", "exactly one example value per placeholder" },
    { "footer_too_long", "UTILITY", "footer has" },
    { "footer_placeholder", "MARKETING", "footer cannot have placeholders" },
    { "promotional", "UTILITY", "reads as promotional" },
    { "malformed_json", "UTILITY", "not valid JSON" },
    { "not_json", "MARKETING", "not valid JSON" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *one = g_strdup_printf ("[{\"fault\": \"%s\"}]", cases[i].fault);
      g_autoptr(WabizTemplateDraft) draft = NULL;
      g_autoptr(JsonNode) log = NULL;
      g_autoptr(GError) error = NULL;
      const char *asked;

      g_test_message ("Fault: %s", cases[i].fault);
      wabiz_sim_server_reset (f->sim);
      script (f, one);
      draft = draft_template (f, "order_ready", cases[i].category, CAKE_READY, &error);
      g_assert_no_error (error);
      assert_draft_follows_rules (draft);
      g_assert_cmpuint (draft->rounds, ==, 2);

      /* The second request holds the broken draft and names the problem */
      log = requests (f);
      g_assert_cmpuint (path_length (log, ""), ==, 2);
      g_assert_cmpuint (path_length (log, "[1].request.contents"), ==, 3);
      g_assert_cmpstr (path_string (log, "[1].request.contents[1].role"), ==, "model");
      g_assert_cmpstr (path_string (log, "[1].request.contents[2].role"), ==, "user");
      asked = path_string (log, "[1].request.contents[2].parts[0].text");
      g_test_message ("Asked again: %s", asked);
      if (strstr (asked, cases[i].named) == NULL)
        g_error ("The second request for %s does not name “%s”: %s", cases[i].fault,
                 cases[i].named, asked);
    }
}

static void
test_template_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(WabizTemplateDraft) draft = NULL;
  g_autoptr(WabizTemplateDraft) marketing = NULL;
  g_autoptr(GError) error = NULL;

  /* Broken three times: no draft, and the error lists what is wrong */
  script (f, "[{\"fault\": \"placeholder_at_end\"}, {\"fault\": \"promotional\"}, "
             "{\"fault\": \"footer_too_long\"}, {\"text\": \"never asked for\"}]");
  draft = draft_template (f, "order_ready", "UTILITY", CAKE_READY, &error);
  g_assert_null (draft);
  g_assert_error (error, WABIZ_TEMPLATE_AI_ERROR, WABIZ_TEMPLATE_AI_ERROR_RULES);
  g_test_message ("Refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "3 tries"));
  g_assert_nonnull (strstr (error->message, "footer has"));
  g_assert_cmpuint (n_requests (f), ==, 3);
  g_clear_error (&error);

  /* A bound of one: refused after the first broken draft */
  wabiz_sim_server_reset (f->sim);
  wabiz_template_ai_set_max_rounds (f->ai, 1);
  script (f, "[{\"fault\": \"malformed_json\"}]");
  draft = draft_template (f, "order_ready", "UTILITY", CAKE_READY, &error);
  g_assert_null (draft);
  g_assert_error (error, WABIZ_TEMPLATE_AI_ERROR, WABIZ_TEMPLATE_AI_ERROR_RULES);
  g_assert_nonnull (strstr (error->message, "1 try"));
  g_assert_nonnull (strstr (error->message, "not valid JSON"));
  g_assert_cmpuint (n_requests (f), ==, 1);
  g_clear_error (&error);

  /* Promotion is fine in MARKETING */
  script (f, "[{\"fault\": \"promotional\"}]");
  marketing = draft_template (f, "weekend_sale", "MARKETING", "Our weekend sale.", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (marketing->body, "20% off"));
  g_assert_cmpuint (marketing->rounds, ==, 1);
}

static void
test_template_input (Fixture       *f,
                     gconstpointer  data)
{
  static const struct
  {
    const char *name;
    const char *category;
    const char *description;
    int         code;
    const char *says;
  } cases[] = {
    { "login_code", "AUTHENTICATION", "A one-time code.", WABIZ_TEMPLATE_AI_ERROR_AUTHENTICATION,
      "does not write AUTHENTICATION templates" },
    { "login_code", "authentication", "A one-time code.", WABIZ_TEMPLATE_AI_ERROR_AUTHENTICATION,
      "Create it manually" },
    { "Order Ready", "UTILITY", CAKE_READY, WABIZ_TEMPLATE_AI_ERROR_INVALID, "lowercase letters" },
    { "", "UTILITY", CAKE_READY, WABIZ_TEMPLATE_AI_ERROR_INVALID, "Give the template a name" },
    { "order_ready", "SERVICE", CAKE_READY, WABIZ_TEMPLATE_AI_ERROR_INVALID, "UTILITY or MARKETING" },
    { "order_ready", "UTILITY", "   ", WABIZ_TEMPLATE_AI_ERROR_INVALID, "Describe" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(WabizTemplateDraft) draft = NULL;
      g_autoptr(GError) error = NULL;

      draft = draft_template (f, cases[i].name, cases[i].category, cases[i].description, &error);
      g_assert_null (draft);
      g_assert_error (error, WABIZ_TEMPLATE_AI_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].says) == NULL)
        g_error ("“%s” does not say “%s”", error->message, cases[i].says);
    }

  /* A bad language code */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(WabizTemplateDraft) draft = NULL;
    g_autoptr(GError) error = NULL;

    wabiz_template_ai_generate_async (f->ai, "order_ready", "UTILITY", "English", CAKE_READY, NULL,
                                      wabiz_test_store_result_cb, &result);
    wabiz_test_wait_result (&result, TIMEOUT_S);
    draft = wabiz_template_ai_generate_finish (f->ai, result, &error);
    g_assert_error (error, WABIZ_TEMPLATE_AI_ERROR, WABIZ_TEMPLATE_AI_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "en_US"));
  }

  /* None of them reached Gemini */
  g_assert_cmpuint (n_requests (f), ==, 0);
}

static void
test_template_gemini_fails (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(WabizGeminiClient) wrong = NULL;
  g_autoptr(WabizTemplateAi) wrong_ai = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) log = NULL;

  /* SAFETY: an error that says so, no draft, not asked again */
  {
    g_autoptr(WabizTemplateDraft) draft = NULL;

    script (f, "[{\"finish_reason\": \"SAFETY\"}]");
    draft = draft_template (f, "order_ready", "UTILITY", CAKE_READY, &error);
    g_assert_null (draft);
    g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BLOCKED);
    g_assert_nonnull (strstr (error->message, "safety"));
    g_assert_cmpuint (n_requests (f), ==, 1);
    g_clear_error (&error);
  }

  /* MAX_TOKENS once: asked again with twice the room, and repaired */
  {
    g_autoptr(WabizTemplateDraft) draft = NULL;

    wabiz_sim_server_reset (f->sim);
    script (f, "[{\"finish_reason\": \"MAX_TOKENS\"}]");
    draft = draft_template (f, "order_ready", "UTILITY", CAKE_READY, &error);
    g_assert_no_error (error);
    assert_draft_follows_rules (draft);
    log = requests (f);
    g_assert_cmpuint (path_length (log, ""), ==, 2);
    g_assert_cmpint (path_int (log, "[1].request.generationConfig.maxOutputTokens"), ==,
                     2 * path_int (log, "[0].request.generationConfig.maxOutputTokens"));
    /* the half draft never went back to Gemini */
    g_assert_cmpuint (path_length (log, "[1].request.contents"), ==, 1);
    g_clear_pointer (&log, json_node_unref);
  }

  /* MAX_TOKENS twice: an error that says the answer was cut off */
  {
    g_autoptr(WabizTemplateDraft) draft = NULL;

    wabiz_sim_server_reset (f->sim);
    script (f, "[{\"finish_reason\": \"MAX_TOKENS\"}, {\"finish_reason\": \"MAX_TOKENS\"}]");
    draft = draft_template (f, "order_ready", "UTILITY", CAKE_READY, &error);
    g_assert_null (draft);
    g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_TRUNCATED);
    g_assert_nonnull (strstr (error->message, "cut off"));
    g_clear_error (&error);
  }

  /* 429, then a draft after the delay Gemini asked for */
  {
    g_autoptr(WabizTemplateDraft) draft = NULL;

    wabiz_sim_server_reset (f->sim);
    script (f, "[{\"status\": 429, \"retry_delay\": \"1.5s\"}]");
    draft = draft_template (f, "order_ready", "UTILITY", CAKE_READY, &error);
    g_assert_no_error (error);
    assert_draft_follows_rules (draft);
    g_assert_cmpuint (draft->rounds, ==, 1);
    log = requests (f);
    g_assert_cmpuint (path_length (log, ""), ==, 2);
    g_assert_cmpint (path_int (log, "[0].status"), ==, 429);
    g_assert_cmpint (gap_us (log, 0, 1), >=, 1500 * 1000);
    g_clear_pointer (&log, json_node_unref);
  }

  /* 503 until the client gives up */
  {
    g_autoptr(WabizTemplateDraft) draft = NULL;

    wabiz_sim_server_reset (f->sim);
    configure (f, "{\"gemini_fail_next\": [503, 503, 503]}");
    draft = draft_template (f, "order_ready", "UTILITY", CAKE_READY, &error);
    g_assert_null (draft);
    g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_UNAVAILABLE);
    g_assert_cmpuint (n_requests (f), ==, 3);
    g_clear_error (&error);
  }

  /* A wrong key */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(WabizTemplateDraft) draft = NULL;

    wabiz_sim_server_reset (f->sim);
    wrong = wabiz_gemini_client_new (wabiz_sim_server_get_base_url (f->sim), WRONG_KEY, NULL);
    wrong_ai = wabiz_template_ai_new (wrong);
    wabiz_template_ai_generate_async (wrong_ai, "order_ready", "UTILITY", "en_US", CAKE_READY,
                                      NULL, wabiz_test_store_result_cb, &result);
    wabiz_test_wait_result (&result, TIMEOUT_S);
    draft = wabiz_template_ai_generate_finish (wrong_ai, result, &error);
    g_assert_null (draft);
    g_assert_error (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_INVALID_KEY);
    g_assert_nonnull (strstr (error->message, "Preferences"));
    g_assert_cmpuint (n_requests (f), ==, 1);
  }

  assert_no_key_logged ();
}

typedef struct
{
  GPtrArray *bodies;   /* char * */
  GArray    *rounds;   /* guint */
} Progress;

static void
progress_cb (const char *body,
             guint       round,
             gpointer    user_data)
{
  Progress *progress = user_data;

  g_ptr_array_add (progress->bodies, g_strdup (body));
  g_array_append_val (progress->rounds, round);
}

static void
test_template_stream (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WabizTemplateDraft) draft = NULL;
  g_autoptr(GError) error = NULL;
  Progress progress = { g_ptr_array_new_with_free_func (g_free), g_array_new (FALSE, FALSE, sizeof (guint)) };
  const char *last;
  gboolean saw_round_2 = FALSE;
  guint growing = 0;

  /* A broken draft first, then a good one: both stream in */
  configure (f, "{\"gemini_stream_chunk_delay_ms\": 10}");
  script (f, "[{\"fault\": \"placeholder_at_start\"}]");
  wabiz_template_ai_stream_async (f->ai, "order_ready", "UTILITY", "en_US", CAKE_READY,
                                  progress_cb, &progress, NULL, NULL,
                                  wabiz_test_store_result_cb, &result);
  wabiz_test_wait_result (&result, TIMEOUT_S);
  draft = wabiz_template_ai_stream_finish (f->ai, result, &error);
  g_assert_no_error (error);
  assert_draft_follows_rules (draft);
  g_assert_cmpuint (draft->rounds, ==, 2);

  g_assert_cmpuint (progress.bodies->len, >, 3);
  g_assert_cmpuint (g_array_index (progress.rounds, guint, 0), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (progress.bodies, 0), ==, "");
  for (guint i = 1; i < progress.bodies->len; i++)
    {
      const char *before = g_ptr_array_index (progress.bodies, i - 1);
      const char *now = g_ptr_array_index (progress.bodies, i);
      guint round = g_array_index (progress.rounds, guint, i);

      if (round == 2 && !saw_round_2)
        {
          /* a new round starts the body again */
          saw_round_2 = TRUE;
          g_assert_cmpstr (now, ==, "");
          continue;
        }
      if (g_str_has_prefix (now, before) && strlen (now) > strlen (before))
        growing++;
    }
  g_assert_true (saw_round_2);
  g_assert_cmpuint (growing, >, 1);
  /* the broken draft's body streamed as it came */
  g_assert_true (g_str_has_prefix (g_ptr_array_index (progress.bodies, 1), "{{1}}"));
  last = g_ptr_array_index (progress.bodies, progress.bodies->len - 1);
  g_assert_cmpstr (last, ==, draft->body);

  g_ptr_array_unref (progress.bodies);
  g_array_unref (progress.rounds);
}

static void
test_find_problems (void)
{
  const char *two[] = { "Maria", "#4521", NULL };
  const char *three[] = { "Maria", "#4521", "19:00", NULL };
  g_autofree char *good = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *promo = NULL;
  g_autofree char *promo_footer = NULL;
  g_autofree char *marketing = NULL;
  g_autofree char *wholesale = NULL;

  good = wabiz_template_ai_find_problems ("UTILITY", "Hello {{1}}, your order {{2}} is ready. "
                                          "See you soon!", "Rosa's Bakery", two);
  g_assert_null (good);
  extra = wabiz_template_ai_find_problems ("UTILITY", "Hello {{1}}, your order {{2}} is ready. "
                                           "See you soon!", NULL, three);
  g_assert_nonnull (strstr (extra, "examples: "));
  promo = wabiz_template_ai_find_problems ("utility", "Hello {{1}}, order {{2}} is ready. "
                                           "Use coupon CAKE for more!", NULL, two);
  g_assert_nonnull (strstr (promo, "“coupon”"));
  promo_footer = wabiz_template_ai_find_problems ("UTILITY", "Hello {{1}}, order {{2}} is ready. "
                                                  "See you soon!", "Half price on Mondays", two);
  g_assert_nonnull (strstr (promo_footer, "category: "));
  marketing = wabiz_template_ai_find_problems ("MARKETING", "Hello {{1}}, order {{2}} is ready. "
                                               "Use coupon CAKE for 10% off!", NULL, two);
  g_assert_null (marketing);
  /* words that only contain a promotional one are fine */
  wholesale = wabiz_template_ai_find_problems ("UTILITY", "Hello {{1}}, your wholesale order "
                                               "{{2}} is ready. See you soon!", NULL, two);
  g_assert_null (wholesale);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  log_lines = g_ptr_array_new_with_free_func (g_free);
  /* Every message, debug ones too, is kept and checked for keys */
  g_log_set_writer_func (log_writer_cb, NULL, NULL);
  test_log_handler = g_log_set_default_handler (log_handler_cb, NULL);
  g_log_set_debug_enabled (TRUE);

#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/gemini/client/generate", test_generate);
  ADD ("/gemini/client/structured", test_structured);
  ADD ("/gemini/client/stream", test_stream);
  ADD ("/gemini/client/answers", test_answers);
  ADD ("/gemini/client/wrong-key", test_wrong_key);
  ADD ("/gemini/client/retry-after", test_retry_after);
  ADD ("/gemini/client/retry-gives-up", test_retry_gives_up);
  ADD ("/gemini/client/timeout-and-cancel", test_timeout_and_cancel);
  ADD ("/gemini/template/draft", test_template_draft);
  ADD ("/gemini/template/repaired", test_template_repaired);
  ADD ("/gemini/template/refused", test_template_refused);
  ADD ("/gemini/template/input", test_template_input);
  ADD ("/gemini/template/gemini-fails", test_template_gemini_fails);
  ADD ("/gemini/template/stream", test_template_stream);
  g_test_add_func ("/gemini/template/find-problems", test_find_problems);

#undef ADD

  return g_test_run ();
}
