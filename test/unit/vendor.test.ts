(globalThis as any).__noDatabase = true;
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('static/vendor', () => {
  it('holds the htmx build of node_modules, byte for byte (run `npm run vendor` after an upgrade)', () => {
    expect(fs.readFileSync('static/vendor/htmx.min.js').equals(fs.readFileSync('node_modules/htmx.org/dist/htmx.min.js'))).toBe(true);
  });
});
