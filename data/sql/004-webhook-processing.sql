-- 004: what the webhook processor needs. Idempotent.
--
-- Status updates only move forward; one SQL function applies a status to
-- a message, so that the processor, the outbox and any other writer agree.
-- A status for a wamid not yet stored (the webhook beat the send answer)
-- waits in webhook_early_statuses and a trigger applies it when a message
-- with that wamid appears.

alter table templates add column if not exists meta_status_at timestamptz;
alter table templates add column if not exists quality_updated_at timestamptz;
alter table templates add column if not exists previous_category text;

create index if not exists templates_meta_id on templates (meta_id);

create table if not exists webhook_early_statuses (
    wamid text not null,
    status text not null,
    status_at timestamptz not null,
    error_code int,
    error_title text,
    error_details text,
    conversation_info jsonb,
    pricing jsonb,
    received_at timestamptz not null default now(),
    primary key (wamid, status)
);
alter table webhook_early_statuses enable row level security;

-- queued < accepted < sent < failed < delivered < read < played: a failed
-- send is overtaken by a later delivered or read, never by sent.
create or replace function wabiz_status_rank(s text) returns numeric
language sql immutable as $$
  select case s
    when 'accepted' then 1
    when 'sent' then 2
    when 'failed' then 2.5
    when 'delivered' then 3
    when 'read' then 4
    when 'played' then 5
    else 0 end::numeric
$$;

-- Applies one status; returns the message's phone, or NULL when no message
-- has that wamid (the caller keeps it for later).
create or replace function wabiz_apply_status(p_wamid text, p_status text, p_at timestamptz,
                                              p_error_code int, p_error_title text,
                                              p_error_details text, p_conversation jsonb,
                                              p_pricing jsonb)
returns text
language plpgsql as $$
declare
  m record;
  v_status text;
begin
  select id, phone, status into m from messages where message_id = p_wamid for update;
  if not found then
    return null;
  end if;

  v_status := case when wabiz_status_rank(p_status) > wabiz_status_rank(m.status)
                   then p_status else m.status end;

  update messages set
      status = v_status,
      accepted_at = case when p_status = 'accepted' then coalesce(accepted_at, p_at) else accepted_at end,
      sent_at = case when p_status = 'sent' then coalesce(sent_at, p_at) else sent_at end,
      delivered_at = case when p_status = 'delivered' then coalesce(delivered_at, p_at) else delivered_at end,
      read_at = case when p_status in ('read', 'played') then coalesce(read_at, p_at) else read_at end,
      failed_at = case when p_status = 'failed' then coalesce(failed_at, p_at) else failed_at end,
      error_code = case when p_status = 'failed' then coalesce(p_error_code, error_code) else error_code end,
      error_title = case when p_status = 'failed' then coalesce(p_error_title, error_title) else error_title end,
      error_details = case when p_status = 'failed' then coalesce(p_error_details, error_details) else error_details end,
      conversation_info = case when p_conversation is null then conversation_info
                               else coalesce(conversation_info, '{}'::jsonb) || p_conversation end,
      pricing = case when p_pricing is null then pricing
                     else coalesce(pricing, '{}'::jsonb) || p_pricing end,
      updated_at = now()
    where id = m.id
      and (status is distinct from v_status
           or (p_status = 'accepted' and accepted_at is null)
           or (p_status = 'sent' and sent_at is null)
           or (p_status = 'delivered' and delivered_at is null)
           or (p_status in ('read', 'played') and read_at is null)
           or (p_status = 'failed' and (failed_at is null or error_code is distinct from coalesce(p_error_code, error_code)))
           or (p_conversation is not null and not coalesce(conversation_info, '{}'::jsonb) @> p_conversation)
           or (p_pricing is not null and not coalesce(pricing, '{}'::jsonb) @> p_pricing));

  if v_status is distinct from m.status then
    update conversations set last_message_status = v_status, updated_at = now()
      where phone = m.phone and last_direction = 'outbound'
        and last_message_status is distinct from v_status;
  end if;

  -- 131026: the number cannot receive WhatsApp messages
  if p_status = 'failed' and p_error_code = 131026 then
    update leads set unreachable = true, updated_at = now()
      where phone = m.phone and not unreachable;
  end if;

  return m.phone;
end
$$;

create or replace function wabiz_apply_early_statuses() returns trigger
language plpgsql as $$
declare
  s record;
begin
  for s in delete from webhook_early_statuses where wamid = new.message_id returning * loop
    perform wabiz_apply_status(s.wamid, s.status, s.status_at, s.error_code, s.error_title,
                               s.error_details, s.conversation_info, s.pricing);
  end loop;
  return null;
end
$$;

drop trigger if exists messages_apply_early_statuses on messages;
create trigger messages_apply_early_statuses
  after insert or update of message_id on messages
  for each row when (new.message_id is not null)
  execute function wabiz_apply_early_statuses();
