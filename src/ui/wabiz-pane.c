/* wabiz-pane.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The base class of the four panes of the main window. A pane follows
 * the services of the window it is in (WabizPane:services, bound to its
 * root's "services"): once they are ready it loads what it shows from
 * their database, asynchronously, and says so through WabizPane:loaded.
 * Its models follow the services' listener themselves; the pane hears
 * of changes to the tables its class names (WabizPaneClass.tables).
 *
 * A pane is a bin: one child, the "child" property, as in AdwBin. It
 * does not keep a pointer to the child, so that a subclass's
 * gtk_widget_dispose_template() may unparent it first.
 */

#define G_LOG_DOMAIN "wabiz-pane"

#include "config.h"

#include "wabiz-pane.h"
#include "wabiz-toast.h"

#include <glib/gi18n.h>

typedef struct
{
  WabizServices   *services;     /* (owned) (nullable) */
  WabizDbListener *listener;     /* (owned) (nullable): the services', while followed */
  GBinding        *binding;      /* (unowned) (nullable): services from the root */
  WabizDb         *database;     /* (owned) (nullable): the services', while ready */
  GCancellable    *cancellable;  /* (owned) */
  gboolean         on_hold;
  char            *title;        /* (owned) (nullable) */
  char            *icon_name;    /* (owned) (nullable) */
  char            *summary;      /* (owned) (nullable) */
  gboolean         loaded;
  gboolean         own_back;
  guint            changes_source;  /* calls changes_done after a burst of changes */
  AdwLeaflet      *leaflet;       /* (unowned) (nullable): a template child, see follow_leaflet() */
  GtkWidget       *list_side;     /* (unowned) (nullable): the leaflet's */
  GtkWidget       *details_side;  /* (unowned) (nullable): the leaflet's */
} WabizPanePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (WabizPane, wabiz_pane, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CHILD,
  PROP_SERVICES,
  PROP_ON_HOLD,
  PROP_DATABASE,
  PROP_TITLE,
  PROP_ICON_NAME,
  PROP_LOADED,
  PROP_SUMMARY,
  PROP_OWN_BACK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
set_str (char       **slot,
         const char  *value)
{
  if (g_strcmp0 (*slot, value) == 0)
    return FALSE;

  g_free (*slot);
  *slot = g_strdup (value);
  return TRUE;
}

static void
set_database (WabizPane *self,
              WabizDb   *database)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  if (!g_set_object (&priv->database, database))
    return;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATABASE]);
  wabiz_pane_reload (self);
}

/* The services' database while they are ready, unless the pane waits
 * for its turn to load */
static void
update_database (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);
  WabizDb *database = NULL;

  if (priv->services != NULL && wabiz_services_get_state (priv->services) == WABIZ_SERVICES_STATE_READY)
    database = wabiz_services_get_db (priv->services);
  if (database != NULL && priv->on_hold && priv->database != database)
    return;
  set_database (self, database);
}

static void
listener_changed_cb (WabizPane       *self,
                     const char      *phone,
                     const char      *id,
                     WabizDbListener *listener)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);
  GSignalInvocationHint *hint = g_signal_get_invocation_hint (listener);

  if (priv->database != NULL)
    WABIZ_PANE_GET_CLASS (self)->changed (self, g_quark_to_string (hint->detail), phone, id);
}

static void
listener_reconnected_cb (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  /* changes may have been missed while the link was down */
  if (priv->database != NULL)
    WABIZ_PANE_GET_CLASS (self)->changed (self, NULL, NULL, NULL);
}

