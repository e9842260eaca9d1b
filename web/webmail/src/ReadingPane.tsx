import { addressList, bodyText, longDate, senderName } from './format.ts';
import type { EmailFull } from './types.ts';

/** The open message. Its body is shown as text only: nothing from a message is ever inserted as markup. */
export function ReadingPane({ email }: { email: EmailFull | null }) {
  if (!email) {
    return (
      <section class="reader empty-reader" aria-label="Reading pane">
        <p>Select a message to read it.</p>
      </section>
    );
  }
  const { text, fromHtml } = bodyText(email);
  return (
    <article class="reader" aria-labelledby="reader-subject">
      <header class="reader-header">
        <h2 id="reader-subject">{email.subject || '(no subject)'}</h2>
        <dl class="meta">
          <dt>From</dt>
          <dd>
            <span class="sender">{senderName(email.from)}</span> {email.from?.[0] && email.from[0].name ? <span class="address">&lt;{email.from[0].email}&gt;</span> : null}
          </dd>
          {email.to && email.to.length > 0 && (
            <>
              <dt>To</dt>
              <dd>{addressList(email.to)}</dd>
            </>
          )}
          {email.cc && email.cc.length > 0 && (
            <>
              <dt>Cc</dt>
              <dd>{addressList(email.cc)}</dd>
            </>
          )}
          <dt>Date</dt>
          <dd>
            <time dateTime={email.receivedAt}>{longDate(email.receivedAt)}</time>
          </dd>
        </dl>
      </header>
      {fromHtml && <p class="notice">This message was written in HTML; it is shown as plain text.</p>}
      <div class="body" data-testid="message-body">
        {text}
      </div>
    </article>
  );
}
