/* wabiz-analytics-pane-figures.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Analytics figures on screen, from the JSON object of
 * wabiz_analytics_run_async() (see wabiz-analytics.h for its members):
 * the numbers at the top, the charts with their descriptions for screen
 * readers, the failure reasons, the replies and the campaigns; the same
 * figures as tables (filled only when asked for: a year of days is many
 * rows); and as CSV.
 *
 * The CSV has four columns, "figure,item,measure,value", one figure a
 * row with the JSON's names ("messages_per_day,2024-03-29,sent,12",
 * "funnel,delivered,rate,0.9412"), so that a spreadsheet can pivot it
 * and a script can read it whatever the app's language.
 */

#define G_LOG_DOMAIN "wabiz-analytics-pane"

#include "config.h"

#include "wabiz-analytics-pane-private.h"
#include "wabiz-csv.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

static const char * const lead_statuses[] = { "NEW", "CONTACTED", "INTERESTED", "CONVERTED", "LOST" };
static const char * const weekday_keys[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* gtk_list_box_remove_all() is GTK 4.12 */
static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

/* ------------------------------------------------------------------ */
/* words and numbers */

/* "29 Mar 2024" (or "29 Mar") from "2024-03-29" */
char *
_wabiz_analytics_format_day (const char *iso_day,
                             gboolean    with_year)
{
  g_autoptr(GDateTime) dt = NULL;
  int y, m, d;

  if (iso_day == NULL || sscanf (iso_day, "%d-%d-%d", &y, &m, &d) != 3 ||
      (dt = g_date_time_new_utc (y, m, d, 12, 0, 0)) == NULL)
    return g_strdup (iso_day != NULL ? iso_day : "");
  /* Translators: a day, see g_date_time_format(); with and without the year */
  return g_date_time_format (dt, with_year ? _("%-d %b %Y") : _("%-d %b"));
}

/* "45 s", "4 min", "4 min 5 s", "2 h 5 min", "3 d 4 h" */
char *
_wabiz_analytics_format_duration (double seconds)
{
  /* clamped, so that the days fit an int */
  gint64 total = (gint64) llround (CLAMP (seconds, 0, 100.0 * 365 * 86400));
  int days = (int) (total / 86400), hours = (int) (total % 86400 / 3600), minutes = (int) (total % 3600 / 60),
      secs = (int) (total % 60);

  if (total < 60)
    /* Translators: a duration in seconds */
    return g_strdup_printf (_("%d s"), (int) total);
  if (total < 3600)
    return secs == 0
           /* Translators: a duration in minutes */
           ? g_strdup_printf (_("%d min"), minutes)
           /* Translators: a duration in minutes and seconds */
           : g_strdup_printf (_("%d min %d s"), minutes, secs);
  if (total < 86400)
    return minutes == 0
           /* Translators: a duration in hours */
           ? g_strdup_printf (_("%d h"), hours)
           /* Translators: a duration in hours and minutes */
           : g_strdup_printf (_("%d h %d min"), hours, minutes);
  return hours == 0
         /* Translators: a duration in days */
         ? g_strdup_printf (_("%d d"), days)
         /* Translators: a duration in days and hours */
         : g_strdup_printf (_("%d d %d h"), days, hours);
}

/* "93.3%" from 0.933 */
char *
_wabiz_analytics_format_percent (double rate)
{
  /* Translators: a percentage, such as 93.3% */
  return g_strdup_printf (_("%.1f%%"), rate * 100);
}

static char *
count_text (gint64 n)
{
  return wabiz_pane_format_count (n);
}

/* "120 (93.3%)", or "120" without a rate */
static char *
count_with_rate (gint64    n,
                 gboolean  has_rate,
                 double    rate)
{
  g_autofree char *count = count_text (n);
  g_autofree char *percent = NULL;

  if (!has_rate)
    return g_steal_pointer (&count);
  percent = _wabiz_analytics_format_percent (rate);
  /* Translators: a number and its share, such as “120 (93.3%)” */
  return g_strdup_printf (_("%s (%s)"), count, percent);
}

static gint64
get_int (JsonObject *object,
         const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : 0;
}

/* FALSE when @name is null (a rate that would divide by zero) */
static gboolean
get_double (JsonObject *object,
            const char *name,
            double     *value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  *value = json_node_get_double (node);
  return TRUE;
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

static const char *
type_label (const char *type)
{
  static const struct { const char *type; const char *label; } labels[] = {
    { "text", N_("Text") },
    { "image", N_("Image") },
    { "video", N_("Video") },
    { "audio", N_("Audio") },
    { "document", N_("Document") },
    { "sticker", N_("Sticker") },
    { "location", N_("Location") },
    { "contacts", N_("Contacts") },
    { "template", N_("Template") },
    { "interactive", N_("Interactive") },
    { "button", N_("Button Reply") },
    { "reaction", N_("Reaction") },
    { "unknown", N_("Unknown") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (type, labels[i].type) == 0)
      return _(labels[i].label);
  return type;
}

static const char *
status_label (const char *status)
{
  static const char * const labels[] = { N_("New"), N_("Contacted"), N_("Interested"), N_("Converted"),
                                         N_("Lost") };

  for (guint i = 0; i < G_N_ELEMENTS (lead_statuses); i++)
    if (g_str_equal (status, lead_statuses[i]))
      return _(labels[i]);
  return status;
}

static const char *
campaign_state_label (const char *state)
{
  static const struct { const char *state; const char *label; } labels[] = {
    { "scheduled", N_("Scheduled") },
    { "running", N_("Running") },
    { "paused", N_("Paused") },
    { "cancelled", N_("Cancelled") },
    { "done", N_("Done") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (state, labels[i].state) == 0)
      return _(labels[i].label);
  return state != NULL ? state : "";
}

static const char *
weekday_label (guint day,
               gboolean full)
{
  static const char * const short_names[] = { N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"),
                                              N_("Sat"), N_("Sun") };
  static const char * const full_names[] = { N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"),
                                             N_("Friday"), N_("Saturday"), N_("Sunday") };

  return _(full ? full_names[day] : short_names[day]);
}

/* ------------------------------------------------------------------ */
/* the items of each breakdown, shared by its chart and its table */

typedef struct
{
  char            *key;        /* the JSON's name */
  char            *label;
  gint64           count;
  gboolean         has_rate;
  double           rate;
  WabizChartColor  color;
} Item;

static void
item_clear (Item *item)
{
  g_free (item->key);
  g_free (item->label);
}

static GArray *
items_new (void)
{
  GArray *items = g_array_new (FALSE, TRUE, sizeof (Item));

  g_array_set_clear_func (items, (GDestroyNotify) item_clear);
  return items;
}

static void
add_item (GArray          *items,
          const char      *key,
          const char      *label,
          gint64           count,
          gboolean         has_rate,
          double           rate,
          WabizChartColor  color)
{
  Item item = { g_strdup (key), g_strdup (label), count, has_rate, rate, color };

  g_array_append_val (items, item);
}

static GArray *
funnel_items (JsonObject *figures)
{
  JsonObject *funnel = get_object (figures, "funnel");
  GArray *items = items_new ();
  double rate = 0;
  gboolean has;

  add_item (items, "outbound", _("Outgoing"), get_int (funnel, "outbound"), FALSE, 0, WABIZ_CHART_COLOR_ACCENT);
  has = get_double (funnel, "sent_rate", &rate);
  add_item (items, "sent", _("Sent"), get_int (funnel, "sent"), has, rate, WABIZ_CHART_COLOR_ACCENT);
  has = get_double (funnel, "delivered_rate", &rate);
  add_item (items, "delivered", _("Delivered"), get_int (funnel, "delivered"), has, rate, WABIZ_CHART_COLOR_ACCENT);
  has = get_double (funnel, "read_rate", &rate);
  add_item (items, "read", _("Read"), get_int (funnel, "read"), has, rate, WABIZ_CHART_COLOR_ACCENT);
  has = get_double (funnel, "failed_rate", &rate);
  add_item (items, "failed", _("Failed"), get_int (funnel, "failed"), has, rate, WABIZ_CHART_COLOR_ERROR);
  return items;
}

static int
compare_items (gconstpointer a,
               gconstpointer b)
{
  const Item *x = a, *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return g_strcmp0 (x->key, y->key);
}

/* The counts of @object, most first, each with its share of @total */
static GArray *
breakdown_items (JsonObject *object,
                 gint64      total,
                 const char *(*label) (const char *key))
{
  GArray *items = items_new ();
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  if (object == NULL)
    return items;
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &node))
    {
      gint64 n = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : 0;

      add_item (items, key, label (key), n, total > 0, total > 0 ? (double) n / total : 0,
                WABIZ_CHART_COLOR_ACCENT);
    }
  g_array_sort (items, compare_items);
  return items;
}

static GArray *
direction_items (JsonObject *figures)
{
  JsonObject *by_direction = get_object (figures, "by_direction");
  gint64 total = get_int (figures, "total_messages");
  gint64 outbound = get_int (by_direction, "outbound");
  gint64 inbound = get_int (by_direction, "inbound");
  GArray *items = items_new ();

  add_item (items, "outbound", _("Sent"), outbound, total > 0, total > 0 ? (double) outbound / total : 0,
            WABIZ_CHART_COLOR_ACCENT);
  add_item (items, "inbound", _("Received"), inbound, total > 0, total > 0 ? (double) inbound / total : 0,
            WABIZ_CHART_COLOR_SUCCESS);
  return items;
}

static GArray *
lead_status_items (JsonObject *figures)
{
  static const WabizChartColor colors[] = { WABIZ_CHART_COLOR_ACCENT, WABIZ_CHART_COLOR_WARNING,
                                            WABIZ_CHART_COLOR_ACCENT, WABIZ_CHART_COLOR_SUCCESS,
                                            WABIZ_CHART_COLOR_NEUTRAL };
  JsonObject *by_status = get_object (figures, "leads_by_status");
  gint64 total = get_int (figures, "total_leads");
  GArray *items = items_new ();

  for (guint i = 0; i < G_N_ELEMENTS (lead_statuses); i++)
    {
      gint64 n = get_int (by_status, lead_statuses[i]);

      add_item (items, lead_statuses[i], status_label (lead_statuses[i]), n, total > 0,
                total > 0 ? (double) n / total : 0, colors[i]);
    }
  return items;
}

static GArray *
campaign_items (JsonObject *campaign)
{
  GArray *items = items_new ();
  double rate = 0;
  gboolean has;

  add_item (items, "messages", _("Messages"), get_int (campaign, "messages"), FALSE, 0, WABIZ_CHART_COLOR_ACCENT);
  add_item (items, "sent", _("Sent"), get_int (campaign, "sent"), FALSE, 0, WABIZ_CHART_COLOR_ACCENT);
  has = get_double (campaign, "delivered_rate", &rate);
  add_item (items, "delivered", _("Delivered"), get_int (campaign, "delivered"), has, rate, WABIZ_CHART_COLOR_ACCENT);
  has = get_double (campaign, "read_rate", &rate);
  add_item (items, "read", _("Read"), get_int (campaign, "read"), has, rate, WABIZ_CHART_COLOR_ACCENT);
  has = get_double (campaign, "reply_rate", &rate);
  add_item (items, "replied", _("Replied"), get_int (campaign, "replied"), has, rate, WABIZ_CHART_COLOR_SUCCESS);
  has = get_double (campaign, "opt_out_rate", &rate);
  add_item (items, "opted_out", _("Opted out"), get_int (campaign, "opted_out"), has, rate,
            WABIZ_CHART_COLOR_WARNING);
  add_item (items, "failed", _("Failed"), get_int (campaign, "failed"), FALSE, 0, WABIZ_CHART_COLOR_ERROR);
  return items;
}

/* The bars of @items on @chart, and the same in words: “Sent: 120
 * (93.3%); Read: …” */
static void
show_items (WabizChart *chart,
            GArray     *items,
            double      max)
{
  g_autofree const char **labels = g_new0 (const char *, items->len + 1);
  g_autofree double *values = g_new0 (double, MAX (1, items->len));
  g_autofree WabizChartColor *colors = g_new0 (WabizChartColor, MAX (1, items->len));
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) description = g_string_new (NULL);

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      char *text = count_with_rate (item->count, item->has_rate, item->rate);

      labels[i] = item->label;
      values[i] = item->count;
      colors[i] = item->color;
      g_ptr_array_add (texts, text);
      /* Translators: one bar of a chart, for a screen reader: its name and value */
      g_string_append_printf (description, i > 0 ? _("; %s: %s") : _("%s: %s"), item->label, text);
    }
  g_ptr_array_add (texts, NULL);
  if (items->len > 0)
    g_string_append_c (description, '.');
  wabiz_chart_hbars_set_items (WABIZ_CHART_HBARS (chart), items->len, labels, values,
                               (const char * const *) texts->pdata, colors);
  wabiz_chart_hbars_set_max (WABIZ_CHART_HBARS (chart), max);
  wabiz_chart_set_description (chart, description->str);
}

