import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { userAddresses } from './petrel-target.ts';
import { canConnect, freePort, mustRun, processTree, pssKb, startDaemon, waitUntil } from './processes.ts';
import type { Target } from './target.ts';

/**
 * The reference: a private Postfix (SMTP in, queue) handing mail over LMTP to a private Dovecot
 * (Maildir), the common open-source MX set-up. Both keep their default durability (Postfix fsyncs
 * the queue file before its 250, Dovecot fsyncs each delivered file), so like Petrel both are
 * durable. Everything lives in one temporary directory: no system config, no standard port, no
 * system service; only the SMTP listener is on TCP (127.0.0.1, a free high port), the LMTP hand-off
 * is a Unix socket inside the directory.
 */

const POSTFIX = '/usr/sbin/postfix';
const DOVECOT = '/usr/sbin/dovecot';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 20_000;

/** Why the reference cannot run here, or null when it can. */
export function referenceUnavailable(): string | null {
  if (!existsSync(POSTFIX) || !existsSync(DOVECOT)) return 'postfix/dovecot not installed';
  // Postfix's master must run as root (it binds, then drops to mail_owner); so must Dovecot's here.
  if (process.getuid?.() !== 0) return 'postfix and dovecot need root to start';
  return null;
}

interface SystemUser {
  uid: number;
  gid: number;
}

/** A passwd entry by name, read directly so this works without getent. */
function systemUser(name: string): SystemUser {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no system user "${name}" (the postfix and dovecot packages create it)`);
  const fields = line.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * Dovecot will not write mail as root, so the virtual mailboxes belong to the stock "mail" user,
 * the usual stand-in for a dedicated vmail account.
 */
function dovecotConfig(dir: string, mailUser: SystemUser): string {
  return `# Private Dovecot for bench/smtp-ingest: LMTP only, on a Unix socket Postfix's lmtp client talks to.
base_dir = ${dir}/dovecot/run
state_dir = ${dir}/dovecot/state
log_path = ${dir}/dovecot/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
postmaster_address = postmaster@bench.test
mail_location = maildir:~/Maildir
first_valid_uid = ${mailUser.uid}
# fsync settings left at their defaults (mail_fsync = optimized): a delivered mail is on disk.
passdb {
  driver = static
  args = password=unused
}
userdb {
  driver = static
  args = uid=${mailUser.uid} gid=${mailUser.gid} home=${dir}/mail/%n allow_all_users=yes
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
    user = postfix
  }
}
`;
}

function postfixMainCf(dir: string): string {
  const pf = `${dir}/postfix`;
  return `# Private Postfix for bench/smtp-ingest; everything not set here is Postfix's default.
compatibility_level = 3.6
queue_directory = ${pf}/queue
data_directory = ${pf}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = reference.bench.local
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
virtual_mailbox_domains = bench.test
# Known recipients, as an MX must reject unknown ones at RCPT; texthash needs no postmap.
virtual_mailbox_maps = texthash:${pf}/etc/vmailbox
virtual_transport = lmtp:unix:${dir}/dovecot/run/lmtp
alias_maps =
alias_database =
biff = no
# Outbound DNS is not needed (everything is local) and there is no network here.
smtp_dns_support_level = disabled
# No syslog daemon is assumed: postlogd writes the log into the directory.
maillog_file = ${pf}/maillog
maillog_file_prefixes = ${pf}
`;
}

/** Debian's stock master.cf minus chroot (the queue is not a ready chroot) and with smtpd on our port. */
function postfixMasterCf(port: number): string {
  return `# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;
}

function readPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'latin1').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie (an unreaped child of init still has a /proc entry). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

function lastLines(path: string, count: number): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-count).join(' / ');
  } catch {
    return `no ${path}`;
  }
}

export class ReferenceTarget implements Target {
  readonly name = 'postfix_dovecot';
  readonly storesBeforeAccept = false;
  readonly memoryNote = 'sum of PSS over all Postfix and Dovecot processes, sampled';
  port = 0;
  private readonly dir: string;
  private postfixStarted = false;
  private dovecotStarted = false;
  private serverPids: number[] = [];

