/* wabiz-file-chooser.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What is done with the file chosen: `void (*) (Owner *owner, GFile *file)` */
typedef void (*WabizFileChosenFunc) (gpointer  owner,
                                     GFile    *file);

void wabiz_file_chooser_run (GtkFileChooserNative *chooser,
                             gpointer              owner,
                             WabizFileChosenFunc   chosen);

G_END_DECLS
