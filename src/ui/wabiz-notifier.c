/* wabiz-notifier.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The desktop notifications: a GNotification for the messages customers
 * send while no window of the app is focused (one per conversation, its
 * id "conversation-<phone>", so that several collapse into one with a
 * count), for a send that failed and for a template approved or
 * rejected. Activating one runs app.open-conversation with the number
 * as target, which works from the notification daemon and in Flatpak.
 * Nothing is sent while the "notifications" setting is off, and nothing
 * for a muted conversation (wabiz-alerts.c). What is new is read from
 * the database on each changed::messages and changed::templates.
 */

#define G_LOG_DOMAIN "wabiz-notifier"

#include "config.h"

#include "wabiz-alerts.h"
#include "wabiz-notifier-private.h"
#include "wabiz-phone.h"

#include <glib/gi18n.h>

/* seen message ids kept for the overlap of the looks */
#define MAX_SEEN 5000

struct _WabizNotifier
{
  GObject          parent_instance;

  GtkApplication  *application;     /* (unowned) it owns us */
  GSettings       *settings;        /* (owned) */
  WabizServices   *services;        /* (owned) (nullable) */
  WabizDbListener *listener;        /* (owned) (nullable) the services' */
  GCancellable    *cancellable;     /* (owned) (nullable) per services */
  char            *since;           /* (owned) (nullable) the database's time of the last look */
  GHashTable      *seen;            /* (owned) message uuids looked at */
  GHashTable      *counts;          /* (owned) phone → messages told of since withdrawn */
  GHashTable      *templates;       /* (owned) "name:language" → status, as last read */
  gboolean         started;
  gboolean         collecting;
  gboolean         collect_again;
  gboolean         loading_templates;
  gboolean         load_templates_again;
  guint            n_looked;
};

G_DEFINE_FINAL_TYPE (WabizNotifier, wabiz_notifier, G_TYPE_OBJECT)

static void collect (WabizNotifier *self);
static void load_templates (WabizNotifier *self);

static gboolean
window_focused (WabizNotifier *self)
{
  for (GList *l = gtk_application_get_windows (self->application); l != NULL; l = l->next)
    if (gtk_window_is_active (l->data))
      return TRUE;
  return FALSE;
}

/* whether the owner is to be told now */
static gboolean
may_notify (WabizNotifier *self)
{
  return g_settings_get_boolean (self->settings, "notifications") && !window_focused (self);
}

static char *
dup_who (const char *name,
         const char *phone)
{
  if (name != NULL)
    return g_strdup (name);
  return wabiz_phone_format_display (phone);
}

/* "Photo: the caption", "Voice message", or the text */
static char *
dup_preview (WabizAlert *alert)
{
  const char *kind = NULL;

  if (g_str_equal (alert->type, "image"))
    kind = _("Photo");
  else if (g_str_equal (alert->type, "sticker"))
    kind = _("Sticker");
  else if (g_str_equal (alert->type, "video"))
    kind = _("Video");
  else if (g_str_equal (alert->type, "audio"))
    kind = _("Audio");
  else if (g_str_equal (alert->type, "document"))
    kind = _("Document");
  else if (g_str_equal (alert->type, "location"))
    kind = _("Location");
  else if (g_str_equal (alert->type, "contacts"))
    kind = _("Contact");
  else if (g_str_equal (alert->type, "order"))
    kind = _("Order");

  if (kind != NULL && alert->text != NULL)
    /* Translators: a notification's preview of a file: its kind and caption */
    return g_strdup_printf (_("%s: %s"), kind, alert->text);
  if (kind != NULL)
    return g_strdup (kind);
  return g_strdup (alert->text != NULL ? alert->text : _("New message"));
}

static void
send (WabizNotifier *self,
      const char    *id,
      GNotification *notification)
{
  g_debug ("Notification %s", id);
  g_application_send_notification (G_APPLICATION (self->application), id, notification);
}

static void
notify_messages (WabizNotifier *self,
                 WabizAlert    *last,
                 guint          count)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *who = dup_who (last->name, last->phone);
  g_autofree char *preview = dup_preview (last);
  g_autofree char *body = NULL;
  g_autofree char *id = g_strconcat ("conversation-", last->phone, NULL);

  if (count > 1)
    /* Translators: a notification's text: how many messages came, then the last one */
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new message\n%s", "%u new messages\n%s", count),
                            count, preview);
  else
    body = g_strdup (preview);

  notification = g_notification_new (who);
  g_notification_set_body (notification, body);
  g_notification_set_category (notification, "im.received");
  g_notification_set_default_action_and_target (notification, "app.open-conversation", "s", last->phone);
  send (self, id, notification);
}

static void
notify_failed (WabizNotifier *self,
               WabizAlert    *alert)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *who = dup_who (alert->name, alert->phone);
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = g_strconcat ("failed-", alert->phone, NULL);

  /* Translators: a notification's title; %s is the customer */
  title = g_strdup_printf (_("Not delivered to %s"), who);
  if (alert->error != NULL)
    /* Translators: %s is Meta's reason */
    body = g_strdup_printf (_("WhatsApp did not accept the message: %s. Open the conversation to send it "
                              "again."),
                            alert->error);
  else
    body = g_strdup (_("WhatsApp did not accept the message. Open the conversation to send it again."));

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action_and_target (notification, "app.open-conversation", "s", alert->phone);
  send (self, id, notification);
}

