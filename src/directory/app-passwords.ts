import { randomInt } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import type { Clock } from './account-lockout.ts';
import { DirectoryError } from './errors.ts';
import { hashPassword } from './passwords.ts';

/** The protocols an app password can be limited to. Web and admin logins never take one: they ask for the second factor. */
export const APP_PASSWORD_PROTOCOLS = ['imap', 'pop3', 'smtp', 'dav', 'jmap'] as const;
export type AppPasswordProtocol = (typeof APP_PASSWORD_PROTOCOLS)[number];

/** Each one is tried in turn at login, so their number is bounded. */
export const MAX_APP_PASSWORDS = 20;

/** The app-password protocol covering what a listener passes as LoginContext.protocol, or null (web, admin, unknown). */
export function appPasswordProtocol(protocol: string | undefined): AppPasswordProtocol | null {
  switch (protocol) {
    case 'imap':
      return 'imap';
    case 'pop3':
      return 'pop3';
    case 'smtp':
    case 'submission':
      return 'smtp';
    case 'dav':
    case 'caldav':
    case 'carddav':
    case 'webdav':
      return 'dav';
    case 'jmap':
      return 'jmap';
    default:
      return null;
  }
}

/** `imap,smtp` or `imap smtp` into a checked, de-duplicated list in the canonical order. */
export function parseProtocols(text: string | readonly string[]): AppPasswordProtocol[] {
  const names = (typeof text === 'string' ? text.split(/[\s,]+/) : [...text]).map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  for (const name of names) {
    if (!(APP_PASSWORD_PROTOCOLS as readonly string[]).includes(name)) {
      throw new DirectoryError('invalid', `unknown protocol ${name} (use ${APP_PASSWORD_PROTOCOLS.join(', ')})`, 'protocols');
    }
  }
  if (names.length === 0) throw new DirectoryError('invalid', 'name at least one protocol', 'protocols');
  return APP_PASSWORD_PROTOCOLS.filter((p) => names.includes(p));
}

// Lower-case letters without look-alikes, in groups of four: easy to type into a phone.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** 16 random characters, about 79 bits: `abcd-efgh-jkmn-pqrs`. */
function newSecret(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let group = '';
    for (let i = 0; i < 4; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

export interface AppPasswordInfo {
  id: number;
  name: string;
  protocols: AppPasswordProtocol[];
  createdAt: string;
  lastUsedAt: string | null;
}

export interface NewAppPassword extends AppPasswordInfo {
  /** Shown once; only its Argon2id hash is kept. */
  password: string;
}

function info(row: { id: number; name: string; protocols: string; created_at: number; last_used_at: number | null }): AppPasswordInfo {
  return {
    id: Number(row.id),
    name: row.name,
    protocols: row.protocols.split(' ').filter((p): p is AppPasswordProtocol => (APP_PASSWORD_PROTOCOLS as readonly string[]).includes(p)),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)).toISOString(),
  };
}

export async function createAppPassword(db: Kysely<Database>, principalId: number, name: string, protocols: string | readonly string[], now: Clock = Date.now): Promise<NewAppPassword> {
  const label = name.trim();
  if (label === '' || label.length > 100) throw new DirectoryError('invalid', 'give the app password a name of 1 to 100 characters (e.g. "phone")', 'name');
  const allowed = parseProtocols(protocols);
  const { n } = await db.selectFrom('app_passwords').select((eb) => eb.fn.countAll<number>().as('n')).where('principal_id', '=', principalId).executeTakeFirstOrThrow();
  if (Number(n) >= MAX_APP_PASSWORDS) throw new DirectoryError('limit', `at most ${MAX_APP_PASSWORDS} app passwords; revoke one first`, 'name');
  const password = newSecret();
  const row = await db
    .insertInto('app_passwords')
    .values({ principal_id: principalId, name: label, hash: await hashPassword(password), protocols: allowed.join(' '), created_at: now(), last_used_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...info(row), password };
}

export async function listAppPasswords(db: Kysely<Database>, principalId: number): Promise<AppPasswordInfo[]> {
  const rows = await db.selectFrom('app_passwords').selectAll().where('principal_id', '=', principalId).orderBy('id').execute();
  return rows.map(info);
}

export async function revokeAppPassword(db: Kysely<Database>, principalId: number, id: number): Promise<void> {
  const result = await db.deleteFrom('app_passwords').where('principal_id', '=', principalId).where('id', '=', id).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new DirectoryError('not_found', `no such app password: ${id}`, 'id');
}

/** Stamps a successful use, for the list the user reviews. */
export async function touchAppPassword(db: Kysely<Database>, id: number, now: number): Promise<void> {
  await db.updateTable('app_passwords').set({ last_used_at: now }).where('id', '=', id).execute();
}
