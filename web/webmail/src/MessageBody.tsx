import { useEffect, useRef } from 'preact/hooks';

import { renderSafeHtml } from './sanitize.ts';

// The frame every message is drawn in. `contain: content` makes the host the containing block of
// position:fixed content, so a message cannot lay anything over the app's own controls.
const FRAME_CSS = `
:host { display: block; contain: content; overflow: auto; background: #fff; color: #1b2430; }
.mail-html { padding: 20px; overflow-wrap: anywhere; line-height: 1.45; }
img { max-width: 100%; height: auto; }
table { max-width: 100%; }
a { color: #1f5fbf; }
`;

/**
 * Sanitized HTML in a shadow root: the message's CSS applies to it alone (constructed stylesheets,
 * which the CSP allows where <style> markup is refused), and the app's CSS does not reach into it.
 */
export function HtmlBody({ html, inline, allowRemote, onBlocked, testId = 'message-body' }: { html: string; inline: ReadonlyMap<string, string>; allowRemote: boolean; onBlocked: (blocked: boolean) => void; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const root = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
    const { content, sheets, blockedRemote } = renderSafeHtml(html, { allowRemote, inline });
    const frame = new CSSStyleSheet();
    frame.replaceSync(FRAME_CSS);
    root.adoptedStyleSheets = [frame, ...sheets];
    root.replaceChildren(content);
    onBlocked(blockedRemote);
  }, [html, inline, allowRemote, onBlocked]);
  return <div class="html-body" data-testid={testId} ref={host} />;
}

const LINK = /\b(?:https?:\/\/|mailto:)[^\s<>"]+/gi;

/** Plain text as written, with its web and mail addresses made into links that open a new tab. */
export function TextBody({ text }: { text: string }) {
  const pieces: (string | { href: string })[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    // Punctuation right after a URL in prose ends the sentence, not the URL.
    const href = match[0].replace(/[.,;:!?)\]'}]+$/, '');
    pieces.push(text.slice(last, match.index), { href });
    last = match.index + href.length;
  }
  pieces.push(text.slice(last));
  return (
    <div class="body" data-testid="message-body">
      {pieces.map((piece) =>
        typeof piece === 'string' ? (
          piece
        ) : (
          <a href={piece.href} target="_blank" rel="noopener noreferrer">
            {piece.href}
          </a>
        ),
      )}
    </div>
  );
}
