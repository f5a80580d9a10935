/* wabiz-webhook-ways.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The three ways Meta's webhooks can reach WaBiz, each explained and
 * checked, for the setup assistant and Preferences:
 *
 * - the relay: the Edge Function installed with WaBiz
 *   (PKGDATADIR/supabase/functions/wabiz-webhook), the exact supabase
 *   commands to deploy it and set its secrets, and the Callback URL for
 *   Meta, from the Supabase project ref in the connection string; then
 *   what the relay recorded in webhook_relay_status (Meta's verification
 *   request, the first delivery, a refusal and why), followed as it
 *   happens (changed::webhook_events, and a look every few seconds: the
 *   verification is not announced);
 * - wabizd on an always-on machine: its env file and systemd unit,
 *   filled in with this setup's values, the secrets left as marked
 *   places to paste them;
 * - a tunnel the user has: Meta's GET handshake sent through the public
 *   address they give, off the main loop, with a timeout, and a sentence
 *   for each way it can fail. In the setup assistant, where no webhook
 *   server runs yet, this window answers the handshake itself on the
 *   server's address while it checks.
 */

#define G_LOG_DOMAIN "wabiz-webhook-ways"

#include "config.h"

#include "wabiz-secrets.h"
#include "wabiz-webhook-status.h"
#include "wabiz-webhook-ways.h"

#include <glib/gi18n.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>
#include <string.h>

/* How long the tunnel gets to answer */
#define TUNNEL_TIMEOUT_S 15
/* How often the relay's status is looked at while it is shown */
#define RELAY_POLL_S     3

struct _WabizWebhookWays
{
  GtkBox           parent_instance;

  GSettings       *settings;        /* (owned) (nullable) */
  char            *conninfo;        /* (owned) (nullable): NULL for the built-in database */
  char            *verify_token;    /* (owned) (nullable) */
  char            *phone_number_id; /* (owned) (nullable): typed, not saved yet */
  char            *waba_id;         /* (owned) (nullable): typed, not saved yet */
  WabizDb         *db;              /* (owned) (nullable) */
  WabizDbListener *listener;        /* (owned) (nullable) */
  gboolean         answer_locally;
  gboolean         loading;

  char            *relay_problem;   /* (owned) (nullable) */
  char            *relay_url;       /* (owned) (nullable) */
  char            *relay_commands;  /* (owned) */
  char            *env_file;        /* (owned) */
  char            *unit;            /* (owned) */
  char            *relay_verified;  /* (owned) (nullable): as shown */
  char            *relay_event;     /* (owned) (nullable): as shown */

  GCancellable    *status_cancellable;  /* (owned) (nullable): a look in flight */
  guint            poll_source;

  GCancellable    *check_cancellable;   /* (owned) (nullable): a tunnel check in flight */
  SoupServer      *answerer;            /* (owned) (nullable): while checking, in the assistant */
  char            *tunnel_result;       /* (owned) (nullable) */
  gboolean         tunnel_ok;

  /* template children */
  GtkCheckButton  *relay_check;
  GtkCheckButton  *server_check;
  GtkCheckButton  *tunnel_check;
  GtkStack        *stack;
  GtkLabel        *relay_problem_label;
  GtkWidget       *relay_box;
  GtkWidget       *relay_status_group;
  GtkLabel        *relay_intro_label;
  GtkLabel        *relay_commands_label;
  GtkLabel        *relay_url_label;
  AdwActionRow    *relay_verified_row;
  GtkImage        *relay_verified_icon;
  AdwActionRow    *relay_event_row;
  GtkImage        *relay_event_icon;
  AdwActionRow    *relay_refused_row;
  GtkLabel        *env_label;
  GtkLabel        *unit_label;
  AdwEntryRow     *tunnel_url_row;
  GtkStack        *tunnel_button_stack;
  GtkImage        *tunnel_result_icon;
  GtkLabel        *tunnel_result_label;
};

G_DEFINE_FINAL_TYPE (WabizWebhookWays, wabiz_webhook_ways, GTK_TYPE_BOX)

G_DEFINE_ENUM_TYPE (WabizWebhookWay, wabiz_webhook_way,
                    G_DEFINE_ENUM_VALUE (WABIZ_WEBHOOK_WAY_RELAY, "relay"),
                    G_DEFINE_ENUM_VALUE (WABIZ_WEBHOOK_WAY_SERVER, "server"),
                    G_DEFINE_ENUM_VALUE (WABIZ_WEBHOOK_WAY_TUNNEL, "tunnel"))

