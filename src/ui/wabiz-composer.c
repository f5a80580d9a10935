/* wabiz-composer.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Where the user writes: a multi-line text view (Enter sends, Shift+Enter
 * starts a new line), emoji, attachments, the message being replied to,
 * and quick replies offered when the text is "/" and a word, filled from
 * the lead ({name}, …) and kept in their own window. Outside the 24-hour
 * window it offers a template instead. It says what the user wants to
 * send (signals; the chat view sends), after asking when the customer
 * opted out. It also drafts a reply with Gemini ("Suggest a Reply"),
 * schedules the text for later in the customer's timezone, and lists
 * the conversation's scheduled messages, each cancellable.
 */

#define G_LOG_DOMAIN "wabiz-composer"

#include "config.h"

#include "wabiz-chat-state.h"
#include "wabiz-composer.h"
#include "wabiz-error.h"
#include "wabiz-follow-services.h"
#include "wabiz-quick-replies-dialog.h"
#include "wabiz-quick-reply.h"
#include "wabiz-toast.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

/* the days offered by Send Later: today and the six after it */
#define LATER_DAYS 7

struct _WabizComposer
{
  GtkWidget      parent_instance;

  WabizDb       *db;              /* (owned) (nullable) */
  WabizServices *services;        /* (owned) (nullable) */
  WabizDbListener *listener;      /* (owned) (nullable) the services' when set */
  WabizConversation *conversation; /* (owned) (nullable) */
  WabizMessage  *reply_to;        /* (owned) (nullable) */
  GCancellable  *quick_cancellable; /* (owned) (nullable) */
  GCancellable  *cancellable;     /* (owned) per conversation */
  GCancellable  *suggest_cancellable; /* (owned) (nullable) while Gemini writes */
  char          *zone;            /* (owned) (nullable) the customer's timezone, for Send Later */
  GtkWidget     *confirm;         /* (unowned) (nullable) the opted-out question, while open */
  GtkWidget     *qr_dialog;       /* (unowned) (nullable) */
  guint          n_busy;
  gboolean       window_open;
  gboolean       opted_out;
  gboolean       listing;         /* scheduled messages being read */
  gboolean       reload_scheduled; /* and again after that */

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
  GtkWidget     *suggest_button;
  GtkWidget     *more_button;
  GtkRevealer   *scheduled_revealer;
  GtkListBox    *scheduled_list;
  GtkRevealer   *notice_revealer;
  GtkWidget     *notice_spinner;
  GtkWidget     *notice_icon;
  GtkLabel      *notice_label;
  GtkButton     *notice_button;
  GtkPopover    *later_popover;
  GtkLabel      *later_zone_label;
  GtkDropDown   *later_day;
  GtkSpinButton *later_hour;
  GtkSpinButton *later_minute;
  GtkLabel      *later_error;
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
  gboolean has_text;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  has_text = *g_strstrip (text) != '\0';
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", self->window_open && has_text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send-later",
                                 self->window_open && has_text && self->db != NULL && self->conversation != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.schedule",
                                 self->window_open && has_text && self->db != NULL && self->conversation != NULL);
}

