-- The migrations' own bookkeeping: which numbered files ran, and when.
-- Run before every migration pass, by the app and by supabase-setup.sql.

create table if not exists schema_migrations (
    version int primary key,
    name text not null,
    applied_at timestamptz not null default now()
);
alter table schema_migrations enable row level security;