enum {
  PROP_0,
  PROP_WAY,
  PROP_CHECKING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_TUNNEL_CHECKED,
  SIGNAL_RELAY_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void look_at_relay (WabizWebhookWays *self);

/* ------------------------------------------------------------------ */
/* what is shown */

/* The Supabase project ref of @conninfo: the host db.<ref>.supabase.co,
 * or the pooler's user postgres.<ref>; NULL for another server */
static char *
dup_project_ref (const char *conninfo)
{
  PQconninfoOption *options;
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  char *ref = NULL;

  if (conninfo == NULL)
    return NULL;
  options = PQconninfoParse (conninfo, NULL);
  if (options == NULL)
    return NULL;
  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    {
      if (g_str_equal (o->keyword, "host") && o->val != NULL)
        host = g_ascii_strdown (o->val, -1);
      else if (g_str_equal (o->keyword, "user") && o->val != NULL)
        user = g_strdup (o->val);
    }
  PQconninfoFree (options);

  if (host != NULL && g_str_has_prefix (host, "db.") && g_str_has_suffix (host, ".supabase.co") &&
      strlen (host) > strlen ("db..supabase.co"))
    ref = g_strndup (host + 3, strlen (host) - strlen ("db..supabase.co"));
  else if (host != NULL && g_str_has_suffix (host, ".pooler.supabase.com") && user != NULL &&
           g_str_has_prefix (user, "postgres.") && user[strlen ("postgres.")] != '\0')
    ref = g_strdup (user + strlen ("postgres."));

  /* a ref is lower-case letters and digits */
  for (const char *p = ref; p != NULL && *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      {
        g_clear_pointer (&ref, g_free);
        break;
      }
  return ref;
}

static char *
settings_string (WabizWebhookWays *self,
                 const char       *key,
                 const char       *fallback)
{
  if (self->settings == NULL)
    return g_strdup (fallback);
  return g_settings_get_string (self->settings, key);
}

/* The database's connection string for wabizd, the password as a place
 * to paste it */
static char *
dup_database_url (WabizWebhookWays *self)
{
  const char *paste = _("<paste the database password>");

  if (self->conninfo == NULL)
    return NULL;
  if (g_str_has_prefix (self->conninfo, "postgres://") ||
      g_str_has_prefix (self->conninfo, "postgresql://"))
    return g_strdup_printf ("%s%spassword=%s", self->conninfo,
                            strchr (self->conninfo, '?') != NULL ? "&" : "?", paste);
  return g_strdup_printf ("%s password=%s", self->conninfo, paste);
}

static void
build_env_file (WabizWebhookWays *self)
{
  g_autofree char *phone_number_id = self->phone_number_id != NULL ? g_strdup (self->phone_number_id)
                                                                   : settings_string (self, "phone-number-id", "");
  g_autofree char *waba_id = self->waba_id != NULL ? g_strdup (self->waba_id)
                                                   : settings_string (self, "waba-id", "");
  g_autofree char *graph_url = settings_string (self, "graph-url", "");
  g_autofree char *graph_version = settings_string (self, "graph-version", "");
  g_autofree char *gemini_model = settings_string (self, "gemini-model", "");
  g_autofree char *database_url = dup_database_url (self);
  GString *env = g_string_new (NULL);

  /* Translators: the lines that start with # are comments of a settings file */
  g_string_append_printf (env, "# %s\n", _("wabizd’s settings: /etc/wabiz/wabizd.env, mode 0600"));
  g_string_append_printf (env, "PHONE_NUMBER_ID=%s\n", phone_number_id);
  g_string_append_printf (env, "WABA_ID=%s\n", waba_id);
  g_string_append_printf (env, "ACCESS_TOKEN=%s\n", _("<paste the access token>"));
  g_string_append_printf (env, "APP_SECRET=%s\n", _("<paste the App Secret>"));
  g_string_append_printf (env, "VERIFY_TOKEN=%s\n", _("<paste the verify token>"));
  g_string_append_printf (env, "# %s\n", _("the REST API’s key, for your scripts: openssl rand -hex 32"));
  g_string_append_printf (env, "WABIZ_API_KEY=%s\n", _("<paste a key of at least 32 characters>"));
  if (database_url != NULL)
    g_string_append_printf (env, "DATABASE_URL=%s\n", database_url);
  else
    g_string_append_printf (env, "# %s\n",
                            _("no DATABASE_URL: wabizd keeps a database of its own, which this "
                              "computer does not see; choose a Supabase database to share it"));
  g_string_append (env, "HOST=127.0.0.1\nPORT=10000\n");
  if (*graph_url != '\0' && !g_str_equal (graph_url, "https://graph.facebook.com"))
    g_string_append_printf (env, "WABIZ_GRAPH_URL=%s\n", graph_url);
  if (*graph_version != '\0')
    g_string_append_printf (env, "WABIZ_GRAPH_VERSION=%s\n", graph_version);
  g_string_append_printf (env, "# %s\n", _("optional: Gemini writes templates and replies"));
  g_string_append_printf (env, "GEMINI_API_KEY=%s\n", _("<paste the Gemini API key, or remove this line>"));
  if (*gemini_model != '\0')
    g_string_append_printf (env, "GEMINI_MODEL=%s\n", gemini_model);

  g_free (self->env_file);
  self->env_file = g_string_free (env, FALSE);
  gtk_label_set_label (self->env_label, self->env_file);
}

static void
build_unit (WabizWebhookWays *self)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GString) unit = NULL;
  g_autofree char *share = g_path_get_dirname (PKGDATADIR);
  g_autofree char *prefix = g_path_get_dirname (share);
  g_autofree char *bindir = g_build_filename (prefix, "bin", NULL);

