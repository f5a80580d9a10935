/* wabiz-rest-api-templates.c
 *
 * SPDX-License-Identifier: MIT
 *
 * POST /template/create: a template written by the caller (mode
 * "manual") is checked with WhatsApp's rules (wabiz-template-rules.h),
 * so that what Meta would refuse is refused at once with the rule that
 * says what to change; a template of mode "ai" is written by Gemini from
 * the caller's "context" (wabiz-template-ai.c: checked with the same
 * rules, and asked for again while it breaks one). Then it is submitted
 * to Meta for review, kept in `templates` with the id and status Meta
 * gave it, and the answer says that status (PENDING, APPROVED,
 * REJECTED…). When Meta refuses, the answer carries Meta's reason.
 */

#define G_LOG_DOMAIN "wabiz-rest-api"

#include "config.h"

#include "wabiz-http-server.h"
#include "wabiz-json-members.h"
#include "wabiz-rest-api-private.h"
#include "wabiz-store.h"
#include "wabiz-template-rules.h"

#include <glib/gi18n.h>

/* A template on its way to Meta, then to the database. */
typedef struct
{
  char       *name;
  char       *language;
  char       *category;
  char       *body;
  char       *footer;       /* (nullable) */
  JsonObject *tmpl;         /* (owned) what Meta is sent */
  char       *meta_id;      /* (nullable) Meta's id for it */
  char       *status;       /* (nullable) Meta's status for it */
  char       *mode;
  char      **examples;     /* (owned) (nullable) mode ai: Gemini's example values */
  WabizGeminiUsage usage;   /* mode ai: what writing it took */
} Template;

static void
template_free (Template *t)
{
  g_free (t->name);
  g_free (t->language);
  g_free (t->category);
  g_free (t->body);
  g_free (t->footer);
  g_clear_pointer (&t->tmpl, json_object_unref);
  g_free (t->meta_id);
  g_free (t->status);
  g_free (t->mode);
  g_strfreev (t->examples);
  g_free (t);
}

/* The template to write in @mode, or %NULL once @msg is answered that
 * Meta is not set up */
static Template *
new_template (WabizRestApi      *self,
              SoupServerMessage *msg,
              const char        *name,
              const char        *language,
              const char        *category,
              const char        *mode)
{
  Template *t;

  if (self->graph == NULL)
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "sender_unavailable",
                              _("Meta is not set up on this server"));
      return NULL;
    }

  t = g_new0 (Template, 1);
  t->name = g_strdup (name);
  t->language = g_strdup (language);
  t->category = g_strdup (category);
  t->mode = g_strdup (mode);
  return t;
}

/* ------------------------------------------------------------------ */
/* kept once Meta has it */

