import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import { DirectoryError } from './errors.ts';

/**
 * A local list of passwords known from breaches (NIST SP 800-63B §5.1.1.2 asks that new passwords
 * be checked against one). The file holds one entry per line, either the password itself or its
 * SHA-1 in hex, optionally followed by `:count` as in the Have I Been Pwned download; blank lines
 * are ignored. Nothing leaves the server. The list is read once, on first use, into a set of SHA-1
 * digests, so it should be a curated list (the most common million or so), not the whole corpus.
 */
let file: string | null = null;
let loaded: Promise<Set<string>> | null = null;

/** Names the list (from `security.breached_passwords_file`); null turns the check off. */
export function useBreachedPasswordsFile(path: string | null): void {
  if (path === file) return;
  file = path;
  loaded = null;
}

export function breachedPasswordsFile(): string | null {
  return file;
}

function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();
}

const HASH_LINE = /^([0-9A-Fa-f]{40})(?::\d+)?$/;

async function load(path: string): Promise<Set<string>> {
  const hashes = new Set<string>();
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const hash = HASH_LINE.exec(line.trim());
    hashes.add(hash ? hash[1].toUpperCase() : sha1Hex(line));
  }
  return hashes;
}

/** True if the password is on the configured list; false when no list is configured. */
export async function isBreachedPassword(password: string): Promise<boolean> {
  if (file === null) return false;
  const path = file;
  loaded ??= load(path).catch((err: NodeJS.ErrnoException) => {
    loaded = null;
    throw new DirectoryError('invalid', `cannot read the breached-password list ${path}: ${err.message}`, 'password');
  });
  return (await loaded).has(sha1Hex(password));
}
