export type MailErrorCode = 'over_quota' | 'not_found' | 'exists' | 'invalid' | 'too_large';

/** A refused mail-core operation; protocols map the code to their own reply (e.g. NO [OVERQUOTA], 452 4.2.2). */
export class MailError extends Error {
  constructor(
    readonly code: MailErrorCode,
    message: string,
  ) {
    super(message);
  }
}
