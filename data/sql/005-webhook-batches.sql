-- 005: webhook processing that keeps its cost per event under load. Idempotent.
--
-- Early statuses: 004's trigger ran a PL/pgSQL function and a DELETE for
-- every message inserted, although almost always no early status waits.
-- Inserts now fire one statement-level trigger that looks at all the new
-- rows at once (and returns at once when nothing waits); a message_id set
-- later by an UPDATE (the send answer) keeps the row-level trigger. What
-- is applied, and when (at the end of the inserting statement), is as
-- before.

create or replace function wabiz_apply_early_statuses_insert() returns trigger
language plpgsql as $$
declare
  s record;
begin
  if not exists (select 1 from webhook_early_statuses) then
    return null;
  end if;
  for s in with d as (delete from webhook_early_statuses e using new_messages n
                      where e.wamid = n.message_id
                      returning e.*)
           select * from d order by wamid, wabiz_status_rank(status), status_at loop
    perform wabiz_apply_status(s.wamid, s.status, s.status_at, s.error_code, s.error_title,
                               s.error_details, s.conversation_info, s.pricing);
  end loop;
  return null;
end
$$;

drop trigger if exists messages_apply_early_statuses on messages;
create trigger messages_apply_early_statuses
  after update of message_id on messages
  for each row when (new.message_id is not null)
  execute function wabiz_apply_early_statuses();

drop trigger if exists messages_apply_early_statuses_insert on messages;
create trigger messages_apply_early_statuses_insert
  after insert on messages
  referencing new table as new_messages
  for each statement
  execute function wabiz_apply_early_statuses_insert();

-- The processor's next batch: the oldest pending events, locked. Planned
-- by itself the query read every pending-index entry (dead ones too)
-- into a bitmap and sorted all pending bodies before locking the first
-- few: a cost that grew with the backlog, just when the processor was
-- behind. Here it walks the partial index in id order and stops at the
-- limit.
create or replace function wabiz_next_webhook_events(p_after bigint, p_limit int, p_failed boolean)
returns table (id bigint, body text)
language sql
set enable_bitmapscan = off
set enable_seqscan = off
as $$
  select e.id, e.body from webhook_events e
    where e.processed_at is null and (e.error is not null) = p_failed and e.id > p_after
    order by e.id limit p_limit
    for update skip locked
$$;
