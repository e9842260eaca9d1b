import { parseArgs } from 'node:util';

import type { IdleState } from './imap-idle.ts';
import { parseByteSize } from './options.ts';

export type Mode = 'load' | 'search-fts' | 'idle-conns';

export interface ImapBenchOptions {
  mode: Mode;
  clients: number;
  seconds: number;
  /** Messages preloaded into INBOX for the mixed load. */
  messages: number;
  messageSize: number;
  ftsMessages: number;
  queries: number;
  idleConnections: number;
  idleState: IdleState;
  only: 'petrel' | 'dovecot' | 'both';
  dovecotClientsPerProcess: number | null;
  dovecotFts: 'xapian' | 'none';
  seed: number;
  /** Per command in the load and idle modes, in milliseconds. */
  commandTimeoutMs: number;
  /** For the preload and the first full-text search, in milliseconds. */
  timeoutMs: number;
  keep: boolean;
}

export const USAGE = `usage: bench/imap [options]

Runs the same IMAP load against Petrel and against a private Dovecot (Debian's
dovecot-imapd) holding the same mailbox, one after the other, and prints one
figure per line and the ratio petrel/dovecot.

Mixed load (default): C clients on one account, each LOGIN, SELECT INBOX, then
for S seconds a weighted mix of FETCH (flags, envelopes, full bodies), STORE,
APPEND, UID COPY, UID MOVE, EXPUNGE, SEARCH (header, flags), re-SELECT and
LOGOUT + reconnect.
  --clients, -c N        concurrent clients (default 10)
  --seconds, -s S        length of the load (default 20)
  --messages, -m N       messages preloaded into INBOX (default 1000)
  --size SIZE            size of preloaded and appended messages (default 5k)

Other modes (instead of the mixed load):
  --search-fts [N]       preload N messages (default 100000) of made-up words
                         into one mailbox, then time SEARCH BODY <word>
  --queries N            SEARCH BODY queries timed (default 200)
  --idle-conns [N]       open N (default 10000) logged-in idle connections and
                         report the server's memory
  --idle-state authenticated|selected|idle
                         how far each idle connection goes (default idle:
                         LOGIN, SELECT INBOX, IDLE)

  --only petrel|dovecot  run one side only
  --dovecot-clients-per-process N
                         Dovecot's service imap client_limit (default 1, a
                         process per session, Dovecot's default; 1000 for
                         --idle-conns, where 10,000 processes would not fit)
  --dovecot-fts none|xapian
                         Dovecot's SEARCH BODY by reading every message (default,
                         Dovecot as installed) or through the fts-xapian plugin
                         (package dovecot-fts-xapian; its index is built on the
                         first search, ~50 msg/s here, so 30 min for 100,000)
  --seed N               seed for all generated messages and choices (default 1)
  --command-timeout S    limit for one command in the load (default 30)
  --timeout S            limit for the preload and the first search (default 1800)
  --keep                 keep the servers' temporary directories
  --help, -h`;

function integer(text: string | undefined, name: string, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return value;
}

/** `--search-fts` and `--idle-conns` take an optional count: give them their default when it is missing. */
function withOptionalCounts(argv: string[]): string[] {
  const defaults: Record<string, string> = { '--search-fts': '100000', '--idle-conns': '10000' };
  const out: string[] = [];
  argv.forEach((arg, i) => {
    out.push(arg);
    if (arg in defaults && (i + 1 >= argv.length || argv[i + 1].startsWith('-'))) out.push(defaults[arg]);
  });
  return out;
}

/** Returns null when --help was asked for; throws with a one-line reason on bad input. */
export function parseImapOptions(argv: string[]): ImapBenchOptions | null {
  const { values } = parseArgs({
    args: withOptionalCounts(argv),
    strict: true,
    options: {
      clients: { type: 'string', short: 'c' },
      seconds: { type: 'string', short: 's' },
      messages: { type: 'string', short: 'm' },
      size: { type: 'string' },
      'search-fts': { type: 'string' },
      queries: { type: 'string' },
      'idle-conns': { type: 'string' },
      'idle-state': { type: 'string' },
      only: { type: 'string' },
      'dovecot-clients-per-process': { type: 'string' },
      'dovecot-fts': { type: 'string' },
      seed: { type: 'string' },
      'command-timeout': { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  if (values['search-fts'] !== undefined && values['idle-conns'] !== undefined) throw new Error('--search-fts and --idle-conns are separate runs');
  const mode: Mode = values['search-fts'] !== undefined ? 'search-fts' : values['idle-conns'] !== undefined ? 'idle-conns' : 'load';
  const only = values.only ?? 'both';
  if (only !== 'petrel' && only !== 'dovecot' && only !== 'both') throw new Error('--only takes petrel or dovecot');
  const idleState = values['idle-state'] ?? 'idle';
  if (idleState !== 'authenticated' && idleState !== 'selected' && idleState !== 'idle') throw new Error('--idle-state takes authenticated, selected or idle');
  const dovecotFts = values['dovecot-fts'] ?? 'none';
  if (dovecotFts !== 'xapian' && dovecotFts !== 'none') throw new Error('--dovecot-fts takes none or xapian');
  const messageSize = parseByteSize(values.size ?? '5k');
  if (messageSize < 512 || messageSize > 16 * 1024 * 1024) throw new Error('--size must be between 512 and 16m');
  return {
    mode,
    clients: integer(values.clients, 'clients', 10),
    seconds: integer(values.seconds, 'seconds', 20),
    messages: integer(values.messages, 'messages', 1000, 50),
    messageSize,
    ftsMessages: integer(values['search-fts'], 'search-fts', 100_000),
    queries: integer(values.queries, 'queries', 200),
    idleConnections: integer(values['idle-conns'], 'idle-conns', 10_000),
    idleState,
    only,
    dovecotClientsPerProcess: values['dovecot-clients-per-process'] === undefined ? null : integer(values['dovecot-clients-per-process'], 'dovecot-clients-per-process', 1),
    dovecotFts,
    seed: integer(values.seed, 'seed', 1),
    commandTimeoutMs: integer(values['command-timeout'], 'command-timeout', 30) * 1000,
    timeoutMs: integer(values.timeout, 'timeout', 1800) * 1000,
    keep: values.keep ?? false,
  };
}
