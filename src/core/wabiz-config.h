/* wabiz-config.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * wabizd's settings, from the environment or a 0600 env file (DESIGN.md
 * "Interfaces"). Errors are WABIZ_ERROR_CONFIG and name the variable,
 * never its value.
 */
typedef struct
{
  char   *access_token;      /* ACCESS_TOKEN (secret) */
  char   *phone_number_id;   /* PHONE_NUMBER_ID */
  char   *waba_id;           /* WABA_ID */
  char   *verify_token;      /* VERIFY_TOKEN (secret) */
  char   *app_secret;        /* APP_SECRET (secret) */
  char   *gemini_api_key;    /* GEMINI_API_KEY (secret, nullable) */
  char   *database_url;      /* DATABASE_URL (secret: may hold a password; nullable: embedded) */
  char   *host;              /* HOST, default 127.0.0.1 */
  guint   port;              /* PORT, default 10000 */
  char   *api_key;           /* WABIZ_API_KEY (secret, nullable: REST answers 401) */
  char   *graph_url;         /* WABIZ_GRAPH_URL */
  char   *graph_version;     /* WABIZ_GRAPH_VERSION */
  char   *gemini_url;        /* WABIZ_GEMINI_URL */
  char   *gemini_model;      /* GEMINI_MODEL */
  double  send_rate;         /* WABIZ_SEND_RATE, messages per second */
} WabizConfig;

#define WABIZ_CONFIG_DEFAULT_GRAPH_URL "https://graph.facebook.com"
#define WABIZ_CONFIG_DEFAULT_GRAPH_VERSION "v21.0"
#define WABIZ_CONFIG_DEFAULT_GEMINI_URL "https://generativelanguage.googleapis.com"
#define WABIZ_CONFIG_DEFAULT_GEMINI_MODEL "gemini-2.5-pro"
#define WABIZ_CONFIG_DEFAULT_SEND_RATE 80.0

/* Reads @env_file (nullable; refused unless it is a regular file, not a
 * symbolic link, of the user running us, mode 0600) over the
 * environment: a variable set in the file wins. SUPABASE_URL or
 * SUPABASE_KEY (the old service's) without DATABASE_URL is refused, with
 * where to find the connection string. */
WabizConfig *wabiz_config_load            (const char   *env_file,
                                           GError      **error);
/* Parses NAME=value lines (comments, blank lines, "export ", quotes),
 * after the checks above on the open file. */
GHashTable  *wabiz_config_read_env_file   (const char   *path,
                                           GError      **error);
/* Applies --host / --port given on the command line (nullable / 0 = keep). */
gboolean     wabiz_config_override        (WabizConfig  *self,
                                           const char   *host,
                                           const char   *port,
                                           GError      **error);
void         wabiz_config_free            (WabizConfig  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizConfig, wabiz_config_free)

G_END_DECLS
