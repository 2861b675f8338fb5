import { describe, expect, it } from 'vitest';
import { config, parseConfig } from '../../app/config.js';
import { openDatabase } from '../../app/db/knex.js';
import { currentDatabase, useDatabase } from '../../app/db/index.js';
import { Client } from '../fixtures/http.js';

describe('database unavailable', () => {
  it('answers 503 quickly with a French page and Retry-After, /readyz goes red, /healthz stays green', async () => {
    const shared = currentDatabase();
    // Nothing listens on port 9 of loopback: every connection is refused at once.
    const down = await openDatabase(parseConfig({ DATABASE_URL: 'postgres://preau:x@127.0.0.1:9/preau', DATA_DIR: config().dataDir }));
    useDatabase(down);
    try {
      const page = await new Client('ecole-inconnue-de-la-memoire.localhost').get('/');
      expect(page.status).toBe(503);
      expect(page.headers['retry-after']).toBe('5');
      expect(page.text).toContain('Service momentanément indisponible');
      const ready = await new Client('x.localhost').get('/readyz');
      expect(ready.status).toBe(503);
      expect((await new Client('x.localhost').get('/healthz')).status).toBe(200);
    } finally {
      useDatabase(shared);
      await down.close();
    }
    // And back to normal once the database answers again.
    expect((await new Client('x.localhost').get('/readyz')).status).toBe(200);
  });
});
