/* wabiz-sim-gemini.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Gemini API under /v1beta/models and /v1/models (Google serves
 * both, and its own SDK calls /v1/ when given a base URL):
 * generateContent, streamGenerateContent (SSE with ?alt=sse, else a JSON
 * array), countTokens, and the model list. Keys come in
 * `x-goog-api-key` or `?key=`; errors have Google's shape. Answers are
 * deterministic: a hash of the request's text, schema and MIME type
 * seeds the generator. With `responseMimeType: application/json` and a
 * schema (responseSchema or responseJsonSchema), the text is JSON that
 * conforms to it; a few field names WaBiz uses (template drafts, message
 * classification) get coherent values.
 *
 * Faults are injected through `gemini_fail_next` (HTTP errors), and
 * through a script of canned answers (`/_sim/gemini/script`), consumed
 * one per generate call: an HTTP error with its retry delay, a text or
 * JSON of the test's own, a finish reason (SAFETY, MAX_TOKENS, …), a
 * prompt blocked before any candidate, or a template draft that breaks
 * one of WhatsApp's rules. Every call to a model is logged with its
 * arrival time (`/_sim/gemini/requests`), so that a test can check
 * how long a client waited between two tries.
 */

#define G_LOG_DOMAIN "wabiz-sim-gemini"

#include "config.h"

#include "wabiz-sim-gemini.h"
#include "wabiz-sim-server-private.h"

#include <string.h>

#define MAX_DEPTH 12

typedef struct
{
  const char *id;
  const char *display_name;
  gboolean    thinking;
  gboolean    thinking_required;
} GeminiModel;

static const GeminiModel models[] = {
  { "gemini-2.5-pro", "Gemini 2.5 Pro", TRUE, TRUE },
  { "gemini-2.5-flash", "Gemini 2.5 Flash", TRUE, FALSE },
  { "gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", FALSE, FALSE },
  { "gemini-2.0-flash", "Gemini 2.0 Flash", FALSE, FALSE },
  { "gemini-2.0-flash-lite", "Gemini 2.0 Flash-Lite", FALSE, FALSE },
};

typedef enum
{
  LANG_EN,
  LANG_PT,
  LANG_ES,
} Language;

typedef struct
{
  GRand      *rand;            /* (owned) seeded from the request */
  char       *all_text;        /* (owned) lowercased, for heuristics */
  char       *user_text;       /* (owned) lowercased last user turn */
  JsonObject *root_schema;     /* (unowned) (nullable) for $ref */
  Language    language;
  const char *sentiment;       /* positive, neutral, negative */
  const char *intent;
  gboolean    template_like;   /* the request asks for a template */
  int         placeholders;    /* variables of a template body, -1 unknown */
  guint       n_examples;      /* example values handed out so far */
} Generator;

static void
generator_clear (Generator *gen)
{
  g_clear_pointer (&gen->rand, g_rand_free);
  g_clear_pointer (&gen->all_text, g_free);
  g_clear_pointer (&gen->user_text, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Generator, generator_clear)

typedef struct
{
  GPtrArray *chunks;           /* (owned) of char *, ready to write */
  guint      next;
} Stream;

static const char * const top_level_keys[] = {
  "contents", "systemInstruction", "generationConfig", "safetySettings", "tools",
  "toolConfig", "cachedContent", "labels", NULL
};

static const char * const generation_config_keys[] = {
  "temperature", "topP", "topK", "candidateCount", "maxOutputTokens", "stopSequences",
  "responseMimeType", "responseSchema", "responseJsonSchema", "thinkingConfig",
  "presencePenalty", "frequencyPenalty", "seed", "responseLogprobs", "logprobs",
  "responseModalities", "speechConfig", "mediaResolution", "enableEnhancedCivicAnswers",
  NULL
};

static const char * const example_values[] = {
  "Maria", "#4521", "Friday 7pm", "19:00", "$12.50", "Lisbon", "3", "tomorrow"
};

static const char * const template_bodies[] = {
  "Thank you for contacting us. A member of our team will reply shortly.",
  "Hello {{1}}, thank you for your message. We will get back to you shortly.",
  "Hello {{1}}, your order {{2}} is ready to collect. Thank you for choosing us!",
  "Hi {{1}}, your booking {{2}} is confirmed for {{3}}. Reply to this message if you need "
  "to change it.",
};

typedef struct
{
  const char *openers[3];
  const char *complaint;
  const char *order;
  const char *booking;
  const char *pricing;
  const char *greeting;
  const char *opt_out;
  const char *other;
  const char *closers[3];
} ReplyBank;

static const ReplyBank reply_banks[] = {
  [LANG_EN] = {
    { "Thanks for your message!", "Hi there, thanks for getting in touch.",
      "Thank you for reaching out." },
    "We are sorry about this, and a team member will look into it right away.",
    "Your order is being prepared and we will let you know as soon as it is ready.",
    "We have noted your booking request and will confirm it shortly.",
    "A team member will send you our current prices shortly.",
    "How can we help you today?",
    "You will no longer receive marketing messages from us.",
    "We will check and get back to you shortly.",
    { "Have a great day!", "Let us know if there is anything else.", "See you soon!" },
  },
  [LANG_PT] = {
    { "Obrigado pela sua mensagem!", "Olá, obrigado pelo contacto.",
      "Agradecemos a sua mensagem." },
    "Pedimos desculpa pelo sucedido; um membro da equipa vai verificar já.",
    "O seu pedido está a ser preparado e avisamos assim que estiver pronto.",
    "Registámos o seu pedido de reserva e vamos confirmá-lo em breve.",
    "Um membro da equipa vai enviar-lhe os preços atuais em breve.",
    "Como podemos ajudar hoje?",
    "Não voltará a receber mensagens de marketing.",
    "Vamos verificar e respondemos em breve.",
    { "Tenha um ótimo dia!", "Diga-nos se precisar de mais alguma coisa.", "Até breve!" },
  },
  [LANG_ES] = {
    { "¡Gracias por tu mensaje!", "Hola, gracias por escribirnos.",
      "Gracias por ponerte en contacto." },
    "Sentimos lo ocurrido; un miembro del equipo lo revisará enseguida.",
    "Tu pedido se está preparando y te avisaremos en cuanto esté listo.",
    "Hemos anotado tu solicitud de reserva y la confirmaremos pronto.",
    "Un miembro del equipo te enviará nuestros precios actuales en breve.",
    "¿En qué podemos ayudarte hoy?",
    "Ya no recibirás mensajes de marketing.",
    "Lo revisaremos y te responderemos pronto.",
    { "¡Que tengas un buen día!", "Dinos si necesitas algo más.", "¡Hasta pronto!" },
  },
};

static const char * const language_codes[] = { "en", "pt", "es" };

/* What the Gemini part keeps on the server, beside its config */
typedef struct
{
  GQueue     script;       /* JsonObject * (owned): canned answers, next first */
  GPtrArray *requests;     /* JsonObject * (owned): the request log, oldest first */
  guint64    request_seq;
} GeminiState;

#define GEMINI_STATE_KEY "wabiz-sim-gemini-state"
#define MAX_LOGGED_REQUESTS 1000

/* Template drafts that break one of WhatsApp's rules each, for the
 * script's "fault": the body, footer and example values that replace a
 * draft's. */
typedef struct
{
  const char *name;
  const char *body;
  const char *footer;            /* NULL: the draft's own */
  const char *examples[4];
} TemplateFault;

static const TemplateFault template_faults[] = {
  { "placeholder_at_start",
    "{{1}}, your order {{2}} is ready to collect. Thank you for choosing us!",
    NULL, { "Maria", "#4521" } },
  { "placeholder_at_end",
    "Hello {{1}}, your order is ready to collect today until {{2}}.",
    NULL, { "Maria", "19:00" } },
  { "placeholders_out_of_order",
    "Hello {{1}}, your order {{3}} is ready to collect. Thank you for choosing us!",
    NULL, { "Maria", "#4521" } },
  { "placeholders_adjacent",
    "Hello {{1}} {{2}}, your order is ready to collect. Thank you for choosing us!",
    NULL, { "Maria", "Lopez" } },
  { "placeholder_malformed",
    "Hello {{first_name}}, your order is ready to collect. Thank you for choosing us!",
    NULL, { "Maria" } },
  { "too_few_words",
    "Hi {{1}} re {{2}} on {{3}}, ok?",
    NULL, { "Maria", "#4521", "Friday" } },
  { "body_too_long", NULL /* made long below */, NULL, { "Maria" } },
  { "body_empty", "", NULL, { NULL } },
  { "examples_missing",
    "Hello {{1}}, your order {{2}} is ready to collect. Thank you for choosing us!",
    NULL, { "Maria" } },
  { "examples_extra",
    "Hello {{1}}, your order is ready to collect. Thank you for choosing us!",
    NULL, { "Maria", "#4521", "19:00" } },
  { "footer_too_long",
    "Hello {{1}}, your order {{2}} is ready to collect. Thank you for choosing us!",
    "Rosa's Bakery, Rua Augusta 12, Lisbon, open every day from 8 until 19",
    { "Maria", "#4521" } },
  { "footer_placeholder",
    "Hello {{1}}, your order {{2}} is ready to collect. Thank you for choosing us!",
    "See you soon, {{1}}", { "Maria", "#4521" } },
  { "promotional",
    "Hello {{1}}, your order {{2}} is ready to collect. Enjoy 20% off your next cake in "
    "our weekend sale!",
    NULL, { "Maria", "#4521" } },
  /* Not JSON at all, or JSON cut short: the text replaces the answer. */
  { "malformed_json", "{\"body_text\": \"Hello {{1}}, your order {{2}} is ready", NULL,
    { NULL } },
  { "not_json", "Sure! Here is a template you could use: Hello {{1}}, your order is ready.",
    NULL, { NULL } },
};

static const char * const finish_reasons[] = {
  "STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "LANGUAGE", "OTHER", "BLOCKLIST",
  "PROHIBITED_CONTENT", "SPII", "MALFORMED_FUNCTION_CALL", "IMAGE_SAFETY",
  "FINISH_REASON_UNSPECIFIED", NULL
};

static const char * const block_reasons[] = {
  "SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "IMAGE_SAFETY", NULL
};

/* Errors */

static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *model,
             const char        *retry_delay)
{
  g_autoptr(JsonArray) details = NULL;
  const char *code;
  const char *message;

  switch (status)
    {
    case 400:
      code = "INVALID_ARGUMENT";
      message = "Request contains an invalid argument.";
      break;

    case 403:
      code = "PERMISSION_DENIED";
      message = "Your API key was reported as leaked. Please use another API key.";
      break;

    case 404:
      code = "NOT_FOUND";
      message = "Requested entity was not found.";
      break;

    case 429:
      {
        JsonObject *quota = json_object_new ();
        JsonArray *violations = json_array_new ();
        JsonObject *violation = json_object_new ();
        JsonObject *dimensions = json_object_new ();
        JsonObject *help = json_object_new ();
        JsonArray *links = json_array_new ();
        JsonObject *link = json_object_new ();
        JsonObject *retry = json_object_new ();

        code = "RESOURCE_EXHAUSTED";
        message = "You exceeded your current quota, please check your plan and billing "
                  "details. For more information on this error, head to: "
                  "https://ai.google.dev/gemini-api/docs/rate-limits.";

        json_object_set_string_member (dimensions, "location", "global");
        json_object_set_string_member (dimensions, "model", model != NULL ? model : "");
        json_object_set_string_member (violation, "quotaMetric",
                                       "generativelanguage.googleapis.com/"
                                       "generate_content_free_tier_requests");
        json_object_set_string_member (violation, "quotaId",
                                       "GenerateRequestsPerMinutePerProjectPerModel-FreeTier");
        json_object_set_object_member (violation, "quotaDimensions", dimensions);
        json_object_set_string_member (violation, "quotaValue", "10");
        json_array_add_object_element (violations, violation);
        json_object_set_string_member (quota, "@type", "type.googleapis.com/google.rpc.QuotaFailure");
        json_object_set_array_member (quota, "violations", violations);

        json_object_set_string_member (link, "description", "Learn more about Gemini API quotas");
        json_object_set_string_member (link, "url", "https://ai.google.dev/gemini-api/docs/rate-limits");
        json_array_add_object_element (links, link);
        json_object_set_string_member (help, "@type", "type.googleapis.com/google.rpc.Help");
        json_object_set_array_member (help, "links", links);

        json_object_set_string_member (retry, "@type", "type.googleapis.com/google.rpc.RetryInfo");
        json_object_set_string_member (retry, "retryDelay", retry_delay);

        details = json_array_new ();
        json_array_add_object_element (details, quota);
        json_array_add_object_element (details, help);
        json_array_add_object_element (details, retry);
      }
      break;

    case 500:
      code = "INTERNAL";
      message = "An internal error has occurred. Please retry or report in "
                "https://developers.generativeai.google/guide/troubleshooting";
      break;

    case 504:
      code = "DEADLINE_EXCEEDED";
      message = "The request timed out. Please try again.";
      break;

    case 503:
    default:
      status = 503;
      code = "UNAVAILABLE";
      message = "The model is overloaded. Please try again later.";
      break;
    }

  wabiz_sim_reply_google_error (msg, status, code, message, details);
}

