/* wabiz-preferences-window.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Preferences: the WhatsApp account (and why sending is paused, when
 * it is), how Meta's webhooks reach WaBiz (the three ways, checked, and
 * when the last delivery came), the webhook server, the database, the
 * business (its description, hours, greeting and away messages), Gemini
 * (the key, checked with Gemini before it is saved, the model, the
 * analysis and the automatic replies), campaigns (tier, rate, stop and
 * start words and their confirmations), and the style, notifications
 * and the space for customers' files.
 *
 * Plain settings go to GSettings (the keys the setup assistant writes);
 * the access token, the App Secret, the verify token, the REST API key,
 * the Gemini key and the database password go to the keyring only,
 * through wabiz-secrets. What the business and the campaigns do is
 * kept in the database (WabizBusinessSettings, the campaign settings),
 * shared with every computer and wabizd, and saved one field at a time:
 * a value the database refuses says why beside the field, which keeps
 * what was typed. A database connection string is saved only once it
 * connects (wabiz_conninfo_check_async(), as the setup assistant does).
 * What the running services only read at start offers to reconnect
 * (app.retry-database).
 */

#define G_LOG_DOMAIN "wabiz-preferences-window"

#include "config.h"

#include "wabiz-application.h"
#include "wabiz-business-settings.h"
#include "wabiz-campaign-model.h"
#include "wabiz-conninfo.h"
#include "wabiz-gemini-client.h"
#include "wabiz-gemini-key.h"
#include "wabiz-graph-client.h"
#include "wabiz-preferences-window.h"
#include "wabiz-secrets.h"
#include "wabiz-webhook-status.h"
#include "wabiz-webhook-ways.h"

#include <glib/gi18n.h>
#include <string.h>

struct _WabizPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;      /* (owned) */
  GCancellable         *cancellable;   /* (owned) */
  GCancellable         *check_cancellable; /* (owned) (nullable): while checking a connection string */
  AdwToast             *reconnect;     /* (unowned) (nullable): shown */
  AdwToast             *error_toast;   /* (unowned) (nullable): shown, what a field refused */
  guint                 n_saving;
  gboolean              loading;
  WabizServices        *services;      /* (owned) (nullable): the application's, when ready */
  WabizOutbox          *outbox;        /* (owned) (nullable): followed for its sender problem */
  WabizBusinessSettings *business;     /* (owned) (nullable): with the database */
  GCancellable         *gemini_cancellable; /* (owned) (nullable): checking a Gemini key */
  char                 *last_message;  /* (owned) (nullable): the last toast or error, for tests */
  guint                 n_business_saves;
  guint                 n_campaign_saves;

  /* template children */
  AdwEntryRow          *phone_number_id_row;
  AdwEntryRow          *waba_id_row;
  AdwEntryRow          *access_token_row;
  AdwEntryRow          *app_secret_row;
  GtkSpinButton        *send_rate_spin;
  AdwEntryRow          *graph_url_row;
  AdwEntryRow          *graph_version_row;
  GtkSwitch            *http_switch;
  AdwEntryRow          *http_host_row;
  GtkSpinButton        *http_port_spin;
  AdwEntryRow          *verify_token_row;
  AdwEntryRow          *api_key_row;
  GtkCheckButton       *embedded_check;
  GtkCheckButton       *remote_check;
  GtkWidget            *remote_group;
  AdwEntryRow          *conninfo_row;
  GtkWidget            *conninfo_spinner;
  GtkWidget            *conninfo_error_icon;
  GtkLabel             *conninfo_error_label;
  AdwEntryRow          *db_password_row;
  AdwComboRow          *style_row;
  GtkSwitch            *notifications_switch;
  GtkSpinButton        *media_budget_spin;
  AdwActionRow         *sender_problem_row;
  AdwActionRow         *last_event_row;
  WabizWebhookWays     *webhook_ways;
  GtkWidget            *business_page;
  GtkTextView          *profile_view;
  GtkWidget            *profile_save_button;
  AdwEntryRow          *time_zone_row;
  AdwEntryRow          *hours_mon_row;
  AdwEntryRow          *hours_tue_row;
  AdwEntryRow          *hours_wed_row;
  AdwEntryRow          *hours_thu_row;
  AdwEntryRow          *hours_fri_row;
  AdwEntryRow          *hours_sat_row;
  AdwEntryRow          *hours_sun_row;
  GtkSwitch            *greeting_switch;
  AdwEntryRow          *greeting_text_row;
  GtkSpinButton        *greeting_interval_spin;
  GtkSwitch            *away_switch;
  AdwEntryRow          *away_text_row;
  GtkSpinButton        *away_interval_spin;
  AdwEntryRow          *gemini_key_row;
  GtkWidget            *gemini_key_spinner;
  AdwComboRow          *gemini_model_row;
  GtkWidget            *analysis_group;
  GtkWidget            *auto_reply_group;
  GtkSwitch            *analysis_switch;
  AdwComboRow          *auto_reply_mode_row;
  AdwEntryRow          *auto_reply_keywords_row;
  GtkSpinButton        *auto_reply_interval_spin;
  GtkWidget            *campaigns_page;
  AdwComboRow          *tier_row;
  GtkSpinButton        *campaign_rate_spin;
  AdwEntryRow          *stop_words_row;
  AdwEntryRow          *start_words_row;
  AdwEntryRow          *opt_out_reply_row;
  AdwEntryRow          *opt_in_reply_row;
};

G_DEFINE_FINAL_TYPE (WabizPreferencesWindow, wabiz_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SAVING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The color-scheme key's nicks, in the order of the style row */
static const char * const styles[] = { "default", "light", "dark", NULL };

static char *
row_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
remember (WabizPreferencesWindow *self,
          const char             *message)
{
  g_free (self->last_message);
  self->last_message = g_strdup (message);
}

static void
toast (WabizPreferencesWindow *self,
       const char             *title)
{
  remember (self, title);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (title));
}

static void
error_toast_dismissed_cb (WabizPreferencesWindow *self,
                          AdwToast               *t)
{
  if (self->error_toast == t)
    self->error_toast = NULL;
}

/* What is wrong with a field: on it (its tooltip and red) and in a toast
 * shown at once, in place of the one about an earlier refusal; NULL
 * clears it. What was typed stays. */
static void
set_row_error (WabizPreferencesWindow *self,
               GtkWidget              *row,
               const char             *message)
{
  AdwToast *t;

  gtk_widget_set_tooltip_text (row, message);
  if (message == NULL)
    {
      gtk_widget_remove_css_class (row, "error");
      return;
    }

  gtk_widget_add_css_class (row, "error");
  if (self->error_toast != NULL)
    adw_toast_dismiss (self->error_toast);
  remember (self, message);
  t = adw_toast_new (message);
  adw_toast_set_priority (t, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_object (t, "dismissed", G_CALLBACK (error_toast_dismissed_cb), self,
                           G_CONNECT_SWAPPED);
  self->error_toast = t;
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), t);
}

