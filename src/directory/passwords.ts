import { Algorithm, hash, verify } from '@node-rs/argon2';

// OWASP's recommended Argon2id parameters (19 MiB, 2 passes): costly for an attacker with a stolen
// database, about 20 ms for us per login.
const PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | null = null;

/** Burns the same time as a real check, so a wrong login name cannot be told from a wrong password. */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword('petrel-timing-equaliser');
  await verifyPassword(await dummyHash, password);
  return false;
}
