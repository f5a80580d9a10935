/* wabiz-business-settings.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WabizBusinessSettings: what the business says about itself and what
 * WaBiz may do by itself, kept in the database (business_settings, see
 * data/sql/016-ai.sql) so that the app and an always-on wabizd agree:
 * the profile text Gemini drafts replies from, the business hours per
 * weekday in the business's time zone, the AI switches (inbound
 * analysis, auto-reply and its mode, keywords and interval), and the
 * canned greeting and away messages with their switches and intervals.
 * Everything automatic is off until the owner turns it on.
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db-listener.h"
#include "wabiz-db.h"

G_BEGIN_DECLS

/**
 * WabizAutoReplyMode:
 * @WABIZ_AUTO_REPLY_OFF: no auto-reply (the default)
 * @WABIZ_AUTO_REPLY_OUTSIDE_HOURS: only to messages that come outside
 *   the business hours
 * @WABIZ_AUTO_REPLY_ALWAYS: to every text message
 * @WABIZ_AUTO_REPLY_KEYWORDS: to text messages with one of the keywords
 */
typedef enum
{
  WABIZ_AUTO_REPLY_OFF,
  WABIZ_AUTO_REPLY_OUTSIDE_HOURS,
  WABIZ_AUTO_REPLY_ALWAYS,
  WABIZ_AUTO_REPLY_KEYWORDS,
} WabizAutoReplyMode;

GType wabiz_auto_reply_mode_get_type (void);
#define WABIZ_TYPE_AUTO_REPLY_MODE (wabiz_auto_reply_mode_get_type ())

/* Defaults, in minutes: the auto-reply at most once an hour per
 * customer, the greeting once in 14 days (as WhatsApp's own app), the
 * away message once a day. */
#define WABIZ_AUTO_REPLY_DEFAULT_INTERVAL 60
#define WABIZ_GREETING_DEFAULT_INTERVAL   (14 * 24 * 60)
#define WABIZ_AWAY_DEFAULT_INTERVAL       (24 * 60)
/* The longest profile, greeting and away texts (a WhatsApp text holds
 * 4096 characters) */
#define WABIZ_BUSINESS_PROFILE_MAX        4000
#define WABIZ_CANNED_TEXT_MAX             4096

#define WABIZ_TYPE_BUSINESS_SETTINGS (wabiz_business_settings_get_type ())
G_DECLARE_FINAL_TYPE (WabizBusinessSettings, wabiz_business_settings, WABIZ, BUSINESS_SETTINGS, GObject)

/* The defaults, until loaded */
WabizBusinessSettings *wabiz_business_settings_new                 (void);

/* Reads the database's settings into @self: a setting changed there
 * since the last load or save is taken, one changed only here is kept
 * until saved. */
void                   wabiz_business_settings_load_async          (WabizBusinessSettings *self,
                                                                    WabizDb               *db,
                                                                    GCancellable          *cancellable,
                                                                    GAsyncReadyCallback    callback,
                                                                    gpointer               user_data);
gboolean               wabiz_business_settings_load_finish         (WabizBusinessSettings *self,
                                                                    GAsyncResult          *result,
                                                                    GError               **error);
/* Checks the settings (wabiz_business_settings_validate()) and writes
 * the ones changed here since the last load or save, in one
 * transaction; nothing is written when one is not valid. Every process
 * watching the database hears of it. */
void                   wabiz_business_settings_save_async          (WabizBusinessSettings *self,
                                                                    WabizDb               *db,
                                                                    GCancellable          *cancellable,
                                                                    GAsyncReadyCallback    callback,
                                                                    gpointer               user_data);
gboolean               wabiz_business_settings_save_finish         (WabizBusinessSettings *self,
                                                                    GAsyncResult          *result,
                                                                    GError               **error);
/* Loads now, and again whenever another process (or another object)
 * changes the settings (@listener's changed::business_settings) and
 * after a reconnect; ::changed tells of each change. */
void                   wabiz_business_settings_watch               (WabizBusinessSettings *self,
                                                                    WabizDb               *db,
                                                                    WabizDbListener       *listener);
