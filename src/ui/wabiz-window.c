/* wabiz-window.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The main window: a sidebar with the four panes, which shows what the
 * database is doing until it is ready, and what keeps messages from
 * going once it is (Meta not set up, or what stops the outbox's sender,
 * in the notice bar). Its "services" are the application's; the panes
 * follow them, the one in view loading first.
 */

#define G_LOG_DOMAIN "wabiz-window"

#include "config.h"

#include "wabiz-analytics-pane.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-follow-services.h"
#include "wabiz-leads-pane.h"
#include "wabiz-templates-pane.h"
#include "wabiz-webhook-banner.h"
#include "wabiz-window.h"

#include <glib/gi18n.h>

struct _WabizWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;          /* (owned) */
  WabizServices        *services;          /* (owned) (nullable): the application's */
  WabizOutbox          *outbox;            /* (owned) (nullable): the services', followed for
                                            * its sender problem */
  char                 *pane_name;         /* (owned) */
  AdwLeaflet           *leaflet;           /* (unowned): in layout_slot */
  guint                 back_idle;
  gboolean              loaded;

  /* template children */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwStatusPage        *starting_page;
  AdwStatusPage        *failed_page;
  AdwBin               *layout_slot;
  GtkWidget            *sidebar;
  AdwHeaderBar         *sidebar_header;
  GtkListBox           *sidebar_list;
  GtkWidget            *content;
  AdwHeaderBar         *content_header;
  GtkWidget            *back_button;
  AdwWindowTitle       *pane_title;
  GtkRevealer          *notice_revealer;
  GtkLabel             *notice_label;
  WabizWebhookBanner   *webhook_banner;
  GtkStack             *pane_stack;
  WabizPane            *leads_pane;
  WabizPane            *conversations_pane;
  WabizPane            *templates_pane;
  WabizPane            *analytics_pane;
};

