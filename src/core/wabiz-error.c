/* wabiz-error.c
 *
 * SPDX-License-Identifier: MIT
 */

#define G_LOG_DOMAIN "wabiz-error"

#include "config.h"

#include "wabiz-error.h"

G_DEFINE_QUARK (wabiz-error-quark, wabiz_error)
