// The webmail's reading pane in a real browser (Debian's Chromium driven by playwright-core)
// against a real `petrel serve`, with messages delivered by python's smtplib: HTML mail is
// sanitized (a <script> and an onerror in the message never run), remote images are not fetched
// until "Show images" (counted by a local HTTP server standing in for the tracker), inline cid:
// images and attachment previews (an image, a PDF) come from the JMAP download with the bearer
// token, a three-message conversation is one view, and plain-text links open safely.
// PETREL_SCREENSHOTS=1 also refreshes docs/screenshots/webmail-reading.png.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';

import { chromium, type Browser, type Page } from 'playwright-core';

import { freePort } from '../helpers/free-port.ts';
import { petrelOk, ROOT, startPetrel, type RunningPetrel } from '../helpers/petrel-process.ts';
import { smtplibSend } from '../helpers/smtp-peers.ts';

const DOMAIN = 'reader.test';
const ANN = `ann@${DOMAIN}`;
const PASSWORD = 'reader-secret-pass';
const SCREENSHOTS = process.env.PETREL_SCREENSHOTS === '1';

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A real PNG (RFC 2083) of one colour, so the browser has something to decode and draw. */
function png(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

/** A one-page PDF saying `text`, with a correct cross-reference table. */
function pdf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function base64Lines(data: Buffer): string[] {
  return data.toString('base64').match(/.{1,76}/g) ?? [];
}

function deliver(smtpPort: number, lines: string[]): void {
  const result = smtplibSend({ port: smtpPort, from: 'sender@remote.test', to: [ANN] }, Buffer.from([...lines, ''].join('\r\n')));
  assert.equal(result.status, 'ok', `SMTP delivery was refused: ${result.raw}`);
}

function newsletter(trackerBase: string): string[] {
  const html = `<html><head><style>
.headline { color: rgb(170, 20, 40); font-family: Georgia, serif; }
.hero { background-image: url(${trackerBase}/hero-background.png); padding: 12px; }
.promo { min-height: 10px; background: \\75 rl(${trackerBase}/escaped.png); }
@import url(${trackerBase}/remote.css);
</style></head><body>
<h1 class="headline">Petrel Weekly</h1>
<div class="hero" style="border: 3px solid rgb(0, 90, 160)"><img alt="Logo" src="cid:logo@reader.test" width="96" height="48"></div>
<div class="promo"></div>
<div style="min-height: 10px; background-image: u\\72 l(${trackerBase}/escaped-inline.png)"></div>
<p>Our new <a href="https://example.com/spring">spring collection</a> is here.</p>
<img alt="Banner" src="${trackerBase}/track.png" width="300" height="60">
<img alt="Broken" src="nowhere.png" onerror="document.title='pwned by onerror'">
<script>document.title = 'pwned by script'; window.pwned = true;</script>
<form action="${trackerBase}/collect"><input name="q"><button>Send</button></form>
</body></html>`;
  return [
    'From: Petrel Weekly <news@remote.test>',
    `To: ${ANN}`,
    'Subject: Petrel Weekly: spring edition',
    `Date: ${new Date().toUTCString()}`,
    'Message-ID: <newsletter@remote.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mixed"',
    '',
    '--mixed',
    'Content-Type: multipart/related; boundary="related"',
    '',
    '--related',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '--related',
    'Content-Type: image/png',
    'Content-ID: <logo@reader.test>',
    'Content-Disposition: inline; filename="logo.png"',
    'Content-Transfer-Encoding: base64',
    '',
    ...base64Lines(png(96, 48, [31, 95, 191])),
    '--related--',
    '--mixed',
    'Content-Type: image/png; name="photo.png"',
    'Content-Disposition: attachment; filename="photo.png"',
    'Content-Transfer-Encoding: base64',
    '',
    ...base64Lines(png(160, 90, [40, 160, 90])),
    '--mixed',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Disposition: attachment; filename="report.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    ...base64Lines(pdf('Quarterly report')),
    '--mixed--',
  ];
}

function threadMessage(n: number, from: string, body: string, references: string[]): string[] {
  return [
    `From: ${from}`,
    `To: ${ANN}`,
    `Subject: ${n === 1 ? '' : 'Re: '}Offsite planning`,
    `Date: ${new Date(Date.now() - (4 - n) * 3_600_000).toUTCString()}`,
    `Message-ID: <offsite-${n}@remote.test>`,
    ...(references.length > 0 ? [`In-Reply-To: ${references[references.length - 1]}`, `References: ${references.join(' ')}`] : []),
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ];
}

async function signIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email address').fill(ANN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // On a phone the folders are one tap away, so the sign-in form going is what says it worked.
  await page.getByLabel('Password').waitFor({ state: 'detached' });
}