static void
insert_quick_reply (WabizComposer *self,
                    GtkListBoxRow *row)
{
  WabizQuickReply *reply = g_object_get_data (G_OBJECT (row), "quick-reply");

  g_autofree char *filled = NULL;

  if (reply == NULL)
    return;
  gtk_popover_popdown (self->quick_popover);
  /* {name} and the others, from the lead written to */
  filled = wabiz_quick_reply_fill (wabiz_quick_reply_get_body (reply),
                                   self->conversation != NULL ? wabiz_conversation_get_name (self->conversation) : NULL,
                                   self->conversation != NULL ? wabiz_conversation_get_phone (self->conversation) : NULL);
  wabiz_composer_set_text (self, filled);
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

/* the hour and minute of Send Later as a clock shows them: 09:05 */
static gboolean
two_digits_cb (GtkSpinButton *spin,
               gpointer       user_data)
{
  g_autofree char *text = g_strdup_printf ("%02d", gtk_spin_button_get_value_as_int (spin));

  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
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


/* notices: what the composer tells the user above the text */

static void
show_notice (WabizComposer *self,
             const char    *text,
             gboolean       working,
             const char    *button_label,
             const char    *button_action)
{
  gtk_label_set_label (self->notice_label, text);
  gtk_widget_set_visible (self->notice_spinner, working);
  gtk_spinner_set_spinning (GTK_SPINNER (self->notice_spinner), working);
  gtk_widget_set_visible (self->notice_icon, !working);
  gtk_widget_set_visible (GTK_WIDGET (self->notice_button), button_label != NULL);
  if (button_label != NULL)
    {
      gtk_button_set_label (self->notice_button, button_label);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->notice_button), button_action);
    }
  gtk_revealer_set_reveal_child (self->notice_revealer, TRUE);
  /* a screen reader hears it at once */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->notice_label), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
hide_notice (WabizComposer *self)
{
  gtk_revealer_set_reveal_child (self->notice_revealer, FALSE);
  gtk_label_set_label (self->notice_label, "");
  gtk_spinner_set_spinning (GTK_SPINNER (self->notice_spinner), FALSE);
}

static void stop_suggesting (WabizComposer *self);

static void
dismiss_notice_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  WabizComposer *self = WABIZ_COMPOSER (widget);

  stop_suggesting (self);
  hide_notice (self);
}

static const char *
get_phone (WabizComposer *self)
{
  return self->conversation != NULL ? wabiz_conversation_get_phone (self->conversation) : NULL;
}

static const char *
get_title (WabizComposer *self)
{
  return self->conversation != NULL ? wabiz_conversation_get_title (self->conversation) : "";
}

/* opted out: asked before anything goes */

typedef void (*ConfirmedFunc) (WabizComposer *self);

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     WabizComposer    *self)
{
  ConfirmedFunc func = g_object_get_data (G_OBJECT (dialog), "confirmed");
  const char *phone = g_object_get_data (G_OBJECT (dialog), "phone");

  self->confirm = NULL;
  /* still the same conversation: what was typed goes to whom it was typed for */
  if (g_strcmp0 (response, "send") == 0 && g_strcmp0 (phone, get_phone (self)) == 0)
    func (self);
}

static void
confirm_destroyed_cb (WabizComposer *self,
                      GtkWidget     *dialog)
{
  if (self->confirm == dialog)
    self->confirm = NULL;
}

/* Runs @func now, or once the user says so when the customer opted out */
static void
when_allowed (WabizComposer *self,
              ConfirmedFunc  func,
              const char    *send_label)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (!self->opted_out)
    {
      func (self);
      return;
    }
  if (self->confirm != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->confirm));
      return;
    }

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Message a Customer Who Opted Out?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s asked for no more messages from you. Send this only if they "
                                    "asked you for it since, for example in a call. To message them "
                                    "freely again, opt them back in from the conversation menu."),
                                  get_title (self));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "send", send_label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "confirmed", func);
  g_object_set_data_full (G_OBJECT (dialog), "phone", g_strdup (get_phone (self)), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (confirm_destroyed_cb), self, G_CONNECT_SWAPPED);
  self->confirm = dialog;
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
opt_out_checked_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(WabizComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean out;

  out = wabiz_opt_out_check_finish (result, &error);
  self->n_busy--;
  if (error != NULL)
    {
      /* the send asks again; a database away is said by the chat */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot tell whether the customer opted out: %s", error->message);
      return;
    }
  self->opted_out = out;
}

static void
check_opt_out (WabizComposer *self)
{
  if (self->db == NULL || get_phone (self) == NULL)
    return;
  self->n_busy++;
  wabiz_opt_out_check_async (self->db, get_phone (self), self->cancellable, opt_out_checked_cb, g_object_ref (self));
}

/* sending */

