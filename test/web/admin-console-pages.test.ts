// The admin console's other pages in a real browser against a real `petrel serve`: tenants and
// their limits, the users list's search and keyset paging, a user's password reset and disabling,
// groups with an org unit as member, shared mailboxes with send-as, and the signature template
// with its live preview. Each change is checked through the API or a sign-in, not the page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { chromium, type Browser, type Page } from 'playwright-core';

import { freePort } from '../helpers/free-port.ts';
import { petrelOk, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';

const DOMAIN = 'pages.test';
const PASSWORD = 'Pages-test-password-3';

describe('admin console pages', () => {
  let server: RunningPetrel;
  let base: string;
  let browser: Browser;
  let page: Page;
  let token: string;

  async function call(method: string, path: string, body?: unknown, bearer = token): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const result = await call(method, path, body);
    assert.ok(result.status < 300, `${method} ${path}: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body as T;
  }

  const open = async (name: string) => {
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
  };
  const status = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text }).waitFor();

  before(async () => {
    const http = await freePort();
    server = await startPetrel({ extraArgs: ['--http-port', String(http)] });
    base = `http://127.0.0.1:${http}`;
    const printed = /created the administrator login "([^"]+)" with password "([^"]+)"/.exec(server.stdout);
    assert.ok(printed, server.stdout);
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${base}/admin/`);
    await page.getByLabel('Login').fill(printed[1]);
    await page.getByLabel('Password').fill(printed[2]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Administration' }).waitFor();
    token = (await page.evaluate(() => sessionStorage.getItem('petrel.admin.token')))!;
    // 30 users: more than one page of the list (25).
    for (let i = 0; i < 30; i++) await api('POST', '/users', { address: `user${String(i).padStart(2, '0')}@${DOMAIN}`, password: PASSWORD, displayName: `Person ${i}` });
    await api('POST', '/units', { path: 'Sales' });
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('tenants: create, change limits, and remove', async () => {
    await open('Tenants');
    await page.getByLabel('Name', { exact: true }).fill('globex');
    await page.locator('#new-tenant-displayName').fill('Globex Corp');
    await page.locator('#new-tenant-maxUsers').fill('10');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await status('Tenant globex created.');
    await page.getByRole('button', { name: 'Edit limits of globex' }).click();
    const limits = page.getByRole('form', { name: 'Limits of globex' });
    await limits.getByLabel('Max users').fill('25');
    await limits.getByLabel('Max storage (MB)').fill('2048');
    await limits.getByRole('button', { name: 'Save limits' }).click();
    await status('Limits saved.');
    const tenants = await api<{ items: { id: number; name: string; limits: { maxUsers: number; maxStorage: number } }[] }>('GET', '/tenants');
    const globex = tenants.items.find((t) => t.name === 'globex');
    assert.deepEqual(globex?.limits, { maxUsers: 25, maxDomains: 0, maxStorage: 2048 * 1024 * 1024 });
    // A refusal naming a field shows beside it: a tenant name with a space is invalid.
    await page.getByLabel('Name', { exact: true }).fill('bad name');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.locator('#new-tenant-name-error').waitFor();
    await page.getByRole('button', { name: 'Remove globex' }).click();
    await status('Tenant globex removed.');
    assert.equal((await api<{ items: { name: string }[] }>('GET', '/tenants')).items.some((t) => t.name === 'globex'), false);
  });

  test('users: created into a unit, keyset pages, search, password reset, disabling', async () => {
    await open('Users');
    await page.getByLabel('Email address').fill(`new@${DOMAIN}`);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.locator('#new-user-unit').selectOption('Sales');
    await page.getByRole('button', { name: 'Create user' }).click();
    await status(`User new@${DOMAIN} created.`);
    const sales = await api<{ items: { address: string }[] }>('GET', '/units/Sales/members');
    assert.deepEqual(sales.items.map((m) => m.address), [`new@${DOMAIN}`]);
    // The API's refusal of a duplicate address is shown beside the address field.
    await page.getByLabel('Email address').fill(`new@${DOMAIN}`);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('#new-user-address-error').waitFor();
    await page.getByLabel('Email address').fill('');
    await page.getByLabel('Password', { exact: true }).fill('');
    const rows = page.getByRole('table').getByRole('row');
    await page.getByRole('button', { name: `new@${DOMAIN}` }).waitFor();
    assert.equal(await rows.count(), 26, 'a header and 25 users');
    assert.equal(await page.getByRole('button', { name: `user29@${DOMAIN}` }).count(), 0);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('button', { name: `user29@${DOMAIN}` }).waitFor();
    assert.equal(await page.getByRole('button', { name: `user00@${DOMAIN}` }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true, 'the last page has no next');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByRole('button', { name: `new@${DOMAIN}` }).waitFor();

    await page.getByLabel('Search users').fill('Person 17');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('button', { name: `user01@${DOMAIN}` }).waitFor({ state: 'detached' });
    assert.deepEqual(await page.getByRole('table').getByRole('row').allTextContents().then((r) => r.slice(1).map((t) => t.includes(`user17@${DOMAIN}`))), [true]);

    await page.getByRole('button', { name: `user17@${DOMAIN}` }).click();
    await page.getByLabel('New password').fill('A-brand-new-password-9');
    await page.getByRole('button', { name: 'Reset password' }).click();
    await status(`New password set for user17@${DOMAIN}.`);
    const signIn = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: `user17@${DOMAIN}`, password: 'A-brand-new-password-9' }) });
    assert.equal(signIn.status, 201, 'the new password works');

    await page.getByRole('button', { name: 'Disable account' }).click();
    await status(`user17@${DOMAIN} disabled.`);
    assert.equal((await api<{ disabled: boolean }>('GET', `/users/user17@${DOMAIN}`)).disabled, true);
    await page.getByRole('button', { name: 'Delete user' }).click();
    await status(`user17@${DOMAIN} deleted.`);
    assert.equal((await call('GET', `/users/user17@${DOMAIN}`)).status, 404);
  });

  test('groups take an org unit as member; shared mailboxes get members with send-as', async () => {
    await open('Groups');
    await page.getByLabel('Group address').fill(`team@${DOMAIN}`);
    await page.getByRole('button', { name: 'Create group' }).click();
    await status(`Group team@${DOMAIN} created.`);
    await page.getByLabel('New member').fill('unit:Sales');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('list', { name: `Members of team@${DOMAIN}` }).getByText('Everyone in Sales').waitFor();
    await page.getByLabel('New member').fill(`user01@${DOMAIN}`);
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('button', { name: `Remove member user01@${DOMAIN}` }).waitFor();
    assert.deepEqual((await api<{ members: string[] }>('GET', `/groups/team@${DOMAIN}`)).members.sort(), ['unit:Sales', `user01@${DOMAIN}`]);
    await page.getByRole('button', { name: `Remove member user01@${DOMAIN}` }).click();
    await status(`user01@${DOMAIN} removed from team@${DOMAIN}.`);
    assert.deepEqual((await api<{ members: string[] }>('GET', `/groups/team@${DOMAIN}`)).members, ['unit:Sales']);
    // An unknown member is refused next to the field.
    await page.getByLabel('New member').fill(`nobody@${DOMAIN}`);
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.locator('#group-member-error').waitFor();

    await open('Shared mailboxes');
    await page.getByLabel('Address', { exact: true }).fill(`help@${DOMAIN}`);
    await page.getByRole('button', { name: 'Create shared mailbox' }).click();
    await status(`help@${DOMAIN} created.`);
    await page.getByLabel('New member').fill(`user02@${DOMAIN}`);
    await page.getByLabel('Access to folders').selectOption('lrs');
    await page.getByRole('button', { name: 'Add member' }).click();
    const sendAs = page.getByRole('checkbox', { name: `user02@${DOMAIN} may send as help@${DOMAIN}` });
    await sendAs.waitFor();
    assert.equal(await sendAs.isChecked(), false);
    await sendAs.click();
    await status(`Send as granted to user02@${DOMAIN}.`);
    await page.waitForFunction((name) => document.querySelector<HTMLInputElement>(`input[aria-label="${name}"]`)?.checked === true, `user02@${DOMAIN} may send as help@${DOMAIN}`);
    const shared = await api<{ members: { address: string; rights: string; sendAs: boolean }[] }>('GET', `/shared/help@${DOMAIN}`);
    assert.deepEqual(
      shared.members.map((m) => [m.address, m.rights, m.sendAs]),
      [[`user02@${DOMAIN}`, 'lrs', true]],
    );
  });

  test('signature: the template previews live and is stored', async () => {
    await open('Signature');
    const text = page.getByLabel('Plain-text signature');
    await text.fill('-- \n');
    await text.press('End');
    await page.getByRole('button', { name: '{{name}}' }).click();
    await text.press('End');
    await text.pressSequentially('\nPhone: ');
    await page.getByRole('button', { name: '{{phone}}' }).click();
    await page.getByLabel('HTML signature').fill('<b>{{name}}</b><br>{{title}}<script>alert(1)</script>');
    await page.getByLabel('Name', { exact: true }).fill('Zoe Zed');
    assert.equal(await page.getByTestId('text-preview').textContent(), '-- \nZoe Zed\nPhone: +1 555 0100');
    await page.getByLabel('Phone', { exact: true }).fill('');
    assert.equal(await page.getByTestId('text-preview').textContent(), '-- \nZoe Zed', 'a line whose placeholder is empty is left out');
    assert.equal(await page.getByTestId('html-preview').innerHTML(), '<b>Zoe Zed</b><br>Head of Sales');
    await page.getByRole('button', { name: 'Save signature' }).click();
    await status('Signature template saved.');
    const stored = await api<{ text: string; html: string }>('GET', '/signature-template');
    assert.equal(stored.text, '-- \n{{name}}\nPhone: {{phone}}');
  });
});
