/* wabiz-chat-view.c
 *
 * SPDX-License-Identifier: MIT
 *
 * One conversation: a header with the lead (name, status, the 24-hour
 * window), the messages paged from the database as the user scrolls up,
 * and the composer. Sending goes through the outbox, the only queue: a
 * text that cannot be written to it because the database is away stays
 * in the composer (or its draft), and the view says so. Files come from
 * the attach button or a drop, pass the attachment sheet's checks and
 * are queued at once (the outbox keeps a copy and uploads it when Meta
 * can be reached), so they show as queued even offline. The actions are
 * in wabiz-chat-view-actions.c.
 */

#define G_LOG_DOMAIN "wabiz-chat-view"

#include "config.h"

#include "wabiz-chat-view-private.h"
#include "wabiz-conversation-row.h"
#include "wabiz-error.h"
#include "wabiz-message-row.h"
#include "wabiz-phone.h"
#include "wabiz-time.h"
#include "wabiz-toast.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#define NEAR_TOP_PX 300

static const char * const lead_statuses[] = { "NEW", "CONTACTED", "INTERESTED", "CONVERTED", "LOST", NULL };

G_DEFINE_FINAL_TYPE (WabizChatView, wabiz_chat_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LEAD_STATUS,
  PROP_SERVICES,
  N_PROPS
};

enum {
  SEND_TEMPLATE,
  BACK,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];


void
_wabiz_chat_view_toast (WabizChatView *self,
                        const char    *text)
{
  wabiz_widget_toast (GTK_WIDGET (self), text);
}

const char *
_wabiz_chat_view_get_phone (WabizChatView *self)
{
  return self->conversation != NULL ? wabiz_conversation_get_phone (self->conversation) : NULL;
}

/* header */

static void
update_window (WabizChatView *self)
{
  g_autofree char *display = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *window = NULL;
  gint64 left;

  if (self->conversation == NULL)
    return;

  left = wabiz_conversation_get_window_left (self->conversation, g_get_real_time ());
  if (left > 0)
    {
      gint64 minutes = (left + G_TIME_SPAN_MINUTE - 1) / G_TIME_SPAN_MINUTE;

      if (minutes >= 60)
        /* Translators: the 24-hour customer service window; hours and minutes left */
        window = g_strdup_printf (_("Reply window: %d h %02d min left"),
                                  (int) (minutes / 60), (int) (minutes % 60));
      else
        window = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Reply window: %d minute left",
                                               "Reply window: %d minutes left", (gulong) minutes),
                                  (int) minutes);
    }
  else
    window = g_strdup (_("Reply window closed"));

  display = wabiz_phone_format_display (wabiz_conversation_get_phone (self->conversation));
  /* Translators: phone number · reply window */
  subtitle = g_strdup_printf (_("%s · %s"), display != NULL ? display : _wabiz_chat_view_get_phone (self), window);
  gtk_label_set_label (self->subtitle_label, subtitle);
  wabiz_composer_set_window_open (self->composer, left > 0);
}

static gboolean
mark_read_idle_cb (gpointer user_data)
{
  WabizChatView *self = user_data;

  self->mark_read_idle = 0;
  _wabiz_chat_view_mark_read (self);
  return G_SOURCE_REMOVE;
}

static void
update_header (WabizChatView *self)
{
  const char *status;
  guint index = 0;

  if (self->conversation == NULL)
    return;

  gtk_label_set_label (self->title_label, wabiz_conversation_get_title (self->conversation));
  adw_avatar_set_text (self->avatar, wabiz_conversation_get_title (self->conversation));
  /* a phone number has no initials: the person icon instead */
  adw_avatar_set_show_initials (self->avatar,
                                wabiz_conversation_get_name (self->conversation) != NULL);

  status = wabiz_conversation_get_lead_status (self->conversation);
  for (guint i = 0; lead_statuses[i] != NULL; i++)
    if (g_strcmp0 (status, lead_statuses[i]) == 0)
      index = i;
  self->updating_status = TRUE;
  gtk_drop_down_set_selected (self->status_dropdown, index);
  self->updating_status = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEAD_STATUS]);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.mark-read",
                                 wabiz_conversation_get_unread_count (self->conversation) > 0);
  update_window (self);

  /* a message came in while the user looks at this chat: it is read */
  if (wabiz_conversation_get_unread_count (self->conversation) > 0 &&
      gtk_widget_get_mapped (GTK_WIDGET (self)) && self->mark_read_idle == 0)
    self->mark_read_idle = g_idle_add (mark_read_idle_cb, self);
}

/* the banners' flags, as the conversation menu offers them */
static void
banners_changed_cb (WabizChatView *self)
{
  gboolean open = self->conversation != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.mark-handled",
                                 open && wabiz_chat_banners_get_needs_human (self->banners));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.opt-in",
                                 open && wabiz_chat_banners_get_opted_out (self->banners));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.opt-out",
                                 open && !wabiz_chat_banners_get_opted_out (self->banners));
}

