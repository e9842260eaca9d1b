// Account lockout seen from python imaplib: five wrong passwords, each from a different loopback
// address (so the per-IP delay stays short and only the per-account count can lock), lock the
// account; the right password then gets the very same NO as a wrong one; the audit log says
// `locked`; `petrel user unlock` lets the right password in again.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, startImapPetrel, type ImapPetrel } from '../helpers/imap-server.ts';
import { petrelOk } from '../helpers/petrel-process.ts';

// Binds the client to a chosen source address, which imaplib.IMAP4 has no parameter for.
const SCRIPT = String.raw`
import imaplib, json, socket, sys
host, port, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]
attempts = json.loads(sys.argv[4])
class Bound(imaplib.IMAP4):
    def __init__(self, source, *a):
        self.source = source
        super().__init__(*a)
    def _create_socket(self, timeout=None):
        return socket.create_connection((self.host, self.port), timeout, source_address=(self.source, 0))
out = []
for source, password in attempts:
    c = Bound(source, host, port, 30)
    try:
        typ, data = c.login(user, password)
        out.append(['OK', data[0].decode()])
        c.logout()
    except imaplib.IMAP4.error as e:
        out.append(['NO', str(e)])
        c.shutdown()
print(json.dumps(out))
`;

function logins(petrel: ImapPetrel, user: string, attempts: [string, string][]): [string, string][] {
  const result = spawnSync('python3', ['-c', SCRIPT, petrel.host, String(petrel.imap), user, JSON.stringify(attempts)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `python imaplib: ${result.stderr}`);
  return JSON.parse(result.stdout) as [string, string][];
}

describe('IMAP account lockout with python imaplib', () => {
  let petrel: ImapPetrel;

  before(async () => {
    petrel = await startImapPetrel({ domain: 'lockout.test', users: ['alice'] });
  });

  after(async () => {
    await petrel?.destroy();
  });

  test('five wrong passwords lock the account, the lock is not revealed, unlock lifts it', () => {
    const alice = petrel.address('alice');
    const wrong = logins(petrel, alice, [2, 3, 4, 5, 6].map((n) => [`127.0.0.${n}`, 'not-the-password']));
    assert.deepEqual(wrong.map(([status]) => status), ['NO', 'NO', 'NO', 'NO', 'NO']);

    const [[status, text]] = logins(petrel, alice, [['127.0.0.7', PASSWORD]]);
    assert.equal(status, 'NO', 'the right password is refused while locked');
    assert.equal(text, wrong[0][1], 'the client sees the same failure as for a wrong password');
    assert.doesNotMatch(text, /lock/i);

    const audit = JSON.parse(petrelOk(['audit', 'list', '--action', 'login.failure', '--json', ...petrel.server.args])) as { actor: string; details: { reason?: string } }[];
    assert.equal(audit[0].actor, alice);
    assert.equal(audit[0].details.reason, 'locked');

    assert.match(petrelOk(['user', 'unlock', alice, ...petrel.server.args]), /unlocked/);
    const [[again]] = logins(petrel, alice, [['127.0.0.8', PASSWORD]]);
    assert.equal(again, 'OK', 'unlocked: the right password works');
    const unlock = JSON.parse(petrelOk(['audit', 'list', '--action', 'user.unlock', '--json', ...petrel.server.args])) as { target: string }[];
    assert.equal(unlock[0].target, alice);
  });
});
