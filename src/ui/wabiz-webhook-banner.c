/* wabiz-webhook-banner.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A bar under the main window's header bar that says when nothing from
 * Meta reaches WaBiz though messages were sent (no status came back for
 * them: no tunnel, no relay, wabizd down), and opens Preferences'
 * Webhooks page to fix it. It asks the database (WabizWebhookStatus)
 * when the services are ready, whenever a webhook event arrives
 * (changed::webhook_events) or the processor keeps one aside, and every
 * minute.
 *
 * Before that, it says when deliveries from Meta wait unread because
 * they were for another phone number id than the one set up (a test
 * number's id pasted by mistake), with that id, and opens Preferences'
 * WhatsApp page to fix it. Once the services start again (Reconnect,
 * after the setting changed) it has the processor take those events
 * again: the ones for the number now set up become messages, the others
 * stay aside and the bar stays.
 */

#define G_LOG_DOMAIN "wabiz-webhook-banner"

#include "config.h"

#include "wabiz-application.h"
#include "wabiz-preferences-window.h"
#include "wabiz-webhook-banner.h"
#include "wabiz-webhook-processor.h"
#include "wabiz-webhook-status.h"

#include <glib/gi18n.h>

#define POLL_INTERVAL_S 60

struct _WabizWebhookBanner
{
  AdwBin          parent_instance;

  WabizServices  *services;      /* (owned) (nullable) */
  WabizDbListener *listener;     /* (owned) (nullable): the services', followed */
  WabizWebhookProcessor *processor; /* (owned) (nullable): the services', followed */
  GCancellable   *cancellable;   /* (owned) (nullable): the look in flight */
  GCancellable   *reprocess_cancellable; /* (owned) (nullable): the reprocess in flight */
  guint           poll_source;
  gboolean        again;         /* look again once the one in flight is answered */
  gboolean        reprocess;     /* services just ready: take the events kept aside again */
  char           *silent_warning; /* (owned) (nullable): from the last look */
  gint64          last_event;
  guint64         n_foreign;
  guint           n_checks;
  const char     *page;          /* (unowned): the Preferences page the button opens */

  /* template children */
  GtkRevealer    *revealer;
  GtkLabel       *label;
  GtkButton      *button;
};

G_DEFINE_FINAL_TYPE (WabizWebhookBanner, wabiz_webhook_banner, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SERVICES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void look (WabizWebhookBanner *self);

static void
show_warning (WabizWebhookBanner *self,
              const char         *warning,
              const char         *button,
              const char         *page)
{
  if (warning != NULL)
    {
      gtk_label_set_label (self->label, warning);
      gtk_button_set_label (self->button, button);
      self->page = page;
    }
  gtk_revealer_set_reveal_child (self->revealer, warning != NULL);
}

/* Deliveries for another number first: they say what to fix, and they
 * also keep statuses from coming back */
static void
show (WabizWebhookBanner *self,
      const char         *foreign_id,
      guint               n_ids)
{
  g_autofree char *text = NULL;
  guint n = (guint) MIN (self->n_foreign, G_MAXUINT);

  if (self->n_foreign == 0 || foreign_id == NULL)
    {
      show_warning (self, self->silent_warning, _("_Check Webhooks"), "webhooks");
      return;
    }

  if (n_ids == 1)
    /* Translators: %u is how many, %s a phone number ID such as 106540352242922 */
    text = g_strdup_printf (ngettext ("%u delivery from Meta was for another WhatsApp number, "
                                      "ID %s, and waits unread. If that number is yours, set it "
                                      "as the Phone Number ID in Preferences, then reconnect.",
                                      "%u deliveries from Meta were for another WhatsApp number, "
                                      "ID %s, and wait unread. If that number is yours, set it "
                                      "as the Phone Number ID in Preferences, then reconnect.",
                                      n),
                            n, foreign_id);
  else
    /* Translators: %u is how many, %s the phone number ID with the most of them */
    text = g_strdup_printf (ngettext ("%u delivery from Meta was for other WhatsApp numbers, "
                                      "the most for ID %s, and waits unread. If one of them is "
                                      "yours, set it as the Phone Number ID in Preferences, then "
                                      "reconnect.",
                                      "%u deliveries from Meta were for other WhatsApp numbers, "
                                      "the most for ID %s, and wait unread. If one of them is "
                                      "yours, set it as the Phone Number ID in Preferences, then "
                                      "reconnect.",
                                      n),
                            n, foreign_id);
  show_warning (self, text, _("_Check the Phone Number"), "whatsapp");
}

static void
reprocessed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  WabizWebhookBanner *self = user_data;
  g_autoptr(GError) error = NULL;
  guint n;

  n = wabiz_webhook_processor_reprocess_finish (WABIZ_WEBHOOK_PROCESSOR (object), result, NULL,
                                                &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->reprocess_cancellable);
  if (error != NULL)
    g_debug ("Cannot take the events kept aside again: %s", error->message);
  else
    g_debug ("Took the events kept aside again: %u processed", n);
  look (self);
}

