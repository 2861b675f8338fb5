import { hash, verify } from '@node-rs/argon2';

/** argon2id at OWASP's second recommended setting (19 MiB, 2 passes, 1 lane). */
// algorithm 2 is Argon2id (the package's enum is a const enum, which isolated modules cannot read).
export const ARGON2_PARAMS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

// Verified when the account does not exist, so an unknown login costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;

/** Checks a password against a stored hash, or against a dummy hash when there is none. */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummyHash ??= hashPassword('dummy password for timing');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Whether a stored hash was made with other parameters than today's (then sign-in rehashes it). */
export function needsRehash(stored: string): boolean {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  if (!m) return true;
  return Number(m[1]) !== ARGON2_PARAMS.memoryCost || Number(m[2]) !== ARGON2_PARAMS.timeCost || Number(m[3]) !== ARGON2_PARAMS.parallelism;
}

// A short list of the passwords most often chosen (and most often tried first by attackers).
const COMMON = new Set(
  `123456 123456789 12345678 password motdepasse azerty azertyuiop qwerty 1234567890 000000 111111 123123 abc123
  password1 iloveyou soleil bonjour doudou loulou chouchou marseille nicolas camille julien 1234567 123321 654321
  azerty123 azerty1 motdepasse1 motdepasse123 qwerty123 football jetaime princesse coucou12 123456789a`.split(/\s+/),
);

/** The password policy for passwords people choose: at least 8 characters, long ones welcome, no common ones. */
export function passwordProblem(password: string): string | null {
  if (password.length < 8) return 'Le mot de passe doit contenir au moins 8 caractères.';
  if (password.length > 256) return 'Le mot de passe ne doit pas dépasser 256 caractères.';
  if (COMMON.has(password.toLowerCase())) return 'Ce mot de passe est trop courant : choisissez-en un autre.';
  return null;
}
