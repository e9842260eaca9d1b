import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

import { mib, percentile, printFigure, round } from './lib/figures.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { describeMessages, generateMessages, type BenchMessage } from './lib/messages.ts';
import { parseOptions, USAGE, type IngestOptions } from './lib/options.ts';
import { PetrelTarget } from './lib/petrel-target.ts';
import { PeakSampler, runCommand, waitUntil } from './lib/processes.ts';
import { ReferenceTarget, referenceUnavailable } from './lib/reference-target.ts';
import type { Target } from './lib/target.ts';

/**
 * bench/smtp-ingest: how fast mail gets from SMTP into mailboxes, Petrel against Postfix → Dovecot
 * on the same machine with the same messages. See bench/README.md.
 */

interface Outcome {
  /** Messages per second into the mailboxes, for the ratio; null when they never all arrived. */
  deliveredRate: number | null;
}

const HOST = '127.0.0.1';
/** How often a queueing MTA's mailboxes are counted while waiting; also the resolution of its delivery time. */
const STORED_POLL_MS = 50;
/** Pause between two `petrel search-index status` calls; each call is a Node start, which sets the real resolution. */
const INDEX_POLL_MS = 100;

function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

function printHeader(options: IngestOptions, messages: BenchMessage[]): void {
  const { totalBytes, byKind } = describeMessages(messages);
  const sizes = options.size === null ? `realistic mix (${byKind.text} text, ${byKind.attachment} 20-100 KB, ${byKind.large} 500 KB+)` : `${round(options.size / 1024)} KiB each`;
  const cpu = cpus();
  process.stdout.write(
    `# smtp-ingest ${new Date().toISOString()}: ${options.messages} messages, ${sizes}, ${mib(totalBytes)} MiB in all; ` +
      `${options.connections} connections, ${options.users} users, seed ${options.seed}; ` +
      `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, node ${process.version}\n`,
  );
}

/** Runs the load against a started target and prints its figures. */
async function measure(target: Target, messages: BenchMessage[], options: IngestOptions): Promise<Outcome> {
  const name = target.name;
  const total = messages.length;
  // Dirty pages left by a previous run would otherwise be flushed on this run's time.
  await runCommand('sync', []);
  const memory = new PeakSampler(() => target.memoryKb(), 500);
  note(`${name}: sending ${total} messages over ${options.connections} connections to ${HOST}:${target.port}`);
  const clientCpu = process.cpuUsage();
  const serverCpuBefore = target.cpuSeconds();
  const mainCpuBefore = target.mainThreadCpuSeconds();
  const load = await runLoad({ host: HOST, port: target.port, connections: options.connections, messages, timeoutMs: options.timeoutMs });
  const serverCpuAfter = target.cpuSeconds();
  const mainCpuAfter = target.mainThreadCpuSeconds();
  const { user, system } = process.cpuUsage(clientCpu);
  // Shown so that a reader can check the load generator was not what limited the figure.
  note(`${name}: load generator used ${round((user + system) / 1e6)} s CPU over ${round(load.wallMs / 1000)} s (${round(((user + system) / 1e3 / load.wallMs) * 100)}% of one core)`);

  let deliveredMs: number | null = load.wallMs;
  if (!target.storesBeforeAccept) {
    note(`${name}: waiting for ${load.accepted} messages to reach the mailboxes`);
    const arrived = await waitUntil(async () => (await target.countStored()) >= load.accepted, options.timeoutMs, STORED_POLL_MS);
    deliveredMs = arrived ? performance.now() - load.startedAt : null;
  }
  const { peakKb } = memory.stop();
  const index = target instanceof PetrelTarget ? await waitForSearchIndex(target, load, options) : null;
  const stored = await target.countStored().catch((err: Error) => {
    note(`${name}: counting the mailboxes failed: ${err.message}`);
    return null;
  });

  const latencies = load.latenciesMs.sort((a, b) => a - b);
  const storedBytes = messages.slice(0, load.accepted).reduce((sum, m) => sum + m.size, 0);
  const deliveredRate = deliveredMs !== null && stored !== null && stored >= load.accepted ? load.accepted / (deliveredMs / 1000) : null;
  printFigure(`${name}.accepted`, `${load.accepted}/${total}`);
  printFigure(`${name}.accept_rate`, round(load.accepted / (load.wallMs / 1000)), 'msg/s');
  printFigure(`${name}.delivered_rate`, deliveredRate === null ? 'n/a' : round(deliveredRate), deliveredRate === null ? '' : 'msg/s');
  printFigure(`${name}.delivered_bandwidth`, deliveredMs === null ? 'n/a' : mib(storedBytes / (deliveredMs / 1000)), deliveredMs === null ? '' : 'MiB/s');
  printFigure(`${name}.wall_time`, deliveredMs === null ? 'n/a' : round(deliveredMs / 1000), deliveredMs === null ? '' : 's');
  for (const p of [50, 90, 99]) printFigure(`${name}.accept_latency_p${p}`, round(percentile(latencies, p)), 'ms');
  printFigure(`${name}.accept_latency_max`, round(latencies[latencies.length - 1] ?? NaN), 'ms');
  printFigure(`${name}.stored`, `${stored ?? 'unknown'}/${total}`);
  if (serverCpuBefore !== null && serverCpuAfter !== null && load.accepted > 0) {
    // CPU per message barely moves when other work shares the machine, so it is the figure to compare changes by.
    const cpu = serverCpuAfter - serverCpuBefore;
    printFigure(`${name}.server_cpu`, round(cpu), 's');
    printFigure(`${name}.server_cpu_per_message`, round((cpu / load.accepted) * 1e6), 'µs');
  }
  if (mainCpuBefore !== null && mainCpuAfter !== null && load.accepted > 0) {
    // A Node server's ceiling is its main thread: this is the cost to cut.
    printFigure(`${name}.main_thread_cpu_per_message`, round(((mainCpuAfter - mainCpuBefore) / load.accepted) * 1e6), 'µs');
  }
  printFigure(`${name}.rss_peak`, round(peakKb / 1024), 'MiB');
  if (index) {
    printFigure(`${name}.search_index_lag`, index.caughtUpMs === null ? 'n/a' : round((index.caughtUpMs - (load.startedAt + load.wallMs)) / 1000), index.caughtUpMs === null ? '' : 's');
    if (index.caughtUpMs !== null && index.serverCpu !== null && serverCpuBefore !== null && load.accepted > 0) {
      // The indexing thread's share of a message's cost, which server_cpu_per_message misses when it lags the load.
      printFigure(`${name}.server_cpu_per_message_with_index`, round(((index.serverCpu - serverCpuBefore) / load.accepted) * 1e6), 'µs');
    }
  }
  for (const [reason, count] of load.failures) note(`${name}: not accepted ${count}x: ${reason}`);
  if (load.timedOut) note(`${name}: the load hit --timeout (${options.timeoutMs / 1000} s)`);
  note(`${name}: memory is ${target.memoryNote}`);
  return { deliveredRate };
}

