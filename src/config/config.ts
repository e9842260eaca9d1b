import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';

import type { DnsOverrides } from '../delivery/dns-resolver.ts';

/** Everything the server and CLI read from configuration; every field has a default so none is needed. */
export interface PetrelConfig {
  dataDir: string;
  /** `sqlite` (embedded default, under dataDir) or a `postgres://` URL for scale-out. */
  database: string;
  hostname: string;
  listen: string;
  ports: {
    smtp: number;
    submission: number;
    submissions: number;
    lmtp: number;
    imap: number;
    imaps: number;
    pop3: number;
    pop3s: number;
    http: number;
  };
  tls: { certFile: string | null; keyFile: string | null };
  smtp: {
    maxMessageSize: number;
    maxRecipients: number;
    /** Plaintext AUTH on a non-TLS connection from a non-loopback peer (off unless the admin allows it). */
    allowInsecureAuth: boolean;
    /** Checks SPF/DKIM/DMARC/ARC on inbound mail; off only for benchmarks of the raw store path. */
    verifyInbound: boolean;
  };
  outbound: {
    smarthost: { host: string; port: number; user: string | null; pass: string | null } | null;
    /** Port used to reach other domains' MX hosts; 25 on the Internet, another one in tests. */
    mxPort: number;
    requireTls: boolean;
    verifyTls: boolean;
    expireAfterMs: number;
    delayNoticeAfterMs: number;
    pollIntervalMs: number;
  };
  dns: { system: boolean; overrides: DnsOverrides };
  security: {
    /** A local list of breached passwords (plain or SHA-1 hex lines, HIBP `HASH:count` works); null for none. */
    breachedPasswordsFile: string | null;
  };
}

export const DEFAULT_PORTS: PetrelConfig['ports'] = {
  smtp: 2525,
  submission: 5587,
  submissions: 5465,
  lmtp: 2424,
  imap: 1143,
  imaps: 1993,
  pop3: 1110,
  pop3s: 1995,
  http: 8080,
};

export function defaultConfig(): PetrelConfig {
  return {
    dataDir: resolve('data'),
    database: 'sqlite',
    hostname: 'localhost',
    listen: '0.0.0.0',
    ports: { ...DEFAULT_PORTS },
    tls: { certFile: null, keyFile: null },
    smtp: {
      maxMessageSize: 64 * 1024 * 1024,
      maxRecipients: 1000,
      allowInsecureAuth: false,
      verifyInbound: true,
    },
    outbound: {
      smarthost: null,
      mxPort: 25,
      requireTls: false,
      verifyTls: false,
      expireAfterMs: 5 * 24 * 3600_000,
      delayNoticeAfterMs: 4 * 3600_000,
      pollIntervalMs: 5_000,
    },
    dns: { system: true, overrides: {} },
    security: { breachedPasswordsFile: null },
  };
}

export class ConfigError extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep-merges a parsed TOML/JSON document over the defaults, refusing keys we do not know so
 * that a typo in a config file is an error rather than a silently ignored setting. Sections
 * whose default is null (such as outbound.smarthost) take whatever fields they are given;
 * `dns.overrides` is keyed by host names, which are data and keep their spelling.
 */
function mergeInto(target: Record<string, unknown>, source: Record<string, Json>, path: string, checkKeys: boolean): void {
  for (const [key, value] of Object.entries(source)) {
    const where = path ? `${path}.${key}` : key;
    const dataKeys = path === 'dns.overrides' || path.startsWith('dns.overrides.');
    const name = dataKeys ? key : key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (checkKeys && !(name in target)) throw new ConfigError(`unknown configuration key: ${where}`);
    const current = target[name];
    if (isObject(value)) {
      if (current !== null && current !== undefined && !isObject(current)) throw new ConfigError(`configuration key ${where} must be a ${typeof current}`);
      const next = isObject(current) ? (current as Record<string, unknown>) : {};
      mergeInto(next, value, where, checkKeys && isObject(current) && where !== 'dns.overrides');
      target[name] = next;
    } else {
      if (checkKeys && current !== null && current !== undefined && typeof current !== typeof value) {
        throw new ConfigError(`configuration key ${where} must be a ${typeof current}`);
      }
      target[name] = value;
    }
  }
}

export function loadConfigFile(path: string, config: PetrelConfig): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(err as Error).message}`);
  }
  let doc: Record<string, Json>;
  try {
    doc = (path.endsWith('.json') ? JSON.parse(text) : parseToml(text)) as Record<string, Json>;
  } catch (err) {
    throw new ConfigError(`cannot parse configuration file ${path}: ${(err as Error).message}`);
  }
  mergeInto(config as unknown as Record<string, unknown>, doc, '', true);
}

/** PETREL_DATA, PETREL_DATABASE, PETREL_HOSTNAME and PETREL_SECURITY_BREACHED_PASSWORDS_FILE override the file; flags override both. */
export function applyEnvironment(config: PetrelConfig, env: NodeJS.ProcessEnv): void {
  if (env.PETREL_DATA) config.dataDir = resolve(env.PETREL_DATA);
  if (env.PETREL_DATABASE) config.database = env.PETREL_DATABASE;
  if (env.PETREL_HOSTNAME) config.hostname = env.PETREL_HOSTNAME;
  if (env.PETREL_SECURITY_BREACHED_PASSWORDS_FILE) config.security.breachedPasswordsFile = resolve(env.PETREL_SECURITY_BREACHED_PASSWORDS_FILE);
}

export function parseHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(value.trim());
  if (!match) throw new ConfigError(`not a host[:port]: ${value}`);
  const port = match[2] ? Number(match[2]) : defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`bad port in ${value}`);
  return { host: match[1], port };
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** Parses sizes such as `500M`, `2G` or `1048576`. */
export function parseSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new ConfigError(`not a size: ${value} (use e.g. 500M or 2G)`);
  return Math.round(Number(match[1]) * unit);
}