/* ------------------------------------------------------------------ */
/* on screen */

static void
set_count_label (GtkLabel *label,
                 gint64    n)
{
  g_autofree char *text = count_text (n);

  gtk_label_set_text (label, text);
}

static void
show_period (WabizAnalyticsPane *self)
{
  JsonObject *period = get_object (self->figures, "period");
  const char *first_day = get_string (period, "first_day");
  const char *last_day = get_string (period, "last_day");
  g_autofree char *first = _wabiz_analytics_format_day (first_day, TRUE);
  g_autofree char *last = _wabiz_analytics_format_day (last_day, TRUE);
  g_autofree char *text = NULL;

  if (g_strcmp0 (first_day, last_day) == 0)
    /* Translators: a day and the time zone the figures are in */
    text = g_strdup_printf (_("%s · %s"), first, get_string (period, "time_zone"));
  else
    /* Translators: the first and last day and the time zone the figures are in */
    text = g_strdup_printf (_("%s – %s · %s"), first, last, get_string (period, "time_zone"));
  gtk_label_set_text (self->period_label, text);
}

static void
show_per_day (WabizAnalyticsPane *self)
{
  JsonArray *days = get_array (self->figures, "messages_per_day");
  guint n = days != NULL ? json_array_get_length (days) : 0;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) axis = g_ptr_array_new_with_free_func (g_free);
  g_autofree double *values = g_new0 (double, 2 * MAX (1, n));
  g_autoptr(GString) words = g_string_new (NULL);
  static const WabizChartColor colors[] = { WABIZ_CHART_COLOR_ACCENT, WABIZ_CHART_COLOR_SUCCESS };
  const char *names[] = { _("Sent"), _("Received") };
  gint64 sent = 0, received = 0;

  for (guint i = 0; i < n; i++)
    {
      JsonObject *day = json_array_get_object_element (days, i);
      const char *iso = get_string (day, "day");

      values[2 * i] = get_int (day, "sent");
      values[2 * i + 1] = get_int (day, "received");
      sent += get_int (day, "sent");
      received += get_int (day, "received");
      g_ptr_array_add (labels, _wabiz_analytics_format_day (iso, TRUE));
      g_ptr_array_add (axis, _wabiz_analytics_format_day (iso, FALSE));
    }
  g_ptr_array_add (labels, NULL);
  g_ptr_array_add (axis, NULL);

  {
    g_autofree char *s = count_text (sent);
    g_autofree char *r = count_text (received);

    /* Translators: the chart of messages per day, for a screen reader */
    g_string_append_printf (words, _("%s sent and %s received from %s to %s."), s, r,
                            n > 0 ? (char *) g_ptr_array_index (labels, 0) : "",
                            n > 0 ? (char *) g_ptr_array_index (labels, n - 1) : "");
  }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *s = count_text ((gint64) values[2 * i]);
      g_autofree char *r = count_text ((gint64) values[2 * i + 1]);

      g_string_append_c (words, ' ');
      /* Translators: one day of the chart of messages per day, for a screen reader */
      g_string_append_printf (words, _("%s: %s sent, %s received."), (char *) g_ptr_array_index (labels, i), s, r);
    }

  wabiz_chart_bars_set_series (WABIZ_CHART_BARS (self->per_day_chart), 2, names, colors);
  wabiz_chart_bars_set_data (WABIZ_CHART_BARS (self->per_day_chart), n, (const char * const *) labels->pdata,
                             (const char * const *) axis->pdata, values);
  wabiz_chart_set_description (self->per_day_chart, words->str);
}

