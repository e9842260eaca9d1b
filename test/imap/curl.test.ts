// curl's IMAP client (imap://, imaps://, and imap:// with --ssl-reqd for STARTTLS) against Petrel:
// list, fetch by UID (bytes identical to what SMTP accepted), search, upload with -T (APPEND).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { listEntries } from '../helpers/imap-fetch.ts';
import { assertSameBytes, deliver, PASSWORD, simpleMessage, startImapPetrel, storedMessage, type ImapPetrel } from '../helpers/imap-server.ts';
import { assertStoredSuffix, listMail } from '../helpers/smtp-peers.ts';

const DOMAIN = 'curl.test';
const USER = `kim@${DOMAIN}`;

interface CurlResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

function curl(args: string[]): CurlResult {
  const result = spawnSync('curl', ['--silent', '--show-error', '--max-time', '60', '--user', `${USER}:${PASSWORD}`, ...args], { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status ?? -1, stdout: result.stdout ?? Buffer.alloc(0), stderr: result.stderr?.toString() ?? '' };
}

function ok(result: CurlResult, what: string): Buffer {
  assert.equal(result.status, 0, `${what}: curl exited ${result.status}: ${result.stderr}\n${result.stdout.toString('latin1').slice(0, 2000)}`);
  return result.stdout;
}

describe('IMAP with curl', () => {
  let petrel: ImapPetrel;
  let work: string;
  const sent = new Map<string, Buffer>();
  const uidOf = new Map<string, number>();
  const base = () => `imap://127.0.0.1:${petrel.imap}`;
  const secure = () => `imaps://127.0.0.1:${petrel.imaps}`;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'petrel-curl-'));
    petrel = await startImapPetrel({ domain: DOMAIN, users: ['kim'] });
    const messages = [
      simpleMessage({ subject: 'curl plain', to: USER, body: 'plain body\r\n.leading dot\r\n' }),
      simpleMessage({ subject: 'curl needle', to: USER, headers: ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], body: `find the needle — Grüße\r\n${'z'.repeat(900)}\r\n` }),
    ];
    for (const data of messages) {
      deliver(petrel, USER, data, { mailOptions: ['BODY=8BITMIME'] });
      sent.set(/Subject: (.*)\r\n/.exec(data.toString('utf8'))![1], data);
    }
    for (const entry of listMail(petrel.server, USER)) uidOf.set(entry.subject, entry.uid);
  });

  after(async () => {
    await petrel?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('lists mailboxes over imap://, imaps:// and STARTTLS', () => {
    for (const [what, args] of [
      ['imap://', [`${base()}/`]],
      ['imaps://', ['--insecure', `${secure()}/`]],
      ['STARTTLS', ['--ssl-reqd', '--insecure', `${base()}/`]],
    ] as const) {
      const names = listEntries(ok(curl([...args]), what).toString('latin1')).map((e) => e.name);
      for (const name of ['INBOX', 'Drafts', 'Sent', 'Trash', 'Junk', 'Archive']) assert.ok(names.includes(name), `${what}: ${name} listed: ${names.join(', ')}`);
    }
  });

  test('fetches a message by UID byte-identical, and a section', () => {
    for (const [subject, data] of sent) {
      const uid = uidOf.get(subject)!;
      for (const url of [`${base()}/INBOX/;UID=${uid}`, `${secure()}/INBOX/;UID=${uid}`]) {
        const body = ok(curl(['--insecure', url]), `fetch ${url}`);
        assertStoredSuffix(body, data, `curl ${url}`);
        assertSameBytes(body, storedMessage(petrel, USER, uid), `curl ${url} vs mail show`);
      }
    }
    const uid = uidOf.get('curl plain')!;
    const text = ok(curl([`${base()}/INBOX/;UID=${uid}/;SECTION=TEXT`]), 'fetch SECTION=TEXT');
    assert.equal(text.toString('latin1'), 'plain body\r\n.leading dot\r\n');
  });

  test('searches with a URL query and runs a custom command', () => {
    const search = ok(curl([`${base()}/INBOX?SUBJECT%20needle`]), 'search').toString('latin1');
    assert.match(search, new RegExp(`^\\* SEARCH ${uidOf.get('curl needle')}\\r?$`, 'm'), search);
    const status = ok(curl(['--request', 'STATUS INBOX (MESSAGES UNSEEN)', `${base()}/`]), 'custom STATUS').toString('latin1');
    assert.match(status, /^\* STATUS "?INBOX"? \(MESSAGES \d+ UNSEEN \d+\)\r?$/m, status);
    const examine = ok(curl(['--request', 'EXAMINE INBOX', `${base()}/`]), 'custom EXAMINE').toString('latin1');
    assert.match(examine, /^\* \d+ EXISTS\r?$/m, examine);
  });

  test('uploads a message with -T (APPEND); it is stored byte for byte', () => {
    const upload = simpleMessage({ subject: 'curl upload', to: USER, body: 'uploaded by curl\r\n..two dots\r\nGrüße\r\n' });
    const file = join(work, 'upload.eml');
    writeFileSync(file, upload);
    ok(curl(['--upload-file', file, `${base()}/Drafts`]), 'upload over imap://');
    ok(curl(['--insecure', '--upload-file', file, `${secure()}/Drafts`]), 'upload over imaps://');
    const drafts = listMail(petrel.server, USER, 'Drafts');
    assert.equal(drafts.length, 2, JSON.stringify(drafts));
    for (const entry of drafts) {
      assert.equal(entry.subject, 'curl upload');
      assertSameBytes(storedMessage(petrel, USER, entry.uid, 'Drafts'), upload, 'the uploaded message as stored');
      const fetched = ok(curl([`${base()}/Drafts/;UID=${entry.uid}`]), 'fetch the upload');
      assertSameBytes(fetched, upload, 'the uploaded message fetched back');
    }
  });

  test('a wrong password is refused (curl exit 67: login denied)', () => {
    const result = spawnSync('curl', ['--silent', '--max-time', '60', '--user', `${USER}:wrong-password`, `${base()}/`], { timeout: 90_000 });
    assert.equal(result.status, 67, `curl exit status ${result.status}: ${result.stderr?.toString()}`);
  });
});
