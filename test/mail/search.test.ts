import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { emailObjectId, threadObjectId } from '../../src/mail/object-ids.ts';
import type { SearchKey, SortCriterion, ThreadNode } from '../../src/mail/search-criteria.ts';
import { threadByOrderedSubject, threadByReferences, type ThreadInput } from '../../src/mail/thread-tree.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

function raw(headers: string[], body: string): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

const MINUTE = 60_000;

forEachDialect('search, sort and thread', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let erin: number;
  let boxId: number;
  const uid: Record<string, number> = {};
  const messageIds: Record<string, number> = {};

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    await addDomain(store.db, 'search.test');
    erin = (await addUser(store.db, { address: 'erin@search.test', password: 'pw-erin-12345' })).id;
    boxId = (await mail.createMailbox(erin, 'Search')).id;
    const messages: [string, Buffer, string[], number][] = [
      [
        'report',
        raw(
          ['From: Alice Example <alice@search.test>', 'To: bob@search.test', 'Cc: Carol <carol@cc.test>', 'Subject: Quarterly report', 'Date: Tue, 10 Mar 2026 09:00:00 +0000', 'Message-ID: <report@search.test>'],
          'The reconciliation spreadsheet is attached.\r\n',
        ),
        ['\\Seen', '$Work'],
        Date.UTC(2026, 2, 11, 8),
      ],
      [
        'reply',
        raw(
          ['From: bob@search.test', 'To: alice@search.test', 'Subject: Re: Quarterly report', 'Date: Thu, 12 Mar 2026 12:00:00 +0000', 'Message-ID: <reply@search.test>', 'In-Reply-To: <report@search.test>'],
          `Thanks! See you at the zyxwvut meeting.\r\n${'padding line\r\n'.repeat(600)}`,
        ),
        ['\\Flagged'],
        Date.UTC(2026, 2, 12, 13),
      ],
      [
        'lunch',
        raw(['From: Zed <zed@other.test>', 'To: carol@cc.test', 'Bcc: secret@bcc.test', 'Subject: Lunch', 'X-Priority: 1'], 'hello   world, pizza today?\r\n'),
        [],
        Date.UTC(2026, 2, 15, 11),
      ],
      [
        'cafe',
        raw(['From: =?utf-8?q?=C3=89mile?= <emile@search.test>', 'To: erin@search.test', 'Subject: =?utf-8?q?Caf=C3=A9_plans?=', 'Date: Fri, 20 Nov 2026 10:00:00 +0000'], 'Meet at the café.\r\n'),
        ['\\Deleted'],
        Date.now() - MINUTE,
      ],
    ];
    for (const [name, bytes, flags, receivedAt] of messages) {
      const { uids } = await mail.appendMany(erin, 'Search', [{ raw: bytes, flags, receivedAt }]);
      uid[name] = uids[0];
      messageIds[name] = (await mail.fetchEntries(erin, boxId, uids))[0].messageId;
    }
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  const search = async (key: SearchKey): Promise<string[]> => {
    const found = await mail.search(erin, boxId, key);
    return found.map((u) => Object.keys(uid).find((name) => uid[name] === u) ?? String(u));
  };
  const header = (field: string, value: string): SearchKey => ({ type: 'header', field, value });
  const body = (value: string): SearchKey => ({ type: 'text', field: 'body', value });
  const text = (value: string): SearchKey => ({ type: 'text', field: 'text', value });

  test('flags and keywords', async () => {
    assert.deepEqual(await search({ type: 'flag', flag: '\\Seen', set: true }), ['report']);
    assert.deepEqual(await search({ type: 'flag', flag: '\\seen', set: false }), ['reply', 'lunch', 'cafe']);
    assert.deepEqual(await search({ type: 'flag', flag: '$work', set: true }), ['report']);
    assert.deepEqual(await search({ type: 'flag', flag: '$Work', set: false }), ['reply', 'lunch', 'cafe']);
    assert.deepEqual(await search({ type: 'flag', flag: '\\Recent', set: true }), []);
    assert.deepEqual(await search({ type: 'all' }), ['report', 'reply', 'lunch', 'cafe']);
    assert.deepEqual(await search({ type: 'none' }), []);
  });

  test('UID ranges, including a set too long for one SQL expression', async () => {
    assert.deepEqual(await search({ type: 'uid', ranges: [{ start: uid.reply, end: uid.lunch }] }), ['reply', 'lunch']);
    const many = Array.from({ length: 400 }, (_, i) => ({ start: 1000 + 2 * i, end: 1000 + 2 * i }));
    many.push({ start: uid.report, end: uid.report }, { start: uid.cafe, end: uid.cafe });
    assert.deepEqual(await search({ type: 'uid', ranges: many }), ['report', 'cafe']);
  });

  test('address and subject fields, including CC, BCC and any header', async () => {
    assert.deepEqual(await search(header('from', 'ALICE')), ['report']);
    assert.deepEqual(await search(header('from', 'émile')), ['cafe']);
    assert.deepEqual(await search(header('subject', 'quarterly')), ['report', 'reply']);
    assert.deepEqual(await search(header('subject', 'CAFÉ')), ['cafe']);
    assert.deepEqual(await search(header('to', 'alice@search')), ['reply']);
    // Carol is in the Cc of one message and in the To of another.
    assert.deepEqual(await search(header('cc', 'carol')), ['report']);
    assert.deepEqual(await search(header('to', 'carol')), ['lunch']);
    assert.deepEqual(await search(header('bcc', 'secret')), ['lunch']);
    assert.deepEqual(await search(header('X-Priority', '')), ['lunch']);
    assert.deepEqual(await search(header('x-priority', '1')), ['lunch']);
    assert.deepEqual(await search(header('x-priority', '2')), []);
    assert.deepEqual(await search(header('cc', '')), ['report']);
  });

  test('BODY and TEXT: phrases, case and punctuation', async () => {
    assert.deepEqual(await search(body('reconciliation')), ['report']);
    assert.deepEqual(await search(body('reconcil')), ['report']);
    // A word that is only in the body, never in a header.
    assert.deepEqual(await search(body('zyxwvut')), ['reply']);
    assert.deepEqual(await search(body('quarterly')), []);
    assert.deepEqual(await search(text('quarterly')), ['report', 'reply']);
    assert.deepEqual(await search(body('hello world')), ['lunch']);
    assert.deepEqual(await search(body('world hello')), []);
    assert.deepEqual(await search(body('WORLD, PIZZA')), ['lunch']);
    assert.deepEqual(await search(text('zed@other.test')), ['lunch']);
    assert.deepEqual(await search(body('')), ['report', 'reply', 'lunch', 'cafe']);
  });

  test('OR and NOT nest, mixing what SQL decides with what is checked per message', async () => {
    assert.deepEqual(await search({ type: 'or', keys: [{ type: 'flag', flag: '\\Flagged', set: true }, header('bcc', 'secret')] }), ['reply', 'lunch']);
    assert.deepEqual(await search({ type: 'not', key: { type: 'or', keys: [{ type: 'flag', flag: '\\Seen', set: true }, body('pizza')] } }), ['reply', 'cafe']);
    assert.deepEqual(await search({ type: 'and', keys: [{ type: 'not', key: header('cc', 'carol') }, { type: 'flag', flag: '\\Seen', set: false }] }), ['reply', 'lunch', 'cafe']);
    assert.deepEqual(
      await search({ type: 'or', keys: [{ type: 'not', key: body('hello world') }, { type: 'and', keys: [header('subject', 'lunch'), { type: 'size', op: 'smaller', bytes: 10 }] }] }),
      ['report', 'reply', 'cafe'],
    );
  });

  test('dates compare whole UTC days; WITHIN compares ages', async () => {
    const date = (field: 'internal' | 'sent', op: 'before' | 'on' | 'since', day: string): SearchKey => ({ type: 'date', field, op, date: day });
    assert.deepEqual(await search(date('internal', 'before', '2026-03-12')), ['report']);
    assert.deepEqual(await search(date('internal', 'on', '2026-03-12')), ['reply']);
    assert.deepEqual(await search(date('internal', 'since', '2026-03-12')), ['reply', 'lunch', 'cafe']);
    assert.deepEqual(await search(date('sent', 'before', '2026-03-11')), ['report']);
    // No Date: header: its arrival counts.
    assert.deepEqual(await search(date('sent', 'on', '2026-03-15')), ['lunch']);
    assert.deepEqual(await search(date('sent', 'on', '2026-11-20')), ['cafe']);
    assert.deepEqual(await search({ type: 'age', op: 'younger', seconds: 3600 }), ['cafe']);
    assert.deepEqual(await search({ type: 'age', op: 'older', seconds: 3600 }), ['report', 'reply', 'lunch']);
  });

  test('size, modseq, EMAILID and THREADID', async () => {
    assert.deepEqual(await search({ type: 'size', op: 'larger', bytes: 5000 }), ['reply']);
    assert.deepEqual(await search({ type: 'size', op: 'smaller', bytes: 5000 }), ['report', 'lunch', 'cafe']);
    const stored = await mail.storeFlags(erin, boxId, [uid.lunch], 'add', ['$Later']);
    assert.deepEqual(await search({ type: 'modseq', modseq: stored.modseq }), ['lunch']);
    assert.deepEqual(await search({ type: 'emailid', id: emailObjectId(messageIds.reply) }), ['reply']);
    assert.deepEqual(await search({ type: 'emailid', id: 'not-an-id' }), []);
    const [report] = await mail.fetchEntries(erin, boxId, [uid.report]);
    assert.deepEqual(await search({ type: 'threadid', id: threadObjectId(report.threadId) }), ['report', 'reply']);
  });

  test('SORT by every key, REVERSE, ties in UID order', async () => {
    const sort = async (criteria: SortCriterion[], key: SearchKey = { type: 'all' }): Promise<string[]> =>
      (await mail.sort(erin, boxId, criteria, key)).map((u) => Object.keys(uid).find((name) => uid[name] === u)!);
    const by = (key: SortCriterion['key'], reverse = false): SortCriterion[] => [{ key, reverse }];
    assert.deepEqual(await sort(by('arrival')), ['report', 'reply', 'lunch', 'cafe']);
    assert.deepEqual(await sort(by('arrival', true)), ['cafe', 'lunch', 'reply', 'report']);
    assert.deepEqual(await sort(by('date')), ['report', 'reply', 'lunch', 'cafe']);
    assert.deepEqual(await sort(by('from')), ['report', 'reply', 'cafe', 'lunch']);
    assert.deepEqual(await sort(by('to')), ['reply', 'report', 'lunch', 'cafe']);
    // No Cc sorts as the empty string, first; equal keys keep UID order even reversed.
    assert.deepEqual(await sort(by('cc')), ['reply', 'lunch', 'cafe', 'report']);
    assert.deepEqual(await sort(by('cc', true)), ['report', 'reply', 'lunch', 'cafe']);
    const bySize = await sort(by('size'));
    assert.deepEqual(bySize, await sizesAscending());
    assert.equal(bySize[3], 'reply');
    assert.deepEqual(await sort(by('subject')), ['cafe', 'lunch', 'report', 'reply']);
    assert.deepEqual(await sort([{ key: 'subject', reverse: true }, { key: 'arrival', reverse: true }]), ['reply', 'report', 'lunch', 'cafe']);
    assert.deepEqual(await sort(by('displayfrom')), ['report', 'reply', 'cafe', 'lunch']);
    assert.deepEqual(await sort(by('displayto')), ['reply', 'report', 'lunch', 'cafe']);
    assert.deepEqual(await sort(by('arrival'), { type: 'flag', flag: '\\Seen', set: false }), ['reply', 'lunch', 'cafe']);
  });

  async function sizesAscending(): Promise<string[]> {
    const entries = await mail.fetchEntries(erin, boxId, Object.values(uid), { meta: false });
    return entries
      .sort((a, b) => a.size - b.size || a.uid - b.uid)
      .map((e) => Object.keys(uid).find((name) => uid[name] === e.uid)!);
  }
});

