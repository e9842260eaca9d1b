import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running a TypeScript module. Workers load TypeScript through tsx like the main
 * thread (bin/petrel.js), but loader hooks are per thread, so each worker registers them before
 * importing its module.
 */
export function typescriptThread(entry: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Lowers the calling thread's scheduling priority (nice 19), for background work that should use
 * only what the request-serving threads leave idle. Linux numbers threads like processes and
 * setpriority() takes a thread id; elsewhere this does nothing.
 */
export function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
  } catch {
    // No /proc/thread-self (not Linux): the thread keeps the process's priority.
  }
}
