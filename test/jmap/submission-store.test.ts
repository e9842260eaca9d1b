// The records behind Identity, EmailSubmission and VacationResponse on both store dialects:
// identities derived from send rights, submission creation/destroy sequences for /changes,
// vacation settings and the one-reply-per-period claim.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { destroySubmission, listSubmissions, recordSubmission, submissionChanges, submissionState } from '../../src/delivery/email-submissions.ts';
import { claimVacationReply, readVacation, writeVacation } from '../../src/delivery/vacation-responses.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { createIdentity, derivedIdentityId, listIdentities, saveIdentity } from '../../src/directory/identities.ts';
import { addSharedMailbox, setSendRight } from '../../src/directory/shared-mailboxes.ts';
import { addUser } from '../../src/directory/users.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const DAY = 24 * 60 * 60_000;

forEachDialect('JMAP submission records', (fixture) => {
  let store: Store;
  let owner: number;

  before(async () => {
    store = await fixture().open();
    await addDomain(store.db, 'sub.test');
    owner = (await addUser(store.db, { address: 'owner@sub.test', password: 'pw-owner-12345', displayName: 'Owner' })).id;
    const shared = await addSharedMailbox(store.db, { address: 'desk@sub.test' });
    await setSendRight(store.db, shared.id, owner, 'send-on-behalf', true);
  });
  after(async () => {
    await store?.close();
    await fixture().cleanup();
  });

  test('identities: own and delegated addresses with stable ids, edits and extra identities kept', async () => {
    const list = await listIdentities(store.db, owner);
    assert.deepEqual(list.map((i) => [i.email, i.id, i.name]), [
      ['owner@sub.test', derivedIdentityId('owner@sub.test'), 'Owner'],
      ['desk@sub.test', derivedIdentityId('desk@sub.test'), ''],
    ]);
    await saveIdentity(store.db, owner, { ...list[1], name: 'Front desk', replyTo: [{ name: null, email: 'desk@sub.test' }] });
    const id = await createIdentity(store.db, owner, 'owner@sub.test', { name: 'Owner (work)', replyTo: null, bcc: null, textSignature: 'sig', htmlSignature: '' });
    const after = await listIdentities(store.db, owner);
    assert.equal(after[1].name, 'Front desk');
    assert.deepEqual(after[1].replyTo, [{ name: null, email: 'desk@sub.test' }]);
    assert.deepEqual(after.map((i) => i.id), [list[0].id, list[1].id, id]);
    assert.equal(after[2].mayDelete, true);
  });

  test('submissions: created and destroyed ones show in changes after a state', async () => {
    const start = Number(await submissionState(store.db, owner));
    const record = { identityId: 'A', emailId: 'M1', threadId: 'T1', envelope: { mailFrom: { email: 'owner@sub.test' } }, sendAt: 1000, deliveryStatus: {} };
    const first = await recordSubmission(store.db, owner, record);
    const middle = Number(await submissionState(store.db, owner));
    const second = await recordSubmission(store.db, owner, { ...record, emailId: 'M2' });
    assert.deepEqual((await listSubmissions(store.db, owner)).map((s) => s.emailId), ['M1', 'M2']);
    assert.ok(await destroySubmission(store.db, owner, first));
    assert.equal(await destroySubmission(store.db, owner, first), false);
    const fromStart = await submissionChanges(store.db, owner, start, 100);
    assert.deepEqual([fromStart.created, fromStart.destroyed], [[second], []], 'created and destroyed since: in neither list');
    const fromMiddle = await submissionChanges(store.db, owner, middle, 100);
    assert.deepEqual([fromMiddle.created, fromMiddle.destroyed], [[second], [first]]);
    assert.equal(String(fromMiddle.newState), await submissionState(store.db, owner));
    const limited = await submissionChanges(store.db, owner, middle, 1);
    assert.equal(limited.hasMore, true);
  });

  test('vacation: settings round-trip, one reply per sender per period, reset by new settings', async () => {
    assert.equal((await readVacation(store.db, owner)).settings.isEnabled, false);
    await writeVacation(store.db, owner, { isEnabled: true, fromDate: null, toDate: 5 * DAY, subject: 'Away', textBody: 'Back soon', htmlBody: null });
    const { settings, state } = await readVacation(store.db, owner);
    assert.deepEqual(settings, { isEnabled: true, fromDate: null, toDate: 5 * DAY, subject: 'Away', textBody: 'Back soon', htmlBody: null });
    assert.equal(await claimVacationReply(store.db, owner, 'a@x.test', DAY, 7 * DAY), true);
    assert.equal(await claimVacationReply(store.db, owner, 'a@x.test', 2 * DAY, 7 * DAY), false);
    assert.equal(await claimVacationReply(store.db, owner, 'b@x.test', 2 * DAY, 7 * DAY), true);
    assert.equal(await claimVacationReply(store.db, owner, 'a@x.test', 9 * DAY, 7 * DAY), true);
    await writeVacation(store.db, owner, { ...settings, subject: 'Still away' });
    assert.notEqual((await readVacation(store.db, owner)).state, state);
    assert.equal(await claimVacationReply(store.db, owner, 'a@x.test', 9 * DAY + 1, 7 * DAY), true);
  });
});
