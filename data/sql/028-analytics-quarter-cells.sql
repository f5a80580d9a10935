-- 028: the message figures per quarter of an hour too. Idempotent.
--
-- wabiz_analytics_messages() reads whole UTC days from analytics_days and
-- counted the parts of days at either end of a period from the messages.
-- In a zone east of UTC a period that ends today ends almost a whole UTC
-- day after today's UTC midnight, so every look at the Analytics counted
-- today's messages again: the last 7 days in Europe/Berlin took 0.29 s
-- with 200,000 messages today, against 5 ms in UTC, and longer as the day
-- went on.
--
-- The changes the triggers append (024) are per quarter and cell already:
-- the refresh now adds them to analytics_quarter_cells too, and
-- wabiz_analytics_cube() reads whole quarters from there and only what is
-- left of a quarter at either end (nothing, for the Analytics' periods:
-- every zone in use is a whole number of quarters from UTC) from the
-- messages. wabiz_analytics_count() keeps counting the messages, for the
-- days a refresh counts again.

create table if not exists analytics_quarter_cells (
    bucket timestamptz not null,
    direction text not null,
    type text not null,
    status text not null,
    reached_sent boolean not null,
    reached_delivered boolean not null,
    reached_read boolean not null,
    error_code int,
    error_title text,
    n bigint not null
);
-- one row per quarter and cell (NULL error columns alike), so that a
-- refresh adds to a count in place: n is in no index, and the update stays
-- on its page (HOT)
create unique index if not exists analytics_quarter_cells_cell
  on analytics_quarter_cells (bucket, direction, type, status, reached_sent, reached_delivered, reached_read,
                              error_code, error_title) nulls not distinct;
alter table analytics_quarter_cells enable row level security;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table analytics_quarter_cells from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table analytics_quarter_cells from authenticated;
  end if;
end
$$;

-- The counts of the messages in [p_from, p_to) by cell, read from the
-- messages (what wabiz_analytics_cube() did until now).
create or replace function wabiz_analytics_count(p_from timestamptz, p_to timestamptz)
returns table (direction text, type text, status text, reached_sent boolean,
               reached_delivered boolean, reached_read boolean, error_code int,
               error_title text, n bigint)
language sql stable as $$
  select c.direction, c.type, c.status, c.reached_sent, c.reached_delivered, c.reached_read,
         c.error_code, c.error_title, count(*)
    from messages m,
         wabiz_analytics_cell(m."timestamp", m.direction, m.type, m.status, m.sent_at, m.delivered_at,
                              m.read_at, m.error_code, m.error_title) c
   where m."timestamp" >= p_from and m."timestamp" < p_to
   group by 1, 2, 3, 4, 5, 6, 7, 8
$$;

-- Filled once, from the messages, with writers held off: what they
-- changed before is first added to the other summaries by 024's refresh,
-- so that no change is left that the new refresh would add again.
do $$
begin
  if not exists (select 1 from analytics_quarter_cells) then
    lock table messages in share mode;
    perform wabiz_analytics_refresh();
    insert into analytics_quarter_cells (bucket, direction, type, status, reached_sent, reached_delivered,
                                         reached_read, error_code, error_title, n)
      select c.*, count(*)
        from messages m,
             wabiz_analytics_cell(m."timestamp", m.direction, m.type, m.status, m.sent_at, m.delivered_at,
                                  m.read_at, m.error_code, m.error_title) c
       where m."timestamp" is not null
       group by 1, 2, 3, 4, 5, 6, 7, 8, 9;
  end if;
end
$$;

-- The whole quarters of [p_from, p_to): from the first that starts at or
-- after p_from to the last that starts at or before p_to; an empty range
-- (both the same) when the two are in one quarter or out of order. SQL
-- expressions, inlined: with the period's bounds known, the planner
-- estimates the quarters read from the index's statistics.
create or replace function wabiz_analytics_quarters_from(p_from timestamptz, p_to timestamptz)
returns timestamptz
language sql stable as $$
  select least(date_bin('15 minutes', p_from + interval '15 minutes' - interval '1 microsecond',
                        timestamptz '2000-01-01 00:00+00'),
               greatest(p_to, p_from))
$$;

create or replace function wabiz_analytics_quarters_to(p_from timestamptz, p_to timestamptz)
returns timestamptz
language sql stable as $$
  select greatest(date_bin('15 minutes', p_to, timestamptz '2000-01-01 00:00+00'),
                  wabiz_analytics_quarters_from(p_from, p_to))
$$;

-- The counts of the messages in [p_from, p_to) by cell: its whole
-- quarters from analytics_quarter_cells (up to date after a refresh, as
-- analytics_days), the rest of a quarter at either end from the messages.
create or replace function wabiz_analytics_cube(p_from timestamptz, p_to timestamptz)
returns table (direction text, type text, status text, reached_sent boolean,
               reached_delivered boolean, reached_read boolean, error_code int,
               error_title text, n bigint)
