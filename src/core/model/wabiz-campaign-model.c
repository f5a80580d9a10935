/* wabiz-campaign-model.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Campaigns in the database (data/sql/017-campaigns.sql): the
 * recipients are worked out once, here, when a campaign is previewed or
 * created. Each lead of the segment becomes a recipient unless its
 * number is not a WhatsApp number, the customer opted out (under any
 * lead with the same number), an earlier lead had the same number
 * (numbers are compared as E.164 digits, so "+1 631 555 1234" and
 * "16315551234" are one customer), or a parameter is empty with no
 * fallback. Excluded leads keep a row with the reason, for the results.
 *
 * The JSON the calls answer is built by PostgreSQL (json_build_object),
 * so that a list or a campaign's page is one query.
 */

#define G_LOG_DOMAIN "wabiz-campaign-model"

#include "config.h"

#include "wabiz-campaign-model-private.h"
#include "wabiz-error.h"
#include "wabiz-phone.h"
#include "wabiz-template-rules.h"
#include "wabiz-text.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define MAX_NAME 255
#define MAX_PARAM_TEXT 1024
#define LEADS_PAGE 5000
#define INSERT_CHUNK 1000
#define MAX_EXAMPLES 20

#define ISO_UTC(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

G_DEFINE_QUARK (wabiz-campaign-error-quark, wabiz_campaign_error)

/* ceil(), without libm */
static gint64
round_up (double x)
{
  gint64 whole = (gint64) x;

  return whole + (x > (double) whole);
}

static const char * const lead_fields[] = {
  "name", "email", "phone", "status", "notes", "timezone", "profile_name", NULL
};

typedef struct
{
  char *field;     /* (owned) (nullable) a lead field, or custom.<key> */
  char *fallback;  /* (owned) (nullable) */
  char *text;      /* (owned) (nullable) the same text for everyone */
} Param;

struct _WabizCampaignSpec
{
  gatomicrefcount  ref_count;

  char            *name;           /* (owned) */
  char            *template_name;  /* (owned) */
  char            *language;       /* (owned) */
  WabizSegment    *segment;        /* (owned) (nullable) with a segment_id */
  char            *segment_id;     /* (owned) (nullable) */
  GPtrArray       *params;         /* (owned) of Param */
  char            *params_json;    /* (owned) */
  GDateTime       *start_at;       /* (owned) (nullable) */
  double           rate;           /* 0: the settings' */
};

/* ------------------------------------------------------------------ */
/* the clock */

static gint64 fake_now_us = 0;

void
_wabiz_campaign_set_now (gint64 unix_us)
{
  g_atomic_pointer_set (&fake_now_us, unix_us);
}

gint64
_wabiz_campaign_now (void)
{
  gint64 fake = (gint64) g_atomic_pointer_get (&fake_now_us);

  return fake != 0 ? fake : g_get_real_time ();
}

char *
_wabiz_campaign_now_iso (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (0);
  g_autoptr(GDateTime) at = g_date_time_add (now, _wabiz_campaign_now ());

  return g_date_time_format (at, "%Y-%m-%dT%H:%M:%S.%fZ");
}

GStrv
_wabiz_campaign_params_from_json (const char *json)
{
  g_autoptr(JsonNode) node = json != NULL ? json_from_string (json, NULL) : NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  return g_strv_builder_end (builder);
}

gint64
wabiz_messaging_tier_get_limit (const char *tier)
{
  if (tier == NULL)
    return 0;
  if (g_str_equal (tier, "250"))
    return 250;
  if (g_str_equal (tier, "1K"))
    return 1000;
  if (g_str_equal (tier, "10K"))
    return 10000;
  if (g_str_equal (tier, "100K"))
    return 100000;
  if (g_str_equal (tier, "unlimited"))
    return -1;
  return 0;
}

double
_wabiz_campaign_estimate (gint64  n,
                          double  rate,
                          gint64  limit,
                          gint64  used,
                          guint  *days)
{
  gint64 first;
  gint64 rest;
  gint64 full_days;

  if (rate <= 0)
    rate = 1;
  *days = n > 0 ? 1 : 0;
  if (n <= 0)
    return 0;
  if (limit < 0)
    return n / rate;

  first = MAX (limit - used, 0);
  if (n <= first)
    return n / rate;

  /* the first window's share, then a full tier each 24 h */
  rest = n - first;
  full_days = (rest + limit - 1) / limit;
  *days = (guint) full_days + 1;
  return full_days * 86400.0 + (rest - (full_days - 1) * limit) / rate;
}

/* ------------------------------------------------------------------ */
/* the spec */

static void
param_free (Param *param)
{
  g_free (param->field);
  g_free (param->fallback);
  g_free (param->text);
  g_free (param);
}

static gpointer
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT, message);
  return NULL;
}

static gboolean
get_text (JsonObject  *object,
          const char  *name,
          gsize        max,
          char       **out)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *s;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  s = json_node_get_string (node);
  if (g_utf8_strlen (s, -1) > (glong) max)
    return FALSE;
  *out = g_strdup (s);
  return TRUE;
}

static gboolean
field_is_known (const char *field)
{
  if (g_strv_contains (lead_fields, field))
    return TRUE;
  return g_str_has_prefix (field, "custom.") && field[strlen ("custom.")] != '\0';
}

static Param *
read_param (JsonNode  *node,
            guint      index,
            GError   **error)
{
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  Param *param;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("“parameters[%u]” must be an object with “field” (and “fallback”) or “text”"),
                   index);
      return NULL;
    }
  object = json_node_get_object (node);
  param = g_new0 (Param, 1);
  if (!get_text (object, "field", MAX_NAME, &param->field) ||
      !get_text (object, "fallback", MAX_PARAM_TEXT, &param->fallback) ||
      !get_text (object, "text", MAX_PARAM_TEXT, &param->text) ||
      (param->field == NULL) == (param->text == NULL) ||
      (param->text != NULL && *g_strstrip (param->text) == '\0'))
    {
      param_free (param);
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("“parameters[%u]” must have either “field” (and maybe “fallback”) or a "
                     "non-empty “text”"), index);
      return NULL;
    }
  if (param->field != NULL && !field_is_known (param->field))
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("“parameters[%u].field” must be name, email, phone, status, notes, timezone, "
                     "profile_name or custom.<field>"), index);
      param_free (param);
      return NULL;
    }
  if (param->fallback != NULL && *g_strstrip (param->fallback) == '\0')
    g_clear_pointer (&param->fallback, g_free);
  return param;
}

