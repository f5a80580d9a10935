/* wabiz-conversations-pane.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The Conversations pane: the list of conversations (newest first, paged
 * from the database, searched over every message) beside the chat view
 * of the selected one; one above the other on a narrow window. Live:
 * the models follow the services' listener, so conversations move up and
 * badges, statuses and the open chat change as the database does.
 */

#define G_LOG_DOMAIN "wabiz-conversations-pane"

#include "config.h"

#include "wabiz-application.h"
#include "wabiz-conversation-row.h"
#include "wabiz-conversations-pane.h"
#include "wabiz-template-dialog.h"
#include "wabiz-toast.h"

#include <glib/gi18n.h>

#define NEAR_END_PX 400

struct _WabizConversationsPane
{
  WabizPane                parent_instance;

  WabizConversationsModel *model;       /* (owned) (nullable) */
  GtkSingleSelection      *selection;   /* (owned) (nullable) */
  WabizDrafts             *drafts;      /* (owned) (nullable) */
  WabizDb                 *drafts_db;   /* (unowned) (nullable): the one of the drafts */
  char                    *pending_open; /* (owned) (nullable) phone to open once loaded */
  gboolean                 selecting;

  /* template children */
  GtkStack                *stack;
  AdwStatusPage           *status_page;
  AdwLeaflet              *leaflet;
  GtkWidget               *list_side;
  GtkSearchEntry          *search_entry;
  GtkStack                *list_stack;
  GtkScrolledWindow       *list_scroller;
  GtkListView             *conversation_list;
  GtkStack                *chat_stack;
  WabizChatView           *chat_view;
};

G_DEFINE_FINAL_TYPE (WabizConversationsPane, wabiz_conversations_pane, WABIZ_TYPE_PANE)

static GSettings *
get_settings (WabizConversationsPane *self)
{
  GtkWindow *window = wabiz_pane_get_window (WABIZ_PANE (self));
  GtkApplication *app = window != NULL ? gtk_window_get_application (window) : NULL;

  return app != NULL && WABIZ_IS_APPLICATION (app)
         ? wabiz_application_get_settings (WABIZ_APPLICATION (app)) : NULL;
}

static void
update_visible (WabizConversationsPane *self)
{
  guint n;
  gboolean searching;

  if (self->model == NULL)
    return;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  searching = wabiz_conversations_model_get_search (self->model) != NULL;

  if (n == 0 && !searching && wabiz_chat_view_get_conversation (self->chat_view) == NULL)
    {
      adw_status_page_set_icon_name (self->status_page, "chat-message-new-symbolic");
      adw_status_page_set_title (self->status_page, _("No Conversations Yet"));
      adw_status_page_set_description (self->status_page,
                                       _("When a customer writes to your WhatsApp Business "
                                         "number, the conversation appears here."));
      wabiz_pane_set_summary (WABIZ_PANE (self), _("No Conversations Yet"));
      gtk_stack_set_visible_child_name (self->stack, "status");
      return;
    }

  gtk_stack_set_visible_child_name (self->stack, "main");
  gtk_stack_set_visible_child_name (self->list_stack, n == 0 && searching ? "no-results" : "list");
}

static void
count_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WabizConversationsPane) self = user_data;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  g_autofree char *title = NULL;
  gint64 n;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  if (res == NULL || (n = wabiz_db_result_get_int (res, 0, "n")) == 0)
    return;

  count = wabiz_pane_format_count (n);
  /* Translators: %s is a number such as 1,234 */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s Conversation", "%s Conversations", (gulong) n),
                           count);
  wabiz_pane_set_summary (WABIZ_PANE (self), title);
}

static void
open_lookup_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WabizConversationsPane) self = user_data;
  g_autoptr(WabizConversation) conversation = NULL;
  g_autoptr(GError) error = NULL;

  conversation = wabiz_conversations_model_lookup_finish (WABIZ_CONVERSATIONS_MODEL (object), result, &error);
  if (conversation == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        wabiz_pane_show_error (WABIZ_PANE (self), error);
      return;
    }
  wabiz_chat_view_set_conversation (self->chat_view, conversation);
  gtk_stack_set_visible_child_name (self->chat_stack, "chat");
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->chat_stack));
  update_visible (self);
}

static void
show_conversation (WabizConversationsPane *self,
                   WabizConversation      *conversation)
{
  GSettings *settings = get_settings (self);

  wabiz_chat_view_set_conversation (self->chat_view, conversation);
  gtk_stack_set_visible_child_name (self->chat_stack, conversation != NULL ? "chat" : "none");
  if (conversation != NULL)
    adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->chat_stack));
  if (settings != NULL && conversation != NULL)
    g_settings_set_string (settings, "last-conversation", wabiz_conversation_get_phone (conversation));
}

static void
selection_changed_cb (WabizConversationsPane *self)
{
  WabizConversation *conversation;

  if (self->selecting)
    return;

  conversation = gtk_single_selection_get_selected_item (self->selection);
  if (conversation != NULL)
    show_conversation (self, conversation);
}

