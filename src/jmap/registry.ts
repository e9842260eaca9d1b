import type { JmapContext } from './context.ts';
import type { JmapMethod, MethodRegistry } from './dispatcher.ts';
import { coreEcho } from './methods/core-echo.ts';
import { emailChanges } from './methods/email-changes.ts';
import { emailCopy } from './methods/email-copy.ts';
import { emailGet } from './methods/email-get.ts';
import { emailImport } from './methods/email-import.ts';
import { emailQuery, emailQueryChanges } from './methods/email-query.ts';
import { emailSet } from './methods/email-set.ts';
import { emailSubmissionChanges, emailSubmissionGet, emailSubmissionQuery, emailSubmissionQueryChanges, emailSubmissionSet } from './methods/email-submission.ts';
import { identityChanges, identityGet, identitySet } from './methods/identity.ts';
import { mailboxChanges } from './methods/mailbox-changes.ts';
import { mdnParse, mdnSend } from './methods/mdn.ts';
import { mailboxGet } from './methods/mailbox-get.ts';
import { mailboxQuery, mailboxQueryChanges } from './methods/mailbox-query.ts';
import { mailboxSet } from './methods/mailbox-set.ts';
import { searchSnippetGet } from './methods/search-snippet-get.ts';
import { threadChanges } from './methods/thread-changes.ts';
import { threadGet } from './methods/thread-get.ts';
import { vacationResponseGet, vacationResponseSet } from './methods/vacation-response.ts';

/** Every method this server answers, by its JMAP name. */
export const METHODS: MethodRegistry<JmapContext> = new Map<string, JmapMethod<JmapContext>>([
  ['Core/echo', coreEcho],
  ['Mailbox/get', mailboxGet],
  ['Mailbox/changes', mailboxChanges],
  ['Mailbox/query', mailboxQuery],
  ['Mailbox/queryChanges', mailboxQueryChanges],
  ['Mailbox/set', mailboxSet],
  ['Thread/get', threadGet],
  ['Thread/changes', threadChanges],
  ['Email/get', emailGet],
  ['Email/changes', emailChanges],
  ['Email/query', emailQuery],
  ['Email/queryChanges', emailQueryChanges],
  ['Email/set', emailSet],
  ['Email/import', emailImport],
  ['Email/copy', emailCopy],
  ['SearchSnippet/get', searchSnippetGet],
  ['Identity/get', identityGet],
  ['Identity/changes', identityChanges],
  ['Identity/set', identitySet],
  ['EmailSubmission/get', emailSubmissionGet],
  ['EmailSubmission/changes', emailSubmissionChanges],
  ['EmailSubmission/query', emailSubmissionQuery],
  ['EmailSubmission/queryChanges', emailSubmissionQueryChanges],
  ['EmailSubmission/set', emailSubmissionSet],
  ['VacationResponse/get', vacationResponseGet],
  ['VacationResponse/set', vacationResponseSet],
  ['MDN/send', mdnSend],
  ['MDN/parse', mdnParse],
]);