WabizCampaignSpec *
wabiz_campaign_spec_new_from_json (JsonObject  *object,
                                   GError     **error)
{
  g_autoptr(WabizCampaignSpec) spec = g_new0 (WabizCampaignSpec, 1);
  JsonNode *node;
  g_autofree char *start_at = NULL;

  g_return_val_if_fail (object != NULL, NULL);

  g_atomic_ref_count_init (&spec->ref_count);
  spec->params = g_ptr_array_new_with_free_func ((GDestroyNotify) param_free);

  if (!get_text (object, "name", MAX_NAME, &spec->name) || spec->name == NULL ||
      *g_strstrip (spec->name) == '\0')
    return invalid (error, _("Give the campaign a “name” of 1 to 255 characters"));
  if (!get_text (object, "template_name", WABIZ_TEMPLATE_NAME_MAX, &spec->template_name) ||
      spec->template_name == NULL || *spec->template_name == '\0')
    return invalid (error, _("Name the approved template to send in “template_name”"));
  if (!get_text (object, "language", 15, &spec->language) || spec->language == NULL ||
      *spec->language == '\0')
    return invalid (error, _("Give the template’s “language”, such as en_US"));

  node = json_object_get_member (object, "segment");
  if (!get_text (object, "segment_id", 64, &spec->segment_id))
    return invalid (error, _("“segment_id” must be the id of a saved segment"));
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid (error, _("“segment” must be an object, such as {\"status\": [\"NEW\"], "
                                 "\"tags\": [\"vip\"]}"));
      if (spec->segment_id != NULL)
        return invalid (error, _("Give either “segment” or “segment_id”, not both"));
      spec->segment = wabiz_segment_new_from_json (json_node_get_object (node), error);
      if (spec->segment == NULL)
        return NULL;
    }
  else if (spec->segment_id == NULL)
    return invalid (error, _("Say who receives it: a “segment” (use {} for every lead) or a "
                             "“segment_id”"));

  node = json_object_get_member (object, "parameters");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) > 20)
        return invalid (error, _("“parameters” must be a list with one entry per placeholder of "
                                 "the template’s body"));
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          Param *param = read_param (json_array_get_element (array, i), i, error);

          if (param == NULL)
            return NULL;
          g_ptr_array_add (spec->params, param);
        }
      spec->params_json = json_to_string (node, FALSE);
    }
  else
    spec->params_json = g_strdup ("[]");

  if (!get_text (object, "start_at", 64, &start_at))
    return invalid (error, _("“start_at” must be a date and time in ISO 8601 with its offset, "
                             "such as 2025-01-31T09:00:00Z"));
  if (start_at != NULL && (spec->start_at = g_date_time_new_from_iso8601 (start_at, NULL)) == NULL)
    return invalid (error, _("“start_at” must be a date and time in ISO 8601 with its offset, "
                             "such as 2025-01-31T09:00:00Z"));

  node = json_object_get_member (object, "rate");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

      if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        return invalid (error, _("“rate” must be a number of messages per second, 0.01 to 1000"));
      spec->rate = json_node_get_double (node);
      if (!(spec->rate >= 0.01 && spec->rate <= 1000))
        return invalid (error, _("“rate” must be a number of messages per second, 0.01 to 1000"));
    }

  {
    g_autoptr(GList) members = json_object_get_members (object);
    static const char * const known[] = { "name", "template_name", "language", "segment", "segment_id",
                                          "parameters", "start_at", "rate", "dry_run", NULL };

    for (GList *l = members; l != NULL; l = l->next)
      if (!g_strv_contains (known, l->data))
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       _("“%s” is not part of a campaign; use name, template_name, language, segment "
                         "or segment_id, parameters, start_at and rate"), (const char *) l->data);
          return NULL;
        }
  }

  return g_steal_pointer (&spec);
}

WabizCampaignSpec *
wabiz_campaign_spec_ref (WabizCampaignSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);

  g_atomic_ref_count_inc (&spec->ref_count);
  return spec;
}

void
wabiz_campaign_spec_unref (WabizCampaignSpec *spec)
{
  g_return_if_fail (spec != NULL);

  if (!g_atomic_ref_count_dec (&spec->ref_count))
    return;
  g_free (spec->name);
  g_free (spec->template_name);
  g_free (spec->language);
  g_clear_pointer (&spec->segment, wabiz_segment_unref);
  g_free (spec->segment_id);
  g_clear_pointer (&spec->params, g_ptr_array_unref);
  g_free (spec->params_json);
  g_clear_pointer (&spec->start_at, g_date_time_unref);
  g_free (spec);
}

/* ------------------------------------------------------------------ */
/* working out the recipients (worker thread) */

typedef struct
{
  char       *lead_id;     /* (owned) */
  char       *lead_phone;  /* (owned) */
  char       *phone;       /* (owned) (nullable) E.164 digits */
  GStrv       params;      /* (owned) (nullable) */
  const char *reason;      /* (nullable) excluded */
  char       *detail;      /* (owned) (nullable) */
} Recipient;

static void
recipient_clear (Recipient *r)
{
  g_free (r->lead_id);
  g_free (r->lead_phone);
  g_free (r->phone);
  g_strfreev (r->params);
  g_free (r->detail);
}

typedef struct
{
  GArray     *recipients;  /* (owned) of Recipient */
  gint64      n_ok;
  gint64      n_opted_out;
  gint64      n_invalid;
  gint64      n_duplicate;
  gint64      n_missing;
  char       *tier;        /* (owned) */
  double      rate;
  gint64      used;
  JsonNode   *segment;     /* (owned) what was applied */
} Computed;

static void
computed_free (Computed *c)
{
  g_clear_pointer (&c->recipients, g_array_unref);
  g_free (c->tier);
  g_clear_pointer (&c->segment, json_node_unref);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Computed, computed_free)

/* One line, no tabs or runs of spaces (Meta refuses them in a
 * parameter), at most MAX_PARAM_TEXT characters */
static char *
clean_param (const char *value)
{
  char *out = wabiz_text_squeeze (value, NULL);

  if (out != NULL && g_utf8_strlen (out, -1) > MAX_PARAM_TEXT)
    *g_utf8_offset_to_pointer (out, MAX_PARAM_TEXT) = '\0';
  return out;
}

