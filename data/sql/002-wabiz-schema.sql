-- 002: what WaBiz adds to the service's tables, and its own tables.
-- Idempotent: every statement can run again without changing anything,
-- so the same file works pasted into Supabase's SQL editor.

create extension if not exists pg_trgm;

-- The service stored naive timestamps in UTC; make them timestamptz so
-- that every reader agrees on the instant. Rows are kept.
do $$
begin
  if (select data_type from information_schema.columns
      where table_schema = current_schema() and table_name = 'messages' and column_name = 'timestamp')
     = 'timestamp without time zone' then
    alter table messages alter column "timestamp" type timestamptz using "timestamp" at time zone 'UTC';
  end if;
  if (select data_type from information_schema.columns
      where table_schema = current_schema() and table_name = 'leads' and column_name = 'created_at')
     = 'timestamp without time zone' then
    alter table leads alter column created_at type timestamptz using created_at at time zone 'UTC';
    alter table leads alter column first_contact type timestamptz using first_contact at time zone 'UTC';
  end if;
  if (select data_type from information_schema.columns
      where table_schema = current_schema() and table_name = 'conversations' and column_name = 'created_at')
     = 'timestamp without time zone' then
    alter table conversations alter column created_at type timestamptz using created_at at time zone 'UTC';
    alter table conversations alter column last_message_time type timestamptz using last_message_time at time zone 'UTC';
  end if;
end
$$;

-- leads ---------------------------------------------------------------

alter table leads add column if not exists timezone text;
alter table leads add column if not exists notes text;
alter table leads add column if not exists tags text[] not null default '{}';
alter table leads add column if not exists custom_fields jsonb not null default '{}'::jsonb;
alter table leads add column if not exists last_contact timestamptz;
alter table leads add column if not exists last_inbound_at timestamptz;
alter table leads add column if not exists unread_count int not null default 0;
alter table leads add column if not exists profile_name text;
alter table leads add column if not exists unreachable boolean not null default false;
alter table leads add column if not exists updated_at timestamptz not null default now();

-- The service wrote statuses freely; keep the known ones in upper case and
-- enforce the five for every new or changed row.
update leads set status = upper(btrim(status))
  where status is not null and upper(btrim(status)) in ('NEW', 'CONTACTED', 'INTERESTED', 'CONVERTED', 'LOST')
    and status <> upper(btrim(status));
update leads set status = 'NEW' where status is null;
alter table leads alter column status set default 'NEW';
do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'leads_status_check') then
    alter table leads add constraint leads_status_check
      check (status in ('NEW', 'CONTACTED', 'INTERESTED', 'CONVERTED', 'LOST')) not valid;
  end if;
end
$$;

create index if not exists leads_name_trgm on leads using gin (name gin_trgm_ops);
create index if not exists leads_phone_trgm on leads using gin (phone gin_trgm_ops);
create index if not exists leads_email_trgm on leads using gin (email gin_trgm_ops);
create index if not exists leads_last_contact on leads (last_contact desc nulls last, id);
create index if not exists leads_created on leads (created_at desc, id);
create index if not exists leads_name_order on leads (lower(name), id);
create index if not exists leads_status on leads (status);
create index if not exists leads_tags on leads using gin (tags);

-- conversations ---------------------------------------------------------

alter table conversations add column if not exists unread_count int not null default 0;
alter table conversations add column if not exists last_inbound_at timestamptz;
alter table conversations add column if not exists last_direction text;
alter table conversations add column if not exists last_message_status text;
alter table conversations add column if not exists draft text;
alter table conversations add column if not exists updated_at timestamptz not null default now();
alter table conversations alter column total_messages set default 0;

create index if not exists conversations_last_message on conversations (last_message_time desc nulls last, id);

-- messages -----------------------------------------------------------------

