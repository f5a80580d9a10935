-- 024: an Analytics mark (014, 022) is one row appended, nothing looked
-- up first. Idempotent.
--
-- Before each mark, 018's functions looked for one of the same day or
-- phone in the same transaction, through an index of its own, so that a
-- transaction of several statements left one mark each. A statement that
-- writes many messages marks each phone once anyway, and the refresh
-- (014) groups the marks by day and by phone before it reads them: a
-- second mark changes nothing that is computed. Under
-- bench/webhook-ingest the lookup and its index cost 20 us a message;
-- now the marks are appended, and the refresh deletes them all.

create or replace function wabiz_analytics_mark_days(p_days date[]) returns void
language sql as $$
  insert into analytics_dirty_days (day)
  select distinct d from unnest(p_days) d where d is not null
$$;

create or replace function wabiz_analytics_mark_phones(p_phones text[], p_since timestamptz[]) returns void
language sql as $$
  insert into analytics_dirty_phones (phone, since)
  select phone, min(since) from unnest(p_phones, p_since) u(phone, since)
   where phone is not null and since is not null
   group by phone
$$;

create or replace function wabiz_analytics_mark_insert() returns trigger
language plpgsql as $$
begin
  insert into analytics_dirty_days (day)
  select distinct ("timestamp" at time zone 'UTC')::date from analytics_new where "timestamp" is not null;
  insert into analytics_dirty_phones (phone, since)
  select phone, min("timestamp") from analytics_new
   where phone is not null and "timestamp" is not null
   group by phone;
  return null;
end
$$;

-- 022's lead marks looked one up the same way, by quarter: every mark
-- since the last refresh is of the same quarter, so each statement that
-- added a lead read them all.
create or replace function wabiz_analytics_mark_lead_quarters(p_at timestamptz[]) returns void
language sql as $$
  insert into analytics_dirty_lead_quarters (bucket)
  select distinct wabiz_analytics_lead_bucket(a) from unnest(p_at) a
$$;

drop index if exists analytics_dirty_days_xact;
drop index if exists analytics_dirty_phones_xact;
drop index if exists analytics_dirty_lead_quarters_bucket;
