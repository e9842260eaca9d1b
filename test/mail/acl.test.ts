// RFC 4314 rights logic (pure), and on both dialects: the mail core's access checks for shared
// mailboxes, the directory's shared-mailbox membership and send rights, and the admin service's
// authorization (a domain admin of another domain, or another tenant, does not see it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { AdminContext, AdminRole } from '../../src/admin/context.ts';
import { addShared, addSharedMember, createRoleMailboxes, getShared, listShared, removeShared } from '../../src/admin/shared.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { DirectoryError } from '../../src/directory/errors.ts';
import { sendableAddresses } from '../../src/directory/shared-mailboxes.ts';
import { createTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { applyRightsChange, canWriteSelected, flagPermission, normalizeRights, permittedFlags, restrictFlags, storeAllowed } from '../../src/mail/acl.ts';
import { MailError } from '../../src/mail/errors.ts';
import { parseFlags } from '../../src/mail/flags.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { parseSharedName, sharedName } from '../../src/mail/shared-access.ts';
import type { Store } from '../../src/store/database.ts';
import { forEachDialect } from '../helpers/dialects.ts';

const failsWith = (code: string) => (err: unknown) => (err instanceof MailError || err instanceof DirectoryError) && err.code === code;

describe('RFC 4314 rights logic', () => {
  test('rights are normalised to RFC order; c and d expand; unknown letters are refused', () => {
    assert.equal(normalizeRights('srl'), 'lrs');
    assert.equal(normalizeRights('lrcd'), 'lrkxte');
    assert.equal(normalizeRights(''), '');
    assert.throws(() => normalizeRights('lrz'), failsWith('invalid'));
  });

  test('SETACL changes: +adds, -removes, otherwise replaces (RFC 4314 §3.1)', () => {
    assert.equal(applyRightsChange('lr', '+sw'), 'lrsw');
    assert.equal(applyRightsChange('lrsw', '-rw'), 'ls');
    assert.equal(applyRightsChange('lrsw', 'i'), 'i');
    assert.equal(applyRightsChange('', '-l'), '');
  });

  test('flags each right covers: s \\Seen, t \\Deleted, w the rest and keywords', () => {
    const lrs = flagPermission('lrs');
    assert.deepEqual(permittedFlags(lrs, ['\\Seen', '\\Flagged', '\\Deleted', '$Label']), ['\\Seen']);
    assert.deepEqual(permittedFlags(flagPermission('lrw'), ['\\Seen', '\\Flagged', '\\Deleted', '$Label']), ['\\Flagged', '$Label']);
    assert.deepEqual(permittedFlags(flagPermission('lrt'), ['\\Seen', '\\Deleted']), ['\\Deleted']);
    assert.equal(storeAllowed(lrs, parseFlags(['\\Flagged']), 'add'), false, 'only forbidden flags: refused');
    assert.equal(storeAllowed(lrs, parseFlags(['\\Flagged', '\\Seen']), 'add'), true, 'one permitted flag: allowed, the rest ignored');
    assert.equal(storeAllowed(flagPermission('lr'), parseFlags([]), 'replace'), false);
    assert.equal(storeAllowed(lrs, parseFlags([]), 'replace'), true);
    // FLAGS (\Seen) by someone with only s: \Flagged (bit 4) stays, \Seen (bit 1) is set.
    assert.deepEqual(restrictFlags(lrs, { flags: 4, keywords: '$Label' }, { flags: 1, keywords: '' }), { flags: 5, keywords: '$Label' });
  });

  test('READ-WRITE needs a right that changes something in the selected mailbox', () => {
    assert.equal(canWriteSelected('lr'), false);
    assert.equal(canWriteSelected('lri'), false);
    assert.equal(canWriteSelected('lrs'), true);
    assert.equal(canWriteSelected('lre'), true);
  });

  test('shared names', () => {
    assert.equal(sharedName('support@x.test', 'INBOX/Open'), 'Shared/support@x.test/INBOX/Open');
    assert.deepEqual(parseSharedName('Shared/Support@X.test/INBOX/Open'), { owner: 'support@x.test', folder: 'INBOX/Open' });
    assert.deepEqual(parseSharedName('Shared/support@x.test'), { owner: 'support@x.test', folder: '' });
    assert.equal(parseSharedName('Sharedfolder/x'), null);
    assert.equal(parseSharedName('INBOX'), null);
  });
});

function context(store: Store, role: AdminRole, tenantId: number | null, domainIds: number[] = []): AdminContext {
  return { db: store.db, actor: { name: `test:${role}`, principalId: null, role, tenantId, domainIds, scopes: null }, remoteAddress: null, via: 'test' };
}

forEachDialect('shared mailboxes and ACLs', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let alice: number;
  let bob: number;
  let carol: number;
  let support: number;
  let tenantId: number;
  let aclDomainId: number;
  let otherDomainId: number;

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    const domain = await addDomain(store.db, 'acl.test');
    tenantId = Number(domain.tenant_id);
    aclDomainId = Number(domain.id);
    otherDomainId = Number((await addDomain(store.db, 'other.test')).id);
    alice = (await addUser(store.db, { address: 'alice@acl.test', password: 'pw-alice-12345' })).id;
    bob = (await addUser(store.db, { address: 'bob@acl.test', password: 'pw-bob-123456' })).id;
    carol = (await addUser(store.db, { address: 'carol@acl.test', password: 'pw-carol-12345' })).id;
    const created = await addShared(context(store, 'super-admin', null), { address: 'support@acl.test', members: ['alice@acl.test'], sendAs: true });
    support = created.id;
    await addSharedMember(context(store, 'tenant-admin', tenantId), { address: 'support@acl.test', member: 'bob@acl.test', rights: 'lrs', sendOnBehalf: true });
    await mail.append(support, 'INBOX', Buffer.from('From: a@remote.test\r\nSubject: help\r\n\r\nHelp.\r\n'));
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('members reach the shared folders with their rights; others do not', async () => {
    const forAlice = await mail.access.resolve(alice, 'Shared/support@acl.test/INBOX', 'lrswipkxte');
    assert.equal(forAlice.accountId, support);
    assert.equal(forAlice.rights, 'lrswipkxte');
    const forBob = await mail.access.resolve(bob, 'Shared/support@acl.test/INBOX', 'r');
    assert.equal(forBob.rights, 'lrs');
    await assert.rejects(mail.access.resolve(bob, 'Shared/support@acl.test/INBOX', 'i'), failsWith('no_permission'));
    await assert.rejects(mail.access.resolve(carol, 'Shared/support@acl.test/INBOX'), failsWith('not_found'), 'a non-member is told it does not exist');
    await assert.rejects(mail.access.resolve(alice, 'Shared/nobody@acl.test/INBOX'), failsWith('not_found'));
    const own = await mail.access.resolve(alice, 'INBOX', 'a');
    assert.equal(own.accountId, alice);
    assert.equal(own.owner, null);
    const listed = (await mail.access.sharedWith(bob)).map((a) => a.name).sort();
    assert.ok(listed.includes('Shared/support@acl.test/INBOX') && listed.includes('Shared/support@acl.test/Sent'), listed.join(', '));
    assert.deepEqual(await mail.access.sharedWith(carol), []);
  });

  test('the mail core enforces flag rights: bob keeps \\Seen but may not flag', async () => {
    const inbox = (await mail.access.resolve(bob, 'Shared/support@acl.test/INBOX')).mailbox;
    const uids = await mail.listUids(support, inbox.id);
    await assert.rejects(mail.storeFlags(support, inbox.id, uids, 'add', ['\\Flagged'], { rights: 'lrs' }), failsWith('no_permission'));
    const result = await mail.storeFlags(support, inbox.id, uids, 'add', ['\\Seen', '\\Flagged'], { rights: 'lrs' });
    assert.deepEqual(result.updated.map((u) => u.flags), [['\\Seen']], 'the forbidden \\Flagged was ignored');
  });

  test('SETACL needs a; owners share folders; unknown grantees and owners are refused', async () => {
    await assert.rejects(mail.access.setAcl(alice, 'Shared/support@acl.test/INBOX', 'carol@acl.test', 'lr'), failsWith('no_permission'));
    await mail.createMailbox(alice, 'Projects');
    assert.equal(await mail.access.setAcl(alice, 'Projects', 'bob@acl.test', 'lr'), 'lr');
    assert.equal(await mail.access.setAcl(alice, 'Projects', 'bob@acl.test', '+w'), 'lrw');
    assert.deepEqual((await mail.access.getAcl(alice, 'Projects')).entries, [
      { identifier: 'alice@acl.test', rights: 'lrswipkxtea' },
      { identifier: 'bob@acl.test', rights: 'lrw' },
    ]);
    assert.equal((await mail.access.resolve(bob, 'Shared/alice@acl.test/Projects')).rights, 'lrw');
    await assert.rejects(mail.access.setAcl(alice, 'Projects', 'alice@acl.test', 'lr'), failsWith('invalid'));
    await assert.rejects(mail.access.setAcl(alice, 'Projects', 'ghost@acl.test', 'lr'), failsWith('invalid'));
    assert.equal(await mail.access.setAcl(alice, 'Projects', 'bob@acl.test', null), '');
    await assert.rejects(mail.access.resolve(bob, 'Shared/alice@acl.test/Projects'), failsWith('not_found'));
  });

  test('send rights: alice may send as support, bob on its behalf, carol not', async () => {
    assert.deepEqual([...(await sendableAddresses(store.db, alice))], [['support@acl.test', ['send-as']]]);
    assert.deepEqual([...(await sendableAddresses(store.db, bob))], [['support@acl.test', ['send-on-behalf']]]);
    assert.equal((await sendableAddresses(store.db, carol)).size, 0);
  });

  test('admin authorization: another domain\'s admin and another tenant do not see it', async () => {
    const shown = await getShared(context(store, 'domain-admin', tenantId, [aclDomainId]), { address: 'support@acl.test' });
    assert.deepEqual(shown.members.map((m) => [m.address, m.rights, m.sendAs, m.sendOnBehalf]), [
      ['alice@acl.test', 'lrswipkxte', true, false],
      ['bob@acl.test', 'lrs', false, true],
    ]);
    await assert.rejects(getShared(context(store, 'domain-admin', tenantId, [otherDomainId]), { address: 'support@acl.test' }), failsWith('not_found'));
    await assert.rejects(getShared(context(store, 'user', tenantId), { address: 'support@acl.test' }), failsWith('forbidden'));
    const other = await createTenant(store.db, { name: 'rival' });
    await assert.rejects(getShared(context(store, 'tenant-admin', Number(other.id)), { address: 'support@acl.test' }), failsWith('not_found'));
    assert.deepEqual(await listShared(context(store, 'tenant-admin', Number(other.id))), []);
    await assert.rejects(addSharedMember(context(store, 'tenant-admin', tenantId), { address: 'support@acl.test', member: 'carol@acl.test', rights: 'sw' }), failsWith('invalid'), 'members need l and r');
  });

  test('role mailboxes for a domain, each shared with the members; remove takes a shared mailbox away', async () => {
    const created = await createRoleMailboxes(context(store, 'super-admin', null), 'other.test', ['info', 'sales'], ['carol@acl.test']);
    assert.deepEqual(created.map((c) => [c.address, c.members.map((m) => m.address)]), [
      ['info@other.test', ['carol@acl.test']],
      ['sales@other.test', ['carol@acl.test']],
    ]);
    assert.ok((await mail.access.sharedWith(carol)).some((a) => a.name === 'Shared/info@other.test/INBOX'));
    await removeShared(context(store, 'super-admin', null), { address: 'info@other.test' });
    assert.ok(!(await mail.access.sharedWith(carol)).some((a) => a.name.startsWith('Shared/info@other.test/')));
    assert.deepEqual((await listShared(context(store, 'super-admin', null))).map((s) => s.address), ['sales@other.test', 'support@acl.test']);
  });
});