alter table messages add column if not exists type text not null default 'text';
alter table messages add column if not exists lead_id uuid references leads(id) on delete set null;
alter table messages add column if not exists template_name text;
alter table messages add column if not exists template_language text;
alter table messages add column if not exists template_params jsonb;
alter table messages add column if not exists error_code int;
alter table messages add column if not exists error_title text;
alter table messages add column if not exists error_details text;
alter table messages add column if not exists accepted_at timestamptz;
alter table messages add column if not exists sent_at timestamptz;
alter table messages add column if not exists delivered_at timestamptz;
alter table messages add column if not exists read_at timestamptz;
alter table messages add column if not exists failed_at timestamptz;
alter table messages add column if not exists reply_to text;
alter table messages add column if not exists forwarded boolean not null default false;
alter table messages add column if not exists media_id text;
alter table messages add column if not exists media_mime text;
alter table messages add column if not exists media_sha256 text;
alter table messages add column if not exists media_filename text;
alter table messages add column if not exists media_size bigint;
alter table messages add column if not exists media_path text;
alter table messages add column if not exists content jsonb;
alter table messages add column if not exists referral jsonb;
alter table messages add column if not exists pricing jsonb;
alter table messages add column if not exists conversation_info jsonb;
alter table messages add column if not exists raw jsonb;
alter table messages add column if not exists created_at timestamptz not null default now();
alter table messages add column if not exists updated_at timestamptz not null default now();
alter table messages alter column "timestamp" set default now();

do $$
begin
  if not exists (select 1 from information_schema.columns
                 where table_schema = current_schema() and table_name = 'messages'
                   and column_name = 'search') then
    alter table messages add column search tsvector
      generated always as (to_tsvector('simple', coalesce(message, '') || ' ' || coalesce(caption, ''))) stored;
  end if;
end
$$;

create index if not exists messages_phone_time on messages (phone, "timestamp" desc, id desc);
create index if not exists messages_search on messages using gin (search);
create index if not exists messages_status on messages (status);
create index if not exists messages_reply_to on messages (reply_to) where reply_to is not null;
create index if not exists messages_time on messages ("timestamp");

-- templates ----------------------------------------------------------------

create table if not exists templates (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    language text not null,
    category text,
    status text not null default 'PENDING',
    meta_id text,
    components jsonb not null default '[]'::jsonb,
    body_text text,
    footer_text text,
    parameter_format text,
    quality_score text,
    rejected_reason text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (name, language)
);

-- outbox: every outbound message is a row here before it goes on the network.
-- state: pending → sending → done | failed | unknown (in flight at a crash:
-- never re-sent blindly, shown to the user to check).

create table if not exists outbox (
    id bigserial primary key,
    message_uuid uuid not null references messages(id) on delete cascade,
    phone text not null,
    payload jsonb not null,
    state text not null default 'pending'
      check (state in ('pending', 'sending', 'done', 'failed', 'unknown', 'cancelled')),
    bulk boolean not null default false,
    attempts int not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index if not exists outbox_due on outbox (next_attempt_at, id) where state = 'pending';

-- webhook_events: the raw, verified body of every delivery, stored before
-- the 200; the processor turns them into rows.

create table if not exists webhook_events (
    id bigserial primary key,
    received_at timestamptz not null default now(),
    body text not null,
    processed_at timestamptz,
    attempts int not null default 0,
    error text
);
create index if not exists webhook_events_pending on webhook_events (id) where processed_at is null;

-- quick replies for the composer ("/" and a word)

create table if not exists quick_replies (
    id uuid primary key default gen_random_uuid(),
    shortcut text not null unique,
    body text not null,
    created_at timestamptz not null default now()
);

-- Row Level Security on every table, with no policy: Supabase's public
-- keys (anon, authenticated) read and write nothing; WaBiz connects as the
-- owner and is not affected.
alter table leads enable row level security;
alter table conversations enable row level security;
alter table messages enable row level security;
alter table templates enable row level security;
alter table outbox enable row level security;
alter table webhook_events enable row level security;
alter table quick_replies enable row level security;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table leads, conversations, messages, templates, outbox, webhook_events,
      quick_replies from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table leads, conversations, messages, templates, outbox, webhook_events,
      quick_replies from authenticated;
  end if;
end
$$;
