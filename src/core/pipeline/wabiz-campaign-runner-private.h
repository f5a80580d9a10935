/* wabiz-campaign-runner-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * Test hooks of the campaign runner.
 */

#pragma once

#include "wabiz-campaign-runner.h"

G_BEGIN_DECLS

/* A claim older than @seconds is taken back (its runner died); default
 * 120. 0 takes every claim back at the next round: only for a runner
 * started after the one that held them was killed. */
void  _wabiz_campaign_runner_set_claim_timeout (WabizCampaignRunner *self,
                                                guint                seconds);
/* Rounds finished (looked at the campaigns, queued what it claimed) */
guint _wabiz_campaign_runner_get_n_rounds      (WabizCampaignRunner *self);

G_END_DECLS