static void
reply_invalid (SoupServerMessage *msg,
               const char        *message)
{
  wabiz_sim_reply_google_error (msg, 400, "INVALID_ARGUMENT", message, NULL);
}

static gboolean
check_key (WabizSimServer    *self,
           SoupServerMessage *msg,
           GHashTable        *query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *key = soup_message_headers_get_one (headers, "x-goog-api-key");
  g_autoptr(JsonArray) details = NULL;
  JsonObject *info;
  JsonObject *metadata;
  JsonObject *localized;

  if (key == NULL && query != NULL)
    key = g_hash_table_lookup (query, "key");

  if (key == NULL || *key == '\0')
    {
      wabiz_sim_reply_google_error (msg, 403, "PERMISSION_DENIED",
                                    "Method doesn't allow unregistered callers (callers "
                                    "without established identity). Please use API Key or "
                                    "other form of API consumer identity to call this API.",
                                    NULL);
      return FALSE;
    }

  if (wabiz_sim_str_equal_const_time (key, self->gemini_key))
    return TRUE;

  info = json_object_new ();
  metadata = json_object_new ();
  localized = json_object_new ();
  json_object_set_string_member (info, "@type", "type.googleapis.com/google.rpc.ErrorInfo");
  json_object_set_string_member (info, "reason", "API_KEY_INVALID");
  json_object_set_string_member (info, "domain", "googleapis.com");
  json_object_set_string_member (metadata, "service", "generativelanguage.googleapis.com");
  json_object_set_object_member (info, "metadata", metadata);
  json_object_set_string_member (localized, "@type",
                                 "type.googleapis.com/google.rpc.LocalizedMessage");
  json_object_set_string_member (localized, "locale", "en-US");
  json_object_set_string_member (localized, "message",
                                 "API key not valid. Please pass a valid API key.");
  details = json_array_new ();
  json_array_add_object_element (details, info);
  json_array_add_object_element (details, localized);

  g_debug ("Refused a Gemini request: invalid API key");
  wabiz_sim_reply_google_error (msg, 400, "INVALID_ARGUMENT",
                                "API key not valid. Please pass a valid API key.", details);
  return FALSE;
}

static const GeminiModel *
find_model (const char *id)
{
  if (g_str_has_prefix (id, "models/"))
    id += strlen ("models/");

  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      if (g_str_equal (models[i].id, id))
        return &models[i];
    }

  return NULL;
}

static JsonObject *
serialize_model (const GeminiModel *model)
{
  JsonObject *object = json_object_new ();
  JsonArray *methods = json_array_new ();
  g_autofree char *name = g_strconcat ("models/", model->id, NULL);

  json_array_add_string_element (methods, "generateContent");
  json_array_add_string_element (methods, "countTokens");
  json_array_add_string_element (methods, "streamGenerateContent");

  json_object_set_string_member (object, "name", name);
  json_object_set_string_member (object, "version", "001");
  json_object_set_string_member (object, "displayName", model->display_name);
  json_object_set_string_member (object, "description", "Simulated by wabiz-sim");
  json_object_set_int_member (object, "inputTokenLimit", 1048576);
  json_object_set_int_member (object, "outputTokenLimit", 65536);
  json_object_set_array_member (object, "supportedGenerationMethods", methods);
  json_object_set_double_member (object, "temperature", 1.0);
  json_object_set_double_member (object, "maxTemperature", 2.0);
  json_object_set_double_member (object, "topP", 0.95);
  json_object_set_int_member (object, "topK", 64);
  json_object_set_boolean_member (object, "thinking", model->thinking);

  return object;
}

/* Request parsing */

/* generation_config → generationConfig: REST takes both. */
static char *
to_camel_case (const char *key)
{
  GString *out = g_string_new (NULL);
  gboolean upper = FALSE;

  for (const char *p = key; *p != '\0'; p++)
    {
      if (*p == '_')
        {
          upper = TRUE;
          continue;
        }
      g_string_append_c (out, upper ? g_ascii_toupper (*p) : *p);
      upper = FALSE;
    }

  return g_string_free (out, FALSE);
}

/* Finds @key (camelCase) in @object, spelled either way. */
static JsonNode *
get_member_any_case (JsonObject *object,
                     const char *key)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (object == NULL)
    return NULL;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      g_autofree char *camel = to_camel_case (name);

      if (g_str_equal (camel, key))
        return node;
    }

  return NULL;
}

static gboolean
check_known_keys (SoupServerMessage  *msg,
                  JsonObject         *object,
                  const char * const *known)
{
  JsonObjectIter iter;
  const char *name;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, NULL))
    {
      g_autofree char *camel = to_camel_case (name);

      if (!g_strv_contains (known, camel))
        {
          g_autofree char *message =
            g_strdup_printf ("Invalid JSON payload received. Unknown name \"%s\": "
                             "Cannot find field.", name);

          reply_invalid (msg, message);
          return FALSE;
        }
    }

  return TRUE;
}

static void
append_parts_text (GString    *out,
                   JsonObject *content)
{
  JsonArray *parts = content != NULL ? wabiz_sim_object_get_array (content, "parts") : NULL;

  for (guint i = 0; parts != NULL && i < json_array_get_length (parts); i++)
    {
      JsonNode *node = json_array_get_element (parts, i);
      const char *text;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      text = wabiz_sim_object_get_string (json_node_get_object (node), "text");
      if (text != NULL)
        {
          if (out->len > 0)
            g_string_append_c (out, '\n');
          g_string_append (out, text);
        }
    }
}

/* Heuristics */

static gboolean
contains_any (const char         *text,
              const char * const *words)
{
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (strstr (text, words[i]) != NULL)
        return TRUE;
    }

  return FALSE;
}

