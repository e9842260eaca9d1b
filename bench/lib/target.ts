/** What the runner needs from a server under test; one implementation per side of the comparison. */
export interface Target {
  /** Prefix of every figure this target prints: "petrel", "postfix_dovecot". */
  readonly name: string;
  /** The SMTP port the load goes to, on 127.0.0.1; known after start(). */
  readonly port: number;
  /**
   * True when the server's 250 already means "in the mailbox" (Petrel replies only after the
   * commit), so delivery time is the accept time and the count is checked once at the end. False
   * for a queueing MTA, whose 250 means "queued": the mailboxes are polled until everything arrived.
   */
  readonly storesBeforeAccept: boolean;
  /** Creates the data directory and the users, starts the server; throws with a one-line reason on failure. */
  start(): Promise<void>;
  /** Peak memory so far, in KiB, cheap enough to call a few times a second. */
  memoryKb(): number;
  /** How `memoryKb` is measured, for the output. */
  readonly memoryNote: string;
  /**
   * CPU seconds the server has used so far, or null where that cannot be summed honestly (a
   * queueing MTA's short-lived helper processes are gone before they can be read).
   */
  cpuSeconds(): number | null;
  /** The same for the server's main thread alone, where one exists and is the bottleneck (Node); else null. */
  mainThreadCpuSeconds(): number | null;
  /** Messages in all the bench users' mailboxes right now. */
  countStored(): Promise<number>;
  /** Stops the server(s) and, unless keep is set, removes the temporary directory. */
  stop(keep: boolean): Promise<void>;
}
