/* wabiz-attachment-sheet.c
 *
 * SPDX-License-Identifier: MIT
 *
 * The sheet between dropping (or choosing) files and queueing them: each
 * file is checked against Meta's types and size limits first, off the
 * main thread; refused files say why, accepted ones get a caption where
 * WhatsApp shows one. Nothing is queued until the user presses Send.
 */

#define G_LOG_DOMAIN "wabiz-attachment-sheet"

#include "config.h"

#include "wabiz-attachment-sheet.h"
#include "wabiz-graph-client.h"

#include <glib/gi18n.h>

struct _WabizAttachmentSheet
{
  AdwWindow      parent_instance;

  GPtrArray     *attachments;   /* (owned) (element-type WabizAttachment) */
  GPtrArray     *entries;       /* (owned) (element-type AdwEntryRow) (unowned elements), NULL where no caption */
  GCancellable  *cancellable;   /* (owned) */
  gboolean       ready;

  /* template children */
  AdwWindowTitle *window_title;
  GtkWidget      *send_button;
  GtkStack       *stack;
  GtkBox         *files_box;
};

G_DEFINE_FINAL_TYPE (WabizAttachmentSheet, wabiz_attachment_sheet, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_READY,
  N_PROPS
};

enum {
  SEND,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
wabiz_attachment_free (WabizAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_clear_object (&attachment->file);
  g_free (attachment->kind);
  g_free (attachment->mime);
  g_free (attachment->caption);
  g_clear_error (&attachment->error);
  g_free (attachment);
}

static const char *
kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "image") == 0)
    return _("Photo");
  if (g_strcmp0 (kind, "video") == 0)
    return _("Video");
  if (g_strcmp0 (kind, "audio") == 0)
    return _("Audio");
  if (g_strcmp0 (kind, "sticker") == 0)
    return _("Sticker");
  return _("Document");
}

static const char *
kind_icon (const char *kind)
{
  if (g_strcmp0 (kind, "image") == 0 || g_strcmp0 (kind, "sticker") == 0)
    return "image-x-generic-symbolic";
  if (g_strcmp0 (kind, "video") == 0)
    return "video-x-generic-symbolic";
  if (g_strcmp0 (kind, "audio") == 0)
    return "audio-x-generic-symbolic";
  return "x-office-document-symbolic";
}

/* runs on a worker thread: reads the first bytes of each file */
static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GPtrArray *attachments = task_data;

  for (guint i = 0; i < attachments->len; i++)
    {
      WabizAttachment *a = g_ptr_array_index (attachments, i);
      g_autofree char *path = g_file_get_path (a->file);

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (path == NULL)
        {
          g_set_error_literal (&a->error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only files on this computer can be sent"));
          continue;
        }
      wabiz_graph_check_media_file (path, NULL, &a->kind, &a->mime, &a->size, &a->error);
    }

  g_task_return_boolean (task, TRUE);
}

static void
thumbnail_loaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GtkPicture) picture = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  bytes = g_file_load_bytes_finish (G_FILE (object), result, NULL, NULL);
  if (bytes != NULL)
    texture = gdk_texture_new_from_bytes (bytes, NULL);
  if (texture != NULL)
    gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
}

/* a small preview of a picture; the icon for anything else */
static GtkWidget *
make_preview (WabizAttachmentSheet *self,
              WabizAttachment      *a)
{
  GtkWidget *picture;

  if (a->error != NULL || g_strcmp0 (a->kind, "image") != 0)
    return NULL;

  picture = gtk_picture_new ();
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_size_request (picture, 48, 48);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (picture, 6);
  gtk_widget_set_margin_bottom (picture, 6);
  gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Preview"), -1);
  g_file_load_bytes_async (a->file, self->cancellable, thumbnail_loaded_cb, g_object_ref (picture));
  return picture;
}