static char *
lead_value (WabizDbResult *res,
            guint          row,
            JsonObject    *custom,
            const char    *field)
{
  if (g_str_has_prefix (field, "custom."))
    {
      JsonNode *node = custom ? json_object_get_member (custom, field + strlen ("custom.")) : NULL;

      if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
        return NULL;
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          return clean_param (json_node_get_string (node));
        case G_TYPE_INT64:
          return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
        case G_TYPE_DOUBLE:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];

            return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
          }
        default:
          return NULL;
        }
    }
  return clean_param (wabiz_db_result_get (res, row, field));
}

static gboolean
check_template (WabizDbConn       *conn,
                WabizCampaignSpec *spec,
                GError           **error)
{
  const char *p[] = { spec->template_name, spec->language };
  g_autoptr(WabizDbResult) res = NULL;
  guint wanted;

  res = wabiz_db_conn_exec (conn,
                            "SELECT status, body_text, parameter_format FROM templates"
                            " WHERE name = $1 AND language = $2",
                            2, p, error);
  if (res == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_rows (res) == 0)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND,
                   _("There is no template “%s” in %s; refresh the templates or create it first"),
                   spec->template_name, spec->language);
      return FALSE;
    }
  if (g_strcmp0 (wabiz_db_result_get (res, 0, "status"), "APPROVED") != 0)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("The template “%s” is %s, not approved by Meta; a campaign can only send an "
                     "approved template"),
                   spec->template_name, wabiz_db_result_get (res, 0, "status"));
      return FALSE;
    }
  if (g_strcmp0 (wabiz_db_result_get (res, 0, "parameter_format"), "NAMED") == 0)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   _("The template “%s” has named parameters; campaigns send templates with "
                     "numbered ones ({{1}}, {{2}}…)"), spec->template_name);
      return FALSE;
    }
  wanted = wabiz_template_count_placeholders (wabiz_db_result_get (res, 0, "body_text"));
  if (wanted != spec->params->len)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The template’s body has %u placeholder, so give %u entry in “parameters”",
                                "The template’s body has %u placeholders, so give %u entries in “parameters”",
                                wanted),
                   wanted, wanted);
      return FALSE;
    }
  return TRUE;
}

static WabizSegment *
load_segment (WabizDbConn       *conn,
              WabizCampaignSpec *spec,
              GError           **error)
{
  const char *p[] = { spec->segment_id };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (spec->segment != NULL)
    return wabiz_segment_ref (spec->segment);

  res = wabiz_db_conn_exec (conn, "SELECT filter::text AS filter FROM segments WHERE id::text = $1",
                            1, p, error);
  if (res == NULL)
    return NULL;
  if (wabiz_db_result_get_n_rows (res) == 0 ||
      (node = json_from_string (wabiz_db_result_get (res, 0, "filter"), NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND,
                           _("There is no saved segment with this id"));
      return NULL;
    }
  return wabiz_segment_new_from_json (json_node_get_object (node), error);
}

/* The numbers (E.164) of every lead that opted out */
static GHashTable *
load_opted_out (WabizDbConn *conn,
                GError     **error)
{
  g_autoptr(WabizDbResult) res = NULL;
  GHashTable *set;

  res = wabiz_db_conn_exec (conn, "SELECT phone FROM leads WHERE opted_out_at IS NOT NULL", 0, NULL, error);
  if (res == NULL)
    return NULL;
  set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < wabiz_db_result_get_n_rows (res); i++)
    {
      char *phone = wabiz_phone_normalize (wabiz_db_result_get (res, i, "phone"), NULL);

      if (phone != NULL)
        g_hash_table_add (set, phone);
    }
  return set;
}

static void
add_lead (Computed          *c,
          WabizCampaignSpec *spec,
          WabizDbResult     *res,
          guint              row,
          GHashTable        *opted_out,
          GHashTable        *seen)
{
  Recipient r = { 0 };
  g_autoptr(JsonNode) custom = NULL;
  const char *custom_text = wabiz_db_result_get (res, row, "custom_fields");
  JsonObject *fields = NULL;
  g_autoptr(GStrvBuilder) params = g_strv_builder_new ();

  r.lead_id = g_strdup (wabiz_db_result_get (res, row, "id"));
  r.lead_phone = g_strdup (wabiz_db_result_get (res, row, "phone"));
  r.phone = wabiz_phone_normalize (r.lead_phone, NULL);

  if (r.phone == NULL)
    {
      r.reason = WABIZ_CAMPAIGN_EXCLUDED_INVALID_PHONE;
      c->n_invalid++;
      g_array_append_val (c->recipients, r);
      return;
    }
  if (g_hash_table_contains (opted_out, r.phone))
    {
      r.reason = WABIZ_CAMPAIGN_EXCLUDED_OPTED_OUT;
      g_clear_pointer (&r.phone, g_free);
      c->n_opted_out++;
      g_array_append_val (c->recipients, r);
      return;
    }
  if (g_hash_table_contains (seen, r.phone))
    {
      r.reason = WABIZ_CAMPAIGN_EXCLUDED_DUPLICATE;
      r.detail = g_strdup (g_hash_table_lookup (seen, r.phone));
      g_clear_pointer (&r.phone, g_free);
      c->n_duplicate++;
      g_array_append_val (c->recipients, r);
      return;
    }

  if (custom_text != NULL && (custom = json_from_string (custom_text, NULL)) != NULL &&
      JSON_NODE_HOLDS_OBJECT (custom))
    fields = json_node_get_object (custom);

  for (guint i = 0; i < spec->params->len; i++)
    {
      Param *param = g_ptr_array_index (spec->params, i);
      g_autofree char *value = NULL;

      if (param->text != NULL)
        value = clean_param (param->text);
      else
        {
          value = lead_value (res, row, fields, param->field);
          if (value == NULL)
            value = clean_param (param->fallback);
        }
      if (value == NULL)
        {
          /* Translators: which placeholder had no value, and the lead field it is taken from */
          r.detail = g_strdup_printf (_("{{%u}} (%s) is empty and has no fallback"), i + 1, param->field);
          r.reason = WABIZ_CAMPAIGN_EXCLUDED_MISSING_PARAMETER;
          g_clear_pointer (&r.phone, g_free);
          c->n_missing++;
          g_array_append_val (c->recipients, r);
          return;
        }
      g_strv_builder_add (params, value);
    }

  r.params = g_strv_builder_end (params);
  g_hash_table_insert (seen, g_strdup (r.phone), g_strdup (r.lead_phone));
  c->n_ok++;
  g_array_append_val (c->recipients, r);
}

