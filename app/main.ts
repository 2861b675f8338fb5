import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.js';
import { Command } from 'commander';
import { config, ConfigError } from './config.js';
import { openAndUse, prepare } from './boot.js';
import { migrateLatest } from './db/migrate.js';
import { demoIsSeeded } from './db/demo-state.js';
import { log } from './lib/log.js';
import { createApp, lifecycle } from './server.js';
import { pageCacheListenerStopper } from './http/page-cache.js';
import { closeMailTransport } from './modules/mailing/transport.js';
import { startOutboxWorker } from './modules/mailing/worker.js';
import './jobs/all.js';
import { startJobs } from './jobs/queue.js';
import { loadTenants } from './tenancy/registry.js';
import { syncTenants } from './tenancy/sync.js';
import { installDefaultRules } from './boot.js';
import { isInstitution } from './tenancy/tenant.js';


function fail(err: unknown): never {
  // One clear line for the operator; the stack only at debug level.
  const msg = err instanceof Error ? err.message : String(err);
  console.error(`préau : ${msg}`);
  if (!(err instanceof ConfigError)) log.debug({ err }, 'startup failure');
  process.exit(1);
}

async function serve() {
  const cfg = config();
  fs.mkdirSync(cfg.dataDir, { recursive: true });
  const database = await openAndUse(cfg);
  const tenants = await prepare(database, cfg);
  if (cfg.demo && !(await demoIsSeeded())) {
    const started = Date.now();
    const { seedDemo } = await import('./db/seed-demo.js');
    await seedDemo();
    console.log(`Données de démonstration chargées en ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
  const app = createApp();
  const server = app.listen(cfg.port, cfg.host);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as { port: number }).port;
  console.log(`Préau écoute sur le port ${port} (${database.embedded ? `base embarquée sous ${cfg.dataDir}` : 'PostgreSQL'}).`);
  for (const t of tenants) {
    const scheme = cfg.https ? 'https' : 'http';
    const portPart = cfg.https || port === 80 ? '' : `:${port}`;
    console.log(`  ${(isInstitution(t) ? 'institution' : 'établissement').padEnd(14)}${scheme}://${t.slug}.${cfg.publicBaseDomain}${portPart}  ${t.name}`);
  }
  // The mail outbox worker: delivers queued e-mails (SMTP_URL, or .eml files under DATA_DIR/mail/).
  const outboxWorker = startOutboxWorker();
  // The job queue (pg-boss): image variants, external feeds, clean-ups, on their schedules.
  const jobs = await startJobs();
  if (cfg.demo) console.log('Comptes de démonstration (mot de passe « demo ») : admin, direction, cpe, prof.maths, prof.francais, eleve.3a, parent.3a');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    lifecycle.ready = false;
    log.info({ signal }, 'stopping: readiness off, finishing in-flight requests');
    server.close(async () => {
      await pageCacheListenerStopper().catch(() => {});
      await outboxWorker.stop().catch(() => {});
      await jobs.stop().catch(() => {});
      closeMailTransport();
      await database.close().catch(() => {});
      process.exit(0);
    });
    server.closeIdleConnections?.();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Copies the browser builds we serve (htmx and its extensions) from node_modules into static/vendor. */
function vendor() {
  const dest = path.join(ROOT, 'static/vendor');
  fs.mkdirSync(dest, { recursive: true });
  const files: [string, string][] = [
    ['node_modules/htmx.org/dist/htmx.min.js', 'htmx.min.js'],
    // The article editor (publication back-office): trix needs no inline script, only its build and stylesheet.
    ['node_modules/trix/dist/trix.umd.min.js', 'trix.umd.min.js'],
    ['node_modules/trix/dist/trix.css', 'trix.css'],
    ['node_modules/sortablejs/Sortable.min.js', 'Sortable.min.js'],
  ];
  for (const [from, to] of files) fs.copyFileSync(path.join(ROOT, from), path.join(dest, to));
  console.log(`static/vendor : ${files.map((f) => f[1]).join(', ')}`);
}

const program = new Command('preau').description('Préau — portail des établissements');

program.command('serve', { isDefault: true }).description('migre, synchronise tenants/, charge la démo puis sert les portails').action(serve);

program.command('migrate').description('applique les migrations').action(async () => {
  const database = await openAndUse();
  const ran = await migrateLatest(database, config());
  console.log(ran.length ? `Migrations appliquées : ${ran.join(', ')}` : 'Base déjà à jour.');
  await database.close();
});

program
  .command('tenants')
  .description('établissements et portails')
  .command('sync')
  .description('charge tenants/<slug>/tenant.yaml dans la base')
  .action(async () => {
    const database = await openAndUse();
    await migrateLatest(database, config());
    const r = await syncTenants();
    const tenants = await loadTenants(config().publicBaseDomain);
    await installDefaultRules(tenants);
    console.log(`Établissements : ${r.inserted} ajouté(s), ${r.updated} mis à jour.`);
    await database.close();
  });

program
  .command('seed')
  .description('données de démonstration')
  .command('demo')
  .description('charge la démonstration (comptes au mot de passe « demo »)')
  .action(async () => {
    const database = await openAndUse();
    await prepare(database);
    if (await demoIsSeeded()) console.log('La démonstration est déjà chargée.');
    else await (await import('./db/seed-demo.js')).seedDemo();
    await database.close();
  });

program.command('vendor').description('copie htmx et trix de node_modules vers static/vendor').action(vendor);

try {
  config();
} catch (e) {
  fail(e);
}
program.parseAsync().catch(fail);
