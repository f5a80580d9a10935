/* wabiz-lead-row.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One lead in the Leads list: avatar, name, number and email, status and
 * last contact.
 */

#define G_LOG_DOMAIN "wabiz-lead-row"

#include "config.h"

#include "wabiz-lead-row.h"
#include "wabiz-phone.h"
#include "wabiz-time.h"

#include <glib/gi18n.h>

struct _WabizLeadRow
{
  GtkWidget  parent_instance;

  WabizLead *lead;            /* (owned) (nullable) */

  /* template children */
  GtkWidget *box;
  AdwAvatar *avatar;
  GtkLabel  *name_label;
  GtkLabel  *detail_label;
  GtkLabel  *status_label;
  GtkLabel  *time_label;
};

G_DEFINE_FINAL_TYPE (WabizLeadRow, wabiz_lead_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LEAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
format_last_contact (GDateTime *when)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) local = NULL;
  GTimeSpan ago;

  if (when == NULL)
    return g_strdup (_("Never contacted"));

  local = wabiz_date_time_to_local (when);
  ago = g_date_time_difference (now, local);
  if (ago < G_TIME_SPAN_DAY && g_date_time_get_day_of_year (now) == g_date_time_get_day_of_year (local))
    /* Translators: a time of today, see the GDateTime format codes */
    return g_date_time_format (local, _("%H:%M"));
  if (ago < 7 * G_TIME_SPAN_DAY)
    /* Translators: a day of the last week, see the GDateTime format codes */
    return g_date_time_format (local, _("%A"));
  /* Translators: a date, see the GDateTime format codes */
  return g_date_time_format (local, _("%e %b %Y"));
}

static void
update (WabizLeadRow *self)
{
  g_autofree char *display = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *time = NULL;
  g_autofree char *status_class = NULL;
  const char *status;

  for (const char * const *s = wabiz_lead_get_statuses (); *s != NULL; s++)
    {
      g_autofree char *css = g_ascii_strdown (*s, -1);

      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), css);
    }

  if (self->lead == NULL)
    return;

  display = wabiz_lead_dup_display_name (self->lead);
  phone = wabiz_phone_format_display (wabiz_lead_get_phone (self->lead));
  if (phone == NULL)
    phone = g_strdup (wabiz_lead_get_phone (self->lead));
  if (wabiz_lead_get_email (self->lead) != NULL)
    detail = g_strdup_printf ("%s · %s", phone ? phone : "", wabiz_lead_get_email (self->lead));
  else
    detail = g_strdup (phone);
  time = format_last_contact (wabiz_lead_get_last_contact (self->lead));
  status = wabiz_lead_get_status (self->lead);
  status_class = g_ascii_strdown (status, -1);

  adw_avatar_set_text (self->avatar, display);
  /* a phone number has no initials: the person icon instead */
  adw_avatar_set_show_initials (self->avatar, wabiz_lead_get_name (self->lead) != NULL);
  gtk_label_set_label (self->name_label, display);
  gtk_label_set_label (self->detail_label, detail);
  gtk_label_set_label (self->status_label, wabiz_lead_status_to_label (status));
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), status_class);
  gtk_label_set_label (self->time_label, time);
}

static void
wabiz_lead_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WabizLeadRow *self = WABIZ_LEAD_ROW (object);

  switch (prop_id)
    {
    case PROP_LEAD:
      g_value_set_object (value, self->lead);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_lead_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  WabizLeadRow *self = WABIZ_LEAD_ROW (object);

  switch (prop_id)
    {
    case PROP_LEAD:
      wabiz_lead_row_set_lead (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_lead_row_dispose (GObject *object)
{
  WabizLeadRow *self = WABIZ_LEAD_ROW (object);

  g_clear_object (&self->lead);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_LEAD_ROW);

  G_OBJECT_CLASS (wabiz_lead_row_parent_class)->dispose (object);
}

static void
wabiz_lead_row_class_init (WabizLeadRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_lead_row_get_property;
  object_class->set_property = wabiz_lead_row_set_property;
  object_class->dispose = wabiz_lead_row_dispose;

  properties[PROP_LEAD] =
    g_param_spec_object ("lead", NULL, NULL, WABIZ_TYPE_LEAD,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-lead-row.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizLeadRow, box);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, WabizLeadRow, time_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "wabizleadrow");
}

static void
wabiz_lead_row_init (WabizLeadRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wabiz_lead_row_new (void)
{
  return g_object_new (WABIZ_TYPE_LEAD_ROW, NULL);
}

WabizLead *
wabiz_lead_row_get_lead (WabizLeadRow *self)
{
  g_return_val_if_fail (WABIZ_IS_LEAD_ROW (self), NULL);

  return self->lead;
}

void
wabiz_lead_row_set_lead (WabizLeadRow *self,
                         WabizLead    *lead)
{
  g_return_if_fail (WABIZ_IS_LEAD_ROW (self));
  g_return_if_fail (!lead || WABIZ_IS_LEAD (lead));

  if (!g_set_object (&self->lead, lead))
    return;

  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEAD]);
}