static Computed *
compute (WabizDbConn       *conn,
         WabizCampaignSpec *spec,
         GError           **error)
{
  g_autoptr(Computed) c = g_new0 (Computed, 1);
  g_autoptr(WabizSegment) segment = NULL;
  g_autoptr(GHashTable) opted_out = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(WabizDbResult) settings = NULL;
  g_autofree char *after = g_strdup ("");

  c->recipients = g_array_new (FALSE, TRUE, sizeof (Recipient));
  g_array_set_clear_func (c->recipients, (GDestroyNotify) recipient_clear);

  if (!check_template (conn, spec, error))
    return NULL;
  if ((segment = load_segment (conn, spec, error)) == NULL)
    return NULL;
  c->segment = wabiz_segment_to_json (segment);
  if ((opted_out = load_opted_out (conn, error)) == NULL)
    return NULL;

  /* by keyset, a page at a time */
  for (;;)
    {
      g_autoptr(GString) sql = g_string_new (NULL);
      g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(WabizDbResult) res = NULL;
      guint n;

      g_ptr_array_add (params, g_strdup (after));
      g_string_append (sql, "SELECT l.id::text AS id, l.phone, l.name, l.email, l.status, l.notes,"
                            "  l.timezone, l.profile_name, l.custom_fields::text AS custom_fields"
                            " FROM leads l WHERE l.id::text > $1");
      wabiz_segment_append_sql (segment, "l", sql, params);
      g_string_append_printf (sql, " ORDER BY l.id::text LIMIT %d", LEADS_PAGE);
      res = wabiz_db_conn_exec (conn, sql->str, (int) params->len, (const char * const *) params->pdata, error);
      if (res == NULL)
        return NULL;
      n = wabiz_db_result_get_n_rows (res);
      for (guint i = 0; i < n; i++)
        add_lead (c, spec, res, i, opted_out, seen);
      if (n < LEADS_PAGE)
        break;
      g_free (after);
      after = g_strdup (wabiz_db_result_get (res, n - 1, "id"));
    }

  {
    g_autofree char *now = _wabiz_campaign_now_iso ();
    const char *p[] = { now };

    settings = wabiz_db_conn_exec (conn,
                                   "SELECT s.tier, s.rate, (" WABIZ_CAMPAIGN_TIER_USED_SQL ") AS used"
                                   " FROM campaign_settings s WHERE s.id = 1",
                                   1, p, error);
    if (settings == NULL)
      return NULL;
    c->tier = g_strdup (wabiz_db_result_get_n_rows (settings) > 0 ? wabiz_db_result_get (settings, 0, "tier") : "1K");
    c->rate = wabiz_db_result_get_n_rows (settings) > 0
                ? g_ascii_strtod (wabiz_db_result_get (settings, 0, "rate"), NULL) : 20;
    c->used = wabiz_db_result_get_n_rows (settings) > 0 ? wabiz_db_result_get_int (settings, 0, "used") : 0;
    if (spec->rate > 0)
      c->rate = spec->rate;
  }

  return g_steal_pointer (&c);
}

static JsonObject *
preview_to_json (Computed *c)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  gint64 limit = wabiz_messaging_tier_get_limit (c->tier);
  guint days = 0;
  double seconds = _wabiz_campaign_estimate (c->n_ok, c->rate, limit, c->used, &days);
  guint n_examples = 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "recipients");
  json_builder_add_int_value (b, c->n_ok);
  json_builder_set_member_name (b, "excluded");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, c->n_opted_out + c->n_invalid + c->n_duplicate + c->n_missing);
  json_builder_set_member_name (b, WABIZ_CAMPAIGN_EXCLUDED_OPTED_OUT);
  json_builder_add_int_value (b, c->n_opted_out);
  json_builder_set_member_name (b, WABIZ_CAMPAIGN_EXCLUDED_INVALID_PHONE);
  json_builder_add_int_value (b, c->n_invalid);
  json_builder_set_member_name (b, WABIZ_CAMPAIGN_EXCLUDED_DUPLICATE);
  json_builder_add_int_value (b, c->n_duplicate);
  json_builder_set_member_name (b, WABIZ_CAMPAIGN_EXCLUDED_MISSING_PARAMETER);
  json_builder_add_int_value (b, c->n_missing);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "examples");
  json_builder_begin_array (b);
  for (guint i = 0; i < c->recipients->len && n_examples < MAX_EXAMPLES; i++)
    {
      Recipient *r = &g_array_index (c->recipients, Recipient, i);

      if (r->reason == NULL)
        continue;
      n_examples++;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "phone");
      json_builder_add_string_value (b, r->lead_phone);
      json_builder_set_member_name (b, "lead_id");
      json_builder_add_string_value (b, r->lead_id);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, r->reason);
      json_builder_set_member_name (b, "detail");
      if (r->detail != NULL)
        json_builder_add_string_value (b, r->detail);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "tier");
  json_builder_add_string_value (b, c->tier);
  json_builder_set_member_name (b, "tier_limit");
  if (limit < 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_int_value (b, limit);
  json_builder_set_member_name (b, "tier_used");
  json_builder_add_int_value (b, c->used);
  json_builder_set_member_name (b, "rate");
  json_builder_add_double_value (b, c->rate);
  json_builder_set_member_name (b, "expected_seconds");
  json_builder_add_int_value (b, round_up (seconds));
  json_builder_set_member_name (b, "days");
  json_builder_add_int_value (b, days);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return json_object_ref (json_node_get_object (root));
}

/* Answers @task with @object (owned); else with @error (owned), and
 * without one, that there is no such campaign. */
static void
return_json (GTask      *task,
             JsonObject *object,
             GError     *error)
{
  if (object != NULL)
    g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_new_error (task, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND, "%s",
                             _("There is no campaign with this id"));
}

/* What a task of @source_tag that wabiz_db_run_job() started brought */
static JsonObject *
finish_json (GAsyncResult  *result,
             gpointer       source_tag,
             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, source_tag), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
preview_job (WabizDb      *db,
             WabizDbConn  *conn,
             GTask        *task,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(Computed) c = NULL;
  GError *error = NULL;

  c = compute (conn, task_data, &error);
  return_json (task, c != NULL ? preview_to_json (c) : NULL, error);
}

void
wabiz_campaign_preview_async (WabizDb             *db,
                              WabizCampaignSpec   *spec,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (spec != NULL);

  wabiz_db_run_job (db, wabiz_campaign_preview_async, preview_job, wabiz_campaign_spec_ref (spec),
                    (GDestroyNotify) wabiz_campaign_spec_unref, cancellable, callback, user_data);
}

