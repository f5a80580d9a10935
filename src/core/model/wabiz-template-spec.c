/* wabiz-template-spec.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A template as the owner writes it: every part checked with the rules
 * of wabiz-template-rules.h (the editor shows each problem next to its
 * field), Meta's JSON made of it, and the submission: the example file
 * of a media header through the Resumable Upload API, the template to
 * Meta, the row to `templates`.
 */

#define G_LOG_DOMAIN "wabiz-template-spec"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-store.h"
#include "wabiz-template-rules.h"
#include "wabiz-template-spec.h"

#include <glib/gi18n-lib.h>
#include <string.h>

G_DEFINE_BOXED_TYPE (WabizTemplateSpec, wabiz_template_spec, wabiz_template_spec_copy,
                     wabiz_template_spec_free)

static const char * const categories[] = { "UTILITY", "MARKETING", "AUTHENTICATION", NULL };

WabizTemplateSpec *
wabiz_template_spec_new (void)
{
  WabizTemplateSpec *spec = g_new0 (WabizTemplateSpec, 1);

  spec->buttons = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_button_free);
  return spec;
}

WabizTemplateSpec *
wabiz_template_spec_new_from_template (WabizTemplate *template)
{
  WabizTemplateSpec *spec;
  g_autoptr(GStrvBuilder) examples = g_strv_builder_new ();
  const char *format;

  g_return_val_if_fail (WABIZ_IS_TEMPLATE (template), NULL);

  spec = wabiz_template_spec_new ();
  spec->name = g_strdup (wabiz_template_get_name (template));
  spec->language = g_strdup (wabiz_template_get_language (template));
  spec->category = g_strdup (wabiz_template_get_category (template));
  format = wabiz_template_get_header_format (template);
  if (format != NULL && !g_str_equal (format, "LOCATION"))
    {
      spec->header_format = g_strdup (format);
      if (g_str_equal (format, "TEXT"))
        {
          spec->header_text = g_strdup (wabiz_template_get_header (template));
          spec->header_example = g_strdup (wabiz_template_get_header_example (template));
        }
      else
        {
          JsonArray *components = wabiz_template_get_components (template);

          /* the handle Meta took stays good for a resubmission */
          for (guint i = 0; i < json_array_get_length (components); i++)
            {
              JsonObject *c = json_array_get_object_element (components, i);
              JsonObject *example;
              JsonArray *handles;

              if (c == NULL || g_strcmp0 (json_object_get_string_member_with_default (c, "type", ""),
                                          "HEADER") != 0)
                continue;
              example = json_object_get_object_member (c, "example");
              handles = example != NULL && json_object_has_member (example, "header_handle")
                        ? json_object_get_array_member (example, "header_handle") : NULL;
              if (handles != NULL && json_array_get_length (handles) > 0)
                spec->header_handle = g_strdup (json_array_get_string_element (handles, 0));
            }
        }
    }
  spec->body = g_strdup (wabiz_template_get_body (template));
  for (guint i = 0; i < wabiz_template_get_n_params (template); i++)
    {
      const char *example = wabiz_template_get_example (template, i);

      g_strv_builder_add (examples, example != NULL ? example : "");
    }
  spec->body_examples = g_strv_builder_end (examples);
  spec->footer = g_strdup (wabiz_template_get_footer (template));
  for (guint i = 0; i < wabiz_template_get_n_buttons (template); i++)
    g_ptr_array_add (spec->buttons, wabiz_template_button_copy (wabiz_template_get_button (template, i)));
  return spec;
}

WabizTemplateSpec *
wabiz_template_spec_copy (const WabizTemplateSpec *spec)
{
  WabizTemplateSpec *copy = wabiz_template_spec_new ();

  copy->name = g_strdup (spec->name);
  copy->language = g_strdup (spec->language);
  copy->category = g_strdup (spec->category);
  copy->header_format = g_strdup (spec->header_format);
  copy->header_text = g_strdup (spec->header_text);
  copy->header_example = g_strdup (spec->header_example);
  copy->header_handle = g_strdup (spec->header_handle);
  copy->body = g_strdup (spec->body);
  copy->body_examples = g_strdupv (spec->body_examples);
  copy->footer = g_strdup (spec->footer);
  for (guint i = 0; spec->buttons != NULL && i < spec->buttons->len; i++)
    g_ptr_array_add (copy->buttons, wabiz_template_button_copy (g_ptr_array_index (spec->buttons, i)));
  return copy;
}