static void
mark_handled_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  wabiz_chat_banners_mark_handled (WABIZ_CHAT_VIEW (widget)->banners);
}

static void
opt_in_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  wabiz_chat_banners_set_opted_out (WABIZ_CHAT_VIEW (widget)->banners, FALSE);
}

static void
opt_out_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  wabiz_chat_banners_set_opted_out (WABIZ_CHAT_VIEW (widget)->banners, TRUE);
}

static gboolean
window_timer_cb (gpointer user_data)
{
  update_window (user_data);
  return G_SOURCE_CONTINUE;
}

static void
status_set_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WabizChatView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_conversations_model_set_lead_status_finish (WABIZ_CONVERSATIONS_MODEL (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot change the lead status: %s"), error->message);

      _wabiz_chat_view_toast (self, text);
      update_header (self);
    }
}

static void
set_lead_status (WabizChatView *self,
                 const char    *status)
{
  if (self->conversation == NULL || self->conversations == NULL || status == NULL ||
      !g_strv_contains (lead_statuses, status))
    return;
  if (g_strcmp0 (wabiz_conversation_get_lead_status (self->conversation), status) == 0)
    return;

  wabiz_conversations_model_set_lead_status_async (self->conversations, _wabiz_chat_view_get_phone (self), status,
                                                   self->cancellable, status_set_cb, g_object_ref (self));
}

static void
status_selected_cb (WabizChatView *self)
{
  guint selected = gtk_drop_down_get_selected (self->status_dropdown);

  if (self->updating_status || selected >= G_N_ELEMENTS (lead_statuses) - 1)
    return;
  set_lead_status (self, lead_statuses[selected]);
}

/* list */

static void
update_day (WabizChatView   *self,
            WabizMessageRow *row,
            GtkListItem     *item)
{
  guint position = gtk_list_item_get_position (item);
  WabizMessage *message = wabiz_message_row_get_message (row);
  gboolean show = TRUE;

  if (message == NULL)
    return;

  if (position != GTK_INVALID_LIST_POSITION && position > 0)
    {
      g_autoptr(WabizMessage) prev = g_list_model_get_item (G_LIST_MODEL (self->messages), position - 1);

      if (prev != NULL)
        {
          g_autoptr(GDateTime) a = wabiz_date_time_to_local (wabiz_message_get_timestamp (prev));
          g_autoptr(GDateTime) b = wabiz_date_time_to_local (wabiz_message_get_timestamp (message));

          show = g_date_time_get_year (a) != g_date_time_get_year (b) ||
                 g_date_time_get_day_of_year (a) != g_date_time_get_day_of_year (b);
        }
    }
  wabiz_message_row_set_show_day (row, show);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          WabizChatView            *self)
{
  gtk_list_item_set_child (item, wabiz_message_row_new ());
  gtk_list_item_set_activatable (item, FALSE);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         WabizChatView            *self)
{
  WabizMessageRow *row = WABIZ_MESSAGE_ROW (gtk_list_item_get_child (item));

  /* where the customers' files are, before the bubble asks for one */
  wabiz_message_row_set_services (row, self->services);
  wabiz_message_row_set_message (row, gtk_list_item_get_item (item));
  g_hash_table_insert (self->rows, row, item);
  update_day (self, row, item);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           WabizChatView            *self)
{
  WabizMessageRow *row = WABIZ_MESSAGE_ROW (gtk_list_item_get_child (item));

  g_hash_table_remove (self->rows, row);
  wabiz_message_row_set_message (row, NULL);
}

static void
scroll_to_bottom_now (WabizChatView *self)
{
  guint n = self->messages != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->messages)) : 0;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  /* nothing to scroll (GTK 4.8 warns when an empty list view is scrolled) */
  if (n == 0)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", n - 1);
  /* and to the very end of the last row, once rows have their sizes (GTK
   * 4.8 warns when the value is set on rows it has not laid out yet) */
  if (!self->unlaid)
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
}

static void
adjustment_configured_cb (WabizChatView *self)
{
  self->unlaid = FALSE;
}

/* Rows get their real heights only when laid out: scroll again on the
 * next few frames until the bottom stays the bottom. */
static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (widget);

  scroll_to_bottom_now (self);
  if (self->scroll_frames > 0 && --self->scroll_frames > 0)
    return G_SOURCE_CONTINUE;

  self->scroll_tick = 0;
  self->scrolled_once = TRUE;
  self->stick_to_bottom = TRUE;
  return G_SOURCE_REMOVE;
}

static void
scroll_to_bottom (WabizChatView *self)
{
  self->scroll_frames = 4;
  if (self->scroll_tick == 0)
    self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick_cb, NULL, NULL);
}

