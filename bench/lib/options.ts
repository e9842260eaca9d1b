import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export type Only = 'petrel' | 'reference' | 'both';
export type PetrelDns = 'local' | 'system';

export interface IngestOptions {
  connections: number;
  messages: number;
  users: number;
  /** Fixed message size in bytes, or null for the realistic mix. */
  size: number | null;
  seed: number;
  only: Only;
  petrelDns: PetrelDns;
  /** Upper bound for each phase (the SMTP load, then waiting for the mailboxes), in milliseconds. */
  timeoutMs: number;
  keep: boolean;
  /** Directory for a CPU profile of `petrel serve` (node --cpu-prof), or null. */
  profileDir: string | null;
}

export const USAGE = `usage: bench/smtp-ingest [options]

Delivers M messages over C parallel SMTP sessions to Petrel and to a private
Postfix -> Dovecot (LMTP, Maildir) reference, and prints one figure per line.

  --connections, -c N   parallel SMTP sessions (default 20)
  --messages, -m N      messages in total (default 5000)
  --users, -u N         local recipients userK@bench.test (default 20)
  --size SIZE           every message this size, e.g. 5k, 64k, 1m (default 5k,
                        the size of the published reference figure)
  --mix realistic       mostly ~5 KB, some 20-100 KB with a base64 attachment,
                        a few 500 KB+ (instead of --size)
  --seed N              seed for the generated messages (default 1)
  --only petrel|reference   run one side only
  --petrel-dns local|system where Petrel's SPF/DMARC lookups are answered: local
                        (default) gives it the senders' records in its config, as a
                        warm caching resolver would; system uses the host's resolver
  --timeout SECONDS     limit for the load and for the wait for mailboxes (default 600)
  --keep                keep the temporary data directories (paths go to stderr)
  --profile DIR         run petrel serve under node --cpu-prof, profile into DIR
  --help, -h`;

/** "5k" → 5120, "1m" → 1048576, "800" → 800. */
export function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kKmM]?)[bB]?$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text} (try 5k or 1m)`);
  const scale = match[2].toLowerCase() === 'k' ? 1024 : match[2].toLowerCase() === 'm' ? 1024 * 1024 : 1;
  return Math.round(Number(match[1]) * scale);
}

function positiveInteger(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Returns null when --help was asked for; throws with a one-line reason on bad input. */
export function parseOptions(argv: string[]): IngestOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      connections: { type: 'string', short: 'c' },
      messages: { type: 'string', short: 'm' },
      users: { type: 'string', short: 'u' },
      size: { type: 'string' },
      mix: { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string' },
      'petrel-dns': { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  if (values.mix !== undefined && values.mix !== 'realistic') throw new Error('--mix takes only "realistic"');
  if (values.mix !== undefined && values.size !== undefined) throw new Error('--size and --mix exclude each other');
  // Below ~1 KB the headers alone are the message; the size would no longer mean anything.
  const size = values.mix ? null : parseByteSize(values.size ?? '5k');
  if (size !== null && (size < 1024 || size > 64 * 1024 * 1024)) throw new Error('--size must be between 1k and 64m');
  const only = values.only ?? 'both';
  if (only !== 'petrel' && only !== 'reference' && only !== 'both') throw new Error('--only takes petrel or reference');
  const petrelDns = values['petrel-dns'] ?? 'local';
  if (petrelDns !== 'local' && petrelDns !== 'system') throw new Error('--petrel-dns takes local or system');
  return {
    connections: positiveInteger(values.connections, 'connections', 20),
    messages: positiveInteger(values.messages, 'messages', 5000),
    users: positiveInteger(values.users, 'users', 20),
    size,
    seed: positiveInteger(values.seed, 'seed', 1),
    only,
    petrelDns,
    timeoutMs: positiveInteger(values.timeout, 'timeout', 600) * 1000,
    keep: values.keep ?? false,
    profileDir: values.profile ? resolve(values.profile) : null,
  };
}
