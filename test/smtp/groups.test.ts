// Groups on the MX with python smtplib: a group with a nested group delivers one copy to each
// person (even when the envelope also names a member directly), and a group whose send policy
// is `members` refuses an outsider at RCPT with 550 5.7.1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { petrel, petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { listMail, smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'groups-mx.test';

function message(subject: string, from: string): Buffer {
  return Buffer.from(`From: <${from}>\r\nTo: <all@${DOMAIN}>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@remote.test>\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\n\r\nHello, group.\r\n`, 'utf8');
}

describe('groups on the MX', () => {
  let server: RunningPetrel;
  const copies = (user: string, subject: string) => listMail(server, `${user}@${DOMAIN}`).filter((e) => e.subject === subject).length;

  before(async () => {
    server = await startPetrel();
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    for (const user of ['alice', 'bob', 'carol', 'dave']) petrelOk(['user', 'add', `${user}@${DOMAIN}`, '--password', 'secret-pass', ...server.args]);
    // all = alice + carol + eng, eng = bob + carol: carol is reachable twice.
    petrelOk(['group', 'add', `eng@${DOMAIN}`, '--member', `bob@${DOMAIN}`, '--member', `carol@${DOMAIN}`, ...server.args]);
    petrelOk(['group', 'add', `all@${DOMAIN}`, '--name', 'Everyone', '--member', `alice@${DOMAIN}`, '--member', `carol@${DOMAIN}`, '--member', `eng@${DOMAIN}`, ...server.args]);
    petrelOk(['group', 'add', `board@${DOMAIN}`, '--member', `alice@${DOMAIN}`, '--member', `dave@${DOMAIN}`, '--send-policy', 'members', ...server.args]);
  });
  after(async () => {
    await server?.destroy();
  });

  test('the CLI refuses a cycle with one line and lists the nesting', () => {
    const result = petrel(['group', 'member-add', `eng@${DOMAIN}`, `all@${DOMAIN}`, ...server.args]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^petrel: adding all@groups-mx\.test to eng@groups-mx\.test would make a cycle .*\n$/);
    const groups = JSON.parse(petrelOk(['group', 'list', '--json', ...server.args])) as { address: string; members: string[] }[];
    assert.deepEqual(groups.find((g) => g.address === `all@${DOMAIN}`)?.members, [`alice@${DOMAIN}`, `carol@${DOMAIN}`, `eng@${DOMAIN}`]);
    assert.match(petrelOk(['group', 'members', `eng@${DOMAIN}`, ...server.args]), /bob@groups-mx\.test +user/);
  });

  test('a nested group delivers exactly one copy to each person', () => {
    const subject = 'group nested once';
    // bob is named directly and reached through all → eng; carol through all and all → eng.
    const result = smtplibSend({ port: server.ports.smtp, from: 'sender@remote.test', to: [`all@${DOMAIN}`, `bob@${DOMAIN}`] }, message(subject, 'sender@remote.test'));
    assert.equal(result.status, 'ok', result.raw);
    assert.deepEqual(result.refused, {});
    for (const user of ['alice', 'bob', 'carol']) assert.equal(copies(user, subject), 1, `${user} got exactly one copy`);
    assert.equal(copies('dave', subject), 0, 'dave is in no group that was written to');
  });

  test('a group alias delivers too', () => {
    petrelOk(['alias', 'add', `everyone@${DOMAIN}`, `all@${DOMAIN}`, ...server.args]);
    const subject = 'group alias';
    const result = smtplibSend({ port: server.ports.smtp, from: 'sender@remote.test', to: [`everyone@${DOMAIN}`] }, message(subject, 'sender@remote.test'));
    assert.equal(result.status, 'ok', result.raw);
    for (const user of ['alice', 'bob', 'carol']) assert.equal(copies(user, subject), 1, `${user} got exactly one copy`);
  });

  test('an empty group accepts the message and stores it nowhere', () => {
    petrelOk(['group', 'add', `nobody-yet@${DOMAIN}`, ...server.args]);
    const result = smtplibSend({ port: server.ports.smtp, from: 'sender@remote.test', to: [`nobody-yet@${DOMAIN}`] }, message('empty group', 'sender@remote.test'));
    assert.equal(result.status, 'ok', result.raw);
    for (const user of ['alice', 'bob', 'carol', 'dave']) assert.equal(copies(user, 'empty group'), 0);
  });

  test('members-only group: an outsider is refused at RCPT with 550 5.7.1, a member gets through', () => {
    const refused = smtplibSend({ port: server.ports.smtp, from: 'stranger@remote.test', to: [`board@${DOMAIN}`] }, message('board outsider', 'stranger@remote.test'));
    assert.equal(refused.status, 'rcpt', refused.raw);
    assert.equal(refused.code, 550);
    assert.match(refused.message!, /^5\.7\.1 <board@groups-mx\.test>: you are not allowed to send to this group \(only its members may\)/);
    assert.equal(copies('dave', 'board outsider'), 0);

    const accepted = smtplibSend({ port: server.ports.smtp, from: `alice@${DOMAIN}`, to: [`board@${DOMAIN}`] }, message('board member', `alice@${DOMAIN}`));
    assert.equal(accepted.status, 'ok', accepted.raw);
    assert.equal(copies('dave', 'board member'), 1);
    assert.equal(copies('alice', 'board member'), 1);
  });
  test('submission applies the send policy too: a local non-member is refused, a member gets through', () => {
    const login = (user: string): [string, string] => [`${user}@${DOMAIN}`, 'secret-pass'];
    const refused = smtplibSend(
      { port: server.ports.submission, starttls: true, login: login('bob'), from: `bob@${DOMAIN}`, to: [`board@${DOMAIN}`] },
      message('board via submission outsider', `bob@${DOMAIN}`),
    );
    assert.equal(refused.status, 'rcpt', refused.raw);
    assert.equal(refused.code, 550);
    assert.match(refused.message!, /^5\.7\.1 <board@groups-mx\.test>: you are not allowed to send to this group/);
    const accepted = smtplibSend(
      { port: server.ports.submission, starttls: true, login: login('dave'), from: `dave@${DOMAIN}`, to: [`board@${DOMAIN}`] },
      message('board via submission member', `dave@${DOMAIN}`),
    );
    assert.equal(accepted.status, 'ok', accepted.raw);
    assert.equal(copies('alice', 'board via submission member'), 1);
    assert.equal(copies('alice', 'board via submission outsider'), 0);
  });
});
