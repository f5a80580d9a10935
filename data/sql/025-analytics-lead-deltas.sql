-- 025: the lead figures (022) kept from what changed, as 024 does for the
-- messages. Idempotent.
--
-- A write marked the quarter of each lead's creation, and a refresh
-- counted that quarter and its whole UTC day of leads again: a day of
-- many new leads made every refresh of it longer. Now the triggers
-- append, per quarter and status, how many leads entered (or, negative,
-- left), and wabiz_analytics_refresh_leads() adds those to
-- analytics_lead_days and analytics_lead_quarters. Leads without a
-- creation time count under '-infinity', as in 022.

create table if not exists analytics_lead_deltas (
    bucket timestamptz not null,
    status text not null,
    n bigint not null
);
alter table analytics_lead_deltas enable row level security;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table analytics_lead_deltas from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table analytics_lead_deltas from authenticated;
  end if;
end
$$;

create or replace function wabiz_analytics_mark_leads_insert() returns trigger
language plpgsql as $$
begin
  insert into analytics_lead_deltas (bucket, status, n)
  select wabiz_analytics_lead_bucket(created_at), coalesce(status, 'NEW'), count(*)
    from analytics_new_leads group by 1, 2;
  return null;
end
$$;

create or replace function wabiz_analytics_mark_leads_delete() returns trigger
language plpgsql as $$
begin
  insert into analytics_lead_deltas (bucket, status, n)
  select wabiz_analytics_lead_bucket(created_at), coalesce(status, 'NEW'), -count(*)
    from analytics_old_leads group by 1, 2;
  return null;
end
$$;

-- only the rows whose creation time or status changed (most updates of a
-- lead, its last contact or its name, change neither): out of the old
-- quarter and status, into the new
create or replace function wabiz_analytics_mark_leads_update() returns trigger
language plpgsql as $$
begin
  insert into analytics_lead_deltas (bucket, status, n)
  select wabiz_analytics_lead_bucket(l.created_at), coalesce(l.status, 'NEW'), sum(l.sign)
    from analytics_old_leads o join analytics_new_leads n on n.id = o.id,
         lateral (values (-1, o.created_at, o.status), (1, n.created_at, n.status)) l (sign, created_at, status)
   where (o.created_at, coalesce(o.status, 'NEW')) is distinct from (n.created_at, coalesce(n.status, 'NEW'))
   group by 1, 2
  having sum(l.sign) <> 0;
  return null;
end
$$;

create or replace function wabiz_analytics_leads_truncated() returns trigger
language plpgsql as $$
begin
  truncate analytics_lead_days, analytics_lead_quarters, analytics_dirty_lead_quarters,
    analytics_lead_deltas;
  return null;
end
$$;

-- Adds what changed; quarters still marked (by wabiz_analytics_mark_lead_quarters(),
-- or a transaction from before this migration) are counted again with
-- their days, writers held off meanwhile so that no change counts twice.
-- p_wait as for wabiz_analytics_refresh().
create or replace function wabiz_analytics_refresh_leads(p_wait boolean default true)
returns void
language plpgsql as $$
declare
  v_deltas analytics_lead_deltas[];
  v_buckets timestamptz[];
  v_days date[];
begin
  if p_wait then
    perform pg_advisory_xact_lock(hashtext('wabiz_analytics_refresh_leads'));
  elsif not pg_try_advisory_xact_lock(hashtext('wabiz_analytics_refresh_leads')) then
    return;
  end if;

  with d as (delete from analytics_lead_deltas returning *)
  select array_agg(row(d.*)::analytics_lead_deltas) into v_deltas from d;

  if v_deltas is not null then
    insert into analytics_lead_days as a (day, status, n)
      select (u.bucket at time zone 'UTC')::date, u.status, sum(u.n)
        from unnest(v_deltas) u
       group by 1, 2
    on conflict (day, status) do update set n = a.n + excluded.n;
    insert into analytics_lead_quarters as q (bucket, n)
      select u.bucket, sum(u.n)
        from unnest(v_deltas) u
       where u.bucket > '-infinity'
       group by 1
    on conflict (bucket) do update set n = q.n + excluded.n;
    v_buckets := array(select distinct u.bucket from unnest(v_deltas) u);
    delete from analytics_lead_days
     where day = any (array(select distinct (b at time zone 'UTC')::date from unnest(v_buckets) b)) and n = 0;
    delete from analytics_lead_quarters where bucket = any (v_buckets) and n = 0;
  end if;

  if not exists (select 1 from analytics_dirty_lead_quarters) then
    return;
  end if;

  lock table leads in share mode;
  with d as (delete from analytics_dirty_lead_quarters returning bucket)
  select array_agg(distinct bucket) into v_buckets from d;
  v_days := array(select distinct (b at time zone 'UTC')::date from unnest(v_buckets) b);
  delete from analytics_lead_deltas where (bucket at time zone 'UTC')::date = any (v_days);

  delete from analytics_lead_quarters q using unnest(v_days) u(day)
   where q.bucket >= (u.day::timestamp at time zone 'UTC')
     and q.bucket < ((u.day + 1)::timestamp at time zone 'UTC');
  insert into analytics_lead_quarters (bucket, n)
    select wabiz_analytics_lead_bucket(l.created_at), count(*)
      from unnest(v_days) u(day),
           lateral (select l.created_at from leads l
                     where l.created_at >= (u.day::timestamp at time zone 'UTC')
                       and l.created_at < ((u.day + 1)::timestamp at time zone 'UTC')
                    offset 0) l
     where u.day > '-infinity'
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
