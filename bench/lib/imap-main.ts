import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { percentile, printFigure, round } from './figures.ts';
import type { ConnectOptions } from './imap-client.ts';
import { FtsCorpus, loadMessage } from './imap-data.ts';
import { FTS_MAILBOX, runFtsQueries } from './imap-fts.ts';
import { openIdleConnections } from './imap-idle.ts';
import { COMMANDS, COPY_MAILBOX, LOAD_MAILBOX, runMixedLoad } from './imap-load.ts';
import { parseImapOptions, USAGE, type ImapBenchOptions } from './imap-options.ts';
import { preload } from './imap-preload.ts';
import { DovecotImap, dovecotUnavailable, PASSWORD, PetrelImap, USER, xapianAvailable, type ImapServer, type ServerSetup } from './imap-servers.ts';
import { PeakSampler } from './processes.ts';

/**
 * bench/imap: an imaptest-style IMAP load against Petrel and a private Dovecot with the same
 * mailbox, in one run; plus full-text SEARCH over a big mailbox and memory with many idle
 * connections. See bench/README.md.
 */

const HOST = '127.0.0.1';

function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Figures of one side, for the ratio lines. */
type Outcome = Map<string, number>;

/**
 * Each connection is a file descriptor in this process and in the server (which inherits our
 * limits). Node raises its soft RLIMIT_NOFILE to the hard limit at start-up, so only the hard limit
 * can be too low, and only an administrator can raise that.
 */
function checkFdLimit(needed: number): void {
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
  const soft = match && match[1] !== 'unlimited' ? Number(match[1]) : Infinity;
  if (soft >= needed) return;
  throw new Error(`need ${needed} open files but the limit is ${soft}; raise the hard limit (ulimit -Hn N as root before running, nofile in /etc/security/limits.conf, LimitNOFILE= for a systemd unit) and retry`);
}

function printHeader(options: ImapBenchOptions): void {
  const cpu = cpus();
  const what =
    options.mode === 'load'
      ? `mixed load, ${options.clients} clients, ${options.seconds} s, INBOX preloaded with ${options.messages} messages of ${round(options.messageSize / 1024)} KiB`
      : options.mode === 'search-fts'
        ? `SEARCH BODY over ${options.ftsMessages} messages, ${options.queries} queries`
        : `${options.idleConnections} idle connections (${options.idleState})`;
  process.stdout.write(`# imap ${new Date().toISOString()}: ${what}; seed ${options.seed}; ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, node ${process.version}\n`);
}

function connectOptions(server: ImapServer, timeoutMs: number): ConnectOptions {
  return { host: HOST, port: server.port, timeoutMs };
}

async function measureLoad(server: ImapServer, options: ImapBenchOptions): Promise<Outcome> {
  const name = server.name;
  note(`${name}: preloading ${options.messages} messages into ${LOAD_MAILBOX}`);
  const loaded = await preload({
    connect: connectOptions(server, options.timeoutMs),
    user: USER,
    password: PASSWORD,
    mailbox: LOAD_MAILBOX,
    create: [COPY_MAILBOX],
    count: options.messages,
    message: (i) => loadMessage(options.seed, 0, i, options.messageSize),
  });
  note(`${name}: preloaded in ${round(loaded.ms / 1000)} s (${loaded.method}); ${options.clients} clients for ${options.seconds} s`);
  const memory = new PeakSampler(() => {
    const m = server.memory();
    return name === 'petrel' ? m.rssKb : m.pssKb;
  }, 500);
  const clientCpu = process.cpuUsage();
  const serverCpuBefore = server.cpuSeconds();
  const result = await runMixedLoad({
    connect: connectOptions(server, options.commandTimeoutMs),
    user: USER,
    password: PASSWORD,
    clients: options.clients,
    seconds: options.seconds,
    messageSize: options.messageSize,
    seed: options.seed,
  });
  const { user, system } = process.cpuUsage(clientCpu);
  // Read after the clients logged out, so the sessions' processes have ended and been counted.
  await sleep(500);
  const serverCpu = server.cpuSeconds() - serverCpuBefore;
  const { peakKb } = memory.stop();
  note(`${name}: load generator used ${round(((user + system) / 1e3 / result.wallMs) * 100)}% of one core`);

  const outcome: Outcome = new Map();
  const seconds = result.wallMs / 1000;
  let total = 0;
  let problems = 0;
  let races = 0;
  for (const command of COMMANDS) {
    const stats = result.stats.get(command)!;
    const sorted = stats.latenciesMs.sort((a, b) => a - b);
    total += sorted.length;
    problems += stats.refused + stats.failed;
    races += stats.races;
    const rate = sorted.length / seconds;
    outcome.set(command, rate);
    printFigure(`${name}.${command}.rate`, round(rate), 'ops/s');
    for (const p of [50, 95, 99]) printFigure(`${name}.${command}.p${p}`, round(percentile(sorted, p)), 'ms');
    if (stats.refused + stats.failed > 0) {
      printFigure(`${name}.${command}.errors`, String(stats.refused + stats.failed));
      note(`${name}: ${command}: ${stats.refused} NO/BAD, ${stats.failed} timeouts/drops; first: ${stats.firstProblem}`);
    }
  }
  outcome.set('total', total / seconds);
  outcome.set('per_cpu', total / serverCpu);
  printFigure(`${name}.total.rate`, round(total / seconds), 'commands/s');
  printFigure(`${name}.server_cpu`, round(serverCpu), 's');
  printFigure(`${name}.commands_per_cpu_second`, round(total / serverCpu), 'commands/s of server CPU');
  printFigure(`${name}.errors`, String(problems));
  printFigure(`${name}.fetch_body.bandwidth`, round(result.bodyBytes / (1024 * 1024) / seconds), 'MiB/s');
  printFigure(`${name}.memory_peak`, round(peakKb / 1024), name === 'petrel' ? 'MiB (RSS)' : 'MiB (PSS, all processes)');
  note(`${name}: ${races} NO [EXPUNGEISSUED] (a message expunged by another client; expected, not counted as errors)`);
  note(`${name}: ${result.reconnects} reconnects; INBOX held ${result.inboxAtEnd} messages at the end`);
  for (const reason of result.abandoned) note(`${name}: a client gave up: ${reason}`);
  return outcome;
}