static void
emit_send (WabizComposer *self)
{
  g_autofree char *text = wabiz_composer_dup_text (self);

  if (*g_strstrip (text) == '\0' || !self->window_open)
    return;
  /* what the notice said was about the text that goes now */
  if (self->suggest_cancellable == NULL)
    hide_notice (self);
  g_signal_emit (self, signals[SEND], 0);
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
  when_allowed (self, emit_send, _("_Send Anyway"));
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

/* "Suggest a Reply": Gemini drafts, the owner edits and sends */

static void
suggested_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *suggestion = NULL;
  g_autofree char *typed = NULL;

  suggestion = wabiz_ai_jobs_suggest_reply_finish (WABIZ_AI_JOBS (object), result, &error);
  self->n_busy--;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->suggest_cancellable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.suggest", TRUE);

  if (suggestion != NULL)
    {
      g_autofree char *joined = NULL;
      g_autofree char *stripped = NULL;

      /* what was typed (before it was asked, or since) is never lost:
       * the draft goes after it */
      typed = wabiz_composer_dup_text (self);
      stripped = g_strstrip (g_strdup (typed));
      if (*stripped != '\0')
        joined = g_strconcat (typed, "\n\n", suggestion, NULL);
      wabiz_composer_set_text (self, joined != NULL ? joined : suggestion);
      show_notice (self, _("Gemini’s suggestion is in the message: read it, change what you like, then send it."),
                   FALSE, NULL, NULL);
      gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
      return;
    }

  if (g_error_matches (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_NO_KEY))
    {
      gtk_widget_set_tooltip_text (self->suggest_button,
                                   _("Suggest a Reply needs a Gemini API key: add one in Preferences"));
      show_notice (self, _("Suggestions are written by Gemini, which needs an API key. Add your key in "
                           "Preferences, then try again."),
                   FALSE, _("Open _Preferences"), "app.preferences");
    }
  else if (g_error_matches (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_INVALID_KEY) ||
           g_error_matches (error, WABIZ_GEMINI_ERROR, WABIZ_GEMINI_ERROR_PERMISSION_DENIED))
    {
      g_autofree char *text = g_strdup_printf (_("Gemini did not accept the API key (%s). Check the key in "
                                                 "Preferences."), error->message);

      show_notice (self, text, FALSE, _("Open _Preferences"), "app.preferences");
    }
  else if (g_error_matches (error, WABIZ_ERROR, WABIZ_ERROR_NOT_FOUND))
    show_notice (self, _("There is nothing to answer yet: a suggestion needs a message from the customer."),
                 FALSE, NULL, NULL);
  else if (error->domain == WABIZ_GEMINI_ERROR)
    {
      g_autofree char *text = g_strdup_printf (_("Gemini could not write a suggestion: %s. Try again in a "
                                                 "moment, or write the reply yourself."), error->message);

      show_notice (self, text, FALSE, _("Try _Again"), "composer.suggest");
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("Cannot read the conversation for a suggestion: %s. Try "
                                                 "again once the database is back."), error->message);

      show_notice (self, text, FALSE, _("Try _Again"), "composer.suggest");
    }
}

static void
suggest_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  WabizComposer *self = WABIZ_COMPOSER (widget);
  WabizAiJobs *ai = NULL;

  if (get_phone (self) == NULL || self->suggest_cancellable != NULL)
    return;
  if (self->services != NULL && wabiz_services_get_state (self->services) == WABIZ_SERVICES_STATE_READY)
    ai = wabiz_services_get_ai_jobs (self->services);
  if (ai == NULL)
    {
      show_notice (self, _("Suggestions need the database: try again once WaBiz has opened it."), FALSE, NULL, NULL);
      return;
    }

  self->suggest_cancellable = g_cancellable_new ();
  gtk_widget_action_set_enabled (widget, "composer.suggest", FALSE);
  show_notice (self, _("Gemini is writing a suggestion from the conversation and your business profile…"),
               TRUE, _("_Stop"), "composer.dismiss-notice");
  self->n_busy++;
  wabiz_ai_jobs_suggest_reply_async (ai, get_phone (self), self->suggest_cancellable, suggested_cb,
                                     g_object_ref (self));
}

