/* wabiz-conversation-row.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One conversation in the list: avatar, name, time of the last message,
 * its preview (with the delivery in words for ours), the lead's status
 * and the unread badge. Follows the item's notifies.
 */

#define G_LOG_DOMAIN "wabiz-conversation-row"

#include "config.h"

#include "wabiz-conversation-row.h"
#include "wabiz-message-row.h"

#include <adwaita.h>
#include <glib/gi18n.h>

struct _WabizConversationRow
{
  GtkWidget          parent_instance;

  WabizConversation *conversation;  /* (owned) (nullable) */

  /* template children */
  GtkWidget         *box;
  AdwAvatar         *avatar;
  GtkLabel          *title_label;
  GtkLabel          *time_label;
  GtkLabel          *preview_label;
  GtkLabel          *status_label;
  GtkLabel          *unread_label;
};

G_DEFINE_FINAL_TYPE (WabizConversationRow, wabiz_conversation_row, GTK_TYPE_WIDGET)

const char *
wabiz_lead_status_to_text (const char *status)
{
  if (status == NULL)
    return NULL;
  if (g_str_equal (status, "NEW"))
    /* Translators: a lead status */
    return C_("lead status", "New");
  if (g_str_equal (status, "CONTACTED"))
    return C_("lead status", "Contacted");
  if (g_str_equal (status, "INTERESTED"))
    return C_("lead status", "Interested");
  if (g_str_equal (status, "CONVERTED"))
    return C_("lead status", "Converted");
  if (g_str_equal (status, "LOST"))
    return C_("lead status", "Lost");
  return status;
}

static void
update (WabizConversationRow *self)
{
  WabizConversation *c = self->conversation;
  g_autofree char *time = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *badge = NULL;
  g_autofree char *accessible = NULL;
  const char *last;
  const char *status_text;
  guint unread;

  if (c == NULL)
    return;

  gtk_label_set_label (self->title_label, wabiz_conversation_get_title (c));
  adw_avatar_set_text (self->avatar, wabiz_conversation_get_title (c));
  /* a phone number has no initials ("+9"): the person icon instead */
  adw_avatar_set_show_initials (self->avatar, wabiz_conversation_get_name (c) != NULL);
  time = wabiz_format_list_time (wabiz_conversation_get_last_message_time (c));
  gtk_label_set_label (self->time_label, time);

  last = wabiz_conversation_get_match (c);
  if (last == NULL)
    last = wabiz_conversation_get_last_message (c);
  if (wabiz_conversation_get_draft (c) != NULL)
    /* Translators: the preview of a conversation with an unsent draft */
    preview = g_strdup_printf (_("Draft: %s"), wabiz_conversation_get_draft (c));
  else if (last != NULL && wabiz_conversation_get_last_outbound (c) && wabiz_conversation_get_match (c) == NULL)
    /* Translators: the preview of our own last message */
    preview = g_strdup_printf (_("You: %s"), last);
  else
    preview = g_strdup (last != NULL ? last : "");
  /* one line: newlines would cut the preview */
  g_strdelimit (preview, "\n\r", ' ');
  gtk_label_set_label (self->preview_label, preview);

  status_text = wabiz_lead_status_to_text (wabiz_conversation_get_lead_status (c));
  gtk_label_set_label (self->status_label, status_text != NULL ? status_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status_text != NULL);

  unread = wabiz_conversation_get_unread_count (c);
  badge = unread > 99 ? g_strdup ("99+") : g_strdup_printf ("%u", unread);
  gtk_label_set_label (self->unread_label, badge);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), unread > 0);

  /* Translators: read by a screen reader: name, unread count, last message, time */
  accessible = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u unread message, %s, %s",
                                             "%s, %u unread messages, %s, %s", unread),
                                wabiz_conversation_get_title (c), unread, preview, time);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
wabiz_conversation_row_dispose (GObject *object)
{
  WabizConversationRow *self = WABIZ_CONVERSATION_ROW (object);

  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);
  g_clear_object (&self->conversation);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_CONVERSATION_ROW);

  G_OBJECT_CLASS (wabiz_conversation_row_parent_class)->dispose (object);
}

static void
wabiz_conversation_row_class_init (WabizConversationRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_conversation_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-conversation-row.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizConversationRow, box);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationRow, preview_label);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, WabizConversationRow, unread_label);
}

static void
wabiz_conversation_row_init (WabizConversationRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wabiz_conversation_row_new (void)
{
  return g_object_new (WABIZ_TYPE_CONVERSATION_ROW, NULL);
}

WabizConversation *
wabiz_conversation_row_get_conversation (WabizConversationRow *self)
{
  g_return_val_if_fail (WABIZ_IS_CONVERSATION_ROW (self), NULL);
  return self->conversation;
}

void
wabiz_conversation_row_set_conversation (WabizConversationRow *self,
                                         WabizConversation    *conversation)
{
  g_return_if_fail (WABIZ_IS_CONVERSATION_ROW (self));

  if (self->conversation == conversation)
    return;

  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);
  g_set_object (&self->conversation, conversation);
  if (conversation != NULL)
    g_signal_connect_object (conversation, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
}
