// The reading pane's JMAP requests: a message's whole conversation in one round trip (RFC 8621
// §3.1 Thread/get between two Email/gets, chained by back-references, RFC 8620 §3.7), and the
// download of a part's blob, which needs the bearer token and so cannot be a plain link.
import type { Jmap } from './api.ts';
import type { EmailAddress } from './types.ts';

export interface ReaderPart {
  partId: string | null;
  blobId: string | null;
  size: number;
  name: string | null;
  type: string;
  disposition: string | null;
  cid: string | null;
}

export interface ReaderEmail {
  id: string;
  threadId: string;
  from: EmailAddress[] | null;
  to: EmailAddress[] | null;
  cc: EmailAddress[] | null;
  subject: string | null;
  preview: string;
  receivedAt: string;
  keywords: Record<string, true>;
  textBody: ReaderPart[];
  htmlBody: ReaderPart[];
  attachments: ReaderPart[];
  bodyValues: Record<string, { value: string; isTruncated: boolean }>;
}

const PROPERTIES = ['id', 'threadId', 'from', 'to', 'cc', 'subject', 'preview', 'receivedAt', 'keywords', 'textBody', 'htmlBody', 'attachments', 'bodyValues'];

/** The conversation of `emailId`, oldest first; just the message itself if its thread cannot be read. */
export async function loadConversation(jmap: Jmap, accountId: string, emailId: string): Promise<ReaderEmail[]> {
  const [, , got] = await jmap.request([
    ['Email/get', { accountId, ids: [emailId], properties: ['threadId'] }, 'e'],
    ['Thread/get', { accountId, '#ids': { resultOf: 'e', name: 'Email/get', path: '/list/*/threadId' } }, 't'],
    [
      'Email/get',
      { accountId, '#ids': { resultOf: 't', name: 'Thread/get', path: '/list/*/emailIds' }, properties: PROPERTIES, fetchTextBodyValues: true, fetchHTMLBodyValues: true },
      'g',
    ],
  ]);
  const list = got.list as ReaderEmail[];
  return list.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
}

/** The bytes of a blob, fetched with the bearer token (RFC 8620 §6.2 downloadUrl template). */
export async function downloadBlob(jmap: Jmap, accountId: string, part: Pick<ReaderPart, 'blobId' | 'name' | 'type'>): Promise<Blob> {
  const template = (jmap.session as unknown as { downloadUrl: string }).downloadUrl;
  const url = template
    .replace('{accountId}', encodeURIComponent(accountId))
    .replace('{blobId}', encodeURIComponent(part.blobId ?? ''))
    .replace('{name}', encodeURIComponent(part.name ?? 'download'))
    .replace('{type}', encodeURIComponent(part.type));
  const response = await fetch(url, { headers: { authorization: `Bearer ${jmap.token}` } });
  if (!response.ok) throw new Error(`The file could not be downloaded (HTTP ${response.status}).`);
  // The server answers the type asked for; the blob keeps it so previews know what they show.
  return new Blob([await response.arrayBuffer()], { type: part.type });
}
