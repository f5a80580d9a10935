/* fuzz-webhook.c: libFuzzer target for the webhook parser and the
 * signature check
 *
 * SPDX-License-Identifier: MIT
 *
 * Built with -Dfuzzing=true and clang; bench/fuzz-webhook runs it.
 * Seed corpus: tests/data/meta-webhooks.
 */

#include "config.h"

#include <string.h>

#include "wabiz-webhook-parser.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

/* Walks everything the parser returned, so that a bad pointer or a
 * string without its NUL shows. */
static gsize
touch (const char *s)
{
  return s != NULL ? strlen (s) : 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *filters[] = { NULL, "106540352242922" };
  g_autofree char *header = NULL;
  gsize total = 0;

  for (guint f = 0; f < G_N_ELEMENTS (filters); f++)
    {
      g_autoptr(WabizWebhookPayload) payload = NULL;
      g_autoptr(GError) error = NULL;

      payload = wabiz_webhook_parse ((const char *) data, size, filters[f], &error);
      if (payload == NULL)
        {
          g_assert (error != NULL);
          continue;
        }
      g_assert (error == NULL);

      for (guint i = 0; i < payload->messages->len; i++)
        {
          WabizWebhookMessage *m = g_ptr_array_index (payload->messages, i);

          /* what the processor relies on */
          g_assert (m->wamid != NULL && *m->wamid != '\0' && strlen (m->wamid) <= 100);
          g_assert (m->from != NULL && strlen (m->from) <= 15);
          g_assert (m->type != NULL);
          g_assert (m->raw_json != NULL);
          g_assert (m->timestamp == NULL || strlen (m->timestamp) <= 12);
          total += touch (m->text) + touch (m->caption) + touch (m->content_json) +
                   touch (m->referral_json) + touch (m->reply_to) + touch (m->profile_name) +
                   touch (m->error_code) + touch (m->error_title) + touch (m->error_details) +
                   touch (m->media_id) + touch (m->media_mime) + touch (m->media_sha256) +
                   touch (m->media_filename) + touch (m->media_type);
        }
      for (guint i = 0; i < payload->statuses->len; i++)
        {
          WabizWebhookStatus *s = g_ptr_array_index (payload->statuses, i);

          g_assert (s->wamid != NULL && s->status != NULL);
          total += touch (s->timestamp) + touch (s->conversation_json) + touch (s->pricing_json) +
                   touch (s->error_code) + touch (s->error_title) + touch (s->error_details) +
                   touch (s->recipient_id);
        }
      for (guint i = 0; i < payload->templates->len; i++)
        {
          WabizWebhookTemplate *t = g_ptr_array_index (payload->templates, i);

          g_assert (t->field != NULL);
          total += touch (t->name) + touch (t->language) + touch (t->template_id) + touch (t->event) +
                   touch (t->reason) + touch (t->quality) + touch (t->category) + touch (t->time);
        }
    }

  /* the signature check on the same bytes: its own signature verifies,
   * the input taken as a header never crashes */
  header = wabiz_webhook_sign ("fuzz-secret", data, size);
  g_assert (wabiz_webhook_verify_signature ("fuzz-secret", data, size, header));
  if (size > 0 && size < 200)
    {
      g_autofree char *as_header = g_strndup ((const char *) data, size);

      wabiz_webhook_verify_signature ("fuzz-secret", data, size, as_header);
    }

  (void) total;
  return 0;
}
