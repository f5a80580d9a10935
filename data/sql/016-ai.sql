-- 016: what WaBiz does by itself after a customer writes: the business's
-- shared settings, the analysis of inbound texts (sentiment and intent,
-- from Gemini), the canned greeting and away messages, and Gemini's
-- auto-replies. Idempotent.
--
-- The work runs after the webhook was answered and its events processed
-- (src/core/pipeline/wabiz-ai-jobs.c), never inside either: a job row per
-- inbound message and kind, claimed with FOR UPDATE SKIP LOCKED and a
-- claim token, so that two WaBiz processes on one database never do the
-- same job twice, and retried with back-off while Gemini is away.

-- business_settings: one row per setting, its value as JSON, read and
-- written by the app and wabizd alike (wabiz-business-settings.c). A key
-- that has no row has its default (everything automatic off). updated_at
-- moves only when the value changes: a switch's updated_at is when it was
-- last turned, and only messages that came after a switch was turned on
-- are handled by what it turned on.
create table if not exists business_settings (
    key text primary key,
    value jsonb not null,
    updated_at timestamptz not null default now()
);

create or replace function wabiz_business_settings_changed() returns trigger
language plpgsql as $$
begin
  perform wabiz_notify('business_settings', null,
                       case when tg_op = 'DELETE' then old.key else new.key end);
  return null;
end
$$;

drop trigger if exists business_settings_changed on business_settings;
create trigger business_settings_changed after insert or update or delete on business_settings
  for each row execute function wabiz_business_settings_changed();

-- messages: what Gemini read in an inbound text, and which outbound
-- messages WaBiz sent by itself (automatic: greeting, away, auto_reply;
-- NULL for everything a person or a script sent).
alter table messages add column if not exists sentiment text;
alter table messages add column if not exists intent text;
alter table messages add column if not exists analyzed_at timestamptz;
alter table messages add column if not exists automatic text;

do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'messages_sentiment_check') then
    alter table messages add constraint messages_sentiment_check
      check (sentiment in ('positive', 'neutral', 'negative')) not valid;
  end if;
  if not exists (select 1 from pg_constraint where conname = 'messages_intent_check') then
    alter table messages add constraint messages_intent_check
      check (intent in ('question', 'order', 'complaint', 'opt_out', 'greeting', 'other')) not valid;
  end if;
  if not exists (select 1 from pg_constraint where conname = 'messages_automatic_check') then
    alter table messages add constraint messages_automatic_check
      check (automatic in ('greeting', 'away', 'auto_reply')) not valid;
  end if;
end
$$;

-- where the jobs look for new work: the inbound messages of the last day
create index if not exists messages_inbound_created on messages (created_at)
  where direction = 'inbound';

-- conversations: auto-replies stopped until a person takes over, and why
-- (asked_for_human: the customer asked for a person; complaint: Gemini
-- read a complaint).
alter table conversations add column if not exists needs_human boolean not null default false;
alter table conversations add column if not exists needs_human_reason text;
alter table conversations add column if not exists needs_human_at timestamptz;

-- ai_jobs: one row per inbound message and kind:
--   analyze  the sentiment and intent of a text (while analysis is on)
--   reply    the greeting, the away message and the auto-reply it may get
-- state:
--   pending  waiting (first time, or again at next_attempt_at)
--   running  a process claimed it (claim_token) until claimed_until; a
--            claim that ran out (a process that died) is taken again
--   done     finished; outcome says what happened (for a reply, a list:
--            greeting, away, auto_reply, needs_human, window_closed, …)
--   failed   the last try failed (error); tried again at next_attempt_at,
--            or never when that is NULL
--   skipped  the switch was off by the time it ran: nothing was sent
create table if not exists ai_jobs (
    id bigserial primary key,
    message_id uuid not null references messages(id) on delete cascade,
    phone text not null,
    kind text not null check (kind in ('analyze', 'reply')),
    state text not null default 'pending'
      check (state in ('pending', 'running', 'done', 'failed', 'skipped')),
    outcome text,
    error text,
    attempts int not null default 0,
    next_attempt_at timestamptz default now(),
    claim_token uuid,
    claimed_until timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (message_id, kind)
);

create index if not exists ai_jobs_due on ai_jobs (kind, next_attempt_at)
  where state in ('pending', 'failed') and next_attempt_at is not null;
create index if not exists ai_jobs_claimed on ai_jobs (claimed_until) where state = 'running';

