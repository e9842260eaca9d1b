// Domain aliases on the MX with python smtplib: alice@alias.test lands once in the INBOX of
// alice@example.test, an unknown user at the alias gets 550 5.1.1, and the target's +detail and
// catch-all apply at the alias too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { petrel, petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { listMail, smtplibSend } from '../helpers/smtp-peers.ts';

const TARGET = 'domalias-target.test';
const ALIAS = 'domalias-alias.test';

function message(subject: string, to: string): Buffer {
  return Buffer.from(`From: <sender@remote.test>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@remote.test>\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\n\r\nHello, alias domain.\r\n`, 'utf8');
}

describe('domain aliases on the MX', () => {
  let server: RunningPetrel;
  const copies = (user: string, subject: string) => listMail(server, `${user}@${TARGET}`).filter((e) => e.subject === subject).length;
  const send = (to: string, subject: string) => smtplibSend({ port: server.ports.smtp, from: 'sender@remote.test', to: [to] }, message(subject, to));

  before(async () => {
    server = await startPetrel();
    petrelOk(['domain', 'add', TARGET, ...server.args]);
    for (const user of ['alice', 'bob']) petrelOk(['user', 'add', `${user}@${TARGET}`, '--password', 'secret-pass', ...server.args]);
    const out = petrelOk(['domain', 'alias-add', ALIAS, TARGET, ...server.args]);
    assert.match(out, /added alias domain domalias-alias\.test of domalias-target\.test/);
    assert.match(out, /IN\tMX\t10 /);
  });
  after(async () => {
    await server?.destroy();
  });

  test('domain list shows the alias and its target; the change is in the audit log', () => {
    const domains = JSON.parse(petrelOk(['domain', 'list', '--json', ...server.args])) as { name: string; aliasOf: string | null }[];
    assert.equal(domains.find((d) => d.name === ALIAS)?.aliasOf, TARGET);
    assert.match(petrelOk(['domain', 'list', ...server.args]), /domalias-alias\.test .*domalias-target\.test/);
    assert.match(petrelOk(['audit', 'list', ...server.args]), /domain\.alias-add/);
  });

  test('mail to alice at the alias lands once in alice\'s INBOX at the target', () => {
    const result = send(`alice@${ALIAS}`, 'alias once');
    assert.equal(result.status, 'ok', result.raw);
    assert.equal(copies('alice', 'alias once'), 1);
    assert.equal(copies('bob', 'alias once'), 0);
  });

  test('an unknown user at the alias is refused with 550 5.1.1', () => {
    const result = send(`nobody@${ALIAS}`, 'alias unknown');
    assert.equal(result.status, 'rcpt', result.raw);
    assert.equal(result.code, 550);
    assert.match(result.message!, /^5\.1\.1/);
  });

  test('+detail and the target\'s catch-all apply at the alias', () => {
    const detail = send(`alice+news@${ALIAS}`, 'alias detail');
    assert.equal(detail.status, 'ok', detail.raw);
    assert.equal(copies('alice', 'alias detail'), 1);

    petrelOk(['alias', 'add', `@${TARGET}`, `bob@${TARGET}`, ...server.args]);
    const caught = send(`nobody@${ALIAS}`, 'alias catch-all');
    assert.equal(caught.status, 'ok', caught.raw);
    assert.equal(copies('bob', 'alias catch-all'), 1);
  });

  test('the CLI refuses an alias of an alias and removing a target with aliases', () => {
    const chained = petrel(['domain', 'alias-add', 'other-alias.test', ALIAS, ...server.args]);
    assert.equal(chained.status, 1);
    assert.match(chained.stderr, /itself an alias domain/);
    const removed = petrel(['domain', 'remove', TARGET, '--force', ...server.args]);
    assert.equal(removed.status, 1);
    assert.match(removed.stderr, /is the target of alias domain\(s\) domalias-alias\.test; remove them first/);
    assert.match(petrelOk(['domain', 'alias-remove', ALIAS, ...server.args]), /removed alias domain/);
    const gone = send(`alice@${ALIAS}`, 'alias gone');
    assert.equal(gone.status, 'rcpt', gone.raw);
  });
});
