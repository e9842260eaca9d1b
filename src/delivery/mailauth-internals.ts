import { createRequire } from 'node:module';

/**
 * The formatting helpers mailauth builds its header fields with, taken from mailauth's own copy
 * (it ships its own libmime, older than ours, whose folding could differ), so that a header
 * assembled here is byte for byte the one mailauth would have written.
 */
const mailauthRequire = createRequire(createRequire(import.meta.url).resolve('mailauth'));

interface MailauthTools {
  formatAuthHeaderRow(method: string, status: object): string;
  escapeCommentValue(value: string): string;
}

export const { formatAuthHeaderRow, escapeCommentValue } = mailauthRequire('./tools.js') as MailauthTools;
export const { foldLines } = mailauthRequire('libmime') as { foldLines(text: string, lineLength: number): string };