  bytes = g_resources_lookup_data ("/org/example/WaBiz/ui/wabizd.service", 0, NULL);
  g_assert (bytes != NULL);
  unit = g_string_new_len (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_string_replace (unit, "@bindir@", bindir, 0);

  g_free (self->unit);
  self->unit = g_string_free (g_steal_pointer (&unit), FALSE);
  gtk_label_set_label (self->unit_label, self->unit);
}

static void
build_relay (WabizWebhookWays *self)
{
  g_autofree char *ref = dup_project_ref (self->conninfo);
  g_autofree char *folder = g_build_filename (PKGDATADIR, "supabase", NULL);
  g_autofree char *function = g_build_filename (folder, "functions", "wabiz-webhook", "index.ts",
                                                NULL);
  g_autofree char *intro = NULL;
  const char *problem = NULL;

  g_clear_pointer (&self->relay_url, g_free);
  g_clear_pointer (&self->relay_problem, g_free);

  if (self->conninfo == NULL)
    problem = _("The relay stores Meta’s deliveries in your Supabase database, and this setup "
                "keeps the data on this computer. Choose a Supabase database to use the relay, "
                "or another way.");
  else if (ref == NULL)
    problem = _("The relay runs in a Supabase project, and this database is not a Supabase "
                "project’s. Use its connection string from Supabase (Project Settings → "
                "Database), or another way.");
  self->relay_problem = g_strdup (problem);
  gtk_label_set_label (self->relay_problem_label, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->relay_problem_label), problem != NULL);
  gtk_widget_set_visible (self->relay_box, problem == NULL);
  gtk_widget_set_visible (self->relay_status_group, problem == NULL && self->db != NULL);

  g_free (self->relay_commands);
  if (ref == NULL)
    {
      self->relay_commands = g_strdup ("");
      gtk_label_set_label (self->relay_commands_label, "");
      gtk_label_set_label (self->relay_url_label, "");
      return;
    }

  /* Translators: %s is the relay's file, installed with WaBiz */
  intro = g_strdup_printf (_("The relay is installed with WaBiz, in %s. With the Supabase "
                             "command-line tool installed, run these in a terminal; replace "
                             "<paste the App Secret> with the App Secret from Meta’s App "
                             "Dashboard (App settings → Basic)."),
                           function);
  gtk_label_set_label (self->relay_intro_label, intro);

  self->relay_commands =
    g_strdup_printf ("mkdir -p ~/wabiz-relay && cp -r %s ~/wabiz-relay/\n"
                     "cd ~/wabiz-relay\n"
                     "supabase login\n"
                     "supabase secrets set --project-ref %s APP_SECRET='%s' VERIFY_TOKEN='%s'\n"
                     "supabase functions deploy wabiz-webhook --project-ref %s --no-verify-jwt",
                     folder, ref, _("<paste the App Secret>"),
                     self->verify_token != NULL ? self->verify_token : _("<paste the verify token>"),
                     ref);
  gtk_label_set_label (self->relay_commands_label, self->relay_commands);

  self->relay_url = g_strdup_printf ("https://%s.supabase.co/functions/v1/wabiz-webhook", ref);
  gtk_label_set_label (self->relay_url_label, self->relay_url);
}

static void
rebuild (WabizWebhookWays *self)
{
  build_relay (self);
  build_env_file (self);
  build_unit (self);
}

/* ------------------------------------------------------------------ */
/* the relay's status */

