// Shared mailboxes and folder sharing over IMAP (RFC 4314 ACLs, RFC 2342 shared namespace):
// support@ is shared with alice (lrswipkxte, then also a) and bob (lrs); mail reaches it through
// the MX; python imaplib and imapflow both see it under Shared/support@.../INBOX with the rights
// enforced; carol, who is no member, sees nothing; alice shares a folder of her own with SETACL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ImapFlow } from 'imapflow';

import { imapPython, pyParams, wire, type PyOut } from '../helpers/imap-python.ts';
import { deliver, PASSWORD, simpleMessage, startImapPetrel, type ImapPetrel } from '../helpers/imap-server.ts';
import { petrelOk } from '../helpers/petrel-process.ts';
import { listMail } from '../helpers/smtp-peers.ts';

const DOMAIN = 'share.test';
const SUPPORT = `support@${DOMAIN}`;
const SHARED_INBOX = `Shared/${SUPPORT}/INBOX`;
const PLAN = 'Subject: plan\r\n\r\nThe plan for 2027.\r\n';

/** The tagged reply of a raw command: OK, NO or BAD, and its response code if any. */
function tagged(reply: { tagged: string | null } | undefined): { status: string; code: string | null; line: string } {
  const line = reply?.tagged ?? '';
  const match = /^\S+ (OK|NO|BAD)(?: \[([^\]]+)\])?/.exec(line);
  return { status: match?.[1] ?? 'NONE', code: match?.[2] ?? null, line };
}

/** Runs raw commands as one user, in order; `out[label]` is each reply. */
function session(petrel: ImapPetrel, user: string, commands: [string, string][]): PyOut {
  return imapPython(
    String.raw`
def main():
    r = Raw()
    r.login()
    for label, text in P['commands']:
        out[label] = r.cmd(text)
    r.cmd('LOGOUT')
    r.close()
`,
    pyParams(petrel, user, { commands }),
  );
}