void
wabiz_template_spec_free (WabizTemplateSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->name);
  g_free (spec->language);
  g_free (spec->category);
  g_free (spec->header_format);
  g_free (spec->header_text);
  g_free (spec->header_example);
  g_free (spec->header_handle);
  g_free (spec->body);
  g_strfreev (spec->body_examples);
  g_free (spec->footer);
  g_clear_pointer (&spec->buttons, g_ptr_array_unref);
  g_free (spec);
}

static gboolean
is_empty (const char *text)
{
  return text == NULL || *text == '\0';
}

static void
add_problem (GPtrArray               *problems,
             const char              *field,
             WabizTemplateProblemKind kind,
             const char              *message)
{
  WabizTemplateProblem *problem = g_new0 (WabizTemplateProblem, 1);

  problem->field = g_strdup (field);
  problem->kind = kind;
  problem->message = g_strdup (message);
  g_ptr_array_add (problems, problem);
}

/* xx, xxx, or xx_YY, as Meta names languages */
static gboolean
is_language_code (const char *code)
{
  gsize len = code != NULL ? strlen (code) : 0;
  gsize i = 0;

  while (i < len && g_ascii_islower (code[i]))
    i++;
  if (i < 2 || i > 3)
    return FALSE;
  return i == len || (len == i + 3 && code[i] == '_' && g_ascii_isupper (code[i + 1]) &&
                      g_ascii_isupper (code[i + 2]));
}

static gboolean
is_media_format (const char *format)
{
  return g_strcmp0 (format, "IMAGE") == 0 || g_strcmp0 (format, "VIDEO") == 0 ||
         g_strcmp0 (format, "DOCUMENT") == 0;
}

GPtrArray *
wabiz_template_spec_check (const WabizTemplateSpec *spec,
                           gboolean                 has_example_file)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_template_problem_free);
  g_autoptr(GStrvBuilder) types = g_strv_builder_new ();
  g_auto(GStrv) type_list = NULL;
  const char * const none[] = { NULL };

  g_return_val_if_fail (spec != NULL, problems);

  wabiz_template_check_name (spec->name, problems);
  if (spec->category == NULL || !g_strv_contains (categories, spec->category))
    add_problem (problems, "category", WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY,
                 _("Choose a category: Marketing, Utility or Authentication."));
  if (!is_language_code (spec->language))
    add_problem (problems, "language", WABIZ_TEMPLATE_PROBLEM_TEXT_EMPTY,
                 _("Choose the language the template is written in, such as en_US."));

  if (g_strcmp0 (spec->header_format, "TEXT") == 0)
    {
      const char *examples[] = { spec->header_example != NULL ? spec->header_example : "", NULL };

      wabiz_template_check_header_text (spec->header_text, examples, problems);
    }
  else if (is_media_format (spec->header_format))
    {
      if (is_empty (spec->header_handle) && !has_example_file)
        add_problem (problems, "header", WABIZ_TEMPLATE_PROBLEM_EXAMPLE_MISSING,
                     _("Choose an example file for the header: Meta reviews the template with it."));
    }
  else if (spec->header_format != NULL)
    add_problem (problems, "header", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_NOT_ALLOWED,
                 _("Choose a text, an image, a video or a document as the header, or none."));

  wabiz_template_check_body (spec->body,
                             spec->body_examples != NULL ? (const char * const *) spec->body_examples : none,
                             problems);
  wabiz_template_check_footer (spec->footer, problems);

  for (guint i = 0; spec->buttons != NULL && i < spec->buttons->len; i++)
    {
      const WabizTemplateButton *button = g_ptr_array_index (spec->buttons, i);

      g_strv_builder_add (types, button->type);
      if (g_strcmp0 (button->type, "COPY_CODE") == 0)
        {
          wabiz_template_check_copy_code (button->example, problems);
          continue;
        }
      wabiz_template_check_button_text (button->text, problems);
      if (g_strcmp0 (button->type, "URL") == 0)
        {
          if (wabiz_template_check_button_url (button->url, problems) && strstr (button->url, "{{") != NULL)
            {
              const char *examples[] = { button->example != NULL ? button->example : "", NULL };
              g_autofree char *full = wabiz_template_fill_placeholders (button->url, examples);

              if (is_empty (button->example))
                add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_EXAMPLE_MISSING,
                             _("Give an example of how the link's address ends: Meta reviews the "
                               "template with it."));
              else if (strpbrk (button->example, " \t\n") != NULL)
                add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_EXAMPLE_INVALID,
                             _("The example end of the link's address cannot have spaces."));
              else
                wabiz_template_check_button_url (full, problems);
            }
        }
      else if (g_strcmp0 (button->type, "PHONE_NUMBER") == 0)
        wabiz_template_check_button_phone (button->phone, problems);
      else if (g_strcmp0 (button->type, "QUICK_REPLY") != 0)
        add_problem (problems, "buttons", WABIZ_TEMPLATE_PROBLEM_PLACEHOLDER_NOT_ALLOWED,
                     _("Use quick reply, link, call or copy-code buttons."));
    }
  type_list = g_strv_builder_end (types);
  wabiz_template_check_button_types ((const char * const *) type_list, problems);

  return problems;
}