G_DEFINE_FINAL_TYPE (WabizWindow, wabiz_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SERVICES,
  PROP_PANE,
  PROP_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const pane_names[] = { "leads", "conversations", "templates", "analytics" };

static WabizPane **
get_panes (WabizWindow *self,
           WabizPane   *panes[4])
{
  panes[0] = self->leads_pane;
  panes[1] = self->conversations_pane;
  panes[2] = self->templates_pane;
  panes[3] = self->analytics_pane;
  return panes;
}

/* The pane in view loads first; the others once it has, so that their
 * queries do not compete with the one the user is waiting for. */
static void
update_holds (WabizWindow *self)
{
  WabizPane *current = self->pane_name != NULL ? wabiz_window_get_pane (self, self->pane_name) : NULL;
  gboolean current_loaded = current == NULL || wabiz_pane_get_loaded (current);
  WabizPane *panes[4];

  get_panes (self, panes);
  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    wabiz_pane_set_on_hold (panes[i], panes[i] != current && !current_loaded);
}

static void
update_loaded (WabizWindow *self)
{
  WabizApplication *app = WABIZ_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  WabizPane *panes[4];
  gboolean loaded = FALSE;

  if (app == NULL)
    return;

  switch (wabiz_application_get_database_state (app))
    {
    case WABIZ_DATABASE_STATE_FAILED:
      loaded = TRUE;
      break;
    case WABIZ_DATABASE_STATE_READY:
      loaded = TRUE;
      get_panes (self, panes);
      for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
        loaded = loaded && wabiz_pane_get_loaded (panes[i]);
      break;
    case WABIZ_DATABASE_STATE_STARTING:
    default:
      break;
    }

  if (self->loaded == loaded)
    return;

  self->loaded = loaded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

static void
database_state_changed_cb (WabizWindow *self)
{
  WabizApplication *app = WABIZ_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  if (app == NULL)
    return;

  switch (wabiz_application_get_database_state (app))
    {
    case WABIZ_DATABASE_STATE_STARTING:
      adw_status_page_set_title (self->starting_page,
                                 wabiz_application_get_embedded (app)
                                 ? _("Starting the Database…")
                                 : _("Connecting to the Database…"));
      gtk_stack_set_visible_child_name (self->main_stack, "starting");
      break;

    case WABIZ_DATABASE_STATE_FAILED:
      {
        g_autofree char *description = NULL;

        if (wabiz_application_get_embedded (app))
          /* Translators: %s says what went wrong */
          description = g_strdup_printf (_("%s\n\nMake sure there is free disk space, then try "
                                           "again. You can also use a remote database in "
                                           "Preferences."),
                                         wabiz_application_get_database_error (app));
        else
          /* Translators: %s says what went wrong */
          description = g_strdup_printf (_("%s\n\nCheck your network connection and the "
                                           "database connection in Preferences, then try "
                                           "again."),
                                         wabiz_application_get_database_error (app));
        adw_status_page_set_description (self->failed_page, description);
        gtk_stack_set_visible_child_name (self->main_stack, "failed");
      }
      break;

    case WABIZ_DATABASE_STATE_READY:
      gtk_stack_set_visible_child_name (self->main_stack, "ready");
      break;

    default:
      g_assert_not_reached ();
    }

  update_holds (self);
  update_loaded (self);
}

/* Meta not set up, say: messages stay queued, and where to fix it; else
 * what stops the sender (a lost database session, a Graph address the
 * token may not go to), which says what to do */
static void
notice_changed_cb (WabizWindow *self)
{
  WabizApplication *app = WABIZ_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  const char *notice = app != NULL ? wabiz_application_get_notice (app) : NULL;

  if (notice == NULL && self->outbox != NULL)
    notice = wabiz_outbox_get_sender_problem (self->outbox);
  if (notice != NULL)
    gtk_label_set_label (self->notice_label, notice);
  gtk_revealer_set_reveal_child (self->notice_revealer, notice != NULL);
}

/* The outbox of the services while they are ready */
static void
follow_outbox (WabizWindow *self)
{
  WabizOutbox *outbox = NULL;

  if (self->services != NULL &&
      wabiz_services_get_state (self->services) == WABIZ_SERVICES_STATE_READY)
    outbox = wabiz_services_get_outbox (self->services);

  if (self->outbox != outbox)
    {
      if (self->outbox != NULL)
        g_signal_handlers_disconnect_by_data (self->outbox, self);
      g_set_object (&self->outbox, outbox);
      if (outbox != NULL)
        g_signal_connect_object (outbox, "notify::sender-problem",
                                 G_CALLBACK (notice_changed_cb), self, G_CONNECT_SWAPPED);
    }
  notice_changed_cb (self);
}

static void
set_services (WabizWindow   *self,
              WabizServices *services)
{
  if (wabiz_follow_services (self, &self->services, services, G_CALLBACK (follow_outbox)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICES]);
}

static void
select_sidebar_row (WabizWindow *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      if (GTK_IS_LIST_BOX_ROW (row) && g_strcmp0 (gtk_widget_get_name (row), self->pane_name) == 0)
        {
          gtk_list_box_select_row (self->sidebar_list, GTK_LIST_BOX_ROW (row));
          break;
        }
    }
}

static void
show_sidebar_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  WabizWindow *self = WABIZ_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizWindow *self = WABIZ_WINDOW (widget);
  g_autofree char *pane_action = g_strdup_printf ("%s.search", self->pane_name);
  WabizPane *pane = wabiz_window_get_pane (self, self->pane_name);

  if (WABIZ_IS_CONVERSATIONS_PANE (pane))
    wabiz_conversations_pane_focus_search (WABIZ_CONVERSATIONS_PANE (pane));
  /* other panes that can search have a "<pane>.search" action */
  else if (pane != NULL && !gtk_widget_activate_action (GTK_WIDGET (pane), pane_action, NULL))
    gtk_widget_error_bell (widget);
}

static void
open_conversation_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  WabizWindow *self = WABIZ_WINDOW (widget);
  const char *phone = g_variant_get_string (parameter, NULL);

  if (*phone == '\0')
    return;
  wabiz_window_set_pane_name (self, "conversations");
  wabiz_conversations_pane_open (WABIZ_CONVERSATIONS_PANE (self->conversations_pane), phone);
}

static void
jump_to_conversation_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  WabizWindow *self = WABIZ_WINDOW (widget);

  wabiz_window_set_pane_name (self, "conversations");
  wabiz_conversations_pane_focus_search (WABIZ_CONVERSATIONS_PANE (self->conversations_pane));
}

static void
demo_changed_cb (WabizWindow *self)
{
  WabizApplication *app = WABIZ_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  if (app != NULL && wabiz_application_get_demo (app))
    adw_window_title_set_subtitle (self->pane_title,
                                   _("Demo — messages go to a simulator, not WhatsApp"));
  else
    adw_window_title_set_subtitle (self->pane_title, NULL);
}

/* One back button at each level: ours goes to the sidebar, unless the
 * pane shows an inner page that has its own (a chat, a lead). */
