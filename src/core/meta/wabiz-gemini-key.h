/* wabiz-gemini-key.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  WABIZ_GEMINI_KEY_WORKS,      /* Gemini answered */
  WABIZ_GEMINI_KEY_REFUSED,    /* Gemini does not take the key */
  WABIZ_GEMINI_KEY_UNCHECKED,  /* Gemini could not be asked */
} WabizGeminiKeyCheck;

void                wabiz_gemini_key_check_async  (const char           *url,
                                                   const char           *key,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
WabizGeminiKeyCheck wabiz_gemini_key_check_finish (GObject              *source_object,
                                                   GAsyncResult         *result,
                                                   GError              **error);

G_END_DECLS