JsonObject *
wabiz_campaign_preview_finish (GAsyncResult  *result,
                               GError       **error)
{
  return finish_json (result, wabiz_campaign_preview_async, error);
}

/* ------------------------------------------------------------------ */
/* reading */

/* What a recipient came to: pending (not queued yet), queued, sent,
 * delivered, read, failed, unknown (in flight at a crash), cancelled,
 * excluded */
#define RESULT_SQL                                                                    \
  "CASE WHEN r.state IN ('pending', 'queuing') THEN 'pending'"                        \
  "     WHEN r.state = 'queued' THEN CASE m.status"                                   \
  "       WHEN 'accepted' THEN 'sent' WHEN 'sent' THEN 'sent'"                        \
  "       WHEN 'delivered' THEN 'delivered' WHEN 'read' THEN 'read'"                  \
  "       WHEN 'failed' THEN 'failed' WHEN 'unknown' THEN 'unknown'"                  \
  "       ELSE 'queued' END"                                                          \
  "     ELSE r.state END"

#define CAMPAIGN_JSON_SQL                                                              \
  "json_build_object('id', c.id, 'name', c.name, 'template_name', c.template_name,"   \
  "  'language', c.template_language, 'state', c.state, 'segment', c.segment,"         \
  "  'segment_id', c.segment_id, 'parameters', c.parameters, 'rate', c.rate,"          \
  "  'start_at', " ISO_UTC ("c.start_at") ", 'created_at', " ISO_UTC ("c.created_at") "," \
  "  'started_at', " ISO_UTC ("c.started_at") ", 'finished_at', " ISO_UTC ("c.finished_at") "," \
  "  'recipients', c.n_recipients, 'excluded', c.n_excluded,"                          \
  "  'progress', (SELECT json_build_object("                                           \
  "      'pending', count(*) FILTER (WHERE x.res = 'pending'),"                        \
  "      'queued', count(*) FILTER (WHERE x.res = 'queued'),"                          \
  "      'sent', count(*) FILTER (WHERE x.res = 'sent'),"                              \
  "      'delivered', count(*) FILTER (WHERE x.res = 'delivered'),"                    \
  "      'read', count(*) FILTER (WHERE x.res = 'read'),"                              \
  "      'failed', count(*) FILTER (WHERE x.res = 'failed'),"                          \
  "      'unknown', count(*) FILTER (WHERE x.res = 'unknown'),"                        \
  "      'cancelled', count(*) FILTER (WHERE x.res = 'cancelled'),"                    \
  "      'excluded', count(*) FILTER (WHERE x.res = 'excluded'))"                      \
  "    FROM (SELECT " RESULT_SQL " AS res FROM campaign_recipients r"                  \
  "          LEFT JOIN messages m ON m.id = r.message_uuid"                            \
  "          WHERE r.campaign_id = c.id) x))"

typedef struct
{
  char                *id;      /* (owned) (nullable) */
  guint                limit;
  guint                offset;
  WabizCampaignAction  action;
  WabizCampaignSpec   *spec;    /* (owned) (nullable) */
  JsonObject          *changes; /* (owned) (nullable) */
} CallData;

static void
call_data_free (CallData *data)
{
  g_free (data->id);
  g_clear_pointer (&data->spec, wabiz_campaign_spec_unref);
  g_clear_pointer (&data->changes, json_object_unref);
  g_free (data);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert (node != NULL && JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static JsonArray *
parse_array (const char *text)
{
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert (node != NULL && JSON_NODE_HOLDS_ARRAY (node));
  return json_array_ref (json_node_get_array (node));
}

/* How long what is left takes, from now */
static gboolean
add_estimate (WabizDbConn *conn,
              JsonObject  *campaign,
              GError     **error)
{
  g_autofree char *now = _wabiz_campaign_now_iso ();
  const char *p[] = { now, json_object_get_string_member (campaign, "id") };
  g_autoptr(WabizDbResult) res = NULL;
  JsonObject *progress = json_object_get_object_member (campaign, "progress");
  gint64 pending = json_object_get_int_member (progress, "pending");
  double rate;
  guint days;

  res = wabiz_db_conn_exec (conn,
                            "SELECT s.tier, coalesce(c.rate, s.rate) AS rate,"
                            "  (" WABIZ_CAMPAIGN_TIER_USED_SQL ") AS used"
                            " FROM campaign_settings s, campaigns c WHERE s.id = 1 AND c.id = $2::uuid",
                            2, p, error);
  if (res == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_rows (res) == 0)
    return TRUE;
  rate = g_ascii_strtod (wabiz_db_result_get (res, 0, "rate"), NULL);
  json_object_set_int_member (campaign, "expected_seconds_left",
                              round_up (_wabiz_campaign_estimate (pending, rate,
                                                                       wabiz_messaging_tier_get_limit (wabiz_db_result_get (res, 0, "tier")),
                                                                       wabiz_db_result_get_int (res, 0, "used"), &days)));
  return TRUE;
}

/* The campaign with @id, or NULL (and no error) when there is none */
static JsonObject *
read_campaign (WabizDbConn *conn,
               const char  *id,
               guint        limit,
               guint        offset,
               GError     **error)
{
  g_autofree char *limit_text = g_strdup_printf ("%u", limit);
  g_autofree char *offset_text = g_strdup_printf ("%u", offset);
  const char *p[] = { id, limit_text, offset_text };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizDbResult) recipients = NULL;
  g_autoptr(JsonObject) campaign = NULL;

  if (!g_uuid_string_is_valid (id))
    return NULL;

  res = wabiz_db_conn_exec (conn, "SELECT " CAMPAIGN_JSON_SQL "::text AS c FROM campaigns c WHERE c.id = $1::uuid",
                            1, p, error);
  if (res == NULL || wabiz_db_result_get_n_rows (res) == 0)
    return NULL;
  campaign = parse_object (wabiz_db_result_get (res, 0, "c"));
  if (!add_estimate (conn, campaign, error))
    return NULL;
  if (limit == 0)
    return g_steal_pointer (&campaign);

  recipients = wabiz_db_conn_exec (conn,
                                   "SELECT coalesce(json_agg(json_build_object("
                                   "  'phone', r.lead_phone, 'lead_id', r.lead_id, 'result', " RESULT_SQL ","
                                   "  'reason', coalesce(r.reason, CASE WHEN m.status IN ('failed', 'unknown')"
                                   "                                    THEN m.error_title END),"
                                   "  'detail', r.detail, 'error_code', m.error_code,"
                                   "  'message_id', m.message_id, 'queued_at', " ISO_UTC ("r.queued_at")
                                   ") ORDER BY r.id), '[]')::text AS a"
                                   " FROM (SELECT * FROM campaign_recipients WHERE campaign_id = $1::uuid"
                                   "       ORDER BY id LIMIT $2::int OFFSET $3::int) r"
                                   " LEFT JOIN messages m ON m.id = r.message_uuid",
                                   3, p, error);
  if (recipients == NULL)
    return NULL;
  json_object_set_array_member (campaign, "recipient_results", parse_array (wabiz_db_result_get (recipients, 0, "a")));
  return g_steal_pointer (&campaign);
}

static void
get_job (WabizDb      *db,
         WabizDbConn  *conn,
         GTask        *task,
         gpointer      task_data,
         GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  JsonObject *campaign = read_campaign (conn, data->id, data->limit, data->offset, &error);

  return_json (task, campaign, error);
}

void
wabiz_campaign_get_async (WabizDb             *db,
                          const char          *id,
                          guint                limit,
                          guint                offset,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  CallData *data;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (id != NULL);

  data = g_new0 (CallData, 1);
  data->id = g_strdup (id);
  data->limit = limit;
  data->offset = offset;
  wabiz_db_run_job (db, wabiz_campaign_get_async, get_job, data, (GDestroyNotify) call_data_free,
                    cancellable, callback, user_data);
}

JsonObject *
wabiz_campaign_get_finish (GAsyncResult  *result,
                           GError       **error)
{
  return finish_json (result, wabiz_campaign_get_async, error);
}

static void
list_job (WabizDb      *db,
          WabizDbConn  *conn,
          GTask        *task,
          gpointer      task_data,
          GCancellable *cancellable)
{
  CallData *data = task_data;
  g_autofree char *limit_text = g_strdup_printf ("%u", data->limit);
  g_autofree char *offset_text = g_strdup_printf ("%u", data->offset);
  const char *p[] = { limit_text, offset_text };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;

  res = wabiz_db_conn_exec (conn,
                            "SELECT (SELECT count(*) FROM campaigns) AS total,"
                            "  coalesce((SELECT json_agg(" CAMPAIGN_JSON_SQL " ORDER BY c.created_at DESC, c.id)"
                            "   FROM (SELECT * FROM campaigns ORDER BY created_at DESC, id"
                            "         LIMIT $1::int OFFSET $2::int) c), '[]')::text AS a",
                            2, p, &error);
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, wabiz_db_result_get_int (res, 0, "total"));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_object_set_array_member (json_node_get_object (root), "campaigns",
                                parse_array (wabiz_db_result_get (res, 0, "a")));
  g_task_return_pointer (task, json_object_ref (json_node_get_object (root)), (GDestroyNotify) json_object_unref);
}

