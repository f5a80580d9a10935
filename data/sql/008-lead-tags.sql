-- 008: the tags in use, kept up to date as leads change. Idempotent; keeps
-- every row.
--
-- The Leads pane offers the tags as a filter. Listing them from leads
-- (SELECT DISTINCT unnest(tags)) reads the whole table: a third of a
-- second of both cores on a million leads, at every start. lead_tags
-- holds each tag with the number of leads that carry it; triggers on
-- leads keep it in step, and only when a lead's tags change.

create table if not exists lead_tags (
    tag text primary key,
    leads int not null default 0
);

create or replace function wabiz_lead_tags_add(p_tags text[]) returns void
language sql as $$
  insert into lead_tags as t (tag, leads)
  select tag, 1 from (select distinct unnest(p_tags) as tag) s
  where tag is not null
  order by tag
  on conflict (tag) do update set leads = t.leads + 1;
$$;

create or replace function wabiz_lead_tags_remove(p_tags text[]) returns void
language sql as $$
  update lead_tags set leads = greatest(leads - 1, 0)
  where tag in (select distinct unnest(p_tags));
$$;

create or replace function wabiz_lead_tags_sync() returns trigger
language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') and cardinality(old.tags) > 0 then
    perform wabiz_lead_tags_remove(old.tags);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and cardinality(new.tags) > 0 then
    perform wabiz_lead_tags_add(new.tags);
  end if;
  return null;
end
$$;

drop trigger if exists leads_tags_insert on leads;
create trigger leads_tags_insert after insert on leads
  for each row when (cardinality(new.tags) > 0)
  execute function wabiz_lead_tags_sync();

drop trigger if exists leads_tags_update on leads;
create trigger leads_tags_update after update of tags on leads
  for each row when (old.tags is distinct from new.tags)
  execute function wabiz_lead_tags_sync();

drop trigger if exists leads_tags_delete on leads;
create trigger leads_tags_delete after delete on leads
  for each row when (cardinality(old.tags) > 0)
  execute function wabiz_lead_tags_sync();

-- what the leads already carry
insert into lead_tags as t (tag, leads)
select tag, count(distinct l.id) from leads l, unnest(l.tags) as tag
where tag is not null
group by tag
on conflict (tag) do update set leads = excluded.leads;

alter table lead_tags enable row level security;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table lead_tags from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table lead_tags from authenticated;
  end if;
end
$$;
