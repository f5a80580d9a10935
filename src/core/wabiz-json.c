/* wabiz-json.c
 *
 * SPDX-License-Identifier: MIT
 *
 * JSON as RFC 8259 has it, read in one pass: a check that builds nothing
 * (the webhook receiver's, for every delivery on the main thread) and a
 * read-only tree whose nodes and decoded strings live in one arena freed
 * at once (the webhook parser's, for every event the processor takes).
 *
 * json-glib does the rest of WaBiz's JSON. Here it cost 25-40 us an
 * event, on the processor's thread, to build a tree of nodes and hash
 * tables and to write parts of it back out; this reader takes 3 us, and
 * keeps where each value was written, so that a part (a message's raw
 * JSON, say) is copied as Meta sent it rather than written anew, numbers
 * and all.
 */

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-json.h"

#include <errno.h>
#include <string.h>

#define MAX_DEPTH 512
#define BLOCK_SIZE 4096

struct _WabizJsonNode
{
  WabizJsonKind  kind;
  guint          n_children;
  const char    *text; /* the value as written in the document */
  gsize          text_len;
  const char    *name;   /* (nullable) decoded, for an object's member */
  const char    *string; /* (nullable) decoded, for a string */
  WabizJsonNode *first;
  WabizJsonNode *last;
  WabizJsonNode *next;
};

typedef struct _Block Block;
struct _Block
{
  Block *prev;
  gsize  used;
  gsize  size;
  char   data[];
};

struct _WabizJsonDoc
{
  Block         *blocks;
  WabizJsonNode *root;
};

typedef struct
{
  const char   *p;
  const char   *end;
  WabizJsonDoc *doc; /* (nullable) NULL: check only */
  guint         depth;
} Reader;

static gpointer
arena_alloc (WabizJsonDoc *doc,
             gsize         size)
{
  Block *block = doc->blocks;

  size = (size + 7) & ~(gsize) 7;
  if (block == NULL || block->size - block->used < size)
    {
      gsize block_size = MAX (BLOCK_SIZE, size);

      block = g_malloc (sizeof (Block) + block_size);
      block->prev = doc->blocks;
      block->used = 0;
      block->size = block_size;
      doc->blocks = block;
    }

  block->used += size;
  return block->data + block->used - size;
}