  constructor(private readonly users: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'petrel-bench-ref-'));
    // Postfix's lmtp client and Dovecot's delivery run as unprivileged users and must get through.
    chmodSync(this.dir, 0o755);
  }

  private get dovecotConf(): string {
    return join(this.dir, 'dovecot/dovecot.conf');
  }

  private get postfixEtc(): string {
    return join(this.dir, 'postfix/etc');
  }

  async start(): Promise<void> {
    await this.startDovecot();
    await this.startPostfix();
    this.serverPids = [readPid(join(this.dir, 'postfix/queue/pid/master.pid')), readPid(join(this.dir, 'dovecot/run/master.pid'))].filter((p): p is number => p !== null);
  }

  private async startDovecot(): Promise<void> {
    const mailUser = systemUser('mail');
    mkdirSync(join(this.dir, 'dovecot'));
    const mailDir = join(this.dir, 'mail');
    mkdirSync(mailDir, { mode: 0o700 });
    chownSync(mailDir, mailUser.uid, mailUser.gid);
    writeFileSync(this.dovecotConf, dovecotConfig(this.dir, mailUser));
    this.dovecotStarted = true;
    await startDaemon(DOVECOT, ['-c', this.dovecotConf], join(this.dir, 'dovecot/start.log'));
    const socket = join(this.dir, 'dovecot/run/lmtp');
    if (!(await waitUntil(() => existsSync(socket), START_TIMEOUT_MS))) {
      throw new Error(`dovecot did not create ${socket}: ${lastLines(join(this.dir, 'dovecot/dovecot.log'), 3)}`);
    }
  }

  private async startPostfix(): Promise<void> {
    const pf = join(this.dir, 'postfix');
    mkdirSync(this.postfixEtc, { recursive: true });
    mkdirSync(join(pf, 'queue'));
    mkdirSync(join(pf, 'data'));
    // master.lock and the verify/scache databases are written as mail_owner.
    const owner = systemUser('postfix');
    chownSync(join(pf, 'data'), owner.uid, owner.gid);
    this.port = await freePort();
    writeFileSync(join(this.postfixEtc, 'main.cf'), postfixMainCf(this.dir));
    writeFileSync(join(this.postfixEtc, 'master.cf'), postfixMasterCf(this.port));
    writeFileSync(join(this.postfixEtc, 'vmailbox'), userAddresses(this.users).map((a) => `${a} OK\n`).join(''));
    this.postfixStarted = true;
    // Postfix reports problems to its log, not to a non-terminal stderr; so on failure, show the log.
    const started = await startDaemon(POSTFIX, ['-c', this.postfixEtc, 'start'], join(pf, 'start.log')).then(
      () => true,
      () => false,
    );
    if (!started || !(await waitUntil(() => canConnect('127.0.0.1', this.port), START_TIMEOUT_MS, 200))) {
      throw new Error(`postfix did not start: ${lastLines(join(pf, 'maillog'), 3)}`);
    }
  }

  cpuSeconds(): null {
    return null;
  }

  mainThreadCpuSeconds(): null {
    return null;
  }

  memoryKb(): number {
    return processTree(this.serverPids).reduce((sum, pid) => sum + pssKb(pid), 0);
  }

  /** Files in new/ and cur/ are delivered mail (Dovecot writes into tmp/ and renames when done). */
  async countStored(): Promise<number> {
    let total = 0;
    for (let i = 1; i <= this.users; i++) {
      for (const sub of ['new', 'cur']) {
        try {
          total += readdirSync(join(this.dir, 'mail', `user${i}`, 'Maildir', sub)).length;
        } catch {
          // No mail for this user yet: Dovecot creates the Maildir on first delivery.
        }
      }
    }
    return total;
  }

  async stop(keep: boolean): Promise<void> {
    const pids = processTree(this.serverPids);
    if (this.postfixStarted) await mustRun(POSTFIX, ['-c', this.postfixEtc, 'stop']).catch((err: Error) => process.stderr.write(`reference: ${err.message}\n`));
    if (this.dovecotStarted) await mustRun(DOVECOT, ['-c', this.dovecotConf, 'stop']).catch((err: Error) => process.stderr.write(`reference: ${err.message}\n`));
    // Both stop commands return before every child has exited; wait, then make sure.
    if (!(await waitUntil(() => !pids.some(isRunning), STOP_TIMEOUT_MS, 100))) {
      for (const pid of pids.filter(isRunning)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone between the check and the kill.
        }
      }
    }
    if (keep) process.stderr.write(`reference: kept ${this.dir} (postfix/maillog, dovecot/dovecot.log, mail/)\n`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}
