/* wabiz-setup-window.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The setup assistant of the first run: the Meta ids and access token
 * (checked by asking Graph for the phone number), the database (checked
 * by connecting; a remote one gets WaBiz's tables, so that the relay
 * can write to it), how Meta's webhooks reach WaBiz (the App Secret, the
 * verify token and the three ways of WabizWebhookWays, each checked)
 * and Gemini (the key, checked with Gemini, and the model). Secrets go
 * to the keyring only, through wabiz_secrets_store_async(); everything
 * else to GSettings. "finished" says whether the user chose the demo.
 * Preferences (WabizPreferencesWindow) holds the same and more later.
 */

#define G_LOG_DOMAIN "wabiz-setup-window"

#include "config.h"

#include "wabiz-conninfo.h"
#include "wabiz-gemini-client.h"
#include "wabiz-gemini-key.h"
#include "wabiz-graph-client.h"
#include "wabiz-migrations.h"
#include "wabiz-secrets.h"
#include "wabiz-setup-window.h"
#include "wabiz-webhook-ways.h"

#include <glib/gi18n.h>
#include <string.h>

struct _WabizSetupWindow
{
  AdwWindow             parent_instance;

  GSettings            *settings;           /* (owned) */
  GCancellable         *cancellable;        /* (owned) */
  GPtrArray            *pending_secrets;    /* (owned) (nullable): (kind, value) pairs to store */
  char                 *conninfo;           /* (owned) (nullable): checked, without password */
  WabizDb              *db;                 /* (owned) (nullable): the checked remote database */
  GtkWidget            *last_focus;         /* (unowned) (nullable): while checking */
  gboolean              checking;

  /* template children */
  AdwToastOverlay      *toast_overlay;
  GtkRevealer          *error_revealer;
  GtkLabel             *error_label;
  AdwHeaderBar         *header_bar;
  AdwWindowTitle       *window_title;
  GtkWidget            *back_button;
  GtkStack             *next_stack;
  GtkButton            *next_button;
  GtkStack             *stack;
  AdwPreferencesGroup  *meta_group;
  AdwPreferencesGroup  *http_group;
  AdwEntryRow          *api_key_row;
  AdwEntryRow          *phone_number_id_row;
  AdwEntryRow          *waba_id_row;
  AdwEntryRow          *token_row;
  AdwEntryRow          *app_secret_row;
  AdwEntryRow          *verify_token_row;
  GtkSwitch            *http_switch;
  GtkCheckButton       *embedded_check;
  GtkCheckButton       *remote_check;
  GtkWidget            *remote_group;
  AdwEntryRow          *conninfo_row;
  AdwEntryRow          *db_password_row;
  AdwEntryRow          *gemini_row;
  AdwComboRow          *gemini_model_row;
  WabizWebhookWays     *webhook_ways;
};