describe('RFC 5256 threading on hand-built messages', () => {
  const input = (uid: number, messageId: string | null, subject: string, date: number, refs: string[] = []): ThreadInput => ({
    uid,
    messageId,
    refs,
    baseSubject: subject.replace(/^re: /i, ''),
    isReply: /^re: /i.test(subject),
    date,
  });
  const leaf = (uid: number): ThreadNode => ({ uid, children: [] });

  test('REFERENCES: parents, missing parents as dummies, loops, duplicate ids and subject merging', () => {
    const threads = threadByReferences([
      input(1, 'a', 'Subject A', 1),
      input(2, 'b', 'Re: Subject A', 2, ['a']),
      input(3, 'c', 'Re: Subject A', 3, ['a', 'b']),
      input(4, 'd', 'Unrelated', 4),
      input(5, 'e', 'Re: Lost parent', 5, ['missing']),
      input(6, 'f', 'Re: Lost parent', 6, ['missing']),
      input(7, 'g', 'Re: Unrelated', 7),
      input(8, 'h', 'Re: Loop', 8, ['i']),
      input(9, 'i', 'Loop', 9, ['h']),
      input(10, 'a', 'Subject A', 10),
    ]);
    assert.deepEqual(threads, [
      // Message 10 repeats 1's Message-ID, so it gets its own; same subject, neither a reply: a dummy holds both.
      { uid: null, children: [{ uid: 1, children: [{ uid: 2, children: [leaf(3)] }] }, leaf(10)] },
      // 7 has no references but is a reply to 4's subject.
      { uid: 4, children: [leaf(7)] },
      // Two replies to a message not in the mailbox stay together under a dummy root.
      { uid: null, children: [leaf(5), leaf(6)] },
      // 9 naming 8 as its parent would close a loop, so the link is not made.
      { uid: 9, children: [leaf(8)] },
    ]);
  });

  test('REFERENCES: a missing parent with one child is dropped, and siblings sort by date', () => {
    const threads = threadByReferences([
      input(1, 'x1', 'Re: Orphan', 50, ['gone']),
      input(2, 'r', 'Root', 10),
      input(3, 'r3', 'Re: Root', 30, ['r']),
      input(4, 'r4', 'Re: Root', 20, ['r']),
      input(5, 'r5', 'Re: Root', 20, ['r']),
    ]);
    assert.deepEqual(threads, [{ uid: 2, children: [leaf(4), leaf(5), leaf(3)] }, leaf(1)]);
  });

  test('ORDEREDSUBJECT: one flat thread per base subject, threads by the date of their first message', () => {
    const threads = threadByOrderedSubject([
      input(1, null, 'B topic', 5),
      input(2, null, 'A topic', 3),
      input(3, null, 'Re: B topic', 1),
      input(4, null, 'Re: A topic', 4),
      input(5, null, 'C', 2),
    ]);
    assert.deepEqual(threads, [{ uid: 3, children: [leaf(1)] }, leaf(5), { uid: 2, children: [leaf(4)] }]);
  });
});

