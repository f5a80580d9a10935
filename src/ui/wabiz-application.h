/* wabiz-application.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-db.h"
#include "wabiz-services.h"
#include "wabiz-sim-server.h"

G_BEGIN_DECLS

/**
 * WabizDatabaseState:
 * @WABIZ_DATABASE_STATE_STARTING: reading the keyring, connecting, starting the
 *   built-in database or migrating (the services' state, or none yet)
 * @WABIZ_DATABASE_STATE_READY: the services are ready; #WabizApplication:database
 *   can be used
 * @WABIZ_DATABASE_STATE_FAILED: see #WabizApplication:database-error
 */
typedef enum
{
  WABIZ_DATABASE_STATE_STARTING,
  WABIZ_DATABASE_STATE_READY,
  WABIZ_DATABASE_STATE_FAILED,
} WabizDatabaseState;

#define WABIZ_TYPE_DATABASE_STATE (wabiz_database_state_get_type ())
GType wabiz_database_state_get_type (void) G_GNUC_CONST;

#define WABIZ_TYPE_APPLICATION (wabiz_application_get_type ())
G_DECLARE_FINAL_TYPE (WabizApplication, wabiz_application, WABIZ, APPLICATION, AdwApplication)

WabizApplication   *wabiz_application_new                (GApplicationFlags  flags);
GSettings          *wabiz_application_get_settings       (WabizApplication  *self);
WabizServices      *wabiz_application_get_services       (WabizApplication  *self);
WabizDatabaseState  wabiz_application_get_database_state (WabizApplication  *self);
WabizDb            *wabiz_application_get_database       (WabizApplication  *self);
const char         *wabiz_application_get_database_error (WabizApplication  *self);
gboolean            wabiz_application_get_embedded       (WabizApplication  *self);
void                wabiz_application_open_database      (WabizApplication  *self);
gboolean            wabiz_application_get_demo           (WabizApplication  *self);
const char         *wabiz_application_get_notice         (WabizApplication  *self);
WabizSimServer     *wabiz_application_get_simulator      (WabizApplication  *self);

G_END_DECLS
