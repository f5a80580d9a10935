-- 015: what makes the outbox's claims safe to repeat and its outcomes
-- safe to arrive late. Idempotent.
--
-- outbox.claim_token: the claim that moved the row to "sending" (a uuid
-- each claim makes). A claim sent again after a broken connection (which
-- may or may not have committed) first returns the rows that carry its
-- token instead of taking more; every write of an outcome names the
-- token and the state it expects, so an outcome that comes after another
-- sender took the row over changes nothing. NULL once the row is back in
-- the queue.

alter table outbox add column if not exists claim_token uuid;

create index if not exists outbox_claim on outbox (claim_token) where state = 'sending';
