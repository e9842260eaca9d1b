import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { SignedOut, type Jmap } from './api.ts';
import type { ComposeStart } from './compose-types.ts';
import { ConversationWindow } from './conversation-window.ts';
import { LabelMenu } from './LabelMenu.tsx';
import { lazyView } from './lazy-view.tsx';
import { loadLabels, saveLabels, type Label } from './labels.ts';
import { accountsOf, loadMailboxes, movedMailboxes, newestUnread, setKeyword, setMailboxes, type ListFilter } from './mail-requests.ts';
import { folderName, MailboxList } from './MailboxList.tsx';
import { MessageList } from './MessageList.tsx';
import { askNotificationPermission, notificationPermission, notificationsAvailable, notifyArrivals } from './notify.ts';
import { watchChanges } from './push.ts';
import { ReadingPane } from './ReadingPane.tsx';
import { SearchBar, type SearchQuery } from './SearchBar.tsx';
import { ShortcutHelp } from './ShortcutHelp.tsx';
import { shortcutOf } from './shortcuts.ts';
import { Toast, type ToastMessage } from './Toast.tsx';
import type { Conversation, Mailbox } from './types.ts';

const Compose = lazyView(() => import('./Compose.tsx').then((m) => m.Compose));
const Settings = lazyView(() => import('./Settings.tsx').then((m) => m.Settings));

/** What the list shows: a folder or a label of one account, or a search in it. */
interface View {
  accountId: string;
  mailboxId: string | null;
  label: string | null;
  search: SearchQuery | null;
}

/** On a phone one pane shows at a time. */
type Pane = 'folders' | 'list' | 'message';

/** A day typed in a date field, as the UTCDate of its start in the user's time zone. */
function dayStart(day: string): string {
  return new Date(`${day}T00:00:00`).toISOString().replace(/\.\d+Z$/, 'Z');
}

function filterOf(view: View): ListFilter {
  const search = view.search;
  if (!search) return view.label ? { hasKeyword: view.label } : { inMailbox: view.mailboxId ?? undefined };
  const filter: ListFilter = {};
  if (search.text.trim()) filter.text = search.text.trim();
  if (search.from.trim()) filter.from = search.from.trim();
  if (search.to.trim()) filter.to = search.to.trim();
  if (search.after) filter.after = dayStart(search.after);
  if (search.before) filter.before = dayStart(search.before);
  if (search.hasAttachment) filter.hasAttachment = true;
  if (search.mailboxId) filter.inMailbox = search.mailboxId;
  return filter;
}

