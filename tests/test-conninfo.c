/* test-conninfo.c: connection strings as pasted, and the check before
 * they are saved
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <glib/gstdio.h>
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

  /* Supabase's: the password out, TLS required, with the server
   * verified (require alone encrypts, but to whoever answers) */
  clean = wabiz_conninfo_clean (url, &password);
  g_assert_cmpstr (password, ==, secret);
  g_assert_null (strstr (clean, secret));
  g_assert_nonnull (strstr (clean, "host='db.example-ref.supabase.co'"));
  g_assert_nonnull (strstr (clean, "sslmode='verify-full'"));
  g_assert_null (strstr (clean, "sslmode='require'"));
  g_clear_pointer (&password, g_free);
  g_clear_pointer (&clean, g_free);

  /* asking for less is raised to verify-full; the CA file is kept */
  {
    const char *weak[] = { "disable", "allow", "prefer", "require", "verify-ca", NULL };

    for (guint i = 0; weak[i] != NULL; i++)
      {
        g_autofree char *text = g_strdup_printf ("postgresql://postgres:%s@aws-0-eu-central-1.pooler.supabase.com"
                                                 ":5432/postgres?sslmode=%s&sslrootcert=/etc/wabiz/ca.crt",
                                                 secret, weak[i]);
        g_autofree char *mode = g_strdup_printf ("sslmode='%s'", weak[i]);

        clean = wabiz_conninfo_clean (text, &password);
        g_assert_nonnull (clean);
        g_assert_null (strstr (clean, mode));
        g_assert_nonnull (strstr (clean, "sslmode='verify-full'"));
        g_assert_nonnull (strstr (clean, "sslrootcert='/etc/wabiz/ca.crt'"));
        g_assert_null (strstr (clean, secret));
        g_clear_pointer (&password, g_free);
        g_clear_pointer (&clean, g_free);
      }
  }

  /* loopback over TCP: as given */
  clean = wabiz_conninfo_clean ("postgresql://wabiz@[::1]:5433/app?sslmode=disable", &password);
  g_assert_nonnull (strstr (clean, "sslmode='disable'"));
  g_clear_pointer (&clean, g_free);

  /* this computer: no TLS asked for */
  clean = wabiz_conninfo_clean ("host=/tmp/s port=5432 dbname=x", &password);
  g_assert_null (password);
  g_assert_null (strstr (clean, "sslmode"));
  g_clear_pointer (&clean, g_free);

  g_assert_null (wabiz_conninfo_clean ("db.example-ref.supabase.co", &password));
}

/* Which connection strings reach another computer */
static void
test_local (void)
{
  const char *local[] = {
    "",
    "dbname=x",
    "host=/tmp/s port=5432 dbname=x",
    "host=/var/run/postgresql,/tmp dbname=x",
    "host=@abstract dbname=x",
    "host=localhost dbname=x",
    "host=LOCALHOST dbname=x",
    "host=127.0.0.1 port=5433",
    "host=127.6.7.8",
    "host=::1",
    "host=::ffff:127.0.0.1",
    "host=localhost,127.0.0.1,::1",
    "hostaddr=127.0.0.1",
    "host=db.example.com hostaddr=127.0.0.1",
    "postgresql:///x",
    "postgresql://localhost/x",
    "postgresql://u:pw@127.0.0.1:5432/x",
    "postgresql://u@[::1]:5432/x?sslmode=disable",
    "postgresql://%2Fvar%2Frun%2Fpostgresql/x",
    "postgresql:///x?host=/tmp",
    "postgres://localhost,127.0.0.2:5433/x",
    NULL
  };
  const char *remote[] = {
    "host=db.example-ref.supabase.co dbname=postgres",
    "host=aws-0-eu-central-1.pooler.supabase.com port=5432",
    "host=10.0.0.5",
    "host=192.168.1.20",
    "host=0.0.0.0",
    "host=128.0.0.1",
    "host=2001:db8::1",
    "host=::2",
    "host=fe80::1%eth0",
    "host=localhost.example.com",
    "host=127.0.0.1.nip.io",
    "host=localhost,db.example.com",
    "host=/tmp hostaddr=192.0.2.1",
    "host=localhost hostaddr=10.1.2.3",
    "hostaddr=127.0.0.1,192.0.2.1",
    "postgresql://u:pw@db.example-ref.supabase.co:5432/postgres",
    "postgresql://u@[2001:db8::7]:5432/x",
    "postgresql://u@192.0.2.1/x",
    "postgresql://localhost,db.example.com/x",
    "postgresql:///x?host=db.example.com",
    "postgresql:///x?hostaddr=192.0.2.1",
    "service=wabiz",
    NULL
  };

  for (guint i = 0; local[i] != NULL; i++)
    if (!wabiz_conninfo_is_local (local[i]))
      g_error ("“%s” taken for another computer", local[i]);
  for (guint i = 0; remote[i] != NULL; i++)
    if (wabiz_conninfo_is_local (remote[i]))
      g_error ("“%s” taken for this computer", remote[i]);
}