static void
set_relay_row (AdwActionRow *row,
               GtkImage     *icon,
               char        **shown,
               gint64        at,
               const char   *waiting)
{
  g_free (*shown);
  *shown = NULL;
  if (at > 0)
    {
      g_autofree char *when = wabiz_webhook_status_format_time (at);

      /* Translators: %s is when, e.g. “3 minutes ago” */
      *shown = g_strdup_printf (_("Arrived %s"), when);
      adw_action_row_set_subtitle (row, *shown);
      gtk_image_set_from_icon_name (icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (icon), "success");
    }
  else
    {
      adw_action_row_set_subtitle (row, waiting);
      gtk_image_set_from_icon_name (icon, "content-loading-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (icon), "success");
    }
}

static void
relay_status_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WabizWebhookWays *self = user_data;
  g_autoptr(WabizWebhookStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  status = wabiz_webhook_status_get_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->status_cancellable);
  if (status == NULL)
    {
      g_debug ("Cannot read the relay's status: %s", error->message);
      return;
    }

  if (!status->has_relay_table)
    {
      adw_action_row_set_subtitle (self->relay_verified_row,
                                   _("The database has no relay tables yet: WaBiz adds them "
                                     "when it first opens the database"));
      return;
    }
  set_relay_row (self->relay_verified_row, self->relay_verified_icon, &self->relay_verified,
                 status->relay_verified_at,
                 _("Waiting… Press Verify and Save in Meta’s webhook settings"));
  set_relay_row (self->relay_event_row, self->relay_event_icon, &self->relay_event,
                 status->relay_event_at,
                 _("Waiting… Send a message to your WhatsApp number from a phone"));
  gtk_widget_set_visible (GTK_WIDGET (self->relay_refused_row), status->relay_refused_at > 0);
  if (status->relay_refused_at > 0)
    {
      g_autofree char *when = wabiz_webhook_status_format_time (status->relay_refused_at);
      /* Translators: %s is when, then what it means and what to do */
      g_autofree char *text = g_strdup_printf (_("%s: %s"), when,
                                               wabiz_webhook_status_explain_refusal (status->relay_refused_reason));

      adw_action_row_set_subtitle (self->relay_refused_row, text);
    }
  g_signal_emit (self, signals[SIGNAL_RELAY_CHANGED], 0);
}

static void
look_at_relay (WabizWebhookWays *self)
{
  if (self->db == NULL || self->relay_problem != NULL ||
      wabiz_webhook_ways_get_way (self) != WABIZ_WEBHOOK_WAY_RELAY || self->status_cancellable != NULL)
    return;

  self->status_cancellable = g_cancellable_new ();
  wabiz_webhook_status_get_async (self->db, self->status_cancellable, relay_status_cb, self);
}

static gboolean
poll_cb (gpointer user_data)
{
  look_at_relay (user_data);
  return G_SOURCE_CONTINUE;
}

static void
update_polling (WabizWebhookWays *self)
{
  gboolean poll = self->db != NULL && self->relay_problem == NULL &&
                  wabiz_webhook_ways_get_way (self) == WABIZ_WEBHOOK_WAY_RELAY;

  if (poll && self->poll_source == 0)
    self->poll_source = g_timeout_add_seconds (RELAY_POLL_S, poll_cb, self);
  else if (!poll)
    g_clear_handle_id (&self->poll_source, g_source_remove);
  if (poll)
    look_at_relay (self);
}

/* ------------------------------------------------------------------ */
/* the way */

static void
show_way (WabizWebhookWays *self)
{
  static const char * const pages[] = { "relay", "server", "tunnel" };

  gtk_stack_set_visible_child_name (self->stack, pages[wabiz_webhook_ways_get_way (self)]);
  update_polling (self);
}

static void
way_toggled_cb (WabizWebhookWays *self,
                GtkCheckButton   *check)
{
  if (!gtk_check_button_get_active (check))
    return;
  show_way (self);
  if (!self->loading && self->settings != NULL)
    g_settings_set_enum (self->settings, "webhook-way", wabiz_webhook_ways_get_way (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAY]);
}

/* ------------------------------------------------------------------ */
/* the tunnel */

static void
show_tunnel_result (WabizWebhookWays *self,
                    gboolean          ok,
                    const char       *text)
{
  g_free (self->tunnel_result);
  self->tunnel_result = g_strdup (text);
  self->tunnel_ok = ok;
  gtk_label_set_label (self->tunnel_result_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->tunnel_result_icon), text != NULL);
  gtk_image_set_from_icon_name (self->tunnel_result_icon,
                                ok ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  if (ok)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->tunnel_result_icon), "success");
      gtk_widget_remove_css_class (GTK_WIDGET (self->tunnel_result_icon), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->tunnel_url_row), "error");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->tunnel_result_icon), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->tunnel_result_icon), "success");
      if (text != NULL)
        gtk_widget_add_css_class (GTK_WIDGET (self->tunnel_url_row), "error");
    }
}

static void
stop_answerer (WabizWebhookWays *self)
{
  if (self->answerer == NULL)
    return;
  soup_server_disconnect (self->answerer);
  g_clear_object (&self->answerer);
}

static void
end_check (WabizWebhookWays *self,
           gboolean          ok,
           const char       *text)
{
  g_clear_object (&self->check_cancellable);
  stop_answerer (self);
  gtk_stack_set_visible_child_name (self->tunnel_button_stack, "button");
  show_tunnel_result (self, ok, text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKING]);
  g_signal_emit (self, signals[SIGNAL_TUNNEL_CHECKED], 0, ok);
}

typedef struct
{
  WabizWebhookWays *self;       /* (owned) */
  GCancellable     *cancellable; /* (owned) */
  char             *url;        /* (owned) what the user gave */
  char             *challenge;  /* (owned) */
  char             *local;      /* (owned) (nullable): this computer's server */
  SoupSession      *session;    /* (owned) (nullable) */
} TunnelCheck;