static void
load_older_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WabizChatView) self = user_data;
  g_autoptr(GError) error = NULL;
  gint n;

  n = wabiz_messages_model_load_older_finish (WABIZ_MESSAGES_MODEL (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    return;

  gtk_widget_set_visible (self->loading_spinner, FALSE);
  if (n > 0 && !self->scrolled_once)
    scroll_to_bottom (self);
  if (n < 0)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot load the messages: %s"), error->message);

      _wabiz_chat_view_toast (self, text);
    }
}

static void
load_older (WabizChatView *self)
{
  if (self->messages == NULL || wabiz_messages_model_get_loading (self->messages) ||
      !wabiz_messages_model_get_has_older (self->messages))
    return;

  gtk_widget_set_visible (self->loading_spinner, TRUE);
  wabiz_messages_model_load_older_async (self->messages, self->cancellable, load_older_cb,
                                         g_object_ref (self));
}

static void
adjustment_changed_cb (WabizChatView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  double value = gtk_adjustment_get_value (adj);
  double bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

  if (self->scroll_tick != 0)
    return;
  self->stick_to_bottom = value >= bottom - 48;
  if (value < NEAR_TOP_PX && self->scrolled_once)
    load_older (self);
}

static void
upper_changed_cb (WabizChatView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  /* new messages at the bottom: follow them if the user was there */
  if (self->stick_to_bottom && self->scroll_tick == 0 && !self->unlaid && self->messages != NULL &&
      g_list_model_get_n_items (G_LIST_MODEL (self->messages)) > 0)
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
}

/* Called on the frames after older messages came in: the view is only
 * known to be too short once it has an allocation and has laid them out
 * (reading up on a view that has none yet would read the whole history). */
static gboolean
fill_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (widget);
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  double page = gtk_adjustment_get_page_size (adj);

  if (self->fill_frames > 0 && --self->fill_frames > 0)
    return G_SOURCE_CONTINUE;

  self->fill_tick = 0;
  if (page > 0 && gtk_adjustment_get_upper (adj) <= page)
    load_older (self);
  return G_SOURCE_REMOVE;
}

static void
messages_changed_cb (WabizChatView *self,
                     guint          position,
                     guint          removed,
                     guint          added)
{
  GHashTableIter iter;
  gpointer row, item;

  self->unlaid = TRUE;

  /* day headings depend on the neighbour above */
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &row, &item))
    update_day (self, row, item);

  if (self->stick_to_bottom && position > 0 && added > 0)
    scroll_to_bottom (self);

  /* a first page shorter than the view: keep reading up, once the rows
   * have been laid out */
  if (position == 0 && added > 0)
    {
      self->fill_frames = 2;
      if (self->fill_tick == 0)
        self->fill_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), fill_tick_cb, NULL, NULL);
    }
}

/* drafts */

static void
draft_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WabizChatView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *draft = NULL;
  g_autofree char *current = NULL;

  draft = wabiz_drafts_load_finish (WABIZ_DRAFTS (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->conversation == NULL)
    return;
  if (error != NULL)
    g_warning ("Cannot read the draft: %s", error->message);

  /* never overwrite what the user started typing meanwhile */
  current = wabiz_composer_dup_text (self->composer);
  if (draft != NULL && *current == '\0')
    {
      self->restoring_draft = TRUE;
      wabiz_composer_set_text (self->composer, draft);
      self->restoring_draft = FALSE;
    }
}

static void
composer_text_changed_cb (WabizChatView *self)
{
  g_autofree char *text = NULL;

  if (self->restoring_draft || self->drafts == NULL || self->conversation == NULL)
    return;

  text = wabiz_composer_dup_text (self->composer);
  wabiz_drafts_set (self->drafts, _wabiz_chat_view_get_phone (self), text);
}

void
wabiz_chat_view_save_draft (WabizChatView *self)
{
  g_return_if_fail (WABIZ_IS_CHAT_VIEW (self));

  composer_text_changed_cb (self);
}

/* (nullable): what sends, while the services are ready */
static WabizOutbox *
get_outbox (WabizChatView *self)
{
  if (self->services == NULL || wabiz_services_get_state (self->services) != WABIZ_SERVICES_STATE_READY)
    return NULL;
  return wabiz_services_get_outbox (self->services);
}

/* (nullable): Meta, while it is set up and the services are ready */
WabizGraphClient *
_wabiz_chat_view_get_graph (WabizChatView *self)
{
  if (self->services == NULL || wabiz_services_get_state (self->services) != WABIZ_SERVICES_STATE_READY)
    return NULL;
  return wabiz_services_get_graph (self->services);
}

/* sending: through the outbox, the one queue there is. Texts sent in a
 * row are written to it one after the other, so that they keep their
 * order. When the database cannot take one, it and those after it go
 * back to where they were typed, and the view says why: nothing waits
 * here to be tried again. */

typedef struct
{
  char *phone;
  char *text;
  char *reply_to;   /* (nullable) wamid */
} ChatText;

static void
chat_text_free (ChatText *t)
{
  g_free (t->phone);
  g_free (t->text);
  g_free (t->reply_to);
  g_free (t);
}

