/* wabiz-quick-replies-dialog.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Where the owner keeps the saved answers the composer offers for "/"
 * and a word: a list in their order (move up and down), an editor for a
 * shortcut and a text with placeholders, and delete with undo. Every
 * change is written at once; the list follows changes made on other
 * computers through the listener.
 */

#define G_LOG_DOMAIN "wabiz-quick-replies-dialog"

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-quick-replies-dialog.h"
#include "wabiz-quick-reply.h"

#include <glib/gi18n.h>

struct _WabizQuickRepliesDialog
{
  AdwWindow        parent_instance;

  WabizDb         *db;           /* (owned) */
  WabizDbListener *listener;     /* (owned) (nullable) */
  GCancellable    *cancellable;  /* (owned) */
  GListModel      *replies;      /* (owned) (nullable) of WabizQuickReply, as shown */
  char            *editing_id;   /* (owned) (nullable): NULL while adding */
  guint            edit_serial;  /* counts the editors opened and closed */
  guint            n_busy;       /* writes under way */
  gboolean         reading;
  gboolean         reload_again;

  /* template children */
  AdwToastOverlay *toasts;
  GtkStack        *stack;
  GtkListBox      *list;
  GtkWidget       *empty_label;
  GtkLabel        *edit_title;
  GtkEntry        *shortcut_entry;
  GtkTextView     *body_view;
  GtkLabel        *error_label;
  GtkWidget       *add_button;
};

G_DEFINE_FINAL_TYPE (WabizQuickRepliesDialog, wabiz_quick_replies_dialog, ADW_TYPE_WINDOW)

static void reload (WabizQuickRepliesDialog *self);

static void
toast (WabizQuickRepliesDialog *self,
       const char              *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

static void
busy_done (WabizQuickRepliesDialog *self)
{
  g_assert (self->n_busy > 0);
  self->n_busy--;
}

static GtkWidget *
row_button (const char *icon,
            const char *label,
            const char *action,
            const char *id)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", id);
  return button;
}

static void
show_replies (WabizQuickRepliesDialog *self,
              GListModel              *replies)
{
  GtkWidget *child;
  guint n = g_list_model_get_n_items (replies);

  g_set_object (&self->replies, replies);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WabizQuickReply) reply = g_list_model_get_item (replies, i);
      const char *id = wabiz_quick_reply_get_id (reply);
      g_autofree char *title = g_strdup_printf ("/%s", wabiz_quick_reply_get_shortcut (reply));
      /* Translators: what a screen reader says for a quick reply: its shortcut and text */
      g_autofree char *a11y = g_strdup_printf (_("%s: %s"), title, wabiz_quick_reply_get_body (reply));
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *up, *down;

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), wabiz_quick_reply_get_body (reply));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);

      up = row_button ("go-up-symbolic", _("Move Up"), "qr.move-up", id);
      down = row_button ("go-down-symbolic", _("Move Down"), "qr.move-down", id);
      gtk_widget_set_sensitive (up, i > 0);
      gtk_widget_set_sensitive (down, i + 1 < n);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), up);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), down);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), row_button ("document-edit-symbolic", _("Edit"), "qr.edit", id));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 row_button ("user-trash-symbolic", _("Delete"), "qr.delete", id));
      g_object_set_data_full (G_OBJECT (row), "quick-reply", g_object_ref (reply), g_object_unref);
      gtk_list_box_append (self->list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->list), n > 0);
  gtk_widget_set_visible (self->empty_label, n == 0);
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  WabizQuickRepliesDialog *self = user_data;
  g_autoptr(GListModel) replies = NULL;
  g_autoptr(GError) error = NULL;

  replies = wabiz_quick_reply_list_finish (result, &error);
  self->reading = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  if (replies != NULL)
    show_replies (self, replies);
  else
    {
      g_autofree char *text = g_strdup_printf (_("Cannot read the quick replies: %s"), error->message);

      toast (self, text);
    }
  if (self->reload_again)
    {
      self->reload_again = FALSE;
      reload (self);
    }
  g_object_unref (self);
}

static void
reload (WabizQuickRepliesDialog *self)
{
  /* one read at a time; a change meanwhile reads again after it */
  if (self->reading)
    {
      self->reload_again = TRUE;
      return;
    }
  self->reading = TRUE;
  wabiz_quick_reply_list_async (self->db, self->cancellable, listed_cb, g_object_ref (self));
}

