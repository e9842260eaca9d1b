import { ENABLEABLE } from '../capabilities.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** RFC 5161: reports only what it newly enabled; QRESYNC implies CONDSTORE (RFC 7162 §3.2.3). */
export const enable: Handler<CommandOf<'ENABLE'>> = async (session, command) => {
  const newly: string[] = [];
  for (const name of command.capabilities) {
    const upper = name.toUpperCase();
    if (!ENABLEABLE.has(upper) || session.enabled.has(upper)) continue;
    session.enabled.add(upper);
    newly.push(upper === 'IMAP4REV2' ? 'IMAP4rev2' : upper);
    if (upper === 'QRESYNC' && !session.enabled.has('CONDSTORE')) session.enabled.add('CONDSTORE');
  }
  session.send(['ENABLED', ...newly]);
  return { status: 'OK', text: 'ENABLE completed' };
};
