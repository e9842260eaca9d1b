const WIDTH = 30;
/** Off a terminal (a log file, a pipe), how often a plain line is written at most. */
const PLAIN_EVERY_MS = 5000;

/**
 * Progress of long CLI work on stderr, so stdout stays the command's result: on a terminal one
 * line redrawn in place, `[#####.....] 1234/5000 messages`; elsewhere a plain line now and then,
 * since carriage returns make a log unreadable.
 */
export class ProgressBar {
  private readonly tty: boolean;
  private drawn = '';
  private lastPlainAt = 0;
  private lastPlain = '';

  constructor(
    private readonly unit: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  update(done: number, total: number): void {
    const count = `${done}/${total} ${this.unit}`;
    if (this.tty) {
      const filled = total > 0 ? Math.min(WIDTH, Math.floor((done / total) * WIDTH)) : WIDTH;
      this.draw(`[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${count}`);
      return;
    }
    const now = Date.now();
    if (count === this.lastPlain || now - this.lastPlainAt < PLAIN_EVERY_MS) return;
    this.lastPlainAt = now;
    this.lastPlain = count;
    this.stream.write(`${count}\n`);
  }

  /** A line of its own (a warning) without tearing the bar. */
  log(line: string): void {
    const bar = this.drawn;
    this.clear();
    this.stream.write(`${line}\n`);
    if (bar) this.draw(bar);
  }

  /** Leaves the last state on screen (on a terminal) or writes it (elsewhere), and ends the line. */
  finish(done: number, total: number): void {
    if (this.tty) {
      this.update(done, total);
      this.stream.write('\n');
      this.drawn = '';
      return;
    }
    const count = `${done}/${total} ${this.unit}`;
    if (count !== this.lastPlain) this.stream.write(`${count}\n`);
  }

  private draw(text: string): void {
    if (text === this.drawn) return;
    this.stream.write(`\r${text}${' '.repeat(Math.max(0, this.drawn.length - text.length))}`);
    this.drawn = text;
  }

  private clear(): void {
    if (!this.drawn) return;
    this.stream.write(`\r${' '.repeat(this.drawn.length)}\r`);
    this.drawn = '';
  }
}