static void
changed_cb (WabizQuickRepliesDialog *self)
{
  reload (self);
}

static WabizQuickReply *
find_reply (WabizQuickRepliesDialog *self,
            const char              *id,
            guint                   *position)
{
  guint n = self->replies != NULL ? g_list_model_get_n_items (self->replies) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WabizQuickReply) reply = g_list_model_get_item (self->replies, i);

      if (g_strcmp0 (wabiz_quick_reply_get_id (reply), id) == 0)
        {
          if (position != NULL)
            *position = i;
          return g_steal_pointer (&reply);
        }
    }
  return NULL;
}

/* writes: each says what went wrong, and the list is read again */

typedef struct
{
  WabizQuickRepliesDialog *self;      /* (owned) */
  char                    *shortcut;  /* (owned) (nullable) for undo */
  char                    *body;      /* (owned) (nullable) */
  guint                    position;
  guint                    serial;    /* the editor a save came from */
} Write;

static void
write_free (Write *w)
{
  g_object_unref (w->self);
  g_free (w->shortcut);
  g_free (w->body);
  g_free (w);
}

static void
write_closure_free (gpointer  data,
                    GClosure *closure)
{
  write_free (data);
}

static Write *
write_new (WabizQuickRepliesDialog *self)
{
  Write *w = g_new0 (Write, 1);

  w->self = g_object_ref (self);
  self->n_busy++;
  return w;
}

static void
show_edit_error (WabizQuickRepliesDialog *self,
                 const char              *text)
{
  gtk_label_set_label (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
show_list (WabizQuickRepliesDialog *self)
{
  self->edit_serial++;
  g_clear_pointer (&self->editing_id, g_free);
  show_edit_error (self, NULL);
  gtk_stack_set_visible_child_name (self->stack, "list");
  gtk_widget_set_sensitive (self->add_button, TRUE);
}

/* Says why a write failed (@format, translated, has a %s for it) and
 * shows the list as the database has it now */
static void
toast_failure (WabizQuickRepliesDialog *self,
               const char              *format,
               const GError            *error)
{
  g_autofree char *text = g_strdup_printf (format, error->message);

  toast (self, text);
  reload (self);
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Write *w = user_data;
  WabizQuickRepliesDialog *self = w->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  id = wabiz_quick_reply_save_finish (result, &error);
  busy_done (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      write_free (w);
      return;
    }
  /* the editor it came from was left meanwhile (the list may already
   * show it, read after the listener's news): only the list follows */
  if (w->serial != self->edit_serial)
    {
      if (id == NULL)
        /* Translators: %s says why, such as "There is a quick reply /hours already: …" */
        toast_failure (self, _("A quick reply was not saved: %s"), error);
      else
        reload (self);
      write_free (w);
      return;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "qr.save", TRUE);
  if (id == NULL)
    {
      /* the editor keeps what was typed; the reason is under it */
      if (g_error_matches (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT) ||
          g_error_matches (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND))
        show_edit_error (self, error->message);
      else
        {
          g_autofree char *text = g_strdup_printf (_("Not saved: %s. What you wrote is kept here: save it "
                                                     "again in a moment."), error->message);

          show_edit_error (self, text);
        }
      write_free (w);
      return;
    }
  show_list (self);
  reload (self);
  write_free (w);
}

static void moved_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data);

static void
undo_saved_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Write *w = user_data;
  WabizQuickRepliesDialog *self = w->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = wabiz_quick_reply_save_finish (result, &error);

  busy_done (self);
  if (id != NULL)
    /* back at its place */
    wabiz_quick_reply_move_async (self->db, id, w->position, self->cancellable, moved_cb, write_new (self));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    toast_failure (self, _("Cannot bring the quick reply back: %s"), error);
  write_free (w);
}

static void
undo_clicked_cb (AdwToast *adw_toast,
                 Write    *w)
{
  Write *again = write_new (w->self);

  again->shortcut = g_strdup (w->shortcut);
  again->body = g_strdup (w->body);
  again->position = w->position;
  wabiz_quick_reply_save_async (w->self->db, NULL, w->shortcut, w->body, w->self->cancellable,
                                undo_saved_cb, again);
}

