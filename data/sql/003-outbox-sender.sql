-- 003: what the outbox sender needs. Idempotent.
--
-- outbox.sent_at: when the row was last handed to the Graph API; keeps
-- bulk sends to one customer at least 6 s apart (Meta's pair rate limit).
-- wa_id_aliases: Meta answers a send with the recipient's wa_id, which can
-- differ from the number typed (Brazil and Mexico mobiles with or without
-- the extra 9 or 1); the mapping keeps one customer from becoming two
-- leads when the typed form is used again.

alter table outbox add column if not exists sent_at timestamptz;

create index if not exists outbox_phone_sent on outbox (phone, sent_at) where sent_at is not null;
create index if not exists outbox_sending on outbox (id) where state = 'sending';
create index if not exists outbox_message on outbox (message_uuid);

create table if not exists wa_id_aliases (
    input text primary key,
    wa_id text not null,
    created_at timestamptz not null default now()
);

alter table wa_id_aliases enable row level security;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table wa_id_aliases from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table wa_id_aliases from authenticated;
  end if;
end
$$;
