import { sql } from 'kysely';

import type { Store } from '../store/database.ts';
import { parseMessageIds } from './mime/index.ts';
import { firstHeader, readHeaderBlock } from './mime/header-parser.ts';
import type { ThreadAlgorithm, ThreadNode } from './search-criteria.ts';
import { casemap } from './sort.ts';

/** One message as the RFC 5256 threading algorithms see it. */
export interface ThreadInput {
  uid: number;
  messageId: string | null;
  /** Parent chain, oldest first: References, else the first id of In-Reply-To. */
  refs: string[];
  baseSubject: string;
  /** The subject had Re:, Fwd:, [fwd: ...] or (fwd) removed to get the base subject. */
  isReply: boolean;
  /** Sent date, or arrival when the Date: header is missing (RFC 5256 §3). */
  date: number;
}

/** RFC 5256 §4 REFERENCES step 1: a message's References, or without them the first id of In-Reply-To. */
export function threadParents(references: readonly string[], inReplyTo: readonly string[]): string[] {
  return references.length > 0 ? [...references] : inReplyTo.slice(0, 1);
}

const REPLY_LEADER = /^[ \t]*(?:\[[^[\]]*\][ \t]*)*(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:/i;

/** RFC 5256 §2.1: whether extracting the base subject removed a reply or forward marker. */
export function isReplyOrForward(subject: string): boolean {
  return REPLY_LEADER.test(subject) || /\(fwd\)[ \t]*$/i.test(subject) || /^[ \t]*\[fwd:/i.test(subject);
}

interface Container {
  message: ThreadInput | null;
  parent: Container | null;
  children: Container[];
}

function newContainer(message: ThreadInput | null = null): Container {
  return { message, parent: null, children: [] };
}

function isAncestorOrSelf(candidate: Container, of: Container): boolean {
  for (let c: Container | null = of; c; c = c.parent) if (c === candidate) return true;
  return false;
}

function detach(child: Container): void {
  if (!child.parent) return;
  const siblings = child.parent.children;
  siblings.splice(siblings.indexOf(child), 1);
  child.parent = null;
}

function adopt(parent: Container, child: Container): void {
  child.parent = parent;
  parent.children.push(child);
}

/** Step 4: drops empty dummies and lifts the children of others, except several children to the root. */
function prune(list: Container[], atRoot: boolean): Container[] {
  const kept: Container[] = [];
  for (const container of list) {
    container.children = prune(container.children, false);
    if (container.message !== null) kept.push(container);
    else if (container.children.length === 0) continue;
    else if (!atRoot || container.children.length === 1) {
      for (const child of container.children) {
        child.parent = container.parent;
        kept.push(child);
      }
    } else kept.push(container);
  }
  return kept;
}

function subjectOf(container: Container): string {
  const message = container.message ?? container.children[0]?.message ?? null;
  return message ? casemap(message.baseSubject) : '';
}

/** Step 5: roots with one base subject become one thread. */
function groupBySubject(roots: Container[]): Container[] {
  const table = new Map<string, Container>();
  for (const root of roots) {
    const subject = subjectOf(root);
    if (subject === '') continue;
    const entry = table.get(subject);
    if (!entry) table.set(subject, root);
    else if (entry.message !== null && (root.message === null || (entry.message.isReply && !root.message.isReply))) table.set(subject, root);
  }
  // Roots merged away, and roots replaced in place by a new dummy; applied in one pass at the end.
  const merged = new Set<Container>();
  const replaced = new Map<Container, Container>();
  for (const root of roots) {
    const subject = subjectOf(root);
    // A root already put under a new dummy by an earlier merge is no longer a root.
    if (subject === '' || root.parent !== null) continue;
    const entry = table.get(subject)!;
    if (entry === root) continue;
    merged.add(root);
    if (entry.message === null && root.message === null) {
      for (const child of root.children) adopt(entry, child);
    } else if (entry.message === null || (root.message?.isReply && !entry.message.isReply)) {
      adopt(entry, root);
    } else {
      const dummy = newContainer();
      replaced.set(entry, dummy);
      adopt(dummy, entry);
      adopt(dummy, root);
      table.set(subject, dummy);
    }
  }
  return roots.filter((root) => !merged.has(root)).map((root) => replaced.get(root) ?? root);
}

/** Step 6: siblings by date, a dummy dated by its first child; equal dates keep mailbox (UID) order. */
function sortByDate(list: Container[]): void {
  for (const container of list) sortByDate(container.children);
  const first = (c: Container): ThreadInput => c.message ?? first(c.children[0]);
  list.sort((a, b) => first(a).date - first(b).date || first(a).uid - first(b).uid);
}

function toNodes(list: Container[]): ThreadNode[] {
  return list.map((c) => ({ uid: c.message?.uid ?? null, children: toNodes(c.children) }));
}

/** RFC 5256 §4 THREAD=REFERENCES. */
export function threadByReferences(messages: readonly ThreadInput[]): ThreadNode[] {
  const byId = new Map<string, Container>();
  const all: Container[] = [];
  const containerFor = (id: string): Container => {
    let container = byId.get(id);
    if (!container) {
      container = newContainer();
      byId.set(id, container);
      all.push(container);
    }
    return container;
  };
  for (const message of messages) {
    // Step 1A: a second message with a Message-ID already seen, or one without, gets an id of its own.
    let own: Container;
    const known = message.messageId ? byId.get(message.messageId) : undefined;
    if (message.messageId && (!known || known.message === null)) {
      own = containerFor(message.messageId);
      own.message = message;
    } else {
      own = newContainer(message);
      all.push(own);
    }
    const chain = message.refs.filter((ref) => ref !== message.messageId).map(containerFor);
    for (let i = 1; i < chain.length; i++) {
      const [parent, child] = [chain[i - 1], chain[i]];
      // Links already made stay; a link that would make a loop is not made.
      if (child.parent === null && !isAncestorOrSelf(child, parent)) adopt(parent, child);
    }
    // Step 1B: the last reference is the parent, replacing one guessed from a truncated References.
    // With no references the parent is NIL, which also undoes a guessed one.
    detach(own);
    const parent = chain[chain.length - 1];
    if (parent && !isAncestorOrSelf(own, parent)) adopt(parent, own);
  }
  const roots = prune(
    all.filter((c) => c.parent === null),
    true,
  );
  const grouped = groupBySubject(roots);
  sortByDate(grouped);
  return toNodes(grouped);
}

/** RFC 5256 §4 THREAD=ORDEREDSUBJECT: one flat thread per base subject, replies children of the first. */
export function threadByOrderedSubject(messages: readonly ThreadInput[]): ThreadNode[] {
  const sorted = [...messages].sort((a, b) => {
    const x = casemap(a.baseSubject);
    const y = casemap(b.baseSubject);
    return x < y ? -1 : x > y ? 1 : a.date - b.date || a.uid - b.uid;
  });
  const threads: { first: ThreadInput; node: ThreadNode }[] = [];
  let subject: string | null = null;
  for (const message of sorted) {
    const key = casemap(message.baseSubject);
    if (key !== subject || threads.length === 0) {
      threads.push({ first: message, node: { uid: message.uid, children: [] } });
      subject = key;
    } else {
      threads[threads.length - 1].node.children.push({ uid: message.uid, children: [] });
    }
  }
  threads.sort((a, b) => a.first.date - b.first.date || a.first.uid - b.first.uid);
  return threads.map((t) => t.node);
}

interface ThreadRow {
  uid: number;
  message_id: string | null;
  refs: string | null;
  subject: string;
  base_subject: string;
  sent_at: number | null;
  received_at: number;
  blob_hash: string;
  header_size: number;
}

/** Threads the given UIDs of a mailbox. */
export async function threadEntries(store: Store, accountId: number, mailboxId: number, uids: readonly number[], algorithm: ThreadAlgorithm): Promise<ThreadNode[]> {
  if (uids.length === 0) return [];
  const wanted = new Set(uids);
  const result = await sql<ThreadRow>`select e.uid, m.message_id, m.refs, m.subject, m.base_subject, m.sent_at, m.received_at, m.blob_hash, m.header_size
    from mailbox_entries e join messages m on m.id = e.message_id
    where e.mailbox_id = ${mailboxId} and e.account_id = ${accountId} order by e.uid`.execute(store.db);
  const inputs: ThreadInput[] = [];
  for (const row of result.rows) {
    const uid = Number(row.uid);
    if (!wanted.has(uid)) continue;
    let refs: string[];
    if (row.refs !== null) refs = row.refs === '' ? [] : row.refs.split(' ');
    else {
      // Delivered before the refs column existed: read the parents from the header bytes.
      const raw = await store.blobs.read(row.blob_hash);
      const fields = readHeaderBlock(raw.subarray(0, Number(row.header_size)), 0, () => false).fields;
      refs = threadParents(parseMessageIds(firstHeader(fields, 'references')), parseMessageIds(firstHeader(fields, 'in-reply-to')));
    }
    inputs.push({
      uid,
      messageId: row.message_id,
      refs,
      baseSubject: row.base_subject,
      isReply: isReplyOrForward(row.subject),
      date: Number(row.sent_at ?? row.received_at),
    });
  }
  return algorithm === 'references' ? threadByReferences(inputs) : threadByOrderedSubject(inputs);
}
