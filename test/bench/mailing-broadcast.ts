/**
 * A 10,000-recipient targeted broadcast (issue 5, Performance): time to queue it (audience resolved, broadcast
 * record and 10,000 outbox rows written in one transaction, as the send button does), then delivery to a real
 * local SMTP server (test/fixtures/smtp.ts) by the outbox worker with its default settings, in messages/s.
 * Prints the figures; asserts nothing about timings.
 *
 *   npx tsx test/bench/mailing-broadcast.ts                      # embedded PGlite (in memory)
 *   DATABASE_URL=postgres://… npx tsx test/bench/mailing-broadcast.ts   # a fresh database on that server, dropped after
 *   BENCH_RECIPIENTS=10000 (default)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexLib from 'knex';
import { parseConfig, setConfig } from '../../app/config.js';
import { tenantTx, useDatabase } from '../../app/db/index.js';
import { openDatabase } from '../../app/db/knex.js';
import { migrateLatest } from '../../app/db/migrate.js';
import { createLogger, setLogger } from '../../app/lib/log.js';
import type { Member } from '../../app/auth/member.js';
import { broadcastSender } from '../../app/modules/mailing/broadcasts.js';
import { createMailTransport } from '../../app/modules/mailing/transport.js';
import { drainOutbox } from '../../app/modules/mailing/worker.js';
import { syncServiceCatalogue } from '../../app/rights/catalogue.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { startTestSmtp } from '../fixtures/smtp.js';
import { bulkMembers } from '../integration/mailing-support.js';

const N = Number(process.env.BENCH_RECIPIENTS ?? 10_000);

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'preau-bench-mail-'));
  const base = process.env.DATABASE_URL;
  let url: string | undefined;
  let admin: ReturnType<typeof knexLib> | undefined;
  let dbName = '';
  if (base) {
    dbName = `preau_bench_mail_${crypto.randomBytes(3).toString('hex')}`;
    admin = knexLib({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
    await admin.raw(`create database ${dbName}`);
    const u = new URL(base);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  const cfg = parseConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: url, LOG_LEVEL: 'silent' });
  setConfig(cfg);
  setLogger(createLogger('silent'));
  const database = await openDatabase(cfg, { pgliteDir: 'memory://' });
  const smtp = await startTestSmtp();
  const transport = createMailTransport({ smtpUrl: smtp.url });
  try {
    await migrateLatest(database, cfg);
    useDatabase(database);
    await syncServiceCatalogue();
    const tenant = await buildTenant();
    const head = await buildMember(tenant, { profile: 'admin' });
    await bulkMembers(tenant, N, { profile: 'guardian' });
    const actor = { accountId: head.accountId, membershipId: head.membershipId, displayName: 'Direction' } as Member;

    let t = performance.now();
    const { queued } = await tenantTx(tenant, () =>
      broadcastSender({ actor, audience: { everyone: false, profiles: ['guardian'], level_ids: [], class_ids: [], group_ids: [], scope_roles: [] }, message: { subject: 'Information aux familles', body: 'Bonjour,\n\nla réunion a lieu jeudi à 18 h.', notice: false } }),
    );
    const queueMs = performance.now() - t;

    t = performance.now();
    const r = await drainOutbox({ transport, tenants: () => [tenant] });
    const sendMs = performance.now() - t;
    const received = smtp.received.length;
    const distinct = new Set(smtp.received.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address)).size;
    console.log(
      JSON.stringify(
        {
          database: base ? 'postgresql' : 'pglite',
          recipients: N,
          queued,
          queue_ms: Math.round(queueMs),
          sent: r.sent,
          received,
          distinct_recipients: distinct,
          deliver_ms: Math.round(sendMs),
          messages_per_s: Math.round((r.sent * 1000) / sendMs),
        },
        null,
        2,
      ),
    );
  } finally {
    transport.close();
    await smtp.stop();
    await database.close();
    if (admin) {
      await admin.raw(`drop database if exists ${dbName} with (force)`);
      await admin.destroy();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
