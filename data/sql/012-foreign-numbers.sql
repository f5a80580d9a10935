-- 012: webhook events for another phone number are kept aside with their
-- reason, not dropped. Idempotent.
--
-- A change whose metadata.phone_number_id is not the number WaBiz is set
-- up for (another number of the business, or a test number's id pasted
-- into the settings by mistake) was dropped by the processor with a debug
-- line, and the event marked processed: the owner received nothing and saw
-- nothing. Such an event now stays unprocessed and not failed, with the
-- reason in skipped_reason and the number in foreign_phone_number_id; it
-- is counted in /health, and a reprocess (`wabizd --reprocess`) takes it
-- again, so that once the setting names that number its rows appear.

alter table webhook_events add column if not exists skipped_reason text;
alter table webhook_events add column if not exists foreign_phone_number_id text;

-- the events kept aside, counted by number
create index if not exists webhook_events_foreign on webhook_events (foreign_phone_number_id)
  where processed_at is null and skipped_reason is not null;
-- the events a normal run takes: the walk of 005 passes over no event
-- kept aside or failed, however many there are
create index if not exists webhook_events_ready on webhook_events (id)
  where processed_at is null and error is null and skipped_reason is null;

-- The processor's next batch (005): a normal run takes the events neither
-- failed nor kept aside; a reprocess (p_failed) takes the failed ones and
-- those kept aside. Each branch is planned on its own, with its partial
-- index.
create or replace function wabiz_next_webhook_events(p_after bigint, p_limit int, p_failed boolean)
returns table (id bigint, body text)
language plpgsql
set enable_bitmapscan = off
set enable_seqscan = off
as $$
#variable_conflict use_column
begin
  if p_failed then
    return query
      select e.id, e.body from webhook_events e
        where e.processed_at is null and (e.error is not null or e.skipped_reason is not null)
          and e.id > p_after
        order by e.id limit p_limit
        for update skip locked;
  else
    return query
      select e.id, e.body from webhook_events e
        where e.processed_at is null and e.error is null and e.skipped_reason is null
          and e.id > p_after
        order by e.id limit p_limit
        for update skip locked;
  end if;
end
$$;
