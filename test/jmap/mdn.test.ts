// RFC 9007 over JMAP: dana reads a message that asks for a receipt (Disposition-Notification-To)
// and sends one with MDN/send, flagging the email $mdnsent by onSuccessUpdateEmail; the receipt
// reaches erin by the submission path, and MDN/parse reads it back there. A second MDN for the
// same email is refused (mdnAlreadySent).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { simpleMessage } from '../helpers/imap-server.ts';
import { basic, deliverSmtp, JmapClient, startJmapPetrel, USING, type Invocation, type JmapPetrel } from './jmap-server.ts';

const DOMAIN = 'jmdn.test';
const MDN = 'urn:ietf:params:jmap:mdn';
const ALL = [...USING, 'urn:ietf:params:jmap:submission', MDN];

describe('MDN/send and MDN/parse over JMAP', () => {
  let petrel: JmapPetrel;
  let dana: JmapClient;
  let erin: JmapClient;
  let emailId: string;

  const call = async (client: JmapClient, name: string, args: Record<string, unknown>): Promise<Invocation[]> =>
    (await client.request([[name, { accountId: client.accountId, ...args }, 'c0']], ALL)).methodResponses;

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['dana', 'erin']);
    deliverSmtp(petrel, `dana@${DOMAIN}`, simpleMessage({ subject: 'Contract draft', from: `Erin <erin@${DOMAIN}>`, to: `dana@${DOMAIN}`, messageId: '<contract@jmdn.test>', headers: [`Disposition-Notification-To: Erin <erin@${DOMAIN}>`] }));
    dana = await new JmapClient(petrel.base, basic(`dana@${DOMAIN}`)).connect();
    erin = await new JmapClient(petrel.base, basic(`erin@${DOMAIN}`)).connect();
    emailId = ((await dana.call('Email/query', { filter: { subject: 'Contract draft' } })).ids as string[])[0];
  });

  after(async () => {
    await petrel?.destroy();
  });

  test('the Session offers MDN for the personal account', () => {
    assert.ok(MDN in (dana.session.capabilities as Record<string, unknown>));
    assert.equal(dana.session.primaryAccounts[MDN], dana.accountId);
    assert.ok(MDN in (dana.session.accounts[dana.accountId] as { accountCapabilities: Record<string, unknown> }).accountCapabilities);
  });

  test('MDN/send sends the receipt and sets $mdnsent; MDN/parse reads it at the other end', async () => {
    const [[, identities]] = await call(dana, 'Identity/get', { ids: null });
    const identityId = (identities.list as { id: string }[])[0].id;
    const responses = await call(dana, 'MDN/send', {
      identityId,
      send: { k1546: { forEmailId: emailId, subject: 'Read receipt', textBody: 'I have read your contract.', disposition: { actionMode: 'manual-action', sendingMode: 'mdn-sent-manually', type: 'displayed' } } },
      onSuccessUpdateEmail: { '#k1546': { 'keywords/$mdnsent': true } },
    });
    assert.equal(responses[0][0], 'MDN/send', JSON.stringify(responses));
    const sent = (responses[0][1].sent as Record<string, Record<string, unknown>>).k1546;
    assert.equal(sent.finalRecipient, `rfc822; dana@${DOMAIN}`);
    assert.equal(sent.originalMessageId, '<contract@jmdn.test>');
    assert.deepEqual([responses[1][0], responses[1][1].updated], ['Email/set', { [emailId]: null }]);
    const [[, got]] = await call(dana, 'Email/get', { ids: [emailId], properties: ['keywords'] });
    assert.equal((got.list as { keywords: Record<string, boolean> }[])[0].keywords.$mdnsent, true);

    let receipt: string | undefined;
    for (let i = 0; i < 50 && !receipt; i++) {
      receipt = ((await erin.call('Email/query', { filter: { subject: 'Read receipt' } })).ids as string[])[0];
      if (!receipt) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(receipt, 'the receipt reached erin');
    const blob = (((await erin.call('Email/get', { ids: [receipt], properties: ['blobId'] })).list as { blobId: string }[])[0]).blobId;
    const [[name, parsed]] = await call(erin, 'MDN/parse', { blobIds: [blob, 'Bnothing'] });
    assert.equal(name, 'MDN/parse', JSON.stringify(parsed));
    const mdn = (parsed.parsed as Record<string, Record<string, unknown>>)[blob];
    assert.deepEqual(mdn.disposition, { actionMode: 'manual-action', sendingMode: 'mdn-sent-manually', type: 'displayed' });
    assert.equal(mdn.originalMessageId, '<contract@jmdn.test>');
    assert.equal(mdn.finalRecipient, `rfc822; dana@${DOMAIN}`);
    assert.match(String(mdn.textBody), /I have read your contract/);
    assert.deepEqual(parsed.notFound, ['Bnothing']);

    const again = await call(dana, 'MDN/send', { identityId, send: { k2: { forEmailId: emailId, disposition: { actionMode: 'manual-action', sendingMode: 'mdn-sent-manually', type: 'displayed' } } } });
    assert.equal((again[0][1].notSent as Record<string, { type: string }>).k2?.type, 'mdnAlreadySent');
  });
});
