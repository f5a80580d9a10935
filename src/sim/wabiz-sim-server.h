/* wabiz-sim-server.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WabizSimServer: a simulator of the Meta WhatsApp Cloud Graph API and
 * of the Gemini API on one libsoup server, with a control API under
 * /_sim/. The same state can be driven in-process through this API.
 */

#pragma once

#include <json-glib/json-glib.h>

#include "wabiz-sim-webhooks.h"

G_BEGIN_DECLS

#define WABIZ_SIM_DEFAULT_HOST                 "127.0.0.1"
#define WABIZ_SIM_DEFAULT_PHONE_NUMBER_ID      "106540352242922"
#define WABIZ_SIM_DEFAULT_WABA_ID              "108233722174550"
#define WABIZ_SIM_DEFAULT_DISPLAY_PHONE_NUMBER "15550783881"
#define WABIZ_SIM_DEFAULT_ACCESS_TOKEN         "sim-access-token"
#define WABIZ_SIM_DEFAULT_APP_ID               "1185316642193457"
#define WABIZ_SIM_DEFAULT_APP_SECRET           "sim-app-secret"
#define WABIZ_SIM_DEFAULT_GEMINI_KEY           "sim-gemini-key"

#define WABIZ_SIM_ERROR (wabiz_sim_error_quark ())

typedef enum
{
  WABIZ_SIM_ERROR_INVALID,
  WABIZ_SIM_ERROR_NOT_FOUND,
  WABIZ_SIM_ERROR_FAILED,
} WabizSimError;

GQuark wabiz_sim_error_quark (void);

#define WABIZ_TYPE_SIM_SERVER (wabiz_sim_server_get_type ())

G_DECLARE_FINAL_TYPE (WabizSimServer, wabiz_sim_server, WABIZ, SIM_SERVER, GObject)

WabizSimServer   *wabiz_sim_server_new                   (void);

gboolean          wabiz_sim_server_start                 (WabizSimServer  *self,
                                                          GError         **error);
void              wabiz_sim_server_stop                  (WabizSimServer  *self);
gboolean          wabiz_sim_server_is_running            (WabizSimServer  *self);
guint             wabiz_sim_server_get_port              (WabizSimServer  *self);
const char       *wabiz_sim_server_get_base_url          (WabizSimServer  *self);
WabizSimWebhooks *wabiz_sim_server_get_webhooks          (WabizSimServer  *self);

JsonObject       *wabiz_sim_server_dup_config            (WabizSimServer  *self);
gboolean          wabiz_sim_server_update_config         (WabizSimServer  *self,
                                                          JsonObject      *changes,
                                                          GError         **error);
JsonObject       *wabiz_sim_server_inject_inbound        (WabizSimServer  *self,
                                                          JsonObject      *spec,
                                                          GError         **error);
gboolean          wabiz_sim_server_set_template_status   (WabizSimServer  *self,
                                                          const char      *name,
                                                          const char      *language,
                                                          const char      *status,
                                                          const char      *reason,
                                                          GError         **error);
void              wabiz_sim_server_set_window            (WabizSimServer  *self,
                                                          const char      *wa_id,
                                                          gboolean         open);
JsonArray        *wabiz_sim_server_dup_ledger            (WabizSimServer  *self,
                                                          guint64          since);
void              wabiz_sim_server_clear_ledger          (WabizSimServer  *self);
JsonObject       *wabiz_sim_server_dup_stats             (WabizSimServer  *self);
gboolean          wabiz_sim_server_release_media         (WabizSimServer  *self,
                                                          const char      *media_id);
guint             wabiz_sim_server_get_n_held_downloads  (WabizSimServer  *self,
                                                          const char      *media_id);
void              wabiz_sim_server_reset                 (WabizSimServer  *self);

G_END_DECLS
