import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { config } from '../config.js';
import { now } from './clock.js';

/**
 * Files stored by content: the SHA-256 of the bytes is the name. The store knows nothing of schools; callers
 * always reach a file through a school's media row. Small on purpose, so an object store can replace it.
 */
export interface Storage {
  /**
   * Stores the bytes (idempotent: the same bytes twice are one file) and returns their SHA-256. A file already
   * there is touched: its modification time says when it was last stored or released (see touch).
   */
  put(bytes: Buffer): Promise<{ sha256: string; bytes: number; created: boolean }>;
  get(sha256: string): Promise<Buffer>;
  /** A stream of the file; the caller has checked it exists (or handles the stream's error). */
  stream(sha256: string): Readable;
  exists(sha256: string): Promise<boolean>;
  size(sha256: string): Promise<number | undefined>;
  remove(sha256: string): Promise<void>;
  /**
   * Sets the file's modification time to now (a file stored again, or no longer referenced by a media): the
   * collector of unreferenced files spares those touched within its grace period. No-op if it is missing.
   */
  touch(sha256: string): Promise<void>;
  /**
   * Removes the file unless it was modified (stored again, touched) at or after `before`; answers whether it
   * removed it. The check is made just before the removal, so a file an upload stores again meanwhile stays.
   */
  removeIfUntouchedSince(sha256: string, before: Date): Promise<boolean>;
  /** Every stored hash (for the collector of files no media row references any more). */
  list(): AsyncIterable<{ sha256: string; modifiedAt: Date }>;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function isSha256(v: unknown): v is string {
  return typeof v === 'string' && SHA256.test(v);
}

function checked(sha256: string): string {
  // A hash is the only thing that becomes a path: nothing a person typed ever reaches the file system.
  if (!isSha256(sha256)) throw new Error('invalid sha256');
  return sha256;
}

/** A storage on the local disk: <root>/ab/cd/<sha256>, written through a temporary file and a rename. */
export function diskStorage(root: string): Storage {
  const pathOf = (sha256: string) => {
    const h = checked(sha256);
    return path.join(root, h.slice(0, 2), h.slice(2, 4), h);
  };
  return {
    async put(bytes) {
      const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
      const target = pathOf(sha256);
      if (await isFile(target)) {
        // Touched, so a collector running meanwhile does not take it away from the upload that stores it again.
        await touchFile(target);
        if (await isFile(target)) return { sha256, bytes: bytes.length, created: false };
      }
      await fsp.mkdir(path.dirname(target), { recursive: true });
      // Same directory as the target, so the rename is atomic; the leading dot keeps it out of list().
      const temp = path.join(path.dirname(target), `.${sha256}.${crypto.randomBytes(6).toString('hex')}.tmp`);
      try {
        const handle = await fsp.open(temp, 'wx', 0o640);
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fsp.rename(temp, target);
        await touchFile(target);
      } catch (err) {
        await fsp.rm(temp, { force: true }).catch(() => {});
        throw err;
      }
      return { sha256, bytes: bytes.length, created: true };
    },
    get: (sha256) => fsp.readFile(pathOf(sha256)),
    stream: (sha256) => fs.createReadStream(pathOf(sha256)),
    exists: (sha256) => isFile(pathOf(sha256)),
    async size(sha256) {
      try {
        return (await fsp.stat(pathOf(sha256))).size;
      } catch {
        return undefined;
      }
    },
    async remove(sha256) {
      await fsp.rm(pathOf(sha256), { force: true });
    },
    touch: (sha256) => touchFile(pathOf(sha256)),
    async removeIfUntouchedSince(sha256, before) {
      const p = pathOf(sha256);
      const stat = await fsp.stat(p).catch(() => undefined);
      if (!stat || stat.mtime.getTime() >= before.getTime()) return false;
      await fsp.rm(p, { force: true });
      return true;
    },
    async *list() {
      for (const a of await readDir(root)) {
        for (const b of await readDir(path.join(root, a))) {
          for (const name of await readDir(path.join(root, a, b))) {
            if (!isSha256(name)) continue;
            const stat = await fsp.stat(path.join(root, a, b, name)).catch(() => undefined);
            if (stat) yield { sha256: name, modifiedAt: stat.mtime };
          }
        }
      }
    },
  };
}

async function touchFile(p: string): Promise<void> {
  const at = now();
  await fsp.utimes(p, at, at).catch((err) => {
    if (err?.code !== 'ENOENT') throw err;
  });
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function readDir(p: string): Promise<string[]> {
  try {
    return await fsp.readdir(p);
  } catch {
    return [];
  }
}

const byRoot = new Map<string, Storage>();

/** The process storage: DATA_DIR/files/. */
export function storage(): Storage {
  const root = path.join(config().dataDir, 'files');
  let s = byRoot.get(root);
  if (!s) byRoot.set(root, (s = diskStorage(root)));
  return s;
}