static void
show_new_leads (WabizAnalyticsPane *self)
{
  JsonArray *days = get_array (self->figures, "new_leads_per_day");
  guint n = days != NULL ? json_array_get_length (days) : 0;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) axis = g_ptr_array_new_with_free_func (g_free);
  g_autofree double *values = g_new0 (double, MAX (1, n));
  g_autoptr(GString) words = g_string_new (NULL);
  static const WabizChartColor colors[] = { WABIZ_CHART_COLOR_ACCENT };
  const char *names[] = { _("New leads") };
  gint64 total = get_int (self->figures, "new_leads");

  for (guint i = 0; i < n; i++)
    {
      JsonObject *day = json_array_get_object_element (days, i);
      const char *iso = get_string (day, "day");
      gint64 count = get_int (day, "count");
      g_autofree char *c = count_text (count);
      char *label = _wabiz_analytics_format_day (iso, TRUE);

      values[i] = count;
      g_ptr_array_add (labels, label);
      g_ptr_array_add (axis, _wabiz_analytics_format_day (iso, FALSE));
      g_string_append_c (words, ' ');
      /* Translators: one day of the chart of new leads, for a screen reader */
      g_string_append_printf (words, g_dngettext (GETTEXT_PACKAGE, "%s: %s new lead.", "%s: %s new leads.",
                                                  (gulong) count),
                              label, c);
    }
  g_ptr_array_add (labels, NULL);
  g_ptr_array_add (axis, NULL);

  {
    g_autofree char *t = count_text (total);
    g_autofree char *intro = NULL;

    /* Translators: the chart of new leads per day, for a screen reader */
    intro = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s new lead from %s to %s.",
                                          "%s new leads from %s to %s.", (gulong) total),
                             t, n > 0 ? (char *) g_ptr_array_index (labels, 0) : "",
                             n > 0 ? (char *) g_ptr_array_index (labels, n - 1) : "");
    g_string_prepend (words, intro);
  }

  wabiz_chart_bars_set_series (WABIZ_CHART_BARS (self->new_leads_chart), 1, names, colors);
  wabiz_chart_bars_set_data (WABIZ_CHART_BARS (self->new_leads_chart), n, (const char * const *) labels->pdata,
                             (const char * const *) axis->pdata, values);
  wabiz_chart_set_description (self->new_leads_chart, words->str);
}

