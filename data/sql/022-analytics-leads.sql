-- 022: the lead figures from a summary, as the message figures are (014).
-- Idempotent.
--
-- With a million leads, counting them by status for every look at the
-- Analytics pane took a quarter of a second, and the leads created in a
-- year more than half a second. Two small tables hold them now:
--
--   analytics_lead_days      leads created per UTC day and status
--                            ('-infinity' for those without a creation
--                            time): a few rows a day;
--   analytics_lead_quarters  leads created per quarter of an hour (UTC),
--                            whatever their status, so that a local day
--                            is a sum of whole quarters in every time zone
--                            in use.
--
-- As in 014, writers only mark the quarters they changed, and
-- wabiz_analytics_refresh_leads() counts those (and their days) again
-- from the leads.

create table if not exists analytics_lead_days (
    day date not null,
    status text not null,
    n bigint not null,
    primary key (day, status)
);

create table if not exists analytics_lead_quarters (
    bucket timestamptz primary key,
    n bigint not null
);

create table if not exists analytics_dirty_lead_quarters (
    bucket timestamptz not null,
    xid xid8 not null default pg_current_xact_id()
);
create index if not exists analytics_dirty_lead_quarters_bucket on analytics_dirty_lead_quarters (bucket);

-- the few leads without a creation time, counted again without a scan
create index if not exists leads_created_null on leads (id) where created_at is null;

alter table analytics_lead_days enable row level security;
alter table analytics_lead_quarters enable row level security;
alter table analytics_dirty_lead_quarters enable row level security;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table analytics_lead_days, analytics_lead_quarters, analytics_dirty_lead_quarters from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table analytics_lead_days, analytics_lead_quarters, analytics_dirty_lead_quarters
      from authenticated;
  end if;
end
$$;

create or replace function wabiz_analytics_lead_bucket(p_at timestamptz) returns timestamptz
language sql immutable as $$
  select coalesce(date_bin('15 minutes', p_at, timestamptz '2000-01-01 00:00+00'), '-infinity')
$$;

-- Counts the marked quarters, and their UTC days, again. p_wait as for
-- wabiz_analytics_refresh().
create or replace function wabiz_analytics_refresh_leads(p_wait boolean default true)
returns void
language plpgsql as $$
declare
  v_buckets timestamptz[];
  v_days date[];
begin
  if p_wait then
    perform pg_advisory_xact_lock(hashtext('wabiz_analytics_refresh_leads'));
  elsif not pg_try_advisory_xact_lock(hashtext('wabiz_analytics_refresh_leads')) then
    return;
  end if;

  with d as (delete from analytics_dirty_lead_quarters returning bucket)
  select array_agg(distinct bucket) into v_buckets from d;
  if v_buckets is null then
    return;
  end if;
  v_days := array(select distinct (b at time zone 'UTC')::date from unnest(v_buckets) b);

  delete from analytics_lead_quarters where bucket = any (v_buckets);
  insert into analytics_lead_quarters (bucket, n)
    select u.bucket, count(*)
      from unnest(v_buckets) u(bucket),
           lateral (select 1 from leads l
                     where l.created_at >= u.bucket and l.created_at < u.bucket + interval '15 minutes'
                    offset 0) l
     where u.bucket > '-infinity'
     group by 1;

  delete from analytics_lead_days where day = any (v_days);
  insert into analytics_lead_days (day, status, n)
    select u.day, l.status, count(*)
      from unnest(v_days) u(day),
           lateral (select coalesce(l.status, 'NEW') status from leads l
                     where l.created_at >= (u.day::timestamp at time zone 'UTC')
                       and l.created_at < ((u.day + 1)::timestamp at time zone 'UTC')
                    offset 0) l
     where u.day > '-infinity'
     group by 1, 2;
  if '-infinity' = any (v_days) then
    insert into analytics_lead_days (day, status, n)
      select '-infinity', coalesce(status, 'NEW'), count(*) from leads where created_at is null group by 2;
  end if;
end
$$;

create or replace function wabiz_analytics_mark_lead_quarters(p_at timestamptz[]) returns void
language sql as $$
  insert into analytics_dirty_lead_quarters (bucket)
  select b from (select distinct wabiz_analytics_lead_bucket(a) b from unnest(p_at) a) s
   where not exists (select 1 from analytics_dirty_lead_quarters x
                      where x.bucket = s.b and x.xid = pg_current_xact_id())
$$;

