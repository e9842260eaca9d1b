// How a compose window is opened: the contract between the screens that start one (folder list,
// reading pane, keyboard shortcuts, a draft clicked in Drafts) and Compose.tsx, which loads what
// it needs (the original message, identities, signatures) itself.
import type { EmailAddress } from './types.ts';

export type ComposeStart =
  | { mode: 'new'; to?: EmailAddress[] }
  | { mode: 'reply' | 'replyAll' | 'forward'; accountId: string; emailId: string }
  | { mode: 'draft'; accountId: string; emailId: string };