static void
collected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizNotifier) self = user_data;
  g_autoptr(GPtrArray) alerts = NULL;
  g_autoptr(GHashTable) last = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *now = NULL;
  gboolean first = self->since == NULL;
  gboolean tell;
  GHashTableIter iter;
  gpointer key, value;

  self->collecting = FALSE;
  alerts = wabiz_alerts_collect_finish (result, &now, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (alerts == NULL)
    {
      /* the next change or reconnection looks again */
      g_debug ("Cannot look for news: %s", error->message);
      return;
    }
  g_free (self->since);
  self->since = g_steal_pointer (&now);

  if (g_hash_table_size (self->seen) > MAX_SEEN)
    g_hash_table_remove_all (self->seen);

  tell = !first && may_notify (self);
  last = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < alerts->len; i++)
    {
      WabizAlert *alert = g_ptr_array_index (alerts, i);

      if (alert->message_id == NULL || alert->phone == NULL ||
          !g_hash_table_add (self->seen, g_strdup (alert->message_id)))
        continue;
      self->n_looked++;
      if (!tell || alert->muted)
        continue;

      if (alert->kind == WABIZ_ALERT_SEND_FAILED)
        notify_failed (self, alert);
      else
        {
          guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, alert->phone));

          g_hash_table_insert (self->counts, g_strdup (alert->phone), GUINT_TO_POINTER (count + 1));
          g_hash_table_insert (last, alert->phone, alert);
        }
    }

  /* one notification per conversation, with its count */
  g_hash_table_iter_init (&iter, last);
  while (g_hash_table_iter_next (&iter, &key, &value))
    notify_messages (self, value, GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key)));

  if (self->collect_again)
    collect (self);
}

static void
collect (WabizNotifier *self)
{
  if (self->services == NULL || wabiz_services_get_db (self->services) == NULL)
    return;
  if (self->collecting)
    {
      self->collect_again = TRUE;
      return;
    }
  self->collecting = TRUE;
  self->collect_again = FALSE;
  wabiz_alerts_collect_async (wabiz_services_get_db (self->services), self->since, self->cancellable,
                              collected_cb, g_object_ref (self));
}

static void
notify_template (WabizNotifier      *self,
                 WabizAlertTemplate *template_)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = g_strdup_printf ("template-%s-%s", template_->name, template_->language);
  g_autofree char *body = NULL;
  gboolean approved = g_strcmp0 (template_->status, "APPROVED") == 0;

  if (approved)
    /* Translators: a template's name and language */
    body = g_strdup_printf (_("“%s” (%s) can now be sent to customers."), template_->name, template_->language);
  else if (template_->reason != NULL)
    /* Translators: a template's name, language and Meta's reason */
    body = g_strdup_printf (_("“%s” (%s) was rejected: %s. Edit it and submit it again."), template_->name,
                            template_->language, template_->reason);
  else
    body = g_strdup_printf (_("“%s” (%s) was rejected. Edit it and submit it again."), template_->name,
                            template_->language);

  notification = g_notification_new (approved ? _("Template approved") : _("Template rejected"));
  g_notification_set_body (notification, body);
  send (self, id, notification);
}

static void
templates_loaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(WabizNotifier) self = user_data;
  g_autoptr(GPtrArray) templates = NULL;
  g_autoptr(GError) error = NULL;
  gboolean first;

  self->loading_templates = FALSE;
  templates = wabiz_alerts_load_templates_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (templates == NULL)
    {
      g_debug ("Cannot read the templates: %s", error->message);
      return;
    }

  /* the first read only says where each stands */
  first = g_hash_table_size (self->templates) == 0 && !self->started;
  self->started = TRUE;
  for (guint i = 0; i < templates->len; i++)
    {
      WabizAlertTemplate *t = g_ptr_array_index (templates, i);
      g_autofree char *key = g_strdup_printf ("%s:%s", t->name, t->language);
      const char *before = g_hash_table_lookup (self->templates, key);
      gboolean reviewed = g_strcmp0 (t->status, "APPROVED") == 0 || g_strcmp0 (t->status, "REJECTED") == 0;

      /* a review of a template known before (not one synced already reviewed) */
      if (!first && reviewed && before != NULL && g_strcmp0 (before, t->status) != 0 && may_notify (self))
        notify_template (self, t);
      g_hash_table_insert (self->templates, g_steal_pointer (&key), g_strdup (t->status));
    }

  if (self->load_templates_again)
    load_templates (self);
}

static void
load_templates (WabizNotifier *self)
{
  if (self->services == NULL || wabiz_services_get_db (self->services) == NULL)
    return;
  if (self->loading_templates)
    {
      self->load_templates_again = TRUE;
      return;
    }
  self->loading_templates = TRUE;
  self->load_templates_again = FALSE;
  wabiz_alerts_load_templates_async (wabiz_services_get_db (self->services), self->cancellable,
                                     templates_loaded_cb, g_object_ref (self));
}

