/* wabiz-toast.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

gboolean wabiz_widget_add_toast (GtkWidget *widget,
                                 AdwToast  *toast);
gboolean wabiz_widget_toast     (GtkWidget  *widget,
                                 const char *title);

G_END_DECLS
