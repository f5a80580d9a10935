-- 030: a status that comes while its message's wamid is being stored is
-- never lost. Idempotent.
--
-- The processor kept a status for an unknown wamid in
-- webhook_early_statuses, and the update that gives an outbound message
-- its wamid (the send's answer) applied what waited there. Done at the
-- same time, neither saw the other's uncommitted row: the status stayed
-- in the table for good, and the message never got its time.
--
-- Both sides now take a transaction advisory lock named after the wamid
-- first, then look again: whichever comes second sees the other's
-- committed row. The lock is taken only for a status whose message is
-- not there yet, and once per outbound message when the outbox stores
-- its wamid. Inbound messages are inserted with their wamid and never
-- get statuses, so the insert trigger (005) stays as it is.

-- Applies the status if its message has come meanwhile, or keeps it;
-- returns the message's phone, or NULL when kept.
create or replace function wabiz_keep_early_status(p_wamid text, p_status text, p_at timestamptz,
                                                   p_error_code int, p_error_title text,
                                                   p_error_details text, p_conversation jsonb,
                                                   p_pricing jsonb)
returns text
language plpgsql volatile as $$
declare
  v_phone text;
begin
  perform pg_advisory_xact_lock(hashtextextended('wabiz-wamid:' || p_wamid, 0));
  v_phone := wabiz_apply_status(p_wamid, p_status, p_at, p_error_code, p_error_title,
                                p_error_details, p_conversation, p_pricing);
  if v_phone is null then
    insert into webhook_early_statuses (wamid, status, status_at, error_code, error_title,
                                        error_details, conversation_info, pricing)
    values (p_wamid, p_status, p_at, p_error_code, p_error_title, p_error_details,
            p_conversation, p_pricing)
    on conflict (wamid, status) do nothing;
  end if;
  return v_phone;
end
$$;

create or replace function wabiz_apply_early_statuses() returns trigger
language plpgsql as $$
declare
  s record;
begin
  perform pg_advisory_xact_lock(hashtextextended('wabiz-wamid:' || new.message_id, 0));
  for s in delete from webhook_early_statuses where wamid = new.message_id returning * loop
    perform wabiz_apply_status(s.wamid, s.status, s.status_at, s.error_code, s.error_title,
                               s.error_details, s.conversation_info, s.pricing);
  end loop;
  return null;
end
$$;

revoke execute on function wabiz_keep_early_status(text, text, timestamptz, int, text, text, jsonb, jsonb)
  from public;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke execute on function wabiz_keep_early_status(text, text, timestamptz, int, text, text, jsonb, jsonb)
      from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke execute on function wabiz_keep_early_status(text, text, timestamptz, int, text, text, jsonb, jsonb)
      from authenticated;
  end if;
end
$$;