language sql stable as $$
  select x.direction, x.type, x.status, x.reached_sent, x.reached_delivered, x.reached_read,
         x.error_code, x.error_title, sum(x.n)::bigint
    from (select q.direction, q.type, q.status, q.reached_sent, q.reached_delivered, q.reached_read,
                 q.error_code, q.error_title, q.n
            from analytics_quarter_cells q
           where q.bucket >= wabiz_analytics_quarters_from(p_from, p_to)
             and q.bucket < wabiz_analytics_quarters_to(p_from, p_to)
          union all
          select * from wabiz_analytics_count(p_from, wabiz_analytics_quarters_from(p_from, p_to))
          union all
          select * from wabiz_analytics_count(wabiz_analytics_quarters_to(p_from, p_to), p_to)) x
   group by 1, 2, 3, 4, 5, 6, 7, 8
  having sum(x.n) <> 0
$$;

create or replace function wabiz_analytics_truncated() returns trigger
language plpgsql as $$
begin
  truncate analytics_days, analytics_quarters, analytics_quarter_cells, analytics_turns,
    analytics_dirty_days, analytics_dirty_phones, analytics_deltas;
  return null;
end
$$;

-- 024's refresh, adding the changes to the quarter cells too, and
-- counting them again for the days still marked whole.
create or replace function wabiz_analytics_refresh(p_wait boolean default true)
returns void
language plpgsql as $$
declare
  v_deltas analytics_deltas[];
  v_buckets timestamptz[];
  v_days date[];
  v_phones text[];
  v_since timestamptz[];
  v_anchor_at timestamptz[];
  v_anchor_id uuid[];
