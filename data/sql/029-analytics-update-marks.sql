-- 029: the update triggers of messages (024) and leads (025) without
-- pairing the old rows with the new ones. Idempotent.
--
-- Both joined the transition tables on id. A connection plans a
-- trigger's statements once, with the sizes of its first call: after a
-- one-row update, the join stayed a nested loop, every new row compared
-- with every old one. Touching the last contact of 223 leads compared
-- 49,729 pairs; merging a number's 2,000 messages into its wa_id would
-- compare four million.
--
-- A row that did not change leaves its cell (-1) and enters the same one
-- (+1), which cancel: the deltas are the old rows' -1 and the new rows'
-- +1, summed per cell, with no pairing. The turns still need to know
-- which rows moved: grouping the old and new rows by id says so, in one
-- pass, with a hash or a sort.

create or replace function wabiz_analytics_mark_update() returns trigger
language plpgsql as $$
declare
  v_phones text[];
  v_since timestamptz[];
begin
  insert into analytics_deltas
  select c.*, sum(m.sign)
    from (select -1 as sign, o."timestamp", o.direction, o.type, o.status, o.sent_at, o.delivered_at,
                 o.read_at, o.error_code, o.error_title
            from analytics_old o
          union all
          select 1, n."timestamp", n.direction, n.type, n.status, n.sent_at, n.delivered_at,
                 n.read_at, n.error_code, n.error_title
            from analytics_new n) m,
         wabiz_analytics_cell(m."timestamp", m.direction, m.type, m.status, m.sent_at, m.delivered_at,
                              m.read_at, m.error_code, m.error_title) c
   where m."timestamp" is not null
   group by 1, 2, 3, 4, 5, 6, 7, 8, 9
  having sum(m.sign) <> 0;

  -- the rows whose phone, time or direction changed: both their phones,
  -- from the earlier time (a record's text tells NULL from '')
  select array_agg(p), array_agg(t) into v_phones, v_since
    from (select unnest(array_agg(u.phone)) p, min(u."timestamp") t
            from (select o.id, o.phone, o."timestamp", o.direction from analytics_old o
                  union all
                  select n.id, n.phone, n."timestamp", n.direction from analytics_new n) u
           group by u.id
          having count(distinct (u.phone, u."timestamp", u.direction)::text) > 1) s;
  if v_phones is not null then
    perform wabiz_analytics_mark_phones(v_phones, v_since);
  end if;
  return null;
end
$$;

-- as above: out of the old quarter and status (-1), into the new (+1)
create or replace function wabiz_analytics_mark_leads_update() returns trigger
language plpgsql as $$
begin
  insert into analytics_lead_deltas (bucket, status, n)
  select wabiz_analytics_lead_bucket(l.created_at), coalesce(l.status, 'NEW'), sum(l.sign)
    from (select -1 as sign, o.created_at, o.status from analytics_old_leads o
          union all
          select 1, n.created_at, n.status from analytics_new_leads n) l
   group by 1, 2
  having sum(l.sign) <> 0;
  return null;
end
$$;