describe('webmail reading pane', () => {
  let server: RunningPetrel;
  let base: string;
  let browser: Browser;
  let tracker: Server;
  let trackerBase: string;
  const fetched: string[] = [];

  before(async () => {
    const trackerPort = await freePort();
    const banner = png(300, 60, [230, 150, 20]);
    tracker = createServer((request, response) => {
      fetched.push(request.url ?? '');
      response.writeHead(200, { 'content-type': request.url?.endsWith('.css') ? 'text/css' : 'image/png' });
      response.end(request.url?.endsWith('.css') ? '' : banner);
    });
    await new Promise<void>((resolve) => tracker.listen(trackerPort, '127.0.0.1', resolve));
    trackerBase = `http://127.0.0.1:${trackerPort}`;

    const http = await freePort();
    server = await startPetrel({ extraArgs: ['--http-port', String(http)] });
    base = `http://127.0.0.1:${http}`;
    petrelOk(['domain', 'add', DOMAIN, ...server.args]);
    petrelOk(['user', 'add', ANN, '--password', PASSWORD, ...server.args]);
    const refs: string[] = [];
    const bodies = [
      'Hi Ann,\n\nShall we hold the offsite in Porto this year?\n\nDana',
      'Porto sounds great. Agenda draft: https://example.com/offsite/agenda.\n\nCarlos',
      'Booked the venue for 12 June.\n\nDana',
    ];
    const senders = ['Dana Lee <dana@remote.test>', 'Carlos Ruiz <carlos@remote.test>', 'Dana Lee <dana@remote.test>'];
    for (let n = 1; n <= 3; n++) {
      deliver(server.ports.smtp, threadMessage(n, senders[n - 1], bodies[n - 1], refs));
      refs.push(`<offsite-${n}@remote.test>`);
    }
    deliver(server.ports.smtp, newsletter(trackerBase));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await server?.destroy();
    tracker?.close();
  });

  test('HTML mail is sanitized, remote images wait for "Show images", inline and attached images and a PDF are shown', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await signIn(page, base);
    await page.getByRole('button', { name: /Petrel Weekly: spring edition/ }).click();

    const body = page.getByTestId('message-body');
    await body.locator('h1', { hasText: 'Petrel Weekly' }).waitFor();
    // Nothing active survives: no script, no handler, no form; and none of them ran.
    assert.equal(await body.locator('script, form, input, [onerror]').count(), 0);
    assert.notEqual(await page.title(), 'pwned by script');
    assert.notEqual(await page.title(), 'pwned by onerror');
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned), undefined);
    const link = body.getByRole('link', { name: 'spring collection' });
    assert.deepEqual([await link.getAttribute('target'), await link.getAttribute('rel')], ['_blank', 'noopener noreferrer']);

    // The inline image (cid:) is drawn from a blob: URL made from the authenticated download.
    const logo = body.getByRole('img', { name: 'Logo' });
    await page.waitForFunction(() => {
      const host = document.querySelector('[data-testid="message-body"]');
      const img = host?.shadowRoot?.querySelector<HTMLImageElement>('img[alt="Logo"]');
      return !!img && img.complete && img.naturalWidth === 96;
    });
    assert.match((await logo.getAttribute('src')) ?? '', /^blob:/);

    // The message's own CSS applies (its <style> sheet and a style="" attribute), within its frame.
    assert.equal(await body.locator('h1').evaluate((el) => getComputedStyle(el).color), 'rgb(170, 20, 40)');
    assert.equal(await body.locator('.hero').evaluate((el) => getComputedStyle(el).borderTopColor), 'rgb(0, 90, 160)');
    assert.equal(await page.locator('.topbar').evaluate((el) => getComputedStyle(el).fontFamily.includes('Georgia')), false, "the message's CSS stays in the message");

    // Remote content is held back: the bar says so, and the tracker has seen no request at all.
    const bar = page.getByRole('region', { name: 'Remote images' });
    await bar.getByText('Remote images are hidden').waitFor();
    assert.equal(await body.getByRole('img', { name: 'Banner' }).getAttribute('src'), null);
    assert.equal(fetched.length, 0, `nothing is fetched from the remote server before "Show images": ${fetched.join(', ')}`);

    const attachments = page.getByRole('region', { name: 'Attachments' });
    await attachments.getByText('2 attachments').waitFor();
    assert.equal(await attachments.getByText('logo.png').count(), 0, 'an inline image is not listed as an attachment');
    await attachments.getByText('photo.png').waitFor();
    await attachments.getByText(/application\/pdf · \d+(\.\d)? (B|KB)/).waitFor();

    await attachments.getByRole('button', { name: 'Preview photo.png' }).click();
    const photo = attachments.getByRole('img', { name: 'Preview of photo.png' });
    await photo.waitFor();
    await page.waitForFunction(() => document.querySelector<HTMLImageElement>('img[alt="Preview of photo.png"]')?.naturalWidth === 160);
    assert.match((await photo.getAttribute('src')) ?? '', /^blob:/);

    await attachments.getByRole('button', { name: 'Preview report.pdf' }).click();
    const frame = page.locator('iframe[title="Preview of report.pdf"]');
    await frame.waitFor();
    const src = (await frame.getAttribute('src')) ?? '';
    assert.match(src, /^blob:/);
    // The app's CSP keeps its own page from fetching blob: URLs; a CSP-free page of the same origin reads it.
    const reader = await context.newPage();
    await reader.goto(`${base}/api/v1/no-such-page`);
    const head = await reader.evaluate(async (url) => {
      const blob = await (await fetch(url)).blob();
      return { type: blob.type, start: new TextDecoder().decode((await blob.arrayBuffer()).slice(0, 8)) };
    }, src);
    assert.deepEqual(head, { type: 'application/pdf', start: '%PDF-1.4' });
    await reader.close();

    // Downloading saves the bytes the message carried.
    const [download] = await Promise.all([page.waitForEvent('download'), attachments.getByRole('button', { name: 'Download report.pdf' }).click()]);
    assert.equal(download.suggestedFilename(), 'report.pdf');

    if (SCREENSHOTS) {
      await attachments.getByRole('button', { name: 'Hide preview of report.pdf' }).click();
      await attachments.getByRole('button', { name: 'Hide preview of photo.png' }).click();
      await page.locator('.reader').evaluate((el) => el.scrollTo(0, 0));
      await page.screenshot({ path: join(ROOT, 'docs/screenshots/webmail-reading.png') });
    }
    // DOMPurify parses the message in an inert document that the page's CSP covers too, so the
    // message's own style="", <style> and onerror are reported there as refused; nothing else is:
    // the page itself never needed anything its CSP forbids (blob: images and frames included).
    const planted = /^(Applying inline style|Executing inline event handler)/;
    assert.deepEqual(cspViolations.filter((text) => !planted.test(text)), []);

    await bar.getByRole('button', { name: 'Show images' }).click();
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="message-body"]')?.shadowRoot?.querySelector<HTMLImageElement>('img[alt="Banner"]');
      return !!img && img.complete && img.naturalWidth === 300;
    });
    assert.ok(fetched.includes('/track.png'), `the remote image loaded once allowed: ${fetched.join(', ')}`);
    assert.ok(fetched.includes('/hero-background.png'), 'CSS background images too');
    // CSS escapes (\\75 rl( is url() were caught while blocked: allowed, they do load.
    for (let i = 0; i < 100 && !(fetched.includes('/escaped.png') && fetched.includes('/escaped-inline.png')); i++) await page.waitForTimeout(100);
    assert.ok(fetched.includes('/escaped.png') && fetched.includes('/escaped-inline.png'), `escaped url()s: ${fetched.join(', ')}`);
    assert.equal(fetched.includes('/remote.css'), false, 'remote style sheets never load');
    assert.equal(await bar.count(), 0);
    await context.close();
  });

  test('a three-message conversation shows as one, older messages folded; plain-text links are links (on a phone)', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, base);
    await page.getByRole('button', { name: /Offsite planning/ }).click();
    const conversation = page.getByRole('list', { name: 'Conversation' });
    await conversation.waitFor();
    await page.getByText('3 messages in this conversation').waitFor();
    const summaries = conversation.getByRole('button', { expanded: false });
    assert.equal(await summaries.count(), 2, 'the two older messages are folded');
    assert.equal(await conversation.getByRole('button', { expanded: true }).count(), 1);
    assert.match((await summaries.first().textContent()) ?? '', /Dana Lee.*Shall we hold the offsite in Porto/);
    await conversation.getByText('Booked the venue for 12 June.').waitFor();
    assert.equal(await conversation.getByText('Shall we hold the offsite').count(), 1, 'the oldest one shows only its summary line');

    await summaries.nth(1).click();
    const agenda = page.getByRole('link', { name: 'https://example.com/offsite/agenda' });
    await agenda.waitFor();
    assert.deepEqual([await agenda.getAttribute('target'), await agenda.getAttribute('rel')], ['_blank', 'noopener noreferrer']);
    assert.equal(await conversation.getByRole('button', { expanded: true }).count(), 2);
    assert.equal(await page.getByRole('button', { name: 'Reply all' }).count(), 2, 'each open message has its own reply buttons');
    assert.equal(await page.locator('.reader').evaluate((el) => el.scrollWidth <= el.clientWidth), true, 'nothing sticks out sideways on a phone');
    await context.close();
  });
});
