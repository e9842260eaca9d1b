import { Command } from 'commander';

import { cliContext } from '../../admin/context.ts';
import { createToken, listTokens, revokeToken } from '../../admin/tokens.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { collect, type CommonOptions, printJson, printTable, withCommonOptions, withStore } from '../context.ts';


export function tokenCommand(): Command {
  const token = new Command('token').description('admin API tokens');
  withCommonOptions(token.command('create').description('make an API token; the secret is printed once and cannot be shown again'))
    .requiredOption('--login <login>', 'the user the token acts as (its role limits what the token may do)')
    .requiredOption('--name <name>', 'a name to tell the token apart, e.g. ci')
    .option('--scope <scope>', 'a scope the token has (repeatable): directory:read, directory:write, audit:read, tenants:write', collect, [])
    .option('--expires <time>', 'expiry date or time, e.g. 2027-01-01 (default: never)')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { login: string; name: string; scope: string[]; expires?: string }) =>
      withStore(options, async (store) => {
        const made = await createToken(cliContext(store.db), { login: options.login, name: options.name, scopes: options.scope, expiresAt: options.expires ?? null });
        if (options.json) return printJson({ token: made.token, ...made.info });
        process.stdout.write(`${made.token}\n`);
        process.stderr.write(`token ${made.info.id} (${made.info.name}) for ${made.info.owner}: ${made.info.scopes.join(' ')}; keep it secret, it is not shown again\n`);
      }),
    );
  withCommonOptions(token.command('list').description('list API tokens (all, or one user\'s)'))
    .option('--login <login>', 'only this user\'s tokens')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { login?: string }) =>
      withStore(options, async (store) => {
        const tokens = await listTokens(cliContext(store.db), { login: options.login });
        if (options.json) return printJson(tokens);
        printTable(
          ['ID', 'OWNER', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'EXPIRES'],
          tokens.map((t) => [t.id, t.owner ?? `#${t.principalId}`, t.name, t.scopes.join(' '), t.createdAt, t.lastUsedAt ?? '-', t.expiresAt ?? 'never']),
        );
      }),
    );
  withCommonOptions(token.command('revoke <id>').description('revoke a token at once'))
    .action((id: string, options: CommonOptions) =>
      withStore(options, async (store) => {
        if (!/^\d+$/.test(id)) throw new DirectoryError('invalid', `not a token id: ${id}`, 'id');
        await revokeToken(cliContext(store.db), Number(id));
        process.stdout.write(`revoked token ${id}\n`);
      }),
    );
  return token;
}