/* TLS to another computer: verify-full, with a CA certificate to verify
 * against; anything less is refused, saying what to add */
static void
test_tls (void)
{
  g_autofree char *secret = wabiz_test_random_password ();
  g_autofree char *dir = wabiz_test_make_tmpdir ("wzcni");
  g_autofree char *ca = g_build_filename (dir, "prod-ca-2021.crt", NULL);
  g_autofree char *home = g_build_filename (dir, "home", NULL);
  g_autofree char *default_ca = g_build_filename (home, ".postgresql", "root.crt", NULL);
  g_autofree char *saved_home = g_strdup (g_getenv ("HOME"));
  const char *hosts[] = {
    /* key=value, URI, IPv4, IPv6, a name, and a name with its address */
    "host=db.example-ref.supabase.co dbname=postgres password=%s",
    "postgresql://postgres.ref:%s@aws-0-eu-central-1.pooler.supabase.com:5432/postgres",
    "host=192.0.2.1 password=%s",
    "postgresql://postgres:%s@[2001:db8::1]:5432/postgres",
    "host=/tmp hostaddr=10.0.0.1 password=%s",
    "postgresql://postgres:%s@localhost,db.example.com/postgres",
  };
  const char *weak[] = { NULL, "disable", "allow", "prefer", "require", "verify-ca" };
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (ca, "-----BEGIN CERTIFICATE-----\n", -1, NULL));
  g_unsetenv ("PGSSLMODE");
  g_unsetenv ("PGSSLROOTCERT");
  g_unsetenv ("PGHOST");
  g_unsetenv ("PGHOSTADDR");
  g_unsetenv ("PGSERVICE");
  g_setenv ("HOME", home, TRUE);

  for (guint h = 0; h < G_N_ELEMENTS (hosts); h++)
    for (guint m = 0; m < G_N_ELEMENTS (weak); m++)
      {
        g_autofree char *base = g_strdup_printf (hosts[h], secret);
        gboolean uri = g_str_has_prefix (base, "postgresql:");
        g_autofree char *text = NULL;

        if (weak[m] == NULL)
          text = g_strdup_printf ("%s%ssslrootcert=%s", base, uri ? "?" : " ", ca);
        else
          text = g_strdup_printf ("%s%ssslmode=%s%ssslrootcert=%s", base, uri ? "?" : " ", weak[m],
                                  uri ? "&" : " ", ca);

        g_assert_false (wabiz_conninfo_check_tls (text, &error));
        g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG);
        g_test_message ("%s", error->message);
        g_assert_nonnull (strstr (error->message, "sslmode=verify-full"));
        g_assert_nonnull (strstr (error->message, "sslrootcert="));
        g_assert_nonnull (strstr (error->message, "SSL Configuration"));
        if (weak[m] != NULL)
          {
            g_autofree char *asked = g_strdup_printf ("sslmode=%s", weak[m]);
            g_assert_nonnull (strstr (error->message, asked));
          }
        g_assert_null (strstr (error->message, secret));
        g_clear_error (&error);
      }

  /* verify-full with the CA: taken, in both forms */
  {
    g_autofree char *kv = g_strdup_printf ("host=db.example-ref.supabase.co password=%s"
                                           " sslmode=verify-full sslrootcert=%s", secret, ca);
    g_autofree char *uri = g_strdup_printf ("postgresql://postgres:%s@[2001:db8::1]/postgres"
                                            "?sslmode=verify-full&sslrootcert=%s", secret, ca);

    g_assert_true (wabiz_conninfo_check_tls (kv, &error));
    g_assert_no_error (error);
    g_assert_true (wabiz_conninfo_check_tls (uri, &error));
    g_assert_no_error (error);
  }

  /* verify-full, CA file missing: says where Supabase's is */
  {
    g_autofree char *text = g_strdup_printf ("host=db.example-ref.supabase.co password=%s"
                                             " sslmode=verify-full sslrootcert=%s/none.crt", secret, dir);

    g_assert_false (wabiz_conninfo_check_tls (text, &error));
    g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "none.crt"));
    g_assert_nonnull (strstr (error->message, "SSL Configuration"));
    g_assert_null (strstr (error->message, secret));
    g_clear_error (&error);
  }

  /* verify-full and no sslrootcert: libpq's ~/.postgresql/root.crt */
  {
    g_autofree char *text = g_strdup_printf ("postgresql://postgres:%s@db.example-ref.supabase.co/postgres"
                                             "?sslmode=verify-full", secret);
    g_autofree char *default_ca_dir = g_path_get_dirname (default_ca);

    /* libpq looks in $HOME (else the account's home folder) */
    g_assert_false (wabiz_conninfo_check_tls (text, &error));
    g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "sslrootcert="));
    g_assert_nonnull (strstr (error->message, default_ca));
    g_assert_null (strstr (error->message, secret));
    g_clear_error (&error);

    g_assert_cmpint (g_mkdir_with_parents (default_ca_dir, 0700), ==, 0);
    g_assert_true (g_file_set_contents (default_ca, "-----BEGIN CERTIFICATE-----\n", -1, NULL));
    g_assert_true (wabiz_conninfo_check_tls (text, &error));
    g_assert_no_error (error);
  }

  /* libpq's environment counts as it would for the connection */
  g_setenv ("PGSSLMODE", "verify-full", TRUE);
  g_assert_true (wabiz_conninfo_check_tls ("host=db.example-ref.supabase.co", &error));
  g_assert_no_error (error);
  g_setenv ("PGSSLMODE", "require", TRUE);
  g_assert_false (wabiz_conninfo_check_tls ("host=db.example-ref.supabase.co", &error));
  g_clear_error (&error);
  g_assert_true (wabiz_conninfo_check_tls ("host=db.example-ref.supabase.co sslmode=verify-full", &error));
  g_assert_no_error (error);
  g_unsetenv ("PGSSLMODE");
  g_setenv ("PGHOST", "db.example-ref.supabase.co", TRUE);
  g_assert_false (wabiz_conninfo_check_tls ("dbname=postgres", &error));
  g_clear_error (&error);
  g_unsetenv ("PGHOST");

  /* this computer: any sslmode, or none */
  {
    const char *local[] = {
      "host=/tmp/s dbname=x sslmode=disable",
      "dbname=x",
      "host=127.0.0.1 sslmode=prefer",
      "host=::1 sslmode=allow",
      "postgresql://u:pw@localhost:5432/x",
      "postgresql://u@[::1]/x?sslmode=disable",
      NULL
    };

    for (guint i = 0; local[i] != NULL; i++)
      {
        g_assert_true (wabiz_conninfo_check_tls (local[i], &error));
        g_assert_no_error (error);
      }
  }

  /* one that does not parse is left to libpq's own words */
  g_assert_true (wabiz_conninfo_check_tls ("host='unterminated", &error));
  g_assert_no_error (error);

  if (saved_home != NULL)
    g_setenv ("HOME", saved_home, TRUE);
  else
    g_unsetenv ("HOME");
  wabiz_test_rm_rf (dir);
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

  /* another computer without verify-full: refused before any connection
   * (the address is TEST-NET-1, which nothing answers) */
  {
    g_autofree char *secret = wabiz_test_random_password ();
    g_autofree char *remote = g_strdup_printf ("host=db.example-ref.supabase.co hostaddr=192.0.2.1"
                                               " dbname=postgres sslmode=require connect_timeout=1"
                                               " password=%s", secret);

    wabiz_conninfo_check_async (remote, secret, NULL, wabiz_test_store_result_cb, &result);
    g_assert_false (wabiz_conninfo_check_finish (wabiz_test_wait_result (&result, 30), &error));
    g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_CONFIG);
    g_assert_nonnull (strstr (error->message, "sslmode=verify-full"));
    g_assert_null (strstr (error->message, secret));
    g_clear_object (&result);
    g_clear_error (&error);
  }

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
  g_test_add_func ("/wabiz/conninfo/local", test_local);
  g_test_add_func ("/wabiz/conninfo/tls", test_tls);
  g_test_add_func ("/wabiz/conninfo/check", test_check);

  return g_test_run ();
}
