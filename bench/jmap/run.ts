// bench/jmap: how a JMAP client's message list holds up on a 100,000-message INBOX. Builds the
// mailbox directly through the mail core (MailStore.appendMany in batches; generated messages in
// threads of 1 to 8, received over a year), lets the substring indexer finish, starts
// `petrel serve` on it, and times over HTTP with Basic auth the request a client sends to show
// the list: Email/query (INBOX, newest first, collapseThreads, 50) and Email/get of those ids
// through a back-reference, in one request.
// Prints `name: value unit` lines; progress goes to stderr.
//
//   node bench/jmap/run.mjs [--messages 100000] [--requests 1000] [--database postgres://...]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { BENCH_PASSWORD as PASSWORD, BENCH_USER as USER, populateMailbox } from '../lib/big-mailbox.ts';
import { percentile, printFigure, round } from '../lib/figures.ts';
import { freePort, startHttpPetrel } from '../lib/http-petrel.ts';

const { values: options } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, requests: { type: 'string', default: '1000' }, database: { type: 'string', default: 'sqlite' } } });
const MESSAGES = Number(options.messages);
const REQUESTS = Number(options.requests);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const LIST_PROPERTIES = ['threadId', 'mailboxIds', 'keywords', 'from', 'subject', 'receivedAt', 'preview', 'hasAttachment'];

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-bench-jmap-'));
  try {
    log(`populating ${MESSAGES} messages in ${dataDir} (${options.database})`);
    await populateMailbox(dataDir, options.database, MESSAGES);
    const port = await freePort();
    const stop = await startHttpPetrel(dataDir, options.database, port);
    try {
      const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
      const post = async (body: unknown) => {
        const response = await fetch(`http://127.0.0.1:${port}/jmap/api`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const text = await response.text();
        if (response.status !== 200) throw new Error(`${response.status} ${text}`);
        return JSON.parse(text) as { methodResponses: [string, Record<string, unknown>, string][] };
      };
      const session = (await (await fetch(`http://127.0.0.1:${port}/.well-known/jmap`, { headers: { authorization } })).json()) as { primaryAccounts: Record<string, string> };
      const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
      const using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'];
      const boxes = await post({ using, methodCalls: [['Mailbox/get', { accountId, properties: ['role'] }, 'm']] });
      const inbox = (boxes.methodResponses[0][1].list as { id: string; role: string }[]).find((b) => b.role === 'inbox')!.id;
      const listRequest = {
        using,
        methodCalls: [
          ['Email/query', { accountId, filter: { inMailbox: inbox }, sort: [{ property: 'receivedAt', isAscending: false }], collapseThreads: true, limit: 50 }, 'q'],
          ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: LIST_PROPERTIES }, 'g'],
        ],
      };
      const check = await post(listRequest);
      const listed = (check.methodResponses[1][1].list as unknown[]).length;
      if (check.methodResponses[0][0] !== 'Email/query' || listed !== 50) throw new Error(`unexpected answer: ${JSON.stringify(check).slice(0, 500)}`);
      // Warm the statement cache and the page cache before measuring.
      for (let i = 0; i < 20; i++) await post(listRequest);
      log(`message list: ${REQUESTS} requests`);
      const samples: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const started = performance.now();
        await post(listRequest);
        samples.push(performance.now() - started);
      }
      samples.sort((x, y) => x - y);
      for (const p of [50, 95, 99]) printFigure(`message_list_p${p}`, round(percentile(samples, p)), 'ms');
      printFigure('load_average_1m', loadavg()[0].toFixed(2));
    } finally {
      await stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