G_DEFINE_FINAL_TYPE (WabizSetupWindow, wabiz_setup_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const steps[] = { "welcome", "meta", "database", "webhook", "gemini" };
static const char * const models[] = { WABIZ_GEMINI_DEFAULT_MODEL, WABIZ_GEMINI_FAST_MODEL };

typedef struct
{
  WabizSecretKind  kind;
  char            *value;
} PendingSecret;

static void
pending_secret_free (PendingSecret *secret)
{
  if (secret->value != NULL)
    memset (secret->value, 0, strlen (secret->value));
  g_free (secret->value);
  g_free (secret);
}

static guint
step_index (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (g_strcmp0 (steps[i], name) == 0)
      return i;
  return 0;
}

static char *
row_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
show_error (WabizSetupWindow *self,
            const char       *message)
{
  /* until the step changes */
  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

static void
set_checking (WabizSetupWindow *self,
              gboolean          checking)
{
  if (self->checking == checking)
    return;
  self->checking = checking;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  /* an entry must lose the focus before it turns insensitive, or it
   * keeps blinking without it */
  if (checking)
    {
      g_set_weak_pointer (&self->last_focus, gtk_window_get_focus (GTK_WINDOW (self)));
      gtk_window_set_focus (GTK_WINDOW (self), NULL);
    }
  gtk_stack_set_visible_child_name (self->next_stack, checking ? "checking" : "button");
  gtk_widget_set_sensitive (GTK_WIDGET (self->stack), !checking);
  if (!checking && self->last_focus != NULL)
    {
      if (gtk_widget_is_sensitive (self->last_focus) && gtk_widget_get_mapped (self->last_focus))
        gtk_widget_grab_focus (self->last_focus);
      g_clear_weak_pointer (&self->last_focus);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.back", !checking);
}

static void
update_page (WabizSetupWindow *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->stack);
  guint index = step_index (name);
  gboolean last = index == G_N_ELEMENTS (steps) - 1;

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);

  /* the welcome page is one surface with the header bar */
  if (index == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->header_bar), "flat");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->header_bar), "flat");
  gtk_widget_set_visible (self->back_button, index > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->next_stack), index > 0);
  gtk_button_set_label (self->next_button, last ? _("_Finish") : _("_Next"));
  if (index == 0)
    adw_window_title_set_title (self->window_title, "");
  else
    adw_window_title_set_title (self->window_title, _("Set Up WaBiz"));
  /* Translators: the step of the setup assistant, e.g. “Step 2 of 4” */
  if (index > 0)
    {
      g_autofree char *subtitle = g_strdup_printf (_("Step %u of %u"), index,
                                                   (guint) G_N_ELEMENTS (steps) - 1);

      adw_window_title_set_subtitle (self->window_title, subtitle);
    }
  else
    adw_window_title_set_subtitle (self->window_title, "");

  gtk_widget_set_visible (self->remote_group, gtk_check_button_get_active (self->remote_check));
}

static void
go_to (WabizSetupWindow *self,
       guint             index)
{
  gtk_stack_set_visible_child_name (self->stack, steps[index]);
  update_page (self);
}

static void
close_window (WabizSetupWindow *self)
{
  /* an entry that still has the focus would miss its focus-out */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
queue_secret (WabizSetupWindow *self,
              WabizSecretKind   kind,
              const char       *value)
{
  PendingSecret *secret;

  /* in Preferences an empty field keeps what the keyring has */
  if (value == NULL || *value == '\0')
    return;

  for (guint i = 0; i < self->pending_secrets->len; i++)
    {
      secret = g_ptr_array_index (self->pending_secrets, i);
      if (secret->kind == kind)
        {
          g_ptr_array_remove_index (self->pending_secrets, i);
          break;
        }
    }

  secret = g_new0 (PendingSecret, 1);
  secret->kind = kind;
  secret->value = g_strdup (value);
  g_ptr_array_add (self->pending_secrets, secret);
}

/* Meta step: GET the phone number with the token */

static void
phone_number_checked_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(WabizSetupWindow) self = user_data;
  g_autoptr(JsonObject) number = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  number = wabiz_graph_client_get_phone_number_finish (WABIZ_GRAPH_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_checking (self, FALSE);
  if (number == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_ACCESS_TOKEN))
        message = g_strdup (_("Meta did not accept the access token. Copy it again from Meta for "
                              "Developers; temporary tokens stop working after a day."));
      else
        /* Translators: %s is Meta's own message */
        message = g_strdup_printf (_("Meta did not confirm this phone number ID with this access "
                                     "token: %s"), error->message);
      show_error (self, message);
      return;
    }

  g_debug ("Phone number confirmed by Graph");
  token = row_text (self->token_row);
  queue_secret (self, WABIZ_SECRET_ACCESS_TOKEN, token);
  go_to (self, step_index ("database"));
}

