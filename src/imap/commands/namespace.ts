import { HIERARCHY_SEPARATOR } from '../../mail/mailboxes.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/** RFC 2342: one personal namespace; shared mailboxes will get the shared one. */
export const namespace: Handler<CommandOf<'NAMESPACE'>> = async (session) => {
  session.send(['NAMESPACE', [[{ quoted: '' }, { quoted: HIERARCHY_SEPARATOR }]], null, null]);
  return { status: 'OK', text: 'NAMESPACE completed' };
};