static void
build_rows (WabizAttachmentSheet *self)
{
  guint accepted = wabiz_attachment_sheet_get_n_accepted (self);
  g_autofree char *title = NULL;

  for (guint i = 0; i < self->attachments->len; i++)
    {
      WabizAttachment *a = g_ptr_array_index (self->attachments, i);
      g_autofree char *name = g_file_get_basename (a->file);
      GtkWidget *group = adw_preferences_group_new ();
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon;
      GtkWidget *entry = NULL;

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (a->error != NULL)
        {
          /* Translators: why a file cannot be sent */
          g_autofree char *reason = g_strdup_printf (_("Cannot be sent: %s"), a->error->message);

          icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
          gtk_widget_add_css_class (icon, "error");
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), reason);
          gtk_widget_add_css_class (row, "error");
        }
      else
        {
          g_autofree char *size = g_format_size (a->size);
          /* Translators: kind of file and its size, "Photo · 1.2 MB" */
          g_autofree char *subtitle = g_strdup_printf (_("%s · %s"), kind_label (a->kind), size);

          icon = gtk_image_new_from_icon_name (kind_icon (a->kind));
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

          /* WhatsApp shows no caption under audio and stickers */
          if (g_strcmp0 (a->kind, "audio") != 0 && g_strcmp0 (a->kind, "sticker") != 0)
            {
              entry = adw_entry_row_new ();
              adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry), _("Caption"));
              gtk_editable_set_max_width_chars (GTK_EDITABLE (entry), 1024);
            }
        }
      gtk_image_set_pixel_size (GTK_IMAGE (icon), 32);
      {
        GtkWidget *preview = make_preview (self, a);

        adw_action_row_add_prefix (ADW_ACTION_ROW (row), preview != NULL ? preview : icon);
        /* the icon was not used: drop its floating reference */
        if (preview != NULL)
          {
            g_object_ref_sink (icon);
            g_object_unref (icon);
          }
      }
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      if (entry != NULL)
        adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), entry);
      /* (unowned): the rows live in files_box */
      g_ptr_array_add (self->entries, entry);
      gtk_box_append (self->files_box, group);
    }

  /* Translators: the sheet's title, for the files that can be sent */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Send %u File", "Send %u Files", accepted), accepted);
  adw_window_title_set_title (self->window_title, accepted > 0 ? title : _("No File Can Be Sent"));
  if (accepted < self->attachments->len)
    {
      g_autofree char *subtitle =
        /* Translators: how many of the dropped files Meta refuses */
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file refused", "%u files refused",
                                      self->attachments->len - accepted),
                         self->attachments->len - accepted);
      adw_window_title_set_subtitle (self->window_title, subtitle);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sheet.send", accepted > 0);
  gtk_stack_set_visible_child_name (self->stack, "files");

  /* the first caption is where the user types */
  for (guint i = 0; i < self->entries->len; i++)
    if (g_ptr_array_index (self->entries, i) != NULL)
      {
        gtk_widget_grab_focus (g_ptr_array_index (self->entries, i));
        break;
      }
}

static void
check_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  WabizAttachmentSheet *self = WABIZ_ATTACHMENT_SHEET (object);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  build_rows (self);
  self->ready = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WabizAttachmentSheet *self = WABIZ_ATTACHMENT_SHEET (widget);

  if (!self->ready)
    return;

  for (guint i = 0; i < self->attachments->len; i++)
    {
      WabizAttachment *a = g_ptr_array_index (self->attachments, i);
      GtkEditable *entry = g_ptr_array_index (self->entries, i);

      g_clear_pointer (&a->caption, g_free);
      if (entry != NULL && *gtk_editable_get_text (entry) != '\0')
        a->caption = g_strdup (gtk_editable_get_text (entry));
    }

  g_signal_emit (self, signals[SEND], 0);
  gtk_window_close (GTK_WINDOW (self));
}