static void
check_meta (WabizSetupWindow *self)
{
  g_autofree char *phone_number_id = row_text (self->phone_number_id_row);
  g_autofree char *waba_id = row_text (self->waba_id_row);
  g_autofree char *token = row_text (self->token_row);
  g_autofree char *graph_url = g_settings_get_string (self->settings, "graph-url");
  g_autofree char *version = g_settings_get_string (self->settings, "graph-version");
  g_autoptr(WabizGraphClient) graph = NULL;

  if (*phone_number_id == '\0' || *waba_id == '\0')
    {
      show_error (self, _("Enter the phone number ID and the WhatsApp Business Account ID."));
      return;
    }
  if (*token == '\0')
    {
      show_error (self, _("Enter the access token."));
      return;
    }

  graph = wabiz_graph_client_new (graph_url, version, phone_number_id, waba_id, token);
  wabiz_graph_client_set_timeout (graph, 20);
  set_checking (self, TRUE);
  wabiz_graph_client_get_phone_number_async (graph, self->cancellable, phone_number_checked_cb,
                                             g_object_ref (self));
}

/* database step: connect, then set up the tables */

static void
show_webhook_step (WabizSetupWindow *self)
{
  g_autofree char *phone_number_id = row_text (self->phone_number_id_row);
  g_autofree char *waba_id = row_text (self->waba_id_row);

  wabiz_webhook_ways_set_account (self->webhook_ways, phone_number_id, waba_id);
  wabiz_webhook_ways_set_conninfo (self->webhook_ways, self->conninfo);
  wabiz_webhook_ways_set_database (self->webhook_ways, self->conninfo != NULL ? self->db : NULL,
                                   NULL);
  go_to (self, step_index ("webhook"));
}

static void
database_migrated_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(WabizSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_migrations_apply_finish (WABIZ_DB (object), result, NULL, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_checking (self, FALSE);
      /* Translators: %s is the database server's own message */
      message = g_strdup_printf (_("WaBiz cannot set up its tables in this database: %s. The "
                                   "database user needs the right to create tables."),
                                 error->message);
      show_error (self, message);
      return;
    }

  set_checking (self, FALSE);
  show_webhook_step (self);
}

static void
database_checked_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(WabizSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = wabiz_conninfo_check_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (!ok)
    {
      /* Translators: %s is the database server's own message */
      g_autofree char *message = g_strdup_printf (_("Cannot connect to the database: %s"),
                                                  error->message);

      set_checking (self, FALSE);
      g_clear_pointer (&self->conninfo, g_free);
      show_error (self, message);
      return;
    }

  /* WaBiz's tables, which the relay writes to, before the webhook step */
  wabiz_migrations_apply_async (self->db, self->cancellable, database_migrated_cb,
                                g_object_ref (self));
}

static void
check_database (WabizSetupWindow *self)
{
  g_autofree char *text = NULL;
  g_autofree char *password = NULL;
  g_autofree char *in_string = NULL;

  if (!gtk_check_button_get_active (self->remote_check))
    {
      g_clear_pointer (&self->conninfo, g_free);
      show_webhook_step (self);
      return;
    }

  text = row_text (self->conninfo_row);
  password = row_text (self->db_password_row);
  if (*text == '\0')
    {
      show_error (self, _("Enter the connection string of your database."));
      return;
    }

  g_clear_pointer (&self->conninfo, g_free);
  self->conninfo = wabiz_conninfo_clean (text, &in_string);
  if (self->conninfo == NULL)
    {
      show_error (self, _("This is not a PostgreSQL connection string. Copy it from Supabase "
                          "again, under Project Settings → Database."));
      return;
    }
  if (*password == '\0' && in_string != NULL)
    {
      g_free (password);
      password = g_strdup (in_string);
    }
  /* the password goes to the keyring, never into the settings */
  gtk_editable_set_text (GTK_EDITABLE (self->conninfo_row), self->conninfo);
  if (in_string != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->db_password_row), password);

  queue_secret (self, WABIZ_SECRET_DATABASE_PASSWORD, password);
  if (self->db != NULL)
    wabiz_db_close (self->db);
  g_clear_object (&self->db);
  self->db = wabiz_db_new (self->conninfo, *password != '\0' ? password : NULL, 1);
  set_checking (self, TRUE);
  wabiz_conninfo_check_async (self->conninfo, password, self->cancellable, database_checked_cb,
                              g_object_ref (self));
}

