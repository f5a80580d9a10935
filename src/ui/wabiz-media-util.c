/* wabiz-media-util.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What the bubbles do with a message's file: thumbnails decoded off the
 * main loop (the core makes none), the length of a recording in words,
 * and opening, saving and fetching again, each saying in a toast what
 * went wrong and what to do.
 */

#define G_LOG_DOMAIN "wabiz-media"

#include "config.h"

#include "wabiz-media-util-private.h"
#include "wabiz-media-viewer.h"
#include "wabiz-toast.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <string.h>

/* thumbnails kept for rows shown again (a few screens of a chat) */
#define TEXTURE_CACHE_SIZE 48

static GHashTable *texture_cache;  /* (owned) "size:path" → GdkTexture */
static GQueue      texture_order = G_QUEUE_INIT;  /* (owned) keys, oldest first */

static char *
texture_key (const char *path,
             int         max_size)
{
  return g_strdup_printf ("%d:%s", max_size, path);
}

GdkTexture *
wabiz_media_peek_texture (const char *path,
                          int         max_size)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (texture_cache == NULL)
    return NULL;
  key = texture_key (path, max_size);
  return g_hash_table_lookup (texture_cache, key);
}

static void
keep_texture (const char *path,
              int         max_size,
              GdkTexture *texture)
{
  char *key = texture_key (path, max_size);

  if (texture_cache == NULL)
    texture_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  if (g_hash_table_contains (texture_cache, key))
    {
      g_free (key);
      return;
    }
  g_hash_table_insert (texture_cache, key, g_object_ref (texture));
  g_queue_push_tail (&texture_order, key);
  while (g_queue_get_length (&texture_order) > TEXTURE_CACHE_SIZE)
    g_hash_table_remove (texture_cache, g_queue_pop_head (&texture_order));
}

typedef struct
{
  char *path;      /* (owned) */
  int   max_size;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  g_free (data);
}

static void
load_texture_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) turned = NULL;
  g_autoptr(GError) error = NULL;
  int width = 0, height = 0;

  if (gdk_pixbuf_get_file_info (data->path, &width, &height) == NULL || width <= 0 || height <= 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                               _("This file is not a picture WaBiz can show"));
      return;
    }

  /* scaled down only: a small picture stays as it is */
  if (width > data->max_size || height > data->max_size)
    pixbuf = gdk_pixbuf_new_from_file_at_scale (data->path, data->max_size, data->max_size, TRUE, &error);
  else
    pixbuf = gdk_pixbuf_new_from_file (data->path, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  turned = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  g_task_return_pointer (task, gdk_texture_new_for_pixbuf (turned != NULL ? turned : pixbuf),
                         g_object_unref);
}

static void
texture_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *data = g_task_get_task_data (G_TASK (result));
  GdkTexture *texture;
  GError *error = NULL;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  if (texture == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* thumbnails only: a full-size picture is for one window */
  if (data->max_size <= 1024)
    keep_texture (data->path, data->max_size, texture);
  g_task_return_pointer (task, texture, g_object_unref);
}

void
wabiz_media_load_texture_async (const char          *path,
                                int                  max_size,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;
  GdkTexture *kept;
  LoadData *data;

  g_return_if_fail (path != NULL);
  g_return_if_fail (max_size > 0);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_media_load_texture_async);

  kept = wabiz_media_peek_texture (path, max_size);
  if (kept != NULL)
    {
      g_task_return_pointer (task, g_object_ref (kept), g_object_unref);
      return;
    }

  data = g_new0 (LoadData, 1);
  data->path = g_strdup (path);
  data->max_size = max_size;
  /* the worker's result is kept even when the row stopped waiting */
  worker = g_task_new (NULL, NULL, texture_loaded_cb, g_steal_pointer (&task));
  g_task_set_task_data (worker, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (worker, load_texture_thread);
}

