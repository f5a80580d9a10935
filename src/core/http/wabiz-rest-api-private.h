/* wabiz-rest-api-private.h: test hooks of WabizRestApi
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-rest-api.h"

G_BEGIN_DECLS

/* Calls without the right key each client may make (@burst, then
 * @per_second) before 429; default 20, then one every 6 s. */
void _wabiz_rest_api_set_failure_limit (WabizRestApi *self,
                                        double        per_second,
                                        double        burst);

G_END_DECLS