/* finish: secrets to the keyring, the rest to GSettings */

static void
store_next_secret (WabizSetupWindow *self);

static void
secret_stored_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WabizSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_secrets_store_finish (result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_checking (self, FALSE);
      /* Translators: %s says why, from the keyring */
      message = g_strdup_printf (_("Cannot save to the keyring: %s"), error->message);
      show_error (self, message);
      return;
    }

  g_ptr_array_remove_index (self->pending_secrets, 0);
  store_next_secret (self);
}

static void
save_settings (WabizSetupWindow *self)
{
  g_autofree char *phone_number_id = row_text (self->phone_number_id_row);
  g_autofree char *waba_id = row_text (self->waba_id_row);
  gboolean remote = gtk_check_button_get_active (self->remote_check);

  g_settings_delay (self->settings);
  g_settings_set_string (self->settings, "phone-number-id", phone_number_id);
  g_settings_set_string (self->settings, "waba-id", waba_id);
  g_settings_set_boolean (self->settings, "http-enabled",
                          gtk_switch_get_active (self->http_switch));
  g_settings_set_enum (self->settings, "database-mode", remote ? 1 : 0);
  if (remote && self->conninfo != NULL)
    g_settings_set_string (self->settings, "database-conninfo", self->conninfo);
  g_settings_set_string (self->settings, "gemini-model",
                         models[MIN (adw_combo_row_get_selected (self->gemini_model_row),
                                     G_N_ELEMENTS (models) - 1)]);
  g_settings_set_boolean (self->settings, "demo-mode", FALSE);
  g_settings_set_boolean (self->settings, "setup-complete", TRUE);
  g_settings_apply (self->settings);
}

static void
store_next_secret (WabizSetupWindow *self)
{
  PendingSecret *secret;

  if (self->pending_secrets->len == 0)
    {
      set_checking (self, FALSE);
      save_settings (self);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, FALSE);
      close_window (self);
      return;
    }

  secret = g_ptr_array_index (self->pending_secrets, 0);
  g_debug ("Storing the %s", wabiz_secret_kind_to_string (secret->kind));
  wabiz_secrets_store_async (secret->kind, secret->value, self->cancellable,
                             secret_stored_cb, g_object_ref (self));
}

static void
store_all (WabizSetupWindow *self)
{
  g_autofree char *app_secret = row_text (self->app_secret_row);
  g_autofree char *verify_token = row_text (self->verify_token_row);
  g_autofree char *gemini = row_text (self->gemini_row);
  g_autofree char *api_key = row_text (self->api_key_row);

  queue_secret (self, WABIZ_SECRET_APP_SECRET, app_secret);
  queue_secret (self, WABIZ_SECRET_VERIFY_TOKEN, verify_token);
  queue_secret (self, WABIZ_SECRET_GEMINI_KEY, gemini);
  queue_secret (self, WABIZ_SECRET_API_KEY, api_key);
  set_checking (self, TRUE);
  store_next_secret (self);
}

