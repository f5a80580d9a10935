-- 017: campaigns to segments of leads, opt-outs, and scheduled sends.
-- Idempotent.
--
-- campaigns: one approved template sent to a segment of leads (a saved
-- filter), with each recipient's parameters taken from their lead. The
-- recipients are written once, when the campaign is created: one
-- campaign_recipients row per lead of the segment, those that will not
-- receive it (opted out, invalid number, a second lead with the same
-- number, a parameter missing) with the reason. A runner
-- (src/core/pipeline/wabiz-campaign-runner.c) claims pending rows with
-- FOR UPDATE SKIP LOCKED and a claim token (state "queuing") and queues
-- each through the outbox as a bulk template.
--
-- NEVER THE SAME CAMPAIGN TWICE: the outbox writes its rows in its own
-- transaction, so the trigger below links a recipient to its message in
-- that same transaction: a bulk outbox row takes the unlinked recipient
-- of a live campaign with the same template and number (the one being
-- queued first). A recipient is thus either linked (queued, whatever
-- crashed after) or not queued at all; a claim that its runner left (a
-- crash) goes back to pending after a while and is queued then. A bulk
-- template that finds nothing to link while the same number got the same
-- campaign template within the hour is refused (unique_violation): the
-- late second queueing of a claim that was taken over never reaches the
-- customer.
--
-- campaign_settings: the one row of settings campaigns and opt-outs use
-- (Meta's messaging tier, the queueing rate, the business's timezone,
-- the stop and start words and the optional confirmations).
--
-- leads.opted_out_at: when the customer asked for no more messages (an
-- inbound message that is only a stop word, or by hand); NULL when they
-- may get campaigns. opt_out_events keeps each change, and
-- opt_out_checks which inbound messages were looked at, once.
-- wabiz_is_opted_out(phone) is the check any code (auto-replies too)
-- calls.
--
-- scheduled_messages: a text or a template to queue at a given time (in
-- the customer's timezone, computed when scheduled), linked to its
-- message by the same trigger (a non-bulk outbox row).

-- settings ------------------------------------------------------------------

create table if not exists campaign_settings (
    id int primary key default 1 check (id = 1),
    tier text not null default '1K' check (tier in ('250', '1K', '10K', '100K', 'unlimited')),
    rate double precision not null default 20 check (rate > 0 and rate <= 1000),
    timezone text not null default 'UTC',
    stop_words text[] not null default array['STOP', 'PARAR', 'SAIR', 'BAJA', 'UNSUBSCRIBE',
                                             'CANCELAR', 'STOPP', 'ARRET', 'ARRETER', 'ABMELDEN',
                                             'DESCADASTRAR', 'DESUSCRIBIR', 'END', 'QUIT'],
    start_words text[] not null default array['START', 'UNSTOP', 'COMECAR', 'ALTA', 'REANUDAR'],
    opt_out_reply text,
    opt_in_reply text,
    updated_at timestamptz not null default now()
);
insert into campaign_settings (id) values (1) on conflict (id) do nothing;

-- segments and campaigns -----------------------------------------------------

create table if not exists segments (
    id uuid primary key default gen_random_uuid(),
    name text not null unique,
    filter jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table if not exists campaigns (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    template_name text not null,
    template_language text not null,
    segment jsonb not null default '{}'::jsonb,
    segment_id uuid references segments(id) on delete set null,
    parameters jsonb not null default '[]'::jsonb,
    state text not null default 'scheduled'
      check (state in ('scheduled', 'running', 'paused', 'cancelled', 'done')),
    rate double precision check (rate is null or (rate > 0 and rate <= 1000)),
    start_at timestamptz,
    n_recipients int not null default 0,
    n_excluded int not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz
);
create index if not exists campaigns_created on campaigns (created_at desc, id);
create index if not exists campaigns_live on campaigns (state) where state in ('scheduled', 'running');

create table if not exists campaign_recipients (
    id bigserial primary key,
    campaign_id uuid not null references campaigns(id) on delete cascade,
    lead_id uuid references leads(id) on delete set null,
    lead_phone text not null,
    phone text,
    params jsonb,
    state text not null default 'pending'
      check (state in ('pending', 'queuing', 'queued', 'failed', 'cancelled', 'excluded')),
    reason text,
    detail text,
    claim_token uuid,
    claimed_at timestamptz,
    tier_at timestamptz,
    queued_at timestamptz,
    message_uuid uuid references messages(id) on delete set null,
    unique (campaign_id, phone)
);
create index if not exists campaign_recipients_due on campaign_recipients (campaign_id, id)
  where state = 'pending';
create index if not exists campaign_recipients_unlinked on campaign_recipients (phone)
  where message_uuid is null and state in ('pending', 'queuing');
create index if not exists campaign_recipients_phone on campaign_recipients (phone, queued_at);
create index if not exists campaign_recipients_tier on campaign_recipients (tier_at)
  where tier_at is not null;
create index if not exists campaign_recipients_message on campaign_recipients (message_uuid);
create index if not exists campaign_recipients_queuing on campaign_recipients (claimed_at)
  where state = 'queuing';

-- opt-outs ------------------------------------------------------------------

alter table leads add column if not exists opted_out_at timestamptz;
alter table leads add column if not exists opted_in_at timestamptz;
create index if not exists leads_opted_out on leads (phone) where opted_out_at is not null;

create table if not exists opt_out_events (
    id bigserial primary key,
    phone text not null,
    lead_id uuid references leads(id) on delete set null,
    action text not null check (action in ('opt_out', 'opt_in')),
    source text not null check (source in ('message', 'manual')),
    word text,
    message_uuid uuid references messages(id) on delete set null,
    at timestamptz not null default now(),
    reply_uuid uuid
);
create index if not exists opt_out_events_phone on opt_out_events (phone, at desc);

create table if not exists opt_out_checks (
    message_uuid uuid primary key,
    checked_at timestamptz not null default now()
);
create index if not exists opt_out_checks_time on opt_out_checks (checked_at);
create index if not exists messages_created on messages (created_at);

create or replace function wabiz_is_opted_out(p_phone text) returns boolean
language sql stable as $$
  select exists (select 1 from leads where phone = p_phone and opted_out_at is not null)
$$;

-- scheduled messages -------------------------------------------------------

create table if not exists scheduled_messages (
    id uuid primary key default gen_random_uuid(),
    phone text not null,
    lead_id uuid references leads(id) on delete set null,
    type text not null check (type in ('text', 'template')),
    body text,
    template_name text,
    template_language text,
    template_params jsonb,
    send_at timestamptz not null,
    local_time text,
    timezone text,
    state text not null default 'scheduled'
      check (state in ('scheduled', 'queuing', 'queued', 'cancelled', 'failed')),
    error text,
    claim_token uuid,
    claimed_at timestamptz,
    queued_at timestamptz,
    message_uuid uuid references messages(id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index if not exists scheduled_messages_due on scheduled_messages (send_at)
  where state = 'scheduled';
create index if not exists scheduled_messages_queuing on scheduled_messages (phone)
  where state = 'queuing' and message_uuid is null;

-- the link, in the outbox's own transaction ---------------------------------

create or replace function wabiz_outbox_link() returns trigger
language plpgsql as $$
declare
  m record;
  rid bigint;
  sid uuid;
begin
  select type, template_name, template_language, message into m
    from messages where id = new.message_uuid;

  if new.bulk then
    if m.type is distinct from 'template' then
      return null;
    end if;
    select r.id into rid
      from campaign_recipients r join campaigns c on c.id = r.campaign_id
     where r.message_uuid is null and r.state in ('queuing', 'pending')
       and (r.phone = new.phone
            or r.phone in (select a.input from wa_id_aliases a where a.wa_id = new.phone))
       and c.template_name = m.template_name and c.template_language = m.template_language
     order by (r.state = 'queuing') desc, r.claimed_at nulls last, r.id
     limit 1
     for update of r;
    if rid is not null then
      update campaign_recipients
         set state = 'queued', message_uuid = new.message_uuid, queued_at = now(),
             claim_token = null
       where id = rid;
      return null;
    end if;
    if exists (select 1 from campaign_recipients r join campaigns c on c.id = r.campaign_id
                where r.phone = new.phone and r.message_uuid is not null
                  and r.queued_at > now() - interval '1 hour'
                  and c.template_name = m.template_name
                  and c.template_language = m.template_language) then
      raise exception 'This number got this campaign''s template already'
        using errcode = 'unique_violation';
    end if;
    return null;
  end if;

  select s.id into sid
    from scheduled_messages s
   where s.state = 'queuing' and s.message_uuid is null
     and (s.phone = new.phone
          or s.phone in (select a.input from wa_id_aliases a where a.wa_id = new.phone))
     and s.type = m.type
     and (case when s.type = 'template' then s.template_name = m.template_name
               else s.body = m.message end)
   order by s.claimed_at, s.id
   limit 1
   for update of s;
  if sid is not null then
    update scheduled_messages
       set state = 'queued', message_uuid = new.message_uuid, queued_at = now(),
           claim_token = null, updated_at = now()
     where id = sid;
  end if;
  return null;
end
$$;

drop trigger if exists outbox_link on outbox;
create trigger outbox_link after insert on outbox
  for each row execute function wabiz_outbox_link();

-- announcements -------------------------------------------------------------

create or replace function wabiz_campaigns_changed() returns trigger
language plpgsql as $$
begin
  perform wabiz_notify('campaigns', null, new.id::text);
  return null;
end
$$;

drop trigger if exists campaigns_changed on campaigns;
create trigger campaigns_changed after insert or update on campaigns
  for each row execute function wabiz_campaigns_changed();

create or replace function wabiz_scheduled_messages_changed() returns trigger
language plpgsql as $$
begin
  perform wabiz_notify('scheduled_messages', new.phone, new.id::text);
  return null;
end
$$;

drop trigger if exists scheduled_messages_changed on scheduled_messages;
create trigger scheduled_messages_changed after insert or update on scheduled_messages
  for each row execute function wabiz_scheduled_messages_changed();

-- closed to Supabase's public keys ------------------------------------------

alter table campaign_settings enable row level security;
alter table segments enable row level security;
alter table campaigns enable row level security;
alter table campaign_recipients enable row level security;
alter table opt_out_events enable row level security;
alter table opt_out_checks enable row level security;
alter table scheduled_messages enable row level security;

revoke execute on function wabiz_is_opted_out(text) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table campaign_settings, segments, campaigns, campaign_recipients,
      opt_out_events, opt_out_checks, scheduled_messages from anon;
    revoke execute on function wabiz_is_opted_out(text) from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table campaign_settings, segments, campaigns, campaign_recipients,
      opt_out_events, opt_out_checks, scheduled_messages from authenticated;
    revoke execute on function wabiz_is_opted_out(text) from authenticated;
  end if;
end
$$;
