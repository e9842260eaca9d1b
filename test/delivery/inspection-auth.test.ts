import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { authenticate, dkimSign, sealMessage } from 'mailauth';

import { createResolver } from '../../src/delivery/dns-resolver.ts';
import { inspectInbound, returnPathField, type InspectionRequest } from '../../src/delivery/inbound-inspection.ts';

// Inspection hands mailauth only the header block when no DKIM-Signature or ARC set can need the
// body. Whatever it hands over, the Authentication-Results must be what mailauth says about the
// whole message, for signed, tampered, sealed and unsigned mail alike.

const CORPUS = new URL('../../../shared/corpus/mime/', import.meta.url).pathname;
const HOST = 'mx.petrel.test';
const CHECK = { ip: '192.0.2.10', helo: 'client.example' };

function corpusFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? corpusFiles(path) : [path];
    });
}

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const resolver = createResolver({
  system: false,
  overrides: {
    'example.com': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] },
    '_dmarc.example.com': { TXT: ['v=DMARC1; p=none'] },
    'sel._domainkey.example.com': { TXT: [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`] },
  },
});
const signTime = new Date(Date.UTC(2026, 10, 1));

async function sign(raw: Buffer): Promise<Buffer> {
  const key = { signingDomain: 'example.com', selector: 'sel', privateKey: keyPem, algorithm: 'rsa-sha256', canonicalization: 'relaxed/relaxed' };
  // mailauth signs with the entries of signatureData; its types want the key at the top level too.
  const signed = await dkimSign(raw, { signTime, ...key, signatureData: [key] });
  return Buffer.concat([Buffer.from(signed.signatures), raw]);
}

async function seal(raw: Buffer): Promise<Buffer> {
  // A first hop's seal (i=1, cv=none); authResults and cv are read by mailauth though its types leave them out.
  const options = { signTime, signingDomain: 'example.com', selector: 'sel', privateKey: keyPem, authResults: 'relay.example.com; dkim=pass', cv: 'none' };
  const headers = await sealMessage(raw, options);
  return Buffer.concat([Buffer.from(headers), raw]);
}

/** Every variant of a message whose checks must agree: as is, signed, signed then changed, sealed, sealed then changed. */
async function variants(raw: Buffer): Promise<{ label: string; raw: Buffer }[]> {
  const signed = await sign(raw);
  const sealed = await seal(signed);
  return [
    { label: 'plain', raw },
    { label: 'signed', raw: signed },
    { label: 'signed, body changed', raw: Buffer.concat([signed, Buffer.from('changed in transit\r\n')]) },
    { label: 'sealed', raw: sealed },
    { label: 'sealed, body changed', raw: Buffer.concat([sealed, Buffer.from('x')]) },
  ];
}

async function inspectedAuthResults(raw: Buffer): Promise<string> {
  const request: InspectionRequest = { raw, mailFrom: 'sender@example.com', hostname: HOST, traceHeaders: 'Received: test\r\n', check: CHECK };
  const inspection = await inspectInbound(request, resolver);
  assert.ok(inspection.refusedByDmarc === null);
  const text = Buffer.from(inspection.message).toString('latin1');
  const start = returnPathField('sender@example.com').length;
  return text.slice(start, text.indexOf('Received: test\r\n'));
}

async function mailauthAuthResults(raw: Buffer): Promise<string> {
  const result = await authenticate(raw, { ...CHECK, sender: 'sender@example.com', mta: HOST, resolver: resolver.mailauthResolver, disableBimi: true });
  return result.headers;
}

test('Authentication-Results of every corpus message, signed, changed and sealed, are what mailauth finds on the whole message', async () => {
  const files = corpusFiles(CORPUS);
  assert.ok(files.length > 50, `corpus at ${CORPUS}`);
  const seen = new Set<string>();
  for (const file of files) {
    for (const { label, raw } of await variants(readFileSync(file))) {
      const expected = await mailauthAuthResults(raw);
      assert.equal(await inspectedAuthResults(raw), expected, `${file} (${label})`);
      for (const verdict of expected.match(/\b(dkim|arc)=[a-z]+/g) ?? []) seen.add(verdict);
    }
  }
  // The changed copies must have been caught from their bodies, or the comparison proves little.
  for (const verdict of ['dkim=none', 'dkim=pass', 'dkim=neutral', 'arc=none', 'arc=pass', 'arc=fail']) assert.ok(seen.has(verdict), `no ${verdict} among ${[...seen].join(' ')}`);
});

test('a body that changed after signing fails DKIM even with a bare-LF header block and no separator', async () => {
  const lfMessage = Buffer.from('From: a@example.com\nTo: b@example.net\nSubject: lf\n\nbody line\n');
  const signed = await sign(lfMessage);
  assert.match(await inspectedAuthResults(signed), /dkim=pass/);
  assert.match(await inspectedAuthResults(Buffer.concat([signed, Buffer.from('more\n')])), /dkim=neutral/);
  const headerOnly = Buffer.from('From: a@example.com\r\nSubject: no body');
  assert.equal(await inspectedAuthResults(headerOnly), await mailauthAuthResults(headerOnly));
});
