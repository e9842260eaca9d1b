// VacationResponse (RFC 8621 §8) set over JMAP and acted on at delivery as RFC 3834 says: mail
// delivered by SMTP to a user away gets one auto-reply per sender per period, in the sender's
// INBOX (read back over IMAP with imapflow), and automatic or bulk mail gets none.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ImapFlow } from 'imapflow';

import { smtplibSend } from '../helpers/smtp-peers.ts';
import { basic, JmapClient, PASSWORD, startJmapPetrel, USING, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jmap-vacation.test';
const ANN = `ann@${DOMAIN}`;
const VACATION = 'urn:ietf:params:jmap:vacationresponse';

async function inbox(petrel: JmapPetrel, user: string): Promise<string[]> {
  const imap = new ImapFlow({ host: '127.0.0.1', port: petrel.imap, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user, pass: PASSWORD }, logger: false });
  imap.on('error', () => {});
  await imap.connect();
  try {
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const out: string[] = [];
      if ((imap.mailbox && imap.mailbox.exists) === 0) return out;
      for await (const m of imap.fetch('1:*', { source: true })) out.push(m.source?.toString('utf8') ?? '');
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await imap.logout().catch(() => imap.close());
  }
}

/** Replies are sent after the delivery's commit, in the background: wait for `count` of them (the test's own timeout stops a hang). */
async function waitForInbox(petrel: JmapPetrel, user: string, count: number): Promise<string[]> {
  for (;;) {
    const messages = await inbox(petrel, user);
    if (messages.length >= count) return messages;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function send(petrel: JmapPetrel, from: string, subject: string, headers: string[] = [], to = `Ann <${ANN}>`): void {
  const data = Buffer.from([`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '-')}@${DOMAIN}>`, ...headers, '', 'Are you there?', ''].join('\r\n'));
  const result = smtplibSend({ port: petrel.smtp, from, to: [ANN] }, data);
  assert.equal(result.status, 'ok', result.raw);
}

describe('VacationResponse', () => {
  let petrel: JmapPetrel;
  let ann: JmapClient;

  const call = async (name: string, args: Record<string, unknown>) => {
    const { methodResponses } = await ann.request([[name, { accountId: ann.accountId, ...args }, 'c0']], [...USING, VACATION]);
    assert.equal(methodResponses[0][0], name, JSON.stringify(methodResponses[0]));
    return methodResponses[0][1];
  };

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['ann', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina']);
    ann = await new JmapClient(petrel.base, basic(ANN)).connect();
  });
  after(async () => {
    await petrel?.destroy();
  });

  test('the singleton starts disabled, cannot be created, and is updated with /set', async () => {
    const got = await call('VacationResponse/get', { ids: null });
    assert.deepEqual(got.list, [{ id: 'singleton', isEnabled: false, fromDate: null, toDate: null, subject: null, textBody: null, htmlBody: null }]);
    const refused = await call('VacationResponse/set', { create: { v: { isEnabled: true } } });
    assert.equal((refused.notCreated as Record<string, { type: string }>).v.type, 'singleton');
    const set = await call('VacationResponse/set', { update: { singleton: { isEnabled: true, fromDate: '2020-01-01T00:00:00Z', textBody: 'Back on Monday.' } } });
    assert.deepEqual(set.updated, { singleton: null });
    assert.notEqual(set.newState, set.oldState);
    const after = await call('VacationResponse/get', { ids: ['singleton'], properties: ['isEnabled', 'textBody'] });
    assert.deepEqual(after.list, [{ id: 'singleton', isEnabled: true, textBody: 'Back on Monday.' }]);
  });

  test('a message delivered by SMTP gets one auto-reply; a second from the same sender gets none', async () => {
    const bob = `bob@${DOMAIN}`;
    send(petrel, bob, 'Meeting tomorrow');
    const [reply] = await waitForInbox(petrel, bob, 1);
    assert.match(reply, /^Auto-Submitted: auto-replied/im);
    assert.match(reply, /^Subject: Auto: Meeting tomorrow/m);
    assert.match(reply, /^In-Reply-To: <Meeting-tomorrow@jmap-vacation\.test>/m);
    assert.match(reply, /^From: ann@jmap-vacation\.test/m);
    assert.match(reply, /^Return-Path: <>/m);
    assert.match(reply, /Back on Monday\./);

    send(petrel, bob, 'Second try');
    // Carol's reply is sent after the second delivery's, so once it is there Bob's would be too.
    const carol = `carol@${DOMAIN}`;
    send(petrel, carol, 'Hello from Carol');
    await waitForInbox(petrel, carol, 1);
    assert.equal((await inbox(petrel, bob)).length, 1);
  });

  test('automatic, bulk and list mail, and mail not addressed to the user, get no auto-reply', async () => {
    const dave = `dave@${DOMAIN}`;
    const erin = `erin@${DOMAIN}`;
    const gina = `gina@${DOMAIN}`;
    send(petrel, dave, 'Your build failed', ['Auto-Submitted: auto-generated']);
    send(petrel, erin, 'Newsletter', ['Precedence: bulk']);
    send(petrel, erin, 'List digest', ['List-Id: <team.jmap-vacation.test>']);
    // Ann only in the envelope (a Bcc): RFC 3834 §2 wants her address in To or Cc.
    send(petrel, gina, 'For the team', [], `Team <team@${DOMAIN}>`);
    // Frank writes as a person after them all: once his reply is there, theirs would be too.
    const frank = `frank@${DOMAIN}`;
    send(petrel, frank, 'A real question');
    const [reply] = await waitForInbox(petrel, frank, 1);
    assert.match(reply, /^Subject: Auto: A real question/m);
    for (const sender of [dave, erin, gina]) assert.equal((await inbox(petrel, sender)).length, 0, `${sender} got an auto-reply`);
  });
});
