/* test-secrets.c: secrets in a real gnome-keyring over the session bus
 *
 * SPDX-License-Identifier: MIT
 *
 * build-aux/dev test runs the suite inside dbus-run-session with an
 * unlocked gnome-keyring and HOME in a temporary folder.
 */

#include "config.h"

#include <libsecret/secret.h>

#include "wabiz-secrets.h"
#include "wabiz-test-pg.h"

static void
test_round_trip (void)
{
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GAsyncResult) looked = NULL;
  g_autoptr(GAsyncResult) cleared = NULL;
  g_autoptr(GAsyncResult) gone = NULL;
  g_autoptr(GError) error = NULL;
  char *value;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_test_skip ("no session bus: run through build-aux/dev test");
      return;
    }

  wabiz_secrets_store_async (WABIZ_SECRET_GEMINI_KEY, "test-gemini-key-not-real", NULL,
                             wabiz_test_store_result_cb, &stored);
  wabiz_test_wait_result (&stored, 30);
  g_assert_true (wabiz_secrets_store_finish (stored, &error));
  g_assert_no_error (error);

  wabiz_secrets_lookup_async (WABIZ_SECRET_GEMINI_KEY, NULL, wabiz_test_store_result_cb, &looked);
  wabiz_test_wait_result (&looked, 30);
  value = wabiz_secrets_lookup_finish (looked, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "test-gemini-key-not-real");
  secret_password_free (value);

  wabiz_secrets_clear_async (WABIZ_SECRET_GEMINI_KEY, NULL, wabiz_test_store_result_cb, &cleared);
  wabiz_test_wait_result (&cleared, 30);
  g_assert_true (wabiz_secrets_clear_finish (cleared, &error));
  g_assert_no_error (error);

  wabiz_secrets_lookup_async (WABIZ_SECRET_GEMINI_KEY, NULL, wabiz_test_store_result_cb, &gone);
  wabiz_test_wait_result (&gone, 30);
  value = wabiz_secrets_lookup_finish (gone, &error);
  g_assert_no_error (error);
  g_assert_null (value);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secrets/round-trip", test_round_trip);

  return g_test_run ();
}