static void
reconnect_dismissed_cb (WabizPreferencesWindow *self)
{
  self->reconnect = NULL;
}

/* The running services read these settings when they start. */
static void
offer_reconnect (WabizPreferencesWindow *self,
                 const char             *title)
{
  AdwToast *t;

  if (self->reconnect != NULL)
    adw_toast_dismiss (self->reconnect);

  remember (self, title);
  t = adw_toast_new (title);
  adw_toast_set_button_label (t, _("_Reconnect"));
  adw_toast_set_action_name (t, "app.retry-database");
  adw_toast_set_timeout (t, 10);
  g_signal_connect_object (t, "dismissed", G_CALLBACK (reconnect_dismissed_cb), self,
                           G_CONNECT_SWAPPED);
  self->reconnect = t;
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), t);
}

static void
set_saving (WabizPreferencesWindow *self,
            gboolean                more)
{
  if (more)
    self->n_saving++;
  else
    self->n_saving--;
  if (self->n_saving <= 1)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVING]);
}

/* secrets */

typedef struct
{
  WabizPreferencesWindow *self;   /* (owned) */
  AdwEntryRow            *row;    /* (owned) */
  WabizSecretKind         kind;
} SecretSave;

static void
secret_save_free (SecretSave *save)
{
  g_object_unref (save->self);
  g_object_unref (save->row);
  g_free (save);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretSave, secret_save_free)

static void
secret_stored_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SecretSave) save = user_data;
  WabizPreferencesWindow *self = save->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;

  if (!wabiz_secrets_store_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_saving (self, FALSE);
      g_warning ("Cannot store the %s: %s", wabiz_secret_kind_to_string (save->kind),
                 error->message);
      /* Translators: %s says why, from the keyring */
      title = g_strdup_printf (_("Cannot save to the keyring: %s"), error->message);
      toast (self, title);
      return;
    }

  set_saving (self, FALSE);
  /* the value stays in the keyring only */
  gtk_editable_set_text (GTK_EDITABLE (save->row), "");
  /* Translators: %s is what was saved, e.g. “Access Token” */
  title = g_strdup_printf (_("%s saved in your keyring"),
                           adw_preferences_row_get_title (ADW_PREFERENCES_ROW (save->row)));
  switch (save->kind)
    {
    case WABIZ_SECRET_ACCESS_TOKEN:
    case WABIZ_SECRET_APP_SECRET:
    case WABIZ_SECRET_VERIFY_TOKEN:
    case WABIZ_SECRET_API_KEY:
      g_free (title);
      /* Translators: %s is what was saved, e.g. “Access Token” */
      title = g_strdup_printf (_("%s saved in your keyring. Reconnect to use it."),
                               adw_preferences_row_get_title (ADW_PREFERENCES_ROW (save->row)));
      offer_reconnect (self, title);
      break;
    case WABIZ_SECRET_DATABASE_PASSWORD:
      offer_reconnect (self, _("Password saved in your keyring. Reconnect to open the database "
                               "with it."));
      break;
    case WABIZ_SECRET_GEMINI_KEY:
      offer_reconnect (self, _("Gemini accepted the key, and it is saved in your keyring. "
                               "Reconnect to use it."));
      break;
    default:
      toast (self, title);
      break;
    }
}

static void
store_secret (WabizPreferencesWindow *self,
              AdwEntryRow            *row,
              WabizSecretKind         kind,
              const char             *value)
{
  SecretSave *save;

  save = g_new0 (SecretSave, 1);
  save->self = g_object_ref (self);
  save->row = g_object_ref (row);
  save->kind = kind;
  set_saving (self, TRUE);
  g_debug ("Storing the %s", wabiz_secret_kind_to_string (kind));
  wabiz_secrets_store_async (kind, value, self->cancellable, secret_stored_cb, save);
}

static void
secret_apply_cb (WabizPreferencesWindow *self,
                 AdwEntryRow            *row)
{
  g_autofree char *value = row_text (row);
  WabizSecretKind kind;

  /* an empty field keeps what the keyring has */
  if (*value == '\0')
    return;

  if (row == self->access_token_row)
    kind = WABIZ_SECRET_ACCESS_TOKEN;
  else if (row == self->app_secret_row)
    kind = WABIZ_SECRET_APP_SECRET;
  else if (row == self->verify_token_row)
    kind = WABIZ_SECRET_VERIFY_TOKEN;
  else if (row == self->api_key_row)
    kind = WABIZ_SECRET_API_KEY;
  else if (row == self->db_password_row)
    kind = WABIZ_SECRET_DATABASE_PASSWORD;
  else
    g_return_if_reached ();

  store_secret (self, row, kind, value);
  memset (value, 0, strlen (value));
}

/* plain settings */

static void
account_apply_cb (WabizPreferencesWindow *self,
                  AdwEntryRow            *row)
{
  g_autofree char *value = row_text (row);
  const char *key;

  if (row == self->phone_number_id_row)
    key = "phone-number-id";
  else if (row == self->waba_id_row)
    key = "waba-id";
  else if (row == self->graph_url_row)
    key = "graph-url";
  else if (row == self->graph_version_row)
    key = "graph-version";
  else
    g_return_if_reached ();

  if (row == self->graph_url_row && *value != '\0')
    {
      g_autoptr(GError) error = NULL;

      if (!wabiz_graph_check_url (value, &error))
        {
          set_row_error (self, GTK_WIDGET (row), error->message);
          return;
        }
    }
  set_row_error (self, GTK_WIDGET (row), NULL);

  /* the address and version cannot be empty: back to the default */
  if (*value == '\0' && (row == self->graph_url_row || row == self->graph_version_row))
    {
      g_settings_reset (self->settings, key);
      g_free (value);
      value = g_settings_get_string (self->settings, key);
      gtk_editable_set_text (GTK_EDITABLE (row), value);
    }
  else
    g_settings_set_string (self->settings, key, value);

  offer_reconnect (self, _("Saved. Reconnect to use the new account settings."));
}

static void
server_apply_cb (WabizPreferencesWindow *self,
                 AdwEntryRow            *row)
{
  g_autofree char *value = row_text (row);

  if (*value == '\0')
    {
      g_settings_reset (self->settings, "http-host");
      g_free (value);
      value = g_settings_get_string (self->settings, "http-host");
      gtk_editable_set_text (GTK_EDITABLE (row), value);
    }
  else
    g_settings_set_string (self->settings, "http-host", value);
}

static void
server_changed_cb (WabizPreferencesWindow *self)
{
  if (!self->loading)
    offer_reconnect (self, _("Saved. Reconnect to restart the webhook server with it."));
}

