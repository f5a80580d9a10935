/* wabiz-analytics-pane.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Analytics pane: the figures of a period (today, the last 7 or 30
 * days, or days of the user's choosing) in the business's time zone and
 * against its business hours (WabizBusinessSettings), as
 * wabiz_analytics_run_async() computes them in the database. The figures
 * stay on screen while new ones are computed: when the period changes,
 * and, after a short pause, when messages, leads, campaigns or the
 * business's settings change (the services' listener). A failure reason
 * opens the messages that failed for it, and each opens its conversation
 * (win.open-conversation). The figures go out as CSV too.
 *
 * What the figures look like is wabiz-analytics-pane-figures.c.
 */

#define G_LOG_DOMAIN "wabiz-analytics-pane"

#include "config.h"

#include "wabiz-analytics-pane-private.h"
#include "wabiz-phone.h"
#include "wabiz-time.h"
#include "wabiz-toast.h"

#include <glib/gi18n.h>
#include <stdio.h>

/* How long the figures wait for changes to settle before they follow
 * them, and the longest a stream of changes may hold them back */
#define REFRESH_PAUSE_MS 500
#define REFRESH_MAX_WAIT_US (3 * G_USEC_PER_SEC)
#define FAILED_PAGE_SIZE 50

G_DEFINE_FINAL_TYPE (WabizAnalyticsPane, wabiz_analytics_pane, WABIZ_TYPE_PANE)

enum {
  PROP_0,
  PROP_PERIOD,
  PROP_SHOW_TABLE,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  UPDATED,
  EXPORTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const period_names[] = {
  [WABIZ_ANALYTICS_PERIOD_TODAY] = "today",
  [WABIZ_ANALYTICS_PERIOD_7_DAYS] = "7d",
  [WABIZ_ANALYTICS_PERIOD_30_DAYS] = "30d",
  [WABIZ_ANALYTICS_PERIOD_ALL] = "all",
  [WABIZ_ANALYTICS_PERIOD_CUSTOM] = "custom",
};

static void refresh (WabizAnalyticsPane *self);

/* gtk_list_box_remove_all() is GTK 4.12 */
static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static void
set_busy (WabizAnalyticsPane *self,
          gboolean            busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  gtk_spinner_set_spinning (self->busy_spinner, busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* @date as a GDateTime at local noon, for the calendars */
static GDateTime *
date_to_date_time (const GDate *date)
{
  return g_date_time_new_local (g_date_get_year (date), g_date_get_month (date), g_date_get_day (date),
                                12, 0, 0);
}

static void
calendar_get_date (GtkCalendar *calendar,
                   GDate       *date)
{
  g_autoptr(GDateTime) dt = gtk_calendar_get_date (calendar);

  g_date_clear (date, 1);
  g_date_set_dmy (date, g_date_time_get_day_of_month (dt), g_date_time_get_month (dt),
                  g_date_time_get_year (dt));
}

static char *
format_gdate (const GDate *date,
              gboolean     with_year)
{
  char iso[16];

  g_snprintf (iso, sizeof iso, "%04u-%02u-%02u", g_date_get_year (date), g_date_get_month (date),
              g_date_get_day (date));
  return _wabiz_analytics_format_day (iso, with_year);
}

static void
update_period_button (WabizAnalyticsPane *self)
{
  g_autofree char *label = NULL;

  switch (self->period)
    {
    case WABIZ_ANALYTICS_PERIOD_TODAY:
      label = g_strdup (_("Today"));
      break;
    case WABIZ_ANALYTICS_PERIOD_7_DAYS:
      label = g_strdup (_("Last 7 Days"));
      break;
    case WABIZ_ANALYTICS_PERIOD_30_DAYS:
      label = g_strdup (_("Last 30 Days"));
      break;
    case WABIZ_ANALYTICS_PERIOD_ALL:
      label = g_strdup (_("All Time"));
      break;
    case WABIZ_ANALYTICS_PERIOD_CUSTOM:
    default:
      if (g_date_valid (&self->first) && g_date_valid (&self->last))
        {
          g_autofree char *first = format_gdate (&self->first, FALSE);
          g_autofree char *last = format_gdate (&self->last, TRUE);

          /* Translators: a period of days, such as “29 Mar – 1 Apr 2024” */
          label = g_strdup_printf (_("%s – %s"), first, last);
        }
      else
        label = g_strdup (_("Custom Period"));
      break;
    }
  gtk_menu_button_set_label (self->period_button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->period_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);
}

/* The labels of the custom period's buttons, from their calendars */
static void
update_day_buttons (WabizAnalyticsPane *self)
{
  GDate first, last;
  g_autofree char *first_text = NULL;
  g_autofree char *last_text = NULL;

  calendar_get_date (self->first_calendar, &first);
  calendar_get_date (self->last_calendar, &last);
  first_text = format_gdate (&first, TRUE);
  last_text = format_gdate (&last, TRUE);
  gtk_menu_button_set_label (self->first_button, first_text);
  gtk_menu_button_set_label (self->last_button, last_text);
  /* Translators: %s is a day, such as “29 Mar 2024” */
  {
    g_autofree char *a = g_strdup_printf (_("First day: %s"), first_text);
    g_autofree char *b = g_strdup_printf (_("Last day: %s"), last_text);

    gtk_accessible_update_property (GTK_ACCESSIBLE (self->first_button), GTK_ACCESSIBLE_PROPERTY_LABEL, a, -1);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->last_button), GTK_ACCESSIBLE_PROPERTY_LABEL, b, -1);
  }
}

static void
set_custom_error (WabizAnalyticsPane *self,
                  const char         *message)
{
  gtk_label_set_text (self->custom_error, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->custom_error), message != NULL);
}