static void
wabiz_attachment_sheet_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  WabizAttachmentSheet *self = WABIZ_ATTACHMENT_SHEET (object);

  switch (prop_id)
    {
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wabiz_attachment_sheet_dispose (GObject *object)
{
  WabizAttachmentSheet *self = WABIZ_ATTACHMENT_SHEET (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_ATTACHMENT_SHEET);

  G_OBJECT_CLASS (wabiz_attachment_sheet_parent_class)->dispose (object);
}

static void
wabiz_attachment_sheet_finalize (GObject *object)
{
  WabizAttachmentSheet *self = WABIZ_ATTACHMENT_SHEET (object);

  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (wabiz_attachment_sheet_parent_class)->finalize (object);
}

static void
wabiz_attachment_sheet_class_init (WabizAttachmentSheetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = wabiz_attachment_sheet_get_property;
  object_class->dispose = wabiz_attachment_sheet_dispose;
  object_class->finalize = wabiz_attachment_sheet_finalize;

  properties[PROP_READY] = g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                                                 G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WabizAttachmentSheet::send:
   *
   * The user confirmed: queue the accepted attachments with their captions.
   */
  signals[SEND] = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-attachment-sheet.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizAttachmentSheet, window_title);
  gtk_widget_class_bind_template_child (widget_class, WabizAttachmentSheet, send_button);
  gtk_widget_class_bind_template_child (widget_class, WabizAttachmentSheet, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizAttachmentSheet, files_box);
  gtk_widget_class_install_action (widget_class, "sheet.send", NULL, send_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
wabiz_attachment_sheet_init (WabizAttachmentSheet *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) wabiz_attachment_free);
  self->entries = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sheet.send", FALSE);
}

WabizAttachmentSheet *
wabiz_attachment_sheet_new (GtkWindow *parent,
                            GPtrArray *files)
{
  WabizAttachmentSheet *self;
  g_autoptr(GTask) task = NULL;
  GPtrArray *copy;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (files != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_ATTACHMENT_SHEET, "transient-for", parent, NULL);

  for (guint i = 0; i < files->len; i++)
    {
      WabizAttachment *a = g_new0 (WabizAttachment, 1);

      a->file = g_object_ref (g_ptr_array_index (files, i));
      g_ptr_array_add (self->attachments, a);
    }

  /* the thread fills the attachments; nothing else touches them until it returns */
  copy = g_ptr_array_ref (self->attachments);
  task = g_task_new (self, self->cancellable, check_cb, NULL);
  g_task_set_source_tag (task, wabiz_attachment_sheet_new);
  g_task_set_task_data (task, copy, (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, check_thread);

  return self;
}

gboolean
wabiz_attachment_sheet_get_ready (WabizAttachmentSheet *self)
{
  g_return_val_if_fail (WABIZ_IS_ATTACHMENT_SHEET (self), FALSE);
  return self->ready;
}

GPtrArray *
wabiz_attachment_sheet_get_attachments (WabizAttachmentSheet *self)
{
  g_return_val_if_fail (WABIZ_IS_ATTACHMENT_SHEET (self), NULL);
  return self->attachments;
}

guint
wabiz_attachment_sheet_get_n_accepted (WabizAttachmentSheet *self)
{
  guint n = 0;

  g_return_val_if_fail (WABIZ_IS_ATTACHMENT_SHEET (self), 0);

  for (guint i = 0; i < self->attachments->len; i++)
    if (((WabizAttachment *) g_ptr_array_index (self->attachments, i))->error == NULL)
      n++;
  return n;
}

void
wabiz_attachment_sheet_set_caption (WabizAttachmentSheet *self,
                                    guint                 index,
                                    const char           *caption)
{
  GtkEditable *entry;

  g_return_if_fail (WABIZ_IS_ATTACHMENT_SHEET (self));
  g_return_if_fail (self->ready);
  g_return_if_fail (index < self->entries->len);

  entry = g_ptr_array_index (self->entries, index);
  g_return_if_fail (entry != NULL);
  gtk_editable_set_text (entry, caption != NULL ? caption : "");
}