begin
  if p_wait then
    perform pg_advisory_xact_lock(hashtext('wabiz_analytics_refresh'));
  elsif not pg_try_advisory_xact_lock(hashtext('wabiz_analytics_refresh')) then
    return;
  end if;

  with d as (delete from analytics_deltas returning *)
  select array_agg(row(d.*)::analytics_deltas) into v_deltas from d;

  if v_deltas is not null then
    -- the days: each cell's count plus its changes, none left at zero
    with g as (
      select (u.bucket at time zone 'UTC')::date as day, u.direction, u.type, u.status, u.reached_sent,
             u.reached_delivered, u.reached_read, u.error_code, u.error_title, sum(u.n)::bigint n
        from unnest(v_deltas) u
       group by 1, 2, 3, 4, 5, 6, 7, 8, 9),
    old as (
      delete from analytics_days a using g
       where a.day = g.day and a.direction = g.direction and a.type = g.type and a.status = g.status
         and a.reached_sent = g.reached_sent and a.reached_delivered = g.reached_delivered
         and a.reached_read = g.reached_read and a.error_code is not distinct from g.error_code
         and a.error_title is not distinct from g.error_title
      returning a.*)
    insert into analytics_days (day, direction, type, status, reached_sent, reached_delivered,
                                reached_read, error_code, error_title, n)
      select day, direction, type, status, reached_sent, reached_delivered, reached_read,
             error_code, error_title, sum(n)
        from (select * from old union all select * from g) x
       group by 1, 2, 3, 4, 5, 6, 7, 8, 9
      having sum(n) <> 0;

    v_buckets := array(select distinct u.bucket from unnest(v_deltas) u);

    -- the quarters' cells: each count plus its changes, in place, none
    -- left at zero
    insert into analytics_quarter_cells as a (bucket, direction, type, status, reached_sent, reached_delivered,
                                              reached_read, error_code, error_title, n)
      select u.bucket, u.direction, u.type, u.status, u.reached_sent, u.reached_delivered, u.reached_read,
             u.error_code, u.error_title, sum(u.n)
        from unnest(v_deltas) u
       group by 1, 2, 3, 4, 5, 6, 7, 8, 9
    on conflict (bucket, direction, type, status, reached_sent, reached_delivered, reached_read, error_code,
                 error_title)
    do update set n = a.n + excluded.n;
    delete from analytics_quarter_cells where bucket = any (v_buckets) and n = 0;

    -- the quarters: inbound and outbound
    insert into analytics_quarters as q (bucket, inbound, outbound)
      select u.bucket, coalesce(sum(u.n) filter (where u.direction = 'inbound'), 0),
             coalesce(sum(u.n) filter (where u.direction = 'outbound'), 0)
        from unnest(v_deltas) u
       group by 1
    on conflict (bucket) do update
      set inbound = q.inbound + excluded.inbound, outbound = q.outbound + excluded.outbound;
    delete from analytics_quarters where bucket = any (v_buckets) and inbound = 0 and outbound = 0;
  end if;

  -- days marked whole: with writers held off (their changes are then all
  -- committed and seen), the day's changes are dropped and its messages
  -- counted again
  if exists (select 1 from analytics_dirty_days) then
    lock table messages in share mode;
    with d as (delete from analytics_dirty_days returning day)
    select array_agg(distinct day) into v_days from d;
    delete from analytics_deltas where (bucket at time zone 'UTC')::date = any (v_days);
    delete from analytics_days where day = any (v_days);
    delete from analytics_quarters q using unnest(v_days) u(day)
     where q.bucket >= (u.day::timestamp at time zone 'UTC')
       and q.bucket < ((u.day + 1)::timestamp at time zone 'UTC');
    delete from analytics_quarter_cells q using unnest(v_days) u(day)
     where q.bucket >= (u.day::timestamp at time zone 'UTC')
       and q.bucket < ((u.day + 1)::timestamp at time zone 'UTC');
    insert into analytics_days (day, direction, type, status, reached_sent, reached_delivered,
                                reached_read, error_code, error_title, n)
      select u.day, c.*
        from unnest(v_days) u(day),
             wabiz_analytics_count(u.day::timestamp at time zone 'UTC',
                                   (u.day + 1)::timestamp at time zone 'UTC') c;
    insert into analytics_quarters (bucket, inbound, outbound)
      select date_bin('15 minutes', m."timestamp", timestamptz '2000-01-01 00:00+00'),
             count(*) filter (where m.direction = 'inbound'),
             count(*) filter (where m.direction = 'outbound')
        from unnest(v_days) u(day)
        join messages m on m."timestamp" >= (u.day::timestamp at time zone 'UTC')
                       and m."timestamp" < ((u.day + 1)::timestamp at time zone 'UTC')
       group by 1;
    insert into analytics_quarter_cells (bucket, direction, type, status, reached_sent, reached_delivered,
                                         reached_read, error_code, error_title, n)
      select c.*, count(*)
        from unnest(v_days) u(day)
        join messages m on m."timestamp" >= (u.day::timestamp at time zone 'UTC')
                       and m."timestamp" < ((u.day + 1)::timestamp at time zone 'UTC'),
             wabiz_analytics_cell(m."timestamp", m.direction, m.type, m.status, m.sent_at, m.delivered_at,
                                  m.read_at, m.error_code, m.error_title) c
       group by 1, 2, 3, 4, 5, 6, 7, 8, 9;
  end if;

  with d as (delete from analytics_dirty_phones returning phone, since)
  select array_agg(phone order by phone), array_agg(since order by phone)
    into v_phones, v_since
    from (select phone, min(since) since from d group by phone) s;

  if v_phones is null then
    return;
  end if;

  -- as in 014: the turns from the last one before each phone's earliest
  -- change on are computed again
  select array_agg(a.started_at order by u.i), array_agg(a.message_id order by u.i)
    into v_anchor_at, v_anchor_id
    from unnest(v_phones, v_since) with ordinality u(phone, since, i)
    left join lateral (select t.started_at, t.message_id from analytics_turns t
                        where t.phone = u.phone and t.started_at < u.since
                        order by t.started_at desc, t.message_id desc limit 1) a on true;

  delete from analytics_turns
   where message_id in (select t.message_id
                          from unnest(v_phones, v_anchor_at, v_anchor_id) a(phone, at, id),
                               lateral (select t.message_id from analytics_turns t
                                         where t.phone = a.phone
                                           and t.started_at >= coalesce(a.at, '-infinity')
                                           and (a.at is null or (t.started_at, t.message_id) >= (a.at, a.id))
                                        offset 0) t);

  insert into analytics_turns (message_id, phone, started_at, replied_at, reply_seconds)
    select x.id, x.phone, x.ts, x.next_out, floor(extract(epoch from x.next_out - x.ts))::int
      from (select m.id, m.phone, m."timestamp" ts, m.direction,
                   lag(m.direction) over (partition by m.phone order by m."timestamp", m.id) prev,
                   min(m."timestamp") filter (where m.direction = 'outbound')
                     over (partition by m.phone order by m."timestamp" desc, m.id desc
                           rows between unbounded preceding and current row) next_out
              from unnest(v_phones, v_anchor_at, v_anchor_id) a(phone, at, id)
              join lateral (select m.id, m.phone, m."timestamp", m.direction from messages m
                             where m.phone = a.phone
                               and m."timestamp" >= coalesce(a.at, '-infinity')
                               and m.direction in ('inbound', 'outbound')
                               and (a.at is null or (m."timestamp", m.id) >= (a.at, a.id))
                            offset 0) m on true) x
     where x.direction = 'inbound' and x.prev is distinct from 'inbound';
end
$$;
