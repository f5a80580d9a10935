-- 026: a lead created by a message is written once. Idempotent.
--
-- A message from a number not seen before created its lead without a
-- last contact, and wabiz_touch_conversations() then set it, in the same
-- transaction: a second version of the row and, last_contact being
-- indexed, its entries in ten indexes again (four of them GIN, with an
-- entry per trigram of the name and of the phone), for every new number.
-- The webhook processor now passes each message's time, and a lead it
-- creates starts with the newest of its phone's as last contact: what
-- the conversation's touch would have written, so the touch finds
-- nothing to move. An existing lead is treated as before (its last
-- contact moves with its conversation).

create or replace function wabiz_upsert_leads(p_phones text[], p_profile_names text[], p_times timestamptz[])
returns table (phone text, lead_id uuid)
language plpgsql as $$
#variable_conflict use_column
begin
  return query
  with src as (
    select x.phone, x.profile_name, x.at, x.ord
      from unnest(p_phones, coalesce(p_profile_names, array_fill(null::text, array[cardinality(p_phones)])),
                  coalesce(p_times, array_fill(null::timestamptz, array[cardinality(p_phones)])))
           with ordinality as x(phone, profile_name, at, ord)),
  lead_src as (
    -- per phone, the newest name Meta gave, if any, and the newest time
    select distinct on (s.phone) s.phone, s.profile_name, max(s.at) over (partition by s.phone) as last_at
      from src s order by s.phone, s.profile_name is null, s.ord desc),
  written as (
    insert into leads as l (phone, name, profile_name, status, first_contact, last_contact)
    select ls.phone, ls.profile_name, ls.profile_name, 'NEW', now(), ls.last_at from lead_src ls
     where not exists (select 1 from leads o where o.phone = ls.phone
                         and not ((o.name is null or o.name = '') and ls.profile_name is not null)
                         and not (ls.profile_name is distinct from o.profile_name and ls.profile_name is not null))
     order by ls.phone
    on conflict (phone) do update set
      name = coalesce(nullif(l.name, ''), excluded.name),
      profile_name = coalesce(excluded.profile_name, l.profile_name),
      updated_at = case when excluded.profile_name is distinct from l.profile_name
                         and excluded.profile_name is not null
                        then now() else l.updated_at end
    where (l.name is null or l.name = '') and excluded.name is not null
       or excluded.profile_name is distinct from l.profile_name and excluded.profile_name is not null
    returning l.phone::text as phone, l.id)
  select w.phone, w.id from written w
  union all
  select l.phone::text, l.id from leads l join lead_src ls on l.phone = ls.phone
   where not exists (select 1 from written w where w.phone = l.phone);
end
$$;

-- The callers with one number and no message yet (the outbox, the store)
-- keep the two-argument form.
create or replace function wabiz_upsert_leads(p_phones text[], p_profile_names text[])
returns table (phone text, lead_id uuid)
language sql as $$
  select * from wabiz_upsert_leads(p_phones, p_profile_names, null::timestamptz[])
$$;