static void
tunnel_check_free (TunnelCheck *check)
{
  g_object_unref (check->self);
  g_object_unref (check->cancellable);
  g_free (check->url);
  g_free (check->challenge);
  g_free (check->local);
  g_clear_object (&check->session);
  g_free (check);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TunnelCheck, tunnel_check_free)

/* What failed, as the user can act on it */
static char *
explain_failure (TunnelCheck *check,
                 GError      *error,
                 guint        status,
                 GBytes      *body)
{
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        return g_strdup_printf (_("No answer came within %d seconds. Is the tunnel running, and "
                                  "does it lead to this computer?"),
                                TUNNEL_TIMEOUT_S);
      if (error->domain == G_TLS_ERROR)
        return g_strdup (_("The address’s HTTPS certificate is not valid, and Meta would refuse it "
                           "too. Use the address your tunnel service gives, with its "
                           "certificate."));
      if (error->domain == G_RESOLVER_ERROR)
        return g_strdup (_("This address’s host name is not known. Check the address your tunnel "
                           "service shows, and that the tunnel is running."));
      /* Translators: %s is the system's own message */
      return g_strdup_printf (_("Nothing answers at this address (%s). Start the tunnel, and check "
                                "the address it shows."),
                              error->message);
    }

  if (status == SOUP_STATUS_OK)
    return g_strdup (_("Something answered, but not with Meta’s challenge: the tunnel does not "
                       "lead to WaBiz’s webhook. Point it at this computer’s webhook server."));
  if (status == SOUP_STATUS_FORBIDDEN)
    return g_strdup (_("WaBiz answered, but refused the verify token: the webhook server behind "
                       "the tunnel has another one. Save the same verify token here and in "
                       "Meta’s settings, then reconnect."));
  if (status == SOUP_STATUS_NOT_FOUND)
    return g_strdup (_("Something answers there, but not WaBiz’s webhook. The address must end in "
                       "/webhook, for example https://example.trycloudflare.com/webhook."));
  if (status == SOUP_STATUS_BAD_GATEWAY || status == SOUP_STATUS_SERVICE_UNAVAILABLE ||
      status == SOUP_STATUS_GATEWAY_TIMEOUT)
    /* Translators: %u is an HTTP status; %s this computer's webhook server */
    return g_strdup_printf (_("The tunnel answered (HTTP %u), but nothing behind it did. Keep WaBiz "
                              "open with its webhook server on, and point the tunnel at %s."),
                            status, check->local != NULL ? check->local : "http://127.0.0.1:10000/webhook");
  /* Translators: %u is an HTTP status */
  return g_strdup_printf (_("The address answered HTTP %u; WaBiz’s webhook answers Meta’s "
                            "verification request with 200 and the challenge. Check where the "
                            "tunnel leads."),
                          status);
}

static void
tunnel_answered_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(TunnelCheck) check = user_data;
  WabizWebhookWays *self = check->self;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  guint status;
  gsize size = 0;
  const char *data;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (g_cancellable_is_cancelled (check->cancellable))
    return;

  status = error == NULL ? soup_message_get_status (msg) : 0;
  data = body != NULL ? g_bytes_get_data (body, &size) : NULL;
  g_debug ("Tunnel check: HTTP %u", status);
  if (error == NULL && status == SOUP_STATUS_OK && size == strlen (check->challenge) &&
      memcmp (data, check->challenge, size) == 0)
    {
      /* Translators: %s is the address checked */
      text = g_strdup_printf (_("The tunnel works: Meta’s verification request went through %s "
                                "and WaBiz answered it. Paste this address as the Callback URL in "
                                "Meta’s webhook settings, with the verify token."),
                              check->url);
      end_check (self, TRUE, text);
      return;
    }

  text = explain_failure (check, error, status, body);
  end_check (self, FALSE, text);
}

static void
answer_handshake_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  WabizWebhookWays *self = user_data;
  const char *mode = query != NULL ? g_hash_table_lookup (query, "hub.mode") : NULL;
  const char *token = query != NULL ? g_hash_table_lookup (query, "hub.verify_token") : NULL;
  const char *challenge = query != NULL ? g_hash_table_lookup (query, "hub.challenge") : NULL;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET || g_strcmp0 (mode, "subscribe") != 0 ||
      challenge == NULL || self->verify_token == NULL || g_strcmp0 (token, self->verify_token) != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, challenge,
                                    strlen (challenge));
}

/* In the setup assistant no webhook server runs yet: this one answers
 * Meta's handshake where it will, for the check. When something listens
 * there already (a WaBiz that runs), that answers instead. */