describe('shared mailboxes and folder sharing over IMAP', () => {
  let petrel: ImapPetrel;
  const clients: ImapFlow[] = [];

  function flow(user: string): ImapFlow {
    const client = new ImapFlow({ host: '127.0.0.1', port: petrel.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: `${user}@${DOMAIN}`, pass: PASSWORD }, logger: false });
    client.on('error', () => {});
    clients.push(client);
    return client;
  }

  before(async () => {
    petrel = await startImapPetrel({ domain: DOMAIN, users: ['alice', 'bob', 'carol'] });
    const args = petrel.server.args;
    petrelOk(['shared', 'add', SUPPORT, '--name', 'Support team', '--member', `alice@${DOMAIN}`, ...args]);
    petrelOk(['shared', 'member-add', SUPPORT, `bob@${DOMAIN}`, '--rights', 'lrs', ...args]);
    for (let i = 1; i <= 2; i++) deliver(petrel, SUPPORT, simpleMessage({ subject: `ticket ${i}`, to: SUPPORT, body: `Help me, please (${i}).\r\n` }));
  });

  after(async () => {
    for (const client of clients) if (client.usable) await client.logout().catch(() => client.close());
    await petrel?.destroy();
  });

  test('the CLI shows the shared mailbox, its members and their rights', () => {
    const shown = JSON.parse(petrelOk(['shared', 'show', SUPPORT, '--json', ...petrel.server.args])) as { address: string; displayName: string; members: { address: string; rights: string }[] };
    assert.equal(shown.address, SUPPORT);
    assert.equal(shown.displayName, 'Support team');
    assert.deepEqual(
      shown.members.map((m) => [m.address, m.rights]),
      [
        [`alice@${DOMAIN}`, 'lrswipkxte'],
        [`bob@${DOMAIN}`, 'lrs'],
      ],
    );
    assert.equal(listMail(petrel.server, SUPPORT).length, 2, 'the MX delivered to the shared mailbox');
  });

  test('python imaplib: both members list and read it; rights are enforced; flags are shared', () => {
    const alice = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('namespace', M, M.namespace)
    step('list', M, M.list, '""', '*')
    step('lsub', M, M.lsub, '""', '*')
    step('select', M, M.select, '"Shared/support@share.test/INBOX"')
    step('fetch', M, M.fetch, '1:*', '(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    step('store', M, M.store, '1', '+FLAGS', '(\\Flagged)')
    step('myrights', M, cmd, M, 'MYRIGHTS', '"Shared/support@share.test/INBOX"')
    step('getacl', M, cmd, M, 'GETACL', '"Shared/support@share.test/INBOX"')
    step('status', M, M.status, '"Shared/support@share.test/INBOX"', '(MESSAGES UNSEEN)')
    M.logout()
`,
      pyParams(petrel, 'alice'),
    );
    assert.equal(alice.namespace.typ, 'OK', wire(alice.namespace));
    assert.match(alice.namespace.got, /^\* NAMESPACE \(\(""\s"\/"\)\) NIL \(\("Shared\/" "\/"\)\)\r$/m, wire(alice.namespace));
    assert.match(alice.list.got, /^\* LIST \([^)]*\) "\/" "Shared\/support@share\.test\/INBOX"\r$/m, wire(alice.list));
    assert.match(alice.list.got, /^\* LIST \([^)]*\) "\/" "Shared\/support@share\.test\/Sent"\r$/m, 'every folder of the shared mailbox is listed');
    const sentLine = /^\* LIST \(([^)]*)\) "\/" "Shared\/support@share\.test\/Sent"\r$/m.exec(alice.list.got);
    assert.ok(sentLine && !sentLine[1].includes('\\Sent'), `the team's Sent is not announced as the user's own \\Sent\n${wire(alice.list)}`);
    assert.match(alice.lsub.got, /"Shared\/support@share\.test\/INBOX"/, 'members are subscribed to the shared folders');
    assert.equal(alice.select.typ, 'OK', wire(alice.select));
    assert.match(alice.select.got, /^\* 2 EXISTS\r$/m);
    assert.match(alice.select.got, /\[READ-WRITE\]/);
    assert.match(alice.fetch.got, /Subject: ticket 1/);
    assert.equal(alice.store.typ, 'OK', wire(alice.store));
    assert.match(alice.myrights.got, /^\* MYRIGHTS "Shared\/support@share\.test\/INBOX" lrswipkxte\r$/m, wire(alice.myrights));
    assert.match(alice.getacl.got, /^\S+ NO \[NOPERM\]/m, `GETACL needs the a right\n${wire(alice.getacl)}`);
    assert.match(alice.status.got, /MESSAGES 2 UNSEEN 2/, wire(alice.status));

    const bob = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('list', M, M.list, '""', '*')
    step('select', M, M.select, '"Shared/support@share.test/INBOX"')
    step('flags', M, M.fetch, '1', '(FLAGS)')
    step('flag', M, M.store, '1', '+FLAGS', '(\\Flagged)')
    step('seen', M, M.store, '1', '+FLAGS', '(\\Seen)')
    step('deleted', M, M.store, '2', '+FLAGS', '(\\Deleted)')
    step('expunge', M, M.expunge)
    step('append', M, M.append, '"Shared/support@share.test/INBOX"', None, None, b'Subject: x\r\n\r\nx\r\n')
    step('body', M, M.fetch, '2', '(BODY[])')
    step('after', M, M.fetch, '1:*', '(FLAGS)')
    step('myrights', M, cmd, M, 'MYRIGHTS', '"Shared/support@share.test/INBOX"')
    step('setacl', M, cmd, M, 'SETACL', '"Shared/support@share.test/INBOX"', 'carol@share.test', 'lr')
    step('create', M, M.create, '"Shared/support@share.test/INBOX/Mine"')
    step('delete', M, M.delete, '"Shared/support@share.test/Junk"')
    M.logout()
`,
      pyParams(petrel, 'bob'),
    );
    assert.match(bob.list.got, /"Shared\/support@share\.test\/INBOX"/, wire(bob.list));
    assert.equal(bob.select.typ, 'OK', wire(bob.select));
    assert.match(bob.select.got, /\[READ-WRITE\]/, 'bob may keep \\Seen, so the mailbox is not read-only');
    assert.match(bob.select.got, /\[PERMANENTFLAGS \(\\Seen\)\]/, `bob may change only \\Seen\n${wire(bob.select)}`);
    assert.match(bob.flags.got, /FLAGS \(\\Flagged\)/, `bob sees the flag alice set\n${wire(bob.flags)}`);
    assert.match(bob.flag.got, /^\S+ NO \[NOPERM\]/m, `bob may not flag\n${wire(bob.flag)}`);
    assert.equal(bob.seen.typ, 'OK', wire(bob.seen));
    assert.match(bob.seen.got, /FLAGS \((?=[^)]*\\Flagged)(?=[^)]*\\Seen)[^)]*\)/, wire(bob.seen));
    assert.match(bob.deleted.got, /^\S+ NO \[NOPERM\]/m, wire(bob.deleted));
    assert.match(bob.expunge.got, /^\S+ NO \[NOPERM\]/m, wire(bob.expunge));
    assert.match(bob.append.got, /^\S+ NO \[NOPERM\]/m, wire(bob.append));
    assert.match(bob.body.got, /FLAGS \(\\Seen\)/, `reading a body sets \\Seen for one who has s\n${wire(bob.body)}`);
    assert.match(bob.myrights.got, /^\* MYRIGHTS "Shared\/support@share\.test\/INBOX" lrs\r$/m, wire(bob.myrights));
    assert.match(bob.setacl.got, /^\S+ NO \[NOPERM\]/m, wire(bob.setacl));
    assert.match(bob.create.got, /^\S+ NO \[NOPERM\]/m, wire(bob.create));
    assert.match(bob.delete.got, /^\S+ NO \[NOPERM\]/m, wire(bob.delete));
    assert.deepEqual(listMail(petrel.server, SUPPORT).map((e) => e.flags.sort()), [['\\Flagged', '\\Seen'], ['\\Seen']], 'one set of flags per message, seen by the store too');
  });

  test('carol, who is no member, gets no LIST entry and cannot open it', () => {
    const carol = session(petrel, 'carol', [
      ['list', 'LIST "" "*"'],
      ['shared', 'LIST "" "Shared/%"'],
      ['select', `SELECT "${SHARED_INBOX}"`],
      ['examine', `EXAMINE "${SHARED_INBOX}"`],
      ['status', `STATUS "${SHARED_INBOX}" (MESSAGES)`],
      ['myrights', `MYRIGHTS "${SHARED_INBOX}"`],
      ['append', `APPEND "${SHARED_INBOX}" {3+}\r\nx\r\n`],
    ]);
    assert.doesNotMatch(carol.list.got, /Shared\//, wire(carol.list));
    assert.doesNotMatch(carol.shared.got, /^\* LIST/m, wire(carol.shared));
    for (const label of ['select', 'examine', 'status', 'myrights']) {
      assert.deepEqual([tagged(carol[label]).status, tagged(carol[label]).code], ['NO', 'NONEXISTENT'], `${label}: the mailbox does not exist for carol\n${wire(carol[label])}`);
    }
    assert.equal(tagged(carol.append).status, 'NO', wire(carol.append));
  });

  test('GETACL, LISTRIGHTS and SETACL once alice is given the a right', () => {
    petrelOk(['shared', 'member-add', SUPPORT, `alice@${DOMAIN}`, '--rights', 'lrswipkxtea', ...petrel.server.args]);
    const alice = session(petrel, 'alice', [
      ['getacl', `GETACL "${SHARED_INBOX}"`],
      ['listrights', `LISTRIGHTS "${SHARED_INBOX}" bob@${DOMAIN}`],
      ['listowner', `LISTRIGHTS "${SHARED_INBOX}" ${SUPPORT}`],
      ['grant', `SETACL "${SHARED_INBOX}" carol@${DOMAIN} lr`],
      ['plus', `SETACL "${SHARED_INBOX}" carol@${DOMAIN} +s`],
      ['after', `GETACL "${SHARED_INBOX}"`],
      ['bad', `SETACL "${SHARED_INBOX}" carol@${DOMAIN} lrz`],
      ['owner', `SETACL "${SHARED_INBOX}" ${SUPPORT} lr`],
      ['stranger', `SETACL "${SHARED_INBOX}" nobody@elsewhere.test lr`],
      ['create', `CREATE "${SHARED_INBOX}/Escalated"`],
      ['created', `GETACL "${SHARED_INBOX}/Escalated"`],
    ]);
    assert.match(alice.getacl.got, new RegExp(`^\\* ACL "Shared/support@share\\.test/INBOX" "?${SUPPORT}"? lrswipkxtea "?alice@share\\.test"? lrswipkxtea "?bob@share\\.test"? lrs\\r$`, 'm'), wire(alice.getacl));
    assert.match(alice.listrights.got, /^\* LISTRIGHTS "Shared\/support@share\.test\/INBOX" "?bob@share\.test"? "" l r s w i p k x t e a\r$/m, wire(alice.listrights));
    assert.match(alice.listowner.got, /^\* LISTRIGHTS "Shared\/support@share\.test\/INBOX" "?support@share\.test"? lrswipkxtea\r$/m, wire(alice.listowner));
    assert.equal(tagged(alice.grant).status, 'OK', wire(alice.grant));
    assert.equal(tagged(alice.plus).status, 'OK', wire(alice.plus));
    assert.match(alice.after.got, /"?carol@share\.test"? lrs\b/, wire(alice.after));
    assert.equal(tagged(alice.bad).status, 'BAD', `an unknown right is BAD (RFC 4314 §3.1)\n${wire(alice.bad)}`);
    assert.equal(tagged(alice.owner).status, 'NO', wire(alice.owner));
    assert.equal(tagged(alice.stranger).status, 'NO', wire(alice.stranger));
    assert.equal(tagged(alice.create).status, 'OK', wire(alice.create));
    assert.match(alice.created.got, /"?carol@share\.test"? lrs\b/, `a new child mailbox is shared as its parent\n${wire(alice.created)}`);

    const carol = session(petrel, 'carol', [
      ['list', 'LIST "" "*"'],
      ['examine', `SELECT "${SHARED_INBOX}"`],
      ['store', 'STORE 1 +FLAGS (\\Flagged)'],
    ]);
    assert.match(carol.list.got, /"Shared\/support@share\.test\/INBOX"/, wire(carol.list));
    assert.doesNotMatch(carol.list.got, /"Shared\/support@share\.test\/Sent"/, 'only the mailbox shared with carol is listed');
    assert.equal(tagged(carol.examine).status, 'OK', wire(carol.examine));
    assert.equal(tagged(carol.store).code, 'NOPERM', wire(carol.store));

    const revoke = session(petrel, 'alice', [['delete', `DELETEACL "${SHARED_INBOX}" carol@${DOMAIN}`]]);
    assert.equal(tagged(revoke.delete).status, 'OK', wire(revoke.delete));
    const gone = session(petrel, 'carol', [['select', `SELECT "${SHARED_INBOX}"`]]);
    assert.equal(tagged(gone.select).code, 'NONEXISTENT', wire(gone.select));
  });

  test('a user shares a folder of their own with SETACL; the colleague reads it read-only', () => {
    const alice = session(petrel, 'alice', [
      ['create', 'CREATE Projects'],
      ['append', `APPEND Projects {${PLAN.length}+}\r\n${PLAN}`],
      ['own', 'MYRIGHTS Projects'],
      ['share', `SETACL Projects bob@${DOMAIN} lr`],
      ['acl', 'GETACL Projects'],
    ]);
    for (const label of ['create', 'append', 'share']) assert.equal(tagged(alice[label]).status, 'OK', `${label}\n${wire(alice[label])}`);
    assert.match(alice.own.got, /^\* MYRIGHTS "?Projects"? lrswipkxtea\r$/m, wire(alice.own));
    assert.match(alice.acl.got, /^\* ACL "?Projects"? "?alice@share\.test"? lrswipkxtea "?bob@share\.test"? lr\r$/m, wire(alice.acl));

    const bob = session(petrel, 'bob', [
      ['list', 'LIST "" "Shared/alice@share.test/*"'],
      ['liststatus', 'LIST "" "Shared/alice@share.test/*" RETURN (STATUS (MESSAGES))'],
      ['select', 'SELECT "Shared/alice@share.test/Projects"'],
      ['fetch', 'FETCH 1 (BODY[])'],
      ['flags', 'FETCH 1 (FLAGS)'],
      ['store', 'STORE 1 +FLAGS (\\Seen)'],
      ['inbox', 'SELECT "Shared/alice@share.test/INBOX"'],
    ]);
    assert.match(bob.list.got, /^\* LIST \([^)]*\) "\/" "Shared\/alice@share\.test\/Projects"\r$/m, wire(bob.list));
    assert.doesNotMatch(bob.list.got, /alice@share\.test\/INBOX/, 'only the shared folder');
    assert.match(bob.liststatus.got, /^\* STATUS "Shared\/alice@share\.test\/Projects" \(MESSAGES 1\)\r$/m, `LIST-STATUS on a shared folder\n${wire(bob.liststatus)}`);
    assert.match(bob.select.tagged ?? '', /\[READ-ONLY\]/, `lr allows no change: READ-ONLY (RFC 4314 §4)\n${wire(bob.select)}`);
    assert.match(bob.fetch.got, /The plan for 2027/);
    assert.match(bob.flags.got, /^\* 1 FETCH \(FLAGS \((?![^)]*\\Seen)[^)]*\)\)\r$/m, `reading without s sets no \\Seen\n${wire(bob.flags)}`);
    assert.equal(tagged(bob.store).status, 'NO', wire(bob.store));
    assert.equal(tagged(bob.inbox).code, 'NONEXISTENT', wire(bob.inbox));
  });

  test('copy from the shared mailbox into one\'s own, the folder-grant CLI, and a move back', () => {
    const alice = session(petrel, 'alice', [
      ['select', `SELECT "${SHARED_INBOX}"`],
      ['copy', 'UID COPY 1 Archive'],
      ['status', 'STATUS Archive (MESSAGES)'],
    ]);
    assert.match(alice.copy.tagged ?? '', /OK \[COPYUID \d+ 1 \d+\]/, wire(alice.copy));
    assert.match(alice.status.got, /MESSAGES 1/, wire(alice.status));
    assert.equal(listMail(petrel.server, `alice@${DOMAIN}`, 'Archive')[0]?.subject, 'ticket 1');

    petrelOk(['shared', 'folder-grant', `alice@${DOMAIN}`, 'Archive', `carol@${DOMAIN}`, 'lr', ...petrel.server.args]);
    const carol = session(petrel, 'carol', [['status', `STATUS "Shared/alice@${DOMAIN}/Archive" (MESSAGES)`]]);
    assert.match(carol.status.got, /MESSAGES 1/, wire(carol.status));

    // MOVE from her own Archive into the team's: stored in support@'s account, gone from hers.
    const move = session(petrel, 'alice', [
      ['select', 'SELECT Archive'],
      ['move', `UID MOVE 1 "Shared/${SUPPORT}/Archive"`],
      ['own', 'STATUS Archive (MESSAGES)'],
      ['team', `STATUS "Shared/${SUPPORT}/Archive" (MESSAGES)`],
    ]);
    assert.match(move.move.got, /^\* OK \[COPYUID \d+ 1 \d+\]/m, wire(move.move));
    assert.equal(tagged(move.move).status, 'OK', wire(move.move));
    assert.match(move.own.got, /MESSAGES 0/, wire(move.own));
    assert.match(move.team.got, /MESSAGES 1/, wire(move.team));
    assert.equal(listMail(petrel.server, SUPPORT, 'Archive')[0]?.subject, 'ticket 1');
  });

  test('imapflow: both members open it; a flag alice sets reaches bob while he idles', async () => {
    const alice = flow('alice');
    const bob = flow('bob');
    await alice.connect();
    await bob.connect();
    const paths = (await bob.list()).map((m) => m.path);
    assert.ok(paths.includes(SHARED_INBOX), `bob's list: ${paths.join(', ')}`);
    const bobBox = await bob.mailboxOpen(SHARED_INBOX);
    assert.equal(bobBox.exists, 2);
    assert.equal(bobBox.readOnly, false);
    assert.equal(await bob.messageFlagsAdd('1', ['\\Flagged']), false, 'bob may not flag: imapflow reports the NO');
    const flagged = new Promise<{ uid: number; flags: Set<string> }>((resolve) => bob.on('flags', (event: { uid: number; flags: Set<string> }) => resolve(event)));
    const arrived = new Promise<number>((resolve) => bob.on('exists', (event: { count: number }) => resolve(event.count)));
    const idling = bob.idle();
    await alice.mailboxOpen(SHARED_INBOX);
    assert.ok(await alice.messageFlagsAdd('2', ['\\Answered']));
    const event = await flagged;
    assert.ok(event.flags.has('\\Answered'), `bob heard of the flag: ${[...event.flags].join(' ')}`);
    deliver(petrel, SUPPORT, simpleMessage({ subject: 'ticket 3', to: SUPPORT }));
    assert.equal(await arrived, 3, 'bob heard of the new message too');
    const seen = await bob.search({ answered: true }, { uid: true });
    await idling;
    assert.ok(Array.isArray(seen) && seen.length === 1, `SEARCH in the shared mailbox: ${JSON.stringify(seen)}`);
  });
});