static void
store_template_job (WabizDb      *db,
                    WabizDbConn  *conn,
                    GTask        *task,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  const char **params = task_data;
  g_autoptr(WabizDbResult) res = NULL;
  GError *error = NULL;

  if (!wabiz_db_conn_begin (conn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  res = wabiz_db_conn_exec (conn,
                            "INSERT INTO templates (name, language, category, status, meta_id, components,"
                            "  body_text, footer_text, parameter_format, meta_status_at)"
                            " VALUES ($1, $2, $3, coalesce($4, 'PENDING'), $5, $6::jsonb, $7, $8, 'POSITIONAL', now())"
                            " ON CONFLICT (name, language) DO UPDATE SET category = excluded.category,"
                            "  status = excluded.status, meta_id = excluded.meta_id, components = excluded.components,"
                            "  body_text = excluded.body_text, footer_text = excluded.footer_text,"
                            "  rejected_reason = NULL, updated_at = now()",
                            8, params, &error);
  if (res == NULL || !wabiz_store_notify_on_conn (conn, "templates", NULL, NULL, &error) ||
      !wabiz_db_conn_commit (conn, &error))
    {
      wabiz_db_conn_rollback (conn);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
store_template_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  Template *t = request->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      _wabiz_rest_reply_db_error (request->msg, error);
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "template_name");
  json_builder_add_string_value (builder, t->name);
  /* the old service said PENDING_REVIEW whatever happened; Meta may
   * approve (or refuse) at once */
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, t->status);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, t->mode);
  json_builder_set_member_name (builder, "template_id");
  json_builder_add_string_value (builder, t->meta_id);
  json_builder_set_member_name (builder, "stored_in_supabase");
  json_builder_add_boolean_value (builder, TRUE);
  if (g_str_equal (t->mode, "ai"))
    {
      json_builder_set_member_name (builder, "generated_body");
      json_builder_add_string_value (builder, t->body);
      json_builder_set_member_name (builder, "generated_footer");
      if (t->footer != NULL)
        json_builder_add_string_value (builder, t->footer);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "example_values");
      json_builder_begin_array (builder);
      for (guint i = 0; t->examples != NULL && t->examples[i] != NULL; i++)
        json_builder_add_string_value (builder, t->examples[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "gemini_usage");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "prompt_tokens");
      json_builder_add_int_value (builder, t->usage.prompt_tokens);
      json_builder_set_member_name (builder, "candidates_tokens");
      json_builder_add_int_value (builder, t->usage.candidates_tokens);
      json_builder_set_member_name (builder, "thoughts_tokens");
      json_builder_add_int_value (builder, t->usage.thoughts_tokens);
      json_builder_set_member_name (builder, "total_tokens");
      json_builder_add_int_value (builder, t->usage.total_tokens);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  wabiz_http_reply_json (request->msg, SOUP_STATUS_OK, root);
}

static void
create_template_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  Template *t = request->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) components = NULL;
  const char **params;
  WabizRestApi *self = request->self;

  answer = wabiz_graph_client_create_template_finish (WABIZ_GRAPH_CLIENT (object), result, &error);
  if (answer == NULL && error->domain == WABIZ_GRAPH_ERROR && error->code > 0)
    {
      g_autofree char *reason = _wabiz_rest_graph_error_text (error);
      /* Translators: a template's name, then Meta's reason */
      g_autofree char *text = g_strdup_printf (_("Meta refused the template “%s”: %s"), t->name, reason);

      _wabiz_rest_reply_graph_error (request->msg, error, text);
      return;
    }
  if (answer == NULL)
    {
      _wabiz_rest_reply_error (request, error);
      return;
    }

  t->meta_id = g_strdup (wabiz_json_string_member (answer, "id"));
  t->status = g_strdup (wabiz_json_string_member (answer, "status"));
  if (t->status == NULL)
    t->status = g_strdup ("PENDING");

  components = json_node_init_array (json_node_alloc (), json_object_get_array_member (t->tmpl, "components"));
  params = g_new0 (const char *, 9);
  params[0] = g_strdup (t->name);
  params[1] = g_strdup (t->language);
  params[2] = g_strdup (t->category);
  params[3] = g_strdup (t->status);
  params[4] = g_strdup (t->meta_id);
  params[5] = json_to_string (components, FALSE);
  params[6] = g_strdup (t->body);
  params[7] = g_strdup (t->footer);

  task = g_task_new (NULL, NULL, store_template_cb, g_steal_pointer (&request));
  g_task_set_task_data (task, params, (GDestroyNotify) g_strfreev);
  wabiz_db_run_in_thread (self->db, task, store_template_job);
}

/* Submits the request's template to Meta, then keeps it; answers the
 * request (transfer full). */
static void
submit_request (WabizRestRequest *request)
{
  Template *t = request->data;

  wabiz_graph_client_create_template_async (request->self->graph, t->tmpl, NULL, create_template_cb,
                                            request);
}

/* Submits @t to Meta, then keeps it; answers the request. */
static void
submit (WabizRestApi      *self,
        SoupServerMessage *msg,
        Template          *t)
{
  WabizRestRequest *request = _wabiz_rest_request_new (self, msg);

  request->data = t;
  request->data_free = (GDestroyNotify) template_free;
  submit_request (request);
}

/* ------------------------------------------------------------------ */
/* what Meta is sent */

/* {"name", "language", "category", "components": [BODY with an example
 * value per placeholder (@examples, or made up), FOOTER]} */
