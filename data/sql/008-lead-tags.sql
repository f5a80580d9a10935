-- 008: a catalogue of the tags given to leads. Idempotent; keeps every row.
--
-- The Leads pane offers the tags as a filter. Listing them from leads
-- (SELECT DISTINCT unnest(tags)) reads the whole table: a third of a
-- second of both cores on a million leads, at every start. lead_tags
-- holds every tag ever given; a trigger adds new ones when a lead's tags
-- change. It only ever inserts, and never updates a shared counter, so
-- that an import tagging thousands of leads alike costs one index probe a
-- lead. A tag no lead carries any more stays in the catalogue; readers
-- check that some lead still has it (leads_tags, the GIN index, answers
-- that at once).

create table if not exists lead_tags (
    tag text primary key,
    created_at timestamptz not null default now()
);

create or replace function wabiz_lead_tags_add() returns trigger
language plpgsql as $$
begin
  insert into lead_tags (tag)
  select distinct tag from unnest(new.tags) as tag
  where tag is not null
  order by tag
  on conflict (tag) do nothing;
  return null;
end
$$;

drop trigger if exists leads_tags_insert on leads;
create trigger leads_tags_insert after insert on leads
  for each row when (cardinality(new.tags) > 0)
  execute function wabiz_lead_tags_add();

drop trigger if exists leads_tags_update on leads;
create trigger leads_tags_update after update of tags on leads
  for each row when (old.tags is distinct from new.tags and cardinality(new.tags) > 0)
  execute function wabiz_lead_tags_add();

-- what the leads already carry
insert into lead_tags (tag)
select distinct tag from leads, unnest(tags) as tag
where tag is not null
on conflict (tag) do nothing;

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
