// Petrel's IMAP server against python3's imaplib, a client we did not write, covering every
// command we offer; a plain python socket for what imaplib cannot send (MULTIAPPEND, IDLE,
// COMPRESS, bad input). Mail arrives through the MX with smtplib, and what FETCH returns must be
// the bytes SMTP accepted (behind our trace fields) and exactly what `petrel mail show` prints.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { expandSet, fetchBytes, fetchItem, listEntries, searchNumbers, sortNumbers, statusItems, untaggedLines } from '../helpers/imap-fetch.ts';
import { bytesOf, imapPython, pyParams, wire, type RawReply, type Step } from '../helpers/imap-python.ts';
import { assertSameBytes, deliver, nonLoopbackAddress, simpleMessage, startImapPetrel, storedMessage, type ImapPetrel } from '../helpers/imap-server.ts';
import { ROOT } from '../helpers/petrel-process.ts';
import { assertStoredSuffix, listMail, smtplibSendFiles, toCrlf } from '../helpers/smtp-peers.ts';

const DOMAIN = 'imap.test';
const CORPUS = join(ROOT, '../shared/corpus/mime');

/** The tagged reply of a recorded step: `OK`, `NO`, `BAD` (imaplib raises on BAD: typ ERROR). */
function status(step: Step | undefined): string | undefined {
  if (!step) return undefined;
  return /^\S+ (OK|NO|BAD)\b/.exec(taggedLine(step))?.[1];
}

function taggedLine(step: Step): string {
  const lines = step.got.split('\r\n').filter((l) => /^[A-Z]+\d+ (OK|NO|BAD)\b/.test(l));
  return lines[lines.length - 1] ?? '';
}

function assertOk(step: Step | undefined, what: string): void {
  assert.equal(status(step), 'OK', `${what}: expected a tagged OK\n${wire(step)}`);
}

function assertTagged(step: Step | undefined, expected: 'NO' | 'BAD' | 'NO|BAD', code: string | null, what: string): void {
  const got = status(step);
  assert.ok(got !== undefined && expected.split('|').includes(got), `${what}: expected tagged ${expected}\n${wire(step)}`);
  if (code) assert.match(taggedLine(step!), new RegExp(`^\\S+ (?:NO|BAD) \\[${code}\\b`), `${what}: response code [${code}]\n${wire(step)}`);
}

function rawOk(reply: RawReply | undefined, what: string): void {
  assert.ok(reply && reply.tagged && / OK\b/.test(reply.tagged), `${what}: expected a tagged OK\n${wire(reply)}`);
}

