/* wabiz-ai-jobs-private.h
 *
 * SPDX-License-Identifier: MIT
 *
 * What wabiz-ai-jobs.c (the queue and the analysis) and
 * wabiz-ai-jobs-replies.c (the canned messages, the auto-replies and
 * the suggestions) share, and the test hooks.
 */

#pragma once

#include "wabiz-ai-jobs.h"
#include "wabiz-business-settings-private.h"

G_BEGIN_DECLS

struct _WabizAiJobs
{
  WabizWorker        parent_instance;

  WabizGeminiClient *gemini;          /* (owned) (nullable) */
  GDateTime         *now;             /* (owned) (nullable) a test's "now" for business hours */

  guint              n_analyzing;     /* analyze jobs in flight */
  guint              n_replying;      /* reply jobs in flight */

  guint64            n_analyzed;
  guint64            n_sent;
};

/* How a job ends */
typedef enum
{
  AI_JOB_DONE,      /* finished: outcome says what happened */
  AI_JOB_SKIPPED,   /* its switch was off: nothing was sent */
  AI_JOB_RETRY,     /* failed: again after a back-off, while tries are left */
  AI_JOB_FAILED,    /* failed for good */
  AI_JOB_RELEASE,   /* cancelled: back to the queue for any process */
} AiJobEnd;

typedef struct _AiJob AiJob;
typedef void (*AiJobStep) (AiJob *job);

/* One claimed job on its way */
struct _AiJob
{
  WabizAiJobs           *self;          /* (owned) */
  char                  *id;            /* (owned) */
  char                  *claim_token;   /* (owned) */
  char                  *kind;          /* (owned) "analyze" or "reply" */
  char                  *message_id;    /* (owned) the inbound message */
  char                  *phone;         /* (owned) */
  char                  *type;          /* (owned) the message's type */
  char                  *text;          /* (owned) the message's text, "" when none */
  WabizBusinessSettings *settings;      /* (owned) as they were when it was claimed */

  /* a reply's */
  char                  *intent;        /* (owned) (nullable) the analysis', when done */
  gboolean               window_open;
  gboolean               needs_human;   /* the conversation waits for a person */
  gboolean               active;        /* another message in the greeting's interval */
  gboolean               answered;      /* a person wrote to the customer after it */
  gboolean               away_allowed;  /* no auto-reply took the away message's place */
  gboolean               open_now;      /* inside the business hours */
  char                  *reservation;   /* (owned) (nullable) the auto_messages row held */
  char                  *reserved_kind; /* (owned) (nullable) its kind */
  GPtrArray             *releases;      /* (owned) auto_messages rows nothing was sent for,
                                         * handed back with the job's end */
  AiJobStep              next;          /* after the canned message in flight */
  GString               *outcome;       /* (owned) what happened, comma-separated */
};

void        _wabiz_ai_jobs_end                (AiJob              *job,
                                               AiJobEnd            end,
                                               const char         *outcome,
                                               const GError       *error);
void        _wabiz_ai_jobs_start_reply        (AiJob              *job);
/* Whether @error is worth another try later */
gboolean    _wabiz_ai_jobs_error_is_transient (const GError       *error);
GDateTime  *_wabiz_ai_jobs_dup_now            (WabizAiJobs        *self);
/* The response schema of a string; one of @values, where not NULL */
JsonObject *_wabiz_ai_jobs_string_schema      (const char * const *values);
/* The response schema of an object whose properties, all required and in
 * this order, are pairs of a name and its schema (transfer full), up to a
 * NULL name */
JsonObject *_wabiz_ai_jobs_object_schema      (const char         *first_name,
                                               ...) G_GNUC_NULL_TERMINATED;
/* Text folded for matching: no case, no accents */
char       *_wabiz_ai_jobs_fold               (const char         *text);
/* Whether @folded holds @folded_phrase as whole words */
gboolean    _wabiz_ai_jobs_has_phrase         (const char         *folded,
                                               const char         *folded_phrase);

/* Test hooks */

/* @now: (nullable): the time the business hours are read at; NULL: the
 * clock */
void               _wabiz_ai_jobs_set_now     (WabizAiJobs        *self,
                                               GDateTime          *now);
/* The wait before try n + 1 is @initial_ms · 2^(n - 1), at most @max_ms,
 * ±20 %; after @max_attempts tries a job fails for good. */
void               _wabiz_ai_jobs_set_backoff (WabizAiJobs        *self,
                                               guint               initial_ms,
                                               guint               max_ms,
                                               guint               max_attempts);
WabizGeminiClient *_wabiz_ai_jobs_get_gemini  (WabizAiJobs        *self);

G_END_DECLS