typedef struct
{
  WabizChatView *self;    /* (owned) */
  WabizDrafts   *drafts;  /* (owned) (nullable): for a text that fails after the view went */
  ChatText      *text;    /* (owned) (nullable): a text, written in turn */
  char          *phone;   /* (owned) */
} QueueData;

static void
queue_data_free (QueueData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->drafts);
  g_clear_pointer (&data->text, chat_text_free);
  g_free (data->phone);
  g_free (data);
}

static void
show_unsent (WabizChatView *self,
             gboolean       unsent)
{
  gtk_revealer_set_reveal_child (self->unsent_revealer, unsent);
}

typedef struct
{
  char *phone;  /* (owned) */
  char *text;   /* (owned) */
} GiveBack;

static void
give_back_free (GiveBack *back)
{
  g_free (back->phone);
  g_free (back->text);
  g_free (back);
}

static void
give_back_draft_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GiveBack *back = user_data;
  g_autofree char *draft = wabiz_drafts_load_finish (WABIZ_DRAFTS (object), result, NULL);
  g_autofree char *text = NULL;

  /* the words that did not go first, then what was typed after them */
  if (draft != NULL && *draft != '\0')
    text = g_strconcat (back->text, "\n\n", draft, NULL);
  wabiz_drafts_set (WABIZ_DRAFTS (object), back->phone, text != NULL ? text : back->text);
  give_back_free (back);
}

/* Puts @text before the draft of @phone */
static void
give_back_to_draft (WabizDrafts *drafts,
                    const char  *phone,
                    const char  *text)
{
  GiveBack *back = g_new0 (GiveBack, 1);

  back->phone = g_strdup (phone);
  back->text = g_strdup (text);
  wabiz_drafts_load_async (drafts, phone, NULL, give_back_draft_cb, back);
}

/* @text could not be written: into the composer, before what was typed
 * since, or into the draft of its conversation when another is open */
static void
give_back (WabizChatView *self,
           const char    *phone,
           const char    *text)
{
  if (!self->disposed && g_strcmp0 (phone, _wabiz_chat_view_get_phone (self)) == 0)
    {
      g_autofree char *typed = wabiz_composer_dup_text (self->composer);
      g_autofree char *joined = *typed != '\0' ? g_strconcat (text, "\n\n", typed, NULL) : g_strdup (text);

      wabiz_composer_set_text (self->composer, joined);
      return;
    }
  if (self->drafts != NULL)
    give_back_to_draft (self->drafts, phone, text);
}

/* @failed and every text waiting its turn behind it, grouped by
 * conversation and in the order they were written */
static void
give_back_texts (WabizChatView *self,
                 ChatText      *failed)
{
  g_autoptr(GPtrArray) phones = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) texts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, NULL);
  ChatText *t = failed;

  do
    {
      GString *joined = g_hash_table_lookup (texts, t->phone);

      if (joined == NULL)
        {
          g_ptr_array_add (phones, g_strdup (t->phone));
          g_hash_table_insert (texts, g_ptr_array_index (phones, phones->len - 1), g_string_new (t->text));
        }
      else
        g_string_append_printf (joined, "\n\n%s", t->text);
      if (t != failed)
        chat_text_free (t);
    }
  while ((t = g_queue_pop_head (self->writing)) != NULL);

  for (guint i = 0; i < phones->len; i++)
    {
      GString *joined = g_hash_table_lookup (texts, g_ptr_array_index (phones, i));

      give_back (self, g_ptr_array_index (phones, i), joined->str);
      g_string_free (joined, TRUE);
    }
}

static void write_next (WabizChatView *self);

static void
queued_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  QueueData *data = user_data;
  WabizChatView *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);
  if (data->text != NULL)
    self->writing_one = FALSE;
  if (self->disposed)
    {
      /* closed meanwhile: what waited its turn went to the drafts, and so
       * does this one if it did not go */
      if (uuid == NULL && data->text != NULL && data->drafts != NULL)
        give_back_to_draft (data->drafts, data->phone, data->text->text);
      queue_data_free (data);
      return;
    }

  if (uuid != NULL)
    {
      /* the bubble comes through the messages' listener */
      show_unsent (self, FALSE);
    }
  else if (g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE) && data->text != NULL)
    {
      /* nothing typed is lost, and nothing is tried again behind the
       * user's back: the words are theirs to send when it is back */
      g_debug ("Not queued, the database is away: %s", error->message);
      give_back_texts (self, data->text);
      show_unsent (self, TRUE);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("Not sent: %s"), error->message);

      /* give the text back so that it can be fixed or sent as a template */
      if (data->text != NULL)
        give_back (self, data->phone, data->text->text);
      if (g_error_matches (error, WABIZ_ERROR, WABIZ_ERROR_WINDOW_CLOSED))
        wabiz_composer_set_window_open (self->composer, FALSE);
      _wabiz_chat_view_toast (self, text);
    }

  if (data->text != NULL)
    write_next (self);
  queue_data_free (data);
}

