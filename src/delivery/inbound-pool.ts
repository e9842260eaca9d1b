import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';

import { typescriptThread } from '../store/typescript-thread.ts';
import type { MailResolver, ResolverOptions } from './dns-resolver.ts';
import { inspectInbound, type Inspection, type InspectionRequest } from './inbound-inspection.ts';
import type { InspectionJob } from './inbound-worker.ts';

type WorkerReply = { ready: true } | { id: number; inspection: Inspection } | { id: number; error: string };

interface PendingJob {
  request: InspectionRequest;
  resolve(inspection: Inspection): void;
  reject(error: Error): void;
}

class PoolWorker {
  ready = false;
  private gone = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly pending = new Map<number, PendingJob>();
  private nextId = 1;
  private readonly thread: Worker;

  constructor(
    resolverOptions: ResolverOptions,
    private readonly onExit: (worker: PoolWorker, orphans: PendingJob[], reason: string) => void,
  ) {
    this.thread = typescriptThread(new URL('./inbound-worker.ts', import.meta.url), resolverOptions);
    // Never what keeps a stopping process alive; close() is the orderly way out.
    this.thread.unref();
    this.thread.on('message', (reply: WorkerReply) => this.receive(reply));
    this.thread.on('error', (err) => this.exited(err.message));
    this.thread.on('exit', (code) => this.exited(`exit code ${code}`));
  }

  get load(): number {
    return this.pending.size;
  }

  run(request: InspectionRequest): Promise<Inspection> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { request, resolve, reject });
      const job: InspectionJob = { id, request };
      this.thread.postMessage(job);
    });
  }

  private receive(reply: WorkerReply): void {
    if ('ready' in reply) {
      this.ready = true;
      return;
    }
    const job = this.pending.get(reply.id);
    if (!job) return;
    this.pending.delete(reply.id);
    if ('error' in reply) job.reject(new Error(reply.error));
    else job.resolve(reply.inspection);
    this.settled();
  }

  /** Called for 'error' and again for the 'exit' that follows it; only the first counts. */
  private exited(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    this.ready = false;
    const orphans = [...this.pending.values()];
    this.pending.clear();
    this.settled();
    this.onExit(this, orphans, reason);
  }

  private settled(): void {
    if (this.pending.size > 0) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Waits for the jobs it has, then stops the thread. */
  async stop(): Promise<void> {
    if (this.pending.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.thread.terminate();
  }
}

/**
 * Runs inbound inspections (authentication checks, MIME parse, hash) on worker threads, one per
 * core beside the main thread's, so that the main thread is left with the sockets and the database. Results are the same
 * as inline: it is the same function. Until the workers have started, after close(), and for the
 * jobs of a worker that died, inspections run inline on the main thread instead.
 */
export class InboundPool {
  private workers: PoolWorker[] = [];
  private started = false;
  private closed = false;

  constructor(
    private readonly options: {
      resolverOptions: ResolverOptions;
      /** Used for inline inspections; built from the same options as the workers' resolvers. */
      resolver: MailResolver;
      log: (line: string) => void;
      size?: number;
    },
  ) {}

  inspect(request: InspectionRequest): Promise<Inspection> {
    this.start();
    let best: PoolWorker | null = null;
    for (const worker of this.workers) if (worker.ready && (!best || worker.load < best.load)) best = worker;
    return best ? best.run(request) : inspectInbound(request, this.options.resolver);
  }

  /**
   * Boots the threads (loading TypeScript, mailauth and the MIME code costs each one about a second
   * of CPU), unless that has been done. The MX and LMTP listeners call it when they are created, so
   * the boot does not compete with the first messages; a node without them boots the threads on
   * the first inspection, and one that never receives mail never pays for them.
   */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    // The main thread keeps a core for the sockets and the database; the others inspect.
    const size = this.options.size ?? Math.max(1, availableParallelism() - 1);
    for (let i = 0; i < size; i++) {
      this.workers.push(
        new PoolWorker(this.options.resolverOptions, (worker, orphans, reason) => {
          this.workers = this.workers.filter((w) => w !== worker);
          if (this.closed && orphans.length === 0) return;
          this.options.log(`inbound: inspection thread stopped (${reason}); ${orphans.length} message(s) inspected inline instead`);
          for (const job of orphans) inspectInbound(job.request, this.options.resolver).then(job.resolve, job.reject);
        }),
      );
    }
  }

  /** Lets running inspections finish, then stops the threads; later inspections run inline. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