static void
stop_suggesting (WabizComposer *self)
{
  g_cancellable_cancel (self->suggest_cancellable);
  g_clear_object (&self->suggest_cancellable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.suggest", TRUE);
}

/* Send Later: a day and a time in the customer's timezone */

static GTimeZone *
customer_zone (WabizComposer *self)
{
  GTimeZone *tz = self->zone != NULL ? g_time_zone_new_identifier (self->zone) : NULL;

  return tz != NULL ? tz : g_time_zone_new_utc ();
}

static void
fill_days (WabizComposer *self)
{
  g_autoptr(GTimeZone) tz = customer_zone (self);
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autoptr(GtkStringList) days = gtk_string_list_new (NULL);
  g_autofree char *now_text = g_date_time_format (now, "%H:%M");
  g_autofree char *zone = NULL;

  for (guint i = 0; i < LATER_DAYS; i++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (now, i);
      g_autofree char *name = NULL;

      if (i == 0)
        name = g_strdup (_("Today"));
      else if (i == 1)
        name = g_strdup (_("Tomorrow"));
      else
        /* Translators: a day to send a message on, see strftime(3) */
        name = g_date_time_format (day, _("%A, %e %B"));
      gtk_string_list_append (days, name);
    }
  gtk_drop_down_set_model (self->later_day, G_LIST_MODEL (days));
  gtk_drop_down_set_selected (self->later_day, 1);
  gtk_spin_button_set_value (self->later_hour, 9);
  gtk_spin_button_set_value (self->later_minute, 0);

  /* Translators: the customer's timezone, such as America/Sao_Paulo, and the time there now */
  zone = g_strdup_printf (_("In the customer’s time zone, %s, where it is %s now."),
                          self->zone != NULL ? self->zone : "UTC", now_text);
  gtk_label_set_label (self->later_zone_label, zone);
}

static void
later_state_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WabizComposer) self = user_data;
  g_autoptr(WabizChatState) state = NULL;
  g_autoptr(GError) error = NULL;

  state = wabiz_chat_state_load_finish (result, &error);
  self->n_busy--;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (state == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot read the customer’s time zone: %s. Try again once "
                                                 "the database is back."), error->message);

      show_notice (self, text, FALSE, NULL, NULL);
      return;
    }
  g_free (self->zone);
  self->zone = g_strdup (state->timezone);
  self->opted_out = state->opted_out_at != NULL;
  fill_days (self);
  gtk_label_set_label (self->later_error, "");
  gtk_widget_set_visible (GTK_WIDGET (self->later_error), FALSE);
  gtk_popover_popup (self->later_popover);
}

static void
send_later_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  WabizComposer *self = WABIZ_COMPOSER (widget);

  if (self->db == NULL || get_phone (self) == NULL)
    return;
  self->n_busy++;
  wabiz_chat_state_load_async (self->db, get_phone (self), self->cancellable, later_state_cb, g_object_ref (self));
}

static void reload_scheduled (WabizComposer *self);

static void
scheduled_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *toast = NULL;

  id = wabiz_scheduled_message_create_finish (result, &error);
  self->n_busy--;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (id == NULL)
    {
      /* the popover stays, with the text and the reason */
      gtk_label_set_label (self->later_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->later_error), TRUE);
      gtk_popover_popup (self->later_popover);
      return;
    }

  gtk_popover_popdown (self->later_popover);
  wabiz_composer_set_text (self, "");
  wabiz_composer_set_reply_to (self, NULL);
  hide_notice (self);
  toast = g_strdup (_("Scheduled: it is listed above the message box until it goes"));
  wabiz_widget_toast (GTK_WIDGET (self), toast);
  reload_scheduled (self);
}

