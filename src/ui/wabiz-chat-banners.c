/* wabiz-chat-banners.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What the chat says about a conversation above its messages: that it
 * waits for a person (automatic replies stopped because the customer
 * asked for one or complained), with "Mark as Handled"; and that the
 * customer opted out, with "Opt Back In". Read from the database when
 * the conversation opens and whenever the listener hears of a change.
 */

#define G_LOG_DOMAIN "wabiz-chat-banners"

#include "config.h"

#include "wabiz-chat-banners.h"
#include "wabiz-chat-state.h"
#include "wabiz-follow-services.h"
#include "wabiz-time.h"
#include "wabiz-toast.h"

#include <glib/gi18n.h>

struct _WabizChatBanners
{
  GtkWidget          parent_instance;

  WabizServices     *services;      /* (owned) (nullable) */
  WabizDbListener   *listener;      /* (owned) (nullable) */
  WabizConversation *conversation;  /* (owned) (nullable) */
  GCancellable      *cancellable;   /* (owned) per conversation */
  WabizChatState    *state;         /* (owned) (nullable) as last read */
  guint              n_busy;
  gboolean           reload_again;

  /* template children */
  GtkWidget         *box;
  GtkRevealer       *human_revealer;
  GtkLabel          *human_title;
  GtkRevealer       *opt_out_revealer;
  GtkLabel          *opt_out_title;
  GtkWidget         *handled_button;
  GtkWidget         *opt_in_button;
};

G_DEFINE_FINAL_TYPE (WabizChatBanners, wabiz_chat_banners, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_NEEDS_HUMAN,
  PROP_OPTED_OUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
get_phone (WabizChatBanners *self)
{
  return self->conversation != NULL ? wabiz_conversation_get_phone (self->conversation) : NULL;
}

static WabizDb *
get_db (WabizChatBanners *self)
{
  if (self->services == NULL || wabiz_services_get_state (self->services) != WABIZ_SERVICES_STATE_READY)
    return NULL;
  return wabiz_services_get_db (self->services);
}

static void
show_state (WabizChatBanners *self)
{
  const char *name = self->conversation != NULL ? wabiz_conversation_get_title (self->conversation) : "";
  gboolean human = self->state != NULL && self->state->needs_human;
  gboolean out = self->state != NULL && self->state->opted_out_at != NULL;

  if (human)
    {
      const char *reason = self->state->needs_human_reason;
      g_autofree char *title = NULL;

      if (g_strcmp0 (reason, "asked_for_human") == 0)
        /* Translators: %s is the customer's name */
        title = g_strdup_printf (_("%s asked to talk to a person"), name);
      else if (g_strcmp0 (reason, "complaint") == 0)
        title = g_strdup_printf (_("Gemini read a complaint from %s: a person should answer"), name);
      else
        title = g_strdup_printf (_("%s needs an answer from a person"), name);
      gtk_label_set_label (self->human_title, title);
    }
  if (out)
    {
      g_autoptr(GDateTime) local = wabiz_date_time_to_local (self->state->opted_out_at);
      /* Translators: a date, see strftime(3) */
      g_autofree char *date = g_date_time_format (local, _("%e %B %Y"));
      /* Translators: the customer's name and the date they opted out */
      g_autofree char *title = g_strdup_printf (_("%s asked for no more messages on %s"), name,
                                                g_strstrip (date));

      gtk_label_set_label (self->opt_out_title, title);
    }
  gtk_revealer_set_reveal_child (self->human_revealer, human);
  gtk_revealer_set_reveal_child (self->opt_out_revealer, out);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "banners.mark-handled", human);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "banners.opt-in", out);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEEDS_HUMAN]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPTED_OUT]);
}

static void reload (WabizChatBanners *self);

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WabizChatBanners) self = user_data;
  g_autoptr(WabizChatState) state = NULL;
  g_autoptr(GError) error = NULL;

  state = wabiz_chat_state_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->n_busy--;
  if (state == NULL)
    g_debug ("Cannot read the conversation's flags: %s", error->message);
  else
    {
      wabiz_chat_state_free (self->state);
      self->state = g_steal_pointer (&state);
      show_state (self);
    }
  if (self->reload_again)
    {
      self->reload_again = FALSE;
      reload (self);
    }
}

