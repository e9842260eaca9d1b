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

import { ensureAdminAccount } from '../../src/directory/admin-account.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { ensureDefaultTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { SearchIndexer } from '../../src/mail/search-indexer.ts';
import { openStore } from '../../src/store/database.ts';
import { percentile, printFigure, round } from '../lib/figures.ts';
import { freePort, startHttpPetrel } from '../lib/http-petrel.ts';

const USER = 'reader@bench.test';
const PASSWORD = 'bench password 1';
const BATCH = 1000;
const YEAR_MS = 365 * 24 * 60 * 60_000;
const PEOPLE = ['anna', 'ben', 'chloe', 'dmitri', 'elif', 'farid', 'grace', 'hugo', 'ines', 'jonas', 'kaito', 'lena'];
const TOPICS = ['budget', 'release plan', 'offsite', 'hiring', 'customer visit', 'incident review', 'roadmap', 'invoice', 'contract', 'lunch'];

const { values: options } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, requests: { type: 'string', default: '1000' }, database: { type: 'string', default: 'sqlite' } } });
const MESSAGES = Number(options.messages);
const REQUESTS = Number(options.requests);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Message i: threads of 1..8 messages, each reply referencing the thread's earlier ones; every 7th has an attachment. */
function generate(i: number, threadStart: number): Buffer {
  const from = PEOPLE[i % PEOPLE.length];
  const topic = `${TOPICS[threadStart % TOPICS.length]} #${threadStart}`;
  const reply = i > threadStart;
  const references = Array.from({ length: i - threadStart }, (_, k) => `<m${threadStart + k}@bench.test>`);
  const headers = [
    `From: ${from[0].toUpperCase()}${from.slice(1)} <${from}@example.com>`,
    `To: Reader <${USER}>`,
    `Subject: ${reply ? 'Re: ' : ''}${topic}`,
    `Date: ${new Date(Date.UTC(2026, 0, 1) + i * 60_000).toUTCString()}`,
    `Message-ID: <m${i}@bench.test>`,
    ...(reply ? [`In-Reply-To: ${references[references.length - 1]}`, `References: ${references.join(' ')}`] : []),
    'MIME-Version: 1.0',
  ];
  const text = `Hello,\r\n\r\nabout the ${topic}: message ${i} of the thread started by ${threadStart}. ${'Some words to make a preview. '.repeat(4)}\r\n\r\n-- \r\n${from}\r\n`;
  if (i % 7 !== 0) return Buffer.from([...headers, 'Content-Type: text/plain; charset=utf-8', '', text].join('\r\n'));
  return Buffer.from(
    [...headers, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8', '', text, '--b', 'Content-Type: application/pdf; name="notes.pdf"', 'Content-Disposition: attachment; filename="notes.pdf"', 'Content-Transfer-Encoding: base64', '', Buffer.from(`%PDF-1.4 notes ${i}`).toString('base64'), '--b--', ''].join('\r\n'),
  );
}

async function populate(dataDir: string): Promise<void> {
  const store = await openStore({ dataDir, database: options.database });
  try {
    await ensureDefaultTenant(store.db);
    await ensureAdminAccount(store.db);
    await addDomain(store.db, 'bench.test');
    const user = await addUser(store.db, { address: USER, password: PASSWORD });
    const mail = new MailStore(store, new ChangeBus());
    const started = performance.now();
    const now = Date.now();
    let threadStart = 0;
    let threadSize = 1;
    for (let from = 0; from < MESSAGES; from += BATCH) {
      const batch: { raw: Buffer; receivedAt: number }[] = [];
      for (let i = from; i < Math.min(MESSAGES, from + BATCH); i++) {
        if (i - threadStart >= threadSize) {
          threadStart = i;
          threadSize = 1 + ((i * 2654435761) % 8);
        }
        batch.push({ raw: generate(i, threadStart), receivedAt: now - YEAR_MS + Math.floor((i * YEAR_MS) / MESSAGES) });
      }
      await mail.appendMany(user.id, 'INBOX', batch);
      if ((from + batch.length) % 20_000 === 0) log(`  ${from + batch.length} messages`);
    }
    printFigure('messages', String(MESSAGES));
    printFigure('populate', round((performance.now() - started) / 1000), 's');
    // The substring index is derived data the server would otherwise build while we measure.
    const indexer = SearchIndexer.of(store);
    await indexer.catchUp();
    await indexer.stop();
  } finally {
    await store.close();
  }
}

const LIST_PROPERTIES = ['threadId', 'mailboxIds', 'keywords', 'from', 'subject', 'receivedAt', 'preview', 'hasAttachment'];

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-bench-jmap-'));
  try {
    log(`populating ${MESSAGES} messages in ${dataDir} (${options.database})`);
    await populate(dataDir);
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
