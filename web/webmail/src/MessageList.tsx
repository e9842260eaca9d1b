import { senderName, shortDate } from './format.ts';
import type { EmailSummary } from './types.ts';

/** The selected folder's conversations, newest first; unread ones in bold. */
export function MessageList({ emails, selected, loading, folderName, onOpen }: { emails: EmailSummary[]; selected: string | null; loading: boolean; folderName: string; onOpen: (id: string) => void }) {
  return (
    <section class="messages" aria-labelledby="messages-title">
      <h2 id="messages-title" class="pane-title">
        {folderName}
      </h2>
      {emails.length === 0 ? (
        <p class="empty">{loading ? 'Loading…' : 'No messages here.'}</p>
      ) : (
        <ul class="message-list" aria-label={`Messages in ${folderName}`}>
          {emails.map((email) => {
            const unread = !email.keywords.$seen;
            const classes = ['message', unread ? 'unread' : '', email.id === selected ? 'current' : ''].filter(Boolean).join(' ');
            return (
              <li key={email.id}>
                <button type="button" class={classes} aria-current={email.id === selected ? 'true' : undefined} onClick={() => onOpen(email.id)}>
                  <span class="message-top">
                    <span class="from">
                      {unread && <span class="visually-hidden">Unread: </span>}
                      {senderName(email.from)}
                    </span>
                    <time dateTime={email.receivedAt}>{shortDate(email.receivedAt)}</time>
                  </span>
                  <span class="subject">{email.subject || '(no subject)'}</span>
                  <span class="preview">{email.preview}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
