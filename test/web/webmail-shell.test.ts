// The webmail's main view in a real browser (Debian's Chromium driven by playwright-core) against
// a real `petrel serve`: search with filters, flag, labels and drag-to-folder (checked again over
// IMAP with imapflow), delete with undo, a shared mailbox beside one's own, shortcuts, the phone
// layout, and the virtual list on a 2,000-conversation inbox. PETREL_SCREENSHOTS=1 also refreshes
// docs/screenshots/webmail-{inbox,search,phone}.png.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ImapFlow } from 'imapflow';
import { chromium, type Browser, type Page } from 'playwright-core';

import { ensureAdminAccount } from '../../src/directory/admin-account.ts';
import { addDomain } from '../../src/directory/domains.ts';
import { ensureDefaultTenant } from '../../src/directory/tenants.ts';
import { addUser } from '../../src/directory/users.ts';
import { ChangeBus } from '../../src/events/change-bus.ts';
import { MailStore } from '../../src/mail/mail-store.ts';
import { openStore } from '../../src/store/database.ts';
import { freePort } from '../helpers/free-port.ts';
import { petrelOk, ROOT, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'shell.test';
const ANN = `ann@${DOMAIN}`;
const SUPPORT = `support@${DOMAIN}`;
const PASSWORD = 'webmail-shell-pass';
const SCREENSHOTS = process.env.PETREL_SCREENSHOTS === '1';

let sent = 0;
function deliver(smtpPort: number, to: string, from: string, subject: string, body: string, attachment?: string, inReplyTo?: string): void {
  sent++;
  const threading = inReplyTo ? [`In-Reply-To: ${inReplyTo}`, `References: ${inReplyTo}`] : [];
  const headers = [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Date: ${new Date(Date.now() - (100 - sent) * 60_000).toUTCString()}`, `Message-ID: <shell-${sent}@remote.test>`, ...threading, 'MIME-Version: 1.0'];
  const lines = attachment
    ? [...headers, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8', '', body, '--b', `Content-Type: application/pdf; name="${attachment}"`, `Content-Disposition: attachment; filename="${attachment}"`, 'Content-Transfer-Encoding: base64', '', Buffer.from('%PDF-1.4 figures').toString('base64'), '--b--']
    : [...headers, 'Content-Type: text/plain; charset=utf-8', '', body];
  const result = smtplibSend({ port: smtpPort, from: 'sender@remote.test', to: [to] }, Buffer.from([...lines, ''].join('\r\n')));
  assert.equal(result.status, 'ok', `SMTP delivery to ${to} was refused: ${result.raw}`);
}

async function signIn(page: Page, base: string, login: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email address').fill(login);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** JMAP as another client would use it (Basic auth), to check what the page did on the server. */
async function jmapCall(base: string, login: string, calls: unknown[]): Promise<Record<string, unknown>[]> {
  const authorization = `Basic ${Buffer.from(`${login}:${PASSWORD}`).toString('base64')}`;
  const session = (await (await fetch(`${base}/.well-known/jmap`, { headers: { authorization } })).json()) as { apiUrl: string; primaryAccounts: Record<string, string> };
  const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
  const withAccount = JSON.parse(JSON.stringify(calls).replaceAll('"$ACCOUNT"', JSON.stringify(accountId))) as unknown[];
  const response = await fetch(session.apiUrl, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'], methodCalls: withAccount }) });
  const { methodResponses } = (await response.json()) as { methodResponses: [string, Record<string, unknown>, string][] };
  return methodResponses.map(([name, args]) => {
    assert.notEqual(name, 'error', JSON.stringify(args));
    return args;
  });
}

/** The names of the mailboxes the email with this subject is in, read over JMAP. */
async function foldersOf(base: string, subject: string): Promise<string[]> {
  const [boxes, , got] = await jmapCall(base, ANN, [
    ['Mailbox/get', { accountId: '$ACCOUNT', properties: ['name'] }, 'm'],
    ['Email/query', { accountId: '$ACCOUNT', filter: { subject } }, 'q'],
    ['Email/get', { accountId: '$ACCOUNT', '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['mailboxIds'] }, 'g'],
  ]);
  const names = new Map((boxes.list as { id: string; name: string }[]).map((m) => [m.id, m.name]));
  const [email] = got.list as { mailboxIds: Record<string, true> }[];
  return Object.keys(email.mailboxIds).map((id) => names.get(id)!);
}

describe('webmail main view', () => {
  let server: RunningPetrel;
  let base: string;
  let imaps: number;
  let browser: Browser;
  let sharedAccountId: string;

  before(async () => {
    const http = await freePort();
    imaps = await freePort();
    server = await startPetrel({ extraArgs: ['--http-port', String(http), '--imaps-port', String(imaps)] });
    base = `http://127.0.0.1:${http}`;
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    petrelOk(['user', 'add', ANN, '--password', PASSWORD, ...server.args]);
    petrelOk(['shared', 'add', SUPPORT, '--name', 'Support team', '--member', ANN, ...server.args]);
    const smtp = server.ports.smtp;
    deliver(smtp, ANN, 'Carol Diaz <carol@remote.test>', 'Budget review next week', 'Hi Ann, can we go over the budget on Tuesday?');
    deliver(smtp, ANN, 'Carol Diaz <carol@remote.test>', 'Re: Budget review next week', 'Tuesday at 10 works, see you then.', undefined, `<shell-${sent}@remote.test>`);
    deliver(smtp, ANN, 'Dave Kim <dave@remote.test>', 'Budget figures attached', 'The budget figures are in the attached PDF.', 'figures.pdf');
    deliver(smtp, ANN, 'Carol Diaz <carol@remote.test>', 'Lunch on Friday', 'Shall we try the new place on the corner?');
    deliver(smtp, ANN, 'Erin Park <erin@remote.test>', 'Offsite agenda', 'Draft agenda for the offsite is below.');
    deliver(smtp, ANN, 'Frank Moreau <frank@remote.test>', 'Contract renewal', 'The contract renews on the first of the month.');
    deliver(smtp, SUPPORT, 'Customer <customer@remote.test>', 'Printer on fire', 'Our printer at the front desk is on fire, please help.');
    const authorization = `Basic ${Buffer.from(`${ANN}:${PASSWORD}`).toString('base64')}`;
    const session = (await (await fetch(`${base}/.well-known/jmap`, { headers: { authorization } })).json()) as { accounts: Record<string, { isPersonal: boolean }> };
    sharedAccountId = Object.entries(session.accounts).find(([, a]) => !a.isPersonal)![0];
    await jmapCall(base, ANN, [['Mailbox/set', { accountId: '$ACCOUNT', create: { p: { name: 'Projects', parentId: null } } }, 's']]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('search with a filter finds the right message', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, base, ANN);
    await page.getByRole('button', { name: /Contract renewal/ }).waitFor();

    await page.keyboard.press('/');
    const search = page.getByRole('searchbox', { name: 'Search mail' });
    assert.equal(await search.evaluate((el) => el === document.activeElement), true, '/ focuses the search box');
    await search.fill('budget');
    await page.keyboard.press('Enter');
    const results = page.getByRole('list', { name: 'Messages in Search results' });
    await results.getByRole('button', { name: /Budget review next week/ }).waitFor();
    assert.equal(await results.getByRole('listitem').count(), 2, 'both budget conversations, nothing else');
    assert.match((await results.getByRole('listitem').filter({ hasText: 'Budget review' }).textContent()) ?? '', /2 messages/, 'a thread of two is one row with its count');

    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByLabel('Has attachment').check();
    await page.getByRole('search').getByRole('button', { name: 'Search' }).last().click();
    await page.getByRole('heading', { name: 'Search results' }).waitFor();
    await results.getByRole('button', { name: /Budget figures attached/ }).waitFor();
    await waitForCount(results.getByRole('listitem'), 1);
    assert.match((await results.getByRole('listitem').textContent()) ?? '', /Dave Kim/);
    if (SCREENSHOTS) {
      await results.getByRole('button', { name: /Budget figures attached/ }).click();
      await page.getByRole('toolbar', { name: 'Conversation actions' }).waitFor();
      await page.screenshot({ path: join(ROOT, 'docs/screenshots/webmail-search.png') });
    }

    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByLabel('Has attachment').uncheck();
    await page.getByLabel('From').fill('carol');
    await page.getByRole('search').getByRole('button', { name: 'Search' }).last().click();
    await results.getByRole('button', { name: /Budget review next week/ }).waitFor();
    await waitForCount(results.getByRole('listitem'), 1);

    await page.getByRole('button', { name: 'Clear search' }).click();
    await page.getByRole('list', { name: 'Messages in Inbox' }).getByRole('button', { name: /Offsite agenda/ }).waitFor();
    await context.close();
  });

  test('flag, label and drag to a folder change the message on the server (seen over IMAP)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, base, ANN);
    const inbox = page.getByRole('list', { name: 'Messages in Inbox' });
    const lunch = inbox.getByRole('listitem').filter({ hasText: 'Lunch on Friday' });
    await lunch.waitFor();

    await lunch.getByRole('button', { name: 'Flag' }).click();
    await page.waitForFunction(() => document.querySelector('.star.on') !== null);
    await lunch.getByRole('button', { name: /Lunch on Friday/ }).click();
    await page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Labels' }).click();
    await page.getByLabel('New label').fill('Work');
    await page.getByLabel('Colour').selectOption({ label: 'Green' });
    await page.getByRole('button', { name: 'Create label' }).click();
    await lunch.getByText('Work').waitFor();
    assert.equal(await page.getByRole('checkbox', { name: 'Work' }).isChecked(), true, 'the new label is on the conversation');
    await page.getByRole('button', { name: 'Done' }).click();
    // Opening it marked it read; the toolbar marks it unread again.
    await page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Mark unread' }).click();
    await page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Mark read' }).waitFor();

    // A second label on another conversation, for the screenshot and the filter.
    const offsite = inbox.getByRole('listitem').filter({ hasText: 'Offsite agenda' });
    await offsite.getByRole('button', { name: /Offsite agenda/ }).click();
    await page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Labels' }).click();
    await page.getByLabel('New label').fill('Travel');
    await page.getByRole('button', { name: 'Create label' }).click();
    await offsite.getByText('Travel').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('group', { name: /support@shell\.test/ }).getByRole('button', { name: 'Inbox, 1 unread' }).waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/screenshots/webmail-inbox.png') });

    // A label comes off as it went on.
    await offsite.getByRole('button', { name: /Offsite agenda/ }).click();
    await page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Labels' }).click();
    await page.getByRole('checkbox', { name: 'Travel' }).uncheck();
    await waitForCount(offsite.getByText('Travel'), 0);
    await page.getByRole('button', { name: 'Done' }).click();
    const [, travel] = await jmapCall(base, ANN, [
      ['Email/query', { accountId: '$ACCOUNT', filter: { subject: 'Offsite agenda' } }, 'q'],
      ['Email/get', { accountId: '$ACCOUNT', '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['keywords'] }, 'g'],
    ]);
    assert.deepEqual((travel.list as { keywords: Record<string, true> }[])[0].keywords, { $seen: true }, 'the label is gone on the server');

    // Filtering by a label lists its conversations only.
    await page.getByRole('button', { name: 'Label Work', exact: true }).click();
    const labelled = page.getByRole('list', { name: 'Messages in Label Work' });
    await labelled.getByRole('button', { name: /Lunch on Friday/ }).waitFor();
    await waitForCount(labelled.getByRole('listitem'), 1);
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /^Inbox/ }).first().click();

    const client = new ImapFlow({ host: '127.0.0.1', port: imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ANN, pass: PASSWORD }, logger: false });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      const [message] = await client.fetchAll({ subject: 'Lunch on Friday' }, { flags: true, envelope: true });
      assert.ok(message, 'the message is in INBOX');
      assert.ok(message.flags?.has('\\Flagged'), `flagged over IMAP: ${[...(message.flags ?? [])].join(' ')}`);
      assert.ok(message.flags?.has('$label_work'), `the label is an IMAP keyword: ${[...(message.flags ?? [])].join(' ')}`);
      assert.ok(!message.flags?.has('\\Seen'), 'marked unread again');

      // Drag the conversation onto the Projects folder.
      await inbox.getByRole('listitem').filter({ hasText: 'Lunch on Friday' }).dragTo(page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Projects' }));
      await page.getByRole('status').getByText('Conversation moved to Projects.').waitFor();
      await waitForCount(inbox.getByRole('listitem').filter({ hasText: 'Lunch on Friday' }), 0);
      await client.mailboxClose();
      const projects = await client.mailboxOpen('Projects');
      assert.equal(projects.exists, 1, 'the message is in Projects over IMAP');
      const moved = await client.fetchAll('1:*', { envelope: true, flags: true });
      assert.equal(moved[0].envelope?.subject, 'Lunch on Friday');
      assert.ok(moved[0].flags?.has('$label_work'), 'the label moved with it');
      await client.mailboxClose();
      const inboxAgain = await client.mailboxOpen('INBOX');
      assert.equal(inboxAgain.exists, 5, 'and it left the inbox');
    } finally {
      await client.logout();
    }
    await context.close();
  });

  test('delete moves to Trash and Undo brings it back; shortcuts and their help', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, base, ANN);
    const inbox = page.getByRole('list', { name: 'Messages in Inbox' });
    const contract = inbox.getByRole('button', { name: /Contract renewal/ });
    await contract.waitFor();

    // j/k move between conversations, Enter opens, u goes back to the list.
    const blur = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await blur();
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    assert.equal(await contract.evaluate((el) => el === document.activeElement), true, 'k returns to the first conversation');
    await page.keyboard.press('j');
    await blur();
    await page.keyboard.press('o');
    await page.getByRole('toolbar', { name: 'Conversation actions' }).waitFor();
    await page.keyboard.press('u');
    await waitForCount(page.getByRole('toolbar', { name: 'Conversation actions' }), 0);

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    assert.match((await help.textContent()) ?? '', /Reply to all/);
    await page.keyboard.press('Escape');
    await waitForCount(help, 0);

    await contract.click();
    await page.getByRole('toolbar', { name: 'Conversation actions' }).waitFor();
    await page.keyboard.press('#');
    const toast = page.getByRole('status').filter({ hasText: 'Conversation moved to Trash.' });
    await toast.waitFor();
    await waitForCount(contract, 0);
    assert.deepEqual(await foldersOf(base, 'Contract renewal'), ['Trash']);

    await toast.getByRole('button', { name: 'Undo' }).click();
    await contract.waitFor();
    assert.deepEqual(await foldersOf(base, 'Contract renewal'), ['INBOX']);

    // Archive in one click.
    await contract.click();
    await page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Archive' }).click();
    await waitForCount(contract, 0);
    assert.deepEqual(await foldersOf(base, 'Contract renewal'), ['Archive']);
    await context.close();
  });

  test('new mail shows live and, while the page is hidden, as a desktop notification once allowed', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // The page is in a background tab, and the browser's notifications are recorded instead of shown.
    await page.addInitScript({
      content: `
        const shown = [];
        Object.defineProperty(window, 'shownNotifications', { value: shown });
        Object.defineProperty(document, 'hidden', { get: () => true });
        function RecordingNotification(title, options) { shown.push({ title, body: options.body }); }
        RecordingNotification.permission = 'default';
        RecordingNotification.requestPermission = () => { RecordingNotification.permission = 'granted'; return Promise.resolve('granted'); };
        Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true, writable: true });
      `,
    });
    await signIn(page, base, ANN);
    const inbox = page.getByRole('list', { name: 'Messages in Inbox' });
    await inbox.getByRole('button', { name: /Offsite agenda/ }).waitFor();
    await page.getByRole('button', { name: 'Enable notifications' }).click();
    await waitForCount(page.getByRole('button', { name: 'Enable notifications' }), 0);

    deliver(server.ports.smtp, ANN, 'Grace Hall <grace@remote.test>', 'Server room key', 'Could you leave the server room key at reception?');
    await inbox.getByRole('button', { name: /Server room key/ }).waitFor();
    await page.waitForFunction(() => (window as unknown as { shownNotifications: unknown[] }).shownNotifications.length > 0);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { shownNotifications: unknown[] }).shownNotifications), [{ title: 'Grace Hall', body: 'Server room key' }]);
    await context.close();
  });

  test('compose opens from c, from r on the open message, and from a draft clicked in Drafts', async () => {
    const [boxes] = await jmapCall(base, ANN, [['Mailbox/get', { accountId: '$ACCOUNT', properties: ['role'] }, 'm']]);
    const drafts = (boxes.list as { id: string; role: string | null }[]).find((m) => m.role === 'drafts')!.id;
    const [created] = await jmapCall(base, ANN, [
      ['Email/set', { accountId: '$ACCOUNT', create: { d: { mailboxIds: { [drafts]: true }, keywords: { $draft: true, $seen: true }, from: [{ email: ANN }], to: [{ email: 'carol@remote.test' }], subject: 'Half-written plan', bodyValues: { b: { value: 'First steps:' } }, textBody: [{ partId: 'b', type: 'text/plain' }] } } }, 's'],
    ]);
    assert.ok((created.created as Record<string, unknown>).d, JSON.stringify(created));

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, base, ANN);
    const offsite = page.getByRole('list', { name: 'Messages in Inbox' }).getByRole('button', { name: /Offsite agenda/ });
    await offsite.click();
    await page.getByRole('toolbar', { name: 'Conversation actions' }).waitFor();
    await page.keyboard.press('r');
    await page.getByRole('region', { name: 'Reply', exact: true }).waitFor();

    await page.reload();
    await offsite.waitFor();
    await page.keyboard.press('c');
    await page.getByRole('region', { name: 'New message' }).waitFor();

    await page.reload();
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: 'Drafts' }).first().click();
    await page.getByRole('list', { name: 'Messages in Drafts' }).getByRole('button', { name: /Half-written plan/ }).click();
    await page.getByRole('region', { name: 'Draft', exact: true }).waitFor();
    await context.close();
  });

  test('a shared mailbox shows beside one\'s own, and on a phone one pane at a time', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, base, ANN);
    const folders = page.getByRole('navigation', { name: 'Folders' });
    await page.getByRole('list', { name: 'Messages in Inbox' }).waitFor();
    assert.equal(await folders.isVisible(), false, 'a phone starts on the list');

    await page.getByRole('button', { name: '‹ Folders' }).click();
    await folders.waitFor();
    const shared = folders.getByRole('group', { name: /support@shell\.test/ });
    await shared.getByRole('button', { name: 'Inbox, 1 unread' }).click();
    const list = page.getByRole('list', { name: 'Messages in Inbox — support@shell.test' });
    await list.getByRole('button', { name: /Printer on fire/ }).waitFor();
    assert.equal(await folders.isVisible(), false);
    if (SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/screenshots/webmail-phone.png') });

    await list.getByRole('button', { name: /Printer on fire/ }).click();
    await page.getByRole('button', { name: '‹ Back' }).waitFor();
    assert.equal(await list.isVisible(), false, 'the message replaces the list');
    await page.getByRole('group', { name: /support@shell\.test/, includeHidden: true }).getByRole('button', { name: 'Inbox', exact: true, includeHidden: true }).waitFor({ state: 'attached' });
    await page.getByRole('button', { name: '‹ Back' }).click();
    await list.waitFor();

    // The shared mailbox's message was read in the shared account, seen by the other members too.
    const [, got] = await jmapCall(base, ANN, [
      ['Email/query', { accountId: '$SHARED', filter: { subject: 'Printer on fire' } }, 'q'],
      ['Email/get', { accountId: '$SHARED', '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['keywords'] }, 'g'],
    ].map((call) => JSON.parse(JSON.stringify(call).replaceAll('$SHARED', sharedAccountId)) as unknown));
    assert.deepEqual((got.list as { keywords: Record<string, true> }[])[0].keywords, { $seen: true });
    await context.close();
  });
});