-- Now and then a writer refreshes both summaries (014's, redefined here).
create or replace function wabiz_analytics_maybe_refresh() returns void
language plpgsql as $$
begin
  if random() < 0.002 and current_setting('transaction_isolation') = 'read committed' then
    perform wabiz_analytics_refresh(false);
    perform wabiz_analytics_refresh_leads(false);
  end if;
end
$$;

create or replace function wabiz_analytics_mark_leads_insert() returns trigger
language plpgsql as $$
begin
  perform wabiz_analytics_mark_lead_quarters(array(select created_at from analytics_new_leads));
  perform wabiz_analytics_maybe_refresh();
  return null;
end
$$;

create or replace function wabiz_analytics_mark_leads_delete() returns trigger
language plpgsql as $$
begin
  perform wabiz_analytics_mark_lead_quarters(array(select created_at from analytics_old_leads));
  return null;
end
$$;

-- only the rows whose creation time or status changed: most updates of
-- a lead (its last contact, its name) change neither
create or replace function wabiz_analytics_mark_leads_update() returns trigger
language plpgsql as $$
declare
  v_at timestamptz[];
begin
  select array_agg(t) into v_at
    from analytics_old_leads o join analytics_new_leads n on n.id = o.id,
         unnest(array[o.created_at, n.created_at]) t
   where (o.created_at, coalesce(o.status, 'NEW')) is distinct from (n.created_at, coalesce(n.status, 'NEW'));
  if v_at is not null then
    perform wabiz_analytics_mark_lead_quarters(v_at);
  end if;
  return null;
end
$$;

create or replace function wabiz_analytics_leads_truncated() returns trigger
language plpgsql as $$
begin
  truncate analytics_lead_days, analytics_lead_quarters, analytics_dirty_lead_quarters;
  return null;
end
$$;

drop trigger if exists leads_analytics_insert on leads;
create trigger leads_analytics_insert after insert on leads
  referencing new table as analytics_new_leads
  for each statement execute function wabiz_analytics_mark_leads_insert();

drop trigger if exists leads_analytics_delete on leads;
create trigger leads_analytics_delete after delete on leads
  referencing old table as analytics_old_leads
  for each statement execute function wabiz_analytics_mark_leads_delete();

drop trigger if exists leads_analytics_update on leads;
create trigger leads_analytics_update after update on leads
  referencing old table as analytics_old_leads new table as analytics_new_leads
  for each statement execute function wabiz_analytics_mark_leads_update();

drop trigger if exists leads_analytics_truncate on leads;
create trigger leads_analytics_truncate after truncate on leads
  for each statement execute function wabiz_analytics_leads_truncated();

-- The leads already there, counted once: writers wait for this
-- transaction, then mark what they change.
lock table leads in share row exclusive mode;
insert into analytics_dirty_lead_quarters (bucket)
  select distinct wabiz_analytics_lead_bucket(created_at) from leads
   where not exists (select 1 from analytics_lead_days);
select wabiz_analytics_refresh_leads();

-- The lead figures: all leads by status, and the leads created in the
-- local days p_first … p_last (by status, and per day). Reads the
-- summaries as they are: call wabiz_analytics_refresh_leads() first.
create or replace function wabiz_analytics_leads(p_first date, p_last date, p_tz text)
returns json
language plpgsql stable as $$
declare
  v_from timestamptz := p_first::timestamp at time zone p_tz;
  v_to timestamptz := (p_last + 1)::timestamp at time zone p_tz;
  v_d0 date;
  v_d1 date;
  v_edge1_end timestamptz;
  v_edge2_start timestamptz;
begin
  -- as in wabiz_analytics_messages(): the whole UTC days [v_d0, v_d1) from
  -- the summary, the parts of days at either end from the leads
  v_d0 := (v_from at time zone 'UTC')::date;
  if (v_d0::timestamp at time zone 'UTC') < v_from then
    v_d0 := v_d0 + 1;
  end if;
  v_d1 := greatest((v_to at time zone 'UTC')::date, v_d0);
  v_edge1_end := least(v_d0::timestamp at time zone 'UTC', v_to);
  v_edge2_start := greatest(v_d1::timestamp at time zone 'UTC', v_edge1_end);

  return (
    with new_by_status as materialized (
      select status, sum(n)::bigint n
        from (select d.status, d.n from analytics_lead_days d where d.day >= v_d0 and d.day < v_d1
              union all
              select coalesce(l.status, 'NEW'), 1 from leads l
               where l.created_at >= v_from and l.created_at < v_edge1_end
              union all
              select coalesce(l.status, 'NEW'), 1 from leads l
               where l.created_at >= v_edge2_start and l.created_at < v_to) c
       group by 1),
    all_by_status as materialized (
      select status, sum(n)::bigint n from analytics_lead_days group by 1),
    per_day as (
      select (bucket at time zone p_tz)::date as day, sum(n)::bigint n
        from analytics_lead_quarters where bucket >= v_from and bucket < v_to group by 1),
    statuses as (
      select s, i from unnest(array['NEW', 'CONTACTED', 'INTERESTED', 'CONVERTED', 'LOST']) with ordinality u(s, i)),
    days as (
      select g::date as day from generate_series(p_first::timestamp, p_last::timestamp, interval '1 day') g)
    select json_build_object(
      'total_conversations', (select count(*) from conversations),
      'total_leads', (select coalesce(sum(n), 0)::bigint from all_by_status),
      'leads_by_status', (select json_object_agg(statuses.s, coalesce(c.n, 0) order by statuses.i)
                            from statuses left join all_by_status c on c.status = statuses.s),
      'new_leads', (select coalesce(sum(n), 0)::bigint from new_by_status),
      'new_leads_by_status', (select json_object_agg(statuses.s, coalesce(c.n, 0) order by statuses.i)
                                from statuses left join new_by_status c on c.status = statuses.s),
      'new_leads_per_day', (select json_agg(json_build_object('day', days.day, 'count', coalesce(p.n, 0))
                                            order by days.day)
                              from days left join per_day p using (day))));
end
$$;