static void
update_database_rows (WabizPreferencesWindow *self)
{
  gtk_widget_set_visible (self->remote_group, gtk_check_button_get_active (self->remote_check));
}

static void
database_mode_toggled_cb (WabizPreferencesWindow *self,
                          GtkCheckButton         *check)
{
  gboolean remote;
  g_autofree char *conninfo = NULL;

  if (self->loading)
    return;
  update_database_rows (self);
  /* each radio says it; act once, for the one turned on */
  if (!gtk_check_button_get_active (check))
    return;
  remote = gtk_check_button_get_active (self->remote_check);

  g_settings_set_enum (self->settings, "database-mode", remote ? 1 : 0);
  conninfo = g_settings_get_string (self->settings, "database-conninfo");
  if (remote && *conninfo == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->conninfo_row));  /* nothing to open yet */
  else
    offer_reconnect (self, _("Saved. Reconnect to open the other database; nothing is copied "
                             "between them."));
}

/* the connection string: checked by connecting, then saved */

typedef struct
{
  WabizPreferencesWindow *self;         /* (owned) */
  GCancellable           *cancellable;  /* (owned) */
  char                   *conninfo;     /* (owned): without the password */
  char                   *password;     /* (owned) (nullable): for the check and the keyring */
} ConninfoCheck;

static void
conninfo_check_free (ConninfoCheck *check)
{
  g_object_unref (check->self);
  g_object_unref (check->cancellable);
  g_free (check->conninfo);
  if (check->password != NULL)
    memset (check->password, 0, strlen (check->password));
  g_free (check->password);
  g_free (check);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConninfoCheck, conninfo_check_free)

/* What is wrong with the connection string, beside it; NULL hides it */
static void
set_conninfo_error (WabizPreferencesWindow *self,
                    const char             *message)
{
  gtk_label_set_text (self->conninfo_error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->conninfo_error_label), message != NULL);
  gtk_widget_set_visible (self->conninfo_error_icon, message != NULL);
  gtk_widget_set_tooltip_text (self->conninfo_error_icon, message);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->conninfo_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->conninfo_row), "error");
}

static void
end_conninfo_check (WabizPreferencesWindow *self)
{
  if (self->check_cancellable == NULL)
    return;
  g_clear_object (&self->check_cancellable);
  gtk_widget_set_visible (self->conninfo_spinner, FALSE);
  set_saving (self, FALSE);
}

static void
conninfo_checked_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ConninfoCheck) check = user_data;
  WabizPreferencesWindow *self = check->self;
  g_autoptr(GError) error = NULL;

  /* cancelled: the window is gone, or another string is being checked */
  if (!wabiz_conninfo_check_finish (result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_cancellable_is_cancelled (check->cancellable))
    return;

  if (error != NULL)
    {
      /* Translators: %s is the database server's own message */
      g_autofree char *reason = g_strdup_printf (_("Cannot connect to the database: %s"),
                                                 error->message);
      g_autofree char *message = g_strconcat (reason, "\n",
                                              _("This connection string was not saved. Correct it "
                                                "or the password, then press Enter to check it again."),
                                              NULL);

      end_conninfo_check (self);
      set_conninfo_error (self, message);
      return;
    }

  /* the password goes to the keyring, never into the settings */
  gtk_editable_set_text (GTK_EDITABLE (self->conninfo_row), check->conninfo);
  g_settings_set_string (self->settings, "database-conninfo", check->conninfo);
  if (check->password != NULL)
    store_secret (self, self->db_password_row, WABIZ_SECRET_DATABASE_PASSWORD, check->password);
  else
    offer_reconnect (self, _("Saved. Reconnect to open the database with it."));
  end_conninfo_check (self);
}

static void
check_conninfo (ConninfoCheck *check,
                const char    *password)
{
  wabiz_conninfo_check_async (check->conninfo, password, check->cancellable, conninfo_checked_cb,
                              check);
}

static void
saved_password_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ConninfoCheck) check = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;

  password = wabiz_secrets_lookup_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (check->cancellable))
    return;
  /* no keyring: the server may need no password */
  if (error != NULL)
    g_debug ("Cannot look up the database password: %s", error->message);

  check_conninfo (g_steal_pointer (&check), password);
  if (password != NULL)
    memset (password, 0, strlen (password));
}

static void
conninfo_apply_cb (WabizPreferencesWindow *self,
                   AdwEntryRow            *row)
{
  g_autofree char *text = row_text (row);
  g_autofree char *clean = NULL;
  g_autofree char *password = NULL;
  ConninfoCheck *check;

  /* the last string applied wins */
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  end_conninfo_check (self);
  set_conninfo_error (self, NULL);

  if (*text == '\0')
    {
      g_settings_set_string (self->settings, "database-conninfo", "");
      return;
    }

  clean = wabiz_conninfo_clean (text, &password);
  if (clean == NULL)
    {
      set_conninfo_error (self, _("This is not a PostgreSQL connection string. Copy it from "
                                  "Supabase again, under Project Settings → Database."));
      return;
    }

  /* the password in the string, else the one typed below, else the
   * one in the keyring */
  if (password == NULL)
    {
      password = row_text (self->db_password_row);
      if (*password == '\0')
        g_clear_pointer (&password, g_free);
    }

  self->check_cancellable = g_cancellable_new ();
  gtk_widget_set_visible (self->conninfo_spinner, TRUE);
  set_saving (self, TRUE);

  check = g_new0 (ConninfoCheck, 1);
  check->self = g_object_ref (self);
  check->cancellable = g_object_ref (self->check_cancellable);
  check->conninfo = g_steal_pointer (&clean);
  check->password = g_steal_pointer (&password);
  g_debug ("Checking the database connection string");
  if (check->password != NULL)
    check_conninfo (check, check->password);
  else
    wabiz_secrets_lookup_async (WABIZ_SECRET_DATABASE_PASSWORD, check->cancellable,
                                saved_password_cb, check);
}

/* ------------------------------------------------------------------ */
/* the services: sending, deliveries from Meta, the database's settings */

static void
sender_problem_cb (WabizPreferencesWindow *self)
{
  const char *problem = self->outbox != NULL ? wabiz_outbox_get_sender_problem (self->outbox) : NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->sender_problem_row), problem != NULL);
  if (problem != NULL)
    adw_action_row_set_subtitle (self->sender_problem_row, problem);
}