static void
queue_outgoing (WabizChatView *self,
                WabizOutgoing *outgoing,
                ChatText      *text)
{
  WabizOutbox *outbox = get_outbox (self);
  QueueData *data;

  g_assert (outbox != NULL);

  data = g_new0 (QueueData, 1);
  data->self = g_object_ref (self);
  data->drafts = self->drafts != NULL ? g_object_ref (self->drafts) : NULL;
  data->text = text;
  data->phone = g_strdup (wabiz_outgoing_get_to (outgoing));
  /* not the conversation's cancellable: switching chats must not drop a send */
  wabiz_outbox_queue_async (outbox, outgoing, NULL, queued_cb, data);
}

/* The next text written in a row, once the one before is in the outbox */
static void
write_next (WabizChatView *self)
{
  g_autoptr(WabizOutgoing) outgoing = NULL;
  ChatText *text;

  if (self->writing_one || (text = g_queue_pop_head (self->writing)) == NULL)
    return;

  if (get_outbox (self) == NULL)
    {
      give_back_texts (self, text);
      chat_text_free (text);
      show_unsent (self, TRUE);
      return;
    }

  outgoing = wabiz_outgoing_new_text (text->phone, text->text);
  if (text->reply_to != NULL)
    wabiz_outgoing_set_reply_to (outgoing, text->reply_to);
  self->writing_one = TRUE;
  queue_outgoing (self, outgoing, text);
}

void
_wabiz_chat_view_queue_text (WabizChatView *self,
                             const char    *phone,
                             const char    *text,
                             const char    *reply_to)
{
  ChatText *t = g_new0 (ChatText, 1);

  t->phone = g_strdup (phone);
  t->text = g_strdup (text);
  t->reply_to = g_strdup (reply_to);
  g_queue_push_tail (self->writing, t);
  write_next (self);
}

/* Not a text: queued now, not in turn with the texts */
void
_wabiz_chat_view_queue_outgoing (WabizChatView *self,
                                 WabizOutgoing *outgoing)
{
  if (get_outbox (self) == NULL)
    {
      show_unsent (self, TRUE);
      return;
    }
  queue_outgoing (self, outgoing, NULL);
}

static void
composer_send_cb (WabizChatView *self)
{
  g_autofree char *text = wabiz_composer_dup_text (self->composer);
  WabizMessage *reply = wabiz_composer_get_reply_to (self->composer);

  if (self->conversation == NULL)
    return;

  g_strchomp (text);
  if (*text == '\0')
    return;

  /* the database is away: the text stays where it is */
  if (get_outbox (self) == NULL)
    {
      show_unsent (self, TRUE);
      return;
    }

  /* clear at once; the bubble appears as queued when the row is written.
   * The draft goes with the text, now rather than after a pause, so that
   * the list says what was sent and not "Draft: …" */
  wabiz_composer_set_text (self->composer, "");
  wabiz_composer_set_reply_to (self->composer, NULL);
  wabiz_conversation_set_draft (self->conversation, NULL);
  if (self->drafts != NULL)
    wabiz_drafts_flush_async (self->drafts, NULL, NULL, NULL);
  self->stick_to_bottom = TRUE;
  _wabiz_chat_view_queue_text (self, _wabiz_chat_view_get_phone (self), text,
                               reply != NULL ? wabiz_message_get_wamid (reply) : NULL);
}

static void
composer_send_template_cb (WabizChatView *self)
{
  g_signal_emit (self, signals[SEND_TEMPLATE], 0);
}

/* attachments: each file is queued through the outbox, which keeps a
 * copy and uploads it when it can; queued one after the other, in the
 * order of the sheet */

typedef struct
{
  WabizChatView *self;          /* (owned) */
  char          *phone;         /* (owned) */
  GPtrArray     *attachments;   /* (owned) (element-type WabizAttachment) accepted ones */
  guint          index;
} SendFiles;

static void send_next_file (SendFiles *job);

static void
send_files_free (SendFiles *job)
{
  g_clear_object (&job->self);
  g_free (job->phone);
  g_ptr_array_unref (job->attachments);
  g_free (job);
}

static void
file_failed (SendFiles    *job,
             const GError *error)
{
  WabizAttachment *a = g_ptr_array_index (job->attachments, job->index);
  g_autofree char *name = g_file_get_basename (a->file);
  /* Translators: a file name and why it was not sent */
  g_autofree char *text = g_strdup_printf (_("“%s” was not sent: %s"), name, error->message);

  _wabiz_chat_view_toast (job->self, text);
}

static void
queue_file_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SendFiles *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  uuid = wabiz_outbox_queue_finish (WABIZ_OUTBOX (object), result, &error);
  if (uuid == NULL && g_error_matches (error, WABIZ_DB_ERROR, WABIZ_DB_ERROR_UNAVAILABLE))
    {
      /* the files are still where they were: attach them again later */
      show_unsent (job->self, TRUE);
      file_failed (job, error);
      send_files_free (job);
      return;
    }
  /* a bubble comes through the messages' listener */
  if (uuid == NULL)
    file_failed (job, error);

  job->index++;
  send_next_file (job);
}

