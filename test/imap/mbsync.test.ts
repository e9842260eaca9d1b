// mbsync (isync, from Debian) against Petrel: a 1,000-message account synced to a local Maildir
// both ways with flags. The first run pulls everything (bytes identical to the server's, which
// for SMTP mail are the bytes SMTP accepted), the second has nothing to do, and after a change on
// each side the third carries both across.
//
// What mbsync itself does to messages, and the comparison undoes: Maildir files have LF line
// ends (CRLF on the wire), and mbsync 1.4 inserts an `X-TUID:` header into every message it
// copies, in both directions.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { statusItems } from '../helpers/imap-fetch.ts';
import { bytesOf, imapPython, pyParams } from '../helpers/imap-python.ts';
import { assertSameBytes, deliver, PASSWORD, simpleMessage, startImapPetrel, type ImapPetrel } from '../helpers/imap-server.ts';
import { assertStoredSuffix } from '../helpers/smtp-peers.ts';

const DOMAIN = 'sync.test';
const USER = `max@${DOMAIN}`;
const TOTAL = 1000;
const BY_SMTP = 5;

/** Appends `count` generated messages with LITERAL+ in pipelined batches; flags follow the index. */
const LOADER = String.raw`
def make(i):
    h = hashlib.sha256(b'%d' % i).hexdigest()
    lines = ['line %d of message %d %s' % (j, i, h[j % 40:]) for j in range(5 + i % 40)]
    if i % 10 == 0:
        lines.append('L' * 990)
    if i % 17 == 0:
        lines.append('Grüße aus Köln — %d' % i)
    if i % 23 == 0:
        lines.append('.a line starting with a dot')
    head = 'From: Bulk Sender <bulk%d@remote.test>\r\nTo: %s\r\nSubject: bulk message %d\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <bulk-%d@sync.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' % (i, P['user'], i, i)
    return (head + '\r\n'.join(lines) + '\r\n').encode('utf-8')

def flags(i):
    f = []
    if i % 7 == 0: f.append('\\Seen')
    if i % 11 == 0: f.append('\\Flagged')
    if i % 13 == 0: f.append('\\Answered')
    return '(' + ' '.join(f) + ')'

def main():
    R = Raw()
    R.login()
    batch, tags = [], []
    def flush():
        if batch:
            R.sendall(b''.join(batch))
        for t in tags:
            r = R.until_tagged(t)
            assert r['tagged'] and r['tagged'].split(' ')[1] == 'OK', r
        batch.clear()
        tags.clear()
    for i in range(P['count']):
        msg = make(i)
        date = time.strftime('%d-%b-%Y %H:%M:%S +0000', time.gmtime(1704067200 + i * 3600))
        t = 'A%d' % i
        batch.append(t.encode() + b' APPEND INBOX ' + flags(i).encode() + b' "' + date.encode() + b'" {%d+}\r\n' % len(msg) + msg + b'\r\n')
        tags.append(t)
        if len(tags) == 50:
            flush()
    flush()
    out['status'] = R.cmd('STATUS INBOX (MESSAGES)')
`;

/** Every message on the server: UID → { flags, body }, plus STATUS. */
const SNAPSHOT = String.raw`
def main():
    M = login(connect())
    M.select('INBOX', readonly=True)
    typ, data = M.uid('FETCH', '1:*', '(UID FLAGS BODY.PEEK[])')
    assert typ == 'OK', data
    msgs = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        head = L(item[0])
        uid = int(re.search(r'UID (\d+)', head).group(1))
        fl = re.search(r'FLAGS \(([^)]*)\)', head)
        msgs[uid] = {'flags': fl.group(1).split() if fl else None, 'body': L(item[1])}
    out['messages'] = msgs
    out['status'] = step('status', M, M.status, 'INBOX', '(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)')['got']
`;

interface ServerMessage {
  flags: string[] | null;
  body: string;
}

interface LocalMessage {
  path: string;
  name: string;
  /** The server UID, from mbsync's state file (the `,U=` in the name is the Maildir's own UID). */
  uid: number | null;
  flags: string;
}

