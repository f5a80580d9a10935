/* wabiz-campaign-model-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * What the campaign runner, the scheduler and the tests share with the
 * campaign model: the clock (a test hook moves it), the estimate, the
 * template parameters as stored.
 */

#pragma once

#include "wabiz-campaign-model.h"

G_BEGIN_DECLS

/* Test hook: campaigns' clock (start times, the messaging tier's 24
 * hours, scheduled messages) reads @unix_us instead of the real time;
 * 0 goes back to the real time. */
void     _wabiz_campaign_set_now        (gint64 unix_us);
/* The campaigns' clock, as microseconds since the epoch */
gint64   _wabiz_campaign_now            (void);
/* The same as an ISO 8601 text, for a query */
char    *_wabiz_campaign_now_iso        (void);

/* A template's parameters as a row keeps them (a JSON array of
 * strings); NULL for NULL or anything but an array */
GStrv    _wabiz_campaign_params_from_json (const char *json);

/* Seconds to queue @n recipients at @rate per second when the tier lets
 * @limit a day (-1: unlimited) and @used went out in the last 24 h;
 * @days: how many 24-hour windows it spans. */
double   _wabiz_campaign_estimate       (gint64  n,
                                         double  rate,
                                         gint64  limit,
                                         gint64  used,
                                         guint  *days);

/* Recipients counted against the tier in the 24 hours before @now_iso */
#define WABIZ_CAMPAIGN_TIER_USED_SQL                                               \
  "SELECT count(DISTINCT phone) FROM campaign_recipients"                          \
  " WHERE tier_at > $1::timestamptz - interval '24 hours'"                         \
  "   AND tier_at <= $1::timestamptz AND state IN ('queuing', 'queued')"

G_END_DECLS
