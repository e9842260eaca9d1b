// The console's dashboard, quotas, audit and security pages in a real browser (Debian's Chromium
// driven by playwright-core) against a real `petrel serve`: mail delivered by python's smtplib and
// submitted with AUTH shows in the dashboard's chart (read through its table alternative), storage
// per org unit shows as bars, a quota set on the page reaches the API, the audit log filters by
// action, and the password policy saves. PETREL_SCREENSHOTS=1 also refreshes
// docs/screenshots/admin-{dashboard,quotas,audit}.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium, type Browser, type Page } from 'playwright-core';

import { openStore } from '../../src/store/database.ts';
import { freePort } from '../helpers/free-port.ts';
import { ROOT, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'dashboard.test';
const ANN = `ann@${DOMAIN}`;
const BEN = `ben@${DOMAIN}`;
const CY = `cy@${DOMAIN}`;
const PASSWORD = 'Dashboard-pass-2026';
const SCREENSHOTS = process.env.PETREL_SCREENSHOTS === '1';
const HOUR = 3_600_000;

/** A working week's rhythm of mail from outside: busy office hours, a quiet night. */
function pastTraffic(hour: number): { received: number; sent: number } {
  const h = new Date(hour).getUTCHours();
  const day = Math.floor(hour / 86_400_000);
  const office = h >= 7 && h <= 18;
  const received = office ? 6 + ((h * 7 + day * 3) % 9) + (h === 9 || h === 14 ? 5 : 0) : (h + day) % 3;
  return { received, sent: office ? Math.round(received * 0.6) + ((h + day) % 2) : 0 };
}

/**
 * The hours of history seeded: the 160 before this one, except the oldest of the 24-hour window,
 * so that an hour starting during the test pushes nothing seeded out of either window.
 */
function seededHours(now: number): number[] {
  const current = now - (now % HOUR);
  return Array.from({ length: 160 }, (_, i) => i + 1)
    .filter((back) => back !== 23)
    .map((back) => current - back * HOUR);
}

function seededSum(hours: number[], from: number): { received: number; sent: number } {
  return hours.filter((h) => h >= from).reduce((t, h) => ({ received: t.received + pastTraffic(h).received, sent: t.sent + pastTraffic(h).sent }), { received: 0, sent: 0 });
}

function message(from: string, to: string, subject: string, lines = 3): string {
  const body = Array.from({ length: lines }, (_, i) => `Line ${i + 1} of a message about ${subject}.`).join('\r\n');
  return `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: ${new Date().toUTCString()}\r\n\r\n${body}\r\n`;
}

/** The numbers of one column of a table, by the column's header. */
async function columnSum(page: Page, table: ReturnType<Page['getByRole']>, header: string): Promise<number> {
  const headers = await table.locator('thead th').allTextContents();
  const index = headers.findIndex((h) => h.trim() === header);
  assert.ok(index >= 0, `no column ${header} in ${headers.join(', ')}`);
  const cells = await table.locator(`tbody tr > :nth-child(${index + 1})`).allTextContents();
  return cells.reduce((n, c) => n + Number(c.trim()), 0);
}

describe('admin console: dashboard, quotas, audit, security', () => {
  let server: RunningPetrel;
  let base: string;
  let browser: Browser;
  let page: Page;
  let admin: { login: string; password: string };
  let token: string;
  let history: number[];

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  before(async () => {
    const http = await freePort();
    server = await startPetrel({ extraArgs: ['--http-port', String(http)] });
    base = `http://127.0.0.1:${http}`;
    const printed = /created the administrator login "([^"]+)" with password "([^"]+)"/.exec(server.stdout);
    assert.ok(printed, `serve printed no first administrator:\n${server.stdout}`);
    admin = { login: printed[1], password: printed[2] };
    token = '';
    token = (await api<{ token: string }>('POST', '/session', { login: admin.login, password: admin.password })).token;

    const domain = await api<{ tenantId: number }>('POST', '/domains', { name: DOMAIN });
    // A week of traffic no test can wait for, written as the delivery path would have counted it.
    history = seededHours(Date.now());
    const store = await openStore({ dataDir: server.dataDir, database: 'sqlite' });
    try {
      await store.db
        .insertInto('traffic_stats')
        .values(history.map((hour) => ({ tenant_id: domain.tenantId, hour, ...pastTraffic(hour) })))
        .execute();
    } finally {
      await store.close();
    }
    for (const [address, name] of [
      [ANN, 'Ann Archer'],
      [BEN, 'Ben Baker'],
      [CY, 'Cy Cole'],
    ]) {
      await api('POST', '/users', { address, password: PASSWORD, displayName: name });
    }
    await api('POST', '/units', { path: 'Sales' });
    await api('POST', '/units', { path: 'Engineering/Backend' });
    await api('POST', `/units/${encodeURIComponent('Sales')}/members`, { principal: ANN });
    await api('POST', `/units/${encodeURIComponent('Engineering/Backend')}/members`, { principal: BEN });

    for (let i = 0; i < 3; i++) {
      const result = smtplibSend({ port: server.ports.smtp, from: 'news@outside.example', to: [ANN] }, message('news@outside.example', ANN, `news ${i}`, 200));
      assert.equal(result.status, 'ok', result.raw);
    }
    const toBen = smtplibSend({ port: server.ports.smtp, from: 'news@outside.example', to: [BEN] }, message('news@outside.example', BEN, 'for ben'));
    assert.equal(toBen.status, 'ok', toBen.raw);
    const submitted = smtplibSend({ port: server.ports.submissions, ssl: true, login: [ANN, PASSWORD], from: ANN, to: [CY] }, message(ANN, CY, 'lunch'));
    assert.equal(submitted.status, 'ok', submitted.raw);

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  const menu = () => page.getByRole('navigation', { name: 'Administration' });

  test('the dashboard shows the delivered and submitted messages in its chart', async () => {
    await page.goto(`${base}/admin/`);
    await page.getByLabel('Login').fill(admin.login);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

    const day24 = seededSum(history, history[0] - 21 * HOUR);
    const today = seededSum(history, Date.now() - (Date.now() % 86_400_000));
    const received = page.getByRole('definition').filter({ has: page.locator('.stat-value') }).first();
    await received.waitFor();
    assert.match((await received.textContent()) ?? '', new RegExp(`^${today.received + 4}from outside`), 'the history of today and four messages just received');
    await page.locator('.chart-plot canvas').first().waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/screenshots/admin-dashboard.png') });

    await page.getByText('Show the figures as a table').click();
    const day = page.getByRole('table', { name: /last 24 hours, per hour/ });
    await day.waitFor();
    assert.equal(await day.locator('tbody tr').count(), 24);
    assert.equal(await columnSum(page, day, 'Received'), day24.received + 4);
    assert.equal(await columnSum(page, day, 'Sent'), day24.sent + 1);

    await page.getByRole('button', { name: 'Last 7 days' }).click();
    assert.equal(await page.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed'), 'true');
    const week = page.getByRole('table', { name: /last 7 days, per hour/ });
    await week.waitFor();
    assert.equal(await week.locator('tbody tr').count(), 168);
    const week7 = seededSum(history, 0);
    assert.equal(await columnSum(page, week, 'Received'), week7.received + 4);
    assert.equal(await columnSum(page, week, 'Sent'), week7.sent + 1);

    // More mail arrives; the reloaded page counts it.
    const more = smtplibSend({ port: server.ports.smtp, from: 'news@outside.example', to: [CY] }, message('news@outside.example', CY, 'one more'));
    assert.equal(more.status, 'ok', more.raw);
    await page.reload();
    await page.getByText('Show the figures as a table').click();
    assert.equal(await columnSum(page, page.getByRole('table', { name: /last 24 hours, per hour/ }), 'Received'), day24.received + 5);
  });

  test('quotas: storage per org unit as bars, accounts by usage, and a quota set from the page', async () => {
    await menu().getByRole('link', { name: 'Quotas' }).click();
    await page.getByRole('heading', { name: 'Quotas', level: 1 }).waitFor();
    const units = page.getByRole('list', { name: 'Storage used per org unit' });
    await units.waitFor();
    const bars = await units.getByRole('listitem').allTextContents();
    assert.ok(bars.some((b) => /^Sales.*KB/.test(b)), `a bar for Sales: ${bars.join(' | ')}`);
    assert.ok(bars.some((b) => /^Engineering/.test(b)), `a bar for Engineering: ${bars.join(' | ')}`);
    assert.ok(bars.some((b) => /^Not in any unit/.test(b)), `a bar for the rest: ${bars.join(' | ')}`);

    const rows = page.getByRole('table', { name: 'Accounts by storage used, largest first' }).locator('tbody tr');
    await rows.first().waitFor();
    assert.match((await rows.first().textContent()) ?? '', new RegExp(ANN), 'Ann, with three long messages and a Sent copy, uses the most');
    if (SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/screenshots/admin-quotas.png') });

    await page.getByRole('button', { name: 'Engineering: show its sub-units' }).click();
    const inside = page.getByRole('list', { name: 'Storage used in Engineering' });
    await inside.waitFor();
    assert.match((await inside.getByRole('listitem').allTextContents()).join(' | '), /Backend.*1 account/);
    await page.getByRole('button', { name: 'Back to all units' }).click();
    await units.waitFor();

    await page.getByRole('button', { name: `Change the quota of ${BEN}` }).click();
    assert.equal(await page.getByLabel('Account address').inputValue(), BEN);
    await page.getByLabel('Quota (MB)', { exact: true }).fill('50');
    await page.getByRole('button', { name: 'Set quota' }).click();
    await page.getByRole('status').filter({ hasText: `Quota of ${BEN} set to 50.0 MB.` }).waitFor();
    const ben = await api<{ quotaBytes: number }>('GET', `/quotas/accounts/${BEN}`);
    assert.equal(ben.quotaBytes, 50 * 1024 * 1024);

    await page.getByLabel('Default quota (MB)').fill('200');
    await page.getByRole('button', { name: 'Set default quota' }).click();
    await page.getByRole('status').filter({ hasText: `New users at ${DOMAIN} now get 200.0 MB.` }).waitFor();
  });

  test('the audit log filters by action and actor', async () => {
    await menu().getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Audit records, newest first' });
    await table.locator('tbody tr').first().waitFor();
    const all = await table.locator('tbody tr').count();

    await page.getByLabel('Action', { exact: true }).fill('quota.set');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('status').filter({ hasText: 'Page 1: 1 record' }).waitFor();
    const row = table.locator('tbody tr');
    assert.match((await row.textContent()) ?? '', new RegExp(`quota\\.set.*${BEN}`));
    assert.ok(all > 1, 'unfiltered, there was more');
    if (SCREENSHOTS) {
      await page.getByRole('button', { name: 'Clear' }).click();
      await page.getByRole('status').filter({ hasText: /Page 1: \d+ records/ }).waitFor();
      await page.screenshot({ path: join(ROOT, 'docs/screenshots/admin-audit.png') });
    }

    await page.getByLabel('Action', { exact: true }).fill('');
    await page.getByLabel('Actor', { exact: true }).fill('nobody@nowhere.example');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No records match these filters.').waitFor();

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Action', { exact: true }).fill('user.add');
    await page.getByLabel('From', { exact: true }).fill(new Date().toISOString().slice(0, 10));
    await page.getByLabel('To', { exact: true }).fill(new Date().toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('status').filter({ hasText: 'Page 1: 3 records' }).waitFor();
  });

  test('security: the password policy saves and a user\'s sessions can be ended', async () => {
    const session = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: CY, password: PASSWORD }) });
    assert.equal(session.status, 201, await session.text());

    await menu().getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    await page.getByLabel('Minimum length').fill('14');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Password policy saved.' }).waitFor();
    assert.equal((await api<{ minLength: number }>('GET', '/password-policy')).minLength, 14);

    await page.getByLabel('User address').fill(CY);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('heading', { name: 'Signed-in sessions (1)' }).waitFor();
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('heading', { name: 'Signed-in sessions (0)' }).waitFor();
    const left = await api<{ items: unknown[] }>('GET', `/users/${CY}/sessions`);
    assert.equal(left.items.length, 0);
  });

  test('at phone width every page fits the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, heading] of [
      ['dashboard', 'Dashboard'],
      ['quotas', 'Quotas'],
      ['audit', 'Audit log'],
      ['security', 'Security'],
    ]) {
      await page.goto(`${base}/admin/#/${hash}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.locator('.admin-page .panel').last().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${heading}: the page is ${overflow}px wider than the screen`);
    }
  });
});