static void
schedule_now (WabizComposer *self)
{
  g_autoptr(GTimeZone) tz = customer_zone (self);
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autoptr(GDateTime) day = NULL;
  g_autofree char *when = NULL;
  g_autofree char *date = NULL;
  g_autofree char *text = wabiz_composer_dup_text (self);
  guint selected = gtk_drop_down_get_selected (self->later_day);

  g_strchomp (text);
  if (*text == '\0' || get_phone (self) == NULL || self->db == NULL)
    return;

  day = g_date_time_add_days (now, selected != GTK_INVALID_LIST_POSITION ? (int) selected : 1);
  date = g_date_time_format (day, "%Y-%m-%d");
  when = g_strdup_printf ("%sT%02d:%02d", date, gtk_spin_button_get_value_as_int (self->later_hour),
                          gtk_spin_button_get_value_as_int (self->later_minute));
  self->n_busy++;
  /* the customer's timezone, as the scheduler reads it */
  wabiz_scheduled_message_create_async (self->db, get_phone (self), text, NULL, NULL, NULL, when, NULL,
                                        self->cancellable, scheduled_cb, g_object_ref (self));
}

static void
schedule_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  WabizComposer *self = WABIZ_COMPOSER (widget);

  gtk_popover_popdown (self->later_popover);
  when_allowed (self, schedule_now, _("_Schedule Anyway"));
}

/* the scheduled messages of the conversation */

static char *
format_when (const char *send_at,
             const char *zone)
{
  g_autoptr(GTimeZone) tz = zone != NULL ? g_time_zone_new_identifier (zone) : NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *time = NULL;
  int days;

  if (tz == NULL)
    tz = g_time_zone_new_utc ();
  utc = send_at != NULL ? g_date_time_new_from_iso8601 (send_at, NULL) : NULL;
  if (utc == NULL)
    return g_strdup (send_at != NULL ? send_at : "");
  local = g_date_time_to_timezone (utc, tz);
  now = g_date_time_new_now (tz);
  days = (g_date_time_get_year (local) - g_date_time_get_year (now)) * 400 +
         g_date_time_get_day_of_year (local) - g_date_time_get_day_of_year (now);
  time = g_date_time_format (local, "%H:%M");

  if (days == 0)
    /* Translators: when a scheduled message goes, in the customer's time */
    return g_strdup_printf (_("Today at %s"), time);
  if (days == 1)
    return g_strdup_printf (_("Tomorrow at %s"), time);
  /* Translators: when a scheduled message goes, see strftime(3) */
  return g_date_time_format (local, _("%A, %e %B at %H:%M"));
}

static GtkWidget *
scheduled_row (JsonObject *item)
{
  const char *id = json_object_get_string_member_with_default (item, "id", "");
  const char *state = json_object_get_string_member_with_default (item, "state", "");
  const char *body = json_object_get_string_member_with_default (item, "body", NULL);
  const char *zone = json_object_get_string_member_with_default (item, "timezone", NULL);
  g_autofree char *when = format_when (json_object_get_string_member_with_default (item, "send_at", NULL), zone);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *a11y = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon;

  if (body == NULL)
    body = json_object_get_string_member_with_default (item, "template_name", "");

  if (g_str_equal (state, "failed"))
    {
      /* Translators: a scheduled message that did not go: when it was due */
      title = g_strdup_printf (_("Not sent · %s"), when);
      /* Translators: the text of a scheduled message and why it did not go */
      subtitle = g_strdup_printf (_("%s — %s"), body,
                                  json_object_get_string_member_with_default (item, "error", _("unknown reason")));
    }
  else
    {
      /* Translators: when a scheduled message goes (e.g. "Tomorrow at 09:00") and the customer's timezone */
      title = g_strdup_printf (_("%s · %s"), when, zone != NULL ? zone : "UTC");
      subtitle = g_strdup (body);
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  icon = gtk_image_new_from_icon_name (g_str_equal (state, "failed") ? "dialog-warning-symbolic"
                                                                       : "alarm-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  if (g_str_equal (state, "scheduled"))
    {
      GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));

      gtk_widget_set_valign (cancel, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (cancel, _("Cancel this scheduled message"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "composer.cancel-scheduled");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (cancel), "s", id);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), cancel);
      /* Translators: what a screen reader says for a scheduled message: when, and its text */
      a11y = g_strdup_printf (_("Scheduled for %s, customer’s time: %s"), when, body);
    }
  else if (g_str_equal (state, "queuing"))
    {
      GtkWidget *sending = gtk_label_new (_("Sending now"));

      gtk_widget_add_css_class (sending, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sending);
      a11y = g_strdup_printf (_("Sending now: %s"), body);
    }
  else
    a11y = g_strdup_printf ("%s: %s", title, subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return row;
}

