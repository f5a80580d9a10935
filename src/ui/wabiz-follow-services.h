/* wabiz-follow-services.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-services.h"

G_BEGIN_DECLS

gboolean wabiz_follow_services (gpointer        self,
                                WabizServices **slot,
                                WabizServices  *services,
                                GCallback       state_changed);

G_END_DECLS
