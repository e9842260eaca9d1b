// Email, Thread and SearchSnippet over JMAP (RFC 8621 §3-5) on mail delivered by SMTP, driven
// with raw fetch as in the RFC's examples: back-references from Email/query to Email/get to
// Thread/get in one request, parsed bodies and attachments, downloads, filters and /changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { basic, deliverSmtp, JmapClient, startJmapPetrel, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jmap-mail.test';
const ANN = `ann@${DOMAIN}`;
const PDF = Buffer.from('%PDF-1.4\n% a tiny fake pdf for the test\n%%EOF\n');

function message(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

const REPORT = message([
  'From: Alice Example <alice@remote.test>',
  `To: Ann <${ANN}>`,
  'Subject: Quarterly report',
  'Date: Mon, 23 Nov 2026 09:00:00 +0100',
  'Message-ID: <report-1@remote.test>',
  'X-Tracking: alpha-42',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The quarterly numbers are attached. Revenue grew strongly.',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>The <b>quarterly</b> numbers are attached. Revenue grew strongly.</p>',
  '--alt--',
  '--outer',
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Disposition: attachment; filename="report.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  PDF.toString('base64'),
  '--outer--',
  '',
]);

const REPLY = message([
  `From: Ann <${ANN}>`,
  'To: Alice Example <alice@remote.test>',
  'Cc: Carol <carol@remote.test>',
  'Subject: Re: Quarterly report',
  'Date: Mon, 23 Nov 2026 10:00:00 +0000',
  'Message-ID: <report-2@remote.test>',
  'In-Reply-To: <report-1@remote.test>',
  'References: <report-1@remote.test>',
  '',
  'Thanks, looks good.',
  '',
]);

const LUNCH = message([
  'From: bob@remote.test',
  `To: ${ANN}`,
  'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_and_lunch?=',
  'Date: Mon, 23 Nov 2026 11:00:00 +0000',
  'Message-ID: <lunch@remote.test>',
  '',
  'Pizza at noon? Bring the quarterly slides.',
  '',
]);

describe('JMAP Email, Thread and SearchSnippet', () => {
  let petrel: JmapPetrel;
  let client: JmapClient;
  let inbox: string;

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['ann']);
    client = await new JmapClient(petrel.base, basic(ANN)).connect();
    inbox = ((await client.call('Mailbox/query', { filter: { role: 'inbox' } })).ids as string[])[0];
    for (const data of [REPORT, REPLY, LUNCH]) deliverSmtp(petrel, ANN, data);
  });
  after(async () => petrel?.destroy());

  test('Email/query -> Email/get -> Thread/get -> Email/get in one request, by back-references (RFC 8621 §4.10)', async () => {
    const { methodResponses } = await client.request([
      ['Email/query', { accountId: client.accountId, filter: { inMailbox: inbox }, sort: [{ property: 'receivedAt', isAscending: false }], collapseThreads: true, position: 0, limit: 10, calculateTotal: true }, 't0'],
      ['Email/get', { accountId: client.accountId, '#ids': { resultOf: 't0', name: 'Email/query', path: '/ids' }, properties: ['threadId'] }, 't1'],
      ['Thread/get', { accountId: client.accountId, '#ids': { resultOf: 't1', name: 'Email/get', path: '/list/*/threadId' } }, 't2'],
      ['Email/get', { accountId: client.accountId, '#ids': { resultOf: 't2', name: 'Thread/get', path: '/list/*/emailIds' }, properties: ['threadId', 'subject', 'from', 'receivedAt', 'keywords', 'mailboxIds', 'preview'] }, 't3'],
    ]);
    assert.deepEqual(methodResponses.map((r) => r[0]), ['Email/query', 'Email/get', 'Thread/get', 'Email/get']);
    const query = methodResponses[0][1] as { ids: string[]; total: number; position: number };
    assert.equal(query.ids.length, 2, 'three emails in two threads');
    assert.equal(query.total, 2);
    const threads = (methodResponses[2][1] as { list: { id: string; emailIds: string[] }[] }).list;
    const sizes = threads.map((t) => t.emailIds.length).sort();
    assert.deepEqual(sizes, [1, 2]);
    const emails = (methodResponses[3][1] as { list: Record<string, unknown>[] }).list;
    const bySubject = new Map(emails.map((e) => [e.subject, e]));
    assert.deepEqual([...bySubject.keys()].sort(), ['Grüße and lunch', 'Quarterly report', 'Re: Quarterly report']);
    const report = bySubject.get('Quarterly report')!;
    const reply = bySubject.get('Re: Quarterly report')!;
    assert.equal(report.threadId, reply.threadId);
    assert.deepEqual(report.from, [{ name: 'Alice Example', email: 'alice@remote.test' }]);
    assert.deepEqual(report.mailboxIds, { [inbox]: true });
    assert.deepEqual(report.keywords, {});
    assert.match(String(report.preview), /quarterly numbers are attached/);
    assert.match(String(report.receivedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const thread = threads.find((t) => t.id === report.threadId)!;
    assert.equal(thread.emailIds[0], report.id, 'a thread lists its emails oldest first');
  });

  test('Email/get parses headers, body structure, body values and attachments; the blobs download', async () => {
    const found = await client.call('Email/query', { filter: { subject: 'Quarterly report', hasAttachment: true } });
    const [id] = found.ids as string[];
    assert.ok(id);
    const got = await client.call('Email/get', {
      ids: [id],
      properties: ['blobId', 'size', 'messageId', 'inReplyTo', 'references', 'sentAt', 'to', 'hasAttachment', 'bodyStructure', 'textBody', 'htmlBody', 'attachments', 'bodyValues', 'header:X-Tracking:asText', 'header:Subject:all'],
      fetchTextBodyValues: true,
      fetchHTMLBodyValues: true,
      maxBodyValueBytes: 30,
    });
    const email = (got.list as Record<string, unknown>[])[0];
    assert.deepEqual(email.messageId, ['report-1@remote.test']);
    assert.equal(email.inReplyTo, null);
    assert.equal(email.references, null);
    assert.equal(email.sentAt, '2026-11-23T08:00:00Z');
    assert.deepEqual(email.to, [{ name: 'Ann', email: ANN }]);
    assert.equal(email.hasAttachment, true);
    assert.equal(email['header:X-Tracking:asText'], 'alpha-42');
    assert.deepEqual(email['header:Subject:all'], [' Quarterly report']);
    const structure = email.bodyStructure as { type: string; subParts: { type: string; subParts?: { type: string }[] }[] };
    assert.equal(structure.type, 'multipart/mixed');
    assert.deepEqual(structure.subParts.map((p) => p.type), ['multipart/alternative', 'application/pdf']);
    const textBody = email.textBody as { partId: string; type: string }[];
    const htmlBody = email.htmlBody as { partId: string; type: string }[];
    assert.deepEqual(textBody.map((p) => p.type), ['text/plain']);
    assert.deepEqual(htmlBody.map((p) => p.type), ['text/html']);
    const values = email.bodyValues as Record<string, { value: string; isTruncated: boolean }>;
    assert.equal(values[textBody[0].partId].value, 'The quarterly numbers are atta');
    assert.equal(values[textBody[0].partId].isTruncated, true);
    assert.ok(values[htmlBody[0].partId].value.startsWith('<p>The <b>'));
    const attachments = email.attachments as { name: string; type: string; size: number; blobId: string; disposition: string }[];
    assert.equal(attachments.length, 1);
    assert.equal(attachments[0].name, 'report.pdf');
    assert.equal(attachments[0].disposition, 'attachment');
    assert.equal(attachments[0].size, PDF.length);

    const url = (blobId: string, name: string, type: string) =>
      client.session.downloadUrl.replace('{accountId}', client.accountId).replace('{blobId}', blobId).replace('{name}', encodeURIComponent(name)).replace('{type}', encodeURIComponent(type));
    const pdf = await fetch(url(attachments[0].blobId, 'report.pdf', 'application/pdf'), { headers: { authorization: client.authorization } });
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.match(pdf.headers.get('content-disposition') ?? '', /filename="report.pdf"/);
    assert.ok(Buffer.from(await pdf.arrayBuffer()).equals(PDF), 'the attachment downloads decoded');
    const raw = await fetch(url(String(email.blobId), 'message.eml', 'message/rfc822'), { headers: { authorization: client.authorization } });
    assert.equal(raw.status, 200);
    const stored = Buffer.from(await raw.arrayBuffer());
    assert.ok(stored.subarray(stored.length - REPORT.length).equals(REPORT), 'the message blob is the bytes SMTP accepted, after the trace headers');
    assert.equal(email.size, stored.length);
    const noAuth = await fetch(url(attachments[0].blobId, 'x', 'application/pdf'));
    assert.equal(noAuth.status, 401);
    const unknown = await fetch(url(`B${'0'.repeat(64)}`, 'x', 'text/plain'), { headers: { authorization: client.authorization } });
    assert.equal(unknown.status, 404);
  });

  test('Email/query filters, sorts and pages', async () => {
    const ids = async (args: Record<string, unknown>) => (await client.call('Email/query', args)).ids as string[];
    const subjects = async (list: string[]) => ((await client.call('Email/get', { ids: list, properties: ['subject'] })).list as { subject: string }[]).map((e) => e.subject);
    assert.deepEqual(await subjects(await ids({ sort: [{ property: 'subject', isAscending: true }] })), ['Grüße and lunch', 'Quarterly report', 'Re: Quarterly report']);
    assert.deepEqual(await subjects(await ids({ filter: { from: 'bob@remote' } })), ['Grüße and lunch']);
    assert.deepEqual(await subjects(await ids({ filter: { cc: 'carol' } })), ['Re: Quarterly report']);
    assert.deepEqual(await subjects(await ids({ filter: { body: 'pizza' } })), ['Grüße and lunch']);
    assert.deepEqual(await subjects(await ids({ filter: { text: 'GRÜSSE' } })), []);
    assert.deepEqual((await subjects(await ids({ filter: { text: 'quarterly' } }))).sort(), ['Grüße and lunch', 'Quarterly report', 'Re: Quarterly report']);
    assert.deepEqual(await subjects(await ids({ filter: { header: ['X-Tracking', 'alpha'] } })), ['Quarterly report']);
    assert.deepEqual(await subjects(await ids({ filter: { header: ['In-Reply-To'] } })), ['Re: Quarterly report']);
    assert.deepEqual(await subjects(await ids({ filter: { operator: 'NOT', conditions: [{ text: 'quarterly' }, { from: 'ann' }] } })), []);
    assert.deepEqual(await subjects(await ids({ filter: { operator: 'OR', conditions: [{ from: 'bob' }, { hasAttachment: true }] }, sort: [{ property: 'size', isAscending: false }] })), ['Quarterly report', 'Grüße and lunch']);
    const sizes = ((await client.call('Email/get', { ids: await ids({}), properties: ['subject', 'size'] })).list as { subject: string; size: number }[]).sort((a, b) => b.size - a.size);
    assert.equal(sizes[0].subject, 'Quarterly report');
    assert.deepEqual(await subjects(await ids({ filter: { minSize: sizes[0].size } })), ['Quarterly report']);
    assert.deepEqual((await subjects(await ids({ filter: { maxSize: sizes[0].size } }))).sort(), ['Grüße and lunch', 'Re: Quarterly report']);
    assert.deepEqual(await subjects(await ids({ filter: { after: '2000-01-01T00:00:00Z', before: '2000-01-02T00:00:00Z' } })), []);
    const all = await ids({ sort: [{ property: 'receivedAt', isAscending: true }] });
    assert.equal(all.length, 3);
    const page = await client.call('Email/query', { sort: [{ property: 'receivedAt', isAscending: true }], position: 1, limit: 1 });
    assert.deepEqual(page.ids, [all[1]]);
    assert.equal(page.position, 1);
    const anchored = await client.call('Email/query', { sort: [{ property: 'receivedAt', isAscending: true }], anchor: all[2], anchorOffset: -1 });
    assert.deepEqual(anchored.ids, all.slice(1));
    const { methodResponses } = await client.request([
      ['Email/query', { accountId: client.accountId, anchor: 'Mzzzz' }, 'a'],
      ['Email/query', { accountId: client.accountId, filter: { unknownThing: 1 } }, 'b'],
      ['Email/query', { accountId: client.accountId, sort: [{ property: 'color' }] }, 'c'],
    ]);
    assert.deepEqual(methodResponses.map((r) => r[1].type), ['anchorNotFound', 'unsupportedFilter', 'unsupportedSort']);
  });

  test('SearchSnippet/get highlights the words searched for', async () => {
    const hits = (await client.call('Email/query', { filter: { text: 'quarterly' }, sort: [{ property: 'receivedAt', isAscending: true }] })).ids as string[];
    const snippets = await client.call('SearchSnippet/get', { filter: { text: 'quarterly' }, emailIds: hits });
    const list = snippets.list as { emailId: string; subject: string | null; preview: string | null }[];
    assert.equal(list[0].subject, '<mark>Quarterly</mark> report');
    assert.match(String(list[0].preview), /The <mark>quarterly<\/mark> numbers/);
    assert.equal(list[2].subject, null);
    assert.match(String(list[2].preview), /the <mark>quarterly<\/mark> slides/);
  });

  test('Email/changes and Thread/changes report new mail since a state', async () => {
    const state = String((await client.call('Email/get', { ids: [] })).state);
    const none = await client.call('Email/changes', { sinceState: state });
    assert.deepEqual([none.created, none.updated, none.destroyed, none.newState], [[], [], [], state]);
    deliverSmtp(petrel, ANN, message([`From: dave@remote.test`, `To: ${ANN}`, 'Subject: Re: Quarterly report', 'Message-ID: <report-3@remote.test>', 'In-Reply-To: <report-1@remote.test>', '', 'Me too.', '']));
    const changes = await client.call('Email/changes', { sinceState: state });
    assert.equal((changes.created as string[]).length, 1);
    assert.notEqual(changes.newState, state);
    const [created] = changes.created as string[];
    const email = ((await client.call('Email/get', { ids: [created], properties: ['threadId'] })).list as { threadId: string }[])[0];
    const threadChanges = await client.call('Thread/changes', { sinceState: state });
    assert.deepEqual(threadChanges.updated, [email.threadId], 'the reply joined the existing thread');
    const mailboxChanges = await client.call('Mailbox/changes', { sinceState: state });
    assert.deepEqual(mailboxChanges.updated, [inbox]);
    const counts = ((await client.call('Mailbox/get', { ids: [inbox], properties: ['totalEmails', 'unreadEmails', 'totalThreads', 'unreadThreads'] })).list as Record<string, number>[])[0];
    assert.deepEqual(counts, { id: inbox, totalEmails: 4, unreadEmails: 4, totalThreads: 2, unreadThreads: 2 });
  });
});