static JsonObject *
build_template (const char         *name,
                const char         *language,
                const char         *category,
                const char         *body,
                guint               n_params,
                const char * const *examples,
                const char         *footer)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "language");
  json_builder_add_string_value (builder, language);
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, category);
  json_builder_set_member_name (builder, "components");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "BODY");
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, body);
  if (n_params > 0)
    {
      json_builder_set_member_name (builder, "example");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "body_text");
      json_builder_begin_array (builder);
      json_builder_begin_array (builder);
      for (guint i = 1; i <= n_params; i++)
        {
          g_autofree char *example = g_strdup_printf ("example %u", i);

          if (examples != NULL && g_strv_length ((char **) examples) >= i)
            json_builder_add_string_value (builder, examples[i - 1]);
          else
            json_builder_add_string_value (builder, example);
        }
      json_builder_end_array (builder);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  if (footer != NULL)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "FOOTER");
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, footer);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_object_ref (json_node_get_object (root));
}

/* ------------------------------------------------------------------ */
/* the call */

/* The error code of a broken rule */
static const char *
problem_code (WabizTemplateProblem *problem)
{
  switch (problem->kind)
    {
    case WABIZ_TEMPLATE_PROBLEM_NAME_EMPTY:
    case WABIZ_TEMPLATE_PROBLEM_NAME_TOO_LONG:
    case WABIZ_TEMPLATE_PROBLEM_NAME_CHARACTERS:
      return "invalid_name";
    case WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY:
    case WABIZ_TEMPLATE_PROBLEM_TEXT_TOO_LONG:
    case WABIZ_TEMPLATE_PROBLEM_EXAMPLE_MISSING:
    case WABIZ_TEMPLATE_PROBLEM_EXAMPLE_INVALID:
      return g_str_equal (problem->field, "footer") ? "invalid_footer" : "invalid_body";
    case WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_NOT_ALLOWED:
      return "invalid_footer";
    case WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_MALFORMED:
    case WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_NOT_IN_ORDER:
    case WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_START:
    case WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_AT_END:
    case WABIZ_TEMPLATE_PROBLEM_PLACEHOLDERS_ADJACENT:
    case WABIZ_TEMPLATE_PROBLEM_TOO_FEW_WORDS:
    case WABIZ_TEMPLATE_PROBLEM_TOO_MANY_PLACEHOLDERS:
    default:
      return "invalid_placeholders";
    }
}

/* @ok: what a check of wabiz-template-rules.h returned. When it found a
 * broken rule, answers 422 with the first one's code and every rule's
 * sentence, and returns FALSE. */
static gboolean
check_rule (SoupServerMessage *msg,
            gboolean           ok,
            GPtrArray         *problems)
{
  g_autoptr(GString) text = NULL;

  if (ok || problems->len == 0)
    return TRUE;

  text = g_string_new (NULL);
  for (guint i = 0; i < problems->len; i++)
    {
      WabizTemplateProblem *problem = g_ptr_array_index (problems, i);

      g_string_append_printf (text, "%s%s", i > 0 ? " " : "", problem->message);
    }
  wabiz_http_reply_error (msg, 422, problem_code (g_ptr_array_index (problems, 0)), text->str);
  return FALSE;
}

/* The name, category and language every mode takes, checked: the
 * category upper-cased, or NULL when one is not acceptable. */
static char *
check_head (SoupServerMessage *msg,
            const char        *name,
            const char        *category,
            const char        *language)
{
  static const char *categories[] = { "UTILITY", "MARKETING", "AUTHENTICATION", NULL };
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  g_autofree char *upper = NULL;

  if (!check_rule (msg, wabiz_template_check_name (name, problems), problems))
    return NULL;
  upper = g_ascii_strup (category, -1);
  if (!g_strv_contains (categories, upper))
    {
      wabiz_http_reply_error (msg, 422, "invalid_category",
                              _("“category” must be UTILITY, MARKETING or AUTHENTICATION"));
      return NULL;
    }
  if (!g_regex_match_simple ("^[a-z]{2,3}(_[A-Z]{2})?$", language, 0, 0))
    {
      wabiz_http_reply_error (msg, 422, "invalid_language",
                              _("“language” must be a language code such as en or pt_BR"));
      return NULL;
    }
  return g_steal_pointer (&upper);
}

