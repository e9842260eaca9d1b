// RFC 5322 §3.4 groups in the envelope: flattened for search, JMAP and delivery, kept as written
// in `groups` for IMAP ENVELOPE (RFC 9051 §7.5.2) and SORT (RFC 5256 §3).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseMessage } from '../../src/mail/mime/index.ts';

function parse(headers: string[]) {
  return parseMessage(Buffer.from(`${headers.join('\r\n')}\r\n\r\nbody\r\n`));
}

test('address fields with groups keep them in `groups`; the lists stay flattened', () => {
  const { envelope, rawEnvelope } = parse([
    'From: user@domain (Real Name)',
    'To: group: g1@d1.org, g2@d2.org;, group2: g3@d3.org;',
    'Cc: group:;, group2: (foo) ;',
  ]);
  for (const env of [envelope, rawEnvelope]) {
    assert.deepEqual(env.to.map((a) => a.address), ['g1@d1.org', 'g2@d2.org', 'g3@d3.org']);
    assert.deepEqual(env.cc, []);
    assert.deepEqual(env.groups, {
      to: [
        {
          group: 'group',
          members: [
            { name: '', address: 'g1@d1.org' },
            { name: '', address: 'g2@d2.org' },
          ],
        },
        { group: 'group2', members: [{ name: '', address: 'g3@d3.org' }] },
      ],
      cc: [
        { group: 'group', members: [] },
        { group: 'group2', members: [] },
      ],
    });
  }
});

test('groups and plain addresses keep their order; names are decoded only in the display envelope', () => {
  const { envelope, rawEnvelope } = parse(['From: a@x.test', 'Bcc: first@x.test, =?utf-8?q?Gr=C3=BCn?=: m@x.test;, last@x.test']);
  assert.deepEqual(rawEnvelope.groups?.bcc, [
    { name: '', address: 'first@x.test' },
    { group: '=?utf-8?q?Gr=C3=BCn?=', members: [{ name: '', address: 'm@x.test' }] },
    { name: '', address: 'last@x.test' },
  ]);
  assert.equal((envelope.groups?.bcc?.[1] as { group: string }).group, 'Grün');
  assert.deepEqual(envelope.bcc.map((a) => a.address), ['first@x.test', 'm@x.test', 'last@x.test']);
});

test('mail without groups stores no `groups` member', () => {
  const { envelope, rawEnvelope } = parse(['From: Alice <alice@x.test>', 'To: bob@x.test, carol@x.test', 'Cc: dave@x.test']);
  assert.equal('groups' in envelope, false);
  assert.equal('groups' in rawEnvelope, false);
  assert.equal(JSON.stringify(rawEnvelope).includes('groups'), false);
});

test('Sender and Reply-To: absent or empty take From, groups included; an empty group is not empty', () => {
  const fromGroup = parse(['From: team: a@x.test;']).rawEnvelope;
  assert.deepEqual(fromGroup.sender, [{ name: '', address: 'a@x.test' }]);
  assert.deepEqual(fromGroup.groups?.sender, fromGroup.groups?.from);
  assert.deepEqual(fromGroup.groups?.replyTo, fromGroup.groups?.from);

  const blank = parse(['From: a@x.test', 'Sender: ', 'Reply-To: ']).rawEnvelope;
  assert.deepEqual(blank.sender, [{ name: '', address: 'a@x.test' }]);
  assert.deepEqual(blank.replyTo, [{ name: '', address: 'a@x.test' }]);
  assert.equal(blank.groups, undefined);

  const undisclosed = parse(['From: a@x.test', 'Reply-To: undisclosed:;']).rawEnvelope;
  assert.deepEqual(undisclosed.replyTo, []);
  assert.deepEqual(undisclosed.groups, { replyTo: [{ group: 'undisclosed', members: [] }] });
});