/* The tables of the class, through the services' listener */
static void
follow_listener (WabizPane       *self,
                 WabizDbListener *listener)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);
  const char * const *tables = WABIZ_PANE_GET_CLASS (self)->tables;

  if (priv->listener == listener)
    return;
  if (priv->listener != NULL)
    g_signal_handlers_disconnect_by_data (priv->listener, self);
  g_set_object (&priv->listener, listener);
  if (listener == NULL || tables == NULL)
    return;

  for (guint i = 0; tables[i] != NULL; i++)
    {
      g_autofree char *signal = g_strconcat ("changed::", tables[i], NULL);

      g_signal_connect_object (listener, signal, G_CALLBACK (listener_changed_cb), self, G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (listener, "reconnected", G_CALLBACK (listener_reconnected_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
services_state_cb (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);
  gboolean ready = priv->services != NULL &&
                   wabiz_services_get_state (priv->services) == WABIZ_SERVICES_STATE_READY;

  follow_listener (self, ready ? wabiz_services_get_listener (priv->services) : NULL);
  update_database (self);
}

static gboolean
changes_done_cb (gpointer user_data)
{
  WabizPane *self = user_data;
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  priv->changes_source = 0;
  /* the services went meanwhile */
  if (priv->database != NULL)
    WABIZ_PANE_GET_CLASS (self)->changes_done (self);
  return G_SOURCE_REMOVE;
}

static void
wabiz_pane_real_changed (WabizPane  *self,
                         const char *table,
                         const char *phone,
                         const char *id)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);
  WabizPaneClass *klass = WABIZ_PANE_GET_CLASS (self);

  /* changes come in bursts (webhooks, imports): once after them */
  if (klass->changes_done != NULL && priv->changes_source == 0)
    priv->changes_source = g_timeout_add (klass->changes_delay, changes_done_cb, self);
}

/* Follows the "services" of the window the pane is in */
static void
wabiz_pane_root (GtkWidget *widget)
{
  WabizPane *self = WABIZ_PANE (widget);
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);
  GtkRoot *root;

  GTK_WIDGET_CLASS (wabiz_pane_parent_class)->root (widget);

  root = gtk_widget_get_root (widget);
  if (priv->binding == NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (root), "services") != NULL)
    priv->binding = g_object_bind_property (root, "services", self, "services", G_BINDING_SYNC_CREATE);
}

static void
wabiz_pane_unroot (GtkWidget *widget)
{
  WabizPane *self = WABIZ_PANE (widget);
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  if (priv->binding != NULL)
    g_binding_unbind (g_steal_pointer (&priv->binding));

  GTK_WIDGET_CLASS (wabiz_pane_parent_class)->unroot (widget);
}

