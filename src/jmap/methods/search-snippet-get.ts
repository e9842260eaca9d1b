import type { EmailFilter } from '../../mail/email-query.ts';
import { readEmails } from '../../mail/email-views.ts';
import { parseMessage } from '../../mail/mime/index.ts';
import { parseEmailObjectId } from '../../mail/object-ids.ts';
import { accessOf, canSee } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { invalidArguments } from '../proto/errors.ts';
import { readIds } from './common.ts';
import { readEmailFilter } from './email-query.ts';

const PREVIEW_CHARS = 255;

/** The words the filter searches for, by where they apply; NOT branches find nothing to highlight. */
function needles(filter: EmailFilter | null, out: { subject: string[]; body: string[] } = { subject: [], body: [] }): { subject: string[]; body: string[] } {
  if (filter === null) return out;
  if ('op' in filter) {
    if (filter.op !== 'not') for (const f of filter.filters) needles(f, out);
    return out;
  }
  if (filter.type === 'text' && filter.value.trim() !== '') {
    if (filter.scope === 'text' || filter.scope === 'subject') out.subject.push(filter.value.trim());
    if (filter.scope === 'text' || filter.scope === 'body') out.body.push(filter.value.trim());
  }
  return out;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Case-insensitive matches of the needles, as [start, end) ranges that do not overlap. */
function matches(text: string, words: string[]): [number, number][] {
  const lower = text.toLowerCase();
  const ranges: [number, number][] = [];
  for (const word of words) {
    const w = word.toLowerCase();
    for (let at = lower.indexOf(w); at >= 0; at = lower.indexOf(w, at + w.length)) ranges.push([at, at + w.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  return ranges.filter((r, i) => i === 0 || r[0] >= ranges[i - 1][1]);
}

/** The text with matches wrapped in <mark>, HTML-escaped (RFC 8621 §5). */
function highlight(text: string, ranges: [number, number][]): string {
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    out += `${escapeHtml(text.slice(at, start))}<mark>${escapeHtml(text.slice(start, end))}</mark>`;
    at = end;
  }
  return out + escapeHtml(text.slice(at));
}

/** RFC 8621 §5.1 SearchSnippet/get: the subject and a piece of the body around the first match, highlighted. */
export const searchSnippetGet: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const emailIds = readIds(args, 'emailIds');
    if (emailIds === null) throw invalidArguments('emailIds is required', 'emailIds');
    const words = needles(readEmailFilter(args));
    const numeric = emailIds.map((id) => parseEmailObjectId(id));
    const records = await readEmails(ctx.services.store.db, accountId, numeric.filter((n) => n !== null));
    const list: Record<string, unknown>[] = [];
    const notFound: string[] = [];
    for (const [i, emailId] of emailIds.entries()) {
      const record = numeric[i] === null ? undefined : records.get(numeric[i]!);
      // In a shared account an email exists only in the mailboxes the principal may see.
      if (!record || !record.mailboxIds.some((m) => canSee(access, m))) {
        notFound.push(emailId);
        continue;
      }
      const subjectHits = matches(record.subject, words.subject);
      let preview: string | null = null;
      if (words.body.length > 0) {
        const text = parseMessage(await ctx.services.store.blobs.read(record.blobHash)).searchText.replace(/\s+/g, ' ');
        const first = matches(text, words.body)[0];
        if (first) {
          const start = Math.max(0, first[0] - 40);
          const piece = text.slice(start, start + PREVIEW_CHARS);
          preview = highlight(piece, matches(piece, words.body));
        }
      }
      list.push({ emailId, subject: subjectHits.length > 0 ? highlight(record.subject, subjectHits) : null, preview });
    }
    return { accountId: accountIdOf(accountId), list, notFound };
  },
};
