// The admin console in a real browser (Debian's Chromium driven by playwright-core) against a real
// `petrel serve`: the first administrator, as printed at first start, signs in at /admin/, adds a
// domain, sees its DNS status (from [dns.overrides]), creates a user, and that user reads their
// inbox in the webmail; units move by drag and drop and by keyboard; a domain admin's menu has no
// Tenants. PETREL_SCREENSHOTS=1 also refreshes docs/screenshots/admin-*.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { TOTP } from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { freePort } from '../helpers/free-port.ts';
import { dnsOverridesToml } from '../helpers/petrel-cli.ts';
import { ROOT, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';

const HOST = 'mx.petrel.test';
const DOMAIN = 'console.test';
const USER = `carla@${DOMAIN}`;
const USER_PASSWORD = 'Console-made-password-7';
const SCREENSHOTS = process.env.PETREL_SCREENSHOTS === '1';

interface UnitNode {
  path: string;
  children: UnitNode[];
}

const paths = (nodes: UnitNode[]): string[] => nodes.flatMap((n) => [n.path, ...paths(n.children)]);

describe('admin console', () => {
  let server: RunningPetrel;
  let base: string;
  let browser: Browser;
  let admin: { login: string; password: string };
  let adminContext: BrowserContext;
  let page: Page;
  let token: string;

  async function api<T>(method: string, path: string, body?: unknown, bearer = token): Promise<T> {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  async function signIn(target: Page, login: string, password: string): Promise<void> {
    await target.goto(`${base}/admin/`);
    await target.getByLabel('Login').fill(login);
    await target.getByLabel('Password').fill(password);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.getByRole('navigation', { name: 'Administration' }).waitFor();
  }

  const menu = (target: Page) => target.getByRole('navigation', { name: 'Administration' });

  before(async () => {
    const http = await freePort();
    server = await startPetrel({
      hostname: HOST,
      extraArgs: ['--http-port', String(http)],
      // The MX is published, nothing else: the DNS page must tell the two apart.
      configToml: dnsOverridesToml({ [DOMAIN]: { MX: [`10 ${HOST}`] } }),
    });
    base = `http://127.0.0.1:${http}`;
    const printed = /created the administrator login "([^"]+)" with password "([^"]+)"/.exec(server.stdout);
    assert.ok(printed, `serve printed no first administrator:\n${server.stdout}`);
    admin = { login: printed[1], password: printed[2] };
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    adminContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await adminContext.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('the first admin adds a domain and a user in the console; the user then reads mail in the webmail', async () => {
    await signIn(page, admin.login, admin.password);
    token = (await page.evaluate(() => sessionStorage.getItem('petrel.admin.token')))!;
    assert.ok(token, 'the session token is kept for the tab');

    await menu(page).getByRole('link', { name: 'Domains' }).click();
    await page.getByLabel('Domain name').fill(DOMAIN);
    await page.getByLabel('Role mailboxes', { exact: true }).fill('info');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('status').filter({ hasText: `Domain ${DOMAIN} added with info@${DOMAIN}` }).waitFor();
    await page.getByRole('row', { name: new RegExp(DOMAIN) }).waitFor();

    // The API refuses a second time; its message is shown beside the field it names.
    await page.getByLabel('Domain name').fill(DOMAIN);
    await page.getByRole('button', { name: 'Add domain' }).click();
    const fieldError = page.locator('#new-domain-name-error');
    await fieldError.waitFor();
    assert.equal(await page.getByLabel('Domain name').getAttribute('aria-invalid'), 'true');
    assert.match((await fieldError.textContent()) ?? '', /exists|already/i);

    await page.getByRole('link', { name: `DNS and DKIM of ${DOMAIN}` }).click();
    const records = page.getByRole('list', { name: 'Records to publish' });
    const mx = records.getByRole('listitem', { name: `MX ${DOMAIN}.` });
    await mx.waitFor();
    assert.match((await mx.textContent()) ?? '', /Live/);
    assert.match((await mx.textContent()) ?? '', new RegExp(`10 ${HOST.replace(/\./g, '\\.')}\\.`));
    const spf = records.getByRole('listitem', { name: `TXT ${DOMAIN}.` });
    assert.match((await spf.textContent()) ?? '', /Missing/);
    assert.match((await spf.textContent()) ?? '', /v=spf1 mx -all/);
    await page.getByRole('status').filter({ hasText: /required records? not live yet/ }).waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/screenshots/admin-dns.png') });
    // DKIM: rotate publishes a pending key; activating it makes it sign.
    const keysBefore = await api<{ items: { selector: string; state: string }[] }>('GET', `/domains/${DOMAIN}/dkim-keys`);
    await page.getByRole('button', { name: 'Rotate key' }).click();
    await page.getByRole('button', { name: /^Activate / }).waitFor();
    const pending = (await api<{ items: { selector: string; state: string }[] }>('GET', `/domains/${DOMAIN}/dkim-keys`)).items.find((k) => k.state === 'pending');
    assert.ok(pending, `rotation left a pending key beside ${keysBefore.items.map((k) => k.selector).join(', ')}`);
    await page.getByRole('button', { name: `Activate ${pending.selector}` }).click();
    await page.getByRole('status').filter({ hasText: `${pending.selector} signs from now on.` }).waitFor();
    const keysAfter = await api<{ items: { selector: string; state: string }[] }>('GET', `/domains/${DOMAIN}/dkim-keys`);
    assert.equal(keysAfter.items.find((k) => k.selector === pending.selector)?.state, 'active');

    await menu(page).getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Full name').fill('Carla Diaz');
    await page.getByLabel('Email address').fill(USER);
    await page.getByLabel('Password').fill(USER_PASSWORD);
    await page.getByLabel('Quota (MB)').fill('500');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('status').filter({ hasText: `User ${USER} created.` }).waitFor();
    await page.getByRole('button', { name: USER }).waitFor();
    const created = await api<{ displayName: string; quotaBytes: number }>('GET', `/users/${USER}`);
    assert.deepEqual([created.displayName, created.quotaBytes], ['Carla Diaz', 500 * 1024 * 1024]);

    // An alias added from the user's panel.
    await page.getByRole('button', { name: USER }).click();
    await page.getByLabel('New alias').fill(`c.diaz@${DOMAIN}`);
    await page.getByRole('button', { name: 'Add alias' }).click();
    await page.getByRole('list', { name: `Aliases of ${USER}` }).getByText(`c.diaz@${DOMAIN}`).waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/screenshots/admin-users.png') });

    const mailContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const mail = await mailContext.newPage();
    await mail.goto(`${base}/mail/`);
    await mail.getByLabel('Email address').fill(USER);
    await mail.getByLabel('Password').fill(USER_PASSWORD);
    await mail.getByRole('button', { name: 'Sign in' }).click();
    await mail.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Inbox/ }).waitFor();
    await mailContext.close();
  });

  test('units move by drag and drop and by keyboard; a cycle is refused with the API\'s words; people are dragged into units', async () => {
    for (const path of ['Sales', 'Sales/EMEA', 'Support']) await api('POST', '/units', { path });
    await page.goto(`${base}/admin/#/org`);
    const support = page.getByTestId('unit Support');
    await support.waitFor();

    await support.dragTo(page.getByTestId('unit Sales/EMEA'));
    await page.getByRole('status').filter({ hasText: 'Support moved under Sales/EMEA.' }).waitFor();
    const moved = paths((await api<{ items: UnitNode[] }>('GET', '/units')).items);
    assert.ok(moved.includes('Sales/EMEA/Support'), `the subtree moved: ${moved.join(', ')}`);

    // A unit cannot go below itself; the page shows the API's refusal.
    await page.getByTestId('unit Sales').dragTo(page.getByTestId('unit Sales/EMEA/Support'));
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /own|itself|below|under|cycle|descendant/i);
    assert.ok(paths((await api<{ items: UnitNode[] }>('GET', '/units')).items).includes('Sales'), 'Sales stayed at the top');

    // The keyboard way: the unit's "Move to…" list.
    await page.getByLabel('Move Sales/EMEA/Support to…').selectOption('/');
    await page.getByRole('status').filter({ hasText: 'Sales/EMEA/Support moved to the top level.' }).waitFor();
    assert.ok(paths((await api<{ items: UnitNode[] }>('GET', '/units')).items).includes('Support'));

    await page.getByTestId(`person ${USER}`).dragTo(page.getByTestId('unit Sales/EMEA'));
    await page.getByRole('status').filter({ hasText: `${USER} is in Sales/EMEA now.` }).waitFor();
    const members = await api<{ items: { address: string }[] }>('GET', `/units/${encodeURIComponent('Sales/EMEA')}/members`);
    assert.deepEqual(members.items.map((m) => m.address), [USER]);
    await page.getByRole('button', { name: 'EMEA' }).click();
    await page.getByRole('list', { name: 'Members of Sales/EMEA' }).getByText(USER).waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/screenshots/admin-org-tree.png') });
  });

  test('the menu follows the role: a domain admin (signing in with a second factor, at phone width) has no Tenants page; the super-admin has', async () => {
    assert.equal(await menu(page).getByRole('link', { name: 'Tenants' }).count(), 1);
    const login = `dora@${DOMAIN}`;
    await api('POST', '/users', { address: login, password: USER_PASSWORD });
    await api('PUT', `/admins/${login}`, { role: 'domain-admin', domains: [DOMAIN] });
    // The domain admin has a second factor: the sign-in asks for it after the password.
    const session = (await (await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: USER_PASSWORD }) })).json()) as { token: string };
    const { secret } = await api<{ secret: string }>('POST', '/me/totp', {}, session.token);
    const { recoveryCodes } = await api<{ recoveryCodes: string[] }>('POST', '/me/totp/confirm', { code: new TOTP({ secret }).generate() }, session.token);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const phone = await context.newPage();
    await phone.goto(`${base}/admin/`);
    await phone.getByLabel('Login').fill(login);
    await phone.getByLabel('Password').fill(USER_PASSWORD);
    assert.equal(await phone.getByLabel('Authentication code').count(), 0, 'no code field before the server asks');
    await phone.getByRole('button', { name: 'Sign in' }).click();
    const code = phone.getByLabel('Authentication code');
    await code.waitFor();
    await code.fill('000000');
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByRole('alert').filter({ hasText: 'That code was not accepted.' }).waitFor();
    // The code used to confirm cannot be replayed within its time step; a recovery code is the other accepted answer.
    await code.fill(recoveryCodes[0]);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await menu(phone).waitFor();
    assert.equal(await menu(phone).getByRole('link', { name: 'Tenants' }).count(), 0);
    assert.equal(await menu(phone).getByRole('link', { name: 'Org tree' }).count(), 0);
    // The organisation's traffic and audit log are not a domain admin's: the API refuses them, so the menu has neither.
    assert.equal(await menu(phone).getByRole('link', { name: 'Dashboard' }).count(), 0);
    assert.equal(await menu(phone).getByRole('link', { name: 'Audit log' }).count(), 0);
    await menu(phone).getByRole('link', { name: 'Users' }).click();
    await phone.getByRole('button', { name: USER }).waitFor();
    // At phone width nothing spills sideways out of the page.
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling at 390 px');
    await phone.goto(`${base}/admin/#/tenants`);
    await phone.getByRole('heading', { level: 1 }).waitFor();
    assert.notEqual(await phone.getByRole('heading', { level: 1 }).textContent(), 'Tenants', 'typing the address does not open the page either');

    // Signing out ends the session on the server.
    const stale = (await phone.evaluate(() => sessionStorage.getItem('petrel.admin.token')))!;
    await phone.getByRole('button', { name: 'Sign out' }).click();
    await phone.getByLabel('Login').waitFor();
    const after = await fetch(`${base}/api/v1/session`, { headers: { authorization: `Bearer ${stale}` } });
    assert.equal(after.status, 401);
    await context.close();
  });
});
