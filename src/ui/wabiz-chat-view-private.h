/* wabiz-chat-view-private.h: what wabiz-chat-view.c and its actions share
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-chat-banners.h"
#include "wabiz-chat-view.h"

G_BEGIN_DECLS

struct _WabizChatView
{
  GtkWidget                parent_instance;

  WabizConversationsModel *conversations;  /* (owned) (nullable) */
  WabizDrafts             *drafts;         /* (owned) (nullable) */
  WabizServices           *services;       /* (owned) (nullable) */
  WabizConversation       *conversation;   /* (owned) (nullable) */
  WabizMessagesModel      *messages;       /* (owned) (nullable) */
  GtkNoSelection          *selection;      /* (owned) (nullable) */
  GCancellable            *cancellable;    /* (owned) per conversation */
  GHashTable              *rows;           /* (owned) bound WabizMessageRow → GtkListItem */
  GQueue                  *writing;        /* (owned) (element-type ChatText) sent in a row,
                                            * waiting for the one before to be in the outbox */
  gboolean                 writing_one;
  GtkDropTarget           *drop_target;    /* (unowned) controller of self */
  WabizAttachmentSheet    *sheet;          /* (unowned) (nullable) */
  GtkFileChooserNative    *chooser;        /* (owned) (nullable) */
  guint                    window_timer;
  guint                    scroll_tick;
  guint                    scroll_frames;
  guint                    fill_tick;
  gboolean                 unlaid;       /* rows changed since the list was last allocated */
  guint                    fill_frames;
  gboolean                 scrolled_once;
  gboolean                 stick_to_bottom;
  gboolean                 restoring_draft;
  gboolean                 updating_status;
  guint                    mark_read_idle;
  gboolean                 disposed;

  /* template children */
  GtkWidget               *box;
  GtkWidget               *back_button;
  AdwAvatar               *avatar;
  GtkLabel                *title_label;
  GtkLabel                *subtitle_label;
  GtkDropDown             *status_dropdown;
  GtkWidget               *mark_read_button;
  GtkWidget               *menu_button;
  GtkScrolledWindow       *scroller;
  GtkListView             *list_view;
  GtkWidget               *loading_spinner;
  GtkRevealer             *unsent_revealer;
  GtkLabel                *unsent_label;
  WabizComposer           *composer;
  WabizChatBanners        *banners;
};

void        _wabiz_chat_view_toast                  (WabizChatView  *self,
                                                     const char     *text);
const char *_wabiz_chat_view_get_phone              (WabizChatView  *self);
WabizGraphClient *_wabiz_chat_view_get_graph        (WabizChatView  *self);
void        _wabiz_chat_view_mark_read              (WabizChatView  *self);
void        _wabiz_chat_view_queue_text             (WabizChatView  *self,
                                                     const char     *phone,
                                                     const char     *text,
                                                     const char     *reply_to);
void        _wabiz_chat_view_queue_outgoing         (WabizChatView  *self,
                                                     WabizOutgoing  *outgoing);
/* Reads whether the open conversation is muted, for chat.mute and chat.unmute */
void        _wabiz_chat_view_update_mute            (WabizChatView  *self);
void        _wabiz_chat_view_class_install_actions  (GtkWidgetClass *widget_class);

G_END_DECLS
