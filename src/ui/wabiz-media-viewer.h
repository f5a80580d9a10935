/* wabiz-media-viewer.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define WABIZ_TYPE_MEDIA_VIEWER (wabiz_media_viewer_get_type ())
G_DECLARE_FINAL_TYPE (WabizMediaViewer, wabiz_media_viewer, WABIZ, MEDIA_VIEWER, AdwWindow)

/* A window showing the picture at @path full size; @title: its name */
WabizMediaViewer *wabiz_media_viewer_new         (GtkWindow        *parent,
                                                  const char       *path,
                                                  const char       *title);
const char       *wabiz_media_viewer_get_path    (WabizMediaViewer *self);
/* (nullable): the picture once decoded */
GdkTexture       *wabiz_media_viewer_get_texture (WabizMediaViewer *self);

G_END_DECLS
