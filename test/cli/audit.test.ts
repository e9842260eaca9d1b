// `petrel audit list|export` end to end: admin actions through the CLI and logins to a real
// server by python3 imaplib (a client we did not write) all show up with who, what, when and
// from where; filters narrow them; both export formats parse.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import type { AuditRecord } from '../../src/directory/audit.ts';
import { freePort } from '../helpers/free-port.ts';
import { petrel, petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';

const DOMAIN = 'audit-cli.test';
const PASSWORD = 'audit-secret-pass';

/** Two LOGINs over plain IMAP on loopback: a wrong password, then the right one. */
const IMAPLIB = String.raw`
import imaplib, json, sys
host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
out = {}
M = imaplib.IMAP4(host, port)
try:
    M.login(user, 'not-the-password')
    out['wrong'] = 'OK'
except imaplib.IMAP4.error as e:
    out['wrong'] = 'NO'
typ, _ = M.login(user, password)
out['right'] = typ
M.logout()
print(json.dumps(out))
`;

/** RFC 4180 rows (quoted fields with doubled quotes, CRLF line ends), enough for our export. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += c;
  }
  assert.equal(field + row.join(''), '', 'the CSV ends with CRLF');
  return rows;
}

describe('petrel audit', () => {
  let server: RunningPetrel;
  let imapPort: number;

  before(async () => {
    imapPort = await freePort();
    server = await startPetrel({ extraArgs: ['--imap-port', String(imapPort)] });
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    petrelOk(['user', 'add', `alice@${DOMAIN}`, '--password', PASSWORD, ...server.args]);
    petrelOk(['user', 'quota', `alice@${DOMAIN}`, '1G', ...server.args]);
    const py = spawnSync('python3', ['-c', IMAPLIB, '127.0.0.1', String(imapPort), `alice@${DOMAIN}`, PASSWORD], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(py.status, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), { wrong: 'NO', right: 'OK' });
  });

  after(async () => {
    await server?.destroy();
  });

  const list = (...args: string[]): AuditRecord[] => JSON.parse(petrelOk(['audit', 'list', '--json', ...args, ...server.args])) as AuditRecord[];

  test('admin actions and IMAP logins are listed newest first with protocol and remote address', () => {
    const records = list();
    const actions = records.map((r) => r.action);
    assert.deepEqual(actions, ['login.success', 'login.failure', 'user.quota', 'user.add', 'domain.add']);
    const times = records.map((r) => Date.parse(r.at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');

    const [success, failure, quota, add, domain] = records;
    for (const login of [success, failure]) {
      assert.equal(login.protocol, 'imap');
      assert.match(login.remoteAddress ?? '', /^(::ffff:)?127\.0\.0\.1$/);
      assert.equal(login.target, `alice@${DOMAIN}`);
      assert.equal(login.actor, `alice@${DOMAIN}`);
      assert.equal(typeof login.tenantId, 'number');
    }
    assert.deepEqual(failure.details, { reason: 'wrong password' });
    assert.ok(!JSON.stringify(records).includes('not-the-password') && !JSON.stringify(records).includes(PASSWORD), 'no password is logged');

    assert.match(add.actor, /^cli:.+/);
    assert.equal(add.protocol, 'cli');
    assert.equal(add.target, `alice@${DOMAIN}`);
    assert.deepEqual(quota.details, { quotaBytes: 1024 ** 3 });
    assert.equal(domain.target, DOMAIN);

    const table = petrelOk(['audit', 'list', ...server.args]);
    assert.match(table, /login\.failure\s+alice@audit-cli\.test\s+imap /);
  });

  test('filters: action, actor, time range, limit; a bad date is a one-line error', () => {
    assert.deepEqual(list('--action', 'login.failure').map((r) => r.action), ['login.failure']);
    const cli = list('--actor', list('--action', 'user.add')[0].actor).map((r) => r.action);
    assert.deepEqual(cli, ['user.quota', 'user.add', 'domain.add']);
    assert.deepEqual(list('--limit', '2').map((r) => r.action), ['login.success', 'login.failure']);
    assert.deepEqual(list('--since', '2999-01-01'), []);
    assert.deepEqual(list('--until', '2000-01-01'), []);
    const newest = list('--limit', '1')[0];
    assert.deepEqual(list('--since', newest.at).map((r) => r.id), [newest.id]);
    assert.equal(list('--since', '2000-01-01', '--until', '2999-01-01').length, 5);

    const bad = petrel(['audit', 'list', '--since', 'last tuesday', ...server.args]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^petrel: since: not a date or time/);
  });

  test('export as JSON lines and as CSV, with the same filters', () => {
    const jsonl = petrelOk(['audit', 'export', ...server.args]);
    const lines = jsonl.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    assert.deepEqual(lines, list());

    const csv = parseCsv(petrelOk(['audit', 'export', '--format', 'csv', '--action', 'login.failure', ...server.args]));
    assert.deepEqual(csv[0], ['id', 'at', 'tenant_id', 'actor', 'action', 'target', 'remote_address', 'protocol', 'details']);
    assert.equal(csv.length, 2);
    const row = Object.fromEntries(csv[0].map((h, i) => [h, csv[1][i]]));
    assert.equal(row.action, 'login.failure');
    assert.equal(row.protocol, 'imap');
    assert.match(row.remote_address, /127\.0\.0\.1$/);
    assert.deepEqual(JSON.parse(row.details), { reason: 'wrong password' });

    const wrong = petrel(['audit', 'export', '--format', 'xml', ...server.args]);
    assert.notEqual(wrong.status, 0);
  });
  test('group changes are recorded with what changed', () => {
    petrelOk(['group', 'add', `team@${DOMAIN}`, '--member', `alice@${DOMAIN}`, ...server.args]);
    petrelOk(['group', 'policy', `team@${DOMAIN}`, 'members', ...server.args]);
    petrelOk(['group', 'remove', `team@${DOMAIN}`, ...server.args]);
    const groupRecords = list('--limit', '10').filter((r) => r.action.startsWith('group.'));
    assert.deepEqual(
      groupRecords.map((r) => [r.action, r.target]),
      [
        ['group.remove', `team@${DOMAIN}`],
        ['group.policy', `team@${DOMAIN}`],
        ['group.add', `team@${DOMAIN}`],
      ],
    );
  });
});
