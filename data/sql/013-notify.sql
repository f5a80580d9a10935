-- 013: one way to announce a change. Every WaBiz NOTIFY goes on the
-- channel 'wabiz' with the payload {"t": table, "phone": wa_id, "id": id}
-- (a null member left out), which the LISTEN connection decodes once into
-- its changed::<table> signal (wabiz-db-listener.c). The store, the models
-- and the SQL of the pipeline call this instead of writing the payload by
-- hand. Delivered at commit, like any NOTIFY. Idempotent.
create or replace function wabiz_notify(p_table text, p_phone text default null, p_id text default null)
returns void
language sql volatile as $$
  select pg_notify('wabiz', json_strip_nulls(json_build_object('t', p_table, 'phone', p_phone,
                                                               'id', p_id))::text)
$$;

-- Not for Supabase's public keys: the tables are closed to them, and so
-- is this.
revoke execute on function wabiz_notify(text, text, text) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke execute on function wabiz_notify(text, text, text) from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke execute on function wabiz_notify(text, text, text) from authenticated;
  end if;
end
$$;