static void
wabiz_pane_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  WabizPane *self = WABIZ_PANE (object);
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_CHILD:
      g_value_set_object (value, wabiz_pane_get_child (self));
      break;
    case PROP_SERVICES:
      g_value_set_object (value, priv->services);
      break;
    case PROP_ON_HOLD:
      g_value_set_boolean (value, priv->on_hold);
      break;
    case PROP_DATABASE:
      g_value_set_object (value, priv->database);
      break;
    case PROP_TITLE:
      g_value_set_string (value, priv->title);
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value, priv->icon_name);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, priv->loaded);
      break;
    case PROP_SUMMARY:
      g_value_set_string (value, priv->summary);
      break;
    case PROP_OWN_BACK:
      g_value_set_boolean (value, priv->own_back);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_pane_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  WabizPane *self = WABIZ_PANE (object);
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_CHILD:
      wabiz_pane_set_child (self, g_value_get_object (value));
      break;
    case PROP_SERVICES:
      wabiz_pane_set_services (self, g_value_get_object (value));
      break;
    case PROP_ON_HOLD:
      wabiz_pane_set_on_hold (self, g_value_get_boolean (value));
      break;
    case PROP_TITLE:
      if (set_str (&priv->title, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_ICON_NAME:
      if (set_str (&priv->icon_name, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_pane_dispose (GObject *object)
{
  WabizPane *self = WABIZ_PANE (object);
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  GtkWidget *child;

  g_cancellable_cancel (priv->cancellable);
  g_clear_handle_id (&priv->changes_source, g_source_remove);
  if (priv->binding != NULL)
    g_binding_unbind (g_steal_pointer (&priv->binding));
  follow_listener (self, NULL);
  if (priv->services != NULL)
    g_signal_handlers_disconnect_by_data (priv->services, self);
  g_clear_object (&priv->services);
  g_clear_object (&priv->database);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (wabiz_pane_parent_class)->dispose (object);
}

static void
wabiz_pane_finalize (GObject *object)
{
  WabizPane *self = WABIZ_PANE (object);
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_clear_object (&priv->cancellable);
  g_free (priv->title);
  g_free (priv->icon_name);
  g_free (priv->summary);

  G_OBJECT_CLASS (wabiz_pane_parent_class)->finalize (object);
}

static void
wabiz_pane_class_init (WabizPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_pane_get_property;
  object_class->set_property = wabiz_pane_set_property;
  object_class->dispose = wabiz_pane_dispose;
  object_class->finalize = wabiz_pane_finalize;

  widget_class->root = wabiz_pane_root;
  widget_class->unroot = wabiz_pane_unroot;

  klass->changed = wabiz_pane_real_changed;

  properties[PROP_CHILD] =
    g_param_spec_object ("child", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * WabizPane:services:
   *
   * What the pane shows things from: bound to the "services" of the
   * window it is in.
   */
  properties[PROP_SERVICES] =
    g_param_spec_object ("services", NULL, NULL, WABIZ_TYPE_SERVICES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * WabizPane:on-hold:
   *
   * Whether the pane waits before loading from services that became
   * ready: the window lets the pane in view load first.
   */
  properties[PROP_ON_HOLD] =
    g_param_spec_boolean ("on-hold", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * WabizPane:database:
   *
   * The services' database, while they are ready and the pane is not on
   * hold; what the pane loads from.
   */
  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL, WABIZ_TYPE_DB,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * WabizPane:own-back:
   *
   * Whether the pane shows an inner page with its own back button (a
   * folded pane showing its details), so that the window hides its own.
   */
  properties[PROP_OWN_BACK] =
    g_param_spec_boolean ("own-back", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wabiz_pane_init (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
}

GtkWidget *
wabiz_pane_get_child (WabizPane *self)
{
  g_return_val_if_fail (WABIZ_IS_PANE (self), NULL);

  return gtk_widget_get_first_child (GTK_WIDGET (self));
}

void
wabiz_pane_set_child (WabizPane *self,
                      GtkWidget *child)
{
  GtkWidget *old;

  g_return_if_fail (WABIZ_IS_PANE (self));
  g_return_if_fail (!child || GTK_IS_WIDGET (child));

  old = gtk_widget_get_first_child (GTK_WIDGET (self));
  if (old == child)
    return;

  if (old != NULL)
    gtk_widget_unparent (old);
  if (child != NULL)
    gtk_widget_set_parent (child, GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHILD]);
}

WabizDb *
wabiz_pane_get_database (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PANE (self), NULL);

  return priv->database;
}

/* (nullable) */
WabizServices *
wabiz_pane_get_services (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PANE (self), NULL);

  return priv->services;
}

/* Normally through the binding to the root's "services" */
void
wabiz_pane_set_services (WabizPane     *self,
                         WabizServices *services)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PANE (self));
  g_return_if_fail (!services || WABIZ_IS_SERVICES (services));

  if (priv->services == services)
    return;

  if (priv->services != NULL)
    g_signal_handlers_disconnect_by_data (priv->services, self);
  g_set_object (&priv->services, services);
  if (services != NULL)
    g_signal_connect_object (services, "notify::state", G_CALLBACK (services_state_cb), self,
                             G_CONNECT_SWAPPED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICES]);
  services_state_cb (self);
}

gboolean
wabiz_pane_get_on_hold (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PANE (self), FALSE);

  return priv->on_hold;
}

void
wabiz_pane_set_on_hold (WabizPane *self,
                        gboolean   on_hold)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PANE (self));

  on_hold = !!on_hold;
  if (priv->on_hold == on_hold)
    return;

  priv->on_hold = on_hold;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ON_HOLD]);
  update_database (self);
}

const char *
wabiz_pane_get_title (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PANE (self), NULL);

  return priv->title;
}

const char *
wabiz_pane_get_icon_name (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PANE (self), NULL);

  return priv->icon_name;
}

gboolean
wabiz_pane_get_loaded (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PANE (self), FALSE);

  return priv->loaded;
}

void
wabiz_pane_set_loaded (WabizPane *self,
                       gboolean   loaded)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PANE (self));

  loaded = !!loaded;
  if (priv->loaded == loaded)
    return;

  priv->loaded = loaded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

