/* wabiz-campaign-format.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What the campaign dialog, the campaigns page and its rows say about a
 * campaign, in one place so that they say it the same way.
 */

#define G_LOG_DOMAIN "wabiz-campaign-format"

#include "config.h"

#include "wabiz-campaign-format.h"
#include "wabiz-campaign-model.h"
#include "wabiz-lead.h"
#include "wabiz-time.h"

#include <glib/gi18n.h>
#include <string.h>

static const char * const lead_fields[] = {
  "name", "email", "phone", "status", "notes", "timezone", "profile_name", NULL
};

const char * const *
wabiz_campaign_get_lead_fields (void)
{
  return lead_fields;
}

char *
wabiz_campaign_format_duration (gint64                seconds,
                                WabizCampaignDuration kind)
{
  gboolean left = kind == WABIZ_CAMPAIGN_DURATION_LEFT;
  guint n;

  if (seconds < 60)
    return g_strdup (left ? _("Less than a minute left") : _("Less than a minute"));

  if (seconds < 3600)
    {
      n = (guint) ((seconds + 59) / 60);
      return g_strdup_printf (left ? g_dngettext (GETTEXT_PACKAGE, "About %u minute left", "About %u minutes left", n)
                                   : g_dngettext (GETTEXT_PACKAGE, "About %u minute", "About %u minutes", n),
                              n);
    }

  if (seconds < 86400)
    {
      n = MAX (1, (guint) ((seconds + 1800) / 3600));
      return g_strdup_printf (left ? g_dngettext (GETTEXT_PACKAGE, "About %u hour left", "About %u hours left", n)
                                   : g_dngettext (GETTEXT_PACKAGE, "About %u hour", "About %u hours", n),
                              n);
    }

  n = MAX (1, (guint) ((seconds + 43200) / 86400));
  return g_strdup_printf (left ? g_dngettext (GETTEXT_PACKAGE, "About %u day left", "About %u days left", n)
                               : g_dngettext (GETTEXT_PACKAGE, "About %u day", "About %u days", n),
                          n);
}

const char *
wabiz_campaign_format_state (const char *state)
{
  if (g_strcmp0 (state, "scheduled") == 0)
    return C_("campaign state", "Scheduled");
  if (g_strcmp0 (state, "running") == 0)
    return C_("campaign state", "Sending");
  if (g_strcmp0 (state, "paused") == 0)
    return C_("campaign state", "Paused");
  if (g_strcmp0 (state, "cancelled") == 0)
    return C_("campaign state", "Cancelled");
  if (g_strcmp0 (state, "done") == 0)
    return C_("campaign state", "Finished");
  return state != NULL ? state : "";
}

const char *
wabiz_campaign_format_result (const char *result)
{
  if (g_strcmp0 (result, "pending") == 0)
    return C_("recipient result", "Waiting");
  if (g_strcmp0 (result, "queued") == 0)
    return C_("recipient result", "In the Outbox");
  if (g_strcmp0 (result, "sent") == 0)
    return C_("recipient result", "Sent");
  if (g_strcmp0 (result, "delivered") == 0)
    return C_("recipient result", "Delivered");
  if (g_strcmp0 (result, "read") == 0)
    return C_("recipient result", "Read");
  if (g_strcmp0 (result, "failed") == 0)
    return C_("recipient result", "Failed");
  if (g_strcmp0 (result, "unknown") == 0)
    return C_("recipient result", "Unconfirmed");
  if (g_strcmp0 (result, "cancelled") == 0)
    return C_("recipient result", "Not Sent");
  if (g_strcmp0 (result, "excluded") == 0)
    return C_("recipient result", "Left Out");
  return result != NULL ? result : "";
}

