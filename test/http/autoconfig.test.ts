// Client autoconfiguration over a real HTTP socket: curl asks as Thunderbird, Outlook and an iPhone
// would, and python's xml.etree / plistlib read the answers the way those clients do.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { freePort } from '../helpers/free-port.ts';
import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';

const DOMAIN = 'auto.test';
const ALICE = `alice@${DOMAIN}`;
// Every character XML must escape, so a missing escape breaks the parse below.
const ALICE_NAME = `Alice <"Liddell"> & 'Co'`;
const HOSTNAME = 'mail.auto.test';

interface CurlResult {
  status: number;
  contentType: string;
  body: string;
}

function curl(url: string, args: string[] = []): CurlResult {
  const result = spawnSync('curl', ['-sS', '--max-time', '20', '-o', '-', '-w', '\n%{http_code} %{content_type}', ...args, url], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, `curl ${url}: ${result.stderr}`);
  const cut = result.stdout.lastIndexOf('\n');
  const [status, ...type] = result.stdout.slice(cut + 1).split(' ');
  return { status: Number(status), contentType: type.join(' '), body: result.stdout.slice(0, cut) };
}

function python(script: string, input: string): unknown {
  const result = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, `python3: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** What Thunderbird reads from clientConfig (its readFromXML): provider id and each server's fields. */
const READ_THUNDERBIRD = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
assert root.tag == 'clientConfig' and root.get('version') == '1.1', root.tag
p = root.find('emailProvider')
def server(e):
    return {'kind': e.tag, 'type': e.get('type'), **{k: e.findtext(k) for k in ('hostname', 'port', 'socketType', 'username', 'authentication')}}
print(json.dumps({'id': p.get('id'), 'domain': p.findtext('domain'), 'displayName': p.findtext('displayName'),
  'servers': [server(e) for e in p if e.tag in ('incomingServer', 'outgoingServer')]}))
`;

const READ_AUTODISCOVER = `
import sys, json, xml.etree.ElementTree as ET
A = '{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}'
R = '{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}'
root = ET.fromstring(sys.stdin.read())
assert root.tag == A + 'Autodiscover', root.tag
resp = root.find(R + 'Response')
acct = resp.find(R + 'Account')
print(json.dumps({'displayName': resp.findtext(R + 'User/' + R + 'DisplayName'),
  'accountType': acct.findtext(R + 'AccountType'), 'action': acct.findtext(R + 'Action'),
  'protocols': [{k: p.findtext(R + k) for k in ('Type', 'Server', 'Port', 'SSL', 'LoginName')} for p in acct.findall(R + 'Protocol')]}))
`;

const READ_PLIST = `
import sys, json, plistlib
print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))
`;

function autodiscoverRequest(address: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">\n' +
    `  <Request>\n    <EMailAddress>${address}</EMailAddress>\n` +
    '    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>\n' +
    '  </Request>\n</Autodiscover>\n'
  );
}