/* The days the figures on screen span, or the last 30 days */
static void
shown_days (WabizAnalyticsPane *self,
            GDate              *first,
            GDate              *last)
{
  JsonObject *period = self->figures != NULL && json_object_has_member (self->figures, "period")
                       ? json_object_get_object_member (self->figures, "period") : NULL;

  g_date_clear (first, 1);
  g_date_clear (last, 1);
  if (period != NULL)
    {
      int y, m, d;

      if (sscanf (json_object_get_string_member (period, "first_day"), "%d-%d-%d", &y, &m, &d) == 3 &&
          g_date_valid_dmy (d, m, y))
        g_date_set_dmy (first, d, m, y);
      if (sscanf (json_object_get_string_member (period, "last_day"), "%d-%d-%d", &y, &m, &d) == 3 &&
          g_date_valid_dmy (d, m, y))
        g_date_set_dmy (last, d, m, y);
    }
  if (!g_date_valid (first) || !g_date_valid (last))
    {
      g_autoptr(GDateTime) now = self->now != NULL ? g_date_time_ref (self->now) : g_date_time_new_now_local ();

      g_date_set_dmy (last, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                      g_date_time_get_year (now));
      *first = *last;
      g_date_subtract_days (first, 29);
    }
}

/* The custom period's calendars show @first and @last */
static void
show_custom_days (WabizAnalyticsPane *self,
                  const GDate        *first,
                  const GDate        *last)
{
  g_autoptr(GDateTime) a = date_to_date_time (first);
  g_autoptr(GDateTime) b = date_to_date_time (last);

  self->selecting_days = TRUE;
  gtk_calendar_select_day (self->first_calendar, a);
  gtk_calendar_select_day (self->last_calendar, b);
  self->selecting_days = FALSE;
  update_day_buttons (self);
}

static void
first_day_selected_cb (WabizAnalyticsPane *self)
{
  if (self->selecting_days)
    return;
  set_custom_error (self, NULL);
  update_day_buttons (self);
  gtk_menu_button_popdown (self->first_button);
}

static void
last_day_selected_cb (WabizAnalyticsPane *self)
{
  if (self->selecting_days)
    return;
  set_custom_error (self, NULL);
  update_day_buttons (self);
  gtk_menu_button_popdown (self->last_button);
}

