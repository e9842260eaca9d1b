import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';
import { MailError } from './errors.ts';

interface Pending<J, R> {
  job: J;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Runs many small writes in one transaction: while a commit is in flight, new jobs wait and go
 * together in the next one. Each job's promise settles only once the commit that contains it is
 * durable (`durable`, which coalesces fsyncs), which is what lets SMTP answer 250 after durability.
 *
 * A job that throws a MailError (over quota, say) wrote nothing and fails alone. Any other error
 * aborts the batch; its jobs are then retried one transaction each, so a bad one cannot sink the rest.
 */
export class GroupCommit<J, R> {
  private queue: Pending<J, R>[] = [];
  private running = false;
  private lastDurable: Promise<unknown> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: (trx: Kysely<Database>, job: J) => Promise<R>,
    private readonly durable: () => Promise<void>,
    private readonly afterCommit: (results: R[]) => void,
    private readonly maxBatch = 200,
  ) {}

  submit(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        // Jobs that arrive while the last batch is being made durable go together in the next.
        if (this.lastDurable) await this.lastDurable;
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commitBatch(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async commitBatch(batch: Pending<J, R>[]): Promise<void> {
    const outcomes: ({ ok: true; result: R } | { ok: false; error: unknown })[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        outcomes.length = 0;
        for (const pending of batch) {
          try {
            outcomes.push({ ok: true, result: await this.write(trx, pending.job) });
          } catch (error) {
            if (!(error instanceof MailError)) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (batchError) {
      if (batch.length === 1) {
        batch[0].reject(batchError);
        return;
      }
      for (const pending of batch) await this.commitBatch([pending]);
      return;
    }
    // The next batch may commit while this one's fsync runs; each settles after its own.
    const durable = this.durable();
    this.lastDurable = durable.catch(() => {});
    void durable.then(
      () => {
        const committed: R[] = [];
        batch.forEach((pending, i) => {
          const outcome = outcomes[i];
          if (outcome.ok) {
            committed.push(outcome.result);
            pending.resolve(outcome.result);
          } else {
            pending.reject(outcome.error);
          }
        });
        if (committed.length > 0) this.afterCommit(committed);
      },
      (err: unknown) => batch.forEach((pending) => pending.reject(err)),
    );
  }
}