static void
webhook_status_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(WabizPreferencesWindow) self = user_data;
  g_autoptr(WabizWebhookStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *warning = NULL;

  status = wabiz_webhook_status_get_finish (result, &error);
  if (status == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_action_row_set_subtitle (self->last_event_row,
                                     _("Not known: the database cannot be reached"));
      return;
    }

  warning = wabiz_webhook_status_dup_warning (status->silent_since);
  if (status->last_event_at > 0)
    {
      when = wabiz_webhook_status_format_time (status->last_event_at);
      /* Translators: %s is when, e.g. “5 minutes ago” */
      subtitle = g_strdup_printf (_("%s, from any receiver of this database"), when);
    }
  else
    subtitle = g_strdup (_("None yet: no delivery from Meta has reached this database"));
  if (warning != NULL)
    {
      g_autofree char *both = g_strconcat (subtitle, "\n", warning, NULL);

      adw_action_row_set_subtitle (self->last_event_row, both);
    }
  else
    adw_action_row_set_subtitle (self->last_event_row, subtitle);
}

static void
look_at_webhooks (WabizPreferencesWindow *self)
{
  if (self->services == NULL)
    {
      adw_action_row_set_subtitle (self->last_event_row,
                                   _("Not known until the database is open"));
      return;
    }
  wabiz_webhook_status_get_async (wabiz_services_get_db (self->services), self->cancellable,
                                  webhook_status_cb, g_object_ref (self));
}

/* business settings */

static AdwEntryRow *
hours_row (WabizPreferencesWindow *self,
           GDateWeekday            day)
{
  AdwEntryRow *rows[] = { self->hours_mon_row, self->hours_tue_row, self->hours_wed_row,
                          self->hours_thu_row, self->hours_fri_row, self->hours_sat_row,
                          self->hours_sun_row };

  return rows[day - 1];
}

static char *
join_words (const char * const *words)
{
  return words != NULL ? g_strjoinv (", ", (char **) words) : g_strdup ("");
}

static char **
split_words (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  return g_strv_builder_end (builder);
}

/* The database's business settings into the rows */
static void
show_business (WabizPreferencesWindow *self)
{
  WabizBusinessSettings *b = self->business;
  g_autofree char *keywords = NULL;

  if (b == NULL)
    return;

  self->loading = TRUE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->profile_view),
                            wabiz_business_settings_get_profile (b), -1);
  gtk_editable_set_text (GTK_EDITABLE (self->time_zone_row), wabiz_business_settings_get_time_zone (b));
  for (GDateWeekday day = G_DATE_MONDAY; day <= G_DATE_SUNDAY; day++)
    {
      const char *hours = wabiz_business_settings_get_hours (b, day);

      gtk_editable_set_text (GTK_EDITABLE (hours_row (self, day)), hours != NULL ? hours : "");
    }
  gtk_switch_set_active (self->greeting_switch, wabiz_business_settings_get_greeting_enabled (b));
  gtk_editable_set_text (GTK_EDITABLE (self->greeting_text_row), wabiz_business_settings_get_greeting_text (b));
  gtk_spin_button_set_value (self->greeting_interval_spin,
                             MAX (1, wabiz_business_settings_get_greeting_interval (b) / (24 * 60)));
  gtk_switch_set_active (self->away_switch, wabiz_business_settings_get_away_enabled (b));
  gtk_editable_set_text (GTK_EDITABLE (self->away_text_row), wabiz_business_settings_get_away_text (b));
  gtk_spin_button_set_value (self->away_interval_spin,
                             MAX (1, wabiz_business_settings_get_away_interval (b) / 60));
  gtk_switch_set_active (self->analysis_switch, wabiz_business_settings_get_analysis_enabled (b));
  adw_combo_row_set_selected (self->auto_reply_mode_row, wabiz_business_settings_get_auto_reply_mode (b));
  keywords = join_words (wabiz_business_settings_get_auto_reply_keywords (b));
  gtk_editable_set_text (GTK_EDITABLE (self->auto_reply_keywords_row), keywords);
  gtk_spin_button_set_value (self->auto_reply_interval_spin,
                             MAX (1, wabiz_business_settings_get_auto_reply_interval (b)));
  self->loading = FALSE;
}

typedef struct
{
  WabizPreferencesWindow *self;  /* (owned) */
  GtkWidget              *row;   /* (owned) */
} RowSave;

static void
row_save_free (RowSave *save)
{
  g_object_unref (save->self);
  g_object_unref (save->row);
  g_free (save);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RowSave, row_save_free)

static RowSave *
row_save_new (WabizPreferencesWindow *self,
              GtkWidget              *row)
{
  RowSave *save = g_new0 (RowSave, 1);

  save->self = g_object_ref (self);
  save->row = g_object_ref (row);
  return save;
}

/* Says beside @row that what it holds is saved, or why not (@error) */
static void
show_row_saved (WabizPreferencesWindow *self,
                GtkWidget              *row,
                const GError           *error)
{
  if (error != NULL)
    {
      /* Translators: %s says why */
      g_autofree char *message = g_strdup_printf (_("Not saved: %s"), error->message);

      set_row_error (self, row, message);
      return;
    }
  set_row_error (self, row, NULL);
  remember (self, NULL);
}

static void
business_saved_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(RowSave) save = user_data;
  WabizPreferencesWindow *self = save->self;
  g_autoptr(GError) error = NULL;

  self->n_business_saves--;
  set_saving (self, FALSE);
  wabiz_business_settings_save_finish (WABIZ_BUSINESS_SETTINGS (object), result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_row_saved (self, save->row, error);
}

/* Saves what changed, or says beside @row why it cannot be and puts the
 * setting back with @revert (what was typed stays in the row) */
static gboolean
save_business (WabizPreferencesWindow *self,
               GtkWidget              *row)
{
  g_autoptr(GError) error = NULL;

  if (self->business == NULL || self->services == NULL)
    return FALSE;
  if (!wabiz_business_settings_validate (self->business, &error))
    {
      set_row_error (self, row, error->message);
      return FALSE;
    }
  self->n_business_saves++;
  set_saving (self, TRUE);
  wabiz_business_settings_save_async (self->business, wabiz_services_get_db (self->services),
                                      self->cancellable, business_saved_cb,
                                      row_save_new (self, row));
  return TRUE;
}

static void
profile_save_cb (WabizPreferencesWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->profile_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_autofree char *before = NULL;

  if (self->business == NULL)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  before = g_strdup (wabiz_business_settings_get_profile (self->business));
  wabiz_business_settings_set_profile (self->business, g_strstrip (text));
  if (!save_business (self, GTK_WIDGET (self->profile_view)))
    wabiz_business_settings_set_profile (self->business, before);
}

