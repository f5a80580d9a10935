/* wabiz-campaign-format.h
 *
 * SPDX-License-Identifier: MIT
 *
 * The words the campaign views share: states, results, reasons,
 * durations, the lead fields a parameter comes from, and a segment.
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  WABIZ_CAMPAIGN_DURATION_TOTAL,  /* "About 2 hours" */
  WABIZ_CAMPAIGN_DURATION_LEFT,   /* "About 2 hours left" */
} WabizCampaignDuration;

/* The lead fields a parameter can come from, NULL-terminated: "name",
 * "email"… (custom fields are "custom.<key>") */
const char * const *wabiz_campaign_get_lead_fields     (void);

char       *wabiz_campaign_format_duration  (gint64                 seconds,
                                             WabizCampaignDuration  kind);
/* "Running", "Paused"… */
const char *wabiz_campaign_format_state     (const char            *state);
/* A recipient's result: "Read", "Failed", "Left Out"… */
const char *wabiz_campaign_format_result    (const char            *result);
/* Why a lead was left out: "Opted out"…; NULL for another reason */
const char *wabiz_campaign_format_reason    (const char            *reason);
/* "Name", "Email"…, "Custom field “city”" */
char       *wabiz_campaign_format_field     (const char            *field);
/* A segment's filter in words: "Every lead", "Status New · Tagged vip" */
char       *wabiz_campaign_format_segment   (JsonObject            *filter);
/* A start or end time, in the local time zone: "Mar 5, 09:00" */
char       *wabiz_campaign_format_time      (const char            *iso8601);
/* The progress of @campaign in words, "412 of 988 sent", and as the
 * fraction of its recipients handed to WhatsApp (neither waiting nor
 * cancelled) */
char       *wabiz_campaign_format_progress  (JsonObject            *campaign);
double      wabiz_campaign_get_fraction     (JsonObject            *campaign);
/* "1,234" */
char       *wabiz_campaign_format_count     (gint64                 count);
/* A member of @object as a number (0 when missing or null) */
gint64      wabiz_campaign_get_int          (JsonObject            *object,
                                             const char            *member);
/* A member of @object as a string (NULL when missing or null) */
const char *wabiz_campaign_get_string       (JsonObject            *object,
                                             const char            *member);

G_END_DECLS