static void
list_activate_cb (WabizConversationsPane *self,
                  guint                   position)
{
  g_autoptr(WabizConversation) conversation = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (conversation != NULL)
    show_conversation (self, conversation);
}

/* keep the selection on the open conversation as rows move */
static void
sync_selection (WabizConversationsPane *self)
{
  WabizConversation *open = wabiz_chat_view_get_conversation (self->chat_view);
  guint position;

  if (self->model == NULL || self->selection == NULL)
    return;

  self->selecting = TRUE;
  if (open != NULL &&
      wabiz_conversations_model_find (self->model, wabiz_conversation_get_phone (open), &position) != NULL)
    gtk_single_selection_set_selected (self->selection, position);
  else
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->selecting = FALSE;
}

static void
model_changed_cb (WabizConversationsPane *self)
{
  update_visible (self);
  sync_selection (self);
}

static void
load_more_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizConversationsPane) self = user_data;
  g_autoptr(GError) error = NULL;

  if (wabiz_conversations_model_load_more_finish (WABIZ_CONVERSATIONS_MODEL (object), result, &error) < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
        return;
      g_warning ("Cannot load conversations: %s", error->message);
      if (!wabiz_pane_get_loaded (WABIZ_PANE (self)))
        {
          adw_status_page_set_icon_name (self->status_page, "dialog-warning-symbolic");
          adw_status_page_set_title (self->status_page, _("Cannot Load Conversations"));
          adw_status_page_set_description (self->status_page, error->message);
          gtk_stack_set_visible_child_name (self->stack, "status");
          wabiz_pane_set_loaded (WABIZ_PANE (self), TRUE);
        }
      return;
    }

  update_visible (self);
  if (!wabiz_pane_get_loaded (WABIZ_PANE (self)))
    {
      GSettings *settings = get_settings (self);
      g_autofree char *last = settings != NULL ? g_settings_get_string (settings, "last-conversation") : NULL;

      wabiz_pane_set_loaded (WABIZ_PANE (self), TRUE);

      /* where the user was last time, or what was asked for meanwhile */
      if (self->pending_open != NULL)
        {
          g_autofree char *phone = g_steal_pointer (&self->pending_open);

          wabiz_conversations_pane_open (self, phone);
        }
      else if (last != NULL && *last != '\0')
        wabiz_conversations_pane_open (self, last);
    }
}

static void
load_more (WabizConversationsPane *self)
{
  if (self->model == NULL || !wabiz_conversations_model_get_has_more (self->model) ||
      wabiz_conversations_model_get_loading (self->model))
    return;

  wabiz_conversations_model_load_more_async (self->model, wabiz_pane_get_cancellable (WABIZ_PANE (self)),
                                             load_more_cb, g_object_ref (self));
}

static void
list_scrolled_cb (WabizConversationsPane *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->list_scroller);

  if (gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) >
      gtk_adjustment_get_upper (adj) - NEAR_END_PX)
    load_more (self);
}

