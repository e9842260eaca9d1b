// RFC 8887 JMAP over WebSocket: the same Request/Response as the API resource, one JSON object per
// text message, plus push of StateChange objects once the client sends WebSocketPushEnable.
import type { JmapServices } from './context.ts';
import { pushedTypes, watchAccounts, type PushAccounts } from './event-source.ts';
import { requestProblem, type RequestProblem } from './proto/errors.ts';
import type { JmapRequest, JmapResponse } from './proto/request.ts';

/** The WebSocket subprotocol a JMAP client asks for (RFC 8887 §3). */
export const JMAP_SUBPROTOCOL = 'jmap';

/** The part of a `ws` WebSocket this module uses (ws ships no type declarations). */
export interface JmapSocket {
  send(data: string): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/** What a socket runs requests with: the API resource's own parsing and dispatch. */
export interface SocketApi {
  /** Parses and runs one Request as the API resource would; a problem for a bad one. */
  execute(body: string): Promise<JmapResponse | RequestProblem>;
  /** The accounts whose changes the principal is told of: its own and those shared with it. */
  accounts(): Promise<PushAccounts>;
}

/** The server's choice among the client's subprotocols: "jmap" or none (RFC 8887 §3). */
export function chooseSubprotocol(offered: ReadonlySet<string>): string | false {
  return offered.has(JMAP_SUBPROTOCOL) ? JMAP_SUBPROTOCOL : false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 8887 §4.3.3 RequestError: a problem document with @type, and the request's id if it had one. */
function requestError(problem: RequestProblem, requestId: unknown): Record<string, unknown> {
  return { '@type': 'RequestError', ...(typeof requestId === 'string' ? { requestId } : {}), ...problem };
}

/**
 * Serves one JMAP WebSocket connection (RFC 8887 §4): each text message is a Request (answered by
 * a Response carrying its id as requestId), a WebSocketPushEnable (StateChange objects for the
 * named data types from then on, §4.3.5) or a WebSocketPushDisable. Anything else is answered
 * by a RequestError and the connection stays open.
 */
export function serveJmapSocket(socket: JmapSocket, services: JmapServices, api: SocketApi): void {
  let stopPush: (() => void) | null = null;
  let closed = false;
  let queue = Promise.resolve();
  const send = (message: unknown): void => {
    if (!closed) socket.send(JSON.stringify(message));
  };
  const disablePush = (): void => {
    stopPush?.();
    stopPush = null;
  };

  async function handle(text: string): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return send(requestError(requestProblem('notJSON', 'the message is not valid JSON'), undefined));
    }
    if (!isObject(message)) return send(requestError(requestProblem('notRequest', 'a message must be a JSON object'), undefined));
    const type = message['@type'];
    const id = message.id;
    if (type === 'Request') {
      const result = await api.execute(text);
      if ('status' in result) return send(requestError(result, id));
      return send({ '@type': 'Response', ...(typeof id === 'string' ? { requestId: id } : {}), ...result });
    }
    if (type === 'WebSocketPushEnable') {
      const dataTypes = message.dataTypes;
      if (dataTypes !== undefined && dataTypes !== null && !(Array.isArray(dataTypes) && dataTypes.every((t) => typeof t === 'string'))) {
        return send(requestError(requestProblem('notRequest', 'dataTypes must be null or a list of type names'), undefined));
      }
      disablePush();
      const accounts = await api.accounts();
      if (closed) return;
      stopPush = watchAccounts(services, accounts, pushedTypes((dataTypes as string[] | null | undefined) ?? null), send);
      return;
    }
    if (type === 'WebSocketPushDisable') return disablePush();
    send(requestError(requestProblem('notRequest', 'the message @type must be Request, WebSocketPushEnable or WebSocketPushDisable'), id));
  }

  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      send(requestError(requestProblem('notJSON', 'JMAP messages are text frames (RFC 8887 §4.2)'), undefined));
      return;
    }
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    // One message at a time, in order: a push enabled by one message is on for the next.
    queue = queue
      .then(() => handle(text))
      .catch((err: unknown) => {
        services.log(`jmap websocket: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        send(requestError({ type: 'urn:ietf:params:jmap:error:serverFail', status: 500, detail: 'the server failed to handle this message' }, undefined));
      });
  });
  socket.on('close', () => {
    closed = true;
    disablePush();
  });
}