async function waitForCount(locator: ReturnType<Page['locator']>, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await locator.count()) === count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(await locator.count(), count);
}

const BIG = 2000;

describe('webmail virtual list', () => {
  let server: RunningPetrel;
  let base: string;
  let browser: Browser;

  before(async () => {
    // 2,000 messages put straight into the store, as bench/jmap does; SMTP would take minutes.
    const dataDir = mkdtempSync(join(tmpdir(), 'petrel-webmail-big-'));
    const store = await openStore({ dataDir, database: 'sqlite' });
    try {
      await ensureDefaultTenant(store.db);
      await ensureAdminAccount(store.db);
      await addDomain(store.db, DOMAIN);
      const user = await addUser(store.db, { address: ANN, password: PASSWORD });
      const mail = new MailStore(store, new ChangeBus());
      const start = Date.UTC(2026, 0, 1);
      const messages = Array.from({ length: BIG }, (_, i) => ({
        raw: Buffer.from([`From: Sender ${i} <s${i}@remote.test>`, `To: ${ANN}`, `Subject: Report number ${String(i).padStart(4, '0')}`, `Date: ${new Date(start + i * 60_000).toUTCString()}`, `Message-ID: <big-${i}@remote.test>`, 'Content-Type: text/plain; charset=utf-8', '', `Report ${i}.`, ''].join('\r\n')),
        receivedAt: start + i * 60_000,
      }));
      for (let i = 0; i < BIG; i += 500) await mail.appendMany(user.id, 'INBOX', messages.slice(i, i + 500));
    } finally {
      await store.close();
    }
    const http = await freePort();
    server = await startPetrel({ dataDir, extraArgs: ['--http-port', String(http)] });
    base = `http://127.0.0.1:${http}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('scrolls 2,000 conversations to the oldest with only the rows in sight in the DOM', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, base, ANN);
    const list = page.getByRole('list', { name: 'Messages in Inbox' });
    await list.getByRole('button', { name: /Report number 1999/ }).waitFor();
    await page.getByText('2,000 conversations').waitFor();
    const rows = list.getByRole('listitem');
    assert.equal(await rows.first().getAttribute('aria-setsize'), String(BIG));

    await page.locator('.list-scroller').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const oldest = list.getByRole('button', { name: /Report number 0000/ });
    await oldest.waitFor();
    assert.equal(await oldest.locator('xpath=..').getAttribute('aria-posinset'), String(BIG), 'the oldest is the last of 2,000');
    const inDom = await rows.count();
    assert.ok(inDom > 5 && inDom < 60, `only the rows in sight are in the DOM (${inDom} of ${BIG})`);

    // Back in the middle, the rows there are fetched as they come into view.
    await page.locator('.list-scroller').evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await list.getByRole('button', { name: /Report number 09\d\d/ }).first().waitFor();
    await context.close();
  });
});
