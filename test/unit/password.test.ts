(globalThis as any).__noDatabase = true;
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, passwordProblem, verifyPassword } from '../../app/auth/password.js';

describe('passwords', () => {
  it('hash with argon2id at m=19 MiB, t=2, p=1 and verify', async () => {
    const h = await hashPassword('une phrase de passe assez longue');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(h, 'une phrase de passe assez longue')).toBe(true);
    expect(await verifyPassword(h, 'autre chose')).toBe(false);
    expect(needsRehash(h)).toBe(false);
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$abc$def')).toBe(true);
  });
  it('without a stored hash, verification still costs a hash and fails', async () => {
    expect(await verifyPassword(null, 'x')).toBe(false);
  });
  it('policy: at least 8 characters, long passphrases allowed, common passwords refused, no composition rules', () => {
    expect(passwordProblem('court')).toMatch(/8 caractères/);
    expect(passwordProblem('azertyuiop')).toMatch(/trop courant/);
    expect(passwordProblem('tout en minuscules sans chiffre')).toBeNull();
    expect(passwordProblem('x'.repeat(200))).toBeNull();
  });
});
