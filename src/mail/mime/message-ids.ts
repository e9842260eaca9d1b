// msg-id lists of Message-ID, In-Reply-To and References (RFC 5322 §3.6.4), for threading.
import { unfold } from './encoded-words.ts';

/**
 * The ids in a field, without angle brackets, in order. Text outside brackets is ignored
 * (In-Reply-To often carries "John's message of ..."), unless there are no brackets at all,
 * when bare words that look like ids are taken.
 */
export function parseMessageIds(value: string | null): string[] {
  if (!value) return [];
  const text = unfold(value).replace(/\([^()]*\)/g, ' ');
  const ids: string[] = [];
  let i = 0;
  for (;;) {
    const open = text.indexOf('<', i);
    if (open < 0) break;
    const close = text.indexOf('>', open + 1);
    if (close < 0) break;
    const id = text.slice(open + 1, close).replace(/\s+/g, '');
    if (id !== '') ids.push(id);
    i = close + 1;
  }
  if (ids.length > 0 || text.includes('<')) return ids;
  return text.split(/[\s,]+/).filter((word) => word.includes('@'));
}

export function parseMessageId(value: string | null): string | null {
  return parseMessageIds(value)[0] ?? null;
}
