/* wabiz-media-viewer.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A customer's photo or sticker full size, in a window of its own that
 * Escape closes, with Save As… and Open With Another App. The picture is
 * decoded off the main loop.
 */

#define G_LOG_DOMAIN "wabiz-media-viewer"

#include "config.h"

#include "wabiz-media-util.h"
#include "wabiz-media-viewer.h"

#include <glib/gi18n.h>

/* larger pictures are shown scaled to this (GL textures' usual limit) */
#define MAX_SIZE 4096

struct _WabizMediaViewer
{
  AdwWindow       parent_instance;

  char           *path;         /* (owned) */
  char           *title;        /* (owned) */
  GdkTexture     *texture;      /* (owned) (nullable) */
  GCancellable   *cancellable;  /* (owned) */

  /* template children */
  AdwWindowTitle *window_title;
  GtkStack       *stack;
  GtkPicture     *picture;
  AdwStatusPage  *error_page;
};

G_DEFINE_FINAL_TYPE (WabizMediaViewer, wabiz_media_viewer, ADW_TYPE_WINDOW)

static void
texture_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(WabizMediaViewer) self = user_data;
  g_autoptr(GError) error = NULL;

  self->texture = wabiz_media_load_texture_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->texture == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->texture));
  gtk_stack_set_visible_child_name (self->stack, "picture");
}

static void
save_clicked_cb (WabizMediaViewer *self)
{
  wabiz_media_save_file_as (GTK_WIDGET (self), self->path, self->title);
}

static void
open_clicked_cb (WabizMediaViewer *self)
{
  g_autofree char *uri = g_filename_to_uri (self->path, NULL, NULL);

  if (uri != NULL)
    gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

static void
wabiz_media_viewer_dispose (GObject *object)
{
  WabizMediaViewer *self = WABIZ_MEDIA_VIEWER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->texture);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_MEDIA_VIEWER);

  G_OBJECT_CLASS (wabiz_media_viewer_parent_class)->dispose (object);
}

static void
wabiz_media_viewer_finalize (GObject *object)
{
  WabizMediaViewer *self = WABIZ_MEDIA_VIEWER (object);

  g_clear_object (&self->cancellable);
  g_free (self->path);
  g_free (self->title);

  G_OBJECT_CLASS (wabiz_media_viewer_parent_class)->finalize (object);
}

static void
wabiz_media_viewer_class_init (WabizMediaViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_media_viewer_dispose;
  object_class->finalize = wabiz_media_viewer_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/example/WaBiz/ui/wabiz-media-viewer.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizMediaViewer, window_title);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaViewer, stack);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaViewer, picture);
  gtk_widget_class_bind_template_child (widget_class, WabizMediaViewer, error_page);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_clicked_cb);
}

static void
wabiz_media_viewer_init (WabizMediaViewer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

WabizMediaViewer *
wabiz_media_viewer_new (GtkWindow  *parent,
                        const char *path,
                        const char *title)
{
  WabizMediaViewer *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (WABIZ_TYPE_MEDIA_VIEWER,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       "title", title,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->path = g_strdup (path);
  self->title = g_strdup (title);
  adw_window_title_set_title (self->window_title, title);
  wabiz_media_load_texture_async (path, MAX_SIZE, self->cancellable, texture_loaded_cb, g_object_ref (self));
  return self;
}

const char *
wabiz_media_viewer_get_path (WabizMediaViewer *self)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_VIEWER (self), NULL);
  return self->path;
}

GdkTexture *
wabiz_media_viewer_get_texture (WabizMediaViewer *self)
{
  g_return_val_if_fail (WABIZ_IS_MEDIA_VIEWER (self), NULL);
  return self->texture;
}
