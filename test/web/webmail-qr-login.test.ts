// Sign-in by QR code in a real browser (Debian's Chromium driven by playwright-core) against a real
// `petrel serve`, with two devices: a desktop (1280x800) that never types a password and a phone
// (390x844) signed in with one. The desktop's QR code is checked module by module against the
// link the page offers as text; the phone opens that link, types the code from the desktop and
// approves; the desktop lands in the inbox. Then: a used or unknown link says so plainly, a
// signed-out phone signs in first, a wrong code may be retyped, a denial reaches the desktop, and
// an expired code is replaced on the desktop without a click.
// PETREL_SCREENSHOTS=1 also refreshes docs/screenshots/webmail-qr-*.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { encode } from 'uqr';

import { openStore } from '../../src/store/database.ts';
import { freePort } from '../helpers/free-port.ts';
import { petrelOk, ROOT, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'qr.test';
const ANN = `ann@${DOMAIN}`;
const PASSWORD = 'qr-login-secret-pass';
const SCREENSHOTS = process.env.PETREL_SCREENSHOTS === '1';
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

function inbox(page: Page) {
  return page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Inbox/ });
}

/** On a phone one pane shows at a time, the message list first. */
function phoneMail(page: Page) {
  return page.getByRole('button', { name: /Board meeting moved/ });
}

