-- 021: a message's created_at is when its row was written, not when the
-- transaction that wrote it began. The processor opens a batch's
-- transaction before it takes the batch's events, so with now() an event
-- that arrived after a setting was saved could still carry an earlier
-- created_at than that setting's updated_at, and the AI jobs
-- (wabiz-ai-jobs.c, which start with the messages stored after a switch
-- was turned on) would skip it. Idempotent.

alter table messages alter column created_at set default statement_timestamp();