static void
send_next_file (SendFiles *job)
{
  g_autoptr(WabizOutgoing) outgoing = NULL;
  WabizOutbox *outbox = get_outbox (job->self);
  WabizAttachment *a;

  if (job->index >= job->attachments->len || outbox == NULL)
    {
      send_files_free (job);
      return;
    }

  a = g_ptr_array_index (job->attachments, job->index);
  outgoing = wabiz_outgoing_new_media_file (job->phone, a->kind, a->file, a->caption);
  /* not the conversation's cancellable: switching chats must not drop a send */
  wabiz_outbox_queue_async (outbox, outgoing, NULL, queue_file_cb, job);
}

static void
sheet_send_cb (WabizChatView        *self,
               WabizAttachmentSheet *sheet)
{
  GPtrArray *all = wabiz_attachment_sheet_get_attachments (sheet);
  SendFiles *job;

  if (self->conversation == NULL)
    return;
  if (get_outbox (self) == NULL)
    {
      show_unsent (self, TRUE);
      return;
    }

  job = g_new0 (SendFiles, 1);
  job->self = g_object_ref (self);
  job->phone = g_strdup (_wabiz_chat_view_get_phone (self));
  job->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_attachment_free);
  for (guint i = 0; i < all->len; i++)
    {
      WabizAttachment *a = g_ptr_array_index (all, i);
      WabizAttachment *copy;

      if (a->error != NULL)
        continue;
      copy = g_new0 (WabizAttachment, 1);
      copy->file = g_object_ref (a->file);
      copy->kind = g_strdup (a->kind);
      copy->mime = g_strdup (a->mime);
      copy->caption = g_strdup (a->caption);
      copy->size = a->size;
      g_ptr_array_add (job->attachments, copy);
    }

  self->stick_to_bottom = TRUE;
  send_next_file (job);
}

static void
sheet_destroyed_cb (WabizChatView *self,
                    GtkWidget     *sheet)
{
  if ((GtkWidget *) self->sheet == sheet)
    self->sheet = NULL;
}

void
wabiz_chat_view_attach_files (WabizChatView *self,
                              GPtrArray     *files)
{
  GtkRoot *root;

  g_return_if_fail (WABIZ_IS_CHAT_VIEW (self));
  g_return_if_fail (files != NULL);

  if (files->len == 0 || self->conversation == NULL)
    return;
  if (!wabiz_composer_get_window_open (self->composer))
    {
      _wabiz_chat_view_toast (self, _("Files can only be sent within 24 hours of the customer’s last message"));
      return;
    }

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (self->sheet != NULL)
    gtk_window_destroy (GTK_WINDOW (self->sheet));
  self->sheet = wabiz_attachment_sheet_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, files);
  g_signal_connect_object (self->sheet, "send", G_CALLBACK (sheet_send_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sheet, "destroy", G_CALLBACK (sheet_destroyed_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->sheet));
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         WabizChatView *self)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  GdkFileList *list;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  list = g_value_get_boxed (value);
  for (GSList *l = list != NULL ? gdk_file_list_get_files (list) : NULL; l != NULL; l = l->next)
    g_ptr_array_add (files, g_object_ref (l->data));
  if (files->len == 0)
    return FALSE;

  wabiz_chat_view_attach_files (self, files);
  return TRUE;
}

static void
chooser_response_cb (WabizChatView        *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) chosen = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < g_list_model_get_n_items (chosen); i++)
        g_ptr_array_add (files, g_list_model_get_item (chosen, i));
      wabiz_chat_view_attach_files (self, files);
    }
  g_clear_object (&self->chooser);
}

static void
composer_attach_cb (WabizChatView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Attach Files"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Attach"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* GObject */

static void
wabiz_chat_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_LEAD_STATUS:
      /* never NULL: the chat.lead-status action holds it as a string */
      g_value_set_string (value, self->conversation != NULL &&
                                 wabiz_conversation_get_lead_status (self->conversation) != NULL
                                 ? wabiz_conversation_get_lead_status (self->conversation) : "");
      break;
    case PROP_SERVICES:
      g_value_set_object (value, self->services);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_chat_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_LEAD_STATUS:
      set_lead_status (self, g_value_get_string (value));
      break;
    case PROP_SERVICES:
      if (g_set_object (&self->services, g_value_get_object (value)))
        {
          /* suggestions, scheduled messages and the banners' flags */
          wabiz_composer_set_services (self->composer, self->services);
          wabiz_chat_banners_set_services (self->banners, self->services);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_chat_view_dispose (GObject *object)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (object);

  /* what was being typed is saved, and the texts still waiting their
   * turn go into their drafts, before it */
  if (self->conversation != NULL)
    composer_text_changed_cb (self);
  self->disposed = TRUE;
  if (!g_queue_is_empty (self->writing))
    {
      ChatText *first = g_queue_pop_head (self->writing);

      give_back_texts (self, first);
      chat_text_free (first);
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->window_timer, g_source_remove);
  g_clear_handle_id (&self->mark_read_idle, g_source_remove);
  if (self->scroll_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick);
  self->scroll_tick = 0;
  if (self->sheet != NULL)
    gtk_window_destroy (GTK_WINDOW (self->sheet));
  g_clear_object (&self->chooser);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_CHAT_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->messages);
  g_clear_object (&self->conversation);
  g_clear_object (&self->conversations);
  g_clear_object (&self->drafts);
  g_clear_object (&self->services);

  G_OBJECT_CLASS (wabiz_chat_view_parent_class)->dispose (object);
}

