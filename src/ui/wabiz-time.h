/* wabiz-time.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

GTimeZone *wabiz_time_zone_local    (void);
GDateTime *wabiz_date_time_to_local (GDateTime *time);

G_END_DECLS