static void
messages_changed_cb (WabizNotifier *self)
{
  collect (self);
}

static void
templates_changed_cb (WabizNotifier *self)
{
  load_templates (self);
}

static void
stop (WabizNotifier *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_clear_object (&self->listener);
  g_clear_pointer (&self->since, g_free);
  g_hash_table_remove_all (self->seen);
  g_hash_table_remove_all (self->templates);
  self->started = FALSE;
  self->collecting = FALSE;
  self->collect_again = FALSE;
  self->loading_templates = FALSE;
  self->load_templates_again = FALSE;
}

/* The services run: from now on, what is new is told */
static void
services_state_cb (WabizNotifier *self)
{
  if (self->services == NULL || self->listener != NULL ||
      wabiz_services_get_state (self->services) != WABIZ_SERVICES_STATE_READY)
    return;

  self->cancellable = g_cancellable_new ();
  self->listener = g_object_ref (wabiz_services_get_listener (self->services));
  g_signal_connect_object (self->listener, "changed::messages", G_CALLBACK (messages_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->listener, "reconnected", G_CALLBACK (messages_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->listener, "changed::templates", G_CALLBACK (templates_changed_cb), self,
                           G_CONNECT_SWAPPED);
  collect (self);
  load_templates (self);
}

/* The owner looks at the app again: what was told is known */
static void
window_active_cb (WabizNotifier *self,
                  GParamSpec    *pspec,
                  GtkWindow     *window)
{
  g_autoptr(GList) phones = NULL;

  if (!gtk_window_is_active (window))
    return;
  phones = g_hash_table_get_keys (self->counts);
  for (GList *l = phones; l != NULL; l = l->next)
    {
      g_autofree char *id = g_strconcat ("conversation-", l->data, NULL);

      g_application_withdraw_notification (G_APPLICATION (self->application), id);
    }
  g_hash_table_remove_all (self->counts);
}

static void
window_added_cb (WabizNotifier *self,
                 GtkWindow     *window)
{
  g_signal_connect_object (window, "notify::is-active", G_CALLBACK (window_active_cb), self, G_CONNECT_SWAPPED);
}

static void
wabiz_notifier_dispose (GObject *object)
{
  WabizNotifier *self = WABIZ_NOTIFIER (object);

  stop (self);
  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);
  g_clear_object (&self->services);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wabiz_notifier_parent_class)->dispose (object);
}

static void
wabiz_notifier_finalize (GObject *object)
{
  WabizNotifier *self = WABIZ_NOTIFIER (object);

  g_hash_table_unref (self->seen);
  g_hash_table_unref (self->counts);
  g_hash_table_unref (self->templates);

  G_OBJECT_CLASS (wabiz_notifier_parent_class)->finalize (object);
}

static void
wabiz_notifier_class_init (WabizNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_notifier_dispose;
  object_class->finalize = wabiz_notifier_finalize;
}

static void
wabiz_notifier_init (WabizNotifier *self)
{
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->templates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

WabizNotifier *
wabiz_notifier_new (GtkApplication *application,
                    GSettings      *settings)
{
  WabizNotifier *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (WABIZ_TYPE_NOTIFIER, NULL);
  self->application = application;
  self->settings = g_object_ref (settings);
  g_signal_connect_object (application, "window-added", G_CALLBACK (window_added_cb), self, G_CONNECT_SWAPPED);
  return self;
}

void
wabiz_notifier_set_services (WabizNotifier *self,
                             WabizServices *services)
{
  g_return_if_fail (WABIZ_IS_NOTIFIER (self));
  g_return_if_fail (!services || WABIZ_IS_SERVICES (services));

  if (self->services == services)
    return;

  stop (self);
  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);
  g_set_object (&self->services, services);
  if (services == NULL)
    return;
  g_signal_connect_object (services, "notify::state", G_CALLBACK (services_state_cb), self, G_CONNECT_SWAPPED);
  services_state_cb (self);
}

void
wabiz_notifier_withdraw_conversation (WabizNotifier *self,
                                      const char    *phone)
{
  g_autofree char *id = NULL;
  g_autofree char *failed = NULL;

  g_return_if_fail (WABIZ_IS_NOTIFIER (self));
  g_return_if_fail (phone != NULL);

  id = g_strconcat ("conversation-", phone, NULL);
  failed = g_strconcat ("failed-", phone, NULL);
  g_hash_table_remove (self->counts, phone);
  g_application_withdraw_notification (G_APPLICATION (self->application), id);
  g_application_withdraw_notification (G_APPLICATION (self->application), failed);
}

guint
_wabiz_notifier_get_n_looked (WabizNotifier *self)
{
  g_return_val_if_fail (WABIZ_IS_NOTIFIER (self), 0);
  return self->n_looked;
}

gboolean
_wabiz_notifier_get_ready (WabizNotifier *self)
{
  g_return_val_if_fail (WABIZ_IS_NOTIFIER (self), FALSE);
  return self->since != NULL && self->started;
}