static void
analyse (Generator *gen)
{
  static const char * const negative[] = {
    "late", "damaged", "broken", "refund", "wrong", "terrible", "worst", "angry",
    "complain", "disappointed", "never arrived", "not ready", "problem", "!!", "??",
    "atrasad", "errado", "reembolso", "horr", "ainda não", "não está", "problema",
    "tarde", "roto", "queja", NULL
  };
  static const char * const positive[] = {
    "thank", "great", "love", "perfect", "awesome", "excellent", "obrigad", "ótimo",
    "perfeito", "gracias", "excelente", "genial", NULL
  };
  static const char * const portuguese[] = {
    "não", "obrigad", "olá", "você", "encomend", "pedido", "bolo", "ção", "ã", NULL
  };
  static const char * const spanish[] = {
    "hola", "gracias", "¿", "quiero", "ñ", "usted", NULL
  };
  static const char * const opt_out[] = { "stop", "unsubscribe", "parar", "cancelar", NULL };
  static const char * const order[] = { "order", "pedido", "encomend", "buy", "compra", NULL };
  static const char * const booking[] = {
    "book", "reserv", "table", "appointment", "marca", NULL
  };
  static const char * const pricing[] = {
    "price", "cost", "how much", "quanto", "preço", "precio", NULL
  };
  static const char * const greeting[] = { "hi", "hello", "olá", "hola", "hey", NULL };
  const char *text = gen->user_text;

  if (contains_any (text, portuguese))
    gen->language = LANG_PT;
  else if (contains_any (text, spanish))
    gen->language = LANG_ES;
  else
    gen->language = LANG_EN;

  if (contains_any (text, negative))
    gen->sentiment = "negative";
  else if (contains_any (text, positive))
    gen->sentiment = "positive";
  else
    gen->sentiment = "neutral";

  if (contains_any (text, opt_out))
    gen->intent = "opt_out";
  else if (g_str_equal (gen->sentiment, "negative"))
    gen->intent = "complaint";
  else if (contains_any (text, booking))
    gen->intent = "booking";
  else if (contains_any (text, pricing))
    gen->intent = "pricing";
  else if (contains_any (text, order))
    gen->intent = "order";
  else if (strlen (text) < 20 && contains_any (text, greeting))
    gen->intent = "greeting";
  else if (strchr (text, '?') != NULL)
    gen->intent = "question";
  else
    gen->intent = "other";

  gen->template_like = strstr (gen->all_text, "template") != NULL;
}

static const char *
pick (Generator          *gen,
      const char * const *choices,
      guint               n_choices)
{
  return choices[g_rand_int_range (gen->rand, 0, n_choices)];
}

static char *
compose_reply (Generator *gen)
{
  const ReplyBank *bank = &reply_banks[gen->language];
  const char *middle;
  const char *closer;

  if (g_str_equal (gen->intent, "complaint"))
    middle = bank->complaint;
  else if (g_str_equal (gen->intent, "order"))
    middle = bank->order;
  else if (g_str_equal (gen->intent, "booking"))
    middle = bank->booking;
  else if (g_str_equal (gen->intent, "pricing"))
    middle = bank->pricing;
  else if (g_str_equal (gen->intent, "greeting"))
    middle = bank->greeting;
  else if (g_str_equal (gen->intent, "opt_out"))
    middle = bank->opt_out;
  else
    middle = bank->other;

  closer = pick (gen, bank->closers, G_N_ELEMENTS (bank->closers));

  return g_strdup_printf ("%s %s %s", pick (gen, bank->openers, G_N_ELEMENTS (bank->openers)),
                          middle, closer);
}

static char *
compose_template_body (Generator *gen)
{
  int n = gen->placeholders;
  GString *body;

  if (n < 0)
    n = gen->placeholders = 2;
  if (n < (int) G_N_ELEMENTS (template_bodies))
    return g_strdup (template_bodies[n]);

  body = g_string_new ("Hello {{1}}, here are the details of your request:");
  for (int i = 2; i <= n; i++)
    g_string_append_printf (body, " item %d is {{%d}},", i - 1, i);
  g_string_truncate (body, body->len - 1);
  g_string_append (body, ". Thank you for choosing us!");

  return g_string_free (body, FALSE);
}

static char *
compose_summary (Generator *gen)
{
  return g_strdup_printf ("Customer message (%s, %s sentiment) about %s.",
                          language_codes[gen->language], gen->sentiment,
                          g_str_equal (gen->intent, "other") ? "a general topic" : gen->intent);
}

/* Schema-driven JSON */

static JsonObject *
resolve_schema (Generator  *gen,
                JsonObject *schema)
{
  for (guint i = 0; schema != NULL && i < 8; i++)
    {
      const char *ref = wabiz_sim_object_get_string (schema, "$ref");
      JsonArray *any_of = wabiz_sim_object_get_array (schema, "anyOf");
      JsonObject *defs;
      const char *name;

      if (any_of == NULL)
        any_of = wabiz_sim_object_get_array (schema, "oneOf");

      if (ref != NULL && gen->root_schema != NULL)
        {
          if (g_str_has_prefix (ref, "#/$defs/"))
            {
              defs = wabiz_sim_object_get_object (gen->root_schema, "$defs");
              name = ref + strlen ("#/$defs/");
            }
          else if (g_str_has_prefix (ref, "#/definitions/"))
            {
              defs = wabiz_sim_object_get_object (gen->root_schema, "definitions");
              name = ref + strlen ("#/definitions/");
            }
          else
            {
              return schema;
            }
          schema = wabiz_sim_object_get_object (defs, name);
        }
      else if (any_of != NULL && json_array_get_length (any_of) > 0 &&
               JSON_NODE_HOLDS_OBJECT (json_array_get_element (any_of, 0)))
        {
          /* The first alternative that is not just null. */
          JsonObject *choice = json_array_get_object_element (any_of, 0);

          for (guint j = 0; j < json_array_get_length (any_of); j++)
            {
              JsonNode *node = json_array_get_element (any_of, j);
              const char *type;

              if (!JSON_NODE_HOLDS_OBJECT (node))
                continue;
              type = wabiz_sim_object_get_string (json_node_get_object (node), "type");
              if (type == NULL || g_ascii_strcasecmp (type, "null") != 0)
                {
                  choice = json_node_get_object (node);
                  break;
                }
            }
          schema = choice;
        }
      else
        {
          return schema;
        }
    }

  return schema;
}

static char *
get_schema_type (JsonObject *schema)
{
  JsonNode *node = json_object_get_member (schema, "type");

  if (wabiz_sim_node_is_string (node))
    return g_ascii_strdown (json_node_get_string (node), -1);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *types = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (types); i++)
        {
          JsonNode *element = json_array_get_element (types, i);

          if (wabiz_sim_node_is_string (element) &&
              g_ascii_strcasecmp (json_node_get_string (element), "null") != 0)
            return g_ascii_strdown (json_node_get_string (element), -1);
        }
    }

  if (json_object_has_member (schema, "properties"))
    return g_strdup ("object");
  if (json_object_has_member (schema, "items"))
    return g_strdup ("array");

  return g_strdup ("string");
}

static gboolean
name_contains (const char *name,
          const char *word)
{
  return name != NULL && strstr (name, word) != NULL;
}

static JsonNode *
pick_enum (Generator  *gen,
           JsonArray  *choices,
           const char *name)
{
  guint n = json_array_get_length (choices);
  const char *wanted = NULL;

  if (name_contains (name, "sentiment"))
    wanted = gen->sentiment;
  else if (name_contains (name, "intent"))
    wanted = gen->intent;
  else if (name_contains (name, "lang"))
    wanted = language_codes[gen->language];
  else if (name_contains (name, "category"))
    wanted = strstr (gen->all_text, "offer") != NULL || strstr (gen->all_text, "discount") != NULL ||
             strstr (gen->all_text, "promo") != NULL || strstr (gen->all_text, "sale") != NULL
               ? "MARKETING" : "UTILITY";

  for (guint i = 0; wanted != NULL && i < n; i++)
    {
      JsonNode *node = json_array_get_element (choices, i);

      if (wabiz_sim_node_is_string (node) &&
          g_ascii_strcasecmp (json_node_get_string (node), wanted) == 0)
        return json_node_copy (node);
    }

  return json_node_copy (json_array_get_element (choices, g_rand_int_range (gen->rand, 0, n)));
}

static char *
truncate_utf8 (char  *text,
               gint64 max_chars)
{
  if (max_chars > 0 && g_utf8_strlen (text, -1) > max_chars)
    {
      char *end = g_utf8_offset_to_pointer (text, max_chars);

      *end = '\0';
    }

  return text;
}

