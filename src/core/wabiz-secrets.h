/* wabiz-secrets.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a secret is for; stored as the "kind" attribute. */
typedef enum
{
  WABIZ_SECRET_ACCESS_TOKEN,
  WABIZ_SECRET_APP_SECRET,
  WABIZ_SECRET_VERIFY_TOKEN,
  WABIZ_SECRET_GEMINI_KEY,
  WABIZ_SECRET_DATABASE_PASSWORD,
  WABIZ_SECRET_API_KEY,
} WabizSecretKind;

const char *wabiz_secret_kind_to_string (WabizSecretKind       kind);
/* Overwrites the secret in *@secret with zeros, frees it and sets
 * *@secret to NULL: the one way WaBiz lets go of a secret it holds */
void        wabiz_secret_wipe           (char                **secret);

void        wabiz_secrets_store_async   (WabizSecretKind       kind,
                                         const char           *value,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean    wabiz_secrets_store_finish  (GAsyncResult         *result,
                                         GError              **error);
/* Returns %NULL without error when there is no such secret. */
void        wabiz_secrets_lookup_async  (WabizSecretKind       kind,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
char       *wabiz_secrets_lookup_finish (GAsyncResult         *result,
                                         GError              **error);
void        wabiz_secrets_clear_async   (WabizSecretKind       kind,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean    wabiz_secrets_clear_finish  (GAsyncResult         *result,
                                         GError              **error);

G_END_DECLS
