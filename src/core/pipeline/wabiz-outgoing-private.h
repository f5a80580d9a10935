/* wabiz-outgoing-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * What the outbox reads of a WabizOutgoing when it queues one.
 */

#pragma once

#include "wabiz-outgoing.h"

G_BEGIN_DECLS

struct _WabizOutgoing
{
  gatomicrefcount  ref_count;

  char            *to;
  char            *type;
  JsonNode        *object;         /* (owned) (nullable) built on demand for text/media */
  char            *preview;        /* (owned) (nullable) */
  char            *body;           /* text */
  char            *kind;           /* media */
  char            *link;
  char            *media_id;
  char            *caption;
  char            *filename;
  char            *template_name;
  char            *template_language;
  GStrv            template_params;
  JsonArray       *template_components; /* (owned) (nullable) in Meta's shape */
  char            *reply_to;
  gboolean         bulk;
  GFile           *file;           /* (owned) (nullable) media from a local file */
};

/* Checks what needs no database; builds the Graph object named after
 * the type. Errors: WABIZ_ERROR_INVALID_INPUT. */
JsonNode   *_wabiz_outgoing_build_object          (WabizOutgoing *self,
                                                   GError       **error);
/* The whole Graph message to @phone, with @object from the above */
JsonNode   *_wabiz_outgoing_build_payload         (WabizOutgoing *self,
                                                   const char    *phone,
                                                   JsonNode      *object);
/* The media type of an attachment, NULL for other messages */
const char *_wabiz_outgoing_get_media_type        (WabizOutgoing *self);
/* The text a conversation shows for it (a template's is the checker's) */
char       *_wabiz_outgoing_dup_preview           (WabizOutgoing *self);
/* The template parameters as a JSON array, or NULL */
char       *_wabiz_outgoing_dup_template_params   (WabizOutgoing *self);

G_END_DECLS
