// IMAP (imapflow) and JMAP (raw fetch) on one account, interleaved: each protocol's changes show
// in the other, because both read and write the one mail core and its change log. Also JMAP
// writes (Email/set, upload + Email/import) and EventSource push.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ImapFlow } from 'imapflow';

import { basic, deliverSmtp, JmapClient, PASSWORD, startJmapPetrel, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jmap-imap.test';
const ANN = `ann@${DOMAIN}`;

function message(subject: string, body = 'Hello.'): Buffer {
  return Buffer.from([`From: sender@remote.test`, `To: ${ANN}`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '-')}@remote.test>`, '', body, ''].join('\r\n'));
}

describe('IMAP and JMAP interleaved on one account', () => {
  let petrel: JmapPetrel;
  let jmap: JmapClient;
  let imap: ImapFlow;
  let mailboxIds: Map<string, string>;

  const emailsIn = async (role: string): Promise<string[]> => (await jmap.call('Email/query', { filter: { inMailbox: mailboxIds.get(role) }, sort: [{ property: 'receivedAt', isAscending: true }] })).ids as string[];
  const email = async (id: string, properties: string[]) => ((await jmap.call('Email/get', { ids: [id], properties })).list as Record<string, unknown>[])[0];
  const statusOf = async (path: string, query: { messages: true }) => {
    const status = await imap.status(path, query);
    assert.ok(status, `STATUS ${path}`);
    return status;
  };
  const state = async () => String((await jmap.call('Email/get', { ids: [] })).state);

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['ann']);
    jmap = await new JmapClient(petrel.base, basic(ANN)).connect();
    const boxes = (await jmap.call('Mailbox/get', { ids: null, properties: ['role'] })).list as { id: string; role: string }[];
    mailboxIds = new Map(boxes.map((b) => [b.role, b.id]));
    deliverSmtp(petrel, ANN, message('first'));
    deliverSmtp(petrel, ANN, message('second'));
    imap = new ImapFlow({ host: '127.0.0.1', port: petrel.imap, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user: ANN, pass: PASSWORD }, logger: false });
    imap.on('error', () => {});
    await imap.connect();
  });
  after(async () => {
    if (imap?.usable) await imap.logout().catch(() => imap.close());
    await petrel?.destroy();
  });

  test('a flag set over IMAP shows in Email/changes and as a keyword in Email/get', async () => {
    const before = await state();
    const [first] = await emailsIn('inbox');
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const uids = (await imap.search({ all: true }, { uid: true })) as number[];
      assert.ok(await imap.messageFlagsAdd(uids[0], ['\\Flagged', '$Important'], { uid: true }));
    } finally {
      lock.release();
    }
    const changes = await jmap.call('Email/changes', { sinceState: before });
    assert.deepEqual(changes.updated, [first]);
    assert.deepEqual((await email(first, ['keywords'])).keywords, { $flagged: true, $important: true });
    const flagged = await jmap.call('Email/query', { filter: { hasKeyword: '$flagged' } });
    assert.deepEqual(flagged.ids, [first]);
  });

  test('a keyword set by Email/set shows in IMAP FETCH FLAGS and CONDSTORE CHANGEDSINCE', async () => {
    const [, second] = await emailsIn('inbox');
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const status = await imap.status('INBOX', { highestModseq: true });
      const modseq = status ? status.highestModseq : undefined;
      assert.ok(modseq, 'the server announces CONDSTORE');
      const set = await jmap.call('Email/set', { update: { [second]: { 'keywords/$seen': true, 'keywords/$forwarded': true } } });
      assert.deepEqual(set.updated, { [second]: null });
      // By UID: the session may also have been told of the change by an unsolicited FETCH.
      const byUid = new Map<number, { uid: number; flags: Set<string>; modseq?: bigint }>();
      for await (const m of imap.fetch('1:*', { uid: true, flags: true }, { changedSince: modseq })) byUid.set(m.uid, { uid: m.uid, flags: m.flags ?? new Set(), modseq: m.modseq });
      const changed = [...byUid.values()];
      assert.equal(changed.length, 1, `only the email JMAP changed has a newer modseq than ${modseq}: ${JSON.stringify(changed.map((c) => [c.uid, [...c.flags], String(c.modseq)]))}`);
      assert.deepEqual([...changed[0].flags].sort(), ['$forwarded', '\\Seen']);
      assert.ok(changed[0].modseq! > modseq);
      const unflag = await jmap.call('Email/set', { update: { [second]: { keywords: { $forwarded: true } } } });
      assert.deepEqual(unflag.updated, { [second]: null });
      const [after] = await Promise.all([imap.fetchOne(String(changed[0].uid), { flags: true }, { uid: true })]);
      assert.deepEqual([...(after ? after.flags ?? [] : [])], ['$forwarded']);
    } finally {
      lock.release();
    }
  });

  test('moving with mailboxIds is an IMAP move; an IMAP move shows in mailboxIds; destroy expunges', async () => {
    const [first] = await emailsIn('inbox');
    const before = await state();
    const moved = await jmap.call('Email/set', { update: { [first]: { [`mailboxIds/${mailboxIds.get('inbox')}`]: null, [`mailboxIds/${mailboxIds.get('archive')}`]: true } } });
    assert.deepEqual(moved.updated, { [first]: null });
    assert.equal((await statusOf('INBOX', { messages: true })).messages, 1);
    assert.equal((await statusOf('Archive', { messages: true })).messages, 1);
    const boxChanges = await jmap.call('Mailbox/changes', { sinceState: before });
    assert.deepEqual([...(boxChanges.updated as string[])].sort(), [mailboxIds.get('inbox'), mailboxIds.get('archive')].sort());
    assert.deepEqual((await email(first, ['keywords'])).keywords, { $flagged: true, $important: true }, 'flags travel with the move');

    const lock = await imap.getMailboxLock('Archive');
    try {
      const [uid] = (await imap.search({ all: true }, { uid: true })) as number[];
      assert.ok(await imap.messageMove(String(uid), 'Trash', { uid: true }));
    } finally {
      lock.release();
    }
    assert.deepEqual((await email(first, ['mailboxIds'])).mailboxIds, { [mailboxIds.get('trash')!]: true });

    const copied = await jmap.call('Email/set', { update: { [first]: { mailboxIds: { [mailboxIds.get('trash')!]: true, [mailboxIds.get('inbox')!]: true } } } });
    assert.deepEqual(copied.updated, { [first]: null });
    assert.equal((await statusOf('INBOX', { messages: true })).messages, 2);

    const beforeDestroy = await state();
    const destroyed = await jmap.call('Email/set', { destroy: [first, 'Mzzzzz'] });
    assert.deepEqual(destroyed.destroyed, [first]);
    assert.equal((destroyed.notDestroyed as Record<string, { type: string }>).Mzzzzz.type, 'notFound');
    assert.equal((await statusOf('Trash', { messages: true })).messages, 0);
    assert.equal((await statusOf('INBOX', { messages: true })).messages, 1);
    const gone = await jmap.call('Email/changes', { sinceState: beforeDestroy });
    assert.deepEqual(gone.destroyed, [first]);
    const notFound = await jmap.call('Email/get', { ids: [first], properties: ['id'] });
    assert.deepEqual(notFound.notFound, [first]);
  });

  test('an IMAP APPEND is a created Email; bad Email/set patches are refused per object', async () => {
    const before = await state();
    await imap.append('Drafts', message('appended over imap'), ['\\Draft']);
    const changes = await jmap.call('Email/changes', { sinceState: before });
    assert.equal((changes.created as string[]).length, 1);
    const draft = await email((changes.created as string[])[0], ['subject', 'keywords', 'mailboxIds']);
    assert.deepEqual(draft, { id: draft.id, subject: 'appended over imap', keywords: { $draft: true }, mailboxIds: { [mailboxIds.get('drafts')!]: true } });
    const bad = await jmap.call('Email/set', { update: { [String(draft.id)]: { subject: 'new subject' }, Mzzzz: { 'keywords/$seen': true } } });
    const notUpdated = bad.notUpdated as Record<string, { type: string; properties?: string[] }>;
    assert.equal(notUpdated[String(draft.id)].type, 'invalidProperties');
    assert.deepEqual(notUpdated[String(draft.id)].properties, ['subject']);
    assert.equal(notUpdated.Mzzzz.type, 'notFound');
    const empty = await jmap.call('Email/set', { update: { [String(draft.id)]: { mailboxIds: {} } } });
    assert.equal((empty.notUpdated as Record<string, { type: string }>)[String(draft.id)].type, 'invalidProperties');
  });

  test('upload a message, Email/import it into two mailboxes; IMAP sees it with its flags', async () => {
    const raw = message('imported by jmap', 'Imported body.');
    const uploadUrl = jmap.session.uploadUrl.replace('{accountId}', jmap.accountId);
    const upload = await fetch(uploadUrl, { method: 'POST', headers: { authorization: jmap.authorization, 'content-type': 'message/rfc822' }, body: new Uint8Array(raw) });
    assert.equal(upload.status, 201);
    const uploaded = (await upload.json()) as { accountId: string; blobId: string; type: string; size: number };
    assert.deepEqual({ ...uploaded, blobId: '' }, { accountId: jmap.accountId, blobId: '', type: 'message/rfc822', size: raw.length });
    const download = await fetch(jmap.session.downloadUrl.replace('{accountId}', jmap.accountId).replace('{blobId}', uploaded.blobId).replace('{name}', 'm.eml').replace('{type}', 'message/rfc822'), { headers: { authorization: jmap.authorization } });
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(raw), 'the upload downloads again');

    const { methodResponses } = await jmap.request([
      ['Email/import', { accountId: jmap.accountId, emails: { imp: { blobId: uploaded.blobId, mailboxIds: { [mailboxIds.get('archive')!]: true, [mailboxIds.get('inbox')!]: true }, keywords: { $seen: true, $flagged: true }, receivedAt: '2026-01-02T03:04:05Z' } } }, '0'],
      ['Email/get', { accountId: jmap.accountId, ids: ['#imp'], properties: ['subject', 'receivedAt', 'keywords', 'mailboxIds', 'blobId'] }, '1'],
      ['Email/import', { accountId: jmap.accountId, emails: { nope: { blobId: `B${'1'.repeat(64)}`, mailboxIds: { [mailboxIds.get('inbox')!]: true } } } }, '2'],
    ]);
    const created = (methodResponses[0][1].created as Record<string, { id: string; blobId: string }>).imp;
    assert.equal(created.blobId, uploaded.blobId);
    const got = (methodResponses[1][1].list as Record<string, unknown>[])[0];
    assert.equal(got.subject, 'imported by jmap');
    assert.equal(got.receivedAt, '2026-01-02T03:04:05Z');
    assert.deepEqual(got.keywords, { $seen: true, $flagged: true });
    assert.equal(Object.keys(got.mailboxIds as object).length, 2);
    assert.equal((methodResponses[2][1].notCreated as Record<string, { type: string }>).nope.type, 'blobNotFound');

    const lock = await imap.getMailboxLock('Archive');
    try {
      // The session learns of messages another protocol added at its next command (RFC 9051 §7.4.1).
      await imap.noop();
      const fetched = [];
      for await (const m of imap.fetch('1:*', { flags: true, envelope: true, internalDate: true })) fetched.push(m);
      const imported = fetched.find((m) => m.envelope?.subject === 'imported by jmap');
      assert.ok(imported, `IMAP lists the imported message in Archive: ${JSON.stringify(fetched.map((m) => m.envelope?.subject))}`);
      assert.deepEqual([...(imported.flags ?? [])].sort(), ['\\Flagged', '\\Seen']);
      assert.equal(new Date(imported.internalDate as Date).toISOString(), '2026-01-02T03:04:05.000Z');
    } finally {
      lock.release();
    }
  });

  test('Email/set create composes a draft with text, HTML and an uploaded attachment; IMAP reads it', async () => {
    // Larger than the HTTP listener's default body limit (64 KiB): uploads have their own.
    const attachment = Buffer.from(`col1,col2\n${'12345,67890\n'.repeat(15_000)}`);
    const upload = await fetch(jmap.session.uploadUrl.replace('{accountId}', jmap.accountId), { method: 'POST', headers: { authorization: jmap.authorization, 'content-type': 'text/csv' }, body: new Uint8Array(attachment) });
    const { blobId } = (await upload.json()) as { blobId: string };
    const drafts = mailboxIds.get('drafts')!;
    const { methodResponses } = await jmap.request([
      [
        'Email/set',
        {
          accountId: jmap.accountId,
          create: {
            draft: {
              mailboxIds: { [drafts]: true },
              keywords: { $draft: true, $seen: true },
              from: [{ name: 'Ann Example', email: ANN }],
              to: [{ name: 'Bob', email: 'bob@remote.test' }],
              bcc: [{ email: 'hidden@remote.test' }],
              subject: 'Draft with numbers ✓',
              textBody: [{ partId: 't', type: 'text/plain' }],
              htmlBody: [{ partId: 'h', type: 'text/html' }],
              bodyValues: { t: { value: 'Plain numbers attached.' }, h: { value: '<p>HTML numbers attached.</p>' } },
              attachments: [{ blobId, type: 'text/csv', name: 'numbers.csv' }],
            },
          },
        },
        '0',
      ],
      ['Email/get', { accountId: jmap.accountId, ids: ['#draft'], properties: ['subject', 'from', 'to', 'bcc', 'keywords', 'mailboxIds', 'textBody', 'htmlBody', 'attachments', 'bodyValues'], fetchTextBodyValues: true, fetchHTMLBodyValues: true }, '1'],
    ]);
    const created = (methodResponses[0][1].created as Record<string, { id: string }>).draft;
    assert.ok(created, JSON.stringify(methodResponses[0][1]));
    const draft = (methodResponses[1][1].list as Record<string, unknown>[])[0];
    assert.equal(draft.subject, 'Draft with numbers ✓');
    assert.deepEqual(draft.from, [{ name: 'Ann Example', email: ANN }]);
    assert.deepEqual(draft.bcc, [{ name: null, email: 'hidden@remote.test' }]);
    assert.deepEqual(draft.keywords, { $draft: true, $seen: true });
    assert.deepEqual(draft.mailboxIds, { [drafts]: true });
    const values = draft.bodyValues as Record<string, { value: string }>;
    const text = (draft.textBody as { partId: string }[])[0];
    const html = (draft.htmlBody as { partId: string }[])[0];
    assert.equal(values[text.partId].value.trim(), 'Plain numbers attached.');
    assert.equal(values[html.partId].value.trim(), '<p>HTML numbers attached.</p>');
    const [file] = draft.attachments as { name: string; type: string; blobId: string }[];
    assert.equal(file.name, 'numbers.csv');
    const bytes = await fetch(jmap.session.downloadUrl.replace('{accountId}', jmap.accountId).replace('{blobId}', file.blobId).replace('{name}', 'numbers.csv').replace('{type}', 'text/csv'), { headers: { authorization: jmap.authorization } });
    assert.ok(Buffer.from(await bytes.arrayBuffer()).equals(attachment));

    const lock = await imap.getMailboxLock('Drafts');
    try {
      await imap.noop();
      const found = [];
      for await (const m of imap.fetch('1:*', { flags: true, envelope: true })) found.push(m);
      const seen = found.find((m) => m.envelope?.subject === 'Draft with numbers ✓');
      assert.ok(seen, 'IMAP lists the composed draft');
      assert.deepEqual([...(seen.flags ?? [])].sort(), ['\\Draft', '\\Seen']);
    } finally {
      lock.release();
    }
    const bad = await jmap.call('Email/set', { create: { x: { mailboxIds: { [drafts]: true }, bodyStructure: {} }, y: { subject: 'nowhere' } } });
    const notCreated = bad.notCreated as Record<string, { type: string; properties: string[] }>;
    assert.deepEqual(notCreated.x.properties, ['bodyStructure']);
    assert.deepEqual(notCreated.y.properties, ['mailboxIds']);
  });

  test('EventSource pushes a StateChange when mail arrives', async () => {
    const url = String(jmap.session.eventSourceUrl).replace('{types}', '*').replace('{closeafter}', 'no').replace('{ping}', '0');
    const controller = new AbortController();
    const response = await fetch(url, { headers: { authorization: jmap.authorization, accept: 'text/event-stream' }, signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.getReader();
    let buffer = '';
    const nextEvent = async (): Promise<{ changed: Record<string, Record<string, string>> }> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (block.includes('event: state') && data) return JSON.parse(data.slice(6)) as { changed: Record<string, Record<string, string>> };
          continue;
        }
        const { value, done } = await reader.read();
        assert.ok(!done, 'the event stream stayed open');
        buffer += new TextDecoder().decode(value);
      }
    };
    const first = await nextEvent();
    const current = await state();
    assert.equal(first.changed[jmap.accountId].Email, current);
    deliverSmtp(petrel, ANN, message('pushed'));
    const pushed = await nextEvent();
    assert.notEqual(pushed.changed[jmap.accountId].Email, current);
    assert.equal(pushed.changed[jmap.accountId].Email, await state());
    controller.abort();
  });

  test('a server shutdown ends open event streams instead of waiting for them (runs last)', async () => {
    const url = String(jmap.session.eventSourceUrl).replace('{types}', 'Email').replace('{closeafter}', 'no').replace('{ping}', '0');
    const response = await fetch(url, { headers: { authorization: jmap.authorization } });
    const reader = response.body!.getReader();
    await reader.read();
    await imap.logout();
    // Only there to stop a hang: a stream that kept the listener open would block the stop forever.
    const stopped = await Promise.race([petrel.server.stop().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000).unref())]);
    assert.ok(stopped, 'petrel stopped with an event stream open');
    for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) break;
  });
});