static char *
generate_string (Generator  *gen,
                 JsonObject *schema,
                 const char *name)
{
  static const char * const first_names[] = { "Maria", "João", "Priya", "Tom", "Ana" };
  static const char * const last_names[] = { "Lopez", "Pereira", "Shah", "Baker", "Souza" };
  const char *format = wabiz_sim_object_get_string (schema, "format");
  gint64 max_length = wabiz_sim_object_get_int (schema, "maxLength", 0);
  char *text;

  if (g_strcmp0 (format, "date-time") == 0)
    text = g_strdup_printf ("2024-06-%02dT%02d:00:00Z", g_rand_int_range (gen->rand, 1, 29),
                            g_rand_int_range (gen->rand, 8, 20));
  else if (g_strcmp0 (format, "date") == 0)
    text = g_strdup_printf ("2024-06-%02d", g_rand_int_range (gen->rand, 1, 29));
  else if (name == NULL)
    text = g_strdup_printf ("sample %u", g_rand_int_range (gen->rand, 1, 1000));
  else if (name_contains (name, "first_name"))
    text = g_strdup (pick (gen, first_names, G_N_ELEMENTS (first_names)));
  else if (name_contains (name, "last_name"))
    text = g_strdup (pick (gen, last_names, G_N_ELEMENTS (last_names)));
  else if (gen->template_like && (g_str_equal (name, "name") || name_contains (name, "template_name")))
    text = g_strdup_printf ("sim_template_%06x", g_rand_int (gen->rand) & 0xffffff);
  else if (name_contains (name, "name"))
    text = g_strdup_printf ("%s %s", pick (gen, first_names, G_N_ELEMENTS (first_names)),
                            pick (gen, last_names, G_N_ELEMENTS (last_names)));
  else if (name_contains (name, "email"))
    text = g_strdup ("maria@example.com");
  else if (name_contains (name, "phone"))
    text = g_strdup ("+16315551234");
  else if (name_contains (name, "url") || name_contains (name, "link"))
    text = g_strdup ("https://shop.example/o/4521");
  else if (name_contains (name, "lang") || name_contains (name, "locale"))
    text = g_strdup (gen->template_like ? "en_US" : language_codes[gen->language]);
  else if (name_contains (name, "footer"))
    text = g_strdup ("Thank you for choosing us");
  else if (name_contains (name, "header") || name_contains (name, "title"))
    text = g_strdup ("Your order update");
  else if (gen->template_like && (name_contains (name, "body") || g_str_equal (name, "text")))
    text = compose_template_body (gen);
  else if (name_contains (name, "summary"))
    text = compose_summary (gen);
  else if (name_contains (name, "sentiment"))
    text = g_strdup (gen->sentiment);
  else if (name_contains (name, "intent"))
    text = g_strdup (gen->intent);
  else if (name_contains (name, "category"))
    text = g_strdup ("UTILITY");
  else if (name_contains (name, "reply") || name_contains (name, "response") || name_contains (name, "message") ||
           name_contains (name, "answer") || name_contains (name, "draft") || name_contains (name, "text") ||
           name_contains (name, "body"))
    text = compose_reply (gen);
  else if (name_contains (name, "reason") || name_contains (name, "explanation") ||
           name_contains (name, "description"))
    text = g_strdup ("Simulated answer from wabiz-sim.");
  else if (g_str_equal (name, "id") || g_str_has_suffix (name, "_id"))
    text = g_strdup_printf ("%08x", g_rand_int (gen->rand));
  else
    text = g_strdup_printf ("sample %s %u", name, g_rand_int_range (gen->rand, 1, 100));

  return truncate_utf8 (text, max_length);
}

static double
generate_number (Generator  *gen,
                 JsonObject *schema,
                 const char *name,
                 gboolean    integer)
{
  JsonNode *min_node = json_object_get_member (schema, "minimum");
  JsonNode *max_node = json_object_get_member (schema, "maximum");
  gboolean has_min = wabiz_sim_node_is_number (min_node);
  gboolean has_max = wabiz_sim_node_is_number (max_node);
  double min = has_min ? json_node_get_double (min_node) : 0;
  double max = has_max ? json_node_get_double (max_node) : 0;
  double value;

  if (name_contains (name, "score"))
    {
      /* Quarter steps are exact in binary, so they print short. */
      value = g_str_equal (gen->sentiment, "negative") ? -0.75
            : g_str_equal (gen->sentiment, "positive") ? 0.75 : 0.0;
      if (!has_min && !has_max)
        return value;
    }
  else if (name_contains (name, "confidence") || name_contains (name, "probability"))
    {
      value = 0.75;
      if (!has_min && !has_max)
        return value;
    }
  else if (has_min && has_max)
    {
      value = min + (max - min) * g_rand_int_range (gen->rand, 0, 5) / 4.0;
    }
  else if (has_min)
    {
      value = min + g_rand_int_range (gen->rand, 0, 10);
    }
  else if (has_max)
    {
      value = max - g_rand_int_range (gen->rand, 0, 10);
    }
  else
    {
      value = integer ? g_rand_int_range (gen->rand, 1, 100)
                      : g_rand_int_range (gen->rand, 0, 5) / 4.0;
    }

  if (has_min)
    value = MAX (value, min);
  if (has_max)
    value = MIN (value, max);
  if (integer)
    {
      double rounded = (double) (gint64) value;

      if (has_min && rounded < min)
        rounded += 1;
      value = rounded;
    }

  return value;
}

static gboolean
generate_boolean (Generator  *gen,
                  const char *name)
{
  if (name_contains (name, "human") || name_contains (name, "escalat") || name_contains (name, "urgent"))
    return g_str_equal (gen->sentiment, "negative");
  if (name_contains (name, "opt_out") || name_contains (name, "unsubscribe"))
    return g_str_equal (gen->intent, "opt_out");
  if (name_contains (name, "spam"))
    return FALSE;

  return g_rand_boolean (gen->rand);
}

static JsonNode *generate_value (Generator  *gen,
                                 JsonObject *schema,
                                 const char *name,
                                 guint       depth);

static JsonNode *
generate_array (Generator  *gen,
                JsonObject *schema,
                const char *name,
                guint       depth)
{
  JsonObject *items = wabiz_sim_object_get_object (schema, "items");
  gint64 min_items = wabiz_sim_object_get_int (schema, "minItems", -1);
  gint64 max_items = wabiz_sim_object_get_int (schema, "maxItems", -1);
  gboolean examples = name_contains (name, "example");
  g_autofree char *item_type = NULL;
  JsonArray *array = json_array_new ();
  JsonNode *node;
  gint64 n;

  if (examples && gen->placeholders >= 0)
    n = gen->placeholders;
  else
    n = g_rand_int_range (gen->rand, 1, 4);

  if (min_items >= 0 && n < min_items)
    n = min_items;
  if (max_items >= 0 && n > max_items)
    n = max_items;

  item_type = items != NULL ? get_schema_type (resolve_schema (gen, items)) : g_strdup ("string");

  for (gint64 i = 0; i < n; i++)
    {
      if (examples && g_str_equal (item_type, "string"))
        {
          node = json_node_new (JSON_NODE_VALUE);
          json_node_set_string (node, example_values[gen->n_examples++ %
                                                     G_N_ELEMENTS (example_values)]);
        }
      else if (items != NULL)
        {
          node = generate_value (gen, items, name, depth + 1);
        }
      else
        {
          node = json_node_new (JSON_NODE_VALUE);
          json_node_set_string (node, "sample");
        }
      json_array_add_element (array, node);
    }

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, array);
  return node;
}