static void
time_zone_apply_cb (WabizPreferencesWindow *self,
                    AdwEntryRow            *row)
{
  g_autofree char *text = row_text (row);
  g_autofree char *before = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(JsonObject) changes = NULL;

  if (self->business == NULL)
    return;
  if (*text == '\0')
    {
      g_free (text);
      text = g_strdup ("UTC");
    }
  tz = g_time_zone_new_identifier (text);
  if (tz == NULL)
    {
      /* Translators: %s is what the owner typed */
      g_autofree char *message = g_strdup_printf (_("“%s” is not a time zone: write it as "
                                                    "Region/City, for example America/Sao_Paulo "
                                                    "or Europe/Lisbon"),
                                                  text);

      set_row_error (self, GTK_WIDGET (row), message);
      return;
    }
  before = g_strdup (wabiz_business_settings_get_time_zone (self->business));
  wabiz_business_settings_set_time_zone (self->business, text);
  if (!save_business (self, GTK_WIDGET (row)))
    {
      wabiz_business_settings_set_time_zone (self->business, before);
      return;
    }
  /* campaigns and scheduled messages count days in the same zone */
  changes = json_object_new ();
  json_object_set_string_member (changes, "timezone", text);
  wabiz_campaign_settings_update_async (wabiz_services_get_db (self->services), changes,
                                        self->cancellable, NULL, NULL);
}

static void
hours_apply_cb (WabizPreferencesWindow *self,
                AdwEntryRow            *row)
{
  g_autofree char *text = row_text (row);
  g_autofree char *before = NULL;
  g_autoptr(GError) error = NULL;
  GDateWeekday day = G_DATE_MONDAY;

  if (self->business == NULL)
    return;
  while (hours_row (self, day) != row)
    day++;
  before = g_strdup (wabiz_business_settings_get_hours (self->business, day));
  if (!wabiz_business_settings_set_hours (self->business, day, text, &error))
    {
      set_row_error (self, GTK_WIDGET (row), error->message);
      return;
    }
  if (!save_business (self, GTK_WIDGET (row)))
    {
      if (before != NULL)
        wabiz_business_settings_set_hours (self->business, day, before, NULL);
      else
        wabiz_business_settings_clear_hours (self->business);
      return;
    }
  /* as saved: 9:00-18:00 reads 09:00-18:00 */
  gtk_editable_set_text (GTK_EDITABLE (row), wabiz_business_settings_get_hours (self->business, day));
}

static void
business_switch_cb (WabizPreferencesWindow *self,
                    GParamSpec             *pspec,
                    GtkSwitch              *widget)
{
  gboolean active = gtk_switch_get_active (widget);
  gboolean before;
  GtkWidget *row;

  if (self->loading || self->business == NULL)
    return;
  if (widget == self->greeting_switch)
    before = wabiz_business_settings_get_greeting_enabled (self->business);
  else if (widget == self->away_switch)
    before = wabiz_business_settings_get_away_enabled (self->business);
  else
    before = wabiz_business_settings_get_analysis_enabled (self->business);
  /* already in force (a switch put back after a refusal): saving it
   * would clear the error beside the row */
  if (active == before)
    return;
  row = gtk_widget_get_ancestor (GTK_WIDGET (widget), ADW_TYPE_ACTION_ROW);
  if (widget == self->greeting_switch)
    wabiz_business_settings_set_greeting_enabled (self->business, active);
  else if (widget == self->away_switch)
    wabiz_business_settings_set_away_enabled (self->business, active);
  else if (widget == self->analysis_switch)
    wabiz_business_settings_set_analysis_enabled (self->business, active);
  else
    g_return_if_reached ();

  if (!save_business (self, row))
    {
      /* not saved: the switch says what is in force */
      if (widget == self->greeting_switch)
        wabiz_business_settings_set_greeting_enabled (self->business, !active);
      else if (widget == self->away_switch)
        wabiz_business_settings_set_away_enabled (self->business, !active);
      else
        wabiz_business_settings_set_analysis_enabled (self->business, !active);
      self->loading = TRUE;
      gtk_switch_set_active (widget, !active);
      self->loading = FALSE;
    }
}

static void
business_text_apply_cb (WabizPreferencesWindow *self,
                        AdwEntryRow            *row)
{
  g_autofree char *text = row_text (row);
  g_autofree char *before = NULL;
  gboolean greeting = row == self->greeting_text_row;

  if (self->business == NULL)
    return;
  before = g_strdup (greeting ? wabiz_business_settings_get_greeting_text (self->business)
                              : wabiz_business_settings_get_away_text (self->business));
  if (greeting)
    wabiz_business_settings_set_greeting_text (self->business, text);
  else
    wabiz_business_settings_set_away_text (self->business, text);
  if (!save_business (self, GTK_WIDGET (row)))
    {
      if (greeting)
        wabiz_business_settings_set_greeting_text (self->business, before);
      else
        wabiz_business_settings_set_away_text (self->business, before);
    }
}

static void
business_interval_cb (WabizPreferencesWindow *self,
                      GtkSpinButton          *spin)
{
  guint value = (guint) gtk_spin_button_get_value_as_int (spin);
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (spin), ADW_TYPE_ACTION_ROW);

  if (self->loading || self->business == NULL)
    return;
  if (spin == self->greeting_interval_spin)
    wabiz_business_settings_set_greeting_interval (self->business, value * 24 * 60);
  else if (spin == self->away_interval_spin)
    wabiz_business_settings_set_away_interval (self->business, value * 60);
  else
    wabiz_business_settings_set_auto_reply_interval (self->business, value);
  save_business (self, row);
}

static void
auto_reply_mode_cb (WabizPreferencesWindow *self)
{
  WabizAutoReplyMode before;
  WabizAutoReplyMode mode = adw_combo_row_get_selected (self->auto_reply_mode_row);

  if (self->loading || self->business == NULL || mode > WABIZ_AUTO_REPLY_KEYWORDS)
    return;
  before = wabiz_business_settings_get_auto_reply_mode (self->business);
  /* already in force: also the row put back after a refusal, whose
   * notification may come after loading ends; saving it would clear the
   * error beside the row */
  if (mode == before)
    return;
  wabiz_business_settings_set_auto_reply_mode (self->business, mode);
  if (!save_business (self, GTK_WIDGET (self->auto_reply_mode_row)))
    {
      wabiz_business_settings_set_auto_reply_mode (self->business, before);
      self->loading = TRUE;
      adw_combo_row_set_selected (self->auto_reply_mode_row, before);
      self->loading = FALSE;
    }
}

static void
keywords_apply_cb (WabizPreferencesWindow *self,
                   AdwEntryRow            *row)
{
  g_autofree char *text = row_text (row);
  g_auto(GStrv) words = split_words (text);
  g_auto(GStrv) before = NULL;
  g_autofree char *kept = NULL;

  if (self->business == NULL)
    return;
  before = g_strdupv ((char **) wabiz_business_settings_get_auto_reply_keywords (self->business));
  wabiz_business_settings_set_auto_reply_keywords (self->business, (const char * const *) words);
  if (!save_business (self, GTK_WIDGET (row)))
    {
      wabiz_business_settings_set_auto_reply_keywords (self->business,
                                                       (const char * const *) before);
      return;
    }
  /* as saved: each keyword once, whatever its case */
  kept = join_words (wabiz_business_settings_get_auto_reply_keywords (self->business));
  gtk_editable_set_text (GTK_EDITABLE (row), kept);
}