static void
foreign_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  WabizWebhookBanner *self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;
  guint64 n;

  n = wabiz_webhook_processor_count_foreign_finish (WABIZ_DB (object), result, &ids, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);

  if (error != NULL)
    g_debug ("Cannot count the events kept aside: %s", error->message);
  else
    {
      self->n_foreign = n;
      show (self, ids != NULL ? ids[0] : NULL, ids != NULL ? g_strv_length (ids) : 0);

      /* the setting may name their number now */
      if (self->reprocess && n > 0 && self->processor != NULL &&
          self->reprocess_cancellable == NULL)
        {
          self->reprocess_cancellable = g_cancellable_new ();
          /* the callback runs only while the banner lives: dispose cancels */
          wabiz_webhook_processor_reprocess_async (self->processor, self->reprocess_cancellable,
                                                   reprocessed_cb, self);
        }
      self->reprocess = FALSE;
    }
  self->n_checks++;

  if (self->again)
    look (self);
}

static void
status_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  WabizWebhookBanner *self = user_data;
  g_autoptr(WabizWebhookStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  status = wabiz_webhook_status_get_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* the database is away: the window says so otherwise */
  if (status == NULL)
    {
      g_debug ("Cannot read the webhook status: %s", error->message);
      g_clear_object (&self->cancellable);
      self->n_checks++;
      if (self->again)
        look (self);
      return;
    }

  self->last_event = status->last_event_at;
  g_free (self->silent_warning);
  self->silent_warning = wabiz_webhook_status_dup_warning (status->silent_since);
  /* then the events kept aside, in the same look */
  wabiz_webhook_processor_count_foreign_async (wabiz_services_get_db (self->services),
                                               self->cancellable, foreign_cb, self);
}

static void
look (WabizWebhookBanner *self)
{
  WabizDb *db;

  self->again = FALSE;
  if (self->services == NULL ||
      wabiz_services_get_state (self->services) != WABIZ_SERVICES_STATE_READY)
    {
      show_warning (self, NULL, NULL, NULL);
      return;
    }
  /* one at a time; the last event is looked at after it */
  if (self->cancellable != NULL)
    {
      self->again = TRUE;
      return;
    }

  db = wabiz_services_get_db (self->services);
  self->cancellable = g_cancellable_new ();
  /* the callback runs only while the banner lives: dispose cancels */
  wabiz_webhook_status_get_async (db, self->cancellable, status_cb, self);
}

static gboolean
poll_cb (gpointer user_data)
{
  look (user_data);
  return G_SOURCE_CONTINUE;
}

static void
follow_processor (WabizWebhookBanner    *self,
                  WabizWebhookProcessor *processor)
{
  if (self->processor == processor)
    return;
  if (self->processor != NULL)
    g_signal_handlers_disconnect_by_data (self->processor, self);
  if (self->reprocess_cancellable != NULL)
    g_cancellable_cancel (self->reprocess_cancellable);
  g_clear_object (&self->reprocess_cancellable);
  g_set_object (&self->processor, processor);
  if (processor != NULL)
    {
      g_signal_connect_object (processor, "kept-aside", G_CALLBACK (look), self,
                               G_CONNECT_SWAPPED);
      /* new services: the phone number id may have changed */
      self->reprocess = TRUE;
    }
}

static void
services_state_cb (WabizWebhookBanner *self)
{
  WabizDbListener *listener = NULL;
  WabizWebhookProcessor *processor = NULL;

  if (self->services != NULL &&
      wabiz_services_get_state (self->services) == WABIZ_SERVICES_STATE_READY)
    {
      listener = wabiz_services_get_listener (self->services);
      if (wabiz_services_get_flags (self->services) & WABIZ_SERVICES_PROCESS)
        processor = wabiz_services_get_processor (self->services);
    }
  follow_processor (self, processor);

  if (self->listener != listener)
    {
      if (self->listener != NULL)
        g_signal_handlers_disconnect_by_data (self->listener, self);
      g_set_object (&self->listener, listener);
      if (listener != NULL)
        {
          g_signal_connect_object (listener, "changed::webhook_events", G_CALLBACK (look), self,
                                   G_CONNECT_SWAPPED);
          g_signal_connect_object (listener, "reconnected", G_CALLBACK (look), self,
                                   G_CONNECT_SWAPPED);
        }
    }
  look (self);
}