describe('client autoconfiguration over HTTP', () => {
  let server: RunningPetrel;
  let base: string;

  before(async () => {
    const http = await freePort();
    server = await startPetrel({ hostname: HOSTNAME, extraArgs: ['--http-port', String(http)] });
    base = `http://127.0.0.1:${http}`;
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    petrelOk(['user', 'add', ALICE, '--name', ALICE_NAME, '--password', 'alice password', ...server.args]);
  });
  after(async () => server?.destroy());

  test('Thunderbird: /.well-known and autoconfig.DOMAIN give the same clientConfig with every server', () => {
    const expected = {
      id: DOMAIN,
      domain: DOMAIN,
      displayName: `${DOMAIN} mail`,
      servers: [
        ['incomingServer', 'imap', '993', 'SSL'],
        ['incomingServer', 'imap', '143', 'STARTTLS'],
        ['incomingServer', 'pop3', '995', 'SSL'],
        ['incomingServer', 'pop3', '110', 'STARTTLS'],
        ['outgoingServer', 'smtp', '465', 'SSL'],
        ['outgoingServer', 'smtp', '587', 'STARTTLS'],
      ].map(([kind, type, port, socketType]) => ({ kind, type, hostname: HOSTNAME, port, socketType, username: '%EMAILADDRESS%', authentication: 'password-cleartext' })),
    };
    const wellKnown = curl(`${base}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(ALICE)}`);
    assert.equal(wellKnown.status, 200, wellKnown.body);
    assert.match(wellKnown.contentType, /^application\/xml/);
    assert.deepEqual(python(READ_THUNDERBIRD, wellKnown.body), expected);
    // What Thunderbird fetches from http://autoconfig.DOMAIN/mail/config-v1.1.xml, with and without the address.
    for (const query of [`?emailaddress=${encodeURIComponent('someone.new@AUTO.test')}`, '']) {
      const byHost = curl(`${base}/mail/config-v1.1.xml${query}`, ['-H', `Host: autoconfig.${DOMAIN}`]);
      assert.equal(byHost.status, 200, byHost.body);
      assert.deepEqual(python(READ_THUNDERBIRD, byHost.body), expected);
    }
  });

  test('Thunderbird: a domain not served here is 404, a malformed address 400', () => {
    assert.equal(curl(`${base}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=bob%40elsewhere.test`).status, 404);
    assert.equal(curl(`${base}/mail/config-v1.1.xml`, ['-H', 'Host: autoconfig.elsewhere.test']).status, 404);
    const bad = curl(`${base}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=no-at-sign`);
    assert.equal(bad.status, 400);
    assert.match(bad.body, /not a valid email address/);
  });

  test('Outlook Autodiscover (POX): IMAP 993 and SMTP 465 over SSL with the address as login, both path spellings', () => {
    for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) {
      const reply = curl(`${base}${path}`, ['-X', 'POST', '-H', 'Content-Type: text/xml', '--data-binary', autodiscoverRequest(ALICE.toUpperCase())]);
      assert.equal(reply.status, 200, reply.body);
      assert.deepEqual(python(READ_AUTODISCOVER, reply.body), {
        displayName: ALICE_NAME,
        accountType: 'email',
        action: 'settings',
        protocols: [
          { Type: 'IMAP', Server: HOSTNAME, Port: '993', SSL: 'on', LoginName: ALICE },
          { Type: 'SMTP', Server: HOSTNAME, Port: '465', SSL: 'on', LoginName: ALICE },
        ],
      });
    }
    // Someone not (yet) in the directory on a served domain gets settings too, without a name.
    const stranger = curl(`${base}/autodiscover/autodiscover.xml`, ['-X', 'POST', '-H', 'Content-Type: text/xml', '--data-binary', autodiscoverRequest(`new@${DOMAIN}`)]);
    assert.equal(stranger.status, 200);
    assert.equal((python(READ_AUTODISCOVER, stranger.body) as { displayName: unknown }).displayName, null);
  });

  test('Outlook Autodiscover: malformed XML is 400 with the reason, a foreign domain 404', () => {
    const post = (body: string) => curl(`${base}/autodiscover/autodiscover.xml`, ['-X', 'POST', '-H', 'Content-Type: text/xml', '--data-binary', body]);
    const unclosed = post('<Autodiscover><Request><EMailAddress>alice@auto.test</EMailAddress></Autodiscover>');
    assert.equal(unclosed.status, 400);
    assert.match(unclosed.body, /malformed Autodiscover request: Expected closing tag 'Request'/);
    const dtd = post(`<!DOCTYPE x [<!ENTITY e "alice@auto.test">]><Autodiscover><Request><EMailAddress>&e;</EMailAddress></Request></Autodiscover>`);
    assert.equal(dtd.status, 400);
    assert.match(dtd.body, /a DOCTYPE is not accepted/);
    const missing = post('<Autodiscover><Request/></Autodiscover>');
    assert.equal(missing.status, 400);
    assert.match(missing.body, /no Request\/EMailAddress element/);
    assert.equal(post('').status, 400);
    assert.equal(post(autodiscoverRequest('bob@elsewhere.test')).status, 404);
  });

  test('Apple profile: an unsigned plist with a com.apple.mail.managed payload and stable identifiers', () => {
    const url = `${base}/apple/mail.mobileconfig?emailaddress=${encodeURIComponent(ALICE)}`;
    const first = curl(url);
    assert.equal(first.status, 200, first.body);
    assert.equal(first.contentType, 'application/x-apple-aspen-config');
    const profile = python(READ_PLIST, first.body) as Record<string, unknown> & { PayloadContent: Record<string, unknown>[] };
    assert.equal(profile.PayloadType, 'Configuration');
    assert.equal(profile.PayloadVersion, 1);
    assert.match(String(profile.PayloadUUID), /^[0-9A-F]{8}-[0-9A-F]{4}-8[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    assert.equal(profile.PayloadContent.length, 1);
    const mail = profile.PayloadContent[0]!;
    assert.deepEqual(
      {
        type: mail.PayloadType,
        account: mail.EmailAccountType,
        address: mail.EmailAddress,
        name: mail.EmailAccountName,
        incoming: [mail.IncomingMailServerHostName, mail.IncomingMailServerPortNumber, mail.IncomingMailServerUseSSL, mail.IncomingMailServerUsername],
        outgoing: [mail.OutgoingMailServerHostName, mail.OutgoingMailServerPortNumber, mail.OutgoingMailServerUseSSL, mail.OutgoingMailServerUsername],
      },
      {
        type: 'com.apple.mail.managed',
        account: 'EmailTypeIMAP',
        address: ALICE,
        name: ALICE_NAME,
        incoming: [HOSTNAME, 993, true, ALICE],
        outgoing: [HOSTNAME, 465, true, ALICE],
      },
    );
    assert.notEqual(mail.PayloadUUID, profile.PayloadUUID);
    assert.ok(String(mail.PayloadIdentifier).startsWith(`${String(profile.PayloadIdentifier)}.`));
    // Installing it again must replace the account, so the identifiers do not change between downloads...
    assert.deepEqual(python(READ_PLIST, curl(url).body), profile);
    // ...and differ from another person's.
    const other = python(READ_PLIST, curl(`${base}/apple/mail.mobileconfig?emailaddress=bob%40${DOMAIN}`).body) as Record<string, unknown>;
    assert.notEqual(other.PayloadUUID, profile.PayloadUUID);
    assert.notEqual(other.PayloadIdentifier, profile.PayloadIdentifier);
    assert.equal(curl(`${base}/apple/mail.mobileconfig?emailaddress=bob%40elsewhere.test`).status, 404);
    assert.equal(curl(`${base}/apple/mail.mobileconfig`).status, 400);
  });

  test('unknown paths are 404 in plain text, never a stack trace', () => {
    const reply = curl(`${base}/nothing/here`);
    assert.equal(reply.status, 404);
    assert.equal(reply.body, 'not found\n');
  });
});
