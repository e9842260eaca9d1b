// The mail-core side of JMAP on both store dialects: Email/query's compiled filters and sorts, the
// per-email views, mailbox counts and the change log that /changes reads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { countEmails, queryEmails, type EmailFilter } from '../../src/mail/email-query.ts';
import { mailboxEmailCounts, mailboxThreadCounts, readEmails, threadMembers } from '../../src/mail/email-views.ts';
import { changesSince, ChangesUnavailableError } from '../../src/mail/jmap-changes.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

function raw(headers: string[], body: string): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

forEachDialect('JMAP email queries and changes', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let owner: number;
  let inbox: number;
  let work: number;
  const ids: Record<string, number> = {};

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    await addDomain(store.db, 'jq.test');
    owner = (await addUser(store.db, { address: 'owner@jq.test', password: 'pw-owner-12345' })).id;
    inbox = (await mail.getMailbox(owner, 'INBOX')).id;
    work = (await mail.createMailbox(owner, 'Work')).id;
    const messages: [string, string, Buffer, string[], number][] = [
      ['plan', 'INBOX', raw(['From: Alice <alice@x.test>', 'To: owner@jq.test', 'Subject: Project plan', 'Message-ID: <plan@x.test>'], 'The roadmap for spring.\r\n'), ['\\Seen'], T0],
      ['re', 'INBOX', raw(['From: Bob <bob@y.test>', 'To: alice@x.test', 'Subject: Re: Project plan', 'Message-ID: <re@y.test>', 'In-Reply-To: <plan@x.test>', 'X-Ticket: T-77'], 'Looks fine.\r\n'), [], T0 + HOUR],
      ['ads', 'Work', raw(['From: shop@z.test', 'To: owner@jq.test', 'Subject: Big sale', 'Message-ID: <ads@z.test>'], `Zebra stripes. ${'x'.repeat(3000)}\r\n`), ['$Junk'], T0 + 2 * HOUR],
      ['ok', 'Work', raw(['From: Carol <carol@x.test>', 'To: owner@jq.test', 'Subject: ok', 'Message-ID: <ok@x.test>'], 'k\r\n'), ['\\Flagged', '\\Seen'], T0 + 3 * HOUR],
    ];
    for (const [name, box, data, flags, receivedAt] of messages) ids[name] = (await mail.append(owner, box, data, { flags, receivedAt })).messageId;
  });
  after(async () => {
    await store?.close();
    await fixture().cleanup();
  });

  const names = (list: number[]) => list.map((id) => Object.keys(ids).find((k) => ids[k] === id));
  const query = async (filter: EmailFilter | null, options: { collapse?: boolean; sort?: Parameters<typeof queryEmails>[3] } = {}) =>
    names((await queryEmails(store, owner, filter, options.sort ?? [], { collapseThreads: options.collapse ?? false, needed: null })).ids);

  test('filters: mailbox, keywords, sizes, dates, text, headers and their combinations', async () => {
    assert.deepEqual(await query(null), ['ok', 'ads', 're', 'plan'], 'newest first by default');
    assert.deepEqual(await query({ type: 'inMailbox', mailboxId: work }), ['ok', 'ads']);
    assert.deepEqual(await query({ type: 'inMailboxOtherThan', mailboxIds: [inbox] }), ['ok', 'ads']);
    assert.deepEqual(await query({ type: 'keyword', keyword: '$seen', set: true }), ['ok', 'plan']);
    assert.deepEqual(await query({ type: 'keyword', keyword: '$junk', set: true }), ['ads']);
    assert.deepEqual(await query({ type: 'keyword', keyword: '$flagged', set: false }), ['ads', 're', 'plan']);
    assert.deepEqual(await query({ type: 'threadKeyword', keyword: '$seen', mode: 'some' }), ['ok', 're', 'plan']);
    assert.deepEqual(await query({ type: 'threadKeyword', keyword: '$seen', mode: 'none' }), ['ads']);
    assert.deepEqual(await query({ type: 'threadKeyword', keyword: '$seen', mode: 'all' }), ['ok']);
    assert.deepEqual(await query({ type: 'minSize', bytes: 3000 }), ['ads']);
    assert.deepEqual(await query({ type: 'after', time: T0 + HOUR }), ['ok', 'ads', 're']);
    assert.deepEqual(await query({ type: 'before', time: T0 + HOUR }), ['plan']);
    assert.deepEqual(await query({ type: 'text', scope: 'text', value: 'ROADMAP' }), ['plan']);
    assert.deepEqual(await query({ type: 'text', scope: 'from', value: 'x.test' }), ['ok', 'plan']);
    assert.deepEqual(await query({ type: 'text', scope: 'subject', value: 'ok' }), ['ok'], 'a needle shorter than a trigram is read from the message');
    assert.deepEqual(await query({ type: 'header', name: 'X-Ticket', value: null }), ['re']);
    assert.deepEqual(await query({ type: 'header', name: 'X-Ticket', value: 't-77' }), ['re']);
    assert.deepEqual(await query({ op: 'or', filters: [{ type: 'text', scope: 'body', value: 'k' }, { type: 'inMailbox', mailboxId: inbox }] }), ['ok', 're', 'plan']);
    assert.deepEqual(await query({ op: 'not', filters: [{ type: 'text', scope: 'subject', value: 'ok' }, { type: 'inMailbox', mailboxId: inbox }] }), ['ads']);
    assert.deepEqual(await query({ op: 'and', filters: [{ type: 'inMailbox', mailboxId: work }, { op: 'not', filters: [{ type: 'keyword', keyword: '$seen', set: true }] }] }), ['ads']);
  });

  test('sorts, collapsed threads, pages and totals', async () => {
    assert.deepEqual(await query(null, { sort: [{ key: 'subject', ascending: true }] }), ['ads', 'ok', 'plan', 're']);
    assert.deepEqual(await query(null, { sort: [{ key: 'size', ascending: false }] }).then((l) => l[0]), 'ads');
    assert.deepEqual(await query(null, { sort: [{ key: 'hasKeyword', keyword: '$seen', ascending: false }, { key: 'receivedAt', ascending: true }] }), ['plan', 'ok', 're', 'ads']);
    assert.deepEqual(await query(null, { collapse: true }), ['ok', 'ads', 're']);
    const page = await queryEmails(store, owner, null, [], { collapseThreads: true, needed: 1 });
    assert.deepEqual(names(page.ids).slice(0, 1), ['ok']);
    assert.equal(await countEmails(store, owner, null, true), 3);
    assert.equal(await countEmails(store, owner, { type: 'inMailbox', mailboxId: inbox }, false), 2);
  });

  test('a mailbox filter gives the same answer whether its entries or the account walk drive the query', async () => {
    const small = await query({ type: 'inMailbox', mailboxId: work }, { collapse: true });
    const before = (await mail.getMailbox(owner, 'Work')).uidnext;
    // As if Work had once held many messages: the query then walks the account's messages instead.
    await store.db.updateTable('mailboxes').set({ uidnext: 100_000 }).where('id', '=', work).execute();
    try {
      assert.deepEqual(await query({ type: 'inMailbox', mailboxId: work }, { collapse: true }), small);
      assert.equal(await countEmails(store, owner, { type: 'inMailbox', mailboxId: work }, false), 2);
    } finally {
      await store.db.updateTable('mailboxes').set({ uidnext: before }).where('id', '=', work).execute();
    }
  });

  test('views: an email in two mailboxes is one record; threads list oldest first; counts per mailbox', async () => {
    await mail.copyEntries(owner, work, [1], inbox);
    const record = (await readEmails(store.db, owner, [ids.ads])).get(ids.ads)!;
    assert.deepEqual([...record.mailboxIds].sort(), [inbox, work].sort());
    assert.deepEqual(record.keywords, ['$Junk']);
    assert.equal((await readEmails(store.db, owner + 1000, [ids.ads])).size, 0, "another account's ids are not found");
    const plan = (await readEmails(store.db, owner, [ids.plan])).get(ids.plan)!;
    assert.deepEqual((await threadMembers(store.db, owner, [plan.threadId])).get(plan.threadId), [ids.plan, ids.re]);
    const emails = await mailboxEmailCounts(store.db, [inbox, work]);
    const threads = await mailboxThreadCounts(store.db, [inbox, work]);
    assert.deepEqual({ ...emails.get(inbox), ...threads.get(inbox) }, { totalEmails: 3, unreadEmails: 2, totalThreads: 2, unreadThreads: 2 });
    assert.deepEqual({ ...emails.get(work), ...threads.get(work) }, { totalEmails: 2, unreadEmails: 1, totalThreads: 2, unreadThreads: 1 });
  });

  test('the change log: created, updated, destroyed since a modseq, in whole modseq steps', async () => {
    const start = await changesSince(store.db, owner, 'Email', 0, 100);
    assert.deepEqual([...start.created].sort((a, b) => a - b), Object.values(ids).sort((a, b) => a - b));
    const mark = start.newModseq;
    await mail.storeFlags(owner, inbox, [1], 'add', ['\\Flagged']);
    const mid = await changesSince(store.db, owner, 'Email', mark, 100);
    assert.deepEqual([mid.created, mid.updated, mid.destroyed], [[], [ids.plan], []]);
    const records = await readEmails(store.db, owner, [ids.ok, ids.plan]);
    await mail.expunge(owner, work, [2]);
    const gone = await changesSince(store.db, owner, 'Email', mid.newModseq, 100);
    assert.deepEqual(gone.destroyed, [ids.ok]);
    const threadGone = await changesSince(store.db, owner, 'Thread', mid.newModseq, 100);
    assert.deepEqual(threadGone.destroyed, [records.get(ids.ok)!.threadId], 'its only email gone, the thread is destroyed');
    await mail.expunge(owner, inbox, [2]);
    const threadShrunk = await changesSince(store.db, owner, 'Thread', gone.newModseq, 100);
    assert.deepEqual(threadShrunk.updated, [records.get(ids.plan)!.threadId], 'a thread that lost one of two emails is updated');
    const limited = await changesSince(store.db, owner, 'Email', 0, 2);
    assert.equal(limited.hasMoreChanges, true);
    assert.equal(limited.created.length + limited.updated.length, 2);
    await assert.rejects(changesSince(store.db, owner, 'Email', gone.newModseq + 5, 10), ChangesUnavailableError);
    // IMAP may COPY a message into its own mailbox: two entries, still one Email.
    await mail.copyEntries(owner, work, [1], work);
    assert.deepEqual(await query({ type: 'inMailbox', mailboxId: work }), ['ads']);
    assert.equal(await countEmails(store, owner, { type: 'inMailbox', mailboxId: work }, false), 1);
  });
});
