// A tenant's storage limit (its plan's max storage) at delivery, over real SMTP with python
// smtplib: once the tenant's accounts together would go past it, mail to any of them is refused
// with 452 4.2.2 like a full mailbox, nothing is stored or charged, other tenants are unaffected,
// and raising the limit lets mail in again at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { listMail, smtplibSend } from '../helpers/smtp-peers.ts';

const CAPPED = 'capped-storage.test';
const FREE = 'free-storage.test';

function message(to: string, subject: string): Buffer {
  return Buffer.from(
    `From: <sender@remote.test>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@remote.test>\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\n\r\n${'storage '.repeat(150)}\r\n`,
    'utf8',
  );
}

describe('tenant storage limit on the MX', () => {
  let server: RunningPetrel;
  const cli = (args: string[]) => petrelOk([...args, ...server.args]);
  const tenantUsed = () => (JSON.parse(cli(['quota', 'show', '--tenant', 'acme', '--json'])) as { usedBytes: number; maxStorageBytes: number });
  const send = (to: string, subject: string) => smtplibSend({ port: server.ports.smtp, from: 'sender@remote.test', to: [to] }, message(to, subject));
  const subjects = (address: string) => listMail(server, address).map((e) => e.subject);

  before(async () => {
    server = await startPetrel();
    cli(['tenant', 'add', 'acme']);
    cli(['domain', 'add', CAPPED, '--tenant', 'acme']);
    cli(['domain', 'add', FREE]);
    for (const address of [`a@${CAPPED}`, `b@${CAPPED}`, `c@${FREE}`]) cli(['user', 'add', address, '--password', 'secret-pass-123']);
  });
  after(async () => {
    await server?.destroy();
  });

  test('within the limit mail is stored; past it every account of the tenant refuses with 452 4.2.2', () => {
    for (const [to, subject] of [[`a@${CAPPED}`, 'first'], [`b@${CAPPED}`, 'second']]) {
      const result = send(to, subject);
      assert.equal(result.status, 'ok', result.raw);
    }
    const used = tenantUsed().usedBytes;
    assert.ok(used > 2 * 1200, `both messages are charged (${used})`);
    // Room for less than one more message in the whole tenant, though neither account has a quota.
    cli(['tenant', 'set', 'acme', '--max-storage', String(used + 200)]);
    assert.equal(tenantUsed().maxStorageBytes, used + 200);
    for (const to of [`a@${CAPPED}`, `b@${CAPPED}`]) {
      const refused = send(to, `over the limit for ${to}`);
      assert.equal(refused.status, 'error', refused.raw);
      assert.equal(refused.code, 452);
      assert.match(refused.message!, /^4\.2\.2 /);
    }
    assert.deepEqual(subjects(`a@${CAPPED}`), ['first']);
    assert.deepEqual(subjects(`b@${CAPPED}`), ['second']);
    assert.equal(tenantUsed().usedBytes, used, 'a refused message is not charged');
  });

  test('another tenant is not limited by it', () => {
    const result = send(`c@${FREE}`, 'free tenant');
    assert.equal(result.status, 'ok', result.raw);
    assert.deepEqual(subjects(`c@${FREE}`), ['free tenant']);
  });

  test('a domain\'s default quota applies to users added from the CLI without --quota', () => {
    cli(['quota', 'domain-default', CAPPED, '10M']);
    cli(['user', 'add', `d@${CAPPED}`, '--password', 'secret-pass-123']);
    cli(['user', 'add', `e@${CAPPED}`, '--password', 'secret-pass-123', '--quota', '0']);
    const quota = (address: string) => (JSON.parse(cli(['quota', 'show', address, '--json'])) as { quotaBytes: number }).quotaBytes;
    assert.equal(quota(`d@${CAPPED}`), 10 * 1024 * 1024);
    assert.equal(quota(`e@${CAPPED}`), 0);
  });

  test('raising the limit takes effect without a restart', () => {
    cli(['tenant', 'set', 'acme', '--max-storage', '0']);
    const result = send(`b@${CAPPED}`, 'after raising');
    assert.equal(result.status, 'ok', result.raw);
    assert.deepEqual(subjects(`b@${CAPPED}`), ['second', 'after raising']);
  });
});
