/* test-ui-a11y.c: what a screen reader gets from the window
 *
 * SPDX-License-Identifier: MIT
 *
 * Opens the app on a seeded database, shows the Leads pane and a chat,
 * and reads the accessible properties of every control on screen:
 * icon-only buttons need a tooltip and an accessible label, text fields
 * a label, and a message's delivery state is told in words, not only by
 * a coloured icon. Without a display every test is skipped.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "wabiz-application.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define CUSTOMER "5511999990001"

static const char *seed_sql =
  "INSERT INTO leads (phone, name, status, email) VALUES"
  " ('" CUSTOMER "', 'Ana Souza', 'INTERESTED', 'ana@example.com'),"
  " ('5511999990002', 'Bruno Lima', 'NEW', NULL);"
  "INSERT INTO messages (phone, message, sender, direction, status, message_id, type, \"timestamp\","
  " error_code, error_title) VALUES"
  " ('" CUSTOMER "', 'Is the blue vase still available?', 'Customer', 'inbound', 'received',"
  "  'wamid.a11y-in', 'text', now() - interval '2 hours', NULL, NULL),"
  " ('" CUSTOMER "', 'Yes, it is!', 'WaBiz', 'outbound', 'read', 'wamid.a11y-out1', 'text',"
  "  now() - interval '90 minutes', NULL, NULL),"
  " ('" CUSTOMER "', 'See you at 5 then', 'WaBiz', 'outbound', 'failed', 'wamid.a11y-out2', 'text',"
  "  now() - interval '1 hour', 131047, 'Re-engagement message');"
  "INSERT INTO conversations (phone, lead_id, total_messages, last_message, last_message_time,"
  " last_direction, unread_count, last_inbound_at)"
  " SELECT '" CUSTOMER "', id, 3, 'See you at 5 then', now() - interval '1 hour', 'outbound', 0,"
  "  now() - interval '2 hours' FROM leads WHERE phone = '" CUSTOMER "'";

typedef WabizTestUiFixture Fixture;

static gboolean
has_visible_text (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_visible (child))
        continue;
      if (GTK_IS_LABEL (child) && *gtk_label_get_text (GTK_LABEL (child)) != '\0')
        return TRUE;
      if (has_visible_text (child))
        return TRUE;
    }

  return FALSE;
}

static gboolean
has_accessible_name (GtkWidget *widget)
{
  return gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL) ||
         gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

static char *
describe (GtkWidget *widget)
{
  GtkWidget *image = NULL;
  const char *icon = NULL;

  if (GTK_IS_BUTTON (widget))
    icon = gtk_button_get_icon_name (GTK_BUTTON (widget));
  else if (GTK_IS_MENU_BUTTON (widget))
    icon = gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget));
  if (icon == NULL && (image = wabiz_test_ui_find_mapped (widget, GTK_TYPE_IMAGE)) != NULL)
    icon = gtk_image_get_icon_name (GTK_IMAGE (image));

  return g_strdup_printf ("%s (icon %s, css name %s, in %s)", G_OBJECT_TYPE_NAME (widget),
                          icon ? icon : "none", gtk_widget_get_css_name (widget),
                          G_OBJECT_TYPE_NAME (gtk_widget_get_parent (widget)));
}

/* Parts GTK and libadwaita build and label themselves. */
static gboolean
is_internal (GtkWidget *widget)
{
  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    {
      if (GTK_IS_MENU_BUTTON (w) || GTK_IS_DROP_DOWN (w) || GTK_IS_SPIN_BUTTON (w) ||
          GTK_IS_WINDOW_CONTROLS (w) || GTK_IS_POPOVER_MENU (w) || GTK_IS_CALENDAR (w) ||
          GTK_IS_SEARCH_ENTRY (w) || GTK_IS_PASSWORD_ENTRY (w) || ADW_IS_EXPANDER_ROW (w) ||
          ADW_IS_SPLIT_BUTTON (w) || ADW_IS_TAB_BAR (w))
        return TRUE;
    }

  return FALSE;
}

static void
audit (GtkWidget *widget,
       GPtrArray *problems,
       guint     *n_checked)
{
  if (!gtk_widget_get_mapped (widget))
    return;

  if (!is_internal (widget))
    {
      gboolean icon_only = FALSE;
      gboolean needs_tooltip = FALSE;

      if (GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget))
        {
          icon_only = !has_visible_text (widget);
          needs_tooltip = icon_only;
        }

      if (icon_only)
        {
          (*n_checked)++;
          if (!has_accessible_name (widget))
            g_ptr_array_add (problems, g_strconcat ("no accessible label: ", describe (widget), NULL));
          if (needs_tooltip && gtk_widget_get_tooltip_text (widget) == NULL &&
              gtk_widget_get_tooltip_markup (widget) == NULL)
            g_ptr_array_add (problems, g_strconcat ("no tooltip: ", describe (widget), NULL));
        }

      if (GTK_IS_TEXT_VIEW (widget) || GTK_IS_SEARCH_ENTRY (widget))
        {
          (*n_checked)++;
          if (!has_accessible_name (widget) &&
              !gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_PLACEHOLDER))
            g_ptr_array_add (problems, g_strconcat ("text field without a label: ", describe (widget), NULL));
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    audit (child, problems, n_checked);
}

static void
collect_texts (GtkWidget *widget,
               GString   *out)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget))
    {
      g_string_append (out, gtk_label_get_text (GTK_LABEL (widget)));
      g_string_append_c (out, '\n');
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_texts (child, out);
}

static void
check_window (WabizWindow *window,
              const char  *where)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  guint n_checked = 0;

  audit (GTK_WIDGET (window), problems, &n_checked);
  g_test_message ("%s: %u controls checked", where, n_checked);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("%s: %s", where, (const char *) g_ptr_array_index (problems, i));
  g_assert_cmpuint (n_checked, >, 3);
  g_assert_cmpuint (problems->len, ==, 0);
}

static gboolean
chat_has_rows (gpointer data)
{
  g_autoptr(GString) texts = g_string_new (NULL);

  collect_texts (data, texts);
  return strstr (texts->str, "See you at 5 then") != NULL;
}

static void
a11y_cb (WabizApplication *app,
         WabizWindow      *window,
         gpointer          data)
{
  g_autoptr(GString) texts = g_string_new (NULL);
  WabizPane *pane;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "leads"));
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  check_window (window, "leads");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "conversations"));
  pane = wabiz_window_get_pane (window, "conversations");
  wabiz_conversations_pane_open (WABIZ_CONVERSATIONS_PANE (pane), CUSTOMER);
  wabiz_test_wait_until (chat_has_rows, window, 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  check_window (window, "chat");
  g_free (wabiz_test_ui_screenshot (window, "ui-a11y-chat.png"));

  /* the delivery state is in words, not only a coloured tick */
  collect_texts (GTK_WIDGET (window), texts);
  g_test_message ("visible text:\n%s", texts->str);
  g_assert_nonnull (strstr (texts->str, "Read"));
  g_assert_nonnull (strstr (texts->str, "Failed"));
}

static void
test_accessible_names (Fixture       *f,
                       gconstpointer  data)
{
  wabiz_test_ui_run (a11y_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  wabiz_test_ui_test_init (&argc, &argv);

  g_test_add ("/ui/a11y/accessible-names", Fixture, seed_sql, wabiz_test_ui_fixture_setup,
              test_accessible_names, wabiz_test_ui_fixture_teardown);

  return g_test_run ();
}