JsonObject *
wabiz_template_spec_to_json (const WabizTemplateSpec *spec)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint n_params;

  g_return_val_if_fail (spec != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, spec->name != NULL ? spec->name : "");
  json_builder_set_member_name (b, "language");
  json_builder_add_string_value (b, spec->language != NULL ? spec->language : "");
  json_builder_set_member_name (b, "category");
  json_builder_add_string_value (b, spec->category != NULL ? spec->category : "");
  json_builder_set_member_name (b, "components");
  json_builder_begin_array (b);

  if (g_strcmp0 (spec->header_format, "TEXT") == 0 && !is_empty (spec->header_text))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "HEADER");
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, "TEXT");
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, spec->header_text);
      if (strstr (spec->header_text, "{{") != NULL)
        {
          json_builder_set_member_name (b, "example");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "header_text");
          json_builder_begin_array (b);
          json_builder_add_string_value (b, spec->header_example != NULL ? spec->header_example : "");
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
    }
  else if (is_media_format (spec->header_format))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "HEADER");
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, spec->header_format);
      json_builder_set_member_name (b, "example");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "header_handle");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, spec->header_handle != NULL ? spec->header_handle : "");
      json_builder_end_array (b);
      json_builder_end_object (b);
      json_builder_end_object (b);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "BODY");
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, spec->body != NULL ? spec->body : "");
  n_params = spec->body != NULL ? wabiz_template_count_placeholders (spec->body) : 0;
  if (n_params > 0)
    {
      guint n_examples = spec->body_examples != NULL ? g_strv_length (spec->body_examples) : 0;

      json_builder_set_member_name (b, "example");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "body_text");
      json_builder_begin_array (b);
      json_builder_begin_array (b);
      for (guint i = 0; i < n_params; i++)
        json_builder_add_string_value (b, i < n_examples ? spec->body_examples[i] : "");
      json_builder_end_array (b);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  if (!is_empty (spec->footer))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "FOOTER");
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, spec->footer);
      json_builder_end_object (b);
    }

  if (spec->buttons != NULL && spec->buttons->len > 0)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "BUTTONS");
      json_builder_set_member_name (b, "buttons");
      json_builder_begin_array (b);
      for (guint i = 0; i < spec->buttons->len; i++)
        {
          const WabizTemplateButton *button = g_ptr_array_index (spec->buttons, i);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, button->type);
          if (g_str_equal (button->type, "COPY_CODE"))
            {
              json_builder_set_member_name (b, "example");
              json_builder_add_string_value (b, button->example != NULL ? button->example : "");
              json_builder_end_object (b);
              continue;
            }
          json_builder_set_member_name (b, "text");
          json_builder_add_string_value (b, button->text != NULL ? button->text : "");
          if (g_str_equal (button->type, "URL"))
            {
              json_builder_set_member_name (b, "url");
              json_builder_add_string_value (b, button->url != NULL ? button->url : "");
              if (button->url != NULL && strstr (button->url, "{{") != NULL)
                {
                  const char *examples[] = { button->example != NULL ? button->example : "", NULL };
                  g_autofree char *full = wabiz_template_fill_placeholders (button->url, examples);

                  json_builder_set_member_name (b, "example");
                  json_builder_begin_array (b);
                  json_builder_add_string_value (b, full);
                  json_builder_end_array (b);
                }
            }
          else if (g_str_equal (button->type, "PHONE_NUMBER"))
            {
              g_autoptr(GString) phone = g_string_new (NULL);

              /* Meta wants +digits */
              for (const char *c = button->phone != NULL ? button->phone : ""; *c != '\0'; c++)
                if (*c == '+' || g_ascii_isdigit (*c))
                  g_string_append_c (phone, *c);
              json_builder_set_member_name (b, "phone_number");
              json_builder_add_string_value (b, phone->str);
            }
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }

  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_object_ref (json_node_get_object (root));
}

