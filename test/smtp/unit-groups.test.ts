// A group whose members are a nested group and an org unit, over real SMTP with python smtplib:
// each person gets exactly one copy (the overlap between the unit and the nested group, and a
// member also named directly, included), people outside both get none, and moving someone into
// the unit with the CLI while the server runs changes who the next message reaches. The units,
// the GAL and the usage figures are read back through the CLI's --json output.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { petrel, petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { listMail, smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'unit-groups.test';

function message(subject: string): Buffer {
  return Buffer.from(`From: <sender@remote.test>\r\nTo: <staff@${DOMAIN}>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@remote.test>\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\n\r\nHello, staff.\r\n`, 'utf8');
}

describe('a group of a nested group and an org unit on the MX', () => {
  let server: RunningPetrel;
  const cli = (args: string[]) => petrelOk([...args, ...server.args]);
  const json = <T>(args: string[]) => JSON.parse(cli([...args, '--json'])) as T;
  const copies = (user: string, subject: string) => listMail(server, `${user}@${DOMAIN}`).filter((e) => e.subject === subject).length;

  before(async () => {
    server = await startPetrel();
    cli(['domain', 'add', DOMAIN]);
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) cli(['user', 'add', `${user}@${DOMAIN}`, '--password', 'secret-pass-123']);
    cli(['unit', 'add', 'Engineering/Backend']);
    cli(['unit', 'add', 'Sales']);
    cli(['unit', 'assign', `alice@${DOMAIN}`, 'Engineering']);
    cli(['unit', 'assign', `bob@${DOMAIN}`, 'Engineering/Backend']);
    cli(['unit', 'assign', `erin@${DOMAIN}`, 'Sales']);
    // staff = unit Engineering (alice, bob via Backend) + leads (bob, carol): bob is reached twice.
    cli(['group', 'add', `leads@${DOMAIN}`, '--member', `bob@${DOMAIN}`, '--member', `carol@${DOMAIN}`]);
    cli(['group', 'add', `staff@${DOMAIN}`, '--member', 'unit:Engineering', '--member', `leads@${DOMAIN}`]);
  });
  after(async () => {
    await server?.destroy();
  });

  test('the CLI shows the unit tree and the unit as a group member', () => {
    const tree = json<{ path: string; members: number; children: { path: string; members: number }[] }[]>(['unit', 'list']);
    assert.deepEqual(
      tree.map((u) => [u.path, u.members, u.children.map((c) => [c.path, c.members])]),
      [
        ['Engineering', 1, [['Engineering/Backend', 1]]],
        ['Sales', 1, []],
      ],
    );
    const members = json<{ address: string; kind: string }[]>(['group', 'members', `staff@${DOMAIN}`]);
    assert.deepEqual(members.map((m) => `${m.kind} ${m.address}`), [`group leads@${DOMAIN}`, 'unit unit:Engineering']);
    const expanded = json<{ address: string }[]>(['group', 'members', `staff@${DOMAIN}`, '--expand']);
    assert.deepEqual(expanded.map((m) => m.address), [`alice@${DOMAIN}`, `bob@${DOMAIN}`, `carol@${DOMAIN}`]);
    const refused = petrel(['group', 'member-add', `leads@${DOMAIN}`, 'unit:Nowhere', ...server.args]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^petrel: no such org unit: Nowhere\n$/);
  });

  test('one copy to each person, even one named directly as well', () => {
    const subject = 'unit and nested group';
    const result = smtplibSend({ port: server.ports.smtp, from: 'sender@remote.test', to: [`staff@${DOMAIN}`, `bob@${DOMAIN}`] }, message(subject));
    assert.equal(result.status, 'ok', result.raw);
    assert.deepEqual(result.refused, {});
    for (const user of ['alice', 'bob', 'carol']) assert.equal(copies(user, subject), 1, `${user} got exactly one copy`);
    for (const user of ['dave', 'erin']) assert.equal(copies(user, subject), 0, `${user} is in neither the unit nor the nested group`);
  });

  test('the unit is dynamic: someone moved into a sub-unit gets the next message', () => {
    cli(['unit', 'assign', `dave@${DOMAIN}`, 'Engineering/Backend']);
    cli(['unit', 'move', 'Sales', 'Engineering']);
    const subject = 'after the reorganisation';
    const result = smtplibSend({ port: server.ports.smtp, from: 'sender@remote.test', to: [`staff@${DOMAIN}`] }, message(subject));
    assert.equal(result.status, 'ok', result.raw);
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) assert.equal(copies(user, subject), 1, `${user} got exactly one copy`);
    const members = json<{ address: string; unit: string }[]>(['unit', 'members', 'Engineering']);
    assert.deepEqual(members.map((m) => `${m.address} ${m.unit}`), [`alice@${DOMAIN} Engineering`, `bob@${DOMAIN} Engineering/Backend`, `dave@${DOMAIN} Engineering/Backend`, `erin@${DOMAIN} Engineering/Sales`]);
  });

  test('GAL and usage through the CLI', () => {
    cli(['gal', 'set', `alice@${DOMAIN}`, '--title', 'CTO', '--phone', '+1 555 0100']);
    cli(['gal', 'set', `dave@${DOMAIN}`, '--hidden']);
    const page = json<{ items: { address: string; title: string; department: string | null; phone: string; kind: string }[]; next: string | null }>(['gal', 'search', 'engineering']);
    assert.deepEqual(page.items.map((e) => `${e.address}|${e.title}|${e.department}|${e.phone}`), [
      `alice@${DOMAIN}|CTO|Engineering|+1 555 0100`,
      `bob@${DOMAIN}||Engineering/Backend|`,
      `erin@${DOMAIN}||Engineering/Sales|`,
    ]);
    const first = json<{ items: { address: string }[]; next: string | null }>(['gal', 'search', '--limit', '2']);
    assert.equal(first.items.length, 2);
    assert.ok(first.next);
    const rest = json<{ items: { address: string }[]; next: string | null }>(['gal', 'search', '--limit', '50', '--after', first.next]);
    assert.deepEqual([...first.items, ...rest.items].map((e) => e.address).sort(), ['alice', 'bob', 'carol', 'erin', 'leads', 'staff'].map((u) => `${u}@${DOMAIN}`));
    const unitUsage = json<{ path: string; principals: number; usedBytes: number }>(['quota', 'show', '--unit', 'Engineering']);
    const bob = json<{ usedBytes: number }>(['quota', 'show', `bob@${DOMAIN}`]);
    const alice = json<{ usedBytes: number }>(['quota', 'show', `alice@${DOMAIN}`]);
    const dave = json<{ usedBytes: number }>(['quota', 'show', `dave@${DOMAIN}`]);
    const erin = json<{ usedBytes: number }>(['quota', 'show', `erin@${DOMAIN}`]);
    assert.ok(bob.usedBytes > 0);
    assert.equal(unitUsage.principals, 4);
    assert.equal(unitUsage.usedBytes, alice.usedBytes + bob.usedBytes + dave.usedBytes + erin.usedBytes);
  });
});
