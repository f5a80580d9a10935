-- 014: the Analytics figures, computed in the database. Idempotent.
--
-- A year of a busy number is a million messages: counting them again for
-- every look at the Analytics pane takes far longer than a frame. The
-- figures are read from three small tables kept from the messages:
--
--   analytics_days      counts per UTC day, direction, type, status, the
--                       funnel steps reached and (failed ones) Meta's
--                       reason: a few dozen rows a day;
--   analytics_quarters  inbound and outbound messages per quarter of an
--                       hour (UTC): every time zone in use is a whole
--                       number of quarters from UTC, so local days and
--                       local hours are sums of whole quarters;
--   analytics_turns     each customer turn (an inbound message after one
--                       of ours, or the first of a conversation) and when
--                       our first reply came.
--
-- Writers do not update them: that would make every message and status
-- written wait on the same few counter rows, and two transactions taking
-- them in different orders would deadlock. Triggers only append a mark
-- (this UTC day changed; this phone changed from this time on), and
-- wabiz_analytics_refresh() recomputes what the marks name from the
-- messages themselves, one refresh at a time. A mark is consumed in the
-- same snapshot that reads the messages, and a mark of a transaction not
-- yet committed is not seen until that transaction's changes are, so no
-- change is ever lost. The Analytics calls refresh first; writers refresh
-- now and then too, so that the marks never pile up.