/* submitting */

typedef struct
{
  WabizTemplateSpec *spec;         /* (owned) */
  GFile             *example;      /* (owned) (nullable) */
  char              *meta_id;      /* (owned) (nullable): an edit */
  WabizDb           *db;           /* (owned) */
  WabizGraphClient  *graph;        /* (owned) */
  gint64             started_s;    /* webhooks from then on win */
  char              *status;       /* (owned) (nullable): Meta's answer */
  char              *new_id;       /* (owned) (nullable): Meta's id */
  char              *category;     /* (owned) (nullable): Meta's answer */
} Submit;

static void
submit_free (Submit *submit)
{
  wabiz_template_spec_free (submit->spec);
  g_clear_object (&submit->example);
  g_free (submit->meta_id);
  g_clear_object (&submit->db);
  g_clear_object (&submit->graph);
  g_free (submit->status);
  g_free (submit->new_id);
  g_free (submit->category);
  g_free (submit);
}

static gboolean
store_in_transaction (WabizDbConn  *conn,
                      gpointer      data,
                      GError      **error)
{
  Submit *submit = data;
  g_autoptr(JsonObject) json = wabiz_template_spec_to_json (submit->spec);
  g_autoptr(JsonNode) components_node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(WabizDbResult) res = NULL;
  g_autofree char *components = NULL;
  g_autofree char *started = g_strdup_printf ("%" G_GINT64_FORMAT, submit->started_s);
  const char *params[9];

  json_node_set_array (components_node, json_object_get_array_member (json, "components"));
  components = json_to_string (components_node, FALSE);
  params[0] = submit->spec->name;
  params[1] = submit->spec->language;
  params[2] = submit->category != NULL ? submit->category : submit->spec->category;
  params[3] = submit->status != NULL ? submit->status : "PENDING";
  params[4] = submit->new_id != NULL ? submit->new_id : submit->meta_id;
  params[5] = components;
  params[6] = submit->spec->body;
  params[7] = is_empty (submit->spec->footer) ? NULL : submit->spec->footer;
  params[8] = started;
  /* a status webhook that came before this answer was stored wins */
  res = wabiz_db_conn_exec (conn,
                            "INSERT INTO templates (name, language, category, status, meta_id, components,"
                            "  body_text, footer_text, parameter_format)"
                            " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, 'POSITIONAL')"
                            " ON CONFLICT (name, language) DO UPDATE SET"
                            "  category = excluded.category,"
                            "  status = CASE WHEN templates.meta_status_at >= to_timestamp($9::bigint)"
                            "    THEN templates.status ELSE excluded.status END,"
                            "  rejected_reason = CASE WHEN templates.meta_status_at >= to_timestamp($9::bigint)"
                            "    THEN templates.rejected_reason END,"
                            "  meta_id = coalesce(excluded.meta_id, templates.meta_id),"
                            "  components = excluded.components, body_text = excluded.body_text,"
                            "  footer_text = excluded.footer_text, parameter_format = 'POSITIONAL',"
                            "  updated_at = now()",
                            G_N_ELEMENTS (params), params, error);
  if (res == NULL)
    return FALSE;
  return wabiz_store_notify_on_conn (conn, "templates", NULL, NULL, error);
}

