// The webmail in a real browser (Debian's Chromium driven by playwright-core) against a real
// `petrel serve`: sign in through the page, watch a message sent by SMTP arrive without a reload,
// read it, and see it counted as read.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import Fastify from 'fastify';
import { TOTP } from 'otpauth';
import { chromium, type Browser, type Page } from 'playwright-core';

import { registerWebUi } from '../../src/http/web-ui.ts';
import { freePort } from '../helpers/free-port.ts';
import { petrelOk, ROOT, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'webmail.test';
const ANN = `ann@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const PASSWORD = 'webmail-secret-pass';

function deliver(smtpPort: number, to: string, lines: string[]): void {
  const result = smtplibSend({ port: smtpPort, from: 'sender@remote.test', to: [to] }, Buffer.from([...lines, ''].join('\r\n')));
  assert.equal(result.status, 'ok', `SMTP delivery to ${to} was refused: ${result.raw}`);
}

function plainMessage(to: string, from: string, subject: string, body: string, id: string): string[] {
  return [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, `Message-ID: <${id}@remote.test>`, 'Content-Type: text/plain; charset=utf-8', '', body];
}

async function signIn(page: Page, base: string, login: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email address').fill(login);
  await page.getByLabel('Password').fill(PASSWORD);
}

describe('webmail', () => {
  let server: RunningPetrel;
  let base: string;
  let browser: Browser;

  before(async () => {
    const http = await freePort();
    server = await startPetrel({ extraArgs: ['--http-port', String(http)] });
    base = `http://127.0.0.1:${http}`;
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    for (const user of [ANN, BOB]) petrelOk(['user', 'add', user, '--password', PASSWORD, ...server.args]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('signs in, shows mail arriving live by push, opens it and marks it read', async () => {
    deliver(server.ports.smtp, ANN, plainMessage(ANN, 'Dana Lee <dana@remote.test>', 'Welcome to the team', 'Hi Ann,\n\nWelcome aboard! Your desk is on the third floor.\n\nDana', 'welcome'));
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, base, ANN);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const inbox = page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Inbox/ });
    await inbox.waitFor();
    await page.getByRole('button', { name: /Welcome to the team/ }).waitFor();
    assert.equal(await inbox.getAttribute('aria-current'), 'true', 'the inbox is the folder shown first');
    assert.equal(await inbox.getByTestId('unread-count').textContent(), '1');

    // A marker on the document survives only if the page is never reloaded.
    await page.evaluate(() => {
      document.documentElement.dataset.watching = 'yes';
    });
    deliver(server.ports.smtp, ANN, plainMessage(ANN, 'Carlos Ruiz <carlos@remote.test>', 'Quarterly numbers', 'Hello Ann,\n\nThe quarterly numbers are in: revenue grew 12%.\nSee you at the review on Thursday.\n\nCarlos', 'quarterly'));
    const arrived = page.getByRole('button', { name: /Quarterly numbers/ });
    await arrived.waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.watching), 'yes', 'the new message appeared without a reload');
    await page.getByRole('button', { name: 'Inbox, 2 unread' }).waitFor();
    const rows = await page.getByRole('list', { name: 'Messages in Inbox' }).getByRole('listitem').allTextContents();
    assert.match(rows[0], /Quarterly numbers/, 'the newest message is listed first');
    assert.equal(await arrived.evaluate((el) => el.classList.contains('unread')), true);

    await arrived.click();
    const body = page.getByTestId('message-body');
    await body.waitFor();
    assert.match((await body.textContent()) ?? '', /revenue grew 12%\.\nSee you at the review/);
    assert.equal(await page.getByRole('heading', { level: 2, name: 'Quarterly numbers' }).count(), 1);
    await page.getByRole('button', { name: 'Inbox, 1 unread' }).waitFor();
    assert.equal(await arrived.evaluate((el) => el.classList.contains('unread')), false);

    // The server agrees: the message carries $seen (read over JMAP with Basic auth, as another client would).
    const authorization = `Basic ${Buffer.from(`${ANN}:${PASSWORD}`).toString('base64')}`;
    const session = (await (await fetch(`${base}/.well-known/jmap`, { headers: { authorization } })).json()) as { apiUrl: string; primaryAccounts: Record<string, string> };
    const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
    const response = await fetch(session.apiUrl, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
        methodCalls: [
          ['Email/query', { accountId, filter: { notKeyword: '$seen' } }, 'q'],
          ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['subject'] }, 'g'],
        ],
      }),
    });
    const { methodResponses } = (await response.json()) as { methodResponses: [string, { list: { subject: string }[] }, string][] };
    assert.deepEqual(methodResponses[1][1].list.map((e) => e.subject), ['Welcome to the team']);


    // Signing out ends the session on the server, not just in the page.
    const token = await page.evaluate(() => sessionStorage.getItem('petrel.webmail.token'));
    assert.ok(token);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email address').waitFor();
    const stale = await fetch(`${base}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(stale.status, 401);
    await context.close();
  });

  test('shows an HTML-only message sanitized: its scripts never run and remote images wait for permission', async () => {
    deliver(server.ports.smtp, BOB, [
      'From: news@remote.test',
      `To: ${BOB}`,
      'Subject: HTML newsletter',
      'Message-ID: <html-only@remote.test>',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><body><h1>Big news</h1><p>Read <b>all</b> about it.</p><img src="http://127.0.0.1:9/track.png" onerror="document.title=\'pwned\'"><script>document.title="pwned"</script></body></html>',
    ]);
    const context = await browser.newContext();
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await signIn(page, base, BOB);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /HTML newsletter/ }).click();
    const body = page.getByTestId('message-body');
    await body.getByRole('heading', { name: 'Big news' }).waitFor();
    assert.equal(await body.locator('b').textContent(), 'all', 'the message keeps its formatting');
    assert.equal(await body.locator('script').count(), 0, 'no script of the message reaches the page');
    await page.getByRole('region', { name: 'Remote images' }).waitFor();
    assert.notEqual(await page.title(), 'pwned');
    assert.equal(requests.filter((url) => url.includes('track.png')).length, 0, 'no remote image was fetched');
    await context.close();
  });

  test('asks for the authentication code when the user has TOTP on', async () => {
    // Bob turns TOTP on through the public API, as the settings page will.
    const api = async (path: string, token: string, body: unknown): Promise<Record<string, unknown>> => {
      const response = await fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: BOB, password: PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const { secret } = (await api('/me/totp', token, {})) as { secret: string };
    const totp = new TOTP({ secret });
    const { recoveryCodes } = (await api('/me/totp/confirm', token, { code: totp.generate() })) as { recoveryCodes: string[] };

    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, base, BOB);
    assert.equal(await page.getByLabel('Authentication code').count(), 0, 'no code field before the server asks');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const code = page.getByLabel('Authentication code');
    await code.waitFor();
    // The code just used to confirm cannot be replayed within its time step; a recovery code is the other accepted answer.
    await code.fill(recoveryCodes[0]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /HTML newsletter/ }).waitFor();
    await context.close();
  });
});

describe('webmail files', () => {
  test('a server whose web UI is not built says how to build it', async () => {
    const app = Fastify();
    registerWebUi(app, join(ROOT, 'web/no-such-dist'));
    const page = await app.inject({ method: 'GET', url: '/mail/' });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /npm run build:web/);
    const root = await app.inject({ method: 'GET', url: '/' });
    assert.deepEqual([root.statusCode, root.headers.location], [302, '/mail/']);
    await app.close();
  });

  test('the built webmail is served under /mail/ with its assets', async () => {
    const app = Fastify();
    registerWebUi(app);
    const page = await app.inject({ method: 'GET', url: '/mail/' });
    assert.equal(page.statusCode, 200, 'web/dist/webmail exists (npm ci runs the prepare script)');
    assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
    const script = /src="(\/mail\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    assert.ok(script, page.body);
    const asset = await app.inject({ method: 'GET', url: script });
    assert.equal(asset.statusCode, 200);
    assert.match(asset.headers['cache-control'] as string, /immutable/);
    await app.close();
  });
});
