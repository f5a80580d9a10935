/* wabiz-attachment-sheet.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* One file dropped or chosen, after the check against Meta's limits. */
typedef struct
{
  GFile  *file;      /* (owned) */
  char   *kind;      /* (owned) (nullable) image, video, audio, document, sticker */
  char   *mime;      /* (owned) (nullable) */
  char   *caption;   /* (owned) (nullable) */
  goffset size;
  GError *error;     /* (owned) (nullable) why it is refused */
} WabizAttachment;

void wabiz_attachment_free (WabizAttachment *attachment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WabizAttachment, wabiz_attachment_free)

#define WABIZ_TYPE_ATTACHMENT_SHEET (wabiz_attachment_sheet_get_type ())
G_DECLARE_FINAL_TYPE (WabizAttachmentSheet, wabiz_attachment_sheet, WABIZ, ATTACHMENT_SHEET, AdwWindow)

/* @files: (element-type GFile) */
WabizAttachmentSheet *wabiz_attachment_sheet_new             (GtkWindow            *parent,
                                                              GPtrArray            *files);
/* TRUE once every file was checked */
gboolean              wabiz_attachment_sheet_get_ready       (WabizAttachmentSheet *self);
/* (element-type WabizAttachment) (transfer none): every file, refused ones too */
GPtrArray            *wabiz_attachment_sheet_get_attachments (WabizAttachmentSheet *self);
guint                 wabiz_attachment_sheet_get_n_accepted  (WabizAttachmentSheet *self);
/* The caption typed for file @index (also what a user would type). */
void                  wabiz_attachment_sheet_set_caption     (WabizAttachmentSheet *self,
                                                              guint                 index,
                                                              const char           *caption);

G_END_DECLS