/* The query of the period asked for, in the business's zone and hours */
static WabizAnalyticsQuery *
make_query (WabizAnalyticsPane *self)
{
  WabizAnalyticsQuery *query = wabiz_analytics_query_new (self->period);
  const char *zone = wabiz_business_settings_get_time_zone (self->settings);

  if (self->period == WABIZ_ANALYTICS_PERIOD_CUSTOM)
    wabiz_analytics_query_set_days (query, &self->first, &self->last);
  if (zone != NULL && *zone != '\0')
    wabiz_analytics_query_set_time_zone (query, zone);
  wabiz_analytics_query_set_now (query, self->now);

  /* The figures measure one opening a day: a day with several ranges
   * counts from its first opening to its last closing, a range past
   * midnight until midnight. Without business hours, none: the share
   * within them says nothing then. */
  self->hours_known = wabiz_business_settings_get_has_hours (self->settings);
  for (GDateWeekday day = G_DATE_MONDAY; day <= G_DATE_SUNDAY; day++)
    {
      const char *ranges = self->hours_known ? wabiz_business_settings_get_hours (self->settings, day) : NULL;
      g_auto(GStrv) parts = ranges != NULL && *ranges != '\0' ? g_strsplit (ranges, ",", -1) : NULL;
      guint open = 24 * 60, close = 0;

      for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
        {
          guint h1, m1, h2, m2;

          if (sscanf (parts[i], " %u:%u-%u:%u", &h1, &m1, &h2, &m2) != 4)
            continue;
          if (h2 * 60 + m2 <= h1 * 60 + m1)
            h2 = 24, m2 = 0;
          open = MIN (open, h1 * 60 + m1);
          close = MAX (close, MIN (24 * 60, h2 * 60 + m2));
        }
      if (close <= open)
        open = close = 0;
      wabiz_analytics_query_set_hours (query, day, open, close);
    }
  return query;
}

static void
show_load_error (WabizAnalyticsPane *self,
                 const GError       *error)
{
  g_debug ("Cannot compute the figures: %s", error->message);
  if (self->figures != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot update the figures: %s"), error->message);

      wabiz_widget_toast (GTK_WIDGET (self), text);
      return;
    }
  adw_status_page_set_icon_name (self->status_page, "dialog-warning-symbolic");
  adw_status_page_set_title (self->status_page, _("Cannot Load Analytics"));
  adw_status_page_set_description (self->status_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "status");
  wabiz_pane_set_summary (WABIZ_PANE (self), NULL);
  wabiz_pane_set_loaded (WABIZ_PANE (self), TRUE);
}

/* A run of the figures: the pane, and the query they answer */
typedef struct
{
  WabizAnalyticsPane  *self;   /* (owned) */
  WabizAnalyticsQuery *query;  /* (owned) */
} Run;

static void
run_free (Run *run)
{
  g_object_unref (run->self);
  wabiz_analytics_query_free (run->query);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(Run) run = user_data;
  WabizAnalyticsPane *self = run->self;
  g_autoptr(JsonObject) figures = NULL;
  g_autoptr(GError) error = NULL;

  figures = wabiz_analytics_run_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (figures == NULL)
    {
      show_load_error (self, error);
      return;
    }

  g_clear_pointer (&self->figures, json_object_unref);
  self->figures = g_steal_pointer (&figures);
  g_clear_pointer (&self->query, wabiz_analytics_query_free);
  self->query = g_steal_pointer (&run->query);
  self->tables_filled = FALSE;

  _wabiz_analytics_pane_show_figures (self);
  if (self->show_table)
    _wabiz_analytics_pane_fill_tables (self);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "failed") != 0)
    gtk_stack_set_visible_child_name (self->stack, "figures");
  wabiz_pane_set_loaded (WABIZ_PANE (self), TRUE);
  g_signal_emit (self, signals[UPDATED], 0);
}