void
wabiz_campaign_list_async (WabizDb             *db,
                           guint                limit,
                           guint                offset,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  CallData *data;

  g_return_if_fail (WABIZ_IS_DB (db));

  data = g_new0 (CallData, 1);
  data->limit = limit;
  data->offset = offset;
  wabiz_db_run_job (db, wabiz_campaign_list_async, list_job, data, (GDestroyNotify) call_data_free,
                    cancellable, callback, user_data);
}

JsonObject *
wabiz_campaign_list_finish (GAsyncResult  *result,
                            GError       **error)
{
  return finish_json (result, wabiz_campaign_list_async, error);
}

/* ------------------------------------------------------------------ */
/* creating */

static char *
recipients_chunk_json (GArray *recipients,
                       guint   from,
                       guint   to)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (guint i = from; i < to; i++)
    {
      Recipient *r = &g_array_index (recipients, Recipient, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "n");
      json_builder_add_int_value (b, i);
      json_builder_set_member_name (b, "lead_id");
      json_builder_add_string_value (b, r->lead_id);
      json_builder_set_member_name (b, "lead_phone");
      json_builder_add_string_value (b, r->lead_phone);
      json_builder_set_member_name (b, "phone");
      if (r->phone != NULL)
        json_builder_add_string_value (b, r->phone);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "params");
      if (r->params != NULL)
        {
          json_builder_begin_array (b);
          for (guint k = 0; r->params[k] != NULL; k++)
            json_builder_add_string_value (b, r->params[k]);
          json_builder_end_array (b);
        }
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "reason");
      if (r->reason != NULL)
        json_builder_add_string_value (b, r->reason);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "detail");
      if (r->detail != NULL)
        json_builder_add_string_value (b, r->detail);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

typedef struct
{
  WabizCampaignSpec *spec;
  Computed          *computed;
  char              *id;       /* (owned) (nullable) once written */
} CreateTx;

