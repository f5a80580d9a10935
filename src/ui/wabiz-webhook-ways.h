/* wabiz-webhook-ways.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-db-listener.h"
#include "wabiz-db.h"

G_BEGIN_DECLS

/**
 * WabizWebhookWay:
 * @WABIZ_WEBHOOK_WAY_RELAY: the Edge Function in the business's Supabase
 *   project stores the deliveries in the shared database
 * @WABIZ_WEBHOOK_WAY_SERVER: wabizd on an always-on machine receives them
 * @WABIZ_WEBHOOK_WAY_TUNNEL: a tunnel the user has forwards them to this
 *   computer's webhook server
 *
 * The values are the nicks of the GSettings key "webhook-way".
 */
typedef enum
{
  WABIZ_WEBHOOK_WAY_RELAY,
  WABIZ_WEBHOOK_WAY_SERVER,
  WABIZ_WEBHOOK_WAY_TUNNEL,
} WabizWebhookWay;

GType wabiz_webhook_way_get_type (void);
#define WABIZ_TYPE_WEBHOOK_WAY (wabiz_webhook_way_get_type ())

#define WABIZ_TYPE_WEBHOOK_WAYS (wabiz_webhook_ways_get_type ())
G_DECLARE_FINAL_TYPE (WabizWebhookWays, wabiz_webhook_ways, WABIZ, WEBHOOK_WAYS, GtkBox)

GtkWidget       *wabiz_webhook_ways_new               (void);
/* The ids, addresses, the server's host and port and "webhook-way" */
void             wabiz_webhook_ways_set_settings      (WabizWebhookWays *self,
                                                       GSettings        *settings);
/* The database's connection string, without the password; NULL: the
 * built-in database */
void             wabiz_webhook_ways_set_conninfo      (WabizWebhookWays *self,
                                                       const char       *conninfo);
/* The ids typed but not saved yet (the setup assistant); NULL: the
 * settings' */
void             wabiz_webhook_ways_set_account       (WabizWebhookWays *self,
                                                       const char       *phone_number_id,
                                                       const char       *waba_id);
/* (nullable): the verify token, when the window knows it (the setup
 * assistant made it); else what is shown says where to paste it */
void             wabiz_webhook_ways_set_verify_token  (WabizWebhookWays *self,
                                                       const char       *verify_token);
/* The database the relay writes to, watched while the relay is chosen
 * (nullable: nothing to watch) */
void             wabiz_webhook_ways_set_database      (WabizWebhookWays *self,
                                                       WabizDb          *db,
                                                       WabizDbListener  *listener);
/* Whether this window may answer Meta's handshake itself while it checks
 * a tunnel (the setup assistant: no webhook server runs yet) */
void             wabiz_webhook_ways_set_answer_locally (WabizWebhookWays *self,
                                                       gboolean          answer);

WabizWebhookWay  wabiz_webhook_ways_get_way           (WabizWebhookWays *self);
void             wabiz_webhook_ways_set_way           (WabizWebhookWays *self,
                                                       WabizWebhookWay   way);
/* (nullable): why the relay cannot be used (no Supabase database) */
const char      *wabiz_webhook_ways_get_relay_problem (WabizWebhookWays *self);
/* (nullable): the address for Meta's Callback URL, with the relay */
const char      *wabiz_webhook_ways_get_relay_url     (WabizWebhookWays *self);
/* The supabase commands, the wabizd env file and unit, as shown */
const char      *wabiz_webhook_ways_get_relay_commands (WabizWebhookWays *self);
const char      *wabiz_webhook_ways_get_env_file      (WabizWebhookWays *self);
const char      *wabiz_webhook_ways_get_unit          (WabizWebhookWays *self);
/* What the relay recorded, as shown: Meta's verification request and
 * the first delivery (NULL: still waiting) */
const char      *wabiz_webhook_ways_get_relay_verified (WabizWebhookWays *self);
const char      *wabiz_webhook_ways_get_relay_event   (WabizWebhookWays *self);
/* Looks at the relay's status now (it also does on its own) */
void             wabiz_webhook_ways_refresh           (WabizWebhookWays *self);

/* The tunnel: checks Meta's handshake through @url (the entry's text
 * when NULL); ::tunnel-checked tells the outcome */
void             wabiz_webhook_ways_check_tunnel      (WabizWebhookWays *self,
                                                       const char       *url);
gboolean         wabiz_webhook_ways_get_checking      (WabizWebhookWays *self);
/* (nullable): what the last check said */
const char      *wabiz_webhook_ways_get_tunnel_result (WabizWebhookWays *self);
gboolean         wabiz_webhook_ways_get_tunnel_ok     (WabizWebhookWays *self);

G_END_DECLS