static void
reload (WabizChatBanners *self)
{
  WabizDb *db = get_db (self);

  if (db == NULL || get_phone (self) == NULL)
    return;
  if (self->n_busy > 0)
    {
      self->reload_again = TRUE;
      return;
    }
  self->n_busy++;
  wabiz_chat_state_load_async (db, get_phone (self), self->cancellable, loaded_cb, g_object_ref (self));
}

static void
changed_cb (WabizDbListener  *listener,
            const char       *phone,
            const char       *id,
            WabizChatBanners *self)
{
  if (phone == NULL || g_strcmp0 (phone, get_phone (self)) == 0)
    reload (self);
}

static void
reconnected_cb (WabizChatBanners *self)
{
  reload (self);
}

static void
services_state_cb (WabizChatBanners *self)
{
  WabizDbListener *listener = self->services != NULL ? wabiz_services_get_listener (self->services) : NULL;

  /* the listener comes once the services have started */
  if (listener != self->listener)
    {
      if (self->listener != NULL)
        g_signal_handlers_disconnect_by_data (self->listener, self);
      g_set_object (&self->listener, listener);
      if (listener != NULL)
        {
          g_signal_connect_object (listener, "changed::conversations", G_CALLBACK (changed_cb), self, 0);
          g_signal_connect_object (listener, "changed::leads", G_CALLBACK (changed_cb), self, 0);
          g_signal_connect_object (listener, "reconnected", G_CALLBACK (reconnected_cb), self, G_CONNECT_SWAPPED);
        }
    }
  reload (self);
}

/* writes */

static void
handled_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WabizChatBanners) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wabiz_ai_jobs_clear_needs_human_finish (WABIZ_AI_JOBS (object), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("Not marked as handled: %s. Try again once the database is back."), error->message);
      wabiz_widget_toast (GTK_WIDGET (self), text);
    }
  else
    wabiz_widget_toast (GTK_WIDGET (self), _("Marked as handled: automatic replies are on again for this customer"));
  reload (self);
}

void
wabiz_chat_banners_mark_handled (WabizChatBanners *self)
{
  WabizAiJobs *ai;

  g_return_if_fail (WABIZ_IS_CHAT_BANNERS (self));

  if (get_db (self) == NULL || get_phone (self) == NULL)
    return;
  ai = wabiz_services_get_ai_jobs (self->services);
  if (ai == NULL)
    return;
  wabiz_ai_jobs_clear_needs_human_async (ai, get_phone (self), self->cancellable, handled_cb, g_object_ref (self));
}

static void
opt_set_done (WabizChatBanners *self,
              GAsyncResult     *result,
              gboolean          out)
{
  g_autoptr(GError) error = NULL;

  if (!wabiz_opt_out_set_finish (result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("Not changed: %s"), error->message);
      wabiz_widget_toast (GTK_WIDGET (self), text);
    }
  else
    wabiz_widget_toast (GTK_WIDGET (self), out ? _("Opted out: campaigns and automatic replies leave this customer out")
                                               : _("Opted back in: this customer gets messages again"));
  reload (self);
}

static void
opted_out_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WabizChatBanners) self = user_data;

  opt_set_done (self, result, TRUE);
}

static void
opted_in_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WabizChatBanners) self = user_data;

  opt_set_done (self, result, FALSE);
}

void
wabiz_chat_banners_set_opted_out (WabizChatBanners *self,
                                  gboolean          opted_out)
{
  WabizDb *db;

  g_return_if_fail (WABIZ_IS_CHAT_BANNERS (self));

  db = get_db (self);
  if (db == NULL || get_phone (self) == NULL)
    return;
  wabiz_opt_out_set_async (db, get_phone (self), opted_out, self->cancellable,
                           opted_out ? opted_out_cb : opted_in_cb, g_object_ref (self));
}

static void
mark_handled_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  wabiz_chat_banners_mark_handled (WABIZ_CHAT_BANNERS (widget));
}

static void
opt_in_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  wabiz_chat_banners_set_opted_out (WABIZ_CHAT_BANNERS (widget), FALSE);
}

/* GObject */

