import { FOLDER_NAMES } from './format.ts';
import type { Mailbox } from './types.ts';

/** The folders, the usual ones first (by sortOrder), each with its unread count. */
export function MailboxList({ mailboxes, selected, onSelect }: { mailboxes: Mailbox[]; selected: string | null; onSelect: (id: string) => void }) {
  const sorted = [...mailboxes].sort((a, b) => a.sortOrder - b.sortOrder || a.name.localeCompare(b.name));
  return (
    <nav class="folders" aria-label="Folders">
      <ul>
        {sorted.map((mailbox) => {
          const name = (mailbox.role && FOLDER_NAMES[mailbox.role]) || mailbox.name;
          const current = mailbox.id === selected;
          return (
            <li key={mailbox.id}>
              <button
                type="button"
                class={current ? 'folder current' : 'folder'}
                aria-current={current ? 'true' : undefined}
                aria-label={mailbox.unreadEmails > 0 ? `${name}, ${mailbox.unreadEmails} unread` : name}
                onClick={() => onSelect(mailbox.id)}
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
    </nav>
  );
}