const FLAG_LETTERS: Record<string, string> = { '\\Draft': 'D', '\\Flagged': 'F', '\\Answered': 'R', '\\Seen': 'S', '\\Deleted': 'T' };

function letters(flags: string[]): string {
  return flags
    .map((f) => FLAG_LETTERS[f])
    .filter(Boolean)
    .sort()
    .join('');
}

/** Undoes mbsync's own changes: its X-TUID header, and LF line ends. */
function normalizeLocal(data: Buffer): Buffer {
  const text = data.toString('latin1');
  const headerEnd = text.indexOf('\n\n');
  const header = text.slice(0, headerEnd + 1).replace(/^X-TUID: [^\n]*\n/m, '');
  return Buffer.from((header + text.slice(headerEnd + 1)).replace(/\r?\n/g, '\r\n'), 'latin1');
}

function stripTuid(data: Buffer): Buffer {
  const text = data.toString('latin1');
  const headerEnd = text.indexOf('\r\n\r\n');
  return Buffer.from(text.slice(0, headerEnd + 2).replace(/^X-TUID: [^\r\n]*\r\n/m, '') + text.slice(headerEnd + 2), 'latin1');
}

describe('mbsync (isync) syncing 1,000 messages both ways', () => {
  let petrel: ImapPetrel;
  let work: string;
  let maildir: string;
  const smtpSent: Buffer[] = [];

  function rc(name: string, mode: 'imaps' | 'starttls'): string {
    const file = join(work, name);
    writeFileSync(
      file,
      [
        'IMAPAccount petrel',
        'Host 127.0.0.1',
        `Port ${mode === 'imaps' ? petrel.imaps : petrel.imap}`,
        `User ${USER}`,
        `Pass ${PASSWORD}`,
        `SSLType ${mode === 'imaps' ? 'IMAPS' : 'STARTTLS'}`,
        // The exact self-signed certificate: mbsync trusts a listed certificate whatever its name.
        `CertificateFile ${petrel.certFile}`,
        '',
        'IMAPStore remote',
        'Account petrel',
        '',
        'MaildirStore local',
        `Path ${maildir}/`,
        `Inbox ${maildir}/INBOX`,
        'SubFolders Verbatim',
        '',
        'Channel sync',
        'Far :remote:',
        'Near :local:',
        'Patterns INBOX',
        'Create Both',
        'Expunge Both',
        'SyncState *',
        'Sync All',
        '',
      ].join('\n'),
    );
    return file;
  }

  /** Runs mbsync with network debugging on, so the commands it sent can be checked. */
  function mbsync(config: string): { commands: string[]; output: string } {
    const result = spawnSync('mbsync', ['-Dn', '-c', config, 'sync'], { encoding: 'latin1', timeout: 600_000, maxBuffer: 512 * 1024 * 1024 });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    const tail = output.split('\n').filter((l) => !l.startsWith('<<<') && !/^\* \d+ FETCH/.test(l)).slice(-60).join('\n');
    assert.equal(result.status, 0, `mbsync exited ${result.status} ${result.signal ?? ''}:\n${tail}`);
    assert.doesNotMatch(output, /^(Error|Warning|IMAP error|Maildir error)/im, `mbsync reported a problem:\n${tail}`);
    return { commands: output.split('\n').filter((l) => l.startsWith('>>> ')).map((l) => l.slice(4).trim()), output };
  }

  /** mbsync's `.mbsyncstate`: after a blank line, one `farUid nearUid flags` line per pair. */
  function farUids(): Map<number, number> {
    const map = new Map<number, number>();
    let text = '';
    try {
      text = readFileSync(join(maildir, 'INBOX', '.mbsyncstate'), 'latin1');
    } catch {
      return map;
    }
    for (const line of text.slice(text.indexOf('\n\n') + 2).split('\n')) {
      const m = /^(\d+) (\d+)/.exec(line);
      if (m) map.set(Number(m[2]), Number(m[1]));
    }
    return map;
  }

  function local(): LocalMessage[] {
    const found: LocalMessage[] = [];
    const far = farUids();
    for (const sub of ['cur', 'new']) {
      for (const name of readdirSync(join(maildir, 'INBOX', sub))) {
        const m = /(?:,U=(\d+))?(?::2,([A-Z]*))?$/.exec(name)!;
        found.push({ path: join(maildir, 'INBOX', sub, name), name, uid: m[1] ? (far.get(Number(m[1])) ?? null) : null, flags: m[2] ?? '' });
      }
    }
    return found;
  }

  function snapshotLocal(): string[] {
    return local()
      .map((m) => {
        const st = statSync(m.path);
        return `${m.name} ${st.size} ${st.mtimeMs}`;
      })
      .sort();
  }

  function server(): { messages: Map<number, ServerMessage>; status: Record<string, number> } {
    const out = imapPython(SNAPSHOT, pyParams(petrel, 'max'), { timeoutMs: 300_000 });
    return { messages: new Map(Object.entries(out.messages as Record<string, ServerMessage>).map(([uid, m]) => [Number(uid), m])), status: statusItems(out.status)! };
  }

  /** Every local file is its server message (modulo mbsync's changes), with the same flags. */
  function assertInSync(what: string): Map<number, ServerMessage> {
    const { messages } = server();
    const files = local();
    assert.equal(files.length, messages.size, `${what}: ${files.length} local files for ${messages.size} server messages`);
    for (const file of files) {
      assert.ok(file.uid !== null && messages.has(file.uid), `${what}: local ${file.name} maps to a server UID (${file.uid}) in .mbsyncstate`);
      const message = messages.get(file.uid)!;
      assertSameBytes(normalizeLocal(readFileSync(file.path)), stripTuid(bytesOf(message.body)), `${what}: UID ${file.uid} local vs server`);
      assert.equal(file.flags, letters(message.flags ?? []), `${what}: UID ${file.uid} flags ${JSON.stringify(message.flags)} vs local "${file.flags}"`);
    }
    return messages;
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'petrel-mbsync-'));
    maildir = join(work, 'mail');
    mkdirSync(maildir);
    petrel = await startImapPetrel({ domain: DOMAIN, users: ['max'] });
    for (let i = 0; i < BY_SMTP; i++) {
      const data = simpleMessage({ subject: `smtp message ${i}`, to: USER, body: `Sent through SMTP ${i}.\r\n.dot line\r\n${'w'.repeat(700)}\r\n` });
      deliver(petrel, USER, data);
      smtpSent.push(data);
    }
    const loaded = imapPython(LOADER, pyParams(petrel, 'max', { count: TOTAL - BY_SMTP }), { timeoutMs: 600_000 });
    assert.equal(statusItems(loaded.status.got)?.MESSAGES, TOTAL, loaded.status.got);
  });

  after(async () => {
    await petrel?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('first sync (STARTTLS) pulls all 1,000 messages byte-identical with their flags', () => {
    const { commands } = mbsync(rc('first.rc', 'starttls'));
    assert.ok(commands.some((c) => /^\d+ STARTTLS$/.test(c)), `mbsync used STARTTLS: ${commands.slice(0, 6).join(' | ')}`);
    const messages = assertInSync('after the first sync');
    assert.equal(messages.size, TOTAL);
    // The SMTP messages are the bytes SMTP accepted, behind our trace fields.
    const bodies = [...messages.values()].map((m) => bytesOf(m.body));
    for (const [i, data] of smtpSent.entries()) {
      const match = bodies.find((b) => b.includes(Buffer.from(`Subject: smtp message ${i}\r\n`)));
      assert.ok(match, `smtp message ${i} on the server`);
      assertStoredSuffix(match, data, `smtp message ${i}`);
    }
    const flagged = [...messages.values()].filter((m) => m.flags?.includes('\\Flagged')).length;
    assert.equal(flagged, Math.ceil((TOTAL - BY_SMTP) / 11), 'flags survived the APPENDs');
  });

  test('second sync (IMAPS) has nothing to do', () => {
    const before = snapshotLocal();
    const statusBefore = server().status;
    const { commands } = mbsync(rc('second.rc', 'imaps'));
    const changing = commands.filter((c) => /^\d+ (UID )?(APPEND|STORE|EXPUNGE|COPY|MOVE)\b/.test(c) || /BODY(\.PEEK)?\[\]/.test(c));
    assert.deepEqual(changing, [], `the second run fetched or changed nothing:\n${commands.join('\n')}`);
    assert.deepEqual(snapshotLocal(), before, 'no local file was touched');
    assert.deepEqual(server().status, statusBefore, 'the server mailbox did not change (MESSAGES, UIDNEXT, HIGHESTMODSEQ)');
  });

  test('a change on each side: the third sync carries both across; a fourth has nothing to do', () => {
    const files = local().sort((a, b) => a.uid! - b.uid!);
    // Local: flag one message, delete another, add a new one.
    const toFlag = files[100];
    const toDelete = files[200];
    const newFlags = [...new Set(`${toFlag.flags}F`)].sort().join('');
    renameSync(toFlag.path, toFlag.path.replace(/:2,[A-Z]*$/, '') + `:2,${newFlags}`);
    unlinkSync(toDelete.path);
    const localNew = 'From: Local Writer <local@sync.test>\nTo: max@sync.test\nSubject: written locally\nMessage-ID: <local-new@sync.test>\nDate: Tue, 02 Jan 2024 00:00:00 +0000\n\nfrom the Maildir side\n.dot\n';
    writeFileSync(join(maildir, 'INBOX', 'new', `1700000000.local-new.host`), localNew);
    // Server: flag another message, append a new one.
    const serverFlagUid = files[300].uid!;
    const change = imapPython(
      String.raw`
def main():
    M = login(connect())
    M.select('INBOX')
    step('store', M, M.uid, 'STORE', str(P['flagUid']), '+FLAGS', '(\\Flagged \\Answered)')
    step('append', M, M.append, 'INBOX', '(\\Seen)', None, b'From: Server Side <server@remote.test>\r\nSubject: appended on the server\r\nMessage-ID: <server-new@sync.test>\r\n\r\nfrom the IMAP side\r\n')
`,
      pyParams(petrel, 'max', { flagUid: serverFlagUid }),
    );
    assert.equal(change.store.typ, 'OK', change.store.got);
    assert.equal(change.append.typ, 'OK', change.append.got);

    mbsync(rc('third.rc', 'imaps'));
    const messages = assertInSync('after the third sync');
    assert.equal(messages.size, TOTAL + 1, 'one deleted, one added on each side');
    assert.ok(messages.get(toFlag.uid!)?.flags?.includes('\\Flagged'), 'the local flag reached the server');
    assert.ok(!messages.has(toDelete.uid!), 'the local deletion reached the server');
    const expectedFlags = new Set([...files[300].flags].map((l) => Object.entries(FLAG_LETTERS).find(([, v]) => v === l)![0]).concat(['\\Answered', '\\Flagged']));
    assert.deepEqual(messages.get(serverFlagUid)?.flags?.sort(), [...expectedFlags].sort(), 'the server-side flags, and the local file follows (checked by assertInSync)');
    const uploaded = [...messages.values()].find((m) => m.body.includes('Subject: written locally'));
    assert.ok(uploaded, 'the local message was uploaded');
    assertSameBytes(stripTuid(bytesOf(uploaded.body)), Buffer.from(localNew.replace(/\n/g, '\r\n'), 'latin1'), 'the uploaded message on the server');
    assert.ok(local().some((f) => readFileSync(f.path, 'latin1').includes('Subject: appended on the server')), 'the server message was pulled');

    const before = snapshotLocal();
    const { commands } = mbsync(rc('fourth.rc', 'imaps'));
    const changing = commands.filter((c) => /^\d+ (UID )?(APPEND|STORE|EXPUNGE|COPY|MOVE)\b/.test(c) || /BODY(\.PEEK)?\[\]/.test(c));
    assert.deepEqual(changing, [], `the fourth run fetched or changed nothing:\n${commands.join('\n')}`);
    assert.deepEqual(snapshotLocal(), before, 'no local file was touched by the fourth run');
  });
});