static void
start_answerer (WabizWebhookWays *self,
                TunnelCheck      *check)
{
  g_autofree char *host = settings_string (self, "http-host", "127.0.0.1");
  guint port = self->settings != NULL ? g_settings_get_uint (self->settings, "http-port") : 10000;
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) error = NULL;

  check->local = g_strdup_printf ("http://%s:%u/webhook", host, port);
  if (!self->answer_locally || port == 0 || address == NULL)
    return;

  self->answerer = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->answerer, "/webhook", answer_handshake_cb, self, NULL);
  socket_address = g_inet_socket_address_new (address, port);
  if (!soup_server_listen (self->answerer, socket_address, 0, &error))
    {
      g_debug ("Not answering on %s: %s", check->local, error->message);
      g_clear_object (&self->answerer);
    }
}

/* Meta calls https:// only; http:// on this computer is for tests */
static gboolean
check_url (const char  *url,
           char       **message)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

  if (uri == NULL || host == NULL || *host == '\0')
    {
      *message = g_strdup (_("This is not a web address. Copy the public address your tunnel "
                             "service shows, for example https://example.trycloudflare.com/webhook."));
      return FALSE;
    }
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

      if ((address != NULL && g_inet_address_get_is_loopback (address)) ||
          g_ascii_strcasecmp (host, "localhost") == 0)
        return TRUE;
    }
  *message = g_strdup (_("Meta calls only https:// addresses. Use the https:// address your tunnel "
                         "service gives."));
  return FALSE;
}

static void
send_handshake (TunnelCheck *check,
                const char  *token)
{
  WabizWebhookWays *self = check->self;
  g_autofree char *escaped = g_uri_escape_string (token, NULL, FALSE);
  g_autofree char *full = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  start_answerer (self, check);
  full = g_strdup_printf ("%s%shub.mode=subscribe&hub.verify_token=%s&hub.challenge=%s", check->url,
                          strchr (check->url, '?') != NULL ? "&" : "?", escaped, check->challenge);
  msg = soup_message_new (SOUP_METHOD_GET, full);
  if (msg == NULL)
    {
      g_autoptr(TunnelCheck) owned = check;

      end_check (self, FALSE, _("This is not a web address. Copy the public address your tunnel "
                                "service shows."));
      return;
    }
  check->session = soup_session_new_with_options ("timeout", TUNNEL_TIMEOUT_S,
                                                   "idle-timeout", TUNNEL_TIMEOUT_S,
                                                   "user-agent", "facebookexternalua", NULL);
  soup_session_send_and_read_async (check->session, msg, G_PRIORITY_DEFAULT, check->cancellable,
                                    tunnel_answered_cb, check);
}

static void
verify_token_found_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  TunnelCheck *check = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = wabiz_secrets_lookup_finish (result, &error);

  if (g_cancellable_is_cancelled (check->cancellable))
    {
      tunnel_check_free (check);
      return;
    }
  if (token == NULL || *token == '\0')
    {
      WabizWebhookWays *self = check->self;

      tunnel_check_free (check);
      end_check (self, FALSE, _("No verify token is saved: enter one under Keys, and the same in "
                                "Meta’s webhook settings, then check again."));
      return;
    }
  send_handshake (check, token);
  memset (token, 0, strlen (token));
}

/* ------------------------------------------------------------------ */
/* actions */

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizWebhookWays *self = WABIZ_WEBHOOK_WAYS (widget);
  const char *what = g_variant_get_string (parameter, NULL);
  const char *text = NULL;

  if (g_str_equal (what, "relay-commands"))
    text = self->relay_commands;
  else if (g_str_equal (what, "relay-url"))
    text = self->relay_url;
  else if (g_str_equal (what, "env"))
    text = self->env_file;
  else if (g_str_equal (what, "unit"))
    text = self->unit;
  if (text != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
check_tunnel_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  wabiz_webhook_ways_check_tunnel (WABIZ_WEBHOOK_WAYS (widget), NULL);
}

static void
tunnel_apply_cb (WabizWebhookWays *self)
{
  wabiz_webhook_ways_check_tunnel (self, NULL);
}

/* ------------------------------------------------------------------ */
/* GObject */

