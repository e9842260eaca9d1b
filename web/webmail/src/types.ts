// The JMAP objects the webmail shows (RFC 8621), with only the properties it asks for.

export interface EmailAddress {
  name: string | null;
  email: string;
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
  from: EmailAddress[] | null;
  subject: string | null;
  preview: string;
  receivedAt: string;
  keywords: Record<string, true>;
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