-- auto_messages: every message WaBiz sent by itself, kept to send each
-- kind at most once per customer per interval. A row is reserved before
-- Gemini is asked or the outbox is written (reserved_until: while the
-- process works on it), then queued with the outbox's message. One per
-- inbound message and kind.
create table if not exists auto_messages (
    id uuid primary key default gen_random_uuid(),
    phone text not null,
    kind text not null check (kind in ('greeting', 'away', 'auto_reply')),
    trigger_message_id uuid references messages(id) on delete set null,
    message_id uuid references messages(id) on delete set null,
    state text not null default 'reserved' check (state in ('reserved', 'queued')),
    reserved_until timestamptz,
    created_at timestamptz not null default now(),
    unique (trigger_message_id, kind)
);

create index if not exists auto_messages_phone on auto_messages (phone, kind, created_at desc);

-- Reserves a @p_kind message for @p_phone, answering @p_trigger: the id,
-- or NULL when one was sent or is being sent to this customer within the
-- interval (or this message already got its own). Two processes asking
-- at once are served one after the other.
create or replace function wabiz_auto_reserve(p_phone text, p_kind text, p_trigger uuid,
                                              p_interval_s int, p_hold_s int)
returns uuid
language plpgsql volatile as $$
declare
  v_id uuid;
begin
  perform pg_advisory_xact_lock(hashtextextended('wabiz-auto:' || p_kind || ':' || p_phone, 0));
  if exists (select 1 from auto_messages
              where trigger_message_id = p_trigger and kind = p_kind and state = 'queued') then
    return null;
  end if;
  if exists (select 1 from auto_messages
              where phone = p_phone and kind = p_kind
                and trigger_message_id is distinct from p_trigger
                and created_at > now() - make_interval(secs => p_interval_s)
                and (state = 'queued' or reserved_until > now())) then
    return null;
  end if;
  insert into auto_messages (phone, kind, trigger_message_id, reserved_until)
  values (p_phone, p_kind, p_trigger, now() + make_interval(secs => p_hold_s))
  on conflict (trigger_message_id, kind) do update
    set reserved_until = excluded.reserved_until, created_at = now()
  returning id into v_id;
  return v_id;
end
$$;

-- The reserved message is in the outbox as @p_message: marked automatic.
create or replace function wabiz_auto_queued(p_id uuid, p_message uuid) returns void
language plpgsql volatile as $$
declare
  v_kind text;
  v_phone text;
begin
  update auto_messages set state = 'queued', message_id = p_message, reserved_until = null
   where id = p_id
  returning kind, phone into v_kind, v_phone;
  if v_kind is null then
    return;
  end if;
  update messages set automatic = v_kind, updated_at = now() where id = p_message;
  perform wabiz_notify('messages', v_phone, p_message::text);
end
$$;

-- Auto-replies stop for @p_phone until a person clears the flag; TRUE
-- when it was not flagged yet.
create or replace function wabiz_flag_needs_human(p_phone text, p_reason text) returns boolean
language plpgsql volatile as $$
begin
  update conversations
     set needs_human = true, needs_human_reason = p_reason, needs_human_at = now(),
         updated_at = now()
   where phone = p_phone and not needs_human;
  if found then
    perform wabiz_notify('conversations', p_phone, null);
    return true;
  end if;
  return false;
end
$$;

-- Row Level Security, no policy, as for every table (see 002).
alter table business_settings enable row level security;
alter table ai_jobs enable row level security;
alter table auto_messages enable row level security;

revoke execute on function wabiz_auto_reserve(text, text, uuid, int, int) from public;
revoke execute on function wabiz_auto_queued(uuid, uuid) from public;
revoke execute on function wabiz_flag_needs_human(text, text) from public;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table business_settings, ai_jobs, auto_messages from anon;
    revoke execute on function wabiz_auto_reserve(text, text, uuid, int, int) from anon;
    revoke execute on function wabiz_auto_queued(uuid, uuid) from anon;
    revoke execute on function wabiz_flag_needs_human(text, text) from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table business_settings, ai_jobs, auto_messages from authenticated;
    revoke execute on function wabiz_auto_reserve(text, text, uuid, int, int) from authenticated;
    revoke execute on function wabiz_auto_queued(uuid, uuid) from authenticated;
    revoke execute on function wabiz_flag_needs_human(text, text) from authenticated;
  end if;
end
$$;
