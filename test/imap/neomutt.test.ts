// neomutt against Petrel over IMAPS, driven without a person: it runs on a pseudo-terminal that
// python's pty module provides, and its keystrokes come from `-e 'push ...'`. It moves messages to
// another mailbox, flags one, marks one read, deletes one, and pipes one out raw, which must be
// the bytes SMTP accepted (neomutt keeps messages with LF line ends; the comparison allows that).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { imapPython, pyParams } from '../helpers/imap-python.ts';
import { assertSameBytes, deliver, PASSWORD, simpleMessage, startImapPetrel, storedMessage, type ImapPetrel } from '../helpers/imap-server.ts';
import { assertStoredSuffix, listMail } from '../helpers/smtp-peers.ts';

const DOMAIN = 'mutt.test';
const USER = `nora@${DOMAIN}`;

/** Runs argv on a pseudo-terminal until it exits (killed after 90 s); prints what it drew. */
const PTY_DRIVER = String.raw`
import os, pty, select, struct, sys, time, fcntl, termios
args = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.environ['TERM'] = 'xterm'
    os.execvp(args[0], args)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 50, 200, 0, 0))
out = b''
deadline = time.time() + 90
status = None
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            d = os.read(fd, 65536)
        except OSError:
            d = b''
        out += d
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = os.waitstatus_to_exitcode(st)
        break
if status is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    out += b'\n[driver: killed after 90 s]'
sys.stdout.buffer.write(out)
sys.exit(0 if status == 0 else 1)
`;

describe('IMAP with neomutt on a pseudo-terminal', () => {
  let petrel: ImapPetrel;
  let work: string;
  let sent: Buffer;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'petrel-neomutt-'));
    petrel = await startImapPetrel({ domain: DOMAIN, users: ['nora'] });
    sent = simpleMessage({
      subject: 'neomutt pipe',
      to: USER,
      headers: ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'],
      body: `Grüße from SMTP\r\n.a dot line\r\n${'q'.repeat(900)}\r\n`,
    });
    deliver(petrel, USER, sent, { mailOptions: ['BODY=8BITMIME'] });
    const seeded = imapPython(
      String.raw`
def main():
    M = login(connect())
    for s in ['neomutt move one', 'neomutt move two', 'neomutt flag', 'neomutt read', 'neomutt delete', 'neomutt keep']:
        typ, data = M.append('INBOX', None, None, ('From: Seed <seed@remote.test>\r\nSubject: %s\r\nMessage-ID: <%s@remote.test>\r\n\r\nbody of %s\r\n' % (s, s.replace(' ', '-'), s)).encode())
        assert typ == 'OK', data
    out['ok'] = True
`,
      pyParams(petrel, 'nora'),
    );
    assert.equal(seeded.ok, true);
  });

  after(async () => {
    await petrel?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('moves, flags, marks read, deletes and pipes out a message; the server agrees', () => {
    const piped = join(work, 'piped.eml');
    const muttrc = join(work, 'muttrc');
    writeFileSync(
      muttrc,
      [
        `set imap_user = "${USER}"`,
        `set imap_pass = "${PASSWORD}"`,
        `set folder = "imaps://127.0.0.1:${petrel.imaps}/"`,
        'set spoolfile = "+INBOX"',
        // The server's own self-signed certificate, trusted as such (no prompt to accept it).
        `set certificate_file = "${petrel.certFile}"`,
        'set ssl_verify_host = no',
        'set header_cache = ""',
        'set message_cachedir = ""',
        'set confirmappend = no',
        'set delete = yes',
        'set quit = yes',
        'set move = no',
        'set wait_key = no',
        'set mark_old = no',
        'set pipe_decode = no',
        'set beep = no',
        'set sort = date',
        '',
      ].join('\n'),
    );
    const keys = [
      '<tag-pattern>~s "neomutt move"<enter><tag-prefix><save-message><kill-line>=Archive<enter>',
      '<untag-pattern>~A<enter><tag-pattern>~s "neomutt flag"<enter><tag-prefix><flag-message>',
      '<untag-pattern>~A<enter><tag-pattern>~s "neomutt read"<enter><tag-prefix><clear-flag>N',
      '<untag-pattern>~A<enter><tag-pattern>~s "neomutt delete"<enter><tag-prefix><delete-message>',
      `<untag-pattern>~A<enter><tag-pattern>~s "neomutt pipe"<enter><tag-prefix><pipe-message>cat > ${piped}<enter>`,
      '<sync-mailbox><quit>',
    ].join('');
    const run = spawnSync('python3', ['-c', PTY_DRIVER, 'neomutt', '-n', '-F', muttrc, '-f', `imaps://127.0.0.1:${petrel.imaps}/INBOX`, '-e', `push '${keys}'`], {
      env: { ...process.env, HOME: work },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const screen = (run.stdout?.toString('latin1') ?? '').replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]/g, ' ');
    assert.equal(run.status, 0, `neomutt did not finish cleanly:\n${screen.slice(-3000)}\n${run.stderr?.toString()}`);

    const inbox = listMail(petrel.server, USER).map((e) => e.subject).sort();
    assert.deepEqual(inbox, ['neomutt flag', 'neomutt keep', 'neomutt pipe', 'neomutt read'], `INBOX after neomutt\n${screen.slice(-2000)}`);
    const archive = listMail(petrel.server, USER, 'Archive').map((e) => e.subject).sort();
    assert.deepEqual(archive, ['neomutt move one', 'neomutt move two']);
    const flags = new Map(listMail(petrel.server, USER).map((e) => [e.subject, e.flags]));
    assert.ok(flags.get('neomutt flag')?.includes('\\Flagged'), `flagged: ${JSON.stringify(flags.get('neomutt flag'))}`);
    assert.ok(flags.get('neomutt read')?.includes('\\Seen'), `read: ${JSON.stringify(flags.get('neomutt read'))}`);
    assert.ok(!flags.get('neomutt keep')?.includes('\\Seen'), 'an untouched message stays unseen');

    assert.ok(existsSync(piped), `neomutt piped the message out\n${screen.slice(-2000)}`);
    const pipedBytes = Buffer.from(readFileSync(piped).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    const uid = listMail(petrel.server, USER).find((e) => e.subject === 'neomutt pipe')!.uid;
    assertSameBytes(pipedBytes, storedMessage(petrel, USER, uid), 'the piped message (LF → CRLF) vs mail show');
    assertStoredSuffix(pipedBytes, sent, 'the piped message ends with what SMTP accepted');
  });
});