static JsonNode *
generate_object (Generator  *gen,
                 JsonObject *schema,
                 guint       depth)
{
  JsonObject *properties = wabiz_sim_object_get_object (schema, "properties");
  JsonArray *ordering = wabiz_sim_object_get_array (schema, "propertyOrdering");
  JsonArray *required = wabiz_sim_object_get_array (schema, "required");
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  JsonObject *object = json_object_new ();
  gboolean had_template_like = gen->template_like;
  JsonNode *node;

  /* Property order: propertyOrdering first, then the schema's order. */
  for (guint i = 0; ordering != NULL && i < json_array_get_length (ordering); i++)
    {
      JsonNode *element = json_array_get_element (ordering, i);

      if (wabiz_sim_node_is_string (element) && properties != NULL &&
          json_object_has_member (properties, json_node_get_string (element)))
        g_ptr_array_add (names, (gpointer) json_node_get_string (element));
    }
  if (properties != NULL)
    {
      /* json_object_get_members() keeps the document's order. */
      g_autoptr(GList) keys = json_object_get_members (properties);

      for (GList *l = keys; l != NULL; l = l->next)
        {
          if (!g_ptr_array_find_with_equal_func (names, l->data, g_str_equal, NULL))
            g_ptr_array_add (names, l->data);
        }
    }

  /* An object with a body and example values is a template draft: give
   * the body as many {{n}} as there are examples. */
  if (properties != NULL &&
      (json_object_has_member (properties, "body_text") ||
       json_object_has_member (properties, "body")) &&
      (json_object_has_member (properties, "example_values") ||
       json_object_has_member (properties, "examples")))
    {
      gen->template_like = TRUE;
      gen->placeholders = g_rand_int_range (gen->rand, 1, 4);
    }

  for (guint i = 0; i < names->len; i++)
    {
      const char *key = g_ptr_array_index (names, i);

      node = generate_value (gen, json_object_get_object_member (properties, key), key,
                             depth + 1);
      json_object_set_member (object, key, node);
    }

  for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
    {
      JsonNode *element = json_array_get_element (required, i);

      if (wabiz_sim_node_is_string (element) &&
          !json_object_has_member (object, json_node_get_string (element)))
        json_object_set_string_member (object, json_node_get_string (element), "sample");
    }

  gen->template_like = had_template_like;

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

static JsonNode *
generate_value (Generator  *gen,
                JsonObject *schema,
                const char *name,
                guint       depth)
{
  g_autofree char *type = NULL;
  JsonArray *choices;
  JsonNode *node;

  schema = resolve_schema (gen, schema);

  if (schema == NULL || depth > MAX_DEPTH)
    return json_node_new (JSON_NODE_NULL);

  if (json_object_has_member (schema, "const"))
    return json_node_copy (json_object_get_member (schema, "const"));

  choices = wabiz_sim_object_get_array (schema, "enum");
  if (choices != NULL && json_array_get_length (choices) > 0)
    return pick_enum (gen, choices, name);

  type = get_schema_type (schema);

  if (g_str_equal (type, "object"))
    return generate_object (gen, schema, depth);
  if (g_str_equal (type, "array"))
    return generate_array (gen, schema, name, depth);
  if (g_str_equal (type, "null"))
    return json_node_new (JSON_NODE_NULL);

  node = json_node_new (JSON_NODE_VALUE);
  if (g_str_equal (type, "integer"))
    json_node_set_int (node, (gint64) generate_number (gen, schema, name, TRUE));
  else if (g_str_equal (type, "number"))
    json_node_set_double (node, generate_number (gen, schema, name, FALSE));
  else if (g_str_equal (type, "boolean"))
    json_node_set_boolean (node, generate_boolean (gen, name));
  else
    {
      g_autofree char *text = generate_string (gen, schema, name);

      json_node_set_string (node, text);
    }

  return node;
}

/* generateContent */

typedef struct
{
  const GeminiModel *model;
  char              *text;            /* (owned) (nullable) */
  const char        *finish_reason;   /* static, or scripted_reason */
  char              *scripted_reason; /* (owned) (nullable) */
  char              *block_reason;    /* (owned) (nullable) the prompt was blocked */
  gint64             prompt_tokens;
  gint64             candidate_tokens;
  gint64             thought_tokens;
  char              *response_id;     /* (owned) */
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->text, g_free);
  g_clear_pointer (&answer->scripted_reason, g_free);
  g_clear_pointer (&answer->block_reason, g_free);
  g_clear_pointer (&answer->response_id, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

static gint64
count_tokens (const char *text)
{
  return text != NULL ? (gint64) (strlen (text) + 3) / 4 : 0;
}

/* Google's ratings, one per category; @high: one of them is why the
 * answer was blocked. */
static JsonArray *
build_safety_ratings (gboolean high)
{
  static const char * const categories[] = {
    "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_SEXUALLY_EXPLICIT",
  };
  JsonArray *ratings = json_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (categories); i++)
    {
      JsonObject *rating = json_object_new ();
      gboolean blocked = high && i == G_N_ELEMENTS (categories) - 2;

      json_object_set_string_member (rating, "category", categories[i]);
      json_object_set_string_member (rating, "probability", blocked ? "HIGH" : "NEGLIGIBLE");
      if (blocked)
        json_object_set_boolean_member (rating, "blocked", TRUE);
      json_array_add_object_element (ratings, rating);
    }

  return ratings;
}

static JsonObject *
build_response (Answer     *answer,
                const char *text,
                gboolean    last)
{
  JsonObject *root = json_object_new ();
  JsonObject *usage = json_object_new ();
  JsonArray *details = json_array_new ();
  JsonObject *detail = json_object_new ();

  if (answer->block_reason != NULL)
    {
      /* The prompt was blocked: no candidates at all, yet HTTP 200. */
      JsonObject *feedback = json_object_new ();

      json_object_set_string_member (feedback, "blockReason", answer->block_reason);
      json_object_set_array_member (feedback, "safetyRatings", build_safety_ratings (TRUE));
      json_object_set_object_member (root, "promptFeedback", feedback);
    }
  else
    {
      JsonArray *candidates = json_array_new ();
      JsonObject *candidate = json_object_new ();
      gboolean declined = last && !g_str_equal (answer->finish_reason, "STOP") &&
                          !g_str_equal (answer->finish_reason, "MAX_TOKENS");

      /* A declined answer (SAFETY, RECITATION, …) without text has no
       * content at all, as Google sends it. */
      if (text != NULL || !declined)
        {
          JsonObject *content = json_object_new ();

          if (text != NULL)
            {
              JsonArray *parts = json_array_new ();
              JsonObject *part = json_object_new ();

              json_object_set_string_member (part, "text", text);
              json_array_add_object_element (parts, part);
              json_object_set_array_member (content, "parts", parts);
            }
          json_object_set_string_member (content, "role", "model");
          json_object_set_object_member (candidate, "content", content);
        }
      if (last)
        json_object_set_string_member (candidate, "finishReason", answer->finish_reason);
      json_object_set_int_member (candidate, "index", 0);
      if (declined && g_str_equal (answer->finish_reason, "SAFETY"))
        json_object_set_array_member (candidate, "safetyRatings", build_safety_ratings (TRUE));
      json_array_add_object_element (candidates, candidate);
      json_object_set_array_member (root, "candidates", candidates);
    }

  json_object_set_int_member (usage, "promptTokenCount", answer->prompt_tokens);
  if (last)
    {
      json_object_set_int_member (usage, "candidatesTokenCount", answer->candidate_tokens);
      if (answer->thought_tokens > 0)
        json_object_set_int_member (usage, "thoughtsTokenCount", answer->thought_tokens);
      json_object_set_int_member (usage, "totalTokenCount",
                                  answer->prompt_tokens + answer->candidate_tokens +
                                  answer->thought_tokens);
    }
  else
    {
      json_object_set_int_member (usage, "totalTokenCount", answer->prompt_tokens);
    }
  json_object_set_string_member (detail, "modality", "TEXT");
  json_object_set_int_member (detail, "tokenCount", answer->prompt_tokens);
  json_array_add_object_element (details, detail);
  json_object_set_array_member (usage, "promptTokensDetails", details);
  json_object_set_object_member (root, "usageMetadata", usage);

  json_object_set_string_member (root, "modelVersion", answer->model->id);
  json_object_set_string_member (root, "responseId", answer->response_id);

  return root;
}

static char *
serialize_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return json_to_string (node, FALSE);
}

/**
 * generate:
 *
 * Checks @request like Gemini does and fills @answer, or replies with
 * the error and returns %FALSE.
 */
static gboolean
generate (WabizSimServer    *self,
          SoupServerMessage *msg,
          const GeminiModel *model,
          JsonObject        *request,
          Answer            *answer)
{
  g_autoptr(GString) all_text = g_string_new (NULL);
  g_autoptr(GString) user_text = g_string_new (NULL);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *schema_text = NULL;
  g_auto(Generator) gen = { 0 };
  JsonNode *contents_node = get_member_any_case (request, "contents");
  JsonNode *system_node = get_member_any_case (request, "systemInstruction");
  JsonNode *config_node = get_member_any_case (request, "generationConfig");
  JsonObject *config = NULL;
  JsonObject *schema = NULL;
  JsonObject *thinking = NULL;
  const char *mime_type = "text/plain";
  gint64 max_output = 0;
  gint64 budget = -1;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  guint32 seed[4];
  JsonArray *contents;

  if (!check_known_keys (msg, request, top_level_keys))
    return FALSE;

  if (contents_node == NULL || !JSON_NODE_HOLDS_ARRAY (contents_node) ||
      json_array_get_length (json_node_get_array (contents_node)) == 0)
    {
      reply_invalid (msg, "* GenerateContentRequest.contents: contents is not specified\n");
      return FALSE;
    }
  contents = json_node_get_array (contents_node);

  if (system_node != NULL && JSON_NODE_HOLDS_OBJECT (system_node))
    append_parts_text (all_text, json_node_get_object (system_node));

  for (guint i = 0; i < json_array_get_length (contents); i++)
    {
      JsonNode *node = json_array_get_element (contents, i);
      const char *role;

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          wabiz_sim_object_get_array (json_node_get_object (node), "parts") == NULL)
        {
          reply_invalid (msg, "* GenerateContentRequest.contents: contents.parts must not "
                         "be empty.\n");
          return FALSE;
        }

      role = wabiz_sim_object_get_string (json_node_get_object (node), "role");
      if (role != NULL && !g_str_equal (role, "user") && !g_str_equal (role, "model"))
        {
          reply_invalid (msg, "Please use a valid role: user, model.");
          return FALSE;
        }

      append_parts_text (all_text, json_node_get_object (node));
      if (role == NULL || g_str_equal (role, "user"))
        {
          g_string_truncate (user_text, 0);
          append_parts_text (user_text, json_node_get_object (node));
        }
    }

  if (config_node != NULL)
    {
      JsonNode *node;

      if (!JSON_NODE_HOLDS_OBJECT (config_node))
        {
          reply_invalid (msg, "Invalid JSON payload received. generationConfig must be an "
                         "object.");
          return FALSE;
        }
      config = json_node_get_object (config_node);
      if (!check_known_keys (msg, config, generation_config_keys))
        return FALSE;

      node = get_member_any_case (config, "responseMimeType");
      if (wabiz_sim_node_is_string (node))
        mime_type = json_node_get_string (node);
      if (!g_str_equal (mime_type, "text/plain") && !g_str_equal (mime_type, "application/json") &&
          !g_str_equal (mime_type, "text/x.enum"))
        {
          reply_invalid (msg, "* GenerateContentRequest.generation_config.response_mime_type: "
                         "allowed mimetypes are `text/plain`, `application/json`, "
                         "`application/xml`, `application/yaml` and `text/x.enum`.\n");
          return FALSE;
        }

      node = get_member_any_case (config, "temperature");
      if (node != NULL && (!wabiz_sim_node_is_number (node) || json_node_get_double (node) < 0 ||
                           json_node_get_double (node) > 2))
        {
          reply_invalid (msg, "* GenerateContentRequest.generation_config.temperature: must be "
                         "between 0 and 2\n");
          return FALSE;
        }

      node = get_member_any_case (config, "maxOutputTokens");
      if (node != NULL)
        {
          if (!wabiz_sim_node_is_int (node) || json_node_get_int (node) < 1)
            {
              reply_invalid (msg, "* GenerateContentRequest.generation_config."
                             "max_output_tokens: must be a positive integer\n");
              return FALSE;
            }
          max_output = json_node_get_int (node);
        }

      node = get_member_any_case (config, "responseSchema");
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        schema = json_node_get_object (node);
      node = get_member_any_case (config, "responseJsonSchema");
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        {
          if (schema != NULL)
            {
              reply_invalid (msg, "responseSchema and responseJsonSchema cannot both be set.");
              return FALSE;
            }
          schema = json_node_get_object (node);
        }
      if (schema != NULL && g_str_equal (mime_type, "text/plain"))
        {
          reply_invalid (msg, "* GenerateContentRequest.generation_config.response_schema: "
                         "a response schema requires response_mime_type application/json "
                         "or text/x.enum\n");
          return FALSE;
        }

      node = get_member_any_case (config, "thinkingConfig");
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        thinking = json_node_get_object (node);
      node = get_member_any_case (thinking, "thinkingBudget");
      if (wabiz_sim_node_is_int (node))
        budget = json_node_get_int (node);
      if (budget == 0 && model->thinking_required)
        {
          reply_invalid (msg, "Budget 0 is invalid. This model only works in thinking mode.");
          return FALSE;
        }
    }

  /* Seed from what determines the answer. */
  if (schema != NULL)
    {
      g_autoptr(JsonNode) schema_node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (schema_node, schema);
      schema_text = json_to_string (schema_node, FALSE);
    }
  g_checksum_update (checksum, (const guchar *) all_text->str, all_text->len);
  g_checksum_update (checksum, (const guchar *) mime_type, strlen (mime_type));
  if (schema_text != NULL)
    g_checksum_update (checksum, (const guchar *) schema_text, strlen (schema_text));
  g_checksum_get_digest (checksum, digest, &digest_len);
  memcpy (seed, digest, sizeof seed);

  gen.rand = g_rand_new_with_seed_array (seed, G_N_ELEMENTS (seed));
  gen.all_text = g_utf8_strdown (all_text->str, -1);
  gen.user_text = g_utf8_strdown (user_text->str, -1);
  gen.root_schema = schema;
  gen.placeholders = -1;
  analyse (&gen);

  if (g_str_equal (mime_type, "text/x.enum"))
    {
      JsonArray *choices = wabiz_sim_object_get_array (schema, "enum");
      g_autoptr(JsonNode) choice = NULL;

      if (choices == NULL || json_array_get_length (choices) == 0)
        {
          reply_invalid (msg, "* GenerateContentRequest.generation_config.response_schema: "
                         "text/x.enum needs a schema with enum values\n");
          return FALSE;
        }
      choice = pick_enum (&gen, choices, "category sentiment intent");
      answer->text = wabiz_sim_node_is_string (choice) ? g_strdup (json_node_get_string (choice))
                                                       : json_to_string (choice, FALSE);
    }
  else if (g_str_equal (mime_type, "application/json"))
    {
      g_autoptr(JsonNode) value = NULL;

      if (schema != NULL)
        {
          value = generate_value (&gen, schema, NULL, 0);
        }
      else
        {
          JsonObject *object = json_object_new ();
          g_autofree char *reply = compose_reply (&gen);

          json_object_set_string_member (object, "text", reply);
          value = json_node_new (JSON_NODE_OBJECT);
          json_node_take_object (value, object);
        }
      answer->text = json_to_string (value, FALSE);
    }
  else if (gen.template_like)
    {
      answer->text = compose_template_body (&gen);
    }
  else
    {
      answer->text = compose_reply (&gen);
    }

  answer->model = model;
  answer->finish_reason = "STOP";
  answer->prompt_tokens = MAX (1, count_tokens (all_text->str) + count_tokens (schema_text));
  answer->candidate_tokens = count_tokens (answer->text);
  if (model->thinking && budget != 0)
    {
      answer->thought_tokens = 64 + g_rand_int_range (gen.rand, 0, 256);
      if (budget > 0)
        answer->thought_tokens = MIN (answer->thought_tokens, budget);
    }
  answer->response_id = g_base64_encode (digest + 16, 12);
  for (char *p = answer->response_id; *p != '\0'; p++)
    {
      if (*p == '+' || *p == '/' || *p == '=')
        *p = 'x';
    }

  /* Thoughts count against maxOutputTokens, as they do for real. */
  if (max_output > 0 && answer->thought_tokens + answer->candidate_tokens > max_output)
    {
      answer->finish_reason = "MAX_TOKENS";
      if (answer->thought_tokens >= max_output)
        {
          answer->thought_tokens = max_output;
          answer->candidate_tokens = 0;
          g_clear_pointer (&answer->text, g_free);
        }
      else
        {
          gint64 room = max_output - answer->thought_tokens;

          answer->candidate_tokens = room;
          if ((gint64) strlen (answer->text) > room * 4)
            {
              char *end = g_utf8_find_prev_char (answer->text, answer->text + room * 4 + 1);

              if (end != NULL)
                *end = '\0';
            }
        }
    }

  return TRUE;
}

