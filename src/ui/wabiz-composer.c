/* wabiz-composer.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Where the user writes: a multi-line text view (Enter sends, Shift+Enter
 * starts a new line), emoji, attachments, the message being replied to,
 * and saved answers offered when the text is "/" and a word. Outside the
 * 24-hour window it offers a template instead. It only says what the user
 * wants (signals); the chat view sends.
 */

#define G_LOG_DOMAIN "wabiz-composer"

#include "config.h"

#include "wabiz-composer.h"
#include "wabiz-quick-reply.h"

#include <glib/gi18n.h>
#include <string.h>

struct _WabizComposer
{
  GtkWidget      parent_instance;

  WabizDb       *db;              /* (owned) (nullable) */
  WabizMessage  *reply_to;        /* (owned) (nullable) */
  GCancellable  *quick_cancellable; /* (owned) (nullable) */
  gboolean       window_open;

  /* template children */
  GtkWidget     *box;
  GtkRevealer   *reply_revealer;
  GtkLabel      *reply_label;
  GtkStack      *mode_stack;
  GtkWidget     *attach_button;
  GtkWidget     *emoji_button;
  GtkWidget     *emoji_chooser;
  GtkWidget     *text_scroller;
  GtkTextView   *text_view;
  GtkWidget     *send_button;
  GtkPopover    *quick_popover;
  GtkListBox    *quick_list;
};

G_DEFINE_FINAL_TYPE (WabizComposer, wabiz_composer, GTK_TYPE_WIDGET)

enum {
  SEND,
  ATTACH,
  SEND_TEMPLATE,
  TEXT_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_send_enabled (WabizComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send",
                                 self->window_open && *g_strstrip (text) != '\0');
}

static void
insert_quick_reply (WabizComposer *self,
                    GtkListBoxRow *row)
{
  WabizQuickReply *reply = g_object_get_data (G_OBJECT (row), "quick-reply");

  if (reply == NULL)
    return;
  gtk_popover_popdown (self->quick_popover);
  wabiz_composer_set_text (self, wabiz_quick_reply_get_body (reply));
}

static void
quick_row_activated_cb (WabizComposer *self,
                        GtkListBoxRow *row)
{
  insert_quick_reply (self, row);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

static void
quick_search_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WabizComposer *self = user_data;
  g_autoptr(GListModel) found = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;
  guint n;

  found = wabiz_quick_reply_search_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->quick_list))) != NULL)
    gtk_list_box_remove (self->quick_list, child);

  n = found != NULL ? g_list_model_get_n_items (found) : 0;
  if (n == 0)
    {
      gtk_popover_popdown (self->quick_popover);
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WabizQuickReply) reply = g_list_model_get_item (found, i);
      g_autofree char *shortcut = g_strdup_printf ("/%s", wabiz_quick_reply_get_shortcut (reply));
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *vbox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *title = gtk_label_new (shortcut);
      GtkWidget *body = gtk_label_new (wabiz_quick_reply_get_body (reply));

      gtk_widget_add_css_class (title, "heading");
      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_label_set_xalign (GTK_LABEL (body), 0);
      gtk_label_set_ellipsize (GTK_LABEL (body), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (body), 40);
      gtk_widget_add_css_class (body, "dim-label");
      gtk_widget_set_margin_start (vbox, 6);
      gtk_widget_set_margin_end (vbox, 6);
      gtk_widget_set_margin_top (vbox, 4);
      gtk_widget_set_margin_bottom (vbox, 4);
      gtk_box_append (GTK_BOX (vbox), title);
      gtk_box_append (GTK_BOX (vbox), body);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), vbox);
      g_object_set_data_full (G_OBJECT (row), "quick-reply", g_object_ref (reply), g_object_unref);
      gtk_list_box_append (self->quick_list, row);
    }

  gtk_list_box_select_row (self->quick_list, gtk_list_box_get_row_at_index (self->quick_list, 0));
  gtk_popover_popup (self->quick_popover);
}

static void
buffer_changed_cb (WabizComposer *self)
{
  g_autofree char *text = wabiz_composer_dup_text (self);

  update_send_enabled (self);
  g_signal_emit (self, signals[TEXT_CHANGED], 0);

  /* "/" and a word (no space yet): offer saved answers */
  g_cancellable_cancel (self->quick_cancellable);
  g_clear_object (&self->quick_cancellable);
  if (self->db != NULL && text[0] == '/' && strpbrk (text, " \n\t") == NULL)
    {
      self->quick_cancellable = g_cancellable_new ();
      wabiz_quick_reply_search_async (self->db, text + 1, 8, self->quick_cancellable,
                                      quick_search_cb, self);
    }
  else
    gtk_popover_popdown (self->quick_popover);
}

