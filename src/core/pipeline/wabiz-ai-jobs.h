/* wabiz-ai-jobs.h
 *
 * SPDX-License-Identifier: MIT
 *
 * WabizAiJobs: what WaBiz does by itself once a customer's message is
 * stored, never inside the webhook's answer nor the processor's batch:
 * the analysis of inbound texts (sentiment and intent, from Gemini), the
 * canned greeting and away messages, and Gemini's auto-replies, as the
 * business settings (wabiz-business-settings.h) say. Also the composer's
 * "Suggest a reply".
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"
#include "wabiz-gemini-client.h"
#include "wabiz-outbox.h"
#include "wabiz-worker.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_AI_JOBS (wabiz_ai_jobs_get_type ())
G_DECLARE_FINAL_TYPE (WabizAiJobs, wabiz_ai_jobs, WABIZ, AI_JOBS, WabizWorker)

/* @gemini: (nullable): without it (no API key) only the canned messages
 * are sent; the analyses wait for a process that has a key, and there
 * are no auto-replies from here */
WabizAiJobs *wabiz_ai_jobs_new                   (WabizDb             *db,
                                                  WabizOutbox         *outbox,
                                                  WabizGeminiClient   *gemini);
/* Seconds between looks for work nothing announced (default 60; 0:
 * none) */
void         wabiz_ai_jobs_set_poll_interval     (WabizAiJobs         *self,
                                                  guint                seconds);
/* Takes the messages of the last day that have work waiting, then works
 * whenever woken (a message stored here or, through NOTIFY, elsewhere),
 * at each retry's time and every poll interval. */
void         wabiz_ai_jobs_start                 (WabizAiJobs         *self);
void         wabiz_ai_jobs_wake                  (WabizAiJobs         *self);
/* Cancels the calls to Gemini in flight (their jobs go back to the
 * queue for any process), lets the writes in flight end, and stops. */
void         wabiz_ai_jobs_stop_async            (WabizAiJobs         *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean     wabiz_ai_jobs_stop_finish           (WabizAiJobs         *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* Jobs of each kind this object ended since it was made */
guint64      wabiz_ai_jobs_get_n_analyzed        (WabizAiJobs         *self);
/* Messages it put in the outbox by itself (greetings, away messages,
 * auto-replies) */
guint64      wabiz_ai_jobs_get_n_sent            (WabizAiJobs         *self);

/* "Suggest a reply": a draft of the business's next message to @phone,
 * from the conversation's recent messages and the business profile,
 * returned and never sent.
 * Errors: WABIZ_ERROR_NOT_FOUND (no message with this customer yet),
 * a WABIZ_GEMINI_ERROR (WABIZ_GEMINI_ERROR_NO_KEY without a key), or a
 * WABIZ_DB_ERROR. */
void         wabiz_ai_jobs_suggest_reply_async   (WabizAiJobs         *self,
                                                  const char          *phone,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
char        *wabiz_ai_jobs_suggest_reply_finish  (WabizAiJobs         *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* A person took over the conversation: auto-replies to @phone start
 * again (see the conversation's needs_human). */
void         wabiz_ai_jobs_clear_needs_human_async  (WabizAiJobs         *self,
                                                     const char          *phone,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean     wabiz_ai_jobs_clear_needs_human_finish (WabizAiJobs         *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

G_END_DECLS
