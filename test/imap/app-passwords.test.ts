// App passwords over real sockets. A user with TOTP on cannot log in with the main password over
// IMAP (python imaplib) or SMTP submission (python smtplib); an app password limited to imap works
// on IMAP and is refused on submission; one limited to smtp sends mail. `petrel app-password add`
// prints the secret once; `list` never shows it again.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { Secret, TOTP } from 'otpauth';

import { confirmTotp, enrolTotp } from '../../src/directory/totp.ts';
import { findUser } from '../../src/directory/users.ts';
import { openStore } from '../../src/store/database.ts';
import { PASSWORD, simpleMessage, startImapPetrel, type ImapPetrel } from '../helpers/imap-server.ts';
import { petrel as runPetrel, petrelOk } from '../helpers/petrel-process.ts';
import { smtplibSend } from '../helpers/smtp-peers.ts';

const IMAP_LOGIN = String.raw`
import imaplib, json, sys
host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = imaplib.IMAP4(host, port, 30)
try:
    c.login(user, password)
    typ, data = c.select('INBOX')
    print(json.dumps(['OK', typ]))
    c.logout()
except imaplib.IMAP4.error as e:
    print(json.dumps(['NO', str(e)]))
    c.shutdown()
`;

function imapLogin(petrel: ImapPetrel, user: string, password: string): [string, string] {
  const result = spawnSync('python3', ['-c', IMAP_LOGIN, petrel.host, String(petrel.imap), user, password], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `python imaplib: ${result.stderr}`);
  return JSON.parse(result.stdout) as [string, string];
}

interface AppPasswordJson {
  id: number;
  name: string;
  protocols: string[];
  password?: string;
}

describe('app passwords with python imaplib and smtplib', () => {
  let petrel: ImapPetrel;
  let kim: string;
  const submit = (password: string, subject: string) =>
    smtplibSend({ port: petrel.server.ports.submissions, ssl: true, login: [kim, password], from: kim, to: [petrel.address('lee')] }, simpleMessage({ subject, from: kim, to: petrel.address('lee') }));
  const lastFailure = () => (JSON.parse(petrelOk(['audit', 'list', '--action', 'login.failure', '--limit', '1', '--json', ...petrel.server.args])) as { details: { reason?: string } }[])[0];

  before(async () => {
    petrel = await startImapPetrel({ domain: 'apppw.test', users: ['kim', 'lee'] });
    kim = petrel.address('kim');
  });

  after(async () => {
    await petrel?.destroy();
  });

  test('app-password add prints the secret once; list shows it without the secret', () => {
    const added = runPetrel(['app-password', 'add', petrel.address('lee'), '--protocols', 'imap,smtp', '--name', 'phone', ...petrel.server.args]);
    assert.equal(added.status, 0, added.stderr);
    const secret = added.stdout.trim();
    assert.match(secret, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/, 'stdout is the secret alone, for scripts');
    assert.match(added.stderr, /not shown again/);
    const listed = petrelOk(['app-password', 'list', petrel.address('lee'), '--json', ...petrel.server.args]);
    assert.ok(!listed.includes(secret), 'the list never shows the secret');
    const [entry] = JSON.parse(listed) as AppPasswordJson[];
    assert.deepEqual({ name: entry.name, protocols: entry.protocols, password: entry.password }, { name: 'phone', protocols: ['imap', 'smtp'], password: undefined });
    assert.deepEqual(imapLogin(petrel, petrel.address('lee'), secret), ['OK', 'OK'], 'and it works');
    assert.match(petrelOk(['app-password', 'revoke', petrel.address('lee'), String(entry.id), ...petrel.server.args]), /revoked/);
    assert.equal(imapLogin(petrel, petrel.address('lee'), secret)[0], 'NO', 'revoked at once');
  });

  test('with TOTP on, the main password is refused on IMAP and submission; app passwords work only where allowed', async () => {
    assert.deepEqual(imapLogin(petrel, kim, PASSWORD), ['OK', 'OK'], 'before 2FA the main password works');

    // The user turns TOTP on (self-service), here straight on the store the server uses.
    const store = await openStore({ dataDir: petrel.server.dataDir, database: 'sqlite' });
    try {
      const principal = await findUser(store.db, kim);
      const { secret } = await enrolTotp(store.db, principal);
      await confirmTotp(store.db, principal.id, new TOTP({ secret: Secret.fromBase32(secret) }).generate());
    } finally {
      await store.close();
    }

    assert.equal(imapLogin(petrel, kim, PASSWORD)[0], 'NO');
    assert.equal(lastFailure().details.reason, 'app password required');
    const refused = submit(PASSWORD, 'main password after 2FA');
    assert.equal(refused.code, 535, refused.raw);

    const imapOnly = JSON.parse(petrelOk(['app-password', 'add', kim, '--protocols', 'imap', '--name', 'mail app', '--json', ...petrel.server.args])) as AppPasswordJson;
    assert.deepEqual(imapLogin(petrel, kim, imapOnly.password!), ['OK', 'OK']);
    const wrongProtocol = submit(imapOnly.password!, 'imap app password on smtp');
    assert.equal(wrongProtocol.code, 535, wrongProtocol.raw);
    assert.equal(lastFailure().details.reason, 'app password not allowed for this protocol');

    const smtpOnly = JSON.parse(petrelOk(['app-password', 'add', kim, '--protocols', 'smtp', '--json', ...petrel.server.args])) as AppPasswordJson;
    const sent = submit(smtpOnly.password!, 'sent with an app password');
    assert.equal(sent.status, 'ok', sent.raw);
    assert.equal(imapLogin(petrel, kim, smtpOnly.password!)[0], 'NO', 'the smtp one does not open IMAP');
  });
});