static void
wabiz_webhook_ways_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  WabizWebhookWays *self = WABIZ_WEBHOOK_WAYS (object);

  switch (prop_id)
    {
    case PROP_WAY:
      g_value_set_enum (value, wabiz_webhook_ways_get_way (self));
      break;
    case PROP_CHECKING:
      g_value_set_boolean (value, self->check_cancellable != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_webhook_ways_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  WabizWebhookWays *self = WABIZ_WEBHOOK_WAYS (object);

  switch (prop_id)
    {
    case PROP_WAY:
      wabiz_webhook_ways_set_way (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_webhook_ways_dispose (GObject *object)
{
  WabizWebhookWays *self = WABIZ_WEBHOOK_WAYS (object);

  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_cancellable_cancel (self->status_cancellable);
  g_clear_object (&self->status_cancellable);
  g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  stop_answerer (self);
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_clear_object (&self->listener);
  g_clear_object (&self->db);
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_WEBHOOK_WAYS);

  G_OBJECT_CLASS (wabiz_webhook_ways_parent_class)->dispose (object);
}

static void
wabiz_webhook_ways_finalize (GObject *object)
{
  WabizWebhookWays *self = WABIZ_WEBHOOK_WAYS (object);

  g_free (self->conninfo);
  g_free (self->phone_number_id);
  g_free (self->waba_id);
  if (self->verify_token != NULL)
    memset (self->verify_token, 0, strlen (self->verify_token));
  g_free (self->verify_token);
  g_free (self->relay_problem);
  g_free (self->relay_url);
  g_free (self->relay_commands);
  g_free (self->env_file);
  g_free (self->unit);
  g_free (self->relay_verified);
  g_free (self->relay_event);
  g_free (self->tunnel_result);

  G_OBJECT_CLASS (wabiz_webhook_ways_parent_class)->finalize (object);
}

static void
wabiz_webhook_ways_class_init (WabizWebhookWaysClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_webhook_ways_get_property;
  object_class->set_property = wabiz_webhook_ways_set_property;
  object_class->dispose = wabiz_webhook_ways_dispose;
  object_class->finalize = wabiz_webhook_ways_finalize;

  properties[PROP_WAY] =
    g_param_spec_enum ("way", NULL, NULL, WABIZ_TYPE_WEBHOOK_WAY, WABIZ_WEBHOOK_WAY_RELAY,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHECKING] =
    g_param_spec_boolean ("checking", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizWebhookWays::tunnel-checked:
   * @ok: whether the handshake went through
   */
  signals[SIGNAL_TUNNEL_CHECKED] =
    g_signal_new ("tunnel-checked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /**
   * WabizWebhookWays::relay-changed:
   *
   * What the relay recorded was looked at again.
   */
  signals[SIGNAL_RELAY_CHANGED] =
    g_signal_new ("relay-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-webhook-ways.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_check);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, server_check);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, tunnel_check);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_problem_label);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_box);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_status_group);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_intro_label);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_commands_label);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_url_label);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_verified_row);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_verified_icon);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_event_row);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_event_icon);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, relay_refused_row);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, env_label);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, unit_label);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, tunnel_url_row);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, tunnel_button_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, tunnel_result_icon);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookWays, tunnel_result_label);
  gtk_widget_class_bind_template_callback (widget_class, way_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, tunnel_apply_cb);

  gtk_widget_class_install_action (widget_class, "webhook.copy", "s", copy_action);
  gtk_widget_class_install_action (widget_class, "webhook.check-tunnel", NULL, check_tunnel_action);
}

static void
wabiz_webhook_ways_init (WabizWebhookWays *self)
{
  self->loading = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_check_button_set_active (self->relay_check, TRUE);
  self->loading = FALSE;
  self->relay_commands = g_strdup ("");
  rebuild (self);
  show_way (self);
}

GtkWidget *
wabiz_webhook_ways_new (void)
{
  return g_object_new (WABIZ_TYPE_WEBHOOK_WAYS, NULL);
}

static void
settings_changed_cb (WabizWebhookWays *self,
                     const char       *key)
{
  if (g_strcmp0 (key, "webhook-way") == 0)
    {
      self->loading = TRUE;
      wabiz_webhook_ways_set_way (self, g_settings_get_enum (self->settings, "webhook-way"));
      self->loading = FALSE;
      return;
    }
  build_env_file (self);
}

void
wabiz_webhook_ways_set_settings (WabizWebhookWays *self,
                                 GSettings        *settings)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_WAYS (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  g_signal_connect_object (settings, "changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);
  self->loading = TRUE;
  wabiz_webhook_ways_set_way (self, g_settings_get_enum (settings, "webhook-way"));
  self->loading = FALSE;
  rebuild (self);
}

void
wabiz_webhook_ways_set_conninfo (WabizWebhookWays *self,
                                 const char       *conninfo)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_WAYS (self));

  if (conninfo != NULL && *conninfo == '\0')
    conninfo = NULL;
  g_free (self->conninfo);
  self->conninfo = g_strdup (conninfo);
  rebuild (self);
  update_polling (self);
}

void
wabiz_webhook_ways_set_account (WabizWebhookWays *self,
                                const char       *phone_number_id,
                                const char       *waba_id)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_WAYS (self));

  g_free (self->phone_number_id);
  self->phone_number_id = g_strdup (phone_number_id);
  g_free (self->waba_id);
  self->waba_id = g_strdup (waba_id);
  build_env_file (self);
}

void
wabiz_webhook_ways_set_verify_token (WabizWebhookWays *self,
                                     const char       *verify_token)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_WAYS (self));

  if (g_strcmp0 (self->verify_token, verify_token) == 0)
    return;
  g_free (self->verify_token);
  self->verify_token = verify_token != NULL && *verify_token != '\0' ? g_strdup (verify_token) : NULL;
  build_relay (self);
}

void
wabiz_webhook_ways_set_database (WabizWebhookWays *self,
                                 WabizDb          *db,
                                 WabizDbListener  *listener)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_WAYS (self));
  g_return_if_fail (db == NULL || WABIZ_IS_DB (db));
  g_return_if_fail (listener == NULL || WABIZ_IS_DB_LISTENER (listener));

  g_cancellable_cancel (self->status_cancellable);
  g_clear_object (&self->status_cancellable);
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_set_object (&self->listener, listener);
  g_set_object (&self->db, db);
  if (listener != NULL)
    g_signal_connect_object (listener, "changed::webhook_events", G_CALLBACK (look_at_relay), self,
                             G_CONNECT_SWAPPED);
  build_relay (self);
  update_polling (self);
}