static void
show_failures (WabizAnalyticsPane *self)
{
  JsonArray *failures = get_array (self->figures, "failures");
  guint n = failures != NULL ? json_array_get_length (failures) : 0;

  clear_list (self->failures_list);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *failure = json_array_get_object_element (failures, i);
      const char *title = get_string (failure, "error_title");
      JsonNode *code = json_object_get_member (failure, "error_code");
      gint64 count = get_int (failure, "count");
      g_autofree char *count_str = count_text (count);
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();

      if (code != NULL && !JSON_NODE_HOLDS_NULL (code))
        {
          g_autofree char *code_str = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (code));

          /* Translators: Meta's error code of a failure reason, and how many messages failed for it */
          subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Error %s · %s message", "Error %s · %s messages",
                                                   (gulong) count),
                                      code_str, count_str);
        }
      else
        subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s message", "%s messages", (gulong) count),
                                    count_str);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     title != NULL && *title != '\0' ? title : _("No reason given"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_tooltip_text (row, _("See the messages that failed for this reason"));
      g_object_set_data_full (G_OBJECT (row), "failure", json_object_ref (failure),
                              (GDestroyNotify) json_object_unref);
      gtk_list_box_append (self->failures_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->failures_list), n > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->failures_empty), n == 0);
}

static void
show_replies (WabizAnalyticsPane *self)
{
  JsonObject *replies = get_object (self->figures, "replies");
  gint64 n_replies = get_int (replies, "replies");
  double median = 0, p90 = 0, share = 0;
  g_autofree char *median_text = NULL;
  g_autofree char *p90_text = NULL;
  g_autofree char *within_text = NULL;
  g_autofree char *waiting_text = NULL;

  median_text = get_double (replies, "median_seconds", &median) ? _wabiz_analytics_format_duration (median)
                                                                : g_strdup (_("No replies"));
  p90_text = get_double (replies, "p90_seconds", &p90) ? _wabiz_analytics_format_duration (p90)
                                                       : g_strdup (_("No replies"));
  if (!self->hours_known)
    within_text = g_strdup (_("Hours not set"));
  else if (n_replies == 0 || !get_double (replies, "within_business_hours_share", &share))
    within_text = g_strdup (_("No replies"));
  else
    {
      g_autofree char *within = count_text (get_int (replies, "within_business_hours"));
      g_autofree char *all = count_text (n_replies);
      g_autofree char *percent = _wabiz_analytics_format_percent (share);

      /* Translators: replies within business hours, of all, and their share: “12 of 20 (60.0%)” */
      within_text = g_strdup_printf (_("%s of %s (%s)"), within, all, percent);
    }
  {
    g_autofree char *waiting = count_text (get_int (replies, "unanswered"));
    g_autofree char *turns = count_text (get_int (replies, "turns"));

    /* Translators: customer turns without a reply, of all: “3 of 40” */
    waiting_text = g_strdup_printf (_("%s of %s"), waiting, turns);
  }

  gtk_label_set_text (self->median_label, median_text);
  gtk_label_set_text (self->p90_label, p90_text);
  gtk_label_set_text (self->within_hours_label, within_text);
  gtk_label_set_text (self->waiting_label, waiting_text);
  gtk_label_set_text (self->hours_hint,
                      self->hours_known ? "" : _("Set your business hours in Preferences to see how many "
                                                 "replies came within them."));
  gtk_widget_set_visible (GTK_WIDGET (self->hours_hint), !self->hours_known);
}