static void
update_back_button (WabizWindow *self)
{
  WabizPane *pane = self->pane_name != NULL ? wabiz_window_get_pane (self, self->pane_name) : NULL;
  gboolean folded = self->leaflet != NULL && adw_leaflet_get_folded (self->leaflet);

  gtk_widget_set_visible (self->back_button,
                          folded && (pane == NULL || !wabiz_pane_get_own_back (pane)));
}

static gboolean
update_back_button_idle_cb (gpointer user_data)
{
  WabizWindow *self = user_data;

  self->back_idle = 0;
  update_back_button (self);
  return G_SOURCE_REMOVE;
}

/* A pane's leaflet folds while the window is allocated, after our header
 * bar was: changing the header bar then would leave it unallocated. Done
 * before the next frame, so that no frame shows two back buttons (and a
 * busy frame clock cannot hold it back). */
static void
pane_own_back_cb (WabizWindow *self)
{
  if (self->back_idle == 0)
    self->back_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_back_button_idle_cb, self, NULL);
}

static GtkWidget *
build_leaflet (WabizWindow *self)
{
  GtkWidget *leaflet = adw_leaflet_new ();
  AdwLeafletPage *page;

  adw_leaflet_set_can_navigate_back (ADW_LEAFLET (leaflet), TRUE);
  adw_leaflet_append (ADW_LEAFLET (leaflet), self->sidebar);
  page = adw_leaflet_append (ADW_LEAFLET (leaflet), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  adw_leaflet_page_set_navigatable (page, FALSE);
  adw_leaflet_append (ADW_LEAFLET (leaflet), self->content);
  adw_leaflet_set_visible_child (ADW_LEAFLET (leaflet), self->content);

  g_object_bind_property (leaflet, "folded", self->sidebar_header, "show-end-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (leaflet, "folded", self->content_header, "show-start-title-buttons",
                          G_BINDING_SYNC_CREATE);

  return leaflet;
}

static void
pane_loaded_cb (WabizWindow *self)
{
  update_holds (self);
  update_loaded (self);
}

/* After construction: "application" is set after constructed() runs. */
static void
attach_to_application (WabizWindow      *self,
                       WabizApplication *app)
{
  self->settings = g_object_ref (wabiz_application_get_settings (app));
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "last-pane", self, "pane", G_SETTINGS_BIND_DEFAULT);

  /* the panes follow the window's services */
  g_object_bind_property (app, "services", self, "services", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (app, "notify::database-state",
                           G_CALLBACK (database_state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "notify::demo", G_CALLBACK (demo_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "notify::notice", G_CALLBACK (notice_changed_cb), self,
                           G_CONNECT_SWAPPED);
  database_state_changed_cb (self);
  demo_changed_cb (self);
  notice_changed_cb (self);
}

static void
wabiz_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WabizWindow *self = WABIZ_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICES:
      g_value_set_object (value, self->services);
      break;
    case PROP_PANE:
      g_value_set_string (value, self->pane_name);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  WabizWindow *self = WABIZ_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICES:
      set_services (self, g_value_get_object (value));
      break;
    case PROP_PANE:
      wabiz_window_set_pane_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_window_dispose (GObject *object)
{
  WabizWindow *self = WABIZ_WINDOW (object);

  g_clear_handle_id (&self->back_idle, g_source_remove);
  if (self->settings != NULL)
    g_settings_unbind (self, "pane");
  g_clear_object (&self->settings);

  /* nothing tells the notice bar any more: it goes */
  if (self->outbox != NULL)
    g_signal_handlers_disconnect_by_data (self->outbox, self);
  g_clear_object (&self->outbox);
  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_WINDOW);
  g_clear_object (&self->services);

  G_OBJECT_CLASS (wabiz_window_parent_class)->dispose (object);
}

static void
wabiz_window_finalize (GObject *object)
{
  WabizWindow *self = WABIZ_WINDOW (object);

  g_free (self->pane_name);

  G_OBJECT_CLASS (wabiz_window_parent_class)->finalize (object);
}

static void
wabiz_window_class_init (WabizWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_window_get_property;
  object_class->set_property = wabiz_window_set_property;
  object_class->dispose = wabiz_window_dispose;
  object_class->finalize = wabiz_window_finalize;

  /**
   * WabizWindow:services:
   *
   * The application's services, which the panes follow (bound to
   * #WabizApplication:services).
   */
  properties[PROP_SERVICES] =
    g_param_spec_object ("services", NULL, NULL, WABIZ_TYPE_SERVICES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PANE] =
    g_param_spec_string ("pane", NULL, NULL, "conversations",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (WABIZ_TYPE_LEADS_PANE);
  g_type_ensure (WABIZ_TYPE_CONVERSATIONS_PANE);
  g_type_ensure (WABIZ_TYPE_TEMPLATES_PANE);
  g_type_ensure (WABIZ_TYPE_ANALYTICS_PANE);
  g_type_ensure (WABIZ_TYPE_WEBHOOK_BANNER);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, starting_page);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, failed_page);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, layout_slot);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, sidebar_header);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, content);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, content_header);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, pane_title);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, notice_label);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, webhook_banner);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, pane_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, leads_pane);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, conversations_pane);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, templates_pane);
  gtk_widget_class_bind_template_child (widget_class, WabizWindow, analytics_pane);

  gtk_widget_class_install_property_action (widget_class, "win.pane", "pane");
  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL, show_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.open-conversation", "s",
                                   open_conversation_action);
  gtk_widget_class_install_action (widget_class, "win.jump-to-conversation", NULL,
                                   jump_to_conversation_action);
}