static void
store_job (WabizDb      *db,
           WabizDbConn  *conn,
           GTask        *task,
           gpointer      task_data,
           GCancellable *cancellable)
{
  Submit *submit = task_data;
  GError *error = NULL;

  if (wabiz_db_conn_transaction (conn, store_in_transaction, submit, &error))
    g_task_return_pointer (task, g_strdup (submit->status != NULL ? submit->status : "PENDING"), g_free);
  else
    g_task_return_error (task, error);
}

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Submit *submit = g_task_get_task_data (task);
  g_autoptr(JsonObject) answer = NULL;
  GError *error = NULL;

  answer = wabiz_graph_client_create_template_finish (WABIZ_GRAPH_CLIENT (object), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  submit->status = g_strdup (json_object_get_string_member_with_default (answer, "status", "PENDING"));
  submit->new_id = g_strdup (json_object_get_string_member_with_default (answer, "id", NULL));
  submit->category = g_strdup (json_object_get_string_member_with_default (answer, "category", NULL));
  g_debug ("Template %s submitted: %s", submit->new_id, submit->status);
  wabiz_db_run_in_thread (submit->db, g_steal_pointer (&task), store_job);
}

static void
edited_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Submit *submit = g_task_get_task_data (task);
  GError *error = NULL;

  if (!wabiz_graph_client_edit_template_finish (WABIZ_GRAPH_CLIENT (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* an edit goes back to review */
  submit->status = g_strdup ("PENDING");
  g_debug ("Template %s submitted again", submit->meta_id);
  wabiz_db_run_in_thread (submit->db, g_steal_pointer (&task), store_job);
}

static void
send_to_meta (GTask *task)
{
  Submit *submit = g_task_get_task_data (task);
  g_autoptr(JsonObject) json = wabiz_template_spec_to_json (submit->spec);

  if (submit->meta_id != NULL)
    {
      g_autoptr(JsonObject) changes = json_object_new ();

      json_object_set_member (changes, "category", json_node_copy (json_object_get_member (json, "category")));
      json_object_set_member (changes, "components", json_node_copy (json_object_get_member (json, "components")));
      wabiz_graph_client_edit_template_async (submit->graph, submit->meta_id, changes,
                                              g_task_get_cancellable (task), edited_cb, task);
    }
  else
    wabiz_graph_client_create_template_async (submit->graph, json, g_task_get_cancellable (task),
                                              created_cb, task);
}

static void
uploaded_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Submit *submit = g_task_get_task_data (task);
  GError *error = NULL;
  char *handle;

  handle = wabiz_graph_client_upload_resumable_finish (WABIZ_GRAPH_CLIENT (object), result, NULL, &error);
  if (handle == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_free (submit->spec->header_handle);
  submit->spec->header_handle = handle;
  send_to_meta (g_steal_pointer (&task));
}

void
wabiz_template_spec_submit_async (const WabizTemplateSpec *spec,
                                  GFile                   *example_file,
                                  const char              *meta_id,
                                  WabizDb                 *db,
                                  WabizGraphClient        *graph,
                                  GCancellable            *cancellable,
                                  GAsyncReadyCallback      callback,
                                  gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  Submit *submit;

  g_return_if_fail (spec != NULL);
  g_return_if_fail (!example_file || G_IS_FILE (example_file));
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (WABIZ_IS_GRAPH_CLIENT (graph));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_template_spec_submit_async);

  /* nothing reaches Meta that breaks a rule */
  problems = wabiz_template_spec_check (spec, example_file != NULL);
  if (problems->len > 0)
    {
      WabizTemplateProblem *first = g_ptr_array_index (problems, 0);

      g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT, "%s", first->message);
      return;
    }

  submit = g_new0 (Submit, 1);
  submit->spec = wabiz_template_spec_copy (spec);
  submit->example = example_file != NULL && is_media_format (spec->header_format)
                    ? g_object_ref (example_file) : NULL;
  submit->meta_id = g_strdup (meta_id);
  submit->db = g_object_ref (db);
  submit->graph = g_object_ref (graph);
  submit->started_s = g_get_real_time () / G_USEC_PER_SEC;
  g_task_set_task_data (task, submit, (GDestroyNotify) submit_free);

  if (submit->example != NULL)
    {
      g_autofree char *kind = g_ascii_strdown (spec->header_format, -1);

      wabiz_graph_client_upload_resumable_async (graph, submit->example, kind, cancellable, uploaded_cb,
                                                 g_steal_pointer (&task));
    }
  else
    send_to_meta (g_steal_pointer (&task));
}

char *
wabiz_template_spec_submit_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_template_spec_submit_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
