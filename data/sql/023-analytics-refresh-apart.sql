-- 023: the Analytics summaries are refreshed in a transaction of their
-- own, never inside a writer's. Idempotent.
--
-- Until now a writer refreshed them now and then (one statement in five
-- hundred, in 014's and 022's insert triggers). A refresh counts a whole
-- day of messages again, and it ran while the writer held its leads and
-- conversations: at 1,000 messages a second, the other batch of the
-- webhook processor waited a quarter of a second for those rows, and a
-- message took that long to reach the open conversation
-- (bench/message-latency). The processor now calls
-- wabiz_analytics_refresh(false) and wabiz_analytics_refresh_leads(false)
-- on their own, at most every 30 s while it writes; the Analytics still
-- refreshes before it reads. What the marks say is the same.

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
  return null;
end
$$;

create or replace function wabiz_analytics_mark_leads_insert() returns trigger
language plpgsql as $$
begin
  perform wabiz_analytics_mark_lead_quarters(array(select created_at from analytics_new_leads));
  return null;
end
$$;

drop function if exists wabiz_analytics_maybe_refresh();
