import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

import { SignedOut, type Jmap } from './api.ts';
import { FOLDER_NAMES } from './format.ts';
import { loadMailboxes, loadMessage, loadMessages, markRead } from './mail-requests.ts';
import { MailboxList } from './MailboxList.tsx';
import { MessageList } from './MessageList.tsx';
import { watchChanges } from './push.ts';
import { ReadingPane } from './ReadingPane.tsx';
import type { EmailFull, EmailSummary, Mailbox } from './types.ts';

/** The main view: folders, the selected folder's messages and the open message, kept live by push. */
export function Mail({ jmap, onSignOut, onExpired }: { jmap: Jmap; onSignOut: () => void; onExpired: () => void }) {
  const [mailboxes, setMailboxes] = useState<Mailbox[]>([]);
  const [mailboxId, setMailboxId] = useState<string | null>(null);
  const [emails, setEmails] = useState<EmailSummary[]>([]);
  const [loading, setLoading] = useState(true);
  const [open, setOpen] = useState<EmailFull | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const known = useRef<Set<string> | null>(null);
  const current = useRef<string | null>(null);
  current.current = mailboxId;

  const fail = useCallback(
    (err: unknown) => {
      if (err instanceof SignedOut) onExpired();
      else setError(err instanceof Error ? err.message : String(err));
    },
    [onExpired],
  );

  const refreshList = useCallback(
    async (id: string) => {
      const list = await loadMessages(jmap, id);
      if (current.current !== id) return;
      // Announce arrivals to screen readers, but not the first load of a folder.
      if (known.current) {
        const fresh = list.filter((e) => !known.current!.has(e.id) && !e.keywords.$seen).length;
        if (fresh > 0) setStatus(fresh === 1 ? '1 new message' : `${fresh} new messages`);
      }
      known.current = new Set(list.map((e) => e.id));
      setEmails(list);
      setLoading(false);
    },
    [jmap],
  );

  const refreshAll = useCallback(async () => {
    const boxes = await loadMailboxes(jmap);
    setMailboxes(boxes);
    const id = current.current ?? boxes.find((m) => m.role === 'inbox')?.id ?? boxes[0]?.id ?? null;
    if (id !== current.current) setMailboxId(id);
    else if (id) await refreshList(id);
  }, [jmap, refreshList]);

  useEffect(() => {
    refreshAll().catch(fail);
  }, [refreshAll, fail]);

  useEffect(() => {
    if (!mailboxId) return;
    known.current = null;
    setLoading(true);
    setEmails([]);
    refreshList(mailboxId).catch(fail);
  }, [mailboxId, refreshList, fail]);

  // Push: any change of the account (a delivery, another client) refreshes the counts and the list.
  useEffect(() => {
    const stop = new AbortController();
    void watchChanges(jmap.session.eventSourceUrl, jmap.token, () => void refreshAll().catch(fail), stop.signal);
    return () => stop.abort();
  }, [jmap, refreshAll, fail]);

  async function openEmail(id: string) {
    try {
      const email = await loadMessage(jmap, id);
      setOpen(email);
      if (email && !email.keywords.$seen) {
        setMailboxes(await markRead(jmap, id));
        setEmails((list) => list.map((e) => (e.id === id ? { ...e, keywords: { ...e.keywords, $seen: true } } : e)));
      }
    } catch (err) {
      fail(err);
    }
  }

  const selected = mailboxes.find((m) => m.id === mailboxId);
  const folderName = selected ? (selected.role && FOLDER_NAMES[selected.role]) || selected.name : '';
  return (
    <div class="app">
      <header class="topbar">
        <span class="brand-mark small" aria-hidden="true">
          P
        </span>
        <span class="app-name">Petrel Mail</span>
        <span class="user">{jmap.session.username}</span>
        <button type="button" class="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {error && (
        <p class="error banner" role="alert">
          {error}
        </p>
      )}
      <p class="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      <div class="panes">
        <MailboxList
          mailboxes={mailboxes}
          selected={mailboxId}
          onSelect={(id) => {
            setOpen(null);
            setMailboxId(id);
          }}
        />
        <MessageList emails={emails} selected={open?.id ?? null} loading={loading} folderName={folderName} onOpen={(id) => void openEmail(id)} />
        <ReadingPane email={open} />
      </div>
    </div>
  );
}
