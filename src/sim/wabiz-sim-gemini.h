/* wabiz-sim-gemini.h
 *
 * SPDX-License-Identifier: MIT
 *
 * The Gemini side of WabizSimServer, driven in-process: canned answers
 * for the next calls, and the log of the calls it received (the same
 * as `/_sim/gemini/script` and `/_sim/gemini/requests`).
 */

#pragma once

#include <json-glib/json-glib.h>

#include "wabiz-sim-server.h"

G_BEGIN_DECLS

/* Each answer is an object with any of:
 *  - "status": 400, 403, 404, 429, 500, 503 or 504, answered with
 *    Google's error body ("retry_delay", e.g. "1.5s", goes into a 429's
 *    RetryInfo; default: the config's gemini_retry_delay);
 *  - "text": the candidate's text, as is; "json": any JSON, as the text;
 *  - "fault": a template draft (body, footer, example values put into the
 *    JSON the request's schema asks for) that breaks one rule:
 *    placeholder_at_start, placeholder_at_end, placeholders_out_of_order,
 *    placeholders_adjacent, placeholder_malformed, too_few_words,
 *    body_too_long, body_empty, examples_missing, examples_extra,
 *    footer_too_long, footer_placeholder, promotional; or malformed_json
 *    and not_json, which replace the whole text;
 *  - "finish_reason": SAFETY, MAX_TOKENS, RECITATION, … (MAX_TOKENS cuts
 *    the text in half; the others drop it, unless the answer gives one);
 *  - "block_reason": the prompt is blocked (promptFeedback, no
 *    candidates). */
gboolean   wabiz_sim_server_add_gemini_answers   (WabizSimServer  *self,
                                                  JsonArray       *answers,
                                                  GError         **error);
JsonArray *wabiz_sim_server_dup_gemini_requests  (WabizSimServer  *self,
                                                  guint64          since);

G_END_DECLS
