import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** An SMTP refusal carrying its reply code and RFC 3463 enhanced status, e.g. 550 5.7.1. */
export class SmtpReply extends Error {
  readonly responseCode: number;

  constructor(code: number, enhanced: string, text: string) {
    super(`${enhanced} ${text}`);
    this.responseCode = code;
  }
}

const ENHANCED_PREFIX = /^[245]\.\d{1,3}\.\d{1,3} /;

type Send = (code: number, data: unknown, context?: unknown) => void;

/**
 * smtp-server adds an enhanced status code chosen from the reply code alone (550 → 5.1.1), which
 * would mislabel a DMARC rejection (5.7.1) or a quota refusal (5.2.2). Replies whose text already
 * starts with an enhanced code are sent as written; every other reply keeps the library's choice.
 */
export function installEnhancedCodePassThrough(): void {
  const proto = SMTPConnection.prototype as unknown as { send: Send; __petrelPatched?: boolean };
  if (proto.__petrelPatched) return;
  const original = proto.send;
  proto.send = function send(this: unknown, code: number, data: unknown, context?: unknown) {
    if (typeof data === 'string' && ENHANCED_PREFIX.test(data)) return original.call(this, code, data, false);
    return original.call(this, code, data, context);
  };
  proto.__petrelPatched = true;
}
