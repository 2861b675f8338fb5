(globalThis as any).__noDatabase = true;
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../app/config.js';

describe('configuration', () => {
  it('needs nothing: embedded database under ./data, port 3000, demo on', () => {
    const c = parseConfig({});
    expect(c.port).toBe(3000);
    expect(c.embedded).toBe(true);
    expect(c.dataDir).toMatch(/data$/);
    expect(c.demo).toBe(true);
    expect(c.publicBaseDomain).toBe('localhost');
    expect(c.https).toBe(false);
  });
  it('production alone does not turn on https nor require a secret', () => {
    const c = parseConfig({ NODE_ENV: 'production', PORT: '8080', DATA_DIR: '/tmp/x' });
    expect(c.https).toBe(false);
    expect(c.port).toBe(8080);
  });
  it('on PostgreSQL the demo is off unless DEMO=on', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u:p@127.0.0.1/db' }).demo).toBe(false);
    expect(parseConfig({ DATABASE_URL: 'postgres://u:p@127.0.0.1/db', DEMO: 'on' }).demo).toBe(true);
    expect(parseConfig({ DEMO: 'off' }).demo).toBe(false);
  });
  it('a bad value stops with one line naming the variable', () => {
    expect(() => parseConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => parseConfig({ PORT: 'abc' })).toThrow(/^Configuration invalide — PORT: /);
    expect(() => parseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => parseConfig({ PUBLIC_URL_HTTPS: 'maybe' })).toThrow(/PUBLIC_URL_HTTPS/);
    try {
      parseConfig({ PORT: '-1', SMTP_URL: 'nope' });
    } catch (e) {
      expect(String((e as Error).message).split('\n')).toHaveLength(1);
      expect((e as Error).message).toMatch(/PORT.*SMTP_URL|SMTP_URL.*PORT/);
    }
  });
});