static void
scheduled_listed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(WabizComposer) self = user_data;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;
  gint64 recent = g_get_real_time () / G_USEC_PER_SEC - 2 * 24 * 3600;
  guint shown = 0;

  items = wabiz_scheduled_message_list_finish (result, &error);
  self->n_busy--;
  /* (another conversation's: the reads of this one are not ours to end) */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->listing = FALSE;
  if (items == NULL)
    g_debug ("Cannot list the scheduled messages: %s", error->message);
  else
    {
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->scheduled_list))) != NULL)
        gtk_list_box_remove (self->scheduled_list, child);
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_array_get_object_element (items, i);
          const char *state = json_object_get_string_member_with_default (item, "state", "");
          g_autoptr(GDateTime) at = g_date_time_new_from_iso8601 (
            json_object_get_string_member_with_default (item, "send_at", ""), NULL);

          /* what is to go, and what failed lately (why is said once) */
          if (!g_str_equal (state, "scheduled") && !g_str_equal (state, "queuing") &&
              !(g_str_equal (state, "failed") && at != NULL && g_date_time_to_unix (at) > recent))
            continue;
          gtk_list_box_append (self->scheduled_list, scheduled_row (item));
          shown++;
        }
      gtk_revealer_set_reveal_child (self->scheduled_revealer, shown > 0);
    }

  if (self->reload_scheduled)
    {
      self->reload_scheduled = FALSE;
      reload_scheduled (self);
    }
}

static void
reload_scheduled (WabizComposer *self)
{
  if (self->db == NULL || get_phone (self) == NULL)
    {
      GtkWidget *child;

      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->scheduled_list))) != NULL)
        gtk_list_box_remove (self->scheduled_list, child);
      gtk_revealer_set_reveal_child (self->scheduled_revealer, FALSE);
      return;
    }
  /* one read at a time, so that an older answer never comes last */
  if (self->listing)
    {
      self->reload_scheduled = TRUE;
      return;
    }
  self->listing = TRUE;
  self->n_busy++;
  wabiz_scheduled_message_list_async (self->db, get_phone (self), self->cancellable, scheduled_listed_cb,
                                      g_object_ref (self));
}

static void
cancelled_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizComposer) self = user_data;
  g_autoptr(GError) error = NULL;

  self->n_busy--;
  if (wabiz_scheduled_message_cancel_finish (result, &error))
    wabiz_widget_toast (GTK_WIDGET (self), _("The scheduled message was cancelled"));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  else
    {
      g_autofree char *text = g_strdup_printf (_("Not cancelled: %s"), error->message);

      wabiz_widget_toast (GTK_WIDGET (self), text);
    }
  reload_scheduled (self);
}

static void
cancel_scheduled_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  WabizComposer *self = WABIZ_COMPOSER (widget);

  if (self->db == NULL)
    return;
  self->n_busy++;
  wabiz_scheduled_message_cancel_async (self->db, g_variant_get_string (parameter, NULL), self->cancellable,
                                        cancelled_cb, g_object_ref (self));
}

/* changes heard through the listener */

static void
scheduled_changed_cb (WabizDbListener *listener,
                      const char      *phone,
                      const char      *id,
                      WabizComposer   *self)
{
  if (phone == NULL || g_strcmp0 (phone, get_phone (self)) == 0)
    reload_scheduled (self);
}

