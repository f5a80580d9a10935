/* wabiz-error.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * WabizError:
 * @WABIZ_ERROR_FAILED: anything not covered below
 * @WABIZ_ERROR_INVALID_PHONE: a phone number that cannot be a WhatsApp number
 * @WABIZ_ERROR_INVALID_INPUT: a value a user or a script gave is not acceptable
 * @WABIZ_ERROR_CONFIG: a setting is missing or invalid
 * @WABIZ_ERROR_NOT_FOUND: the thing asked for does not exist
 * @WABIZ_ERROR_WINDOW_CLOSED: a free-form message to a customer outside the
 *   24-hour customer service window; only a template can be sent
 *
 * The general error domain of libwabiz-core. Modules with errors of
 * their own (database, Graph API) have their own domain.
 */
typedef enum
{
  WABIZ_ERROR_FAILED,
  WABIZ_ERROR_INVALID_PHONE,
  WABIZ_ERROR_INVALID_INPUT,
  WABIZ_ERROR_CONFIG,
  WABIZ_ERROR_NOT_FOUND,
  WABIZ_ERROR_WINDOW_CLOSED,
} WabizError;

#define WABIZ_ERROR (wabiz_error_quark ())

GQuark wabiz_error_quark (void);

G_END_DECLS