function scopeOf(view: View): string | null {
  return view.search ? view.search.mailboxId || null : view.label ? null : view.mailboxId;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The main view: folders of every account, the conversation list and the open conversation, kept live by push. */
export function Mail({ jmap, onSignOut, onExpired }: { jmap: Jmap; onSignOut: () => void; onExpired: () => void }) {
  const accounts = useMemo(() => accountsOf(jmap), [jmap]);
  const username = jmap.session.username;
  const [mailboxes, setMailboxesOf] = useState<Record<string, Mailbox[]>>({});
  const [view, setView] = useState<View | null>(null);
  const [, setVersion] = useState(0);
  const [cursor, setCursor] = useState(0);
  const [focusToken, setFocusToken] = useState(0);
  const [open, setOpen] = useState<{ accountId: string; emailId: string } | null>(null);
  const [pane, setPane] = useState<Pane>('list');
  const [compose, setCompose] = useState<{ start: ComposeStart; key: number } | null>(null);
  const [settings, setSettings] = useState(false);
  const [help, setHelp] = useState(false);
  const [labels, setLabels] = useState<Label[]>(() => loadLabels(username));
  const [dragging, setDragging] = useState<number | null>(null);
  const [toast, setToast] = useState<ToastMessage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [permission, setPermission] = useState(notificationPermission);
  const searchInput = useRef<HTMLInputElement>(null);
  const knownUnread = useRef<Set<string> | null>(null);

  const fail = useCallback(
    (err: unknown) => {
      if (err instanceof SignedOut) onExpired();
      else setError(message(err));
    },
    [onExpired],
  );

  const viewKey = view ? JSON.stringify(view) : '';
  const win = useMemo(() => (view ? new ConversationWindow(jmap, view.accountId, filterOf(view), scopeOf(view), () => setVersion((v) => v + 1), fail) : null), [jmap, viewKey, fail]);
  useEffect(() => () => win?.dispose(), [win]);
  const listShown = win !== null && win.total !== null;
  useEffect(() => {
    // Once the first list is on screen, fetch the rarer screens' code while the person reads.
    if (!listShown) return;
    const idle = window.requestIdleCallback ?? ((run: () => void) => window.setTimeout(run, 500));
    idle(() => {
      Compose.preload();
      Settings.preload();
    });
  }, [listShown]);

  const personal = accounts.find((a) => a.id === jmap.accountId)!;
  const boxesOf = (accountId: string) => mailboxes[accountId] ?? [];
  const roleIn = (accountId: string, role: string) => boxesOf(accountId).find((m) => m.role === role)?.id ?? null;

  const reloadMailboxes = useCallback(
    async (accountId: string) => {
      const list = await loadMailboxes(jmap, accountId);
      setMailboxesOf((all) => ({ ...all, [accountId]: list }));
      return list;
    },
    [jmap],
  );
  const storeMailboxes = (accountId: string, list: Mailbox[]) => setMailboxesOf((all) => ({ ...all, [accountId]: list }));

  /** New unread mail in the user's inbox: announced to screen readers, and to the desktop when the page is hidden. */
  const checkArrivals = useCallback(
    async (inboxId: string) => {
      const unread = await newestUnread(jmap, jmap.accountId, inboxId);
      const known = knownUnread.current;
      knownUnread.current = new Set([...(known ?? []), ...unread.map((e) => e.id)]);
      if (!known) return;
      const fresh = unread.filter((e) => !known.has(e.id));
      if (fresh.length === 0) return;
      setStatus(fresh.length === 1 ? '1 new message' : `${fresh.length} new messages`);
      notifyArrivals(fresh);
    },
    [jmap],
  );

  useEffect(() => {
    Promise.all(accounts.map((a) => reloadMailboxes(a.id).catch((err: unknown) => (a.isPersonal ? Promise.reject(err) : []))))
      .then(([own]) => {
        const inbox = own.find((m) => m.role === 'inbox') ?? own[0];
        setView({ accountId: jmap.accountId, mailboxId: inbox?.id ?? null, label: null, search: null });
        if (inbox) void checkArrivals(inbox.id).catch(fail);
      })
      .catch(fail);
  }, [accounts, jmap, reloadMailboxes, checkArrivals, fail]);

  // Push: a change in an account (a delivery, another client) refreshes its counts and, if shown, the list.
  const latest = useRef({ view, win, mailboxes });
  latest.current = { view, win, mailboxes };
  useEffect(() => {
    const stop = new AbortController();
    void watchChanges(
      jmap.session.eventSourceUrl,
      jmap.token,
      (change) => {
        for (const accountId of Object.keys(change.changed)) {
          if (!accounts.some((a) => a.id === accountId)) continue;
          void reloadMailboxes(accountId).catch(fail);
          if (latest.current.view?.accountId === accountId) void latest.current.win?.refresh();
          const inbox = accountId === jmap.accountId ? latest.current.mailboxes[accountId]?.find((m) => m.role === 'inbox') : undefined;
          if (inbox) void checkArrivals(inbox.id).catch(fail);
        }
      },
      stop.signal,
    );
    return () => stop.abort();
  }, [jmap, accounts, reloadMailboxes, checkArrivals, fail]);

  function show(next: View) {
    setView(next);
    setCursor(0);
    setOpen(null);
    setPane('list');
    setError(null);
  }

  const rowAt = (position: number): Conversation | undefined => win?.rowAt(position);
  const openPosition = open && win ? win.positionOf(open.emailId) : null;
  /** The conversation the toolbar and shortcuts act on: the open one, else the one under the cursor. */
  const target = (): Conversation | undefined => (openPosition !== null ? rowAt(openPosition) : rowAt(cursor));

  function openConversation(position: number) {
    const row = rowAt(position);
    if (!row || !view) return;
    setCursor(position);
    const box = boxesOf(view.accountId).find((m) => m.id === scopeOf(view));
    if (box?.role === 'drafts') return startCompose({ mode: 'draft', accountId: view.accountId, emailId: row.email.id });
    setOpen({ accountId: view.accountId, emailId: row.email.id });
    setPane('message');
    if (row.unread) {
      win!.patch(row.email.id, (r) => ({ ...r, unread: false, keywords: new Set([...r.keywords, '$seen']) }));
      setKeyword(jmap, view.accountId, row.emailIds, '$seen', true, 'mark the conversation read').then((list) => storeMailboxes(view.accountId, list), fail);
    }
  }

  function closeConversation() {
    setOpen(null);
    setPane('list');
    setFocusToken((t) => t + 1);
  }

  function startCompose(start: ComposeStart) {
    setCompose((current) => current ?? { start, key: Date.now() });
  }

  function respond(mode: 'reply' | 'replyAll' | 'forward') {
    if (open) startCompose({ mode, accountId: open.accountId, emailId: open.emailId });
  }

  async function toggleKeyword(row: Conversation, keyword: string, on: boolean, what: string) {
    if (!view) return;
    const accountId = view.accountId;
    const keywords = new Set(row.keywords);
    if (on) keywords.add(keyword);
    else keywords.delete(keyword);
    win!.patch(row.email.id, (r) => ({ ...r, keywords, flagged: keywords.has('$flagged'), unread: !keywords.has('$seen') }));
    // Flagging marks the newest message, as other clients do; clearing and labels cover the whole conversation.
    const ids = keyword === '$flagged' && on ? [row.email.id] : row.emailIds;
    try {
      storeMailboxes(accountId, await setKeyword(jmap, accountId, ids, keyword, on, what));
    } catch (err) {
      fail(err);
      void win!.refresh();
    }
  }

  async function move(row: Conversation, to: string, done: string) {
    if (!view || !win) return;
    const accountId = view.accountId;
    const before = row.mailboxIdsOf;
    try {
      storeMailboxes(accountId, await setMailboxes(jmap, accountId, movedMailboxes(before, scopeOf(view), to), 'move the conversation'));
      if (open?.emailId === row.email.id) {
        setOpen(null);
        setPane('list');
      }
      // The next conversation slides into the cursor's place; keyboard users carry on from there.
      void win.refresh().then(() => setFocusToken((t) => t + 1));
      setToast({
        id: Date.now(),
        text: done,
        undo: () =>
          void setMailboxes(jmap, accountId, before, 'undo the move')
            .then((list) => {
              storeMailboxes(accountId, list);
              setStatus('Moved back.');
              return latest.current.win?.refresh();
            })
            .catch(fail),
      });
    } catch (err) {
      fail(err);
    }
  }

  function moveToRole(role: 'archive' | 'trash') {
    const row = target();
    if (!row || !view) return;
    const to = roleIn(view.accountId, role);
    const name = role === 'archive' ? 'Archive' : 'Trash';
    if (!to) return setError(`This account has no ${name} folder.`);
    if (scopeOf(view) === to) return setStatus(`The conversation is already in ${name}.`);
    void move(row, to, role === 'archive' ? 'Conversation archived.' : 'Conversation moved to Trash.');
  }

  function moveTo(mailboxId: string) {
    const row = target();
    const box = view && boxesOf(view.accountId).find((m) => m.id === mailboxId);
    if (row && box) void move(row, mailboxId, `Conversation moved to ${folderName(box)}.`);
  }

  function createLabel(label: Label) {
    const next = [...labels, label];
    setLabels(next);
    saveLabels(username, next);
    const row = target();
    if (row) void toggleKeyword(row, label.keyword, true, 'label the conversation');
  }

  // Keyboard shortcuts; the handler reads this render's state through a ref.
  const onKey = useRef<(event: KeyboardEvent) => void>(() => undefined);
  onKey.current = (event: KeyboardEvent) => {
    const key = shortcutOf(event);
    if (!key || !win || compose || settings || help) return;
    const total = win.total ?? 0;
    const row = target();
    event.preventDefault();
    switch (key) {
      case 'j':
      case 'k': {
        const next = Math.max(0, Math.min(total - 1, cursor + (key === 'j' ? 1 : -1)));
        setCursor(next);
        setFocusToken((t) => t + 1);
        if (open) openConversation(next);
        return;
      }
      case 'o':
        return openConversation(cursor);
      case 'u':
        return closeConversation();
      case 'c':
        return startCompose({ mode: 'new' });
      case 'r':
        return respond('reply');
      case 'a':
        return respond('replyAll');
      case 'f':
        return respond('forward');
      case 'e':
        return moveToRole('archive');
      case '#':
        return moveToRole('trash');
      case 's':
        if (row) void toggleKeyword(row, '$flagged', !row.flagged, row.flagged ? 'unflag the conversation' : 'flag the conversation');
        return;
      case '/':
        searchInput.current?.focus();
        return;
      case '?':
        setHelp(true);
        return;
    }
  };
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKey.current(event);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

  const dismissToast = useCallback(() => setToast(null), []);

  if (!view || !win) {
    return (
      <main class="loading" aria-busy="true">
        {error ? <p role="alert">{error}</p> : <p>Loading your mail…</p>}
      </main>
    );
  }

  const viewAccount = accounts.find((a) => a.id === view.accountId) ?? personal;
  const shownBox = boxesOf(view.accountId).find((m) => m.id === view.mailboxId);
  const labelShown = view.label ? labels.find((l) => l.keyword === view.label) : undefined;
  const title = view.search ? 'Search results' : view.label ? `Label ${labelShown?.name ?? view.label}` : shownBox ? `${folderName(shownBox)}${viewAccount.isPersonal ? '' : ` — ${viewAccount.name}`}` : '';
  const selected = target();
  const dragRow = dragging !== null ? rowAt(dragging) : undefined;

  return (
    <div class="app" data-pane={pane}>
      <header class="topbar">
        <span class="brand-mark small" aria-hidden="true">
          P
        </span>
        <span class="app-name">Petrel Mail</span>
        <button type="button" class="primary compose-button" onClick={() => startCompose({ mode: 'new' })}>
          Compose
        </button>
        <SearchBar key={view.accountId} mailboxes={boxesOf(view.accountId)} active={view.search !== null} inputRef={searchInput} onSearch={(search) => show({ ...view, label: null, search, mailboxId: view.mailboxId ?? roleIn(view.accountId, 'inbox') })} />
        <span class="user">{username}</span>
        {notificationsAvailable() && permission === 'default' && (
          <button type="button" class="ghost" onClick={() => void askNotificationPermission().then(setPermission)}>
            Enable notifications
          </button>
        )}
        <button type="button" class="ghost" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => setHelp(true)}>
          ?
        </button>
        <button type="button" class="ghost" onClick={() => setSettings(true)}>
          Settings
        </button>
        <button type="button" class="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {error && (
        <p class="error banner" role="alert">
          {error}{' '}
          <button type="button" class="link" onClick={() => setError(null)}>
            Dismiss
          </button>
        </p>
      )}
      <p class="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      <div class="panes">
        <MailboxList
          accounts={accounts}
          mailboxes={mailboxes}
          accountId={view.accountId}
          mailboxId={view.search ? null : view.mailboxId}
          label={view.search ? null : view.label}
          labels={labels}
          dragFrom={dragRow ? view.accountId : null}
          onSelect={(accountId, mailboxId) => show({ accountId, mailboxId, label: null, search: null })}
          onSelectLabel={(keyword) => show({ accountId: view.accountId, mailboxId: null, label: keyword, search: null })}
          onDrop={(_, mailboxId) => {
            const row = dragRow;
            setDragging(null);
            const box = boxesOf(view.accountId).find((m) => m.id === mailboxId);
            if (row && box) void move(row, mailboxId, `Conversation moved to ${folderName(box)}.`);
          }}
        />
        <MessageList
          win={win}
          title={title}
          cursor={cursor}
          openId={open?.emailId ?? null}
          focusToken={focusToken}
          labels={labels}
          onOpen={openConversation}
          onCursor={setCursor}
          onToggleFlag={(position) => {
            const row = rowAt(position);
            if (row) void toggleKeyword(row, '$flagged', !row.flagged, row.flagged ? 'unflag the conversation' : 'flag the conversation');
          }}
          onDragRow={setDragging}
          onBack={() => setPane('folders')}
        />
        <div class="reader-column">
          {open && (
            <div class="conv-actions" role="toolbar" aria-label="Conversation actions">
              <button type="button" class="ghost phone-only" onClick={closeConversation}>
                ‹ Back
              </button>
              <button type="button" class="ghost" title="Archive (e)" onClick={() => moveToRole('archive')}>
                Archive
              </button>
              <button type="button" class="ghost" title="Delete (#)" onClick={() => moveToRole('trash')}>
                Delete
              </button>
              {selected && (
                <>
                  <button type="button" class="ghost" aria-pressed={selected.flagged} title="Flag (s)" onClick={() => void toggleKeyword(selected, '$flagged', !selected.flagged, 'flag the conversation')}>
                    {selected.flagged ? 'Flagged' : 'Flag'}
                  </button>
                  <button type="button" class="ghost" onClick={() => void toggleKeyword(selected, '$seen', selected.unread, 'change the read state')}>
                    {selected.unread ? 'Mark read' : 'Mark unread'}
                  </button>
                  <LabelMenu labels={labels} applied={selected.keywords} onToggle={(keyword, on) => void toggleKeyword(selected, keyword, on, on ? 'label the conversation' : 'remove the label')} onCreate={createLabel} />
                  <label class="move-to">
                    <span class="visually-hidden">Move to folder</span>
                    <select
                      value=""
                      onChange={(e) => {
                        const id = e.currentTarget.value;
                        e.currentTarget.value = '';
                        if (id) moveTo(id);
                      }}
                    >
                      <option value="">Move to…</option>
                      {boxesOf(view.accountId)
                        .filter((m) => m.id !== scopeOf(view))
                        .map((m) => (
                          <option key={m.id} value={m.id}>
                            {folderName(m)}
                          </option>
                        ))}
                    </select>
                  </label>
                </>
              )}
            </div>
          )}
          <ReadingPane jmap={jmap} accountId={open?.accountId ?? view.accountId} emailId={open?.emailId ?? null} onCompose={startCompose} />
        </div>
      </div>
      {settings && (
        <div class="settings-layer">
          <Settings jmap={jmap} onClose={() => setSettings(false)} />
        </div>
      )}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
      {compose && <Compose key={compose.key} jmap={jmap} start={compose.start} onClose={() => setCompose(null)} />}
      <Toast toast={toast} onDismiss={dismissToast} />
    </div>
  );
}
