import { HIERARCHY_SEPARATOR } from '../../mail/mailboxes.ts';
import { SHARED_ROOT } from '../../mail/shared-access.ts';
import type { CommandOf } from '../proto/types.ts';
import type { Handler } from './index.ts';

/**
 * RFC 2342: the personal namespace, no "other users" namespace, and the shared one, where
 * mailboxes others share with the user appear as `Shared/<owner address>/<folder>`.
 */
export const namespace: Handler<CommandOf<'NAMESPACE'>> = async (session) => {
  session.send([
    'NAMESPACE',
    [[{ quoted: '' }, { quoted: HIERARCHY_SEPARATOR }]],
    null,
    [[{ quoted: `${SHARED_ROOT}${HIERARCHY_SEPARATOR}` }, { quoted: HIERARCHY_SEPARATOR }]],
  ]);
  return { status: 'OK', text: 'NAMESPACE completed' };
};