static void
search_changed_cb (WabizConversationsPane *self)
{
  if (self->model != NULL)
    wabiz_conversations_model_set_search (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
template_sent_cb (WabizConversationsPane *self)
{
  /* the bubble appears as queued through the store's NOTIFY */
  wabiz_widget_toast (GTK_WIDGET (self), _("Template queued"));
}

static void
send_template_cb (WabizConversationsPane *self)
{
  WabizConversation *conversation = wabiz_chat_view_get_conversation (self->chat_view);
  WabizDb *db = wabiz_pane_get_database (WABIZ_PANE (self));
  WabizServices *services = wabiz_pane_get_services (WABIZ_PANE (self));
  WabizTemplateDialog *dialog;

  if (conversation == NULL || db == NULL)
    return;

  /* without a Graph client (Meta not set up) templates cannot be
   * refreshed, but one already known is queued all the same */
  dialog = wabiz_template_dialog_new (wabiz_pane_get_window (WABIZ_PANE (self)), db,
                                      wabiz_services_get_outbox (services),
                                      wabiz_services_get_graph (services),
                                      wabiz_conversation_get_phone (conversation),
                                      wabiz_conversation_get_title (conversation));
  g_signal_connect_object (dialog, "sent", G_CALLBACK (template_sent_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
back_cb (WabizConversationsPane *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->list_side);
}

static void
folded_cb (WabizConversationsPane *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  wabiz_chat_view_set_show_back (self->chat_view, folded);
  /* the chat has its own back button, to the list */
  wabiz_pane_set_own_back (WABIZ_PANE (self),
                           folded && adw_leaflet_get_visible_child (self->leaflet) != self->list_side);
}

/* WabizPane */

static void
wabiz_conversations_pane_reload (WabizPane *pane)
{
  WabizConversationsPane *self = WABIZ_CONVERSATIONS_PANE (pane);
  WabizDb *db = wabiz_pane_get_database (pane);
  WabizServices *services = wabiz_pane_get_services (pane);
  g_autofree char *backup = NULL;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  gtk_list_view_set_model (self->conversation_list, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);

  self->model = wabiz_conversations_model_new (db);
  /* it follows the changes to its conversations itself */
  wabiz_paged_model_set_listener (WABIZ_PAGED_MODEL (self->model), wabiz_services_get_listener (services));
  wabiz_conversations_model_set_search (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (model_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected", G_CALLBACK (selection_changed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_list_view_set_model (self->conversation_list, GTK_SELECTION_MODEL (self->selection));

  /* the drafts of another database (other services) save what they
   * hold to their file as they go */
  if (self->drafts != NULL && self->drafts_db != db)
    g_clear_object (&self->drafts);
  if (self->drafts == NULL)
    {
      backup = g_build_filename (g_get_user_state_dir (), "wabiz", "drafts.ini", NULL);
      self->drafts = wabiz_drafts_new (db, backup);
      self->drafts_db = db;
    }
  wabiz_chat_view_set_model (self->chat_view, self->model, self->drafts);

  if (!wabiz_pane_get_loaded (pane))
    gtk_stack_set_visible_child_name (self->stack, "loading");
  load_more (self);
  wabiz_db_query_async (db, "SELECT count(*) AS n FROM conversations", 0, NULL,
                        wabiz_pane_get_cancellable (pane), count_cb, g_object_ref (self));
}

/* GObject */

static void
focus_search_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  wabiz_conversations_pane_focus_search (WABIZ_CONVERSATIONS_PANE (widget));
}

static void
wabiz_conversations_pane_dispose (GObject *object)
{
  WabizConversationsPane *self = WABIZ_CONVERSATIONS_PANE (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->conversation_list != NULL)
    gtk_list_view_set_model (self->conversation_list, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), WABIZ_TYPE_CONVERSATIONS_PANE);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  /* the drafts write what is not saved yet to their file */
  g_clear_object (&self->drafts);
  g_clear_pointer (&self->pending_open, g_free);

  G_OBJECT_CLASS (wabiz_conversations_pane_parent_class)->dispose (object);
}

static void
wabiz_conversations_pane_class_init (WabizConversationsPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  WabizPaneClass *pane_class = WABIZ_PANE_CLASS (klass);

  object_class->dispose = wabiz_conversations_pane_dispose;

  pane_class->reload = wabiz_conversations_pane_reload;

  g_type_ensure (WABIZ_TYPE_CHAT_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-conversations-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, status_page);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, list_side);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, list_scroller);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, conversation_list);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, chat_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationsPane, chat_view);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, send_template_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_cb);

  gtk_widget_class_install_action (widget_class, "conversations.search", NULL, focus_search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "conversations.search", NULL);
}

static void
wabiz_conversations_pane_init (WabizConversationsPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  wabiz_pane_load_css ("/org/example/WaBiz/ui/wabiz-conversations.css");

  wabiz_pane_set_up_list (WABIZ_PANE (self), self->conversation_list,
                          G_CALLBACK (wabiz_conversation_row_new),
                          G_CALLBACK (wabiz_conversation_row_set_conversation),
                          G_CALLBACK (list_activate_cb));
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->list_scroller), "value-changed",
                           G_CALLBACK (list_scrolled_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->leaflet, "notify::folded", G_CALLBACK (folded_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->leaflet, "notify::visible-child", G_CALLBACK (folded_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_search_entry_set_key_capture_widget (self->search_entry, NULL);

  /* the open chat sends with the services the pane shows */
  g_object_bind_property (self, "services", self->chat_view, "services", G_BINDING_SYNC_CREATE);
}

void
wabiz_conversations_pane_open (WabizConversationsPane *self,
                               const char             *phone)
{
  WabizConversation *conversation;

  g_return_if_fail (WABIZ_IS_CONVERSATIONS_PANE (self));
  g_return_if_fail (phone != NULL);

  if (self->model == NULL || !wabiz_pane_get_loaded (WABIZ_PANE (self)))
    {
      g_free (self->pending_open);
      self->pending_open = g_strdup (phone);
      return;
    }

  conversation = wabiz_conversations_model_find (self->model, phone, NULL);
  if (conversation != NULL)
    {
      show_conversation (self, conversation);
      sync_selection (self);
      return;
    }

  wabiz_conversations_model_lookup_async (self->model, phone, wabiz_pane_get_cancellable (WABIZ_PANE (self)),
                                          open_lookup_cb, g_object_ref (self));
}

void
wabiz_conversations_pane_focus_search (WabizConversationsPane *self)
{
  g_return_if_fail (WABIZ_IS_CONVERSATIONS_PANE (self));

  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_side);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

WabizConversationsModel *
wabiz_conversations_pane_get_model (WabizConversationsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_PANE (self), NULL);
  return self->model;
}

WabizChatView *
wabiz_conversations_pane_get_chat_view (WabizConversationsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_PANE (self), NULL);
  return self->chat_view;
}

WabizDrafts *
wabiz_conversations_pane_get_drafts (WabizConversationsPane *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATIONS_PANE (self), NULL);
  return self->drafts;
}
