/** A principal's JMAP account id: a letter and base 36, like the object ids (src/mail/object-ids.ts). */
export function accountIdOf(principalId: number): string {
  return `A${principalId.toString(36)}`;
}

export function parseAccountId(id: string): number | null {
  if (id.length < 2 || id[0] !== 'A' || !/^[0-9a-z]+$/.test(id.slice(1))) return null;
  const value = parseInt(id.slice(1), 36);
  return Number.isSafeInteger(value) ? value : null;
}