static void
show_busiest (WabizAnalyticsPane *self)
{
  JsonArray *busiest = get_array (self->figures, "busiest_hours");
  double values[7 * 24] = { 0 };
  const char *rows[7];
  char column_text[24][8];
  char tooltip_text[24][24];
  const char *columns[24];
  const char *tooltips[24];
  g_autoptr(GString) words = g_string_new (NULL);

  for (guint d = 0; d < 7; d++)
    {
      JsonArray *hours = busiest != NULL && d < json_array_get_length (busiest)
                         ? json_array_get_array_element (busiest, d) : NULL;
      g_autoptr(GString) day_words = g_string_new (NULL);

      rows[d] = weekday_label (d, FALSE);
      for (guint h = 0; h < 24; h++)
        {
          gint64 n = hours != NULL && h < json_array_get_length (hours) ? json_array_get_int_element (hours, h) : 0;

          values[d * 24 + h] = n;
          if (n > 0)
            {
              g_autofree char *count = count_text (n);

              if (day_words->len > 0)
                g_string_append (day_words, ", ");
              /* Translators: messages in one hour of the week: “3 at 09:00” */
              g_string_append_printf (day_words, _("%s at %02u:00"), count, h);
            }
        }
      if (d > 0)
        g_string_append_c (words, ' ');
      if (day_words->len > 0)
        /* Translators: the busiest hours of one weekday, for a screen reader */
        g_string_append_printf (words, _("%s: %s."), weekday_label (d, TRUE), day_words->str);
      else
        /* Translators: a weekday without messages, for a screen reader */
        g_string_append_printf (words, _("%s: none."), weekday_label (d, TRUE));
    }
  for (guint h = 0; h < 24; h++)
    {
      g_snprintf (column_text[h], sizeof column_text[h], "%02u", h);
      g_snprintf (tooltip_text[h], sizeof tooltip_text[h], "%02u:00–%02u:00", h, (h + 1) % 24);
      columns[h] = h % 3 == 0 ? column_text[h] : NULL;
      tooltips[h] = tooltip_text[h];
    }

  wabiz_chart_heatmap_set_data (WABIZ_CHART_HEATMAP (self->busiest_chart), 7, 24, rows, columns, tooltips, values);
  wabiz_chart_set_description (self->busiest_chart, words->str);
}

static void
show_campaigns (WabizAnalyticsPane *self)
{
  JsonArray *campaigns = get_array (self->figures, "campaigns");
  guint n = campaigns != NULL ? json_array_get_length (campaigns) : 0;
  g_autofree char *hint = NULL;

  clear_list (self->campaigns_list);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *campaign = json_array_get_object_element (campaigns, i);
      g_autoptr(GArray) items = campaign_items (campaign);
      const char *name = get_string (campaign, "name");
      g_autofree char *subtitle = NULL;
      g_autofree char *chart_title = NULL;
      GtkWidget *row = adw_expander_row_new ();
      GtkWidget *chart = wabiz_chart_hbars_new ();

      /* Translators: a campaign's template and its state, such as “spring_offer · Running” */
      subtitle = g_strdup_printf (_("%s · %s"), get_string (campaign, "template_name"),
                                  campaign_state_label (get_string (campaign, "state")));
      /* Translators: the funnel chart of one campaign, for a screen reader */
      chart_title = g_strdup_printf (_("Campaign “%s”"), name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), i == 0);

      wabiz_chart_set_title (WABIZ_CHART (chart), chart_title);
      show_items (WABIZ_CHART (chart), items, get_int (campaign, "messages"));
      gtk_widget_set_margin_top (chart, 12);
      gtk_widget_set_margin_bottom (chart, 12);
      gtk_widget_set_margin_start (chart, 12);
      gtk_widget_set_margin_end (chart, 12);
      g_object_set_data_full (G_OBJECT (row), "campaign-id", g_strdup (get_string (campaign, "id")), g_free);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), chart);
      gtk_list_box_append (self->campaigns_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->campaigns_list), n > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->campaigns_empty), n == 0);
  /* Translators: %d is a number of hours */
  hint = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "A reply or an opt-out counts for a campaign when it came within %d hour "
                                       "of the campaign’s message.",
                                       "A reply or an opt-out counts for a campaign when it came within %d hours "
                                       "of the campaign’s message.",
                                       WABIZ_ANALYTICS_CAMPAIGN_HOURS),
                          WABIZ_ANALYTICS_CAMPAIGN_HOURS);
  gtk_label_set_text (self->campaigns_hint, hint);
  gtk_widget_set_visible (GTK_WIDGET (self->campaigns_hint), n > 0);
}

void
_wabiz_analytics_pane_show_figures (WabizAnalyticsPane *self)
{
  JsonObject *figures = self->figures;
  JsonObject *by_direction = get_object (figures, "by_direction");
  gint64 total = get_int (figures, "total_messages");
  gint64 total_leads = get_int (figures, "total_leads");
  gint64 new_leads = get_int (figures, "new_leads");
  JsonArray *campaigns = get_array (figures, "campaigns");
  g_autoptr(GArray) funnel = funnel_items (figures);
  g_autoptr(GArray) types = breakdown_items (get_object (figures, "by_type"), total, type_label);
  g_autoptr(GArray) directions = direction_items (figures);
  g_autoptr(GArray) statuses = lead_status_items (figures);
  g_autofree char *summary = NULL;
  g_autofree char *count = NULL;
  gboolean no_campaigns, never, empty;

  g_return_if_fail (figures != NULL);

  show_period (self);
  set_count_label (self->total_label, total);
  set_count_label (self->sent_label, get_int (by_direction, "outbound"));
  set_count_label (self->received_label, get_int (by_direction, "inbound"));
  set_count_label (self->new_leads_label, new_leads);

  show_per_day (self);
  show_items (self->funnel_chart, funnel, get_int (get_object (figures, "funnel"), "outbound"));
  show_failures (self);
  show_items (self->type_chart, types, 0);
  show_items (self->direction_chart, directions, total);
  show_items (self->lead_status_chart, statuses, total_leads);
  {
    g_autofree char *all = count_text (total_leads);
    g_autofree char *fresh = count_text (new_leads);
    g_autofree char *text = NULL;

    /* Translators: all leads, and how many of them came in the period */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s lead in all, %s new in this period",
                                         "%s leads in all, %s new in this period", (gulong) total_leads),
                            all, fresh);
    gtk_label_set_text (self->total_leads_label, text);
  }
  show_replies (self);
  show_new_leads (self);
  show_busiest (self);
  show_campaigns (self);

  /* no message ever (whatever the leads): nothing to measure yet; none
   * in the period: say so, and what to do (with nothing to show as a
   * table or to export) */
  no_campaigns = campaigns == NULL || json_array_get_length (campaigns) == 0;
  never = total == 0 && get_int (figures, "total_conversations") == 0 && no_campaigns;
  empty = never || (total == 0 && new_leads == 0 && no_campaigns);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analytics.show-table", !empty);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analytics.export", !empty);
  if (never)
    {
      adw_status_page_set_title (self->empty_page, _("No Messages Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Figures and charts appear here once you have sent or received "
                                         "messages: write to a lead, or wait for a customer to write."));
      wabiz_pane_set_summary (WABIZ_PANE (self), _("No Messages Yet"));
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
    }
  else if (empty)
    {
      adw_status_page_set_title (self->empty_page, _("No Messages in This Period"));
      adw_status_page_set_description (self->empty_page, _("Choose a longer period to see your figures."));
      wabiz_pane_set_summary (WABIZ_PANE (self), _("No Messages in This Period"));
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
    }
  else
    {
      count = count_text (total);
      /* Translators: %s is a number such as 1,234 */
      summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s Message", "%s Messages", (gulong) total), count);
      wabiz_pane_set_summary (WABIZ_PANE (self), summary);
      gtk_stack_set_visible_child_name (self->content_stack, "figures");
    }
}

