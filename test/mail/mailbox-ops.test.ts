import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus, type AccountChange } from '../../src/events/change-bus.ts';
import { MailError } from '../../src/mail/errors.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

function message(subject: string, body = 'Hello there.\r\n'): Buffer {
  return Buffer.from(`From: Sender <sender@remote.test>\r\nTo: carol@ops.test\r\nSubject: ${subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n${body}`);
}

const failsWith = (code: string) => (err: unknown) => err instanceof MailError && err.code === code;

forEachDialect('mailbox operations', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let carol: number;
  let dave: number;
  const notices: AccountChange[] = [];

  before(async () => {
    store = await fixture().open();
    const bus = new ChangeBus();
    mail = new MailStore(store, bus);
    await addDomain(store.db, 'ops.test');
    carol = (await addUser(store.db, { address: 'carol@ops.test', password: 'pw-carol-1234' })).id;
    dave = (await addUser(store.db, { address: 'dave@ops.test', password: 'pw-dave-12345', quotaBytes: 1000 })).id;
    bus.subscribe(carol, (c) => notices.push(c));
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  const names = async (accountId: number) => (await mail.listMailboxes(accountId)).map((m) => m.name);

  test('create makes missing superiors, refuses duplicates, bad names and a special use taken twice', async () => {
    const created = await mail.createMailbox(carol, 'Projects/2026/Q1');
    assert.equal(created.name, 'Projects/2026/Q1');
    assert.equal(created.uidnext, 1);
    assert.ok(created.uidvalidity > 0);
    const all = await names(carol);
    for (const name of ['Projects', 'Projects/2026', 'Projects/2026/Q1']) assert.ok(all.includes(name), name);
    await assert.rejects(mail.createMailbox(carol, 'Projects/2026'), failsWith('exists'));
    await assert.rejects(mail.createMailbox(carol, 'inbox'), failsWith('exists'));
    await assert.rejects(mail.createMailbox(carol, 'a//b'), failsWith('invalid'));
    await assert.rejects(mail.createMailbox(carol, 'star*'), failsWith('invalid'));
    await assert.rejects(mail.createMailbox(carol, 'More Sent', '\\Sent'), failsWith('special_use_taken'));
    const important = await mail.createMailbox(carol, 'Important', '\\important');
    assert.equal(important.specialUse, '\\Important');
    assert.ok(!(await names(carol)).includes('More Sent'));
  });

  test('rename takes inferiors along, keeps UIDVALIDITY and creates superiors of the new name', async () => {
    const before = await mail.getMailbox(carol, 'Projects/2026');
    await mail.appendMany(carol, 'Projects/2026/Q1', [{ raw: message('kept across rename') }]);
    await mail.renameMailbox(carol, 'Projects', 'Archive/Old Projects');
    const all = await names(carol);
    assert.ok(!all.some((n) => n.startsWith('Projects')));
    for (const name of ['Archive/Old Projects', 'Archive/Old Projects/2026', 'Archive/Old Projects/2026/Q1']) assert.ok(all.includes(name), name);
    const after = await mail.getMailbox(carol, 'Archive/Old Projects/2026');
    assert.equal(after.id, before.id);
    assert.equal(after.uidvalidity, before.uidvalidity);
    const q1 = await mail.getMailbox(carol, 'Archive/Old Projects/2026/Q1');
    assert.equal((await mail.listUids(carol, q1.id)).length, 1);
    await assert.rejects(mail.renameMailbox(carol, 'Archive/Old Projects', 'Archive/Old Projects/inside'), failsWith('invalid'));
    await assert.rejects(mail.renameMailbox(carol, 'Archive/Old Projects', 'Drafts'), failsWith('exists'));
    await assert.rejects(mail.renameMailbox(carol, 'Nope', 'Other'), failsWith('not_found'));
  });

  test('renaming INBOX moves its entries to a new mailbox and leaves INBOX empty', async () => {
    await mail.appendMany(carol, 'INBOX', [{ raw: message('one') }, { raw: message('two'), flags: ['\\Seen'] }]);
    const inbox = await mail.getMailbox(carol, 'INBOX');
    const uids = await mail.listUids(carol, inbox.id);
    await mail.renameMailbox(carol, 'INBOX', 'Old Inbox');
    const moved = await mail.getMailbox(carol, 'Old Inbox');
    assert.notEqual(moved.id, inbox.id);
    assert.deepEqual(await mail.listUids(carol, moved.id), uids);
    assert.deepEqual(await mail.listUids(carol, inbox.id), []);
    const entries = await mail.fetchEntries(carol, moved.id, uids);
    assert.deepEqual(entries.map((e) => e.flags), [[], ['\\Seen']]);
    const since = await mail.changesSince(carol, inbox.id, inbox.highestModseq);
    assert.deepEqual(since.expunged, uids);
    // New mail still lands in INBOX, after the UIDs it had.
    const next = await mail.appendMany(carol, 'INBOX', [{ raw: message('after rename') }]);
    assert.ok(next.uids[0] >= inbox.uidnext);
  });

  test('delete removes the entries, frees quota of messages left in no mailbox and keeps inferiors', async () => {
    await mail.createMailbox(carol, 'Doomed/Child');
    const doomed = await mail.getMailbox(carol, 'Doomed');
    const before = await mail.quota(carol);
    const appended = await mail.appendMany(carol, 'Doomed', [{ raw: message('only here', 'x'.repeat(500)) }, { raw: message('also copied') }]);
    const kept = await mail.getMailbox(carol, 'Doomed/Child');
    await mail.copyEntries(carol, doomed.id, [appended.uids[1]], kept.id);
    const during = await mail.quota(carol);
    assert.equal(during.messages, before.messages + 2);
    await mail.deleteMailbox(carol, 'Doomed');
    const after = await mail.quota(carol);
    assert.equal(after.messages, before.messages + 1);
    assert.ok(after.usedBytes < during.usedBytes && after.usedBytes > before.usedBytes);
    assert.ok((await names(carol)).includes('Doomed/Child'));
    assert.equal((await mail.listUids(carol, kept.id)).length, 1);
    await assert.rejects(mail.getMailbox(carol, 'Doomed'), failsWith('not_found'));
    await assert.rejects(mail.deleteMailbox(carol, 'INBOX'), failsWith('invalid'));
  });

  test('subscriptions are names: they may name no mailbox, outlive a delete, and CREATE does not subscribe', async () => {
    await mail.setSubscribed(carol, 'Junk', false);
    assert.equal((await mail.getMailbox(carol, 'Junk')).subscribed, false);
    await mail.setSubscribed(carol, 'Junk', true);
    assert.equal((await mail.getMailbox(carol, 'Junk')).subscribed, true);
    await mail.setSubscribed(carol, 'Nowhere', true);
    assert.ok((await mail.listSubscriptions(carol)).has('Nowhere'));
    const created = await mail.createMailbox(carol, 'Fresh');
    assert.equal(created.subscribed, false);
    await mail.setSubscribed(carol, 'Fresh', true);
    await mail.deleteMailbox(carol, 'Fresh');
    assert.ok((await mail.listSubscriptions(carol)).has('Fresh'), 'RFC 9051 §6.3.7: DELETE leaves the subscription');
    await mail.setSubscribed(carol, 'Fresh', false);
    assert.ok(!(await mail.listSubscriptions(carol)).has('Fresh'));
  });

  test('UIDVALIDITY is new for a mailbox re-created within the same second', async () => {
    const first = await mail.createMailbox(carol, 'Again');
    await mail.deleteMailbox(carol, 'Again');
    const second = await mail.createMailbox(carol, 'Again');
    assert.ok(second.uidvalidity > first.uidvalidity, `${second.uidvalidity} > ${first.uidvalidity}`);
  });

  test('\\Recent: the first read-write claim takes the new messages; a second claim and a read-only look take none', async () => {
    const box = await mail.createMailbox(carol, 'Recent Box');
    const { uids } = await mail.appendMany(carol, 'Recent Box', [{ raw: message('r1') }, { raw: message('r2') }]);
    assert.equal((await mail.mailboxStatus(carol, box.id)).recent, 2);
    assert.equal(await mail.claimRecent(carol, box.id, false), 1, 'EXAMINE sees them as recent without claiming');
    assert.equal(await mail.claimRecent(carol, box.id, true), 1, 'the first SELECT gets every message from UID 1');
    assert.equal(await mail.claimRecent(carol, box.id, true), uids[1] + 1, 'a second SELECT gets none');
    assert.equal((await mail.mailboxStatus(carol, box.id)).recent, 0);
  });

  test('copy and move return UID pairs, keep flags, and move commits the expunge with the copy', async () => {
    const src = await mail.createMailbox(carol, 'Copy Source');
    const dst = await mail.createMailbox(carol, 'Copy Target');
    const { uids } = await mail.appendMany(carol, 'Copy Source', [
      { raw: message('c1'), flags: ['\\Flagged'] },
      { raw: message('c2'), flags: ['$Work'] },
      { raw: message('c3') },
    ]);
    const usedBefore = (await mail.quota(carol)).usedBytes;
    const copy = await mail.copyEntries(carol, src.id, [uids[2], uids[0], 9999], dst.id);
    assert.equal(copy.uidvalidity, dst.uidvalidity);
    assert.deepEqual(copy.pairs, [
      [uids[0], 1],
      [uids[2], 2],
    ]);
    assert.equal((await mail.quota(carol)).usedBytes, usedBefore);
    assert.deepEqual((await mail.fetchEntries(carol, dst.id, [1, 2])).map((e) => e.flags), [['\\Flagged'], []]);

    const moved = await mail.moveEntries(carol, src.id, [uids[1], uids[2]], dst.id);
    assert.deepEqual(moved.pairs, [
      [uids[1], 3],
      [uids[2], 4],
    ]);
    assert.deepEqual(await mail.listUids(carol, src.id), [uids[0]]);
    assert.deepEqual((await mail.fetchEntries(carol, dst.id, [3])).map((e) => e.flags), [['$Work']]);
    const since = await mail.changesSince(carol, src.id, moved.modseq - 1);
    assert.deepEqual(since.expunged, [uids[1], uids[2]]);
    assert.equal(since.highestModseq, moved.modseq);
    assert.ok(notices.some((n) => n.modseq === moved.modseq && n.mailboxIds.includes(src.id) && n.mailboxIds.includes(dst.id)));
  });

  test('appendMany stores all or nothing, and refuses over quota and unknown mailboxes', async () => {
    const inbox = await mail.getMailbox(dave, 'INBOX');
    const ok = await mail.appendMany(dave, 'INBOX', [{ raw: message('a1'), receivedAt: Date.UTC(2026, 0, 2) }, { raw: message('a2') }]);
    assert.equal(ok.uidvalidity, inbox.uidvalidity);
    assert.deepEqual(ok.uids, [1, 2]);
    assert.equal((await mail.fetchEntries(dave, inbox.id, [1]))[0].receivedAt, Date.UTC(2026, 0, 2));
    const usedBefore = await mail.quota(dave);
    await assert.rejects(
      mail.appendMany(dave, 'INBOX', [{ raw: message('fits') }, { raw: message('does not fit', 'y'.repeat(900)) }]),
      failsWith('over_quota'),
    );
    assert.deepEqual(await mail.listUids(dave, inbox.id), [1, 2]);
    assert.deepEqual(await mail.quota(dave), usedBefore);
    assert.equal(usedBefore.limitBytes, 1000);
    await assert.rejects(mail.appendMany(dave, 'Missing', [{ raw: message('x') }]), failsWith('not_found'));
  });

  test('storeFlags with unchangedSince fails entries modified since, and changesSince reports flags and expunges', async () => {
    const box = await mail.createMailbox(carol, 'Flags');
    const { uids } = await mail.appendMany(carol, 'Flags', [{ raw: message('f1') }, { raw: message('f2') }, { raw: message('f3') }]);
    const base = (await mail.getMailbox(carol, 'Flags')).highestModseq;
    const first = await mail.storeFlags(carol, box.id, [uids[0]], 'add', ['\\Seen']);
    assert.deepEqual(first.updated, [{ uid: uids[0], flags: ['\\Seen'], modseq: first.modseq }]);
    const conditional = await mail.storeFlags(carol, box.id, uids, 'add', ['\\Answered'], { unchangedSince: base });
    assert.deepEqual(conditional.failed, [uids[0]]);
    assert.deepEqual(
      conditional.updated.map((u) => u.uid),
      [uids[1], uids[2]],
    );
    const again = await mail.storeFlags(carol, box.id, [uids[1]], 'add', ['\\answered']);
    assert.equal(again.modseq, 0);
    assert.deepEqual(again.unchanged, [{ uid: uids[1], flags: ['\\Answered'], modseq: conditional.modseq }]);

    await mail.storeFlags(carol, box.id, [uids[2]], 'replace', ['\\Deleted', 'Later']);
    const since = await mail.changesSince(carol, box.id, first.modseq);
    assert.deepEqual(
      since.changed.map((c) => [c.uid, c.flags]),
      [
        [uids[1], ['\\Answered']],
        [uids[2], ['\\Deleted', 'Later']],
      ],
    );
    assert.deepEqual(since.expunged, []);
    const status = await mail.mailboxStatus(carol, box.id);
    assert.deepEqual({ messages: status.messages, unseen: status.unseen, deleted: status.deleted }, { messages: 3, unseen: 2, deleted: 1 });
    assert.equal(status.highestModseq, since.highestModseq);
    assert.ok(status.size > 0);
  });

  test('expunge with onlyDeleted removes only entries that have \\Deleted', async () => {
    const box = await mail.getMailbox(carol, 'Flags');
    const uids = await mail.listUids(carol, box.id);
    const before = box.highestModseq;
    const removed = await mail.expunge(carol, box.id, uids, { onlyDeleted: true });
    assert.deepEqual(removed, [uids[2]]);
    assert.deepEqual(await mail.listUids(carol, box.id), uids.slice(0, 2));
    const since = await mail.changesSince(carol, box.id, before);
    assert.deepEqual(since.expunged, [uids[2]]);
    assert.deepEqual(await mail.expunge(carol, box.id, uids, { onlyDeleted: true }), []);
  });

  test('fetchEntries reads many UIDs in order, with or without the metadata columns', async () => {
    const box = await mail.createMailbox(carol, 'Many');
    const { uids } = await mail.appendMany(
      carol,
      'Many',
      Array.from({ length: 450 }, (_, i) => ({ raw: message(`bulk ${i}`) })),
    );
    const sparse = uids.filter((_, i) => i % 2 === 0);
    const entries = await mail.fetchEntries(carol, box.id, [...sparse].reverse(), { meta: false });
    assert.deepEqual(
      entries.map((e) => e.uid),
      sparse,
    );
    assert.equal(entries[0].envelope, '');
    const full = await mail.fetchEntries(carol, box.id, [uids[0]]);
    assert.equal(JSON.parse(full[0].envelope).subject, 'bulk 0');
    assert.ok(full[0].bodyStructure.length > 0);
    const raw = await mail.readBlob(full[0].blobHash);
    assert.match(raw.toString(), /Subject: bulk 0/);
    const all = await mail.storeFlags(carol, box.id, uids, 'add', ['\\Seen']);
    assert.equal(all.updated.length, 450);
    assert.equal((await mail.mailboxStatus(carol, box.id)).unseen, 0);
  });
});
