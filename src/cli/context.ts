import { Command, Option } from 'commander';

import { applyEnvironment, defaultConfig, loadConfigFile, type PetrelConfig } from '../config/config.ts';
import { resolve } from 'node:path';
import { openStore, type Store } from '../store/database.ts';
import { ensureDefaultTenant } from '../directory/tenants.ts';
import { cliContext, type AdminContext } from '../admin/context.ts';
import { useBreachedPasswordsFile } from '../directory/breached-passwords.ts';

export interface CommonOptions {
  data?: string;
  database?: string;
  config?: string;
  json?: boolean;
}

/** The options every command takes, so any command can point at any installation. */
export function withCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--data <dir>', 'data directory (default ./data)'))
    .addOption(new Option('--database <url>', '"sqlite" (default, under the data dir) or a postgres:// URL'))
    .addOption(new Option('--config <file>', 'configuration file (TOML or JSON)'));
}

/** Defaults, then the config file, then PETREL_* variables, then flags: later wins. */
export function buildConfig(options: CommonOptions): PetrelConfig {
  const config = defaultConfig();
  if (options.config) loadConfigFile(options.config, config);
  applyEnvironment(config, process.env);
  if (options.data) config.dataDir = resolve(options.data);
  if (options.database) config.database = options.database;
  return config;
}

/** Opens the store for a one-shot admin command and closes it afterwards, whatever happens. */
export async function withStore<T>(options: CommonOptions, run: (store: Store, config: PetrelConfig) => Promise<T>): Promise<T> {
  const config = buildConfig(options);
  const store = await openStore({ dataDir: config.dataDir, database: config.database });
  useBreachedPasswordsFile(config.security.breachedPasswordsFile);
  try {
    await ensureDefaultTenant(store.db);
    return await run(store, config);
  } finally {
    await store.close();
  }
}

/** Opens the store and runs an admin-service call as the CLI's actor (a super-admin, see admin/context.ts). */
export function withAdmin<T>(options: CommonOptions, run: (ctx: AdminContext, config: PetrelConfig) => Promise<T>): Promise<T> {
  return withStore(options, (store, config) => run(cliContext(store.db), config));
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table for humans; scripts use --json. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const row of cells) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
}

export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0';
  const units = ['B', 'K', 'M', 'G', 'T'];
  const i = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
  const value = bytes / 1024 ** i;
  return `${value >= 10 || i === 0 ? Math.round(value) : value.toFixed(1)}${units[i]}`;
}

/** Commander calls this for each repetition of a flag, so `--member a --member b` builds a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
