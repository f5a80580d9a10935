/* wabiz-gemini-key.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Whether a Gemini API key works, asked before it is kept (by the setup
 * assistant and by Preferences): Gemini is asked for one word.
 */

#define G_LOG_DOMAIN "wabiz-gemini-key"

#include "config.h"

#include "wabiz-gemini-client.h"
#include "wabiz-gemini-key.h"

/**
 * wabiz_gemini_key_check_async:
 * @url: the Gemini API's
 *
 * Asks Gemini, at @url with @key, for one word, with the fast model: a
 * check that costs little and answers soon. The source object of the
 * result is for wabiz_gemini_key_check_finish().
 */
void
wabiz_gemini_key_check_async (const char          *url,
                              const char          *key,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(WabizGeminiClient) client = NULL;
  g_autoptr(WabizGeminiRequest) request = NULL;

  g_return_if_fail (url != NULL);
  g_return_if_fail (key != NULL);

  client = wabiz_gemini_client_new (url, key, WABIZ_GEMINI_FAST_MODEL);
  wabiz_gemini_client_set_timeout (client, 30);
  wabiz_gemini_client_set_retry (client, 1, 0, 0);
  request = wabiz_gemini_request_new ();
  wabiz_gemini_request_add_text (request, WABIZ_GEMINI_ROLE_USER, "Reply with the word OK.");
  wabiz_gemini_request_set_max_output_tokens (request, 16);
  wabiz_gemini_request_set_thinking_budget (request, 0);
  wabiz_gemini_client_generate_async (client, request, cancellable, callback, user_data);
}

/**
 * wabiz_gemini_key_check_finish:
 * @error: why the key is refused or unchecked (%G_IO_ERROR_CANCELLED
 *   when the check was cancelled)
 *
 * Returns: what Gemini said of the key
 */
WabizGeminiKeyCheck
wabiz_gemini_key_check_finish (GObject       *source_object,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_autoptr(WabizGeminiResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean refused;

  g_return_val_if_fail (WABIZ_IS_GEMINI_CLIENT (source_object), WABIZ_GEMINI_KEY_UNCHECKED);

  response = wabiz_gemini_client_generate_finish (WABIZ_GEMINI_CLIENT (source_object), result,
                                                  &local_error);
  /* an answer, even one cut short or refused, means the key works */
  if (response != NULL ||
      g_error_matches (local_error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_TRUNCATED) ||
      g_error_matches (local_error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_BLOCKED) ||
      g_error_matches (local_error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_DECLINED) ||
      g_error_matches (local_error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_QUOTA))
    return WABIZ_GEMINI_KEY_WORKS;

  refused = g_error_matches (local_error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_INVALID_KEY) ||
            g_error_matches (local_error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_PERMISSION_DENIED);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return refused ? WABIZ_GEMINI_KEY_REFUSED : WABIZ_GEMINI_KEY_UNCHECKED;
}
