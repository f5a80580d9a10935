/* wabiz-file-chooser.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A native file chooser shown for a pane or a window, which gets the file
 * the user chose.
 */

#define G_LOG_DOMAIN "wabiz-file-chooser"

#include "config.h"

#include "wabiz-file-chooser.h"

typedef struct
{
  GWeakRef            owner;
  WabizFileChosenFunc chosen;
} Run;

static void
response_cb (GtkNativeDialog *chooser,
             int              response,
             Run             *run)
{
  g_autoptr(GObject) owner = g_weak_ref_get (&run->owner);

  /* nothing is done for an owner that went meanwhile */
  if (response == GTK_RESPONSE_ACCEPT && owner != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        run->chosen (owner, file);
    }
  g_weak_ref_clear (&run->owner);
  g_free (run);
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

/**
 * wabiz_file_chooser_run:
 * @chooser: (transfer full): a new file chooser, ready to show
 * @owner: a #GObject, the pane or window that asks
 * @chosen: called with @owner and the file, if the user chooses one while
 *   @owner is still there
 *
 * Shows @chooser, modal, and hands the file chosen to @chosen.
 */
void
wabiz_file_chooser_run (GtkFileChooserNative *chooser,
                        gpointer              owner,
                        WabizFileChosenFunc   chosen)
{
  Run *run;

  g_return_if_fail (GTK_IS_FILE_CHOOSER_NATIVE (chooser));
  g_return_if_fail (G_IS_OBJECT (owner));
  g_return_if_fail (chosen != NULL);

  run = g_new0 (Run, 1);
  g_weak_ref_init (&run->owner, owner);
  run->chosen = chosen;
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (response_cb), run);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
