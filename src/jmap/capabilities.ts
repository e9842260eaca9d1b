/** Capability URNs this server implements (RFC 8620 §2, RFC 8621 §1.3). */
export const CORE = 'urn:ietf:params:jmap:core';
export const MAIL = 'urn:ietf:params:jmap:mail';
export const SUBMISSION = 'urn:ietf:params:jmap:submission';
export const VACATION = 'urn:ietf:params:jmap:vacationresponse';
/** RFC 9007 §3: MDN/send and MDN/parse. */
export const MDN = 'urn:ietf:params:jmap:mdn';

export const SUPPORTED_CAPABILITIES: ReadonlySet<string> = new Set([CORE, MAIL, SUBMISSION, VACATION, MDN]);

/** The limits the Session object announces and the server enforces (RFC 8620 §2 "urn:ietf:params:jmap:core"). */
export const CORE_LIMITS = {
  maxSizeUpload: 50 * 1024 * 1024,
  maxConcurrentUpload: 4,
  maxSizeRequest: 10 * 1024 * 1024,
  maxConcurrentRequests: 8,
  maxCallsInRequest: 32,
  maxObjectsInGet: 1000,
  maxObjectsInSet: 1000,
  collationAlgorithms: ['i;ascii-numeric', 'i;ascii-casemap', 'i;unicode-casemap'],
} as const;

/** Email/query sort properties we implement (RFC 8621 §4.4.2), announced in the account's mail capability. */
export const EMAIL_SORT_OPTIONS = ['receivedAt', 'sentAt', 'size', 'from', 'to', 'subject', 'hasKeyword'] as const;

/** What the account's urn:ietf:params:jmap:mail capability says (RFC 8621 §1.3.1). */
export const MAIL_ACCOUNT_CAPABILITY = {
  maxMailboxesPerEmail: null,
  maxMailboxDepth: null,
  maxSizeMailboxName: 255,
  maxSizeAttachmentsPerEmail: 50 * 1024 * 1024,
  emailQuerySortOptions: EMAIL_SORT_OPTIONS,
  mayCreateTopLevelMailbox: true,
};

/**
 * The account's urn:ietf:params:jmap:submission capability (RFC 8621 §1.3.2): no delayed send
 * (a submission is final as it is made), and the SMTP extensions an envelope may use.
 */
export const SUBMISSION_ACCOUNT_CAPABILITY = {
  maxDelayedSend: 0,
  submissionExtensions: {},
};
