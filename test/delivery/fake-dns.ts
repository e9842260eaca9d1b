// A minimal authoritative DNS server over UDP on loopback (RFC 1035 §4), enough to exercise the
// system-resolver path of createResolver without public DNS: A, MX and TXT answers, NXDOMAIN for
// unknown names, NODATA for known names without the asked type, SERVFAIL on request.
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export type FakeZone = Record<string, { A?: string[]; MX?: [number, string][]; TXT?: string[] } | 'SERVFAIL'>;

const TYPE = { A: 1, MX: 15, TXT: 16 } as const;

function encodeName(name: string): Buffer {
  const labels = name.split('.').filter(Boolean).map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
  return Buffer.concat([...labels, Buffer.from([0])]);
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function answer(type: number, rdata: Buffer): Buffer {
  // Name as a pointer to the question (offset 12), class IN, TTL 60.
  return Buffer.concat([u16(0xc00c), u16(type), u16(1), Buffer.from([0, 0, 0, 60]), u16(rdata.length), rdata]);
}

export async function startFakeDns(zone: FakeZone): Promise<{ server: string; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset] !== 0) {
      labels.push(query.subarray(offset + 1, offset + 1 + query[offset]).toString());
      offset += query[offset] + 1;
    }
    const questionEnd = offset + 5;
    const qtype = query.readUInt16BE(offset + 1);
    const entry = zone[labels.join('.').toLowerCase()];
    const answers: Buffer[] = [];
    let rcode = 0;
    if (entry === undefined) rcode = 3;
    else if (entry === 'SERVFAIL') rcode = 2;
    else if (qtype === TYPE.A) for (const ip of entry.A ?? []) answers.push(answer(qtype, Buffer.from(ip.split('.').map(Number))));
    else if (qtype === TYPE.MX) for (const [pref, host] of entry.MX ?? []) answers.push(answer(qtype, Buffer.concat([u16(pref), encodeName(host)])));
    else if (qtype === TYPE.TXT) for (const text of entry.TXT ?? []) answers.push(answer(qtype, Buffer.concat([Buffer.from([text.length]), Buffer.from(text)])));
    const rd = query[2] & 0x01;
    const header = Buffer.concat([query.subarray(0, 2), Buffer.from([0x84 | rd, 0x80 | rcode]), u16(1), u16(answers.length), u16(0), u16(0)]);
    socket.send(Buffer.concat([header, query.subarray(12, questionEnd), ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return { server: `127.0.0.1:${port}`, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