static void
skip_ws (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static int
hex4 (const char *p,
      const char *end)
{
  int value = 0;

  if (end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* @p: after the opening quote. Returns what follows the closing one, or
 * NULL; with @out, also writes the decoded string there (never longer
 * than the escaped one) and NUL-terminates it. A \u0000 becomes U+FFFD:
 * PostgreSQL, where everything read here goes, cannot hold U+0000 in
 * text or jsonb, and a C string would end there. */
static const char *
read_string (const char *p,
             const char *end,
             char       *out)
{
  while (p < end)
    {
      guchar c = (guchar) *p++;
      int    unit;

      if (c == '"')
        {
          if (out != NULL)
            *out = '\0';
          return p;
        }
      if (c < 0x20)
        return NULL;
      if (c != '\\')
        {
          if (out != NULL)
            *out++ = (char) c;
          continue;
        }
      if (p >= end)
        return NULL;
      c = (guchar) *p++;
      switch (c)
        {
        case '"':
        case '\\':
        case '/':
          break;
        case 'b':
          c = '\b';
          break;
        case 'f':
          c = '\f';
          break;
        case 'n':
          c = '\n';
          break;
        case 'r':
          c = '\r';
          break;
        case 't':
          c = '\t';
          break;
        case 'u':
          unit = hex4 (p, end);
          if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
            return NULL;
          p += 4;
          if (unit >= 0xD800 && unit <= 0xDBFF)
            {
              int low;

              if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
                return NULL;
              low = hex4 (p + 2, end);
              if (low < 0xDC00 || low > 0xDFFF)
                return NULL;
              p += 6;
              unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            }
          if (out != NULL)
            out += g_unichar_to_utf8 (unit != 0 ? (gunichar) unit : 0xFFFD, out);
          continue;
        default:
          return NULL;
        }
      if (out != NULL)
        *out++ = (char) c;
    }
  return NULL;
}

static const char *
scan_number (const char *p,
             const char *end)
{
  if (p < end && *p == '-')
    p++;
  if (p >= end || !g_ascii_isdigit (*p))
    return NULL;
  if (*p == '0')
    p++;
  else
    while (p < end && g_ascii_isdigit (*p))
      p++;
  if (p < end && *p == '.')
    {
      p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return NULL;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return NULL;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  return p;
}

/* a string at r->p (its quote); the decoded text when building */
static gboolean
read_string_at (Reader      *r,
                const char **decoded)
{
  const char *start = r->p + 1;
  char       *out = NULL;

  if (r->doc != NULL)
    {
      /* a first pass finds the end, so that the copy is sized for it */
      const char *after = read_string (start, r->end, NULL);

      if (after == NULL)
        return FALSE;
      out = arena_alloc (r->doc, (gsize) (after - start));
      *decoded = out;
    }

  r->p = read_string (start, r->end, out);
  return r->p != NULL;
}

static gboolean
read_literal (Reader     *r,
              const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (r->end - r->p) < len || memcmp (r->p, word, len) != 0)
    return FALSE;
  r->p += len;
  return TRUE;
}

static gboolean read_value (Reader         *r,
                            WabizJsonNode **out);

static gboolean
read_container (Reader        *r,
                WabizJsonNode *node,
                gboolean       is_object)
{
  char close = is_object ? '}' : ']';

  if (++r->depth > MAX_DEPTH)
    return FALSE;

  r->p++;
  skip_ws (r);
  if (r->p < r->end && *r->p == close)
    {
      r->p++;
      r->depth--;
      return TRUE;
    }

  for (;;)
    {
      const char    *name = NULL;
      WabizJsonNode *child = NULL;

      if (is_object)
        {
          if (r->p >= r->end || *r->p != '"' || !read_string_at (r, &name))
            return FALSE;
          skip_ws (r);
          if (r->p >= r->end || *r->p++ != ':')
            return FALSE;
          skip_ws (r);
        }

      if (!read_value (r, node != NULL ? &child : NULL))
        return FALSE;

      if (node != NULL)
        {
          child->name = name;
          if (node->last != NULL)
            node->last->next = child;
          else
            node->first = child;
          node->last = child;
          node->n_children++;
        }

      skip_ws (r);
      if (r->p >= r->end)
        return FALSE;
      if (*r->p == close)
        {
          r->p++;
          r->depth--;
          return TRUE;
        }
      if (*r->p++ != ',')
        return FALSE;
      skip_ws (r);
    }
}

/* a value at r->p (no white space before it) */
static gboolean
read_value (Reader         *r,
            WabizJsonNode **out)
{
  WabizJsonNode *node = NULL;
  const char    *start = r->p;
  gboolean       ok;

  if (r->p >= r->end)
    return FALSE;

  if (out != NULL)
    {
      node = arena_alloc (r->doc, sizeof (WabizJsonNode));
      memset (node, 0, sizeof *node);
      *out = node;
    }

  switch (*r->p)
    {
    case '{':
    case '[':
      if (node != NULL)
        node->kind = *r->p == '{' ? WABIZ_JSON_OBJECT : WABIZ_JSON_ARRAY;
      ok = read_container (r, node, *r->p == '{');
      break;
    case '"':
      if (node != NULL)
        node->kind = WABIZ_JSON_STRING;
      ok = read_string_at (r, node != NULL ? &node->string : NULL);
      break;
    case 't':
      if (node != NULL)
        node->kind = WABIZ_JSON_TRUE;
      ok = read_literal (r, "true");
      break;
    case 'f':
      if (node != NULL)
        node->kind = WABIZ_JSON_FALSE;
      ok = read_literal (r, "false");
      break;
    case 'n':
      if (node != NULL)
        node->kind = WABIZ_JSON_NULL;
      ok = read_literal (r, "null");
      break;
    default:
      if (node != NULL)
        node->kind = WABIZ_JSON_NUMBER;
      r->p = scan_number (r->p, r->end);
      ok = r->p != NULL;
      break;
    }

  if (ok && node != NULL)
    {
      node->text = start;
      node->text_len = (gsize) (r->p - start);
    }
  return ok;
}

static gboolean
read_document (Reader         *r,
               WabizJsonNode **root)
{
  skip_ws (r);
  if (!read_value (r, root))
    return FALSE;
  skip_ws (r);
  return r->p == r->end;
}

/**
 * wabiz_json_validate:
 *
 * Whether @text is one JSON value in UTF-8 without NUL bytes, nested at
 * most 512 deep. Builds nothing and allocates nothing.
 */
gboolean
wabiz_json_validate (const char *text,
                     gsize       length)
{
  Reader r = { text, text + length, NULL, 0 };

  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  if (length == 0 || !g_utf8_validate_len (text, length, NULL))
    return FALSE;
  return read_document (&r, NULL);
}

/**
 * wabiz_json_doc_parse:
 *
 * Reads @text (which must outlive the document: nodes point into it).
 *
 * Returns: (transfer full) (nullable): the document, or %NULL with
 *   %WABIZ_ERROR_INVALID_INPUT
 */
WabizJsonDoc *
wabiz_json_doc_parse (const char *text,
                      gsize       length,
                      GError    **error)
{
  g_autoptr (WabizJsonDoc) doc = g_new0 (WabizJsonDoc, 1);
  Reader      r = { text, text + length, doc, 0 };
  const char *what = NULL;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  if (length == 0)
    what = "the text is empty";
  else if (!g_utf8_validate_len (text, length, NULL))
    what = "the text is not UTF-8, or holds a NUL byte";
  else if (!read_document (&r, &doc->root))
    what = "the text is not one JSON value";

  if (what != NULL)
    {
      g_set_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT, "not valid JSON: %s", what);
      return NULL;
    }

  return g_steal_pointer (&doc);
}

void
wabiz_json_doc_free (WabizJsonDoc *doc)
{
  if (doc == NULL)
    return;

  while (doc->blocks != NULL)
    {
      Block *prev = doc->blocks->prev;

      g_free (doc->blocks);
      doc->blocks = prev;
    }
  g_free (doc);
}

const WabizJsonNode *
wabiz_json_doc_get_root (WabizJsonDoc *doc)
{
  g_return_val_if_fail (doc != NULL, NULL);

  return doc->root;
}

WabizJsonKind
wabiz_json_node_get_kind (const WabizJsonNode *node)
{
  g_return_val_if_fail (node != NULL, WABIZ_JSON_NULL);

  return node->kind;
}

/* Returns: (nullable): the decoded text of a string, else %NULL */
const char *
wabiz_json_node_get_string (const WabizJsonNode *node)
{
  return node != NULL ? node->string : NULL;
}

/**
 * wabiz_json_node_dup_text:
 *
 * A string's text, or a number written in decimal (an integer as one,
 * anything else as the closest double); %NULL for every other kind.
 */
char *
wabiz_json_node_dup_text (const WabizJsonNode *node)
{
  g_autofree char *literal = NULL;
  gboolean         integral = TRUE;

  if (node == NULL)
    return NULL;
  if (node->kind == WABIZ_JSON_STRING)
    return g_strdup (node->string);
  if (node->kind != WABIZ_JSON_NUMBER)
    return NULL;

  literal = g_strndup (node->text, node->text_len);
  for (const char *p = literal; *p != '\0'; p++)
    if (*p == '.' || *p == 'e' || *p == 'E')
      integral = FALSE;

  if (integral)
    {
      gint64 value;

      errno = 0;
      value = g_ascii_strtoll (literal, NULL, 10);
      if (errno == 0)
        return g_strdup_printf ("%" G_GINT64_FORMAT, value);
    }

  return g_strdup_printf ("%.17g", g_ascii_strtod (literal, NULL));
}

/* Returns: (nullable): the value as it was written, for a jsonb column
 * (a \u0000 escape, which jsonb refuses, as \ufffd); %NULL for a JSON
 * null */
char *
wabiz_json_node_dup_json (const WabizJsonNode *node)
{
  char *json;

  if (node == NULL || node->kind == WABIZ_JSON_NULL)
    return NULL;

  json = g_strndup (node->text, node->text_len);
  /* valid JSON has backslashes in strings only, each escaping one thing */
  for (char *p = strchr (json, '\\'); p != NULL; p = strchr (p + 2, '\\'))
    if (strncmp (p + 1, "u0000", 5) == 0)
      memcpy (p + 2, "fffd", 4);
  return json;
}

/* Returns: (nullable): an object's member called @name (the last one,
 * when the name repeats), else %NULL */
const WabizJsonNode *
wabiz_json_node_get_member (const WabizJsonNode *node,
                            const char          *name)
{
  const WabizJsonNode *found = NULL;

  if (node == NULL || node->kind != WABIZ_JSON_OBJECT)
    return NULL;

  for (const WabizJsonNode *child = node->first; child != NULL; child = child->next)
    if (strcmp (child->name, name) == 0)
      found = child;
  return found;
}

/* Returns: (nullable): the first element of an array or member of an
 * object; with wabiz_json_node_get_next(), a walk over them in order */
const WabizJsonNode *
wabiz_json_node_get_first (const WabizJsonNode *node)
{
  if (node == NULL || (node->kind != WABIZ_JSON_ARRAY && node->kind != WABIZ_JSON_OBJECT))
    return NULL;
  return node->first;
}

const WabizJsonNode *
wabiz_json_node_get_next (const WabizJsonNode *node)
{
  return node != NULL ? node->next : NULL;
}

guint
wabiz_json_node_get_length (const WabizJsonNode *node)
{
  if (node == NULL || (node->kind != WABIZ_JSON_ARRAY && node->kind != WABIZ_JSON_OBJECT))
    return 0;
  return node->n_children;
}
