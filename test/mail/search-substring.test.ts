// IMAP's string searches are substring matches (RFC 9051 §6.4.4): BODY and TEXT through the
// trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL), address fields matched on their decoded
// text with group names, and the scan fallback for short needles and messages stored before the
// index existed. Several cases mirror Dovecot imaptest's search-body and search-addresses groups.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addDomain } from '../../src/directory/domains.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import type { SearchKey } from '../../src/mail/search-criteria.ts';
import { SearchIndexer } from '../../src/mail/search-indexer.ts';
import type { Store } from '../../src/store/database.ts';
import { UNINDEXED_THROUGH_KEY } from '../../src/store/migrations/003-substring-search.ts';
import { forEachDialect } from '../helpers/dialects.ts';

function raw(headers: string[], body: string): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

const header = (field: string, value: string): SearchKey => ({ type: 'header', field, value });
const body = (value: string): SearchKey => ({ type: 'text', field: 'body', value });
const text = (value: string): SearchKey => ({ type: 'text', field: 'text', value });
const not = (key: SearchKey): SearchKey => ({ type: 'not', key });
const or = (a: SearchKey, b: SearchKey): SearchKey => ({ type: 'or', keys: [a, b] });
const and = (...keys: SearchKey[]): SearchKey => ({ type: 'and', keys });

const MESSAGES: [string, Buffer][] = [
  ['keys', raw(['From: user-from@domain.org', 'To: user-to@domain.org', 'Date: Sat, 24 Mar 2007 23:00:00 +0200'], 'asdfghjkl zxcvbnm\r\n')],
  ['subj', raw(['From: RealFrom <user-from@domain.org>', 'To: RealTo <user-to@domain.org>', 'Subject: qwertyuiop'], 'asdfghjkl\r\n')],
  ['xhdr', raw(['From: <user-from (comment)@ (comment) domain.org>', 'Cc: <user-cc@domain.org>', 'X-Header: qwertyuiop', 'X-Extra: hello beautiful header', 'X-Extra: another one'], 'zxcvbnm\r\n')],
  ['group', raw(['From: user-from@domain.org (RealFrom)', 'To: groupname: groupuser1@domain.org, groupuser2@domain.org;,', '  groupname2: groupuser3@domain.org;'], 'zxcvbnm qwertyuiop\r\n')],
  ['empty', raw(['From: RealFrom <user-from@domain.org>', 'To: undisclosed-recipients:;', 'Subject: =?utf-8?q?Caf=C3=A9_=C3=A0_Paris?='], 'Prix: 50%_off "today" \\o/ xzqy\r\n')],
  ['mime', raw(['From: =?utf-8?q?=C3=89mile?= <emile@other.test>', 'Subject: HTML only', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], '<p>R=C3=A9SUM=C3=89 of the <b>Invoice</b>Number</p>\r\n')],
];