const char *
wabiz_campaign_format_reason (const char *reason)
{
  if (g_strcmp0 (reason, WABIZ_CAMPAIGN_EXCLUDED_OPTED_OUT) == 0)
    return _("Opted out of messages");
  if (g_strcmp0 (reason, WABIZ_CAMPAIGN_EXCLUDED_INVALID_PHONE) == 0)
    return _("Not a WhatsApp number");
  if (g_strcmp0 (reason, WABIZ_CAMPAIGN_EXCLUDED_DUPLICATE) == 0)
    return _("Another lead with the same number gets it");
  if (g_strcmp0 (reason, WABIZ_CAMPAIGN_EXCLUDED_MISSING_PARAMETER) == 0)
    return _("A value of the message is missing");
  return NULL;
}

char *
wabiz_campaign_format_field (const char *field)
{
  if (field == NULL)
    return g_strdup ("");
  if (g_str_equal (field, "name"))
    return g_strdup (C_("lead field", "Name"));
  if (g_str_equal (field, "email"))
    return g_strdup (C_("lead field", "Email"));
  if (g_str_equal (field, "phone"))
    return g_strdup (C_("lead field", "Phone Number"));
  if (g_str_equal (field, "status"))
    return g_strdup (C_("lead field", "Status"));
  if (g_str_equal (field, "notes"))
    return g_strdup (C_("lead field", "Notes"));
  if (g_str_equal (field, "timezone"))
    return g_strdup (C_("lead field", "Time Zone"));
  if (g_str_equal (field, "profile_name"))
    return g_strdup (C_("lead field", "WhatsApp Profile Name"));
  if (g_str_has_prefix (field, "custom."))
    /* Translators: %s is the name of a custom field of leads, such as “city” */
    return g_strdup_printf (_("Custom Field “%s”"), field + strlen ("custom."));
  return g_strdup (field);
}

static char *
join_strings (JsonArray  *array,
              gboolean    statuses)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *value = json_array_get_string_element (array, i);

      if (value == NULL)
        continue;
      if (text->len > 0)
        /* Translators: between the values of a filter, “New, Contacted” */
        g_string_append (text, _(", "));
      g_string_append (text, statuses ? wabiz_lead_status_to_label (value) : value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
add_part (GPtrArray *parts,
          char      *part)
{
  if (part != NULL && *part != '\0')
    g_ptr_array_add (parts, part);
  else
    g_free (part);
}

char *
wabiz_campaign_format_segment (JsonObject *filter)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) text = g_string_new (NULL);
  JsonNode *node;

  if (filter == NULL)
    return g_strdup (_("Every lead"));

  node = json_object_get_member (filter, "status");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autofree char *values = join_strings (json_node_get_array (node), TRUE);

      /* Translators: a filter of leads; %s is one or more statuses, “New, Contacted” */
      add_part (parts, *values != '\0' ? g_strdup_printf (_("Status %s"), values) : NULL);
    }
  else if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_string (node) != NULL)
    /* Translators: a filter of leads; %s is one or more statuses, “New, Contacted” */
    add_part (parts, g_strdup_printf (_("Status %s"), wabiz_lead_status_to_label (json_node_get_string (node))));

  node = json_object_get_member (filter, "tags");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autofree char *values = join_strings (json_node_get_array (node), FALSE);

      /* Translators: a filter of leads; %s is one or more tags, “vip, wholesale” */
      add_part (parts, *values != '\0' ? g_strdup_printf (_("Tagged %s"), values) : NULL);
    }

  node = json_object_get_member (filter, "last_contact_after");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      g_autofree char *when = wabiz_campaign_format_time (json_node_get_string (node));

      /* Translators: a filter of leads; %s is a date and time */
      add_part (parts, g_strdup_printf (_("Last contact after %s"), when));
    }
  node = json_object_get_member (filter, "last_contact_before");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      g_autofree char *when = wabiz_campaign_format_time (json_node_get_string (node));

      /* Translators: a filter of leads; %s is a date and time */
      add_part (parts, g_strdup_printf (_("Last contact before %s"), when));
    }
  node = json_object_get_member (filter, "never_contacted");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_boolean (node))
    add_part (parts, g_strdup (_("Never contacted")));

  node = json_object_get_member (filter, "custom_fields");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *fields = json_node_get_object (node);
      g_autoptr(GList) keys = json_object_get_members (fields);

      for (GList *l = keys; l != NULL; l = l->next)
        {
          const char *value = json_object_get_string_member_with_default (fields, l->data, "");

          /* Translators: a filter of leads on a custom field, “city is “Lisbon”” */
          add_part (parts, g_strdup_printf (_("%s is “%s”"), (const char *) l->data, value));
        }
    }

  if (parts->len == 0)
    return g_strdup (_("Every lead"));
  for (guint i = 0; i < parts->len; i++)
    {
      if (i > 0)
        g_string_append (text, " · ");
      g_string_append (text, g_ptr_array_index (parts, i));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
wabiz_campaign_format_time (const char *iso8601)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (iso8601 == NULL || (when = g_date_time_new_from_iso8601 (iso8601, NULL)) == NULL)
    return g_strdup ("");
  local = wabiz_date_time_to_local (when);
  if (g_date_time_get_year (local) != g_date_time_get_year (now))
    /* Translators: a date and time with its year, see the strftime manual */
    return g_date_time_format (local, _("%b %-d %Y, %H:%M"));
  /* Translators: a date and time this year, see the strftime manual */
  return g_date_time_format (local, _("%b %-d, %H:%M"));
}

