import { systemDb, tenantTx, type TenantRef } from '../../db/index.js';
import { defineJob, enqueueJob } from '../../jobs/queue.js';
import { now } from '../../lib/clock.js';
import { log } from '../../lib/log.js';
import { storage } from '../../lib/storage.js';
import { avifVariantsMaker, mediaById, type Variant } from './media.js';

/**
 * Publication's jobs (queues declared by migrations 20261123105001 and 105002):
 * - `media-avif`: the AVIF variants of an uploaded image (about a second each: never in the request);
 * - `media-files-collect`: daily, deletes the stored files no row references any more, after a grace period.
 */
export const AVIF_QUEUE = 'media-avif';
export const FILES_COLLECT_QUEUE = 'media-files-collect';

/** How long an unreferenced file is kept after it was last stored or released (an upload in progress keeps its files). */
export const FILES_GRACE_MS = 24 * 60 * 60 * 1000;

/** Queues the AVIF variants of an image: in the caller's transaction, so the job exists if the upload commits. */
export function avifQueuer(tenantId: string, mediaId: string): Promise<string | null> {
  return enqueueJob(AVIF_QUEUE, { tenantId, mediaId }, { singletonKey: `${tenantId}:${mediaId}` });
}

/** Makes and records the AVIF variants of an image; nothing if the media is gone or already has them. */
export async function avifVariantsJob({ tenantId, mediaId }: { tenantId: string; mediaId: string }): Promise<void> {
  const tenant: TenantRef = { id: tenantId, slug: '' };
  const media = await tenantTx(tenant, () => mediaById(mediaId));
  if (!media || media.kind !== 'image' || media.variants.some((v) => v.format === 'avif')) return;
  // The encoding runs outside any transaction; the files are stored before the row mentions them.
  const made = await avifVariantsMaker(media);
  if (made.length === 0) return;
  for (const v of made) await storage().put(v.data);
  const variants: Variant[] = made.map(({ data, ...v }) => v);
  const added = variants.reduce((n, v) => n + v.bytes, 0);
  await tenantTx(tenant, (trx) =>
    trx.raw(
      `update media set variants = variants || ?::jsonb, size_bytes = size_bytes + ?
       where tenant_id = ? and id = ? and not variants @> '[{"format":"avif"}]'::jsonb`,
      [JSON.stringify(variants), added, tenantId, mediaId],
    ),
  );
  // A media deleted meanwhile leaves these files unreferenced: the collector takes them after the grace period.
}

/**
 * Every table that references stored files, by the column holding the hash (and media's variants). A table
 * with a `sha256` column missing here stops the collector rather than losing its files.
 */
const REFERENCES: Record<string, string> = {
  media: `select sha256 as h from media union all select v->>'sha256' from media, jsonb_array_elements(variants) v`,
  message_attachments: `select sha256 as h from message_attachments`,
};

async function referencedFiles(): Promise<Set<string>> {
  const { rows: columns } = await systemDb().raw(
    `select distinct table_name from information_schema.columns where table_schema = current_schema() and column_name = 'sha256'`,
  );
  const unknown = columns.map((c: { table_name: string }) => c.table_name).filter((t: string) => !(t in REFERENCES));
  if (unknown.length) throw new Error(`files collector: unknown tables referencing files: ${unknown.join(', ')}`);
  const tables = Object.keys(REFERENCES).filter((t) => columns.some((c: { table_name: string }) => c.table_name === t));
  const tenants: { id: string; slug: string }[] = await systemDb()('tenants').select('id', 'slug');
  const used = new Set<string>();
  for (const t of tenants) {
    await tenantTx(t, async (trx) => {
      for (const table of tables) {
        const { rows } = await trx.raw(REFERENCES[table]);
        for (const r of rows as { h: string | null }[]) if (r.h) used.add(r.h);
      }
    });
  }
  return used;
}

/**
 * Deletes the stored files that no row of any school references (storage is by content, so one file may
 * serve several schools), unless touched within the grace period: stored or released less than
 * FILES_GRACE_MS ago. Returns what it deleted.
 */
export async function filesCollector(): Promise<{ deleted: string[]; kept: number }> {
  const used = await referencedFiles();
  const before = new Date(now().getTime() - FILES_GRACE_MS);
  const deleted: string[] = [];
  let kept = 0;
  for await (const f of storage().list()) {
    // The references were read first: a file stored after that is touched, hence within the grace period.
    if (!used.has(f.sha256) && f.modifiedAt < before && (await storage().removeIfUntouchedSince(f.sha256, before))) deleted.push(f.sha256);
    else kept++;
  }
  if (deleted.length) log.info({ deleted: deleted.length, kept }, 'media: unreferenced files deleted');
  return { deleted, kept };
}

defineJob(AVIF_QUEUE, avifVariantsJob);
defineJob(FILES_COLLECT_QUEUE, async () => {
  await filesCollector();
}, { cron: '17 3 * * *' });
