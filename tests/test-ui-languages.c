/* test-ui-languages.c: the app in each of its translations
 *
 * SPDX-License-Identifier: MIT
 *
 * Run once per language (--language=es, --language=pt_BR; see
 * tests/meson.build) with the translations the build compiled under
 * $WABIZ_BUILD_DIR/po. Each pane is shown and what it says is read back:
 * the words on screen are the translation's, not English. Screenshots go
 * to $WABIZ_BUILD_DIR/screenshots as ui-languages-LANG-*.png. Without a
 * display the test is skipped.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "wabiz-application.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-test-pg.h"
#include "wabiz-test-ui.h"
#include "wabiz-window.h"

#define ANA "5511999990001"

static const char *language;

static const char *seed_sql =
  "INSERT INTO leads (phone, name, status) VALUES ('" ANA "', 'Ana Souza', 'INTERESTED'),"
  "  ('5511999990002', 'Bruno Lima', 'NEW');"
  "INSERT INTO messages (phone, message, direction, status, type, \"timestamp\", message_id) VALUES"
  " ('" ANA "', 'Hello! Do you still have the blue vase?', 'inbound', 'received', 'text',"
  "  now() - interval '2 hours', 'wamid.lang1'),"
  " ('" ANA "', 'Yes, one left.', 'outbound', 'read', 'text', now() - interval '1 hour', 'wamid.lang2');"
  "INSERT INTO conversations (phone, lead_id, total_messages, last_message, last_message_time, last_direction,"
  "                           unread_count, last_inbound_at)"
  " SELECT '" ANA "', id, 2, 'Yes, one left.', now() - interval '1 hour', 'outbound', 0,"
  "        now() - interval '2 hours' FROM leads WHERE phone = '" ANA "';";

/* Whether a label shown (mapped) inside @widget reads @text */
static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (!gtk_widget_get_mapped (widget))
    return FALSE;
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;
  return FALSE;
}

/* The window shows @english as the translation says it; and, unless
 * the language keeps the word (pt_BR says "Leads"), in other words */
static void
assert_shows_translated (GtkWidget  *widget,
                         const char *english,
                         gboolean    same_allowed)
{
  const char *translated = g_dgettext (GETTEXT_PACKAGE, english);

  if (!same_allowed && g_strcmp0 (translated, english) == 0)
    g_error ("“%s” is not translated into %s", english, language);
  if (!shows_label (widget, translated))
    g_error ("“%s” (“%s” in %s) is not on screen", translated, english, language);
}

static void
languages_cb (WabizApplication *app,
              WabizWindow      *window,
              gpointer          data)
{
  static const char * const panes[] = { "leads", "conversations", "templates", "analytics" };
  WabizConversationsPane *conversations;

  /* the sidebar names the panes in the language */
  assert_shows_translated (GTK_WIDGET (window), "Leads", TRUE);
  assert_shows_translated (GTK_WIDGET (window), "Conversations", FALSE);
  assert_shows_translated (GTK_WIDGET (window), "Templates", FALSE);
  assert_shows_translated (GTK_WIDGET (window), "Analytics", FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    {
      g_autofree char *name = g_strdup_printf ("ui-languages-%s-%s.png", language, panes[i]);

      gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", panes[i]);
      wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
      g_free (wabiz_test_ui_screenshot (window, name));
    }

  /* a conversation open: the chat and its composer speak the language */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.pane", "s", "conversations");
  conversations = WABIZ_CONVERSATIONS_PANE (wabiz_window_get_pane (window, "conversations"));
  assert_shows_translated (GTK_WIDGET (conversations), "No Conversation Selected", FALSE);
  wabiz_conversations_pane_open (conversations, ANA);
  WABIZ_TEST_WAIT (shows_label (GTK_WIDGET (conversations), "Yes, one left."), 30);
  wabiz_test_ui_wait_frames (GTK_WIDGET (window), 3);
  {
    g_autofree char *name = g_strdup_printf ("ui-languages-%s-chat.png", language);

    g_free (wabiz_test_ui_screenshot (window, name));
  }
}

static void
test_language (WabizTestUiFixture *f,
               gconstpointer       data)
{
  if (wabiz_test_ui_skip_without_display ())
    return;

  wabiz_test_ui_run (languages_cb, f);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *locale_dir = NULL;
  g_autofree char *path = NULL;
  int n = 0;

  /* --language=LANG, before anything is translated */
  for (int i = 0; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "--language="))
        language = argv[i] + strlen ("--language=");
      else
        argv[n++] = argv[i];
    }
  argc = n;
  argv[argc] = NULL;
  if (language == NULL)
    language = "es";

  g_setenv ("LANGUAGE", language, TRUE);
  setlocale (LC_ALL, "");
  locale_dir = g_build_filename (g_getenv ("WABIZ_BUILD_DIR") != NULL ? g_getenv ("WABIZ_BUILD_DIR") : ".", "po",
                                 NULL);
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  wabiz_test_ui_test_init (&argc, &argv);

  path = g_strdup_printf ("/wabiz/ui/languages/%s", language);
  g_test_add (path, WabizTestUiFixture, seed_sql, wabiz_test_ui_fixture_setup, test_language,
              wabiz_test_ui_fixture_teardown);

  return g_test_run ();
}
