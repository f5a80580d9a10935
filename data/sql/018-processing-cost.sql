-- 018: what each message received costs the database, lowered. Idempotent.
--
-- Measured with bench/webhook-ingest (pg_stat_statements, and the CPU of
-- the server's processes per delivery); the rows, the indexes the app
-- reads and what is found stay as they were.

-- Analytics marks (014). Each statement that inserts messages marks its
-- days and phones, once per transaction: before each insert of a mark,
-- the function looked for one of the same transaction among all the
-- marks of that day or phone since the last refresh (a few hundred,
-- growing with every batch until the next refresh), and the trigger first
-- copied its transition table into arrays. The lookups now go by (day or
-- phone, transaction) and the marks come straight from the transition
-- table; what is marked is the same.
create index if not exists analytics_dirty_days_xact on analytics_dirty_days (day, xid);
drop index if exists analytics_dirty_days_day;
create index if not exists analytics_dirty_phones_xact on analytics_dirty_phones (phone, xid);
drop index if exists analytics_dirty_phones_phone;

create or replace function wabiz_analytics_mark_days(p_days date[]) returns void
language sql as $$
  insert into analytics_dirty_days (day)
  select d from (select distinct d from unnest(p_days) d where d is not null) s
   where not exists (select 1 from analytics_dirty_days x
                      where x.day = s.d and x.xid = (select pg_current_xact_id()))
$$;

create or replace function wabiz_analytics_mark_phones(p_phones text[], p_since timestamptz[]) returns void
language sql as $$
  insert into analytics_dirty_phones (phone, since)
  select phone, since
    from (select phone, min(since) since from unnest(p_phones, p_since) u(phone, since)
           where phone is not null and since is not null group by phone) s
   where not exists (select 1 from analytics_dirty_phones x
                      where x.phone = s.phone and x.xid = (select pg_current_xact_id())
                        and x.since <= s.since)
$$;

create or replace function wabiz_analytics_mark_insert() returns trigger
language plpgsql as $$
declare
  v_xid xid8 := pg_current_xact_id();
begin
  insert into analytics_dirty_days (day, xid)
  select s.d, v_xid
    from (select distinct ("timestamp" at time zone 'UTC')::date d from analytics_new) s
   where s.d is not null
     and not exists (select 1 from analytics_dirty_days x where x.day = s.d and x.xid = v_xid);
  insert into analytics_dirty_phones (phone, since, xid)
  select s.phone, s.since, v_xid
    from (select phone, min("timestamp") since from analytics_new
           where phone is not null and "timestamp" is not null group by phone) s
   where not exists (select 1 from analytics_dirty_phones x
                      where x.phone = s.phone and x.xid = v_xid and x.since <= s.since);
  perform wabiz_analytics_maybe_refresh();
  return null;
end
$$;

-- webhook_events: every delivery was entered in two partial indexes of
-- pending events, webhook_events_pending (not processed) and
-- webhook_events_ready (neither processed, failed nor kept aside, 012),
-- and the processor's update took it out of both. A normal run walks the
-- second; the first served only a reprocess and the counts of failed and
-- kept-aside events, which are few: it now holds those alone.
create index if not exists webhook_events_held on webhook_events (id)
  where processed_at is null and (error is not null or skipped_reason is not null);
drop index if exists webhook_events_pending;
