/* wabiz-preferences-window.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Preferences: the WhatsApp account, the webhook server, the database,
 * the sending rate and the style. Plain settings go to GSettings (the
 * keys the setup assistant writes); the access token, the App Secret,
 * the verify token, the REST API key and the database password go to
 * the keyring only, through wabiz-secrets. A database connection string
 * is saved only once it connects (wabiz_conninfo_check_async(), as the
 * setup assistant does). What the running services only read at start
 * offers to reconnect (app.retry-database).
 */

#define G_LOG_DOMAIN "wabiz-preferences-window"

#include "config.h"

#include "wabiz-conninfo.h"
#include "wabiz-preferences-window.h"
#include "wabiz-secrets.h"

#include <glib/gi18n.h>
#include <string.h>

struct _WabizPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;      /* (owned) */
  GCancellable         *cancellable;   /* (owned) */
  GCancellable         *check_cancellable; /* (owned) (nullable): while checking a connection string */
  AdwToast             *reconnect;     /* (unowned) (nullable): shown */
  guint                 n_saving;
  gboolean              loading;

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
};

G_DEFINE_FINAL_TYPE (WabizPreferencesWindow, wabiz_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SAVING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The color-scheme key's nicks, in the order of the style row */
static const char * const styles[] = { "default", "light", "dark" };

static char *
row_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
toast (WabizPreferencesWindow *self,
       const char             *title)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (title));
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

static gboolean
style_get_mapping (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    if (g_str_equal (nick, styles[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
style_set_mapping (const GValue       *value,
                   const GVariantType *expected_type,
                   gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  if (i >= G_N_ELEMENTS (styles))
    return NULL;
  return g_variant_new_string (styles[i]);
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
                                G_SETTINGS_BIND_DEFAULT, style_get_mapping, style_set_mapping,
                                NULL, NULL);

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
  self->reconnect = NULL;

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (wabiz_preferences_window_parent_class)->dispose (object);
}

static void
wabiz_preferences_window_finalize (GObject *object)
{
  WabizPreferencesWindow *self = WABIZ_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);

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
}

static void
wabiz_preferences_window_init (WabizPreferencesWindow *self)
{
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

  return self;
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
