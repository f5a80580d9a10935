/* wabiz-pane.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The base class of the four panes of the main window. A pane gets the
 * database once it is ready, loads what it shows asynchronously, says so
 * through WabizPane:loaded, and hears about changed rows through
 * wabiz_pane_notification().
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
  WabizDb      *database;     /* (owned) (nullable) */
  GCancellable *cancellable;  /* (owned) */
  char         *title;        /* (owned) (nullable) */
  char         *icon_name;    /* (owned) (nullable) */
  char         *summary;      /* (owned) (nullable) */
  gboolean      loaded;
  gboolean      own_back;
} WabizPanePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (WabizPane, wabiz_pane, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CHILD,
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
wabiz_pane_real_notification (WabizPane  *self,
                              const char *table,
                              const char *phone,
                              const char *id)
{
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
    case PROP_DATABASE:
      wabiz_pane_set_database (self, g_value_get_object (value));
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

  klass->notification = wabiz_pane_real_notification;

  properties[PROP_CHILD] =
    g_param_spec_object ("child", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DATABASE] =
    g_param_spec_object ("database", NULL, NULL, WABIZ_TYPE_DB,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
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

void
wabiz_pane_set_database (WabizPane *self,
                         WabizDb   *database)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PANE (self));
  g_return_if_fail (!database || WABIZ_IS_DB (database));

  if (!g_set_object (&priv->database, database))
    return;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATABASE]);
  wabiz_pane_reload (self);
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

void
wabiz_pane_notification (WabizPane  *self,
                         const char *table,
                         const char *phone,
                         const char *id)
{
  WabizPanePrivate *priv = wabiz_pane_get_instance_private (self);

  g_return_if_fail (WABIZ_IS_PANE (self));
  g_return_if_fail (table != NULL);

  if (priv->database != NULL)
    WABIZ_PANE_GET_CLASS (self)->notification (self, table, phone, id);
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
