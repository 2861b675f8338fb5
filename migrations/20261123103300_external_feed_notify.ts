import type { Knex } from 'knex';

/**
 * New items of an external feed change the homepages showing it: the same NOTIFY as the other tables
 * (homepage_change_notify(), migration 20261123002700), only when the items change (a refresh that finds
 * nothing new, or fails, keeps the cached page).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create trigger homepage_change_notify after insert or delete on external_feeds for each row execute function homepage_change_notify()`);
  await knex.raw(
    `create trigger homepage_change_notify_items after update on external_feeds for each row when (old.items is distinct from new.items) execute function homepage_change_notify()`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop trigger homepage_change_notify_items on external_feeds`);
  await knex.raw(`drop trigger homepage_change_notify on external_feeds`);
}
