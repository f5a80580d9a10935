/* wabiz-rest-api-templates.c
 *
 * SPDX-License-Identifier: MIT
 *
 * POST /template/create: a template written by the caller (mode
 * "manual") is submitted to Meta for review, then kept in `templates`
 * with the id Meta gave it.
 */

#define G_LOG_DOMAIN "wabiz-rest-api"

#include "config.h"

#include "wabiz-http-server.h"
#include "wabiz-rest-api-private.h"
#include "wabiz-store.h"

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
  char       *mode;
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
  g_free (t->mode);
  g_free (t);
}

static guint
count_placeholders (const char *text,
                    gboolean   *sequential)
{
  g_autoptr(GRegex) regex = g_regex_new ("\\{\\{\\s*([0-9]+)\\s*\\}\\}", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  guint max = 0, count = 0;
  guint64 seen = 0;

  g_regex_match (regex, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *number = g_match_info_fetch (match, 1);
      guint n = (guint) g_ascii_strtoull (number, NULL, 10);

      if (n >= 1 && n <= 63 && (seen & (G_GUINT64_CONSTANT (1) << n)) == 0)
        {
          seen |= G_GUINT64_CONSTANT (1) << n;
          count++;
        }
      max = MAX (max, n);
      g_match_info_next (match, NULL);
    }
  *sequential = (max == count);
  return count;
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
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "PENDING_REVIEW");
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, t->mode);
  json_builder_set_member_name (builder, "template_id");
  json_builder_add_string_value (builder, t->meta_id);
  json_builder_set_member_name (builder, "stored_in_supabase");
  json_builder_add_boolean_value (builder, TRUE);
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
  if (answer == NULL)
    {
      _wabiz_rest_reply_error (request, error);
      return;
    }

  t->meta_id = g_strdup (json_object_has_member (answer, "id") &&
                         JSON_NODE_HOLDS_VALUE (json_object_get_member (answer, "id"))
                         ? json_object_get_string_member_with_default (answer, "id", NULL) : NULL);

  components = json_node_init_array (json_node_alloc (), json_object_get_array_member (t->tmpl, "components"));
  params = g_new0 (const char *, 9);
  params[0] = g_strdup (t->name);
  params[1] = g_strdup (t->language);
  params[2] = g_strdup (t->category);
  params[3] = g_strdup (json_object_get_string_member_with_default (answer, "status", NULL));
  params[4] = g_strdup (t->meta_id);
  params[5] = json_to_string (components, FALSE);
  params[6] = g_strdup (t->body);
  params[7] = g_strdup (t->footer);

  task = g_task_new (NULL, NULL, store_template_cb, g_steal_pointer (&request));
  g_task_set_task_data (task, params, (GDestroyNotify) g_strfreev);
  wabiz_db_run_in_thread (self->db, task, store_template_job);
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
  wabiz_graph_client_create_template_async (self->graph, t->tmpl, NULL, create_template_cb, request);
}

/* ------------------------------------------------------------------ */
/* what Meta is sent */

/* {"name", "language", "category", "components": [BODY with an example
 * value per placeholder, FOOTER]} */
static JsonObject *
build_template (const char *name,
                const char *language,
                const char *category,
                const char *body,
                guint       n_params,
                const char *footer)
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

/* The name, category and language every mode takes, checked: the
 * category upper-cased, or NULL when one is not acceptable. */
static char *
check_head (SoupServerMessage *msg,
            const char        *name,
            const char        *category,
            const char        *language)
{
  static const char *categories[] = { "UTILITY", "MARKETING", "AUTHENTICATION", NULL };
  g_autofree char *upper = NULL;

  if (!g_regex_match_simple ("^[a-z0-9_]+$", name, 0, 0))
    {
      wabiz_http_reply_error (msg, 422, "invalid_name",
                              _("“name” may hold only lower-case letters, digits and underscores"));
      return NULL;
    }
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
  const WabizRestField fields[] = { { "body_text", TRUE, 1024, &text }, { "footer_text", FALSE, 60, &footer } };
  gboolean sequential = TRUE;
  guint n_params;
  Template *t;

  if ((upper_category = check_head (msg, name, category, language)) == NULL ||
      !_wabiz_rest_get_strings (msg, body, fields, G_N_ELEMENTS (fields)))
    return;

  n_params = count_placeholders (text, &sequential);
  if (!sequential)
    {
      wabiz_http_reply_error (msg, 422, "invalid_placeholders",
                              _("Placeholders in “body_text” must be numbered {{1}}, {{2}}… without gaps"));
      return;
    }
  if (self->graph == NULL)
    {
      wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "sender_unavailable",
                              _("Meta is not set up on this server"));
      return;
    }

  t = g_new0 (Template, 1);
  t->name = g_strdup (name);
  t->language = g_strdup (language);
  t->category = g_steal_pointer (&upper_category);
  t->body = g_steal_pointer (&text);
  t->footer = g_steal_pointer (&footer);
  t->mode = g_strdup ("manual");
  t->tmpl = build_template (name, language, t->category, t->body, n_params, t->footer);
  submit (self, msg, t);
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
    wabiz_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "ai_unavailable",
                            _("Creating templates with Gemini (mode “ai”) is not available in this "
                              "version yet; use mode “manual” with body_text"));
  else
    wabiz_http_reply_error (msg, 422, "invalid_mode", _("“mode” must be “manual” or “ai”"));
}