/* mode "manual": the caller wrote body_text (with {{1}}… placeholders)
 * and maybe footer_text */
static void
create_manual (WabizRestApi      *self,
               SoupServerMessage *msg,
               JsonObject        *body,
               const char        *name,
               const char        *category,
               const char        *language)
{
  g_autofree char *upper_category = NULL;
  g_autofree char *text = NULL;
  g_autofree char *footer = NULL;
  const WabizRestField fields[] = {
    { "body_text", TRUE, WABIZ_TEMPLATE_BODY_MAX, &text }, { "footer_text", FALSE, WABIZ_TEMPLATE_FOOTER_MAX, &footer },
  };
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  Template *t;

  if ((upper_category = check_head (msg, name, category, language)) == NULL ||
      !_wabiz_rest_get_strings (msg, body, fields, G_N_ELEMENTS (fields)) ||
      !check_rule (msg, wabiz_template_check_body (text, NULL, problems), problems) ||
      !check_rule (msg, wabiz_template_check_footer (footer, problems), problems))
    return;

  t = new_template (self, msg, name, language, upper_category, "manual");
  if (t == NULL)
    return;
  t->body = g_steal_pointer (&text);
  t->footer = g_steal_pointer (&footer);
  t->tmpl = build_template (name, language, t->category, t->body, wabiz_template_count_placeholders (t->body),
                            NULL, t->footer);
  submit (self, msg, t);
}

/* What a failure to write the template tells the caller */
static void
reply_ai_error (SoupServerMessage *msg,
                const GError      *error)
{
  if (error->domain == WABIZ_TEMPLATE_AI_ERROR)
    {
      switch (error->code)
        {
        case WABIZ_TEMPLATE_AI_ERROR_AUTHENTICATION:
          wabiz_http_reply_error (msg, 422, "invalid_category", error->message);
          return;
        case WABIZ_TEMPLATE_AI_ERROR_RULES:
          /* Gemini, not the caller, could not get it right */
          wabiz_http_reply_error (msg, SOUP_STATUS_BAD_GATEWAY, "ai_invalid_draft", error->message);
          return;
        case WABIZ_TEMPLATE_AI_ERROR_INVALID:
        default:
          wabiz_http_reply_error (msg, 422, "invalid_context", error->message);
          return;
        }
    }

  if (error->domain == WABIZ_GEMINI_ERROR)
    {
      switch (error->code)
        {
        case WABIZ_GEMINI_ERROR_NO_KEY:
        case WABIZ_GEMINI_ERROR_INVALID_KEY:
        case WABIZ_GEMINI_ERROR_PERMISSION_DENIED:
          wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "ai_unavailable",
                                  _("Gemini did not accept the API key this server is set up "
                                    "with (GEMINI_API_KEY, or the key in Preferences): check it, "
                                    "or use mode “manual”"));
          return;
        case WABIZ_GEMINI_ERROR_QUOTA:
        case WABIZ_GEMINI_ERROR_UNAVAILABLE:
        case WABIZ_GEMINI_ERROR_TIMEOUT:
        case WABIZ_GEMINI_ERROR_NETWORK:
        case WABIZ_GEMINI_ERROR_MODEL_NOT_FOUND:
          wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "ai_unavailable",
                                  error->message);
          return;
        case WABIZ_GEMINI_ERROR_BLOCKED:
        case WABIZ_GEMINI_ERROR_DECLINED:
          wabiz_http_reply_error (msg, 422, "ai_declined", error->message);
          return;
        default:
          wabiz_http_reply_error (msg, SOUP_STATUS_BAD_GATEWAY, "ai_failed", error->message);
          return;
        }
    }

  wabiz_http_reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error", error->message);
}