static void
open_preferences_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  WabizPreferencesWindow *preferences;

  if (!WABIZ_IS_APPLICATION (app))
    return;

  preferences = wabiz_preferences_window_new (app, wabiz_application_get_settings (WABIZ_APPLICATION (app)));
  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (root));
  wabiz_preferences_window_show_page (preferences, WABIZ_WEBHOOK_BANNER (widget)->page);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
wabiz_webhook_banner_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  WabizWebhookBanner *self = WABIZ_WEBHOOK_BANNER (object);

  switch (prop_id)
    {
    case PROP_SERVICES:
      g_value_set_object (value, self->services);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_webhook_banner_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  WabizWebhookBanner *self = WABIZ_WEBHOOK_BANNER (object);

  switch (prop_id)
    {
    case PROP_SERVICES:
      wabiz_webhook_banner_set_services (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_webhook_banner_dispose (GObject *object)
{
  WabizWebhookBanner *self = WABIZ_WEBHOOK_BANNER (object);

  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_clear_object (&self->listener);
  follow_processor (self, NULL);
  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);
  g_clear_object (&self->services);

  /* AdwBin unparents its child itself */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_WEBHOOK_BANNER);

  G_OBJECT_CLASS (wabiz_webhook_banner_parent_class)->dispose (object);
}

static void
wabiz_webhook_banner_finalize (GObject *object)
{
  WabizWebhookBanner *self = WABIZ_WEBHOOK_BANNER (object);

  g_free (self->silent_warning);

  G_OBJECT_CLASS (wabiz_webhook_banner_parent_class)->finalize (object);
}

static void
wabiz_webhook_banner_class_init (WabizWebhookBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_webhook_banner_get_property;
  object_class->set_property = wabiz_webhook_banner_set_property;
  object_class->dispose = wabiz_webhook_banner_dispose;
  object_class->finalize = wabiz_webhook_banner_finalize;

  /**
   * WabizWebhookBanner:services:
   *
   * The services whose database is watched (the window's).
   */
  properties[PROP_SERVICES] =
    g_param_spec_object ("services", NULL, NULL, WABIZ_TYPE_SERVICES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-webhook-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookBanner, label);
  gtk_widget_class_bind_template_child (widget_class, WabizWebhookBanner, button);

  gtk_widget_class_install_action (widget_class, "webhook-banner.open-preferences", NULL,
                                   open_preferences_action);
}

static void
wabiz_webhook_banner_init (WabizWebhookBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->page = "webhooks";
  self->poll_source = g_timeout_add_seconds (POLL_INTERVAL_S, poll_cb, self);
}

GtkWidget *
wabiz_webhook_banner_new (void)
{
  return g_object_new (WABIZ_TYPE_WEBHOOK_BANNER, NULL);
}

WabizServices *
wabiz_webhook_banner_get_services (WabizWebhookBanner *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_BANNER (self), NULL);
  return self->services;
}

void
wabiz_webhook_banner_set_services (WabizWebhookBanner *self,
                                   WabizServices      *services)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_BANNER (self));
  g_return_if_fail (services == NULL || WABIZ_IS_SERVICES (services));

  if (self->services == services)
    return;

  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);
  g_set_object (&self->services, services);
  /* what the previous database said is not this one's */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->last_event = 0;
  self->n_foreign = 0;
  if (services != NULL)
    g_signal_connect_object (services, "notify::state", G_CALLBACK (services_state_cb), self,
                             G_CONNECT_SWAPPED);
  services_state_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICES]);
}

void
wabiz_webhook_banner_refresh (WabizWebhookBanner *self)
{
  g_return_if_fail (WABIZ_IS_WEBHOOK_BANNER (self));
  look (self);
}

const char *
wabiz_webhook_banner_get_message (WabizWebhookBanner *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_BANNER (self), NULL);

  return gtk_revealer_get_reveal_child (self->revealer) ? gtk_label_get_label (self->label) : NULL;
}

gint64
wabiz_webhook_banner_get_last_event (WabizWebhookBanner *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_BANNER (self), 0);
  return self->last_event;
}

guint
wabiz_webhook_banner_get_n_checks (WabizWebhookBanner *self)
{
  g_return_val_if_fail (WABIZ_IS_WEBHOOK_BANNER (self), 0);
  return self->n_checks;
}