static void
wabiz_chat_view_finalize (GObject *object)
{
  WabizChatView *self = WABIZ_CHAT_VIEW (object);

  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_queue_free_full (self->writing, (GDestroyNotify) chat_text_free);

  G_OBJECT_CLASS (wabiz_chat_view_parent_class)->finalize (object);
}

static void
wabiz_chat_view_class_init (WabizChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_chat_view_get_property;
  object_class->set_property = wabiz_chat_view_set_property;
  object_class->dispose = wabiz_chat_view_dispose;
  object_class->finalize = wabiz_chat_view_finalize;

  /* NEW, CONTACTED, INTERESTED, CONVERTED or LOST: setting it saves it */
  properties[PROP_LEAD_STATUS] =
    g_param_spec_string ("lead-status", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * WabizChatView:services:
   *
   * What sends (the outbox) and reads receipts go through (Meta); bound
   * to the pane's.
   */
  properties[PROP_SERVICES] =
    g_param_spec_object ("services", NULL, NULL, WABIZ_TYPE_SERVICES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizChatView::send-template:
   *
   * The 24-hour window is closed and the user wants to send a template.
   */
  signals[SEND_TEMPLATE] = g_signal_new ("send-template", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[BACK] = g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (WABIZ_TYPE_COMPOSER);
  g_type_ensure (WABIZ_TYPE_CHAT_BANNERS);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, box);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, back_button);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, avatar);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, title_label);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, mark_read_button);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, menu_button);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, list_view);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, unsent_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, unsent_label);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, composer);
  gtk_widget_class_bind_template_child (widget_class, WabizChatView, banners);
  gtk_widget_class_bind_template_callback (widget_class, composer_send_cb);
  gtk_widget_class_bind_template_callback (widget_class, composer_attach_cb);
  gtk_widget_class_bind_template_callback (widget_class, composer_send_template_cb);
  gtk_widget_class_bind_template_callback (widget_class, composer_text_changed_cb);

  _wabiz_chat_view_class_install_actions (widget_class);
  gtk_widget_class_install_action (widget_class, "chat.mark-handled", NULL, mark_handled_action);
  gtk_widget_class_install_action (widget_class, "chat.opt-in", NULL, opt_in_action);
  gtk_widget_class_install_action (widget_class, "chat.opt-out", NULL, opt_out_action);
}

