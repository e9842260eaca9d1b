import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * The database schema as Kysely table types: the one description of every table both dialects
 * share. Times are milliseconds since the epoch; booleans are 0/1 integers (SQLite has no bool).
 */
export interface Database {
  settings: SettingsTable;
  tenants: TenantsTable;
  domains: DomainsTable;
  dkim_keys: DkimKeysTable;
  org_units: OrgUnitsTable;
  principals: PrincipalsTable;
  addresses: AddressesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  group_unit_members: GroupUnitMembersTable;
  group_senders: GroupSendersTable;
  blobs: BlobsTable;
  mailboxes: MailboxesTable;
  subscriptions: SubscriptionsTable;
  messages: MessagesTable;
  mailbox_entries: MailboxEntriesTable;
  expunged_entries: ExpungedEntriesTable;
  changes: ChangesTable;
  thread_refs: ThreadRefsTable;
  queue_messages: QueueMessagesTable;
  queue_recipients: QueueRecipientsTable;
  audit_log: AuditLogTable;
  account_lockouts: AccountLockoutsTable;
  admin_domains: AdminDomainsTable;
  web_sessions: WebSessionsTable;
  qr_logins: QrLoginsTable;
  totp: TotpTable;
  recovery_codes: RecoveryCodesTable;
  app_passwords: AppPasswordsTable;
  mailbox_acl: MailboxAclTable;
  send_rights: SendRightsTable;
  api_tokens: ApiTokensTable;
  jmap_uploads: JmapUploadsTable;
  jmap_identities: JmapIdentitiesTable;
  jmap_submissions: JmapSubmissionsTable;
  vacation_responses: VacationResponsesTable;
  vacation_replies: VacationRepliesTable;
  traffic_stats: TrafficStatsTable;
  signature_templates: SignatureTemplatesTable;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface TenantsTable {
  id: Generated<number>;
  name: string;
  /** 0 means no limit. Enforced by the directory on create and by delivery on storage. */
  max_users: number;
  max_domains: number;
  max_storage: number;
  created_at: number;
  /** Password policy (directory/password-policy.ts): minimum length, days until a password expires (0 never), check against the breached-password list (0/1). */
  password_min_length: Generated<number>;
  password_max_age_days: Generated<number>;
  password_breached_check: Generated<number>;
  display_name: ColumnType<string, string | undefined, string>;
}

export interface DomainsTable {
  id: Generated<number>;
  tenant_id: number;
  name: string;
  /** Principal that receives mail for unknown local parts of this domain. */
  catch_all_principal_id: number | null;
  created_at: number;
  /** Set on an alias domain: the domain (never itself an alias) whose every address is also at this one. */
  alias_of_domain_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** Quota in bytes a new user of this domain gets when none is given; 0 means unlimited. */
  default_quota_bytes: Generated<number>;
}

export interface DkimKeysTable {
  id: Generated<number>;
  domain_id: number;
  selector: string;
  algorithm: string;
  private_key: string;
  /** Base64 of the DER SubjectPublicKeyInfo, as published in the p= tag. */
  public_key: string;
  /** Only active keys sign; an old key stays published until rotation completes. */
  active: number;
  created_at: number;
  /** A published key that is not signing yet starts to at this time (rotation grace); null: only when activated. */
  activate_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** A superseded key stays published until this time, so mail signed with it still verifies. */
  retire_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface OrgUnitsTable {
  id: Generated<number>;
  tenant_id: number;
  parent_id: number | null;
  name: string;
  /** Full path from the top, `/`-separated (`Engineering/Backend`); unique per tenant ignoring case. Kept by directory/org-units.ts. */
  path: string;
}

export type PrincipalKind = 'user' | 'shared' | 'group' | 'resource';
export type PrincipalRole = 'user' | 'domain-admin' | 'tenant-admin' | 'super-admin';

export interface PrincipalsTable {
  id: Generated<number>;
  tenant_id: number;
  kind: PrincipalKind;
  /** What the principal logs in with: the primary address for users, `admin` for the first super-admin. */
  login: string | null;
  display_name: string;
  password_hash: string | null;
  role: PrincipalRole;
  org_unit_id: number | null;
  /** Bytes; 0 means unlimited. */
  quota_bytes: number;
  used_bytes: number;
  /** Account-wide change counter: every mailbox, entry and flag change takes the next value. */
  modseq: number;
  /** Last UIDVALIDITY given to one of the account's mailboxes; the next is always higher. */
  last_uidvalidity: Generated<number>;
  disabled: number;
  created_at: number;
  /** When the password was last set; 0 when not known (expiry then counts from created_at). */
  password_changed_at: Generated<number>;
  /** Global address list attributes (directory/gal.ts); the department is the org unit. */
  title: Generated<string>;
  phone: Generated<string>;
  /** 1: left out of the global address list (still receives mail). */
  hidden_from_gal: Generated<number>;
}

export interface AddressesTable {
  /** Full address, lower-cased. */
  address: string;
  domain_id: number;
  principal_id: number;
  is_primary: number;
}

export type GroupSendPolicy = 'anyone' | 'members' | 'organisation' | 'listed';

/** One row per principal of kind 'group'. */
export interface GroupsTable {
  principal_id: number;
  /** Who may send to the group: see directory/groups.ts. */
  send_policy: GroupSendPolicy;
}

/** A member is a user or another group (nesting); cycles are refused when a member is added. */
export interface GroupMembersTable {
  group_id: number;
  member_id: number;
}

/** Dynamic group membership: every user currently in the unit (and, with include_subunits, its subtree). */
export interface GroupUnitMembersTable {
  group_id: number;
  unit_id: number;
  include_subunits: number;
}

/** Senders allowed under the 'listed' policy, lower-cased full addresses. */
export interface GroupSendersTable {
  group_id: number;
  address: string;
}

export interface BlobsTable {
  /** SHA-256 of the content, hex. */
  hash: string;
  size: number;
  refcount: number;
  /** Content when blobs live in the database (PostgreSQL scale-out); null when on disk. */
  data: Uint8Array | null;
  created_at: number;
}

export interface MailboxesTable {
  id: Generated<number>;
  account_id: number;
  /** Full hierarchical name with `/` as separator, e.g. `Projects/2026`. */
  name: string;
  special_use: string | null;
  uidvalidity: number;
  uidnext: number;
  /** Highest modseq of any change to this mailbox's entries, for CONDSTORE and STATUS. */
  highest_modseq: number;
  /** First UID not yet claimed as \Recent by a session that selected the mailbox (IMAP4rev1). */
  recent_uid: Generated<number>;
  created_at: number;
}

/** IMAP subscriptions: names, which need not exist as mailboxes (RFC 9051 §6.3.7). */
export interface SubscriptionsTable {
  account_id: number;
  name: string;
}

export interface MessagesTable {
  id: Generated<number>;
  account_id: number;
  blob_hash: string;
  size: number;
  /** When we received it: IMAP INTERNALDATE and JMAP receivedAt. */
  received_at: number;
  /** The Date: header, null if missing or unparsable. */
  sent_at: number | null;
  subject: string;
  base_subject: string;
  from_addr: string;
  to_addr: string;
  message_id: string | null;
  thread_id: number;
  has_attachment: number;
  preview: string;
  /** JSON of the IMAP envelope and body structure, computed once at delivery. */
  envelope: string;
  body_structure: string;
  header_size: number;
  /** RFC 5256 parent chain (References, else In-Reply-To), space-separated; null on rows from before schema 2. */
  refs: string | null;
}

export interface MailboxEntriesTable {
  mailbox_id: number;
  uid: number;
  message_id: number;
  account_id: number;
  modseq: number;
  /** Bit set of system flags, see mail/flags.ts. */
  flags: number;
  /** Space-separated IMAP keywords / JMAP keywords other than the system flags. */
  keywords: string;
}

export interface ExpungedEntriesTable {
  mailbox_id: number;
  uid: number;
  modseq: number;
}

export type ChangeType = 'Mailbox' | 'Email' | 'Thread';

export interface ChangesTable {
  account_id: number;
  modseq: number;
  type: ChangeType;
  object_id: number;
  /** 1 created, 2 updated, 3 destroyed (JMAP /changes needs to tell them apart). */
  op: number;
}

/** A blob uploaded over JMAP (RFC 8620 §6.1): the uploader's until it expires, holding one blob reference. */
export interface JmapUploadsTable {
  account_id: number;
  blob_hash: string;
  size: number;
  created_at: number;
}

export interface ThreadRefsTable {
  account_id: number;
  /** A Message-ID (without <>) that belongs to the thread. */
  ref: string;
  thread_id: number;
}

export interface QueueMessagesTable {
  id: Generated<number>;
  tenant_id: number | null;
  principal_id: number | null;
  /** Envelope sender; empty for bounces, which must never bounce again. */
  sender: string;
  blob_hash: string;
  size: number;
  envelope_id: string | null;
  ret: string | null;
  created_at: number;
  expires_at: number;
}

export type QueueStatus = 'pending' | 'sent' | 'failed';

export interface QueueRecipientsTable {
  id: Generated<number>;
  queue_message_id: number;
  recipient: string;
  domain: string;
  orcpt: string | null;
  notify: string | null;
  status: QueueStatus;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_error: string | null;
  remote_mta: string | null;
  delay_notified: number;
  /** Claimed by a worker until this time, so that several nodes never send the same recipient twice. */
  locked_until: number;
  locked_by: string | null;
}

/** One admin action or login: who (actor), what (action, target, details), when (at), from where. */
export interface AuditLogTable {
  id: Generated<number>;
  /** Null when no organisation is known, e.g. a failed login with an unknown name. */
  tenant_id: number | null;
  at: number;
  /** A login name, or `cli:<os user>` for the admin CLI. */
  actor: string;
  /** Dotted, noun first: `login.success`, `login.failure`, `user.add`, `domain.remove`, ... */
  action: string;
  target: string | null;
  remote_address: string | null;
  protocol: string | null;
  /** A JSON object; never a password. */
  details: string;
}

/** Consecutive failed logins of one account and its lockout state (see directory/account-lockout.ts). */
export interface AccountLockoutsTable {
  principal_id: number;
  /** Failures since first_failure_at, reset when a lockout starts. */
  failures: number;
  first_failure_at: number;
  /** Lockouts since the last success; each one doubles the next. */
  lockouts: number;
  /** Milliseconds since the epoch; 0 when not locked. */
  locked_until: number;
}

/** RFC 4314 rights of one principal on another's mailbox; the owner's own rights are implicit. */
export interface MailboxAclTable {
  mailbox_id: number;
  grantee_id: number;
  /** Rights letters in RFC 4314 order, e.g. `lrswipkxte`. */
  rights: string;
}

export type SendRightKind = 'send-as' | 'send-on-behalf';

/** Who may use a principal's address as From: as it (send-as) or with Sender: themselves (send-on-behalf). */
export interface SendRightsTable {
  /** The shared mailbox or user whose address is used. */
  principal_id: number;
  grantee_id: number;
  kind: SendRightKind;
}

/** A signed-in browser (webmail, admin console); only the SHA-256 of the token is stored. */
export interface WebSessionsTable {
  id: Generated<number>;
  principal_id: number;
  token_hash: string;
  created_at: number;
  last_seen_at: number;
  remote_address: string | null;
  user_agent: string | null;
}

/** A desktop's sign-in by QR code, waiting for a signed-in device to approve it (directory/qr-logins.ts). */
export interface QrLoginsTable {
  id: string;
  secret_hash: string;
  code: string;
  /** pending, approved (the desktop may collect its session), used, denied. */
  status: string;
  created_at: number;
  expires_at: number;
  remote_address: string | null;
  user_agent: string | null;
  approver_id: number | null;
  decided_at: number | null;
  wrong_codes: Generated<number>;
}

/** A principal's TOTP secret (RFC 6238); it is a second factor only once confirmed with a first code. */
export interface TotpTable {
  principal_id: number;
  /** Base32, as in the otpauth:// URI. */
  secret: string;
  created_at: number;
  confirmed_at: number | null;
  /** The last time step a code was accepted for; a code of that step or earlier is not accepted again. */
  last_step: Generated<number>;
}

/** Single-use recovery codes for a lost TOTP device; SHA-256 of the normalised code. */
export interface RecoveryCodesTable {
  id: Generated<number>;
  principal_id: number;
  code_hash: string;
  used_at: number | null;
}

/** Passwords for mail and DAV clients, each limited to the protocols listed (space-separated). */
export interface AppPasswordsTable {
  id: Generated<number>;
  principal_id: number;
  name: string;
  /** Argon2id. */
  hash: string;
  protocols: string;
  created_at: number;
  last_used_at: number | null;
}

/** The domains a principal with role 'domain-admin' administers (aliases of them included). */
export interface AdminDomainsTable {
  principal_id: number;
  domain_id: number;
}

/** An admin API token (see directory/api-tokens.ts); the secret itself is never stored. */
export interface ApiTokensTable {
  id: Generated<number>;
  principal_id: number;
  name: string;
  /** SHA-256 of the secret, hex. */
  token_hash: string;
  /** Space-separated scopes (admin/context.ts SCOPES). */
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  /** Milliseconds since the epoch; null never expires. */
  expires_at: number | null;
}

export type Tenant = Selectable<TenantsTable>;
export type Domain = Selectable<DomainsTable>;
export type Principal = Selectable<PrincipalsTable>;
export type Mailbox = Selectable<MailboxesTable>;
export type MessageRow = Selectable<MessagesTable>;
export type MailboxEntry = Selectable<MailboxEntriesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type QueueRecipient = Selectable<QueueRecipientsTable>;
export type QueueMessage = Selectable<QueueMessagesTable>;

/** An identity the user created, or one derived from an address that they edited (RFC 8621 §6). */
export interface JmapIdentitiesTable {
  account_id: number;
  identity_id: string;
  email: string;
  name: Generated<string>;
  /** JSON EmailAddress[] or null. */
  reply_to: string | null;
  bcc: string | null;
  text_signature: Generated<string>;
  html_signature: Generated<string>;
  /** 1 for an identity created with Identity/set (may be destroyed), 0 for an edited derived one. */
  extra: Generated<number>;
}

/** An EmailSubmission (RFC 8621 §7); `seq` orders the account's creations and destroys for /changes. */
export interface JmapSubmissionsTable {
  id: Generated<number>;
  account_id: number;
  identity_id: string;
  email_id: string;
  thread_id: string;
  /** JSON Envelope. */
  envelope: string;
  send_at: number;
  /** JSON map of recipient address -> DeliveryStatus at submission time. */
  delivery_status: string;
  created_seq: number;
  seq: number;
  destroyed: Generated<number>;
}

/** The account's VacationResponse (RFC 8621 §8); dates in ms since the epoch. */
export interface VacationResponsesTable {
  account_id: number;
  is_enabled: number;
  from_date: number | null;
  to_date: number | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
  seq: number;
}

/** When the last vacation reply went to a sender (RFC 3834 §2). */
export interface VacationRepliesTable {
  account_id: number;
  sender: string;
  sent_at: number;
}

/** Messages received from outside and submitted by users, per tenant and hour (hour: ms since the epoch, a whole UTC hour). */
export interface TrafficStatsTable {
  tenant_id: number;
  hour: number;
  received: Generated<number>;
  sent: Generated<number>;
}

/** A tenant's organisation-wide signature template, with {{placeholders}} (directory/signature-templates.ts). */
export interface SignatureTemplatesTable {
  tenant_id: number;
  text_template: string;
  html_template: string;
  updated_at: number;
}
