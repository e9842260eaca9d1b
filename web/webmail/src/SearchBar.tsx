import type { Ref } from 'preact';
import { useState } from 'preact/hooks';

import { folderName, treeOrder } from './MailboxList.tsx';
import type { Mailbox } from './types.ts';

/** A search as the user typed it; dates are days (YYYY-MM-DD) in the user's time zone. */
export interface SearchQuery {
  text: string;
  from: string;
  to: string;
  after: string;
  before: string;
  hasAttachment: boolean;
  mailboxId: string;
}

const EMPTY: SearchQuery = { text: '', from: '', to: '', after: '', before: '', hasAttachment: false, mailboxId: '' };

export function isEmptySearch(query: SearchQuery): boolean {
  return Object.entries(query).every(([key, value]) => value === EMPTY[key as keyof SearchQuery]);
}

interface Props {
  mailboxes: Mailbox[];
  active: boolean;
  inputRef: Ref<HTMLInputElement>;
  onSearch: (query: SearchQuery | null) => void;
}

/** The search box (`/` focuses it) and its filters: from, to, dates, attachment and folder. */
export function SearchBar({ mailboxes, active, inputRef, onSearch }: Props) {
  const [query, setQuery] = useState<SearchQuery>(EMPTY);
  const [showFilters, setShowFilters] = useState(false);
  const set = (patch: Partial<SearchQuery>) => setQuery((q) => ({ ...q, ...patch }));

  function submit(event: Event) {
    event.preventDefault();
    setShowFilters(false);
    onSearch(isEmptySearch(query) ? null : query);
  }

  function clear() {
    setQuery(EMPTY);
    setShowFilters(false);
    onSearch(null);
  }

  return (
    <form role="search" class="search" aria-label="Search mail" onSubmit={submit}>
      <div class="search-row">
        <input ref={inputRef} type="search" class="search-input" aria-label="Search mail" placeholder="Search mail  ( / )" value={query.text} onInput={(e) => set({ text: e.currentTarget.value })} />
        <button type="button" class="ghost" aria-expanded={showFilters} aria-controls="search-filters" onClick={() => setShowFilters((s) => !s)}>
          Filters
        </button>
        <button type="submit" class="ghost">
          Search
        </button>
        {active && (
          <button type="button" class="ghost" onClick={clear}>
            Clear search
          </button>
        )}
      </div>
      <div id="search-filters" class="search-filters" hidden={!showFilters}>
        <label>
          From
          <input type="text" value={query.from} onInput={(e) => set({ from: e.currentTarget.value })} />
        </label>
        <label>
          To
          <input type="text" value={query.to} onInput={(e) => set({ to: e.currentTarget.value })} />
        </label>
        <label>
          Received after
          <input type="date" value={query.after} onInput={(e) => set({ after: e.currentTarget.value })} />
        </label>
        <label>
          Received before
          <input type="date" value={query.before} onInput={(e) => set({ before: e.currentTarget.value })} />
        </label>
        <label>
          Folder
          <select value={query.mailboxId} onChange={(e) => set({ mailboxId: e.currentTarget.value })}>
            <option value="">All folders</option>
            {treeOrder(mailboxes).map(({ mailbox }) => (
              <option key={mailbox.id} value={mailbox.id}>
                {folderName(mailbox)}
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={query.hasAttachment} onChange={(e) => set({ hasAttachment: e.currentTarget.checked })} />
          Has attachment
        </label>
        <button type="submit" class="primary">
          Search
        </button>
      </div>
    </form>
  );
}