static void
lead_changed_cb (WabizDbListener *listener,
                 const char      *phone,
                 const char      *id,
                 WabizComposer   *self)
{
  if (phone != NULL && g_strcmp0 (phone, get_phone (self)) == 0)
    check_opt_out (self);
}

static void
reconnected_cb (WabizComposer *self)
{
  check_opt_out (self);
  reload_scheduled (self);
}

static void
services_state_cb (WabizComposer *self)
{
  WabizDbListener *listener = self->services != NULL ? wabiz_services_get_listener (self->services) : NULL;

  if (listener == self->listener)
    return;
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_set_object (&self->listener, listener);
  if (listener != NULL)
    {
      g_signal_connect_object (listener, "changed::scheduled_messages", G_CALLBACK (scheduled_changed_cb), self, 0);
      g_signal_connect_object (listener, "changed::leads", G_CALLBACK (lead_changed_cb), self, 0);
      g_signal_connect_object (listener, "reconnected", G_CALLBACK (reconnected_cb), self, G_CONNECT_SWAPPED);
      /* what changed while there was none */
      reconnected_cb (self);
    }
}

/* the quick replies window */

static void
qr_dialog_destroyed_cb (WabizComposer *self,
                        GtkWidget     *dialog)
{
  if (self->qr_dialog == dialog)
    self->qr_dialog = NULL;
}

static void
quick_replies_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  WabizComposer *self = WABIZ_COMPOSER (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->db == NULL)
    {
      wabiz_widget_toast (widget, _("Quick replies are kept in the database: try again once WaBiz has opened it"));
      return;
    }
  if (self->qr_dialog == NULL)
    {
      self->qr_dialog = wabiz_quick_replies_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                        self->db, self->listener);
      g_signal_connect_object (self->qr_dialog, "destroy", G_CALLBACK (qr_dialog_destroyed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  gtk_window_present (GTK_WINDOW (self->qr_dialog));
}

static void
wabiz_composer_dispose (GObject *object)
{
  WabizComposer *self = WABIZ_COMPOSER (object);

  g_cancellable_cancel (self->quick_cancellable);
  g_clear_object (&self->quick_cancellable);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->suggest_cancellable);
  g_clear_object (&self->suggest_cancellable);
  if (self->quick_popover != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->quick_popover));
      self->quick_popover = NULL;
    }
  if (self->later_popover != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->later_popover));
      self->later_popover = NULL;
    }
  if (self->confirm != NULL)
    gtk_window_destroy (GTK_WINDOW (self->confirm));
  if (self->qr_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->qr_dialog));
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_clear_object (&self->listener);
  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_COMPOSER);
  g_clear_object (&self->db);
  g_clear_object (&self->services);
  g_clear_object (&self->conversation);
  g_clear_object (&self->reply_to);

  G_OBJECT_CLASS (wabiz_composer_parent_class)->dispose (object);
}

static void
wabiz_composer_finalize (GObject *object)
{
  WabizComposer *self = WABIZ_COMPOSER (object);

  g_clear_object (&self->cancellable);
  g_free (self->zone);

  G_OBJECT_CLASS (wabiz_composer_parent_class)->finalize (object);
}

