import pLimit, { type LimitFunction } from 'p-limit';
import { config } from '../../config.js';
import { HttpError } from '../../http/errors.js';

/**
 * Public search is the dearest statement a visitor can send (about 2 ms of PostgreSQL over 10,000 articles,
 * against a tenth of that for a page). At most SEARCH_CONCURRENCY searches run at once in a process; the
 * others wait their turn, first come first served. PostgreSQL then juggles no more searches than it has
 * cores for, which keeps the slowest answers close to the typical one, and a burst of searches (or a
 * crawler walking every query) cannot take every pooled connection from the pages. Beyond MAX_WAITING
 * per running search, a visitor is asked to try again in a moment (503) rather than queued for seconds.
 */
export const MAX_WAITING_PER_SLOT = 25;

let gate: LimitFunction | undefined;
let gateSize = 0;

function currentGate(): LimitFunction {
  const size = config().searchConcurrency;
  if (!gate || gateSize !== size) {
    gate = pLimit(size);
    gateSize = size;
  }
  return gate;
}

/** Runs one search through the gate; throws 503 (Retry-After: 2) when too many are waiting already. */
export function throughSearchGate<T>(search: () => Promise<T>): Promise<T> {
  const g = currentGate();
  if (g.pendingCount >= g.concurrency * MAX_WAITING_PER_SLOT) {
    return Promise.reject(new HttpError(503, 'search_busy', undefined, { 'Retry-After': '2' }));
  }
  return g(search);
}