static void
deleted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Write *w = user_data;
  WabizQuickRepliesDialog *self = w->self;
  g_autoptr(GError) error = NULL;

  busy_done (self);
  if (wabiz_quick_reply_delete_finish (result, &error))
    {
      /* Translators: %s is a quick reply's shortcut, such as "/hours" */
      g_autofree char *title = g_strdup_printf (_("“/%s” deleted"), w->shortcut);
      AdwToast *t = adw_toast_new (title);

      adw_toast_set_button_label (t, _("_Undo"));
      g_signal_connect_data (t, "button-clicked", G_CALLBACK (undo_clicked_cb), w, write_closure_free, 0);
      adw_toast_overlay_add_toast (self->toasts, t);
      reload (self);
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    toast_failure (self, _("Not deleted: %s"), error);
  write_free (w);
}

static void
moved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Write *w = user_data;
  WabizQuickRepliesDialog *self = w->self;
  g_autoptr(GError) error = NULL;

  busy_done (self);
  if (!wabiz_quick_reply_move_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    toast_failure (self, _("Not moved: %s"), error);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    reload (self);
  write_free (w);
}

/* actions */

static void
open_editor (WabizQuickRepliesDialog *self,
             WabizQuickReply         *reply)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);

  self->edit_serial++;
  g_free (self->editing_id);
  self->editing_id = reply != NULL ? g_strdup (wabiz_quick_reply_get_id (reply)) : NULL;
  gtk_label_set_label (self->edit_title, reply != NULL ? _("Edit Quick Reply") : _("New Quick Reply"));
  gtk_editable_set_text (GTK_EDITABLE (self->shortcut_entry),
                         reply != NULL ? wabiz_quick_reply_get_shortcut (reply) : "");
  gtk_text_buffer_set_text (buffer, reply != NULL ? wabiz_quick_reply_get_body (reply) : "", -1);
  show_edit_error (self, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "qr.save", TRUE);
  gtk_widget_set_sensitive (self->add_button, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "edit");
  gtk_widget_grab_focus (GTK_WIDGET (self->shortcut_entry));
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  open_editor (WABIZ_QUICK_REPLIES_DIALOG (widget), NULL);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizQuickRepliesDialog *self = WABIZ_QUICK_REPLIES_DIALOG (widget);
  g_autoptr(WabizQuickReply) reply = find_reply (self, g_variant_get_string (parameter, NULL), NULL);

  if (reply != NULL)
    open_editor (self, reply);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  show_list (WABIZ_QUICK_REPLIES_DIALOG (widget));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizQuickRepliesDialog *self = WABIZ_QUICK_REPLIES_DIALOG (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  g_autofree char *body = NULL;
  g_autofree char *shortcut = NULL;
  g_autoptr(GError) error = NULL;
  GtkTextIter start, end;
  Write *w;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  body = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  /* said at once, before anything is written */
  shortcut = wabiz_quick_reply_check_shortcut (gtk_editable_get_text (GTK_EDITABLE (self->shortcut_entry)), &error);
  if (shortcut == NULL || !wabiz_quick_reply_check_body (body, &error))
    {
      show_edit_error (self, error->message);
      return;
    }
  show_edit_error (self, NULL);
  /* one save of the editor at a time: a second click adds nothing twice */
  w = write_new (self);
  w->serial = self->edit_serial;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "qr.save", FALSE);
  wabiz_quick_reply_save_async (self->db, self->editing_id, shortcut, g_strstrip (body), self->cancellable,
                                saved_cb, w);
}

static void
insert_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizQuickRepliesDialog *self = WABIZ_QUICK_REPLIES_DIALOG (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);

  gtk_text_buffer_insert_at_cursor (buffer, g_variant_get_string (parameter, NULL), -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WabizQuickRepliesDialog *self = WABIZ_QUICK_REPLIES_DIALOG (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  g_autoptr(WabizQuickReply) reply = NULL;
  guint position = 0;
  Write *w;

  reply = find_reply (self, id, &position);
  if (reply == NULL)
    return;
  w = write_new (self);
  w->shortcut = g_strdup (wabiz_quick_reply_get_shortcut (reply));
  w->body = g_strdup (wabiz_quick_reply_get_body (reply));
  w->position = position;
  wabiz_quick_reply_delete_async (self->db, id, self->cancellable, deleted_cb, w);
}

static void
move (WabizQuickRepliesDialog *self,
      const char              *id,
      int                      delta)
{
  g_autoptr(WabizQuickReply) reply = NULL;
  guint position = 0;

  reply = find_reply (self, id, &position);
  if (reply == NULL || (delta < 0 && position == 0))
    return;
  wabiz_quick_reply_move_async (self->db, id, (guint) ((int) position + delta), self->cancellable, moved_cb,
                                write_new (self));
}

static void
move_up_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  move (WABIZ_QUICK_REPLIES_DIALOG (widget), g_variant_get_string (parameter, NULL), -1);
}

