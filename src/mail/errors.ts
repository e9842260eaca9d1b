/**
 * `special_use_taken`: another mailbox of the account already has that special use (RFC 6154 allows one each).
 * `no_permission`: the mailbox is shared with the caller without the right this needs (RFC 4314).
 */
export type MailErrorCode = 'over_quota' | 'not_found' | 'exists' | 'invalid' | 'too_large' | 'special_use_taken' | 'no_permission';

/** A refused mail-core operation; protocols map the code to their own reply (e.g. NO [OVERQUOTA], 452 4.2.2). */
export class MailError extends Error {
  constructor(
    readonly code: MailErrorCode,
    message: string,
  ) {
    super(message);
  }
}