static void
settings_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WabizAnalyticsPane) self = user_data;
  g_autoptr(GError) error = NULL;
  WabizDb *db;
  Run *run;

  if (!wabiz_business_settings_load_finish (WABIZ_BUSINESS_SETTINGS (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* the run says what is wrong with the database, if anything */
      g_debug ("Cannot read the business settings: %s", error->message);
    }

  db = wabiz_pane_get_database (WABIZ_PANE (self));
  if (db == NULL || g_cancellable_is_cancelled (self->run_cancellable))
    {
      set_busy (self, FALSE);
      return;
    }
  run = g_new0 (Run, 1);
  run->self = g_object_ref (self);
  run->query = make_query (self);
  wabiz_analytics_run_async (db, run->query, WABIZ_ANALYTICS_ALL, self->run_cancellable, run_cb, run);
}

/* Computes the figures again, keeping those shown until the new ones
 * come: the business's settings first, then the figures. */
static void
refresh (WabizAnalyticsPane *self)
{
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  self->first_change_us = 0;
  g_cancellable_cancel (self->run_cancellable);
  g_clear_object (&self->run_cancellable);
  if (db == NULL)
    {
      set_busy (self, FALSE);
      return;
    }

  self->run_cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  wabiz_business_settings_load_async (self->settings, db, self->run_cancellable, settings_cb, g_object_ref (self));
}

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  WabizAnalyticsPane *self = user_data;

  self->refresh_source = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

/* A change: the figures follow it once changes pause (or have kept
 * coming for a while) */
static void
schedule_refresh (WabizAnalyticsPane *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->first_change_us == 0)
    self->first_change_us = now;
  else if (now - self->first_change_us > REFRESH_MAX_WAIT_US && self->refresh_source != 0)
    return;
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  self->refresh_source = g_timeout_add (REFRESH_PAUSE_MS, refresh_timeout_cb, self);
}

static void
wabiz_analytics_pane_reload (WabizPane *pane)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (pane);

  if (self->figures == NULL)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  refresh (self);
}

static void
wabiz_analytics_pane_changed (WabizPane  *pane,
                              const char *table,
                              const char *phone,
                              const char *id)
{
  schedule_refresh (WABIZ_ANALYTICS_PANE (pane));
}

/* ------------------------------------------------------------------ */
/* the messages of one failure reason */

static GtkWidget *
make_failed_row (WabizAnalyticsPane *self,
                 JsonObject         *message)
{
  const char *phone = json_object_get_string_member_with_default (message, "phone", "");
  const char *name = json_object_get_string_member_with_default (message, "lead_name", NULL);
  const char *template_name = json_object_get_string_member_with_default (message, "template_name", NULL);
  const char *type = json_object_get_string_member_with_default (message, "type", "");
  const char *details = json_object_get_string_member_with_default (message, "error_details", NULL);
  g_autoptr(GDateTime) at = g_date_time_new_from_iso8601 (
    json_object_get_string_member_with_default (message, "timestamp", ""), NULL);
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *number = wabiz_phone_format_display (phone);
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();

  if (self->query != NULL && self->figures != NULL)
    zone = g_time_zone_new_identifier (json_object_get_string_member (
      json_object_get_object_member (self->figures, "period"), "time_zone"));
  if (at != NULL)
    {
      local = zone != NULL ? g_date_time_to_timezone (at, zone) : wabiz_date_time_to_local (at);
      /* Translators: when a message failed, see g_date_time_format() */
      when = g_date_time_format (local, _("%-d %b %Y, %H:%M"));
    }

  if (template_name != NULL)
    /* Translators: when a message went, and the name of its template */
    subtitle = g_strdup_printf (_("%s · template %s"), when != NULL ? when : "", template_name);
  else
    /* Translators: when a message went, and its type (text, image…) */
    subtitle = g_strdup_printf (_("%s · %s"), when != NULL ? when : "", type);
  if (details != NULL && *details != '\0')
    {
      char *longer = g_strdup_printf ("%s\n%s", subtitle, details);

      g_free (subtitle);
      subtitle = longer;
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name != NULL && *name != '\0' ? name : number);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_widget_set_tooltip_text (row, _("Open the conversation"));
  g_object_set_data_full (G_OBJECT (row), "phone", g_strdup (phone), g_free);
  return row;
}

