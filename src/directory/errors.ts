export type DirectoryErrorCode = 'invalid' | 'not_found' | 'conflict' | 'limit';

/** A refused directory operation; the CLI prints the message, the admin API maps the code to HTTP. */
export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
