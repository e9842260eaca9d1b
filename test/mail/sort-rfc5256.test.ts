// SORT keys as RFC 5256 §3 and RFC 5957 §3 define them, on the messages of Dovecot's imaptest
// sort-subject, sort-addresses and sort-display-to scripts, whose expected orders are Dovecot's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sql } from 'kysely';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import type { SortCriterion, SortKey } from '../../src/mail/search-criteria.ts';
import { casemap } from '../../src/mail/sort.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

describe('i;unicode-casemap (RFC 5051)', () => {
  test('maps to titlecase, so punctuation between "Z" and "a" sorts after letters', () => {
    const sorted = ['_', '[xyz]', 'c', 'B', 'a'].sort((x, y) => (casemap(x) < casemap(y) ? -1 : casemap(x) > casemap(y) ? 1 : 0));
    assert.deepEqual(sorted, ['a', 'B', 'c', '[xyz]', '_']);
  });

  test('simple one-to-one mappings, titlecase digraphs, then NFKD', () => {
    assert.equal(casemap('Straße'), 'STRAßE');
    assert.equal(casemap('ǆungla'), casemap('Ǆungla'));
    assert.equal(casemap('ǆ'), 'Dž'.normalize('NFKD'));
    assert.equal(casemap('café'), casemap('CAFÉ'));
  });
});

function mbox(headers: string[], body: string): Buffer {
  return Buffer.from(`${headers.join('\r\n')}${headers.length > 0 ? '\r\n' : ''}\r\n${body}\r\n`);
}

const SUBJECTS: (string | null)[] = [
  'a',
  'C',
  'b',
  '_',
  '[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)',
  'b (a)',
  'Re: [FWD: c]',
  '[xyz]',
  null,
  '=?iso-8859-1?q?_?=',
  'Re: =?utf-8?q?b?=',
  '=?iso-8859-1?q?RE:_C?=',
  '=?us-ascii?b?UmU6IGM=?=',
  'Ad: Re: Ad: Re: Ad: x',
  're: [fwd: [fwd: re: [fwd: babylon]]]',
];

const ADDRESSES: string[][] = [
  ['From: user2@domain2.org', 'To: foo bar <user2@domain2.org>', 'Cc: user2@domain2.org (foo bar)'],
  ['From: user2@domain1.org', 'To: user2@domain1.org', 'Cc: user2: blah@domain1.org;'],
  ['From: user1@domain1.org', 'To: user1@domain1.org', 'Cc: user1@domain1.org'],
];

const DISPLAY_TO: string[] = [
  'foo bar <a@b.c>',
  'b@c.d',
  'd',
  '=?iso-8859-1?q?foo_aar?= <e@f.g>',
  '=?iso-8859-1?q?foo_car?= <f@g.h>',
  'a: xx@xx.org, yy@yy.org;',
  'z: aa@aa.org, bb@bb.org;',
  'empty:;',
];

forEachDialect('SORT keys (RFC 5256, RFC 5957)', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let account: number;
  const boxes: Record<string, { id: number; uids: number[] }> = {};

  async function fill(name: string, messages: Buffer[]): Promise<void> {
    const id = (await mail.createMailbox(account, name)).id;
    const start = Date.UTC(2008, 1, 22);
    const { uids } = await mail.appendMany(account, name, messages.map((raw, i) => ({ raw, receivedAt: start + i * 3_600_000 })));
    boxes[name] = { id, uids };
  }

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    await addDomain(store.db, 'sort.test');
    account = (await addUser(store.db, { address: 'sorter@sort.test', password: 'pw-sorter-12345' })).id;
    // Message n's body is n, and the later ones are padded as in the imaptest data, so SIZE
    // orders 11 < 12 < 13 among the others.
    await fill(
      'Subjects',
      SUBJECTS.map((subject, i) => mbox(subject === null ? [] : [`Subject: ${subject}`], `${i + 1}${'\r\nxxxxxxxx'.repeat(i >= 10 && i <= 12 ? (i - 9) * 8 : 0)}`)),
    );
    await fill('Addresses', ADDRESSES.map((headers, i) => mbox(headers, String(i + 1))));
    await fill('DisplayTo', DISPLAY_TO.map((to, i) => mbox([`To: ${to}`], String(i + 1))));
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  /** Sorted message numbers (1-based, as imaptest prints them). */
  async function sort(box: string, criteria: [SortKey, boolean?][]): Promise<number[]> {
    const { id, uids } = boxes[box];
    const sortCriteria: SortCriterion[] = criteria.map(([key, reverse]) => ({ key, reverse: reverse ?? false }));
    const sorted = await mail.sort(account, id, sortCriteria, { type: 'all' });
    return sorted.map((uid) => uids.indexOf(uid) + 1);
  }

  test('SUBJECT compares base subjects (RFC 5256 §2.1) with i;unicode-casemap', async () => {
    assert.deepEqual(await sort('Subjects', [['subject']]), [9, 10, 1, 14, 3, 5, 11, 6, 15, 2, 7, 12, 13, 8, 4]);
    // Equal keys keep mailbox order, reversed or not.
    assert.deepEqual(await sort('Subjects', [['subject', true]]), [4, 8, 2, 7, 12, 13, 15, 6, 3, 5, 11, 14, 1, 9, 10]);
    assert.deepEqual(await sort('Subjects', [['subject'], ['size', true]]), [10, 9, 1, 14, 11, 5, 3, 6, 15, 13, 12, 7, 2, 8, 4]);
  });

  test('FROM, TO and CC compare the first addr-mailbox; a group counts by its name', async () => {
    for (const key of ['from', 'to', 'cc'] as const) {
      assert.deepEqual(await sort('Addresses', [[key]]), [3, 1, 2], key);
      assert.deepEqual(await sort('Addresses', [[key, true]]), [1, 2, 3], `reverse ${key}`);
      assert.deepEqual(await sort('Addresses', [[key], ['arrival', true]]), [3, 2, 1], `${key} reverse arrival`);
    }
  });

  test('DISPLAYTO: decoded display name, else addr-spec, else the group name (RFC 5957 §3)', async () => {
    assert.deepEqual(await sort('DisplayTo', [['displayto']]), [6, 2, 3, 8, 4, 1, 5, 7]);
    assert.deepEqual(await sort('DisplayTo', [['displayto', true]]), [7, 5, 1, 4, 8, 3, 2, 6]);
  });

  test('envelopes stored before groups were kept still sort, by their flattened addresses', async () => {
    // What delivery stored before `groups` existed: the same JSON without that member.
    const rows = await sql<{ id: number; envelope: string }>`select m.id, m.envelope from messages m join mailbox_entries e on e.message_id = m.id
      where e.mailbox_id = ${boxes.DisplayTo.id}`.execute(store.db);
    for (const row of rows.rows) {
      const envelope = JSON.parse(row.envelope) as Record<string, unknown>;
      delete envelope.groups;
      await sql`update messages set envelope = ${JSON.stringify(envelope)} where id = ${row.id}`.execute(store.db);
    }
    // 8's empty group leaves no address (''), 7 and 6 sort by their first members.
    assert.deepEqual(await sort('DisplayTo', [['displayto']]), [8, 7, 2, 3, 4, 1, 5, 6]);
  });
});
