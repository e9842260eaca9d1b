import { createHash } from 'node:crypto';

import { accountIdOf } from './account-ids.ts';
import type { JmapPrincipal } from './auth.ts';
import { CORE, CORE_LIMITS, MAIL, MAIL_ACCOUNT_CAPABILITY } from './capabilities.ts';

/** Where the JMAP resources live, under the URL the client reached us at. */
export const API_PATH = '/jmap/api';
export const DOWNLOAD_PATH = '/jmap/download';
export const UPLOAD_PATH = '/jmap/upload';
export const EVENT_SOURCE_PATH = '/jmap/eventsource';

/**
 * The Session object (RFC 8620 §2): what the server can do, the accounts the principal may use
 * (its own, for now) and the URL templates of the other resources. `state` changes whenever any
 * of that does, so a client knows to fetch it again.
 */
export function sessionResource(principal: JmapPrincipal, origin: string): Record<string, unknown> {
  const accountId = accountIdOf(principal.id);
  const body = {
    capabilities: { [CORE]: CORE_LIMITS, [MAIL]: {} },
    accounts: {
      [accountId]: {
        name: principal.username,
        isPersonal: true,
        isReadOnly: false,
        accountCapabilities: { [CORE]: {}, [MAIL]: MAIL_ACCOUNT_CAPABILITY },
      },
    },
    primaryAccounts: { [CORE]: accountId, [MAIL]: accountId },
    username: principal.username,
    apiUrl: `${origin}${API_PATH}`,
    downloadUrl: `${origin}${DOWNLOAD_PATH}/{accountId}/{blobId}/{name}?type={type}`,
    uploadUrl: `${origin}${UPLOAD_PATH}/{accountId}/`,
    eventSourceUrl: `${origin}${EVENT_SOURCE_PATH}/?types={types}&closeafter={closeafter}&ping={ping}`,
  };
  return { ...body, state: createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16) };
}