describe('IMAP with python imaplib', () => {
  let petrel: ImapPetrel;
  let work: string;
  const alice = () => pyParams(petrel, 'alice');
  /** Subject → the bytes smtplib sent, for what was delivered to alice in before(). */
  const sent = new Map<string, Buffer>();
  const uidOf = new Map<string, number>();
  const attachment = randomBytes(3000);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'petrel-imaplib-'));
    petrel = await startImapPetrel({ domain: DOMAIN, users: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'corpus'] });
    const long = `${Array.from({ length: 3 }, (_, i) => `${String(i)}${'L'.repeat(997)}`).join('\r\n')}\r\n`;
    const messages: { subject: string; data: Buffer; mailOptions?: string[] }[] = [
      { subject: 'imap long lines', data: simpleMessage({ subject: 'imap long lines', body: long }) },
      {
        subject: 'imap eight bit',
        data: simpleMessage({ subject: 'imap eight bit', headers: ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], body: 'Grüße aus Köln — 東京 🚀\r\n' }),
        mailOptions: ['BODY=8BITMIME'],
      },
      {
        subject: 'imap attachment',
        data: Buffer.from(
          'From: Attach Sender <attach@remote.test>\r\nTo: alice@imap.test\r\nSubject: imap attachment\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\n' +
            'Message-ID: <imap-attachment@remote.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XYZ"\r\n\r\n' +
            '--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHello Alice, here is the file. Grüße.\r\n' +
            '--XYZ\r\nContent-Type: application/octet-stream; name="data.bin"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="data.bin"\r\n\r\n' +
            `${attachment.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n--XYZ--\r\n`,
          'utf8',
        ),
        mailOptions: ['BODY=8BITMIME'],
      },
      { subject: 'imap dots', data: simpleMessage({ subject: 'imap dots', body: '.a leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n' }) },
    ];
    for (const m of messages) {
      deliver(petrel, `alice@${DOMAIN}`, m.data, { mailOptions: m.mailOptions });
      sent.set(m.subject, m.data);
    }
    for (const entry of listMail(petrel.server, `alice@${DOMAIN}`)) uidOf.set(entry.subject, entry.uid);
    for (const m of messages) assert.ok(uidOf.has(m.subject), `"${m.subject}" is listed in alice's INBOX`);
  });

  after(async () => {
    await petrel?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('greeting, CAPABILITY before and after login, LOGIN, LOGOUT', () => {
    const out = imapPython(
      String.raw`
def main():
    M = connect()
    out['welcome'] = L(M.welcome)
    step('cap1', M, M.capability)
    step('login', M, M.login, P['user'], P['password'])
    step('cap2', M, M.capability)
    step('noop', M, M.noop)
    # imaplib stops reading at the BYE, so LOGOUT is checked on a plain socket.
    R = Raw()
    out['logout'] = R.cmd('LOGOUT')
    try:
        R.line()
        out['closed_after_logout'] = False
    except (EOFError, OSError):
        out['closed_after_logout'] = True
`,
      alice(),
    );
    assert.match(out.welcome, /^\* OK\b/, 'greeting is an untagged OK');
    assertOk(out.cap1, 'CAPABILITY');
    const before = /\* CAPABILITY ([^\r\n]*)/.exec(out.cap1.got)?.[1].split(' ') ?? [];
    for (const cap of ['IMAP4rev1', 'IMAP4rev2', 'STARTTLS', 'AUTH=PLAIN', 'SASL-IR', 'LITERAL+', 'IDLE', 'ID', 'ENABLE']) assert.ok(before.includes(cap), `${cap} before login (Outlook needs IDLE here): ${before.join(' ')}`);
    assert.ok(!before.includes('LOGINDISABLED'), 'loopback may log in without TLS');
    assertOk(out.login, 'LOGIN');
    assertOk(out.cap2, 'CAPABILITY after login');
    const afterLogin = /\* CAPABILITY ([^\r\n]*)/.exec(out.cap2.got)?.[1].split(' ') ?? [];
    const expected = [
      'IMAP4rev1', 'IMAP4rev2', 'IDLE', 'NAMESPACE', 'ID', 'ENABLE', 'UIDPLUS', 'MOVE', 'UNSELECT', 'CHILDREN', 'SPECIAL-USE', 'CREATE-SPECIAL-USE',
      'LIST-EXTENDED', 'LIST-STATUS', 'STATUS=SIZE', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'SEARCHRES', 'WITHIN', 'SORT', 'SORT=DISPLAY',
      'THREAD=REFERENCES', 'THREAD=ORDEREDSUBJECT', 'BINARY', 'MULTIAPPEND', 'QUOTA', 'COMPRESS=DEFLATE', 'ACL', 'OBJECTID', 'PREVIEW',
      'UTF8=ACCEPT', 'XLIST', 'LITERAL+',
    ];
    for (const cap of expected) assert.ok(afterLogin.includes(cap), `${cap} after login: ${afterLogin.join(' ')}`);
    assert.ok(afterLogin.some((c) => /^APPENDLIMIT=\d+$/.test(c)), `APPENDLIMIT=n after login: ${afterLogin.join(' ')}`);
    assert.ok(afterLogin.some((c) => c.startsWith('RIGHTS=')), `RIGHTS= after login: ${afterLogin.join(' ')}`);
    assert.ok(!afterLogin.includes('STARTTLS') && !afterLogin.some((c) => c.startsWith('AUTH=')), 'no STARTTLS or AUTH= once logged in');
    assertOk(out.noop, 'NOOP');
    assert.match(out.logout.got, /^\* BYE\b[^\r\n]*\r\n\S+ OK\b/m, `LOGOUT: untagged BYE then tagged OK\n${wire(out.logout)}`);
    assert.equal(out.closed_after_logout, true, 'the server closes the connection after LOGOUT');
  });

  test('LOGIN with a wrong password or unknown user: NO [AUTHENTICATIONFAILED]; the session can still log in', () => {
    const out = imapPython(
      String.raw`
def main():
    M = connect()
    step('wrong', M, M.login, P['user'], 'not-the-password')
    step('unknown', M, M.login, 'nobody@' + P['user'].split('@')[1], 'whatever')
    step('right', M, M.login, P['user'], P['password'])
    step('select', M, M.select, 'INBOX')
`,
      alice(),
    );
    assertTagged(out.wrong, 'NO', 'AUTHENTICATIONFAILED', 'LOGIN with a wrong password');
    assertTagged(out.unknown, 'NO', 'AUTHENTICATIONFAILED', 'LOGIN as an unknown user');
    assert.equal(out.wrong.got.replace(/^\S+/, ''), out.unknown.got.replace(/^\S+/, ''), 'a wrong password and an unknown user get the same answer (no user enumeration)');
    assertOk(out.right, 'LOGIN after a failure');
    assertOk(out.select, 'SELECT after login');
  });

  test('AUTHENTICATE PLAIN: with a continuation, with SASL-IR, bad credentials, and a cancelled exchange', () => {
    const out = imapPython(
      String.raw`
def main():
    creds = ('\0' + P['user'] + '\0' + P['password']).encode()
    M = connect()
    step('plain', M, M.authenticate, 'PLAIN', lambda _: creds)
    step('list', M, M.list, '""', 'INBOX')
    M.logout()
    # SASL-IR (RFC 4959): the initial response on the command line.
    R = Raw()
    out['ir'] = R.cmd('AUTHENTICATE PLAIN ' + base64.b64encode(creds).decode())
    out['ir_select'] = R.cmd('SELECT INBOX')
    R.close()
    M = connect()
    step('bad', M, M.authenticate, 'PLAIN', lambda _: ('\0' + P['user'] + '\0wrong').encode())
    M.logout()
    # "*" cancels the exchange: tagged BAD (RFC 9051 §6.2.2).
    R = Raw()
    R.sendall('C1 AUTHENTICATE PLAIN\r\n')
    out['cont'] = L(R.response())
    R.sendall('*\r\n')
    out['cancel'] = R.until_tagged('C1')
    out['after_cancel'] = R.cmd('NOOP')
    R.close()
`,
      alice(),
    );
    assertOk(out.plain, 'AUTHENTICATE PLAIN');
    assert.match(out.plain.got, /^\+ ?\r\n/m, `an empty continuation for the credentials\n${wire(out.plain)}`);
    assertOk(out.list, 'LIST after AUTHENTICATE');
    rawOk(out.ir, 'AUTHENTICATE PLAIN with an initial response');
    assert.doesNotMatch(out.ir.got, /^\+/m, 'no continuation when the initial response came with the command');
    rawOk(out.ir_select, 'SELECT after SASL-IR');
    assertTagged(out.bad, 'NO', 'AUTHENTICATIONFAILED', 'AUTHENTICATE with a wrong password');
    assert.match(out.cont, /^\+/, 'continuation');
    assert.match(out.cancel.tagged ?? '', /^C1 BAD\b/, `a cancelled AUTHENTICATE ends in BAD\n${wire(out.cancel)}`);
    rawOk(out.after_cancel, 'the session goes on after a cancelled AUTHENTICATE');
  });

  test('STARTTLS on the plain port, then login; IMAP4_SSL on the implicit-TLS port', () => {
    const out = imapPython(
      String.raw`
def main():
    M = connect()
    step('starttls', M, M.starttls, ssl_context=CTX)
    out['tls'] = isinstance(M.sock, ssl.SSLSocket)
    step('cap', M, M.capability)
    step('login', M, M.login, P['user'], P['password'])
    step('select', M, M.select, 'INBOX')
    M.logout()
    S = connect(tls=True)
    out['ssl_welcome'] = L(S.welcome)
    step('ssl_cap', S, S.capability)
    step('ssl_login', S, S.login, P['user'], P['password'])
    step('ssl_select', S, S.select, 'INBOX', readonly=True)
    step('ssl_starttls', S, cmd, S, 'STARTTLS')
    S.logout()
    # STARTTLS is refused once logged in, and pipelined cleartext after STARTTLS is dropped.
    R = Raw()
    R.sendall('A1 STARTTLS\r\nA2 LOGIN x y\r\n')
    out['pipelined'] = L(R.response())
    R.s = CTX.wrap_socket(R.s)
    R.buf = b''
    out['after_tls'] = R.cmd('NOOP')
    R.close()
`,
      alice(),
    );
    assertOk(out.starttls, 'STARTTLS');
    assert.equal(out.tls, true, 'the socket is TLS after STARTTLS');
    const caps = /\* CAPABILITY ([^\r\n]*)/.exec(out.cap.got)?.[1].split(' ') ?? [];
    assert.ok(!caps.includes('STARTTLS'), `no STARTTLS after STARTTLS: ${caps.join(' ')}`);
    assert.ok(caps.includes('AUTH=PLAIN'), `AUTH=PLAIN over TLS: ${caps.join(' ')}`);
    assertOk(out.login, 'LOGIN over STARTTLS');
    assertOk(out.select, 'SELECT over STARTTLS');
    assert.match(out.ssl_welcome, /^\* OK\b/);
    const sslCaps = /\* CAPABILITY ([^\r\n]*)/.exec(out.ssl_cap.got)?.[1].split(' ') ?? [];
    assert.ok(!sslCaps.includes('STARTTLS'), `no STARTTLS on the implicit-TLS port: ${sslCaps.join(' ')}`);
    assertOk(out.ssl_login, 'LOGIN over implicit TLS');
    assertOk(out.ssl_select, 'EXAMINE over implicit TLS');
    assertTagged(out.ssl_starttls, 'NO|BAD', null, 'STARTTLS once logged in');
    assert.match(out.pipelined, /^A1 OK\b/, 'STARTTLS answers OK');
    assert.doesNotMatch(out.after_tls.got, /^A2 /m, `the LOGIN pipelined in cleartext behind STARTTLS was dropped (RFC 9051 §6.2.1)\n${wire(out.after_tls)}`);
    rawOk(out.after_tls, 'NOOP after the TLS handshake');
  });

  test('LOGINDISABLED on cleartext from a non-loopback peer until STARTTLS; allow_insecure_auth lifts it', async (t) => {
    const address = nonLoopbackAddress();
    if (!address) {
      t.skip('this machine has no non-loopback IPv4 address to play a remote client');
      return;
    }
    const script = String.raw`
def main():
    M = connect()
    step('cap', M, M.capability)
    step('login', M, M.login, P['user'], P['password'])
    R = Raw()
    out['auth'] = R.cmd('AUTHENTICATE PLAIN ' + base64.b64encode(('\0' + P['user'] + '\0' + P['password']).encode()).decode())
    R.close()
    step('starttls', M, M.starttls, ssl_context=CTX)
    step('cap_tls', M, M.capability)
    step('login_tls', M, M.login, P['user'], P['password'])
`;
    for (const allow of [false, true]) {
      const remote = await startImapPetrel({ domain: DOMAIN, users: ['remote'], listen: address, configToml: allow ? '[smtp]\nallow_insecure_auth = true\n' : '' });
      try {
        const out = imapPython(script, pyParams(remote, 'remote'));
        const caps = /\* CAPABILITY ([^\r\n]*)/.exec(out.cap.got)?.[1].split(' ') ?? [];
        if (!allow) {
          assert.ok(caps.includes('LOGINDISABLED'), `LOGINDISABLED in cleartext from ${address}: ${caps.join(' ')}`);
          assert.ok(!caps.includes('AUTH=PLAIN'), `no AUTH=PLAIN in cleartext from ${address}: ${caps.join(' ')}`);
          assertTagged(out.login, 'NO', 'PRIVACYREQUIRED', 'LOGIN in cleartext from a remote peer');
          assert.ok(out.auth.tagged && / NO\b/.test(out.auth.tagged), `AUTHENTICATE in cleartext from a remote peer is refused\n${wire(out.auth)}`);
        } else {
          assert.ok(!caps.includes('LOGINDISABLED') && caps.includes('AUTH=PLAIN'), `allow_insecure_auth offers AUTH=PLAIN: ${caps.join(' ')}`);
          assertOk(out.login, 'LOGIN in cleartext when allowed');
          continue;
        }
        assertOk(out.starttls, 'STARTTLS');
        const tlsCaps = /\* CAPABILITY ([^\r\n]*)/.exec(out.cap_tls.got)?.[1].split(' ') ?? [];
        assert.ok(!tlsCaps.includes('LOGINDISABLED') && tlsCaps.includes('AUTH=PLAIN'), `after STARTTLS login is offered: ${tlsCaps.join(' ')}`);
        assertOk(out.login_tls, 'LOGIN after STARTTLS');
      } finally {
        await remote.destroy();
      }
    }
  });

  test('NAMESPACE, ID, ENABLE', () => {
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('namespace', M, M.namespace)
    step('id', M, cmd, M, 'ID', '("name" "imaplib" "version" "3")')
    step('id_nil', M, cmd, M, 'ID', 'NIL')
    step('enable', M, cmd, M, 'ENABLE', 'CONDSTORE', 'X-NO-SUCH-EXTENSION')
    step('enable_again', M, cmd, M, 'ENABLE', 'QRESYNC')
    N = connect()
    step('id_before_login', N, cmd, N, 'ID', 'NIL')
    step('enable_before_login', N, cmd, N, 'ENABLE', 'CONDSTORE')
`,
      alice(),
    );
    assertOk(out.namespace, 'NAMESPACE');
    assert.match(out.namespace.got, /^\* NAMESPACE \(\("[^"]*" "\/"\)\) (?:NIL|\(.*\)) (?:NIL|\(.*\))\r$/m, `a personal namespace with "/" as delimiter\n${wire(out.namespace)}`);
    assertOk(out.id, 'ID');
    assert.match(out.id.got, /^\* ID (?:NIL|\((?:"[^"]*" (?:"[^"]*"|NIL) ?)+\))\r$/m, `an untagged ID\n${wire(out.id)}`);
    assertOk(out.id_nil, 'ID NIL');
    assertOk(out.id_before_login, 'ID before login (RFC 2971 allows any state)');
    assertOk(out.enable, 'ENABLE');
    assert.match(out.enable.got, /^\* ENABLED CONDSTORE\r$/m, `ENABLED lists CONDSTORE and nothing unknown\n${wire(out.enable)}`);
    assertOk(out.enable_again, 'ENABLE QRESYNC');
    assert.match(out.enable_again.got, /^\* ENABLED QRESYNC\r$/m, wire(out.enable_again));
    assertTagged(out.enable_before_login, 'NO|BAD', null, 'ENABLE before login');
  });

  test('LIST, LSUB, XLIST, LIST-EXTENDED selection and RETURN options, LIST-STATUS', () => {
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('delim', M, M.list, '""', '""')
    step('all', M, M.list, '""', '*')
    step('percent', M, M.list, '""', '%')
    step('special', M, cmd, M, 'LIST', '(SPECIAL-USE)', '""', '*')
    step('ret', M, cmd, M, 'LIST', '""', '*', 'RETURN', '(SPECIAL-USE STATUS (MESSAGES UNSEEN))')
    step('multi', M, cmd, M, 'LIST', '""', '(INBOX Sent)')
    step('subscribed', M, cmd, M, 'LIST', '(SUBSCRIBED)', '""', '*')
    step('children', M, cmd, M, 'LIST', '""', '%', 'RETURN', '(CHILDREN)')
    step('lsub', M, M.lsub, '""', '*')
    step('xlist', M, cmd, M, 'XLIST', '""', '*')
    step('inbox_case', M, M.list, '""', 'inbox')
`,
      alice(),
    );
    for (const key of ['delim', 'all', 'percent', 'special', 'ret', 'multi', 'subscribed', 'children', 'lsub', 'xlist', 'inbox_case']) assertOk(out[key], `LIST variant ${key}`);
    assert.match(out.delim.got, /^\* LIST \(\\Noselect\) "\/" ""\r$/m, `LIST "" "" gives the delimiter (RFC 9051 §6.3.9)\n${wire(out.delim)}`);
    const all = listEntries(out.all.got);
    const names = all.map((e) => e.name);
    for (const name of ['INBOX', 'Drafts', 'Sent', 'Junk', 'Trash', 'Archive']) assert.ok(names.includes(name), `LIST "" * has ${name}: ${names.join(', ')}`);
    // Apple Mail never asks for SPECIAL-USE: the attributes come with every LIST.
    const attrs = (name: string, entries = all) => entries.find((e) => e.name === name)?.attributes.map((a) => a.toLowerCase()) ?? [];
    for (const [name, use] of [['Drafts', '\\drafts'], ['Sent', '\\sent'], ['Junk', '\\junk'], ['Trash', '\\trash'], ['Archive', '\\archive']]) {
      assert.ok(attrs(name).includes(use), `${name} carries ${use} in a plain LIST\n${wire(out.all)}`);
    }
    assert.ok(attrs('INBOX').some((a) => a === '\\hasnochildren' || a === '\\haschildren'), `CHILDREN attributes on INBOX\n${wire(out.all)}`);
    const special = listEntries(out.special.got).map((e) => e.name).sort();
    assert.deepEqual(special, ['Archive', 'Drafts', 'Junk', 'Sent', 'Trash'], `LIST (SPECIAL-USE) returns only special-use mailboxes\n${wire(out.special)}`);
    const inboxStatus = statusItems(out.ret.got, 'INBOX');
    assert.ok(inboxStatus, `LIST RETURN (STATUS ...) sends * STATUS for INBOX (RFC 5819)\n${wire(out.ret)}`);
    assert.equal(inboxStatus.MESSAGES, sent.size, 'MESSAGES in LIST-STATUS');
    assert.equal(inboxStatus.UNSEEN, sent.size, 'UNSEEN in LIST-STATUS');
    assert.ok(listEntries(out.ret.got).find((e) => e.name === 'Sent')?.attributes.includes('\\Sent'), 'RETURN (SPECIAL-USE) marks Sent');
    assert.deepEqual(listEntries(out.multi.got).map((e) => e.name).sort(), ['INBOX', 'Sent'], `LIST with a pattern list (RFC 5258)\n${wire(out.multi)}`);
    const subscribed = listEntries(out.subscribed.got);
    assert.ok(subscribed.length > 0 && subscribed.every((e) => e.attributes.includes('\\Subscribed')), `LIST (SUBSCRIBED) marks \\Subscribed\n${wire(out.subscribed)}`);
    assert.ok(listEntries(out.children.got).every((e) => e.attributes.some((a) => /^\\Has(No)?Children$/i.test(a))), `RETURN (CHILDREN)\n${wire(out.children)}`);
    assert.ok(listEntries(out.percent.got).every((e) => !e.name.includes('/')), '% does not cross the hierarchy');
    assert.ok(listEntries(out.lsub.got, 'LSUB').some((e) => e.name === 'INBOX'), `LSUB lists subscribed INBOX\n${wire(out.lsub)}`);
    const xlist = listEntries(out.xlist.got, 'XLIST');
    assert.ok(xlist.find((e) => e.name === 'Sent')?.attributes.includes('\\Sent'), `XLIST marks Sent (old Outlook)\n${wire(out.xlist)}`);
    assert.ok(xlist.some((e) => e.attributes.map((a) => a.toLowerCase()).includes('\\inbox')), `XLIST marks the inbox \\Inbox\n${wire(out.xlist)}`);
    assert.deepEqual(listEntries(out.inbox_case.got).map((e) => e.name), ['INBOX'], 'INBOX matches case-insensitively');
  });

  test('CREATE (with USE), RENAME keeps children, DELETE, SUBSCRIBE/UNSUBSCRIBE', () => {
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('create', M, M.create, 'Projects/2026/Q1')
    step('create_exists', M, M.create, 'Projects/2026/Q1')
    step('create_use', M, cmd, M, 'CREATE', 'Important-Mail', '(USE (\\Important))')
    step('create_use_taken', M, cmd, M, 'CREATE', 'Second-Archive', '(USE (\\Archive))')
    step('create_utf7', M, M.create, '"Entw&APw-rfe"')
    step('append_child', M, M.append, 'Projects/2026', None, None, b'Subject: child\r\n\r\nchild\r\n')
    step('list1', M, M.list, '""', '*')
    step('rename', M, M.rename, 'Projects', 'Work')
    step('list2', M, M.list, '""', '*')
    step('status_child', M, M.status, 'Work/2026', '(MESSAGES)')
    step('rename_missing', M, M.rename, 'Nope', 'Nope2')
    step('subscribe', M, M.subscribe, 'Work/2026')
    step('lsub1', M, M.lsub, '""', '*')
    step('unsubscribe', M, M.unsubscribe, 'Work/2026')
    step('lsub2', M, M.lsub, '""', '*')
    step('delete', M, M.delete, 'Work/2026/Q1')
    step('delete_missing', M, M.delete, 'Work/2026/Q1')
    step('delete_inbox', M, M.delete, 'INBOX')
    step('list3', M, M.list, '""', '*')
    # Deleting the only \Archive frees the attribute.
    step('delete_archive', M, M.delete, 'Archive')
    step('create_archive', M, cmd, M, 'CREATE', 'Archives/2026', '(USE (\\Archive))')
    step('list4', M, cmd, M, 'LIST', '(SPECIAL-USE)', '""', '*')
    step('select_deleted', M, M.select, 'Work/2026/Q1')
`,
      pyParams(petrel, 'bob'),
    );
    assertOk(out.create, 'CREATE with missing superiors');
    assertTagged(out.create_exists, 'NO', 'ALREADYEXISTS', 'CREATE of an existing mailbox');
    assertOk(out.create_use, 'CREATE ... (USE (\\Important))');
    assertOk(out.create_utf7, 'CREATE with a modified UTF-7 name');
    assertOk(out.append_child, 'APPEND to an intermediate mailbox');
    const list1 = listEntries(out.list1.got);
    for (const name of ['Projects', 'Projects/2026', 'Projects/2026/Q1', 'Important-Mail', 'Entw&APw-rfe']) assert.ok(list1.some((e) => e.name === name), `${name} listed\n${wire(out.list1)}`);
    assert.ok(list1.find((e) => e.name === 'Projects')?.attributes.includes('\\HasChildren'), 'Projects \\HasChildren');
    assert.ok(list1.find((e) => e.name === 'Projects/2026/Q1')?.attributes.includes('\\HasNoChildren'), 'Q1 \\HasNoChildren');
    assert.ok(list1.find((e) => e.name === 'Important-Mail')?.attributes.includes('\\Important'), 'CREATE USE gave \\Important');
    assertOk(out.rename, 'RENAME Projects Work');
    const names2 = listEntries(out.list2.got).map((e) => e.name);
    for (const name of ['Work', 'Work/2026', 'Work/2026/Q1']) assert.ok(names2.includes(name), `children followed the rename: ${name}\n${wire(out.list2)}`);
    assert.ok(!names2.some((n) => n.startsWith('Projects')), `nothing left under the old name\n${wire(out.list2)}`);
    assert.equal(statusItems(out.status_child.got)?.MESSAGES, 1, `the renamed child kept its message\n${wire(out.status_child)}`);
    assertTagged(out.rename_missing, 'NO', 'NONEXISTENT', 'RENAME of a missing mailbox');
    assertOk(out.subscribe, 'SUBSCRIBE');
    assert.ok(listEntries(out.lsub1.got, 'LSUB').some((e) => e.name === 'Work/2026'), `LSUB shows the subscription\n${wire(out.lsub1)}`);
    assertOk(out.unsubscribe, 'UNSUBSCRIBE');
    assert.ok(!listEntries(out.lsub2.got, 'LSUB').some((e) => e.name === 'Work/2026'), `LSUB after UNSUBSCRIBE\n${wire(out.lsub2)}`);
    assertOk(out.delete, 'DELETE');
    assertTagged(out.delete_missing, 'NO', 'NONEXISTENT', 'DELETE of a missing mailbox');
    assertTagged(out.delete_inbox, 'NO', null, 'DELETE INBOX');
    assert.ok(!listEntries(out.list3.got).some((e) => e.name === 'Work/2026/Q1'), 'deleted mailbox is gone');
    assertOk(out.delete_archive, 'DELETE Archive');
    assertOk(out.create_archive, 'CREATE Archives/2026 (USE (\\Archive))');
    assert.ok(listEntries(out.list4.got).find((e) => e.name === 'Archives/2026')?.attributes.includes('\\Archive'), `the new archive has \\Archive\n${wire(out.list4)}`);
    assertTagged(out.select_deleted, 'NO', null, 'SELECT of a deleted mailbox');
    assertTagged(out.create_use_taken, 'NO', 'USEATTR', 'CREATE (USE (\\Archive)) while Archive has it (RFC 6154 §3)');
  });

  test('RENAME INBOX moves its messages to the new mailbox and leaves INBOX empty', () => {
    deliver(petrel, `carol@${DOMAIN}`, simpleMessage({ subject: 'carol one', to: `carol@${DOMAIN}` }));
    deliver(petrel, `carol@${DOMAIN}`, simpleMessage({ subject: 'carol two', to: `carol@${DOMAIN}` }));
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('rename', M, M.rename, 'INBOX', 'Old-Inbox')
    step('status', M, cmd, M, 'STATUS', 'INBOX', '(MESSAGES)')
    step('status_old', M, cmd, M, 'STATUS', 'Old-Inbox', '(MESSAGES)')
`,
      pyParams(petrel, 'carol'),
    );
    assertOk(out.rename, 'RENAME INBOX');
    assert.equal(statusItems(out.status.got)?.MESSAGES, 0, `INBOX is empty afterwards\n${wire(out.status)}`);
    assert.equal(statusItems(out.status_old.got)?.MESSAGES, 2, `the new mailbox has INBOX's messages\n${wire(out.status_old)}`);
  });

  test('STATUS with every item; SIZE is the sum of RFC822.SIZE', () => {
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('status', M, cmd, M, 'STATUS', 'INBOX', '(MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT RECENT MAILBOXID)')
    step('status_missing', M, cmd, M, 'STATUS', 'NoSuchBox', '(MESSAGES)')
    step('examine', M, M.select, 'INBOX', readonly=True)
    step('sizes', M, M.fetch, '1:*', '(RFC822.SIZE)')
`,
      alice(),
    );
    assertOk(out.status, 'STATUS');
    const line = untaggedLines(out.status.got, 'STATUS')[0] ?? '';
    const items = statusItems(out.status.got, 'INBOX');
    assert.ok(items, `* STATUS INBOX (...)\n${wire(out.status)}`);
    assert.equal(items.MESSAGES, sent.size);
    assert.equal(items.UNSEEN, sent.size);
    assert.equal(items.DELETED, 0);
    assert.ok(items.UIDNEXT > Math.max(...uidOf.values()), 'UIDNEXT above every UID');
    assert.ok(items.UIDVALIDITY > 0 && items.HIGHESTMODSEQ > 0 && items.APPENDLIMIT > 0, line);
    assert.match(line, /MAILBOXID \([A-Za-z0-9_-]+\)/, `MAILBOXID (RFC 8474)\n${line}`);
    const sizes = [...out.sizes.got.matchAll(/RFC822\.SIZE (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(sizes.length, sent.size);
    assert.equal(items.SIZE, sizes.reduce((a, b) => a + b, 0), 'STATUS SIZE = sum of RFC822.SIZE (RFC 8438)');
    assertTagged(out.status_missing, 'NO', 'NONEXISTENT', 'STATUS of a missing mailbox');
  });

  test('SELECT and EXAMINE responses; CONDSTORE/QRESYNC select parameters', () => {
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('select', M, M.select, 'INBOX')
    step('examine', M, M.select, 'INBOX', readonly=True)
    step('store_ro', M, M.store, '1', '+FLAGS', '(\\Flagged)')
    step('select_cs', M, cmd, M, 'SELECT', 'INBOX', '(CONDSTORE)')
    step('select_missing', M, M.select, 'NoSuchBox')
    step('after_failed_select', M, M.noop)
    step('fetch_unselected', M, cmd, M, 'FETCH', '1', '(FLAGS)')
`,
      alice(),
    );
    assertOk(out.select, 'SELECT');
    const s = out.select.got;
    assert.match(s, /^\* FLAGS \([^)]*\\Seen[^)]*\)\r$/m, `* FLAGS\n${wire(out.select)}`);
    assert.match(s, new RegExp(`^\\* ${sent.size} EXISTS\\r$`, 'm'), `* n EXISTS\n${wire(out.select)}`);
    assert.match(s, /^\* OK \[PERMANENTFLAGS \([^)]*\\\*[^)]*\)\]/m, `PERMANENTFLAGS with \\*\n${wire(out.select)}`);
    assert.match(s, /^\* OK \[UIDVALIDITY \d+\]/m, 'UIDVALIDITY');
    assert.match(s, /^\* OK \[UIDNEXT \d+\]/m, 'UIDNEXT');
    assert.match(s, /^\S+ OK \[READ-WRITE\]/m, `tagged OK [READ-WRITE]\n${wire(out.select)}`);
    assertOk(out.examine, 'EXAMINE');
    assert.match(out.examine.got, /^\S+ OK \[READ-ONLY\]/m, `tagged OK [READ-ONLY]\n${wire(out.examine)}`);
    assertTagged(out.store_ro, 'NO', null, 'STORE in a mailbox opened with EXAMINE');
    assertOk(out.select_cs, 'SELECT (CONDSTORE)');
    assert.match(out.select_cs.got, /^\* OK \[HIGHESTMODSEQ \d+\]/m, `HIGHESTMODSEQ after SELECT (CONDSTORE)\n${wire(out.select_cs)}`);
    assertTagged(out.select_missing, 'NO', null, 'SELECT of a missing mailbox');
    assertOk(out.after_failed_select, 'NOOP');
    assertTagged(out.fetch_unselected, 'NO|BAD', null, 'a failed SELECT leaves no mailbox selected; FETCH');
  });

  test('APPEND with flags and date returns APPENDUID; the stored bytes are the appended bytes; TRYCREATE; MULTIAPPEND', () => {
    const appended = simpleMessage({ subject: 'appended draft', body: 'Draft body\r\n\r\n.dot line\r\nGrüße\r\n' });
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    msg = sys.stdin.buffer.read()
    step('append', M, M.append, 'Drafts', '(\\Seen \\Draft $Forwarded)', '"17-Jul-1996 02:44:25 -0700"', msg)
    step('append_missing', M, M.append, 'NoSuchBox', None, None, msg)
    step('select', M, M.select, 'Drafts')
    m = re.search(r'APPENDUID (\d+) (\d+)', out['append']['got'])
    uid = m.group(2) if m else '1'
    step('fetch', M, M.uid, 'FETCH', uid, '(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])')
    out['uidvalidity'] = L(M.untagged_responses.get('UIDVALIDITY', [b''])[0])
    # MULTIAPPEND (RFC 3502) with LITERAL+ on a plain socket: one command, three messages.
    R = Raw()
    R.login()
    parts = [b'Subject: multi %d\r\n\r\nmulti body %d\r\n' % (i, i) for i in range(3)]
    line = b'APPEND Drafts (\\Flagged) ' + b'{%d+}\r\n' % len(parts[0]) + parts[0] + b' () "01-Jan-2020 00:00:00 +0000" {%d+}\r\n' % len(parts[1]) + parts[1] + b' {%d+}\r\n' % len(parts[2]) + parts[2]
    out['multi'] = R.cmd(line)
    # A synchronizing literal waits for the continuation.
    R.sendall(b'S1 APPEND Drafts {%d}\r\n' % len(parts[0]))
    out['sync_cont'] = L(R.response())
    R.sendall(parts[0] + b'\r\n')
    out['sync'] = R.until_tagged('S1')
    out['multi_status'] = R.cmd('STATUS Drafts (MESSAGES)')
    R.close()
`,
      alice(),
      { input: appended },
    );
    assertOk(out.append, 'APPEND');
    const appendUid = /OK \[APPENDUID (\d+) (\d+)\]/.exec(out.append.got);
    assert.ok(appendUid, `APPEND answers OK [APPENDUID v uid] (RFC 4315; mbsync depends on it)\n${wire(out.append)}`);
    assertTagged(out.append_missing, 'NO', 'TRYCREATE', 'APPEND to a missing mailbox');
    assertOk(out.fetch, 'UID FETCH of the appended message');
    assert.equal(out.uidvalidity, appendUid[1], 'APPENDUID carries the mailbox UIDVALIDITY');
    const flags = fetchItem(out.fetch.got, 'FLAGS') ?? '';
    for (const flag of ['\\Seen', '\\Draft', '$Forwarded']) assert.ok(flags.includes(flag), `flag ${flag} kept: ${flags}`);
    const internal = fetchItem(out.fetch.got, 'INTERNALDATE') ?? '';
    assert.equal(Date.parse(internal.replace(/^(\d+)-(\w+)-(\d+) /, '$2 $1 $3 ')), Date.parse('1996-07-17T02:44:25-07:00'), `INTERNALDATE is the APPEND date: ${internal}`);
    assertSameBytes(fetchBytes(out.fetch.got, 'BODY[]')!, appended, 'APPENDed message fetched back');
    assert.equal(Number(fetchItem(out.fetch.got, 'RFC822.SIZE')), appended.length, 'RFC822.SIZE of the appended message');
    rawOk(out.multi, 'MULTIAPPEND');
    const multiUid = /OK \[APPENDUID \d+ ([\d:,]+)\]/.exec(out.multi.got);
    assert.ok(multiUid && expandSet(multiUid[1]).length === 3, `MULTIAPPEND answers APPENDUID with three UIDs\n${wire(out.multi)}`);
    assert.match(out.sync_cont, /^\+/, 'continuation for a synchronizing literal');
    rawOk(out.sync, 'APPEND with a synchronizing literal');
    assert.equal(statusItems(out.multi_status.got)?.MESSAGES, 5, `Drafts has 1 + 3 + 1 messages\n${wire(out.multi_status)}`);
  });

  test('FETCH items: FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODYSTRUCTURE, sections, partials, BINARY, PREVIEW, OBJECTID, MODSEQ', () => {
    const uid = uidOf.get('imap attachment')!;
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('select', M, M.select, 'INBOX')
    u = str(P['uid'])
    def f(label, items):
        step(label, M, M.uid, 'FETCH', u, items)
    f('basic', '(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)')
    f('body_ns', '(BODY)')
    f('hdr', '(BODY.PEEK[HEADER.FIELDS (From Subject)])')
    f('hdr_not', '(BODY.PEEK[HEADER.FIELDS.NOT (Received Return-Path Authentication-Results Received-SPF ARC-Seal ARC-Message-Signature ARC-Authentication-Results From Subject To Date Message-ID MIME-Version Content-Type Delivered-To)])')
    f('header', '(BODY.PEEK[HEADER])')
    f('text', '(BODY.PEEK[TEXT])')
    f('part1', '(BODY.PEEK[1])')
    f('part1_mime', '(BODY.PEEK[1.MIME])')
    f('part2', '(BODY.PEEK[2])')
    f('binary', '(BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[1])')
    f('preview', '(PREVIEW)')
    f('objectid', '(EMAILID THREADID)')
    f('modseq', '(MODSEQ)')
    f('whole', '(BODY.PEEK[] RFC822.SIZE)')
    f('partial_whole', '(BODY.PEEK[]<0.20>)')
    f('flags_before', '(FLAGS)')
    f('partial', '(BODY[1]<0.10>)')
    f('flags_after', '(FLAGS)')
    f('rfc822', '(RFC822.HEADER RFC822.TEXT)')
    f('rfc822_peek', '(RFC822.PEEK)')
    step('macros', M, M.fetch, '1', 'FULL')
    step('bad_item', M, M.uid, 'FETCH', u, '(NOSUCHITEM)')
    step('bad_section', M, M.uid, 'FETCH', u, '(BODY[9.9.9])')
    step('seq_zero', M, M.fetch, '0', '(FLAGS)')
    step('uid_none', M, M.uid, 'FETCH', '999999', '(FLAGS)')
`,
      pyParams(petrel, 'alice', { uid }),
    );
    for (const key of ['basic', 'body_ns', 'hdr', 'hdr_not', 'header', 'text', 'part1', 'part1_mime', 'part2', 'binary', 'preview', 'objectid', 'modseq', 'whole', 'rfc822', 'partial_whole', 'partial', 'rfc822_peek', 'macros']) {
      assertOk(out[key], `FETCH ${key}`);
    }
    const whole = fetchBytes(out.whole.got, 'BODY[]')!;
    const stored = storedMessage(petrel, `alice@${DOMAIN}`, uid);
    assertSameBytes(whole, stored, 'BODY[] equals `petrel mail show`');
    assertStoredSuffix(whole, sent.get('imap attachment')!, 'BODY[] ends with the bytes SMTP accepted');
    const basic = out.basic.got;
    assert.equal(Number(fetchItem(basic, 'RFC822.SIZE')), whole.length, 'RFC822.SIZE is the length of BODY[]');
    assert.equal(Number(fetchItem(basic, 'UID')), uid);
    assert.equal(fetchItem(basic, 'FLAGS'), '()', 'a new message has no flags');
    assert.match(fetchItem(basic, 'INTERNALDATE') ?? '', /^\s?\d{1,2}-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}$/, 'INTERNALDATE format');
    assert.equal(
      fetchItem(basic, 'ENVELOPE'),
      '("Mon, 23 Nov 2026 12:00:00 +0000" "imap attachment" (("Attach Sender" NIL "attach" "remote.test")) (("Attach Sender" NIL "attach" "remote.test")) (("Attach Sender" NIL "attach" "remote.test")) ((NIL NIL "alice" "imap.test")) NIL NIL NIL "<imap-attachment@remote.test>")',
      `ENVELOPE (RFC 9051 §7.5.2)\n${wire(out.basic)}`,
    );
    const part1Text = Buffer.from('Hello Alice, here is the file. Grüße.', 'utf8');
    const bodystructure = fetchItem(basic, 'BODYSTRUCTURE') ?? '';
    assert.match(bodystructure, new RegExp(`^\\(\\("TEXT" "PLAIN" \\("CHARSET" "utf-8"\\) NIL NIL "8BIT" ${part1Text.length} \\d+`, 'i'), `BODYSTRUCTURE text part\n${bodystructure}`);
    assert.match(bodystructure, /\("APPLICATION" "OCTET-STREAM" \("NAME" "data\.bin"\) NIL NIL "BASE64" \d+ /i, `BODYSTRUCTURE attachment\n${bodystructure}`);
    assert.match(bodystructure, /\("ATTACHMENT" \("FILENAME" "data\.bin"\)\)/i, `BODYSTRUCTURE disposition\n${bodystructure}`);
    assert.match(bodystructure, /\) "MIXED" \("BOUNDARY" "XYZ"\)/i, `BODYSTRUCTURE multipart subtype and boundary\n${bodystructure}`);
    const bodyNs = fetchItem(out.body_ns.got, 'BODY') ?? '';
    assert.match(bodyNs, /\) "MIXED"\)$/i, `BODY has no extension data\n${bodyNs}`);
    const hdr = fetchBytes(out.hdr.got, /BODY\[HEADER\.FIELDS \("?From"? "?Subject"?\)\]/)!;
    assert.equal(hdr?.toString('latin1'), 'From: Attach Sender <attach@remote.test>\r\nSubject: imap attachment\r\n\r\n', `HEADER.FIELDS\n${wire(out.hdr)}`);
    assert.match(fetchItem(out.hdr_not.got, /BODY\[HEADER\.FIELDS\.NOT \([^)]*\)\]/) ?? '', /^\r\n$/, `HEADER.FIELDS.NOT leaves only the blank line\n${wire(out.hdr_not)}`);
    const header = fetchBytes(out.header.got, 'BODY[HEADER]')!;
    const text = fetchBytes(out.text.got, 'BODY[TEXT]')!;
    assertSameBytes(Buffer.concat([header, text]), whole, 'HEADER + TEXT = BODY[]');
    assert.ok(header.toString('latin1').endsWith('\r\n\r\n'), 'HEADER includes the blank line');
    assertSameBytes(fetchBytes(out.part1.got, 'BODY[1]')!, part1Text, 'BODY[1]');
    assert.equal(fetchItem(out.part1_mime.got, 'BODY[1.MIME]'), 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n', 'BODY[1.MIME]');
    assert.equal(fetchItem(out.part2.got, 'BODY[2]')?.replace(/\r\n/g, ''), attachment.toString('base64'), 'BODY[2] is the base64 text');
    assertSameBytes(fetchBytes(out.binary.got, 'BINARY[2]')!, attachment, 'BINARY[2] is the decoded attachment (RFC 3516)');
    assert.equal(Number(fetchItem(out.binary.got, 'BINARY.SIZE[2]')), attachment.length, 'BINARY.SIZE[2]');
    assertSameBytes(fetchBytes(out.binary.got, 'BINARY[1]')!, part1Text, 'BINARY[1] of an 8bit part');
    assert.match(Buffer.from(fetchItem(out.preview.got, 'PREVIEW') ?? '', 'latin1').toString('utf8'), /^Hello Alice, here is the file\. Grüße\.?$/, `PREVIEW (RFC 8970)\n${wire(out.preview)}`);
    assert.match(fetchItem(out.objectid.got, 'EMAILID') ?? '', /^\([A-Za-z0-9_-]{1,255}\)$/, `EMAILID (RFC 8474)\n${wire(out.objectid)}`);
    assert.match(fetchItem(out.objectid.got, 'THREADID') ?? '', /^(\([A-Za-z0-9_-]{1,255}\)|NIL)$/, `THREADID\n${wire(out.objectid)}`);
    assert.match(fetchItem(out.modseq.got, 'MODSEQ') ?? '', /^\(\d+\)$/, `MODSEQ (RFC 7162)\n${wire(out.modseq)}`);
    assertSameBytes(Buffer.concat([fetchBytes(out.rfc822.got, 'RFC822.HEADER')!, fetchBytes(out.rfc822.got, 'RFC822.TEXT')!]), whole, 'RFC822.HEADER + RFC822.TEXT');
    assertSameBytes(fetchBytes(out.partial_whole.got, 'BODY[]<0>')!, whole.subarray(0, 20), 'BODY[]<0.20>');
    assert.doesNotMatch(fetchItem(out.flags_before.got, 'FLAGS') ?? '', /\\Seen/, 'BODY.PEEK did not set \\Seen');
    assertSameBytes(fetchBytes(out.partial.got, 'BODY[1]<0>')!, part1Text.subarray(0, 10), 'BODY[1]<0.10> answers as BODY[1]<0>');
    assert.match(fetchItem(out.partial.got, 'FLAGS') ?? '', /\\Seen/, `a non-PEEK BODY fetch reports the new \\Seen flag\n${wire(out.partial)}`);
    assert.match(fetchItem(out.flags_after.got, 'FLAGS') ?? '', /\\Seen/, 'BODY[] set \\Seen');
    assertSameBytes(fetchBytes(out.rfc822_peek.got, /RFC822(?:\.PEEK)?|BODY\[\]/)!, whole, 'RFC822.PEEK (old Outlook) is accepted');
    assert.match(out.macros.got, /FLAGS \(/, 'FULL includes FLAGS');
    assert.match(out.macros.got, /ENVELOPE \(/, 'FULL includes ENVELOPE');
    assertTagged(out.bad_item, 'BAD', null, 'FETCH of an unknown item');
    assert.ok(['OK', 'NO', 'BAD'].includes(status(out.bad_section) ?? ''), 'a missing section is answered');
    assertTagged(out.seq_zero, 'BAD', null, 'sequence number 0');
    assertOk(out.uid_none, 'UID FETCH of a UID that does not exist (RFC 9051: not an error)');
    assert.doesNotMatch(out.uid_none.got, /^\* \d+ FETCH/m, 'and returns nothing');
  });

  test('every delivered message comes back byte-identical through FETCH BODY[], with the MIME corpus', () => {
    const files: { path: string }[] = [];
    const corpusSent: Buffer[] = [];
    for (const dir of ['rfc', 'legacy', 'malformed']) {
      for (const file of readdirSync(join(CORPUS, dir)).filter((f) => f.endsWith('.eml')).sort()) {
        const data = toCrlf(readFileSync(join(CORPUS, dir, file)));
        const path = join(work, `${dir}-${file}`);
        writeFileSync(path, data);
        files.push({ path });
        corpusSent.push(data);
      }
    }
    const delivered = smtplibSendFiles({ port: petrel.smtp, from: 'corpus@remote.test', to: [`corpus@${DOMAIN}`], messages: files });
    assert.equal(delivered.results.filter((r) => r.status === 'ok').length, files.length, delivered.raw.slice(-2000));
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('select', M, M.select, 'INBOX', readonly=True)
    typ, data = M.uid('SEARCH', None, 'ALL')
    uids = data[0].split()
    out['uids'] = [int(u) for u in uids]
    out['bodies'] = {}
    for u in uids:
        typ, data = M.uid('FETCH', u, '(BODY.PEEK[])')
        out['bodies'][int(u)] = L(data[0][1])
    step('structure', M, M.fetch, '1:*', '(ENVELOPE BODYSTRUCTURE BODY RFC822.SIZE PREVIEW)')
    step('binary', M, M.fetch, '1:*', '(BINARY.SIZE[1])')
    S = login(connect(), P['alice'])
    step('aliceselect', S, S.select, 'INBOX', readonly=True)
    out['alice'] = {}
    for u in P['aliceUids']:
        typ, data = S.uid('FETCH', str(u), '(BODY.PEEK[])')
        out['alice'][u] = L(data[0][1])
`,
      pyParams(petrel, 'corpus', { aliceUids: [...uidOf.values()], alice: `alice@${DOMAIN}` }),
    );
    assert.equal(out.uids.length, corpusSent.length);
    out.uids.forEach((uid: number, i: number) => assertStoredSuffix(bytesOf(out.bodies[uid]), corpusSent[i], `corpus message ${files[i].path}`));
    for (const uid of [out.uids[0], out.uids[20], out.uids[out.uids.length - 1]]) assertSameBytes(bytesOf(out.bodies[uid]), storedMessage(petrel, `corpus@${DOMAIN}`, uid), `corpus UID ${uid} vs mail show`);
    assertOk(out.structure, 'ENVELOPE/BODYSTRUCTURE over the whole corpus');
    assert.equal((out.structure.got.match(/^\* \d+ FETCH /gm) ?? []).length, corpusSent.length, 'one FETCH response per message');
    assert.ok(['OK', 'NO'].includes(status(out.binary) ?? ''), `BINARY.SIZE over broken MIME is answered (NO [UNKNOWN-CTE] allowed)\n${wire(out.binary)}`);
    for (const [subject, data] of sent) {
      const uid = uidOf.get(subject)!;
      const fetched = bytesOf(out.alice[uid]);
      assertStoredSuffix(fetched, data, `"${subject}" through IMAP`);
      assertSameBytes(fetched, storedMessage(petrel, `alice@${DOMAIN}`, uid), `"${subject}" vs mail show`);
    }
  });

  test('STORE, UNCHANGEDSINCE/MODIFIED, COPY/COPYUID, MOVE, EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT, QRESYNC', () => {
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    M.create('Scratch')
    for i in range(6):
        typ, data = M.append('Scratch', None, None, b'Subject: scratch %d\r\nMessage-ID: <scratch%d@t>\r\n\r\nbody %d\r\n' % (i, i, i))
        assert typ == 'OK', (typ, data)
    M.select('Scratch', readonly=True)
    out['uids'] = L(M.uid('SEARCH', None, 'ALL')[1][0]).split()
    M.close()
    step('select', M, M.select, 'Scratch')
    step('add', M, M.store, '1', '+FLAGS', '(\\Flagged $Work)')
    step('remove', M, M.store, '1', '-FLAGS', '($Work)')
    step('silent', M, M.store, '1', 'FLAGS.SILENT', '(\\Seen)')
    step('after_silent', M, M.fetch, '1', '(FLAGS)')
    step('enable', M, cmd, M, 'ENABLE', 'CONDSTORE')
    step('modseq0', M, M.fetch, '1', '(MODSEQ)')
    m0 = re.search(r'MODSEQ \((\d+)\)', out['modseq0']['got']).group(1)
    step('unchanged_ok', M, M.store, '1', '(UNCHANGEDSINCE %s) +FLAGS' % m0, '(\\Answered)')
    step('unchanged_fail', M, M.store, '1', '(UNCHANGEDSINCE %s) +FLAGS' % m0, '(\\Draft)')
    step('after_unchanged', M, M.fetch, '1', '(FLAGS MODSEQ)')
    step('changedsince', M, M.fetch, '1:*', '(FLAGS) (CHANGEDSINCE %s)' % m0)
    step('copy', M, M.uid, 'COPY', out['uids'][0], 'Archive')
    step('copy_missing', M, M.copy, '1', 'NoSuchBox')
    step('move', M, M.uid, 'MOVE', out['uids'][1], 'Trash')
    step('status_trash', M, M.status, 'Trash', '(MESSAGES)')
    # Now: seq 1..5 = uids[0], uids[2..5]. Delete seq 2 and 4 (uids[2], uids[4]).
    step('del', M, M.store, '2,4', '+FLAGS.SILENT', '(\\Deleted)')
    step('expunge', M, M.expunge)
    step('left1', M, M.uid, 'SEARCH', None, 'ALL')
    step('del2', M, M.uid, 'STORE', out['uids'][3] + ',' + out['uids'][5], '+FLAGS.SILENT', '(\\Deleted)')
    step('uid_expunge', M, cmd, M, 'UID', 'EXPUNGE', out['uids'][3])
    step('left2', M, M.uid, 'SEARCH', None, 'ALL')
    step('unselect_store', M, M.store, '1', '+FLAGS.SILENT', '(\\Deleted)')
    step('unselect', M, M.unselect)
    step('status_unselect', M, M.status, 'Scratch', '(MESSAGES)')
    step('examine', M, M.select, 'Scratch', readonly=True)
    step('close_ro', M, M.close)
    step('status_close_ro', M, M.status, 'Scratch', '(MESSAGES)')
    step('select2', M, M.select, 'Scratch')
    step('close', M, M.close)
    step('status_close', M, M.status, 'Scratch', '(MESSAGES UIDVALIDITY HIGHESTMODSEQ)')
    step('close_again', M, cmd, M, 'CLOSE')
    # QRESYNC: what vanished since the modseq we knew.
    v = re.search(r'UIDVALIDITY (\d+)', out['status_close']['got']).group(1)
    step('enable_q', M, cmd, M, 'ENABLE', 'QRESYNC')
    step('qresync', M, cmd, M, 'SELECT', 'Scratch', '(QRESYNC (%s %s))' % (v, m0))
`,
      pyParams(petrel, 'dave'),
    );
    const uids: string[] = out.uids;
    assert.equal(uids.length, 6, `six messages in Scratch: ${uids.join(' ')}`);
    assertOk(out.add, '+FLAGS');
    assert.match(out.add.got, /^\* 1 FETCH \(.*FLAGS \((?=[^)]*\\Flagged)(?=[^)]*\$Work)[^)]*\)/m, `+FLAGS reports the new flags\n${wire(out.add)}`);
    assert.match(out.remove.got, /^\* 1 FETCH \(.*FLAGS \(\\Flagged(?: \\Recent)?\)/m, `-FLAGS\n${wire(out.remove)}`);
    assertOk(out.silent, 'FLAGS.SILENT');
    assert.doesNotMatch(out.silent.got, /^\* 1 FETCH/m, `FLAGS.SILENT sends no FETCH for its own change\n${wire(out.silent)}`);
    assert.equal(fetchItem(out.after_silent.got, 'FLAGS')?.replace(' \\Recent', ''), '(\\Seen)', 'FLAGS replaced the set');
    const m0 = Number(/MODSEQ \((\d+)\)/.exec(out.modseq0.got)?.[1]);
    assertOk(out.unchanged_ok, 'STORE UNCHANGEDSINCE current');
    const m1 = Number(/MODSEQ \((\d+)\)/.exec(out.unchanged_ok.got)?.[1]);
    assert.ok(m1 > m0, `STORE with CONDSTORE reports a higher MODSEQ\n${wire(out.unchanged_ok)}`);
    assertOk(out.unchanged_fail, 'STORE UNCHANGEDSINCE stale');
    assert.match(out.unchanged_fail.got, /^\S+ OK \[MODIFIED 1\]/m, `a stale UNCHANGEDSINCE answers OK [MODIFIED 1] (RFC 7162 §3.1.3)\n${wire(out.unchanged_fail)}`);
    assert.doesNotMatch(fetchItem(out.after_unchanged.got, 'FLAGS') ?? '', /\\Draft/, 'the refused change was not made');
    assert.deepEqual((out.changedsince.got.match(/^\* (\d+) FETCH/gm) ?? []).map((l: string) => l.split(' ')[1]), ['1'], `CHANGEDSINCE returns only message 1\n${wire(out.changedsince)}`);
    assertOk(out.copy, 'UID COPY');
    assert.match(out.copy.got, new RegExp(`OK \\[COPYUID \\d+ ${uids[0]} \\d+\\]`), `COPYUID (RFC 4315)\n${wire(out.copy)}`);
    assertTagged(out.copy_missing, 'NO', 'TRYCREATE', 'COPY to a missing mailbox');
    assertOk(out.move, 'UID MOVE');
    assert.match(out.move.got, new RegExp(`\\[COPYUID \\d+ ${uids[1]} \\d+\\]`), `MOVE reports COPYUID (RFC 6851)\n${wire(out.move)}`);
    assert.match(out.move.got, /^\* 2 EXPUNGE\r$/m, `MOVE expunges the source\n${wire(out.move)}`);
    assert.equal(statusItems(out.status_trash.got)?.MESSAGES, 1, 'Trash got the moved message');
    assertOk(out.expunge, 'EXPUNGE');
    // Replay the EXPUNGE responses against the sequence: what is left must be what we kept.
    let seq = [uids[0], uids[2], uids[3], uids[4], uids[5]];
    for (const m of out.expunge.got.matchAll(/^\* (\d+) EXPUNGE\r$/gm)) seq = seq.filter((_, i) => i !== Number(m[1]) - 1);
    assert.deepEqual(seq, [uids[0], uids[3], uids[5]], `EXPUNGE responses name the right messages\n${wire(out.expunge)}`);
    assert.deepEqual(/\* SEARCH ([\d ]*)/.exec(out.left1.got)?.[1].trim().split(' '), [uids[0], uids[3], uids[5]]);
    assertOk(out.uid_expunge, 'UID EXPUNGE');
    assert.equal((out.uid_expunge.got.match(/^\* \d+ EXPUNGE\r$/gm) ?? []).length, 1, `UID EXPUNGE removes only the named UID\n${wire(out.uid_expunge)}`);
    assert.deepEqual(/\* SEARCH ([\d ]*)/.exec(out.left2.got)?.[1].trim().split(' '), [uids[0], uids[5]]);
    assertOk(out.unselect, 'UNSELECT');
    assert.equal(statusItems(out.status_unselect.got)?.MESSAGES, 2, 'UNSELECT expunged nothing');
    assertOk(out.close_ro, 'CLOSE after EXAMINE');
    assert.equal(statusItems(out.status_close_ro.got)?.MESSAGES, 2, 'CLOSE of a read-only mailbox expunges nothing');
    assertOk(out.close, 'CLOSE');
    assert.doesNotMatch(out.close.got, /EXPUNGE/, 'CLOSE expunges silently');
    assert.equal(statusItems(out.status_close.got)?.MESSAGES, 0, 'CLOSE expunged both \\Deleted messages');
    assertTagged(out.close_again, 'NO|BAD', null, 'CLOSE with nothing selected');
    assertOk(out.qresync, 'SELECT (QRESYNC ...)');
    const vanished = /^\* VANISHED \(EARLIER\) ([\d:,]+)\r$/m.exec(out.qresync.got);
    assert.ok(vanished, `VANISHED (EARLIER) after SELECT with QRESYNC (RFC 7162 §3.2.5.1)\n${wire(out.qresync)}`);
    const gone = expandSet(vanished[1]).map(String);
    for (const uid of uids) assert.ok(gone.includes(uid), `UID ${uid} reported vanished: ${vanished[1]}`);
  });

  test('SEARCH keys, CHARSET, BADCHARSET, ESEARCH, SEARCHRES, WITHIN, SORT, THREAD', () => {
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    M.create('Search')
    msgs = [
        ('(\\Seen)', '01-Jan-2024 10:00:00 +0000', 'From: Alice <alice@a.test>\r\nSubject: apple pie\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <s1@t>\r\n\r\nthe quick brown fox jumps\r\n'),
        ('(\\Flagged)', '01-Mar-2024 10:00:00 +0000', 'From: Bob <bob@b.test>\r\nSubject: banana split\r\nDate: Fri, 01 Mar 2024 10:00:00 +0000\r\nMessage-ID: <s2@t>\r\n\r\nlazy dog\r\n' + ('x' * 74 + '\r\n') * 70),
        ('()', '01-Jun-2024 10:00:00 +0000', 'From: Carol <carol@c.test>\r\nSubject: =?UTF-8?Q?cherry_tart_Gr=C3=BC=C3=9Fe?=\r\nDate: Sat, 01 Jun 2024 10:00:00 +0000\r\nMessage-ID: <s3@t>\r\nX-Custom: hello-world\r\n\r\nfox and dog\r\n'),
        ('(\\Answered)', '02-Jun-2024 10:00:00 +0000', 'From: Alice <alice@a.test>\r\nSubject: Re: apple pie\r\nDate: Sun, 02 Jun 2024 10:00:00 +0000\r\nMessage-ID: <s4@t>\r\nIn-Reply-To: <s1@t>\r\nReferences: <s1@t>\r\n\r\nreplying about the pie\r\n'),
        ('()', '03-Jun-2024 10:00:00 +0000', 'From: Dave <dave@d.test>\r\nSubject: Re: Re: apple pie\r\nDate: Mon, 03 Jun 2024 10:00:00 +0000\r\nMessage-ID: <s5@t>\r\nIn-Reply-To: <s4@t>\r\nReferences: <s1@t> <s4@t>\r\n\r\nmore pie talk\r\n'),
    ]
    for flags, date, text in msgs:
        typ, _ = M.append('Search', flags, '"%s"' % date, text.encode())
        assert typ == 'OK'
    M.select('Search')
    searches = {
        'seen': 'SEEN', 'unseen': 'UNSEEN', 'flagged': 'FLAGGED', 'answered': 'ANSWERED',
        'from': 'FROM alice', 'subject': 'SUBJECT banana', 'body': 'BODY fox', 'text': 'TEXT dog',
        'header': 'HEADER X-Custom hello', 'since': 'SINCE 1-May-2024', 'sentbefore': 'SENTBEFORE 1-Feb-2024',
        'larger': 'LARGER 4000', 'smaller': 'SMALLER 4000', 'or': 'OR FROM bob SUBJECT cherry', 'not': 'NOT FROM alice',
        'seqset': '2:4 NOT SEEN', 'all': 'ALL', 'none': 'SUBJECT nothing-matches-this', 'older': 'OLDER 3600', 'younger': 'YOUNGER 3600',
        'paren': '(FROM alice) (NOT ANSWERED)', 'header_exists': 'HEADER In-Reply-To ""', 'keyword': 'UNKEYWORD $Junk',
    }
    for k, v in searches.items():
        step('s_' + k, M, M.search, None, v)
    step('uids', M, M.uid, 'SEARCH', None, 'ALL')
    uids = L(M.uid('SEARCH', None, 'ALL')[1][0]).split()
    step('uidrange', M, M.uid, 'SEARCH', None, 'UID %s:%s' % (uids[1], uids[2]))
    M.literal = 'Grüße'.encode('utf-8')
    step('utf8', M, M.search, 'UTF-8', 'SUBJECT')
    step('badcharset', M, M.search, 'X-NO-SUCH-CHARSET', 'SUBJECT', 'x')
    step('esearch', M, cmd, M, 'SEARCH', 'RETURN', '(MIN MAX COUNT ALL)', 'FROM', 'alice')
    step('esearch_uid', M, M.uid, 'SEARCH', 'RETURN', '(COUNT)', 'ALL')
    step('esearch_empty', M, cmd, M, 'SEARCH', 'RETURN', '()', 'ALL')
    step('esearch_none', M, cmd, M, 'SEARCH', 'RETURN', '(MIN)', 'SUBJECT', 'nothing-matches-this')
    step('save', M, cmd, M, 'SEARCH', 'RETURN', '(SAVE)', 'FROM', 'alice')
    step('fetch_saved', M, M.fetch, '$', '(UID)')
    step('search_saved', M, M.uid, 'SEARCH', None, '$')
    for k, v in {'subject': '(SUBJECT)', 'rdate': '(REVERSE DATE)', 'from': '(FROM)', 'arrival': '(ARRIVAL)', 'rsize': '(REVERSE SIZE)', 'displayfrom': '(DISPLAYFROM)', 'cc': '(CC DATE)'}.items():
        step('sort_' + k, M, cmd, M, 'SORT', v, 'UTF-8', 'ALL')
    step('sort_crit', M, cmd, M, 'SORT', '(SUBJECT)', 'UTF-8', 'FROM', 'alice')
    step('uid_sort', M, M.uid, 'SORT', '(DATE)', 'UTF-8', 'ALL')
    step('thread_refs', M, cmd, M, 'THREAD', 'REFERENCES', 'UTF-8', 'ALL')
    step('thread_subj', M, cmd, M, 'THREAD', 'ORDEREDSUBJECT', 'UTF-8', 'ALL')
    step('thread_bad', M, cmd, M, 'THREAD', 'NO-SUCH-ALGORITHM', 'UTF-8', 'ALL')
    step('bad_key', M, M.search, None, 'NOSUCHKEY')
`,
      pyParams(petrel, 'erin'),
    );
    const expect: Record<string, number[]> = {
      seen: [1], unseen: [2, 3, 4, 5], flagged: [2], answered: [4], from: [1, 4], subject: [2], body: [1, 3], text: [2, 3],
      header: [3], since: [3, 4, 5], sentbefore: [1], larger: [2], smaller: [1, 3, 4, 5], or: [2, 3], not: [2, 3, 5], seqset: [2, 3, 4],
      all: [1, 2, 3, 4, 5], none: [], older: [1, 2, 3, 4, 5], younger: [], paren: [1], header_exists: [4, 5], keyword: [1, 2, 3, 4, 5],
    };
    for (const [key, numbers] of Object.entries(expect)) {
      const step = out[`s_${key}`] as Step;
      assertOk(step, `SEARCH ${key}`);
      assert.deepEqual(searchNumbers(step.got), numbers, `SEARCH ${key}\n${wire(step)}`);
    }
    const uids = searchNumbers(out.uids.got)!;
    assert.equal(uids.length, 5);
    assert.deepEqual(searchNumbers(out.uidrange.got), [uids[1], uids[2]], `UID SEARCH UID range\n${wire(out.uidrange)}`);
    assert.deepEqual(searchNumbers(out.utf8.got), [3], `SEARCH CHARSET UTF-8 SUBJECT {literal} matches the RFC 2047 subject\n${wire(out.utf8)}`);
    assertTagged(out.badcharset, 'NO', 'BADCHARSET', 'SEARCH with an unknown charset');
    const tagOf = (step: Step) => /^(\S+) /.exec(step.sent)?.[1];
    // RFC 4731 §3: the return data items may come in any order.
    const esearch = new RegExp(`^\\* ESEARCH \\(TAG "${tagOf(out.esearch)}"\\)((?: [A-Z]+ [\\d:,]+)+)\\r$`, 'm').exec(out.esearch.got);
    assert.ok(esearch, `ESEARCH RETURN (MIN MAX COUNT ALL) (RFC 4731)\n${wire(out.esearch)}`);
    const returned = Object.fromEntries([...esearch[1].matchAll(/ ([A-Z]+) ([\d:,]+)/g)].map((m) => [m[1], m[2]]));
    assert.deepEqual(returned, { MIN: '1', MAX: '4', COUNT: '2', ALL: '1,4' }, wire(out.esearch));
    assert.match(out.esearch_uid.got, new RegExp(`^\\* ESEARCH \\(TAG "${tagOf(out.esearch_uid)}"\\) UID COUNT 5\\r$`, 'm'), `UID ESEARCH\n${wire(out.esearch_uid)}`);
    assert.match(out.esearch_empty.got, /^\* ESEARCH \(TAG "[^"]+"\) ALL 1:5\r$/m, `RETURN () means ALL\n${wire(out.esearch_empty)}`);
    assert.match(out.esearch_none.got, /^\* ESEARCH \(TAG "[^"]+"\)\r$/m, `no MIN when nothing matched\n${wire(out.esearch_none)}`);
    assertOk(out.save, 'SEARCH RETURN (SAVE)');
    assert.doesNotMatch(out.save.got, /^\* (ESEARCH|SEARCH)/m, 'SAVE alone returns no result (RFC 5182 §2.4)');
    assert.deepEqual([...out.fetch_saved.got.matchAll(/^\* (\d+) FETCH/gm)].map((m) => Number(m[1])), [1, 4], `FETCH $ uses the saved result\n${wire(out.fetch_saved)}`);
    assert.deepEqual(searchNumbers(out.search_saved.got), [uids[0], uids[3]], `UID SEARCH $\n${wire(out.search_saved)}`);
    const sorts: Record<string, number[]> = { subject: [1, 4, 5, 2, 3], rdate: [5, 4, 3, 2, 1], from: [1, 4, 2, 3, 5], arrival: [1, 2, 3, 4, 5], displayfrom: [1, 4, 2, 3, 5], cc: [1, 2, 3, 4, 5] };
    for (const [key, numbers] of Object.entries(sorts)) {
      assertOk(out[`sort_${key}`], `SORT ${key}`);
      assert.deepEqual(sortNumbers(out[`sort_${key}`].got), numbers, `SORT ${key} (RFC 5256)\n${wire(out[`sort_${key}`])}`);
    }
    assert.equal(sortNumbers(out.sort_rsize.got)?.[0], 2, `SORT (REVERSE SIZE) puts the large message first\n${wire(out.sort_rsize)}`);
    assert.deepEqual(sortNumbers(out.sort_crit.got), [1, 4], 'SORT with search criteria');
    assert.deepEqual(sortNumbers(out.uid_sort.got), uids, `UID SORT returns UIDs\n${wire(out.uid_sort)}`);
    assert.match(out.thread_refs.got, /^\* THREAD \(1 4 5\)\(2\)\(3\)\r$/m, `THREAD REFERENCES\n${wire(out.thread_refs)}`);
    assert.match(out.thread_subj.got, /^\* THREAD \(1 \(4\)\(5\)\)\(2\)\(3\)\r$/m, `THREAD ORDEREDSUBJECT\n${wire(out.thread_subj)}`);
    assertTagged(out.thread_bad, 'NO|BAD', null, 'THREAD with an unknown algorithm');
    assertTagged(out.bad_key, 'BAD', null, 'SEARCH with an unknown key');
  });

  test('GETQUOTAROOT, GETQUOTA, MYRIGHTS, GETACL, LISTRIGHTS', () => {
    const out = imapPython(
      String.raw`
def main():
    M = login(connect())
    step('quotaroot', M, M.getquotaroot, 'INBOX')
    root = re.search(r'\* QUOTAROOT INBOX ("[^"]*"|\S+)', out['quotaroot']['got'])
    step('quota', M, M.getquota, root.group(1) if root else '""')
    step('myrights', M, M.myrights, 'INBOX')
    step('getacl', M, M.getacl, 'INBOX')
    step('listrights', M, cmd, M, 'LISTRIGHTS', 'INBOX', 'anyone')
    step('myrights_missing', M, M.myrights, 'NoSuchBox')
`,
      alice(),
    );
    assertOk(out.quotaroot, 'GETQUOTAROOT');
    assert.match(out.quotaroot.got, /^\* QUOTAROOT (INBOX|"INBOX")( \S+)*\r$/m, `* QUOTAROOT\n${wire(out.quotaroot)}`);
    // An account without a limit has no quota root (RFC 9208 §4.3), and then no quota to get.
    if (/^\* QUOTAROOT \S+ \S+/m.test(out.quotaroot.got)) assertOk(out.quota, 'GETQUOTA');
    else assertTagged(out.quota, 'NO', null, 'GETQUOTA of a root that does not exist');
    assertOk(out.myrights, 'MYRIGHTS');
    const rights = /^\* MYRIGHTS "?INBOX"? "?([a-z0-9]+)"?\r$/m.exec(out.myrights.got)?.[1] ?? '';
    for (const r of 'lrswipte') assert.ok(rights.includes(r), `the owner has right ${r} on INBOX: ${rights}`);
    assertOk(out.getacl, 'GETACL');
    assert.match(out.getacl.got, /^\* ACL "?INBOX"? "?alice@imap\.test"? "?[a-z0-9]+"?/m, `* ACL lists the owner\n${wire(out.getacl)}`);
    assertOk(out.listrights, 'LISTRIGHTS');
    assertTagged(out.myrights_missing, 'NO', null, 'MYRIGHTS on a missing mailbox');
    // RFC 9208 §9: quota-list = "(" quota-resource *(SP quota-resource) ")" — never empty.
    for (const line of untaggedLines(out.quotaroot.got, 'QUOTA')) {
      assert.match(line, /^\* QUOTA \S+ \([A-Z-]+ \d+ \d+(?: [A-Z-]+ \d+ \d+)*\)$/, `* QUOTA lists at least one resource with usage and limit (RFC 9208 §9)\n${wire(out.quotaroot)}`);
    }
  });

  test('IMAP4rev2 after ENABLE, UTF8=ACCEPT names and APPEND, and what real clients send (REFERENCES.md quirks)', () => {
    const out = imapPython(
      String.raw`
def main():
    for i in range(3):
        M = login(connect())
        M.append('INBOX', '(\\Seen)' if i == 0 else None, None, b'Subject: rev2 %d\r\n\r\nbody %d\r\n' % (i, i))
        M.logout()
    R = Raw()
    R.login()
    out['enable'] = R.cmd('ENABLE IMAP4rev2')
    out['select'] = R.cmd('SELECT INBOX')
    out['search'] = R.cmd('SEARCH UNSEEN')
    out['uid_search'] = R.cmd('UID SEARCH ALL')
    out['list_nonexistent'] = R.cmd('LIST "" "NoSuchBox"')
    # iOS Mail sends CHANGEDSINCE 0; Thunderbird adds a trailing separator; Outlook sends RFC822.PEEK.
    out['changedsince0'] = R.cmd('FETCH 1:* (FLAGS) (CHANGEDSINCE 0)')
    out['trailing'] = R.cmd('STATUS "Drafts/" (MESSAGES)')
    out['star_range'] = R.cmd('UID FETCH *:1 (UID)')
    out['seq_star'] = R.cmd('FETCH 2:* (UID)')
    out['inbox_child'] = R.cmd('CREATE inbox/Sub')
    out['inbox_child_list'] = R.cmd('LIST "" "INBOX/*"')
    # A second session without UTF8=ACCEPT sees modified UTF-7; with it, raw UTF-8.
    U = Raw()
    U.login()
    out['utf8_enable'] = U.cmd('ENABLE UTF8=ACCEPT')
    out['utf8_create'] = U.cmd('CREATE "Entwürfe"')
    out['utf8_list'] = U.cmd('LIST "" "Entw*"')
    msg = 'Subject: Grüße\r\nFrom: Jürgen <jürgen@bücher.test>\r\n\r\nUTF-8 header\r\n'.encode('utf-8')
    out['utf8_append'] = U.cmd(b'APPEND "Entw\xc3\xbcrfe" UTF8 (~{%d+}\r\n' % len(msg) + msg + b')')
    out['utf7_list'] = R.cmd('LIST "" "Entw*"')
    out['utf7_status'] = R.cmd('STATUS "Entw&APw-rfe" (MESSAGES)')
`,
      pyParams(petrel, 'gina'),
    );
    rawOk(out.enable, 'ENABLE IMAP4rev2');
    assert.match(out.enable.got, /^\* ENABLED IMAP4REV2\r$/im, wire(out.enable));
    rawOk(out.select, 'SELECT under IMAP4rev2');
    assert.doesNotMatch(out.select.got, /^\* \d+ RECENT/m, `no RECENT in IMAP4rev2 (RFC 9051 §7.4)\n${wire(out.select)}`);
    rawOk(out.search, 'SEARCH under IMAP4rev2');
    assert.match(out.search.got, new RegExp(`^\\* ESEARCH \\(TAG "${out.search.tag}"\\) ALL 2:3\\r$`, 'm'), `IMAP4rev2 answers SEARCH with ESEARCH (RFC 9051 §6.4.4)\n${wire(out.search)}`);
    assert.doesNotMatch(out.search.got, /^\* SEARCH/m, 'no old-style SEARCH response under IMAP4rev2');
    assert.match(out.uid_search.got, /^\* ESEARCH \(TAG "[^"]+"\) UID ALL [\d:,]+\r$/m, wire(out.uid_search));
    rawOk(out.list_nonexistent, 'LIST of a missing name');
    rawOk(out.changedsince0, 'CHANGEDSINCE 0 (iOS Mail)');
    assert.equal((out.changedsince0.got.match(/^\* \d+ FETCH/gm) ?? []).length, 3, `CHANGEDSINCE 0 returns every message\n${wire(out.changedsince0)}`);
    rawOk(out.trailing, 'a mailbox name with a trailing separator (Thunderbird)');
    rawOk(out.star_range, 'UID FETCH *:1');
    assert.equal((out.star_range.got.match(/^\* \d+ FETCH/gm) ?? []).length, 3, `*:1 is the same as 1:* (RFC 9051 §9 seq-range)\n${wire(out.star_range)}`);
    assert.equal((out.seq_star.got.match(/^\* \d+ FETCH/gm) ?? []).length, 2, wire(out.seq_star));
    rawOk(out.inbox_child, 'CREATE inbox/Sub');
    assert.match(out.inbox_child_list.got, /^\* LIST \([^)]*\) "\/" "?INBOX\/Sub"?\r$/m, `inbox/ is INBOX/ (RFC 9051 §5.1)\n${wire(out.inbox_child_list)}`);
    rawOk(out.utf8_enable, 'ENABLE UTF8=ACCEPT');
    rawOk(out.utf8_create, 'CREATE with a UTF-8 name under UTF8=ACCEPT');
    assert.match(Buffer.from(out.utf8_list.got, 'latin1').toString('utf8'), /^\* LIST \([^)]*\) "\/" "Entwürfe"\r$/m, `raw UTF-8 name under UTF8=ACCEPT (RFC 6855 §3)\n${wire(out.utf8_list)}`);
    rawOk(out.utf8_append, 'APPEND ... UTF8 (~{n+} ...) (RFC 6855 §4, Thunderbird 128)');
    assert.match(out.utf7_list.got, /^\* LIST \([^)]*\) "\/" "?Entw&APw-rfe"?\r$/m, `modified UTF-7 for a client without UTF8=ACCEPT\n${wire(out.utf7_list)}`);
    assert.equal(statusItems(out.utf7_status.got)?.MESSAGES, 1, wire(out.utf7_status));
  });

  test('IDLE over a plain socket sees an APPEND from another session; DONE ends it', () => {
    const out = imapPython(
      String.raw`
def main():
    R = Raw()
    R.login()
    out['select'] = R.cmd('SELECT INBOX')
    exists = int(re.search(r'\* (\d+) EXISTS', out['select']['got']).group(1))
    R.sendall('I1 IDLE\r\n')
    out['cont'] = L(R.response())
    M = login(connect())
    step('append', M, M.append, 'INBOX', None, None, b'Subject: while idling\r\n\r\nhello\r\n')
    got = b''
    while not re.search(rb'\* %d EXISTS' % (exists + 1), got):
        got += R.response()
    out['idle'] = L(got)
    R.sendall('DONE\r\n')
    out['done'] = R.until_tagged('I1')
    out['noop'] = R.cmd('NOOP')
    # IDLE in the wrong state and a bad line instead of DONE.
    N = Raw()
    out['idle_notauth'] = N.cmd('IDLE')
    N.login()
    N.sendall('I2 IDLE\r\n')
    N.response()
    N.sendall('NOT-DONE\r\n')
    out['not_done'] = N.until_tagged('I2')
`,
      pyParams(petrel, 'frank'),
    );
    assert.match(out.cont, /^\+/, 'IDLE continuation');
    assertOk(out.append, 'APPEND by the other session');
    assert.match(out.idle, /\* \d+ EXISTS/, 'EXISTS during IDLE');
    rawOk(out.done, 'DONE ends IDLE with the tagged OK');
    rawOk(out.noop, 'NOOP after IDLE');
    assert.match(out.idle_notauth.tagged ?? '', / (BAD|NO)\b/, `IDLE before login\n${wire(out.idle_notauth)}`);
    assert.match(out.not_done.tagged ?? '', /^I2 (BAD|OK)\b/, `a line other than DONE ends IDLE (RFC 2177 allows BAD)\n${wire(out.not_done)}`);
  });

  test('COMPRESS=DEFLATE with python zlib on a plain socket', () => {
    const uid = uidOf.get('imap long lines')!;
    const out = imapPython(
      String.raw`
def main():
    R = Raw()
    R.login()
    out['compress'] = R.cmd('COMPRESS DEFLATE')
    R.z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    R.dz = zlib.decompressobj(-15)
    R.buf = R.dz.decompress(R.buf)
    out['noop'] = R.cmd('NOOP')
    out['cap'] = R.cmd('CAPABILITY')
    out['select'] = R.cmd('EXAMINE INBOX')
    out['fetch'] = R.cmd('UID FETCH %d (BODY.PEEK[])' % P['uid'])
    out['again'] = R.cmd('COMPRESS DEFLATE')
    out['logout'] = R.cmd('LOGOUT')
`,
      pyParams(petrel, 'alice', { uid }),
    );
    rawOk(out.compress, 'COMPRESS DEFLATE');
    rawOk(out.noop, 'NOOP over deflate');
    assert.doesNotMatch(out.cap.got, /COMPRESS=DEFLATE/, 'COMPRESS is not offered again once active');
    rawOk(out.fetch, 'FETCH over deflate');
    assertSameBytes(fetchBytes(out.fetch.got, 'BODY[]')!, storedMessage(petrel, `alice@${DOMAIN}`, uid), 'BODY[] over deflate');
    assert.match(out.again.tagged ?? '', /^\S+ (NO|BAD) \[COMPRESSIONACTIVE\]/, `second COMPRESS: NO [COMPRESSIONACTIVE] (RFC 4978)\n${wire(out.again)}`);
    assert.match(out.logout.got, /^\* BYE/m, 'LOGOUT over deflate');
  });

  test('bad input: garbage, unknown command, wrong state, overlong line, literal over the limit', () => {
    const out = imapPython(
      String.raw`
def main():
    R = Raw()
    R.sendall(b'\x01\x02\xff garbage line\r\n')
    out['garbage'] = L(R.response())
    out['after_garbage'] = R.cmd('NOOP')
    out['unknown'] = R.cmd('FROBNICATE now')
    out['select_notauth'] = R.cmd('SELECT INBOX')
    out['unterminated'] = R.cmd('LOGIN "unterminated')
    R.login()
    out['fetch_auth'] = R.cmd('FETCH 1 FLAGS')
    out['login_again'] = R.cmd('LOGIN a b')
    out['bad_args'] = R.cmd('SELECT')
    out['bad_set'] = R.cmd('EXAMINE INBOX')
    out['bad_set_fetch'] = R.cmd('FETCH 1:x FLAGS')
    cap = R.cmd('CAPABILITY')['got']
    limit = int(re.search(r'APPENDLIMIT=(\d+)', cap).group(1))
    out['limit'] = limit
    # A synchronizing literal over APPENDLIMIT: refused before any data is sent.
    out['too_big'] = R.cmd('APPEND INBOX {%d}' % (limit + 1))
    out['after_too_big'] = R.cmd('NOOP')
    R.close()
    # A non-synchronizing literal over the limit: the client is already sending it.
    N = Raw()
    N.login()
    try:
        N.sendall(b'B1 APPEND INBOX {%d+}\r\n' % (limit + 1) + b'x' * 65536)
    except OSError:
        pass
    got = b''
    try:
        while True:
            got += N.response()
            if got.startswith(b'B1 ') or b'\r\nB1 ' in got or b'* BYE' in got:
                break
    except (EOFError, OSError) as e:
        pass
    out['too_big_plus'] = L(got)
    # An overlong line (over 64 KiB, no literal).
    O = Raw()
    O.login()
    try:
        O.sendall(b'O1 NOOP ' + b'a' * (200 * 1024) + b'\r\n')
    except OSError:
        pass
    got = b''
    closed = False
    try:
        while not re.search(rb'(^|\r\n)(O1 |\* BYE)', got):
            got += O.response()
    except (EOFError, OSError):
        closed = True
    out['overlong'] = L(got)
    out['overlong_closed'] = closed
    F = Raw()
    out['fresh'] = F.cmd('NOOP')
`,
      alice(),
    );
    assert.match(out.garbage, /^(\* BAD|\S+ BAD)\b/, `garbage gets BAD: ${out.garbage}`);
    rawOk(out.after_garbage, 'the session goes on after garbage');
    assert.match(out.unknown.tagged ?? '', /^\S+ BAD\b/, `unknown command → BAD\n${wire(out.unknown)}`);
    assert.match(out.select_notauth.tagged ?? '', /^\S+ (BAD|NO)\b/, `SELECT before login\n${wire(out.select_notauth)}`);
    assert.match(out.unterminated.tagged ?? '', /^\S+ BAD\b/, `unterminated quoted string → BAD\n${wire(out.unterminated)}`);
    assert.match(out.fetch_auth.tagged ?? '', /^\S+ (BAD|NO)\b/, `FETCH with no mailbox selected\n${wire(out.fetch_auth)}`);
    assert.match(out.login_again.tagged ?? '', /^\S+ (BAD|NO)\b/, `LOGIN once logged in\n${wire(out.login_again)}`);
    assert.match(out.bad_args.tagged ?? '', /^\S+ BAD\b/, `SELECT without a name → BAD\n${wire(out.bad_args)}`);
    assert.match(out.bad_set_fetch.tagged ?? '', /^\S+ BAD\b/, `FETCH 1:x → BAD\n${wire(out.bad_set_fetch)}`);
    assert.ok(out.limit > 0);
    assert.match(out.too_big.tagged ?? '', /^\S+ (NO \[TOOBIG\]|BAD)/, `a literal over APPENDLIMIT is refused without a continuation (RFC 7889)\n${wire(out.too_big)}`);
    assert.doesNotMatch(out.too_big.got, /^\+/m, 'no continuation for a refused literal');
    rawOk(out.after_too_big, 'the session goes on after a refused literal');
    assert.match(out.too_big_plus, /(^|\r\n)(B1 (NO|BAD)|\* BYE)/, `a non-synchronizing literal over the limit is refused: ${out.too_big_plus.slice(0, 300)}`);
    assert.ok(/(^|\r\n)(O1 BAD|\* BYE)/.test(out.overlong) || out.overlong_closed, `a 200 KiB line → BAD or BYE: ${out.overlong.slice(0, 300)}`);
    assert.match(out.overlong, /(^|\r\n)(O1 BAD|\* BYE)/, `a 200 KiB line is answered, not dropped silently: ${out.overlong.slice(0, 300)}`);
    rawOk(out.fresh, 'a fresh client is served afterwards');
  });
});
