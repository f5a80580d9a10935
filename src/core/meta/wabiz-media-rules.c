/* wabiz-media-rules.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Meta's rules for media: which MIME types each kind (image, video,
 * audio, document, sticker) may be, how large it may be, and what a
 * local file really is, sniffed from its first bytes. No HTTP here.
 */

#define G_LOG_DOMAIN "wabiz-media-rules"

#include "config.h"

#include "wabiz-graph-error.h"
#include "wabiz-media-rules.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNIFF_BYTES 4096

typedef struct
{
  const char *mime;
  const char *ext;   /* a downloaded file's extension */
} MediaType;

typedef struct
{
  const char *kind;
  MediaType   types[8];
  goffset     max_size;
} MediaRule;

#define MB ((goffset) 1024 * 1024)
#define KB ((goffset) 1024)

static const MediaRule media_rules[] = {
  { "image", { { "image/jpeg", "jpg" }, { "image/png", "png" } }, 5 * MB },
  { "video", { { "video/mp4", "mp4" }, { "video/3gpp", "3gp" } }, 16 * MB },
  { "audio", { { "audio/aac", "aac" }, { "audio/amr", "amr" }, { "audio/mpeg", "mp3" },
               { "audio/mp4", "m4a" }, { "audio/ogg", "ogg" } }, 16 * MB },
  { "document", { { "text/plain", "txt" }, { "application/pdf", "pdf" },
                  { "application/msword", "doc" },
                  { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx" },
                  { "application/vnd.ms-excel", "xls" },
                  { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx" },
                  { "application/vnd.ms-powerpoint", "ppt" },
                  { "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx" } },
    100 * MB },
  { "sticker", { { "image/webp", "webp" } }, 100 * KB },   /* animated: 500 KB */
};

#define STICKER_ANIMATED_MAX (500 * KB)

/* Office formats in a container they share: OLE2, ZIP */
static const char *const ole_office_types[] = {
  "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint", NULL
};
static const char *const zip_office_types[] = {
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  NULL
};

static const MediaRule *
find_rule (const char *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (media_rules); i++)
    if (g_str_equal (media_rules[i].kind, kind))
      return &media_rules[i];
  return NULL;
}

static gboolean
rule_accepts (const MediaRule *rule,
              const char      *mime_type)
{
  g_autofree char *base = g_strndup (mime_type, strcspn (mime_type, ";"));

  g_strstrip (base);
  for (guint i = 0; i < G_N_ELEMENTS (rule->types) && rule->types[i].mime != NULL; i++)
    if (g_ascii_strcasecmp (rule->types[i].mime, base) == 0)
      return TRUE;
  return FALSE;
}

const char *
wabiz_graph_kind_for_mime (const char *mime_type)
{
  g_return_val_if_fail (mime_type != NULL, NULL);

  /* Ogg audio only with Opus */
  if (g_str_has_prefix (mime_type, "audio/ogg") && strstr (mime_type, "opus") == NULL
      && strchr (mime_type, ';') != NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (media_rules); i++)
    if (rule_accepts (&media_rules[i], mime_type))
      return media_rules[i].kind;
  return NULL;
}

static const char *
extension_of (const char *path)
{
  const char *base = strrchr (path, '/');
  const char *dot = strrchr (base ? base : path, '.');

  return dot ? dot + 1 : "";
}

static gboolean
has_bytes (const guint8 *data,
           gsize         len,
           gsize         offset,
           const char   *magic,
           gsize         magic_len)
{
  return len >= offset + magic_len && memcmp (data + offset, magic, magic_len) == 0;
}

static gboolean
find_bytes (const guint8 *data,
            gsize         len,
            const char   *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* The one of @mimes (NULL-terminated Office types sharing a container)
 * that files named *.@ext are, else @container. */
static char *
office_mime (const char        *ext,
             const char        *container,
             const char *const *mimes)
{
  for (guint i = 0; mimes[i] != NULL; i++)
    if (g_ascii_strcasecmp (ext, wabiz_graph_extension_for_mime (mimes[i])) == 0)
      return g_strdup (mimes[i]);
  return g_strdup (container);
}

/* MIME type from the content; the extension only tells apart the
 * Office formats that share a container (OLE2, ZIP). */
static char *
sniff_mime (const char   *path,
            const guint8 *data,
            gsize         len,
            gboolean     *animated)
{
  const char *ext = extension_of (path);
  g_autofree char *content_type = NULL;
  gboolean uncertain = FALSE;

  *animated = FALSE;

  if (has_bytes (data, len, 0, "\xff\xd8\xff", 3))
    return g_strdup ("image/jpeg");
  if (has_bytes (data, len, 0, "\x89PNG\r\n\x1a\n", 8))
    return g_strdup ("image/png");
  if (has_bytes (data, len, 0, "GIF8", 4))
    return g_strdup ("image/gif");
  if (has_bytes (data, len, 0, "RIFF", 4) && has_bytes (data, len, 8, "WEBP", 4))
    {
      /* VP8X header: flags byte, bit 1 = animation */
      if (has_bytes (data, len, 12, "VP8X", 4) && len > 20 && (data[20] & 0x02))
        *animated = TRUE;
      return g_strdup ("image/webp");
    }
  if (has_bytes (data, len, 4, "ftyp", 4))
    {
      if (has_bytes (data, len, 8, "3gp", 3) || has_bytes (data, len, 8, "3g2", 3))
        return g_strdup ("video/3gpp");
      if (has_bytes (data, len, 8, "M4A ", 4) || has_bytes (data, len, 8, "M4B ", 4))
        return g_strdup ("audio/mp4");
      if (has_bytes (data, len, 8, "qt  ", 4))
        return g_strdup ("video/quicktime");
      return g_strdup ("video/mp4");
    }
  if (has_bytes (data, len, 0, "OggS", 4))
    {
      if (find_bytes (data, MIN (len, 512), "OpusHead"))
        return g_strdup ("audio/ogg; codecs=opus");
      if (find_bytes (data, MIN (len, 512), "\x01vorbis"))
        return g_strdup ("audio/ogg; codecs=vorbis");
      return g_strdup ("audio/ogg; codecs=unknown");
    }
  if (has_bytes (data, len, 0, "#!AMR", 5))
    return g_strdup ("audio/amr");
  if (has_bytes (data, len, 0, "ID3", 3))
    return g_strdup ("audio/mpeg");
  if (len >= 2 && data[0] == 0xff && (data[1] & 0xf0) == 0xf0)
    {
      /* ADTS (AAC) has layer bits 00; MPEG audio frames do not */
      if ((data[1] & 0x06) == 0)
        return g_strdup ("audio/aac");
      return g_strdup ("audio/mpeg");
    }
  if (has_bytes (data, len, 0, "%PDF-", 5))
    return g_strdup ("application/pdf");
  if (has_bytes (data, len, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
    return office_mime (ext, "application/x-ole-storage", ole_office_types);
  if (has_bytes (data, len, 0, "PK\x03\x04", 4))
    return office_mime (ext, "application/zip", zip_office_types);

  /* plain text: no NUL and valid UTF-8 (allowing a cut last character) */
  if (len > 0 && memchr (data, 0, len) == NULL)
    {
      const char *end = NULL;

      if (g_utf8_validate ((const char *) data, len, &end) || (gsize) (end - (const char *) data) + 4 > len)
        return g_strdup ("text/plain");
    }

  content_type = g_content_type_guess (path, data, len, &uncertain);
  if (content_type != NULL)
    {
      char *mime = g_content_type_get_mime_type (content_type);

      if (mime != NULL)
        return mime;
    }
  return g_strdup ("application/octet-stream");
}

static char *
format_megabytes (goffset size)
{
  if (size < MB)
    /* Translators: a file size in kilobytes */
    return g_strdup_printf (_("%.0f KB"), (double) size / KB);
  if (size % MB == 0)
    /* Translators: a file size in megabytes */
    return g_strdup_printf (_("%.0f MB"), (double) size / MB);
  return g_strdup_printf (_("%.1f MB"), (double) size / MB);
}

static GError *
too_large_error (const char *kind,
                 goffset     size,
                 goffset     max)
{
  g_autofree char *s = format_megabytes (size);
  g_autofree char *m = format_megabytes (max);
  int code = WABIZ_GRAPH_ERROR_MEDIA_TOO_LARGE;

  if (g_str_equal (kind, "image"))
    return g_error_new (WABIZ_GRAPH_ERROR, code,
                        _("This image is %s; WhatsApp accepts images up to %s"), s, m);
  if (g_str_equal (kind, "video"))
    return g_error_new (WABIZ_GRAPH_ERROR, code,
                        _("This video is %s; WhatsApp accepts videos up to %s"), s, m);
  if (g_str_equal (kind, "audio"))
    return g_error_new (WABIZ_GRAPH_ERROR, code,
                        _("This audio file is %s; WhatsApp accepts audio up to %s"), s, m);
  if (g_str_equal (kind, "sticker"))
    return g_error_new (WABIZ_GRAPH_ERROR, code,
                        _("This sticker is %s; WhatsApp accepts stickers up to %s"), s, m);
  return g_error_new (WABIZ_GRAPH_ERROR, code,
                      _("This document is %s; WhatsApp accepts documents up to %s"), s, m);
}

static GError *
wrong_type_error (const char *kind,
                  const char *mime)
{
  int code = WABIZ_GRAPH_ERROR_MEDIA_TYPE;

  if (g_str_has_prefix (mime, "audio/ogg") && g_str_equal (kind, "audio"))
    return g_error_new_literal (WABIZ_GRAPH_ERROR, code,
                                _("WhatsApp accepts Ogg audio only with the Opus codec; convert the file to Opus or MP3"));
  if (g_str_equal (kind, "image"))
    return g_error_new (WABIZ_GRAPH_ERROR, code,
                        _("This file is %s; WhatsApp accepts only JPEG and PNG images"), mime);
  if (g_str_equal (kind, "video"))
    return g_error_new (WABIZ_GRAPH_ERROR, code,
                        _("This file is %s; WhatsApp accepts only MP4 and 3GPP videos"), mime);
  if (g_str_equal (kind, "audio"))
    return g_error_new (WABIZ_GRAPH_ERROR, code,
                        _("This file is %s; WhatsApp accepts only AAC, AMR, MP3, MP4 and Ogg Opus audio"), mime);
  if (g_str_equal (kind, "sticker"))
    return g_error_new (WABIZ_GRAPH_ERROR, code,
                        _("This file is %s; WhatsApp stickers must be WebP images"), mime);
  if (g_str_equal (kind, "document"))
    return g_error_new (WABIZ_GRAPH_ERROR, code,
                        _("This file is %s; WhatsApp accepts only text, PDF and Microsoft Office documents"), mime);
  return g_error_new (WABIZ_GRAPH_ERROR, code,
                      _("WhatsApp cannot send files of type %s"), mime);
}

gboolean
wabiz_graph_check_media_file (const char  *path,
                              const char  *kind,
                              char       **out_kind,
                              char       **out_mime,
                              goffset     *out_size,
                              GError     **error)
{
  g_autofree char *mime = NULL;
  guint8 head[SNIFF_BYTES];
  const MediaRule *rule;
  GStatBuf st;
  gssize len;
  gboolean animated;
  goffset max;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);

  if (kind != NULL && find_rule (kind) == NULL)
    {
      g_set_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TYPE,
                   _("“%s” is not a kind of media WhatsApp sends"), kind);
      return FALSE;
    }

  fd = g_open (path, O_RDONLY, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot read the file “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("“%s” is not a file"), path);
      return FALSE;
    }
  len = read (fd, head, sizeof head);
  if (len < 0)
    {
      int saved = errno;

      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot read the file “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  if (st.st_size == 0)
    {
      g_set_error (error, WABIZ_GRAPH_ERROR, WABIZ_GRAPH_ERROR_MEDIA_TYPE,
                   _("The file “%s” is empty"), path);
      return FALSE;
    }

  mime = sniff_mime (path, head, (gsize) len, &animated);
  if (kind == NULL)
    {
      kind = wabiz_graph_kind_for_mime (mime);
      if (kind == NULL && g_str_has_prefix (mime, "audio/ogg"))
        kind = "audio";   /* Ogg without Opus: say why below */
      if (kind == NULL)
        {
          g_propagate_error (error, wrong_type_error ("", mime));
          return FALSE;
        }
    }

  rule = find_rule (kind);
  if (!rule_accepts (rule, mime)
      || (g_str_has_prefix (mime, "audio/ogg") && strstr (mime, "opus") == NULL))
    {
      g_propagate_error (error, wrong_type_error (kind, mime));
      return FALSE;
    }

  max = rule->max_size;
  if (g_str_equal (kind, "sticker") && animated)
    max = STICKER_ANIMATED_MAX;
  if (st.st_size > max)
    {
      g_propagate_error (error, too_large_error (kind, st.st_size, max));
      return FALSE;
    }

  if (out_kind)
    *out_kind = g_strdup (kind);
  if (out_mime)
    *out_mime = g_steal_pointer (&mime);
  if (out_size)
    *out_size = st.st_size;
  return TRUE;
}

const char *
wabiz_graph_extension_for_mime (const char *mime_type)
{
  if (mime_type == NULL)
    return "bin";
  for (guint i = 0; i < G_N_ELEMENTS (media_rules); i++)
    {
      const MediaRule *rule = &media_rules[i];

      for (guint j = 0; j < G_N_ELEMENTS (rule->types) && rule->types[j].mime != NULL; j++)
        if (g_ascii_strncasecmp (mime_type, rule->types[j].mime, strlen (rule->types[j].mime)) == 0)
          return rule->types[j].ext;
    }
  return "bin";
}
