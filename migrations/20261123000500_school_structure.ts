import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// Levels, classes, groups, subjects, who is in which class or group, who teaches what, who guards whom.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'levels', (t) => {
    t.uuid('id').notNullable();
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.integer('position').notNullable().defaultTo(0);
    t.primary(['tenant_id', 'id']);
    t.unique(['tenant_id', 'code']);
  });
  await tenantTable(knex, 'classes', (t) => {
    t.uuid('id').notNullable();
    t.uuid('level_id');
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.uuid('main_teacher_id');
    t.primary(['tenant_id', 'id']);
    t.unique(['tenant_id', 'code']);
    t.foreign(['tenant_id', 'level_id']).references(['tenant_id', 'id']).inTable('levels');
    t.foreign(['tenant_id', 'main_teacher_id']).references(['tenant_id', 'id']).inTable('memberships');
  });
  await tenantTable(knex, 'groups', (t) => {
    t.uuid('id').notNullable();
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.primary(['tenant_id', 'id']);
    t.unique(['tenant_id', 'code']);
  });
  await tenantTable(knex, 'subjects', (t) => {
    t.uuid('id').notNullable();
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.primary(['tenant_id', 'id']);
    t.unique(['tenant_id', 'code']);
  });
  await tenantTable(knex, 'class_members', (t) => {
    t.uuid('class_id').notNullable();
    t.uuid('membership_id').notNullable();
    t.primary(['tenant_id', 'class_id', 'membership_id']);
    t.foreign(['tenant_id', 'class_id']).references(['tenant_id', 'id']).inTable('classes').onDelete('CASCADE');
    t.foreign(['tenant_id', 'membership_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
    t.index(['tenant_id', 'membership_id']);
  });
  await tenantTable(knex, 'group_members', (t) => {
    t.uuid('group_id').notNullable();
    t.uuid('membership_id').notNullable();
    t.primary(['tenant_id', 'group_id', 'membership_id']);
    t.foreign(['tenant_id', 'group_id']).references(['tenant_id', 'id']).inTable('groups').onDelete('CASCADE');
    t.foreign(['tenant_id', 'membership_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
    t.index(['tenant_id', 'membership_id']);
  });
  await tenantTable(knex, 'teaching_assignments', (t) => {
    t.uuid('id').notNullable();
    t.uuid('teacher_id').notNullable();
    t.uuid('subject_id').notNullable();
    t.uuid('class_id');
    t.uuid('group_id');
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'teacher_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
    t.foreign(['tenant_id', 'subject_id']).references(['tenant_id', 'id']).inTable('subjects');
    t.foreign(['tenant_id', 'class_id']).references(['tenant_id', 'id']).inTable('classes').onDelete('CASCADE');
    t.foreign(['tenant_id', 'group_id']).references(['tenant_id', 'id']).inTable('groups').onDelete('CASCADE');
    t.index(['tenant_id', 'teacher_id']);
  });
  await knex.raw(`alter table teaching_assignments add constraint teaching_assignments_target_check
    check (num_nonnulls(class_id, group_id) = 1)`);
  await tenantTable(knex, 'guardianships', (t) => {
    t.uuid('guardian_id').notNullable();
    t.uuid('student_id').notNullable();
    t.primary(['tenant_id', 'guardian_id', 'student_id']);
    t.foreign(['tenant_id', 'guardian_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
    t.foreign(['tenant_id', 'student_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
    t.index(['tenant_id', 'student_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['guardianships', 'teaching_assignments', 'group_members', 'class_members', 'subjects', 'groups', 'classes', 'levels']) {
    await knex.schema.dropTable(t);
  }
}
