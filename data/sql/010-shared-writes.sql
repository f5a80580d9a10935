-- 010: what a lead and a conversation become when messages come or go,
-- and how a typed number's rows fold into the wa_id Meta answered with,
-- written once. Idempotent.
--
-- The webhook processor calls these with a batch (arrays of many), the
-- outbox and the store with one element. Until this migration the same
-- logic lived in three C files, and the copies had drifted: each queued
-- outbound message rewrote its lead row (and the lead's ten indexes) even
-- when nothing in it changed.

-- Leads for these senders: a new lead is 'NEW' and takes the profile
-- name as its name; an existing one is written only when it gains a name
-- it lacked or Meta's profile name changed, and otherwise not even
-- locked. Returns each distinct phone with its lead's id.
create or replace function wabiz_upsert_leads(p_phones text[], p_profile_names text[])
returns table (phone text, lead_id uuid)
language plpgsql as $$
#variable_conflict use_column
begin
  return query
  with src as (
    select x.phone, x.profile_name, x.ord
      from unnest(p_phones, coalesce(p_profile_names, array_fill(null::text, array[cardinality(p_phones)])))
           with ordinality as x(phone, profile_name, ord)),
  lead_src as (
    -- per phone, the newest name Meta gave, if any
    select distinct on (s.phone) s.phone, s.profile_name
      from src s order by s.phone, s.profile_name is null, s.ord desc),
  written as (
    insert into leads as l (phone, name, profile_name, status, first_contact)
    select ls.phone, ls.profile_name, ls.profile_name, 'NEW', now() from lead_src ls
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

-- The conversations of these messages, one element per conversation:
-- @p_counts messages more, the newest of them @p_previews at @p_times, in
-- @p_directions ('inbound' messages count as unread and open the 24-hour
-- window). A late message never replaces a newer preview. A lead's
-- last_contact follows its conversation, and its row (with ten indexes)
-- is written only when that time moves on. Returns each phone with its
-- conversation's last message time.
create or replace function wabiz_touch_conversations(p_phones text[], p_lead_ids uuid[], p_counts int[],
                                                     p_previews text[], p_times timestamptz[],
                                                     p_directions text[])
returns table (phone text, last_message_time timestamptz)
language plpgsql as $$
#variable_conflict use_column
begin
  return query
  with src as (
    select x.phone, x.lead_id, x.n, x.preview, coalesce(x.ts, now()) as ts, x.direction
      from unnest(p_phones, p_lead_ids, p_counts, p_previews, p_times, p_directions)
           as x(phone, lead_id, n, preview, ts, direction)),
  conv as (
    insert into conversations as c (phone, lead_id, total_messages, last_message, last_message_time,
                                    last_direction, unread_count, last_inbound_at)
    select s.phone, s.lead_id, s.n, s.preview, s.ts, s.direction,
           case when s.direction = 'inbound' then s.n else 0 end,
           case when s.direction = 'inbound' then s.ts end
      from src s order by s.phone
    on conflict (phone) do update set
      lead_id = coalesce(c.lead_id, excluded.lead_id),
      total_messages = coalesce(c.total_messages, 0) + excluded.total_messages,
      last_message = case when excluded.last_message_time >= coalesce(c.last_message_time, '-infinity')
                          then excluded.last_message else c.last_message end,
      last_direction = case when excluded.last_message_time >= coalesce(c.last_message_time, '-infinity')
                            then excluded.last_direction else c.last_direction end,
      last_message_time = greatest(c.last_message_time, excluded.last_message_time),
      unread_count = c.unread_count + excluded.unread_count,
      last_inbound_at = greatest(c.last_inbound_at, excluded.last_inbound_at),
      updated_at = now()
    returning c.phone::text as phone, c.last_message_time::timestamptz as last_message_time),
  moved as (
    select l.id, conv.last_message_time from leads l join conv on l.phone = conv.phone
     where l.last_contact is null or l.last_contact < conv.last_message_time
     order by l.phone for no key update of l),
  lead as (
    update leads set last_contact = moved.last_message_time from moved where leads.id = moved.id)
  select conv.phone, conv.last_message_time from conv;
end
$$;

-- Meta answered a send to @p_typed[i] with the wa_id @p_wa_ids[i]: key
-- everything by the wa_id, remember the typed form, and fold the typed
-- number's lead and conversation into the wa_id's, keeping what either
-- knew. Returns each wa_id with its lead's id.
create or replace function wabiz_merge_wa_ids(p_typed text[], p_wa_ids text[])
returns table (wa_id text, lead_id uuid)
language plpgsql as $$
#variable_conflict use_column
declare
  i int;
  v_typed text;
  v_wa_id text;
  v_lead uuid;
begin
  for i in 1 .. coalesce(cardinality(p_typed), 0) loop
    v_typed := p_typed[i];
    v_wa_id := p_wa_ids[i];
    if v_wa_id is null or v_wa_id = '' or v_wa_id = v_typed then
      continue;
    end if;

    insert into wa_id_aliases (input, wa_id) values (v_typed, v_wa_id)
      on conflict (input) do update set wa_id = excluded.wa_id;

    select u.lead_id into v_lead from wabiz_upsert_leads(array[v_wa_id], null) u;

    -- what the typed lead knew and the wa_id lead does not
    update leads n set
        name = coalesce(nullif(n.name, ''), o.name),
        email = coalesce(nullif(n.email, ''), o.email),
        notes = coalesce(nullif(n.notes, ''), o.notes),
        status = case when n.status = 'NEW' then coalesce(o.status, n.status) else n.status end,
        tags = array(select distinct unnest(n.tags || o.tags)),
        custom_fields = o.custom_fields || n.custom_fields,
        timezone = coalesce(n.timezone, o.timezone),
        first_contact = least(n.first_contact, o.first_contact),
        last_contact = greatest(n.last_contact, o.last_contact),
        last_inbound_at = greatest(n.last_inbound_at, o.last_inbound_at),
        updated_at = now()
      from leads o where n.phone = v_wa_id and o.phone = v_typed;

    update messages set phone = v_wa_id, lead_id = v_lead where messages.phone = v_typed;
    update outbox set phone = v_wa_id where outbox.phone = v_typed;

    -- the conversation: renamed, or folded into the wa_id's
    update conversations n set
        total_messages = coalesce(n.total_messages, 0) + coalesce(o.total_messages, 0),
        unread_count = n.unread_count + o.unread_count,
        last_message = case when o.last_message_time > n.last_message_time
                            then o.last_message else n.last_message end,
        last_direction = case when o.last_message_time > n.last_message_time
                              then o.last_direction else n.last_direction end,
        last_message_time = greatest(n.last_message_time, o.last_message_time),
        last_inbound_at = greatest(n.last_inbound_at, o.last_inbound_at),
        updated_at = now()
      from conversations o where n.phone = v_wa_id and o.phone = v_typed;
    delete from conversations o where o.phone = v_typed
      and exists (select 1 from conversations n where n.phone = v_wa_id);
    update conversations set phone = v_wa_id, lead_id = v_lead where conversations.phone = v_typed;
    update conversations set lead_id = v_lead
      where conversations.lead_id in (select l.id from leads l where l.phone = v_typed);

    delete from leads where leads.phone = v_typed;

    wa_id := v_wa_id;
    lead_id := v_lead;
    return next;
  end loop;
end
$$;