GdkTexture *
wabiz_media_load_texture_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wabiz_media_load_texture_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
wabiz_media_format_duration (gint64 usec)
{
  gint64 seconds = MAX (usec, 0) / G_USEC_PER_SEC;

  /* a recording shorter than a second still lasts "0:01" */
  if (usec > 0 && seconds == 0)
    seconds = 1;
  if (seconds >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (seconds / 3600), (int) (seconds / 60 % 60),
                            (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

/* ------------------------------------------------------------------ */
/* the file of a message */

typedef enum
{
  FILE_OPEN,
  FILE_SAVE,
} FileUse;

typedef struct
{
  GtkWidget    *widget;   /* (owned) */
  WabizMessage *message;  /* (owned) (nullable) */
  FileUse       use;
  char         *path;     /* (owned) (nullable) */
  char         *name;     /* (owned) (nullable) to save it under */
  GtkFileChooserNative *chooser; /* (owned) (nullable) */
} FileJob;

static GtkFileChooserNative *save_chooser;  /* (unowned) (nullable) the one shown */

static void
file_job_free (FileJob *job)
{
  if (job->chooser != NULL && save_chooser == job->chooser)
    save_chooser = NULL;
  g_clear_object (&job->chooser);
  g_object_unref (job->widget);
  g_clear_object (&job->message);
  g_free (job->path);
  g_free (job->name);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FileJob, file_job_free)

static GtkWindow *
parent_window (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static gboolean
is_picture (WabizMessage *message)
{
  WabizMessageKind kind = wabiz_message_get_kind (message);

  return kind == WABIZ_MESSAGE_KIND_IMAGE || kind == WABIZ_MESSAGE_KIND_STICKER;
}

/* A name to save the file under: the customer's file name, else the
 * kind and the extension of the cached copy */
static char *
suggest_name (WabizMessage *message,
              const char   *path)
{
  const char *filename = wabiz_message_get_media_filename (message);
  const char *dot = path != NULL ? strrchr (path, '.') : NULL;
  g_autofree char *base = NULL;

  if (filename != NULL && *filename != '\0' && strchr (filename, '/') == NULL)
    return g_strdup (filename);
  if (dot != NULL && strchr (dot, '/') != NULL)
    dot = NULL;

  switch (wabiz_message_get_kind (message))
    {
    /* Translators: a file name, without the extension */
    case WABIZ_MESSAGE_KIND_IMAGE: base = g_strdup (C_("file name", "photo")); break;
    case WABIZ_MESSAGE_KIND_STICKER: base = g_strdup (C_("file name", "sticker")); break;
    case WABIZ_MESSAGE_KIND_VIDEO: base = g_strdup (C_("file name", "video")); break;
    case WABIZ_MESSAGE_KIND_AUDIO: base = g_strdup (C_("file name", "audio")); break;
    default: base = g_strdup (C_("file name", "document")); break;
    }
  return g_strconcat (base, dot != NULL ? dot : "", NULL);
}

static void
copied_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(FileJob) job = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_copy_finish (G_FILE (object), result, &error))
    {
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_("Cannot save the file: %s"), error->message);

      wabiz_widget_toast (job->widget, text);
      return;
    }
  wabiz_widget_toast (job->widget, _("File saved"));
}

static void
save_response_cb (GtkNativeDialog *chooser,
                  int              response,
                  gpointer         user_data)
{
  g_autoptr(FileJob) job = user_data;
  g_autoptr(GFile) source = NULL;
  g_autoptr(GFile) target = NULL;

  g_signal_handlers_disconnect_by_data (chooser, job);
  gtk_native_dialog_hide (chooser);
  if (response == GTK_RESPONSE_ACCEPT)
    target = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  /* let the chooser go now, while its window is there: not after the
   * copy, which may end after the window has gone */
  if (save_chooser == job->chooser)
    save_chooser = NULL;
  g_clear_object (&job->chooser);
  if (target == NULL)
    return;
  source = g_file_new_for_path (job->path);
  g_file_copy_async (source, target, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT, NULL, NULL, NULL,
                     copied_cb, g_steal_pointer (&job));
}

static void
ask_where_to_save (FileJob *job)
{
  g_autofree char *name = job->name != NULL ? g_strdup (job->name) : suggest_name (job->message, job->path);

  job->chooser = gtk_file_chooser_native_new (_("Save File"), parent_window (job->widget),
                                              GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (job->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (job->chooser), name);
  save_chooser = job->chooser;
  g_signal_connect (job->chooser, "response", G_CALLBACK (save_response_cb), job);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (job->chooser));
}

static void
open_path (GtkWidget    *widget,
           WabizMessage *message,
           const char   *path)
{
  g_autofree char *uri = NULL;
  g_autofree char *title = NULL;

  if (is_picture (message))
    {
      title = suggest_name (message, path);
      gtk_window_present (GTK_WINDOW (wabiz_media_viewer_new (parent_window (widget), path, title)));
      return;
    }

  /* the default application: through the OpenURI portal in Flatpak */
  uri = g_filename_to_uri (path, NULL, NULL);
  if (uri != NULL)
    gtk_show_uri (parent_window (widget), uri, GDK_CURRENT_TIME);
}

static void
use_path (FileJob *job)
{
  if (job->use == FILE_OPEN)
    {
      open_path (job->widget, job->message, job->path);
      file_job_free (job);
    }
  else
    ask_where_to_save (job);
}

static void
store_opened_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(FileJob) job = user_data;
  g_autoptr(GError) error = NULL;

  job->path = wabiz_media_store_open_finish (WABIZ_MEDIA_STORE (object), result, &error);
  if (job->path == NULL)
    {
      /* the store's sentence says why and what to do */
      wabiz_widget_toast (job->widget, error->message);
      return;
    }
  use_path (g_steal_pointer (&job));
}

