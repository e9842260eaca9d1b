import { createHash } from 'node:crypto';

import type { SharedAccount } from './account-access.ts';
import { accountIdOf } from './account-ids.ts';
import type { JmapPrincipal } from './auth.ts';
import { CORE, CORE_LIMITS, MAIL, MAIL_ACCOUNT_CAPABILITY, MDN, SUBMISSION, SUBMISSION_ACCOUNT_CAPABILITY, VACATION } from './capabilities.ts';

/** Where the JMAP resources live, under the URL the client reached us at. */
export const API_PATH = '/jmap/api';
export const DOWNLOAD_PATH = '/jmap/download';
export const UPLOAD_PATH = '/jmap/upload';
export const EVENT_SOURCE_PATH = '/jmap/eventsource';
export const WEBSOCKET_PATH = '/jmap/ws';

/** RFC 8887 §4: JMAP over WebSocket, with push (WebSocketPushEnable). */
export const WEBSOCKET = 'urn:ietf:params:jmap:websocket';

/**
 * The Session object (RFC 8620 §2): what the server can do, the accounts the principal may use
 * (its own, and every one that shares a mailbox with it, RFC 8620 §1.6.2) and the URL templates
 * of the other resources. `state` changes whenever any of that does, so a client knows to fetch
 * it again.
 */
export function sessionResource(principal: JmapPrincipal, origin: string, shared: readonly SharedAccount[] = []): Record<string, unknown> {
  const accountId = accountIdOf(principal.id);
  const body = {
    capabilities: {
      [CORE]: CORE_LIMITS,
      [MAIL]: {},
      [SUBMISSION]: {},
      [VACATION]: {},
      [MDN]: {},
      [WEBSOCKET]: { url: `${origin.replace(/^http/, 'ws')}${WEBSOCKET_PATH}`, supportsPush: true },
    },
    accounts: {
      [accountId]: {
        name: principal.username,
        isPersonal: true,
        isReadOnly: false,
        accountCapabilities: { [CORE]: {}, [MAIL]: MAIL_ACCOUNT_CAPABILITY, [SUBMISSION]: SUBMISSION_ACCOUNT_CAPABILITY, [VACATION]: {}, [MDN]: {} },
      },
      // Shared accounts offer mail only (identities, submission, vacation and MDN are personal);
      // new mailboxes there go inside shared ones (needs k).
      ...Object.fromEntries(
        shared.map((a) => [
          accountIdOf(a.accountId),
          { name: a.name, isPersonal: false, isReadOnly: a.isReadOnly, accountCapabilities: { [CORE]: {}, [MAIL]: { ...MAIL_ACCOUNT_CAPABILITY, mayCreateTopLevelMailbox: false } } },
        ]),
      ),
    },
    primaryAccounts: { [CORE]: accountId, [MAIL]: accountId, [SUBMISSION]: accountId, [VACATION]: accountId, [MDN]: accountId },
    username: principal.username,
    apiUrl: `${origin}${API_PATH}`,
    downloadUrl: `${origin}${DOWNLOAD_PATH}/{accountId}/{blobId}/{name}?type={type}`,
    uploadUrl: `${origin}${UPLOAD_PATH}/{accountId}/`,
    eventSourceUrl: `${origin}${EVENT_SOURCE_PATH}/?types={types}&closeafter={closeafter}&ping={ping}`,
  };
  return { ...body, state: createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16) };
}