/* Whether the settings can be saved; the error (WABIZ_ERROR_INVALID_INPUT)
 * says what to change. */
gboolean               wabiz_business_settings_validate            (WabizBusinessSettings *self,
                                                                    GError               **error);

const char            *wabiz_business_settings_get_profile         (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_profile         (WabizBusinessSettings *self,
                                                                    const char            *profile);
/* An IANA time zone ("Europe/Lisbon"); default "UTC" */
const char            *wabiz_business_settings_get_time_zone       (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_time_zone       (WabizBusinessSettings *self,
                                                                    const char            *time_zone);

/* Business hours, per weekday: "09:00-18:00", several ranges separated
 * by commas ("09:00-13:00, 14:30-19:00"), "" for closed; a range that
 * ends at or before its start goes on past midnight ("20:00-02:00"),
 * "00:00-24:00" is the whole day. Without hours (the default) the
 * business counts as open all the time: no away message, and no
 * auto-reply outside hours. */
gboolean               wabiz_business_settings_get_has_hours       (WabizBusinessSettings *self);
/* (nullable): NULL without hours */
const char            *wabiz_business_settings_get_hours           (WabizBusinessSettings *self,
                                                                    GDateWeekday           day);
/* Sets one day (the other days are closed if there were no hours
 * before); FALSE with WABIZ_ERROR_INVALID_INPUT when @ranges cannot be
 * read, and nothing changes. */
gboolean               wabiz_business_settings_set_hours           (WabizBusinessSettings *self,
                                                                    GDateWeekday           day,
                                                                    const char            *ranges,
                                                                    GError               **error);
void                   wabiz_business_settings_clear_hours         (WabizBusinessSettings *self);
/* Whether @when (any time zone) falls in the business hours, read in
 * the business's time zone */
gboolean               wabiz_business_settings_is_open_at          (WabizBusinessSettings *self,
                                                                    GDateTime             *when);
/* (transfer full): @when in the business's time zone */
GDateTime             *wabiz_business_settings_to_local            (WabizBusinessSettings *self,
                                                                    GDateTime             *when);

gboolean               wabiz_business_settings_get_analysis_enabled (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_analysis_enabled (WabizBusinessSettings *self,
                                                                    gboolean               enabled);

WabizAutoReplyMode     wabiz_business_settings_get_auto_reply_mode (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_auto_reply_mode (WabizBusinessSettings *self,
                                                                    WabizAutoReplyMode     mode);
/* (transfer none): never NULL */
const char * const    *wabiz_business_settings_get_auto_reply_keywords (WabizBusinessSettings *self);
/* Empty and repeated keywords are left out */
void                   wabiz_business_settings_set_auto_reply_keywords (WabizBusinessSettings *self,
                                                                    const char * const    *keywords);
/* Minutes */
guint                  wabiz_business_settings_get_auto_reply_interval (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_auto_reply_interval (WabizBusinessSettings *self,
                                                                    guint                  minutes);

gboolean               wabiz_business_settings_get_greeting_enabled (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_greeting_enabled (WabizBusinessSettings *self,
                                                                    gboolean               enabled);
const char            *wabiz_business_settings_get_greeting_text   (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_greeting_text   (WabizBusinessSettings *self,
                                                                    const char            *text);
guint                  wabiz_business_settings_get_greeting_interval (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_greeting_interval (WabizBusinessSettings *self,
                                                                    guint                  minutes);

gboolean               wabiz_business_settings_get_away_enabled    (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_away_enabled    (WabizBusinessSettings *self,
                                                                    gboolean               enabled);
const char            *wabiz_business_settings_get_away_text       (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_away_text       (WabizBusinessSettings *self,
                                                                    const char            *text);
guint                  wabiz_business_settings_get_away_interval   (WabizBusinessSettings *self);
void                   wabiz_business_settings_set_away_interval   (WabizBusinessSettings *self,
                                                                    guint                  minutes);

G_END_DECLS
