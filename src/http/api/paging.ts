// Lists whose admin function returns every item (tenants, domains, aliases, groups: tens to
// thousands per organisation) are paged here with the same contract as the users list, which
// the database pages by keyset: sorted by a unique key, `after` is the last key of the previous
// page, `q` a case-insensitive substring of the searchable fields.
import type { Static } from 'typebox';

import type { PageQuery } from './schemas.ts';
import { DEFAULT_PAGE } from './schemas.ts';

export function pageOf<T>(items: readonly T[], key: (item: T) => string, query: Static<typeof PageQuery>, searchable: (item: T) => readonly string[]): { items: T[]; next: string | null } {
  const needle = query.q?.toLowerCase();
  const after = query.after;
  const limit = query.limit ?? DEFAULT_PAGE;
  const sorted = items
    .filter((item) => (after === undefined || key(item) > after) && (needle === undefined || searchable(item).some((s) => s.toLowerCase().includes(needle))))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const page = sorted.slice(0, limit);
  return { items: page, next: sorted.length > limit ? key(page[page.length - 1]) : null };
}

/** `/users/42` or `/users/alice@example.com`: ids are digits, addresses always hold an @. */
export function principalRef(text: string): string | number {
  return /^\d+$/.test(text) ? Number(text) : text;
}