static void
wabiz_composer_class_init (WabizComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_composer_dispose;
  object_class->finalize = wabiz_composer_finalize;

  /**
   * WabizComposer::send:
   *
   * The user asked to send the text (and the reply), and said yes when
   * the customer opted out.
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
  gtk_widget_class_bind_template_callback (widget_class, two_digits_cb);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, quick_popover);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, quick_list);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, suggest_button);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, more_button);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, scheduled_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, scheduled_list);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, notice_spinner);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, notice_icon);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, notice_label);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, notice_button);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, later_popover);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, later_zone_label);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, later_day);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, later_hour);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, later_minute);
  gtk_widget_class_bind_template_child (widget_class, WabizComposer, later_error);
  gtk_widget_class_bind_template_callback (widget_class, emoji_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, quick_row_activated_cb);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "composer.send-template", NULL, send_template_action);
  gtk_widget_class_install_action (widget_class, "composer.cancel-reply", NULL, cancel_reply_action);
  gtk_widget_class_install_action (widget_class, "composer.suggest", NULL, suggest_action);
  gtk_widget_class_install_action (widget_class, "composer.dismiss-notice", NULL, dismiss_notice_action);
  gtk_widget_class_install_action (widget_class, "composer.send-later", NULL, send_later_action);
  gtk_widget_class_install_action (widget_class, "composer.schedule", NULL, schedule_action);
  gtk_widget_class_install_action (widget_class, "composer.cancel-scheduled", "s", cancel_scheduled_action);
  gtk_widget_class_install_action (widget_class, "composer.quick-replies", NULL, quick_replies_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "composer.attach", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_g, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "composer.suggest", NULL);
}

static void
wabiz_composer_init (WabizComposer *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->window_open = TRUE;
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_parent (GTK_WIDGET (self->quick_popover), GTK_WIDGET (self->text_scroller));
  gtk_widget_set_parent (GTK_WIDGET (self->later_popover), self->more_button);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);

  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (buffer_changed_cb), self, G_CONNECT_SWAPPED);
  update_send_enabled (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.suggest", FALSE);
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
  if (!g_set_object (&self->db, db))
    return;
  update_send_enabled (self);
  check_opt_out (self);
  reload_scheduled (self);
}

void
wabiz_composer_set_services (WabizComposer *self,
                             WabizServices *services)
{
  g_return_if_fail (WABIZ_IS_COMPOSER (self));
  g_return_if_fail (!services || WABIZ_IS_SERVICES (services));

  wabiz_follow_services (self, &self->services, services, G_CALLBACK (services_state_cb));
}

void
wabiz_composer_set_conversation (WabizComposer     *self,
                                 WabizConversation *conversation)
{
  g_return_if_fail (WABIZ_IS_COMPOSER (self));
  g_return_if_fail (!conversation || WABIZ_IS_CONVERSATION (conversation));

  if (self->conversation == conversation)
    return;
  if (self->conversation != NULL && conversation != NULL &&
      g_strcmp0 (wabiz_conversation_get_phone (self->conversation), wabiz_conversation_get_phone (conversation)) == 0)
    {
      /* a newer copy of the same one */
      g_set_object (&self->conversation, conversation);
      return;
    }

  /* what was under way for the last one stops */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  stop_suggesting (self);
  hide_notice (self);
  gtk_popover_popdown (self->later_popover);
  if (self->confirm != NULL)
    gtk_window_destroy (GTK_WINDOW (self->confirm));
  g_clear_pointer (&self->zone, g_free);
  self->opted_out = FALSE;
  self->listing = FALSE;
  self->reload_scheduled = FALSE;

  g_set_object (&self->conversation, conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.suggest", conversation != NULL);
  gtk_widget_set_tooltip_text (self->suggest_button, _("Suggest a Reply"));
  update_send_enabled (self);
  check_opt_out (self);
  reload_scheduled (self);
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

GtkListBox *
wabiz_composer_get_scheduled_list (WabizComposer *self)
{
  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), NULL);
  return self->scheduled_list;
}

const char *
wabiz_composer_get_notice (WabizComposer *self)
{
  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->notice_revealer))
    return NULL;
  return gtk_label_get_label (self->notice_label);
}

gboolean
wabiz_composer_get_opted_out (WabizComposer *self)
{
  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), FALSE);
  return self->opted_out;
}

gboolean
wabiz_composer_get_busy (WabizComposer *self)
{
  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), FALSE);
  return self->n_busy > 0;
}

GtkWidget *
wabiz_composer_get_quick_replies_dialog (WabizComposer *self)
{
  g_return_val_if_fail (WABIZ_IS_COMPOSER (self), NULL);
  return self->qr_dialog;
}