/* ------------------------------------------------------------------ */
/* as tables */

static GPtrArray *
rows_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
}

/* Adds a row of the texts given, up to a NULL */
static void
add_row (GPtrArray  *rows,
         const char *first,
         ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  va_list args;

  g_strv_builder_add (builder, first);
  va_start (args, first);
  for (const char *text = va_arg (args, const char *); text != NULL; text = va_arg (args, const char *))
    g_strv_builder_add (builder, text);
  va_end (args);
  g_ptr_array_add (rows, g_strv_builder_end (builder));
}

static void
fill_items_table (WabizAnalyticsTable *table,
                  const char          *title,
                  const char          *name_title,
                  const char          *count_title,
                  GArray              *items)
{
  const char *titles[] = { name_title, count_title, _("Share"), NULL };
  g_autoptr(GPtrArray) rows = rows_new ();

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      g_autofree char *count = count_text (item->count);
      g_autofree char *rate = item->has_rate ? _wabiz_analytics_format_percent (item->rate) : g_strdup ("");

      add_row (rows, item->label, count, rate, NULL);
    }
  wabiz_analytics_table_set_title (table, title);
  wabiz_analytics_table_set_columns (table, titles);
  wabiz_analytics_table_set_rows (table, rows);
}

static void
fill_per_day_table (WabizAnalyticsTable *table,
                    JsonArray           *days,
                    gboolean             leads)
{
  const char *message_titles[] = { _("Day"), _("Sent"), _("Received"), NULL };
  const char *lead_titles[] = { _("Day"), _("New Leads"), NULL };
  g_autoptr(GPtrArray) rows = rows_new ();

  for (guint i = 0; days != NULL && i < json_array_get_length (days); i++)
    {
      JsonObject *day = json_array_get_object_element (days, i);
      g_autofree char *label = _wabiz_analytics_format_day (get_string (day, "day"), TRUE);

      if (leads)
        {
          g_autofree char *count = count_text (get_int (day, "count"));

          add_row (rows, label, count, NULL);
        }
      else
        {
          g_autofree char *sent = count_text (get_int (day, "sent"));
          g_autofree char *received = count_text (get_int (day, "received"));

          add_row (rows, label, sent, received, NULL);
        }
    }
  wabiz_analytics_table_set_title (table, leads ? _("New leads per day") : _("Messages per day"));
  wabiz_analytics_table_set_columns (table, leads ? lead_titles : message_titles);
  wabiz_analytics_table_set_rows (table, rows);
}

static void
fill_funnel_table (WabizAnalyticsPane *self)
{
  const char *titles[] = { _("Step"), _("Messages"), _("Rate"), NULL };
  g_autoptr(GArray) items = funnel_items (self->figures);
  g_autoptr(GPtrArray) rows = rows_new ();
  JsonArray *failures = get_array (self->figures, "failures");

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      g_autofree char *count = count_text (item->count);
      g_autofree char *rate = item->has_rate ? _wabiz_analytics_format_percent (item->rate) : g_strdup ("");

      add_row (rows, item->label, count, rate, NULL);
    }
  for (guint i = 0; failures != NULL && i < json_array_get_length (failures); i++)
    {
      JsonObject *failure = json_array_get_object_element (failures, i);
      const char *title = get_string (failure, "error_title");
      g_autofree char *count = count_text (get_int (failure, "count"));
      g_autofree char *name = NULL;

      /* Translators: a row of the delivery table: the messages that failed for one reason */
      name = g_strdup_printf (_("Failed: %s"), title != NULL && *title != '\0' ? title : _("No reason given"));
      add_row (rows, name, count, "", NULL);
    }
  wabiz_analytics_table_set_title (self->funnel_table, _("Delivery funnel"));
  wabiz_analytics_table_set_columns (self->funnel_table, titles);
  wabiz_analytics_table_set_rows (self->funnel_table, rows);
}

static void
fill_lead_status_table (WabizAnalyticsPane *self)
{
  const char *titles[] = { _("Status"), _("Leads"), _("Share"), _("New in Period"), NULL };
  g_autoptr(GArray) items = lead_status_items (self->figures);
  JsonObject *fresh = get_object (self->figures, "new_leads_by_status");
  g_autoptr(GPtrArray) rows = rows_new ();

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      g_autofree char *count = count_text (item->count);
      g_autofree char *rate = item->has_rate ? _wabiz_analytics_format_percent (item->rate) : g_strdup ("");
      g_autofree char *new_count = count_text (get_int (fresh, item->key));

      add_row (rows, item->label, count, rate, new_count, NULL);
    }
  wabiz_analytics_table_set_title (self->lead_status_table, _("Leads by status"));
  wabiz_analytics_table_set_columns (self->lead_status_table, titles);
  wabiz_analytics_table_set_rows (self->lead_status_table, rows);
}

