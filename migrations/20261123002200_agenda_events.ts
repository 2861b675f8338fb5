import type { Knex } from 'knex';
import { tenantTable, timestamps } from '../app/db/schema.js';

/**
 * Agenda events. A timed event has starts_at and an optional ends_at; an all-day event (all_day) starts at
 * midnight Europe/Paris of its first day and ends at midnight after its last day (ends_at exclusive, always
 * set). Audience as for notices: 'public', or 'members' narrowed by profiles and/or classes.
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'agenda_events', (t) => {
    t.uuid('id').notNullable();
    t.text('title').notNullable();
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.timestamp('ends_at', { useTz: true });
    t.boolean('all_day').notNullable().defaultTo(false);
    t.text('place').notNullable().defaultTo('');
    t.text('description').notNullable().defaultTo('');
    t.text('audience').notNullable().defaultTo('public');
    t.specificType('audience_profiles', 'text[]').notNullable().defaultTo('{}');
    t.specificType('audience_class_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.uuid('created_by');
    timestamps(t);
    t.primary(['tenant_id', 'id']);
    t.index(['tenant_id', 'starts_at']);
  });
  await knex.raw(`alter table agenda_events add constraint agenda_events_audience_check check (audience in ('public','members'))`);
  await knex.raw(`alter table agenda_events add constraint agenda_events_window_check check (ends_at is null or ends_at >= starts_at)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('agenda_events');
}
