/* test-conninfo.c: connection strings as pasted, and the check before
 * they are saved
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "wabiz-conninfo.h"
#include "wabiz-error.h"
#include "wabiz-test-pg.h"

static void
test_clean (void)
{
  g_autofree char *secret = wabiz_test_random_password ();
  g_autofree char *url = g_strdup_printf ("postgresql://postgres:%s@db.example-ref.supabase.co:5432/postgres",
                                          secret);
  g_autofree char *password = NULL;
  g_autofree char *clean = NULL;

  /* Supabase's: the password out, TLS required */
  clean = wabiz_conninfo_clean (url, &password);
  g_assert_cmpstr (password, ==, secret);
  g_assert_null (strstr (clean, secret));
  g_assert_nonnull (strstr (clean, "host='db.example-ref.supabase.co'"));
  g_assert_nonnull (strstr (clean, "sslmode='require'"));
  g_clear_pointer (&password, g_free);
  g_clear_pointer (&clean, g_free);

  /* this computer: no TLS asked for */
  clean = wabiz_conninfo_clean ("host=/tmp/s port=5432 dbname=x", &password);
  g_assert_null (password);
  g_assert_null (strstr (clean, "sslmode"));
  g_clear_pointer (&clean, g_free);

  g_assert_null (wabiz_conninfo_clean ("db.example-ref.supabase.co", &password));
}

static void
test_check (void)
{
  g_autofree char *conninfo = wabiz_test_pg_new_database ();
  g_autofree char *clean = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *password = NULL;
  g_autoptr(GSocket) closed = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  /* nothing listens there */
  closed = wabiz_test_closed_port (&port);
  bad = g_strdup_printf ("host=127.0.0.1 port=%u dbname=postgres user=postgres", port);
  wabiz_conninfo_check_async (bad, "pw", NULL, wabiz_test_store_result_cb, &result);
  g_assert_false (wabiz_conninfo_check_finish (wabiz_test_wait_result (&result, 30), &error));
  g_assert_error (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE);
  g_clear_object (&result);
  g_clear_error (&error);

  /* Supabase's transaction pooler: refused before any connection */
  wabiz_conninfo_check_async ("host=aws-0-eu-central-1.pooler.supabase.com port=6543"
                              " user=postgres.abcdefghijklmnop dbname=postgres sslmode=require",
                              NULL, NULL, wabiz_test_store_result_cb, &result);
  g_assert_false (wabiz_conninfo_check_finish (wabiz_test_wait_result (&result, 30), &error));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "5432"));
  g_clear_object (&result);
  g_clear_error (&error);

  /* the test server (it asks for no password) */
  clean = wabiz_conninfo_clean (conninfo, &password);
  wabiz_conninfo_check_async (clean, NULL, NULL, wabiz_test_store_result_cb, &result);
  g_assert_true (wabiz_conninfo_check_finish (wabiz_test_wait_result (&result, 30), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* cancelled */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    wabiz_conninfo_check_async (clean, NULL, cancellable, wabiz_test_store_result_cb, &result);
    g_cancellable_cancel (cancellable);
    g_assert_false (wabiz_conninfo_check_finish (wabiz_test_wait_result (&result, 30), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wabiz/conninfo/clean", test_clean);
  g_test_add_func ("/wabiz/conninfo/check", test_check);

  return g_test_run ();
}
