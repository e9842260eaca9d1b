import { Command, Option } from 'commander';

import { ConfigError, parseHostPort, type PetrelConfig } from '../../config/config.ts';
import { buildConfig, withCommonOptions, type CommonOptions } from '../context.ts';

interface ServeOptions extends CommonOptions {
  hostname?: string;
  listen?: string;
  smarthost?: string;
  [port: string]: string | boolean | undefined;
}

const PORT_FLAGS: [keyof PetrelConfig['ports'], string][] = [
  ['smtp', 'MX (SMTP) port'],
  ['submission', 'submission port with STARTTLS'],
  ['submissions', 'submission port with implicit TLS'],
  ['lmtp', 'LMTP port for an MTA in front'],
  ['imap', 'IMAP port'],
  ['imaps', 'IMAP implicit-TLS port'],
  ['pop3', 'POP3 port'],
  ['pop3s', 'POP3 implicit-TLS port'],
  ['http', 'HTTP port'],
];

function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--${flag}-port must be a port number (0 turns the listener off)`);
  return port;
}

export function serveCommand(): Command {
  const command = withCommonOptions(new Command('serve').description('run the mail server (every listener, one process)'))
    .option('--hostname <name>', 'the name this server greets with and signs as')
    .option('--listen <address>', 'address to listen on (default 0.0.0.0)')
    .option('--smarthost <host:port>', 'relay all outbound mail through this host; user:pass@host:port for AUTH');
  for (const [name, description] of PORT_FLAGS) command.addOption(new Option(`--${name}-port <port>`, `${description}; 0 = off`));
  return command.action(async (options: ServeOptions) => {
    const config = buildConfig(options);
    if (options.hostname) config.hostname = options.hostname;
    if (options.listen) config.listen = options.listen;
    for (const [name] of PORT_FLAGS) {
      const value = options[`${name}Port`];
      if (typeof value === 'string') config.ports[name] = parsePort(value, name);
    }
    if (options.smarthost) {
      const match = /^(?:([^:@]+):([^@]*)@)?(.+)$/.exec(options.smarthost);
      const { host, port } = parseHostPort(match?.[3] ?? options.smarthost, 25);
      config.outbound.smarthost = { host, port, user: match?.[1] ?? null, pass: match?.[2] ?? null };
    }
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    // Loaded here so that admin commands do not pay for every protocol module at start-up.
    const { startServer } = await import('../../server/server.ts');
    const server = await startServer(config, log);
    const where = config.database === 'sqlite' ? `SQLite in ${config.dataDir}` : 'PostgreSQL';
    process.stdout.write(`petrel: ${config.hostname}, data: ${where}\n`);
    for (const listener of server.listeners) process.stdout.write(`petrel: ${listener.name.padEnd(12)} listening on ${listener.address}\n`);
    const http = server.listeners.find((l) => l.name === 'http');
    if (http) {
      // Where a person opens the web UIs: on this machine when listening on every address.
      const port = http.address.slice(http.address.lastIndexOf(':') + 1);
      const host = ['0.0.0.0', '::'].includes(config.listen) ? 'localhost' : config.listen.includes(':') ? `[${config.listen}]` : config.listen;
      process.stdout.write(`petrel: webmail at http://${host}:${port}/mail/, admin console at http://${host}:${port}/admin/\n`);
    }
    if (server.firstAdmin) {
      process.stdout.write(`petrel: first start: created the administrator login "${server.firstAdmin.login}" with password "${server.firstAdmin.password}" (shown only now)\n`);
    }
    process.stdout.write('petrel ready\n');
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`petrel: ${signal}, stopping`);
      server.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          log(`petrel: error while stopping: ${(err as Error).message}`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });
}
