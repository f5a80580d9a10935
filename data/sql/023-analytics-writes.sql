-- 023: what the Analytics summaries (014, 022) cost a writer: a mark
-- appended for what changed, nothing more. Idempotent.
--
-- The refresh, apart. Until now a writer refreshed the summaries now and
-- then (one statement in five hundred, in 014's and 022's insert
-- triggers). A refresh counts a whole day of messages again, and it ran
-- while the writer held its leads and conversations: at 1,000 messages a
-- second, the other batch of the webhook processor waited a quarter of a
-- second for those rows, and a message took that long to reach the open
-- conversation (bench/message-latency). The processor now calls
-- wabiz_analytics_refresh(false) and wabiz_analytics_refresh_leads(false)
-- on their own, at most every 30 s while it writes; the Analytics still
-- refreshes before it reads. What the marks say is the same.
--
-- The marks, appended. Before each mark, 018's functions looked for one
-- of the same day or phone in the same transaction, through an index of
-- its own, so that a transaction of several statements left one mark
-- each; 022's lead marks did the same by quarter, and as every mark since
-- the last refresh is of the same quarter, each statement that added a
-- lead read them all. A statement that writes many messages marks each
-- phone once anyway, and the refresh groups the marks by day, phone and
-- quarter before it reads them: a second mark changes nothing that is
-- computed. Under bench/webhook-ingest the phone marks cost 20 us a
-- message; now the marks are appended, and the refresh deletes them all.

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

create or replace function wabiz_analytics_mark_lead_quarters(p_at timestamptz[]) returns void
language sql as $$
  insert into analytics_dirty_lead_quarters (bucket)
  select distinct wabiz_analytics_lead_bucket(a) from unnest(p_at) a
$$;

create or replace function wabiz_analytics_mark_leads_insert() returns trigger
language plpgsql as $$
begin
  perform wabiz_analytics_mark_lead_quarters(array(select created_at from analytics_new_leads));
  return null;
end
$$;

drop function if exists wabiz_analytics_maybe_refresh();

drop index if exists analytics_dirty_days_xact;
drop index if exists analytics_dirty_phones_xact;
drop index if exists analytics_dirty_lead_quarters_bucket;