/* campaign settings */

static const char * const tiers[] = { "250", "1K", "10K", "100K", "unlimited" };

static void
show_campaign_settings (WabizPreferencesWindow *self,
                        JsonObject             *settings)
{
  const char *tier = json_object_get_string_member_with_default (settings, "tier", "1K");
  g_autoptr(GStrvBuilder) stop = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) start = g_strv_builder_new ();
  g_auto(GStrv) stop_words = NULL;
  g_auto(GStrv) start_words = NULL;
  g_autofree char *stop_text = NULL;
  g_autofree char *start_text = NULL;
  JsonArray *array;

  self->loading = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (tiers); i++)
    if (g_str_equal (tier, tiers[i]))
      adw_combo_row_set_selected (self->tier_row, i);
  gtk_spin_button_set_value (self->campaign_rate_spin,
                             json_object_get_double_member_with_default (settings, "rate", 20));
  array = json_object_get_array_member (settings, "stop_words");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    g_strv_builder_add (stop, json_array_get_string_element (array, i));
  array = json_object_get_array_member (settings, "start_words");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    g_strv_builder_add (start, json_array_get_string_element (array, i));
  stop_words = g_strv_builder_end (stop);
  start_words = g_strv_builder_end (start);
  stop_text = join_words ((const char * const *) stop_words);
  start_text = join_words ((const char * const *) start_words);
  gtk_editable_set_text (GTK_EDITABLE (self->stop_words_row), stop_text);
  gtk_editable_set_text (GTK_EDITABLE (self->start_words_row), start_text);
  gtk_editable_set_text (GTK_EDITABLE (self->opt_out_reply_row),
                         json_object_get_string_member_with_default (settings, "opt_out_reply", ""));
  gtk_editable_set_text (GTK_EDITABLE (self->opt_in_reply_row),
                         json_object_get_string_member_with_default (settings, "opt_in_reply", ""));
  self->loading = FALSE;
}

static void
campaign_settings_loaded_cb (GObject      *object,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr(WabizPreferencesWindow) self = user_data;
  g_autoptr(JsonObject) settings = NULL;
  g_autoptr(GError) error = NULL;

  settings = wabiz_campaign_settings_get_finish (result, &error);
  if (settings == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot read the campaign settings: %s", error->message);
      return;
    }
  show_campaign_settings (self, settings);
  gtk_widget_set_sensitive (self->campaigns_page, TRUE);
}

static void
campaign_saved_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(RowSave) save = user_data;
  WabizPreferencesWindow *self = save->self;
  g_autoptr(JsonObject) settings = NULL;
  g_autoptr(GError) error = NULL;

  self->n_campaign_saves--;
  set_saving (self, FALSE);
  settings = wabiz_campaign_settings_update_finish (result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_row_saved (self, save->row, error);
}

static void
save_campaign_setting (WabizPreferencesWindow *self,
                       GtkWidget              *row,
                       JsonObject             *changes)
{
  if (self->services == NULL)
    return;
  self->n_campaign_saves++;
  set_saving (self, TRUE);
  wabiz_campaign_settings_update_async (wabiz_services_get_db (self->services), changes,
                                        self->cancellable, campaign_saved_cb,
                                        row_save_new (self, row));
}

static void
tier_cb (WabizPreferencesWindow *self)
{
  guint i = adw_combo_row_get_selected (self->tier_row);
  g_autoptr(JsonObject) changes = NULL;

  if (self->loading || i >= G_N_ELEMENTS (tiers))
    return;
  changes = json_object_new ();
  json_object_set_string_member (changes, "tier", tiers[i]);
  save_campaign_setting (self, GTK_WIDGET (self->tier_row), changes);
}

static void
campaign_rate_cb (WabizPreferencesWindow *self,
                  GtkSpinButton          *spin)
{
  g_autoptr(JsonObject) changes = NULL;

  if (self->loading)
    return;
  changes = json_object_new ();
  json_object_set_double_member (changes, "rate", gtk_spin_button_get_value (spin));
  save_campaign_setting (self, gtk_widget_get_ancestor (GTK_WIDGET (spin), ADW_TYPE_ACTION_ROW),
                         changes);
}

static void
campaign_text_apply_cb (WabizPreferencesWindow *self,
                        AdwEntryRow            *row)
{
  g_autofree char *text = row_text (row);
  g_autoptr(JsonObject) changes = json_object_new ();

  if (row == self->stop_words_row || row == self->start_words_row)
    {
      g_auto(GStrv) words = split_words (text);
      JsonArray *array = json_array_new ();

      for (guint i = 0; words[i] != NULL; i++)
        json_array_add_string_element (array, words[i]);
      json_object_set_array_member (changes, row == self->stop_words_row ? "stop_words" : "start_words",
                                    array);
    }
  else
    {
      const char *name = row == self->opt_out_reply_row ? "opt_out_reply" : "opt_in_reply";

      /* empty: no confirmation */
      if (*text == '\0')
        json_object_set_null_member (changes, name);
      else
        json_object_set_string_member (changes, name, text);
    }
  save_campaign_setting (self, GTK_WIDGET (row), changes);
}

/* the Gemini key: checked with Gemini, then kept */

typedef struct
{
  WabizPreferencesWindow *self;   /* (owned) */
  char                   *key;    /* (owned) */
} GeminiCheck;

static void
gemini_check_free (GeminiCheck *check)
{
  g_object_unref (check->self);
  memset (check->key, 0, strlen (check->key));
  g_free (check->key);
  g_free (check);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GeminiCheck, gemini_check_free)

static void
end_gemini_check (WabizPreferencesWindow *self)
{
  g_clear_object (&self->gemini_cancellable);
  gtk_widget_set_visible (self->gemini_key_spinner, FALSE);
  set_saving (self, FALSE);
}

static void
gemini_answered_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GeminiCheck) check = user_data;
  WabizPreferencesWindow *self = check->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  WabizGeminiKeyCheck verdict;

  verdict = wabiz_gemini_key_check_finish (object, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  end_gemini_check (self);

  if (verdict == WABIZ_GEMINI_KEY_WORKS)
    {
      set_row_error (self, GTK_WIDGET (self->gemini_key_row), NULL);
      store_secret (self, self->gemini_key_row, WABIZ_SECRET_GEMINI_KEY, check->key);
      return;
    }

  if (verdict == WABIZ_GEMINI_KEY_REFUSED)
    message = g_strdup (_("Gemini did not accept this key, and it was not saved. Copy it again "
                          "from Google AI Studio (Get API key)."));
  else
    /* Translators: %s is why, from Gemini or the network */
    message = g_strdup_printf (_("The key could not be checked with Gemini, and it was not saved: "
                                 "%s. Try again when Gemini can be reached."),
                               error->message);
  set_row_error (self, GTK_WIDGET (self->gemini_key_row), message);
}

