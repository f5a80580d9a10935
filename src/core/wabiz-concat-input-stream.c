/* wabiz-concat-input-stream.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Reads are synchronous on the current part; GInputStream's default
 * asynchronous implementation runs them on a worker thread, so the main
 * loop never waits on the disk.
 */

#define G_LOG_DOMAIN "wabiz-concat-input-stream"

#include "config.h"

#include "wabiz-concat-input-stream.h"

struct _WabizConcatInputStream
{
  GInputStream  parent_instance;

  GPtrArray    *parts;     /* (owned) of GInputStream (owned) */
  guint         current;
};

G_DEFINE_FINAL_TYPE (WabizConcatInputStream, wabiz_concat_input_stream, G_TYPE_INPUT_STREAM)

static gssize
wabiz_concat_input_stream_read (GInputStream  *stream,
                                void          *buffer,
                                gsize          count,
                                GCancellable  *cancellable,
                                GError       **error)
{
  WabizConcatInputStream *self = WABIZ_CONCAT_INPUT_STREAM (stream);

  while (self->current < self->parts->len)
    {
      GInputStream *part = g_ptr_array_index (self->parts, self->current);
      gssize n = g_input_stream_read (part, buffer, count, cancellable, error);

      if (n != 0)
        return n;   /* data, or -1 with @error set */

      self->current++;
    }

  return 0;
}

static gboolean
wabiz_concat_input_stream_close (GInputStream  *stream,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  WabizConcatInputStream *self = WABIZ_CONCAT_INPUT_STREAM (stream);
  gboolean ok = TRUE;

  for (guint i = 0; i < self->parts->len; i++)
    {
      GInputStream *part = g_ptr_array_index (self->parts, i);

      if (!g_input_stream_close (part, cancellable, ok ? error : NULL))
        ok = FALSE;
    }

  return ok;
}

static void
wabiz_concat_input_stream_finalize (GObject *object)
{
  WabizConcatInputStream *self = (WabizConcatInputStream *) object;

  g_clear_pointer (&self->parts, g_ptr_array_unref);

  G_OBJECT_CLASS (wabiz_concat_input_stream_parent_class)->finalize (object);
}

static void
wabiz_concat_input_stream_class_init (WabizConcatInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = wabiz_concat_input_stream_finalize;
  stream_class->read_fn = wabiz_concat_input_stream_read;
  stream_class->close_fn = wabiz_concat_input_stream_close;
}

static void
wabiz_concat_input_stream_init (WabizConcatInputStream *self)
{
  self->parts = g_ptr_array_new_with_free_func (g_object_unref);
}

WabizConcatInputStream *
wabiz_concat_input_stream_new (void)
{
  return g_object_new (WABIZ_TYPE_CONCAT_INPUT_STREAM, NULL);
}

void
wabiz_concat_input_stream_add_stream (WabizConcatInputStream *self,
                                      GInputStream           *stream)
{
  g_return_if_fail (WABIZ_IS_CONCAT_INPUT_STREAM (self));
  g_return_if_fail (G_IS_INPUT_STREAM (stream));

  g_ptr_array_add (self->parts, g_object_ref (stream));
}

void
wabiz_concat_input_stream_add_bytes (WabizConcatInputStream *self,
                                     GBytes                 *bytes)
{
  g_return_if_fail (WABIZ_IS_CONCAT_INPUT_STREAM (self));
  g_return_if_fail (bytes != NULL);

  g_ptr_array_add (self->parts, g_memory_input_stream_new_from_bytes (bytes));
}