/* Script */

static void
set_either_member (JsonObject *object,
                   const char *key,
                   const char *other_key,
                   JsonNode   *value)
{
  if (!json_object_has_member (object, key) && json_object_has_member (object, other_key))
    key = other_key;
  json_object_set_member (object, key, value);
}

static JsonNode *
new_string_node (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

/* Replaces the draft in @answer by one that breaks the rule @fault is
 * named after. */
static void
apply_template_fault (Answer              *answer,
                      const TemplateFault *fault)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GString) long_body = NULL;
  const char *body = fault->body;
  JsonObject *draft;
  JsonArray *examples;

  if (g_str_equal (fault->name, "malformed_json") || g_str_equal (fault->name, "not_json"))
    {
      g_free (answer->text);
      answer->text = g_strdup (fault->body);
      return;
    }

  if (body == NULL)
    {
      long_body = g_string_new ("Hello {{1}}, thank you for your order.");
      while (long_body->len <= 1100)
        g_string_append (long_body, " We are preparing it with care and will tell you as "
                         "soon as it is ready.");
      body = long_body->str;
    }

  if (answer->text != NULL)
    node = wabiz_sim_parse_json (answer->text, strlen (answer->text), NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_free (answer->text);
      answer->text = g_strdup (body);
      return;
    }

  draft = json_node_get_object (node);
  set_either_member (draft, "body_text", "body", new_string_node (body));
  if (fault->footer != NULL)
    set_either_member (draft, "footer_text", "footer", new_string_node (fault->footer));
  examples = json_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (fault->examples) && fault->examples[i] != NULL; i++)
    json_array_add_string_element (examples, fault->examples[i]);
  set_either_member (draft, "example_values", "examples", json_node_init_array (json_node_alloc (),
                                                                                 examples));
  json_array_unref (examples);

  g_free (answer->text);
  answer->text = json_to_string (node, FALSE);
}

static const TemplateFault *
find_template_fault (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (template_faults); i++)
    {
      if (g_str_equal (template_faults[i].name, name))
        return &template_faults[i];
    }

  return NULL;
}

/* Makes @answer what the script's @entry says (checked when it was
 * scripted). */
static void
apply_script (Answer     *answer,
              JsonObject *entry)
{
  const TemplateFault *fault = find_template_fault (wabiz_sim_object_get_string (entry, "fault"));
  const char *text = wabiz_sim_object_get_string (entry, "text");
  JsonNode *json = json_object_get_member (entry, "json");
  const char *finish = wabiz_sim_object_get_string (entry, "finish_reason");
  const char *block = wabiz_sim_object_get_string (entry, "block_reason");
  gboolean own_text = fault != NULL || text != NULL || json != NULL;

  if (fault != NULL)
    apply_template_fault (answer, fault);
  if (json != NULL)
    {
      g_free (answer->text);
      answer->text = json_to_string (json, FALSE);
    }
  else if (text != NULL)
    {
      g_free (answer->text);
      answer->text = g_strdup (text);
    }

  if (finish != NULL)
    {
      g_free (answer->scripted_reason);
      answer->scripted_reason = g_strdup (finish);
      answer->finish_reason = answer->scripted_reason;

      if (g_str_equal (finish, "MAX_TOKENS") && !own_text && answer->text != NULL)
        {
          /* Cut off halfway: half a template, as a small maxOutputTokens gives. */
          char *half = g_utf8_find_prev_char (answer->text, answer->text + strlen (answer->text) / 2 + 1);

          if (half != NULL)
            *half = '\0';
        }
      else if (!g_str_equal (finish, "STOP") && !g_str_equal (finish, "MAX_TOKENS") && !own_text)
        {
          g_clear_pointer (&answer->text, g_free);
        }
    }

  if (block != NULL)
    {
      answer->block_reason = g_strdup (block);
      g_clear_pointer (&answer->text, g_free);
    }

  answer->candidate_tokens = count_tokens (answer->text);
}

/* Cuts @text in up to three pieces at spaces, for streaming. */
static GPtrArray *
split_text (const char *text)
{
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  gsize len = text != NULL ? strlen (text) : 0;
  gsize start = 0;

  if (len == 0)
    {
      g_ptr_array_add (pieces, NULL);
      return pieces;
    }

  for (guint i = 1; i <= 3 && start < len; i++)
    {
      gsize cut = i == 3 ? len : MIN (len, len * i / 3);

      while (cut < len && text[cut] != ' ')
        cut++;
      if (cut > start)
        g_ptr_array_add (pieces, g_strndup (text + start, cut - start));
      start = cut;
    }

  return pieces;
}

static GPtrArray *
build_stream_chunks (Answer   *answer,
                     gboolean  sse)
{
  g_autoptr(GPtrArray) pieces = split_text (answer->text);
  GPtrArray *chunks = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < pieces->len; i++)
    {
      gboolean last = i + 1 == pieces->len;
      g_autofree char *json = serialize_object (build_response (answer,
                                                                g_ptr_array_index (pieces, i),
                                                                last));
      g_autofree char *escaped = wabiz_sim_escape_non_ascii (json, strlen (json), NULL);

      if (sse)
        g_ptr_array_add (chunks, g_strdup_printf ("data: %s\r\n\r\n", escaped));
      else
        g_ptr_array_add (chunks, g_strdup_printf ("%s%s%s", i == 0 ? "[" : ",\r\n", escaped,
                                                  last ? "]" : ""));
    }

  return chunks;
}