static gboolean
create_on_conn (WabizDbConn *conn,
                gpointer     user_data,
                GError     **error)
{
  CreateTx *tx = user_data;
  WabizCampaignSpec *spec = tx->spec;
  Computed *c = tx->computed;
  g_autofree char *segment = json_to_string (c->segment, FALSE);
  g_autofree char *start_at = spec->start_at ? g_date_time_format_iso8601 (spec->start_at) : NULL;
  g_autofree char *rate = NULL;
  g_autofree char *n_ok = g_strdup_printf ("%" G_GINT64_FORMAT, c->n_ok);
  g_autofree char *n_excluded = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) c->recipients->len - c->n_ok);
  g_autoptr(WabizDbResult) res = NULL;

  if (spec->rate > 0)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      rate = g_strdup (g_ascii_dtostr (buf, sizeof buf, spec->rate));
    }

  {
    const char *p[] = { spec->name, spec->template_name, spec->language, segment, spec->segment_id,
                        spec->params_json, rate, start_at, n_ok, n_excluded };

    res = wabiz_db_conn_exec (conn,
                              "INSERT INTO campaigns (name, template_name, template_language, segment,"
                              "  segment_id, parameters, rate, start_at, n_recipients, n_excluded)"
                              " VALUES ($1, $2, $3, $4::jsonb, $5::uuid, $6::jsonb, $7::double precision,"
                              "  $8::timestamptz, $9::int, $10::int)"
                              " RETURNING id::text AS id",
                              10, p, error);
    if (res == NULL)
      return FALSE;
    tx->id = g_strdup (wabiz_db_result_get (res, 0, "id"));
  }

  for (guint from = 0; from < c->recipients->len; from += INSERT_CHUNK)
    {
      g_autofree char *chunk = recipients_chunk_json (c->recipients, from, MIN (from + INSERT_CHUNK, c->recipients->len));
      const char *p[] = { tx->id, chunk };
      g_autoptr(WabizDbResult) inserted = NULL;

      inserted = wabiz_db_conn_exec (conn,
                                     "INSERT INTO campaign_recipients (campaign_id, lead_id, lead_phone, phone,"
                                     "  params, state, reason, detail)"
                                     " SELECT $1::uuid, x.lead_id::uuid, x.lead_phone, x.phone, x.params,"
                                     "   CASE WHEN x.reason IS NULL THEN 'pending' ELSE 'excluded' END,"
                                     "   x.reason, x.detail"
                                     " FROM jsonb_to_recordset($2::jsonb) AS x(n int, lead_id text,"
                                     "   lead_phone text, phone text, params jsonb, reason text, detail text)"
                                     " ORDER BY x.n",
                                     2, p, error);
      if (inserted == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
create_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  CreateTx tx = { task_data, NULL, NULL };
  g_autoptr(Computed) c = NULL;
  g_autoptr(JsonObject) campaign = NULL;
  g_autofree char *id = NULL;
  GError *error = NULL;

  c = compute (conn, task_data, &error);
  if (c == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  tx.computed = c;
  if (!wabiz_db_conn_transaction (conn, create_on_conn, &tx, &error))
    {
      g_free (tx.id);
      g_task_return_error (task, error);
      return;
    }
  id = g_steal_pointer (&tx.id);
  campaign = read_campaign (conn, id, 0, 0, &error);
  if (campaign != NULL)
    json_object_set_object_member (campaign, "preview", preview_to_json (c));
  return_json (task, g_steal_pointer (&campaign), error);
}

void
wabiz_campaign_create_async (WabizDb             *db,
                             WabizCampaignSpec   *spec,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (spec != NULL);

  wabiz_db_run_job (db, wabiz_campaign_create_async, create_job, wabiz_campaign_spec_ref (spec),
                    (GDestroyNotify) wabiz_campaign_spec_unref, cancellable, callback, user_data);
}

JsonObject *
wabiz_campaign_create_finish (GAsyncResult  *result,
                              GError       **error)
{
  return finish_json (result, wabiz_campaign_create_async, error);
}

/* ------------------------------------------------------------------ */
/* pause, resume, cancel */

static gboolean
change_on_conn (WabizDbConn *conn,
                gpointer     user_data,
                GError     **error)
{
  CallData *data = user_data;
  g_autofree char *now = _wabiz_campaign_now_iso ();
  const char *p[] = { data->id, now };
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(WabizDbResult) current = NULL;
  const char *sql = NULL;
  const char *state;

  current = wabiz_db_conn_exec (conn, "SELECT state FROM campaigns WHERE id = $1::uuid FOR UPDATE", 1, p, error);
  if (current == NULL)
    return FALSE;
  if (wabiz_db_result_get_n_rows (current) == 0)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND, _("There is no campaign with this id"));
      return FALSE;
    }
  state = wabiz_db_result_get (current, 0, "state");

  switch (data->action)
    {
    case WABIZ_CAMPAIGN_PAUSE:
      if (g_str_equal (state, "paused"))
        return TRUE;
      if (g_str_equal (state, "scheduled") || g_str_equal (state, "running"))
        sql = "UPDATE campaigns SET state = 'paused', updated_at = now() WHERE id = $1::uuid AND $2::text IS NOT NULL";
      break;
    case WABIZ_CAMPAIGN_RESUME:
      if (g_str_equal (state, "running") || g_str_equal (state, "scheduled"))
        return TRUE;
      if (g_str_equal (state, "paused"))
        sql = "UPDATE campaigns SET updated_at = now(),"
              "  state = CASE WHEN started_at IS NULL THEN 'scheduled' ELSE 'running' END"
              " WHERE id = $1::uuid AND $2::text IS NOT NULL";
      break;
    case WABIZ_CAMPAIGN_CANCEL:
      if (g_str_equal (state, "cancelled"))
        return TRUE;
      if (!g_str_equal (state, "done"))
        {
          g_autoptr(WabizDbResult) recipients = NULL;

          recipients = wabiz_db_conn_exec (conn,
                                           "UPDATE campaign_recipients SET state = 'cancelled'"
                                           " WHERE campaign_id = $1::uuid AND state = 'pending'",
                                           1, p, error);
          if (recipients == NULL)
            return FALSE;
          sql = "UPDATE campaigns SET state = 'cancelled', finished_at = $2::timestamptz, updated_at = now()"
                " WHERE id = $1::uuid";
        }
      break;
    default:
      g_assert_not_reached ();
    }

  if (sql == NULL)
    {
      g_set_error (error, WABIZ_CAMPAIGN_ERROR, WABIZ_CAMPAIGN_ERROR_STATE,
                   data->action == WABIZ_CAMPAIGN_PAUSE ? _("This campaign is %s; only a scheduled or running campaign can be paused")
                   : data->action == WABIZ_CAMPAIGN_RESUME ? _("This campaign is %s; only a paused campaign can be resumed")
                                                           : _("This campaign is %s; it cannot be cancelled any more"),
                   state);
      return FALSE;
    }
  res = wabiz_db_conn_exec (conn, sql, 2, p, error);
  return res != NULL;
}

static void
change_job (WabizDb      *db,
            WabizDbConn  *conn,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  JsonObject *campaign = NULL;

  /* an id that is no uuid names no campaign */
  if (g_uuid_string_is_valid (data->id) &&
      wabiz_db_conn_transaction (conn, change_on_conn, data, &error))
    campaign = read_campaign (conn, data->id, 0, 0, &error);
  return_json (task, campaign, error);
}

void
wabiz_campaign_change_state_async (WabizDb             *db,
                                   const char          *id,
                                   WabizCampaignAction  action,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  CallData *data;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (id != NULL);
  g_return_if_fail (action <= WABIZ_CAMPAIGN_CANCEL);

  data = g_new0 (CallData, 1);
  data->id = g_strdup (id);
  data->action = action;
  wabiz_db_run_job (db, wabiz_campaign_change_state_async, change_job, data, (GDestroyNotify) call_data_free,
                    cancellable, callback, user_data);
}

JsonObject *
wabiz_campaign_change_state_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return finish_json (result, wabiz_campaign_change_state_async, error);
}

