import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';

import type { Jmap } from './api.ts';
import { Attachments } from './Attachments.tsx';
import type { ComposeStart } from './compose-types.ts';
import { addressList, longDate, senderName, shortDate } from './format.ts';
import { HtmlBody, TextBody } from './MessageBody.tsx';
import { downloadBlob, loadConversation, type ReaderEmail, type ReaderPart } from './reader-requests.ts';
import './reader.css';
import { mentionsCid } from './sanitize.ts';

function bodyOf(email: ReaderEmail, parts: ReaderPart[]): string {
  return parts.map((part) => (part.partId ? (email.bodyValues[part.partId]?.value ?? '') : '')).join('\n\n');
}

/** The HTML to show, if the message has an HTML body (RFC 8621 §4.1.4: htmlBody falls back to text parts). */
function htmlOf(email: ReaderEmail): string | null {
  return email.htmlBody.some((part) => part.type === 'text/html') ? bodyOf(email, email.htmlBody.filter((p) => p.type === 'text/html')) : null;
}

/** Downloads the inline images an HTML body refers to by cid: and hands out their blob: URLs while shown. */
function useInlineImages(jmap: Jmap, accountId: string, email: ReaderEmail, html: string | null): ReadonlyMap<string, string> {
  const [urls, setUrls] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    const wanted = html === null ? [] : email.attachments.filter((p) => p.cid && p.blobId && mentionsCid(html, p.cid));
    if (wanted.length === 0) return;
    let live = true;
    let made: string[] = [];
    void Promise.all(wanted.map(async (part) => [part.cid!, await downloadBlob(jmap, accountId, part)] as const))
      .then((blobs) => {
        if (!live) return;
        made = blobs.map(([, blob]) => URL.createObjectURL(blob));
        setUrls(new Map(blobs.map(([cid], i) => [cid, made[i]])));
      })
      // An inline image that cannot be fetched is left out, as a broken one would be.
      .catch(() => undefined);
    return () => {
      live = false;
      made.forEach((url) => URL.revokeObjectURL(url));
    };
  }, [jmap, accountId, email, html]);
  return urls;
}

function Message({ jmap, accountId, email, onCompose }: { jmap: Jmap; accountId: string; email: ReaderEmail; onCompose: (start: ComposeStart) => void }) {
  const html = useMemo(() => htmlOf(email), [email]);
  const inline = useInlineImages(jmap, accountId, email, html);
  const [allowRemote, setAllowRemote] = useState(false);
  const [blocked, setBlocked] = useState(false);
  const onBlocked = useCallback((value: boolean) => setBlocked(value), []);
  const attachments = email.attachments.filter((p) => !(html !== null && p.cid && mentionsCid(html, p.cid)));
  const from = email.from?.[0];
  const compose = (mode: 'reply' | 'replyAll' | 'forward') => onCompose({ mode, accountId, emailId: email.id });

  return (
    <div class="message-view">
      <header class="message-header">
        <dl class="meta">
          <dt>From</dt>
          <dd>
            <span class="sender">{senderName(email.from)}</span> {from?.name ? <span class="address">&lt;{from.email}&gt;</span> : null}
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
        <div class="message-actions" role="group" aria-label="Respond">
          <button type="button" class="ghost" onClick={() => compose('reply')}>
            Reply
          </button>
          <button type="button" class="ghost" onClick={() => compose('replyAll')}>
            Reply all
          </button>
          <button type="button" class="ghost" onClick={() => compose('forward')}>
            Forward
          </button>
        </div>
      </header>
      {blocked && !allowRemote && (
        <div class="remote-bar" role="region" aria-label="Remote images">
          <span>Remote images are hidden to protect your privacy.</span>
          <button type="button" class="ghost" onClick={() => setAllowRemote(true)}>
            Show images
          </button>
        </div>
      )}
      {html !== null ? <HtmlBody html={html} inline={inline} allowRemote={allowRemote} onBlocked={onBlocked} /> : <TextBody text={bodyOf(email, email.textBody).trim()} />}
      <Attachments jmap={jmap} accountId={accountId} parts={attachments} />
    </div>
  );
}

/** The open conversation: every message of the thread, the selected one open, older ones one line each. */
export function ReadingPane({ jmap, accountId, emailId, onCompose }: { jmap: Jmap; accountId: string; emailId: string | null; onCompose: (start: ComposeStart) => void }) {
  const [conversation, setConversation] = useState<ReaderEmail[] | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setConversation(null);
    setError(null);
    if (!emailId) return;
    let live = true;
    loadConversation(jmap, accountId, emailId).then(
      (list) => {
        if (!live) return;
        setConversation(list);
        setExpanded(new Set([emailId]));
      },
      (err: unknown) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [jmap, accountId, emailId]);

  if (!emailId) {
    return (
      <section class="reader empty-reader" aria-label="Reading pane">
        <p>Select a message to read it.</p>
      </section>
    );
  }
  if (error || !conversation) {
    return (
      <section class="reader" aria-label="Reading pane" aria-busy={!error}>
        {error ? (
          <p class="error" role="alert">
            This message could not be opened: {error}
          </p>
        ) : (
          <p class="empty">Loading…</p>
        )}
      </section>
    );
  }
  if (conversation.length === 0) {
    return (
      <section class="reader empty-reader" aria-label="Reading pane">
        <p>This message is no longer there; it may have been deleted or moved.</p>
      </section>
    );
  }
  const selected = conversation.find((e) => e.id === emailId) ?? conversation[conversation.length - 1];
  const toggle = (id: string) =>
    setExpanded((set) => {
      const next = new Set(set);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <article class="reader" aria-labelledby="reader-subject">
      <h2 id="reader-subject" class="reader-subject">
        {selected.subject || '(no subject)'}
      </h2>
      {conversation.length > 1 && <p class="thread-count">{conversation.length} messages in this conversation</p>}
      <ol class="conversation" aria-label="Conversation">
        {conversation.map((email) => {
          const open = expanded.has(email.id);
          return (
            <li key={email.id} class={open ? 'conversation-item open' : 'conversation-item'}>
              {conversation.length > 1 && (
                <button type="button" class="message-summary" aria-expanded={open} onClick={() => toggle(email.id)}>
                  <span class="summary-from">{senderName(email.from)}</span>
                  <span class="summary-preview">{open ? '' : email.preview}</span>
                  <time dateTime={email.receivedAt}>{shortDate(email.receivedAt)}</time>
                </button>
              )}
              {open && <Message jmap={jmap} accountId={accountId} email={email} onCompose={onCompose} />}
            </li>
          );
        })}
      </ol>
    </article>
  );
}