/* A short text of what the pane shows, such as "3 Leads"; the status
 * page's title when the pane has nothing else to show. */
const char *
wabiz_pane_get_summary (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PANE (self), NULL);

  return priv->summary;
}

void
wabiz_pane_set_summary (WabizPane  *self,
                        const char *summary)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PANE (self));

  if (set_str (&priv->summary, summary))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
}

gboolean
wabiz_pane_get_own_back (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PANE (self), FALSE);

  return priv->own_back;
}

/* For subclasses: see #WabizPane:own-back */
void
wabiz_pane_set_own_back (WabizPane *self,
                         gboolean   own_back)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PANE (self));

  own_back = !!own_back;
  if (priv->own_back == own_back)
    return;
  priv->own_back = own_back;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OWN_BACK]);
}

/**
 * wabiz_pane_reload:
 *
 * Cancels what the pane is loading and loads again from the database.
 */
void
wabiz_pane_reload (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PANE (self));

  g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);
  priv->cancellable = g_cancellable_new ();

  wabiz_pane_set_loaded (self, FALSE);
  if (priv->database != NULL && WABIZ_PANE_GET_CLASS (self)->reload != NULL)
    WABIZ_PANE_GET_CLASS (self)->reload (self);
}

/* Cancelled by the next reload and on dispose. */
GCancellable *
wabiz_pane_get_cancellable (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_val_if_fail (WABIZ_IS_PANE (self), NULL);

  return priv->cancellable;
}

/* Tells the user about a failure, in a toast. */
void
wabiz_pane_show_error (WabizPane    *self,
                       const GError *error)
{
  g_return_if_fail (WABIZ_IS_PANE (self));
  g_return_if_fail (error != NULL);

  g_warning ("%s: %s", G_OBJECT_TYPE_NAME (self), error->message);
  wabiz_widget_toast (GTK_WIDGET (self), error->message);
}

/* "1,234" in the user's locale */
char *
wabiz_pane_format_count (gint64 count)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, count);
}

/* (nullable): the window to put dialogs on */
GtkWindow *
wabiz_pane_get_window (WabizPane *self)
{
  GtkRoot *root;

  g_return_val_if_fail (WABIZ_IS_PANE (self), NULL);

  root = gtk_widget_get_root (GTK_WIDGET (self));
  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/**
 * wabiz_pane_load_css:
 * @resource: the path of a stylesheet in the GResource
 *
 * Adds @resource to the default display's styles, once (for a pane's
 * init: until there is a display, it does nothing).
 */
void
wabiz_pane_load_css (const char *resource)
{
  static GHashTable *loaded;  /* (owned): the resources */
  g_autoptr(GtkCssProvider) provider = NULL;
  GdkDisplay *display = gdk_display_get_default ();

  g_return_if_fail (resource != NULL);

  if (loaded == NULL)
    loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (display == NULL || g_hash_table_contains (loaded, resource))
    return;
  g_hash_table_add (loaded, g_strdup (resource));

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, resource);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* Folded on the details: their back button is the one shown */
static void
update_own_back (WabizPane *self)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);
  gboolean folded = adw_leaflet_get_folded (priv->leaflet);

  wabiz_pane_set_own_back (self, folded && adw_leaflet_get_visible_child (priv->leaflet) == priv->details_side);
}

/**
 * wabiz_pane_follow_leaflet:
 * @leaflet: a template child of the pane: a list beside the details of
 *   the chosen item
 * @back_button: the details' back button, to the list
 *
 * Shows @back_button while @leaflet is folded, and keeps
 * #WabizPane:own-back while it shows @details_side folded. The
 * subclass's "show-list" action may be wabiz_pane_show_list_action().
 */
