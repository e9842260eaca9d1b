// The webmail's settings in a real browser (Debian's Chromium driven by playwright-core) against a
// real `petrel serve`: the automatic reply turned on in the page answers a message sent with
// python's smtplib (the reply is read from the sender's mailbox over JMAP), the personal signature
// is saved to the user's identity, and the organisation's signature shows filled in with the
// user's own directory entry. PETREL_SCREENSHOTS=1 also refreshes docs/screenshots/webmail-settings.png.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium, type Browser, type Page } from 'playwright-core';

import { freePort } from '../helpers/free-port.ts';
import { petrelOk, ROOT, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'settings.test';
const ANN = `ann@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const PASSWORD = 'settings-secret-pass';
const SCREENSHOTS = process.env.PETREL_SCREENSHOTS === '1';
const JMAP_USING = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail', 'urn:ietf:params:jmap:submission'];

type MethodResponse = [string, Record<string, unknown>, string];

/** JMAP as another client would speak it: Basic credentials, one request. */
async function jmap(base: string, user: string, calls: (accountId: string) => [string, Record<string, unknown>, string][]): Promise<MethodResponse[]> {
  const authorization = `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`;
  const session = (await (await fetch(`${base}/.well-known/jmap`, { headers: { authorization } })).json()) as { apiUrl: string; primaryAccounts: Record<string, string> };
  const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
  const response = await fetch(session.apiUrl, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ using: JMAP_USING, methodCalls: calls(accountId) }) });
  assert.equal(response.status, 200);
  return ((await response.json()) as { methodResponses: MethodResponse[] }).methodResponses;
}

async function subjectsOf(base: string, user: string): Promise<string[]> {
  const responses = await jmap(base, user, (accountId) => [
    ['Email/query', { accountId }, 'q'],
    ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['subject'] }, 'g'],
  ]);
  return (responses[1][1].list as { subject: string }[]).map((e) => e.subject);
}

async function signIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email address').fill(ANN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Folders' }).waitFor();
}

describe('webmail settings', () => {
  let server: RunningPetrel;
  let base: string;
  let browser: Browser;

  before(async () => {
    const http = await freePort();
    server = await startPetrel({ extraArgs: ['--http-port', String(http)] });
    base = `http://127.0.0.1:${http}`;
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    petrelOk(['user', 'add', ANN, '--password', PASSWORD, '--name', 'Ann Example', ...server.args]);
    petrelOk(['user', 'add', BOB, '--password', PASSWORD, '--name', 'Bob Sender', ...server.args]);
    petrelOk(['gal', 'set', ANN, '--title', 'Head of Sales', ...server.args]);
    const dir = mkdtempSync(join(tmpdir(), 'petrel-settings-'));
    writeFileSync(join(dir, 'sig.txt'), '{{name}}\n{{title}}\nPhone {{phone}}\n');
    writeFileSync(join(dir, 'sig.html'), '<p><b>{{name}}</b><br>{{title}}<br>Phone {{phone}}</p>\n');
    petrelOk(['signature', 'set', '--text', join(dir, 'sig.txt'), '--html', join(dir, 'sig.html'), ...server.args]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('an automatic reply set in the page answers mail; signatures are saved and shown', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, base);
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.waitFor();

    const today = new Date();
    const day = (offset: number) => new Date(today.getFullYear(), today.getMonth(), today.getDate() + offset).toLocaleDateString('sv-SE');
    await settings.getByLabel('Send an automatic reply').check();
    await settings.getByLabel(/First day/).fill(day(0));
    await settings.getByLabel(/Last day/).fill(day(7));
    await settings.getByLabel('Subject').fill('Out of office');
    await settings.getByLabel('Message').fill('I am away this week and back on Monday.');
    await settings.getByRole('button', { name: 'Save automatic reply' }).click();
    await settings.getByText('Auto-reply is on.').waitFor();

    await settings.getByLabel(`Plain-text signature for ${ANN}`).fill('Ann\nSales team');
    await settings.getByLabel(`HTML signature for ${ANN}`).fill('<p>Ann<br><i>Sales team</i></p>');
    await settings.getByRole('button', { name: 'Save signature' }).click();
    await settings.getByText('Signature saved.').waitFor();

    // The organisation's template, filled in with Ann's entry; her missing phone drops its line.
    const organisation = settings.getByTestId('organisation-signature');
    await organisation.locator('b', { hasText: 'Ann Example' }).waitFor();
    assert.match((await organisation.locator('p').textContent()) ?? '', /^Ann ExampleHead of Sales$/);
    if (SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/screenshots/webmail-settings.png') });

    // Bob writes to Ann (python's smtplib, authenticated submission) and gets her notice back.
    const sent = smtplibSend(
      { port: server.ports.submissions, ssl: true, login: [BOB, PASSWORD], from: BOB, to: [ANN] },
      [`From: Bob Sender <${BOB}>`, `To: ${ANN}`, 'Subject: Lunch on Friday?', `Message-ID: <lunch@${DOMAIN}>`, '', 'Are you free?', ''].join('\r\n'),
    );
    assert.equal(sent.status, 'ok', sent.raw);
    let subjects: string[] = [];
    for (let i = 0; i < 120 && !subjects.includes('Out of office'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      subjects = await subjectsOf(base, BOB);
    }
    assert.ok(subjects.includes('Out of office'), `the automatic reply reached Bob: ${subjects.join(', ')}`);

    const [identities] = await jmap(base, ANN, (accountId) => [['Identity/get', { accountId }, 'i']]);
    const identity = (identities[1].list as { email: string; textSignature: string; htmlSignature: string }[]).find((i) => i.email === ANN);
    assert.deepEqual([identity?.textSignature, identity?.htmlSignature], ['Ann\nSales team', '<p>Ann<br><i>Sales team</i></p>']);

    // A fresh page shows what was saved.
    await page.reload();
    await page.getByRole('button', { name: 'Settings' }).click();
    const again = page.getByRole('dialog', { name: 'Settings' });
    await again.getByRole('button', { name: 'Save automatic reply' }).waitFor();
    assert.equal(await again.getByLabel('Send an automatic reply').isChecked(), true);
    assert.equal(await again.getByLabel(/Last day/).inputValue(), day(7));
    assert.equal(await again.getByLabel('Subject').inputValue(), 'Out of office');
    assert.equal(await again.getByLabel(`Plain-text signature for ${ANN}`).inputValue(), 'Ann\nSales team');
    await again.getByRole('button', { name: 'Close settings' }).click();
    assert.equal(await again.count(), 0);
    await context.close();
  });
});
