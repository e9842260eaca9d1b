import type { ThreadNode } from '../../mail/search-criteria.ts';
import type { CommandOf } from '../proto/types.ts';
import { charsetSupported, resolveSearchKey } from '../search-keys.ts';
import type { Handler } from './index.ts';
import { badCharset } from './search.ts';

/** THREAD (RFC 5256 §4) with REFERENCES and ORDEREDSUBJECT. */
export const thread: Handler<CommandOf<'THREAD'>> = async (session, command) => {
  if (!charsetSupported(command.charset)) return badCharset();
  const selected = session.selected!;
  const key = resolveSearchKey(command.key, selected);
  const roots = await session.services.mail.thread(selected.accountId, selected.id, command.algorithm, key);
  const number = (uid: number) => (command.uid ? uid : selected.seqOf(uid));
  const text = roots.map((root) => `(${formatThread(root, number)})`).join('');
  session.send(['THREAD', ...(text ? [{ raw: text }] : [])]);
  return { status: 'OK', text: 'THREAD completed' };
};

/**
 * RFC 5256 §4 thread-list syntax: a chain of single children is written as a run of numbers, and
 * several children each get their own parenthesised subthread.
 */
export function formatThread(node: ThreadNode, number: (uid: number) => number): string {
  const parts: string[] = [];
  let current = node;
  if (current.uid !== null) parts.push(String(number(current.uid)));
  while (current.children.length === 1) {
    current = current.children[0];
    if (current.uid !== null) parts.push(String(number(current.uid)));
  }
  if (current.children.length > 1) parts.push(current.children.map((child) => `(${formatThread(child, number)})`).join(''));
  return parts.join(' ');
}
