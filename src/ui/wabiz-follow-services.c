/* wabiz-follow-services.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What a widget that follows the services' state (starting, ready,
 * stopped) does when it is given other services.
 */

#define G_LOG_DOMAIN "wabiz-follow-services"

#include "config.h"

#include "wabiz-follow-services.h"

/**
 * wabiz_follow_services:
 * @self: the object that follows them
 * @slot: (inout) (nullable): where @self keeps the services it follows (a
 *   reference)
 * @services: (nullable): the services to follow now
 * @state_changed: called with @self when their state changes, and now:
 *   `void (*) (Self *self)`
 *
 * Stops following the services in @slot and follows @services instead:
 * @state_changed tells @self of their state.
 *
 * Returns: %FALSE if @slot holds @services already (nothing is done)
 */
gboolean
wabiz_follow_services (gpointer        self,
                       WabizServices **slot,
                       WabizServices  *services,
                       GCallback       state_changed)
{
  g_return_val_if_fail (G_IS_OBJECT (self), FALSE);
  g_return_val_if_fail (slot != NULL, FALSE);
  g_return_val_if_fail (!services || WABIZ_IS_SERVICES (services), FALSE);

  if (*slot == services)
    return FALSE;

  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, self);
  g_set_object (slot, services);
  /* the listener comes once the services have started */
  if (services != NULL)
    g_signal_connect_object (services, "notify::state", state_changed, self, G_CONNECT_SWAPPED);
  ((void (*) (gpointer)) state_changed) (self);
  return TRUE;
}
