import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { config, setConfig } from '../../app/config.js';
import { createApp } from '../../app/server.js';

// Behind a trusted proxy (TRUST_PROXY), the client's address is the one that proxy appended to
// X-Forwarded-For: what the throttles of sign-in and list subscriptions count. Earlier entries are the client's
// own words and must not let it choose another address for every try.
const original = config();
afterEach(() => setConfig(original));

describe('the client address behind a trusted proxy', () => {
  it('is the last X-Forwarded-For entry, not one the client wrote', async () => {
    setConfig({ ...original, trustProxy: true });
    const app = createApp();
    let seen = '';
    app.middleware.unshift(async (ctx, next) => {
      seen = ctx.ip;
      await next();
    });
    await supertest(app.callback()).get('/healthz').set('X-Forwarded-For', '6.6.6.6, 203.0.113.7');
    expect(seen).toBe('203.0.113.7');
  });
});