static void
drafted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WabizRestRequest) request = user_data;
  g_autoptr(WabizTemplateDraft) draft = NULL;
  g_autoptr(GError) error = NULL;
  Template *t = request->data;

  draft = wabiz_template_ai_generate_finish (WABIZ_TEMPLATE_AI (object), result, &error);
  if (draft == NULL)
    {
      g_debug ("No template %s from Gemini: %s", t->name, error->message);
      reply_ai_error (request->msg, error);
      return;
    }

  g_debug ("Gemini wrote template %s in %u rounds, %" G_GINT64_FORMAT " tokens", t->name,
           draft->rounds, draft->usage.total_tokens);
  t->body = g_steal_pointer (&draft->body);
  t->footer = g_steal_pointer (&draft->footer);
  t->examples = g_steal_pointer (&draft->examples);
  t->usage = draft->usage;
  t->tmpl = build_template (t->name, t->language, t->category, t->body,
                            wabiz_template_count_placeholders (t->body),
                            (const char * const *) t->examples, t->footer);
  submit_request (g_steal_pointer (&request));
}

/* mode "ai": Gemini writes the body (and footer) from "context", what
 * the template is for */
static void
create_ai (WabizRestApi      *self,
           SoupServerMessage *msg,
           JsonObject        *body,
           const char        *name,
           const char        *category,
           const char        *language)
{
  g_autofree char *upper_category = NULL;
  g_autofree char *context = NULL;
  const WabizRestField fields[] = { { "context", TRUE, 4000, &context } };
  WabizRestRequest *request;
  Template *t;

  if ((upper_category = check_head (msg, name, category, language)) == NULL ||
      !_wabiz_rest_get_strings (msg, body, fields, G_N_ELEMENTS (fields)))
    return;

  if (g_str_equal (upper_category, "AUTHENTICATION"))
    {
      wabiz_http_reply_error (msg, 422, "invalid_category",
                              _("Gemini does not write AUTHENTICATION templates: Meta gives them "
                                "fixed wording; use mode “manual”"));
      return;
    }
  if (self->template_ai == NULL)
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "ai_unavailable",
                              _("Gemini is not set up on this server: set GEMINI_API_KEY to "
                                "create templates with mode “ai”, or use mode “manual” with "
                                "body_text"));
      return;
    }
  t = new_template (self, msg, name, language, upper_category, "ai");
  if (t == NULL)
    return;

  request = _wabiz_rest_request_new (self, msg);
  request->data = t;
  request->data_free = (GDestroyNotify) template_free;
  wabiz_template_ai_generate_async (self->template_ai, t->name, t->category, t->language, context,
                                    NULL, drafted_cb, request);
}

/**
 * wabiz_rest_api_set_gemini:
 * @gemini: (nullable): the client mode “ai” of /template/create writes
 *   with; NULL: that mode answers 503
 */
void
wabiz_rest_api_set_gemini (WabizRestApi      *self,
                           WabizGeminiClient *gemini)
{
  g_return_if_fail (WABIZ_IS_REST_API (self));
  g_return_if_fail (gemini == NULL || WABIZ_IS_GEMINI_CLIENT (gemini));

  g_clear_object (&self->template_ai);
  if (gemini != NULL)
    self->template_ai = wabiz_template_ai_new (gemini);
}

void
_wabiz_rest_handle_template_create (WabizRestApi      *self,
                                    SoupServerMessage *msg,
                                    GHashTable        *query,
                                    const char        *param)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *name = NULL;
  g_autofree char *category = NULL;
  g_autofree char *language = NULL;
  g_autofree char *mode = NULL;
  const WabizRestField fields[] = {
    { "name", TRUE, 512, &name }, { "category", TRUE, 32, &category },
    { "language", TRUE, 16, &language }, { "mode", FALSE, 16, &mode },
  };

  if ((body = _wabiz_rest_read_body (msg)) == NULL ||
      !_wabiz_rest_get_strings (msg, body, fields, G_N_ELEMENTS (fields)))
    return;

  if (mode == NULL || g_str_equal (mode, "manual"))
    create_manual (self, msg, body, name, category, language);
  else if (g_str_equal (mode, "ai"))
    create_ai (self, msg, body, name, category, language);
  else
    wabiz_http_reply_error (msg, 422, "invalid_mode", _("“mode” must be “manual” or “ai”"));
}