static void
fill_replies_table (WabizAnalyticsPane *self)
{
  const char *titles[] = { _("Figure"), _("Value"), NULL };
  JsonObject *replies = get_object (self->figures, "replies");
  g_autoptr(GPtrArray) rows = rows_new ();
  g_autofree char *turns = count_text (get_int (replies, "turns"));
  g_autofree char *waiting = count_text (get_int (replies, "unanswered"));
  g_autofree char *answered = count_text (get_int (replies, "replies"));
  g_autofree char *within = count_text (get_int (replies, "within_business_hours"));

  add_row (rows, _("Median time to first reply"), gtk_label_get_text (self->median_label), NULL);
  /* xgettext:no-c-format */
  add_row (rows, _("90% answered within"), gtk_label_get_text (self->p90_label), NULL);
  add_row (rows, _("Customer turns"), turns, NULL);
  add_row (rows, _("Waiting for a reply"), waiting, NULL);
  add_row (rows, _("First replies"), answered, NULL);
  add_row (rows, _("Replies within business hours"), self->hours_known ? within : _("Hours not set"), NULL);
  wabiz_analytics_table_set_title (self->replies_table, _("Replies"));
  wabiz_analytics_table_set_columns (self->replies_table, titles);
  wabiz_analytics_table_set_rows (self->replies_table, rows);
}

static void
fill_busiest_table (WabizAnalyticsPane *self)
{
  JsonArray *busiest = get_array (self->figures, "busiest_hours");
  g_autoptr(GStrvBuilder) titles = g_strv_builder_new ();
  g_auto(GStrv) title_strv = NULL;
  g_autoptr(GPtrArray) rows = rows_new ();

  g_strv_builder_add (titles, _("Day"));
  for (guint h = 0; h < 24; h++)
    {
      char hour[8];

      g_snprintf (hour, sizeof hour, "%02u", h);
      g_strv_builder_add (titles, hour);
    }
  title_strv = g_strv_builder_end (titles);

  for (guint d = 0; d < 7; d++)
    {
      JsonArray *hours = busiest != NULL && d < json_array_get_length (busiest)
                         ? json_array_get_array_element (busiest, d) : NULL;
      g_autoptr(GStrvBuilder) row = g_strv_builder_new ();

      g_strv_builder_add (row, weekday_label (d, FALSE));
      for (guint h = 0; h < 24; h++)
        {
          g_autofree char *count = count_text (hours != NULL && h < json_array_get_length (hours)
                                               ? json_array_get_int_element (hours, h) : 0);

          g_strv_builder_add (row, count);
        }
      g_ptr_array_add (rows, g_strv_builder_end (row));
    }
  wabiz_analytics_table_set_title (self->busiest_table, _("Busiest hours of the week"));
  wabiz_analytics_table_set_columns (self->busiest_table, (const char * const *) title_strv);
  wabiz_analytics_table_set_rows (self->busiest_table, rows);
}

static void
fill_campaigns_table (WabizAnalyticsPane *self)
{
  const char *titles[] = { _("Campaign"), _("State"), _("Messages"), _("Sent"), _("Delivered"), _("Read"),
                           _("Failed"), _("Replied"), _("Opted Out"), NULL };
  JsonArray *campaigns = get_array (self->figures, "campaigns");
  g_autoptr(GPtrArray) rows = rows_new ();

  for (guint i = 0; campaigns != NULL && i < json_array_get_length (campaigns); i++)
    {
      JsonObject *c = json_array_get_object_element (campaigns, i);
      g_autofree char *messages = count_text (get_int (c, "messages"));
      g_autofree char *sent = count_text (get_int (c, "sent"));
      g_autofree char *delivered = count_text (get_int (c, "delivered"));
      g_autofree char *read = count_text (get_int (c, "read"));
      g_autofree char *failed = count_text (get_int (c, "failed"));
      g_autofree char *replied = count_text (get_int (c, "replied"));
      g_autofree char *opted_out = count_text (get_int (c, "opted_out"));

      add_row (rows, get_string (c, "name"), campaign_state_label (get_string (c, "state")), messages, sent,
               delivered, read, failed, replied, opted_out, NULL);
    }
  wabiz_analytics_table_set_title (self->campaigns_table, _("Campaigns"));
  wabiz_analytics_table_set_columns (self->campaigns_table, titles);
  wabiz_analytics_table_set_rows (self->campaigns_table, rows);
}

void
_wabiz_analytics_pane_fill_tables (WabizAnalyticsPane *self)
{
  gint64 total;
  g_autoptr(GArray) types = NULL;
  g_autoptr(GArray) directions = NULL;

  if (self->figures == NULL)
    return;
  total = get_int (self->figures, "total_messages");
  types = breakdown_items (get_object (self->figures, "by_type"), total, type_label);
  directions = direction_items (self->figures);

  fill_per_day_table (self->per_day_table, get_array (self->figures, "messages_per_day"), FALSE);
  fill_funnel_table (self);
  fill_items_table (self->type_table, _("Messages by type"), _("Type"), _("Messages"), types);
  fill_items_table (self->direction_table, _("Messages by direction"), _("Direction"), _("Messages"), directions);
  fill_lead_status_table (self);
  fill_replies_table (self);
  fill_per_day_table (self->new_leads_table, get_array (self->figures, "new_leads_per_day"), TRUE);
  fill_busiest_table (self);
  fill_campaigns_table (self);
  self->tables_filled = TRUE;
}

/* ------------------------------------------------------------------ */
/* as CSV */

static void
csv_row (GString    *out,
         const char *figure,
         const char *item,
         const char *measure,
         const char *value)
{
  const char *fields[] = { figure, item, measure, value };

  wabiz_csv_append_row (out, fields, G_N_ELEMENTS (fields));
}