static void
gemini_checked_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(WabizSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  WabizGeminiKeyCheck check;

  check = wabiz_gemini_key_check_finish (object, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_checking (self, FALSE);

  if (check == WABIZ_GEMINI_KEY_WORKS)
    {
      store_all (self);
      return;
    }

  if (check == WABIZ_GEMINI_KEY_REFUSED)
    message = g_strdup (_("Gemini did not accept this key. Copy it again from Google AI Studio "
                          "(Get API key), or leave the field empty and add it later."));
  else
    /* Translators: %s is why, from Gemini or the network */
    message = g_strdup_printf (_("The key could not be checked with Gemini: %s. Try again, or "
                                 "leave the field empty and add it later in Preferences."),
                               error->message);
  show_error (self, message);
}

static void
finish (WabizSetupWindow *self)
{
  g_autofree char *gemini = row_text (self->gemini_row);
  g_autofree char *url = NULL;

  if (*gemini == '\0')
    {
      store_all (self);
      return;
    }

  /* the key is checked with Gemini before it is kept */
  url = g_settings_get_string (self->settings, "gemini-url");
  set_checking (self, TRUE);
  wabiz_gemini_key_check_async (url, gemini, self->cancellable, gemini_checked_cb, g_object_ref (self));
}

/* actions */

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizSetupWindow *self = WABIZ_SETUP_WINDOW (widget);
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (self->checking)
    return;

  if (g_str_equal (page, "meta"))
    check_meta (self);
  else if (g_str_equal (page, "database"))
    check_database (self);
  else if (g_str_equal (page, "webhook"))
    go_to (self, step_index ("gemini"));
  else if (g_str_equal (page, "gemini"))
    finish (self);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizSetupWindow *self = WABIZ_SETUP_WINDOW (widget);
  guint index = step_index (gtk_stack_get_visible_child_name (self->stack));

  if (index > 0)
    go_to (self, index - 1);
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  go_to (WABIZ_SETUP_WINDOW (widget), step_index ("meta"));
}

static void
demo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizSetupWindow *self = WABIZ_SETUP_WINDOW (widget);

  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, TRUE);
  close_window (self);
}

static void
load_settings (WabizSetupWindow *self)
{
  g_autofree char *phone_number_id = g_settings_get_string (self->settings, "phone-number-id");
  g_autofree char *waba_id = g_settings_get_string (self->settings, "waba-id");
  g_autofree char *conninfo = g_settings_get_string (self->settings, "database-conninfo");
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *verify_token = NULL;
  GString *token;

  gtk_editable_set_text (GTK_EDITABLE (self->phone_number_id_row), phone_number_id);
  gtk_editable_set_text (GTK_EDITABLE (self->waba_id_row), waba_id);
  gtk_editable_set_text (GTK_EDITABLE (self->conninfo_row), conninfo);
  gtk_switch_set_active (self->http_switch,
                         g_settings_get_boolean (self->settings, "http-enabled"));
  {
    g_autofree char *host = g_settings_get_string (self->settings, "http-host");
    g_autofree char *description = NULL;

    /* Translators: %s:%u is this computer's webhook server, e.g. 127.0.0.1:10000.
     * REST API is the programming interface other programs call. */
    description = g_strdup_printf (_("This computer’s server listens on http://%s:%u: a tunnel "
                                     "forwards Meta’s webhooks to /webhook there. Scripts written "
                                     "for the old WhatsApp Business API service keep working "
                                     "against it once they send the key below as "
                                     "“Authorization: Bearer …”; without a key it refuses every "
                                     "call."),
                                   host, g_settings_get_uint (self->settings, "http-port"));
    adw_preferences_group_set_description (self->http_group, description);
  }
  if (g_settings_get_enum (self->settings, "database-mode") == 1)
    gtk_check_button_set_active (self->remote_check, TRUE);

  /* a fresh verify token to paste into Meta */
  token = g_string_new (uuid);
  g_string_replace (token, "-", "", 0);
  verify_token = g_string_free (token, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->verify_token_row), verify_token);

  wabiz_webhook_ways_set_settings (self->webhook_ways, self->settings);
  wabiz_webhook_ways_set_verify_token (self->webhook_ways, verify_token);
  wabiz_webhook_ways_set_answer_locally (self->webhook_ways, TRUE);
  {
    g_autofree char *model = g_settings_get_string (self->settings, "gemini-model");

    for (guint i = 0; i < G_N_ELEMENTS (models); i++)
      if (g_str_equal (model, models[i]))
        adw_combo_row_set_selected (self->gemini_model_row, i);
  }
}

