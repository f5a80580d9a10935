/* wabiz-time.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The times the app shows are in the computer's time zone. GLib (2.74)
 * reads and parses /etc/localtime again on every g_date_time_to_local()
 * while TZ is not set, which is how desktops run apps; a conversation's
 * bubbles and day headings ask for it hundreds of times a frame. The zone
 * is read once here, for the life of the app, as a clock in the panel
 * would.
 */

#include "config.h"

#include "wabiz-time.h"

/**
 * wabiz_time_zone_local:
 *
 * Returns: (transfer none): the local time zone, read on the first call
 */
GTimeZone *
wabiz_time_zone_local (void)
{
  static GTimeZone *zone;

  if (g_once_init_enter (&zone))
    g_once_init_leave (&zone, g_time_zone_new_local ());
  return zone;
}

/**
 * wabiz_date_time_to_local:
 * @time: a time
 *
 * Returns: (transfer full): @time in the local time zone
 */
GDateTime *
wabiz_date_time_to_local (GDateTime *time)
{
  g_return_val_if_fail (time != NULL, NULL);

  return g_date_time_to_timezone (time, wabiz_time_zone_local ());
}