async function measureFts(server: ImapServer, options: ImapBenchOptions): Promise<Outcome> {
  const name = server.name;
  const corpus = new FtsCorpus(options.seed);
  note(`${name}: preloading ${options.ftsMessages} messages into ${FTS_MAILBOX}`);
  const loaded = await preload({
    connect: connectOptions(server, options.timeoutMs),
    user: USER,
    password: PASSWORD,
    mailbox: FTS_MAILBOX,
    count: options.ftsMessages,
    message: (i) => corpus.message(i),
    progressEvery: 10_000,
    progressLabel: `${name}: preload`,
  });
  note(`${name}: preloaded ${round(loaded.bytes / (1024 * 1024))} MiB in ${round(loaded.ms / 1000)} s (${loaded.method})`);
  printFigure(`${name}.fts.preload_rate`, round(options.ftsMessages / (loaded.ms / 1000)), 'msg/s');
  const result = await runFtsQueries(connectOptions(server, options.commandTimeoutMs), options.timeoutMs, USER, PASSWORD, corpus, options.queries, (done) =>
    note(`${name}: ${done}/${options.queries} queries`),
  );
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  printFigure(`${name}.fts.first_search`, round(result.firstSearchMs), 'ms');
  for (const p of [50, 95, 99]) printFigure(`${name}.fts.search_p${p}`, round(percentile(sorted, p)), 'ms');
  printFigure(`${name}.fts.search_max`, round(sorted[sorted.length - 1] ?? NaN), 'ms');
  const hits = [...result.hits].sort((a, b) => a - b);
  printFigure(`${name}.fts.hits_median`, String(percentile(hits, 50)), 'messages');
  const memory = server.memory();
  printFigure(`${name}.fts.memory`, round((name === 'petrel' ? memory.rssKb : memory.pssKb) / 1024), name === 'petrel' ? 'MiB (RSS)' : 'MiB (PSS, all processes)');
  for (const r of result.refused.slice(0, 3)) note(`${name}: refused: ${r}`);
  const outcome: Outcome = new Map([['p50', percentile(sorted, 50)], ['p95', percentile(sorted, 95)]]);
  result.hits.forEach((h, i) => outcome.set(`hits${i}`, h));
  return outcome;
}

async function measureIdle(server: ImapServer, options: ImapBenchOptions): Promise<Outcome> {
  const name = server.name;
  await sleep(1000);
  const before = server.memory();
  note(`${name}: opening ${options.idleConnections} connections (${options.idleState}); server at ${round(before.rssKb / 1024)} MiB RSS`);
  const result = await openIdleConnections(connectOptions(server, options.commandTimeoutMs), USER, PASSWORD, options.idleConnections, options.idleState, (n) =>
    note(`${name}: ${n} open, server ${round(server.memory().rssKb / 1024)} MiB RSS`),
  );
  // Let the server settle (freed login state, GC) before reading its memory.
  await sleep(3000);
  const alive = result.open.filter((c) => !c.closed).length;
  const after = server.memory();
  printFigure(`${name}.idle.connections`, `${alive}/${options.idleConnections}`);
  printFigure(`${name}.idle.open_rate`, round(result.open.length / (result.openMs / 1000)), 'conn/s');
  printFigure(`${name}.idle.rss`, round(after.rssKb / 1024), name === 'petrel' ? 'MiB' : `MiB (sum over ${after.processes} processes)`);
  printFigure(`${name}.idle.pss`, round(after.pssKb / 1024), 'MiB');
  printFigure(`${name}.idle.rss_before`, round(before.rssKb / 1024), 'MiB');
  const perConnection = alive > 0 ? (after.pssKb - before.pssKb) / alive : NaN;
  printFigure(`${name}.idle.per_connection`, round(perConnection), 'KiB (PSS growth / connection)');
  for (const [reason, count] of result.failures) note(`${name}: ${count} connections failed: ${reason}`);
  for (const c of result.open) c.destroy();
  return new Map([
    ['pss', after.pssKb],
    ['alive', alive],
  ]);
}

