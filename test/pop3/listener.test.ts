// The POP3 listener's connection handling with a short idle timer and a fake mail core: what the
// end-to-end tests cannot wait for (RFC 1939's 10-minute autologout) or do not reach (shutdown).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Pop3Listener } from '../../src/pop3/listener.ts';
import type { Maildrop, Pop3Backend } from '../../src/pop3/session.ts';
import { loadTlsMaterial } from '../../src/smtp/tls-certificate.ts';
import type { Principal } from '../../src/store/schema.ts';

const backend: Pop3Backend = {
  authenticate: async (login, password) => (login === 'alice' && password === 'pw' ? ({ id: 1, login } as Principal) : null),
  openMaildrop: async (): Promise<Maildrop> => ({ mailboxId: 1, uidValidity: 1, messages: [{ uid: 1, size: 30 }] }),
  readMessage: async () => Buffer.from('Subject: x\r\n\r\n'.padEnd(30, 'y')),
  expunge: async (_account, _mailbox, uids) => uids,
};

/** Everything the server sends until it closes the connection. */
async function transcript(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  await once(socket, 'close');
  return text;
}

describe('POP3 listener', () => {
  let dataDir: string;
  let listener: Pop3Listener;
  let port: number;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'petrel-pop3-listener-'));
    const tls = await loadTlsMaterial({ dataDir, hostname: 'localhost', certFile: null, keyFile: null });
    listener = new Pop3Listener({ tls, implicitTls: false, allowInsecureAuth: false, log: () => {}, idleTimeoutMs: 300, failureDelayMs: 0 }, backend);
    port = await listener.listen(0, '127.0.0.1');
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('an idle connection is told why and closed', async () => {
    const socket = connect(port, '127.0.0.1');
    const text = await transcript(socket);
    assert.equal(text, '+OK Petrel POP3 ready\r\n-ERR disconnected for inactivity\r\n');
  });

  test('a line split across packets, and a bare LF line end, are one command each', async () => {
    const socket = connect(port, '127.0.0.1');
    const closed = transcript(socket);
    socket.write('US');
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write('ER alice\r\nPASS pw\nRETR 1\r\nQUIT\r\n');
    const text = await closed;
    assert.match(text, /^\+OK Petrel POP3 ready\r\n\+OK\r\n\+OK logged in, 1 messages \(30 octets\)\r\n\+OK 30 octets\r\nSubject: x\r\n\r\ny+\r\n\.\r\n\+OK .*signing off\r\n$/);
  });

  test('shutdown closes open connections and the port', async () => {
    const socket = connect(port, '127.0.0.1');
    const closed = transcript(socket);
    await once(socket, 'data');
    await listener.close();
    await closed;
    const refused = connect(port, '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
  });
});