static void
failed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizAnalyticsPane) self = user_data;
  g_autoptr(JsonObject) page = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *messages;

  page = wabiz_analytics_list_failed_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (page == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot list the failed messages: %s"), error->message);

      wabiz_widget_toast (GTK_WIDGET (self), text);
      gtk_widget_set_sensitive (GTK_WIDGET (self->more_button), TRUE);
      return;
    }

  messages = json_object_get_array_member (page, "messages");
  for (guint i = 0; i < json_array_get_length (messages); i++)
    gtk_list_box_append (self->failed_list, make_failed_row (self, json_array_get_object_element (messages, i)));
  self->failed_shown += json_array_get_length (messages);

  g_clear_pointer (&self->failed_next, g_free);
  if (json_object_has_member (page, "next") && !json_object_get_null_member (page, "next"))
    self->failed_next = g_strdup (json_object_get_string_member (page, "next"));
  gtk_widget_set_visible (GTK_WIDGET (self->more_button), self->failed_next != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->more_button), TRUE);
  if (self->failed_shown == 0)
    gtk_label_set_text (self->failed_subtitle, _("No message failed for this reason in this period any more."));
  g_signal_emit (self, signals[UPDATED], 0);
}

static void
load_failed_page (WabizAnalyticsPane *self)
{
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));
  JsonNode *code;
  const char *title;

  if (db == NULL || self->failure == NULL || self->query == NULL)
    return;
  code = json_object_get_member (self->failure, "error_code");
  title = json_object_get_string_member_with_default (self->failure, "error_title", NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->more_button), FALSE);
  wabiz_analytics_list_failed_async (db, self->query, code != NULL && !JSON_NODE_HOLDS_NULL (code),
                                     code != NULL && !JSON_NODE_HOLDS_NULL (code) ? json_node_get_int (code) : 0,
                                     title, self->failed_next, FAILED_PAGE_SIZE, self->failed_cancellable,
                                     failed_cb, g_object_ref (self));
}

static void
failure_activated_cb (WabizAnalyticsPane *self,
                      GtkListBoxRow      *row)
{
  JsonObject *failure = g_object_get_data (G_OBJECT (row), "failure");
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *count = NULL;
  gint64 n;

  if (failure == NULL)
    return;
  g_clear_pointer (&self->failure, json_object_unref);
  self->failure = json_object_ref (failure);
  g_clear_pointer (&self->failed_next, g_free);
  self->failed_shown = 0;
  g_cancellable_cancel (self->failed_cancellable);
  g_clear_object (&self->failed_cancellable);
  self->failed_cancellable = g_cancellable_new ();
  clear_list (self->failed_list);

  title = g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  n = json_object_get_int_member_with_default (failure, "count", 0);
  count = wabiz_pane_format_count (n);
  /* Translators: %s is a number such as 1,234 */
  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s message failed for this reason in this period. "
                                           "Open it to see its conversation.",
                                           "%s messages failed for this reason in this period. "
                                           "Open one to see its conversation.", (gulong) n),
                              count);
  gtk_label_set_text (self->failed_title, title);
  gtk_label_set_text (self->failed_subtitle, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->more_button), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "failed");
  wabiz_pane_set_own_back (WABIZ_PANE (self), TRUE);
  load_failed_page (self);
}

static void
failed_message_activated_cb (WabizAnalyticsPane *self,
                             GtkListBoxRow      *row)
{
  const char *phone = g_object_get_data (G_OBJECT (row), "phone");

  if (phone != NULL && *phone != '\0')
    gtk_widget_activate_action (GTK_WIDGET (self), "win.open-conversation", "s", phone);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (widget);

  g_cancellable_cancel (self->failed_cancellable);
  gtk_stack_set_visible_child_name (self->stack, self->figures != NULL ? "figures" : "loading");
  wabiz_pane_set_own_back (WABIZ_PANE (self), FALSE);
}

static void
more_failed_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (widget);

  if (self->failed_next != NULL)
    load_failed_page (self);
}

/* ------------------------------------------------------------------ */
/* the custom period, export */

static void
apply_custom_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (widget);
  g_autoptr(GError) error = NULL;
  GDate first, last;

  calendar_get_date (self->first_calendar, &first);
  calendar_get_date (self->last_calendar, &last);
  if (!wabiz_analytics_pane_set_custom_days (self, &first, &last, &error))
    set_custom_error (self, error->message);
}

