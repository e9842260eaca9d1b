import { domainToASCII } from 'node:url';

import { DirectoryError } from './errors.ts';

/** Lower-cased, IDNA-checked domain name; refuses anything that could not be a mail domain. */
export function normalizeDomain(input: string): string {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  const ascii = domainToASCII(name);
  if (!ascii || ascii.length > 253 || !ascii.includes('.') || !/^[a-z0-9.-]+$/.test(ascii) || ascii.split('.').some((l) => l.length === 0 || l.length > 63 || l.startsWith('-') || l.endsWith('-'))) {
    throw new DirectoryError('invalid', `not a valid domain name: ${input}`, 'domain');
  }
  return name;
}

/**
 * Splits and normalises an address. Local parts are compared case-insensitively, as nearly every
 * mail system does in practice even though RFC 5321 §2.4 allows otherwise.
 */
export function normalizeAddress(input: string): { address: string; local: string; domain: string } {
  const value = input.trim().replace(/^<|>$/g, '');
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) throw new DirectoryError('invalid', `not a valid email address: ${input}`, 'address');
  const local = value.slice(0, at).toLowerCase();
  if (local.length > 64 || /[\s<>(),;:\\"[\]]/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw new DirectoryError('invalid', `not a valid email address: ${input}`, 'address');
  }
  const domain = normalizeDomain(value.slice(at + 1));
  return { address: `${local}@${domain}`, local, domain };
}