static void
use_file (GtkWidget       *widget,
          WabizMessage    *message,
          WabizMediaStore *store,
          FileUse          use)
{
  const char *local = wabiz_message_get_media_path (message);
  FileJob *job;

  job = g_new0 (FileJob, 1);
  job->widget = g_object_ref (widget);
  job->message = g_object_ref (message);
  job->use = use;

  /* a customer's file: from the database, through this desktop's cache */
  if (!wabiz_message_get_outbound (message) && wabiz_message_get_media_id (message) != NULL &&
      store != NULL)
    {
      wabiz_media_store_open_async (store, wabiz_message_get_media_id (message), NULL, store_opened_cb, job);
      return;
    }

  if (local != NULL && g_file_test (local, G_FILE_TEST_IS_REGULAR))
    {
      job->path = g_strdup (local);
      use_path (job);
      return;
    }

  if (wabiz_message_get_outbound (message))
    wabiz_widget_toast (widget, _("This file was sent from another computer and is not on this one"));
  else
    wabiz_widget_toast (widget, _("This file is not on this computer yet"));
  file_job_free (job);
}

void
wabiz_media_open (GtkWidget       *widget,
                  WabizMessage    *message,
                  WabizMediaStore *store)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (WABIZ_IS_MESSAGE (message));
  g_return_if_fail (!store || WABIZ_IS_MEDIA_STORE (store));

  use_file (widget, message, store, FILE_OPEN);
}

void
wabiz_media_save_as (GtkWidget       *widget,
                     WabizMessage    *message,
                     WabizMediaStore *store)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (WABIZ_IS_MESSAGE (message));
  g_return_if_fail (!store || WABIZ_IS_MEDIA_STORE (store));

  use_file (widget, message, store, FILE_SAVE);
}

static void
retried_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(WabizMediaInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = wabiz_media_fetcher_retry_finish (WABIZ_MEDIA_FETCHER (object), result, &error);
  if (info == NULL)
    {
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_("Cannot download the file: %s"), error->message);

      wabiz_widget_toast (widget, text);
    }
  /* else the bubble follows the file's state (changed::media) */
}

void
wabiz_media_retry (GtkWidget         *widget,
                   WabizMediaFetcher *fetcher,
                   const char        *media_id)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (WABIZ_IS_MEDIA_FETCHER (fetcher));
  g_return_if_fail (media_id != NULL);

  wabiz_media_fetcher_retry_async (fetcher, media_id, NULL, retried_cb, g_object_ref (widget));
}

void
wabiz_media_save_file_as (GtkWidget  *widget,
                          const char *path,
                          const char *name)
{
  FileJob *job;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (path != NULL);

  job = g_new0 (FileJob, 1);
  job->widget = g_object_ref (widget);
  job->use = FILE_SAVE;
  job->path = g_strdup (path);
  job->name = g_strdup (name);
  ask_where_to_save (job);
}

GtkFileChooserNative *
_wabiz_media_get_save_chooser (void)
{
  return save_chooser;
}