static void
export_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizAnalyticsPane) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("Cannot export the figures: %s. Choose another file."), error->message);
    }
  else
    {
      name = g_file_get_basename (G_FILE (object));
      /* Translators: %s is a file name */
      text = g_strdup_printf (_("Figures exported to “%s”"), name);
    }
  wabiz_widget_toast (GTK_WIDGET (self), text);
  g_signal_emit (self, signals[EXPORTED], 0, G_FILE (object), error);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;
  JsonObject *period;

  if (self->figures == NULL)
    return;
  period = json_object_get_object_member (self->figures, "period");
  /* Translators: the file name offered for an export of the figures;
   * the two %s are the first and last day, as 2024-03-29 */
  name = g_strdup_printf (_("analytics-%s-%s.csv"), json_object_get_string_member (period, "first_day"),
                          json_object_get_string_member (period, "last_day"));

  chooser = gtk_file_chooser_native_new (_("Export Figures"),
                                         wabiz_pane_get_window (WABIZ_PANE (self)),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("CSV files"));
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  wabiz_file_chooser_run (chooser, self, (WabizFileChosenFunc) wabiz_analytics_pane_export_file);
}

/* ------------------------------------------------------------------ */

static void
wabiz_analytics_pane_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (object);

  switch (prop_id)
    {
    case PROP_PERIOD:
      g_value_set_string (value, wabiz_analytics_pane_get_period (self));
      break;
    case PROP_SHOW_TABLE:
      g_value_set_boolean (value, self->show_table);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_analytics_pane_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (object);

  switch (prop_id)
    {
    case PROP_PERIOD:
      wabiz_analytics_pane_set_period (self, g_value_get_string (value));
      break;
    case PROP_SHOW_TABLE:
      wabiz_analytics_pane_set_show_table (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_analytics_pane_dispose (GObject *object)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (object);

  g_cancellable_cancel (self->run_cancellable);
  g_cancellable_cancel (self->failed_cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (object), WABIZ_TYPE_ANALYTICS_PANE);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wabiz_analytics_pane_parent_class)->dispose (object);
}

static void
wabiz_analytics_pane_finalize (GObject *object)
{
  WabizAnalyticsPane *self = WABIZ_ANALYTICS_PANE (object);

  g_clear_object (&self->run_cancellable);
  g_clear_object (&self->failed_cancellable);
  g_clear_pointer (&self->now, g_date_time_unref);
  g_clear_pointer (&self->figures, json_object_unref);
  g_clear_pointer (&self->query, wabiz_analytics_query_free);
  g_clear_pointer (&self->failure, json_object_unref);
  g_free (self->failed_next);

  G_OBJECT_CLASS (wabiz_analytics_pane_parent_class)->finalize (object);
}

static void
wabiz_analytics_pane_class_init (WabizAnalyticsPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  WabizPaneClass *pane_class = WABIZ_PANE_CLASS (klass);
  static const char * const tables[] = { "messages", "leads", "campaigns", "business_settings", NULL };

  object_class->get_property = wabiz_analytics_pane_get_property;
  object_class->set_property = wabiz_analytics_pane_set_property;
  object_class->dispose = wabiz_analytics_pane_dispose;
  object_class->finalize = wabiz_analytics_pane_finalize;

  pane_class->reload = wabiz_analytics_pane_reload;
  pane_class->tables = tables;
  pane_class->changed = wabiz_analytics_pane_changed;

  /**
   * WabizAnalyticsPane:period:
   *
   * The period the figures are of: "today", "7d", "30d" (the last so
   * many days, today included) or "custom" (the days chosen).
   */
  properties[PROP_PERIOD] =
    g_param_spec_string ("period", NULL, NULL, "30d",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * WabizAnalyticsPane:show-table:
   *
   * Whether each chart shows its figures as a table instead.
   */
  properties[PROP_SHOW_TABLE] =
    g_param_spec_boolean ("show-table", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizAnalyticsPane::updated:
   *
   * New figures (or failed messages) are on screen.
   */
  signals[UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * WabizAnalyticsPane::exported:
   * @file: where the figures went
   * @error: (nullable): why they could not
   */
  signals[EXPORTED] = g_signal_new ("exported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_FILE, G_TYPE_ERROR);

  g_type_ensure (WABIZ_TYPE_ANALYTICS_TABLE);
  g_type_ensure (WABIZ_TYPE_CHART_BARS);
  g_type_ensure (WABIZ_TYPE_CHART_HBARS);
  g_type_ensure (WABIZ_TYPE_CHART_HEATMAP);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-analytics-pane.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, WabizAnalyticsPane, name)
  BIND (stack);
  BIND (status_page);
  BIND (period_button);
  BIND (busy_spinner);
  BIND (custom_revealer);
  BIND (first_button);
  BIND (last_button);
  BIND (first_calendar);
  BIND (last_calendar);
  BIND (custom_error);
  BIND (period_label);
  BIND (content_stack);
  BIND (empty_page);
  BIND (total_label);
  BIND (sent_label);
  BIND (received_label);
  BIND (new_leads_label);
  BIND (per_day_stack);
  BIND (per_day_chart);
  BIND (per_day_table);
  BIND (funnel_stack);
  BIND (funnel_chart);
  BIND (funnel_table);
  BIND (failures_empty);
  BIND (failures_list);
  BIND (type_stack);
  BIND (type_chart);
  BIND (type_table);
  BIND (direction_stack);
  BIND (direction_chart);
  BIND (direction_table);
  BIND (lead_status_stack);
  BIND (lead_status_chart);
  BIND (lead_status_table);
  BIND (total_leads_label);
  BIND (replies_stack);
  BIND (median_label);
  BIND (p90_label);
  BIND (within_hours_label);
  BIND (waiting_label);
  BIND (hours_hint);
  BIND (replies_table);
  BIND (new_leads_stack);
  BIND (new_leads_chart);
  BIND (new_leads_table);
  BIND (busiest_stack);
  BIND (busiest_chart);
  BIND (busiest_table);
  BIND (campaigns_stack);
  BIND (campaigns_list);
  BIND (campaigns_empty);
  BIND (campaigns_hint);
  BIND (campaigns_table);
  BIND (failed_title);
  BIND (failed_subtitle);
  BIND (failed_list);
  BIND (more_button);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, first_day_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, last_day_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, failure_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, failed_message_activated_cb);

  gtk_widget_class_install_property_action (widget_class, "analytics.period", "period");
  gtk_widget_class_install_property_action (widget_class, "analytics.show-table", "show-table");
  gtk_widget_class_install_action (widget_class, "analytics.apply-custom", NULL, apply_custom_action);
  gtk_widget_class_install_action (widget_class, "analytics.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "analytics.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "analytics.more-failed", NULL, more_failed_action);

  wabiz_pane_load_css ("/org/example/WaBiz/ui/wabiz-analytics.css");
}

static void
wabiz_analytics_pane_init (WabizAnalyticsPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->period = WABIZ_ANALYTICS_PERIOD_30_DAYS;
  g_date_clear (&self->first, 1);
  g_date_clear (&self->last, 1);
  self->settings = wabiz_business_settings_new ();
  update_period_button (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analytics.export", FALSE);
}

const char *
wabiz_analytics_pane_get_period (WabizAnalyticsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_ANALYTICS_PANE (self), NULL);

  return period_names[self->period];
}

/**
 * wabiz_analytics_pane_set_period:
 *
 * Shows the figures of @period. "custom" opens the choice of days,
 * starting from those shown, and keeps showing them until others are
 * chosen.
 */
void
wabiz_analytics_pane_set_period (WabizAnalyticsPane *self,
                                 const char         *period)
{
  WabizAnalyticsPeriod value = G_N_ELEMENTS (period_names);

  g_return_if_fail (WABIZ_IS_ANALYTICS_PANE (self));

  for (guint i = 0; i < G_N_ELEMENTS (period_names); i++)
    if (g_strcmp0 (period, period_names[i]) == 0)
      value = i;
  g_return_if_fail (value < G_N_ELEMENTS (period_names));

  if (value == WABIZ_ANALYTICS_PERIOD_CUSTOM)
    {
      GDate first, last;

      /* the days on screen, to start from */
      if (self->period != WABIZ_ANALYTICS_PERIOD_CUSTOM || !g_date_valid (&self->first))
        {
          shown_days (self, &first, &last);
          self->first = first;
          self->last = last;
        }
      show_custom_days (self, &self->first, &self->last);
      set_custom_error (self, NULL);
    }
  gtk_revealer_set_reveal_child (self->custom_revealer, value == WABIZ_ANALYTICS_PERIOD_CUSTOM);

  if (self->period == value)
    return;
  self->period = value;
  update_period_button (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERIOD]);
  /* the custom period starts with the days shown: nothing to compute */
  if (value != WABIZ_ANALYTICS_PERIOD_CUSTOM)
    refresh (self);
}

gboolean
wabiz_analytics_pane_set_custom_days (WabizAnalyticsPane *self,
                                      const GDate        *first,
                                      const GDate        *last,
                                      GError            **error)
{
  g_autoptr(WabizAnalyticsQuery) check = wabiz_analytics_query_new (WABIZ_ANALYTICS_PERIOD_CUSTOM);

  g_return_val_if_fail (WABIZ_IS_ANALYTICS_PANE (self), FALSE);
  g_return_val_if_fail (first != NULL && last != NULL, FALSE);

  wabiz_analytics_query_set_days (check, first, last);
  if (!wabiz_analytics_query_validate (check, error))
    return FALSE;

  self->first = *first;
  self->last = *last;
  set_custom_error (self, NULL);
  show_custom_days (self, first, last);
  if (self->period != WABIZ_ANALYTICS_PERIOD_CUSTOM)
    {
      self->period = WABIZ_ANALYTICS_PERIOD_CUSTOM;
      gtk_revealer_set_reveal_child (self->custom_revealer, TRUE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERIOD]);
    }
  update_period_button (self);
  refresh (self);
  return TRUE;
}

gboolean
wabiz_analytics_pane_get_show_table (WabizAnalyticsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_ANALYTICS_PANE (self), FALSE);

  return self->show_table;
}

