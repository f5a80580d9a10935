/* wabiz-templates-pane.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Templates pane. For now it says how many message templates there
 * are; the template list and editor come with their own issue.
 */

#define G_LOG_DOMAIN "wabiz-templates-pane"

#include "config.h"

#include "wabiz-templates-pane.h"

#include <glib/gi18n.h>

struct _WabizTemplatesPane
{
  WabizPane      parent_instance;

  GtkStack      *stack;        /* template child */
  AdwStatusPage *status_page;  /* template child */
};

G_DEFINE_FINAL_TYPE (WabizTemplatesPane, wabiz_templates_pane, WABIZ_TYPE_PANE)

static void
count_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WabizTemplatesPane) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  g_autofree char *title = NULL;
  gint64 n;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (res == NULL)
    {
      g_warning ("Cannot count templates: %s", error->message);
      adw_status_page_set_icon_name (self->status_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->status_page, _("Cannot Load Templates"));
      adw_status_page_set_description (self->status_page, error->message);
      wabiz_pane_set_summary (WABIZ_PANE (self), NULL);
    }
  else if ((n = wabiz_db_result_get_int (res, 0, "n")) == 0)
    {
      adw_status_page_set_icon_name (self->status_page, "x-office-document-symbolic");
      adw_status_page_set_title (self->status_page, _("No Templates Yet"));
      adw_status_page_set_description (self->status_page,
                                       _("Message templates let you write to customers first. "
                                         "Templates approved by Meta appear here."));
      wabiz_pane_set_summary (WABIZ_PANE (self), _("No Templates Yet"));
    }
  else
    {
      count = wabiz_pane_format_count (n);
      /* Translators: %s is a number such as 1,234 */
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s Template", "%s Templates",
                                            (gulong) n), count);
      adw_status_page_set_icon_name (self->status_page, "x-office-document-symbolic");
      adw_status_page_set_title (self->status_page, title);
      adw_status_page_set_description (self->status_page,
                                       _("Templates can be edited here in a coming version of WaBiz."));
      wabiz_pane_set_summary (WABIZ_PANE (self), title);
    }

  gtk_stack_set_visible_child_name (self->stack, "status");
  wabiz_pane_set_loaded (WABIZ_PANE (self), TRUE);
}

static void
wabiz_templates_pane_reload (WabizPane *pane)
{
  WabizTemplatesPane *self = WABIZ_TEMPLATES_PANE (pane);

  wabiz_db_query_async (wabiz_pane_get_database (pane),
                        "SELECT count(*) AS n FROM templates", 0, NULL,
                        wabiz_pane_get_cancellable (pane), count_cb, g_object_ref (self));
}

static void
wabiz_templates_pane_changed (WabizPane  *pane,
                              const char *table,
                              const char *phone,
                              const char *id)
{
  wabiz_pane_reload (pane);
}

static void
wabiz_templates_pane_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), WABIZ_TYPE_TEMPLATES_PANE);

  G_OBJECT_CLASS (wabiz_templates_pane_parent_class)->dispose (object);
}

static void
wabiz_templates_pane_class_init (WabizTemplatesPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  WabizPaneClass *pane_class = WABIZ_PANE_CLASS (klass);
  static const char * const tables[] = { "templates", NULL };

  object_class->dispose = wabiz_templates_pane_dispose;

  pane_class->reload = wabiz_templates_pane_reload;
  pane_class->tables = tables;
  pane_class->changed = wabiz_templates_pane_changed;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-templates-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatesPane, status_page);
}

static void
wabiz_templates_pane_init (WabizTemplatesPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