void
wabiz_pane_follow_leaflet (WabizPane  *self,
                           AdwLeaflet *leaflet,
                           GtkWidget  *list_side,
                           GtkWidget  *details_side,
                           GtkWidget  *back_button)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PANE (self));
  g_return_if_fail (ADW_IS_LEAFLET (leaflet));

  priv->leaflet = leaflet;
  priv->list_side = list_side;
  priv->details_side = details_side;
  g_object_bind_property (leaflet, "folded", back_button, "visible", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (leaflet, "notify::folded", G_CALLBACK (update_own_back), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (leaflet, "notify::visible-child", G_CALLBACK (update_own_back), self,
                           G_CONNECT_SWAPPED);
}

/* A GtkWidgetActionActivateFunc: back to the list of the leaflet that
 * wabiz_pane_follow_leaflet() follows */
void
wabiz_pane_show_list_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (WABIZ_PANE (widget));

  g_return_if_fail (priv->leaflet != NULL);

  adw_leaflet_set_visible_child (priv->leaflet, priv->list_side);
}

static void
load_more_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  const char *what = user_data;
  g_autoptr(GError) error = NULL;

  if (wabiz_paged_model_load_more_finish (WABIZ_PAGED_MODEL (object), result, &error) < 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    g_warning ("Cannot load more %s: %s", what, error->message);
}

/**
 * wabiz_pane_watch_scroller:
 * @moved: called with the pane when @scroller scrolls or what it shows
 *   changes size; usually it calls wabiz_pane_load_more_near_end()
 */
void
wabiz_pane_watch_scroller (WabizPane         *self,
                           GtkScrolledWindow *scroller,
                           GCallback          moved)
{
  GtkAdjustment *adj;

  g_return_if_fail (WABIZ_IS_PANE (self));
  g_return_if_fail (GTK_IS_SCROLLED_WINDOW (scroller));

  adj = gtk_scrolled_window_get_vadjustment (scroller);
  g_signal_connect_object (adj, "value-changed", moved, self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "changed", moved, self, G_CONNECT_SWAPPED);
}

/**
 * wabiz_pane_load_more_near_end:
 * @scroller: the list's
 * @model: (nullable): what the list shows
 * @what: (not nullable): a static string, what @model holds (for the log)
 *
 * Fetches the next page of @model when less than two screens of @scroller
 * are left below and it is not loading one already.
 */
void
wabiz_pane_load_more_near_end (WabizPane         *self,
                               GtkScrolledWindow *scroller,
                               WabizPagedModel   *model,
                               const char        *what)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scroller);
  double left;

  g_return_if_fail (WABIZ_IS_PANE (self));

  if (model == NULL || wabiz_paged_model_get_loading (model) ||
      !wabiz_paged_model_get_has_more (model))
    return;

  /* less than two screens below: fetch the next page */
  left = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_value (adj) -
         gtk_adjustment_get_page_size (adj);
  if (left < 2 * gtk_adjustment_get_page_size (adj))
    wabiz_paged_model_load_more_async (model, wabiz_pane_get_cancellable (self), load_more_cb,
                                       (gpointer) what);
}

typedef GtkWidget *(*RowNewFunc)     (void);
typedef void       (*RowSetItemFunc) (GtkWidget *row,
                                      gpointer   item);

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              RowNewFunc                row_new)
{
  gtk_list_item_set_child (item, row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             RowSetItemFunc            row_set_item)
{
  row_set_item (gtk_list_item_get_child (item), gtk_list_item_get_item (item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               RowSetItemFunc            row_set_item)
{
  row_set_item (gtk_list_item_get_child (item), NULL);
}

/**
 * wabiz_pane_set_up_list:
 * @list_view: a template child of the pane
 * @row_new: makes a row: `GtkWidget *(*) (void)`, such as wabiz_lead_row_new()
 * @row_set_item: gives a row its item, or %NULL: `void (*) (Row *, Item *)`,
 *   such as wabiz_lead_row_set_lead()
 * @activate: a handler of @list_view's "activate", called with the pane
 *   first
 *
 * Gives @list_view a factory of rows that show their items.
 */
void
wabiz_pane_set_up_list (WabizPane   *self,
                        GtkListView *list_view,
                        GCallback    row_new,
                        GCallback    row_set_item,
                        GCallback    activate)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_return_if_fail (WABIZ_IS_PANE (self));
  g_return_if_fail (GTK_IS_LIST_VIEW (list_view));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), row_new);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), row_set_item);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), row_set_item);
  gtk_list_view_set_factory (list_view, factory);
  g_signal_connect_object (list_view, "activate", activate, self, G_CONNECT_SWAPPED);
}
