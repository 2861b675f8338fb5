import { systemDb } from './index.js';

/**
 * True once the demo head of school exists (the demo is loaded at most once). Apart from seed-demo.ts so that
 * a server whose demo is loaded already never loads the seed and its name generator (faker, about 8 MB).
 */
export async function demoIsSeeded(): Promise<boolean> {
  const row = await systemDb()('accounts').whereRaw('lower(login) = ?', ['direction']).first('id');
  return Boolean(row);
}
