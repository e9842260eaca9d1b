// The webmail's compose window in a real browser (Debian's Chromium driven by playwright-core)
// against a real `petrel serve`: a reply with rich text, attachments (file picker and drop),
// high priority and both signatures reaches a local recipient, read back with python imaplib;
// Undo send keeps a message from leaving; drafts are autosaved and reopened; a shared address
// can be sent from. PETREL_SCREENSHOTS=1 also writes docs/screenshots/webmail-compose.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium, type Browser, type Page } from 'playwright-core';

import { PASSWORD, startJmapPetrel, type JmapPetrel } from '../jmap/jmap-server.ts';
import { petrelOk, ROOT } from '../helpers/petrel-process.ts';
import { smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'compose.test';
const ANN = `ann@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const SUPPORT = `support@${DOMAIN}`;
const SCREENSHOTS = process.env.PETREL_SCREENSHOTS === '1';
/** Only to stop a hang: the undo window is 10 s and a loaded machine is slow. */
const LONG = 90_000;

interface Received {
  subject: string;
  from: string;
  messageId: string;
  inReplyTo: string;
  references: string;
  xPriority: string;
  importance: string;
  contentType: string;
  flags: string;
  text: string;
  html: string;
  attachments: { name: string; type: string; base64: string }[];
}

// python3 imaplib reads a mailbox and the email package takes each message apart.
const IMAP_SCRIPT = String.raw`
import base64, email, email.policy, imaplib, json, ssl, sys
o = json.loads(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4('127.0.0.1', o['port'])
M.starttls(ssl_context=ctx)
M.login(o['user'], o['password'])
typ, _ = M.select('"%s"' % o['mailbox'], readonly=True)
out = []
if typ == 'OK':
    typ, data = M.search(None, 'ALL')
    for num in data[0].split():
        typ, fetched = M.fetch(num, '(FLAGS BODY.PEEK[])')
        flags = fetched[0][0].decode()
        msg = email.message_from_bytes(fetched[0][1], policy=email.policy.default)
        text = msg.get_body(('plain',))
        html = msg.get_body(('html',))
        out.append({
            'subject': str(msg['subject'] or ''), 'from': str(msg['from'] or ''), 'messageId': str(msg['message-id'] or ''),
            'inReplyTo': str(msg['in-reply-to'] or ''), 'references': str(msg['references'] or ''),
            'xPriority': str(msg['x-priority'] or ''), 'importance': str(msg['importance'] or ''),
            'contentType': msg.get_content_type(), 'flags': flags,
            'text': text.get_content() if text else '', 'html': html.get_content() if html else '',
            'attachments': [{'name': p.get_filename(), 'type': p.get_content_type(), 'base64': base64.b64encode(p.get_payload(decode=True)).decode()} for p in msg.iter_attachments()],
        })
M.logout()
print(json.dumps(out))
`;

function mailbox(petrel: JmapPetrel, user: string, name: string): Received[] {
  const result = spawnSync('python3', ['-c', IMAP_SCRIPT, JSON.stringify({ port: petrel.imap, user, password: PASSWORD, mailbox: name })], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.status, 0, result.stderr?.toString());
  return JSON.parse(result.stdout.toString()) as Received[];
}

/** Polls the mailbox until a message with this subject is there. */
async function arrival(petrel: JmapPetrel, user: string, name: string, subject: string): Promise<Received> {
  for (let tries = 0; tries < 60; tries++) {
    const found = mailbox(petrel, user, name).find((m) => m.subject === subject);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.fail(`"${subject}" never reached ${user}'s ${name}: ${mailbox(petrel, user, name).map((m) => m.subject).join(', ')}`);
}

async function signIn(browser: Browser, base: string, login: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  page.setDefaultTimeout(LONG);
  await page.goto(`${base}/`);
  await page.getByLabel('Email address').fill(login);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Compose', exact: true }).waitFor();
  return page;
}

/** Clicks Send and waits until the undo window has passed and the compose window closed. */
async function sendAndWait(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const toast = page.getByRole('status').filter({ hasText: 'Sending…' });
  await toast.waitFor();
  await toast.waitFor({ state: 'detached', timeout: LONG });
  // Sent, the window closes; refused, it comes back with the reason.
  const refusal = page.locator('.compose').getByRole('alert');
  if (await refusal.count()) assert.fail(`the message was not sent: ${await refusal.first().textContent()}`);
}

describe('webmail compose', () => {
  let petrel: JmapPetrel;
  let browser: Browser;
  const files = mkdtempSync(join(tmpdir(), 'petrel-compose-'));

  before(async () => {
    petrel = await startJmapPetrel(DOMAIN, ['ann', 'bob']);
    petrelOk(['shared', 'add', SUPPORT, '--member', ANN, '--send-as', ...petrel.server.args]);
    // The organisation's template, rendered per user by GET /api/v1/me/signature.
    writeFileSync(join(files, 'sig.txt'), 'Compose Test Ltd · {{email}}\n');
    writeFileSync(join(files, 'sig.html'), '<p>Compose Test Ltd · {{email}}</p>\n');
    petrelOk(['signature', 'set', '--text', join(files, 'sig.txt'), '--html', join(files, 'sig.html'), ...petrel.server.args]);
    // Ann's personal signature on her own identity, set as any JMAP client would.
    const authorization = `Basic ${Buffer.from(`${ANN}:${PASSWORD}`).toString('base64')}`;
    const session = (await (await fetch(`${petrel.base}/.well-known/jmap`, { headers: { authorization } })).json()) as { apiUrl: string; primaryAccounts: Record<string, string> };
    const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
    const jmap = async (calls: unknown[]) => {
      const response = await fetch(session.apiUrl, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail', 'urn:ietf:params:jmap:submission'], methodCalls: calls }) });
      return ((await response.json()) as { methodResponses: [string, Record<string, unknown>, string][] }).methodResponses;
    };
    const [[, identities]] = await jmap([['Identity/get', { accountId }, 'i']]);
    const own = (identities.list as { id: string; email: string }[]).find((i) => i.email === ANN)!;
    const [[, set]] = await jmap([['Identity/set', { accountId, update: { [own.id]: { name: 'Ann Example', textSignature: 'Ann Example, Operations', htmlSignature: '<p>Ann Example, <em>Operations</em></p>' } } }, 's']]);
    assert.deepEqual(set.updated, { [own.id]: null }, JSON.stringify(set));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await petrel?.destroy();
    rmSync(files, { recursive: true, force: true });
  });

  test('a reply with rich text, two attachments, high priority and both signatures arrives threaded at the recipient', { timeout: 300_000 }, async () => {
    const delivered = smtplibSend(
      { port: petrel.smtp, from: BOB, to: [ANN] },
      [`From: Bob Builder <${BOB}>`, `To: ${ANN}`, 'Subject: Project plan', 'Message-ID: <plan-1@compose.test>', `Date: ${new Date().toUTCString()}`, 'Content-Type: text/plain; charset=utf-8', '', 'Hi Ann,', '', 'Could you review the plan by Friday?', '', 'Bob', ''].join('\r\n'),
    );
    assert.equal(delivered.status, 'ok', delivered.raw);
    const pdf = randomBytes(40_000);
    const notes = 'line one\nline two — ünïcödé\n';

    const page = await signIn(browser, petrel.base, ANN);
    await page.getByRole('button', { name: /Project plan/ }).first().click();
    await page.getByRole('button', { name: 'Reply', exact: true }).click();
    const win = page.getByRole('region', { name: 'Reply', exact: true });
    await win.waitFor();
    assert.equal(await win.getByLabel('To', { exact: true }).inputValue(), `Bob Builder <${BOB}>`);
    assert.equal(await win.getByLabel('Subject').inputValue(), 'Re: Project plan');
    assert.match((await win.getByRole('group', { name: 'Quoted message' }).textContent()) ?? '', /Bob Builder wrote:.*Could you review the plan by Friday\?/s);

    const body = win.getByRole('textbox', { name: 'Message body' });
    await body.click();
    await page.keyboard.type('Thanks Bob, the plan looks ');
    await page.getByRole('button', { name: 'Bold' }).click();
    await page.keyboard.type('good');
    await page.getByRole('button', { name: 'Bold' }).click();
    await page.keyboard.type('.');
    await win.getByLabel('Priority').selectOption('high');

    await win.getByLabel('Attach files').setInputFiles({ name: 'plan.pdf', mimeType: 'application/pdf', buffer: pdf });
    const drop = await page.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'notes.txt', { type: 'text/plain' }));
      return transfer;
    }, notes);
    await win.dispatchEvent('dragover', { dataTransfer: drop });
    await win.dispatchEvent('drop', { dataTransfer: drop });
    const attachments = page.getByRole('list', { name: 'Attachments' }).getByRole('listitem');
    await attachments.nth(1).waitFor();
    assert.deepEqual((await attachments.allTextContents()).map((t) => t.split(' ')[0]), ['plan.pdf', 'notes.txt']);
    await page.locator('.attachment progress').first().waitFor({ state: 'detached' });
    if (SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs/screenshots/webmail-compose.png') });

    await sendAndWait(page);
    const reply = await arrival(petrel, BOB, 'INBOX', 'Re: Project plan');
    assert.equal(reply.inReplyTo, '<plan-1@compose.test>');
    assert.match(reply.references, /<plan-1@compose\.test>/);
    assert.equal(reply.xPriority.trim(), '1');
    assert.equal(reply.importance.trim(), 'high');
    assert.match(reply.from, /Ann Example <ann@compose\.test>/);
    assert.equal(reply.contentType, 'multipart/mixed');
    assert.match(reply.text, /^Thanks Bob, the plan looks good\.\n\n-- \nAnn Example, Operations\n\nCompose Test Ltd · ann@compose\.test\n\nOn .*Bob Builder wrote:\n> Hi Ann,/m);
    assert.match(reply.html, /the plan looks ?<strong> ?good<\/strong>\./);
    assert.match(reply.html, /Ann Example, <em>Operations<\/em>.*Compose Test Ltd · ann@compose\.test.*<blockquote>/s);
    const byName = new Map(reply.attachments.map((a) => [a.name, a]));
    assert.equal(byName.get('plan.pdf')?.base64, pdf.toString('base64'), 'the picked file arrives byte for byte');
    assert.equal(byName.get('plan.pdf')?.type, 'application/pdf');
    assert.equal(Buffer.from(byName.get('notes.txt')?.base64 ?? '', 'base64').toString('utf8'), notes, 'the dropped file arrives byte for byte');
    // Sent holds the message; Drafts does not keep the autosaved versions.
    await arrival(petrel, ANN, 'Sent', 'Re: Project plan');
    assert.deepEqual(mailbox(petrel, ANN, 'Drafts').map((m) => m.subject), []);
    await page.context().close();
  });

  test('a forward quotes the original with its headers and carries its attachment over', { timeout: 300_000 }, async () => {
    const sheet = randomBytes(5_000);
    const boundary = 'b-forward-1';
    const delivered = smtplibSend(
      { port: petrel.smtp, from: 'dana@remote.test', to: [ANN] },
      [
        'From: Dana Lee <dana@remote.test>',
        `To: ${ANN}`,
        'Subject: Budget sheet',
        'Message-ID: <budget-1@remote.test>',
        `Date: ${new Date().toUTCString()}`,
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'The budget is attached.',
        `--${boundary}`,
        'Content-Type: application/vnd.ms-excel; name="budget.xls"',
        'Content-Disposition: attachment; filename="budget.xls"',
        'Content-Transfer-Encoding: base64',
        '',
        ...(sheet.toString('base64').match(/.{1,76}/g) ?? []),
        `--${boundary}--`,
        '',
      ].join('\r\n'),
    );
    assert.equal(delivered.status, 'ok', delivered.raw);
    const page = await signIn(browser, petrel.base, ANN);
    await page.getByRole('button', { name: /Budget sheet/ }).first().click();
    await page.getByRole('button', { name: 'Forward', exact: true }).click();
    const win = page.getByRole('region', { name: 'Forward', exact: true });
    await win.getByRole('list', { name: 'Attachments' }).getByText('budget.xls').waitFor();
    assert.equal(await win.getByLabel('Subject').inputValue(), 'Fwd: Budget sheet');
    await win.getByLabel('To', { exact: true }).fill(BOB);
    await win.getByRole('textbox', { name: 'Message body' }).click();
    await page.keyboard.type('FYI');
    await sendAndWait(page);

    const forwarded = await arrival(petrel, BOB, 'INBOX', 'Fwd: Budget sheet');
    assert.equal(forwarded.inReplyTo, '');
    assert.match(forwarded.text, /^FYI\n\n-- \n[^]*---------- Forwarded message ----------\nFrom: Dana Lee <dana@remote\.test>\nDate: .+\nSubject: Budget sheet\nTo: ann@compose\.test\n\nThe budget is attached\./m);
    assert.deepEqual(forwarded.attachments.map((a) => [a.name, a.type, a.base64]), [['budget.xls', 'application/vnd.ms-excel', sheet.toString('base64')]]);
    await page.context().close();
  });

  test('Undo within the 10 seconds: nothing is sent and the message is back in the editor', { timeout: 300_000 }, async () => {
    const page = await signIn(browser, petrel.base, ANN);
    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    const win = page.getByRole('region', { name: 'New message', exact: true });
    await win.getByLabel('To', { exact: true }).fill(BOB);
    await win.getByLabel('Subject').fill('Second thoughts');
    await win.getByRole('textbox', { name: 'Message body' }).click();
    await page.keyboard.type('I may regret this.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('region', { name: 'New message', exact: true }).waitFor();
    assert.equal(await win.getByRole('textbox', { name: 'Message body' }).textContent(), 'I may regret this.');
    assert.equal(await win.getByLabel('Subject').inputValue(), 'Second thoughts');
    await page.getByRole('button', { name: 'Discard' }).click();
    await page.getByRole('region', { name: 'New message', exact: true }).waitFor({ state: 'detached' });

    // A message sent after the Undo arrives after the undone one would have: then it is certain that one never left.
    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    await win.getByLabel('To', { exact: true }).fill(BOB);
    await win.getByLabel('Subject').fill('Marker after undo');
    await sendAndWait(page);
    await arrival(petrel, BOB, 'INBOX', 'Marker after undo');
    assert.ok(!mailbox(petrel, BOB, 'INBOX').some((m) => m.subject === 'Second thoughts'), 'the undone message was never delivered');
    assert.ok(!mailbox(petrel, ANN, 'Drafts').some((m) => m.subject === 'Second thoughts'), 'Discard removed its draft');
    await page.context().close();
  });

  test('a draft is autosaved to Drafts, reopened from there and sent', { timeout: 300_000 }, async () => {
    const page = await signIn(browser, petrel.base, ANN);
    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    let win = page.getByRole('region', { name: 'New message', exact: true });
    await win.getByLabel('To', { exact: true }).fill(`Bob <${BOB}>`);
    await win.getByLabel('Subject').fill('Offsite agenda');
    await win.getByRole('textbox', { name: 'Message body' }).click();
    await page.keyboard.type('First item: budget.');
    await page.getByRole('status').filter({ hasText: 'Draft saved' }).waitFor({ timeout: LONG });
    const draft = await arrival(petrel, ANN, 'Drafts', 'Offsite agenda');
    assert.match(draft.flags, /\\Draft/);
    assert.match(draft.text, /^First item: budget\./);

    await page.getByRole('button', { name: 'Save and close' }).click();
    await page.getByRole('region', { name: 'New message', exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('group', { name: 'My mail' }).getByRole('button', { name: /^Drafts/ }).click();
    await page.getByRole('button', { name: /Offsite agenda/ }).first().click();
    const reopened = page.getByRole('region', { name: 'Draft', exact: true });
    await reopened.waitFor();
    win = reopened;
    assert.equal(await win.getByLabel('To', { exact: true }).inputValue(), `Bob <${BOB}>`);
    const body = win.getByRole('textbox', { name: 'Message body' });
    assert.equal(await body.textContent(), 'First item: budget.');
    await body.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Second item: venue.');
    await sendAndWait(page);

    const sent = await arrival(petrel, BOB, 'INBOX', 'Offsite agenda');
    assert.match(sent.text, /^First item: budget\. Second item: venue\.\n\n-- \nAnn Example, Operations/);
    assert.deepEqual(mailbox(petrel, ANN, 'Drafts').map((m) => m.subject), [], 'the draft is gone once sent');
    await page.context().close();
  });

  test('sends as a shared address the user was granted, and says which recipients are not addresses', { timeout: 300_000 }, async () => {
    const page = await signIn(browser, petrel.base, ANN, { width: 390, height: 844 });
    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    const win = page.getByRole('region', { name: 'New message', exact: true });
    const from = win.getByLabel('From');
    await from.waitFor();
    const offered = await from.locator('option').allTextContents();
    const shared = offered.find((o) => o.includes(SUPPORT));
    assert.ok(shared, `the shared address is offered: ${offered.join(', ')}`);
    const signature = win.getByRole('group', { name: 'Signature' });
    assert.match((await signature.textContent()) ?? '', /Ann Example, Operations.*Compose Test Ltd/s);
    await from.selectOption({ label: shared });
    // The shared address has no personal signature of Ann's: it is swapped out, the organisation's stays.
    assert.equal(await signature.textContent(), 'Compose Test Ltd · ann@compose.test\n');
    await win.getByLabel('To', { exact: true }).fill(`${BOB}, not-an-address`);
    await win.getByLabel('Subject').fill('Your ticket 7');
    await win.getByRole('textbox', { name: 'Message body' }).click();
    await page.keyboard.type('We are on it.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: '"not-an-address" is not an email address.' }).waitFor();
    await win.getByLabel('To', { exact: true }).fill(BOB);
    await sendAndWait(page);
    const received = await arrival(petrel, BOB, 'INBOX', 'Your ticket 7');
    assert.match(received.from, /support@compose\.test>?$/);
    assert.doesNotMatch(received.from, /ann/i);
    assert.match(received.text, /^We are on it\.\n\n-- \nCompose Test Ltd/);
    assert.doesNotMatch(received.text, /Ann Example/);
    await page.context().close();
  });

  test('a refused recipient is reported in plain words and the message stays in Drafts', { timeout: 300_000 }, async () => {
    const page = await signIn(browser, petrel.base, ANN);
    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    const win = page.getByRole('region', { name: 'New message', exact: true });
    await win.getByLabel('To', { exact: true }).fill(`nobody@${DOMAIN}`);
    await win.getByLabel('Subject').fill('To nobody');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: /recipient was refused.*not sent; it is saved in Drafts/ }).waitFor({ timeout: LONG });
    await page.getByRole('region', { name: 'New message', exact: true }).waitFor();
    await arrival(petrel, ANN, 'Drafts', 'To nobody');
    await page.context().close();
  });
});