static void
stream_free (Stream *stream)
{
  g_clear_pointer (&stream->chunks, g_ptr_array_unref);
  g_free (stream);
}

static gboolean
stream_next_cb (WabizSimServer    *self,
                SoupServerMessage *msg,
                gpointer           data)
{
  Stream *stream = data;
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  const char *chunk = g_ptr_array_index (stream->chunks, stream->next++);

  soup_message_body_append (body, SOUP_MEMORY_COPY, chunk, strlen (chunk));

  if (stream->next < stream->chunks->len)
    return TRUE;

  soup_message_body_complete (body);
  return FALSE;
}

static gboolean
reply_later_cb (WabizSimServer    *self,
                SoupServerMessage *msg,
                gpointer           data)
{
  GBytes *bytes = data;

  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
  return FALSE;
}

static void
reply_generate (WabizSimServer    *self,
                SoupServerMessage *msg,
                const GeminiModel *model,
                JsonObject        *request,
                JsonObject        *scripted,
                gboolean           streaming,
                GHashTable        *query)
{
  g_auto(Answer) answer = { 0 };
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  WabizSimConfig *config = &self->config;
  gboolean sse = query != NULL && g_strcmp0 (g_hash_table_lookup (query, "alt"), "sse") == 0;

  if (!generate (self, msg, model, request, &answer))
    return;
  if (scripted != NULL)
    apply_script (&answer, scripted);

  g_debug ("Gemini %s: %s, %" G_GINT64_FORMAT " candidate tokens", model->id,
           answer.finish_reason, answer.candidate_tokens);

  if (!streaming)
    {
      g_autoptr(JsonObject) response = build_response (&answer, answer.text, TRUE);
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, response);
      if (config->gemini_latency_ms == 0)
        {
          wabiz_sim_reply_json (msg, SOUP_STATUS_OK, node);
          return;
        }

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      _wabiz_sim_server_defer (self, msg, config->gemini_latency_ms, 0, reply_later_cb,
                               wabiz_sim_json_to_bytes (node), (GDestroyNotify) g_bytes_unref);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (headers, "Content-Type",
                                sse ? "text/event-stream" : "application/json; charset=UTF-8");

  if (config->gemini_latency_ms == 0 && config->gemini_stream_chunk_delay_ms == 0)
    {
      g_autoptr(GPtrArray) chunks = build_stream_chunks (&answer, sse);
      GString *all = g_string_new (NULL);

      for (guint i = 0; i < chunks->len; i++)
        g_string_append (all, g_ptr_array_index (chunks, i));
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg),
                                      g_string_free_to_bytes (all));
    }
  else
    {
      Stream *stream = g_new0 (Stream, 1);

      stream->chunks = build_stream_chunks (&answer, sse);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      _wabiz_sim_server_defer (self, msg,
                               MAX (config->gemini_latency_ms, 1),
                               MAX (config->gemini_stream_chunk_delay_ms, 1),
                               stream_next_cb, stream, (GDestroyNotify) stream_free);
    }
}

static void
reply_count_tokens (SoupServerMessage *msg,
                    JsonObject        *request)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonArray *details = json_array_new ();
  JsonObject *detail = json_object_new ();
  JsonNode *inner = get_member_any_case (request, "generateContentRequest");
  JsonObject *source = request;
  JsonNode *contents;
  JsonNode *system;
  gint64 tokens;

  if (inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
    source = json_node_get_object (inner);

  contents = get_member_any_case (source, "contents");
  system = get_member_any_case (source, "systemInstruction");
  if (system != NULL && JSON_NODE_HOLDS_OBJECT (system))
    append_parts_text (text, json_node_get_object (system));
  for (guint i = 0; contents != NULL && JSON_NODE_HOLDS_ARRAY (contents) &&
                    i < json_array_get_length (json_node_get_array (contents)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (contents), i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        append_parts_text (text, json_node_get_object (node));
    }

  tokens = count_tokens (text->str);
  json_object_set_int_member (answer, "totalTokens", tokens);
  json_object_set_string_member (detail, "modality", "TEXT");
  json_object_set_int_member (detail, "tokenCount", tokens);
  json_array_add_object_element (details, detail);
  json_object_set_array_member (answer, "promptTokensDetails", details);

  wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
}

static void
reply_not_found (SoupServerMessage *msg,
                 const char        *version,
                 const char        *model_id,
                 const char        *method)
{
  g_autofree char *message = NULL;

  if (model_id != NULL)
    message = g_strdup_printf ("models/%s is not found for API version %s, or is not "
                               "supported for %s. Call ListModels to see the list of "
                               "available models and their supported methods.",
                               model_id, version, method != NULL ? method : "this method");
  else
    message = g_strdup ("Requested entity was not found.");

  wabiz_sim_reply_google_error (msg, 404, "NOT_FOUND", message, NULL);
}

/* State: the script and the request log */

static void
gemini_state_free (GeminiState *state)
{
  g_queue_clear_full (&state->script, (GDestroyNotify) json_object_unref);
  g_clear_pointer (&state->requests, g_ptr_array_unref);
  g_free (state);
}

static GeminiState *
get_state (WabizSimServer *self)
{
  GeminiState *state = g_object_get_data (G_OBJECT (self), GEMINI_STATE_KEY);

  if (state == NULL)
    {
      state = g_new0 (GeminiState, 1);
      g_queue_init (&state->script);
      state->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      g_object_set_data_full (G_OBJECT (self), GEMINI_STATE_KEY, state,
                              (GDestroyNotify) gemini_state_free);
    }

  return state;
}

/* Logs a call to a model, without its key; the entry is borrowed, to
 * fill in the status once answered. */
static JsonObject *
log_request (WabizSimServer    *self,
             SoupServerMessage *msg,
             const char        *version,
             const char        *model_id,
             const char        *action,
             gboolean           streaming_sse)
{
  GeminiState *state = get_state (self);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  JsonObject *entry = json_object_new ();
  g_autoptr(JsonNode) root = NULL;

  json_object_set_int_member (entry, "seq", ++state->request_seq);
  json_object_set_int_member (entry, "received_at_us", g_get_real_time ());
  json_object_set_int_member (entry, "monotonic_us", g_get_monotonic_time ());
  json_object_set_string_member (entry, "method", soup_server_message_get_method (msg));
  json_object_set_string_member (entry, "version", version);
  json_object_set_string_member (entry, "model", model_id);
  if (action != NULL)
    json_object_set_string_member (entry, "action", action);
  json_object_set_boolean_member (entry, "sse", streaming_sse);
  json_object_set_boolean_member (entry, "key_in_header",
                                  soup_message_headers_get_one (headers, "x-goog-api-key") != NULL);
  if (body != NULL && body->length > 0)
    root = wabiz_sim_parse_json (body->data, body->length, NULL);
  if (root != NULL)
    json_object_set_member (entry, "request", g_steal_pointer (&root));

  g_ptr_array_add (state->requests, entry);
  if (state->requests->len > MAX_LOGGED_REQUESTS)
    g_ptr_array_remove_index (state->requests, 0);

  return entry;
}

static gboolean
check_script_entry (JsonNode  *node,
                    GError   **error)
{
  static const char * const keys[] = {
    "status", "retry_delay", "text", "json", "fault", "finish_reason", "block_reason", NULL
  };
  static const guint statuses[] = { 400, 403, 404, 429, 500, 503, 504 };
  JsonObject *entry;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                   "Each scripted answer must be an object");
      return FALSE;
    }
  entry = json_node_get_object (node);

  json_object_iter_init (&iter, entry);
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (!g_strv_contains (keys, key))
        {
          g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                       "Unknown key “%s” in a scripted answer (known: status, retry_delay, "
                       "text, json, fault, finish_reason, block_reason)", key);
          return FALSE;
        }
      if (!g_str_equal (key, "status") && !g_str_equal (key, "json") &&
          !wabiz_sim_node_is_string (value))
        {
          g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                       "“%s” of a scripted answer must be a string", key);
          return FALSE;
        }
    }

  if (json_object_has_member (entry, "status"))
    {
      JsonNode *status = json_object_get_member (entry, "status");
      gboolean known = FALSE;

      for (guint i = 0; wabiz_sim_node_is_int (status) && i < G_N_ELEMENTS (statuses); i++)
        known |= json_node_get_int (status) == statuses[i];
      if (!known)
        {
          g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                       "“status” of a scripted answer must be one of 400, 403, 404, 429, "
                       "500, 503, 504");
          return FALSE;
        }
    }

  if (json_object_has_member (entry, "fault") &&
      find_template_fault (wabiz_sim_object_get_string (entry, "fault")) == NULL)
    {
      GString *names = g_string_new (NULL);

      for (guint i = 0; i < G_N_ELEMENTS (template_faults); i++)
        g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", template_faults[i].name);
      g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                   "Unknown fault “%s” (known: %s)",
                   wabiz_sim_object_get_string (entry, "fault"), names->str);
      g_string_free (names, TRUE);
      return FALSE;
    }

  if (json_object_has_member (entry, "finish_reason") &&
      !g_strv_contains (finish_reasons, wabiz_sim_object_get_string (entry, "finish_reason")))
    {
      g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                   "Unknown finish_reason “%s”",
                   wabiz_sim_object_get_string (entry, "finish_reason"));
      return FALSE;
    }

  if (json_object_has_member (entry, "block_reason") &&
      !g_strv_contains (block_reasons, wabiz_sim_object_get_string (entry, "block_reason")))
    {
      g_set_error (error, WABIZ_SIM_ERROR, WABIZ_SIM_ERROR_INVALID,
                   "Unknown block_reason “%s”",
                   wabiz_sim_object_get_string (entry, "block_reason"));
      return FALSE;
    }

  return TRUE;
}

