/* wabiz-media-util-private.h: test hooks of wabiz-media-util.c
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "wabiz-media-util.h"

G_BEGIN_DECLS

/* (nullable) (transfer none): the "Save File" dialog shown, until it answers */
GtkFileChooserNative *_wabiz_media_get_save_chooser (void);

G_END_DECLS
