/* wabiz-analytics-pane.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Analytics pane. For now it says how many messages were sent and
 * received; the charts come with their own issue.
 */

#define G_LOG_DOMAIN "wabiz-analytics-pane"

#include "config.h"

#include "wabiz-analytics-pane.h"

#include <glib/gi18n.h>

struct _WabizAnalyticsPane
{
  WabizPane      parent_instance;

  GtkStack      *stack;        /* template child */
  AdwStatusPage *status_page;  /* template child */
};

G_DEFINE_FINAL_TYPE (WabizAnalyticsPane, wabiz_analytics_pane, WABIZ_TYPE_PANE)

static void
count_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WabizAnalyticsPane) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  g_autofree char *title = NULL;
  g_autofree char *received = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *description = NULL;
  gint64 n;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (res == NULL)
    {
      g_warning ("Cannot count messages: %s", error->message);
      adw_status_page_set_icon_name (self->status_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->status_page, _("Cannot Load Analytics"));
      adw_status_page_set_description (self->status_page, error->message);
      wabiz_pane_set_summary (WABIZ_PANE (self), NULL);
    }
  else if ((n = wabiz_db_result_get_int (res, 0, "n")) == 0)
    {
      adw_status_page_set_icon_name (self->status_page, "x-office-presentation-symbolic");
      adw_status_page_set_title (self->status_page, _("No Messages Yet"));
      adw_status_page_set_description (self->status_page,
                                       _("Figures and charts about your messages appear here "
                                         "once you have sent or received some."));
      wabiz_pane_set_summary (WABIZ_PANE (self), _("No Messages Yet"));
    }
  else
    {
      count = wabiz_pane_format_count (n);
      /* Translators: %s is a number such as 1,234 */
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s Message", "%s Messages",
                                            (gulong) n), count);
      adw_status_page_set_icon_name (self->status_page, "x-office-presentation-symbolic");
      adw_status_page_set_title (self->status_page, title);
      received = wabiz_pane_format_count (wabiz_db_result_get_int (res, 0, "inbound"));
      sent = wabiz_pane_format_count (wabiz_db_result_get_int (res, 0, "outbound"));
      /* Translators: the numbers of messages received and sent, such as 1,234 */
      description = g_strdup_printf (_("%s received, %s sent"), received, sent);
      adw_status_page_set_description (self->status_page, description);
      wabiz_pane_set_summary (WABIZ_PANE (self), title);
    }

  gtk_stack_set_visible_child_name (self->stack, "status");
  wabiz_pane_set_loaded (WABIZ_PANE (self), TRUE);
}

static void
wabiz_analytics_pane_reload (WabizPane *pane)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (pane);

  wabiz_db_query_async (wabiz_pane_get_database (pane),
                        "SELECT count(*) AS n,"
                        " count(*) FILTER (WHERE direction = 'inbound') AS inbound,"
                        " count(*) FILTER (WHERE direction = 'outbound') AS outbound"
                        " FROM messages", 0, NULL,
                        wabiz_pane_get_cancellable (pane), count_cb, g_object_ref (self));
}

static void
wabiz_analytics_pane_changed (WabizPane  *pane,
                              const char *table,
                              const char *phone,
                              const char *id)
{
  wabiz_pane_reload (pane);
}

static void
wabiz_analytics_pane_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), WABIZ_TYPE_ANALYTICS_PANE);

  G_OBJECT_CLASS (wabiz_analytics_pane_parent_class)->dispose (object);
}

static void
wabiz_analytics_pane_class_init (WabizAnalyticsPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  WabizPaneClass *pane_class = WABIZ_PANE_CLASS (klass);
  static const char * const tables[] = { "messages", NULL };

  object_class->dispose = wabiz_analytics_pane_dispose;

  pane_class->reload = wabiz_analytics_pane_reload;
  pane_class->tables = tables;
  pane_class->changed = wabiz_analytics_pane_changed;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-analytics-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizAnalyticsPane, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizAnalyticsPane, status_page);
}

static void
wabiz_analytics_pane_init (WabizAnalyticsPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
