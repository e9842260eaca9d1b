// A Petrel with its HTTP (JMAP) and IMAP listeners on free loopback ports, one domain and its
// users, and a JMAP client made of nothing but fetch, as the RFC 8620 examples are written.
import assert from 'node:assert/strict';

import { freePort } from '../helpers/free-port.ts';
import { PASSWORD } from '../helpers/imap-server.ts';
import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { smtplibSend } from '../helpers/smtp-peers.ts';

export { PASSWORD };
export const USING = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'];

export interface JmapPetrel {
  server: RunningPetrel;
  base: string;
  imap: number;
  smtp: number;
  destroy(): Promise<void>;
}

export async function startJmapPetrel(domain: string, users: string[]): Promise<JmapPetrel> {
  const http = await freePort();
  const imap = await freePort();
  const server = await startPetrel({ extraArgs: ['--http-port', String(http), '--imap-port', String(imap)] });
  petrelOk(['domain', 'add', domain, ...server.args]);
  for (const user of users) petrelOk(['user', 'add', `${user}@${domain}`, '--password', PASSWORD, ...server.args]);
  return { server, base: `http://127.0.0.1:${http}`, imap, smtp: server.ports.smtp, destroy: () => server.destroy() };
}

export function basic(login: string, password = PASSWORD): string {
  return `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
}

export type Invocation = [string, Record<string, unknown>, string];

/** One JMAP client: fetches the Session once, then posts requests to its apiUrl. */
export class JmapClient {
  session!: Record<string, unknown> & { apiUrl: string; accounts: Record<string, unknown>; primaryAccounts: Record<string, string>; uploadUrl: string; downloadUrl: string; state: string };

  constructor(
    readonly base: string,
    readonly authorization: string,
  ) {}

  async connect(): Promise<this> {
    const response = await fetch(`${this.base}/.well-known/jmap`, { headers: { authorization: this.authorization }, redirect: 'follow' });
    assert.equal(response.status, 200, await response.clone().text());
    this.session = (await response.json()) as JmapClient['session'];
    return this;
  }

  get accountId(): string {
    return this.session.primaryAccounts['urn:ietf:params:jmap:mail'];
  }

  async request(methodCalls: Invocation[], using = USING): Promise<{ methodResponses: Invocation[]; sessionState: string }> {
    const response = await fetch(this.session.apiUrl, { method: 'POST', headers: { authorization: this.authorization, 'content-type': 'application/json' }, body: JSON.stringify({ using, methodCalls }) });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    return JSON.parse(text) as { methodResponses: Invocation[]; sessionState: string };
  }

  /** Runs one method call and returns its response arguments, failing on an error response. */
  async call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { methodResponses } = await this.request([[name, { accountId: this.accountId, ...args }, 'c0']]);
    assert.equal(methodResponses[0][0], name, JSON.stringify(methodResponses[0]));
    return methodResponses[0][1];
  }
}

/** Delivers a message through the MX with python smtplib, as mail reaches a mailbox. */
export function deliverSmtp(petrel: JmapPetrel, to: string, data: Buffer): void {
  const result = smtplibSend({ port: petrel.smtp, from: 'sender@remote.test', to: [to] }, data);
  assert.equal(result.status, 'ok', `SMTP delivery to ${to} was refused: ${result.raw}`);
}
