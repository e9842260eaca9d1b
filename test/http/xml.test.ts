import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { autodiscoverRequestAddress, stableUuid, thunderbirdConfig, STANDARD_CLIENT_PORTS } from '../../src/http/autoconfig-documents.ts';
import { escapeXml } from '../../src/http/xml.ts';

describe('XML for autoconfig', () => {
  test('escapeXml escapes markup and drops characters XML cannot carry', () => {
    assert.equal(escapeXml(`a<b>&"c"'\u0001`), 'a&lt;b&gt;&amp;&quot;c&quot;&apos;');
  });

  test('autodiscoverRequestAddress takes Request/EMailAddress only', () => {
    assert.equal(autodiscoverRequestAddress('<Autodiscover xmlns="urn:r"><Request><EMailAddress> a@b.test </EMailAddress></Request></Autodiscover>'), 'a@b.test');
    assert.equal(autodiscoverRequestAddress('<?xml version="1.0"?><a:Autodiscover xmlns:a="urn:r"><a:Request><a:EMailAddress>c@d.test</a:EMailAddress></a:Request></a:Autodiscover>'), 'c@d.test');
    assert.throws(() => autodiscoverRequestAddress('<Other><Request><EMailAddress>a@b.test</EMailAddress></Request></Other>'), /expected <Autodiscover>/);
    for (const bad of ['', '<a>', '<a></b>', 'text', '<!DOCTYPE a [<!ENTITY x "y">]><Autodiscover/>', '<Autodiscover><Request/></Autodiscover>']) {
      assert.throws(() => autodiscoverRequestAddress(bad), Error, bad);
    }
  });

  test('stableUuid is deterministic and shaped like a UUID', () => {
    assert.equal(stableUuid('x'), stableUuid('x'));
    assert.notEqual(stableUuid('x'), stableUuid('y'));
    assert.match(stableUuid('x'), /^[0-9A-F]{8}-[0-9A-F]{4}-8[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  test('the Thunderbird document escapes the hostname it is given', () => {
    assert.match(thunderbirdConfig('a.test', 'A & B', { hostname: 'h<1>', ports: STANDARD_CLIENT_PORTS }), /<hostname>h&lt;1&gt;<\/hostname>[\s\S]*<displayName>A &amp; B<\/displayName>|<displayName>A &amp; B<\/displayName>[\s\S]*<hostname>h&lt;1&gt;<\/hostname>/);
  });
});