static void
csv_int (GString    *out,
         const char *figure,
         const char *item,
         const char *measure,
         gint64      value)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  csv_row (out, figure, item, measure, text);
}

/* a number (or null: empty) with a dot, whatever the locale */
static void
csv_double (GString    *out,
            const char *figure,
            const char *item,
            const char *measure,
            JsonObject *object,
            const char *name)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  double value;

  if (get_double (object, name, &value))
    g_ascii_formatd (text, sizeof text, "%.4f", value);
  else
    text[0] = '\0';
  csv_row (out, figure, item, measure, text);
}

static void
csv_counts (GString    *out,
            const char *figure,
            JsonObject *object)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  if (object == NULL)
    return;
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &node))
    csv_int (out, figure, key, "count", JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : 0);
}

GBytes *
_wabiz_analytics_pane_build_csv (WabizAnalyticsPane *self)
{
  static const char * const funnel_steps[][2] = { { "outbound", NULL }, { "sent", "sent_rate" },
                                                  { "delivered", "delivered_rate" }, { "read", "read_rate" },
                                                  { "failed", "failed_rate" } };
  static const char * const reply_counts[] = { "turns", "unanswered", "replies", "within_business_hours" };
  static const char * const reply_figures[] = { "median_seconds", "p90_seconds", "within_business_hours_share" };
  static const char * const campaign_counts[] = { "recipients", "excluded", "messages", "sent", "delivered", "read",
                                                  "failed", "replied", "opted_out" };
  static const char * const campaign_rates[] = { "delivered_rate", "read_rate", "reply_rate", "opt_out_rate" };
  JsonObject *figures = self->figures;
  JsonObject *period = get_object (figures, "period");
  JsonObject *funnel = get_object (figures, "funnel");
  JsonObject *replies = get_object (figures, "replies");
  JsonArray *array;
  GString *out = g_string_new (NULL);

  csv_row (out, "figure", "item", "measure", "value");
  csv_row (out, "period", "first_day", "", get_string (period, "first_day"));
  csv_row (out, "period", "last_day", "", get_string (period, "last_day"));
  csv_row (out, "period", "time_zone", "", get_string (period, "time_zone"));

  csv_int (out, "messages", "total", "count", get_int (figures, "total_messages"));
  csv_counts (out, "by_direction", get_object (figures, "by_direction"));
  csv_counts (out, "by_type", get_object (figures, "by_type"));
  csv_counts (out, "by_status", get_object (figures, "by_status"));
  array = get_array (figures, "messages_per_day");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *day = json_array_get_object_element (array, i);

      csv_int (out, "messages_per_day", get_string (day, "day"), "sent", get_int (day, "sent"));
      csv_int (out, "messages_per_day", get_string (day, "day"), "received", get_int (day, "received"));
    }

  for (guint i = 0; i < G_N_ELEMENTS (funnel_steps); i++)
    {
      csv_int (out, "funnel", funnel_steps[i][0], "count", get_int (funnel, funnel_steps[i][0]));
      if (funnel_steps[i][1] != NULL)
        csv_double (out, "funnel", funnel_steps[i][0], "rate", funnel, funnel_steps[i][1]);
    }
  array = get_array (figures, "failures");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *failure = json_array_get_object_element (array, i);
      const char *title = get_string (failure, "error_title");
      JsonNode *code = json_object_get_member (failure, "error_code");

      if (code != NULL && !JSON_NODE_HOLDS_NULL (code))
        csv_int (out, "failures", title != NULL ? title : "", "error_code", json_node_get_int (code));
      else
        csv_row (out, "failures", title != NULL ? title : "", "error_code", "");
      csv_int (out, "failures", title != NULL ? title : "", "count", get_int (failure, "count"));
    }

  csv_int (out, "leads", "total", "count", get_int (figures, "total_leads"));
  csv_int (out, "leads", "new", "count", get_int (figures, "new_leads"));
  csv_counts (out, "leads_by_status", get_object (figures, "leads_by_status"));
  csv_counts (out, "new_leads_by_status", get_object (figures, "new_leads_by_status"));
  array = get_array (figures, "new_leads_per_day");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *day = json_array_get_object_element (array, i);

      csv_int (out, "new_leads_per_day", get_string (day, "day"), "count", get_int (day, "count"));
    }
  csv_int (out, "conversations", "total", "count", get_int (figures, "total_conversations"));

  for (guint i = 0; i < G_N_ELEMENTS (reply_counts); i++)
    csv_int (out, "replies", reply_counts[i], "count", get_int (replies, reply_counts[i]));
  for (guint i = 0; i < G_N_ELEMENTS (reply_figures); i++)
    csv_double (out, "replies", reply_figures[i], "value", replies, reply_figures[i]);

  array = get_array (figures, "busiest_hours");
  for (guint d = 0; array != NULL && d < json_array_get_length (array) && d < 7; d++)
    {
      JsonArray *hours = json_array_get_array_element (array, d);

      for (guint h = 0; h < json_array_get_length (hours) && h < 24; h++)
        {
          char hour[8];

          g_snprintf (hour, sizeof hour, "%02u", h);
          csv_int (out, "busiest_hours", weekday_keys[d], hour, json_array_get_int_element (hours, h));
        }
    }

  array = get_array (figures, "campaigns");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *c = json_array_get_object_element (array, i);
      const char *name = get_string (c, "name");

      csv_row (out, "campaign", name, "id", get_string (c, "id"));
      csv_row (out, "campaign", name, "state", get_string (c, "state"));
      for (guint j = 0; j < G_N_ELEMENTS (campaign_counts); j++)
        csv_int (out, "campaign", name, campaign_counts[j], get_int (c, campaign_counts[j]));
      for (guint j = 0; j < G_N_ELEMENTS (campaign_rates); j++)
        csv_double (out, "campaign", name, campaign_rates[j], c, campaign_rates[j]);
    }

  return g_string_free_to_bytes (out);
}