forEachDialect('substring search', (fixture) => {
  let store: Store;
  let mail: MailStore;
  let account: number;
  let boxId: number;
  const uid: Record<string, number> = {};

  const searchIn = async (m: MailStore, key: SearchKey): Promise<string[]> =>
    (await m.search(account, boxId, key)).map((u) => Object.keys(uid).find((name) => uid[name] === u) ?? String(u));
  const search = (key: SearchKey): Promise<string[]> => searchIn(mail, key);

  before(async () => {
    store = await fixture().open();
    mail = new MailStore(store, new ChangeBus());
    await addDomain(store.db, 'substring.test');
    account = (await addUser(store.db, { address: 'sub@substring.test', password: 'pw-substring-1' })).id;
    boxId = (await mail.createMailbox(account, 'Box')).id;
    for (const [name, bytes] of MESSAGES) uid[name] = (await mail.append(account, 'Box', bytes)).uid;
  });

  after(async () => {
    await store.close();
    await fixture().cleanup();
  });

  test('BODY and TEXT find substrings inside words, and TEXT reads every header field', async () => {
    assert.deepEqual(await search(body('sdfghjk')), ['keys', 'subj']);
    assert.deepEqual(await search(body('xcvbn')), ['keys', 'xhdr', 'group']);
    // Only in a Subject or an X- field: TEXT finds it, BODY does not.
    assert.deepEqual(await search(text('wertyuio')), ['subj', 'xhdr', 'group']);
    assert.deepEqual(await search(body('wertyuio')), ['group']);
    assert.deepEqual(await search(text('beautiful head')), ['xhdr']);
    // The field name is part of the header text, as in Dovecot.
    assert.deepEqual(await search(text('x-extra: another')), ['xhdr']);
    // A needle never spans two header lines.
    assert.deepEqual(await search(text('header x-extra')), []);
  });

  test('case, accents and white space fold; HTML is searched as its text', async () => {
    assert.deepEqual(await search(body('ASDFGHJKL ZXCVBNM')), ['keys']);
    assert.deepEqual(await search(body('asdfghjkl  zxcvbnm')), ['keys']);
    assert.deepEqual(await search(body('résumé')), ['mime']);
    assert.deepEqual(await search(body('resume of')), ['mime']);
    assert.deepEqual(await search(body('voicenum')), ['mime']);
    assert.deepEqual(await search(text('café à')), ['empty']);
    assert.deepEqual(await search(text('EMILE')), ['mime']);
    assert.deepEqual(await search(header('subject', 'cafe a paris')), ['empty']);
    assert.deepEqual(await search(header('from', 'émile <emile@')), ['mime']);
  });

  test('needles with quotes, LIKE wildcards and backslashes are text', async () => {
    assert.deepEqual(await search(body('50%_off "today" \\o/')), ['empty']);
    assert.deepEqual(await search(body('"today"')), ['empty']);
    assert.deepEqual(await search(body('50%')), ['empty']);
    // '_' and '%' must not act as wildcards.
    assert.deepEqual(await search(body('x_cvbnm')), []);
    assert.deepEqual(await search(body('zx%nm')), []);
    assert.deepEqual(await search(body('"')), ['empty']);
  });

  test('needles shorter than a trigram are found by reading the messages', async () => {
    assert.deepEqual(await search(body('zq')), ['empty']);
    assert.deepEqual(await search(body('Q')), ['group', 'empty']);
    assert.deepEqual(await search(text('Q')), ['subj', 'xhdr', 'group', 'empty', 'mime']);
    assert.deepEqual(await search(text('o/')), ['empty']);
    assert.deepEqual(await search(header('to', 'e:')), ['group']);
    assert.deepEqual(await search(header('x-extra', 'ne')), ['xhdr']);
    assert.deepEqual(await search(not(body('zq'))), ['keys', 'subj', 'xhdr', 'group', 'mime']);
  });

  test('address fields match addresses as parsed and fields as written, group names included', async () => {
    assert.deepEqual(await search(header('from', 'user-from@domain.org')), ['keys', 'subj', 'xhdr', 'group', 'empty']);
    assert.deepEqual(await search(header('from', 'ealfro')), ['subj', 'group', 'empty']);
    assert.deepEqual(await search(header('to', 'ser-t')), ['keys', 'subj']);
    assert.deepEqual(await search(header('to', 'groupname')), ['group']);
    assert.deepEqual(await search(header('to', 'groupname2')), ['group']);
    assert.deepEqual(await search(header('to', 'groupuser3')), ['group']);
    assert.deepEqual(await search(header('to', 'undisclosed')), ['empty']);
    assert.deepEqual(await search(header('cc', 'user-cc@domain.org')), ['xhdr']);
    // A To address is not found by CC, nor a Cc address by TO.
    assert.deepEqual(await search(header('cc', 'user-to')), []);
    assert.deepEqual(await search(header('to', 'user-cc')), []);
  });

  test('an empty value matches every message that has the field, an empty group included', async () => {
    assert.deepEqual(await search(header('to', '')), ['keys', 'subj', 'group', 'empty']);
    assert.deepEqual(await search(header('cc', '')), ['xhdr']);
    assert.deepEqual(await search(header('bcc', '')), []);
    assert.deepEqual(await search(header('Subject', '')), ['subj', 'empty', 'mime']);
    assert.deepEqual(await search(header('x-extra', '')), ['xhdr']);
    assert.deepEqual(await search(not(header('x-extra', ''))), ['keys', 'subj', 'group', 'empty', 'mime']);
    // A field name that only starts like another is a different field.
    assert.deepEqual(await search(header('x-ext', '')), []);
  });

  test('other header fields: every occurrence, and only that field', async () => {
    assert.deepEqual(await search(header('x-extra', 'eautiful head')), ['xhdr']);
    assert.deepEqual(await search(header('X-EXTRA', 'ANOTHER')), ['xhdr']);
    assert.deepEqual(await search(header('x-extra', 'qwertyuiop')), []);
    assert.deepEqual(await search(header('x-header', 'qwertyuiop')), ['xhdr']);
  });

  test('index matches combine with OR, NOT and checks made per message', async () => {
    assert.deepEqual(await search(or(body('sdfghjk'), header('x-extra', 'another'))), ['keys', 'subj', 'xhdr']);
    assert.deepEqual(await search(and(not(body('zxcvbn')), header('from', 'realfrom'))), ['subj', 'empty']);
    assert.deepEqual(await search(and(header('x-extra', ''), not(text('qwertyuiop')))), []);
    assert.deepEqual(await search(or(header('to', 'groupname'), and(body('zq'), header('subject', 'paris')))), ['group', 'empty']);
    assert.deepEqual(await search(not(or(text('wertyuio'), header('to', '')))), ['mime']);
  });

  test('an expunged message leaves the index', async () => {
    const extra = await mail.append(account, 'Box', raw(['From: a@b.test', 'Subject: ephemeral'], 'vanishingword\r\n'));
    // The index is written after the delivery commits on SQLite (search-indexer.ts).
    await SearchIndexer.of(store).catchUp();
    assert.deepEqual(await store.fulltext.search(account, 'nishingwo'), [extra.messageId]);
    await mail.expunge(account, boxId, [extra.uid]);
    assert.deepEqual(await store.fulltext.search(account, 'nishingwo'), []);
    assert.deepEqual(await search(body('nishingwo')), []);
  });

  // Last: it reopens the store with every message above unindexed.
  test('messages stored before the index existed are read instead, alongside indexed ones', async () => {
    const ids = (await mail.fetchEntries(account, boxId, Object.values(uid))).map((e) => e.messageId);
    await store.db.transaction().execute((trx) => store.fulltext.remove(trx, ids));
    await store.db.updateTable('settings').set({ value: String(Math.max(...ids)) }).where('key', '=', UNINDEXED_THROUGH_KEY).execute();
    await store.close();
    store = await fixture().reopen();
    mail = new MailStore(store, new ChangeBus());
    uid.late = (await mail.append(account, 'Box', raw(['From: late@other.test', 'To: groupname:;', 'X-Extra: later'], 'asdfghjkl again\r\n'))).uid;
    await SearchIndexer.of(store).catchUp();

    assert.deepEqual(await store.fulltext.search(account, 'sdfghjk'), [(await mail.fetchEntries(account, boxId, [uid.late]))[0].messageId]);
    assert.deepEqual(await search(body('sdfghjk')), ['keys', 'subj', 'late']);
    assert.deepEqual(await search(text('wertyuio')), ['subj', 'xhdr', 'group']);
    assert.deepEqual(await search(header('to', 'groupname')), ['group', 'late']);
    assert.deepEqual(await search(header('to', '')), ['keys', 'subj', 'group', 'empty', 'late']);
    assert.deepEqual(await search(header('x-extra', 'another')), ['xhdr']);
    assert.deepEqual(await search(header('subject', 'paris')), ['empty']);
    assert.deepEqual(await search(not(body('sdfghjk'))), ['xhdr', 'group', 'empty', 'mime']);
    assert.deepEqual(await search(or(body('again'), header('cc', 'user-cc'))), ['xhdr', 'late']);
  });
});
