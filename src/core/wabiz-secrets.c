/* wabiz-secrets.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The app's secrets (Meta token, App Secret, verify token, Gemini key,
 * database password, REST API key) in the user's keyring through
 * libsecret, and nowhere else. wabizd on a server takes them from its
 * environment instead (see wabiz-config.c).
 */

#define G_LOG_DOMAIN "wabiz-secrets"

#include "config.h"

#include "wabiz-secrets.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include <string.h>

static const char *kind_names[] = {
  [WABIZ_SECRET_ACCESS_TOKEN] = "access-token",
  [WABIZ_SECRET_APP_SECRET] = "app-secret",
  [WABIZ_SECRET_VERIFY_TOKEN] = "verify-token",
  [WABIZ_SECRET_GEMINI_KEY] = "gemini-key",
  [WABIZ_SECRET_DATABASE_PASSWORD] = "database-password",
  [WABIZ_SECRET_API_KEY] = "api-key",
};

/* Translators: labels of WaBiz's entries in the keyring (Seahorse shows them) */
static const char *kind_labels[] = {
  [WABIZ_SECRET_ACCESS_TOKEN] = N_("WaBiz: Meta access token"),
  [WABIZ_SECRET_APP_SECRET] = N_("WaBiz: Meta App Secret"),
  [WABIZ_SECRET_VERIFY_TOKEN] = N_("WaBiz: webhook verify token"),
  [WABIZ_SECRET_GEMINI_KEY] = N_("WaBiz: Gemini API key"),
  [WABIZ_SECRET_DATABASE_PASSWORD] = N_("WaBiz: database password"),
  [WABIZ_SECRET_API_KEY] = N_("WaBiz: REST API key"),
};

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "org.example.WaBiz.Secret", SECRET_SCHEMA_NONE,
    {
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

const char *
wabiz_secret_kind_to_string (WabizSecretKind kind)
{
  g_return_val_if_fail (kind <= WABIZ_SECRET_API_KEY, NULL);

  return kind_names[kind];
}

void
wabiz_secret_wipe (char **secret)
{
  g_return_if_fail (secret != NULL);

  if (*secret != NULL)
    memset (*secret, 0, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
wabiz_secrets_store_async (WabizSecretKind      kind,
                           const char          *value,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (kind <= WABIZ_SECRET_API_KEY);
  g_return_if_fail (value != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_secrets_store_async);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, _(kind_labels[kind]), value,
                         cancellable, store_cb, g_steal_pointer (&task),
                         "kind", kind_names[kind], NULL);
}

gboolean
wabiz_secrets_store_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_secrets_store_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *value = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, (GDestroyNotify) secret_password_free);
}

void
wabiz_secrets_lookup_async (WabizSecretKind      kind,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (kind <= WABIZ_SECRET_API_KEY);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_secrets_lookup_async);
  secret_password_lookup (get_schema (), cancellable, lookup_cb, g_steal_pointer (&task),
                          "kind", kind_names[kind], NULL);
}

/**
 * wabiz_secrets_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the secret; free it with
 *   secret_password_free(), which wipes it
 */
char *
wabiz_secrets_lookup_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_secrets_lookup_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
wabiz_secrets_clear_async (WabizSecretKind      kind,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (kind <= WABIZ_SECRET_API_KEY);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_secrets_clear_async);
  secret_password_clear (get_schema (), cancellable, clear_cb, g_steal_pointer (&task),
                         "kind", kind_names[kind], NULL);
}

gboolean
wabiz_secrets_clear_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_secrets_clear_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
