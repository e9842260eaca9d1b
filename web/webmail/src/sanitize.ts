// HTML mail made safe to show inside the page. DOMPurify keeps only HTML's inert elements and
// attributes (no scripts, event handlers, forms, frames, media or <link>/<base>/<meta>); on top of
// that every URL a message could load is rewritten here: cid: parts become the blob: URLs of the
// inline images already downloaded, http(s) images and CSS url()s are dropped unless the reader
// asked to see remote images, and anything else that would load (relative URLs, which would hit
// our own server) is dropped always. Styles never go through markup, which the CSP forbids: the
// <style> sheets become constructed stylesheets and style="" attributes are carried in a data
// attribute and applied through the CSSOM, both checked again once parsed.
import createDOMPurify, { type Config } from 'dompurify';

export interface SanitizeOptions {
  allowRemote: boolean;
  /** Content-ID (without <>) → blob: URL of that inline part. */
  inline: ReadonlyMap<string, string>;
}

const STYLE_DATA = 'data-petrel-style';
const URL_ATTRIBUTES = ['src', 'background', 'poster'];
const CONFIG: Config = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'select', 'textarea', 'option', 'link', 'meta', 'base', 'video', 'audio', 'source', 'track', 'picture', 'iframe', 'frame', 'object', 'embed', 'dialog'],
  FORBID_ATTR: ['action', 'formaction', 'ping', 'srcdoc'],
  // Our own data attribute carries the vetted inline style; a message must not be able to supply it.
  ALLOW_DATA_ATTR: false,
  // Parse as if inside <body>, so that a <style> in the message's <head> is seen and not dropped with the head.
  FORCE_BODY: true,
};

const purify = createDOMPurify(window);
let current: SanitizeOptions = { allowRemote: false, inline: new Map() };
let styles: string[] = [];
let blocked = false;

const REMOTE = /^(?:https?:)?\/\//i;

/** RFC 2392: a cid: URL is the Content-ID, URL-encoded, without its angle brackets. */
function contentId(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** What a URL in a message becomes: a blob: URL for cid:, itself if remote and allowed or data:, else nothing. */
function rewriteUrl(raw: string): string {
  const url = raw.trim();
  if (/^cid:/i.test(url)) return current.inline.get(contentId(url.slice(4))) ?? '';
  // Our own blob: URLs, met again when parsed CSS is checked a second time.
  if (url.startsWith('blob:')) return [...current.inline.values()].includes(url) ? url : '';
  if (/^data:image\//i.test(url)) return url;
  if (REMOTE.test(url)) {
    if (current.allowRemote) return url;
    blocked = true;
  }
  return '';
}

/** A style sheet or declaration list with every url() rewritten and nothing imported. */
export function rewriteCss(css: string): string {
  return css
    .replace(/@import[^;]*;?/gi, '')
    .replace(/url\(\s*(['"]?)(.*?)\1\s*\)/gi, (_match, _quote: string, target: string) => {
      const url = rewriteUrl(target);
      return url ? `url("${url.replace(/["\\\n]/g, (c) => `\\${c}`)}")` : 'none';
    })
    // image-set("a.png" 1x) names images without url(); only rewritten ones may stay.
    .replace(/image-set\([^)]*\)/gi, 'none');
}

purify.addHook('uponSanitizeElement', (node, data) => {
  if (data.tagName === 'style') styles.push(rewriteCss(node.textContent ?? ''));
});

purify.addHook('afterSanitizeAttributes', (node) => {
  // Text and comment nodes pass through this hook too.
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  const element = node as Element;
  for (const name of URL_ATTRIBUTES) {
    const value = element.getAttribute(name);
    if (value === null) continue;
    const url = rewriteUrl(value);
    if (url) element.setAttribute(name, url);
    else element.removeAttribute(name);
  }
  const srcset = element.getAttribute('srcset');
  if (srcset !== null) {
    // Each candidate is "URL [descriptor]"; the set stays only if every URL may load.
    const candidates = srcset.split(',').map((c) => c.trim().split(/\s+/));
    const rewritten = candidates.map(([url, ...rest]) => [rewriteUrl(url ?? ''), ...rest]);
    if (rewritten.every(([url]) => url)) element.setAttribute('srcset', rewritten.map((c) => c.join(' ')).join(', '));
    else element.removeAttribute('srcset');
  }
  const style = element.getAttribute('style');
  if (style !== null) {
    element.removeAttribute('style');
    element.setAttribute(STYLE_DATA, rewriteCss(style));
  }
  if (element.tagName === 'A' && element.hasAttribute('href')) {
    element.setAttribute('target', '_blank');
    element.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Rewrites the URLs of parsed declarations: the CSSOM has undone any CSS escapes by now (`\\75 rl(` is url(). */
function rewriteDeclarations(style: CSSStyleDeclaration): void {
  for (const name of Array.from(style)) {
    const value = style.getPropertyValue(name);
    if (!/url\(|image-set\(/i.test(value)) continue;
    const rewritten = rewriteCss(value);
    if (rewritten === value) continue;
    const priority = style.getPropertyPriority(name);
    // Removed first: a rewritten value the property does not accept leaves it unset, not as it was.
    style.removeProperty(name);
    style.setProperty(name, rewritten, priority);
  }
}

function rewriteRules(rules: CSSRuleList): void {
  for (const rule of Array.from(rules)) {
    if ('style' in rule && rule.style instanceof CSSStyleDeclaration) rewriteDeclarations(rule.style);
    if ('cssRules' in rule && rule.cssRules instanceof CSSRuleList) rewriteRules(rule.cssRules);
  }
}

export interface SafeHtml {
  /** The message's content, detached until the caller puts it in a shadow root. */
  content: HTMLElement;
  /** The message's own style sheets, constructed (the CSP refuses <style> markup, not these). */
  sheets: CSSStyleSheet[];
  /** Something remote was left out because remote images are not allowed. */
  blockedRemote: boolean;
}

/**
 * A message's HTML made safe to show. Its CSS is checked twice: as text (for @import, which a
 * constructed sheet would refuse anyway) and once parsed, so that an escaped url() is caught too.
 * Everything happens while the content is detached and the sheets unadopted, so nothing loads
 * before the caller shows it.
 */
export function renderSafeHtml(html: string, options: SanitizeOptions): SafeHtml {
  current = options;
  styles = [];
  blocked = false;
  const content = document.createElement('div');
  content.className = 'mail-html';
  content.append(purify.sanitize(html, { ...CONFIG, RETURN_DOM_FRAGMENT: true }));
  for (const element of content.querySelectorAll<HTMLElement>(`[${STYLE_DATA}]`)) {
    element.style.cssText = element.getAttribute(STYLE_DATA) ?? '';
    element.removeAttribute(STYLE_DATA);
    rewriteDeclarations(element.style);
  }
  const sheets = styles.map((css) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    rewriteRules(sheet.cssRules);
    return sheet;
  });
  return { content, sheets, blockedRemote: blocked };
}

/** Whether the HTML shows the part of this Content-ID, i.e. it is an inline image and not an attachment. */
export function mentionsCid(html: string, cid: string): boolean {
  return html.includes(`cid:${cid}`);
}
