// `petrel domain add --role-mailbox`: the issue's "role addresses (info@, sales@, support@) created
// with a new domain if the admin asks", each shared with the members named.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import type { SharedMailboxSummary } from '../../src/directory/shared-mailboxes.ts';
import { petrel, petrelOk } from '../helpers/petrel-process.ts';

let dir: string;
let data: string[];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'petrel-role-mailboxes-'));
  data = ['--data', dir];
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('domain add creates the role mailboxes asked for, shared with the members named', () => {
  petrelOk(['domain', 'add', 'people.test', ...data]);
  petrelOk(['user', 'add', 'alice@people.test', '--password', 'a long password', ...data]);
  const added = JSON.parse(petrelOk(['domain', 'add', 'shop.test', '--role-mailbox', 'info', '--role-mailbox', 'support', '--role-member', 'alice@people.test', '--json', ...data])) as { name: string; roleMailboxes: string[] };
  assert.equal(added.name, 'shop.test');
  assert.deepEqual(added.roleMailboxes, ['info@shop.test', 'support@shop.test']);
  for (const address of added.roleMailboxes) {
    const shared = JSON.parse(petrelOk(['shared', 'show', address, '--json', ...data])) as SharedMailboxSummary;
    assert.deepEqual(shared.members.map((m) => m.address), ['alice@people.test']);
  }
  const text = petrelOk(['domain', 'add', 'plain.test', '--role-mailbox', 'sales', ...data]);
  assert.match(text, /added shared mailbox sales@plain\.test/);
});

test('an unknown member refuses cleanly after naming it', () => {
  const refused = petrel(['domain', 'add', 'other.test', '--role-mailbox', 'info', '--role-member', 'nobody@people.test', ...data]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /nobody@people\.test/);
});
