/* wabiz-toast.c
 *
 * SPDX-License-Identifier: MIT
 *
 * How any widget tells the user something in passing: a toast in the
 * nearest toast overlay above it (the main window's, a dialog's), as
 * GNOME Calendar's event editor and Calls' views do. A widget never
 * reaches for the main window to do it.
 */

#define G_LOG_DOMAIN "wabiz-toast"

#include "config.h"

#include "wabiz-toast.h"

/**
 * wabiz_widget_add_toast:
 * @widget: the widget that has something to say
 * @toast: (transfer full): a new toast
 *
 * Shows @toast in the nearest #AdwToastOverlay that holds @widget, or in
 * the #AdwPreferencesWindow it is in. Outside of both (a widget not shown
 * yet) the title goes to the log instead.
 *
 * Returns: whether the toast is shown
 */
gboolean
wabiz_widget_add_toast (GtkWidget *widget,
                        AdwToast  *toast)
{
  g_autoptr(AdwToast) owned = toast;
  GtkWidget *overlay;
  GtkRoot *root;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (ADW_IS_TOAST (toast), FALSE);

  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    {
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), g_steal_pointer (&owned));
      return TRUE;
    }

  root = gtk_widget_get_root (widget);
  if (ADW_IS_PREFERENCES_WINDOW (root))
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), g_steal_pointer (&owned));
      return TRUE;
    }

  g_debug ("No toast overlay for: %s", adw_toast_get_title (toast));
  return FALSE;
}

/**
 * wabiz_widget_toast:
 * @title: what to say, already translated
 *
 * A plain toast with @title; see wabiz_widget_add_toast().
 */
gboolean
wabiz_widget_toast (GtkWidget  *widget,
                    const char *title)
{
  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (title != NULL, FALSE);

  return wabiz_widget_add_toast (widget, adw_toast_new (title));
}
