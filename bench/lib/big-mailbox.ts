// A big mailbox for the benches that measure a client's message list (bench/jmap, bench/webmail):
// built directly through the mail core (MailStore.appendMany in batches; generated messages in
// threads of 1 to 8, received over a year, every 7th with an attachment), then the substring
// indexer is let finish so the server does not build it while a bench measures.
import { ensureAdminAccount } from '../../src/directory/admin-account.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { ensureDefaultTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { SearchIndexer } from '../../src/mail/search-indexer.ts';
import { openStore } from '../../src/store/database.ts';
import { printFigure, round } from './figures.ts';

export const BENCH_USER = 'reader@bench.test';
export const BENCH_PASSWORD = 'bench password 1';
const BATCH = 1000;
const YEAR_MS = 365 * 24 * 60 * 60_000;
const PEOPLE = ['anna', 'ben', 'chloe', 'dmitri', 'elif', 'farid', 'grace', 'hugo', 'ines', 'jonas', 'kaito', 'lena'];
const TOPICS = ['budget', 'release plan', 'offsite', 'hiring', 'customer visit', 'incident review', 'roadmap', 'invoice', 'contract', 'lunch'];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Message i: threads of 1..8 messages, each reply referencing the thread's earlier ones; every 7th has an attachment. */
function generate(i: number, threadStart: number): Buffer {
  const from = PEOPLE[i % PEOPLE.length];
  const topic = topicOf(threadStart);
  const reply = i > threadStart;
  const references = Array.from({ length: i - threadStart }, (_, k) => `<m${threadStart + k}@bench.test>`);
  const headers = [
    `From: ${from[0].toUpperCase()}${from.slice(1)} <${from}@example.com>`,
    `To: Reader <${BENCH_USER}>`,
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

/** The subject words of message i's thread (replies add "Re: "). */
function topicOf(threadStart: number): string {
  return `${TOPICS[threadStart % TOPICS.length]} #${threadStart}`;
}

/**
 * Creates BENCH_USER in a fresh store and fills their INBOX with `messages` messages; answers the
 * topic of the newest thread, the first row a message list shows.
 */
export async function populateMailbox(dataDir: string, database: string, messages: number): Promise<string> {
  const store = await openStore({ dataDir, database });
  try {
    await ensureDefaultTenant(store.db);
    await ensureAdminAccount(store.db);
    await addDomain(store.db, 'bench.test');
    const user = await addUser(store.db, { address: BENCH_USER, password: BENCH_PASSWORD });
    const mail = new MailStore(store, new ChangeBus());
    const started = performance.now();
    const now = Date.now();
    let threadStart = 0;
    let threadSize = 1;
    for (let from = 0; from < messages; from += BATCH) {
      const batch: { raw: Buffer; receivedAt: number }[] = [];
      for (let i = from; i < Math.min(messages, from + BATCH); i++) {
        if (i - threadStart >= threadSize) {
          threadStart = i;
          threadSize = 1 + ((i * 2654435761) % 8);
        }
        batch.push({ raw: generate(i, threadStart), receivedAt: now - YEAR_MS + Math.floor((i * YEAR_MS) / messages) });
      }
      await mail.appendMany(user.id, 'INBOX', batch);
      if ((from + batch.length) % 20_000 === 0) log(`  ${from + batch.length} messages`);
    }
    printFigure('messages', String(messages));
    printFigure('populate', round((performance.now() - started) / 1000), 's');
    // The substring index is derived data the server would otherwise build while we measure.
    const indexer = SearchIndexer.of(store);
    await indexer.catchUp();
    await indexer.stop();
    return topicOf(threadStart);
  } finally {
    await store.close();
  }
}

