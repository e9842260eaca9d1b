// Two sessions on one mailbox: what one does (or SMTP delivers) reaches the other, during IDLE
// and at the end of its commands, with MODSEQ under CONDSTORE and VANISHED under QRESYNC.
// Plain sockets, because the point is exactly which untagged responses the server sends when.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expandSet } from '../helpers/imap-fetch.ts';
import { isOk, RawImap, type ImapResponse } from '../helpers/imap-raw.ts';
import { deliver, PASSWORD, simpleMessage, startImapPetrel, type ImapPetrel } from '../helpers/imap-server.ts';

const DOMAIN = 'idle.test';

function texts(responses: ImapResponse[]): string {
  return responses.map((r) => r.text).join('');
}

describe('IMAP IDLE and changes between sessions', () => {
  let petrel: ImapPetrel;
  const open: RawImap[] = [];

  async function session(user: string, tls = false): Promise<RawImap> {
    const client = await RawImap.connect(tls ? petrel.imaps : petrel.imap, { tls });
    open.push(client);
    await client.login(`${user}@${DOMAIN}`, PASSWORD);
    return client;
  }

  async function selectInbox(client: RawImap, enable?: string): Promise<number> {
    if (enable) {
      const enabled = await client.command(`ENABLE ${enable}`);
      assert.ok(isOk(enabled), enabled.all);
    }
    const selected = await client.command('SELECT INBOX');
    assert.ok(isOk(selected), selected.all);
    return Number(/^\* (\d+) EXISTS\r$/m.exec(selected.all)?.[1]);
  }

  async function uidsOf(client: RawImap): Promise<number[]> {
    const result = await client.command('UID SEARCH ALL');
    return (/^\* SEARCH((?: \d+)*)\r$/m.exec(result.all)?.[1] ?? '').trim().split(' ').filter(Boolean).map(Number);
  }

  before(async () => {
    petrel = await startImapPetrel({ domain: DOMAIN, users: ['ann', 'ben', 'cat', 'dan'] });
    for (const user of ['ann', 'ben', 'cat', 'dan']) {
      for (let i = 1; i <= 3; i++) deliver(petrel, `${user}@${DOMAIN}`, simpleMessage({ subject: `${user} seed ${i}`, to: `${user}@${DOMAIN}` }));
    }
  });

  after(async () => {
    for (const client of open) client.close();
    await petrel?.destroy();
  });

  test('A idles: SMTP delivery → EXISTS; B STORE → FETCH FLAGS with MODSEQ; B EXPUNGE → VANISHED (QRESYNC)', async () => {
    const a = await session('ann');
    const exists = await selectInbox(a, 'QRESYNC');
    assert.equal(exists, 3);
    const b = await session('ann', true);
    await selectInbox(b);
    const [first, second] = await uidsOf(b);

    a.send('I1 IDLE\r\n');
    const cont = await a.next();
    assert.match(cont.text, /^\+ /, `IDLE continuation: ${cont.text}`);

    deliver(petrel, `ann@${DOMAIN}`, simpleMessage({ subject: 'delivered during idle', to: `ann@${DOMAIN}` }));
    const sawExists = await a.until((r) => /^\* 4 EXISTS\r\n$/.test(r.text), 20_000, '* 4 EXISTS after SMTP delivery');
    assert.doesNotMatch(texts(sawExists), /^\* 0 EXISTS/m, 'no EXISTS that does not change the count (Apple Mail loops on those)');

    const stored = await b.command(`UID STORE ${first} +FLAGS (\\Flagged)`);
    assert.ok(isOk(stored), stored.all);
    const sawFetch = await a.until((r) => /^\* 1 FETCH \(/.test(r.text), 20_000, 'the FETCH for B\'s STORE');
    const fetch = sawFetch[sawFetch.length - 1].text;
    // \Recent stays with the session that first saw the message (IMAP4rev1).
    assert.match(fetch, /FLAGS \(\\Flagged(?: \\Recent)?\)/, `the new flags: ${fetch}`);
    assert.match(fetch, /MODSEQ \(\d+\)/, `MODSEQ in unsolicited FETCH once CONDSTORE is on (RFC 7162 §3.2.4): ${fetch}`);
    assert.match(fetch, new RegExp(`UID ${first}\\b`), `UID in unsolicited FETCH once QRESYNC is on (RFC 7162, from RFC 5162 erratum 1807): ${fetch}`);

    assert.ok(isOk(await b.command(`UID STORE ${second} +FLAGS.SILENT (\\Deleted)`)));
    const expunged = await b.command(`UID EXPUNGE ${second}`);
    assert.ok(isOk(expunged), expunged.all);
    assert.match(expunged.all, /^\* 2 EXPUNGE\r$/m, 'B, without QRESYNC, gets EXPUNGE');
    const sawVanished = await a.until((r) => /^\* (VANISHED|\d+ EXPUNGE)\b/.test(r.text), 20_000, 'VANISHED for B\'s expunge');
    const vanished = sawVanished[sawVanished.length - 1].text;
    assert.match(vanished, /^\* VANISHED (\d+)\r\n$/, `with QRESYNC enabled the server sends VANISHED, not EXPUNGE (RFC 7162 §3.2.10): ${vanished}`);
    assert.deepEqual(expandSet(/^\* VANISHED ([\d:,]+)/.exec(vanished)![1]), [second]);

    a.send('DONE\r\n');
    const done = await a.until((r) => r.text.startsWith('I1 '), 20_000, 'the tagged reply to IDLE');
    assert.match(done[done.length - 1].text, /^I1 OK\b/);
    assert.deepEqual(await uidsOf(a), (await uidsOf(b)), 'both sessions agree on what is left');
  });

  test('without IDLE: updates come at the end of the next command; no EXPUNGE during FETCH/STORE/SEARCH', async () => {
    const a = await session('ben');
    await selectInbox(a, 'CONDSTORE');
    const b = await session('ben');
    await selectInbox(b);
    const uids = await uidsOf(b);
    assert.ok(isOk(await b.command(`UID STORE ${uids[2]} +FLAGS (\\Seen)`)));
    assert.ok(isOk(await b.command(`UID STORE ${uids[0]} +FLAGS.SILENT (\\Deleted)`)));
    assert.ok(isOk(await b.command('EXPUNGE')));
    deliver(petrel, `ben@${DOMAIN}`, simpleMessage({ subject: 'ben new', to: `ben@${DOMAIN}` }));
    // Let the delivery commit before A asks (B sees it once committed).
    for (let i = 0; i < 100; i++) {
      const noop = await b.command('NOOP');
      if (/^\* 3 EXISTS/m.test(noop.all)) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // FETCH (not UID FETCH) must not be followed by EXPUNGE (RFC 9051 §7.5.1); EXISTS is fine.
    const fetch = await a.command('FETCH 1:* (FLAGS)');
    assert.ok(isOk(fetch), fetch.all);
    assert.doesNotMatch(fetch.all, /^\* \d+ EXPUNGE/m, `no EXPUNGE during FETCH\n${fetch.all}`);
    const search = await a.command('SEARCH ALL');
    assert.doesNotMatch(search.all, /^\* \d+ EXPUNGE/m, `no EXPUNGE during SEARCH\n${search.all}`);
    const noop = await a.command('NOOP');
    assert.ok(isOk(noop), noop.all);
    const all = fetch.all + search.all + noop.all;
    assert.match(all, /^\* 1 EXPUNGE\r$/m, `EXPUNGE for B's expunge by NOOP at the latest\n${all}`);
    assert.match(all, /^\* \d+ FETCH \((?=.*FLAGS \([^)]*\\Seen)(?=.*MODSEQ \(\d+\)).*\)\r$/m, `FETCH with FLAGS and MODSEQ for B's STORE\n${all}`);
    assert.match(all, /^\* 4 EXISTS\r$/m, `EXISTS for the delivery (3 seeds + 1 new)\n${all}`);
    assert.deepEqual(await uidsOf(a), await uidsOf(b));
  });

  test('pipelined commands after DONE in the same packet (iOS Mail) are all answered', async () => {
    const a = await session('cat');
    await selectInbox(a);
    a.send('I2 IDLE\r\n');
    assert.match((await a.next()).text, /^\+/);
    a.send('DONE\r\nP1 NOOP\r\nP2 UID SEARCH ALL\r\n');
    const replies = await a.until((r) => r.text.startsWith('P2 '), 20_000, 'replies to the commands sent behind DONE');
    const all = texts(replies);
    assert.match(all, /^I2 OK\b/m, all);
    assert.match(all, /^P1 OK\b/m, all);
    assert.match(all, /^\* SEARCH( \d+){3}\r$/m, all);
    assert.match(all, /^P2 OK\b/m, all);
  });

  test('a session IDLEing on another mailbox hears nothing; two IDLE sessions on one mailbox both hear', async () => {
    const other = await session('dan');
    assert.ok(isOk(await other.command('SELECT Archive')));
    const one = await session('dan');
    await selectInbox(one);
    const two = await session('dan', true);
    await selectInbox(two);
    for (const [client, tag] of [[other, 'X1'], [one, 'X2'], [two, 'X3']] as const) {
      client.send(`${tag} IDLE\r\n`);
      assert.match((await client.next()).text, /^\+/);
    }
    deliver(petrel, `dan@${DOMAIN}`, simpleMessage({ subject: 'dan during idle', to: `dan@${DOMAIN}` }));
    await one.until((r) => /^\* 4 EXISTS/.test(r.text), 20_000, 'EXISTS in the first IDLE session');
    await two.until((r) => /^\* 4 EXISTS/.test(r.text), 20_000, 'EXISTS in the second IDLE session');
    other.send('DONE\r\n');
    const done = await other.until((r) => r.text.startsWith('X1 '), 20_000, 'DONE on Archive');
    assert.doesNotMatch(texts(done), /EXISTS/, `the Archive session is told nothing about INBOX: ${texts(done)}`);
  });
});