static JsonArray *
dup_script (WabizSimServer *self)
{
  GeminiState *state = get_state (self);
  JsonArray *script = json_array_new ();

  for (GList *l = state->script.head; l != NULL; l = l->next)
    json_array_add_object_element (script, json_object_ref (l->data));

  return script;
}

/* Handling */

void
_wabiz_sim_server_handle_gemini (WabizSimServer    *self,
                                 SoupServerMessage *msg,
                                 const char        *path,
                                 GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *version = NULL;
  const char *rest;
  g_autofree char *model_id = NULL;
  const char *colon;
  const char *action;
  const GeminiModel *model;
  JsonObject *logged = NULL;

  /* "/v1beta/…" or "/v1/…": the same API, as Google serves it */
  g_assert (g_str_has_prefix (path, "/v1beta/") || g_str_has_prefix (path, "/v1/"));
  rest = strchr (path + 1, '/') + 1;
  version = g_strndup (path + 1, rest - path - 2);

  if (g_str_has_prefix (rest, "models/") && strlen (rest) > strlen ("models/"))
    {
      const char *id = rest + strlen ("models/");
      g_autofree char *logged_model = NULL;

      colon = strchr (id, ':');
      logged_model = colon != NULL ? g_strndup (id, colon - id) : g_strdup (id);
      logged = log_request (self, msg, version, logged_model, colon != NULL ? colon + 1 : NULL,
                            query != NULL &&
                            g_strcmp0 (g_hash_table_lookup (query, "alt"), "sse") == 0);
    }

  if (!check_key (self, msg, query))
    goto out;

  if (g_str_equal (rest, "models") || g_str_equal (rest, "models/"))
    {
      g_autoptr(JsonObject) answer = json_object_new ();
      JsonArray *list = json_array_new ();

      if (method != SOUP_METHOD_GET)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
          json_array_unref (list);
          goto out;
        }
      for (guint i = 0; i < G_N_ELEMENTS (models); i++)
        json_array_add_object_element (list, serialize_model (&models[i]));
      json_object_set_array_member (answer, "models", list);
      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
      goto out;
    }

  if (!g_str_has_prefix (rest, "models/"))
    {
      reply_not_found (msg, version, NULL, NULL);
      goto out;
    }

  rest += strlen ("models/");
  colon = strchr (rest, ':');
  model_id = colon != NULL ? g_strndup (rest, colon - rest) : g_strdup (rest);
  action = colon != NULL ? colon + 1 : NULL;
  model = find_model (model_id);

  if (model == NULL)
    {
      reply_not_found (msg, version, model_id, action);
      goto out;
    }

  if (action == NULL)
    {
      g_autoptr(JsonObject) answer = NULL;

      if (method != SOUP_METHOD_GET)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
          goto out;
        }
      answer = serialize_model (model);
      wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
      goto out;
    }

  if (method != SOUP_METHOD_POST)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      goto out;
    }

  if (g_str_equal (action, "generateContent") || g_str_equal (action, "streamGenerateContent") ||
      g_str_equal (action, "countTokens"))
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) scripted = NULL;
      gboolean is_count = g_str_equal (action, "countTokens");

      if (!is_count)
        {
          GeminiState *state = get_state (self);

          self->n_gemini++;

          if (self->config.gemini_fail_next->len > 0)
            {
              guint status = g_array_index (self->config.gemini_fail_next, guint, 0);

              g_array_remove_index (self->config.gemini_fail_next, 0);
              self->n_gemini_injected++;
              g_debug ("Gemini: injected HTTP %u", status);
              reply_error (msg, status, model->id, self->config.gemini_retry_delay);
              goto out;
            }

          scripted = g_queue_pop_head (&state->script);
          if (scripted != NULL && json_object_has_member (scripted, "status"))
            {
              const char *delay = wabiz_sim_object_get_string (scripted, "retry_delay");

              self->n_gemini_injected++;
              reply_error (msg, json_object_get_int_member (scripted, "status"), model->id,
                           delay != NULL ? delay : self->config.gemini_retry_delay);
              goto out;
            }
        }

      root = wabiz_sim_parse_json (body->data, body->length, &error);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        {
          reply_invalid (msg, "Invalid JSON payload received. Expected a JSON object.");
          goto out;
        }

      if (is_count)
        reply_count_tokens (msg, json_node_get_object (root));
      else
        reply_generate (self, msg, model, json_node_get_object (root), scripted,
                        g_str_equal (action, "streamGenerateContent"), query);
      goto out;
    }

  reply_not_found (msg, version, model_id, action);

out:
  if (logged != NULL)
    json_object_set_int_member (logged, "status", soup_server_message_get_status (msg));
}

/* The control API's /_sim/gemini/… (already checked to come from
 * loopback). @sub is what follows "/_sim/gemini". */
void
_wabiz_sim_server_handle_gemini_control (WabizSimServer    *self,
                                         SoupServerMessage *msg,
                                         const char        *sub,
                                         GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  GeminiState *state = get_state (self);

  if (g_str_equal (sub, "/script"))
    {
      if (method == SOUP_METHOD_POST)
        {
          SoupMessageBody *body = soup_server_message_get_request_body (msg);
          g_autoptr(JsonNode) root = NULL;
          g_autoptr(GError) error = NULL;
          JsonNode *answers = NULL;

          root = wabiz_sim_parse_json (body->data, body->length, &error);
          if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
            answers = json_object_get_member (json_node_get_object (root), "answers");
          else if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
            answers = root;
          if (answers == NULL || !JSON_NODE_HOLDS_ARRAY (answers))
            {
              wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST,
                                             "The body must be {\"answers\": [...]} or an "
                                             "array of scripted answers");
              return;
            }
          if (!wabiz_sim_server_add_gemini_answers (self, json_node_get_array (answers), &error))
            {
              wabiz_sim_reply_control_error (msg, SOUP_STATUS_BAD_REQUEST, "%s",
                                             error->message);
              return;
            }
        }
      else if (method == SOUP_METHOD_DELETE)
        {
          g_queue_clear_full (&state->script, (GDestroyNotify) json_object_unref);
        }
      else if (method != SOUP_METHOD_GET)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
          return;
        }

      {
        g_autoptr(JsonObject) answer = json_object_new ();

        json_object_set_array_member (answer, "answers", dup_script (self));
        wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
      }
    }
  else if (g_str_equal (sub, "/requests"))
    {
      if (method == SOUP_METHOD_GET)
        {
          g_autoptr(JsonObject) answer = json_object_new ();
          guint64 since;

          if (!wabiz_sim_query_get_since (msg, query, &since))
            return;
          json_object_set_array_member (answer, "requests",
                                        wabiz_sim_server_dup_gemini_requests (self, since));
          json_object_set_int_member (answer, "last_seq", state->request_seq);
          wabiz_sim_reply_object (msg, SOUP_STATUS_OK, answer);
        }
      else if (method == SOUP_METHOD_DELETE)
        {
          g_ptr_array_set_size (state->requests, 0);
          wabiz_sim_reply_success (msg);
        }
      else
        {
          soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
        }
    }
  else
    {
      wabiz_sim_reply_control_error (msg, SOUP_STATUS_NOT_FOUND,
                                     "No control call %s /_sim/gemini%s", method, sub);
    }
}

/* Forgets the script and the request log (wabiz_sim_server_reset()). */
void
_wabiz_sim_server_gemini_reset (WabizSimServer *self)
{
  GeminiState *state = get_state (self);

  g_queue_clear_full (&state->script, (GDestroyNotify) json_object_unref);
  g_ptr_array_set_size (state->requests, 0);
  state->request_seq = 0;
}

/**
 * wabiz_sim_server_add_gemini_answers:
 * @answers: scripted answers, as `POST /_sim/gemini/script` takes them
 *
 * Queues @answers (all of them, or none when one is not valid): each
 * later call to generateContent or streamGenerateContent takes the next
 * one, after `gemini_fail_next` is used up.
 *
 * Returns: %TRUE when all of them were queued
 */
gboolean
wabiz_sim_server_add_gemini_answers (WabizSimServer  *self,
                                     JsonArray       *answers,
                                     GError         **error)
{
  GeminiState *state;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), FALSE);
  g_return_val_if_fail (answers != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < json_array_get_length (answers); i++)
    {
      if (!check_script_entry (json_array_get_element (answers, i), error))
        return FALSE;
    }

  state = get_state (self);
  for (guint i = 0; i < json_array_get_length (answers); i++)
    g_queue_push_tail (&state->script,
                       json_object_ref (json_array_get_object_element (answers, i)));

  return TRUE;
}

/**
 * wabiz_sim_server_dup_gemini_requests:
 * @since: only entries with a `seq` above this
 *
 * Returns: (transfer full): the calls to a model, oldest first: `seq`,
 *   `received_at_us` (real time), `monotonic_us`, `method`, `version`
 *   (v1 or v1beta), `model`, `action`, `sse`, `key_in_header`, `status`
 *   and the `request` body as JSON (the API key is never kept)
 */
JsonArray *
wabiz_sim_server_dup_gemini_requests (WabizSimServer *self,
                                      guint64         since)
{
  GeminiState *state;
  JsonArray *entries;

  g_return_val_if_fail (WABIZ_IS_SIM_SERVER (self), NULL);

  state = get_state (self);
  entries = json_array_new ();
  for (guint i = 0; i < state->requests->len; i++)
    {
      JsonObject *entry = g_ptr_array_index (state->requests, i);

      if ((guint64) json_object_get_int_member (entry, "seq") > since)
        json_array_add_object_element (entries, json_object_ref (entry));
    }

  return entries;
}