create table if not exists analytics_days (
    day date not null,
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
create index if not exists analytics_days_day on analytics_days (day);

create table if not exists analytics_quarters (
    bucket timestamptz primary key,
    inbound bigint not null,
    outbound bigint not null
);

create table if not exists analytics_turns (
    message_id uuid primary key,
    phone text not null,
    started_at timestamptz not null,
    replied_at timestamptz,
    reply_seconds int
);
create index if not exists analytics_turns_phone on analytics_turns (phone, started_at, message_id);
create index if not exists analytics_turns_started on analytics_turns (started_at) include (replied_at);
create index if not exists analytics_turns_replied on analytics_turns (replied_at) include (reply_seconds)
  where replied_at is not null;

create table if not exists analytics_dirty_days (
    day date not null,
    xid xid8 not null default pg_current_xact_id()
);
create index if not exists analytics_dirty_days_day on analytics_dirty_days (day);

create table if not exists analytics_dirty_phones (
    phone text not null,
    since timestamptz not null,
    xid xid8 not null default pg_current_xact_id()
);
create index if not exists analytics_dirty_phones_phone on analytics_dirty_phones (phone);

alter table analytics_days enable row level security;
alter table analytics_quarters enable row level security;
alter table analytics_turns enable row level security;
alter table analytics_dirty_days enable row level security;
alter table analytics_dirty_phones enable row level security;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table analytics_days, analytics_quarters, analytics_turns, analytics_dirty_days,
      analytics_dirty_phones from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table analytics_days, analytics_quarters, analytics_turns, analytics_dirty_days,
      analytics_dirty_phones from authenticated;
  end if;
end
$$;

-- The messages of one failure reason, newest first, page by page.
create index if not exists messages_failures on messages (error_code, "timestamp" desc, id desc)
  where error_code is not null;

-- The counts of the messages in [p_from, p_to), read from the messages.
-- A message reached "sent" when Meta said sent, delivered or read (a later
-- step implies the earlier ones when a status webhook was lost); failed
-- is its own column. Meta's reason is kept for failed messages only.
create or replace function wabiz_analytics_cube(p_from timestamptz, p_to timestamptz)
returns table (direction text, type text, status text, reached_sent boolean,
               reached_delivered boolean, reached_read boolean, error_code int,
               error_title text, n bigint)
language sql stable as $$
  select coalesce(m.direction, 'unknown'), coalesce(m.type, 'unknown'), coalesce(m.status, 'unknown'),
         m.sent_at is not null or m.delivered_at is not null or m.read_at is not null
           or coalesce(m.status in ('sent', 'delivered', 'read', 'played'), false),
         m.delivered_at is not null or m.read_at is not null
           or coalesce(m.status in ('delivered', 'read', 'played'), false),
         m.read_at is not null or coalesce(m.status in ('read', 'played'), false),
         case when m.status = 'failed' then m.error_code end,
         case when m.status = 'failed' then m.error_title end,
         count(*)
    from messages m
   where m."timestamp" >= p_from and m."timestamp" < p_to
   group by 1, 2, 3, 4, 5, 6, 7, 8
$$;

-- Recomputes what the marks name. p_wait: wait for a refresh under way
-- elsewhere (the Analytics calls), or return at once (writers).
create or replace function wabiz_analytics_refresh(p_wait boolean default true)
returns void
language plpgsql as $$
declare
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

  with d as (delete from analytics_dirty_days returning day)
  select array_agg(distinct day) into v_days from d;

  if v_days is not null then
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

  -- Turns before the last one that starts before a phone's earliest
  -- change cannot change (a turn's reply comes before the next turn);
  -- that one and all after it are recomputed.
  select array_agg(a.started_at order by u.i), array_agg(a.message_id order by u.i)
    into v_anchor_at, v_anchor_id
    from unnest(v_phones, v_since) with ordinality u(phone, since, i)
    left join lateral (select t.started_at, t.message_id from analytics_turns t
                        where t.phone = u.phone and t.started_at < u.since
                        order by t.started_at desc, t.message_id desc limit 1) a on true;

  -- (offset 0 keeps each lateral subquery a walk of one phone's index
  -- entries: flattened, a few phones would be planned as a hash join of
  -- every turn and every message)
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

-- The marks. One per UTC day and one per phone for each transaction (not
-- each row): a webhook batch of a hundred messages adds a few.
create or replace function wabiz_analytics_mark_days(p_days date[]) returns void
language sql as $$
  insert into analytics_dirty_days (day)
  select d from (select distinct d from unnest(p_days) d where d is not null) s
   where not exists (select 1 from analytics_dirty_days x
                      where x.day = s.d and x.xid = pg_current_xact_id())
$$;

create or replace function wabiz_analytics_mark_phones(p_phones text[], p_since timestamptz[]) returns void
language sql as $$
  insert into analytics_dirty_phones (phone, since)
  select phone, since
    from (select phone, min(since) since from unnest(p_phones, p_since) u(phone, since)
           where phone is not null and since is not null group by phone) s
   where not exists (select 1 from analytics_dirty_phones x
                      where x.phone = s.phone and x.xid = pg_current_xact_id() and x.since <= s.since)
$$;

-- Now and then a writer refreshes (never waiting for a refresh under way,
-- and only where its snapshots move on, as in read committed).
create or replace function wabiz_analytics_maybe_refresh() returns void
language plpgsql as $$
begin
  if random() < 0.002 and current_setting('transaction_isolation') = 'read committed' then
    perform wabiz_analytics_refresh(false);
  end if;
end
$$;

create or replace function wabiz_analytics_mark_insert() returns trigger
language plpgsql as $$
begin
  perform wabiz_analytics_mark_days(array(select distinct ("timestamp" at time zone 'UTC')::date
                                            from analytics_new));
  perform wabiz_analytics_mark_phones(array(select phone from analytics_new),
                                      array(select "timestamp" from analytics_new));
  perform wabiz_analytics_maybe_refresh();
  return null;
end
$$;

create or replace function wabiz_analytics_mark_delete() returns trigger
language plpgsql as $$
begin
  perform wabiz_analytics_mark_days(array(select distinct ("timestamp" at time zone 'UTC')::date
                                            from analytics_old));
  perform wabiz_analytics_mark_phones(array(select phone from analytics_old),
                                      array(select "timestamp" from analytics_old));
  return null;
end
$$;

-- An update: the days of the rows whose time, direction, type or status
-- changed (old and new days), and the turns of the phones whose phone,
-- time or direction changed, from the earlier time. (A trigger with
-- transition tables cannot name columns: it sees every update.)
create or replace function wabiz_analytics_mark_update() returns trigger
language plpgsql as $$
declare
  v_phones text[];
  v_since timestamptz[];
begin
  perform wabiz_analytics_mark_days(array(
    select distinct (t at time zone 'UTC')::date
      from analytics_old o join analytics_new n on n.id = o.id,
           unnest(array[o."timestamp", n."timestamp"]) t
     where (o."timestamp", o.direction, o.type, o.status, o.sent_at, o.delivered_at, o.read_at,
            o.error_code, o.error_title)
           is distinct from
           (n."timestamp", n.direction, n.type, n.status, n.sent_at, n.delivered_at, n.read_at,
            n.error_code, n.error_title)));
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
    analytics_dirty_phones;
  return null;
end
$$;

drop trigger if exists messages_analytics_insert on messages;
create trigger messages_analytics_insert after insert on messages
  referencing new table as analytics_new
  for each statement execute function wabiz_analytics_mark_insert();

drop trigger if exists messages_analytics_delete on messages;
create trigger messages_analytics_delete after delete on messages
  referencing old table as analytics_old
  for each statement execute function wabiz_analytics_mark_delete();

drop trigger if exists messages_analytics_update on messages;
create trigger messages_analytics_update after update on messages
  referencing old table as analytics_old new table as analytics_new
  for each statement execute function wabiz_analytics_mark_update();

drop trigger if exists messages_analytics_truncate on messages;
create trigger messages_analytics_truncate after truncate on messages
  for each statement execute function wabiz_analytics_truncated();

-- The local days of a period: p_preset is 'today', '7d', '30d', 'all'
-- (from the day of the first message) or 'custom' (p_first … p_last);
-- p_tz NULL is the database's time zone (as configured: the app's
-- sessions set their own to UTC); p_now is "now" for the period.
create or replace function wabiz_analytics_period(p_preset text, p_first date, p_last date,
                                                  p_tz text, p_now timestamptz)
returns table (first_day date, last_day date, time_zone text, start_at text, end_at text)
language plpgsql stable as $$
declare
  v_tz text := coalesce(p_tz, (select reset_val from pg_settings where name = 'TimeZone'));
  v_today date := (coalesce(p_now, now()) at time zone v_tz)::date;
begin
  time_zone := v_tz;
  case p_preset
    when 'today' then first_day := v_today; last_day := v_today;
    when '7d' then first_day := v_today - 6; last_day := v_today;
    when '30d' then first_day := v_today - 29; last_day := v_today;
    when 'all' then
      first_day := least(v_today, coalesce((select (min("timestamp") at time zone v_tz)::date from messages),
                                           v_today));
      last_day := v_today;
    when 'custom' then first_day := p_first; last_day := p_last;
    else raise exception 'unknown period %', p_preset using errcode = '22023';
  end case;
  start_at := to_char(first_day::timestamp at time zone v_tz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
  end_at := to_char((last_day + 1)::timestamp at time zone v_tz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
  return next;
end
$$;

-- The message figures of the local days p_first … p_last in p_tz.
-- Reads the tables above as they are: call wabiz_analytics_refresh()
-- first.
create or replace function wabiz_analytics_messages(p_first date, p_last date, p_tz text)
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
  -- the whole UTC days [v_d0, v_d1) come from analytics_days, the parts
  -- of days at either end from the messages
  v_d0 := (v_from at time zone 'UTC')::date;
  if (v_d0::timestamp at time zone 'UTC') < v_from then
    v_d0 := v_d0 + 1;
  end if;
  v_d1 := greatest((v_to at time zone 'UTC')::date, v_d0);
  v_edge1_end := least(v_d0::timestamp at time zone 'UTC', v_to);
  v_edge2_start := greatest(v_d1::timestamp at time zone 'UTC', v_edge1_end);

  return (
    with cube as materialized (
      select direction, type, status, reached_sent, reached_delivered, reached_read,
             error_code, error_title, sum(n) n
        from (select d.direction, d.type, d.status, d.reached_sent, d.reached_delivered,
                     d.reached_read, d.error_code, d.error_title, d.n
                from analytics_days d where d.day >= v_d0 and d.day < v_d1
              union all
              select * from wabiz_analytics_cube(v_from, v_edge1_end)
              union all
              select * from wabiz_analytics_cube(v_edge2_start, v_to)) c
       group by 1, 2, 3, 4, 5, 6, 7, 8),
    funnel as (
      select coalesce(sum(n), 0) outbound,
             coalesce(sum(n) filter (where reached_sent), 0) sent,
             coalesce(sum(n) filter (where reached_delivered), 0) delivered,
             coalesce(sum(n) filter (where reached_read), 0) read,
             coalesce(sum(n) filter (where status = 'failed'), 0) failed
        from cube where direction = 'outbound'),
    quarters as materialized (
      select bucket at time zone p_tz as lt, inbound, outbound
        from analytics_quarters where bucket >= v_from and bucket < v_to),
    per_day as (
      select lt::date as day, sum(inbound) received, sum(outbound) sent from quarters group by 1),
    heat as (
      select extract(isodow from lt)::int dow, extract(hour from lt)::int h, sum(inbound) n
        from quarters group by 1, 2),
    days as (
      select g::date as day from generate_series(p_first::timestamp, p_last::timestamp, interval '1 day') g)
    select json_build_object(
      'total_messages', (select coalesce(sum(n), 0) from cube),
      'by_status', (select coalesce(json_object_agg(status, n order by status), '{}') from
                     (select status, sum(n) n from cube group by 1) s),
      'by_type', (select coalesce(json_object_agg(type, n order by type), '{}') from
                   (select type, sum(n) n from cube group by 1) s),
      'by_direction', (select coalesce(json_object_agg(direction, n order by direction), '{}') from
                        (select direction, sum(n) n from cube group by 1) s),
      'messages_per_day', (select json_agg(json_build_object('day', days.day,
                                                             'sent', coalesce(p.sent, 0),
                                                             'received', coalesce(p.received, 0))
                                           order by days.day)
                             from days left join per_day p using (day)),
      'funnel', (select json_build_object(
                   'outbound', outbound, 'sent', sent, 'delivered', delivered, 'read', read,
                   'failed', failed,
                   'sent_rate', sent::float8 / nullif(outbound, 0),
                   'delivered_rate', delivered::float8 / nullif(sent, 0),
                   'read_rate', read::float8 / nullif(delivered, 0),
                   'failed_rate', failed::float8 / nullif(outbound, 0))
                   from funnel),
      'failures', (select coalesce(json_agg(json_build_object('error_code', error_code,
                                                              'error_title', error_title,
                                                              'count', n)
                                            order by n desc, error_code nulls last, error_title nulls last),
                                   '[]')
                     from (select error_code, error_title, sum(n) n from cube
                            where direction = 'outbound' and status = 'failed' group by 1, 2) f),
      'busiest_hours', (select json_agg(hours order by dow)
                          from (select d.dow, json_agg(coalesce(heat.n, 0) order by h.h) hours
                                  from generate_series(1, 7) d(dow)
                                  cross join generate_series(0, 23) h(h)
                                  left join heat on heat.dow = d.dow and heat.h = h.h
                                 group by d.dow) x)));
end
$$;

-- The lead figures: all leads by status, and the leads created in the
-- local days p_first … p_last (by status, and per day).
create or replace function wabiz_analytics_leads(p_first date, p_last date, p_tz text)
returns json
language sql stable as $$
  with new_leads as materialized (
    select (created_at at time zone p_tz)::date as day, coalesce(status, 'NEW') status
      from leads
     where created_at >= (p_first::timestamp at time zone p_tz)
       and created_at < ((p_last + 1)::timestamp at time zone p_tz)),
  statuses as (
    select s, i from unnest(array['NEW', 'CONTACTED', 'INTERESTED', 'CONVERTED', 'LOST']) with ordinality u(s, i)),
  days as (
    select g::date as day from generate_series(p_first::timestamp, p_last::timestamp, interval '1 day') g)
  select json_build_object(
    'total_conversations', (select count(*) from conversations),
    'total_leads', (select count(*) from leads),
    'leads_by_status', (select json_object_agg(statuses.s, coalesce(c.n, 0) order by statuses.i)
                          from statuses left join
                               (select coalesce(status, 'NEW') status, count(*) n from leads group by 1) c
                               on c.status = statuses.s),
    'new_leads', (select count(*) from new_leads),
    'new_leads_by_status', (select json_object_agg(statuses.s, coalesce(c.n, 0) order by statuses.i)
                              from statuses left join
                                   (select status, count(*) n from new_leads group by 1) c
                                   on c.status = statuses.s),
    'new_leads_per_day', (select json_agg(json_build_object('day', days.day, 'count', coalesce(c.n, 0))
                                          order by days.day)
                            from days left join (select day, count(*) n from new_leads group by 1) c
                                 using (day)))
$$;

-- The reply figures. A turn starts with a customer's message that follows
-- one of ours (or opens the conversation); its first reply is our next
-- message. turns, unanswered: the turns started in the period (unanswered:
-- no reply yet). replies, median/p90_seconds, within_business_hours: the
-- first replies sent in the period, their time since the turn started,
-- and how many were sent within business hours (their times are
-- wabiz_analytics_reply_times(): the sort they need is the longest step of
-- a year's figures, and runs beside the rest). p_hours: 14 minutes of the
-- day, opening and closing for Monday … Sunday (equal: closed).
create or replace function wabiz_analytics_replies(p_first date, p_last date, p_tz text, p_hours int[])
returns json
language sql stable as $$
  with bounds as (
    select p_first::timestamp at time zone p_tz as t0, (p_last + 1)::timestamp at time zone p_tz as t1),
  open_hours as (
    select (g::date + p_hours[2 * extract(isodow from g)::int - 1] * interval '1 minute') at time zone p_tz a,
           (g::date + p_hours[2 * extract(isodow from g)::int] * interval '1 minute') at time zone p_tz b
      from generate_series(p_first::timestamp, p_last::timestamp, interval '1 day') g
     where p_hours[2 * extract(isodow from g)::int - 1] < p_hours[2 * extract(isodow from g)::int]),
  started as (
    select count(*) turns, count(*) filter (where t.replied_at is null) unanswered
      from analytics_turns t, bounds where t.started_at >= bounds.t0 and t.started_at < bounds.t1),
  replied as (
    select count(*) replies
      from analytics_turns t, bounds
     where t.replied_at >= bounds.t0 and t.replied_at < bounds.t1),
  in_hours as (
    select coalesce(sum((select count(*) from analytics_turns t
                          where t.replied_at >= o.a and t.replied_at < o.b)), 0) n
      from open_hours o)
  select json_build_object(
    'turns', started.turns,
    'unanswered', started.unanswered,
    'replies', replied.replies,
    'within_business_hours', in_hours.n,
    'within_business_hours_share', in_hours.n::float8 / nullif(replied.replies, 0))
    from started, replied, in_hours
$$;

-- The median and 90th percentile of the time to the first replies sent
-- in the local days p_first … p_last (interpolated; null without replies).
create or replace function wabiz_analytics_reply_times(p_first date, p_last date, p_tz text)
returns json
language sql stable as $$
  select json_build_object('median_seconds', p[1], 'p90_seconds', p[2])
    from (select percentile_cont(array[0.5, 0.9]::float8[]) within group (order by t.reply_seconds) p
            from analytics_turns t
           where t.replied_at >= (p_first::timestamp at time zone p_tz)
             and t.replied_at < ((p_last + 1)::timestamp at time zone p_tz)) r
$$;

-- The history already there when this migration runs is counted once here.
do $$
begin
  if not exists (select 1 from analytics_days) and not exists (select 1 from analytics_turns)
     and exists (select 1 from messages) then
    insert into analytics_dirty_days (day)
      select distinct ("timestamp" at time zone 'UTC')::date from messages where "timestamp" is not null;
    insert into analytics_dirty_phones (phone, since)
      select phone, '-infinity' from messages group by phone;
    perform wabiz_analytics_refresh();
  end if;
end
$$;