/* ------------------------------------------------------------------ */
/* settings */

#define SETTINGS_JSON_SQL                                                           \
  "SELECT json_build_object('tier', tier, 'rate', rate, 'timezone', timezone,"     \
  "  'stop_words', to_json(stop_words), 'start_words', to_json(start_words),"      \
  "  'opt_out_reply', opt_out_reply, 'opt_in_reply', opt_in_reply)::text AS s"     \
  " FROM campaign_settings WHERE id = 1"

static JsonObject *
read_settings (WabizDbConn *conn,
               GError     **error)
{
  g_autoptr(WabizDbResult) res = wabiz_db_conn_exec (conn, SETTINGS_JSON_SQL, 0, NULL, error);

  if (res == NULL)
    return NULL;
  if (wabiz_db_result_get_n_rows (res) == 0)
    {
      g_set_error_literal (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG, _("The campaign settings are missing"));
      return NULL;
    }
  return parse_object (wabiz_db_result_get (res, 0, "s"));
}

static void
settings_get_job (WabizDb      *db,
                  WabizDbConn  *conn,
                  GTask        *task,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;
  JsonObject *settings = read_settings (conn, &error);

  return_json (task, settings, error);
}

void
wabiz_campaign_settings_get_async (WabizDb             *db,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (WABIZ_IS_DB (db));

  wabiz_db_run_job (db, wabiz_campaign_settings_get_async, settings_get_job, NULL, NULL, cancellable,
                    callback, user_data);
}

JsonObject *
wabiz_campaign_settings_get_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return finish_json (result, wabiz_campaign_settings_get_async, error);
}

static gboolean
check_words (JsonNode *node)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) > 100)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *word = json_array_get_element (array, i);
      const char *s;

      if (!JSON_NODE_HOLDS_VALUE (word) || json_node_get_value_type (word) != G_TYPE_STRING)
        return FALSE;
      s = json_node_get_string (word);
      if (*s == '\0' || g_utf8_strlen (s, -1) > 50)
        return FALSE;
    }
  return TRUE;
}

/* Validates @changes into "column = $n" pieces */
static gboolean
settings_sets (JsonObject *changes,
               GPtrArray  *sets,
               GPtrArray  *values,
               GError    **error)
{
  g_autoptr(GList) members = json_object_get_members (changes);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (changes, name);
      GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
      char *value = NULL;
      const char *cast = "";

      if (g_str_equal (name, "tier"))
        {
          if (type != G_TYPE_STRING || wabiz_messaging_tier_get_limit (json_node_get_string (node)) == 0)
            { invalid (error, _("“tier” must be 250, 1K, 10K, 100K or unlimited")); return FALSE; }
          value = g_strdup (json_node_get_string (node));
        }
      else if (g_str_equal (name, "rate"))
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          double rate = (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE) ? json_node_get_double (node) : -1;

          if (!(rate >= 0.01 && rate <= 1000))
            { invalid (error, _("“rate” must be a number of messages per second, 0.01 to 1000")); return FALSE; }
          value = g_strdup (g_ascii_dtostr (buf, sizeof buf, rate));
          cast = "::double precision";
        }
      else if (g_str_equal (name, "timezone"))
        {
          g_autoptr(GTimeZone) tz = NULL;

          if (type != G_TYPE_STRING || (tz = g_time_zone_new_identifier (json_node_get_string (node))) == NULL)
            { invalid (error, _("“timezone” must be a time zone such as Europe/Lisbon")); return FALSE; }
          value = g_strdup (json_node_get_string (node));
        }
      else if (g_str_equal (name, "stop_words") || g_str_equal (name, "start_words"))
        {
          if (!check_words (node))
            { invalid (error, _("Stop and start words must be a list of words of 1 to 50 characters")); return FALSE; }
          value = json_to_string (node, FALSE);
          cast = "::jsonb";
        }
      else if (g_str_equal (name, "opt_out_reply") || g_str_equal (name, "opt_in_reply"))
        {
          if (!JSON_NODE_HOLDS_NULL (node) &&
              (type != G_TYPE_STRING || g_utf8_strlen (json_node_get_string (node), -1) > 1024))
            { invalid (error, _("A reply must be a text of at most 1,024 characters, or null for none")); return FALSE; }
          value = JSON_NODE_HOLDS_NULL (node) || *json_node_get_string (node) == '\0'
                    ? NULL : g_strdup (json_node_get_string (node));
        }
      else
        {
          g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT,
                       _("“%s” is not a campaign setting; use tier, rate, timezone, stop_words, "
                         "start_words, opt_out_reply or opt_in_reply"), name);
          return FALSE;
        }
      g_ptr_array_add (values, value);
      if (g_str_has_suffix (name, "_words"))
        g_ptr_array_add (sets, g_strdup_printf ("%s = ARRAY(SELECT jsonb_array_elements_text($%u%s))",
                                                name, values->len, cast));
      else
        g_ptr_array_add (sets, g_strdup_printf ("%s = $%u%s", name, values->len, cast));
    }
  return TRUE;
}

static void
settings_update_job (WabizDb      *db,
                     WabizDbConn  *conn,
                     GTask        *task,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  CallData *data = task_data;
  g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;
  JsonObject *settings;

  if (!settings_sets (data->changes, sets, values, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (sets->len > 0)
    {
      g_autoptr(GString) sql = g_string_new ("UPDATE campaign_settings SET ");
      g_autoptr(WabizDbResult) res = NULL;

      for (guint i = 0; i < sets->len; i++)
        g_string_append_printf (sql, "%s, ", (char *) g_ptr_array_index (sets, i));
      g_string_append (sql, "updated_at = now() WHERE id = 1");
      res = wabiz_db_conn_exec (conn, sql->str, (int) values->len, (const char * const *) values->pdata, &error);
      if (res == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  settings = read_settings (conn, &error);
  return_json (task, settings, error);
}

void
wabiz_campaign_settings_update_async (WabizDb             *db,
                                      JsonObject          *changes,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  CallData *data;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (changes != NULL);

  data = g_new0 (CallData, 1);
  data->changes = json_object_ref (changes);
  wabiz_db_run_job (db, wabiz_campaign_settings_update_async, settings_update_job, data,
                    (GDestroyNotify) call_data_free, cancellable, callback, user_data);
}

JsonObject *
wabiz_campaign_settings_update_finish (GAsyncResult  *result,
                                       GError       **error)
{
  return finish_json (result, wabiz_campaign_settings_update_async, error);
}
