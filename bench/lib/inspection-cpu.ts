/**
 * CPU per message of the inbound inspection (inbound-inspection.ts), on the same messages and DNS
 * answers as bench/smtp-ingest: the part of Petrel's ingest cost that runs on the inspection
 * threads. Arguments: [messages] [rounds] [inline|pool]. `inline` (the default) inspects on this
 * thread (`node --cpu-prof bench/inspection-cpu.mjs` profiles it); `pool` sends 20 at a time
 * through InboundPool's worker threads, as the MX listener does, and splits the CPU between this
 * thread (sending and receiving) and the others.
 */
import { readFileSync } from 'node:fs';

import { createResolver } from '../../src/delivery/dns-resolver.ts';
import { inspectInbound, type InspectionRequest } from '../../src/delivery/inbound-inspection.ts';
import { InboundPool } from '../../src/delivery/inbound-pool.ts';
import { receivedHeader } from '../../src/delivery/trace-headers.ts';
import { generateMessages, SENDER_DOMAINS } from './messages.ts';

const count = Number(process.argv[2] ?? 3000);
const rounds = Number(process.argv[3] ?? 3);
const overrides: Record<string, { TXT: string[] }> = {};
for (const domain of SENDER_DOMAINS) {
  overrides[domain] = { TXT: ['v=spf1 ip4:127.0.0.0/8 -all'] };
  overrides[`_dmarc.${domain}`] = { TXT: [`v=DMARC1; p=quarantine; rua=mailto:dmarc@${domain}`] };
}
const mode = process.argv[4] === 'pool' ? 'pool' : 'inline';
const resolver = createResolver({ system: false, overrides });
const pool = mode === 'pool' ? new InboundPool({ resolverOptions: { system: false, overrides }, resolver, log: (line) => console.error(line) }) : null;
const messages = generateMessages({ count, users: 20, size: 5 * 1024, seed: 1 }).map((m) => ({
  from: m.from,
  // The DATA payload without the terminating dot and with dot-stuffing undone, as smtp-server hands it over.
  raw: Buffer.from(
    Buffer.concat(m.chunks)
      .toString('latin1')
      .replace(/\r\n\.\r\n$/, '\r\n')
      .replace(/\r\n\./g, '\r\n'),
    'latin1',
  ),
}));
const date = new Date('2026-11-23T12:00:00Z');
const traceHeaders = receivedHeader({ helo: 'client.test', remoteAddress: '127.0.0.1', byHost: 'mx.bench.test', protocol: 'ESMTP', id: 'ABC', date });
const requestOf = (m: { from: string; raw: Buffer }): InspectionRequest => ({ raw: m.raw, mailFrom: m.from, hostname: 'mx.bench.test', traceHeaders, check: { ip: '127.0.0.1', helo: 'client.test' } });

/** CPU seconds of this thread alone (Linux), to tell it from the worker threads'. */
function mainThreadCpu(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

if (pool) {
  pool.start();
  // Until the threads have booted, inspections would run inline: wait until the boot's CPU is spent.
  while (true) {
    const idle = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const used = process.cpuUsage(idle);
    if (used.user + used.system < 50_000) break;
  }
}
for (let round = 0; round < rounds; round++) {
  const start = process.cpuUsage();
  const mainStart = mainThreadCpu();
  if (pool) {
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < messages.length) await pool.inspect(requestOf(messages[next++]));
      }),
    );
  } else {
    for (const m of messages) await inspectInbound(requestOf(m), resolver);
  }
  const used = process.cpuUsage(start);
  const total = (used.user + used.system) / messages.length;
  const main = ((mainThreadCpu() - mainStart) * 1e6) / messages.length;
  const split = pool ? `, this thread ${Math.round(main)} us, others ${Math.round(total - main)} us` : '';
  console.log(`inspection_cpu_per_message: ${Math.round(total)} us (${mode}, round ${round + 1}, ${messages.length} messages${split})`);
}
await pool?.close();