static void
gemini_key_apply_cb (WabizPreferencesWindow *self,
                     AdwEntryRow            *row)
{
  g_autofree char *key = row_text (row);
  g_autofree char *url = NULL;
  GeminiCheck *check;

  /* an empty field keeps what the keyring has */
  if (*key == '\0')
    return;
  if (self->gemini_cancellable != NULL)
    {
      g_cancellable_cancel (self->gemini_cancellable);
      end_gemini_check (self);
    }

  url = g_settings_get_string (self->settings, "gemini-url");
  self->gemini_cancellable = g_cancellable_new ();
  gtk_widget_set_visible (self->gemini_key_spinner, TRUE);
  set_saving (self, TRUE);
  check = g_new0 (GeminiCheck, 1);
  check->self = g_object_ref (self);
  check->key = g_steal_pointer (&key);
  g_debug ("Checking the Gemini key");
  wabiz_gemini_key_check_async (url, check->key, self->gemini_cancellable, gemini_answered_cb, check);
}

/* The gemini-model key's values, in the order of the model row */
static const char * const models[] = { WABIZ_GEMINI_DEFAULT_MODEL, WABIZ_GEMINI_FAST_MODEL, NULL };

static void
model_changed_cb (WabizPreferencesWindow *self)
{
  if (!self->loading)
    offer_reconnect (self, _("Saved. Reconnect to use this model."));
}

/* the services to follow: the application's while they are ready */

static void
update_services (WabizPreferencesWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  WabizServices *services = NULL;
  WabizOutbox *outbox = NULL;
  g_autofree char *conninfo = NULL;

  if (WABIZ_IS_APPLICATION (app))
    services = wabiz_application_get_services (WABIZ_APPLICATION (app));
  if (services != NULL && wabiz_services_get_state (services) != WABIZ_SERVICES_STATE_READY)
    services = NULL;
  if (services == self->services)
    return;

  g_set_object (&self->services, services);
  outbox = services != NULL ? wabiz_services_get_outbox (services) : NULL;
  if (self->outbox != NULL)
    g_signal_handlers_disconnect_by_data (self->outbox, self);
  g_set_object (&self->outbox, outbox);
  if (outbox != NULL)
    g_signal_connect_object (outbox, "notify::sender-problem", G_CALLBACK (sender_problem_cb), self,
                             G_CONNECT_SWAPPED);
  sender_problem_cb (self);

  if (self->business != NULL)
    g_signal_handlers_disconnect_by_data (self->business, self);
  g_clear_object (&self->business);
  if (services != NULL)
    {
      self->business = wabiz_business_settings_new ();
      g_signal_connect_object (self->business, "changed", G_CALLBACK (show_business), self,
                               G_CONNECT_SWAPPED);
      wabiz_business_settings_watch (self->business, wabiz_services_get_db (services),
                                     wabiz_services_get_listener (services));
      show_business (self);
      wabiz_campaign_settings_get_async (wabiz_services_get_db (services), self->cancellable,
                                         campaign_settings_loaded_cb, g_object_ref (self));
    }
  /* what the database keeps needs it open */
  gtk_widget_set_sensitive (self->business_page, services != NULL);
  gtk_widget_set_sensitive (self->analysis_group, services != NULL);
  gtk_widget_set_sensitive (self->auto_reply_group, services != NULL);
  gtk_widget_set_sensitive (self->campaigns_page, FALSE);

  if (g_settings_get_enum (self->settings, "database-mode") == 1)
    conninfo = g_settings_get_string (self->settings, "database-conninfo");
  wabiz_webhook_ways_set_conninfo (self->webhook_ways, conninfo);
  wabiz_webhook_ways_set_database (self->webhook_ways,
                                   services != NULL ? wabiz_services_get_db (services) : NULL,
                                   services != NULL ? wabiz_services_get_listener (services) : NULL);
  look_at_webhooks (self);
}

static void
app_services_cb (WabizPreferencesWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  WabizServices *services = WABIZ_IS_APPLICATION (app) ? wabiz_application_get_services (WABIZ_APPLICATION (app)) : NULL;

  if (services != NULL)
    g_signal_connect_object (services, "notify::state", G_CALLBACK (update_services), self,
                             G_CONNECT_SWAPPED);
  update_services (self);
}

/* A string key to the position of its value in @user_data (a
 * NULL-terminated array of the values, in the order of a combo row) */