static void
wabiz_window_init (WabizWindow *self)
{
  WabizPane *panes[4];

  /* the rows' win.pane action reads the state while the template loads */
  self->pane_name = g_strdup ("conversations");
  gtk_widget_init_template (GTK_WIDGET (self));

  if (g_str_has_suffix (APP_ID, ".Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  /* On libadwaita 1.4 and later this becomes an AdwNavigationSplitView. */
  self->leaflet = ADW_LEAFLET (build_leaflet (self));
  adw_bin_set_child (self->layout_slot, GTK_WIDGET (self->leaflet));

  get_panes (self, panes);
  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    {
      g_signal_connect_object (panes[i], "notify::loaded", G_CALLBACK (pane_loaded_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (panes[i], "notify::own-back", G_CALLBACK (pane_own_back_cb), self,
                               G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (self->leaflet, "notify::folded", G_CALLBACK (update_back_button), self,
                           G_CONNECT_SWAPPED);
  update_back_button (self);

  wabiz_window_set_pane_name (self, "conversations");
  adw_window_title_set_title (self->pane_title, wabiz_pane_get_title (self->conversations_pane));
  gtk_stack_set_visible_child_name (self->pane_stack, "conversations");
  select_sidebar_row (self);
  update_holds (self);
}

WabizWindow *
wabiz_window_new (WabizApplication *application)
{
  WabizWindow *self;

  g_return_val_if_fail (WABIZ_IS_APPLICATION (application), NULL);

  self = g_object_new (WABIZ_TYPE_WINDOW, "application", application, NULL);
  attach_to_application (self, application);
  return self;
}

const char *
wabiz_window_get_pane_name (WabizWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_WINDOW (self), NULL);

  return self->pane_name;
}

/**
 * wabiz_window_set_pane_name:
 * @name: "leads", "conversations", "templates" or "analytics"
 *
 * Shows a pane; the win.pane action and the sidebar do the same.
 */
void
wabiz_window_set_pane_name (WabizWindow *self,
                            const char  *name)
{
  WabizPane *pane;

  g_return_if_fail (WABIZ_IS_WINDOW (self));

  if (name == NULL || !g_strv_contains (pane_names, name))
    {
      g_debug ("No pane called “%s”", name ? name : "(null)");
      return;
    }

  if (g_strcmp0 (self->pane_name, name) != 0)
    {
      g_free (self->pane_name);
      self->pane_name = g_strdup (name);

      pane = wabiz_window_get_pane (self, name);
      /* the pane now in view loads first */
      update_holds (self);
      gtk_stack_set_visible_child_name (self->pane_stack, name);
      adw_window_title_set_title (self->pane_title, wabiz_pane_get_title (pane));
      select_sidebar_row (self);
      update_back_button (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PANE]);
    }

  if (self->leaflet != NULL)
    adw_leaflet_set_visible_child (self->leaflet, self->content);
}

/* The pane called @name, or NULL */
WabizPane *
wabiz_window_get_pane (WabizWindow *self,
                       const char  *name)
{
  GtkWidget *child;

  g_return_val_if_fail (WABIZ_IS_WINDOW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  child = gtk_stack_get_child_by_name (self->pane_stack, name);
  return WABIZ_IS_PANE (child) ? WABIZ_PANE (child) : NULL;
}

/**
 * wabiz_window_get_loaded:
 *
 * Whether the window shows something final: every pane has loaded from
 * the database, or the database failed and the window says so.
 */
gboolean
wabiz_window_get_loaded (WabizWindow *self)
{
  g_return_val_if_fail (WABIZ_IS_WINDOW (self), FALSE);

  return self->loaded;
}
