-- 009: what the webhook relay (supabase/functions/wabiz-webhook) writes. Idempotent.
--
-- The relay is an Edge Function in the business's own Supabase project:
-- Meta delivers there while no WaBiz runs, and the relay stores each
-- signed body in webhook_events, as the desktop's own receiver does, for
-- any processor (a desktop or wabizd) to take. It calls the functions
-- below, one statement each, so that what it writes is defined here.
--
-- Meta redelivers a body it thinks was lost (an answer that came too
-- late, say), for up to 7 days: the relay keeps the SHA-256 of each body
-- it stored for 8 days, and stores a redelivery once.
--
-- webhook_relay_status (one row) tells the app's setup check when Meta's
-- verification request and the last delivery arrived, and the last
-- request the relay refused and why (a wrong verify token or signature
-- usually means a secret was set to another value than the app's).

create table if not exists webhook_relay_deliveries (
    body_sha256 bytea primary key,
    event_id bigint not null,
    received_at timestamptz not null default now()
);
create index if not exists webhook_relay_deliveries_received on webhook_relay_deliveries (received_at);

create table if not exists webhook_relay_status (
    id boolean primary key default true check (id),
    last_verification_at timestamptz,
    last_event_at timestamptz,
    last_refused_at timestamptz,
    -- verify_token, missing_signature, bad_signature, too_large, malformed
    last_refused_reason text
);
insert into webhook_relay_status (id) values (true) on conflict (id) do nothing;

-- Stores one verified body (valid UTF-8 JSON); returns its event's id,
-- and whether an earlier delivery had stored it already. Notifies the
-- processors on channel wabiz with {"t": "webhook_events", "id": "<id>"}
-- (at commit), as the app's other writers notify their changes.
create or replace function wabiz_relay_store(p_body text, out event_id bigint, out duplicate boolean)
language plpgsql as $$
declare
  v_hash bytea := sha256(convert_to(p_body, 'UTF8'));
begin
  insert into webhook_relay_deliveries as d (body_sha256, event_id)
    values (v_hash, nextval(pg_get_serial_sequence('webhook_events', 'id')))
    on conflict (body_sha256) do nothing
    returning d.event_id into event_id;
  duplicate := event_id is null;

  if duplicate then
    select d.event_id into event_id from webhook_relay_deliveries d where d.body_sha256 = v_hash;
  else
    insert into webhook_events (id, body) values (event_id, p_body);
    perform pg_notify('wabiz', json_build_object('t', 'webhook_events', 'id', event_id::text)::text);
    delete from webhook_relay_deliveries d where d.received_at < now() - interval '8 days';
  end if;

  -- at most one write a second, so that a burst of deliveries does not
  -- queue on this row
  update webhook_relay_status s set last_event_at = now()
    where s.id and (s.last_event_at is null or s.last_event_at < now() - interval '1 second');
end
$$;

-- Meta's verification request, answered with the challenge.
create or replace function wabiz_relay_verified() returns void
language sql as $$
  insert into webhook_relay_status as s (id, last_verification_at) values (true, now())
    on conflict (id) do update set last_verification_at = now()
$$;

-- A request the relay refused. Anyone may send those: at most one write a
-- second.
create or replace function wabiz_relay_refused(p_reason text) returns void
language sql as $$
  insert into webhook_relay_status as s (id, last_refused_at, last_refused_reason)
    values (true, now(), p_reason)
    on conflict (id) do update set last_refused_at = now(), last_refused_reason = p_reason
    where s.last_refused_at is null or s.last_refused_at < now() - interval '1 second'
       or s.last_refused_reason is distinct from p_reason
$$;

-- Row Level Security, no policy: Supabase's public keys read and write
-- nothing, and cannot call the functions through the Data API either.
alter table webhook_relay_deliveries enable row level security;
alter table webhook_relay_status enable row level security;

revoke all on function wabiz_relay_store(text) from public;
revoke all on function wabiz_relay_verified() from public;
revoke all on function wabiz_relay_refused(text) from public;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table webhook_relay_deliveries, webhook_relay_status from anon;
    revoke all on function wabiz_relay_store(text), wabiz_relay_verified(),
      wabiz_relay_refused(text) from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table webhook_relay_deliveries, webhook_relay_status from authenticated;
    revoke all on function wabiz_relay_store(text), wabiz_relay_verified(),
      wabiz_relay_refused(text) from authenticated;
  end if;
end
$$;