char *
wabiz_campaign_format_count (gint64 count)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, count);
}

gint64
wabiz_campaign_get_int (JsonObject *object,
                        const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return 0;
}

const char *
wabiz_campaign_get_string (JsonObject *object,
                           const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Sent to Meta and beyond */
static gint64
count_sent (JsonObject *progress)
{
  return wabiz_campaign_get_int (progress, "sent") + wabiz_campaign_get_int (progress, "delivered") +
         wabiz_campaign_get_int (progress, "read");
}

char *
wabiz_campaign_format_progress (JsonObject *campaign)
{
  JsonObject *progress;
  gint64 total = wabiz_campaign_get_int (campaign, "recipients");
  gint64 sent;
  gint64 failed;
  g_autofree char *sent_text = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *failed_text = NULL;

  g_return_val_if_fail (campaign != NULL, NULL);

  progress = json_object_get_object_member (campaign, "progress");
  sent = count_sent (progress);
  failed = wabiz_campaign_get_int (progress, "failed");
  sent_text = wabiz_campaign_format_count (sent);
  total_text = wabiz_campaign_format_count (total);
  failed_text = wabiz_campaign_format_count (failed);
  if (failed > 0)
    /* Translators: a campaign's progress: sent, of how many recipients, and failed */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s sent, %s failed", "%s of %s sent, %s failed",
                                         (gulong) total),
                            sent_text, total_text, failed_text);
  /* Translators: a campaign's progress: sent, of how many recipients */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s sent", "%s of %s sent", (gulong) total),
                          sent_text, total_text);
}

double
wabiz_campaign_get_fraction (JsonObject *campaign)
{
  JsonObject *progress;
  gint64 total = wabiz_campaign_get_int (campaign, "recipients");
  gint64 left;

  g_return_val_if_fail (campaign != NULL, 0);

  if (total <= 0)
    return g_strcmp0 (wabiz_campaign_get_string (campaign, "state"), "done") == 0 ? 1 : 0;
  progress = json_object_get_object_member (campaign, "progress");
  /* not queued yet, waiting in the outbox, or never to go: a campaign
   * cancelled before anything went out shows an empty bar, not a full one */
  left = wabiz_campaign_get_int (progress, "pending") + wabiz_campaign_get_int (progress, "queued") +
         wabiz_campaign_get_int (progress, "cancelled");
  return CLAMP ((double) (total - left) / total, 0, 1);
}
