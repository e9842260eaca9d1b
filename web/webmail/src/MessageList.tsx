import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

import type { ConversationWindow } from './conversation-window.ts';
import { senderName, shortDate } from './format.ts';
import { isLabel, labelOf, type Label } from './labels.ts';
import type { Conversation } from './types.ts';

/** Every row has this height, so the list can place row n at n × ROW_HEIGHT without measuring. */
export const ROW_HEIGHT = 84;
const OVERSCAN = 6;
const SETTLE_MS = 60;

interface Props {
  win: ConversationWindow;
  title: string;
  cursor: number;
  openId: string | null;
  /** Changes when the keyboard moved the cursor: the row is scrolled to and focused. */
  focusToken: number;
  labels: Label[];
  onOpen: (position: number) => void;
  onCursor: (position: number) => void;
  onToggleFlag: (position: number) => void;
  onDragRow: (position: number | null) => void;
  onBack: () => void;
}

/**
 * The conversations of the view, newest first, as a windowed list: only the rows in sight (and a
 * few either side) are in the DOM, placed in a spacer as tall as all of them would be.
 */
export function MessageList({ win, title, cursor, openId, focusToken, labels, onOpen, onCursor, onToggleFlag, onDragRow, onBack }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const element = scroller.current!;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    setHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  // A new view starts at its top.
  useLayoutEffect(() => {
    scroller.current!.scrollTop = 0;
    setScrollTop(0);
  }, [win]);

  const total = win.total ?? 0;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(Math.max(total - 1, 0), Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);

  // Dragging the scrollbar across 100,000 rows passes thousands of positions: fetch only where it settles.
  useEffect(() => {
    const timer = setTimeout(() => win.show(first, Math.max(last, first + Math.ceil(height / ROW_HEIGHT))), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [win, first, last, height]);

  useEffect(() => {
    if (focusToken === 0) return;
    const element = scroller.current!;
    const top = cursor * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
    setScrollTop(element.scrollTop);
    // The row exists once the scroll above has rendered it.
    requestAnimationFrame(() => element.querySelector<HTMLElement>(`[data-position="${cursor}"] .message`)?.focus());
  }, [focusToken]);

  function onScroll() {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(scroller.current?.scrollTop ?? 0));
  }

  const rows = [];
  // One row at a time is in the tab order (roving tabindex): the cursor, or the first in sight.
  const cursorShown = cursor >= first && cursor <= last && win.rowAt(cursor) !== undefined;
  if (total > 0) {
    for (let position = first; position <= last; position++) {
      const row = win.rowAt(position);
      rows.push(
        row ? (
          <ConversationRow key={row.email.id} position={position} total={total} row={row} isOpen={row.email.id === openId} isCursor={position === cursor} tabbable={cursorShown ? position === cursor : position === first} labels={labels} onOpen={onOpen} onCursor={onCursor} onToggleFlag={onToggleFlag} onDragRow={onDragRow} />
        ) : (
          <li key={`p${position}`} class="row placeholder" aria-setsize={total} aria-posinset={position + 1} aria-busy="true" style={{ transform: `translateY(${position * ROW_HEIGHT}px)` }}>
            <span class="skeleton">Loading…</span>
          </li>
        ),
      );
    }
  }

  return (
    <section class="messages" aria-labelledby="messages-title">
      <div class="pane-title">
        <button type="button" class="ghost phone-only" onClick={onBack}>
          ‹ Folders
        </button>
        <h2 id="messages-title">{title}</h2>
        {win.total !== null && <span class="list-total">{win.total === 1 ? '1 conversation' : `${win.total.toLocaleString()} conversations`}</span>}
      </div>
      <div class="list-scroller" ref={scroller} onScroll={onScroll}>
        {win.total === null ? (
          <p class="empty">Loading…</p>
        ) : total === 0 ? (
          <p class="empty">No messages here.</p>
        ) : (
          <ul class="message-list" aria-label={`Messages in ${title}`} style={{ height: `${total * ROW_HEIGHT}px` }}>
            {rows}
          </ul>
        )}
      </div>
    </section>
  );
}

interface RowProps {
  position: number;
  total: number;
  row: Conversation;
  isOpen: boolean;
  isCursor: boolean;
  tabbable: boolean;
  labels: Label[];
  onOpen: (position: number) => void;
  onCursor: (position: number) => void;
  onToggleFlag: (position: number) => void;
  onDragRow: (position: number | null) => void;
}

function ConversationRow({ position, total, row, isOpen, isCursor, tabbable, labels, onOpen, onCursor, onToggleFlag, onDragRow }: RowProps) {
  const { email } = row;
  const classes = ['message', row.unread ? 'unread' : '', isOpen ? 'current' : '', isCursor ? 'cursor' : ''].filter(Boolean).join(' ');
  const chips = [...row.keywords].filter(isLabel).map((k) => labelOf(k, labels));
  return (
    <li
      class="row"
      data-position={position}
      aria-setsize={total}
      aria-posinset={position + 1}
      draggable
      style={{ transform: `translateY(${position * ROW_HEIGHT}px)` }}
      onDragStart={(event) => {
        event.dataTransfer?.setData('text/plain', email.subject ?? '');
        if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move';
        onDragRow(position);
      }}
      onDragEnd={() => onDragRow(null)}
    >
      <button type="button" class={classes} aria-current={isOpen ? 'true' : undefined} tabIndex={tabbable ? 0 : -1} onClick={() => onOpen(position)} onFocus={() => onCursor(position)}>
        <span class="message-top">
          <span class="from">
            {row.unread && <span class="visually-hidden">Unread: </span>}
            {senderName(email.from)}
            {row.emailIds.length > 1 && (
              <span class="thread-badge">
                {row.emailIds.length}
                <span class="visually-hidden"> messages</span>
              </span>
            )}
          </span>
          {email.hasAttachment && (
            <span class="clip" title="Has attachment">
              <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
              </svg>
              <span class="visually-hidden">, has attachment, </span>
            </span>
          )}
          <time dateTime={email.receivedAt}>{shortDate(email.receivedAt)}</time>
        </span>
        <span class="subject-line">
          {chips.map((label) => (
            <span key={label.keyword} class="chip" style={{ background: label.colour }}>
              <span class="visually-hidden">Label </span>
              {label.name}
            </span>
          ))}
          <span class="subject">{email.subject || '(no subject)'}</span>
        </span>
        <span class="preview">{email.preview}</span>
      </button>
      <button type="button" class={row.flagged ? 'star on' : 'star'} aria-pressed={row.flagged} aria-label="Flag" title={row.flagged ? 'Flagged (s)' : 'Flag (s)'} tabIndex={tabbable ? 0 : -1} onClick={() => onToggleFlag(position)}>
        <span aria-hidden="true">{row.flagged ? '★' : '☆'}</span>
      </button>
    </li>
  );
}