let current: ImapServer | null = null;
let keep = false;

function stopOnSignal(): void {
  const handler = (signal: NodeJS.Signals) => {
    note(`imap: ${signal}, stopping`);
    const server = current;
    current = null;
    (server ? server.stop(keep) : Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

async function runSide(server: ImapServer, options: ImapBenchOptions, setup: ServerSetup): Promise<Outcome | null> {
  current = server;
  try {
    note(`${server.name}: starting`);
    try {
      await server.start(setup);
    } catch (err) {
      process.stdout.write(`${server.name}: setup failed: ${(err as Error).message}\n`);
      return null;
    }
    note(`${server.name}: ${server.description} on ${HOST}:${server.port}`);
    try {
      if (options.mode === 'load') return await measureLoad(server, options);
      if (options.mode === 'search-fts') return await measureFts(server, options);
      return await measureIdle(server, options);
    } catch (err) {
      process.stdout.write(`${server.name}: failed: ${(err as Error).message}\n`);
      return null;
    } finally {
      for (const line of server.problems()) note(`${server.name} log: ${line}`);
    }
  } finally {
    if (current === server) {
      current = null;
      await server.stop(options.keep);
    }
  }
}

function printRatios(options: ImapBenchOptions, petrel: Outcome, dovecot: Outcome): void {
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? (a / b).toFixed(2) : 'n/a');
  if (options.mode === 'load') {
    printFigure('ratio.petrel_over_dovecot', ratio(petrel.get('total'), dovecot.get('total')), 'x (commands/s)');
    printFigure('ratio.petrel_over_dovecot_per_cpu', ratio(petrel.get('per_cpu'), dovecot.get('per_cpu')), 'x (commands per server CPU second)');
    for (const command of COMMANDS) printFigure(`ratio.${command}`, ratio(petrel.get(command), dovecot.get(command)), 'x (ops/s)');
  } else if (options.mode === 'search-fts') {
    // Latency: lower is better, so the ratio is dovecot's over petrel's to read like the others.
    printFigure('ratio.fts.dovecot_p95_over_petrel_p95', ratio(dovecot.get('p95'), petrel.get('p95')), 'x');
    let agree = 0;
    for (let i = 0; i < options.queries; i++) if (petrel.get(`hits${i}`) === dovecot.get(`hits${i}`)) agree++;
    printFigure('fts.hits_agree', `${agree}/${options.queries}`, 'queries');
  } else {
    printFigure('ratio.idle.petrel_pss_over_dovecot_pss', ratio(petrel.get('pss'), dovecot.get('pss')), 'x');
  }
}

async function main(): Promise<number> {
  let options: ImapBenchOptions | null;
  try {
    options = parseImapOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`imap: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const connections = options.mode === 'idle-conns' ? options.idleConnections : options.clients;
  try {
    checkFdLimit(connections + 500);
  } catch (err) {
    process.stderr.write(`imap: ${(err as Error).message}\n`);
    return 2;
  }
  keep = options.keep;
  stopOnSignal();
  printHeader(options);

  const dovecotFts = options.dovecotFts;
  if (dovecotFts === 'xapian' && !xapianAvailable()) {
    process.stderr.write('imap: --dovecot-fts xapian needs the dovecot-fts-xapian package\n');
    return 2;
  }
  const setup: ServerSetup = {
    connections: connections + 20,
    dovecotClientsPerProcess: options.dovecotClientsPerProcess ?? (options.mode === 'idle-conns' ? 1000 : 1),
    // Only the full-text mode uses Dovecot's FTS plugin; the mixed load runs plain Dovecot.
    dovecotFts: options.mode === 'search-fts' ? dovecotFts : 'none',
  };
  let failed = false;
  let petrel: Outcome | null = null;
  let dovecot: Outcome | null = null;
  if (options.only !== 'dovecot') {
    petrel = await runSide(new PetrelImap(), options, setup);
    failed ||= petrel === null;
  }
  if (options.only !== 'petrel') {
    const unavailable = dovecotUnavailable();
    if (unavailable) process.stdout.write(`dovecot: skipped (${unavailable})\n`);
    else {
      dovecot = await runSide(new DovecotImap(), options, setup);
      failed ||= dovecot === null;
    }
  }
  if (petrel && dovecot) printRatios(options, petrel, dovecot);
  return failed ? 1 : 0;
}

process.exitCode = await main();
