// EmailSubmission (RFC 8621 §7) over real sockets: a draft made with Email/set and sent with
// EmailSubmission/set reaches a local recipient's INBOX and the sender's Sent (read back over
// IMAP with imapflow), send-as of a shared mailbox works, a foreign address is refused, and the
// implicit Email/set of onSuccessDestroyEmail runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ImapFlow } from 'imapflow';

import { petrelOk } from '../helpers/petrel-process.ts';
import { basic, JmapClient, PASSWORD, startJmapPetrel, USING, type Invocation, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jmap-submit.test';
const ANN = `ann@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const SUPPORT = `support@${DOMAIN}`;
const DESK = `desk@${DOMAIN}`;
const CAROL = `carol@${DOMAIN}`;
const ALL = [...USING, 'urn:ietf:params:jmap:submission'];

/** Subjects and raw headers of the messages in one of the user's mailboxes, read with imapflow. */
async function messagesIn(petrel: JmapPetrel, user: string, mailbox: string): Promise<{ subject: string; source: string }[]> {
  const imap = new ImapFlow({ host: '127.0.0.1', port: petrel.imap, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user, pass: PASSWORD }, logger: false });
  imap.on('error', () => {});
  await imap.connect();
  try {
    const lock = await imap.getMailboxLock(mailbox);
    try {
      const out: { subject: string; source: string }[] = [];
      for await (const m of imap.fetch('1:*', { envelope: true, source: true })) out.push({ subject: m.envelope?.subject ?? '', source: m.source?.toString('utf8') ?? '' });
      return out;
    } catch {
      return [];
    } finally {
      lock.release();
    }
  } finally {
    await imap.logout().catch(() => imap.close());
  }
}

describe('EmailSubmission', () => {
  let petrel: JmapPetrel;
  let ann: JmapClient;
  let drafts: string;
  const identities = new Map<string, string>();

  const request = async (calls: Invocation[]) => (await ann.request(calls, ALL)).methodResponses;
  const draft = async (from: string, to: string, subject: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const [[, set]] = await request([['Email/set', { accountId: ann.accountId, create: { d: { mailboxIds: { [drafts]: true }, keywords: { $draft: true }, from: [{ email: from }], to: [{ email: to }], subject, bodyValues: { b: { value: `${subject} body` } }, textBody: [{ partId: 'b', type: 'text/plain' }], ...extra } } }, 'c0']]);
    const created = (set.created as Record<string, { id: string }>).d;
    assert.ok(created, JSON.stringify(set));
    return created.id;
  };
  const submit = async (create: Record<string, unknown>, more: Record<string, unknown> = {}) => request([['EmailSubmission/set', { accountId: ann.accountId, create: { s: create }, ...more }, 'c1']]);

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['ann', 'bob', 'carol']);
    petrelOk(['shared', 'add', SUPPORT, '--member', ANN, '--send-as', ...petrel.server.args]);
    petrelOk(['shared', 'add', DESK, '--member', ANN, '--send-on-behalf', ...petrel.server.args]);
    ann = await new JmapClient(petrel.base, basic(ANN)).connect();
    const [[, boxes]] = await request([['Mailbox/get', { accountId: ann.accountId, properties: ['role'] }, 'c0']]);
    drafts = (boxes.list as { id: string; role: string }[]).find((b) => b.role === 'drafts')!.id;
    const [[, got]] = await request([['Identity/get', { accountId: ann.accountId }, 'c0']]);
    for (const identity of got.list as { id: string; email: string }[]) identities.set(identity.email, identity.id);
  });
  after(async () => {
    await petrel?.destroy();
  });

  test('the session announces the submission capability for the account', () => {
    assert.ok('urn:ietf:params:jmap:submission' in (ann.session.capabilities as Record<string, unknown>));
    assert.equal(ann.session.primaryAccounts['urn:ietf:params:jmap:submission'], ann.accountId);
  });

  test('a draft sent with EmailSubmission/set arrives in the recipient INBOX and the sender Sent; the draft is destroyed on success', async () => {
    const emailId = await draft(ANN, BOB, 'Lunch on Friday');
    const responses = await submit({ identityId: identities.get(ANN), emailId }, { onSuccessDestroyEmail: ['#s'] });
    const [name, set] = responses[0];
    assert.equal(name, 'EmailSubmission/set');
    const created = (set.created as Record<string, Record<string, unknown>>).s;
    assert.ok(created, JSON.stringify(set));
    assert.equal(created.undoStatus, 'final');
    assert.deepEqual((created.envelope as { rcptTo: { email: string }[] }).rcptTo.map((r) => r.email), [BOB]);
    // The implicit Email/set follows the EmailSubmission/set response (RFC 8621 §7.5).
    assert.equal(responses[1][0], 'Email/set');
    assert.deepEqual(responses[1][1].destroyed, [emailId]);

    const inbox = await messagesIn(petrel, BOB, 'INBOX');
    assert.deepEqual(inbox.map((m) => m.subject), ['Lunch on Friday']);
    assert.match(inbox[0].source, /^Return-Path: <ann@jmap-submit\.test>/m);
    assert.deepEqual((await messagesIn(petrel, ANN, 'Sent')).map((m) => m.subject), ['Lunch on Friday']);
    assert.deepEqual(await messagesIn(petrel, ANN, 'Drafts'), []);

    const [[, got]] = await request([['EmailSubmission/get', { accountId: ann.accountId, ids: [created.id] }, 'c0']]);
    const [submission] = got.list as Record<string, unknown>[];
    assert.equal(submission.emailId, emailId);
    assert.equal(submission.identityId, identities.get(ANN));
    assert.equal((submission.deliveryStatus as Record<string, { delivered: string }>)[BOB].delivered, 'yes');
  });

  test('header:Name:asText properties on create become header fields (priority), structured ones are refused', async () => {
    const emailId = await draft(ANN, BOB, 'Server room flooding', { 'header:X-Priority:asText': '1 (Highest)', 'header:Importance:asText': 'high' });
    await submit({ identityId: identities.get(ANN), emailId }, { onSuccessDestroyEmail: ['#s'] });
    const [arrived] = (await messagesIn(petrel, BOB, 'INBOX')).filter((m) => m.subject === 'Server room flooding');
    assert.ok(arrived, 'the message arrived');
    assert.match(arrived.source, /^X-Priority: 1 \(Highest\)\r?$/m);
    assert.match(arrived.source, /^Importance: high\r?$/m);
    const [[, set]] = await request([['Email/set', { accountId: ann.accountId, create: { d: { mailboxIds: { [drafts]: true }, subject: 'x', 'header:Subject:asText': 'sneaky' } } }, 'c0']]);
    assert.equal((set.notCreated as Record<string, { type: string; properties: string[] }>).d.type, 'invalidProperties');
    assert.deepEqual((set.notCreated as Record<string, { properties: string[] }>).d.properties, ['header:Subject:asText']);
  });

  test('onSuccessUpdateEmail patches the sent draft; EmailSubmission/changes and /query see the submission', async () => {
    const [[, before]] = await request([['EmailSubmission/get', { accountId: ann.accountId, ids: [] }, 'c0']]);
    const emailId = await draft(ANN, BOB, 'Agenda');
    const [[, set], [implicit, update]] = await submit({ identityId: identities.get(ANN), emailId }, { onSuccessUpdateEmail: { '#s': { 'keywords/$draft': null, 'keywords/$seen': true } } });
    const id = (set.created as Record<string, { id: string }>).s.id;
    assert.equal(implicit, 'Email/set');
    assert.deepEqual(update.updated, { [emailId]: null });
    const [[, email]] = await request([['Email/get', { accountId: ann.accountId, ids: [emailId], properties: ['keywords'] }, 'c0']]);
    assert.deepEqual((email.list as { keywords: Record<string, boolean> }[])[0].keywords, { $seen: true });
    const [[, changes], [, query]] = await request([
      ['EmailSubmission/changes', { accountId: ann.accountId, sinceState: before.state }, 'c0'],
      ['EmailSubmission/query', { accountId: ann.accountId, filter: { emailIds: [emailId] }, sort: [{ property: 'sentAt', isAscending: false }] }, 'c1'],
    ]);
    assert.deepEqual(changes.created, [id]);
    assert.deepEqual(query.ids, [id]);
    const [[, destroyed], [, after]] = await request([
      ['EmailSubmission/set', { accountId: ann.accountId, destroy: [id] }, 'c0'],
      ['EmailSubmission/changes', { accountId: ann.accountId, sinceState: changes.newState }, 'c1'],
    ]);
    assert.deepEqual(destroyed.destroyed, [id]);
    assert.deepEqual(after.destroyed, [id]);
  });

  test('the send-as identity of a shared mailbox sends with the shared address in From', async () => {
    assert.ok(identities.has(SUPPORT), `identities: ${[...identities.keys()].join(', ')}`);
    const emailId = await draft(SUPPORT, BOB, 'Your ticket 42');
    const [[, set]] = await submit({ identityId: identities.get(SUPPORT), emailId });
    assert.ok((set.created as Record<string, unknown>).s, JSON.stringify(set));
    const received = (await messagesIn(petrel, BOB, 'INBOX')).find((m) => m.subject === 'Your ticket 42');
    assert.ok(received);
    assert.match(received.source, /^From: support@jmap-submit\.test/m);
    assert.doesNotMatch(received.source, /^Sender:/m);
  });

  test('send-on-behalf adds Sender: the user; a Bcc recipient gets the message without the Bcc field', async () => {
    const emailId = await draft(DESK, BOB, 'Front desk notice', { bcc: [{ email: CAROL }] });
    const [[, set]] = await submit({ identityId: identities.get(DESK), emailId });
    const created = (set.created as Record<string, { envelope: { mailFrom: { email: string }; rcptTo: { email: string }[] } }>).s;
    assert.ok(created, JSON.stringify(set));
    assert.equal(created.envelope.mailFrom.email, DESK);
    assert.deepEqual(created.envelope.rcptTo.map((r) => r.email).sort(), [BOB, CAROL]);
    const atBob = (await messagesIn(petrel, BOB, 'INBOX')).find((m) => m.subject === 'Front desk notice');
    assert.ok(atBob);
    assert.match(atBob.source, /^Sender: ann@jmap-submit\.test/m);
    const atCarol = (await messagesIn(petrel, CAROL, 'INBOX')).find((m) => m.subject === 'Front desk notice');
    assert.ok(atCarol);
    assert.doesNotMatch(atCarol.source, /^Bcc:/im);
  });

  test('a foreign From address is refused with forbiddenFrom, a foreign envelope sender with forbiddenMailFrom', async () => {
    const forged = await draft('ceo@elsewhere.test', BOB, 'Wire the money');
    const [[, fromSet]] = await submit({ identityId: identities.get(ANN), emailId: forged });
    assert.equal((fromSet.notCreated as Record<string, { type: string }>).s.type, 'forbiddenFrom');
    const honest = await draft(ANN, BOB, 'Envelope test');
    const [[, mailFromSet]] = await submit({ identityId: identities.get(ANN), emailId: honest, envelope: { mailFrom: { email: 'ceo@elsewhere.test' }, rcptTo: [{ email: BOB }] } });
    assert.equal((mailFromSet.notCreated as Record<string, { type: string }>).s.type, 'forbiddenMailFrom');
    const subjects = (await messagesIn(petrel, BOB, 'INBOX')).map((m) => m.subject);
    assert.ok(!subjects.includes('Wire the money') && !subjects.includes('Envelope test'), subjects.join(', '));
  });
});