/**
 * Petrel only: polls `petrel search-index status` until the substring index holds every message of
 * the load. Returns when that was seen (performance.now(), null on timeout or failure) and the
 * server's CPU seconds (every thread) then.
 */
async function waitForSearchIndex(target: PetrelTarget, load: LoadResult, options: IngestOptions): Promise<{ caughtUpMs: number | null; serverCpu: number | null }> {
  note(`${target.name}: waiting for the search index to catch up with ${load.accepted} messages`);
  const lastAcceptMs = load.startedAt + load.wallMs;
  /** When the last status call that still saw work pending returned: the index caught up after that. */
  let pendingSeenMs = lastAcceptMs;
  try {
    const caughtUp = await waitUntil(
      async () => {
        const done = await target.searchIndexCaughtUp();
        if (!done) pendingSeenMs = performance.now();
        return done;
      },
      options.timeoutMs,
      INDEX_POLL_MS,
    );
    const caughtUpMs = performance.now();
    const serverCpu = target.cpuSeconds();
    if (!caughtUp) {
      note(`${target.name}: the search index had not caught up after --timeout (${options.timeoutMs / 1000} s)`);
      return { caughtUpMs: null, serverCpu: null };
    }
    // Each status call is a Node start, so the moment is known only this closely; a reader can judge a small figure by it.
    note(`${target.name}: search index caught up between ${round((pendingSeenMs - lastAcceptMs) / 1000)} s and ${round((caughtUpMs - lastAcceptMs) / 1000)} s after the last 250`);
    return { caughtUpMs, serverCpu };
  } catch (err) {
    note(`${target.name}: reading the search index status failed: ${(err as Error).message}`);
    return { caughtUpMs: null, serverCpu: null };
  }
}

let current: Target | null = null;
let keep = false;

/** Ctrl-C mid-run still stops the servers we started and removes their directories. */
function stopOnSignal(): void {
  const handler = (signal: NodeJS.Signals) => {
    note(`smtp-ingest: ${signal}, stopping`);
    const target = current;
    current = null;
    (target ? target.stop(keep) : Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** Sets a target up, measures, and always stops it; returns null when setup failed. */
async function runTarget(target: Target, messages: BenchMessage[], options: IngestOptions): Promise<Outcome | null> {
  current = target;
  try {
    note(`${target.name}: setting up (${options.users} users)`);
    try {
      await target.start();
    } catch (err) {
      process.stdout.write(`${target.name}: setup failed: ${(err as Error).message}\n`);
      return null;
    }
    return await measure(target, messages, options);
  } finally {
    if (current === target) {
      current = null;
      await target.stop(options.keep);
    }
  }
}

async function main(): Promise<number> {
  let options: IngestOptions | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`smtp-ingest: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  keep = options.keep;
  stopOnSignal();
  const messages = generateMessages({ count: options.messages, users: options.users, size: options.size, seed: options.seed });
  printHeader(options, messages);

  let setupFailed = false;
  let petrel: Outcome | null = null;
  let reference: Outcome | null = null;
  if (options.only !== 'reference') {
    petrel = await runTarget(new PetrelTarget(options.users, options.petrelDns, options.profileDir), messages, options);
    setupFailed ||= petrel === null;
  }
  if (options.only !== 'petrel') {
    const unavailable = referenceUnavailable();
    if (unavailable) process.stdout.write(`reference: skipped (${unavailable})\n`);
    else {
      reference = await runTarget(new ReferenceTarget(options.users), messages, options);
      setupFailed ||= reference === null;
    }
  }
  if (petrel?.deliveredRate && reference?.deliveredRate) {
    printFigure('ratio.petrel_over_postfix_dovecot', (petrel.deliveredRate / reference.deliveredRate).toFixed(2), 'x');
  }
  return setupFailed ? 1 : 0;
}

process.exitCode = await main();