static void
wabiz_chat_banners_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  WabizChatBanners *self = WABIZ_CHAT_BANNERS (object);

  switch (prop_id)
    {
    case PROP_NEEDS_HUMAN:
      g_value_set_boolean (value, wabiz_chat_banners_get_needs_human (self));
      break;
    case PROP_OPTED_OUT:
      g_value_set_boolean (value, wabiz_chat_banners_get_opted_out (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_chat_banners_dispose (GObject *object)
{
  WabizChatBanners *self = WABIZ_CHAT_BANNERS (object);

  g_cancellable_cancel (self->cancellable);
  if (self->listener != NULL)
    g_signal_handlers_disconnect_by_data (self->listener, self);
  g_clear_object (&self->listener);
  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);
  g_clear_object (&self->services);
  g_clear_object (&self->conversation);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_CHAT_BANNERS);

  G_OBJECT_CLASS (wabiz_chat_banners_parent_class)->dispose (object);
}

static void
wabiz_chat_banners_finalize (GObject *object)
{
  WabizChatBanners *self = WABIZ_CHAT_BANNERS (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->state, wabiz_chat_state_free);

  G_OBJECT_CLASS (wabiz_chat_banners_parent_class)->finalize (object);
}

static void
wabiz_chat_banners_class_init (WabizChatBannersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_chat_banners_get_property;
  object_class->dispose = wabiz_chat_banners_dispose;
  object_class->finalize = wabiz_chat_banners_finalize;

  properties[PROP_NEEDS_HUMAN] =
    g_param_spec_boolean ("needs-human", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OPTED_OUT] =
    g_param_spec_boolean ("opted-out", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-chat-banners.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizChatBanners, box);
  gtk_widget_class_bind_template_child (widget_class, WabizChatBanners, human_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizChatBanners, human_title);
  gtk_widget_class_bind_template_child (widget_class, WabizChatBanners, opt_out_revealer);
  gtk_widget_class_bind_template_child (widget_class, WabizChatBanners, opt_out_title);
  gtk_widget_class_bind_template_child (widget_class, WabizChatBanners, handled_button);
  gtk_widget_class_bind_template_child (widget_class, WabizChatBanners, opt_in_button);

  gtk_widget_class_install_action (widget_class, "banners.mark-handled", NULL, mark_handled_action);
  gtk_widget_class_install_action (widget_class, "banners.opt-in", NULL, opt_in_action);
}

static void
wabiz_chat_banners_init (WabizChatBanners *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "banners.mark-handled", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "banners.opt-in", FALSE);
}

GtkWidget *
wabiz_chat_banners_new (void)
{
  return g_object_new (WABIZ_TYPE_CHAT_BANNERS, NULL);
}

void
wabiz_chat_banners_set_services (WabizChatBanners *self,
                                 WabizServices    *services)
{
  g_return_if_fail (WABIZ_IS_CHAT_BANNERS (self));
  g_return_if_fail (!services || WABIZ_IS_SERVICES (services));

  wabiz_follow_services (self, &self->services, services, G_CALLBACK (services_state_cb));
}

void
wabiz_chat_banners_set_conversation (WabizChatBanners  *self,
                                     WabizConversation *conversation)
{
  g_return_if_fail (WABIZ_IS_CHAT_BANNERS (self));
  g_return_if_fail (!conversation || WABIZ_IS_CONVERSATION (conversation));

  if (self->conversation == conversation)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->n_busy = 0;
  self->reload_again = FALSE;
  g_clear_pointer (&self->state, wabiz_chat_state_free);
  g_set_object (&self->conversation, conversation);
  show_state (self);
  reload (self);
}

gboolean
wabiz_chat_banners_get_needs_human (WabizChatBanners *self)
{
  g_return_val_if_fail (WABIZ_IS_CHAT_BANNERS (self), FALSE);
  return self->state != NULL && self->state->needs_human;
}

gboolean
wabiz_chat_banners_get_opted_out (WabizChatBanners *self)
{
  g_return_val_if_fail (WABIZ_IS_CHAT_BANNERS (self), FALSE);
  return self->state != NULL && self->state->opted_out_at != NULL;
}

gboolean
wabiz_chat_banners_get_busy (WabizChatBanners *self)
{
  g_return_val_if_fail (WABIZ_IS_CHAT_BANNERS (self), FALSE);
  return self->n_busy > 0 || self->reload_again;
}
