import { Command } from 'commander';

import {
  createUserAppPassword,
  getPasswordPolicy,
  getTotpStatus,
  listUserAppPasswords,
  listUserSessions,
  resetTotp,
  revokeUserAppPassword,
  revokeUserSessions,
  setPasswordPolicy,
  type PasswordPolicy,
} from '../../admin/security.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { printJson, printTable, withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';

function wholeNumber(text: string, field: string): number {
  if (!/^\d+$/.test(text.trim())) throw new DirectoryError('invalid', `${field}: not a whole number: ${text}`, field);
  return Number(text);
}

function onOff(text: string, field: string): boolean {
  const value = text.trim().toLowerCase();
  if (['on', 'yes', 'true', '1'].includes(value)) return true;
  if (['off', 'no', 'false', '0'].includes(value)) return false;
  throw new DirectoryError('invalid', `${field}: say on or off, not ${text}`, field);
}

function printPolicy(policy: PasswordPolicy & { tenant: string }): void {
  process.stdout.write(
    `tenant ${policy.tenant}: at least ${policy.minLength} characters; ${policy.maxAgeDays ? `expires after ${policy.maxAgeDays} days` : 'never expires'}; breached-password check ${policy.breachedCheck ? 'on' : 'off'}\n`,
  );
}

export function policyCommand(): Command {
  const policy = new Command('policy').description('a tenant\'s password policy');
  withCommonOptions(policy.command('show').description('show the password policy'))
    .option('--tenant <tenant>', 'tenant (default: the default tenant)')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { tenant?: string }) =>
      withAdmin(options, async (ctx) => {
        const shown = await getPasswordPolicy(ctx, { tenant: options.tenant });
        if (options.json) return printJson(shown);
        printPolicy(shown);
      }),
    );
  withCommonOptions(policy.command('set').description('change the password policy (applies to passwords set from now on; expiry at once)'))
    .option('--tenant <tenant>', 'tenant (default: the default tenant)')
    .option('--min-length <n>', 'minimum length, 8 or more')
    .option('--max-age-days <n>', 'days until a password must be changed; 0 = never')
    .option('--breached <on|off>', 'refuse passwords on the list named by security.breached_passwords_file')
    .option('--json', 'JSON output')
    .action((options: CommonOptions & { tenant?: string; minLength?: string; maxAgeDays?: string; breached?: string }) =>
      withAdmin(options, async (ctx) => {
        const changed = await setPasswordPolicy(ctx, {
          tenant: options.tenant,
          minLength: options.minLength === undefined ? undefined : wholeNumber(options.minLength, 'minLength'),
          maxAgeDays: options.maxAgeDays === undefined ? undefined : wholeNumber(options.maxAgeDays, 'maxAgeDays'),
          breachedCheck: options.breached === undefined ? undefined : onOff(options.breached, 'breachedCheck'),
        });
        if (options.json) return printJson(changed);
        printPolicy(changed);
      }),
    );
  return policy;
}

export function appPasswordCommand(): Command {
  const app = new Command('app-password').description('passwords for mail and DAV clients, each limited to chosen protocols');
  withCommonOptions(app.command('add <user>').description('make an app password; it is printed once and cannot be shown again'))
    .requiredOption('--protocols <list>', 'where it works: imap, pop3, smtp, dav, jmap (comma-separated)')
    .option('--name <name>', 'what it is for, e.g. phone', 'app password')
    .option('--json', 'JSON output')
    .action((user: string, options: CommonOptions & { protocols: string; name: string }) =>
      withAdmin(options, async (ctx) => {
        const made = await createUserAppPassword(ctx, { user, name: options.name, protocols: options.protocols });
        if (options.json) return printJson(made);
        process.stdout.write(`${made.password}\n`);
        process.stderr.write(`app password ${made.id} (${made.name}) for ${user}: ${made.protocols.join(' ')}; it is not shown again\n`);
      }),
    );
  withCommonOptions(app.command('list <user>').description('list a user\'s app passwords (never the secrets)'))
    .option('--json', 'JSON output')
    .action((user: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const list = await listUserAppPasswords(ctx, { user });
        if (options.json) return printJson(list);
        printTable(['ID', 'NAME', 'PROTOCOLS', 'CREATED', 'LAST USED'], list.map((a) => [a.id, a.name, a.protocols.join(' '), a.createdAt, a.lastUsedAt ?? '-']));
      }),
    );
  withCommonOptions(app.command('revoke <user> <id>').description('revoke an app password at once')).action((user: string, id: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      await revokeUserAppPassword(ctx, { user, id: wholeNumber(id, 'id') });
      process.stdout.write(`revoked app password ${id} of ${user}\n`);
    }),
  );
  return app;
}

export function totpCommand(): Command {
  const totp = new Command('totp').description('a user\'s two-factor authentication (TOTP)');
  withCommonOptions(totp.command('status <user>').description('whether TOTP is on, and how many recovery codes are left'))
    .option('--json', 'JSON output')
    .action((user: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const status = await getTotpStatus(ctx, { user });
        if (options.json) return printJson(status);
        process.stdout.write(
          status.enabled
            ? `${status.address}: TOTP on since ${status.confirmedAt}, ${status.recoveryCodesLeft} recovery codes left\n`
            : `${status.address}: TOTP off${status.pending ? ' (enrolment started, not confirmed)' : ''}\n`,
        );
      }),
    );
  withCommonOptions(totp.command('reset <user>').description('turn TOTP off for a user who lost the device, and end their web sessions')).action((user: string, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      const reset = await resetTotp(ctx, { user });
      process.stdout.write(`${reset.wasEnabled ? 'TOTP turned off' : 'TOTP was not on'} for ${reset.address}; ${reset.sessionsEnded} web sessions ended\n`);
    }),
  );
  return totp;
}

export function sessionCommand(): Command {
  const session = new Command('session').description('a user\'s signed-in browsers (webmail, admin console)');
  withCommonOptions(session.command('list <user>').description('list a user\'s live web sessions'))
    .option('--json', 'JSON output')
    .action((user: string, options: CommonOptions) =>
      withAdmin(options, async (ctx) => {
        const list = await listUserSessions(ctx, { user });
        if (options.json) return printJson(list);
        printTable(['ID', 'FROM', 'SIGNED IN', 'LAST SEEN', 'ENDS', 'BROWSER'], list.map((s) => [s.id, s.remoteAddress ?? '-', s.createdAt, s.lastSeenAt, s.expiresAt, s.userAgent ?? '-']));
      }),
    );
  withCommonOptions(session.command('revoke <user> [id]').description('end one session, or all of the user\'s sessions without an id')).action((user: string, id: string | undefined, options: CommonOptions) =>
    withAdmin(options, async (ctx) => {
      const done = await revokeUserSessions(ctx, { user, id: id === undefined ? undefined : wholeNumber(id, 'id') });
      process.stdout.write(id === undefined ? `ended ${done.revoked} sessions of ${done.address}\n` : `ended session ${id} of ${done.address}\n`);
    }),
  );
  return session;
}