static void
emoji_picked_cb (WabizComposer *self,
                 const char    *emoji)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  gtk_text_buffer_insert_at_cursor (buffer, emoji, -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                WabizComposer         *self)
{
  gboolean popup = gtk_widget_get_visible (GTK_WIDGET (self->quick_popover));

  if (popup && (keyval == GDK_KEY_Up || keyval == GDK_KEY_Down))
    {
      GtkListBoxRow *row = gtk_list_box_get_selected_row (self->quick_list);
      int index = row != NULL ? gtk_list_box_row_get_index (row) : -1;
      GtkListBoxRow *next;

      index += keyval == GDK_KEY_Down ? 1 : -1;
      next = gtk_list_box_get_row_at_index (self->quick_list, MAX (index, 0));
      if (next != NULL)
        gtk_list_box_select_row (self->quick_list, next);
      return TRUE;
    }
  if (popup && keyval == GDK_KEY_Escape)
    {
      gtk_popover_popdown (self->quick_popover);
      return TRUE;
    }

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  /* Shift+Enter: a new line, as the text view does by itself */
  if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;

  if (popup && gtk_list_box_get_selected_row (self->quick_list) != NULL)
    {
      insert_quick_reply (self, gtk_list_box_get_selected_row (self->quick_list));
      return TRUE;
    }

  gtk_widget_activate_action (GTK_WIDGET (self), "composer.send", NULL);
  return TRUE;
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizComposer *self = WABIZ_COMPOSER (widget);
  g_autofree char *text = wabiz_composer_dup_text (self);

  if (*g_strstrip (text) == '\0' || !self->window_open)
    return;
  g_signal_emit (self, signals[SEND], 0);
}

static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  g_signal_emit (widget, signals[ATTACH], 0);
}

static void
send_template_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  g_signal_emit (widget, signals[SEND_TEMPLATE], 0);
}

static void
cancel_reply_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  wabiz_composer_set_reply_to (WABIZ_COMPOSER (widget), NULL);
}

static void
wabiz_composer_dispose (GObject *object)
{
  WabizComposer *self = WABIZ_COMPOSER (object);

  g_cancellable_cancel (self->quick_cancellable);
  g_clear_object (&self->quick_cancellable);
  if (self->quick_popover != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->quick_popover));
      self->quick_popover = NULL;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_COMPOSER);
  g_clear_object (&self->db);
  g_clear_object (&self->reply_to);

  G_OBJECT_CLASS (wabiz_composer_parent_class)->dispose (object);
}

static void
wabiz_composer_class_init (WabizComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_composer_dispose;

  /**
   * WabizComposer::send:
   *
   * The user asked to send the text (and the reply).
   */
  signals[SEND] = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[ATTACH] = g_signal_new ("attach", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SEND_TEMPLATE] = g_signal_new ("send-template", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[TEXT_CHANGED] = g_signal_new ("text-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, box);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, reply_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, reply_label);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, mode_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, attach_button);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, emoji_button);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, emoji_chooser);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, text_scroller);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, send_button);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, quick_popover);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, quick_list);
  gtk_widget_class_bind_template_callback (widget_class, emoji_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, quick_row_activated_cb);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "composer.send-template", NULL, send_template_action);
  gtk_widget_class_install_action (widget_class, "composer.cancel-reply", NULL, cancel_reply_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "composer.attach", NULL);
}

static void
wabiz_composer_init (WabizComposer *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->window_open = TRUE;
  gtk_widget_set_parent (GTK_WIDGET (self->quick_popover), GTK_WIDGET (self->text_scroller));

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);

  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (buffer_changed_cb), self, G_CONNECT_SWAPPED);
  update_send_enabled (self);
}

GtkWidget *
wabiz_composer_new (void)
{
  return g_object_new (WABIZ_TYPE_COMPOSER, NULL);
}

void
wabiz_composer_set_database (WabizComposer *self,
                             WabizDb       *db)
{
  g_return_if_fail (WABIZ_IS_COMPOSER (self));
  g_set_object (&self->db, db);
}

char *
wabiz_composer_dup_text (WabizComposer *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
wabiz_composer_set_text (WabizComposer *self,
                         const char    *text)
{
  GtkTextBuffer *buffer;
  GtkTextIter end;

  g_return_if_fail (WABIZ_IS_COMPOSER (self));

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_set_text (buffer, text != NULL ? text : "", -1);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_place_cursor (buffer, &end);
}

WabizMessage *
wabiz_composer_get_reply_to (WabizComposer *self)
{
  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), NULL);
  return self->reply_to;
}

void
wabiz_composer_set_reply_to (WabizComposer *self,
                             WabizMessage  *message)
{
  const char *quote = NULL;

  g_return_if_fail (WABIZ_IS_COMPOSER (self));

  if (!g_set_object (&self->reply_to, message))
    return;

  if (message != NULL)
    {
      quote = wabiz_message_get_text (message);
      if (quote == NULL)
        quote = wabiz_message_get_caption (message);
      if (quote == NULL)
        quote = wabiz_message_get_media_filename (message);
      if (quote == NULL)
        quote = wabiz_message_get_message_type (message);
      gtk_label_set_label (self->reply_label, quote);
      gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
    }
  gtk_revealer_set_reveal_child (self->reply_revealer, message != NULL);
}

void
wabiz_composer_set_window_open (WabizComposer *self,
                                gboolean       open)
{
  g_return_if_fail (WABIZ_IS_COMPOSER (self));

  self->window_open = !!open;
  gtk_stack_set_visible_child_name (self->mode_stack, open ? "compose" : "template");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.attach", open);
  update_send_enabled (self);
}

gboolean
wabiz_composer_get_window_open (WabizComposer *self)
{
  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), FALSE);
  return self->window_open;
}

void
wabiz_composer_focus (WabizComposer *self)
{
  g_return_if_fail (WABIZ_IS_COMPOSER (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

GtkTextView *
wabiz_composer_get_text_view (WabizComposer *self)
{
  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), NULL);
  return self->text_view;
}

GtkListBox *
wabiz_composer_get_quick_list (WabizComposer *self)
{
  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), NULL);
  return self->quick_list;
}