void
wabiz_analytics_pane_set_show_table (WabizAnalyticsPane *self,
                                     gboolean            show_table)
{
  GtkStack *stacks[] = { self->per_day_stack, self->funnel_stack, self->type_stack, self->direction_stack,
                         self->lead_status_stack, self->replies_stack, self->new_leads_stack,
                         self->busiest_stack, self->campaigns_stack };

  g_return_if_fail (WABIZ_IS_ANALYTICS_PANE (self));

  show_table = !!show_table;
  if (self->show_table == show_table)
    return;
  self->show_table = show_table;
  if (show_table && !self->tables_filled)
    _wabiz_analytics_pane_fill_tables (self);
  for (guint i = 0; i < G_N_ELEMENTS (stacks); i++)
    gtk_stack_set_visible_child_name (stacks[i], show_table ? "table" : "chart");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_TABLE]);
}

gboolean
wabiz_analytics_pane_get_busy (WabizAnalyticsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_ANALYTICS_PANE (self), FALSE);

  return self->busy;
}

void
wabiz_analytics_pane_export_file (WabizAnalyticsPane *self,
                                  GFile              *file)
{
  g_autoptr(GBytes) csv = NULL;

  g_return_if_fail (WABIZ_IS_ANALYTICS_PANE (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->figures == NULL)
    return;
  csv = _wabiz_analytics_pane_build_csv (self);
  g_file_replace_contents_bytes_async (file, csv, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       wabiz_pane_get_cancellable (WABIZ_PANE (self)), export_cb,
                                       g_object_ref (self));
}

void
_wabiz_analytics_pane_set_now (WabizAnalyticsPane *self,
                               GDateTime          *now)
{
  g_return_if_fail (WABIZ_IS_ANALYTICS_PANE (self));

  g_clear_pointer (&self->now, g_date_time_unref);
  self->now = now != NULL ? g_date_time_ref (now) : NULL;
  refresh (self);
}
