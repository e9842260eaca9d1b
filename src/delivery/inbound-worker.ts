// A worker thread of the inbound pool (inbound-pool.ts): inspects messages for the main thread.
import { parentPort, workerData } from 'node:worker_threads';

import { createResolver, type ResolverOptions } from './dns-resolver.ts';
import { inspectInbound, type InspectionRequest } from './inbound-inspection.ts';

export interface InspectionJob {
  id: number;
  request: InspectionRequest;
}

const port = parentPort;
if (!port) throw new Error('inbound-worker.ts runs only as a worker thread');

// Each worker keeps its own DNS answer cache: sharing the main thread's would cost a message
// round trip per lookup, and the senders' records are few.
const resolver = createResolver(workerData as ResolverOptions);

port.on('message', (job: InspectionJob) => {
  inspectInbound(job.request, resolver).then(
    (inspection) => {
      const bytes = 'message' in inspection ? inspection.message : null;
      // Handing the buffer over instead of copying it, when it is not a slice of a shared pool.
      const ownsBuffer = bytes !== null && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      port.postMessage({ id: job.id, inspection }, ownsBuffer ? [bytes.buffer as ArrayBuffer] : []);
    },
    (err: unknown) => port.postMessage({ id: job.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
port.postMessage({ ready: true });