void
wabiz_webhook_ways_set_answer_locally (WabizWebhookWays *self,
                                       gboolean          answer)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_WAYS (self));
  self->answer_locally = answer;
}

WabizWebhookWay
wabiz_webhook_ways_get_way (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), WABIZ_WEBHOOK_WAY_RELAY);

  if (gtk_check_button_get_active (self->server_check))
    return WABIZ_WEBHOOK_WAY_SERVER;
  if (gtk_check_button_get_active (self->tunnel_check))
    return WABIZ_WEBHOOK_WAY_TUNNEL;
  return WABIZ_WEBHOOK_WAY_RELAY;
}

void
wabiz_webhook_ways_set_way (WabizWebhookWays *self,
                            WabizWebhookWay   way)
{
  GtkCheckButton *checks[] = { self->relay_check, self->server_check, self->tunnel_check };

  g_return_if_fail (WABIZ_IS_WEBHOOK_WAYS (self));
  g_return_if_fail (way <= WABIZ_WEBHOOK_WAY_TUNNEL);

  gtk_check_button_set_active (checks[way], TRUE);
}

const char *
wabiz_webhook_ways_get_relay_problem (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), NULL);
  return self->relay_problem;
}

const char *
wabiz_webhook_ways_get_relay_url (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), NULL);
  return self->relay_url;
}

const char *
wabiz_webhook_ways_get_relay_commands (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), NULL);
  return self->relay_commands;
}

const char *
wabiz_webhook_ways_get_env_file (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), NULL);
  return self->env_file;
}

const char *
wabiz_webhook_ways_get_unit (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), NULL);
  return self->unit;
}

const char *
wabiz_webhook_ways_get_relay_verified (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), NULL);
  return self->relay_verified;
}

const char *
wabiz_webhook_ways_get_relay_event (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), NULL);
  return self->relay_event;
}

void
wabiz_webhook_ways_refresh (WabizWebhookWays *self)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_WAYS (self));
  look_at_relay (self);
}

void
wabiz_webhook_ways_check_tunnel (WabizWebhookWays *self,
                                 const char       *url)
{
  TunnelCheck *check;
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;

  g_return_if_fail (WABIZ_IS_WEBHOOK_WAYS (self));

  if (self->check_cancellable != NULL)
    return;
  if (url != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->tunnel_url_row), url);
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->tunnel_url_row))));
  if (*text == '\0')
    {
      show_tunnel_result (self, FALSE, _("Enter the public address of your tunnel, ending in "
                                         "/webhook."));
      g_signal_emit (self, signals[SIGNAL_TUNNEL_CHECKED], 0, FALSE);
      return;
    }
  if (!check_url (text, &message))
    {
      show_tunnel_result (self, FALSE, message);
      g_signal_emit (self, signals[SIGNAL_TUNNEL_CHECKED], 0, FALSE);
      return;
    }

  self->check_cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->tunnel_button_stack, "checking");
  show_tunnel_result (self, FALSE, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKING]);

  check = g_new0 (TunnelCheck, 1);
  check->self = g_object_ref (self);
  check->cancellable = g_object_ref (self->check_cancellable);
  check->url = g_steal_pointer (&text);
  check->challenge = g_strdup_printf ("%u%u", g_random_int (), g_random_int ());
  if (self->verify_token != NULL)
    send_handshake (check, self->verify_token);
  else
    wabiz_secrets_lookup_async (WABIZ_SECRET_VERIFY_TOKEN, check->cancellable,
                                verify_token_found_cb, check);
}

gboolean
wabiz_webhook_ways_get_checking (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), FALSE);
  return self->check_cancellable != NULL;
}

const char *
wabiz_webhook_ways_get_tunnel_result (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), NULL);
  return self->tunnel_result;
}

gboolean
wabiz_webhook_ways_get_tunnel_ok (WabizWebhookWays *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_WAYS (self), FALSE);
  return self->tunnel_ok;
}
