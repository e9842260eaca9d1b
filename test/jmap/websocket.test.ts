// RFC 8887 JMAP over WebSocket, driven by the `ws` client: the Session announces the socket, a
// Request gets its Response with requestId, WebSocketPushEnable brings a StateChange when mail
// arrives over SMTP, bad JSON gets a RequestError, and an upgrade without credentials gets 401.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { simpleMessage } from '../helpers/imap-server.ts';
import { basic, deliverSmtp, JmapClient, startJmapPetrel, USING, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'ws.test';
const WEBSOCKET = 'urn:ietf:params:jmap:websocket';

/** The part of the `ws` client this test uses (ws ships no type declarations). */
interface WsClient {
  readonly protocol: string;
  send(data: string): void;
  close(): void;
  once(event: 'open', listener: () => void): void;
  once(event: 'error', listener: (err: Error) => void): void;
  once(event: 'unexpected-response', listener: (request: unknown, response: { statusCode: number }) => void): void;
  once(event: 'close', listener: (code: number) => void): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
}
type WsConstructor = new (url: string, protocols: string[], options: { headers: Record<string, string> }) => WsClient;
const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor;

/** A connected socket and the JSON messages it has received, in order. */
class Socket {
  readonly messages: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WsClient) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(url: string, authorization: string): Promise<Socket> {
    const ws = new WebSocket(url, ['jmap'], { headers: { authorization } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Socket(ws)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message received (now or later) that `match` accepts. */
  async next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

describe('JMAP over WebSocket (RFC 8887)', () => {
  let petrel: JmapPetrel;
  let client: JmapClient;
  let url: string;
  let socket: Socket;

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['dora']);
    client = await new JmapClient(petrel.base, basic(`dora@${DOMAIN}`)).connect();
  });

  after(async () => {
    socket?.ws.close();
    await petrel?.destroy();
  });

  test('the Session announces the WebSocket with push', () => {
    const capability = (client.session.capabilities as Record<string, { url: string; supportsPush: boolean }>)[WEBSOCKET];
    assert.ok(capability, 'websocket capability');
    assert.equal(capability.supportsPush, true);
    assert.match(capability.url, /^ws:\/\/127\.0\.0\.1:\d+\/jmap\/ws$/);
    url = capability.url;
  });

  test('a Request over the socket gets its Response with requestId', async () => {
    socket = await Socket.open(url, basic(`dora@${DOMAIN}`));
    assert.equal(socket.ws.protocol, 'jmap');
    socket.send({ '@type': 'Request', id: 'r1', using: USING, methodCalls: [['Mailbox/get', { accountId: client.accountId, ids: null, properties: ['role'] }, 'c1']] });
    const response = await socket.next((m) => m.requestId === 'r1');
    assert.equal(response['@type'], 'Response');
    const [[name, args, callId]] = response.methodResponses as [string, { list: { role: string | null }[] }, string][];
    assert.equal(name, 'Mailbox/get');
    assert.equal(callId, 'c1');
    assert.ok(args.list.some((m) => m.role === 'inbox'));
    assert.equal(typeof response.sessionState, 'string');
  });

  test('WebSocketPushEnable, then an SMTP delivery, pushes a StateChange with a new Email state', async () => {
    socket.send({ '@type': 'Request', id: 'r2', using: USING, methodCalls: [['Email/get', { accountId: client.accountId, ids: [] }, 'c1']] });
    const before = ((await socket.next((m) => m.requestId === 'r2')).methodResponses as [string, { state: string }, string][])[0][1].state;
    socket.send({ '@type': 'WebSocketPushEnable', dataTypes: ['Email', 'Mailbox'] });
    // The push starts once the server has read the enable message; a Request after it is answered after that.
    socket.send({ '@type': 'Request', id: 'r3', using: USING, methodCalls: [['Core/echo', {}, 'c1']] });
    await socket.next((m) => m.requestId === 'r3');
    deliverSmtp(petrel, `dora@${DOMAIN}`, simpleMessage({ subject: 'pushed', to: `dora@${DOMAIN}` }));
    const change = await socket.next((m) => m['@type'] === 'StateChange');
    const states = (change.changed as Record<string, Record<string, string>>)[client.accountId];
    assert.ok(states, JSON.stringify(change));
    assert.notEqual(states.Email, before);
    assert.equal(typeof states.Mailbox, 'string');
    assert.equal(states.Thread, undefined, 'only the asked types');
    socket.send({ '@type': 'Request', id: 'r4', using: USING, methodCalls: [['Email/changes', { accountId: client.accountId, sinceState: before }, 'c1']] });
    const changes = ((await socket.next((m) => m.requestId === 'r4')).methodResponses as [string, { created: string[]; newState: string }, string][])[0][1];
    assert.equal(changes.created.length, 1);
    assert.equal(changes.newState, states.Email);
  });

  test('bad JSON and a non-Request get a RequestError; the socket stays open', async () => {
    socket.send('{not json');
    const error = await socket.next((m) => m['@type'] === 'RequestError');
    assert.equal(error.type, 'urn:ietf:params:jmap:error:notJSON');
    socket.send({ '@type': 'Request', id: 'r5', using: ['urn:example:nothing'], methodCalls: [] });
    const unknown = await socket.next((m) => m.requestId === 'r5');
    assert.equal(unknown['@type'], 'RequestError');
    assert.equal(unknown.type, 'urn:ietf:params:jmap:error:unknownCapability');
    socket.send({ '@type': 'Request', id: 'r6', using: USING, methodCalls: [['Core/echo', { hello: 1 }, 'c1']] });
    assert.deepEqual((await socket.next((m) => m.requestId === 'r6')).methodResponses, [['Core/echo', { hello: 1 }, 'c1']]);
  });

  test('an upgrade without credentials is refused with 401', async () => {
    for (const authorization of ['', basic(`dora@${DOMAIN}`, 'wrong password')]) {
      const ws = new WebSocket(url, ['jmap'], { headers: authorization ? { authorization } : {} });
      const status = await new Promise<number>((resolve, reject) => {
        ws.once('unexpected-response', (_request, response) => resolve(response.statusCode));
        ws.once('open', () => reject(new Error('the upgrade was accepted')));
        ws.once('error', reject);
      });
      assert.equal(status, 401);
    }
  });

  test('stopping the server closes the socket', async () => {
    const closed = new Promise<number>((resolve) => socket.ws.once('close', resolve));
    await petrel.destroy();
    assert.notEqual(await closed, 1006, 'closed with a close frame, not dropped');
  });
});
