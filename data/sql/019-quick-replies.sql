-- 019: quick replies the owner arranges in the app (create, edit, reorder,
-- delete): their order in the composer's list, when each last changed,
-- and a NOTIFY on every change, so that every desktop on the database
-- shows the same list at once. Idempotent.

-- position: the order the owner gave (0 first); NULL for rows written
-- before this migration or by other tools, which come after, by shortcut.
alter table quick_replies add column if not exists position int;
alter table quick_replies add column if not exists updated_at timestamptz not null default now();

update quick_replies q
   set position = o.n
  from (select id, (row_number() over (order by shortcut)) - 1 as n
          from quick_replies where position is null) o
 where q.id = o.id
   and not exists (select 1 from quick_replies where position is not null);

create or replace function wabiz_quick_replies_changed() returns trigger
language plpgsql as $$
begin
  perform wabiz_notify('quick_replies', null, null);
  return null;
end
$$;

drop trigger if exists quick_replies_changed on quick_replies;
create trigger quick_replies_changed after insert or update or delete on quick_replies
  for each statement execute function wabiz_quick_replies_changed();

revoke execute on function wabiz_quick_replies_changed() from public;
