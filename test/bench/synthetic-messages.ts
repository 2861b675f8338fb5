/**
 * `node --import tsx test/bench/synthetic-messages.ts <count>`: gives the demo teacher (prof.maths of
 * demo-college) <count> received messages from the school's other members, so the bench measures the inbox of
 * a busy mailbox (issue 5: "a member with 5,000 messages"). Run by test/bench/run.ts before the server starts
 * (PGlite allows one process per data directory); migrates and seeds the demo itself when needed. One message
 * row and two mailbox entries (inbox, sender's sent) per message, as sending writes them; a fifth unread,
 * dates spread over two years. Idempotent: a mailbox that already holds that many is left alone. One JSON line.
 */
import { config } from '../../app/config.js';
import { openAndUse, prepare } from '../../app/boot.js';
import { ownerTenantTx, systemDb } from '../../app/db/index.js';
import { demoIsSeeded, seedDemo } from '../../app/db/seed-demo.js';
import { newId } from '../../app/lib/ids.js';

const TENANT = 'demo-college';
const LOGIN = 'prof.maths';
const BATCH = 500;
const DAY = 24 * 3600 * 1000;
const SUBJECTS = ['Conseil de classe', 'Sortie au musée', 'Réunion parents-professeurs', 'Devoirs de la semaine', 'Absence de mon fils', 'Projet Erasmus', 'Cantine', 'Voyage en Espagne'];

async function main(): Promise<void> {
  const count = Number(process.argv[2]);
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new Error('usage: synthetic-messages.ts <count between 1 and 100000>');
  const cfg = config();
  const database = await openAndUse(cfg);
  try {
    await prepare(database, cfg);
    if (cfg.demo && !(await demoIsSeeded())) await seedDemo();
    const tenant = await systemDb()('tenants').where({ slug: TENANT }).first('id', 'slug');
    if (!tenant) throw new Error(`no school ${TENANT}: is the demo seeded (DEMO=on)?`);
    const account = await systemDb()('accounts').whereRaw('lower(login) = ?', [LOGIN]).first('id');
    if (!account) throw new Error(`no account ${LOGIN}`);
    const started = Date.now();
    const { owner, senders, already } = await ownerTenantTx(tenant, async (trx) => {
      const me = await trx('memberships').where({ tenant_id: tenant.id, account_id: account.id }).first('id');
      const others = await trx('memberships').where({ tenant_id: tenant.id }).whereNot('id', me.id).limit(200).pluck('id');
      const [{ n }] = await trx('message_entries').where({ tenant_id: tenant.id, owner_id: me.id, box: 'inbox' }).count('* as n');
      return { owner: me.id as string, senders: others as string[], already: Number(n) };
    });
    if (!senders.length) throw new Error('no other member to write from');
    const now = Date.now();
    let written = 0;
    for (let from = already; from < count; from += BATCH) {
      const messages: Record<string, unknown>[] = [];
      const entries: Record<string, unknown>[] = [];
      for (let i = from; i < Math.min(count, from + BATCH); i++) {
        const id = newId();
        const sender = senders[i % senders.length];
        const at = new Date(now - Math.floor(((count - i) / count) * 730 * DAY));
        const subject = `${SUBJECTS[i % SUBJECTS.length]} (${i + 1})`;
        const text = `Bonjour, voici le message numéro ${i + 1} au sujet de : ${subject}. Bonne journée.`;
        messages.push({ tenant_id: tenant.id, id, sender_id: sender, thread_id: id, subject, body_html: `<p>${text}</p>`, body_text: text, recipients: JSON.stringify([{ key: `m:${owner}`, label: 'Moi', detail: '', kind: 'person' }]), recipient_count: 1, sent_at: at, created_at: at, updated_at: at });
        entries.push({ tenant_id: tenant.id, owner_id: owner, message_id: id, box: 'inbox', received_at: at, read_at: i % 5 === 0 ? null : at });
        entries.push({ tenant_id: tenant.id, owner_id: sender, message_id: id, box: 'sent', received_at: at, read_at: at });
      }
      await ownerTenantTx(tenant, async (trx) => {
        await trx('messages').insert(messages);
        await trx('message_entries').insert(entries);
      });
      written += messages.length;
    }
    await ownerTenantTx(tenant, (trx) => trx.raw('analyze messages, message_entries'));
    console.log(JSON.stringify({ written, seconds: (Date.now() - started) / 1000, inbox: Math.max(already, count) }));
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
