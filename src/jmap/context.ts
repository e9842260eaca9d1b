import type { SubmissionService } from '../delivery/submission.ts';
import type { ChangeBus } from '../events/change-bus.ts';
import type { LoginThrottle } from '../directory/login-throttle.ts';
import type { MailStore } from '../mail/mail-store.ts';
import type { Store } from '../store/database.ts';
import type { JmapPrincipal } from './auth.ts';

/** What the JMAP server runs on: the same store, mail core and change bus as IMAP. */
export interface JmapServices {
  store: Store;
  mail: MailStore;
  changes: ChangeBus;
  throttle: LoginThrottle;
  /** EmailSubmission sends through the same path as SMTP submission (RFC 8621 §7). */
  submission: SubmissionService;
  log: (line: string) => void;
}

/** The `Session` every method of one API request sees (see dispatcher.ts). */
export interface JmapContext {
  services: JmapServices;
  principal: JmapPrincipal;
}
