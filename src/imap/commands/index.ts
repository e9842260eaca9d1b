import type { Command, CommandName, CommandOf } from '../proto/types.ts';
import type { ImapSession, SessionState } from '../session.ts';
import { acl } from './acl.ts';
import { append } from './append.ts';
import { authenticate } from './authenticate.ts';
import { capability } from './capability.ts';
import { close, unselect } from './close.ts';
import { compress } from './compress.ts';
import { copy } from './copy.ts';
import { create } from './create.ts';
import { deleteMailbox } from './delete.ts';
import { enable } from './enable.ts';
import { expunge } from './expunge.ts';
import { fetch } from './fetch.ts';
import { id } from './id.ts';
import { idle } from './idle.ts';
import { list, lsub } from './list.ts';
import { login } from './login.ts';
import { logout } from './logout.ts';
import { namespace } from './namespace.ts';
import { noop } from './noop.ts';
import { quota } from './quota.ts';
import { rename } from './rename.ts';
import { search } from './search.ts';
import { select } from './select.ts';
import { sort } from './sort.ts';
import { starttls } from './starttls.ts';
import { status } from './status.ts';
import { store } from './store.ts';
import { subscribe } from './subscribe.ts';
import { thread } from './thread.ts';

/**
 * How a command ended. The session sends the tagged reply after reporting pending mailbox
 * changes; `IDLE` means the command answers later by itself.
 */
export interface Completion {
  status: 'OK' | 'NO' | 'BAD' | 'IDLE';
  text: string;
  /** Response code without brackets, e.g. `TRYCREATE` or `APPENDUID 38505 3955`. */
  code?: string;
  /** False when the command must not be followed by unsolicited updates (e.g. right after SELECT's own report). */
  sync?: boolean;
  /** Runs after the tagged reply is written: STARTTLS and COMPRESS switch the stream there. */
  after?: () => Promise<void> | void;
}

export type Handler<C extends Command> = (session: ImapSession, command: C, tag: string) => Promise<Completion>;

export interface CommandSpec<C extends Command> {
  states: SessionState[];
  run: Handler<C>;
}

type Registry = { [N in CommandName]: CommandSpec<CommandOf<N>> };

const ANY: SessionState[] = ['notauth', 'auth', 'selected'];
const NOT_AUTH: SessionState[] = ['notauth'];
const AUTH: SessionState[] = ['auth', 'selected'];
const SELECTED: SessionState[] = ['selected'];

export const COMMANDS: Registry = {
  CAPABILITY: { states: ANY, run: capability },
  NOOP: { states: ANY, run: noop },
  LOGOUT: { states: ANY, run: logout },
  ID: { states: ANY, run: id },
  STARTTLS: { states: NOT_AUTH, run: starttls },
  LOGIN: { states: NOT_AUTH, run: login },
  AUTHENTICATE: { states: NOT_AUTH, run: authenticate },
  ENABLE: { states: AUTH, run: enable },
  NAMESPACE: { states: AUTH, run: namespace },
  SELECT: { states: AUTH, run: select },
  EXAMINE: { states: AUTH, run: select },
  CREATE: { states: AUTH, run: create },
  DELETE: { states: AUTH, run: deleteMailbox },
  RENAME: { states: AUTH, run: rename },
  SUBSCRIBE: { states: AUTH, run: subscribe },
  UNSUBSCRIBE: { states: AUTH, run: subscribe },
  LIST: { states: AUTH, run: list },
  LSUB: { states: AUTH, run: lsub },
  XLIST: { states: AUTH, run: lsub },
  STATUS: { states: AUTH, run: status },
  APPEND: { states: AUTH, run: append },
  IDLE: { states: AUTH, run: idle },
  COMPRESS: { states: AUTH, run: compress },
  GETQUOTA: { states: AUTH, run: quota },
  GETQUOTAROOT: { states: AUTH, run: quota },
  SETQUOTA: { states: AUTH, run: quota },
  GETACL: { states: AUTH, run: acl },
  SETACL: { states: AUTH, run: acl },
  DELETEACL: { states: AUTH, run: acl },
  LISTRIGHTS: { states: AUTH, run: acl },
  MYRIGHTS: { states: AUTH, run: acl },
  CHECK: { states: SELECTED, run: noop },
  CLOSE: { states: SELECTED, run: close },
  UNSELECT: { states: SELECTED, run: unselect },
  EXPUNGE: { states: SELECTED, run: expunge },
  SEARCH: { states: SELECTED, run: search },
  FETCH: { states: SELECTED, run: fetch },
  STORE: { states: SELECTED, run: store },
  COPY: { states: SELECTED, run: copy },
  MOVE: { states: SELECTED, run: copy },
  SORT: { states: SELECTED, run: sort },
  THREAD: { states: SELECTED, run: thread },
};
