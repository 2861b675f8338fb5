import type { Knex } from 'knex';
import { tenantTable, timestamps } from '../app/db/schema.js';

/**
 * Notices (annonces): short messages with a level, a time window and an audience. `audience` is 'public'
 * (everyone, visitors included) or 'members' (signed-in members: every member when both lists are empty,
 * otherwise those whose profile is in audience_profiles OR who belong to one of audience_class_ids).
 * A notice with no ends_at stays until ended; expiry is a predicate on the clock, no job.
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'notices', (t) => {
    t.uuid('id').notNullable();
    t.text('level').notNullable();
    t.text('title').notNullable();
    t.text('body').notNullable().defaultTo('');
    t.text('link_url');
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.timestamp('ends_at', { useTz: true });
    t.text('audience').notNullable().defaultTo('public');
    t.specificType('audience_profiles', 'text[]').notNullable().defaultTo('{}');
    t.specificType('audience_class_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.uuid('created_by');
    timestamps(t);
    t.primary(['tenant_id', 'id']);
    t.index(['tenant_id', 'starts_at']);
  });
  await knex.raw(`alter table notices add constraint notices_level_check check (level in ('alert','warning','info'))`);
  await knex.raw(`alter table notices add constraint notices_audience_check check (audience in ('public','members'))`);
  await knex.raw(`alter table notices add constraint notices_window_check check (ends_at is null or ends_at > starts_at)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notices');
}
