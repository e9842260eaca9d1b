// bench/webmail: what a person waits for when they open the webmail. Builds a big INBOX (the same
// generated mailbox as bench/jmap), starts `petrel serve`, signs in once through the web login API
// and then opens /mail/ in Debian's Chromium (playwright-core) in a fresh browser context each
// time, so every load is cold: no HTTP cache, no service state. Prints
//   - first_load_js_gzip: the JavaScript the browser fetched until the first message list showed,
//     gzipped as a server would send it (target < 250 KB); lazily loaded screens (compose,
//     settings) are not in it unless the first screen needs them;
//   - time_to_list p50/p95: from navigation start to the newest conversation's row on screen.
//
//   node bench/webmail/run.mjs [--messages 100000] [--loads 20] [--database postgres://...]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

import { BENCH_PASSWORD, BENCH_USER, populateMailbox } from '../lib/big-mailbox.ts';
import { percentile, printFigure, round } from '../lib/figures.ts';
import { freePort, startHttpPetrel } from '../lib/http-petrel.ts';

const { values: options } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, loads: { type: 'string', default: '20' }, database: { type: 'string', default: 'sqlite' } } });
const MESSAGES = Number(options.messages);
const LOADS = Number(options.loads);
/** Where the webmail keeps its session token (web/webmail/src/App.tsx). */
const TOKEN_KEY = 'petrel.webmail.token';

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function webSession(base: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: BENCH_USER, password: BENCH_PASSWORD }) });
  const body = (await response.json()) as { token?: string };
  if (!response.ok || !body.token) throw new Error(`web login refused: ${response.status} ${JSON.stringify(body)}`);
  return body.token;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-bench-webmail-'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  try {
    log(`populating ${MESSAGES} messages in ${dataDir} (${options.database})`);
    const newest = await populateMailbox(dataDir, options.database, MESSAGES);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const stop = await startHttpPetrel(dataDir, options.database, port);
    try {
      const token = await webSession(base);
      const samples: number[] = [];
      let firstLoadJs = 0;
      let firstLoadFiles = 0;
      log(`opening the webmail ${LOADS + 2} times (2 warm-up loads)`);
      for (let i = 0; i < LOADS + 2; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        await context.addInitScript(([key, value]) => sessionStorage.setItem(key, value), [TOKEN_KEY, token] as const);
        const page = await context.newPage();
        const scripts: Promise<number>[] = [];
        page.on('response', (response) => {
          if (response.request().resourceType() === 'script') scripts.push(response.body().then((body) => gzipSync(body).length));
        });
        await page.goto(`${base}/mail/`);
        await page.getByText(newest, { exact: false }).first().waitFor({ timeout: 60_000 });
        const elapsed = await page.evaluate(() => performance.now());
        const sizes = await Promise.all(scripts);
        if (i >= 2) samples.push(elapsed);
        firstLoadJs = sizes.reduce((a, b) => a + b, 0);
        firstLoadFiles = sizes.length;
        await context.close();
      }
      samples.sort((a, b) => a - b);
      printFigure('first_load_js_gzip', round(firstLoadJs / 1024), 'KiB');
      printFigure('first_load_js_files', String(firstLoadFiles));
      for (const p of [50, 95]) printFigure(`time_to_list_p${p}`, round(percentile(samples, p)), 'ms');
      printFigure('load_average_1m', loadavg()[0].toFixed(2));
    } finally {
      await stop();
    }
  } finally {
    await browser.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
