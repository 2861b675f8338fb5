import type { Knex } from 'knex';

/**
 * Keeps each article's `search` vector in its row (storage MAIN) rather than in the TOAST table: an article's
 * row is often over the 2 kB threshold, and the vector, the widest column after the body, was then moved out
 * of line, so matching and ranking a thousand candidates cost a thousand TOAST lookups (public_search()). The
 * bodies (body_html, body_text) go out of line first instead. Existing rows are rewritten school by school
 * (row-level security applies to the owner too) so their vectors come back inline.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table articles alter column search set storage main`);
  await knex.raw(`
    do $$ declare t record; begin
      for t in select id from tenants loop
        perform set_config('app.tenant_id', t.id::text, true);
        update articles set title = title where tenant_id = t.id;
      end loop;
      perform set_config('app.tenant_id', '', true);
    end $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table articles alter column search set storage extended`);
}
