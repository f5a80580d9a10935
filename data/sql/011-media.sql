-- 011: the files customers send, kept in the database. Idempotent.
--
-- Meta keeps an inbound media id for a few days and its download URL for
-- minutes: once a message with media is stored, a media fetcher (any
-- desktop or wabizd with the access token) downloads the file, checks it
-- and stores it here, so that every desktop sharing the database can open
-- it (each keeps a cache of its own under $XDG_CACHE_HOME/wabiz/media).
--
-- One row per media id. state:
--   pending   waiting to be fetched (first time, or again at next_attempt_at)
--   fetching  a fetcher claimed it (claim_token) until claimed_until; a
--             claim that ran out (a fetcher that died) is taken again
--   stored    data holds the file: size bytes of mime, its sha256 (hex)
--   failed    the last try failed (failure, error); tried again at
--             next_attempt_at, or, when that is NULL, only when asked
--   gone      Meta no longer has the file: the customer must send it again
--   removed   the file was stored, then removed to keep the media within
--             the database's budget (oldest first); the message stays
-- failure says why a row is failed, gone or removed, in a word the app
-- turns into a sentence: network, server, auth, damaged, type, size,
-- not-found, space. error keeps the details (never a token).
-- The app makes thumbnails itself from the file (the core decodes no
-- images), so none are stored.

create table if not exists media (
    id uuid primary key default gen_random_uuid(),
    message_id uuid not null references messages(id) on delete cascade,
    media_id text not null unique,
    kind text not null,
    claimed_mime text,
    claimed_sha256 text,
    message_time timestamptz not null default now(),
    state text not null default 'pending'
      check (state in ('pending', 'fetching', 'stored', 'failed', 'gone', 'removed')),
    mime text,
    size bigint,
    sha256 text,
    data bytea,
    failure text
      check (failure in ('network', 'server', 'auth', 'damaged', 'type', 'size', 'not-found', 'space')),
    error text,
    attempts int not null default 0,
    next_attempt_at timestamptz default now(),
    claim_token uuid,
    claimed_until timestamptz,
    fetched_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((state = 'stored') = (data is not null))
);

create index if not exists media_due on media (next_attempt_at)
  where state in ('pending', 'failed') and next_attempt_at is not null;
create index if not exists media_claimed on media (claimed_until) where state = 'fetching';
create index if not exists media_stored on media (message_time desc, id) where state = 'stored';
create index if not exists media_message on media (message_id);

-- what the fetchers look for: inbound messages with media and no row yet,
-- of the last hour when woken, all of them at start and every poll
create index if not exists messages_inbound_media on messages (created_at)
  where media_id is not null and direction = 'inbound';

-- Row Level Security, no policy, as for every table (see 002).
alter table media enable row level security;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table media from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table media from authenticated;
  end if;
end
$$;
