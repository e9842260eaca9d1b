import { open, type FileHandle } from 'node:fs/promises';

/**
 * Makes committed transactions durable without blocking the event loop. SQLite runs in WAL mode
 * with synchronous=NORMAL, so COMMIT only write()s the log; before anyone is told a write is
 * safe (SMTP 250) we fsync the WAL file from the thread pool. On Linux fsync flushes the file
 * whatever descriptor it is called on, so our own descriptor covers SQLite's writes. Callers
 * arriving while an fsync runs share the next one: one fsync then covers a whole burst.
 */
export class WalSync {
  private handle: FileHandle | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly walPath: string) {}

  /** Resolves once every transaction committed before this call is on disk. */
  durable(): Promise<void> {
    if (!this.running) {
      this.running = this.fsync().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    // The running fsync may have started before our commit's write(); wait for a fresh one.
    this.next ??= this.running.then(() => {
      this.next = null;
      return this.durable();
    });
    return this.next;
  }

  private async fsync(): Promise<void> {
    this.handle ??= await open(this.walPath, 'r');
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.running;
    await this.next;
    await this.handle?.close();
    this.handle = null;
  }
}
