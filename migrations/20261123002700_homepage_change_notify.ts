import type { Knex } from 'knex';

/**
 * NOTIFY preau_homepage '<tenant id>' after each committed change that can alter a school's public homepage
 * (app/modules/homepage/cache.ts listens and drops the cached page, in every process): articles (only those
 * published before or after the change: drafts' autosaves do not count), rubrics, media, the published
 * homepage version,
 * notices, agenda events, and the tenant itself (name, theme, contact, parents). PostgreSQL delivers
 * notifications at commit and folds duplicates within a transaction.
 */
const TABLES = ['articles', 'rubrics', 'media', 'homepage_versions', 'notices', 'agenda_events'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create function homepage_change_notify() returns trigger language plpgsql security invoker as $fn$
declare
  v_tenant uuid;
begin
  -- Articles: only published ones show; homepage versions: only the published one (drafts do not show).
  if tg_table_name in ('articles', 'homepage_versions') then
    if tg_op = 'INSERT' then
      if new.status <> 'published' then return null; end if;
    elsif tg_op = 'DELETE' then
      if old.status <> 'published' then return null; end if;
    elsif old.status <> 'published' and new.status <> 'published' then
      return null;
    end if;
  end if;
  if tg_table_name = 'tenants' then
    v_tenant := case when tg_op = 'DELETE' then old.id else new.id end;
  else
    v_tenant := case when tg_op = 'DELETE' then old.tenant_id else new.tenant_id end;
  end if;
  perform pg_notify('preau_homepage', v_tenant::text);
  return null;
end
$fn$`);
  for (const table of [...TABLES, 'tenants']) {
    await knex.raw(`create trigger homepage_change_notify after insert or update or delete on ?? for each row execute function homepage_change_notify()`, [table]);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [...TABLES, 'tenants']) await knex.raw(`drop trigger homepage_change_notify on ??`, [table]);
  await knex.raw(`drop function homepage_change_notify()`);
}