async function signInWithPassword(page: Page): Promise<void> {
  await page.getByLabel('Email address').fill(ANN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The dark modules of an SVG path of unit squares ("M3 0h1v1h-1z..."), as "x,y". */
function modulesOfPath(d: string): string[] {
  return [...d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map((m) => `${m[1]},${m[2]}`).sort();
}

function modulesOfText(text: string): { size: number; dark: string[] } {
  const { data, size } = encode(text, { ecc: 'M', border: 0 });
  const dark: string[] = [];
  data.forEach((row, y) => row.forEach((isDark, x) => isDark && dark.push(`${x},${y}`)));
  return { size, dark: dark.sort() };
}

/** What the desktop's login page offers: the link as text, the code, and the QR code's modules. */
async function offered(page: Page): Promise<{ link: string; code: string; modules: string[]; viewBox: string }> {
  const linkField = page.getByLabel('Approval link');
  await linkField.waitFor();
  const qr = page.getByRole('img', { name: 'QR code that opens the approval page on your phone' });
  return {
    link: await linkField.inputValue(),
    code: ((await page.getByTestId('qr-code').textContent()) ?? '').replace(/\s/g, ''),
    modules: modulesOfPath((await qr.locator('path').getAttribute('d')) ?? ''),
    viewBox: (await qr.getAttribute('viewBox')) ?? '',
  };
}

describe('webmail: sign in by QR code', () => {
  let server: RunningPetrel;
  let base: string;
  let browser: Browser;
  let usedLink: string;
  const contexts: BrowserContext[] = [];

  async function device(options: typeof DESKTOP | typeof PHONE): Promise<Page> {
    const context = await browser.newContext(options);
    contexts.push(context);
    return context.newPage();
  }

  before(async () => {
    const http = await freePort();
    server = await startPetrel({ extraArgs: ['--http-port', String(http)] });
    base = `http://127.0.0.1:${http}`;
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    petrelOk(['user', 'add', ANN, '--password', PASSWORD, ...server.args]);
    const message = ['From: Dana Lee <dana@remote.test>', `To: ${ANN}`, 'Subject: Board meeting moved', 'Message-ID: <board@remote.test>', '', 'The board meeting is now on Friday.', ''];
    const sent = smtplibSend({ port: server.ports.smtp, from: 'dana@remote.test', to: [ANN] }, Buffer.from(message.join('\r\n')));
    assert.equal(sent.status, 'ok', sent.raw);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.destroy();
  });

  test('the phone approves the code the desktop shows, and the desktop lands in the inbox without a password', async () => {
    const phone = await device(PHONE);
    await phone.goto(`${base}/mail/`);
    assert.equal(await phone.getByRole('img', { name: /QR code/ }).count(), 0, 'a phone is offered the QR code, not shown it');
    await signInWithPassword(phone);
    await phoneMail(phone).waitFor();

    const desktop = await device(DESKTOP);
    await desktop.goto(`${base}/mail/`);
    const shown = await offered(desktop);
    assert.match(shown.link, new RegExp(`^${base}/mail/#/approve/[A-Za-z0-9_-]{16,}$`));
    assert.match(shown.code, /^\d{6}$/);
    assert.ok(!shown.link.includes(shown.code), 'the code is not in the link');
    // The picture is the link: the same modules as a fresh encoding of the text, and not those of any other link.
    const expected = modulesOfText(shown.link);
    assert.deepEqual(shown.modules, expected.dark);
    assert.equal(shown.viewBox, `-4 -4 ${expected.size + 8} ${expected.size + 8}`, 'with the four-module quiet zone');
    assert.notDeepEqual(shown.modules, modulesOfText(`${shown.link}x`).dark);
    if (SCREENSHOTS) await desktop.screenshot({ path: join(ROOT, 'docs/screenshots/webmail-qr-login.png') });

    await phone.goto(shown.link);
    await phone.getByRole('heading', { name: 'Sign in on another device?' }).waitFor();
    const facts = (await phone.locator('.approve-facts').textContent()) ?? '';
    assert.match(facts, /127\.0\.0\.1/);
    assert.match(facts, /Chrome on Linux/, 'the desktop\'s browser, from its User-Agent');
    assert.match((await phone.getByRole('main').textContent()) ?? '', new RegExp(`signed in as ${ANN}`));
    await phone.getByLabel('Code shown on the other device').fill(`${shown.code.slice(0, 3)} ${shown.code.slice(3)}`);
    if (SCREENSHOTS) await phone.screenshot({ path: join(ROOT, 'docs/screenshots/webmail-qr-approve.png') });
    await phone.getByRole('button', { name: 'Approve' }).click();
    await phone.getByRole('heading', { name: 'The other device is signed in' }).waitFor();

    await inbox(desktop).waitFor();
    await desktop.getByRole('button', { name: /Board meeting moved/ }).waitFor();
    const token = await desktop.evaluate(() => sessionStorage.getItem('petrel.webmail.token'));
    assert.ok(token);
    const whoami = (await (await fetch(`${base}/api/v1/session`, { headers: { authorization: `Bearer ${token}` } })).json()) as { actor: string };
    assert.equal(whoami.actor, ANN, 'the desktop is signed in as the user who approved');

    await phone.getByRole('button', { name: 'Go to my mail' }).click();
    await phoneMail(phone).waitFor();
    assert.equal(new URL(phone.url()).hash, '', 'the approval link is gone from the address bar');
    usedLink = shown.link;
  });

  test('a used or unknown link says so in plain words', async () => {
    const phone = await device(PHONE);
    await phone.goto(`${base}/mail/`);
    await signInWithPassword(phone);
    await phoneMail(phone).waitFor();
    await phone.goto(usedLink);
    await phone.getByRole('alert').filter({ hasText: /already been used/ }).waitFor();
    // Only the hash changes, so the page stays and its message follows the new request.
    await phone.goto(`${base}/mail/#/approve/nosuchrequest`);
    await phone.getByRole('heading', { name: 'Nothing to approve' }).waitFor();
    await phone.getByRole('alert').filter({ hasText: /not valid/ }).waitFor();
    await phone.getByRole('button', { name: 'Go to my mail' }).click();
    await phoneMail(phone).waitFor();
  });

  test('a signed-out phone signs in first; a wrong code may be retyped; a denial reaches the desktop', async () => {
    const desktop = await device(DESKTOP);
    await desktop.goto(`${base}/mail/`);
    const shown = await offered(desktop);

    const phone = await device(PHONE);
    await phone.goto(shown.link);
    await phone.getByText('then you can approve the sign-in of your other device').waitFor();
    assert.equal(await phone.getByRole('button', { name: 'Use a QR code instead' }).count(), 0, 'no QR code while approving one');
    await signInWithPassword(phone);
    await phone.getByRole('heading', { name: 'Sign in on another device?' }).waitFor();

    const wrong = String((Number(shown.code) + 1) % 1_000_000).padStart(6, '0');
    await phone.getByLabel('Code shown on the other device').fill(wrong);
    await phone.getByRole('button', { name: 'Approve' }).click();
    assert.match((await phone.getByRole('alert').textContent()) ?? '', /not the code shown on the other device/);

    await phone.getByRole('button', { name: 'Deny' }).click();
    await phone.getByRole('heading', { name: 'Sign-in refused' }).waitFor();
    const refused = desktop.getByRole('alert');
    await refused.waitFor();
    assert.equal(await refused.textContent(), 'The sign-in was refused on the other device.');
    assert.equal(await desktop.evaluate(() => sessionStorage.getItem('petrel.webmail.token')), null, 'the desktop is still signed out');

    // A new code is one click away, and it is a different request.
    await desktop.getByRole('button', { name: 'Make a new code' }).click();
    const again = await offered(desktop);
    assert.notEqual(again.link, shown.link);
  });

  test('when the code expires, the desktop shows a new one by itself', async () => {
    const desktop = await device(DESKTOP);
    await desktop.goto(`${base}/mail/`);
    const shown = await offered(desktop);
    // Two minutes pass for this request only: its expiry is moved to its creation, in the server's own database.
    const id = shown.link.split('/').pop()!;
    const store = await openStore({ dataDir: server.dataDir, database: 'sqlite' });
    try {
      const row = await store.db.selectFrom('qr_logins').select(['created_at']).where('id', '=', id).executeTakeFirstOrThrow();
      await store.db.updateTable('qr_logins').set({ expires_at: Number(row.created_at) }).where('id', '=', id).execute();
    } finally {
      await store.close();
    }
    await desktop.getByText('The code expired, so here is a new one.').waitFor({ state: 'attached' });
    const renewed = await offered(desktop);
    assert.notEqual(renewed.link, shown.link);
    assert.deepEqual(renewed.modules, modulesOfText(renewed.link).dark, 'the picture follows the new link');
  });
});
