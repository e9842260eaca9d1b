// The data behind the virtual conversation list. At 100,000 conversations the client cannot hold
// the list: it keeps the query's `total` (for the scroll height), the pages of ids it has needed
// so far (Email/query by position and limit) and the rows it has shown (Email/get of those ids only).
import type { Jmap } from './api.ts';
import { loadConversations, queryConversations, type ListFilter } from './mail-requests.ts';
import type { Conversation } from './types.ts';

export const PAGE_SIZE = 100;

export class ConversationWindow {
  /** null until the first page has answered. */
  total: number | null = null;
  private ids = new Map<number, string>();
  private rows = new Map<string, Conversation>();
  private pagesLoading = new Set<number>();
  private rowsLoading = new Set<string>();
  private wanted: [number, number] = [0, 0];
  private generation = 0;
  private disposed = false;

  constructor(
    private readonly jmap: Jmap,
    readonly accountId: string,
    readonly filter: ListFilter,
    /** The folder shown, if any: a row stands for the thread's emails in it. */
    readonly scope: string | null,
    private readonly onChange: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  idAt(position: number): string | undefined {
    return this.ids.get(position);
  }

  rowAt(position: number): Conversation | undefined {
    const id = this.ids.get(position);
    return id === undefined ? undefined : this.rows.get(id);
  }

  positionOf(id: string): number | null {
    for (const [position, candidate] of this.ids) if (candidate === id) return position;
    return null;
  }

  dispose(): void {
    this.disposed = true;
  }

  /** Makes sure positions first..last (inclusive) are loaded: their pages of ids, then their rows. */
  show(first: number, last: number): void {
    this.wanted = [first, last];
    const end = this.total === null ? last : Math.min(last, this.total - 1);
    for (let page = Math.floor(first / PAGE_SIZE); page * PAGE_SIZE <= Math.max(end, first); page++) {
      if (!this.pageLoaded(page) && !this.pagesLoading.has(page)) void this.loadPage(page);
    }
    const missing: string[] = [];
    for (let p = first; p <= end; p++) {
      const id = this.ids.get(p);
      if (id !== undefined && !this.rows.has(id) && !this.rowsLoading.has(id)) missing.push(id);
    }
    if (missing.length > 0) void this.loadRows(missing);
  }

  /**
   * After a change on the server (push, or our own write): loads the wanted range again and then
   * swaps it in at once, so the list never blanks while it refreshes.
   */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const [first, last] = this.wanted;
    const start = Math.floor(first / PAGE_SIZE) * PAGE_SIZE;
    try {
      const page = await queryConversations(this.jmap, this.accountId, this.filter, start, Math.max(PAGE_SIZE, last - start + 1));
      const rows = await loadConversations(this.jmap, this.accountId, page.ids.slice(first - start, last - start + 1), this.scope);
      if (this.disposed || generation !== this.generation) return;
      this.ids = new Map(page.ids.map((id, i) => [start + i, id]));
      this.rows = new Map(rows.map((row) => [row.email.id, row]));
      this.pagesLoading.clear();
      this.rowsLoading.clear();
      this.total = page.total;
      this.onChange();
      this.show(...this.wanted);
    } catch (err) {
      if (!this.disposed) this.onError(err);
    }
  }

  /** A change made here, shown before the server's confirmation arrives by push. */
  patch(id: string, change: (row: Conversation) => Conversation): void {
    const row = this.rows.get(id);
    if (!row) return;
    this.rows.set(id, change(row));
    this.onChange();
  }

  private pageLoaded(page: number): boolean {
    const start = page * PAGE_SIZE;
    const end = this.total === null ? start + PAGE_SIZE : Math.min(start + PAGE_SIZE, this.total);
    if (this.total !== null && start >= this.total) return true;
    for (let p = start; p < end; p++) if (!this.ids.has(p)) return false;
    return true;
  }

  private async loadPage(page: number): Promise<void> {
    const generation = this.generation;
    this.pagesLoading.add(page);
    try {
      const result = await queryConversations(this.jmap, this.accountId, this.filter, page * PAGE_SIZE, PAGE_SIZE);
      if (this.disposed || generation !== this.generation) return;
      result.ids.forEach((id, i) => this.ids.set(result.position + i, id));
      this.total = result.total;
      this.onChange();
      this.show(...this.wanted);
    } catch (err) {
      if (!this.disposed) this.onError(err);
    } finally {
      if (generation === this.generation) this.pagesLoading.delete(page);
    }
  }

  private async loadRows(ids: string[]): Promise<void> {
    const generation = this.generation;
    for (const id of ids) this.rowsLoading.add(id);
    try {
      const rows = await loadConversations(this.jmap, this.accountId, ids, this.scope);
      if (this.disposed || generation !== this.generation) return;
      for (const row of rows) this.rows.set(row.email.id, row);
      this.onChange();
    } catch (err) {
      if (!this.disposed) this.onError(err);
    } finally {
      if (generation === this.generation) for (const id of ids) this.rowsLoading.delete(id);
    }
  }
}
