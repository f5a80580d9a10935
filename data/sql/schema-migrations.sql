-- The migrations' own bookkeeping: which numbered files ran, and when.
-- Run before every migration pass, by the app and by supabase-setup.sql.

create table if not exists schema_migrations (
    version int primary key,
    name text not null,
    applied_at timestamptz not null default now()
);
alter table schema_migrations enable row level security;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table schema_migrations from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table schema_migrations from authenticated;
  end if;
end
$$;