forEachDialect('THREAD through the mail store', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let frank: number;
  let boxId: number;

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    await addDomain(store.db, 'thread.test');
    frank = (await addUser(store.db, { address: 'frank@thread.test', password: 'pw-frank-1234' })).id;
    boxId = (await mail.createMailbox(frank, 'Threads')).id;
    const message = (id: string, subject: string, day: number, extra: string[] = []) =>
      raw([`From: x@thread.test`, `Subject: ${subject}`, `Date: ${day} Mar 2026 10:00:00 +0000`, `Message-ID: <${id}@thread.test>`, ...extra], 'body\r\n');
    await mail.appendMany(frank, 'Threads', [
      { raw: message('root', 'Plans', 1) },
      { raw: message('second', 'Re: Plans', 3, ['References: <root@thread.test>']) },
      { raw: message('other', 'Other', 2) },
      { raw: message('third', 'Re: Plans', 4, ['In-Reply-To: <second@thread.test>']) },
      { raw: message('late', 'Re: Other', 5) },
    ]);
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  const all: SearchKey = { type: 'all' };
  const expected: ThreadNode[] = [
    { uid: 1, children: [{ uid: 2, children: [{ uid: 4, children: [] }] }] },
    { uid: 3, children: [{ uid: 5, children: [] }] },
  ];

  test('REFERENCES from the stored parent chain', async () => {
    assert.deepEqual(await mail.thread(frank, boxId, 'references', all), expected);
  });

  test('REFERENCES for messages stored before the parent chain was, read from their header', async () => {
    await store.db.updateTable('messages').set({ refs: null }).where('account_id', '=', frank).execute();
    assert.deepEqual(await mail.thread(frank, boxId, 'references', all), expected);
  });

  test('ORDEREDSUBJECT and a search key narrowing the set', async () => {
    assert.deepEqual(await mail.thread(frank, boxId, 'orderedsubject', all), [
      { uid: 1, children: [{ uid: 2, children: [] }, { uid: 4, children: [] }] },
      { uid: 3, children: [{ uid: 5, children: [] }] },
    ]);
    // Without 2, the parent 4 names is missing; the subject still puts the reply under 1.
    assert.deepEqual(await mail.thread(frank, boxId, 'references', { type: 'uid', ranges: [{ start: 1, end: 1 }, { start: 4, end: 4 }] }), [
      { uid: 1, children: [{ uid: 4, children: [] }] },
    ]);
  });
});
