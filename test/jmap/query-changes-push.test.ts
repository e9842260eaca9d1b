// Email/queryChanges and Mailbox/queryChanges (RFC 8620 §5.6): applying removed and added to the
// old results gives what the query answers now, with maxChanges and upToId; push of the
// personal-only types (Identity, VacationResponse) on the EventSource (RFC 8620 §7.3); and uploads
// counted against the account's quota (RFC 8620 §6.1).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { simpleMessage } from '../helpers/imap-server.ts';
import { petrelOk } from '../helpers/petrel-process.ts';
import { basic, JmapClient, PASSWORD, startJmapPetrel, USING, type Invocation, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jqc.test';
const ALL = [...USING, 'urn:ietf:params:jmap:submission', 'urn:ietf:params:jmap:vacationresponse'];

interface QueryChanges {
  oldQueryState: string;
  newQueryState: string;
  removed: string[];
  added: { id: string; index: number }[];
  total?: number;
}

/** What a client does with a /queryChanges response (RFC 8620 §5.6): drop the removed, insert the added by index. */
function applyChanges(ids: readonly string[], changes: QueryChanges): string[] {
  const removed = new Set(changes.removed);
  const result = ids.filter((id) => !removed.has(id));
  for (const { id, index } of [...changes.added].sort((a, b) => a.index - b.index)) result.splice(index, 0, id);
  return result;
}

describe('queryChanges, push of personal types and upload quota over JMAP', () => {
  let petrel: JmapPetrel;
  let dana: JmapClient;
  let inbox: string;
  let work: string;
  let minute = 0;

  /** Uploads and imports one message; each is received a minute after the one before unless `receivedAt` says otherwise. */
  async function importMessage(subject: string, mailboxId: string, receivedAt = new Date(Date.UTC(2026, 10, 1, 0, minute++)).toISOString()): Promise<string> {
    const response = await fetch(dana.session.uploadUrl.replace('{accountId}', dana.accountId), { method: 'POST', headers: { authorization: dana.authorization, 'content-type': 'message/rfc822' }, body: new Uint8Array(simpleMessage({ subject, to: `dana@${DOMAIN}`, messageId: `<${subject.replace(/\W/g, '')}@remote.test>` })) });
    assert.equal(response.status, 201, await response.clone().text());
    const { blobId } = (await response.json()) as { blobId: string };
    const imported = await dana.call('Email/import', { emails: { m: { blobId, mailboxIds: { [mailboxId]: true }, receivedAt } } });
    const created = (imported.created as Record<string, { id: string }> | undefined)?.m;
    assert.ok(created, JSON.stringify(imported));
    return created.id;
  }

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['dana']);
    petrelOk(['user', 'add', `quinn@${DOMAIN}`, '--password', PASSWORD, '--quota', '30K', ...petrel.server.args]);
    dana = await new JmapClient(petrel.base, basic(`dana@${DOMAIN}`)).connect();
    inbox = ((await dana.call('Mailbox/query', { filter: { role: 'inbox' } })).ids as string[])[0];
    const made = await dana.call('Mailbox/set', { create: { w: { name: 'Work', parentId: null } } });
    work = (made.created as Record<string, { id: string }>).w.id;
  });

  after(async () => {
    await petrel?.destroy();
  });

  test('Email/queryChanges: removed and added turn the old results into the new ones', async () => {
    const ids = [];
    for (let i = 1; i <= 5; i++) ids.push(await importMessage(`note ${i}`, inbox));
    const [m1, m2, , m4] = ids;
    const query = { filter: { inMailbox: inbox }, sort: [{ property: 'hasKeyword', keyword: '$flagged', isAscending: false }, { property: 'receivedAt', isAscending: false }] };
    const before = await dana.call('Email/query', query);
    assert.equal(before.canCalculateChanges, true);
    const oldIds = before.ids as string[];
    assert.equal(oldIds.length, 5);

    await dana.call('Email/set', { update: { [m2]: { 'keywords/$flagged': true }, [m4]: { mailboxIds: { [work]: true } } }, destroy: [m1] });
    await importMessage('note 6', inbox);
    await importMessage('note 7', work);

    const changes = (await dana.call('Email/queryChanges', { ...query, sinceQueryState: before.queryState, calculateTotal: true })) as unknown as QueryChanges;
    const now = await dana.call('Email/query', query);
    assert.deepEqual(applyChanges(oldIds, changes), now.ids, JSON.stringify(changes));
    assert.equal(changes.newQueryState, now.queryState);
    assert.equal(changes.total, (now.ids as string[]).length);
    assert.equal((now.ids as string[])[0], m2, 'the flagged email sorts first');

    const unchanged = (await dana.call('Email/queryChanges', { ...query, sinceQueryState: now.queryState })) as unknown as QueryChanges;
    assert.deepEqual([unchanged.removed, unchanged.added], [[], []]);
    const { methodResponses } = await dana.request([['Email/queryChanges', { accountId: dana.accountId, ...query, sinceQueryState: before.queryState, maxChanges: 1 }, 'c0']]);
    assert.deepEqual([methodResponses[0][0], methodResponses[0][1].type], ['error', 'tooManyChanges']);
  });

  test('Email/queryChanges with upToId on an immutable sort leaves out additions past the cached ids', async () => {
    const query = { sort: [{ property: 'receivedAt', isAscending: false }] };
    const before = await dana.call('Email/query', query);
    const oldIds = before.ids as string[];
    const newest = await importMessage('newest', inbox);
    const oldest = await importMessage('oldest', inbox, '2000-01-01T00:00:00Z');
    const full = (await dana.call('Email/queryChanges', { ...query, sinceQueryState: before.queryState })) as unknown as QueryChanges;
    const now = await dana.call('Email/query', query);
    assert.deepEqual(applyChanges(oldIds, full), now.ids);
    const cut = (await dana.call('Email/queryChanges', { ...query, sinceQueryState: before.queryState, upToId: oldIds[1] })) as unknown as QueryChanges;
    assert.deepEqual(cut.added, [{ id: newest, index: 0 }]);
    assert.ok(full.added.some((a) => a.id === oldest), JSON.stringify(full));
  });

  test('collapsed threads cannot be followed: canCalculateChanges false and cannotCalculateChanges', async () => {
    const query = await dana.call('Email/query', { collapseThreads: true });
    assert.equal(query.canCalculateChanges, false);
    const { methodResponses } = await dana.request([['Email/queryChanges', { accountId: dana.accountId, collapseThreads: true, sinceQueryState: query.queryState }, 'c0']]);
    assert.equal(methodResponses[0][1].type, 'cannotCalculateChanges');
  });

  test('Mailbox/queryChanges follows creates, renames and destroys', async () => {
    const query = { filter: { parentId: null }, sort: [{ property: 'name' }] };
    const before = await dana.call('Mailbox/query', query);
    assert.equal(before.canCalculateChanges, true);
    const made = await dana.call('Mailbox/set', { create: { z: { name: 'Zeta', parentId: null }, l: { name: 'Lists', parentId: null } } });
    const lists = (made.created as Record<string, { id: string }>).l.id;
    await dana.call('Mailbox/set', { update: { [work]: { name: 'Accounts' } } });
    await dana.call('Mailbox/set', { destroy: [lists] });
    const changes = (await dana.call('Mailbox/queryChanges', { ...query, sinceQueryState: before.queryState })) as unknown as QueryChanges;
    const now = await dana.call('Mailbox/query', query);
    assert.deepEqual(applyChanges(before.ids as string[], changes), now.ids, JSON.stringify(changes));
    assert.equal(changes.newQueryState, now.queryState);
  });

  test('an Identity or VacationResponse change is pushed on the EventSource, naming only that type', async () => {
    const controller = new AbortController();
    const url = (dana.session.eventSourceUrl as string).replace('{types}', '*').replace('{closeafter}', 'no').replace('{ping}', '0');
    const response = await fetch(url, { headers: { authorization: dana.authorization }, signal: controller.signal });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let buffered = '';
    const nextState = async (): Promise<Record<string, Record<string, string>>> => {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (event.startsWith('event: state') && data) return (JSON.parse(data) as { changed: Record<string, Record<string, string>> }).changed;
          continue;
        }
        const { value, done } = await reader.read();
        assert.equal(done, false, 'the stream ended');
        buffered += Buffer.from(value!).toString('utf8');
      }
    };
    const call = async (name: string, args: Record<string, unknown>): Promise<Invocation> => (await dana.request([[name, { accountId: dana.accountId, ...args }, 'c0']], ALL)).methodResponses[0];
    try {
      const first = (await nextState())[dana.accountId];
      assert.deepEqual(Object.keys(first).sort(), ['Email', 'EmailSubmission', 'Identity', 'Mailbox', 'Thread', 'VacationResponse']);
      const [, identities] = await call('Identity/get', { ids: null });
      assert.equal(first.Identity, identities.state);
      const own = (identities.list as { id: string }[])[0];
      const [, set] = await call('Identity/set', { update: { [own.id]: { name: 'Dana Pushed' } } });
      const pushed = (await nextState())[dana.accountId];
      assert.deepEqual(pushed, { Identity: set.newState });

      const [, vacation] = await call('VacationResponse/set', { update: { singleton: { isEnabled: true, textBody: 'Away' } } });
      assert.deepEqual((await nextState())[dana.accountId], { VacationResponse: vacation.newState });
    } finally {
      controller.abort();
    }
  });

  test('uploads count against the quota: one that would exceed it is refused with overQuota', async () => {
    const quinn = await new JmapClient(petrel.base, basic(`quinn@${DOMAIN}`)).connect();
    const url = quinn.session.uploadUrl.replace('{accountId}', quinn.accountId);
    const post = (body: Buffer) => fetch(url, { method: 'POST', headers: { authorization: quinn.authorization, 'content-type': 'application/octet-stream' }, body: new Uint8Array(body) });
    const first = Buffer.alloc(20 * 1024, 'a');
    assert.equal((await post(first)).status, 201);
    const refused = await post(Buffer.alloc(20 * 1024, 'b'));
    assert.equal(refused.status, 403);
    const problem = (await refused.json()) as { type: string; detail: string };
    assert.equal(problem.type, 'urn:ietf:params:jmap:error:overQuota');
    assert.equal((await post(first)).status, 201, 'the same bytes again cost nothing more');
  });
});