static void
wabiz_chat_view_init (WabizChatView *self)
{
  g_autoptr(GtkStringList) statuses = NULL;
  GtkListItemFactory *factory;
  GtkAdjustment *adj;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_hash_table_new (NULL, NULL);
  self->writing = g_queue_new ();
  self->cancellable = g_cancellable_new ();
  self->stick_to_bottom = TRUE;

  statuses = gtk_string_list_new (NULL);
  for (guint i = 0; lead_statuses[i] != NULL; i++)
    gtk_string_list_append (statuses, wabiz_lead_status_to_text (lead_statuses[i]));
  gtk_drop_down_set_model (self->status_dropdown, G_LIST_MODEL (statuses));
  g_signal_connect_object (self->status_dropdown, "notify::selected", G_CALLBACK (status_selected_cb),
                           self, G_CONNECT_SWAPPED);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (adjustment_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::upper", G_CALLBACK (upper_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "changed", G_CALLBACK (adjustment_configured_cb), self, G_CONNECT_SWAPPED);

  /* files dragged from the file manager: several at once */
  self->drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (self->drop_target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drop_target));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.mark-read", FALSE);
  _wabiz_chat_view_update_mute (self);
  g_signal_connect_object (self->banners, "notify::needs-human", G_CALLBACK (banners_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->banners, "notify::opted-out", G_CALLBACK (banners_changed_cb), self,
                           G_CONNECT_SWAPPED);
  banners_changed_cb (self);
}

GtkWidget *
wabiz_chat_view_new (void)
{
  return g_object_new (WABIZ_TYPE_CHAT_VIEW, NULL);
}

/**
 * wabiz_chat_view_set_model:
 * @conversations: (nullable): the list the open conversation is from
 *   (its database is the view's)
 * @drafts: (nullable): where the composer's words are kept
 *
 * A conversation of another database closes.
 */
void
wabiz_chat_view_set_model (WabizChatView           *self,
                           WabizConversationsModel *conversations,
                           WabizDrafts             *drafts)
{
  WabizDb *db;

  g_return_if_fail (WABIZ_IS_CHAT_VIEW (self));
  g_return_if_fail (!conversations || WABIZ_IS_CONVERSATIONS_MODEL (conversations));
  g_return_if_fail (!drafts || WABIZ_IS_DRAFTS (drafts));

  db = conversations != NULL ? wabiz_conversations_model_get_db (conversations) : NULL;
  if (self->conversations != NULL && wabiz_conversations_model_get_db (self->conversations) != db)
    wabiz_chat_view_set_conversation (self, NULL);
  g_set_object (&self->conversations, conversations);
  g_set_object (&self->drafts, drafts);
  wabiz_composer_set_database (self->composer, db);
}

WabizConversation *
wabiz_chat_view_get_conversation (WabizChatView *self)
{
  g_return_val_if_fail (WABIZ_IS_CHAT_VIEW (self), NULL);
  return self->conversation;
}

void
wabiz_chat_view_set_conversation (WabizChatView     *self,
                                  WabizConversation *conversation)
{
  g_return_if_fail (WABIZ_IS_CHAT_VIEW (self));
  g_return_if_fail (!conversation || WABIZ_IS_CONVERSATION (conversation));

  if (self->conversation == conversation)
    return;

  /* leave the old one: its draft saved (and shown in the list), its loads stopped */
  if (self->conversation != NULL)
    {
      g_autofree char *typed = wabiz_composer_dup_text (self->composer);

      composer_text_changed_cb (self);
      wabiz_conversation_set_draft (self->conversation, typed);
      g_signal_handlers_disconnect_by_data (self->conversation, self);
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_handle_id (&self->window_timer, g_source_remove);

  self->restoring_draft = TRUE;
  wabiz_composer_set_text (self->composer, "");
  wabiz_composer_set_reply_to (self->composer, NULL);
  self->restoring_draft = FALSE;
  show_unsent (self, FALSE);

  gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  g_clear_object (&self->messages);
  g_set_object (&self->conversation, conversation);
  wabiz_composer_set_conversation (self->composer, conversation);
  wabiz_chat_banners_set_conversation (self->banners, conversation);
  banners_changed_cb (self);

  if (conversation == NULL || self->conversations == NULL)
    return;

  g_signal_connect_object (conversation, "notify", G_CALLBACK (update_header), self, G_CONNECT_SWAPPED);
  update_header (self);
  self->window_timer = g_timeout_add_seconds (60, window_timer_cb, self);

  self->messages = wabiz_messages_model_new (wabiz_conversations_model_get_db (self->conversations),
                                             wabiz_conversation_get_phone (conversation));
  /* new messages and their statuses come through the listener */
  if (self->services != NULL)
    wabiz_paged_model_set_listener (WABIZ_PAGED_MODEL (self->messages),
                                    wabiz_services_get_listener (self->services));
  g_signal_connect_object (self->messages, "items-changed", G_CALLBACK (messages_changed_cb), self,
                           G_CONNECT_SWAPPED);
  self->selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->messages)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  self->stick_to_bottom = TRUE;
  self->scrolled_once = FALSE;
  load_older (self);

  if (self->drafts != NULL)
    wabiz_drafts_load_async (self->drafts, wabiz_conversation_get_phone (conversation), self->cancellable,
                             draft_loaded_cb, g_object_ref (self));

  if (wabiz_conversation_get_unread_count (conversation) > 0)
    _wabiz_chat_view_mark_read (self);
  _wabiz_chat_view_update_mute (self);

  wabiz_composer_focus (self->composer);
}

WabizMessagesModel *
wabiz_chat_view_get_messages (WabizChatView *self)
{
  g_return_val_if_fail (WABIZ_IS_CHAT_VIEW (self), NULL);
  return self->messages;
}

WabizComposer *
wabiz_chat_view_get_composer (WabizChatView *self)
{
  g_return_val_if_fail (WABIZ_IS_CHAT_VIEW (self), NULL);
  return self->composer;
}

GtkDropTarget *
wabiz_chat_view_get_drop_target (WabizChatView *self)
{
  g_return_val_if_fail (WABIZ_IS_CHAT_VIEW (self), NULL);
  return self->drop_target;
}

WabizAttachmentSheet *
wabiz_chat_view_get_attachment_sheet (WabizChatView *self)
{
  g_return_val_if_fail (WABIZ_IS_CHAT_VIEW (self), NULL);
  return self->sheet;
}

void
wabiz_chat_view_set_show_back (WabizChatView *self,
                               gboolean       show_back)
{
  g_return_if_fail (WABIZ_IS_CHAT_VIEW (self));
  gtk_widget_set_visible (self->back_button, show_back);
  /* narrow: the status is in the menu, the name gets the room */
  gtk_widget_set_visible (GTK_WIDGET (self->status_dropdown), !show_back);
}
