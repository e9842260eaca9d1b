// The settings page's requests: the vacation notice (RFC 8621 §8) and identities (RFC 8621 §6)
// over JMAP, which need their own capabilities in "using", and the organisation's signature as it
// is rendered for this user (GET /api/v1/me/signature).
import { SignedOut, type Invocation, type Jmap } from './api.ts';

const CORE = 'urn:ietf:params:jmap:core';
const SUBMISSION = 'urn:ietf:params:jmap:submission';
const VACATION = 'urn:ietf:params:jmap:vacationresponse';

export interface Vacation {
  isEnabled: boolean;
  fromDate: string | null;
  toDate: string | null;
  subject: string | null;
  textBody: string | null;
}

export interface Identity {
  id: string;
  name: string;
  email: string;
  textSignature: string;
  htmlSignature: string;
}

export interface Signature {
  text: string;
  html: string;
}

async function call(jmap: Jmap, capability: string, calls: Invocation[]): Promise<Record<string, unknown>[]> {
  const response = await fetch(jmap.session.apiUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${jmap.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ using: [CORE, capability], methodCalls: calls }),
  });
  if (response.status === 401) throw new SignedOut('session expired');
  if (!response.ok) throw new Error(`The server refused the request (HTTP ${response.status}).`);
  const { methodResponses } = (await response.json()) as { methodResponses: Invocation[] };
  return methodResponses.map(([name, args]) => {
    if (name === 'error') throw new Error(`The server refused the request: ${String(args.description ?? args.type)}`);
    return args;
  });
}

function accountFor(jmap: Jmap, capability: string): string {
  return jmap.session.primaryAccounts[capability] ?? jmap.accountId;
}

/** A /set's refusal of the one object it was given, in words. */
function refused(set: Record<string, unknown>, id: string): void {
  const notUpdated = set.notUpdated as Record<string, { type: string; description?: string }> | null | undefined;
  const failure = notUpdated?.[id];
  if (failure) throw new Error(`Not saved: ${failure.description ?? failure.type}.`);
}

export async function loadVacation(jmap: Jmap): Promise<Vacation> {
  const [got] = await call(jmap, VACATION, [['VacationResponse/get', { accountId: accountFor(jmap, VACATION), ids: ['singleton'] }, 'v']]);
  return (got.list as Vacation[])[0];
}

export async function saveVacation(jmap: Jmap, vacation: Vacation): Promise<void> {
  const [set] = await call(jmap, VACATION, [['VacationResponse/set', { accountId: accountFor(jmap, VACATION), update: { singleton: vacation } }, 's']]);
  refused(set, 'singleton');
}

export async function loadIdentities(jmap: Jmap): Promise<Identity[]> {
  const [got] = await call(jmap, SUBMISSION, [['Identity/get', { accountId: accountFor(jmap, SUBMISSION), properties: ['id', 'name', 'email', 'textSignature', 'htmlSignature'] }, 'i']]);
  return got.list as Identity[];
}

export async function saveSignature(jmap: Jmap, identity: Identity): Promise<void> {
  const update = { [identity.id]: { textSignature: identity.textSignature, htmlSignature: identity.htmlSignature } };
  const [set] = await call(jmap, SUBMISSION, [['Identity/set', { accountId: accountFor(jmap, SUBMISSION), update }, 's']]);
  refused(set, identity.id);
}

export async function loadOrganisationSignature(jmap: Jmap): Promise<Signature> {
  const response = await fetch('/api/v1/me/signature', { headers: { authorization: `Bearer ${jmap.token}` } });
  if (response.status === 401) throw new SignedOut('session expired');
  if (!response.ok) throw new Error(`The organisation signature could not be read (HTTP ${response.status}).`);
  return (await response.json()) as Signature;
}