static void
move_down_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  move (WABIZ_QUICK_REPLIES_DIALOG (widget), g_variant_get_string (parameter, NULL), 1);
}

/* GObject */

static void
wabiz_quick_replies_dialog_dispose (GObject *object)
{
  WabizQuickRepliesDialog *self = WABIZ_QUICK_REPLIES_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_clear_object (&self->listener);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_QUICK_REPLIES_DIALOG);

  G_OBJECT_CLASS (wabiz_quick_replies_dialog_parent_class)->dispose (object);
}

static void
wabiz_quick_replies_dialog_finalize (GObject *object)
{
  WabizQuickRepliesDialog *self = WABIZ_QUICK_REPLIES_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->db);
  g_clear_object (&self->replies);
  g_free (self->editing_id);

  G_OBJECT_CLASS (wabiz_quick_replies_dialog_parent_class)->finalize (object);
}

static void
wabiz_quick_replies_dialog_class_init (WabizQuickRepliesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_quick_replies_dialog_dispose;
  object_class->finalize = wabiz_quick_replies_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-quick-replies-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizQuickRepliesDialog, toasts);
  gtk_widget_class_bind_template_child (widget_class, WabizQuickRepliesDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizQuickRepliesDialog, list);
  gtk_widget_class_bind_template_child (widget_class, WabizQuickRepliesDialog, empty_label);
  gtk_widget_class_bind_template_child (widget_class, WabizQuickRepliesDialog, edit_title);
  gtk_widget_class_bind_template_child (widget_class, WabizQuickRepliesDialog, shortcut_entry);
  gtk_widget_class_bind_template_child (widget_class, WabizQuickRepliesDialog, body_view);
  gtk_widget_class_bind_template_child (widget_class, WabizQuickRepliesDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, WabizQuickRepliesDialog, add_button);

  gtk_widget_class_install_action (widget_class, "qr.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "qr.edit", "s", edit_action);
  gtk_widget_class_install_action (widget_class, "qr.delete", "s", delete_action);
  gtk_widget_class_install_action (widget_class, "qr.move-up", "s", move_up_action);
  gtk_widget_class_install_action (widget_class, "qr.move-down", "s", move_down_action);
  gtk_widget_class_install_action (widget_class, "qr.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "qr.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "qr.insert", "s", insert_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "qr.add", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
wabiz_quick_replies_dialog_init (WabizQuickRepliesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

GtkWidget *
wabiz_quick_replies_dialog_new (GtkWindow       *parent,
                                WabizDb         *db,
                                WabizDbListener *listener)
{
  WabizQuickRepliesDialog *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);
  g_return_val_if_fail (!listener || WABIZ_IS_DB_LISTENER (listener), NULL);

  self = g_object_new (WABIZ_TYPE_QUICK_REPLIES_DIALOG, "transient-for", parent, NULL);
  self->db = g_object_ref (db);
  if (listener != NULL)
    {
      self->listener = g_object_ref (listener);
      g_signal_connect_object (listener, "changed::quick_replies", G_CALLBACK (changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (listener, "reconnected", G_CALLBACK (changed_cb), self, G_CONNECT_SWAPPED);
    }
  reload (self);
  return GTK_WIDGET (self);
}

GtkListBox *
wabiz_quick_replies_dialog_get_list (WabizQuickRepliesDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_QUICK_REPLIES_DIALOG (self), NULL);
  return self->list;
}

gboolean
wabiz_quick_replies_dialog_get_busy (WabizQuickRepliesDialog *self)
{
  g_return_val_if_fail (WABIZ_IS_QUICK_REPLIES_DIALOG (self), FALSE);
  return self->n_busy > 0 || self->reading || self->reload_again;
}
