import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * media_uses: which article uses which media, and how (its main image, an attachment, an image or link in its
 * body). The media library reads it to show where a media is used and to refuse deleting one in use; the media
 * route reads it to decide who may fetch a file. Kept by triggers on articles (main image, body) and
 * article_attachments, so every way of saving an article (editor, autosave, restore, imports, fixtures) keeps
 * it exact in the same transaction. Body references are the `/medias/<id>/` URLs the sanitizer keeps; only
 * media of the same school count (the foreign key refuses anything else, and blocks deleting a media in use).
 * The triggers run as the caller, under row-level security.
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'media_uses', (t) => {
    t.uuid('media_id').notNullable();
    t.uuid('article_id').notNullable();
    t.text('how').notNullable();
    t.primary(['tenant_id', 'media_id', 'article_id', 'how']);
    t.foreign(['tenant_id', 'media_id']).references(['tenant_id', 'id']).inTable('media');
    t.foreign(['tenant_id', 'article_id']).references(['tenant_id', 'id']).inTable('articles').onDelete('CASCADE');
    t.index(['tenant_id', 'article_id']);
  });
  await knex.raw(`alter table media_uses add constraint media_uses_how_check check (how in ('main','attachment','body'))`);

  await knex.raw(`
create function media_uses_refresh(p_tenant uuid, p_article uuid) returns void
language plpgsql security invoker as $fn$
begin
  delete from media_uses where tenant_id = p_tenant and article_id = p_article;
  insert into media_uses (tenant_id, media_id, article_id, how)
  select distinct p_tenant, u.media_id, p_article, u.how
  from (
    select a.main_image_id as media_id, 'main' as how
      from articles a where a.tenant_id = p_tenant and a.id = p_article and a.main_image_id is not null
    union all
    select t.media_id, 'attachment'
      from article_attachments t where t.tenant_id = p_tenant and t.article_id = p_article
    union all
    select (m[1])::uuid, 'body'
      from articles a, regexp_matches(a.body_html, '/medias/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/', 'g') m
      where a.tenant_id = p_tenant and a.id = p_article
  ) u
  where exists (select 1 from media x where x.tenant_id = p_tenant and x.id = u.media_id);
end
$fn$`);
  await knex.raw(`
create function media_uses_of_article() returns trigger
language plpgsql security invoker as $fn$
begin
  perform media_uses_refresh(new.tenant_id, new.id);
  return null;
end
$fn$`);
  await knex.raw(`
create function media_uses_of_attachment() returns trigger
language plpgsql security invoker as $fn$
begin
  if tg_op = 'DELETE' then
    perform media_uses_refresh(old.tenant_id, old.article_id);
  else
    perform media_uses_refresh(new.tenant_id, new.article_id);
  end if;
  return null;
end
$fn$`);
  await knex.raw(`create trigger articles_media_uses after insert or update of main_image_id, body_html on articles
    for each row execute function media_uses_of_article()`);
  await knex.raw(`create trigger article_attachments_media_uses after insert or update or delete on article_attachments
    for each row execute function media_uses_of_attachment()`);
  await knex.raw(`grant execute on function media_uses_refresh(uuid, uuid) to preau_app`);

  // The uses of the articles already there.
  await knex.raw(`
    do $$ declare t record; r record; begin
      -- School by school (row-level security applies to the owner too), from the global list of schools.
      for t in select id from tenants loop
        perform set_config('app.tenant_id', t.id::text, true);
        for r in select id from articles where tenant_id = t.id loop
          perform media_uses_refresh(t.id, r.id);
        end loop;
      end loop;
      perform set_config('app.tenant_id', '', true);
    end $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop trigger article_attachments_media_uses on article_attachments`);
  await knex.raw(`drop trigger articles_media_uses on articles`);
  await knex.raw(`drop function media_uses_of_attachment()`);
  await knex.raw(`drop function media_uses_of_article()`);
  await knex.raw(`drop function media_uses_refresh(uuid, uuid)`);
  await knex.schema.dropTable('media_uses');
}
