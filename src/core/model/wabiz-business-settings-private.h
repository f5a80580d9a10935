/* wabiz-business-settings-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * For the jobs that read the settings on a worker thread, beside their
 * other statements.
 */

#pragma once

#include "wabiz-business-settings.h"

G_BEGIN_DECLS

/* (transfer full): the settings as the database holds them now, every
 * key that has no row at its default; blocks (worker threads only) */
WabizBusinessSettings *_wabiz_business_settings_load_on_conn (WabizDbConn  *conn,
                                                              GError      **error);

/* When a switch was last turned, as the database keeps it: the settings'
 * updated_at of @key (the keys of data/sql/016-ai.sql) */
#define WABIZ_BUSINESS_SETTINGS_KEY_ANALYSIS        "analysis_enabled"
#define WABIZ_BUSINESS_SETTINGS_KEY_AUTO_REPLY_MODE "auto_reply_mode"
#define WABIZ_BUSINESS_SETTINGS_KEY_GREETING        "greeting_enabled"
#define WABIZ_BUSINESS_SETTINGS_KEY_AWAY            "away_enabled"

G_END_DECLS
