/* wabiz-campaign-model.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Campaigns: an approved template sent to a segment of leads, with each
 * recipient's parameters from their lead. Creating, previewing, reading
 * progress and results, pausing, resuming and cancelling; the settings
 * campaigns and opt-outs share. What sends them is the campaign runner
 * (pipeline/wabiz-campaign-runner.h).
 *
 * Every call answers JSON objects, the shapes the REST API gives
 * (GET /campaigns/{id}) and the app shows.
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wabiz-db.h"
#include "wabiz-segment.h"

G_BEGIN_DECLS

/**
 * WabizCampaignError:
 * @WABIZ_CAMPAIGN_ERROR_STATE: the campaign's state does not allow it
 *   (resuming a cancelled campaign, pausing a finished one)
 */
typedef enum
{
  WABIZ_CAMPAIGN_ERROR_STATE,
} WabizCampaignError;

#define WABIZ_CAMPAIGN_ERROR (wabiz_campaign_error_quark ())
GQuark wabiz_campaign_error_quark (void);

typedef enum
{
  WABIZ_CAMPAIGN_PAUSE,
  WABIZ_CAMPAIGN_RESUME,
  WABIZ_CAMPAIGN_CANCEL,
} WabizCampaignAction;

/* Meta's messaging tiers: recipients of business-initiated messages per
 * rolling 24 hours. Returns -1 for "unlimited", 0 for an unknown tier. */
gint64             wabiz_messaging_tier_get_limit   (const char          *tier);

/* Why a lead does not receive a campaign (campaign_recipients.reason) */
#define WABIZ_CAMPAIGN_EXCLUDED_OPTED_OUT        "opted_out"
#define WABIZ_CAMPAIGN_EXCLUDED_INVALID_PHONE    "invalid_phone"
#define WABIZ_CAMPAIGN_EXCLUDED_DUPLICATE        "already_received"
#define WABIZ_CAMPAIGN_EXCLUDED_MISSING_PARAMETER "missing_parameter"

typedef struct _WabizCampaignSpec WabizCampaignSpec;

/* What a campaign is to be, from its JSON form:
 *   "name" (1–255 characters), "template_name", "language",
 *   "segment" (see wabiz_segment_new_from_json(); or "segment_id", a
 *   saved one), "parameters": one per placeholder of the body, each
 *   {"field": "name" | "email" | "phone" | "status" | "notes" |
 *   "timezone" | "custom.<key>", "fallback": text} or {"text": text},
 *   "start_at" (ISO 8601; none: at once), "rate" (queued per second;
 *   none: the settings').
 * Errors: WABIZ_ERROR_INVALID_INPUT naming the member. */
WabizCampaignSpec *wabiz_campaign_spec_new_from_json (JsonObject         *object,
                                                      GError            **error);
WabizCampaignSpec *wabiz_campaign_spec_ref           (WabizCampaignSpec  *spec);
void               wabiz_campaign_spec_unref         (WabizCampaignSpec  *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizCampaignSpec, wabiz_campaign_spec_unref)

/* Who would receive it, who not and why, and how long it would take:
 * {"recipients", "excluded": {"total", "opted_out", "invalid_phone",
 * "already_received", "missing_parameter"}, "examples": [the first
 * excluded leads with reason and detail], "tier", "tier_limit", "rate",
 * "expected_seconds", "days"}. Nothing is written.
 * Errors: WABIZ_ERROR_NOT_FOUND (template or saved segment),
 * WABIZ_ERROR_INVALID_INPUT (template not approved, parameters not one
 * per placeholder), WABIZ_DB_ERROR. */
void        wabiz_campaign_preview_async       (WabizDb             *db,
                                                WabizCampaignSpec   *spec,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
JsonObject *wabiz_campaign_preview_finish      (GAsyncResult        *result,
                                                GError             **error);

/* Writes the campaign and one recipient row per lead of the segment (the
 * excluded ones with their reason) in one transaction; it starts at its
 * start time. Returns the campaign as wabiz_campaign_get_async() does,
 * with "preview". Errors: as the preview. */
void        wabiz_campaign_create_async        (WabizDb             *db,
                                                WabizCampaignSpec   *spec,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
JsonObject *wabiz_campaign_create_finish       (GAsyncResult        *result,
                                                GError             **error);

/* {"total", "campaigns": [campaigns with their progress, newest first]} */
void        wabiz_campaign_list_async          (WabizDb             *db,
                                                guint                limit,
                                                guint                offset,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
JsonObject *wabiz_campaign_list_finish         (GAsyncResult        *result,
                                                GError             **error);

/* The campaign: its definition, "state", "progress" (recipients by
 * result: pending, queued, sent, delivered, read, failed, unknown,
 * cancelled, excluded), "expected_seconds_left", and @limit recipients
 * from @offset (in the order they are sent) with their result, reason
 * and message. Errors: WABIZ_ERROR_NOT_FOUND. */
void        wabiz_campaign_get_async           (WabizDb             *db,
                                                const char          *id,
                                                guint                limit,
                                                guint                offset,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
JsonObject *wabiz_campaign_get_finish          (GAsyncResult        *result,
                                                GError             **error);

/* Pause (no more are queued; those in the outbox go), resume, cancel
 * (every recipient not queued yet is cancelled). Returns the campaign.
 * Errors: WABIZ_ERROR_NOT_FOUND, WABIZ_CAMPAIGN_ERROR_STATE. */
void        wabiz_campaign_change_state_async  (WabizDb             *db,
                                                const char          *id,
                                                WabizCampaignAction  action,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
JsonObject *wabiz_campaign_change_state_finish (GAsyncResult        *result,
                                                GError             **error);

/* The settings campaigns and opt-outs share: {"tier", "rate",
 * "timezone", "stop_words", "start_words", "opt_out_reply",
 * "opt_in_reply"}. Updating takes any of them (null clears a reply) and
 * returns them all. Errors: WABIZ_ERROR_INVALID_INPUT. */
void        wabiz_campaign_settings_get_async     (WabizDb             *db,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
JsonObject *wabiz_campaign_settings_get_finish    (GAsyncResult        *result,
                                                   GError             **error);
void        wabiz_campaign_settings_update_async  (WabizDb             *db,
                                                   JsonObject          *changes,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
JsonObject *wabiz_campaign_settings_update_finish (GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