static gboolean
choice_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char * const *choices = user_data;
  const char *choice = g_variant_get_string (variant, NULL);

  for (guint i = 0; choices[i] != NULL; i++)
    if (g_str_equal (choice, choices[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
choice_set_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  const char * const *choices = user_data;
  guint i = g_value_get_uint (value);

  if (i >= g_strv_length ((char **) choices))
    return NULL;
  return g_variant_new_string (choices[i]);
}

static void
load_settings (WabizPreferencesWindow *self)
{
  static const struct {
    const char *key;
    gsize       offset;
  } entries[] = {
    { "phone-number-id", G_STRUCT_OFFSET (WabizPreferencesWindow, phone_number_id_row) },
    { "waba-id", G_STRUCT_OFFSET (WabizPreferencesWindow, waba_id_row) },
    { "graph-url", G_STRUCT_OFFSET (WabizPreferencesWindow, graph_url_row) },
    { "graph-version", G_STRUCT_OFFSET (WabizPreferencesWindow, graph_version_row) },
    { "http-host", G_STRUCT_OFFSET (WabizPreferencesWindow, http_host_row) },
    { "database-conninfo", G_STRUCT_OFFSET (WabizPreferencesWindow, conninfo_row) },
  };

  self->loading = TRUE;

  /* entries save on Enter or their check mark, not on every key */
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      GtkEditable *row = G_STRUCT_MEMBER (GtkEditable *, self, entries[i].offset);
      g_autofree char *value = g_settings_get_string (self->settings, entries[i].key);

      gtk_editable_set_text (row, value);
    }

  g_settings_bind (self->settings, "send-rate", self->send_rate_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "http-enabled", self->http_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "http-port", self->http_port_spin, "value", G_SETTINGS_BIND_DEFAULT);
  /* the address and port only matter with the server on */
  g_object_bind_property (self->http_switch, "active", self->http_host_row, "sensitive",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->http_switch, "active", self->http_port_spin, "sensitive",
                          G_BINDING_SYNC_CREATE);
  g_settings_bind (self->settings, "notifications", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "color-scheme", self->style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, choice_get_mapping, choice_set_mapping,
                                (gpointer) styles, NULL);
  g_settings_bind_with_mapping (self->settings, "gemini-model", self->gemini_model_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, choice_get_mapping, choice_set_mapping,
                                (gpointer) models, NULL);
  g_settings_bind (self->settings, "media-budget", self->media_budget_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::gemini-model", G_CALLBACK (model_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->auto_reply_mode_row, "notify::selected",
                           G_CALLBACK (auto_reply_mode_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tier_row, "notify::selected", G_CALLBACK (tier_cb), self,
                           G_CONNECT_SWAPPED);
  wabiz_webhook_ways_set_settings (self->webhook_ways, self->settings);

  if (g_settings_get_enum (self->settings, "database-mode") == 1)
    gtk_check_button_set_active (self->remote_check, TRUE);
  else
    gtk_check_button_set_active (self->embedded_check, TRUE);
  update_database_rows (self);

  g_signal_connect_object (self->settings, "changed::http-enabled", G_CALLBACK (server_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::http-host", G_CALLBACK (server_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::http-port", G_CALLBACK (server_changed_cb),
                           self, G_CONNECT_SWAPPED);

  self->loading = FALSE;
}

/* GObject */

static void
wabiz_preferences_window_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  WabizPreferencesWindow *self = WABIZ_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SAVING:
      g_value_set_boolean (value, self->n_saving > 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_preferences_window_dispose (GObject *object)
{
  WabizPreferencesWindow *self = WABIZ_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  if (self->gemini_cancellable != NULL)
    g_cancellable_cancel (self->gemini_cancellable);
  g_clear_object (&self->gemini_cancellable);
  self->reconnect = NULL;
  self->error_toast = NULL;
  if (self->outbox != NULL)
    g_signal_handlers_disconnect_by_data (self->outbox, self);
  g_clear_object (&self->outbox);
  if (self->business != NULL)
    g_signal_handlers_disconnect_by_data (self->business, self);
  g_clear_object (&self->business);
  g_clear_object (&self->services);

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (wabiz_preferences_window_parent_class)->dispose (object);
}

static void
wabiz_preferences_window_finalize (GObject *object)
{
  WabizPreferencesWindow *self = WABIZ_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_free (self->last_message);

  G_OBJECT_CLASS (wabiz_preferences_window_parent_class)->finalize (object);
}

static void
wabiz_preferences_window_class_init (WabizPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_preferences_window_get_property;
  object_class->dispose = wabiz_preferences_window_dispose;
  object_class->finalize = wabiz_preferences_window_finalize;

  properties[PROP_SAVING] =
    g_param_spec_boolean ("saving", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, phone_number_id_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, waba_id_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, access_token_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, app_secret_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, send_rate_spin);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, graph_url_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, graph_version_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, http_switch);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, http_host_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, http_port_spin);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, verify_token_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, api_key_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, embedded_check);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, remote_check);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, remote_group);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, conninfo_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, conninfo_spinner);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, conninfo_error_icon);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, conninfo_error_label);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, db_password_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_callback (widget_class, secret_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, account_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, database_mode_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, conninfo_apply_cb);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, media_budget_spin);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, sender_problem_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, last_event_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, webhook_ways);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, business_page);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, profile_view);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, profile_save_button);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, time_zone_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, hours_mon_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, hours_tue_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, hours_wed_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, hours_thu_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, hours_fri_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, hours_sat_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, hours_sun_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, greeting_switch);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, greeting_text_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, greeting_interval_spin);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, away_switch);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, away_text_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, away_interval_spin);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, gemini_key_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, gemini_key_spinner);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, gemini_model_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, analysis_group);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, auto_reply_group);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, analysis_switch);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, auto_reply_mode_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, auto_reply_keywords_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, auto_reply_interval_spin);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, campaigns_page);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, tier_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, campaign_rate_spin);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, stop_words_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, start_words_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, opt_out_reply_row);
  gtk_widget_class_bind_template_child (widget_class, WabizPreferencesWindow, opt_in_reply_row);
  gtk_widget_class_bind_template_callback (widget_class, profile_save_cb);
  gtk_widget_class_bind_template_callback (widget_class, time_zone_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, hours_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, business_switch_cb);
  gtk_widget_class_bind_template_callback (widget_class, business_text_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, business_interval_cb);
  gtk_widget_class_bind_template_callback (widget_class, keywords_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, campaign_rate_cb);
  gtk_widget_class_bind_template_callback (widget_class, campaign_text_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, gemini_key_apply_cb);
}

static void
wabiz_preferences_window_init (WabizPreferencesWindow *self)
{
  g_type_ensure (WABIZ_TYPE_WEBHOOK_WAYS);
  /* the radios toggle while the template is built */
  self->loading = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  if (g_str_has_suffix (APP_ID, ".Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

WabizPreferencesWindow *
wabiz_preferences_window_new (GtkApplication *application,
                              GSettings      *settings)
{
  WabizPreferencesWindow *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (WABIZ_TYPE_PREFERENCES_WINDOW, "application", application, NULL);
  self->settings = g_object_ref (settings);
  load_settings (self);
  g_signal_connect_object (application, "notify::services", G_CALLBACK (app_services_cb), self,
                           G_CONNECT_SWAPPED);
  app_services_cb (self);

  return self;
}

/* Shows the page named @name: "whatsapp", "webhooks", "database",
 * "business", "ai", "campaigns" or "general" */
void
wabiz_preferences_window_show_page (WabizPreferencesWindow *self,
                                    const char             *name)
{
  g_return_if_fail (WABIZ_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (name != NULL);

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), name);
}

/* The last toast or error shown, for tests; NULL once a save went through */
const char *
wabiz_preferences_window_get_last_message (WabizPreferencesWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_PREFERENCES_WINDOW (self), NULL);
  return self->last_message;
}

/* Whether everything typed has been saved or refused */
gboolean
wabiz_preferences_window_get_settled (WabizPreferencesWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_PREFERENCES_WINDOW (self), FALSE);
  return self->n_saving == 0 && self->n_business_saves == 0 && self->n_campaign_saves == 0;
}

/* Whether a secret is being stored in the keyring */
gboolean
wabiz_preferences_window_get_saving (WabizPreferencesWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_PREFERENCES_WINDOW (self), FALSE);
  return self->n_saving > 0;
}

/* A row (or other child) of the window by its id in the .ui, for tests */
GtkWidget *
wabiz_preferences_window_get_child (WabizPreferencesWindow *self,
                                    const char             *id)
{
  g_return_val_if_fail (WABIZ_IS_PREFERENCES_WINDOW (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self), WABIZ_TYPE_PREFERENCES_WINDOW, id));
}
