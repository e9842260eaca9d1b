// The JMAP objects the webmail shows (RFC 8621), with only the properties it asks for.

export interface EmailAddress {
  name: string | null;
  email: string;
}

/** One account of the JMAP session (RFC 8620 §2): the user's own, or a shared mailbox such as support@. */
export interface Account {
  id: string;
  name: string;
  isPersonal: boolean;
  isReadOnly: boolean;
}

export interface Mailbox {
  id: string;
  name: string;
  parentId: string | null;
  role: string | null;
  sortOrder: number;
  totalEmails: number;
  unreadEmails: number;
}

export interface EmailSummary {
  id: string;
  threadId: string;
  mailboxIds: Record<string, true>;
  from: EmailAddress[] | null;
  subject: string | null;
  preview: string;
  receivedAt: string;
  keywords: Record<string, true>;
  hasAttachment: boolean;
}

/** A row of the conversation list: the newest email of a thread and the thread's emails in the same view. */
export interface Conversation {
  email: EmailSummary;
  /** The thread's emails that the row stands for (those in the folder shown), newest last. */
  emailIds: string[];
  /** The mailboxes of each of emailIds, to move them and to undo the move. */
  mailboxIdsOf: Record<string, Record<string, true>>;
  unread: boolean;
  flagged: boolean;
  /** Every keyword carried by one of emailIds. */
  keywords: Set<string>;
}

export interface BodyPart {
  partId: string | null;
  type: string;
}

export interface EmailFull extends EmailSummary {
  to: EmailAddress[] | null;
  cc: EmailAddress[] | null;
  textBody: BodyPart[];
  bodyValues: Record<string, { value: string; isTruncated: boolean }>;
}
