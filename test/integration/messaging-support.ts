import supertest from 'supertest';
import { expect } from 'vitest';
import { ownerTenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, type BuiltMember } from '../fixtures/factories.js';
import { Client, csrfFrom, testApp } from '../fixtures/http.js';

/** A signed-in member of a school, with their client and form token. */
export interface Person {
  m: BuiltMember;
  c: Client;
  csrf: string;
  key: string;
}

export async function person(tenant: Tenant, opts: Parameters<typeof buildMember>[1] = {}): Promise<Person> {
  const m = await buildMember(tenant, opts);
  const c = Client.for(tenant);
  await c.signIn(m.login, m.password);
  const csrf = csrfFrom((await c.get('/espace')).text);
  return { m, c, csrf, key: `m:${m.membershipId}` };
}

/** A form POST that may repeat a field (recipients=a&recipients=b). */
export async function post(p: Person, path: string, fields: Record<string, string | string[]> = {}, headers: Record<string, string> = {}) {
  const body = new URLSearchParams({ _csrf: p.csrf });
  for (const [k, v] of Object.entries(fields)) for (const one of ([] as string[]).concat(v)) body.append(k, one);
  const req = supertest(testApp().callback())
    .post(path)
    .set('Host', p.c.host)
    .set('Origin', `http://${p.c.host}`)
    .set(headers)
    .type('form')
    .send(body.toString());
  if (p.c.cookies.size) req.set('Cookie', p.c.cookieHeader());
  return p.c.keep(await req);
}

/** A new draft of the member; returns its id. */
export async function newDraft(p: Person): Promise<string> {
  const res = await post(p, '/messagerie/brouillons');
  expect(res.status).toBe(303);
  const id = /\/messagerie\/brouillons\/([0-9a-f-]{36})$/.exec(res.headers.location)?.[1];
  expect(id).toBeTruthy();
  return id!;
}

/** Writes and sends a message; returns the message id (the send must succeed). */
export async function send(p: Person, recipients: string[], subject: string, body = '<p>Bonjour.</p>'): Promise<string> {
  const id = await newDraft(p);
  const res = await post(p, `/messagerie/brouillons/${id}/envoi`, { recipients, subject, body });
  expect(res.status, res.text?.slice(0, 500)).toBe(303);
  expect(res.headers.location).toBe(`/messagerie/messages/${id}?envoye=1`);
  return id;
}

/** The draft id a reply/forward POST redirected to. */
export function draftIdOf(res: { status: number; headers: Record<string, string> }): string {
  expect(res.status).toBe(303);
  const id = /\/messagerie\/brouillons\/([0-9a-f-]{36})$/.exec(res.headers.location)?.[1];
  expect(id).toBeTruthy();
  return id!;
}

/** The teacher teaches the class (a teaching assignment in a subject of their own). */
export async function teach(tenant: Tenant, classId: string, teacherId: string): Promise<void> {
  const subjectId = newId();
  await ownerTenantTx(tenant, async (trx) => {
    await trx('subjects').insert({ tenant_id: tenant.id, id: subjectId, code: `S-${subjectId.slice(0, 8)}`, name: 'Français' });
    await trx('teaching_assignments').insert({ tenant_id: tenant.id, id: newId(), teacher_id: teacherId, subject_id: subjectId, class_id: classId });
  });
}
