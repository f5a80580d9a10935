-- 024: the message figures (014) kept from what changed, not counted
-- again. Idempotent.
--
-- Until now a write marked its UTC day, and a refresh counted that whole
-- day of messages again: on a busy day each refresh took longer than the
-- last (0.2 s at 200,000 messages on an idle server), however few
-- messages had come since, and so did the Analytics pane's first look
-- after a change.
--
-- Now the triggers append what each statement changed, counted: a row per
-- quarter of an hour and combination of the figures' columns (a "cell")
-- with how many messages entered it (or, negative, left it), and
-- wabiz_analytics_refresh() adds those to analytics_days and
-- analytics_quarters. A refresh costs what changed since the last one.
--
-- As before, a writer touches no counter row: it appends, so that writers
-- never wait for each other here. Rows of a transaction not yet committed
-- are neither seen nor deleted by a refresh, and are added by a later one.
-- The customer turns (analytics_turns) are kept as before, by phone.

create table if not exists analytics_deltas (
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
alter table analytics_deltas enable row level security;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table analytics_deltas from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table analytics_deltas from authenticated;
  end if;
end
$$;

-- The cell of a message, and its quarter: the one place that says which
-- cell a message is in. Called in FROM, it is inlined into the query that
-- calls it (a SQL function of one SELECT), so that each trigger keeps a
-- plan of its own rather than planning its statement every time.
create or replace function wabiz_analytics_cell(p_at timestamptz, p_direction text, p_type text,
                                                p_status text, p_sent_at timestamptz,
                                                p_delivered_at timestamptz, p_read_at timestamptz,
                                                p_error_code int, p_error_title text)
returns table (bucket timestamptz, direction text, type text, status text, reached_sent boolean,
               reached_delivered boolean, reached_read boolean, error_code int, error_title text)
language sql immutable as $$
  select date_bin('15 minutes', p_at, timestamptz '2000-01-01 00:00+00'),
         coalesce(p_direction, 'unknown'), coalesce(p_type, 'unknown'), coalesce(p_status, 'unknown'),
         p_sent_at is not null or p_delivered_at is not null or p_read_at is not null
           or coalesce(p_status in ('sent', 'delivered', 'read', 'played'), false),
         p_delivered_at is not null or p_read_at is not null
           or coalesce(p_status in ('delivered', 'read', 'played'), false),
         p_read_at is not null or coalesce(p_status in ('read', 'played'), false),
         case when p_status = 'failed' then p_error_code end,
         case when p_status = 'failed' then p_error_title end
$$;

-- The counts of the messages in [p_from, p_to) by cell, read from the
-- messages (014's, now through the cell above).
create or replace function wabiz_analytics_cube(p_from timestamptz, p_to timestamptz)
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

create or replace function wabiz_analytics_mark_insert() returns trigger
language plpgsql as $$
begin
  insert into analytics_deltas
  select c.*, count(*)
    from analytics_new m,
         wabiz_analytics_cell(m."timestamp", m.direction, m.type, m.status, m.sent_at, m.delivered_at,
                              m.read_at, m.error_code, m.error_title) c
   where m."timestamp" is not null
   group by 1, 2, 3, 4, 5, 6, 7, 8, 9;
  insert into analytics_dirty_phones (phone, since)
  select phone, min("timestamp") from analytics_new
   where phone is not null and "timestamp" is not null
   group by phone;
  return null;
end
$$;

create or replace function wabiz_analytics_mark_delete() returns trigger
language plpgsql as $$
begin
  insert into analytics_deltas
  select c.*, -count(*)
    from analytics_old m,
         wabiz_analytics_cell(m."timestamp", m.direction, m.type, m.status, m.sent_at, m.delivered_at,
                              m.read_at, m.error_code, m.error_title) c
   where m."timestamp" is not null
   group by 1, 2, 3, 4, 5, 6, 7, 8, 9;
  insert into analytics_dirty_phones (phone, since)
  select phone, min("timestamp") from analytics_old
   where phone is not null and "timestamp" is not null
   group by phone;
  return null;
end
$$;

-- An update: the rows whose time, direction, type, status, steps or
-- reason changed leave their old cells (-1) and enter their new ones
-- (+1); the turns of the phones whose phone, time or direction changed
-- are marked from the earlier time. (A trigger with transition tables
-- cannot name columns: it sees every update.)
create or replace function wabiz_analytics_mark_update() returns trigger
language plpgsql as $$
declare
  v_phones text[];
  v_since timestamptz[];
begin
  insert into analytics_deltas
  select c.*, sum(m.sign)
    from analytics_old o join analytics_new n on n.id = o.id,
         lateral (values (-1, o."timestamp", o.direction, o.type, o.status, o.sent_at, o.delivered_at,
                          o.read_at, o.error_code, o.error_title),
                         (1, n."timestamp", n.direction, n.type, n.status, n.sent_at, n.delivered_at,
                          n.read_at, n.error_code, n.error_title))
           m (sign, "timestamp", direction, type, status, sent_at, delivered_at, read_at, error_code,
              error_title),
         wabiz_analytics_cell(m."timestamp", m.direction, m.type, m.status, m.sent_at, m.delivered_at,
                              m.read_at, m.error_code, m.error_title) c
   where (o."timestamp", o.direction, o.type, o.status, o.sent_at, o.delivered_at, o.read_at,
          o.error_code, o.error_title)
         is distinct from
         (n."timestamp", n.direction, n.type, n.status, n.sent_at, n.delivered_at, n.read_at,
          n.error_code, n.error_title)
     and m."timestamp" is not null
   group by 1, 2, 3, 4, 5, 6, 7, 8, 9
  having sum(m.sign) <> 0;
  select array_agg(p), array_agg(t) into v_phones, v_since
    from (select unnest(array[o.phone, n.phone]) p, least(o."timestamp", n."timestamp") t
            from analytics_old o join analytics_new n on n.id = o.id
           where (o.phone, o."timestamp", o.direction) is distinct from (n.phone, n."timestamp", n.direction)) s;
  if v_phones is not null then
    perform wabiz_analytics_mark_phones(v_phones, v_since);
  end if;
  return null;
end
$$;

create or replace function wabiz_analytics_truncated() returns trigger
language plpgsql as $$
begin
  truncate analytics_days, analytics_quarters, analytics_turns, analytics_dirty_days,
    analytics_dirty_phones, analytics_deltas;
  return null;
end
$$;

-- Adds what changed. p_wait: wait for a refresh under way elsewhere (the
-- Analytics calls), or return at once (writers). Days still marked whole
-- (by 014's counting of the history, wabiz_analytics_mark_days(), or a
-- transaction that wrote before this migration) are counted again.
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

    -- the quarters: inbound and outbound
    insert into analytics_quarters as q (bucket, inbound, outbound)
      select u.bucket, coalesce(sum(u.n) filter (where u.direction = 'inbound'), 0),
             coalesce(sum(u.n) filter (where u.direction = 'outbound'), 0)
        from unnest(v_deltas) u
       group by 1
    on conflict (bucket) do update
      set inbound = q.inbound + excluded.inbound, outbound = q.outbound + excluded.outbound;
    v_buckets := array(select distinct u.bucket from unnest(v_deltas) u);
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
    insert into analytics_days (day, direction, type, status, reached_sent, reached_delivered,
                                reached_read, error_code, error_title, n)
      select u.day, c.*
        from unnest(v_days) u(day),
             wabiz_analytics_cube(u.day::timestamp at time zone 'UTC',
                                  (u.day + 1)::timestamp at time zone 'UTC') c;
    insert into analytics_quarters (bucket, inbound, outbound)
      select date_bin('15 minutes', m."timestamp", timestamptz '2000-01-01 00:00+00'),
             count(*) filter (where m.direction = 'inbound'),
             count(*) filter (where m.direction = 'outbound')
        from unnest(v_days) u(day)
        join messages m on m."timestamp" >= (u.day::timestamp at time zone 'UTC')
                       and m."timestamp" < ((u.day + 1)::timestamp at time zone 'UTC')
       group by 1;
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
