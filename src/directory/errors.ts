/** `forbidden`: the actor may see the object but not do this to it (HTTP 403); objects of another tenant are `not_found`. */
export type DirectoryErrorCode = 'invalid' | 'not_found' | 'conflict' | 'limit' | 'forbidden';

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