static void
verify_token_changed_cb (WabizSetupWindow *self)
{
  g_autofree char *token = row_text (self->verify_token_row);

  wabiz_webhook_ways_set_verify_token (self->webhook_ways, token);
}

static void
wabiz_setup_window_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  WabizSetupWindow *self = WABIZ_SETUP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->checking);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_setup_window_dispose (GObject *object)
{
  WabizSetupWindow *self = WABIZ_SETUP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_weak_pointer (&self->last_focus);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pending_secrets, g_ptr_array_unref);
  if (self->db != NULL)
    wabiz_db_close (self->db);
  g_clear_object (&self->db);

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_SETUP_WINDOW);

  G_OBJECT_CLASS (wabiz_setup_window_parent_class)->dispose (object);
}

static void
wabiz_setup_window_finalize (GObject *object)
{
  WabizSetupWindow *self = WABIZ_SETUP_WINDOW (object);

  g_free (self->conninfo);

  G_OBJECT_CLASS (wabiz_setup_window_parent_class)->finalize (object);
}

static void
wabiz_setup_window_class_init (WabizSetupWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_setup_window_get_property;
  object_class->dispose = wabiz_setup_window_dispose;
  object_class->finalize = wabiz_setup_window_finalize;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizSetupWindow::finished:
   * @demo: whether the user chose the demo instead
   *
   * The settings are saved (or the demo was chosen); the window closes.
   */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-setup-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, next_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, next_button);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, meta_group);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, http_group);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, api_key_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, phone_number_id_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, waba_id_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, app_secret_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, verify_token_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, http_switch);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, embedded_check);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, remote_check);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, remote_group);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, conninfo_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, db_password_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, gemini_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, gemini_model_row);
  gtk_widget_class_bind_template_child (widget_class, WabizSetupWindow, webhook_ways);

  gtk_widget_class_install_action (widget_class, "setup.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "setup.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "setup.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "setup.demo", NULL, demo_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
wabiz_setup_window_init (WabizSetupWindow *self)
{
  g_type_ensure (WABIZ_TYPE_WEBHOOK_WAYS);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->pending_secrets = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_secret_free);

  if (g_str_has_suffix (APP_ID, ".Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  g_signal_connect_object (self->remote_check, "notify::active", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->stack, "notify::visible-child-name", G_CALLBACK (update_page),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->verify_token_row, "changed", G_CALLBACK (verify_token_changed_cb),
                           self, G_CONNECT_SWAPPED);
}

/* The first-run assistant; Preferences is WabizPreferencesWindow. */
WabizSetupWindow *
wabiz_setup_window_new (GtkApplication *application,
                        GSettings      *settings)
{
  WabizSetupWindow *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (WABIZ_TYPE_SETUP_WINDOW, "application", application, NULL);
  self->settings = g_object_ref (settings);
  load_settings (self);
  go_to (self, 0);

  return self;
}

/* The step shown: "welcome", "meta", "database", "webhook" or "gemini" */
const char *
wabiz_setup_window_get_page (WabizSetupWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_SETUP_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

void
wabiz_setup_window_set_page (WabizSetupWindow *self,
                             const char       *page)
{
  g_return_if_fail (WABIZ_IS_SETUP_WINDOW (self));
  g_return_if_fail (page != NULL);

  go_to (self, step_index (page));
}

/* Whether a step is being checked or the settings saved */
gboolean
wabiz_setup_window_get_busy (WabizSetupWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_SETUP_WINDOW (self), FALSE);

  return self->checking;
}

/* What the step says went wrong, or NULL */
/* The webhook step's ways, for tests */
WabizWebhookWays *
wabiz_setup_window_get_webhook_ways (WabizSetupWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_SETUP_WINDOW (self), NULL);
  return self->webhook_ways;
}

const char *
wabiz_setup_window_get_error (WabizSetupWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_SETUP_WINDOW (self), NULL);

  return gtk_revealer_get_reveal_child (self->error_revealer)
         ? gtk_label_get_text (self->error_label) : NULL;
}
