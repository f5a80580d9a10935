/* wabiz-campaigns-window.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The campaigns of a main window, in a window of their own beside it
 * (the Leads pane and the campaign dialog open it). It follows the main
 * window's services, and stays when closed (hidden) so that it can still
 * say, in the main window, when a campaign finished; it goes with the
 * main window.
 */

#define G_LOG_DOMAIN "wabiz-campaigns-window"

#include "config.h"

#include "wabiz-campaigns-window.h"
#include "wabiz-services.h"
#include "wabiz-toast.h"

#include <glib/gi18n.h>

#define WINDOW_KEY "wabiz-campaigns-window"

struct _WabizCampaignsWindow
{
  AdwWindow           parent_instance;

  WabizServices      *services;       /* (owned) (nullable): the main window's */
  AdwToastOverlay    *toast_overlay;  /* (unowned) */
  WabizCampaignsPage *page;           /* (unowned) */
};

G_DEFINE_FINAL_TYPE (WabizCampaignsWindow, wabiz_campaigns_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SERVICES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
campaign_finished_cb (WabizCampaignsWindow *self,
                      const char           *id,
                      const char           *name)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  /* Translators: %s is the name of a campaign */
  g_autofree char *title = g_strdup_printf (_("Campaign “%s” finished"), name);

  /* shown here, or else in the main window */
  if (gtk_widget_get_visible (GTK_WIDGET (self)) || !ADW_IS_APPLICATION_WINDOW (parent))
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
      return;
    }
  wabiz_widget_toast (adw_application_window_get_content (ADW_APPLICATION_WINDOW (parent)), title);
}

static void
wabiz_campaigns_window_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  WabizCampaignsWindow *self = WABIZ_CAMPAIGNS_WINDOW (object);

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
wabiz_campaigns_window_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  WabizCampaignsWindow *self = WABIZ_CAMPAIGNS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICES:
      if (g_set_object (&self->services, g_value_get_object (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_campaigns_window_dispose (GObject *object)
{
  WabizCampaignsWindow *self = WABIZ_CAMPAIGNS_WINDOW (object);

  g_clear_object (&self->services);

  G_OBJECT_CLASS (wabiz_campaigns_window_parent_class)->dispose (object);
}

static void
wabiz_campaigns_window_class_init (WabizCampaignsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_campaigns_window_get_property;
  object_class->set_property = wabiz_campaigns_window_set_property;
  object_class->dispose = wabiz_campaigns_window_dispose;

  /**
   * WabizCampaignsWindow:services:
   *
   * The services of the main window, which the page follows.
   */
  properties[PROP_SERVICES] =
    g_param_spec_object ("services", NULL, NULL, WABIZ_TYPE_SERVICES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
wabiz_campaigns_window_init (WabizCampaignsWindow *self)
{
  GtkWidget *overlay = adw_toast_overlay_new ();
  GtkWidget *page = wabiz_campaigns_page_new ();

  gtk_window_set_title (GTK_WINDOW (self), _("Campaigns"));
  gtk_window_set_default_size (GTK_WINDOW (self), 960, 680);
  gtk_widget_set_size_request (GTK_WIDGET (self), 360, 400);
  gtk_window_set_hide_on_close (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);

  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), page);
  adw_window_set_content (ADW_WINDOW (self), overlay);
  self->toast_overlay = ADW_TOAST_OVERLAY (overlay);
  self->page = WABIZ_CAMPAIGNS_PAGE (page);
  g_signal_connect_object (page, "campaign-finished", G_CALLBACK (campaign_finished_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
window_destroyed_cb (GtkWindow *window,
                     GtkWindow *parent)
{
  if (g_object_get_data (G_OBJECT (parent), WINDOW_KEY) == window)
    g_object_set_data (G_OBJECT (parent), WINDOW_KEY, NULL);
}

/**
 * wabiz_campaigns_window_present:
 * @from: the main window, or its campaigns window, or a window on one of them
 * @campaign_id: (nullable): the campaign to show
 *
 * Returns: (transfer none): the campaigns window of @from's main window
 */
WabizCampaignsWindow *
wabiz_campaigns_window_present (GtkWindow  *from,
                                const char *campaign_id)
{
  WabizCampaignsWindow *self = NULL;
  GtkWindow *parent = from;

  g_return_val_if_fail (GTK_IS_WINDOW (from), NULL);

  /* from a window on top of the main window or of this one */
  while (parent != NULL && !WABIZ_IS_CAMPAIGNS_WINDOW (parent) &&
         g_object_class_find_property (G_OBJECT_GET_CLASS (parent), "services") == NULL)
    parent = gtk_window_get_transient_for (parent);
  if (parent == NULL)
    parent = from;

  if (WABIZ_IS_CAMPAIGNS_WINDOW (parent))
    self = WABIZ_CAMPAIGNS_WINDOW (parent);
  else
    self = g_object_get_data (G_OBJECT (parent), WINDOW_KEY);

  if (self == NULL)
    {
      self = g_object_new (WABIZ_TYPE_CAMPAIGNS_WINDOW, "transient-for", parent, NULL);
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (parent), "services") != NULL)
        g_object_bind_property (parent, "services", self, "services", G_BINDING_SYNC_CREATE);
      g_object_set_data (G_OBJECT (parent), WINDOW_KEY, self);
      g_signal_connect_object (self, "destroy", G_CALLBACK (window_destroyed_cb), parent, 0);
    }

  if (campaign_id != NULL)
    wabiz_campaigns_page_open (self->page, campaign_id);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

WabizCampaignsPage *
wabiz_campaigns_window_get_page (WabizCampaignsWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_CAMPAIGNS_WINDOW (self), NULL);

  return self->page;
}
