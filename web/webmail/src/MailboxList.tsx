import { FOLDER_NAMES } from './format.ts';
import type { Label } from './labels.ts';
import type { Account, Mailbox } from './types.ts';

interface Props {
  accounts: Account[];
  mailboxes: Record<string, Mailbox[]>;
  /** The view shown: an account's folder, or a label of it. */
  accountId: string;
  mailboxId: string | null;
  label: string | null;
  labels: Label[];
  /** The account whose conversation is being dragged, if one is: its folders take the drop. */
  dragFrom: string | null;
  onSelect: (accountId: string, mailboxId: string) => void;
  onSelectLabel: (keyword: string) => void;
  onDrop: (accountId: string, mailboxId: string) => void;
}

export function folderName(mailbox: Mailbox): string {
  return (mailbox.role && FOLDER_NAMES[mailbox.role]) || mailbox.name;
}

/** Folders in tree order: the usual ones first (by sortOrder), each followed by its subfolders. */
export function treeOrder(mailboxes: Mailbox[]): { mailbox: Mailbox; depth: number }[] {
  const children = new Map<string | null, Mailbox[]>();
  const ids = new Set(mailboxes.map((m) => m.id));
  for (const mailbox of mailboxes) {
    const parent = mailbox.parentId && ids.has(mailbox.parentId) ? mailbox.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), mailbox]);
  }
  const out: { mailbox: Mailbox; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) => a.sortOrder - b.sortOrder || a.name.localeCompare(b.name));
    for (const mailbox of list) {
      out.push({ mailbox, depth });
      walk(mailbox.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** Each account's folders (the user's own, then shared mailboxes such as support@) with unread counts, then the labels. */
export function MailboxList({ accounts, mailboxes, accountId, mailboxId, label, labels, dragFrom, onSelect, onSelectLabel, onDrop }: Props) {
  return (
    <nav class="folders" aria-label="Folders">
      {accounts.map((account) => {
        const headingId = `account-${account.id}`;
        return (
          <div key={account.id} class="account" role="group" aria-labelledby={headingId}>
            <h2 id={headingId} class="account-name">
              {account.isPersonal ? 'My mail' : account.name}
              {!account.isPersonal && <span class="visually-hidden"> (shared)</span>}
            </h2>
            <ul>
              {treeOrder(mailboxes[account.id] ?? []).map(({ mailbox, depth }) => {
                const name = folderName(mailbox);
                const current = account.id === accountId && mailbox.id === mailboxId && label === null;
                const droppable = dragFrom === account.id && !current;
                return (
                  <li key={mailbox.id}>
                    <button
                      type="button"
                      class={current ? 'folder current' : 'folder'}
                      style={depth > 0 ? { paddingLeft: `${12 + depth * 14}px` } : undefined}
                      aria-current={current ? 'true' : undefined}
                      aria-label={mailbox.unreadEmails > 0 ? `${name}, ${mailbox.unreadEmails} unread` : name}
                      onClick={() => onSelect(account.id, mailbox.id)}
                      onDragOver={(event) => {
                        if (!droppable) return;
                        event.preventDefault();
                        event.currentTarget.classList.add('drop-target');
                      }}
                      onDragLeave={(event) => event.currentTarget.classList.remove('drop-target')}
                      onDrop={(event) => {
                        event.currentTarget.classList.remove('drop-target');
                        if (!droppable) return;
                        event.preventDefault();
                        onDrop(account.id, mailbox.id);
                      }}
                    >
                      <span class="folder-name">{name}</span>
                      {mailbox.unreadEmails > 0 && (
                        <span class="count" data-testid="unread-count" aria-hidden="true">
                          {mailbox.unreadEmails}
                        </span>
                      )}
                    </button>
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
      {labels.length > 0 && (
        <div class="account" role="group" aria-labelledby="labels-heading">
          <h2 id="labels-heading" class="account-name">
            Labels
          </h2>
          <ul>
            {labels.map((l) => (
              <li key={l.keyword}>
                <button type="button" class={label === l.keyword ? 'folder current' : 'folder'} aria-current={label === l.keyword ? 'true' : undefined} aria-label={`Label ${l.name}`} onClick={() => onSelectLabel(l.keyword)}>
                  <span class="folder-name">
                    <span class="dot" style={{ background: l.colour }} aria-hidden="true" />
                    {l.name}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </nav>
  );
}
