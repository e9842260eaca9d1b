import { Command, CommanderError } from 'commander';

import { ConfigError } from '../config/config.ts';
import { DirectoryError } from '../directory/errors.ts';
import { MailError } from '../mail/errors.ts';
import { adminCommand } from './commands/admin.ts';
import { auditCommand } from './commands/audit.ts';
import { domainCommand, dnsCommand } from './commands/domain.ts';
import { groupCommand } from './commands/group.ts';
import { mailCommand } from './commands/mail.ts';
import { queueCommand } from './commands/queue.ts';
import { searchIndexCommand } from './commands/search-index.ts';
import { serveCommand } from './commands/serve.ts';
import { tenantCommand } from './commands/tenant.ts';
import { sharedCommand } from './commands/shared.ts';
import { tokenCommand } from './commands/token.ts';
import { aliasCommand, userCommand } from './commands/user.ts';
import { unitCommand } from './commands/unit.ts';
import { quotaCommand } from './commands/quota.ts';
import { galCommand } from './commands/gal.ts';
import { signatureCommand } from './commands/signature.ts';
import { appPasswordCommand, policyCommand, sessionCommand, totpCommand } from './commands/security.ts';

const program = new Command('petrel')
  .description('Petrel mail and collaboration server')
  .version('0.1.0')
  .exitOverride()
  .addCommand(serveCommand())
  .addCommand(tenantCommand())
  .addCommand(adminCommand())
  .addCommand(domainCommand())
  .addCommand(userCommand())
  .addCommand(aliasCommand())
  .addCommand(groupCommand())
  .addCommand(sharedCommand())
  .addCommand(dnsCommand())
  .addCommand(queueCommand())
  .addCommand(mailCommand())
  .addCommand(auditCommand())
  .addCommand(tokenCommand())
  .addCommand(unitCommand())
  .addCommand(quotaCommand())
  .addCommand(searchIndexCommand())
  .addCommand(galCommand())
  .addCommand(signatureCommand())
  .addCommand(policyCommand())
  .addCommand(appPasswordCommand())
  .addCommand(totpCommand())
  .addCommand(sessionCommand());

for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) command.exitOverride();

/** Expected failures are one line and exit 1; only a bug shows a stack, and only with PETREL_DEBUG. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof DirectoryError || err instanceof MailError || err instanceof ConfigError) {
    process.stderr.write(`petrel: ${err.message}\n`);
    return 1;
  }
  const error = err as NodeJS.ErrnoException;
  process.stderr.write(`petrel: ${error.code === 'EADDRINUSE' ? `a port is already in use: ${error.message}` : error.message}\n`);
  if (process.env.PETREL_DEBUG) process.stderr.write(`${error.stack}\n`);
  return 1;
}

// `petrel user list | head`: the reader has gone, so there is nobody left to tell; stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err);
}
